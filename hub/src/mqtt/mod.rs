//! The hub's MQTT edge: the session (rumqttc: connection options, the event-loop task), the
//! intake of what devices send ([`ingest`]), what the hub publishes ([`publish`]), the
//! embedded broker ([`broker`]) and Home Assistant discovery ([`homeassistant`]).
//!
//! Session: a fixed client id with `clean_session = false`, so QoS-1 messages sent while the
//! hub is down wait at the broker; MANUAL acks, so the broker forgets a message only after the
//! intake ([`ingest`]) has committed it; retained `hub/status` online on every
//! connect, and the same topic offline as last will.
//!
//! The event loop runs on its own task and only forwards: rumqttc's client talks to the event
//! loop through a bounded channel, so awaiting a publish inside the loop that must drain that
//! channel would deadlock.

use std::sync::Arc;
use std::time::Duration;

use aula_protocol::{Envelope, HubStatus, Topic};
use rumqttc::{AsyncClient, Event, EventLoop, LastWill, MqttOptions, Packet, Publish, QoS, SubscribeFilter, Transport};
use thiserror::Error;
use tokio::sync::mpsc;

use crate::config::{BrokerConfig, HubConfig};

pub mod broker;
pub mod homeassistant;
pub mod ingest;
pub mod publish;
use crate::hub::Hub;
use crate::stats::Stats;

/// Largest packet the hub's client accepts from the broker. Above the protocol's own limit on
/// purpose: a 1 MB payload must reach the decoder to be counted as `too_large` and
/// acknowledged. If rumqttc refused it, the connection would drop and the broker would
/// redeliver the same message forever (a poison message).
pub const MAX_INCOMING_PACKET: usize = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum MqttError {
    #[error("broker ca_file {path}: {message}")]
    Ca { path: String, message: String },
}

/// TCP_NODELAY on: replies and acks are tiny packets, and Nagle's algorithm with delayed
/// ACKs adds ~40 ms per hop (measured: 88 ms issue-ticket round trips without it).
pub fn network_options() -> rumqttc::NetworkOptions {
    let mut n = rumqttc::NetworkOptions::new();
    n.set_tcp_nodelay(true);
    n
}

/// The hub's connection options.
pub fn options(config: &HubConfig, topics: &aula_protocol::Topics) -> Result<MqttOptions, MqttError> {
    let (host, port) = config.mqtt_host_port();
    let mut o = MqttOptions::new(config.client_id.clone(), host, port);
    o.set_clean_session(false)
        .set_manual_acks(true)
        .set_keep_alive(Duration::from_secs(15))
        .set_max_packet_size(MAX_INCOMING_PACKET, 256 * 1024)
        .set_request_channel_capacity(1024)
        .set_inflight(200);
    let offline = Envelope::new(HubStatus { online: false, version: env!("CARGO_PKG_VERSION").into() });
    o.set_last_will(LastWill::new(topics.topic(&Topic::HubStatus), offline.encode(), QoS::AtLeastOnce, true));
    if let BrokerConfig::External(b) = &config.broker {
        if let (Some(u), p) = (&b.username, &b.password) {
            o.set_credentials(u.clone(), p.clone().unwrap_or_default());
        }
        if b.tls {
            let transport = match &b.ca_file {
                Some(path) => {
                    let ca = std::fs::read(path)
                        .map_err(|e| MqttError::Ca { path: path.display().to_string(), message: e.to_string() })?;
                    Transport::tls(ca, None, None)
                }
                None => Transport::tls_with_default_config(),
            };
            o.set_transport(transport);
        }
    }
    Ok(o)
}

/// Polls the event loop for ever: forwards publishes to the ingest loop, and on every
/// (re)connect subscribes to the hub's filters, announces the hub online and asks for the
/// retained state to be republished.
///
/// The channel to the ingest loop is unbounded on purpose: a bounded one can deadlock (this
/// loop waits for room while the ingest loop waits for this loop to take its acks). Its
/// length is bounded by the broker's in-flight window, since unacknowledged QoS-1 messages
/// are all the broker sends ahead.
pub async fn drive(
    mut eventloop: EventLoop,
    client: AsyncClient,
    hub: Arc<Hub>,
    to_ingest: mpsc::UnboundedSender<Publish>,
) {
    let mut failures: u32 = 0;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if to_ingest.send(p).is_err() {
                    return; // ingest stopped: shutting down
                }
            }
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                failures = 0;
                tracing::info!(session_present = ack.session_present, "connected to MQTT broker");
                let client = client.clone();
                let hub = hub.clone();
                // Not awaited here: these go through the channel this loop drains.
                tokio::spawn(async move {
                    // One SUBSCRIBE for all filters: its SUBACK marks the hub ready.
                    let filters =
                        hub.topics.hub_filters().into_iter().map(|f| SubscribeFilter::new(f, QoS::AtLeastOnce));
                    if let Err(e) = client.subscribe_many(filters).await {
                        tracing::error!(error = %e, "subscribe failed");
                    }
                    publish::status(&client, &hub, true).await;
                    publish::surveys(&client, &hub).await;
                    hub.queue.resync();
                });
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                hub.set_mqtt_ready(true);
            }
            Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => {
                // Our own clean disconnect (shutdown): let the packet go out, then stop, so
                // nothing reconnects behind a successor using the same client id.
                let _ = tokio::time::timeout(Duration::from_millis(200), eventloop.poll()).await;
                return;
            }
            Ok(_) => {}
            Err(e) => {
                hub.set_mqtt_ready(false);
                Stats::inc(&hub.stats.mqtt_reconnects);
                failures = failures.saturating_add(1);
                let wait = Duration::from_millis(200 * u64::from(failures.min(25)));
                if failures == 1 || failures.is_multiple_of(25) {
                    tracing::warn!(error = %e, retry_in = ?wait, "MQTT connection lost; reconnecting");
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}
