//! # aula-hardware
//!
//! Everything in Aula that touches kiosk hardware, as plain blocking Rust with no UI, network
//! protocol or database in it:
//!
//! - [`ticket`]: [`TicketContent`] (texts already translated by the caller) →
//!   [`TicketRenderer::render`] (or [`render_ticket`] with the default font) → one ESC/POS byte
//!   stream for 58 mm or 80 mm paper ([`PaperWidth`]): ESC @, code page PC858 ([`codepage`]),
//!   large number (GS !), QR code (GS ( k), cut (GS V). A field PC858 cannot hold (Cyrillic,
//!   Arabic…) is printed as raster lines (GS v 0) instead of question marks.
//! - [`script`]: text in any script as pixels: a [`script::ScriptFont`] (DejaVu Sans by
//!   default) wraps, orders (Unicode bidi), shapes (harfrust: Arabic joining) and draws a
//!   paragraph into 1-bit lines.
//! - [`labels`]: [`TicketLabels`], the ticket's fixed texts per language from data files
//!   (`lang/<code>.toml`: en, fi, sv, ru, uk, ar, so; a folder can add more at run time).
//! - [`decode`]: an ESC/POS interpreter. [`decode::decode`] lists the [`decode::Op`]s of a
//!   stream; [`decode::render_png`] draws what a printer would print (embedded 8×8 font for
//!   text, raster images dot for dot, QR rebuilt with `qrcode`). Used by tests, the simulated
//!   printer and previews.
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
//! Invariants: the crate never chooses a language or formats dates: the caller passes final
//! texts, or a language code to [`TicketLabels::load`]; caller text can never inject printer
//! commands (control characters encode as `?`, in text and in raster lines alike); a letter
//! the code page lacks is never printed as `?` (it is drawn, or, if the font lacks it too,
//! drawn as the font's box and logged); an all-Latin ticket needs no font file; state machines
//! (debouncer, status parser, decoder, layout) do no I/O; all I/O is blocking with explicit
//! timeouts, so async callers use `spawn_blocking`. Logs go through `tracing`.
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
//!
//! A ticket in Arabic: the fixed texts from `lang/ar.toml`, the font loaded once at start from
//! `printer.font` (a missing file is an error naming it). Arabic lines become raster images;
//! the number, time and QR code stay text.
//!
//! ```
//! use aula_hardware::{PaperWidth, PrinterConfig, TicketContent, TicketLabels, TicketRenderer, decode};
//!
//! let config: PrinterConfig = toml::from_str("kind = \"file\"\ndir = \"/tmp\"\npaper = \"80mm\"")?;
//! let renderer = TicketRenderer::from_config(&config)?; // DejaVu Sans unless `font` is set
//! let ar = TicketLabels::load("ar", config.labels_dir.as_deref())?;
//! let ticket = TicketContent {
//!     number: "V007".into(),
//!     issued_at_text: "22.11.2026 10:41".into(),
//!     people_ahead_text: ar.people_ahead(3), // "عدد المنتظرين قبلك: 3"
//!     footer: Some(ar.footer(false).into()),
//!     ..Default::default()
//! };
//! let ops = decode::decode(&renderer.render(&ticket, PaperWidth::Mm80)?)?;
//! assert_eq!(ops.iter().filter(|op| matches!(op, decode::Op::Raster { .. })).count(), 2);
//! assert!(decode::ops_text(&ops).contains("V007"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codepage;
pub mod condition;
pub mod decode;
pub mod gpio;
pub mod labels;
pub mod printer;
pub mod script;
pub mod ticket;

pub use labels::{LabelsError, TicketLabels};
pub use printer::{PrintError, PrinterConfig, PrinterSink, PrinterStatus};
pub use script::FontError;
pub use ticket::{PaperWidth, TicketContent, TicketError, TicketRenderer, render_ticket};
