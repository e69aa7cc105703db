//! Site configuration: the example file loads; errors name file, key and expectation.

use aula_engine::SiteConfig;

use crate::common::*;

#[test]
fn example_site_has_ten_services_and_ten_counters() {
    let s = example_site();
    assert_eq!(s.services.len(), 10);
    assert_eq!(s.counters.len(), 10);
    assert_eq!(s.time_zone, chrono_tz::Europe::Helsinki);
    let migri = s.service(&svc("migri")).unwrap();
    assert!(!migri.walk_in);
    assert_eq!(migri.name.get(&aula_protocol::Lang::sv()), "Migrationsverket");
    assert!(s.counters.iter().all(|c| !c.services.is_empty()));
    // Independence Day 2026 and Christmas Eve 2027 close everything.
    for d in ["2026-12-06", "2027-12-24", "2027-03-26"] {
        let d = d.parse().unwrap();
        assert!(s.services.iter().all(|x| !x.hours.open_on(d)), "{d}");
    }
}

/// Replaces `from` with `to` in the small site and returns the error text.
fn error_of(from: &str, to: &str) -> String {
    let text = SMALL.replacen(from, to, 1);
    assert_ne!(text, SMALL, "{from} not found");
    SiteConfig::from_toml(&text, "site.toml").unwrap_err().to_string()
}

#[test]
fn errors_name_file_key_and_expectation() {
    let cases = [
        (
            r#"prefix = "K""#,
            r#"prefix = "k1""#,
            r#"site.toml: site.services[1].prefix: expected 1-3 uppercase letters, found "k1""#,
        ),
        (
            r#"prefix = "K""#,
            r#"prefix = "V""#,
            r#"site.toml: site.services[1].prefix: expected a prefix no other service uses, found "V""#,
        ),
        (
            r#"hours = { tue = ["09:00-15:00"] }"#,
            r#"hours = { tue = ["15:00-09:00"] }"#,
            r#"site.toml: site.services[2].hours.tue[0]: expected a span "HH:MM-HH:MM" with open before close, found "15:00-09:00""#,
        ),
        (
            r#"services = ["migri"]"#,
            r#"services = ["migr"]"#,
            r#"site.toml: site.counters[3].services[0]: expected the id of a service in [[site.services]], found "migr""#,
        ),
        (
            r#"name = { fi = "Kela", sv = "FPA", en = "Kela" }"#,
            r#"name = { fi = "Kela", en = "Kela" }"#,
            "site.toml: site.services[1].name.sv: expected a name in fi, sv, en, found none",
        ),
        (
            r#"id = "test""#,
            "id = \"test\"\ntime_zone = \"Europe/Helsingfors\"",
            r#"site.toml: site.time_zone: expected an IANA time zone such as Europe/Helsinki, found "Europe/Helsingfors""#,
        ),
        (
            "2026-12-24",
            "\"24.12.2026\"",
            r#"site.toml: site.holidays[0].date: expected a date such as 2026-12-06, found "24.12.2026""#,
        ),
    ];
    for (from, to, want) in cases {
        assert_eq!(error_of(from, to), want);
    }
}

#[test]
fn type_errors_and_unknown_keys_name_the_key() {
    let e = error_of("service_time_min = 6", "service_time_min = \"six\"");
    assert!(e.starts_with("site.toml: site.services[0].service_time_min:"), "{e}");
    let e = error_of(r#"prefix = "V""#, "prefx = \"V\"");
    assert!(e.starts_with("site.toml: site.services[0]") && e.contains("prefx"), "{e}");
}
