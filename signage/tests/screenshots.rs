//! Reference screenshots of the wall (landscape and portrait) and the counter display, in
//! Finnish and English, drawn by the software renderer from the example site's fixed queue
//! state. They are kept in `docs/signage-*.png` and compared with aula-testkit's one
//! comparison (`screenshot::check`); run with `UPDATE_SCREENSHOTS=1` to accept a deliberate
//! change of the design.

use aula_protocol::CounterId;
use aula_signage::config::{Mode, Orientation};
use aula_signage::fixture;
use aula_signage::wall::{Input, Timing};

use crate::common::{advance_ms, signage};

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
    let actual = aula_testkit::screenshot::image(shot.width(), shot.height(), shot.as_bytes());
    if let Err(e) = aula_testkit::screenshot::check(&format!("signage-{name}.png"), &actual) {
        panic!("{e} (UPDATE_SCREENSHOTS=1 to accept)");
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
