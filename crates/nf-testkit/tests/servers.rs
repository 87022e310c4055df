//! The servers of nf-testkit, driven by hand-written HTTP/1.1 and raw TLS clients.

use std::sync::Arc;
use std::time::Duration;

use nf_testkit::{Action, AfterResponse, Alpn, RawServer, Reply, TestCa, TestServer};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `request` on a fresh connection and reads until the server closes it.
async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn replies_as_scripted_and_records_requests() {
    let server = TestServer::start(|index, received| {
        Reply::status(201 + u16::try_from(index).unwrap_or(0))
            .header("x-seen", received.method.as_str())
            .body(received.body.clone())
    })
    .await;

    let answer = exchange(
        server.addr(),
        b"POST /v1/a?name=two%20words&flag HTTP/1.1\r\nhost: t\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 201 Created\r\n"), "{answer}");
    assert!(answer.contains("x-seen: POST\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nabc"), "{answer}");

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].target, "/v1/a?name=two%20words&flag");
    assert_eq!(received[0].query("name").as_deref(), Some("two words"));
    assert_eq!(received[0].query("flag").as_deref(), Some(""));
    assert_eq!(received[0].query("other"), None);
    assert_eq!(received[0].header("content-length"), Some("3"));
    assert_eq!(received[0].version, http::Version::HTTP_11);
    assert_eq!(&received[0].body[..], b"abc");
    assert_eq!(server.url(), format!("http://{}", server.addr()));
}

#[tokio::test]
async fn drop_after_read_closes_without_an_answer_and_hang_never_answers() {
    let server = TestServer::start(|index, _| match index {
        0 => Action::DropAfterRead,
        _ => Action::Hang,
    })
    .await;

    let answer = exchange(server.addr(), b"GET / HTTP/1.1\r\nhost: t\r\n\r\n").await;
    assert_eq!(answer, "");
    assert_eq!(server.count(), 1);

    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .expect("write");
    server.wait_for_requests(2).await;
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut byte)).await;
    assert!(read.is_err(), "a hanging request got {read:?}");
}

#[tokio::test]
async fn delayed_replies_and_dropped_connections() {
    let server =
        TestServer::start(|_, _| Reply::status(204).delay(Duration::from_millis(50))).await;
    server.drop_next_connections(1);

    let dropped = exchange(server.addr(), b"GET / HTTP/1.1\r\nhost: t\r\n\r\n").await;
    assert_eq!(dropped, "");
    assert_eq!(server.count(), 0, "a dropped connection is never read");

    let started = std::time::Instant::now();
    let answer = exchange(
        server.addr(),
        b"GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn a_raw_server_writes_its_bytes_after_the_whole_request() {
    let server = RawServer::start(
        &b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nab"[..],
        AfterResponse::Close,
    )
    .await;
    let answer = exchange(
        server.addr(),
        b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\nxy",
    )
    .await;
    assert_eq!(answer, "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nab");
    assert_eq!(server.connections(), 1);
    assert_eq!(server.url(), format!("http://{}", server.addr()));
}

/// A TLS client that trusts `roots` and offers `h2` and `http/1.1`; returns the protocol
/// the server chose, or `None` when the handshake failed.
async fn negotiate(server: &TestServer, roots: &[Vec<u8>]) -> Option<Option<Vec<u8>>> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store
            .add(CertificateDer::from(root.clone()))
            .expect("a valid root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(server.addr()).await.expect("connect");
    let name = ServerName::try_from("127.0.0.1").expect("an IP server name");
    let stream = connector.connect(name, tcp).await.ok()?;
    Some(stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec))
}

#[tokio::test]
async fn tls_servers_present_the_ca_certificate_and_offer_their_alpn() {
    let ca = TestCa::new();
    let identity = ca.issue(&["localhost", "127.0.0.1"]);
    let roots = [ca.certificate_der()];

    for (alpn, expected) in [
        (Alpn::Http2AndHttp1, Some(b"h2".to_vec())),
        (Alpn::Http1Only, Some(b"http/1.1".to_vec())),
        (Alpn::NotOffered, None),
    ] {
        let server = TestServer::builder()
            .tls(&identity, alpn)
            .start(|_, _| Reply::status(200))
            .await;
        assert!(server.url().starts_with("https://127.0.0.1:"));
        assert_eq!(negotiate(&server, &roots).await, Some(expected), "{alpn:?}");
        assert_eq!(server.handshake_failures(), 0);
    }

    let server = TestServer::builder()
        .tls(&identity, Alpn::default())
        .start(|_, _| Reply::status(200))
        .await;
    let other_ca = TestCa::new();
    assert_eq!(
        negotiate(&server, &[other_ca.certificate_der()]).await,
        None
    );
    // The client gives up first; the server's side of the failure follows shortly.
    for _ in 0..100 {
        if server.handshake_failures() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.handshake_failures(), 1);
    assert!(
        ca.certificate_pem()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
}
