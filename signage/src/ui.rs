//! The thin Slint adapter: owns the window, feeds [`Input`]s to the [`WallState`], copies the
//! resulting view into the `WallAdapter` / `CounterAdapter` globals, and arms one single-shot
//! timer for the next instant the view can change by itself. Nothing is set when nothing
//! changed, so an idle wall neither redraws nor wakes up more than its clock needs.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use aula_protocol::{CounterId, Lang};
use chrono::{DateTime, Utc};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::config::{Mode, Orientation};
use crate::wall::{CallLine, CounterViewModel, Input, ServiceLine, WallState, WallView};
use crate::{CallItem, CounterAdapter, CounterWindow, ServiceItem, WallAdapter, WallWindow};

/// Where "now" comes from: the system clock in production, a hand-moved clock in tests (so
/// it stays in step with Slint's mock time).
pub type Clock = Rc<dyn Fn() -> DateTime<Utc>>;

/// The system clock.
pub fn system_clock() -> Clock {
    Rc::new(Utc::now)
}

enum Screen {
    Wall(WallWindow),
    Counter(CounterWindow, CounterId),
}

enum Shown {
    Wall(WallView),
    Counter(CounterViewModel),
}

struct Inner {
    screen: Screen,
    state: RefCell<WallState>,
    clock: Clock,
    timer: slint::Timer,
    shown: RefCell<Option<Shown>>,
    lang: RefCell<Option<Lang>>,
    announced: Cell<u64>,
    on_announce: RefCell<Option<Box<dyn Fn()>>>,
}

/// The signage screen (wall or counter display) and its state. Cheap to clone.
#[derive(Clone)]
pub struct SignageUi {
    inner: Rc<Inner>,
}

impl SignageUi {
    /// Creates the window for `mode` (not shown yet) and draws the initial view.
    pub fn new(mode: &Mode, state: WallState, clock: Clock) -> Result<Self, slint::PlatformError> {
        let screen = match mode {
            Mode::Wall(o) => {
                let w = WallWindow::new()?;
                w.global::<WallAdapter>().set_portrait(*o == Orientation::Portrait);
                Screen::Wall(w)
            }
            Mode::Counter(id) => Screen::Counter(CounterWindow::new()?, id.clone()),
        };
        let ui = Self {
            inner: Rc::new(Inner {
                screen,
                state: RefCell::new(state),
                clock,
                timer: slint::Timer::default(),
                shown: RefCell::new(None),
                lang: RefCell::new(None),
                announced: Cell::new(0),
                on_announce: RefCell::new(None),
            }),
        };
        ui.refresh();
        Ok(ui)
    }

    pub fn window(&self) -> &slint::Window {
        match &self.inner.screen {
            Screen::Wall(w) => w.window(),
            Screen::Counter(w, _) => w.window(),
        }
    }

    /// The wall component (tests look elements up through it).
    pub fn wall(&self) -> Option<&WallWindow> {
        match &self.inner.screen {
            Screen::Wall(w) => Some(w),
            Screen::Counter(..) => None,
        }
    }

    pub fn counter(&self) -> Option<&CounterWindow> {
        match &self.inner.screen {
            Screen::Counter(w, _) => Some(w),
            Screen::Wall(_) => None,
        }
    }

    pub fn show(&self) -> Result<(), slint::PlatformError> {
        match &self.inner.screen {
            Screen::Wall(w) => w.show(),
            Screen::Counter(w, _) => w.show(),
        }
    }

    /// Called once per new announcement (the optional chime hangs here).
    pub fn on_announce(&self, f: impl Fn() + 'static) {
        *self.inner.on_announce.borrow_mut() = Some(Box::new(f));
    }

    /// Applies an input from the feed and redraws what changed.
    pub fn handle(&self, input: Input) {
        let now = (self.inner.clock)();
        self.inner.state.borrow_mut().apply(input, now);
        self.refresh();
    }

    /// Brings the view up to the clock: copies changes into the adapter and re-arms the timer.
    pub fn refresh(&self) {
        refresh(&self.inner);
    }

    /// A weak handle for the timer and the feed's hop onto the UI thread.
    pub fn downgrade(&self) -> WeakSignageUi {
        WeakSignageUi(Rc::downgrade(&self.inner))
    }
}

/// A [`SignageUi`] that does not keep the window alive.
#[derive(Clone)]
pub struct WeakSignageUi(Weak<Inner>);

impl WeakSignageUi {
    pub fn upgrade(&self) -> Option<SignageUi> {
        self.0.upgrade().map(|inner| SignageUi { inner })
    }
}

fn refresh(inner: &Rc<Inner>) {
    let now = (inner.clock)();
    let mut state = inner.state.borrow_mut();
    state.tick(now);
    let (lang, seq) = match &inner.screen {
        Screen::Wall(w) => {
            let view = state.view(now);
            let mut shown = inner.shown.borrow_mut();
            let old = match shown.as_ref() {
                Some(Shown::Wall(v)) => Some(v),
                _ => None,
            };
            push_wall(&w.global::<WallAdapter>(), old, &view);
            let r = (view.lang.clone(), view.announce_seq);
            *shown = Some(Shown::Wall(view));
            r
        }
        Screen::Counter(w, id) => {
            let view = state.counter_view(id, now);
            let mut shown = inner.shown.borrow_mut();
            if !matches!(shown.as_ref(), Some(Shown::Counter(v)) if *v == view) {
                push_counter(&w.global::<CounterAdapter>(), &view);
            }
            let r = (view.lang.clone(), 0);
            *shown = Some(Shown::Counter(view));
            r
        }
    };
    let next = state.next_change(now);
    drop(state);
    select_language(inner, lang);
    if seq > inner.announced.replace(seq)
        && let Some(f) = inner.on_announce.borrow().as_ref()
    {
        f();
    }
    let wait = (next - now).to_std().unwrap_or_default() + std::time::Duration::from_millis(1);
    let weak = Rc::downgrade(inner);
    inner.timer.start(slint::TimerMode::SingleShot, wait, move || {
        if let Some(inner) = weak.upgrade() {
            refresh(&inner);
        }
    });
}

fn select_language(inner: &Inner, lang: Lang) {
    let mut current = inner.lang.borrow_mut();
    if current.as_ref() == Some(&lang) {
        return;
    }
    // The source strings are English; "en" selects them. A language without a .po file falls
    // back to English for static text (data text still follows `lang`).
    if let Err(e) = slint::select_bundled_translation(lang.as_str()) {
        tracing::debug!(lang = %lang, error = ?e, "no bundled translation; using English");
        let _ = slint::select_bundled_translation("en");
    }
    *current = Some(lang);
}

fn call_item(c: &CallLine) -> CallItem {
    CallItem { number: c.number.as_str().into(), place: c.place.as_str().into(), recall: c.recall }
}

fn service_item(s: &ServiceLine) -> ServiceItem {
    ServiceItem {
        name: s.name.as_str().into(),
        hours: s.hours.as_str().into(),
        open_now: s.open_now,
        walk_in: s.walk_in,
        waiting: s.waiting as i32,
        has_wait: s.wait.is_some(),
        wait_low: s.wait.map_or(0, |w| w.0 as i32),
        wait_high: s.wait.map_or(0, |w| w.1 as i32),
        opens_at: s.opens_at.as_str().into(),
    }
}

/// Sets only what differs from `old`: Slint skips equal scalar properties itself, but a new
/// model always repaints, so lists are compared here.
fn push_wall(a: &WallAdapter, old: Option<&WallView>, v: &WallView) {
    let s = |x: &str| SharedString::from(x);
    a.set_site_name(s(&v.site_name));
    a.set_time(s(&v.time));
    a.set_date(s(&v.date));
    a.set_weekday(v.weekday as i32);
    a.set_stale(v.stale);
    a.set_waiting_for_data(v.waiting_for_data);
    a.set_announcement(s(&v.announcement));
    a.set_has_current(v.current.is_some());
    a.set_lit(v.current.as_ref().is_some_and(|h| h.lit));
    if let Some(h) = &v.current {
        a.set_current(call_item(&h.call));
    }
    if old.is_none_or(|o| o.history != v.history) {
        let items: Vec<CallItem> = v.history.iter().map(call_item).collect();
        a.set_history(ModelRc::new(VecModel::from(items)));
    }
    if old.is_none_or(|o| o.services != v.services) {
        let items: Vec<ServiceItem> = v.services.iter().map(service_item).collect();
        a.set_services(ModelRc::new(VecModel::from(items)));
    }
}

fn push_counter(a: &CounterAdapter, v: &CounterViewModel) {
    a.set_counter_name(v.counter_name.as_str().into());
    a.set_number(v.number.as_str().into());
    a.set_lit(v.lit);
    a.set_stale(v.stale);
    a.set_time(v.time.as_str().into());
}
