//! GPIO end to end through the simulated backend: levels → debouncer → tokio channel.

use std::time::Duration;

use aula_hardware::gpio::{self, GpioConfig, GpioError, GpioInputs, InputEvent, InputRole, Step};
use tokio::sync::mpsc;
use tokio::time::timeout;

const CFG: &str = r#"
backend = "simulated"
[[inputs]]
name = "lid"
pin = 17
pull = "up"
active = "low"
[[inputs]]
name = "help_button"
pin = 27
pull = "down"
active = "high"
debounce_ms = 20
"#;

fn start() -> (gpio::GpioHandle, mpsc::Receiver<InputEvent>) {
    let cfg: GpioConfig = toml::from_str(CFG).unwrap();
    let (tx, rx) = mpsc::channel(16);
    (gpio::start(&cfg, tx).unwrap(), rx)
}

async fn next(rx: &mut mpsc::Receiver<InputEvent>) -> InputEvent {
    timeout(Duration::from_secs(2), rx.recv()).await.expect("event within 2 s").expect("channel open")
}

async fn assert_quiet(rx: &mut mpsc::Receiver<InputEvent>, ms: u64) {
    if let Ok(Some(e)) = timeout(Duration::from_millis(ms), rx.recv()).await {
        panic!("unexpected event {e:?}");
    }
}

#[tokio::test]
async fn bouncing_lid_gives_one_event_through_the_channel() {
    let (handle, mut rx) = start();
    let sim = handle.simulated().expect("simulated backend");
    assert_eq!(handle.is_active(InputRole::Lid), Some(false), "starts inactive");
    assert_eq!(sim.raw_level(InputRole::Lid), Some(true), "active-low input idles high");

    // Lid opens (pin pulled low) with 10 ms chatter for 40 ms inside the 50 ms window.
    let lid = InputRole::Lid;
    sim.play(&[
        Step::new(0, lid, false),
        Step::new(10, lid, true),
        Step::new(20, lid, false),
        Step::new(30, lid, true),
        Step::new(40, lid, false),
    ])
    .unwrap();
    let e = next(&mut rx).await;
    assert_eq!((e.role, e.active), (InputRole::Lid, true));
    let age = chrono::Utc::now() - e.at_utc;
    assert!(age >= chrono::Duration::zero() && age < chrono::Duration::seconds(2), "wall time {age:?}");
    assert_quiet(&mut rx, 150).await;
    assert_eq!(handle.is_active(lid), Some(true));
    assert_eq!(sim.raw_level(lid), Some(false));

    // Closing cleanly gives the opposite event.
    sim.set_active(lid, false).unwrap();
    let e = next(&mut rx).await;
    assert_eq!((e.role, e.active), (InputRole::Lid, false));
    assert_eq!(handle.snapshot(), vec![(InputRole::Lid, false), (InputRole::HelpButton, false)]);
}

#[tokio::test]
async fn glitch_shorter_than_debounce_is_ignored() {
    let (handle, mut rx) = start();
    let sim = handle.simulated().unwrap();
    // 5 ms spike on the help button (20 ms debounce): noise, not a press.
    sim.play(&[Step::new(0, InputRole::HelpButton, true), Step::new(5, InputRole::HelpButton, false)]).unwrap();
    assert_quiet(&mut rx, 150).await;
    assert_eq!(handle.is_active(InputRole::HelpButton), Some(false));
}

#[tokio::test]
async fn two_presses_give_press_release_pairs_in_order() {
    let (handle, mut rx) = start();
    let sim = handle.simulated().unwrap();
    let b = InputRole::HelpButton;
    sim.play(&[Step::new(0, b, true), Step::new(100, b, false), Step::new(200, b, true), Step::new(300, b, false)])
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(next(&mut rx).await);
    }
    assert_eq!(got.iter().map(|e| e.active).collect::<Vec<_>>(), [true, false, true, false]);
    assert!(got.windows(2).all(|w| w[0].at < w[1].at), "monotonic timestamps");
    // Each edge is stamped when it became stable: 20 ms after its raw change, 100 ms apart.
    let gap = got[1].at - got[0].at;
    assert!(gap >= Duration::from_millis(95) && gap <= Duration::from_millis(105), "{gap:?}");
}

#[tokio::test]
async fn unconfigured_input_is_an_error() {
    let (handle, _rx) = start();
    let e = handle.simulated().unwrap().set_level(InputRole::Emptied, true).unwrap_err();
    assert!(matches!(e, GpioError::NotConfigured(InputRole::Emptied)));
    assert_eq!(handle.is_active(InputRole::Emptied), None);
}

#[test]
#[cfg(not(any(target_arch = "arm", target_arch = "aarch64")))]
fn rppal_backend_off_a_pi_says_how_to_fix_it() {
    let cfg: GpioConfig = toml::from_str(&CFG.replace("simulated", "rppal")).unwrap();
    let (tx, _rx) = mpsc::channel(1);
    let e = gpio::start(&cfg, tx).unwrap_err();
    assert!(matches!(e, GpioError::Unavailable(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("GPIO not available on this machine (") && msg.contains("gpio.backend = \"simulated\""),
        "{msg}"
    );
}

/// Every input role, as a drop box with a kiosk printer's sensor lines would wire them.
const ALL: &str = r#"
backend = "simulated"
[[inputs]]
name = "lid"
pin = 17
pull = "up"
active = "low"
debounce_ms = 30
[[inputs]]
name = "emptied"
pin = 27
pull = "up"
active = "low"
debounce_ms = 30
[[inputs]]
name = "help_button"
pin = 5
pull = "down"
active = "high"
debounce_ms = 20
[[inputs]]
name = "paper_near_end"
pin = 6
pull = "up"
active = "low"
debounce_ms = 30
[[inputs]]
name = "cover_open"
pin = 22
pull = "up"
active = "low"
debounce_ms = 30
"#;

/// Plays `script` (raw levels, ms after start) on the all-roles config and returns every
/// event until the inputs have been quiet for 150 ms after the script's end.
async fn events_of(script: &[(u64, InputRole, bool)]) -> Vec<(InputRole, bool)> {
    let cfg: GpioConfig = toml::from_str(ALL).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let handle = gpio::start(&cfg, tx).unwrap();
    let steps: Vec<Step> = script.iter().map(|&(t, role, high)| Step::new(t, role, high)).collect();
    handle.simulated().unwrap().play(&steps).unwrap();
    let end = script.iter().map(|s| s.0).max().unwrap_or(0);
    // Listen until the script is over (plus a debounce window) and then 150 ms of quiet.
    let settle = tokio::time::Instant::now() + Duration::from_millis(end + 100);
    let mut got = Vec::new();
    loop {
        let until = settle.max(tokio::time::Instant::now() + Duration::from_millis(150));
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Some(e)) => got.push((e.role, e.active)),
            _ => break,
        }
    }
    got
}

/// Guards: simulated sequences give exactly the expected debounced events. Levels are raw
/// (`false` = pulled low = active for the active-low switches); each case names the
/// situation it stands for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_sequences_give_exactly_the_expected_events() {
    use InputRole::*;
    let (lo, hi) = (false, true);
    type Case = (&'static str, Vec<(u64, InputRole, bool)>, Vec<(InputRole, bool)>);
    let cases: Vec<Case> = vec![
        (
            "lid opens and closes, both edges bouncing for 20 ms inside the 30 ms window",
            vec![
                (0, Lid, lo),
                (5, Lid, hi),
                (10, Lid, lo),
                (20, Lid, hi),
                (22, Lid, lo),
                (200, Lid, hi),
                (205, Lid, lo),
                (215, Lid, hi),
            ],
            vec![(Lid, true), (Lid, false)],
        ),
        (
            "a long open (1.2 s, chatter in the middle from a knock on the box) is one open, one close",
            vec![(0, Lid, lo), (600, Lid, hi), (608, Lid, lo), (1200, Lid, hi)],
            vec![(Lid, true), (Lid, false)],
        ),
        (
            "staff press the emptied switch twice, each press bouncing",
            vec![
                (0, Emptied, lo),
                (4, Emptied, hi),
                (8, Emptied, lo),
                (150, Emptied, hi),
                (300, Emptied, lo),
                (303, Emptied, hi),
                (306, Emptied, lo),
                (450, Emptied, hi),
            ],
            vec![(Emptied, true), (Emptied, false), (Emptied, true), (Emptied, false)],
        ),
        (
            "help button: a 10 ms brush is noise, a 100 ms press counts once",
            vec![(0, HelpButton, hi), (10, HelpButton, lo), (100, HelpButton, hi), (200, HelpButton, lo)],
            vec![(HelpButton, true), (HelpButton, false)],
        ),
        (
            "cover opened while paper runs low; the lines are independent",
            vec![(0, PaperNearEnd, lo), (100, CoverOpen, lo), (250, CoverOpen, hi)],
            vec![(PaperNearEnd, true), (CoverOpen, true), (CoverOpen, false)],
        ),
    ];
    // Each case has its own simulator and worker thread: run them side by side.
    let runs: Vec<_> = cases
        .into_iter()
        .map(|(what, script, expected)| tokio::spawn(async move { (what, events_of(&script).await, expected) }))
        .collect();
    for run in runs {
        let (what, got, expected) = run.await.unwrap();
        assert_eq!(got, expected, "{what}");
    }
}
