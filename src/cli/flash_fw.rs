//! `x8ctl flash-fw FILE`: render the flash pipeline's steps (an indicatif spinner per step
//! on a terminal, plain lines otherwise, or one JSON document), ask before flashing, and
//! turn Ctrl-C into an orderly rollback.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use x8ctl_core::board::Board;
use x8ctl_core::board::BoardError;
use x8ctl_core::board::connect::Session;
use x8ctl_core::board::identity;
use x8ctl_core::board::lock::{BoardLock, lock};
use x8ctl_core::board::select::DeviceEntry;
use x8ctl_core::firmware::build::{self, BuildEvent};
use x8ctl_core::firmware::download::{self, DownloadEvent};
use x8ctl_core::firmware::image;
use x8ctl_core::firmware::image::ImageInfo;
use x8ctl_core::firmware::recommended::{Recommendation, Table, built_image};
use x8ctl_core::firmware::releases::{self, Release, Releases};
use x8ctl_core::flash::{
    self, BoardState, FailKind, FlashError, FlashEvent, FlashImage, FlashOptions, FlashReport, Step,
};

use super::output::Output;
use super::target::{TargetArgs, open_board};
use super::{CliError, Ctx, exit};

/// Put an STM32H7 firmware image on the board's H7, verified, or change nothing.
///
/// With no FILE, --release or --build: the firmware the board's OS image needs
/// (firmware/recommended.toml: the commit the image was built with), from the
/// cache or built from source at the pinned commit (asking first; --yes to not ask). A board
/// that runs it already is left alone.
///
/// Checks the image first (a raw .bin for the M7, vector table, version string at 0x40000).
/// Then: push it and verify its sha256 on the board, back up the installed image (kept in
/// /home/fio/.x8ctl), remount /usr read-write, install beside the installed file and rename
/// it over (never in place: /usr is an OSTree checkout) and verify, remount read-only, run
/// program.sh and judge OpenOCD's output (`** Verified OK **`), read the version back from
/// the H7, restart m4-proxy. A flash is judged by the verification and the read-back: after
/// it the M4 runs whatever sketch was last uploaded (maybe none), so the RPC round trip is
/// only reported (--rpc-method, or `rpc_method` in the config; a warning when it is not
/// answered), and rolls back only with --require-rpc. If anything else fails after the
/// install, the previous image is restored and programmed again. Ctrl-C stops between steps and rolls back the
/// same way. Exit status: 0 flashed, 1 failed (board unchanged or rolled back), 5 a check
/// failed after programming (see the message for the board's state), 130 interrupted.
#[derive(Debug, Args)]
pub struct FlashFwArgs {
    /// The firmware image (STM32H747AII6_CM7.bin). None (and no --release/--build): the
    /// firmware the board's OS image needs.
    #[arg(value_name = "FILE", conflicts_with_all = ["release", "list", "build"])]
    pub file: Option<PathBuf>,
    /// A release from firmware/releases.toml, downloaded into the cache and checked by sha256
    /// (X8CTL_RELEASES_FILE names another releases file, X8CTL_CACHE_DIR another cache).
    #[arg(long, value_name = "TAG", conflicts_with = "list")]
    pub release: Option<String>,
    /// Build the firmware from source: clone it with git into the cache, check for
    /// arm-none-eabi-gcc and make, run make, take STM32H747AII6_CM7.bin
    /// (X8CTL_FIRMWARE_REPO names another repository).
    #[arg(long, conflicts_with_all = ["release", "list"])]
    pub build: bool,
    /// The tag, branch or commit to build (default: the newest known release).
    #[arg(long = "ref", value_name = "REF", requires = "build")]
    pub reference: Option<String>,
    /// List the known releases, what is in the cache, and what the board runs.
    #[arg(long)]
    pub list: bool,
    /// Show the plan and the exact board commands; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Flash even when the image is older than, or the same as, the running firmware.
    #[arg(long)]
    pub force: bool,
    /// Flash every attached X8 at once (one progress line each).
    #[arg(long, conflicts_with = "list")]
    pub all: bool,
    /// After the flash, call METHOD (no arguments; one the M4's sketch binds) and report the
    /// answer; a warning when it is not answered. Default: the config's `rpc_method`; without
    /// one the M4 is not called.
    #[arg(long, value_name = "METHOD", conflicts_with = "require_rpc")]
    pub rpc_method: Option<String>,
    /// Like --rpc-method, but roll back to the previous firmware when METHOD is not answered.
    #[arg(long, value_name = "METHOD")]
    pub require_rpc: Option<String>,
}

/// The flash options from the flags and the config.
fn flash_options(ctx: &Ctx, args: &FlashFwArgs) -> FlashOptions {
    FlashOptions {
        force: args.force,
        dry_run: args.dry_run,
        rpc_method: args
            .require_rpc
            .clone()
            .or_else(|| args.rpc_method.clone())
            .or_else(|| ctx.rpc_method.clone()),
        require_rpc: args.require_rpc.is_some(),
    }
}

/// Draws the events.
struct View {
    /// Where the lines go when no bar is drawn.
    output: Arc<Output>,
    bar: Option<ProgressBar>,
    plain: bool,
    verbose: bool,
    /// The push bar's style is set.
    pushing: bool,
}

impl View {
    fn new(ctx: &Ctx) -> View {
        let fancy = ctx.stderr_is_terminal && !ctx.quiet;
        View {
            output: ctx.output.clone(),
            bar: None,
            plain: !fancy && !ctx.quiet,
            verbose: ctx.verbose > 0,
            pushing: false,
        }
    }

    fn line(&self, s: &str) {
        match &self.bar {
            Some(b) => b.println(s),
            None => self.output.err_line(s),
        }
    }

    fn spinner(step: Step) -> ProgressBar {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.set_message(step.title().to_string());
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    }
}

struct Renderer {
    view: Mutex<View>,
    fancy: bool,
}

/// Every flash event passes here first, whichever renderer shows it: the test hook that
/// interrupts at an exact step (`X8CTL_TEST_SIGNAL_AT`).
fn observe(e: &FlashEvent) {
    if let FlashEvent::Started(step) = e {
        super::interrupt::test_signal_at(step.name());
    }
}

/// An event as a line of text (`None`: not shown as a line). The step names are
/// [`Step::name`], as in the JSON.
fn event_line(e: &FlashEvent, verbose: bool) -> Option<String> {
    match e {
        FlashEvent::Started(step) => Some(format!("==> {}", step.title())),
        FlashEvent::Done { step, summary } => Some(format!("  ok  {}: {summary}", step.name())),
        FlashEvent::Failed { step, error } => Some(format!("  FAILED {}: {error}", step.name())),
        FlashEvent::Bytes { .. } => None,
        FlashEvent::BoardLine { line, .. } => verbose.then(|| format!("      | {line}")),
    }
}

impl Renderer {
    fn event(&self, e: FlashEvent) {
        observe(&e);
        let mut v = self.view.lock().unwrap_or_else(|p| p.into_inner());
        let line = event_line(&e, v.verbose);
        match e {
            FlashEvent::Started(step) => {
                if let Some(b) = v.bar.take() {
                    b.finish_and_clear();
                }
                if self.fancy {
                    v.bar = Some(View::spinner(step));
                } else if let Some(l) = line.filter(|_| v.plain) {
                    v.line(&l);
                }
            }
            FlashEvent::Done { .. } | FlashEvent::Failed { .. } => {
                if let Some(b) = v.bar.take() {
                    b.finish_and_clear();
                }
                if let Some(l) = line.filter(|_| self.fancy || v.plain) {
                    v.line(&l);
                }
            }
            FlashEvent::Bytes { done, total } => v.push_bytes(done, total),
            FlashEvent::BoardLine { .. } => {
                if let Some(l) = line {
                    v.line(&l);
                }
            }
        }
    }

    /// Clear what is still drawn.
    fn finish(&self) {
        if let Some(b) = self
            .view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .bar
            .take()
        {
            b.finish_and_clear();
        }
    }
}

impl View {
    fn push_bytes(&mut self, done: u64, total: u64) {
        let first = !self.pushing;
        self.pushing = true;
        if let Some(b) = &self.bar {
            if first {
                b.set_style(
                    ProgressStyle::with_template(
                        "push [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                b.set_length(total);
            }
            b.set_position(done);
        }
    }
}

fn load_releases() -> Result<(Releases, String), CliError> {
    Releases::load().map_err(|e| {
        CliError::failure(
            e,
            "fix the releases file, or unset X8CTL_RELEASES_FILE to use the built-in list",
        )
    })
}

fn cache() -> Result<PathBuf, CliError> {
    releases::cache_dir().ok_or_else(|| {
        CliError::failure(
            "no cache folder: neither X8CTL_CACHE_DIR nor a home folder is set",
            "set X8CTL_CACHE_DIR to a writable folder",
        )
    })
}

/// Download (or find in the cache) release `tag`.
fn fetch_release(ctx: &Ctx, tag: &str) -> Result<PathBuf, CliError> {
    let (rels, from) = load_releases()?;
    let Some(rel) = rels.find(tag) else {
        let known: Vec<&str> = rels.releases.iter().map(|r| r.tag.as_str()).collect();
        return Err(CliError::failure(
            format!("no release {tag} in the releases list ({from})"),
            format!(
                "known: {}; `x8ctl flash-fw --list` shows them",
                known.join(", ")
            ),
        ));
    };
    let dir = cache()?;
    let bar = (ctx.stderr_is_terminal && !ctx.quiet).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "download [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    });
    let on = |e: DownloadEvent| match e {
        DownloadEvent::Total(n) => {
            if let Some(b) = &bar {
                b.set_length(n);
            }
        }
        DownloadEvent::Bytes { done } => {
            if let Some(b) = &bar {
                b.set_position(done);
            }
        }
        DownloadEvent::Started { url, from } => {
            if from > 0 {
                ctx.status(&format!("download: resuming {url} from byte {from}"));
            } else {
                ctx.status(&format!("download: {url}"));
            }
        }
        DownloadEvent::Retrying { attempt, error } => {
            ctx.status(&format!("download: {error}; retrying (attempt {attempt})"))
        }
        DownloadEvent::Cached { path } => ctx.status(&format!(
            "release {tag}: using the cached image {} (sha256 verified)",
            path.display()
        )),
        DownloadEvent::Verified { path } => ctx.status(&format!(
            "release {tag}: downloaded, sha256 verified, cached as {}",
            path.display()
        )),
    };
    let r = download::fetch(rel, &dir, &on);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    r.map_err(|e| {
        let err = CliError::from_diagnostic(exit::FAILURE, &e);
        // NoAsset names the release itself; the others get it in front.
        if matches!(e, download::DownloadError::NoAsset { .. }) {
            err
        } else {
            let msg = format!("release {tag}: {}", err.message);
            err.with_message(msg)
        }
    })
}

fn build_events(ctx: &Ctx) -> impl Fn(BuildEvent) + '_ {
    move |e: BuildEvent| match e {
        BuildEvent::Fetching { url, into, shallow } => ctx.status(&format!(
            "build: fetching {url}{} into {}",
            if shallow { " (shallow)" } else { "" },
            into.display()
        )),
        BuildEvent::CheckedOut { reference, commit } => {
            ctx.status(&format!("build: checked out {reference} ({commit})"))
        }
        BuildEvent::Building { command } => ctx.status(&format!("build: {command}")),
        BuildEvent::Built { path } => ctx.status(&format!("build: made {}", path.display())),
        BuildEvent::Toolchain { dir } => ctx.status(&format!(
            "build: using the arm-none-eabi-gcc in {} (the Arduino IDE's)",
            dir.display()
        )),
    }
}

/// Build the firmware at `reference` (default: the newest known release).
fn build_firmware(ctx: &Ctx, reference: Option<&str>) -> Result<PathBuf, CliError> {
    let reference = match reference {
        Some(r) => r.to_string(),
        None => {
            let (rels, _) = load_releases()?;
            rels.releases
                .last()
                .map(|r| r.tag.clone())
                .unwrap_or_else(|| "master".into())
        }
    };
    let dir = cache()?;
    let on = build_events(ctx);
    let (path, lines) = build::build(None, &reference, &dir, &on).map_err(|e| {
        CliError::from_diagnostic(exit::FAILURE, &e)
            .with_message(format!("--build {reference}: {e}"))
    })?;
    for l in lines {
        ctx.detail(&format!("  make | {l}"));
    }
    Ok(path)
}

/// `flash-fw` with no FILE, --release or --build: the firmware this board's OS image pins
/// (firmware/recommended.toml), from the cache or built from source at the pinned commit
/// (asking first). `None`: the board is left alone (it runs that firmware, or a newer one).
fn choose_recommended(
    ctx: &Ctx,
    target: &TargetArgs,
    args: &FlashFwArgs,
) -> Result<Option<PathBuf>, CliError> {
    if args.all {
        return Err(CliError::usage(
            "flash-fw --all needs the firmware FILE, --release TAG or --build: each board's image may need another firmware",
        ));
    }
    let (table, from) = Table::load().map_err(|e| {
        CliError::failure(
            e,
            "fix the table, or unset X8CTL_RECOMMENDED_FILE to use the built-in one",
        )
    })?;
    let (_session, board) = open_board(ctx, target)?;
    let id = identity::read(&board).map_err(super::target::board_error)?;
    let Some(iv) = id.image_version else {
        return Err(CliError::failure(
            "the board's /etc/os-release has no IMAGE_VERSION: x8ctl cannot tell which firmware its image needs",
            "give the firmware FILE, --release TAG or --build --ref REF",
        ));
    };
    let rec = known_recommendation(&table, &from, iv)?;
    ctx.status(&format!(
        "OS image {iv}{} needs H7 firmware {} (commit {}): {}",
        arduino_name(rec),
        rec.version,
        rec.short(),
        rec.evidence
    ));
    let running = flash::board_versions(&board)
        .map_err(super::target::board_error)?
        .0;
    if left_alone(ctx, &board, args, rec, iv, &running) {
        return Ok(None);
    }
    ctx.status(&format!(
        "the H7 runs {}: putting {} on it",
        running.as_deref().unwrap_or_else(|e| e.as_str()),
        rec.version
    ));
    recommended_image(ctx, rec, iv).map(Some)
}

/// ` (Arduino's name)` of a recommendation, or nothing.
fn arduino_name(rec: &Recommendation) -> String {
    if rec.arduino.is_empty() {
        String::new()
    } else {
        format!(" ({})", rec.arduino)
    }
}

/// The table's firmware for OS image `iv`, when the table knows it.
fn known_recommendation<'t>(
    table: &'t Table,
    from: &str,
    iv: u32,
) -> Result<&'t Recommendation, CliError> {
    let Some(rec) = table.for_image(iv) else {
        return Err(CliError::failure(
            format!(
                "x8ctl does not know which H7 firmware OS image {iv} needs: the image is not in its table ({from}; firmware/recommended.toml lists the images whose firmware pin is published)"
            ),
            "give the firmware FILE, --release TAG or --build --ref REF (`x8ctl flash-fw --list` shows the known releases)",
        ));
    };
    if !rec.is_known() {
        return Err(CliError::failure(
            format!(
                "x8ctl does not know which H7 firmware OS image {iv}{} needs: {}",
                arduino_name(rec),
                rec.unknown
            ),
            if rec.advice.is_empty() {
                "give the firmware FILE, --release TAG or --build --ref REF".to_string()
            } else {
                rec.advice.clone()
            },
        ));
    }
    Ok(rec)
}

/// Whether the board is left alone (it runs the recommended firmware, or a newer one, and
/// --force was not given); if so, says so.
fn left_alone(
    ctx: &Ctx,
    board: &Board,
    args: &FlashFwArgs,
    rec: &Recommendation,
    iv: u32,
    running: &Result<String, String>,
) -> bool {
    let leave = match running {
        Ok(v) if !args.force && rec.runs(v) => Some(format!(
            "the H7 already runs {v}, the firmware image {iv} needs: nothing to do"
        )),
        Ok(v) if !args.force && flash::is_older(&rec.version, v) => Some(format!(
            "the H7 runs {v}, newer than the {} image {iv} pins: left alone (pass --force to put {} on it)",
            rec.version, rec.version
        )),
        _ => None,
    };
    let Some(what) = leave else {
        return false;
    };
    if ctx.json {
        let doc = LeftAloneDoc {
            state: BoardState::Unchanged {
                version: running.as_ref().ok().cloned(),
            },
            recommended: rec,
            message: &what,
        };
        ctx.print_json(true, doc);
    } else {
        ctx.output.line(&format!("{}: {what}", board.serial()));
    }
    true
}

/// `flash-fw --json` when the board already runs what it needs: nothing changed.
#[derive(serde::Serialize)]
struct LeftAloneDoc<'a> {
    state: BoardState,
    recommended: &'a Recommendation,
    message: &'a str,
}

/// The recommended firmware's image: built earlier (cached), the release that is the
/// pinned commit, or built now (asking first).
fn recommended_image(ctx: &Ctx, rec: &Recommendation, iv: u32) -> Result<PathBuf, CliError> {
    let dir = cache()?;
    let kept = built_image(&dir, rec);
    if let Ok(bytes) = image::read_image(&kept)
        && image::check(&bytes).is_ok_and(|i| rec.runs(&i.version))
    {
        ctx.status(&format!(
            "using the firmware built earlier at {} (cached: {})",
            rec.short(),
            kept.display()
        ));
        return Ok(kept);
    }
    if let Ok((rels, _)) = Releases::load()
        && !rec.tag.is_empty()
        && let Some(rel) = rels.find(&rec.tag)
        && rel.downloadable()
        && rec.is_pinned(&rel.commit)
    {
        ctx.status(&format!(
            "release {} is the pinned commit: using it",
            rel.tag
        ));
        return fetch_release(ctx, &rel.tag);
    }
    confirm_build(ctx, rec)?;
    let on = build_events(ctx);
    let b = build::build_at(None, rec.reference(), &dir, &on).map_err(|e| {
        CliError::from_diagnostic(exit::FAILURE, &e)
            .with_message(format!("building {}: {e}", rec.reference()))
    })?;
    for l in &b.lines {
        ctx.detail(&format!("  make | {l}"));
    }
    check_pinned(ctx, rec, iv, &b)?;
    if let Some(parent) = kept.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::copy(&b.path, &kept).map_err(|e| {
        CliError::failure(
            format!("cannot keep the build in {}: {e}", kept.display()),
            "check the cache folder (X8CTL_CACHE_DIR)",
        )
    })?;
    ctx.status(&format!("build kept in the cache: {}", kept.display()));
    Ok(kept)
}

/// Ask before building the firmware from source (--yes: do not ask).
fn confirm_build(ctx: &Ctx, rec: &Recommendation) -> Result<(), CliError> {
    if ctx.yes {
        return Ok(());
    }
    let url = build::repo_url();
    if !ctx.interactive {
        return Err(CliError::new(
            exit::USAGE,
            format!(
                "firmware {} is not in the cache: it has to be built from source ({url} at {}), which needs a confirmation",
                rec.version,
                rec.short()
            ),
            "pass --yes to build and flash without asking (no prompt: --non-interactive, --json or no terminal)",
        ));
    }
    if !ctx.confirm(&format!(
        "Build H7 firmware {} from {url} at {} (needs arm-none-eabi-gcc and make; takes a few minutes)?",
        rec.version,
        rec.short()
    )) {
        return Err(CliError::failure(
            "not built: nothing changed",
            "give the firmware FILE or --release TAG instead",
        ));
    }
    Ok(())
}

/// A build of the official repository must be at the pinned commit; a fork or mirror
/// (X8CTL_FIRMWARE_REPO) only gets a warning.
fn check_pinned(
    ctx: &Ctx,
    rec: &Recommendation,
    iv: u32,
    b: &build::Built,
) -> Result<(), CliError> {
    if rec.is_pinned(&b.commit) {
        return Ok(());
    }
    let got = &b.commit[..7.min(b.commit.len())];
    if b.url == build::REPO_URL {
        return Err(CliError::failure(
            format!(
                "{} of {} is at {got}, not at the commit image {iv} pins ({})",
                if rec.tag.is_empty() {
                    format!("commit {}", rec.short())
                } else {
                    format!("tag {}", rec.tag)
                },
                b.url,
                rec.short()
            ),
            format!(
                "build the pinned commit explicitly: x8ctl flash-fw --build --ref {}",
                rec.commit
            ),
        ));
    }
    ctx.status(&format!(
        "warning: {} has {} at {got}, not at the commit image {iv} pins ({}): building it anyway (X8CTL_FIRMWARE_REPO names a fork or a mirror)",
        b.url,
        rec.reference(),
        rec.short()
    ));
    Ok(())
}

/// `--list`: known releases, the cache, and the board.
fn list(ctx: &Ctx, target: &TargetArgs) -> Result<u8, CliError> {
    let (rels, from) = load_releases()?;
    let dir = cache()?;
    let cached = releases::cached_tags(&dir);
    let board = list_board(ctx, target);
    if ctx.json {
        let doc = ListDoc {
            releases_file: &from,
            releases: &rels.releases,
            cache_dir: dir.display().to_string(),
            cached: &cached,
            board: &board,
        };
        ctx.print_json(true, doc);
        return Ok(exit::OK);
    }
    let mut out = ctx.output.out();
    let _ = writeln!(out, "known releases ({from}):");
    for r in &rels.releases {
        let state = match (cached.contains(&r.tag), r.downloadable()) {
            (true, _) => "cached",
            (false, true) => "downloadable",
            (false, false) => "no download known (use --build)",
        };
        let _ = writeln!(out, "  {:<8} {} {}  {state}", r.tag, r.date, r.commit);
        if !r.fixes.is_empty() {
            let _ = writeln!(out, "           {}", r.fixes);
        }
    }
    let _ = writeln!(out, "cache: {}", dir.display());
    let others: Vec<&str> = cached
        .iter()
        .filter(|t| rels.find(t).is_none())
        .map(|s| s.as_str())
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "  also cached: {}", others.join(", "));
    }
    print_list_board(&mut out, &board);
    Ok(exit::OK)
}

/// `flash-fw --list --json`: the known releases, the cache, and the board.
#[derive(serde::Serialize)]
struct ListDoc<'a> {
    releases_file: &'a str,
    releases: &'a [Release],
    cache_dir: String,
    cached: &'a [String],
    board: &'a ListBoard,
}

/// `--list`'s board: what it runs, its OS image and the firmware that image needs; or why
/// it could not be read.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum ListBoard {
    Read {
        serial: String,
        running: Option<String>,
        running_error: Option<String>,
        installed: Option<String>,
        image_version: Option<u32>,
        recommended: Option<Box<Recommendation>>,
    },
    Unread {
        error: String,
    },
}

fn list_board(ctx: &Ctx, target: &TargetArgs) -> ListBoard {
    let (_s, b) = match open_board(ctx, target) {
        Ok(sb) => sb,
        Err(e) => return ListBoard::Unread { error: e.message },
    };
    let (running, installed) = match flash::board_versions(&b) {
        Ok(v) => v,
        Err(e) => {
            return ListBoard::Unread {
                error: e.to_string(),
            };
        }
    };
    let image = identity::read(&b).ok().and_then(|i| i.image_version);
    let recommended = image.and_then(|iv| {
        Table::load()
            .ok()
            .and_then(|(t, _)| t.for_image(iv).cloned())
            .map(Box::new)
    });
    ListBoard::Read {
        serial: b.serial().to_string(),
        running: running.as_ref().ok().cloned(),
        running_error: running.err(),
        installed,
        image_version: image,
        recommended,
    }
}

/// `--list`'s board as text.
fn print_list_board(out: &mut dyn Write, board: &ListBoard) {
    match board {
        ListBoard::Unread { error } => {
            let _ = writeln!(out, "board: none ({error})");
        }
        ListBoard::Read {
            serial,
            running,
            running_error,
            installed,
            image_version,
            recommended,
        } => {
            let _ = writeln!(
                out,
                "board {serial}: running {}, installed {}",
                running
                    .as_deref()
                    .or(running_error.as_deref())
                    .unwrap_or("?"),
                installed.as_deref().unwrap_or("(unreadable)")
            );
            if let Some(iv) = image_version {
                print_needed(out, *iv, recommended.as_deref());
            }
        }
    }
}

/// What firmware OS image `iv` needs, as far as x8ctl knows.
fn print_needed(out: &mut dyn Write, iv: u32, rec: Option<&Recommendation>) {
    let version = rec.map(|r| r.version.as_str()).filter(|v| !v.is_empty());
    let unknown = rec.map(|r| r.unknown.as_str()).filter(|u| !u.is_empty());
    let _ = match (version, unknown, rec) {
        (Some(v), _, Some(r)) => writeln!(
            out,
            "  OS image {iv} needs {v} (commit {}): `x8ctl flash-fw` puts it on",
            r.commit.get(..7).unwrap_or(&r.commit)
        ),
        (None, Some(u), Some(r)) => writeln!(
            out,
            "  OS image {iv}: x8ctl does not know which firmware it needs: {u}\n  what you can do: {}",
            Some(r.advice.as_str())
                .filter(|a| !a.is_empty())
                .unwrap_or("give --release TAG or --build --ref REF")
        ),
        _ => writeln!(
            out,
            "  OS image {iv}: not in x8ctl's firmware table, so x8ctl does not know which firmware it needs (firmware/recommended.toml says which images it knows)"
        ),
    };
}

pub fn run(ctx: &Ctx, target: &TargetArgs, args: FlashFwArgs) -> Result<u8, CliError> {
    if args.list {
        return list(ctx, target);
    }
    let file = match (&args.file, &args.release) {
        (Some(f), _) => f.clone(),
        (None, Some(tag)) => fetch_release(ctx, tag)?,
        (None, None) if args.build => build_firmware(ctx, args.reference.as_deref())?,
        (None, None) => match choose_recommended(ctx, target, &args)? {
            Some(f) => f,
            None => return Ok(exit::OK),
        },
    };
    // The image is checked before anything touches the board.
    let bytes =
        image::read_image(&file).map_err(|e| CliError::from_diagnostic(exit::FAILURE, &e))?;
    let info = image::check(&bytes).map_err(|e| {
        CliError::from_diagnostic(exit::FAILURE, &e)
            .with_message(format!("{} is refused: {e}", file.display()))
    })?;
    ctx.status(&format!(
        "image {}: version {}, {} bytes, sha256 {}",
        file.display(),
        info.version,
        info.size,
        info.sha256
    ));
    let image = FlashImage {
        path: &file,
        info: &info,
    };
    if args.all {
        run_all(ctx, target, &image, &args)
    } else {
        run_one(ctx, target, &image, &args)
    }
}

/// What a flash without a confirmation is told.
const YES_HINT: &str =
    "pass --yes to flash without asking (no prompt: --non-interactive, --json or no terminal)";

/// Ask before a flash that `changes` something (not for --dry-run or with --yes); `false`:
/// the user said no, and was told that nothing changed.
fn confirmed(
    ctx: &Ctx,
    args: &FlashFwArgs,
    changes: &str,
    question: impl FnOnce() -> String,
) -> Result<bool, CliError> {
    if args.dry_run || ctx.yes {
        return Ok(true);
    }
    if !ctx.interactive {
        return Err(CliError::new(
            exit::USAGE,
            format!("{changes} and needs a confirmation"),
            YES_HINT,
        ));
    }
    if ctx.confirm(&question()) {
        return Ok(true);
    }
    ctx.status("nothing changed");
    Ok(false)
}

/// From here on Ctrl-C (or SIGTERM) only asks the flash to stop between steps and restore
/// the board; a board that no longer answers is not waited for (issue 14 item 8).
fn arm_interrupt(ctx: &Ctx) -> &'static AtomicBool {
    super::interrupt::arm(
        &ctx.output,
        Some(
            "interrupt: finishing the current step, then restoring the board (Ctrl-C again does not skip this; a board that no longer answers is not waited for)",
        ),
    )
}

/// The board's lock, held until the flash ends: no other run of x8ctl changes the board
/// meanwhile. None for a dry run, which changes nothing.
fn hold<'a>(
    board: &'a Board,
    opts: &FlashOptions,
    operation: &str,
) -> Result<Option<BoardLock<'a>>, BoardError> {
    if opts.dry_run {
        Ok(None)
    } else {
        lock(board, operation).map(Some)
    }
}

/// One board: confirm, flash with a spinner per step, report.
fn run_one(
    ctx: &Ctx,
    target: &TargetArgs,
    image: &FlashImage,
    args: &FlashFwArgs,
) -> Result<u8, CliError> {
    let (_session, board) = open_board(ctx, target)?;
    let board = board.with_interrupt(super::interrupt::token());
    let asked = confirmed(ctx, args, "flash-fw changes the board's firmware", || {
        // Say what runs now, so the answer is informed (reading changes nothing).
        let now = match flash::board_versions(&board) {
            Ok((Ok(running), _)) => format!(" (it runs {running})"),
            Ok((Err(e), _)) => format!(" (its H7 does not report a version: {e})"),
            Err(_) => String::new(),
        };
        format!(
            "Flash H7 firmware {} onto {}{now}? The previous image is kept and restored if anything fails",
            image.info.version,
            board.serial()
        )
    })?;
    if !asked {
        return Ok(exit::FAILURE);
    }
    let opts = flash_options(ctx, args);
    let _lock = hold(&board, &opts, "flash-fw").map_err(super::target::board_error)?;
    let interrupt = arm_interrupt(ctx);
    let renderer = Arc::new(Renderer {
        view: Mutex::new(View::new(ctx)),
        fancy: ctx.stderr_is_terminal && !ctx.quiet,
    });
    let r = {
        let rr = renderer.clone();
        let on = move |e| rr.event(e);
        flash::flash(&board, image, &opts, interrupt, &on)
    };
    renderer.finish();
    if ctx.json {
        // The envelope says `ok`; the per-board entries of --all keep their own.
        ctx.print_json(r.is_ok(), OutcomeDoc::of(&r, image.info));
    } else {
        match &r {
            Ok(report) if report.dry_run => print_plan(&mut ctx.output.out(), report),
            _ => print_outcome(&ctx.output, None, &r, image.info),
        }
    }
    if let (Err(e), true) = (&r, ctx.json) {
        // The error is said on stderr with --json too.
        print_error(&ctx.output, None, e);
    }
    Ok(outcome_code(&r))
}

/// The exit status of a flash.
fn outcome_code(r: &Result<FlashReport, Box<FlashError>>) -> u8 {
    match r {
        Ok(_) => exit::OK,
        Err(e) => exit_code(e.kind),
    }
}

/// `flash-fw --json`: a flash's outcome (the plan of a dry run, the new state and the report,
/// or the error). An entry of `--all`'s `boards` adds its own `ok` and the board's `serial`.
#[derive(serde::Serialize)]
struct OutcomeDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<BoardState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a FlashReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<FlashErrorDoc<'a>>,
}

/// A failed flash in `--json`: `help` and `hint` carry the same text (`hint` is kept
/// for older readers).
#[derive(serde::Serialize)]
struct FlashErrorDoc<'a> {
    step: Step,
    kind: FailKind,
    code: &'a str,
    message: &'a str,
    help: &'a str,
    hint: &'a str,
    board_lines: &'a [String],
    usr_read_only: bool,
    exit_code: u8,
}

impl<'a> OutcomeDoc<'a> {
    /// One board's outcome, without `ok` and `serial`.
    fn of(r: &'a Result<FlashReport, Box<FlashError>>, info: &ImageInfo) -> OutcomeDoc<'a> {
        let none = OutcomeDoc {
            ok: None,
            serial: None,
            dry_run: None,
            state: None,
            report: None,
            error: None,
        };
        match r {
            Ok(report) if report.dry_run => OutcomeDoc {
                dry_run: Some(true),
                report: Some(report),
                ..none
            },
            Ok(report) => OutcomeDoc {
                state: Some(BoardState::New {
                    version: info.version.clone(),
                }),
                report: Some(report),
                ..none
            },
            Err(e) => OutcomeDoc {
                state: Some(e.state.clone()),
                error: Some(FlashErrorDoc::of(e)),
                ..none
            },
        }
    }

    /// An entry of `--all`'s `boards`.
    fn of_board(
        serial: &'a str,
        r: &'a Result<FlashReport, Box<FlashError>>,
        info: &ImageInfo,
    ) -> OutcomeDoc<'a> {
        OutcomeDoc {
            ok: Some(r.is_ok()),
            serial: Some(serial),
            ..OutcomeDoc::of(r, info)
        }
    }
}

impl<'a> FlashErrorDoc<'a> {
    fn of(e: &'a FlashError) -> FlashErrorDoc<'a> {
        FlashErrorDoc {
            step: e.step,
            kind: e.kind,
            code: &e.code,
            message: &e.message,
            help: &e.hint,
            hint: &e.hint,
            board_lines: &e.board_lines,
            usr_read_only: e.usr_read_only,
            exit_code: exit_code(e.kind),
        }
    }
}

/// `flash-fw --all --json`: every board's outcome, and the devices skipped.
#[derive(serde::Serialize)]
struct AllDoc<'a> {
    boards: Vec<OutcomeDoc<'a>>,
    skipped: &'a [String],
}

/// `--dry-run` of one board: the plan with its commands.
fn print_plan(out: &mut dyn Write, report: &FlashReport) {
    let _ = writeln!(
        out,
        "plan for {} -> {} (running {}, installed {}); nothing was changed:",
        report.image_version,
        report.serial,
        report.running_before.as_deref().unwrap_or("unknown"),
        report.installed_before.as_deref().unwrap_or("unknown"),
    );
    for (i, s) in report.plan.iter().enumerate() {
        let _ = writeln!(out, "{:>2}. {}", i + 1, s.title);
        for c in &s.commands {
            let _ = writeln!(out, "      {c}");
        }
    }
}

/// A flash's outcome as text: the result on stdout, warnings, notes and errors on stderr.
/// `serial` prefixes the lines of one board among several (`--all`).
fn print_outcome(
    output: &Output,
    serial: Option<&str>,
    r: &Result<FlashReport, Box<FlashError>>,
    info: &ImageInfo,
) {
    let report = match r {
        Err(e) => return print_error(output, serial, e),
        Ok(report) => report,
    };
    let prefix = serial.map(|s| format!("{s}: ")).unwrap_or_default();
    if report.dry_run {
        let _ = writeln!(
            output.out(),
            "{prefix}dry run: running {}, installed {}; nothing changed",
            report.running_before.as_deref().unwrap_or("unknown"),
            report.installed_before.as_deref().unwrap_or("unknown")
        );
        return;
    }
    let _ = writeln!(
        output.out(),
        "flashed {}: the H7 runs {} (was {}), RPC check: {}; previous image kept as {}",
        report.serial,
        report.running_after.as_deref().unwrap_or(&info.version),
        report.running_before.as_deref().unwrap_or("unknown"),
        report.rpc.as_deref().unwrap_or("-"),
        report.backup.as_deref().unwrap_or("-"),
    );
    let paint = output.paint_err();
    let mut err = output.err();
    for w in &report.warnings {
        let _ = writeln!(err, "{prefix}{} {w}", paint.warn("warning:"));
    }
    for n in &report.notes {
        let _ = writeln!(err, "{prefix}note: {n}");
    }
}

/// A failed flash on stderr: what failed, the board's state, its lines, /usr, the hint.
fn print_error(output: &Output, serial: Option<&str>, e: &FlashError) {
    let paint = output.paint_err();
    let mut err = output.err();
    let prefix = serial.map(|s| format!("{s}: ")).unwrap_or_default();
    let _ = writeln!(
        err,
        "{} {prefix}flash-fw {}: {}; {}",
        paint.error("error:"),
        e.step.name(),
        e.message,
        e.state.describe()
    );
    for l in &e.board_lines {
        let _ = writeln!(err, "  {} {l}", paint.dim("board:"));
    }
    if !e.usr_read_only {
        let _ = writeln!(
            err,
            "  {} /usr may still be writable",
            paint.warn("warning:")
        );
    }
    if !e.hint.is_empty() {
        let _ = writeln!(err, "  {} {}", paint.hint("hint:"), e.hint);
    }
}

fn exit_code(kind: FailKind) -> u8 {
    match kind {
        FailKind::Interrupted => exit::INTERRUPTED,
        FailKind::Check => exit::CHECK_FAILED,
        FailKind::Board | FailKind::Refused => exit::FAILURE,
    }
}

/// The usable X8s of the session, and the labels of the devices skipped.
fn x8s(session: &Session) -> (Vec<DeviceEntry>, Vec<String>) {
    let (entries, others): (Vec<_>, Vec<_>) = session
        .devices
        .iter()
        .cloned()
        .partition(|d| d.usable() && d.is_x8());
    (entries, others.iter().map(|d| d.label()).collect())
}

/// `--all`: every attached, usable X8 in parallel, one progress line each.
fn run_all(
    ctx: &Ctx,
    target: &TargetArgs,
    image: &FlashImage,
    args: &FlashFwArgs,
) -> Result<u8, CliError> {
    let session = Session::open(&target.options()?).map_err(super::target::board_error)?;
    let (entries, skipped) = x8s(&session);
    if entries.is_empty() {
        return Err(super::target::board_error(BoardError::NoBoard {
            others: skipped,
        }));
    }
    for s in &skipped {
        ctx.status(&format!("skipping {s}: not a usable X8"));
    }
    let serials: Vec<String> = entries.iter().map(|e| e.serial.clone()).collect();
    let changes = format!(
        "flash-fw --all changes the firmware of {} boards",
        serials.len()
    );
    let asked = confirmed(ctx, args, &changes, || {
        format!(
            "Flash H7 firmware {} onto {} boards ({})?",
            image.info.version,
            serials.len(),
            serials.join(", ")
        )
    })?;
    if !asked {
        return Ok(exit::FAILURE);
    }
    let results = flash_all(ctx, &session, &entries, image, &flash_options(ctx, args));
    let mut code = exit::OK;
    let mut docs = Vec::new();
    for (serial, r) in &results {
        code = match (code, outcome_code(r)) {
            (exit::INTERRUPTED, _) | (_, exit::INTERRUPTED) => exit::INTERRUPTED,
            (exit::CHECK_FAILED, _) | (_, exit::CHECK_FAILED) => exit::CHECK_FAILED,
            (exit::OK, c) => c,
            (c, _) => c,
        };
        docs.push(OutcomeDoc::of_board(serial, r, image.info));
        if !ctx.json {
            print_outcome(&ctx.output, Some(serial), r, image.info);
        }
    }
    if ctx.json {
        let doc = AllDoc {
            boards: docs,
            skipped: &skipped,
        };
        ctx.print_json(code == exit::OK, doc);
    }
    Ok(code)
}

type Outcome = (String, Result<FlashReport, Box<FlashError>>);

/// Flash the boards of `entries` at once, each on a thread of its own with a progress line.
fn flash_all(
    ctx: &Ctx,
    session: &Session,
    entries: &[DeviceEntry],
    image: &FlashImage,
    opts: &FlashOptions,
) -> Vec<Outcome> {
    let interrupt = arm_interrupt(ctx);
    let fancy = ctx.stderr_is_terminal && !ctx.quiet;
    let multi = indicatif::MultiProgress::new();
    let width = entries.iter().map(|e| e.serial.len()).max().unwrap_or(0);
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .iter()
            .map(|entry| {
                let board = session
                    .board_for(entry)
                    .with_interrupt(super::interrupt::token());
                let serial = entry.serial.clone();
                let bar = fancy.then(|| board_bar(&multi, &serial, width));
                scope.spawn(move || {
                    let on = |e: FlashEvent| {
                        observe(&e);
                        let text = match &e {
                            FlashEvent::Bytes { done, total } => {
                                bar.as_ref().map(|_| format!("push {done}/{total} bytes"))
                            }
                            _ => event_line(&e, false),
                        };
                        match (text, &bar) {
                            (Some(t), Some(b)) => b.set_message(t),
                            (Some(t), None) if !ctx.quiet => {
                                ctx.output.err_line(&format!("[{serial:<width$}] {t}"));
                            }
                            _ => {}
                        }
                    };
                    let r = match hold(&board, opts, "flash-fw --all") {
                        Ok(_lock) => flash::flash(&board, image, opts, interrupt, &on),
                        Err(e) => Err(FlashError::not_started(e)),
                    };
                    // Each board's outcome is printed after all have finished.
                    if let Some(b) = &bar {
                        b.finish_and_clear();
                    }
                    (serial, r)
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(entries)
            .map(|(h, e)| {
                h.join().unwrap_or_else(|_| {
                    let panicked = FlashError::internal("the flash thread panicked");
                    (e.serial.clone(), Err(panicked))
                })
            })
            .collect()
    });
    let _ = multi.clear();
    results
}

/// One board's progress line under `--all`.
fn board_bar(multi: &indicatif::MultiProgress, serial: &str, width: usize) -> ProgressBar {
    let b = multi.add(ProgressBar::new_spinner());
    b.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    b.set_prefix(format!("{serial:<width$}"));
    b.enable_steady_tick(std::time::Duration::from_millis(120));
    b
}
