//! The `x8ctl` command line: clap definitions, rendering (human text or `--json`), progress
//! bars and prompts. The work is done by the product library, `x8ctl-core`; the virtual X8
//! (`virtual-x8`) is wired in behind the default `sim` feature.

pub mod cli;
