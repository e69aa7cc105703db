//! [`AgentFeed`]: the wall's inputs from the shared device runtime `aula-agent`, so a queue
//! wall reports like every other device: retained `Online` status with kind `signage`, a
//! retained `Offline` last will, periodic `Health`, and the hub's commands.
//!
//! Owns the mapping from [`AgentEvent`] to the wall's [`Input`] ([`input_for`]), the sign of
//! life the staleness logic is measured against, and the wall's answer to hub commands
//! ([`plan_command`]).
//!
//! Sign of life: the agent does not surface keep-alive answers, so besides every message
//! (malformed ones included: they still prove the link), the feed reports [`Input::Link`]
//! every third of `stale_after` while the agent says it is connected. The agent's keep-alive
//! (default 5 s) notices a dead broker long before that, so a silent broker still turns the
//! banner on after `stale_after`, and a silent hub does through its own last will
//! (`HubStatus { online: false }`).
//!
//! The agent runs on a single-threaded tokio runtime on the feed's own thread; the UI thread
//! never blocks on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aula_agent::{Agent, AgentConfig, AgentEvent, CommandAction, EXIT_RESTART, headless_action, result_event};
use aula_protocol::Command;
use tokio::sync::Notify;

use crate::config::Config;
use crate::feed::Feed;
use crate::wall::Input;

/// How the process ends when the hub asks for a restart (replaceable in tests).
type Exit = Box<dyn FnOnce(i32) + Send>;

/// The wall's link to the site through `aula-agent`.
pub struct AgentFeed {
    cfg: AgentConfig,
    version: String,
    life_every: Duration,
    config_file: Option<PathBuf>,
    abort: Arc<Notify>,
    exit: Exit,
}

/// The running feed's thread, and a way to kill its connection like a crash would.
pub struct FeedHandle {
    thread: std::thread::JoinHandle<()>,
    abort: Arc<Notify>,
}

impl FeedHandle {
    /// Drops the broker connection without a DISCONNECT (as a crashed or unplugged wall
    /// would), so the broker publishes the wall's `Offline` last will. Waits for the thread.
    pub fn abort(self) {
        self.abort.notify_one();
        let _ = self.thread.join();
    }

    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }
}

impl AgentFeed {
    /// `stale_after` sets how often the feed reports that a connected link is alive.
    pub fn new(cfg: AgentConfig, stale_after: Duration) -> Self {
        Self {
            cfg,
            version: env!("CARGO_PKG_VERSION").into(),
            life_every: (stale_after / 3).clamp(Duration::from_secs(1), Duration::from_secs(60)),
            config_file: None,
            abort: Arc::default(),
            exit: Box::new(|code| std::process::exit(code)),
        }
    }

    /// The config file `reload_config` validates before restarting with it.
    pub fn with_config_file(mut self, file: PathBuf) -> Self {
        self.config_file = Some(file);
        self
    }

    /// Replaces `std::process::exit` for the hub's restart (tests).
    pub fn on_exit(mut self, exit: impl FnOnce(i32) + Send + 'static) -> Self {
        self.exit = Box::new(exit);
        self
    }

    /// Starts the feed on a thread of its own.
    pub fn spawn(self, deliver: impl FnMut(Input) -> bool + Send + 'static) -> FeedHandle {
        let abort = self.abort.clone();
        let thread = std::thread::Builder::new()
            .name("signage-agent".into())
            .spawn(move || Box::new(self).run(Box::new(deliver)))
            .expect("spawn agent thread");
        FeedHandle { thread, abort }
    }

    async fn run_async(self, mut deliver: Box<dyn FnMut(Input) -> bool + Send>) {
        let AgentFeed { cfg, version, life_every, config_file, abort, exit } = self;
        let outbox = cfg.outbox_path.clone();
        let (agent, mut events) = match Agent::start(cfg, &version).await {
            Ok(started) => started,
            Err(e) => {
                // Nothing to show from: the wall turns stale by itself and says so.
                tracing::error!(outbox = %outbox.display(), error = %e, "cannot start the device link");
                deliver(Input::Disconnected);
                return;
            }
        };
        let mut life = tokio::time::interval(life_every);
        life.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let input = tokio::select! {
                _ = abort.notified() => {
                    tracing::warn!("link aborted without a goodbye; the broker publishes the last will");
                    drop(agent);
                    return;
                }
                _ = life.tick() => agent.is_connected().then_some(Input::Link),
                ev = events.recv() => match ev {
                    None => {
                        tracing::error!("device link ended");
                        return;
                    }
                    Some(AgentEvent::Command(cmd)) => {
                        if command(&agent, &cmd, config_file.as_deref()).await {
                            drain_briefly(&agent).await;
                            agent.shutdown().await;
                            exit(EXIT_RESTART);
                            return;
                        }
                        None
                    }
                    Some(ev) => input_for(ev),
                },
            };
            if let Some(input) = input
                && !deliver(input)
            {
                // The window is gone: say goodbye properly (retained Offline, no will needed).
                agent.shutdown().await;
                return;
            }
        }
    }
}

impl Feed for AgentFeed {
    fn run(self: Box<Self>, deliver: Box<dyn FnMut(Input) -> bool + Send>) {
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "cannot start the device link's runtime");
                return;
            }
        };
        rt.block_on(self.run_async(deliver));
    }
}

/// What an agent event means for the wall. Commands are handled by the feed itself.
pub fn input_for(ev: AgentEvent) -> Option<Input> {
    match ev {
        AgentEvent::Connected => Some(Input::Link),
        AgentEvent::Disconnected => Some(Input::Disconnected),
        AgentEvent::QueueState(q) => Some(Input::State(q)),
        AgentEvent::Call(c) => Some(Input::Call(c)),
        AgentEvent::HubStatus(h) => Some(Input::Hub(h)),
        // Counted and logged by the agent; a malformed message still proves the link is alive.
        AgentEvent::Rejected { .. } => Some(Input::Link),
        AgentEvent::Survey(_) => Some(Input::Link),
        AgentEvent::Command(_) => None,
    }
}

/// The wall's answer to a hub command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandPlan {
    /// Report this, then exit with [`EXIT_RESTART`] so systemd starts the wall again.
    Restart(String),
    /// Report this and keep running.
    Report(Result<String, String>),
    /// Ask logind to reboot the machine, then report how that went.
    Reboot,
}

/// Decides what to do with `cmd`. `config_file` is the file the wall was started with
/// (`None` in `--demo` mode); `reload_config` validates it before restarting with it.
pub fn plan_command(cmd: &Command, config_file: Option<&Path>) -> CommandPlan {
    match headless_action(cmd) {
        CommandAction::Restart => CommandPlan::Restart("restarting".into()),
        CommandAction::ReloadConfig => match config_file.map(Config::load) {
            None => CommandPlan::Report(Err("no config file to reload (the wall runs without one)".into())),
            Some(Ok(_)) => CommandPlan::Restart("config valid; restarting to apply it".into()),
            Some(Err(e)) => CommandPlan::Report(Err(format!("refused, running config kept: {e}"))),
        },
        CommandAction::Reboot => CommandPlan::Reboot,
        CommandAction::TestPrint => CommandPlan::Report(Err("not applicable: a queue wall has no printer".into())),
        CommandAction::Ignore => CommandPlan::Report(Err("not applicable: a queue wall shows no surveys".into())),
    }
}

/// Carries out `cmd` and reports the outcome to the hub; true = restart now.
async fn command(agent: &Agent, cmd: &Command, config_file: Option<&Path>) -> bool {
    let (outcome, restart) = match plan_command(cmd, config_file) {
        CommandPlan::Restart(why) => (Ok(why), true),
        CommandPlan::Report(outcome) => (outcome, false),
        CommandPlan::Reboot => (reboot(agent).await, false),
    };
    match &outcome {
        Ok(d) => tracing::info!(?cmd, detail = %d, "hub command done"),
        Err(e) => tracing::warn!(?cmd, error = %e, "hub command not done"),
    }
    // Committed to the outbox before we go on: a restart right after still delivers it.
    if let Err(e) = agent.send_event(result_event(cmd, outcome)).await {
        tracing::error!(error = %e, "could not store a command result");
    }
    restart
}

async fn reboot(agent: &Agent) -> Result<String, String> {
    use aula_agent::health::dbus;
    let Some(bus) = dbus::connect(agent.config().dbus_address.as_deref()).await else {
        return Err(dbus::RebootError::NoBus.to_string());
    };
    dbus::reboot(&bus).await.map(|()| "reboot accepted by logind".to_string()).map_err(|e| e.to_string())
}

/// Gives the outbox up to two seconds to deliver (the command result) before exiting; what
/// is left goes out after the restart.
async fn drain_briefly(agent: &Agent) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while agent.is_connected() && agent.outbox_pending() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use aula_protocol::{HubStatus, SurveyId};

    use super::*;

    /// Guards the staleness contract: connecting and every message count as life, a lost
    /// connection is reported, hub status reaches the wall.
    #[test]
    fn events_become_wall_inputs() {
        assert!(matches!(input_for(AgentEvent::Connected), Some(Input::Link)));
        assert!(matches!(input_for(AgentEvent::Disconnected), Some(Input::Disconnected)));
        assert!(matches!(input_for(AgentEvent::Rejected { topic: "t".into(), reason: "not_json" }), Some(Input::Link)));
        let hub = HubStatus { online: false, version: "1".into() };
        assert!(matches!(input_for(AgentEvent::HubStatus(hub)), Some(Input::Hub(h)) if !h.online));
        assert!(input_for(AgentEvent::Command(Command::RestartApp)).is_none());
    }

    #[test]
    fn commands_restart_refuse_or_do_not_apply() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("wall.toml");
        std::fs::write(&good, "[agent]\nsite = \"lahti\"\ndevice = \"wall-1\"\n\n[signage]\nmode = \"wall\"\n")
            .unwrap();
        let bad = dir.path().join("broken.toml");
        std::fs::write(&bad, "[agent]\nsite = \"lahti\"\ndevice = \"wall-1\"\n\n[signage]\nmode = \"tv\"\n").unwrap();

        assert!(matches!(plan_command(&Command::RestartApp, None), CommandPlan::Restart(_)));
        assert!(matches!(plan_command(&Command::ReloadConfig, Some(&good)), CommandPlan::Restart(_)));
        let CommandPlan::Report(Err(why)) = plan_command(&Command::ReloadConfig, Some(&bad)) else {
            panic!("a broken file must not restart the wall");
        };
        assert!(why.contains("broken.toml") && why.contains("signage.mode") && why.contains("kept"), "{why}");
        assert!(matches!(plan_command(&Command::ReloadConfig, None), CommandPlan::Report(Err(_))));
        for cmd in [Command::TestPrint, Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() }] {
            let CommandPlan::Report(Err(why)) = plan_command(&cmd, Some(&good)) else { panic!("{cmd:?}") };
            assert!(why.starts_with("not applicable"), "{why}");
        }
        assert_eq!(plan_command(&Command::Reboot, None), CommandPlan::Reboot);
    }
}
