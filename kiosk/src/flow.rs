//! The customer flow as a pure state machine: no Slint, no threads, no clock of its own.
//!
//! [`Flow::handle`] takes one [`Input`] (a tap, a reply from the hub, a print result, a timer
//! tick) with the current time and returns the [`Effect`]s the I/O layer must perform (send a
//! request, enqueue one in the durable outbox, print, report a device event, switch the UI
//! language). The screen to draw is [`Flow::screen`]. Every rule that decides what the
//! customer sees lives here, once:
//!
//! - **Inactivity** ([`FlowConfig::inactivity`]): any screen except start returns to start
//!   and forgets everything entered (language, needs, code, display switches). Result screens
//!   (ticket, problem, help) return sooner ([`FlowConfig::result_timeout`]).
//! - **One request id per attempt**: a ticket attempt gets one [`MessageId`]; taps while it is
//!   in flight are ignored and counted ([`Flow::taps_rejected`], reported as
//!   [`DeviceEvent::TapsRejected`] when the session ends); a resend after a timeout reuses the
//!   id, so the hub answers with the same ticket instead of issuing a second.
//! - **Debounce**: the same tap again within [`FlowConfig::debounce`] is a bounce, not intent.
//! - **Offline numbers**: when the hub does not answer (timeout after the resend, or not
//!   connected), a walk-in ticket is issued from this kiosk's reserved block
//!   ([`OfflineBlock`]), printed, and enqueued as `IssueTicket { offline: Some(..) }` for the
//!   hub to record when it is back. Check-in and help cannot be decided without the hub: the
//!   customer is told plainly to go to the service advisor's desk.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aula_protocol::{
    DeviceEvent, DeviceId, IssuedTicket, Lane, Lang, Localized, MAX_BOOKING_CODE, MessageId, Needs, OfflineIssue,
    PrinterState, QueueState, Rejection, ReplyResult, RequestKind, ServiceId, ServiceView, TicketNumber, WaitRange,
};
use chrono::{DateTime, NaiveDate, Utc};

/// The reserved range of sequence numbers this kiosk may hand out on its own, per service
/// prefix and per day (e.g. 900..=999 gives V900, V901, …). Each kiosk of a site has its own
/// block, and the hub's daily numbering stays below the blocks, so numbers never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineBlock {
    pub first: u32,
    pub last: u32,
}

/// Tunables of the flow, validated from the config file.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    pub device: DeviceId,
    /// Language the kiosk returns to after a session.
    pub default_lang: Lang,
    pub inactivity: Duration,
    pub result_timeout: Duration,
    /// How long one request may take before it counts as lost.
    pub request_timeout: Duration,
    /// Sends per attempt (the first plus resends with the same id) before going offline.
    pub max_sends: u32,
    pub debounce: Duration,
    pub offline_block: OfflineBlock,
}

impl FlowConfig {
    pub fn new(device: DeviceId) -> Self {
        Self {
            device,
            default_lang: Lang::fi(),
            inactivity: Duration::from_secs(45),
            result_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(3),
            max_sends: 2,
            debounce: Duration::from_millis(400),
            offline_block: OfflineBlock { first: 900, last: 999 },
        }
    }
}

/// What the customer tapped (or typed, for the keypad and the barcode scanner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tap {
    Language(Lang),
    TakeNumber,
    Appointment,
    Help,
    Service(ServiceId),
    /// "An interpreter" on/off: on shows the languages, off clears the choice.
    ToggleInterpreter,
    /// Interpreter language, or `None` for "no interpreter".
    Interpreter(Option<Lang>),
    ToggleAccessibility,
    ToggleReadingHelp,
    /// "Get my number" on the needs step.
    GetTicket,
    /// One character from the keypad or from a scanner typing like a keyboard.
    CodeChar(char),
    Backspace,
    /// The keypad's "Check in" button, or Enter from the scanner.
    SubmitCode,
    /// From a problem screen: take a walk-in number instead.
    TakeNumberInstead,
    Back,
    /// "Ready" / "Start again": back to the start screen.
    Home,
    ToggleLargeText,
    ToggleHighContrast,
}

impl Tap {
    /// Keys are exempt from debouncing: "55" is a legitimate code and scanners type fast.
    fn is_key(&self) -> bool {
        matches!(self, Tap::CodeChar(_) | Tap::Backspace)
    }
}

/// Why the hub gave no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubFailure {
    /// The client knows it is not connected: do not wait for the timeout.
    NotConnected,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Tap(Tap),
    /// The hub's answer to request `id`, or an immediate failure to send it.
    Reply {
        id: MessageId,
        result: Result<ReplyResult, HubFailure>,
    },
    /// The printer finished (or failed) printing ticket `number`.
    Printed {
        number: TicketNumber,
        result: Result<(), PrintFailure>,
    },
    /// Timer tick: timeouts are checked here.
    Tick,
    QueueState(Box<QueueState>),
}

/// What the I/O layer must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Publish a request and deliver its reply as [`Input::Reply`] with the same id.
    Send {
        id: MessageId,
        lang: Lang,
        kind: RequestKind,
    },
    /// Store a request in the durable outbox, delivered whenever the hub is reachable.
    Enqueue {
        id: MessageId,
        lang: Lang,
        kind: RequestKind,
    },
    /// Print this ticket; deliver the result as [`Input::Printed`].
    Print(Box<TicketView>),
    Event(DeviceEvent),
    /// Switch the UI (and ticket) language.
    SetLanguage(Lang),
}

/// Why a ticket did not print: a reason for the log and the printer's state if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintFailure {
    pub reason: String,
    pub state: Option<PrinterState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintStatus {
    Printing,
    Printed,
    /// The customer gets the number on screen, large, with the QR code.
    Failed,
}

/// A ticket as shown on screen and printed.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub number: TicketNumber,
    pub service: ServiceId,
    pub service_name: Localized,
    pub lane: Lane,
    /// Unknown when the number was issued offline.
    pub people_ahead: Option<u32>,
    pub wait: Option<WaitRange>,
    pub issued_at: DateTime<Utc>,
    pub booked_at: Option<DateTime<Utc>>,
    pub follow_url: Option<String>,
    pub needs: Needs,
    /// Issued from the kiosk's reserved block while the hub was unreachable.
    pub offline: bool,
    pub print: PrintStatus,
}

impl TicketView {
    fn from_issued(t: IssuedTicket, needs: Needs) -> Self {
        Self {
            number: t.number,
            service: t.service,
            service_name: t.service_name,
            lane: t.lane,
            people_ahead: Some(t.people_ahead),
            wait: t.wait,
            issued_at: t.issued_at,
            booked_at: t.booked_at,
            follow_url: t.follow_url,
            needs,
            offline: false,
            print: PrintStatus::Printing,
        }
    }
}

/// Something went wrong that the customer must hear about, each with its own answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    Rejected(Rejection),
    /// Check-in needs the hub and it cannot be reached.
    CheckInOffline,
    /// The hub is away and this kiosk's reserved numbers for the service are used up.
    OfflineExhausted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpState {
    /// The advisor has been alerted.
    Coming,
    /// The hub could not be told: go to the advisor's desk.
    GoToDesk,
}

/// What a pending request is for (decides what a timeout means).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Ticket,
    CheckIn,
    Help,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Start,
    Services,
    Needs,
    Appointment,
    /// A request is in flight: "One moment…".
    Waiting(Purpose),
    Ticket(Box<TicketView>),
    Problem(Problem),
    Help(HelpState),
}

#[derive(Debug, Clone)]
struct Pending {
    id: MessageId,
    kind: RequestKind,
    purpose: Purpose,
    sends: u32,
    deadline: Instant,
}

/// Display switches the customer may turn on; cleared with the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Display {
    pub large_text: bool,
    pub high_contrast: bool,
}

/// The flow. See the module doc for the rules.
#[derive(Debug)]
pub struct Flow {
    cfg: FlowConfig,
    screen: Screen,
    lang: Lang,
    display: Display,
    needs: Needs,
    /// The interpreter languages are shown (the customer said yes but has not picked one).
    interpreter_open: bool,
    service: Option<ServiceId>,
    code: String,
    pending: Option<Pending>,
    last_activity: Instant,
    last_tap: Option<(Tap, Instant)>,
    taps_rejected: u32,
    queue: Option<QueueState>,
    /// Next offline sequence per prefix, for `offline_day`.
    offline_next: BTreeMap<String, u32>,
    offline_day: Option<NaiveDate>,
}

impl Flow {
    pub fn new(cfg: FlowConfig, now: Instant) -> Self {
        let lang = cfg.default_lang.clone();
        Self {
            cfg,
            screen: Screen::Start,
            lang,
            display: Display::default(),
            needs: Needs::default(),
            interpreter_open: false,
            service: None,
            code: String::new(),
            pending: None,
            last_activity: now,
            last_tap: None,
            taps_rejected: 0,
            queue: None,
            offline_next: BTreeMap::new(),
            offline_day: None,
        }
    }

    /// Restores the offline counters saved by the outbox (so a restart while the hub is away
    /// never hands out a number twice).
    pub fn restore_offline(&mut self, day: NaiveDate, next: BTreeMap<String, u32>) {
        self.offline_day = Some(day);
        self.offline_next = next;
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }
    pub fn lang(&self) -> &Lang {
        &self.lang
    }
    pub fn display(&self) -> Display {
        self.display
    }
    pub fn needs(&self) -> &Needs {
        &self.needs
    }
    /// Whether the interpreter language choices are shown.
    pub fn interpreter_open(&self) -> bool {
        self.interpreter_open || self.needs.interpreter.is_some()
    }
    pub fn code(&self) -> &str {
        &self.code
    }
    pub fn selected_service(&self) -> Option<&ServiceView> {
        let id = self.service.as_ref()?;
        self.queue.as_ref()?.services.iter().find(|s| &s.id == id)
    }
    pub fn queue(&self) -> Option<&QueueState> {
        self.queue.as_ref()
    }
    /// Taps ignored in this session (bounces and taps while a request was in flight).
    pub fn taps_rejected(&self) -> u32 {
        self.taps_rejected
    }
    pub fn config(&self) -> &FlowConfig {
        &self.cfg
    }
    /// The services offered today, in the order the hub sent them (absent ones left out).
    pub fn services_today(&self) -> Vec<&ServiceView> {
        self.queue.as_ref().map(|q| q.services.iter().filter(|s| s.open_today).collect()).unwrap_or_default()
    }

    /// Handles one input at monotonic time `now` and wall time `wall`; returns what to do.
    pub fn handle(&mut self, input: Input, now: Instant, wall: DateTime<Utc>) -> Vec<Effect> {
        let mut fx = Vec::new();
        match input {
            Input::Tap(tap) => self.tap(tap, now, &mut fx),
            Input::Reply { id, result } => self.reply(id, result, now, wall, &mut fx),
            Input::Printed { number, result } => self.printed(number, result, now, &mut fx),
            Input::Tick => self.tick(now, wall, &mut fx),
            Input::QueueState(q) => {
                // An older state (reordered delivery) must not replace a newer one.
                if self.queue.as_ref().is_none_or(|old| q.seq >= old.seq) {
                    self.queue = Some(*q);
                }
            }
        }
        fx
    }

    fn tap(&mut self, tap: Tap, now: Instant, fx: &mut Vec<Effect>) {
        // While a request is in flight nothing on screen can act: every tap is a repeat of the
        // one that started it (or impatience), so it is counted, never acted on.
        if self.pending.is_some() {
            self.taps_rejected += 1;
            return;
        }
        if !tap.is_key()
            && let Some((last, at)) = &self.last_tap
            && *last == tap
            && now.duration_since(*at) < self.cfg.debounce
        {
            self.taps_rejected += 1;
            return;
        }
        self.last_tap = Some((tap.clone(), now));
        self.last_activity = now;

        match tap {
            Tap::Language(lang) => {
                if lang != self.lang {
                    self.lang = lang.clone();
                    fx.push(Effect::SetLanguage(lang));
                }
            }
            Tap::ToggleLargeText => self.display.large_text = !self.display.large_text,
            Tap::ToggleHighContrast => self.display.high_contrast = !self.display.high_contrast,
            Tap::TakeNumber | Tap::TakeNumberInstead => {
                self.code.clear();
                self.screen = Screen::Services;
            }
            Tap::Appointment => {
                self.code.clear();
                self.screen = Screen::Appointment;
            }
            Tap::Help => self.start_request(RequestKind::Help, Purpose::Help, now, fx),
            Tap::Service(id) => self.choose_service(id),
            Tap::ToggleInterpreter => {
                let on = self.interpreter_open || self.needs.interpreter.is_some();
                self.interpreter_open = !on;
                self.needs.interpreter = None;
            }
            Tap::Interpreter(lang) => {
                self.interpreter_open = lang.is_some();
                self.needs.interpreter = lang;
            }
            Tap::ToggleAccessibility => self.needs.accessibility = !self.needs.accessibility,
            Tap::ToggleReadingHelp => self.needs.reading_help = !self.needs.reading_help,
            Tap::GetTicket => {
                if self.screen == Screen::Needs
                    && let Some(service) = self.service.clone()
                {
                    let kind = RequestKind::IssueTicket { service, needs: self.needs.clone(), offline: None };
                    self.start_request(kind, Purpose::Ticket, now, fx);
                }
            }
            Tap::CodeChar(c) => {
                // Scanners may type at the start screen too: a code followed by Enter checks in
                // from anywhere a code makes sense.
                if matches!(self.screen, Screen::Start | Screen::Appointment)
                    && c.is_ascii_alphanumeric()
                    && self.code.len() < MAX_BOOKING_CODE
                {
                    self.code.push(c.to_ascii_uppercase());
                }
            }
            Tap::Backspace => {
                self.code.pop();
            }
            Tap::SubmitCode => {
                let code = std::mem::take(&mut self.code);
                if !code.is_empty() && matches!(self.screen, Screen::Start | Screen::Appointment) {
                    let kind = RequestKind::CheckIn { code, needs: self.needs.clone() };
                    self.start_request(kind, Purpose::CheckIn, now, fx);
                }
            }
            Tap::Back => {
                self.screen = match &self.screen {
                    Screen::Needs => Screen::Services,
                    _ => Screen::Start,
                };
            }
            Tap::Home => self.reset(fx),
        }
    }

    fn choose_service(&mut self, id: ServiceId) {
        let Some(view) = self.services_today().into_iter().find(|s| s.id == id).cloned() else {
            // Not offered today (the list changed under the finger): show the list again.
            self.screen = Screen::Services;
            return;
        };
        self.service = Some(id.clone());
        self.screen = if !view.walk_in {
            Screen::Problem(Problem::Rejected(Rejection::AppointmentsOnly { service: id }))
        } else if !view.open_now {
            Screen::Problem(Problem::Rejected(Rejection::Closed { service: id, opens_next: view.opens_next }))
        } else {
            Screen::Needs
        };
    }

    fn start_request(&mut self, kind: RequestKind, purpose: Purpose, now: Instant, fx: &mut Vec<Effect>) {
        let id = MessageId::new();
        fx.push(Effect::Send { id, lang: self.lang.clone(), kind: kind.clone() });
        self.pending = Some(Pending { id, kind, purpose, sends: 1, deadline: now + self.cfg.request_timeout });
        self.screen = Screen::Waiting(purpose);
    }

    fn reply(
        &mut self,
        id: MessageId,
        result: Result<ReplyResult, HubFailure>,
        now: Instant,
        wall: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(pending) = self.pending.as_ref().filter(|p| p.id == id) else {
            // A reply to an attempt we already gave up on (went offline, or session reset).
            tracing::info!(%id, "reply for a request no longer pending; ignored");
            return;
        };
        let purpose = pending.purpose;
        let result = match result {
            Ok(r) => r,
            Err(HubFailure::NotConnected) => {
                self.give_up(purpose, now, wall, fx);
                return;
            }
        };
        self.pending = None;
        self.last_activity = now;
        self.screen = match result {
            ReplyResult::Ticket(t) => {
                let view = TicketView::from_issued(t, self.needs.clone());
                fx.push(Effect::Print(Box::new(view.clone())));
                Screen::Ticket(Box::new(view))
            }
            ReplyResult::HelpComing => Screen::Help(HelpState::Coming),
            // Help is stored but nobody is signed in to come: say where to go.
            ReplyResult::Rejected(aula_protocol::Rejection::NoAdvisor) => Screen::Help(HelpState::GoToDesk),
            ReplyResult::Rejected(r) => Screen::Problem(Problem::Rejected(r)),
        };
    }

    /// The hub did not answer in time: resend with the same id, or decide without the hub.
    fn give_up(&mut self, purpose: Purpose, now: Instant, wall: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let Some(pending) = self.pending.take() else { return };
        self.last_activity = now;
        match purpose {
            Purpose::Ticket => self.issue_offline(pending, now, wall, fx),
            Purpose::CheckIn => self.screen = Screen::Problem(Problem::CheckInOffline),
            Purpose::Help => self.screen = Screen::Help(HelpState::GoToDesk),
        }
    }

    fn issue_offline(&mut self, pending: Pending, _now: Instant, wall: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let RequestKind::IssueTicket { service, needs, .. } = pending.kind else { return };
        let Some(view) = self.queue.as_ref().and_then(|q| q.services.iter().find(|s| s.id == service)).cloned() else {
            self.screen = Screen::Problem(Problem::OfflineExhausted);
            return;
        };
        let today = wall.date_naive();
        if self.offline_day != Some(today) {
            self.offline_day = Some(today);
            self.offline_next.clear();
        }
        let block = self.cfg.offline_block;
        let next = self.offline_next.entry(view.prefix.clone()).or_insert(block.first);
        if *next > block.last {
            self.screen = Screen::Problem(Problem::OfflineExhausted);
            return;
        }
        let number = TicketNumber { prefix: view.prefix.clone(), seq: *next };
        *next += 1;
        tracing::warn!(%number, "hub unreachable: issuing from the offline block");
        let issue = OfflineIssue { number: number.clone(), issued_at: wall };
        // A fresh id: the original attempt may still be stored by the hub under its own id,
        // and reusing it would make the hub return that answer and drop this number.
        fx.push(Effect::Enqueue {
            id: MessageId::new(),
            lang: self.lang.clone(),
            kind: RequestKind::IssueTicket { service: service.clone(), needs: needs.clone(), offline: Some(issue) },
        });
        let ticket = TicketView {
            number,
            service,
            service_name: view.name.clone(),
            lane: Lane::WalkIn,
            people_ahead: None,
            wait: view.wait,
            issued_at: wall,
            booked_at: None,
            follow_url: None,
            needs,
            offline: true,
            print: PrintStatus::Printing,
        };
        fx.push(Effect::Print(Box::new(ticket.clone())));
        self.screen = Screen::Ticket(Box::new(ticket));
    }

    /// The offline counters to persist after an offline issue: (day, next seq per prefix).
    pub fn offline_counters(&self) -> Option<(NaiveDate, &BTreeMap<String, u32>)> {
        self.offline_day.map(|d| (d, &self.offline_next))
    }

    fn printed(&mut self, number: TicketNumber, result: Result<(), PrintFailure>, now: Instant, fx: &mut Vec<Effect>) {
        let status = match result {
            Ok(()) => PrintStatus::Printed,
            Err(failure) => {
                if let Some(state) = failure.state {
                    fx.push(Effect::Event(DeviceEvent::Printer { state }));
                }
                fx.push(Effect::Event(DeviceEvent::PrintFailed {
                    number: Some(number.clone()),
                    reason: failure.reason,
                }));
                PrintStatus::Failed
            }
        };
        if let Screen::Ticket(t) = &mut self.screen
            && t.number == number
        {
            t.print = status;
            if status == PrintStatus::Failed {
                // The customer now has to read the number off the screen: give them time.
                self.last_activity = now;
            }
        }
    }

    fn tick(&mut self, now: Instant, wall: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if let Some(p) = &mut self.pending {
            if now >= p.deadline {
                if p.sends < self.cfg.max_sends {
                    // Same id: if the first request did arrive, the hub answers with the same
                    // ticket instead of issuing another.
                    p.sends += 1;
                    p.deadline = now + self.cfg.request_timeout;
                    tracing::info!(id = %p.id, sends = p.sends, "request timed out; resending with the same id");
                    fx.push(Effect::Send { id: p.id, lang: self.lang.clone(), kind: p.kind.clone() });
                } else {
                    let purpose = p.purpose;
                    self.give_up(purpose, now, wall, fx);
                }
            }
            return;
        }
        let idle = now.saturating_duration_since(self.last_activity);
        let limit = match &self.screen {
            Screen::Start => {
                // At start only a half-typed scan or a changed language/display is state.
                if self.code.is_empty() && self.lang == self.cfg.default_lang && self.display == Display::default() {
                    return;
                }
                self.cfg.inactivity
            }
            Screen::Ticket(t) if t.print == PrintStatus::Failed => self.cfg.inactivity,
            Screen::Ticket(_) | Screen::Problem(_) | Screen::Help(_) => self.cfg.result_timeout,
            _ => self.cfg.inactivity,
        };
        if idle >= limit {
            tracing::info!(screen = ?std::mem::discriminant(&self.screen), "inactivity: back to start");
            self.reset(fx);
        }
    }

    /// Ends the session: back to start, everything entered forgotten.
    fn reset(&mut self, fx: &mut Vec<Effect>) {
        if self.taps_rejected > 0 {
            fx.push(Effect::Event(DeviceEvent::TapsRejected { count: self.taps_rejected }));
        }
        if self.lang != self.cfg.default_lang {
            fx.push(Effect::SetLanguage(self.cfg.default_lang.clone()));
        }
        self.screen = Screen::Start;
        self.lang = self.cfg.default_lang.clone();
        self.display = Display::default();
        self.needs = Needs::default();
        self.interpreter_open = false;
        self.service = None;
        self.code.clear();
        self.pending = None;
        self.last_tap = None;
        self.taps_rejected = 0;
    }
}
