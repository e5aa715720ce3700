//! Every fault of the virtual X8, seen through Debian's adb as a user sees it on a real board.
// Debian's adb client and server, which these tests are about, run on Unix.
#![cfg(unix)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Fault;
use virtual_x8::fwimage::make_image;
use x8ctl_core::rpc::client::{CallOptions, CallOutcome, call};

/// `adb shell` as root through `echo fio | sudo -S`, as the tutorial does.
fn sudo(adb: &AdbServer, serial: &str, cmd: &str) -> String {
    adb.shell(
        serial,
        &format!("echo fio | sudo -S -p '' sh -c '{cmd}' 2>&1"),
    )
}

fn forward_5001(adb: &AdbServer, serial: &str) -> std::net::SocketAddr {
    let port = free_port();
    let out = adb.adb(&["-s", serial, "forward", &format!("tcp:{port}"), "tcp:5001"]);
    assert!(out.status.success());
    format!("127.0.0.1:{port}").parse().unwrap()
}

#[test]
fn m4_silent_closes_port_5001_after_a_second_without_a_word() {
    let sim = sim(&[Fault::M4Silent]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    assert!(
        !adb.shell(&serial, "pidof m4_proxy").trim().is_empty(),
        "m4-proxy itself runs"
    );
    let addr = forward_5001(&adb, &serial);
    match call(addr, "temperature", vec![], &CallOptions::default()) {
        CallOutcome::NoAnswer { elapsed } => {
            assert!(
                elapsed >= Duration::from_millis(900),
                "closed after {elapsed:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn m4_proxy_down_lies_in_systemctl_and_closes_the_ports() {
    let sim = sim(&[Fault::M4ProxyDown]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    assert_eq!(
        adb.shell(&serial, "systemctl is-active m4-proxy").trim(),
        "active"
    );
    assert_eq!(
        adb.shell(&serial, "pidof m4_proxy; echo rc=$?").trim(),
        "rc=1"
    );
    assert!(!adb.shell(&serial, "ss -ltn").contains(":5001"));
    assert!(
        // --no-pager: on the X8's PTY systemd pages and waits for RETURN (REB 1.2).
        adb.shell(&serial, "systemctl show --no-pager -p SubState m4-proxy")
            .contains("SubState=exited")
    );
    let addr = forward_5001(&adb, &serial);
    let out = call(addr, "temperature", vec![], &CallOptions::default());
    assert!(!out.is_answered(), "{out:?}");
    // The documented cure works.
    sudo(&adb, &serial, "systemctl restart m4-proxy");
    let out = call(addr, "temperature", vec![], &CallOptions::default());
    assert_eq!(out.result().and_then(|v| v.as_u64()), Some(100), "{out:?}");
}

/// Install firmware `version` by hand, as the tutorial's troubleshooting section does,
/// and run program.sh; returns its output.
fn flash_by_hand(adb: &AdbServer, serial: &str, version: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("STM32H747AII6_CM7.bin");
    std::fs::write(&bin, make_image(version)).unwrap();
    let out = adb.adb(&["-s", serial, "push", bin.to_str().unwrap(), "/home/fio/"]);
    assert!(out.status.success());
    sudo(adb, serial, "mount -o remount,rw /usr");
    sudo(
        adb,
        serial,
        "cp /home/fio/STM32H747AII6_CM7.bin /usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
    );
    sudo(adb, serial, "mount -o remount,ro /usr");
    sudo(adb, serial, "/usr/arduino/extra/program.sh")
}

#[test]
fn program_sh_flashes_a_new_image_and_always_exits_0() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let out = flash_by_hand(&adb, &serial, "0.0.6-test");
    assert!(
        out.contains("** Programming Started **") && out.contains("** Verified OK **"),
        "{out}"
    );
    assert_eq!(
        adb.shell(&serial, "cat /sys/kernel/x8h7_firmware/version")
            .trim(),
        "0.0.6-test"
    );
    let again = sudo(&adb, &serial, "/usr/arduino/extra/program.sh");
    assert!(again.contains("is programmed/updated, exiting"), "{again}");
}

#[test]
fn program_fail_prints_openocds_failure_and_still_exits_0() {
    let sim = sim(&[Fault::ProgramFail]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let out = flash_by_hand(&adb, &serial, "0.0.6-test");
    assert!(out.contains("** Programming Failed **"), "{out}");
    // The H7 is left halted and erased, not running 0.0.5 (real-board-evidence.md §3.1).
    assert_eq!(
        adb.shell(&serial, "cat /sys/kernel/x8h7_firmware/version 2>&1")
            .trim(),
        "cat: /sys/kernel/x8h7_firmware/version: Connection timed out"
    );
    // program-fail fires once: programming again works.
    let rc = adb.shell(
        &serial,
        "echo fio | sudo -S -p '' /usr/arduino/extra/program.sh >/dev/null 2>&1; echo rc=$?",
    );
    assert_eq!(rc.trim(), "rc=0", "program.sh exits 0");
    assert_eq!(
        adb.shell(&serial, "cat /sys/kernel/x8h7_firmware/version")
            .trim(),
        "0.0.6-test"
    );
}

#[test]
fn verify_fail_prints_openocds_verify_failure() {
    let sim = sim(&[Fault::VerifyFail]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let out = flash_by_hand(&adb, &serial, "0.0.6-test");
    assert!(out.contains("** Verify Failed **"), "{out}");
    // The broken image does not boot: the H7 does not answer the kernel's version read.
    let v = adb.shell(&serial, "cat /sys/kernel/x8h7_firmware/version 2>&1");
    assert_eq!(
        v.trim(),
        "cat: /sys/kernel/x8h7_firmware/version: Connection timed out"
    );
}

#[test]
fn push_cut_drops_the_connection_mid_transfer() {
    let sim = sim(&[Fault::PushCut]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.bin");
    std::fs::write(&f, pattern(200_000, 5)).unwrap();
    let started = Instant::now();
    let out = adb.adb(&[
        "-s",
        &serial,
        "push",
        f.to_str().unwrap(),
        "/home/fio/big.bin",
    ]);
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(20));
    // adbd writes in place under the final name (REB 1.6): a partial file may stay.
    if let Ok(m) = std::fs::metadata(board_path(&sim, "/home/fio/big.bin")) {
        assert!(m.len() < 200_000);
    }
}

#[test]
fn disk_full_refuses_writes() {
    let sim = sim(&[Fault::DiskFull]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.bin");
    std::fs::write(&f, pattern(10_000, 5)).unwrap();
    let out = adb.adb(&[
        "-s",
        &serial,
        "push",
        f.to_str().unwrap(),
        "/home/fio/x.bin",
    ]);
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("No space left on device"), "{text}");
    assert!(adb.shell(&serial, "df /home/fio").contains("100%"));
    assert!(
        adb.shell(&serial, "echo hi > /home/fio/y 2>&1; cat /home/fio/y 2>&1")
            .contains("No space left")
    );
}

#[test]
fn no_docker_compose() {
    let sim = sim(&[Fault::NoDockerCompose]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let out = adb.shell(&serial, "docker compose version 2>&1");
    assert!(
        out.contains("docker: 'compose' is not a docker command."),
        "{out}"
    );
    assert!(
        adb.shell(&serial, "docker-compose version 2>&1")
            .contains("command not found")
    );
    // Over adb fio has no docker group (REB 1.5): as root.
    assert!(sudo(&adb, &serial, "docker ps").contains("CONTAINER ID"));
}

#[test]
fn no_docker_daemon() {
    let sim = sim(&[Fault::NoDocker]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let out = sudo(&adb, &serial, "docker ps");
    assert!(out.contains("Cannot connect to the Docker daemon"), "{out}");
}

#[test]
fn slow_link_delays_every_packet() {
    let fast = sim(&[]);
    let slow = sim_with(&[Fault::SlowLink], |c| {
        c.adbd.link_latency = Duration::from_millis(60)
    });
    let adb = AdbServer::start();
    let f = adb.connect(&fast);
    let s = adb.connect(&slow);
    let t = |serial: &str| {
        let started = Instant::now();
        assert!(adb.shell(serial, "echo x").contains('x'));
        started.elapsed()
    };
    // OPEN goes out, OKAY, WRTE and CLSE come back: at least one latency each way.
    let slow_t = t(&s);
    let fast_t = t(&f);
    assert!(
        slow_t >= Duration::from_millis(115),
        "slow link took only {slow_t:?}"
    );
    assert!(slow_t > fast_t, "{slow_t:?} vs {fast_t:?}");
}
