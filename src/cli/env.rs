//! The environment variables the command line reads, by name, in one place.

/// fio's sudo password on the board.
pub const SUDO_PASSWORD: &str = "X8CTL_SUDO_PASSWORD";
/// `NO_COLOR` (<https://no-color.org>): set and not empty, no colour.
pub const NO_COLOR: &str = "NO_COLOR";
