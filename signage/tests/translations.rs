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
