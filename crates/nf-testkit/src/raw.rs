//! A TCP server that answers with fixed bytes, for responses a real HTTP server would not
//! send.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most a [`RawServer`] reads of one request; a longer one is answered after this much.
const MAX_REQUEST: usize = 1024 * 1024;

/// What a [`RawServer`] does once it has written its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterResponse {
    /// Close the connection: a body shorter than its `content-length` arrives truncated.
    Close,
    /// Keep the connection open and write nothing more (until the test's runtime stops):
    /// the client waits for the rest.
    Hang,
}

/// A loopback server that, on each connection, reads one request (headers, and a body of
/// the length its `content-length` gives), writes a fixed response as raw bytes, then
/// closes or hangs.
#[derive(Debug, Clone)]
pub struct RawServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl RawServer {
    /// Starts a server on an ephemeral port of `127.0.0.1` that answers every request with
    /// `response` (which may be empty: then it only reads).
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(response: impl Into<Bytes>, after: AfterResponse) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind a loopback port: {error}"),
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(error) => panic!("no local address: {error}"),
        };
        let response = response.into();
        let connections = Arc::new(AtomicUsize::new(0));

        let counter = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer(stream, response.clone(), after));
            }
        });
        Self { addr, connections }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections the server has accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn answer(mut stream: TcpStream, response: Bytes, after: AfterResponse) {
    if !read_request(&mut stream).await {
        return;
    }
    if stream.write_all(&response).await.is_err() {
        return;
    }
    match after {
        AfterResponse::Close => {
            let _closed = stream.shutdown().await;
        }
        AfterResponse::Hang => std::future::pending::<()>().await,
    }
}

/// Reads one request; `false` when the client went away first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut read = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        if let Some(end) = complete_length(&read)
            && read.len() >= end
        {
            return true;
        }
        if read.len() >= MAX_REQUEST {
            return true;
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => read.extend_from_slice(&buffer[..n]),
        }
    }
}

/// The length of the whole request once its headers are in: headers plus the body
/// `content-length` announces (none when absent or unreadable).
fn complete_length(read: &[u8]) -> Option<usize> {
    let head_end = read.windows(4).position(|window| window == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&read[..head_end]);
    let body = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some(head_end.saturating_add(body))
}

#[cfg(test)]
mod tests {
    use super::complete_length;

    #[test]
    fn a_request_is_complete_after_its_headers_and_announced_body() {
        assert_eq!(complete_length(b"GET / HTTP/1.1\r\nhost: a\r\n"), None);
        assert_eq!(complete_length(b"GET / HTTP/1.1\r\n\r\n"), Some(18));
        let post = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab";
        assert_eq!(complete_length(post), Some(post.len() + 3));
    }
}
