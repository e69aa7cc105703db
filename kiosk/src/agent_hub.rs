//! The kiosk's one link to the site, over the shared device runtime `aula-agent`:
//! [`AgentHub`] for check-in mode ([`HubClient`]: requests through
//! [`aula_agent::Agent::request_with_id`], offline issues and device events through the agent's
//! durable SQLite outbox, the queue state from its events, cached on disk) and
//! [`AgentFeedback`] for the two survey modes (finished visits into the outbox, the hub's
//! survey definitions). The agent runs on a small tokio runtime of its own; results come back
//! through the inboxes like every other input.
//!
//! Both hand hub commands to aula-agent's one [`Executor`], told what this kiosk is
//! ([`executor`]): its config file to validate on a reload, its printer for a test print
//! (check-in mode), the pop-up for `show_survey` (survey mode), and in its own words what
//! does not apply. A restart (or a valid reload) ends the process with exit code 75 after a
//! clean goodbye to the broker.

use std::sync::Arc;
use std::time::Duration;

use aula_agent::{Agent, AgentEvent, Executor, Next, RequestError, SurveyScreen, TestPrinter};
use aula_protocol::{DeviceEvent, Envelope, FeedbackAnswer, MessageId, Request, SurveyId, Topic};
use chrono::Utc;

use crate::config::{KioskConfig, Mode};
use crate::flow::{HubFailure, Input};
use crate::hub::{HubClient, Inbox};
use crate::survey_app::{Answer, FeedbackSink, Incoming, SurveyInbox};

/// How the process ends when the hub asks for a restart; tests replace it.
pub type Exit = Box<dyn FnOnce(i32) + Send>;

/// The production exit: the process ends with the code (systemd restarts the unit on 75).
pub fn process_exit() -> Exit {
    Box::new(|code| std::process::exit(code))
}

/// The kiosk's command executor, in any mode. `printer` is the kiosk's own printer
/// (check-in mode), `surveys` the pop-up (survey mode).
pub fn executor(
    cfg: &KioskConfig,
    agent: Agent,
    printer: Option<Arc<dyn TestPrinter>>,
    surveys: Option<Arc<dyn SurveyScreen>>,
) -> Executor {
    let e = Executor::new(agent, &format!("aula-kiosk {}", env!("CARGO_PKG_VERSION")))
        .with_config(cfg.file.clone(), |f| KioskConfig::from_file(f).map(|_| ()));
    let e = match (printer, cfg.mode) {
        (Some(p), _) => e.with_printer(p),
        (None, Mode::Checkin) => e.without_printer("this check-in kiosk's printer is not running"),
        (None, Mode::Feedback) => e.without_printer("an exit feedback terminal has no printer"),
        (None, Mode::Survey) => e.without_printer("a survey pop-up has no printer"),
    };
    match (surveys, cfg.mode) {
        (Some(s), _) => e.with_surveys(s),
        (None, Mode::Checkin) => e.without_surveys("a check-in kiosk shows no surveys"),
        (None, Mode::Feedback) => e.without_surveys("an exit feedback terminal always shows its own survey"),
        (None, Mode::Survey) => e.without_surveys("this pop-up is not running"),
    }
}

/// Starts the agent for `cfg` on a runtime of its own.
fn start_agent(
    cfg: &KioskConfig,
    request_timeout_ms: Option<u64>,
) -> anyhow::Result<(tokio::runtime::Runtime, Agent, aula_agent::AgentEvents)> {
    let mut agent_cfg = cfg.link.clone();
    if let Some(ms) = request_timeout_ms {
        agent_cfg.request_timeout_ms = ms;
    }
    std::fs::create_dir_all(&cfg.state_dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let (agent, events) = rt.block_on(Agent::start(agent_cfg, env!("CARGO_PKG_VERSION")))?;
    Ok((rt, agent, events))
}

/// Carries out a command; on a restart says goodbye to the broker and calls `exit`.
/// Returns false once the process is on its way out.
async fn command(executor: &Executor, agent: &Agent, cmd: &aula_protocol::Command, exit: &mut Option<Exit>) -> bool {
    if let Next::Exit(code) = executor.execute(cmd).await {
        agent.clone().shutdown().await;
        if let Some(exit) = exit.take() {
            exit(code);
        }
        return false;
    }
    true
}

/// [`HubClient`] over `aula-agent`, for check-in mode.
pub struct AgentHub {
    rt: tokio::runtime::Runtime,
    agent: Arc<Agent>,
    inbox: Inbox,
}

impl AgentHub {
    /// Connects in the background; replies, queue states and command outcomes flow from
    /// here on. `printer` is the kiosk's printer for the hub's test print.
    pub fn start(
        cfg: &KioskConfig,
        inbox: Inbox,
        printer: Option<Arc<dyn TestPrinter>>,
        exit: Exit,
    ) -> anyhow::Result<Self> {
        // The flow decides timeouts and resends; the agent's own wait ends a little earlier so
        // a resend with the same id never finds the first one still waiting (Duplicate).
        let timeout = cfg.flow.request_timeout.as_millis().saturating_sub(200).max(100) as u64;
        let (rt, agent, mut events) = start_agent(cfg, Some(timeout))?;
        let executor = executor(cfg, agent.clone(), printer, None);
        let events_inbox = inbox.clone();
        let state_dir = cfg.state_dir.clone();
        let link = agent.clone();
        let mut exit = Some(exit);
        rt.spawn(async move {
            while let Some(ev) = events.recv().await {
                match ev {
                    AgentEvent::QueueState(q) => {
                        if let Err(e) = crate::hub::cache_queue_state(&state_dir, &q) {
                            tracing::warn!(error = %e, "could not cache the queue state");
                        }
                        events_inbox.send(Input::QueueState(Box::new(q)));
                    }
                    AgentEvent::Command(cmd) => {
                        if !command(&executor, &link, &cmd, &mut exit).await {
                            return;
                        }
                    }
                    _ => {}
                }
            }
        });
        Ok(Self { rt, agent: Arc::new(agent), inbox })
    }

    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

/// The survey front ends' link (`mode = "feedback"` / `"survey"`): finished visits into the
/// agent's durable outbox ([`Agent::send_feedback`], blocking until the row is committed),
/// rejected-tap reports as device events, and the hub's survey definitions into the
/// [`SurveyInbox`]; in survey mode the hub's `show_survey` opens the pop-up and its outcome
/// is reported.
pub struct AgentFeedback {
    rt: tokio::runtime::Runtime,
    agent: Arc<Agent>,
}

/// The pop-up as the executor's survey screen: the request goes through the inbox to the UI
/// thread, which answers what it did.
struct Popup(SurveyInbox);

/// How long the executor waits for the UI thread's answer.
const POPUP_ANSWER: Duration = Duration::from_secs(5);

impl SurveyScreen for Popup {
    fn show_survey(&self, id: &SurveyId) -> Result<String, String> {
        let (answer, rx) = Answer::channel();
        self.0.send(Incoming::ShowSurveyAnswered(id.clone(), answer));
        rx.recv_timeout(POPUP_ANSWER)
            .unwrap_or_else(|_| Err(format!("the pop-up did not answer within {POPUP_ANSWER:?}")))
    }
}

impl AgentFeedback {
    pub fn start(cfg: &KioskConfig, inbox: SurveyInbox, exit: Exit) -> anyhow::Result<Self> {
        let (rt, agent, mut events) = start_agent(cfg, None)?;
        let popup: Option<Arc<dyn SurveyScreen>> =
            (cfg.mode == Mode::Survey).then(|| Arc::new(Popup(inbox.clone())) as Arc<dyn SurveyScreen>);
        let executor = executor(cfg, agent.clone(), None, popup);
        let link = agent.clone();
        let mut exit = Some(exit);
        rt.spawn(async move {
            while let Some(ev) = events.recv().await {
                match ev {
                    AgentEvent::Survey(def) => inbox.send(Incoming::Definition(def)),
                    AgentEvent::Command(cmd) => {
                        if !command(&executor, &link, &cmd, &mut exit).await {
                            return;
                        }
                    }
                    _ => {}
                }
            }
        });
        Ok(Self { rt, agent: Arc::new(agent) })
    }

    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

impl FeedbackSink for AgentFeedback {
    fn commit(&self, answer: &FeedbackAnswer) -> Result<(), String> {
        // Blocking on purpose: the thank-you is drawn only after the answer is on disk.
        self.rt.block_on(self.agent.send_feedback(answer.clone())).map(|_| ()).map_err(|e| e.to_string())
    }

    fn event(&self, event: DeviceEvent) {
        let agent = self.agent.clone();
        self.rt.spawn(async move {
            if let Err(e) = agent.send_event(event).await {
                tracing::error!(error = %e, "could not store a device event");
            }
        });
    }
}

impl HubClient for AgentHub {
    fn send(&self, id: MessageId, request: Request) {
        let (agent, inbox) = (self.agent.clone(), self.inbox.clone());
        self.rt.spawn(async move {
            match agent.request_with_id(id, request.lang, request.kind).await {
                Ok(reply) => inbox.send(Input::Reply { id, result: Ok(reply.result) }),
                Err(RequestError::NotConnected) | Err(RequestError::Stopped) => {
                    inbox.send(Input::Reply { id, result: Err(HubFailure::NotConnected) })
                }
                // The flow's own timer decides what a lost reply means.
                Err(RequestError::Timeout(_)) | Err(RequestError::Duplicate) => {}
            }
        });
    }

    fn enqueue(&self, id: MessageId, request: Request) {
        let agent = self.agent.clone();
        let topic = Topic::HubRequest(request.kind.verb());
        // Blocking on purpose: the number is already on screen and printing; the row must be
        // committed before we can say the hub will learn about it.
        let res = self.rt.block_on(agent.enqueue_envelope(topic, Envelope::with(id, Utc::now(), request)));
        if let Err(e) = res {
            tracing::error!(%id, error = %e, "could not store an offline issue in the outbox");
        }
    }

    fn event(&self, event: DeviceEvent) {
        let agent = self.agent.clone();
        self.rt.spawn(async move {
            if let Err(e) = agent.send_event(event).await {
                tracing::error!(error = %e, "could not store a device event");
            }
        });
    }
}
