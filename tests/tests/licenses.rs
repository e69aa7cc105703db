//! Every dependency must be usable in a GPL-3.0-or-later program (the design requires it:
//! Slint is free for embedded use only under GPLv3). Protects against a new crate, or a new
//! default feature, pulling in an incompatible license (the original OpenSSL license, SSPL,
//! a proprietary license file). Runs offline against Cargo.lock, in place of `cargo deny`.

use std::process::Command;

/// SPDX ids compatible with GPL-3.0 that our dependency tree uses.
const ALLOWED: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "0BSD",
    "ISC",
    "Zlib",
    "CC0-1.0",
    "Unlicense",
    "BSL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "MPL-2.0",
    "LGPL-2.1-or-later",
    "LGPL-3.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "CDLA-Permissive-2.0",
    "NCSA",
];

/// Whether an SPDX expression allows use under GPL-3.0, evaluated with SPDX precedence
/// (`WITH` > `AND` > `OR`, parentheses). Old-style `MIT/Apache-2.0` counts as `OR`.
fn compatible(expr: &str) -> bool {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ").replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let ok = or_expr(&tokens, &mut pos);
    ok && pos == tokens.len()
}

fn or_expr(t: &[&str], pos: &mut usize) -> bool {
    let mut v = and_expr(t, pos);
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        v |= and_expr(t, pos);
    }
    v
}

fn and_expr(t: &[&str], pos: &mut usize) -> bool {
    let mut v = atom(t, pos);
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        v &= atom(t, pos);
    }
    v
}

fn atom(t: &[&str], pos: &mut usize) -> bool {
    match t.get(*pos) {
        Some(&"(") => {
            *pos += 1;
            let v = or_expr(t, pos);
            if t.get(*pos) == Some(&")") {
                *pos += 1;
            }
            v
        }
        Some(id) => {
            *pos += 1;
            let mut id = id.to_string();
            if t.get(*pos) == Some(&"WITH") {
                id = format!("{id} WITH {}", t.get(*pos + 1).unwrap_or(&""));
                *pos += 2;
            }
            ALLOWED.contains(&id.as_str())
        }
        None => false,
    }
}

#[test]
fn spdx_expressions_are_read_as_intended() {
    assert!(compatible("MIT OR Apache-2.0"));
    assert!(compatible("MIT/Apache-2.0"));
    assert!(compatible("GPL-3.0-only OR LicenseRef-Slint-Royalty-free-2.0"));
    assert!(compatible("Apache-2.0 AND ISC"));
    assert!(!compatible("ISC AND (Apache-2.0 OR ISC) AND OpenSSL"));
    assert!(!compatible("SSPL-1.0"));
    assert!(compatible("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(compatible("Apache-2.0 WITH LLVM-exception OR MIT"));
}

#[test]
fn every_dependency_is_gpl3_compatible() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Only packages that are actually built on Linux: take the resolved graph's nodes.
    let resolved: std::collections::BTreeSet<&str> =
        meta["resolve"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    let mut bad = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        if !resolved.contains(p["id"].as_str().unwrap()) {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        match p["license"].as_str() {
            Some(l) if compatible(l) => {}
            Some(l) => bad.push(format!("{name}: {l}")),
            // A few crates name a license file instead of an SPDX id; list them for review.
            None => bad.push(format!("{name}: no SPDX license (license-file {})", p["license_file"])),
        }
    }
    assert!(bad.is_empty(), "dependencies whose license is not GPL-3.0-compatible or unknown:\n{}", bad.join("\n"));
}
