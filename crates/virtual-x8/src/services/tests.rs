//! Tests of the services without a Board: boot state, systemctl, journal, program.sh,
//! m4-proxy faults, docker.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::docker::{HostView, Status};
use super::*;
use crate::faults::Fault;

pub(super) fn boot(faults: &[Fault]) -> (tempfile::TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BoardConfig {
        root: dir.path().to_path_buf(),
        faults: faults.to_vec(),
        ..BoardConfig::default()
    };
    let f = Arc::new(Faults::new(faults.iter().copied()));
    let s = Services::start(&cfg, f, dir.path().to_path_buf()).unwrap();
    (dir, s)
}

pub(super) fn run(f: impl FnOnce(&mut dyn Write, &mut dyn Write) -> i32) -> (String, String, i32) {
    let mut o = Vec::new();
    let mut e = Vec::new();
    let c = f(&mut o, &mut e);
    (
        String::from_utf8_lossy(&o).into_owned(),
        String::from_utf8_lossy(&e).into_owned(),
        c,
    )
}

fn a(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn ctl(s: &Services, args: &str, user: User) -> (String, String, i32) {
    run(|o, e| s.systemctl(&a(args), user, o, e))
}

#[test]
fn boot_writes_the_layout() {
    let (dir, s) = boot(&[]);
    let root = dir.path();
    // Through the board's symlink as the board follows it (a placeholder file on Windows:
    // crate::host), not as the host would.
    let bin = super::read_board_file(root, "/usr/arduino/extra/STM32H747AII6_CM7.bin").unwrap();
    assert_eq!(crate::fwimage::version_of(&bin).as_deref(), Some("0.0.5"));
    let link =
        crate::host::read_link(&root.join("usr/arduino/extra/STM32H747AII6_CM7.bin")).unwrap();
    assert_eq!(
        link.to_str(),
        Some("../../lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin")
    );
    assert!(root.join("usr/arduino/extra/program.sh").exists());
    assert_eq!(
        fs::read_to_string(root.join("sys/kernel/x8h7_firmware/version")).unwrap(),
        "0.0.5"
    );
    assert_eq!(
        fs::read_to_string(root.join("sys/kernel/x8h7_firmware/chip_uid"))
            .unwrap()
            .trim()
            .len(),
        24
    );
    assert!(root.join("dev/x8h7_ui").exists());
    assert_eq!(s.h7_version(), Ok("0.0.5".into()));
    let (o, _, c) = run(|o, _| s.lsmod(o));
    assert_eq!(c, 0);
    for m in X8H7_MODULES {
        assert!(o.contains(m));
    }
    s.stop();
}

#[test]
fn systemctl_basics_and_permissions() {
    let (_d, s) = boot(&[]);
    assert_eq!(
        ctl(&s, "is-active m4-proxy", User::Fio),
        ("active\n".into(), String::new(), 0)
    );
    assert_eq!(
        ctl(&s, "is-active stm32h7-program", User::Fio).0,
        "active\n"
    );
    let (o, _, _) = ctl(&s, "show -p MainPID,SubState m4-proxy", User::Fio);
    assert!(o.contains("SubState=running"), "{o}");
    assert!(!o.contains("MainPID=0"));
    let (o, _, c) = ctl(&s, "status m4-proxy", User::Root);
    assert_eq!(c, 0);
    assert!(o.contains("● m4-proxy.service - M4 Proxy"));
    assert!(o.contains("Active: active (running)"));
    assert!(o.contains("Started M4 Proxy."));
    let (o, _, _) = ctl(&s, "status stm32h7-program", User::Fio);
    assert!(o.contains("Active: active (exited)"));
    let (_, e, c) = ctl(&s, "restart m4-proxy", User::Fio);
    assert_eq!(c, 1);
    assert!(
        e.starts_with("Failed to restart m4-proxy.service: Interactive authentication required.")
    );
    assert_eq!(ctl(&s, "is-active nope", User::Fio).2, 3);
    assert_eq!(ctl(&s, "status nope", User::Fio).2, 4);
    let (o, _, _) = ctl(&s, "is-active docker", User::Fio);
    assert_eq!(o, "active\n");
    s.stop();
}

#[test]
fn m4_proxy_down_lies_and_restart_fixes() {
    let (_d, s) = boot(&[Fault::M4ProxyDown]);
    assert_eq!(ctl(&s, "is-active m4-proxy", User::Fio).0, "active\n");
    let (o, _, _) = ctl(&s, "show -p MainPID,SubState m4-proxy", User::Fio);
    assert_eq!(o, "MainPID=0\nSubState=exited\n");
    assert_eq!(run(|o, _| s.pidof(&a("m4_proxy"), o)).2, 1);
    let (o, _, _) = run(|o, e| s.ss(&a("-ltn"), User::Fio, o, e));
    assert!(!o.contains(":5001") && !o.contains(":5000"), "{o}");
    assert!(s.port_addr(5001).is_none());
    let (_, _, c) = ctl(&s, "restart m4-proxy", User::Root);
    assert_eq!(c, 0);
    assert!(!s.faults().has(Fault::M4ProxyDown));
    let (o, _, c) = run(|o, _| s.pidof(&a("m4_proxy"), o));
    assert_eq!(c, 0);
    assert!(!o.trim().is_empty());
    let (o, _, _) = run(|o, e| s.ss(&a("-ltnp"), User::Root, o, e));
    assert!(
        o.contains("0.0.0.0:5001") && o.contains("*:5000") && o.contains("m4_proxy"),
        "{o}"
    );
    let addr = s.port_addr(5001).unwrap();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    // toggling the fault at run time kills the proxy
    s.faults().set(Fault::M4ProxyDown, true);
    assert!(s.port_addr(5001).is_none());
    assert_eq!(ctl(&s, "is-active m4-proxy", User::Fio).0, "active\n");
    s.stop();
}

#[test]
fn journal_permissions_and_content() {
    let (_d, s) = boot(&[]);
    let (o, e, c) = run(|o, e| s.journalctl(&a("-u m4-proxy"), User::Fio, o, e));
    assert_eq!(c, 1);
    assert!(o.is_empty());
    assert!(e.contains("No journal files were opened due to insufficient permissions."));
    let (o, _, c) = run(|o, e| s.journalctl(&a("-u m4-proxy --no-pager -n 5"), User::Root, o, e));
    assert_eq!(c, 0);
    assert!(o.contains("systemd[1]: Started M4 Proxy."), "{o}");
    assert!(o.contains("portenta-x8-2d16ba09dab6fad9"));
    let (o, _, _) = run(|o, e| s.journalctl(&a("-u stm32h7-program -o cat"), User::Root, o, e));
    assert!(
        o.contains("Firmware on H7 matches firmware stored on X8. No Update."),
        "{o}"
    );
    let (o, _, _) = run(|o, e| s.journalctl(&a("-u nothing"), User::Root, o, e));
    assert_eq!(o, "-- No entries --\n");
    s.stop();
}

#[test]
fn journal_follow_stops_on_write_error() {
    struct Limited(usize);
    impl Write for Limited {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            self.0 -= 1;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            if self.0 == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            Ok(())
        }
    }
    let (_d, s) = boot(&[]);
    let s = Arc::new(s);
    let s2 = s.clone();
    let t = std::thread::spawn(move || {
        let mut out = Limited(3);
        let mut err = Vec::new();
        s2.journalctl(&a("-fu m4-proxy"), User::Root, &mut out, &mut err)
    });
    for _ in 0..5 {
        s.journal().log("m4-proxy.service", "m4_proxy", 1, "x");
    }
    assert_eq!(t.join().unwrap(), 0);
    s.stop();
}

fn program(s: &Services, root: &std::path::Path) -> ProgramSh {
    let file = super::read_board_file(root, "/usr/arduino/extra/STM32H747AII6_CM7.bin").ok();
    s.program_sh(file.as_deref())
}

#[test]
fn program_sh_and_sysfs_follow_the_flash() {
    let (d, s) = boot(&[]);
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert!(r.programmed.is_none());
    // a new image replaces the file (as `sudo cp` does)
    fs::write(
        d.path()
            .join("usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"),
        make_image("0.0.6"),
    )
    .unwrap();
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert_eq!(r.programmed, Some(ProgramResult::Ok));
    assert_eq!(s.h7_version(), Ok("0.0.6".into()));
    assert_eq!(
        fs::read_to_string(d.path().join("sys/kernel/x8h7_firmware/version")).unwrap(),
        "0.0.6"
    );
    // No trailing newline (real-board-evidence.md §3.2).
    assert_eq!(s.sysfs_read(SYSFS_VERSION), Some(Ok(b"0.0.6".to_vec())));
    s.stop();
}

#[test]
fn program_faults() {
    let (d, s) = boot(&[Fault::ProgramFail]);
    fs::write(
        d.path()
            .join("usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"),
        make_image("0.0.6"),
    )
    .unwrap();
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert!(h7::text(&r.lines).contains("** Programming Failed **"));
    // Halted and erased (real-board-evidence.md §3.1), and the read gives up.
    assert_eq!(s.h7_version(), Err(H7ReadError::TimedOut));
    let t = std::time::Instant::now();
    assert_eq!(
        s.sysfs_read(SYSFS_VERSION),
        Some(Err("Connection timed out"))
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(100));
    // program-fail fires once.
    assert!(!s.faults().has(Fault::ProgramFail));
    s.faults().set(Fault::VerifyFail, true);
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert!(h7::text(&r.lines).contains("** Verify Failed **"));
    assert_eq!(s.h7_version(), Err(H7ReadError::TimedOut));
    assert_eq!(
        s.sysfs_read(SYSFS_VERSION),
        Some(Err("Connection timed out"))
    );
    assert!(s.faults().has(Fault::M4Silent));
    s.faults().set(Fault::VerifyFail, false);
    let r = program(&s, d.path());
    assert_eq!(r.programmed, Some(ProgramResult::Ok));
    assert_eq!(s.h7_version(), Ok("0.0.6".into()));
    assert!(!s.faults().has(Fault::M4Silent));
    s.stop();
}

#[test]
fn reboot_reflashes_by_version_and_needs_root() {
    let (d, s) = boot(&[]);
    fs::write(
        d.path()
            .join("usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"),
        make_image("0.0.7"),
    )
    .unwrap();
    assert_eq!(run(|o, e| s.reboot_cmd(&[], User::Fio, o, e)).2, 1);
    assert_eq!(run(|o, e| s.reboot_cmd(&[], User::Root, o, e)).2, 0);
    assert_eq!(s.h7_version(), Ok("0.0.7".into()));
    assert!(s.port_addr(5001).is_some());
    let (o, _, _) = run(|o, e| s.journalctl(&a("-b -u stm32h7-program -o cat"), User::Root, o, e));
    assert!(o.contains("Version(M8)=0.0.7"), "{o}");
    s.stop();
}

#[test]
fn openocd_needs_root() {
    let (_d, s) = boot(&[]);
    let read = |_: &str| None;
    let (l, c) = s.openocd(&a("-f x -c init"), User::Fio, &read);
    assert_eq!(c, 1);
    assert!(h7::text(&l).contains("Permission denied"));
    s.stop();
}

/// A sensor app in the tutorial's style, written for these tests; the interval and the
/// client's timeout come from the environment so that tests run fast.
const MAIN_PY: &str = r#"import os
import time
from msgpackrpc import Address as RpcAddress, Client as RpcClient, error as RpcError

interval = float(os.environ.get('PUBLISH_INTERVAL', '5'))
timeout = float(os.environ.get('RPC_TIMEOUT', '10'))
names = ['temperature', 'humidity', 'pressure', 'gas', 'altitude']

print()
print("=" * 44)
print("==       Portenta X8 Sensor reading       ==")
print("=" * 44)
print()
try:
    where = RpcAddress('m4-proxy', 5001)
    while True:
        try:
            values = [RpcClient(where, timeout=timeout).call(n) for n in names]
            for n, v in zip(names, values):
                print(n.capitalize() + ": ", v)
        except RpcError.TimeoutError:
            print("Unable to retrieve data from the M4.")
        time.sleep(interval)
except Exception as e:
    print(f"Failed to create RpcClient: {e}")
"#;

pub(super) fn sensor_app(root: &std::path::Path, base: &str) {
    let app = root.join("home/fio/python-rpc-sensors");
    fs::create_dir_all(app.join("python")).unwrap();
    fs::write(app.join("python/main.py"), MAIN_PY).unwrap();
    fs::write(app.join("python/requirements.txt"), "msgpack-rpc-python\n").unwrap();
    fs::write(
        app.join("Dockerfile"),
        format!("FROM {base}\nWORKDIR /app\nCOPY python python\nRUN pip install -r python/requirements.txt\nWORKDIR /app/python\nCMD [\"python\",\"-u\",\"main.py\"]\n"),
    )
    .unwrap();
    fs::write(
        app.join("docker-compose.yml"),
        "version: '3.6'\nservices:\n  python-rpc-sensors:\n    image: hub.foundries.io/${FACTORY}/python-rpc-sensors:latest\n    restart: unless-stopped\n    tty: true\n    read_only: true\n    user: \"0\"\n    volumes:\n      - '/tmp:/tmp'\n    extra_hosts:\n      - 'm4-proxy:host-gateway'\n",
    )
    .unwrap();
}

fn docker(
    s: &Services,
    root: &std::path::Path,
    cwd: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (String, String, i32) {
    let fsv = HostView {
        root: root.to_path_buf(),
    };
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let args: Vec<String> = args.iter().map(|x| x.to_string()).collect();
    run(|o, e| s.docker(&args, cwd, &env, &fsv, o, e))
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const APP: &str = "/home/fio/python-rpc-sensors";

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn docker_build_run_logs_ps_with_the_sensor_app() {
    let (d, s) = boot(&[]);
    sensor_app(d.path(), "python:3.11-alpine");
    let (_, e, c) = docker(
        &s,
        d.path(),
        APP,
        &["build", ".", "-t", "python-rpc-sensors"],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    assert!(
        e.starts_with("DEPRECATED: The legacy builder is deprecated"),
        "{e}"
    );
    let (o, e, c) = docker(
        &s,
        d.path(),
        APP,
        &["build", ".", "-t", "python-rpc-sensors"],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    assert!(o.contains("Step 1/6 : FROM python:3.11-alpine\n"), "{o}");
    assert!(
        o.contains("Successfully tagged python-rpc-sensors:latest\n"),
        "{o}"
    );
    let (o, _, _) = docker(&s, d.path(), APP, &["images"], &[]);
    assert!(o.starts_with("REPOSITORY"), "{o}");
    assert!(o.contains("python-rpc-sensors"));
    let (o, e, c) = docker(
        &s,
        d.path(),
        APP,
        &[
            "run",
            "-d",
            "--name",
            "python-rpc-sensors",
            "--restart",
            "unless-stopped",
            "-e",
            "PYTHONUNBUFFERED=1",
            "-e",
            "PUBLISH_INTERVAL=0.05",
            "-e",
            "RPC_TIMEOUT=1",
            "--tty",
            "--read-only",
            "--network",
            "host",
            "-v",
            "/tmp:/tmp",
            "--device",
            "/dev/ttyGS0",
            "--add-host",
            "m4-proxy:host-gateway",
            "python-rpc-sensors:latest",
        ],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    assert_eq!(o.trim().len(), 64);
    wait_for("Altitude", || {
        s.docker_state()
            .container_info("python-rpc-sensors")
            .is_some_and(|i| i.logs.iter().any(|l| l == "Altitude:  500"))
    });
    let (o, _, _) = docker(&s, d.path(), APP, &["logs", "python-rpc-sensors"], &[]);
    assert!(o.starts_with("\r\n============================================\r\n==       Portenta X8 Sensor reading       ==\r\n"), "{o:?}");
    assert!(o.contains(
        "Temperature:  100\r\nHumidity:  200\r\nPressure:  300\r\nGas:  400\r\nAltitude:  500\r\n"
    ));
    let (o, _, _) = docker(
        &s,
        d.path(),
        APP,
        &["ps", "--format", "{{.Names}} {{.Status}}"],
        &[],
    );
    assert!(o.starts_with("python-rpc-sensors Up"), "{o}");
    let (o, _, _) = docker(&s, d.path(), APP, &["ps"], &[]);
    assert!(o.starts_with("CONTAINER ID   IMAGE"), "{o}");
    let (o, _, _) = docker(
        &s,
        d.path(),
        APP,
        &[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.Running}} {{.RestartCount}}",
            "python-rpc-sensors",
        ],
        &[],
    );
    assert_eq!(o, "running true 0\n");
    let (o, _, _) = run(|o, _| s.pidof(&a("python"), o));
    assert!(!o.trim().is_empty());
    // m4-silent: calls time out
    s.faults().set(Fault::M4Silent, true);
    wait_for("timeout line", || {
        s.docker_state()
            .container_info("python-rpc-sensors")
            .is_some_and(|i| {
                i.logs
                    .iter()
                    .any(|l| l == "Unable to retrieve data from the M4.")
            })
    });
    s.faults().set(Fault::M4Silent, false);
    // m4-proxy down: the script exits 0 and docker restarts it
    s.faults().set(Fault::M4ProxyDown, true);
    s.reconcile();
    wait_for("restart", || {
        s.docker_state()
            .container_info("python-rpc-sensors")
            .is_some_and(|i| {
                i.restart_count > 0
                    && i.logs
                        .iter()
                        .any(|l| l == "Failed to create RpcClient: Retry connection over the limit")
            })
    });
    let (o, _, c) = docker(&s, d.path(), APP, &["stop", "python-rpc-sensors"], &[]);
    assert_eq!((o.as_str(), c), ("python-rpc-sensors\n", 0));
    let (o, _, _) = docker(
        &s,
        d.path(),
        APP,
        &["ps", "-a", "--format", "{{json .}}"],
        &[],
    );
    assert!(o.contains("\"State\":\"exited\""), "{o}");
    let (_, e, c) = docker(
        &s,
        d.path(),
        APP,
        &[
            "run",
            "-d",
            "--name",
            "python-rpc-sensors",
            "python-rpc-sensors",
        ],
        &[],
    );
    assert_eq!(c, 125);
    assert!(e.contains("is already in use"));
    // rename: silent on success; the old name is free again, a taken name is refused.
    let (o, e, c) = docker(
        &s,
        d.path(),
        APP,
        &["rename", "python-rpc-sensors", "aside"],
        &[],
    );
    assert_eq!((o.as_str(), e.as_str(), c), ("", "", 0));
    let (o, _, _) = docker(
        &s,
        d.path(),
        APP,
        &["ps", "-a", "--format", "{{.Names}}"],
        &[],
    );
    assert_eq!(o.trim(), "aside");
    let (_, e, c) = docker(&s, d.path(), APP, &["rename", "nope", "x"], &[]);
    assert_eq!(c, 1);
    assert!(e.contains("No such container: nope"), "{e}");
    let (_, e, c) = docker(&s, d.path(), APP, &["rename", "aside", "aside"], &[]);
    assert_eq!(c, 1);
    assert!(
        e.contains("Conflict. The container name \"/aside\" is already in use"),
        "{e}"
    );
    let (_, e, c) = docker(&s, d.path(), APP, &["rename", "aside"], &[]);
    assert_eq!(c, 1);
    assert!(e.contains("requires 2 arguments"), "{e}");
    assert_eq!(docker(&s, d.path(), APP, &["rm", "aside"], &[]).2, 0);
    s.stop();
}

#[test]
fn docker_errors() {
    let (d, s) = boot(&[]);
    fs::create_dir_all(d.path().join("home/fio/empty")).unwrap();
    let (_, e, c) = docker(&s, d.path(), "/home/fio/empty", &["build", "."], &[]);
    assert_eq!(c, 1);
    assert!(e.contains("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat /home/fio/empty/Dockerfile: no such file or directory"), "{e}");
    fs::write(
        d.path().join("home/fio/empty/Dockerfile"),
        "FROM alpine\nRUN false\n",
    )
    .unwrap();
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/home/fio/empty",
        &["build", "-t", "x", "."],
        &[],
    );
    assert_eq!(c, 1);
    assert!(
        e.contains("The command '/bin/sh -c false' returned a non-zero code: 1"),
        "{e}"
    );
    fs::write(
        d.path().join("home/fio/empty/Dockerfile"),
        "FROM alpine\nFOO bar\n",
    )
    .unwrap();
    let (_, e, _) = docker(&s, d.path(), "/home/fio/empty", &["build", "."], &[]);
    assert!(e.contains("unknown instruction: FOO"), "{e}");
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/",
        &["run", "hub.foundries.io//x:latest"],
        &[],
    );
    assert_eq!(c, 125);
    assert!(e.starts_with("docker: invalid reference format."), "{e}");
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/",
        &["pull", "arduino/python-rpc-sensors"],
        &[],
    );
    assert_eq!(c, 1);
    assert!(e.contains("Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host"), "{e}");
    let (_, e, c) = docker(&s, d.path(), "/", &["logs", "nope"], &[]);
    assert_eq!(
        (e.as_str(), c),
        ("Error response from daemon: No such container: nope\n", 1)
    );
    s.faults().set(Fault::NoDocker, true);
    let (_, e, c) = docker(&s, d.path(), "/", &["ps"], &[]);
    assert_eq!(c, 1);
    assert!(e.contains("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"));
    assert_eq!(
        ctl(&s, "is-active docker", User::Fio),
        ("failed\n".into(), String::new(), 3)
    );
    s.faults().set(Fault::NoDocker, false);
    s.faults().set(Fault::NoDockerCompose, true);
    let (_, e, c) = docker(&s, d.path(), "/", &["compose", "up", "-d"], &[]);
    assert_eq!(
        (e.as_str(), c),
        (
            "docker: 'compose' is not a docker command.\nSee 'docker --help'\n",
            1
        )
    );
    s.stop();
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn broken_base_image_crash_loops() {
    let (d, s) = boot(&[]);
    sensor_app(d.path(), "python:3-alpine");
    assert_eq!(
        docker(
            &s,
            d.path(),
            APP,
            &["build", "-t", "m4-sensors-read", "."],
            &[]
        )
        .2,
        0
    );
    let (_, e, c) = docker(
        &s,
        d.path(),
        APP,
        &[
            "run",
            "-d",
            "--name",
            "m4",
            "--restart",
            "unless-stopped",
            "m4-sensors-read",
        ],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    wait_for("crash loop", || {
        s.docker_state()
            .container_info("m4")
            .is_some_and(|i| i.restart_count >= 2)
    });
    let i = s.docker_state().container_info("m4").unwrap();
    assert_eq!(i.exit_code, 1);
    assert!(
        i.logs
            .iter()
            .any(|l| l == "ModuleNotFoundError: No module named 'backports'")
    );
    assert!(
        i.logs.iter().any(|l| l.contains("/tornado/netutil.py")),
        "{:?}",
        i.logs
    );
    let (o, _, _) = docker(
        &s,
        d.path(),
        APP,
        &["inspect", "-f", "{{.RestartCount}}", "m4"],
        &[],
    );
    assert!(o.trim().parse::<u32>().unwrap() >= 2);
    assert!(matches!(i.status, Status::Running | Status::Restarting));
    s.stop();
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn compose_factory_unset_then_happy_path() {
    let (d, s) = boot(&[]);
    sensor_app(d.path(), "python:3-alpine3.15");
    assert_eq!(
        docker(
            &s,
            d.path(),
            APP,
            &["build", ".", "-t", "python-rpc-sensors"],
            &[]
        )
        .2,
        0
    );
    let (_, e, c) = docker(&s, d.path(), APP, &["compose", "up", "-d"], &[]);
    assert_eq!(c, 1);
    assert!(
        e.contains("WARN[0000] The \"FACTORY\" variable is not set. Defaulting to a blank string."),
        "{e}"
    );
    assert!(e.ends_with("invalid reference format\n"), "{e}");
    // FACTORY set but the image is not local and cannot be pulled
    let (_, e, c) = docker(
        &s,
        d.path(),
        APP,
        &["compose", "up", "-d"],
        &[("FACTORY", "arduino")],
    );
    assert_eq!(c, 1);
    assert!(e.contains("lookup hub.foundries.io: no such host"), "{e}");
    // retag and run
    assert_eq!(
        docker(
            &s,
            d.path(),
            APP,
            &[
                "tag",
                "python-rpc-sensors",
                "hub.foundries.io/arduino/python-rpc-sensors:latest"
            ],
            &[]
        )
        .2,
        0
    );
    fs::write(
        d.path().join("home/fio/python-rpc-sensors/.env"),
        "FACTORY=arduino\n",
    )
    .unwrap();
    let compose = fs::read_to_string(
        d.path()
            .join("home/fio/python-rpc-sensors/docker-compose.yml"),
    )
    .unwrap();
    fs::write(
        d.path()
            .join("home/fio/python-rpc-sensors/docker-compose.yml"),
        compose + "    environment:\n      - PUBLISH_INTERVAL=0.05\n",
    )
    .unwrap();
    let (_, e, c) = docker(&s, d.path(), APP, &["compose", "up", "-d"], &[]);
    assert_eq!(c, 0, "{e}");
    assert!(
        e.contains("Container python-rpc-sensors-python-rpc-sensors-1"),
        "{e}"
    );
    wait_for("values", || {
        s.docker_state()
            .container_info("python-rpc-sensors-python-rpc-sensors-1")
            .is_some_and(|i| i.logs.iter().any(|l| l == "Temperature:  100"))
    });
    let (o, _, _) = docker(&s, d.path(), APP, &["compose", "logs", "--tail", "20"], &[]);
    assert!(
        o.contains("python-rpc-sensors-1  | Temperature:  100"),
        "{o}"
    );
    let (o, _, _) = docker(&s, d.path(), APP, &["compose", "ps"], &[]);
    assert!(o.starts_with("NAME") && o.contains("Up"), "{o}");
    let (_, _, c) = docker(&s, d.path(), APP, &["compose", "down"], &[]);
    assert_eq!(c, 0);
    assert!(
        s.docker_state()
            .container_info("python-rpc-sensors-python-rpc-sensors-1")
            .is_none()
    );
    s.stop();
}

/// Real compose files share settings with anchors, aliases and `<<` merge keys and write long
/// commands as block scalars: the image and the restart policy come through the merge, the
/// folded `command:` is split into words (the container's `python` runs main.py).
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn compose_anchors_merge_keys_and_block_scalar_command() {
    let (d, s) = boot(&[]);
    sensor_app(d.path(), "python:3.11-alpine");
    let build = ["build", ".", "-t", "python-rpc-sensors"];
    assert_eq!(docker(&s, d.path(), APP, &build, &[]).2, 0);
    let file = d
        .path()
        .join("home/fio/python-rpc-sensors/docker-compose.yml");
    fs::write(
        &file,
        "x-app: &app\n  image: python-rpc-sensors\n  restart: unless-stopped\n  extra_hosts: &hosts\n    - 'm4-proxy:host-gateway'\nservices:\n  sensors:\n    <<: *app\n    container_name: sensors\n    environment:\n      PUBLISH_INTERVAL: '0.05'\n    command: >\n      python -u\n      main.py\n",
    )
    .unwrap();
    let (_, e, c) = docker(&s, d.path(), APP, &["compose", "up", "-d"], &[]);
    assert_eq!(c, 0, "{e}");
    wait_for("values", || {
        s.docker_state()
            .container_info("sensors")
            .is_some_and(|i| i.logs.iter().any(|l| l == "Temperature:  100"))
    });
    let (o, _, _) = docker(
        &s,
        d.path(),
        APP,
        &[
            "inspect",
            "-f",
            "{{.HostConfig.RestartPolicy.Name}} {{.Config.Cmd}}",
            "sensors",
        ],
        &[],
    );
    assert_eq!(o, "unless-stopped [python -u main.py]\n");
    assert_eq!(docker(&s, d.path(), APP, &["compose", "down"], &[]).2, 0);
    // malformed YAML: go-yaml's text, nothing started
    fs::write(
        &file,
        "services:\n  sensors:\n    image: x\n   restart: no\n",
    )
    .unwrap();
    let (o, e, c) = docker(&s, d.path(), APP, &["compose", "up", "-d"], &[]);
    assert_eq!(
        (o.as_str(), e.as_str(), c),
        ("", "yaml: line 4: did not find expected key\n", 1)
    );
    s.stop();
}

mod through_board {
    use super::*;
    use crate::board::Board;

    fn board(faults: &[Fault]) -> (tempfile::TempDir, Arc<Board>) {
        let dir = tempfile::tempdir().unwrap();
        let cfg = BoardConfig {
            root: dir.path().to_path_buf(),
            sudo_password: None,
            faults: faults.to_vec(),
            ..BoardConfig::default()
        };
        let b = Board::new(cfg).unwrap();
        (dir, b)
    }

    fn sh(b: &Board, cmd: &str) -> (String, String, i32) {
        let mut i: &[u8] = &[];
        let mut o = Vec::new();
        let mut e = Vec::new();
        let c = {
            let mut io = ShellIo {
                stdin: &mut i,
                stdout: &mut o,
                stderr: &mut e,
            };
            b.run_command(cmd, &mut io)
        };
        (
            String::from_utf8_lossy(&o).into_owned(),
            String::from_utf8_lossy(&e).into_owned(),
            c,
        )
    }

    #[test]
    fn tutorial_flash_sequence() {
        let (_d, b) = board(&[]);
        b.vfs()
            .write(
                "/home/fio/STM32H747AII6_CM7.bin",
                &make_image("0.0.6"),
                User::Fio,
            )
            .unwrap();
        let (_, e, c) = sh(&b, "/usr/arduino/extra/program.sh");
        assert_eq!(c, 126);
        assert!(e.contains("Permission denied"), "{e}");
        let (_, e, c) = sh(
            &b,
            "cp /home/fio/STM32H747AII6_CM7.bin /usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
        );
        assert_ne!(c, 0, "{e}");
        let (o, e, c) = sh(
            &b,
            "sudo mount -o remount,rw /usr && sudo cp /home/fio/STM32H747AII6_CM7.bin /usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin && sudo /usr/arduino/extra/program.sh",
        );
        assert_eq!(c, 0, "{o}{e}");
        let all = format!("{o}{e}");
        assert!(all.contains("** Verified OK **"), "{all}");
        assert_eq!(b.services().h7_version(), Ok("0.0.6".into()));
        // The docs' `cp` over the installed file wrote into the OSTree object behind it
        // (real-board-evidence.md §3.3): `ostree fsck` says so.
        let (o, e, c) = sh(&b, "ostree fsck");
        assert_eq!(c, 1, "{o}{e}");
        assert!(e.contains("Corrupted file object"), "{e}");
        let (o, _, c) = sh(&b, "cat /sys/kernel/x8h7_firmware/version");
        assert_eq!((o.as_str(), c), ("0.0.6", 0));
        let (o, _, c) = sh(&b, "sudo /usr/arduino/extra/program.sh");
        assert_eq!(c, 0);
        assert!(o.contains("is programmed/updated, exiting..."), "{o}");
        let (o, _, c) = sh(&b, "systemctl is-active m4-proxy && pidof m4_proxy");
        assert_eq!(c, 0, "{o}");
        let (o, _, _) = sh(&b, "sudo journalctl -u m4-proxy --no-pager | tail -n 3");
        assert!(o.contains("Started M4 Proxy."), "{o}");
        b.shutdown();
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
    )]
    fn tutorial_docker_sequence_through_the_shell() {
        let (d, b) = board(&[]);
        sensor_app(d.path(), "python:3.11-alpine");
        let (o, e, c) = sh(
            &b,
            "cd /home/fio/python-rpc-sensors && docker build . -t python-rpc-sensors",
        );
        assert_eq!(c, 0, "{o}{e}");
        let (o, e, c) = sh(
            &b,
            "docker run -d --name python-rpc-sensors --restart unless-stopped -e PYTHONUNBUFFERED=1 -e PUBLISH_INTERVAL=0.05 --tty --read-only --network host -v /tmp:/tmp --device /dev/ttyGS0 --add-host m4-proxy:host-gateway python-rpc-sensors:latest",
        );
        assert_eq!(c, 0, "{o}{e}");
        wait_for("values", || {
            sh(&b, "docker logs --tail 10 python-rpc-sensors")
                .0
                .contains("Altitude:  500")
        });
        let (o, _, c) = sh(
            &b,
            "docker ps --format '{{.Names}}' | grep -c python-rpc-sensors",
        );
        assert_eq!((o.trim(), c), ("1", 0));
        let (o, e, c) = sh(
            &b,
            "cd /home/fio/python-rpc-sensors && docker compose up -d",
        );
        assert_eq!(c, 1, "{o}{e}");
        assert!(e.contains("invalid reference format"), "{e}");
        b.shutdown();
    }

    #[test]
    fn doctor_style_checks_with_m4_proxy_down() {
        let (_d, b) = board(&[Fault::M4ProxyDown]);
        let (o, _, c) = sh(&b, "systemctl is-active m4-proxy");
        assert_eq!((o.as_str(), c), ("active\n", 0));
        let (_, _, c) = sh(&b, "pidof m4_proxy");
        assert_eq!(c, 1);
        let (o, _, _) = sh(&b, "ss -ltn | grep -c ':500[01]'");
        assert_eq!(o.trim(), "0");
        assert!(b.connect_port(5001).is_err());
        let (_, e, c) = sh(&b, "systemctl restart m4-proxy");
        assert_eq!(c, 1);
        assert!(e.contains("Interactive authentication required."));
        assert_eq!(sh(&b, "sudo systemctl restart m4-proxy").2, 0);
        let (o, _, _) = sh(&b, "ss -ltn | grep -c ':500[01]'");
        assert_eq!(o.trim(), "2");
        assert!(b.connect_port(5001).is_ok());
        let (_, e, c) = sh(&b, "docker-compose up -d");
        assert_eq!(c, 127);
        assert!(e.contains("docker-compose: command not found"), "{e}");
        b.shutdown();
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn serial_rpc_app_registers_with_m4_proxy() {
    let (d, s) = boot(&[]);
    let app = d.path().join("home/fio/python-rpc-serial");
    fs::create_dir_all(app.join("src")).unwrap();
    fs::write(
        app.join("src/serialrpc.py"),
        "import time\nfrom msgpackrpc import Address, Client\nrpc_server_port = 5002\nprint('Connecting to m4-proxy:5000')\nClient(Address('m4-proxy', 5000)).call('register', rpc_server_port, ['tty', 'echo'])\nprint(f'Starting MsgPackRPC Server on localhost:{rpc_server_port}')\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    fs::write(
        app.join("requirements.txt"),
        "msgpack-rpc-python\npyserial\n",
    )
    .unwrap();
    fs::write(
        app.join("Dockerfile"),
        "FROM python:3.9-alpine3.16\nCOPY src /app\nCOPY requirements.txt /app\nWORKDIR /app\nRUN pip install -r requirements.txt\nENTRYPOINT [\"python3\", \"serialrpc.py\"]\n",
    )
    .unwrap();
    let dir = "/home/fio/python-rpc-serial";
    let (o, e, c) = docker(
        &s,
        d.path(),
        dir,
        &["build", ".", "-t", "python-rpc-serial"],
        &[],
    );
    assert_eq!(c, 0, "{o}{e}");
    let (_, e, c) = docker(
        &s,
        d.path(),
        dir,
        &[
            "run",
            "-d",
            "--name",
            "serial",
            "-e",
            "PYTHONUNBUFFERED=1",
            "-p",
            "5002-5020:5002-5020",
            "--add-host",
            "m4-proxy:host-gateway",
            "python-rpc-serial",
        ],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    wait_for("registration", || {
        s.docker_state().container_info("serial").is_some_and(|i| {
            i.logs
                .iter()
                .any(|l| l == "Starting MsgPackRPC Server on localhost:5002")
        })
    });
    let (o, _, _) = run(|o, e| s.journalctl(&a("-u m4-proxy -o cat"), User::Root, o, e));
    assert!(o.contains("Registering service on port  5002"), "{o}");
    let (o, _, _) = run(|o, e| s.ss(&a("-ltnp"), User::Root, o, e));
    assert!(
        o.contains("0.0.0.0:5002") && o.contains("docker-proxy"),
        "{o}"
    );
    let (o, _, _) = docker(&s, d.path(), dir, &["ps", "--format", "{{.Ports}}"], &[]);
    assert!(o.contains("0.0.0.0:5002-5020->5002-5020/tcp"), "{o}");
    s.stop();
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn reboot_brings_back_containers_with_a_restart_policy() {
    let (d, s) = boot(&[]);
    // As Arduino's user manual tells users of their own containers (evidence §6.2).
    let (_, e, c) = ctl(
        &s,
        "disable compose-apps-early-start.service compose-apps-early-start-recovery.service",
        User::Root,
    );
    assert_eq!(c, 0, "{e}");
    assert!(e.contains("Removed \"/etc/systemd/system/multi-user.target.wants/compose-apps-early-start.service\"."), "{e}");
    assert_eq!(
        ctl(&s, "is-enabled compose-apps-early-start", User::Fio),
        ("disabled\n".into(), String::new(), 1)
    );
    sensor_app(d.path(), "python:3.11-alpine");
    assert_eq!(
        docker(&s, d.path(), APP, &["build", "-t", "app", "."], &[]).2,
        0
    );
    for (name, policy) in [
        ("a", "unless-stopped"),
        ("b", "always"),
        ("c", "no"),
        ("e", "unless-stopped"),
    ] {
        let (_, e, c) = docker(
            &s,
            d.path(),
            APP,
            &[
                "run",
                "-d",
                "--name",
                name,
                "--restart",
                policy,
                "--add-host",
                "m4-proxy:host-gateway",
                "-e",
                "PUBLISH_INTERVAL=0.05",
                "app",
            ],
            &[],
        );
        assert_eq!(c, 0, "{e}");
    }
    assert_eq!(docker(&s, d.path(), APP, &["stop", "e"], &[]).2, 0);
    assert_eq!(run(|o, e| s.reboot_cmd(&[], User::Root, o, e)).2, 0);
    let st = |n: &str| s.docker_state().container_info(n).unwrap().status;
    assert_eq!(st("a"), ContainerStatus::Running);
    assert_eq!(st("b"), ContainerStatus::Running);
    assert_eq!(st("c"), ContainerStatus::Exited);
    assert_eq!(st("e"), ContainerStatus::Exited);
    wait_for("values after reboot", || {
        s.docker_state()
            .container_info("a")
            .is_some_and(|i| i.logs.iter().filter(|l| *l == "Temperature:  100").count() >= 2)
    });
    s.stop();
}

#[test]
fn m4_silent_direct_call_is_a_silent_close() {
    let (_d, s) = boot(&[Fault::M4Silent]);
    let addr = s.port_addr(5001).unwrap();
    let out = crate::rpcwire::call(
        addr,
        "temperature",
        vec![],
        std::time::Duration::from_secs(3),
    );
    assert_eq!(out, Err(crate::rpcwire::CallError::Closed));
    s.stop();
}

/// A board whose m4-proxy restarts after `delay` instead of 2 s.
fn boot_restart(delay: Duration, sketch: crate::sketch::Sketch) -> (tempfile::TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BoardConfig {
        root: dir.path().to_path_buf(),
        m4_restart_delay: delay,
        m4_sketch: sketch,
        ..BoardConfig::default()
    };
    let s = Services::start(&cfg, Arc::new(Faults::default()), dir.path().to_path_buf()).unwrap();
    (dir, s)
}

/// Send raw bytes to the board's port 5001 and read until it closes.
fn raw_5001(s: &Services, bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut c = std::net::TcpStream::connect(s.port_addr(5001).unwrap()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    c.write_all(bytes).unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    got
}

/// `[0, 1, "greet", ["<40 x>"]]` with the 40-byte string as str8 (what a modern packer sends).
fn str8_request() -> Vec<u8> {
    let mut b = vec![0x94, 0, 1, 0xa5];
    b.extend_from_slice(b"greet");
    b.extend_from_slice(&[0x91, 0xd9, 40]);
    b.extend_from_slice(&[b'x'; 40]);
    b
}

fn m4_journal(s: &Services) -> Vec<String> {
    let (e, _) = s
        .journal()
        .since(0, &|e: &JournalEntry| e.unit == "m4-proxy.service");
    e.iter().map(|e| e.short("x8")).collect()
}

fn wait_for_m4(s: &Services) {
    let t = Instant::now();
    while !s.m4_running() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "m4-proxy did not come back"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_str8_kills_m4_proxy_and_systemd_restarts_it_after_restart_sec() {
    let (_d, s) = boot_restart(Duration::from_millis(300), crate::sketch::Sketch::Sensors);
    let pid = s.m4_pid();
    let old = s.port_addr(5001).unwrap();
    assert!(raw_5001(&s, &str8_request()).is_empty(), "no answer");
    let (out, _, _) = ctl(
        &s,
        "show m4-proxy -p ActiveState,SubState,Result,ExecMainStatus",
        User::Root,
    );
    assert_eq!(
        out,
        "ActiveState=activating\nSubState=auto-restart\nResult=exit-code\nExecMainStatus=2\n"
    );
    assert!(s.port_addr(5001).is_none(), "ports closed while it is down");
    assert!(std::net::TcpStream::connect(old).is_err());
    wait_for_m4(&s);
    assert_ne!(s.m4_pid(), pid);
    let (out, _, _) = ctl(&s, "show m4-proxy -p NRestarts,ActiveState", User::Root);
    assert_eq!(out, "NRestarts=1\nActiveState=active\n");
    let j = m4_journal(&s).join("\n");
    for l in [
        &format!("m4_proxy[{pid}]: panic: unsupported code: 217"),
        "goroutine ",
        "systemd[1]: m4-proxy.service: Main process exited, code=exited, status=2/INVALIDARGUMENT",
        "systemd[1]: m4-proxy.service: Failed with result 'exit-code'.",
        "systemd[1]: m4-proxy.service: Scheduled restart job, restart counter is at 1.",
        "systemd[1]: Stopped M4 Proxy.",
    ] {
        assert!(j.contains(l), "{l} in\n{j}");
    }
    // The board's port 5001 leads to the new process.
    let b = raw_5001(
        &s,
        &[
            0x94, 0, 1, 0xab, b't', b'e', b'm', b'p', b'e', b'r', b'a', b't', b'u', b'r', b'e',
            0x90,
        ],
    );
    assert_eq!(b, [0x94, 1, 1, 0xc0, 100]);
    s.stop();
}

#[test]
fn rpclib_errors_kill_m4_proxy_and_registrations_are_lost() {
    let (_d, s) = boot_restart(Duration::from_millis(200), crate::sketch::Sketch::Bmp280);
    let reg = crate::rpcwire::call(
        s.port_addr(5000).unwrap(),
        "register",
        vec![5002u32.into(), rmpv::Value::Array(vec!["tty".into()])],
        Duration::from_secs(2),
    );
    assert_eq!(reg, Ok(rmpv::Value::from("")));
    assert_eq!(s.m4_registrations(), vec![("tty".to_string(), 5002)]);
    // `gas` is not bound on a BMP280 sketch: rpclib's error is a str8 -> panic 217.
    let out = crate::rpcwire::call(
        s.port_addr(5001).unwrap(),
        "gas",
        vec![],
        Duration::from_secs(3),
    );
    assert_eq!(out, Err(crate::rpcwire::CallError::Closed));
    wait_for_m4(&s);
    assert!(s.m4_registrations().is_empty());
    assert!(
        m4_journal(&s)
            .join("\n")
            .contains("panic: unsupported code: 217")
    );
    // A wrong argument count: rpclib's C0002 error, the same end.
    let pid = s.m4_pid();
    let out = crate::rpcwire::call(
        s.port_addr(5001).unwrap(),
        "temperature",
        vec![1.into()],
        Duration::from_secs(3),
    );
    assert_eq!(out, Err(crate::rpcwire::CallError::Closed));
    wait_for_m4(&s);
    assert_ne!(s.m4_pid(), pid);
    s.stop();
}

#[test]
fn an_unknown_method_on_port_5000_panics() {
    let (_d, s) = boot_restart(Duration::from_millis(200), crate::sketch::Sketch::Sensors);
    let out = crate::rpcwire::call(
        s.port_addr(5000).unwrap(),
        "nope",
        vec![],
        Duration::from_secs(3),
    );
    assert_eq!(out, Err(crate::rpcwire::CallError::Closed));
    assert!(
        m4_journal(&s)
            .join("\n")
            .contains("panic: reflect: call of reflect.Value.Type on zero Value")
    );
    wait_for_m4(&s);
    s.stop();
}

#[test]
fn eleven_crashes_trip_the_start_limit_and_reset_failed_recovers() {
    let (_d, s) = boot_restart(Duration::from_millis(30), crate::sketch::Sketch::Sensors);
    // The boot start is attempt 1; crashes 1..=9 restart (attempts 2..=10); crash 10 is refused.
    for n in 1..=10 {
        wait_for_m4(&s);
        raw_5001(&s, &str8_request());
        if n < 10 {
            wait_for_m4(&s);
        }
    }
    let t = Instant::now();
    loop {
        let (out, _, _) = ctl(&s, "show m4-proxy -p ActiveState,Result", User::Root);
        if out == "ActiveState=failed\nResult=start-limit-hit\n" {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "{out}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let j = m4_journal(&s).join("\n");
    assert!(
        j.contains("m4-proxy.service: Start request repeated too quickly."),
        "{j}"
    );
    assert!(j.contains("systemd[1]: Failed to start M4 Proxy."), "{j}");
    assert!(s.port_addr(5001).is_none());
    // A start inside the window is refused again.
    let (_, err, code) = ctl(&s, "start m4-proxy", User::Root);
    assert_eq!(code, 1);
    assert!(err.contains("attempted too often"), "{err}");
    assert!(err.contains("reset-failed"), "{err}");
    // reset-failed + start brings it back.
    assert_eq!(ctl(&s, "reset-failed m4-proxy", User::Root).2, 0);
    assert_eq!(ctl(&s, "start m4-proxy", User::Root).2, 0);
    assert!(s.m4_running());
    let (out, _, _) = ctl(&s, "show m4-proxy -p ActiveState,NRestarts", User::Root);
    assert_eq!(out, "ActiveState=active\nNRestarts=0\n");
    s.stop();
}

#[test]
fn a_float_argument_reaches_the_m4_as_its_bits() {
    let sk = crate::sketch::Sketch::parse("echo(x) = $1").unwrap();
    let (_d, s) = boot_restart(Duration::from_millis(200), sk);
    let out = crate::rpcwire::call(
        s.port_addr(5001).unwrap(),
        "echo",
        vec![rmpv::Value::F64(1.5)],
        Duration::from_secs(3),
    );
    assert_eq!(out, Ok(rmpv::Value::from(0x3ff8_0000_0000_0000u64)));
    assert!(s.m4_running());
    s.stop();
}

#[test]
fn a_sketch_without_rpc_never_answers() {
    let (_d, s) = boot_restart(Duration::from_millis(200), crate::sketch::Sketch::None);
    let out = crate::rpcwire::call(
        s.port_addr(5001).unwrap(),
        "nope",
        vec![],
        Duration::from_secs(3),
    );
    assert_eq!(out, Err(crate::rpcwire::CallError::Closed));
    assert!(s.m4_running(), "no rpclib, no error reply, no crash");
    s.stop();
}

#[test]
fn without_network_pulls_and_pip_fail_and_other_programs_are_not_pretended() {
    let (d, s) = boot(&[Fault::NoNetwork]);
    sensor_app(d.path(), "python:3.11-alpine");
    let build = |tag: &str| docker(&s, d.path(), APP, &["build", "-t", tag, "."], &[]);
    // No route out: the base image cannot be pulled (real-board-evidence.md §6.1).
    let (o, e, c) = build("app");
    assert_eq!(c, 1);
    assert!(o.contains("Step 1/6 : FROM python:3.11-alpine"), "{o}");
    assert!(
        e.contains("Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host"),
        "{e}"
    );
    // Pulled while the board had a network, then pip has none.
    s.faults().set(Fault::NoNetwork, false);
    assert_eq!(build("app").2, 0);
    s.faults().set(Fault::NoNetwork, true);
    let (o, e, c) = build("app2");
    assert_eq!(c, 1);
    assert!(o.contains("ERROR: Could not find a version that satisfies the requirement msgpack-rpc-python (from versions: none)"), "{o}");
    assert!(
        e.contains("The command '/bin/sh -c pip install -r python/requirements.txt' returned a non-zero code: 1"),
        "{e}"
    );
    // A program that is not Python: said, not pretended.
    s.faults().set(Fault::NoNetwork, false);
    let other = d.path().join("home/fio/other");
    fs::create_dir_all(&other).unwrap();
    fs::write(
        other.join("Dockerfile"),
        "FROM alpine\nCOPY . /srv\nCMD [\"/srv/server\"]\n",
    )
    .unwrap();
    fs::write(other.join("server"), "\x7fELF").unwrap();
    assert_eq!(
        docker(
            &s,
            d.path(),
            "/home/fio/other",
            &["build", "-t", "other", "."],
            &[]
        )
        .2,
        0
    );
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/",
        &["run", "-d", "--name", "o", "other"],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    wait_for("exit", || {
        s.docker_state()
            .container_info("o")
            .is_some_and(|i| i.status == ContainerStatus::Exited)
    });
    let i = s.docker_state().container_info("o").unwrap();
    assert_eq!(i.exit_code, 127);
    assert!(
        i.logs[0].starts_with("the virtual X8 cannot run `/srv/server`"),
        "{:?}",
        i.logs
    );
    s.stop();
}

#[test]
fn early_start_removes_unknown_containers_and_images_at_boot() {
    let (d, s) = boot(&[]);
    assert_eq!(
        ctl(&s, "is-enabled compose-apps-early-start", User::Fio),
        ("enabled\n".into(), String::new(), 0)
    );
    sensor_app(d.path(), "python:3.11-alpine");
    assert_eq!(
        docker(&s, d.path(), APP, &["build", "-t", "app", "."], &[]).2,
        0
    );
    let (_, e, c) = docker(
        &s,
        d.path(),
        APP,
        &["run", "-d", "--name", "a", "--restart", "always", "app"],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    assert_eq!(run(|o, e| s.reboot_cmd(&[], User::Root, o, e)).2, 0);
    assert!(s.docker_state().container_info("a").is_none());
    let (o, _, _) = docker(&s, d.path(), APP, &["images", "-q"], &[]);
    assert_eq!(o, "");
    let (o, _, _) =
        run(|o, e| s.journalctl(&a("-u compose-apps-early-start -o cat"), User::Root, o, e));
    assert!(o.contains("Removing container a"), "{o}");
    assert!(o.contains("Removing image app:latest"), "{o}");
    s.stop();
}

/// RUN steps other than pip run for real in the build's sandbox: what they write is in the
/// image (and so in the container), a failing one fails the build with the legacy
/// builder's message; one the sim cannot run (a package manager) is said so in the build
/// output, not pretended.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn run_steps_run_in_the_build_sandbox() {
    let (d, s) = boot(&[]);
    let app = d.path().join("home/fio/runs");
    fs::create_dir_all(&app).unwrap();
    fs::write(
        app.join("app.py"),
        "print(open('stamp.txt').read().strip(), open('gen/conf.py').read().strip(), flush=True)\nimport time\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    fs::write(
        app.join("Dockerfile"),
        "FROM python:3.11-alpine\nENV GREETING=hello\nWORKDIR /app\nCOPY app.py .\nRUN echo \"$GREETING from a RUN step\" > /app/stamp.txt && mkdir -p gen && printf 'x = 1\\n' > gen/conf.py && echo step-output\nRUN [\"python\", \"-c\", \"import sys; print('python', sys.version_info[0])\"]\nRUN apk add --no-cache gcc\nRUN test -f /app/stamp.txt && rm app.py && cp /app/gen/conf.py app.py.bak\nCOPY app.py .\nCMD [\"python\", \"-u\", \"app.py\"]\n",
    )
    .unwrap();
    let (o, e, c) = docker(
        &s,
        d.path(),
        "/home/fio/runs",
        &["build", "-t", "runs", "."],
        &[],
    );
    assert_eq!(c, 0, "{o}{e}");
    assert!(o.contains("step-output\n"), "{o}");
    assert!(o.contains("python 3\n"), "{o}");
    assert!(
        o.contains("(the virtual X8 does not run this step: `apk add --no-cache gcc` installs into the image's system"),
        "{o}"
    );
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/home/fio/runs",
        &["run", "-d", "--name", "runs", "runs"],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    wait_for("the app's line", || {
        let (o, _, _) = docker(&s, d.path(), "/", &["logs", "runs"], &[]);
        o.contains("hello from a RUN step x = 1")
    });
    // A failing step fails the build, with what it printed.
    fs::write(
        app.join("Dockerfile"),
        "FROM python:3.11-alpine\nWORKDIR /app\nRUN echo checking && test -f /app/missing\n",
    )
    .unwrap();
    let (o, e, c) = docker(
        &s,
        d.path(),
        "/home/fio/runs",
        &["build", "-t", "runs2", "."],
        &[],
    );
    assert_eq!(c, 1, "{o}{e}");
    assert!(o.contains("checking\n"), "{o}");
    assert!(
        e.contains("The command '/bin/sh -c echo checking && test -f /app/missing' returned a non-zero code: 1"),
        "{e}"
    );
    // The build's sandbox is gone afterwards.
    let left: Vec<_> = fs::read_dir(s.docker.sandbox_dir())
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !left
            .iter()
            .any(|n| n.to_string_lossy().starts_with("build-")),
        "{left:?}"
    );
}

/// An image the board already has needs no pull: a build FROM it works without network
/// (Docker uses the local image), FROM a locally built image starts from its files; a pull
/// with network gets an official base image, without network it fails even for an image the
/// board has (a pull asks the registry); `docker run` of a missing official image pulls it.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn an_image_the_board_has_needs_no_pull() {
    let (d, s) = boot(&[]);
    // With network: pulled, listed.
    let (o, e, c) = docker(&s, d.path(), "/", &["pull", "python:3.11-alpine"], &[]);
    assert_eq!(c, 0, "{o}{e}");
    assert!(
        o.contains("3.11-alpine: Pulling from library/python\n"),
        "{o}"
    );
    assert!(
        o.contains("Status: Downloaded newer image for python:3.11-alpine\n"),
        "{o}"
    );
    assert!(o.ends_with("docker.io/library/python:3.11-alpine\n"), "{o}");
    let (o, _, _) = docker(&s, d.path(), "/", &["images"], &[]);
    assert!(o.contains("python ") && o.contains("3.11-alpine"), "{o}");
    let (o, _, c) = docker(&s, d.path(), "/", &["pull", "python:3.11-alpine"], &[]);
    assert_eq!(c, 0);
    assert!(
        o.contains("Status: Image is up to date for python:3.11-alpine\n"),
        "{o}"
    );
    // A registry the sim does not have: still the lookup error.
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/",
        &["pull", "hub.foundries.io/f/app:latest"],
        &[],
    );
    assert_eq!(c, 1);
    assert!(e.contains("lookup hub.foundries.io: no such host"), "{e}");
    // Without network: builds FROM the local image, no pull.
    s.faults().set(Fault::NoNetwork, true);
    let base = d.path().join("home/fio/base");
    fs::create_dir_all(&base).unwrap();
    fs::write(base.join("lib.py"), "GREETING = 'from the base image'\n").unwrap();
    fs::write(
        base.join("Dockerfile"),
        "FROM python:3.11-alpine\nWORKDIR /app\nCOPY lib.py .\n",
    )
    .unwrap();
    let (o, e, c) = docker(
        &s,
        d.path(),
        "/home/fio/base",
        &["build", "-t", "my-base", "."],
        &[],
    );
    assert_eq!(c, 0, "{o}{e}");
    assert!(!o.contains("Pulling from"), "{o}");
    let app = d.path().join("home/fio/on-base");
    fs::create_dir_all(&app).unwrap();
    fs::write(
        app.join("main.py"),
        "import lib, time\nprint(lib.GREETING, flush=True)\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    fs::write(
        app.join("Dockerfile"),
        "FROM my-base\nCOPY main.py .\nCMD [\"python\", \"-u\", \"main.py\"]\n",
    )
    .unwrap();
    let (o, e, c) = docker(
        &s,
        d.path(),
        "/home/fio/on-base",
        &["build", "-t", "on-base", "."],
        &[],
    );
    assert_eq!(c, 0, "{o}{e}");
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/",
        &["run", "-d", "--name", "ob", "on-base"],
        &[],
    );
    assert_eq!(c, 0, "{e}");
    wait_for("the base image's file in the app", || {
        docker(&s, d.path(), "/", &["logs", "ob"], &[])
            .0
            .contains("from the base image")
    });
    // A download step fails on a board without network.
    fs::write(
        app.join("Dockerfile"),
        "FROM my-base\nRUN wget -q -O /app/x https://example.com/x\n",
    )
    .unwrap();
    let (o, e, c) = docker(&s, d.path(), "/home/fio/on-base", &["build", "."], &[]);
    assert_eq!(c, 1, "{o}{e}");
    assert!(
        o.contains("the board has no network, so `wget -q -O /app/x` cannot reach the Internet"),
        "{o}"
    );
    // A pull without network fails, even of an image the board has.
    let (_, e, c) = docker(&s, d.path(), "/", &["pull", "python:3.11-alpine"], &[]);
    assert_eq!(c, 1);
    assert!(
        e.contains("lookup registry-1.docker.io: no such host"),
        "{e}"
    );
    // `docker run` of an official image the board lacks: pulled first, with network.
    let (_, e, c) = docker(&s, d.path(), "/", &["run", "-d", "alpine:3.19"], &[]);
    assert_eq!(c, 125, "{e}");
    assert!(
        e.contains("Unable to find image 'alpine:3.19' locally"),
        "{e}"
    );
    s.faults().set(Fault::NoNetwork, false);
    let (_, e, c) = docker(&s, d.path(), "/", &["run", "-d", "alpine:3.19"], &[]);
    assert_eq!(c, 0, "{e}");
    assert!(e.contains("3.19: Pulling from library/alpine"), "{e}");
    let (o, _, _) = docker(&s, d.path(), "/", &["images"], &[]);
    assert!(o.contains("alpine "), "{o}");
    s.stop();
}

/// `docker run --health-*` set a healthcheck over the image's (`--health-cmd` a shell line
/// run in the sandbox), `--no-healthcheck` turns the image's off; `docker inspect` shows the
/// test, the status and each result's exit code and output as Docker does.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn docker_run_health_flags_and_inspect() {
    let (d, s) = boot(&[]);
    let app = d.path().join("home/fio/hc");
    fs::create_dir_all(&app).unwrap();
    fs::write(
        app.join("app.py"),
        "import time\nopen('ok', 'w').close()\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    fs::write(
        app.join("Dockerfile"),
        "FROM python:3.11-alpine\nWORKDIR /srv\nCOPY app.py .\nHEALTHCHECK --interval=1h CMD [\"python\", \"-c\", \"1\"]\nCMD [\"python\", \"-u\", \"app.py\"]\n",
    )
    .unwrap();
    assert_eq!(
        docker(
            &s,
            d.path(),
            "/home/fio/hc",
            &["build", "-t", "hc", "."],
            &[]
        )
        .2,
        0
    );
    let inspect = |name: &str| -> serde_json::Value {
        let (o, _, _) = docker(&s, d.path(), "/", &["inspect", name], &[]);
        serde_json::from_str(&o).unwrap()
    };
    let run = |args: &[&str]| {
        let mut a = vec!["run", "-d"];
        a.extend_from_slice(args);
        a.push("hc");
        let (_, e, c) = docker(&s, d.path(), "/", &a, &[]);
        assert_eq!(c, 0, "{e}");
    };
    run(&[
        "--name",
        "good",
        "--health-cmd",
        "test -f /srv/ok",
        "--health-interval",
        "200ms",
    ]);
    run(&[
        "--name",
        "bad",
        "--health-cmd",
        "echo nope; exit 3",
        "--health-interval=200ms",
        "--health-retries",
        "2",
    ]);
    run(&["--name", "off", "--no-healthcheck"]);
    wait_for("healthy and unhealthy", || {
        inspect("good")[0]["State"]["Health"]["Status"] == "healthy"
            && inspect("bad")[0]["State"]["Health"]["Status"] == "unhealthy"
    });
    let g = inspect("good");
    assert_eq!(
        g[0]["Config"]["Healthcheck"]["Test"],
        serde_json::json!(["CMD-SHELL", "test -f /srv/ok"])
    );
    assert_eq!(g[0]["Config"]["Healthcheck"]["Interval"], 200_000_000u64);
    let b = inspect("bad");
    let last = b[0]["State"]["Health"]["Log"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["ExitCode"], 3, "{b}");
    assert_eq!(last["Output"], "nope\n", "{b}");
    assert_eq!(b[0]["State"]["Health"]["FailingStreak"], 2, "{b}");
    let (o, _, _) = docker(
        &s,
        d.path(),
        "/",
        &["ps", "--format", "{{.Names}} {{.Status}}"],
        &[],
    );
    assert!(o.contains("bad Up") && o.contains("(unhealthy)"), "{o}");
    let off = inspect("off");
    assert!(off[0]["State"].get("Health").is_none(), "{off}");
    assert!(off[0]["Config"].get("Healthcheck").is_none(), "{off}");
    let (_, e, c) = docker(
        &s,
        d.path(),
        "/",
        &["run", "-d", "--health-interval", "soon", "hc"],
        &[],
    );
    assert_eq!(c, 125);
    assert!(e.contains("invalid duration"), "{e}");
    s.stop();
}
