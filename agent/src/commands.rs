//! The one command executor every device uses ([`Executor`]): the check-in kiosk, the
//! feedback terminal and survey pop-up, the queue wall and counter display, and the headless
//! drop-box agent. A hub [`Command`] arrives as [`crate::AgentEvent::Command`] on the
//! device's own `device/<id>/cmd` topic ([`crate::route`] ignores every other device's; only
//! the hub may publish there, by broker ACL), and [`Executor::execute`] carries it out:
//!
//! - `restart_app`: exit [`EXIT_RESTART`] (systemd restarts the unit);
//! - `reload_config`: validate the device's file first; a bad file is refused (the running
//!   config stays and the refusal names the file, the key and the expected form), a good one
//!   exits [`EXIT_RESTART`] so the unit restarts with it;
//! - `reboot`: logind's `Reboot` over D-Bus;
//! - `test_print`: a test ticket on the device's own printer ([`TestPrinter`]);
//! - `show_survey`: the pop-up's survey ([`SurveyScreen`]).
//!
//! What a device cannot do it says: each front end states what does not apply to it
//! ([`Executor::without_printer`], [`Executor::without_surveys`]), and the hub receives
//! "not applicable: …" instead of silence. Every outcome goes back as a
//! [`DeviceEvent::CommandResult`] through the durable outbox, committed before the process
//! exits for a restart. The decision ([`Executor::plan`]) is pure; only `execute` does I/O.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aula_conf::ConfigError;
use aula_protocol::{Command, DeviceEvent, DeviceId, SiteId, SurveyId};
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::Agent;

/// Exit code meaning "restart me": the systemd unit restarts on it
/// (`Restart=always`, and `RestartForceExitStatus=75` says so explicitly), which also
/// re-reads the config. 75 is `EX_TEMPFAIL`. `scripts/lobby` restarts on it too.
pub const EXIT_RESTART: i32 = 75;

/// How long a restart waits for the outbox to deliver the command's result first. What is
/// left goes out after the restart: the outbox is on disk.
const DRAIN: Duration = Duration::from_secs(2);

/// What a test ticket says: which device of which site, when, printed by which program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestTicket {
    pub site: SiteId,
    pub device: DeviceId,
    pub at: DateTime<Utc>,
    /// Program and version, e.g. `aula-kiosk 0.1.0`.
    pub app: String,
}

/// A device's printer, for the hub's "test print". Blocking is fine: the executor calls it
/// on a blocking thread.
pub trait TestPrinter: Send + Sync {
    /// Lays out and prints `ticket`; `Ok` says what was done, `Err` why not.
    fn print_test(&self, ticket: &TestTicket) -> Result<String, String>;
}

/// A screen that shows surveys on the hub's request (the self-service pop-up). Blocking is
/// fine: the executor calls it on a blocking thread.
pub trait SurveyScreen: Send + Sync {
    /// Opens survey `id`; `Ok` says what was done, `Err` why not (e.g. an unknown survey).
    fn show_survey(&self, id: &SurveyId) -> Result<String, String>;
}

type Validate = Arc<dyn Fn(&Path) -> Result<(), ConfigError> + Send + Sync>;

/// What [`Executor::execute`] will do with a command. Pure data, so every device's policy is
/// tested without a broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Report, then exit [`EXIT_RESTART`].
    Restart,
    /// Validate this file; restart with it if good, refuse it if not.
    Reload(PathBuf),
    Reboot,
    TestPrint,
    ShowSurvey(SurveyId),
    /// Report `not applicable: <why>` and keep running.
    NotApplicable(String),
}

/// After a command: keep running, or exit with this code (the result is already in the
/// outbox and had a moment to leave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Continue,
    Exit(i32),
}

/// The one command executor; see the module docs. Built per device with what it can do.
#[derive(Clone)]
pub struct Executor {
    agent: Agent,
    app: String,
    config: Result<(PathBuf, Validate), String>,
    printer: Result<Arc<dyn TestPrinter>, String>,
    surveys: Result<Arc<dyn SurveyScreen>, String>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("app", &self.app)
            .field("config", &self.config.as_ref().map(|(p, _)| p))
            .field("printer", &self.printer.as_ref().map(|_| "yes"))
            .field("surveys", &self.surveys.as_ref().map(|_| "yes"))
            .finish()
    }
}

impl Executor {
    /// An executor for `agent`'s device; `app` is the program and version (`aula-kiosk
    /// 0.1.0`). Until told otherwise it has no config file to reload, no printer and no
    /// survey screen, and says so in those words.
    pub fn new(agent: Agent, app: &str) -> Executor {
        Executor {
            agent,
            app: app.into(),
            config: Err("this device was started without a config file".into()),
            printer: Err("this device has no printer".into()),
            surveys: Err("this device shows no surveys".into()),
        }
    }

    /// The file `reload_config` validates with `validate` before restarting with it.
    pub fn with_config(
        mut self,
        file: PathBuf,
        validate: impl Fn(&Path) -> Result<(), ConfigError> + Send + Sync + 'static,
    ) -> Executor {
        self.config = Ok((file, Arc::new(validate)));
        self
    }

    /// The printer `test_print` prints on.
    pub fn with_printer(mut self, printer: Arc<dyn TestPrinter>) -> Executor {
        self.printer = Ok(printer);
        self
    }

    /// Why `test_print` does not apply here (e.g. "a queue wall has no printer").
    pub fn without_printer(mut self, why: impl Into<String>) -> Executor {
        self.printer = Err(why.into());
        self
    }

    /// The screen `show_survey` opens.
    pub fn with_surveys(mut self, screen: Arc<dyn SurveyScreen>) -> Executor {
        self.surveys = Ok(screen);
        self
    }

    /// Why `show_survey` does not apply here.
    pub fn without_surveys(mut self, why: impl Into<String>) -> Executor {
        self.surveys = Err(why.into());
        self
    }

    /// What to do with `cmd` on this device (no I/O).
    pub fn plan(&self, cmd: &Command) -> Plan {
        match cmd {
            Command::RestartApp => Plan::Restart,
            Command::ReloadConfig => match &self.config {
                Ok((file, _)) => Plan::Reload(file.clone()),
                Err(why) => Plan::NotApplicable(why.clone()),
            },
            Command::Reboot => Plan::Reboot,
            Command::TestPrint => match &self.printer {
                Ok(_) => Plan::TestPrint,
                Err(why) => Plan::NotApplicable(why.clone()),
            },
            Command::ShowSurvey { survey } => match &self.surveys {
                Ok(_) => Plan::ShowSurvey(survey.clone()),
                Err(why) => Plan::NotApplicable(why.clone()),
            },
        }
    }

    /// Carries out `cmd`, reports the outcome through the outbox, and says whether the
    /// process must now exit (then the caller shuts the agent down and exits with the code).
    pub async fn execute(&self, cmd: &Command) -> Next {
        let (outcome, restart) = match self.plan(cmd) {
            Plan::Restart => (Ok("restarting".to_string()), true),
            Plan::Reload(file) => {
                let validate = match &self.config {
                    Ok((_, v)) => v.clone(),
                    Err(_) => unreachable!("planned a reload without a config"),
                };
                match blocking(move || validate(&file).map_err(|e| e.to_string())).await {
                    Ok(()) => (Ok("config valid; restarting to apply it".to_string()), true),
                    Err(e) => (Err(format!("refused, running config kept: {e}")), false),
                }
            }
            Plan::Reboot => (self.reboot().await, false),
            Plan::TestPrint => {
                let printer = self.printer.as_ref().expect("planned with a printer").clone();
                let ticket = TestTicket {
                    site: self.agent.config().site.clone(),
                    device: self.agent.config().device.clone(),
                    at: Utc::now(),
                    app: self.app.clone(),
                };
                (blocking(move || printer.print_test(&ticket)).await, false)
            }
            Plan::ShowSurvey(id) => {
                let screen = self.surveys.as_ref().expect("planned with a survey screen").clone();
                (blocking(move || screen.show_survey(&id)).await, false)
            }
            Plan::NotApplicable(why) => (Err(format!("not applicable: {why}")), false),
        };
        match &outcome {
            Ok(d) => info!(?cmd, detail = %d, "hub command done"),
            Err(e) => warn!(?cmd, error = %e, "hub command not done"),
        }
        // Committed to the outbox before anything else: a restart right after still
        // delivers it.
        if let Err(e) = self.agent.send_event(result_event(cmd, outcome)).await {
            warn!(error = %e, "could not store a command result");
        }
        if !restart {
            return Next::Continue;
        }
        let deadline = tokio::time::Instant::now() + DRAIN;
        while self.agent.is_connected() && self.agent.outbox_pending() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Next::Exit(EXIT_RESTART)
    }

    async fn reboot(&self) -> Result<String, String> {
        use crate::health::dbus;
        let Some(bus) = dbus::connect(self.agent.config().dbus_address.as_deref()).await else {
            return Err(dbus::RebootError::NoBus.to_string());
        };
        dbus::reboot(&bus).await.map(|()| "reboot accepted by logind".to_string()).map_err(|e| e.to_string())
    }
}

/// Runs `f` on a blocking thread (printers and UI threads may take a while).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| Err("the command's task stopped".into()))
}

/// The command's wire name (its `type`), as reported back in
/// [`DeviceEvent::CommandResult`].
pub fn command_name(cmd: &Command) -> &'static str {
    match cmd {
        Command::ReloadConfig => "reload_config",
        Command::TestPrint => "test_print",
        Command::RestartApp => "restart_app",
        Command::Reboot => "reboot",
        Command::ShowSurvey { .. } => "show_survey",
    }
}

/// The outcome report for the hub: `Ok(what was done)` or `Err(why not / what to fix)`.
pub fn result_event(cmd: &Command, outcome: Result<String, String>) -> DeviceEvent {
    let (ok, detail) = match outcome {
        Ok(d) => (true, d),
        Err(d) => (false, d),
    };
    DeviceEvent::CommandResult { command: command_name(cmd).into(), ok, detail }
}

#[cfg(test)]
mod tests {
    use aula_protocol::SurveyId;

    use super::*;

    /// The reported name must be the wire `type`, or the hub could not tell which command
    /// a result answers.
    #[test]
    fn result_names_the_wire_type() {
        let show = Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() };
        for cmd in [Command::ReloadConfig, Command::TestPrint, Command::RestartApp, Command::Reboot, show] {
            let wire: serde_json::Value = serde_json::to_value(&cmd).unwrap();
            let DeviceEvent::CommandResult { command, ok, .. } = result_event(&cmd, Err("x".into())) else {
                panic!("not a result");
            };
            assert_eq!(wire["type"], command.as_str());
            assert!(!ok);
        }
    }
}
