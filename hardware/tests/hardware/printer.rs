//! Printer status parsing and sinks: the kiosk relies on these errors to fall back to showing
//! the number on screen.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use aula_hardware::printer::{
    DeviceSink, FileSink, PrintError, PrinterSink, PrinterStatus, RealTimeStatus, StatusParseError, TcpSink,
    parse_dle_eot, status_from_answers,
};
use aula_hardware::ticket::{PaperWidth, render_ticket};

use crate::sample_ticket;

fn check(answers: &[(u8, u8)], expected: PrinterStatus) {
    assert_eq!(status_from_answers(answers), Ok(expected), "answers {answers:02X?}");
}

#[test]
fn dle_eot_answers_fold_into_status() {
    // Fixed pattern 0xx1xx10 = 0x12 means "nothing set".
    let ok = [(1, 0x12), (2, 0x12), (3, 0x12), (4, 0x12)];
    check(&ok, PrinterStatus::Ready);
    check(&[(4, 0x12 | 0x04)], PrinterStatus::PaperLow); // near-end bit 2
    check(&[(4, 0x12 | 0x08)], PrinterStatus::PaperLow); // near-end bit 3
    check(&[(4, 0x12 | 0x0C)], PrinterStatus::PaperLow);
    check(&[(4, 0x12 | 0x20)], PrinterStatus::PaperOut); // end bit 5
    check(&[(4, 0x12 | 0x40)], PrinterStatus::PaperOut); // end bit 6
    check(&[(4, 0x12 | 0x6C)], PrinterStatus::PaperOut); // end wins over near end
    check(&[(2, 0x12 | 0x20)], PrinterStatus::PaperOut); // printing stopped by paper end
    check(&[(2, 0x12 | 0x04)], PrinterStatus::CoverOpen);
    check(&[(1, 0x12 | 0x08)], PrinterStatus::Offline);
    check(&[(2, 0x12 | 0x40)], PrinterStatus::Offline); // error occurred
    check(&[(3, 0x12 | 0x08)], PrinterStatus::CutterError);
    check(&[(3, 0x12 | 0x20)], PrinterStatus::Offline); // unrecoverable
    check(&[(3, 0x12 | 0x40)], PrinterStatus::Offline); // auto-recoverable (head hot)
    // Irrelevant bits (drawer pin, feed button) do not stop printing.
    check(&[(1, 0x12 | 0x04 | 0x40)], PrinterStatus::Ready);
    // What a TM-T20 answers with the cover open: offline + cover open + paper fine.
    check(&[(1, 0x1A), (2, 0x16), (3, 0x12), (4, 0x12)], PrinterStatus::CoverOpen);
    // Paper ran out: offline, stopped by paper end, end sensor.
    check(&[(1, 0x1A), (2, 0x32), (3, 0x12), (4, 0x7E)], PrinterStatus::PaperOut);
    // Cutter jam with the cover opened to fix it: the cutter is the cause to report.
    check(&[(1, 0x1A), (2, 0x56), (3, 0x1A), (4, 0x12)], PrinterStatus::CutterError);
    check(&[], PrinterStatus::Offline);
}

#[test]
fn dle_eot_rejects_bytes_that_are_not_answers() {
    assert_eq!(parse_dle_eot(1, 0x00), Err(StatusParseError::BadFixedBits { n: 1, byte: 0x00 }));
    assert_eq!(parse_dle_eot(2, 0x92), Err(StatusParseError::BadFixedBits { n: 2, byte: 0x92 })); // bit 7
    assert_eq!(parse_dle_eot(3, 0x13), Err(StatusParseError::BadFixedBits { n: 3, byte: 0x13 })); // bit 0
    assert_eq!(parse_dle_eot(5, 0x12), Err(StatusParseError::BadRequest(5)));
    assert_eq!(parse_dle_eot(2, 0x16).unwrap(), RealTimeStatus { cover_open: true, ..Default::default() });
}

#[test]
fn file_sink_refuses_when_simulated_status_is_bad_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = FileSink::new(dir.path(), PaperWidth::Mm58).unwrap();
    let status = sink.status_handle();
    let bytes = render_ticket(&sample_ticket(), PaperWidth::Mm58).unwrap();

    status.set(PrinterStatus::PaperOut);
    assert_eq!(sink.status(), PrinterStatus::PaperOut);
    assert!(matches!(sink.print(&bytes), Err(PrintError::PaperOut)));
    status.set(PrinterStatus::CoverOpen);
    assert!(matches!(sink.print(&bytes), Err(PrintError::CoverOpen)));
    status.set(PrinterStatus::Offline);
    assert!(matches!(sink.print(&bytes), Err(PrintError::Offline)));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "a refused job leaves no file");

    status.set(PrinterStatus::PaperLow); // still prints
    sink.print(&bytes).unwrap();
    assert_eq!(std::fs::read(dir.path().join("ticket-00001.bin")).unwrap(), bytes);
    let png = image::open(dir.path().join("ticket-00001.png")).unwrap();
    assert_eq!(png.width(), 384 + 32);

    // A restarted simulator continues the numbering instead of overwriting.
    let mut again = FileSink::new(dir.path(), PaperWidth::Mm58).unwrap();
    again.print(&bytes).unwrap();
    assert!(dir.path().join("ticket-00002.bin").exists());
}

/// A fake network printer on 127.0.0.1:0: answers each `DLE EOT n` with `answers[n-1]`
/// (or stays silent when `None`) and records every byte of every connection.
struct FakePrinter {
    port: u16,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FakePrinter {
    fn start(answers: Option<[u8; 4]>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                let mut all = Vec::new();
                let mut scanned = 0;
                let mut buf = [0u8; 512];
                loop {
                    let n = match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    all.extend_from_slice(&buf[..n]);
                    while scanned + 3 <= all.len() {
                        if all[scanned] == 0x10 && all[scanned + 1] == 0x04 && (1..=4).contains(&all[scanned + 2]) {
                            if let Some(a) = answers {
                                let _ = s.write_all(&[a[usize::from(all[scanned + 2]) - 1]]);
                            }
                            scanned += 3;
                        } else {
                            scanned += 1;
                        }
                    }
                }
                rec.lock().unwrap().push(all);
            }
        });
        FakePrinter { port, received }
    }

    /// Waits until `n` connections were closed and returns what they sent.
    fn connections(&self, n: usize) -> Vec<Vec<u8>> {
        for _ in 0..200 {
            if self.received.lock().unwrap().len() >= n {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        self.received.lock().unwrap().clone()
    }
}

const QUERIES: [u8; 12] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4];

#[test]
fn tcp_sink_checks_status_then_sends_the_job() {
    let fake = FakePrinter::start(Some([0x12, 0x12, 0x12, 0x12]));
    let mut sink = TcpSink::new("127.0.0.1", fake.port, true, Duration::from_secs(2));
    let bytes = render_ticket(&sample_ticket(), PaperWidth::Mm80).unwrap();
    sink.print(&bytes).unwrap();
    let got = fake.connections(1);
    assert_eq!(&got[0][..12], &QUERIES, "status asked first");
    assert_eq!(&got[0][12..], &bytes[..], "then the job, unchanged");
}

#[test]
fn tcp_sink_reports_paper_out_and_sends_no_job() {
    // Offline, stopped by paper end, paper end sensor.
    let fake = FakePrinter::start(Some([0x1A, 0x32, 0x12, 0x72]));
    let mut sink = TcpSink::new("127.0.0.1", fake.port, true, Duration::from_secs(2));
    assert_eq!(sink.status(), PrinterStatus::PaperOut);
    let bytes = render_ticket(&sample_ticket(), PaperWidth::Mm80).unwrap();
    assert!(matches!(sink.print(&bytes), Err(PrintError::PaperOut)));
    let got = fake.connections(2);
    assert_eq!(got[1], QUERIES.to_vec(), "only the status queries reached the printer");
}

#[test]
fn tcp_sink_reports_paper_low_but_prints() {
    let fake = FakePrinter::start(Some([0x12, 0x12, 0x12, 0x1E]));
    let mut sink = TcpSink::new("127.0.0.1", fake.port, true, Duration::from_secs(2));
    assert_eq!(sink.status(), PrinterStatus::PaperLow);
    sink.print(b"\x1b@hello\n").unwrap();
}

#[test]
fn tcp_sink_treats_a_silent_printer_as_offline() {
    let fake = FakePrinter::start(None);
    let mut sink = TcpSink::new("127.0.0.1", fake.port, true, Duration::from_secs(2));
    assert_eq!(sink.status(), PrinterStatus::Offline);
    assert!(matches!(sink.print(b"x"), Err(PrintError::Offline)));
    // With status checks off (printers that never answer) the job goes through.
    let mut blind = TcpSink::new("127.0.0.1", fake.port, false, Duration::from_secs(2));
    blind.print(b"job").unwrap();
    assert!(fake.connections(3).iter().any(|c| c == b"job"));
}

#[test]
fn tcp_sink_without_printer_is_offline_and_print_is_io_error() {
    // Bind then drop to get a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut sink = TcpSink::new("127.0.0.1", port, true, Duration::from_millis(500));
    assert_eq!(sink.status(), PrinterStatus::Offline);
    assert!(matches!(sink.print(b"x"), Err(PrintError::Io(_))));
}

#[test]
fn device_sink_that_never_answers_status_refuses_the_job() {
    // A regular file behaves like a printer that accepts data but never answers DLE EOT.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lp0");
    std::fs::write(&path, b"").unwrap();
    let mut checked = DeviceSink::new(&path, true, Duration::from_secs(1));
    assert_eq!(checked.status(), PrinterStatus::Offline);
    assert!(matches!(checked.print(b"TICKET"), Err(PrintError::Offline)));
    assert!(!std::fs::read(&path).unwrap().windows(6).any(|w| w == b"TICKET"));

    let mut unchecked = DeviceSink::new(&path, false, Duration::from_secs(1));
    unchecked.print(b"TICKET").unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"TICKET"));

    let mut missing = DeviceSink::new(dir.path().join("nope"), false, Duration::from_secs(1));
    assert!(matches!(missing.print(b"x"), Err(PrintError::Io(_))));
    assert_eq!(missing.status(), PrinterStatus::Offline);
}
