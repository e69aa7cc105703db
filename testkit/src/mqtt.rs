//! [`Sub`]: a plain MQTT client of the test (playing the hub or a console) that subscribes to
//! one filter at QoS 1, reconnects forever (so it survives broker restarts), and hands every
//! publish to the test.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;

/// One received message.
#[derive(Debug, Clone)]
pub struct Msg {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

/// A subscriber on a tokio runtime; see the module docs. Stops when dropped.
pub struct Sub {
    /// Connections made (ConnAcks) so far, with whether the broker had the session.
    pub connacks: Arc<std::sync::Mutex<Vec<bool>>>,
    pub rx: mpsc::UnboundedReceiver<Msg>,
    /// For publishing as this client (commands, retained state).
    pub client: AsyncClient,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sub {
    /// Anonymous plain TCP to `127.0.0.1:port`; `persistent` keeps the session (and the
    /// broker queues for it) across reconnects.
    pub async fn start(port: u16, id: &str, persistent: bool, filter: &str) -> Sub {
        let mut o = MqttOptions::new(id, "127.0.0.1", port);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_max_packet_size(1 << 20, 1 << 20);
        Self::with_options(o, persistent, filter).await
    }

    /// Any broker: `options` from [`crate::Mosquitto::options`] carry its TLS and credentials.
    pub async fn with_options(mut o: MqttOptions, persistent: bool, filter: &str) -> Sub {
        o.set_clean_session(!persistent);
        let (client, mut el) = AsyncClient::new(o, 100);
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let mut ready = Some(ready_tx);
        let c = client.clone();
        let filter = filter.to_string();
        let connacks: Arc<std::sync::Mutex<Vec<bool>>> = Arc::default();
        let ca = connacks.clone();
        let task = tokio::spawn(async move {
            loop {
                match el.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                        ca.lock().unwrap().push(ack.session_present);
                        let _ = c.subscribe(filter.clone(), QoS::AtLeastOnce).await;
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let _ = tx.send(Msg { topic: p.topic.clone(), payload: p.payload.to_vec(), retain: p.retain });
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(5), ready_rx)
            .await
            .expect("the test's subscriber connected and subscribed within 5 s")
            .unwrap();
        Sub { connacks, rx, client, task }
    }

    /// The next message on `topic` within `within`.
    pub async fn next_on(&mut self, topic: &str, within: Duration) -> Option<Msg> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(m)) if m.topic == topic => return Some(m),
                Ok(Some(_)) => continue,
                _ => return None,
            }
        }
    }
}
