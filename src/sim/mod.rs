//! The virtual Portenta X8 (`x8ctl sim`): an adbd over TCP with the board behind it.
//!
//! `adbd` speaks the ADB protocol as the X8's Android 5.1.1 adbd does; `board` is the
//! sandboxed file system, the shell and the board's commands; `m4` is m4-proxy and the
//! simulated M4; `services` are systemd units, program.sh/OpenOCD, journald and docker.

pub mod board;
pub mod faults;
pub mod fwimage;
pub mod m4;
pub mod services;
pub mod shell;
pub mod vfs;

pub use board::{Board, BoardConfig};
pub use faults::{Fault, Faults};
