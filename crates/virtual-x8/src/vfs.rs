//! The board's file system inside a sandbox root, with the X8's permission model.
//!
//! CONTRACT (used by the sync service of `sim::adbd`).
//!
//! Board paths are absolute (`/home/fio/x`); relative paths are taken relative to `/`.
//! Symbolic links are resolved by the Vfs itself, inside the sandbox: an absolute link
//! target means a board path, so nothing ever leaves the root.
//!
//! Permission model (rule-based, since every host file belongs to the host user):
//! - fio may create, change and delete only under `/home/fio` and `/tmp`, and not the
//!   files root owns there (`/tmp` is sticky);
//! - root may write anywhere except `/usr` while it is mounted read-only
//!   (`Read-only file system`), and `/proc` and `/sys`, which only the board's own code
//!   writes (`Vfs::write_system_file`);
//! - reading and executing follow the permission bits (owner bits for the owner, the
//!   "other" bits for everybody else; root reads everything and executes anything with an
//!   x bit);
//! - owners: fio (1000) under `/home/fio` and `/tmp`, root (0) elsewhere, unless a file was
//!   created by root there or `chown`ed.
//!
//! Free space: the data partition has a fixed size; used = a base (the OS) plus the bytes
//! under `/home`, `/tmp` and `/var`. With the `disk-full` fault every data write fails with
//! `No space left on device`.

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::faults::{Fault, Faults};
use crate::host;

/// Who does a file operation: `adb push` and `adb shell` run as fio (uid 1000); sudo as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    Fio,
    Root,
}

impl User {
    pub fn uid(self) -> u32 {
        match self {
            User::Fio => FIO_UID,
            User::Root => 0,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            User::Fio => "fio",
            User::Root => "root",
        }
    }
}

pub const FIO_UID: u32 = 1000;
/// The docker group fio belongs to.
pub const DOCKER_GID: u32 = 990;

/// The name of a uid/gid as `ls -l` shows it.
pub fn user_name(uid: u32) -> String {
    match uid {
        0 => "root".into(),
        FIO_UID => "fio".into(),
        n => n.to_string(),
    }
}

/// What `lstat` says, in the sync protocol's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Full st_mode: file type bits (0o100000 regular, 0o040000 dir, 0o120000 symlink) and permissions.
    pub mode: u32,
    pub size: u64,
    pub mtime: u32,
}

/// File type bits of st_mode.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFLNK: u32 = 0o120000;

/// The richer `stat` the shell's commands use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// Full st_mode (type and permission bits).
    pub mode: u32,
    pub size: u64,
    pub mtime: i64,
    pub uid: u32,
    pub nlink: u64,
    pub ino: u64,
}

impl Stat {
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
    pub fn perm(&self) -> u32 {
        self.mode & 0o7777
    }
    pub fn meta(&self) -> Meta {
        Meta {
            mode: self.mode,
            size: self.size,
            mtime: self.mtime.clamp(0, i64::from(u32::MAX)) as u32,
        }
    }
}

/// An errno with its strerror text (`Display` gives e.g. "Permission denied").
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("No such file or directory")]
    NotFound,
    #[error("Permission denied")]
    PermissionDenied,
    #[error("Read-only file system")]
    ReadOnly,
    #[error("No space left on device")]
    NoSpace,
    #[error("Is a directory")]
    IsADirectory,
    #[error("Not a directory")]
    NotADirectory,
    #[error("File exists")]
    Exists,
    #[error("Directory not empty")]
    NotEmpty,
    #[error("Invalid argument")]
    Invalid,
    /// A device file whose device does not answer (the x8h7 sysfs files of a silent H7).
    #[error("Connection timed out")]
    TimedOut,
    #[error("Input/output error")]
    Io,
}

impl FsError {
    /// Map a host I/O error to the errno the board reports.
    pub fn from_io(e: &io::Error) -> FsError {
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<FsError>()) {
            return *inner;
        }
        match e.raw_os_error() {
            Some(2) => return FsError::NotFound,
            Some(1) | Some(13) => return FsError::PermissionDenied,
            Some(17) => return FsError::Exists,
            Some(20) => return FsError::NotADirectory,
            Some(21) => return FsError::IsADirectory,
            Some(22) => return FsError::Invalid,
            Some(28) => return FsError::NoSpace,
            Some(30) => return FsError::ReadOnly,
            Some(39) => return FsError::NotEmpty,
            Some(40) => return FsError::Invalid,
            _ => {}
        }
        match e.kind() {
            io::ErrorKind::NotFound => FsError::NotFound,
            io::ErrorKind::PermissionDenied => FsError::PermissionDenied,
            io::ErrorKind::AlreadyExists => FsError::Exists,
            io::ErrorKind::StorageFull => FsError::NoSpace,
            io::ErrorKind::IsADirectory => FsError::IsADirectory,
            io::ErrorKind::NotADirectory => FsError::NotADirectory,
            io::ErrorKind::DirectoryNotEmpty => FsError::NotEmpty,
            io::ErrorKind::ReadOnlyFilesystem => FsError::ReadOnly,
            io::ErrorKind::InvalidInput => FsError::Invalid,
            _ => FsError::Io,
        }
    }
    /// The same error as an `io::Error` (its `Display` is the strerror text).
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            FsError::NotFound => io::ErrorKind::NotFound,
            FsError::PermissionDenied => io::ErrorKind::PermissionDenied,
            FsError::ReadOnly => io::ErrorKind::ReadOnlyFilesystem,
            FsError::NoSpace => io::ErrorKind::StorageFull,
            FsError::IsADirectory => io::ErrorKind::IsADirectory,
            FsError::NotADirectory => io::ErrorKind::NotADirectory,
            FsError::Exists => io::ErrorKind::AlreadyExists,
            FsError::NotEmpty => io::ErrorKind::DirectoryNotEmpty,
            FsError::Invalid => io::ErrorKind::InvalidInput,
            FsError::TimedOut => io::ErrorKind::TimedOut,
            FsError::Io => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

fn fs_err(e: io::Error) -> FsError {
    FsError::from_io(&e)
}

/// Free-space figures of the data partition, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub total: u64,
    pub used: u64,
    pub avail: u64,
}

/// Size of the data partition (mmcblk2p2 on a 16 GB eMMC).
const DEFAULT_TOTAL: u64 = 14_950_000 * 1024;
/// What the OS itself takes.
const BASE_USED: u64 = 3_412_000 * 1024;

pub struct Vfs {
    root: PathBuf,
    faults: Arc<Faults>,
    usr_rw: AtomicBool,
    total: AtomicU64,
    /// Owner overrides (real board path -> uid) for files whose owner differs from the default rule.
    owners: Mutex<HashMap<String, u32>>,
    /// Asked before a file is opened for reading: a device file whose device does not answer
    /// fails with its error (set by the board's services).
    device_check: std::sync::OnceLock<DeviceCheck>,
    write_watch: std::sync::OnceLock<WriteWatch>,
}

/// See [`Vfs::set_write_watch`].
pub type WriteWatch = Arc<dyn Fn(&str) + Send + Sync>;

/// See [`Vfs::set_device_check`].
pub type DeviceCheck = Box<dyn Fn(&str) -> Option<FsError> + Send + Sync>;

/// A file being written; every write is checked against the free space (disk-full fault).
pub struct VfsWriter {
    file: File,
    faults: Arc<Faults>,
    /// Bytes that may still be written before the partition is full.
    room: u64,
    /// On a RAM file system: the data partition's faults do not apply.
    tmpfs: bool,
    /// Told the file's path at its first write (an inotify IN_MODIFY, as systemd's
    /// `PathModified=` sees it).
    watch: Option<(WriteWatch, String)>,
}

/// The world-writable sticky (1777) folders: anyone may create in them, only the owner may
/// remove. `/dev/shm` is mounted so by systemd (see [`on_tmpfs`]).
const STICKY: &[&str] = &["/tmp", "/dev/shm"];

/// Whether `real` (a resolved board path) is on a RAM file system that systemd mounts at
/// boot whatever the image: `/dev/shm` and `/run` (systemd `src/shared/mount-setup.c`, its
/// table of API file systems: tmpfs on /dev/shm with mode 1777, and on /run). Evidence for
/// `/tmp` being a tmpfs on the X8 is missing, so `/tmp` stays on the data partition here.
pub fn on_tmpfs(real: &str) -> bool {
    ["/dev/shm", "/run"]
        .iter()
        .any(|m| real == *m || real.strip_prefix(m).is_some_and(|r| r.starts_with('/')))
}

impl Write for VfsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.tmpfs && (self.faults.has(Fault::DiskFull) || self.room == 0) {
            return Err(FsError::NoSpace.into_io());
        }
        let n = (buf.len() as u64).min(self.room) as usize;
        let head = buf.get(..n).unwrap_or(buf);
        let w = self.file.write(head)?;
        self.room = self.room.saturating_sub(w as u64);
        if let Some((watch, path)) = self.watch.take() {
            watch(&path);
        }
        Ok(w)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl VfsWriter {
    /// Finish the file: set its mtime (seconds since the epoch).
    pub fn finish(self, mtime: u32) -> Result<(), FsError> {
        let mut f = self.file;
        f.flush().map_err(fs_err)?;
        f.set_modified(UNIX_EPOCH + Duration::from_secs(u64::from(mtime)))
            .map_err(fs_err)?;
        Ok(())
    }
    /// Finish the file keeping the current time as its mtime.
    pub fn close(self) -> Result<(), FsError> {
        let mut f = self.file;
        f.flush().map_err(fs_err)
    }
}

/// Normalise a board path lexically: absolute, no `.`/`..`/empty components, never above `/`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut s = String::from("/");
    s.push_str(&parts.join("/"));
    s
}

/// Join a (possibly relative) path onto a working directory, then normalise.
pub fn join_path(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{cwd}/{path}"))
    }
}

/// Parent of a normalised board path (`/` for `/`).
pub fn parent_of(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => path.get(..i).unwrap_or("/").to_string(),
    }
}

/// Whether `path` is `dir` or below it (both normalised).
pub fn is_under(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()).copied() == Some(b'/'))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn dir_bytes(p: &Path, depth: usize) -> u64 {
    if depth > 64 {
        return 0;
    }
    let Ok(rd) = fs::read_dir(p) else { return 0 };
    let mut n = 0u64;
    for e in rd.flatten() {
        let Ok(m) = e.metadata() else { continue };
        if m.is_dir() {
            n = n
                .saturating_add(4096)
                .saturating_add(dir_bytes(&e.path(), depth + 1));
        } else if m.is_file() {
            n = n.saturating_add(m.len().div_ceil(4096) * 4096);
        }
    }
    n
}

impl Vfs {
    /// A Vfs over the sandbox `root` (which must exist).
    pub fn new(root: PathBuf, faults: Arc<Faults>) -> Vfs {
        Vfs {
            root,
            faults,
            usr_rw: AtomicBool::new(false),
            total: AtomicU64::new(DEFAULT_TOTAL),
            owners: Mutex::new(HashMap::new()),
            device_check: std::sync::OnceLock::new(),
            write_watch: std::sync::OnceLock::new(),
        }
    }

    /// Call `watch` with a file's board path when it is first written after an open, and
    /// with the new name when a file is renamed (inotify's IN_MODIFY and IN_MOVED_TO, what a
    /// `PathModified=` path unit reacts to). Set once.
    pub fn set_write_watch(&self, watch: WriteWatch) {
        let _ = self.write_watch.set(watch);
    }

    fn watch_for(&self, real: &str) -> Option<(WriteWatch, String)> {
        self.write_watch
            .get()
            .map(|w| (w.clone(), real.to_string()))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Map a board path (absolute, or relative to `/`) to the path inside the sandbox root,
    /// normalised lexically so that `..` never leaves the root.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, FsError> {
        if path.contains('\0') {
            return Err(FsError::Invalid);
        }
        Ok(self.host(&normalize(path)))
    }

    fn host(&self, norm: &str) -> PathBuf {
        let rel = norm.trim_start_matches('/');
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// The board path a host symlink target stands for (absolute host paths inside the root
    /// are shown as board paths).
    fn link_text(&self, target: &Path) -> String {
        if let Ok(rest) = target.strip_prefix(&self.root) {
            return format!("/{}", rest.to_string_lossy());
        }
        target.to_string_lossy().into_owned()
    }

    /// Resolve symbolic links inside the sandbox: the real, normalised board path of `path`.
    /// With `follow_last` false, a final symlink is not followed (as lstat).
    pub fn real_path(&self, path: &str, follow_last: bool) -> Result<String, FsError> {
        if path.contains('\0') {
            return Err(FsError::Invalid);
        }
        let mut todo: VecDeque<String> = path.split('/').map(str::to_string).collect();
        let mut cur: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(c) = todo.pop_front() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
            let last = todo.iter().all(|c| c.is_empty() || c == ".");
            if last && !follow_last {
                break;
            }
            let host = self.root.join(cur.join("/"));
            match host::lstat(&host) {
                Ok(m) if m.is_symlink() => {
                    hops += 1;
                    if hops > 40 {
                        return Err(FsError::Invalid);
                    }
                    let target = host::read_link(&host).map_err(fs_err)?;
                    let t = self.link_text(&target);
                    cur.pop();
                    if t.starts_with('/') {
                        cur.clear();
                    }
                    for (i, part) in t.split('/').enumerate() {
                        todo.insert(i, part.to_string());
                    }
                }
                Ok(m) if !m.is_dir() && !last => {
                    return Err(FsError::NotADirectory);
                }
                _ => {}
            }
        }
        Ok(format!("/{}", cur.join("/")))
    }

    /// Host path and real board path of `path`.
    fn locate(&self, path: &str, follow: bool) -> Result<(String, PathBuf), FsError> {
        let real = self.real_path(path, follow)?;
        let host = self.host(&real);
        Ok((real, host))
    }

    fn default_owner(path: &str) -> u32 {
        if is_under(path, "/home/fio") || (is_under(path, "/tmp") && path != "/tmp") {
            FIO_UID
        } else {
            0
        }
    }

    /// Owner uid of a real board path.
    pub fn owner_of(&self, real: &str) -> u32 {
        let owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        owners
            .get(real)
            .copied()
            .unwrap_or_else(|| Self::default_owner(real))
    }

    fn set_owner(&self, real: &str, uid: u32) {
        let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        if uid == Self::default_owner(real) {
            owners.remove(real);
        } else {
            owners.insert(real.to_string(), uid);
        }
    }

    fn forget_owner(&self, real: &str) {
        let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
        owners.retain(|k, _| !is_under(k, real));
    }

    fn stat_host(&self, real: &str, host: &Path) -> Result<Stat, FsError> {
        let m = host::lstat(host).map_err(fs_err)?;
        let mut mode = m.mode;
        if real == "/tmp" {
            mode = S_IFDIR | 0o1777;
        }
        Ok(Stat {
            mode,
            size: m.size,
            mtime: m.mtime,
            uid: self.owner_of(real),
            nlink: m.nlink,
            ino: m.ino,
        })
    }

    /// `stat` (follow = true) or `lstat` (follow = false).
    pub fn stat(&self, path: &str, follow: bool) -> Result<Stat, FsError> {
        let (real, host) = self.locate(path, follow)?;
        self.stat_host(&real, &host)
    }

    pub fn exists(&self, path: &str) -> bool {
        self.stat(path, true).is_ok()
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.stat(path, true).map(|s| s.is_dir()).unwrap_or(false)
    }

    fn perm_bits(st: &Stat, user: User) -> u32 {
        if user.uid() == st.uid {
            (st.mode >> 6) & 7
        } else {
            st.mode & 7
        }
    }

    /// Whether `user` may read a file with this stat.
    pub fn may_read(st: &Stat, user: User) -> bool {
        user == User::Root || Self::perm_bits(st, user) & 4 != 0
    }

    /// Whether `user` may execute (or search, for a directory) a file with this stat.
    pub fn may_exec(st: &Stat, user: User) -> bool {
        if user == User::Root {
            return st.is_dir() || st.mode & 0o111 != 0;
        }
        Self::perm_bits(st, user) & 1 != 0
    }

    /// Check that `user` may create, change or delete the entry at the real path `real`.
    pub fn check_write(&self, real: &str, user: User) -> Result<(), FsError> {
        self.check_area(real, user)?;
        if user == User::Root {
            return Ok(());
        }
        if let Ok(st) = self.stat_host(real, &self.host(real)) {
            if st.uid != FIO_UID {
                return Err(FsError::PermissionDenied);
            }
            if st.is_file() && st.mode & 0o200 == 0 {
                return Err(FsError::PermissionDenied);
            }
        }
        Ok(())
    }

    /// Check that `user` may remove or rename the entry at the real path `real`: that needs
    /// write access to the directory (and, in the sticky /tmp, owning the entry).
    pub fn check_unlink(&self, real: &str, user: User) -> Result<(), FsError> {
        self.check_area(real, user)?;
        if user == User::Root {
            return Ok(());
        }
        let exists = fs::symlink_metadata(self.host(real)).is_ok();
        if STICKY.contains(&parent_of(real).as_str()) && exists && self.owner_of(real) != FIO_UID {
            return Err(FsError::PermissionDenied);
        }
        Ok(())
    }

    /// Where `user` may change things at all, and the directory holding `real`.
    fn check_area(&self, real: &str, user: User) -> Result<(), FsError> {
        if is_under(real, "/proc") || is_under(real, "/sys") {
            return Err(FsError::PermissionDenied);
        }
        if is_under(real, "/usr") && !self.usr_writable() {
            return Err(FsError::ReadOnly);
        }
        if user == User::Root {
            return Ok(());
        }
        let fio_area = (is_under(real, "/home/fio") && real != "/home/fio")
            || STICKY.iter().any(|d| is_under(real, d) && real != *d);
        if !fio_area {
            return Err(FsError::PermissionDenied);
        }
        // The directory holding it must belong to fio too (or be a sticky 1777 one).
        let parent = parent_of(real);
        if !STICKY.contains(&parent.as_str())
            && parent != "/home/fio"
            && self.owner_of(&parent) != FIO_UID
        {
            return Err(FsError::PermissionDenied);
        }
        Ok(())
    }

    fn check_parent_search(&self, real: &str, _user: User) -> Result<(), FsError> {
        let parent = parent_of(real);
        let st = self.stat(&parent, true)?;
        if !st.is_dir() {
            return Err(FsError::NotADirectory);
        }
        Ok(())
    }

    /// Whole-file read with the permission model.
    pub fn read(&self, path: &str, user: User) -> Result<Vec<u8>, FsError> {
        let mut f = self.open_read(path, user)?;
        let mut v = Vec::new();
        f.read_to_end(&mut v).map_err(fs_err)?;
        Ok(v)
    }

    /// Whole-file write (create or truncate) with the permission model and free-space check.
    pub fn write(&self, path: &str, data: &[u8], user: User) -> Result<(), FsError> {
        let mut w = self.open_write(path, false, user)?;
        w.write_all(data).map_err(fs_err)?;
        w.close()
    }

    /// Open for writing as a shell redirection does (`>` truncates, `>>` appends); a new file
    /// gets mode 0644.
    pub fn open_write(&self, path: &str, append: bool, user: User) -> Result<VfsWriter, FsError> {
        let (real, host) = self.locate(path, true)?;
        self.check_parent_search(&real, user)?;
        let existing = self.stat_host(&real, &host).ok();
        if let Some(st) = &existing
            && st.is_dir()
        {
            return Err(FsError::IsADirectory);
        }
        self.check_write(&real, user)?;
        // A RAM file system does not fill up with the data partition.
        let room = if on_tmpfs(&real) {
            u64::MAX
        } else {
            self.room()?
        };
        let mut oo = OpenOptions::new();
        // A new file gets 0666 less the shell's umask (0644 normally, 0666 under the X8's adbd).
        oo.write(true).create(true);
        host::create_mode(&mut oo, 0o666 & !crate::shell::umask());
        if append {
            oo.append(true);
        } else {
            oo.truncate(true);
        }
        let file = oo.open(&host).map_err(fs_err)?;
        if existing.is_none() {
            let _ = host::set_file_mode(&file, &host, 0o666 & !crate::shell::umask());
            self.set_owner(&real, user.uid());
        }
        Ok(self.writer(file, room, &real))
    }

    /// A writer of the opened `file` at board path `real`, with `room` bytes left.
    fn writer(&self, file: File, room: u64, real: &str) -> VfsWriter {
        VfsWriter {
            file,
            faults: self.faults.clone(),
            room,
            tmpfs: on_tmpfs(real),
            watch: self.watch_for(real),
        }
    }

    fn room(&self) -> Result<u64, FsError> {
        if self.faults.has(Fault::DiskFull) {
            return Err(FsError::NoSpace);
        }
        Ok(self.space().avail)
    }

    /// Whether `/usr` is mounted read-write (`mount -o remount,rw /usr`).
    pub fn usr_writable(&self) -> bool {
        self.usr_rw.load(Ordering::SeqCst)
    }

    /// `mount -o remount,rw|ro /usr`.
    pub fn remount_usr(&self, rw: bool) {
        self.usr_rw.store(rw, Ordering::SeqCst);
    }

    /// Size of the data partition (tests make it small).
    pub fn set_capacity(&self, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::SeqCst);
    }

    /// Free space of the data partition (what `df /` shows).
    pub fn space(&self) -> Space {
        let total = self.total.load(Ordering::SeqCst);
        if self.faults.has(Fault::DiskFull) {
            return Space {
                total,
                used: total,
                avail: 0,
            };
        }
        let base = if total == DEFAULT_TOTAL { BASE_USED } else { 0 };
        let mut used = base;
        for d in ["/home", "/tmp", "/var"] {
            used = used.saturating_add(dir_bytes(&self.host(d), 0));
        }
        let used = used.min(total);
        Space {
            total,
            used,
            avail: total - used,
        }
    }

    pub fn lstat(&self, path: &str) -> Option<Meta> {
        self.stat(path, false).ok().map(|s| s.meta())
    }

    /// The folder at `path` (links followed) if `user` may list it: its real path, host path
    /// and stat.
    fn readable_dir(&self, path: &str, user: User) -> Result<(String, PathBuf, Stat), FsError> {
        let (real, host) = self.locate(path, true)?;
        let st = self.stat_host(&real, &host)?;
        if !st.is_dir() {
            return Err(FsError::NotADirectory);
        }
        if !Self::may_read(&st, user) {
            return Err(FsError::PermissionDenied);
        }
        Ok((real, host, st))
    }

    /// Directory entries including `.` and `..`, as readdir returns them.
    pub fn list(&self, path: &str, user: User) -> Result<Vec<(String, Meta)>, FsError> {
        let (real, host, st) = self.readable_dir(path, user)?;
        let mut out = vec![(".".to_string(), st.meta())];
        let pst = self.stat(&parent_of(&real), true).unwrap_or(st.clone());
        out.push(("..".to_string(), pst.meta()));
        for name in self.names_host(&host)? {
            let child = join_path(&real, &name);
            if let Ok(cst) = self.stat_host(&child, &self.host(&child)) {
                out.push((name, cst.meta()));
            }
        }
        Ok(out)
    }

    fn names_host(&self, host: &Path) -> Result<Vec<String>, FsError> {
        let mut names: Vec<String> = fs::read_dir(host)
            .map_err(fs_err)?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Names in a directory (sorted, without `.` and `..`), checking read permission.
    pub fn read_dir(&self, path: &str, user: User) -> Result<Vec<String>, FsError> {
        let (_, host, _) = self.readable_dir(path, user)?;
        self.names_host(&host)
    }

    /// Reads of device files (the x8h7 sysfs files) ask `check` first; it returns the error
    /// a read gives while the device does not answer. Set once, by the board.
    pub fn set_device_check(&self, check: DeviceCheck) {
        let _ = self.device_check.set(check);
    }

    pub fn open_read(&self, path: &str, user: User) -> Result<File, FsError> {
        let (real, host) = self.locate(path, true)?;
        if let Some(err) = self.device_check.get().and_then(|check| check(&real)) {
            return Err(err);
        }
        let st = self.stat_host(&real, &host)?;
        if st.is_dir() {
            return Err(FsError::IsADirectory);
        }
        if !Self::may_read(&st, user) {
            return Err(FsError::PermissionDenied);
        }
        File::open(&host).map_err(fs_err)
    }

    /// adbd's SEND (REB 1.6; upstream android-5.1.1_r37 adb/file_sync_service.c
    /// `do_send`/`handle_send_file`/`mkdirs`): missing parent directories are made 0775, an
    /// existing file is unlinked first, the new one is created with the owner's bits copied
    /// to group and then group's to other (`mode |= (mode>>3)&070; mode |= (mode>>3)&07`:
    /// 0644 arrives as 0666) and fchmod'ed (no umask); data is written under the final name
    /// as it arrives.
    pub fn create_file(&self, path: &str, mode: u32, user: User) -> Result<VfsWriter, FsError> {
        let (real, host) = self.locate(path, true)?;
        if real == "/" {
            return Err(FsError::IsADirectory);
        }
        self.mkdir_all(&parent_of(&real), 0o775, user)?;
        if let Ok(st) = self.stat_host(&real, &host) {
            if st.is_dir() {
                return Err(FsError::IsADirectory);
            }
            self.check_unlink(&real, user)?;
            fs::remove_file(&host).map_err(fs_err)?;
            host::forget(&host);
            self.forget_owner(&real);
        } else {
            self.check_write(&real, user)?;
        }
        let room = self.room()?;
        let mut perm = mode & 0o777;
        perm |= (perm >> 3) & 0o070;
        perm |= (perm >> 3) & 0o007;
        let mut oo = OpenOptions::new();
        oo.write(true).create_new(true);
        host::create_mode(&mut oo, perm);
        let file = oo.open(&host).map_err(fs_err)?;
        let _ = host::set_file_mode(&file, &host, perm);
        self.set_owner(&real, user.uid());
        Ok(self.writer(file, room, &real))
    }

    /// `mkdir`: create one directory.
    pub fn mkdir(&self, path: &str, mode: u32, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(path, false)?;
        if fs::symlink_metadata(&host).is_ok() {
            return Err(FsError::Exists);
        }
        self.check_parent_search(&real, user)?;
        self.check_write(&real, user)?;
        if self.faults.has(Fault::DiskFull) && !on_tmpfs(&real) {
            return Err(FsError::NoSpace);
        }
        fs::create_dir(&host).map_err(fs_err)?;
        let _ = host::set_mode(&host, mode);
        self.set_owner(&real, user.uid());
        Ok(())
    }

    /// `mkdir -p`: create a directory and its missing parents.
    pub fn mkdir_all(&self, path: &str, mode: u32, user: User) -> Result<(), FsError> {
        let real = self.real_path(path, true)?;
        let mut cur = String::new();
        for part in real.split('/').filter(|p| !p.is_empty()) {
            cur.push('/');
            cur.push_str(part);
            match self.stat(&cur, true) {
                Ok(st) if st.is_dir() => continue,
                Ok(_) => return Err(FsError::NotADirectory),
                // Another command may create it between the look and the mkdir: as GNU
                // `mkdir -p` does (coreutils `lib/mkancesdirs.c`, `make_dir_parents`), a
                // directory that exists by then is fine.
                Err(FsError::NotFound) => match self.mkdir(&cur, mode, user) {
                    Err(FsError::Exists) if self.stat(&cur, true).is_ok_and(|st| st.is_dir()) => {}
                    r => r?,
                },
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// `unlink`: remove a file or symlink (not a directory).
    pub fn remove_file(&self, path: &str, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(path, false)?;
        let st = self.stat_host(&real, &host)?;
        if st.is_dir() {
            return Err(FsError::IsADirectory);
        }
        self.check_unlink(&real, user)?;
        fs::remove_file(&host).map_err(fs_err)?;
        host::forget(&host);
        self.forget_owner(&real);
        Ok(())
    }

    /// `rmdir`: remove an empty directory.
    pub fn remove_dir(&self, path: &str, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(path, false)?;
        let st = self.stat_host(&real, &host)?;
        if !st.is_dir() {
            return Err(FsError::NotADirectory);
        }
        if real == "/" {
            return Err(FsError::PermissionDenied);
        }
        self.check_unlink(&real, user)?;
        if fs::read_dir(&host).map_err(fs_err)?.next().is_some() {
            return Err(FsError::NotEmpty);
        }
        fs::remove_dir(&host).map_err(fs_err)?;
        host::forget(&host);
        self.forget_owner(&real);
        Ok(())
    }

    /// `rename`.
    pub fn rename(&self, from: &str, to: &str, user: User) -> Result<(), FsError> {
        let (rf, hf) = self.locate(from, false)?;
        let (rt, ht) = self.locate(to, false)?;
        let st = self.stat_host(&rf, &hf)?;
        self.check_unlink(&rf, user)?;
        self.check_unlink(&rt, user)?;
        if is_under(&rt, &rf) && rt != rf {
            return Err(FsError::Invalid);
        }
        if let Ok(tst) = self.stat_host(&rt, &ht) {
            if tst.is_dir() && !st.is_dir() {
                return Err(FsError::IsADirectory);
            }
            if !tst.is_dir() && st.is_dir() {
                return Err(FsError::NotADirectory);
            }
        }
        fs::rename(&hf, &ht).map_err(fs_err)?;
        host::moved(&hf, &ht);
        let uid = self.owner_of(&rf);
        self.forget_owner(&rf);
        self.set_owner(&rt, uid);
        if let Some((w, p)) = self.watch_for(&rt) {
            w(&p);
        }
        Ok(())
    }

    /// `symlink(target, link)`: `target` is stored as given; an absolute target is a board path.
    pub fn symlink(&self, target: &str, link: &str, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(link, false)?;
        if fs::symlink_metadata(&host).is_ok() {
            return Err(FsError::Exists);
        }
        self.check_parent_search(&real, user)?;
        self.check_write(&real, user)?;
        let stored = if target.starts_with('/') {
            self.host(&normalize(target))
        } else {
            PathBuf::from(target)
        };
        host::symlink(&stored, &host).map_err(fs_err)?;
        self.set_owner(&real, user.uid());
        Ok(())
    }

    /// The target of a symlink as the board sees it.
    pub fn readlink(&self, path: &str) -> Result<String, FsError> {
        let (_, host) = self.locate(path, false)?;
        let m = host::lstat(&host).map_err(fs_err)?;
        if !m.is_symlink() {
            return Err(FsError::Invalid);
        }
        let t = host::read_link(&host).map_err(fs_err)?;
        Ok(self.link_text(&t))
    }

    /// `chmod`: the owner or root.
    pub fn chmod(&self, path: &str, mode: u32, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(path, true)?;
        let st = self.stat_host(&real, &host)?;
        if is_under(&real, "/proc") || is_under(&real, "/sys") {
            return Err(FsError::PermissionDenied);
        }
        if is_under(&real, "/usr") && !self.usr_writable() {
            return Err(FsError::ReadOnly);
        }
        if user != User::Root && st.uid != user.uid() {
            return Err(FsError::PermissionDenied);
        }
        host::set_mode(&host, mode).map_err(fs_err)
    }

    /// `chown`: root only (fio gets PermissionDenied, which `chown` reports as EPERM).
    pub fn chown(&self, path: &str, uid: u32, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(path, true)?;
        self.stat_host(&real, &host)?;
        if is_under(&real, "/usr") && !self.usr_writable() {
            return Err(FsError::ReadOnly);
        }
        if user != User::Root {
            return Err(FsError::PermissionDenied);
        }
        if is_under(&real, "/proc") || is_under(&real, "/sys") {
            return Err(FsError::PermissionDenied);
        }
        self.set_owner(&real, uid);
        Ok(())
    }

    /// Set the modification time (`touch`).
    pub fn set_mtime(&self, path: &str, mtime: i64, user: User) -> Result<(), FsError> {
        let (real, host) = self.locate(path, true)?;
        let st = self.stat_host(&real, &host)?;
        if user != User::Root && st.uid != user.uid() {
            return Err(FsError::PermissionDenied);
        }
        self.check_write(&real, user)?;
        let t = UNIX_EPOCH
            .checked_add(Duration::from_secs(mtime.clamp(0, 1 << 40) as u64))
            .unwrap_or(UNIX_EPOCH);
        let f = if st.is_dir() {
            File::open(&host)
        } else {
            OpenOptions::new().write(true).open(&host)
        }
        .map_err(fs_err)?;
        f.set_modified(t).map_err(fs_err)
    }

    /// Current time in seconds (for `touch`, `date`).
    pub fn now() -> i64 {
        now_secs()
    }

    /// Write a file under /proc, /sys or anywhere else without the permission model (the
    /// board's own code: kernel files, services). Creates missing parent directories.
    pub(crate) fn write_system_file(&self, path: &str, data: &[u8]) -> Result<(), FsError> {
        let real = self.real_path(path, true)?;
        let host = self.host(&real);
        if let Some(p) = host.parent() {
            fs::create_dir_all(p).map_err(fs_err)?;
        }
        fs::write(&host, data).map_err(fs_err)?;
        Ok(())
    }

    /// Set permission bits without the permission model (board setup, services).
    pub(crate) fn set_system_mode(&self, path: &str, mode: u32) -> Result<(), FsError> {
        let host = self.host(&self.real_path(path, true)?);
        host::set_mode(&host, mode).map_err(fs_err)
    }

    /// Create a directory (and parents) without the permission model (board setup).
    pub(crate) fn make_system_dir(&self, path: &str) -> Result<(), FsError> {
        fs::create_dir_all(self.host(&normalize(path))).map_err(fs_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vfs() -> (tempfile::TempDir, Vfs) {
        let d = tempfile::tempdir().unwrap();
        let v = Vfs::new(d.path().to_path_buf(), Arc::new(Faults::default()));
        for p in ["/home/fio", "/tmp", "/usr/lib", "/etc", "/proc", "/var"] {
            v.make_system_dir(p).unwrap();
        }
        (d, v)
    }

    #[test]
    fn resolve_stays_inside() {
        let (d, v) = vfs();
        assert_eq!(
            v.resolve("/../../etc/passwd").unwrap(),
            d.path().join("etc/passwd")
        );
        assert_eq!(v.resolve("a/./b/../c").unwrap(), d.path().join("a/c"));
        assert_eq!(v.resolve("/").unwrap(), d.path());
    }

    #[test]
    fn permissions() {
        let (_d, v) = vfs();
        v.write("/home/fio/a", b"x", User::Fio).unwrap();
        assert_eq!(
            v.write("/etc/x", b"x", User::Fio),
            Err(FsError::PermissionDenied)
        );
        assert_eq!(v.write("/usr/x", b"x", User::Root), Err(FsError::ReadOnly));
        assert_eq!(v.write("/usr/x", b"x", User::Fio), Err(FsError::ReadOnly));
        v.remount_usr(true);
        v.write("/usr/x", b"x", User::Root).unwrap();
        assert_eq!(
            v.write("/usr/y", b"x", User::Fio),
            Err(FsError::PermissionDenied)
        );
        assert_eq!(
            v.write("/proc/x", b"x", User::Root),
            Err(FsError::PermissionDenied)
        );
        v.write_system_file("/proc/x", b"k").unwrap();
        assert_eq!(v.read("/proc/x", User::Fio).unwrap(), b"k");
        v.write("/tmp/r", b"x", User::Root).unwrap();
        assert_eq!(
            v.write("/tmp/r", b"y", User::Fio),
            Err(FsError::PermissionDenied)
        );
        assert_eq!(v.stat("/tmp/r", true).unwrap().uid, 0);
        assert_eq!(v.stat("/home/fio/a", true).unwrap().uid, FIO_UID);
    }

    #[test]
    fn create_file_like_adbd() {
        let (_d, v) = vfs();
        let mut w = v
            .create_file("/home/fio/d/e/f.bin", 0o100640, User::Fio)
            .unwrap();
        w.write_all(b"hello").unwrap();
        w.finish(1_600_000_000).unwrap();
        let m = v.lstat("/home/fio/d/e/f.bin").unwrap();
        assert_eq!(m.mode, 0o100666);
        assert_eq!(m.size, 5);
        assert_eq!(m.mtime, 1_600_000_000);
        let l = v.list("/home/fio/d/e", User::Fio).unwrap();
        let names: Vec<_> = l.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec![".", "..", "f.bin"]);
        assert!(v.create_file("/etc/x", 0o644, User::Fio).is_err());
    }

    #[test]
    fn symlinks_resolve_inside() {
        let (_d, v) = vfs();
        v.make_system_dir("/usr/lib/firmware").unwrap();
        v.write_system_file("/usr/lib/firmware/fw.bin", b"fw")
            .unwrap();
        v.remount_usr(true);
        v.symlink("/usr/lib/firmware/fw.bin", "/home/fio/abs", User::Fio)
            .unwrap();
        v.symlink("../../usr/lib/firmware/fw.bin", "/home/fio/rel", User::Fio)
            .unwrap();
        assert_eq!(v.read("/home/fio/abs", User::Fio).unwrap(), b"fw");
        assert_eq!(v.read("/home/fio/rel", User::Fio).unwrap(), b"fw");
        assert_eq!(
            v.readlink("/home/fio/abs").unwrap(),
            "/usr/lib/firmware/fw.bin"
        );
        v.symlink("/../../../../etc", "/home/fio/esc", User::Fio)
            .unwrap();
        assert_eq!(v.real_path("/home/fio/esc/x", true).unwrap(), "/etc/x");
        assert_eq!(v.lstat("/home/fio/abs").unwrap().mode & S_IFMT, S_IFLNK);
    }

    #[test]
    fn disk_full() {
        let (_d, v) = vfs();
        v.faults.set(Fault::DiskFull, true);
        assert_eq!(v.write("/tmp/x", b"abc", User::Fio), Err(FsError::NoSpace));
        assert_eq!(v.space().avail, 0);
        v.faults.set(Fault::DiskFull, false);
        v.set_capacity(4096 * 4);
        let mut w = v.create_file("/tmp/y", 0o644, User::Fio).unwrap();
        assert!(w.write_all(&[0u8; 100_000]).is_err());
        // A RAM file system is not the data partition.
        v.faults.set(Fault::DiskFull, true);
        v.make_system_dir("/dev/shm").unwrap();
        assert_eq!(v.write("/dev/shm/x", b"abc", User::Root), Ok(()));
    }

    #[test]
    fn mkdir_p_racing_itself_never_says_file_exists() {
        let (_d, v) = vfs();
        let v = Arc::new(v);
        for round in 0..20 {
            let path = format!("/home/fio/race{round}/a/b/c/d");
            let ts: Vec<_> = (0..8)
                .map(|_| {
                    let (v, path) = (v.clone(), path.clone());
                    std::thread::spawn(move || v.mkdir_all(&path, 0o755, User::Fio))
                })
                .collect();
            for t in ts {
                assert_eq!(t.join().unwrap(), Ok(()));
            }
        }
    }

    #[test]
    fn send_widens_as_the_x8s_adbd_does() {
        // REB 1.6; upstream adb/file_sync_service.c: owner's bits to group, then group's
        // to other; missing parents 0775.
        let (_d, v) = vfs();
        for (asked, got) in [
            (0o644, 0o666),
            (0o640, 0o666),
            (0o600, 0o666),
            (0o755, 0o777),
            (0o047, 0o047),
        ] {
            let w = v.create_file("/home/fio/new/f", asked, User::Fio).unwrap();
            drop(w);
            assert_eq!(
                v.stat("/home/fio/new/f", true).unwrap().perm(),
                got,
                "{asked:o}"
            );
        }
        assert_eq!(v.stat("/home/fio/new", true).unwrap().perm(), 0o775);
    }
}
