//! Health figures over D-Bus (zbus): clock synchronisation (`org.freedesktop.timedate1`,
//! `NTPSynchronized`), network state (NetworkManager `State` / `Connectivity`) and systemd
//! unit states (`org.freedesktop.systemd1`). Every call has a short timeout and every
//! failure (no bus, no service, access denied) is `None` / skipped: "unknown", not an error.
//! Also the one D-Bus action the agent takes: rebooting the machine through logind
//! ([`reboot`]), on the hub's `Reboot` command.

use std::time::Duration;

use aula_protocol::{NetworkState, UnitHealth};
use tracing::debug;
use zbus::Connection;
use zbus::proxy::CacheProperties;

/// One D-Bus call never waits longer than this (a hung service must not stall health).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(1);

/// The system bus, or `None` when there is none (containers, CI, laptops without it).
pub async fn system_bus() -> Option<Connection> {
    match tokio::time::timeout(CALL_TIMEOUT * 2, Connection::system()).await {
        Ok(Ok(c)) => Some(c),
        Ok(Err(e)) => {
            debug!(error = %e, "no system bus; network, clock and unit states are unknown");
            None
        }
        Err(_) => None,
    }
}

/// A bus at an explicit address (tests use a private `dbus-daemon`).
pub async fn bus_at(address: &str) -> Option<Connection> {
    let b = zbus::connection::Builder::address(address);
    match tokio::time::timeout(CALL_TIMEOUT * 2, b.build()).await {
        Ok(Ok(c)) => Some(c),
        Ok(Err(e)) => {
            debug!(address, error = %e, "D-Bus not reachable; network, clock and unit states are unknown");
            None
        }
        Err(_) => None,
    }
}

/// The configured bus (`agent.dbus_address`) or else the system bus; `None` without one.
pub async fn connect(address: Option<&str>) -> Option<Connection> {
    match address {
        Some(a) => bus_at(a).await,
        None => system_bus().await,
    }
}

/// Why [`reboot`] did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RebootError {
    #[error("no D-Bus system bus to reach logind")]
    NoBus,
    #[error("logind refused or failed the reboot: {0}")]
    Refused(String),
    #[error("logind did not answer within {0:?}")]
    Timeout(Duration),
}

/// Asks logind to reboot now (`org.freedesktop.login1.Manager.Reboot(false)`: not
/// interactive, so polkit decides from its rules without asking anyone; the OS image ships
/// a rule allowing the `aula` user). Returns once logind accepted the request.
pub async fn reboot(bus: &Connection) -> Result<(), RebootError> {
    let call = async {
        let proxy = zbus::proxy::Builder::<zbus::Proxy<'_>>::new(bus)
            .destination("org.freedesktop.login1")
            .path("/org/freedesktop/login1")
            .interface("org.freedesktop.login1.Manager")
            .cache_properties(CacheProperties::No)
            .build()
            .await?;
        proxy.call::<_, _, ()>("Reboot", &(false,)).await
    };
    // logind answers before shutting down; a few seconds allow for a busy polkit.
    let limit = CALL_TIMEOUT * 5;
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(RebootError::Refused(e.to_string())),
        Err(_) => Err(RebootError::Timeout(limit)),
    }
}

async fn property<T>(bus: &Connection, dest: &str, path: &str, iface: &str, name: &str) -> Option<T>
where
    T: serde::de::DeserializeOwned + zbus::zvariant::Type,
{
    let fut = async {
        let proxy = zbus::proxy::Builder::<zbus::Proxy<'_>>::new(bus)
            .destination(dest.to_owned())
            .path(path.to_owned())
            .interface(iface.to_owned())
            .cache_properties(CacheProperties::No)
            .build()
            .await?;
        proxy.get_property::<T>(name).await
    };
    match tokio::time::timeout(CALL_TIMEOUT, fut).await {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            debug!(dest, name, error = %e, "D-Bus property unavailable");
            None
        }
        Err(_) => {
            debug!(dest, name, "D-Bus property timed out");
            None
        }
    }
}

/// `NTPSynchronized` of systemd-timedated.
pub async fn clock_synced(bus: &Connection) -> Option<bool> {
    property(
        bus,
        "org.freedesktop.timedate1",
        "/org/freedesktop/timedate1",
        "org.freedesktop.timedate1",
        "NTPSynchronized",
    )
    .await
}

/// NetworkManager's view: connectivity first (full / limited), else its global state.
pub async fn network_state(bus: &Connection) -> Option<NetworkState> {
    const NM: &str = "org.freedesktop.NetworkManager";
    const PATH: &str = "/org/freedesktop/NetworkManager";
    let connectivity: Option<u32> = property(bus, NM, PATH, NM, "Connectivity").await;
    let state: Option<u32> = property(bus, NM, PATH, NM, "State").await;
    map_network(state?, connectivity)
}

/// NM_STATE (10 asleep … 70 connected global) and NM_CONNECTIVITY (1 none, 2 portal,
/// 3 limited, 4 full) to Aula's coarse state.
pub fn map_network(state: u32, connectivity: Option<u32>) -> Option<NetworkState> {
    Some(match (state, connectivity) {
        (70, _) | (_, Some(4)) => NetworkState::Connected,
        (50 | 60, _) | (_, Some(2 | 3)) => NetworkState::Limited,
        (40, _) => NetworkState::Connecting,
        (10 | 20 | 30, _) => NetworkState::Disconnected,
        _ => return None,
    })
}

/// `ActiveState` of each named unit; units systemd does not know are reported as
/// `not-found`, and nothing at all when systemd cannot be reached.
pub async fn unit_states(bus: &Connection, units: &[String]) -> Vec<UnitHealth> {
    const SD: &str = "org.freedesktop.systemd1";
    let mut out = Vec::new();
    for name in units {
        let call = async {
            let proxy = zbus::proxy::Builder::<zbus::Proxy<'_>>::new(bus)
                .destination(SD)
                .path("/org/freedesktop/systemd1")
                .interface("org.freedesktop.systemd1.Manager")
                .cache_properties(CacheProperties::No)
                .build()
                .await?;
            proxy.call::<_, _, zbus::OwnedObjectPath>("LoadUnit", &(name.as_str(),)).await
        };
        let path = match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                debug!(unit = %name, error = %e, "systemd unreachable");
                return out;
            }
            Err(_) => return out,
        };
        let state: Option<String> =
            property(bus, SD, path.as_str(), "org.freedesktop.systemd1.Unit", "ActiveState").await;
        let load: Option<String> = property(bus, SD, path.as_str(), "org.freedesktop.systemd1.Unit", "LoadState").await;
        let active_state = match (load.as_deref(), state) {
            (Some("not-found"), _) => "not-found".to_string(),
            (_, Some(s)) => s,
            (_, None) => continue,
        };
        out.push(UnitHealth { name: name.clone(), active_state });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_states_map() {
        assert_eq!(map_network(70, Some(4)), Some(NetworkState::Connected));
        assert_eq!(map_network(60, Some(3)), Some(NetworkState::Limited));
        assert_eq!(map_network(40, None), Some(NetworkState::Connecting));
        assert_eq!(map_network(20, Some(1)), Some(NetworkState::Disconnected));
        assert_eq!(map_network(0, None), None);
    }
}
