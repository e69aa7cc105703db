//! Ticket label files: every bundled language loads and formats; a language is added by
//! adding a file; a broken file is refused with its name and key.

use aula_hardware::labels::{self, LabelsError};
use aula_hardware::{TicketLabels, codepage};

const EN: &str = include_str!("../../lang/en.toml");

#[test]
fn every_bundled_language_loads_and_the_lobby_languages_are_there() {
    let codes: Vec<&str> = labels::bundled_codes().collect();
    for needed in ["en", "fi", "sv", "ru", "uk", "ar", "so"] {
        assert!(codes.contains(&needed), "{needed} missing from {codes:?}");
    }
    for code in codes {
        let l = TicketLabels::load(code, None).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(l.code(), code);
        assert!(l.source().contains(&format!("{code}.toml")));
        assert!(l.people_ahead(3).contains('3') && l.wait(10, 20).contains("10") && l.wait(10, 20).contains("20"));
        assert!(!l.footer(true).is_empty() && l.footer(true) != l.footer(false), "{code}");
    }
}

#[test]
fn texts_are_filled_in() {
    // (language, n, people ahead)
    let cases = [
        ("en", 0, "You are next in line"),
        ("en", 1, "1 person ahead of you"),
        ("en", 3, "3 people ahead of you"),
        ("fi", 1, "1 henkilö ennen sinua"),
        ("fi", 4, "4 henkilöä ennen sinua"),
        ("ru", 1, "Перед вами в очереди: 1"),
        ("ru", 5, "Перед вами в очереди: 5"),
        ("ar", 2, "عدد المنتظرين قبلك: 2"),
        ("so", 3, "Dadka kaa horreeya: 3"),
    ];
    for (code, n, expected) in cases {
        assert_eq!(TicketLabels::load(code, None).unwrap().people_ahead(n), expected, "{code} {n}");
    }
    let en = TicketLabels::load("en", None).unwrap();
    assert_eq!(en.wait(10, 20), "Estimated wait: 10–20 minutes");
    assert_eq!(en.wait(0, 0), "Estimated wait: under 5 minutes");
    assert_eq!(en.booked_at("10:45"), "Your appointment: 10:45");
    assert_eq!(en.issued_at("10:41"), "Taken at 10:41");
    assert_eq!(
        en.needs(Some("svenska"), true, true).unwrap(),
        "Interpreter: svenska · Accessible service · Help with reading"
    );
    assert_eq!(en.needs(None, false, false), None);
}

#[test]
fn the_drawn_languages_need_drawing_and_somali_does_not() {
    // What the ticket decides per field: ru/uk/ar labels are outside PC858 (printed as
    // pixels), Somali and the Nordic languages print as text.
    for code in ["ru", "uk", "ar"] {
        let l = TicketLabels::load(code, None).unwrap();
        assert!(!codepage::can_encode(&l.people_ahead(3)), "{code}");
    }
    for code in ["so", "fi", "sv", "en"] {
        let l = TicketLabels::load(code, None).unwrap();
        for text in [l.people_ahead(3), l.wait(5, 10), l.footer(true).into(), l.needs(Some("x"), true, true).unwrap()] {
            assert!(codepage::can_encode(&text), "{code}: {text}");
        }
    }
}

#[test]
fn adding_a_language_is_adding_a_file() {
    // Northern Sami is not bundled; a site drops se.toml into its labels folder.
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(TicketLabels::load("se", Some(dir.path())), Err(LabelsError::NotFound { .. })));
    let se = EN
        .replace("\"English\"", "\"davvisámegiella\"")
        .replace("{n} people ahead of you", "Du ovdalis jorggus: {n}")
        .replace("people_ahead_one = \"{n} person ahead of you\"\n", "");
    std::fs::write(dir.path().join("se.toml"), se).unwrap();
    let l = TicketLabels::load("se", Some(dir.path())).unwrap();
    assert_eq!(l.people_ahead(1), "Du ovdalis jorggus: 1", "no one-form: the general text");
    assert_eq!(l.endonym(), "davvisámegiella");
    assert!(l.source().ends_with("se.toml"));

    // The folder wins over a bundled file of the same language (a site's correction).
    std::fs::write(dir.path().join("fi.toml"), EN.replace("You are next in line", "Sinun vuorosi on seuraavaksi"))
        .unwrap();
    assert_eq!(TicketLabels::load("fi", Some(dir.path())).unwrap().people_ahead(0), "Sinun vuorosi on seuraavaksi");
    // Languages not in the folder still come bundled.
    assert_eq!(TicketLabels::load("sv", Some(dir.path())).unwrap().people_ahead(0), "Du står näst i tur");
}

#[test]
fn a_broken_file_is_refused_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // (file text, words the error must contain)
        (EN.replace("{low}–{high}", "{low}"), vec!["xx.toml", "wait_range", "{high} is missing"]),
        (EN.replace("Taken at {time}", "Taken at {hour}"), vec!["xx.toml", "issued_at", "unknown placeholder {hour}"]),
        (EN.replace("checked_in = ", "checked_inn = "), vec!["xx.toml", "checked_inn"]),
        (EN.replace("endonym = \"English\"\n", ""), vec!["xx.toml", "endonym"]),
        ("endonym = ".to_owned(), vec!["xx.toml"]),
    ];
    for (text, words) in cases {
        std::fs::write(dir.path().join("xx.toml"), &text).unwrap();
        let e = TicketLabels::load("xx", Some(dir.path())).unwrap_err().to_string();
        for w in words {
            assert!(e.contains(w), "{w:?} not in {e}");
        }
    }
    let e = TicketLabels::load("../../etc/passwd", Some(dir.path())).unwrap_err();
    assert!(matches!(e, LabelsError::BadCode { .. }), "{e}");
    let e = TicketLabels::load("zz", None).unwrap_err().to_string();
    assert!(e.contains("\"zz\"") && e.contains("ar, en"), "names the language and what is bundled: {e}");
}
