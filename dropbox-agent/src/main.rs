//! `aula-agent`: the headless device runtime, e.g. the drop box's Pi. Argument parsing and
//! logging around [`aula_dropbox_agent::run`], which holds the loop (GPIO, printer, hub
//! commands; see its docs for the simulated stdin lines).
//!
//! Exit codes: 0 after SIGTERM / Ctrl-C (clean shutdown, `Offline` published), 75
//! ([`aula_agent::EXIT_RESTART`]) when the hub asks for a restart or a valid config reload
//! (systemd restarts the unit), 1 on a config or start error.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "aula-agent", version, about = "Aula headless device agent (drop box, sensors)")]
struct Args {
    /// Device config file (TOML with [agent] and optional [dropbox], [gpio], [printer]).
    #[arg(long, short, env = "AULA_AGENT_CONFIG")]
    config: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,rumqttc=warn".into()),
        )
        .init();
    let args = Args::parse();
    let code = match aula_dropbox_agent::run(&args.config, env!("CARGO_PKG_VERSION")).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aula-agent: {e}");
            1
        }
    };
    std::process::exit(code);
}
