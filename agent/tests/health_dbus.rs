//! D-Bus health collectors and the logind reboot, against a private `dbus-daemon` on which
//! the test serves the freedesktop interfaces the agent uses (timedate1, NetworkManager,
//! systemd1, login1) with zbus: the agent's real D-Bus code talks to a real bus. Without
//! any bus every D-Bus figure is `None` and nothing fails.

use std::time::Duration;

use aula_agent::health::{self, HealthSources, dbus};
use aula_protocol::{NetworkState, UnitHealth};

use aula_testkit::dbus::{DbusDaemon, Logind, serve_freedesktop};

/// Guards: the health sample is produced without any bus (this container has no system
/// bus; an unreachable configured address is the same), with the D-Bus fields "unknown".
#[tokio::test]
async fn no_bus_means_unknown() {
    assert!(dbus::connect(Some("unix:path=/nonexistent/aula-test-bus")).await.is_none());
    if std::path::Path::new("/run/dbus/system_bus_socket").exists() {
        eprintln!("a system bus exists here; skipping the no-system-bus check");
    } else {
        assert!(dbus::connect(None).await.is_none());
    }
    let src = HealthSources { version: "t".into(), disk_path: "/".into(), units: vec!["aula-agent.service".into()] };
    let h = health::collect(&src, None, Duration::from_secs(5)).await;
    assert_eq!((h.network, h.clock_synced, h.units.len()), (None, None, 0));
    assert_eq!(h.uptime_s, 5);
    assert!(h.load1.is_some());
}

/// Guards: each collector reads its real interface: timedate1 `NTPSynchronized`,
/// NetworkManager `State`/`Connectivity`, systemd `LoadUnit` → `ActiveState` (a unit systemd
/// does not know is `not-found`), all in one health sample.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collectors_read_the_freedesktop_interfaces() {
    let daemon = DbusDaemon::start();
    let _server = serve_freedesktop(&daemon.address, Logind::default()).await;
    let bus = dbus::connect(Some(&daemon.address)).await.expect("private bus");

    assert_eq!(dbus::clock_synced(&bus).await, Some(true));
    assert_eq!(dbus::network_state(&bus).await, Some(NetworkState::Connected));
    let units = ["aula-agent.service", "aula-kiosk.service", "nope.service"].map(String::from);
    let expected = vec![
        UnitHealth { name: "aula-agent.service".into(), active_state: "active".into() },
        UnitHealth { name: "aula-kiosk.service".into(), active_state: "failed".into() },
        UnitHealth { name: "nope.service".into(), active_state: "not-found".into() },
    ];
    assert_eq!(dbus::unit_states(&bus, &units).await, expected);

    let src = HealthSources { version: "t".into(), disk_path: "/".into(), units: units.to_vec() };
    let h = health::collect(&src, Some(&bus), Duration::ZERO).await;
    assert_eq!((h.clock_synced, h.network, h.units), (Some(true), Some(NetworkState::Connected), expected));
}

/// Guards: services missing from the bus come back as unknown within the call timeout, not
/// as an error or a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_services_are_unknown_quickly() {
    let daemon = DbusDaemon::start();
    let bus = dbus::connect(Some(&daemon.address)).await.expect("private bus");
    let t0 = std::time::Instant::now();
    assert_eq!(dbus::clock_synced(&bus).await, None);
    assert_eq!(dbus::network_state(&bus).await, None);
    assert!(dbus::unit_states(&bus, &["aula-agent.service".into()]).await.is_empty());
    assert!(t0.elapsed() < dbus::CALL_TIMEOUT * 4, "{:?}", t0.elapsed());
}

/// Guards: reboot calls logind's `Reboot` once, non-interactive (polkit must not wait for a
/// password prompt nobody sees); a refusal is an error naming logind's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reboot_goes_to_logind() {
    let daemon = DbusDaemon::start();
    let logind = Logind::default();
    let _server = serve_freedesktop(&daemon.address, logind.clone()).await;
    let bus = dbus::connect(Some(&daemon.address)).await.unwrap();
    dbus::reboot(&bus).await.unwrap();
    assert_eq!(*logind.reboots.lock().unwrap(), vec![false]);

    let refusing = DbusDaemon::start();
    let _s2 = serve_freedesktop(&refusing.address, Logind { refuse: true, ..Logind::default() }).await;
    let bus = dbus::connect(Some(&refusing.address)).await.unwrap();
    let e = dbus::reboot(&bus).await.unwrap_err().to_string();
    assert!(e.contains("refused") && e.contains("authentication"), "{e}");
}
