//! Screenshots of every console view in headless Chromium, desktop (1280 × 900) and phone
//! (390 × 844) width, in Finnish and English, over a lobby with something in it: tickets
//! with needs flags, a counter in service, a parked and a missed number, help requests, a
//! message to the counter, devices with health and an alert, the drop box. Written to
//! `docs/console-*.png` with `UPDATE_SCREENSHOTS=1` (as the kiosk's references are), else to
//! a temporary folder; either way each page must render its heading and a real image.

use std::time::Duration;

use aula_hub::staff::Role;
use aula_protocol::{
    DeviceEvent, DeviceKind, DeviceStatus, Envelope, Health, Lang, Needs, PrinterState, Request, RequestKind,
    ServiceId, Topic,
};
use fantoccini::Locator;

use crate::browser::{Browser, login, until};
use crate::support::*;

const PW: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_view_renders_on_desktop_and_phone_in_finnish_and_english() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let broker_and_box = format!("{}\n[[dropbox]]\nid = \"lobby\"\nemptying = [\"16:15\"]\n", external(broker.port));
    let hub = TestHub::start(hub_config_with(dir.path(), &broker_and_box, "")).await;
    let h = &hub.hub;
    let now = h.now();
    for (user, role) in [
        ("vero1", Role::Counter { authority: "vero".into() }),
        ("advisor", Role::Advisor),
        ("host", Role::Facility),
        ("coord", Role::Coordinator { authority: None }),
        ("admin", Role::Admin),
    ] {
        h.staff.add_account(user, &role, "fi", PW, now).unwrap();
    }
    h.staff.add_token("reception-display", &Role::Advisor, now).unwrap();

    // The lobby: numbers with needs, one called and served, one parked, one missed.
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let needs = [
        Needs::default(),
        Needs { interpreter: Some(Lang::new("uk").unwrap()), ..Needs::default() },
        Needs { accessibility: true, ..Needs::default() },
        Needs { reading_help: true, ..Needs::default() },
    ];
    for (i, service) in ["vero", "vero", "kela", "poliisi", "vero", "vero", "kela"].iter().enumerate() {
        let req = Envelope::new(Request {
            device: kiosk.id.clone(),
            lang: Lang::fi(),
            kind: RequestKind::IssueTicket {
                service: ServiceId::new(*service).unwrap(),
                needs: needs[i % needs.len()].clone(),
                offline: None,
            },
        });
        kiosk.request(&req).await;
    }
    let c1 = aula_protocol::CounterId::new("1").unwrap();
    let vero = [ServiceId::new("vero").unwrap()];
    h.queue.open_counter(&c1, &vero).unwrap();
    let missed = h.queue.call_next(&c1, &vero).unwrap().number;
    h.queue.no_show(&c1).unwrap();
    h.queue.call_next(&c1, &vero).unwrap();
    h.queue.start(&c1).unwrap();
    h.queue.park(&c1).unwrap();
    h.queue.call_next(&c1, &vero).unwrap();
    let first = missed;
    h.messages.send("advisor", &c1, Some(&first), "asiakas palasi, odottaa", now).unwrap();
    for _ in 0..2 {
        let req = Envelope::new(Request { device: kiosk.id.clone(), lang: Lang::fi(), kind: RequestKind::Help });
        kiosk.request(&req).await;
    }
    let first_help = h.help.open().unwrap()[0].id.clone();
    h.help.acknowledge(&first_help, "advisor", now).unwrap();

    // Devices: one healthy with its printer low on paper, one that went offline.
    let t = topics();
    let online = |kind| Envelope::new(DeviceStatus::Online { kind, version: "0.1.0".into(), started_at: now });
    kiosk.publish_raw(&t.topic(&Topic::DeviceStatus(kiosk.id.clone())), online(DeviceKind::Kiosk).encode()).await;
    let health = Health {
        version: "0.1.0".into(),
        uptime_s: 3600,
        disk_free_bytes: Some(2_400_000_000),
        printer: Some(PrinterState::PaperLow),
        ..Health::default()
    };
    kiosk.publish_raw(&t.topic(&Topic::DeviceHealth(kiosk.id.clone())), Envelope::new(health).encode()).await;
    let wall = Device::connect(broker.port, "wall-1").await;
    wall.publish_raw(&t.topic(&Topic::DeviceStatus(wall.id.clone())), online(DeviceKind::Signage).encode()).await;
    wall.publish_raw(&t.topic(&Topic::DeviceStatus(wall.id.clone())), Envelope::new(DeviceStatus::Offline).encode())
        .await;
    let result = DeviceEvent::CommandResult { command: "test_print".into(), ok: true, detail: "printed".into() };
    kiosk.publish_raw(&t.topic(&Topic::DeviceEvent(kiosk.id.clone())), Envelope::new(result).encode()).await;
    hub.wait_for("device messages stored", |s| s.device_messages >= 5).await;
    h.facility.staff_emptied(&aula_protocol::BoxId::new("lobby").unwrap(), Some("info desk".into()), now).unwrap();

    let out = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs")
    } else {
        dir.path().join("shots")
    };
    std::fs::create_dir_all(&out).unwrap();
    let base = format!("http://{}", hub.http);
    // (user, page, file name)
    let pages = [
        (None, "/login", "login"),
        (Some("vero1"), "/counter/1", "counter"),
        (Some("advisor"), "/lobby", "lobby"),
        (Some("host"), "/facility", "facility"),
        (Some("coord"), "/reports", "reports"),
        (Some("admin"), "/admin", "admin"),
        (Some("admin"), "/admin/audit", "audit"),
    ];
    let mut browser = Browser::start();
    let mut shots = 0;
    for lang in ["fi", "en"] {
        for account in h.staff.accounts().unwrap() {
            h.staff.set_lang(account.id, lang).unwrap();
        }
        for (width, height, form) in [(1280u32, 900u32, "desktop"), (390, 844, "phone")] {
            // One window per language and width; signing in as the next user replaces the
            // session cookie.
            let c = browser.window(width, height).await;
            for (user, path, name) in pages {
                if let Some(u) = user {
                    login(&c, &base, u, PW).await;
                    until(&format!("{u} signed in"), Duration::from_secs(10), async || {
                        c.current_url().await.unwrap().path() != "/login"
                    })
                    .await;
                }
                let url = if user.is_none() { format!("{base}{path}?lang={lang}") } else { format!("{base}{path}") };
                c.goto(&url).await.unwrap();
                let h1 = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
                assert!(!h1.is_empty(), "{path} has a heading");
                // The whole page, not only the first screenful.
                let full = c.execute("return document.documentElement.scrollHeight;", vec![]).await.unwrap();
                let full = full.as_u64().unwrap_or(u64::from(height)).max(u64::from(height)) as u32;
                c.set_window_size(width, full).await.unwrap();
                let png = c.screenshot().await.unwrap();
                c.set_window_size(width, height).await.unwrap();
                let img = image::load_from_memory(&png).expect("a PNG");
                assert_eq!(img.width(), width, "{path} at {form}");
                assert!(png.len() > 10_000, "{path}: a real page, not a blank one ({} bytes)", png.len());
                std::fs::write(out.join(format!("console-{name}-{form}-{lang}.png")), &png).unwrap();
                shots += 1;
            }
            c.close().await.unwrap();
        }
    }
    assert_eq!(shots, 28);
    hub.stop().await;
}
