//! m4-proxy (ports 5000 and 5001) and the simulated M4 running the tutorial's sketch.
//!
//! Modelled on the real Go proxy (`arduino/portentax8-m4-proxy` `proxy/main.go`, see the
//! facts file §2):
//!
//! * **Call port (board 5001)**, [`M4Proxy::call_addr`]: reads ONE MessagePack object per
//!   connection and forwards it (re-packed) to the M4. For a request it then waits up to
//!   [`M4_WAIT`] (1 s) on a queue of responses that is **shared by all connections**, writes
//!   whatever response comes first (the msgid is not checked, so a late reply goes to the
//!   next request), or on timeout closes the connection without writing a byte. A
//!   notification is forwarded and the connection closed at once. Anything else (a
//!   response, a value that is not an RPC message, bytes that are not MessagePack) is
//!   logged and the connection closed without a reply.
//! * **Register port (board 5000)**, [`M4Proxy::register_addr`]: a MessagePack-RPC server
//!   (several requests per connection) with one method, `register(port, [names])`, which
//!   stores `name → port` in an in-memory map (later registrations overwrite), returns `""`
//!   and logs `Registering service on port  <p>  with functions  map[a:5002 b:5002]` (Go's
//!   `fmt.Println` spacing; the whole map, sorted by key as Go prints maps).
//!   Errors (texts chosen here; the real resolver's wording is not verified):
//!   an unknown method → error `"method not found: <name>"`; a wrong number of arguments →
//!   msgpack-rpc-go's `"The number of the given arguments (<n>) doesn't match the arity (2)"`;
//!   arguments of the wrong type → `"register: expected (port uint, names []string)"`.
//! * **The simulated M4** runs the tutorial's `rpc-sensors` sketch: `temperature` → 100,
//!   `humidity` → 200, `pressure` → 300, `gas` → 400, `altitude` → 500 (integers, no
//!   arguments). It handles one message at a time, like the real M4. Errors follow rpclib's
//!   dispatcher wording: an unbound method →
//!   `"rpclib: server could not find function '<name>' with argument count <n>."`; a bound
//!   method called with arguments →
//!   `"rpclib: function '<name>' was called with an invalid number of arguments. Expected: 0, got: <n>"`
//!   (the second text is an approximation). Notifications are accepted and ignored.
//!   With [`Fault::M4Silent`] active (checked for each message, so it can be toggled at run
//!   time) the M4 never answers.
//! * **Test-only knob** (not on a real board): the simulated M4 also binds
//!   `x8sim_sleep_ms(ms)`, which answers `ms` after sleeping `ms` milliseconds (capped at
//!   10 000). Called with more than 1000 it gives a silent close, and its reply then sits in
//!   the shared queue and is handed to the next request: the stale-reply case, end to end.
//! * **Upstream mode** (`upstream = Some("host:port")`): the call port forwards each message
//!   to that MessagePack-RPC server instead of the simulated M4 (a new connection per
//!   message), reads one response with the same 1 s rule and relays it; late replies are
//!   dropped with that connection. `Fault::M4Silent` applies there too (nothing forwarded).
//! * **M4 → Linux** (Go: `chardevListener`): when the M4 calls or notifies a function, the
//!   proxy looks its port up in the register map, dials the board's localhost at that port
//!   ([`M4Proxy::set_port_resolver`]; default `127.0.0.1:<port>`), writes the message and,
//!   for a request, reads one reply (first bytes within [`LINUX_FIRST_BYTE_WAIT`] (the real
//!   proxy waits forever), then [`LINUX_NEXT_BYTES_WAIT`] as the real one) and hands it to
//!   the M4. Unregistered names are dropped silently. The tutorial sketch never calls Linux
//!   (its `Serial` output, `tty` notifications through SerialRPC, is not modelled), so two
//!   more **test-only knobs** trigger it: `x8sim_call_linux(name[, [params]])` makes the M4
//!   call `name` on Linux and answer with that call's result (or its error, or an error
//!   `"x8sim_call_linux: no reply from Linux for '<name>' ..."`), and
//!   `x8sim_notify_linux(name[, [params]])` sends a notification and answers nil.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::faults::{Fault, Faults};
use crate::rpcwire::{
    Acceptor, ConnHandler, Handler, Message, ReadError, Value, encode, read_value, serve_connection,
};

/// How long m4-proxy waits for the M4's reply before closing the connection silently.
pub const M4_WAIT: Duration = Duration::from_secs(1);
/// The method name of the test-only "answer late" knob.
pub const SLEEP_METHOD: &str = "x8sim_sleep_ms";
/// Test-only knob: the simulated M4 calls a registered Linux function.
pub const CALL_LINUX_METHOD: &str = "x8sim_call_linux";
/// Test-only knob: the simulated M4 sends a notification to a registered Linux function.
pub const NOTIFY_LINUX_METHOD: &str = "x8sim_notify_linux";
/// Longest sleep `x8sim_sleep_ms` accepts (ms).
pub const SLEEP_MAX_MS: u64 = 10_000;
/// Capacity of the shared response queue (Go: `make(chan []byte, 1024)`).
const QUEUE_CAP: usize = 1024;

type Log = Arc<dyn Fn(String) + Send + Sync>;

/// Stop flag with a condition variable, so waits end at once on stop.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    cv: Condvar,
}

impl Stop {
    fn set(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cv.notify_all();
    }
    /// Sleep `d` unless stopped first; true if stopped.
    fn sleep(&self, d: Duration) -> bool {
        let g = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (g, _) = self
            .cv
            .wait_timeout_while(g, d, |s| !*s)
            .unwrap_or_else(|e| e.into_inner());
        *g
    }
}

/// The shared response channel between the chardev reader and the 5001 handlers.
struct RespQueue {
    q: Mutex<(VecDeque<Vec<u8>>, bool)>, // (responses, stopped)
    cv: Condvar,
}

impl RespQueue {
    fn new() -> RespQueue {
        RespQueue {
            q: Mutex::new((VecDeque::new(), false)),
            cv: Condvar::new(),
        }
    }
    /// Queue a response; false if the queue is full (it is dropped).
    fn push(&self, bytes: Vec<u8>) -> bool {
        let mut g = self.q.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.len() >= QUEUE_CAP {
            return false;
        }
        g.0.push_back(bytes);
        self.cv.notify_one();
        true
    }
    /// The next response, waiting up to `d`; `None` on timeout or stop.
    fn pop(&self, d: Duration) -> Option<Vec<u8>> {
        let g = self.q.lock().unwrap_or_else(|e| e.into_inner());
        let (mut g, _) = self
            .cv
            .wait_timeout_while(g, d, |(q, stopped)| q.is_empty() && !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        if g.1 {
            return None;
        }
        g.0.pop_front()
    }
    fn stop(&self) {
        self.q.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.cv.notify_all();
    }
}

enum ToM4 {
    Msg(Message),
    Quit,
}

/// Where the call port sends messages.
enum Backend {
    /// The simulated M4 thread, through the "chardev".
    Sim(Mutex<mpsc::Sender<ToM4>>),
    /// An external MessagePack-RPC server.
    Upstream(String),
}

struct CallCtx {
    faults: Arc<Faults>,
    log: Log,
    backend: Backend,
    queue: Arc<RespQueue>,
    stop: Arc<Stop>,
}

/// m4-proxy with the simulated M4 behind it. See the module documentation.
pub struct M4Proxy {
    call: Acceptor,
    register: Acceptor,
    registrations: Arc<Mutex<BTreeMap<String, u16>>>,
    linux: Arc<LinuxSide>,
    m4_tx: Option<mpsc::Sender<ToM4>>,
    m4_thread: Option<JoinHandle<()>>,
    queue: Arc<RespQueue>,
    stop: Arc<Stop>,
}

impl M4Proxy {
    /// Start m4-proxy on two loopback ports (127.0.0.1:0) and, unless `upstream` is given,
    /// the simulated M4. `log` receives the proxy's log lines (its journal).
    pub fn start(
        faults: Arc<Faults>,
        upstream: Option<String>,
        log: Arc<dyn Fn(String) + Send + Sync>,
    ) -> io::Result<M4Proxy> {
        let call_l = TcpListener::bind("127.0.0.1:0")?;
        let reg_l = TcpListener::bind("127.0.0.1:0")?;
        let queue = Arc::new(RespQueue::new());
        let stop = Arc::new(Stop::default());
        let registrations = Arc::new(Mutex::new(BTreeMap::new()));
        let default_resolver: PortResolver =
            Arc::new(|p| Some(SocketAddr::from(([127, 0, 0, 1], p))));
        let linux = Arc::new(LinuxSide {
            regs: registrations.clone(),
            resolver: Mutex::new(default_resolver),
            next_id: std::sync::atomic::AtomicU32::new(1),
            log: log.clone(),
        });

        let (m4_tx, m4_thread, backend) = match upstream {
            Some(u) => (None, None, Backend::Upstream(u)),
            None => {
                let (tx, rx) = mpsc::channel();
                let q = queue.clone();
                let f = faults.clone();
                let lg = log.clone();
                let st = stop.clone();
                let lx = linux.clone();
                let t = thread::Builder::new()
                    .name("sim-m4".into())
                    .spawn(move || run_m4(rx, q, f, lg, st, lx))?;
                (Some(tx.clone()), Some(t), Backend::Sim(Mutex::new(tx)))
            }
        };

        let ctx = Arc::new(CallCtx {
            faults,
            log: log.clone(),
            backend,
            queue: queue.clone(),
            stop: stop.clone(),
        });
        let call_handler: ConnHandler = Arc::new(move |s| handle_call(s, &ctx));
        let regs = registrations.clone();
        let reg_handler: Handler = Arc::new(move |m, p| register_method(m, p, &regs, &log));
        let reg_conn: ConnHandler = Arc::new(move |s| serve_connection(s, &reg_handler));
        Ok(M4Proxy {
            call: Acceptor::spawn(call_l, call_handler)?,
            register: Acceptor::spawn(reg_l, reg_conn)?,
            registrations,
            linux,
            m4_tx,
            m4_thread,
            queue,
            stop,
        })
    }

    /// The address standing for the board's port 5001 (calls into the M4).
    pub fn call_addr(&self) -> SocketAddr {
        self.call.local_addr()
    }

    /// The address standing for the board's port 5000 (`register`).
    pub fn register_addr(&self) -> SocketAddr {
        self.register.local_addr()
    }

    /// The registered functions, `(name, port)`, sorted by name.
    pub fn registrations(&self) -> Vec<(String, u16)> {
        self.registrations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Set how the proxy reaches a registered port when the M4 calls Linux (the board's
    /// localhost). The default is `127.0.0.1:<port>`; the simulator passes its port map.
    pub fn set_port_resolver(&self, resolver: PortResolver) {
        *self
            .linux
            .resolver
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = resolver;
    }

    /// Close both ports (connecting afterwards is refused), end every connection and the
    /// simulated M4, and join all threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.set();
        self.queue.stop();
        self.call.stop();
        self.register.stop();
        if let Some(tx) = self.m4_tx.take() {
            let _ = tx.send(ToM4::Quit);
        }
        if let Some(t) = self.m4_thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for M4Proxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `register(port, [names])` on port 5000.
fn register_method(
    method: &str,
    params: &[Value],
    regs: &Mutex<BTreeMap<String, u16>>,
    log: &Log,
) -> Result<Value, Value> {
    if method != "register" {
        return Err(Value::from(format!("method not found: {method}")));
    }
    if params.len() != 2 {
        return Err(Value::from(format!(
            "The number of the given arguments ({}) doesn't match the arity (2)",
            params.len()
        )));
    }
    let bad = || Value::from("register: expected (port uint, names []string)");
    let port = params[0]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(bad)?;
    let names: Vec<String> = params[1]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|n| {
            n.as_slice()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        })
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let line = {
        let mut m = regs.lock().unwrap_or_else(|e| e.into_inner());
        for n in names {
            m.insert(n, port);
        }
        let entries: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        format!(
            "Registering service on port  {port}  with functions  map[{}]",
            entries.join(" ")
        )
    };
    log(line);
    Ok(Value::from(""))
}

/// One connection on port 5001.
fn handle_call(mut s: TcpStream, ctx: &CallCtx) {
    let _ = s.set_nodelay(true);
    let v = match read_value(&mut s) {
        Ok(v) => v,
        Err(ReadError::Eof { partial: 0 }) => return,
        Err(e) => {
            (ctx.log)(format!("m4-proxy: bad message on the call port: {e}"));
            return;
        }
    };
    let msg = match Message::from_value(&v) {
        Ok(m) => m,
        Err(e) => {
            (ctx.log)(format!("m4-proxy: {e}"));
            return;
        }
    };
    match msg {
        Message::Request { .. } => {
            let reply = match &ctx.backend {
                Backend::Sim(tx) => {
                    let sent = tx
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .send(ToM4::Msg(msg))
                        .is_ok();
                    if sent { ctx.queue.pop(M4_WAIT) } else { None }
                }
                Backend::Upstream(u) => {
                    if ctx.faults.has(Fault::M4Silent) {
                        ctx.stop.sleep(M4_WAIT);
                        None
                    } else {
                        forward_upstream(u, &encode(&v), true, ctx)
                    }
                }
            };
            if let Some(bytes) = reply {
                let _ = s.write_all(&bytes);
            }
        }
        Message::Notification { .. } => match &ctx.backend {
            Backend::Sim(tx) => {
                let _ = tx
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .send(ToM4::Msg(msg));
            }
            Backend::Upstream(u) => {
                if !ctx.faults.has(Fault::M4Silent) {
                    let _ = forward_upstream(u, &encode(&v), false, ctx);
                }
            }
        },
        Message::Response { .. } => {
            (ctx.log)("m4-proxy: unexpected response on the call port".to_string());
        }
    }
    // Dropping `s` closes the connection (silently when nothing was written).
}

/// Send `bytes` to the upstream server; for a request, read one value within 1 s of sending.
fn forward_upstream(
    upstream: &str,
    bytes: &[u8],
    want_reply: bool,
    ctx: &CallCtx,
) -> Option<Vec<u8>> {
    let result = (|| -> io::Result<Option<Vec<u8>>> {
        let addr = upstream
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
        let mut u = TcpStream::connect_timeout(&addr, M4_WAIT)?;
        let start = Instant::now();
        u.write_all(bytes)?;
        if !want_reply {
            return Ok(None);
        }
        let mut reader = TimedRead {
            s: &mut u,
            deadline: start + M4_WAIT,
        };
        match read_value(&mut reader) {
            Ok(v) => Ok(Some(encode(&v))),
            Err(ReadError::Io(e)) => Err(e),
            Err(e) => Err(io::Error::other(e.to_string())),
        }
    })();
    match result {
        Ok(r) => r,
        Err(e) => {
            if !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                (ctx.log)(format!("m4-proxy: upstream {upstream}: {e}"));
            }
            None
        }
    }
}

struct TimedRead<'a> {
    s: &'a mut TcpStream,
    deadline: Instant,
}

impl io::Read for TimedRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.s.set_read_timeout(Some(left))?;
        self.s.read(buf)
    }
}

/// The simulated M4: one message at a time, answers into the shared queue.
fn run_m4(
    rx: mpsc::Receiver<ToM4>,
    queue: Arc<RespQueue>,
    faults: Arc<Faults>,
    log: Log,
    stop: Arc<Stop>,
    linux: Arc<LinuxSide>,
) {
    while let Ok(ToM4::Msg(msg)) = rx.recv() {
        let Message::Request {
            msgid,
            method,
            params,
        } = msg
        else {
            continue; // notifications: nothing bound that takes them
        };
        if faults.has(Fault::M4Silent) {
            continue;
        }
        let n = params.len();
        let not_found = || {
            Err(Value::from(format!(
                "rpclib: server could not find function '{}' with argument count {n}.",
                method
            )))
        };
        let result: Result<Value, Value> = match method.as_str() {
            "temperature" | "humidity" | "pressure" | "gas" | "altitude" if n != 0 => {
                Err(Value::from(format!(
                    "rpclib: function '{}' was called with an invalid number of arguments. Expected: 0, got: {n}",
                    method
                )))
            }
            "temperature" => Ok(Value::from(100u64)),
            "humidity" => Ok(Value::from(200u64)),
            "pressure" => Ok(Value::from(300u64)),
            "gas" => Ok(Value::from(400u64)),
            "altitude" => Ok(Value::from(500u64)),
            SLEEP_METHOD if n == 1 && params[0].as_u64().is_some() => {
                let ms = params[0].as_u64().unwrap_or(0).min(SLEEP_MAX_MS);
                if stop.sleep(Duration::from_millis(ms)) {
                    return;
                }
                Ok(Value::from(ms))
            }
            CALL_LINUX_METHOD | NOTIFY_LINUX_METHOD if (1..=2).contains(&n) => {
                match (params[0].as_str(), params.get(1)) {
                    (Some(name), None) => linux.m4_calls(&method, name, Vec::new()),
                    (Some(name), Some(Value::Array(a))) => linux.m4_calls(&method, name, a.clone()),
                    _ => not_found(),
                }
            }
            _ => not_found(),
        };
        if !queue.push(Message::reply(msgid, result).encode()) {
            log("m4-proxy: response queue full, dropping a reply from the M4".to_string());
        }
    }
}

/// Where the board's localhost port `p` really is (the simulator maps board ports to
/// loopback addresses); `None` when nothing listens there.
pub type PortResolver = Arc<dyn Fn(u16) -> Option<SocketAddr> + Send + Sync>;

/// How long the proxy waits for the first byte of a Linux server's reply. The real proxy
/// has no limit (a silent server blocks its chardev loop); the simulator caps it so that
/// stopping never hangs.
pub const LINUX_FIRST_BYTE_WAIT: Duration = Duration::from_secs(2);
/// The real proxy's read deadline after the first byte of a Linux server's reply.
pub const LINUX_NEXT_BYTES_WAIT: Duration = Duration::from_millis(100);

/// The proxy's M4 → Linux side (Go: `chardevListener`): registered functions and how to
/// reach their ports.
struct LinuxSide {
    regs: Arc<Mutex<BTreeMap<String, u16>>>,
    resolver: Mutex<PortResolver>,
    next_id: std::sync::atomic::AtomicU32,
    log: Log,
}

impl LinuxSide {
    /// The M4 calls (or notifies) `name` on Linux through the proxy, as a sketch's
    /// `RPC.call(name, ...)` / `RPC.send(name, ...)` would.
    fn m4_calls(&self, knob: &str, name: &str, params: Vec<Value>) -> Result<Value, Value> {
        let notify = knob == NOTIFY_LINUX_METHOD;
        let msg = if notify {
            Message::notification(name, params)
        } else {
            let id = self
                .next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Message::request(id, name, params)
        };
        match self.deliver(name, &msg) {
            Some(Message::Response { error, result, .. }) if error.is_nil() => Ok(result),
            Some(Message::Response { error, .. }) => Err(error),
            _ if notify => Ok(Value::Nil),
            _ => Err(Value::from(format!(
                "{knob}: no reply from Linux for '{name}' (not registered, nothing listening, or no answer)"
            ))),
        }
    }

    /// Send `msg` to the port registered for `name`; for a request, read the reply.
    /// Unregistered names and unreachable ports drop the message silently, as Go's proxy
    /// does (it dials ":0").
    fn deliver(&self, name: &str, msg: &Message) -> Option<Message> {
        let port = *self
            .regs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)?;
        let resolver = self
            .resolver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let addr = resolver(port)?;
        let mut s = match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => s,
            Err(e) => {
                (self.log)(format!(
                    "m4-proxy: cannot reach ':{port}' for '{name}': {e}"
                ));
                return None;
            }
        };
        s.write_all(&msg.encode()).ok()?;
        if !matches!(msg, Message::Request { .. }) {
            return None;
        }
        let mut r = FirstByteRead {
            s: &mut s,
            started: false,
        };
        let v = read_value(&mut r).ok()?;
        Message::from_value(&v).ok()
    }
}

/// Reads a Linux server's reply with the proxy's deadlines: a long one for the first
/// bytes, then [`LINUX_NEXT_BYTES_WAIT`].
struct FirstByteRead<'a> {
    s: &'a mut TcpStream,
    started: bool,
}

impl io::Read for FirstByteRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let wait = if self.started {
            LINUX_NEXT_BYTES_WAIT
        } else {
            LINUX_FIRST_BYTE_WAIT
        };
        self.s.set_read_timeout(Some(wait))?;
        let n = self.s.read(buf)?;
        self.started = true;
        Ok(n)
    }
}
