//! The `aula-hub` command line: `serve`, `check-config`, `lobby`, `bench`, and the staff
//! commands (`counter …`, `ticket …`, `queue show`, `dropbox emptied|ledger`, `alerts`,
//! `device list|send`) that talk to a running hub's HTTP API,
//! so a site can run its queue from a terminal before the web console exists. Also the text
//! rendering of the queue wall that `queue show` and the lobby demo print.

use std::fmt::Write as _;
use std::path::PathBuf;

use aula_protocol::{Lang, QueueState, ServiceId};
use clap::{Args, Parser, Subcommand};

pub const DEFAULT_HUB: &str = "http://127.0.0.1:8080";

#[derive(Debug, Parser)]
#[command(name = "aula-hub", version, about = "Aula hub: queue engine, MQTT, JSON API for one site")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub (Ctrl-C or SIGTERM stops it cleanly).
    Serve(ConfigArg),
    /// Validate the configuration (and the site file it names) and exit.
    CheckConfig(ConfigArg),
    /// The one-command lobby demo: hub, embedded broker, simulated kiosk and counters.
    Lobby(LobbyArgs),
    /// Counter actions (talk to a running hub).
    Counter {
        #[command(subcommand)]
        action: CounterCmd,
    },
    /// Ticket actions (talk to a running hub).
    Ticket {
        #[command(subcommand)]
        action: TicketCmd,
    },
    /// The queue (talk to a running hub).
    Queue {
        #[command(subcommand)]
        action: QueueCmd,
    },
    /// The document drop box's ledger (talk to a running hub).
    Dropbox {
        #[command(subcommand)]
        action: DropboxCmd,
    },
    /// List active and recent alerts (talk to a running hub).
    Alerts {
        #[command(flatten)]
        hub: HubArg,
    },
    /// Devices: list them, or send one a command (talk to a running hub).
    Device {
        #[command(subcommand)]
        action: DeviceCmd,
    },
    /// Staff accounts and API tokens (work on the hub's database directly, also while the
    /// hub runs).
    Staff {
        #[command(subcommand)]
        action: StaffCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    /// Add an account. Without --password-stdin a random password is made and printed once.
    Add {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        username: String,
        /// counter, advisor, facility, coordinator or admin.
        #[arg(long)]
        role: String,
        /// The authority of a counter expert (required) or of a coordinator (optional).
        #[arg(long)]
        authority: Option<String>,
        /// Console language: fi, sv or en.
        #[arg(long, default_value = "fi")]
        lang: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (unlocks the account, ends its sessions).
    Passwd {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account (its sessions end at once).
    Disable {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        username: String,
    },
    /// List accounts (never passwords).
    List {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// API tokens for the CLI and integrations.
    Token {
        #[command(subcommand)]
        action: TokenCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Make a token; its secret is printed once and stored only as a digest.
    Add {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        authority: Option<String>,
    },
    /// Revoke a token.
    Revoke {
        #[command(flatten)]
        config: ConfigArg,
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// Every device the hub has heard from: status, last seen, last event.
    List {
        #[command(flatten)]
        hub: HubArg,
    },
    /// Send a command; the device reports the outcome as a `command_result` event.
    Send {
        /// The device id, e.g. dropbox-1.
        #[arg(long)]
        device: String,
        #[arg(value_enum)]
        command: DeviceCommandName,
        /// With `show-survey`: which survey to open (an id in the hub's surveys file).
        #[arg(long, required_if_eq("command", "show-survey"))]
        survey: Option<String>,
        #[command(flatten)]
        hub: HubArg,
    },
}

/// What `aula-hub device send` can ask of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceCommandName {
    ReloadConfig,
    TestPrint,
    RestartApp,
    Reboot,
    ShowSurvey,
}

impl DeviceCommandName {
    /// The protocol command (`survey` is required by clap for `show-survey`).
    pub fn command(self, survey: Option<&str>) -> Result<aula_protocol::Command, aula_protocol::IdError> {
        use aula_protocol::Command;
        Ok(match self {
            DeviceCommandName::ReloadConfig => Command::ReloadConfig,
            DeviceCommandName::TestPrint => Command::TestPrint,
            DeviceCommandName::RestartApp => Command::RestartApp,
            DeviceCommandName::Reboot => Command::Reboot,
            DeviceCommandName::ShowSurvey => {
                Command::ShowSurvey { survey: aula_protocol::SurveyId::new(survey.unwrap_or_default())? }
            }
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum DropboxCmd {
    /// Record that staff emptied the box now.
    Emptied {
        /// The box id, e.g. lobby.
        #[arg(long = "box")]
        box_id: String,
        /// The desk or role that emptied it ("info desk"), never a person's name.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        hub: HubArg,
    },
    /// Print a day's ledger of the box.
    Ledger {
        #[arg(long = "box")]
        box_id: String,
        /// Site-local date, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        hub: HubArg,
    },
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    #[arg(long, default_value = "config/hub.toml")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct HubArg {
    /// Base URL of the running hub's API.
    #[arg(long, env = "AULA_HUB", default_value = DEFAULT_HUB)]
    pub hub: String,
    /// An API token (`aula-hub staff token add`); every staff endpoint needs one.
    #[arg(long, env = "AULA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl HubArg {
    /// The API client for this hub and token.
    pub fn client(&self) -> aula_web::client::HubClient {
        aula_web::client::HubClient::new(&self.hub).with_token(self.token.as_deref())
    }
}

#[derive(Debug, Args)]
pub struct CounterArg {
    #[arg(long)]
    pub counter: String,
    #[command(flatten)]
    pub hub: HubArg,
}

#[derive(Debug, Subcommand)]
pub enum CounterCmd {
    /// Call the next customer (or a given number with --number).
    Call {
        #[command(flatten)]
        c: CounterArg,
        /// Only from these services (default: the counter's own).
        #[arg(long)]
        service: Vec<ServiceId>,
        /// Call this number out of order, e.g. V007.
        #[arg(long)]
        number: Option<String>,
    },
    /// Announce the called number again.
    Recall(CounterArg),
    /// The called customer arrived.
    Start(CounterArg),
    /// Service done.
    Finish(CounterArg),
    /// The called customer did not come.
    NoShow(CounterArg),
}

#[derive(Debug, Subcommand)]
pub enum TicketCmd {
    /// Issue a walk-in ticket (staff desk).
    Issue {
        #[arg(long)]
        service: ServiceId,
        #[command(flatten)]
        hub: HubArg,
    },
    /// Move a ticket (id or today's number) to another service.
    Transfer {
        #[arg(long)]
        ticket: String,
        #[arg(long)]
        service: ServiceId,
        #[command(flatten)]
        hub: HubArg,
    },
    /// Cancel a ticket (id or today's number).
    Cancel {
        #[arg(long)]
        ticket: String,
        #[command(flatten)]
        hub: HubArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Print the queue wall as text.
    Show {
        #[command(flatten)]
        hub: HubArg,
        #[arg(long, default_value = "fi")]
        lang: String,
    },
}

#[derive(Debug, Args)]
pub struct LobbyArgs {
    #[arg(long, default_value = "config/hub.toml")]
    pub config: PathBuf,
    /// Run on a simulated clock from this local time of the site (HH:MM, next weekday) instead
    /// of real time (benches; the kiosk and wall windows show real time).
    #[arg(long)]
    pub at: Option<String>,
    /// With --at: how much faster than real time the simulated clock runs.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Customers per hour the simulated kiosk brings.
    #[arg(long, default_value_t = 60.0)]
    pub arrivals_per_hour: f64,
    /// Counters the simulation serves (comma-separated); the rest are for people.
    #[arg(long, value_delimiter = ',', default_value = "2,4,5,6,room-a,room-b,room-c")]
    pub sim_counters: Vec<String>,
    /// Stop after this many real seconds (default: until Ctrl-C).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Seconds between queue-wall printouts.
    #[arg(long, default_value_t = 5)]
    pub print_every: u64,
}

/// The queue wall as text: services with waiting counts and wait ranges, counters with their
/// current numbers, latest calls.
pub fn render_wall(qs: &QueueState, lang: &Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "== {} (#{}) ==", qs.site_name.get(lang), qs.seq);
    if let Some(a) = &qs.announcement {
        let _ = writeln!(out, "!! {}", a.get(lang));
    }
    let _ = writeln!(out, "{:<34} {:>4} {:>7} {:>9}", "service", "pfx", "waiting", "wait");
    for s in &qs.services {
        if !s.open_today {
            continue;
        }
        let wait = match (s.open_now, s.wait) {
            (false, _) => "closed".to_string(),
            (true, Some(w)) => format!("{}-{} min", w.low_min, w.high_min),
            (true, None) => "-".to_string(),
        };
        let name: String = s.name.get(lang).chars().take(34).collect();
        let _ = writeln!(out, "{name:<34} {:>4} {:>7} {wait:>9}", s.prefix, s.waiting);
    }
    let _ = writeln!(out, "counters:");
    for c in &qs.counters {
        let current = c.current.as_ref().map(|n| n.to_string()).unwrap_or_else(|| "-".into());
        let _ = writeln!(out, "  {:<24} {current}", c.name.get(lang));
    }
    if !qs.calls.is_empty() {
        let calls: Vec<String> = qs.calls.iter().take(6).map(|c| format!("{}→{}", c.number, c.counter)).collect();
        let _ = writeln!(out, "latest calls: {}", calls.join("  "));
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn the_staff_commands_parse() {
        use super::{Cli, Command, DropboxCmd};
        let c =
            Cli::try_parse_from(["aula-hub", "dropbox", "emptied", "--box", "lobby", "--label", "info desk"]).unwrap();
        assert!(
            matches!(c.command, Command::Dropbox { action: DropboxCmd::Emptied { box_id, label: Some(l), .. } } if box_id == "lobby" && l == "info desk")
        );
        let c =
            Cli::try_parse_from(["aula-hub", "dropbox", "ledger", "--box", "lobby", "--date", "2026-11-30"]).unwrap();
        assert!(matches!(c.command, Command::Dropbox { action: DropboxCmd::Ledger { date: Some(_), .. } }));
        assert!(matches!(Cli::try_parse_from(["aula-hub", "alerts"]).unwrap().command, Command::Alerts { .. }));
    }
}
