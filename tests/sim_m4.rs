//! x8ctl's RPC client (the product library) against the virtual X8's m4-proxy and M4: each
//! side has its own MessagePack code, so each checks the other.

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use virtual_x8::m4::*;
use virtual_x8::{Fault, Faults};
use x8ctl_core::rpc::client::{CallOptions, CallOutcome, call, call_retrying_stale, notify};
use x8ctl_core::rpc::message::{Message, Request, Response};
use x8ctl_core::rpc::msgpack::{Value, read_value};
use x8ctl_core::rpc::server::{Handler, Server};

type Log = Arc<dyn Fn(String) + Send + Sync>;
/// A proxy's journal lines, as a test collects them.
type Lines = Arc<Mutex<Vec<String>>>;

mod tests {
    use super::*;

    fn start(faults: Arc<Faults>, upstream: Option<String>) -> (M4Proxy, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l = lines.clone();
        let log: Log = Arc::new(move |s| l.lock().unwrap().push(s));
        (M4Proxy::start(faults, upstream, log).unwrap(), lines)
    }

    fn opts() -> CallOptions {
        CallOptions::default()
    }

    #[test]
    fn sensors_answer() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        for (m, v) in [
            ("temperature", 100),
            ("humidity", 200),
            ("pressure", 300),
            ("gas", 400),
            ("altitude", 500),
        ] {
            let o = call(p.call_addr(), m, vec![], &opts());
            assert_eq!(o.result(), Some(&Value::UInt(v)), "{m}: {o}");
        }
        p.stop();
    }

    #[test]
    fn tutorial_bytes_msgid_zero() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let mut s = TcpStream::connect(p.call_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        s.write_all(&[
            0x94, 0, 0, 0xab, b't', b'e', b'm', b'p', b'e', b'r', b'a', b't', b'u', b'r', b'e',
            0x90,
        ])
        .unwrap();
        let mut got = Vec::new();
        io::Read::read_to_end(&mut s, &mut got).unwrap();
        assert_eq!(got, [0x94, 0x01, 0x00, 0xc0, 0x64]);
        p.stop();
    }

    /// A proxy that reports its crash, with its journal lines.
    fn start_watched(sketch: Sketch) -> (M4Proxy, Lines, Arc<Mutex<Option<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l = lines.clone();
        let log: Log = Arc::new(move |s| l.lock().unwrap().push(s));
        let died = Arc::new(Mutex::new(None));
        let d = died.clone();
        let on_exit: OnExit = Arc::new(move |p| *d.lock().unwrap() = Some(p.first_line()));
        let p =
            M4Proxy::start_with(Arc::new(Faults::default()), None, sketch, log, on_exit).unwrap();
        (p, lines, died)
    }

    #[test]
    fn an_unbound_method_kills_m4_proxy_with_the_m4s_own_error_reply() {
        // On the board (real-board-evidence.md §2.2): rpclib's "could not find function"
        // reply is a str8, m4-proxy panics decoding it, the caller sees a close.
        let (p, lines, died) = start_watched(Sketch::Bmp280);
        let t = Instant::now();
        let o = call(p.call_addr(), "gas", vec![], &opts());
        assert_eq!(o.kind(), "no_answer", "{o}");
        assert!(
            t.elapsed() < Duration::from_millis(900),
            "closed at once, not after 1 s"
        );
        assert_eq!(
            died.lock().unwrap().as_deref(),
            Some("panic: unsupported code: 217")
        );
        assert!(!p.is_alive());
        let l = lines.lock().unwrap().clone();
        assert_eq!(l[0], "panic: unsupported code: 217");
        assert_eq!(l[1], "");
        assert!(
            l[2].starts_with("goroutine ") && l[2].ends_with(" [running]:"),
            "{l:?}"
        );
        assert_eq!(
            call(p.call_addr(), "temperature", vec![], &opts()),
            CallOutcome::NotListening,
            "both ports are closed"
        );
        assert_eq!(
            call(p.register_addr(), "register", vec![], &opts()),
            CallOutcome::NotListening
        );
        p.stop();

        // A wrong argument count: rpclib's C0002 error, the same end.
        let (p, _, died) = start_watched(Sketch::Sensors);
        let o = call(p.call_addr(), "temperature", vec![Value::UInt(1)], &opts());
        assert_eq!(o.kind(), "no_answer", "{o}");
        assert!(died.lock().unwrap().is_some());
        p.stop();
    }

    #[test]
    fn x8ctls_encoder_passes_where_a_modern_packer_kills_m4_proxy() {
        let sk = Sketch::parse("greet(name) = \"hi\"\necho(x) = $1\n").unwrap();
        let forty = "x".repeat(40);
        // x8ctl: raw16 -> m4-proxy decodes it, the sketch answers.
        let (p, _, died) = start_watched(sk.clone());
        let o = call(
            p.call_addr(),
            "greet",
            vec![Value::from(forty.as_str())],
            &opts(),
        );
        assert_eq!(o.result(), Some(&Value::from("hi")), "{o}");
        assert!(p.is_alive() && died.lock().unwrap().is_none());
        // A float is refused before anything is sent.
        let o = call(p.call_addr(), "echo", vec![Value::F64(1.5)], &opts());
        assert_eq!(o.kind(), "refused", "{o}");
        assert!(p.is_alive());
        p.stop();
        // The same request as msgpack with str8 (rmpv, like msgpack-c or msgpack-python with
        // use_bin_type=True): m4-proxy panics 217.
        let (p, _, died) = start_watched(sk);
        use virtual_x8::rpcwire::{Value as RValue, encode as rencode};
        let req = RValue::Array(vec![
            0.into(),
            1.into(),
            "greet".into(),
            RValue::Array(vec![forty.as_str().into()]),
        ]);
        let b = rencode(&req);
        assert_eq!(&b[10..12], &[0xd9, 40]);
        let mut s = TcpStream::connect(p.call_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        s.write_all(&b).unwrap();
        let mut got = Vec::new();
        let _ = io::Read::read_to_end(&mut s, &mut got);
        assert!(got.is_empty());
        assert_eq!(
            died.lock().unwrap().as_deref(),
            Some("panic: unsupported code: 217")
        );
        p.stop();
    }

    #[test]
    fn an_echoed_string_of_32_to_255_bytes_kills_m4_proxy_on_the_way_back() {
        // The M4 packs its result as msgpack-c does: str8.
        let (p, _, died) = start_watched(Sketch::parse("echo(x) = $1").unwrap());
        let o = call(
            p.call_addr(),
            "echo",
            vec![Value::from("y".repeat(31))],
            &opts(),
        );
        assert_eq!(o.result(), Some(&Value::from("y".repeat(31))), "{o}");
        let o = call(
            p.call_addr(),
            "echo",
            vec![Value::from("y".repeat(32))],
            &opts(),
        );
        assert_eq!(o.kind(), "no_answer", "{o}");
        assert!(died.lock().unwrap().is_some());
        p.stop();
    }

    #[test]
    fn silent_m4_gives_no_answer_after_one_second() {
        let faults = Arc::new(Faults::new([Fault::M4Silent]));
        let (p, _) = start(faults.clone(), None);
        let t = Instant::now();
        let o = call(p.call_addr(), "temperature", vec![], &opts());
        let el = t.elapsed();
        assert_eq!(o.kind(), "no_answer", "{o}");
        assert!(
            el >= Duration::from_millis(950) && el < Duration::from_millis(2500),
            "{el:?}"
        );
        // The fault is read per call: switch it off and the M4 answers again.
        faults.set(Fault::M4Silent, false);
        assert!(call(p.call_addr(), "gas", vec![], &opts()).is_answered());
        p.stop();
    }

    #[test]
    fn not_listening_after_stop() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let (c, r) = (p.call_addr(), p.register_addr());
        // An idle connection and a waiting call do not hold stop() up.
        let _idle = TcpStream::connect(c).unwrap();
        let t = Instant::now();
        p.stop();
        assert!(t.elapsed() < Duration::from_millis(900));
        assert_eq!(
            call(c, "temperature", vec![], &opts()),
            CallOutcome::NotListening
        );
        assert_eq!(
            call(r, "register", vec![], &opts()),
            CallOutcome::NotListening
        );
    }

    #[test]
    fn late_reply_goes_to_the_next_request() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let t = Instant::now();
        let o = call(
            p.call_addr(),
            SLEEP_METHOD,
            vec![Value::UInt(1300)],
            &opts(),
        );
        assert_eq!(o.kind(), "no_answer", "{o}");
        assert!(t.elapsed() < Duration::from_millis(1250));
        // Wait for the late reply to land in the shared queue.
        thread::sleep(Duration::from_millis(500));
        let o = call(p.call_addr(), "temperature", vec![], &opts());
        assert!(matches!(o, CallOutcome::StaleReply { .. }), "{o}");
        // The temperature reply is now queued (with the previous call's id): the retry
        // helper drains it, then takes its first attempt's reply as its own.
        let r = call_retrying_stale(p.call_addr(), "temperature", vec![], &opts());
        assert!(r.stale.is_some(), "{r:?}");
        assert_eq!(r.outcome.result(), Some(&Value::UInt(100)), "{r:?}");
        p.stop();
    }

    #[test]
    fn retrying_stale_accepts_the_first_attempts_reply() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let o = call(
            p.call_addr(),
            SLEEP_METHOD,
            vec![Value::UInt(1200)],
            &opts(),
        );
        assert_eq!(o.kind(), "no_answer");
        thread::sleep(Duration::from_millis(400));
        let r = call_retrying_stale(p.call_addr(), "temperature", vec![], &opts());
        assert!(r.stale.is_some(), "{r:?}");
        assert_eq!(r.outcome.result(), Some(&Value::UInt(100)), "{r:?}");
        // Queue now holds the retry's own reply: a fresh call sees it as stale.
        let o = call(p.call_addr(), "humidity", vec![], &opts());
        assert_eq!(o.kind(), "stale_reply");
        p.stop();
    }

    #[test]
    fn concurrent_calls_share_the_queue() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let addr = p.call_addr();
        let handles: Vec<_> = (0..8u32)
            .map(|i| {
                thread::spawn(move || {
                    let o = CallOptions {
                        msgid: Some(1000 + i),
                        ..CallOptions::default()
                    };
                    (1000 + i, call(addr, "temperature", vec![], &o))
                })
            })
            .collect();
        // Replies may cross between concurrent callers (m4-proxy does not match msgids);
        // the client says so instead of taking another caller's reply. Every reply reaches
        // exactly one caller.
        let mut sent = Vec::new();
        let mut got = Vec::new();
        for h in handles {
            let (id, o) = h.join().unwrap();
            sent.push(id);
            match o {
                CallOutcome::Answered { result, .. } => {
                    assert_eq!(result, Value::UInt(100));
                    got.push(id);
                }
                CallOutcome::StaleReply { expected, got: g } => {
                    assert_eq!(expected, id);
                    got.push(g);
                }
                other => panic!("{other}"),
            }
        }
        got.sort();
        assert_eq!(sent, got);
        p.stop();
    }

    #[test]
    fn register_on_5000() {
        let (p, lines) = start(Arc::new(Faults::default()), None);
        let o = call(
            p.register_addr(),
            "register",
            vec![
                Value::UInt(5002),
                Value::Array(vec![Value::from("tty"), Value::from("echo")]),
            ],
            &opts(),
        );
        assert_eq!(o.result(), Some(&Value::from("")), "{o}");
        let o = call(
            p.register_addr(),
            "register",
            vec![
                Value::UInt(5005),
                Value::Array(vec![Value::from("multiply")]),
            ],
            &opts(),
        );
        assert!(o.is_answered());
        assert_eq!(
            p.registrations(),
            vec![
                ("echo".to_string(), 5002),
                ("multiply".to_string(), 5005),
                ("tty".to_string(), 5002)
            ]
        );
        let l = lines.lock().unwrap().clone();
        assert_eq!(
            l[0],
            "Registering service on port  5002  with functions  map[echo:5002 tty:5002]"
        );
        assert_eq!(
            l[1],
            "Registering service on port  5005  with functions  map[echo:5002 multiply:5005 tty:5002]"
        );
        // msgpack-rpc-go's arity error comes back as the caller's error (a raw16 string).
        assert_eq!(
            call(p.register_addr(), "register", vec![Value::UInt(1)], &opts()),
            CallOutcome::M4Error {
                error: Value::from(
                    "The number of the given arguments (1) doesn't match the arity (2)"
                )
            }
        );
        // Several requests on one connection.
        let mut s = TcpStream::connect(p.register_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let mut b = Request::new(
            1,
            "register",
            vec![Value::UInt(5010), Value::Array(vec![Value::from("a")])],
        )
        .encode();
        b.extend(
            Request::new(
                2,
                "register",
                vec![Value::UInt(5011), Value::Array(vec![Value::from("b")])],
            )
            .encode(),
        );
        s.write_all(&b).unwrap();
        let mut buf = Vec::new();
        for id in [1, 2] {
            let v = read_value(&mut s, &mut buf).unwrap();
            assert_eq!(
                Message::from_value(&v).unwrap(),
                Message::Response(Response::ok(id, Value::from("")))
            );
        }
        p.stop();
    }

    #[test]
    fn m4_calls_a_registered_linux_function() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sn = seen.clone();
        let h: Handler = Arc::new(move |m, p| {
            sn.lock()
                .unwrap()
                .push(format!("{m}{}", Value::Array(p.to_vec())));
            match m {
                "echo" => Ok(Value::Array(p.to_vec())),
                _ => Err(Value::from("nope")),
            }
        });
        let linux = Server::bind("127.0.0.1:0".parse().unwrap(), h).unwrap();
        let (p, _) = start(Arc::new(Faults::default()), None);
        let port = Value::UInt(linux.local_addr().port() as u64);
        let names = Value::Array(vec![
            Value::from("echo"),
            Value::from("tty"),
            Value::from("bad"),
        ]);
        assert!(call(p.register_addr(), "register", vec![port, names], &opts()).is_answered());

        let o = call(
            p.call_addr(),
            CALL_LINUX_METHOD,
            vec![Value::from("echo"), Value::Array(vec![Value::from("hi")])],
            &opts(),
        );
        assert_eq!(
            o.result(),
            Some(&Value::Array(vec![Value::from("hi")])),
            "{o}"
        );
        let o = call(
            p.call_addr(),
            CALL_LINUX_METHOD,
            vec![Value::from("bad")],
            &opts(),
        );
        assert_eq!(
            o,
            CallOutcome::M4Error {
                error: Value::from("nope")
            }
        );
        let o = call(
            p.call_addr(),
            CALL_LINUX_METHOD,
            vec![Value::from("unregistered")],
            &opts(),
        );
        assert_eq!(
            o,
            CallOutcome::M4Error {
                error: Value::from("no reply from Linux")
            }
        );
        let o = call(
            p.call_addr(),
            NOTIFY_LINUX_METHOD,
            vec![Value::from("tty"), Value::Array(vec![Value::from("line")])],
            &opts(),
        );
        assert_eq!(o.result(), Some(&Value::Nil));
        // The notification is delivered (asynchronously on the Linux side).
        let t = Instant::now();
        while !seen.lock().unwrap().iter().any(|l| l == "tty[\"line\"]") {
            assert!(
                t.elapsed() < Duration::from_secs(3),
                "{:?}",
                seen.lock().unwrap()
            );
            thread::sleep(Duration::from_millis(10));
        }
        // A resolver that says nothing listens: the call is dropped.
        p.set_port_resolver(Arc::new(|_| None));
        let o = call(
            p.call_addr(),
            CALL_LINUX_METHOD,
            vec![Value::from("echo")],
            &opts(),
        );
        assert_eq!(o.kind(), "m4_error");
        p.stop();
        linux.stop();
    }

    #[test]
    fn notifications_close_at_once() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let t = Instant::now();
        let mut s = TcpStream::connect(p.call_addr()).unwrap();
        s.write_all(&x8ctl_core::rpc::message::Notification::new("tty", vec![]).encode())
            .unwrap();
        let mut got = Vec::new();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        io::Read::read_to_end(&mut s, &mut got).unwrap();
        assert!(got.is_empty());
        assert!(t.elapsed() < Duration::from_millis(500));
        notify(p.call_addr(), "tty", vec![Value::from("x")]).unwrap();
        // The M4 still answers calls afterwards (notifications queue no response).
        assert_eq!(
            call(p.call_addr(), "pressure", vec![], &opts()).result(),
            Some(&Value::UInt(300))
        );
        p.stop();
    }

    #[test]
    fn garbage_on_5001_mostly_kills_m4_proxy() {
        // proxy/main.go:26-56 with msgpack-go 313ca45 (see the virtual X8's olddialect):
        // a panic code, a nil, a lone scalar (written to the M4, then `buf.Bytes()[1]`
        // panics) all end the process; a value cut short is printed and the socket left open.
        let killers: Vec<Vec<u8>> = vec![
            vec![0xc1],
            vec![0xd9, 1, b'x'],
            vec![0xc5, 0, 1, 0],
            vec![0x01],
            b"GET / HTTP/1.0\r\n\r\n".to_vec(),
            vec![0x94, 0x00, 0x01, 0xa1, b'x', 0x91, 0xc0],
        ];
        for j in &killers {
            let (p, _, died) = start_watched(Sketch::Sensors);
            let mut s = TcpStream::connect(p.call_addr()).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
            let _ = s.write_all(j);
            let mut got = Vec::new();
            let _ = io::Read::read_to_end(&mut s, &mut got);
            assert!(got.is_empty(), "{j:02x?} got a reply {got:02x?}");
            assert!(died.lock().unwrap().is_some(), "{j:02x?} should kill it");
            p.stop();
        }
        // Cut short: no panic, the proxy lives on.
        let (p, lines, died) = start_watched(Sketch::Sensors);
        for j in [vec![0x94, 0x00], vec![]] {
            let mut s = TcpStream::connect(p.call_addr()).unwrap();
            let _ = s.write_all(&j);
            let _ = s.shutdown(std::net::Shutdown::Write);
            thread::sleep(Duration::from_millis(150));
        }
        assert!(died.lock().unwrap().is_none());
        assert!(lines.lock().unwrap().iter().any(|l| l.contains("EOF")));
        // A non-RPC array and a notification are forwarded; nothing comes back.
        for j in [
            vec![0x92, 0x05, 0x06],
            vec![0x93, 0x02, 0xa3, b't', b't', b'y', 0x91, 0xa1, b'x'],
        ] {
            let mut s = TcpStream::connect(p.call_addr()).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
            s.write_all(&j).unwrap();
            let mut got = Vec::new();
            let _ = io::Read::read_to_end(&mut s, &mut got);
            assert!(got.is_empty());
        }
        assert!(call(p.call_addr(), "temperature", vec![], &opts()).is_answered());
        p.stop();
    }

    #[test]
    fn upstream_mode() {
        let h: Handler = Arc::new(|m, p| match m {
            "temperature" => Ok(Value::Int(21)),
            "slow" => {
                thread::sleep(Duration::from_millis(2000));
                Ok(Value::Nil)
            }
            _ => Err(Value::from(format!("no {m} ({} args)", p.len()))),
        });
        let up = Server::bind("127.0.0.1:0".parse().unwrap(), h).unwrap();
        let faults = Arc::new(Faults::default());
        let (p, _) = start(faults.clone(), Some(up.local_addr().to_string()));
        assert_eq!(
            call(p.call_addr(), "temperature", vec![], &opts()).result(),
            Some(&Value::UInt(21))
        );
        assert_eq!(call(p.call_addr(), "x", vec![], &opts()).kind(), "m4_error");
        let t = Instant::now();
        assert_eq!(
            call(p.call_addr(), "slow", vec![], &opts()).kind(),
            "no_answer"
        );
        assert!(t.elapsed() < Duration::from_millis(1900));
        faults.set(Fault::M4Silent, true);
        assert_eq!(
            call(p.call_addr(), "temperature", vec![], &opts()).kind(),
            "no_answer"
        );
        faults.set(Fault::M4Silent, false);
        p.stop();
        up.stop();

        // Upstream not running: silent close after at most 1 s, no panic.
        let (p, lines) = start(Arc::new(Faults::default()), Some("127.0.0.1:1".to_string()));
        assert_eq!(
            call(p.call_addr(), "temperature", vec![], &opts()).kind(),
            "no_answer"
        );
        assert!(lines.lock().unwrap().iter().any(|l| l.contains("upstream")));
        p.stop();
    }
}
