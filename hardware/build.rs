//! Bundles the ticket label files: every `lang/<code>.toml` becomes an entry of
//! `labels::BUNDLED` (via `include_str!`), so adding a language to the build is adding a file,
//! with no list in the code to keep in step.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    // A directory here makes Cargo rerun this script when any file in it is added or changed.
    println!("cargo:rerun-if-changed=lang");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("lang");
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let code = path.file_name()?.to_str()?.strip_suffix(".toml")?.to_owned();
            Some((code, path))
        })
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for (code, path) in &files {
        writeln!(out, "    ({code:?}, include_str!({:?})),", path.display().to_string()).expect("write to String");
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("bundled_labels.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
