//! x8ctl: drive an Arduino Portenta X8 from a workstation.
//!
//! The library does the work and reports typed events and results; only the binary's
//! `cli` module prints, draws progress or prompts.

pub mod adb;
pub mod board;
pub mod cli;
pub mod deploy;
pub mod doctor;
pub mod firmware;
pub mod rpc;
pub mod sim;
