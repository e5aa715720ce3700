//! A threaded MessagePack-RPC server, and the accept loop it shares with the simulated
//! m4-proxy ([`Acceptor`]).
//!
//! Threads: one accept thread (blocking `accept`, woken up by a connection to itself on
//! stop) and one thread per connection. [`Acceptor::stop`] shuts every open connection
//! down, joins all threads, and drops the listener, so connecting afterwards is refused.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::message::{Message, Response};
use super::msgpack::{ReadError, Value, read_value};

/// What a [`Server`] calls for each request and notification: `Ok(result)` or
/// `Err(error)` (the error field of the response).
pub type Handler = Arc<dyn Fn(&str, &[Value]) -> Result<Value, Value> + Send + Sync>;

/// What an [`Acceptor`] runs (on its own thread) for each accepted connection. The flag
/// turns true when the acceptor stops: a handler that blocks in `read` must wake up to
/// look at it (see [`POLL`]).
pub type ConnHandler = Arc<dyn Fn(TcpStream, &AtomicBool) + Send + Sync>;

/// How often a connection's blocking read wakes up to see whether the server is stopping.
/// On Unix, `shutdown(Both)` on a clone wakes the read at once; on Windows it does not
/// (rust-lang/rust#121594; seen hanging under Wine, issue 15), so `stop` would wait for
/// an idle client forever without this bound.
pub const POLL: Duration = Duration::from_millis(200);

struct Shared {
    stopping: AtomicBool,
    next_id: AtomicU64,
    /// Clones of the open connections, to shut them down on stop.
    conns: Mutex<HashMap<u64, TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// A listener with an accept thread and a thread per connection, that stops cleanly.
pub struct Acceptor {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    /// Serve `listener`: run `handler` for each connection on its own thread. The handler
    /// owns the stream; when it returns the connection is closed.
    pub fn spawn(listener: TcpListener, handler: ConnHandler) -> io::Result<Acceptor> {
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
        });
        let sh = shared.clone();
        let accept_thread = thread::Builder::new()
            .name(format!("rpc-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, sh, handler))?;
        Ok(Acceptor {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, shut the open connections down, join every thread. Idempotent.
    pub fn stop(&mut self) {
        let Some(t) = self.accept_thread.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a connection to ourselves.
        let wake = match self.addr {
            SocketAddr::V4(a) if a.ip().is_unspecified() => {
                SocketAddr::from((Ipv4Addr::LOCALHOST, a.port()))
            }
            SocketAddr::V6(a) if a.ip().is_unspecified() => {
                SocketAddr::from((Ipv6Addr::LOCALHOST, a.port()))
            }
            a => a,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        let _ = t.join();
        for (_, c) in self
            .shared
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            let _ = c.shutdown(Shutdown::Both);
        }
        let threads: Vec<_> = std::mem::take(
            &mut *self
                .shared
                .threads
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
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

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, handler: ConnHandler) {
    loop {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => {
                if shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                // EMFILE and friends: back off instead of spinning.
                if e.kind() != io::ErrorKind::Interrupted {
                    thread::sleep(Duration::from_millis(20));
                }
                continue;
            }
        };
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(c) = stream.try_clone() {
            shared
                .conns
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, c);
        }
        let sh = shared.clone();
        let h = handler.clone();
        let spawned = thread::Builder::new()
            .name("rpc-conn".into())
            .spawn(move || {
                h(stream, &sh.stopping);
                sh.conns
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
            });
        let mut threads = shared.threads.lock().unwrap_or_else(|e| e.into_inner());
        threads.retain(|t| !t.is_finished());
        match spawned {
            Ok(t) => threads.push(t),
            Err(_) => {
                if let Some(c) = shared
                    .conns
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id)
                {
                    let _ = c.shutdown(Shutdown::Both);
                }
            }
        }
    }
    // The listener is dropped here: the port is closed.
}

/// A MessagePack-RPC server: several requests per connection, answered in order;
/// notifications are handled and never answered; a message that is not a request or a
/// notification, or bytes that are not MessagePack, end the connection.
pub struct Server {
    acceptor: Acceptor,
}

impl Server {
    pub fn bind(addr: SocketAddr, handler: Handler) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let conn: ConnHandler =
            Arc::new(move |s, stopping| serve_connection(s, &handler, stopping));
        Ok(Server {
            acceptor: Acceptor::spawn(listener, conn)?,
        })
    }
    pub fn local_addr(&self) -> SocketAddr {
        self.acceptor.local_addr()
    }
    /// Close the port and every connection, join all threads.
    pub fn stop(mut self) {
        self.acceptor.stop();
    }
}

/// Serve MessagePack-RPC requests on one connection until it closes, sends garbage, or
/// `stopping` turns true (looked at every [`POLL`] while the client is idle).
pub fn serve_connection(mut s: TcpStream, handler: &Handler, stopping: &AtomicBool) {
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(POLL));
    let mut buf = Vec::new();
    loop {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let v = match read_value(&mut s, &mut buf) {
            Ok(v) => v,
            // A timed-out read keeps what arrived in `buf`: reading again goes on from there.
            Err(ReadError::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(ReadError::Eof { .. } | ReadError::Io(_) | ReadError::Invalid(_)) => return,
        };
        match Message::from_value(&v) {
            Ok(Message::Request(r)) => {
                let resp = match handler(&r.method, &r.params) {
                    Ok(v) => Response::ok(r.msgid, v),
                    Err(e) => Response::err(r.msgid, e),
                };
                if s.write_all(&resp.encode()).is_err() {
                    return;
                }
            }
            Ok(Message::Notification(n)) => {
                let _ = handler(&n.method, &n.params);
            }
            Ok(Message::Response(_)) | Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::client::{CallOptions, CallOutcome, call, notify};
    use crate::rpc::message::{Notification, Request};
    use std::sync::atomic::AtomicUsize;

    fn echo_server(count: Arc<AtomicUsize>) -> Server {
        let h: Handler = Arc::new(move |m, p| {
            count.fetch_add(1, Ordering::SeqCst);
            match m {
                "echo" => Ok(Value::Array(p.to_vec())),
                "fail" => Err(Value::from("failed")),
                _ => Err(Value::from(format!("unknown method {m}"))),
            }
        });
        Server::bind("127.0.0.1:0".parse().unwrap(), h).unwrap()
    }

    #[test]
    fn calls_notifications_and_stop() {
        let count = Arc::new(AtomicUsize::new(0));
        let srv = echo_server(count.clone());
        let addr = srv.local_addr();
        let o = call(addr, "echo", vec![Value::UInt(1)], &CallOptions::default());
        assert_eq!(o.result(), Some(&Value::Array(vec![Value::UInt(1)])));
        assert_eq!(
            call(addr, "fail", vec![], &CallOptions::default()),
            CallOutcome::M4Error {
                error: Value::from("failed")
            }
        );
        notify(addr, "echo", vec![]).unwrap();

        // Several requests on one connection, and a notification in between (no answer).
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut bytes = Request::new(1, "echo", vec![Value::UInt(1)]).encode();
        bytes.extend(Notification::new("echo", vec![]).encode());
        bytes.extend(Request::new(2, "echo", vec![Value::UInt(2)]).encode());
        s.write_all(&bytes).unwrap();
        let mut buf = Vec::new();
        let r1 = read_value(&mut s, &mut buf).unwrap();
        let r2 = read_value(&mut s, &mut buf).unwrap();
        assert_eq!(
            Message::from_value(&r1).unwrap(),
            Message::Response(Response::ok(1, Value::Array(vec![Value::UInt(1)])))
        );
        assert_eq!(
            Message::from_value(&r2).unwrap(),
            Message::Response(Response::ok(2, Value::Array(vec![Value::UInt(2)])))
        );

        // An idle open connection does not keep stop() from returning.
        let idle = TcpStream::connect(addr).unwrap();
        thread::sleep(Duration::from_millis(50));
        srv.stop();
        assert_eq!(
            call(addr, "echo", vec![], &CallOptions::default()),
            CallOutcome::NotListening
        );
        drop(idle);
        assert!(count.load(Ordering::SeqCst) >= 6);
    }

    /// Without `shutdown` waking it (Windows does not), an idle connection's thread still
    /// ends within a poll or two of the stop flag (issue 15).
    #[test]
    fn an_idle_connection_notices_the_stop_flag_without_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).unwrap();
        let (conn, _) = listener.accept().unwrap();
        let stopping = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let flag = stopping.clone();
        let h: Handler = Arc::new(|_, _| Ok(Value::Nil));
        thread::spawn(move || {
            serve_connection(conn, &h, &flag);
            let _ = tx.send(());
        });
        thread::sleep(POLL * 2);
        assert!(rx.try_recv().is_err(), "ended before it was told to");
        stopping.store(true, Ordering::SeqCst);
        rx.recv_timeout(POLL * 5)
            .expect("the connection's thread must end soon after the stop flag");
    }

    /// A request split across a read timeout is not lost.
    #[test]
    fn a_request_split_across_polls_is_answered() {
        let srv = echo_server(Arc::new(AtomicUsize::new(0)));
        let mut s = TcpStream::connect(srv.local_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let bytes = Request::new(7, "echo", vec![Value::UInt(3)]).encode();
        s.write_all(&bytes[..3]).unwrap();
        thread::sleep(POLL * 2);
        s.write_all(&bytes[3..]).unwrap();
        let mut buf = Vec::new();
        let r = read_value(&mut s, &mut buf).unwrap();
        assert_eq!(
            Message::from_value(&r).unwrap(),
            Message::Response(Response::ok(7, Value::Array(vec![Value::UInt(3)])))
        );
        srv.stop();
    }

    #[test]
    fn garbage_closes_connection_only() {
        let srv = echo_server(Arc::new(AtomicUsize::new(0)));
        let addr = srv.local_addr();
        for junk in [
            &[0xc1u8][..],
            &[0xdb, 0xff, 0xff, 0xff, 0xff],
            &[0x01],
            &[0x93, 0x01, 0x02, 0x03],
        ] {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
            s.write_all(junk).unwrap();
            let mut b = Vec::new();
            assert!(read_value(&mut s, &mut b).is_err());
        }
        let o = call(addr, "echo", vec![], &CallOptions::default());
        assert!(o.is_answered(), "{o}");
        srv.stop();
    }
}
