//! The kiosk's integration tests, one binary (one link of Slint instead of many).
//!
//! - `flow`: the pure state machine, table-driven (rules: debounce, one id per attempt,
//!   resend with the same id, offline numbers, inactivity).
//! - `ui`: every customer flow through the real Slint UI on the testing backend: find by
//!   accessible label, click, assert the screen, what the hub received and what was printed.
//! - `screenshots`: each screen in fi and en at three sizes against docs/kiosk-*.png.
//! - `mqtt`: a real private Mosquitto (aula-testkit) and a responder acting as the hub
//!   (`hubsim`): tickets, the outbox, hub commands, TLS in every mode.
//! - `config`: the shipped config files and config errors.
//! - `survey`: the survey flow machine, the use-then-idle detector, the survey file, the
//!   trigger socket.
//! - `survey_ui`: the feedback terminal and the pop-up through the UI, their screenshots.
//! - `survey_mqtt`: a finished survey through the agent's outbox and a real Mosquitto.
mod common;
mod config;
mod flow;
mod hubsim;
mod mqtt;
mod screenshots;
mod survey;
mod survey_mqtt;
mod survey_ui;
mod ui;
