//! m4-proxy (ports 5000 and 5001) and the simulated M4, as they are on the board.
//!
//! Evidence: `real-board-evidence.md` §2 and the upstream sources it pins —
//! arduino/portentax8-m4-proxy 51a9327 `proxy/main.go` and `rpc/server.go`,
//! facchinm/msgpack-go 313ca45 `unpack.go`/`pack.go` (m4-proxy's codec), ArduinoCore-mbed
//! b4ad4e7 `libraries/rpclib` (msgpack-c 2.1.5, the M4's packer) and portentax8-x8h7 c0b3550
//! (the H7 link). The codec model, with line references, is [`crate::olddialect`].
//!
//! * **Call port (board 5001)**, [`M4Proxy::call_addr`]: reads ONE message per connection
//!   with the old dialect (main.go:26-56, [`olddialect::at_5001`]). Anything newer than the
//!   2012 dialect (str8, bin16/32, ext) — and a nil, and a lone scalar — **panics the whole
//!   process** (see "Crash" below). Otherwise the message is **re-packed** (`Pack(Unpack)`:
//!   a float becomes its IEEE bits as an unsigned int, ints are normalised, a raw of 256+
//!   bytes gets a wrong length) and written to the M4 through the H7 link (a 256-byte frame:
//!   up to 248 bytes pass, 249-251 are cut, 252+ vanish; [`olddialect::h7_link`]). For a
//!   request it then waits up to [`M4_WAIT`] (1 s) on a queue of responses that is **shared
//!   by all connections** (a late reply goes to the next request), relays the M4's
//!   original bytes, or closes without a byte. A notification closes at once. Bytes that
//!   end before a value does are printed (`EOF`) and the socket is left open (main.go:28-31).
//! * **Register port (board 5000)**, [`M4Proxy::register_addr`]: msgpack-rpc-go's server
//!   (many messages per connection) whose only method is `register(port, [names])`
//!   ([`olddialect::at_5000`]). Any other method name **panics the process** (the resolver
//!   returns a zero reflect.Value); a wrong argument count gets msgpack-rpc-go's error text;
//!   a uint8/16 msgid is logged as `Invalid message format` with no reply. Each registration
//!   is logged as main.go:166 prints it.
//! * **The simulated M4** runs a [`Sketch`]: `none` never answers; the others answer
//!   through rpclib, whose replies are packed as msgpack-c packs them
//!   ([`olddialect::m4_reply`]: str8 for 32..255-byte strings). So an unbound method
//!   (`rpclib: server could not find function 'NAME' with argument count N.`), a wrong
//!   argument count (`rpclib: client error C0002: ...`) and any 32..255-byte result string
//!   **kill m4-proxy while it decodes the reply** ([`olddialect::from_m4`]); the caller sees
//!   its connection closed without an answer. With [`Fault::M4Silent`] the M4 never answers.
//! * **Crash**: Go prints `panic: <text>`, an empty line and the goroutine's stack to stderr
//!   (the journal, identifier `m4_proxy`), then exits with status 2. Both ports close, every
//!   registration is gone. [`M4Proxy::start`]'s `on_exit` tells systemd (the simulator's
//!   services), which restarts it (`Restart=on-failure`, `RestartSec=2s`).
//! * **Test-only knobs** (not on a real board), bound by every sketch that runs RPC:
//!   `x8sim_sleep_ms(ms)` answers `ms` after sleeping (capped at 10 000; above 1000 the reply
//!   lands in the shared queue for the next caller); `x8sim_call_linux(name[, [params]])` /
//!   `x8sim_notify_linux(...)` make the M4 call / notify a function registered on port 5000
//!   (main.go:58-142: m4-proxy looks the name up, dials `:PORT`, writes the M4's bytes and
//!   relays the answer; an unregistered name is dropped silently).
//! * **Upstream mode** (`upstream = Some("host:port")`): a MessagePack-RPC server stands in
//!   for the M4. It receives the re-packed message; its reply passes through the same
//!   chardev decoder (so it too can kill the proxy) and is relayed within 1 s.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rmpv::Value;

use crate::faults::{Fault, Faults};
use crate::olddialect::{self, At5000, At5001, FromM4, GoPanic, Kind5001, Link, Source, Unpack};
use crate::rpcwire::{AbortHandle, Acceptor, ConnHandler, Message, read_value};
pub use crate::sketch::Sketch;
use crate::sketch::{Answer, Bound};

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
/// Capacity of the shared response queue (Go: `make(chan []byte, 1024)`, main.go:180).
const QUEUE_CAP: usize = 1024;
/// How often a blocked read looks at the stop flag.
const READ_POLL: Duration = Duration::from_millis(100);

type Log = Arc<dyn Fn(String) + Send + Sync>;
/// Called once when the m4_proxy process ends by a panic (exit status 2).
pub type OnExit = Arc<dyn Fn(GoPanic) + Send + Sync>;

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
    fn is_set(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
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
    /// Bytes written to /dev/x8h7_ui (already re-packed by m4-proxy).
    Bytes(Vec<u8>),
    Quit,
}

/// Where the call port sends messages.
enum Backend {
    /// The simulated M4 thread, through the "chardev".
    Sim(Mutex<mpsc::Sender<ToM4>>),
    /// An external MessagePack-RPC server.
    Upstream(String),
}

/// The process: what every thread of one m4_proxy shares.
struct Proc {
    faults: Arc<Faults>,
    log: Log,
    backend: Backend,
    queue: Arc<RespQueue>,
    stop: Arc<Stop>,
    regs: Arc<Mutex<BTreeMap<String, u16>>>,
    /// Set once the process has panicked: nothing more is read, written or forwarded.
    dead: AtomicBool,
    on_exit: OnExit,
    /// Listeners to close when the process dies (filled once both are up).
    listeners: Mutex<Vec<AbortHandle>>,
    goroutines: AtomicU32,
    /// What the M4 runs (an upload can change it while m4-proxy runs).
    sketch: Mutex<Sketch>,
    /// Input that reached [`Sketch::Serial`]'s `tty`, waiting to be echoed.
    serial_in: Mutex<VecDeque<Vec<u8>>>,
}

impl Proc {
    fn alive(&self) -> bool {
        !self.dead.load(Ordering::SeqCst)
    }

    /// The Go runtime's end of the process: the panic text on stderr, exit status 2
    /// (Go 1.17 `runtime/panic.go` printpanics and fatalpanic). `where_` is the top stack frame.
    fn panic(&self, p: GoPanic, where_: &str) {
        if self.dead.swap(true, Ordering::SeqCst) {
            return;
        }
        let g = self.goroutines.fetch_add(1, Ordering::Relaxed) + 7;
        (self.log)(p.first_line());
        (self.log)(String::new());
        (self.log)(format!("goroutine {g} [running]:"));
        for l in where_.lines() {
            (self.log)(l.to_string());
        }
        self.regs.lock().unwrap_or_else(|e| e.into_inner()).clear();
        // systemd learns of the exit (SIGCHLD) before a client sees its socket close, so
        // a client that looks at the unit right after the close sees it down; and both
        // ports are closed before any connection is, so a client that connects again
        // after seeing its close is refused.
        (self.on_exit)(p);
        let handles = self
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for h in &handles {
            h.close_listener();
        }
        for h in &handles {
            h.abort();
        }
        self.stop.set();
        self.queue.stop();
    }
}

/// Top stack frames Go prints for each panic site (addresses vary on a board).
const AT_UNPACK: &str = "github.com/facchinm/msgpack-go.unpack({0x0, 0x0}, {0x0, 0x0}, 0x0)\n\t/usr/src/debug/m4-proxy/vendor/github.com/facchinm/msgpack-go/unpack.go:398 +0x9b4";
const AT_5001: &str =
    "main.handleConnection({0x0, 0x0})\n\t/usr/src/debug/m4-proxy/proxy/main.go:38 +0x2a8";
const AT_CHARDEV: &str =
    "main.chardevListener(0x0, 0x0)\n\t/usr/src/debug/m4-proxy/proxy/main.go:77 +0x1c0";
const AT_5000: &str = "github.com/msgpack-rpc/msgpack-rpc-go/rpc.(*Server).Run.func1()\n\t/usr/src/debug/m4-proxy/rpc/server.go:78 +0x1e4";

fn frame(p: &GoPanic, fallback: &'static str) -> &'static str {
    match p {
        GoPanic::UnsupportedCode(_) => AT_UNPACK,
        GoPanic::Other(_) => fallback,
    }
}

/// m4-proxy with the simulated M4 behind it. See the module documentation.
pub struct M4Proxy {
    call: Arc<Mutex<Acceptor>>,
    register: Arc<Mutex<Acceptor>>,
    call_addr: SocketAddr,
    register_addr: SocketAddr,
    proc_: Arc<Proc>,
    linux: Arc<LinuxSide>,
    m4_tx: Option<mpsc::Sender<ToM4>>,
    m4_thread: Option<JoinHandle<()>>,
}

impl M4Proxy {
    /// Start m4-proxy on two loopback ports (127.0.0.1:0) with the tutorial's sensors sketch
    /// on the M4 (or `upstream`), and nobody told when it crashes. `log` receives the
    /// process's output (its journal).
    pub fn start(
        faults: Arc<Faults>,
        upstream: Option<String>,
        log: Arc<dyn Fn(String) + Send + Sync>,
    ) -> io::Result<M4Proxy> {
        M4Proxy::start_with(faults, upstream, Sketch::Sensors, log, Arc::new(|_| {}))
    }

    /// Start m4-proxy with `sketch` on the simulated M4 (unless `upstream` is given).
    /// `on_exit` is called once, from one of the proxy's threads, when the process panics.
    pub fn start_with(
        faults: Arc<Faults>,
        upstream: Option<String>,
        sketch: Sketch,
        log: Arc<dyn Fn(String) + Send + Sync>,
        on_exit: OnExit,
    ) -> io::Result<M4Proxy> {
        let call_l = TcpListener::bind("127.0.0.1:0")?;
        let reg_l = TcpListener::bind("127.0.0.1:0")?;
        let queue = Arc::new(RespQueue::new());
        let stop = Arc::new(Stop::default());
        let regs = Arc::new(Mutex::new(BTreeMap::new()));
        let default_resolver: PortResolver =
            Arc::new(|p| Some(SocketAddr::from(([127, 0, 0, 1], p))));
        let linux = Arc::new(LinuxSide {
            regs: regs.clone(),
            resolver: Mutex::new(default_resolver),
            log: log.clone(),
        });
        let (tx, rx) = mpsc::channel();
        let backend = match &upstream {
            Some(u) => Backend::Upstream(u.clone()),
            None => Backend::Sim(Mutex::new(tx.clone())),
        };
        let proc_ = Arc::new(Proc {
            faults,
            log: log.clone(),
            backend,
            queue,
            stop,
            regs,
            dead: AtomicBool::new(false),
            on_exit,
            listeners: Mutex::new(Vec::new()),
            goroutines: AtomicU32::new(0),
            sketch: Mutex::new(sketch),
            serial_in: Mutex::new(VecDeque::new()),
        });
        let (m4_tx, m4_thread) = match upstream {
            Some(_) => (None, None),
            None => {
                let p = proc_.clone();
                let lx = linux.clone();
                let t = thread::Builder::new()
                    .name("sim-m4".into())
                    .spawn(move || run_m4(rx, &p, &lx))?;
                (Some(tx), Some(t))
            }
        };
        let p = proc_.clone();
        let call_handler: ConnHandler = Arc::new(move |s| handle_call(s, &p));
        let p = proc_.clone();
        let reg_handler: ConnHandler = Arc::new(move |s| handle_register(s, &p));
        let call = Arc::new(Mutex::new(Acceptor::spawn(call_l, call_handler)?));
        let register = Arc::new(Mutex::new(Acceptor::spawn(reg_l, reg_handler)?));
        let call_addr = call.lock().unwrap_or_else(|e| e.into_inner()).local_addr();
        let register_addr = register
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .local_addr();
        proc_
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend([
                call.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .abort_handle(),
                register
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .abort_handle(),
            ]);
        Ok(M4Proxy {
            call,
            register,
            call_addr,
            register_addr,
            proc_,
            linux,
            m4_tx,
            m4_thread,
        })
    }

    /// The address standing for the board's port 5001 (calls into the M4).
    pub fn call_addr(&self) -> SocketAddr {
        self.call_addr
    }

    /// The address standing for the board's port 5000 (`register`).
    pub fn register_addr(&self) -> SocketAddr {
        self.register_addr
    }

    /// Load another sketch into the simulated M4.
    pub fn set_sketch(&self, sketch: Sketch) {
        *self.proc_.sketch.lock().unwrap_or_else(|e| e.into_inner()) = sketch;
    }

    /// Whether the process still runs (it has not panicked).
    pub fn is_alive(&self) -> bool {
        self.proc_.alive()
    }

    /// The registered functions, `(name, port)`, sorted by name.
    pub fn registrations(&self) -> Vec<(String, u16)> {
        self.proc_
            .regs
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

    /// Run the sketch's own loop while this process lives: [`Sketch::Serial`] prints
    /// `line N` (N from `counter`, which outlives m4-proxy restarts as the M4 does) every
    /// [`crate::sketch::SERIAL_PERIOD`], then `echo: <input>` for each input, each as
    /// SerialRPC sends it: `RPC.send("tty", bytes)`, the notification `[2, "tty", [<bin8>]]`
    /// (real-board-evidence.md §2.6), which m4-proxy routes to whoever registered `tty`
    /// on port 5000, or drops when nobody did.
    pub fn start_sketch_loop(&self, counter: Arc<std::sync::atomic::AtomicU64>) {
        let p = self.proc_.clone();
        let linux = self.linux.clone();
        let _ = thread::Builder::new()
            .name("sim-m4-loop".into())
            .spawn(move || {
                loop {
                    if p.stop.sleep(crate::sketch::SERIAL_PERIOD) || !p.alive() {
                        return;
                    }
                    let sketch = p.sketch.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    if sketch != Sketch::Serial || p.faults.has(Fault::M4Silent) {
                        continue;
                    }
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    let mut out = vec![format!("line {n}\r\n").into_bytes()];
                    let inputs: Vec<Vec<u8>> = p
                        .serial_in
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .drain(..)
                        .collect();
                    for i in inputs {
                        let mut e = b"echo: ".to_vec();
                        e.extend(i.iter().copied().filter(|&b| b != b'\r' && b != b'\n'));
                        e.extend_from_slice(b"\r\n");
                        out.push(e);
                    }
                    for bytes in out {
                        let _ = linux.m4_calls(
                            &p,
                            NOTIFY_LINUX_METHOD,
                            "tty",
                            vec![Value::Binary(bytes)],
                        );
                    }
                }
            });
    }

    /// Close both ports (connecting afterwards is refused), end every connection and the
    /// simulated M4, and join all threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.proc_.stop.set();
        self.proc_.queue.stop();
        self.call.lock().unwrap_or_else(|e| e.into_inner()).stop();
        self.register
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stop();
        if let Some(tx) = self.m4_tx.take() {
            let _ = tx.send(ToM4::Quit);
        }
        if let Some(t) = self.m4_thread.take() {
            let _ = t.join();
        }
        self.proc_
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl Drop for M4Proxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Read from a connection until `f` says the bytes hold a whole value (`Some`), the peer
/// closes or the process stops (`None`, with what was read).
fn read_until<T>(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    stop: &Stop,
    mut f: impl FnMut(&[u8]) -> Option<T>,
) -> Result<T, usize> {
    let _ = s.set_read_timeout(Some(READ_POLL));
    let mut chunk = [0u8; 4096];
    loop {
        if !buf.is_empty()
            && let Some(t) = f(buf)
        {
            return Ok(t);
        }
        if stop.is_set() {
            return Err(buf.len());
        }
        match s.read(&mut chunk) {
            Ok(0) => return Err(buf.len()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return Err(buf.len()),
        }
    }
}

/// One connection on port 5001 (main.go:26-56).
fn handle_call(mut s: TcpStream, p: &Proc) {
    if !p.alive() {
        return;
    }
    let _ = s.set_nodelay(true);
    let mut buf = Vec::new();
    let at = match read_until(&mut s, &mut buf, &p.stop, |b| {
        match olddialect::at_5001(b) {
            At5001::DecodeError => None,
            other => Some(other),
        }
    }) {
        Ok(at) => at,
        Err(n) => {
            if !p.stop.is_set() {
                // main.go:28-31: fmt.Println(err); return without closing the socket.
                (p.log)(if n == 0 { "EOF" } else { "unexpected EOF" }.to_string());
                // The Go goroutine returns without Close: the socket stays open until the
                // client gives up. Hold it until stop.
                let _ = s.shutdown(std::net::Shutdown::Read);
                p.stop.sleep(Duration::from_secs(3600));
            }
            return;
        }
    };
    if !p.alive() {
        return;
    }
    let (to_m4, kind) = match at {
        At5001::DecodeError => return,
        At5001::Panic(g) => {
            let f = frame(&g, AT_5001);
            p.panic(g, f);
            return;
        }
        At5001::PanicAfterWrite { to_m4, panic } => {
            send_to_m4(p, to_m4, false);
            p.panic(panic, AT_5001);
            return;
        }
        At5001::Forward { to_m4, kind, .. } => (to_m4, kind),
    };
    let reply = send_to_m4(p, to_m4, kind == Kind5001::Request);
    if kind == Kind5001::Request
        && p.alive()
        && let Some(bytes) = reply
    {
        let _ = s.write_all(&bytes);
    }
    // Dropping `s` closes the connection (silently when nothing was written).
}

/// Write the re-packed bytes to the M4 (through the H7 link); for a request, the reply
/// within [`M4_WAIT`] (from the shared queue, or the upstream's answer).
fn send_to_m4(p: &Proc, to_m4: Vec<u8>, want_reply: bool) -> Option<Vec<u8>> {
    let bytes = match olddialect::h7_link(to_m4.len()) {
        Link::Whole => to_m4,
        // x8h7_drv.c:182: 249..251 bytes are queued but cut by the 256-byte frame [inf].
        Link::CutTo248 => to_m4[..248].to_vec(),
        // 252+: x8h7_pkt_enq fails with -ENOMEM, write() still returns len (x8h7_ui.c:96-118).
        Link::Dropped => {
            if want_reply {
                p.stop.sleep(M4_WAIT);
            }
            return None;
        }
    };
    match &p.backend {
        Backend::Sim(tx) => {
            let sent = tx
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(ToM4::Bytes(bytes))
                .is_ok();
            if sent && want_reply {
                p.queue.pop(M4_WAIT)
            } else {
                None
            }
        }
        Backend::Upstream(u) => {
            if p.faults.has(Fault::M4Silent) {
                if want_reply {
                    p.stop.sleep(M4_WAIT);
                }
                return None;
            }
            let raw = forward_upstream(u, &bytes, want_reply, p)?;
            // The stand-in's reply arrives as the M4's would: through the chardev decoder.
            chardev(p, &raw, false)
        }
    }
}

/// What m4-proxy's chardevListener does with one read() of /dev/x8h7_ui (main.go:58-142)
/// holding the M4's replies: responses go to the shared queue (`queue`) or are returned
/// (upstream mode). A panic ends the process.
fn chardev(p: &Proc, buf: &[u8], queue: bool) -> Option<Vec<u8>> {
    let (msgs, panic) = olddialect::from_m4(buf);
    let mut direct = None;
    for m in msgs {
        if let FromM4::Response(bytes) = m {
            if !queue {
                direct = Some(bytes);
            } else if !p.queue.push(bytes) {
                (p.log)("m4-proxy: response queue full".to_string());
            }
        }
    }
    if let Some(g) = panic {
        let f = frame(&g, AT_CHARDEV);
        p.panic(g, f);
        return None;
    }
    direct
}

/// Port 5000: msgpack-rpc-go's server loop (rpc/server.go:57-142), one goroutine per
/// connection, many messages each.
fn handle_register(mut s: TcpStream, p: &Proc) {
    let mut buf = Vec::new();
    loop {
        if !p.alive() {
            return;
        }
        let n = match read_until(
            &mut s,
            &mut buf,
            &p.stop,
            |b| match olddialect::unpack_from(b, Source::Port5000) {
                Ok((_, n)) => Some(Ok(n)),
                Err(Unpack::Incomplete) => None,
                Err(e) => Some(Err(e)),
            },
        ) {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                if let Some(g) = e.go_panic() {
                    p.panic(g, AT_UNPACK);
                }
                return;
            }
            Err(_) => return, // EOF: server.go:61-66 closes the connection
        };
        let msg: Vec<u8> = buf.drain(..n).collect();
        match olddialect::at_5000(&msg) {
            At5000::Incomplete => return,
            At5000::Panic(g) => {
                let f = frame(&g, AT_5000);
                p.panic(g, f);
                return;
            }
            At5000::InvalidFormat => {
                // server.go:228-231 logger, :305.
                (p.log)(format!(
                    "msgpack: {} Invalid message format",
                    go_log_time(std::time::SystemTime::now())
                ));
            }
            At5000::ErrorReply { msg, reply } => {
                (p.log)(format!(
                    "msgpack: {} {msg}",
                    go_log_time(std::time::SystemTime::now())
                ));
                if s.write_all(&reply).is_err() {
                    return;
                }
            }
            At5000::Registered { port, names, reply } => {
                let line = {
                    let mut m = p.regs.lock().unwrap_or_else(|e| e.into_inner());
                    for n in names {
                        m.insert(String::from_utf8_lossy(&n).into_owned(), port as u16);
                    }
                    let table: BTreeMap<String, u64> =
                        m.iter().map(|(k, v)| (k.clone(), *v as u64)).collect();
                    olddialect::register_log_line(port, &table)
                };
                (p.log)(line);
                if let Some(r) = reply
                    && s.write_all(&r).is_err()
                {
                    return;
                }
            }
        }
    }
}

/// Go's `log.Ldate|log.Ltime` prefix: `2024/05/01 12:00:00`.
fn go_log_time(t: std::time::SystemTime) -> String {
    let (y, mo, d, h, mi, s, _) = crate::services::journal_utc(t);
    format!("{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}")
}

/// Send `bytes` to the upstream server; for a request, read one value within 1 s of
/// sending and return its bytes as the server wrote them.
fn forward_upstream(upstream: &str, bytes: &[u8], want_reply: bool, p: &Proc) -> Option<Vec<u8>> {
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
        let mut reader = Recording {
            s: &mut u,
            deadline: start + M4_WAIT,
            seen: Vec::new(),
        };
        match read_value(&mut reader) {
            Ok(_) => Ok(Some(reader.seen)),
            Err(crate::rpcwire::ReadError::Io(e)) => Err(e),
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
                (p.log)(format!("m4-proxy: upstream {upstream}: {e}"));
            }
            None
        }
    }
}

/// Reads with a deadline and keeps the bytes it hands out.
struct Recording<'a> {
    s: &'a mut TcpStream,
    deadline: Instant,
    seen: Vec<u8>,
}

impl io::Read for Recording<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.s.set_read_timeout(Some(left))?;
        let n = self.s.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// The simulated M4: reads what m4-proxy writes to /dev/x8h7_ui, one message at a time,
/// runs the sketch's rpclib dispatcher and writes the reply back; this thread then plays
/// m4-proxy's chardevListener on the reply (which is where rpclib's str8 errors kill it).
fn run_m4(rx: mpsc::Receiver<ToM4>, p: &Proc, linux: &LinuxSide) {
    while let Ok(ToM4::Bytes(bytes)) = rx.recv() {
        if !p.alive() {
            return;
        }
        let sketch = p.sketch.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let bindings = sketch.bindings();
        if p.faults.has(Fault::M4Silent) || !sketch.runs_rpc() {
            continue;
        }
        // rpclib decodes with msgpack-c: a cut message does not decode and is dropped.
        let Ok(v) = rmpv::decode::read_value(&mut &bytes[..]) else {
            continue;
        };
        let msg = Message::from_value(&v);
        // SerialRPC's `onWrite` takes the bytes of a `tty` call or notification (STR or BIN,
        // issue11-facts §F); the serial sketch echoes them on its next print.
        if sketch == Sketch::Serial
            && let Ok(
                Message::Request { method, params, .. } | Message::Notification { method, params },
            ) = &msg
            && method == "tty"
            && let Some(bytes) = params.first().and_then(value_bytes)
        {
            p.serial_in
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(bytes);
        }
        let Ok(Message::Request {
            msgid,
            method,
            params,
        }) = msg
        else {
            continue; // notifications: rpclib runs them; nothing bound here answers
        };
        let result = dispatch(&bindings, &method, &params, p, linux);
        let Some(result) = result else {
            return; // stopped while sleeping
        };
        let (err, res) = match result {
            Ok(v) => (None, v),
            Err(e) => (Some(e), Value::Nil),
        };
        let mut reply = olddialect::m4_reply(msgid, err.as_deref(), res);
        // The reply crosses the H7 link too.
        match olddialect::h7_link(reply.len()) {
            Link::Whole => {}
            Link::CutTo248 => reply.truncate(248),
            Link::Dropped => continue,
        }
        if !p.alive() {
            return;
        }
        chardev(p, &reply, true);
    }
}

/// The bytes of a string or binary argument.
fn value_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Binary(b) => Some(b.clone()),
        _ => None,
    }
}

/// rpclib's dispatcher (dispatcher.cpp:81-84, :120-130) over the sketch's bindings and the
/// test-only knobs. `None`: stopped.
fn dispatch(
    bindings: &[Bound],
    method: &str,
    params: &[Value],
    p: &Proc,
    linux: &LinuxSide,
) -> Option<Result<Value, String>> {
    let n = params.len();
    if let Some(b) = bindings.iter().find(|b| b.name == method) {
        if b.args != n {
            return Some(Err(olddialect::rpclib_wrong_arity(method, b.args, n)));
        }
        return Some(Ok(match &b.answer {
            Answer::Value(v) => v.clone(),
            Answer::Arg(k) => params[k - 1].clone(),
            Answer::Void => Value::Nil,
        }));
    }
    let not_found = || Err(olddialect::rpclib_no_such_function(method, n));
    Some(match method {
        SLEEP_METHOD if n == 1 && params[0].as_u64().is_some() => {
            let ms = params[0].as_u64().unwrap_or(0).min(SLEEP_MAX_MS);
            if p.stop.sleep(Duration::from_millis(ms)) {
                return None;
            }
            Ok(Value::from(ms))
        }
        CALL_LINUX_METHOD | NOTIFY_LINUX_METHOD if (1..=2).contains(&n) => {
            match (params[0].as_str(), params.get(1)) {
                (Some(name), None) => linux.m4_calls(p, method, name, Vec::new()),
                (Some(name), Some(Value::Array(a))) => linux.m4_calls(p, method, name, a.clone()),
                _ => not_found(),
            }
        }
        _ => not_found(),
    })
}

/// Where the board's localhost port `p` really is (the simulator maps board ports to
/// loopback addresses); `None` when nothing listens there.
pub type PortResolver = Arc<dyn Fn(u16) -> Option<SocketAddr> + Send + Sync>;

/// How long the proxy waits for the first byte of a Linux server's reply. The real proxy
/// has no limit (a silent server blocks its chardev loop, main.go:120-133); the simulator
/// caps it so that stopping never hangs.
pub const LINUX_FIRST_BYTE_WAIT: Duration = Duration::from_secs(2);
/// The real proxy's read deadline after the first byte of a Linux server's reply.
pub const LINUX_NEXT_BYTES_WAIT: Duration = Duration::from_millis(100);

/// The proxy's M4 -> Linux side (Go: `chardevListener`): registered functions and how to
/// reach their ports.
struct LinuxSide {
    regs: Arc<Mutex<BTreeMap<String, u16>>>,
    resolver: Mutex<PortResolver>,
    log: Log,
}

/// The thread id rpclib's `RPC.call` puts in the msgid (RPC_client.h:17-42, packed `ce`).
const M4_THREAD_ID: u32 = 0x2400_1000;

impl LinuxSide {
    /// The M4 calls (or notifies) `name` on Linux through the proxy, as a sketch's
    /// `RPC.call(name, ...)` / `RPC.send(name, ...)` would: the M4's bytes (msgpack-c) are
    /// decoded by m4-proxy's chardev reader (which can panic), sent to the registered port,
    /// and the answer comes back to the M4.
    fn m4_calls(
        &self,
        p: &Proc,
        knob: &str,
        name: &str,
        params: Vec<Value>,
    ) -> Result<Value, String> {
        let notify = knob == NOTIFY_LINUX_METHOD;
        let msg = if notify {
            Value::Array(vec![
                Value::from(2),
                Value::from(name),
                Value::Array(params),
            ])
        } else {
            Value::Array(vec![
                Value::from(0),
                Value::from(M4_THREAD_ID),
                Value::from(name),
                Value::Array(params),
            ])
        };
        let bytes = olddialect::pack_like_msgpack_c(&msg);
        let (msgs, panic) = olddialect::from_m4(&bytes);
        if let Some(g) = panic {
            let f = frame(&g, AT_CHARDEV);
            p.panic(g, f);
            return Err("m4-proxy died".to_string());
        }
        let reply = msgs.into_iter().find_map(|m| match m {
            FromM4::Call {
                method,
                request,
                bytes,
            } => self.deliver(&String::from_utf8_lossy(&method), &bytes, request),
            _ => None,
        });
        let decoded = reply
            .and_then(|b| rmpv::decode::read_value(&mut &b[..]).ok())
            .and_then(|v| Message::from_value(&v).ok());
        match decoded {
            Some(Message::Response { error, result, .. }) if error.is_nil() => Ok(result),
            Some(Message::Response { error, .. }) => Err(match error {
                Value::String(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                other => other.to_string(),
            }),
            _ if notify => Ok(Value::Nil),
            // Kept under 32 bytes: the M4 packs it as a fixstr, which m4-proxy can read (a
            // longer text would be a str8 and kill it, as rpclib's own errors do).
            _ => Err("no reply from Linux".to_string()),
        }
    }

    /// Send the M4's bytes to the port registered for `name`; for a request, read the reply.
    /// Unregistered names and unreachable ports drop the message silently, as Go's proxy
    /// does (it dials ":0", main.go:107-113).
    fn deliver(&self, name: &str, bytes: &[u8], request: bool) -> Option<Vec<u8>> {
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
                (self.log)(format!("dial tcp :{port}: {e}"));
                return None;
            }
        };
        s.write_all(bytes).ok()?;
        if !request {
            return None;
        }
        // main.go:120-133: the first read without deadline, then 100 ms per read; what was
        // read goes to the M4 in one write.
        let mut out = Vec::new();
        let mut chunk = [0u8; 1024];
        let _ = s.set_read_timeout(Some(LINUX_FIRST_BYTE_WAIT));
        loop {
            match s.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    out.extend_from_slice(&chunk[..n]);
                    let _ = s.set_read_timeout(Some(LINUX_NEXT_BYTES_WAIT));
                }
                Err(_) => break,
            }
        }
        if out.is_empty() { None } else { Some(out) }
    }
}
