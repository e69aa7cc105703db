//! Behaviour of the wall without a window: announcing, history, staleness, languages.

use super::*;
use crate::fixture;
use aula_protocol::CallKind;

fn wall(langs: &[&str]) -> (WallState, DateTime<Utc>) {
    let now = fixture::now();
    let langs = langs.iter().map(|l| Lang::new(*l).unwrap()).collect();
    (WallState::new(Timing::default(), langs, chrono_tz::Europe::Helsinki, now), now)
}

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

/// Flash phase sampled every 100 ms over `span`, as a string of `#` (lit) and `.`.
fn flashes(w: &mut WallState, from: DateTime<Utc>, span: i64) -> String {
    (0..span / 100)
        .map(|i| {
            let t = from + ms(i * 100);
            w.tick(t);
            if w.view(t).current.is_some_and(|h| h.lit) { '#' } else { '.' }
        })
        .collect()
}

#[test]
fn a_new_call_flashes_twice_then_moves_to_history() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::State(fixture::state(1)), t0);
    w.apply(Input::Call(fixture::new_call()), t0);
    assert_eq!(flashes(&mut w, t0, 3000), "##########.....##########.....");
    let v = w.view(t0 + ms(9_000));
    assert_eq!(
        v.current.as_ref().unwrap().call,
        CallLine { number: "K031".into(), place: "Counter 3".into(), recall: false }
    );
    assert!(!v.current.unwrap().announcing);
    w.tick(t0 + ms(10_000));
    let v = w.view(t0 + ms(10_000));
    assert!(v.current.is_none());
    assert_eq!(v.history.len(), 6);
    assert_eq!(v.history[0].number, "K031");
    assert_eq!(v.history[1].number, "P112");
}

#[test]
fn calls_arriving_together_each_get_two_flashes() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::Call(fixture::call("K031", "3", "kela", Duration::zero(), CallKind::Call)), t0);
    w.apply(Input::Call(fixture::call("V046", "5", "vero", Duration::zero(), CallKind::Call)), t0 + ms(500));
    assert_eq!(w.view(t0 + ms(600)).current.unwrap().call.number, "K031");
    // K031's flashes end at 2.5 s; then V046 takes over and flashes twice itself.
    w.tick(t0 + ms(2_500));
    let v = w.view(t0 + ms(2_500));
    assert_eq!(v.current.unwrap().call.number, "V046");
    assert_eq!(v.history[0].number, "K031");
    assert_eq!(flashes(&mut w, t0 + ms(2_500), 3000), "##########.....##########.....");
}

#[test]
fn a_recall_announces_again_and_a_duplicate_does_not() {
    let (mut w, t0) = wall(&["en"]);
    let call = fixture::call("K031", "3", "kela", Duration::zero(), CallKind::Call);
    w.apply(Input::Call(call.clone()), t0);
    assert_eq!(w.view(t0).announce_seq, 1);
    w.apply(Input::Call(call.clone()), t0 + ms(3_000));
    assert_eq!(w.view(t0 + ms(3_000)).announce_seq, 1, "redelivery is not a new call");
    let mut recall = call.clone();
    recall.kind = CallKind::Recall;
    recall.called_at = t0 + ms(4_000);
    w.apply(Input::Call(recall.clone()), t0 + ms(4_000));
    let v = w.view(t0 + ms(4_100));
    assert_eq!(v.announce_seq, 2);
    assert!(v.current.as_ref().unwrap().lit && v.current.unwrap().call.recall);
    // Recall after it went to history: back on top, and not listed twice.
    w.tick(t0 + ms(20_000));
    recall.called_at = t0 + ms(20_000);
    w.apply(Input::Call(recall), t0 + ms(20_000));
    let v = w.view(t0 + ms(20_000));
    assert_eq!(v.current.unwrap().call.number, "K031");
    assert!(v.history.iter().all(|c| c.number != "K031"));
}

#[test]
fn an_old_call_goes_straight_to_history() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::Call(fixture::call("K031", "3", "kela", Duration::minutes(5), CallKind::Call)), t0);
    let v = w.view(t0);
    assert!(v.current.is_none());
    assert_eq!(v.history[0].number, "K031");
}

#[test]
fn stale_after_silence_and_recovers() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::State(fixture::state(1)), t0);
    assert!(!w.view(t0 + ms(29_000)).stale);
    assert_eq!(w.next_change(t0 + ms(29_500)), t0 + ms(30_000));
    assert!(w.view(t0 + ms(30_000)).stale);
    // A broker heartbeat alone clears it.
    w.apply(Input::Link, t0 + ms(31_000));
    assert!(!w.view(t0 + ms(31_000)).stale);
    // The hub going offline (its last will) is stale only after the limit.
    w.apply(Input::Hub(HubStatus { online: false, version: "0.1.0".into() }), t0 + ms(32_000));
    w.apply(Input::Link, t0 + ms(60_000));
    assert!(!w.view(t0 + ms(61_000)).stale);
    assert!(w.view(t0 + ms(62_000)).stale);
    w.apply(Input::Hub(HubStatus { online: true, version: "0.1.0".into() }), t0 + ms(63_000));
    assert!(!w.view(t0 + ms(63_000)).stale);
}

#[test]
fn nothing_received_yet_is_stale_after_the_limit() {
    let (w, t0) = wall(&["en"]);
    let v = w.view(t0);
    assert!(v.waiting_for_data && !v.stale);
    assert!(w.view(t0 + ms(30_000)).stale);
}

#[test]
fn static_language_rotates_but_numbers_do_not_change() {
    let (mut w, t0) = wall(&["fi", "sv", "en"]);
    w.apply(Input::State(fixture::state(1)), t0);
    let start = DateTime::from_timestamp(t0.timestamp() / 24 * 24, 0).unwrap();
    let langs: Vec<String> = (0..4).map(|i| w.lang(start + Duration::seconds(8 * i)).to_string()).collect();
    assert_eq!(langs, ["fi", "sv", "en", "fi"]);
    let fi = w.view(start);
    let en = w.view(start + Duration::seconds(16));
    assert_eq!(fi.history[0].place, "Palvelupiste 1");
    assert_eq!(en.history[0].place, "Counter 1");
    let numbers = |v: &WallView| v.history.iter().map(|c| c.number.clone()).collect::<Vec<_>>();
    assert_eq!(numbers(&fi), numbers(&en));
    let waits = |v: &WallView| v.services.iter().map(|s| (s.waiting, s.wait, s.hours.clone())).collect::<Vec<_>>();
    assert_eq!(waits(&fi), waits(&en));
    assert_eq!(w.next_change(start + ms(100)), start + Duration::seconds(8));
}

#[test]
fn services_today_with_hours_and_waits() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::State(fixture::state(1)), t0);
    let v = w.view(t0);
    assert!(v.services.iter().all(|s| s.name != "Finnish Immigration Service"), "not present today");
    let police = &v.services[0];
    assert_eq!((police.hours.as_str(), police.waiting, police.wait), ("8:00–16:00", 9, Some((25, 45))));
    let legal = v.services.iter().find(|s| s.name.starts_with("Legal aid")).unwrap();
    assert_eq!((legal.open_now, legal.opens_at.as_str()), (false, "12:00"));
    assert_eq!((v.time.as_str(), v.date.as_str(), v.weekday), ("10:42", "26.11.2026", 3));
    assert!(v.announcement.starts_with("On Thursdays"));
}

#[test]
fn an_older_state_is_ignored() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::State(fixture::state(5)), t0);
    let mut old = fixture::state(4);
    old.services.clear();
    w.apply(Input::State(old), t0);
    assert!(!w.view(t0).services.is_empty());
}

#[test]
fn counter_display_follows_its_counter() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::State(fixture::state(1)), t0);
    let three = CounterId::new("3").unwrap();
    let v = w.counter_view(&three, t0);
    assert_eq!((v.counter_name.as_str(), v.number.as_str(), v.lit), ("Counter 3", "", false));
    let one = w.counter_view(&CounterId::new("1").unwrap(), t0);
    assert_eq!(one.number, "P112");
    w.apply(Input::Call(fixture::new_call()), t0);
    let v = w.counter_view(&three, t0 + ms(100));
    assert_eq!((v.number.as_str(), v.lit), ("K031", true));
    assert!(!w.counter_view(&three, t0 + ms(1_200)).lit);
    assert!(w.counter_view(&three, t0 + ms(1_600)).lit);
    assert!(!w.counter_view(&three, t0 + ms(2_600)).lit);
}

#[test]
fn idle_wall_wakes_only_for_clock_rotation_and_staleness() {
    let (mut w, t0) = wall(&["en"]);
    w.apply(Input::State(fixture::state(1)), t0);
    // Single language, nothing announcing: next wake-up is the next minute.
    assert_eq!(w.next_change(t0 + ms(1_000)), t0 + Duration::seconds(30));
    assert_eq!(w.next_change(t0 + ms(30_500)), t0 + Duration::seconds(60));
}
