//! Printing off the UI thread: one worker thread owns the [`PrinterSink`] (blocking I/O with
//! timeouts), lays the ticket out with `aula_hardware::ticket::render_ticket`, sends it, and
//! reports the result to the controller's [`Inbox`] as [`Input::Printed`].

use std::sync::{Arc, mpsc};

use aula_hardware::printer::{PrintError, PrinterSink};
use aula_hardware::ticket::{PaperWidth, TicketContent, render_ticket};
use aula_protocol::{PrinterState, TicketNumber};

use crate::flow::{Input, PrintFailure};
use crate::hub::Inbox;

/// Called with the ESC/POS bytes just before they are handed to the printer (the benchmark
/// stops its clock here; tests may capture the bytes).
pub type BytesHook = Arc<dyn Fn(&TicketNumber, &[u8]) + Send + Sync>;

pub struct PrintJob {
    pub number: TicketNumber,
    pub content: TicketContent,
}

/// Handle to the printing thread.
pub struct Printer {
    tx: mpsc::Sender<PrintJob>,
}

impl Printer {
    pub fn start(
        mut sink: Box<dyn PrinterSink + Send>,
        paper: PaperWidth,
        inbox: Inbox,
        hook: Option<BytesHook>,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<PrintJob>();
        std::thread::Builder::new()
            .name("kiosk-printer".into())
            .spawn(move || {
                for job in rx {
                    let result = match render_ticket(&job.content, paper) {
                        Ok(bytes) => {
                            if let Some(h) = &hook {
                                h(&job.number, &bytes);
                            }
                            sink.print(&bytes).map_err(failure)
                        }
                        // A layout error is a bug, but the customer still gets the number on screen.
                        Err(e) => Err(PrintFailure { reason: format!("ticket layout: {e}"), state: None }),
                    };
                    if let Err(f) = &result {
                        tracing::warn!(number = %job.number, reason = %f.reason, "ticket not printed");
                    }
                    inbox.send(Input::Printed { number: job.number, result });
                }
            })
            .expect("spawn printer thread");
        Self { tx }
    }

    pub fn submit(&self, job: PrintJob) {
        if let Err(mpsc::SendError(job)) = self.tx.send(job) {
            tracing::error!(number = %job.number, "printer thread is gone");
        }
    }
}

fn failure(e: PrintError) -> PrintFailure {
    let state = match &e {
        PrintError::PaperOut => Some(PrinterState::PaperOut),
        PrintError::CoverOpen => Some(PrinterState::CoverOpen),
        PrintError::Offline => Some(PrinterState::Offline),
        PrintError::CutterError => Some(PrinterState::CutterError),
        PrintError::Io(_) => Some(PrinterState::Offline),
    };
    PrintFailure { reason: e.to_string(), state }
}
