//! The fault-and-interrupt matrix of issue 14: every injectable fault that concerns
//! flash-fw or deploy, and SIGINT and SIGTERM at each step of both, against the virtual X8
//! (direct), asserting the board's end state and the documented exit code:
//!
//! - flash-fw: the H7 ends on the new firmware, verified, or on the previous one (0.0.5,
//!   its installed image byte for byte as before), or the run says why not
//!   (`rollback-failed` with the recovery steps, `unknown` for a frozen board); `/usr` is
//!   read-only and the OSTree checkout intact in every case. Exit 0, 1 (board), 4 (board
//!   unusable), 5 (check failed), 130 (interrupted).
//! - deploy: the app that ran before (the very container) runs again, or the new version
//!   runs when the deploy succeeded. Exit 0, 1, 5, 130.
//!
//! A signal lands at an exact step through x8ctl's test hook `X8CTL_TEST_SIGNAL_AT=STEP:SIG`
//! (src/cli/interrupt.rs): x8ctl sends itself the signal when the step starts. Cases run
//! on a few threads, each with its own virtual X8.
//!
//! Unix only: the signals are Unix's (the hook sends them with `kill`; a Windows console
//! delivers Ctrl-C as a control event, which no outside process can aim at one step), and
//! the deploy cases need the virtual X8's container programs, which do not run on Windows
//! (virtual-x8's host.rs).
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;
use virtual_x8::fwimage::make_image;
use virtual_x8::{Fault, Sim};

const INSTALLED: &str = "/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin";
const SIGNALS: [&str; 2] = ["INT", "TERM"];

/// Run `cases` on `threads` threads; every failure is collected, then all are reported.
fn run_all<C: Send + Sync>(cases: Vec<C>, threads: usize, run: impl Fn(&C) + Sync) {
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(c) = cases.get(i) else { break };
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(c)));
                    if let Err(p) = r {
                        let msg = p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        failures.lock().unwrap().push(msg);
                    }
                }
            });
        }
    });
    let f = failures.into_inner().unwrap();
    assert!(
        f.is_empty(),
        "{} case(s) failed:\n{}",
        f.len(),
        f.join("\n\n")
    );
}

// ---------------------------------------------------------------------------- flash-fw

/// How a flash-fw case must end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FwEnd {
    /// The new firmware, verified.
    New,
    /// Nothing changed (state `unchanged`).
    Unchanged,
    /// The previous firmware again, verified (state `rolled-back`).
    RolledBack,
    /// The restore failed too: the message gives the recovery steps.
    RollbackFailed,
    /// The board froze: state `unknown`, the H7 halted.
    Unknown,
    /// Refused before the flash began (no JSON state): the board as before.
    NotStarted,
}

#[derive(Debug)]
struct FwCase {
    name: String,
    faults: Vec<Fault>,
    signal_at: Option<(&'static str, &'static str)>,
    args: Vec<&'static str>,
    code: i32,
    end: FwEnd,
}

fn fw_case(
    faults: &[Fault],
    signal_at: Option<(&'static str, &'static str)>,
    args: &[&'static str],
    code: i32,
    end: FwEnd,
) -> FwCase {
    let mut name = faults
        .iter()
        .map(|f| f.name().to_string())
        .collect::<Vec<_>>()
        .join("+");
    if let Some((step, sig)) = signal_at {
        name.push_str(&format!(" SIG{sig}@{step}"));
    }
    for a in args {
        name.push(' ');
        name.push_str(a);
    }
    FwCase {
        name: if name.is_empty() {
            "no fault".into()
        } else {
            name
        },
        faults: faults.to_vec(),
        signal_at,
        args: args.to_vec(),
        code,
        end,
    }
}

fn flash_cases() -> Vec<FwCase> {
    let mut v = Vec::new();
    // Each step of flash-fw, each signal. Before the remount nothing changed; from the
    // remount on the board is restored.
    let steps = [
        ("sudo", FwEnd::Unchanged),
        ("versions", FwEnd::Unchanged),
        ("push", FwEnd::Unchanged),
        ("backup", FwEnd::Unchanged),
        ("install", FwEnd::RolledBack),
        ("remount-rw", FwEnd::RolledBack),
        ("remount-ro", FwEnd::RolledBack),
        ("program", FwEnd::RolledBack),
        ("read-back", FwEnd::RolledBack),
        ("restart-m4-proxy", FwEnd::RolledBack),
        ("rpc-check", FwEnd::RolledBack),
    ];
    for (step, end) in steps {
        for sig in SIGNALS {
            v.push(fw_case(&[], Some((step, sig)), &[], 130, end));
        }
    }
    // Each fault that concerns flash-fw.
    v.push(fw_case(&[], None, &[], 0, FwEnd::New));
    v.push(fw_case(&[Fault::SlowLink], None, &[], 0, FwEnd::New));
    v.push(fw_case(&[Fault::PushCut], None, &[], 1, FwEnd::Unchanged));
    v.push(fw_case(&[Fault::DiskFull], None, &[], 1, FwEnd::Unchanged));
    v.push(fw_case(
        &[Fault::ProgramFail],
        None,
        &[],
        5,
        FwEnd::RolledBack,
    ));
    v.push(fw_case(
        &[Fault::ProgramFailAlways],
        None,
        &[],
        5,
        FwEnd::RollbackFailed,
    ));
    v.push(fw_case(
        &[Fault::VerifyFail],
        None,
        &[],
        5,
        FwEnd::RollbackFailed,
    ));
    v.push(fw_case(&[Fault::M4Silent], None, &[], 0, FwEnd::New));
    v.push(fw_case(
        &[Fault::M4Silent],
        None,
        &["--require-rpc", "temperature"],
        5,
        FwEnd::RolledBack,
    ));
    // m4-proxy restarts as part of the flash, which brings it back.
    v.push(fw_case(
        &[Fault::M4ProxyDown],
        None,
        &["--require-rpc", "temperature"],
        0,
        FwEnd::New,
    ));
    v.push(fw_case(
        &[Fault::Unauthorized],
        None,
        &[],
        4,
        FwEnd::NotStarted,
    ));
    v.push(fw_case(&[Fault::Offline], None, &[], 4, FwEnd::NotStarted));
    for sig in SIGNALS {
        v.push(fw_case(
            &[Fault::FreezeDuringProgram],
            Some(("program", sig)),
            &[],
            130,
            FwEnd::Unknown,
        ));
    }
    v
}

fn run_flash_case(c: &FwCase, img: &Path, adb: Option<&AdbServer>) {
    let sim = sim(&c.faults);
    let h7_before = sim.board().services().h7_version();
    let installed_before = std::fs::read(board_path(&sim, INSTALLED)).unwrap();
    let mut cmd = match adb {
        None => x8ctl_direct(&sim),
        Some(adb) => {
            // Faults that cut or stop the link are set once adb has connected.
            for f in &c.faults {
                sim.board().faults().set(*f, false);
            }
            adb.connect(&sim);
            for f in &c.faults {
                sim.board().faults().set(*f, true);
            }
            let mut c = adb.x8ctl();
            c.arg("-s").arg(sim.addr().to_string());
            c
        }
    };
    cmd.args(["--json", "flash-fw", "--yes"])
        .args(&c.args)
        .arg(img);
    if let Some((step, sig)) = c.signal_at {
        cmd.env("X8CTL_TEST_SIGNAL_AT", format!("{step}:{sig}"));
    }
    let started = Instant::now();
    let (code, out, err) = run(cmd);
    let took = started.elapsed();
    // Let the board go on (a frozen one), then look at it as it is.
    for f in &c.faults {
        sim.board().faults().set(*f, false);
    }
    let path = if adb.is_some() {
        "adb-server"
    } else {
        "direct"
    };
    let what = format!(
        "[flash-fw {} ({path})] exit {code} in {took:?}\n{err}\n{out}",
        c.name
    );
    assert_eq!(code, c.code, "{what}");
    assert!(
        !sim.board().vfs().usr_writable(),
        "{what}: /usr left writable"
    );
    assert_eq!(
        virtual_x8::ostree::fsck(sim.board().vfs().root()).1,
        vec![],
        "{what}: OSTree objects damaged"
    );
    let h7 = sim.board().services().h7_version();
    let sysfs =
        std::fs::read_to_string(board_path(&sim, "/sys/kernel/x8h7_firmware/version")).unwrap();
    let installed = std::fs::read(board_path(&sim, INSTALLED)).unwrap();
    let doc: Option<serde_json::Value> = serde_json::from_str(out.trim()).ok();
    let state = doc
        .as_ref()
        .and_then(|d| d["state"]["state"].as_str().map(str::to_string))
        .unwrap_or_default();
    match c.end {
        FwEnd::New => {
            assert_eq!(h7, Ok("0.0.6-test".to_string()), "{what}");
            assert_eq!(sysfs, "0.0.6-test", "{what}");
            assert_eq!(state, "new", "{what}");
        }
        FwEnd::Unchanged | FwEnd::RolledBack | FwEnd::NotStarted => {
            assert_eq!(h7, h7_before, "{what}");
            assert_eq!(sysfs, "0.0.5", "{what}");
            assert!(
                installed == installed_before,
                "{what}: installed image changed"
            );
            let want = match c.end {
                FwEnd::Unchanged => "unchanged",
                FwEnd::RolledBack => "rolled-back",
                _ => "",
            };
            assert_eq!(state, want, "{what}");
            if c.end == FwEnd::Unchanged {
                assert!(err.contains("nothing on the board changed"), "{what}");
                assert!(!err.contains("rolled back"), "{what}");
                assert!(
                    !board_path(&sim, x8ctl_core::flash::UPLOAD).exists(),
                    "{what}: the pushed image is left"
                );
            }
        }
        FwEnd::RollbackFailed => {
            assert_eq!(state, "rollback-failed", "{what}");
            assert!(err.contains("restore it by hand"), "{what}");
            assert!(h7.is_err(), "{what}: {h7:?}");
        }
        FwEnd::Unknown => {
            assert_eq!(state, "unknown", "{what}");
            assert!(err.contains("power-cycle the board"), "{what}");
            assert!(took < Duration::from_secs(20), "{what}");
        }
    }
    if c.code == 130 {
        let kind = doc.as_ref().map(|d| d["error"]["kind"].clone());
        assert_eq!(kind, Some(serde_json::json!("interrupted")), "{what}");
    }
    eprintln!("ok: flash-fw {} ({path}, exit {code}, {took:.1?})", c.name);
}

#[test]
fn flash_fw_faults_and_signals_at_each_step() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("fw-0.0.6-test.bin");
    std::fs::write(&img, make_image("0.0.6-test")).unwrap();
    let started = Instant::now();
    let cases = flash_cases();
    let n = cases.len();
    run_all(cases, 3, |c| run_flash_case(c, &img, None));
    eprintln!("{n} flash-fw cases in {:.1?}", started.elapsed());
}

/// The same through Debian's adb server, for the cases where the path matters: a signal
/// before and after the board changed, the faults that cut or stop the link, a frozen
/// board.
#[test]
fn flash_fw_through_the_adb_server() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("fw-0.0.6-test.bin");
    std::fs::write(&img, make_image("0.0.6-test")).unwrap();
    let adb = AdbServer::start();
    let cases: Vec<FwCase> = flash_cases()
        .into_iter()
        .filter(|c| {
            matches!(
                c.signal_at,
                Some(("push" | "backup" | "install" | "program", _))
            ) || c.faults.iter().any(|f| {
                matches!(
                    f,
                    Fault::PushCut | Fault::ProgramFail | Fault::FreezeDuringProgram
                )
            })
        })
        .collect();
    let n = cases.len();
    let started = Instant::now();
    run_all(cases, 3, |c| run_flash_case(c, &img, Some(&adb)));
    eprintln!(
        "{n} flash-fw cases through the adb server in {:.1?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------- deploy

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AppEnd {
    /// The very container that ran before runs again (and is the app's only one).
    Previous,
    /// The new version runs.
    New,
    /// The board went away after the running app was set aside: the very container is
    /// kept, stopped, under the aside name, and the message says where and what to do.
    KeptAside,
}

#[derive(Debug)]
struct AppCase {
    name: String,
    fault: Option<Fault>,
    signal_at: Option<(&'static str, &'static str)>,
    compose: bool,
    code: i32,
    end: AppEnd,
}

fn deploy_cases() -> Vec<AppCase> {
    let mut v = Vec::new();
    let case = |fault: Option<Fault>,
                signal_at: Option<(&'static str, &'static str)>,
                compose: bool,
                code: i32,
                end: AppEnd| {
        let mut name = fault.map(|f| f.name().to_string()).unwrap_or_default();
        if let Some((step, sig)) = signal_at {
            name.push_str(&format!("SIG{sig}@{step}"));
        }
        if compose {
            name.push_str(" (compose)");
        }
        AppCase {
            name,
            fault,
            signal_at,
            compose,
            code,
            end,
        }
    };
    for step in ["sync", "build", "set-aside", "start", "wait"] {
        for sig in SIGNALS {
            v.push(case(None, Some((step, sig)), false, 130, AppEnd::Previous));
        }
    }
    v.push(case(Some(Fault::PushCut), None, false, 1, AppEnd::Previous));
    v.push(case(
        Some(Fault::DiskFull),
        None,
        false,
        1,
        AppEnd::Previous,
    ));
    v.push(case(
        Some(Fault::NoNetwork),
        None,
        false,
        1,
        AppEnd::Previous,
    ));
    v.push(case(
        Some(Fault::NoDockerCompose),
        None,
        true,
        0,
        AppEnd::New,
    ));
    // A folder app is not known to read the M4 (no readings are waited for): it deploys.
    v.push(case(Some(Fault::M4Silent), None, false, 0, AppEnd::New));
    v.push(case(
        Some(Fault::NoDocker),
        None,
        false,
        1,
        AppEnd::Previous,
    ));
    // The board is gone once the app was set aside: nothing can bring it back then; it is
    // kept, stopped, and the error says so and how to bring it back.
    v.push(case(
        Some(Fault::UnplugDuringComposeUp),
        None,
        true,
        1,
        AppEnd::KeptAside,
    ));
    v
}

/// A docker command on the board, as root (over adb fio has no docker group: REB 1.5).
fn docker(sim: &Sim, cmd: &str) -> String {
    let mut c = x8ctl_direct(sim);
    c.args(["shell", "--root", cmd]);
    run(c).1
}

fn app_container(sim: &Sim) -> (String, String) {
    let inspect = docker(
        sim,
        "docker inspect -f '{{.Id}} {{.State.Status}}' python-rpc-sensors",
    );
    let ps = docker(sim, "docker ps -a --format '{{.Names}}'");
    (inspect.trim().to_string(), ps.trim().to_string())
}

fn run_deploy_case(c: &AppCase) {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app: PathBuf = dir.path().join("python-rpc-sensors");
    sensors_app(&app, "python:3.11-alpine");
    let a = app.to_str().unwrap();
    let mut first = x8ctl_direct(&sim);
    first.args(["deploy", a, "--no-compose"]);
    let (code, _, err) = run(first);
    assert_eq!(code, 0, "[deploy {}] set-up: {err}", c.name);
    let (before, _) = app_container(&sim);
    assert!(before.ends_with(" running"), "{before}");
    // A new version: one more line in main.py.
    let main = app.join("python/main.py");
    let mut text = std::fs::read_to_string(&main).unwrap();
    text.push_str("\n# a new version\n");
    std::fs::write(&main, text).unwrap();
    if let Some(f) = c.fault {
        sim.board().faults().set(f, true);
    }
    let mut cmd = x8ctl_direct(&sim);
    cmd.args(["deploy", a, "--wait", "60"]);
    if !c.compose {
        cmd.arg("--no-compose");
    }
    if let Some((step, sig)) = c.signal_at {
        cmd.env("X8CTL_TEST_SIGNAL_AT", format!("{step}:{sig}"));
    }
    let started = Instant::now();
    let (code, out, err) = run(cmd);
    let took = started.elapsed();
    if let Some(f) = c.fault {
        sim.board().faults().set(f, false);
    }
    let what = format!("[deploy {}] exit {code} in {took:?}\n{err}\n{out}", c.name);
    assert_eq!(code, c.code, "{what}");
    let (after, names) = app_container(&sim);
    match c.end {
        AppEnd::Previous => {
            assert_eq!(after, before, "{what}: not the app that ran before");
            assert_eq!(names, "python-rpc-sensors", "{what}");
        }
        AppEnd::New => {
            assert!(after.ends_with(" running"), "{what}: {after}");
            assert_ne!(after, before, "{what}: still the old container");
        }
        AppEnd::KeptAside => {
            let kept = docker(
                &sim,
                "docker inspect -f '{{.Id}} {{.State.Status}}' python-rpc-sensors-x8ctl-previous",
            );
            let id = before.split(' ').next().unwrap_or("");
            assert_eq!(kept.trim(), format!("{id} exited"), "{what}");
            assert!(
                err.contains("kept on the board as python-rpc-sensors-x8ctl-previous"),
                "{what}"
            );
            assert!(err.contains("docker rename"), "{what}");
        }
    }
    if c.fault == Some(Fault::NoDocker) {
        assert!(err.contains("the Docker daemon is not running"), "{what}");
        assert!(!err.contains("--x8ctl--"), "{what}");
    }
    assert!(!sim.board().vfs().usr_writable(), "{what}");
    eprintln!("ok: deploy {} (exit {code}, {took:.1?})", c.name);
}

#[test]
fn deploy_faults_and_signals_at_each_step() {
    let started = Instant::now();
    let cases = deploy_cases();
    let n = cases.len();
    run_all(cases, 3, run_deploy_case);
    eprintln!("{n} deploy cases in {:.1?}", started.elapsed());
}
