//! `x8ctl doctor [--fix] [--strict]`: render the doctor's checks like `flutter doctor`
//! (or as one JSON document), and with `--fix` ask before each repair, apply it, and check
//! again.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;

use x8ctl_core::doctor::{CheckId, CheckResult, Doctor, Event, FixOutcome, Report, Status, Target};

use super::target::TargetArgs;
use super::{CliError, Ctx, exit};

/// Check the whole Linux <-> M4 chain of the board and say how to fix what is broken.
///
/// Checks, in chain order: adb, the board, its OS image, sudo, the boot-time H7 flasher,
/// the x8h7 kernel modules, the H7 firmware (running vs installed vs latest release),
/// /dev/x8h7_ui, m4-proxy (process, ports, crashes and systemd's start limit), an RPC
/// round trip, Docker, app containers and free space. The RPC round trip calls only the
/// method given with --rpc-method (or `rpc_method` in the config): on the board, calling a
/// method the sketch does not bind crashes m4-proxy, so without one the doctor does not
/// call the M4 and says what it could not prove. Nothing on the board changes unless you
/// pass --fix. Exit status 0 when nothing failed (warnings pass unless --strict), 5 when a
/// check failed.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Offer to repair each failed check that has a fix (asks first; --yes does not ask),
    /// then check again.
    #[arg(long)]
    pub fix: bool,
    /// Warnings fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// A method the sketch on the M4 binds without arguments (e.g. temperature); the RPC
    /// check calls it. Default: the config file's `rpc_method`; without one the M4 is not
    /// called.
    #[arg(long, value_name = "METHOD")]
    pub rpc_method: Option<String>,
}

/// How marks are drawn: coloured symbols on a terminal (see `style`), plain words otherwise.
#[derive(Debug, Clone, Copy)]
struct Style {
    fancy: bool,
}

impl Style {
    fn detect(ctx: &Ctx) -> Style {
        Style {
            fancy: ctx.output.paint_out().is_on(),
        }
    }

    fn mark(self, s: Status) -> String {
        if !self.fancy {
            return match s {
                Status::Ok => "[ok]",
                Status::Warn => "[warn]",
                Status::Fail => "[FAIL]",
                Status::Skip => "[skip]",
            }
            .to_string();
        }
        let (m, st) = match s {
            Status::Ok => ("[✓]", console::Style::new().green()),
            Status::Warn => ("[!]", console::Style::new().yellow()),
            Status::Fail => ("[✗]", console::Style::new().red()),
            Status::Skip => ("[-]", console::Style::new().dim()),
        };
        st.force_styling(true).apply_to(m).to_string()
    }
}

fn duration_text(d: std::time::Duration) -> String {
    if d.as_millis() >= 1000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The lines of one check, as `flutter doctor` shows them.
fn render_check(out: &mut dyn Write, r: &CheckResult, style: Style, verbose: bool, fixing: bool) {
    let dur = if r.status == Status::Skip {
        String::new()
    } else {
        format!(" ({})", duration_text(r.duration))
    };
    let p = super::style::printable;
    let _ = writeln!(
        out,
        "{} {}: {}{dur}",
        style.mark(r.status),
        r.title,
        p(&r.summary)
    );
    if verbose || r.status != Status::Ok {
        for d in &r.details {
            if verbose || r.status == Status::Fail {
                let _ = writeln!(out, "    {}", p(d));
            }
        }
    }
    if let Some(h) = &r.hint
        && r.status != Status::Ok
    {
        let _ = writeln!(out, "    hint: {}", p(h));
    }
    if let Some(f) = &r.fix {
        let via = if fixing {
            ""
        } else {
            "   (x8ctl doctor --fix runs it)"
        };
        let _ = writeln!(out, "    fix: {}{via}", f.display_command());
    }
}

fn summary_line(report: &Report) -> String {
    let fail = report.count(Status::Fail);
    let warn = report.count(Status::Warn);
    let skip = report.count(Status::Skip);
    let took = duration_text(report.duration);
    if fail == 0 && warn == 0 && skip == 0 {
        return format!(
            "No issues found: {} checks passed in {took}.",
            report.checks.len()
        );
    }
    if fail == 0 && warn == 0 {
        return format!(
            "No issues found: {} checks passed, {skip} not run (see above) in {took}.",
            report.checks.len() - skip
        );
    }
    format!(
        "Doctor found issues: {fail} failed, {warn} warning{}, {skip} skipped ({took}).",
        if warn == 1 { "" } else { "s" }
    )
}

/// A spinner on stderr naming the checks still running (only on a terminal).
fn spinner(ctx: &Ctx) -> Option<indicatif::ProgressBar> {
    if ctx.json || ctx.quiet || !ctx.stderr_is_terminal {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(pb)
}

/// Run the checks, printing each line as soon as it and every check before it are done.
fn run_and_render(doctor: &mut Doctor, ctx: &Ctx, style: Style, fixing: bool) -> Report {
    let mut done: BTreeMap<CheckId, CheckResult> = BTreeMap::new();
    let mut running: Vec<CheckId> = Vec::new();
    let mut next = 0usize;
    let json = ctx.json;
    let verbose = ctx.verbose > 0;
    let pb = spinner(ctx);
    let report = doctor.run(&mut |e| {
        if json {
            return;
        }
        match e {
            Event::Started(id) => running.push(id),
            Event::Finished(r) => {
                running.retain(|x| *x != r.id);
                done.insert(r.id, r);
                let mut print = || {
                    let mut out = ctx.output.out();
                    while let Some(id) = CheckId::ALL.get(next) {
                        let Some(r) = done.get(id) else { break };
                        render_check(&mut out, r, style, verbose, fixing);
                        next += 1;
                    }
                    let _ = out.flush();
                };
                match &pb {
                    Some(pb) => pb.suspend(print),
                    None => print(),
                }
            }
        }
        if let Some(pb) = &pb {
            let names: Vec<&str> = running.iter().map(|id| id.name()).collect();
            pb.set_message(format!("checking: {}", names.join(", ")));
        }
    });
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    if !json {
        let mut out = ctx.output.out();
        // Whatever was not printed yet (cannot happen: every check finishes).
        for id in CheckId::ALL.iter().skip(next) {
            if let Some(r) = report.get(*id) {
                render_check(&mut out, r, style, verbose, fixing);
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", summary_line(&report));
    }
    report
}

/// `doctor --json`: the first run's checks, and with `--fix` the fixes and the run after.
#[derive(serde::Serialize)]
struct DoctorDoc<'a> {
    strict: bool,
    target: &'a Option<Target>,
    #[serde(flatten)]
    run: RunDoc<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<&'a [FixRecord]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<RunDoc<'a>>,
}

/// One run of the checks: how many of each status, how long, and each check.
#[derive(serde::Serialize)]
struct RunDoc<'a> {
    summary: Counts,
    duration_ms: u64,
    checks: &'a [CheckResult],
}

impl RunDoc<'_> {
    fn of(report: &Report) -> RunDoc<'_> {
        RunDoc {
            summary: Counts {
                ok: report.count(Status::Ok),
                warn: report.count(Status::Warn),
                fail: report.count(Status::Fail),
                skip: report.count(Status::Skip),
            },
            duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
            checks: &report.checks,
        }
    }
}

/// The number of checks of each status.
#[derive(serde::Serialize)]
struct Counts {
    ok: usize,
    warn: usize,
    fail: usize,
    skip: usize,
}

#[derive(serde::Serialize)]
struct FixRecord {
    check: CheckId,
    description: String,
    command: String,
    root: bool,
    applied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<FixOutcome>,
}

pub fn run(ctx: &Ctx, target: &TargetArgs, args: DoctorArgs) -> Result<u8, CliError> {
    if args.fix && !ctx.yes && !ctx.interactive {
        return Err(CliError::new(
            exit::USAGE,
            "--fix asks before each change, and there is no terminal to ask on",
            "pass --yes to apply every fix without asking",
        ));
    }
    let style = Style::detect(ctx);
    let method = args.rpc_method.clone().or_else(|| ctx.rpc_method.clone());
    let mut doctor = Doctor::new(target.options()?)
        .with_rpc_method(method)
        .with_sudo_password(super::target::configured_password(ctx));
    if !ctx.json {
        ctx.status("Checking the board (x8ctl doctor)...");
    }
    let first = run_and_render(&mut doctor, ctx, style, args.fix);
    let mut fixes: Vec<FixRecord> = Vec::new();
    let mut after: Option<Report> = None;
    if args.fix {
        let todo = first.fixes();
        if todo.is_empty() && !ctx.json {
            if first.count(Status::Fail) > 0 {
                ctx.status("Nothing here that x8ctl can repair by itself: follow the hints above.");
            } else {
                ctx.status("Nothing to fix.");
            }
        }
        // The fixes change the board: no other run of x8ctl does meanwhile.
        let lock = match (todo.is_empty(), doctor.board()) {
            (false, Some(b)) => Some(
                x8ctl_core::board::lock::lock(b, "doctor --fix")
                    .map_err(super::target::board_error)?,
            ),
            _ => None,
        };
        for (id, fix) in todo {
            let agreed = ctx.yes
                || ctx.confirm(&format!(
                    "{}: {} (`{}`)?",
                    id.title(),
                    fix.description,
                    fix.display_command()
                ));
            let mut rec = FixRecord {
                check: id,
                description: fix.description.clone(),
                command: fix.display_command(),
                root: fix.root,
                applied: false,
                outcome: None,
            };
            if agreed {
                if !ctx.json {
                    ctx.status(&format!("Running `{}`...", fix.display_command()));
                }
                let o = doctor.apply_fix(&fix);
                if !ctx.json {
                    if o.ok {
                        ctx.status("  done");
                    } else {
                        ctx.status(&format!(
                            "  failed{}: {}",
                            o.exit_status
                                .map(|s| format!(" (exit {s})"))
                                .unwrap_or_default(),
                            o.output
                        ));
                    }
                }
                rec.applied = true;
                rec.outcome = Some(o);
            }
            fixes.push(rec);
        }
        drop(lock);
        if fixes.iter().any(|f| f.applied) {
            if !ctx.json {
                ctx.output.line("");
                ctx.status("Checking again after the fixes...");
            }
            after = Some(run_and_render(&mut doctor, ctx, style, false));
        }
    }
    let last = after.as_ref().unwrap_or(&first);
    let passed = last.passed(args.strict);
    if ctx.json {
        let doc = DoctorDoc {
            strict: args.strict,
            target: &first.target,
            run: RunDoc::of(&first),
            fixes: args.fix.then_some(&fixes[..]),
            after: after.as_ref().map(RunDoc::of),
        };
        ctx.print_json(passed, doc);
    } else if !passed && args.strict && last.count(Status::Fail) == 0 {
        ctx.status("--strict: warnings count as failures.");
    }
    Ok(if passed { exit::OK } else { exit::CHECK_FAILED })
}
