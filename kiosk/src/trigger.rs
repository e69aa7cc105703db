//! The local trigger of survey mode: a Unix domain socket the self-service software on the
//! same terminal writes to (devices open no network ports, so this is a file, not TCP).
//!
//! ## The line protocol (for integrators)
//! Connect to the socket (`[survey] socket` in the kiosk config, e.g. `/run/aula/survey.sock`),
//! write one command per line (UTF-8, `\n`), read one answer line per command:
//!
//! | command | meaning | answer |
//! |---|---|---|
//! | `show` or `show <service-id>` | the customer's session ended: open the survey now (about that service) | `ok` |
//! | `activity` | someone is using the terminal (send on touches or page changes, at most a few a second) | `ok` |
//! | `end` | the session ended without asking for the survey: forget the activity | `ok` |
//!
//! Anything else is answered with `error <what was wrong>: expected show [service-id],
//! activity or end` and the connection stays open. A connection may send many commands.
//! From a shell: `echo "show vero" | socat - UNIX-CONNECT:/run/aula/survey.sock`.
//!
//! The kiosk's window is unmapped until a survey opens and again when it ends (see
//! [`crate::survey_app`]); the integrator only sends `show`.
//!
//! With `activity` pings alone the kiosk opens the survey by itself after a session of at least
//! `[survey] active_s` followed by `[survey] idle_s` of silence ([`crate::survey::UseDetector`]).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_protocol::ServiceId;

/// One command from the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Show(Option<ServiceId>),
    Activity,
    End,
}

/// Parses one line of the protocol. The error is the answer line's text.
pub fn parse_line(line: &str) -> Result<Trigger, String> {
    const EXPECTED: &str = "expected show [service-id], activity or end";
    let mut words = line.split_whitespace();
    let cmd = words.next().unwrap_or_default();
    let arg = words.next();
    if words.next().is_some() {
        return Err(format!("too many words in {line:?}: {EXPECTED}"));
    }
    match (cmd, arg) {
        ("show", None) => Ok(Trigger::Show(None)),
        ("show", Some(s)) => ServiceId::new(s)
            .map(|s| Trigger::Show(Some(s)))
            .map_err(|e| format!("bad service id {s:?} ({e}): {EXPECTED}")),
        ("activity", None) => Ok(Trigger::Activity),
        ("end", None) => Ok(Trigger::End),
        ("", _) => Err(format!("empty line: {EXPECTED}")),
        ("activity" | "end", Some(_)) => Err(format!("{cmd:?} takes no argument: {EXPECTED}")),
        _ => Err(format!("unknown command {cmd:?}: {EXPECTED}")),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("survey trigger socket {path}: {source}")]
pub struct TriggerError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The listening socket; its thread runs until the process ends. The socket file is
/// removed on drop.
pub struct TriggerSocket {
    path: PathBuf,
}

impl TriggerSocket {
    /// Binds `path` (a stale socket file from a previous run is replaced) and serves it on a
    /// thread; every valid command is handed to `deliver`.
    pub fn start(path: &Path, deliver: impl Fn(Trigger) + Send + 'static) -> Result<Self, TriggerError> {
        let err = |source| TriggerError { path: path.into(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        if path.exists() {
            // Only a socket left behind is replaced; a regular file there is a config mistake.
            use std::os::unix::fs::FileTypeExt;
            let meta = std::fs::metadata(path).map_err(err)?;
            if !meta.file_type().is_socket() {
                return Err(err(std::io::Error::other("exists and is not a socket")));
            }
            std::fs::remove_file(path).map_err(err)?;
        }
        let listener = UnixListener::bind(path).map_err(err)?;
        let shown = path.display().to_string();
        std::thread::Builder::new()
            .name("survey-trigger".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    match conn {
                        Ok(stream) => serve(stream, &deliver),
                        Err(e) => tracing::warn!(socket = %shown, error = %e, "survey trigger: accept failed"),
                    }
                }
            })
            .map_err(err)?;
        tracing::info!(socket = %path.display(), "survey trigger socket listening");
        Ok(Self { path: path.into() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TriggerSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One client, served inline: the self-service software is the only client and its lines are
/// tiny, so a thread per connection would buy nothing. A client that goes quiet is dropped
/// after a few seconds so it cannot block the next one.
fn serve(stream: UnixStream, deliver: &impl Fn(Trigger)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(mut out) = stream.try_clone() else { return };
    // A bound on what one client can make us buffer.
    let mut reader = std::io::Read::take(BufReader::new(stream), 64 * 1024);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let answer = match parse_line(line.trim()) {
            Ok(t) => {
                deliver(t);
                "ok".to_owned()
            }
            Err(e) => {
                tracing::warn!(line = %line.trim(), error = %e, "survey trigger: refused a line");
                format!("error {e}")
            }
        };
        if writeln!(out, "{answer}").is_err() {
            return;
        }
    }
}
