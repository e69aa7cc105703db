//! TLS to the broker (crate feature `tls`): reads the PEM files named in
//! `[agent.broker.tls]` into rumqttc's rustls transport. Files are read at start, so a
//! missing file is reported once with its path.

use std::path::Path;

use rumqttc::Transport;

use crate::config::TlsConfig;

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The transport for `tls`: broker verified against `ca_file`, optional client certificate.
pub(crate) fn transport(tls: &TlsConfig) -> Result<Transport, String> {
    let ca = read(&tls.ca_file)?;
    let client_auth = match (&tls.client_cert_file, &tls.client_key_file) {
        (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
        _ => None,
    };
    Ok(Transport::tls(ca, client_auth, None))
}
