//! How the virtual X8 runs a container's program for real, on the computer that runs the
//! simulator.
//!
//! A Python app (its command starts with `python`, `python3`, `python3.N`) runs under the
//! host's `python3.N` (N from the base image's tag, `python:3.11-alpine` -> 3.11), in a
//! virtual environment holding the requirements the Dockerfile's `RUN pip install ...` lines
//! name. The environments are cached, keyed by the interpreter and the requirements, under
//! `$X8SIM_CACHE_DIR`, else `$XDG_CACHE_HOME/x8sim`, else `~/.cache/x8sim`: pip reaches PyPI
//! the first time only (the board's pip would download them at every uncached build).
//!
//! The container's files (what COPY/ADD put in the image) are written to a sandbox folder
//! per container; the container's absolute paths are that folder's paths (`/app/main.py` is
//! `<sandbox>/app/main.py`), the process runs in `<sandbox><WORKDIR>` with the container's
//! environment.
//!
//! Shell lines (a `RUN` step, a `CMD-SHELL` healthcheck) run under the host's `/bin/sh` in
//! the sandbox with the container's absolute paths rewritten to the sandbox's
//! ([`sandbox_paths`]). A Python program's own absolute paths are not rewritten (it opens
//! what the host has there): apps that keep their files relative to their WORKDIR, as the
//! tutorial's do, behave as on the board.
//!
//! The sim's network model: the process runs on the host's network, so names the board
//! resolves differently are mapped by a `sitecustomize.py` the sim puts on `PYTHONPATH`: it
//! wraps `socket.getaddrinfo` so that a name that leads to the board from inside the
//! container (`m4-proxy` with `extra_hosts: m4-proxy:host-gateway`, `172.17.0.1`, and
//! `localhost` under `--network host`) resolves, for the board's listening ports (m4-proxy's
//! 5000 and 5001), to the loopback address where the simulator serves that port; such a name
//! on another port is refused (nothing listens there on the virtual board). `m4-proxy`
//! without the extra host does not resolve (`Name or service not known`), as in a bridged
//! container. Other names resolve as the host resolves them.
//!
//! Every process runs in its own process group; stopping the container sends SIGTERM to
//! the group, then SIGKILL after the stop timeout (10 s, Docker's default), and the sim's
//! shutdown stops every container (on Windows the process alone is ended: see
//! [`crate::host`]). Should the simulator itself be killed, the program ends
//! within half a second (the sitecustomize watches its parent process).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The host interpreter for Python 3.`minor`, if the host has it.
pub fn host_python(minor: u32) -> Option<PathBuf> {
    if crate::host::no_container_programs().is_some() {
        return None;
    }
    let name = format!("python3.{minor}");
    let works = |p: &Path| {
        Command::new(p)
            .args(["-c", "import sys, venv; print(sys.version_info[1])"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == minor.to_string())
    };
    let mut cands: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            cands.push(d.join(&name));
            cands.push(d.join("python3"));
        }
    }
    // pyenv keeps versions that its shims do not select.
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(root) = pyenv
        && let Ok(rd) = std::fs::read_dir(root.join("versions"))
    {
        let mut vs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        vs.sort();
        for v in vs.into_iter().rev() {
            cands.push(v.join("bin").join(&name));
        }
    }
    cands.into_iter().find(|p| p.is_file() && works(p))
}

/// Where the virtual environments are kept.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("X8SIM_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("x8sim");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".cache/x8sim"),
        None => std::env::temp_dir().join("x8sim-cache"),
    }
}

/// The requirements of a `RUN` command's `pip install` invocations. `read` gives the text
/// of a `-r FILE` (a path in the image as built so far). None: the command runs no pip.
pub fn pip_requirements(run: &str, read: &dyn Fn(&str) -> Option<String>) -> Option<Vec<String>> {
    let mut reqs = Vec::new();
    let mut any = false;
    for part in run.split("&&").flat_map(|p| p.split(';')) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let is_pip = |w: &str| {
            let n = w.rsplit('/').next().unwrap_or(w);
            n == "pip" || n.starts_with("pip3")
        };
        let Some(i) = words
            .windows(2)
            .position(|w| is_pip(w[0]) && w[1] == "install")
        else {
            continue;
        };
        any = true;
        let mut k = i + 2;
        while k < words.len() {
            let w = words[k].trim_matches(['"', '\'']);
            if w == "-r" || w == "--requirement" {
                if let Some(f) = words.get(k + 1) {
                    let f = f.trim_matches(['"', '\'']);
                    match read(f) {
                        Some(t) => reqs.extend(
                            t.lines()
                                .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                                .filter(|l| !l.is_empty()),
                        ),
                        None => reqs.push(format!("-r {f}")),
                    }
                }
                k += 2;
                continue;
            }
            if let Some(f) = w.strip_prefix("--requirement=") {
                if let Some(t) = read(f) {
                    reqs.extend(
                        t.lines()
                            .map(|l| l.trim().to_string())
                            .filter(|l| !l.is_empty()),
                    );
                }
            } else if !w.starts_with('-') {
                reqs.push(w.to_string());
            }
            k += 1;
        }
    }
    any.then_some(reqs)
}

static VENV_LOCK: OnceLock<std::sync::Mutex<()>> = OnceLock::new();

/// The cached virtual environment for `python` with `reqs` installed, made if needed; pip's
/// output goes to `out` line by line. Err: pip's failure (its output was already given).
pub fn venv(python: &Path, reqs: &[String], out: &mut dyn FnMut(&str)) -> Result<PathBuf, String> {
    let mut h = Sha256::new();
    h.update(python.to_string_lossy().as_bytes());
    let mut sorted = reqs.to_vec();
    sorted.sort();
    for r in &sorted {
        h.update(r.as_bytes());
        h.update(b"\n");
    }
    let key: String = h
        .finalize()
        .iter()
        .take(10)
        .map(|b| format!("{b:02x}"))
        .collect();
    let root = cache_dir().join("venvs");
    let dir = root.join(&key);
    if dir.join(".x8sim-ready").is_file() {
        return Ok(dir);
    }
    let _g = VENV_LOCK
        .get_or_init(|| std::sync::Mutex::new(()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if dir.join(".x8sim-ready").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let tmp = root.join(format!("{key}.tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let st = Command::new(python)
        .args(["-m", "venv"])
        .arg(&tmp)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("python -m venv: {e}"))?;
    if !st.status.success() {
        let t = String::from_utf8_lossy(&st.stderr).into_owned();
        for l in t.lines() {
            out(l);
        }
        return Err(t);
    }
    if !reqs.is_empty() {
        let mut child = Command::new(tmp.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
            ])
            .args(reqs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("pip: {e}"))?;
        let err = child.stderr.take();
        let errt = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut e) = err {
                let _ = e.read_to_string(&mut s);
            }
            s
        });
        if let Some(o) = child.stdout.take() {
            for l in BufReader::new(o).lines().map_while(Result::ok) {
                out(&l);
            }
        }
        let errs = errt.join().unwrap_or_default();
        for l in errs.lines() {
            out(l);
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(format!("pip exited with {}", status.code().unwrap_or(1)));
        }
    }
    std::fs::write(tmp.join(".x8sim-ready"), reqs.join("\n")).map_err(|e| e.to_string())?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if dir.join(".x8sim-ready").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

/// The `sitecustomize.py` of the sim's network model. It reads `hosts` beside it at each
/// lookup (the sim rewrites it when m4-proxy's ports move): a line `name` for each name that
/// leads to the board, `name port loopback-port` for each port the board serves.
const SITECUSTOMIZE: &str = r#"# Written by the virtual X8: its network model (virtual-x8 src/services/runtime.rs).
import os as _os
import socket as _s

_F = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), 'hosts')
_orig = _s.getaddrinfo


def _load():
    m, board = {}, set()
    try:
        with open(_F) as f:
            for line in f:
                p = line.split()
                if len(p) == 1:
                    board.add(p[0])
                elif len(p) == 3:
                    m[(p[0], int(p[1]))] = int(p[2])
    except OSError:
        pass
    return m, board


def _where(host, port):
    """(host, port) to use on this computer for a name the container resolves."""
    h = host.decode() if isinstance(host, bytes) else host
    try:
        p = int(port) if port is not None else 0
    except (TypeError, ValueError):
        return host, port
    m, board = _load()
    if (h, p) in m:
        return '127.0.0.1', m[(h, p)]
    if h in board:
        # nothing listens on that port of the board: refused
        return '127.0.0.1', 9
    if h == 'm4-proxy':
        raise _s.gaierror(_s.EAI_NONAME, 'Name or service not known')
    return host, port


def _gai(host, port, *a, **k):
    return _orig(*_where(host, port), *a, **k)


def _addr(address):
    if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[0], (str, bytes)):
        return _where(address[0], address[1]) + tuple(address[2:])
    return address


_oc = _s.socket.connect
_ocx = _s.socket.connect_ex


def _connect(self, address):
    return _oc(self, _addr(address))


def _connect_ex(self, address):
    return _ocx(self, _addr(address))


_s.socket.connect = _connect
_s.socket.connect_ex = _connect_ex
_s.getaddrinfo = _gai


def _watch(parent=_os.getppid()):
    # The simulator that started this container process is gone (killed): end with it.
    import time
    while True:
        time.sleep(0.5)
        if _os.getppid() != parent:
            _os._exit(137)


if _os.environ.get('X8SIM_WATCH_PARENT') == '1':
    import threading as _t
    _t.Thread(target=_watch, daemon=True).start()
"#;

/// One running container process.
pub struct Proc {
    pub child: Child,
    /// The signal the process was ended by where the host cannot deliver signals (Windows,
    /// see [`crate::host::signal_group`]).
    pub ended_by: Option<i32>,
}

/// What to run.
#[derive(Clone, Copy)]
pub struct Launch<'a> {
    pub venv: &'a Path,
    pub sandbox: &'a Path,
    pub files: &'a [(String, Vec<u8>)],
    pub command: &'a [String],
    pub workdir: &'a str,
    pub env: &'a [(String, String)],
    pub unbuffered: bool,
}

/// A container process to start: `program` in `wd`, stdin closed, stdout and stderr piped,
/// in a process group of its own, with the container's environment but PATH (the caller's to
/// set), PYTHONPATH with the sandbox's site folder first (the socket shim), HOME the sandbox.
fn container_command(program: &Path, wd: &Path, l: &Launch) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(wd)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::host::own_group(&mut cmd);
    let mut pythonpath = l.sandbox.join(".x8sim").to_string_lossy().into_owned();
    for (k, v) in l.env {
        match k.as_str() {
            "PATH" => {}
            "PYTHONPATH" => pythonpath = format!("{pythonpath}:{v}"),
            _ => {
                cmd.env(k, v);
            }
        }
    }
    cmd.env("PYTHONPATH", pythonpath);
    cmd.env("HOME", l.sandbox);
    cmd
}

/// Write the sandbox and start the process (stdout and stderr piped).
pub fn launch(l: &Launch) -> Result<Proc, String> {
    let sb = l.sandbox;
    write_files(l)?;
    let wd = sb.join(l.workdir.trim_start_matches('/'));
    std::fs::create_dir_all(&wd).map_err(|e| e.to_string())?;
    let mut args: Vec<String> = l.command[1..].to_vec();
    // Absolute container paths name sandbox files.
    for a in args.iter_mut() {
        if a.starts_with('/') && sb.join(a.trim_start_matches('/')).exists() {
            *a = sb
                .join(a.trim_start_matches('/'))
                .to_string_lossy()
                .into_owned();
        }
    }
    let mut cmd = container_command(&l.venv.join("bin/python"), &wd, l);
    cmd.args(&args);
    cmd.env(
        "PATH",
        format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            l.venv.join("bin").display()
        ),
    );
    cmd.env("X8SIM_WATCH_PARENT", "1");
    if l.unbuffered {
        cmd.env("PYTHONUNBUFFERED", "1");
    }
    let child = cmd.spawn().map_err(|e| e.to_string())?;
    Ok(Proc {
        child,
        ended_by: None,
    })
}

/// Host folders a shell line in a sandbox uses as they are: the programs and libraries it
/// runs (the host's, standing in for the image's) and the kernel's files. Every other
/// absolute path names the sandbox's file.
const HOST_PATHS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/libexec",
    "/usr/share",
    "/lib",
    "/lib64",
    "/dev",
    "/proc",
    "/sys",
];

/// `line` with the container's absolute paths made the sandbox's: `/srv/ready` becomes
/// `<sandbox>/srv/ready`, `/` alone the sandbox. A path starts after a blank, a quote, `=`,
/// `:`, `(`, `<`, `>`, `;`, `|`, `&` or at the start of the line, and ends before a blank,
/// a quote, `:` or one of those operators; `//` (a URL) is left
/// alone, and so are the host folders of [`HOST_PATHS`]. This is a textual mapping, not an
/// isolation: a program that builds a path itself reaches the host's.
pub fn sandbox_paths(line: &str, sandbox: &Path) -> String {
    let sb = sandbox.to_string_lossy();
    let sb = sb.trim_end_matches('/');
    let b = line.as_bytes();
    let mut out = String::with_capacity(line.len() + 64);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let starts = c == b'/'
            && (i == 0 || b" \t\n'\"=:(<>;|&".contains(&b[i - 1]))
            && b.get(i + 1) != Some(&b'/');
        if starts {
            let end = line[i..]
                .find(|ch: char| ch.is_whitespace() || "'\";|&)<>:".contains(ch))
                .map_or(line.len(), |e| i + e);
            let path = &line[i..end];
            let host = HOST_PATHS
                .iter()
                .any(|h| path == *h || path.starts_with(&format!("{h}/")));
            if host {
                out.push_str(path);
            } else {
                out.push_str(sb);
                out.push_str(path);
            }
            i = end;
            continue;
        }
        let ch = line[i..].chars().next().unwrap_or('\0');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// Start a shell line (`/bin/sh -c`) in the sandbox: the host's `/bin/sh` (busybox's ash on
/// the board's Alpine images; both POSIX shells), in `<sandbox><WORKDIR>`, with the
/// container's environment, `python` being the container's (its virtual environment first
/// on PATH, when it has one), and the container's paths mapped by [`sandbox_paths`].
pub fn launch_shell(l: &Launch, line: &str) -> Result<Proc, String> {
    if let Some(why) = crate::host::no_container_programs() {
        return Err(why.into());
    }
    let sb = l.sandbox;
    write_files(l)?;
    let wd = sb.join(l.workdir.trim_start_matches('/'));
    std::fs::create_dir_all(&wd).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(sb.join("tmp")).map_err(|e| e.to_string())?;
    let mut cmd = container_command(Path::new("/bin/sh"), &wd, l);
    cmd.arg("-c").arg(sandbox_paths(line, sb));
    let venv_bin = if l.venv.as_os_str().is_empty() {
        String::new()
    } else {
        format!("{}:", l.venv.join("bin").display())
    };
    cmd.env("PATH", format!("{venv_bin}/usr/local/bin:/usr/bin:/bin"));
    cmd.env("TMPDIR", sb.join("tmp"));
    let child = cmd.spawn().map_err(|e| format!("/bin/sh: {e}"))?;
    Ok(Proc {
        child,
        ended_by: None,
    })
}

/// Run a build step's shell line in the build sandbox (see [`launch_shell`]), giving each
/// line it prints to `out` as it comes (stdout and stderr together, as the legacy builder
/// shows them). Its exit code; Err when it could not start or ran past `limit` (then it is
/// killed).
pub fn run_shell(
    l: &Launch,
    line: &str,
    limit: Duration,
    out: &mut dyn FnMut(&str),
) -> Result<i32, String> {
    let mut p = launch_shell(l, line)?;
    match p.wait_bounded(limit, lines, &mut |l: String| out(&l)) {
        Some(code) => Ok(code),
        None => Err(format!(
            "it ran longer than {}s and was stopped",
            limit.as_secs()
        )),
    }
}

/// Make the sandbox hold exactly `files` (the image as built so far): the build runs each
/// step on the files the steps before it left.
pub fn reset_sandbox(sandbox: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(sandbox);
    std::fs::create_dir_all(sandbox).map_err(|e| format!("{}: {e}", sandbox.display()))?;
    for (p, data) in files {
        let dest = sandbox.join(p.trim_start_matches('/'));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&dest, data).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The regular files in the sandbox, as image files (`/path`, contents), without the sim's
/// own (`.x8sim`). Directories with no file, symbolic links and file modes are not kept.
pub fn sandbox_files(sandbox: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            if rel.is_empty() && name == ".x8sim" {
                continue;
            }
            let path = format!("{rel}/{name}");
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                walk(&e.path(), &path, out);
            } else if ft.is_file()
                && let Ok(data) = std::fs::read(e.path())
            {
                out.push((path, data));
            }
        }
    }
    let mut v = Vec::new();
    walk(sandbox, "", &mut v);
    v
}

/// Write the image's files into the sandbox (those not there yet) and the sim's
/// sitecustomize.
fn write_files(l: &Launch) -> Result<(), String> {
    let sb = l.sandbox;
    std::fs::create_dir_all(sb).map_err(|e| e.to_string())?;
    for (p, data) in l.files {
        let dest = sb.join(p.trim_start_matches('/'));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        if !dest.exists() {
            std::fs::write(&dest, data).map_err(|e| e.to_string())?;
        }
    }
    let site = sb.join(".x8sim");
    std::fs::create_dir_all(&site).map_err(|e| e.to_string())?;
    std::fs::write(site.join("sitecustomize.py"), SITECUSTOMIZE).map_err(|e| e.to_string())?;
    Ok(())
}

/// How a reader thread hands over one of a process's pipes: [`chunks`] or [`lines`].
pub type PipeReader<T> = fn(Box<dyn Read + Send>, &mpsc::Sender<T>);

/// Each read of the pipe, byte for byte (a healthcheck's output, kept as the check wrote it).
pub fn chunks(mut pipe: Box<dyn Read + Send>, tx: &mpsc::Sender<Vec<u8>>) {
    let mut buf = [0u8; 4096];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

/// Each line of the pipe, without its line break (a build step's output).
pub fn lines(pipe: Box<dyn Read + Send>, tx: &mpsc::Sender<String>) {
    for l in BufReader::new(pipe).lines().map_while(Result::ok) {
        if tx.send(l).is_err() {
            break;
        }
    }
}

impl Proc {
    /// Wait at most `limit` for the process to end, handing what it prints to `out` as it
    /// comes: one thread per pipe (stdout, stderr) reads it with `read`, so the items of the
    /// two pipes arrive interleaved as they were written. Then the process group is stopped,
    /// the readers are joined and the last items handed over. Its exit code; None when it ran
    /// past `limit` (it is killed).
    pub fn wait_bounded<T: Send + 'static>(
        &mut self,
        limit: Duration,
        read: PipeReader<T>,
        out: &mut dyn FnMut(T),
    ) -> Option<i32> {
        let (tx, rx) = mpsc::channel::<T>();
        let pipes = [
            self.child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
            self.child
                .stderr
                .take()
                .map(|o| Box::new(o) as Box<dyn Read + Send>),
        ];
        let readers: Vec<_> = pipes
            .into_iter()
            .flatten()
            .map(|pipe| {
                let tx = tx.clone();
                std::thread::spawn(move || read(pipe, &tx))
            })
            .collect();
        drop(tx);
        let deadline = Instant::now() + limit;
        let code = loop {
            while let Ok(x) = rx.try_recv() {
                out(x);
            }
            if let Some(c) = self.poll() {
                break Some(c);
            }
            if Instant::now() >= deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.stop(Duration::ZERO);
        for r in readers {
            let _ = r.join();
        }
        while let Ok(x) = rx.try_recv() {
            out(x);
        }
        code
    }

    /// Its exit code as Docker reports it (128 + signal when killed); None while it runs.
    pub fn poll(&mut self) -> Option<i32> {
        match self.child.try_wait() {
            Ok(Some(s)) => Some(match self.ended_by {
                Some(sig) => 128 + sig,
                None => s
                    .code()
                    .unwrap_or_else(|| 128 + crate::host::exit_signal(&s).unwrap_or(9)),
            }),
            Ok(None) => None,
            Err(_) => Some(137),
        }
    }
    fn signal(&mut self, kill: bool) {
        if let Some(sig) = crate::host::signal_group(&mut self.child, kill) {
            self.ended_by.get_or_insert(sig);
        }
    }
    /// SIGTERM to the group, SIGKILL after `grace`; the exit code.
    pub fn stop(&mut self, grace: Duration) -> i32 {
        if let Some(c) = self.poll() {
            self.signal(true);
            return c;
        }
        self.signal(false);
        let dl = Instant::now() + grace;
        while Instant::now() < dl {
            if let Some(c) = self.poll() {
                self.signal(true);
                return c;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal(true);
        let _ = self.child.kill();
        let _ = self.child.wait();
        137
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(line: &str) -> Proc {
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", line])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        crate::host::own_group(&mut cmd);
        let child = cmd.spawn().unwrap();
        Proc {
            child,
            ended_by: None,
        }
    }

    #[test]
    #[cfg_attr(windows, ignore = "runs a POSIX shell (sh), which Windows lacks")]
    fn wait_bounded_hands_over_bytes_or_lines_and_stops_at_the_limit() {
        let limit = Duration::from_secs(10);
        let mut bytes = Vec::new();
        let code = sh("printf 'a\\nb\\377'; printf 'c' >&2; exit 3").wait_bounded(
            limit,
            chunks,
            &mut |b: Vec<u8>| bytes.extend(b),
        );
        assert_eq!(code, Some(3));
        bytes.sort_unstable();
        assert_eq!(bytes, b"\nabc\xff");
        let mut got = Vec::new();
        let code =
            sh("printf 'x\\ny\\n'; echo z >&2").wait_bounded(limit, lines, &mut |l| got.push(l));
        assert_eq!(code, Some(0));
        got.sort();
        assert_eq!(got, ["x", "y", "z"]);
        let t = Instant::now();
        let mut p = sh("echo started; exec sleep 30");
        let mut seen = Vec::new();
        let code = p.wait_bounded(Duration::from_millis(300), lines, &mut |l| seen.push(l));
        assert_eq!(code, None);
        assert_eq!(seen, ["started"]);
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }

    #[test]
    fn pip_lines() {
        let read = |f: &str| {
            (f == "requirements.txt").then(|| "msgpack-rpc-python # rpc\n\nfoo==1\n".to_string())
        };
        assert_eq!(
            pip_requirements("pip install -r requirements.txt", &read),
            Some(vec!["msgpack-rpc-python".into(), "foo==1".into()])
        );
        assert_eq!(
            pip_requirements(
                "apk add gcc && pip3 install --no-cache-dir bar 'baz<2'",
                &read
            ),
            Some(vec!["bar".into(), "baz<2".into()])
        );
        assert_eq!(pip_requirements("apk add gcc", &read), None);
    }

    #[test]
    fn container_paths_are_the_sandbox_s() {
        let sb = Path::new("/tmp/sb");
        assert_eq!(
            sandbox_paths("test -f /srv/ready && cat '/data/x' >/tmp/y", sb),
            "test -f /tmp/sb/srv/ready && cat '/tmp/sb/data/x' >/tmp/sb/tmp/y"
        );
        assert_eq!(
            sandbox_paths("/bin/echo hi 2>/dev/null; cd /; ls /usr/bin/env", sb),
            "/bin/echo hi 2>/dev/null; cd /tmp/sb/; ls /usr/bin/env"
        );
        assert_eq!(
            sandbox_paths("wget -q http://localhost/x PYTHONPATH=/app:/lib", sb),
            "wget -q http://localhost/x PYTHONPATH=/tmp/sb/app:/lib"
        );
        assert_eq!(
            sandbox_paths("X=/app:/data", sb),
            "X=/tmp/sb/app:/tmp/sb/data"
        );
        assert_eq!(sandbox_paths("a/b c", sb), "a/b c");
    }
}
