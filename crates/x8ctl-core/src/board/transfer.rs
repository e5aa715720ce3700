//! Push and pull of files and folders over the sync protocol, with modes and mtimes kept,
//! several sync streams at once, and sha256 verification on the board.
//!
//! The X8's adbd copies the owner's permission bits to group and other on every SEND
//! (0640 arrives as 0666), so after a push x8ctl sets each file's mode that came out
//! different; adbd does keep the mtime sent in DONE.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::cmd::Cmd;
use super::quote::quote;
use super::{Board, BoardError, Duplex, TransferFault};
use adb_wire::sync::{self as wire, StatReply};

/// Sync streams used at once.
pub const DEFAULT_STREAMS: usize = 4;
/// Longest shell command x8ctl sends: the X8's adbd takes a service name of at most one
/// 4096-byte packet.
pub const MAX_COMMAND: usize = 3000;

/// Progress of a transfer, for the CLI to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEvent {
    /// What will be sent (after `--sync` left out what is already there).
    Planned {
        files: usize,
        bytes: u64,
    },
    /// Files left out because the board already has them.
    Unchanged {
        files: usize,
        bytes: u64,
    },
    FileStarted {
        path: String,
        size: u64,
    },
    /// Bytes moved since the last event.
    Bytes(u64),
    FileDone {
        path: String,
    },
    Verifying {
        files: usize,
    },
}

pub type Progress<'a> = &'a (dyn Fn(TransferEvent) + Sync);

/// What a push or pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TransferReport {
    pub files_sent: usize,
    /// Symlinks to a folder that contains them (a loop), not followed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loops_skipped: Vec<String>,
    pub bytes_sent: u64,
    pub files_unchanged: usize,
    pub bytes_unchanged: u64,
    pub files_removed: usize,
    pub verified: bool,
    pub elapsed_ms: u64,
}

#[derive(Debug)]
pub(crate) enum SyncFail {
    /// The board answered FAIL with this text.
    Device(String),
    Io(io::Error),
}

impl From<io::Error> for SyncFail {
    fn from(e: io::Error) -> SyncFail {
        SyncFail::Io(e)
    }
}

/// One `sync:` stream.
pub struct SyncClient {
    s: Box<dyn Duplex>,
}

fn read_u32(r: &mut dyn Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_id(r: &mut dyn Read) -> io::Result<[u8; 4]> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(b)
}

fn read_text(r: &mut dyn Read, len: u32) -> io::Result<String> {
    let mut buf = vec![0u8; (len as usize).min(64 * 1024)];
    r.read_exact(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn bad_reply(id: [u8; 4]) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("unexpected sync reply {:?}", String::from_utf8_lossy(&id)),
    )
}

impl SyncClient {
    /// A client on an already open `sync:` stream.
    pub(crate) fn over(s: Box<dyn Duplex>) -> SyncClient {
        SyncClient { s }
    }

    pub fn open(board: &Board) -> Result<SyncClient, BoardError> {
        if board.is_unresponsive() {
            return Err(BoardError::Abandoned {
                what: "the file transfer".into(),
            });
        }
        let s = board.transport().open("sync:")?;
        // After an interrupt, a board that no longer answers is not waited for.
        let mut s = board.watched(s, "the file transfer");
        s.set_read_timeout_to(Some(Duration::from_secs(60)));
        Ok(SyncClient { s })
    }

    pub fn stat(&mut self, path: &str) -> io::Result<StatReply> {
        self.s.write_all(&wire::request(wire::ID_STAT, path))?;
        let id = read_id(&mut self.s)?;
        if id != wire::ID_STAT {
            return Err(bad_reply(id));
        }
        Ok(StatReply {
            mode: read_u32(&mut self.s)?,
            size: read_u32(&mut self.s)?,
            mtime: read_u32(&mut self.s)?,
        })
    }

    /// Directory entries without `.` and `..`.
    pub fn list(&mut self, path: &str) -> io::Result<Vec<(String, StatReply)>> {
        self.s.write_all(&wire::request(wire::ID_LIST, path))?;
        let mut out = Vec::new();
        loop {
            let id = read_id(&mut self.s)?;
            let mode = read_u32(&mut self.s)?;
            let size = read_u32(&mut self.s)?;
            let mtime = read_u32(&mut self.s)?;
            let namelen = read_u32(&mut self.s)?;
            match id {
                wire::ID_DONE => return Ok(out),
                wire::ID_DENT => {
                    let name = read_text(&mut self.s, namelen)?;
                    if name != "." && name != ".." {
                        out.push((name, StatReply { mode, size, mtime }));
                    }
                }
                other => return Err(bad_reply(other)),
            }
        }
    }

    pub(crate) fn send(
        &mut self,
        remote: &str,
        mode: u32,
        mtime: u32,
        src: &mut dyn Read,
        hasher: &mut Sha256,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), SyncFail> {
        let spec = format!("{remote},{}", wire::S_IFREG | (mode & 0o7777));
        self.s.write_all(&wire::request(wire::ID_SEND, &spec))?;
        let mut buf = vec![0u8; wire::SYNC_DATA_MAX];
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(SyncFail::Io(e)),
            };
            hasher.update(&buf[..n]);
            self.s.write_all(&wire::data(&buf[..n]))?;
            progress(n as u64);
        }
        self.s.write_all(&wire::frame(wire::ID_DONE, mtime, &[]))?;
        let id = read_id(&mut self.s)?;
        let len = read_u32(&mut self.s)?;
        match id {
            wire::ID_OKAY => Ok(()),
            wire::ID_FAIL => Err(SyncFail::Device(read_text(&mut self.s, len)?)),
            other => Err(SyncFail::Io(bad_reply(other))),
        }
    }

    pub(crate) fn recv(
        &mut self,
        remote: &str,
        dst: &mut dyn Write,
        hasher: &mut Sha256,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), SyncFail> {
        self.s.write_all(&wire::request(wire::ID_RECV, remote))?;
        let mut buf = Vec::new();
        loop {
            let id = read_id(&mut self.s)?;
            let len = read_u32(&mut self.s)?;
            match id {
                wire::ID_DATA => {
                    if len as usize > wire::SYNC_DATA_MAX {
                        return Err(SyncFail::Io(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "sync DATA chunk larger than 64 KiB",
                        )));
                    }
                    buf.resize(len as usize, 0);
                    self.s.read_exact(&mut buf)?;
                    hasher.update(&buf);
                    dst.write_all(&buf)?;
                    progress(u64::from(len));
                }
                wire::ID_DONE => return Ok(()),
                wire::ID_FAIL => return Err(SyncFail::Device(read_text(&mut self.s, len)?)),
                other => return Err(SyncFail::Io(bad_reply(other))),
            }
        }
    }

    pub fn quit(mut self) {
        let _ = self.s.write_all(&wire::frame(wire::ID_QUIT, 0, &[]));
        self.s.shutdown_both();
    }
}

/// One file to move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileItem {
    pub local: PathBuf,
    pub remote: String,
    pub size: u64,
    /// Permission bits (0o7777).
    pub mode: u32,
    pub mtime: u32,
}

/// A push: the files, and the folders to create (so empty ones exist too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushPlan {
    pub files: Vec<FileItem>,
    pub dirs: Vec<String>,
    /// The local mode of each folder in `dirs` (same order).
    pub dir_modes: Vec<u32>,
}

/// Join a board folder and a relative path made of local path components, with '/'
/// whatever the local OS writes.
pub fn remote_join(base: &str, parts: &[String]) -> String {
    let mut out = base.trim_end_matches('/').to_string();
    if out.is_empty() && base.starts_with('/') {
        out.push('/');
    }
    for p in parts {
        if !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(p);
    }
    out
}

/// The components of a relative local path, as strings (Windows `a\b` gives `a`, `b`).
pub fn rel_parts(rel: &Path) -> Vec<String> {
    // The machine's own path rules split the name: on Windows `\` and `/` are separators
    // (and `Path::components` knows it); on Linux and macOS `\` is an ordinary character of
    // a name (`..\.profile` is one file), so it is never split on here.
    rel.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// A local name must be text to reach the board as it is: the sync protocol and the board
/// commands carry names as UTF-8, and a lossy conversion would make two names one.
fn check_name(path: &Path) -> Result<(), BoardError> {
    match path.file_name() {
        Some(n) if n.to_str().is_none() => Err(BoardError::Local(format!(
            "{}: the name is not valid UTF-8, so it cannot reach the board byte for byte; rename it",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn unix_mode(meta: &fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    }
    #[cfg(not(unix))]
    {
        if meta.is_dir() {
            0o755
        } else if meta.permissions().readonly() {
            0o444
        } else {
            0o644
        }
    }
}

fn mtime_of(meta: &fs::Metadata) -> u32 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs().min(u64::from(u32::MAX)) as u32)
        .unwrap_or(0)
}

fn local_err(path: &Path, source: io::Error) -> BoardError {
    BoardError::LocalIo {
        path: path.to_path_buf(),
        source,
    }
}

/// Plan `x8ctl push LOCAL... REMOTE` with adb's rules: into REMOTE when it is a folder
/// (or ends with '/', or there are several sources), else as REMOTE.
pub fn plan_push(
    locals: &[PathBuf],
    remote: &str,
    remote_is_dir: bool,
) -> Result<PushPlan, BoardError> {
    let mut plan = PushPlan::default();
    let into_dir = remote_is_dir || remote.ends_with('/') || locals.len() > 1;
    for local in locals {
        check_name(local)?;
        let meta = fs::metadata(local).map_err(|e| local_err(local, e))?;
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = if into_dir && !name.is_empty() {
            remote_join(remote, &[name])
        } else {
            remote.to_string()
        };
        if meta.is_dir() {
            plan.dirs.push(target.clone());
            plan.dir_modes.push(unix_mode(&meta));
            walk(local, local, &target, &mut plan)?;
        } else {
            plan.files.push(FileItem {
                local: local.clone(),
                remote: target,
                size: meta.len(),
                mode: unix_mode(&meta),
                mtime: mtime_of(&meta),
            });
        }
    }
    Ok(plan)
}

fn walk(root: &Path, dir: &Path, remote_root: &str, plan: &mut PushPlan) -> Result<(), BoardError> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| local_err(dir, e))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        check_name(&path)?;
        let meta = fs::metadata(&path).map_err(|err| local_err(&path, err))?;
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let remote = remote_join(remote_root, &rel_parts(rel));
        if meta.is_dir() {
            plan.dirs.push(remote);
            plan.dir_modes.push(unix_mode(&meta));
            walk(root, &path, remote_root, plan)?;
        } else if meta.is_file() {
            plan.files.push(FileItem {
                local: path,
                remote,
                size: meta.len(),
                mode: unix_mode(&meta),
                mtime: mtime_of(&meta),
            });
        }
    }
    Ok(())
}

/// Run `base ARG...` in as few commands as fit in [`MAX_COMMAND`]; the outputs joined.
pub fn run_batched(
    board: &Board,
    base: &Cmd,
    args: &[String],
    what: &str,
) -> Result<String, BoardError> {
    run_each(board, arg_batches(base, args), what)
}

/// Run each command, requiring exit status 0 (the error names `what`); the outputs joined.
fn run_each(board: &Board, cmds: Vec<Cmd>, what: &str) -> Result<String, BoardError> {
    let mut out = String::new();
    for cmd in cmds {
        let o = board.run(&cmd, Some(super::DEFAULT_TIMEOUT))?;
        if !o.ok() {
            return Err(BoardError::transfer(
                false,
                format!(
                    "{what} failed on the board (exit {}): {}",
                    o.status,
                    o.text().trim()
                ),
            ));
        }
        out.push_str(&o.stdout_text());
    }
    Ok(out)
}

/// `base ARG...` for every argument (each quoted), in as few commands as fit in
/// [`MAX_COMMAND`]; none when there are no arguments.
fn arg_batches(base: &Cmd, args: &[String]) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut cur: Option<Cmd> = None;
    for a in args {
        cur = Some(match cur.take() {
            Some(c) if c.as_str().len() + quote(a).len() < MAX_COMMAND => c.arg(a),
            Some(c) => {
                out.push(c);
                base.clone().arg(a)
            }
            None => base.clone().arg(a),
        });
    }
    out.extend(cur);
    out
}

/// `cmds` chained with `&&`, in as few commands as fit in [`MAX_COMMAND`].
fn and_batches(cmds: impl IntoIterator<Item = Cmd>) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut cur: Option<Cmd> = None;
    for one in cmds {
        cur = Some(match cur.take() {
            Some(c) if c.as_str().len() + one.as_str().len() + 8 <= MAX_COMMAND => c.and(one),
            Some(c) => {
                out.push(c);
                one
            }
            None => one,
        });
    }
    out.extend(cur);
    out
}

/// The temporary name a file is sent under: beside its target (the same file system, so the
/// rename is atomic), hidden, and short whatever the target's name.
fn part_name(remote: &str, nonce: &str, i: usize) -> String {
    let dir = match remote.rfind('/') {
        Some(0) => "",
        Some(k) => &remote[..k],
        None => ".",
    };
    format!("{dir}/.x8ctl-part-{nonce}-{i}")
}

/// `mv` each `(from, to)` in as few board commands as fit, refusing to move onto a folder
/// (`mv` would move the file into it).
fn rename_batched(board: &Board, pairs: &[(String, String)]) -> Result<(), BoardError> {
    let moves = pairs.iter().map(|(from, to)| {
        let not_a_folder = Cmd::new("[").args(["!", "-d", to, "]"]).or(Cmd::new("echo")
            .arg(format!("{to}: is a folder on the board"))
            .to_stderr()
            .and(Cmd::fixed("false")));
        not_a_folder.and(Cmd::new("mv").args(["-f", "--", from, to]))
    });
    run_each(board, and_batches(moves), "putting the files in place").map(|_| ())
}

/// Parse `sha256sum` output (`<hex>  <name>` lines) into name -> hash.
/// coreutils escapes a name holding `\\` or a newline and marks the line with a leading
/// `\\`; such names are unescaped.
pub fn parse_sha256sum(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_end_matches('\r');
            let (escaped, l) = match l.strip_prefix('\\') {
                Some(rest) => (true, rest),
                None => (false, l),
            };
            let (hash, name) = l.split_once("  ").or_else(|| l.split_once(" *"))?;
            let name = if escaped {
                unescape_name(name)
            } else {
                name.to_string()
            };
            (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (name, hash.to_ascii_lowercase()))
        })
        .collect()
}

fn unescape_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The board's sha256 of each of `paths` (missing files are left out).
/// Compare the sums of pulled files (remote path, local path, our sha256) with the board's.
/// A differing sum is an error; the pull counts as verified only when the board gave a sum
/// for every file (a board whose `sha256sum` failed proves nothing).
fn check_pulled(
    ours: &[(&str, &Path, &str)],
    theirs: &BTreeMap<String, String>,
) -> Result<bool, BoardError> {
    let mut all = true;
    for (remote, local, sum) in ours {
        match theirs.get(*remote) {
            Some(h) if h == sum => {}
            Some(_) => {
                return Err(BoardError::transfer_fault(
                    TransferFault::Other,
                    format!(
                        "{} arrived corrupted (sha256 differs from the board's)",
                        local.display()
                    ),
                ));
            }
            None => all = false,
        }
    }
    Ok(all)
}

pub fn remote_hashes(
    board: &Board,
    paths: &[String],
) -> Result<BTreeMap<String, String>, BoardError> {
    // `|| true`: missing files make sha256sum exit 1; they are simply absent from the map.
    let mut map = BTreeMap::new();
    for batch in arg_batches(&Cmd::new("sha256sum"), paths) {
        let cmd = batch.no_stderr().then(Cmd::fixed("true"));
        let o = board.run(&cmd, Some(super::DEFAULT_TIMEOUT))?;
        map.extend(parse_sha256sum(&o.stdout_text()));
    }
    Ok(map)
}

/// The sha256 of a local file, in lowercase hex (as `sha256sum` prints it).
pub(crate) fn local_sha256(path: &Path) -> io::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What adbd makes of a mode: owner bits copied to group and other.
/// The mode a SEND gives a file on the X8: owner's bits copied to group, then group's to
/// other (REB 1.6; upstream android-5.1.1_r37 adb/file_sync_service.c do_send), fchmod'ed.
fn adbd_mode(mode: u32) -> u32 {
    let mut m = mode & 0o777;
    m |= (m >> 3) & 0o070;
    m |= (m >> 3) & 0o007;
    m
}

/// Options of a push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Send only files whose sha256 differs from the board's copy.
    pub sync: bool,
    /// Verify every sent file's sha256 on the board afterwards.
    pub verify: bool,
    pub streams: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            sync: false,
            verify: true,
            streams: DEFAULT_STREAMS,
        }
    }
}

/// Run `work` on each item with up to `streams` sync streams at once. The first error
/// stops every stream (after the item it is on) and is returned.
fn parallel<T: Send, R: Send>(
    board: &Board,
    items: Vec<T>,
    streams: usize,
    work: &(dyn Fn(&mut SyncClient, T) -> Result<R, BoardError> + Sync),
) -> Result<Vec<R>, BoardError> {
    let n = streams.clamp(1, 16).min(items.len().max(1));
    let queue = Mutex::new(items.into_iter().collect::<VecDeque<T>>());
    let results = Mutex::new(Vec::new());
    let first_error: Mutex<Option<BoardError>> = Mutex::new(None);
    let fail = |e: BoardError| {
        locked(&first_error).get_or_insert(e);
    };
    std::thread::scope(|scope| {
        for _ in 0..n {
            scope.spawn(|| {
                let mut client = match SyncClient::open(board) {
                    Ok(c) => c,
                    Err(e) => return fail(e),
                };
                while locked(&first_error).is_none() {
                    let next = locked(&queue).pop_front();
                    let Some(item) = next else { break };
                    match work(&mut client, item) {
                        Ok(r) => locked(&results).push(r),
                        Err(e) => {
                            fail(e);
                            break;
                        }
                    }
                }
                client.quit();
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(results.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// `m`'s guard, also when a stream panicked while holding it (the data is still whole:
/// every critical section here is one push or pop).
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn sync_error(op: &str, path: &str, e: SyncFail) -> BoardError {
    match e {
        SyncFail::Device(msg) => BoardError::transfer(
            op == "pulling",
            format!("{op} {path}: the board says: {msg}"),
        ),
        SyncFail::Io(io)
            if matches!(
                io.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            BoardError::Timeout {
                what: format!("{op} {path}"),
                after: Duration::from_secs(60),
            }
        }
        // A push sends under a temporary name (see push_plan): the file pushed over is
        // unchanged, and the partial one may be left under that name.
        SyncFail::Io(io) if op == "pushing to" => BoardError::Gone {
            detail: format!(
                "{op} {path}: {io} (the file on the board is unchanged; a partial copy under a temporary name .x8ctl-part-* may be left beside it: push again)"
            ),
        },
        SyncFail::Io(io) => BoardError::Gone {
            detail: format!("{op} {path}: {io}"),
        },
    }
}

/// Push files and folders to the board.
pub fn push(
    board: &Board,
    locals: &[PathBuf],
    remote: &str,
    opts: &PushOptions,
    progress: Progress,
) -> Result<TransferReport, BoardError> {
    let started = Instant::now();
    let remote_is_dir = {
        let mut c = SyncClient::open(board)?;
        let st = c
            .stat(remote)
            .map_err(|e| sync_error("checking", remote, SyncFail::Io(e)))?;
        c.quit();
        st.is_dir()
    };
    let plan = plan_push(locals, remote, remote_is_dir)?;
    push_plan(board, plan, opts, progress, started)
}

/// Push a planned set of files.
pub fn push_plan(
    board: &Board,
    plan: PushPlan,
    opts: &PushOptions,
    progress: Progress,
    started: Instant,
) -> Result<TransferReport, BoardError> {
    let mut report = TransferReport::default();
    let files = if opts.sync {
        skip_unchanged(board, plan.files, &mut report, progress)?
    } else {
        plan.files
    };
    progress(TransferEvent::Planned {
        files: files.len(),
        bytes: files.iter().map(|f| f.size).sum(),
    });
    if !plan.dirs.is_empty() {
        run_batched(
            board,
            &Cmd::new("mkdir").arg("-p"),
            &plan.dirs,
            "creating folders",
        )?;
    }
    let sent = send_under_part_names(board, files, opts.streams, progress)?;
    report.files_sent = sent.len();
    report.bytes_sent = sent.iter().map(|(f, _)| f.size).sum();
    // Put back the modes adbd changed.
    let mut by_mode: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (f, _) in &sent {
        if adbd_mode(f.mode) != f.mode & 0o777 || f.mode & 0o7000 != 0 {
            by_mode.entry(f.mode).or_default().push(f.remote.clone());
        }
    }
    chmod_by_mode(board, by_mode, "setting file modes")?;
    // The folders get their local modes: the X8's adbd runs the shell with umask 000, so
    // `mkdir -p` made them 0777, and SEND makes missing ones 0775 (REB 1.5, 1.6). Deepest
    // first, after the files, so a read-only folder does not refuse its own files.
    let mut dirs_by_mode: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (d, m) in plan.dirs.iter().zip(&plan.dir_modes).rev() {
        dirs_by_mode.entry(m & 0o7777).or_default().push(d.clone());
    }
    chmod_by_mode(board, dirs_by_mode, "setting folder modes")?;
    if opts.verify && !sent.is_empty() {
        progress(TransferEvent::Verifying { files: sent.len() });
        verify_pushed(board, &sent)?;
        report.verified = true;
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// `--sync`: the files whose sha256 on the board differs from the local one (or that are
/// not there); the others are counted in `report` as unchanged.
fn skip_unchanged(
    board: &Board,
    files: Vec<FileItem>,
    report: &mut TransferReport,
    progress: Progress,
) -> Result<Vec<FileItem>, BoardError> {
    if files.is_empty() {
        return Ok(files);
    }
    let remote_paths: Vec<String> = files.iter().map(|f| f.remote.clone()).collect();
    let theirs = remote_hashes(board, &remote_paths)?;
    let mut keep = Vec::new();
    for f in files {
        let ours = local_sha256(&f.local).map_err(|e| local_err(&f.local, e))?;
        if theirs.get(&f.remote) == Some(&ours) {
            report.files_unchanged += 1;
            report.bytes_unchanged += f.size;
        } else {
            keep.push(f);
        }
    }
    progress(TransferEvent::Unchanged {
        files: report.files_unchanged,
        bytes: report.bytes_unchanged,
    });
    Ok(keep)
}

/// Send `files` over `streams` sync connections, each under a temporary name beside its
/// target, and rename them over their targets once all arrived: adbd writes a SEND in
/// place under the name it is given, after unlinking the old file (REB 1.6), so a push cut
/// short must not be given the final name. On failure the partial files are removed (best
/// effort) and what was there before is untouched. Returns each file under its final
/// name, with the sha256 of what was sent.
fn send_under_part_names(
    board: &Board,
    files: Vec<FileItem>,
    streams: usize,
    progress: Progress,
) -> Result<Vec<(FileItem, String)>, BoardError> {
    let nonce = super::quote::new_nonce();
    let mut finals: BTreeMap<String, String> = BTreeMap::new();
    let files: Vec<FileItem> = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let part = part_name(&f.remote, &nonce, i);
            finals.insert(part.clone(), f.remote.clone());
            FileItem { remote: part, ..f }
        })
        .collect();
    let parts: Vec<String> = finals.keys().cloned().collect();
    let remove_parts = || {
        // Best effort: the board may be gone.
        let _ = run_batched(
            board,
            &Cmd::new("rm").args(["-f", "--"]),
            &parts,
            "removing partial files",
        );
    };
    let sent = parallel(board, files, streams, &|client, item: FileItem| {
        let shown = finals.get(&item.remote).cloned().unwrap_or_default();
        send_one(client, item, shown, progress)
    })
    .inspect_err(|_| remove_parts())?;
    let sent: Vec<(FileItem, String)> = sent
        .into_iter()
        .map(|(f, h)| {
            let remote = finals.get(&f.remote).cloned().unwrap_or(f.remote.clone());
            (FileItem { remote, ..f }, h)
        })
        .collect();
    let renames: Vec<(String, String)> = finals.into_iter().collect();
    rename_batched(board, &renames).inspect_err(|_| remove_parts())?;
    Ok(sent)
}

/// Send one file to `item.remote` (shown to the user as `shown`); the sha256 of what was
/// sent.
fn send_one(
    client: &mut SyncClient,
    item: FileItem,
    shown: String,
    progress: Progress,
) -> Result<(FileItem, String), BoardError> {
    let mut f = fs::File::open(&item.local).map_err(|e| local_err(&item.local, e))?;
    progress(TransferEvent::FileStarted {
        path: shown.clone(),
        size: item.size,
    });
    let mut h = Sha256::new();
    client
        .send(
            &item.remote,
            item.mode,
            item.mtime,
            &mut f,
            &mut h,
            &mut |n| progress(TransferEvent::Bytes(n)),
        )
        .map_err(|e| sync_error("pushing to", &shown, e))?;
    progress(TransferEvent::FileDone { path: shown });
    Ok((item, hex(&h.finalize())))
}

/// `chmod` each group of paths to its mode (`what` names the step in errors).
fn chmod_by_mode(
    board: &Board,
    by_mode: BTreeMap<u32, Vec<String>>,
    what: &str,
) -> Result<(), BoardError> {
    for (mode, paths) in by_mode {
        run_batched(
            board,
            &Cmd::new("chmod").arg(format!("{mode:o}")),
            &paths,
            what,
        )?;
    }
    Ok(())
}

/// `--verify`: every sent file is on the board with the sha256 that was sent.
fn verify_pushed(board: &Board, sent: &[(FileItem, String)]) -> Result<(), BoardError> {
    let paths: Vec<String> = sent.iter().map(|(f, _)| f.remote.clone()).collect();
    let theirs = remote_hashes(board, &paths)?;
    for (f, ours) in sent {
        match theirs.get(&f.remote) {
            Some(h) if h == ours => {}
            Some(_) => {
                return Err(BoardError::transfer_fault(
                    TransferFault::Other,
                    format!(
                        "{} arrived corrupted (sha256 differs on the board)",
                        f.remote
                    ),
                ));
            }
            None => {
                return Err(BoardError::transfer_fault(
                    TransferFault::Other,
                    format!("{} is missing on the board after the push", f.remote),
                ));
            }
        }
    }
    Ok(())
}

/// Pull files and folders from the board into `local` (a folder if it exists as one or
/// there are several sources).
pub fn pull(
    board: &Board,
    remotes: &[String],
    local: &Path,
    streams: usize,
    progress: Progress,
) -> Result<TransferReport, BoardError> {
    let started = Instant::now();
    let PullPlan {
        mut items,
        dirs,
        links,
        loops,
    } = plan_pull(board, remotes, local)?;
    link_targets(board, &mut items, &links)?;
    for (d, _, _) in &dirs {
        fs::create_dir_all(d).map_err(|e| local_err(d, e))?;
    }
    progress(TransferEvent::Planned {
        files: items.len(),
        bytes: items.iter().map(|f| f.size).sum(),
    });
    let got: Vec<(FileItem, String)> =
        parallel(board, items, streams, &|client, item: FileItem| {
            receive_one(client, item, progress)
        })?;
    let mut report = TransferReport {
        files_sent: got.len(),
        bytes_sent: got.iter().map(|(f, _)| f.size).sum(),
        loops_skipped: loops,
        ..TransferReport::default()
    };
    if !got.is_empty() {
        progress(TransferEvent::Verifying { files: got.len() });
        let paths: Vec<String> = got.iter().map(|(f, _)| f.remote.clone()).collect();
        let theirs = remote_hashes(board, &paths)?;
        let ours: Vec<(&str, &Path, &str)> = got
            .iter()
            .map(|(f, h)| (f.remote.as_str(), f.local.as_path(), h.as_str()))
            .collect();
        report.verified = check_pulled(&ours, &theirs)?;
    }
    for (d, mode, mtime) in dirs.iter().rev() {
        set_local_mode(d, *mode);
        if let Ok(f) = fs::File::open(d) {
            let _ = f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(*mtime)));
        }
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// What a pull fetches, found before any byte moves.
#[derive(Default)]
struct PullPlan {
    items: Vec<FileItem>,
    /// The local folders to make, with the board folder's mode and mtime.
    dirs: Vec<(PathBuf, u32, u32)>,
    /// The indices in `items` of symlinks to files: their lstat mode and size are the
    /// link's.
    links: Vec<usize>,
    /// The folders left out because a link leads back into a folder that holds them.
    loops: Vec<String>,
}

/// Stat every source and walk the folders among them: the files to fetch and where each
/// goes (`local` itself, or a name in it when it is a folder or there are several
/// sources).
fn plan_pull(board: &Board, remotes: &[String], local: &Path) -> Result<PullPlan, BoardError> {
    let into_dir = local.is_dir() || remotes.len() > 1;
    let mut plan = PullPlan::default();
    let mut c = SyncClient::open(board)?;
    for remote in remotes {
        let st = c
            .stat(remote)
            .map_err(|e| sync_error("checking", remote, SyncFail::Io(e)))?;
        if !st.exists() {
            return Err(BoardError::transfer_fault(
                TransferFault::NoSuchFile,
                format!("{remote}: No such file or directory on the board"),
            ));
        }
        let name = remote
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        let target = if into_dir && !name.is_empty() {
            local.join(&name)
        } else {
            local.to_path_buf()
        };
        if st.is_dir() {
            let mut walk = TreeWalk {
                board,
                items: &mut plan.items,
                dirs: &mut plan.dirs,
                links: &mut plan.links,
                loops: &mut plan.loops,
                ancestors: vec![canonical(board, remote)?],
            };
            walk.list(&mut c, remote, &target)?;
        } else {
            if st.mode & wire::S_IFMT == wire::S_IFLNK {
                plan.links.push(plan.items.len());
            }
            plan.items.push(FileItem {
                local: target,
                remote: remote.clone(),
                size: u64::from(st.size),
                mode: st.mode & 0o7777,
                mtime: st.mtime,
            });
        }
    }
    c.quit();
    Ok(plan)
}

/// Fetch one file to `item.local` (making its folder), with the board's mtime and mode;
/// the sha256 of what arrived.
fn receive_one(
    client: &mut SyncClient,
    item: FileItem,
    progress: Progress,
) -> Result<(FileItem, String), BoardError> {
    if let Some(parent) = item.local.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| local_err(parent, e))?;
    }
    let mut f = fs::File::create(&item.local).map_err(|e| local_err(&item.local, e))?;
    progress(TransferEvent::FileStarted {
        path: item.remote.clone(),
        size: item.size,
    });
    let mut h = Sha256::new();
    client
        .recv(&item.remote, &mut f, &mut h, &mut |n| {
            progress(TransferEvent::Bytes(n))
        })
        .map_err(|e| sync_error("pulling", &item.remote, e))?;
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(item.mtime));
    let _ = f.set_modified(mtime);
    drop(f);
    set_local_mode(&item.local, item.mode);
    progress(TransferEvent::FileDone {
        path: item.remote.clone(),
    });
    Ok((item, hex(&h.finalize())))
}

/// Give pulled symlinks their target's mode, size and mtime: the 5.1.1 adbd has no STA2,
/// so ask the shell (`stat -L`).
fn link_targets(board: &Board, items: &mut [FileItem], links: &[usize]) -> Result<(), BoardError> {
    if links.is_empty() {
        return Ok(());
    }
    let paths: Vec<String> = links.iter().map(|&i| items[i].remote.clone()).collect();
    let out = run_batched(
        board,
        &Cmd::new("stat").args(["-L", "-c", "%a %s %Y", "--"]),
        &paths,
        "reading link targets",
    )?;
    for (&i, line) in links.iter().zip(out.lines()) {
        let mut f = line.split_whitespace();
        let (Some(m), Some(sz), Some(t)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let (Ok(m), Ok(sz), Ok(t)) = (u32::from_str_radix(m, 8), sz.parse(), t.parse()) {
            items[i].mode = m;
            items[i].size = sz;
            items[i].mtime = t;
        }
    }
    Ok(())
}

/// The board's canonical path of `remote` (`readlink -f`), to tell a symlink loop.
fn canonical(board: &Board, remote: &str) -> Result<String, BoardError> {
    let o = board.run(
        &Cmd::new("readlink").args(["-f", "--", remote]),
        Some(super::DEFAULT_TIMEOUT),
    )?;
    let out = o.stdout_text();
    let path = out.trim_end_matches(['\n', '\r']);
    Ok(if o.ok() && !path.is_empty() {
        path.to_string()
    } else {
        remote.trim_end_matches('/').to_string()
    })
}

/// What the symlink `r` (lstat `st`) is pulled as: what it points at, as adb does. `r/`
/// stats as a folder only when the link points at one; else it is a file with the
/// link's permissions.
fn link_stat(c: &mut SyncClient, r: &str, st: StatReply) -> Result<StatReply, BoardError> {
    let target = c
        .stat(&format!("{r}/"))
        .map_err(|e| sync_error("checking", r, SyncFail::Io(e)))?;
    Ok(if target.is_dir() {
        target
    } else {
        StatReply {
            mode: wire::S_IFREG | (st.mode & 0o777),
            ..st
        }
    })
}

/// How deep a pull descends at most, whatever the links say.
const MAX_DEPTH: usize = 64;

/// Walking a board folder for a pull.
struct TreeWalk<'a> {
    board: &'a Board,
    items: &'a mut Vec<FileItem>,
    dirs: &'a mut Vec<(PathBuf, u32, u32)>,
    links: &'a mut Vec<usize>,
    loops: &'a mut Vec<String>,
    /// The canonical paths of the folders being walked, outermost first.
    ancestors: Vec<String>,
}

impl TreeWalk<'_> {
    fn list(&mut self, c: &mut SyncClient, remote: &str, local: &Path) -> Result<(), BoardError> {
        let st = c
            .stat(remote)
            .map_err(|e| sync_error("checking", remote, SyncFail::Io(e)))?;
        self.dirs
            .push((local.to_path_buf(), st.mode & 0o7777, st.mtime));
        let entries = c
            .list(remote)
            .map_err(|e| sync_error("listing", remote, SyncFail::Io(e)))?;
        // adbd's LIST of a folder it cannot open is simply empty (file_sync_service.c,
        // do_list: opendir fails, DONE is sent): ask whether an empty one is readable.
        if entries.is_empty() && !self.readable(remote)? {
            return Err(BoardError::transfer_fault(
                TransferFault::ReadDenied,
                format!("pulling {remote}: Permission denied (user fio may not read this folder)"),
            ));
        }
        for (name, st) in entries {
            if name.contains('/') || name == "." || name == ".." {
                continue;
            }
            let r = remote_join(remote, std::slice::from_ref(&name));
            // A backslash is a folder separator on Windows only: there the name cannot be
            // made as it is (and must never climb out of the target); elsewhere it is an
            // ordinary character and the file arrives under its own name.
            if cfg!(windows) && name.contains('\\') {
                return Err(BoardError::Local(format!(
                    "{r}: the name holds a backslash, which Windows takes as a folder separator, so it cannot be pulled here under its name"
                )));
            }
            let l = local.join(&name);
            let is_link = st.mode & wire::S_IFMT == wire::S_IFLNK;
            let st = if is_link { link_stat(c, &r, st)? } else { st };
            if st.is_dir() {
                self.descend(c, r, &l, &name, is_link)?;
            } else if st.is_file() {
                if is_link {
                    self.links.push(self.items.len());
                }
                self.items.push(FileItem {
                    local: l,
                    remote: r,
                    size: u64::from(st.size),
                    mode: st.mode & 0o7777,
                    mtime: st.mtime,
                });
            }
        }
        Ok(())
    }

    /// Walk the folder `r` (`name` in the current one) into `l`, unless that would walk
    /// for ever: a link to a folder that holds it (`ln -s . again`) is left out and said.
    fn descend(
        &mut self,
        c: &mut SyncClient,
        r: String,
        l: &Path,
        name: &str,
        is_link: bool,
    ) -> Result<(), BoardError> {
        let real = if is_link {
            canonical(self.board, &r)?
        } else {
            format!(
                "{}/{name}",
                self.ancestors.last().map_or("", |a| a.as_str())
            )
        };
        if self.ancestors.contains(&real) || self.ancestors.len() >= MAX_DEPTH {
            self.loops.push(r);
            return Ok(());
        }
        self.ancestors.push(real);
        let got = self.list(c, &r, l);
        self.ancestors.pop();
        got
    }

    fn readable(&self, remote: &str) -> Result<bool, BoardError> {
        let test = |flag: &str| Cmd::new("test").args([flag, remote]);
        Ok(self
            .board
            .run(&test("-r").and(test("-x")), Some(super::DEFAULT_TIMEOUT))?
            .ok())
    }
}

fn set_local_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7777));
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_is_verified_only_when_the_board_gave_every_sum() {
        let (a, b) = (Path::new("a"), Path::new("b"));
        let ours = [("/r/a", a, "11"), ("/r/b", b, "22")];
        let mut theirs = BTreeMap::new();
        theirs.insert("/r/a".to_string(), "11".to_string());
        // The board's sha256sum said nothing about /r/b: not verified, not an error.
        assert!(!check_pulled(&ours, &theirs).unwrap());
        // No sums at all (sha256sum missing or failing): not verified.
        assert!(!check_pulled(&ours, &BTreeMap::new()).unwrap());
        theirs.insert("/r/b".to_string(), "22".to_string());
        assert!(check_pulled(&ours, &theirs).unwrap());
        theirs.insert("/r/b".to_string(), "99".to_string());
        assert!(matches!(
            check_pulled(&ours, &theirs),
            Err(BoardError::Transfer { detail, fault: TransferFault::Other }) if detail.contains("corrupted")
        ));
    }

    #[test]
    fn joins_with_slashes() {
        assert_eq!(
            remote_join("/home/fio/", &["a".into(), "b.txt".into()]),
            "/home/fio/a/b.txt"
        );
        assert_eq!(remote_join("/", &["x".into()]), "/x");
        assert_eq!(remote_join("rel", &[]), "rel");
    }

    #[test]
    fn names_split_only_on_this_machines_separators() {
        // A backslash separates on Windows; elsewhere it is part of the name (a file
        // `..\.profile` must not land one folder up).
        if cfg!(windows) {
            assert_eq!(
                rel_parts(Path::new(r"app\python\main.py")),
                vec!["app", "python", "main.py"]
            );
        } else {
            assert_eq!(rel_parts(Path::new(r"..\.profile")), vec![r"..\.profile"]);
            assert_eq!(
                rel_parts(Path::new(r"d/..\..\tmp\x")),
                vec!["d", r"..\..\tmp\x"]
            );
        }
        assert_eq!(
            rel_parts(Path::new("app/python/main.py")),
            vec!["app", "python", "main.py"]
        );
        assert_eq!(rel_parts(Path::new("./a/../b")), vec!["a", "b"]);
    }

    #[test]
    fn sha256sum_output() {
        let h = "a".repeat(64);
        let text = format!(
            "{h}  /home/fio/a b.txt\r\n{h}  ./x\nsha256sum: y: No such file or directory\n"
        );
        let m = parse_sha256sum(&text);
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("/home/fio/a b.txt"), Some(&h));
        let escaped = parse_sha256sum(&format!("\\{h}  /tmp/back\\\\slash\\nline\n"));
        assert_eq!(escaped.get("/tmp/back\\slash\nline"), Some(&h));
    }

    #[test]
    fn adbd_mode_copies_owner_bits() {
        assert_eq!(adbd_mode(0o640), 0o666);
        assert_eq!(adbd_mode(0o755), 0o777);
        assert_eq!(adbd_mode(0o777), 0o777);
        assert_eq!(adbd_mode(0o600), 0o666);
        assert_eq!(adbd_mode(0o047), 0o047);
    }

    #[test]
    fn plan_follows_adb_rules() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        fs::create_dir_all(app.join("python")).unwrap();
        fs::create_dir_all(app.join("empty")).unwrap();
        fs::write(app.join("python/main.py"), b"print(1)").unwrap();
        fs::write(app.join("Dockerfile"), b"FROM x").unwrap();
        let p = plan_push(std::slice::from_ref(&app), "/home/fio", true).unwrap();
        let remotes: Vec<&str> = p.files.iter().map(|f| f.remote.as_str()).collect();
        assert_eq!(
            remotes,
            vec!["/home/fio/app/Dockerfile", "/home/fio/app/python/main.py"]
        );
        assert!(p.dirs.contains(&"/home/fio/app/empty".to_string()));
        let p = plan_push(std::slice::from_ref(&app), "/home/fio/new", false).unwrap();
        assert_eq!(p.files[0].remote, "/home/fio/new/Dockerfile");
        let p = plan_push(&[app.join("Dockerfile")], "/tmp/", false).unwrap();
        assert_eq!(p.files[0].remote, "/tmp/Dockerfile");
        assert!(plan_push(&[dir.path().join("missing")], "/tmp", true).is_err());
    }
}
