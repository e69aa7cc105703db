//! # aula-dropbox-agent
//!
//! The headless device (binary `aula-agent`): a Raspberry Pi without a screen, e.g. by the
//! lobby's document drop box. Its loop ([`run`], in `runner.rs`) starts the shared device
//! runtime [`aula_agent::Agent`] and adds what only this device has: GPIO inputs (lid,
//! "emptied" switch, help button, a printer's sensor lines) turned into outbox events
//! ([`dropbox`]), a printer whose own status and wired lines merge into one printer state, and
//! its whole device file validated together ([`headless::HeadlessConfig`]: `[agent]`,
//! `[dropbox]`, `[gpio]`, `[printer]`). Hub commands go to aula-agent's one
//! [`aula_agent::Executor`].
//!
//! Split from aula-agent so that a queue wall, which links the runtime, links no GPIO and no
//! printer code (`cargo tree -p aula-signage` shows neither rppal nor escpos).
//!
//! Measured (`cargo bench -p aula-dropbox-agent --bench idle`, release, the real binary as a
//! drop box with every GPIO input simulated, file printer polled every 5 s, health every 1 s,
//! private Mosquitto, 2-core x86_64 container shared with other builds): RSS 8.6–8.7 MB
//! (peak 8.7 MB; target < 20 MB), idle CPU 0 ticks in 10 s and 2 ticks in 60 s = 0.03 % of
//! a core (target < 1 %).
//!
//! ```no_run
//! # async fn demo() {
//! let code = aula_dropbox_agent::run("config/agent-dropbox.toml".as_ref(), "0.1.0").await.unwrap();
//! std::process::exit(code);
//! # }
//! ```

pub mod dropbox;
pub mod headless;
mod runner;

pub use runner::{RunError, run};
