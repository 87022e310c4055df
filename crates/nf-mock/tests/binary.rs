//! The standalone program: prints its base URL first, serves, refuses bad arguments.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_nf-mock");

/// Kills the program when the test ends, passed or failed.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prints_its_url_then_serves_until_killed() {
    let child = Command::new(BINARY)
        .args([
            "--port",
            "0",
            "--token",
            "cli-token",
            "--rate-limit",
            "10",
            "--rate-window",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout is piped");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a first line");
    let url = first.trim_end();
    let address = url.strip_prefix("http://").expect("an http URL");
    assert!(address.starts_with("127.0.0.1:"), "{url}");

    let mut stream = TcpStream::connect(address).expect("it listens");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = "GET /v1/projects HTTP/1.1\r\nhost: x\r\n\
                   authorization: Bearer cli-token\r\nconnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("x-ratelimit-limit: 10"), "{answer}");
    assert!(answer.contains("\"projects\":[]"), "{answer}");
    assert!(running.0.try_wait().unwrap().is_none(), "still running");
}

#[test]
fn bad_arguments_print_usage_and_exit_2() {
    let output = Command::new(BINARY)
        .args(["--port", "eighty"])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--port") && stderr.contains("usage:"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    let help = Command::new(BINARY)
        .arg("--help")
        .output()
        .expect("the binary runs");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage:"));
}
