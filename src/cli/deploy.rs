//! `x8ctl apps`, `x8ctl deploy`, `x8ctl logs`, `x8ctl stop`, `x8ctl upload-sketch`.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use x8ctl_core::board::cmd::Cmd;
use x8ctl_core::board::lock::lock;
use x8ctl_core::board::transfer::TransferEvent;
use x8ctl_core::board::{Board, Job, Streams};
use x8ctl_core::deploy::sketch::SketchReport;
use x8ctl_core::deploy::{
    self, DeployError, DeployEvent, DeployOptions, DeployReport, RunMethod, catalog,
};

use super::output::{Envelope, Output};
use super::target::{TargetArgs, board_error, open_board};
use super::{CliError, Ctx, exit};

/// Build and run a container app on the board, from source, incrementally.
///
/// APP is a name from `x8ctl apps`, or a local folder with a Dockerfile. Only changed
/// files are sent; nothing is rebuilt when nothing changed; if the new version does not
/// come up, the previous one is started again.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// A catalog app (`x8ctl apps`) or a local folder.
    #[arg(value_name = "APP|PATH")]
    pub app: Option<String>,
    /// Take the app from this git repository (URL or path) instead.
    #[arg(long, value_name = "URL")]
    pub repo: Option<String>,
    /// The tag, branch or commit to take (with --repo, or to override a catalog pin).
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,
    /// The app's folder in the repository.
    #[arg(long, value_name = "P")]
    pub path: Option<String>,
    /// Then stream the app's logs until Ctrl-C.
    #[arg(long)]
    pub follow: bool,
    /// Run Arduino's published image arduino/APP instead of building (needs Internet on the board).
    #[arg(long)]
    pub prebuilt: bool,
    /// KEY=VALUE for the container's environment (repeatable). With a compose file it fills
    /// the file's ${KEY} (compose passes a container only its `environment:`).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Seconds to wait for the app to come up.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub wait: u64,
    /// The app is ready when a line of its log matches this regular expression (otherwise:
    /// when it runs without a restart for a few seconds, its healthcheck says healthy, or, for
    /// the catalog's sensor apps, when the five readings are in its log).
    #[arg(long, value_name = "REGEX")]
    pub ready_log: Option<String>,
    /// Do not try docker compose; start with the tutorial's docker run flags.
    #[arg(long)]
    pub no_compose: bool,
}

/// Show the logs of an app's container, or of m4-proxy (its journal, as root).
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// `m4-proxy` or an app name.
    #[arg(default_value = "m4-proxy", value_name = "m4-proxy|APP")]
    pub target: String,
    /// Keep streaming new lines.
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines.
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<usize>,
}

/// Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it.
///
/// The file must be a 32-bit ARM ELF built for the Portenta X8. x8ctl pushes it to
/// /tmp/arduino/m4-user-sketch.elf, where the board's monitor-m4-elf-file unit programs it
/// with OpenOCD, and waits for OpenOCD's "Verified OK".
#[derive(Debug, Args)]
pub struct UploadSketchArgs {
    /// The sketch's .elf file.
    pub file: std::path::PathBuf,
    /// Seconds to wait for the board to program it.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub wait: u64,
}

/// Stop an app's container(s).
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The app name.
    pub app: String,
}

fn deploy_error(e: DeployError) -> CliError {
    if let DeployError::Board(b) = e {
        return board_error(b);
    }
    let code = match &e {
        DeployError::Source(_) | DeployError::NotASketch(_) => exit::USAGE,
        DeployError::M4 { .. } => exit::CHECK_FAILED,
        DeployError::Interrupted { .. } => exit::INTERRUPTED,
        _ => exit::FAILURE,
    };
    CliError::from_diagnostic(code, &e)
}

/// `apps --json`: the catalog.
#[derive(serde::Serialize)]
struct AppsDoc {
    apps: &'static [catalog::CatalogApp],
}

pub fn apps(ctx: &Ctx) -> Result<(), CliError> {
    if ctx.json {
        ctx.print_json(
            true,
            AppsDoc {
                apps: catalog::CATALOG,
            },
        );
        return Ok(());
    }
    let mut out = ctx.output.out();
    for a in catalog::CATALOG {
        let _ = writeln!(out, "{:<26} {}", a.name, a.about);
        let _ = writeln!(
            out,
            "{:<26} {} {} @ {} ({})",
            "",
            a.repo,
            a.path,
            a.reference,
            a.commit.get(..12).unwrap_or(a.commit)
        );
    }
    Ok(())
}

/// Draws deploy events on stderr.
struct View<'a> {
    ctx: &'a Ctx,
    bar: Mutex<Option<ProgressBar>>,
}

impl View<'_> {
    fn line(&self, msg: &str) {
        let b = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        match &*b {
            Some(bar) => bar.println(msg),
            None => self.ctx.status(msg),
        }
    }

    fn event(&self, e: DeployEvent) {
        let step = match &e {
            DeployEvent::Hashing { .. } => Some("sync"),
            DeployEvent::BuildStarted { .. } => Some("build"),
            DeployEvent::SetAside { .. } => Some("set-aside"),
            DeployEvent::Starting { .. } => Some("start"),
            DeployEvent::Waiting { .. } => Some("wait"),
            _ => None,
        };
        if let Some(step) = step {
            super::interrupt::test_signal_at(step);
        }
        if self.ctx.quiet {
            return;
        }
        match e {
            DeployEvent::Fetching { url, reference } => {
                self.line(&format!("fetching {url} at {reference}"))
            }
            DeployEvent::FetchProgress { .. } => {}
            DeployEvent::Fetched { commit, from_cache } => self.line(&format!(
                "source: commit {}{}",
                commit.get(..12).unwrap_or(&commit),
                if from_cache { " (from the cache)" } else { "" }
            )),
            DeployEvent::Hashing { files } => {
                self.line(&format!("comparing {files} files with the board"))
            }
            DeployEvent::Transfer(t) => self.transfer(t),
            DeployEvent::Synced(r) => {
                if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    b.finish_and_clear();
                }
                self.line(&format!(
                    "sync: {} files, {} bytes sent; {} unchanged; {} removed",
                    r.files_sent, r.bytes_sent, r.files_unchanged, r.files_removed
                ))
            }
            DeployEvent::BuildStarted { image } => self.line(&format!("docker build -t {image}")),
            DeployEvent::BuildLine { line } => {
                if self.ctx.verbose > 0 || line.contains("ERROR") {
                    self.line(&format!("  | {line}"))
                }
            }
            DeployEvent::BuildSkipped { reason } => self.line(&format!("build skipped: {reason}")),
            DeployEvent::Built { image } => self.line(&format!("built {image}")),
            DeployEvent::Starting { method } => self.line(match method {
                RunMethod::Compose => "starting with docker compose (FACTORY=x8ctl)",
                RunMethod::DockerRun => "starting with docker run (the tutorial's flags)",
                RunMethod::Prebuilt => "pulling and running Arduino's published image",
                RunMethod::Unchanged => "already running",
            }),
            DeployEvent::ComposeFailed { reason } => self.line(&format!(
                "docker compose failed: {reason}; falling back to docker run"
            )),
            DeployEvent::Waiting { container } => {
                self.line(&format!("waiting for {container} to come up"))
            }
            DeployEvent::Reading { line } => self.line(&format!("  {line}")),
            DeployEvent::SetAside { containers } => self.line(&format!(
                "stopped {} (kept, to come back if the new version does not)",
                containers.join(", ")
            )),
            DeployEvent::RollingBack { reason } => {
                self.line(&format!("{reason}; starting the previous version again"))
            }
            DeployEvent::Warning(w) => self.line(&format!(
                "{} {w}",
                self.ctx.output.paint_err().warn("warning:")
            )),
        }
    }

    fn transfer(&self, t: TransferEvent) {
        if !self.ctx.stderr_is_terminal || self.ctx.json {
            return;
        }
        let mut b = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        match t {
            TransferEvent::Planned { bytes, .. } => {
                let bar = ProgressBar::new(bytes);
                bar.set_style(
                    ProgressStyle::with_template("push [{bar:30}] {bytes}/{total_bytes} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                *b = Some(bar);
            }
            TransferEvent::Bytes(n) => {
                if let Some(bar) = &*b {
                    bar.inc(n)
                }
            }
            _ => {}
        }
    }
}

fn follow_logs(
    ctx: &Ctx,
    board: &Board,
    target: &str,
    lines: Option<usize>,
) -> Result<(), CliError> {
    let (cmd, root) = deploy::logs_command(board, target, true, lines).map_err(deploy_error)?;
    // The deploy armed the interrupt: Ctrl-C only sets the token, so the follow must look.
    board.stop_waiting_on_interrupt(true);
    stream(ctx, board, &cmd, root, true)
}

/// `logs --json`: one line of the logs (a document per line).
#[derive(serde::Serialize)]
struct LineDoc<'a> {
    line: &'a str,
}

/// Write lines to stdout: as they are, or one JSON document per line.
struct Lines<'a> {
    output: &'a Output,
    json: bool,
    /// The `command` of the documents.
    command: String,
    buf: Vec<u8>,
}

impl Write for Lines<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if !self.json {
            let mut o = self.output.out();
            o.write_all(data)?;
            o.flush()?;
            return Ok(data.len());
        }
        self.buf.extend_from_slice(data);
        while let Some(p) = self.buf.iter().position(|&b| b == b'\n') {
            let l: Vec<u8> = self.buf.drain(..=p).collect();
            let line = String::from_utf8_lossy(&l)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            let doc = Envelope::new(&self.command, true, LineDoc { line: &line });
            writeln!(self.output.out(), "{}", doc.to_line())?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stream `cmd`'s output. `follow` (`logs -f`) waits as long as the user wants (Ctrl-C ends
/// it); otherwise 60 s of silence from the board end it with an error.
fn stream(ctx: &Ctx, board: &Board, cmd: &Cmd, root: bool, follow: bool) -> Result<(), CliError> {
    let timeout = (!follow).then_some(x8ctl_core::board::DEFAULT_TIMEOUT);
    let mut out = Lines {
        output: &ctx.output,
        json: ctx.json,
        command: ctx.command.clone(),
        buf: Vec::new(),
    };
    let mut err = std::io::sink();
    let job = Job::new(cmd, "the logs", timeout);
    let status = if root {
        board.run_root_streaming(job, Streams::new(&mut out, &mut err))
    } else {
        board.run_streaming(job, Streams::new(&mut out, &mut err))
    }
    .map_err(board_error)?;
    if status != 0 {
        return Err(CliError::failure(
            format!("reading the logs failed on the board (exit {status})"),
            "check the name with `x8ctl shell docker ps -a`",
        ));
    }
    Ok(())
}

pub fn deploy(ctx: &Ctx, target: &TargetArgs, args: DeployArgs) -> Result<(), CliError> {
    let spec = deploy::resolve_app(
        args.app.as_deref(),
        args.repo.as_deref(),
        args.reference.as_deref(),
        args.path.as_deref(),
    )
    .map_err(deploy_error)?;
    for e in &args.env {
        if !e.contains('=') {
            return Err(CliError::usage(format!("--env {e}: expected KEY=VALUE")));
        }
    }
    if let Some(r) = &args.ready_log
        && let Err(e) = deploy::check_ready_log(r)
    {
        return Err(CliError::usage(e));
    }
    let (_session, board) = open_board(ctx, target)?;
    // After an interrupt, a board that no longer answers is not waited for.
    let board = board.with_interrupt(super::interrupt::token());
    // compose-apps-early-start removes the app at the next boot: disabling it needs the
    // user's consent (--yes, or a yes on the terminal); otherwise deploy warns.
    let disable_early_start = ctx.yes
        || (ctx.interactive
            && deploy::early_start_state(&board).is_ok_and(|s| s == "enabled")
            && ctx.confirm(
                "compose-apps-early-start removes apps it does not know at the next boot; disable it and its recovery unit (as Arduino's user manual advises)?",
            ));
    let opts = DeployOptions {
        disable_early_start,
        ready_log: args.ready_log.clone(),
        prebuilt: args.prebuilt,
        env: args.env.clone(),
        wait: Duration::from_secs(args.wait.max(1)),
        no_compose: args.no_compose,
        ..DeployOptions::default()
    };
    let view = View {
        ctx,
        bar: Mutex::new(None),
    };
    let _lock = lock(&board, "deploy").map_err(board_error)?;
    let interrupt = super::interrupt::arm(
        &ctx.output,
        Some(
            "interrupt: stopping the deploy; the app that ran before comes back (Ctrl-C again does not skip this)",
        ),
    );
    let result = deploy::deploy(&board, &spec, &opts, interrupt, &|e| view.event(e));
    if let Some(b) = view.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
        b.finish_and_clear();
    }
    let r = result.map_err(deploy_error)?;
    if ctx.json {
        ctx.print_json(true, DeployDoc { deploy: &r });
    } else {
        say_running(ctx, &r);
    }
    if args.follow {
        follow_logs(ctx, &board, &r.app, Some(20))?;
    }
    Ok(())
}

/// `deploy --json`: the deploy's report.
#[derive(serde::Serialize)]
struct DeployDoc<'a> {
    deploy: &'a DeployReport,
}

/// What runs now, on stdout.
fn say_running(ctx: &Ctx, r: &DeployReport) {
    let how = match r.method {
        RunMethod::Compose => "docker compose",
        RunMethod::DockerRun => "docker run",
        RunMethod::Prebuilt => "the published image",
        RunMethod::Unchanged => "unchanged",
    };
    let mut line = format!(
        "{} is running as container {} ({how}) in {:.1}s",
        r.app,
        r.container,
        r.elapsed_ms as f64 / 1000.0
    );
    if !r.readings.is_empty() {
        line.push_str(&format!("; readings: {}", r.readings.join(", ")));
    }
    ctx.output.line(&line);
}

pub fn logs(ctx: &Ctx, target: &TargetArgs, args: LogsArgs) -> Result<(), CliError> {
    let (_session, board) = open_board(ctx, target)?;
    let (cmd, root) = deploy::logs_command(&board, &args.target, args.follow, args.lines)
        .map_err(deploy_error)?;
    stream(ctx, &board, &cmd, root, args.follow)
}

pub fn stop(ctx: &Ctx, target: &TargetArgs, args: StopArgs) -> Result<(), CliError> {
    let (_session, board) = open_board(ctx, target)?;
    let names = deploy::stop(&board, &args.app).map_err(deploy_error)?;
    if ctx.json {
        ctx.print_json(true, StopDoc { stopped: &names });
    } else {
        ctx.status(&format!("stopped {}", names.join(", ")));
    }
    Ok(())
}

/// `stop --json`: the containers stopped.
#[derive(serde::Serialize)]
struct StopDoc<'a> {
    stopped: &'a [String],
}

/// `upload-sketch --json`: the upload's report.
#[derive(serde::Serialize)]
struct SketchDoc<'a> {
    sketch: &'a SketchReport,
}

pub fn upload_sketch(
    ctx: &Ctx,
    target: &TargetArgs,
    args: UploadSketchArgs,
) -> Result<(), CliError> {
    deploy::sketch::check_file(&args.file).map_err(deploy_error)?;
    let (_session, board) = open_board(ctx, target)?;
    let _lock = lock(&board, "upload-sketch").map_err(board_error)?;
    ctx.status(&format!(
        "pushing {} to {}",
        args.file.display(),
        deploy::SKETCH_PATH
    ));
    let r = deploy::sketch::upload_sketch(
        &board,
        &args.file,
        Duration::from_secs(args.wait.max(1)),
        &|_| {},
    )
    .map_err(deploy_error)?;
    if ctx.json {
        ctx.print_json(true, SketchDoc { sketch: &r });
    } else {
        for l in &r.openocd {
            ctx.detail(&format!("  | {l}"));
        }
        ctx.output.line(&format!(
            "programmed the M4 with {} ({} bytes, verified by OpenOCD) in {:.1}s",
            args.file.display(),
            r.bytes,
            r.elapsed_ms as f64 / 1000.0
        ));
    }
    Ok(())
}
