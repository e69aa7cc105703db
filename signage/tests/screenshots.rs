//! Reference screenshots of the wall (landscape and portrait) and the counter display, in
//! Finnish and English, drawn by the software renderer from the example site's fixed queue
//! state. They are kept in `docs/signage-*.png` and compared with a tolerance; run with
//! `UPDATE_SCREENSHOTS=1` to accept a deliberate change of the design.

use std::path::PathBuf;

use aula_protocol::CounterId;
use aula_signage::config::{Mode, Orientation};
use aula_signage::fixture;
use aula_signage::wall::{Input, Timing};

use crate::common::{advance_ms, signage};

/// Mean absolute difference per channel allowed, as a share of full scale (font rasterising
/// differs a little between FreeType builds; a design change moves far more than 1 %).
const TOLERANCE: f64 = 0.01;

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

/// Renders `mode` at `size` in `lang`, `after_ms` after the fixture's new call, and checks it
/// against `docs/signage-<name>.png`.
fn check(name: &str, mode: Mode, lang: &str, size: (u32, u32), after_ms: u64) {
    let ui = signage(mode, &[lang], fixture::now(), Timing::default(), size);
    ui.handle(Input::State(fixture::state(1)));
    ui.handle(Input::Call(fixture::new_call()));
    let mut left = after_ms;
    while left > 0 {
        let step = left.min(100);
        advance_ms(step);
        left -= step;
    }
    let shot = ui.window().take_snapshot().unwrap();
    let actual = image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec()).unwrap();
    let path = docs().join(format!("signage-{name}.png"));
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() || !path.exists() {
        actual.save(&path).unwrap();
        return;
    }
    let expected = image::open(&path).unwrap().to_rgba8();
    assert_eq!(expected.dimensions(), actual.dimensions(), "{name}: size changed");
    let diff: u64 = expected.as_raw().iter().zip(actual.as_raw()).map(|(a, b)| a.abs_diff(*b) as u64).sum();
    let mean = diff as f64 / expected.as_raw().len() as f64 / 255.0;
    if mean >= TOLERANCE {
        let out = std::env::temp_dir().join(format!("signage-{name}.actual.png"));
        actual.save(&out).unwrap();
        panic!("{name}: differs from {} by {:.2} % (drawn: {})", path.display(), mean * 100.0, out.display());
    }
}

#[test]
fn wall_landscape_fi() {
    check("wall-landscape-fi", Mode::Wall(Orientation::Landscape), "fi", (1920, 1080), 3_000);
}

#[test]
fn wall_landscape_en() {
    check("wall-landscape-en", Mode::Wall(Orientation::Landscape), "en", (1920, 1080), 3_000);
}

#[test]
fn wall_landscape_en_flash() {
    check("wall-landscape-en-flash", Mode::Wall(Orientation::Landscape), "en", (1920, 1080), 400);
}

#[test]
fn wall_portrait_fi() {
    check("wall-portrait-fi", Mode::Wall(Orientation::Portrait), "fi", (1080, 1920), 3_000);
}

#[test]
fn wall_portrait_en() {
    check("wall-portrait-en", Mode::Wall(Orientation::Portrait), "en", (1080, 1920), 3_000);
}

#[test]
fn wall_4k_scales() {
    // Same wall on a 4K panel: everything twice as large, nothing cut off.
    check("wall-landscape-sv-4k", Mode::Wall(Orientation::Landscape), "sv", (3840, 2160), 3_000);
}

#[test]
fn counter_fi() {
    check("counter-fi", Mode::Counter(CounterId::new("3").unwrap()), "fi", (800, 480), 3_000);
}

#[test]
fn counter_en() {
    check("counter-en", Mode::Counter(CounterId::new("3").unwrap()), "en", (800, 480), 3_000);
}
