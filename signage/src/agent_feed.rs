//! [`AgentFeed`]: the wall's inputs from the shared device runtime `aula-agent`, so a queue
//! wall reports like every other device: retained `Online` status with kind `signage`, a
//! retained `Offline` last will, periodic `Health`, and the hub's commands.
//!
//! Owns the mapping from [`AgentEvent`] to the wall's [`Input`] ([`input_for`]), the sign of
//! life the staleness logic is measured against, and what the wall tells aula-agent's one
//! command executor about itself ([`executor`]: its config file to validate on a reload; no
//! printer, no surveys, said in the wall's own words).
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

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aula_agent::{Agent, AgentConfig, AgentEvent, Executor, Next};
use tokio::sync::Notify;

use crate::feed::Feed;
use crate::wall::Input;

/// How the process ends when the hub asks for a restart (replaceable in tests).
type Exit = Box<dyn FnOnce(i32) + Send>;

/// The wall's link to the site through `aula-agent`.
pub struct AgentFeed {
    cfg: AgentConfig,
    version: String,
    /// How "not applicable" answers name this screen ("a queue wall", "a counter display").
    what: String,
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
            what: "a queue wall".into(),
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

    /// How the screen names itself in "not applicable" answers (default "a queue wall").
    pub fn named(mut self, what: &str) -> Self {
        self.what = what.into();
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
        let AgentFeed { cfg, version, what, life_every, config_file, abort, exit } = self;
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
        let executor = executor(agent.clone(), &what, config_file);
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
                        if let Next::Exit(code) = executor.execute(&cmd).await {
                            drop(executor);
                            agent.shutdown().await;
                            exit(code);
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

/// The wall's command executor: aula-agent's one executor, told that this screen has no
/// printer and shows no surveys, and which file a reload validates (`None` in `--demo`
/// mode, where a reload is "not applicable").
pub fn executor(agent: Agent, what: &str, config_file: Option<PathBuf>) -> Executor {
    let e = Executor::new(agent, &format!("aula-signage {}", env!("CARGO_PKG_VERSION")))
        .without_printer(format!("{what} has no printer"))
        .without_surveys(format!("{what} shows no surveys"));
    match config_file {
        Some(file) => e.with_config(file, |f| crate::config::Config::load(f).map(|_| ())),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use aula_protocol::{Command, HubStatus, SurveyId};

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

    /// Guards the wall's answers: restart and a valid reload exit, a broken file is not
    /// even a restart plan's concern (it is validated when executed), and what a wall lacks
    /// is "not applicable" in its own words.
    #[test]
    fn the_wall_says_what_does_not_apply() {
        use aula_agent::Plan;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cfg = AgentConfig::new(
            aula_protocol::SiteId::new("lahti").unwrap(),
            aula_protocol::DeviceId::new("wall-1").unwrap(),
            aula_protocol::DeviceKind::Signage,
            "127.0.0.1",
            1,
            dir.path().join("outbox.sqlite"),
        );
        let (agent, _events) = rt.block_on(Agent::start(cfg, "t")).unwrap();
        let file = dir.path().join("wall.toml");
        let wall = executor(agent.clone(), "a counter display", Some(file.clone()));
        assert_eq!(wall.plan(&Command::RestartApp), Plan::Restart);
        assert_eq!(wall.plan(&Command::ReloadConfig), Plan::Reload(file));
        assert_eq!(wall.plan(&Command::Reboot), Plan::Reboot);
        assert_eq!(wall.plan(&Command::TestPrint), Plan::NotApplicable("a counter display has no printer".into()));
        let show = Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() };
        assert_eq!(wall.plan(&show), Plan::NotApplicable("a counter display shows no surveys".into()));
        let demo = executor(agent, "a queue wall", None);
        assert!(matches!(demo.plan(&Command::ReloadConfig), Plan::NotApplicable(_)));
    }
}
