//! A MessagePack-RPC client with m4-proxy's semantics: one TCP connection per call, one
//! response read, and every way that can go wrong told apart ([`CallOutcome`]).
//!
//! m4-proxy (port 5001) reads one message, waits up to 1 s for the M4 and then closes the
//! connection without writing anything. Responses are not matched to requests on the
//! proxy: a reply that comes late is handed to the *next* caller. This client therefore
//! uses a process-wide unique msgid per call (never 0, which is what Python clients use)
//! and reports a reply carrying another msgid as [`CallOutcome::StaleReply`].

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::dialect::{self, Refusal};
use super::message::Message;
use super::msgpack::{ReadError, Value, read_value};
use crate::board::{Board, BoardError};

/// Options of one call.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// Time allowed for the TCP connect.
    pub connect_timeout: Duration,
    /// Overall time allowed for write + reading the response (from after the connect).
    /// Default 3 s: above m4-proxy's 1 s wait, so its silent close is seen as
    /// [`CallOutcome::NoAnswer`] rather than our own [`CallOutcome::Timeout`].
    pub timeout: Duration,
    /// The msgid to use; `None` takes the next one from the process-wide counter.
    pub msgid: Option<u32>,
}

impl Default for CallOptions {
    fn default() -> CallOptions {
        CallOptions {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(3),
            msgid: None,
        }
    }
}

/// What happened to one call. Its [`kind`](CallOutcome::kind) (`--json`) is the variant
/// in snake case, named for m4-proxy where the variant says `Proxy`.
#[derive(Debug, Clone, PartialEq, strum::IntoStaticStr, miette::Diagnostic)]
#[strum(serialize_all = "snake_case")]
pub enum CallOutcome {
    /// A response with our msgid and a nil error field.
    #[diagnostic(code(x8ctl::rpc::answered))]
    Answered { result: Value, elapsed: Duration },
    /// A response with our msgid and a non-nil error field (e.g. the method is not bound
    /// on the M4: rpclib answers "rpclib: server could not find function ...").
    #[diagnostic(
        code(x8ctl::rpc::m4_error),
        help(
            "the sketch on the M4 does not bind this method (RPC.bind) or rejected its \
                 arguments; check the method name and the sketch that is running"
        )
    )]
    M4Error { error: Value },
    /// The peer closed the connection without sending a byte: m4-proxy's silent close after
    /// about 1 s when the M4 does not answer. A close well under 1 s suggests something
    /// other than m4-proxy (e.g. an `adb forward` with nothing listening on the board).
    #[diagnostic(
        code(x8ctl::rpc::no_answer),
        help(
            "m4-proxy is up but the M4 did not answer within 1 s: check that the sketch runs \
                 and binds the method, and that the H7 firmware, the x8h7 modules and the M4 \
                 core match (x8ctl flash-fw); then `sudo systemctl restart m4-proxy`"
        )
    )]
    NoAnswer { elapsed: Duration },
    /// Connection refused: nothing listens (m4-proxy not running).
    #[diagnostic(
        code(x8ctl::rpc::not_listening),
        help(
            "nothing listens on the port: start m4-proxy (`sudo systemctl restart m4-proxy`) \
                 and read `sudo journalctl --no-pager -u m4-proxy`"
        )
    )]
    NotListening,
    /// A response carrying another msgid: a late reply to an earlier request, handed to us
    /// by m4-proxy's shared response channel.
    #[diagnostic(
        code(x8ctl::rpc::stale_reply),
        help("m4-proxy handed over a late reply to an earlier request; call again")
    )]
    StaleReply { expected: u32, got: u32 },
    /// Nothing (or no complete message) within our own deadline.
    #[diagnostic(
        code(x8ctl::rpc::timeout),
        help(
            "nothing came back in time: the peer may not be m4-proxy, or the link is slow; \
                 allow more time"
        )
    )]
    Timeout,
    /// Bytes came back but they are not a MessagePack-RPC response.
    #[diagnostic(
        code(x8ctl::rpc::protocol),
        help("the peer did not answer with MessagePack-RPC: is this port m4-proxy's 5001?")
    )]
    Protocol(String),
    /// Any other I/O failure (text of the error).
    #[diagnostic(
        code(x8ctl::rpc::transport),
        help("the connection failed; check the link to the board")
    )]
    Transport(String),
    /// Not sent: m4-proxy cannot take this message (it would crash or change it).
    #[diagnostic(
        code(x8ctl::rpc::refused),
        help("nothing was sent; change the arguments (see above) and call again")
    )]
    Refused(Refusal),
    /// The connection closed without an answer and m4-proxy is not the process it was
    /// before the call: it crashed on this call and systemd is restarting it (or gave up).
    /// On the board this is what an unbound method, a wrong argument count or a 32..255-byte
    /// result string does: the M4's rpclib packs such strings as `str8`, which m4-proxy's
    /// decoder cannot read (real-board-evidence.md §2.2).
    /// Nothing listens because m4-proxy crashed earlier: systemd restarts it (after
    /// `RestartSec=2s`) or gave up (`start-limit-hit`).
    #[strum(serialize = "m4_proxy_down")]
    #[diagnostic(code(x8ctl::rpc::m4_proxy_down), help("{}", proxy_down_help(*gave_up)))]
    ProxyDown {
        /// `activating/auto-restart` or `failed/failed`.
        state: String,
        gave_up: bool,
    },
    #[strum(serialize = "m4_proxy_crashed")]
    #[diagnostic(code(x8ctl::rpc::m4_proxy_crashed), help("{}", proxy_crashed_help(*gave_up)))]
    ProxyCrashed {
        method: String,
        args: usize,
        /// m4-proxy's state after the call (`activating/auto-restart`, `failed/failed`, or
        /// `active/running` with a new pid).
        state: String,
        /// systemd's restart counter after the call, when known.
        restarts: Option<u32>,
        /// The start limit was hit: systemd no longer restarts it.
        gave_up: bool,
    },
}

impl CallOutcome {
    /// A stable machine-readable name, for `--json` output.
    pub fn kind(&self) -> &'static str {
        self.into()
    }
    pub fn is_answered(&self) -> bool {
        matches!(self, CallOutcome::Answered { .. })
    }
    /// A JSON object for `--json` output: always `kind` and `message` (the Display text),
    /// plus `result` and `elapsed_ms` (answered), `error` (m4_error), `elapsed_ms`
    /// (no_answer), `expected` and `got` (stale_reply). Values use [`super::msgpack::to_json`].
    pub fn to_json(&self) -> serde_json::Value {
        use super::msgpack::to_json;
        let mut o = serde_json::Map::new();
        o.insert("kind".into(), self.kind().into());
        o.insert("message".into(), self.to_string().into());
        match self {
            CallOutcome::Answered { result, elapsed } => {
                o.insert("result".into(), to_json(result));
                o.insert("elapsed_ms".into(), (elapsed.as_millis() as u64).into());
            }
            CallOutcome::M4Error { error } => {
                o.insert("error".into(), to_json(error));
            }
            CallOutcome::NoAnswer { elapsed } => {
                o.insert("elapsed_ms".into(), (elapsed.as_millis() as u64).into());
            }
            CallOutcome::StaleReply { expected, got } => {
                o.insert("expected".into(), (*expected).into());
                o.insert("got".into(), (*got).into());
            }
            CallOutcome::ProxyDown { state, gave_up } => {
                o.insert("m4_proxy_state".into(), state.clone().into());
                o.insert("start_limit_hit".into(), (*gave_up).into());
            }
            CallOutcome::ProxyCrashed {
                state,
                restarts,
                gave_up,
                ..
            } => {
                o.insert("m4_proxy_state".into(), state.clone().into());
                o.insert("m4_proxy_restarts".into(), (*restarts).into());
                o.insert("start_limit_hit".into(), (*gave_up).into());
                o.insert("registrations_lost".into(), true.into());
            }
            _ => {}
        }
        serde_json::Value::Object(o)
    }
    /// The result of an answered call.
    pub fn result(&self) -> Option<&Value> {
        match self {
            CallOutcome::Answered { result, .. } => Some(result),
            _ => None,
        }
    }
}

/// The help of [`CallOutcome::ProxyDown`].
fn proxy_down_help(gave_up: bool) -> &'static str {
    if gave_up {
        "reset the start limit and start it: `x8ctl doctor --fix` (or `sudo systemctl reset-failed m4-proxy && sudo systemctl restart m4-proxy`); then restart the containers that register functions with m4-proxy, and find which call crashes it (`x8ctl shell --root journalctl -u m4-proxy`)"
    } else {
        "call again in a few seconds; restart the containers that register functions with m4-proxy afterwards (the crash dropped their registrations)"
    }
}

/// The help of [`CallOutcome::ProxyCrashed`].
fn proxy_crashed_help(gave_up: bool) -> &'static str {
    if gave_up {
        "check the method name and argument count against the sketch's RPC.bind calls before calling again; systemd stopped restarting m4-proxy (10 starts in 120 s): `x8ctl doctor --fix` runs `systemctl reset-failed m4-proxy` and restarts it; then restart the containers that register functions with m4-proxy"
    } else {
        "check the method name and argument count against the sketch's RPC.bind calls before calling again (each such call restarts m4-proxy; after 10 in 2 minutes systemd gives up); restart the containers that register functions with m4-proxy (python-rpc-serial, your own) so they register again"
    }
}

/// A call that was not answered is an error the caller may return; an answered one never is.
impl std::error::Error for CallOutcome {}

impl std::fmt::Display for CallOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallOutcome::Answered { result, elapsed } => {
                write!(f, "answered {result} in {} ms", elapsed.as_millis())
            }
            CallOutcome::M4Error { error } => match error.as_str() {
                // The M4's own words, as it wrote them.
                Some(text) => write!(f, "the M4 answered with an error: {text}"),
                None => write!(f, "the M4 answered with an error: {error}"),
            },
            CallOutcome::NoAnswer { elapsed } => write!(
                f,
                "m4-proxy closed the connection without a reply after {} ms (the M4 did not answer)",
                elapsed.as_millis()
            ),
            CallOutcome::NotListening => {
                f.write_str("connection refused: m4-proxy is not listening")
            }
            CallOutcome::StaleReply { expected, got } => write!(
                f,
                "stale reply: got the response to request {got} while waiting for {expected} \
                 (a late answer to an earlier request)"
            ),
            CallOutcome::Timeout => f.write_str("no reply within the deadline"),
            CallOutcome::Protocol(m) => write!(f, "protocol error: {m}"),
            CallOutcome::Transport(m) => write!(f, "transport error: {m}"),
            CallOutcome::Refused(r) => write!(f, "not sent: {r}"),
            CallOutcome::ProxyDown { state, gave_up } => {
                if *gave_up {
                    write!(
                        f,
                        "m4-proxy is not running: it crashed again and again and systemd gave up restarting it (start limit hit, {state})"
                    )
                } else {
                    write!(
                        f,
                        "m4-proxy is not running: it crashed and systemd restarts it in a moment ({state})"
                    )
                }
            }
            CallOutcome::ProxyCrashed {
                method,
                args,
                state,
                restarts,
                gave_up,
            } => {
                let n = if *args == 1 { "argument" } else { "arguments" };
                write!(
                    f,
                    "m4-proxy crashed on this call: the M4 does not bind '{method}' with {args} {n} (or rejected the arguments); rpclib's error reply is a 32-255-byte string, which m4-proxy's old MessagePack decoder cannot read (a result string of that length does the same); "
                )?;
                if *gave_up {
                    write!(
                        f,
                        "systemd has stopped restarting m4-proxy (start limit hit, {state})"
                    )?;
                } else if state == "activating/auto-restart" {
                    f.write_str("systemd restarts it in 2 s")?;
                } else {
                    write!(f, "systemd restarted it ({state}")?;
                    if let Some(r) = restarts {
                        write!(f, ", restart counter {r}")?;
                    }
                    f.write_str(")")?;
                }
                f.write_str(
                    "; the restart dropped every function registered with m4-proxy on port 5000",
                )
            }
        }
    }
}

static COUNTER: OnceLock<AtomicU32> = OnceLock::new();

/// The next msgid: unique in this process, never 0. Starts at a value derived from the
/// clock and the process id, so two x8ctl runs rarely share ids.
pub fn next_msgid() -> u32 {
    let c = COUNTER.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32).rotate_left(16))
            .unwrap_or(0x5eed);
        let seed = nanos ^ std::process::id().wrapping_mul(0x9e37_79b9);
        // Keep clear of the wrap-around and of small ids that hand-written clients use.
        AtomicU32::new((seed % 0x7fff_0000).max(1) + 0x1000)
    });
    loop {
        let id = c.fetch_add(1, Ordering::Relaxed);
        if id != 0 {
            return id;
        }
    }
}

/// Call `method` on the MessagePack-RPC server at `addr` (m4-proxy's port 5001) over a new
/// TCP connection, and classify what happens.
pub fn call(addr: SocketAddr, method: &str, params: Vec<Value>, opts: &CallOptions) -> CallOutcome {
    let msgid = opts.msgid.unwrap_or_else(next_msgid);
    call_accepting(addr, method, params, opts, msgid, &[msgid])
}

/// The result of [`call_retrying_stale`].
#[derive(Debug, Clone, PartialEq)]
pub struct RetriedCall {
    /// The final outcome.
    pub outcome: CallOutcome,
    /// The stale reply that the first attempt drained, if there was one.
    pub stale: Option<CallOutcome>,
}

/// [`call`], and when it gets a [`CallOutcome::StaleReply`], call once more. On that retry
/// a response to either attempt's msgid counts as ours: m4-proxy usually hands the retry the
/// answer to the first attempt (the stale reply pushed it back one place in the queue).
pub fn call_retrying_stale(
    addr: SocketAddr,
    method: &str,
    params: Vec<Value>,
    opts: &CallOptions,
) -> RetriedCall {
    let first_id = opts.msgid.unwrap_or_else(next_msgid);
    let first = call_accepting(addr, method, params.clone(), opts, first_id, &[first_id]);
    if !matches!(first, CallOutcome::StaleReply { .. }) {
        return RetriedCall {
            outcome: first,
            stale: None,
        };
    }
    let second_id = next_msgid();
    let outcome = call_accepting(
        addr,
        method,
        params,
        opts,
        second_id,
        &[second_id, first_id],
    );
    RetriedCall {
        outcome,
        stale: Some(first),
    }
}

fn call_accepting(
    addr: SocketAddr,
    method: &str,
    params: Vec<Value>,
    opts: &CallOptions,
    msgid: u32,
    accept: &[u32],
) -> CallOutcome {
    let bytes = match dialect::request_bytes(msgid, method, &params) {
        Ok(b) => b,
        Err(r) => return CallOutcome::Refused(r),
    };
    let mut stream = match connect(addr, opts.connect_timeout) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(opts.timeout.max(Duration::from_millis(1))));
    exchange(&mut stream, &bytes, msgid, accept, opts.timeout, |s, d| {
        s.set_read_timeout(Some(d.max(Duration::from_millis(1))))
    })
}

fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, CallOutcome> {
    TcpStream::connect_timeout(&addr, timeout).map_err(|e| match e.kind() {
        io::ErrorKind::ConnectionRefused => CallOutcome::NotListening,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => CallOutcome::Timeout,
        _ => CallOutcome::Transport(e.to_string()),
    })
}

/// Send a request over an already-connected stream (e.g. a stream through `adb forward`)
/// and classify the reply exactly as [`call`] does. The caller sets the stream's read
/// timeout; `opts.timeout` is still enforced between reads (a read that times out, or
/// returns after the deadline, gives [`CallOutcome::Timeout`]). `opts.connect_timeout` is
/// not used.
pub fn call_on_stream<S: Read + Write>(
    stream: &mut S,
    method: &str,
    params: Vec<Value>,
    opts: &CallOptions,
) -> CallOutcome {
    let msgid = opts.msgid.unwrap_or_else(next_msgid);
    let bytes = match dialect::request_bytes(msgid, method, &params) {
        Ok(b) => b,
        Err(r) => return CallOutcome::Refused(r),
    };
    exchange(stream, &bytes, msgid, &[msgid], opts.timeout, |_, _| Ok(()))
}

/// Write `bytes`, then read one value and classify it. `set_timeout` is called before each
/// read with the time left.
fn exchange<S: Read + Write>(
    stream: &mut S,
    bytes: &[u8],
    msgid: u32,
    accept: &[u32],
    timeout: Duration,
    mut set_timeout: impl FnMut(&mut S, Duration) -> io::Result<()>,
) -> CallOutcome {
    let start = Instant::now();
    if let Err(e) = stream.write_all(bytes).and_then(|_| stream.flush()) {
        return io_outcome(&e);
    }
    let mut buf = Vec::new();
    let mut reader = DeadlineReader {
        stream,
        start,
        timeout,
        set_timeout: &mut set_timeout,
    };
    let v = match read_value(&mut reader, &mut buf) {
        Ok(v) => v,
        Err(ReadError::Eof { partial: 0 }) => {
            return CallOutcome::NoAnswer {
                elapsed: start.elapsed(),
            };
        }
        Err(ReadError::Eof { partial }) => {
            return CallOutcome::Protocol(format!(
                "connection closed after {partial} byte(s) of an unfinished message"
            ));
        }
        Err(ReadError::Invalid(e)) => {
            return CallOutcome::Protocol(format!("invalid MessagePack: {e}"));
        }
        Err(ReadError::Io(e)) => return io_outcome(&e),
    };
    classify(v, msgid, accept, start.elapsed())
}

struct DeadlineReader<'a, S, F> {
    stream: &'a mut S,
    start: Instant,
    timeout: Duration,
    set_timeout: &'a mut F,
}

impl<S: Read + Write, F: FnMut(&mut S, Duration) -> io::Result<()>> Read
    for DeadlineReader<'_, S, F>
{
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.timeout.saturating_sub(self.start.elapsed());
        if left.is_zero() {
            return Err(io::Error::from(io::ErrorKind::TimedOut));
        }
        (self.set_timeout)(self.stream, left)?;
        let n = self.stream.read(out)?;
        if n > 0 && self.start.elapsed() > self.timeout {
            // Bytes that came after the deadline (a caller's socket timeout was longer).
            return Err(io::Error::from(io::ErrorKind::TimedOut));
        }
        Ok(n)
    }
}

fn io_outcome(e: &io::Error) -> CallOutcome {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => CallOutcome::Timeout,
        io::ErrorKind::ConnectionRefused => CallOutcome::NotListening,
        _ => CallOutcome::Transport(e.to_string()),
    }
}

fn classify(v: Value, msgid: u32, accept: &[u32], elapsed: Duration) -> CallOutcome {
    match Message::from_value(&v) {
        Ok(Message::Response(r)) => {
            if !accept.contains(&r.msgid) {
                CallOutcome::StaleReply {
                    expected: msgid,
                    got: r.msgid,
                }
            } else if !r.error.is_nil() {
                CallOutcome::M4Error { error: r.error }
            } else {
                CallOutcome::Answered {
                    result: r.result,
                    elapsed,
                }
            }
        }
        Ok(Message::Request(r)) => CallOutcome::Protocol(format!(
            "expected a response, got a request for '{}'",
            r.method
        )),
        Ok(Message::Notification(n)) => CallOutcome::Protocol(format!(
            "expected a response, got a notification '{}'",
            n.method
        )),
        Err(e) => CallOutcome::Protocol(e.to_string()),
    }
}

/// Send a notification (fire and forget) over a new connection; m4-proxy closes it at once.
pub fn notify(addr: SocketAddr, method: &str, params: Vec<Value>) -> io::Result<()> {
    notify_with(addr, method, params, &CallOptions::default())
}

/// [`notify`] with explicit timeouts.
pub fn notify_with(
    addr: SocketAddr,
    method: &str,
    params: Vec<Value>,
    opts: &CallOptions,
) -> io::Result<()> {
    let bytes = dialect::notification_bytes(method, &params)
        .map_err(|r| io::Error::new(io::ErrorKind::InvalidInput, r.to_string()))?;
    let mut s = TcpStream::connect_timeout(&addr, opts.connect_timeout)?;
    s.set_write_timeout(Some(opts.timeout))?;
    s.write_all(&bytes)?;
    s.flush()?;
    let _ = s.shutdown(std::net::Shutdown::Write);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Through the board connection

/// m4-proxy.service as `systemctl show` reports it (readable without root).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyState {
    pub main_pid: u32,
    pub restarts: Option<u32>,
    pub active: String,
    pub sub: String,
    pub result: String,
}

impl ProxyState {
    /// Parse `systemctl show -p MainPID,NRestarts,ActiveState,SubState,Result m4-proxy`.
    pub fn parse(text: &str) -> ProxyState {
        let mut st = ProxyState::default();
        for l in text.lines() {
            let Some((k, v)) = l.trim().split_once('=') else {
                continue;
            };
            match k {
                "MainPID" => st.main_pid = v.parse().unwrap_or(0),
                "NRestarts" => st.restarts = v.parse().ok(),
                "ActiveState" => st.active = v.to_string(),
                "SubState" => st.sub = v.to_string(),
                "Result" => st.result = v.to_string(),
                _ => {}
            }
        }
        st
    }

    /// `active/running` and the like.
    pub fn describe(&self) -> String {
        format!("{}/{}", self.active, self.sub)
    }

    /// Whether systemd gave up restarting it (`StartLimitBurst=10` in 120 s).
    pub fn start_limit_hit(&self) -> bool {
        self.result == "start-limit-hit"
    }

    /// Whether the process that was `self` is gone after a call: another pid, a restart
    /// pending or done, or the start limit hit.
    pub fn crashed_since(&self, before: &ProxyState) -> bool {
        if before.main_pid == 0 {
            return false; // it was not running: nothing to crash
        }
        self.main_pid != before.main_pid
            || matches!(self.active.as_str(), "activating" | "failed")
            || matches!((self.restarts, before.restarts), (Some(a), Some(b)) if a > b)
    }
}

/// The command that reads [`ProxyState`].
pub const PROXY_STATE_CMD: &str = concat!(
    "systemctl show -p MainPID,NRestarts,ActiveState,SubState,Result ",
    crate::board::facts::m4_proxy_unit!()
);

/// Read m4-proxy's state on the board (`None` when the command cannot run).
pub fn m4_proxy_state(board: &Board) -> Option<ProxyState> {
    let o = board
        .run(
            &crate::board::cmd::Cmd::fixed(PROXY_STATE_CMD),
            Some(Duration::from_secs(5)),
        )
        .ok()?;
    let st = ProxyState::parse(&o.stdout_text());
    (!st.active.is_empty()).then_some(st)
}

/// Call `method` on m4-proxy's port 5001 through the board connection, once (retrying
/// once on a stale reply). A stream that closes at once without a byte is nothing
/// listening (m4-proxy itself always waits 1 s for the M4 before its silent close) —
/// unless m4-proxy's process changed across the call: then it crashed on it
/// ([`CallOutcome::ProxyCrashed`]; systemd's state is read before and after the call).
pub fn call_board(
    board: &Board,
    method: &str,
    params: Vec<Value>,
    timeout: Duration,
) -> CallOutcome {
    // Refuse before anything happens on the board.
    if let Err(r) = dialect::request_bytes(0, method, &params) {
        return CallOutcome::Refused(r);
    }
    let before = m4_proxy_state(board);
    let o = call_board_once(board, method, params.clone(), timeout);
    if !matches!(
        o,
        CallOutcome::NoAnswer { .. } | CallOutcome::NotListening | CallOutcome::Timeout
    ) {
        return o;
    }
    let Some(before) = before else {
        return o;
    };
    if before.main_pid == 0
        && (before.start_limit_hit()
            || (before.active == "activating" && before.sub == "auto-restart"))
    {
        return CallOutcome::ProxyDown {
            state: before.describe(),
            gave_up: before.start_limit_hit(),
        };
    }
    // systemd notices the exit a moment after the socket closes: look a few times.
    for i in 0..5 {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
        let Some(after) = m4_proxy_state(board) else {
            return o;
        };
        if after.crashed_since(&before) {
            return CallOutcome::ProxyCrashed {
                method: method.to_string(),
                args: params.len(),
                state: after.describe(),
                restarts: after.restarts,
                gave_up: after.start_limit_hit(),
            };
        }
        if matches!(o, CallOutcome::NoAnswer { elapsed } if elapsed >= Duration::from_millis(900)) {
            return o; // m4-proxy's own 1 s silent close: it is alive
        }
    }
    o
}

fn call_board_once(
    board: &Board,
    method: &str,
    params: Vec<Value>,
    timeout: Duration,
) -> CallOutcome {
    // m4-proxy hands a late reply to the next request. A retry reuses the first attempt's
    // msgid: the reply it then reads (usually the answer to the first attempt, pushed one
    // place back in the queue) is an answer to this very call either way.
    let msgid = next_msgid();
    let mut last = CallOutcome::Timeout;
    for _ in 0..2 {
        let mut s = match board.connect_port(crate::board::facts::M4_PROXY_CALL_PORT) {
            Ok(s) => s,
            Err(BoardError::Refused { .. }) => return CallOutcome::NotListening,
            Err(e) => return CallOutcome::Transport(e.to_string()),
        };
        s.set_read_timeout_to(Some(timeout));
        let opts = CallOptions {
            timeout,
            msgid: Some(msgid),
            ..CallOptions::default()
        };
        let o = call_on_stream(&mut s, method, params.clone(), &opts);
        s.shutdown_both();
        match o {
            CallOutcome::NoAnswer { elapsed } if elapsed < Duration::from_millis(500) => {
                return CallOutcome::NotListening;
            }
            CallOutcome::StaleReply { .. } => last = o,
            other => return other,
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::message::Request;
    use crate::rpc::message::Response;
    use crate::rpc::msgpack::encode;
    use std::net::TcpListener;
    use std::thread;

    /// A one-shot server: accepts one connection, reads one message, then runs `reply`.
    fn one_shot(reply: impl FnOnce(&mut TcpStream, Request) + Send + 'static) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let v = read_value(&mut s, &mut Vec::new()).unwrap();
            let Ok(Message::Request(r)) = Message::from_value(&v) else {
                panic!("not a request")
            };
            reply(&mut s, r);
        });
        addr
    }

    #[test]
    fn msgids_unique_nonzero() {
        let a = next_msgid();
        let b = next_msgid();
        assert_ne!(a, 0);
        assert_ne!(a, b);
    }

    #[test]
    fn answered() {
        let addr = one_shot(|s, r| {
            assert_eq!(r.method, "temperature");
            s.write_all(&Response::ok(r.msgid, Value::UInt(100)).encode())
                .unwrap();
        });
        let o = call(addr, "temperature", vec![], &CallOptions::default());
        assert_eq!(o.result(), Some(&Value::UInt(100)), "{o}");
        assert_eq!(o.kind(), "answered");
    }

    #[test]
    fn m4_error() {
        let addr = one_shot(|s, r| {
            s.write_all(&Response::err(r.msgid, Value::from("nope")).encode())
                .unwrap();
        });
        let o = call(addr, "x", vec![], &CallOptions::default());
        assert_eq!(
            o,
            CallOutcome::M4Error {
                error: Value::from("nope")
            }
        );
    }

    #[test]
    fn no_answer() {
        let addr = one_shot(|_s, _r| {});
        let o = call(addr, "x", vec![], &CallOptions::default());
        assert_eq!(o.kind(), "no_answer", "{o}");
    }

    #[test]
    fn not_listening() {
        let addr = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        assert_eq!(
            call(addr, "x", vec![], &CallOptions::default()),
            CallOutcome::NotListening
        );
        assert!(notify(addr, "x", vec![]).is_err());
    }

    #[test]
    fn stale_reply() {
        let addr = one_shot(|s, r| {
            s.write_all(&Response::ok(r.msgid.wrapping_add(7), Value::UInt(1)).encode())
                .unwrap();
        });
        let opts = CallOptions {
            msgid: Some(41),
            ..CallOptions::default()
        };
        assert_eq!(
            call(addr, "x", vec![], &opts),
            CallOutcome::StaleReply {
                expected: 41,
                got: 48
            }
        );
    }

    #[test]
    fn timeout() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let addr = one_shot(move |_s, _r| {
            let _ = rx.recv_timeout(Duration::from_secs(5));
        });
        let opts = CallOptions {
            timeout: Duration::from_millis(300),
            ..CallOptions::default()
        };
        let t = Instant::now();
        assert_eq!(call(addr, "x", vec![], &opts), CallOutcome::Timeout);
        assert!(t.elapsed() < Duration::from_secs(2));
        let _ = tx.send(());
    }

    #[test]
    fn protocol_garbage_and_truncation() {
        let addr = one_shot(|s, _r| {
            s.write_all(&[0xc1, 1, 2]).unwrap();
        });
        assert_eq!(
            call(addr, "x", vec![], &CallOptions::default()).kind(),
            "protocol"
        );
        let addr = one_shot(|s, _r| {
            s.write_all(&[0x94, 0x01]).unwrap();
        });
        assert_eq!(
            call(addr, "x", vec![], &CallOptions::default()).kind(),
            "protocol"
        );
        let addr = one_shot(|s, _r| {
            s.write_all(&encode(&Value::from("hello"))).unwrap();
        });
        assert_eq!(
            call(addr, "x", vec![], &CallOptions::default()).kind(),
            "protocol"
        );
        let addr = one_shot(|s, _r| {
            s.write_all(&Request::new(1, "back", vec![]).encode())
                .unwrap();
        });
        assert_eq!(
            call(addr, "x", vec![], &CallOptions::default()).kind(),
            "protocol"
        );
    }

    #[test]
    fn on_stream() {
        let addr = one_shot(|s, r| {
            s.write_all(&Response::ok(r.msgid, Value::UInt(200)).encode())
                .unwrap();
        });
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let o = call_on_stream(&mut s, "humidity", vec![], &CallOptions::default());
        assert_eq!(o.result(), Some(&Value::UInt(200)));

        // A closed stream with no reply.
        let addr = one_shot(|_s, _r| {});
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let o = call_on_stream(&mut s, "x", vec![], &CallOptions::default());
        assert_eq!(o.kind(), "no_answer");
    }

    #[test]
    fn on_stream_timeout_from_socket_timeout() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let addr = one_shot(move |_s, _r| {
            let _ = rx.recv_timeout(Duration::from_secs(5));
        });
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let t = Instant::now();
        let o = call_on_stream(&mut s, "x", vec![], &CallOptions::default());
        assert_eq!(o, CallOutcome::Timeout);
        assert!(t.elapsed() < Duration::from_secs(2));
        let _ = tx.send(());
    }

    #[test]
    fn display_and_kinds() {
        let mut all = vec![CallOutcome::Answered {
            result: Value::UInt(1),
            elapsed: Duration::from_millis(3),
        }];
        // One of each kind: the answer, then the first seven unanswered ones.
        all.extend(unanswered().into_iter().take(7));
        let kinds: std::collections::BTreeSet<_> = all.iter().map(|o| o.kind()).collect();
        assert_eq!(
            all[0].to_json(),
            serde_json::json!({"kind": "answered", "message": "answered 1 in 3 ms", "result": 1, "elapsed_ms": 3})
        );
        assert_eq!(all[4].to_json()["got"], 2);
        assert_eq!(all[1].to_json()["error"], "e");
        assert_eq!(kinds.len(), all.len());
        for o in &all {
            assert!(!o.to_string().is_empty());
            assert_eq!(miette::Diagnostic::help(o).is_none(), o.is_answered());
        }
    }

    /// Every outcome but an answer, the crash and down ones in both their forms.
    fn unanswered() -> Vec<CallOutcome> {
        vec![
            CallOutcome::M4Error {
                error: Value::Str("e".into()),
            },
            CallOutcome::NoAnswer {
                elapsed: Duration::from_millis(1000),
            },
            CallOutcome::NotListening,
            CallOutcome::StaleReply {
                expected: 1,
                got: 2,
            },
            CallOutcome::Timeout,
            CallOutcome::Protocol("p".into()),
            CallOutcome::Transport("t".into()),
            CallOutcome::Refused(Refusal::Nil {
                path: "argument 1".into(),
            }),
            CallOutcome::ProxyDown {
                state: "failed/failed".into(),
                gave_up: true,
            },
            CallOutcome::ProxyDown {
                state: "activating/auto-restart".into(),
                gave_up: false,
            },
            CallOutcome::ProxyCrashed {
                method: "m".into(),
                args: 0,
                state: "failed/failed".into(),
                restarts: Some(10),
                gave_up: true,
            },
            CallOutcome::ProxyCrashed {
                method: "m".into(),
                args: 0,
                state: "active/running".into(),
                restarts: Some(1),
                gave_up: false,
            },
        ]
    }

    #[test]
    fn every_unanswered_outcome_has_a_code_and_a_help() {
        let all = unanswered();
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("rpc", &dyns);
        // The code is the --json kind under x8ctl::rpc.
        for o in &all {
            assert_eq!(
                crate::code_of(o).unwrap(),
                format!("x8ctl::rpc::{}", o.kind())
            );
        }
        assert_ne!(crate::help_of(&all[8]), crate::help_of(&all[9]));
        assert_ne!(crate::help_of(&all[10]), crate::help_of(&all[11]));
        let answered = CallOutcome::Answered {
            result: Value::Nil,
            elapsed: Duration::ZERO,
        };
        assert!(miette::Diagnostic::help(&answered).is_none());
    }
}
