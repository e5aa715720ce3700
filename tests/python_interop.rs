//! x8ctl's m4-proxy encoder against msgpack-rpc-python, the MessagePack-RPC library the
//! board's Python containers use (the tutorial's python-rpc-sensors and python-rpc-serial:
//! `msgpack-rpc-python` 0.4.1 with `msgpack-python` 0.5.6, whose packer is
//! `msgpack.Packer(encoding='utf-8')`, i.e. the old `use_bin_type=False`: strings as raw,
//! 32..65535 bytes as raw16 — msgpackrpc/transport/tcp.py:12). m4-proxy's decoder accepts
//! exactly that dialect (real-board-evidence.md §2.1), so x8ctl must write the same bytes.
//!
//! Needs `python3` with `msgpackrpc` importable (`pip install msgpack-rpc-python==0.4.1`;
//! it brings msgpack-python 0.5.6 and tornado 4.5.3). `X8CTL_PYTHON` names another
//! interpreter. These tests fail, saying so, when it is missing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use x8ctl_core::rpc::client::{CallOptions, call};
use x8ctl_core::rpc::dialect::request_bytes;
use x8ctl_core::rpc::msgpack::Value;
use x8ctl_core::rpc::server::{Handler, Server};

fn python() -> Command {
    let exe = std::env::var("X8CTL_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut c = Command::new(exe);
    c.stdin(Stdio::null());
    c
}

/// Run a Python script; its stdout.
fn py(script: &str) -> String {
    let out = python()
        .args(["-c", script])
        .output()
        .expect("python3 runs (set X8CTL_PYTHON to the interpreter)");
    assert!(
        out.status.success(),
        "the script failed (is msgpack-rpc-python installed? `pip install msgpack-rpc-python==0.4.1`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A child process killed on drop (ours, by its handle).
struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs a Python with msgpack-rpc-python, which the set-up makes on Unix"
)]
fn x8ctl_writes_the_bytes_msgpack_rpc_python_writes() {
    let lens = [0usize, 1, 5, 31, 32, 40, 100, 200];
    let ints: [i64; 14] = [
        0,
        1,
        127,
        128,
        255,
        256,
        65535,
        65536,
        4_294_967_295,
        -1,
        -32,
        -33,
        -200,
        -40000,
    ];
    // The packer msgpackrpc's transport uses, on [0, msgid, method, params].
    let script = format!(
        "import msgpack, msgpackrpc\n\
         p = msgpack.Packer(encoding='utf-8')\n\
         for n in {lens:?}:\n    print(p.pack([0, 7, 'greet', ['s' * n]]).hex())\n\
         for i in {ints:?}:\n    print(p.pack([0, 300, 'set', [i, True, False]]).hex())\n\
         print(p.pack([0, 70000, 'n' * 40, [[1, 'x'], {{'k': 2}}, 'y' * 33]]).hex())\n\
         print(p.pack([2, 'tty', ['line\\n']]).hex())\n"
    );
    let out = py(&script);
    let got: Vec<&str> = out.lines().collect();
    let mut want = Vec::new();
    for n in lens {
        let s = "s".repeat(n);
        want.push(hex(
            &request_bytes(7, "greet", &[Value::from(s.as_str())]).unwrap()
        ));
    }
    for i in ints {
        want.push(hex(&request_bytes(
            300,
            "set",
            &[Value::Int(i), Value::Bool(true), Value::Bool(false)],
        )
        .unwrap()));
    }
    want.push(hex(&request_bytes(
        70000,
        &"n".repeat(40),
        &[
            Value::Array(vec![Value::UInt(1), Value::from("x")]),
            Value::Map(vec![(Value::from("k"), Value::UInt(2))]),
            Value::from("y".repeat(33)),
        ],
    )
    .unwrap()));
    want.push(hex(&x8ctl_core::rpc::dialect::notification_bytes(
        "tty",
        &[Value::from("line\n")],
    )
    .unwrap()));
    assert_eq!(got, want);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs a Python with msgpack-rpc-python, which the set-up makes on Unix"
)]
fn a_msgpack_rpc_python_server_answers_x8ctls_client() {
    let port = x8_testkit::free_port();
    let script = format!(
        "import msgpackrpc\n\
         class H(object):\n\
         \x20   def greet(self, name):\n\
         \x20       return 'hi ' + (name.decode() if isinstance(name, bytes) else name)\n\
         \x20   def add(self, a, b):\n\
         \x20       return a + b\n\
         s = msgpackrpc.Server(H())\n\
         s.listen(msgpackrpc.Address('127.0.0.1', {port}))\n\
         print('ready', flush=True)\n\
         s.start()\n"
    );
    let mut child = python()
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().unwrap();
    let _guard = Kill(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "is msgpack-rpc-python installed?");
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let opts = CallOptions {
        timeout: Duration::from_secs(5),
        ..CallOptions::default()
    };
    let forty = "z".repeat(40);
    let o = call(addr, "greet", vec![Value::from(forty.as_str())], &opts);
    // msgpack-rpc-python answers with raw strings (no str8 either).
    assert_eq!(o.result(), Some(&Value::from(format!("hi {forty}"))), "{o}");
    let o = call(addr, "add", vec![Value::Int(-5), Value::UInt(300)], &opts);
    assert_eq!(o.result(), Some(&Value::Int(295)), "{o}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs a Python with msgpack-rpc-python, which the set-up makes on Unix"
)]
fn a_msgpack_rpc_python_client_calls_an_x8ctl_server() {
    let h: Handler = Arc::new(|m, p| match m {
        "echo" => Ok(Value::Array(p.to_vec())),
        _ => Err(Value::from("no such method")),
    });
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), h).unwrap();
    let port = server.local_addr().port();
    let out = py(&format!(
        "import msgpackrpc\n\
         c = msgpackrpc.Client(msgpackrpc.Address('127.0.0.1', {port}), timeout=5)\n\
         r = c.call('echo', 'w' * 40, 7, -3, [1, 2])\n\
         print([x.decode() if isinstance(x, bytes) else x for x in r])\n"
    ));
    assert_eq!(out.trim(), format!("['{}', 7, -3, [1, 2]]", "w".repeat(40)));
    server.stop();
}
