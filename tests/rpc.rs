//! `x8ctl rpc call` and `x8ctl rpc sensors` against the virtual X8, through Debian's adb
//! server (private port) and through --connect: every outcome a user can meet.
// The virtual X8 the tests drive is built on Unix-like systems.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Fault;
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

#[test]
fn an_unbound_method_is_an_m4_error_with_a_hint() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, out, err) = rig.run(&["rpc", "call", "no_such_function"]);
        assert_eq!(code, 5, "{}: {out} {err}", rig.name());
        assert!(out.is_empty(), "nothing on stdout: {out}");
        assert!(err.contains("could not find function"), "{err}");
        assert!(err.contains("hint:") && err.contains("RPC.bind"), "{err}");
        let (code, doc, _) = rig.json(&["rpc", "call", "no_such_function"]);
        assert_eq!(code, 5);
        assert_eq!(doc["outcome"]["kind"], "m4_error", "{doc}");
        assert!(
            doc["outcome"]["hint"]
                .as_str()
                .unwrap()
                .contains("RPC.bind")
        );
    }
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
            "-1.5",
            "true",
            "[1,2]",
            "\"7\"",
            "hello world",
        ]);
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        assert_eq!(
            doc["outcome"]["result"],
            serde_json::json!([5, -1.5, true, [1, 2], "7", "hello world"])
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
    let sketch = bmp280_sketch();
    let up = sketch.local_addr().to_string();
    for rig in Rig::both(|| sim_with(&[], |c| c.board.m4_upstream = Some(up.clone()))) {
        let (code, out, err) = rig.run(&["rpc", "sensors"]);
        assert_eq!(code, 0, "{}: {out} {err}", rig.name());
        assert!(out.contains("21.5"), "{out}");
        let gas = out.lines().find(|l| l.starts_with("gas")).unwrap();
        assert!(gas.contains("not bound"), "{gas}");
        assert!(
            err.contains("gas:") && err.contains("could not find function 'gas'"),
            "{err}"
        );
        let (_, doc, _) = rig.json(&["rpc", "sensors"]);
        let r = doc["readings"].as_array().unwrap();
        assert_eq!(r[3]["outcome"]["kind"], "m4_error");
        assert!(r[3]["value"].is_null());
        assert_eq!(r[4]["value"], 120);
    }
    sketch.stop();
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
    assert_eq!(status.code(), Some(0), "Ctrl-C ends the watch cleanly");
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
