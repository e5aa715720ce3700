//! Parsers for what the board's commands print: `ss -ltn` (or `/proc/net/tcp`), `lsmod`,
//! `df -P`, `systemctl show`, `docker ps --format '{{json .}}'`, `docker inspect`, the
//! firmware version strings. Every parser takes any text and never panics; what it cannot
//! read it leaves out.

use std::collections::BTreeMap;

/// The TCP ports in LISTEN state in `ss -ltn` output (any address family), sorted, unique.
pub fn ss_listening_ports(text: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]
        if cols.first() != Some(&"LISTEN") || cols.len() < 4 {
            continue;
        }
        if let Some(p) = port_of(cols[3]) {
            ports.push(p);
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The port of `addr:port`, `[::]:port`, `*:port`, `127.0.0.53%lo:53`.
fn port_of(local: &str) -> Option<u16> {
    local.rsplit_once(':')?.1.parse().ok()
}

/// The listening ports in `/proc/net/tcp` / `/proc/net/tcp6` text (state 0A), the fallback
/// when `ss` is missing.
pub fn proc_net_tcp_listening_ports(text: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // sl local_address rem_address st ...
        if cols.len() < 4 || cols[3] != "0A" {
            continue;
        }
        if let Some((_, hex)) = cols[1].rsplit_once(':')
            && let Ok(p) = u16::from_str_radix(hex, 16)
        {
            ports.push(p);
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The module names in `lsmod` output (the header line is skipped).
pub fn lsmod_modules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|m| *m != "Module" && m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// One row of `df -P`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DfRow {
    pub filesystem: String,
    pub total_kib: u64,
    pub used_kib: u64,
    pub avail_kib: u64,
    /// The `Capacity` column (used / (used + available), rounded up).
    pub use_percent: u8,
    pub mounted_on: String,
}

/// The rows of `df -P` (POSIX format, 1024-byte blocks).
pub fn df_rows(text: &str) -> Vec<DfRow> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 6 || cols[0] == "Filesystem" {
            continue;
        }
        let num = |s: &str| s.parse::<u64>().ok();
        let (Some(total), Some(used), Some(avail)) = (num(cols[1]), num(cols[2]), num(cols[3]))
        else {
            continue;
        };
        let pct = cols[4]
            .trim_end_matches('%')
            .parse::<u8>()
            .ok()
            .or_else(|| {
                let sum = used.saturating_add(avail);
                (sum > 0).then(|| (used.saturating_mul(100).div_ceil(sum)).min(100) as u8)
            })
            .unwrap_or(0);
        rows.push(DfRow {
            filesystem: cols[0].to_string(),
            total_kib: total,
            used_kib: used,
            avail_kib: avail,
            use_percent: pct,
            mounted_on: cols[5..].join(" "),
        });
    }
    rows
}

/// `systemctl show -p A,B unit` → {A: value, B: value}.
pub fn systemctl_show(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty() && !k.contains(' '))
        .collect()
}

/// One container from `docker ps -a --format '{{json .}}'` merged with `docker inspect`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Container {
    pub name: String,
    pub image: String,
    /// `docker ps` Status text: `Up 3 minutes`, `Restarting (1) 2 seconds ago`, `Exited (0) ...`.
    pub status: String,
    /// `running`, `restarting`, `exited`, `created`, ... (from `State`, else from `Status`).
    pub state: String,
    /// From `docker inspect`, when known.
    pub restart_count: Option<u64>,
    pub exit_code: Option<i64>,
}

impl Container {
    /// Restarting now, or restarted over and over.
    pub fn crash_looping(&self) -> bool {
        self.state == "restarting" || self.restart_count.is_some_and(|n| n >= 3)
    }
    /// Stopped with a non-zero exit code.
    pub fn failed(&self) -> bool {
        self.state == "exited"
            && self
                .exit_code
                .unwrap_or_else(|| exit_of_status(&self.status))
                != 0
    }
}

/// The `(N)` of `Exited (N) ...` / `Restarting (N) ...`; 0 when absent.
fn exit_of_status(status: &str) -> i64 {
    status
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0)
}

fn state_of_status(status: &str) -> &'static str {
    let s = status.trim_start();
    if s.starts_with("Up") {
        "running"
    } else if s.starts_with("Restarting") {
        "restarting"
    } else if s.starts_with("Exited") {
        "exited"
    } else if s.starts_with("Created") {
        "created"
    } else if s.starts_with("Dead") {
        "dead"
    } else {
        "unknown"
    }
}

/// `docker ps -a --format '{{json .}}'` output: one JSON object per line.
pub fn docker_ps_json_lines(text: &str) -> Vec<Container> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('{') {
            continue;
        }
        let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line)
        else {
            continue;
        };
        let s = |k: &str| o.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let status = s("Status");
        let state = match s("State") {
            st if !st.is_empty() => st.to_ascii_lowercase(),
            _ => state_of_status(&status).to_string(),
        };
        // `Names` may list several names separated by commas; the first is the container's.
        let name = s("Names").split(',').next().unwrap_or("").to_string();
        out.push(Container {
            name,
            image: s("Image"),
            exit_code: matches!(state.as_str(), "exited" | "restarting")
                .then(|| exit_of_status(&status)),
            status,
            state,
            restart_count: None,
        });
    }
    out
}

/// Merge `docker inspect NAME...` (a JSON array) into `containers`: RestartCount, the
/// state and the exit code.
pub fn merge_docker_inspect(containers: &mut [Container], text: &str) {
    let start = text.find('[').unwrap_or(text.len());
    let Ok(serde_json::Value::Array(items)) =
        serde_json::from_str::<serde_json::Value>(&text[start..])
    else {
        return;
    };
    for it in &items {
        let name = it
            .get("Name")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .trim_start_matches('/');
        let Some(c) = containers.iter_mut().find(|c| c.name == name) else {
            continue;
        };
        if let Some(n) = it.get("RestartCount").and_then(|v| v.as_u64()) {
            c.restart_count = Some(n);
        }
        if let Some(st) = it.get("State") {
            if let Some(code) = st.get("ExitCode").and_then(|v| v.as_i64()) {
                c.exit_code = Some(code);
            }
            if st.get("Restarting").and_then(|v| v.as_bool()) == Some(true) {
                c.state = "restarting".into();
            } else if let Some(s) = st.get("Status").and_then(|v| v.as_str()) {
                c.state = s.to_ascii_lowercase();
            }
        }
    }
}

/// The version string at the start of `bytes` (the 64 bytes read at offset 0x40000 of the
/// `.bin`): printable ASCII up to the first NUL (or the end). `None` when there is none.
pub fn firmware_version_bytes(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let s = &bytes[..end];
    let s = trim_ascii(s);
    if s.is_empty() || !s.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return None;
    }
    Some(String::from_utf8_lossy(s).into_owned())
}

fn trim_ascii(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// The release part of an H7 firmware version: `0.0.5` of `0.0.5`, `0.0.5-next-53df799-…`,
/// `0.0.2-next-15c3fee-20220303-dirty`. `None` for `dev <date>` builds and garbage.
pub fn firmware_release(version: &str) -> Option<(u32, u32, u32)> {
    let head = version.trim().split(['-', ' ']).next()?;
    let mut it = head.split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let c = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    Some((a, b, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ss_output_of_iproute2() {
        let text = "State  Recv-Q Send-Q      Local Address:Port  Peer Address:PortProcess\n\
LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*\n\
LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*\n\
LISTEN 0      4096         0.0.0.0:5001      0.0.0.0:*\n\
LISTEN 0      4096               *:5000            *:*\n\
LISTEN 0      128             [::]:8080         [::]:*    users:((\"x\",pid=3,fd=4))\n";
        assert_eq!(ss_listening_ports(text), vec![22, 53, 5000, 5001, 8080]);
        assert!(ss_listening_ports("").is_empty());
        assert!(
            ss_listening_ports("LISTEN\nLISTEN 0 1 nocolon x\nESTAB 0 0 1.2.3.4:5 6.7.8.9:10")
                .is_empty()
        );
    }

    #[test]
    fn proc_net_tcp() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000:1389 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1\n\
   1: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1235 1\n\
   2: 0100007F:9C40 0100007F:1389 01 00000000:00000000 00:00000000 00000000     0        0 1236 1\n";
        assert_eq!(proc_net_tcp_listening_ports(text), vec![5000, 5001]);
        assert!(proc_net_tcp_listening_ports("garbage 0A\n1: zz:zz 0 0A").is_empty());
    }

    #[test]
    fn lsmod_output() {
        let text = "Module                  Size  Used by\n\
x8h7_ui                16384  0\n\
x8h7_drv               24576  8 x8h7_ui,x8h7_h7\n\
overlay               135168  0\n";
        assert_eq!(lsmod_modules(text), vec!["x8h7_ui", "x8h7_drv", "overlay"]);
        assert!(lsmod_modules("bash: lsmod: command not found").is_empty());
    }

    #[test]
    fn df_posix_output() {
        let text = "Filesystem     1024-blocks    Used Available Capacity Mounted on\n\
/dev/mmcblk2p2    15023184 4312345  10016123      31% /\n\
/dev/mmcblk2p2    15023184 15023184        0     100% /var/rootdirs/home\n\
tmpfs              401136    9764    391372       3% /run with space\n";
        let rows = df_rows(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].use_percent, 31);
        assert_eq!(rows[0].avail_kib, 10016123);
        assert_eq!(rows[1].use_percent, 100);
        assert_eq!(rows[2].mounted_on, "/run with space");
        assert!(df_rows("df: /nope: No such file or directory\n").is_empty());
        // A capacity column that is not a number: computed from used/available.
        let rows = df_rows("fs 100 50 50 - /x\n");
        assert_eq!(rows[0].use_percent, 50);
    }

    #[test]
    fn systemctl_show_output() {
        let m = systemctl_show("ActiveState=active\nSubState=exited\nMainPID=0\nnonsense\n");
        assert_eq!(m.get("SubState").map(String::as_str), Some("exited"));
        assert_eq!(m.get("MainPID").map(String::as_str), Some("0"));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn docker_ps_and_inspect() {
        let ps = r#"{"Command":"\"python3 main.py\"","ID":"0123456789ab","Image":"python-rpc-sensors","Names":"sensors","State":"restarting","Status":"Restarting (1) 3 seconds ago"}
{"ID":"ab","Image":"x8-devel","Names":"x8-devel","Status":"Up 3 minutes"}
{"ID":"cd","Image":"old","Names":"old,alias","Status":"Exited (137) 2 hours ago"}
not json
{"broken":
"#;
        let mut cs = docker_ps_json_lines(ps);
        assert_eq!(cs.len(), 3);
        assert!(cs[0].crash_looping());
        assert_eq!(cs[1].state, "running");
        assert!(!cs[1].crash_looping() && !cs[1].failed());
        assert_eq!(cs[2].name, "old");
        assert!(cs[2].failed());
        let inspect = r#"[{"Name":"/x8-devel","RestartCount":7,"State":{"Status":"running","Restarting":false,"ExitCode":0}},
{"Name":"/old","RestartCount":0,"State":{"Status":"exited","Restarting":false,"ExitCode":0}}]"#;
        merge_docker_inspect(&mut cs, inspect);
        assert_eq!(cs[1].restart_count, Some(7));
        assert!(cs[1].crash_looping());
        assert!(!cs[2].failed());
        merge_docker_inspect(&mut cs, "Error: No such object");
        merge_docker_inspect(&mut cs, "[1, 2, {\"Name\": 5}]");
    }

    #[test]
    fn firmware_versions() {
        assert_eq!(
            firmware_version_bytes(b"0.0.5\0\xff\xfe").as_deref(),
            Some("0.0.5")
        );
        assert_eq!(firmware_version_bytes(b"0.0.5").as_deref(), Some("0.0.5"));
        assert_eq!(firmware_version_bytes(b"\0abc"), None);
        assert_eq!(firmware_version_bytes(b"\xff\xff\0"), None);
        assert_eq!(firmware_version_bytes(b""), None);
        assert_eq!(firmware_release("0.0.5"), Some((0, 0, 5)));
        assert_eq!(
            firmware_release("0.0.5-next-53df799-20250314:072359"),
            Some((0, 0, 5))
        );
        assert_eq!(
            firmware_release("0.0.2-next-15c3fee-20220303-dirty"),
            Some((0, 0, 2))
        );
        assert_eq!(firmware_release("dev Mar 14 2025 07:23:59"), None);
        assert_eq!(firmware_release("1.2"), None);
        assert_eq!(firmware_release("1.2.3.4"), None);
        assert_eq!(firmware_release(""), None);
    }
}
