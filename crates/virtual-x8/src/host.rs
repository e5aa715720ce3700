//! What differs between the host systems the simulator runs on: the only module with
//! `cfg(unix)` / `cfg(windows)`.
//!
//! On Unix the board's file modes are the host files' permission bits, the board's symlinks
//! are host symlinks, inode numbers and link counts are the host's, and a container process
//! runs in a process group of its own that is signalled as a whole.
//!
//! On Windows files have no Unix mode and making a symlink needs a privilege most users do
//! not have, so:
//! - modes are kept beside the files, in a map of this process keyed by host path (set by
//!   whoever creates or `chmod`s a file; a file nobody set has 0644, a directory 0755, as
//!   with the usual umask). The map lives as long as the simulator: a sandbox root reused by
//!   a later run shows those defaults for the files of the earlier run;
//! - a board symlink is a small host file holding [`LINK_MAGIC`] and then the target, which
//!   [`lstat`] reports as a symlink and [`read_link`] reads back;
//! - the inode number and link count are the file index and link count Windows keeps for
//!   every NTFS file (`GetFileInformationByHandle`), so hard links (the OSTree checkout) are
//!   seen as on Unix;
//! - a container process cannot be put in a group of its own in a way `kill` reaches, so it
//!   is killed alone (`TerminateProcess`): processes it started itself are not reached. The
//!   container programs the simulator runs are single Python processes and `sh -c` lines,
//!   which end with their parent's pipes; a stray grandchild only outlives a stopped
//!   container, it does not change what the board reports. (Container programs do not run on
//!   Windows at all, see [`no_container_programs`]; the process code is kept portable.)

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};

/// A host file as the board sees it (st_mode with type bits, like `lstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostStat {
    pub mode: u32,
    pub size: u64,
    pub mtime: i64,
    pub nlink: u64,
    pub ino: u64,
}

impl HostStat {
    pub fn is_symlink(&self) -> bool {
        self.mode & crate::vfs::S_IFMT == crate::vfs::S_IFLNK
    }
    pub fn is_dir(&self) -> bool {
        self.mode & crate::vfs::S_IFMT == crate::vfs::S_IFDIR
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::os::unix::process::{CommandExt, ExitStatusExt};

    pub fn lstat(p: &Path) -> io::Result<HostStat> {
        let m = fs::symlink_metadata(p)?;
        Ok(HostStat {
            mode: m.mode(),
            size: m.len(),
            mtime: m.mtime(),
            nlink: m.nlink(),
            ino: m.ino(),
        })
    }

    pub fn read_link(p: &Path) -> io::Result<PathBuf> {
        fs::read_link(p)
    }

    pub fn symlink(target: &Path, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link)
    }

    pub fn set_mode(p: &Path, mode: u32) -> io::Result<()> {
        fs::set_permissions(p, fs::Permissions::from_mode(mode & 0o7777))
    }

    pub fn create_mode(oo: &mut OpenOptions, mode: u32) {
        oo.mode(mode);
    }

    pub fn set_file_mode(file: &File, _p: &Path, mode: u32) -> io::Result<()> {
        file.set_permissions(fs::Permissions::from_mode(mode & 0o7777))
    }

    pub fn forget(_p: &Path) {}

    pub fn moved(_from: &Path, _to: &Path) {}

    pub fn own_group(cmd: &mut Command) {
        cmd.process_group(0);
    }

    pub fn signal_group(child: &mut Child, kill: bool) -> Option<i32> {
        let sig = if kill { "-KILL" } else { "-TERM" };
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{}", child.id())])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        None
    }

    pub fn exit_signal(s: &ExitStatus) -> Option<i32> {
        s.signal()
    }

    pub fn no_container_programs() -> Option<&'static str> {
        None
    }
}

#[cfg(windows)]
mod imp {
    use super::*;
    use std::collections::HashMap;
    use std::io::Read;
    use std::os::windows::fs::OpenOptionsExt;
    use std::sync::{LazyLock, Mutex};
    use std::time::UNIX_EPOCH;

    use crate::vfs::{S_IFDIR, S_IFLNK, S_IFREG};

    /// Permission bits by host path (see the module's documentation).
    static MODES: LazyLock<Mutex<HashMap<String, u32>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));

    fn key(p: &Path) -> String {
        p.to_string_lossy().replace('\\', "/")
    }

    fn modes() -> std::sync::MutexGuard<'static, HashMap<String, u32>> {
        MODES.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The target of a placeholder symlink, if `p` is one.
    fn link_target(p: &Path, len: u64) -> Option<Vec<u8>> {
        let magic = super::LINK_MAGIC;
        if len < magic.len() as u64 || len > magic.len() as u64 + 4096 {
            return None;
        }
        let mut data = Vec::new();
        File::open(p).ok()?.read_to_end(&mut data).ok()?;
        data.strip_prefix(magic).map(<[u8]>::to_vec)
    }

    /// File index and link count (`GetFileInformationByHandle`).
    fn file_info(p: &Path) -> Option<(u64, u64)> {
        use std::os::windows::io::AsRawHandle;
        use windows_sys::Win32::Storage::FileSystem::{
            BY_HANDLE_FILE_INFORMATION, FILE_FLAG_BACKUP_SEMANTICS, GetFileInformationByHandle,
        };
        let f = OpenOptions::new()
            .access_mode(0)
            .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
            .open(p)
            .ok()?;
        // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION is a valid value (plain integers),
        // and the handle is open for the call.
        let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
        let ok = unsafe { GetFileInformationByHandle(f.as_raw_handle() as _, &mut info) };
        if ok == 0 {
            return None;
        }
        let ino = (u64::from(info.nFileIndexHigh) << 32) | u64::from(info.nFileIndexLow);
        Some((ino, u64::from(info.nNumberOfLinks)))
    }

    pub fn lstat(p: &Path) -> io::Result<HostStat> {
        let m = fs::symlink_metadata(p)?;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        let (ino, nlink) = file_info(p).unwrap_or((0, 1));
        if m.is_file()
            && let Some(t) = link_target(p, m.len())
        {
            return Ok(HostStat {
                mode: S_IFLNK | 0o777,
                size: t.len() as u64,
                mtime,
                nlink,
                ino,
            });
        }
        let (kind, default) = if m.is_dir() {
            (S_IFDIR, 0o755)
        } else {
            (S_IFREG, 0o644)
        };
        let perm = modes().get(&key(p)).copied().unwrap_or(default);
        // A directory shows the size of one ext4 block and the link count of an empty one
        // (NTFS reports 0 and 1; its subdirectories are not counted here).
        let (size, nlink) = if m.is_dir() {
            (4096, nlink.max(2))
        } else {
            (m.len(), nlink)
        };
        Ok(HostStat {
            mode: kind | perm,
            size,
            mtime,
            nlink,
            ino,
        })
    }

    pub fn read_link(p: &Path) -> io::Result<PathBuf> {
        let m = fs::symlink_metadata(p)?;
        match link_target(p, m.len()) {
            Some(t) => Ok(PathBuf::from(String::from_utf8_lossy(&t).into_owned())),
            None => Err(io::Error::from(io::ErrorKind::InvalidInput)),
        }
    }

    pub fn symlink(target: &Path, link: &Path) -> io::Result<()> {
        let mut data = super::LINK_MAGIC.to_vec();
        data.extend_from_slice(target.to_string_lossy().as_bytes());
        let mut f = OpenOptions::new().write(true).create_new(true).open(link)?;
        std::io::Write::write_all(&mut f, &data)
    }

    pub fn set_mode(p: &Path, mode: u32) -> io::Result<()> {
        fs::symlink_metadata(p)?;
        modes().insert(key(p), mode & 0o7777);
        Ok(())
    }

    pub fn create_mode(_oo: &mut OpenOptions, _mode: u32) {}

    pub fn set_file_mode(_file: &File, p: &Path, mode: u32) -> io::Result<()> {
        modes().insert(key(p), mode & 0o7777);
        Ok(())
    }

    pub fn forget(p: &Path) {
        let k = key(p);
        let below = format!("{k}/");
        modes().retain(|m, _| *m != k && !m.starts_with(&below));
    }

    pub fn moved(from: &Path, to: &Path) {
        let (f, t) = (key(from), key(to));
        let below = format!("{f}/");
        let mut map = modes();
        let dest_below = format!("{t}/");
        map.retain(|m, _| *m != t && !m.starts_with(&dest_below));
        let moving: Vec<(String, u32)> = map
            .iter()
            .filter(|(m, _)| **m == f || m.starts_with(&below))
            .map(|(m, v)| (m.clone(), *v))
            .collect();
        for (m, v) in moving {
            map.remove(&m);
            map.insert(format!("{t}{}", &m[f.len()..]), v);
        }
    }

    pub fn own_group(_cmd: &mut Command) {}

    pub fn signal_group(child: &mut Child, kill: bool) -> Option<i32> {
        // No process groups to signal and no SIGTERM: the process itself is ended, and is
        // reported as ended by the signal it was sent (as a Python program or `sh` that
        // does not catch SIGTERM ends on the board).
        if matches!(child.try_wait(), Ok(Some(_))) {
            return None;
        }
        let _ = child.kill();
        Some(if kill { 9 } else { 15 })
    }

    pub fn exit_signal(_s: &ExitStatus) -> Option<i32> {
        None
    }

    pub fn no_container_programs() -> Option<&'static str> {
        Some(
            "on Windows the virtual X8 runs no container programs (it runs them under a \
             python3.N virtual environment's bin/python and /bin/sh, which Linux and macOS have)",
        )
    }
}

/// What a placeholder symlink file starts with on Windows (NUL bytes, so that no text file
/// a user writes is taken for one).
pub const LINK_MAGIC: &[u8] = b"\0x8sim-symlink\0";

/// `lstat` of a host path: mode with type bits, size, mtime, link count, inode.
pub fn lstat(p: &Path) -> io::Result<HostStat> {
    imp::lstat(p)
}

/// Whether the host path is a board symlink.
pub fn is_symlink(p: &Path) -> bool {
    lstat(p).is_ok_and(|s| s.is_symlink())
}

/// The stored target of a board symlink (an error if `p` is not one).
pub fn read_link(p: &Path) -> io::Result<PathBuf> {
    imp::read_link(p)
}

/// Make the board symlink `link` -> `target` (stored as given).
pub fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    imp::symlink(target, link)
}

/// Set the permission bits (mode & 0o7777) of an existing host file or directory.
pub fn set_mode(p: &Path, mode: u32) -> io::Result<()> {
    imp::set_mode(p, mode)
}

/// A file created by `oo` gets `mode` (before the umask, as `open(2)`'s mode; Unix only, see
/// [`set_file_mode`]).
pub fn create_mode(oo: &mut OpenOptions, mode: u32) {
    imp::create_mode(oo, mode)
}

/// Set the permission bits of the open `file` at host path `p` (`fchmod`).
pub fn set_file_mode(file: &File, p: &Path, mode: u32) -> io::Result<()> {
    imp::set_file_mode(file, p, mode)
}

/// `p` (and what is below it) was removed.
pub fn forget(p: &Path) {
    imp::forget(p)
}

/// `from` (and what is below it) was renamed to `to`.
pub fn moved(from: &Path, to: &Path) {
    imp::moved(from, to)
}

/// Put the process `cmd` starts in a process group of its own (Unix).
pub fn own_group(cmd: &mut Command) {
    imp::own_group(cmd)
}

/// SIGTERM (or SIGKILL with `kill`) to the process group `child` leads (Unix); on Windows
/// the child is ended, and the signal it stands for is returned (its exit status cannot
/// say it).
pub fn signal_group(child: &mut Child, kill: bool) -> Option<i32> {
    imp::signal_group(child, kill)
}

/// Why this host cannot run the programs of the virtual X8's containers (Python apps,
/// healthchecks, build steps), if it cannot: on Windows it cannot, since they run under a
/// virtual environment's `bin/python` and the host's `/bin/sh` with Unix paths.
pub fn no_container_programs() -> Option<&'static str> {
    imp::no_container_programs()
}

/// The signal that ended a process (Unix).
pub fn exit_signal(s: &ExitStatus) -> Option<i32> {
    imp::exit_signal(s)
}
