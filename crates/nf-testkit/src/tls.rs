//! A certificate authority made at test time, and the TLS settings of the test server.

use std::fmt;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A throwaway certificate authority: a fresh ECDSA P-256 key and a self-signed CA
/// certificate, valid from 1975 to 4096, made in memory for one test.
///
/// Clients trust it through [`TestCa::certificate_pem`] or [`TestCa::certificate_der`];
/// servers present certificates it issues ([`TestCa::issue`]).
pub struct TestCa {
    certificate: rcgen::Certificate,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// A new CA named `nf-testkit test CA`.
    ///
    /// # Panics
    /// When the key or certificate cannot be generated (never, short of a broken `ring`).
    pub fn new() -> Self {
        let key = generated(KeyPair::generate());
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params
            .distinguished_name
            .push(DnType::CommonName, "nf-testkit test CA");
        let certificate = generated(params.self_signed(&key));
        Self {
            certificate,
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate, PEM-encoded (one `CERTIFICATE` section).
    pub fn certificate_pem(&self) -> String {
        self.certificate.pem()
    }

    /// The CA certificate, DER-encoded.
    pub fn certificate_der(&self) -> Vec<u8> {
        self.certificate.der().to_vec()
    }

    /// A server certificate and key for `names`, signed by this CA. A name that parses as
    /// an IP address (`127.0.0.1`, `::1`) becomes an IP address entry, any other a DNS name
    /// (`localhost`).
    ///
    /// # Panics
    /// When `names` is empty or holds a name that is neither an IP address nor a valid DNS
    /// name.
    pub fn issue(&self, names: &[&str]) -> ServerIdentity {
        assert!(!names.is_empty(), "a server certificate needs a name");
        let key = generated(KeyPair::generate());
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = generated(CertificateParams::new(names.clone()));
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].as_str());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let certificate = generated(params.signed_by(&key, &self.issuer));
        ServerIdentity {
            chain: vec![certificate.der().clone()],
            key: PrivateKeyDer::from(key),
        }
    }
}

fn generated<T>(result: Result<T, rcgen::Error>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("test certificate generation failed: {error}"),
    }
}

/// What a TLS server presents: its certificate chain (leaf first) and private key.
pub struct ServerIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl ServerIdentity {
    /// The leaf certificate, DER-encoded.
    pub fn certificate_der(&self) -> &[u8] {
        &self.chain[0]
    }
}

impl Clone for ServerIdentity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of test output.
        f.debug_struct("ServerIdentity")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// Which application protocols a TLS test server offers in the handshake (ALPN). The
/// server picks the first of its own list that the client also offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alpn {
    /// `h2`, then `http/1.1`: a client offering `h2` gets HTTP/2.
    #[default]
    Http2AndHttp1,
    /// `http/1.1` only, as a server or proxy without HTTP/2 would.
    Http1Only,
    /// No ALPN at all; clients then speak HTTP/1.1.
    NotOffered,
}

impl Alpn {
    /// The ALPN name of HTTP/2.
    pub(crate) const H2: &'static [u8] = b"h2";

    fn protocols(self) -> Vec<Vec<u8>> {
        match self {
            Self::Http2AndHttp1 => vec![Self::H2.to_vec(), b"http/1.1".to_vec()],
            Self::Http1Only => vec![b"http/1.1".to_vec()],
            Self::NotOffered => Vec::new(),
        }
    }
}

/// A server's rustls configuration, ready to accept connections.
#[derive(Debug)]
pub(crate) struct TlsSettings {
    config: Arc<rustls::ServerConfig>,
}

impl TlsSettings {
    /// # Panics
    /// When rustls rejects the identity.
    pub(crate) fn new(identity: &ServerIdentity, alpn: Alpn) -> Self {
        let identity = identity.clone();
        // ring is named explicitly, as nf-transport does, so no process-wide default is needed.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| {
                builder
                    .with_no_client_auth()
                    .with_single_cert(identity.chain, identity.key)
            });
        let mut config = match config {
            Ok(config) => config,
            Err(error) => panic!("unusable TLS server identity: {error}"),
        };
        config.alpn_protocols = alpn.protocols();
        Self {
            config: Arc::new(config),
        }
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}
