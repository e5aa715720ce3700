//! x8ctl against the real tools doing the same work on the virtual X8, in one run.
//!
//!     cargo bench --bench x8bench            # everything
//!     cargo bench --bench x8bench -- push    # only the sections whose name contains "push"
//!     cargo bench --bench x8bench -- deploy  # x8ctl deploy against adb push of the app
//!     cargo bench --bench x8bench -- rpc     # rpc call latency and calls per second
//!     cargo bench --bench x8bench -- doctor  # doctor wall time
//!     cargo bench --bench x8bench -- startup # process start-up against adb
//!
//! Environment: X8BENCH_LATENCY_US (per-packet latency of the slow link, default 500),
//! X8BENCH_MB (size of the pushed folder, default 50), X8BENCH_DEPLOY_MB (assets in the
//! deployed app besides its sources, default 4).

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Fault;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A folder like an app tree with assets: many small files and some large ones.
fn make_folder(root: &Path, total_mb: u64) -> (usize, u64) {
    let total = total_mb * 1024 * 1024;
    let mut written = 0u64;
    let mut n = 0usize;
    let mut i = 0u32;
    while written < total {
        let size = if i % 6 == 5 {
            1_200_000
        } else {
            4_000 + (i as usize * 7919) % 60_000
        };
        let size = size.min((total - written) as usize).max(1);
        let dir = root.join(format!("d{:02}", i % 17));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("f{i:04}.bin")), pattern(size, i + 1)).unwrap();
        written += size as u64;
        n += 1;
        i += 1;
    }
    (n, written)
}

fn time<F: FnOnce() -> bool>(f: F) -> Option<Duration> {
    let started = Instant::now();
    f().then(|| started.elapsed())
}

fn push_section(filter: &str) {
    if !"push".contains(filter) && !filter.is_empty() {
        return;
    }
    let latency = env_num("X8BENCH_LATENCY_US", 500);
    let mb = env_num("X8BENCH_MB", 50);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("assets");
    let (files, bytes) = make_folder(&folder, mb);
    let sim = sim_with(&[Fault::SlowLink], |c| {
        c.adbd.link_latency = Duration::from_micros(latency)
    });
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    println!(
        "push: {files} files, {:.1} MB, slow link {latency} us per packet, 4096-byte packets, one adb server",
        bytes as f64 / 1e6
    );
    // Every copy lands in DEST/assets: the destinations exist first.
    for d in ["by-adb", "by-x8ctl", "by-x8ctl-nv"] {
        adb.shell(&serial, &format!("mkdir -p /home/fio/{d}"));
    }
    let adb_time = time(|| {
        let out = adb.adb(&[
            "-s",
            &serial,
            "push",
            folder.to_str().unwrap(),
            "/home/fio/by-adb",
        ]);
        if !out.status.success() {
            eprintln!("adb push failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    });
    let x8 = |dest: &str, extra: &[&str]| {
        time(|| {
            let mut c = adb.x8ctl();
            c.arg("push")
                .args(extra)
                .arg(folder.to_str().unwrap())
                .arg(dest);
            let (code, _, err) = run(c);
            if code != 0 {
                eprintln!("x8ctl push failed: {err}");
            }
            code == 0
        })
    };
    let x8_time = x8("/home/fio/by-x8ctl", &[]);
    let x8_nv = x8("/home/fio/by-x8ctl-nv", &["--no-verify"]);
    let x8_sync = x8("/home/fio/by-x8ctl", &["--sync"]);
    let row = |name: &str, t: Option<Duration>| match (t, adb_time) {
        (Some(t), Some(a)) => println!(
            "  {name:<38} {:>8.2} s  {:>7.2} MB/s  {:>5.2}x adb push",
            t.as_secs_f64(),
            bytes as f64 / 1e6 / t.as_secs_f64(),
            a.as_secs_f64() / t.as_secs_f64()
        ),
        (Some(t), None) => println!("  {name:<38} {:>8.2} s", t.as_secs_f64()),
        (None, _) => println!("  {name:<38}   failed"),
    };
    row("adb push (Debian adb 29)", adb_time);
    row("x8ctl push (4 streams, sha256 verified)", x8_time);
    row("x8ctl push --no-verify", x8_nv);
    row("x8ctl push --sync (nothing changed)", x8_sync);
}

/// The tutorial's python-rpc-sensors (the tests' fixture), with `assets_mb` of data files.
fn sensors_app_with_assets(app: &Path, assets_mb: u64) {
    sensors_app(app, "python:3.11-alpine");
    if assets_mb > 0 {
        make_folder(&app.join("assets"), assets_mb);
    }
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        folder_bytes(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn deploy_section(filter: &str) {
    if !"deploy".contains(filter) && !filter.is_empty() {
        return;
    }
    let latency = env_num("X8BENCH_LATENCY_US", 500);
    let mb = env_num("X8BENCH_DEPLOY_MB", 4);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app_with_assets(&app, mb);
    let bytes = folder_bytes(&app);
    let sim = sim_with(&[Fault::SlowLink], |c| {
        c.adbd.link_latency = Duration::from_micros(latency)
    });
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    println!(
        "deploy: python-rpc-sensors with {:.1} MB of assets, slow link {latency} us per packet, one adb server",
        bytes as f64 / 1e6
    );
    adb.shell(&serial, "mkdir -p /home/fio/by-adb");
    let adb_time = time(|| {
        let out = adb.adb(&[
            "-s",
            &serial,
            "push",
            app.to_str().unwrap(),
            "/home/fio/by-adb",
        ]);
        out.status.success()
    });
    let deploy = || {
        let started = Instant::now();
        let mut c = adb.x8ctl();
        c.args(["-s", &serial, "--json", "deploy", app.to_str().unwrap()]);
        let (code, out, err) = run(c);
        let t = started.elapsed();
        if code != 0 {
            eprintln!("x8ctl deploy failed: {err}");
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(out.trim()).ok()?;
        let sent = v["deploy"]["sync"]["bytes_sent"].as_u64().unwrap_or(0);
        let built = v["deploy"]["built"].as_bool().unwrap_or(false);
        Some((t, sent, built))
    };
    let first = deploy();
    let again = deploy();
    match adb_time {
        Some(t) => println!(
            "  {:<44} {:>8.2} s  {:>10} bytes sent",
            "adb push of the app folder (copy only)",
            t.as_secs_f64(),
            bytes
        ),
        None => println!("  adb push failed"),
    }
    for (name, r) in [
        ("x8ctl deploy, first (sync+build+run+ready)", first),
        ("x8ctl deploy, nothing changed", again),
    ] {
        match r {
            Some((t, sent, built)) => println!(
                "  {name:<44} {:>8.2} s  {sent:>10} bytes sent{}",
                t.as_secs_f64(),
                if built { ", built" } else { ", no build" }
            ),
            None => println!("  {name:<44}   failed"),
        }
    }
}

/// Mean wall time of `n` runs of a command.
fn mean_of(n: u32, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    for _ in 0..n {
        if !f() {
            return None;
        }
    }
    Some(started.elapsed() / n)
}

fn rpc_section(filter: &str) {
    if !"rpc".contains(filter) && !filter.is_empty() {
        return;
    }
    use x8ctl_core::rpc::client::{CallOptions, call, call_on_stream};
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let n = env_num("X8BENCH_RPC_CALLS", 200) as u32;
    println!(
        "rpc: `temperature` on m4-proxy port 5001, {n} calls, one connection each, through one adb server"
    );
    // What a workstation client does today: `adb forward`, then a TCP client per call.
    let port = free_port();
    let fwd = adb.adb(&["-s", &serial, "forward", &format!("tcp:{port}"), "tcp:5001"]);
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let forwarded = fwd.status.success().then(|| {
        mean_of(n, || {
            call(addr, "temperature", vec![], &CallOptions::default()).is_answered()
        })
    });
    // x8ctl's library: a tcp:5001 stream opened through the adb server per call.
    let session =
        x8ctl_core::board::connect::Session::open(&x8ctl_core::board::connect::ConnectOptions {
            adb_server: Some(format!("127.0.0.1:{}", adb.port)),
            ..Default::default()
        })
        .expect("session");
    let board = session
        .choose(
            Some(&serial),
            x8ctl_core::board::select::Choice::NonInteractive,
        )
        .expect("board");
    let native = mean_of(n, || match board.connect_port(5001) {
        Ok(mut s) => {
            s.set_read_timeout_to(Some(Duration::from_secs(3)));
            call_on_stream(&mut s, "temperature", vec![], &CallOptions::default()).is_answered()
        }
        Err(_) => false,
    });
    // The command a user types.
    let cli = mean_of(10, || {
        let mut c = adb.x8ctl();
        c.args(["rpc", "call", "temperature"]);
        run(c).0 == 0
    });
    let row = |name: &str, t: Option<Duration>| match t {
        Some(t) => println!(
            "  {name:<52} {:>8.2} ms per call  {:>8.0} calls/s",
            t.as_secs_f64() * 1e3,
            1.0 / t.as_secs_f64()
        ),
        None => println!("  {name:<52}   failed"),
    };
    row("adb forward + a TCP client per call", forwarded.flatten());
    row("x8ctl library: tcp:5001 stream per call", native);
    row("`x8ctl rpc call temperature` (whole process)", cli);
}

fn doctor_section(filter: &str) {
    if !"doctor".contains(filter) && !filter.is_empty() {
        return;
    }
    let sim = sim(&[]);
    let adb = AdbServer::start();
    adb.connect(&sim);
    let t = mean_of(5, || {
        let mut c = adb.x8ctl();
        c.args(["doctor"]);
        run(c).0 == 0
    });
    println!("doctor: a healthy virtual X8 through one adb server, 13 checks");
    match t {
        Some(t) => println!(
            "  {:<52} {:>8.0} ms (whole process, mean of 5)",
            "x8ctl doctor",
            t.as_secs_f64() * 1e3
        ),
        None => println!("  x8ctl doctor failed"),
    }
}

fn startup_section(filter: &str) {
    if !"startup".contains(filter) && !filter.is_empty() {
        return;
    }
    let n = 20;
    let x8 = mean_of(n, || {
        std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"))
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let adb = mean_of(n, || {
        std::process::Command::new("adb")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    println!("startup: a process that prints its version and exits, mean of {n}");
    for (name, t) in [("x8ctl --version", x8), ("adb version", adb)] {
        match t {
            Some(t) => println!("  {name:<52} {:>8.2} ms", t.as_secs_f64() * 1e3),
            None => println!("  {name:<52}   failed"),
        }
    }
    if let (Some(a), Some(b)) = (x8, adb) {
        println!(
            "  {:<52} {:>8.2}x",
            "adb / x8ctl",
            b.as_secs_f64() / a.as_secs_f64()
        );
    }
}

fn main() {
    // cargo bench passes --bench; a free word filters sections.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    push_section(&filter);
    deploy_section(&filter);
    rpc_section(&filter);
    doctor_section(&filter);
    startup_section(&filter);
}
