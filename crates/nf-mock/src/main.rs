//! The emulator as a program: `nf-mock --port 8080 [--token T]... [--rate-limit N
//! --rate-window SECS]`. It prints its base URL on the first line of standard output and
//! runs until Ctrl-C.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use nf_mock::{MockConfig, MockServer};

const USAGE: &str = "\
usage: nf-mock [--host ADDR] [--port PORT] [--token TOKEN]... [--rate-limit N] [--rate-window SECS]
               [--page-size N] [--max-page-size N]

A local emulator of the Northflank REST API. Prints its base URL, then serves until Ctrl-C.

  --host ADDR          address to listen on (default 127.0.0.1)
  --port PORT          port to listen on; 0 picks a free one (default 8080)
  --token TOKEN        accept this bearer token; repeatable (default: any non-empty token)
  --rate-limit N       requests allowed per token in each window (default 1000)
  --rate-window SECS   length of a rate-limit window in seconds (default 3600)
  --page-size N        items in a page without per_page (default 50)
  --max-page-size N    largest per_page accepted (default 100)
  -h, --help           show this help";

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    host: IpAddr,
    port: u16,
    tokens: Vec<String>,
    rate_limit: u32,
    rate_window: u64,
    page_size: u32,
    max_page_size: u32,
}

/// Reads the arguments; `Ok(None)` asks for the help text.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 8080,
        tokens: Vec::new(),
        rate_limit: 1000,
        rate_window: 3600,
        page_size: 50,
        max_page_size: 100,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--host" => options.host = number(&flag, &value()?)?,
            "--port" => options.port = number(&flag, &value()?)?,
            "--token" => {
                let token = value()?;
                if token.is_empty() {
                    return Err("--token must not be empty".to_owned());
                }
                options.tokens.push(token);
            }
            "--rate-limit" => options.rate_limit = number(&flag, &value()?)?,
            "--rate-window" => {
                options.rate_window = number(&flag, &value()?)?;
                if options.rate_window == 0 {
                    return Err("--rate-window must be at least 1".to_owned());
                }
            }
            "--page-size" => options.page_size = number(&flag, &value()?)?,
            "--max-page-size" => options.max_page_size = number(&flag, &value()?)?,
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok(Some(options))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: `{text}` is not a valid value"))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "nf-mock: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(
                std::io::stderr(),
                "nf-mock: cannot start a runtime: {error}"
            );
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let config = MockConfig::new()
        .address(SocketAddr::new(options.host, options.port))
        .tokens(options.tokens)
        .rate_limit(options.rate_limit, Duration::from_secs(options.rate_window))
        .page_size(options.page_size, options.max_page_size);
    let server = match MockServer::start(config).await {
        Ok(server) => server,
        Err(error) => {
            let mut message = format!("nf-mock: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            let _ = writeln!(std::io::stderr(), "{message}");
            return ExitCode::FAILURE;
        }
    };

    // The first line is the contract with scripts and tests: the base URL alone.
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", server.base_url());
    let _ = stdout.flush();

    if let Err(error) = tokio::signal::ctrl_c().await {
        let _ = writeln!(
            std::io::stderr(),
            "nf-mock: cannot wait for Ctrl-C: {error}"
        );
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_flags_and_rejects_mistakes() {
        let options = parse(args(
            "--port 0 --token a --token=b --rate-limit 5 --rate-window 2",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(options.port, 0);
        assert_eq!(options.tokens, ["a", "b"]);
        assert_eq!((options.rate_limit, options.rate_window), (5, 2));
        assert!(parse(args("--help")).unwrap().is_none());
        assert!(parse(args("--port")).unwrap_err().contains("needs a value"));
        assert!(
            parse(args("--port x"))
                .unwrap_err()
                .contains("not a valid value")
        );
        assert!(
            parse(args("--verbose"))
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(parse(args("--rate-window 0")).is_err());
        assert!(parse(args("--host ::1")).is_ok());
    }
}
