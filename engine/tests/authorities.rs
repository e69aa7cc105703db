//! Authorities: services carry an `authority_id` (default: the service id) so staff can be
//! scoped to an authority; the site answers which services and counters are its.

use aula_engine::{AuthorityId, SiteConfig};

use crate::common::*;

fn auth(s: &str) -> AuthorityId {
    AuthorityId::new(s).unwrap()
}

/// Without `authority_id`, each service is its own authority (the shipped site file: none
/// differ today).
#[test]
fn authority_defaults_to_the_service() {
    let site = example_site();
    assert!(site.services.iter().all(|s| s.authority_id.as_str() == s.id.as_str()));
    let cases = [
        ("poliisi", vec!["poliisi"], vec!["1", "2", "room-d"]),
        ("vero", vec!["vero"], vec!["5", "6", "room-c"]),
        ("migri", vec!["migri"], vec!["room-a"]),
        ("nobody", vec![], vec![]),
    ];
    for (a, services, counters) in cases {
        let got: Vec<String> = site.services_of(&auth(a)).iter().map(ToString::to_string).collect();
        assert_eq!(got, services, "services of {a}");
        let got: Vec<String> = site.counters_of(&auth(a)).iter().map(ToString::to_string).collect();
        assert_eq!(got, counters, "counters of {a}");
    }
}

/// Two services of one authority: both are its services, and a counter serving either is
/// its counter.
#[test]
fn services_sharing_an_authority() {
    let text = SMALL.replacen("prefix = \"K\"", "prefix = \"K\"\nauthority_id = \"sote\"", 1).replacen(
        "prefix = \"D\"",
        "prefix = \"D\"\nauthority_id = \"sote\"",
        1,
    );
    let site = SiteConfig::from_toml(&text, "site.toml").unwrap();
    let services: Vec<String> = site.services_of(&auth("sote")).iter().map(ToString::to_string).collect();
    assert_eq!(services, ["kela", "dvv"]);
    let counters: Vec<String> = site.counters_of(&auth("sote")).iter().map(ToString::to_string).collect();
    assert_eq!(counters, ["2", "3"]);
    assert!(site.services_of(&auth("kela")).is_empty(), "kela is no longer an authority of its own");
}

/// A bad authority id is a config error naming the file, the key and the expected form.
#[test]
fn a_bad_authority_id_names_the_key() {
    let text = SMALL.replacen("prefix = \"K\"", "prefix = \"K\"\nauthority_id = \"Kela!\"", 1);
    let err = SiteConfig::from_toml(&text, "site.toml").unwrap_err().to_string();
    assert_eq!(
        err,
        r#"site.toml: site.services[1].authority_id: expected only lowercase letters a-z, digits, '-' and '_', found "Kela!""#
    );
}
