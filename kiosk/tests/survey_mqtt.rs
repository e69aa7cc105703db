//! The survey front end's real path: the kiosk in survey mode built from a config like the
//! shipped one (`run::build_survey`, aula-agent with its SQLite outbox), a private Mosquitto,
//! the hub played by a plain MQTT client: the hub's retained survey replaces the local file's,
//! its `ShowSurvey` command opens the pop-up, and the finished visit arrives on
//! `aula/v1/<site>/feedback` as one `FeedbackAnswer`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aula_kiosk::KioskWindow;
use aula_kiosk::config::KioskConfig;
use aula_kiosk::survey::Stage;
use aula_protocol::{
    AnswerValue, Command, DeviceEvent, DeviceId, Envelope, FeedbackAnswer, Outcome, SiteId, SurveyId, Topic, Topics,
    decode,
};
use aula_testkit::Mosquitto;
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

use crate::common::init_backend;

#[test]
fn a_survey_opened_by_the_hub_arrives_on_the_feedback_topic_once() {
    init_backend();
    let broker = Mosquitto::start();
    let state = tempfile::tempdir().unwrap();
    let text = format!(
        r#"
[agent]
site = "lahti"
device = "survey-1"
broker = "{url}"
state_dir = "{state}"

[kiosk]
mode = "survey"
languages = ["fi", "sv", "en"]

[kiosk.site_name]
fi = "Itsepalvelupiste"
sv = "Självbetjäningspunkt"
en = "Self-service point"

[survey]
id = "self-service"
file = "{file}"
"#,
        url = broker.url(),
        state = state.path().display(),
        file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/surveys.toml"),
    );
    let cfg = KioskConfig::from_toml_str(&text, Path::new("survey-test.toml")).unwrap();

    // The hub: listens on `feedback`, sends the command once subscribed.
    let topics = Topics::new(SiteId::new("lahti").unwrap());
    let mut opts = MqttOptions::new("aula-test-hub", "127.0.0.1", broker.port);
    opts.set_keep_alive(Duration::from_secs(5));
    let (client, mut conn) = Client::new(opts, 16);
    client.subscribe(topics.topic(&Topic::Feedback), QoS::AtLeastOnce).unwrap();
    let events_topic = topics.topic(&Topic::DeviceEvent(DeviceId::new("survey-1").unwrap()));
    client.subscribe(&events_topic, QoS::AtLeastOnce).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Envelope<FeedbackAnswer>>();
    let (results_tx, results) = std::sync::mpsc::channel::<DeviceEvent>();
    std::thread::spawn(move || {
        for ev in conn.iter() {
            match ev {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if let Ok(env) = decode::<FeedbackAnswer>(&p.payload) {
                        let _ = tx.send(env);
                    } else if let Ok(env) = decode::<DeviceEvent>(&p.payload) {
                        let _ = results_tx.send(env.body);
                    }
                }
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    });

    // The hub's own copy of the survey, retained: it replaces the local file's.
    let mut hub_def = crate::survey::survey("self-service");
    hub_def.title = aula_protocol::Localized::from_pairs(&[
        ("fi", "Miten tänään meni?"),
        ("sv", "Hur gick det i dag?"),
        ("en", "How did it go today?"),
    ]);
    client
        .publish(
            topics.topic(&Topic::Survey(hub_def.id.clone())),
            QoS::AtLeastOnce,
            true,
            Envelope::new(hub_def.clone()).encode(),
        )
        .unwrap();

    let window = KioskWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(800, 480));
    let parts = aula_kiosk::run::build_survey(&cfg, window, Some(Arc::new(|| {})), Box::new(|_| {})).unwrap();
    let kiosk = parts.kiosk.clone();
    kiosk.window().show().unwrap();
    assert_eq!(kiosk.flow().stage(), Stage::Hidden);

    // Wait until the agent is connected (its subscriptions are in place), then command.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !parts.link.agent().is_connected() {
        assert!(Instant::now() < deadline, "the agent did not connect");
        std::thread::sleep(Duration::from_millis(20));
    }
    let cmd = Envelope::new(Command::ShowSurvey { survey: SurveyId::new("self-service").unwrap() }).encode();
    let cmd_topic = topics.topic(&Topic::DeviceCmd(DeviceId::new("survey-1").unwrap()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while kiosk.flow().definition() != &hub_def {
        assert!(Instant::now() < deadline, "the hub's retained survey never replaced the local one");
        kiosk.pump_wait(Duration::from_millis(50));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last_sent = Instant::now() - Duration::from_secs(1);
    while kiosk.flow().stage() != Stage::Question {
        assert!(Instant::now() < deadline, "the hub's ShowSurvey never opened the pop-up");
        if last_sent.elapsed() >= Duration::from_millis(500) {
            // QoS 1 but not retained: resent until the subscription has surely landed.
            client.publish(&cmd_topic, QoS::AtLeastOnce, false, cmd.clone()).unwrap();
            last_sent = Instant::now();
        }
        kiosk.pump_wait(Duration::from_millis(50));
    }

    // The command's outcome goes back to the hub: the pop-up said it opened.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match results.recv_timeout(left).expect("a command result for show_survey") {
            DeviceEvent::CommandResult { command, ok, detail } if command == "show_survey" => {
                assert!(ok && detail.contains("self-service"), "{detail}");
                break;
            }
            _ => {}
        }
    }

    let click = |label: &str| {
        std::thread::sleep(Duration::from_millis(450)); // past the debounce, on the real clock
        aula_kiosk_find(&kiosk, label).mock_single_click(PointerEventButton::Left);
        kiosk.pump();
    };
    click("Hoidettu");
    click("Kyllä");
    click("Helppo");
    assert_eq!(kiosk.flow().stage(), Stage::Thanks);

    let got = rx.recv_timeout(Duration::from_secs(10)).expect("the answer reached the feedback topic");
    assert_eq!(got.body.survey.as_str(), "self-service");
    assert_eq!(got.body.device.as_str(), "survey-1");
    let values: Vec<_> = got.body.answers.iter().map(|a| (a.question.to_string(), a.value.clone())).collect();
    assert_eq!(
        values,
        vec![
            ("outcome".into(), AnswerValue::Outcome(Outcome::Done)),
            ("on-own".into(), AnswerValue::YesNo(true)),
            ("ces".into(), AnswerValue::Scale(2)),
        ]
    );
    // Delivered once: nothing else arrives for the same visit.
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    let deadline = Instant::now() + Duration::from_secs(5);
    while parts.link.agent().outbox_pending() > 0 {
        assert!(Instant::now() < deadline, "the outbox kept the row after PUBACK");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn aula_kiosk_find(k: &aula_kiosk::survey_app::SurveyKiosk, label: &str) -> i_slint_backend_testing::ElementHandle {
    i_slint_backend_testing::ElementHandle::find_by_accessible_label(k.window(), label)
        .next()
        .unwrap_or_else(|| panic!("no element labelled {label:?}"))
}
