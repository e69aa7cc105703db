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
        ("broker = \"localhost:1884\"", "broker = \"localhost\"", "agent.broker"),
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
