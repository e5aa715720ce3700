//! An in-memory journald: entries with unit, identifier, pid and timestamp, the boot they
//! belong to, and `journalctl`'s output formats. Followers (`journalctl -f`) wait on a
//! condition variable for new entries.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct Entry {
    pub time: SystemTime,
    pub boot: u32,
    /// The systemd unit the entry belongs to (`m4-proxy.service`), empty for kernel lines.
    pub unit: String,
    /// SYSLOG_IDENTIFIER, e.g. `m4_proxy` or `systemd`.
    pub ident: String,
    pub pid: u32,
    pub msg: String,
}

#[derive(Default)]
pub struct Journal {
    inner: Mutex<Inner>,
    cv: Condvar,
}

#[derive(Default)]
struct Inner {
    entries: Vec<Entry>,
    boot: u32,
    closed: bool,
}

impl Journal {
    pub fn new() -> Journal {
        Journal::default()
    }
    pub fn new_boot(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.boot += 1;
    }
    pub fn log(&self, unit: &str, ident: &str, pid: u32, msg: impl Into<String>) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let boot = g.boot;
        g.entries.push(Entry {
            time: SystemTime::now(),
            boot,
            unit: unit.to_string(),
            ident: ident.to_string(),
            pid,
            msg: msg.into(),
        });
        // keep memory bounded
        if g.entries.len() > 20_000 {
            g.entries.drain(..5_000);
        }
        drop(g);
        self.cv.notify_all();
    }
    /// systemd's own line about a unit (`Started M4 Proxy.`).
    pub fn systemd(&self, unit: &str, msg: impl Into<String>) {
        self.log(unit, "systemd", 1, msg);
    }
    /// Entries (index, entry) from `from` on that pass the filter.
    pub fn since(&self, from: usize, filter: &dyn Fn(&Entry) -> bool) -> (Vec<Entry>, usize) {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let start = from.min(g.entries.len());
        let v = g.entries[start..]
            .iter()
            .filter(|e| filter(e))
            .cloned()
            .collect();
        (v, g.entries.len())
    }
    pub fn current_boot(&self) -> u32 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).boot
    }
    /// Wait until there are more than `seen` entries, the journal is closed, or the timeout.
    /// Returns false when closed.
    pub fn wait_new(&self, seen: usize, timeout: Duration) -> bool {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.closed {
            return false;
        }
        if g.entries.len() > seen {
            return true;
        }
        let (g, _) = self
            .cv
            .wait_timeout(g, timeout)
            .unwrap_or_else(|e| e.into_inner());
        !g.closed
    }
    pub fn close(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.cv.notify_all();
    }
    pub fn reopen(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).closed = false;
    }
}

/// Broken-down UTC time: (year, month, day, hour, minute, second, micros). A time before
/// the epoch is the epoch.
pub fn utc(t: SystemTime) -> (i64, u32, u32, u32, u32, u32, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let tm = crate::shell::tm(i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    (
        tm.year,
        tm.mon,
        tm.day,
        tm.hour,
        tm.min,
        tm.sec,
        d.subsec_micros(),
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Nov 24 16:22:28` (the board's clock is UTC).
pub fn syslog_time(t: SystemTime) -> String {
    let (_, m, d, h, mi, s, _) = utc(t);
    let mon = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!("{mon} {d:02} {h:02}:{mi:02}:{s:02}")
}

/// `2026-11-24T16:22:28.123456Z`-like RFC 3339 with nanoseconds, as docker prints.
pub fn rfc3339(t: SystemTime) -> String {
    let (y, m, d, h, mi, s, us) = utc(t);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}000Z")
}

/// `Tue 2026-11-24 16:22:28 UTC` as systemctl status prints.
pub fn systemd_time(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let tm = crate::shell::tm(i64::try_from(secs).unwrap_or(i64::MAX));
    let wd = crate::shell::WEEKDAYS[tm.wday];
    let (y, m, d, h, mi, s, _) = utc(t);
    format!("{wd} {y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
}

/// systemd's relative time: `5s ago`, `2min 3s ago`, `1h 2min ago`.
pub fn systemd_ago(since: SystemTime) -> String {
    let secs = SystemTime::now()
        .duration_since(since)
        .unwrap_or_default()
        .as_secs();
    if secs < 60 {
        format!("{secs}s ago")
    } else if secs < 3600 {
        format!("{}min {}s ago", secs / 60, secs % 60)
    } else {
        format!("{}h {}min ago", secs / 3600, (secs / 60) % 60)
    }
}

impl Entry {
    /// `journalctl -o short` line.
    pub fn short(&self, hostname: &str) -> String {
        if self.ident == "kernel" {
            return format!(
                "{} {} kernel: {}",
                syslog_time(self.time),
                hostname,
                self.msg
            );
        }
        format!(
            "{} {} {}[{}]: {}",
            syslog_time(self.time),
            hostname,
            self.ident,
            self.pid,
            self.msg
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(UNIX_EPOCH), (1970, 1, 1, 0, 0, 0, 0));
        // 2026-11-24 is day 20_781
        let t = UNIX_EPOCH + Duration::from_secs(20_781 * 86_400 + 16 * 3600 + 22 * 60 + 28);
        assert_eq!(syslog_time(t), "Nov 24 16:22:28");
        assert_eq!(systemd_time(t), "Tue 2026-11-24 16:22:28 UTC");
        assert_eq!(
            rfc3339(t + Duration::from_micros(123_456)),
            "2026-11-24T16:22:28.123456000Z"
        );
    }
}
