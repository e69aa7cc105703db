//! TLS to the broker (`mqtts://`, always built in: rustls through rumqttc): the transport for
//! the session, from the PEM files named in `[agent.tls]`, or the system's CAs without it.
//! Files are read when the session starts; the config check already found them, so a read
//! failure here (a file removed since) is logged and the connection attempts fail visibly.

use std::path::Path;

use rumqttc::Transport;

use crate::config::BrokerConfig;

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The transport for a `mqtts://` broker: verified against `ca_file` (with the client
/// certificate for mutual TLS), or against the system's CAs when there is no `[agent.tls]`.
pub(crate) fn transport(broker: &BrokerConfig) -> Result<Transport, String> {
    let Some(files) = &broker.tls_files else { return Ok(Transport::tls_with_default_config()) };
    let ca = read(&files.ca_file)?;
    let client_auth = match (&files.cert_file, &files.key_file) {
        (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
        _ => None,
    };
    Ok(Transport::tls(ca, client_auth, None))
}
