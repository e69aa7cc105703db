//! The survey flow of the feedback terminal and the self-service pop-up, as a pure state
//! machine: no Slint, no threads, no clock of its own (every call takes `now`).
//!
//! [`SurveyFlow::handle`] takes one [`SurveyInput`] (an answer tap, next/back, a trigger, a
//! definition from the hub, a timer tick) and returns the [`SurveyEffect`]s the controller
//! performs (commit a [`FeedbackAnswer`] to the durable outbox, report rejected taps, switch
//! the UI language). What to draw is [`SurveyFlow::view`]. The rules, once:
//!
//! - **One visit, one answer.** A visit starts with the first tap on the first question and
//!   ends when the visitor finishes (last question answered or skipped, or "Ready"), walks
//!   away ([`SurveyConfig::inactivity`]) or closes the pop-up. A visit with at least one
//!   answer becomes exactly one [`SurveyEffect::Commit`]; a visit with none is forgotten.
//! - **What "sent" means.** An answer is *sent* when the controller has committed it to the
//!   device's durable outbox (aula-agent's SQLite, `Agent::send_feedback` returns after the
//!   commit); only then does the screen say thank you. The outbox publishes at QoS 1 and keeps
//!   the row until the broker's PUBACK; the hub stores it once by envelope id, so a resend
//!   after a crash or an outage is harmless. The machine hands the answers over in the same
//!   step that clears them, so a visit can never be committed twice. The price: a visit in
//!   progress (answers tapped, not yet finished or timed out) lives in memory only, and a crash
//!   in those seconds loses it; nobody has been thanked for it yet.
//! - **Rate limit, counted.** Taps on the first question are refused while the thank-you
//!   shows, within [`SurveyConfig::cooldown`] after a committed visit (a thank-you is that
//!   pause: the cool-down ends when the thank-you ends, so the first question never comes
//!   back on screen only to refuse the next visitor's first tap without a word), and when
//!   [`SurveyConfig::max_per_minute`] visits were already committed in the last minute. Every
//!   answer tap within [`SurveyConfig::debounce`] of the screen changing is refused too (one
//!   finger tapping the same spot must not answer the next question as well). Refused taps
//!   are counted and reported as [`DeviceEvent::TapsRejected`] at most once per
//!   [`SurveyConfig::report_every`], never per tap.
//! - **Feedback mode** ([`SurveyMode::Feedback`], a terminal by the exit): the first question
//!   is always on screen; the rest are optional unless the definition marks them required;
//!   a thank-you for [`SurveyConfig::thanks`], then back to the first question by itself.
//! - **Survey mode** ([`SurveyMode::Popup`], a self-service terminal): nothing shows until a
//!   trigger ([`SurveyInput::Show`]: a hub command, the local socket, or the use-then-idle
//!   [`UseDetector`]); the pop-up can be dismissed and closes by itself after
//!   [`SurveyConfig::popup_timeout`] without a tap.
//! - **Follow-up after "no"**: a yes/no question with `follow_up_on_no` asks the follow-up
//!   only after "no"; going back and answering "yes" drops the follow-up's answer.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use aula_protocol::{
    Answer, AnswerValue, DeviceEvent, DeviceId, FeedbackAnswer, Lang, MAX_TEXT_LEN, Question, QuestionKind, ServiceId,
    SurveyDef,
};

/// Which of the two front ends this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyMode {
    /// The feedback terminal: the first question is always on screen.
    Feedback,
    /// The self-service pop-up: shown only when triggered.
    Popup,
}

/// Tunables, validated from the config file (`[survey]`).
#[derive(Debug, Clone)]
pub struct SurveyConfig {
    pub mode: SurveyMode,
    pub device: DeviceId,
    pub default_lang: Lang,
    /// A visit without a tap for this long has walked away.
    pub inactivity: Duration,
    /// How long the thank-you shows.
    pub thanks: Duration,
    /// After a committed visit, first-question taps are refused for this long, or until the
    /// thank-you ends, whichever is sooner.
    pub cooldown: Duration,
    /// Committed visits allowed per rolling minute; more first-question taps are refused.
    pub max_per_minute: u32,
    /// An answer tap this soon after the screen changed is a repeat of the last tap.
    pub debounce: Duration,
    /// An untouched pop-up closes after this long.
    pub popup_timeout: Duration,
    /// Rejected taps are reported at most this often.
    pub report_every: Duration,
}

impl SurveyConfig {
    pub fn new(mode: SurveyMode, device: DeviceId) -> Self {
        Self {
            mode,
            device,
            default_lang: Lang::fi(),
            inactivity: Duration::from_secs(30),
            thanks: Duration::from_secs(4),
            cooldown: Duration::from_secs(6),
            max_per_minute: 6,
            debounce: Duration::from_millis(400),
            popup_timeout: Duration::from_secs(45),
            report_every: Duration::from_secs(60),
        }
    }
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveyInput {
    /// A tap on an answer of the current question (not free text).
    Answer(AnswerValue),
    /// A key of the on-screen keyboard (free text).
    Key(char),
    Backspace,
    /// Next (for free text: accept the text) or skip an optional question.
    Next,
    Back,
    /// "Ready": end the visit now with what was answered.
    Finish,
    /// Close the pop-up ("No thanks").
    Dismiss,
    Language(Lang),
    /// Open the pop-up (survey mode); `service` says what the session was about, if known.
    Show {
        service: Option<ServiceId>,
    },
    /// A survey definition (from the hub, or the local file at start).
    Definition(SurveyDef),
    Tick,
}

/// What the controller must do.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveyEffect {
    /// Commit this visit to the durable outbox (before the thank-you is drawn).
    Commit(FeedbackAnswer),
    /// Report the taps refused since the last report.
    Event(DeviceEvent),
    SetLanguage(Lang),
}

/// Where the visitor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Survey mode: nothing on screen. Feedback mode never idles.
    Hidden,
    Question,
    Thanks,
}

/// Position of the current question: `top` in the survey's list, `depth` follow-ups down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub top: usize,
    pub depth: usize,
}

/// What the screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyView<'a> {
    pub stage: Stage,
    pub def: &'a SurveyDef,
    pub question: &'a Question,
    /// 1-based number of the top-level question, and how many there are.
    pub number: usize,
    pub count: usize,
    /// The answer already given to the current question (after going back).
    pub current: Option<&'a AnswerValue>,
    pub text: &'a str,
    pub can_back: bool,
    /// At least one answer given: "Ready" commits.
    pub answered: bool,
}

#[derive(Debug, Default)]
struct Visit {
    answers: Vec<Answer>,
    history: Vec<Cursor>,
    text: String,
    service: Option<ServiceId>,
}

/// The machine. See the module docs for the rules.
#[derive(Debug)]
pub struct SurveyFlow {
    cfg: SurveyConfig,
    def: SurveyDef,
    /// A definition that arrived mid-visit; applied when the visit ends.
    next_def: Option<SurveyDef>,
    lang: Lang,
    stage: Stage,
    cursor: Cursor,
    visit: Visit,
    /// Last tap or screen change (inactivity).
    last_touch: Instant,
    /// When the screen last changed (debounce).
    changed_at: Instant,
    thanks_until: Option<Instant>,
    /// End of the cool-down after the last commit (cleared when a thank-you ends).
    cooldown_until: Option<Instant>,
    commits: VecDeque<Instant>,
    rejected: u32,
    rejected_total: u64,
    last_report: Instant,
    committed_total: u64,
}

impl SurveyFlow {
    pub fn new(cfg: SurveyConfig, def: SurveyDef, now: Instant) -> Self {
        let stage = match cfg.mode {
            SurveyMode::Feedback => Stage::Question,
            SurveyMode::Popup => Stage::Hidden,
        };
        Self {
            lang: cfg.default_lang.clone(),
            cfg,
            def,
            next_def: None,
            stage,
            cursor: Cursor { top: 0, depth: 0 },
            visit: Visit::default(),
            last_touch: now,
            changed_at: now,
            thanks_until: None,
            cooldown_until: None,
            commits: VecDeque::new(),
            rejected: 0,
            rejected_total: 0,
            last_report: now,
            committed_total: 0,
        }
    }

    pub fn config(&self) -> &SurveyConfig {
        &self.cfg
    }
    pub fn lang(&self) -> &Lang {
        &self.lang
    }
    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn cursor(&self) -> Cursor {
        self.cursor
    }
    pub fn definition(&self) -> &SurveyDef {
        &self.def
    }
    /// Refused taps not yet reported.
    pub fn taps_rejected(&self) -> u32 {
        self.rejected
    }
    /// Refused taps since start (health, tests).
    pub fn taps_rejected_total(&self) -> u64 {
        self.rejected_total
    }
    /// Visits handed over for commit since start.
    pub fn committed_total(&self) -> u64 {
        self.committed_total
    }

    pub fn view(&self) -> SurveyView<'_> {
        let question = self.question(self.cursor);
        SurveyView {
            stage: self.stage,
            def: &self.def,
            question,
            number: self.cursor.top + 1,
            count: self.def.questions.len(),
            current: self.visit.answers.iter().find(|a| a.question == question.id).map(|a| &a.value),
            text: &self.visit.text,
            can_back: !self.visit.history.is_empty(),
            answered: !self.visit.answers.is_empty(),
        }
    }

    fn question(&self, c: Cursor) -> &Question {
        let mut q = &self.def.questions[c.top.min(self.def.questions.len() - 1)];
        for _ in 0..c.depth {
            match &q.kind {
                QuestionKind::YesNo { follow_up_on_no: Some(f) } => q = f,
                _ => break,
            }
        }
        q
    }

    fn in_visit(&self) -> bool {
        !self.visit.answers.is_empty() || !self.visit.history.is_empty() || !self.visit.text.is_empty()
    }

    pub fn handle(&mut self, input: SurveyInput, now: Instant) -> Vec<SurveyEffect> {
        let mut fx = Vec::new();
        match input {
            SurveyInput::Tick => self.tick(now, &mut fx),
            SurveyInput::Definition(def) => {
                if self.in_visit() || self.stage == Stage::Thanks {
                    self.next_def = Some(def);
                } else {
                    self.def = def;
                    self.cursor = Cursor { top: 0, depth: 0 };
                }
            }
            SurveyInput::Show { service } => {
                if self.cfg.mode == SurveyMode::Popup && self.stage == Stage::Hidden {
                    self.visit = Visit { service, ..Visit::default() };
                    self.cursor = Cursor { top: 0, depth: 0 };
                    self.stage = Stage::Question;
                    self.changed(now);
                } else if self.stage == Stage::Question && service.is_some() && self.visit.service.is_none() {
                    self.visit.service = service;
                }
            }
            SurveyInput::Language(l) => {
                if self.stage == Stage::Question && l != self.lang {
                    self.lang = l.clone();
                    self.last_touch = now;
                    fx.push(SurveyEffect::SetLanguage(l));
                }
            }
            SurveyInput::Answer(value) => self.answer(value, now, &mut fx),
            SurveyInput::Key(c) => {
                if self.stage == Stage::Question
                    && let QuestionKind::FreeText { max_len } = self.question(self.cursor).kind
                {
                    self.last_touch = now;
                    let limit = (max_len as usize).min(MAX_TEXT_LEN);
                    if !c.is_control() && self.visit.text.chars().count() < limit {
                        self.visit.text.push(c);
                    }
                }
            }
            SurveyInput::Backspace => {
                if self.stage == Stage::Question {
                    self.last_touch = now;
                    self.visit.text.pop();
                }
            }
            SurveyInput::Next => {
                if self.stage != Stage::Question {
                    return fx;
                }
                let q = self.question(self.cursor);
                if let QuestionKind::FreeText { .. } = q.kind {
                    let text = self.visit.text.trim().to_owned();
                    if !text.is_empty() {
                        let id = q.id.clone();
                        self.record(id, AnswerValue::Text(text));
                    }
                }
                let has = self.view().current.is_some();
                if self.question(self.cursor).required && !has {
                    return fx; // the UI offers no skip; a stray call changes nothing
                }
                self.last_touch = now;
                self.advance(false, now, &mut fx);
            }
            SurveyInput::Back => {
                if self.stage == Stage::Question
                    && let Some(prev) = self.visit.history.pop()
                {
                    self.cursor = prev;
                    self.load_text();
                    self.changed(now);
                }
            }
            SurveyInput::Finish => {
                if self.stage == Stage::Question {
                    self.end_visit(true, now, &mut fx);
                }
            }
            SurveyInput::Dismiss => {
                if self.stage == Stage::Question {
                    self.end_visit(false, now, &mut fx);
                    if self.cfg.mode == SurveyMode::Popup {
                        // Closing the pop-up says nothing more is wanted: no thank-you.
                        self.hide(now, &mut fx);
                    }
                }
            }
        }
        fx
    }

    fn answer(&mut self, value: AnswerValue, now: Instant, fx: &mut Vec<SurveyEffect>) {
        if self.stage != Stage::Question {
            // A tap that lands after the visit ended (the thank-you is showing).
            self.reject();
            return;
        }
        if now.duration_since(self.changed_at) < self.cfg.debounce {
            self.reject();
            return;
        }
        let first_of_visit = !self.in_visit();
        if first_of_visit && self.limited(now) {
            self.reject();
            return;
        }
        let q = self.question(self.cursor);
        if !fits(&q.kind, &value) {
            tracing::warn!(question = %q.id, ?value, "an answer that does not fit the question was ignored");
            return;
        }
        let follow =
            matches!((&q.kind, &value), (QuestionKind::YesNo { follow_up_on_no: Some(_) }, AnswerValue::YesNo(false)));
        // A "service" question names what the visit was about: the hub reports per service.
        let service = match (&q.kind, &value) {
            (QuestionKind::Choice { .. }, AnswerValue::Choice(id)) if q.id.as_str() == "service" => {
                ServiceId::new(id.as_str()).ok()
            }
            _ => None,
        };
        // "Yes" after going back: the follow-up asked after "no" no longer applies.
        let stale: Vec<_> = match value {
            AnswerValue::YesNo(true) => q.with_follow_ups().into_iter().skip(1).map(|f| f.id.clone()).collect(),
            _ => Vec::new(),
        };
        let id = q.id.clone();
        if service.is_some() {
            self.visit.service = service;
        }
        self.visit.answers.retain(|a| !stale.contains(&a.question));
        self.record(id, value);
        self.last_touch = now;
        self.advance(follow, now, fx);
    }

    fn record(&mut self, question: aula_protocol::QuestionId, value: AnswerValue) {
        match self.visit.answers.iter_mut().find(|a| a.question == question) {
            Some(a) => a.value = value,
            None => self.visit.answers.push(Answer { question, value }),
        }
    }

    fn advance(&mut self, follow_up: bool, now: Instant, fx: &mut Vec<SurveyEffect>) {
        self.visit.history.push(self.cursor);
        if follow_up {
            self.cursor.depth += 1;
        } else if self.cursor.top + 1 < self.def.questions.len() {
            self.cursor = Cursor { top: self.cursor.top + 1, depth: 0 };
        } else {
            self.end_visit(true, now, fx);
            return;
        }
        self.load_text();
        self.changed(now);
    }

    /// The free-text field shows the text given before (after going back), else empty.
    fn load_text(&mut self) {
        let id = &self.question(self.cursor).id;
        self.visit.text = match self.visit.answers.iter().find(|a| &a.question == id) {
            Some(Answer { value: AnswerValue::Text(t), .. }) => t.clone(),
            _ => String::new(),
        };
    }

    fn changed(&mut self, now: Instant) {
        self.changed_at = now;
        self.last_touch = now;
    }

    fn limited(&mut self, now: Instant) -> bool {
        while self.commits.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
            self.commits.pop_front();
        }
        self.cooldown_until.is_some_and(|t| now < t) || self.commits.len() >= self.cfg.max_per_minute as usize
    }

    fn reject(&mut self) {
        self.rejected += 1;
        self.rejected_total += 1;
    }

    /// Ends the visit: commits what was answered (if anything), then the thank-you (when
    /// `thank` and something was answered) or back to the start.
    fn end_visit(&mut self, thank: bool, now: Instant, fx: &mut Vec<SurveyEffect>) {
        let visit = std::mem::take(&mut self.visit);
        self.cursor = Cursor { top: 0, depth: 0 };
        let committed = !visit.answers.is_empty();
        if committed {
            fx.push(SurveyEffect::Commit(FeedbackAnswer {
                survey: self.def.id.clone(),
                device: self.cfg.device.clone(),
                lang: self.lang.clone(),
                service: visit.service,
                answers: visit.answers,
            }));
            self.committed_total += 1;
            self.cooldown_until = Some(now + self.cfg.cooldown);
            self.commits.push_back(now);
        }
        if committed && thank {
            self.stage = Stage::Thanks;
            self.thanks_until = Some(now + self.cfg.thanks);
            self.changed(now);
        } else {
            self.restart(now, fx);
        }
    }

    /// Back to the start: the first question (feedback) or nothing (survey), default language.
    fn restart(&mut self, now: Instant, fx: &mut Vec<SurveyEffect>) {
        self.thanks_until = None;
        if let Some(def) = self.next_def.take() {
            self.def = def;
        }
        self.cursor = Cursor { top: 0, depth: 0 };
        self.stage = match self.cfg.mode {
            SurveyMode::Feedback => Stage::Question,
            SurveyMode::Popup => Stage::Hidden,
        };
        if self.lang != self.cfg.default_lang {
            self.lang = self.cfg.default_lang.clone();
            fx.push(SurveyEffect::SetLanguage(self.lang.clone()));
        }
        self.changed(now);
    }

    fn hide(&mut self, now: Instant, fx: &mut Vec<SurveyEffect>) {
        if self.stage != Stage::Hidden {
            self.restart(now, fx);
        }
    }

    fn tick(&mut self, now: Instant, fx: &mut Vec<SurveyEffect>) {
        match self.stage {
            Stage::Thanks => {
                if self.thanks_until.is_some_and(|t| now >= t) {
                    // The thank-you was the pause: the question that comes back takes the next
                    // visitor's first tap (the debounce and the per-minute cap still apply).
                    self.cooldown_until = None;
                    self.restart(now, fx);
                }
            }
            Stage::Question => {
                let idle = now.duration_since(self.last_touch);
                if self.in_visit() {
                    if idle >= self.cfg.inactivity {
                        // Walked away: what was answered is kept, nobody to thank.
                        self.end_visit(false, now, fx);
                    }
                } else if self.cfg.mode == SurveyMode::Popup && idle >= self.cfg.popup_timeout {
                    self.hide(now, fx);
                } else if self.cfg.mode == SurveyMode::Feedback
                    && idle >= self.cfg.inactivity
                    && (self.lang != self.cfg.default_lang)
                {
                    // Someone chose a language and left without answering.
                    self.restart(now, fx);
                }
            }
            Stage::Hidden => {}
        }
        if self.rejected > 0 && now.duration_since(self.last_report) >= self.cfg.report_every {
            fx.push(SurveyEffect::Event(DeviceEvent::TapsRejected { count: self.rejected }));
            self.rejected = 0;
            self.last_report = now;
        }
    }
}

/// Whether `value` is a possible answer to a question of `kind`.
pub fn fits(kind: &QuestionKind, value: &AnswerValue) -> bool {
    match (kind, value) {
        (QuestionKind::Choice { options }, AnswerValue::Choice(id)) => options.iter().any(|o| &o.id == id),
        (QuestionKind::Scale5 { .. }, AnswerValue::Scale(n)) => (1..=5).contains(n),
        (QuestionKind::Nps, AnswerValue::Nps(n)) => *n <= 10,
        (QuestionKind::Outcome, AnswerValue::Outcome(_)) => true,
        (QuestionKind::YesNo { .. }, AnswerValue::YesNo(_)) => true,
        (QuestionKind::FreeText { .. }, AnswerValue::Text(_)) => true,
        _ => false,
    }
}

/// The use-then-idle detector of survey mode: activity (socket pings, touches) for at least
/// `active` followed by `idle` without any opens the survey once. Pure: feed it activity and
/// poll it with the time.
#[derive(Debug, Clone)]
pub struct UseDetector {
    active: Duration,
    idle: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl UseDetector {
    pub fn new(active: Duration, idle: Duration) -> Self {
        Self { active, idle, first: None, last: None }
    }

    /// Someone is using the terminal.
    pub fn activity(&mut self, now: Instant) {
        // A gap longer than `idle` ended the previous session without it counting.
        if self.last.is_some_and(|l| now.duration_since(l) >= self.idle) {
            self.first = None;
        }
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// The self-service software said the session ended: forget it (the caller shows the
    /// survey itself if it wants to).
    pub fn reset(&mut self) {
        self.first = None;
        self.last = None;
    }

    /// True once when a long-enough session has gone quiet.
    pub fn poll(&mut self, now: Instant) -> bool {
        let (Some(first), Some(last)) = (self.first, self.last) else { return false };
        if now.duration_since(last) < self.idle {
            return false;
        }
        self.reset();
        last.duration_since(first) >= self.active
    }
}

/// The survey file (`config/surveys.toml`, shared with the hub): `[[survey]]` tables, each a
/// plain serde [`SurveyDef`].
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SurveyFile {
    #[serde(default)]
    survey: Vec<SurveyDef>,
}

#[derive(Debug, thiserror::Error)]
pub enum SurveyFileError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message} (expected `[[survey]]` tables with id, title, thanks and questions)")]
    Parse { file: std::path::PathBuf, message: String },
    #[error("{file}: survey {id}: {message}")]
    Invalid { file: std::path::PathBuf, id: String, message: String },
}

/// Reads and validates every survey of a survey file. Every text must exist in fi, sv and en.
pub fn load_surveys(path: &std::path::Path) -> Result<Vec<SurveyDef>, SurveyFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| SurveyFileError::Read { file: path.into(), source })?;
    parse_surveys(&text, path)
}

pub fn parse_surveys(text: &str, path: &std::path::Path) -> Result<Vec<SurveyDef>, SurveyFileError> {
    let file: SurveyFile =
        toml::from_str(text).map_err(|e| SurveyFileError::Parse { file: path.into(), message: e.to_string() })?;
    for def in &file.survey {
        check_survey(def).map_err(|message| SurveyFileError::Invalid {
            file: path.into(),
            id: def.id.to_string(),
            message,
        })?;
    }
    Ok(file.survey)
}

/// The protocol's validation plus what a screen needs: texts in fi, sv and en, a length
/// limit a keyboard can fill, options to choose from.
pub fn check_survey(def: &SurveyDef) -> Result<(), String> {
    use aula_protocol::Validate;
    def.validate()?;
    let required = [Lang::fi(), Lang::sv(), Lang::en()];
    let need = |what: String, t: &aula_protocol::Localized| -> Result<(), String> {
        let missing = t.missing(&required);
        if missing.is_empty() {
            Ok(())
        } else {
            let l: Vec<_> = missing.iter().map(|l| l.as_str()).collect();
            Err(format!("{what} has no text in {} (every text needs fi, sv and en)", l.join(", ")))
        }
    };
    need("title".into(), &def.title)?;
    need("thanks".into(), &def.thanks)?;
    for q in def.questions.iter().flat_map(Question::with_follow_ups) {
        need(format!("question {}", q.id), &q.text)?;
        match &q.kind {
            QuestionKind::Choice { options } => {
                if options.is_empty() || options.len() > 12 {
                    return Err(format!("question {}: 1 to 12 options expected, found {}", q.id, options.len()));
                }
                for o in options {
                    need(format!("question {} option {}", q.id, o.id), &o.text)?;
                }
            }
            QuestionKind::FreeText { max_len } if *max_len == 0 || *max_len as usize > MAX_TEXT_LEN => {
                return Err(format!("question {}: max_len {max_len} is outside 1..={MAX_TEXT_LEN}", q.id));
            }
            _ => {}
        }
    }
    Ok(())
}
