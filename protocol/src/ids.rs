//! Identifiers that travel in topics and messages: sites, devices, services, counters,
//! boxes, surveys and languages. Each is a validated newtype so a bad id is rejected once,
//! where it enters, with the reason.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::IdError;

/// Checks the shape shared by every id that may appear in an MQTT topic:
/// 1–64 characters of `a-z`, `0-9`, `-` and `_`. This keeps `/`, `+` and `#` (topic
/// separators and wildcards) out by construction.
fn check_slug(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() || s.len() > 64 {
        return Err(IdError { kind, value: s.to_owned(), expected: "1 to 64 characters" });
    }
    if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
        return Err(IdError { kind, value: s.to_owned(), expected: "only lowercase letters a-z, digits, '-' and '_'" });
    }
    Ok(())
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps `s`.
            pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check_slug($kind, &s)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_id!(
    /// A site (one building's service point), e.g. `lahti`.
    SiteId, "site id");
slug_id!(
    /// A device (kiosk, wall, agent), e.g. `kiosk-1`.
    DeviceId, "device id");
slug_id!(
    /// A service customers queue for, e.g. `vero`.
    ServiceId, "service id");
slug_id!(
    /// A counter or service room, e.g. `3` or `room-a`.
    CounterId, "counter id");
slug_id!(
    /// A document drop box, e.g. `lobby`.
    BoxId, "box id");
slug_id!(
    /// A survey definition, e.g. `exit`.
    SurveyId, "survey id");
slug_id!(
    /// A question inside a survey, e.g. `csat`.
    QuestionId, "question id");

/// A language code (ISO 639-1/3, lowercase, 2–3 letters): `fi`, `sv`, `en`, `uk`, …
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Lang(String);

impl Lang {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        if !(2..=3).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(IdError {
                kind: "language code",
                value: s,
                expected: "2 or 3 lowercase letters such as fi, sv, en",
            });
        }
        Ok(Self(s))
    }
    pub fn fi() -> Self {
        Self("fi".into())
    }
    pub fn sv() -> Self {
        Self("sv".into())
    }
    pub fn en() -> Self {
        Self("en".into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Lang {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_topic_metacharacters() {
        for bad in ["", "a/b", "a+b", "#", "Kiosk", "ä", &"x".repeat(65)] {
            assert!(DeviceId::new(bad).is_err(), "{bad:?} must be rejected");
        }
        for good in ["kiosk-1", "room_a", "3"] {
            assert_eq!(DeviceId::new(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn id_error_says_what_was_expected() {
        let e = ServiceId::new("Tax Office").unwrap_err().to_string();
        assert!(e.contains("service id") && e.contains("Tax Office") && e.contains("lowercase"), "{e}");
    }

    #[test]
    fn lang_codes() {
        assert!(Lang::new("fi").is_ok());
        assert!(Lang::new("FI").is_err());
        assert!(Lang::new("finnish").is_err());
    }
}
