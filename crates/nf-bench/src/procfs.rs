//! CPU time and resident memory read from Linux's `/proc`.

use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};

/// Clock ticks per second of the `utime` and `stime` fields: `USER_HZ`, which the Linux
/// ABI fixes at 100 on the architectures this benchmark runs on.
const USER_HZ: u64 = 100;

/// The CPU time (user plus system, all threads, exited ones included) of process `pid`, or
/// of this process when `None`. Resolution: 10 ms.
///
/// # Errors
/// When `/proc/<pid>/stat` cannot be read or parsed (not Linux, or the process is gone).
pub(crate) fn cpu_time(pid: Option<u32>) -> Result<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    parse_stat(&text).ok_or_else(|| anyhow!("unexpected format of {path}"))
}

/// `utime + stime` of a `stat` line. The command name (field 2) is in parentheses and may
/// hold spaces or parentheses, so fields are counted from the last `)`.
fn parse_stat(text: &str) -> Option<Duration> {
    let (_, rest) = text.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    // After `)` come field 3 (state) onwards; utime is field 14 and stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_millis(ticks * 1000 / USER_HZ))
}

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in KiB; `None` when unreadable.
pub(crate) fn status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// The system's load averages over 1, 5 and 15 minutes, as `/proc/loadavg` gives them;
/// `None` when unreadable.
pub(crate) fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

/// Resets this process's peak RSS (`VmHWM`) to its current RSS; `false` when the kernel
/// refuses (it needs Linux 4.0 and a writable `/proc/self/clear_refs`).
pub(crate) fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let line = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 3 0";
        assert_eq!(parse_stat(line), Some(Duration::from_millis(3250)));
        assert_eq!(parse_stat("4242 (short) S 1"), None);
        assert_eq!(parse_stat("no parenthesis"), None);
    }
}
