//! TLS: extra root certificates, the connectors of both backends, and how handshake
//! failures are told apart from transient connection failures.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

#[cfg(any(feature = "rustls", feature = "native-tls"))]
use hyper_util::client::legacy::connect::HttpConnector;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::error::{ConfigErrorKind, TransportError};

/// A certificate authority to trust for `https://` in addition to the TLS backend's own
/// roots: a private CA, or the CA of a TLS-inspecting corporate proxy.
///
/// Build one from PEM ([`RootCertificate::from_pem`], which reads a whole bundle) or DER
/// ([`RootCertificate::from_der`]) and pass it to
/// [`TransportBuilder::add_root_certificates`](crate::TransportBuilder::add_root_certificates).
/// Both backends honour it: rustls adds it to the Mozilla roots, native-tls to the
/// platform's trust store for this transport only. The constructors check the encoding and
/// the outer structure; the backend parses the certificate in full when the transport is
/// built, and a certificate it cannot use fails
/// [`TransportBuilder::build`](crate::TransportBuilder::build) with
/// [`ConfigErrorKind::InvalidRootCertificate`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RootCertificate {
    der: Arc<[u8]>,
}

impl RootCertificate {
    /// Every `CERTIFICATE` section of a PEM document, in order. Other sections (a private
    /// key kept in the same file) are skipped.
    ///
    /// # Errors
    /// [`TransportError::Config`] with [`ConfigErrorKind::InvalidRootCertificate`] when the
    /// PEM is malformed (bad base64, a section without its end line), holds no certificate,
    /// or holds one that is not a DER structure.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Vec<Self>, TransportError> {
        let mut certificates = Vec::new();
        for section in CertificateDer::pem_slice_iter(pem.as_ref()) {
            let der = section.map_err(invalid)?;
            certificates.push(Self::from_der(der.as_ref())?);
        }
        if certificates.is_empty() {
            return Err(invalid(rustls_pki_types::pem::Error::NoItemsFound));
        }
        Ok(certificates)
    }

    /// One DER-encoded certificate.
    ///
    /// # Errors
    /// [`TransportError::Config`] with [`ConfigErrorKind::InvalidRootCertificate`] when
    /// `der` is not one complete DER `SEQUENCE`, as every X.509 certificate is.
    pub fn from_der(der: impl AsRef<[u8]>) -> Result<Self, TransportError> {
        let der = der.as_ref();
        if !is_one_der_sequence(der) {
            return Err(invalid(NotDer));
        }
        Ok(Self { der: der.into() })
    }

    /// The certificate, DER-encoded.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for RootCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCertificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}

fn invalid(source: impl Into<crate::error::BoxError>) -> TransportError {
    TransportError::config_caused(ConfigErrorKind::InvalidRootCertificate, source)
}

/// Why [`RootCertificate::from_der`] refused its input.
#[derive(Debug)]
struct NotDer;

impl fmt::Display for NotDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a single DER-encoded SEQUENCE")
    }
}

impl StdError for NotDer {}

/// Whether `der` is exactly one DER `SEQUENCE` (tag `0x30`) whose length fills it: cheap,
/// and enough to catch text, truncation and trailing bytes before a backend sees them.
fn is_one_der_sequence(der: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = der else {
        return false;
    };
    let (length, content) = if first & 0x80 == 0 {
        (usize::from(*first), rest)
    } else {
        // Long form: the low bits count the length bytes that follow, big-endian.
        let count = usize::from(first & 0x7f);
        if count == 0 || count > std::mem::size_of::<usize>() || rest.len() < count {
            return false;
        }
        let (bytes, content) = rest.split_at(count);
        let length = bytes
            .iter()
            .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
        (length, content)
    };
    content.len() == length
}

/// The rustls connector: ring, the Mozilla roots plus `roots`, HTTP/2 and HTTP/1.1 by ALPN.
#[cfg(feature = "rustls")]
pub(crate) fn rustls_connector(
    http: HttpConnector,
    roots: &[RootCertificate],
) -> Result<hyper_rustls::HttpsConnector<HttpConnector>, TransportError> {
    let mut store = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for root in roots {
        store
            .add(rustls::pki_types::CertificateDer::from(root.as_der()))
            .map_err(invalid)?;
    }

    // The provider is named explicitly so another crate enabling aws-lc-rs in the same
    // build cannot make rustls's default-provider choice ambiguous.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| TransportError::config_caused(ConfigErrorKind::Tls, error))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http))
}

/// The native-tls connector: the platform's trust store plus `roots`, HTTP/2 and HTTP/1.1
/// by ALPN.
#[cfg(feature = "native-tls")]
pub(crate) fn native_tls_connector(
    http: HttpConnector,
    roots: &[RootCertificate],
) -> Result<hyper_tls::HttpsConnector<HttpConnector>, TransportError> {
    let mut builder = native_tls::TlsConnector::builder();
    builder.request_alpns(&["h2", "http/1.1"]);
    for root in roots {
        let certificate = native_tls::Certificate::from_der(root.as_der()).map_err(invalid)?;
        builder.add_root_certificate(certificate);
    }
    let tls = builder
        .build()
        .map_err(|error| TransportError::config_caused(ConfigErrorKind::Tls, error))?;
    Ok(hyper_tls::HttpsConnector::from((
        http,
        tokio_native_tls::TlsConnector::from(tls),
    )))
}

/// Whether a connect error is rustls rejecting the server's certificate: a verdict that
/// another attempt would only repeat.
///
/// native-tls reports no reason a caller can read, so its handshake failures stay
/// connection failures.
pub(crate) fn is_certificate_rejection(error: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        #[cfg(feature = "rustls")]
        if let Some(rustls::Error::InvalidCertificate(_)) = error.downcast_ref::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the error it wraps, so step into it by hand.
        next = match error.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn StdError + 'static)),
                None => io.source(),
            },
            None => error.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: Result<impl fmt::Debug, TransportError>) -> Option<ConfigErrorKind> {
        result.err().and_then(|error| error.config_kind())
    }

    #[test]
    fn der_structure_is_checked() {
        assert!(is_one_der_sequence(&[0x30, 0x00]));
        assert!(is_one_der_sequence(&[0x30, 0x02, 0x05, 0x00]));
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(0u8, 256));
        assert!(is_one_der_sequence(&long));

        assert!(!is_one_der_sequence(&[]));
        assert!(!is_one_der_sequence(b"-----BEGIN CERTIFICATE-----"));
        assert!(!is_one_der_sequence(&[0x30, 0x03, 0x05, 0x00]), "truncated");
        assert!(!is_one_der_sequence(&[0x30, 0x00, 0x00]), "trailing bytes");
        assert!(!is_one_der_sequence(&[0x30, 0x80]), "indefinite length");
        assert!(!is_one_der_sequence(&[
            0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9
        ]));
    }

    #[test]
    fn malformed_pem_is_a_config_error() {
        let invalid = Some(ConfigErrorKind::InvalidRootCertificate);
        let bad_base64 = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
        assert_eq!(kind(RootCertificate::from_pem(bad_base64)), invalid);
        let unterminated = "-----BEGIN CERTIFICATE-----\nMAA=\n";
        assert_eq!(kind(RootCertificate::from_pem(unterminated)), invalid);
        assert_eq!(kind(RootCertificate::from_pem("")), invalid);
        let key_only = "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
        assert_eq!(kind(RootCertificate::from_pem(key_only)), invalid);
        // Base64 of the bytes "hello": valid PEM, but no DER inside.
        let not_der = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert_eq!(kind(RootCertificate::from_pem(not_der)), invalid);
    }

    #[test]
    fn pem_bundles_yield_every_certificate_and_skip_keys() {
        // Base64 of an empty SEQUENCE (30 00) and of a SEQUENCE holding NULL (30 02 05 00).
        let bundle = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n\
                      -----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n\
                      -----BEGIN CERTIFICATE-----\nMAIFAA==\n-----END CERTIFICATE-----\n";
        let Ok(certificates) = RootCertificate::from_pem(bundle) else {
            panic!("a two-certificate bundle parses");
        };
        let ders: Vec<&[u8]> = certificates.iter().map(RootCertificate::as_der).collect();
        assert_eq!(ders, [&[0x30, 0x00][..], &[0x30, 0x02, 0x05, 0x00][..]]);
        assert_eq!(
            format!("{:?}", certificates[0]),
            "RootCertificate { der_len: 2 }"
        );
    }

    #[test]
    fn only_certificate_verdicts_are_rejections() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(!is_certificate_rejection(&reset));
        #[cfg(feature = "rustls")]
        {
            let verdict =
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
            let wrapped = std::io::Error::new(std::io::ErrorKind::InvalidData, verdict);
            let outer = std::io::Error::other(wrapped);
            assert!(is_certificate_rejection(&outer));
            let not_tls = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
            let wrapped = std::io::Error::new(std::io::ErrorKind::InvalidData, not_tls);
            assert!(!is_certificate_rejection(&wrapped));
        }
    }
}
