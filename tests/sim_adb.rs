//! The virtual X8 through Debian's real adb client and server (issue: the virtual X8).
// Debian's adb client and server, which these tests are about, run on Unix.
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use adb_wire::packet::{self, A_CNXN, A_OPEN, A_WRTE, Packet, ReadLimits};
use common::*;
use virtual_x8::Fault;
use x8ctl_core::rpc::client::{CallOptions, CallOutcome, call};

#[test]
fn adb_shell_shows_the_boards_output() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    assert_eq!(
        adb.shell(&serial, "cat /etc/hostname").trim(),
        "portenta-x8-2d16ba09dab6fad9"
    );
    assert!(adb.shell(&serial, "id").contains("uid=1000(fio)"));
    assert_eq!(adb.shell(&serial, "pwd").trim(), "/home/fio");
    assert!(
        adb.shell(&serial, "cat /proc/device-tree/model")
            .contains("Portenta X8")
    );
    assert!(
        adb.shell(&serial, "grep IMAGE_VERSION /etc/os-release")
            .contains("IMAGE_VERSION=861")
    );
    assert_eq!(
        adb.shell(&serial, "cat /sys/kernel/x8h7_firmware/version")
            .trim(),
        "0.0.5"
    );
    // No shell_v2 on the X8: adb cannot see exit codes, and stderr comes merged; shell:
    // runs on a PTY, so lines end in CR LF (REB 1.2). exec: is raw.
    let out = adb.adb(&["-s", &serial, "shell", "echo out; echo err >&2; exit 3"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\r\nerr\r\n");
    let out = adb.adb(&["-s", &serial, "exec-out", "echo out; echo err >&2; exit 3"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\nerr\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        adb.shell(&serial, "nosuchcommand")
            .contains("nosuchcommand: command not found")
    );
    // adb devices -l shows what a real X8 shows: no product, model or device (REB 1.1).
    let devs = String::from_utf8_lossy(&adb.adb(&["devices", "-l"]).stdout).to_string();
    assert!(devs.contains(&serial), "{devs}");
    assert!(!devs.contains("model:"), "{devs}");
}

#[test]
fn five_megabytes_round_trip_byte_identical() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big.bin");
    let data = pattern(5 * 1024 * 1024 + 123, 7);
    std::fs::write(&src, &data).unwrap();
    let out = adb.adb(&[
        "-s",
        &serial,
        "push",
        src.to_str().unwrap(),
        "/home/fio/big.bin",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(board_path(&sim, "/home/fio/big.bin")).unwrap(),
        data
    );
    let back = dir.path().join("back.bin");
    let out = adb.adb(&[
        "-s",
        &serial,
        "pull",
        "/home/fio/big.bin",
        back.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&back).unwrap(), data);
    let sum = adb.shell(&serial, "sha256sum /home/fio/big.bin");
    assert!(
        sum.starts_with(&x8ctl_core::board::transfer::hex(&sha256(&data))),
        "{sum}"
    );
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(data).to_vec()
}

#[test]
fn a_folder_with_a_symlink_pulls_as_adb_expects() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("extra");
    let out = adb.adb(&[
        "-s",
        &serial,
        "pull",
        "/usr/arduino/extra",
        dest.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The firmware link points at a file: it arrives as that file, not as a folder.
    let bin = dest.join("STM32H747AII6_CM7.bin");
    assert!(bin.is_file(), "{bin:?}");
    assert_eq!(
        virtual_x8::fwimage::version_of(&std::fs::read(&bin).unwrap()).as_deref(),
        Some("0.0.5")
    );
    assert!(dest.join("program.sh").is_file());
}

#[test]
fn a_folder_pushes() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    std::fs::create_dir_all(app.join("python")).unwrap();
    std::fs::write(app.join("Dockerfile"), "FROM python:3.11-alpine\n").unwrap();
    std::fs::write(app.join("python/main.py"), "print('hi')\n").unwrap();
    let out = adb.adb(&["-s", &serial, "push", app.to_str().unwrap(), "/home/fio/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        adb.shell(&serial, "cat /home/fio/python-rpc-sensors/python/main.py"),
        "print('hi')\r\n"
    );
    // fio cannot write outside its home and /tmp: adb shows the board's words.
    let out = adb.adb(&[
        "-s",
        &serial,
        "push",
        app.join("Dockerfile").to_str().unwrap(),
        "/usr/x",
    ]);
    assert!(!out.status.success());
    // adb 29 prints push errors on stdout.
    let err =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Permission denied") || err.contains("Read-only"),
        "{err}"
    );
}

#[test]
fn adb_forward_reaches_m4_proxy() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let port = free_port();
    let out = adb.adb(&["-s", &serial, "forward", &format!("tcp:{port}"), "tcp:5001"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    for (method, want) in [
        ("temperature", 100),
        ("humidity", 200),
        ("gas", 400),
        ("altitude", 500),
    ] {
        match call(addr, method, vec![], &CallOptions::default()) {
            CallOutcome::Answered { result, .. } => {
                assert_eq!(result.as_u64(), Some(want), "{method}")
            }
            other => panic!("{method}: {other:?}"),
        }
    }
    let _ = adb.adb(&["-s", &serial, "forward", "--remove-all"]);
}

/// A raw host connection. The X8's adbd serves one host at a time and tears the previous
/// one down asynchronously (REB 1.3): a connection that lands meanwhile is never answered,
/// so try again as x8ctl does.
fn raw_connect(sim: &virtual_x8::Sim) -> (TcpStream, Packet) {
    let limits = ReadLimits {
        max_payload: 1 << 20,
        verify_checksum: true,
    };
    for _ in 0..5 {
        let mut s = TcpStream::connect(sim.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(1200)))
            .unwrap();
        Packet::new(A_CNXN, 0x0100_0000, 1024 * 1024, b"host::test\0".to_vec())
            .write_to(&mut s)
            .unwrap();
        if let Ok(Some(reply)) = packet::read_packet(&mut s, limits) {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            return (s, reply);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the sim never answered the handshake")
}

#[test]
fn the_4096_byte_limit_holds() {
    let sim = sim(&[]);
    let (mut s, cnxn) = raw_connect(&sim);
    assert_eq!(cnxn.command, A_CNXN);
    assert_eq!(
        cnxn.arg0, 0x0100_0000,
        "the X8's adbd speaks protocol 0x01000000"
    );
    assert_eq!(cnxn.arg1, 4096, "and announces a 4096-byte maximum payload");
    assert!(
        !cnxn.payload_str().contains("features="),
        "no features: no shell_v2"
    );
    // A 4097-byte packet drops the connection, as the X8's adbd does.
    Packet::new(A_WRTE, 1, 1, vec![b'x'; 4097])
        .write_to(&mut s)
        .unwrap();
    let mut buf = [0u8; 64];
    let started = Instant::now();
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "connection closed");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Exactly 4096 bytes is fine: an OPEN with a long service name still gets an answer.
    let (mut s, _) = raw_connect(&sim);
    let mut name = b"shell:echo ".to_vec();
    name.resize(4095, b'a');
    name.push(0);
    Packet::new(A_OPEN, 9, 0, name).write_to(&mut s).unwrap();
    let limits = ReadLimits {
        max_payload: 1 << 20,
        verify_checksum: true,
    };
    let p = packet::read_packet(&mut s, limits).unwrap().unwrap();
    assert_eq!(packet::command_name(p.command), "OKAY");
}

#[test]
fn garbage_on_the_wire_never_takes_the_sim_down() {
    let sim = sim(&[]);
    for junk in [
        vec![0u8; 24],
        b"CNXN\x00\x00\x00\x01".repeat(10),
        pattern(10_000, 3),
        Packet::new(A_CNXN, 1, 1, b"x".to_vec()).encode()[..20].to_vec(),
    ] {
        if let Ok(mut s) = TcpStream::connect(sim.addr()) {
            let _ = s.write_all(&junk);
            let _ = s.shutdown(std::net::Shutdown::Write);
            // The sim drops the connection; wait for that before the next one (one host at
            // a time).
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    }
    // A bad checksum drops the connection too.
    let (mut s, _) = raw_connect(&sim);
    let mut bytes = Packet::new(A_OPEN, 3, 0, b"shell:id\0".to_vec()).encode();
    bytes[16] ^= 0x55;
    s.write_all(&bytes).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(s.read(&mut buf).unwrap_or(0), 0);
    // And the board still answers.
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    assert!(adb.shell(&serial, "echo alive").contains("alive"));
}

#[test]
fn several_streams_at_once_on_one_connection() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let mut c = adb.command();
            c.args([
                "-s",
                &serial,
                "shell",
                &format!("sleep 0.3; echo stream{i}"),
            ]);
            std::thread::spawn(move || {
                String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
            })
        })
        .collect();
    let started = Instant::now();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap().trim(), format!("stream{i}"));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn interactive_adb_shell_session() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let mut child = adb
        .command()
        .args(["-s", &serial, "shell"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"cd /tmp\npwd\nexit\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fio@portenta-x8-2d16ba09dab6fad9"), "{text}");
    assert!(text.contains("/tmp"), "{text}");
}

#[test]
fn sim_binary_prints_its_address_first_and_stops_on_sigterm() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"))
        .args(["sim", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while stdout.read(&mut b).unwrap_or(0) == 1 && b[0] != b'\n' {
        line.push(b[0]);
    }
    let line = String::from_utf8(line).unwrap();
    let addr = line
        .strip_prefix("listening on ")
        .expect("first line")
        .to_string();
    let adb = AdbServer::start();
    let out = adb.adb(&["connect", &addr]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("connected"));
    let _ = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit on SIGTERM: {status:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "sim did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Fault::M4Silent;
}

#[test]
fn modern_profile_gives_adb_exit_codes_and_stderr() {
    let sim = sim_with(&[], |c| c.adbd.profile = virtual_x8::adbd::Profile::Modern);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let out = adb.adb(&["-s", &serial, "shell", "echo out; echo err >&2; exit 3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "shell_v2 carries the exit status"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    // x8ctl uses shell_v2 when the board has it: separate stderr, no marker.
    let mut c = adb.x8ctl();
    c.args(["--json", "shell", "echo out; echo err >&2; exit 5"]);
    let (code, stdout, _) = run(c);
    assert_eq!(code, 5);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["stdout"], "out\n");
    assert_eq!(doc["stderr"], "err\n");
    assert_eq!(doc["stderr_merged"], false);
}
