//! The hub's link to MQTT in `hub.toml`: `[broker]` (an external broker such as Mosquitto,
//! by URL with optional credentials and CA) or `[embedded_broker]` (rumqttd in-process, the
//! single-machine default).

use std::net::SocketAddr;
use std::path::PathBuf;

use aula_conf::ConfigError;
use serde::Deserialize;

/// `[broker]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBroker {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_file: Option<String>,
}

/// `[embedded_broker]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmbedded {
    pub listen: Option<String>,
}

/// Where the hub's MQTT traffic goes.
#[derive(Debug, Clone, PartialEq)]
pub enum BrokerConfig {
    /// Start rumqttd in-process, listening here (the single-machine default).
    Embedded { listen: SocketAddr },
    /// Connect to an existing broker (Mosquitto in production).
    External(ExternalBroker),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExternalBroker {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub ca_file: Option<PathBuf>,
}

/// Validates `[broker]`.
pub fn parse(
    b: RawBroker,
    invalid: &dyn Fn(&str, &str, &str) -> ConfigError,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<ExternalBroker, ConfigError> {
    const EXPECTED: &str = "mqtt://host:port or mqtts://host:port";
    let (tls, rest) = if let Some(r) = b.url.strip_prefix("mqtt://") {
        (false, r)
    } else if let Some(r) = b.url.strip_prefix("mqtts://") {
        (true, r)
    } else {
        return Err(invalid("broker.url", EXPECTED, &b.url));
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| invalid("broker.url", EXPECTED, &b.url))?),
        None => (rest, if tls { 8883 } else { 1883 }),
    };
    if host.is_empty() || host.contains('/') {
        return Err(invalid("broker.url", EXPECTED, &b.url));
    }
    if b.username.is_none() && b.password.is_some() {
        return Err(invalid("broker.username", "a user name when broker.password is set", ""));
    }
    let ca_file = b.ca_file.map(|c| resolve(&c));
    if let Some(ca) = &ca_file {
        if !tls {
            return Err(invalid("broker.ca_file", "only with an mqtts:// url", &ca.display().to_string()));
        }
        if !ca.is_file() {
            return Err(invalid("broker.ca_file", "an existing PEM file", &ca.display().to_string()));
        }
    }
    Ok(ExternalBroker { host: host.into(), port, tls, username: b.username, password: b.password, ca_file })
}
