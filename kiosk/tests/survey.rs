//! The survey flow without a window: the pure machine (one answer per visit, follow-up after
//! "no", back/skip, walk-away, rate limit and its counted report), the use-then-idle
//! detector, the survey file, and the Unix-socket trigger with its line protocol.

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use aula_kiosk::survey::{
    Stage, SurveyConfig, SurveyEffect, SurveyFlow, SurveyInput as I, SurveyMode, UseDetector, parse_surveys,
};
use aula_kiosk::trigger::{Trigger, TriggerSocket, parse_line};
use aula_protocol::{AnswerValue as V, DeviceEvent, DeviceId, FeedbackAnswer, Lang, Outcome, ServiceId, SurveyDef};

pub const SURVEYS: &str = include_str!("surveys.toml");

pub fn survey(id: &str) -> SurveyDef {
    parse_surveys(SURVEYS, std::path::Path::new("kiosk/tests/surveys.toml"))
        .unwrap()
        .into_iter()
        .find(|d| d.id.as_str() == id)
        .unwrap()
}

pub fn config(mode: SurveyMode) -> SurveyConfig {
    SurveyConfig::new(mode, DeviceId::new("feedback-1").unwrap())
}

/// A flow and a clock that moves 1 s per input (past the debounce: deliberate taps).
struct Run {
    flow: SurveyFlow,
    now: Instant,
    effects: Vec<SurveyEffect>,
}

impl Run {
    fn new(mode: SurveyMode, id: &str) -> Self {
        Self::with(config(mode), id)
    }
    fn with(cfg: SurveyConfig, id: &str) -> Self {
        let now = Instant::now();
        Self { flow: SurveyFlow::new(cfg, survey(id), now), now, effects: Vec::new() }
    }
    fn at(&mut self, dt: Duration, input: I) -> &mut Self {
        self.now += dt;
        let fx = self.flow.handle(input, self.now);
        self.effects.extend(fx);
        self
    }
    fn go(&mut self, input: I) -> &mut Self {
        self.at(Duration::from_secs(1), input)
    }
    fn commits(&self) -> Vec<FeedbackAnswer> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                SurveyEffect::Commit(a) => Some(a.clone()),
                _ => None,
            })
            .collect()
    }
    fn question(&self) -> String {
        self.flow.view().question.id.to_string()
    }
}

fn answers(a: &FeedbackAnswer) -> Vec<(String, V)> {
    a.answers.iter().map(|x| (x.question.to_string(), x.value.clone())).collect()
}

#[test]
fn a_full_exit_survey_is_one_commit_with_every_answer_then_thanks_then_the_first_question() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    assert_eq!((r.flow.stage(), r.question().as_str()), (Stage::Question, "csat"));
    r.go(I::Language(Lang::en()))
        .go(I::Answer(V::Scale(4)))
        .go(I::Answer(V::Choice("kela".into())))
        .go(I::Answer(V::Scale(2)))
        .go(I::Answer(V::Nps(9)))
        .go(I::Answer(V::Outcome(Outcome::Started)));
    assert_eq!(r.question(), "comment");
    for c in "hyvä".chars() {
        r.go(I::Key(c));
    }
    assert!(r.commits().is_empty(), "nothing is sent before the visit ends");
    r.go(I::Next);
    let c = r.commits();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].lang, Lang::en());
    assert_eq!(c[0].service, Some(ServiceId::new("kela").unwrap()), "the service question names the service");
    assert_eq!(
        answers(&c[0]),
        vec![
            ("csat".into(), V::Scale(4)),
            ("service".into(), V::Choice("kela".into())),
            ("ces".into(), V::Scale(2)),
            ("nps".into(), V::Nps(9)),
            ("outcome".into(), V::Outcome(Outcome::Started)),
            ("comment".into(), V::Text("hyvä".into())),
        ]
    );
    assert_eq!(r.flow.stage(), Stage::Thanks);
    r.at(Duration::from_secs(4), I::Tick);
    assert_eq!((r.flow.stage(), r.question().as_str()), (Stage::Question, "csat"));
    assert_eq!(r.flow.lang(), &Lang::fi(), "the next visitor starts in the default language");
    assert!(r.effects.contains(&SurveyEffect::SetLanguage(Lang::fi())));
}

#[test]
fn walking_away_after_the_first_answer_sends_it_once_and_no_thanks() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    r.go(I::Answer(V::Scale(5)));
    r.at(Duration::from_secs(29), I::Tick);
    assert!(r.commits().is_empty());
    r.at(Duration::from_secs(1), I::Tick).at(Duration::from_secs(60), I::Tick);
    let c = r.commits();
    assert_eq!(c.len(), 1, "exactly once, however many ticks follow");
    assert_eq!(answers(&c[0]), vec![("csat".into(), V::Scale(5))]);
    assert_eq!((r.flow.stage(), r.question().as_str()), (Stage::Question, "csat"));
}

#[test]
fn ready_sends_what_was_answered_and_skip_leaves_a_question_out() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    r.go(I::Answer(V::Scale(3))).go(I::Next).go(I::Answer(V::Scale(1)));
    assert_eq!(r.question(), "nps");
    r.go(I::Finish);
    let c = r.commits();
    assert_eq!(answers(&c[0]), vec![("csat".into(), V::Scale(3)), ("ces".into(), V::Scale(1))]);
    assert_eq!(c[0].service, None);
}

#[test]
fn the_required_first_question_cannot_be_skipped_and_finish_without_answers_sends_nothing() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    r.go(I::Next);
    assert_eq!(r.question(), "csat");
    r.go(I::Finish).at(Duration::from_secs(120), I::Tick);
    assert!(r.commits().is_empty());
}

#[test]
fn follow_up_only_after_no_and_back_to_yes_drops_it() {
    let mut r = Run::new(SurveyMode::Popup, "self-service");
    assert_eq!(r.flow.stage(), Stage::Hidden, "nothing on screen until triggered");
    r.go(I::Answer(V::Scale(3)));
    assert!(r.commits().is_empty() && r.flow.stage() == Stage::Hidden);
    r.go(I::Show { service: Some(ServiceId::new("vero").unwrap()) });
    r.go(I::Answer(V::Outcome(Outcome::Done))).go(I::Answer(V::YesNo(false)));
    assert_eq!(r.question(), "on-own-help");
    r.go(I::Answer(V::Choice("guidance".into())));
    assert_eq!(r.question(), "ces");
    r.go(I::Back).go(I::Back);
    assert_eq!(r.question(), "on-own");
    r.go(I::Answer(V::YesNo(true)));
    assert_eq!(r.question(), "ces", "no follow-up after yes");
    r.go(I::Answer(V::Scale(1)));
    let c = r.commits();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].service, Some(ServiceId::new("vero").unwrap()), "the trigger's service");
    assert_eq!(
        answers(&c[0]),
        vec![
            ("outcome".into(), V::Outcome(Outcome::Done)),
            ("on-own".into(), V::YesNo(true)),
            ("ces".into(), V::Scale(1)),
        ]
    );
    r.at(Duration::from_secs(4), I::Tick);
    assert_eq!(r.flow.stage(), Stage::Hidden);
}

#[test]
fn the_pop_up_is_dismissed_or_times_out_and_sends_only_what_was_answered() {
    let mut r = Run::new(SurveyMode::Popup, "self-service");
    r.go(I::Show { service: None }).go(I::Dismiss);
    assert_eq!(r.flow.stage(), Stage::Hidden);
    r.go(I::Show { service: None }).at(Duration::from_secs(45), I::Tick);
    assert_eq!(r.flow.stage(), Stage::Hidden, "an untouched pop-up closes by itself");
    assert!(r.commits().is_empty());
    r.at(Duration::from_secs(10), I::Show { service: None }).go(I::Answer(V::Outcome(Outcome::NotDone))).go(I::Dismiss);
    assert_eq!(r.flow.stage(), Stage::Hidden, "closing after an answer: no thank-you");
    assert_eq!(answers(&r.commits()[0]), vec![("outcome".into(), V::Outcome(Outcome::NotDone))]);
}

#[test]
fn repeated_taps_are_refused_counted_and_reported_once_a_minute() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    // One finger tapping the same smiley: the first tap answers, the rest bounce (debounce),
    // then the visitor leaves.
    r.go(I::Answer(V::Scale(5)));
    for _ in 0..3 {
        r.at(Duration::from_millis(100), I::Answer(V::Scale(5)));
    }
    assert_eq!(r.question(), "service", "a bounce must not answer the next question");
    assert_eq!(r.flow.taps_rejected(), 3);
    r.go(I::Finish);
    // While the thank-you shows, first-question taps are refused.
    r.go(I::Answer(V::Scale(5)));
    assert_eq!(r.commits().len(), 1);
    assert_eq!(r.flow.taps_rejected(), 4);
    r.at(Duration::from_secs(4), I::Tick);
    assert_eq!(r.flow.stage(), Stage::Question);
    // The thank-you was the pause: the next visitor's first tap counts (a new visit).
    r.at(Duration::from_millis(500), I::Answer(V::Scale(1))).go(I::Finish);
    assert_eq!(r.commits().len(), 2);
    r.at(Duration::from_secs(2), I::Answer(V::Scale(5)));
    assert_eq!(r.flow.taps_rejected(), 5, "a tap on the thank-you");
    // The report: once, after the minute, with the count; then nothing until new refusals.
    let events = |r: &Run| r.effects.iter().filter(|e| matches!(e, SurveyEffect::Event(_))).count();
    r.at(Duration::from_secs(30), I::Tick);
    assert_eq!(events(&r), 0, "not before a minute has passed since the last report");
    r.at(Duration::from_secs(30), I::Tick);
    assert_eq!(events(&r), 1);
    assert!(r.effects.contains(&SurveyEffect::Event(DeviceEvent::TapsRejected { count: 5 })));
    r.at(Duration::from_secs(120), I::Tick);
    assert_eq!(events(&r), 1);
    assert_eq!(r.flow.taps_rejected_total(), 5);
}

#[test]
fn the_cool_down_ends_with_the_thank_you_and_holds_after_a_visit_without_one() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    // A visit that ends with a thank-you: the question that comes back takes the next
    // visitor's first tap at once (the thank-you is 4 s, the cool-down 6 s: the 2 s between
    // used to refuse it silently).
    r.go(I::Answer(V::Scale(4))).go(I::Finish);
    assert_eq!((r.commits().len(), r.flow.stage()), (1, Stage::Thanks));
    r.at(Duration::from_secs(4), I::Tick);
    assert_eq!(r.flow.stage(), Stage::Question);
    r.at(Duration::from_millis(500), I::Answer(V::Scale(2)));
    assert!(r.flow.view().answered, "the first tap after the thank-you starts a visit");
    assert_eq!(r.flow.taps_rejected(), 0);
    // A visit that ends without one (walked away): the cool-down holds its full 6 s.
    r.at(Duration::from_secs(31), I::Tick);
    assert_eq!((r.commits().len(), r.flow.stage()), (2, Stage::Question));
    r.at(Duration::from_secs(1), I::Answer(V::Scale(4)));
    assert!(!r.flow.view().answered);
    assert_eq!(r.flow.taps_rejected(), 1, "inside the cool-down after a commit without a thank-you");
    r.at(Duration::from_secs(5), I::Answer(V::Scale(4)));
    assert!(r.flow.view().answered, "past the cool-down");
}

#[test]
fn more_than_the_allowed_answers_a_minute_are_refused() {
    let mut cfg = config(SurveyMode::Feedback);
    cfg.cooldown = Duration::ZERO;
    let mut r = Run::with(cfg, "exit");
    // Thanks 4 s, 6 answers a minute: a visit every 6.5 s hits the minute limit.
    for _ in 0..8 {
        r.at(Duration::from_secs(2), I::Answer(V::Scale(4))).at(Duration::from_millis(500), I::Finish);
        r.at(Duration::from_secs(4), I::Tick);
    }
    assert_eq!(r.commits().len(), 6);
    assert_eq!(r.flow.taps_rejected(), 2);
    r.at(Duration::from_secs(60), I::Answer(V::Scale(4))).go(I::Finish);
    assert_eq!(r.commits().len(), 7, "the limit is per rolling minute");
}

#[test]
fn free_text_is_limited_to_max_len() {
    let mut def = survey("exit");
    def.questions.retain(|q| q.id.as_str() == "comment");
    def.questions[0].kind = aula_protocol::QuestionKind::FreeText { max_len: 5 };
    let now = Instant::now();
    let mut f = SurveyFlow::new(config(SurveyMode::Feedback), def, now);
    for (i, c) in "abcdefg".chars().enumerate() {
        f.handle(I::Key(c), now + Duration::from_secs(i as u64));
    }
    assert_eq!(f.view().text, "abcde");
    f.handle(I::Backspace, now + Duration::from_secs(10));
    let fx = f.handle(I::Next, now + Duration::from_secs(11));
    let SurveyEffect::Commit(a) = &fx[0] else { panic!("{fx:?}") };
    assert_eq!(a.answers[0].value, V::Text("abcd".into()));
}

#[test]
fn a_new_definition_mid_visit_waits_for_the_visit_to_end() {
    let mut r = Run::new(SurveyMode::Feedback, "exit");
    r.go(I::Answer(V::Scale(4)));
    r.go(I::Definition(survey("self-service")));
    assert_eq!(r.question(), "service", "the visitor's survey does not change under them");
    r.go(I::Finish);
    assert_eq!(r.commits()[0].survey.as_str(), "exit");
    r.at(Duration::from_secs(4), I::Tick);
    assert_eq!(r.question(), "outcome");
}

#[test]
fn use_then_idle_opens_once_and_short_use_does_not() {
    let t0 = Instant::now();
    let s = Duration::from_secs;
    let mut d = UseDetector::new(s(60), s(20));
    // (activity at, poll at, expected)
    for t in (0..=70).step_by(10) {
        d.activity(t0 + s(t));
    }
    assert!(!d.poll(t0 + s(85)), "still within the idle time");
    assert!(d.poll(t0 + s(90)), "70 s of use then 20 s quiet");
    assert!(!d.poll(t0 + s(200)), "only once");
    d.activity(t0 + s(300));
    d.activity(t0 + s(310));
    assert!(!d.poll(t0 + s(400)), "10 s of use is not a session");
    // A long gap splits sessions: 30 s + (gap) + 40 s is not 60 s of use.
    d.activity(t0 + s(500));
    d.activity(t0 + s(530));
    d.activity(t0 + s(560));
    d.activity(t0 + s(600));
    assert!(!d.poll(t0 + s(620)));
    d.reset();
    assert!(!d.poll(t0 + s(1000)));
}

#[test]
fn survey_file_errors_name_the_file_and_what_is_missing() {
    let defs = parse_surveys(SURVEYS, std::path::Path::new("s.toml")).unwrap();
    assert_eq!(defs.len(), 2);
    let cases = [
        (r#", en = "How satisfied were you with the service today?""#, "", "question csat has no text in en"),
        ("max_len = 300", "max_len = 0", "max_len 0"),
        ("[[survey]]\nid = \"exit\"", "[[survey]]\nid = \"Exit!\"", "s.toml"),
        ("type = \"nps\"", "type = \"stars\"", "s.toml"),
    ];
    for (from, to, want) in cases {
        assert!(SURVEYS.contains(from), "{from}");
        let err =
            parse_surveys(&SURVEYS.replacen(from, to, 1), std::path::Path::new("s.toml")).unwrap_err().to_string();
        assert!(err.contains("s.toml") && err.contains(want), "{err}");
    }
}

#[test]
fn trigger_lines_parse_or_say_what_is_expected() {
    let ok = [
        ("show", Trigger::Show(None)),
        ("show vero", Trigger::Show(Some(ServiceId::new("vero").unwrap()))),
        ("  activity ", Trigger::Activity),
        ("end", Trigger::End),
    ];
    for (line, want) in ok {
        assert_eq!(parse_line(line), Ok(want), "{line}");
    }
    for bad in ["", "open", "show Vero!", "show a b", "end now"] {
        let e = parse_line(bad).unwrap_err();
        assert!(e.contains("expected show [service-id], activity or end"), "{bad}: {e}");
    }
}

#[test]
fn the_trigger_socket_answers_each_line_and_delivers_valid_commands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/survey.sock");
    let (tx, rx) = std::sync::mpsc::channel();
    let socket = TriggerSocket::start(&path, move |t| tx.send(t).unwrap()).unwrap();
    let mut conn = std::os::unix::net::UnixStream::connect(&path).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut ask = |line: &str| {
        writeln!(conn, "{line}").unwrap();
        let mut answer = String::new();
        reader.read_line(&mut answer).unwrap();
        answer.trim().to_owned()
    };
    assert_eq!(ask("activity"), "ok");
    assert!(ask("open please").starts_with("error unknown command \"open\""));
    assert_eq!(ask("show kela"), "ok");
    let got: Vec<_> = rx.try_iter().collect();
    assert_eq!(got, vec![Trigger::Activity, Trigger::Show(Some(ServiceId::new("kela").unwrap()))]);
    // A restart finds its own stale socket file and replaces it.
    drop(socket);
    let (tx, _rx) = std::sync::mpsc::channel();
    let _again = TriggerSocket::start(&path, move |t| tx.send(t).unwrap()).unwrap();
    // A regular file in the way is a config mistake, reported with the path.
    let file = dir.path().join("not-a-socket");
    std::fs::write(&file, "x").unwrap();
    let err = TriggerSocket::start(&file, |_| {}).err().unwrap().to_string();
    assert!(err.contains("not-a-socket") && err.contains("not a socket"), "{err}");
}
