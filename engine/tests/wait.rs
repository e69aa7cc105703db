//! The wait estimate on scenarios with a known answer.

use aula_engine::wait::{WaitInputs, estimate, expected, service_stats};
use aula_protocol::WaitRange;
use chrono::TimeDelta;

use crate::common::*;

fn inputs(ahead: u32, at_counters: u32, counters: f64, mean: f64) -> WaitInputs {
    WaitInputs { ahead, at_counters, counters, mean_min: mean, sd_min: mean * 0.5 }
}

#[test]
fn scenarios() {
    // Empty queue, a free counter: called right away.
    let r = estimate(&inputs(0, 0, 2.0, 6.0)).unwrap();
    assert_eq!(r.low_min, 0);
    assert!(r.high_min <= 2, "{r:?}");
    // Empty queue, both counters busy (each about half-way): half a service time over two.
    let (w, _) = expected(&inputs(0, 2, 2.0, 6.0));
    assert_eq!(w, 1.5);
    // 10 people ahead, 2 counters busy, 6 min mean: about 30 minutes.
    let r = estimate(&inputs(10, 2, 2.0, 6.0)).unwrap();
    assert!(r.contains(30.0) && r.contains(33.0), "{r:?}");
    assert!(r.low_min >= 20 && r.high_min <= 42, "{r:?}");
    // No counter serves it: no estimate rather than a made-up one.
    assert_eq!(estimate(&inputs(3, 0, 0.0, 6.0)), None);
    // More spread in service times → wider range.
    let narrow = estimate(&WaitInputs { sd_min: 1.0, ..inputs(10, 2, 2.0, 6.0) }).unwrap();
    let wide = estimate(&WaitInputs { sd_min: 6.0, ..inputs(10, 2, 2.0, 6.0) }).unwrap();
    assert!(wide.high_min - wide.low_min > narrow.high_min - narrow.low_min, "{narrow:?} {wide:?}");
}

#[test]
fn history_pulls_the_mean_away_from_the_prior() {
    let h: std::collections::VecDeque<f64> = std::iter::repeat_n(12.0, 30).collect();
    let (m, _) = service_stats(Some(&h), 6.0);
    assert!(m > 11.0 && m < 12.0, "{m}");
    let few: std::collections::VecDeque<f64> = [30.0].into_iter().collect();
    let (m, _) = service_stats(Some(&few), 6.0);
    assert!(m < 13.0, "one long service does not triple the estimate: {m}");
}

#[test]
fn engine_estimate_uses_queue_and_counters() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    // Vero is served by counters 1 and 2 (2 shares kela, which has no queue) with prior 6 min.
    let first = take(&mut e, "vero", t);
    assert_eq!(first.people_ahead, 0);
    assert_eq!(first.wait.unwrap().low_min, 0);
    for _ in 0..9 {
        take(&mut e, "vero", t);
    }
    let eleventh = take(&mut e, "vero", t);
    assert_eq!(eleventh.people_ahead, 10);
    let w = eleventh.wait.unwrap();
    // d = 10 + 0 + 1 − 2 = 9 departures × 6 / 2 = 27 min.
    assert!(w.contains(27.0), "{w:?}");
    // The wall shows the same kind of range for the next customer.
    let view = e.queue_state(t).services.into_iter().find(|s| s.id == svc("vero")).unwrap();
    assert_eq!(view.waiting, 11);
    assert!(view.wait.unwrap().contains(30.0), "{:?}", view.wait);
    // A service nobody serves today shows no estimate; appointments-only shows none either.
    assert_eq!(e.queue_state(t).services.iter().find(|s| s.id == svc("migri")).unwrap().wait, None);
    let _ = (TimeDelta::zero(), WaitRange { low_min: 0, high_min: 0 });
}
