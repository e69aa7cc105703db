//! Fixtures: a private Mosquitto on a free port (stop/start by PID), a plain rumqttc
//! subscriber that survives broker restarts, a TCP proxy that can "freeze" a connection
//! (bytes stop flowing, sockets stay open: what a pulled cable looks like), and agent configs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aula_agent::AgentConfig;
use aula_protocol::{DeviceId, DeviceKind, SiteId, Topics};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

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

/// A private Mosquitto. Persistent brokers keep sessions (and queued QoS 1 messages for
/// offline subscribers) across a graceful stop/start, like a production broker.
pub struct Broker {
    pub port: u16,
    conf: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Broker {
    pub fn start(persistent: bool) -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        let mut text = format!("listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n");
        if persistent {
            // Started as root, Mosquitto drops to the `mosquitto` user and could not write a
            // root-owned temp dir: its sessions would silently not survive the restart.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
            text += &format!("persistence true\npersistence_location {}/\n", dir.path().display());
        }
        std::fs::write(&conf, text).unwrap();
        let mut b = Broker { port, conf, child: None, _dir: dir };
        b.resume();
        b
    }

    /// Starts the broker process again on the same port.
    pub fn resume(&mut self) {
        assert!(self.child.is_none());
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto installed");
        self.child = Some(child);
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(t0.elapsed() < Duration::from_secs(5), "mosquitto did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Graceful stop (SIGTERM to our child's PID): a persistent broker saves its sessions.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
            let _ = c.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One received message.
#[derive(Debug, Clone)]
pub struct Msg {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

/// A plain MQTT client that subscribes to `filter` (QoS 1) and reconnects forever.
pub struct Sub {
    /// Connections made (ConnAcks) so far, with whether the broker had the session.
    pub connacks: Arc<std::sync::Mutex<Vec<bool>>>,
    pub rx: mpsc::UnboundedReceiver<Msg>,
    pub client: AsyncClient,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sub {
    pub async fn start(port: u16, id: &str, persistent: bool, filter: &str) -> Sub {
        let mut o = MqttOptions::new(id, "127.0.0.1", port);
        o.set_clean_session(!persistent);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_max_packet_size(1 << 20, 1 << 20);
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
        tokio::time::timeout(Duration::from_secs(5), ready_rx).await.expect("subscribed").unwrap();
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

/// Waits until `f` holds, polling every 20 ms; panics with `what` after `within`.
pub async fn wait_for(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < within, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A private `dbus-daemon` (session config, so no policy forbids owning system names),
/// stopped by its PID when dropped. Tests serve the freedesktop interfaces they need on it
/// with zbus and point the agent at [`DbusDaemon::address`].
pub struct DbusDaemon {
    pub address: String,
    child: Child,
}

impl DbusDaemon {
    pub fn start() -> DbusDaemon {
        use std::io::BufRead;
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon installed");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        DbusDaemon { address: line.trim().to_string(), child }
    }
}

impl Drop for DbusDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
