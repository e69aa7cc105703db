//! The shipped config parses, and a wrong value is reported with the file, the key and the
//! expected form.

use std::path::Path;

use aula_kiosk::config::KioskConfig;

const SHIPPED: &str = include_str!("../../config/kiosk-1.toml");

#[test]
fn the_shipped_config_is_valid() {
    let cfg = KioskConfig::from_toml_str(SHIPPED, Path::new("config/kiosk-1.toml")).unwrap();
    assert_eq!(cfg.device.as_str(), "kiosk-1");
    assert_eq!(cfg.flow.offline_block.first, 900);
    assert_eq!(cfg.flow.inactivity.as_secs(), 45);
    assert!(cfg.languages.len() >= 3);
}

#[test]
fn errors_name_the_file_the_key_and_the_expected_form() {
    let cases = [
        ("offline_block = [900, 999]", "offline_block = [999, 900]", "kiosk.offline_block"),
        ("languages = [\"fi\", \"sv\", \"en\",", "languages = [\"fi\", \"en\",", "kiosk.languages"),
        ("broker = \"mqtt://localhost:1884\"", "broker = \"localhost:1884\"", "agent.broker"),
        ("broker = \"mqtt://localhost:1884\"", "broker = \"mqtts://localhost:0\"", "agent.broker"),
        ("inactivity_s = 45", "inactivity_s = 2", "kiosk.inactivity_s"),
        ("mode = \"checkin\"", "mode = \"signage\"", "kiosk.mode"),
        ("timezone = \"Europe/Helsinki\"", "timezone = \"Mars/Olympus\"", "kiosk.timezone"),
    ];
    for (from, to, key) in cases {
        assert!(SHIPPED.contains(from), "{from}");
        let text = SHIPPED.replace(from, to);
        let err = KioskConfig::from_toml_str(&text, Path::new("config/kiosk-1.toml")).unwrap_err().to_string();
        assert!(err.contains("config/kiosk-1.toml") && err.contains(key) && err.contains("expected"), "{err}");
    }
    let err = KioskConfig::from_toml_str(&SHIPPED.replace("paper = \"80mm\"", "paper = \"A4\""), Path::new("k.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("k.toml") && err.contains("paper"), "{err}");
}

#[test]
fn the_shipped_feedback_and_survey_configs_are_valid() {
    use aula_kiosk::config::Mode;
    use aula_kiosk::survey::SurveyMode;
    let f = KioskConfig::from_toml_str(include_str!("../../config/feedback-1.toml"), Path::new("f.toml")).unwrap();
    assert_eq!(f.mode, Mode::Feedback);
    assert!(f.printer.is_none());
    let s = f.survey.unwrap();
    assert_eq!((s.id.as_str(), s.flow.mode, s.flow.max_per_minute), ("exit", SurveyMode::Feedback, 6));
    let p = KioskConfig::from_toml_str(include_str!("../../config/survey-1.toml"), Path::new("s.toml")).unwrap();
    assert_eq!(p.mode, Mode::Survey);
    let s = p.survey.unwrap();
    assert_eq!(s.flow.mode, SurveyMode::Popup);
    assert_eq!(s.socket.as_deref(), Some(Path::new("/run/aula/survey.sock")));
    assert_eq!((s.active.as_secs(), s.idle.as_secs()), (60, 20));
}

#[test]
fn survey_config_errors_name_the_file_the_key_and_the_allowed_values() {
    let text = include_str!("../../config/feedback-1.toml");
    let cases = [
        ("mode = \"feedback\"", "mode = \"exit-poll\"", "kiosk.mode", "\"checkin\", \"feedback\", \"survey\""),
        ("id = \"exit\"", "id = \"Exit poll\"", "survey.id", "expected"),
        ("max_per_minute = 6", "max_per_minute = 0", "survey.max_per_minute", "1..=60"),
        ("cooldown_s = 6", "cooldown_s = 9999", "survey.cooldown_s", "0..=300 seconds"),
    ];
    for (from, to, key, want) in cases {
        assert!(text.contains(from), "{from}");
        let err = KioskConfig::from_toml_str(&text.replace(from, to), Path::new("config/feedback-1.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("config/feedback-1.toml") && err.contains(key) && err.contains(want), "{err}");
    }
    // Feedback without [survey], check-in without [printer]: both say what is missing.
    let no_survey = &text[..text.find("[survey]").unwrap()];
    let err = KioskConfig::from_toml_str(no_survey, Path::new("f.toml")).unwrap_err().to_string();
    assert!(err.contains(": survey: expected ") && err.contains("[survey] section"), "{err}");
    let checkin = text.replace("mode = \"feedback\"", "mode = \"checkin\"");
    let err = KioskConfig::from_toml_str(&checkin, Path::new("f.toml")).unwrap_err().to_string();
    assert!(err.contains(": printer: expected ") && err.contains("[printer] section"), "{err}");
}

/// The shipped feedback terminal and pop-up configs name surveys that the site's shipped
/// `config/surveys.toml` (the hub's file, read by kiosks as their fallback) really has, and
/// the kiosk's own checks accept that file. Guards against the two drifting apart (they did:
/// "self-service" here, "selfservice" in the hub's file).
#[test]
fn shipped_kiosk_configs_name_surveys_the_sites_survey_file_has() {
    let surveys =
        aula_kiosk::survey::parse_surveys(include_str!("../../config/surveys.toml"), Path::new("config/surveys.toml"))
            .unwrap();
    for (name, text) in [
        ("feedback-1.toml", include_str!("../../config/feedback-1.toml")),
        ("survey-1.toml", include_str!("../../config/survey-1.toml")),
    ] {
        let id = KioskConfig::from_toml_str(text, Path::new(name)).unwrap().survey.unwrap().id;
        assert!(
            surveys.iter().any(|s| s.id == id),
            "{name} names survey {id}, which config/surveys.toml does not have"
        );
    }
}

/// A kiosk file of an older release (its own `broker = "host:port"`, the wall's
/// `broker_host`/`broker_port`, the agent's `[agent.broker]` table or `outbox_path`) is
/// refused with the key that replaces it, in every mode: the kiosk reads the one `[agent]`
/// dialect of every device.
#[test]
fn old_link_keys_are_refused_with_the_new_key() {
    let new = "broker = \"mqtt://localhost:1884\"";
    for (shipped, file) in [(SHIPPED, "kiosk.toml"), (include_str!("../../config/feedback-1.toml"), "feedback.toml")] {
        assert!(shipped.contains(new));
        let cases = [
            ("broker_host = \"localhost\"", "agent.broker_host", "use agent.broker = \"mqtt://host:port\""),
            ("broker_port = 1883", "agent.broker_port", "use agent.broker = \"mqtt://host:port\""),
            ("outbox_path = \"x.sqlite\"", "agent.outbox_path", "use agent.state_dir"),
        ];
        for (old, key, instead) in cases {
            let err = KioskConfig::from_toml_str(&shipped.replace(new, old), Path::new(file)).unwrap_err();
            assert!(matches!(err, aula_conf::ConfigError::Renamed { .. }), "{err}");
            assert!(
                err.to_string().starts_with(&format!("{file}: {key}: this key is no longer read; {instead}")),
                "{err}"
            );
        }
        let table = shipped
            .replace(new, "")
            .replace("[kiosk]\n", "[agent.broker]\nhost = \"localhost\"\nport = 1884\n\n[kiosk]\n");
        let err = KioskConfig::from_toml_str(&table, Path::new(file)).unwrap_err();
        assert_eq!(err.key(), "agent.broker", "{err}");
        assert!(err.to_string().contains("no longer read; use agent.broker = \"mqtt://host:port\""), "{err}");
    }
    let err = KioskConfig::from_toml_str(&SHIPPED.replace(new, "broker_host = \"localhost\""), Path::new("kiosk.toml"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "kiosk.toml: agent.broker_host: this key is no longer read; use agent.broker = \"mqtt://host:port\""
    );
}
