//! The hub is killed with SIGKILL mid-traffic and restarted. Protects: every ticket a kiosk
//! was given survives with the number it was given; no number is given twice; a kiosk's
//! retry after the crash gets the same ticket (idempotent request ids survive the restart);
//! and the running hub's state equals a fresh replay of its log.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use crate::support::{HubProcess, SITE_TOML, broker, device, wait_until_async};
use aula_agent::Agent;
use aula_engine::{Engine, SiteConfig};
use aula_protocol::{Lang, MessageId, Needs, ReplyResult, RequestKind, ServiceId, TicketNumber};

/// One kiosk taking `n` tickets; every attempt is retried with the same request id until the
/// hub answers, as the kiosk does. Returns request id → number.
async fn kiosk(agent: Agent, n: u32, issued: Arc<AtomicU32>) -> BTreeMap<MessageId, TicketNumber> {
    let services = ["vero", "kela", "poliisi"];
    let mut got = BTreeMap::new();
    for i in 0..n {
        let id = MessageId::new();
        let service = ServiceId::new(services[i as usize % 3]).unwrap();
        let kind = RequestKind::IssueTicket { service, needs: Needs::default(), offline: None };
        let number = loop {
            match agent.request_with_id(id, Lang::fi(), kind.clone()).await {
                Ok(reply) => match reply.result {
                    ReplyResult::Ticket(t) => break t.number,
                    other => panic!("unexpected reply {other:?}"),
                },
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        issued.fetch_add(1, Ordering::SeqCst);
        got.insert(id, number);
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_killed_mid_traffic_comes_back_with_exactly_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker();
    let mut hub = HubProcess::start(env!("CARGO_BIN_EXE_e2e-hub"), dir.path(), broker.port);
    let (k1, _e1) = device(dir.path(), "kiosk-1", broker.port).await;
    let (k2, _e2) = device(dir.path(), "kiosk-2", broker.port).await;
    wait_until_async("kiosks connected", Duration::from_secs(10), async || k1.is_connected() && k2.is_connected())
        .await;

    let issued = Arc::new(AtomicU32::new(0));
    let t1 = tokio::spawn(kiosk(k1.clone(), 120, issued.clone()));
    let t2 = tokio::spawn(kiosk(k2.clone(), 120, issued.clone()));

    // A counter working through the queue over HTTP meanwhile (errors while the hub is down
    // are expected and ignored, as a staff tool would retry).
    let stop = Arc::new(AtomicBool::new(false));
    let counter = {
        let http = hub.http.clone();
        let token = hub.token_for("/api/counters").to_owned();
        let stop = stop.clone();
        tokio::spawn(async move {
            let c = reqwest::Client::new();
            while !stop.load(Ordering::SeqCst) {
                for path in ["call-next", "start", "finish"] {
                    let _ = c
                        .post(format!("{http}/api/counters/1/{path}"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({}))
                        .send()
                        .await;
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        })
    };

    wait_until_async("traffic under way", Duration::from_secs(30), async || issued.load(Ordering::SeqCst) >= 80).await;
    hub.kill9();
    tokio::time::sleep(Duration::from_millis(500)).await;
    hub.restart();

    let mut all = t1.await.unwrap();
    all.extend(t2.await.unwrap());
    stop.store(true, Ordering::SeqCst);
    counter.await.unwrap();

    // No number given twice (per service per day: prefixes differ per service).
    let numbers: BTreeSet<_> = all.values().cloned().collect();
    assert_eq!(numbers.len(), all.len(), "a number was given to two customers");

    // The running hub's view, then the same database replayed from scratch.
    let live = hub.get_json("/api/queue").await;
    drop(hub); // SIGTERM: a clean stop, so the copy below sees every committed event.

    let site = SiteConfig::from_toml(SITE_TOML, "site.toml").unwrap();
    let engine = Engine::open(&dir.path().join("hub.db"), site).unwrap();
    let by_request: BTreeMap<MessageId, TicketNumber> =
        engine.tickets().filter_map(|t| t.request.map(|r| (r, t.number.clone()))).collect();
    for (req, number) in &all {
        assert_eq!(
            by_request.get(req),
            Some(number),
            "ticket {number} for request {req} missing from the log after the crash"
        );
    }
    assert_eq!(by_request.len(), all.len(), "the log has tickets no kiosk was given");

    let replayed = serde_json::to_value(engine.queue_state(chrono::Utc::now())).unwrap();
    let summary = |q: &serde_json::Value| -> Vec<(String, u64, String)> {
        let waiting =
            q["services"].as_array().unwrap().iter().map(|s| (s["id"].to_string(), s["waiting"].as_u64().unwrap()));
        let counters: BTreeMap<String, String> =
            q["counters"].as_array().unwrap().iter().map(|c| (c["id"].to_string(), c["current"].to_string())).collect();
        waiting.map(|(id, w)| (id, w, format!("{counters:?}"))).collect()
    };
    assert_eq!(summary(&live), summary(&replayed), "live state differs from a replay of the log");
}
