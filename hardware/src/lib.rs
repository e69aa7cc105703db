//! # aula-hardware
//!
//! Everything in Aula that touches kiosk hardware, as plain blocking Rust with no UI, network
//! protocol or database in it:
//!
//! - [`ticket`]: [`TicketContent`] (texts already translated by the caller) →
//!   [`render_ticket`] → one ESC/POS byte stream for 58 mm or 80 mm paper ([`PaperWidth`]):
//!   ESC @, code page PC858 ([`codepage`]), large number (GS !), QR code (GS ( k), cut (GS V).
//! - [`decode`]: an ESC/POS interpreter. [`decode::decode`] lists the [`decode::Op`]s of a
//!   stream; [`decode::render_png`] draws what a printer would print (embedded 8×8 font, QR
//!   rebuilt with `qrcode`). Used by tests, the simulated printer and previews.
//! - [`printer`]: the [`PrinterSink`] trait and its sinks (USB `/dev/usb/lp0`, serial tty, TCP
//!   9100, and [`printer::FileSink`], the simulated printer), [`PrinterStatus`] from the
//!   pure DLE EOT parser [`printer::status_from_answers`], and [`PrinterConfig`] →
//!   [`printer::open`].
//! - [`condition`]: [`condition::PrinterCondition`], the pure merger of wired printer sensor
//!   lines and DLE EOT answers into one [`PrinterStatus`], reported on change.
//! - [`gpio`]: drop-box and kiosk inputs ([`gpio::InputRole`]) behind [`gpio::GpioInputs`],
//!   rppal on a Pi or [`gpio::SimulatedGpio`] elsewhere (chosen by `gpio.backend`), filtered by
//!   the pure [`gpio::Debouncer`], delivered as [`gpio::InputEvent`]s on a
//!   `tokio::sync::mpsc` channel.
//!
//! Invariants: the crate never translates or formats user text; caller text can never inject
//! printer commands (control characters encode as `?`); state machines (debouncer, status
//! parser, decoder) do no I/O; all I/O is blocking with explicit timeouts, so async callers
//! use `spawn_blocking`. Logs go through `tracing`.
//!
//! ## Example
//!
//! ```
//! use aula_hardware::printer::{FileSink, PrintError, PrinterSink, PrinterStatus};
//! use aula_hardware::{PaperWidth, TicketContent, decode, render_ticket};
//!
//! let ticket = TicketContent {
//!     site_name: "Kela Hämeenlinna".into(),
//!     number: "V007".into(),
//!     service: "Asiakaspalvelu".into(),
//!     issued_at_text: "22.11.2026 10:41".into(),
//!     people_ahead_text: "Edelläsi jonossa: 3".into(),
//!     qr_url: Some("https://aula.example/q/V007".into()),
//!     ..Default::default()
//! };
//! let bytes = render_ticket(&ticket, PaperWidth::Mm58)?;
//! assert!(decode::ops_text(&decode::decode(&bytes)?).contains("V007"));
//!
//! // The simulated printer writes ticket-00001.bin and .png; it can be made to fail.
//! let dir = tempfile::tempdir()?;
//! let mut printer = FileSink::new(dir.path(), PaperWidth::Mm58)?;
//! printer.print(&bytes)?;
//! printer.status_handle().set(PrinterStatus::PaperOut);
//! assert!(matches!(printer.print(&bytes), Err(PrintError::PaperOut)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codepage;
pub mod condition;
pub mod decode;
pub mod gpio;
pub mod printer;
pub mod ticket;

pub use printer::{PrintError, PrinterConfig, PrinterSink, PrinterStatus};
pub use ticket::{PaperWidth, TicketContent, TicketError, render_ticket};
