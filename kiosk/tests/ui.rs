//! Every customer flow through the real Slint UI (testing backend, software renderer): find
//! elements by accessible label, click them, assert the screen, what the hub received and
//! what the printer printed (decoded from the ESC/POS the file printer wrote).

use std::time::Duration;

use aula_kiosk::flow::{HelpState, Screen};
use aula_kiosk::{Page, Theme};
use aula_protocol::{DeviceEvent, Lane, Lang, PrinterState, Rejection, ReplyResult, RequestKind, TicketNumber};
use chrono::TimeZone;
use i_slint_backend_testing::{AccessibleRole, ElementQuery};
use slint::ComponentHandle;

use crate::common::{Harness, HubMode, number, ticket};

#[test]
fn take_a_number_with_an_interpreter_prints_the_ticket_in_the_chosen_language() {
    let h = Harness::new();
    assert_eq!(h.page(), Page::Start);
    h.click("English");
    h.to_needs("Finnish Tax Administration");
    h.click("An interpreter");
    h.click("Interpreter: Українська");
    h.click("Get my number");

    let sent = h.hub.sent();
    assert_eq!(sent.len(), 1);
    let RequestKind::IssueTicket { service, needs, offline } = &sent[0].1.kind else { panic!("{sent:?}") };
    assert_eq!(service.as_str(), "vero");
    assert_eq!(needs.interpreter, Some(Lang::new("uk").unwrap()));
    assert!(!needs.accessibility && !needs.reading_help && offline.is_none());
    assert_eq!(sent[0].1.lang, Lang::en());

    assert_eq!(h.page(), Page::Ticket);
    assert!(h.has("Your number is V007"));
    h.wait_printed();
    assert!(h.has("Take your ticket from the printer below the screen."));
    let printed = h.printed();
    assert_eq!(printed.len(), 1);
    let p = &printed[0];
    for want in [
        "V007",
        "Lahti Joint Service",
        "Finnish Tax Administration",
        "3 people ahead of you",
        "Estimated wait: 10-25 minutes",
    ] {
        assert!(p.contains(want), "printed ticket lacks {want:?}:\n{p}");
    }
    // The printer's code page has no Cyrillic, so "Interpreter: Українська" is printed as a
    // raster image of the line (it used to come out as question marks).
    assert!(!p.contains('?'), "no question marks for Cyrillic:\n{p}");
    let rasters = h.printed_ops()[0].iter().filter(|op| matches!(op, aula_hardware::decode::Op::Raster { .. })).count();
    assert!(rasters >= 1, "the interpreter line is a raster image");
    h.click("Ready");
    assert_eq!(h.page(), Page::Start);
}

#[test]
fn finnish_ticket_text_comes_from_the_finnish_translation() {
    let h = Harness::new();
    h.to_needs("Verohallinto");
    h.get_ticket();
    h.wait_printed();
    let p = &h.printed()[0];
    assert!(p.contains("3 henkilöä ennen sinua") && p.contains("Arvioitu odotus: 10-25 minuuttia"), "{p}");
    assert!(h.has("Numerosi on V007"));
}

#[test]
fn double_tap_on_get_my_number_sends_one_request() {
    let h = Harness::with(HubMode::Hold, (800, 480));
    h.to_needs("Verohallinto");
    let button = h.find("Hae numero");
    button.mock_single_click(slint::platform::PointerEventButton::Left);
    // The second tap lands on whatever is there now (the "one moment" screen) or the same
    // button if the UI had not redrawn: either way nothing may be sent.
    button.mock_single_click(slint::platform::PointerEventButton::Left);
    h.kiosk.dispatch(aula_kiosk::flow::Input::Tap(aula_kiosk::flow::Tap::GetTicket));
    assert_eq!(h.hub.sent().len(), 1, "one request for one ticket attempt");
    assert_eq!(h.page(), Page::Waiting);
    h.hub.release(ReplyResult::Ticket(ticket("V007", Lane::WalkIn)));
    h.kiosk.pump();
    h.wait_printed();
    assert_eq!(h.printed().len(), 1, "one ticket printed");
    h.click("Valmis");
    assert!(h.hub.events().iter().any(|e| matches!(e, DeviceEvent::TapsRejected { count } if *count >= 1)));
}

#[test]
fn paper_end_shows_the_number_large_with_the_qr_code_and_reports_the_failure() {
    let h = Harness::new();
    h.paper_out();
    h.click("English");
    h.to_needs("Finnish Tax Administration");
    h.click("Get my number");
    h.wait_printed();
    assert_eq!(h.page(), Page::Ticket);
    assert!(h.has("Your number is V007"));
    assert!(h.has("The printer is not working. Remember your number or take a photo of this screen."));
    assert!(h.has("QR code to follow your number"), "the QR code is on screen");
    assert!(h.printed().is_empty());
    let events = h.hub.events();
    assert!(events.contains(&DeviceEvent::Printer { state: PrinterState::PaperOut }), "{events:?}");
    assert!(
        events.iter().any(|e| matches!(e, DeviceEvent::PrintFailed { number: Some(n), .. } if *n == number("V007")))
    );
}

#[test]
fn hub_timeout_gives_an_offline_number_that_is_printed_and_enqueued() {
    let h = Harness::with(HubMode::Silent, (800, 480));
    h.click("English");
    h.to_needs("Finnish Tax Administration");
    h.click("Get my number");
    assert!(h.has("One moment…"));
    h.advance(Duration::from_millis(3100));
    assert_eq!(h.hub.sent().len(), 2);
    assert_eq!(h.hub.sent()[0].0, h.hub.sent()[1].0, "resent with the same id");
    h.advance(Duration::from_millis(3100));
    assert_eq!(h.page(), Page::Ticket);
    assert!(h.has("Your number is V900"));
    assert!(h.has("The queue system is offline for a moment. Your number is valid. Watch the screens."));
    let enq = h.hub.enqueued();
    assert!(matches!(&enq[0].1.kind, RequestKind::IssueTicket { offline: Some(o), .. } if o.number == number("V900")));
    h.wait_printed();
    assert!(h.printed()[0].contains("V900"));
}

#[test]
fn hub_not_connected_gives_an_offline_number_at_once() {
    let h = Harness::with(HubMode::Offline, (800, 480));
    h.to_needs("Kela");
    h.get_ticket();
    assert!(h.has("Numerosi on K900"), "{:?}", h.labels());
}

#[test]
fn each_check_in_rejection_has_its_own_message_and_a_way_forward() {
    let at = |h: u32, m: u32| chrono::Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap();
    // (hub answer, title shown, way forward offered)
    let cases = [
        (Rejection::UnknownBooking, "We did not find this booking", "Try again"),
        (Rejection::BookingCancelled, "This booking has been cancelled", "Take a queue number"),
        (Rejection::TooEarly { booked_at: at(10, 0), opens_at: at(9, 50) }, "You are early", "Take a queue number"),
        (Rejection::TooLate { booked_at: at(7, 0) }, "Your appointment time has passed", "Take a queue number"),
        (Rejection::AlreadyCheckedIn { number: number("A012") }, "You have already checked in", "Ask for help"),
        (Rejection::Internal { message: "db".into() }, "Something went wrong", "Ask for help"),
    ];
    let mut titles = std::collections::HashSet::new();
    for (rejection, title, forward) in cases {
        let h = Harness::with(HubMode::Answer(ReplyResult::Rejected(rejection.clone())), (800, 480));
        h.click("English");
        h.click("I have an appointment");
        assert_eq!(h.page(), Page::Appointment);
        for k in ["K", "7", "P"] {
            h.click(k);
        }
        h.click("Check in");
        let sent = h.hub.sent();
        assert!(matches!(&sent[0].1.kind, RequestKind::CheckIn { code, .. } if code == "K7P"), "{sent:?}");
        assert_eq!(h.page(), Page::Problem);
        assert!(h.has(title), "{rejection:?}: {:?}", h.labels());
        assert!(h.has(forward), "{rejection:?}: way forward {forward:?} missing: {:?}", h.labels());
        assert!(titles.insert(title));
        match rejection {
            Rejection::TooEarly { .. } => {
                assert!(h.has("You can check in from 11:50. Please wait and try again then."))
            }
            Rejection::AlreadyCheckedIn { .. } => assert!(h.has("Your number is A012. Watch the screens.")),
            _ => {}
        }
        if forward == "Take a queue number" {
            h.click(forward);
            assert_eq!(h.page(), Page::Services);
        }
    }
}

#[test]
fn a_barcode_scanner_typing_at_the_start_screen_checks_in() {
    let h = Harness::with(HubMode::Answer(ReplyResult::Ticket(ticket("A004", Lane::Appointment))), (800, 480));
    h.scan("k7p2qx");
    let sent = h.hub.sent();
    assert!(matches!(&sent[0].1.kind, RequestKind::CheckIn { code, .. } if code == "K7P2QX"), "{sent:?}");
    assert_eq!(h.page(), Page::Ticket);
    assert!(h.has("Olet ilmoittautunut"));
    h.wait_printed();
    assert!(h.printed()[0].contains("A004"));
}

#[test]
fn i_need_help_alerts_the_hub_and_says_help_is_coming() {
    let h = Harness::new();
    h.click("Tarvitsen apua");
    assert!(matches!(h.hub.sent()[0].1.kind, RequestKind::Help));
    assert_eq!(h.screen(), Screen::Help(HelpState::Coming));
    assert!(h.has("Apu on tulossa"));

    let h = Harness::with(HubMode::Offline, (800, 480));
    h.click("English");
    h.click("I need help");
    assert!(h.has("Please go to the service advisor's desk"));
}

#[test]
fn closed_and_appointment_only_services_explain_themselves() {
    let h = Harness::new();
    h.click("English");
    h.click("Take a queue number");
    // 10:00 now; legal aid opens at 12:00 local.
    let legal = h.find("Legal aid");
    assert_eq!(legal.accessible_description().unwrap(), "Closed now · opens at 12:00");
    h.click("Legal aid");
    assert!(h.has("This service is closed now") && h.has("It opens today at 12:00."));
    assert!(h.hub.sent().is_empty(), "decided without the hub");
    h.click("Choose another service");
    h.click("Finnish Immigration Service");
    assert!(h.has("This service is by appointment only"));
    h.click("I have an appointment");
    assert_eq!(h.page(), Page::Appointment);
}

#[test]
fn services_show_waiting_and_wait_range_and_absent_services_are_not_offered() {
    let h = Harness::new();
    h.click("English");
    h.click("Take a queue number");
    assert_eq!(
        h.find("Finnish Tax Administration").accessible_description().unwrap(),
        "4 people waiting · about 10–25 min"
    );
    assert_eq!(h.find("Permit services").accessible_description().unwrap(), "9 people waiting · about 20–40 min");
    assert_eq!(
        h.find("Kela (Social Insurance Institution)").accessible_description().unwrap(),
        "No one waiting · under 5 min"
    );
    assert!(h.has("Police"), "authority heading above its service");
    assert!(!h.has("Digital and Population Data Services Agency"), "absent today");
}

#[test]
fn inactivity_returns_to_start_and_clears_everything() {
    let h = Harness::new();
    h.click("English");
    h.click("Larger text");
    h.to_needs("Finnish Tax Administration");
    h.click("Accessible service");
    assert!(h.kiosk.window().global::<Theme>().get_large_text());
    h.advance(Duration::from_secs(46));
    assert_eq!(h.page(), Page::Start);
    assert!(h.has("Tervetuloa"), "back in Finnish");
    assert!(!h.kiosk.window().global::<Theme>().get_large_text());
    assert!(!h.kiosk.flow().needs().any());
}

#[test]
fn every_control_has_a_label_and_a_48px_target_on_every_screen() {
    // One harness per screen, at the smallest supported size.
    type Setup = fn(&Harness);
    let screens: [(&str, Setup); 7] = [
        ("start", |_| {}),
        ("services", |h| h.click("Ota vuoronumero")),
        ("needs", |h| {
            h.to_needs("Verohallinto");
            h.click("Tulkki");
        }),
        ("appointment", |h| h.click("Minulla on ajanvaraus")),
        ("ticket", |h| {
            h.paper_out();
            h.to_needs("Verohallinto");
            h.get_ticket();
            h.wait_printed();
        }),
        ("problem", |h| {
            h.click("Ota vuoronumero");
            h.click("Oikeusapu");
        }),
        ("help", |h| h.click("Tarvitsen apua")),
    ];
    for (name, setup) in screens {
        let h = Harness::new();
        setup(&h);
        let mut checked = 0;
        for role in [AccessibleRole::Button, AccessibleRole::Checkbox] {
            for e in
                ElementQuery::from_root(h.kiosk.window()).match_descendants().match_accessible_role(role).find_all()
            {
                let label = e.accessible_label().unwrap_or_default();
                assert!(!label.trim().is_empty(), "{name}: a {role:?} without a label");
                let size = e.size();
                if size.width == 0.0 {
                    continue; // scrolled out / not laid out
                }
                assert!(size.width >= 48.0 && size.height >= 48.0, "{name}: {label:?} is {size:?}");
                checked += 1;
            }
        }
        assert!(checked >= 3, "{name}: only {checked} controls found");
    }
}

/// WCAG relative luminance contrast ratio.
fn contrast(a: slint::Color, b: slint::Color) -> f64 {
    let lum = |c: slint::Color| {
        let f = |v: u8| {
            let v = v as f64 / 255.0;
            if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * f(c.red()) + 0.7152 * f(c.green()) + 0.0722 * f(c.blue())
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn contrast_of_every_text_pair_is_at_least_4_5_in_both_modes() {
    let h = Harness::new();
    let t = h.kiosk.window().global::<Theme>();
    for hc in [false, true] {
        t.set_high_contrast(hc);
        let pairs = [
            ("text/background", t.get_text(), t.get_background()),
            ("text/surface", t.get_text(), t.get_surface()),
            ("muted/background", t.get_muted(), t.get_background()),
            ("muted/surface", t.get_muted(), t.get_surface()),
            ("on-header/header", t.get_on_header(), t.get_header()),
            ("on-primary/primary", t.get_on_primary(), t.get_primary()),
            ("secondary-text/surface", t.get_secondary_text(), t.get_surface()),
            ("on-help/help", t.get_on_help(), t.get_help()),
            ("on-selected/selected", t.get_on_selected(), t.get_selected()),
            ("notice-text/notice-bg", t.get_notice_text(), t.get_notice_bg()),
            ("closed-text/closed-bg", t.get_closed_text(), t.get_closed_bg()),
        ];
        for (name, fg, bg) in pairs {
            let c = contrast(fg, bg);
            assert!(c >= 4.5, "high-contrast={hc}: {name} is {c:.2}:1");
        }
    }
}

#[test]
fn every_ui_string_is_translated_in_fi_sv_and_en() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/ui");
    let mut src = String::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "slint") {
                src += &std::fs::read_to_string(path).unwrap();
            }
        }
    }
    let ids: Vec<&str> = src.split("@tr(\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    assert!(ids.len() > 50);
    let pot = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/lang/aula-kiosk.pot")).unwrap();
    for id in &ids {
        assert!(
            pot.contains(&format!("msgid \"{id}\"\n")),
            "the template lacks {id:?}: regenerate lang/aula-kiosk.pot"
        );
    }
    for lang in ["fi", "sv", "en"] {
        let po =
            std::fs::read_to_string(format!("{}/lang/{lang}/LC_MESSAGES/aula-kiosk.po", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        for id in &ids {
            let key = format!("msgid \"{id}\"\n");
            let at = po.find(&key).unwrap_or_else(|| panic!("{lang}: {id:?} missing"));
            let rest = &po[at + key.len()..];
            let first = rest.lines().find(|l| l.starts_with("msgstr")).unwrap();
            assert!(!first.ends_with("\"\""), "{lang}: {id:?} untranslated");
        }
    }
}

#[test]
fn a_language_without_a_translation_file_shows_english_but_tells_the_hub_its_language() {
    let h = Harness::new();
    h.click("Українська");
    assert!(h.has("Welcome"), "{:?}", h.labels());
    h.to_needs("Finnish Tax Administration");
    h.click("Get my number");
    assert_eq!(h.hub.sent()[0].1.lang, Lang::new("uk").unwrap());
    let _ = TicketNumber { prefix: "V".into(), seq: 1 };
}
