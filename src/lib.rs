//! x8ctl: drive an Arduino Portenta X8 from a workstation.
//!
//! The library does the work and reports typed events and results; only the binary's
//! `cli` module prints, draws progress or prompts.

pub mod adb;
pub mod board;
pub mod cache;
pub mod cli;
pub mod config;
pub mod deploy;
pub mod doctor;
pub mod firmware;
pub mod flash;
#[doc(hidden)]
pub mod fuzzing;
pub mod rpc;
/// The virtual X8 keeps the board's files with Unix modes, owners and symlinks in a sandbox
/// folder, so it is built on Unix-like systems (Linux, macOS; on Windows, under WSL).
#[cfg(unix)]
pub mod sim;
