//! The hub's own configuration file (`config/hub.toml`): raw TOML ([`RawConfig`]) is read
//! once and validated into [`HubConfig`]; every error names the file, the key and the
//! expected form, e.g. `hub.toml: broker.url: expected mqtt://host:port or mqtts://host:port,
//! found "localhost"`.
//!
//! ```toml
//! [hub]
//! site = "site.toml"                  # the engine's [site] file, relative to this file
//! db = "../var/hub/aula.db"           # SQLite event log (engine); devices DB beside it
//! http = "127.0.0.1:8080"             # JSON API and "follow my number" pages
//! public_url = "http://127.0.0.1:8080" # base of follow links printed as QR codes
//! client_id = "aula-hub"              # fixed MQTT client id (persistent session)
//! surveys = "surveys.toml"            # optional: the site's surveys (feedback/surveys.rs)
//! feedback_limit = { answers = 6, per_s = 60 } # optional: more answers than this from one
//!                                     # device are stored but flagged, not counted
//!
//! public_http = "0.0.0.0:8081"      # optional: customers' follow page on its own listener
//!
//! [hub.bookings]                      # optional
//! source = "bookings.ics"             # file (relative to this file) or https:// URL
//! refresh_s = 300
//!
//! [staff]                             # optional: staff console sessions (staff/mod.rs)
//! idle_timeout_min = 30               # a session unused this long ends
//! session_max_h = 12                  # no session lives longer (a shift)
//! lockout_after = 5                   # failed passwords in a row that lock the account
//! lockout_min = 15                    # for this long
//!
//! [help]                              # optional: help requests (help/mod.rs)
//! escalate_after_s = 120              # unacknowledged this long: webhook + alarm on lobby views
//!
//! [embedded_broker]                   # used only when [broker] is absent
//! listen = "127.0.0.1:1883"
//!
//! [broker]                            # optional: an external broker (Mosquitto)
//! url = "mqtt://127.0.0.1:1883"       # or mqtts://host:8883
//! username = "hub"
//! password = "secret"
//! ca_file = "/etc/aula/ca.pem"        # TLS only
//!
//! [[dropbox]]                         # optional, per box; with [alerts]: see facility.rs
//! id = "lobby"
//! emptying = ["16:15"]
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_engine::SiteConfig;
use serde::Deserialize;

use crate::clock::Clock;
use crate::facility::{FacilityConfig, RawAlerts, RawDropBox};
use crate::feedback::{FeedbackConfig, RateLimit};
use crate::help::{HelpConfig, RawHelp};
use crate::queue::bookings::{self, Bookings, RawBookings};
use crate::staff::{RawStaff, StaffConfig};

pub mod broker;
pub use broker::{BrokerConfig, ExternalBroker, RawBroker, RawEmbedded};

/// The workspace's one config error (file, key, expected, found).
pub use aula_conf::ConfigError;

/// `hub.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub hub: RawHub,
    pub broker: Option<RawBroker>,
    pub embedded_broker: Option<RawEmbedded>,
    /// Drop boxes and alerts: see `facility.rs`.
    #[serde(default)]
    pub dropbox: Vec<RawDropBox>,
    pub alerts: Option<RawAlerts>,
    /// Staff sessions and lock-out: see `staff/mod.rs`.
    pub staff: Option<RawStaff>,
    /// Help requests: see `help/mod.rs`.
    pub help: Option<RawHelp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHub {
    pub site: String,
    pub db: String,
    pub http: Option<String>,
    pub public_http: Option<String>,
    pub public_url: Option<String>,
    pub client_id: Option<String>,
    pub bookings: Option<RawBookings>,
    pub surveys: Option<String>,
    pub feedback_limit: Option<RawFeedbackLimit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeedbackLimit {
    pub answers: u32,
    pub per_s: u64,
}

/// A validated hub configuration: everything [`crate::run`] needs.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// The file it was read from (for messages).
    pub origin: String,
    pub site: SiteConfig,
    pub db: PathBuf,
    /// The staff listener: the JSON API (and, coming, the console).
    pub http: SocketAddr,
    /// A separate listener for the customers' follow page only (None: served on `http`).
    pub public_http: Option<SocketAddr>,
    pub public_url: String,
    pub client_id: String,
    pub bookings: Option<Bookings>,
    pub broker: BrokerConfig,
    /// Surveys (none without `hub.surveys`), the rate limit and the site's zone.
    pub feedback: FeedbackConfig,
    /// The hub's clock. The system clock unless a demo or test shifts it.
    pub clock: Clock,
    /// Drop boxes, alert thresholds, webhooks.
    pub facility: FacilityConfig,
    /// Session time-outs and the login lock-out.
    pub staff: StaffConfig,
    /// When an unacknowledged help request escalates.
    pub help: HelpConfig,
}

pub const DEFAULT_HTTP: &str = "127.0.0.1:8080";
pub const DEFAULT_EMBEDDED: &str = "127.0.0.1:1883";
pub const DEFAULT_CLIENT_ID: &str = "aula-hub";

impl HubConfig {
    /// Reads and validates `path`; relative paths inside are resolved against its folder.
    pub fn load(path: &Path) -> Result<HubConfig, ConfigError> {
        let file = path.display().to_string();
        let text = aula_conf::read(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, &file, base)
    }

    /// Parses and validates TOML text; `file` names it in errors, `base` resolves relative
    /// paths.
    pub fn from_toml(text: &str, file: &str, base: &Path) -> Result<HubConfig, ConfigError> {
        let raw: RawConfig = aula_conf::parse(text, file)?;
        raw.validate(file, base)
    }
}

impl RawConfig {
    pub fn validate(self, file: &str, base: &Path) -> Result<HubConfig, ConfigError> {
        let invalid =
            |key: &str, expected: &str, found: &str| ConfigError::invalid(file, key, expected, format!("{found:?}"));
        let resolve = |p: &str| if Path::new(p).is_absolute() { PathBuf::from(p) } else { base.join(p) };

        let site_path = resolve(&self.hub.site);
        // A site file that cannot be read is this file's error (hub.site names it); an error
        // inside the site file names that file and its key.
        let site = SiteConfig::load(&site_path).map_err(|e| match e {
            ConfigError::Read { message, .. } => ConfigError::invalid(
                file,
                "hub.site",
                "a readable site file",
                format!("{} ({message})", site_path.display()),
            ),
            other => other,
        })?;

        if self.hub.db.trim().is_empty() {
            return Err(invalid("hub.db", "a file path for the SQLite database", &self.hub.db));
        }
        let db = resolve(&self.hub.db);

        let http_s = self.hub.http.unwrap_or_else(|| DEFAULT_HTTP.into());
        let http: SocketAddr =
            http_s.parse().map_err(|_| invalid("hub.http", "an address and port such as 127.0.0.1:8080", &http_s))?;

        let public_http = match self.hub.public_http {
            None => None,
            Some(p) => Some(
                p.parse::<SocketAddr>()
                    .map_err(|_| invalid("hub.public_http", "an address and port such as 0.0.0.0:8081", &p))?,
            ),
        };
        // Port 0 lets the OS choose (tests): two such listeners never clash.
        if public_http == Some(http) && http.port() != 0 {
            return Err(invalid("hub.public_http", "an address other than hub.http", &http_s));
        }
        let public_url = self.hub.public_url.unwrap_or_else(|| format!("http://{}", public_http.unwrap_or(http)));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(invalid("hub.public_url", "an http:// or https:// URL", &public_url));
        }
        let public_url = public_url.trim_end_matches('/').to_owned();

        let client_id = self.hub.client_id.unwrap_or_else(|| DEFAULT_CLIENT_ID.into());
        if client_id.is_empty() || client_id.len() > 64 || client_id.contains(['/', '+', '#']) {
            return Err(invalid("hub.client_id", "1-64 characters without / + #", &client_id));
        }

        let bookings = self.hub.bookings.map(|b| bookings::validate(b, &invalid, &resolve)).transpose()?;

        let rate = match self.hub.feedback_limit {
            None => RateLimit::default(),
            Some(l) if l.answers == 0 || l.per_s == 0 => {
                return Err(invalid(
                    "hub.feedback_limit",
                    "{ answers = N, per_s = S } with both at least 1",
                    &format!("answers = {}, per_s = {}", l.answers, l.per_s),
                ));
            }
            Some(l) => RateLimit { max_answers: l.answers, window: Duration::from_secs(l.per_s) },
        };
        let mut feedback = match &self.hub.surveys {
            None => FeedbackConfig::empty(site.time_zone),
            Some(s) if s.trim().is_empty() => {
                return Err(invalid("hub.surveys", "a file path such as surveys.toml", s));
            }
            Some(s) => crate::feedback::config::load(&resolve(s), &site, rate)?,
        };
        feedback.rate = rate;

        let broker = match self.broker {
            Some(b) => BrokerConfig::External(broker::parse(b, &invalid, &resolve)?),
            None => {
                let listen_s = self.embedded_broker.and_then(|e| e.listen).unwrap_or_else(|| DEFAULT_EMBEDDED.into());
                let listen = listen_s.parse().map_err(|_| {
                    invalid("embedded_broker.listen", "an address and port such as 127.0.0.1:1883", &listen_s)
                })?;
                BrokerConfig::Embedded { listen }
            }
        };

        let facility = crate::facility::validate(self.dropbox, self.alerts, &invalid)?;
        let staff = self.staff.unwrap_or_default().validate(&invalid)?;
        let help = self.help.unwrap_or_default().validate(&invalid)?;

        Ok(HubConfig {
            origin: file.into(),
            site,
            db,
            http,
            public_http,
            public_url,
            client_id,
            bookings,
            broker,
            feedback,
            clock: Clock::system(),
            facility,
            staff,
            help,
        })
    }
}

impl HubConfig {
    /// The devices database (status, health, events, feedback) beside the engine's log.
    pub fn devices_db(&self) -> PathBuf {
        let stem = self.db.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "aula".into());
        self.db.with_file_name(format!("{stem}-devices.db"))
    }

    /// Host and port MQTT clients (and the hub itself) connect to.
    pub fn mqtt_host_port(&self) -> (String, u16) {
        match &self.broker {
            BrokerConfig::Embedded { listen } => {
                let ip = if listen.ip().is_unspecified() { "127.0.0.1".to_string() } else { listen.ip().to_string() };
                (ip, listen.port())
            }
            BrokerConfig::External(e) => (e.host.clone(), e.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.toml"), crate::testsite::SITE_TOML).unwrap();
        dir
    }

    fn check(toml: &str, expected_in_error: &[&str]) {
        let dir = site_dir();
        let err = HubConfig::from_toml(toml, "hub.toml", dir.path()).unwrap_err().to_string();
        for e in expected_in_error {
            assert!(err.contains(e), "{err:?} should contain {e:?}");
        }
    }

    #[test]
    fn errors_name_file_key_and_expected_form() {
        check(
            "[hub]\nsite='site.toml'\ndb='a.db'\n[broker]\nurl='localhost'\n",
            &["hub.toml", "broker.url", "mqtt://"],
        );
        check("[hub]\nsite='site.toml'\ndb='a.db'\nhttp='nope'\n", &["hub.toml", "hub.http", "127.0.0.1:8080"]);
        check("[hub]\nsite='missing.toml'\ndb='a.db'\n", &["hub.toml", "hub.site", "missing.toml"]);
        check("[hub]\nsite='site.toml'\ndb='a.db'\ncolour='red'\n", &["hub.toml", "colour"]);
        check(
            "[hub]\nsite='site.toml'\ndb='a.db'\n[hub.bookings]\nsource='b.ics'\nrefresh_s=0\n",
            &["hub.bookings.refresh_s"],
        );
        check(
            "[hub]\nsite='site.toml'\ndb='a.db'\n[broker]\nurl='mqtt://h:1883'\nca_file='ca.pem'\n",
            &["broker.ca_file", "mqtts"],
        );
    }

    #[test]
    fn defaults_and_embedded_broker() {
        let dir = site_dir();
        let c = HubConfig::from_toml("[hub]\nsite='site.toml'\ndb='a.db'\n", "hub.toml", dir.path()).unwrap();
        assert_eq!(c.http.to_string(), DEFAULT_HTTP);
        assert_eq!(c.broker, BrokerConfig::Embedded { listen: DEFAULT_EMBEDDED.parse().unwrap() });
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.db, dir.path().join("a.db"));
        assert_eq!(c.devices_db(), dir.path().join("a-devices.db"));
        let c = HubConfig::from_toml(
            "[hub]\nsite='site.toml'\ndb='a.db'\n[broker]\nurl='mqtts://broker.lan'\nusername='hub'\npassword='x'\n",
            "hub.toml",
            dir.path(),
        )
        .unwrap();
        let BrokerConfig::External(e) = c.broker else { panic!() };
        assert_eq!((e.host.as_str(), e.port, e.tls), ("broker.lan", 8883, true));
    }
}
