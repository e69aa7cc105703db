//! Text in several languages, as configured by a site (service names, announcements, survey
//! questions). UI strings of the apps themselves live in their translation files, not here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::Lang;

/// `{"fi": "Verohallinto", "sv": "Skatteförvaltningen", "en": "Finnish Tax Administration"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<Lang, String>);

impl Localized {
    /// Text in `lang`, else English, else Finnish, else any language, else "".
    pub fn get(&self, lang: &Lang) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.get(&Lang::en()))
            .or_else(|| self.0.get(&Lang::fi()))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Builder for tests and examples: `Localized::from_pairs(&[("fi", "Kela"), ("en", "Kela")])`.
    /// Panics on an invalid language code (only meant for literals).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(pairs.iter().map(|(l, t)| (Lang::new(*l).expect("valid language literal"), (*t).to_owned())).collect())
    }

    /// Languages that have no text here among `required`.
    pub fn missing<'a>(&self, required: &'a [Lang]) -> Vec<&'a Lang> {
        required.iter().filter(|l| self.0.get(*l).is_none_or(|t| t.trim().is_empty())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_english_then_finnish() {
        let t = Localized::from_pairs(&[("fi", "Kela"), ("en", "Kela (Social Insurance)")]);
        assert_eq!(t.get(&Lang::new("uk").unwrap()), "Kela (Social Insurance)");
        let t = Localized::from_pairs(&[("fi", "Verohallinto")]);
        assert_eq!(t.get(&Lang::sv()), "Verohallinto");
        assert_eq!(t.missing(&[Lang::fi(), Lang::sv()]), vec![&Lang::sv()]);
    }
}
