//! # aula-protocol
//!
//! The language every Aula process speaks over MQTT: the topic tree ([`Topics`], [`Topic`]),
//! the message types, and [`decode`] / [`Envelope::encode`], the only way bytes become
//! messages. No I/O lives here.
//!
//! Every message is an [`Envelope`]: schema version `v` ([`SCHEMA_VERSION`]), a unique `id`
//! ([`MessageId`], the key for storing a message once), a UTC timestamp `ts`, and a `body`.
//!
//! ```
//! use aula_protocol::*;
//!
//! let topics = Topics::new(SiteId::new("lahti").unwrap());
//! let kiosk = DeviceId::new("kiosk-1").unwrap();
//! let req = Envelope::new(Request {
//!     device: kiosk.clone(),
//!     lang: Lang::fi(),
//!     kind: RequestKind::IssueTicket {
//!         service: ServiceId::new("vero").unwrap(),
//!         needs: Needs::default(),
//!         offline: None,
//!     },
//! });
//! let topic = topics.topic(&Topic::HubRequest(req.body.kind.verb()));
//! assert_eq!(topic, "aula/v1/lahti/hub/request/issue-ticket");
//!
//! // What the hub does with the bytes:
//! let back: Envelope<Request> = decode(&req.encode()).unwrap();
//! assert_eq!(back, req);
//! assert_eq!(topics.parse(&topic).unwrap(), Topic::HubRequest(Verb::IssueTicket));
//!
//! // Bad input is a typed error naming what is wrong, never a panic.
//! let err = decode::<Request>(br#"{"v":1,"id":"0190a0a0-0000-7000-8000-000000000000","ts":"2026-11-22T08:00:00Z","body":{"device":"kiosk-1","lang":"fi","kind":{"type":"issue_ticket","service":7}}}"#).unwrap_err();
//! assert_eq!(err.reason(), "bad_field");
//! assert!(err.to_string().contains("body.kind"), "{err}");
//! ```
//!
//! ## Messages, one example each
//! (`v`, `id` and `ts` omitted: they are the same on every message.)
//!
//! | topic | body |
//! |---|---|
//! | `hub/request/issue-ticket` | `{"device":"kiosk-1","lang":"fi","kind":{"type":"issue_ticket","service":"vero","needs":{"interpreter":"uk","accessibility":false,"reading_help":true}}}` |
//! | `hub/request/check-in` | `{"device":"kiosk-1","lang":"en","kind":{"type":"check_in","code":"K7P2QX"}}` |
//! | `hub/request/help` | `{"device":"kiosk-1","lang":"sv","kind":{"type":"help"}}` |
//! | `device/<id>/reply` | `{"request_id":"…","result":{"type":"ticket","id":"…","number":"V007","service":"vero","service_name":{"fi":"Verohallinto"},"lane":"walk_in","people_ahead":3,"wait":{"low_min":5,"high_min":15},"issued_at":"…","follow_url":"http://hub/follow/…"}}` |
//! | `device/<id>/reply` | `{"request_id":"…","result":{"type":"rejected","reason":"too_early","booked_at":"…","opens_at":"…"}}` |
//! | `queue/state` (retained) | `{"seq":42,"site_name":{…},"services":[{"id":"vero","name":{…},"authority":{…},"prefix":"V","open_today":true,"open_now":true,"walk_in":true,"hours_today":[{"open":"09:00:00","close":"16:00:00"}],"waiting":4,"wait":{"low_min":10,"high_min":25}}],"counters":[{"id":"3","name":{…},"current":"V006","since":"…"}],"calls":[…]}` |
//! | `queue/call` | `{"ticket":"…","number":"V007","service":"vero","counter":"3","counter_name":{"fi":"Palvelupiste 3"},"kind":"call","called_at":"…"}` |
//! | `device/<id>/status` (retained) | `{"state":"online","kind":"kiosk","version":"0.1.0","started_at":"…"}` / `{"state":"offline"}` |
//! | `device/<id>/health` | `{"version":"0.1.0","uptime_s":3600,"cpu_temp_c":51.5,"load1":0.2,"mem_used_bytes":…,"mem_total_bytes":…,"disk_free_bytes":…,"network":"connected","clock_synced":true,"units":[{"name":"aula-kiosk.service","active_state":"active"}],"printer":"paper_low","outbox_pending":0}` |
//! | `device/<id>/event` | `{"type":"lid","box_id":"lobby","open":true}` · `{"type":"box_emptied","box_id":"lobby","by":"switch"}` · `{"type":"printer","state":"paper_out"}` · `{"type":"print_failed","number":"V007","reason":"paper out"}` · `{"type":"help_button"}` · `{"type":"taps_rejected","count":12}` |
//! | `device/<id>/cmd` | `{"type":"reload_config"}` · `{"type":"test_print"}` · `{"type":"restart_app"}` · `{"type":"reboot"}` · `{"type":"show_survey","survey":"selfservice"}` |
//! | `survey/<id>` (retained) | `{"id":"exit","title":{…},"questions":[{"id":"csat","text":{…},"kind":{"type":"scale5","style":"smileys","measure":"csat"},"required":true}],"thanks":{…}}` |
//! | `feedback` | `{"survey":"exit","device":"feedback-1","lang":"fi","service":"kela","answers":[{"question":"csat","value":{"type":"scale","value":5}},{"question":"nps","value":{"type":"nps","value":9}},{"question":"done","value":{"type":"outcome","value":"started"}}]}` |
//! | `hub/status` (retained) | `{"online":true,"version":"0.1.0"}` |
//!
//! Every row is checked by this crate's tests (`tests/examples.rs`), so the table cannot rot
//! silently.

mod device;
mod envelope;
mod error;
mod feedback;
mod ids;
mod queue;
mod request;
mod text;
mod ticket;
mod topic;

pub use device::{
    Command, DeviceEvent, DeviceKind, DeviceStatus, EmptiedBy, Health, HubStatus, NetworkState, PrinterState,
    UnitHealth,
};
pub use envelope::{
    Envelope, MAX_PAYLOAD, MessageId, PLAUSIBLE_YEARS, SCHEMA_VERSION, Validate, decode, plausible_time,
};
pub use error::{DecodeError, IdError, TopicError};
pub use feedback::{
    Answer, AnswerValue, ChoiceOption, FeedbackAnswer, MAX_TEXT_LEN, Measure, Outcome, Question, QuestionKind,
    ScaleStyle, SurveyDef,
};
pub use ids::{BoxId, CounterId, DeviceId, Lang, QuestionId, ServiceId, SiteId, SurveyId};
pub use queue::{CallEvent, CallKind, CounterView, QueueState, ServiceView, Span};
pub use request::{
    IssuedTicket, MAX_BOOKING_CODE, MAX_TICKET_SEQ, OfflineIssue, Rejection, Reply, ReplyResult, Request, RequestKind,
};
pub use text::Localized;
pub use ticket::{Lane, Needs, TicketId, TicketNumber, TicketState, WaitRange};
pub use topic::{Topic, Topics, Verb};
