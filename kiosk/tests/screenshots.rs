//! Reference screenshots: each screen in fi and en, rendered by the software renderer,
//! compared with docs/kiosk-<screen>-<lang>-<w>x<h>.png within a tolerance (fonts are
//! embedded, so differences mean the UI changed). `UPDATE_SCREENSHOTS=1` rewrites them.

use crate::common::{Harness, HubMode};
use slint::ComponentHandle;

type Setup = fn(&Harness);

const SIZES: [(u32, u32); 3] = [(800, 480), (1280, 720), (720, 1280)];

fn scenes() -> Vec<(&'static str, bool, Setup)> {
    // (name, at all three sizes?, how to get there)
    vec![
        ("start", true, |_| {}),
        ("services", true, |h| h.click(h.label("Take a queue number", "Ota vuoronumero"))),
        ("ticket", true, |h| {
            h.to_needs(h.label("Finnish Tax Administration", "Verohallinto"));
            h.get_ticket();
            h.wait_printed();
        }),
        ("needs", true, |h| {
            h.to_needs(h.label("Finnish Tax Administration", "Verohallinto"));
            h.click(h.label("An interpreter", "Tulkki"));
            h.click(h.label("Interpreter: Українська", "Tulkki: Українська"));
            h.click(h.label("Help with reading or writing", "Apua lukemiseen tai kirjoittamiseen"));
        }),
        ("appointment", true, |h| {
            h.click(h.label("I have an appointment", "Minulla on ajanvaraus"));
            for k in ["K", "7", "P", "2"] {
                h.click(k);
            }
        }),
        ("print-fallback", true, |h| {
            h.paper_out();
            h.to_needs(h.label("Finnish Tax Administration", "Verohallinto"));
            h.get_ticket();
            h.wait_printed();
        }),
        ("problem", true, |h| {
            h.click(h.label("Take a queue number", "Ota vuoronumero"));
            h.click(h.label("Legal aid", "Oikeusapu"));
        }),
        ("help", true, |h| h.click(h.label("I need help", "Tarvitsen apua"))),
        ("offline-ticket", true, |h| {
            h.hub.set_mode(HubMode::Offline);
            h.to_needs(h.label("Finnish Tax Administration", "Verohallinto"));
            h.get_ticket();
            h.wait_printed();
        }),
        ("start-high-contrast", false, |h| h.click(h.label("High contrast", "Suuri kontrasti"))),
        ("needs-large-text", false, |h| {
            h.click(h.label("Larger text", "Suurempi teksti"));
            h.to_needs(h.label("Finnish Tax Administration", "Verohallinto"));
        }),
    ]
}

impl Harness {
    fn label<'a>(&self, en: &'a str, fi: &'a str) -> &'a str {
        if self.kiosk.flow().lang().as_str() == "en" { en } else { fi }
    }
}

#[test]
fn screens_match_the_reference_screenshots() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, all_sizes, setup) in scenes() {
        for lang in ["fi", "en"] {
            for &(w, hgt) in if all_sizes { &SIZES[..] } else { &SIZES[..1] } {
                let h = Harness::with(HubMode::Tickets, (w, hgt));
                if lang == "en" {
                    h.click("English");
                }
                setup(&h);
                let shot = h.kiosk.window().window().take_snapshot().unwrap();
                let img = aula_testkit::screenshot::image(shot.width(), shot.height(), shot.as_bytes());
                let file = format!("kiosk-{name}-{lang}-{w}x{hgt}.png");
                count += 1;
                if let Err(e) = aula_testkit::screenshot::check(&file, &img) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(count >= 54, "{count} screenshots");
    assert!(failures.is_empty(), "screens changed (UPDATE_SCREENSHOTS=1 to accept):\n{}", failures.join("\n"));
}
