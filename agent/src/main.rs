//! `aula-agent`: the headless device runtime, e.g. the drop box's Pi. Thin glue: read the
//! config, start the [`aula_agent::Agent`] (session, outbox, health), start the GPIO inputs
//! (`aula_hardware::gpio`, simulated or rppal per `[gpio]`), and turn lid / emptied changes
//! into outbox events. With the simulated backend, lines on stdin drive the inputs:
//! `lid open`, `lid closed`, `emptied`, `help`.
//!
//! Exit codes: 0 after SIGTERM / Ctrl-C (clean shutdown, `Offline` published), 75
//! ([`aula_agent::EXIT_RESTART`]) when the hub asks for a config reload or restart (systemd
//! restarts the unit), 1 on a config or start error.

use std::path::{Path, PathBuf};

use anyhow::Context;
use aula_agent::dropbox::{DropBoxConfig, input_event};
use aula_agent::{Agent, AgentConfig, AgentEvent, CommandAction, EXIT_RESTART, headless_action};
use aula_hardware::gpio::{self, GpioConfig, GpioInputs, InputRole, SimulatedGpio, Step};
use aula_protocol::{Envelope, MessageId, Topic};
use clap::Parser;
use serde::Deserialize;
use tokio::io::AsyncBufReadExt;
use tracing::{info, warn};

#[derive(Parser, Debug)]
#[command(name = "aula-agent", version, about = "Aula headless device agent (drop box, sensors)")]
struct Args {
    /// Device config file (TOML with [agent], [dropbox] and [gpio] sections).
    #[arg(long, short, env = "AULA_AGENT_CONFIG")]
    config: PathBuf,
}

/// The sections besides `[agent]` this binary reads.
#[derive(Debug, Deserialize)]
struct DeviceFile {
    dropbox: Option<DropBoxConfig>,
    gpio: Option<GpioConfig>,
}

fn read_device_file(path: &Path) -> anyhow::Result<DeviceFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let table: toml::Table = toml::from_str(&text).with_context(|| format!("{}: not valid TOML", path.display()))?;
    let mut rest = table.clone();
    rest.remove("agent");
    let de = toml::Value::Table(rest);
    let file: DeviceFile = serde_path_to_error::deserialize(de)
        .map_err(|e| anyhow::anyhow!("{}: key `{}`: {}", path.display(), e.path(), e.inner()))?;
    Ok(file)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,rumqttc=warn".into()),
        )
        .init();
    let code = match run(Args::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aula-agent: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

async fn run(args: Args) -> anyhow::Result<i32> {
    let cfg = AgentConfig::from_file(&args.config)?;
    let device = read_device_file(&args.config)?;
    let (agent, mut events) = Agent::start(cfg, env!("CARGO_PKG_VERSION")).await?;

    let (input_tx, mut inputs) = tokio::sync::mpsc::channel(64);
    let gpio = match (&device.dropbox, &device.gpio) {
        (Some(_), Some(g)) => Some(gpio::start(g, input_tx).context("starting GPIO inputs")?),
        (Some(_), None) => anyhow::bail!("{}: [dropbox] needs a [gpio] section with its inputs", args.config.display()),
        _ => None,
    };
    let box_id = device.dropbox.as_ref().map(|d| d.box_id.clone());
    if gpio.as_ref().and_then(|g| g.simulated()).is_some() {
        info!("simulated GPIO: type `lid open`, `lid closed`, `emptied` or `help` on stdin");
    }
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = gpio.as_ref().and_then(|g| g.simulated()).is_some();

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let code = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break 0,
            _ = term.recv() => break 0,
            ev = events.recv() => match ev {
                Some(AgentEvent::Command(cmd)) => match headless_action(&cmd) {
                    CommandAction::Restart => {
                        info!(?cmd, "restart requested by the hub");
                        break EXIT_RESTART;
                    }
                    CommandAction::Ignore => info!(?cmd, "command not applicable to this device; ignored"),
                },
                Some(AgentEvent::Connected) => info!(pending = agent.outbox_pending(), "online"),
                Some(AgentEvent::Disconnected) => warn!("offline; events are kept in the outbox"),
                Some(_) => {}
                None => break 1,
            },
            Some(input) = inputs.recv() => {
                let Some(box_id) = &box_id else { continue };
                if let Some(ev) = input_event(box_id, input.role, input.active) {
                    // The envelope time is when the switch changed, not when we got to it.
                    let env = Envelope::with(MessageId::new(), input.at_utc, ev);
                    match agent.enqueue_envelope(Topic::DeviceEvent(agent.config().device.clone()), env).await {
                        Ok(id) => info!(role = ?input.role, active = input.active, %id, "input event stored"),
                        Err(e) => warn!(error = %e, "could not store input event"),
                    }
                }
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => {
                    let Some(sim) = gpio.as_ref().and_then(|g| g.simulated()) else { continue };
                    // A press is active for 200 ms, longer than the debounce window.
                    let press = |role| {
                        sim.play(&[Step::new(0, role, sim_level(sim, role, true)), Step::new(200, role, sim_level(sim, role, false))])
                    };
                    let r = match line.trim() {
                        "lid open" => sim.set_active(InputRole::Lid, true),
                        "lid closed" => sim.set_active(InputRole::Lid, false),
                        "emptied" => press(InputRole::Emptied),
                        "help" => press(InputRole::HelpButton),
                        "" => Ok(()),
                        other => {
                            warn!(input = other, "unknown simulated input");
                            Ok(())
                        }
                    };
                    if let Err(e) = r {
                        warn!(error = %e, "simulated input failed");
                    }
                }
                _ => stdin_open = false,
            },
        }
    };
    info!(code, "shutting down");
    agent.shutdown().await;
    Ok(code)
}

/// The raw level that makes `role` active (or inactive) on the simulator: the simulator
/// starts every input at its inactive level, so that level is the current raw one while the
/// input is inactive.
fn sim_level(sim: &SimulatedGpio, role: InputRole, active: bool) -> bool {
    let inactive_level = match (sim.raw_level(role), sim.is_active(role)) {
        (Some(raw), Some(false)) => raw,
        (Some(raw), Some(true)) => !raw,
        _ => false,
    };
    if active { !inactive_level } else { inactive_level }
}
