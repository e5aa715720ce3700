//! Talking to boards through Debian's adb server (private port) and through --connect
//! (issue: talking to boards).
// Everywhere: over --connect on every platform; through the adb server where Debian's runs
// (x8-testkit's Rig::both). Tests of Unix file modes are Unix's.

mod common;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use common::*;
use virtual_x8::{Fault, Sim};
use x8ctl_core::board::select::Choice;
use x8ctl_core::rpc::client::{CallOptions, CallOutcome, call_on_stream};

#[test]
fn devices_lists_the_board_with_its_identity() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, out, err) = rig.run(&["devices", "--json"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(doc["schema_version"], 1);
        let d = &doc["devices"][0];
        assert_eq!(d["state"], "device");
        assert_eq!(d["transport"], rig.name());
        assert_eq!(d["x8"], true);
        assert_eq!(d["identity"]["hostname"], "portenta-x8-2d16ba09dab6fad9");
        assert_eq!(d["identity"]["image_version"], 861);
        assert_eq!(d["identity"]["firmware_version"], "0.0.5");
        let (code, out, _) = rig.run(&["devices"]);
        assert_eq!(code, 0);
        assert!(
            out.contains("portenta-x8-2d16ba09dab6fad9") && out.contains("0.0.5"),
            "{out}"
        );
    }
}

#[test]
fn shell_exit_codes_and_output() {
    for rig in Rig::both(|| sim(&[])) {
        for (cmd, want) in [("true", 0), ("false", 1), ("exit 7", 7), ("nosuchcmd", 127)] {
            let (code, out, err) = rig.run(&["shell", cmd]);
            assert_eq!(code, want, "{}: {cmd}: {out} {err}", rig.name());
        }
        let (code, out, _) = rig.run(&["shell", "echo out; echo err >&2; exit 3"]);
        assert_eq!(code, 3);
        assert!(
            out.contains("out") && out.contains("err"),
            "stderr arrives (merged on the X8): {out}"
        );
        assert!(
            !out.contains("__X8RC"),
            "the status marker never reaches the user: {out}"
        );
        let (code, out, _) = rig.run(&["shell", "nosuchcmd"]);
        assert_eq!(code, 127);
        assert!(out.contains("nosuchcmd: command not found"), "{out}");
        // --json: one document with the status.
        let (code, out, _) = rig.run(&["--json", "shell", "printf abc; exit 4"]);
        assert_eq!(code, 4);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["exit_status"], 4);
        assert_eq!(doc["stdout"], "abc");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "board file names with characters no Windows file name holds (newline, backslash, quote)"
)]
fn hostile_names_arrive_literally() {
    for rig in Rig::both(|| sim(&[])) {
        let name = "a b;$(touch pwned)'\"`x`";
        let (code, _, err) = rig.run(&["shell", "touch", name]);
        assert_eq!(code, 0, "{err}");
        assert!(
            board_path(&rig.sim, &format!("/home/fio/{name}")).exists(),
            "{}",
            rig.name()
        );
        assert!(!board_path(&rig.sim, "/home/fio/pwned").exists());
        assert!(!board_path(&rig.sim, "/home/fio/x").exists());
        let (_, out, _) = rig.run(&["shell", "ls", name]);
        assert_eq!(out.trim(), name);
    }
}

#[test]
fn sudo_with_each_password_variant() {
    // (board's password, X8CTL_SUDO_PASSWORD given, works)
    let cases: [(Option<&str>, Option<&str>, bool); 5] = [
        (None, None, true),
        (Some("fio"), None, true),
        (Some(""), None, true),
        (Some("s3cret-Pw"), Some("s3cret-Pw"), true),
        (Some("s3cret-Pw"), Some("wrong-Pw"), false),
    ];
    for (board_pw, env_pw, works) in cases {
        let make = || {
            sim_with(&[], |c| {
                c.board.sudo_password = board_pw.map(str::to_string)
            })
        };
        for rig in Rig::both(make) {
            let mut c = rig.x8ctl();
            if let Some(p) = env_pw {
                c.env("X8CTL_SUDO_PASSWORD", p);
            }
            c.args(["shell", "--root", "id -u"]);
            let (code, out, err) = run(c);
            if works {
                assert_eq!(
                    (code, out.trim()),
                    (0, "0"),
                    "{board_pw:?} {}: {err}",
                    rig.name()
                );
            } else {
                assert_ne!(code, 0);
                assert!(
                    err.contains("sudo") && err.contains("X8CTL_SUDO_PASSWORD"),
                    "{err}"
                );
                for secret in ["s3cret-Pw", "wrong-Pw"] {
                    assert!(
                        !out.contains(secret) && !err.contains(secret),
                        "password leaked: {err}"
                    );
                }
            }
        }
    }
}

#[cfg(unix)]
fn make_tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let files: [(&str, u32, usize); 4] = [
        ("run.sh", 0o755, 300),
        ("secret.conf", 0o640, 1000),
        ("sub/data.bin", 0o600, 70_000),
        ("sub/deeper/readme.txt", 0o644, 10),
    ];
    for (i, (name, mode, len)) in files.iter().enumerate() {
        let p = root.join(name);
        std::fs::write(&p, pattern(*len, i as u32 + 1)).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000 + i as u64 * 1000),
        )
        .unwrap();
    }
}

#[cfg(unix)]
fn meta(p: &Path) -> (u32, u64, Vec<u8>) {
    let m = std::fs::metadata(p).unwrap();
    let mtime = m
        .modified()
        .unwrap()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (
        m.permissions().mode() & 0o7777,
        mtime,
        std::fs::read(p).unwrap(),
    )
}

// Unix file modes on the computer's side: Windows files have none.
#[cfg(unix)]
#[test]
fn folder_push_and_pull_keep_modes_and_mtimes() {
    for rig in Rig::both(|| sim(&[])) {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        make_tree(&app);
        let (code, _, err) = rig.run(&["push", app.to_str().unwrap(), "/home/fio/"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert!(err.contains("sha256 verified"), "{err}");
        for f in [
            "run.sh",
            "secret.conf",
            "sub/data.bin",
            "sub/deeper/readme.txt",
        ] {
            let ours = meta(&app.join(f));
            let theirs = meta(&board_path(&rig.sim, &format!("/home/fio/app/{f}")));
            assert_eq!(ours, theirs, "{}: {f} (mode, mtime, bytes)", rig.name());
        }
        assert!(board_path(&rig.sim, "/home/fio/app/empty").is_dir());
        // --sync: nothing changed, nothing sent; one file changed, one file sent.
        let (code, _, err) = rig.run(&[
            "--json",
            "push",
            "--sync",
            app.to_str().unwrap(),
            "/home/fio/",
        ]);
        assert_eq!(code, 0, "{err}");
        std::fs::write(app.join("sub/deeper/readme.txt"), b"changed").unwrap();
        let (code, out, _) = rig.run(&[
            "--json",
            "push",
            "--sync",
            app.to_str().unwrap(),
            "/home/fio/",
        ]);
        assert_eq!(code, 0);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["report"]["files_sent"], 1, "{out}");
        assert_eq!(doc["report"]["files_unchanged"], 3);
        // Pull it back.
        let back = dir.path().join("back");
        let (code, _, err) = rig.run(&["pull", "/home/fio/app", back.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        for f in [
            "run.sh",
            "secret.conf",
            "sub/data.bin",
            "sub/deeper/readme.txt",
        ] {
            assert_eq!(meta(&app.join(f)).0, meta(&back.join(f)).0, "mode of {f}");
            assert_eq!(meta(&app.join(f)).2, meta(&back.join(f)).2, "bytes of {f}");
        }
        assert_eq!(
            meta(&app.join("run.sh")).1,
            meta(&back.join("run.sh")).1,
            "mtime"
        );
    }
}

#[test]
fn pulling_a_folder_follows_symlinks_as_adb_does() {
    for rig in Rig::both(|| sim(&[])) {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("extra");
        let (code, _, err) = rig.run(&["pull", "/usr/arduino/extra", dest.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        let bin = std::fs::read(dest.join("STM32H747AII6_CM7.bin")).unwrap();
        assert_eq!(
            virtual_x8::fwimage::version_of(&bin).as_deref(),
            Some("0.0.5")
        );
    }
}

// Debian's adb and Unix file modes.
#[cfg(unix)]
#[test]
fn plain_adb_push_loses_modes_which_x8ctl_puts_back() {
    // What the X8's adbd does to modes, seen with adb itself: 0640 becomes 0666.
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("secret.conf");
    std::fs::write(&f, b"x").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = adb.adb(&[
        "-s",
        &serial,
        "push",
        f.to_str().unwrap(),
        "/home/fio/secret.conf",
    ]);
    assert!(out.status.success());
    assert_eq!(meta(&board_path(&sim, "/home/fio/secret.conf")).0, 0o666);
    let mut c = adb.x8ctl();
    c.args(["push", f.to_str().unwrap(), "/home/fio/secret.conf"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(meta(&board_path(&sim, "/home/fio/secret.conf")).0, 0o640);
}

#[test]
fn a_connection_to_port_5001_reaches_the_m4() {
    for rig in Rig::both(|| sim(&[])) {
        let session = rig.session();
        let board = session.choose(None, Choice::NonInteractive).unwrap();
        let mut s = board.connect_port(5001).unwrap();
        s.set_read_timeout_to(Some(Duration::from_secs(3)));
        match call_on_stream(&mut s, "temperature", vec![], &CallOptions::default()) {
            CallOutcome::Answered { result, .. } => assert_eq!(result.as_u64(), Some(100)),
            other => panic!("{}: {other:?}", rig.name()),
        }
        assert!(board.connect_port(5999).is_err(), "nothing listens on 5999");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn forward_through_the_server_has_adbs_argument_order() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let server = x8ctl_core::board::server::AdbServer {
        addr: format!("127.0.0.1:{}", adb.port).parse().unwrap(),
        adb_path: None,
    };
    let port = free_port();
    server
        .forward(&serial, &format!("tcp:{port}"), "tcp:5001")
        .unwrap();
    let list = String::from_utf8_lossy(&adb.adb(&["forward", "--list"]).stdout).to_string();
    assert!(
        list.contains(&format!("{serial} tcp:{port} tcp:5001")),
        "{list}"
    );
    assert_eq!(
        server.list_forward(&serial).unwrap(),
        vec![(format!("tcp:{port}"), "tcp:5001".to_string())]
    );
    let out = x8ctl_core::rpc::client::call(
        format!("127.0.0.1:{port}").parse().unwrap(),
        "pressure",
        vec![],
        &CallOptions::default(),
    );
    assert_eq!(out.result().and_then(|v| v.as_u64()), Some(300));
    server
        .forward_remove(&serial, &format!("tcp:{port}"))
        .unwrap();
}

#[test]
fn push_cut_ends_with_a_clear_error_in_bounded_time() {
    for rig in Rig::both(|| sim(&[Fault::PushCut])) {
        std::fs::write(board_path(&rig.sim, "/home/fio/fw.bin"), "the old one\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("fw.bin");
        std::fs::write(&f, pattern(300_000, 9)).unwrap();
        let started = Instant::now();
        let (code, _, err) = rig.run(&["push", f.to_str().unwrap(), "/home/fio/fw.bin"]);
        let took = started.elapsed();
        assert_ne!(code, 0, "{}", rig.name());
        assert!(
            took < Duration::from_secs(30),
            "{}: took {took:?}",
            rig.name()
        );
        assert!(
            err.contains("went away") || err.contains("lost") || err.contains("closed"),
            "{}: {err}",
            rig.name()
        );
        // The X8's adbd writes in place under the name it is given (REB 1.6): x8ctl sends
        // under a temporary name, so the file pushed over is untouched (issue 14, 22).
        let kept = std::fs::read(board_path(&rig.sim, "/home/fio/fw.bin")).unwrap();
        assert_eq!(kept, b"the old one\n", "{}", rig.name());
        assert!(err.contains("unchanged"), "{}: {err}", rig.name());
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn several_boards_need_a_choice_without_a_terminal() {
    let a = sim_with(&[], |c| c.board.serial = "AAAA0001".into());
    let b = sim_with(&[], |c| c.board.serial = "BBBB0002".into());
    let adb = AdbServer::start();
    let sa = adb.connect(&a);
    let sb = adb.connect(&b);
    let mut c = adb.x8ctl();
    c.args(["shell", "hostname"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&sa) && err.contains(&sb) && err.contains("-s SERIAL"),
        "{err}"
    );
    let mut c = adb.x8ctl();
    c.args(["-s", &sb, "shell", "hostname"]);
    let (code, out, _) = run(c);
    assert_eq!((code, out.trim()), (0, "portenta-x8-bbbb0002"));
    let mut c = adb.x8ctl();
    c.env("ANDROID_SERIAL", &sa).args(["shell", "hostname"]);
    let (code, out, _) = run(c);
    assert_eq!((code, out.trim()), (0, "portenta-x8-aaaa0001"));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn no_board_and_no_adb_are_explained() {
    let adb = AdbServer::start();
    let mut c = adb.x8ctl();
    c.args(["shell", "true"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no Portenta X8 is attached") && err.contains("hint:"),
        "{err}"
    );
    let mut c = adb.x8ctl();
    c.env("PATH", "/nonexistent")
        .env("ANDROID_ADB_SERVER_PORT", free_port().to_string());
    c.args(["devices"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no adb executable") && err.contains("apt install adb"),
        "{err}"
    );
    let dead = format!("127.0.0.1:{}", free_port());
    let (code, _, err) = run({
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"));
        c.args(["--connect", &dead, "devices"]);
        c
    });
    assert_eq!(code, 3);
    assert!(err.contains("cannot connect"), "{err}");
}

/// `adb connect` without waiting for the device to come online; then the state adb shows.
fn connect_and_wait_for_state(adb: &AdbServer, sim: &Sim, want: &str) -> String {
    let serial = sim.addr().to_string();
    let _ = adb.adb(&["connect", &serial]);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let list = String::from_utf8_lossy(&adb.adb(&["devices"]).stdout).to_string();
        if list
            .lines()
            .any(|l| l.starts_with(&serial) && l.contains(want))
        {
            return serial;
        }
        assert!(Instant::now() < deadline, "adb never showed {want}: {list}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn unauthorised_and_offline_boards_are_reported_with_what_to_do() {
    for (fault, state) in [
        (Fault::Unauthorized, "unauthorized"),
        (Fault::Offline, "offline"),
    ] {
        let board = sim(&[fault]);
        let adb = AdbServer::start();
        let serial = connect_and_wait_for_state(&adb, &board, state);
        let mut c = adb.x8ctl();
        c.args(["--json", "devices"]);
        let (code, out, _) = run(c);
        assert_eq!(code, 0);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let d = &doc["devices"][0];
        assert_eq!(d["serial"], serial.as_str());
        assert_eq!(d["state"], state);
        assert!(d["hint"].as_str().unwrap_or("").len() > 20, "{d}");
        let mut c = adb.x8ctl();
        c.args(["shell", "true"]);
        let (code, _, err) = run(c);
        assert_eq!(code, 4, "{state}: {err}");
        assert!(err.contains(state) && err.contains("hint:"), "{err}");
    }
}

#[test]
fn interactive_shell_over_both_paths() {
    for rig in Rig::both(|| sim(&[])) {
        let mut c = rig.x8ctl();
        c.arg("shell")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"cd /tmp\npwd\nexit\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("fio@portenta-x8-2d16ba09dab6fad9"),
            "{}: {text}",
            rig.name()
        );
        assert!(text.contains("/tmp"), "{}: {text}", rig.name());
    }
}

#[test]
fn a_board_that_vanishes_mid_command_ends_it_in_bounded_time() {
    for rig in Rig::both(|| sim(&[])) {
        let session = rig.session();
        let board = session.choose(None, Choice::NonInteractive).unwrap();
        let started = Instant::now();
        let cmd = x8ctl_core::board::cmd::Cmd::fixed("echo started; sleep 20; echo late");
        let worker = std::thread::spawn(move || board.run(&cmd, None));
        std::thread::sleep(Duration::from_millis(400));
        rig.sim.drop_connections();
        let result = worker.join().unwrap();
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(8),
            "{}: took {took:?}",
            rig.name()
        );
        match result {
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("went away") || text.contains("lost"),
                    "{}: {text}",
                    rig.name()
                );
            }
            Ok(out) => panic!("{}: the command cannot have finished: {out:?}", rig.name()),
        }
        drop(session);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn several_boards_on_a_terminal_get_a_picker() {
    let a = sim_with(&[], |c| c.board.serial = "AAAA0001".into());
    let b = sim_with(&[], |c| c.board.serial = "BBBB0002".into());
    let adb = AdbServer::start();
    adb.connect(&a);
    adb.connect(&b);
    // util-linux's `script` gives x8ctl a real terminal; the keys go through it.
    let mut child = std::process::Command::new("script")
        .args([
            "-qfec",
            &format!("{} shell hostname", env!("CARGO_BIN_EXE_x8ctl")),
            "/dev/null",
        ])
        .env("HOME", adb.home())
        .env("ANDROID_ADB_SERVER_PORT", adb.port.to_string())
        .env_remove("ANDROID_SERIAL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut keys = child.stdin.take().unwrap();
    use std::io::Write;
    std::thread::sleep(Duration::from_millis(1500));
    keys.write_all(b"\x1b[B").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    keys.write_all(b"\r").unwrap();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    drop(keys);
    assert!(started.elapsed() < Duration::from_secs(20));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("which one?"), "{text}");
    assert!(
        text.contains("portenta-x8-aaaa0001") || text.contains("portenta-x8-bbbb0002"),
        "{text}"
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn the_config_file_gives_defaults_that_flags_and_env_override() {
    let a = sim_with(&[], |c| c.board.serial = "AAAA0001".into());
    let b = sim_with(&[], |c| {
        c.board.serial = "BBBB0002".into();
        c.board.sudo_password = Some("from-a-command".into());
    });
    let adb = AdbServer::start();
    let sa = adb.connect(&a);
    let sb = adb.connect(&b);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("x8ctl.toml");
    let cache = dir.path().join("cache-from-file");
    std::fs::write(
        &cfg,
        format!(
            "serial = \"{sb}\"\nsudo_password_command = \"printf from-a-command\"\ncache_dir = {:?}\n",
            cache.display().to_string()
        ),
    )
    .unwrap();
    let with_cfg = |args: &[&str], serial_env: Option<&str>| {
        let mut c = adb.x8ctl();
        c.env("X8CTL_CONFIG", &cfg).args(args);
        if let Some(s) = serial_env {
            c.env("ANDROID_SERIAL", s);
        }
        run(c)
    };
    // The file picks the board, and its password command gives sudo the password.
    let (code, out, err) = with_cfg(&["shell", "--root", "hostname; id -u"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "portenta-x8-bbbb0002\n0\n");
    assert!(!out.contains("from-a-command") && !err.contains("from-a-command"));
    // The environment beats the file, a flag beats both.
    let (_, out, _) = with_cfg(&["shell", "hostname"], Some(&sa));
    assert_eq!(out.trim(), "portenta-x8-aaaa0001");
    let (_, out, _) = with_cfg(&["-s", &sb, "shell", "hostname"], Some(&sa));
    assert_eq!(out.trim(), "portenta-x8-bbbb0002");
    let (code, out, _) = with_cfg(&["--json", "config"], Some(&sa));
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["settings"]["serial"]["source"], "environment");
    assert_eq!(doc["settings"]["sudo_password"]["source"], "file");
    // The adb server the commands use: adb's own ANDROID_ADB_SERVER_PORT.
    assert_eq!(doc["settings"]["adb_server"]["source"], "environment");
    assert_eq!(
        doc["settings"]["adb_server"]["value"],
        format!("127.0.0.1:{}", adb.port)
    );
    // The cache folder: the file's, unless X8CTL_CACHE_DIR says otherwise.
    assert_eq!(doc["settings"]["cache_dir"]["source"], "file");
    assert_eq!(
        doc["settings"]["cache_dir"]["value"],
        cache.display().to_string()
    );
    let (code, out, _) = with_cfg(&["--json", "cache", "list"], None);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["path"], cache.display().to_string());
    let mut c = adb.x8ctl();
    c.env("X8CTL_CONFIG", &cfg)
        .env("X8CTL_CACHE_DIR", dir.path().join("env-cache"))
        .args(["--json", "cache", "list"]);
    let (_, out, _) = run(c);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["path"],
        dir.path().join("env-cache").display().to_string()
    );
    // A typo in the file is an error that names it.
    std::fs::write(&cfg, "serail = \"x\"\n").unwrap();
    let (code, _, err) = with_cfg(&["devices"], None);
    assert_eq!(code, 1);
    assert!(err.contains("serail") && err.contains("hint:"), "{err}");
}

/// The config file's password command: its quoted words stay whole, it runs only when sudo
/// asks for a password, and a wrong password is blamed on it, not on X8CTL_SUDO_PASSWORD.
#[cfg(unix)]
#[test]
fn the_password_command_runs_only_when_needed_and_is_named_when_wrong() {
    let sim = sim_with(&[], |c| c.board.sudo_password = Some("right one".into()));
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let cfg = dir.path().join("x8ctl.toml");
    let write_cfg = |pw: &str| {
        std::fs::write(
            &cfg,
            format!(
                "sudo_password_command = '''sh -c 'touch \"$0\"; printf \"%s\\n\" \"$1\"' {} '{pw}' '''\n",
                marker.display()
            ),
        )
        .unwrap();
    };
    let x8 = |args: &[&str]| {
        let mut c = x8ctl_direct(&sim);
        c.env("X8CTL_CONFIG", &cfg).args(args);
        run(c)
    };
    write_cfg("right one");
    let (code, _, err) = x8(&["shell", "true"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !marker.exists(),
        "the command ran for a command that needs no sudo"
    );
    let (code, out, err) = x8(&["shell", "--root", "id -u"]);
    assert_eq!((code, out.trim()), (0, "0"), "{err}");
    assert!(marker.exists());

    write_cfg("wrong one");
    let (code, _, err) = x8(&["shell", "--root", "true"]);
    assert_ne!(code, 0);
    let message = err.lines().next().unwrap_or("");
    assert!(
        message.contains("the password from sudo_password_command"),
        "{err}"
    );
    assert!(!message.contains("X8CTL_SUDO_PASSWORD"), "{err}");
    assert!(
        !err.contains("wrong one") && !err.contains("right one"),
        "{err}"
    );
}

/// `x8ctl shell` without a command, stdin piped: writes `input`, returns (exit code, stdout).
fn interactive_run(rig: &Rig, args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut c = rig.x8ctl();
    c.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 14 item 17: the interactive shell's exit status is x8ctl's (it was always 0), and
/// `shell --root` without a command is root's shell (it was fio's), on both paths; the
/// password never shows.
#[test]
fn the_interactive_shell_exits_with_its_status_and_root_is_root() {
    for rig in Rig::both(|| sim(&[])) {
        let n = rig.name();
        let (code, out, err) = interactive_run(&rig, &["shell"], b"id -un\nexit 3\n");
        assert_eq!(code, 3, "{n}: {out} / {err}");
        assert!(out.contains("fio@"), "{n}: {out}");
        let (code, out, err) = interactive_run(&rig, &["shell"], b"true\n");
        assert_eq!(code, 0, "{n}: {out} / {err}");
        let (code, out, err) =
            interactive_run(&rig, &["shell", "--root"], b"id -u\nwhoami\nexit 4\n");
        assert_eq!(code, 4, "{n}: {out} / {err}");
        assert!(out.contains("root@"), "{n}: no root prompt: {out}");
        // whoami's answer (after the typed-ahead lines' echo, maybe after a prompt).
        assert!(
            out.lines()
                .any(|l| l.trim_end_matches('\r').ends_with("root") && !l.contains("whoami")),
            "{n}: {out}"
        );
        assert!(
            !out.contains("x8ctl-sudo-"),
            "{n}: sudo's prompt shows: {out}"
        );
        // The image default of older images is 'fio': it must not show.
        assert!(
            !out.lines().any(|l| l.trim() == "fio"),
            "{n}: the password shows: {out:?}"
        );
        // Nothing left behind in /tmp.
        let left: Vec<_> = std::fs::read_dir(board_path(&rig.sim, "/tmp"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .contains("x8ctl-shell-status")
            })
            .collect();
        assert!(left.is_empty(), "{n}: {left:?}");
    }
}

/// The interactive shell on a terminal (a pseudo-terminal made by Python's `pty`): x8ctl
/// puts the terminal in raw mode, so what is typed is echoed once (by the board), Ctrl-C
/// reaches the board instead of ending x8ctl, and x8ctl exits with the shell's status.
#[cfg(unix)]
#[test]
fn the_interactive_shell_on_a_terminal_is_raw_and_exits_with_its_status() {
    let driver = r#"
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def pump(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
def until(s, t):
    end = time.time() + t
    while s not in out and time.time() < end:
        pump(0.1)
until(b"$ ", 20)
os.write(fd, b"whoami\r"); until(b"fio\r\n", 10); pump(0.3)
os.write(fd, b"\x03"); pump(0.5)
os.write(fd, b"exit 7\r")
end = time.time() + 20
code = None
while time.time() < end:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        code = os.waitstatus_to_exitcode(st)
        break
    pump(0.1)
if code is None:
    os.kill(pid, 9)
sys.stdout.write(repr(out) + "\n" + str(code) + "\n")
"#;
    for rig in Rig::both(|| sim(&[])) {
        let base = rig.x8ctl();
        let mut c = std::process::Command::new("python3");
        c.arg("-c").arg(driver).arg(x8ctl_exe());
        for a in base.get_args() {
            c.arg(a);
        }
        c.arg("shell");
        for (k, v) in base.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        let (_, out, err) = run(c);
        let n = rig.name();
        let mut lines = out.lines();
        let seen = lines.next().unwrap_or("");
        let code = lines.next().unwrap_or("");
        assert_eq!(code, "7", "{n}: {out} / {err}");
        assert_eq!(
            seen.matches("whoami").count(),
            1,
            "{n}: echoed twice: {seen}"
        );
        assert!(seen.contains("fio\\r\\n"), "{n}: {seen}");
    }
}
