//! Through the wall's device link (`AgentFeed` on `aula-agent`): a call published on a real
//! Mosquitto appears on the wall, is announced twice, then moves
//! to history; the stale-data notice appears when the broker goes silent and clears by
//! itself when it comes back.

use std::time::Duration;

use aula_protocol::{CallKind, HubStatus, Topic};
use aula_signage::agent_feed::AgentFeed;
use aula_signage::config::{Mode, Orientation};
use aula_signage::wall::Timing;
use aula_signage::{WallAdapter, fixture};
use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};

use crate::common::{Broker, Hub, advance_ms, pump_until, signage};

fn value_of(ui: &aula_signage::ui::SignageUi, label: &str) -> Vec<String> {
    ElementHandle::find_by_accessible_label(ui.wall().unwrap(), label)
        .filter_map(|e| e.accessible_value().map(|v| v.to_string()))
        .collect()
}

const STALE: &str = "Information may be out of date";

#[test]
fn a_call_on_mosquitto_is_announced_twice_then_moves_to_history() {
    let broker = Broker::start();
    let hub = Hub::connect(broker.port);
    hub.publish(Topic::HubStatus, HubStatus { online: true, version: "test".into() });
    hub.publish(Topic::QueueState, fixture::state(1));

    // The wall's clock runs on Slint's mock time from the fixture's moment.
    let ui = signage(Mode::Wall(Orientation::Landscape), &["en"], fixture::now(), Timing::default(), (1920, 1080));
    let (tx, rx) = std::sync::mpsc::channel();
    AgentFeed::new(broker.link(), Duration::from_secs(30)).spawn(move |i| tx.send(i).is_ok());
    let adapter = ui.wall().unwrap().global::<WallAdapter>();
    pump_until(&ui, &rx, 10, || adapter.get_services().row_count() == 8);
    assert_eq!(value_of(&ui, "Previous call")[0], "P112 Counter 1");

    let call = fixture::call("K032", "3", "kela", chrono::Duration::zero(), CallKind::Call);
    hub.publish(Topic::QueueCall, call);
    pump_until(&ui, &rx, 10, || value_of(&ui, "Now calling") == ["K032 Counter 3"]);
    assert!(!value_of(&ui, "Previous call").contains(&"K032 Counter 3".to_string()));

    // Announced twice: sample the flash every 100 ms of mock time and count the flashes; the
    // lit card is drawn in the accent colour.
    let card = ElementHandle::find_by_accessible_label(ui.wall().unwrap(), "Now calling")
        .find(|e| e.accessible_value().is_some_and(|v| !v.is_empty()))
        .unwrap();
    let (pos, size) = (card.absolute_position(), card.size());
    let pixel = |ui: &aula_signage::ui::SignageUi| {
        let shot = ui.window().take_snapshot().unwrap();
        let (x, y) = ((pos.x + 30.0) as usize, (pos.y + size.height / 2.0) as usize);
        shot.as_slice()[y * shot.width() as usize + x]
    };
    let mut pattern = String::new();
    let mut lit_pixels = Vec::new();
    for _ in 0..40 {
        let lit = adapter.get_lit();
        pattern.push(if lit { '#' } else { '.' });
        if pattern.len() % 5 == 3 {
            lit_pixels.push((lit, pixel(&ui)));
        }
        advance_ms(100);
    }
    let flashes = pattern.matches(".#").count() + usize::from(pattern.starts_with('#'));
    assert_eq!(flashes, 2, "flash pattern {pattern}");
    for (lit, px) in lit_pixels {
        // Accent #ffcf3f when lit; the dark surface otherwise.
        assert_eq!(lit, px.r > 200 && px.g > 150 && px.b < 120, "lit={lit} pixel={px:?}");
    }
    assert_eq!(value_of(&ui, "Now calling"), ["K032 Counter 3"], "still emphasised after the flashes");

    // After ~10 s it moves to the top of the history.
    for _ in 0..20 {
        advance_ms(500);
    }
    assert_eq!(value_of(&ui, "Now calling"), [""]);
    assert_eq!(value_of(&ui, "Previous call")[0], "K032 Counter 3");
}

#[test]
fn stale_notice_appears_when_the_broker_goes_silent_and_clears_by_itself() {
    let mut broker = Broker::start();
    let hub = Hub::connect(broker.port);
    hub.publish(Topic::QueueState, fixture::state(1));

    let ui = signage(Mode::Wall(Orientation::Landscape), &["en"], fixture::now(), Timing::default(), (1920, 1080));
    let (tx, rx) = std::sync::mpsc::channel();
    AgentFeed::new(broker.link(), Duration::from_secs(30)).spawn(move |i| tx.send(i).is_ok());
    let adapter = ui.wall().unwrap().global::<WallAdapter>();
    pump_until(&ui, &rx, 10, || adapter.get_services().row_count() == 8);
    let stale_shown = || ElementHandle::find_by_accessible_label(ui.wall().unwrap(), STALE).next().is_some();
    assert!(!stale_shown());

    // The broker dies; the wall keeps showing the data, and after `stale_after` says so.
    broker.mosquitto.kill();
    pump_until(&ui, &rx, 10, || true);
    advance_ms(29_000);
    assert!(!stale_shown());
    advance_ms(1_500);
    assert!(stale_shown() && adapter.get_stale());

    // The broker comes back on the same port: the feed reconnects, the notice goes away.
    broker.mosquitto.restart();
    pump_until(&ui, &rx, 20, || !adapter.get_stale());
    assert!(!stale_shown());
    drop(hub);
}
