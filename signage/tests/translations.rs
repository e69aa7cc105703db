//! Every `@tr` string of the UI has a translation in every bundled language, so a new string
//! cannot silently show up in English on a Finnish wall.

use std::path::Path;

fn tr_strings(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            tr_strings(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("@tr(\"").skip(1) {
                out.push(part[..part.find('"').unwrap()].to_owned());
            }
        }
    }
}

#[test]
fn every_ui_string_is_translated_in_every_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut strings = Vec::new();
    tr_strings(&root.join("ui"), &mut strings);
    assert!(strings.len() > 10);
    let mut langs = 0;
    for entry in std::fs::read_dir(root.join("lang")).unwrap() {
        let lang = entry.unwrap().path();
        let po = std::fs::read_to_string(lang.join("LC_MESSAGES/aula-signage.po")).unwrap();
        langs += 1;
        for s in &strings {
            let key = format!("msgid \"{s}\"\nmsgstr \"");
            let at = po.find(&key).unwrap_or_else(|| panic!("{}: no msgid {s:?}", lang.display()));
            assert!(!po[at + key.len()..].starts_with('"'), "{}: empty translation of {s:?}", lang.display());
        }
    }
    assert!(langs >= 2, "fi and sv at least");
}

/// On a running wall the static text changes language every `rotate_s`, through the bundled
/// translations; the numbers stay exactly as they were.
#[test]
fn static_text_rotates_on_the_wall_and_numbers_stay() {
    use aula_signage::config::{Mode, Orientation};
    use aula_signage::fixture;
    use aula_signage::wall::{Input, Timing};
    use i_slint_backend_testing::ElementHandle;

    // Start on a rotation boundary where `fi` is shown (index 0 of [fi, en] every 8 s).
    let now = fixture::now();
    let start = chrono::DateTime::from_timestamp(now.timestamp() / 16 * 16, 0).unwrap();
    let ui = crate::common::signage(
        Mode::Wall(Orientation::Landscape),
        &["fi", "en"],
        start,
        Timing::default(),
        (1920, 1080),
    );
    ui.handle(Input::State(fixture::state(1)));
    let wall = ui.wall().unwrap();
    let shown = |label: &str| ElementHandle::find_by_accessible_label(wall, label).next().is_some();
    let numbers = || -> Vec<String> {
        ElementHandle::find_by_accessible_label(wall, "Edellinen kutsu")
            .chain(ElementHandle::find_by_accessible_label(wall, "Previous call"))
            .filter_map(|e| e.accessible_value())
            .map(|v| v.split(' ').next().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(shown("Palvelut tänään") && !shown("Services today"));
    let fi_numbers = numbers();
    crate::common::advance_ms(8_100);
    assert!(shown("Services today") && !shown("Palvelut tänään"));
    assert_eq!(numbers(), fi_numbers);
    assert_eq!(fi_numbers.len(), 6);
}
