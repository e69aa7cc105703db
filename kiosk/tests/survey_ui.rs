//! The feedback terminal and the self-service pop-up through the real Slint UI (testing
//! backend, software renderer): find by accessible label, click, assert what reached the
//! outbox (a recording [`FeedbackSink`]); the pop-up's window mapped only while a visit is on
//! screen; the 48 px rule on every question kind; reference
//! screenshots of both modes in fi and en (`docs/kiosk-feedback-*.png`,
//! `docs/kiosk-survey-*.png`, `UPDATE_SCREENSHOTS=1` to accept changes).

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aula_kiosk::app::ManualClock;
use aula_kiosk::survey::{Stage, SurveyMode};
use aula_kiosk::survey_app::{FeedbackSink, Incoming, SurveyInbox, SurveyKiosk, SurveySite};
use aula_kiosk::trigger::Trigger;
use aula_kiosk::{KioskWindow, Page};
use aula_protocol::{AnswerValue as V, DeviceEvent, FeedbackAnswer, Lang, Localized, Outcome, ServiceId, SurveyId};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

use crate::common::{init_backend, morning};
use crate::survey::{config, survey};

/// Records what would go into the outbox; can be told to fail (a broken disk).
#[derive(Clone, Default)]
pub struct MemorySink {
    pub answers: Arc<Mutex<Vec<FeedbackAnswer>>>,
    pub events: Arc<Mutex<Vec<DeviceEvent>>>,
    pub fail: Arc<Mutex<bool>>,
}

impl FeedbackSink for MemorySink {
    fn commit(&self, answer: &FeedbackAnswer) -> Result<(), String> {
        if *self.fail.lock().unwrap() {
            return Err("disk I/O error".into());
        }
        self.answers.lock().unwrap().push(answer.clone());
        Ok(())
    }
    fn event(&self, event: DeviceEvent) {
        self.events.lock().unwrap().push(event);
    }
}

pub struct SurveyHarness {
    pub kiosk: Rc<SurveyKiosk>,
    pub sink: MemorySink,
    pub clock: ManualClock,
    pub inbox: SurveyInbox,
}

impl SurveyHarness {
    pub fn feedback(size: (u32, u32)) -> Self {
        Self::new(SurveyMode::Feedback, "exit", size, false)
    }
    pub fn popup(size: (u32, u32)) -> Self {
        Self::new(SurveyMode::Popup, "self-service", size, false)
    }
    /// The pop-up on a screen of its own (`[survey] always_visible = true`).
    pub fn popup_always_visible(size: (u32, u32)) -> Self {
        Self::new(SurveyMode::Popup, "self-service", size, true)
    }

    /// The controller maps and unmaps the window itself; the harness never calls `show()`.
    fn new(mode: SurveyMode, id: &str, size: (u32, u32), always_visible: bool) -> Self {
        init_backend();
        let window = KioskWindow::new().unwrap();
        window.window().set_size(slint::PhysicalSize::new(size.0, size.1));
        let (inbox, rx) = SurveyInbox::new(Arc::new(|| {}));
        let sink = MemorySink::default();
        let clock = ManualClock::new(morning());
        let site = SurveySite {
            site_name: Localized::from_pairs(&[
                ("fi", "Yhteispalvelupiste Lahti"),
                ("sv", "Samservicepunkt Lahtis"),
                ("en", "Lahti Joint Service Point"),
            ]),
            languages: ["fi", "sv", "en"].iter().map(|l| Lang::new(*l).unwrap()).collect(),
            survey: SurveyId::new(id).unwrap(),
            active: Duration::from_secs(60),
            idle: Duration::from_secs(20),
            always_visible,
        };
        let kiosk = SurveyKiosk::new(
            window,
            config(mode),
            survey(id),
            site,
            Box::new(sink.clone()),
            rx,
            Box::new(clock.clone()),
        );
        Self { kiosk, sink, clock, inbox }
    }

    pub fn find(&self, label: &str) -> ElementHandle {
        ElementHandle::find_by_accessible_label(self.kiosk.window(), label)
            .next()
            .unwrap_or_else(|| panic!("no element labelled {label:?}; labels: {:?}", self.labels()))
    }
    pub fn has(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(self.kiosk.window(), label).next().is_some()
    }
    pub fn labels(&self) -> Vec<String> {
        ElementQuery::from_root(self.kiosk.window())
            .match_descendants()
            .find_all()
            .into_iter()
            .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
            .filter(|l| !l.is_empty())
            .collect()
    }
    /// A deliberate tap: past the debounce window first.
    pub fn click(&self, label: &str) {
        self.clock.advance(Duration::from_millis(800));
        self.find(label).mock_single_click(PointerEventButton::Left);
        self.kiosk.pump();
    }
    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
        i_slint_backend_testing::mock_elapsed_time(d);
        self.kiosk.pump();
        self.kiosk.tick();
    }
    pub fn answers(&self) -> Vec<FeedbackAnswer> {
        self.sink.answers.lock().unwrap().clone()
    }
    pub fn stage(&self) -> Stage {
        self.kiosk.flow().stage()
    }
    /// Whether the window is mapped (the testing backend tracks `show()` / `hide()`).
    pub fn visible(&self) -> bool {
        self.kiosk.window().window().is_visible()
    }
    pub fn page(&self) -> Page {
        self.kiosk.window().global::<aula_kiosk::KioskAdapter>().get_page()
    }
}

fn values(a: &FeedbackAnswer) -> Vec<(String, V)> {
    a.answers.iter().map(|x| (x.question.to_string(), x.value.clone())).collect()
}

#[test]
fn feedback_terminal_every_question_kind_through_the_ui_reaches_the_outbox_once() {
    let h = SurveyHarness::feedback((800, 480));
    assert_eq!(h.page(), Page::Feedback);
    assert!(h.visible(), "the feedback terminal is always on screen");
    // The first question and the language buttons are on screen from the start.
    assert!(h.has("Kuinka tyytyväinen olit palveluun tänään?") && h.has("Suomi") && h.has("English"));
    h.click("English");
    assert!(h.has("How satisfied were you with the service today?"), "{:?}", h.labels());
    h.click("Satisfied");
    h.click("Employment services");
    assert!(h.has("How easy was it to get your matter handled?"));
    h.click("2");
    h.click("9");
    h.click("Started");
    for k in ["n", "o", "p", "e", "a", " ", "å", "ä", "ö"] {
        h.click(if k == " " { "Space" } else { k });
    }
    h.click("Delete");
    assert!(h.has("8 of 300 characters"), "{:?}", h.labels());
    assert!(h.has("Please do not write names, phone numbers or other personal details."));
    assert!(h.answers().is_empty(), "nothing is sent before the visit ends");
    h.click("Next");
    let a = h.answers();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].lang, Lang::en());
    assert_eq!(a[0].service, Some(ServiceId::new("te").unwrap()));
    assert_eq!(
        values(&a[0]),
        vec![
            ("csat".into(), V::Scale(4)),
            ("service".into(), V::Choice("te".into())),
            ("ces".into(), V::Scale(2)),
            ("nps".into(), V::Nps(9)),
            ("outcome".into(), V::Outcome(Outcome::Started)),
            ("comment".into(), V::Text("nopea åä".into())),
        ]
    );
    assert!(h.has("Thank you!"));
    h.advance(Duration::from_secs(5));
    assert!(h.has("Kuinka tyytyväinen olit palveluun tänään?"), "back to the start in Finnish");
    assert_eq!(h.answers().len(), 1);
}

#[test]
fn feedback_taps_on_the_same_smiley_are_one_answer_and_the_refusals_are_reported() {
    let h = SurveyHarness::feedback((800, 480));
    h.click("Tyytyväinen");
    // The same finger again and again at the same spot, quicker than a person reads.
    for _ in 0..4 {
        let spot = h.find("Kela");
        // Slint's own clock moves a little between taps (else they merge into one gesture);
        // the kiosk's clock stands still: all within the debounce window.
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(60));
        spot.mock_single_click(PointerEventButton::Left);
    }
    assert_eq!(h.kiosk.flow().view().question.id.as_str(), "service", "bounces answered nothing");
    h.click("Valmis");
    assert_eq!(h.answers().len(), 1);
    assert_eq!(values(&h.answers()[0]), vec![("csat".into(), V::Scale(4))]);
    h.advance(Duration::from_secs(5));
    // The next visitor, half a second after the first question came back: the tap is taken
    // (the thank-you was the cool-down; it used to be refused without a word until 6 s).
    h.clock.advance(Duration::from_millis(500));
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(500));
    h.find("Tyytyväinen").mock_single_click(PointerEventButton::Left);
    assert!(h.kiosk.flow().view().answered, "the next visitor's first tap starts a visit");
    assert_eq!(h.kiosk.flow().taps_rejected(), 4);
    h.advance(Duration::from_secs(60));
    assert_eq!(h.answers().len(), 2, "the second visitor walked away: sent");
    assert_eq!(*h.sink.events.lock().unwrap(), vec![DeviceEvent::TapsRejected { count: 4 }]);
}

#[test]
fn walking_away_sends_the_answers_and_a_failed_commit_is_retried_not_lost() {
    let h = SurveyHarness::feedback((800, 480));
    *h.sink.fail.lock().unwrap() = true;
    h.click("Erittäin tyytyväinen");
    h.advance(Duration::from_secs(31));
    assert!(h.answers().is_empty());
    assert_eq!(h.kiosk.pending(), 1, "kept in memory while the outbox fails");
    *h.sink.fail.lock().unwrap() = false;
    h.advance(Duration::from_secs(1));
    assert_eq!(h.kiosk.pending(), 0);
    assert_eq!(values(&h.answers()[0]), vec![("csat".into(), V::Scale(5))]);
    h.advance(Duration::from_secs(5));
    assert_eq!(h.answers().len(), 1, "sent once");
}

#[test]
fn survey_pop_up_opens_on_the_hub_command_and_the_socket_and_asks_the_follow_up_after_no() {
    let h = SurveyHarness::popup((800, 480));
    assert_eq!(h.page(), Page::Survey);
    assert_eq!(h.stage(), Stage::Hidden);
    assert!(!h.has("Ei kiitos"), "nothing intrusive until triggered");
    // The hub's command names a survey: ours opens.
    h.inbox.send(Incoming::ShowSurvey(SurveyId::new("self-service").unwrap()));
    h.kiosk.pump();
    assert_eq!(h.stage(), Stage::Question);
    h.click("Ei kiitos");
    assert_eq!(h.stage(), Stage::Hidden);
    assert!(h.answers().is_empty());
    // The local socket's `show vero`, as the trigger thread delivers it.
    h.inbox.send(Incoming::Trigger(Trigger::Show(Some(ServiceId::new("vero").unwrap()))));
    h.kiosk.pump();
    h.click("English");
    h.click("Done");
    assert!(h.has("Could you do this on your own next time?"));
    h.click("No");
    assert!(h.has("What would help you most?"), "{:?}", h.labels());
    h.click("Guidance from staff");
    h.click("Very easy");
    let a = h.answers();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].service, Some(ServiceId::new("vero").unwrap()));
    assert_eq!(
        values(&a[0]),
        vec![
            ("outcome".into(), V::Outcome(Outcome::Done)),
            ("on-own".into(), V::YesNo(false)),
            ("on-own-help".into(), V::Choice("guidance".into())),
            ("ces".into(), V::Scale(1)),
        ]
    );
    assert!(h.has("Thank you for your answer!"));
    h.advance(Duration::from_secs(5));
    assert_eq!(h.stage(), Stage::Hidden);
}

#[test]
fn survey_pop_up_window_is_mapped_only_while_a_visit_is_on_screen() {
    let h = SurveyHarness::popup((800, 480));
    assert!(!h.visible(), "nothing covers the self-service application before a trigger");
    h.advance(Duration::from_secs(120));
    assert!(!h.visible(), "ticks alone do not map it");
    // The hub's command maps it; "No thanks" unmaps it.
    h.inbox.send(Incoming::ShowSurvey(SurveyId::new("self-service").unwrap()));
    h.kiosk.pump();
    assert!(h.visible(), "ShowSurvey maps the window");
    h.click("Ei kiitos");
    assert!(!h.visible(), "dismissed: unmapped");
    // The real trigger socket, as the self-service application uses it.
    let dir = tempfile::tempdir().unwrap();
    let inbox = h.inbox.clone();
    let socket = aula_kiosk::trigger::TriggerSocket::start(&dir.path().join("survey.sock"), move |t| {
        inbox.send(Incoming::Trigger(t))
    })
    .unwrap();
    let mut conn = std::os::unix::net::UnixStream::connect(socket.path()).unwrap();
    let mut reply = std::io::BufReader::new(conn.try_clone().unwrap());
    let mut send = |line: &str| {
        use std::io::{BufRead, Write};
        writeln!(conn, "{line}").unwrap();
        let mut answer = String::new();
        reply.read_line(&mut answer).unwrap();
        assert_eq!(answer.trim(), "ok", "{line}");
        assert!(h.kiosk.pump_wait(Duration::from_secs(5)) >= 1, "{line} did not arrive");
    };
    send("show vero");
    assert!(h.visible(), "`show` on the socket maps the window");
    // A finished visit: on screen through the thank-you, unmapped when it ends.
    h.click("Hoidettu");
    h.click("Kyllä");
    h.click("Helppo");
    assert_eq!((h.stage(), h.answers().len()), (Stage::Thanks, 1));
    assert!(h.visible(), "the thank-you is on screen");
    h.advance(Duration::from_secs(5));
    assert!(!h.visible(), "thank-you done: unmapped");
    // Untouched, it closes by itself.
    send("show");
    assert!(h.visible());
    h.advance(Duration::from_secs(46));
    assert!(!h.visible(), "timed out: unmapped");
    // Walked away after one answer: sent, unmapped, no thank-you.
    send("show");
    h.click("Hoidettu");
    h.advance(Duration::from_secs(31));
    assert_eq!((h.stage(), h.answers().len()), (Stage::Hidden, 2));
    assert!(!h.visible(), "walked away: unmapped");
    // The window manager's close button is "No thanks": unmapped, the kiosk keeps running.
    send("show");
    assert!(h.visible());
    h.kiosk.window().window().dispatch_event(slint::platform::WindowEvent::CloseRequested);
    assert_eq!(h.stage(), Stage::Hidden);
    assert!(!h.visible(), "closed: unmapped");
    send("show");
    assert!(h.visible(), "and it opens again on the next trigger");
}

#[test]
fn survey_pop_up_on_a_dedicated_screen_stays_mapped_between_surveys() {
    let h = SurveyHarness::popup_always_visible((800, 480));
    assert!(h.visible(), "always_visible: on screen before any trigger");
    assert_eq!(h.stage(), Stage::Hidden);
    h.inbox.send(Incoming::Trigger(Trigger::Show(None)));
    h.kiosk.pump();
    h.click("Ei kiitos");
    assert_eq!(h.stage(), Stage::Hidden);
    assert!(h.visible(), "dismissed, still mapped");
}

#[test]
fn survey_pop_up_opens_after_use_then_idle_and_closes_by_itself() {
    let h = SurveyHarness::popup((800, 480));
    for _ in 0..8 {
        h.inbox.send(Incoming::Trigger(Trigger::Activity));
        h.kiosk.pump();
        h.advance(Duration::from_secs(10));
    }
    assert_eq!(h.stage(), Stage::Hidden, "still in use");
    h.advance(Duration::from_secs(15));
    assert_eq!(h.stage(), Stage::Question, "70 s of use, then 20 s quiet");
    h.advance(Duration::from_secs(46));
    assert_eq!(h.stage(), Stage::Hidden, "untouched, it closes");
    assert!(h.answers().is_empty());
    // An unknown survey in a hub command is ignored (logged), not shown.
    h.inbox.send(Incoming::ShowSurvey(SurveyId::new("other").unwrap()));
    h.kiosk.pump();
    assert_eq!(h.stage(), Stage::Hidden);
}

#[test]
fn every_survey_control_has_a_label_and_a_48px_target() {
    type Setup = fn(&SurveyHarness);
    let screens: [(&str, bool, Setup); 7] = [
        ("smileys", false, |_| {}),
        ("choice", false, |h| h.click("Tyytyväinen")),
        ("numbers", false, |h| {
            h.click("Tyytyväinen");
            h.click("Ohita");
        }),
        ("nps", false, |h| {
            h.click("Tyytyväinen");
            h.click("Ohita");
            h.click("Ohita");
        }),
        ("free-text", false, |h| {
            h.click("Tyytyväinen");
            for _ in 0..4 {
                h.click("Ohita");
            }
        }),
        ("outcome-popup", true, |h| {
            h.inbox.send(Incoming::Trigger(Trigger::Show(None)));
            h.kiosk.pump();
        }),
        ("yes-no-popup", true, |h| {
            h.inbox.send(Incoming::Trigger(Trigger::Show(None)));
            h.kiosk.pump();
            h.click("Hoidettu");
        }),
    ];
    for (name, popup, setup) in screens {
        let h = if popup { SurveyHarness::popup((800, 480)) } else { SurveyHarness::feedback((800, 480)) };
        setup(&h);
        let mut checked = 0;
        for e in ElementQuery::from_root(h.kiosk.window())
            .match_descendants()
            .match_accessible_role(AccessibleRole::Button)
            .find_all()
        {
            let label = e.accessible_label().unwrap_or_default();
            assert!(!label.trim().is_empty(), "{name}: a button without a label");
            let size = e.size();
            if size.width == 0.0 {
                continue;
            }
            assert!(size.width >= 48.0 && size.height >= 48.0, "{name}: {label:?} is {size:?}");
            checked += 1;
        }
        assert!(checked >= 3, "{name}: only {checked} controls found");
    }
}

#[test]
fn survey_screens_match_the_reference_screenshots() {
    type Setup = fn(&SurveyHarness);
    type Scene = (&'static str, bool, &'static [(u32, u32)], Setup);
    // (name, pop-up?, sizes, how to get there): a handful, not every question (CI time).
    let scenes: [Scene; 4] = [
        ("feedback", false, &[(800, 480), (1280, 720)], |_| {}),
        ("feedback-text", false, &[(800, 480)], |h| {
            h.click(if h.has("Satisfied") { "Satisfied" } else { "Tyytyväinen" });
            for _ in 0..4 {
                h.click(if h.has("Skip") { "Skip" } else { "Ohita" });
            }
            for k in ["k", "i", "i", "t", "o", "s"] {
                h.click(k);
            }
        }),
        ("survey", true, &[(800, 480), (1280, 720)], |h| {
            h.inbox.send(Incoming::Trigger(Trigger::Show(None)));
            h.kiosk.pump();
        }),
        ("survey-thanks", true, &[(800, 480)], |h| {
            h.inbox.send(Incoming::Trigger(Trigger::Show(None)));
            h.kiosk.pump();
            h.click(if h.has("Done") { "Done" } else { "Hoidettu" });
            h.click(if h.has("Yes") { "Yes" } else { "Kyllä" });
            h.click(if h.has("Easy") { "Easy" } else { "Helppo" });
        }),
    ];
    let mut failures = Vec::new();
    for (name, popup, sizes, setup) in scenes {
        for lang in ["fi", "en"] {
            for &(w, hgt) in sizes {
                let h = if popup { SurveyHarness::popup((w, hgt)) } else { SurveyHarness::feedback((w, hgt)) };
                if lang == "en" {
                    if popup {
                        h.inbox.send(Incoming::Trigger(Trigger::Show(None)));
                        h.kiosk.pump();
                    }
                    h.click("English");
                }
                setup(&h);
                let shot = h.kiosk.window().window().take_snapshot().unwrap();
                let img = aula_testkit::screenshot::image(shot.width(), shot.height(), shot.as_bytes());
                let file = format!("kiosk-{name}-{lang}-{w}x{hgt}.png");
                if let Err(e) = aula_testkit::screenshot::check(&file, &img) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "screens changed (UPDATE_SCREENSHOTS=1 to accept):\n{}", failures.join("\n"));
}
