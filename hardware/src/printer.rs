//! Printer sinks and status: the [`PrinterSink`] trait, its USB / serial / TCP / file
//! implementations, [`PrinterConfig`] → [`open`], and the pure DLE EOT status parser.
//!
//! Status model: before every job a sink asks the printer `DLE EOT 1..4` (Epson real-time
//! status, answered even when the printer is offline) and refuses to send the job unless the
//! answer is [`PrinterStatus::Ready`] or [`PrinterStatus::PaperLow`]. The error tells the kiosk
//! why, so it can show the number on screen instead. `print` returning `Ok` means the printer
//! accepted the bytes, not that paper came out: ESC/POS has no job acknowledgement.
//!
//! Everything here is blocking with explicit timeouts; async callers use `spawn_blocking`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::decode::{self, DecodeMode};
use crate::ticket::PaperWidth;

/// What the printer can do right now, folded from its real-time status bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PrinterStatus {
    /// Online, paper present, no error.
    #[default]
    Ready,
    /// Paper near end: still prints; someone should change the roll.
    PaperLow,
    /// Roll ended; nothing prints.
    PaperOut,
    /// Cover (paper door) open.
    CoverOpen,
    /// Offline for another reason, unrecoverable/auto-recoverable error, or not answering.
    Offline,
    /// Autocutter jammed or failed.
    CutterError,
}

impl PrinterStatus {
    /// True when a job sent now would print.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterStatus::Ready | PrinterStatus::PaperLow)
    }

    /// The error `print` returns for this status, or `None` if it can print.
    pub fn to_error(self) -> Option<PrintError> {
        match self {
            PrinterStatus::Ready | PrinterStatus::PaperLow => None,
            PrinterStatus::PaperOut => Some(PrintError::PaperOut),
            PrinterStatus::CoverOpen => Some(PrintError::CoverOpen),
            PrinterStatus::Offline => Some(PrintError::Offline),
            PrinterStatus::CutterError => Some(PrintError::CutterError),
        }
    }
}

/// Why a job was not sent (or not fully sent).
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("printer is out of paper")]
    PaperOut,
    #[error("printer cover is open")]
    CoverOpen,
    #[error("printer is offline or not answering")]
    Offline,
    #[error("printer cutter error")]
    CutterError,
    #[error("printer I/O: {0}")]
    Io(#[from] io::Error),
}

/// Anything a ticket can be sent to. Blocking; call from `spawn_blocking` in async code.
pub trait PrinterSink {
    /// Checks status, then sends one complete job. Returns an error and sends nothing when
    /// the printer cannot print.
    fn print(&mut self, bytes: &[u8]) -> Result<(), PrintError>;
    /// Asks the printer for its real-time status; a printer that does not answer is
    /// [`PrinterStatus::Offline`].
    fn status(&mut self) -> PrinterStatus;
}

// ---------------------------------------------------------------------------------------------
// DLE EOT parsing (pure)
// ---------------------------------------------------------------------------------------------

/// The four real-time status requests, `DLE EOT n` for n = 1..=4.
pub const STATUS_REQUESTS: [[u8; 3]; 4] = [[0x10, 0x04, 1], [0x10, 0x04, 2], [0x10, 0x04, 3], [0x10, 0x04, 4]];

/// The bits of the four DLE EOT answers (Epson ESC/POS reference, "DLE EOT"). Every answer
/// byte has the fixed pattern `0xx1 xx10`; bits not listed here are reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RealTimeStatus {
    /// n=1 bit 3.
    pub offline: bool,
    /// n=1 bit 5: waiting for online recovery.
    pub waiting_recovery: bool,
    /// n=1 bit 6: paper feed button pressed.
    pub feed_button: bool,
    /// n=2 bit 2.
    pub cover_open: bool,
    /// n=2 bit 3: paper being fed by the feed button.
    pub feeding: bool,
    /// n=2 bit 5: printing stopped because the paper ended.
    pub stopped_paper_end: bool,
    /// n=2 bit 6: an error occurred (cause in n=3).
    pub error: bool,
    /// n=3 bit 2: recoverable (mechanical) error.
    pub recoverable_error: bool,
    /// n=3 bit 3: autocutter error.
    pub cutter_error: bool,
    /// n=3 bit 5: unrecoverable error.
    pub unrecoverable_error: bool,
    /// n=3 bit 6: automatically recoverable error (e.g. head too hot).
    pub auto_recoverable_error: bool,
    /// n=4 bits 2 and 3: paper roll near-end sensor.
    pub paper_near_end: bool,
    /// n=4 bits 5 and 6: paper roll end sensor.
    pub paper_end: bool,
}

/// A status byte that is not a DLE EOT answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusParseError {
    #[error("DLE EOT request n={0} does not exist (1..=4)")]
    BadRequest(u8),
    #[error("byte {byte:#04x} is not a DLE EOT {n} answer (fixed bits 0xx1xx10 expected)")]
    BadFixedBits { n: u8, byte: u8 },
}

const fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

/// Parses the answer `byte` to `DLE EOT n` into the bits that answer carries.
pub fn parse_dle_eot(n: u8, byte: u8) -> Result<RealTimeStatus, StatusParseError> {
    if !(1..=4).contains(&n) {
        return Err(StatusParseError::BadRequest(n));
    }
    if byte & 0b1001_0011 != 0b0001_0010 {
        return Err(StatusParseError::BadFixedBits { n, byte });
    }
    let mut s = RealTimeStatus::default();
    match n {
        1 => {
            s.offline = bit(byte, 3);
            s.waiting_recovery = bit(byte, 5);
            s.feed_button = bit(byte, 6);
        }
        2 => {
            s.cover_open = bit(byte, 2);
            s.feeding = bit(byte, 3);
            s.stopped_paper_end = bit(byte, 5);
            s.error = bit(byte, 6);
        }
        3 => {
            s.recoverable_error = bit(byte, 2);
            s.cutter_error = bit(byte, 3);
            s.unrecoverable_error = bit(byte, 5);
            s.auto_recoverable_error = bit(byte, 6);
        }
        _ => {
            s.paper_near_end = bit(byte, 2) || bit(byte, 3);
            s.paper_end = bit(byte, 5) || bit(byte, 6);
        }
    }
    Ok(s)
}

impl RealTimeStatus {
    /// Combines answers to different requests (bitwise or of every flag).
    pub fn merge(self, o: RealTimeStatus) -> RealTimeStatus {
        RealTimeStatus {
            offline: self.offline || o.offline,
            waiting_recovery: self.waiting_recovery || o.waiting_recovery,
            feed_button: self.feed_button || o.feed_button,
            cover_open: self.cover_open || o.cover_open,
            feeding: self.feeding || o.feeding,
            stopped_paper_end: self.stopped_paper_end || o.stopped_paper_end,
            error: self.error || o.error,
            recoverable_error: self.recoverable_error || o.recoverable_error,
            cutter_error: self.cutter_error || o.cutter_error,
            unrecoverable_error: self.unrecoverable_error || o.unrecoverable_error,
            auto_recoverable_error: self.auto_recoverable_error || o.auto_recoverable_error,
            paper_near_end: self.paper_near_end || o.paper_near_end,
            paper_end: self.paper_end || o.paper_end,
        }
    }

    /// The one status the kiosk acts on. Most specific cause wins: a cutter error, then an
    /// open cover, then paper out (both also set "offline"), then any other offline/error,
    /// then paper near end.
    pub fn summary(&self) -> PrinterStatus {
        if self.cutter_error {
            PrinterStatus::CutterError
        } else if self.cover_open {
            PrinterStatus::CoverOpen
        } else if self.paper_end || self.stopped_paper_end {
            PrinterStatus::PaperOut
        } else if self.offline
            || self.error
            || self.recoverable_error
            || self.unrecoverable_error
            || self.auto_recoverable_error
        {
            PrinterStatus::Offline
        } else if self.paper_near_end {
            PrinterStatus::PaperLow
        } else {
            PrinterStatus::Ready
        }
    }
}

/// Folds `(n, answer)` pairs into a status. No answers at all means `Offline`.
pub fn status_from_answers(answers: &[(u8, u8)]) -> Result<PrinterStatus, StatusParseError> {
    if answers.is_empty() {
        return Ok(PrinterStatus::Offline);
    }
    let mut s = RealTimeStatus::default();
    for &(n, byte) in answers {
        s = s.merge(parse_dle_eot(n, byte)?);
    }
    Ok(s.summary())
}

// ---------------------------------------------------------------------------------------------
// I/O helpers shared by the device and TCP sinks
// ---------------------------------------------------------------------------------------------

fn would_block(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted)
}

/// Writes everything before `deadline`, retrying on EAGAIN (non-blocking device files and
/// sockets with write timeouts behave the same here).
fn write_all_until<W: Write>(w: &mut W, mut bytes: &[u8], deadline: Instant) -> Result<(), PrintError> {
    while !bytes.is_empty() {
        match w.write(bytes) {
            Ok(0) => return Err(PrintError::Io(ErrorKind::WriteZero.into())),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if would_block(&e) => {
                if Instant::now() >= deadline {
                    tracing::warn!(left = bytes.len(), "printer stopped accepting data");
                    return Err(PrintError::Offline);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.into()),
        }
    }
    w.flush().or_else(|e| if would_block(&e) { Ok(()) } else { Err(e) })?;
    Ok(())
}

/// Reads one byte before `deadline`; `None` on timeout or EOF.
fn read_byte_until<R: Read>(r: &mut R, deadline: Instant) -> io::Result<Option<u8>> {
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(b[0])),
            Err(e) if would_block(&e) => {
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sends DLE EOT 1..4 one at a time and folds the answers. A printer that answers n=1 but not
/// a later request (some models lack n=4) is judged on what it answered.
fn query_status<S: Read + Write>(s: &mut S, per_query: Duration) -> PrinterStatus {
    let mut answers = Vec::with_capacity(4);
    for req in STATUS_REQUESTS {
        let deadline = Instant::now() + per_query;
        if let Err(e) = write_all_until(s, &req, deadline) {
            tracing::debug!(error = %e, n = req[2], "status request not sent");
            break;
        }
        match read_byte_until(s, deadline) {
            Ok(Some(byte)) => answers.push((req[2], byte)),
            Ok(None) => {
                tracing::debug!(n = req[2], "no answer to DLE EOT");
                break;
            }
            Err(e) => {
                tracing::debug!(error = %e, "status read failed");
                break;
            }
        }
    }
    status_from_answers(&answers).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "printer answered DLE EOT with garbage");
        PrinterStatus::Offline
    })
}

// ---------------------------------------------------------------------------------------------
// Device file sink: USB printer class (/dev/usb/lp0) and serial ttys
// ---------------------------------------------------------------------------------------------

/// A printer behind a character device: `/dev/usb/lpN` (usblp driver) or a serial tty.
///
/// The device is opened per job, non-blocking, so an unplugged-and-replugged printer works
/// again without restarting, and a stuck printer times out instead of hanging the caller.
#[derive(Debug)]
pub struct DeviceSink {
    path: PathBuf,
    check_status: bool,
    timeout: Duration,
}

impl DeviceSink {
    /// A sink for the device at `path`. Nothing is opened until the first job or status query.
    pub fn new(path: impl Into<PathBuf>, check_status: bool, timeout: Duration) -> Self {
        DeviceSink { path: path.into(), check_status, timeout }
    }

    fn open_device(&self) -> io::Result<File> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&self.path)?;
        Ok(f)
    }
}

/// Discards bytes waiting in a non-blocking device (automatic status messages, old answers)
/// so the next read is the answer to our request.
fn drain(f: &mut File) {
    let mut buf = [0u8; 64];
    for _ in 0..16 {
        match f.read(&mut buf) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}

impl PrinterSink for DeviceSink {
    fn print(&mut self, bytes: &[u8]) -> Result<(), PrintError> {
        let mut f = self.open_device().map_err(|e| {
            tracing::warn!(path = %self.path.display(), error = %e, "printer device not available");
            PrintError::Io(e)
        })?;
        if self.check_status {
            drain(&mut f);
            let status = query_status(&mut f, STATUS_TIMEOUT);
            if let Some(err) = status.to_error() {
                tracing::warn!(path = %self.path.display(), ?status, "printer cannot print");
                return Err(err);
            }
        }
        write_all_until(&mut f, bytes, Instant::now() + self.timeout)?;
        tracing::debug!(path = %self.path.display(), len = bytes.len(), "job sent");
        Ok(())
    }

    fn status(&mut self) -> PrinterStatus {
        match self.open_device() {
            Ok(mut f) => {
                drain(&mut f);
                query_status(&mut f, STATUS_TIMEOUT)
            }
            Err(e) => {
                tracing::debug!(path = %self.path.display(), error = %e, "printer device not available");
                PrinterStatus::Offline
            }
        }
    }
}

/// How long one DLE EOT answer may take. Printers answer within a few ms; USB round trips
/// and a busy Pi need some slack, but four of these must stay well under a second.
const STATUS_TIMEOUT: Duration = Duration::from_millis(200);

/// Baud rates `stty` and ESC/POS serial printers both support.
pub const SERIAL_BAUDS: [u32; 6] = [4800, 9600, 19200, 38400, 57600, 115200];

/// Sets a tty to raw 8N1 at `baud` with `stty`. We shell out instead of adding a serial crate:
/// this is the only termios call we need, and coreutils' stty is on every Pi OS image.
fn configure_serial(path: &Path, baud: u32) -> Result<(), OpenError> {
    let out = std::process::Command::new("stty")
        .arg("-F")
        .arg(path)
        .args([&baud.to_string(), "raw", "-echo", "cs8", "-cstopb", "-parenb", "clocal"])
        .output()
        .map_err(|e| OpenError::Serial { path: path.to_owned(), reason: format!("cannot run stty: {e}") })?;
    if !out.status.success() {
        return Err(OpenError::Serial {
            path: path.to_owned(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// TCP sink (raw port 9100)
// ---------------------------------------------------------------------------------------------

/// A network printer on a raw TCP port (JetDirect, normally 9100). One connection per job:
/// these printers serve one client at a time, and a fresh connection survives printer reboots.
#[derive(Debug)]
pub struct TcpSink {
    host: String,
    port: u16,
    check_status: bool,
    timeout: Duration,
}

impl TcpSink {
    pub fn new(host: impl Into<String>, port: u16, check_status: bool, timeout: Duration) -> Self {
        TcpSink { host: host.into(), port, check_status, timeout }
    }

    fn connect(&self) -> io::Result<TcpStream> {
        let mut last = io::Error::new(ErrorKind::NotFound, format!("{} resolves to no address", self.host));
        for addr in (self.host.as_str(), self.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    s.set_write_timeout(Some(self.timeout))?;
                    // Short read timeout: reads happen only for status answers.
                    s.set_read_timeout(Some(STATUS_TIMEOUT))?;
                    return Ok(s);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

impl PrinterSink for TcpSink {
    fn print(&mut self, bytes: &[u8]) -> Result<(), PrintError> {
        let mut s = self.connect().map_err(|e| {
            tracing::warn!(host = %self.host, port = self.port, error = %e, "printer not reachable");
            PrintError::Io(e)
        })?;
        if self.check_status {
            let status = query_status(&mut s, STATUS_TIMEOUT);
            if let Some(err) = status.to_error() {
                tracing::warn!(host = %self.host, ?status, "printer cannot print");
                return Err(err);
            }
        }
        write_all_until(&mut s, bytes, Instant::now() + self.timeout)?;
        // Half-close so the printer knows the job is complete, as `nc -N` / CUPS socket do.
        let _ = s.shutdown(std::net::Shutdown::Write);
        tracing::debug!(host = %self.host, len = bytes.len(), "job sent");
        Ok(())
    }

    fn status(&mut self) -> PrinterStatus {
        match self.connect() {
            Ok(mut s) => query_status(&mut s, STATUS_TIMEOUT),
            Err(e) => {
                tracing::debug!(host = %self.host, error = %e, "printer not reachable");
                PrinterStatus::Offline
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// File sink: the simulated printer
// ---------------------------------------------------------------------------------------------

/// Shared, settable status of a [`FileSink`]: keep a clone to make the simulated printer run
/// out of paper, open its cover, etc.
#[derive(Debug, Clone, Default)]
pub struct SimulatedStatus(Arc<Mutex<PrinterStatus>>);

impl SimulatedStatus {
    pub fn set(&self, status: PrinterStatus) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }
    pub fn get(&self) -> PrinterStatus {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The simulated printer: each job becomes `ticket-NNNNN.bin` (the raw stream) and
/// `ticket-NNNNN.png` (what it would look like on paper) in a folder.
#[derive(Debug)]
pub struct FileSink {
    dir: PathBuf,
    paper: PaperWidth,
    status: SimulatedStatus,
    next: u32,
}

impl FileSink {
    /// Creates the folder if needed and continues numbering after the files already there.
    pub fn new(dir: impl Into<PathBuf>, paper: PaperWidth) -> io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        let mut last = 0;
        for entry in fs::read_dir(&dir)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name.strip_prefix("ticket-").and_then(|r| r.strip_suffix(".bin")) {
                last = last.max(n.parse().unwrap_or(0));
            }
        }
        Ok(FileSink { dir, paper, status: SimulatedStatus::default(), next: last + 1 })
    }

    /// A handle to change this printer's simulated status.
    pub fn status_handle(&self) -> SimulatedStatus {
        self.status.clone()
    }

    /// Path of the `.bin` file the next job will be written to.
    pub fn next_path(&self) -> PathBuf {
        self.dir.join(format!("ticket-{:05}.bin", self.next))
    }
}

impl PrinterSink for FileSink {
    fn print(&mut self, bytes: &[u8]) -> Result<(), PrintError> {
        let status = self.status.get();
        if let Some(err) = status.to_error() {
            tracing::info!(dir = %self.dir.display(), ?status, "simulated printer refuses job");
            return Err(err);
        }
        let bin = self.next_path();
        fs::write(&bin, bytes)?;
        // The preview is best effort: a stream our decoder cannot draw is still "printed".
        match decode::render_with(bytes, self.paper, DecodeMode::Lenient) {
            Ok(img) => {
                if let Err(e) = img.save(bin.with_extension("png")) {
                    tracing::warn!(error = %e, "could not save ticket preview");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not render ticket preview"),
        }
        tracing::info!(path = %bin.display(), len = bytes.len(), "simulated printer printed");
        self.next += 1;
        Ok(())
    }

    fn status(&mut self) -> PrinterStatus {
        self.status.get()
    }
}

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/// `[printer]` config section. `kind` picks the connection:
///
/// ```toml
/// [printer]
/// kind = "tcp"          # or "usb" {path}, "serial" {path, baud}, "file" {dir}
/// host = "192.168.1.50"
/// port = 9100           # default
/// paper = "80mm"        # or "58mm"
/// check_status = true   # default: ask DLE EOT before each job
/// timeout_ms = 5000     # default: connect/write timeout
/// # default: DejaVu Sans; draws the scripts the printer's code page lacks (Cyrillic, Arabic…)
/// font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
/// labels_dir = "/etc/aula/ticket-lang"  # optional: more ticket languages, <code>.toml each
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PrinterConfig {
    #[serde(flatten)]
    pub connection: Connection,
    pub paper: PaperWidth,
    #[serde(default = "default_true")]
    pub check_status: bool,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// TrueType/OpenType file for ticket text the code page cannot hold, printed as raster
    /// lines ([`crate::ticket::TicketRenderer::from_config`] loads it and names it on error).
    #[serde(default = "default_font")]
    pub font: PathBuf,
    /// A folder of ticket label files (`<code>.toml`, see [`crate::labels`]) looked at before
    /// the bundled ones, so a site can add or correct a language without a new build.
    #[serde(default)]
    pub labels_dir: Option<PathBuf>,
}

/// Where the printer is, by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Connection {
    Usb {
        path: PathBuf,
    },
    Serial {
        path: PathBuf,
        baud: u32,
    },
    Tcp {
        host: String,
        #[serde(default = "default_port")]
        port: u16,
    },
    File {
        dir: PathBuf,
    },
}

fn default_true() -> bool {
    true
}
fn default_timeout_ms() -> u64 {
    5000
}
fn default_port() -> u16 {
    9100
}
fn default_font() -> PathBuf {
    PathBuf::from(crate::script::DEFAULT_FONT)
}

/// Why a printer config could not be turned into a sink.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("printer.{key}: expected {expected}, found {found}")]
    Invalid { key: &'static str, expected: String, found: String },
    #[error("serial printer {}: {reason}", path.display())]
    Serial { path: PathBuf, reason: String },
    #[error("printer folder {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl PrinterConfig {
    /// Checks values serde cannot: timeouts, baud rates, empty host.
    pub fn validate(&self) -> Result<(), OpenError> {
        let invalid = |key, expected: String, found: String| Err(OpenError::Invalid { key, expected, found });
        if !(100..=60_000).contains(&self.timeout_ms) {
            return invalid("timeout_ms", "milliseconds 100..=60000".into(), self.timeout_ms.to_string());
        }
        match &self.connection {
            Connection::Serial { baud, .. } if !SERIAL_BAUDS.contains(baud) => {
                invalid("baud", format!("one of {SERIAL_BAUDS:?}"), baud.to_string())
            }
            Connection::Tcp { host, .. } if host.trim().is_empty() => {
                invalid("host", "a host name or IP address".into(), "\"\"".into())
            }
            Connection::Tcp { port: 0, .. } => invalid("port", "a TCP port 1-65535".into(), "0".into()),
            _ => Ok(()),
        }
    }
}

/// Validates `cfg` and builds its sink. Device files are not opened yet (a printer switched
/// off at boot must not stop the kiosk); a serial port is configured with `stty` now.
pub fn open(cfg: &PrinterConfig) -> Result<Box<dyn PrinterSink + Send>, OpenError> {
    cfg.validate()?;
    let timeout = Duration::from_millis(cfg.timeout_ms);
    Ok(match &cfg.connection {
        Connection::Usb { path } => {
            if !path.exists() {
                tracing::warn!(path = %path.display(), "USB printer device does not exist (yet)");
            }
            Box::new(DeviceSink::new(path, cfg.check_status, timeout))
        }
        Connection::Serial { path, baud } => {
            configure_serial(path, *baud)?;
            Box::new(DeviceSink::new(path, cfg.check_status, timeout))
        }
        Connection::Tcp { host, port } => Box::new(TcpSink::new(host, *port, cfg.check_status, timeout)),
        Connection::File { dir } => {
            Box::new(FileSink::new(dir, cfg.paper).map_err(|source| OpenError::Io { path: dir.clone(), source })?)
        }
    })
}
