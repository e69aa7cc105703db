//! Protects the timer loop: the hub runs the engine's timers every second, so a called
//! customer who never comes becomes a no-show after the site's window (3 min by default)
//! without any staff action, and the walls get the changed state. Uses a simulated clock
//! running 600× so three minutes pass in a third of a second.

use aula_hub::clock::Clock;
use aula_protocol::{QueueState, TicketState, Topic, decode};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_called_customer_who_never_comes_becomes_a_no_show_and_the_wall_is_told() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let mut config = hub_config(dir.path(), &external(broker.port));
    config.clock = Clock::simulated(chrono::Utc::now(), 600.0);
    let hub = TestHub::start(config).await;
    let mut wall = Device::connect(broker.port, "wall-1").await;

    let t = hub
        .hub
        .queue
        .issue(aula_protocol::MessageId::new(), &aula_protocol::ServiceId::new("vero").unwrap(), Default::default())
        .unwrap();
    hub.hub.queue.call_next(&aula_protocol::CounterId::new("1").unwrap(), &[]).unwrap();

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(8);
    loop {
        let p = wall.next_on(&Topic::QueueState).await;
        let qs = decode::<QueueState>(&p.payload).unwrap().body;
        let counter = qs.counters.iter().find(|c| c.id.as_str() == "1").unwrap();
        let ticket_state = hub.hub.queue.engine().ticket(t.id).map(|t| t.state());
        if counter.current.is_none() && ticket_state == Some(TicketState::NoShow) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no-show never happened: {ticket_state:?}");
    }
    hub.stop().await;
}
