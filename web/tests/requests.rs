//! Protects the device request path over real Mosquitto: issue-ticket requests get replies
//! with consecutive numbers; a repeated request id gets the same ticket (a kiosk's resend
//! after a timeout must never print two numbers); a counter call through the HTTP API goes
//! out on `queue/call` and updates the retained queue state.

use aula_protocol::{CallEvent, CallKind, QueueState, Topic, decode};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_have_consecutive_numbers_and_a_resend_gets_the_same_ticket() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start(hub_config(dir.path(), &external(broker.port))).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;

    let mut numbers = Vec::new();
    for _ in 0..3 {
        let reply = kiosk.request(&kiosk.issue_request("vero")).await;
        let t = ticket(&reply);
        assert_eq!(t.service.as_str(), "vero");
        assert!(t.follow_url.as_deref().unwrap().starts_with("http://hub.test/follow/"), "{:?}", t.follow_url);
        numbers.push(t.number.clone());
    }
    let seqs: Vec<u32> = numbers.iter().map(|n| n.seq).collect();
    assert_eq!(seqs, vec![seqs[0], seqs[0] + 1, seqs[0] + 2], "{numbers:?}");
    assert!(numbers.iter().all(|n| n.prefix == "V"));

    // The same request id again: same ticket, no new number.
    let req = kiosk.issue_request("kela");
    let first = ticket(&kiosk.request(&req).await).clone();
    let again = ticket(&kiosk.request(&req).await).clone();
    assert_eq!(first.id, again.id);
    assert_eq!(first.number, again.number);
    let next = ticket(&kiosk.request(&kiosk.issue_request("kela")).await).clone();
    assert_eq!(next.number.seq, first.number.seq + 1, "the resend must not use up a number");

    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_call_from_the_api_is_published_as_a_call_and_a_new_retained_state() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start(hub_config(dir.path(), &external(broker.port))).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let t = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).clone();

    let resp = hub.client(counter("vero")).post(hub.url("/api/counters/1/call-next")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let call: CallEvent = resp.json().await.unwrap();
    assert_eq!(call.number, t.number);

    let p = kiosk.next_on(&Topic::QueueCall).await;
    let ev = decode::<CallEvent>(&p.payload).unwrap().body;
    assert_eq!((ev.number.clone(), ev.counter.as_str(), ev.kind), (t.number.clone(), "1", CallKind::Call));

    // The kiosk (subscribed all along) sees a state with the call...
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let p = kiosk.next_on(&Topic::QueueState).await;
        let qs = decode::<QueueState>(&p.payload).unwrap().body;
        let counter = qs.counters.iter().find(|c| c.id.as_str() == "1").unwrap();
        if counter.current.as_ref() == Some(&t.number) {
            assert_eq!(qs.calls.first().map(|c| &c.number), Some(&t.number));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "state never showed the call");
    }
    // ...and a wall that connects afterwards gets it at once, retained.
    let mut wall = Device::connect(broker.port, "wall-1").await;
    let p = wall.next_on(&Topic::QueueState).await;
    assert!(p.retain, "queue state must be retained");
    let qs = decode::<QueueState>(&p.payload).unwrap().body;
    let counter = qs.counters.iter().find(|c| c.id.as_str() == "1").unwrap();
    assert_eq!(counter.current.as_ref(), Some(&t.number));
    hub.stop().await;
}
