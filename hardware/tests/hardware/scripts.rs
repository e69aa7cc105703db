//! Tickets in any script: fields the code page cannot hold become raster lines (GS v 0) drawn
//! with the ticket font, Arabic shaped and right to left, and nothing else in the stream moves.

use std::sync::Arc;

use aula_hardware::TicketLabels;
use aula_hardware::decode::{self, Align, Op};
use aula_hardware::script::{Bitmap, DEFAULT_FONT, FontError, ScriptFont, ShapedLine, TextStyle};
use aula_hardware::ticket::{PaperWidth, TicketContent, TicketError, TicketRenderer, render_ticket};

use crate::sample_ticket;

fn font() -> Arc<ScriptFont> {
    aula_hardware::ticket::default_font().expect("DejaVu Sans (fonts-dejavu-core) is installed on dev machines and CI")
}

/// A ticket in `lang` with its fixed texts from the bundled label file.
fn labelled(lang: &str, service: &str) -> TicketContent {
    let l = TicketLabels::load(lang, None).unwrap();
    TicketContent {
        site_name: "Kela Hämeenlinna".into(),
        number: "V007".into(),
        service: service.into(),
        issued_at_text: "22.11.2026 10:41".into(),
        people_ahead_text: l.people_ahead(3),
        wait_text: Some(l.wait(10, 20)),
        needs_text: l.needs(Some(l.endonym()), true, false),
        qr_url: Some("https://aula.example/q/hml/V007?t=8f3a".into()),
        footer: Some(l.footer(true).into()),
    }
}

/// The stream with every `GS v 0` command cut out, and the images it carried.
fn split_rasters(bytes: &[u8]) -> (Vec<u8>, Vec<Bitmap>) {
    let mut rest = Vec::with_capacity(bytes.len());
    let mut images = Vec::new();
    let mut i = 0;
    // Walk the decoded ops' byte lengths would need offsets; GS v 0 is self-delimiting, and
    // no text byte is 0x1D (caller control characters are encoded as '?').
    while i < bytes.len() {
        if bytes[i..].starts_with(&[0x1D, b'v', b'0']) {
            let h = &bytes[i + 3..i + 8];
            let (wb, ht) = (u16::from_le_bytes([h[1], h[2]]), u16::from_le_bytes([h[3], h[4]]));
            let n = usize::from(wb) * usize::from(ht);
            images.push(Bitmap::from_raster(wb, ht, bytes[i + 8..i + 8 + n].to_vec()).unwrap());
            i += 8 + n;
        } else {
            rest.push(bytes[i]);
            i += 1;
        }
    }
    (rest, images)
}

#[test]
fn an_all_latin_fi_ticket_is_byte_identical_to_before_raster_text() {
    // Fixtures written by render_ticket before any-script printing existed (commit 20ce681).
    let t = sample_ticket();
    assert_eq!(render_ticket(&t, PaperWidth::Mm58).unwrap(), include_bytes!("../fixtures/ticket-fi-58mm.bin"));
    assert_eq!(render_ticket(&t, PaperWidth::Mm80).unwrap(), include_bytes!("../fixtures/ticket-fi-80mm.bin"));
    // A configured renderer changes nothing either: the font is only used for drawn fields.
    let r = TicketRenderer::new(font());
    assert_eq!(r.render(&t, PaperWidth::Mm80).unwrap(), include_bytes!("../fixtures/ticket-fi-80mm.bin"));
}

/// Drawn fields are exactly the Cyrillic/Arabic ones: cutting the raster commands out of the
/// stream leaves the bytes of the same ticket with those fields empty (number, time, site
/// name, QR, feeds and cut untouched and in place), and each field has as many images as the
/// layout has lines.
fn check_only_foreign_fields_are_drawn(lang: &str, service: &str) {
    let font = font();
    let r = TicketRenderer::new(font.clone());
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let t = labelled(lang, service);
        let bytes = r.render(&t, paper).unwrap();
        let (without_images, images) = split_rasters(&bytes);
        let emptied = TicketContent {
            service: String::new(),
            people_ahead_text: String::new(),
            wait_text: Some(String::new()),
            needs_text: Some(String::new()),
            footer: Some(String::new()),
            ..t.clone()
        };
        assert_eq!(
            without_images,
            r.render(&emptied, paper).unwrap(),
            "{lang} {paper:?}: only the drawn fields differ"
        );

        let normal = TextStyle::NORMAL;
        let expected_lines: usize = [
            (t.service.as_str(), normal),
            (&t.people_ahead_text, normal),
            (t.wait_text.as_deref().unwrap(), TextStyle::sized(1, true)),
            (t.needs_text.as_deref().unwrap(), normal),
            (t.footer.as_deref().unwrap(), normal),
        ]
        .iter()
        .map(|(text, style)| font.layout(text, *style, paper.dots()).len())
        .sum();
        assert_eq!(images.len(), expected_lines, "{lang} {paper:?}: one image per laid-out line");
        for img in &images {
            assert_eq!(img.width(), paper.dots(), "images span the printable width");
            assert!(img.ink() > 50, "{lang}: every drawn line has ink");
        }

        let ops = decode::decode(&bytes).expect("strict decode");
        let text = decode::ops_text(&ops);
        for latin in ["Kela", "V007", "22.11.2026 10:41"] {
            assert!(text.contains(latin), "{latin} stays text: {text:?}");
        }
        assert!(!text.contains('?'), "no letter became a question mark: {text:?}");
        assert!(
            ops.iter().any(|o| matches!(o, Op::Qr { data, .. } if data == "https://aula.example/q/hml/V007?t=8f3a"))
        );
        assert_eq!(ops.last(), Some(&Op::Cut { partial: false }));
    }
}

#[test]
fn a_russian_ticket_draws_only_its_cyrillic_lines() {
    check_only_foreign_fields_are_drawn("ru", "Kela: обслуживание клиентов");
}

#[test]
fn an_arabic_ticket_draws_only_its_arabic_lines() {
    check_only_foreign_fields_are_drawn("ar", "Kela: خدمة العملاء");
}

#[test]
fn ukrainian_and_somali_tickets_print() {
    // Ukrainian is drawn; Somali is Latin and stays text, byte for byte as PC858.
    let uk = render_ticket(&labelled("uk", "Kela: обслуговування"), PaperWidth::Mm58).unwrap();
    assert!(split_rasters(&uk).1.len() >= 5);
    let so = render_ticket(&labelled("so", "Kela: adeegga macaamiisha"), PaperWidth::Mm58).unwrap();
    assert!(split_rasters(&so).1.is_empty(), "Somali needs no drawing");
    assert!(decode::ops_text(&decode::decode(&so).unwrap()).contains("Dadka kaa horreeya: 3"));
}

/// Dots of `img` in columns `from..from + width`, every row.
fn columns(img: &Bitmap, from: u32, width: u32) -> Vec<bool> {
    (0..img.height()).flat_map(|y| (from..from + width).map(move |x| img.get(x, y))).collect()
}

/// `text` drawn alone, centred on 80 mm paper: its ink columns (first, width) and the image.
fn alone(font: &ScriptFont, text: &str) -> (u32, u32, Bitmap) {
    let line = font.shape_line(text, TextStyle::NORMAL);
    let img = font.rasterize(&line, TextStyle::NORMAL, PaperWidth::Mm80.dots(), Align::Center);
    let (first, last) = img.ink_columns().unwrap();
    (first, last - first + 1, img)
}

#[test]
fn the_decoded_arabic_line_reads_right_to_left() {
    // "Interpreter: suomi" in Arabic: the Arabic label comes first in reading order, so in a
    // right-to-left line it is drawn at the right end and the Latin word at the left end.
    let font = font();
    let ar = TicketLabels::load("ar", None).unwrap();
    let needs = ar.interpreter("suomi");
    assert!(needs.starts_with("مترجم"), "{needs}");
    let t = TicketContent { number: "A1".into(), needs_text: Some(needs.clone()), ..Default::default() };
    let bytes = TicketRenderer::new(font.clone()).render(&t, PaperWidth::Mm80).unwrap();
    let ops = decode::decode(&bytes).unwrap();
    let line = ops
        .iter()
        .find_map(|o| match o {
            Op::Raster { width_bytes, height, data, .. } => Bitmap::from_raster(*width_bytes, *height, data.clone()),
            _ => None,
        })
        .expect("the Arabic line is a raster image");
    let (first, last) = line.ink_columns().unwrap();

    let (l_first, l_width, latin) = alone(&font, "suomi");
    let (a_first, a_width, arabic) = alone(&font, "مترجم:");
    assert_eq!(
        columns(&line, first, l_width),
        columns(&latin, l_first, l_width),
        "the left end of the line is the Latin word, drawn left to right"
    );
    assert_eq!(
        columns(&line, last + 1 - a_width, a_width),
        columns(&arabic, a_first, a_width),
        "the right end of the line is the Arabic label"
    );
    assert!(l_width + a_width < last - first, "the two do not overlap");

    // The decoded paper (what previews show) has exactly these dots: find the line's rows.
    let img = decode::render_ops(&ops, PaperWidth::Mm80).unwrap();
    let m = decode::MARGIN;
    let row_matches = |top: u32| {
        (0..line.height())
            .all(|y| (0..line.width()).all(|x| (img.get_pixel(m + x, top + y).0[0] == 0) == line.get(x, y)))
    };
    assert!((0..img.height() - line.height()).any(row_matches), "the preview shows the drawn line dot for dot");
}

/// The characters of a shaped line in display order, left to right (one per glyph cluster).
fn visual(line: &ShapedLine) -> String {
    let mut out = String::new();
    let mut last = None;
    for g in &line.glyphs {
        if last != Some(g.cluster) {
            out.push(line.text[g.cluster..].chars().next().unwrap());
            last = Some(g.cluster);
        }
    }
    out
}

#[test]
fn numbers_times_and_latin_stay_left_to_right_inside_arabic() {
    let font = font();
    // (logical text, display order left to right)
    let cases = [
        ("موعدك: 10:45", "10:45 :كدعوم"),
        ("رقمك V007", "V007 كمقر"),
        // A range reads right to left as a whole: 10 (first) is on the right.
        ("وقت 10–20", "20–10 تقو"),
        ("Kela: خدمة", "Kela: ةمدخ"),
        ("Перед вами: 3", "Перед вами: 3"),
    ];
    for (text, expected) in cases {
        let line = font.shape_line(text, TextStyle::NORMAL);
        assert_eq!(visual(&line), expected, "{text}");
        assert_eq!(line.rtl, text.starts_with(|c: char| ('\u{600}'..='\u{6FF}').contains(&c)), "{text}");
    }
}

#[test]
fn arabic_is_shaped_with_joining_forms_and_ligatures() {
    let font = font();
    let ids = |text: &str| font.shape_line(text, TextStyle::NORMAL).glyphs.iter().map(|g| g.id).collect::<Vec<_>>();
    // Beh alone, and initial / medial / final in a joined word: four different glyphs.
    let isolated = ids("ب");
    let joined = ids("ببب");
    assert_eq!(isolated.len(), 1);
    assert_eq!(joined.len(), 3);
    let mut forms = vec![isolated[0], joined[0], joined[1], joined[2]];
    forms.sort_unstable();
    forms.dedup();
    assert_eq!(forms.len(), 4, "isolated, final, medial and initial forms differ: {joined:?} vs {isolated:?}");
    // Lam + alef join into one ligature glyph: fewer glyphs than characters.
    let word = "السلام";
    assert!(ids(word).len() < word.chars().count(), "lam-alef ligature in {word}");
    assert!(ids(word).iter().all(|&g| g != 0), "DejaVu Sans has every glyph");
}

#[test]
fn a_long_arabic_field_wraps_within_the_paper_in_reading_order() {
    let font = font();
    let text = "امسح الرمز لتتابع دورك على هاتفك. رقمك صالح حتى نهاية اليوم، تابع الشاشات في صالة الانتظار.";
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let lines = font.layout(text, TextStyle::NORMAL, paper.dots());
        assert!(lines.len() >= 2, "{paper:?}: wraps");
        for l in &lines {
            assert!(l.width <= paper.dots(), "{paper:?}: {:?} is {} dots", l.text, l.width);
            assert!(l.rtl, "every line keeps the paragraph's direction");
        }
        // The first line holds the first words (wrapping is on the logical text).
        let joined: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined.join(" "), text);
    }
    // The site name at double size wraps at half as many dots' worth of glyphs.
    let big = font.layout(text, TextStyle::sized(2, true), PaperWidth::Mm80.dots());
    assert!(big.len() > font.layout(text, TextStyle::NORMAL, PaperWidth::Mm80.dots()).len());
}

#[test]
fn a_missing_or_broken_font_is_an_error_naming_the_file() {
    let e = TicketRenderer::load("/nonexistent/aula/NotoSansArabic.ttf").unwrap_err();
    assert!(matches!(e, FontError::Unreadable { .. }));
    let msg = e.to_string();
    assert!(msg.contains("/nonexistent/aula/NotoSansArabic.ttf") && msg.contains("printer.font"), "{msg}");

    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("font.ttf");
    std::fs::write(&fake, b"this is not a font").unwrap();
    let e = TicketRenderer::load(&fake).unwrap_err();
    assert!(matches!(e, FontError::Invalid { .. }), "{e}");
    assert!(e.to_string().contains(&fake.display().to_string()), "{e}");

    // Through the config: the key has a default, and a wrong path surfaces as that path.
    let cfg: aula_hardware::PrinterConfig =
        toml::from_str("kind = \"file\"\ndir = \"/tmp\"\npaper = \"80mm\"").unwrap();
    assert_eq!(cfg.font, std::path::Path::new(DEFAULT_FONT));
    assert!(TicketRenderer::from_config(&cfg).is_ok());
    let cfg: aula_hardware::PrinterConfig =
        toml::from_str("kind = \"file\"\ndir = \"/tmp\"\npaper = \"80mm\"\nfont = \"/no/such.ttf\"").unwrap();
    assert!(TicketRenderer::from_config(&cfg).unwrap_err().to_string().contains("/no/such.ttf"));

    // A ticket error carries the font error unchanged.
    let e: TicketError =
        FontError::Unreadable { path: "/x.ttf".into(), source: std::io::ErrorKind::NotFound.into() }.into();
    assert!(e.to_string().contains("/x.ttf"));
}

#[test]
fn characters_the_font_lacks_are_drawn_as_boxes_not_question_marks() {
    let font = font();
    let line = font.shape_line("中文 ok", TextStyle::NORMAL);
    assert_eq!(line.missing_chars().collect::<String>(), "中文");
    let img = font.rasterize(&line, TextStyle::NORMAL, 384, Align::Center);
    let question = font.rasterize(&font.shape_line("?? ok", TextStyle::NORMAL), TextStyle::NORMAL, 384, Align::Center);
    assert!(img.ink() > 0);
    assert_ne!(img, question, "a missing glyph is not printed as '?'");
}

#[test]
fn the_renderer_can_move_to_the_printing_thread() {
    fn send_sync<T: Send + Sync + 'static>(_: &T) {}
    send_sync(&TicketRenderer::new(font()));
}
