//! `aula-signage --config config/wall-1.toml`: reads the device config, opens the wall or the
//! counter display, and feeds it through the device runtime `aula-agent` (status, last will,
//! health and hub commands like every other device). All behaviour lives in the library; this
//! file only wires it together.

use std::path::PathBuf;

use anyhow::Context;
use aula_signage::agent_feed::AgentFeed;
use aula_signage::config::Config;
use aula_signage::feed::DemoFeed;
use aula_signage::ui::{SignageUi, system_clock};
use aula_signage::wall::WallState;
use clap::Parser;

/// Aula queue wall and counter display.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The device config (TOML), e.g. config/wall-1.toml.
    #[arg(long, env = "AULA_SIGNAGE_CONFIG")]
    config: PathBuf,
    /// Show the example site with simulated calls instead of connecting to a broker.
    #[arg(long)]
    demo: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let cfg = Config::load(&args.config)?;
    let state = WallState::new(cfg.timing(), cfg.languages.clone(), cfg.timezone, chrono::Utc::now());
    let ui = SignageUi::new(&cfg.mode, state, system_clock()).context("cannot open the window")?;
    if cfg.chime
        && let Some(file) = cfg.chime_file.clone()
    {
        ui.on_announce(move || {
            // Fire and forget: a missing sound must never hold up the wall.
            if let Err(e) = std::process::Command::new("aplay").arg("-q").arg(&file).spawn() {
                tracing::warn!(error = %e, "chime failed");
            }
        });
    }
    let forward = aula_signage::forward_to(&ui);
    if args.demo {
        DemoFeed::default().spawn(forward);
    } else {
        // Made here so a bad directory is a clear error at start, not a wall that goes stale.
        std::fs::create_dir_all(&cfg.link.state_dir).with_context(|| {
            format!("{}: agent.state_dir: cannot create {}", args.config.display(), cfg.link.state_dir.display())
        })?;
        let what = match cfg.mode {
            aula_signage::config::Mode::Wall(_) => "a queue wall",
            aula_signage::config::Mode::Counter(_) => "a counter display",
        };
        AgentFeed::new(cfg.link.clone(), std::time::Duration::from_secs(cfg.stale_after_s))
            .named(what)
            .with_config_file(args.config.clone())
            .spawn(forward);
    }
    tracing::info!(mode = ?cfg.mode, "signage started");
    ui.show()?;
    slint::run_event_loop_until_quit()?;
    Ok(())
}
