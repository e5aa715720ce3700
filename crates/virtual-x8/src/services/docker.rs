//! The Docker daemon and CLI of the board: images built from a build context read through
//! the board's file system, containers that run as simulated processes (threads), restart
//! policies, logs, `docker compose` (v2).
//!
//! A container runs its program for real where the host can (`super::runtime`): a Python
//! app runs under the host's Python of the base image's version, in a cached virtual
//! environment holding what the Dockerfile's `RUN pip install` lines install, in a sandbox
//! holding the image's files, with its environment; `m4-proxy` (extra host `host-gateway`)
//! reaches the virtual m4-proxy. What it prints is its log; when it exits, the container
//! exited with its code; restart policies restart it with Docker's back-off. Another program
//! (not `python ...`), or a Python the host does not have, is not pretended: the container
//! logs "the virtual X8 cannot run ..." and exits 127.
//!
//! A `RUN` step other than `pip install` runs for real, as the legacy builder runs it in an
//! intermediate container: its shell line under the host's `/bin/sh` in a build sandbox
//! holding the image's files so far, in its WORKDIR, with the ENV so far and the image's
//! Python (`runtime::launch_shell`, container paths mapped to the sandbox's); its output is
//! the step's output, a non-zero exit fails the build with the legacy builder's "The command
//! '...' returned a non-zero code: N", and the files it leaves are the image's from then on
//! (empty folders, links and file modes are not kept). A step the host cannot stand in for is
//! not pretended: a package manager (`apk`, `apt-get`, ...: it would install into the
//! image's system) or a download (`curl`, `wget`, `git`) is not run, and the build output
//! says so; on a board without network (`Fault::NoNetwork`) a download step fails. In a step
//! that also runs pip, only the pip install runs, and the output says which parts did not.
//!
//! A healthcheck (the image's HEALTHCHECK, with a compose service's `healthcheck:` over it:
//! compose-spec 05-services.md at 2f44add) runs beside the program at its interval: a Python
//! command under the container's Python, a shell line under the host's `/bin/sh` in the
//! sandbox; `docker ps` shows `(health: starting)`, `(healthy)`, `(unhealthy)`, and `docker
//! inspect` `State.Health` (Status, FailingStreak, the last five results with Start, End,
//! ExitCode, Output) and `Config.Healthcheck` (Test as `CMD`/`CMD-SHELL`, durations in ns),
//! both absent without a healthcheck, as Docker shows them.
//!
//! `docker build` is the legacy builder's (the board's Docker has no buildx:
//! real-board-evidence.md §6.1): `Step N/M :` lines, ` ---> id`, `Successfully built`,
//! `Successfully tagged`, after the deprecation notice. Base images are pulled on first use
//! (see below) and pip downloads, both of which need the board's Internet: under `Fault::NoNetwork`
//! (a board on USB alone, §6.1) they fail with Docker's and pip's messages.
//!
//! Images and pulls: an image the board has (built, tagged or pulled before) is used as it
//! is, as Docker does: `FROM` it or `docker run` it needs no pull, so a board without network
//! builds on a base image it already has, and `FROM` a locally built image starts from its
//! files, environment, command and healthcheck. The sim's registry is Docker Hub's official
//! images (the apps' base images: `python:3.11-alpine`, `alpine`, ...): with network, `FROM`,
//! `docker pull`, `docker run` and `docker compose up` of a missing one pull it (an image
//! with no files of its own, the Python of its tag); without network every pull fails with
//! the daemon's lookup error, even of an image the board has (a pull always asks the
//! registry). Other registries (`hub.foundries.io`, a user's Docker Hub repository) are not
//! modelled: their pulls fail with the lookup error whatever the network. Which images a
//! real X8 has preloaded is not established in our evidence, so a fresh virtual board has
//! none.
//!
//! Simplifications, documented: restart back-off is Docker's (100 ms doubling, reset after
//! 10 s of running) capped at 2 s. A container with `--tty` runs its Python unbuffered.
//! Containers started with `--tty` log lines ending in `\r\n` (as `docker logs` shows them
//! on a real board); Python apps without `-u`, `PYTHONUNBUFFERED` or a tty are
//! block-buffered by Python itself. Published ports show in `ss`/`docker ps` but are not
//! reachable through `port_addr`. `docker stop` sends SIGTERM to the process group (exit 143
//! for a Python app), SIGKILL after 10 s.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::journal::rfc3339;
use super::runtime;
use super::template;
use super::{Services, put};
use crate::faults::Fault;
use crate::vfs::{User, Vfs};

pub const NO_DAEMON: &str = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?";

// ----- file access -----

/// Read access to the board's files for builds and compose (the vfs, or a host dir in tests).
pub trait FsView {
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
    /// (name, is_dir) without `.` and `..`.
    fn list(&self, path: &str) -> Result<Vec<(String, bool)>, String>;
    fn is_dir(&self, path: &str) -> bool;
    fn exists(&self, path: &str) -> bool;
}

pub struct VfsView<'a> {
    pub vfs: &'a Vfs,
    pub user: User,
}

impl FsView for VfsView<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.vfs.read(path, self.user).map_err(|e| e.to_string())
    }
    fn list(&self, path: &str) -> Result<Vec<(String, bool)>, String> {
        let v = self.vfs.list(path, self.user).map_err(|e| e.to_string())?;
        Ok(v.into_iter()
            .filter(|(n, _)| n != "." && n != "..")
            .map(|(n, m)| (n, m.mode & 0o170000 == 0o040000))
            .collect())
    }
    fn is_dir(&self, path: &str) -> bool {
        // follow symlinks by listing
        self.vfs.list(path, self.user).is_ok()
    }
    fn exists(&self, path: &str) -> bool {
        self.vfs.lstat(path).is_some()
    }
}

/// A host directory standing for the board's `/` (tests, and boards without a vfs).
pub struct HostView {
    pub root: PathBuf,
}

impl HostView {
    fn p(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

impl FsView for HostView {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.p(path)).map_err(|e| e.to_string())
    }
    fn list(&self, path: &str) -> Result<Vec<(String, bool)>, String> {
        let rd = std::fs::read_dir(self.p(path)).map_err(|e| e.to_string())?;
        let mut v: Vec<(String, bool)> = rd
            .filter_map(|e| e.ok())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.path().is_dir(),
                )
            })
            .collect();
        v.sort();
        Ok(v)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.p(path).is_dir()
    }
    fn exists(&self, path: &str) -> bool {
        self.p(path).exists()
    }
}

/// `cwd` joined with `p`, normalised (`.`/`..`), absolute.
pub fn join_path(cwd: &str, p: &str) -> String {
    let full = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    format!("/{}", parts.join("/"))
}

// ----- images and apps -----

#[derive(Debug, Clone)]
pub struct Image {
    pub id: String,
    pub tags: Vec<String>,
    pub created: SystemTime,
    pub size: u64,
    /// The files COPY/ADD put in the image: (absolute path in the container, contents).
    pub files: Arc<Vec<(String, Vec<u8>)>>,
    /// The host's virtual environment that runs its Python, or why there is none.
    pub python: Result<PathBuf, String>,
    /// The Dockerfile's HEALTHCHECK.
    pub healthcheck: Option<Healthcheck>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub workdir: String,
    pub env: Vec<String>,
    /// The registry image at the root of its FROM chain (`python:3.11-alpine`): which Python
    /// it has.
    pub base: String,
    /// What its `pip install` steps (and its base's) installed.
    pub requirements: Vec<String>,
}

/// A base image as the board has it once pulled (a Docker Official Image such as
/// `python:3.11-alpine` or `alpine`): no files the sim knows of, the environment and command
/// its tag gives (Python images: `python3`, `LANG`, `PYTHON_VERSION`; others `/bin/sh`), and
/// the host's Python of that version to run it.
pub fn base_image(r: &str) -> Image {
    let norm = normalize_ref(r);
    let minor = python_minor(&norm);
    let mut env = vec!["PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin".into()];
    let cmd = match minor {
        Some(m) => {
            env.push("LANG=C.UTF-8".into());
            env.push(format!("PYTHON_VERSION=3.{m}"));
            vec!["python3".into()]
        }
        None => vec!["/bin/sh".into()],
    };
    let python = match minor.map(|m| (m, runtime::host_python(m))) {
        Some((_, Some(py))) => {
            let mut sink = |_: &str| {};
            runtime::venv(&py, &[], &mut sink)
        }
        Some((m, None)) => Err(no_python(Some(m))),
        None => Err(format!("its base image {norm} is not a Python image")),
    };
    Image {
        id: hex(&Sha256::digest(r.as_bytes())),
        tags: vec![norm.clone()],
        created: SystemTime::now(),
        size: if norm.contains("alpine") {
            52_000_000
        } else {
            120_000_000
        },
        files: Arc::new(Vec::new()),
        python,
        healthcheck: None,
        cmd,
        entrypoint: Vec::new(),
        workdir: "/".into(),
        env,
        base: norm,
        requirements: Vec::new(),
    }
}

/// What a pull prints on the way (the legacy builder prints the same for FROM).
fn pull_lines(r: &str) -> Vec<String> {
    let norm = normalize_ref(r);
    let (name, tag) = norm.rsplit_once(':').unwrap_or((&norm, "latest"));
    let repo = if name.contains('/') {
        name.to_string()
    } else {
        format!("library/{name}")
    };
    let mut v = vec![format!("{tag}: Pulling from {repo}")];
    for l in 0..3 {
        v.push(format!(
            "{}: Pull complete",
            &hex(&Sha256::digest(format!("layer{l}{r}").as_bytes()))[..12]
        ));
    }
    v.push(format!(
        "Digest: sha256:{}",
        hex(&Sha256::digest(r.as_bytes()))
    ));
    v.push(format!("Status: Downloaded newer image for {norm}"));
    v
}

/// A HEALTHCHECK: the test command, how often, how long one check may take, the grace
/// period after a start, and how many failures in a row make it unhealthy. Defaults are
/// Docker's (interval 30s, timeout 30s, start period 0s, retries 3: Dockerfile reference,
/// HEALTHCHECK; compose's `healthcheck:` "has the same default values", compose-spec
/// 05-services.md at 2f44add).
#[derive(Debug, Clone, PartialEq)]
pub struct Healthcheck {
    /// The command as exec'd: `["/bin/sh", "-c", line]` for a shell form (`CMD-SHELL`).
    pub test: Vec<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub retries: u32,
}

impl Healthcheck {
    /// Docker's form of the test, as `docker inspect` shows it in `Config.Healthcheck.Test`:
    /// `["CMD-SHELL", line]` for a shell form, `["CMD", args...]` for an exec form.
    pub fn docker_test(&self) -> Vec<String> {
        match self.test.as_slice() {
            [sh, c, line] if sh == "/bin/sh" && c == "-c" => {
                vec!["CMD-SHELL".into(), line.clone()]
            }
            args => std::iter::once("CMD".to_string())
                .chain(args.iter().cloned())
                .collect(),
        }
    }
    /// The test as a user wrote it, for messages.
    pub fn shown(&self) -> String {
        match self.test.as_slice() {
            [sh, c, line] if sh == "/bin/sh" && c == "-c" => line.clone(),
            args => args.join(" "),
        }
    }
}

/// What a container's configuration says of its healthcheck over the image's (`docker run
/// --health-*`, compose's `healthcheck:`): each field given replaces the image's, the others
/// are inherited; `disable` (compose `disable: true`, test `["NONE"]`) turns it off. This is
/// the engine's merge of a container's Healthcheck with its image's (empty test or zero
/// duration: inherit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthOverride {
    pub disable: bool,
    pub test: Option<Vec<String>>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub retries: Option<u32>,
}

impl HealthOverride {
    /// The healthcheck a container of `image` runs.
    pub fn over(&self, image: Option<&Healthcheck>) -> Option<Healthcheck> {
        if self.disable {
            return None;
        }
        let test = self
            .test
            .clone()
            .or_else(|| image.map(|h| h.test.clone()))?;
        Some(Healthcheck {
            test,
            interval: self
                .interval
                .or(image.map(|h| h.interval))
                .unwrap_or(Duration::from_secs(30)),
            timeout: self
                .timeout
                .or(image.map(|h| h.timeout))
                .unwrap_or(Duration::from_secs(30)),
            start_period: self
                .start_period
                .or(image.map(|h| h.start_period))
                .unwrap_or_default(),
            retries: self
                .retries
                .or(image.map(|h| h.retries))
                .unwrap_or(3)
                .max(1),
        })
    }
}

/// A test in Docker's list form (compose's `test:` list, the API's `Test`): `CMD args...`,
/// `CMD-SHELL line`; `NONE` gives None (disabled). Err for anything else (compose refuses
/// it too: "the first item must be either NONE, CMD or CMD-SHELL").
pub fn test_from_list(list: &[String]) -> Result<Option<Vec<String>>, String> {
    match list.split_first() {
        Some((k, _)) if k == "NONE" => Ok(None),
        Some((k, rest)) if k == "CMD" && !rest.is_empty() => Ok(Some(rest.to_vec())),
        Some((k, rest)) if k == "CMD-SHELL" && !rest.is_empty() => {
            Ok(Some(vec!["/bin/sh".into(), "-c".into(), rest.join(" ")]))
        }
        _ => Err(format!(
            "healthcheck.test must start with NONE, CMD or CMD-SHELL, not {list:?}"
        )),
    }
}

/// `HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--retries=N] CMD command`
/// (None for `NONE`).
pub fn parse_healthcheck(args: &str) -> Option<Healthcheck> {
    let mut interval = Duration::from_secs(30);
    let mut timeout = Duration::from_secs(30);
    let mut start_period = Duration::ZERO;
    let mut retries = 3;
    let mut rest = args.trim();
    while let Some(opt) = rest.strip_prefix("--") {
        let (word, after) = opt.split_once(char::is_whitespace).unwrap_or((opt, ""));
        if let Some((k, v)) = word.split_once('=') {
            match k {
                "interval" => interval = go_duration(v).unwrap_or(interval),
                "timeout" => timeout = go_duration(v).unwrap_or(timeout),
                "start-period" => start_period = go_duration(v).unwrap_or(start_period),
                "retries" => retries = v.parse().unwrap_or(retries),
                _ => {}
            }
        }
        rest = after.trim_start();
    }
    let cmd = rest.strip_prefix("CMD")?.trim();
    Some(Healthcheck {
        test: exec_form(cmd),
        interval,
        timeout,
        start_period,
        retries: retries.max(1),
    })
}

/// Go's duration syntax as Docker takes it (`30s`, `1m30s`, `500ms`).
pub fn go_duration(v: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match unit.as_str() {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

/// The Python minor version a base image tag gives (`python:3.11-alpine` -> 11).
pub fn python_minor(base: &str) -> Option<u32> {
    let b = base.strip_prefix("docker.io/library/").unwrap_or(base);
    let b = b.strip_prefix("library/").unwrap_or(b);
    let (name, tag) = b.split_once(':').unwrap_or((b, "latest"));
    if name != "python" {
        return None;
    }
    if let Some(rest) = tag.strip_prefix("3.") {
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        return n.parse().ok();
    }
    // floating tags: 3, 3-alpine, latest, alpine, slim, 3-alpine3.15 ...
    if let Some(alp) = tag.split("alpine").nth(1).filter(|s| s.starts_with('3')) {
        let minor: u32 = alp
            .trim_start_matches("3.")
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .unwrap_or(99);
        return Some(match minor {
            0..=17 => 11,
            18..=19 => 12,
            _ => 13,
        });
    }
    Some(13)
}

// ----- containers -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Running,
    Restarting,
    Exited,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Restarting => "restarting",
            Status::Exited => "exited",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    pub name: Option<String>,
    pub image: String,
    pub restart: String,
    pub env: Vec<String>,
    pub tty: bool,
    pub interactive: bool,
    pub read_only: bool,
    pub network: String,
    pub extra_hosts: Vec<String>,
    pub ports: Vec<String>,
    pub volumes: Vec<String>,
    pub devices: Vec<String>,
    pub rm: bool,
    pub detach: bool,
    pub user: String,
    pub cmd: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
    /// The container's healthcheck settings over the image's (compose `healthcheck:`).
    pub health: Option<HealthOverride>,
}

#[derive(Debug, Clone)]
pub struct LogLine {
    pub time: SystemTime,
    pub err: bool,
    pub text: String,
}

/// One run of a healthcheck, as `docker inspect` lists it in `State.Health.Log` (the last
/// five are kept, as Docker keeps them).
#[derive(Debug, Clone)]
struct HealthResult {
    start: SystemTime,
    end: SystemTime,
    exit_code: i32,
    output: String,
}

struct CState {
    /// `starting`, `healthy`, `unhealthy` (images with a HEALTHCHECK).
    health: &'static str,
    failing_streak: u32,
    health_log: Vec<HealthResult>,
    status: Status,
    pid: u32,
    exit_code: i32,
    started: Option<SystemTime>,
    finished: Option<SystemTime>,
    restart_count: u32,
    logs: Vec<LogLine>,
    pending: Vec<LogLine>,
    stop: bool,
    manual_stop: bool,
    removed: bool,
    thread: Option<JoinHandle<()>>,
}

pub struct Container {
    pub id: String,
    /// Changes with `docker rename`.
    name: Mutex<String>,
    pub image: Image,
    pub spec: RunSpec,
    /// The healthcheck it runs: the image's, with the container's settings over it.
    pub healthcheck: Option<Healthcheck>,
    pub created: SystemTime,
    st: Mutex<CState>,
    cv: Condvar,
}

/// A snapshot of a container for tests and other modules.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    pub image: String,
    pub status: Status,
    pub exit_code: i32,
    pub restart_count: u32,
    pub logs: Vec<String>,
}

impl Container {
    pub fn name(&self) -> String {
        self.name.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn lock(&self) -> MutexGuard<'_, CState> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn command(&self) -> Vec<String> {
        let mut v = match &self.spec.entrypoint {
            Some(e) => e.clone(),
            None => self.image.entrypoint.clone(),
        };
        if self.spec.cmd.is_empty() {
            v.extend(self.image.cmd.iter().cloned());
        } else {
            v.extend(self.spec.cmd.iter().cloned());
        }
        v
    }
    fn emit(&self, err: bool, text: impl Into<String>) {
        let line = LogLine {
            time: SystemTime::now(),
            err,
            text: text.into(),
        };
        let mut st = self.lock();
        st.logs.push(line);
        if st.logs.len() > 50_000 {
            st.logs.drain(..10_000);
        }
        drop(st);
        self.cv.notify_all();
    }
    fn flush(&self) {
        let mut st = self.lock();
        let p = std::mem::take(&mut st.pending);
        st.logs.extend(p);
        drop(st);
        self.cv.notify_all();
    }
    /// Wait up to `d` (None: forever); true when a stop was requested.
    fn wait_stop(&self, d: Option<Duration>) -> bool {
        let deadline = d.map(|d| Instant::now() + d);
        let mut st = self.lock();
        loop {
            if st.stop {
                return true;
            }
            let wait = match deadline {
                Some(dl) => {
                    let now = Instant::now();
                    if now >= dl {
                        return false;
                    }
                    (dl - now).min(Duration::from_millis(500))
                }
                None => Duration::from_millis(500),
            };
            st = self
                .cv
                .wait_timeout(st, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
    fn stopping(&self) -> bool {
        self.lock().stop
    }
    pub fn info(&self) -> ContainerInfo {
        let st = self.lock();
        ContainerInfo {
            id: self.id.clone(),
            name: self.name(),
            image: self.spec.image.clone(),
            status: st.status,
            exit_code: st.exit_code,
            restart_count: st.restart_count,
            logs: st.logs.iter().map(|l| l.text.clone()).collect(),
        }
    }
}

/// What the container threads share with the daemon.
struct Shared {
    ports: Arc<Mutex<BTreeMap<u16, SocketAddr>>>,
    /// Where the containers' sandbox folders are made.
    sandbox: PathBuf,
    next_pid: AtomicU32,
    shut: AtomicBool,
}

impl Shared {
    fn pid(&self) -> u32 {
        self.next_pid.fetch_add(7, Ordering::SeqCst)
    }
}

pub struct Docker {
    sh: Arc<Shared>,
    _sandbox: Option<tempfile::TempDir>,
    st: Mutex<DState>,
    seq: AtomicU64,
}

#[derive(Default)]
struct DState {
    images: Vec<Image>,
    containers: Vec<Arc<Container>>,
}

impl Docker {
    pub fn new(ports: Arc<Mutex<BTreeMap<u16, SocketAddr>>>) -> Docker {
        let tmp = tempfile::Builder::new()
            .prefix("x8sim-containers")
            .tempdir()
            .ok();
        let sandbox = tmp
            .as_ref()
            .map(|t| t.path().to_path_buf())
            .unwrap_or_else(|| std::env::temp_dir().join("x8sim-containers"));
        Docker {
            _sandbox: tmp,
            sh: Arc::new(Shared {
                sandbox,
                ports,
                next_pid: AtomicU32::new(2101),
                shut: AtomicBool::new(false),
            }),
            st: Mutex::new(DState::default()),
            seq: AtomicU64::new(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, DState> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn new_id(&self, seed: &str) -> String {
        let n = self.seq.fetch_add(1, Ordering::SeqCst);
        let t = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let mut h = Sha256::new();
        h.update(seed.as_bytes());
        h.update(n.to_le_bytes());
        h.update(t.to_le_bytes());
        hex(&h.finalize())
    }

    /// Drop containers whose `--rm` process has ended.
    fn purge(&self) {
        let mut st = self.lock();
        st.containers.retain(|c| !c.lock().removed);
    }

    pub fn containers(&self) -> Vec<Arc<Container>> {
        self.purge();
        self.lock().containers.clone()
    }

    pub fn container_info(&self, name_or_id: &str) -> Option<ContainerInfo> {
        self.find(name_or_id).map(|c| c.info())
    }

    pub fn find(&self, name_or_id: &str) -> Option<Arc<Container>> {
        let key = name_or_id.trim_start_matches('/');
        let cs = self.containers();
        cs.iter()
            .find(|c| c.name() == key || c.id == key)
            .or_else(|| {
                if key.len() >= 3 {
                    cs.iter().find(|c| c.id.starts_with(key))
                } else {
                    None
                }
            })
            .cloned()
    }

    /// Where the containers' (and builds') sandbox folders are made.
    pub fn sandbox_dir(&self) -> &std::path::Path {
        &self.sh.sandbox
    }

    pub fn images(&self) -> Vec<Image> {
        self.lock().images.clone()
    }

    /// The image a reference names (`name`, `name:tag`, `docker.io/library/name:tag`, id prefix).
    pub fn image(&self, r: &str) -> Option<Image> {
        let norm = normalize_ref(r);
        let st = self.lock();
        st.images
            .iter()
            .find(|i| i.tags.contains(&norm))
            .or_else(|| {
                let id = r.trim_start_matches("sha256:");
                if id.len() >= 4 {
                    st.images.iter().find(|i| i.id.starts_with(id))
                } else {
                    None
                }
            })
            .cloned()
    }

    pub fn add_image(&self, mut img: Image) {
        let mut st = self.lock();
        for other in st.images.iter_mut() {
            other.tags.retain(|t| !img.tags.contains(t));
        }
        st.images.retain(|i| !i.tags.is_empty() || i.id == img.id);
        if let Some(existing) = st.images.iter_mut().find(|i| i.id == img.id) {
            for t in img.tags.drain(..) {
                if !existing.tags.contains(&t) {
                    existing.tags.push(t);
                }
            }
        } else {
            st.images.push(img);
        }
    }

    pub fn create_pub(&self, spec: RunSpec, image: Image) -> Result<Arc<Container>, String> {
        self.create(spec, image)
    }

    pub(super) fn shut_ref(&self) -> &AtomicBool {
        &self.sh.shut
    }

    /// Give container `c` the name `new`, unless another container has it.
    fn rename(&self, c: &Container, new: &str) -> Result<(), String> {
        let new = new.trim_start_matches('/');
        let st = self.lock();
        if let Some(other) = st.containers.iter().find(|o| o.name() == new) {
            return Err(format!(
                "Conflict. The container name \"/{new}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name.",
                other.id
            ));
        }
        *c.name.lock().unwrap_or_else(|e| e.into_inner()) = new.to_string();
        Ok(())
    }

    fn create(&self, spec: RunSpec, image: Image) -> Result<Arc<Container>, String> {
        self.purge();
        let id = self.new_id(&spec.image);
        let name = match &spec.name {
            Some(n) => n.clone(),
            None => random_name(&id),
        };
        let mut st = self.lock();
        if let Some(other) = st.containers.iter().find(|c| c.name() == name) {
            return Err(format!(
                "Conflict. The container name \"/{name}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name.",
                other.id
            ));
        }
        let healthcheck = match &spec.health {
            Some(o) => o.over(image.healthcheck.as_ref()),
            None => image.healthcheck.clone(),
        };
        let c = Arc::new(Container {
            id,
            name: Mutex::new(name),
            image,
            spec,
            healthcheck,
            created: SystemTime::now(),
            st: Mutex::new(CState {
                health: "starting",
                failing_streak: 0,
                health_log: Vec::new(),
                status: Status::Created,
                pid: 0,
                exit_code: 0,
                started: None,
                finished: None,
                restart_count: 0,
                logs: Vec::new(),
                pending: Vec::new(),
                stop: false,
                manual_stop: false,
                removed: false,
                thread: None,
            }),
            cv: Condvar::new(),
        });
        st.containers.push(c.clone());
        Ok(c)
    }

    /// Start a container's process (no-op when it runs).
    pub fn start(&self, c: &Arc<Container>) {
        let old = {
            let mut st = c.lock();
            if matches!(st.status, Status::Running | Status::Restarting) {
                return;
            }
            st.thread.take()
        };
        if let Some(t) = old {
            let _ = t.join();
        }
        let mut st = c.lock();
        st.status = Status::Running;
        st.pid = self.sh.pid();
        st.started = Some(SystemTime::now());
        st.stop = false;
        st.manual_stop = false;
        st.exit_code = 0;
        let sh = self.sh.clone();
        let cc = c.clone();
        st.thread = Some(std::thread::spawn(move || run_loop(sh, cc)));
    }

    /// Stop a container (SIGTERM: the simulated processes end at once).
    pub fn stop(&self, c: &Arc<Container>, manual: bool) {
        let t = {
            let mut st = c.lock();
            st.stop = true;
            if manual {
                st.manual_stop = true;
            }
            st.thread.take()
        };
        c.cv.notify_all();
        if let Some(t) = t {
            let _ = t.join();
        }
        let mut st = c.lock();
        if st.status != Status::Created {
            st.status = Status::Exited;
        }
        st.pid = 0;
    }

    pub fn remove(&self, c: &Arc<Container>) {
        self.stop(c, true);
        c.lock().removed = true;
        self.purge();
    }

    /// At boot / daemon start: containers with a restart policy come back.
    pub fn boot(&self) {
        self.sh.shut.store(false, Ordering::SeqCst);
        for c in self.containers() {
            let (manual, status) = {
                let st = c.lock();
                (st.manual_stop, st.status)
            };
            let policy = c.spec.restart.split(':').next().unwrap_or("");
            let back = match policy {
                "always" => true,
                "unless-stopped" => !manual,
                _ => false,
            };
            if back && status != Status::Running {
                self.start(&c);
            }
        }
    }

    /// Remove the containers of compose projects not in `known`, then the images no kept
    /// container uses (compose-apps-early-start at boot). What was removed, for the journal.
    pub fn prune_unknown(&self, known: &[String]) -> Vec<String> {
        let mut gone = Vec::new();
        for c in self.containers() {
            let project = c.spec.labels.get("com.docker.compose.project");
            if project.is_none_or(|p| !known.contains(p)) {
                self.remove(&c);
                gone.push(format!("container {}", c.name()));
            }
        }
        let used: Vec<String> = self
            .containers()
            .iter()
            .map(|c| c.image.id.clone())
            .collect();
        let mut st = self.lock();
        st.images.retain(|i| {
            let keep = used.contains(&i.id);
            if !keep {
                gone.push(format!(
                    "image {}",
                    i.tags
                        .first()
                        .cloned()
                        .unwrap_or_else(|| i.id[..12].to_string())
                ));
            }
            keep
        });
        gone
    }

    pub fn stop_all_for_reboot(&self) {
        for c in self.containers() {
            self.stop(&c, false);
        }
    }

    pub fn shutdown(&self) {
        self.sh.shut.store(true, Ordering::SeqCst);
        self.stop_all_for_reboot();
    }

    /// (pid, comm) of container processes.
    pub fn processes(&self) -> Vec<(u32, String)> {
        let mut v = Vec::new();
        for c in self.containers() {
            let pid = c.lock().pid;
            if pid != 0 {
                let cmd = c.command();
                let comm = cmd
                    .first()
                    .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
                    .unwrap_or_else(|| "sh".into());
                v.push((pid - 1, "containerd-shim".into()));
                v.push((pid, comm));
            }
        }
        v
    }

    /// (host port, docker-proxy pid) of published ports of running containers.
    pub fn published(&self) -> Vec<(u16, u32)> {
        let mut v = Vec::new();
        for c in self.containers() {
            let pid = c.lock().pid;
            if pid == 0 || c.spec.network == "host" {
                continue;
            }
            for p in &c.spec.ports {
                for (h, _) in port_pairs(p) {
                    v.push((h, pid + 2));
                }
            }
        }
        v
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn random_name(id: &str) -> String {
    const A: &[&str] = &[
        "admiring", "brave", "clever", "eager", "focused", "gifted", "happy", "jolly", "keen",
        "lucid",
    ];
    const B: &[&str] = &[
        "turing", "hopper", "lovelace", "curie", "tesla", "noether", "ritchie", "thompson",
        "wozniak", "knuth",
    ];
    let n = id
        .bytes()
        .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
    format!("{}_{}", A[n % A.len()], B[(n / 7) % B.len()])
}

/// "8080:80", "5002-5020:5002-5020", "127.0.0.1:8080:80/tcp" -> (host, container) pairs.
pub fn port_pairs(spec: &str) -> Vec<(u16, u16)> {
    let s = spec.split('/').next().unwrap_or(spec);
    let parts: Vec<&str> = s.split(':').collect();
    let (h, c) = match parts.as_slice() {
        [c] => (*c, *c),
        [h, c] => (*h, *c),
        [_, h, c] => (*h, *c),
        _ => return Vec::new(),
    };
    let range = |r: &str| -> Option<(u16, u16)> {
        match r.split_once('-') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => {
                let v = r.parse().ok()?;
                Some((v, v))
            }
        }
    };
    let (Some((h0, h1)), Some((c0, _))) = (range(h), range(c)) else {
        return Vec::new();
    };
    (h0..=h1.max(h0))
        .take(1000)
        .enumerate()
        .map(|(i, hp)| (hp, c0.saturating_add(i as u16)))
        .collect()
}

/// The names that lead to the board from inside `c` (the sim's network model, see
/// `super::runtime`), and the `hosts` file the sandbox's sitecustomize reads:
/// a line `name` per such name, `name port loopback-port` per board port.
fn hosts_file(sh: &Shared, c: &Container) -> String {
    let mut names: Vec<String> = vec!["172.17.0.1".into()];
    if c.spec.network == "host" {
        names.extend(["localhost".to_string(), "127.0.0.1".into()]);
    }
    for e in &c.spec.extra_hosts {
        if let Some((n, ip)) = e.split_once(':').or_else(|| e.split_once('='))
            && (ip == "host-gateway" || ip == "172.17.0.1")
        {
            names.push(n.to_string());
        }
    }
    let ports: Vec<(u16, SocketAddr)> = sh
        .ports
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(p, _)| matches!(**p, 5000 | 5001))
        .map(|(p, a)| (*p, *a))
        .collect();
    let mut s = String::new();
    for n in &names {
        // The host's own loopback stays the host's for ports the board does not serve.
        if n != "localhost" && n != "127.0.0.1" {
            s.push_str(&format!("{n}\n"));
        }
        for (p, a) in &ports {
            s.push_str(&format!("{n} {p} {}\n", a.port()));
        }
    }
    s
}

fn is_python(prog: &str) -> bool {
    let b = prog.rsplit('/').next().unwrap_or(prog);
    b == "python"
        || b == "python3"
        || b.strip_prefix("python3.")
            .is_some_and(|m| !m.is_empty() && m.bytes().all(|c| c.is_ascii_digit()))
}

/// Run a healthcheck's test once beside the program (its sandbox, environment and
/// interpreter): its exit code (-1 when it exceeded its timeout, as Docker records it) and
/// output. A Python command runs under the container's Python; a shell line (`CMD-SHELL`)
/// runs under the host's `/bin/sh` in the sandbox, with the container's paths mapped to the
/// sandbox's (`runtime::launch_shell`); any other program is not pretended: the check fails
/// and its output says why.
fn health_check(l: &runtime::Launch, hc: &Healthcheck) -> (i32, String) {
    let mut test = hc.test.clone();
    let mut shell = None;
    if test.len() == 3 && test[0] == "/bin/sh" && test[1] == "-c" {
        let cmd = test[2].clone();
        let simple = !cmd.contains(['\'', '"', '|', '&', ';', '$', '>', '<']);
        let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
        if simple && words.first().is_some_and(|p| is_python(p)) {
            test = words;
        } else {
            shell = Some(cmd);
        }
    }
    let started = match &shell {
        Some(line) => runtime::launch_shell(l, line),
        None if test.first().is_some_and(|p| is_python(p)) => runtime::launch(&runtime::Launch {
            command: &test,
            unbuffered: true,
            ..*l
        }),
        None => {
            return (
                1,
                format!(
                    "the virtual X8 cannot run the healthcheck `{}`: it runs Python commands and shell lines (CMD-SHELL) only",
                    hc.shown()
                ),
            );
        }
    };
    let mut p = match started {
        Ok(p) => p,
        Err(e) => return (1, e),
    };
    // The check's stdout and stderr, byte for byte, in the order written (Docker keeps both
    // in one buffer).
    let mut out = Vec::new();
    let code = p.wait_bounded(hc.timeout, runtime::chunks, &mut |b: Vec<u8>| out.extend(b));
    let text = String::from_utf8_lossy(&out).into_owned();
    match code {
        Some(c) => (c, text),
        // Docker's record of a check that hangs: ExitCode -1 and these words (as users'
        // `docker inspect` health logs show them).
        None => (
            -1,
            format!(
                "Health check exceeded timeout ({})",
                go_duration_string(hc.timeout)
            ),
        ),
    }
}

/// A duration as Go prints it (`30s`, `1.5s`, `1m30s`).
fn go_duration_string(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) && ms < 60_000 {
        return format!("{}s", d.as_secs_f64());
    }
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

/// Run the container's program once; its exit code.
fn run_app(sh: &Shared, c: &Arc<Container>) -> i32 {
    let cmd = c.command();
    let Some(prog) = cmd.first() else {
        c.emit(
            true,
            "docker: Error response from daemon: no command specified.",
        );
        return 127;
    };
    if !is_python(prog) {
        c.emit(
            true,
            format!(
                "the virtual X8 cannot run `{}`: it runs Python apps (`python ...`) only",
                cmd.join(" ")
            ),
        );
        return 127;
    }
    let venv = match &c.image.python {
        Ok(v) => v.clone(),
        Err(why) => {
            c.emit(
                true,
                format!("the virtual X8 cannot run `{}`: {why}", cmd.join(" ")),
            );
            return 127;
        }
    };
    let mut env: Vec<(String, String)> = Vec::new();
    for e in c.image.env.iter().chain(c.spec.env.iter()) {
        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
        env.retain(|(k2, _)| k2 != k);
        env.push((k.to_string(), v.to_string()));
    }
    env.push(("HOSTNAME".into(), c.id[..12].to_string()));
    let sandbox = sh.sandbox.join(&c.id[..12]);
    let mut hosts = hosts_file(sh, c);
    let write_hosts = |h: &str| {
        let dir = sandbox.join(".x8sim");
        let _ = std::fs::create_dir_all(&dir);
        let tmp = dir.join("hosts.tmp");
        if std::fs::write(&tmp, h).is_ok() {
            let _ = std::fs::rename(&tmp, dir.join("hosts"));
        }
    };
    write_hosts(&hosts);
    let launch = runtime::Launch {
        venv: &venv,
        sandbox: &sandbox,
        files: &c.image.files,
        command: &cmd,
        workdir: &c.image.workdir,
        env: &env,
        unbuffered: c.spec.tty,
    };
    let mut p = match runtime::launch(&launch) {
        Ok(p) => p,
        Err(e) => {
            c.emit(
                true,
                format!("the virtual X8 could not start `{}`: {e}", cmd.join(" ")),
            );
            return 127;
        }
    };
    let mut readers = Vec::new();
    for (err, pipe) in [
        (
            false,
            p.child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
        ),
        (
            true,
            p.child
                .stderr
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
        ),
    ] {
        if let Some(pipe) = pipe {
            let cc = c.clone();
            readers.push(std::thread::spawn(move || {
                let mut r = BufReader::new(pipe);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let t = String::from_utf8_lossy(&buf);
                            cc.emit(err, t.trim_end_matches('\n').trim_end_matches('\r'));
                        }
                    }
                }
            }));
        }
    }
    {
        let mut st = c.lock();
        st.health = "starting";
        st.failing_streak = 0;
    }
    let began = Instant::now();
    let mut next_check = c.healthcheck.as_ref().map(|h| began + h.interval);
    let code = loop {
        if let Some(code) = p.poll() {
            break code;
        }
        if c.stopping() || sh.shut.load(Ordering::SeqCst) {
            break p.stop(Duration::from_secs(10));
        }
        if let (Some(due), Some(hc)) = (next_check, &c.healthcheck)
            && Instant::now() >= due
        {
            let start = SystemTime::now();
            let (exit_code, output) = health_check(&launch, hc);
            let mut st = c.lock();
            st.health_log.push(HealthResult {
                start,
                end: SystemTime::now(),
                exit_code,
                output,
            });
            if st.health_log.len() > 5 {
                st.health_log.remove(0);
            }
            if exit_code == 0 {
                st.failing_streak = 0;
                st.health = "healthy";
            } else if began.elapsed() >= hc.start_period || st.health != "starting" {
                // A failure within the start period does not count (Dockerfile reference,
                // HEALTHCHECK --start-period).
                st.failing_streak += 1;
                if st.failing_streak >= hc.retries {
                    st.health = "unhealthy";
                }
            }
            next_check = Some(Instant::now() + hc.interval);
        }
        let h = hosts_file(sh, c);
        if h != hosts {
            write_hosts(&h);
            hosts = h;
        }
        c.wait_stop(Some(Duration::from_millis(25)));
    };
    // The group is gone: nothing holds the pipes any more.
    p.stop(Duration::ZERO);
    for r in readers {
        let _ = r.join();
    }
    code
}

fn run_loop(sh: Arc<Shared>, c: Arc<Container>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let began = Instant::now();
        let code = run_app(&sh, &c);
        c.flush();
        let mut st = c.lock();
        st.exit_code = code;
        st.finished = Some(SystemTime::now());
        st.pid = 0;
        let policy = c.spec.restart.split(':').next().unwrap_or("no");
        let max: Option<u32> = c
            .spec
            .restart
            .split(':')
            .nth(1)
            .and_then(|n| n.parse().ok());
        let again = match policy {
            "always" | "unless-stopped" => true,
            "on-failure" => code != 0 && max.is_none_or(|m| st.restart_count < m),
            _ => false,
        };
        if st.stop || !again || sh.shut.load(Ordering::SeqCst) {
            st.status = Status::Exited;
            if c.spec.rm && !st.stop {
                st.removed = true;
            }
            drop(st);
            c.cv.notify_all();
            return;
        }
        if began.elapsed() > Duration::from_secs(10) {
            backoff = Duration::from_millis(100);
        }
        st.status = Status::Restarting;
        c.cv.notify_all();
        let deadline = Instant::now() + backoff;
        while !st.stop && Instant::now() < deadline {
            let d = deadline.saturating_duration_since(Instant::now());
            st =
                c.cv.wait_timeout(st, d)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
        }
        if st.stop {
            st.status = Status::Exited;
            drop(st);
            c.cv.notify_all();
            return;
        }
        st.restart_count += 1;
        st.status = Status::Running;
        st.pid = sh.pid();
        st.started = Some(SystemTime::now());
        drop(st);
        c.cv.notify_all();
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

// ----- references -----

/// `name` -> `name:latest`; `docker.io/library/x:t` -> `x:t`.
pub fn normalize_ref(r: &str) -> String {
    let r = r
        .strip_prefix("docker.io/library/")
        .or_else(|| r.strip_prefix("docker.io/"))
        .unwrap_or(r);
    let last = r.rsplit('/').next().unwrap_or(r);
    if last.contains(':') || r.contains('@') {
        r.to_string()
    } else {
        format!("{r}:latest")
    }
}

/// Validate an image reference as docker does; the error is the text after `docker: `.
pub fn check_ref(r: &str) -> Result<(), String> {
    let bad = || Err("invalid reference format".to_string());
    if r.is_empty() {
        return bad();
    }
    let (name, _digest) = match r.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (r, None),
    };
    let (repo, tag) = match name.rfind(':') {
        Some(i) if !name[i + 1..].contains('/') => (&name[..i], Some(&name[i + 1..])),
        _ => (name, None),
    };
    if let Some(t) = tag {
        let ok = !t.is_empty()
            && t.len() <= 128
            && t.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return bad();
        }
    }
    let comps: Vec<&str> = repo.split('/').collect();
    for (i, comp) in comps.iter().enumerate() {
        if comp.is_empty() {
            return bad();
        }
        let is_domain = i == 0
            && comps.len() > 1
            && (comp.contains('.') || comp.contains(':') || *comp == "localhost");
        if is_domain {
            continue;
        }
        if comp.chars().any(|c| c.is_ascii_uppercase()) {
            return Err("invalid reference format: repository name must be lowercase".into());
        }
        let ok = comp
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && comp
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && comp
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if !ok {
            return bad();
        }
    }
    Ok(())
}

/// The registry a reference would be pulled from.
pub fn registry_of(r: &str) -> String {
    let first = r.split('/').next().unwrap_or("");
    if r.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost") {
        first.to_string()
    } else {
        "registry-1.docker.io".into()
    }
}

/// A Docker Official Image on Docker Hub (`python:3.11-alpine`, `library/alpine`).
pub fn is_official(r: &str) -> bool {
    let n = normalize_ref(r);
    let n = n.strip_prefix("docker.io/").unwrap_or(&n);
    let n = n.strip_prefix("library/").unwrap_or(n);
    registry_of(r) == "registry-1.docker.io" && !n.contains('/') && !r.contains('@')
}

/// `python:3.11-alpine` as `docker pull` names it last: `library/python:3.11-alpine`.
fn docker_io_name(norm: &str) -> String {
    let n = norm.strip_prefix("docker.io/").unwrap_or(norm);
    if n.contains('/') {
        n.to_string()
    } else {
        format!("library/{n}")
    }
}

pub fn pull_error(r: &str) -> String {
    let reg = registry_of(r);
    let host = reg.split(':').next().unwrap_or(&reg).to_string();
    format!(
        "Error response from daemon: Get \"https://{reg}/v2/\": dial tcp: lookup {host}: no such host"
    )
}

// ----- human output helpers -----

/// Docker's `units.HumanDuration`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 1 {
        "Less than a second".into()
    } else if s == 1 {
        "1 second".into()
    } else if s < 60 {
        format!("{s} seconds")
    } else if s / 60 == 1 {
        "About a minute".into()
    } else if s < 3600 {
        format!("{} minutes", s / 60)
    } else if s / 3600 == 1 {
        "About an hour".into()
    } else if s < 48 * 3600 {
        format!("{} hours", s / 3600)
    } else {
        format!("{} days", s / 86_400)
    }
}

fn ago(t: SystemTime) -> String {
    format!(
        "{} ago",
        human_duration(SystemTime::now().duration_since(t).unwrap_or_default())
    )
}

fn human_size(n: u64) -> String {
    let f = n as f64;
    if f >= 1e9 {
        format!("{:.3}GB", f / 1e9)
    } else if f >= 1e6 {
        format!("{:.1}MB", f / 1e6)
    } else if f >= 1e3 {
        format!("{:.1}kB", f / 1e3)
    } else {
        format!("{n}B")
    }
}

impl Container {
    pub fn status_text(&self) -> String {
        let st = self.lock();
        match st.status {
            Status::Created => "Created".into(),
            Status::Running => format!(
                "Up {}{}",
                human_duration(
                    SystemTime::now()
                        .duration_since(st.started.unwrap_or(self.created))
                        .unwrap_or_default()
                ),
                if self.healthcheck.is_some() {
                    match st.health {
                        "starting" => " (health: starting)".to_string(),
                        h => format!(" ({h})"),
                    }
                } else {
                    String::new()
                }
            ),
            Status::Restarting => format!(
                "Restarting ({}) {}",
                st.exit_code,
                ago(st.finished.unwrap_or(self.created))
            ),
            Status::Exited => format!(
                "Exited ({}) {}",
                st.exit_code,
                ago(st.finished.unwrap_or(self.created))
            ),
        }
    }
    fn ports_text(&self) -> String {
        if self.spec.network == "host" {
            return String::new();
        }
        let running = matches!(self.lock().status, Status::Running);
        let mut v = Vec::new();
        for p in &self.spec.ports {
            let pairs = port_pairs(p);
            let (Some(f), Some(l)) = (pairs.first(), pairs.last()) else {
                continue;
            };
            let hp = if f.0 == l.0 {
                f.0.to_string()
            } else {
                format!("{}-{}", f.0, l.0)
            };
            let cp = if f.1 == l.1 {
                f.1.to_string()
            } else {
                format!("{}-{}", f.1, l.1)
            };
            if running {
                v.push(format!("0.0.0.0:{hp}->{cp}/tcp"));
                v.push(format!(":::{hp}->{cp}/tcp"));
            }
        }
        v.join(", ")
    }
    pub(super) fn command_text(&self, trunc: bool) -> String {
        let s = self.command().join(" ");
        if trunc && s.chars().count() > 20 {
            let t: String = s.chars().take(19).collect();
            format!("\"{t}…\"")
        } else {
            format!("\"{s}\"")
        }
    }
    /// The fields `docker ps --format` knows.
    fn ps_json(&self, trunc: bool) -> Json {
        let st_status = self.lock().status;
        let labels: Vec<String> = self
            .spec
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let id = if trunc {
            self.id[..12].to_string()
        } else {
            self.id.clone()
        };
        json!({
            "Command": self.command_text(trunc),
            "CreatedAt": rfc3339(self.created),
            "ID": id,
            "Image": self.spec.image,
            "Labels": labels.join(","),
            "LocalVolumes": "0",
            "Mounts": self.spec.volumes.iter().map(|v| v.split(':').next().unwrap_or("").to_string()).collect::<Vec<_>>().join(","),
            "Names": self.name(),
            "Networks": if self.spec.network.is_empty() { "bridge".to_string() } else { self.spec.network.clone() },
            "Ports": self.ports_text(),
            "RunningFor": ago(self.created),
            "Size": "0B",
            "State": st_status.name(),
            "Status": self.status_text(),
        })
    }
    fn inspect_json(&self) -> Json {
        let st = self.lock();
        let restart_name = self
            .spec
            .restart
            .split(':')
            .next()
            .unwrap_or("no")
            .to_string();
        let restart_name = if restart_name.is_empty() {
            "no".to_string()
        } else {
            restart_name
        };
        let cmd = self.command();
        let mut v = json!({
            "Id": self.id,
            "Created": rfc3339(self.created),
            "Path": cmd.first().cloned().unwrap_or_default(),
            "Args": cmd.iter().skip(1).cloned().collect::<Vec<_>>(),
            "State": {
                "Status": st.status.name(),
                "Running": matches!(st.status, Status::Running | Status::Restarting),
                "Paused": false,
                "Restarting": st.status == Status::Restarting,
                "OOMKilled": false,
                "Dead": false,
                "Pid": st.pid,
                "ExitCode": st.exit_code,
                "Error": "",
                "StartedAt": st.started.map(rfc3339).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
                "FinishedAt": st.finished.map(rfc3339).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
                "Health": self.healthcheck.as_ref().map(|_| json!({
                    "Status": st.health,
                    "FailingStreak": st.failing_streak,
                    "Log": st.health_log.iter().map(|l| json!({
                        "Start": rfc3339(l.start),
                        "End": rfc3339(l.end),
                        "ExitCode": l.exit_code,
                        "Output": l.output,
                    })).collect::<Vec<_>>(),
                })),
            },
            "Image": format!("sha256:{}", self.image.id),
            "Name": format!("/{}", self.name()),
            "RestartCount": st.restart_count,
            "Driver": "overlay2",
            "Platform": "linux",
            "HostConfig": {
                "Binds": self.spec.volumes,
                "NetworkMode": if self.spec.network.is_empty() { "bridge".to_string() } else { self.spec.network.clone() },
                "PortBindings": self.spec.ports,
                "RestartPolicy": {"Name": restart_name, "MaximumRetryCount": 0},
                "AutoRemove": self.spec.rm,
                "Devices": self.spec.devices,
                "ExtraHosts": self.spec.extra_hosts,
                "ReadonlyRootfs": self.spec.read_only,
            },
            "Config": {
                "Hostname": self.id[..12].to_string(),
                "User": self.spec.user,
                "Tty": self.spec.tty,
                "OpenStdin": self.spec.interactive,
                "Env": self.spec.env.iter().chain(self.image.env.iter()).cloned().collect::<Vec<_>>(),
                "Cmd": if self.spec.cmd.is_empty() { self.image.cmd.clone() } else { self.spec.cmd.clone() },
                "Image": self.spec.image,
                "WorkingDir": self.image.workdir,
                "Entrypoint": self.spec.entrypoint.clone().unwrap_or_else(|| self.image.entrypoint.clone()),
                "Labels": self.spec.labels,
                "Healthcheck": self.healthcheck.as_ref().map(|h| json!({
                    "Test": h.docker_test(),
                    "Interval": h.interval.as_nanos() as u64,
                    "Timeout": h.timeout.as_nanos() as u64,
                    "StartPeriod": h.start_period.as_nanos() as u64,
                    "Retries": h.retries,
                })),
            },
            "NetworkSettings": {
                "Networks": { (if self.spec.network.is_empty() { "bridge".to_string() } else { self.spec.network.clone() }): {} }
            }
        });
        // Docker shows State.Health only for a container with a healthcheck.
        if self.healthcheck.is_none() {
            if let Some(state) = v.get_mut("State").and_then(|s| s.as_object_mut()) {
                state.remove("Health");
            }
            if let Some(config) = v.get_mut("Config").and_then(|s| s.as_object_mut()) {
                config.remove("Healthcheck");
            }
        }
        v
    }
}

fn image_json(i: &Image) -> Json {
    json!({
        "Id": format!("sha256:{}", i.id),
        "RepoTags": i.tags,
        "Created": rfc3339(i.created),
        "Size": i.size,
        "Architecture": "arm64",
        "Os": "linux",
        "Config": {"Cmd": i.cmd, "Entrypoint": i.entrypoint, "WorkingDir": i.workdir, "Env": i.env},
    })
}

// ----- the CLI -----

/// Options of `docker run` that take a value.
const RUN_VALUE_OPTS: &[&str] = &[
    "--name",
    "--restart",
    "-e",
    "--env",
    "-v",
    "--volume",
    "--device",
    "--add-host",
    "-p",
    "--publish",
    "--network",
    "--net",
    "--entrypoint",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "--env-file",
    "-l",
    "--label",
    "--log-driver",
    "--log-opt",
    "--tmpfs",
    "--mount",
    "--cap-add",
    "--cap-drop",
    "-h",
    "--hostname",
    "--platform",
    "--pull",
    "-m",
    "--memory",
    "--cpus",
    "--ulimit",
    "--security-opt",
    "--ipc",
    "--pid",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "--dns",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-timeout",
    "--health-start-period",
    "--health-retries",
];

pub(super) struct Cli<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

fn usage_err(cli: &mut Cli, cmd: &str, what: &str, usage: &str) -> i32 {
    put(
        cli.err,
        &format!(
            "\"docker {cmd}\" {what}.\nSee 'docker {cmd} --help'.\n\nUsage:  docker {cmd} {usage}\n"
        ),
    );
    1
}

/// The daemon's answer for a container name or id it does not know; status 1.
fn no_such_container(cli: &mut Cli, name: &str) -> i32 {
    put(
        cli.err,
        &format!("Error response from daemon: No such container: {name}\n"),
    );
    1
}

/// `docker start|stop|restart|kill|rm CONTAINER...`: the names among `args` (at least one,
/// else the usage error), each looked up (an unknown one is the daemon's error) and handed to
/// `each`; the name is printed when `each` says it went. 1 when any did not.
fn each_container(
    cli: &mut Cli,
    d: &Docker,
    cmd: &str,
    args: &[String],
    each: &mut dyn FnMut(&mut Cli, &Arc<Container>) -> bool,
) -> i32 {
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if names.is_empty() {
        return usage_err(
            cli,
            cmd,
            "requires at least 1 argument",
            "[OPTIONS] CONTAINER [CONTAINER...]",
        );
    }
    let mut code = 0;
    for n in names {
        match d.find(n) {
            Some(c) if each(cli, &c) => put(cli.out, &format!("{n}\n")),
            Some(_) => code = 1,
            None => code = no_such_container(cli, n),
        }
    }
    code
}

impl Services {
    /// `docker ARGS` run in `cwd` with the shell's environment; files are read through `fs`.
    pub fn docker(
        &self,
        args: &[String],
        cwd: &str,
        env: &BTreeMap<String, String>,
        fs: &dyn FsView,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> i32 {
        self.reconcile();
        let mut cli = Cli { out, err };
        // global options
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            match args[i].as_str() {
                "-v" | "--version" => {
                    put(cli.out, "Docker version 24.0.9, build 2936816\n");
                    return 0;
                }
                "-H" | "--host" | "-c" | "--context" | "-l" | "--log-level" | "--config" => i += 2,
                "-h" | "--help" => {
                    put(cli.out, DOCKER_HELP);
                    return 0;
                }
                _ => i += 1,
            }
        }
        let Some(cmd) = args.get(i) else {
            put(cli.out, DOCKER_HELP);
            return 0;
        };
        let rest = &args[(i + 1).min(args.len())..];
        let mut cmd = cmd.as_str();
        let mut rest_v: Vec<String> = rest.to_vec();
        // management command aliases
        if matches!(cmd, "container" | "image" | "buildx")
            && let Some(sub) = rest.first()
        {
            {
                cmd = match (cmd, sub.as_str()) {
                    ("container", "ls" | "list" | "ps") => "ps",
                    ("image", "ls" | "list") => "images",
                    ("image", "rm") => "rmi",
                    ("buildx", "build") => "build",
                    (_, s) => match s {
                        "inspect" => "inspect",
                        "start" => "start",
                        "stop" => "stop",
                        "rm" => "rm",
                        "restart" => "restart",
                        "logs" => "logs",
                        "run" => "run",
                        "build" => "build",
                        "pull" => "pull",
                        "tag" => "tag",
                        "rename" => "rename",
                        _ => "?",
                    },
                };
                rest_v = rest[1..].to_vec();
            }
        }
        let rest = rest_v.as_slice();
        if cmd == "compose" {
            if self.faults.has(Fault::NoDockerCompose) {
                put(
                    cli.err,
                    "docker: 'compose' is not a docker command.\nSee 'docker --help'\n",
                );
                return 1;
            }
            if !self.docker_up() && !rest.iter().any(|a| a == "version") {
                put(cli.err, &format!("{NO_DAEMON}\n"));
                return 1;
            }
            if rest.iter().any(|a| a == "up") && self.faults.has(Fault::UnplugDuringComposeUp) {
                self.faults.unplug();
            }
            return self.compose(rest, cwd, env, fs, &mut cli);
        }
        if cmd == "version" {
            put(cli.out, DOCKER_VERSION_CLIENT);
            if !self.docker_up() {
                put(cli.err, &format!("{NO_DAEMON}\n"));
                return 1;
            }
            put(cli.out, DOCKER_VERSION_SERVER);
            return 0;
        }
        let known = [
            "info", "ps", "images", "build", "run", "create", "start", "stop", "restart", "rm",
            "rmi", "logs", "inspect", "pull", "tag", "exec", "kill", "rename",
        ];
        if !known.contains(&cmd) {
            put(
                cli.err,
                &format!("docker: '{cmd}' is not a docker command.\nSee 'docker --help'\n"),
            );
            return 1;
        }
        if !self.docker_up() {
            if cmd == "build" {
                put(cli.err, &format!("ERROR: {NO_DAEMON}\n"));
            } else if cmd == "info" {
                put(
                    cli.out,
                    "Client:\n Version:    24.0.9\n Context:    default\n Debug Mode: false\n\nServer:\n",
                );
                put(
                    cli.err,
                    &format!("ERROR: {NO_DAEMON}\nerrors pretty printing info\n"),
                );
            } else {
                put(cli.err, &format!("{NO_DAEMON}\n"));
            }
            return 1;
        }
        let d = &self.docker;
        match cmd {
            "info" => {
                let cs = d.containers();
                let running = cs
                    .iter()
                    .filter(|c| c.lock().status == Status::Running)
                    .count();
                let stopped = cs
                    .iter()
                    .filter(|c| c.lock().status == Status::Exited)
                    .count();
                put(
                    cli.out,
                    &format!(
                        "Client:\n Version:    24.0.9\n Context:    default\n Debug Mode: false\n Plugins:\n{}\nServer:\n Containers: {}\n  Running: {}\n  Paused: 0\n  Stopped: {}\n Images: {}\n Server Version: 24.0.9\n Storage Driver: overlay2\n Logging Driver: journald\n Cgroup Driver: systemd\n Cgroup Version: 2\n Kernel Version: 6.1.24-lmp-standard\n Operating System: Linux-microPlatform XWayland 4.0.11\n OSType: linux\n Architecture: aarch64\n CPUs: 4\n Total Memory: 1.906GiB\n Name: {}\n Docker Root Dir: /var/lib/docker\n Debug Mode: false\n Experimental: false\n Insecure Registries:\n  127.0.0.0/8\n Live Restore Enabled: false\n",
                        if self.faults.has(Fault::NoDockerCompose) {
                            String::new()
                        } else {
                            "  compose: Docker Compose (Docker Inc.)\n    Version:  v2.20.3\n    Path:     /usr/lib/docker/cli-plugins/docker-compose\n".to_string()
                        },
                        cs.len(),
                        running,
                        stopped,
                        d.images().len(),
                        self.hostname
                    ),
                );
                0
            }
            "ps" => self.docker_ps(rest, &mut cli),
            "images" => self.docker_images(rest, &mut cli),
            "build" => self.docker_build(rest, cwd, fs, &mut cli),
            "run" | "create" => self.docker_run(rest, cmd == "create", &mut cli),
            "start" | "stop" | "restart" | "kill" => {
                each_container(&mut cli, d, cmd, rest, &mut |_, c| {
                    match cmd {
                        "start" => d.start(c),
                        "stop" | "kill" => d.stop(c, true),
                        _ => {
                            d.stop(c, true);
                            d.start(c);
                        }
                    }
                    true
                })
            }
            // `docker rename OLD NEW` (Docker 24: silent on success; the name conflict and
            // unknown-container errors are the daemon's, as for `docker run --name`).
            "rename" => {
                let [old, new] = rest else {
                    return usage_err(
                        &mut cli,
                        "rename",
                        "requires 2 arguments",
                        "CONTAINER NEW_NAME",
                    );
                };
                let Some(c) = d.find(old) else {
                    return no_such_container(&mut cli, old);
                };
                match d.rename(&c, new) {
                    Ok(()) => 0,
                    Err(e) => {
                        put(cli.err, &format!("Error response from daemon: {e}\n"));
                        1
                    }
                }
            }
            "rm" => {
                let force = rest
                    .iter()
                    .any(|a| a == "-f" || a == "--force" || a == "-fv" || a == "-vf");
                each_container(&mut cli, d, "rm", rest, &mut |cli, c| {
                    let running = matches!(c.lock().status, Status::Running | Status::Restarting);
                    if running && !force {
                        put(
                            cli.err,
                            &format!(
                                "Error response from daemon: You cannot remove a running container {}. Stop the container before attempting removal or force remove\n",
                                c.id
                            ),
                        );
                        return false;
                    }
                    d.remove(c);
                    true
                })
            }
            "rmi" => {
                let mut code = 0;
                for n in rest.iter().filter(|a| !a.starts_with('-')) {
                    match d.image(n) {
                        Some(img) => {
                            if let Some(c) = d.containers().iter().find(|c| c.image.id == img.id) {
                                put(
                                    cli.err,
                                    &format!(
                                        "Error response from daemon: conflict: unable to remove repository reference \"{n}\" (must force) - container {} is using its referenced image {}\n",
                                        &c.id[..12],
                                        &img.id[..12]
                                    ),
                                );
                                code = 1;
                                continue;
                            }
                            let norm = normalize_ref(n);
                            let mut st = d.lock();
                            for i in st.images.iter_mut() {
                                i.tags.retain(|t| *t != norm);
                            }
                            st.images.retain(|i| !i.tags.is_empty());
                            put(
                                cli.out,
                                &format!("Untagged: {norm}\nDeleted: sha256:{}\n", img.id),
                            );
                        }
                        None => {
                            put(
                                cli.err,
                                &format!("Error response from daemon: No such image: {n}\n"),
                            );
                            code = 1;
                        }
                    }
                }
                code
            }
            "tag" => {
                let pos: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
                let [src, dst] = pos.as_slice() else {
                    return usage_err(
                        &mut cli,
                        "tag",
                        "requires exactly 2 arguments",
                        "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
                    );
                };
                if let Err(e) = check_ref(dst) {
                    put(
                        cli.err,
                        &format!(
                            "Error parsing reference: \"{dst}\" is not a valid repository/tag: {e}\n"
                        ),
                    );
                    return 1;
                }
                match d.image(src) {
                    Some(mut img) => {
                        img.tags = vec![normalize_ref(dst)];
                        d.add_image(img);
                        0
                    }
                    None => {
                        put(
                            cli.err,
                            &format!(
                                "Error response from daemon: No such image: {}\n",
                                normalize_ref(src)
                            ),
                        );
                        1
                    }
                }
            }
            "logs" => self.docker_logs(rest, &mut cli),
            "inspect" => self.docker_inspect(rest, &mut cli),
            "pull" => {
                let Some(r) = rest.iter().find(|a| !a.starts_with('-')) else {
                    return usage_err(
                        &mut cli,
                        "pull",
                        "requires exactly 1 argument",
                        "[OPTIONS] NAME[:TAG|@DIGEST]",
                    );
                };
                if let Err(e) = check_ref(r) {
                    put(cli.err, &format!("{e}\n"));
                    return 1;
                }
                if !r.contains(':') && !r.contains('@') {
                    put(cli.out, "Using default tag: latest\n");
                }
                // The registry the sim has is Docker Hub's official images (the base images
                // of the apps); with no network every pull fails, even of an image the board
                // has (a pull always asks the registry).
                if self.faults.has(Fault::NoNetwork) || !is_official(r) {
                    put(cli.err, &format!("{}\n", pull_error(r)));
                    return 1;
                }
                let norm = normalize_ref(r);
                if d.image(r).is_some() {
                    let mut lines = pull_lines(r);
                    lines.truncate(1);
                    for l in lines {
                        put(cli.out, &format!("{l}\n"));
                    }
                    put(
                        cli.out,
                        &format!(
                            "Digest: sha256:{}\nStatus: Image is up to date for {norm}\n",
                            hex(&Sha256::digest(r.as_bytes()))
                        ),
                    );
                } else {
                    for l in pull_lines(r) {
                        put(cli.out, &format!("{l}\n"));
                    }
                    d.add_image(base_image(r));
                }
                put(cli.out, &format!("docker.io/{}\n", docker_io_name(&norm)));
                0
            }
            "exec" => {
                let pos: Vec<&String> = rest.iter().filter(|a| !a.starts_with('-')).collect();
                let Some(n) = pos.first() else {
                    return usage_err(
                        &mut cli,
                        "exec",
                        "requires at least 2 arguments",
                        "[OPTIONS] CONTAINER COMMAND [ARG...]",
                    );
                };
                match d.find(n) {
                    Some(c) if c.lock().status == Status::Running => 0,
                    Some(c) => {
                        put(
                            cli.err,
                            &format!(
                                "Error response from daemon: Container {} is not running\n",
                                c.id
                            ),
                        );
                        1
                    }
                    None => no_such_container(&mut cli, n),
                }
            }
            _ => 1,
        }
    }

    fn docker_ps(&self, args: &[String], cli: &mut Cli) -> i32 {
        let mut all = false;
        let mut quiet = false;
        let mut format: Option<String> = None;
        let mut trunc = true;
        let mut filters: Vec<String> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-a" | "--all" => all = true,
                "-q" | "--quiet" => quiet = true,
                "-aq" | "-qa" => {
                    all = true;
                    quiet = true;
                }
                "--no-trunc" => trunc = false,
                "--format" => {
                    format = args.get(i + 1).cloned();
                    i += 1;
                }
                "-f" | "--filter" => {
                    if let Some(f) = args.get(i + 1) {
                        filters.push(f.clone());
                    }
                    i += 1;
                }
                _ => {
                    if let Some(v) = a.strip_prefix("--format=") {
                        format = Some(v.to_string());
                    } else if let Some(v) = a.strip_prefix("--filter=") {
                        filters.push(v.to_string());
                    } else {
                        put(
                            cli.err,
                            &format!("unknown flag: {a}\nSee 'docker ps --help'.\n"),
                        );
                        return 125;
                    }
                }
            }
            i += 1;
        }
        let mut cs: Vec<Arc<Container>> = self
            .docker
            .containers()
            .into_iter()
            .filter(|c| all || matches!(c.lock().status, Status::Running | Status::Restarting))
            .filter(|c| {
                filters.iter().all(|f| match f.split_once('=') {
                    Some(("name", n)) => c.name().contains(n),
                    Some(("status", s)) => c.lock().status.name() == s,
                    Some(("label", l)) => match l.split_once('=') {
                        Some((k, v)) => c.spec.labels.get(k).is_some_and(|x| x == v),
                        None => c.spec.labels.contains_key(l),
                    },
                    Some(("ancestor", a)) => normalize_ref(&c.spec.image) == normalize_ref(a),
                    _ => true,
                })
            })
            .collect();
        cs.reverse();
        if quiet {
            for c in &cs {
                put(
                    cli.out,
                    &format!("{}\n", if trunc { &c.id[..12] } else { &c.id }),
                );
            }
            return 0;
        }
        let tmpl = format.unwrap_or_else(|| {
            "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}".into()
        });
        render_rows(
            cli,
            &tmpl,
            cs.iter().map(|c| c.ps_json(trunc)).collect(),
            &|f| match f {
                "ID" => "CONTAINER ID".into(),
                "RunningFor" => "CREATED".into(),
                "CreatedAt" => "CREATED AT".into(),
                other => other.to_uppercase(),
            },
        )
    }

    fn docker_images(&self, args: &[String], cli: &mut Cli) -> i32 {
        let mut format: Option<String> = None;
        let mut quiet = false;
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "--format" => {
                    format = args.get(i + 1).cloned();
                    i += 1;
                }
                "-q" | "--quiet" => quiet = true,
                a => {
                    if let Some(v) = a.strip_prefix("--format=") {
                        format = Some(v.to_string());
                    }
                }
            }
            i += 1;
        }
        let mut rows = Vec::new();
        let mut imgs = self.docker.images();
        imgs.reverse();
        for img in &imgs {
            for t in &img.tags {
                let (repo, tag) = t.rsplit_once(':').unwrap_or((t, "latest"));
                rows.push(json!({
                    "Containers": "N/A",
                    "CreatedAt": rfc3339(img.created),
                    "CreatedSince": ago(img.created),
                    "Digest": "<none>",
                    "ID": img.id[..12].to_string(),
                    "Repository": repo,
                    "Tag": tag,
                    "Size": human_size(img.size),
                    "VirtualSize": human_size(img.size),
                }));
            }
        }
        if quiet {
            for r in rows {
                put(cli.out, &format!("{}\n", r["ID"].as_str().unwrap_or("")));
            }
            return 0;
        }
        let tmpl = format.unwrap_or_else(|| {
            "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}".into()
        });
        render_rows(cli, &tmpl, rows, &|f| match f {
            "ID" => "IMAGE ID".into(),
            "CreatedSince" => "CREATED".into(),
            other => other.to_uppercase(),
        })
    }

    fn docker_inspect(&self, args: &[String], cli: &mut Cli) -> i32 {
        let mut format: Option<String> = None;
        let mut names = Vec::new();
        let mut kind: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-f" | "--format" => {
                    format = args.get(i + 1).cloned();
                    i += 1;
                }
                "--type" => {
                    kind = args.get(i + 1).cloned();
                    i += 1;
                }
                "-s" | "--size" => {}
                _ => {
                    if let Some(v) = a.strip_prefix("--format=") {
                        format = Some(v.to_string());
                    } else if let Some(v) = a.strip_prefix("--type=") {
                        kind = Some(v.to_string());
                    } else {
                        names.push(a.to_string());
                    }
                }
            }
            i += 1;
        }
        if names.is_empty() {
            return usage_err(
                cli,
                "inspect",
                "requires at least 1 argument",
                "[OPTIONS] NAME|ID [NAME|ID...]",
            );
        }
        let mut docs = Vec::new();
        let mut code = 0;
        for n in &names {
            let c = if kind.as_deref() != Some("image") {
                self.docker.find(n)
            } else {
                None
            };
            let v = match c {
                Some(c) => Some(c.inspect_json()),
                None if kind.as_deref() != Some("container") => {
                    self.docker.image(n).map(|i| image_json(&i))
                }
                None => None,
            };
            match v {
                Some(v) => docs.push(v),
                None => {
                    code = 1;
                    put(cli.err, &format!("Error: No such object: {n}\n"));
                }
            }
        }
        match format {
            Some(f) => {
                for d in &docs {
                    match template::render(&f, d) {
                        Ok(s) => put(cli.out, &format!("{s}\n")),
                        Err(e) => {
                            put(
                                cli.err,
                                &format!("template: :1: executing \"\" at <{f}>: {e}\n"),
                            );
                            return 1;
                        }
                    }
                }
            }
            None => {
                let s = serde_json::to_string_pretty(&Json::Array(docs)).unwrap_or_default();
                put(cli.out, &format!("{s}\n"));
            }
        }
        code
    }

    fn docker_logs(&self, args: &[String], cli: &mut Cli) -> i32 {
        let mut follow = false;
        let mut tail: Option<usize> = None;
        let mut timestamps = false;
        let mut name: Option<&String> = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-f" | "--follow" => follow = true,
                "-t" | "--timestamps" => timestamps = true,
                "-ft" | "-tf" => {
                    follow = true;
                    timestamps = true;
                }
                "-n" | "--tail" => {
                    tail = args.get(i + 1).and_then(|v| v.parse().ok());
                    i += 1;
                }
                "--since" | "--until" => i += 1,
                _ => {
                    if let Some(v) = a.strip_prefix("--tail=").or_else(|| a.strip_prefix("-n=")) {
                        tail = v.parse().ok();
                    } else if a.starts_with('-') {
                        put(
                            cli.err,
                            &format!(
                                "unknown shorthand flag: '{}' in {a}\nSee 'docker logs --help'.\n",
                                a.chars().nth(1).unwrap_or('-')
                            ),
                        );
                        return 125;
                    } else {
                        name = Some(&args[i]);
                    }
                }
            }
            i += 1;
        }
        let Some(name) = name else {
            return usage_err(
                cli,
                "logs",
                "requires exactly 1 argument",
                "[OPTIONS] CONTAINER",
            );
        };
        let Some(c) = self.docker.find(name) else {
            return no_such_container(cli, name);
        };
        let prefix = String::new();
        follow_logs(
            &[(prefix, c)],
            tail,
            follow,
            timestamps,
            cli,
            &self.docker.sh.shut,
        );
        0
    }

    fn docker_run(&self, args: &[String], create_only: bool, cli: &mut Cli) -> i32 {
        let mut spec = RunSpec {
            restart: "no".into(),
            network: "bridge".into(),
            ..RunSpec::default()
        };
        let mut i = 0;
        let mut image: Option<String> = None;
        while i < args.len() {
            let a = args[i].clone();
            if !a.starts_with('-') || a == "-" {
                image = Some(a);
                spec.cmd = args[i + 1..].to_vec();
                break;
            }
            let (key, inline) = match a.split_once('=') {
                Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
                _ => (a.clone(), None),
            };
            if RUN_VALUE_OPTS.contains(&key.as_str()) {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => {
                                put(
                                    cli.err,
                                    &format!(
                                        "flag needs an argument: {key}\nSee 'docker run --help'.\n"
                                    ),
                                );
                                return 125;
                            }
                        }
                    }
                };
                match key.as_str() {
                    "--name" => spec.name = Some(v),
                    "--restart" => {
                        let p = v.split(':').next().unwrap_or("");
                        if !matches!(p, "no" | "always" | "unless-stopped" | "on-failure") {
                            put(
                                cli.err,
                                &format!(
                                    "docker: invalid restart policy '{v}'.\nSee 'docker run --help'.\n"
                                ),
                            );
                            return 125;
                        }
                        spec.restart = v;
                    }
                    "-e" | "--env" => spec.env.push(v),
                    "-v" | "--volume" => spec.volumes.push(v),
                    "--device" => spec.devices.push(v),
                    "--add-host" => spec.extra_hosts.push(v),
                    "-p" | "--publish" => spec.ports.push(v),
                    "--network" | "--net" => spec.network = v,
                    "--entrypoint" => {
                        spec.entrypoint = Some(v.split_whitespace().map(str::to_string).collect())
                    }
                    "-u" | "--user" => spec.user = v,
                    "-l" | "--label" => {
                        let (k, x) = v.split_once('=').unwrap_or((&v, ""));
                        spec.labels.insert(k.to_string(), x.to_string());
                    }
                    // The healthcheck over the image's, as compose's `healthcheck:` (docker
                    // run reference: `--health-cmd` is a CMD-SHELL line).
                    k if k.starts_with("--health-") => {
                        let h = spec.health.get_or_insert_with(HealthOverride::default);
                        let dur = go_duration(&v);
                        match k {
                            "--health-cmd" => {
                                h.test = Some(vec!["/bin/sh".into(), "-c".into(), v.clone()])
                            }
                            "--health-interval" => h.interval = dur,
                            "--health-timeout" => h.timeout = dur,
                            "--health-start-period" => h.start_period = dur,
                            _ => h.retries = v.parse().ok(),
                        }
                        if k != "--health-cmd" && k != "--health-retries" && dur.is_none() {
                            put(
                                cli.err,
                                &format!(
                                    "invalid argument \"{v}\" for \"{k}\" flag: time: invalid duration \"{v}\"\nSee 'docker run --help'.\n"
                                ),
                            );
                            return 125;
                        }
                    }
                    _ => {}
                }
            } else {
                let flags: Vec<char> = if key.starts_with("--") {
                    Vec::new()
                } else {
                    key.chars().skip(1).collect()
                };
                match key.as_str() {
                    "--detach" => spec.detach = true,
                    "--tty" => spec.tty = true,
                    "--interactive" => spec.interactive = true,
                    "--rm" => spec.rm = true,
                    "--read-only" => spec.read_only = true,
                    "--privileged" | "--init" => {}
                    "--no-healthcheck" => {
                        spec.health
                            .get_or_insert_with(HealthOverride::default)
                            .disable = true
                    }
                    _ if !flags.is_empty() && flags.iter().all(|c| "dtiP".contains(*c)) => {
                        for c in flags {
                            match c {
                                'd' => spec.detach = true,
                                't' => spec.tty = true,
                                'i' => spec.interactive = true,
                                _ => {}
                            }
                        }
                    }
                    _ => {
                        put(
                            cli.err,
                            &format!("unknown flag: {key}\nSee 'docker run --help'.\n"),
                        );
                        return 125;
                    }
                }
            }
            i += 1;
        }
        let verb = if create_only { "create" } else { "run" };
        let Some(image) = image else {
            put(
                cli.err,
                &format!(
                    "\"docker {verb}\" requires at least 1 argument.\nSee 'docker {verb} --help'.\n\nUsage:  docker {verb} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image\n"
                ),
            );
            return 1;
        };
        if let Err(e) = check_ref(&image) {
            put(
                cli.err,
                &format!("docker: {e}.\nSee 'docker {verb} --help'.\n"),
            );
            return 125;
        }
        if spec.rm && spec.restart != "no" {
            put(
                cli.err,
                "docker: Conflicting options: --restart and --rm.\nSee 'docker run --help'.\n",
            );
            return 125;
        }
        spec.image = image.clone();
        let mut found = self.docker.image(&image);
        if found.is_none() {
            put(
                cli.err,
                &format!("Unable to find image '{}' locally\n", normalize_ref(&image)),
            );
            // Docker pulls it first (its progress on stderr); the sim's registry has the
            // official base images only, and nothing without network.
            if !self.faults.has(Fault::NoNetwork) && is_official(&image) {
                for l in pull_lines(&image) {
                    put(cli.err, &format!("{l}\n"));
                }
                let b = base_image(&image);
                self.docker.add_image(b.clone());
                found = Some(b);
            }
        }
        let Some(img) = found else {
            put(
                cli.err,
                &format!(
                    "docker: {}.\nSee 'docker {verb} --help'.\n",
                    pull_error(&image)
                ),
            );
            return 125;
        };
        let detach = spec.detach;
        let c = match self.docker.create(spec, img) {
            Ok(c) => c,
            Err(e) => {
                put(
                    cli.err,
                    &format!(
                        "docker: Error response from daemon: {e}\nSee 'docker {verb} --help'.\n"
                    ),
                );
                return 125;
            }
        };
        if create_only {
            put(cli.out, &format!("{}\n", c.id));
            return 0;
        }
        self.docker.start(&c);
        if detach {
            put(cli.out, &format!("{}\n", c.id));
            return 0;
        }
        follow_logs(
            &[(String::new(), c.clone())],
            None,
            true,
            false,
            cli,
            &self.docker.sh.shut,
        );
        let code = c.lock().exit_code;
        if c.spec.rm {
            self.docker.remove(&c);
        }
        code
    }

    fn docker_build(&self, args: &[String], cwd: &str, fs: &dyn FsView, cli: &mut Cli) -> i32 {
        let mut tags = Vec::new();
        let mut file: Option<String> = None;
        let mut quiet = false;
        let mut pos = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-t" | "--tag" => {
                    if let Some(v) = args.get(i + 1) {
                        tags.push(v.clone());
                    }
                    i += 1;
                }
                "-f" | "--file" => {
                    file = args.get(i + 1).cloned();
                    i += 1;
                }
                "--build-arg" | "--progress" | "--platform" | "--network" | "--target"
                | "--label" => i += 1,
                "-q" | "--quiet" => quiet = true,
                "--no-cache" | "--pull" | "--rm" | "--force-rm" | "--load" => {}
                _ => {
                    if let Some(v) = a.strip_prefix("--tag=") {
                        tags.push(v.to_string());
                    } else if let Some(v) = a.strip_prefix("--file=") {
                        file = Some(v.to_string());
                    } else if a.starts_with('-') && a.len() > 1 {
                        if !a.starts_with("--") {
                            put(
                                cli.err,
                                &format!(
                                    "unknown shorthand flag: '{}' in {a}\nSee 'docker build --help'.\n",
                                    a.chars().nth(1).unwrap_or('-')
                                ),
                            );
                        } else {
                            put(
                                cli.err,
                                &format!("unknown flag: {a}\nSee 'docker build --help'.\n"),
                            );
                        }
                        return 1;
                    } else {
                        pos.push(a.to_string());
                    }
                }
            }
            i += 1;
        }
        if pos.len() != 1 {
            put(
                cli.err,
                "\"docker build\" requires exactly 1 argument.\nSee 'docker build --help'.\n\nUsage:  docker build [OPTIONS] PATH | URL | -\n\nBuild an image from a Dockerfile\n",
            );
            return 1;
        }
        for t in &tags {
            if let Err(e) = check_ref(t) {
                put(
                    cli.err,
                    &format!(
                        "invalid argument \"{t}\" for \"-t, --tag\" flag: {e}\nSee 'docker build --help'.\n"
                    ),
                );
                return 1;
            }
        }
        let ctx = join_path(cwd, &pos[0]);
        // The legacy builder: the board's Docker has no buildx (real-board-evidence.md §6.1).
        put(
            cli.err,
            "DEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n            Install the buildx component to build images with BuildKit:\n            https://docs.docker.com/go/buildx/\n\n",
        );
        if !fs.is_dir(&ctx) {
            put(
                cli.err,
                &format!("unable to prepare context: path \"{}\" not found\n", pos[0]),
            );
            return 1;
        }
        let df_arg = file.clone().unwrap_or_else(|| "Dockerfile".into());
        let df_path = if df_arg.starts_with('/') {
            df_arg.clone()
        } else if file.is_some() {
            join_path(cwd, &df_arg)
        } else {
            join_path(&ctx, &df_arg)
        };
        let text = match fs.read(&df_path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(_) => {
                put(
                    cli.err,
                    &format!(
                        "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat {df_path}: no such file or directory\n"
                    ),
                );
                return 1;
            }
        };
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut ctx_size = 0u64;
        let mut all_paths: Vec<String> = Vec::new();
        collect_context(fs, &ctx, "", 0, &mut files, &mut all_paths, &mut ctx_size);
        let out = |cli: &mut Cli, s: &str| {
            if !quiet {
                put(cli.out, &format!("{s}\n"));
            }
        };
        out(
            cli,
            &format!(
                "Sending build context to Docker daemon  {}",
                docker_size(ctx_size + text.len() as u64)
            ),
        );
        let instrs = match parse_dockerfile(&text) {
            Ok(v) => v,
            Err(e) => {
                put(cli.err, &format!("Error response from daemon: {e}\n"));
                return 1;
            }
        };
        let Some(from) = instrs.iter().find(|x| x.cmd == "FROM") else {
            put(
                cli.err,
                "Error response from daemon: No build stage in current context\n",
            );
            return 1;
        };
        let base = from
            .args
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        if let Err(e) = check_ref(&base) {
            put(
                cli.err,
                &format!(
                    "Error response from daemon: failed to parse stage name \"{base}\": {e}\n"
                ),
            );
            return 1;
        }
        let mut hasher = Sha256::new();
        hasher.update(text.as_bytes());
        for (p, t) in &files {
            hasher.update(p.as_bytes());
            hasher.update(t);
        }
        let id = hex(&hasher.finalize());
        let short =
            |seed: &str| hex(&Sha256::digest(format!("{id}{seed}").as_bytes()))[..12].to_string();
        let no_net = self.faults.has(Fault::NoNetwork);
        // An image the board has already (built or pulled before) is used as it is, without
        // a pull, as Docker does: FROM another local image starts from its files,
        // environment, command and healthcheck.
        let local_base = self.docker.image(&base);
        let root_base = local_base
            .as_ref()
            .map(|b| b.base.clone())
            .unwrap_or_else(|| base.clone());
        let minor = python_minor(&root_base);
        let host_py = minor.and_then(runtime::host_python);
        let mut workdir = String::from("/");
        let mut cmd: Vec<String> = Vec::new();
        let mut entrypoint: Vec<String> = Vec::new();
        let mut env: Vec<String> =
            vec!["PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin".into()];
        let mut image_files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut healthcheck: Option<Healthcheck> = None;
        let build_dir = BuildDir {
            root: self.docker.sandbox_dir().to_path_buf(),
            made: std::cell::RefCell::new(None),
        };
        let mut reqs: Vec<String> = Vec::new();
        let mut venv: Option<Result<PathBuf, String>> = None;
        let n = instrs.len();
        for (k, ins) in instrs.iter().enumerate() {
            let shown_args = ins.args.trim();
            out(
                cli,
                &format!("Step {}/{n} : {} {shown_args}", k + 1, ins.cmd),
            );
            match ins.cmd.as_str() {
                "FROM" => {
                    let base_img = match &local_base {
                        Some(b) => b.clone(),
                        None => {
                            if no_net {
                                // The daemon's pull error, as the legacy builder prints it.
                                let e = pull_error(&base);
                                let e =
                                    e.strip_prefix("Error response from daemon: ").unwrap_or(&e);
                                put(cli.err, &format!("{e}\n"));
                                return 1;
                            }
                            for l in pull_lines(&base) {
                                out(cli, &l);
                            }
                            let b = base_image(&base);
                            self.docker.add_image(b.clone());
                            b
                        }
                    };
                    out(cli, &format!(" ---> {}", &base_img.id[..12]));
                    env = base_img.env.clone();
                    cmd = base_img.cmd.clone();
                    entrypoint = base_img.entrypoint.clone();
                    workdir = base_img.workdir.clone();
                    healthcheck = base_img.healthcheck.clone();
                    image_files = base_img.files.as_ref().clone();
                    reqs = base_img.requirements.clone();
                    continue;
                }
                "WORKDIR" => workdir = join_path(&workdir, shown_args),
                "COPY" | "ADD" => {
                    let words: Vec<&str> = ins
                        .args
                        .split_whitespace()
                        .filter(|x| !x.starts_with("--"))
                        .collect();
                    if !ins.args.contains("--from") && words.len() >= 2 {
                        let dest_raw = words[words.len() - 1].trim_matches('"');
                        let dest = join_path(&workdir, dest_raw);
                        let srcs = &words[..words.len() - 1];
                        let dest_prefix = format!("{}/", dest.trim_end_matches('/'));
                        let into_dir = dest_raw.ends_with('/')
                            || dest_raw == "."
                            || dest_raw.ends_with("/.")
                            || srcs.len() > 1
                            || image_files.iter().any(|(q, _)| q.starts_with(&dest_prefix));
                        for src in srcs {
                            let src = src.trim_matches('"').trim_start_matches("./");
                            if src.starts_with("http") {
                                continue;
                            }
                            let p = src.trim_end_matches('/');
                            let whole = p.is_empty() || p == ".";
                            let pat = |f: &str| {
                                if p.contains('*') {
                                    let (pre, post) = p.split_once('*').unwrap_or((p, ""));
                                    !f.contains('/') && f.starts_with(pre) && f.ends_with(post)
                                } else {
                                    false
                                }
                            };
                            let exists =
                                whole || p.contains('*') || all_paths.iter().any(|x| x == p);
                            if !exists {
                                put(
                                    cli.err,
                                    &format!(
                                        "{} failed: file not found in build context or excluded by .dockerignore: stat {src}: file does not exist\n",
                                        ins.cmd
                                    ),
                                );
                                return 1;
                            }
                            for (f, data) in &files {
                                let target = if whole {
                                    Some(join_path(&dest, f))
                                } else if f == p {
                                    let leaf = f.rsplit('/').next().unwrap_or(f);
                                    Some(if into_dir || p.contains('*') {
                                        join_path(&dest, leaf)
                                    } else {
                                        dest.clone()
                                    })
                                } else if let Some(rest) = f.strip_prefix(&format!("{p}/")) {
                                    Some(join_path(&dest, rest))
                                } else if pat(f) {
                                    Some(join_path(&dest, f))
                                } else {
                                    None
                                };
                                if let Some(t) = target {
                                    image_files.retain(|(q, _)| *q != t);
                                    image_files.push((t, data.clone()));
                                }
                            }
                        }
                    }
                }
                "RUN" => {
                    let c = shown_args;
                    let cid = short(&format!("run{k}"));
                    out(cli, &format!(" ---> Running in {cid}"));
                    let shown = if c.starts_with('[') {
                        exec_form(c).join(" ")
                    } else {
                        format!("/bin/sh -c {c}")
                    };
                    let read = |f: &str| {
                        let p = join_path(&workdir, f);
                        image_files
                            .iter()
                            .find(|(q, _)| *q == p)
                            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
                    };
                    if let Some(more) = runtime::pip_requirements(c, &read) {
                        if no_net {
                            // pip on a board without a route out (§6.1).
                            for r in more.iter().take(1) {
                                let name = r
                                    .split(['=', '<', '>', '~', '!', '[', ';'])
                                    .next()
                                    .unwrap_or(r);
                                for t in 0..5 {
                                    out(
                                        cli,
                                        &format!(
                                            "WARNING: Retrying (Retry(total={}, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f8a3c2d10>: Failed to establish a new connection: [Errno -3] Try again')': /simple/{name}/",
                                            4 - t
                                        ),
                                    );
                                }
                                out(
                                    cli,
                                    &format!(
                                        "ERROR: Could not find a version that satisfies the requirement {r} (from versions: none)"
                                    ),
                                );
                                out(
                                    cli,
                                    &format!("ERROR: No matching distribution found for {r}"),
                                );
                            }
                            put(
                                cli.err,
                                &format!("The command '{shown}' returned a non-zero code: 1\n"),
                            );
                            return 1;
                        }
                        reqs.extend(more);
                        let others: Vec<&str> = c
                            .split("&&")
                            .flat_map(|p| p.split(';'))
                            .map(str::trim)
                            .filter(|p| {
                                !p.is_empty()
                                    && !p.split_whitespace().any(|w| {
                                        let n = w.rsplit('/').next().unwrap_or(w);
                                        n == "pip" || n.starts_with("pip3")
                                    })
                            })
                            .collect();
                        if !others.is_empty() {
                            out(
                                cli,
                                &format!(
                                    "(the virtual X8 runs only the pip install of this step, not: {})",
                                    others
                                        .iter()
                                        .map(|o| format!("`{o}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            );
                        }
                        match &host_py {
                            Some(py) => {
                                let mut sink = |l: &str| out(cli, l);
                                match runtime::venv(py, &reqs, &mut sink) {
                                    Ok(v) => venv = Some(Ok(v)),
                                    Err(_) => {
                                        put(
                                            cli.err,
                                            &format!(
                                                "The command '{shown}' returned a non-zero code: 1\n"
                                            ),
                                        );
                                        return 1;
                                    }
                                }
                            }
                            None => out(
                                cli,
                                &format!(
                                    "(the virtual X8 cannot run pip here: {})",
                                    no_python(minor)
                                ),
                            ),
                        }
                    } else {
                        match not_run(c) {
                            Some((tool, why)) => {
                                if no_net && why == NotRun::Network {
                                    // On a board without a route out this step fails
                                    // (real-board-evidence.md §6.1); the sim does not run the
                                    // tool, so it says so in its own words.
                                    out(
                                        cli,
                                        &format!(
                                            "(virtual X8: the board has no network, so `{tool}` cannot reach the Internet; this step fails on such a board)"
                                        ),
                                    );
                                    put(
                                        cli.err,
                                        &format!(
                                            "The command '{shown}' returned a non-zero code: 1\n"
                                        ),
                                    );
                                    return 1;
                                }
                                out(
                                    cli,
                                    &format!(
                                        "(the virtual X8 does not run this step: `{tool}` {}; it is taken as done, and the image does not have what it would make)",
                                        why.text()
                                    ),
                                );
                            }
                            None => {
                                let line = if c.starts_with('[') {
                                    exec_form(c)
                                        .iter()
                                        .map(|w| shell_quote(w))
                                        .collect::<Vec<_>>()
                                        .join(" ")
                                } else {
                                    c.to_string()
                                };
                                // The step's Python is the image's (its virtual environment
                                // with what the pip steps so far installed).
                                let step_venv = match &host_py {
                                    Some(py) => {
                                        let mut sink = |_: &str| {};
                                        runtime::venv(py, &reqs, &mut sink).unwrap_or_default()
                                    }
                                    None => PathBuf::new(),
                                };
                                let env_pairs: Vec<(String, String)> = env
                                    .iter()
                                    .map(|e| {
                                        let (k2, v) = e.split_once('=').unwrap_or((e, ""));
                                        (k2.to_string(), v.to_string())
                                    })
                                    .collect();
                                let dir = build_dir.path(&id);
                                let launch = runtime::Launch {
                                    venv: &step_venv,
                                    sandbox: &dir,
                                    files: &[],
                                    command: &[],
                                    workdir: &workdir,
                                    env: &env_pairs,
                                    unbuffered: true,
                                };
                                let ran =
                                    runtime::reset_sandbox(&dir, &image_files).and_then(|()| {
                                        let mut sink = |l: &str| out(cli, l);
                                        runtime::run_shell(&launch, &line, RUN_LIMIT, &mut sink)
                                    });
                                match ran {
                                    Ok(0) => image_files = runtime::sandbox_files(&dir),
                                    Ok(code) => {
                                        put(
                                            cli.err,
                                            &format!(
                                                "The command '{shown}' returned a non-zero code: {code}\n"
                                            ),
                                        );
                                        return 1;
                                    }
                                    Err(e) => {
                                        out(
                                            cli,
                                            &format!(
                                                "(the virtual X8 could not run this step: {e})"
                                            ),
                                        );
                                        put(
                                            cli.err,
                                            &format!(
                                                "The command '{shown}' returned a non-zero code: 1\n"
                                            ),
                                        );
                                        return 1;
                                    }
                                }
                            }
                        }
                    }
                    out(cli, &format!("Removing intermediate container {cid}"));
                }
                "CMD" => cmd = exec_form(&ins.args),
                "HEALTHCHECK" => healthcheck = parse_healthcheck(&ins.args),
                "ENTRYPOINT" => {
                    entrypoint = exec_form(&ins.args);
                    cmd.clear();
                }
                "ENV" => {
                    let a = shown_args;
                    if let Some((k2, v)) = a.split_once('=') {
                        env.push(format!("{}={}", k2.trim(), v.trim().trim_matches('"')));
                    } else if let Some((k2, v)) = a.split_once(' ') {
                        env.push(format!("{}={}", k2.trim(), v.trim()));
                    }
                }
                _ => {}
            }
            if !matches!(ins.cmd.as_str(), "RUN" | "COPY" | "ADD") {
                let cid = short(&format!("meta{k}"));
                out(cli, &format!(" ---> Running in {cid}"));
                out(cli, &format!("Removing intermediate container {cid}"));
            }
            let layer = if k + 1 == n {
                id[..12].to_string()
            } else {
                short(&format!("layer{k}"))
            };
            out(cli, &format!(" ---> {layer}"));
        }
        let python = match (minor, venv) {
            (_, Some(v)) => v,
            (Some(_), None) => match &host_py {
                Some(py) => {
                    let mut sink = |_: &str| {};
                    runtime::venv(py, &reqs, &mut sink)
                }
                None => Err(no_python(minor)),
            },
            (None, None) => Err(format!("its base image {base} is not a Python image")),
        };
        out(cli, &format!("Successfully built {}", &id[..12]));
        for t in &tags {
            out(cli, &format!("Successfully tagged {}", normalize_ref(t)));
        }
        let size = ctx_size
            + if base.contains("alpine") {
                52_000_000
            } else {
                120_000_000
            };
        self.docker.add_image(Image {
            id: id.clone(),
            tags: tags.iter().map(|t| normalize_ref(t)).collect(),
            created: SystemTime::now(),
            size,
            files: Arc::new(image_files),
            python,
            healthcheck,
            cmd,
            entrypoint,
            workdir,
            env,
            base: root_base,
            requirements: reqs,
        });
        if quiet {
            put(cli.out, &format!("sha256:{id}\n"));
        }
        0
    }
}

/// Why the host cannot run a Python 3.`minor` app.
fn no_python(minor: Option<u32>) -> String {
    if let Some(why) = crate::host::no_container_programs() {
        return why.into();
    }
    match minor {
        Some(m) => format!("this computer has no python3.{m} (the base image's Python)"),
        None => "its base image is not a Python image".into(),
    }
}

/// Docker's `units.HumanSize` (decimal units, 4 significant digits).
fn docker_size(n: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < units.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    let digits = if v >= 100.0 {
        1
    } else if v >= 10.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{}", units[u])
}

/// Exit code a RUN command fails with, if it is one of the recognisably failing ones.
/// How long one RUN step may take in the sim before it is stopped (the board has no limit).
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// The build's sandbox folder (`<sandbox>/build-<id>`), removed when the build ends.
struct BuildDir {
    root: PathBuf,
    made: std::cell::RefCell<Option<PathBuf>>,
}

impl BuildDir {
    fn path(&self, id: &str) -> PathBuf {
        let p = self.root.join(format!("build-{}", &id[..12.min(id.len())]));
        *self.made.borrow_mut() = Some(p.clone());
        p
    }
}

impl Drop for BuildDir {
    fn drop(&mut self) {
        if let Some(p) = self.made.borrow_mut().take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Why a RUN step's tool is not run by the sim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotRun {
    /// A package manager: it installs into the image's system (Alpine's, Debian's), which
    /// the sandbox (a folder on the simulator's computer) does not have.
    Packages,
    /// It fetches from the Internet: the board's network, which the sim does not model for
    /// build steps beyond pip and base images.
    Network,
}

impl NotRun {
    fn text(self) -> &'static str {
        match self {
            NotRun::Packages => {
                "installs into the image's system, which the simulator's sandbox does not have"
            }
            NotRun::Network => {
                "fetches from the Internet, which the simulator does not do for build steps"
            }
        }
    }
}

/// The first command of `line` that the sim does not run, and why. Commands are the first
/// word of each part between `&&`, `||`, `;` and `|` (after `VAR=value` words and `sudo`).
fn not_run(line: &str) -> Option<(String, NotRun)> {
    let line = if line.trim_start().starts_with('[') {
        exec_form(line).join(" ")
    } else {
        line.to_string()
    };
    for part in line.split(['&', '|', ';', '\n', '(', ')']) {
        let mut words = part
            .split_whitespace()
            .skip_while(|w| w.contains('=') || *w == "sudo" || *w == "\\");
        let Some(w) = words.next() else { continue };
        let prog = w.rsplit('/').next().unwrap_or(w);
        let why = match prog {
            "apk" | "apt-get" | "apt" | "dpkg" | "yum" | "dnf" | "microdnf" | "zypper" => {
                NotRun::Packages
            }
            "curl" | "wget" | "git" => NotRun::Network,
            _ => continue,
        };
        let rest: Vec<&str> = words.take(3).collect();
        let shown = std::iter::once(prog)
            .chain(rest)
            .collect::<Vec<_>>()
            .join(" ");
        return Some((shown, why));
    }
    None
}

/// `w` quoted for `/bin/sh`.
fn shell_quote(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

fn exec_form(s: &str) -> Vec<String> {
    let t = s.trim();
    if t.starts_with('[')
        && let Ok(v) = serde_json::from_str::<Vec<String>>(t)
    {
        return v;
    }
    vec!["/bin/sh".into(), "-c".into(), t.to_string()]
}

#[derive(Debug)]
struct Instr {
    cmd: String,
    args: String,
}

fn parse_dockerfile(text: &str) -> Result<Vec<Instr>, String> {
    const KNOWN: &[&str] = &[
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    ];
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim_end_matches('\r');
        let t = l.trim();
        if t.starts_with('#') || (t.is_empty() && cur.is_none()) {
            continue;
        }
        let (start, mut acc) = cur.take().unwrap_or((i + 1, String::new()));
        if let Some(body) = t.strip_suffix('\\') {
            acc.push_str(body);
            acc.push(' ');
            cur = Some((start, acc));
            continue;
        }
        acc.push_str(t);
        let acc = acc.trim().to_string();
        if acc.is_empty() {
            continue;
        }
        let (word, rest) = acc.split_once(char::is_whitespace).unwrap_or((&acc, ""));
        let up = word.to_uppercase();
        if !KNOWN.contains(&up.as_str()) {
            return Err(format!(
                "dockerfile parse error on line {start}: unknown instruction: {word}"
            ));
        }
        out.push(Instr {
            cmd: up,
            args: rest.trim().to_string(),
        });
    }
    if let Some((_start, acc)) = cur {
        let (word, rest) = acc
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((acc.trim(), ""));
        out.push(Instr {
            cmd: word.to_uppercase(),
            args: rest.trim().to_string(),
        });
    }
    if out.is_empty() {
        return Err("file with no instructions".into());
    }
    Ok(out)
}

fn collect_context(
    fs: &dyn FsView,
    dir: &str,
    rel: &str,
    depth: usize,
    files: &mut Vec<(String, Vec<u8>)>,
    all: &mut Vec<String>,
    size: &mut u64,
) {
    if depth > 8 || all.len() > 5000 {
        return;
    }
    let Ok(entries) = fs.list(dir) else { return };
    for (name, is_dir) in entries {
        if name == ".git" {
            continue;
        }
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let p = format!("{}/{}", dir.trim_end_matches('/'), name);
        all.push(r.clone());
        if is_dir {
            collect_context(fs, &p, &r, depth + 1, files, all, size);
        } else if let Ok(b) = fs.read(&p) {
            *size += b.len() as u64;
            if b.len() < 16_000_000 {
                files.push((r, b));
            }
        }
    }
}

/// Print rows through a `--format` template (`table ...` adds a header and aligns).
fn render_rows(
    cli: &mut Cli,
    tmpl: &str,
    rows: Vec<Json>,
    header_of: &dyn Fn(&str) -> String,
) -> i32 {
    let (table, body) = match tmpl.strip_prefix("table") {
        Some(rest) => (true, rest.trim_start().to_string()),
        None => (false, tmpl.to_string()),
    };
    let mut lines = Vec::new();
    if table {
        lines.push(template::table_header(&body, header_of));
    }
    for r in &rows {
        match template::render(&body, r) {
            Ok(s) => lines.push(s),
            Err(e) => {
                put(
                    cli.err,
                    &format!("template: :1: executing \"\" at <{body}>: {e}\n"),
                );
                return 1;
            }
        }
    }
    if table {
        put(cli.out, &template::tabulate(&lines));
    } else {
        for l in lines {
            put(cli.out, &format!("{l}\n"));
        }
    }
    0
}

/// Print the logs of containers (`prefix` before each line, for compose), optionally the
/// last `tail` lines only, and with `follow` keep streaming until every container stopped,
/// a write fails, or the services shut down.
pub(super) fn follow_logs(
    cs: &[(String, Arc<Container>)],
    tail: Option<usize>,
    follow: bool,
    timestamps: bool,
    cli: &mut Cli,
    shut: &AtomicBool,
) {
    let mut idx: Vec<usize> = Vec::new();
    for (prefix, c) in cs {
        let st = c.lock();
        let start = match tail {
            Some(n) => st.logs.len().saturating_sub(n),
            None => 0,
        };
        for l in &st.logs[start..] {
            if !write_log(cli, prefix, l, c.spec.tty, timestamps) {
                return;
            }
        }
        idx.push(st.logs.len());
    }
    if !follow {
        return;
    }
    loop {
        let mut any_alive = false;
        for (k, (prefix, c)) in cs.iter().enumerate() {
            let (new, alive) = {
                let st = c.lock();
                let from = idx[k].min(st.logs.len());
                let new: Vec<LogLine> = st.logs[from..].to_vec();
                idx[k] = st.logs.len();
                (
                    new,
                    matches!(st.status, Status::Running | Status::Restarting),
                )
            };
            for l in &new {
                if !write_log(cli, prefix, l, c.spec.tty, timestamps) {
                    return;
                }
            }
            any_alive |= alive;
        }
        if cli.out.flush().is_err() {
            return;
        }
        if !any_alive || shut.load(Ordering::SeqCst) {
            return;
        }
        if let Some((_, c)) = cs.first() {
            let st = c.lock();
            let _ = c.cv.wait_timeout(st, Duration::from_millis(100));
        }
    }
}

fn write_log(cli: &mut Cli, prefix: &str, l: &LogLine, tty: bool, ts: bool) -> bool {
    let eol = if tty { "\r\n" } else { "\n" };
    let stamp = if ts {
        format!("{} ", rfc3339(l.time))
    } else {
        String::new()
    };
    let s = format!("{prefix}{stamp}{}{eol}", l.text);
    let w: &mut dyn Write = if l.err && !tty && prefix.is_empty() {
        &mut *cli.err
    } else {
        &mut *cli.out
    };
    w.write_all(s.as_bytes()).is_ok()
}

const DOCKER_HELP: &str = "\nUsage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nCommon Commands:\n  run         Create and run a new container from an image\n  exec        Execute a command in a running container\n  ps          List containers\n  build       Build an image from a Dockerfile\n  pull        Download an image from a registry\n  images      List images\n  version     Show the Docker version information\n  info        Display system-wide information\n\nRun 'docker COMMAND --help' for more information on a command.\n";

const DOCKER_VERSION_CLIENT: &str = "Client:\n Version:           24.0.9\n API version:       1.43\n Go version:        go1.20.13\n Git commit:        2936816\n Built:             Thu Feb  1 00:00:00 2024\n OS/Arch:           linux/arm64\n Context:           default\n\n";

const DOCKER_VERSION_SERVER: &str = "Server:\n Engine:\n  Version:          24.0.9\n  API version:      1.43 (minimum version 1.12)\n  Go version:       go1.20.13\n  Git commit:       fca702d\n  Built:            Thu Feb  1 00:00:00 2024\n  OS/Arch:          linux/arm64\n  Experimental:     false\n containerd:\n  Version:          v1.7.11\n  GitCommit:        64b8a811b07ba6288238eefc14d898ee0b5b99ba\n runc:\n  Version:          1.1.12\n  GitCommit:        v1.1.12\n docker-init:\n  Version:          0.19.0\n  GitCommit:        de40ad0\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs() {
        assert!(check_ref("python-rpc-sensors:latest").is_ok());
        assert!(check_ref("hub.foundries.io/arduino/python-rpc-sensors:latest").is_ok());
        assert_eq!(
            check_ref("hub.foundries.io//python-rpc-sensors:latest"),
            Err("invalid reference format".into())
        );
        assert!(check_ref("Python").unwrap_err().contains("lowercase"));
        assert_eq!(
            normalize_ref("python-rpc-sensors"),
            "python-rpc-sensors:latest"
        );
        assert_eq!(registry_of("hub.foundries.io/x/y:1"), "hub.foundries.io");
        assert_eq!(
            registry_of("arduino/python-rpc-sensors"),
            "registry-1.docker.io"
        );
    }

    #[test]
    fn python_versions() {
        assert_eq!(python_minor("python:3.11-alpine"), Some(11));
        assert_eq!(python_minor("python:3-alpine3.15"), Some(11));
        assert_eq!(python_minor("python:3.9-alpine3.16"), Some(9));
        assert_eq!(python_minor("python:3-alpine"), Some(13));
        assert_eq!(python_minor("python:3.12-alpine3.23"), Some(12));
        assert_eq!(python_minor("alpine:3.19"), None);
    }

    #[test]
    fn dockerfile_parse() {
        assert!(
            parse_dockerfile("FROM a\nFOO b\n")
                .unwrap_err()
                .contains("line 2: unknown instruction: FOO")
        );
        let v =
            parse_dockerfile("# c\nFROM a\nRUN a \\\n  b\nCMD [\"python\",\"-u\",\"main.py\"]\n")
                .unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].args, "a  b");
        assert_eq!(exec_form(&v[2].args), vec!["python", "-u", "main.py"]);
        assert_eq!(not_run("echo hi > /app/x && python -c 1"), None);
        assert_eq!(
            not_run("DEBIAN_FRONTEND=noninteractive apt-get update && apt-get install -y gcc"),
            Some(("apt-get update".into(), NotRun::Packages))
        );
        assert_eq!(
            not_run("cd /tmp; /usr/bin/curl -fsSL https://x/y | sh"),
            Some(("curl -fsSL https://x/y".into(), NotRun::Network))
        );
        assert_eq!(
            not_run("[\"apk\", \"add\", \"gcc\"]"),
            Some(("apk add gcc".into(), NotRun::Packages))
        );
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
        assert_eq!(shell_quote("-c"), "-c");
    }

    #[test]
    fn healthchecks() {
        let h = parse_healthcheck(
            "--interval=1m30s --timeout=3s --retries=5 CMD [\"python\", \"check.py\"]",
        )
        .unwrap();
        assert_eq!(h.interval, Duration::from_secs(90));
        assert_eq!(h.retries, 5);
        assert_eq!(h.test, vec!["python".to_string(), "check.py".into()]);
        let h = parse_healthcheck("CMD python check.py").unwrap();
        assert_eq!(h.interval, Duration::from_secs(30));
        assert_eq!(
            h.test,
            vec!["/bin/sh".to_string(), "-c".into(), "python check.py".into()]
        );
        assert!(parse_healthcheck("NONE").is_none());
        assert_eq!(
            h.docker_test(),
            vec!["CMD-SHELL".to_string(), "python check.py".into()]
        );
        // The container's settings over the image's: given fields replace, others inherit.
        let img =
            parse_healthcheck("--interval=5s --retries=4 CMD [\"python\", \"c.py\"]").unwrap();
        assert_eq!(img.timeout, Duration::from_secs(30));
        assert_eq!(
            img.docker_test(),
            vec!["CMD".to_string(), "python".into(), "c.py".into()]
        );
        let o = HealthOverride {
            interval: Some(Duration::from_secs(1)),
            ..HealthOverride::default()
        };
        let m = o.over(Some(&img)).unwrap();
        assert_eq!(
            (m.interval, m.retries, &m.test),
            (Duration::from_secs(1), 4, &img.test)
        );
        assert!(o.over(None).is_none(), "no test anywhere: no healthcheck");
        let off = HealthOverride {
            disable: true,
            ..HealthOverride::default()
        };
        assert!(off.over(Some(&img)).is_none());
        assert_eq!(test_from_list(&["NONE".into()]), Ok(None));
        assert_eq!(
            test_from_list(&["CMD-SHELL".into(), "test -f x".into()]),
            Ok(Some(vec![
                "/bin/sh".into(),
                "-c".into(),
                "test -f x".into()
            ]))
        );
        assert!(test_from_list(&["curl".into()]).is_err());
        assert_eq!(go_duration_string(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration_string(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(go_duration("5"), None);
    }

    #[test]
    fn ports() {
        assert_eq!(port_pairs("8080:80"), vec![(8080, 80)]);
        assert_eq!(port_pairs("5002-5004:5002-5004").len(), 3);
        assert!(port_pairs("x:y").is_empty());
    }
}
