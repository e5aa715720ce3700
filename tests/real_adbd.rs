//! x8ctl on the X8's real adbd (issue 10): the virtual X8 behaves as the board's
//! android-tools 5.1.1 adbd does (`real-board-evidence.md` §1, "REB"), and x8ctl works on
//! it, through Debian's adb server and direct.

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use x8_testkit::{AdbServer, Rig, board_path, run, sim, sim_with, x8ctl_direct};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Run with `input` on stdin; (status, stdout bytes, stderr, how long).
fn run_input(mut c: std::process::Command, input: &[u8]) -> (i32, Vec<u8>, String, Duration) {
    let started = Instant::now();
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    let _ = feeder.join();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn one_x8_with_an_empty_banner_needs_no_serial() {
    for rig in Rig::both(|| sim(&[])) {
        // The banner says nothing (REB 1.1): adb lists no model.
        if let Some(adb) = &rig.adb {
            let l = String::from_utf8_lossy(&adb.adb(&["devices", "-l"]).stdout).to_string();
            assert!(!l.contains("model:"), "{l}");
        }
        let (code, out, err) = rig.run(&["shell", "hostname"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert_eq!(out, "portenta-x8-2d16ba09dab6fad9\n", "{}", rig.name());
        let (code, doc, _) = rig.json(&["devices"]);
        assert_eq!(code, 0);
        assert_eq!(doc["devices"][0]["x8"], true, "{}: {doc}", rig.name());
    }
}

#[test]
fn shell_output_is_exact_and_binary_safe() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, doc, _) = rig.json(&["shell", "echo hi; exit 3"]);
        assert_eq!(code, 3);
        assert_eq!(doc["stdout"], "hi\n", "{}: {doc}", rig.name());
        assert_eq!(doc["exit_status"], 3);
        // 100000 random bytes from the board, piped into sha256 here, equal the board's
        // own sha256sum of the same bytes.
        let (code, _, err) = rig.run(&["shell", "head -c 100000 /dev/urandom > /tmp/r.bin"]);
        assert_eq!(code, 0, "{err}");
        let mut c = rig.x8ctl();
        c.args(["shell", "cat /tmp/r.bin"]);
        let out = c.output().unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len(), 100_000, "{}", rig.name());
        let (_, theirs, _) = rig.run(&["shell", "sha256sum /tmp/r.bin"]);
        assert_eq!(
            theirs.split_whitespace().next().unwrap(),
            hex(&Sha256::digest(&out.stdout)),
            "{}",
            rig.name()
        );
        let mut c = rig.x8ctl();
        c.args(["shell", "head -c 100000 /dev/urandom"]);
        assert_eq!(c.output().unwrap().stdout.len(), 100_000);
    }
}

#[test]
fn piped_stdin_reaches_the_command_with_its_end_and_no_stdin_is_closed() {
    for rig in Rig::both(|| sim(&[])) {
        let mut c = rig.x8ctl();
        c.args(["shell", "cat"]);
        let (code, out, err, took) = run_input(c, b"x\ny\n");
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert_eq!(out, b"x\ny\n", "{}", rig.name());
        assert!(took < Duration::from_secs(10));
        // Binary input, framed: exactly these bytes and their end.
        let data = x8_testkit::pattern(70_000, 5);
        let mut c = rig.x8ctl();
        c.args(["shell", "sha256sum"]);
        let (code, out, _, _) = run_input(c, &data);
        assert_eq!(code, 0);
        assert!(
            String::from_utf8_lossy(&out).starts_with(&hex(&Sha256::digest(&data))),
            "{}",
            rig.name()
        );
        // stdin as root too (sudo's password goes first on the same stdin).
        let mut c = rig.x8ctl();
        c.args(["shell", "--root", "cat > /tmp/by-root; id -u"]);
        let (code, out, err, _) = run_input(c, b"abc");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, b"0\n");
        assert_eq!(
            std::fs::read(board_path(&rig.sim, "/tmp/by-root")).unwrap(),
            b"abc"
        );
        // No stdin: </dev/null, the command ends at once.
        let started = Instant::now();
        let mut c = rig.x8ctl();
        c.args(["shell", "cat"]).stdin(Stdio::null());
        let (code, out, err) = run(c);
        assert_eq!((code, out.as_str()), (0, ""), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn pagers_wait_on_adbs_pty_but_never_in_x8ctl() {
    let board = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&board);
    // Debian's adb: `shell:` runs on a PTY, systemctl status pages and waits (REB 1.2).
    let mut child = adb
        .command()
        .args(["-s", &serial, "shell", "systemctl status m4-proxy"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "the pager waits");
    let _ = child.kill();
    let mut text = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut text);
    let _ = child.wait();
    assert!(text.contains("Press RETURN"), "{text:?}");
    // x8ctl: the same command runs to its end.
    let mut c = adb.x8ctl();
    c.args([
        "shell",
        "systemctl status m4-proxy; journalctl -u m4-proxy | tail -1",
    ]);
    let started = Instant::now();
    let (code, out, _) = run(c);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("m4-proxy.service") && !out.contains("RETURN") && !out.contains('\r'));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_5000_byte_command_leaves_the_server_and_the_board_connected() {
    for rig in Rig::both(|| sim(&[])) {
        let cmd = format!("echo {} | wc -c", "a".repeat(5000));
        let (code, out, err) = rig.run(&["shell", &cmd]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert_eq!(out.trim(), "5001", "{}", rig.name());
        // The same with piped input cannot go as a script: a clear error, nothing sent.
        let mut c = rig.x8ctl();
        c.args(["shell", &cmd]);
        let (code, _, err, _) = run_input(c, b"data");
        assert_ne!(code, 0);
        assert!(
            err.contains("4096") && err.contains("nothing was sent"),
            "{err}"
        );
        // Still connected.
        if let Some(adb) = &rig.adb {
            let l = String::from_utf8_lossy(&adb.adb(&["devices"]).stdout).to_string();
            assert!(
                l.contains(&rig.sim.addr().to_string()) && l.contains("device"),
                "{l}"
            );
        }
        let (code, out, _) = rig.run(&["shell", "echo still"]);
        assert_eq!((code, out.as_str()), (0, "still\n"), "{}", rig.name());
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn connect_while_the_server_holds_the_board_fails_fast_and_names_the_way_out() {
    let board = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&board);
    let mut c = x8ctl_direct(&board);
    c.env("ANDROID_ADB_SERVER_PORT", adb.port.to_string())
        .args(["shell", "true"]);
    let started = Instant::now();
    let (code, _, err) = run(c);
    let took = started.elapsed();
    assert_eq!(code, 4, "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(err.contains("held by another ADB client"), "{err}");
    assert!(err.contains(&format!("adb disconnect {serial}")), "{err}");
    assert!(err.contains(&format!("-s {serial}")), "{err}");
    assert!(!err.contains("offline"), "{err}");
}

#[test]
fn fifty_back_to_back_direct_runs_all_succeed() {
    let board = sim(&[]);
    for i in 0..50 {
        let mut c = x8ctl_direct(&board);
        c.args(["shell", "echo", &i.to_string()]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "run {i}: {err}");
        assert_eq!(out, format!("{i}\n"));
    }
}

#[test]
fn the_adb_shells_environment_is_the_real_ones() {
    let rig = Rig::direct(sim(&[]));
    let (_, out, _) = rig.run(&[
        "shell",
        "umask; id -G; echo \"[$HOME]\"; docker ps; sudo -n true || echo sudo-asks",
    ]);
    assert!(out.starts_with("0000\n1000 1003 1004 1007"), "{out}");
    assert!(out.contains("[]\n"), "{out}");
    assert!(
        out.contains("permission denied") && out.contains("docker.sock"),
        "{out}"
    );
    let (code, _, err) = rig.run(&["shell", "docker ps"]);
    assert_eq!(code, 1);
    assert!(err.contains("x8ctl shell --root"), "{err}");
    // The modern profile keeps the login environment.
    let modern = Rig::direct(sim_with(&[], |c| {
        c.adbd.profile = virtual_x8::adbd::Profile::Modern
    }));
    let (_, out, _) = modern.run(&[
        "shell",
        "umask; echo \"[$HOME]\"; docker ps >/dev/null && echo docker-ok",
    ]);
    assert_eq!(out, "0022\n[/home/fio]\ndocker-ok\n");
}

// Unix modes on the computer's side: Windows files have none to push or to give back.
#[cfg(unix)]
#[test]
fn pushed_folders_get_local_modes_and_pulled_links_their_targets() {
    use std::os::unix::fs::PermissionsExt;
    for rig in Rig::both(|| sim(&[])) {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir_all(app.join("sub")).unwrap();
        std::fs::write(app.join("sub/f.txt"), "x").unwrap();
        std::fs::set_permissions(app.join("sub"), std::fs::Permissions::from_mode(0o750)).unwrap();
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).unwrap();
        let (code, _, err) = rig.run(&["push", app.to_str().unwrap(), "/home/fio/"]);
        assert_eq!(code, 0, "{err}");
        let (_, out, _) = rig.run(&["shell", "stat -c %a /home/fio/app /home/fio/app/sub"]);
        assert_eq!(out, "755\n750\n", "{}", rig.name());
        // A link to a 0600 file pulls as a 0600 file of the target's size.
        let (code, _, err) = rig.run(&[
            "shell",
            "mkdir -p /home/fio/l && printf 12345 > /home/fio/l/t && chmod 600 /home/fio/l/t && ln -s t /home/fio/l/link",
        ]);
        assert_eq!(code, 0, "{err}");
        let local = dir.path().join("pulled");
        let (code, _, err) = rig.run(&["pull", "/home/fio/l", local.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let m = std::fs::metadata(local.join("link")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o600, "{}", rig.name());
        assert_eq!(m.len(), 5);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn doctor_and_deploy_work_when_docker_needs_sudo() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, doc, _) = rig.json(&["doctor"]);
        assert_eq!(code, 0, "{}: {doc}", rig.name());
        let d = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "docker")
            .unwrap();
        assert!(
            d["summary"]
                .as_str()
                .unwrap()
                .contains("docker needs sudo over adb"),
            "{d}"
        );
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("python-rpc-sensors");
        x8_testkit::sensors_app(&app, "python:3.11-alpine");
        let (code, out, err) = rig.run(&["deploy", app.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {out} {err}", rig.name());
        let (_, ps, _) = rig.run(&["shell", "--root", "docker ps --format '{{.Names}}'"]);
        assert!(ps.contains("python-rpc-sensors"), "{ps}");
    }
}

#[test]
fn doctor_says_when_sudo_is_not_installed() {
    let rig = Rig::direct(sim(&[]));
    std::fs::remove_file(board_path(&rig.sim, "/usr/bin/sudo")).unwrap();
    let (_, doc, _) = rig.json(&["doctor"]);
    let s = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "sudo")
        .unwrap();
    assert_eq!(s["summary"], "sudo is not installed on the board", "{s}");
}

#[test]
fn a_pull_permission_error_hints_about_reading() {
    let rig = Rig::direct(sim(&[]));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = rig.run(&["pull", "/root/secret", dir.path().to_str().unwrap()]);
    assert_ne!(code, 0);
    if err.contains("Permission denied") {
        assert!(err.contains("may not read"), "{err}");
    }
    let (code, _, err) = rig.run(&[
        "shell",
        "--root",
        "printf s > /home/root/s && chmod 600 /home/root/s && chmod 755 /home/root",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = rig.run(&["pull", "/home/root/s", dir.path().to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("may not read"), "{err}");
}

#[test]
fn devices_lists_an_adbd_that_wants_auth_as_unauthorized() {
    let board = sim(&[virtual_x8::Fault::Unauthorized]);
    let mut c = x8ctl_direct(&board);
    c.args(["--json", "devices"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["devices"][0]["state"], "unauthorized", "{doc}");
}
