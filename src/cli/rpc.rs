//! `x8ctl rpc call METHOD [ARG...]` and `x8ctl rpc sensors [--watch SECS]`: MessagePack-RPC
//! to the M4 through m4-proxy's port 5001, carried over the board connection (adb server
//! or `--connect`), one TCP connection per call.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};

use x8ctl_core::board::Board;
use x8ctl_core::rpc::client::CallOutcome;
use x8ctl_core::rpc::client::call_board;
use x8ctl_core::rpc::msgpack::{Value, parse_cli_arg, to_json};

use super::output::Envelope;
use super::target::{TargetArgs, open_board};
use super::{CliError, Ctx, exit};

/// Call functions of the sketch on the M4 (through m4-proxy, port 5001).
#[derive(Debug, Args)]
pub struct RpcArgs {
    #[command(subcommand)]
    pub command: RpcCommand,
}

#[derive(Debug, Subcommand)]
pub enum RpcCommand {
    /// Call METHOD with ARGs and print the result.
    ///
    /// Each ARG is read as JSON when it parses (`5`, `true`, `[1,2]`, `"quoted"`), else it is
    /// sent as a string. The board's m4-proxy speaks the 2012 MessagePack dialect: a float,
    /// null, binary data, a string of 256 bytes or more, or a message above 244 bytes is
    /// refused before sending (exit status 2), since m4-proxy would crash on it or change it.
    /// Calling a method the sketch does not bind (or with the wrong number of arguments)
    /// crashes m4-proxy on the board (the M4's error reply is a string its decoder cannot
    /// read); x8ctl then says so. Exit status 0 when the M4 answered; 5 when it did not.
    Call {
        /// The function name the sketch binds with RPC.bind.
        method: String,
        /// The arguments.
        #[arg(allow_hyphen_values = true, value_name = "ARG")]
        args: Vec<String>,
        /// Seconds to wait for the answer (m4-proxy itself gives up after 1 s).
        #[arg(long, value_name = "SECS", default_value_t = 3)]
        timeout: u64,
    },
    /// Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude).
    ///
    /// A reading the sketch does not bind is reported for that reading. Exit status 5 when
    /// no reading was answered.
    Sensors {
        /// Read again every SECS seconds until Ctrl-C, which ends it with exit status 130
        /// (with --json: one document per line). A board that goes away (unplugged,
        /// rebooting) is looked for again at each round, so the readings resume by themselves.
        #[arg(long, value_name = "SECS")]
        watch: Option<f64>,
    },
    /// Show the calls and notifications the sketch makes to Linux for NAMEs.
    ///
    /// Registers the NAMEs (default: `tty`, SerialRPC's output) with m4-proxy for a board
    /// port forwarded to this computer (`adb reverse`), then prints each call or
    /// notification the M4 sends to one of them: its method and arguments. Calls are not
    /// answered (the sketch's `RPC.call` keeps waiting): use `rpc serve` to answer. A name
    /// nobody on the board registered is shown too (m4-proxy would drop it). Re-registers
    /// when m4-proxy restarts. Ctrl-C ends it (exit status 130), or --for SECS (0).
    Listen {
        /// Method names the sketch calls (`RPC.call`) or notifies (`RPC.send`).
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        #[command(flatten)]
        opts: ListenOpts,
    },
    /// Answer the sketch's calls to Linux: NAME=VALUE answers NAME with VALUE.
    ///
    /// VALUE is read as JSON when it parses (`21`, `true`, `"text"`), else as a string.
    /// Every call and notification is shown as with `rpc listen`.
    Serve {
        /// NAME=VALUE pairs.
        #[arg(value_name = "NAME=VALUE", required = true)]
        answers: Vec<String>,
        #[command(flatten)]
        opts: ListenOpts,
    },
}

#[derive(Debug, Args)]
pub struct ListenOpts {
    /// The board port for the reverse forward (registered with m4-proxy).
    #[arg(long, value_name = "PORT", default_value_t = super::monitor::DEFAULT_PORT)]
    pub port: u16,
    /// Stop after SECS seconds (exit status 0).
    #[arg(long = "for", value_name = "SECS")]
    pub for_secs: Option<f64>,
    /// Start each line with the laptop's time (UTC).
    #[arg(long)]
    pub timestamp: bool,
}

/// The names `rpc listen` registers when none are given.
pub const LISTEN_DEFAULT: [&str; 1] = ["tty"];

/// The readings of the python-rpc-sensors example, in its order.
pub const SENSORS: [&str; 5] = ["temperature", "humidity", "pressure", "gas", "altitude"];

pub fn run(ctx: &Ctx, target: &TargetArgs, args: RpcArgs) -> Result<u8, CliError> {
    match args.command {
        RpcCommand::Call {
            method,
            args,
            timeout,
        } => call(ctx, target, &method, &args, timeout),
        RpcCommand::Sensors { watch } => sensors(ctx, target, watch),
        RpcCommand::Listen { names, opts } => {
            let names = if names.is_empty() {
                LISTEN_DEFAULT.iter().map(|s| s.to_string()).collect()
            } else {
                names
            };
            super::monitor::listen(
                ctx,
                target,
                names,
                Vec::new(),
                opts.port,
                opts.for_secs,
                opts.timestamp,
            )
        }
        RpcCommand::Serve { answers, opts } => {
            let mut pairs = Vec::new();
            for a in &answers {
                let Some((n, v)) = a.split_once('=') else {
                    return Err(CliError::usage(format!("{a}: expected NAME=VALUE")));
                };
                pairs.push((n.to_string(), parse_cli_arg(v)));
            }
            let names = pairs.iter().map(|(n, _)| n.clone()).collect();
            super::monitor::listen(
                ctx,
                target,
                names,
                pairs,
                opts.port,
                opts.for_secs,
                opts.timestamp,
            )
        }
    }
}

/// A value for a person: strings as they are, everything else as JSON.
fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => to_json(other).to_string(),
    }
}

fn call(
    ctx: &Ctx,
    target: &TargetArgs,
    method: &str,
    args: &[String],
    timeout: u64,
) -> Result<u8, CliError> {
    let params: Vec<Value> = args.iter().map(|a| parse_cli_arg(a)).collect();
    let timeout = Duration::from_secs(timeout.max(1));
    // What m4-proxy cannot read is refused before any board is looked for: the answer
    // does not depend on the board, and needs none.
    let outcome = match x8ctl_core::rpc::dialect::request_bytes(0, method, &params) {
        Err(r) => CallOutcome::Refused(r),
        Ok(_) => {
            let (_session, board) = open_board(ctx, target)?;
            call_board(&board, method, params.clone(), timeout)
        }
    };
    let code = match &outcome {
        o if o.is_answered() => exit::OK,
        CallOutcome::Refused(_) => exit::USAGE,
        _ => exit::CHECK_FAILED,
    };
    if ctx.json {
        let doc = CallDoc {
            method,
            params: params.iter().map(to_json).collect(),
            outcome: OutcomeDoc {
                outcome: outcome.to_json(),
                hint: x8ctl_core::Diagnostic::help(&outcome).map(|h| h.to_string()),
            },
        };
        ctx.print_json(code == exit::OK, doc);
        return Ok(code);
    }
    match outcome.result() {
        Some(v) => ctx.output.line(&show(v)),
        None => {
            let paint = ctx.output.paint_err();
            let mut err = ctx.output.err();
            let _ = writeln!(err, "{} {method}: {outcome}", paint.error("error:"));
            if let Some(h) = x8ctl_core::Diagnostic::help(&outcome) {
                let _ = writeln!(err, "  {} {h}", paint.hint("hint:"));
            }
        }
    }
    Ok(code)
}

/// `rpc call --json`: the method, its arguments, and what came back. The arguments are
/// MessagePack values as JSON: whatever the user typed.
#[derive(serde::Serialize)]
struct CallDoc<'a> {
    method: &'a str,
    params: Vec<serde_json::Value>,
    outcome: OutcomeDoc,
}

/// A call's outcome as the core gives it in JSON (`kind`, and the keys of that kind; see
/// `CallOutcome::to_json`), with the hint for a failure.
#[derive(serde::Serialize)]
struct OutcomeDoc {
    #[serde(flatten)]
    outcome: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

/// `rpc sensors --json`: one reading of every sensor (a document per reading with --watch).
#[derive(serde::Serialize)]
struct SensorsDoc<'a> {
    time_unix_ms: u64,
    readings: Vec<ReadingDoc<'a>>,
}

/// One sensor's reading: its value (`null` without an answer) and the call's outcome (as
/// the core gives it in JSON).
#[derive(serde::Serialize)]
struct ReadingDoc<'a> {
    name: &'a str,
    value: Option<serde_json::Value>,
    outcome: serde_json::Value,
}

/// One reading of every sensor. A reading that crashed m4-proxy (the sketch does not bind
/// it: a BMP280 sketch has no `gas`) is not called again (`skip`), and the next reading
/// waits for systemd to bring m4-proxy back.
fn read_all(board: &Board, skip: &mut Vec<&'static str>) -> Vec<(&'static str, CallOutcome)> {
    let mut out = Vec::new();
    for m in SENSORS {
        if skip.contains(&m) {
            out.push((
                m,
                CallOutcome::M4Error {
                    error: Value::from(
                        "not bound by the sketch (crashed m4-proxy earlier; not called again)",
                    ),
                },
            ));
            continue;
        }
        let o = call_board(board, m, Vec::new(), Duration::from_secs(3));
        if matches!(o, CallOutcome::ProxyCrashed { .. }) {
            skip.push(m);
            wait_for_m4_proxy(board);
        }
        out.push((m, o));
    }
    out
}

/// Wait (up to 5 s) until m4-proxy runs again after a crash (RestartSec=2s).
fn wait_for_m4_proxy(board: &Board) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(5) {
        match x8ctl_core::rpc::client::m4_proxy_state(board) {
            Some(s) if s.main_pid != 0 => return,
            Some(s) if s.active == "failed" => return,
            None => return,
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

fn sensors_doc<'a>(readings: &[(&'a str, CallOutcome)]) -> SensorsDoc<'a> {
    let readings = readings
        .iter()
        .map(|(name, o)| ReadingDoc {
            name,
            value: o.result().map(to_json),
            outcome: o.to_json(),
        })
        .collect();
    SensorsDoc {
        time_unix_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
        readings,
    }
}

/// What a reading shows in a table cell.
fn cell(o: &CallOutcome) -> String {
    match o {
        CallOutcome::Answered { result, .. } => show(result),
        CallOutcome::M4Error { .. } | CallOutcome::ProxyCrashed { .. } => "not bound".into(),
        CallOutcome::NoAnswer { .. } => "no answer".into(),
        CallOutcome::NotListening | CallOutcome::ProxyDown { .. } => "m4-proxy down".into(),
        other => other.kind().replace('_', " "),
    }
}

/// The UTC time of day, HH:MM:SS.
fn clock() -> String {
    jiff::Timestamp::now().strftime("%H:%M:%S").to_string()
}

fn explain_failures(ctx: &Ctx, readings: &[(&'static str, CallOutcome)], said: &mut Vec<String>) {
    for (name, o) in readings {
        if o.is_answered() {
            continue;
        }
        let line = format!("{name}: {o}");
        if said.contains(&line) {
            continue;
        }
        ctx.status(&line);
        if let Some(h) = x8ctl_core::Diagnostic::help(o) {
            ctx.status(&format!("  {} {h}", ctx.hint_label()));
        }
        said.push(line);
    }
}

fn sensors(ctx: &Ctx, target: &TargetArgs, watch: Option<f64>) -> Result<u8, CliError> {
    let period = match watch {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 && s < 86_400.0 => Some(Duration::from_secs_f64(s)),
        Some(_) => return Err(CliError::usage("--watch needs a number of seconds above 0")),
    };
    let (mut session, mut board) = open_board(ctx, target)?;
    let mut skip = Vec::new();
    let Some(period) = period else {
        let readings = read_all(&board, &mut skip);
        let ok = readings.iter().any(|(_, o)| o.is_answered());
        if ctx.json {
            ctx.print_json(ok, sensors_doc(&readings));
        } else {
            let mut out = ctx.output.out();
            let _ = writeln!(out, "{:<12} VALUE", "READING");
            for (name, o) in &readings {
                let _ = writeln!(out, "{name:<12} {}", cell(o));
            }
            drop(out);
            explain_failures(ctx, &readings, &mut Vec::new());
        }
        return Ok(if ok { exit::OK } else { exit::CHECK_FAILED });
    };
    super::interrupt::arm(&ctx.output, None);
    let mut said = Vec::new();
    if !ctx.json {
        let mut out = ctx.output.out();
        let _ = write!(out, "{:<9}", "TIME");
        for s in SENSORS {
            let _ = write!(out, " {:>12}", s.to_uppercase());
        }
        let _ = writeln!(out);
    }
    while !super::interrupt::interrupted() {
        let started = Instant::now();
        let mut readings = read_all(&board, &mut skip);
        // The board went away (unplugged, rebooted): find it again and read once more, so
        // the watch goes on by itself when it comes back.
        if readings
            .iter()
            .all(|(_, o)| matches!(o, CallOutcome::Transport(_)))
            && let Ok((s, b)) = open_board(ctx, target)
        {
            (session, board) = (s, b);
            readings = read_all(&board, &mut skip);
        }
        let mut out = ctx.output.out();
        if ctx.json {
            let ok = readings.iter().any(|(_, o)| o.is_answered());
            let doc = Envelope::new(&ctx.command, ok, sensors_doc(&readings));
            let _ = writeln!(out, "{}", doc.to_line());
        } else {
            let _ = write!(out, "{:<9}", clock());
            for (_, o) in &readings {
                let _ = write!(out, " {:>12}", cell(o));
            }
            let _ = writeln!(out);
        }
        let _ = out.flush();
        drop(out);
        if !ctx.json {
            explain_failures(ctx, &readings, &mut said);
        }
        super::interrupt::sleep(period.saturating_sub(started.elapsed()));
    }
    drop(session);
    // Ctrl-C is how a watch ends: say so in the exit code, as every interrupted command does.
    Ok(exit::INTERRUPTED)
}
