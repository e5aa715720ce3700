//! `x8ctl doctor`: walk the Linux <-> M4 chain of a Portenta X8 and say, check by check,
//! what works, what is broken and what fixes it.
//!
//! The checks run in chain order (adb → board → identity, sudo, stm32h7-program, kernel
//! modules → H7 firmware, /dev/x8h7_ui → m4-proxy → RPC; Docker → containers; disk). Each
//! has its own timeout and duration and ends `ok`, `warn`, `fail` or `skip`; a check whose
//! prerequisite did not pass is skipped, saying why. Checks whose prerequisites are met run
//! concurrently, each on its own thread.
//!
//! Nothing here changes the board: a failed check may carry a [`Fix`] (a board command),
//! which only [`Doctor::apply_fix`] runs, and only when the caller (the CLI, after asking)
//! says so. This module never prints; it reports [`Event`]s and returns a [`Report`].
//!
//! Unlike particle-cli's removed doctor, which changed the device as it went (and broke on
//! the way), diagnosis and repair are separate steps here.

mod checks;
pub mod parse;

pub use checks::arduino_release;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::board::Board;
use crate::board::cmd::Cmd;
use crate::board::connect::{ConnectOptions, Session};
use crate::board::select::Choice;

/// The latest known H7 firmware release (arduino/portentax8-stm32h7-fw tag `0.0.5`,
/// 2025-02-21, with the RPC fixes of PR #58).
pub const LATEST_H7_FIRMWARE: (u32, u32, u32) = (0, 0, 5);

/// Where the boot-time flasher and program.sh read the firmware image.
pub const FIRMWARE_PATH: &str = crate::board::facts::FIRMWARE_LINK;

/// The checks, in chain order. Their stable names (`--json`) are the variants' in kebab
/// case, but for the three whose names say what they check on the board.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum CheckId {
    Adb,
    Board,
    #[strum(serialize = "x8")]
    Identity,
    Sudo,
    #[strum(serialize = "stm32h7-program")]
    H7Boot,
    #[strum(serialize = "x8h7-modules")]
    Modules,
    H7Firmware,
    X8h7Ui,
    M4Proxy,
    Rpc,
    Docker,
    Containers,
    Disk,
}

impl CheckId {
    /// Every check, in chain order.
    pub const ALL: &'static [CheckId] = <CheckId as strum::VariantArray>::VARIANTS;

    /// Stable machine-readable name (`--json`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What a person reads.
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Adb => "ADB",
            CheckId::Board => "Board attached",
            CheckId::Identity => "Portenta X8 image",
            CheckId::Sudo => "sudo",
            CheckId::H7Boot => "stm32h7-program (boot-time H7 flasher)",
            CheckId::Modules => "x8h7 kernel modules",
            CheckId::H7Firmware => "H7 firmware",
            CheckId::X8h7Ui => "/dev/x8h7_ui",
            CheckId::M4Proxy => "m4-proxy",
            CheckId::Rpc => "RPC round trip (port 5001)",
            CheckId::Docker => "Docker",
            CheckId::Containers => "App containers",
            CheckId::Disk => "Free space",
        }
    }

    /// The checks that must pass (ok or warn) before this one runs.
    pub fn deps(self) -> &'static [CheckId] {
        match self {
            CheckId::Adb => &[],
            CheckId::Board => &[CheckId::Adb],
            CheckId::Identity
            | CheckId::Sudo
            | CheckId::H7Boot
            | CheckId::Modules
            | CheckId::Docker
            | CheckId::Disk => &[CheckId::Board],
            CheckId::H7Firmware | CheckId::X8h7Ui => &[CheckId::Modules],
            CheckId::M4Proxy => &[CheckId::X8h7Ui],
            CheckId::Rpc => &[CheckId::M4Proxy],
            CheckId::Containers => &[CheckId::Docker],
        }
    }

    /// How long the check may take.
    pub fn timeout(self) -> Duration {
        Duration::from_secs(match self {
            CheckId::Adb => 20,
            CheckId::Board => 10,
            // A wrong password costs sudo about 2 s per attempt on the board.
            CheckId::Sudo => 20,
            // Reading the H7's version gives up after 100 ms (X8H7_RX_TIMEOUT = HZ/10,
            // real-board-evidence.md §3.2); the rest is adb round trips.
            CheckId::Identity | CheckId::H7Firmware => 8,
            // m4-proxy waits 1 s for the M4; our call allows 3 s.
            CheckId::Rpc => 6,
            _ => 8,
        })
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Works, but something is off (old firmware, a deprecated image, a stopped container).
    Warn,
    Fail,
    /// Not run because a prerequisite did not pass.
    Skip,
}

impl Status {
    pub fn passed(self) -> bool {
        matches!(self, Status::Ok | Status::Warn)
    }
}

/// A board command that repairs what a failed check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    /// What the command does, for the confirmation question.
    pub description: String,
    /// The shell command run on the board (as root when `root`).
    pub command: Cmd,
    pub root: bool,
}

impl Fix {
    fn root(description: impl Into<String>, command: Cmd) -> Fix {
        Fix {
            description: description.into(),
            command,
            root: true,
        }
    }

    /// The command as a person would type it on the board.
    pub fn display_command(&self) -> String {
        if self.root {
            let c = self.command.as_str();
            if c.contains(';') || c.contains("&&") {
                format!("sudo sh -c {}", crate::board::quote::quote(c))
            } else {
                self.command.as_root()
            }
        } else {
            self.command.to_string()
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub title: &'static str,
    pub status: Status,
    /// One line: what was found.
    pub summary: String,
    /// More lines (what was read, for -v and --json).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// When not ok: what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// When failed and repairable: the board command that repairs it (`--fix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// What a check function finds (the scheduler adds the id, title and duration).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub status: Status,
    pub summary: String,
    pub details: Vec<String>,
    pub hint: Option<String>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn ok(summary: impl Into<String>) -> Finding {
        Finding {
            status: Status::Ok,
            summary: summary.into(),
            details: Vec::new(),
            hint: None,
            fix: None,
        }
    }
    pub fn warn(summary: impl Into<String>, hint: impl Into<String>) -> Finding {
        Finding {
            status: Status::Warn,
            hint: Some(hint.into()),
            ..Finding::ok(summary)
        }
    }
    /// Not run, and why (a check that chose not to act, e.g. an RPC call it cannot make
    /// safely).
    pub fn skip(summary: impl Into<String>, hint: impl Into<String>) -> Finding {
        Finding {
            status: Status::Skip,
            hint: Some(hint.into()),
            ..Finding::ok(summary)
        }
    }
    pub fn fail(summary: impl Into<String>, hint: impl Into<String>) -> Finding {
        Finding {
            status: Status::Fail,
            hint: Some(hint.into()),
            ..Finding::ok(summary)
        }
    }
    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }
    pub fn detail(mut self, line: impl Into<String>) -> Finding {
        self.details.push(line.into());
        self
    }
    fn into_result(self, id: CheckId, duration: Duration) -> CheckResult {
        CheckResult {
            id,
            title: id.title(),
            status: self.status,
            summary: self.summary,
            details: self.details,
            hint: self.hint,
            // Only failed checks are repaired.
            fix: if self.status == Status::Fail {
                self.fix
            } else {
                None
            },
            duration,
        }
    }
}

/// Progress of a run, in the order it happens.
#[derive(Debug, Clone)]
pub enum Event {
    Started(CheckId),
    Finished(CheckResult),
}

/// The board the checks ran against.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// `adb-server` or `direct`.
    pub transport: String,
    pub serial: String,
}

/// Every check of one run, in chain order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub checks: Vec<CheckResult>,
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
    /// Whether the run passes: nothing failed (and, when `strict`, nothing warned).
    pub fn passed(&self, strict: bool) -> bool {
        self.count(Status::Fail) == 0 && (!strict || self.count(Status::Warn) == 0)
    }
    /// The fixes of the failed checks, in chain order.
    pub fn fixes(&self) -> Vec<(CheckId, Fix)> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .filter_map(|c| c.fix.clone().map(|f| (c.id, f)))
            .collect()
    }
    pub fn get(&self, id: CheckId) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// What running a fix did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FixOutcome {
    pub ok: bool,
    /// Exit status of the command, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i32>,
    /// What it printed (or why it could not run).
    pub output: String,
}

/// What checks get: the board, their time limit, and the method the RPC check may call.
pub(crate) struct CheckCtx {
    pub board: Arc<Board>,
    pub timeout: Duration,
    pub rpc_method: Option<Arc<str>>,
}

/// A doctor for one board; keeps the connection between runs (`--fix` runs twice).
pub struct Doctor {
    opts: ConnectOptions,
    password: Option<crate::board::ConfiguredPassword>,
    session: Option<Arc<Session>>,
    board: Option<Arc<Board>>,
    rpc_method: Option<Arc<str>>,
}

impl Doctor {
    pub fn new(opts: ConnectOptions) -> Doctor {
        Doctor {
            opts,
            password: None,
            session: None,
            board: None,
            rpc_method: None,
        }
    }

    /// The sudo password the user configured, for the checks and fixes that need root.
    pub fn with_sudo_password(mut self, p: Option<crate::board::ConfiguredPassword>) -> Doctor {
        self.password = p;
        self
    }

    /// The method the RPC check calls (no arguments): one the user says the sketch binds.
    /// Without one the doctor never calls the M4 — a call of a method the sketch does not
    /// bind crashes the board's m4-proxy (real-board-evidence.md §2.2) — and the RPC check
    /// says what it could not prove.
    pub fn with_rpc_method(mut self, method: Option<String>) -> Doctor {
        self.rpc_method = method.filter(|m| !m.is_empty()).map(Arc::from);
        self
    }

    /// The board, once a run found it.
    pub fn board(&self) -> Option<&Board> {
        self.board.as_deref()
    }

    /// Run every check; `on_event` hears each start and result as it happens.
    pub fn run(&mut self, on_event: &mut dyn FnMut(Event)) -> Report {
        let started = Instant::now();
        let mut results: BTreeMap<CheckId, CheckResult> = BTreeMap::new();
        // adb (or the direct connection), then the board: these make the board handle.
        run_here(CheckId::Adb, &mut results, on_event, || self.check_adb());
        if results
            .get(&CheckId::Adb)
            .is_some_and(|r| r.status.passed())
        {
            run_here(CheckId::Board, &mut results, on_event, || {
                self.check_board()
            });
        }

        let target = self.board.as_ref().map(|b| Target {
            transport: b.transport().name().to_string(),
            serial: b.serial().to_string(),
        });
        let runner: Runner<(Arc<Board>, Option<Arc<str>>)> = |id, (board, method), timeout| {
            checks::run(
                id,
                &CheckCtx {
                    board: board.clone(),
                    timeout,
                    rpc_method: method.clone(),
                },
            )
        };
        let method = self.rpc_method.clone();
        run_graph(
            self.board.clone().map(|b| (b, method)),
            &mut results,
            on_event,
            runner,
            &CheckId::timeout,
        );
        Report {
            target,
            checks: CheckId::ALL
                .iter()
                .filter_map(|id| results.remove(id))
                .collect(),
            duration: started.elapsed(),
        }
    }

    fn check_adb(&mut self) -> Finding {
        if self.session.is_none() {
            let opts = self.opts.clone();
            let (tx, rx) = mpsc::channel();
            // Session::open may start an adb server; give it its time limit.
            let spawned = std::thread::Builder::new()
                .name("doctor-adb".into())
                .spawn(move || {
                    let _ = tx.send(Session::open(&opts));
                });
            if spawned.is_err() {
                return Finding::fail("cannot start a thread", "");
            }
            match rx.recv_timeout(CheckId::Adb.timeout()) {
                Ok(Ok(s)) => self.session = Some(Arc::new(s)),
                Ok(Err(e)) => return checks::adb_error(&e),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Finding::fail(
                        "opening the connection crashed (a bug in x8ctl)",
                        "please report it with the output of `x8ctl doctor --json`",
                    );
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Finding::fail(
                        format!(
                            "no answer from the adb server within {} s",
                            CheckId::Adb.timeout().as_secs()
                        ),
                        "run `adb kill-server` and try again",
                    );
                }
            }
        }
        match &self.session {
            Some(s) => checks::adb_ok(s, &self.opts),
            None => Finding::fail("no session", ""),
        }
    }

    fn check_board(&mut self) -> Finding {
        if self.board.is_none() {
            let Some(session) = &self.session else {
                return Finding::fail("no session", "");
            };
            match session.choose(self.opts.serial.as_deref(), Choice::NonInteractive) {
                Ok(b) => self.board = Some(Arc::new(b.with_sudo_password(self.password.clone()))),
                Err(e) => return checks::board_error(&e, session),
            }
        }
        match &self.board {
            Some(b) => checks::board_round_trip(b),
            None => Finding::fail("no board", ""),
        }
    }

    /// Run `fix` on the board (as root when it says so). Call only after the user agreed.
    pub fn apply_fix(&self, fix: &Fix) -> FixOutcome {
        let Some(board) = &self.board else {
            return FixOutcome {
                ok: false,
                exit_status: None,
                output: "no board".into(),
            };
        };
        let timeout = Some(Duration::from_secs(180));
        let out = if fix.root {
            board.run_root(&fix.command, timeout)
        } else {
            board.run(&fix.command, timeout)
        };
        match out {
            Ok(o) => FixOutcome {
                ok: o.ok(),
                exit_status: Some(o.status),
                output: o.text().trim().to_string(),
            },
            Err(e) => FixOutcome {
                ok: false,
                exit_status: None,
                output: format!("{e} ({})", crate::help_of(&e)),
            },
        }
    }
}

/// Run the checks after `board`, concurrently as their prerequisites allow.
/// Runs one check with its context and time limit (on its own thread).
type Runner<C> = fn(CheckId, &C, Duration) -> Finding;

fn run_graph<C: Clone + Send + 'static>(
    board: Option<C>,
    results: &mut BTreeMap<CheckId, CheckResult>,
    on_event: &mut dyn FnMut(Event),
    runner: Runner<C>,
    timeout_of: &dyn Fn(CheckId) -> Duration,
) {
    let (tx, rx) = mpsc::channel::<(CheckId, Finding, Duration)>();
    // id -> (started, deadline)
    let mut running: BTreeMap<CheckId, (Instant, Instant)> = BTreeMap::new();
    loop {
        // Start (or skip) every check whose prerequisites are decided, until none changes.
        let mut changed = true;
        while changed {
            changed = false;
            for &id in CheckId::ALL {
                if results.contains_key(&id) || running.contains_key(&id) {
                    continue;
                }
                if !id.deps().iter().all(|d| results.contains_key(d)) {
                    continue;
                }
                changed = true;
                if let Some(r) = skipped_for_deps(id, results) {
                    record(results, on_event, r);
                    continue;
                }
                let Some(board) = board.clone() else {
                    // Cannot happen (Board passed); be safe anyway.
                    record(
                        results,
                        on_event,
                        Finding::fail("no board", "").into_result(id, Duration::ZERO),
                    );
                    continue;
                };
                let timeout = timeout_of(id);
                on_event(Event::Started(id));
                let now = Instant::now();
                running.insert(id, (now, now + timeout));
                if spawn_check(id, board, runner, timeout, tx.clone()).is_err() {
                    running.remove(&id);
                    let f = Finding::fail("cannot start a thread", "");
                    record(results, on_event, f.into_result(id, Duration::ZERO));
                }
            }
        }
        let Some(next) = running.values().map(|(_, d)| *d).min() else {
            break;
        };
        match rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Ok((id, f, took)) => {
                if running.remove(&id).is_some() {
                    record(results, on_event, f.into_result(id, took));
                }
            }
            Err(_) => {
                for r in time_out_late(&mut running, timeout_of) {
                    record(results, on_event, r);
                }
            }
        }
    }
}

/// Run the check `id` on this thread, told as started and finished, and keep its result.
fn run_here(
    id: CheckId,
    results: &mut BTreeMap<CheckId, CheckResult>,
    on_event: &mut dyn FnMut(Event),
    check: impl FnOnce() -> Finding,
) {
    on_event(Event::Started(id));
    let t = Instant::now();
    let f = check();
    record(results, on_event, f.into_result(id, t.elapsed()));
}

/// A check's result, told and kept.
fn record(
    results: &mut BTreeMap<CheckId, CheckResult>,
    on_event: &mut dyn FnMut(Event),
    r: CheckResult,
) {
    on_event(Event::Finished(r.clone()));
    results.insert(r.id, r);
}

/// A check skipped because a prerequisite failed or was skipped; `None` when they all
/// passed.
fn skipped_for_deps(id: CheckId, results: &BTreeMap<CheckId, CheckResult>) -> Option<CheckResult> {
    let bad = id
        .deps()
        .iter()
        .filter_map(|d| results.get(d))
        .find(|r| !r.status.passed())?;
    let why = match bad.status {
        Status::Skip => "was skipped",
        _ => "failed",
    };
    Some(CheckResult {
        id,
        title: id.title(),
        status: Status::Skip,
        summary: format!("skipped: {} {why}", bad.title),
        details: Vec::new(),
        hint: None,
        fix: None,
        duration: Duration::ZERO,
    })
}

/// Run one check on a thread of its own, sending its finding (a failure if it panics)
/// and how long it took to `tx`.
fn spawn_check<C: Send + 'static>(
    id: CheckId,
    board: C,
    runner: Runner<C>,
    timeout: Duration,
    tx: mpsc::Sender<(CheckId, Finding, Duration)>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(format!("doctor-{}", id.name()))
        .spawn(move || {
            let t = Instant::now();
            let f = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runner(id, &board, timeout)
            }))
            .unwrap_or_else(|_| {
                Finding::fail(
                    "the check itself crashed (a bug in x8ctl)",
                    "please report it with the output of `x8ctl doctor --json`",
                )
            });
            let _ = tx.send((id, f, t.elapsed()));
        })
        .map(drop)
}

/// The running checks past their deadline, taken out of `running` as failures.
fn time_out_late(
    running: &mut BTreeMap<CheckId, (Instant, Instant)>,
    timeout_of: &dyn Fn(CheckId) -> Duration,
) -> Vec<CheckResult> {
    let now = Instant::now();
    let late: Vec<CheckId> = running
        .iter()
        .filter(|(_, (_, d))| *d <= now)
        .map(|(id, _)| *id)
        .collect();
    late.into_iter()
        .filter_map(|id| {
            let (started, _) = running.remove(&id)?;
            Some(
                Finding::fail(
                    format!("did not finish within {} s", secs_text(timeout_of(id))),
                    "the board is slow or stuck: check the cable, or reboot the board (`x8ctl shell --root reboot`)",
                )
                .into_result(id, started.elapsed()),
            )
        })
        .collect()
}

/// `8`, `0.5`: seconds without needless decimals.
fn secs_text(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.1}", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake chain: every check sleeps a little; `sudo` hangs past its time limit and
    /// `x8h7-modules` fails.
    fn fake_runner(id: CheckId, _: &(), _: Duration) -> Finding {
        match id {
            CheckId::Sudo => {
                std::thread::sleep(Duration::from_millis(1500));
                Finding::ok("too late")
            }
            CheckId::Modules => {
                std::thread::sleep(Duration::from_millis(100));
                Finding::fail("not loaded", "load them")
            }
            _ => {
                std::thread::sleep(Duration::from_millis(100));
                Finding::ok("fine")
            }
        }
    }

    #[test]
    fn the_graph_runs_concurrently_with_per_check_timeouts_and_skips() {
        let mut results = BTreeMap::new();
        for id in [CheckId::Adb, CheckId::Board] {
            results.insert(id, Finding::ok("").into_result(id, Duration::ZERO));
        }
        let mut started = Vec::new();
        let t = Instant::now();
        run_graph(
            Some(()),
            &mut results,
            &mut |e| {
                if let Event::Started(id) = e {
                    started.push(id)
                }
            },
            fake_runner,
            &|id| {
                if id == CheckId::Sudo {
                    Duration::from_millis(300)
                } else {
                    Duration::from_secs(5)
                }
            },
        );
        let took = t.elapsed();
        let st = |id| results.get(&id).map(|r| r.status);
        assert_eq!(st(CheckId::Sudo), Some(Status::Fail));
        let sudo = &results[&CheckId::Sudo];
        assert!(sudo.summary.contains("within 0.3 s"), "{}", sudo.summary);
        assert!(sudo.duration < Duration::from_millis(1000));
        assert_eq!(st(CheckId::Modules), Some(Status::Fail));
        for id in [
            CheckId::H7Firmware,
            CheckId::X8h7Ui,
            CheckId::M4Proxy,
            CheckId::Rpc,
        ] {
            assert_eq!(st(id), Some(Status::Skip), "{}", id.name());
        }
        assert!(
            results[&CheckId::M4Proxy]
                .summary
                .contains("/dev/x8h7_ui was skipped")
        );
        for id in [
            CheckId::Identity,
            CheckId::H7Boot,
            CheckId::Docker,
            CheckId::Containers,
            CheckId::Disk,
        ] {
            assert_eq!(st(id), Some(Status::Ok), "{}", id.name());
        }
        assert_eq!(results.len(), CheckId::ALL.len());
        // Seven checks of 100 ms after the board, then containers: concurrent, not 800 ms+.
        assert!(took < Duration::from_millis(700), "took {took:?}");
        assert!(
            !started.contains(&CheckId::Rpc),
            "skipped checks never start"
        );
    }

    #[test]
    fn chain_order_and_dependencies() {
        for (i, id) in CheckId::ALL.iter().enumerate() {
            for d in id.deps() {
                let j = CheckId::ALL.iter().position(|x| x == d).unwrap();
                assert!(j < i, "{} depends on a later check", id.name());
            }
        }
        let names: std::collections::BTreeSet<&str> =
            CheckId::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), CheckId::ALL.len());
    }

    #[test]
    fn a_run_without_a_board_fails_adb_and_skips_everything_else() {
        let mut d = Doctor::new(ConnectOptions {
            // Nothing listens on port 1.
            connect: Some("127.0.0.1:1".into()),
            ..ConnectOptions::default()
        });
        let mut events = Vec::new();
        let r = d.run(&mut |e| events.push(e));
        assert_eq!(r.checks.len(), CheckId::ALL.len());
        assert_eq!(r.checks[0].status, Status::Fail);
        assert!(r.checks[0].hint.is_some());
        assert!(r.checks[1..].iter().all(|c| c.status == Status::Skip));
        assert!(!r.passed(false));
        let finished = events
            .iter()
            .filter(|e| matches!(e, Event::Finished(_)))
            .count();
        assert_eq!(finished, CheckId::ALL.len());
        assert!(serde_json::to_value(&r).unwrap()["checks"][1]["status"] == "skip");
    }

    #[test]
    fn fixes_only_for_failed_checks() {
        let f = Finding::warn("w", "h").with_fix(Fix::root("d", Cmd::fixed("true")));
        assert!(f.into_result(CheckId::Docker, Duration::ZERO).fix.is_none());
        let f = Finding::fail("f", "h")
            .with_fix(Fix::root("d", Cmd::fixed("systemctl restart m4-proxy")));
        let r = f.into_result(CheckId::M4Proxy, Duration::ZERO);
        assert_eq!(
            r.fix.as_ref().unwrap().display_command(),
            "sudo systemctl restart m4-proxy"
        );
        let fx = Fix::root("d", Cmd::fixed("a; b"));
        assert_eq!(fx.display_command(), "sudo sh -c 'a; b'");
    }
}
