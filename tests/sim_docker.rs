//! The tutorial's container half on the virtual X8, typed through Debian's adb as a user
//! types it: push the app, `docker build`, `docker compose up` (and its ${FACTORY}
//! failure), the `docker run` fallback, `docker logs`.
// The virtual X8 the tests drive is built on Unix-like systems.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use x8ctl::sim::Fault;

/// An app laid out like portenta-containers' python-rpc-sensors, written for these tests.
fn sensors_app(root: &Path, base: &str) {
    let app = root.join("python-rpc-sensors");
    std::fs::create_dir_all(app.join("python")).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        format!(
            "FROM {base}\nWORKDIR /app/python\nCOPY python/ /app/python/\nRUN pip install msgpack-rpc-python\nCMD [\"python\", \"-u\", \"main.py\"]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("docker-compose.yml"),
        "services:\n  python-rpc-sensors:\n    image: hub.foundries.io/${FACTORY}/python-rpc-sensors:latest\n    restart: unless-stopped\n    tty: true\n    read_only: true\n    user: \"0\"\n    volumes:\n      - '/tmp:/tmp'\n    extra_hosts:\n      - 'm4-proxy:host-gateway'\n",
    )
    .unwrap();
    std::fs::write(
        app.join("python/main.py"),
        r#"import time
from msgpackrpc import Address as RpcAddress, Client as RpcClient, error as RpcError

m4_proxy_address = 'm4-proxy'
m4_proxy_call_port = 5001
publish_interval = 5
rpc_address = RpcAddress(m4_proxy_address, m4_proxy_call_port)

print()
print("=" * 44)
print("==       Portenta X8 Sensor reading       ==")
print("=" * 44)
print()
while True:
    try:
        # m4-proxy answers one call per connection: a new client for each reading.
        print("Temperature: ", RpcClient(rpc_address).call('temperature'))
        print("Humidity: ", RpcClient(rpc_address).call('humidity'))
        print("Pressure: ", RpcClient(rpc_address).call('pressure'))
        print("Gas: ", RpcClient(rpc_address).call('gas'))
        print("Altitude: ", RpcClient(rpc_address).call('altitude'))
    except RpcError.TimeoutError:
        print("Unable to retrieve data from the M4.")
    time.sleep(publish_interval)
"#,
    )
    .unwrap();
}

fn wait_for_logs(adb: &AdbServer, serial: &str, name: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = adb.shell(serial, &format!("docker logs {name} 2>&1"));
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
    sensors_app(dir.path(), base);
    let app = dir.path().join("python-rpc-sensors");
    assert!(
        adb.adb(&["-s", serial, "push", app.to_str().unwrap(), "/home/fio/"])
            .status
            .success()
    );
    adb.shell(
        serial,
        "cd python-rpc-sensors && docker build . -t python-rpc-sensors 2>&1; echo rc=$?",
    )
}

const RUN: &str = "docker run -d --name python-rpc-sensors --restart unless-stopped -e PYTHONUNBUFFERED=1 -e X8SIM_PUBLISH_INTERVAL_MS=200 --read-only --network host -v /tmp:/tmp --add-host m4-proxy:host-gateway python-rpc-sensors:latest";

#[test]
fn the_tutorials_container_flow() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let build = push_and_build(&adb, &serial, "python:3.11-alpine");
    assert!(
        build.contains("naming to docker.io/library/python-rpc-sensors"),
        "{build}"
    );
    assert!(build.trim_end().ends_with("rc=0"), "{build}");
    // compose with FACTORY unset: what the tutorial warns about.
    let up = adb.shell(
        &serial,
        "cd python-rpc-sensors && docker compose up -d 2>&1; echo rc=$?",
    );
    assert!(up.contains("The \"FACTORY\" variable is not set"), "{up}");
    assert!(up.contains("invalid reference format"), "{up}");
    assert!(up.trim_end().ends_with("rc=1"), "{up}");
    // The docker run fallback works and the logs show the readings.
    let id = adb.shell(&serial, RUN);
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
    assert!(
        adb.shell(&serial, "docker ps")
            .contains("python-rpc-sensors")
    );
}

#[test]
fn a_silent_m4_gives_the_tutorials_error() {
    let sim = sim(&[Fault::M4Silent]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let build = push_and_build(&adb, &serial, "python:3.11-alpine");
    assert!(build.trim_end().ends_with("rc=0"), "{build}");
    adb.shell(&serial, RUN);
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
    adb.shell(&serial, RUN);
    wait_for_logs(
        &adb,
        &serial,
        "python-rpc-sensors",
        "No module named 'backports'",
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let count = adb.shell(
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
    adb.shell(
        &serial,
        "mkdir -p bad && printf 'FROM python:3.11-alpine\\nRUN false\\n' > bad/Dockerfile",
    );
    let out = adb.shell(&serial, "cd bad && docker build . -t bad 2>&1; echo rc=$?");
    assert!(
        out.contains("did not complete successfully: exit code: 1"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("rc=1"), "{out}");
}
