//! Fixtures: a private Mosquitto (the test kit's), a hub in-process on a temp dir with role
//! tokens, and a device client that sends requests and waits for replies.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use aula_hub::Hub;
use aula_hub::config::HubConfig;
pub use aula_hub::staff::Role;
use aula_protocol::{
    DeviceId, Envelope, Lang, MessageId, Needs, Reply, Request, RequestKind, ServiceId, Topic, Topics,
};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, Publish, QoS};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use aula_testkit::{free_port, wait_port};

/// A private Mosquitto from the test kit (killed on drop; fails with the install line when
/// `mosquitto` is missing). Queues up to 100k messages per persistent session: the default
/// 1000 would drop messages queued while the hub is away.
pub fn broker() -> Mosquitto {
    Mosquitto::builder().max_queued_messages(100_000).start()
}

pub use aula_testkit::Mosquitto;

/// Writes the test site and a hub.toml into `dir`; `broker` is the `[broker]` or
/// `[embedded_broker]` section.
pub fn hub_config(dir: &Path, broker: &str) -> HubConfig {
    hub_config_with(dir, broker, "")
}

/// [`hub_config`] with more `[hub]` keys (e.g. `public_http = "127.0.0.1:0"`).
pub fn hub_config_with(dir: &Path, broker: &str, hub_keys: &str) -> HubConfig {
    std::fs::write(dir.join("site.toml"), aula_hub::testsite::SITE_TOML).unwrap();
    let toml = format!(
        "[hub]\nsite = \"site.toml\"\ndb = \"data/aula.db\"\nhttp = \"127.0.0.1:0\"\npublic_url = \"http://hub.test\"\nclient_id = \"aula-hub-test\"\n{hub_keys}\n{broker}\n"
    );
    std::fs::write(dir.join("hub.toml"), &toml).unwrap();
    HubConfig::load(&dir.join("hub.toml")).unwrap()
}

pub fn external(port: u16) -> String {
    format!("[broker]\nurl = \"mqtt://127.0.0.1:{port}\"\n")
}

static TOKENS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The roles tests act as.
pub fn counter(authority: &str) -> Role {
    Role::Counter { authority: authority.into() }
}

/// A hub running in-process.
pub struct TestHub {
    pub http: SocketAddr,
    /// The customers' listener, when the config has `public_http`.
    pub public: Option<SocketAddr>,
    pub hub: Arc<Hub>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestHub {
    pub async fn start(config: HubConfig) -> TestHub {
        let (tx, rx) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            aula_web::run_with(
                config,
                async move {
                    let _ = stopped.await;
                },
                Some(tx),
            )
            .await
            .expect("hub runs");
        });
        let started =
            tokio::time::timeout(Duration::from_secs(10), rx).await.expect("hub starts in time").expect("hub started");
        TestHub { http: started.http, public: started.public, hub: started.hub, stop: Some(stop), task: Some(task) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    /// A fresh API token of `role` (made directly in the hub's staff domain).
    pub fn token(&self, role: Role) -> String {
        let n = TOKENS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.hub.staff.add_token(&format!("test-{n}"), &role, self.hub.now()).unwrap()
    }

    /// An HTTP client that sends a token of `role` with every request.
    pub fn client(&self, role: Role) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::AUTHORIZATION, format!("Bearer {}", self.token(role)).parse().unwrap());
        reqwest::Client::builder().default_headers(h).build().unwrap()
    }

    /// Stops the hub cleanly and waits for it.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task.take().unwrap()).await.expect("hub stops").unwrap();
    }

    /// Waits until `f` holds for the hub's stats.
    pub async fn wait_for(&self, what: &str, f: impl Fn(&aula_hub::stats::StatsView) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self.hub.stats.view();
            if f(&v) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; stats: {v:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn topics() -> Topics {
    Topics::new(aula_protocol::SiteId::new("test").unwrap())
}

/// A device: a plain rumqttc client subscribed to its replies and the queue topics.
pub struct Device {
    pub id: DeviceId,
    pub client: AsyncClient,
    pub rx: mpsc::UnboundedReceiver<Publish>,
}

impl Device {
    pub async fn connect(port: u16, id: &str) -> Device {
        Self::connect_with(port, id, true).await
    }

    pub async fn connect_with(port: u16, id: &str, clean: bool) -> Device {
        let id = DeviceId::new(id).unwrap();
        let mut o = MqttOptions::new(format!("test-{id}"), "127.0.0.1", port);
        o.set_keep_alive(Duration::from_secs(10)).set_clean_session(clean).set_max_packet_size(2 << 20, 2 << 20);
        let (client, mut eventloop) = AsyncClient::new(o, 100);
        let (tx, rx) = mpsc::unbounded_channel();
        let (connected_tx, connected_rx) = oneshot::channel();
        tokio::spawn(async move {
            let mut connected = Some(connected_tx);
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let _ = tx.send(p);
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        if let Some(c) = connected.take() {
                            let _ = c.send(());
                        }
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        let t = topics();
        client.subscribe(t.topic(&Topic::DeviceReply(id.clone())), QoS::AtLeastOnce).await.unwrap();
        client.subscribe(t.topic(&Topic::QueueState), QoS::AtLeastOnce).await.unwrap();
        client.subscribe(t.topic(&Topic::QueueCall), QoS::AtLeastOnce).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), connected_rx).await.expect("device subscribed").unwrap();
        Device { id, client, rx }
    }

    pub fn issue_request(&self, service: &str) -> Envelope<Request> {
        Envelope::new(Request {
            device: self.id.clone(),
            lang: Lang::fi(),
            kind: RequestKind::IssueTicket {
                service: ServiceId::new(service).unwrap(),
                needs: Needs::default(),
                offline: None,
            },
        })
    }

    pub async fn send(&self, req: &Envelope<Request>) {
        let topic = topics().topic(&Topic::HubRequest(req.body.kind.verb()));
        self.client.publish(topic, QoS::AtLeastOnce, false, req.encode()).await.unwrap();
    }

    pub async fn publish_raw(&self, topic: &str, payload: Vec<u8>) {
        self.client.publish(topic, QoS::AtLeastOnce, false, payload).await.unwrap();
    }

    /// The next message on `topic` (others are skipped), within 10 s.
    pub async fn next_on(&mut self, topic: &Topic) -> Publish {
        let want = topics().topic(topic);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let p = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no message on {want} within 10 s"))
                .expect("device connection alive");
            if p.topic == want {
                return p;
            }
        }
    }

    /// The reply to `request_id`, within 10 s.
    pub async fn reply_to(&mut self, request_id: MessageId) -> Reply {
        loop {
            let p = self.next_on(&Topic::DeviceReply(self.id.clone())).await;
            let env = aula_protocol::decode::<Reply>(&p.payload).expect("hub replies decode");
            if env.body.request_id == request_id {
                return env.body;
            }
        }
    }

    pub async fn request(&mut self, req: &Envelope<Request>) -> Reply {
        self.send(req).await;
        self.reply_to(req.id).await
    }
}

pub fn ticket(reply: &Reply) -> &aula_protocol::IssuedTicket {
    match &reply.result {
        aula_protocol::ReplyResult::Ticket(t) => t,
        other => panic!("expected a ticket, got {other:?}"),
    }
}
