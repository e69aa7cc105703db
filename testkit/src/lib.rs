//! # aula-testkit
//!
//! The fixtures every Aula test and bench shares, so each exists once (dev-dependency only;
//! `publish = false`):
//!
//! - [`Mosquitto`]: a private broker on a free port, built with [`Mosquitto::builder`]:
//!   anonymous, username/password, a TLS listener from the [`Pki`] (optionally
//!   `require_certificate` with the certificate's CN as the user name), an ACL, persistence,
//!   queue limits. `stop()` (SIGTERM, persistence saved), `kill()` (SIGKILL), `restart()` on
//!   the same port; killed on drop. A missing `mosquitto` binary panics with the install line.
//! - [`Pki`]: a test CA, a server certificate for `127.0.0.1`/`localhost` and client
//!   certificates whose CN is a device id, as PEM files in a temp dir (rcgen).
//! - [`free_port`], [`wait_port`], [`wait_until`], [`wait_until_async`]: the waits, each
//!   failing with what it waited for.
//! - [`mqtt::Sub`]: a plain subscriber that survives broker restarts (plays the hub).
//! - [`dbus`]: a private `dbus-daemon` and the freedesktop services the agent talks to.
//! - [`SITE_TOML`]: the one test site; [`screenshot::check`]: the one reference-screenshot
//!   comparison.
//!
//! ```no_run
//! use aula_testkit::{Mosquitto, Pki};
//! let pki = Pki::new();
//! let broker = Mosquitto::builder().tls(&pki).user("kiosk-1", "secret").start();
//! assert!(broker.url().starts_with("mqtts://"));
//! ```

pub mod dbus;
pub mod mosquitto;
pub mod mqtt;
pub mod pki;
pub mod screenshot;
mod site;
mod wait;

pub use mosquitto::{Mosquitto, MosquittoBuilder};
pub use pki::{ClientCert, Pki};
pub use site::SITE_TOML;
pub use wait::{free_port, port_open, wait_port, wait_until, wait_until_async};
