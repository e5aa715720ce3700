//! x8ctl's own host side of the ADB protocol over TCP (`--connect`, `--virtual`).
//!
//! Unlike adb_client's direct mode it honours the device's maximum payload (4096 bytes on
//! the X8), demultiplexes several streams on one connection, and has connect, handshake and
//! read timeouts: a device that goes away ends every stream with an error, never a hang or
//! a spin.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::packet::{
    self, A_AUTH, A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_STLS, A_VERSION_MIN, A_WRTE, Banner, Packet,
    ReadLimits,
};

/// The largest payload we accept; the device's own limit applies to what we send.
const OUR_MAX_PAYLOAD: u32 = 256 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Waiting for CNXN, for OPEN's answer and for an OKAY.
    pub handshake: Duration,
    /// Waiting for data on a stream.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            handshake: Duration::from_secs(10),
            read: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot resolve {0}")]
    Resolve(String),
    #[error("cannot connect to {addr}: {source}")]
    Connect { addr: String, source: io::Error },
    #[error("the device at {0} did not answer the ADB handshake in time")]
    HandshakeTimeout(String),
    #[error("the device at {0} accepted the connection but never answered the ADB handshake")]
    Busy(String),
    #[error("the device at {0} asks for ADB authentication, which direct connections do not do")]
    AuthRequired(String),
    #[error("the device closed the connection during the handshake")]
    HandshakeClosed,
    #[error("the device refused the service '{0}'")]
    Refused(String),
    #[error("the connection to the device was lost")]
    Disconnected,
    #[error("the device did not answer in {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl From<HostError> for io::Error {
    fn from(e: HostError) -> io::Error {
        let kind = match &e {
            HostError::Timeout(_) | HostError::HandshakeTimeout(_) | HostError::Busy(_) => {
                io::ErrorKind::TimedOut
            }
            HostError::Disconnected | HostError::HandshakeClosed => {
                io::ErrorKind::ConnectionAborted
            }
            HostError::Refused(_) => io::ErrorKind::ConnectionRefused,
            HostError::Io(inner) => inner.kind(),
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e.to_string())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Inner {
    writer: Mutex<TcpStream>,
    sock: TcpStream,
    send_max: u32,
    timeouts: Timeouts,
    dead: AtomicBool,
    next_id: AtomicU32,
    streams: Mutex<HashMap<u32, Arc<StreamState>>>,
}

impl Inner {
    fn send(&self, p: &Packet) -> io::Result<()> {
        if self.dead.load(Ordering::SeqCst) {
            return Err(HostError::Disconnected.into());
        }
        let bytes = p.encode();
        let r = lock(&self.writer).write_all(&bytes);
        if r.is_err() {
            self.kill();
        }
        r
    }

    fn kill(&self) {
        if self.dead.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.sock.shutdown(Shutdown::Both);
        let all: Vec<Arc<StreamState>> = lock(&self.streams).drain().map(|(_, s)| s).collect();
        for s in all {
            s.close(true);
        }
    }
}

/// One ADB connection to a device.
#[derive(Clone)]
pub struct HostConnection {
    inner: Arc<Inner>,
    banner: Banner,
    addr: SocketAddr,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

/// How long one handshake attempt waits for the device's CNXN.
const CNXN_WAIT: Duration = Duration::from_millis(1200);
/// The pause before the second attempt.
const CNXN_RETRY_AFTER: Duration = Duration::from_millis(200);

impl HostConnection {
    /// Connect and do the handshake (CNXN, no AUTH).
    ///
    /// The X8's adbd serves one TCP host at a time: a second client is accepted and never
    /// answered, and the previous client's transport is torn down asynchronously, so a
    /// reconnect right after one can land on it (REB 1.3; upstream android-5.1.1_r37
    /// adb/transport.c `register_socket_transport`). So: wait 1.2 s for the CNXN, then once
    /// more on a new connection 200 ms later (each silent attempt costs adbd an fd), then
    /// report [`HostError::Busy`], all within 3 s.
    pub fn connect(target: &str, timeouts: Timeouts) -> Result<HostConnection, HostError> {
        let first = Timeouts {
            handshake: timeouts.handshake.min(CNXN_WAIT),
            ..timeouts
        };
        match Self::connect_once(target, first, timeouts) {
            Err(HostError::HandshakeTimeout(_)) => {}
            other => return other,
        }
        thread::sleep(CNXN_RETRY_AFTER);
        match Self::connect_once(target, first, timeouts) {
            Err(HostError::HandshakeTimeout(_)) if timeouts.handshake > CNXN_WAIT => {
                Err(HostError::Busy(target.to_string()))
            }
            other => other,
        }
    }

    fn connect_once(
        target: &str,
        attempt: Timeouts,
        timeouts: Timeouts,
    ) -> Result<HostConnection, HostError> {
        let addr = target
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| HostError::Resolve(target.to_string()))?;
        let sock = TcpStream::connect_timeout(&addr, attempt.connect).map_err(|source| {
            HostError::Connect {
                addr: target.to_string(),
                source,
            }
        })?;
        let _ = sock.set_nodelay(true);
        let mut w = sock.try_clone()?;
        Packet::new(
            A_CNXN,
            A_VERSION_MIN,
            OUR_MAX_PAYLOAD,
            b"host::x8ctl\0".to_vec(),
        )
        .write_to(&mut w)?;
        sock.set_read_timeout(Some(attempt.handshake))?;
        let limits = ReadLimits {
            max_payload: OUR_MAX_PAYLOAD,
            verify_checksum: false,
        };
        let mut r = sock.try_clone()?;
        let cnxn = loop {
            match packet::read_packet(&mut r, limits) {
                Ok(Some(p)) if p.command == A_CNXN => break p,
                Ok(Some(p)) if p.command == A_AUTH || p.command == A_STLS => {
                    return Err(HostError::AuthRequired(target.to_string()));
                }
                Ok(Some(_)) => continue,
                Ok(None) => return Err(HostError::HandshakeClosed),
                Err(packet::ReadError::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    let _ = sock.shutdown(Shutdown::Both);
                    return Err(HostError::HandshakeTimeout(target.to_string()));
                }
                Err(_) => return Err(HostError::HandshakeClosed),
            }
        };
        sock.set_read_timeout(None)?;
        let send_max = cnxn.arg1.clamp(256, OUR_MAX_PAYLOAD);
        let banner = Banner::parse(&cnxn.payload_str());
        let inner = Arc::new(Inner {
            writer: Mutex::new(w),
            sock,
            send_max,
            timeouts,
            dead: AtomicBool::new(false),
            next_id: AtomicU32::new(1),
            streams: Mutex::new(HashMap::new()),
        });
        {
            let weak = Arc::downgrade(&inner);
            thread::Builder::new()
                .name("adb-host-read".into())
                .spawn(move || read_loop(weak, r, limits))?;
        }
        Ok(HostConnection {
            inner,
            banner,
            addr,
        })
    }

    pub fn banner(&self) -> &Banner {
        &self.banner
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The largest payload the device accepts (4096 on the X8).
    pub fn max_payload(&self) -> u32 {
        self.inner.send_max
    }

    pub fn is_alive(&self) -> bool {
        !self.inner.dead.load(Ordering::SeqCst)
    }

    /// Close the connection; every stream ends with an error.
    pub fn close(&self) {
        self.inner.kill();
    }

    /// Open a service stream (`shell:id`, `sync:`, `tcp:5001`, ...).
    pub fn open(&self, service: &str) -> Result<HostStream, HostError> {
        if self.inner.dead.load(Ordering::SeqCst) {
            return Err(HostError::Disconnected);
        }
        let local_id = self.inner.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(StreamState {
            opened: AtomicBool::new(false),
            remote_id: AtomicU32::new(0),
            window: Mutex::new(Window::Opening),
            cv: Condvar::new(),
            tx: Mutex::new(Some(tx)),
            broken: AtomicBool::new(false),
        });
        lock(&self.inner.streams).insert(local_id, state.clone());
        let mut payload = service.as_bytes().to_vec();
        payload.push(0);
        self.inner
            .send(&Packet::new(A_OPEN, local_id, 0, payload))?;
        let deadline = Instant::now() + self.inner.timeouts.handshake;
        let mut w = lock(&state.window);
        while *w == Window::Opening {
            let now = Instant::now();
            if now >= deadline {
                drop(w);
                lock(&self.inner.streams).remove(&local_id);
                return Err(HostError::Timeout(self.inner.timeouts.handshake));
            }
            w = state
                .cv
                .wait_timeout(w, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        // A quick command may be accepted, answer and close before we look: being
        // accepted is what counts; its output is buffered.
        if *w == Window::Closed && !state.opened.load(Ordering::SeqCst) {
            drop(w);
            lock(&self.inner.streams).remove(&local_id);
            return Err(if state.broken.load(Ordering::SeqCst) {
                HostError::Disconnected
            } else {
                HostError::Refused(service.to_string())
            });
        }
        drop(w);
        Ok(HostStream::new(
            self.inner.clone(),
            state,
            local_id,
            rx,
            self.inner.timeouts.read,
        ))
    }
}

fn read_loop(weak: std::sync::Weak<Inner>, mut r: TcpStream, limits: ReadLimits) {
    while let Ok(Some(p)) = packet::read_packet(&mut r, limits) {
        let Some(inner) = weak.upgrade() else { break };
        let s = lock(&inner.streams).get(&p.arg1).cloned();
        match p.command {
            A_OKAY => {
                if let Some(s) = s {
                    s.remote_id
                        .compare_exchange(0, p.arg0, Ordering::SeqCst, Ordering::SeqCst)
                        .ok();
                    s.opened.store(true, Ordering::SeqCst);
                    let mut w = lock(&s.window);
                    if *w != Window::Closed {
                        *w = Window::Ready;
                    }
                    s.cv.notify_all();
                }
            }
            A_WRTE => {
                if let Some(s) = s {
                    if let Some(tx) = lock(&s.tx).as_ref() {
                        let _ = tx.send(p.payload);
                    }
                    let _ = inner.send(&Packet::new(A_OKAY, p.arg1, p.arg0, Vec::new()));
                }
            }
            A_CLSE => {
                if let Some(s) = lock(&inner.streams).remove(&p.arg1) {
                    s.close(false);
                }
            }
            A_CNXN => {
                // The device restarted its transport: every stream is gone.
                let all: Vec<Arc<StreamState>> =
                    lock(&inner.streams).drain().map(|(_, s)| s).collect();
                for s in all {
                    s.close(true);
                }
            }
            A_OPEN => {
                // A stream the device opens: a connection to a `reverse:` port on the board.
                // Answer it as an adb server does (Debian 29.0.6 adb.cpp:366-384,
                // services.cpp:75-92; issue10-facts §5): connect to the named local
                // `tcp:PORT`, then OKAY and pump, or CLSE to refuse. The board program
                // waits for one or the other (android-5.1.1_r37 adb.c:697-720).
                let inner2 = inner.clone();
                let name = p.payload.clone();
                let dev_id = p.arg0;
                let _ = std::thread::Builder::new()
                    .name("adb-reverse".into())
                    .spawn(move || accept_device_open(inner2, dev_id, &name));
            }
            _ => {}
        }
    }
    if let Some(inner) = weak.upgrade() {
        inner.kill();
    }
}

/// The local address a device OPEN names: `tcp:PORT` (or `tcp:localhost:PORT`) on this
/// host's loopback, as the adb server's socket_spec_connect resolves it.
fn reverse_target(name: &[u8]) -> Option<SocketAddr> {
    let name: Vec<u8> = name.iter().copied().filter(|&b| b != 0).collect();
    let name = std::str::from_utf8(&name).ok()?;
    let rest = name.strip_prefix("tcp:")?;
    let port = match rest.rsplit_once(':') {
        Some((host, port)) if host == "localhost" || host == "127.0.0.1" => port,
        Some(_) => return None,
        None => rest,
    };
    let port: u16 = port.parse().ok().filter(|&p| p != 0)?;
    Some(SocketAddr::from(([127, 0, 0, 1], port)))
}

fn accept_device_open(inner: Arc<Inner>, dev_id: u32, name: &[u8]) {
    let refuse = |inner: &Inner| {
        let _ = inner.send(&Packet::new(A_CLSE, 0, dev_id, Vec::new()));
    };
    if dev_id == 0 {
        return;
    }
    let Some(addr) = reverse_target(name) else {
        return refuse(&inner);
    };
    let Ok(sock) = TcpStream::connect_timeout(&addr, inner.timeouts.connect) else {
        return refuse(&inner);
    };
    let local_id = inner.next_id.fetch_add(1, Ordering::SeqCst);
    let (tx, rx) = mpsc::channel();
    let state = Arc::new(StreamState {
        opened: AtomicBool::new(true),
        remote_id: AtomicU32::new(dev_id),
        window: Mutex::new(Window::Ready),
        cv: Condvar::new(),
        tx: Mutex::new(Some(tx)),
        broken: AtomicBool::new(false),
    });
    lock(&inner.streams).insert(local_id, state.clone());
    if inner
        .send(&Packet::new(A_OKAY, local_id, dev_id, Vec::new()))
        .is_err()
    {
        return;
    }
    let mut stream = HostStream::new(inner, state, local_id, rx, Duration::from_secs(24 * 3600));
    let (Ok(mut to_local), Ok(mut from_local)) = (sock.try_clone(), sock.try_clone()) else {
        return;
    };
    let mut up = stream.try_clone();
    // Local program -> device.
    let t = std::thread::spawn(move || {
        let _ = io::copy(&mut from_local, &mut up);
        up.close();
    });
    // Device -> local program.
    let _ = io::copy(&mut stream, &mut to_local);
    let _ = sock.shutdown(Shutdown::Both);
    stream.close();
    let _ = t.join();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    /// OPEN sent, no answer yet.
    Opening,
    /// We may send one WRTE.
    Ready,
    /// A WRTE is waiting for its OKAY.
    Busy,
    Closed,
}

struct StreamState {
    /// The device accepted the OPEN (it may have closed the stream again since).
    opened: AtomicBool,
    remote_id: AtomicU32,
    window: Mutex<Window>,
    cv: Condvar,
    tx: Mutex<Option<Sender<Vec<u8>>>>,
    /// Closed because the connection died (not by the device's CLSE).
    broken: AtomicBool,
}

impl StreamState {
    fn close(&self, broken: bool) {
        if broken {
            self.broken.store(true, Ordering::SeqCst);
        }
        lock(&self.tx).take();
        *lock(&self.window) = Window::Closed;
        self.cv.notify_all();
    }
}

/// A stream on a [`HostConnection`]: `Read` gives what the device sends (EOF when it closes
/// the stream), `Write` sends WRTEs of at most the device's payload size, one at a time.
pub struct HostStream {
    /// How many handles share this stream; the last one closes it.
    handles: Arc<AtomicU32>,
    conn: Arc<Inner>,
    state: Arc<StreamState>,
    local_id: u32,
    rx: Arc<Mutex<Receiver<Vec<u8>>>>,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    read_timeout: Duration,
    /// The longest wait for the device's go-ahead (OKAY) before a write; `None`: the
    /// connection's read timeout.
    write_timeout: Option<Duration>,
}

impl HostStream {
    /// The first handle on a stream that is open both ways.
    fn new(
        conn: Arc<Inner>,
        state: Arc<StreamState>,
        local_id: u32,
        rx: Receiver<Vec<u8>>,
        read_timeout: Duration,
    ) -> HostStream {
        HostStream {
            handles: Arc::new(AtomicU32::new(1)),
            conn,
            state,
            local_id,
            rx: Arc::new(Mutex::new(rx)),
            buf: Vec::new(),
            pos: 0,
            eof: false,
            read_timeout,
            write_timeout: None,
        }
    }

    pub fn set_read_timeout(&mut self, t: Duration) {
        self.read_timeout = t;
    }

    /// The longest wait for the device's go-ahead before a write (`None`: the connection's
    /// read timeout). A write that times out has sent nothing.
    pub fn set_write_timeout(&mut self, t: Option<Duration>) {
        self.write_timeout = t;
    }

    /// The largest payload of one WRTE.
    pub fn max_payload(&self) -> usize {
        self.conn.send_max as usize
    }

    /// Another handle on the same stream, so that one thread can read while another writes.
    pub fn try_clone(&self) -> HostStream {
        self.handles.fetch_add(1, Ordering::SeqCst);
        HostStream {
            handles: self.handles.clone(),
            conn: self.conn.clone(),
            state: self.state.clone(),
            local_id: self.local_id,
            rx: self.rx.clone(),
            buf: Vec::new(),
            pos: 0,
            eof: false,
            read_timeout: self.read_timeout,
            write_timeout: self.write_timeout,
        }
    }

    /// Close our side (CLSE); further reads see EOF.
    pub fn close(&mut self) {
        let was_open = {
            let mut w = lock(&self.state.window);
            let open = *w != Window::Closed;
            *w = Window::Closed;
            open
        };
        self.state.cv.notify_all();
        lock(&self.state.tx).take();
        if was_open {
            let remote = self.state.remote_id.load(Ordering::SeqCst);
            let _ = self
                .conn
                .send(&Packet::new(A_CLSE, self.local_id, remote, Vec::new()));
        }
        lock(&self.conn.streams).remove(&self.local_id);
    }

    fn write_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        let wait = self.write_timeout.unwrap_or(self.conn.timeouts.read);
        let deadline = Instant::now() + wait;
        let mut w = lock(&self.state.window);
        loop {
            match *w {
                Window::Ready => break,
                Window::Closed => {
                    return Err(if self.state.broken.load(Ordering::SeqCst) {
                        HostError::Disconnected.into()
                    } else {
                        io::Error::new(io::ErrorKind::BrokenPipe, "the device closed the stream")
                    });
                }
                _ => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(HostError::Timeout(wait).into());
            }
            w = self
                .state
                .cv
                .wait_timeout(w, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *w = Window::Busy;
        drop(w);
        let remote = self.state.remote_id.load(Ordering::SeqCst);
        self.conn
            .send(&Packet::new(A_WRTE, self.local_id, remote, chunk.to_vec()))
    }
}

impl Read for HostStream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pos >= self.buf.len() {
            if self.eof {
                return Ok(0);
            }
            let next = lock(&self.rx).recv_timeout(self.read_timeout);
            match next {
                Ok(data) => {
                    self.buf = data;
                    self.pos = 0;
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(HostError::Timeout(self.read_timeout).into());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if self.state.broken.load(Ordering::SeqCst) {
                        return Err(HostError::Disconnected.into());
                    }
                    self.eof = true;
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for HostStream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(self.max_payload());
        if n == 0 {
            return Ok(0);
        }
        self.write_chunk(&data[..n])?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for HostStream {
    fn drop(&mut self) {
        // Only the last handle closes the stream.
        if self.handles.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_opens_name_a_local_tcp_port() {
        let lo = |p: u16| Some(SocketAddr::from(([127, 0, 0, 1], p)));
        assert_eq!(reverse_target(b"tcp:4000\0"), lo(4000));
        assert_eq!(reverse_target(b"tcp:localhost:4000\0"), lo(4000));
        assert_eq!(reverse_target(b"tcp:10.0.0.1:4000\0"), None);
        assert_eq!(reverse_target(b"tcp:0\0"), None);
        assert_eq!(reverse_target(b"shell:id\0"), None);
    }
}
