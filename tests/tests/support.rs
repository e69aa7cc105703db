//! Fixtures of the end-to-end tests (the broker, ports, waits and the test site come from
//! aula-testkit): the hub as a separate process (so it can be SIGKILLed), the headless agent
//! as a process, and an in-process device agent. Everything lives in a temp dir that
//! disappears with the fixture.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aula_agent::{Agent, AgentConfig, AgentEvents};
use aula_protocol::{DeviceId, DeviceKind, SiteId};
pub use aula_testkit::{Mosquitto, SITE_TOML, free_port, wait_until_async};

/// A private Mosquitto with persistence, so a clean stop (SIGTERM) keeps queued QoS 1
/// messages for the hub's persistent session, as production must be configured; up to
/// 100 000 queued per session.
pub fn broker() -> Mosquitto {
    Mosquitto::builder().persistence(true).max_queued_messages(100_000).start()
}

fn wait_port(port: u16, open: bool, what: &str) {
    aula_testkit::wait_port(port, open, Duration::from_secs(15), what);
}

/// The hub as a child process (`e2e-hub`), its config and data in `dir`.
pub struct HubProcess {
    pub http: String,
    pub db: PathBuf,
    exe: PathBuf,
    config: PathBuf,
    child: Option<Child>,
    /// API tokens by role name (see [`make_tokens`]).
    tokens: std::collections::HashMap<&'static str, String>,
}

impl HubProcess {
    /// `exe` is the `e2e-hub` binary: `env!("CARGO_BIN_EXE_e2e-hub")` in the test.
    pub fn start(exe: &str, dir: &Path, broker_port: u16) -> HubProcess {
        Self::start_with(exe, dir, broker_port, "", "")
    }

    /// [`HubProcess::start`] with extra `[hub]` keys (e.g. `surveys = "surveys.toml"`) and more
    /// sections appended to `hub.toml` (e.g. `[[dropbox]]`).
    pub fn start_with(exe: &str, dir: &Path, broker_port: u16, hub_keys: &str, extra_toml: &str) -> HubProcess {
        std::fs::write(dir.join("site.toml"), SITE_TOML).unwrap();
        let http_port = free_port();
        let db = dir.join("hub.db");
        let config = dir.join("hub.toml");
        std::fs::write(
            &config,
            format!(
                "[hub]\nsite = \"site.toml\"\ndb = \"hub.db\"\nhttp = \"127.0.0.1:{http_port}\"\n\
                 public_url = \"http://127.0.0.1:{http_port}\"\nclient_id = \"aula-hub-e2e\"\n{hub_keys}\n\
                 [broker]\nurl = \"mqtt://127.0.0.1:{broker_port}\"\n\n{extra_toml}"
            ),
        )
        .unwrap();
        let tokens = make_tokens(&db);
        let mut h = HubProcess {
            http: format!("http://127.0.0.1:{http_port}"),
            db,
            exe: exe.into(),
            config,
            child: None,
            tokens,
        };
        h.restart();
        h
    }

    /// Starts the hub process (again) with the same config and database.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "hub already running");
        let child = Command::new(&self.exe)
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start e2e-hub");
        self.child = Some(child);
        let port: u16 = self.http.rsplit(':').next().unwrap().parse().unwrap();
        wait_port(port, true, "hub HTTP");
    }

    /// SIGKILL: no shutdown code runs, as with a pulled power cord for the process.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// The token of the role that may use `path` (every staff endpoint needs one).
    pub fn token_for(&self, path: &str) -> &str {
        let role = if path.starts_with("/api/feedback") {
            "coordinator"
        } else if path.starts_with("/api/counters") {
            "counter"
        } else if path.starts_with("/api/queue") || path.starts_with("/api/tickets") {
            "advisor"
        } else {
            "facility"
        };
        &self.tokens[role]
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.http))
            .bearer_auth(self.token_for(path))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.http))
            .bearer_auth(self.token_for(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Rows in the hub's device-message store (stored once per envelope id).
    pub fn stored_messages(&self, kind: &str) -> u64 {
        let path = self.db.with_file_name("hub-devices.db");
        let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row("SELECT COUNT(*) FROM messages WHERE kind = ?1", [kind], |r| r.get::<_, i64>(0)).unwrap() as u64
    }
}

/// API tokens for the roles the tests act as, made in the hub's database before it starts:
/// facility host, service advisor, site coordinator and vero's counter expert.
fn make_tokens(db: &Path) -> std::collections::HashMap<&'static str, String> {
    use aula_hub::staff::{Role, Staff, StaffConfig};
    let store = aula_hub::store::Store::open(&db.with_file_name("hub-devices.db")).unwrap();
    let staff = Staff::new(std::sync::Arc::new(store), StaffConfig::default()).unwrap();
    let now = chrono::Utc::now();
    [
        ("facility", Role::Facility),
        ("advisor", Role::Advisor),
        ("coordinator", Role::Coordinator { authority: None }),
        ("counter", Role::Counter { authority: "vero".into() }),
    ]
    .into_iter()
    .map(|(name, role)| (name, staff.add_token(&format!("e2e-{name}"), &role, now).unwrap()))
    .collect()
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
    }
}

/// A device agent (kiosk kind) on `port`, its outbox in `dir`.
pub async fn device(dir: &Path, name: &str, port: u16) -> (Agent, AgentEvents) {
    let mut cfg = AgentConfig::new(
        SiteId::new("test").unwrap(),
        DeviceId::new(name).unwrap(),
        DeviceKind::Kiosk,
        "127.0.0.1",
        port,
        dir.join(format!("{name}-outbox.db")),
    );
    cfg.health_interval_s = 0;
    cfg.keepalive_s = 2;
    Agent::start(cfg, "e2e").await.expect("agent starts")
}

/// The headless agent (`e2e-agent`, the loop of the `aula-agent` binary) as a drop-box device with simulated GPIO: lines written to its
/// stdin (`lid open`, `lid closed`, `emptied`) drive the inputs.
pub struct AgentProcess {
    exe: PathBuf,
    config: PathBuf,
    child: Option<Child>,
}

impl AgentProcess {
    /// Writes its config into `dir` (outbox there too) and starts it. `keepalive_s` is how
    /// fast the broker notices it is gone (about 1.5 ×).
    /// `exe` is the `e2e-agent` binary: `env!("CARGO_BIN_EXE_e2e-agent")` in the test.
    pub fn start(
        exe: &str,
        dir: &Path,
        device: &str,
        box_id: &str,
        broker_port: u16,
        keepalive_s: u16,
    ) -> AgentProcess {
        let config = dir.join(format!("{device}.toml"));
        std::fs::write(
            &config,
            format!(
                "[agent]\nsite = \"test\"\ndevice = \"{device}\"\nbroker = \"mqtt://127.0.0.1:{broker_port}\"\n\
                 state_dir = \"{}\"\nkeepalive_s = {keepalive_s}\nhealth_interval_s = 0\n\
                 reconnect_max_ms = 500\n\n\
                 [dropbox]\nbox_id = \"{box_id}\"\n\n[gpio]\nbackend = \"simulated\"\n\n\
                 [[gpio.inputs]]\nname = \"lid\"\npin = 17\npull = \"up\"\nactive = \"low\"\ndebounce_ms = 50\n\n\
                 [[gpio.inputs]]\nname = \"emptied\"\npin = 27\npull = \"up\"\nactive = \"low\"\ndebounce_ms = 50\n",
                dir.join(device).display()
            ),
        )
        .unwrap();
        let mut a = AgentProcess { exe: exe.into(), config, child: None };
        a.restart();
        a
    }

    /// Starts the process (again) with the same config and outbox.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "agent already running");
        let child = Command::new(&self.exe)
            .arg("--config")
            .arg(&self.config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aula-agent");
        self.child = Some(child);
    }

    /// One line on the simulated GPIO's stdin.
    pub fn input(&mut self, line: &str) {
        use std::io::Write as _;
        let stdin = self.child.as_mut().expect("agent running").stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// SIGKILL: no shutdown code runs, so no clean `Offline`: only the broker's last will.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}
