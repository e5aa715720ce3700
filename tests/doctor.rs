//! `x8ctl doctor` against the virtual X8, through Debian's adb server (private port) and
//! through --connect: a healthy board passes; each fault fails exactly its check, with its
//! hint, and skips what depends on it; --fix repairs what it can and checks again.

mod common;

use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Fault;
use virtual_x8::sketch::Sketch;

/// The doctor's own ways of running a rig.
trait DoctorRig {
    fn doctor_env(&self, extra: &[&str], env: &[(&str, &str)]) -> (i32, serde_json::Value);
    fn doctor(&self) -> (i32, serde_json::Value) {
        self.doctor_env(&[], &[])
    }
}

impl DoctorRig for Rig {
    fn doctor_env(&self, extra: &[&str], env: &[(&str, &str)]) -> (i32, serde_json::Value) {
        let mut args = vec!["doctor", "--json"];
        args.extend_from_slice(extra);
        let (code, out, err) = self.run_env(&args, env);
        let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| {
            panic!(
                "{}: doctor --json is not one JSON document ({e}): {out:?}\nstderr: {err}",
                self.name()
            )
        });
        assert_eq!(doc["schema_version"], 1);
        (code, doc)
    }
}

fn check<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {doc}"))
}

/// Every check's status, by id.
fn statuses(checks: &serde_json::Value) -> Vec<(String, String)> {
    checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// All ok except `expect` (id → status). Without a method to call (--rpc-method), the RPC
/// check is a skip: the doctor does not call an M4 whose sketch it does not know.
fn assert_only(doc: &serde_json::Value, expect: &[(&str, &str)], rig: &str) {
    for (id, st) in statuses(&doc["checks"]) {
        let want = expect
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| *s)
            .unwrap_or(if id == "rpc" { "skip" } else { "ok" });
        assert_eq!(
            st,
            want,
            "{rig}: check {id}: {}",
            serde_json::to_string_pretty(check(doc, &id)).unwrap()
        );
    }
}

const ALL: [&str; 13] = [
    "adb",
    "board",
    "x8",
    "sudo",
    "stm32h7-program",
    "x8h7-modules",
    "h7-firmware",
    "x8h7-ui",
    "m4-proxy",
    "rpc",
    "docker",
    "containers",
    "disk",
];

#[test]
fn a_healthy_board_is_all_ok_and_fast() {
    for rig in Rig::both(|| sim(&[])) {
        let t = Instant::now();
        let (code, doc) = rig.doctor_env(&["--rpc-method", "temperature"], &[]);
        let wall = t.elapsed();
        assert_only(&doc, &[("rpc", "ok")], rig.name());
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        assert_eq!(doc["ok"], true);
        let ids: Vec<String> = statuses(&doc["checks"]).into_iter().map(|c| c.0).collect();
        assert_eq!(ids, ALL, "every check, in chain order");
        assert_eq!(doc["summary"]["ok"], 13);
        assert_eq!(doc["target"]["transport"], rig.name());
        assert!(
            doc["duration_ms"].as_u64().unwrap() < 2000,
            "{}: the checks took {} ms",
            rig.name(),
            doc["duration_ms"]
        );
        assert!(
            check(&doc, "rpc")["summary"]
                .as_str()
                .unwrap()
                .contains("100")
        );
        assert!(
            check(&doc, "h7-firmware")["summary"]
                .as_str()
                .unwrap()
                .contains("0.0.5")
        );
        assert!(
            check(&doc, "x8")["summary"]
                .as_str()
                .unwrap()
                .contains("861")
        );
        for c in doc["checks"].as_array().unwrap() {
            assert!(c["duration_ms"].is_u64(), "{c}");
            assert!(c.get("hint").is_none() && c.get("fix").is_none(), "{c}");
        }
        eprintln!("{}: doctor took {wall:?} wall time", rig.name());
    }
}

#[test]
fn human_output_like_flutter_doctor() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, out, err) = rig.run_env(&["doctor", "--rpc-method", "temperature"], &[]);
        assert_eq!(code, 0, "{out}\n{err}");
        let marks: Vec<&str> = out.lines().filter(|l| l.starts_with('[')).collect();
        assert_eq!(marks.len(), 13, "{out}");
        assert!(marks.iter().all(|l| l.starts_with("[ok] ")), "{out}");
        assert!(
            marks
                .iter()
                .all(|l| l.ends_with(" ms)") || l.ends_with(" s)")),
            "{out}"
        );
        assert!(out.contains("No issues found"), "{out}");
        assert!(!out.contains('\u{1b}'), "NO_COLOR: no escape codes");
    }
}

#[test]
fn m4_silent_fails_the_rpc_round_trip() {
    for rig in Rig::both(|| sim(&[Fault::M4Silent])) {
        let (code, doc) = rig.doctor_env(&["--rpc-method", "temperature"], &[]);
        assert_eq!(code, 5);
        assert_only(&doc, &[("rpc", "fail")], rig.name());
        let rpc = check(&doc, "rpc");
        assert!(
            rpc["summary"]
                .as_str()
                .unwrap()
                .contains("did not answer 'temperature' within 1 s"),
            "{rpc}"
        );
        assert!(
            rpc["hint"].as_str().unwrap().contains("last uploaded"),
            "{rpc}"
        );
    }
}

/// A board whose M4 runs `sketch`; m4-proxy restarts after `delay` (2 s on the board).
fn sim_sketch(sketch: Sketch, delay: Duration) -> virtual_x8::Sim {
    sim_with(&[], |c| {
        c.board.m4_sketch = sketch.clone();
        c.board.m4_restart_delay = delay;
    })
}

fn proxy(rig: &Rig) -> (u32, u32) {
    let s = rig.sim.board().services();
    (s.m4_pid(), s.m4_restarts())
}

#[test]
fn without_a_method_the_doctor_does_not_call_the_m4_and_says_so() {
    // A sketch that runs rpclib but binds nothing: calling `temperature` would crash
    // m4-proxy (real-board-evidence.md §2.2). The doctor must not.
    for rig in Rig::both(|| sim_sketch(Sketch::Custom(vec![]), Duration::from_millis(300))) {
        let before = proxy(&rig);
        let (code, doc) = rig.doctor();
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        assert_only(&doc, &[], rig.name());
        let rpc = check(&doc, "rpc");
        assert!(
            rpc["summary"].as_str().unwrap().contains("not called"),
            "{rpc}"
        );
        assert!(
            rpc["hint"].as_str().unwrap().contains("--rpc-method"),
            "{rpc}"
        );
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(proxy(&rig), before, "m4-proxy did not restart");
        // The human form does not claim all 13 passed.
        let (code, out, _) = rig.run_env(&["doctor"], &[]);
        assert_eq!(code, 0);
        assert!(out.contains("[skip] RPC round trip"), "{out}");
        assert!(out.contains("12 checks passed, 1 not run"), "{out}");
        assert_eq!(proxy(&rig), before);
    }
}

#[test]
fn a_method_the_sketch_does_not_bind_is_reported_as_the_crash_it_caused() {
    let rig = Rig::direct(sim_sketch(Sketch::Bmp280, Duration::from_millis(300)));
    let (code, doc) = rig.doctor_env(&["--rpc-method", "gas"], &[]);
    assert_eq!(code, 5);
    let rpc = check(&doc, "rpc");
    assert_eq!(rpc["status"], "fail");
    assert!(
        rpc["summary"]
            .as_str()
            .unwrap()
            .contains("calling 'gas' crashed m4-proxy"),
        "{rpc}"
    );
    // The next run sees the crash in m4-proxy's restart counter.
    let t = Instant::now();
    while !rig.sim.board().services().m4_running() {
        assert!(t.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, doc) = rig.doctor();
    assert_eq!(code, 0, "a warning: {doc}");
    let c = check(&doc, "m4-proxy");
    assert_eq!(c["status"], "warn", "{c}");
    assert!(
        c["summary"].as_str().unwrap().contains("crashed 1 time"),
        "{c}"
    );
}

/// Crash m4-proxy with a str8 on the board's port 5001 (as a modern packer would).
fn crash_m4_proxy(sim: &virtual_x8::Sim) {
    use std::io::{Read, Write};
    let s = sim.board().services();
    let t = Instant::now();
    while !s.m4_running() {
        assert!(t.elapsed() < Duration::from_secs(5), "m4-proxy is not back");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut c = std::net::TcpStream::connect(s.port_addr(5001).unwrap()).unwrap();
    let mut b = vec![0x94, 0, 1, 0xa1, b'x', 0x91, 0xd9, 40];
    b.extend_from_slice(&[b'y'; 40]);
    c.write_all(&b).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let _ = c.read_to_end(&mut Vec::new());
}

#[test]
fn a_tripped_start_limit_is_diagnosed_and_fixed() {
    for rig in Rig::both(|| sim_sketch(Sketch::Sensors, Duration::from_millis(30))) {
        // Boot start + 9 restarts = 10 starts; the 10th crash's restart is refused.
        for _ in 0..10 {
            crash_m4_proxy(&rig.sim);
        }
        let t = Instant::now();
        while rig.sim.board().services().unit("m4-proxy").unwrap().active != "failed" {
            assert!(t.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(20));
        }
        // `rpc call` says why nothing listens.
        let (code, doc, _) = rig.json(&["rpc", "call", "temperature"]);
        assert_eq!(code, 5);
        assert_eq!(doc["outcome"]["kind"], "m4_proxy_down", "{doc}");
        assert_eq!(doc["outcome"]["start_limit_hit"], true);
        assert!(
            doc["outcome"]["hint"]
                .as_str()
                .unwrap()
                .contains("doctor --fix")
        );
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5, "{}: {doc}", rig.name());
        assert_only(&doc, &[("m4-proxy", "fail"), ("rpc", "skip")], rig.name());
        let c = check(&doc, "m4-proxy");
        assert!(c["summary"].as_str().unwrap().contains("gave up"), "{c}");
        assert!(c["hint"].as_str().unwrap().contains("reset-failed"), "{c}");
        assert_eq!(
            c["fix"]["command"],
            "systemctl reset-failed m4-proxy; systemctl restart m4-proxy"
        );
        // A plain restart is refused inside the 120 s window; --fix resets the limit.
        let (code, doc) = rig.doctor_env(&["--fix", "--yes"], &[]);
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        let fixes = doc["fixes"].as_array().unwrap();
        assert_eq!(fixes[0]["check"], "m4-proxy", "{doc}");
        assert_eq!(fixes[0]["outcome"]["ok"], true, "{doc}");
        assert_only(&doc["after"], &[], rig.name());
        assert!(rig.sim.board().services().m4_running());
    }
}

#[test]
fn m4_proxy_down_fails_m4_proxy_and_skips_rpc() {
    for rig in Rig::both(|| sim(&[Fault::M4ProxyDown])) {
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        assert_only(&doc, &[("m4-proxy", "fail"), ("rpc", "skip")], rig.name());
        let c = check(&doc, "m4-proxy");
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .contains("no m4_proxy process"),
            "{c}"
        );
        assert!(
            c["summary"].as_str().unwrap().contains("RemainAfterExit"),
            "{c}"
        );
        assert!(
            c["hint"]
                .as_str()
                .unwrap()
                .contains("systemctl restart m4-proxy")
        );
        assert_eq!(c["fix"]["command"], "systemctl restart m4-proxy");
        assert_eq!(c["fix"]["root"], true);
        assert!(
            check(&doc, "rpc")["summary"]
                .as_str()
                .unwrap()
                .contains("m4-proxy failed")
        );
        // Nothing changed without --fix: a second run finds the same.
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        assert_eq!(check(&doc, "m4-proxy")["status"], "fail");
    }
}

#[test]
fn fix_yes_restarts_m4_proxy_and_the_rerun_is_ok() {
    for rig in Rig::both(|| sim(&[Fault::M4ProxyDown])) {
        let (code, doc) = rig.doctor_env(&["--fix", "--yes"], &[]);
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        assert_eq!(doc["ok"], true);
        assert_eq!(
            check(&doc, "m4-proxy")["status"],
            "fail",
            "the first run saw it"
        );
        let fixes = doc["fixes"].as_array().unwrap();
        assert_eq!(fixes.len(), 1, "{doc}");
        assert_eq!(fixes[0]["check"], "m4-proxy");
        assert_eq!(fixes[0]["applied"], true);
        assert_eq!(fixes[0]["outcome"]["ok"], true, "{doc}");
        assert_only(&doc["after"], &[], rig.name());
    }
    // The human form says what it does and shows the second run.
    let rig = Rig::direct(sim(&[Fault::M4ProxyDown]));
    let (code, out, err) = rig.run_env(&["doctor", "--fix", "--yes"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("[FAIL] m4-proxy"), "{out}");
    assert!(
        err.contains("Running `sudo systemctl restart m4-proxy`"),
        "{err}"
    );
    assert!(err.contains("Checking again"), "{err}");
    assert!(out.contains("No issues found"), "{out}");
}

#[test]
fn fix_without_a_terminal_needs_yes() {
    let rig = Rig::direct(sim(&[Fault::M4ProxyDown]));
    let (code, out, err) = rig.run_env(&["doctor", "--fix"], &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("--yes"), "{err}");
    let (code, _) = rig.doctor();
    assert_eq!(code, 5, "still broken: nothing was changed");
}

#[test]
fn a_firmware_mismatch_fails_the_firmware_check() {
    for rig in Rig::both(|| sim(&[])) {
        let bin = board_path(
            &rig.sim,
            "/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
        );
        std::fs::write(&bin, virtual_x8::fwimage::make_image("0.0.4")).unwrap();
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        assert_only(&doc, &[("h7-firmware", "fail")], rig.name());
        let c = check(&doc, "h7-firmware");
        let s = c["summary"].as_str().unwrap();
        assert!(
            s.contains("runs 0.0.5") && s.contains("file is 0.0.4"),
            "{c}"
        );
        assert!(c["hint"].as_str().unwrap().contains("next boot"), "{c}");
        assert!(
            c["fix"]["command"].as_str().unwrap().contains("program.sh"),
            "{c}"
        );
    }
}

#[test]
fn no_docker_fails_docker_and_skips_containers() {
    for rig in Rig::both(|| sim(&[Fault::NoDocker])) {
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        assert_only(
            &doc,
            &[("docker", "fail"), ("containers", "skip")],
            rig.name(),
        );
        let c = check(&doc, "docker");
        assert!(
            c["summary"].as_str().unwrap().contains("not running"),
            "{c}"
        );
        assert!(
            c["hint"]
                .as_str()
                .unwrap()
                .contains("systemctl restart docker"),
            "{c}"
        );
    }
}

#[test]
fn a_full_disk_fails_the_space_check() {
    for rig in Rig::both(|| sim(&[Fault::DiskFull])) {
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        assert_only(&doc, &[("disk", "fail")], rig.name());
        let c = check(&doc, "disk");
        assert!(c["summary"].as_str().unwrap().contains("100%"), "{c}");
        assert!(
            c["hint"].as_str().unwrap().contains("docker system prune"),
            "{c}"
        );
    }
}

#[test]
fn a_wrong_sudo_password_fails_sudo_and_docker_and_is_never_shown() {
    for rig in Rig::both(|| sim_with(&[], |c| c.board.sudo_password = Some("s3cret".into()))) {
        let env = [("X8CTL_SUDO_PASSWORD", "wrong-pw")];
        let (code, doc) = rig.doctor_env(&[], &env);
        assert_eq!(code, 5);
        // Over the X8's adbd fio has no docker group (REB 1.5): docker needs sudo too.
        assert_only(
            &doc,
            &[("sudo", "fail"), ("docker", "fail"), ("containers", "skip")],
            rig.name(),
        );
        let d = check(&doc, "docker");
        assert!(
            d["summary"]
                .as_str()
                .unwrap()
                .contains("docker needs sudo over adb"),
            "{d}"
        );
        let c = check(&doc, "sudo");
        assert!(
            c["hint"].as_str().unwrap().contains("X8CTL_SUDO_PASSWORD"),
            "{c}"
        );
        let (_, out, err) = rig.run_env(&["doctor"], &env);
        assert!(!out.contains("wrong-pw") && !err.contains("wrong-pw"));
        // The right one works, says which, and is not printed either.
        let env = [("X8CTL_SUDO_PASSWORD", "s3cret")];
        let (code, out, err) = rig.run_env(&["doctor", "--json"], &env);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("configured password"), "{out}");
        assert!(!out.contains("s3cret") && !err.contains("s3cret"));
    }
}

#[test]
fn warnings_pass_unless_strict() {
    let rig = Rig::direct(sim_with(&[], |c| c.board.image_version = 700));
    let (code, doc) = rig.doctor();
    assert_eq!(code, 0, "{doc}");
    assert_only(&doc, &[("x8", "warn")], "direct");
    assert!(
        check(&doc, "x8")["summary"]
            .as_str()
            .unwrap()
            .contains("deprecated")
    );
    let (code, doc) = rig.doctor_env(&["--strict"], &[]);
    assert_eq!(code, 5);
    assert_eq!(doc["ok"], false);
}

#[test]
fn no_board_fails_adb_and_skips_the_rest() {
    let port = free_port();
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"));
    c.args([
        "--connect",
        &format!("127.0.0.1:{port}"),
        "doctor",
        "--json",
    ])
    .env("NO_COLOR", "1");
    let (code, out, _) = run(c);
    assert_eq!(code, 5);
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(check(&doc, "adb")["status"], "fail");
    assert!(check(&doc, "adb")["hint"].as_str().unwrap().len() > 10);
    assert_eq!(doc["summary"]["skip"], 12);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn a_crash_looping_app_on_a_newer_python_is_recognised() {
    for rig in Rig::both(|| sim(&[])) {
        // An app like python-rpc-sensors on python:3-alpine, where msgpack-rpc-python cannot
        // import (facts: §1.6); the board's own shell builds and starts it.
        let app = board_path(&rig.sim, "/home/fio/app");
        std::fs::create_dir_all(app.join("python")).unwrap();
        std::fs::write(
            app.join("Dockerfile"),
            "FROM python:3-alpine\nWORKDIR /app/python\nCOPY python/ /app/python/\nRUN pip install msgpack-rpc-python\nCMD [\"python\", \"-u\", \"main.py\"]\n",
        )
        .unwrap();
        std::fs::write(
            app.join("python/main.py"),
            "from msgpackrpc import Address as RpcAddress, Client as RpcClient\nprint(RpcClient(RpcAddress('m4-proxy', 5001)).call('temperature'))\n",
        )
        .unwrap();
        let (code, _, err) = rig.run_env(
            // As root: over adb fio has no docker group (REB 1.5).
            &["shell", "--root", "cd app && docker build -q . -t app && docker run -d --name app --restart unless-stopped app"],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        // The real program crashes at import; Docker restarts it with its back-off.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let (_, n, _) = rig.run_env(
                &[
                    "shell",
                    "--root",
                    "docker inspect -f '{{.RestartCount}}' app",
                ],
                &[],
            );
            if n.trim().parse::<u32>().unwrap_or(0) >= 3 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no crash loop: {n}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5, "{}: {doc}", rig.name());
        assert_only(&doc, &[("containers", "fail")], rig.name());
        let c = check(&doc, "containers");
        assert!(
            c.get("fix").is_none(),
            "rebuilding an app is not an automatic fix: {c}"
        );
        let text = c.to_string();
        assert!(text.contains("backports"), "{}: {text}", rig.name());
        assert!(
            text.contains("python:3.11-alpine"),
            "{}: {text}",
            rig.name()
        );
    }
}

#[test]
fn unloaded_modules_fail_and_skip_the_chain_after_them_and_fix_reloads_them() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, out, err) = rig.run_env(
            &["shell", "--root", "/usr/arduino/extra/unload_modules.sh"],
            &[],
        );
        assert_eq!(code, 0, "{out}\n{err}");
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        assert_only(
            &doc,
            &[
                ("x8h7-modules", "fail"),
                ("h7-firmware", "skip"),
                ("x8h7-ui", "skip"),
                ("m4-proxy", "skip"),
                ("rpc", "skip"),
            ],
            rig.name(),
        );
        let c = check(&doc, "x8h7-modules");
        assert!(c["summary"].as_str().unwrap().contains("x8h7_ui"), "{c}");
        assert!(
            c["fix"]["command"]
                .as_str()
                .unwrap()
                .contains("load_modules"),
            "{c}"
        );
        let (code, doc) = rig.doctor_env(&["--fix", "--yes"], &[]);
        assert_eq!(code, 0, "{doc}");
        assert_only(&doc["after"], &[], rig.name());
    }
}

#[test]
fn an_h7_that_does_not_boot_fails_the_firmware_check_and_fix_reprograms_it() {
    for rig in Rig::both(|| sim(&[Fault::VerifyFail])) {
        // A new image whose verification fails: the H7 no longer boots.
        let bin = board_path(
            &rig.sim,
            "/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
        );
        std::fs::write(&bin, virtual_x8::fwimage::make_image("0.0.4")).unwrap();
        let (code, out, err) =
            rig.run_env(&["shell", "--root", "/usr/arduino/extra/program.sh"], &[]);
        assert_eq!(code, 0, "program.sh always exits 0: {out}\n{err}");
        assert!(out.contains("Verify Failed"), "{out}");
        let (code, doc) = rig.doctor();
        assert_eq!(code, 5);
        // The RPC check is not run without a method; the H7 check finds the fault.
        assert_only(&doc, &[("h7-firmware", "fail")], rig.name());
        let c = check(&doc, "h7-firmware");
        assert!(
            c["summary"].as_str().unwrap().contains("does not report"),
            "{c}"
        );
        assert!(c["fix"]["command"].as_str().unwrap().contains("program.sh"));
        // With a working programmer, --fix flashes the installed file again.
        rig.sim.board().faults().set(Fault::VerifyFail, false);
        let (code, doc) = rig.doctor_env(&["--fix", "--yes"], &[]);
        assert_eq!(code, 0, "{doc}");
        // 0.0.4 runs now: older than the latest release, and on image 861 the known RPC
        // regression (forum t/1286747) is flagged too.
        assert_only(
            &doc["after"],
            &[("h7-firmware", "warn"), ("x8", "warn")],
            rig.name(),
        );
        let c = check(&doc["after"], "h7-firmware");
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .contains("older than the latest release 0.0.5"),
            "{c}"
        );
    }
}

// Debian's adb server (the tests' only one) runs on Unix-like systems.
#[cfg(unix)]
#[test]
fn an_unauthorised_board_fails_the_board_check_with_what_to_do() {
    let board = sim(&[Fault::Unauthorized]);
    let adb = AdbServer::start();
    let serial = board.addr().to_string();
    let _ = adb.adb(&["connect", &serial]);
    let deadline = Instant::now() + std::time::Duration::from_secs(15);
    while !String::from_utf8_lossy(&adb.adb(&["devices"]).stdout)
        .lines()
        .any(|l| l.starts_with(&serial) && l.contains("unauthorized"))
    {
        assert!(Instant::now() < deadline, "adb never showed unauthorized");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut c = adb.x8ctl();
    c.args(["doctor", "--json"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 5, "{out}\n{err}");
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(check(&doc, "adb")["status"], "ok");
    let b = check(&doc, "board");
    assert_eq!(b["status"], "fail", "{b}");
    assert!(
        b["summary"].as_str().unwrap().contains("unauthorized"),
        "{b}"
    );
    assert!(b["hint"].as_str().unwrap().contains("adb key"), "{b}");
    assert_eq!(doc["summary"]["skip"], 11);
}
