//! The virtual X8's adbd: the device side of the ADB protocol over TCP.
//!
//! By default it behaves as the X8's own adbd (android-tools 5.1.1.r37 with
//! meta-openembedded's and Arduino's patches), as `../shared/reference/real-board-evidence.md`
//! §1 ("REB") records it: protocol 0x01000000, a 4096-byte maximum payload (a bigger packet
//! drops the connection), checksums verified, no AUTH, no features (so no shell_v2 and no
//! exit codes), an empty banner, `shell:CMD` on a pseudo-terminal, `exec:CMD` on a socket
//! with stderr merged, and one TCP host at a time. Upstream: aosp-mirror/platform_system_core
//! tag android-5.1.1_r37, `adb/adb.c`, `adb/services.c`, `adb/transport.c`,
//! `adb/file_sync_service.c` (modelled from their behaviour, not copied).
//! `Profile::Modern` keeps a modern adbd (shell_v2, 1 MiB payload, raw `shell:CMD`, any
//! number of hosts, the login environment), for comparison.
//!
//! Each connection has a reader thread, a dispatcher (which applies the `slow-link`
//! latency without serialising packets) and a writer thread; each stream runs its service
//! on a thread of its own. Streams follow ADB flow control: one WRTE in flight per stream
//! in each direction, the next one only after the peer's OKAY.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use adb_wire::packet::{
    self, A_AUTH, A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_VERSION_MIN, A_VERSION_SKIP_CHECKSUM, A_WRTE,
    MAX_PAYLOAD_MODERN, MAX_PAYLOAD_V1, Packet, ReadLimits,
};
use adb_wire::sync::{self as wire, Request, RequestDecoder};

use super::board::{Board, ShellIo};
use super::faults::Fault;
use super::shell::AdbChild;
use super::vfs::User;

/// Which adbd to be.
/// `--profile x8|modern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, strum::EnumString)]
#[strum(
    serialize_all = "kebab-case",
    parse_err_ty = String,
    parse_err_fn = unknown_profile
)]
pub enum Profile {
    /// The Portenta X8's adbd (android-tools 5.1.1.r37): 4096-byte payload, no features,
    /// empty banner, `shell:` on a PTY, one TCP host at a time (REB §1).
    #[default]
    X8,
    /// A modern adbd: shell_v2 (exit codes, separate stderr), 1 MiB payload.
    Modern,
}

impl Profile {
    pub fn max_payload(self) -> u32 {
        match self {
            Profile::X8 => MAX_PAYLOAD_V1,
            Profile::Modern => MAX_PAYLOAD_MODERN,
        }
    }

    fn version(self) -> u32 {
        match self {
            Profile::X8 => A_VERSION_MIN,
            Profile::Modern => A_VERSION_SKIP_CHECKSUM,
        }
    }
}

fn unknown_profile(other: &str) -> String {
    format!("unknown profile '{other}' (use x8 or modern)")
}

#[derive(Debug, Clone, Default)]
pub struct AdbdConfig {
    pub profile: Profile,
    /// Per-packet latency in each direction while the `slow-link` fault is active.
    pub link_latency: Duration,
}

/// How much a stream may have queued for the host before its writer blocks.
const OUT_HIGH_WATER: usize = 256 * 1024;
/// `push-cut`: the connection drops once a SEND has received this many bytes (or at its DONE).
const PUSH_CUT_AFTER: usize = 8 * 1024;

/// A running adbd; dropping it stops the listener and closes every connection.
pub struct AdbdHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<Arc<Conn>>>>,
    thread: Option<JoinHandle<()>>,
}

impl AdbdHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drop every live connection (as a USB cable pulled out would); the listener stays.
    pub fn drop_connections(&self) {
        (self.dropper())();
    }

    /// A handle that drops every live connection when called (for faults inside the board).
    pub fn dropper(&self) -> Arc<dyn Fn() + Send + Sync> {
        let conns = self.conns.clone();
        Arc::new(move || {
            for c in lock(&conns).drain(..) {
                c.kill();
            }
        })
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.drop_connections();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for AdbdHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bind and serve in the background.
pub fn spawn(listen: SocketAddr, board: Arc<Board>, cfg: AdbdConfig) -> io::Result<AdbdHandle> {
    let listener = TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let conns: Arc<Mutex<Vec<Arc<Conn>>>> = Arc::new(Mutex::new(Vec::new()));
    let slot = Arc::new(HostSlot::default());
    let thread = {
        let stop = stop.clone();
        let conns = conns.clone();
        thread::Builder::new()
            .name("adbd-accept".into())
            .spawn(move || {
                // Connections refused registration: accepted, never read, never closed.
                let mut ignored: Vec<TcpStream> = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((sock, _)) => {
                            let _ = sock.set_nonblocking(false);
                            let _ = sock.set_nodelay(true);
                            // REB 1.3, upstream adb/transport_local.c and adb/transport.c
                            // (register_socket_transport): every TCP client registers as
                            // transport "host"; while one is registered (or still being torn
                            // down) a second one is dropped without closing its socket, so its
                            // CNXN is never answered.
                            if cfg.profile == Profile::X8 && !slot.try_take() {
                                ignored.push(sock);
                                continue;
                            }
                            let slot = (cfg.profile == Profile::X8).then(|| slot.clone());
                            match Conn::start(sock, board.clone(), cfg.clone(), slot) {
                                Ok(c) => {
                                    let mut all = lock(&conns);
                                    all.retain(|c| !c.dead.load(Ordering::SeqCst));
                                    all.push(c);
                                }
                                Err(_) => continue,
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(20));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(20)),
                    }
                }
            })?
    };
    Ok(AdbdHandle {
        addr,
        stop,
        conns,
        thread: Some(thread),
    })
}

/// The X8 adbd's one "host" transport: taken by the connection being served, and still
/// taken for a moment after it dies, because upstream tears a transport down
/// asynchronously (the input thread kicks it, the last unref posts `remove_transport`, and
/// the main loop unlinks it later: adb/transport.c). REB 1.3: 2 of 60 back-to-back direct
/// runs stalled. Most tear-downs here take a few milliseconds; every eighth takes 400 ms.
#[derive(Default)]
struct HostSlot {
    state: Mutex<SlotState>,
    releases: AtomicU32,
}

#[derive(Default)]
enum SlotState {
    #[default]
    Free,
    Taken,
    TearingDown(Instant),
}

impl HostSlot {
    fn try_take(&self) -> bool {
        let mut st = lock(&self.state);
        let free = match *st {
            SlotState::Free => true,
            SlotState::Taken => false,
            SlotState::TearingDown(until) => Instant::now() >= until,
        };
        if free {
            *st = SlotState::Taken;
        }
        free
    }

    fn release(&self) {
        let n = self.releases.fetch_add(1, Ordering::SeqCst);
        let delay = if n % 8 == 7 {
            Duration::from_millis(400)
        } else {
            Duration::from_millis(3)
        };
        *lock(&self.state) = SlotState::TearingDown(Instant::now() + delay);
    }
}

/// Something to deliver no earlier than the instant (the slow link's latency).
type Timed<T> = (Instant, T);

struct Conn {
    board: Arc<Board>,
    cfg: AdbdConfig,
    sock: TcpStream,
    out: Mutex<Option<Sender<Timed<Vec<u8>>>>>,
    /// Largest payload we may send (min of ours and the host's).
    send_max: AtomicU32,
    online: AtomicBool,
    dead: AtomicBool,
    streams: Mutex<HashMap<u32, Arc<Stream>>>,
    next_id: AtomicU32,
    /// The X8 profile's host slot, released when this connection dies.
    slot: Option<Arc<HostSlot>>,
    /// `reverse:` listeners: board port -> (its listener's address, the host's target,
    /// the flag that stops its accept loop).
    reverses: Mutex<HashMap<u16, ReverseListener>>,
    /// Streams the device opened for a `reverse:` connection, awaiting the host's OKAY.
    pending: Mutex<HashMap<u32, PendingReverse>>,
}

struct ReverseListener {
    addr: SocketAddr,
    target: String,
    stop: Arc<AtomicBool>,
}

type PendingReverse = (TcpStream, Arc<Stream>, Inbound);

impl Conn {
    fn start(
        sock: TcpStream,
        board: Arc<Board>,
        cfg: AdbdConfig,
        slot: Option<Arc<HostSlot>>,
    ) -> io::Result<Arc<Conn>> {
        let (out_tx, out_rx) = mpsc::channel::<Timed<Vec<u8>>>();
        let mut write_sock = sock.try_clone()?;
        let read_sock = sock.try_clone()?;
        let conn = Arc::new(Conn {
            board,
            send_max: AtomicU32::new(cfg.profile.max_payload()),
            cfg,
            sock,
            out: Mutex::new(Some(out_tx)),
            online: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            streams: Mutex::new(HashMap::new()),
            next_id: AtomicU32::new(1),
            slot,
            reverses: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
        });
        {
            let conn = conn.clone();
            thread::Builder::new()
                .name("adbd-write".into())
                .spawn(move || {
                    while let Ok((due, bytes)) = out_rx.recv() {
                        thread::sleep(due.saturating_duration_since(Instant::now()));
                        if write_sock.write_all(&bytes).is_err() {
                            break;
                        }
                    }
                    conn.kill();
                })?;
        }
        let (in_tx, in_rx) = mpsc::channel::<Timed<Packet>>();
        {
            let conn = conn.clone();
            thread::Builder::new()
                .name("adbd-dispatch".into())
                .spawn(move || {
                    while let Ok((due, p)) = in_rx.recv() {
                        thread::sleep(due.saturating_duration_since(Instant::now()));
                        if conn.dead.load(Ordering::SeqCst) {
                            break;
                        }
                        conn.handle(p);
                    }
                })?;
        }
        {
            let conn = conn.clone();
            thread::Builder::new()
                .name("adbd-read".into())
                .spawn(move || conn.read_loop(read_sock, in_tx))?;
        }
        Ok(conn)
    }

    fn latency(&self) -> Duration {
        if self.board.faults().has(Fault::SlowLink) {
            self.cfg.link_latency
        } else {
            Duration::ZERO
        }
    }

    fn read_loop(self: Arc<Self>, sock: TcpStream, in_tx: Sender<Timed<Packet>>) {
        let mut reader = io::BufReader::with_capacity(64 * 1024, sock);
        let limits = ReadLimits {
            max_payload: self.cfg.profile.max_payload(),
            verify_checksum: self.cfg.profile == Profile::X8,
        };
        // EOF, an I/O error, a bad magic or checksum, or a payload over the limit all end
        // the loop: old adbd drops the transport.
        while let Ok(Some(p)) = packet::read_packet(&mut reader, limits) {
            let due = Instant::now() + self.latency();
            if in_tx.send((due, p)).is_err() {
                break;
            }
        }
        self.kill();
    }

    /// Drop the connection and close every stream.
    fn kill(&self) {
        if self.dead.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.sock.shutdown(Shutdown::Both);
        lock(&self.out).take();
        let streams: Vec<Arc<Stream>> = lock(&self.streams).drain().map(|(_, s)| s).collect();
        for s in streams {
            s.mark_closed();
        }
        if let Some(slot) = &self.slot {
            slot.release();
        }
        // The listeners are freed with the transport (adb.c:933-937, issue10-facts §5).
        let revs: Vec<(u16, ReverseListener)> = lock(&self.reverses).drain().collect();
        for (port, r) in revs {
            r.stop.store(true, Ordering::SeqCst);
            self.board.unbind_port(port, r.addr);
        }
        lock(&self.pending).clear();
    }

    fn send(&self, p: Packet) {
        // A frozen board (`freeze-during-program`) sends nothing.
        if self.board.faults().frozen() {
            return;
        }
        let due = Instant::now() + self.latency();
        if let Some(tx) = lock(&self.out).as_ref() {
            let _ = tx.send((due, p.encode()));
        }
    }

    /// The CNXN payload. X8 (REB 1.1; upstream adb/adb.c `connect_to_remote`/banner code
    /// with `property_get`, which on this build reads `PROP_<name>` from the environment,
    /// and the adbd unit sets none): every property empty, and the length counts a NUL.
    fn banner(&self) -> Vec<u8> {
        match self.cfg.profile {
            Profile::X8 => b"device::ro.product.name=;ro.product.model=;ro.product.device=;\0"
                .to_vec(),
            Profile::Modern => b"device::ro.product.name=portenta-x8;ro.product.model=Portenta X8;ro.product.device=portenta-x8;features=shell_v2,cmd".to_vec(),
        }
    }

    fn handle(self: &Arc<Self>, p: Packet) {
        // A frozen board (`freeze-during-program`) answers nothing; the TCP connection
        // stays open.
        if self.board.faults().frozen() {
            return;
        }
        match p.command {
            A_CNXN if self.board.faults().has(Fault::Offline) => {}
            A_CNXN if self.board.faults().has(Fault::Unauthorized) => {
                // AUTH TOKEN; whatever the host signs or offers, ask again.
                let token: Vec<u8> = (0..20u8)
                    .map(|i| i.wrapping_mul(37).wrapping_add(11))
                    .collect();
                self.send(Packet::new(A_AUTH, 1, 0, token));
            }
            // A signature (2) or a public key (3): refuse silently, as a board whose
            // "Allow USB debugging?" prompt nobody answers.
            A_AUTH if self.board.faults().has(Fault::Unauthorized) && p.arg0 == 2 => {
                let token: Vec<u8> = (0..20u8)
                    .map(|i| i.wrapping_mul(53).wrapping_add(7))
                    .collect();
                self.send(Packet::new(A_AUTH, 1, 0, token));
            }
            A_AUTH if self.board.faults().has(Fault::Unauthorized) => {}
            A_CNXN => {
                // A new CNXN resets the transport.
                let old: Vec<Arc<Stream>> = lock(&self.streams).drain().map(|(_, s)| s).collect();
                for s in old {
                    s.mark_closed();
                }
                let ours = self.cfg.profile.max_payload();
                let theirs = if p.arg1 == 0 { ours } else { p.arg1 };
                self.send_max.store(ours.min(theirs), Ordering::SeqCst);
                self.online.store(true, Ordering::SeqCst);
                self.send(Packet::new(
                    A_CNXN,
                    self.cfg.profile.version(),
                    ours,
                    self.banner(),
                ));
            }
            _ if !self.online.load(Ordering::SeqCst) => {}
            A_OPEN if self.cfg.profile == Profile::X8 => {
                // Upstream adb/adb.c handle_packet: OPEN needs arg1 == 0, and the last
                // byte of the payload is overwritten with a NUL, whatever it was.
                if p.arg1 != 0 || p.payload.is_empty() {
                    return;
                }
                let mut name = p.payload.clone();
                name.pop();
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                self.open(p.arg0, &String::from_utf8_lossy(&name[..end]));
            }
            A_OPEN => self.open(p.arg0, &p.payload_str()),
            A_WRTE => {
                let s = lock(&self.streams).get(&p.arg1).cloned();
                if let Some(s) = s
                    && s.remote() == p.arg0
                {
                    s.deliver(p.payload);
                }
            }
            A_OKAY => {
                // The host's answer to an OPEN of ours (`reverse:`): the stream exists now.
                let pending = lock(&self.pending).remove(&p.arg1);
                if let Some((sock, stream, input)) = pending {
                    stream.remote_id.store(p.arg0, Ordering::SeqCst);
                    let spawned =
                        thread::Builder::new()
                            .name("adbd-reverse".into())
                            .spawn(move || {
                                tcp_service(&stream, input, sock);
                                stream.finish();
                            });
                    if spawned.is_err() {
                        self.kill();
                    }
                    return;
                }
                let s = lock(&self.streams).get(&p.arg1).cloned();
                if let Some(s) = s {
                    s.on_okay();
                }
            }
            A_CLSE => {
                // A refused `reverse:` connection: drop the board-side socket.
                lock(&self.pending).remove(&p.arg1);
                let s = lock(&self.streams).remove(&p.arg1);
                if let Some(s) = s {
                    s.mark_closed();
                }
            }
            _ => {}
        }
    }

    fn open(self: &Arc<Self>, remote_id: u32, service: &str) {
        if remote_id == 0 {
            return;
        }
        let kind = match parse_service(service, self.cfg.profile) {
            Some(k) => k,
            None => {
                self.send(Packet::new(A_CLSE, 0, remote_id, Vec::new()));
                return;
            }
        };
        // A forward to a closed port is refused before the stream exists.
        let tcp = match &kind {
            Service::Tcp(port) => match self.board.connect_port(*port) {
                Ok(sock) => Some(sock),
                Err(_) => {
                    self.send(Packet::new(A_CLSE, 0, remote_id, Vec::new()));
                    return;
                }
            },
            _ => None,
        };
        let local_id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = mpsc::channel();
        let stream = Arc::new(Stream {
            conn: self.clone(),
            local_id,
            remote_id: AtomicU32::new(remote_id),
            out: Mutex::new(OutState::default()),
            cv: Condvar::new(),
            inbound: Mutex::new(Some(tx)),
        });
        lock(&self.streams).insert(local_id, stream.clone());
        self.send(Packet::new(A_OKAY, local_id, remote_id, Vec::new()));
        let input = Inbound {
            stream: stream.clone(),
            rx,
            cur: Vec::new(),
            pos: 0,
            unacked: false,
        };
        let board = self.board.clone();
        let spawned = thread::Builder::new()
            .name(format!(
                "adbd-{}",
                service.split(':').next().unwrap_or("svc")
            ))
            .spawn(move || {
                run_service(kind, tcp, &board, &stream, input);
                stream.finish();
            });
        if spawned.is_err() {
            self.kill();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Service {
    /// `shell:<cmd>` (v1): stdout and stderr merged, no exit status. On the X8 it runs on a
    /// pseudo-terminal; on the modern profile on a pipe.
    ShellRaw(String),
    /// `shell:` with no command: an interactive session on a pseudo-terminal.
    ShellPty,
    /// `shell,v2,...:<cmd>` (modern profile only).
    ShellV2(String),
    /// `exec:<cmd>`: a socketpair, stdin, stdout and stderr all on the stream.
    Exec(String),
    Sync,
    Tcp(u16),
    /// `reverse:<forward request>` (both profiles; issue10-facts §5).
    Reverse(String),
}

fn parse_service(name: &str, profile: Profile) -> Option<Service> {
    if let Some(cmd) = name.strip_prefix("shell:") {
        return Some(if cmd.is_empty() {
            Service::ShellPty
        } else {
            Service::ShellRaw(cmd.to_string())
        });
    }
    if profile == Profile::Modern
        && let Some(rest) = name.strip_prefix("shell,")
    {
        let (opts, cmd) = rest.split_once(':')?;
        let v2 = opts.split(',').any(|o| o == "v2");
        return Some(match (v2, cmd.is_empty()) {
            (true, _) => Service::ShellV2(cmd.to_string()),
            (false, true) => Service::ShellPty,
            (false, false) => Service::ShellRaw(cmd.to_string()),
        });
    }
    if let Some(cmd) = name.strip_prefix("exec:") {
        return Some(Service::Exec(cmd.to_string()));
    }
    if name == "sync:" {
        return Some(Service::Sync);
    }
    if let Some(req) = name.strip_prefix("reverse:") {
        return Some(Service::Reverse(req.to_string()));
    }
    if let Some(rest) = name.strip_prefix("tcp:") {
        let (port, host) = match rest.split_once(':') {
            Some((p, h)) => (p, Some(h)),
            None => (rest, None),
        };
        // The 5.1.1 device build connects only to its own loopback: a `tcp:PORT:HOST`
        // form is refused (upstream android-5.1.1_r37 adb/services.c service_to_fd, the
        // non-ADB_HOST branch).
        if profile == Profile::X8 && host.is_some() {
            return None;
        }
        if host.is_some_and(|h| h != "localhost" && h != "127.0.0.1") {
            return None;
        }
        return port
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .map(Service::Tcp);
    }
    None
}

#[derive(Default)]
struct OutState {
    queue: VecDeque<Vec<u8>>,
    queued: usize,
    in_flight: bool,
    closed: bool,
}

struct Stream {
    conn: Arc<Conn>,
    local_id: u32,
    /// The host's id; 0 while a stream the device opened (`reverse:`) awaits its OKAY.
    remote_id: AtomicU32,
    out: Mutex<OutState>,
    cv: Condvar,
    inbound: Mutex<Option<Sender<Vec<u8>>>>,
}

impl Stream {
    fn remote(&self) -> u32 {
        self.remote_id.load(Ordering::SeqCst)
    }

    fn deliver(&self, data: Vec<u8>) {
        if let Some(tx) = lock(&self.inbound).as_ref() {
            let _ = tx.send(data);
        }
    }

    fn ack(&self) {
        if !lock(&self.out).closed {
            self.conn.send(Packet::new(
                A_OKAY,
                self.local_id,
                self.remote(),
                Vec::new(),
            ));
        }
    }

    fn on_okay(&self) {
        let mut st = lock(&self.out);
        st.in_flight = false;
        self.pump(&mut st);
        self.cv.notify_all();
    }

    fn mark_closed(&self) {
        lock(&self.inbound).take();
        let mut st = lock(&self.out);
        st.closed = true;
        st.queue.clear();
        st.queued = 0;
        self.cv.notify_all();
    }

    /// Send the next WRTE if none is in flight: whole messages while they fit, a message
    /// larger than the payload limit in pieces.
    fn pump(&self, st: &mut OutState) {
        if st.in_flight || st.closed || st.queue.is_empty() {
            return;
        }
        let max = self.conn.send_max.load(Ordering::SeqCst).max(1) as usize;
        let mut payload = Vec::new();
        while let Some(front) = st.queue.front_mut() {
            if payload.is_empty() && front.len() > max {
                let rest = front.split_off(max);
                payload = std::mem::replace(front, rest);
                break;
            }
            if payload.len() + front.len() > max {
                break;
            }
            if let Some(msg) = st.queue.pop_front() {
                payload.extend_from_slice(&msg);
            }
        }
        st.queued = st.queue.iter().map(Vec::len).sum();
        st.in_flight = true;
        self.conn
            .send(Packet::new(A_WRTE, self.local_id, self.remote(), payload));
    }

    /// Queue a message for the host; blocks while too much is queued.
    fn send_message(&self, msg: Vec<u8>) -> io::Result<()> {
        if msg.is_empty() {
            return Ok(());
        }
        let mut st = lock(&self.out);
        if st.closed {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        st.queued += msg.len();
        st.queue.push_back(msg);
        self.pump(&mut st);
        while st.queued > OUT_HIGH_WATER && !st.closed {
            st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        if st.closed {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        Ok(())
    }

    /// The service is done: flush what is queued, then close the stream.
    fn finish(&self) {
        let mut st = lock(&self.out);
        while !st.closed && !st.queue.is_empty() {
            st = self.cv.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        if st.closed {
            return;
        }
        st.closed = true;
        drop(st);
        lock(&self.conn.streams).remove(&self.local_id);
        lock(&self.inbound).take();
        self.conn.send(Packet::new(
            A_CLSE,
            self.local_id,
            self.remote(),
            Vec::new(),
        ));
    }
}

/// What the host wrote to a stream. The OKAY for a WRTE goes out when the service comes
/// back for more, so a slow consumer slows the host down (ADB flow control).
struct Inbound {
    stream: Arc<Stream>,
    rx: Receiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    unacked: bool,
}

impl Read for Inbound {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos >= self.cur.len() {
            if self.unacked {
                self.stream.ack();
                self.unacked = false;
            }
            match self.rx.recv() {
                Ok(data) => {
                    self.cur = data;
                    self.pos = 0;
                    self.unacked = true;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Raw output: everything written goes to the host as stream data.
struct Outbound<'a>(&'a Stream);

impl Write for Outbound<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.send_message(buf.to_vec())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Shell protocol v2 output: `id u8, len u32 LE, bytes`.
struct V2Out<'a> {
    stream: &'a Stream,
    id: u8,
}

fn v2_packet(id: u8, data: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(5 + data.len());
    msg.push(id);
    msg.extend_from_slice(&(data.len() as u32).to_le_bytes());
    msg.extend_from_slice(data);
    msg
}

impl Write for V2Out<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Keep each packet within one WRTE where possible.
        let room = (self.stream.conn.send_max.load(Ordering::SeqCst) as usize)
            .saturating_sub(5)
            .max(1);
        for chunk in buf.chunks(room) {
            self.stream.send_message(v2_packet(self.id, chunk))?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Shell protocol v2 input: yields the stdin packets' bytes; close-stdin ends it.
struct V2In {
    inner: Inbound,
    buf: Vec<u8>,
    ready: VecDeque<u8>,
    eof: bool,
}

impl Read for V2In {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.ready.is_empty() || self.eof {
                let n = out.len().min(self.ready.len());
                for (slot, b) in out.iter_mut().zip(self.ready.drain(..n)) {
                    *slot = b;
                }
                return Ok(n);
            }
            while self.buf.len() >= 5 {
                let len = u32::from_le_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if self.buf.len() < 5 + len {
                    break;
                }
                let id = self.buf[0];
                let body: Vec<u8> = self.buf[5..5 + len].to_vec();
                self.buf.drain(..5 + len);
                match id {
                    0 => self.ready.extend(body),
                    4 => self.eof = true,
                    _ => {}
                }
            }
            if !self.ready.is_empty() || self.eof {
                continue;
            }
            let mut tmp = [0u8; 4096];
            let n = self.inner.read(&mut tmp)?;
            if n == 0 {
                self.eof = true;
                continue;
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }
}

/// The shell's standard streams on a v1 stream (no shell_v2 framing): stdout to the
/// stream, stderr too when `merged`, else nowhere.
fn v1_io<R>(
    mut stdin: Inbound,
    stream: &Arc<Stream>,
    merged: bool,
    f: impl FnOnce(&mut ShellIo) -> R,
) -> R {
    let mut out = Outbound(stream);
    let mut err: Box<dyn Write + '_> = if merged {
        Box::new(Outbound(stream))
    } else {
        Box::new(io::sink())
    };
    f(&mut ShellIo {
        stdin: &mut stdin,
        stdout: &mut out,
        stderr: &mut *err,
    })
}

fn run_service(
    kind: Service,
    tcp: Option<TcpStream>,
    board: &Board,
    stream: &Arc<Stream>,
    input: Inbound,
) {
    let x8 = stream.conn.cfg.profile == Profile::X8;
    // The child's process environment (REB 1.5; upstream adb/adb.c adb_main: umask(000),
    // setgroups() to Android ids, setuid(1000); no HOME from the unit).
    let child = AdbChild {
        tty: false,
        android_ids: x8,
    };
    match kind {
        // REB 1.2, upstream adb/services.c (`shell:` → SUBPROC_PTY): on the X8 `shell:CMD`
        // runs on a pseudo-terminal: output LF→CRLF, stderr merged, stdin a terminal that
        // echoes and never reaches end-of-file, pagers wait for RETURN.
        Service::ShellRaw(cmd) if x8 => pty_command(board, stream, input, &cmd, child),
        Service::ShellRaw(cmd) => {
            v1_io(input, stream, true, |io| {
                board.run_adb_command(&cmd, io, child)
            });
        }
        // REB 1.2, upstream adb/services.c (`exec:` → SUBPROC_RAW): a socketpair dup'd onto
        // 0, 1 and 2, so stderr is merged; no CRLF, no terminal.
        Service::Exec(cmd) => {
            v1_io(input, stream, true, |io| {
                board.run_adb_command(&cmd, io, child)
            });
        }
        Service::ShellPty => {
            // The board's interactive shell runs its own line discipline (the PTY's echo,
            // CR/LF and line editing).
            v1_io(input, stream, true, |io| board.interactive_adb(io, child));
        }
        Service::ShellV2(cmd) => {
            let mut stdin = V2In {
                inner: input,
                buf: Vec::new(),
                ready: VecDeque::new(),
                eof: false,
            };
            let mut out = V2Out { stream, id: 1 };
            let mut err = V2Out { stream, id: 2 };
            let code = {
                let mut io = ShellIo {
                    stdin: &mut stdin,
                    stdout: &mut out,
                    stderr: &mut err,
                };
                board.run_command(&cmd, &mut io)
            };
            let _ = stream.send_message(v2_packet(3, &[(code & 0xff) as u8]));
        }
        Service::Sync => sync_service(board, stream, input),
        Service::Tcp(_) => {
            if let Some(sock) = tcp {
                tcp_service(stream, input, sock);
            }
        }
        Service::Reverse(req) => {
            let answer = stream.conn.reverse_request(&req);
            let _ = stream.send_message(answer);
            drop(input);
        }
    }
}

/// `FAIL` with a hex4 length and the text (adb's forward answers).
fn fail(msg: &str) -> Vec<u8> {
    format!("FAIL{:04x}{msg}", msg.len()).into_bytes()
}

impl Conn {
    /// One `reverse:` request (android-5.1.1_r37 adb/adb.c handle_forward_request, reached
    /// from services.c reverse_service; issue10-facts §5): `forward:[norebind:]tcp:B;tcp:H`
    /// listens on the board's loopback port B and answers one `OKAY` (the second OKAY is
    /// host-only); `killforward:tcp:B`, `killforward-all` and `list-forward` (hex4 + text).
    fn reverse_request(self: &Arc<Self>, req: &str) -> Vec<u8> {
        if req == "list-forward" {
            let text: String = lock(&self.reverses)
                .iter()
                .map(|(b, r)| format!("(reverse) tcp:{b} {}\n", r.target))
                .collect();
            return format!("{:04x}{text}", text.len()).into_bytes();
        }
        if req == "killforward-all" {
            let revs: Vec<(u16, ReverseListener)> = lock(&self.reverses).drain().collect();
            for (port, r) in revs {
                r.stop.store(true, Ordering::SeqCst);
                self.board.unbind_port(port, r.addr);
            }
            return b"OKAY".to_vec();
        }
        let tcp_port = |spec: &str| {
            spec.strip_prefix("tcp:")
                .and_then(|p| p.parse::<u16>().ok())
                .filter(|&p| p != 0)
        };
        if let Some(spec) = req.strip_prefix("killforward:") {
            let Some(port) = tcp_port(spec) else {
                return fail("cannot remove listener");
            };
            return match lock(&self.reverses).remove(&port) {
                Some(r) => {
                    r.stop.store(true, Ordering::SeqCst);
                    self.board.unbind_port(port, r.addr);
                    b"OKAY".to_vec()
                }
                None => fail("cannot remove listener"),
            };
        }
        let Some(rest) = req.strip_prefix("forward:") else {
            return fail("unknown reverse request");
        };
        let (norebind, rest) = match rest.strip_prefix("norebind:") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let Some((local, remote)) = rest.split_once(';') else {
            return fail("malformed forward spec");
        };
        let Some(port) = tcp_port(local) else {
            return fail("cannot bind to socket");
        };
        if !remote.starts_with("tcp:") {
            return fail("cannot bind to socket");
        }
        {
            let mut revs = lock(&self.reverses);
            if let Some(r) = revs.get_mut(&port) {
                if norebind {
                    return fail("cannot rebind existing socket");
                }
                r.target = remote.to_string();
                return b"OKAY".to_vec();
            }
        }
        let Ok(listener) = TcpListener::bind("127.0.0.1:0") else {
            return fail("cannot bind to socket");
        };
        let Ok(addr) = listener.local_addr() else {
            return fail("cannot bind to socket");
        };
        if !self.board.bind_port(port, addr) {
            return fail("cannot bind to socket");
        }
        let stop = Arc::new(AtomicBool::new(false));
        lock(&self.reverses).insert(
            port,
            ReverseListener {
                addr,
                target: remote.to_string(),
                stop: stop.clone(),
            },
        );
        let conn = self.clone();
        let _ = listener.set_nonblocking(true);
        let spawned = thread::Builder::new()
            .name("adbd-reverse-accept".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) && !conn.dead.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((sock, _)) => {
                            let _ = sock.set_nonblocking(false);
                            let target = lock(&conn.reverses).get(&port).map(|r| r.target.clone());
                            if let Some(t) = target {
                                conn.open_to_host(sock, &t);
                            }
                        }
                        Err(_) => thread::sleep(Duration::from_millis(10)),
                    }
                }
            });
        if spawned.is_err() {
            return fail("cannot bind to socket");
        }
        b"OKAY".to_vec()
    }

    /// A board program connected to a `reverse:` port: OPEN the host's target and read
    /// nothing from the socket until the host answers (adb.c:697-720, sockets.c:586-602).
    fn open_to_host(self: &Arc<Self>, sock: TcpStream, target: &str) {
        let local_id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = mpsc::channel();
        let stream = Arc::new(Stream {
            conn: self.clone(),
            local_id,
            remote_id: AtomicU32::new(0),
            out: Mutex::new(OutState::default()),
            cv: Condvar::new(),
            inbound: Mutex::new(Some(tx)),
        });
        lock(&self.streams).insert(local_id, stream.clone());
        let input = Inbound {
            stream: stream.clone(),
            rx,
            cur: Vec::new(),
            pos: 0,
            unacked: false,
        };
        lock(&self.pending).insert(local_id, (sock, stream, input));
        let mut name = target.as_bytes().to_vec();
        name.push(0);
        self.send(Packet::new(A_OPEN, local_id, 0, name));
    }
}

/// `shell:CMD` on the X8: the command on a pseudo-terminal (see [`crate::shell::tty`]).
/// A line-discipline thread takes what the host writes: it echoes it into the output
/// (ECHO, with CR LF for a newline), turns CR into LF (ICRNL), hands whole lines to the
/// command (ICANON), and gives end-of-file only for a ^D at the start of a line (VEOF).
/// When the host closes the stream the terminal hangs up: reads fail (SIGHUP, REB 1.2).
fn pty_command(board: &Board, stream: &Arc<Stream>, input: Inbound, cmd: &str, child: AdbChild) {
    let (tx, rx) = mpsc::channel::<crate::shell::tty::TtyInput>();
    let discipline = {
        let stream = stream.clone();
        thread::spawn(move || crate::shell::tty::line_discipline(input, &mut Outbound(&stream), tx))
    };
    let mut stdin = crate::shell::tty::TtyReader::new(rx);
    // stdout and stderr are both the terminal (the pts dup'd onto 0, 1 and 2).
    let (mut raw_out, mut raw_err) = (Outbound(stream), Outbound(stream));
    let mut out = crate::shell::tty::Onlcr::new(&mut raw_out);
    let mut err = crate::shell::tty::Onlcr::new(&mut raw_err);
    {
        let mut io = ShellIo {
            stdin: &mut stdin,
            stdout: &mut out,
            stderr: &mut err,
        };
        crate::shell::with_echoing_tty(|| {
            board.run_adb_command(cmd, &mut io, AdbChild { tty: true, ..child })
        });
    }
    drop(stdin);
    drop(discipline);
}

/// `tcp:<port>`: pump bytes both ways; each side's close closes the other.
fn tcp_service(stream: &Arc<Stream>, mut input: Inbound, sock: TcpStream) {
    let Ok(mut from_board) = sock.try_clone() else {
        return;
    };
    let up = {
        let stream = stream.clone();
        thread::spawn(move || {
            let max = stream.conn.send_max.load(Ordering::SeqCst).max(1) as usize;
            let mut buf = vec![0u8; max];
            loop {
                match from_board.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if stream.send_message(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
            // The board side closed (e.g. m4-proxy's silent close): close the stream, which
            // also ends the host-to-board pump below.
            stream.finish();
        })
    };
    let mut to_board = sock;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to_board.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    // The host closed its side: tell the board side, then wait for it to finish.
    let _ = to_board.shutdown(Shutdown::Write);
    let _ = up.join();
    let _ = to_board.shutdown(Shutdown::Both);
}

enum SyncEnd {
    /// QUIT, a protocol error or the host going away: close the stream.
    Close,
    /// The `push-cut` fault: the connection drops.
    Cut,
}

fn sync_service(board: &Board, stream: &Arc<Stream>, mut input: Inbound) {
    let mut dec = RequestDecoder::new();
    match sync_loop(board, stream, &mut input, &mut dec) {
        SyncEnd::Close => {}
        SyncEnd::Cut => stream.conn.kill(),
    }
}

fn next_request(input: &mut Inbound, dec: &mut RequestDecoder) -> Result<Option<Request>, String> {
    let mut buf = [0u8; 8192];
    loop {
        match dec.next_request() {
            Ok(Some(r)) => return Ok(Some(r)),
            Ok(None) => {}
            Err(e) => return Err(e.to_string()),
        }
        match input.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => dec.push(&buf[..n]),
        }
    }
}

fn sync_loop(
    board: &Board,
    stream: &Arc<Stream>,
    input: &mut Inbound,
    dec: &mut RequestDecoder,
) -> SyncEnd {
    let vfs = board.vfs();
    loop {
        let req = match next_request(input, dec) {
            Ok(Some(r)) => r,
            Ok(None) => return SyncEnd::Close,
            Err(msg) => {
                let _ = stream.send_message(wire::fail(&msg));
                return SyncEnd::Close;
            }
        };
        let sent = match req {
            Request::Stat(path) => {
                // lstat, as adbd's STAT; but `path/` follows a symlink and must be a folder
                // (adb pull asks that to learn whether a link points at a folder).
                let meta = if path.len() > 1 && path.ends_with('/') {
                    vfs.stat(&path, true)
                        .ok()
                        .filter(|st| st.is_dir())
                        .map(|st| {
                            (
                                st.mode,
                                st.size,
                                st.mtime.clamp(0, i64::from(u32::MAX)) as u32,
                            )
                        })
                } else {
                    vfs.lstat(&path).map(|m| (m.mode, m.size, m.mtime))
                };
                let reply = match meta {
                    Some((mode, size, mtime)) => {
                        wire::stat_reply(mode, size.min(u64::from(u32::MAX)) as u32, mtime)
                    }
                    None => wire::stat_reply(0, 0, 0),
                };
                stream.send_message(reply)
            }
            Request::List(path) => {
                let mut result = Ok(());
                if let Ok(entries) = vfs.list(&path, User::Fio) {
                    for (name, m) in entries {
                        result = stream.send_message(wire::dent(
                            m.mode,
                            m.size.min(u64::from(u32::MAX)) as u32,
                            m.mtime,
                            &name,
                        ));
                        if result.is_err() {
                            break;
                        }
                    }
                }
                result.and_then(|()| stream.send_message(wire::dent_done()))
            }
            Request::Recv(path) => recv_file(board, stream, &path),
            Request::Send { path, mode } => {
                match receive_file(board, stream, input, dec, &path, mode) {
                    Ok(()) => Ok(()),
                    Err(end) => return end,
                }
            }
            Request::Quit => return SyncEnd::Close,
            Request::Data(_) | Request::Done(_) => {
                let _ = stream.send_message(wire::fail("unexpected DATA or DONE outside of SEND"));
                return SyncEnd::Close;
            }
        };
        if sent.is_err() {
            return SyncEnd::Close;
        }
    }
}

fn recv_file(board: &Board, stream: &Arc<Stream>, path: &str) -> io::Result<()> {
    let mut file = match board.vfs().open_read(path, User::Fio) {
        Ok(f) => f,
        Err(e) => return stream.send_message(wire::fail(&e.to_string())),
    };
    // One DATA record per WRTE: headers never split, DONE alone at the end.
    let max = stream.conn.send_max.load(Ordering::SeqCst) as usize;
    let chunk = max.saturating_sub(8).clamp(1, wire::SYNC_DATA_MAX);
    let mut buf = vec![0u8; chunk];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return stream.send_message(wire::fail(&e.to_string())),
        };
        stream.send_message(wire::data(&buf[..n]))?;
    }
    stream.send_message(wire::frame(wire::ID_DONE, 0, &[]))
}

/// SEND: data chunks until DONE, then OKAY or FAIL. On an early failure adbd answers FAIL
/// and swallows the data up to DONE, as real adbd does.
fn receive_file(
    board: &Board,
    stream: &Arc<Stream>,
    input: &mut Inbound,
    dec: &mut RequestDecoder,
    path: &str,
    mode: u32,
) -> Result<(), SyncEnd> {
    let vfs = board.vfs();
    let cut = board.faults().has(Fault::PushCut);
    let remove_partial = || {
        if let Ok(host) = vfs.resolve(path) {
            let _ = std::fs::remove_file(host);
        }
    };
    let mut failure: Option<String> = None;
    let mut writer = if mode & wire::S_IFMT == wire::S_IFLNK {
        failure = Some("symbolic links are not supported by this device".into());
        None
    } else {
        match vfs.create_file(path, mode, User::Fio) {
            Ok(w) => Some(w),
            Err(e) => {
                failure = Some(e.to_string());
                None
            }
        }
    };
    let mut received = 0usize;
    loop {
        match next_request(input, dec) {
            Ok(Some(Request::Data(bytes))) => {
                received += bytes.len();
                if cut && received >= PUSH_CUT_AFTER {
                    // REB 1.6: an interrupted push leaves the partial file under the final
                    // name (the old file was unlinked first).
                    return Err(SyncEnd::Cut);
                }
                if let Some(w) = writer.as_mut()
                    && let Err(e) = w.write_all(&bytes)
                {
                    let text = strerror(&e);
                    writer = None;
                    remove_partial();
                    failure = Some(text);
                }
            }
            Ok(Some(Request::Done(mtime))) => {
                if cut {
                    return Err(SyncEnd::Cut);
                }
                let result = match (failure, writer) {
                    (Some(msg), _) => Err(msg),
                    (None, Some(w)) => w.finish(mtime).map_err(|e| {
                        remove_partial();
                        e.to_string()
                    }),
                    (None, None) => Err("Input/output error".to_string()),
                };
                let reply = match result {
                    Ok(()) => wire::frame(wire::ID_OKAY, 0, &[]),
                    Err(msg) => wire::fail(&msg),
                };
                return stream.send_message(reply).map_err(|_| SyncEnd::Close);
            }
            Ok(Some(_)) | Err(_) => {
                remove_partial();
                let _ = stream.send_message(wire::fail("protocol error: expected DATA or DONE"));
                return Err(SyncEnd::Close);
            }
            Ok(None) => {
                remove_partial();
                return Err(SyncEnd::Close);
            }
        }
    }
}

/// The strerror text of an I/O error, as adbd's `fail_errno` sends it.
fn strerror(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => "No space left on device".into(),
        io::ErrorKind::PermissionDenied => "Permission denied".into(),
        io::ErrorKind::ReadOnlyFilesystem => "Read-only file system".into(),
        io::ErrorKind::NotFound => "No such file or directory".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_by_profile() {
        assert_eq!(
            parse_service("shell:id", Profile::X8),
            Some(Service::ShellRaw("id".into()))
        );
        assert_eq!(
            parse_service("shell:", Profile::X8),
            Some(Service::ShellPty)
        );
        assert_eq!(parse_service("shell,v2,raw:id", Profile::X8), None);
        assert_eq!(
            parse_service("shell,v2,TERM=xterm,raw:id", Profile::Modern),
            Some(Service::ShellV2("id".into()))
        );
        assert_eq!(
            parse_service("exec:cat /x", Profile::X8),
            Some(Service::Exec("cat /x".into()))
        );
        assert_eq!(parse_service("sync:", Profile::X8), Some(Service::Sync));
        assert_eq!(
            parse_service("tcp:5001", Profile::X8),
            Some(Service::Tcp(5001))
        );
        assert_eq!(parse_service("tcp:5001:localhost", Profile::X8), None);
        assert_eq!(
            parse_service("tcp:5001:localhost", Profile::Modern),
            Some(Service::Tcp(5001))
        );
        assert_eq!(parse_service("tcp:5001:10.0.0.1", Profile::X8), None);
        assert_eq!(parse_service("tcp:0", Profile::X8), None);
        assert_eq!(parse_service("tcp:99999", Profile::X8), None);
        assert_eq!(parse_service("reboot:", Profile::X8), None);
        assert_eq!(
            parse_service("reverse:forward:tcp:5020;tcp:4000", Profile::X8),
            Some(Service::Reverse("forward:tcp:5020;tcp:4000".into()))
        );
        assert_eq!(
            parse_service("reverse:killforward-all", Profile::Modern),
            Some(Service::Reverse("killforward-all".into()))
        );
        assert_eq!(parse_service("", Profile::X8), None);
    }

    /// A board without services behind an adbd of `profile`.
    fn adbd(profile: Profile) -> (tempfile::TempDir, AdbdHandle) {
        let d = tempfile::tempdir().unwrap();
        let board = Board::new_without_services(crate::BoardConfig {
            root: d.path().join("x8"),
            ..Default::default()
        })
        .unwrap();
        let h = spawn(
            "127.0.0.1:0".parse().unwrap(),
            board,
            AdbdConfig {
                profile,
                link_latency: Duration::ZERO,
            },
        )
        .unwrap();
        (d, h)
    }

    fn host(h: &AdbdHandle) -> adb_wire::host::HostConnection {
        adb_wire::host::HostConnection::connect(&h.local_addr().to_string(), Default::default())
            .unwrap()
    }

    fn read_all(s: &mut impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    }

    fn raw_cnxn(h: &AdbdHandle) -> (TcpStream, Option<Packet>) {
        let mut s = TcpStream::connect(h.local_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(700)))
            .unwrap();
        Packet::new(A_CNXN, A_VERSION_MIN, 4096, b"host::t\0".to_vec())
            .write_to(&mut s)
            .unwrap();
        let limits = ReadLimits {
            max_payload: 1 << 20,
            verify_checksum: false,
        };
        let p = packet::read_packet(&mut s, limits).ok().flatten();
        (s, p)
    }

    #[test]
    fn the_banner_is_empty_with_its_nul() {
        let (_d, h) = adbd(Profile::X8);
        let (_s, p) = raw_cnxn(&h);
        assert_eq!(
            p.unwrap().payload,
            b"device::ro.product.name=;ro.product.model=;ro.product.device=;\0"
        );
    }

    #[test]
    fn shell_runs_on_a_pty_and_exec_is_raw_with_stderr() {
        let (_d, h) = adbd(Profile::X8);
        let c = host(&h);
        let mut s = c
            .open("shell:echo a; echo b >&2; [ -t 0 ] && echo tty")
            .unwrap();
        assert_eq!(read_all(&mut s), b"a\r\nb\r\ntty\r\n");
        let mut s = c
            .open("exec:echo a; echo b >&2; [ -t 0 ] || echo raw")
            .unwrap();
        assert_eq!(read_all(&mut s), b"a\nb\nraw\n");
        assert!(matches!(
            c.open("shell,v2,raw:id"),
            Err(adb_wire::host::HostError::Refused(_))
        ));
    }

    #[test]
    fn the_pty_echoes_input_and_only_a_ctrl_d_ends_it() {
        let (_d, h) = adbd(Profile::X8);
        let c = host(&h);
        let mut s = c.open("shell:cat; echo done").unwrap();
        s.write_all(b"x\n").unwrap();
        s.set_read_timeout(Duration::from_millis(600));
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        // The echo at once; the stream stays open: no end-of-file reaches cat.
        assert!(got.starts_with(b"x\r\n"), "{got:?}");
        s.write_all(&[4]).unwrap();
        s.set_read_timeout(Duration::from_secs(5));
        got.extend(read_all(&mut s));
        assert_eq!(got, b"x\r\nx\r\ndone\r\n");
    }

    #[test]
    fn open_loses_its_last_byte_whatever_it_is() {
        let (_d, h) = adbd(Profile::X8);
        let (mut s, _) = raw_cnxn(&h);
        Packet::new(A_OPEN, 7, 0, b"exec:echo hix".to_vec())
            .write_to(&mut s)
            .unwrap();
        let limits = ReadLimits {
            max_payload: 1 << 20,
            verify_checksum: false,
        };
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut data = Vec::new();
        while let Ok(Some(p)) = packet::read_packet(&mut s, limits) {
            match p.command {
                A_WRTE => {
                    data.extend_from_slice(&p.payload);
                    Packet::new(A_OKAY, 7, p.arg0, Vec::new())
                        .write_to(&mut s)
                        .unwrap();
                }
                A_CLSE => break,
                _ => {}
            }
        }
        assert_eq!(data, b"hi\n");
    }

    #[test]
    fn one_tcp_host_at_a_time() {
        let (_d, h) = adbd(Profile::X8);
        let (first, p) = raw_cnxn(&h);
        assert!(p.is_some());
        // A second host is accepted and never answered.
        let (_second, p) = raw_cnxn(&h);
        assert!(p.is_none());
        drop(first);
        // Once the first is torn down, a new host is served.
        let mut served = false;
        for _ in 0..10 {
            if raw_cnxn(&h).1.is_some() {
                served = true;
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        assert!(served);
        // The modern profile serves any number.
        let (_d2, m) = adbd(Profile::Modern);
        let (_a, pa) = raw_cnxn(&m);
        let (_b, pb) = raw_cnxn(&m);
        assert!(pa.is_some() && pb.is_some());
    }

    #[test]
    fn the_childs_environment() {
        let (_d, h) = adbd(Profile::X8);
        let c = host(&h);
        let mut s = c
            .open(
                "exec:umask; echo \"[$HOME][$TERM]\"; pwd; mkdir -p /tmp/d/e; stat -c %a /tmp/d/e",
            )
            .unwrap();
        assert_eq!(read_all(&mut s), b"0000\n[][]\n/home/fio\n777\n");
    }
}
