//! `x8ctl monitor`, `rpc listen` and `rpc serve` against the virtual X8 running the serial
//! sketch, through Debian's adb server and direct (issue 16).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Sim;
use virtual_x8::sketch::Sketch;
use x8ctl_core::rpc::dialect::request_bytes;
use x8ctl_core::rpc::msgpack::Value;

fn serial_sim() -> Sim {
    sim_with(&[], |c| {
        c.board.m4_sketch = Sketch::Serial;
        c.board.m4_restart_delay = Duration::from_millis(300);
    })
}

/// A running x8ctl whose stdout JSON documents arrive on a channel, with their arrival time.
struct Running {
    child: Child,
    docs: mpsc::Receiver<(Instant, serde_json::Value)>,
    seen: Vec<(Instant, serde_json::Value)>,
}

impl Running {
    fn start(rig: &Rig, args: &[&str]) -> Running {
        let mut c = rig.x8ctl();
        c.arg("--json").args(args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("x8ctl runs");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let v: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                assert_eq!(v["schema_version"], 1, "{line}");
                if tx.send((Instant::now(), v)).is_err() {
                    return;
                }
            }
        });
        Running {
            child,
            docs: rx,
            seen: Vec::new(),
        }
    }

    /// Wait for a document that satisfies `f`.
    fn wait_for(
        &mut self,
        what: &str,
        f: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let end = Instant::now() + Duration::from_secs(15);
        while Instant::now() < end {
            if let Ok((t, v)) = self.docs.recv_timeout(Duration::from_millis(100)) {
                self.seen.push((t, v.clone()));
                if f(&v) {
                    return v;
                }
            }
        }
        let mut err = String::new();
        let _ = self.child.kill();
        if let Some(e) = self.child.stderr.as_mut() {
            let _ = e.read_to_string(&mut err);
        }
        panic!(
            "no {what} in {:?}; stderr: {err}",
            self.seen.iter().map(|s| &s.1).collect::<Vec<_>>()
        );
    }

    fn finish(mut self) -> (i32, Vec<(Instant, serde_json::Value)>) {
        let status = self.child.wait().expect("x8ctl ends");
        while let Ok(d) = self.docs.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(d);
        }
        (status.code().unwrap_or(-1), self.seen)
    }
}

fn line_number(v: &serde_json::Value) -> Option<u64> {
    (v["event"] == "output")
        .then(|| v["line"].as_str()?.strip_prefix("line ")?.parse().ok())
        .flatten()
}

/// A message to m4-proxy's port on the board, written from inside the virtual board (as a
/// program on the board would); the answer's bytes.
fn board_port_send(sim: &Sim, port: u16, bytes: &[u8], wait: Duration) -> Vec<u8> {
    let mut s = sim.board().connect_port(port).expect("the port listens");
    s.write_all(bytes).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if port == 5000 {
            break;
        }
    }
    out
}

/// What python-rpc-serial's m4-serial-forward does at start: `register(5002, ["tty"])`.
fn python_rpc_serial_registers(sim: &Sim) {
    let b = request_bytes(
        1,
        "register",
        &[Value::UInt(5002), Value::Array(vec![Value::from("tty")])],
    )
    .unwrap();
    let reply = board_port_send(sim, 5000, &b, Duration::from_secs(2));
    assert!(!reply.is_empty(), "m4-proxy answered the registration");
}

/// The sketch calls Linux (`RPC.call(name, args)`), through the simulator's test knob.
fn sketch_calls_linux(sim: &Sim, name: &str, args: Vec<Value>) -> Vec<u8> {
    let b = request_bytes(
        7,
        "x8sim_call_linux",
        &[Value::from(name), Value::Array(args)],
    )
    .unwrap();
    board_port_send(sim, 5001, &b, Duration::from_secs(3))
}

/// Lines in order within a second, input reaching the sketch, and lines still coming after
/// m4-proxy restarts (through the server: `systemctl restart m4-proxy` with x8ctl shell
/// --root; direct, where the X8's adbd takes one host, m4-proxy is crashed from the board
/// by a method port 5000 does not know — REB 2.5 — and systemd restarts it).
#[test]
fn monitor_shows_lines_takes_input_and_survives_a_restart() {
    for rig in Rig::both(serial_sim) {
        let name = rig.name();
        let mut m = Running::start(&rig, &["monitor", "--for", "9"]);
        m.wait_for("registration", |v| v["event"] == "registered");
        let first = m.wait_for("a line", |v| line_number(v).is_some());
        let n0 = line_number(&first).unwrap();
        // Ten lines, in order, none missing, each within a second of the one before (the
        // sketch prints every 200 ms).
        let mut last = (Instant::now(), n0);
        for _ in 0..10 {
            let v = m.wait_for("the next line", |v| line_number(v).is_some());
            let n = line_number(&v).unwrap();
            let t = m.seen.last().unwrap().0;
            assert_eq!(n, last.1 + 1, "{name}: lines in order");
            assert!(t - last.0 < Duration::from_secs(1), "{name}: line {n} late");
            last = (t, n);
        }
        // Typed input reaches the sketch's `tty`, which echoes it.
        m.child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(b"hello sketch\n")
            .unwrap();
        m.wait_for("the echo", |v| v["line"] == "echo: hello sketch");
        // m4-proxy restarts: monitor registers again by itself.
        if name == "adb-server" {
            let (code, _, err) = rig.run(&["shell", "--root", "systemctl", "restart", "m4-proxy"]);
            assert_eq!(code, 0, "{err}");
        } else {
            let b = request_bytes(1, "boom", &[]).unwrap();
            board_port_send(&rig.sim, 5000, &b, Duration::from_millis(300));
        }
        m.wait_for("re-registration", |v| v["event"] == "reregistered");
        let after = last.1;
        m.wait_for("a line after the restart", |v| {
            line_number(v).is_some_and(|n| n > after + 1)
        });
        let (code, _) = m.finish();
        assert_eq!(code, 0, "{name}: --for ends with 0");
        // The reverse forward is gone: the board's port 5020 no longer listens.
        assert!(
            rig.sim.board().connect_port(5020).is_err(),
            "{name}: the reverse forward was removed"
        );
    }
}

/// With python-rpc-serial's registration present, monitor says it takes `tty` over, and
/// the lines come to it.
#[test]
fn monitor_takes_tty_over_from_python_rpc_serial() {
    for rig in Rig::both(serial_sim) {
        let name = rig.name();
        python_rpc_serial_registers(&rig.sim);
        let mut m = Running::start(&rig, &["monitor", "--for", "3", "--no-input"]);
        let w = m.wait_for("the takeover warning", |v| v["event"] == "takeover");
        let text = w["warning"].as_str().unwrap();
        assert!(
            text.contains("python-rpc-serial") && text.contains("5002") && text.contains("takes"),
            "{name}: {text}"
        );
        m.wait_for("a line", |v| line_number(v).is_some());
        let (code, _) = m.finish();
        assert_eq!(code, 0, "{name}");
    }
}

/// `rpc listen` shows a call the sketch makes that nobody registered; `rpc serve` answers.
#[test]
fn rpc_listen_shows_a_call_and_serve_answers_one() {
    for rig in Rig::both(serial_sim) {
        let name = rig.name();
        let mut l = Running::start(&rig, &["rpc", "listen", "gas_alarm", "--for", "4"]);
        l.wait_for("registration", |v| v["event"] == "registered");
        sketch_calls_linux(&rig.sim, "gas_alarm", vec![Value::UInt(42)]);
        let v = l.wait_for("the call", |v| v["event"] == "call");
        assert_eq!(v["method"], "gas_alarm", "{name}");
        assert_eq!(v["params"], serde_json::json!([42]), "{name}");
        assert_eq!(l.finish().0, 0, "{name}");
    }
    // A board of its own: the unanswered call above leaves a late reply in m4-proxy's
    // shared reply queue (REB 2.4), which the next caller on 5001 would get.
    for rig in Rig::both(serial_sim) {
        let name = rig.name();
        let mut s = Running::start(&rig, &["rpc", "serve", "threshold=21", "--for", "4"]);
        s.wait_for("registration", |v| v["event"] == "registered");
        let reply = sketch_calls_linux(&rig.sim, "threshold", vec![]);
        let (v, _) = x8ctl_core::rpc::msgpack::decode(&reply).expect("the M4's reply");
        let a = v.as_array().unwrap();
        assert_eq!(
            a[3],
            Value::UInt(21),
            "{name}: the sketch got the laptop's answer"
        );
        let v = s.wait_for("the call", |v| v["event"] == "call");
        assert_eq!(v["answered"], "21", "{name}");
        assert_eq!(s.finish().0, 0, "{name}");
    }
}

/// Ctrl-C ends monitor with the interrupted status, and the reverse forward is removed.
#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn monitor_ctrl_c_is_130_and_removes_the_forward() {
    let rig = Rig::direct(serial_sim());
    let mut m = Running::start(&rig, &["monitor", "--no-input", "--port", "5031"]);
    m.wait_for("a line", |v| line_number(v).is_some());
    assert!(
        rig.sim.board().connect_port(5031).is_ok(),
        "the forward listens"
    );
    let _ = std::process::Command::new("kill")
        .args(["-INT", &m.child.id().to_string()])
        .status();
    let (code, _) = m.finish();
    assert_eq!(code, 130);
    assert!(
        rig.sim.board().connect_port(5031).is_err(),
        "the reverse forward was removed"
    );
}

/// `--timestamp` starts each line with the time; `--quiet` drops the notices.
#[test]
fn monitor_timestamp_and_quiet() {
    let rig = Rig::direct(serial_sim());
    let (code, out, err) = rig.run(&[
        "monitor",
        "--no-input",
        "--timestamp",
        "--quiet",
        "--for",
        "1.5",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "--quiet: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 3, "{out}");
    for l in lines {
        let (ts, text) = l.split_once("] ").expect(l);
        assert!(ts.starts_with('[') && ts.len() == 13, "{l}");
        assert!(text.starts_with("line "), "{l}");
    }
}
