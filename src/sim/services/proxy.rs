//! A minimal stand-in for `sim::m4::M4Proxy` with the same interface
//! (`start(faults, upstream, log)`, `call_addr`, `register_addr`, `stop`). The services use
//! it only until the real m4-proxy from `sim::m4` is merged; it answers the tutorial
//! sketch's five methods on the call port and `register` on the register port.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::mp::{self, Value};
use crate::sim::faults::{Fault, Faults};

pub type LogFn = Arc<dyn Fn(String) + Send + Sync>;

pub struct StandInProxy {
    call: SocketAddr,
    register: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

fn read_one(s: &mut TcpStream) -> Option<Value> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match mp::decode(&buf) {
            Ok((v, _)) => return Some(v),
            Err(mp::DecodeError::Invalid) => return None,
            Err(mp::DecodeError::Incomplete) => {}
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn sketch_answer(method: &str) -> Option<i64> {
    match method {
        "temperature" => Some(100),
        "humidity" => Some(200),
        "pressure" => Some(300),
        "gas" => Some(400),
        "altitude" => Some(500),
        _ => None,
    }
}

fn serve(
    l: TcpListener,
    stop: Arc<AtomicBool>,
    handler: impl Fn(TcpStream) + Send + 'static,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for conn in l.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            if let Ok(c) = conn {
                handler(c);
            }
        }
    })
}

impl StandInProxy {
    pub fn start(
        faults: Arc<Faults>,
        _upstream: Option<String>,
        log: LogFn,
    ) -> io::Result<StandInProxy> {
        let lc = TcpListener::bind("127.0.0.1:0")?;
        let lr = TcpListener::bind("127.0.0.1:0")?;
        let call = lc.local_addr()?;
        let register = lr.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let f = faults.clone();
        let t1 = serve(lc, stop.clone(), move |mut c| {
            let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
            let Some(Value::Array(req)) = read_one(&mut c) else {
                return;
            };
            if f.has(Fault::M4Silent) {
                std::thread::sleep(Duration::from_secs(1));
                return;
            }
            let id = req.get(1).cloned().unwrap_or(Value::Int(0));
            let method = match req.get(2) {
                Some(Value::Str(s)) => s.clone(),
                _ => String::new(),
            };
            let Some(v) = sketch_answer(&method) else {
                // An unbound method: the M4 does not answer, the proxy closes after 1 s.
                std::thread::sleep(Duration::from_secs(1));
                return;
            };
            let reply = Value::Array(vec![Value::Int(1), id, Value::Nil, Value::Int(v)]);
            let mut out = Vec::new();
            mp::encode(&reply, &mut out);
            let _ = c.write_all(&out);
        });
        let lg = log.clone();
        let t2 = serve(lr, stop.clone(), move |mut c| {
            let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
            while let Some(Value::Array(req)) = read_one(&mut c) {
                let id = req.get(1).cloned().unwrap_or(Value::Int(0));
                if let Some(Value::Array(p)) = req.get(3) {
                    let port = p.first().map(|v| v.python_repr()).unwrap_or_default();
                    let names: Vec<String> = match p.get(1) {
                        Some(Value::Array(n)) => n
                            .iter()
                            .map(|v| match v {
                                Value::Str(s) => format!("{s}:{port}"),
                                o => o.python_repr(),
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    lg(format!(
                        "Registering service on port  {port}  with functions  map[{}]",
                        names.join(" ")
                    ));
                }
                let mut out = Vec::new();
                mp::encode(
                    &Value::Array(vec![Value::Int(1), id, Value::Nil, Value::Str(String::new())]),
                    &mut out,
                );
                if c.write_all(&out).is_err() {
                    break;
                }
            }
        });
        Ok(StandInProxy {
            call,
            register,
            stop,
            threads: vec![t1, t2],
        })
    }
    pub fn call_addr(&self) -> SocketAddr {
        self.call
    }
    pub fn register_addr(&self) -> SocketAddr {
        self.register
    }
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.call, Duration::from_millis(200));
        let _ = TcpStream::connect_timeout(&self.register, Duration::from_millis(200));
        for t in self.threads {
            let _ = t.join();
        }
    }
}
