//! `x8ctl flash-fw` against the virtual X8, with firmware images the tests make: a flash
//! changes the H7's version and passes the RPC check with /usr read-only afterwards (through
//! Debian's adb server and through --connect); each fault ends on the previous firmware or
//! the new verified one, /usr read-only, a non-zero exit and a message that says which; bad
//! images are refused with the board untouched.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::*;
use virtual_x8::fwimage::make_image;
use virtual_x8::{Fault, Sim};
use x8ctl_core::board::connect::{ConnectOptions, Session};
use x8ctl_core::board::select::Choice;
use x8ctl_core::firmware::image;
use x8ctl_core::flash::{self, BoardState, FailKind, FlashEvent, FlashImage, FlashOptions, Step};

const INSTALLED: &str = "/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin";

/// What the tests look at on the board.
#[derive(Debug, PartialEq, Eq)]
struct State {
    h7: Result<String, String>,
    sysfs: String,
    installed: Vec<u8>,
    usr_rw: bool,
}

fn state(sim: &Sim) -> State {
    State {
        h7: sim
            .board()
            .services()
            .h7_version()
            .map_err(|e| format!("{e:?}")),
        sysfs: std::fs::read_to_string(board_path(sim, "/sys/kernel/x8h7_firmware/version"))
            .unwrap_or_default(),
        installed: std::fs::read(board_path(sim, INSTALLED)).unwrap_or_default(),
        usr_rw: sim.board().vfs().usr_writable(),
    }
}

fn image_file(dir: &Path, version: &str) -> PathBuf {
    let p = dir.join(format!("fw-{version}.bin"));
    std::fs::write(&p, make_image(version)).unwrap();
    p
}

fn json(out: &str, err: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(out.trim())
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {out:?}\nstderr: {err}"));
    assert_eq!(doc["schema_version"], 1);
    doc
}

fn assert_previous(sim: &Sim, before: &State, what: &str) {
    let now = state(sim);
    assert_eq!(now.h7, Ok("0.0.5".to_string()), "{what}");
    assert_eq!(now.sysfs, "0.0.5", "{what}");
    assert!(
        now.installed == before.installed,
        "{what}: installed image changed"
    );
    assert!(!now.usr_rw, "{what}: /usr left writable");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn a_flash_through_the_adb_server_and_direct_changes_the_h7_and_passes_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    for path in ["adb-server", "direct"] {
        let sim = sim(&[]);
        let adb = (path == "adb-server").then(|| {
            let a = AdbServer::start();
            a.connect(&sim);
            a
        });
        let cmd = || match &adb {
            Some(a) => a.x8ctl(),
            None => x8ctl_direct(&sim),
        };
        let before = state(&sim);
        let mut c = cmd();
        c.args(["flash-fw", "--yes", "--json", "--rpc-method", "temperature"])
            .arg(&img);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{path}: {err}");
        let doc = json(&out, &err);
        assert_eq!(doc["ok"], true, "{path}");
        assert_eq!(doc["state"]["state"], "new");
        assert_eq!(doc["report"]["running_before"], "0.0.5");
        assert_eq!(doc["report"]["running_after"], "0.0.6-test");
        assert!(
            doc["report"]["rpc"]
                .as_str()
                .unwrap_or("")
                .contains("answered"),
            "{doc}"
        );
        let now = state(&sim);
        assert_eq!(now.h7, Ok("0.0.6-test".to_string()), "{path}");
        assert_eq!(now.sysfs, "0.0.6-test");
        assert_eq!(now.installed, make_image("0.0.6-test"));
        assert!(!now.usr_rw, "{path}: /usr must be read-only afterwards");
        // The previous image is kept on the board.
        let backup = std::fs::read(board_path(
            &sim,
            "/home/fio/.x8ctl/STM32H747AII6_CM7.backup-0.0.5.bin",
        ))
        .unwrap();
        assert_eq!(backup, before.installed);
        // Written beside and renamed: the OSTree repository behind /usr is intact
        // (real-board-evidence.md §3.3), and the user is told how long the firmware lasts.
        assert_eq!(
            virtual_x8::ostree::fsck(sim.board().vfs().root()).1,
            vec![],
            "{path}"
        );
        let mut c = cmd();
        c.args(["shell", "ostree", "fsck"]);
        let (code, fsck_out, fsck_err) = run(c);
        assert_eq!(code, 0, "{path}: {fsck_out}{fsck_err}");
        assert!(fsck_out.contains("no errors found"), "{fsck_out}");
        assert!(
            doc["report"]["notes"][0]
                .as_str()
                .unwrap_or("")
                .contains("lasts until the next OS update"),
            "{doc}"
        );
        // The steps were reported as they ran (plain lines: no terminal).
        for s in ["==> push the image", "==> program the H7", "ok  rpc-check"] {
            assert!(err.contains(s), "{path}: {s} missing in {err}");
        }
        // The same version again needs --force.
        let mut c = cmd();
        c.args(["flash-fw", "--yes"]).arg(&img);
        let (code, _, err) = run(c);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("already runs 0.0.6-test"), "{err}");
        assert!(err.contains("--force"), "{err}");
        // Without --rpc-method the M4 is not called: a warning says the round trip was
        // not checked.
        let mut c = cmd();
        c.args(["flash-fw", "--yes", "--force"]).arg(&img);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{path}: {err}");
        assert!(out.contains("RPC check: not checked"), "{out}");
        assert!(err.contains("warning: RPC round trip not checked"), "{err}");
        // Older needs --force too; with it, the old one goes back.
        let old = image_file(dir.path(), "0.0.5");
        let mut c = cmd();
        c.args(["flash-fw", "--yes"]).arg(&old);
        let (code, _, err) = run(c);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("older than the running 0.0.6-test"), "{err}");
        let mut c = cmd();
        c.args(["flash-fw", "--yes", "--force"]).arg(&old);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{path}: {err}");
        assert!(out.contains("the H7 runs 0.0.5 (was 0.0.6-test)"), "{out}");
        assert_eq!(state(&sim).h7, Ok("0.0.5".to_string()));
    }
}

#[test]
fn dry_run_shows_the_commands_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sim = sim(&[]);
    let before = state(&sim);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--dry-run"]).arg(&img);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    for s in [
        "sudo mount -o remount,rw /usr",
        // Beside the installed file, then renamed over it (real-board-evidence.md §3.3).
        "cp /home/fio/.x8ctl/STM32H747AII6_CM7.new.bin /usr/lib/firmware/arduino/stm32h7-fw/.STM32H747AII6_CM7.bin.x8ctl-new",
        "mv -f /usr/lib/firmware/arduino/stm32h7-fw/.STM32H747AII6_CM7.bin.x8ctl-new /usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
        "sudo mount -o remount,ro /usr",
        "sudo /usr/arduino/extra/program.sh",
        "sudo systemctl restart m4-proxy",
        "nothing was changed",
    ] {
        assert!(out.contains(s), "{s} missing in {out}");
    }
    // Never the password plumbing.
    assert!(
        !out.contains("sudo -S") && !err.contains("sudo -S"),
        "{out}"
    );
    assert!(!out.contains("printf"), "{out}");
    assert_eq!(state(&sim), before);
    assert!(!board_path(&sim, "/home/fio/.x8ctl").exists());
}

#[test]
fn without_yes_and_no_terminal_it_asks_for_yes() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sim = sim(&[]);
    let before = state(&sim);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw"]).arg(&img);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(state(&sim), before);
}

#[test]
fn bad_images_are_refused_and_the_board_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim(&[]);
    let before = state(&sim);
    let good = make_image("0.0.6-test");
    let mut elf = b"\x7fELF\x01\x01\x01".to_vec();
    elf.resize(300_000, 0);
    let mut big = good.clone();
    big.resize(1024 * 1024 + 1, 0xff);
    let mut bad_vectors = good.clone();
    bad_vectors[0..4].copy_from_slice(&0x1000_0000u32.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("elf", elf, "ELF"),
        (
            "hex",
            b":020000040800F2\n:10000000000008249D020008\n".repeat(100),
            "Intel HEX",
        ),
        ("empty", Vec::new(), "empty"),
        (
            "text",
            b"<html><body>Not Found</body></html>\n".to_vec(),
            "text",
        ),
        ("oversized", big, "larger than"),
        ("vectors", bad_vectors, "stack pointer"),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path().join(format!("{name}.bin"));
        std::fs::write(&p, bytes).unwrap();
        for json_mode in [false, true] {
            let mut c = x8ctl_direct(&sim);
            c.args(["flash-fw", "--yes"]).arg(&p);
            if json_mode {
                c.arg("--json");
            }
            let (code, out, err) = run(c);
            assert_eq!(code, 1, "{name}: {err}");
            assert!(
                err.contains("refused") && err.contains(want),
                "{name}: {err}"
            );
            assert!(err.contains("hint:"), "{name}: {err}");
            if json_mode {
                assert_eq!(json(&out, &err)["ok"], false);
            }
        }
        assert_eq!(state(&sim), before, "{name}");
        assert!(!board_path(&sim, "/home/fio/.x8ctl").exists(), "{name}");
    }
}

/// Faults before the install leave everything as it was; faults at programming roll back.
#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn each_fault_ends_on_the_previous_firmware_with_usr_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let cases: [(Fault, i32, &str, &str); 3] = [
        (Fault::PushCut, 1, "unchanged", "push"),
        (Fault::DiskFull, 1, "unchanged", "push"),
        (Fault::ProgramFail, 5, "rolled-back", "program"),
    ];
    let adb = AdbServer::start();
    for ((fault, want_code, want_state, want_step), path) in cases
        .iter()
        .copied()
        .flat_map(|c| [(c, "direct"), (c, "adb-server")])
    {
        let sim = sim(&[fault]);
        let before = state(&sim);
        let mut c = if path == "direct" {
            x8ctl_direct(&sim)
        } else {
            // Faults that cut the link are set after adb has connected.
            sim.board().faults().set(fault, false);
            adb.connect(&sim);
            sim.board().faults().set(fault, true);
            let mut c = adb.x8ctl();
            c.arg("-s").arg(sim.addr().to_string());
            c
        };
        c.args(["flash-fw", "--yes", "--json"]).arg(&img);
        let (code, out, err) = run(c);
        assert_eq!(code, want_code, "{fault} ({path}): {err}");
        let doc = json(&out, &err);
        assert_eq!(doc["ok"], false);
        assert_eq!(doc["state"]["state"], want_state, "{fault} ({path}): {doc}");
        assert_eq!(doc["error"]["step"], want_step, "{fault}: {doc}");
        assert_eq!(doc["error"]["usr_read_only"], true);
        // The message says what happened and where the board is.
        let said = if want_state == "unchanged" {
            "nothing on the board changed"
        } else {
            "rolled back: the H7 runs the previous firmware 0.0.5 again, verified"
        };
        assert!(err.contains(said), "{fault}: {err}");
        if fault == Fault::ProgramFail {
            assert!(err.contains("** Programming Failed **"), "{err}");
        }
        sim.board().faults().set(fault, false);
        assert_previous(&sim, &before, fault.name());
        assert_eq!(
            virtual_x8::ostree::fsck(sim.board().vfs().root()).1,
            vec![],
            "{fault} ({path})"
        );
    }
}

/// A good image on a board whose M4 is silent (after a flash the M4 runs whatever was last
/// uploaded, maybe nothing: real-board-evidence.md §3.5): `** Verified OK **` and the
/// read-back decide; the new firmware stays, with a warning.
#[test]
fn a_good_image_on_a_board_with_a_silent_m4_is_kept_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    for rig in Rig::both(|| {
        sim_with(&[], |c| {
            c.board.m4_sketch = virtual_x8::sketch::Sketch::None
        })
    }) {
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes", "--rpc-method", "temperature"])
            .arg(&img);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{}: {out}\n{err}", rig.name());
        assert!(out.contains("the H7 runs 0.0.6-test (was 0.0.5)"), "{out}");
        assert!(
            err.contains("warning: 'temperature' was not answered after the flash")
                && err.contains("the firmware is verified and kept"),
            "{err}"
        );
        let now = state(&rig.sim);
        assert_eq!(now.h7, Ok("0.0.6-test".to_string()));
        assert_eq!(now.installed, make_image("0.0.6-test"));
        assert!(!now.usr_rw);
        // The JSON report carries the warning too.
        let mut c = rig.x8ctl();
        c.args([
            "flash-fw",
            "--yes",
            "--json",
            "--force",
            "--rpc-method",
            "temperature",
        ])
        .arg(&img);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{err}");
        let doc = json(&out, &err);
        assert_eq!(doc["state"]["state"], "new");
        assert!(
            doc["report"]["warnings"][0]
                .as_str()
                .unwrap()
                .contains("not answered"),
            "{doc}"
        );
    }
}

/// m4-silent after the flash, and the user asked for the round trip with --require-rpc:
/// the RPC check fails, the old firmware is restored.
#[test]
fn a_silent_m4_after_the_flash_rolls_back_with_require_rpc() {
    let dir = tempfile::tempdir().unwrap();
    let img_path = image_file(dir.path(), "0.0.6-test");
    let bytes = std::fs::read(&img_path).unwrap();
    let info = image::check(&bytes).unwrap();
    let sim = sim(&[]);
    let before = state(&sim);
    let board = open_direct(&sim);
    let faults = sim.board().faults_arc();
    let events = std::sync::Mutex::new(Vec::new());
    let on = |e: FlashEvent| {
        if e == FlashEvent::Started(Step::Program) {
            faults.set(Fault::M4Silent, true);
        }
        events.lock().unwrap().push(e);
    };
    let r = flash::flash(
        &board,
        &FlashImage {
            path: &img_path,
            info: &info,
        },
        &FlashOptions {
            rpc_method: Some("temperature".into()),
            require_rpc: true,
            ..FlashOptions::default()
        },
        &AtomicBool::new(false),
        &on,
    );
    let e = r.expect_err("the RPC check must fail");
    assert_eq!(e.kind, FailKind::Check);
    assert_eq!(e.step, Step::RpcCheck);
    assert!(
        e.message.contains("m4-proxy closed the connection")
            && e.message.contains("required by --require-rpc"),
        "{}",
        e.message
    );
    assert_eq!(
        e.state,
        BoardState::RolledBack {
            version: "0.0.5".into()
        }
    );
    assert!(e.usr_read_only);
    let ev = events.lock().unwrap();
    assert!(ev.contains(&FlashEvent::Started(Step::Rollback)));
    // m4-proxy is restarted after the flash and again after the rollback.
    let restarts = ev
        .iter()
        .filter(|e| {
            matches!(
                e,
                FlashEvent::Done {
                    step: Step::RestartProxy,
                    ..
                }
            )
        })
        .count();
    assert_eq!(restarts, 2);
    // The new firmware was on the H7 in between.
    assert!(ev.iter().any(|e| matches!(e, FlashEvent::Done { step: Step::ReadBack, summary } if summary.contains("0.0.6-test"))));
    assert_previous(&sim, &before, "m4-silent");
}

/// Ctrl-C once the install step shows: the run stops between steps and rolls back.
#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn ctrl_c_during_the_install_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sim = sim_with(&[Fault::SlowLink], |c| {
        c.adbd.link_latency = Duration::from_millis(25);
    });
    let before = state(&sim);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes"])
        .arg(&img)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = String::new();
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no install step on stderr: {seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("==> install") {
            break;
        }
    }
    let st = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    for l in rx.try_iter() {
        seen.push_str(&l);
        seen.push('\n');
    }
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("interrupted (Ctrl-C)"), "{seen}");
    assert!(
        seen.contains("rolled back: the H7 runs the previous firmware 0.0.5 again, verified"),
        "{seen}"
    );
    sim.board().faults().set(Fault::SlowLink, false);
    assert_previous(&sim, &before, "ctrl-c");
}

fn open_direct(sim: &Sim) -> x8ctl_core::board::Board {
    let session = Session::open(&ConnectOptions {
        connect: Some(sim.addr().to_string()),
        ..ConnectOptions::default()
    })
    .unwrap();
    session.choose(None, Choice::NonInteractive).unwrap()
}

/// Issue 13 item 2: `--dry-run`'s plan is the list of steps a real run walks. The plan of a
/// dry run, step by step, is the sequence of steps the real run then starts, and both are
/// flash::STEPS.
#[test]
fn the_dry_run_plan_is_the_sequence_of_steps_a_run_reports() {
    let dir = tempfile::tempdir().unwrap();
    let img_path = image_file(dir.path(), "0.0.6-test");
    let info = image::check(&std::fs::read(&img_path).unwrap()).unwrap();
    let sim = sim(&[]);
    let board = open_direct(&sim);
    let image = FlashImage {
        path: &img_path,
        info: &info,
    };
    let flash_with = |dry_run: bool| {
        let started = std::sync::Mutex::new(Vec::new());
        let on = |e: FlashEvent| {
            if let FlashEvent::Started(s) = e {
                started.lock().unwrap().push(s);
            }
        };
        let opts = FlashOptions {
            dry_run,
            rpc_method: Some("temperature".into()),
            ..FlashOptions::default()
        };
        let r = flash::flash(&board, &image, &opts, &AtomicBool::new(false), &on);
        (r, started.into_inner().unwrap())
    };
    let (dry, _) = flash_with(true);
    let dry = dry.expect("dry run");
    let planned: Vec<Step> = dry.plan.iter().map(|s| s.step).collect();
    assert_eq!(planned, flash::STEPS);
    let (real, started) = flash_with(false);
    let real = real.expect("flash");
    assert_eq!(real.running_after.as_deref(), Some("0.0.6-test"));
    assert_eq!(started, planned, "the run started other steps than planned");
    // The commands the plan shows for the install are the ones that ran: the board holds
    // the new image under the installed name and no temporary file beside it.
    assert_eq!(
        std::fs::read(board_path(&sim, INSTALLED)).unwrap(),
        make_image("0.0.6-test")
    );
    assert!(!board_path(&sim, flash::INSTALL_TMP).exists());
}

/// A verify failure while programming (the H7 no longer boots) is undone by programming
/// the backup; the fault is transient here (it clears once the rollback starts).
#[test]
fn a_verify_failure_rolls_back_to_a_booting_h7() {
    let dir = tempfile::tempdir().unwrap();
    let img_path = image_file(dir.path(), "0.0.6-test");
    let info = image::check(&std::fs::read(&img_path).unwrap()).unwrap();
    let sim = sim(&[Fault::VerifyFail]);
    let before = state(&sim);
    let board = open_direct(&sim);
    let faults = sim.board().faults_arc();
    let bricked = std::sync::Mutex::new(None);
    let services_h7 = || sim.board().services().h7_version();
    let on = |e: FlashEvent| {
        if e == FlashEvent::Started(Step::Rollback) {
            *bricked.lock().unwrap() = Some(services_h7().is_err());
            faults.set(Fault::VerifyFail, false);
        }
    };
    let e = flash::flash(
        &board,
        &FlashImage {
            path: &img_path,
            info: &info,
        },
        &FlashOptions::default(),
        &AtomicBool::new(false),
        &on,
    )
    .expect_err("verify fails");
    assert_eq!(e.kind, FailKind::Check);
    assert_eq!(e.step, Step::Program);
    assert!(
        e.board_lines
            .iter()
            .any(|l| l.contains("** Verify Failed **"))
    );
    assert_eq!(
        *bricked.lock().unwrap(),
        Some(true),
        "the H7 did not boot before the rollback"
    );
    assert_eq!(
        e.state,
        BoardState::RolledBack {
            version: "0.0.5".into()
        }
    );
    assert_previous(&sim, &before, "verify-fail");
}

/// A verify failure that persists: the rollback cannot program either; the message says so,
/// names the kept backup and how to restore by hand, and /usr is read-only.
#[test]
fn a_persistent_verify_failure_says_the_rollback_failed() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sim = sim(&[Fault::VerifyFail]);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes", "--json"]).arg(&img);
    let (code, out, err) = run(c);
    assert_eq!(code, 5, "{err}");
    let doc = json(&out, &err);
    assert_eq!(doc["state"]["state"], "rollback-failed", "{doc}");
    assert!(err.contains("** Verify Failed **"), "{err}");
    assert!(err.contains("rollback failed"), "{err}");
    assert!(err.contains("STM32H747AII6_CM7.backup-0.0.5.bin"), "{err}");
    assert!(!sim.board().vfs().usr_writable());
    // The backup is there, and the installed file is the backup again.
    let backup = std::fs::read(board_path(
        &sim,
        "/home/fio/.x8ctl/STM32H747AII6_CM7.backup-0.0.5.bin",
    ))
    .unwrap();
    assert_eq!(backup, make_image("0.0.5"));
    assert_eq!(std::fs::read(board_path(&sim, INSTALLED)).unwrap(), backup);
}

/// `--all`: three virtual X8s through one adb server, flashed in parallel; one of them
/// fails to program and is rolled back, the others end on the new firmware.
#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn all_flashes_three_boards_through_one_adb_server() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sims = [sim(&[]), sim(&[Fault::ProgramFail]), sim(&[])];
    let adb = AdbServer::start();
    let serials: Vec<String> = sims.iter().map(|s| adb.connect(s)).collect();
    let befores: Vec<State> = sims.iter().map(state).collect();
    let mut c = adb.x8ctl();
    c.args(["flash-fw", "--all", "--yes", "--json"]).arg(&img);
    let (code, out, err) = run(c);
    assert_eq!(code, 5, "{err}");
    let doc = json(&out, &err);
    let boards = doc["boards"].as_array().unwrap();
    assert_eq!(boards.len(), 3, "{doc}");
    for (i, sim) in sims.iter().enumerate() {
        let b = boards
            .iter()
            .find(|b| b["serial"] == serials[i].as_str())
            .unwrap_or_else(|| panic!("{} missing in {doc}", serials[i]));
        if i == 1 {
            assert_eq!(b["ok"], false);
            assert_eq!(b["state"]["state"], "rolled-back", "{b}");
            // The same error object as one board's (issue 13: `--all` lacked exit_code).
            assert_eq!(b["error"]["exit_code"], 5, "{b}");
            assert_eq!(b["error"]["step"], "program", "{b}");
            sim.board().faults().set(Fault::ProgramFail, false);
            assert_previous(sim, &befores[i], "--all program-fail");
        } else {
            assert_eq!(b["ok"], true, "{b}");
            let now = state(sim);
            assert_eq!(now.h7, Ok("0.0.6-test".to_string()));
            assert!(!now.usr_rw);
        }
    }
    // Plain progress lines carry the serial.
    let mut c = adb.x8ctl();
    c.args(["flash-fw", "--all", "--dry-run"]).arg(&img);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    for s in &serials {
        assert!(
            err.contains(&format!("[{s}] ==> read the running")),
            "{err}"
        );
        assert!(out.contains(&format!("{s}: dry run")), "{out}");
    }
}

/// `flash-fw /dev/zero` and `flash-fw FIFO` end at once with a clear error (they used to
/// read until memory ran out, and block forever).
#[cfg(unix)]
#[test]
fn endless_and_blocking_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fw.bin");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let sim = sim(&[]);
    for (file, want) in [
        (PathBuf::from("/dev/zero"), "a character device"),
        (fifo.clone(), "a named pipe"),
    ] {
        let mut c = x8ctl_direct(&sim);
        c.args(["flash-fw", "--yes"]).arg(&file);
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        let started = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                panic!("flash-fw {} did not end", file.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(want), "{err}");
    }
}

/// Two flash-fw runs on one board at once: one flashes, the other is told who holds the
/// board (exit 4) and changes nothing; the board ends on the firmware that was flashed.
#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's adb server, the tests' only one, runs on Unix"
)]
fn two_flashes_at_once_do_not_interleave() {
    // Through the adb server, which lets two clients use one board at once.
    let sim = sim(&[Fault::SlowLink]);
    let adb = AdbServer::start();
    adb.connect(&sim);
    let dir = tempfile::tempdir().unwrap();
    let a = image_file(dir.path(), "0.0.6");
    let b = image_file(dir.path(), "0.0.7");
    let spawn = |img: &Path| {
        let mut c = adb.x8ctl();
        c.args(["--json", "--yes", "flash-fw"]).arg(img);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().unwrap()
    };
    let first = spawn(&a);
    let second = spawn(&b);
    let (ra, rb) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    let codes = (ra.status.code(), rb.status.code());
    let (winner, loser, version) = match codes {
        (Some(0), Some(4)) => (&ra, &rb, "0.0.6"),
        (Some(4), Some(0)) => (&rb, &ra, "0.0.7"),
        other => panic!(
            "{other:?}\n{}\n{}",
            String::from_utf8_lossy(&ra.stderr),
            String::from_utf8_lossy(&rb.stderr)
        ),
    };
    let lost = String::from_utf8_lossy(&loser.stderr);
    assert!(lost.contains("the board is busy: flash-fw from"), "{lost}");
    assert!(lost.contains("is changing it"), "{lost}");
    let _ = winner;
    assert_eq!(sim.board().services().h7_version().unwrap(), version);
    // The lock went with the winner: a third run goes ahead.
    assert!(!board_path(&sim, "/dev/shm/x8ctl-lock").exists());
}

/// A lock another computer holds stops a deploy (exit 4, who holds it); one left by a
/// process of this computer that is gone is taken over.
#[test]
fn a_held_lock_is_reported_and_a_dead_runs_lock_is_taken_over() {
    let sim = sim(&[]);
    let lock_dir = board_path(&sim, "/dev/shm/x8ctl-lock");
    // Made on the board as fio, as another run of x8ctl would.
    let hold = |line: &str| {
        let mut c = x8ctl_direct(&sim);
        c.args([
            "shell",
            &format!(
                "rm -rf /dev/shm/x8ctl-lock; mkdir /dev/shm/x8ctl-lock && printf '%s\\n' '{line}' > /dev/shm/x8ctl-lock/owner"
            ),
        ]);
        let (code, _, err) = run(c);
        assert_eq!(code, 0, "{err}");
    };
    hold("other-laptop\t4242\tdeploy\t1700000000\tsecret-token");
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6");
    let mut c = x8ctl_direct(&sim);
    c.args(["--yes", "flash-fw"]).arg(&img);
    let (code, _, err) = run(c);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("deploy from other-laptop (pid 4242)"), "{err}");
    assert!(
        err.contains("x8ctl shell rm -r /dev/shm/x8ctl-lock"),
        "{err}"
    );
    assert!(!err.contains("secret-token"), "{err}");

    // Left by this computer's process 1 000 000 000, which does not exist.
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    // The name x8ctl gives this computer: HOSTNAME, else COMPUTERNAME (Windows), else the
    // system's (the test's /etc/hostname stands for it; macOS is not run here).
    let host = ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|h| !h.is_empty()))
        .unwrap_or(host);
    hold(&format!("{host}\t1000000000\tdeploy\t1700000000\tstale"));
    let mut c = x8ctl_direct(&sim);
    c.args(["--yes", "flash-fw"]).arg(&img);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(!lock_dir.exists());
}

/// Images 844, 846 and 861 as they ship: fio's password has expired (real-board-evidence.md
/// §5.1). flash-fw stops before changing anything and says, once, what to do: `adb shell`,
/// then `passwd` (not "set X8CTL_SUDO_PASSWORD": the password is right, PAM refuses it).
#[test]
fn an_expired_password_gets_the_passwd_hint() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    for rig in Rig::both(|| {
        sim_with(&[], |c| {
            c.board = virtual_x8::BoardConfig::for_image(861);
        })
    }) {
        let before = state(&rig.sim);
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes"]).arg(&img);
        let (code, out, err) = run(c);
        assert_ne!(code, 0, "{}: {out}", rig.name());
        assert!(err.contains("fio's password has expired"), "{err}");
        assert!(
            err.contains(
                "You are required to change your password immediately (administrator enforced)"
            ),
            "{err}"
        );
        assert_eq!(
            err.matches("`adb shell`, then `passwd`").count(),
            1,
            "{err}"
        );
        assert!(!err.contains("X8CTL_SUDO_PASSWORD"), "{err}");
        assert_eq!(state(&rig.sim), before, "{}", rig.name());
        // Doing what it says: passwd once, then the new password works.
        let mut c = rig.x8ctl();
        c.args(["shell", "printf 'fio\\nx8-new-pw\\nx8-new-pw\\n' | passwd"]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("password updated successfully"), "{out}{err}");
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes"])
            .arg(&img)
            .env("X8CTL_SUDO_PASSWORD", "x8-new-pw");
        let (code, _, err) = run(c);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert_eq!(state(&rig.sim).h7, Ok("0.0.6-test".to_string()));
    }
}

/// Images built from August 2024 on have an empty password: sudo works with it.
#[test]
fn the_empty_password_of_newer_images_works() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sim = sim_with(&[], |c| {
        c.board = virtual_x8::BoardConfig::for_image(900);
    });
    assert_eq!(sim.board().config().sudo_password.as_deref(), Some(""));
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes", "--json"]).arg(&img);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let doc = json(&out, &err);
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(state(&sim).h7, Ok("0.0.6-test".to_string()));
}

/// Programming that keeps failing (the H7 left halted and erased each time,
/// real-board-evidence.md §3.1): the rollback cannot program either, and the message gives
/// the exact recovery steps; /usr is read-only and its OSTree repository intact.
#[test]
fn programming_that_keeps_failing_prints_the_recovery_steps() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    for rig in Rig::both(|| sim(&[Fault::ProgramFailAlways])) {
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes"]).arg(&img);
        let (code, out, err) = run(c);
        assert_eq!(code, 5, "{}: {out}\n{err}", rig.name());
        assert!(err.contains("rollback failed"), "{err}");
        for s in [
            "adb shell, then: sudo mount -o remount,rw /usr",
            "sudo cp /home/fio/.x8ctl/STM32H747AII6_CM7.backup-0.0.5.bin /usr/lib/firmware/arduino/stm32h7-fw/.STM32H747AII6_CM7.bin.x8ctl-new",
            "sudo mv -f /usr/lib/firmware/arduino/stm32h7-fw/.STM32H747AII6_CM7.bin.x8ctl-new /usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
            "sudo /usr/arduino/extra/program.sh",
            "power-cycle",
        ] {
            assert!(err.contains(s), "{}: {s} missing in {err}", rig.name());
        }
        // The H7 is halted: it does not answer.
        assert!(rig.sim.board().services().h7_version().is_err());
        assert!(!rig.sim.board().vfs().usr_writable());
        assert_eq!(
            virtual_x8::ostree::fsck(rig.sim.board().vfs().root()).1,
            vec![]
        );
        // Following the steps once the link works again brings 0.0.5 back.
        rig.sim
            .board()
            .faults()
            .set(Fault::ProgramFailAlways, false);
        let mut c = rig.x8ctl();
        c.args([
            "shell",
            "--root",
            "mount -o remount,rw /usr; cp /home/fio/.x8ctl/STM32H747AII6_CM7.backup-0.0.5.bin /usr/lib/firmware/arduino/stm32h7-fw/.STM32H747AII6_CM7.bin.x8ctl-new; mv -f /usr/lib/firmware/arduino/stm32h7-fw/.STM32H747AII6_CM7.bin.x8ctl-new /usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin; mount -o remount,ro /usr; /usr/arduino/extra/program.sh",
        ]);
        let (_, o, e) = run(c);
        assert!(
            o.contains("** Verified OK **") || e.contains("** Verified OK **"),
            "{o}{e}"
        );
        assert_eq!(
            rig.sim.board().services().h7_version().ok().as_deref(),
            Some("0.0.5")
        );
    }
}

/// A failed programming leaves the H7 halted and erased (real-board-evidence.md §3.1): the
/// rollback does not find the old firmware running, it programs the backup again, proves it
/// with the read-back, and the H7 boots 0.0.5 again. Through the adb server and direct.
#[test]
fn a_failed_programming_rolls_back_to_a_booting_h7() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    for rig in Rig::both(|| sim(&[Fault::ProgramFail])) {
        let before = state(&rig.sim);
        // Watch the H7 while x8ctl runs: it must stop answering before the rollback.
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let seen_halted = std::sync::Arc::new(AtomicBool::new(false));
        let watcher = {
            let (stop, seen) = (stop.clone(), seen_halted.clone());
            let services = rig.sim.board().clone();
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    if services.services().h7_version().is_err() {
                        seen.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        };
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes", "-v"]).arg(&img);
        let (code, _, err) = run(c);
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        watcher.join().unwrap();
        assert_eq!(code, 5, "{}: {err}", rig.name());
        assert!(err.contains("** Programming Failed **"), "{err}");
        assert!(
            err.contains("rolled back: the H7 runs the previous firmware 0.0.5 again, verified"),
            "{err}"
        );
        // The rollback programmed (the flash no longer matched), then read 0.0.5 back.
        assert!(
            err.contains("ok  program: programmed: ** Verified OK **"),
            "{}: {err}",
            rig.name()
        );
        assert!(err.contains("ok  read-back: the H7 reports 0.0.5"), "{err}");
        assert!(
            seen_halted.load(std::sync::atomic::Ordering::SeqCst),
            "{}: the H7 kept answering after the failed programming",
            rig.name()
        );
        assert_previous(&rig.sim, &before, "program-fail");
    }
}

/// Issue 14 item 8: a board that freezes with the connection open while program.sh runs.
/// Ctrl-C must not wait for the frozen board: x8ctl probes it, finds it silent, and ends
/// with 130 within a couple of seconds, saying what the board may be in and what to do.
#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn ctrl_c_on_a_board_frozen_in_program_sh_exits_130_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let rigs = Rig::both(|| sim(&[Fault::FreezeDuringProgram]));
    for rig in &rigs {
        let mut c = rig.x8ctl();
        c.args(["-v", "flash-fw", "--yes"]).arg(&img);
        let mut run = Running::spawn(c);
        assert!(
            run.wait_for(Duration::from_secs(120), |l| l
                .starts_with("==> program the H7")),
            "{}: program.sh never started: {}",
            rig.name(),
            run.stderr
        );
        // The board freezes once program.sh printed its first line.
        let until = Instant::now() + Duration::from_secs(10);
        while !rig.sim.board().faults().frozen() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(rig.sim.board().faults().frozen(), "{}", rig.name());
        std::thread::sleep(Duration::from_millis(300));
        run.signal("INT");
        let end = run.finish(Duration::from_secs(30));
        let what = format!("{}: {end:?}", rig.name());
        assert_eq!(end.code, Some(130), "{what}");
        assert!(
            end.after_signal < Duration::from_secs(4),
            "{what}: took {:?} after Ctrl-C",
            end.after_signal
        );
        eprintln!(
            "{}: exit 130 {:?} after SIGINT",
            rig.name(),
            end.after_signal
        );
        assert!(
            end.stderr
                .contains("the new image 0.0.6-test is installed in /usr (verified)"),
            "{what}"
        );
        let err = &end.stderr;
        assert!(err.contains("did not answer"), "{what}");
        assert!(err.contains("the board's state is unknown"), "{what}");
        assert!(
            err.contains("the H7 may be halted, erased or half-programmed"),
            "{what}"
        );
        assert!(err.contains("power-cycle the board"), "{what}");
        assert!(
            err.contains("sudo /usr/arduino/extra/program.sh (it must end with ** Verified OK **)"),
            "{what}"
        );
        // What the board is really in: the H7 halted by OpenOCD, /usr read-only.
        let st = state(&rig.sim);
        assert!(st.h7.is_err(), "{what}: {st:?}");
        assert!(!st.usr_rw, "{what}");
        // Let the board go on, so the simulator can stop.
        rig.sim
            .board()
            .faults()
            .set(Fault::FreezeDuringProgram, false);
    }
}

/// Issue 14 item 9: an interrupt after the backup, before the install: nothing on the board
/// changed, so there is no rollback (no program.sh); only the pushed image x8ctl put there
/// is removed, and the run says the board is unchanged.
#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn an_interrupt_before_the_install_changes_nothing_and_rolls_nothing_back() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let sim = sim_with(&[Fault::SlowLink], |c| {
        c.adbd.link_latency = Duration::from_millis(50);
    });
    let before = state(&sim);
    let mut run = Running::spawn({
        let mut c = x8ctl_direct(&sim);
        c.args(["flash-fw", "--yes"]).arg(&img);
        c
    });
    assert!(
        run.wait_for(Duration::from_secs(120), |l| l
            .starts_with("==> back up the installed image")),
        "no backup step: {}",
        run.stderr
    );
    run.signal("INT");
    let end = run.finish(Duration::from_secs(120));
    let err = &end.stderr;
    assert_eq!(end.code, Some(130), "{end:?}");
    assert!(err.contains("ok  backup"), "{err}");
    assert!(
        err.contains("interrupted (Ctrl-C) before: remount /usr read-write"),
        "{err}"
    );
    assert!(
        err.contains("nothing on the board changed; the H7 still runs 0.0.5"),
        "{err}"
    );
    assert!(!err.contains("rolled back"), "{err}");
    assert!(!err.contains("==> restore the previous firmware"), "{err}");
    assert!(!err.contains("==> program the H7"), "{err}");
    assert!(!err.contains("==> remount /usr read-write"), "{err}");
    sim.board().faults().set(Fault::SlowLink, false);
    assert_previous(&sim, &before, "interrupt before install");
    assert!(
        !board_path(&sim, flash::UPLOAD).exists(),
        "the pushed image is left on the board"
    );
    // The backup of the untouched image stays (it is what `previous image kept as` names).
    assert!(board_path(&sim, &flash::backup_path(Some("0.0.5"))).exists());
}

/// A board that freezes during the push (the test freezes the virtual X8 itself, as
/// `freeze-during-program` does in program.sh): Ctrl-C is not held by the transfer's 60 s
/// read timeout; x8ctl ends with 130 at once and says nothing on the board changed.
#[test]
#[cfg_attr(
    windows,
    ignore = "signals: a test cannot send Ctrl-C to one Windows console program"
)]
fn ctrl_c_on_a_board_frozen_during_the_push_exits_130_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let img = image_file(dir.path(), "0.0.6-test");
    let rigs = Rig::both(|| sim_with(&[], |c| c.adbd.link_latency = Duration::from_millis(20)));
    for rig in &rigs {
        // Slow the link once adb is connected, so the push takes a while.
        rig.sim.board().faults().set(Fault::SlowLink, true);
        let before = state(&rig.sim);
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes"]).arg(&img);
        let mut run = Running::spawn(c);
        assert!(
            run.wait_for(Duration::from_secs(120), |l| l
                .starts_with("==> push the image")),
            "{}: {}",
            rig.name(),
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(300));
        rig.sim.board().faults().set_frozen(true);
        run.signal("INT");
        let end = run.finish(Duration::from_secs(30));
        let what = format!("{}: {end:?}", rig.name());
        assert_eq!(end.code, Some(130), "{what}");
        assert!(end.after_signal < Duration::from_secs(4), "{what}");
        eprintln!(
            "{}: exit 130 {:?} after SIGINT",
            rig.name(),
            end.after_signal
        );
        assert!(end.stderr.contains("did not answer"), "{what}");
        assert!(
            end.stderr.contains("nothing on the board changed"),
            "{what}"
        );
        rig.sim.board().faults().set_frozen(false);
        rig.sim.board().faults().set(Fault::SlowLink, false);
        assert_previous(&rig.sim, &before, "frozen during the push");
    }
}
