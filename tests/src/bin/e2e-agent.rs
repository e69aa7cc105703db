//! The headless device agent as a child process for end-to-end tests:
//! `e2e-agent --config <device.toml>`. The same loop as the `aula-agent` binary
//! ([`aula_dropbox_agent::run`]), built inside this package so a test finds it through
//! `CARGO_BIN_EXE_e2e-agent` with the features of the test build (building `aula-agent` on its
//! own from a test would resolve features differently and recompile half the tree).

use std::path::PathBuf;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
    let mut args = std::env::args().skip(1);
    let config = match (args.next().as_deref(), args.next()) {
        (Some("--config"), Some(path)) => PathBuf::from(path),
        _ => {
            eprintln!("usage: e2e-agent --config <device.toml>");
            std::process::exit(2);
        }
    };
    let code = match aula_dropbox_agent::run(&config, env!("CARGO_PKG_VERSION")).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("e2e-agent: {e}");
            1
        }
    };
    std::process::exit(code);
}
