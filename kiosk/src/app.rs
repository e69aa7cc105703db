//! The controller: owns the [`Flow`], the window, the hub client and the printer, turns UI
//! callbacks into [`Input`]s, performs the flow's [`Effect`]s and draws the flow's state into
//! the `KioskAdapter` global. This is the only module that knows both Slint and the flow.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aula_hardware::ticket::{PaperWidth, TicketContent};
use aula_protocol::{Lang, Localized, Rejection, Request, ServiceView};
use chrono::{DateTime, Utc};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::flow::{Effect, Flow, FlowConfig, HelpState, Input, PrintStatus, Problem, Purpose, Screen, Tap, TicketView};
use crate::hub::{HubClient, Inbox};
use crate::printing::{PrintJob, Printer};
use crate::{
    KioskAdapter, KioskWindow, LanguageItem, Page, PrintState, ProblemKind, ServiceItem, Texts, Theme, TicketInfo,
};

/// Time as the controller sees it; tests move it by hand.
pub trait Clock {
    fn now(&self) -> (Instant, DateTime<Utc>);
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> (Instant, DateTime<Utc>) {
        (Instant::now(), Utc::now())
    }
}

/// A clock that only moves when told to (tests).
#[derive(Clone)]
pub struct ManualClock(Rc<RefCell<(Instant, DateTime<Utc>)>>);
impl ManualClock {
    pub fn new(wall: DateTime<Utc>) -> Self {
        Self(Rc::new(RefCell::new((Instant::now(), wall))))
    }
    pub fn advance(&self, d: Duration) {
        let mut t = self.0.borrow_mut();
        t.0 += d;
        t.1 += chrono::Duration::from_std(d).unwrap_or_default();
    }
}
impl Clock for ManualClock {
    fn now(&self) -> (Instant, DateTime<Utc>) {
        *self.0.borrow()
    }
}

/// Site facts the controller needs to draw and print.
#[derive(Debug, Clone)]
pub struct SiteInfo {
    pub site_name: Localized,
    pub languages: Vec<Lang>,
    pub interpreter_languages: Vec<Lang>,
    pub timezone: chrono_tz::Tz,
    pub paper: PaperWidth,
    /// Where offline counters are saved (None: not persisted, tests).
    pub state_dir: Option<PathBuf>,
}

/// The language's own name, so a customer finds their language without reading Finnish.
pub fn endonym(lang: &Lang) -> String {
    match lang.as_str() {
        "fi" => "Suomi",
        "sv" => "Svenska",
        "en" => "English",
        "ru" => "Русский",
        "uk" => "Українська",
        "ar" => "العربية",
        "so" => "Soomaali",
        "et" => "Eesti",
        "fa" => "فارسی",
        "ku" => "Kurdî",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "tr" => "Türkçe",
        "pl" => "Polski",
        "vi" => "Tiếng Việt",
        "se" => "Davvisámegiella",
        "sgn" => "Viittomakieli",
        other => return other.to_uppercase(),
    }
    .to_owned()
}

pub struct Kiosk {
    window: KioskWindow,
    flow: RefCell<Flow>,
    hub: Box<dyn HubClient>,
    printer: Printer,
    rx: mpsc::Receiver<Input>,
    clock: Box<dyn Clock>,
    site: SiteInfo,
    /// The language whose translation is active in Slint (may differ from the customer's
    /// choice when no translation file exists for it: then English).
    ui_lang: RefCell<String>,
}

impl Kiosk {
    /// Wires everything and connects the adapter's callbacks. `inbox`/`rx` must be the pair
    /// the hub client and printer deliver into.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        window: KioskWindow,
        flow_cfg: FlowConfig,
        site: SiteInfo,
        hub: Box<dyn HubClient>,
        printer: Printer,
        rx: mpsc::Receiver<Input>,
        clock: Box<dyn Clock>,
    ) -> Rc<Self> {
        let (now, wall) = clock.now();
        let mut flow = Flow::new(flow_cfg, now);
        if let Some((day, next)) = site.state_dir.as_ref().and_then(|d| load_offline(d)) {
            flow.restore_offline(day, next);
        }
        let _ = wall;
        let kiosk = Rc::new(Self {
            window,
            flow: RefCell::new(flow),
            hub,
            printer,
            rx,
            clock,
            site,
            ui_lang: RefCell::new(String::new()),
        });
        kiosk.connect();
        let lang = kiosk.flow.borrow().lang().clone();
        kiosk.select_language(&lang);
        kiosk.render();
        kiosk
    }

    pub fn window(&self) -> &KioskWindow {
        &self.window
    }
    pub fn flow(&self) -> std::cell::Ref<'_, Flow> {
        self.flow.borrow()
    }

    /// Creates the inbox pair the hub client and printer deliver into.
    pub fn inbox(waker: std::sync::Arc<dyn Fn() + Send + Sync>) -> (Inbox, mpsc::Receiver<Input>) {
        Inbox::new(waker)
    }

    fn connect(self: &Rc<Self>) {
        let a = self.window.global::<KioskAdapter>();
        let w: Weak<Self> = Rc::downgrade(self);
        let tap = move |t: Tap| {
            let w = w.clone();
            move || {
                if let Some(k) = w.upgrade() {
                    k.dispatch(Input::Tap(t.clone()));
                }
            }
        };
        let w: Weak<Self> = Rc::downgrade(self);
        let tap_with = move |f: fn(SharedString) -> Option<Tap>| {
            let w = w.clone();
            move |s: SharedString| {
                if let (Some(k), Some(t)) = (w.upgrade(), f(s)) {
                    k.dispatch(Input::Tap(t));
                }
            }
        };
        a.on_choose_language(tap_with(|s| Lang::new(s.as_str()).ok().map(Tap::Language)));
        a.on_take_number(tap(Tap::TakeNumber));
        a.on_appointment(tap(Tap::Appointment));
        a.on_help(tap(Tap::Help));
        a.on_choose_service(tap_with(|s| aula_protocol::ServiceId::new(s.as_str()).ok().map(Tap::Service)));
        a.on_toggle_interpreter(tap(Tap::ToggleInterpreter));
        a.on_choose_interpreter(tap_with(|s| Lang::new(s.as_str()).ok().map(|l| Tap::Interpreter(Some(l)))));
        a.on_toggle_accessibility(tap(Tap::ToggleAccessibility));
        a.on_toggle_reading_help(tap(Tap::ToggleReadingHelp));
        a.on_get_ticket(tap(Tap::GetTicket));
        a.on_key(tap_with(|s| {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphanumeric() => Some(Tap::CodeChar(c)),
                _ => None,
            }
        }));
        a.on_backspace(tap(Tap::Backspace));
        a.on_submit_code(tap(Tap::SubmitCode));
        a.on_take_number_instead(tap(Tap::TakeNumberInstead));
        a.on_back(tap(Tap::Back));
        a.on_home(tap(Tap::Home));
        a.on_toggle_large_text(tap(Tap::ToggleLargeText));
        a.on_toggle_high_contrast(tap(Tap::ToggleHighContrast));
    }

    /// Feeds one input to the flow, performs its effects and redraws.
    pub fn dispatch(&self, input: Input) {
        let (now, wall) = self.clock.now();
        let effects = self.flow.borrow_mut().handle(input, now, wall);
        for fx in effects {
            self.perform(fx);
        }
        self.render();
    }

    /// Handles everything already delivered to the inbox; returns how many inputs.
    pub fn pump(&self) -> usize {
        let mut n = 0;
        while let Ok(input) = self.rx.try_recv() {
            self.dispatch(input);
            n += 1;
        }
        n
    }

    /// Waits up to `timeout` for one input, then handles everything delivered (tests, bench).
    pub fn pump_wait(&self, timeout: Duration) -> usize {
        match self.rx.recv_timeout(timeout) {
            Ok(input) => {
                self.dispatch(input);
                1 + self.pump()
            }
            Err(_) => 0,
        }
    }

    /// Timer tick: timeouts and inactivity.
    pub fn tick(&self) {
        self.dispatch(Input::Tick);
    }

    fn perform(&self, fx: Effect) {
        let device = self.flow.borrow().config().device.clone();
        match fx {
            Effect::Send { id, lang, kind } => self.hub.send(id, Request { device, lang, kind }),
            Effect::Enqueue { id, lang, kind } => {
                self.hub.enqueue(id, Request { device, lang, kind });
                if let Some(dir) = &self.site.state_dir {
                    save_offline(dir, &self.flow.borrow());
                }
            }
            Effect::Print(view) => {
                let content = self.ticket_content(&view);
                self.printer.submit(PrintJob { number: view.number.clone(), content });
            }
            Effect::Event(ev) => self.hub.event(ev),
            Effect::SetLanguage(lang) => self.select_language(&lang),
        }
    }

    fn select_language(&self, lang: &Lang) {
        // A language without a translation file shows English (the hub still gets the
        // customer's language).
        let ui = match slint::select_bundled_translation(lang.as_str()) {
            Ok(()) => lang.as_str().to_owned(),
            Err(e) => {
                tracing::info!(%lang, error = %e, "no translation bundled; showing English");
                let _ = slint::select_bundled_translation("en");
                "en".to_owned()
            }
        };
        *self.ui_lang.borrow_mut() = ui;
    }

    fn local(&self, t: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
        t.with_timezone(&self.site.timezone)
    }

    fn needs_text(&self, view_needs: &aula_protocol::Needs) -> String {
        let texts = self.window.global::<Texts>();
        let mut parts = Vec::new();
        if let Some(l) = &view_needs.interpreter {
            parts.push(texts.invoke_interpreter(endonym(l).into()).to_string());
        }
        if view_needs.accessibility {
            parts.push(texts.invoke_accessibility().to_string());
        }
        if view_needs.reading_help {
            parts.push(texts.invoke_reading_help().to_string());
        }
        parts.join(" · ")
    }

    /// The printed ticket, in the customer's language (texts come from the same translation
    /// files as the screen).
    pub fn ticket_content(&self, t: &TicketView) -> TicketContent {
        let texts = self.window.global::<Texts>();
        let lang = self.flow.borrow().lang().clone();
        let mut people = match t.people_ahead {
            Some(n) => texts.invoke_people_ahead(n as i32).to_string(),
            None => texts.invoke_offline_note().to_string(),
        };
        if let Some(b) = t.booked_at {
            people = format!("{}. {people}", texts.invoke_booked_at(self.local(b).format("%H:%M").to_string().into()));
        }
        let needs = self.needs_text(&t.needs);
        TicketContent {
            site_name: self.site.site_name.get(&lang).to_owned(),
            number: t.number.to_string(),
            service: t.service_name.get(&lang).to_owned(),
            issued_at_text: self.local(t.issued_at).format("%d.%m.%Y %H:%M").to_string(),
            people_ahead_text: people,
            wait_text: t.wait.map(|w| texts.invoke_wait_range(w.low_min as i32, w.high_min as i32).to_string()),
            needs_text: (!needs.is_empty()).then_some(needs),
            qr_url: t.follow_url.clone(),
            footer: Some(texts.invoke_footer(t.follow_url.is_some()).to_string()),
        }
    }

    /// Draws the flow's state into the adapter.
    pub fn render(&self) {
        let flow = self.flow.borrow();
        let a = self.window.global::<KioskAdapter>();
        let theme = self.window.global::<Theme>();
        let lang = flow.lang().clone();
        let display = flow.display();
        theme.set_large_text(display.large_text);
        theme.set_high_contrast(display.high_contrast);
        a.set_site_name(self.site.site_name.get(&lang).into());
        a.set_languages(model(
            self.site
                .languages
                .iter()
                .map(|l| LanguageItem { code: l.as_str().into(), name: endonym(l).into(), selected: *l == lang })
                .collect(),
        ));
        let needs = flow.needs();
        a.set_interpreter(flow.interpreter_open());
        a.set_interpreter_languages(model(
            self.site
                .interpreter_languages
                .iter()
                .map(|l| LanguageItem {
                    code: l.as_str().into(),
                    name: endonym(l).into(),
                    selected: needs.interpreter.as_ref() == Some(l),
                })
                .collect(),
        ));
        a.set_accessibility(needs.accessibility);
        a.set_reading_help(needs.reading_help);
        a.set_code(flow.code().into());
        a.set_services_known(flow.queue().is_some());
        a.set_services(model(self.service_items(&flow, &lang)));
        a.set_selected_service(
            flow.selected_service().map(|s| s.name.get(&lang).to_owned()).unwrap_or_default().into(),
        );
        a.set_busy(matches!(flow.screen(), Screen::Waiting(_)));

        let page = match flow.screen() {
            Screen::Start => Page::Start,
            Screen::Services => Page::Services,
            Screen::Needs => Page::Needs,
            Screen::Appointment => Page::Appointment,
            Screen::Waiting(_) => Page::Waiting,
            Screen::Ticket(t) => {
                a.set_ticket(self.ticket_info(t, &lang));
                Page::Ticket
            }
            Screen::Problem(p) => {
                self.set_problem(&a, p);
                Page::Problem
            }
            Screen::Help(h) => {
                a.set_help_coming(*h == HelpState::Coming);
                Page::Help
            }
        };
        a.set_page(page);
    }

    fn service_items(&self, flow: &Flow, lang: &Lang) -> Vec<ServiceItem> {
        let mut services: Vec<&ServiceView> = flow.services_today();
        // Grouped by authority (stable: the hub's order within an authority is kept); each
        // tile names its authority when the service name does not.
        services.sort_by(|a, b| a.authority.get(lang).cmp(b.authority.get(lang)));
        let today = self.local(self.clock.now().1).date_naive();
        services
            .into_iter()
            .map(|s| {
                let authority = s.authority.get(lang).to_owned();
                let name = s.name.get(lang).to_owned();
                // A service named like its authority needs no authority line.
                let show = authority != name;
                let (opens_time, opens_day) = self.opens(s.opens_next, today);
                ServiceItem {
                    id: s.id.as_str().into(),
                    name: name.into(),
                    authority: authority.into(),
                    show_authority: show,
                    open_now: s.open_now,
                    walk_in: s.walk_in,
                    waiting: s.waiting as i32,
                    has_wait: s.wait.is_some(),
                    wait_low: s.wait.map_or(0, |w| w.low_min as i32),
                    wait_high: s.wait.map_or(0, |w| w.high_min as i32),
                    opens_time: opens_time.into(),
                    opens_day,
                }
            })
            .collect()
    }

    /// "12:00" and 0 (today), 1 (tomorrow), 2 (later: the time string then carries the date),
    /// or -1 when unknown.
    fn opens(&self, at: Option<DateTime<Utc>>, today: chrono::NaiveDate) -> (String, i32) {
        let Some(at) = at else { return (String::new(), -1) };
        let local = self.local(at);
        match (local.date_naive() - today).num_days() {
            0 => (local.format("%H:%M").to_string(), 0),
            1 => (local.format("%H:%M").to_string(), 1),
            _ => (local.format("%d.%m. %H:%M").to_string(), 2),
        }
    }

    fn ticket_info(&self, t: &TicketView, lang: &Lang) -> TicketInfo {
        let qr = match (&t.follow_url, t.print) {
            (Some(url), PrintStatus::Failed) => crate::qr::qr_image(url),
            _ => None,
        };
        TicketInfo {
            number: t.number.to_string().into(),
            service: t.service_name.get(lang).into(),
            people_ahead: t.people_ahead.map_or(-1, |n| n as i32),
            has_wait: t.wait.is_some(),
            wait_low: t.wait.map_or(0, |w| w.low_min as i32),
            wait_high: t.wait.map_or(0, |w| w.high_min as i32),
            issued_time: self.local(t.issued_at).format("%H:%M").to_string().into(),
            booked_time: t.booked_at.map(|b| self.local(b).format("%H:%M").to_string()).unwrap_or_default().into(),
            appointment: t.lane == aula_protocol::Lane::Appointment,
            offline: t.offline,
            print: match t.print {
                PrintStatus::Printing => PrintState::Printing,
                PrintStatus::Printed => PrintState::Printed,
                PrintStatus::Failed => PrintState::Failed,
            },
            has_qr: qr.is_some(),
            qr: qr.unwrap_or_default(),
            needs_text: self.needs_text(&t.needs).into(),
        }
    }

    fn set_problem(&self, a: &KioskAdapter<'_>, p: &Problem) {
        let today = self.local(self.clock.now().1).date_naive();
        let (kind, time, day, number) = match p {
            Problem::CheckInOffline => (ProblemKind::CheckinOffline, String::new(), 0, String::new()),
            Problem::OfflineExhausted => (ProblemKind::OfflineExhausted, String::new(), 0, String::new()),
            Problem::Rejected(r) => match r {
                Rejection::UnknownService { .. } => (ProblemKind::UnknownService, String::new(), 0, String::new()),
                Rejection::NotToday { .. } => (ProblemKind::NotToday, String::new(), 0, String::new()),
                Rejection::Closed { opens_next, .. } => {
                    let (t, d) = self.opens(*opens_next, today);
                    (ProblemKind::Closed, t, d, String::new())
                }
                Rejection::AppointmentsOnly { .. } => (ProblemKind::AppointmentsOnly, String::new(), 0, String::new()),
                Rejection::UnknownBooking => (ProblemKind::UnknownBooking, String::new(), 0, String::new()),
                Rejection::BookingCancelled => (ProblemKind::BookingCancelled, String::new(), 0, String::new()),
                Rejection::TooEarly { opens_at, .. } => {
                    (ProblemKind::TooEarly, self.local(*opens_at).format("%H:%M").to_string(), 0, String::new())
                }
                Rejection::TooLate { .. } => (ProblemKind::TooLate, String::new(), 0, String::new()),
                Rejection::AlreadyCheckedIn { number } => {
                    (ProblemKind::AlreadyCheckedIn, String::new(), 0, number.to_string())
                }
                Rejection::BadRequest { .. } => (ProblemKind::BadRequest, String::new(), 0, String::new()),
                Rejection::Internal { .. } => (ProblemKind::Internal, String::new(), 0, String::new()),
                // Never a problem screen: the flow shows the help page's "go to the desk".
                Rejection::NoAdvisor => (ProblemKind::Internal, String::new(), 0, String::new()),
            },
        };
        a.set_problem(kind);
        a.set_problem_time(time.into());
        a.set_problem_day(day);
        a.set_problem_number(number.into());
    }

    /// What the customer is waiting for right now (tests and logs).
    pub fn waiting_for(&self) -> Option<Purpose> {
        match self.flow.borrow().screen() {
            Screen::Waiting(p) => Some(*p),
            _ => None,
        }
    }
}

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct OfflineCounters {
    day: chrono::NaiveDate,
    next: std::collections::BTreeMap<String, u32>,
}

fn offline_path(dir: &std::path::Path) -> PathBuf {
    dir.join("offline-counters.json")
}

fn load_offline(dir: &std::path::Path) -> Option<(chrono::NaiveDate, std::collections::BTreeMap<String, u32>)> {
    let bytes = std::fs::read(offline_path(dir)).ok()?;
    let c: OfflineCounters = serde_json::from_slice(&bytes).ok()?;
    Some((c.day, c.next))
}

fn save_offline(dir: &std::path::Path, flow: &Flow) {
    let Some((day, next)) = flow.offline_counters() else { return };
    let c = OfflineCounters { day, next: next.clone() };
    let path = offline_path(dir);
    let tmp = path.with_extension("tmp");
    let res = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&tmp, serde_json::to_vec(&c).unwrap_or_default()))
        .and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(e) = res {
        tracing::error!(path = %path.display(), error = %e, "could not save offline counters");
    }
}
