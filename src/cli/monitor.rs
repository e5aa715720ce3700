//! `x8ctl monitor` (the sketch's SerialRPC output and input) and the Linux side of
//! `x8ctl rpc listen` / `x8ctl rpc serve`: calls from the M4 to Linux, served from the
//! laptop with no container on the board.
//!
//! How (evidence in `x8ctl_core::rpc::linux`): a `reverse:` forward from the board's
//! 127.0.0.1:PORT to a listener of x8ctl (REB 1.7), `register(PORT, names)` on m4-proxy's
//! port 5000 (REB 2.6), then every message the M4 sends to one of the names arrives here.
//! m4-proxy forgets registrations when it restarts (REB 2.1, 2.6), so x8ctl watches its
//! MainPID (`systemctl show`) and registers again when it changes. On exit the reverse
//! forward is removed (`reverse:killforward:tcp:PORT`).

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Args;

use x8ctl_core::board::Board;
use x8ctl_core::rpc::client::m4_proxy_state;
use x8ctl_core::rpc::linux::{self, Answerer, FromM4, Receiver};
use x8ctl_core::rpc::msgpack::to_json;

use super::output::Output;
use super::target::{TargetArgs, board_error, open_board};
use super::{CliError, Ctx, exit};

/// The board port x8ctl's reverse forward listens on, unless --port says otherwise. The
/// tutorial's python-rpc-serial registers `tty` on 5002 (issue11-facts §G), so not that.
pub const DEFAULT_PORT: u16 = 5020;

/// Show what the M4's sketch prints with SerialRPC, and send it what you type.
///
/// x8ctl asks the board's adbd for a reverse forward (board 127.0.0.1:PORT → x8ctl),
/// registers `tty` with m4-proxy for that port, prints the bytes of the sketch's `tty`
/// notifications as they arrive and sends each line read from stdin to the sketch's `tty`
/// (SerialRPC input) through port 5001. No container and no Internet on the board are
/// needed. When m4-proxy restarts (it forgets every registration), x8ctl registers again
/// by itself. If another program (python-rpc-serial's m4-serial-forward) held `tty`,
/// x8ctl says so and takes it over; restart that container to give it back.
///
/// Ends on Ctrl-C (exit status 130) or after --for SECS (exit status 0); the reverse
/// forward is removed either way.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The board port for the reverse forward (registered with m4-proxy).
    #[arg(long, value_name = "PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Start each line with the laptop's time (UTC, HH:MM:SS.mmm).
    #[arg(long)]
    pub timestamp: bool,
    /// Stop after SECS seconds (exit status 0).
    #[arg(long = "for", value_name = "SECS")]
    pub for_secs: Option<f64>,
    /// Do not read stdin (send nothing to the sketch).
    #[arg(long)]
    pub no_input: bool,
}

/// How the session reports: plain lines on stdout (notices on stderr), or one JSON document
/// per line.
#[derive(Clone)]
pub struct Out {
    output: Arc<Output>,
    json: bool,
    /// The `command` of the `--json` documents.
    command: String,
    quiet: bool,
    timestamp: bool,
    partial: Arc<Mutex<Vec<u8>>>,
}

/// The UTC time of day, `HH:MM:SS.mmm`.
fn now_hms() -> String {
    hms_millis(jiff::Timestamp::now())
}

fn hms_millis(t: jiff::Timestamp) -> String {
    t.strftime("%H:%M:%S%.3f").to_string()
}

fn unix_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

impl Out {
    pub fn new(ctx: &Ctx, timestamp: bool) -> Out {
        Out {
            output: ctx.output.clone(),
            json: ctx.json,
            command: ctx.command.clone(),
            quiet: ctx.quiet,
            timestamp,
            partial: Arc::default(),
        }
    }

    /// One event as a document, with the time.
    fn doc(&self, event: EventDoc<'_>) {
        let doc = TimedDoc {
            event,
            time: unix_time(),
        };
        self.output.json(&self.command, true, doc);
    }

    /// Something x8ctl did (registered, re-registered): stderr, not with --quiet.
    pub fn notice(&self, event: &str, msg: &str) {
        if self.json {
            self.doc(EventDoc {
                event,
                message: Some(msg),
                ..EventDoc::default()
            });
        } else if !self.quiet {
            self.output.err_line(&format!("x8ctl: {msg}"));
        }
    }

    /// Something the user must know (a takeover): always.
    pub fn warn(&self, event: &str, msg: &str) {
        if self.json {
            self.doc(EventDoc {
                event,
                warning: Some(msg),
                ..EventDoc::default()
            });
        } else {
            let paint = self.output.paint_err();
            self.output
                .err_line(&format!("{} {msg}", paint.warn("warning:")));
        }
    }

    /// Bytes the sketch wrote: as they come, or by lines with --timestamp / --json.
    pub fn output(&self, bytes: &[u8]) {
        if !self.json && !self.timestamp {
            let mut o = self.output.out();
            let _ = o.write_all(bytes);
            let _ = o.flush();
            return;
        }
        let mut p = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        p.extend_from_slice(bytes);
        while let Some(i) = p.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = p.drain(..=i).collect();
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            if self.json {
                self.doc(EventDoc {
                    event: "output",
                    line: Some(&text),
                    ..EventDoc::default()
                });
            } else {
                self.output.line(&format!("[{}] {text}", now_hms()));
            }
        }
    }

    /// A call or notification from the M4 (`rpc listen`).
    pub fn call(&self, m: &FromM4, answered: Option<&str>) {
        let params: Vec<serde_json::Value> = m.params.iter().map(to_json).collect();
        let kind = if m.msgid.is_some() {
            "call"
        } else {
            "notification"
        };
        if self.json {
            self.doc(EventDoc {
                event: kind,
                method: Some(m.method.as_str()),
                params: Some(&params),
                answered,
                ..EventDoc::default()
            });
            return;
        }
        let args: Vec<String> = params.iter().map(|p| p.to_string()).collect();
        let mut line = format!("{kind} {}({})", m.method, args.join(", "));
        if let Some(a) = answered {
            line.push_str(&format!(" -> {a}"));
        }
        if self.timestamp {
            line = format!("[{}] {line}", now_hms());
        }
        self.output.line(&line);
    }
}

/// `monitor --json` and `rpc listen --json`: one event (a document per line), with the
/// keys its kind has: `message` (a notice), `warning`, `line` (the sketch's output), or
/// `method`, `params` and `answered` (a call from the M4).
#[derive(Default, serde::Serialize)]
struct EventDoc<'a> {
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    /// The call's arguments: MessagePack values as JSON, whatever the sketch sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a [serde_json::Value]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answered: Option<&'a str>,
}

/// An event and when it was printed (seconds since the Unix epoch).
#[derive(serde::Serialize)]
struct TimedDoc<'a> {
    #[serde(flatten)]
    event: EventDoc<'a>,
    time: f64,
}

/// A reverse forward plus a registration, kept alive across m4-proxy restarts.
pub struct Bridge {
    board: Arc<Board>,
    port: u16,
    names: Vec<String>,
    receiver: Receiver,
    last_pid: u32,
}

impl Bridge {
    /// Set up the forward and the registration; warn about names another program held.
    pub fn open(
        board: Board,
        port: u16,
        names: Vec<String>,
        out: &Out,
        on_message: Arc<dyn Fn(FromM4) + Send + Sync>,
        answer: Answerer,
    ) -> Result<Bridge, CliError> {
        let receiver = Receiver::bind()
            .map_err(|e| CliError::failure(format!("cannot listen on the laptop: {e}"), ""))?;
        let host = receiver
            .addr()
            .map_err(|e| CliError::failure(e.to_string(), ""))?
            .port();
        linux::reverse(&board, &format!("forward:tcp:{port};tcp:{host}")).map_err(|e| {
            let mut c = board_error(e);
            c.hint = format!(
                "the board's port {port} may be taken: choose another with --port; {}",
                c.hint
            );
            c
        })?;
        receiver
            .run(on_message, answer)
            .map_err(|e| CliError::failure(e.to_string(), ""))?;
        let last_pid = m4_proxy_state(&board).map(|s| s.main_pid).unwrap_or(0);
        let mut b = Bridge {
            board: Arc::new(board),
            port,
            names,
            receiver,
            last_pid,
        };
        b.takeover_warning(out);
        if let Err(e) = b.register() {
            b.close();
            return Err(CliError::new(
                exit::BOARD_UNUSABLE,
                format!("cannot register with m4-proxy: {e}"),
                "check m4-proxy: `x8ctl doctor`",
            ));
        }
        out.notice(
            "registered",
            &format!(
                "registered {} with m4-proxy on the board's port {port} (forwarded to this computer)",
                b.names.join(", ")
            ),
        );
        Ok(b)
    }

    fn takeover_warning(&self, out: &Out) {
        let Some(holders) = linux::current_holders(&self.board, &self.names) else {
            out.notice(
                "holders_unknown",
                "could not read m4-proxy's journal (it needs root) to see who held the names before; taking them over",
            );
            return;
        };
        for (name, port) in holders.into_iter().filter(|(_, p)| *p != self.port) {
            let who = if name == "tty" {
                "python-rpc-serial (m4-serial-forward) or another program"
            } else {
                "another program"
            };
            out.warn(
                "takeover",
                &format!(
                    "{who} had `{name}` registered on port {port}; x8ctl takes `{name}` over (restart that program afterwards to give it back)"
                ),
            );
        }
    }

    fn register(&self) -> Result<(), String> {
        linux::register(&self.board, self.port, &self.names)
    }

    /// Watch m4-proxy until interrupted or `until`; register again after each restart.
    /// Returns the exit status.
    pub fn watch(&mut self, out: &Out, until: Option<Instant>) -> u8 {
        let mut pending = false;
        loop {
            if super::interrupt::sleep(Duration::from_millis(500)) {
                return exit::INTERRUPTED;
            }
            if until.is_some_and(|u| Instant::now() >= u) {
                return exit::OK;
            }
            let Some(st) = m4_proxy_state(&self.board) else {
                continue;
            };
            if st.main_pid != self.last_pid && st.main_pid != 0 {
                pending = true;
            }
            if st.main_pid != 0 {
                self.last_pid = st.main_pid;
            }
            if pending {
                match self.register() {
                    Ok(()) => {
                        pending = false;
                        out.notice(
                            "reregistered",
                            &format!(
                                "m4-proxy restarted (pid {}); registered {} again",
                                st.main_pid,
                                self.names.join(", ")
                            ),
                        );
                    }
                    Err(_) => continue, // not listening yet: next round
                }
            }
        }
    }

    pub fn board(&self) -> Arc<Board> {
        self.board.clone()
    }

    /// Remove the reverse forward and stop listening.
    pub fn close(&mut self) {
        self.receiver.stop();
        let _ = linux::reverse(&self.board, &format!("killforward:tcp:{}", self.port));
    }
}

fn deadline(for_secs: Option<f64>) -> Result<Option<Instant>, CliError> {
    match for_secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => {
            Ok(Some(Instant::now() + Duration::from_secs_f64(s)))
        }
        Some(_) => Err(CliError::usage("--for needs a number of seconds above 0")),
    }
}

pub fn run(ctx: &Ctx, target: &TargetArgs, args: MonitorArgs) -> Result<u8, CliError> {
    let until = deadline(args.for_secs)?;
    let (_session, board) = open_board(ctx, target)?;
    super::interrupt::arm(&ctx.output, None);
    let out = Out::new(ctx, args.timestamp);
    let o2 = out.clone();
    let on_message: Arc<dyn Fn(FromM4) + Send + Sync> = Arc::new(move |m: FromM4| {
        if let Some(b) = m.tty_bytes() {
            o2.output(&b);
        }
    });
    let mut bridge = Bridge::open(
        board,
        args.port,
        vec!["tty".to_string()],
        &out,
        on_message,
        Arc::new(|_| None),
    )?;
    let input_board = bridge.board();
    let stop = Arc::new(AtomicBool::new(false));
    if !args.no_input {
        let (stop, out) = (stop.clone(), out.clone());
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            let mut line = String::new();
            while !stop.load(Ordering::SeqCst) {
                line.clear();
                match stdin.lock().read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if let Err(e) = linux::send_tty(&input_board, line.as_bytes()) {
                            out.warn("input_lost", &format!("could not send input: {e}"));
                        }
                    }
                }
            }
        });
    }
    let code = bridge.watch(&out, until);
    stop.store(true, Ordering::SeqCst);
    bridge.close();
    Ok(code)
}

/// `rpc listen` / `rpc serve`: register `names`, show every call and notification from
/// the M4, answer the calls found in `answers`.
pub fn listen(
    ctx: &Ctx,
    target: &TargetArgs,
    names: Vec<String>,
    answers: Vec<(String, x8ctl_core::rpc::msgpack::Value)>,
    port: u16,
    for_secs: Option<f64>,
    timestamp: bool,
) -> Result<u8, CliError> {
    let until = deadline(for_secs)?;
    if names.is_empty() {
        return Err(CliError::usage("name at least one method"));
    }
    let (_session, board) = open_board(ctx, target)?;
    super::interrupt::arm(&ctx.output, None);
    let out = Out::new(ctx, timestamp);
    let answers = Arc::new(answers);
    let (o2, a2) = (out.clone(), answers.clone());
    let find = move |m: &FromM4| {
        a2.iter()
            .find(|(n, _)| *n == m.method)
            .map(|(_, v)| v.clone())
    };
    let find2 = find.clone();
    let on_message: Arc<dyn Fn(FromM4) + Send + Sync> = Arc::new(move |m: FromM4| {
        let answered = m.msgid.and(find2(&m)).map(|v| to_json(&v).to_string());
        o2.call(&m, answered.as_deref());
    });
    let answer: Answerer = Arc::new(move |m: &FromM4| find(m).map(Ok));
    let mut bridge = Bridge::open(board, port, names, &out, on_message, answer)?;
    let code = bridge.watch(&out, until);
    bridge.close();
    Ok(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_the_utc_time_of_day_with_milliseconds() {
        let t = |ms: i64| super::hms_millis(jiff::Timestamp::from_millisecond(ms).unwrap());
        assert_eq!(t(1_796_065_230_079), "19:00:30.079");
        assert_eq!(t(0), "00:00:00.000");
        assert_eq!(t(86_399_999), "23:59:59.999");
    }
}
