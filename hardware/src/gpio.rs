//! GPIO inputs (drop-box lid, emptied switch, printer sensors, help button) behind one small
//! trait, [`GpioInputs`], with two backends chosen by config: `rppal` on a Raspberry Pi and
//! `simulated` everywhere else.
//!
//! Both backends feed raw levels to the same worker thread, which runs one pure [`Debouncer`]
//! per input and sends [`InputEvent`]s on a **`tokio::sync::mpsc`** channel with
//! `blocking_send` (the agent consumes them from tokio; the worker is a plain thread, so
//! blocking is allowed there). rppal's own kernel debounce is not used, so contact bounce is
//! filtered by exactly the same code on hardware and in tests.
//!
//! No event is sent for the initial levels: read them with [`GpioInputs::is_active`].

use std::collections::VecDeque;
use std::sync::mpsc::{self as std_mpsc, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokio::sync::mpsc;

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/// What an input means to Aula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputRole {
    /// Drop-box lid switch.
    Lid,
    /// Drop-box "emptied" switch (staff opened the collection door).
    Emptied,
    /// Printer paper near-end sensor wired to GPIO.
    PaperNearEnd,
    /// Printer cover switch wired to GPIO.
    CoverOpen,
    /// "Call staff" button.
    HelpButton,
}

/// Which GPIO implementation to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Real pins through rppal (Raspberry Pi only).
    Rppal,
    /// In-process levels driven by [`SimulatedGpio`].
    Simulated,
}

/// Internal pull resistor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pull {
    Up,
    Down,
    None,
}

/// The level at which an input counts as active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActiveLevel {
    High,
    Low,
}

/// `[gpio]` config section.
///
/// ```toml
/// [gpio]
/// backend = "rppal"            # or "simulated"
/// [[gpio.inputs]]
/// name = "lid"                 # lid | emptied | paper_near_end | cover_open | help_button
/// pin = 17                     # BCM number, 0..=27
/// pull = "up"                  # up | down | none
/// active = "low"               # high | low
/// debounce_ms = 50             # default 50, 1..=1000
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioConfig {
    pub backend: Backend,
    #[serde(default)]
    pub inputs: Vec<InputConfig>,
}

/// One `[[gpio.inputs]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    pub name: InputRole,
    pub pin: u8,
    pub pull: Pull,
    pub active: ActiveLevel,
    #[serde(default = "default_debounce_ms")]
    pub debounce_ms: u64,
}

fn default_debounce_ms() -> u64 {
    50
}

/// Highest BCM GPIO number on the 40-pin header.
pub const MAX_PIN: u8 = 27;

/// A config value serde accepted but Aula cannot use; `key` is the full config path. Shaped
/// like `aula_conf::ConfigError::Invalid` (expected, found), which the device files wrap it in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: expected {expected}, found {found}")]
pub struct GpioConfigError {
    pub key: String,
    pub expected: String,
    pub found: String,
}

/// A validated input, ready to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub role: InputRole,
    pub pin: u8,
    pub pull: Pull,
    pub active_high: bool,
    pub debounce: Duration,
}

impl Input {
    /// Whether a raw pin level means "active".
    pub fn is_active(&self, high: bool) -> bool {
        high == self.active_high
    }
}

/// A checked `[gpio]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidGpioConfig {
    pub backend: Backend,
    pub inputs: Vec<Input>,
}

impl GpioConfig {
    /// Checks pin range, duplicate pins and roles, and debounce range.
    pub fn validate(&self) -> Result<ValidGpioConfig, GpioConfigError> {
        let mut inputs: Vec<Input> = Vec::with_capacity(self.inputs.len());
        for (i, c) in self.inputs.iter().enumerate() {
            let err = |field: &str, expected: String, found: String| GpioConfigError {
                key: format!("gpio.inputs[{i}].{field}"),
                expected,
                found,
            };
            if c.pin > MAX_PIN {
                return Err(err("pin", format!("a header GPIO (BCM 0..={MAX_PIN})"), c.pin.to_string()));
            }
            if !(1..=1000).contains(&c.debounce_ms) {
                return Err(err("debounce_ms", "milliseconds 1..=1000".into(), c.debounce_ms.to_string()));
            }
            if let Some(j) = inputs.iter().position(|o| o.pin == c.pin) {
                return Err(err("pin", "a pin no other input uses".into(), format!("{}, as gpio.inputs[{j}]", c.pin)));
            }
            if let Some(j) = inputs.iter().position(|o| o.role == c.name) {
                return Err(err(
                    "name",
                    "a role no other input has".into(),
                    format!("{:?}, as gpio.inputs[{j}]", c.name),
                ));
            }
            inputs.push(Input {
                role: c.name,
                pin: c.pin,
                pull: c.pull,
                active_high: c.active == ActiveLevel::High,
                debounce: Duration::from_millis(c.debounce_ms),
            });
        }
        Ok(ValidGpioConfig { backend: self.backend, inputs })
    }
}

// ---------------------------------------------------------------------------------------------
// Debouncer (pure)
// ---------------------------------------------------------------------------------------------

/// A debounced level change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The new stable raw level.
    pub high: bool,
    /// When it became stable: the last raw change plus the window.
    pub at: Duration,
}

/// Stable-window debouncer: a new raw level is accepted once it has held for `window` without
/// a change. Chatter shorter than the window yields no edge at all; a real change yields one
/// edge, `window` late. No I/O and no clock: time comes in as arguments (any monotonic
/// `Duration` since an epoch the caller picks).
#[derive(Debug, Clone)]
pub struct Debouncer {
    window: Duration,
    stable: bool,
    /// A raw level different from `stable`, and since when it has held.
    candidate: Option<(bool, Duration)>,
}

impl Debouncer {
    pub fn new(window: Duration, initial_high: bool) -> Self {
        Debouncer { window, stable: initial_high, candidate: None }
    }

    /// The debounced level.
    pub fn stable(&self) -> bool {
        self.stable
    }

    /// When [`Debouncer::poll`] must be called to confirm a pending change, if one is pending.
    pub fn deadline(&self) -> Option<Duration> {
        self.candidate.map(|(_, since)| since + self.window)
    }

    /// Feeds a raw level seen at `at`. Returns the edge of a pending change that was confirmed
    /// before `at` (it held for the full window until this sample).
    pub fn update(&mut self, at: Duration, high: bool) -> Option<Edge> {
        let edge = self.poll(at);
        match self.candidate {
            // Bounced back to the stable level: forget the candidate.
            _ if high == self.stable => self.candidate = None,
            // Same candidate level again (a repeated sample): keep the original start.
            Some((level, _)) if level == high => {}
            _ => self.candidate = Some((high, at)),
        }
        edge
    }

    /// Confirms a pending change if it has held for the window by `now`.
    pub fn poll(&mut self, now: Duration) -> Option<Edge> {
        let (level, since) = self.candidate?;
        let due = since + self.window;
        if now >= due {
            self.stable = level;
            self.candidate = None;
            Some(Edge { high: level, at: due })
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Events and the shared worker
// ---------------------------------------------------------------------------------------------

/// A debounced change of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputEvent {
    pub role: InputRole,
    /// True when the input became active (e.g. lid opened, button pressed).
    pub active: bool,
    /// When the change became stable, monotonic.
    pub at: Instant,
    /// The same moment as wall-clock time, for logs and messages.
    pub at_utc: DateTime<Utc>,
}

/// Read access to the debounced inputs, whatever the backend.
pub trait GpioInputs {
    /// Debounced state of `role`, or `None` if it is not configured.
    fn is_active(&self, role: InputRole) -> Option<bool>;
    /// Every configured input with its debounced state, in config order.
    fn snapshot(&self) -> Vec<(InputRole, bool)>;
}

/// Why GPIO could not start or a simulated input could not be set.
#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    #[error(transparent)]
    Config(#[from] GpioConfigError),
    #[error("GPIO not available on this machine ({0}); set gpio.backend = \"simulated\"")]
    Unavailable(String),
    #[error("GPIO pin {pin} ({role:?}): {reason}")]
    Pin { pin: u8, role: InputRole, reason: String },
    #[error("input {0:?} is not configured in [gpio]")]
    NotConfigured(InputRole),
}

/// A raw level seen (or scheduled, for the simulator) at a moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    index: usize,
    high: bool,
    at: Instant,
}

/// State both the worker and the handles read.
#[derive(Debug)]
struct Shared {
    inputs: Vec<Input>,
    /// Debounced active state per input.
    active: Mutex<Vec<bool>>,
    /// Last applied raw level per input.
    raw: Mutex<Vec<bool>>,
}

impl Shared {
    fn index(&self, role: InputRole) -> Option<usize> {
        self.inputs.iter().position(|i| i.role == role)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl GpioInputs for Shared {
    fn is_active(&self, role: InputRole) -> Option<bool> {
        self.index(role).map(|i| lock(&self.active)[i])
    }
    fn snapshot(&self) -> Vec<(InputRole, bool)> {
        let active = lock(&self.active);
        self.inputs.iter().zip(active.iter()).map(|(i, &a)| (i.role, a)).collect()
    }
}

/// Starts the debounce worker: applies samples at their time, confirms edges at their
/// deadlines, sends events. Ends when every sample sender is gone and nothing is pending, or
/// when the event receiver is dropped.
fn spawn_worker(
    shared: Arc<Shared>,
    initial_raw: Vec<bool>,
    samples: std_mpsc::Receiver<Sample>,
    events: mpsc::Sender<InputEvent>,
) {
    let epoch = Instant::now();
    let mut debouncers: Vec<Debouncer> =
        shared.inputs.iter().zip(&initial_raw).map(|(i, &raw)| Debouncer::new(i.debounce, raw)).collect();
    {
        let mut active = lock(&shared.active);
        for (k, input) in shared.inputs.iter().enumerate() {
            active[k] = input.is_active(initial_raw[k]);
        }
        *lock(&shared.raw) = initial_raw;
    }
    let since = move |t: Instant| t.saturating_duration_since(epoch);

    let spawned = std::thread::Builder::new().name("aula-gpio-debounce".into()).spawn(move || {
        // Samples not yet due, sorted by time (the simulator schedules ahead).
        let mut pending: VecDeque<Sample> = VecDeque::new();
        let mut senders_gone = false;
        loop {
            let next_wake = pending
                .front()
                .map(|s| s.at)
                .into_iter()
                .chain(debouncers.iter().filter_map(|d| d.deadline()).map(|d| epoch + d))
                .min();
            if senders_gone {
                match next_wake {
                    None => break,
                    Some(wake) => std::thread::sleep(wake.saturating_duration_since(Instant::now())),
                }
            } else {
                let got = match next_wake {
                    Some(wake) => samples.recv_timeout(wake.saturating_duration_since(Instant::now())),
                    None => samples.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                match got {
                    Ok(first) => {
                        // Take everything already queued before judging deadlines, so a
                        // scripted burst is never confirmed half-read.
                        for s in std::iter::once(first).chain(samples.try_iter()) {
                            let pos = pending.partition_point(|p| p.at <= s.at);
                            pending.insert(pos, s);
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => senders_gone = true,
                }
            }

            let now = Instant::now();
            let mut edges: Vec<(usize, Edge)> = Vec::new();
            while pending.front().is_some_and(|s| s.at <= now) {
                let s = pending.pop_front().expect("checked non-empty");
                lock(&shared.raw)[s.index] = s.high;
                if let Some(e) = debouncers[s.index].update(since(s.at), s.high) {
                    edges.push((s.index, e));
                }
            }
            for (k, d) in debouncers.iter_mut().enumerate() {
                if let Some(e) = d.poll(since(now)) {
                    edges.push((k, e));
                }
            }
            edges.sort_by_key(|(_, e)| e.at);
            for (k, edge) in edges {
                let input = shared.inputs[k];
                let active = input.is_active(edge.high);
                lock(&shared.active)[k] = active;
                let at = epoch + edge.at;
                let age = chrono::Duration::from_std(Instant::now().saturating_duration_since(at)).unwrap_or_default();
                let event = InputEvent { role: input.role, active, at, at_utc: Utc::now() - age };
                tracing::debug!(role = ?input.role, active, "input changed");
                if events.blocking_send(event).is_err() {
                    tracing::debug!("input event receiver dropped; GPIO worker stops");
                    return;
                }
            }
        }
        tracing::debug!("GPIO worker stops: no more input sources");
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start GPIO worker thread");
    }
}

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

/// One step of a simulated input script: set `role`'s raw level to `high`, `after` the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub after: Duration,
    pub role: InputRole,
    pub high: bool,
}

impl Step {
    pub fn new(after_ms: u64, role: InputRole, high: bool) -> Self {
        Step { after: Duration::from_millis(after_ms), role, high }
    }
}

/// The simulated backend: tests and demos set raw levels; they pass the same [`Debouncer`]
/// as real pins. Initial raw levels are the inactive level of each input.
#[derive(Debug)]
pub struct SimulatedGpio {
    shared: Arc<Shared>,
    tx: std_mpsc::Sender<Sample>,
}

impl SimulatedGpio {
    fn start(inputs: Vec<Input>, events: mpsc::Sender<InputEvent>) -> Self {
        let initial: Vec<bool> = inputs.iter().map(|i| !i.active_high).collect();
        let n = inputs.len();
        let shared = Arc::new(Shared { inputs, active: Mutex::new(vec![false; n]), raw: Mutex::new(vec![false; n]) });
        let (tx, rx) = std_mpsc::channel();
        spawn_worker(shared.clone(), initial, rx, events);
        SimulatedGpio { shared, tx }
    }

    fn send(&self, role: InputRole, high: bool, at: Instant) -> Result<(), GpioError> {
        let index = self.shared.index(role).ok_or(GpioError::NotConfigured(role))?;
        // The worker only stops when our sender is dropped or events are no longer read;
        // in the latter case levels no longer matter.
        let _ = self.tx.send(Sample { index, high, at });
        Ok(())
    }

    /// Sets the raw pin level of `role` now.
    pub fn set_level(&self, role: InputRole, high: bool) -> Result<(), GpioError> {
        self.send(role, high, Instant::now())
    }

    /// Sets `role` active or inactive now, whatever its active level.
    pub fn set_active(&self, role: InputRole, active: bool) -> Result<(), GpioError> {
        let input = self.shared.inputs.iter().find(|i| i.role == role).ok_or(GpioError::NotConfigured(role))?;
        self.set_level(role, active == input.active_high)
    }

    /// Schedules a script of raw levels relative to now and returns at once. The worker applies
    /// each step at its time, and the debouncer sees the exact scripted timestamps, so bounce
    /// filtering does not depend on how busy the machine is.
    pub fn play(&self, script: &[Step]) -> Result<(), GpioError> {
        let start = Instant::now();
        for step in script {
            self.send(step.role, step.high, start + step.after)?;
        }
        Ok(())
    }

    /// The last raw level applied to `role`.
    pub fn raw_level(&self, role: InputRole) -> Option<bool> {
        self.shared.index(role).map(|i| lock(&self.shared.raw)[i])
    }
}

impl GpioInputs for SimulatedGpio {
    fn is_active(&self, role: InputRole) -> Option<bool> {
        self.shared.is_active(role)
    }
    fn snapshot(&self) -> Vec<(InputRole, bool)> {
        self.shared.snapshot()
    }
}

/// The Raspberry Pi backend. Holds the configured pins; dropping it releases them and stops
/// the worker.
pub struct RppalGpio {
    shared: Arc<Shared>,
    _pins: Vec<rppal::gpio::InputPin>,
}

impl std::fmt::Debug for RppalGpio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RppalGpio").field("inputs", &self.shared.inputs).finish()
    }
}

impl RppalGpio {
    fn start(inputs: Vec<Input>, events: mpsc::Sender<InputEvent>) -> Result<Self, GpioError> {
        use rppal::gpio::{Gpio, Trigger};
        let gpio = Gpio::new().map_err(|e| GpioError::Unavailable(e.to_string()))?;
        let (tx, rx) = std_mpsc::channel();
        let mut pins = Vec::with_capacity(inputs.len());
        let mut initial = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            let pin_err = |reason: String| GpioError::Pin { pin: input.pin, role: input.role, reason };
            let pin = gpio.get(input.pin).map_err(|e| pin_err(e.to_string()))?;
            let mut pin = match input.pull {
                Pull::Up => pin.into_input_pullup(),
                Pull::Down => pin.into_input_pulldown(),
                Pull::None => pin.into_input(),
            };
            initial.push(pin.is_high());
            let tx = tx.clone();
            // No kernel debounce (None): our Debouncer filters, identically to the simulator.
            pin.set_async_interrupt(Trigger::Both, None, move |event| {
                let high = event.trigger == Trigger::RisingEdge;
                let _ = tx.send(Sample { index, high, at: Instant::now() });
            })
            .map_err(|e| pin_err(e.to_string()))?;
            pins.push(pin);
        }
        drop(tx);
        let n = inputs.len();
        let shared = Arc::new(Shared { inputs, active: Mutex::new(vec![false; n]), raw: Mutex::new(vec![false; n]) });
        spawn_worker(shared.clone(), initial, rx, events);
        tracing::info!(inputs = n, "GPIO inputs started (rppal)");
        Ok(RppalGpio { shared, _pins: pins })
    }
}

impl GpioInputs for RppalGpio {
    fn is_active(&self, role: InputRole) -> Option<bool> {
        self.shared.is_active(role)
    }
    fn snapshot(&self) -> Vec<(InputRole, bool)> {
        self.shared.snapshot()
    }
}

/// The running GPIO backend chosen by `gpio.backend`.
#[derive(Debug)]
pub enum GpioHandle {
    Rppal(RppalGpio),
    Simulated(SimulatedGpio),
}

impl GpioHandle {
    /// The simulator, to drive inputs in tests and demos; `None` on real hardware.
    pub fn simulated(&self) -> Option<&SimulatedGpio> {
        match self {
            GpioHandle::Simulated(s) => Some(s),
            GpioHandle::Rppal(_) => None,
        }
    }
}

impl GpioInputs for GpioHandle {
    fn is_active(&self, role: InputRole) -> Option<bool> {
        match self {
            GpioHandle::Rppal(g) => g.is_active(role),
            GpioHandle::Simulated(g) => g.is_active(role),
        }
    }
    fn snapshot(&self) -> Vec<(InputRole, bool)> {
        match self {
            GpioHandle::Rppal(g) => g.snapshot(),
            GpioHandle::Simulated(g) => g.snapshot(),
        }
    }
}

/// Validates `cfg` and starts its backend; debounced changes go to `events`.
pub fn start(cfg: &GpioConfig, events: mpsc::Sender<InputEvent>) -> Result<GpioHandle, GpioError> {
    let cfg = cfg.validate()?;
    Ok(match cfg.backend {
        Backend::Rppal => GpioHandle::Rppal(RppalGpio::start(cfg.inputs, events)?),
        Backend::Simulated => GpioHandle::Simulated(SimulatedGpio::start(cfg.inputs, events)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feeds `(t_ms, level)` samples then polls at `poll_ms`; returns all edges.
    fn run(window: u64, initial: bool, samples: &[(u64, bool)], poll_ms: u64) -> Vec<Edge> {
        let mut d = Debouncer::new(ms(window), initial);
        let mut edges: Vec<Edge> = samples.iter().filter_map(|&(t, h)| d.update(ms(t), h)).collect();
        edges.extend(d.poll(ms(poll_ms)));
        edges
    }

    #[test]
    fn chatter_inside_window_gives_exactly_one_edge() {
        // Lid switch closing with 10 ms chatter for 40 ms, then steady high.
        let edges = run(50, false, &[(0, true), (10, false), (20, true), (30, false), (40, true)], 1000);
        assert_eq!(edges, vec![Edge { high: true, at: ms(90) }]);
    }

    #[test]
    fn change_is_not_confirmed_before_window() {
        let mut d = Debouncer::new(ms(50), false);
        assert_eq!(d.update(ms(100), true), None);
        assert_eq!(d.deadline(), Some(ms(150)));
        assert_eq!(d.poll(ms(149)), None);
        assert!(!d.stable());
        assert_eq!(d.poll(ms(150)), Some(Edge { high: true, at: ms(150) }));
        assert!(d.stable());
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn glitch_shorter_than_window_gives_no_edge() {
        assert_eq!(run(50, false, &[(0, true), (5, false)], 1000), vec![]);
    }

    #[test]
    fn repeated_samples_do_not_restart_the_window() {
        // A backend may report the same level twice; the window counts from the first.
        assert_eq!(run(50, false, &[(0, true), (30, true)], 50), vec![Edge { high: true, at: ms(50) }]);
    }

    #[test]
    fn confirmed_change_is_reported_by_next_sample() {
        // Open at 0, nobody polled, close at 200: the open (confirmed at 50) comes out of the
        // update at 200, and the close becomes the new candidate.
        let mut d = Debouncer::new(ms(50), false);
        d.update(ms(0), true);
        assert_eq!(d.update(ms(200), false), Some(Edge { high: true, at: ms(50) }));
        assert_eq!(d.poll(ms(250)), Some(Edge { high: false, at: ms(250) }));
    }

    #[test]
    fn press_and_release_give_two_edges() {
        let edges = run(20, true, &[(0, false), (3, true), (6, false), (100, true), (104, false), (108, true)], 500);
        // Press stable from 6 → confirmed 26 (reported at the 100 ms sample); release from 108.
        assert_eq!(edges, vec![Edge { high: false, at: ms(26) }, Edge { high: true, at: ms(128) }]);
    }
}
