//! The hub, played for the kiosk's tests and its bench (included by path there): a tiny
//! responder over MQTT that answers requests like the hub, and the example site's queue
//! state. The broker itself comes from aula-testkit.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aula_protocol::{
    Envelope, IssuedTicket, Lane, Localized, QueueState, Reply, ReplyResult, Request, RequestKind, ServiceId,
    ServiceView, SiteId, Span, TicketId, TicketNumber, Topic, Topics, WaitRange, decode,
};
use chrono::{NaiveTime, Utc};
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};

/// What the responder received.
#[derive(Default)]
pub struct Received {
    pub requests: Vec<Envelope<Request>>,
}

/// Plays the hub: publishes a retained queue state, answers every `issue-ticket` with a
/// ticket (numbers V001, V002, … ; the same answer for a repeated id), `help` with
/// HelpComing and `check-in` with a ticket in the appointment lane.
pub struct Responder {
    pub received: Arc<Mutex<Received>>,
    _thread: std::thread::JoinHandle<()>,
}

impl Responder {
    pub fn start(port: u16, site: &SiteId, state: QueueState) -> Self {
        let mut opts = MqttOptions::new("aula-test-hub", "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        Self::with_options(opts, site, state)
    }

    /// Any broker: options from `Mosquitto::options` carry its TLS and credentials.
    pub fn with_options(opts: MqttOptions, site: &SiteId, state: QueueState) -> Self {
        let topics = Topics::new(site.clone());
        let (client, mut conn) = Client::new(opts, 64);
        let mut net = conn.eventloop.network_options();
        net.set_tcp_nodelay(true);
        conn.eventloop.set_network_options(net);
        let received = Arc::new(Mutex::new(Received::default()));
        let rec = received.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut answers: std::collections::HashMap<aula_protocol::MessageId, ReplyResult> = Default::default();
            let mut next = 1;
            for ev in conn.iter() {
                match ev {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        for verb in aula_protocol::Verb::ALL {
                            let _ = client.subscribe(topics.topic(&Topic::HubRequest(verb)), QoS::AtLeastOnce);
                        }
                        let _ = client.publish(
                            topics.topic(&Topic::QueueState),
                            QoS::AtLeastOnce,
                            true,
                            Envelope::new(state.clone()).encode(),
                        );
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = ready_tx.send(());
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let Ok(env) = decode::<Request>(&p.payload) else { continue };
                        let result = answers
                            .entry(env.id)
                            .or_insert_with(|| {
                                let r = answer(&env.body, next);
                                next += 1;
                                r
                            })
                            .clone();
                        let reply = Envelope::new(Reply { request_id: env.id, result });
                        let _ = client.publish(
                            topics.topic(&Topic::DeviceReply(env.body.device.clone())),
                            QoS::AtLeastOnce,
                            false,
                            reply.encode(),
                        );
                        rec.lock().unwrap().requests.push(env);
                    }
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        });
        let _ = ready_rx.recv_timeout(Duration::from_secs(5));
        Self { received, _thread: thread }
    }
}

fn answer(req: &Request, seq: u32) -> ReplyResult {
    match &req.kind {
        RequestKind::IssueTicket { service, offline, .. } => ReplyResult::Ticket(IssuedTicket {
            id: TicketId::new(),
            number: offline.as_ref().map(|o| o.number.clone()).unwrap_or(TicketNumber { prefix: "V".into(), seq }),
            service: service.clone(),
            service_name: Localized::from_pairs(&[("fi", "Verohallinto"), ("en", "Finnish Tax Administration")]),
            lane: Lane::WalkIn,
            people_ahead: 3,
            wait: Some(WaitRange { low_min: 10, high_min: 25 }),
            issued_at: Utc::now(),
            booked_at: None,
            follow_url: Some(format!("http://hub.local/follow/V{seq:03}")),
        }),
        RequestKind::CheckIn { .. } => ReplyResult::Ticket(IssuedTicket {
            id: TicketId::new(),
            number: TicketNumber { prefix: "A".into(), seq },
            service: ServiceId::new("kela").unwrap(),
            service_name: Localized::from_pairs(&[("fi", "Kela"), ("en", "Kela")]),
            lane: Lane::Appointment,
            people_ahead: 0,
            wait: None,
            issued_at: Utc::now(),
            booked_at: Some(Utc::now()),
            follow_url: None,
        }),
        RequestKind::Help => ReplyResult::HelpComing,
    }
}

/// A small queue state shaped like the example site on a weekday morning.
pub fn example_state(now: chrono::DateTime<Utc>) -> QueueState {
    let span = |o: u32, c: u32| Span {
        open: NaiveTime::from_hms_opt(o, 0, 0).unwrap(),
        close: NaiveTime::from_hms_opt(c, 0, 0).unwrap(),
    };
    let svc = |id: &str, fi: &str, en: &str, auth_fi: &str, auth_en: &str, prefix: &str| ServiceView {
        id: ServiceId::new(id).unwrap(),
        name: Localized::from_pairs(&[("fi", fi), ("sv", fi), ("en", en)]),
        authority: Localized::from_pairs(&[("fi", auth_fi), ("sv", auth_fi), ("en", auth_en)]),
        prefix: prefix.into(),
        open_today: true,
        open_now: true,
        walk_in: true,
        hours_today: vec![span(9, 16)],
        opens_next: None,
        waiting: 0,
        wait: None,
    };
    let mut vero =
        svc("vero", "Verohallinto", "Finnish Tax Administration", "Verohallinto", "Finnish Tax Administration", "V");
    vero.waiting = 4;
    vero.wait = Some(WaitRange { low_min: 10, high_min: 25 });
    let mut kela = svc("kela", "Kela", "Kela (Social Insurance Institution)", "Kela", "Kela", "K");
    kela.wait = Some(WaitRange { low_min: 0, high_min: 0 });
    let mut lupa = svc("poliisi", "Lupapalvelut", "Permit services", "Poliisi", "Police", "P");
    lupa.waiting = 9;
    lupa.wait = Some(WaitRange { low_min: 20, high_min: 40 });
    let mut te = svc("te", "TE-palvelut", "Employment services (TE)", "TE-palvelut", "Employment services (TE)", "T");
    te.waiting = 1;
    te.wait = Some(WaitRange { low_min: 5, high_min: 15 });
    let mut oikeus =
        svc("oikeusapu", "Oikeusapu", "Legal aid", "Oikeusapu ja edunvalvonta", "Legal aid and guardianship", "O");
    oikeus.open_now = false;
    oikeus.hours_today = vec![span(12, 16)];
    oikeus.opens_next = Some(now + chrono::Duration::hours(2));
    let mut migri = svc(
        "migri",
        "Maahanmuuttovirasto",
        "Finnish Immigration Service",
        "Maahanmuuttovirasto",
        "Finnish Immigration Service",
        "M",
    );
    migri.walk_in = false;
    let mut dvv =
        svc("dvv", "Digi- ja väestötietovirasto", "Digital and Population Data Services Agency", "DVV", "DVV", "D");
    dvv.open_today = false;
    dvv.open_now = false;
    QueueState {
        seq: 1,
        site_name: Localized::from_pairs(&[("fi", "Yhteispalvelupiste Lahti"), ("en", "Lahti Joint Service Point")]),
        services: vec![vero, kela, lupa, te, oikeus, migri, dvv],
        counters: vec![],
        calls: vec![],
        announcement: None,
    }
}
