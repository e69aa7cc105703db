//! The headless device's main loop (the `aula-agent` binary is only argument parsing and
//! logging around [`run`]; the end-to-end tests run the same loop in their own binary).
//! It reads and validates the device file ([`HeadlessConfig`]), starts the [`Agent`]
//! (session, outbox, health), the GPIO inputs (`aula_hardware::gpio`, simulated or rppal per
//! `[gpio]`) and the printer (`[printer]`), turns lid / emptied / help changes into outbox
//! events, folds printer sensor lines and the printer's own status into one printer state
//! (reported on change and in health), and obeys the hub's commands. With the simulated
//! backend, lines on stdin drive the inputs: `lid open`, `lid closed`, `lid bounce open`,
//! `lid bounce closed` (a chattering contact), `emptied`, `help`, `cover open`,
//! `cover closed`, `paper low`, `paper ok`.
//!
//! Hub commands go to aula-agent's one [`Executor`], told what this device has: the whole
//! device file to validate on `reload_config`, the `[printer]` for `test_print` (without one
//! it answers "not applicable: no [printer] section in <file>"), no survey screen. Every
//! outcome is reported as a `command_result` event.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aula_agent::{Agent, AgentError, AgentEvent, Executor, Next, TestPrinter, TestTicket};
use aula_conf::ConfigError;
use aula_hardware::TicketContent;
use aula_hardware::condition::PrinterCondition;
use aula_hardware::gpio::{self, GpioInputs, InputRole, SimulatedGpio, Step};
use aula_hardware::{PrinterSink, PrinterStatus};
use aula_protocol::{DeviceEvent, Envelope, MessageId, Topic};
use thiserror::Error;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use tracing::{info, warn};

use crate::dropbox::input_event;
use crate::headless::{self, HeadlessConfig};

/// Why the headless agent could not start (problems while running are logged and survived).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error("starting GPIO inputs: {0}")]
    Gpio(#[from] gpio::GpioError),
    #[error("opening the printer: {0}")]
    Printer(#[from] aula_hardware::printer::OpenError),
    #[error("installing the SIGTERM handler: {0}")]
    Signal(std::io::Error),
}

type SharedPrinter = Arc<Mutex<Box<dyn PrinterSink + Send>>>;

/// Runs the device until SIGTERM / Ctrl-C (returns 0), a restart the hub asked for (returns
/// [`aula_agent::EXIT_RESTART`]) or the agent's end (returns 1). `version` is the reported
/// app version.
pub async fn run(config: &Path, version: &str) -> Result<i32, RunError> {
    let cfg = HeadlessConfig::from_file(config)?;
    let (agent, mut events) = Agent::start(cfg.agent.clone(), version).await?;

    let (input_tx, mut inputs) = mpsc::channel(64);
    let gpio = match &cfg.gpio {
        Some((g, _)) => Some(gpio::start(g, input_tx)?),
        None => None,
    };
    let box_id = cfg.dropbox.as_ref().map(|d| d.box_id.clone());
    if gpio.as_ref().and_then(|g| g.simulated()).is_some() {
        info!(
            "simulated GPIO: type `lid open`, `lid closed`, `lid bounce open`, `lid bounce closed`, `emptied`, \
             `help`, `cover open`, `cover closed`, `paper low` or `paper ok` on stdin"
        );
    }

    let printer: Option<SharedPrinter> = match &cfg.printer {
        Some(p) => Some(Arc::new(Mutex::new(aula_hardware::printer::open(&p.printer)?))),
        None => None,
    };
    let (status_tx, mut statuses) = mpsc::channel(4);
    if let (Some(sink), Some(every)) = (&printer, cfg.printer_poll()) {
        tokio::spawn(poll_printer(sink.clone(), every, status_tx));
    }
    // The starting condition, reported once: the printer's own answer (asked now, so the
    // first report is not a "ready" the printer contradicts a moment later) merged with the
    // wired sensor lines at their current level (GPIO sends no event for that).
    let mut condition = PrinterCondition::new();
    if let (Some(sink), Some(_)) = (&printer, cfg.printer_poll())
        && let Some(status) = query_printer(sink.clone()).await
    {
        condition.set_realtime(status);
    }
    for (role, active) in gpio.as_ref().map(|g| g.snapshot()).unwrap_or_default() {
        condition.set_line(role, active);
    }
    if let Some(s) = condition.current() {
        report_printer(&agent, s).await;
    }

    let executor = Executor::new(agent.clone(), &format!("aula-agent {version}"))
        .with_config(config.to_path_buf(), |file| HeadlessConfig::from_file(file).map(|_| ()))
        .without_surveys("the headless agent has no screen");
    let executor = match (&printer, &cfg.printer) {
        (Some(sink), Some(section)) => {
            executor.with_printer(Arc::new(SinkPrinter { sink: sink.clone(), paper: section.printer.paper }))
        }
        _ => executor.without_printer(format!("no [printer] section in {}", cfg.file.display())),
    };

    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = gpio.as_ref().and_then(|g| g.simulated()).is_some();

    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(RunError::Signal)?;
    let code = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break 0,
            _ = term.recv() => break 0,
            ev = events.recv() => match ev {
                Some(AgentEvent::Command(cmd)) => {
                    if let Next::Exit(code) = executor.execute(&cmd).await {
                        break code;
                    }
                }
                Some(AgentEvent::Connected) => info!(pending = agent.outbox_pending(), "online"),
                Some(AgentEvent::Disconnected) => warn!("offline; events are kept in the outbox"),
                Some(_) => {}
                None => break 1,
            },
            Some(status) = statuses.recv() => {
                if let Some(s) = condition.set_realtime(status) {
                    report_printer(&agent, s).await;
                }
            }
            Some(input) = inputs.recv() => {
                if let Some(s) = condition.set_line(input.role, input.active) {
                    report_printer(&agent, s).await;
                }
                let ev = match &box_id {
                    Some(b) => input_event(b, input.role, input.active),
                    None => (input.role == InputRole::HelpButton && input.active).then_some(DeviceEvent::HelpButton),
                };
                if let Some(ev) = ev {
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
                        "lid bounce open" => bounce(sim, InputRole::Lid, true),
                        "lid bounce closed" => bounce(sim, InputRole::Lid, false),
                        "emptied" => press(InputRole::Emptied),
                        "help" => press(InputRole::HelpButton),
                        "cover open" => sim.set_active(InputRole::CoverOpen, true),
                        "cover closed" => sim.set_active(InputRole::CoverOpen, false),
                        "paper low" => sim.set_active(InputRole::PaperNearEnd, true),
                        "paper ok" => sim.set_active(InputRole::PaperNearEnd, false),
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

/// Asks the printer for its real-time status every `every`, off the runtime (the query blocks
/// up to a second on a silent printer). The first query happened at start, so the first tick
/// is one period later.
async fn poll_printer(sink: SharedPrinter, every: Duration, tx: mpsc::Sender<PrinterStatus>) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(status) = query_printer(sink.clone()).await else { return };
        if tx.send(status).await.is_err() {
            return;
        }
    }
}

/// One DLE EOT round on a blocking thread; `None` only if that thread died.
async fn query_printer(sink: SharedPrinter) -> Option<PrinterStatus> {
    tokio::task::spawn_blocking(move || sink.lock().unwrap_or_else(|p| p.into_inner()).status()).await.ok()
}

/// A changed printer condition: into health and, durably, to the hub.
async fn report_printer(agent: &Agent, status: PrinterStatus) {
    let state = headless::printer_state(status);
    info!(?state, "printer state");
    agent.set_printer_state(Some(state));
    if let Err(e) = agent.send_event(DeviceEvent::Printer { state }).await {
        warn!(error = %e, "could not store printer event");
    }
}

/// The `[printer]` as the executor's test printer: the same sink the status polls use.
struct SinkPrinter {
    sink: SharedPrinter,
    paper: aula_hardware::PaperWidth,
}

impl TestPrinter for SinkPrinter {
    fn print_test(&self, t: &TestTicket) -> Result<String, String> {
        let content = TicketContent::test_print(t.site.as_str(), t.device.as_str(), t.at, &t.app);
        let bytes = aula_hardware::render_ticket(&content, self.paper).map_err(|e| e.to_string())?;
        self.sink
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .print(&bytes)
            .map(|()| "test ticket printed".to_string())
            .map_err(|e| format!("test print failed: {e}"))
    }
}

/// A switch that chatters as it settles: five raw edges 4 ms apart (inside any sensible
/// debounce window), ending `active`. What the debouncer must turn into one change.
fn bounce(sim: &SimulatedGpio, role: InputRole, active: bool) -> Result<(), gpio::GpioError> {
    let steps: Vec<Step> =
        (0..5u64).map(|i| Step::new(i * 4, role, sim_level(sim, role, (i % 2 == 0) == active))).collect();
    sim.play(&steps)
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
