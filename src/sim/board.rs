//! The board behind the virtual adbd: configuration, shared state, and the entry points the
//! adbd services use (shell commands, file access for sync, TCP ports for `tcp:`).
//!
//! CONTRACT (used by `sim::adbd`): the signatures below are what the adbd calls.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::faults::{Fault, Faults};
use super::vfs::Vfs;

#[derive(Debug, Clone)]
pub struct BoardConfig {
    /// adb serial, e.g. `2D16BA09DAB6FAD9`; the hostname is `portenta-x8-<serial lowercase, leading zeros stripped>`.
    pub serial: String,
    /// Sandbox root holding the board's file system; populated with the X8 layout when empty.
    pub root: PathBuf,
    /// `None`: sudo needs no password (NOPASSWD). `Some("")`: the empty password of images
    /// from 2024-08 on. `Some("fio")`: older images.
    pub sudo_password: Option<String>,
    /// `IMAGE_VERSION` in /etc/os-release (the Foundries build number, e.g. 861).
    pub image_version: u32,
    /// Version string of the firmware installed in /usr/lib/firmware and running on the H7.
    pub firmware_version: String,
    /// Send port 5001 traffic to this external MessagePack-RPC server instead of the simulated M4.
    pub m4_upstream: Option<String>,
    pub faults: Vec<Fault>,
}

impl Default for BoardConfig {
    fn default() -> Self {
        BoardConfig {
            serial: "2D16BA09DAB6FAD9".into(),
            root: PathBuf::new(),
            sudo_password: Some("fio".into()),
            image_version: 861,
            firmware_version: "0.0.5".into(),
            m4_upstream: None,
            faults: Vec::new(),
        }
    }
}

/// The streams a shell command reads and writes. For `shell:` (v1) stdout and stderr are the
/// same byte stream; with shell v2 they are separate. A write error means the host closed the
/// stream: the command must stop.
pub struct ShellIo<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

pub struct Board {
    _private: (),
}

impl Board {
    pub fn new(_cfg: BoardConfig) -> io::Result<Arc<Board>> {
        unimplemented!("skeleton")
    }
    pub fn serial(&self) -> &str {
        unimplemented!("skeleton")
    }
    pub fn hostname(&self) -> String {
        unimplemented!("skeleton")
    }
    pub fn root(&self) -> &Path {
        unimplemented!("skeleton")
    }
    pub fn faults(&self) -> &Faults {
        unimplemented!("skeleton")
    }
    pub fn config(&self) -> &BoardConfig {
        unimplemented!("skeleton")
    }
    pub fn services(&self) -> &super::services::Services {
        unimplemented!("skeleton")
    }
    pub fn vfs(&self) -> &Vfs {
        unimplemented!("skeleton")
    }
    /// `shell:<cmd>` / `exec:<cmd>`: run `cmd` as user fio in /home/fio with /bin/bash semantics.
    pub fn run_command(&self, _cmd: &str, _io: &mut ShellIo) -> i32 {
        unimplemented!("skeleton")
    }
    /// `shell:` with no command: an interactive session reading lines from stdin.
    pub fn interactive(&self, _io: &mut ShellIo) -> i32 {
        unimplemented!("skeleton")
    }
    /// `tcp:<port>`: connect to a port on the board's localhost (m4-proxy 5000/5001, containers).
    pub fn connect_port(&self, _port: u16) -> io::Result<TcpStream> {
        unimplemented!("skeleton")
    }
    /// Stop background threads (m4-proxy, containers).
    pub fn shutdown(&self) {}
}
