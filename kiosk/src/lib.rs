//! # aula-kiosk
//!
//! The check-in / queue-number kiosk: the first thing a customer touches in the lobby. Start
//! screen with the language choice and three big actions (take a queue number, I have an
//! appointment, I need help); today's services with queue length and wait range; an optional
//! "I need…" step (interpreter, accessibility, reading help: flags, never personal data);
//! booking-code check-in by keypad or USB barcode scanner; the ticket printed through
//! `aula-hardware`, or shown large with a QR code when the printer fails.
//!
//! The same binary and window are also the two survey front ends (`[kiosk] mode`):
//! `"feedback"`, the terminal by the exit (the first question always on screen, a
//! thank-you, back to the start by itself), and `"survey"`, the pop-up on a self-service
//! terminal (opened by the hub's `ShowSurvey`, by the self-service software through a Unix
//! socket, or after a session of use goes quiet; it can be closed and times out). The
//! pop-up's window is mapped only while a visit is on screen and unmapped between surveys,
//! so it never covers the self-service application (`[survey] always_visible = true` keeps
//! it up on a screen of its own; see [`survey_app`] for backends without windows).
//!
//! ## Key types
//! - [`flow::Flow`]: the whole customer flow as a pure state machine (input → screen +
//!   effects). Every rule lives there once: inactivity reset, debounce, one request id per
//!   ticket attempt, resend with the same id, the offline decision.
//! - [`app::Kiosk`]: the controller wiring the flow to the Slint window (`KioskAdapter`),
//!   the hub ([`hub::HubClient`]) and the printer thread ([`printing::Printer`]).
//! - [`config::KioskConfig`]: `config/kiosk-1.toml`, validated at start (also
//!   `config/feedback-1.toml`, `config/survey-1.toml`).
//! - [`survey::SurveyFlow`]: the survey visit as a pure state machine (one answer per visit,
//!   the follow-up after "no", walk-away, the rate limit and its counted report, and what
//!   "sent" means: read its module docs); [`survey::UseDetector`], the use-then-idle trigger.
//! - [`survey_app::SurveyKiosk`]: the survey controller (`SurveyAdapter`), committing each
//!   finished visit to aula-agent's durable outbox before it says thank you, and the only
//!   code that shows or hides the window.
//! - [`trigger`]: the local Unix-socket trigger and its line protocol (`show [service-id]`,
//!   `activity`, `end`), for the self-service software; also `kiosk/SURVEY-TRIGGER.md`.
//! - Talking to the hub: [`agent_hub::AgentHub`] (check-in) and [`agent_hub::AgentFeedback`]
//!   (survey modes) over the shared device runtime `aula-agent`, the kiosk's only MQTT link
//!   (`[agent]` config with `mqtt://` or `mqtts://`, SQLite outbox, health). Hub commands go
//!   to aula-agent's one executor ([`agent_hub::executor`]): test print on this kiosk's
//!   printer, reload (validated first), restart, reboot, the pop-up's `show_survey`, and
//!   "not applicable" for the rest. The controller sees only [`hub::HubClient`].
//!
//! ## When the hub cannot be reached (the offline decision)
//! A walk-in number never depends on the network. A ticket request that gets no reply within
//! `request_timeout_ms` (3 s) is resent once with the **same** request id (the hub stores a
//! request id once, so a late first copy cannot create a second ticket). If that also times
//! out, or the kiosk knows it is disconnected, the kiosk issues the number itself from its
//! reserved block (`offline_block = [900, 999]`, per service prefix and day: `V900`, `V901`,
//! …; each kiosk of a site gets a different block and the hub's own numbering stays below),
//! prints it, and tells the customer plainly that the number is valid and to watch the
//! screens. The issue is written to a durable outbox as
//! `IssueTicket { offline: Some(OfflineIssue { number, issued_at }) }` and resent until the
//! hub answers, so the hub records it (reconciliation) when it is back. The counters are
//! saved, so a restart while offline never repeats a number. Check-in and help cannot be
//! decided without the hub: the kiosk says "please go to the service advisor's desk" and
//! offers a queue number instead.
//!
//! ## Running, testing, measuring
//! - `aula-kiosk --config config/kiosk-1.toml` (window; on a Pi use a Slint KMS backend);
//!   `--headless-first-frame` renders one frame with the software renderer and exits.
//! - `cargo test -p aula-kiosk`: one test binary (`tests/kiosk.rs`): the pure flow, every
//!   flow through the UI on Slint's testing backend, reference screenshots
//!   (`docs/kiosk-*.png`, `UPDATE_SCREENSHOTS=1` to accept changes), a real Mosquitto
//!   (aula-testkit), also over TLS.
//! - `cargo bench -p aula-kiosk --bench kiosk-bench`: tap → ticket bytes (with the hub round
//!   trip through Mosquitto), RSS, start → first frame, tap "Ready" → survey answer committed
//!   to the outbox, printed beside their targets.
//! - `aula-kiosk --config config/feedback-1.toml` (feedback terminal) or
//!   `--config config/survey-1.toml` (pop-up; try `echo show | socat - UNIX-CONNECT:<socket>`).
//!
//! ## Example (headless, as the tests drive it)
//! ```no_run
//! use aula_kiosk::{app::Kiosk, flow::{Input, Tap}};
//! # fn k() -> std::rc::Rc<Kiosk> { unimplemented!() }
//! let kiosk = k();
//! kiosk.dispatch(Input::Tap(Tap::TakeNumber));
//! assert_eq!(*kiosk.flow().screen(), aula_kiosk::flow::Screen::Services);
//! ```

slint::include_modules!();

pub mod agent_hub;
pub mod app;
pub mod config;
pub mod flow;
pub mod hub;
pub mod printing;
pub mod qr;
pub mod run;
pub mod survey;
pub mod survey_app;
pub mod trigger;
