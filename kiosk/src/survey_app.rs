//! The controller of the two survey front ends (`mode = "feedback"` and `mode = "survey"`):
//! owns the [`SurveyFlow`], the use-then-idle [`UseDetector`], the window and the
//! [`FeedbackSink`] (the durable outbox); turns `SurveyAdapter` callbacks, hub commands,
//! survey definitions and socket triggers into [`SurveyInput`]s, performs the flow's
//! [`SurveyEffect`]s and draws the flow into `SurveyAdapter`.
//!
//! ## The window of the pop-up
//! In survey mode the terminal's screen belongs to the self-service application: the kiosk's
//! window is mapped only while a visit is on screen (question or thank-you) and unmapped when
//! it ends (finished, closed, timed out, walked away), with `Window::show()` / `hide()`. The
//! controller is the only one that shows or hides it ([`SurveyKiosk::render`] ends by
//! matching the window to the flow's stage), so tests and `run.rs` do not. The process keeps
//! running while no window is mapped (`run.rs` runs the event loop until told to quit;
//! SIGINT and SIGTERM quit it). `[survey] always_visible = true` keeps the window on screen
//! between surveys (a dedicated screen: the page is then empty but for the header), and the
//! feedback terminal is always shown. Backends without windows (linuxkms on a Pi): the kiosk
//! owns the whole display and its window adapter does nothing on `hide()` (read in
//! i-slint-backend-linuxkms 1.18.1, not tried on a panel), so the last frame stays up; there
//! is no other application to uncover on such a terminal: set `always_visible = true`, so
//! the idle page is drawn on purpose rather than a stale one.
//!
//! A commit is performed before the thank-you is drawn: [`FeedbackSink::commit`] returns
//! only after the answer is in the outbox. If it fails (a full disk, a broken database), the
//! answer is kept in memory and retried on every tick, so it is neither lost while the
//! process lives nor stored twice (a failed commit stored nothing).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use aula_protocol::{
    AnswerValue, DeviceEvent, FeedbackAnswer, Lang, Localized, Measure, Outcome, QuestionKind, ScaleStyle, SurveyDef,
    SurveyId,
};
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use crate::app::{Clock, endonym};
use crate::survey::{Stage, SurveyConfig, SurveyEffect, SurveyFlow, SurveyInput, SurveyMode, UseDetector};
use crate::trigger::Trigger;
use crate::{ChoiceItem, KioskAdapter, KioskWindow, LanguageItem, Page, QuestionType, SurveyAdapter, SurveyStage};

/// Where finished visits go: the device's durable outbox in production.
pub trait FeedbackSink {
    /// Stores the answer durably; returns only after the commit.
    fn commit(&self, answer: &FeedbackAnswer) -> Result<(), String>;
    /// Reports a device event (rejected taps) through the outbox.
    fn event(&self, event: DeviceEvent);
}

/// Where the pop-up says what it did with the hub's `show_survey`: the command executor
/// waits on the other end and reports it to the hub.
#[derive(Debug, Clone)]
pub struct Answer(mpsc::SyncSender<Result<String, String>>);

impl Answer {
    pub fn channel() -> (Answer, mpsc::Receiver<Result<String, String>>) {
        let (tx, rx) = mpsc::sync_channel(1);
        (Answer(tx), rx)
    }
}

/// Answers carry no data to compare: two messages differ only in what they ask.
impl PartialEq for Answer {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Things that arrive from other threads (the agent, the trigger socket).
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `Command::ShowSurvey` from the hub.
    ShowSurvey(SurveyId),
    /// The same from aula-agent's command executor, which waits for the outcome.
    ShowSurveyAnswered(SurveyId, Answer),
    /// A survey definition from the hub (retained `survey/<id>`).
    Definition(SurveyDef),
    /// A line from the local trigger socket.
    Trigger(Trigger),
}

/// The sending end for other threads; wakes the UI thread after each send.
#[derive(Clone)]
pub struct SurveyInbox {
    tx: mpsc::Sender<Incoming>,
    waker: Arc<dyn Fn() + Send + Sync>,
}

impl SurveyInbox {
    pub fn new(waker: Arc<dyn Fn() + Send + Sync>) -> (Self, mpsc::Receiver<Incoming>) {
        let (tx, rx) = mpsc::channel();
        (Self { tx, waker }, rx)
    }
    pub fn send(&self, msg: Incoming) {
        if self.tx.send(msg).is_ok() {
            (self.waker)();
        }
    }
}

/// Site facts the survey screens need.
#[derive(Debug, Clone)]
pub struct SurveySite {
    pub site_name: Localized,
    pub languages: Vec<Lang>,
    /// The configured survey (`[survey] id`).
    pub survey: SurveyId,
    /// Use-then-idle detector times (survey mode).
    pub active: Duration,
    pub idle: Duration,
    /// Survey mode: keep the window on screen between surveys (`[survey] always_visible`).
    pub always_visible: bool,
}

pub struct SurveyKiosk {
    window: KioskWindow,
    flow: RefCell<SurveyFlow>,
    detector: RefCell<UseDetector>,
    sink: Box<dyn FeedbackSink>,
    rx: mpsc::Receiver<Incoming>,
    clock: Box<dyn Clock>,
    site: SurveySite,
    /// Other surveys the hub sent, for a `ShowSurvey` naming one of them.
    known: RefCell<BTreeMap<SurveyId, SurveyDef>>,
    /// Visits whose commit failed, retried on every tick.
    pending: RefCell<Vec<FeedbackAnswer>>,
    /// Whether the window is mapped, as last set here (`is_visible` can also be false for a
    /// minimised window; the controller only acts on its own changes).
    shown: Cell<bool>,
}

impl SurveyKiosk {
    /// `def` is the survey to start with (the local file's, until the hub sends its own).
    pub fn new(
        window: KioskWindow,
        cfg: SurveyConfig,
        def: SurveyDef,
        site: SurveySite,
        sink: Box<dyn FeedbackSink>,
        rx: mpsc::Receiver<Incoming>,
        clock: Box<dyn Clock>,
    ) -> Rc<Self> {
        let (now, _) = clock.now();
        let shown = Cell::new(window.window().is_visible());
        let kiosk = Rc::new(Self {
            window,
            detector: RefCell::new(UseDetector::new(site.active, site.idle)),
            flow: RefCell::new(SurveyFlow::new(cfg, def, now)),
            sink,
            rx,
            clock,
            site,
            known: RefCell::new(BTreeMap::new()),
            pending: RefCell::new(Vec::new()),
            shown,
        });
        kiosk.connect();
        let lang = kiosk.flow.borrow().lang().clone();
        select_translation(&lang);
        kiosk.render();
        kiosk
    }

    pub fn window(&self) -> &KioskWindow {
        &self.window
    }
    pub fn flow(&self) -> std::cell::Ref<'_, SurveyFlow> {
        self.flow.borrow()
    }
    /// Whether this terminal hides its window between visits (survey mode without
    /// `always_visible`).
    pub fn hides_between_visits(&self) -> bool {
        self.flow.borrow().config().mode == SurveyMode::Popup && !self.site.always_visible
    }

    /// Visits waiting for a retried commit.
    pub fn pending(&self) -> usize {
        self.pending.borrow().len()
    }

    fn connect(self: &Rc<Self>) {
        let a = self.window.global::<SurveyAdapter>();
        let w: Weak<Self> = Rc::downgrade(self);
        let go = move |f: fn(&Self) -> Option<SurveyInput>| {
            let w = w.clone();
            move || {
                if let Some(k) = w.upgrade()
                    && let Some(i) = f(&k)
                {
                    k.dispatch(i);
                }
            }
        };
        let w: Weak<Self> = Rc::downgrade(self);
        let with = move |f: fn(&Self, SharedString) -> Option<SurveyInput>| {
            let w = w.clone();
            move |s: SharedString| {
                if let Some(k) = w.upgrade()
                    && let Some(i) = f(&k, s)
                {
                    k.dispatch(i);
                }
            }
        };
        let w: Weak<Self> = Rc::downgrade(self);
        a.on_answer(move |n| {
            if let Some(k) = w.upgrade()
                && let Some(v) = k.value_for(n)
            {
                k.dispatch(SurveyInput::Answer(v));
            }
        });
        a.on_choose_language(with(|_, s| Lang::new(s.as_str()).ok().map(SurveyInput::Language)));
        a.on_choose(with(|_, s| Some(SurveyInput::Answer(AnswerValue::Choice(s.to_string())))));
        a.on_key(with(|_, s| {
            let mut c = s.chars();
            match (c.next(), c.next()) {
                (Some(ch), None) => Some(SurveyInput::Key(ch)),
                _ => None,
            }
        }));
        a.on_backspace(go(|_| Some(SurveyInput::Backspace)));
        a.on_next(go(|_| Some(SurveyInput::Next)));
        a.on_back(go(|_| Some(SurveyInput::Back)));
        a.on_finish(go(|_| Some(SurveyInput::Finish)));
        a.on_dismiss(go(|_| Some(SurveyInput::Dismiss)));
        // The window manager's close button: on the pop-up it is "No thanks" (the process
        // stays, waiting for the next trigger); elsewhere it ends the kiosk as before.
        let w: Weak<Self> = Rc::downgrade(self);
        self.window.window().on_close_requested(move || match w.upgrade() {
            Some(k) if k.hides_between_visits() => {
                k.dispatch(SurveyInput::Dismiss);
                // Dismiss unmapped the window already; during a thank-you it stays the
                // remaining seconds and then goes by itself.
                slint::CloseRequestResponse::KeepWindowShown
            }
            _ => {
                let _ = slint::quit_event_loop();
                slint::CloseRequestResponse::HideWindow
            }
        });
        // The display switches of the header work here too.
        let ka = self.window.global::<KioskAdapter>();
        let win = self.window.as_weak();
        ka.on_toggle_large_text(move || {
            if let Some(w) = win.upgrade() {
                let t = w.global::<crate::Theme>();
                t.set_large_text(!t.get_large_text());
            }
        });
        let win = self.window.as_weak();
        ka.on_toggle_high_contrast(move || {
            if let Some(w) = win.upgrade() {
                let t = w.global::<crate::Theme>();
                t.set_high_contrast(!t.get_high_contrast());
            }
        });
    }

    /// A number from the UI as the answer value the current question takes.
    fn value_for(&self, n: i32) -> Option<AnswerValue> {
        let flow = self.flow.borrow();
        let n = u8::try_from(n).ok()?;
        Some(match flow.view().question.kind {
            QuestionKind::Scale5 { .. } => AnswerValue::Scale(n),
            QuestionKind::Nps => AnswerValue::Nps(n),
            QuestionKind::Outcome => AnswerValue::Outcome(match n {
                0 => Outcome::Done,
                1 => Outcome::Started,
                _ => Outcome::NotDone,
            }),
            QuestionKind::YesNo { .. } => AnswerValue::YesNo(n == 1),
            _ => return None,
        })
    }

    /// Feeds one input to the flow, performs its effects and redraws.
    pub fn dispatch(&self, input: SurveyInput) {
        let (now, _) = self.clock.now();
        let effects = self.flow.borrow_mut().handle(input, now);
        for fx in effects {
            self.perform(fx);
        }
        self.render();
    }

    /// Handles everything other threads delivered; returns how many messages.
    pub fn pump(&self) -> usize {
        let mut n = 0;
        while let Ok(msg) = self.rx.try_recv() {
            self.incoming(msg);
            n += 1;
        }
        n
    }

    /// Waits up to `timeout` for one message, then handles everything delivered (tests).
    pub fn pump_wait(&self, timeout: Duration) -> usize {
        match self.rx.recv_timeout(timeout) {
            Ok(msg) => {
                self.incoming(msg);
                1 + self.pump()
            }
            Err(_) => 0,
        }
    }

    /// Timer tick: timeouts, the idle detector, the rejected-taps report, retries.
    pub fn tick(&self) {
        let (now, _) = self.clock.now();
        self.retry();
        if self.detector.borrow_mut().poll(now) {
            tracing::info!("a self-service session went quiet: opening the survey");
            self.dispatch(SurveyInput::Show { service: None });
        }
        self.dispatch(SurveyInput::Tick);
    }

    /// Opens survey `id` for the hub: what happened, for its command result.
    fn show(&self, id: &SurveyId) -> Result<String, String> {
        if *id != self.flow.borrow().definition().id {
            match self.known.borrow().get(id) {
                Some(def) => self.dispatch(SurveyInput::Definition(def.clone())),
                None => {
                    tracing::warn!(survey = %id, "the hub asked for a survey it has not sent; ignored");
                    return Err(format!("survey {id} is unknown here: the hub has not sent it (retained survey/{id})"));
                }
            }
        }
        self.detector.borrow_mut().reset();
        self.dispatch(SurveyInput::Show { service: None });
        match self.flow.borrow().stage() {
            Stage::Hidden => Err(format!("survey {id} not shown: the pop-up refused to open now")),
            _ => Ok(format!("survey {id} on screen")),
        }
    }

    /// Handles one message from another thread.
    pub fn incoming(&self, msg: Incoming) {
        let (now, _) = self.clock.now();
        match msg {
            Incoming::Definition(def) => {
                if let Err(e) = crate::survey::check_survey(&def) {
                    tracing::warn!(survey = %def.id, error = %e, "the hub sent a survey this kiosk cannot show; ignored");
                    return;
                }
                if def.id == self.site.survey {
                    self.dispatch(SurveyInput::Definition(def));
                } else {
                    self.known.borrow_mut().insert(def.id.clone(), def);
                }
            }
            Incoming::ShowSurvey(id) => {
                let _ = self.show(&id);
            }
            Incoming::ShowSurveyAnswered(id, answer) => {
                let _ = answer.0.send(self.show(&id));
            }
            Incoming::Trigger(Trigger::Show(service)) => {
                self.detector.borrow_mut().reset();
                self.dispatch(SurveyInput::Show { service });
            }
            Incoming::Trigger(Trigger::Activity) => self.detector.borrow_mut().activity(now),
            Incoming::Trigger(Trigger::End) => self.detector.borrow_mut().reset(),
        }
    }

    fn perform(&self, fx: SurveyEffect) {
        match fx {
            SurveyEffect::Commit(answer) => {
                if let Err(e) = self.sink.commit(&answer) {
                    tracing::error!(error = %e, "could not store a survey answer; kept for a retry");
                    self.pending.borrow_mut().push(answer);
                }
            }
            SurveyEffect::Event(ev) => self.sink.event(ev),
            SurveyEffect::SetLanguage(lang) => select_translation(&lang),
        }
    }

    fn retry(&self) {
        let waiting: Vec<_> = self.pending.borrow_mut().drain(..).collect();
        for answer in waiting {
            if self.sink.commit(&answer).is_err() {
                self.pending.borrow_mut().push(answer);
            }
        }
    }

    /// Draws the flow into the adapters, then maps or unmaps the window to match.
    pub fn render(&self) {
        self.draw();
        self.sync_window();
    }

    /// The pop-up's window is on screen exactly while a visit is (see the module docs).
    fn sync_window(&self) {
        let want = !self.hides_between_visits() || self.flow.borrow().stage() != Stage::Hidden;
        if want == self.shown.get() {
            return;
        }
        let window = self.window.window();
        let result = if want { window.show() } else { window.hide() };
        match result {
            Ok(()) => {
                self.shown.set(want);
                tracing::debug!(shown = want, "survey window");
            }
            // Retried on the next redraw (every tick); the flow goes on either way.
            Err(e) => tracing::warn!(error = %e, shown = want, "could not show or hide the survey window"),
        }
    }

    fn draw(&self) {
        let flow = self.flow.borrow();
        let a = self.window.global::<SurveyAdapter>();
        let ka = self.window.global::<KioskAdapter>();
        let lang = flow.lang().clone();
        let popup = flow.config().mode == SurveyMode::Popup;
        ka.set_site_name(self.site.site_name.get(&lang).into());
        ka.set_page(if popup { Page::Survey } else { Page::Feedback });
        let view = flow.view();
        a.set_popup(popup);
        a.set_stage(match view.stage {
            Stage::Hidden => SurveyStage::Hidden,
            Stage::Question => SurveyStage::Question,
            Stage::Thanks => SurveyStage::Thanks,
        });
        a.set_title(view.def.title.get(&lang).into());
        a.set_thanks(view.def.thanks.get(&lang).into());
        let q = view.question;
        a.set_question(q.text.get(&lang).into());
        a.set_number(view.number as i32);
        a.set_count(view.count as i32);
        a.set_first(flow.cursor().top == 0 && flow.cursor().depth == 0 && !view.answered);
        a.set_required(q.required);
        a.set_can_back(view.can_back);
        a.set_answered(view.answered);
        a.set_text(view.text.into());
        let (kind, effort, max_len) = match &q.kind {
            QuestionKind::Choice { .. } => (QuestionType::Choice, false, 0),
            QuestionKind::Scale5 { style, measure } => (
                if *style == ScaleStyle::Smileys { QuestionType::Smileys } else { QuestionType::Numbers },
                *measure == Measure::Ces,
                0,
            ),
            QuestionKind::Nps => (QuestionType::Nps, false, 0),
            QuestionKind::Outcome => (QuestionType::Outcome, false, 0),
            QuestionKind::YesNo { .. } => (QuestionType::YesNo, false, 0),
            QuestionKind::FreeText { max_len } => {
                (QuestionType::FreeText, false, (*max_len as usize).min(aula_protocol::MAX_TEXT_LEN) as i32)
            }
        };
        a.set_kind(kind);
        a.set_effort(effort);
        a.set_max_len(max_len);
        a.set_selected(match view.current {
            Some(AnswerValue::Scale(n)) | Some(AnswerValue::Nps(n)) => *n as i32,
            Some(AnswerValue::Outcome(o)) => match o {
                Outcome::Done => 0,
                Outcome::Started => 1,
                Outcome::NotDone => 2,
            },
            Some(AnswerValue::YesNo(b)) => *b as i32,
            Some(AnswerValue::Choice(_)) | Some(AnswerValue::Text(_)) => 0,
            None => -1,
        });
        let chosen = match view.current {
            Some(AnswerValue::Choice(c)) => Some(c.as_str()),
            _ => None,
        };
        let options = match &q.kind {
            QuestionKind::Choice { options } => options
                .iter()
                .map(|o| ChoiceItem {
                    id: o.id.as_str().into(),
                    text: o.text.get(&lang).into(),
                    selected: chosen == Some(o.id.as_str()),
                })
                .collect(),
            _ => Vec::new(),
        };
        // Models are replaced only when they change: a new model rebuilds the buttons, and a
        // button under a finger should stay the same element between redraws.
        if !a.get_options().iter().eq(options.iter().cloned()) {
            a.set_options(ModelRc::new(VecModel::from(options)));
        }
        let languages: Vec<_> = self
            .site
            .languages
            .iter()
            .map(|l| LanguageItem { code: l.as_str().into(), name: endonym(l).into(), selected: *l == lang })
            .collect();
        if !a.get_languages().iter().eq(languages.iter().cloned()) {
            a.set_languages(ModelRc::new(VecModel::from(languages)));
        }
    }
}

/// Switches the bundled translation; a language without one shows English.
pub(crate) fn select_translation(lang: &Lang) {
    if let Err(e) = slint::select_bundled_translation(lang.as_str()) {
        tracing::info!(%lang, error = %e, "no translation bundled; showing English");
        let _ = slint::select_bundled_translation("en");
    }
}
