//! x8ctl's test kit: virtual X8s, a private Debian adb server in front of them, the x8ctl
//! binary under test, and fixture makers. Used by the integration tests and the benches;
//! never published.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use virtual_x8::adbd::{AdbdConfig, Profile};
use virtual_x8::{BoardConfig, Fault, Sim, SimConfig};

/// A free loopback port for a test's own listener (an adb server, a forward) or for a
/// port that must stay dead. It is taken *below* the kernel's ephemeral range, so no
/// outgoing connection can get it as its source port: a client connecting to a port
/// inside that range where nothing listens yet can connect to itself (TCP
/// simultaneous open) and read its own request back, which is how `adb start-server`
/// once failed with "protocol fault (status 30 30 30 63?!)".
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768)
        .clamp(12000, 49152);
    let low = 10000u32;
    let span = ephemeral_low - low;
    let seed = std::process::id().wrapping_mul(2654435761).wrapping_add(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0),
    );
    for _ in 0..200 {
        let n = CALLS.fetch_add(1, Ordering::Relaxed);
        let port = low + seed.wrapping_add(n.wrapping_mul(7919)) % span;
        if TcpListener::bind(("127.0.0.1", port as u16)).is_ok() {
            return port as u16;
        }
    }
    panic!("no free loopback port below the ephemeral range")
}

/// The x8ctl binary that cargo built next to the running test or bench executable
/// (`target/<profile>/x8ctl`, the test itself being in `target/<profile>/deps/`).
pub fn x8ctl_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let dir = exe
        .parent()
        .map(|d| {
            if d.ends_with("deps") {
                d.parent().unwrap_or(d)
            } else {
                d
            }
        })
        .expect("the test executable is in a folder");
    dir.join(format!("x8ctl{}", std::env::consts::EXE_SUFFIX))
}

/// A virtual X8 in this process.
pub fn sim_with(faults: &[Fault], f: impl FnOnce(&mut SimConfig)) -> Sim {
    let mut cfg = SimConfig {
        board: BoardConfig {
            faults: faults.to_vec(),
            ..BoardConfig::default()
        },
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        adbd: AdbdConfig {
            profile: Profile::X8,
            link_latency: Duration::from_millis(2),
        },
    };
    f(&mut cfg);
    Sim::start(cfg).expect("the virtual X8 starts")
}

pub fn sim(faults: &[Fault]) -> Sim {
    sim_with(faults, |_| {})
}

/// Debian's adb server on a private port, with its own HOME (keys); killed on drop.
pub struct AdbServer {
    pub port: u16,
    home: tempfile::TempDir,
}

impl AdbServer {
    pub fn start() -> AdbServer {
        let home = tempfile::tempdir().expect("temp home");
        let mut s = AdbServer {
            port: free_port(),
            home,
        };
        // Another test process may take the same port between the check and the
        // server's bind: try a new port then, a few times.
        let mut out = s.adb(&["start-server"]);
        for _ in 0..3 {
            if out.status.success() {
                break;
            }
            s.port = free_port();
            out = s.adb(&["start-server"]);
        }
        assert!(
            out.status.success(),
            "adb start-server failed (is Debian's adb installed? `apt-get install -y adb`): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        s
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new("adb");
        c.arg("-P")
            .arg(self.port.to_string())
            .env("HOME", self.home.path())
            .env("ANDROID_ADB_SERVER_PORT", self.port.to_string())
            .env_remove("ANDROID_SERIAL")
            .stdin(Stdio::null());
        c
    }

    pub fn adb(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("adb runs")
    }

    /// `adb connect` the sim and wait until it is online. The X8's adbd serves one host
    /// at a time and tears the previous one down asynchronously (REB 1.3), so a connect
    /// that lands meanwhile stays offline: disconnect and connect again then.
    pub fn connect(&self, sim: &Sim) -> String {
        let serial = sim.addr().to_string();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let out = self.adb(&["connect", &serial]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(text.contains("connected to"), "adb connect: {text}");
            let attempt = Instant::now() + Duration::from_secs(2);
            while Instant::now() < attempt {
                let st = self.adb(&["-s", &serial, "get-state"]);
                if String::from_utf8_lossy(&st.stdout).trim() == "device" {
                    return serial;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(
                Instant::now() < deadline,
                "the sim never came online in adb"
            );
            let _ = self.adb(&["disconnect", &serial]);
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `adb -s SERIAL shell CMD` → stdout.
    pub fn shell(&self, serial: &str, cmd: &str) -> String {
        let out = self.adb(&["-s", serial, "shell", cmd]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// An x8ctl command that uses this server.
    pub fn x8ctl(&self) -> Command {
        let mut c = Command::new(x8ctl_exe());
        c.env("HOME", self.home.path())
            .env("ANDROID_ADB_SERVER_PORT", self.port.to_string())
            .env("X8CTL_CONFIG", self.home.path().join("no-config.toml"))
            .env_remove("ANDROID_SERIAL")
            .env_remove("X8CTL_SUDO_PASSWORD")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

impl Drop for AdbServer {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}

/// An x8ctl command that talks to `sim` directly (`--connect`), with no adb server.
pub fn x8ctl_direct(sim: &Sim) -> Command {
    let mut c = Command::new(x8ctl_exe());
    c.arg("--connect")
        .arg(sim.addr().to_string())
        .env(
            "X8CTL_CONFIG",
            std::env::temp_dir().join("x8ctl-tests-no-config.toml"),
        )
        .env_remove("ANDROID_SERIAL")
        .env_remove("X8CTL_SUDO_PASSWORD")
        .env_remove("ANDROID_ADB_SERVER_PORT")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

pub fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().expect("x8ctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Bytes that differ everywhere, reproducible.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The sandbox path of a board path.
pub fn board_path(sim: &Sim, path: &str) -> PathBuf {
    sim.board().root().join(path.trim_start_matches('/'))
}

/// A virtual X8 reached the two ways x8ctl reaches a board: through a private adb server,
/// or directly (`--connect`).
pub struct Rig {
    pub sim: Sim,
    pub adb: Option<AdbServer>,
}

impl Rig {
    pub fn server(sim: Sim) -> Rig {
        let adb = AdbServer::start();
        adb.connect(&sim);
        Rig {
            sim,
            adb: Some(adb),
        }
    }

    pub fn direct(sim: Sim) -> Rig {
        Rig { sim, adb: None }
    }

    /// One rig on each path, each with its own board from `make`; elsewhere than on Unix
    /// the direct one only (the tests' adb server is Debian's, which runs on Unix-like
    /// systems: not on Windows, nor under Wine).
    pub fn both(make: impl Fn() -> Sim) -> Vec<Rig> {
        if cfg!(unix) {
            vec![Rig::server(make()), Rig::direct(make())]
        } else {
            vec![Rig::direct(make())]
        }
    }

    pub fn name(&self) -> &'static str {
        if self.adb.is_some() {
            "adb-server"
        } else {
            "direct"
        }
    }

    /// An x8ctl command that reaches this rig's board.
    pub fn x8ctl(&self) -> Command {
        match &self.adb {
            Some(a) => a.x8ctl(),
            None => x8ctl_direct(&self.sim),
        }
    }

    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut c = self.x8ctl();
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        run(c)
    }

    /// `x8ctl --json ARGS`: the exit code, the one JSON document (schema_version checked), stderr.
    pub fn json(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let (code, out, err) = self.run(&a);
        let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not one JSON document ({e}): {out:?} / {err}",
                self.name()
            )
        });
        assert_eq!(doc["schema_version"], 1, "{}: {doc}", self.name());
        (code, doc, err)
    }

    /// The library's session for this rig (in-process, no x8ctl binary).
    pub fn session(&self) -> x8ctl_core::board::connect::Session {
        let opts = match &self.adb {
            Some(adb) => x8ctl_core::board::connect::ConnectOptions {
                adb_server: Some(format!("127.0.0.1:{}", adb.port)),
                ..Default::default()
            },
            None => x8ctl_core::board::connect::ConnectOptions {
                connect: Some(self.sim.addr().to_string()),
                ..Default::default()
            },
        };
        x8ctl_core::board::connect::Session::open(&opts).expect("session")
    }
}

/// The tutorial's python-rpc-sensors `main.py`, written for these tests in its style: one
/// `RpcClient(addr).call(...)` per reading.
pub const SENSORS_MAIN_PY: &str = r#"import time
from msgpackrpc import Address as RpcAddress, Client as RpcClient, error as RpcError

m4_proxy_address = 'm4-proxy'
m4_proxy_call_port = 5001
publish_interval = 5
rpc_address = RpcAddress(m4_proxy_address, m4_proxy_call_port)

print()
print("=" * 44)
print("==       Portenta X8 Sensor reading       ==")
print("=" * 44)
print()
while True:
    try:
        # m4-proxy answers one call per connection: a new client for each reading.
        print("Temperature: ", RpcClient(rpc_address).call('temperature'))
        print("Humidity: ", RpcClient(rpc_address).call('humidity'))
        print("Pressure: ", RpcClient(rpc_address).call('pressure'))
        print("Gas: ", RpcClient(rpc_address).call('gas'))
        print("Altitude: ", RpcClient(rpc_address).call('altitude'))
    except RpcError.TimeoutError:
        print("Unable to retrieve data from the M4.")
    time.sleep(publish_interval)
"#;

/// The app's compose file with `image`.
pub fn sensors_compose(image: &str) -> String {
    format!(
        "services:\n  python-rpc-sensors:\n    image: {image}\n    restart: unless-stopped\n    tty: true\n    read_only: true\n    user: \"0\"\n    volumes:\n      - '/tmp:/tmp'\n    extra_hosts:\n      - 'm4-proxy:host-gateway'\n"
    )
}

/// python-rpc-sensors as in portenta-containers, written for these tests.
pub fn sensors_app(app: &Path, base: &str) {
    std::fs::create_dir_all(app.join("python")).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        format!(
            "FROM {base}\nWORKDIR /app/python\nCOPY python/ /app/python/\nRUN pip install -r requirements.txt\nCMD [\"python\", \"-u\", \"main.py\"]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("docker-compose.yml"),
        sensors_compose("hub.foundries.io/${FACTORY}/python-rpc-sensors:latest"),
    )
    .unwrap();
    std::fs::write(app.join("python/requirements.txt"), "msgpack-rpc-python\n").unwrap();
    std::fs::write(app.join("python/main.py"), SENSORS_MAIN_PY).unwrap();
}

/// A `main.py` that does what python-rpc-sensors' `main.py` does in
/// arduino/portenta-containers at tag arduino-95 (4fa953e, `python-rpc-sensors/python/main.py`),
/// written for these tests: the banner, then every 5 s the five values read through a lambda
/// in a generator, one `RpcClient` per call (m4-proxy answers one call per connection), the
/// values printed as `Name:  value`; a timeout prints the M4 line, any other exception ends the
/// program with "Failed to create RpcClient: ...".
pub const TUTORIAL_MAIN_PY: &str = r#"import time
from msgpackrpc import Address as RpcAddress, Client as RpcClient, error as RpcError

INTERVAL_S = 5
PROXY = ('m4-proxy', 5001)  # m4-proxy is an extra host: host-gateway
READINGS = ('temperature', 'humidity', 'pressure', 'gas', 'altitude')


def read_all(where):
    got = ()
    try:
        one = lambda what: RpcClient(where).call(what)
        got = tuple(one(what) for what in READINGS)
    except RpcError.TimeoutError:
        print("Unable to retrieve data from the M4.")
    return got


if __name__ == '__main__':
    print()
    print("=" * 44)
    print("==       Portenta X8 Sensor reading       ==")
    print("=" * 44)
    print()
    try:
        where = RpcAddress(*PROXY)
        while True:
            values = read_all(where)
            if values:
                for label, v in zip(("Temperature", "Humidity", "Pressure", "Gas", "Altitude"), values):
                    print(label + ": ", v)
            time.sleep(INTERVAL_S)
    except Exception as e:
        print(f"Failed to create RpcClient: {e}")
"#;

/// python-rpc-sensors as published at arduino-95, written for these tests: the same
/// Dockerfile steps (`FROM python:3-alpine3.15`, `RUN pip install msgpack-rpc-python`, the
/// folders made, main.py and the sketch copied, `WORKDIR /app/python`,
/// `CMD ["python","-u","main.py"]`), the same compose service, [`TUTORIAL_MAIN_PY`] and a
/// stand-in sketch folder.
pub fn tutorial_sensors_app(app: &Path) {
    std::fs::create_dir_all(app.join("python")).unwrap();
    std::fs::create_dir_all(app.join("firmware/rpc-sensors")).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        "# python-rpc-sensors, as at arduino-95 (test fixture)\nFROM python:3-alpine3.15\n\nLABEL maintainer=\"x8ctl tests\"\n\nRUN pip install msgpack-rpc-python\n\nRUN mkdir /app && mkdir /app/python && mkdir /app/firmware\n\nCOPY ./python/main.py /app/python/main.py\nCOPY ./firmware/rpc-sensors /app/firmware/rpc-sensors\n\nWORKDIR /app/python\n\nCMD [\"python\",\"-u\",\"main.py\"]\n",
    )
    .unwrap();
    std::fs::write(
        app.join("docker-compose.yml"),
        "services:\n  python-rpc-sensors:\n    image: hub.foundries.io/${FACTORY}/python-rpc-sensors:latest\n    restart: unless-stopped\n    tty: true\n    read_only: true\n    user: \"0\"\n    volumes:\n    - \"/tmp:/tmp\"\n    extra_hosts:\n    - \"m4-proxy:host-gateway\"\n",
    )
    .unwrap();
    std::fs::write(app.join("python/main.py"), TUTORIAL_MAIN_PY).unwrap();
    std::fs::write(
        app.join("firmware/rpc-sensors/rpc-sensors.ino"),
        "// stand-in for the M4 sketch that serves the five readings over RPC\nvoid setup() {}\nvoid loop() {}\n",
    )
    .unwrap();
}

/// An M4 sketch as arm-none-eabi-ld links one: an ELF32 little-endian ARM executable
/// (`e_type` 2; 1 for a `.o`) with one loadable segment per `(physical address, contents)`.
/// X8 sketches load at 0x08100000 (ArduinoCore-mbed boards.txt, `CM4_BINARY_START`).
pub fn m4_sketch_elf(e_type: u16, segments: &[(u32, &[u8])]) -> Vec<u8> {
    let phoff = 52u32;
    let mut at = phoff + 32 * segments.len() as u32;
    let mut h = b"\x7fELF\x01\x01\x01\0".to_vec();
    h.extend([0u8; 8]);
    h.extend(e_type.to_le_bytes());
    h.extend(40u16.to_le_bytes()); // EM_ARM
    h.extend(1u32.to_le_bytes());
    h.extend(segments.first().map_or(0, |s| s.0 | 1).to_le_bytes()); // entry, Thumb
    h.extend(phoff.to_le_bytes());
    h.extend(0u32.to_le_bytes()); // no section headers
    h.extend(0x0500_0400u32.to_le_bytes()); // EABI5, hard-float ABI flag
    for v in [52u16, 32, segments.len() as u16, 40, 0, 0] {
        h.extend(v.to_le_bytes());
    }
    for (addr, data) in segments {
        for v in [
            1,
            at,
            *addr,
            *addr,
            data.len() as u32,
            data.len() as u32,
            5,
            4,
        ] {
            h.extend(v.to_le_bytes());
        }
        at += data.len() as u32;
    }
    for (_, data) in segments {
        h.extend(*data);
    }
    h
}

/// An x8ctl run in the background whose stderr is read line by line as it comes, so a
/// test can signal it at a given step.
pub struct Running {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// stderr so far.
    pub stderr: String,
    started: Instant,
}

/// How a [`Running`] ended.
#[derive(Debug)]
pub struct Ended {
    /// The exit code (`None`: killed by a signal, or by the test after its bound).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From the spawn to the exit.
    pub elapsed: Duration,
    /// From [`Running::finish`]'s call to the exit.
    pub after_signal: Duration,
}

impl Running {
    pub fn spawn(mut c: Command) -> Running {
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("x8ctl starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines: rx,
            reader: Some(reader),
            stderr: String::new(),
            started: Instant::now(),
        }
    }

    /// Wait (at most `within`) for a stderr line for which `pred` holds; false when the
    /// process ended or the time ran out first.
    pub fn wait_for(&mut self, within: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.stderr.push_str(&l);
                    self.stderr.push('\n');
                    if pred(&l) {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// Send `signal` (`INT`, `TERM`) to the process.
    pub fn signal(&self, signal: &str) {
        let st = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(st.success(), "kill -{signal} failed");
    }

    /// Wait for the exit, at most `within` (then kill it and report `code: None`).
    pub fn finish(mut self, within: Duration) -> Ended {
        let from = Instant::now();
        let deadline = from + within;
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait") {
                break Some(st);
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let after_signal = from.elapsed();
        let elapsed = self.started.elapsed();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        for l in self.lines.try_iter() {
            self.stderr.push_str(&l);
            self.stderr.push('\n');
        }
        let mut stdout = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            use std::io::Read;
            let _ = o.read_to_string(&mut stdout);
        }
        Ended {
            code: status.and_then(|s| s.code()),
            stdout,
            stderr: self.stderr,
            elapsed,
            after_signal,
        }
    }
}
