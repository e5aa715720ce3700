//! The board's shell: a small POSIX-ish interpreter (quoting, `;` `&&` `||` `|`,
//! redirections, `$?`, variables) and the board's commands.
//!
//! CONTRACT between the interpreter (`shell/`) and the service commands (`sim::services`):
//! a command is a [`Builtin`]; `sim::services::lookup` supplies systemctl, journalctl,
//! docker, program.sh and friends; the interpreter supplies the rest.

use std::collections::BTreeMap;

use super::board::{Board, ShellIo};
use super::vfs::User;

/// The state a command runs with.
pub struct Ctx<'a> {
    pub board: &'a Board,
    /// fio for adb; root under sudo.
    pub user: User,
    /// The working directory, an absolute board path.
    pub cwd: String,
    /// Exported environment variables.
    pub env: BTreeMap<String, String>,
}

/// A command: arguments without the command name (`args[0]` is the first argument),
/// returns the exit status.
pub type Builtin = fn(&mut Ctx, &[String], &mut ShellIo) -> i32;
