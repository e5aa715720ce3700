//! `x8ctl rpc call` and `x8ctl rpc sensors` against the virtual X8, through Debian's adb
//! server (private port) and through --connect: every outcome a user can meet.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Fault;
use virtual_x8::sketch::Sketch;
use x8ctl_core::rpc::msgpack::Value;
use x8ctl_core::rpc::server::{Handler, Server};

#[test]
fn call_temperature_prints_100_on_both_paths() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, out, err) = rig.run(&["rpc", "call", "temperature"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert_eq!(out, "100\n", "{}", rig.name());
        let (code, doc, _) = rig.json(&["rpc", "call", "temperature"]);
        assert_eq!(code, 0);
        assert_eq!(doc["method"], "temperature");
        assert_eq!(doc["outcome"]["kind"], "answered", "{}: {doc}", rig.name());
        assert_eq!(doc["outcome"]["result"], 100);
    }
}

/// A board whose M4 runs `sketch`, with m4-proxy restarting after 300 ms (2 s on the board).
fn sim_sketch(sketch: Sketch) -> virtual_x8::Sim {
    sim_with(&[], |c| {
        c.board.m4_sketch = sketch.clone();
        c.board.m4_restart_delay = Duration::from_millis(300);
    })
}

/// m4-proxy's (pid, NRestarts) on the virtual board.
fn proxy(rig: &Rig) -> (u32, u32) {
    let s = rig.sim.board().services();
    (s.m4_pid(), s.m4_restarts())
}

fn wait_for_proxy(rig: &Rig) {
    let t = Instant::now();
    while !rig.sim.board().services().m4_running() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "m4-proxy did not come back"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_unbound_method_names_the_cause_and_the_restart() {
    // On the board the M4's rpclib error reply kills m4-proxy (real-board-evidence.md
    // §2.2): x8ctl must say so, not "m4-proxy is not listening".
    for rig in Rig::both(|| sim_sketch(Sketch::Sensors)) {
        let (pid, _) = proxy(&rig);
        let (code, out, err) = rig.run(&["rpc", "call", "no_such_function"]);
        assert_eq!(code, 5, "{}: {out} {err}", rig.name());
        assert!(out.is_empty(), "nothing on stdout: {out}");
        assert!(
            err.contains("m4-proxy crashed on this call")
                && err.contains("does not bind 'no_such_function' with 0 arguments"),
            "{err}"
        );
        assert!(err.contains("registered with m4-proxy"), "{err}");
        assert!(err.contains("hint:") && err.contains("RPC.bind"), "{err}");
        assert!(!err.contains("not listening"), "{err}");
        assert_ne!(proxy(&rig).0, pid, "it really crashed");
        wait_for_proxy(&rig);
        let (code, doc, _) = rig.json(&["rpc", "call", "temperature", "1"]);
        assert_eq!(code, 5);
        assert_eq!(doc["outcome"]["kind"], "m4_proxy_crashed", "{doc}");
        assert_eq!(doc["outcome"]["registrations_lost"], true);
        assert!(
            doc["outcome"]["message"]
                .as_str()
                .unwrap()
                .contains("with 1 argument ")
        );
    }
}

#[test]
fn a_40_byte_string_argument_does_not_restart_m4_proxy() {
    let sk = Sketch::parse("greet(name) = \"hi\"").unwrap();
    for rig in Rig::both(|| sim_sketch(sk.clone())) {
        let before = proxy(&rig);
        let forty = "abcdefghij".repeat(4);
        let (code, out, err) = rig.run(&["rpc", "call", "greet", &forty]);
        assert_eq!(code, 0, "{}: {out} {err}", rig.name());
        assert_eq!(out, "hi\n");
        assert_eq!(proxy(&rig), before, "m4-proxy did not restart");
        let j = rig.sim.board().services().journal().clone();
        let (e, _) = j.since(0, &|e| e.msg.starts_with("panic:"));
        assert!(e.is_empty());
    }
}

#[test]
fn a_float_or_an_oversized_message_is_refused_before_sending() {
    let rig = Rig::direct(sim_sketch(Sketch::parse("echo(x) = $1").unwrap()));
    let before = proxy(&rig);
    let (code, _, err) = rig.run(&["rpc", "call", "echo", "1.5"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("argument 1 is a float (1.5)"), "{err}");
    assert!(err.contains("IEEE bits"), "{err}");
    let long = "x".repeat(240);
    let (code, doc, _) = rig.json(&["rpc", "call", "echo", &long]);
    assert_eq!(code, 2);
    assert_eq!(doc["outcome"]["kind"], "refused", "{doc}");
    assert!(
        doc["outcome"]["message"]
            .as_str()
            .unwrap()
            .contains("256-byte frame")
    );
    assert_eq!(proxy(&rig), before);
}

#[test]
fn a_silent_m4_is_no_answer() {
    for rig in Rig::both(|| sim(&[Fault::M4Silent])) {
        let t = Instant::now();
        let (code, doc, _) = rig.json(&["rpc", "call", "temperature"]);
        assert_eq!(code, 5);
        assert_eq!(doc["outcome"]["kind"], "no_answer", "{}: {doc}", rig.name());
        assert!(
            t.elapsed() >= Duration::from_millis(900),
            "m4-proxy waits 1 s"
        );
        let (code, _, err) = rig.run(&["rpc", "call", "temperature"]);
        assert_eq!(code, 5);
        assert!(err.contains("did not answer"), "{err}");
    }
}

#[test]
fn m4_proxy_down_is_not_listening() {
    for rig in Rig::both(|| sim(&[Fault::M4ProxyDown])) {
        let (code, doc, _) = rig.json(&["rpc", "call", "temperature"]);
        assert_eq!(code, 5);
        assert_eq!(
            doc["outcome"]["kind"],
            "not_listening",
            "{}: {doc}",
            rig.name()
        );
        let (_, _, err) = rig.run(&["rpc", "call", "temperature"]);
        assert!(err.contains("systemctl restart m4-proxy"), "{err}");
    }
}

/// A "sketch" behind m4-proxy (upstream mode): a BMP280 sketch that binds no `gas`, and
/// `echo` that returns its arguments.
fn bmp280_sketch() -> Server {
    let h: Handler = Arc::new(|m, p| match m {
        "temperature" => Ok(Value::F64(21.5)),
        "humidity" => Ok(Value::UInt(40)),
        "pressure" => Ok(Value::UInt(1013)),
        "altitude" => Ok(Value::UInt(120)),
        "echo" => Ok(Value::Array(p.to_vec())),
        _ => Err(Value::from(format!(
            "rpclib: server could not find function '{m}' with argument count {}.",
            p.len()
        ))),
    });
    Server::bind("127.0.0.1:0".parse().unwrap(), h).unwrap()
}

#[test]
fn arguments_are_json_else_strings() {
    let sketch = bmp280_sketch();
    let up = sketch.local_addr().to_string();
    for rig in Rig::both(|| sim_with(&[], |c| c.board.m4_upstream = Some(up.clone()))) {
        let (code, doc, _) = rig.json(&[
            "rpc",
            "call",
            "echo",
            "5",
            "-15",
            "true",
            "[1,2]",
            "\"7\"",
            "hello world",
        ]);
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        assert_eq!(
            doc["outcome"]["result"],
            serde_json::json!([5, -15, true, [1, 2], "7", "hello world"])
        );
        let (code, out, _) = rig.run(&["rpc", "call", "echo", "x"]);
        assert_eq!(code, 0);
        assert_eq!(out.trim(), "[\"x\"]");
    }
    sketch.stop();
}

#[test]
fn sensors_table_and_json() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, out, err) = rig.run(&["rpc", "sensors"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        for (name, v) in [
            ("temperature", 100),
            ("humidity", 200),
            ("pressure", 300),
            ("gas", 400),
            ("altitude", 500),
        ] {
            assert!(
                out.lines()
                    .any(|l| l.split_whitespace().collect::<Vec<_>>() == [name, &v.to_string()]),
                "{name} {v} in {out}"
            );
        }
        let (code, doc, _) = rig.json(&["rpc", "sensors"]);
        assert_eq!(code, 0);
        let r = doc["readings"].as_array().unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(r[3]["name"], "gas");
        assert_eq!(r[3]["value"], 400);
    }
}

#[test]
fn a_sketch_without_gas_reports_that_reading_only() {
    // A BMP280 sketch binds no `gas`: the call crashes m4-proxy; `rpc sensors` says so,
    // waits for the restart and reads the rest.
    for rig in Rig::both(|| sim_sketch(Sketch::Bmp280)) {
        let (code, out, err) = rig.run(&["rpc", "sensors"]);
        assert_eq!(code, 0, "{}: {out} {err}", rig.name());
        let gas = out.lines().find(|l| l.starts_with("gas")).unwrap();
        assert!(gas.contains("not bound"), "{gas}");
        let alt = out.lines().find(|l| l.starts_with("altitude")).unwrap();
        assert!(alt.contains("500"), "{out}");
        assert!(
            err.contains("gas:") && err.contains("m4-proxy crashed on this call"),
            "{err}"
        );
        wait_for_proxy(&rig);
        let (_, doc, _) = rig.json(&["rpc", "sensors"]);
        let r = doc["readings"].as_array().unwrap();
        assert_eq!(r[3]["outcome"]["kind"], "m4_proxy_crashed", "{doc}");
        assert!(r[3]["value"].is_null());
        assert_eq!(r[4]["value"], 500);
    }
}

#[test]
fn sensors_with_m4_proxy_down_fail() {
    let s = sim(&[Fault::M4ProxyDown]);
    let (code, out, err) = run({
        let mut c = x8ctl_direct(&s);
        c.args(["rpc", "sensors"]);
        c
    });
    assert_eq!(code, 5, "{out} {err}");
    assert!(out.contains("m4-proxy down"), "{out}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn sensors_watch_prints_one_json_document_per_line_until_interrupted() {
    let s = sim(&[]);
    let mut c = x8ctl_direct(&s);
    c.args(["--json", "rpc", "sensors", "--watch", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["schema_version"], 1);
        assert_eq!(doc["readings"][0]["value"], 100);
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "Ctrl-C ends the watch, with the interrupted status (issue 14: it used to be 0)"
    );
}

#[test]
fn a_late_reply_from_an_earlier_call_is_recognised_and_the_call_retried() {
    for rig in Rig::both(|| sim(&[])) {
        // The M4 answers after 1.5 s: m4-proxy has closed the connection after 1 s, and the
        // reply waits in its queue for the next request.
        let (code, doc, _) = rig.json(&["rpc", "call", "x8sim_sleep_ms", "1500"]);
        assert_eq!(code, 5);
        assert_eq!(doc["outcome"]["kind"], "no_answer", "{}: {doc}", rig.name());
        std::thread::sleep(Duration::from_millis(700));
        let (code, out, err) = rig.run(&["rpc", "call", "temperature"]);
        assert_eq!(code, 0, "{}: {out} {err}", rig.name());
        assert_eq!(out, "100\n");
    }
}

/// `rpc sensors --watch` goes on by itself after the board drops off and comes back, and
/// Ctrl-C ends it with 130.
#[cfg(unix)]
#[test]
fn watch_resumes_after_the_board_comes_back_and_ctrl_c_is_130() {
    let sim = sim(&[]);
    let mut c = x8ctl_direct(&sim);
    c.args(["--json", "rpc", "sensors", "--watch", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let answered = |line: &str| {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["readings"][0]["value"] == 100
    };
    let next = || rx.recv_timeout(Duration::from_secs(15)).expect("a reading");
    assert!(answered(&next()));
    // The cable is pulled and put back.
    sim.drop_connections();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut resumed = false;
    while Instant::now() < deadline {
        if answered(&next()) {
            resumed = true;
            break;
        }
    }
    // Two answered rounds in a row after the drop: it really goes on.
    assert!(resumed && answered(&next()));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "watch did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
}
