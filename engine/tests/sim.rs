//! The simulated day runs, is deterministic per seed, and reports estimate accuracy.

use aula_engine::replay;
use aula_engine::sim::{SimOptions, simulate, simulate_day};

use crate::common::*;

#[test]
fn a_simulated_day_is_consistent_and_deterministic() {
    let site = example_site();
    let (r, e) = simulate(&site, &SimOptions::new(7, 400)).unwrap();
    assert!(r.tickets > 300, "{r:?}");
    assert!(r.appointments > 10 && r.no_shows > 0, "{r:?}");
    assert!(e.tickets().all(|t| t.state().is_final()));
    assert_eq!(e.state(), &replay(e.read_log().unwrap()));
    let again = simulate_day(&site, 7, 400);
    assert_eq!(again, r);
    eprintln!("{r:#?} inside {:.2} within3 {:.2}", r.share_inside(), r.share_within_3());
}
