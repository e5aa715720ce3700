//! `x8ctl deploy` against the virtual X8, with app repositories made here in the layout of
//! arduino/portenta-containers.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use virtual_x8::{Fault, Sim};
use x8ctl_core::deploy::sketch::check_elf;

/// A git repository with the portenta-containers layout, tagged arduino-95.
fn containers_repo(root: &Path) -> PathBuf {
    let repo_dir = root.join("portenta-containers");
    tutorial_sensors_app(&repo_dir.join("python-rpc-sensors"));
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

/// A virtual X8 running the test's python-rpc-sensors with `docker run`: the board, the
/// folder holding the app, the app, and its container's id.
fn sensors_running_with_docker_run() -> (Sim, tempfile::TempDir, PathBuf, String) {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let (code, _, err) = deploy(x8ctl_direct(&sim), &[app.to_str().unwrap(), "--no-compose"]);
    assert_eq!(code, 0, "{err}");
    let id = docker(&sim, "docker inspect -f '{{.Id}}' python-rpc-sensors");
    (sim, dir, app, id)
}

/// The very container python-rpc-sensors ran in before (its id) runs again, and it is the
/// app's only container: the new version's are gone.
fn assert_the_app_that_ran_is_back(sim: &Sim, id_before: &str) {
    let inspect = docker(
        sim,
        "docker inspect -f '{{.Id}} {{.State.Status}}' python-rpc-sensors",
    );
    assert_eq!(inspect.trim(), format!("{} running", id_before.trim()));
    let ps = docker(sim, "docker ps -a --format '{{.Names}}'");
    assert_eq!(ps.trim(), "python-rpc-sensors", "{ps}");
}

/// Deployed and declared ready; a folder app is no sensor app: no readings are waited for.
fn assert_deployed(v: &Value, err: &str) {
    assert_eq!(v["ok"], true, "{v} {err}");
    assert_eq!(v["deploy"]["readings"], serde_json::json!([]), "{v}");
}

/// A docker command on the board, as root: over adb fio has no docker group (REB 1.5).
fn docker(sim: &Sim, cmd: &str) -> String {
    let mut c = x8ctl_direct(sim);
    c.args(["shell", "--root", cmd]);
    run(c).1
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
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
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn folder_over_connect_one_change_one_file_and_deleted_files_go() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    std::fs::write(app.join("notes.txt"), "to be deleted\n").unwrap();
    let a = app.to_str().unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_deployed(&v, &err);
    assert_eq!(v["deploy"]["sync"]["files_sent"], 5);
    // What x8ctl did not put there: data the container wrote through a bind mount, and a
    // `.env` placed by hand. A redeploy, even with nothing changed, keeps them.
    let data = board_path(&sim, "/home/fio/python-rpc-sensors/data/readings.csv");
    std::fs::create_dir_all(data.parent().unwrap()).unwrap();
    std::fs::write(&data, "t,100\n").unwrap();
    let env = board_path(&sim, "/home/fio/python-rpc-sensors/.env");
    std::fs::write(&env, "TOKEN=mine\n").unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["sync"]["files_removed"], 0, "{v}");
    assert!(data.is_file() && env.is_file());

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
    assert_deployed(&v, &err);
    assert!(!board_path(&sim, "/home/fio/python-rpc-sensors/notes.txt").exists());
    assert!(
        data.is_file() && env.is_file(),
        "only what x8ctl put there goes"
    );
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
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
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
    assert_deployed(&v, &err);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
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
    assert_deployed(&v, &err);
    assert!(err.contains("falling back to docker run"), "{err}");
    assert!(
        v["deploy"]["compose_error"]
            .as_str()
            .unwrap_or("")
            .contains("invalid reference format"),
        "{v}"
    );
}

/// An --env value with a space reaches compose as one assignment (`K='v w' docker
/// compose`): quoted whole (`'K=v w' docker`), the shell would run a program called `K=v w`
/// and compose would never start.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn an_env_value_with_spaces_reaches_compose() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let compose = sensors_compose("hub.foundries.io/${FACTORY}/python-rpc-sensors:latest")
        + "    environment:\n      GREETING: ${GREETING}\n";
    std::fs::write(app.join("docker-compose.yml"), compose).unwrap();
    let (code, v, err) = deploy(
        x8ctl_direct(&sim),
        &[app.to_str().unwrap(), "--env", "GREETING=hello big world"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["method"], "compose", "{v} {err}");
    let container = v["deploy"]["container"].as_str().unwrap();
    let env = docker(
        &sim,
        &format!("docker inspect -f '{{{{json .Config.Env}}}}' {container}"),
    );
    assert!(env.contains("GREETING=hello big world"), "{env}");
}

#[test]
fn a_board_lost_during_compose_up_is_not_a_compose_failure() {
    for rig in Rig::both(|| sim(&[Fault::UnplugDuringComposeUp])) {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("python-rpc-sensors");
        sensors_app(&app, "python:3.11-alpine");
        let (code, v, err) = deploy(rig.x8ctl(), &[app.to_str().unwrap()]);
        assert_ne!(code, 0, "{}: {v} {err}", rig.name());
        assert_eq!(v["ok"], false, "{}: {v}", rig.name());
        // Neither called a compose failure nor followed by a `docker run` on a lost board.
        assert!(
            !err.contains("falling back to docker run"),
            "{}: {err}",
            rig.name()
        );
        let msg = v["error"]["message"].as_str().unwrap_or("");
        assert!(!msg.contains("compose"), "{}: {v}", rig.name());
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
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
            "--ready-log",
            "^Altitude:",
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
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
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
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn a_broken_base_image_is_explained_and_the_previous_app_comes_back() {
    let (sim, _dir, app, id_before) = sensors_running_with_docker_run();
    let a = app.to_str().unwrap();
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
    // The very container that ran before is back, as it ran; the failed one is gone.
    assert_the_app_that_ran_is_back(&sim, &id_before);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
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
fn a_sketch_loads_only_into_the_m4_bank_and_is_whole() {
    let code = [0x5au8; 4096];
    assert_eq!(
        check_elf(&m4_sketch_elf(
            2,
            &[(0x0810_0000, &code), (0x0810_1000, &code[..64])]
        )),
        Ok(())
    );
    // Linked for the M7's bank: OpenOCD would write over the H7 firmware.
    let m7 = check_elf(&m4_sketch_elf(2, &[(0x0800_0000, &code)])).unwrap_err();
    assert!(m7.contains("M7 firmware's flash bank"), "{m7}");
    // Elsewhere (RAM, past the bank's end).
    assert!(
        check_elf(&m4_sketch_elf(2, &[(0x2400_0000, &code)]))
            .unwrap_err()
            .contains("outside")
    );
    assert!(
        check_elf(&m4_sketch_elf(2, &[(0x081f_ff00, &code)]))
            .unwrap_err()
            .contains("outside")
    );
    // A relocatable object, a shared object.
    assert!(
        check_elf(&m4_sketch_elf(1, &[(0x0810_0000, &code)]))
            .unwrap_err()
            .contains(".o")
    );
    assert!(
        check_elf(&m4_sketch_elf(3, &[(0x0810_0000, &code)]))
            .unwrap_err()
            .contains("shared")
    );
    // Cut short: in the segment's contents, and in the program headers.
    let whole = m4_sketch_elf(2, &[(0x0810_0000, &code)]);
    for cut in [whole.len() - 1, 100, 60] {
        assert!(
            check_elf(&whole[..cut]).unwrap_err().contains("truncated"),
            "{cut}"
        );
    }
    assert!(
        check_elf(&m4_sketch_elf(2, &[]))
            .unwrap_err()
            .contains("nothing to load")
    );

    // Through the command: refused before the board is touched, nothing pushed.
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let m7_elf = dir.path().join("blink.ino.elf");
    std::fs::write(&m7_elf, m4_sketch_elf(2, &[(0x0800_0000, &code)])).unwrap();
    let mut c = x8ctl_direct(&sim);
    c.args(["upload-sketch", m7_elf.to_str().unwrap()]);
    let (exit, _, err) = run(c);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("M7 firmware's flash bank"), "{err}");
    assert!(!board_path(&sim, "/tmp/arduino/m4-user-sketch.elf").exists());
}

#[test]
fn upload_sketch_is_programmed_by_the_path_unit() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("rpc-sensors.ino.elf");
    // A sketch linked as arm-none-eabi-ld links one for the X8's M4.
    let data = m4_sketch_elf(2, &[(0x0810_0000, &pattern(20_000, 7))]);
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
    // An ELF for the workstation (a Linux x86-64 program's header) is not a sketch either.
    let pc = dir.path().join("program");
    let mut header = vec![0u8; 64];
    header[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    header[16..20].copy_from_slice(&[2, 0, 62, 0]); // ET_EXEC, EM_X86_64
    std::fs::write(&pc, header).unwrap();
    let mut c = x8ctl_direct(&sim);
    c.args(["upload-sketch", pc.to_str().unwrap()]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is an ELF for x86-64, not for the M4 (32-bit ARM)"),
        "{err}"
    );
    assert!(err.contains("arduino-cli compile"), "{err}");
    // Checked before any board is looked for: no board needed to be told.
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"));
    c.args(["--connect", &format!("127.0.0.1:{}", free_port())])
        .args(["upload-sketch", txt.to_str().unwrap()]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("pushing"), "{err}");
}

/// An app's containers are its own, exactly: another app whose name is a prefix of it
/// (or that it is a prefix of) is never touched, and no app shadows a Docker Hub image.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn apps_are_matched_exactly_and_never_shadow_base_images() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sensors = dir.path().join("python-rpc-sensors");
    sensors_app(&sensors, "python:3.11-alpine");
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[sensors.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let sensors_container = v["deploy"]["container"].as_str().unwrap().to_string();
    let id = docker(
        &sim,
        &format!("docker inspect -f '{{{{.Id}}}}' {sensors_container}"),
    );

    // `stop python-rpc` is about an app called python-rpc, which has no container.
    let mut c = x8ctl_direct(&sim);
    c.args(["stop", "python-rpc"]);
    let (code, _, err) = run(c);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("no container of python-rpc"), "{err}");

    // An app in a folder called `python` deploys as x8ctl/python, not python:latest.
    let py = dir.path().join("python");
    sensors_app(&py, "python:3.11-alpine");
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[py.to_str().unwrap(), "--no-compose"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["container"], "python");
    let images = docker(&sim, "docker images --format '{{.Repository}}:{{.Tag}}'");
    assert!(images.contains("x8ctl/python:latest"), "{images}");
    assert!(!images.lines().any(|l| l == "python:latest"), "{images}");

    // python-rpc-sensors still runs, the very same container.
    let after = docker(
        &sim,
        &format!("docker inspect -f '{{{{.Id}}}} {{{{.State.Status}}}}' {sensors_container}"),
    );
    assert_eq!(after.trim(), format!("{} running", id.trim()));
}

/// A redeploy that fails brings back the compose app as it ran (its container, with its
/// compose labels), and a changed --env is a change.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn a_failed_compose_redeploy_restores_the_compose_container_and_env_changes_count() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let a = app.to_str().unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["method"], "compose", "{v}");
    // The same files and options: unchanged. Another --env: a new deploy.
    let (_, v, _) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(v["deploy"]["method"], "unchanged", "{v}");
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a, "--no-compose", "--env", "A=1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["method"], "docker-run", "{v}");
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["method"], "compose", "{v}");
    let container = v["deploy"]["container"].as_str().unwrap().to_string();
    let before = docker(
        &sim,
        &format!(
            "docker inspect -f '{{{{.Id}}}} {{{{index .Config.Labels \"com.docker.compose.project\"}}}}' {container}"
        ),
    )
    .trim()
    .to_string();
    assert!(before.ends_with(" python-rpc-sensors"), "{before}");

    sensors_app(&app, "python:3-alpine");
    let (code, _, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("starting the previous version again"), "{err}");
    let after = docker(
        &sim,
        &format!(
            "docker inspect -f '{{{{.Id}}}} {{{{index .Config.Labels \"com.docker.compose.project\"}}}} {{{{.State.Status}}}}' {container}"
        ),
    );
    assert_eq!(after.trim(), format!("{before} running"));

    // --env with a compose file fills its ${VAR}s; one it does not use is said to reach
    // no container.
    sensors_app(&app, "python:3.11-alpine");
    let (code, _, err) = deploy(x8ctl_direct(&sim), &[a, "--env", "NOPE=1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("--env NOPE: the compose file does not use ${NOPE}"),
        "{err}"
    );
}

/// Ctrl-C while the new version starts: exit 130, and the app that ran before runs again.
#[cfg(unix)]
#[test]
fn ctrl_c_during_deploy_brings_the_previous_app_back() {
    use std::io::{BufRead, BufReader};
    let (sim, _dir, app, id_before) = sensors_running_with_docker_run();
    let a = app.to_str().unwrap();
    // The new version never prints its readings: deploy waits for them.
    std::fs::write(
        app.join("python/main.py"),
        "import time\nprint('starting')\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    let mut c = x8ctl_direct(&sim);
    c.args(["deploy", a, "--no-compose", "--wait", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no 'waiting for' line: {seen:?}"));
        let waiting = line.contains("waiting for");
        seen.push(line);
        if waiting {
            break;
        }
    }
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let rest: Vec<String> = rx.try_iter().collect();
    assert_eq!(status.code(), Some(130), "{seen:?} {rest:?}");
    assert_the_app_that_ran_is_back(&sim, &id_before);
}

/// What upload-sketch's check prevents, on the virtual board's OpenOCD: an ELF linked at
/// 0x08000000 that reaches the path unit by other means (a plain push) is written over the
/// M7 firmware, and the H7 stops answering; one with contents in RAM fails its verify.
#[test]
fn the_virtual_openocd_writes_an_elf_where_it_says() {
    let sim = sim(&[]);
    assert!(sim.board().services().h7_version().is_ok());
    let dir = tempfile::tempdir().unwrap();
    let push_sketch = |elf: Vec<u8>| {
        let f = dir.path().join("s.elf");
        std::fs::write(&f, elf).unwrap();
        let mut c = x8ctl_direct(&sim);
        c.args([
            "push",
            f.to_str().unwrap(),
            "/tmp/arduino/m4-user-sketch.elf",
        ]);
        let (code, _, err) = run(c);
        assert_eq!(code, 0, "{err}");
    };
    let journal = || {
        let mut c = x8ctl_direct(&sim);
        c.args([
            "shell",
            "--root",
            "journalctl -u monitor-m4-elf-file --no-pager -o cat",
        ]);
        run(c).1
    };
    let wait_for = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let j = journal();
            if j.matches(what).count() > 0 {
                return j;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: {j}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    push_sketch(m4_sketch_elf(
        2,
        &[(0x2000_0000, &[1u8; 64]), (0x0810_0000, &[2u8; 64])],
    ));
    let j = wait_for("** Verify Failed **");
    assert!(
        j.contains("Warn : no flash bank found for address 0x20000000"),
        "{j}"
    );
    push_sketch(m4_sketch_elf(2, &[(0x0800_0000, &pattern(4096, 3))]));
    wait_for("** Verified OK **");
    assert!(
        sim.board().services().h7_version().is_err(),
        "the M7 firmware was overwritten"
    );
}

/// `monitor-m4-elf-file.path` fires on the first write (real-board-evidence.md §4.1): a
/// sketch pushed straight to /tmp/arduino/m4-user-sketch.elf is programmed half-written
/// (the virtual path unit programs what the file holds at its first 64 KiB chunk);
/// upload-sketch pushes to another name and renames, so OpenOCD only ever sees the whole ELF.
/// Through the adb server and direct.
#[test]
fn upload_sketch_never_exposes_a_half_written_elf() {
    let dir = tempfile::tempdir().unwrap();
    let code = pattern(300_000, 11);
    let data = m4_sketch_elf(2, &[(0x0810_0000, &code)]);
    let elf = dir.path().join("big.ino.elf");
    std::fs::write(&elf, &data).unwrap();
    for rig in Rig::both(|| sim(&[])) {
        let journal = || {
            let mut c = rig.x8ctl();
            c.args([
                "shell",
                "--root",
                "journalctl -u monitor-m4-elf-file.service --no-pager -o cat",
            ]);
            run(c).1
        };
        // Straight to the name, as a plain `adb push` or a `cat >` does: OpenOCD starts on a
        // part of it. (x8ctl's own push sends beside the target and renames, so it is
        // written here with the board's `cat`.)
        let mut c = rig.x8ctl();
        c.args(["shell", "mkdir -p /tmp/arduino"]);
        assert_eq!(run(c).0, 0);
        let mut c = rig.x8ctl();
        c.args(["shell", "cat > /tmp/arduino/m4-user-sketch.elf"])
            .stdin(std::fs::File::open(&elf).unwrap());
        let (st, _, err) = run(c);
        assert_eq!(st, 0, "{err}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !journal().contains("Failed to start Program the M4") {
            assert!(Instant::now() < deadline, "{}: {}", rig.name(), journal());
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            journal().contains("** Programming Failed **"),
            "{}",
            journal()
        );
        // upload-sketch: the whole ELF, verified, in the M4's bank.
        let mut c = rig.x8ctl();
        c.args(["--json", "upload-sketch", elf.to_str().unwrap()]);
        let (st, out, err) = run(c);
        assert_eq!(st, 0, "{}: {err}", rig.name());
        let v = json_of(&out);
        assert!(
            v["sketch"]["openocd"]
                .to_string()
                .contains("** Verified OK **"),
            "{v}"
        );
        let flash = rig.sim.board().services().h7_flash();
        assert_eq!(&flash[0x10_0000..0x10_0000 + code.len()], &code[..]);
        // No temporary file is left beside it.
        let left: Vec<_> = std::fs::read_dir(board_path(&rig.sim, "/tmp/arduino"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "m4-user-sketch.elf")
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// An app of one's own: a Python program that prints what it likes.
fn own_app(dir: &Path, main: &str) -> PathBuf {
    let app = dir.join("my-app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        "FROM python:3.11-alpine\nWORKDIR /srv\nCOPY app.py .\nENV GREETING=hello\nCMD [\"python\", \"-u\", \"app.py\"]\n",
    )
    .unwrap();
    std::fs::write(app.join("app.py"), main).unwrap();
    app
}

const QUIET_APP: &str = "import os, time\nprint(os.environ['GREETING'], 'from my app')\nwhile True:\n    time.sleep(1)\n";

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn an_app_of_ones_own_that_prints_nothing_in_particular_is_ready_and_a_crash_loop_is_rolled_back() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = own_app(dir.path(), QUIET_APP);
    let a = app.to_str().unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_deployed(&v, &err);
    let logs = docker(&sim, "docker logs my-app");
    assert_eq!(logs.trim(), "hello from my app");
    // A version that crashes a moment after it starts: it restarts, so it is rolled back.
    std::fs::write(
        app.join("app.py"),
        "import time\nprint('starting')\ntime.sleep(0.3)\nraise SystemExit('cannot open the config')\n",
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_ne!(code, 0, "{v} {err}");
    let msg = v["error"]["message"].as_str().unwrap_or("");
    assert!(msg.contains("my-app did not come up"), "{v}");
    assert!(msg.contains("cannot open the config"), "{v}");
    // The version that ran before runs again.
    let ps = docker(&sim, "docker ps --format '{{.Names}} {{.Status}}'");
    assert!(ps.contains("my-app Up"), "{ps}");
    let logs = docker(&sim, "docker logs my-app");
    assert!(logs.contains("hello from my app"), "{logs}");
    // --ready-log names the line that says ready.
    std::fs::write(
        app.join("app.py"),
        QUIET_APP.replace("from my app", "ready to serve"),
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a, "--ready-log", "ready to serve$"]);
    assert_eq!(code, 0, "{v} {err}");
    assert_deployed(&v, &err);
}

#[test]
fn a_board_without_network_fails_fast_and_says_what_to_do() {
    let sim = sim(&[Fault::NoNetwork]);
    let dir = tempfile::tempdir().unwrap();
    let app = own_app(dir.path(), QUIET_APP);
    let t = std::time::Instant::now();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[app.to_str().unwrap()]);
    assert_ne!(code, 0, "{v} {err}");
    assert!(t.elapsed() < std::time::Duration::from_secs(20));
    let msg = v["error"]["message"].as_str().unwrap_or("");
    assert!(msg.starts_with("the board has no Internet"), "{v}");
    assert!(msg.contains("lookup registry-1.docker.io"), "{v}");
    let hint = v["error"]["hint"].as_str().unwrap_or("");
    assert!(hint.contains("Wi-Fi") && hint.contains("Ethernet"), "{v}");
    assert!(hint.contains("docker save"), "{v}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn a_deployed_app_is_running_after_a_reboot_once_early_start_is_disabled_with_consent() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = own_app(dir.path(), QUIET_APP);
    let a = app.to_str().unwrap();
    // Without consent: deployed, and told that early-start removes it at the next boot.
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["early_start"], "enabled", "{v}");
    assert!(
        err.contains("compose-apps-early-start is enabled: at the next boot it removes my-app's container and image"),
        "{err}"
    );
    assert!(err.contains("--yes"), "{err}");
    // doctor warns about it.
    let mut c = x8ctl_direct(&sim);
    c.args(["--json", "doctor"]);
    let (_, out, _) = run(c);
    assert!(
        out.contains("compose-apps-early-start is enabled: at the next boot it removes my-app"),
        "{out}"
    );
    // With consent: x8ctl disables both units (as root).
    let mut c = x8ctl_direct(&sim);
    c.arg("--yes");
    let (code, v, err) = deploy(c, &[a]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["deploy"]["early_start"], "disabled-now", "{v}");
    assert!(
        docker(
            &sim,
            "systemctl is-enabled compose-apps-early-start-recovery"
        )
        .contains("disabled")
    );
    // A reboot: the connection drops, the board comes back, and so does the app.
    let mut c = x8ctl_direct(&sim);
    c.args(["shell", "echo fio | sudo -S reboot"]);
    let _ = run(c);
    // The reboot happened (the board says so; the reboot command returns before it does),
    // then the app is up again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let j = docker(
            &sim,
            "journalctl --no-pager -o cat | grep -c 'Reached target System Reboot' || true",
        );
        if j.trim() != "0" && !j.trim().is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no reboot: {j}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    loop {
        let ps = docker(&sim, "docker ps --format '{{.Names}} {{.Status}}'");
        if ps.contains("my-app Up") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not back: {ps}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn a_healthcheck_is_honoured_healthy_deploys_unhealthy_is_rolled_back() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("checked");
    std::fs::create_dir_all(&app).unwrap();
    // Ready once it has written `ready` in its working directory, after 4 s: longer than
    // the settling time, so only the healthcheck makes deploy wait for it.
    let dockerfile = |test: &str, retries: u32| {
        format!(
            "FROM python:3.11-alpine\nWORKDIR /srv\nCOPY app.py .\nHEALTHCHECK --interval=1s --retries={retries} CMD {test}\nCMD [\"python\", \"-u\", \"app.py\"]\n"
        )
    };
    std::fs::write(
        app.join("app.py"),
        "import time\ntime.sleep(4)\nopen('ready', 'w').close()\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        dockerfile(
            "[\"python\", \"-c\", \"import os, sys; sys.exit(0 if os.path.exists('ready') else 1)\"]",
            10,
        ),
    )
    .unwrap();
    let a = app.to_str().unwrap();
    let t = std::time::Instant::now();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{v} {err}");
    assert!(t.elapsed() >= std::time::Duration::from_secs(4), "{err}");
    let ps = docker(&sim, "docker ps --format '{{.Status}}'");
    assert!(ps.contains("(healthy)"), "{ps}");
    // A check that never passes: unhealthy, rolled back to the healthy version.
    std::fs::write(
        app.join("Dockerfile"),
        dockerfile("[\"python\", \"-c\", \"import sys; sys.exit(1)\"]", 2),
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_ne!(code, 0, "{v} {err}");
    let msg = v["error"]["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("its healthcheck (`python -c import sys; sys.exit(1)`) says unhealthy"),
        "{v}"
    );
    let ps = docker(&sim, "docker ps --format '{{.Names}} {{.Status}}'");
    // The previous version runs again (its health starts over: the container restarted).
    assert!(ps.contains("checked Up"), "{ps}");
}

/// `deploy --follow` follows the app's logs after the deploy; the deploy armed the interrupt
/// (Ctrl-C only sets a token), and the follow must still end at Ctrl-C: exit 130 at once.
#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn ctrl_c_ends_deploy_follow() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let mut c = x8ctl_direct(&sim);
    c.args(["deploy", app.to_str().unwrap(), "--no-compose", "--follow"]);
    let mut run = Running::spawn(c);
    assert!(
        run.wait_for(Duration::from_secs(60), |l| l.contains("waiting for")),
        "{}",
        run.stderr
    );
    // The deploy ends (a folder app waits for no readings), then the follow starts.
    std::thread::sleep(Duration::from_secs(3));
    run.signal("INT");
    let end = run.finish(Duration::from_secs(20));
    assert!(
        end.stdout.contains("is running as container"),
        "the signal came before the deploy ended: {end:?}"
    );
    assert_eq!(end.code, Some(130), "{end:?}");
    assert!(end.after_signal < Duration::from_secs(3), "{end:?}");
}

/// A compose `healthcheck:` (compose-spec 05-services.md, "healthcheck") on an image without
/// a HEALTHCHECK: deploy waits for it to say healthy; one that keeps failing is rolled back,
/// and the message names the check and what it last said.
#[test]
#[cfg_attr(
    windows,
    ignore = "needs the virtual X8's container programs (Python apps), which run on Unix only"
)]
fn a_compose_healthcheck_is_honoured_healthy_deploys_unhealthy_is_rolled_back() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("checked");
    std::fs::create_dir_all(&app).unwrap();
    // Ready once it has written `ready` in its working directory (/srv), after 4 s: longer
    // than the settling time, so only the healthcheck makes deploy wait that long.
    std::fs::write(
        app.join("app.py"),
        "import time\ntime.sleep(4)\nopen('ready', 'w').close()\nprint('ready', flush=True)\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        "FROM python:3.11-alpine\nWORKDIR /srv\nCOPY app.py .\nCMD [\"python\", \"-u\", \"app.py\"]\n",
    )
    .unwrap();
    let compose = |health: &str| {
        format!(
            "services:\n  checked:\n    image: hub.foundries.io/${{FACTORY}}/checked:latest\n    restart: unless-stopped\n    healthcheck:\n{health}"
        )
    };
    std::fs::write(
        app.join("docker-compose.yml"),
        compose("      test: test -f /srv/ready\n      interval: 1s\n      retries: 10\n"),
    )
    .unwrap();
    let a = app.to_str().unwrap();
    let t = std::time::Instant::now();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{v} {err}");
    assert_eq!(v["deploy"]["method"], "compose", "{v}");
    assert!(t.elapsed() >= std::time::Duration::from_secs(4), "{err}");
    let ps = docker(&sim, "docker ps --format '{{.Names}} {{.Status}}'");
    assert!(ps.contains("(healthy)"), "{ps}");
    let name = ps.split_whitespace().next().unwrap_or("").to_string();
    let inspect = docker(&sim, &format!("docker inspect {name}"));
    let j: Value = serde_json::from_str(inspect.trim()).unwrap_or(Value::Null);
    assert_eq!(
        j[0]["Config"]["Healthcheck"]["Test"],
        serde_json::json!(["CMD-SHELL", "test -f /srv/ready"]),
        "{inspect}"
    );
    assert_eq!(j[0]["State"]["Health"]["Status"], "healthy", "{inspect}");
    assert_eq!(
        j[0]["State"]["Health"]["Log"]
            .as_array()
            .and_then(|l| l.last())
            .map(|e| e["ExitCode"].clone()),
        Some(serde_json::json!(0)),
        "{inspect}"
    );
    // A check that never passes (list form, CMD): unhealthy, rolled back.
    std::fs::write(
        app.join("docker-compose.yml"),
        compose(
            "      test: [\"CMD\", \"python\", \"-c\", \"print('not ready yet'); raise SystemExit(1)\"]\n      interval: 1s\n      retries: 2\n",
        ),
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_ne!(code, 0, "{v} {err}");
    let msg = v["error"]["message"].as_str().unwrap_or("");
    assert!(
        msg.contains(
            "its healthcheck (`python -c print('not ready yet'); raise SystemExit(1)`) says unhealthy"
        ),
        "{v}"
    );
    assert!(msg.contains("its last check said: not ready yet"), "{v}");
    let ps = docker(&sim, "docker ps --format '{{.Names}} {{.Status}}'");
    assert!(ps.contains(&format!("{name} Up")), "{ps}");
    // `disable: true` turns a check off: the app deploys on the settling time alone.
    std::fs::write(
        app.join("docker-compose.yml"),
        compose("      disable: true\n"),
    )
    .unwrap();
    let (code, v, err) = deploy(x8ctl_direct(&sim), &[a]);
    assert_eq!(code, 0, "{v} {err}");
    let inspect = docker(&sim, &format!("docker inspect {name}"));
    assert!(!inspect.contains("\"Health\""), "{inspect}");
}
