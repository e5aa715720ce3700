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

    #[test]
    fn unbound_method_is_m4_error() {
        let (p, _) = start(Arc::new(Faults::default()), None);
        let o = call(p.call_addr(), "nope", vec![], &opts());
        assert_eq!(
            o,
            CallOutcome::M4Error {
                error: Value::from(
                    "rpclib: server could not find function 'nope' with argument count 0."
                )
            }
        );
        let o = call(p.call_addr(), "temperature", vec![Value::UInt(1)], &opts());
        assert_eq!(o.kind(), "m4_error");
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
        assert_eq!(
            call(p.register_addr(), "temperature", vec![], &opts()),
            CallOutcome::M4Error {
                error: Value::from("method not found: temperature")
            }
        );
        assert_eq!(
            call(p.register_addr(), "register", vec![Value::UInt(1)], &opts()).kind(),
            "m4_error"
        );
        assert_eq!(
            call(
                p.register_addr(),
                "register",
                vec![Value::UInt(70000), Value::Array(vec![])],
                &opts()
            )
            .kind(),
            "m4_error"
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
        assert_eq!(o.kind(), "m4_error", "{o}");
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
    fn malformed_input_never_breaks_the_proxy() {
        let (p, lines) = start(Arc::new(Faults::default()), None);
        let junk: Vec<Vec<u8>> = vec![
            vec![0xc1],
            vec![0xdb, 0xff, 0xff, 0xff, 0xff],
            vec![0xdd, 0xff, 0xff, 0xff, 0xff],
            vec![0x91; 200],
            vec![0x01],
            vec![0x94, 0x05, 0x00, 0xa1, b'x', 0x90],
            vec![0x94, 0x00, 0x00, 0x07, 0x90],
            Response::ok(3, Value::Nil).encode(),
            vec![0x94, 0x00],
            b"GET / HTTP/1.0\r\n\r\n".to_vec(),
            vec![],
        ];
        for addr in [p.call_addr(), p.register_addr()] {
            for j in &junk {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                let _ = s.write_all(j);
                let _ = s.shutdown(std::net::Shutdown::Write);
                let mut got = Vec::new();
                let _ = io::Read::read_to_end(&mut s, &mut got);
                assert!(got.is_empty(), "{j:02x?} got a reply {got:02x?}");
            }
        }
        assert!(!lines.lock().unwrap().is_empty());
        assert!(call(p.call_addr(), "temperature", vec![], &opts()).is_answered());
        assert!(
            call(
                p.register_addr(),
                "register",
                vec![Value::UInt(5002), Value::Array(vec![])],
                &opts()
            )
            .is_answered()
        );
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
