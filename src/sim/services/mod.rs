//! The board's services and the commands that drive them: systemd units (`systemctl`,
//! `journalctl`), the H7 (program.sh and OpenOCD, the x8h7 sysfs files, kernel modules),
//! m4-proxy, and Docker (`docker`, `docker compose`, containers that run).
//!
//! CONTRACT (used by `sim::board` and `sim::shell`): `Services::start`, `lookup`, `port_addr`.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::board::BoardConfig;
use super::faults::Faults;
use super::shell::Builtin;

pub struct Services {
    _private: (),
}

impl Services {
    /// Boot: write the H7/sysfs state into the sandbox, start m4-proxy (unless faulted), docker.
    pub fn start(_cfg: &BoardConfig, _faults: Arc<Faults>, _root: PathBuf) -> io::Result<Services> {
        unimplemented!("skeleton")
    }
    /// The command for `name` (a bare name such as `systemctl`, or a path such as
    /// `/usr/arduino/extra/program.sh`), if it is one of the services' commands.
    pub fn lookup(_name: &str) -> Option<Builtin> {
        None
    }
    /// The real loopback address standing for `port` on the board's localhost, if something listens there.
    pub fn port_addr(&self, _port: u16) -> Option<SocketAddr> {
        unimplemented!("skeleton")
    }
    pub fn stop(&self) {}
}
