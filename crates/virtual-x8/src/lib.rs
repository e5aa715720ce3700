//! The virtual Portenta X8 (`x8ctl sim`): an adbd over TCP with the board behind it.
//!
//! It keeps the board's files with Unix modes, owners and symlinks in a sandbox folder; on
//! Windows, which has neither modes nor unprivileged symlinks, `host` keeps them beside the
//! files (the only module that differs between host systems).
//!
//! `adbd` speaks the ADB protocol as the X8's Android 5.1.1 adbd does; `board` is the
//! sandboxed file system, the shell and the board's commands; `m4` is m4-proxy and the
//! simulated M4; `services` are systemd units, program.sh/OpenOCD, journald and docker.

pub mod adbd;
pub mod board;
pub mod faults;
pub mod fwimage;
pub mod host;
pub mod m4;
pub mod olddialect;
pub mod ostree;
pub mod rpcwire;
pub mod services;
pub mod shell;
pub mod sketch;
pub mod vfs;

pub use board::{Board, BoardConfig};
pub use faults::{Fault, Faults};

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use adbd::{AdbdConfig, AdbdHandle};

/// Everything `x8ctl sim` is started with.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub board: BoardConfig,
    pub listen: SocketAddr,
    pub adbd: AdbdConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            board: BoardConfig::default(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            adbd: AdbdConfig::default(),
        }
    }
}

/// A running virtual X8: the board and its adbd. Dropping it stops both (and removes a
/// temporary sandbox root).
pub struct Sim {
    board: Arc<Board>,
    adbd: AdbdHandle,
    _temp_root: Option<tempfile::TempDir>,
}

impl Sim {
    /// Start a board and its adbd. With an empty `board.root`, the board lives in a
    /// temporary folder that is removed when the sim stops.
    pub fn start(mut cfg: SimConfig) -> io::Result<Sim> {
        let temp_root = if cfg.board.root.as_os_str().is_empty() {
            let dir = tempfile::Builder::new().prefix("x8ctl-sim-").tempdir()?;
            cfg.board.root = dir.path().to_path_buf();
            Some(dir)
        } else {
            None
        };
        let board = Board::new(cfg.board.clone())?;
        let adbd = match adbd::spawn(cfg.listen, board.clone(), cfg.adbd.clone()) {
            Ok(a) => a,
            Err(e) => {
                board.shutdown();
                return Err(e);
            }
        };
        board.faults().set_unplug(adbd.dropper());
        Ok(Sim {
            board,
            adbd,
            _temp_root: temp_root,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.adbd.local_addr()
    }

    pub fn board(&self) -> &Arc<Board> {
        &self.board
    }

    /// Drop every ADB connection, as pulling the cable would.
    pub fn drop_connections(&self) {
        self.adbd.drop_connections();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.adbd.stop();
        self.board.shutdown();
    }
}
