//! Test support shared by the northflank-rs test suites; not published.
//!
//! - [`TestServer`]: a loopback HTTP server that answers each request as a script says
//!   ([`Reply`] with a status, headers, body and delay; [`Action::DropAfterRead`];
//!   [`Action::Hang`]) and records what it received ([`Received`]). It speaks HTTP/1.1 in
//!   the clear, or, with [`ServerBuilder::tls`], TLS with HTTP/2 or HTTP/1.1 chosen by ALPN.
//! - [`RawServer`]: writes fixed bytes in answer to any request, for responses no real
//!   server would send (truncated bodies, garbage, silence).
//! - [`TestCa`]: a certificate authority made at test time, issuing [`ServerIdentity`]s for
//!   the TLS server; clients trust it through its PEM or DER certificate.
//!
//! Every server binds an ephemeral port on `127.0.0.1` and runs on the tokio runtime of the
//! test that started it, so it stops with that test. The helpers panic on misuse (an
//! invalid status, a port that cannot be bound): they are test code, where a panic is the
//! clearest report.
//!
//! # Example
//!
//! ```
//! use nf_testkit::{Action, Reply, TestServer};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // The first request fails with 503 and a pacing header; every later one succeeds.
//! let server = TestServer::start(|index, _request| match index {
//!     0 => Reply::status(503).header("retry-after", 1).into(),
//!     _ => Action::Reply(Reply::status(200).body("{}")),
//! })
//! .await;
//!
//! let mut stream = tokio::net::TcpStream::connect(server.addr()).await?;
//! stream
//!     .write_all(b"GET /v1/projects?per_page=5 HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
//!     .await?;
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).await?;
//!
//! assert!(answer.starts_with("HTTP/1.1 503"));
//! let received = server.received();
//! assert_eq!(received[0].target, "/v1/projects?per_page=5");
//! assert_eq!(received[0].query("per_page").as_deref(), Some("5"));
//! # Ok(())
//! # }
//! ```

mod raw;
mod server;
mod tls;

pub use crate::raw::{AfterResponse, RawServer};
pub use crate::server::{Action, Received, Reply, ServerBuilder, TestServer};
pub use crate::tls::{Alpn, ServerIdentity, TestCa};
