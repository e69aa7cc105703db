//! Protects the HTTP API's contract: JSON errors `{error, message}` with the right status
//! (the engine's refusals are 409 with its message), the staff flow call → start → finish,
//! transfer, the announcement reaching the queue state, and the follow page in the
//! customer's language without personal data.

use aula_protocol::{IssuedTicket, QueueState};
use aula_web::error::ApiError;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_flow_errors_announcement_and_follow_page() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start(hub_config(dir.path(), &external(broker.port))).await;
    // The counter expert of vero acts at counter 1 (vero, kela); the advisor issues numbers
    // at the desk, moves tickets and writes the announcement.
    let c = hub.client(counter("vero"));
    let advisor = hub.client(Role::Advisor);
    let post = |path: &str, body: serde_json::Value| c.post(hub.url(path)).json(&body).send();
    let desk = |path: &str, body: serde_json::Value| advisor.post(hub.url(path)).json(&body).send();

    // Finishing with nothing called: the engine refuses → 409 with its message.
    let r = post("/api/counters/1/finish", json!({})).await.unwrap();
    assert_eq!(r.status(), 409);
    let e: ApiError = r.json().await.unwrap();
    assert_eq!(e.error, "counter_idle");
    assert!(e.message.contains("counter 1"), "{e:?}");

    // Unknown counter → 404; bad body → 400.
    assert_eq!(post("/api/counters/9/call-next", json!({})).await.unwrap().status(), 404);
    assert_eq!(post("/api/counters/1/call", json!({"number": 7})).await.unwrap().status(), 400);

    // A refusal from the engine keeps its reason code.
    let r = desk("/api/tickets", json!({"service": "nope"})).await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<ApiError>().await.unwrap().error, "unknown_service");

    // Issue from the staff desk, call, start, finish.
    let r = desk("/api/tickets", json!({"service": "vero"})).await.unwrap();
    assert_eq!(r.status(), 201);
    let t: IssuedTicket = r.json().await.unwrap();
    let r = post("/api/counters/1/call-next", json!({"services": ["vero"]})).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = post("/api/counters/1/finish", json!({})).await.unwrap();
    assert_eq!(r.status(), 409, "finishing a called ticket that was never started is illegal");
    assert_eq!(post("/api/counters/1/start", json!({})).await.unwrap().status(), 200);
    assert_eq!(post("/api/counters/1/finish", json!({})).await.unwrap().status(), 200);

    // Follow page of a finished ticket, in Swedish by Accept-Language.
    let page =
        c.get(hub.url(&format!("/follow/{}", t.id))).header("accept-language", "sv-FI,sv;q=0.9").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&t.number.to_string()) && html.contains("lang=\"sv\""), "{html}");

    // Transfer a waiting ticket by number; its follow page follows it.
    let t2: IssuedTicket = desk("/api/tickets", json!({"service": "vero"})).await.unwrap().json().await.unwrap();
    let r = post(&format!("/api/tickets/{}/transfer", t2.number), json!({"service": "kela"})).await.unwrap();
    assert_eq!(r.status(), 200);
    let moved: IssuedTicket = r.json().await.unwrap();
    assert_eq!(moved.service.as_str(), "kela");
    let html = c.get(hub.url(&format!("/follow/{}?lang=en", t2.id))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("People ahead"), "{html}");
    assert_eq!(c.get(hub.url("/follow/not-a-ticket")).send().await.unwrap().status(), 404);

    // Announcement shows in the queue state.
    assert_eq!(
        desk("/api/announcement", json!({"fi": "Tauko", "sv": "Paus", "en": "Break"})).await.unwrap().status(),
        200
    );
    let qs: QueueState = c.get(hub.url("/api/queue")).send().await.unwrap().json().await.unwrap();
    assert_eq!(qs.announcement.unwrap().get(&aula_protocol::Lang::en()), "Break");

    let services: serde_json::Value = c.get(hub.url("/api/services")).send().await.unwrap().json().await.unwrap();
    assert_eq!(services.as_array().unwrap().len(), 3);
    hub.stop().await;
}
