//! The client over HTTPS: root certificates reach the transport through
//! `ApiClientBuilder::configure_transport`, HTTP/2 is negotiated, and a rejected
//! certificate is a transport error that is not retryable.

#![cfg(feature = "rustls")]

mod support;

use std::error::Error as _;

use nf_client::Error;
use nf_testkit::{Alpn, TestCa};
use nf_transport::{RootCertificate, TransportError};
use nf_types::projects::ListProjectsRequest;
use support::{Reply, TestServer, builder, page};

async fn https_server(ca: &TestCa) -> TestServer {
    let identity = ca.issue(&["localhost", "127.0.0.1"]);
    TestServer::builder()
        .tls(&identity, Alpn::Http2AndHttp1)
        .start(|_, _| Reply::json(200, &page(&["p1"], None)))
        .await
}

#[tokio::test]
async fn a_trusted_private_ca_gives_http2() {
    let ca = TestCa::new();
    let server = https_server(&ca).await;
    let roots = RootCertificate::from_pem(ca.certificate_pem()).expect("the CA's PEM");
    let client = builder(&server.url())
        .configure_transport(move |transport| transport.add_root_certificates(roots))
        .build()
        .expect("client");

    let response = client
        .send(ListProjectsRequest::new())
        .await
        .expect("listed over HTTPS");
    assert_eq!(response.data().map(|data| data.projects.len()), Some(1));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].version, http::Version::HTTP_2);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_transport_error_that_is_not_retryable() {
    let ca = TestCa::new();
    let server = https_server(&ca).await;
    let client = builder(&server.url()).build().expect("client");

    let error = client
        .send(ListProjectsRequest::new())
        .await
        .expect_err("the CA is not trusted");
    let Error::Transport { source, .. } = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert!(
        matches!(source, TransportError::Certificate { .. }),
        "{source:?}"
    );
    assert!(!error.is_retryable());
    assert!(error.source().is_some());
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn a_root_certificate_the_backend_cannot_use_fails_the_build() {
    let hollow = RootCertificate::from_der([0x30, 0x00]).expect("DER-shaped");
    let built = builder("https://127.0.0.1:9")
        .configure_transport(move |transport| transport.add_root_certificates([hollow]))
        .build();
    assert!(matches!(built, Err(Error::Config { .. })), "{built:?}");
}
