//! The embedded MQTT broker (rumqttd) for the single-machine default: with no `[broker]` in
//! the config, the hub starts one in-process so one laptop is a whole lobby. Production
//! points everything at Mosquitto instead.
//!
//! rumqttd's `Broker::start` blocks and has no stop: it runs on its own thread for the life
//! of the process (a stopped hub in a test leaves it listening; tests use a fresh port).
//! It keeps persistent sessions in memory only, so "nothing lost while the hub restarts"
//! needs an external broker with persistence (Mosquitto).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BrokerError {
    #[error("embedded broker on {listen}: {message}")]
    Start { listen: SocketAddr, message: String },
}

/// Largest payload the embedded broker accepts. Bigger than [`aula_protocol::MAX_PAYLOAD`]
/// on purpose: an oversized message reaches the hub and is counted as `too_large` instead of
/// silently disconnecting the device.
pub const EMBEDDED_MAX_PAYLOAD: usize = 2 * 1024 * 1024;

/// Starts rumqttd listening on `listen` (MQTT 3.1.1) and waits until it accepts TCP
/// connections (at most 5 s).
pub fn start_embedded(listen: SocketAddr) -> Result<(), BrokerError> {
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: EMBEDDED_MAX_PAYLOAD,
        max_inflight_count: 200,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server =
        rumqttd::ServerSettings { name: "aula-v4".into(), listen, tls: None, next_connection_delay_ms: 1, connections };
    let config = rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: 1000,
            max_outgoing_packet_count: 200,
            // Segments hold the retained log per filter in memory: small ones keep the
            // broker's footprint in the tens of MB.
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([("1".to_string(), server)])),
        ..Default::default()
    };
    // Fail early with a clear message if the port is taken (rumqttd would only log it).
    std::net::TcpListener::bind(listen)
        .map_err(|e| BrokerError::Start { listen, message: format!("cannot listen: {e}") })?;
    std::thread::Builder::new()
        .name("embedded-broker".into())
        .spawn(move || {
            let mut broker = rumqttd::Broker::new(config);
            if let Err(e) = broker.start() {
                tracing::error!(error = %e, "embedded broker stopped");
            }
        })
        .map_err(|e| BrokerError::Start { listen, message: e.to_string() })?;
    let deadline = Instant::now() + Duration::from_secs(5);
    let connect_to =
        if listen.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], listen.port())) } else { listen };
    while Instant::now() < deadline {
        if std::net::TcpStream::connect_timeout(&connect_to, Duration::from_millis(100)).is_ok() {
            tracing::info!(%listen, "embedded MQTT broker started");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(BrokerError::Start { listen, message: "did not start listening within 5 s".into() })
}
