//! [`Pki`]: a throw-away certificate authority for TLS tests (rcgen, ECDSA P-256): the CA,
//! a server certificate for `127.0.0.1` and `localhost`, and client certificates whose CN is
//! a device id (what Mosquitto's `use_identity_as_username` turns into the user name). PEM
//! files in a temp dir that lives as long as the `Pki`.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// A client certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct ClientCert {
    /// The certificate's common name (a device id).
    pub cn: String,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// A test CA with its server certificate; see the module docs.
pub struct Pki {
    dir: tempfile::TempDir,
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate (what clients and the broker trust).
    pub ca_file: PathBuf,
    /// The broker's certificate for `127.0.0.1` and `localhost`, and its key.
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki").field("dir", &self.dir.path()).finish()
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

impl Pki {
    /// A fresh CA and server certificate.
    pub fn new() -> Pki {
        let dir = tempfile::Builder::new().prefix("aula-pki-").tempdir().expect("temp dir");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.distinguished_name.push(DnType::CommonName, "Aula test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let ca_file = write(dir.path(), "ca.pem", &ca_cert.pem());
        let issuer = Issuer::new(ca, ca_key);

        let mut server =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("server params");
        server.distinguished_name.push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("server key");
        let cert = server.signed_by(&key, &issuer).expect("server certificate");
        let server_cert = write(dir.path(), "server.pem", &cert.pem());
        let server_key = write(dir.path(), "server.key", &key.serialize_pem());
        Pki { dir, issuer, ca_file, server_cert, server_key }
    }

    /// A client certificate with CN `cn` (a device id), signed by this CA.
    pub fn client(&self, cn: &str) -> ClientCert {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().expect("client key");
        let cert = params.signed_by(&key, &self.issuer).expect("client certificate");
        ClientCert {
            cn: cn.into(),
            cert_file: write(self.dir.path(), &format!("{cn}.pem"), &cert.pem()),
            key_file: write(self.dir.path(), &format!("{cn}.key"), &key.serialize_pem()),
        }
    }

    /// The directory holding the PEM files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn write(dir: &Path, name: &str, pem: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).expect("write PEM file");
    path
}
