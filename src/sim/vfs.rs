//! The board's file system inside a sandbox root, with the X8's permission model.
//!
//! CONTRACT (used by the sync service of `sim::adbd`).

use std::fs::File;
use std::io::{self, Write};

/// Who does a file operation: `adb push` and `adb shell` run as fio (uid 1000); sudo as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    Fio,
    Root,
}

/// What `lstat` says, in the sync protocol's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Full st_mode: file type bits (0o100000 regular, 0o040000 dir, 0o120000 symlink) and permissions.
    pub mode: u32,
    pub size: u64,
    pub mtime: u32,
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
    #[error("Input/output error")]
    Io,
}

pub struct Vfs {
    _private: (),
}

/// A file being written; every write is checked against the free space (disk-full fault).
pub struct VfsWriter {
    _private: (),
}

impl Write for VfsWriter {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        unimplemented!("skeleton")
    }
    fn flush(&mut self) -> io::Result<()> {
        unimplemented!("skeleton")
    }
}

impl VfsWriter {
    /// Finish the file: set its mtime (seconds since the epoch).
    pub fn finish(self, _mtime: u32) -> Result<(), FsError> {
        unimplemented!("skeleton")
    }
}

impl Vfs {
    /// Map a board path (absolute, or relative to `/`) to the path inside the sandbox root,
    /// normalised lexically so that `..` never leaves the root.
    pub fn resolve(&self, _path: &str) -> Result<std::path::PathBuf, FsError> {
        unimplemented!("skeleton")
    }
    /// Whole-file read with the permission model.
    pub fn read(&self, _path: &str, _user: User) -> Result<Vec<u8>, FsError> {
        unimplemented!("skeleton")
    }
    /// Whole-file write (create or truncate) with the permission model and free-space check.
    pub fn write(&self, _path: &str, _data: &[u8], _user: User) -> Result<(), FsError> {
        unimplemented!("skeleton")
    }
    /// Whether `/usr` is mounted read-write (`mount -o remount,rw /usr`).
    pub fn usr_writable(&self) -> bool {
        unimplemented!("skeleton")
    }
    pub fn lstat(&self, _path: &str) -> Option<Meta> {
        unimplemented!("skeleton")
    }
    /// Directory entries including `.` and `..`, as readdir returns them.
    pub fn list(&self, _path: &str, _user: User) -> Result<Vec<(String, Meta)>, FsError> {
        unimplemented!("skeleton")
    }
    pub fn open_read(&self, _path: &str, _user: User) -> Result<File, FsError> {
        unimplemented!("skeleton")
    }
    /// adbd's SEND: create missing parent directories, unlink an existing file, create with
    /// `mode & 0o777` (owner bits copied to group and other, as adbd does).
    pub fn create_file(&self, _path: &str, _mode: u32, _user: User) -> Result<VfsWriter, FsError> {
        unimplemented!("skeleton")
    }
}
