//! `x8ctl push` and `x8ctl pull`: files and folders, like adb's, with progress, modes and
//! mtimes kept, sha256 verified on the board, and `--sync` sending only what differs.

use std::path::PathBuf;
use std::sync::Mutex;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use x8ctl_core::board::transfer::{self, PushOptions, TransferEvent, TransferReport};

use super::output::Output;
use super::target::{TargetArgs, board_error, open_board};
use super::{CliError, Ctx, exit};

/// Copy files and folders to the board.
///
/// Like `adb push`: REMOTE is a folder to copy into when it exists (or ends with '/', or
/// there are several sources), else the new name. Modes and mtimes are kept, and every file
/// is checked by sha256 on the board afterwards.
#[derive(Debug, Args)]
#[command(override_usage = "x8ctl push [OPTIONS] <LOCAL>... <REMOTE>")]
pub struct PushArgs {
    /// Local files or folders, then the board path.
    #[arg(required = true, num_args = 1.., value_name = "PATH")]
    pub paths: Vec<String>,
    /// Send only files whose sha256 differs from the board's copy.
    #[arg(long)]
    pub sync: bool,
    /// Sync streams used at once.
    #[arg(long, default_value_t = transfer::DEFAULT_STREAMS, value_name = "N")]
    pub streams: usize,
    /// Skip the sha256 check on the board.
    #[arg(long)]
    pub no_verify: bool,
}

/// Copy files and folders from the board.
#[derive(Debug, Args)]
#[command(override_usage = "x8ctl pull [OPTIONS] <REMOTE>... <LOCAL>")]
pub struct PullArgs {
    /// Board files or folders, then the local path.
    #[arg(required = true, num_args = 1.., value_name = "PATH")]
    pub paths: Vec<String>,
    /// Sync streams used at once.
    #[arg(long, default_value_t = transfer::DEFAULT_STREAMS, value_name = "N")]
    pub streams: usize,
}

/// Draws transfer events as one bar on a terminal, nothing otherwise.
struct Bar<'a> {
    /// Where the file lines go without a bar.
    output: &'a Output,
    /// With -v, each file on a line of its own.
    verbose: bool,
    bar: Option<ProgressBar>,
    files: Mutex<(usize, usize)>,
}

impl<'a> Bar<'a> {
    fn new(ctx: &'a Ctx, verb: &str) -> Bar<'a> {
        let bar = (ctx.stderr_is_terminal && !ctx.quiet && !ctx.json).then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(verb.to_string());
            b
        });
        Bar {
            output: &ctx.output,
            verbose: ctx.verbose > 0 && !ctx.quiet,
            bar,
            files: Mutex::new((0, 0)),
        }
    }

    fn event(&self, e: TransferEvent) {
        if let (true, TransferEvent::FileDone { path }) = (self.verbose, &e) {
            match &self.bar {
                Some(b) => b.println(path),
                None => self.output.err_line(path),
            }
        }
        let Some(bar) = &self.bar else { return };
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        match e {
            TransferEvent::Planned { files: n, bytes } => {
                files.1 = n;
                bar.set_length(bytes);
            }
            TransferEvent::Bytes(n) => bar.inc(n),
            TransferEvent::FileDone { .. } => {
                files.0 += 1;
                bar.set_message(format!("{}/{} files", files.0, files.1));
            }
            TransferEvent::Verifying { files: n } => {
                bar.set_message(format!("verifying {n} files"))
            }
            TransferEvent::Unchanged { .. } | TransferEvent::FileStarted { .. } => {}
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// `push --json` and `pull --json`: which, and its report.
#[derive(serde::Serialize)]
struct TransferDoc<'a> {
    operation: &'a str,
    report: &'a TransferReport,
}

fn report(ctx: &Ctx, verb: &str, r: &TransferReport) {
    if ctx.json {
        let doc = TransferDoc {
            operation: verb,
            report: r,
        };
        ctx.print_json(true, doc);
        return;
    }
    let secs = r.elapsed_ms as f64 / 1000.0;
    let mut line = format!(
        "{verb}: {} files, {} bytes in {secs:.2}s",
        r.files_sent, r.bytes_sent
    );
    if r.files_unchanged > 0 {
        line.push_str(&format!(" ({} unchanged files skipped)", r.files_unchanged));
    }
    if r.verified {
        line.push_str(", sha256 verified");
    } else if verb == "pull" && r.files_sent > 0 {
        line.push_str(", not verified (the board gave no sha256 for every file)");
    }
    ctx.success(&line);
}

/// `SOURCE... DEST`: the sources and the destination; a usage error (`message`, with the
/// example `hint`) when there are not at least two paths.
fn sources_and_destination<'a>(
    paths: &'a [String],
    message: &str,
    hint: String,
) -> Result<(&'a [String], &'a str), CliError> {
    match paths.split_last() {
        Some((dest, sources)) if !sources.is_empty() => Ok((sources, dest)),
        _ => Err(CliError::new(exit::USAGE, message, hint)),
    }
}

pub fn push(ctx: &Ctx, target: &TargetArgs, args: PushArgs) -> Result<(), CliError> {
    let (sources, remote) = sources_and_destination(
        &args.paths,
        "give at least one local path and the board path",
        format!(
            "e.g. `x8ctl push ./python-rpc-sensors {}/`",
            x8ctl_core::board::facts::HOME
        ),
    )?;
    let locals: Vec<PathBuf> = sources.iter().map(PathBuf::from).collect();
    let (_session, board) = open_board(ctx, target)?;
    let bar = Bar::new(ctx, "push");
    let opts = PushOptions {
        sync: args.sync,
        verify: !args.no_verify,
        streams: args.streams,
    };
    let result = transfer::push(&board, &locals, remote, &opts, &|e| bar.event(e));
    bar.finish();
    let r = result.map_err(board_error)?;
    report(ctx, "push", &r);
    Ok(())
}

pub fn pull(ctx: &Ctx, target: &TargetArgs, args: PullArgs) -> Result<(), CliError> {
    let (remotes, local) = sources_and_destination(
        &args.paths,
        "give at least one board path and the local path",
        format!(
            "e.g. `x8ctl pull {}/python-rpc-sensors .`",
            x8ctl_core::board::facts::HOME
        ),
    )?;
    let local = PathBuf::from(local);
    let (_session, board) = open_board(ctx, target)?;
    let bar = Bar::new(ctx, "pull");
    let result = transfer::pull(&board, remotes, &local, args.streams, &|e| bar.event(e));
    bar.finish();
    let r = result.map_err(board_error)?;
    report(ctx, "pull", &r);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TransferReport {
        TransferReport {
            files_sent: 2,
            bytes_sent: 10,
            verified: true,
            elapsed_ms: 1500,
            ..TransferReport::default()
        }
    }

    #[test]
    fn the_report_is_a_summary_on_stderr() {
        let (ctx, cap, _, _) = crate::cli::tests::parsed(&["push", "a", "/tmp/"]);
        report(&ctx, "push", &sample());
        assert_eq!(cap.out(), "");
        assert_eq!(
            cap.err(),
            "push: 2 files, 10 bytes in 1.50s, sha256 verified\n"
        );
    }

    #[test]
    fn the_json_report_is_a_document_on_stdout() {
        let (ctx, cap, _, _) = crate::cli::tests::parsed(&["--json", "pull", "/a", "b"]);
        report(&ctx, "pull", &sample());
        assert_eq!(
            cap.out(),
            concat!(
                r#"{"schema_version":1,"ok":true,"command":"pull","operation":"pull","#,
                r#""report":{"bytes_sent":10,"bytes_unchanged":0,"elapsed_ms":1500,"#,
                r#""files_removed":0,"files_sent":2,"files_unchanged":0,"verified":true}}"#,
                "\n"
            )
        );
        assert_eq!(cap.err(), "");
    }
}
