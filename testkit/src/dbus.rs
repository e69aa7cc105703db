//! D-Bus for tests: a private `dbus-daemon` ([`DbusDaemon`]) and the freedesktop services the
//! agent talks to ([`serve_freedesktop`]: timedate1, NetworkManager, systemd1, login1), served
//! with zbus, so the agent's real D-Bus code talks to a real bus without a system bus.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use zbus::OwnedObjectPath;

/// A private `dbus-daemon` (session config, so no policy forbids owning system names),
/// stopped by its PID when dropped. Point the agent at [`DbusDaemon::address`].
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
            .expect("dbus-daemon is installed (apt-get install -y dbus)");
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

pub struct Timedate {
    pub synced: bool,
}

#[zbus::interface(name = "org.freedesktop.timedate1")]
impl Timedate {
    #[zbus(property, name = "NTPSynchronized")]
    fn ntp_synchronized(&self) -> bool {
        self.synced
    }
}

/// NetworkManager's root object: `State` (NM_STATE) and `Connectivity` (NM_CONNECTIVITY).
pub struct NetworkManager {
    pub state: u32,
    pub connectivity: u32,
}

#[zbus::interface(name = "org.freedesktop.NetworkManager")]
impl NetworkManager {
    #[zbus(property, name = "State")]
    fn state(&self) -> u32 {
        self.state
    }
    #[zbus(property, name = "Connectivity")]
    fn connectivity(&self) -> u32 {
        self.connectivity
    }
}

/// systemd's manager: `LoadUnit` returns the unit's object path (systemd escapes `-` and
/// `.` as `_2d`, `_2e`); unknown units still get an object, with `LoadState` `not-found`,
/// as real systemd does.
pub struct SystemdManager;

pub fn unit_path(name: &str) -> String {
    let escaped: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("_{:02x}", c as u32) })
        .collect();
    format!("/org/freedesktop/systemd1/unit/{escaped}")
}

#[zbus::interface(name = "org.freedesktop.systemd1.Manager")]
impl SystemdManager {
    fn load_unit(&self, name: String) -> zbus::fdo::Result<OwnedObjectPath> {
        OwnedObjectPath::try_from(unit_path(&name)).map_err(|e| zbus::fdo::Error::InvalidArgs(e.to_string()))
    }
}

pub struct SystemdUnit {
    pub active: &'static str,
    pub load: &'static str,
}

#[zbus::interface(name = "org.freedesktop.systemd1.Unit")]
impl SystemdUnit {
    #[zbus(property, name = "ActiveState")]
    fn active_state(&self) -> String {
        self.active.into()
    }
    #[zbus(property, name = "LoadState")]
    fn load_state(&self) -> String {
        self.load.into()
    }
}

/// logind's manager; records every `Reboot(interactive)` call it receives.
#[derive(Clone, Default)]
pub struct Logind {
    pub reboots: Arc<Mutex<Vec<bool>>>,
    pub refuse: bool,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Logind {
    fn reboot(&self, interactive: bool) -> zbus::fdo::Result<()> {
        if self.refuse {
            return Err(zbus::fdo::Error::AccessDenied("Interactive authentication required.".into()));
        }
        self.reboots.lock().unwrap().push(interactive);
        Ok(())
    }
}

/// Serves all four services on `address` from one connection; keep the connection alive.
pub async fn serve_freedesktop(address: &str, logind: Logind) -> zbus::Connection {
    zbus::connection::Builder::address(address)
        .name("org.freedesktop.timedate1")
        .name("org.freedesktop.NetworkManager")
        .name("org.freedesktop.systemd1")
        .name("org.freedesktop.login1")
        .serve_at("/org/freedesktop/timedate1", Timedate { synced: true })
        .serve_at("/org/freedesktop/NetworkManager", NetworkManager { state: 70, connectivity: 4 })
        .serve_at("/org/freedesktop/systemd1", SystemdManager)
        .serve_at(unit_path("aula-agent.service"), SystemdUnit { active: "active", load: "loaded" })
        .serve_at(unit_path("aula-kiosk.service"), SystemdUnit { active: "failed", load: "loaded" })
        .serve_at(unit_path("nope.service"), SystemdUnit { active: "inactive", load: "not-found" })
        .serve_at("/org/freedesktop/login1", logind)
        .build()
        .await
        .expect("serve freedesktop interfaces on the private bus")
}
