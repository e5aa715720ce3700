//! The flash pipeline of `x8ctl flash-fw`: put a checked STM32H7 firmware image on the
//! board so that it ends either on the new, verified firmware or back on the old one.
//!
//! Steps, each reported through [`FlashEvent`] as it runs:
//! sudo → versions (running from sysfs, installed file) → push to /home/fio/.x8ctl and
//! verify its sha256 there → back up the installed image (kept in /home/fio/.x8ctl) →
//! remount /usr rw → install (`sudo cp`) and verify by sha256 → remount /usr ro (always,
//! even on failure or interrupt) → program.sh, judged by OpenOCD's lines (it exits 0 even
//! when it failed) → read the version back from the H7 → restart m4-proxy → RPC check on
//! port 5001. If anything fails after the install, the backup is restored the same way and
//! program.sh runs again; the error then says both what failed and what the board runs.
//!
//! The library never prints; the CLI renders the events and the result.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::board::cmd::Cmd;
use crate::board::facts;
use crate::board::transfer::{self, PushOptions, TransferEvent};
use crate::board::{Board, BoardError, Job, Streams};
use crate::doctor::parse::firmware_release;
use crate::firmware::image::ImageInfo;
use crate::rpc::client::{CallOutcome, call_board};

/// The installed image (the real file; [`facts::FIRMWARE_LINK`] links to it).
pub const INSTALLED: &str = facts::FIRMWARE_INSTALLED;
pub use facts::{PROGRAM_SH, SYSFS_VERSION, WORK_DIR};
/// Where the new image is pushed.
pub const UPLOAD: &str = concat!(facts::work_dir!(), "/STM32H747AII6_CM7.new.bin");

/// One step of the pipeline. Its name, in the text and in the JSON alike, is the variant
/// in kebab case, but `restart-m4-proxy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Step {
    Sudo,
    Versions,
    Push,
    Backup,
    RemountRw,
    Install,
    RemountRo,
    Program,
    ReadBack,
    #[strum(serialize = "restart-m4-proxy")]
    #[serde(rename = "restart-m4-proxy")]
    RestartProxy,
    RpcCheck,
    Rollback,
}

impl Step {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Sudo => "find sudo on the board",
            Step::Versions => "read the running and installed firmware versions",
            Step::Push => "push the image and verify its sha256 on the board",
            Step::Backup => "back up the installed image",
            Step::RemountRw => "remount /usr read-write",
            Step::Install => "install the image and verify it",
            Step::RemountRo => "remount /usr read-only",
            Step::Program => "program the H7 (program.sh / OpenOCD)",
            Step::ReadBack => "read the version back from the H7",
            Step::RestartProxy => "restart m4-proxy",
            Step::RpcCheck => "RPC round trip (port 5001)",
            Step::Rollback => "restore the previous firmware",
        }
    }
}

/// What the pipeline reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlashEvent {
    Started(Step),
    Done {
        step: Step,
        summary: String,
    },
    Failed {
        step: Step,
        error: String,
    },
    /// Bytes of the push so far, of `total`.
    Bytes {
        done: u64,
        total: u64,
    },
    /// A line program.sh / OpenOCD printed.
    BoardLine {
        step: Step,
        line: String,
    },
}

/// How sure we are about the board's state at the end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum BoardState {
    /// Nothing on the board changed (the firmware and /usr are as before).
    Unchanged { version: Option<String> },
    /// The new firmware runs, verified.
    New { version: String },
    /// The previous firmware was restored and verified.
    RolledBack { version: String },
    /// The restore did not work: the board needs attention.
    RollbackFailed { detail: String },
    /// The board stopped answering after an interrupt and x8ctl stopped waiting: what it
    /// may be in, and what to do.
    Unknown { detail: String },
}

impl BoardState {
    pub fn describe(&self) -> String {
        match self {
            BoardState::Unchanged { version: Some(v) } => {
                format!("nothing on the board changed; the H7 still runs {v}")
            }
            BoardState::Unchanged { version: None } => "nothing on the board changed".into(),
            BoardState::New { version } => {
                format!("the H7 runs the new firmware {version}, verified")
            }
            BoardState::RolledBack { version } => {
                format!("rolled back: the H7 runs the previous firmware {version} again, verified")
            }
            BoardState::RollbackFailed { detail } => format!("rollback failed: {detail}"),
            BoardState::Unknown { detail } => format!("the board's state is unknown: {detail}"),
        }
    }
}

/// Why the flash did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailKind {
    /// Talking to the board failed (push cut, no space, sudo, ...).
    Board,
    /// The image is older than or the same as what runs, and --force was not given.
    Refused,
    /// program.sh, the version read-back or the RPC check said no.
    Check,
    /// Ctrl-C.
    Interrupted,
}

/// A flash that did not finish, with the board's final state. Its [`miette::Diagnostic`]
/// code is the board error's when talking to the board failed (`x8ctl::board::sudo`, ...),
/// else `x8ctl::flash::<kind>`; its help is `hint`.
#[derive(Debug, Clone, thiserror::Error, serde::Serialize)]
#[error("{step_name}: {message}")]
pub struct FlashError {
    pub step: Step,
    step_name: &'static str,
    pub kind: FailKind,
    /// The stable error code (see above).
    pub code: String,
    /// What happened, in the board's own words where there are any.
    pub message: String,
    /// What to do next (the error's [`miette::Diagnostic::help`]).
    pub hint: String,
    /// The board's output that shows the failure (OpenOCD's error lines).
    pub board_lines: Vec<String>,
    pub state: BoardState,
    /// Whether /usr was left read-only (it always should be).
    pub usr_read_only: bool,
}

impl FlashError {
    fn new(
        step: Step,
        kind: FailKind,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Box<Self> {
        let code = match kind {
            FailKind::Board => "x8ctl::flash::board",
            FailKind::Refused => "x8ctl::flash::refused",
            FailKind::Check => "x8ctl::flash::check",
            FailKind::Interrupted => "x8ctl::flash::interrupted",
        };
        Box::new(FlashError {
            step,
            step_name: step.name(),
            kind,
            code: code.to_string(),
            message: message.into(),
            hint: hint.into(),
            board_lines: Vec::new(),
            state: BoardState::Unchanged { version: None },
            usr_read_only: true,
        })
    }

    /// A failure of x8ctl itself (the board's state is not known).
    pub fn internal(message: &str) -> Box<Self> {
        let mut e = FlashError::new(
            Step::Sudo,
            FailKind::Board,
            message,
            "please report this; check the board with `x8ctl doctor`",
        );
        e.state = BoardState::RollbackFailed {
            detail: "unknown: x8ctl stopped unexpectedly".into(),
        };
        e
    }

    /// The board could not be had for the flash (another run holds its lock): nothing
    /// changed.
    pub fn not_started(e: BoardError) -> Box<Self> {
        FlashError::board(Step::Versions, e)
    }

    fn board(step: Step, e: BoardError) -> Box<Self> {
        let hint = crate::help_of(&e);
        // An interrupt that found the board frozen ends the run as an interrupt.
        let kind = if matches!(e, BoardError::Abandoned { .. }) {
            FailKind::Interrupted
        } else {
            FailKind::Board
        };
        let mut f = FlashError::new(step, kind, e.to_string(), hint);
        if let Some(code) = crate::code_of(&e) {
            f.code = code;
        }
        f
    }
}

impl miette::Diagnostic for FlashError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.hint))
    }
}

/// Options of a flash.
#[derive(Debug, Clone, Default)]
pub struct FlashOptions {
    /// Flash an older version, or the one that already runs.
    pub force: bool,
    /// Read the board, plan, change nothing.
    pub dry_run: bool,
    /// A method the sketch on the M4 binds (no arguments), called after the flash to report
    /// the RPC round trip. `None`: the M4 is not called (after a flash it runs whatever was
    /// last uploaded, and calling a method it does not bind crashes m4-proxy:
    /// real-board-evidence.md §2.2, §3.5).
    pub rpc_method: Option<String>,
    /// Roll back when the call of `rpc_method` is not answered (`--require-rpc`). Without
    /// it the flash is judged by `** Verified OK **` and the version read back from the H7
    /// (§3.4), and a failed round trip is a warning.
    pub require_rpc: bool,
}

/// One planned step with the exact board commands (root ones shown as `sudo CMD`, without
/// the password plumbing).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedStep {
    pub step: Step,
    pub title: &'static str,
    pub commands: Vec<String>,
}

/// What a finished (or dry) run found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FlashReport {
    pub serial: String,
    pub image_version: String,
    pub image_sha256: String,
    /// The version the H7 ran before.
    pub running_before: Option<String>,
    /// The version of the installed file before.
    pub installed_before: Option<String>,
    /// Where the previous image was kept on the board.
    pub backup: Option<String>,
    /// The H7's version at the end.
    pub running_after: Option<String>,
    /// The RPC check's answer (or why there was none).
    pub rpc: Option<String>,
    /// What the user should know although the flash succeeded (a silent M4, an RPC round
    /// trip that was not checked).
    pub warnings: Vec<String>,
    /// What the user should know about the result (how long the flashed firmware lasts).
    pub notes: Vec<String>,
    /// program.sh's lines.
    pub program_output: Vec<String>,
    /// Only for --dry-run.
    pub plan: Vec<PlannedStep>,
    pub dry_run: bool,
    pub elapsed_ms: u64,
}

/// The image to flash: its checked facts and the local file holding it.
#[derive(Debug, Clone)]
pub struct FlashImage<'a> {
    pub path: &'a Path,
    pub info: &'a ImageInfo,
}

/// real-board-evidence.md §3.3: an OS update brings back the image's own firmware file, and
/// `stm32h7-program` reflashes the H7 at the next boot when the versions differ.
pub const OS_UPDATE_NOTE: &str = "this firmware lasts until the next OS update: an update installs the image's own firmware in /usr and the board reflashes the H7 with it at the next boot (run flash-fw again afterwards if you still need this one)";

/// The steps of a flash, in the order they run. The run ([`flash`]) and the plan
/// (`--dry-run`, [`plan`]) both walk this list, and each step's board commands come from
/// the same functions ([`Commands`]), so the plan shows what runs.
pub const STEPS: [Step; 11] = [
    Step::Sudo,
    Step::Versions,
    Step::Push,
    Step::Backup,
    Step::RemountRw,
    Step::Install,
    Step::RemountRo,
    Step::Program,
    Step::ReadBack,
    Step::RestartProxy,
    Step::RpcCheck,
];

/// The board commands of the flash, built with [`Cmd`] (every argument quoted).
pub struct Commands;

impl Commands {
    /// The running version, from the H7 (its error text on stdout too).
    pub fn running_version() -> Cmd {
        Cmd::new("cat").arg(SYSFS_VERSION).stderr_to_stdout()
    }

    /// The version string of the image file at `path` (at [`facts::VERSION_OFFSET`]).
    pub fn file_version(path: &str) -> Cmd {
        Cmd::new("dd")
            .arg(format!("if={path}"))
            .arg("bs=1")
            .arg(format!("skip={}", facts::VERSION_OFFSET))
            .arg("count=64")
            .no_stderr()
            .pipe(Cmd::new("strings"))
            .pipe(Cmd::new("head").arg("-n1"))
    }

    /// x8ctl's folder on the board.
    pub fn make_work_dir() -> Cmd {
        Cmd::new("mkdir").arg("-p").arg(WORK_DIR)
    }

    /// Keep the installed image as `backup`.
    pub fn backup(backup: &str) -> Cmd {
        Cmd::new("cp").arg(INSTALLED).arg(backup)
    }

    /// Remount /usr read-write or read-only (as root).
    pub fn remount(rw: bool) -> Cmd {
        let mode = if rw { "remount,rw" } else { "remount,ro" };
        Cmd::new("mount").arg("-o").arg(mode).arg(facts::USR)
    }

    /// Install `from` as [`INSTALLED`] (as root): written beside it and renamed over it,
    /// never written in place. /usr is an OSTree checkout whose files are hard links into
    /// the OSTree repository: `cp` over the installed file would corrupt the repository
    /// object behind it (real-board-evidence.md §3.3).
    pub fn install(from: &str) -> Cmd {
        Cmd::new("rm")
            .arg("-f")
            .arg(INSTALL_TMP)
            .and(Cmd::new("cp").arg(from).arg(INSTALL_TMP))
            .and(Cmd::new("sync"))
            .and(Cmd::new("mv").arg("-f").arg(INSTALL_TMP).arg(INSTALLED))
            .and(Cmd::new("sync"))
    }

    /// program.sh (as root), its OpenOCD lines on stdout.
    pub fn program() -> Cmd {
        Cmd::new(PROGRAM_SH).stderr_to_stdout()
    }

    /// Restart m4-proxy (as root): it reconnects to the H7 after its reset.
    pub fn restart_m4_proxy() -> Cmd {
        Cmd::new("systemctl")
            .arg("restart")
            .arg(facts::M4_PROXY_UNIT)
    }

    /// Remove the pushed image.
    pub fn remove_upload() -> Cmd {
        Cmd::new("rm").arg("-f").arg(UPLOAD)
    }

    /// How a sha256 is read on the board ([`transfer::remote_hashes`]).
    fn sha256(path: &str) -> Cmd {
        Cmd::new("sha256sum").arg(path)
    }
}

/// What a plan needs to know: the image, where the backup goes, the RPC method.
struct PlanFacts<'a> {
    image: &'a ImageInfo,
    backup: &'a str,
    rpc_method: Option<&'a str>,
}

impl Step {
    /// The board commands this step runs, as a plan shows them (root ones as `sudo CMD`,
    /// without the password plumbing).
    fn commands(self, f: &PlanFacts) -> Vec<String> {
        let user = |c: Cmd| c.to_string();
        let root = |c: Cmd| c.as_root();
        let want = |c: Cmd, sha: &str| format!("{c}   # want {sha}");
        match self {
            Step::Sudo => vec![root(Cmd::new("true"))],
            Step::Versions => vec![
                user(Commands::running_version()),
                user(Commands::sha256(INSTALLED)),
                user(Commands::file_version(INSTALLED)),
            ],
            Step::Push => vec![
                user(Commands::make_work_dir()),
                format!("adb push (sync) {} bytes -> {UPLOAD}", f.image.size),
                want(Commands::sha256(UPLOAD), &f.image.sha256),
            ],
            Step::Backup => vec![
                user(Commands::backup(f.backup)),
                user(Commands::sha256(f.backup)),
            ],
            Step::RemountRw => vec![root(Commands::remount(true))],
            Step::Install => vec![
                root(Commands::install(UPLOAD)),
                want(Commands::sha256(INSTALLED), &f.image.sha256),
            ],
            Step::RemountRo => vec![root(Commands::remount(false))],
            Step::Program => vec![root(Commands::program())],
            Step::ReadBack => vec![want(Commands::running_version(), &f.image.version)],
            Step::RestartProxy => vec![root(Commands::restart_m4_proxy())],
            Step::RpcCheck => vec![match f.rpc_method {
                Some(m) => format!(
                    "tcp:{} <- [0, msgid, \"{m}\", []]",
                    facts::M4_PROXY_CALL_PORT
                ),
                None => "(no call: no --rpc-method / --require-rpc given)".into(),
            }],
            Step::Rollback => Vec::new(),
        }
    }
}

/// The board commands of each step, for --dry-run and for reading along: [`STEPS`], each
/// with the commands it runs.
pub fn plan(image: &ImageInfo, backup: &str, rpc_method: Option<&str>) -> Vec<PlannedStep> {
    let f = PlanFacts {
        image,
        backup,
        rpc_method,
    };
    STEPS
        .iter()
        .map(|&step| PlannedStep {
            step,
            title: step.title(),
            commands: step.commands(&f),
        })
        .collect()
}

/// Where the new image is written before it is renamed over [`INSTALLED`]: the same
/// folder, so the rename is atomic.
pub const INSTALL_TMP: &str = concat!(facts::firmware_dir!(), "/.STM32H747AII6_CM7.bin.x8ctl-new");

/// A version as a file-name part.
fn file_part(v: &str) -> String {
    let s: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if s.is_empty() { "unknown".into() } else { s }
}

/// Where the installed image of version `v` is kept.
pub fn backup_path(v: Option<&str>) -> String {
    format!(
        "{WORK_DIR}/STM32H747AII6_CM7.backup-{}.bin",
        file_part(v.unwrap_or("unknown"))
    )
}

/// How program.sh went, judged by its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramVerdict {
    /// Flash already matched ("is programmed/updated, exiting").
    AlreadyMatched,
    /// Programmed and verified (`** Verified OK **` and `** Resetting Target **`).
    Programmed,
    /// Failed: the lines that say so.
    Failed(Vec<String>),
    /// Neither success nor failure markers.
    Unclear,
}

/// Judge program.sh's output (real-board-evidence.md §3.4: `** Verified OK **` plus the
/// read-back that follows are the evidence of success). Success = "programmed/updated,
/// exiting" or (`** Verified OK **` and `** Resetting Target **`), unless a `Failed **` or
/// `init failed` line says otherwise; a stray OpenOCD `Error:` line next to `** Verified OK
/// **` is not a failure by itself (the read-back decides). Failure = any `Failed **`, `init
/// failed`, or an `Error:` after the programming started without a verification. The first
/// `flash verify_image` failing is how program.sh decides to program, so its `Error: verify
/// failed` line before "starting programming procedure" is not a failure.
pub fn judge_program(text: &str) -> ProgramVerdict {
    let mut programming = false;
    let mut errors = Vec::new();
    let mut hard = false;
    let mut verified = false;
    let mut reset = false;
    let mut matched = false;
    for line in text.lines() {
        let l = line.trim_end_matches('\r');
        if l.contains("starting programming procedure") {
            programming = true;
            continue;
        }
        if l.contains("is programmed/updated, exiting") {
            matched = true;
        }
        if l.contains("** Verified OK **") {
            verified = true;
        }
        if l.contains("** Resetting Target **") {
            reset = true;
        }
        let failed = l.contains("Failed **") || l.contains("init failed");
        hard |= failed;
        let bad = failed
            || (programming && l.contains("Error:"))
            || (!programming && l.contains("Error:") && !l.contains("verify failed"));
        if bad {
            errors.push(l.to_string());
        }
    }
    if hard {
        return ProgramVerdict::Failed(errors);
    }
    if matched && errors.is_empty() {
        return ProgramVerdict::AlreadyMatched;
    }
    if verified && reset {
        return ProgramVerdict::Programmed;
    }
    if !errors.is_empty() {
        return ProgramVerdict::Failed(errors);
    }
    ProgramVerdict::Unclear
}

/// Is `image` older than `running`? Only when both have a release number.
pub fn is_older(image: &str, running: &str) -> bool {
    match (firmware_release(image), firmware_release(running)) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    }
}

struct Pipeline<'a> {
    board: &'a Board,
    on: &'a (dyn Fn(FlashEvent) + Sync),
    interrupt: &'a AtomicBool,
    usr_rw: bool,
    /// Whether a step that changes the board (/usr, the installed image, the H7) began:
    /// before that, a failure or an interrupt has nothing to roll back.
    changed: bool,
    report: FlashReport,
}

type StepResult<T> = Result<T, Box<FlashError>>;

/// What the steps learn and the later ones use.
#[derive(Default)]
struct Found {
    /// The running version, or what reading it said.
    running: Option<Result<String, String>>,
    /// The installed image's sha256 and version.
    installed_sha: String,
    installed_version: Option<String>,
    /// Where the installed image is kept.
    backup: String,
}

impl Found {
    fn running(&self) -> Option<&str> {
        self.running.as_ref().and_then(|r| r.as_deref().ok())
    }

    /// The state of a board nothing was done to.
    fn unchanged(&self) -> BoardState {
        BoardState::Unchanged {
            version: self.running().map(str::to_string),
        }
    }
}

/// Collects program.sh's output into lines, reporting each as it comes.
struct Lines<'a> {
    buf: Vec<u8>,
    all: Vec<String>,
    on: &'a (dyn Fn(FlashEvent) + Sync),
    step: Step,
}

impl Lines<'_> {
    fn flush_lines(&mut self, all: bool) {
        while let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            self.emit(&line[..line.len() - 1]);
        }
        if all && !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            self.emit(&rest);
        }
    }

    fn emit(&mut self, l: &[u8]) {
        let s = String::from_utf8_lossy(l)
            .trim_end_matches('\r')
            .to_string();
        (self.on)(FlashEvent::BoardLine {
            step: self.step,
            line: s.clone(),
        });
        self.all.push(s);
    }
}

impl std::io::Write for Lines<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        self.flush_lines(false);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Pipeline<'_> {
    fn started(&self, s: Step) {
        (self.on)(FlashEvent::Started(s));
    }
    fn done(&self, step: Step, summary: impl Into<String>) {
        (self.on)(FlashEvent::Done {
            step,
            summary: summary.into(),
        });
    }
    fn failed(&self, e: &FlashError) {
        (self.on)(FlashEvent::Failed {
            step: e.step,
            error: e.message.clone(),
        });
    }
    fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }

    fn user(&self, step: Step, cmd: &Cmd) -> StepResult<String> {
        // The flash's own commands fit one OPEN (REB §1.4); the board would send a longer
        // one as a script, but none of these should need it.
        debug_assert!(cmd.fits_one_open(), "{cmd}");
        self.board
            .run_ok(cmd, step.title())
            .map(|o| o.stdout_text())
            .map_err(|e| FlashError::board(step, e))
    }

    fn root(&self, step: Step, cmd: &Cmd) -> StepResult<String> {
        debug_assert!(cmd.fits_one_open(), "{cmd}");
        let o = self
            .board
            .run_root(cmd, Some(crate::board::DEFAULT_TIMEOUT))
            .map_err(|e| FlashError::board(step, e))?;
        if o.ok() {
            Ok(o.stdout_text())
        } else {
            Err(FlashError::new(
                step,
                FailKind::Board,
                format!(
                    "`{}` failed on the board (exit {}): {}",
                    cmd.as_root(),
                    o.status,
                    o.text().trim()
                ),
                "read the board's message above; `x8ctl doctor` checks the board",
            ))
        }
    }

    fn sha256_of(&self, step: Step, path: &str) -> StepResult<Option<String>> {
        let m = transfer::remote_hashes(self.board, &[path.to_string()])
            .map_err(|e| FlashError::board(step, e))?;
        Ok(m.get(path).cloned())
    }

    /// The running version, or the error text the read gave.
    fn running_version(&self, step: Step) -> StepResult<Result<String, String>> {
        read_running(self.board).map_err(|e| FlashError::board(step, e))
    }

    fn remount(&mut self, rw: bool) -> StepResult<()> {
        let step = if rw { Step::RemountRw } else { Step::RemountRo };
        self.started(step);
        // Mark it writable before trying, so a half-done remount is undone too.
        if rw {
            self.usr_rw = true;
            self.changed = true;
        }
        self.root(step, &Commands::remount(rw))?;
        if !rw {
            self.usr_rw = false;
        }
        self.done(
            step,
            format!("/usr is {}", if rw { "read-write" } else { "read-only" }),
        );
        Ok(())
    }

    /// Remount /usr read-only if it may be writable; returns an error text when that failed.
    fn ensure_ro(&mut self) -> Option<String> {
        if !self.usr_rw {
            return None;
        }
        // Try twice: a slow board may time out once.
        let mut last = None;
        for _ in 0..2 {
            match self.remount(false) {
                Ok(()) => return None,
                Err(e) => {
                    self.failed(&e);
                    last = Some(e.message);
                }
            }
        }
        last
    }

    /// Remount /usr read-write; a half-done remount is undone.
    fn remount_rw(&mut self) -> StepResult<()> {
        self.remount(true).inspect_err(|_| {
            let _ = self.ensure_ro();
        })
    }

    /// Remount /usr read-only (twice if need be), as a step of its own.
    fn remount_ro(&mut self) -> StepResult<()> {
        match self.ensure_ro() {
            None => Ok(()),
            Some(msg) => Err(FlashError::new(
                Step::RemountRo,
                FailKind::Board,
                msg,
                format!("run `{}` on the board", Commands::remount(false).as_root()),
            )),
        }
    }

    /// Install `from` over the installed image (/usr is writable) and verify its sha256.
    fn copy_and_verify(&self, step: Step, from: &str, want_sha: &str) -> StepResult<()> {
        self.root(step, &Commands::install(from))?;
        match self.sha256_of(step, INSTALLED)? {
            Some(h) if h == want_sha => Ok(()),
            Some(h) => Err(FlashError::new(
                step,
                FailKind::Check,
                format!("the installed file's sha256 is {h}, not {want_sha}"),
                "the copy on the board is damaged: check free space and the eMMC (`dmesg`)",
            )),
            None => Err(FlashError::new(
                step,
                FailKind::Check,
                format!("{INSTALLED} is missing after the copy"),
                format!(
                    "check the board's /usr with `x8ctl shell ls -l {}`",
                    facts::FIRMWARE_DIR
                ),
            )),
        }
    }

    /// [`Self::copy_and_verify`] between the remounts, as the rollback does it.
    fn install(&mut self, step: Step, from: &str, want_sha: &str) -> StepResult<()> {
        self.started(step);
        self.remount_rw()?;
        let r = self.copy_and_verify(step, from, want_sha);
        let ro = self.remount_ro();
        r.and(ro)?;
        self.done(
            step,
            format!(
                "the backup is installed again and verified (sha256 {})",
                short(want_sha)
            ),
        );
        Ok(())
    }

    /// Run program.sh and judge it.
    fn program(&mut self, step: Step) -> StepResult<ProgramVerdict> {
        self.started(step);
        let mut out = Lines {
            buf: Vec::new(),
            all: Vec::new(),
            on: self.on,
            step,
        };
        let mut err: Vec<u8> = Vec::new();
        // program.sh always exits 0: judged by its lines, not its status.
        let _status = self
            .board
            .run_root_streaming(
                Job::new(
                    &Commands::program(),
                    "program.sh",
                    Some(Duration::from_secs(300)),
                ),
                Streams::new(&mut out, &mut err),
            )
            .map_err(|e| FlashError::board(step, e))?;
        let _ = std::io::Write::write_all(&mut out, &err);
        out.flush_lines(true);
        let text = out.all.join("\n");
        self.report.program_output = out.all;
        Ok(judge_program(&text))
    }

    /// program.sh then the sysfs read-back, expecting `want`.
    fn program_and_check(&mut self, want: &str) -> StepResult<String> {
        let verdict = self.program(Step::Program)?;
        self.judge_verdict(verdict)?;
        self.started(Step::ReadBack);
        self.read_back(want)
    }

    /// Report program.sh's verdict; an error unless it programmed (or matched).
    fn judge_verdict(&self, verdict: ProgramVerdict) -> StepResult<()> {
        match verdict {
            ProgramVerdict::Failed(lines) => {
                let mut e = FlashError::new(
                    Step::Program,
                    FailKind::Check,
                    format!(
                        "program.sh exited 0, but OpenOCD says: {}",
                        lines.last().map(String::as_str).unwrap_or("failed")
                    ),
                    "OpenOCD could not program the H7 over SWD: reboot the X8 (the boot-time flasher retries) and run flash-fw again; if it keeps failing, power-cycle the board",
                );
                e.board_lines = lines;
                Err(e)
            }
            ProgramVerdict::Unclear => Err(FlashError::new(
                Step::Program,
                FailKind::Check,
                "program.sh printed neither OpenOCD's success nor its failure lines",
                format!("run `sudo {PROGRAM_SH}` on the board and read its output"),
            )),
            ProgramVerdict::AlreadyMatched => {
                self.done(Step::Program, "the H7's flash already matches the image");
                Ok(())
            }
            ProgramVerdict::Programmed => {
                self.done(
                    Step::Program,
                    "programmed: ** Verified OK **, ** Resetting Target **",
                );
                Ok(())
            }
        }
    }

    /// Read the version back from the H7 until it says `want` (it may take a moment after
    /// its reset).
    fn read_back(&self, want: &str) -> StepResult<String> {
        let mut last = Err(String::new());
        for i in 0..5 {
            last = self.running_version(Step::ReadBack)?;
            if last.as_deref() == Ok(want) {
                break;
            }
            if i < 4 {
                std::thread::sleep(Duration::from_millis(400));
            }
        }
        match last {
            Ok(v) if v == want => {
                self.done(Step::ReadBack, format!("the H7 reports {v}"));
                Ok(v)
            }
            Ok(v) => Err(FlashError::new(
                Step::ReadBack,
                FailKind::Check,
                format!("the H7 reports {v}, not {want}"),
                format!(
                    "the H7 did not take the image: reboot the X8 and check `cat {SYSFS_VERSION}`"
                ),
            )),
            Err(t) => Err(FlashError::new(
                Step::ReadBack,
                FailKind::Check,
                format!("the H7 does not answer after programming: {t}"),
                "the H7 does not boot this image",
            )),
        }
    }

    /// Remove the pushed image (best effort): the only file of a run that changed nothing.
    fn remove_upload(&self) {
        if self.board.is_unresponsive() {
            return;
        }
        let _ = self
            .board
            .run(&Commands::remove_upload(), Some(Duration::from_secs(10)));
    }

    fn check_interrupt(&self, step: Step) -> StepResult<()> {
        if self.interrupted() {
            return Err(FlashError::new(
                step,
                FailKind::Interrupted,
                format!("interrupted (Ctrl-C) before: {}", step.title()),
                "run flash-fw again when you are ready",
            ));
        }
        Ok(())
    }
}

/// The first 12 hex digits of a sha256, for messages.
fn short(sha: &str) -> &str {
    &sha[..12.min(sha.len())]
}

/// What a version read that gave nothing says.
const NO_VERSION: &str = "the H7 did not report a version (empty)";

/// The running version from sysfs, or what the read said instead.
fn read_running(board: &Board) -> Result<Result<String, String>, BoardError> {
    let o = board.run(&Commands::running_version(), Some(Duration::from_secs(20)))?;
    let t = o.stdout_text().trim().to_string();
    Ok(if o.ok() && !t.is_empty() {
        Ok(t.lines().next().unwrap_or("").to_string())
    } else if t.is_empty() {
        Err(NO_VERSION.into())
    } else {
        Err(t)
    })
}

/// The RPC round trip after the flash: reported, and a reason to roll back only with
/// `require_rpc` (real-board-evidence.md §3.4-3.5: the flash is judged by OpenOCD's
/// verification and the version read back; the M4 runs whatever was last uploaded).
fn rpc_check(p: &mut Pipeline, opts: &FlashOptions) -> StepResult<()> {
    let Some(method) = opts.rpc_method.as_deref() else {
        let msg = "not checked: x8ctl knows no method the M4's sketch binds (after a flash the M4 runs whatever was last uploaded, and calling a method it does not bind crashes m4-proxy); pass --rpc-method METHOD to report the round trip, or --require-rpc METHOD to roll back when it fails";
        p.report.rpc = Some("not checked".into());
        p.report.warnings.push(format!("RPC round trip {msg}"));
        p.done(Step::RpcCheck, msg);
        return Ok(());
    };
    // m4-proxy may need a moment to listen after its restart; a silent M4 already
    // costs m4-proxy's 1 s per call, so that is tried twice only.
    let mut last = CallOutcome::Timeout;
    let mut silent = 0;
    for _ in 0..6 {
        last = call_board(p.board, method, Vec::new(), Duration::from_secs(3));
        match &last {
            CallOutcome::Answered { .. }
            | CallOutcome::M4Error { .. }
            | CallOutcome::ProxyCrashed { .. }
            | CallOutcome::Refused(_) => break,
            CallOutcome::NotListening => std::thread::sleep(Duration::from_millis(700)),
            _ => {
                silent += 1;
                if silent >= 2 {
                    break;
                }
            }
        }
    }
    match &last {
        CallOutcome::Answered { .. } | CallOutcome::M4Error { .. } => {
            p.report.rpc = Some(last.to_string());
            p.done(Step::RpcCheck, last.to_string());
            Ok(())
        }
        other if opts.require_rpc => Err(FlashError::new(
            Step::RpcCheck,
            FailKind::Check,
            format!(
                "the RPC check ('{method}', required by --require-rpc) failed after flashing: {other}"
            ),
            match crate::help_of(other) {
                h if h.is_empty() => "check the board with `x8ctl doctor`".to_string(),
                h => h,
            },
        )),
        other => {
            let msg = format!(
                "'{method}' was not answered after the flash: {other}; the firmware is verified and kept (the M4 runs whatever sketch was last uploaded: upload the one that binds '{method}', or pass --require-rpc to roll back in this case)"
            );
            p.report.rpc = Some(other.to_string());
            p.report.warnings.push(msg.clone());
            p.done(Step::RpcCheck, msg);
            Ok(())
        }
    }
}

/// Flash `image` onto `board`. `interrupt` is checked between steps (the CLI sets it on
/// Ctrl-C); an interrupt unwinds through the same rollback as a failure.
pub fn flash(
    board: &Board,
    image: &FlashImage,
    opts: &FlashOptions,
    interrupt: &AtomicBool,
    on: &(dyn Fn(FlashEvent) + Sync),
) -> Result<FlashReport, Box<FlashError>> {
    let started = Instant::now();
    let mut p = Pipeline {
        board,
        on,
        interrupt,
        usr_rw: false,
        changed: false,
        report: FlashReport {
            serial: board.serial().to_string(),
            image_version: image.info.version.clone(),
            image_sha256: image.info.sha256.clone(),
            dry_run: opts.dry_run,
            ..FlashReport::default()
        },
    };
    let r = run(&mut p, image, opts);
    p.report.elapsed_ms = started.elapsed().as_millis() as u64;
    r.map(|()| p.report)
}

impl Step {
    /// Whether an interrupt stops the run before this step. Not between the remount and
    /// the install, nor between program.sh and its read-back: those go together.
    fn interruptible(self) -> bool {
        !matches!(
            self,
            Step::Sudo | Step::Install | Step::RemountRo | Step::ReadBack | Step::Rollback
        )
    }
}

/// Walk [`STEPS`]; a dry run stops after reading the versions and returns the plan of the
/// same list. A failure ends the walk: before the remount nothing changed, after it the
/// board is rolled back.
fn run(p: &mut Pipeline, image: &FlashImage, opts: &FlashOptions) -> StepResult<()> {
    let mut found = Found::default();
    for step in STEPS {
        if opts.dry_run && step == Step::Push {
            p.report.plan = plan(image.info, &found.backup, opts.rpc_method.as_deref());
            return Ok(());
        }
        let checked = if step.interruptible() {
            p.check_interrupt(step)
        } else {
            Ok(())
        };
        let r = match checked {
            // An interrupt before a step is not a failure of that step.
            Err(e) => Err((e, false)),
            Ok(()) => p.step(step, image, opts, &mut found).map_err(|e| (e, true)),
        };
        if let Err((e, reported)) = r {
            return Err(p.fail(e, reported, image.info, &found));
        }
    }
    // An interrupt during the last step still restores the board: x8ctl said it would.
    if let Err(e) = p.check_interrupt(Step::RpcCheck) {
        return Err(p.fail(e, true, image.info, &found));
    }
    p.finish(image.info)
}

impl Pipeline<'_> {
    /// Run one step of [`STEPS`].
    fn step(
        &mut self,
        step: Step,
        image: &FlashImage,
        opts: &FlashOptions,
        found: &mut Found,
    ) -> StepResult<()> {
        let info = image.info;
        match step {
            Step::Sudo => self.sudo(),
            Step::Versions => self.versions(info, opts, found),
            Step::Push => self.push(image),
            Step::Backup => self.backup(found),
            Step::RemountRw => self.remount_rw(),
            Step::Install => {
                self.started(step);
                self.copy_and_verify(step, UPLOAD, &info.sha256)?;
                self.done(
                    step,
                    format!("installed and verified (sha256 {})", short(&info.sha256)),
                );
                Ok(())
            }
            Step::RemountRo => self.remount_ro(),
            Step::Program => {
                let verdict = self.program(step)?;
                self.judge_verdict(verdict)
            }
            Step::ReadBack => {
                self.started(step);
                self.report.running_after = Some(self.read_back(&info.version)?);
                Ok(())
            }
            Step::RestartProxy => {
                self.started(step);
                self.root(step, &Commands::restart_m4_proxy())?;
                self.done(step, "m4-proxy restarted");
                Ok(())
            }
            Step::RpcCheck => {
                self.started(step);
                rpc_check(self, opts)
            }
            Step::Rollback => Ok(()),
        }
    }

    fn sudo(&mut self) -> StepResult<()> {
        self.started(Step::Sudo);
        let auth = self
            .board
            .sudo_auth()
            .map_err(|e| FlashError::board(Step::Sudo, e))?;
        self.done(Step::Sudo, format!("sudo works with {}", auth.describe()));
        Ok(())
    }

    /// Read the running and installed versions; refuse an image that is not newer (unless
    /// forced), and a board without an installed image to roll back to.
    fn versions(
        &mut self,
        info: &ImageInfo,
        opts: &FlashOptions,
        found: &mut Found,
    ) -> StepResult<()> {
        let step = Step::Versions;
        self.started(step);
        let running = self.running_version(step)?;
        let installed_sha = self.sha256_of(step, INSTALLED)?;
        let installed_v = self
            .user(step, &Commands::file_version(INSTALLED))
            .ok()
            .map(|s| s.trim().lines().next().unwrap_or("").to_string())
            .filter(|s| !s.is_empty());
        self.report.running_before = running.as_ref().ok().cloned();
        self.report.installed_before = installed_v.clone();
        self.done(
            step,
            format!(
                "running {}, installed {}, image {}",
                running.as_deref().unwrap_or_else(|e| e.as_str()),
                installed_v.as_deref().unwrap_or("(unreadable)"),
                info.version
            ),
        );
        found.backup = backup_path(installed_v.as_deref());
        self.report.backup = Some(found.backup.clone());
        found.running = Some(running);
        found.installed_version = installed_v;
        if opts.dry_run {
            return Ok(());
        }
        if let Some(rv) = found.running()
            && !opts.force
            && (rv == info.version || is_older(&info.version, rv))
        {
            let what = if rv == info.version {
                format!("the H7 already runs {rv}")
            } else {
                format!("{} is older than the running {rv}", info.version)
            };
            return Err(FlashError::new(
                step,
                FailKind::Refused,
                what,
                "pass --force to flash it anyway",
            ));
        }
        found.installed_sha = installed_sha.ok_or_else(|| {
            FlashError::new(
                step,
                FailKind::Board,
                format!("{INSTALLED} is missing on the board, so there is nothing to roll back to"),
                "this does not look like an X8 image with the H7 firmware package; check `x8ctl doctor`",
            )
        })?;
        Ok(())
    }

    /// Push the image into x8ctl's folder and verify its sha256 there.
    fn push(&mut self, image: &FlashImage) -> StepResult<()> {
        let info = image.info;
        self.started(Step::Push);
        self.user(Step::Push, &Commands::make_work_dir())?;
        let total = info.size as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let on = self.on;
        let progress = |ev: TransferEvent| {
            if let TransferEvent::Bytes(n) = ev {
                let d = done.fetch_add(n, Ordering::Relaxed) + n;
                on(FlashEvent::Bytes { done: d, total });
            }
        };
        let opts = PushOptions {
            sync: false,
            verify: true,
            streams: 1,
        };
        transfer::push(
            self.board,
            &[image.path.to_path_buf()],
            UPLOAD,
            &opts,
            &progress,
        )
        .map_err(|e| {
            // A transfer given up on a board that stopped answering after an interrupt.
            let e = if self.board.is_unresponsive() {
                BoardError::Abandoned {
                    what: "the push".into(),
                }
            } else {
                e
            };
            FlashError::board(Step::Push, e)
        })?;
        match self.sha256_of(Step::Push, UPLOAD)? {
            Some(h) if h == info.sha256 => {}
            other => {
                return Err(FlashError::new(
                    Step::Push,
                    FailKind::Board,
                    format!(
                        "the pushed image's sha256 on the board is {}, not {}",
                        other.as_deref().unwrap_or("(missing)"),
                        info.sha256
                    ),
                    "check the cable and run again",
                ));
            }
        }
        self.done(
            Step::Push,
            format!("{} bytes, sha256 verified on the board", info.size),
        );
        Ok(())
    }

    /// Keep the installed image in x8ctl's folder, verified.
    fn backup(&mut self, found: &Found) -> StepResult<()> {
        let step = Step::Backup;
        self.started(step);
        self.user(step, &Commands::backup(&found.backup))?;
        match self.sha256_of(step, &found.backup)? {
            Some(h) if h == found.installed_sha => {}
            _ => {
                return Err(FlashError::new(
                    step,
                    FailKind::Board,
                    format!(
                        "the backup {} does not match the installed image",
                        found.backup
                    ),
                    format!(
                        "check free space in {h} (`x8ctl shell df -h {h}`)",
                        h = facts::HOME
                    ),
                ));
            }
        }
        self.done(step, format!("kept as {}", found.backup));
        Ok(())
    }

    /// End a run that failed at `e`: before the remount nothing changed (the pushed image
    /// is removed); after it the board is rolled back. `reported`: the step failed (an
    /// interrupt between steps before the remount is not reported as a failure).
    fn fail(
        &mut self,
        mut e: Box<FlashError>,
        reported: bool,
        info: &ImageInfo,
        found: &Found,
    ) -> Box<FlashError> {
        if reported || self.changed {
            self.failed(&e);
        }
        if !self.changed {
            e.state = found.unchanged();
            if !matches!(e.step, Step::Sudo | Step::Versions) {
                self.remove_upload();
            }
            return e;
        }
        if self.board.is_unresponsive() {
            // Interrupted, and the board no longer answers: nothing more can be done from
            // here; say what it may be in and how to bring it back.
            e.state = BoardState::Unknown {
                detail: abandoned_detail(e.step, &info.version, &found.backup, self.usr_rw),
            };
            e.hint = abandoned_hint(&found.backup);
            e.usr_read_only = !self.usr_rw;
            return e;
        }
        // Whatever failed, /usr goes back to read-only before anything else.
        let ro_err = self.ensure_ro();
        let old = found
            .running()
            .map(str::to_string)
            .or(found.installed_version.clone())
            .unwrap_or_default();
        e.state = rollback(self, found, &old);
        if let Some(m) = ro_err {
            e.message
                .push_str(&format!(" (and /usr could not be made read-only: {m})"));
        }
        e.usr_read_only = !self.usr_rw;
        e
    }

    /// After the last step: the note on how long the firmware lasts; /usr read-only.
    fn finish(&mut self, info: &ImageInfo) -> StepResult<()> {
        self.report.notes.push(OS_UPDATE_NOTE.to_string());
        if let Some(msg) = self.ensure_ro() {
            let mut e = FlashError::new(
                Step::RemountRo,
                FailKind::Board,
                msg,
                format!("run `{}` on the board", Commands::remount(false).as_root()),
            );
            e.usr_read_only = false;
            e.state = BoardState::New {
                version: info.version.clone(),
            };
            return Err(e);
        }
        Ok(())
    }
}

/// The running version (or what reading it said) and the installed file's version, for
/// `flash-fw --list`.
pub fn board_versions(
    board: &Board,
) -> Result<(Result<String, String>, Option<String>), BoardError> {
    let running = read_running(board)?.map_err(|t| {
        if t == NO_VERSION {
            "no answer".to_string()
        } else {
            t
        }
    });
    let i = board.run(
        &Commands::file_version(INSTALLED),
        Some(Duration::from_secs(20)),
    )?;
    let installed = i
        .stdout_text()
        .trim()
        .lines()
        .next()
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    Ok((running, installed))
}

/// What a board that stopped answering during `step` (after the install began) may be in.
fn abandoned_detail(step: Step, new: &str, backup: &str, usr_rw: bool) -> String {
    let (h7, installed) = match step {
        Step::Install | Step::RemountRw | Step::RemountRo => (
            "the H7 was not programmed: it still runs the previous firmware".to_string(),
            format!("the new image {new} may or may not be installed in /usr"),
        ),
        Step::Rollback => (
            "the rollback's program.sh may have started: OpenOCD halts the H7 when it starts, so the H7 may be halted, erased or half-programmed".to_string(),
            "the previous image may be installed in /usr again".to_string(),
        ),
        Step::Program => (
            "program.sh had started: OpenOCD halts the H7 when it starts, so the H7 may be halted, erased or half-programmed, and it runs nothing until a programming succeeds (real-board-evidence.md §3.1)".to_string(),
            format!("the new image {new} is installed in /usr (verified)"),
        ),
        _ => (
            format!("the H7 was programmed with {new}, verified"),
            format!("the new image {new} is installed in /usr (verified)"),
        ),
    };
    let usr = if usr_rw {
        "/usr may still be writable"
    } else {
        "/usr is read-only"
    };
    format!(
        "the board stopped answering during: {}. {h7}; {installed}; {usr}; the previous image is kept on the board as {backup}",
        step.title()
    )
}

/// What to do after [`abandoned_detail`].
fn abandoned_hint(backup: &str) -> String {
    format!(
        "power-cycle the board (unplug it, plug it in again) and wait for it to boot: at boot, stm32h7-program programs the H7 with the image in /usr when the versions differ; then check with `x8ctl flash-fw --list` and run flash-fw again. To put the previous firmware back by hand instead: {}",
        recovery_steps(backup)
    )
}

/// Restore the backup and program it again; say what the board runs afterwards.
fn rollback(p: &mut Pipeline, found: &Found, old: &str) -> BoardState {
    let backup = found.backup.as_str();
    // install(Step::Rollback, ...) reports the step's start.
    let want = found
        .installed_version
        .as_deref()
        .unwrap_or(old)
        .to_string();
    let r: StepResult<String> = (|| {
        p.install(Step::Rollback, backup, &found.installed_sha)?;
        let v = p.program_and_check(&want)?;
        // The H7 was reset: m4-proxy has to reconnect to it too (best effort; the
        // firmware state is what the rollback is judged by).
        p.started(Step::RestartProxy);
        match p.root(Step::RestartProxy, &Commands::restart_m4_proxy()) {
            Ok(_) => p.done(Step::RestartProxy, "m4-proxy restarted"),
            Err(e) => p.failed(&e),
        }
        Ok(v)
    })();
    let ro = p.ensure_ro();
    match (r, ro) {
        (Ok(v), None) => {
            p.done(Step::Rollback, format!("the H7 runs {v} again, verified"));
            BoardState::RolledBack { version: v }
        }
        (Ok(v), Some(m)) => BoardState::RollbackFailed {
            detail: format!("the H7 runs {v} again, but /usr stayed writable: {m}"),
        },
        (Err(e), _) => {
            p.failed(&e);
            BoardState::RollbackFailed {
                detail: format!(
                    "{}: {} (the previous image is kept on the board as {backup}; restore it by hand: {})",
                    e.step.name(),
                    e.message,
                    recovery_steps(backup)
                ),
            }
        }
    }
}

/// The exact steps to put `backup` back by hand, on the board (`adb shell`).
pub fn recovery_steps(backup: &str) -> String {
    let program = Cmd::new(PROGRAM_SH);
    format!(
        "adb shell, then: {rw}; {cp}; {mv}; {ro}; {prog} (it must end with ** Verified OK **); {cat} (it must show the old version); if programming keeps failing, power-cycle the board and run {program} again — the H7 stays halted until a programming succeeds",
        rw = Commands::remount(true).as_root(),
        cp = Cmd::new("cp").arg(backup).arg(INSTALL_TMP).as_root(),
        mv = Cmd::new("mv")
            .arg("-f")
            .arg(INSTALL_TMP)
            .arg(INSTALLED)
            .as_root(),
        ro = Commands::remount(false).as_root(),
        prog = program.as_root(),
        cat = Cmd::new("cat").arg(SYSFS_VERSION),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_sh_lines_are_judged() {
        let ok_already = "Checking ext. rt mcu stm32h7 firmware version...\nverified 270336 bytes from file x in 2s\nExt. rt mcu stm32h7 is programmed/updated, exiting...\n";
        assert_eq!(judge_program(ok_already), ProgramVerdict::AlreadyMatched);
        let programmed = "Checking ext...\nError: verify failed in bank at 0x08000000 starting at 0x08000000\nExt. rt mcu stm32h7 is not programmed/updated, starting programming procedure...\n** Programming Started **\n** Programming Finished **\n** Verify Started **\n** Verified OK **\n** Resetting Target **\n";
        assert_eq!(judge_program(programmed), ProgramVerdict::Programmed);
        let failed = "Error: verify failed in bank\nExt. rt mcu stm32h7 is not programmed/updated, starting programming procedure...\nError: flash write failed = 0x00000000\n** Programming Failed **\n";
        match judge_program(failed) {
            ProgramVerdict::Failed(l) => assert_eq!(l.len(), 2),
            v => panic!("{v:?}"),
        }
        let vf = "starting programming procedure...\n** Verify Failed **\n";
        assert!(matches!(judge_program(vf), ProgramVerdict::Failed(_)));
        assert!(matches!(
            judge_program("** OpenOCD init failed **\n"),
            ProgramVerdict::Failed(_)
        ));
        assert_eq!(judge_program(""), ProgramVerdict::Unclear);
        assert_eq!(
            judge_program("** Verified OK **\n"),
            ProgramVerdict::Unclear
        );
        // §3.4: a stray Error: next to ** Verified OK ** is not a failure by itself.
        let stray = "starting programming procedure...\n** Programming Started **\nError: jtag status contains invalid mode value - communication failure\n** Programming Finished **\n** Verify Started **\n** Verified OK **\n** Resetting Target **\n";
        assert_eq!(judge_program(stray), ProgramVerdict::Programmed);
    }

    proptest::proptest! {
        #[test]
        fn judging_any_output_never_panics(text in "\\PC*") {
            let _ = judge_program(&text);
            let _ = is_older(&text, "0.0.5");
            let _ = backup_path(Some(&text));
        }
    }

    #[test]
    fn versions_compare_by_release() {
        assert!(is_older("0.0.4", "0.0.5"));
        assert!(!is_older("0.0.6", "0.0.5"));
        assert!(!is_older("0.0.5-next-53df799-20250314:072359", "0.0.5"));
        assert!(!is_older("dev Jan 1 2025", "0.0.5"));
    }

    #[test]
    fn backup_names_are_safe() {
        assert_eq!(
            backup_path(Some("0.0.5-next-53df799-20250314:072359")),
            "/home/fio/.x8ctl/STM32H747AII6_CM7.backup-0.0.5-next-53df799-20250314_072359.bin"
        );
        assert_eq!(
            backup_path(Some("a b;$(reboot)")),
            "/home/fio/.x8ctl/STM32H747AII6_CM7.backup-a_b___reboot_.bin"
        );
        assert!(backup_path(None).ends_with("backup-unknown.bin"));
    }

    #[test]
    fn step_names_are_the_same_in_text_and_json() {
        for step in STEPS.into_iter().chain([Step::Rollback]) {
            let json = serde_json::to_value(step).expect("json");
            assert_eq!(json.as_str(), Some(step.name()));
        }
        assert_eq!(Step::RestartProxy.name(), "restart-m4-proxy");
    }

    #[test]
    fn the_plan_walks_the_steps_with_the_commands_that_run() {
        let info = crate::firmware::image::check(&crate::firmware::image::test_image("0.0.6"))
            .expect("image");
        let backup = backup_path(Some("0.0.5"));
        let steps = plan(&info, &backup, Some("temperature"));
        assert_eq!(steps.iter().map(|s| s.step).collect::<Vec<_>>(), STEPS);
        let of = |step: Step| {
            &steps
                .iter()
                .find(|s| s.step == step)
                .expect("step")
                .commands
        };
        assert_eq!(of(Step::Install)[0], Commands::install(UPLOAD).as_root());
        assert_eq!(of(Step::Backup)[0], Commands::backup(&backup).to_string());
        assert_eq!(of(Step::Program)[0], Commands::program().as_root());
        assert_eq!(of(Step::RestartProxy)[0], "sudo systemctl restart m4-proxy");
        assert_eq!(
            of(Step::Versions)[2],
            "dd if=/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin bs=1 skip=262144 count=64 2>/dev/null | strings | head -n1"
        );
        assert_eq!(
            Commands::install(UPLOAD).as_str(),
            format!(
                "rm -f {t} && cp {UPLOAD} {t} && sync && mv -f {t} {INSTALLED} && sync",
                t = INSTALL_TMP
            )
        );
        assert!(
            steps
                .iter()
                .flat_map(|s| &s.commands)
                .all(|c| c.len() < 4000)
        );
        assert!(Commands::install(UPLOAD).fits_one_open());
    }

    #[test]
    fn the_plan_shows_sudo_without_the_password() {
        let info = crate::firmware::image::check(&crate::firmware::image::test_image("0.0.6"))
            .expect("image");
        let steps = plan(&info, &backup_path(Some("0.0.5")), None);
        let all: Vec<&String> = steps.iter().flat_map(|s| &s.commands).collect();
        assert!(all.iter().any(|c| *c == "sudo mount -o remount,rw /usr"));
        assert!(
            all.iter()
                .any(|c| *c == "sudo /usr/arduino/extra/program.sh 2>&1")
        );
        assert!(
            all.iter()
                .all(|c| !c.contains("sudo -S") && !c.contains("printf"))
        );
    }
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    #[test]
    fn a_flash_error_has_a_code_and_its_hint_as_help() {
        let internal = FlashError::internal("x");
        let board = FlashError::not_started(BoardError::Locked {
            holder: "another run".into(),
        });
        crate::assert_diagnostics("flash", &[&*internal]);
        assert_eq!(crate::code_of(&*internal).unwrap(), "x8ctl::flash::board");
        // A board error keeps its own code.
        crate::assert_diagnostics("board", &[&*board]);
        assert_eq!(crate::code_of(&*board).unwrap(), "x8ctl::board::locked");
        assert_eq!(crate::help_of(&*board), board.hint);
        assert_eq!(
            board.hint,
            crate::help_of(&BoardError::Locked {
                holder: "another run".into()
            })
        );
    }
}
