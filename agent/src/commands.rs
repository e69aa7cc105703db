//! What a device without a screen does with a hub [`Command`]. Front ends (kiosk, signage)
//! receive commands as [`crate::AgentEvent::Command`] and decide themselves; the
//! `aula-agent` binary and any app that wants the default behaviour use [`headless_action`],
//! and report the outcome to the hub with [`result_event`].
//!
//! Commands arrive only on the device's own `device/<id>/cmd` topic ([`crate::route`]
//! ignores every other device's), which only the hub may publish to (broker ACL).

use aula_protocol::{Command, DeviceEvent};

/// Exit code meaning "restart me": the systemd unit restarts on it
/// (`Restart=always`, and `RestartForceExitStatus=75` says so explicitly), which also
/// re-reads the config. 75 is `EX_TEMPFAIL`.
pub const EXIT_RESTART: i32 = 75;

/// The default response to a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandAction {
    /// Exit with [`EXIT_RESTART`] after a clean shutdown (restart app).
    Restart,
    /// Re-read and validate the config file: restart with it when it is good, keep running
    /// on the old one (and say why) when it is not.
    ReloadConfig,
    /// Print a test ticket on the configured printer.
    TestPrint,
    /// Reboot the machine through logind (`org.freedesktop.login1.Manager.Reboot`).
    Reboot,
    /// Not for this kind of device; log and ignore.
    Ignore,
}

/// The headless agent's policy.
pub fn headless_action(cmd: &Command) -> CommandAction {
    match cmd {
        Command::ReloadConfig => CommandAction::ReloadConfig,
        Command::RestartApp => CommandAction::Restart,
        Command::TestPrint => CommandAction::TestPrint,
        Command::Reboot => CommandAction::Reboot,
        Command::ShowSurvey { .. } => CommandAction::Ignore,
    }
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

    #[test]
    fn headless_policy() {
        assert_eq!(headless_action(&Command::ReloadConfig), CommandAction::ReloadConfig);
        assert_eq!(headless_action(&Command::RestartApp), CommandAction::Restart);
        assert_eq!(headless_action(&Command::TestPrint), CommandAction::TestPrint);
        assert_eq!(headless_action(&Command::Reboot), CommandAction::Reboot);
        assert_eq!(
            headless_action(&Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() }),
            CommandAction::Ignore
        );
    }

    /// The reported name must be the wire `type`, or the hub could not tell which command
    /// a result answers.
    #[test]
    fn result_names_the_wire_type() {
        for cmd in [Command::ReloadConfig, Command::TestPrint, Command::RestartApp, Command::Reboot] {
            let wire: serde_json::Value = serde_json::to_value(&cmd).unwrap();
            let DeviceEvent::CommandResult { command, ok, .. } = result_event(&cmd, Err("x".into())) else {
                panic!("not a result");
            };
            assert_eq!(wire["type"], command.as_str());
            assert!(!ok);
        }
    }
}
