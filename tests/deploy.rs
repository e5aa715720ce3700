//! `x8ctl deploy` against the virtual X8, with app repositories made here in the layout of
//! arduino/portenta-containers.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;
use virtual_x8::{Fault, Sim};

/// A git repository with the portenta-containers layout, tagged arduino-95.
fn containers_repo(root: &Path) -> PathBuf {
    let repo_dir = root.join("portenta-containers");
    sensors_app(&repo_dir.join("python-rpc-sensors"), "python:3.11-alpine");
    std::fs::create_dir_all(repo_dir.join("other")).unwrap();
    std::fs::write(repo_dir.join("other/README.md"), "another app\n").unwrap();
    let repo = git2::Repository::init(&repo_dir).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("test", "test@example.com").unwrap();
    let oid = repo
        .commit(Some("HEAD"), &sig, &sig, "apps", &tree, &[])
        .unwrap();
    let obj = repo.find_object(oid, None).unwrap();
    repo.tag_lightweight("arduino-95", &obj, false).unwrap();
    repo_dir
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn deploy(mut c: Command, args: &[&str]) -> (i32, Value, String) {
    c.arg("--json").arg("deploy").args(args);
    let (code, out, err) = run(c);
    let v = if out.trim().is_empty() {
        Value::Null
    } else {
        json_of(&out)
    };
    (code, v, err)
}

fn assert_running_with_readings(v: &Value, err: &str) {
    assert_eq!(v["ok"], true, "{v} {err}");
    let r: Vec<&str> = v["deploy"]["readings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        r,
        vec![
            "Temperature:  100",
            "Humidity:  200",
            "Pressure:  300",
            "Gas:  400",
            "Altitude:  500"
        ],
        "{err}"
    );
}

/// A docker command on the board, as root: over adb fio has no docker group (REB 1.5).
fn docker(sim: &Sim, cmd: &str) -> String {
    let mut c = x8ctl_direct(sim);
    c.args(["shell", "--root", cmd]);
    run(c).1
}

#[test]
fn catalog_app_through_the_adb_server_incremental_and_offline() {
    let sim = sim(&[]);
    let adb = AdbServer::start();
    let serial = adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let repo = containers_repo(dir.path());
    let cache = dir.path().join("cache");
    let x = || {
        let mut c = adb.x8ctl();
        c.env("X8CTL_CATALOG_REPO", &repo)
            .env("X8CTL_CACHE_DIR", &cache)
            .args(["-s", &serial]);
        c
    };
    let (code, v, err) = deploy(x(), &["python-rpc-sensors"]);
    assert_eq!(code, 0, "{err}");
    assert_running_with_readings(&v, &err);
    assert_eq!(v["deploy"]["method"], "compose", "{v}");
    assert_eq!(v["deploy"]["built"], true);
    assert_eq!(v["deploy"]["sync"]["files_sent"], 4);
    assert_eq!(
        v["deploy"]["container"],
        "python-rpc-sensors-python-rpc-sensors-1"
    );
    let mut ps = adb.x8ctl();
    ps.args(["-s", &serial, "shell", "--root", "docker ps"]);
    assert!(run(ps).1.contains("python-rpc-sensors"));

    // Nothing changed: nothing sent, nothing built.
    let (code, v, err) = deploy(x(), &["python-rpc-sensors"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["sync"]["bytes_sent"], 0, "{v}");
    assert_eq!(v["deploy"]["built"], false);
    assert_eq!(v["deploy"]["method"], "unchanged");
    assert_running_with_readings(&v, &err);

    // The repository is gone (offline): the cached copy is used.
    std::fs::remove_dir_all(&repo).unwrap();
    let (code, v, err) = deploy(x(), &["python-rpc-sensors"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("using the copy fetched earlier"), "{err}");
    assert_eq!(v["deploy"]["sync"]["bytes_sent"], 0);
}

#[test]
fn folder_over_connect_one_change_one_file_and_deleted_files_go() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    std::fs::write(app.join("notes.txt"), "to be deleted\n").unwrap();
    let a = app.to_str().unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_running_with_readings(&v, &err);
    assert_eq!(v["deploy"]["sync"]["files_sent"], 5);

    std::fs::remove_file(app.join("notes.txt")).unwrap();
    std::fs::write(
        app.join("python/main.py"),
        SENSORS_MAIN_PY.replace("publish_interval = 5", "publish_interval = 4"),
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["sync"]["files_sent"], 1, "{v}");
    assert_eq!(v["deploy"]["sync"]["files_removed"], 1, "{v}");
    assert_eq!(v["deploy"]["built"], true);
    assert_running_with_readings(&v, &err);
    assert!(!board_path(&sim, "/home/fio/python-rpc-sensors/notes.txt").exists());
    let main = std::fs::read_to_string(board_path(
        &sim,
        "/home/fio/python-rpc-sensors/python/main.py",
    ))
    .unwrap();
    assert!(main.contains("publish_interval = 4"));
    // Only one container of the app.
    let ps = docker(&sim, "docker ps -a --format '{{.Names}}'");
    assert_eq!(
        ps.lines()
            .filter(|l| l.contains("python-rpc-sensors"))
            .count(),
        1,
        "{ps}"
    );
}

#[test]
fn missing_compose_falls_back_to_docker_run() {
    let sim = sim(&[Fault::NoDockerCompose]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    // A helper script as a Windows checkout with core.autocrlf leaves it.
    std::fs::write(app.join("healthcheck.sh"), "#!/bin/sh\r\npidof python\r\n").unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[app.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: healthcheck.sh has Windows (CRLF) line endings"),
        "{err}"
    );
    assert_eq!(v["deploy"]["method"], "docker-run", "{v}");
    assert_eq!(v["deploy"]["container"], "python-rpc-sensors");
    assert!(
        v["deploy"]["compose_error"]
            .as_str()
            .unwrap_or("")
            .contains("'compose' is not a docker command"),
        "{v}"
    );
    assert_running_with_readings(&v, &err);
}

#[test]
fn a_compose_image_with_an_unset_variable_falls_back_to_docker_run() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    // x8ctl sets FACTORY; a variable it does not know stays unset and leaves the same
    // empty path component (`//`) that the unset FACTORY gives the tutorial's user.
    std::fs::write(
        app.join("docker-compose.yml"),
        sensors_compose("hub.foundries.io/${FACTORY}/${SUBDIR}/python-rpc-sensors:latest"),
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[app.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["method"], "docker-run", "{v}");
    assert_running_with_readings(&v, &err);
    assert!(err.contains("falling back to docker run"), "{err}");
    assert!(
        v["deploy"]["compose_error"]
            .as_str()
            .unwrap_or("")
            .contains("invalid reference format"),
        "{v}"
    );
}

#[test]
fn a_silent_m4_gives_the_doctor_hint() {
    let sim = sim(&[Fault::M4Silent]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let (code, v, err) = deploy(
        x8ctl_direct(&sim),
        &[
            app.to_str().unwrap(),
            "--no-compose",
            "-e",
            "X8SIM_PUBLISH_INTERVAL_MS=200",
        ],
    );
    assert_eq!(code, 5, "{v} {err}");
    assert_eq!(v["ok"], false);
    assert!(
        err.contains("Unable to retrieve data from the M4."),
        "{err}"
    );
    assert!(err.contains("the M4 did not answer"), "{err}");
    assert!(err.contains("x8ctl doctor"), "{err}");
}

#[test]
fn a_failing_build_leaves_the_previous_app_running() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let a = app.to_str().unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    let before = v["deploy"]["container"].as_str().unwrap().to_string();
    let df = std::fs::read_to_string(app.join("Dockerfile")).unwrap();
    std::fs::write(app.join("Dockerfile"), format!("{df}RUN false\n")).unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 1, "{v} {err}");
    assert!(
        err.contains("docker build of python-rpc-sensors failed"),
        "{err}"
    );
    assert!(err.contains("still running"), "{err}");
    let ps = docker(&sim, "docker ps --format '{{.Names}} {{.Status}}'");
    assert!(ps.contains(&before) && ps.contains("Up"), "{ps}");
    // Fixed again: it builds and runs.
    std::fs::write(app.join("Dockerfile"), df).unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["built"], true);
}

#[test]
fn a_broken_base_image_is_explained_and_the_previous_app_comes_back() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let a = app.to_str().unwrap();
    let (code, _, err) = deploy(x8ctl_direct(&sim), &[a, "--no-compose"]);
    assert_eq!(code, 0, "{err}");
    sensors_app(&app, "python:3-alpine");
    let (code, _, err) = deploy(x8ctl_direct(&sim), &[a, "--no-compose"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("No module named 'backports'"), "{err}");
    assert!(err.contains("python:3.11-alpine"), "{err}");
    assert!(err.contains("starting the previous version again"), "{err}");
    let mut logs = x8ctl_direct(&sim);
    logs.args(["logs", "python-rpc-sensors", "-n", "20"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (_, out, _) = run({
            let mut c = x8ctl_direct(&sim);
            c.args(["logs", "python-rpc-sensors", "-n", "20"]);
            c
        });
        if out.contains("Altitude:  500") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{out}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let inspect = docker(
        &sim,
        "docker inspect -f '{{.Config.Image}} {{.State.Status}}' python-rpc-sensors",
    );
    assert!(inspect.contains("x8ctl-previous running"), "{inspect}");
}

#[test]
fn prebuilt_without_internet_says_so_and_logs_and_stop_work() {
    let sim = sim(&[]);
    let mut c = x8ctl_direct(&sim);
    c.args(["deploy", "python-rpc-sensors", "--prebuilt"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("could not get the image arduino/python-rpc-sensors"),
        "{err}"
    );
    assert!(err.contains("Internet"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let (code, _, err) = deploy(x8ctl_direct(&sim), &[app.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut c = x8ctl_direct(&sim);
    c.args(["logs", "m4-proxy", "-n", "5"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("M4 Proxy") || out.contains("m4"), "{out}");
    let mut c = x8ctl_direct(&sim);
    c.args(["--json", "stop", "python-rpc-sensors"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_of(&out)["schema_version"], 1);
    let ps = docker(&sim, "docker ps --format '{{.Names}}'");
    assert!(!ps.contains("python-rpc-sensors"), "{ps}");
    let mut c = x8ctl_direct(&sim);
    c.args(["--json", "apps"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert_eq!(json_of(&out)["apps"].as_array().unwrap().len(), 4);
}

#[test]
fn upload_sketch_is_programmed_by_the_path_unit() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("rpc-sensors.ino.elf");
    // An ELF header as arm-none-eabi-gcc writes it for the M4: 32-bit, little-endian, ARM.
    let mut data = b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x28\0".to_vec();
    data.extend(pattern(20_000, 7));
    std::fs::write(&elf, &data).unwrap();
    let mut c = x8ctl_direct(&sim);
    c.args(["--json", "upload-sketch", elf.to_str().unwrap()]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["sketch"]["bytes"], data.len() as u64);
    let lines = v["sketch"]["openocd"].to_string();
    assert!(lines.contains("** Verified OK **"), "{lines}");
    assert_eq!(
        std::fs::read(board_path(&sim, "/tmp/arduino/m4-user-sketch.elf")).unwrap(),
        data
    );
    // Not an ELF: refused before anything is sent.
    let txt = dir.path().join("sketch.ino");
    std::fs::write(&txt, "void setup() {}\n").unwrap();
    let mut c = x8ctl_direct(&sim);
    c.args(["upload-sketch", txt.to_str().unwrap()]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not an ELF file"), "{err}");
    // An ELF for the workstation (this test's own binary) is not a sketch either.
    let mut c = x8ctl_direct(&sim);
    c.args(["upload-sketch", env!("CARGO_BIN_EXE_x8ctl")]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not for the M4 (32-bit ARM)"), "{err}");
    assert!(err.contains("arduino-cli compile"), "{err}");
    // Checked before any board is looked for: no board needed to be told.
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"));
    c.args(["--connect", &format!("127.0.0.1:{}", free_port())])
        .args(["upload-sketch", txt.to_str().unwrap()]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("pushing"), "{err}");
}
