//! [`HubClient`] over the shared device runtime `aula-agent` (feature `agent`): requests
//! through [`aula_agent::Agent::request_with_id`], offline issues and device events through
//! the agent's durable SQLite outbox, the queue state from its events. The agent runs on a
//! small tokio runtime of its own; results come back through the [`Inbox`] like every other.
//!
//! Differences from [`crate::hub::MqttHub`]: the outbox deletes a row at the broker's
//! PUBACK (not at the hub's reply), and events are durable across restarts.
//!
//! [`AgentFeedback`] is the same runtime for the survey front ends.

use std::sync::Arc;

use aula_agent::{Agent, AgentConfig, AgentEvent, RequestError};
use aula_protocol::{Command, DeviceEvent, DeviceKind, Envelope, FeedbackAnswer, MessageId, Request, Topic};
use chrono::Utc;

use crate::config::KioskConfig;
use crate::flow::{HubFailure, Input};
use crate::hub::{HubClient, Inbox};
use crate::survey_app::{FeedbackSink, Incoming, SurveyInbox};

pub struct AgentHub {
    rt: tokio::runtime::Runtime,
    agent: Arc<Agent>,
    inbox: Inbox,
}

impl AgentHub {
    pub fn start(cfg: &KioskConfig, inbox: Inbox) -> anyhow::Result<Self> {
        let mut agent_cfg = AgentConfig::new(
            cfg.site.clone(),
            cfg.device.clone(),
            DeviceKind::Kiosk,
            &cfg.broker_host,
            cfg.broker_port,
            cfg.state_dir.join("outbox.sqlite"),
        );
        // The flow decides timeouts and resends; the agent's own wait ends a little earlier so
        // a resend with the same id never finds the first one still waiting (Duplicate).
        agent_cfg.request_timeout_ms = cfg.flow.request_timeout.as_millis().saturating_sub(200).max(100) as u64;
        std::fs::create_dir_all(&cfg.state_dir)?;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        let (agent, mut events) = rt.block_on(Agent::start(agent_cfg, env!("CARGO_PKG_VERSION")))?;
        let events_inbox = inbox.clone();
        rt.spawn(async move {
            while let Some(ev) = events.recv().await {
                if let AgentEvent::QueueState(q) = ev {
                    events_inbox.send(Input::QueueState(Box::new(q)));
                }
            }
        });
        Ok(Self { rt, agent: Arc::new(agent), inbox })
    }
}

/// The survey front ends' link (`mode = "feedback"` / `"survey"`): finished visits into the
/// agent's durable outbox ([`Agent::send_feedback`], blocking until the row is committed),
/// rejected-tap reports as device events, and the hub's survey definitions and
/// `ShowSurvey` commands into the [`SurveyInbox`].
pub struct AgentFeedback {
    rt: tokio::runtime::Runtime,
    agent: Arc<Agent>,
}

impl AgentFeedback {
    pub fn start(cfg: &KioskConfig, inbox: SurveyInbox) -> anyhow::Result<Self> {
        let agent_cfg = AgentConfig::new(
            cfg.site.clone(),
            cfg.device.clone(),
            DeviceKind::Feedback,
            &cfg.broker_host,
            cfg.broker_port,
            cfg.state_dir.join("outbox.sqlite"),
        );
        std::fs::create_dir_all(&cfg.state_dir)?;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        let (agent, mut events) = rt.block_on(Agent::start(agent_cfg, env!("CARGO_PKG_VERSION")))?;
        rt.spawn(async move {
            while let Some(ev) = events.recv().await {
                match ev {
                    AgentEvent::Survey(def) => inbox.send(Incoming::Definition(def)),
                    AgentEvent::Command(Command::ShowSurvey { survey }) => inbox.send(Incoming::ShowSurvey(survey)),
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
