//! The tutorial's container half on the virtual X8, typed through Debian's adb as a user
//! types it: push the app, `docker build`, `docker compose up` (and its ${FACTORY}
//! failure), the `docker run` fallback, `docker logs`.
// The virtual X8 the tests drive is built on Unix-like systems.
#![cfg(unix)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use virtual_x8::Fault;

/// `adb shell CMD` as the tutorial's users type it over adb: through sudo, since the adb
/// shell has lost fio's docker group (REB 1.5; Arduino's own notes use `sudo docker`). The
/// password (the image default 'fio') goes on sudo's stdin; `shell:` is a PTY, so the
/// output's lines end in CR LF (REB 1.2): they are turned back into LF.
fn root(adb: &AdbServer, serial: &str, cmd: &str) -> String {
    adb.shell(
        serial,
        &format!(
            "echo fio | sudo -S -p '' sh -c {}",
            x8ctl_core::board::quote::quote(cmd)
        ),
    )
    .replace("\r\n", "\n")
}

fn wait_for_logs(adb: &AdbServer, serial: &str, name: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = root(adb, serial, &format!("docker logs {name} 2>&1"));
        if logs.contains(want) {
            return logs;
        }
        assert!(
            Instant::now() < deadline,
            "no {want:?} in the logs of {name}: {logs}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Push the sensor app on `base` to the board and build it there, as the tutorial does.
fn push_and_build(adb: &AdbServer, serial: &str, base: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    sensors_app(&dir.path().join("python-rpc-sensors"), base);
    let app = dir.path().join("python-rpc-sensors");
    assert!(
        adb.adb(&["-s", serial, "push", app.to_str().unwrap(), "/home/fio/"])
            .status
            .success()
    );
    root(
        adb,
        serial,
        "cd python-rpc-sensors && docker build . -t python-rpc-sensors 2>&1; echo rc=$?",
    )
}

const RUN: &str = "docker run -d --name python-rpc-sensors --restart unless-stopped -e PYTHONUNBUFFERED=1 --read-only --network host -v /tmp:/tmp --add-host m4-proxy:host-gateway python-rpc-sensors:latest";

#[test]
fn the_tutorials_container_flow() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let build = push_and_build(&adb, &serial, "python:3.11-alpine");
    assert!(
        build.contains("Successfully tagged python-rpc-sensors:latest"),
        "{build}"
    );
    assert!(build.trim_end().ends_with("rc=0"), "{build}");
    // compose with FACTORY unset: what the tutorial warns about.
    let up = root(
        &adb,
        &serial,
        "cd python-rpc-sensors && docker compose up -d 2>&1; echo rc=$?",
    );
    assert!(up.contains("The \"FACTORY\" variable is not set"), "{up}");
    assert!(up.contains("invalid reference format"), "{up}");
    assert!(up.trim_end().ends_with("rc=1"), "{up}");
    // The docker run fallback works and the logs show the readings.
    let id = root(&adb, &serial, RUN);
    assert_eq!(id.trim().len(), 64, "{id}");
    let logs = wait_for_logs(&adb, &serial, "python-rpc-sensors", "Altitude:  500");
    assert!(
        logs.contains("==       Portenta X8 Sensor reading       =="),
        "{logs}"
    );
    for line in [
        "Temperature:  100",
        "Humidity:  200",
        "Pressure:  300",
        "Gas:  400",
    ] {
        assert!(logs.contains(line), "{line} in {logs}");
    }
    assert!(root(&adb, &serial, "docker ps").contains("python-rpc-sensors"));
}

#[test]
fn a_silent_m4_gives_the_tutorials_error() {
    let sim = sim(&[Fault::M4Silent]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let build = push_and_build(&adb, &serial, "python:3.11-alpine");
    assert!(build.trim_end().ends_with("rc=0"), "{build}");
    root(&adb, &serial, RUN);
    wait_for_logs(
        &adb,
        &serial,
        "python-rpc-sensors",
        "Unable to retrieve data from the M4.",
    );
}

#[test]
fn a_newer_python_base_image_crash_loops_at_import() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let build = push_and_build(&adb, &serial, "python:3-alpine");
    assert!(build.trim_end().ends_with("rc=0"), "{build}");
    root(&adb, &serial, RUN);
    wait_for_logs(
        &adb,
        &serial,
        "python-rpc-sensors",
        "No module named 'backports'",
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let count = root(
            &adb,
            &serial,
            "docker inspect --format '{{.RestartCount}}' python-rpc-sensors",
        );
        if count.trim().parse::<u32>().unwrap_or(0) >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "no restarts: {count}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_failing_build_says_so() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    root(
        &adb,
        &serial,
        "mkdir -p bad && printf 'FROM python:3.11-alpine\\nRUN false\\n' > bad/Dockerfile",
    );
    let out = root(
        &adb,
        &serial,
        "cd bad && docker build . -t bad 2>&1; echo rc=$?",
    );
    assert!(
        out.contains("The command '/bin/sh -c false' returned a non-zero code: 1"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("rc=1"), "{out}");
}
