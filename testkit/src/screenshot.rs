//! The one reference-screenshot comparison of the UI tests (kiosk and signage): a drawn
//! frame against `docs/<name>.png`, with one tolerance.
//!
//! Why this metric: the share of pixels that differ *visibly* (more than 24 of 255 in some
//! channel) catches a moved button or a changed word, which a mean difference over a
//! 1920×1080 frame would average away, while font rasterising that differs a little between
//! FreeType builds stays far below it.

use std::path::{Path, PathBuf};

/// Largest share of visibly different pixels accepted.
pub const TOLERANCE: f64 = 0.005;

/// `docs/` at the workspace root, where the reference screenshots live.
pub fn docs() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs"))
}

/// Share of pixels that differ by more than 24 in any channel (1.0 when the sizes differ).
pub fn diff(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    if a.dimensions() != b.dimensions() {
        return 1.0;
    }
    let bad = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0.iter().zip(q.0.iter()).any(|(x, y)| x.abs_diff(*y) > 24))
        .count();
    bad as f64 / (f64::from(a.width()) * f64::from(a.height()))
}

/// An RGBA frame (what Slint's `take_snapshot` gives) as an image.
pub fn image(width: u32, height: u32, rgba: &[u8]) -> image::RgbaImage {
    image::RgbaImage::from_raw(width, height, rgba.to_vec()).expect("width × height × 4 bytes")
}

/// Compares `actual` with the reference `docs/<file>`. With `UPDATE_SCREENSHOTS` set, the
/// reference is (re)written instead. On a difference the drawn frame is saved beside the
/// temp dir and the error names both files; a missing reference is an error too (a test
/// that compares with nothing would pass forever).
pub fn check(file: &str, actual: &image::RgbaImage) -> Result<(), String> {
    check_at(&docs().join(file), actual)
}

/// [`check`] against any reference path.
pub fn check_at(reference: &Path, actual: &image::RgbaImage) -> Result<(), String> {
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        actual.save(reference).map_err(|e| format!("{}: {e}", reference.display()))?;
        return Ok(());
    }
    let expected = image::open(reference)
        .map_err(|e| {
            format!(
                "{}: no reference screenshot ({e}); run with UPDATE_SCREENSHOTS=1 to create it",
                reference.display()
            )
        })?
        .to_rgba8();
    let d = diff(actual, &expected);
    if d <= TOLERANCE {
        return Ok(());
    }
    let stem = reference.file_stem().and_then(|s| s.to_str()).unwrap_or("screenshot");
    let drawn = std::env::temp_dir().join(format!("{stem}.actual.png"));
    let _ = actual.save(&drawn);
    Err(if expected.dimensions() != actual.dimensions() {
        format!(
            "{}: size {:?}, drawn {:?} (drawn: {})",
            reference.display(),
            expected.dimensions(),
            actual.dimensions(),
            drawn.display()
        )
    } else {
        format!("{}: {:.2} % of the pixels differ (drawn: {})", reference.display(), d * 100.0, drawn.display())
    })
}
