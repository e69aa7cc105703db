//! Ticket layout → ESC/POS bytes → decoder: what a printer receives and would print.

use aula_hardware::decode::{self, Op, QrEcLevel};
use aula_hardware::ticket::{PaperWidth, TicketContent, render_ticket};

use crate::{find, sample_ticket};

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;

#[test]
fn stream_has_init_codepage_size_qr_and_cut_in_order() {
    let t = sample_ticket();
    let b = render_ticket(&t, PaperWidth::Mm58).unwrap();
    assert_eq!(&b[..2], &[ESC, b'@'], "starts with ESC @");
    let codepage = find(&b, &[ESC, b't', 19]).expect("ESC t 19 (PC858)");
    // Number at ×6: GS ! 0x55.
    let size = find(&b, &[GS, b'!', 0x55]).expect("GS ! ×6");
    let number = find(&b, b"V007").expect("number text");
    assert!(codepage < number && size < number);
    let model = find(&b, &[GS, b'(', b'k', 4, 0, 0x31, 0x41, 0x32, 0]).expect("QR model 2");
    let module = find(&b, &[GS, b'(', b'k', 3, 0, 0x31, 0x43, 5]).expect("QR module size 5");
    let ec = find(&b, &[GS, b'(', b'k', 3, 0, 0x31, 0x45, 0x31]).expect("QR error correction M");
    let url = t.qr_url.as_deref().unwrap().as_bytes();
    let len = (url.len() + 3) as u8;
    let mut store = vec![GS, b'(', b'k', len, 0, 0x31, 0x50, 0x30];
    store.extend_from_slice(url);
    let store = find(&b, &store).expect("QR store with pL pH and the URL");
    let print = find(&b, &[GS, b'(', b'k', 3, 0, 0x31, 0x51, 0x30]).expect("QR print");
    assert!(model < store && module < store && ec < store && store < print);
    let cut = find(&b, &[GS, b'V', 65, 0]).expect("GS V cut");
    assert_eq!(cut + 4, b.len(), "the cut is the last command");
    assert!(print < cut);
}

#[test]
fn decoding_the_ticket_gives_back_number_and_qr_data() {
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let t = sample_ticket();
        let ops = decode::decode(&render_ticket(&t, paper).unwrap()).expect("strict decode: only known commands");
        let n = aula_hardware::ticket::number_size("V007", paper);
        let at = ops.iter().position(|o| *o == Op::Text("V007".into())).expect("number text");
        let size_before = ops[..at].iter().rev().find_map(|o| match o {
            Op::SetSize { w, h } => Some((*w, *h)),
            _ => None,
        });
        assert_eq!(size_before, Some((n, n)), "number printed at ×{n} on {paper:?}");
        assert!(n >= 4);
        let qr = ops.iter().find_map(|o| match o {
            Op::Qr { data, model, ec, .. } => Some((data.clone(), *model, *ec)),
            _ => None,
        });
        assert_eq!(qr, Some((t.qr_url.clone().unwrap(), 50, QrEcLevel::M)));
        assert_eq!(ops.last(), Some(&Op::Cut { partial: false }));
        assert_eq!(ops.first(), Some(&Op::Init));
    }
}

#[test]
fn nordic_letters_round_trip_through_the_code_page() {
    let t = TicketContent {
        site_name: "Åbo Östra".into(),
        number: "Ä12".into(),
        service: "Ärenden för äldre".into(),
        people_ahead_text: "Före dig i kön: 5 – väntetid kort".into(),
        ..Default::default()
    };
    let text = decode::ops_text(&decode::decode(&render_ticket(&t, PaperWidth::Mm80).unwrap()).unwrap());
    for s in ["Åbo Östra", "Ä12", "Ärenden för äldre", "Före dig i kön: 5 - väntetid kort"] {
        assert!(text.contains(s), "{s:?} not in {text:?}");
    }
}

#[test]
fn control_characters_never_become_commands_in_text_or_raster() {
    // An ESC in caller text must not become a command: in a code-page field it prints '?'
    // followed by '@'; in a drawn (Cyrillic) field it is drawn as '?' inside the image.
    let t = TicketContent {
        number: "A1".into(),
        service: "Palvelu\u{1b}@ x".into(),
        needs_text: Some("Очередь\u{1b}@\u{7}".into()),
        ..Default::default()
    };
    let b = render_ticket(&t, PaperWidth::Mm58).unwrap();
    let ops = decode::decode(&b).expect("strict decode: only commands we emit");
    let text = decode::ops_text(&ops);
    assert!(text.contains("Palvelu?@ x"), "{text:?}");
    assert!(!text.contains("Очередь"), "Cyrillic is never sent as text bytes");
    assert_eq!(ops.iter().filter(|o| matches!(o, Op::Raster { .. })).count(), 1, "the needs line is one raster line");
    assert_eq!(
        ops.iter().filter(|o| matches!(o, Op::Init)).count(),
        1,
        "the ESC @ from caller text did not reach the printer"
    );
}

#[test]
fn absent_optional_fields_leave_no_trace() {
    let t = TicketContent {
        site_name: "Site".into(),
        number: "A1".into(),
        service: "Service".into(),
        issued_at_text: "10:00".into(),
        people_ahead_text: "0 ahead".into(),
        ..Default::default()
    };
    let b = render_ticket(&t, PaperWidth::Mm58).unwrap();
    assert!(find(&b, &[GS, b'(', b'k']).is_none(), "no QR without a URL");
    let ops = decode::decode(&b).unwrap();
    let texts: Vec<_> = ops.iter().filter_map(|o| if let Op::Text(s) = o { Some(s.as_str()) } else { None }).collect();
    assert_eq!(texts, ["Site", "Service", "A1", "10:00", "0 ahead"]);
}

#[test]
fn long_texts_wrap_within_the_paper_width() {
    let t = sample_ticket();
    let ops = decode::decode(&render_ticket(&t, PaperWidth::Mm58).unwrap()).unwrap();
    let mut w = 1usize;
    for op in &ops {
        match op {
            Op::SetSize { w: sw, .. } => w = usize::from(*sw),
            Op::Text(s) => assert!(s.chars().count() * w <= 32, "{s:?} at ×{w} overflows 32 columns"),
            _ => {}
        }
    }
    // The site name (16 columns at ×2) wrapped rather than being cut by the printer.
    assert!(ops.contains(&Op::Text("Kela".into())) || ops.contains(&Op::Text("Kela Hämeenlinna".into())));
}

#[test]
fn rendered_ticket_has_paper_width_and_a_qr_sized_area() {
    let t = sample_ticket();
    let without_qr = TicketContent { qr_url: None, ..t.clone() };
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let img = decode::render_png(&render_ticket(&t, paper).unwrap(), paper).unwrap();
        let plain = decode::render_png(&render_ticket(&without_qr, paper).unwrap(), paper).unwrap();
        assert_eq!(img.width(), paper.dots() + 2 * decode::MARGIN);
        // The QR adds its side (≥ 25 modules × module size) plus one feed line.
        let grown = img.height() - plain.height();
        assert!(grown >= 25 * 5, "QR area only {grown} dots tall on {paper:?}");
        let dark = img.pixels().filter(|p| p.0[0] == 0).count();
        let plain_dark = plain.pixels().filter(|p| p.0[0] == 0).count();
        assert!(dark > plain_dark + 5000, "QR modules are drawn");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the caller puts in a ticket (any Unicode, control characters, ESC sequences),
    /// the stream stays a valid one: strict decoding succeeds, the only ESC/POS commands are
    /// ours (text, or raster lines for what PC858 lacks), and the number comes back.
    #[test]
    fn any_text_renders_to_a_stream_with_only_our_commands(
        site in "\\PC{0,40}",
        number in "[A-Z]{1,2}[0-9]{1,4}",
        service in ".{0,60}",
        needs in proptest::option::of("[\\x00-\\x1f a-zäöåÄÖÅ€中🙂]{0,80}"),
        url in proptest::option::of("https://[a-z]{1,20}/[ -~]{0,60}"),
    ) {
        let t = TicketContent {
            site_name: site,
            number: number.clone(),
            service,
            needs_text: needs,
            qr_url: url.clone(),
            ..Default::default()
        };
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let b = render_ticket(&t, paper).unwrap();
            let ops = decode::decode(&b).unwrap();
            proptest::prop_assert!(ops.contains(&Op::Text(number.clone())));
            let qrs: Vec<_> = ops.iter().filter_map(|o| match o { Op::Qr { data, .. } => Some(data.clone()), _ => None }).collect();
            proptest::prop_assert_eq!(qrs, url.clone().into_iter().collect::<Vec<_>>());
            proptest::prop_assert_eq!(ops.iter().filter(|o| matches!(o, Op::Cut { .. })).count(), 1);
            for op in &ops {
                if let Op::Raster { mode, width_bytes, .. } = op {
                    // Drawn lines span the printable width, so no printer can misplace them.
                    proptest::prop_assert_eq!((*mode, u32::from(*width_bytes) * 8), (0, paper.dots()));
                }
            }
        }
    }
}
