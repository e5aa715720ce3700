//! The virtual X8's own MessagePack-RPC layer, built on the maintained `rmpv` crate.
//!
//! It is deliberately not x8ctl's codec: the product library encodes for the board's
//! m4-proxy with its own encoder, and the virtual board decodes with this one, so a
//! symmetric bug in either shows up as a failing test instead of cancelling out.
//!
//! MessagePack-RPC (msgpack-rpc spec): a request is `[0, msgid, method, params]`, a response
//! `[1, msgid, error, result]`, a notification `[2, method, params]`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use rmpv::Value;

/// Encode `v` as MessagePack does today (str8 for 32..255-byte strings, bin for bytes),
/// which is how msgpack-c, and so rpclib on the M4, packs.
pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, v);
    out
}

#[derive(Debug)]
pub enum ReadError {
    /// The stream ended; `partial` bytes of a value had been read.
    Eof {
        partial: usize,
    },
    Io(io::Error),
    /// The bytes are not MessagePack.
    Invalid(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Eof { partial } => write!(f, "end of stream after {partial} bytes"),
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Invalid(e) => write!(f, "not MessagePack: {e}"),
        }
    }
}

/// Counts the bytes a reader hands out (to tell a clean end from a cut value).
struct Counting<'a, R> {
    inner: &'a mut R,
    n: usize,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n;
        Ok(n)
    }
}

/// Read one MessagePack value from a stream.
pub fn read_value(r: &mut impl Read) -> Result<Value, ReadError> {
    let mut c = Counting { inner: r, n: 0 };
    match rmpv::decode::read_value(&mut c) {
        Ok(v) => Ok(v),
        Err(
            rmpv::decode::Error::InvalidMarkerRead(e) | rmpv::decode::Error::InvalidDataRead(e),
        ) => {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                Err(ReadError::Eof { partial: c.n })
            } else if matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::Other) {
                Err(ReadError::Invalid(e.to_string()))
            } else {
                Err(ReadError::Io(e))
            }
        }
        Err(e) => Err(ReadError::Invalid(e.to_string())),
    }
}

/// A MessagePack-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Request {
        msgid: u32,
        method: String,
        params: Vec<Value>,
    },
    Response {
        msgid: u32,
        error: Value,
        result: Value,
    },
    Notification {
        method: String,
        params: Vec<Value>,
    },
}

/// Method names arrive as str (raw) or, from some packers, as bin.
fn name_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        Value::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

impl Message {
    pub fn request(msgid: u32, method: &str, params: Vec<Value>) -> Message {
        Message::Request {
            msgid,
            method: method.to_string(),
            params,
        }
    }

    pub fn reply(msgid: u32, outcome: Result<Value, Value>) -> Message {
        let (error, result) = match outcome {
            Ok(v) => (Value::Nil, v),
            Err(e) => (e, Value::Nil),
        };
        Message::Response {
            msgid,
            error,
            result,
        }
    }

    pub fn notification(method: &str, params: Vec<Value>) -> Message {
        Message::Notification {
            method: method.to_string(),
            params,
        }
    }

    /// Interpret a decoded value as an RPC message.
    pub fn from_value(v: &Value) -> Result<Message, String> {
        let Value::Array(a) = v else {
            return Err(format!("not an RPC message (not an array): {v}"));
        };
        let msgid = |x: &Value| {
            x.as_u64()
                .and_then(|m| u32::try_from(m).ok())
                .ok_or_else(|| format!("bad msgid {x}"))
        };
        let params = |x: &Value| match x {
            Value::Array(p) => Ok(p.clone()),
            other => Err(format!("params are not an array: {other}")),
        };
        let method = |x: &Value| name_of(x).ok_or_else(|| format!("bad method name {x}"));
        match (a.first().and_then(Value::as_u64), a.len()) {
            (Some(0), 4) => Ok(Message::Request {
                msgid: msgid(&a[1])?,
                method: method(&a[2])?,
                params: params(&a[3])?,
            }),
            (Some(1), 4) => Ok(Message::Response {
                msgid: msgid(&a[1])?,
                error: a[2].clone(),
                result: a[3].clone(),
            }),
            (Some(2), 3) => Ok(Message::Notification {
                method: method(&a[1])?,
                params: params(&a[2])?,
            }),
            _ => Err(format!("not an RPC message: {v}")),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Message::Request {
                msgid,
                method,
                params,
            } => Value::Array(vec![
                0.into(),
                (*msgid).into(),
                method.as_str().into(),
                Value::Array(params.clone()),
            ]),
            Message::Response {
                msgid,
                error,
                result,
            } => Value::Array(vec![
                1.into(),
                (*msgid).into(),
                error.clone(),
                result.clone(),
            ]),
            Message::Notification { method, params } => Value::Array(vec![
                2.into(),
                method.as_str().into(),
                Value::Array(params.clone()),
            ]),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        encode(&self.to_value())
    }
}

/// What a server answers for each request: `Ok(result)` or `Err(error)`.
pub type Handler = Arc<dyn Fn(&str, &[Value]) -> Result<Value, Value> + Send + Sync>;
/// What an [`Acceptor`] runs on its own thread for each accepted connection.
pub type ConnHandler = Arc<dyn Fn(TcpStream) + Send + Sync>;

/// How often the accept loop looks at its stop flag.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Conns {
    next: u64,
    open: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// A listener with a thread per connection that stops cleanly: the accept loop polls a
/// non-blocking listener, and stop shuts every open connection down and joins every thread.
pub struct Acceptor {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    conns: Arc<Mutex<Conns>>,
    accept_thread: Option<JoinHandle<()>>,
    /// Set once the accept thread has dropped the listener.
    closed: Arc<AtomicBool>,
}

/// Closes an [`Acceptor`]'s listener and connections without joining any thread: what a
/// process that dies does to its sockets. Callable from one of the connection threads;
/// [`Acceptor::stop`] joins later.
#[derive(Clone)]
pub struct AbortHandle {
    stopping: Arc<AtomicBool>,
    conns: Arc<Mutex<Conns>>,
    closed: Arc<AtomicBool>,
}

impl AbortHandle {
    /// Stop accepting and wait (up to 1 s) until the listener is gone.
    pub fn close_listener(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let t0 = Instant::now();
        while !self.closed.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(1) {
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Stop accepting and wait (up to 1 s) until the listener is gone, so that connecting
    /// is refused; then shut every open connection down.
    pub fn abort(&self) {
        self.close_listener();
        let g = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        for c in g.open.values() {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Acceptor {
    pub fn spawn(listener: TcpListener, handler: ConnHandler) -> io::Result<Acceptor> {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stopping = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Conns::default()));
        let (st, cs) = (stopping.clone(), conns.clone());
        let closed = Arc::new(AtomicBool::new(false));
        let done = closed.clone();
        let accept_thread = thread::Builder::new()
            .name(format!("sim-accept-{}", addr.port()))
            .spawn(move || {
                while !st.load(Ordering::SeqCst) {
                    let s = match listener.accept() {
                        Ok((s, _)) => s,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            thread::sleep(ACCEPT_POLL);
                            continue;
                        }
                        Err(_) => {
                            thread::sleep(ACCEPT_POLL);
                            continue;
                        }
                    };
                    let _ = s.set_nonblocking(false);
                    let mut g = cs.lock().unwrap_or_else(|e| e.into_inner());
                    let id = g.next;
                    g.next += 1;
                    if let Ok(c) = s.try_clone() {
                        g.open.insert(id, c);
                    }
                    let (h, cs2) = (handler.clone(), cs.clone());
                    if let Ok(t) = thread::Builder::new()
                        .name("sim-conn".into())
                        .spawn(move || {
                            h(s);
                            cs2.lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .open
                                .remove(&id);
                        })
                    {
                        g.threads.push(t);
                    }
                    g.threads.retain(|t| !t.is_finished());
                }
                drop(listener);
                done.store(true, Ordering::SeqCst);
            })?;
        Ok(Acceptor {
            addr,
            stopping,
            conns,
            accept_thread: Some(accept_thread),
            closed,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that closes this listener and its connections from any thread.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            stopping: self.stopping.clone(),
            conns: self.conns.clone(),
            closed: self.closed.clone(),
        }
    }

    /// Stop accepting (the listener is dropped: connecting is refused), shut the open
    /// connections down and join every thread. Idempotent.
    pub fn stop(&mut self) {
        let Some(t) = self.accept_thread.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        let _ = t.join();
        let threads = {
            let mut g = self.conns.lock().unwrap_or_else(|e| e.into_inner());
            for (_, c) in g.open.drain() {
                let _ = c.shutdown(std::net::Shutdown::Both);
            }
            std::mem::take(&mut g.threads)
        };
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serve MessagePack-RPC on one connection until it closes: answer each request through
/// `handler`, run notifications and ignore their results.
pub fn serve_connection(mut s: TcpStream, handler: &Handler) {
    loop {
        let v = match read_value(&mut s) {
            Ok(v) => v,
            Err(_) => return,
        };
        match Message::from_value(&v) {
            Ok(Message::Request {
                msgid,
                method,
                params,
            }) => {
                let reply = Message::reply(msgid, handler(&method, &params));
                if s.write_all(&reply.encode()).is_err() {
                    return;
                }
            }
            Ok(Message::Notification { method, params }) => {
                let _ = handler(&method, &params);
            }
            _ => {}
        }
    }
}

/// Why a [`call`] got no result.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// Nothing listens there.
    Refused,
    /// No answer within the time.
    Timeout,
    /// The server closed the connection without an answer.
    Closed,
    /// The answer carried an error.
    Error(Value),
    /// Something else went wrong (I/O, a reply that is not a response).
    Other(String),
}

/// One request on a fresh connection (as a container's MessagePack-RPC client makes it).
pub fn call(
    addr: SocketAddr,
    method: &str,
    params: Vec<Value>,
    timeout: Duration,
) -> Result<Value, CallError> {
    let start = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| match e.kind() {
        io::ErrorKind::ConnectionRefused => CallError::Refused,
        io::ErrorKind::TimedOut => CallError::Timeout,
        _ => CallError::Other(e.to_string()),
    })?;
    let _ = s.set_nodelay(true);
    s.write_all(&Message::request(1, method, params).encode())
        .map_err(|e| CallError::Other(e.to_string()))?;
    let left = timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(1));
    let _ = s.set_read_timeout(Some(left));
    match read_value(&mut s) {
        Ok(v) => match Message::from_value(&v) {
            Ok(Message::Response { error, result, .. }) if error.is_nil() => Ok(result),
            Ok(Message::Response { error, .. }) => Err(CallError::Error(error)),
            _ => Err(CallError::Other(format!("not a response: {v}"))),
        },
        Err(ReadError::Eof { .. }) => Err(CallError::Closed),
        Err(ReadError::Io(e))
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Err(CallError::Timeout)
        }
        Err(e) => Err(CallError::Other(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        for m in [
            Message::request(7, "temperature", vec![]),
            Message::reply(7, Ok(Value::from(100))),
            Message::reply(8, Err(Value::from("nope"))),
            Message::notification("tty", vec![Value::Binary(b"hi\n".to_vec())]),
        ] {
            let bytes = m.encode();
            let v = read_value(&mut &bytes[..]).unwrap();
            assert_eq!(Message::from_value(&v).unwrap(), m);
        }
    }

    #[test]
    fn the_tutorials_request_bytes() {
        // [0, 0, "temperature", []] as msgpack-rpc-python sends it.
        let bytes = [
            0x94, 0, 0, 0xab, b't', b'e', b'm', b'p', b'e', b'r', b'a', b't', b'u', b'r', b'e',
            0x90,
        ];
        let v = read_value(&mut &bytes[..]).unwrap();
        assert_eq!(
            Message::from_value(&v).unwrap(),
            Message::request(0, "temperature", vec![])
        );
    }

    #[test]
    fn a_cut_value_is_told_from_a_clean_end() {
        assert!(matches!(
            read_value(&mut &[][..]),
            Err(ReadError::Eof { partial: 0 })
        ));
        assert!(matches!(
            read_value(&mut &[0x94, 0][..]),
            Err(ReadError::Eof { partial: 2 })
        ));
    }

    #[test]
    fn a_server_answers_and_stops() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let h: Handler = Arc::new(|m, p| match m {
            "add" => Ok(Value::from(p.iter().filter_map(Value::as_u64).sum::<u64>())),
            _ => Err(Value::from("no")),
        });
        let mut a = Acceptor::spawn(l, Arc::new(move |s| serve_connection(s, &h))).unwrap();
        let t = Duration::from_secs(2);
        assert_eq!(
            call(a.local_addr(), "add", vec![2.into(), 3.into()], t),
            Ok(Value::from(5))
        );
        assert_eq!(
            call(a.local_addr(), "x", vec![], t),
            Err(CallError::Error(Value::from("no")))
        );
        let addr = a.local_addr();
        a.stop();
        assert_eq!(call(addr, "add", vec![], t), Err(CallError::Refused));
    }
}
