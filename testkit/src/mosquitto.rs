//! [`Mosquitto`]: a private broker process per test, on a free loopback port, in a temp dir
//! that holds its config, password file, ACL, persistence and log.
//!
//! Running as root (CI, these machines): Mosquitto started as root drops to the `mosquitto`
//! user unless the config says otherwise, and that user can neither write a root-owned
//! 0700 temp dir (its persistence would silently not survive a restart) nor read the
//! certificates and password file in it. `user root` keeps it root; as any other user the
//! option has no effect. One fix, for every variant.
//!
//! The log goes to `mosquitto.log` in the temp dir and is quoted when the broker does not
//! come up, so a bad config fails with Mosquitto's own words.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::pki::{ClientCert, Pki};
use crate::wait::{free_port, port_open};

/// What a test needs when `mosquitto` is missing: the exact line to run.
pub const INSTALL: &str = "apt-get install -y mosquitto mosquitto-clients";

/// How long a broker may take to open or close its port.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS side of a broker: files from a [`Pki`], and whether clients must show a
/// certificate (then its CN is their user name).
#[derive(Debug, Clone)]
struct Tls {
    ca_file: PathBuf,
    cert_file: PathBuf,
    key_file: PathBuf,
    require_certificate: bool,
    /// For [`Mosquitto::options`] when clients need a certificate.
    observer: Option<ClientCert>,
}

/// Builds a [`Mosquitto`]; every option is off until set. [`Mosquitto::start`] is the plain
/// anonymous broker.
#[derive(Debug, Clone, Default)]
pub struct MosquittoBuilder {
    users: Vec<(String, String)>,
    tls: Option<Tls>,
    acl: Option<String>,
    persistence: bool,
    max_queued: Option<u32>,
    extra: Vec<String>,
}

impl MosquittoBuilder {
    /// A user with a password; anonymous clients are then refused. Call again for more users
    /// (the first is the one [`Mosquitto::options`] connects as).
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.into(), password.into()));
        self
    }

    /// The listener speaks TLS with the PKI's server certificate.
    pub fn tls(mut self, pki: &Pki) -> Self {
        self.tls = Some(Tls {
            ca_file: pki.ca_file.clone(),
            cert_file: pki.server_cert.clone(),
            key_file: pki.server_key.clone(),
            require_certificate: false,
            observer: None,
        });
        self
    }

    /// Clients must show a certificate signed by the PKI's CA (mutual TLS); its CN becomes
    /// the client's user name (`use_identity_as_username`), which the ACL's `%u` sees.
    /// Implies [`MosquittoBuilder::tls`]. [`Mosquitto::options`] connects with a certificate
    /// for `test-observer`.
    pub fn require_certificate(mut self, pki: &Pki) -> Self {
        if self.tls.is_none() {
            self = self.tls(pki);
        }
        let tls = self.tls.as_mut().expect("set above");
        tls.require_certificate = true;
        tls.observer = Some(pki.client("test-observer"));
        self
    }

    /// The broker's ACL file, as Mosquitto reads it (`user`, `topic`, `pattern` lines).
    pub fn acl(mut self, text: &str) -> Self {
        self.acl = Some(text.into());
        self
    }

    /// Keep sessions and queued QoS 1 messages in the temp dir across `stop()`/`restart()`
    /// (saved on a clean stop; a `kill()` loses what was not saved yet), as production must.
    pub fn persistence(mut self, on: bool) -> Self {
        self.persistence = on;
        self
    }

    /// `max_queued_messages` per offline persistent session (Mosquitto's default is 1000).
    pub fn max_queued_messages(mut self, n: u32) -> Self {
        self.max_queued = Some(n);
        self
    }

    /// Any other line of `mosquitto.conf` (e.g. `message_size_limit 65536`).
    pub fn line(mut self, line: &str) -> Self {
        self.extra.push(line.into());
        self
    }

    /// Writes the config into a fresh temp dir and starts the broker on a free port; returns
    /// once it accepts connections.
    pub fn start(self) -> Mosquitto {
        let dir = tempfile::Builder::new().prefix("aula-mosquitto-").tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(&conf, self.config(dir.path(), port)).expect("write mosquitto.conf");
        let mut m = Mosquitto { port, conf, child: None, builder: self, dir };
        m.spawn();
        m
    }

    fn config(&self, dir: &Path, port: u16) -> String {
        let mut c = String::new();
        let _ = writeln!(c, "user root\nlistener {port} 127.0.0.1\nset_tcp_nodelay true");
        let _ = writeln!(c, "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information");
        if let Some(tls) = &self.tls {
            let _ = writeln!(
                c,
                "cafile {}\ncertfile {}\nkeyfile {}",
                tls.ca_file.display(),
                tls.cert_file.display(),
                tls.key_file.display()
            );
            if tls.require_certificate {
                let _ = writeln!(c, "require_certificate true\nuse_identity_as_username true");
            }
        }
        if self.users.is_empty() {
            let _ = writeln!(c, "allow_anonymous true");
        } else {
            let file = dir.join("passwd");
            std::fs::write(&file, "").expect("password file");
            for (user, password) in &self.users {
                let out = Command::new("mosquitto_passwd")
                    .arg("-b")
                    .arg(&file)
                    .arg(user)
                    .arg(password)
                    .output()
                    .unwrap_or_else(|e| panic!("mosquitto_passwd: {e}; install it with: {INSTALL}"));
                assert!(out.status.success(), "mosquitto_passwd: {}", String::from_utf8_lossy(&out.stderr));
            }
            let _ = writeln!(c, "allow_anonymous false\npassword_file {}", file.display());
        }
        if let Some(acl) = &self.acl {
            let file = dir.join("acl");
            std::fs::write(&file, acl).expect("ACL file");
            let _ = writeln!(c, "acl_file {}", file.display());
        }
        if self.persistence {
            let data = dir.join("data");
            std::fs::create_dir_all(&data).expect("persistence dir");
            let _ = writeln!(c, "persistence true\npersistence_location {}/", data.display());
        } else {
            let _ = writeln!(c, "persistence false");
        }
        if let Some(n) = self.max_queued {
            let _ = writeln!(c, "max_queued_messages {n}");
        }
        for line in &self.extra {
            let _ = writeln!(c, "{line}");
        }
        c
    }
}

/// A private Mosquitto; see the module docs. Killed (SIGKILL, by PID) when dropped.
#[derive(Debug)]
pub struct Mosquitto {
    /// The loopback port it listens on; the same across restarts.
    pub port: u16,
    conf: PathBuf,
    child: Option<Child>,
    builder: MosquittoBuilder,
    dir: tempfile::TempDir,
}

impl Mosquitto {
    /// A plain anonymous broker without persistence.
    pub fn start() -> Mosquitto {
        Self::builder().start()
    }

    pub fn builder() -> MosquittoBuilder {
        MosquittoBuilder::default()
    }

    /// `mqtt://127.0.0.1:<port>`, or `mqtts://…` with TLS: the form of the devices'
    /// `[agent] broker` and the hub's `[broker] url`.
    pub fn url(&self) -> String {
        let scheme = if self.builder.tls.is_some() { "mqtts" } else { "mqtt" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The `[agent]` keys that reach this broker (`broker`, and `username`/`password` as the
    /// first user); put them inside a device file's `[agent]` table.
    pub fn agent_keys(&self) -> String {
        let mut s = format!("broker = \"{}\"\n", self.url());
        if let Some((u, p)) = self.builder.users.first() {
            let _ = writeln!(s, "username = \"{u}\"\npassword = \"{p}\"");
        }
        s
    }

    /// The `[agent.tls]` table for this broker (empty without TLS): its CA, and `client`'s
    /// certificate and key for mutual TLS.
    pub fn agent_tls(&self, client: Option<&ClientCert>) -> String {
        let Some(tls) = &self.builder.tls else { return String::new() };
        let mut s = format!("[agent.tls]\nca_file = \"{}\"\n", tls.ca_file.display());
        if let Some(c) = client {
            let _ = writeln!(s, "cert_file = \"{}\"\nkey_file = \"{}\"", c.cert_file.display(), c.key_file.display());
        }
        s
    }

    /// Options for a plain rumqttc client of the test (playing the hub, observing): TLS with
    /// the CA (and the `test-observer` certificate when one is required) and the first user.
    pub fn options(&self, client_id: &str) -> rumqttc::MqttOptions {
        let mut o = rumqttc::MqttOptions::new(client_id, "127.0.0.1", self.port);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_max_packet_size(1 << 20, 1 << 20);
        if let Some(tls) = &self.builder.tls {
            let ca = std::fs::read(&tls.ca_file).expect("CA file");
            let auth = tls
                .observer
                .as_ref()
                .map(|c| (std::fs::read(&c.cert_file).expect("cert"), std::fs::read(&c.key_file).expect("key")));
            o.set_transport(rumqttc::Transport::tls(ca, auth, None));
        }
        if let Some((u, p)) = self.builder.users.first() {
            o.set_credentials(u.clone(), p.clone());
        }
        o
    }

    /// The broker's working dir (config, password file, ACL, `data/`, `mosquitto.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What the broker has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Clean stop (SIGTERM to our child's PID): a persistent broker saves its sessions.
    /// Returns once the port is closed.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: signalling our own child by the PID we spawned it with.
            unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGTERM) };
            let _ = c.wait();
        }
        self.wait_closed();
    }

    /// SIGKILL: no shutdown code runs, nothing is saved (a crash or power cut of the broker).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.wait_closed();
    }

    /// Starts the broker again on the same port with the same config and persistence (a
    /// running one is stopped cleanly first).
    pub fn restart(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
        self.spawn();
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "broker already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("mosquitto.log"))
            .expect("broker log");
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                panic!("the `mosquitto` broker is not installed; these tests need it: {INSTALL}")
            }
            Err(e) => panic!("cannot start mosquitto: {e}"),
        };
        let start = std::time::Instant::now();
        while !port_open(self.port) {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("mosquitto exited ({status}) on port {}:\n{}", self.port, self.log());
            }
            if start.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("mosquitto did not open port {} in {START_TIMEOUT:?}:\n{}", self.port, self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    fn wait_closed(&self) {
        crate::wait::wait_port(self.port, false, START_TIMEOUT, "mosquitto stop");
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
