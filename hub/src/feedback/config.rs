//! The site's survey file (`config/surveys.toml`, named by `hub.surveys` in `hub.toml`): read
//! once at start, checked, and turned into [`FeedbackConfig`], which also knows what each
//! question means for the figures ([`Meaning`]).
//!
//! Checks, each error naming the file and the key: the protocol's own validation
//! ([`aula_protocol::Validate`]), unique survey ids, fi/sv/en text everywhere, free-text limits
//! within [`MAX_TEXT_LEN`], choice lists that are not empty and have unique ids, a `service`
//! question that is a choice whose option ids are service ids of the site, a `self_reliance`
//! question that is a yes/no. A text missing one of the site's *extra* languages is not an
//! error: kiosks show English then (`Localized::get`), and the hub warns once per survey at
//! start, so a site can add a language before every survey is translated.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use aula_engine::SiteConfig;
use aula_protocol::{
    Lang, Localized, MAX_TEXT_LEN, Measure, Question, QuestionId, QuestionKind, SurveyDef, SurveyId, Validate,
};
use chrono_tz::Tz;
use serde::Deserialize;

use aula_conf::ConfigError;

/// Question id of the choice "which service was this about?": its answer is the service an
/// answer is counted under (unless the device already named one).
pub const SERVICE_QUESTION: &str = "service";
/// Question id of the yes/no whose "yes" share is reported as self-reliance ("could you do
/// this on your own next time?"). The protocol's `SurveyDef` has no tag for this, and a fixed
/// id keeps the survey file plain protocol TOML that kiosks read as is.
pub const SELF_RELIANCE_QUESTION: &str = "self_reliance";

/// Default hub-side rate limit: more than this many answers from one device ...
pub const DEFAULT_MAX_ANSWERS: u32 = 6;
/// ... within this window are stored but flagged and left out of the figures. A feedback
/// terminal at a busy exit may see a customer every 10-15 s; six in a minute is a child
/// tapping, not six customers. The kiosk has its own, stricter limit in front of this.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// What an answer to a question counts as in the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    Csat,
    Ces,
    /// A 1-5 scale measuring something else: stored, not in the figures.
    OtherScale,
    Nps,
    Outcome,
    SelfReliance,
    /// Any other yes/no: stored, not in the figures.
    OtherYesNo,
    Service,
    OtherChoice,
    Comment,
}

/// The hub-side rate limit per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max_answers: u32,
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { max_answers: DEFAULT_MAX_ANSWERS, window: DEFAULT_WINDOW }
    }
}

/// Everything the feedback part of the hub needs: validated surveys, what each question
/// means, the site's time zone (opening hours are local) and the rate limit.
#[derive(Debug, Clone)]
pub struct FeedbackConfig {
    pub surveys: Vec<SurveyDef>,
    pub time_zone: Tz,
    pub rate: RateLimit,
    meanings: HashMap<SurveyId, HashMap<QuestionId, Meaning>>,
}

impl FeedbackConfig {
    /// No surveys (the hub still stores answers, and counts them as of an unknown survey).
    pub fn empty(time_zone: Tz) -> FeedbackConfig {
        FeedbackConfig { surveys: Vec::new(), time_zone, rate: RateLimit::default(), meanings: HashMap::new() }
    }

    /// Builds from already-validated surveys (see [`load`]).
    pub fn new(surveys: Vec<SurveyDef>, time_zone: Tz, rate: RateLimit) -> FeedbackConfig {
        let meanings = surveys
            .iter()
            .map(|s| {
                let m = s
                    .questions
                    .iter()
                    .flat_map(Question::with_follow_ups)
                    .map(|q| (q.id.clone(), meaning(q)))
                    .collect();
                (s.id.clone(), m)
            })
            .collect();
        FeedbackConfig { surveys, time_zone, rate, meanings }
    }

    /// The meaning of `question` in `survey`; `None` for an unknown survey.
    pub fn survey_meanings(&self, survey: &SurveyId) -> Option<&HashMap<QuestionId, Meaning>> {
        self.meanings.get(survey)
    }
}

fn meaning(q: &Question) -> Meaning {
    match &q.kind {
        QuestionKind::Scale5 { measure: Measure::Csat, .. } => Meaning::Csat,
        QuestionKind::Scale5 { measure: Measure::Ces, .. } => Meaning::Ces,
        QuestionKind::Scale5 { measure: Measure::Other, .. } => Meaning::OtherScale,
        QuestionKind::Nps => Meaning::Nps,
        QuestionKind::Outcome => Meaning::Outcome,
        QuestionKind::YesNo { .. } if q.id.as_str() == SELF_RELIANCE_QUESTION => Meaning::SelfReliance,
        QuestionKind::YesNo { .. } => Meaning::OtherYesNo,
        QuestionKind::Choice { .. } if q.id.as_str() == SERVICE_QUESTION => Meaning::Service,
        QuestionKind::Choice { .. } => Meaning::OtherChoice,
        QuestionKind::FreeText { .. } => Meaning::Comment,
    }
}

/// The survey file as written: `survey = [SurveyDef, …]`.
#[derive(Debug, Deserialize)]
pub struct SurveyFile {
    #[serde(default)]
    pub survey: Vec<SurveyDef>,
}

/// Reads and checks the survey file at `path` against `site`.
pub fn load(path: &Path, site: &SiteConfig, rate: RateLimit) -> Result<FeedbackConfig, ConfigError> {
    let file = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { file: file.clone(), message: e.to_string() })?;
    from_toml(&text, &file, site, rate)
}

/// Parses and checks survey TOML; `file` names it in errors.
pub fn from_toml(text: &str, file: &str, site: &SiteConfig, rate: RateLimit) -> Result<FeedbackConfig, ConfigError> {
    let parsed: SurveyFile = toml::from_str(text).map_err(|e| {
        let key = match e.span() {
            Some(r) => format!("line {}", text[..r.start.min(text.len())].matches('\n').count() + 1),
            None => "(document)".into(),
        };
        ConfigError::Syntax { file: file.into(), key, message: e.message().trim().to_owned() }
    })?;
    check(&parsed.survey, file, site)?;
    Ok(FeedbackConfig::new(parsed.survey, site.time_zone, rate))
}

/// Every check of the module doc; warns (does not fail) for missing extra languages.
pub fn check(surveys: &[SurveyDef], file: &str, site: &SiteConfig) -> Result<(), ConfigError> {
    let invalid = |key: String, expected: &str, found: String| ConfigError::Invalid {
        file: file.into(),
        key,
        expected: expected.into(),
        found,
    };
    let required = [Lang::fi(), Lang::sv(), Lang::en()];
    let extra: Vec<Lang> = site.languages.iter().filter(|l| !required.contains(l)).cloned().collect();
    let services: BTreeSet<&str> = site.services.iter().map(|s| s.id.as_str()).collect();

    let mut ids = BTreeSet::new();
    for s in surveys {
        let at = format!("survey[{}]", s.id);
        if !ids.insert(&s.id) {
            return Err(invalid(format!("{at}.id"), "a survey id used once", format!("{:?} again", s.id.as_str())));
        }
        s.validate().map_err(|e| invalid(at.clone(), "a valid survey", e))?;

        // (key, text) of every text in the survey, for the language checks.
        let mut texts: Vec<(String, &Localized)> =
            vec![(format!("{at}.title"), &s.title), (format!("{at}.thanks"), &s.thanks)];
        for q in s.questions.iter().flat_map(Question::with_follow_ups) {
            let qat = format!("{at}.questions[{}]", q.id);
            texts.push((format!("{qat}.text"), &q.text));
            match &q.kind {
                QuestionKind::Choice { options } => {
                    if options.is_empty() {
                        return Err(invalid(format!("{qat}.kind.options"), "at least one option", "[]".into()));
                    }
                    let mut seen = BTreeSet::new();
                    for o in options {
                        if !seen.insert(o.id.as_str()) {
                            return Err(invalid(
                                format!("{qat}.kind.options"),
                                "option ids used once",
                                format!("{:?} again", o.id),
                            ));
                        }
                        if q.id.as_str() == SERVICE_QUESTION && !services.contains(o.id.as_str()) {
                            return Err(invalid(
                                format!("{qat}.kind.options[{}].id", o.id),
                                &format!(
                                    "a service id of {} ({})",
                                    site.origin,
                                    services.iter().copied().collect::<Vec<_>>().join(", ")
                                ),
                                format!("{:?}", o.id),
                            ));
                        }
                        texts.push((format!("{qat}.kind.options[{}].text", o.id), &o.text));
                    }
                }
                QuestionKind::FreeText { max_len } if *max_len == 0 || usize::from(*max_len) > MAX_TEXT_LEN => {
                    return Err(invalid(
                        format!("{qat}.kind.max_len"),
                        &format!("1 to {MAX_TEXT_LEN} characters"),
                        max_len.to_string(),
                    ));
                }
                _ => {}
            }
            if q.id.as_str() == SERVICE_QUESTION && !matches!(q.kind, QuestionKind::Choice { .. }) {
                return Err(invalid(
                    format!("{qat}.kind.type"),
                    "\"choice\" (the question id \"service\" is the which-service question)",
                    format!("{:?}", kind_name(&q.kind)),
                ));
            }
            if q.id.as_str() == SELF_RELIANCE_QUESTION && !matches!(q.kind, QuestionKind::YesNo { .. }) {
                return Err(invalid(
                    format!("{qat}.kind.type"),
                    "\"yes_no\" (the question id \"self_reliance\" is the self-reliance question)",
                    format!("{:?}", kind_name(&q.kind)),
                ));
            }
        }

        let mut missing_extra: BTreeMap<&Lang, usize> = BTreeMap::new();
        for (key, text) in &texts {
            if let Some(l) = text.missing(&required).first() {
                return Err(invalid(key.clone(), "text in fi, sv and en", format!("no {l} text")));
            }
            for l in text.missing(&extra) {
                *missing_extra.entry(l).or_default() += 1;
            }
        }
        if !missing_extra.is_empty() {
            let summary: Vec<String> = missing_extra.iter().map(|(l, n)| format!("{l}: {n}")).collect();
            tracing::warn!(
                file,
                survey = %s.id,
                missing = %summary.join(", "),
                "texts without some of the site's extra languages; kiosks show English for them"
            );
        }
    }
    Ok(())
}

fn kind_name(k: &QuestionKind) -> &'static str {
    match k {
        QuestionKind::Choice { .. } => "choice",
        QuestionKind::Scale5 { .. } => "scale5",
        QuestionKind::Nps => "nps",
        QuestionKind::Outcome => "outcome",
        QuestionKind::YesNo { .. } => "yes_no",
        QuestionKind::FreeText { .. } => "free_text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteConfig {
        SiteConfig::from_toml(crate::testsite::SITE_TOML, "site.toml").unwrap()
    }

    /// A small valid survey on the test site (services vero, kela, …).
    const OK: &str = r#"
[[survey]]
id = "exit"
title = { fi = "Palaute", sv = "Respons", en = "Feedback" }
thanks = { fi = "Kiitos", sv = "Tack", en = "Thanks" }
[[survey.questions]]
id = "csat"
text = { fi = "Tyytyväisyys", sv = "Nöjdhet", en = "Satisfaction" }
kind = { type = "scale5", style = "smileys", measure = "csat" }
[[survey.questions]]
id = "service"
text = { fi = "Palvelu", sv = "Tjänst", en = "Service" }
kind = { type = "choice", options = [{ id = "vero", text = { fi = "Vero", sv = "Skatt", en = "Tax" } }] }
"#;

    fn err(toml: &str) -> String {
        from_toml(toml, "surveys.toml", &site(), RateLimit::default()).unwrap_err().to_string()
    }

    #[test]
    fn a_valid_file_gives_meanings() {
        let c = from_toml(OK, "surveys.toml", &site(), RateLimit::default()).unwrap();
        let m = c.survey_meanings(&SurveyId::new("exit").unwrap()).unwrap();
        assert_eq!(m[&QuestionId::new("csat").unwrap()], Meaning::Csat);
        assert_eq!(m[&QuestionId::new("service").unwrap()], Meaning::Service);
    }

    #[test]
    fn errors_name_the_file_the_key_and_the_expected_form() {
        let check = |toml: String, parts: &[&str]| {
            let e = err(&toml);
            for p in parts {
                assert!(e.contains(p), "{e:?} should contain {p:?}");
            }
        };
        check(
            OK.replace(r#"id = "vero""#, r#"id = "sauna""#),
            &["surveys.toml", "survey[exit].questions[service].kind.options[sauna].id", "a service id", "kela"],
        );
        check(
            OK.replace(r#"sv = "Nöjdhet", "#, ""),
            &["surveys.toml", "survey[exit].questions[csat].text", "no sv text"],
        );
        check(OK.replace(r#"id = "service""#, r#"id = "csat""#), &["survey[exit]", "appears twice"]);
        check(format!("{OK}{OK}"), &["survey[exit].id", "used once"]);
        check(
            OK.replace("scale5\", style = \"smileys\", measure = \"csat\"", "free_text\", max_len = 0"),
            &["survey[exit].questions[csat].kind.max_len", "1 to 2000"],
        );
        check(
            OK.replace(r#"id = "csat""#, r#"id = "self_reliance""#),
            &["survey[exit].questions[self_reliance].kind.type", "yes_no"],
        );
        check(OK.replace("measure = \"csat\"", "measure = \"joy\""), &["surveys.toml", "line"]);
    }

    #[test]
    fn the_shipped_hub_config_loads_its_surveys_and_limit() {
        let c = crate::config::HubConfig::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/hub.toml")))
            .unwrap();
        assert_eq!(c.feedback.surveys.len(), 2);
        assert_eq!(c.feedback.rate, RateLimit { max_answers: 6, window: Duration::from_secs(60) });
    }

    #[test]
    fn hub_toml_feedback_keys_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.toml"), crate::testsite::SITE_TOML).unwrap();
        let err = |extra: &str| {
            let toml = format!("[hub]\nsite='site.toml'\ndb='a.db'\n{extra}\n");
            crate::config::HubConfig::from_toml(&toml, "hub.toml", dir.path()).unwrap_err().to_string()
        };
        let e = err("feedback_limit = { answers = 0, per_s = 60 }");
        assert!(e.contains("hub.toml: hub.feedback_limit: expected"), "{e}");
        let e = err("surveys = 'nowhere.toml'");
        assert!(e.contains("nowhere.toml") && e.contains("cannot read"), "{e}");
    }

    #[test]
    fn the_shipped_surveys_file_is_valid_for_the_shipped_site() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/");
        let site = SiteConfig::load(Path::new(&format!("{dir}site.toml"))).unwrap();
        let c = load(Path::new(&format!("{dir}surveys.toml")), &site, RateLimit::default()).unwrap();
        let ids: Vec<&str> = c.surveys.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["exit", "selfservice"]);
        let m = c.survey_meanings(&SurveyId::new("selfservice").unwrap()).unwrap();
        assert_eq!(m[&QuestionId::new("self_reliance").unwrap()], Meaning::SelfReliance);
        assert_eq!(m[&QuestionId::new("help_needed").unwrap()], Meaning::Comment);
        // Every text in every language the site offers, so kiosks never fall back to English.
        for s in &c.surveys {
            let mut texts = vec![&s.title, &s.thanks];
            for q in s.questions.iter().flat_map(Question::with_follow_ups) {
                texts.push(&q.text);
                if let QuestionKind::Choice { options } = &q.kind {
                    texts.extend(options.iter().map(|o| &o.text));
                }
            }
            for t in texts {
                assert!(
                    t.missing(&site.languages).is_empty(),
                    "{}: {t:?} lacks {:?}",
                    s.id,
                    t.missing(&site.languages)
                );
            }
        }
    }
}
