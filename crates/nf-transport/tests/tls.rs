//! HTTPS through the whole stack against a loopback TLS server whose certificate comes from
//! a CA made at test time: HTTP/2 or HTTP/1.1 by ALPN, extra root certificates, and what
//! happens when the certificate is not trusted.

#![cfg(any(feature = "rustls", feature = "native-tls"))]

mod support;

use std::sync::Arc;

use http::{Method, Version};
use nf_testkit::{Alpn, TestCa};
use nf_transport::{
    ConfigErrorKind, ManualClock, RootCertificate, TlsBackend, Transport, TransportError,
};
use support::{Reply, TestProvider, TestServer, request, within};

const TOKEN: &str = "nf-tls-test-token-91ab3e";

/// The backends compiled in; each test runs against all of them.
fn backends() -> Vec<TlsBackend> {
    let mut backends = Vec::new();
    if cfg!(feature = "rustls") {
        backends.push(TlsBackend::Rustls);
    }
    if cfg!(feature = "native-tls") {
        backends.push(TlsBackend::NativeTls);
    }
    backends
}

/// A TLS server for `localhost` and `127.0.0.1`, certified by `ca`, answering 200 `ok`.
async fn tls_server(ca: &TestCa, alpn: Alpn) -> TestServer {
    let identity = ca.issue(&["localhost", "127.0.0.1"]);
    TestServer::builder()
        .tls(&identity, alpn)
        .start(|_, _| Reply::status(200).body("ok"))
        .await
}

/// A transport on `server` over `backend`, trusting `roots` besides the built-in ones, with
/// the default retry settings on a clock that never really sleeps.
fn transport(
    server: &TestServer,
    backend: TlsBackend,
    roots: Vec<RootCertificate>,
    clock: &ManualClock,
) -> Result<Transport, TransportError> {
    Transport::builder(TestProvider::new(TOKEN, &server.url()))
        .base_url(server.url())
        .tls(backend)
        .add_root_certificates(roots)
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
}

fn ca_roots(ca: &TestCa) -> Vec<RootCertificate> {
    RootCertificate::from_pem(ca.certificate_pem()).expect("the CA's PEM")
}

async fn get_body(transport: &Transport, target: &str) -> Result<String, TransportError> {
    let response = within(transport.send(request(Method::GET, target))).await?;
    assert_eq!(response.status(), 200);
    let body = response.into_body().bytes().await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_trusted_ca_gives_http2_through_the_whole_stack() {
    let ca = TestCa::new();
    for backend in backends() {
        let server = tls_server(&ca, Alpn::Http2AndHttp1).await;
        let clock = ManualClock::auto_advance();
        let transport = transport(&server, backend, ca_roots(&ca), &clock).expect("transport");

        assert_eq!(
            get_body(&transport, "/v1/projects").await.ok().as_deref(),
            Some("ok")
        );
        assert_eq!(
            get_body(&transport, "/v1/addons").await.ok().as_deref(),
            Some("ok")
        );

        let received = server.received();
        assert_eq!(received.len(), 2, "{backend:?}");
        for seen in &received {
            assert_eq!(
                seen.version,
                Version::HTTP_2,
                "{backend:?} negotiated HTTP/2"
            );
            assert_eq!(
                seen.header("authorization"),
                Some(format!("Bearer {TOKEN}").as_str()),
                "{backend:?}: the token goes to the API host over TLS"
            );
        }
        assert_eq!(received[1].target, "/v1/addons");
        assert_eq!(
            server.connections(),
            1,
            "{backend:?}: both calls share one connection"
        );
        assert_eq!(server.handshake_failures(), 0);
    }
}

#[tokio::test]
async fn servers_without_http2_get_http1_over_tls() {
    let ca = TestCa::new();
    for backend in backends() {
        for alpn in [Alpn::Http1Only, Alpn::NotOffered] {
            let server = tls_server(&ca, alpn).await;
            let clock = ManualClock::auto_advance();
            let transport = transport(&server, backend, ca_roots(&ca), &clock).expect("transport");

            let body = get_body(&transport, "/v1/projects").await;
            assert_eq!(body.ok().as_deref(), Some("ok"), "{backend:?}, {alpn:?}");
            let received = server.received();
            assert_eq!(received.len(), 1);
            assert_eq!(
                received[0].version,
                Version::HTTP_11,
                "{backend:?}, {alpn:?}"
            );
        }
    }
}

/// With rustls, a certificate that fails verification is `TransportError::Certificate`:
/// neither `is_retryable` nor retried by the default policy, for any method, although the
/// default policy retries every other failure to connect.
#[cfg(feature = "rustls")]
#[tokio::test]
async fn a_rejected_certificate_is_a_typed_error_that_is_not_retried() {
    use std::error::Error as _;

    use nf_transport::RetryConfig;

    let ca = TestCa::new();
    let wrong_name = ca.issue(&["api.example.test"]);
    let cases = [
        (
            "an unknown CA",
            tls_server(&ca, Alpn::default()).await,
            Vec::new(),
        ),
        (
            "a certificate for another host",
            TestServer::builder()
                .tls(&wrong_name, Alpn::default())
                .start(|_, _| Reply::status(200))
                .await,
            ca_roots(&ca),
        ),
    ];
    assert!(RetryConfig::default().max_attempts > 1, "retries are on");

    for (case, server, roots) in cases {
        let clock = ManualClock::auto_advance();
        let transport = transport(&server, TlsBackend::Rustls, roots, &clock).expect("transport");
        let budget = transport.retry_budget().available();

        for (calls, method) in [(1, Method::GET), (2, Method::POST)] {
            let error = within(transport.send(request(method.clone(), "/v1/projects")))
                .await
                .err();
            let Some(error @ TransportError::Certificate { .. }) = error else {
                panic!("{case}, {method}: expected a certificate error, got {error:?}");
            };
            assert_eq!(
                error.to_string(),
                "the server's TLS certificate was rejected"
            );
            assert!(
                error.source().is_some(),
                "the verdict is in the source chain"
            );
            assert!(!error.is_retryable());
            assert!(!error.request_may_have_been_sent());
            assert_eq!(
                server.connections(),
                calls,
                "{case}, {method}: one attempt only"
            );
        }
        assert_eq!(server.count(), 0, "{case}: no request got through");
        assert!(clock.sleeps().is_empty(), "{case}: no backoff");
        assert_eq!(
            transport.retry_budget().available(),
            budget,
            "{case}: no retry spent"
        );
    }
}

/// native-tls does not say why a handshake failed, so an untrusted certificate is a
/// connection failure there, retried as such (documented on `TransportError::Certificate`).
#[cfg(feature = "native-tls")]
#[tokio::test]
async fn native_tls_reports_an_untrusted_certificate_as_a_connect_failure() {
    let ca = TestCa::new();
    let server = tls_server(&ca, Alpn::default()).await;
    let clock = ManualClock::auto_advance();
    let transport =
        transport(&server, TlsBackend::NativeTls, Vec::new(), &clock).expect("transport");

    let error = within(transport.send(request(Method::GET, "/v1/projects")))
        .await
        .err();
    assert!(
        matches!(error, Some(TransportError::Connect { .. })),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn unreadable_root_certificates_are_configuration_errors() {
    let invalid = Some(ConfigErrorKind::InvalidRootCertificate);
    let malformed = "-----BEGIN CERTIFICATE-----\nMIIB%%%not base64\n-----END CERTIFICATE-----\n";
    let error = RootCertificate::from_pem(malformed).err();
    assert_eq!(
        error.as_ref().and_then(TransportError::config_kind),
        invalid
    );
    assert!(matches!(error, Some(TransportError::Config { .. })));
    assert_eq!(
        RootCertificate::from_pem("no PEM here")
            .err()
            .and_then(|e| e.config_kind()),
        invalid
    );
    assert_eq!(
        RootCertificate::from_der(b"not DER")
            .err()
            .and_then(|e| e.config_kind()),
        invalid
    );

    // The CA reads the same from PEM and DER.
    let ca = TestCa::new();
    let from_der = RootCertificate::from_der(ca.certificate_der()).expect("the CA's DER");
    assert_eq!(ca_roots(&ca), vec![from_der]);

    // An empty SEQUENCE passes the shape check, but no backend can use it as a certificate.
    let hollow = RootCertificate::from_der([0x30, 0x00]).expect("DER-shaped");
    let server = tls_server(&ca, Alpn::default()).await;
    for backend in backends() {
        let clock = ManualClock::auto_advance();
        let built = transport(&server, backend, vec![hollow.clone()], &clock);
        assert_eq!(
            built.err().and_then(|e| e.config_kind()),
            invalid,
            "{backend:?}"
        );
    }
}
