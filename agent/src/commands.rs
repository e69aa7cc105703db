//! What a device without a screen does with a hub [`Command`]. Front ends (kiosk, signage)
//! receive commands as [`crate::AgentEvent::Command`] and decide themselves; the
//! `aula-agent` binary and any app that wants the default behaviour use [`headless_action`].

use aula_protocol::Command;

/// Exit code meaning "restart me": the systemd unit restarts on it
/// (`RestartForceExitStatus=75`), which also re-reads the config. 75 is `EX_TEMPFAIL`.
pub const EXIT_RESTART: i32 = 75;

/// The default response to a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandAction {
    /// Exit with [`EXIT_RESTART`] after a clean shutdown (reload config, restart app).
    Restart,
    /// Not for this kind of device; log and ignore.
    Ignore,
}

/// The headless agent's policy. `Reboot` is ignored on purpose: rebooting the machine needs
/// privileges the agent does not have; the OS image's watchdog owns that.
pub fn headless_action(cmd: &Command) -> CommandAction {
    match cmd {
        Command::ReloadConfig | Command::RestartApp => CommandAction::Restart,
        Command::TestPrint | Command::Reboot | Command::ShowSurvey { .. } => CommandAction::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use aula_protocol::SurveyId;

    use super::*;

    #[test]
    fn headless_policy() {
        assert_eq!(headless_action(&Command::ReloadConfig), CommandAction::Restart);
        assert_eq!(headless_action(&Command::RestartApp), CommandAction::Restart);
        assert_eq!(headless_action(&Command::Reboot), CommandAction::Ignore);
        assert_eq!(
            headless_action(&Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() }),
            CommandAction::Ignore
        );
    }
}
