//! x8ctl's product library: drive an Arduino Portenta X8 from a workstation.
//!
//! It does the work and reports typed events and results; only the binary (the `x8ctl`
//! package's `cli`) prints, draws progress or prompts. It speaks ADB through the
//! `adb-wire` crate and knows nothing of the virtual X8 (`virtual-x8`): a virtual board is
//! reached like any other, over direct ADB at an address.

pub mod board;
pub mod cache;
pub mod config;
pub mod deploy;
pub mod doctor;
pub mod firmware;
pub mod flash;
#[doc(hidden)]
pub mod fuzzing;
pub mod host;
pub mod process;
pub mod rpc;

/// Every error of this crate is a [`miette::Diagnostic`]: a stable code (`x8ctl::<area>::<name>`)
/// and a help next to its message. Re-exported so that callers need no miette of their own.
pub use miette::Diagnostic;

/// An error's help (what to do next), or "" when it has none.
pub fn help_of(e: &dyn Diagnostic) -> String {
    e.help().map(|h| h.to_string()).unwrap_or_default()
}

/// An error's stable code (`x8ctl::board::no_board`, ...), when it has one.
pub fn code_of(e: &dyn Diagnostic) -> Option<String> {
    e.code().map(|c| c.to_string())
}

/// For the tests of each error enum: every one of `errors` (one of each variant) has a
/// code under `x8ctl::<area>::` and a help that is not empty.
#[cfg(test)]
pub(crate) fn assert_diagnostics(area: &str, errors: &[&dyn Diagnostic]) {
    for e in errors {
        let code = code_of(*e).unwrap_or_else(|| panic!("{e}: no code"));
        assert!(
            code.starts_with(&format!("x8ctl::{area}::")),
            "{e}: code {code} is not under x8ctl::{area}"
        );
        let help = help_of(*e);
        assert!(!help.trim().is_empty(), "{e} ({code}): no help");
    }
}
