//! The one command executor (`aula_agent::Executor`) on a real Mosquitto: a command on the
//! device's `cmd` topic is carried out and its outcome comes back as a `command_result`
//! event through the outbox; a device says what does not apply to it; a broken config file
//! is refused and the device keeps running, a good one (or a restart) asks for exit 75.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aula_agent::{Agent, AgentEvent, ConfigError, EXIT_RESTART, Executor, Next, Plan, TestPrinter, TestTicket};
use aula_protocol::{Command, DeviceEvent, Envelope, SurveyId, Topic, decode};
use rumqttc::QoS;
use tokio::sync::mpsc;

use crate::support::{Sub, broker, config, free_port, topics, wait_until_async};

/// A printer that records what it was asked to print.
#[derive(Default)]
struct FakePrinter(Mutex<Vec<TestTicket>>);

impl TestPrinter for FakePrinter {
    fn print_test(&self, t: &TestTicket) -> Result<String, String> {
        self.0.lock().unwrap().push(t.clone());
        Ok("test ticket printed".into())
    }
}

/// A validator that accepts the file only if it says `good`.
fn validate(file: &Path) -> Result<(), ConfigError> {
    let text = aula_conf::read(file)?;
    if text.trim() == "good" {
        Ok(())
    } else {
        Err(ConfigError::invalid(file.display().to_string(), "kiosk.mode", "\"checkin\"", text.trim()))
    }
}

/// Guards: what each kind of device plans for each command, without any I/O: the wall and
/// the printer-less agent answer "not applicable" for a test print, only a survey screen
/// takes `show_survey`, a device started without a file cannot reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_device_plans_what_applies_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let (agent, _ev) = Agent::start(config(dir.path(), "wall-1", free_port()), "test").await.unwrap();
    let show = Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() };
    let wall = Executor::new(agent.clone(), "aula-signage 1")
        .with_config("wall-1.toml".into(), |_| Ok(()))
        .without_printer("a queue wall has no printer");
    assert_eq!(wall.plan(&Command::TestPrint), Plan::NotApplicable("a queue wall has no printer".into()));
    assert_eq!(wall.plan(&Command::ReloadConfig), Plan::Reload("wall-1.toml".into()));
    assert_eq!(wall.plan(&Command::RestartApp), Plan::Restart);
    assert_eq!(wall.plan(&Command::Reboot), Plan::Reboot);
    assert!(matches!(wall.plan(&show), Plan::NotApplicable(_)));

    let demo = Executor::new(agent.clone(), "aula-signage 1");
    assert!(matches!(demo.plan(&Command::ReloadConfig), Plan::NotApplicable(w) if w.contains("config file")));

    let kiosk = Executor::new(agent, "aula-kiosk 1").with_printer(Arc::new(FakePrinter::default()));
    assert_eq!(kiosk.plan(&Command::TestPrint), Plan::TestPrint);
}

/// Guards: the whole path over MQTT: test print on the device's printer (the ticket names
/// the device), "not applicable" with the device's own reason, a broken file refused with
/// its key while the device keeps running, a good file and a restart both exit 75, and every
/// outcome arrives at the hub's side as one `command_result`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_carried_out_and_every_outcome_reported() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let (agent, mut events) = Agent::start(config(dir.path(), "kiosk-1", broker.port), "test").await.unwrap();
    let t = topics();
    let me = agent.config().device.clone();
    let ev_topic = t.topic(&Topic::DeviceEvent(me.clone()));
    let cmd_topic = t.topic(&Topic::DeviceCmd(me.clone()));
    let mut sub = Sub::start(broker.port, "test-hub", false, &ev_topic).await;
    wait_until_async("connected", Duration::from_secs(5), async || agent.is_connected()).await;

    let file = dir.path().join("kiosk-1.toml");
    std::fs::write(&file, "broken").unwrap();
    let printer = Arc::new(FakePrinter::default());
    let executor = Executor::new(agent.clone(), "aula-kiosk 9.9")
        .with_config(file.clone(), validate)
        .with_printer(printer.clone())
        .without_surveys("a check-in kiosk shows no surveys");
    let (next_tx, mut next) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if let AgentEvent::Command(cmd) = ev {
                let _ = next_tx.send(executor.execute(&cmd).await);
            }
        }
    });
    let mut run = async |cmd: Command| {
        sub.client.publish(&cmd_topic, QoS::AtLeastOnce, false, Envelope::new(cmd).encode()).await.unwrap();
        let n = tokio::time::timeout(Duration::from_secs(10), next.recv()).await.expect("executed").unwrap();
        let m = sub.next_on(&ev_topic, Duration::from_secs(5)).await.expect("a command result");
        match decode::<DeviceEvent>(&m.payload).unwrap().body {
            DeviceEvent::CommandResult { command, ok, detail } => (n, command, ok, detail),
            other => panic!("{other:?}"),
        }
    };

    let (n, name, ok, detail) = run(Command::TestPrint).await;
    assert_eq!((n, name.as_str(), ok, detail.as_str()), (Next::Continue, "test_print", true, "test ticket printed"));
    let printed = printer.0.lock().unwrap().clone();
    assert_eq!(printed.len(), 1);
    assert_eq!((printed[0].device.as_str(), printed[0].app.as_str()), ("kiosk-1", "aula-kiosk 9.9"));

    let (n, name, ok, detail) = run(Command::ShowSurvey { survey: SurveyId::new("exit").unwrap() }).await;
    assert_eq!((n, name.as_str(), ok), (Next::Continue, "show_survey", false));
    assert_eq!(detail, "not applicable: a check-in kiosk shows no surveys");

    let (n, name, ok, detail) = run(Command::ReloadConfig).await;
    assert_eq!((n, name.as_str(), ok), (Next::Continue, "reload_config", false));
    assert!(detail.starts_with("refused, running config kept: ") && detail.contains("kiosk.mode"), "{detail}");
    assert!(agent.is_connected(), "still running on the old config");

    std::fs::write(&file, "good").unwrap();
    let (n, name, ok, _) = run(Command::ReloadConfig).await;
    assert_eq!((n, name.as_str(), ok), (Next::Exit(EXIT_RESTART), "reload_config", true));
    let (n, name, ok, _) = run(Command::RestartApp).await;
    assert_eq!((n, name.as_str(), ok), (Next::Exit(EXIT_RESTART), "restart_app", true));
    assert_eq!(agent.outbox_pending(), 0, "every result delivered");
}
