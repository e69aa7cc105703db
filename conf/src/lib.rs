//! # aula-conf
//!
//! The one configuration error of the workspace, [`ConfigError`], and the helpers that read a
//! TOML file into a raw type ([`read`], [`parse`]). Every device and the hub report a bad
//! config file the same way: the file, the dotted key, what was expected and what was found,
//! so a technician can fix the file without reading code. A leaf crate: it knows no Aula type,
//! so every crate (engine, agent, hub, kiosk, signage) can use it.
//!
//! ```
//! use aula_conf::{ConfigError, parse};
//! #[derive(Debug, serde::Deserialize)]
//! struct Raw { port: u16 }
//! let e = parse::<Raw>("port = \"x\"", "wall.toml").unwrap_err();
//! assert!(e.to_string().starts_with("wall.toml: port: "), "{e}");
//! let e = ConfigError::invalid("wall.toml", "agent.broker", "mqtt://host:port", "tcp://x");
//! assert_eq!(e.to_string(), "wall.toml: agent.broker: expected mqtt://host:port, found tcp://x");
//! ```

use std::path::Path;

use serde::de::DeserializeOwned;
use thiserror::Error;

/// A configuration that cannot be used. Always names the file; every variant but `Read`
/// names the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// Reading the file failed.
    #[error("{file}: cannot read: {message}")]
    Read { file: String, message: String },
    /// Not TOML at all, an unknown key, or a value of the wrong type.
    #[error("{file}: {key}: {message}")]
    Syntax { file: String, key: String, message: String },
    /// Well-formed TOML with a value we cannot use.
    #[error("{file}: {key}: expected {expected}, found {found}")]
    Invalid { file: String, key: String, expected: String, found: String },
    /// A key from an older release: refused with the key that replaces it, so an old file
    /// is never half understood.
    #[error("{file}: {key}: this key is no longer read; use {instead}")]
    Renamed { file: String, key: String, instead: String },
}

impl ConfigError {
    pub fn invalid(
        file: impl Into<String>,
        key: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid { file: file.into(), key: key.into(), expected: expected.into(), found: found.into() }
    }

    pub fn renamed(file: impl Into<String>, key: impl Into<String>, instead: impl Into<String>) -> ConfigError {
        ConfigError::Renamed { file: file.into(), key: key.into(), instead: instead.into() }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            ConfigError::Read { file, .. }
            | ConfigError::Syntax { file, .. }
            | ConfigError::Invalid { file, .. }
            | ConfigError::Renamed { file, .. } => file,
        }
    }

    /// The dotted key path the error is about (e.g. `site.services[3].prefix`; empty for
    /// `Read`).
    pub fn key(&self) -> &str {
        match self {
            ConfigError::Read { .. } => "",
            ConfigError::Syntax { key, .. } | ConfigError::Invalid { key, .. } | ConfigError::Renamed { key, .. } => {
                key
            }
        }
    }
}

/// Reads a config file to text; the error names the file.
pub fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Read { file: path.display().to_string(), message: e.to_string() })
}

/// Parses TOML text into `T`; a type error names the dotted path of the offending key, a
/// syntax error its line (`line 3`).
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, ConfigError> {
    let syntax = |key: String, message: &str| ConfigError::Syntax {
        file: file.to_owned(),
        key,
        message: message.trim().to_owned(),
    };
    let de = toml::Deserializer::parse(text).map_err(|e| syntax(line_of(text, e.span()), e.message()))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        syntax(if path == "." { line_of(text, inner.span()) } else { path }, inner.message())
    })
}

/// "line N" of a byte span, for errors that have no key path.
pub fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => format!("line {}", text[..r.start.min(text.len())].matches('\n').count() + 1),
        None => "(document)".into(),
    }
}

/// [`read`] then [`parse`].
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    parse(&read(path)?, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Raw {
        agent: Agent,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Agent {
        keepalive_s: u64,
    }

    #[test]
    fn errors_name_the_file_and_the_dotted_key() {
        let check = |text: &str, key: &str| {
            let e = parse::<Raw>(text, "kiosk.toml").unwrap_err();
            assert_eq!(e.file(), "kiosk.toml");
            assert_eq!(e.key(), key, "{e}");
        };
        check("[agent]\nkeepalive_s = \"ten\"\n", "agent.keepalive_s");
        check("[agent]\nkeepalive_s = 5\nbroker_host = \"x\"\n", "agent.broker_host");
        check("[agent\n", "line 1");
        let e = read(Path::new("/nonexistent/aula.toml")).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/aula.toml: cannot read: "), "{e}");
    }

    #[test]
    fn a_renamed_key_names_its_successor() {
        let e = ConfigError::renamed("wall.toml", "agent.broker_host", "agent.broker = \"mqtt://host:port\"");
        assert_eq!(
            e.to_string(),
            "wall.toml: agent.broker_host: this key is no longer read; use agent.broker = \"mqtt://host:port\""
        );
    }
}
