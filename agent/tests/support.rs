//! Fixtures of the agent's tests (the brokers, subscribers, waits and D-Bus come from
//! aula-testkit): a TCP proxy that can "freeze" a connection (bytes stop flowing, sockets stay
//! open: what a pulled cable looks like), and agent configs.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aula_agent::AgentConfig;
use aula_protocol::{DeviceId, DeviceKind, SiteId, Topics};
pub use aula_testkit::mqtt::Sub;
pub use aula_testkit::{Mosquitto, free_port, wait_until_async};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn site() -> SiteId {
    SiteId::new("testsite").unwrap()
}

pub fn topics() -> Topics {
    Topics::new(site())
}

pub fn config(dir: &Path, device: &str, port: u16) -> AgentConfig {
    let mut c = AgentConfig::new(
        site(),
        DeviceId::new(device).unwrap(),
        DeviceKind::Agent,
        "127.0.0.1",
        port,
        dir.join(format!("{device}-outbox.sqlite")),
    );
    c.health_interval_s = 0;
    c.keepalive_s = 2;
    c.reconnect_max_ms = 500;
    c
}

/// A private Mosquitto that queues up to 100 000 messages per offline session; `persistent`
/// brokers keep sessions (and queued QoS 1 messages) across `stop()`/`restart()`, like a
/// production broker.
pub fn broker(persistent: bool) -> Mosquitto {
    Mosquitto::builder().persistence(persistent).max_queued_messages(100_000).start()
}

/// A TCP relay in front of the broker. `freeze()` stops relaying in both directions but
/// keeps every socket open, so neither side sees a close: only keepalive can notice.
pub struct Proxy {
    pub port: u16,
    frozen: Arc<AtomicBool>,
    conns: Arc<std::sync::Mutex<Vec<Arc<AtomicBool>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(upstream: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = Arc::new(AtomicBool::new(false));
        let conns: Arc<std::sync::Mutex<Vec<Arc<AtomicBool>>>> = Arc::default();
        let (f, c) = (frozen.clone(), conns.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((down, _)) = listener.accept().await else { return };
                let Ok(up) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else { continue };
                let mine = Arc::new(AtomicBool::new(f.load(Ordering::SeqCst)));
                c.lock().unwrap().push(mine.clone());
                let (dr, dw) = down.into_split();
                let (ur, uw) = up.into_split();
                tokio::spawn(relay(dr, uw, mine.clone()));
                tokio::spawn(relay(ur, dw, mine));
            }
        });
        Proxy { port, frozen, conns, task }
    }

    /// Every current and new connection stops relaying (sockets stay open).
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().iter() {
            c.store(true, Ordering::SeqCst);
        }
    }

    /// New connections relay again; frozen ones stay frozen (the network "came back" but the
    /// old TCP connections are dead).
    pub fn thaw(&self) {
        self.frozen.store(false, Ordering::SeqCst);
    }
}

async fn relay(mut r: tokio::net::tcp::OwnedReadHalf, mut w: tokio::net::tcp::OwnedWriteHalf, frozen: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(Ordering::SeqCst) {
            // Hold both sockets open and never forward again.
            let _keep = (r, w);
            std::future::pending::<()>().await;
            return;
        }
        if w.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
