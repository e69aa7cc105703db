//! The MQTT topic tree. Only this module knows topic strings: everything else builds and
//! parses topics through [`Topics`] and [`Topic`].
//!
//! ```text
//! aula/v1/<site>/device/<id>/status    retained DeviceStatus; last will = Offline
//! aula/v1/<site>/device/<id>/health    periodic Health
//! aula/v1/<site>/device/<id>/event     DeviceEvent (lid, printer, help button, …)
//! aula/v1/<site>/device/<id>/cmd       Command, hub → device
//! aula/v1/<site>/device/<id>/reply     Reply to a request, hub → device
//! aula/v1/<site>/feedback              FeedbackAnswer (QoS 1, from the outbox)
//! aula/v1/<site>/queue/state           retained QueueState (what signage shows)
//! aula/v1/<site>/queue/call            CallEvent
//! aula/v1/<site>/survey/<id>           retained SurveyDef, hub → devices
//! aula/v1/<site>/hub/status            retained HubStatus; last will = offline
//! aula/v1/<site>/hub/request/<verb>    Request, device → hub; reply on device/<id>/reply
//! ```

use crate::error::TopicError;
use crate::ids::{DeviceId, SiteId, SurveyId};

const ROOT: &str = "aula/v1";

/// What a device asks the hub for; the last level of a request topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    IssueTicket,
    CheckIn,
    Help,
}

impl Verb {
    pub const ALL: [Verb; 3] = [Verb::IssueTicket, Verb::CheckIn, Verb::Help];

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::IssueTicket => "issue-ticket",
            Verb::CheckIn => "check-in",
            Verb::Help => "help",
        }
    }

    fn parse(s: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One parsed topic of a site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    DeviceStatus(DeviceId),
    DeviceHealth(DeviceId),
    DeviceEvent(DeviceId),
    DeviceCmd(DeviceId),
    DeviceReply(DeviceId),
    Feedback,
    QueueState,
    QueueCall,
    Survey(SurveyId),
    HubStatus,
    HubRequest(Verb),
}

impl Topic {
    /// Whether messages on this topic are published retained.
    pub fn retained(&self) -> bool {
        matches!(self, Topic::DeviceStatus(_) | Topic::QueueState | Topic::Survey(_) | Topic::HubStatus)
    }
}

/// Builds and parses the topics of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    site: SiteId,
    prefix: String,
}

impl Topics {
    pub fn new(site: SiteId) -> Self {
        let prefix = format!("{ROOT}/{site}/");
        Self { site, prefix }
    }

    pub fn site(&self) -> &SiteId {
        &self.site
    }

    /// The topic string for `t`.
    pub fn topic(&self, t: &Topic) -> String {
        let p = &self.prefix;
        match t {
            Topic::DeviceStatus(d) => format!("{p}device/{d}/status"),
            Topic::DeviceHealth(d) => format!("{p}device/{d}/health"),
            Topic::DeviceEvent(d) => format!("{p}device/{d}/event"),
            Topic::DeviceCmd(d) => format!("{p}device/{d}/cmd"),
            Topic::DeviceReply(d) => format!("{p}device/{d}/reply"),
            Topic::Feedback => format!("{p}feedback"),
            Topic::QueueState => format!("{p}queue/state"),
            Topic::QueueCall => format!("{p}queue/call"),
            Topic::Survey(s) => format!("{p}survey/{s}"),
            Topic::HubStatus => format!("{p}hub/status"),
            Topic::HubRequest(v) => format!("{p}hub/request/{}", v.as_str()),
        }
    }

    /// The filters the hub subscribes to: everything devices send.
    pub fn hub_filters(&self) -> Vec<String> {
        let p = &self.prefix;
        vec![
            format!("{p}device/+/status"),
            format!("{p}device/+/health"),
            format!("{p}device/+/event"),
            format!("{p}feedback"),
            format!("{p}hub/request/+"),
        ]
    }

    /// The filters a device subscribes to: its commands and replies, the queue and surveys.
    pub fn device_filters(&self, device: &DeviceId) -> Vec<String> {
        vec![
            self.topic(&Topic::DeviceCmd(device.clone())),
            self.topic(&Topic::DeviceReply(device.clone())),
            self.topic(&Topic::QueueState),
            self.topic(&Topic::QueueCall),
            self.topic(&Topic::HubStatus),
            format!("{}survey/+", self.prefix),
        ]
    }

    /// A filter matching every topic of this site (monitoring, tests).
    pub fn all_filter(&self) -> String {
        format!("{}#", self.prefix)
    }

    /// Parses a topic string of this site.
    pub fn parse(&self, topic: &str) -> Result<Topic, TopicError> {
        let Some(rest) = topic.strip_prefix(&self.prefix) else {
            if let Some(other) = topic.strip_prefix(ROOT).and_then(|r| r.strip_prefix('/')) {
                let found = other.split('/').next().unwrap_or_default();
                return Err(TopicError::OtherSite {
                    topic: topic.into(),
                    found: found.into(),
                    expected: self.site.to_string(),
                });
            }
            return Err(TopicError::NotAula(topic.into()));
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let dev = |s: &str| DeviceId::new(s).map_err(|source| TopicError::BadId { topic: topic.into(), source });
        let t = match parts.as_slice() {
            ["device", id, "status"] => Topic::DeviceStatus(dev(id)?),
            ["device", id, "health"] => Topic::DeviceHealth(dev(id)?),
            ["device", id, "event"] => Topic::DeviceEvent(dev(id)?),
            ["device", id, "cmd"] => Topic::DeviceCmd(dev(id)?),
            ["device", id, "reply"] => Topic::DeviceReply(dev(id)?),
            ["feedback"] => Topic::Feedback,
            ["queue", "state"] => Topic::QueueState,
            ["queue", "call"] => Topic::QueueCall,
            ["survey", id] => {
                Topic::Survey(SurveyId::new(*id).map_err(|source| TopicError::BadId { topic: topic.into(), source })?)
            }
            ["hub", "status"] => Topic::HubStatus,
            ["hub", "request", verb] => {
                Topic::HubRequest(Verb::parse(verb).ok_or_else(|| TopicError::Unknown(topic.into()))?)
            }
            _ => return Err(TopicError::Unknown(topic.into())),
        };
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Topics {
        Topics::new(SiteId::new("lahti").unwrap())
    }

    #[test]
    fn every_topic_round_trips() {
        let t = topics();
        let d = DeviceId::new("kiosk-1").unwrap();
        let all = [
            Topic::DeviceStatus(d.clone()),
            Topic::DeviceHealth(d.clone()),
            Topic::DeviceEvent(d.clone()),
            Topic::DeviceCmd(d.clone()),
            Topic::DeviceReply(d.clone()),
            Topic::Feedback,
            Topic::QueueState,
            Topic::QueueCall,
            Topic::Survey(SurveyId::new("exit").unwrap()),
            Topic::HubStatus,
            Topic::HubRequest(Verb::IssueTicket),
            Topic::HubRequest(Verb::CheckIn),
            Topic::HubRequest(Verb::Help),
        ];
        for topic in all {
            let s = t.topic(&topic);
            assert_eq!(t.parse(&s).unwrap(), topic, "{s}");
        }
    }

    #[test]
    fn foreign_and_unknown_topics_are_named() {
        let t = topics();
        assert!(matches!(t.parse("aula/v1/oulu/feedback"), Err(TopicError::OtherSite { .. })));
        assert!(matches!(t.parse("other/thing"), Err(TopicError::NotAula(_))));
        assert!(matches!(t.parse("aula/v1/lahti/queue/nope"), Err(TopicError::Unknown(_))));
        assert!(matches!(t.parse("aula/v1/lahti/hub/request/dance"), Err(TopicError::Unknown(_))));
        assert!(matches!(t.parse("aula/v1/lahti/device/BAD/event"), Err(TopicError::BadId { .. })));
    }
}
