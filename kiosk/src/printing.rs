//! Printing off the UI thread: one worker thread owns the [`PrinterSink`] (blocking I/O with
//! timeouts), lays the ticket out with `aula_hardware::ticket::render_ticket`, sends it, and
//! reports the result to the controller's [`Inbox`] as [`Input::Printed`]. The hub's "test
//! print" goes through the same thread ([`KioskTestPrinter`], aula-agent's
//! [`TestPrinter`]): the printer is opened once, and a test ticket queues behind a customer's.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use aula_agent::{TestPrinter, TestTicket};
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

/// What the printing thread is asked to do.
enum Job {
    Ticket(PrintJob),
    /// The hub's test print: the outcome goes back to the waiting executor.
    Test {
        content: TicketContent,
        done: mpsc::SyncSender<Result<String, String>>,
    },
}

/// Handle to the printing thread.
pub struct Printer {
    tx: mpsc::Sender<Job>,
}

impl Printer {
    pub fn start(
        mut sink: Box<dyn PrinterSink + Send>,
        paper: PaperWidth,
        inbox: Inbox,
        hook: Option<BytesHook>,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("kiosk-printer".into())
            .spawn(move || {
                for job in rx {
                    let job = match job {
                        Job::Ticket(job) => job,
                        Job::Test { content, done } => {
                            let result = render_ticket(&content, paper)
                                .map_err(|e| format!("test ticket layout: {e}"))
                                .and_then(|bytes| sink.print(&bytes).map_err(|e| format!("test print failed: {e}")))
                                .map(|()| "test ticket printed".to_string());
                            let _ = done.send(result);
                            continue;
                        }
                    };
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
        if let Err(mpsc::SendError(Job::Ticket(job))) = self.tx.send(Job::Ticket(job)) {
            tracing::error!(number = %job.number, "printer thread is gone");
        }
    }

    /// The same printer for the hub's "test print".
    pub fn test_printer(&self) -> KioskTestPrinter {
        KioskTestPrinter { tx: self.tx.clone() }
    }
}

/// How long a test print may wait behind customers' tickets and the printer's own timeouts.
const TEST_PRINT_WAIT: Duration = Duration::from_secs(30);

/// The kiosk's printer as aula-agent's [`TestPrinter`]: the job goes to the printing thread
/// and the executor waits for its outcome.
#[derive(Clone)]
pub struct KioskTestPrinter {
    tx: mpsc::Sender<Job>,
}

impl TestPrinter for KioskTestPrinter {
    fn print_test(&self, t: &TestTicket) -> Result<String, String> {
        let content = TicketContent::test_print(t.site.as_str(), t.device.as_str(), t.at, &t.app);
        let (done, result) = mpsc::sync_channel(1);
        self.tx.send(Job::Test { content, done }).map_err(|_| "the printer thread is gone".to_string())?;
        result
            .recv_timeout(TEST_PRINT_WAIT)
            .unwrap_or_else(|_| Err(format!("no answer from the printer within {TEST_PRINT_WAIT:?}")))
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
