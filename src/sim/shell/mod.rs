//! The board's shell: a small POSIX-ish interpreter (quoting, `;` `&&` `||` `|`,
//! redirections, `$?`, variables) and the board's commands.
//!
//! CONTRACT between the interpreter (`shell/`) and the service commands (`sim::services`):
//! a command is a [`Builtin`]; `sim::services::lookup` supplies systemctl, journalctl,
//! docker, program.sh and friends; the interpreter supplies the rest.
//!
//! Useful for service commands: [`Ctx::path`] (a board path from an argument),
//! [`run_in`] (run a shell command line from a command, e.g. a script), [`write_out`].

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use super::board::{Board, ShellIo};
use super::vfs::User;

mod arith;
mod cmds;
mod exec;
mod fileutil;
mod glob;
pub mod parse;
mod regex;
mod sudo;
mod text;

pub use exec::Shell;

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

/// The PATH of fio's and root's shells on the X8.
pub const PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

impl<'a> Ctx<'a> {
    /// A fresh context: `user` in its home directory with its login environment.
    pub fn new(board: &'a Board, user: User) -> Ctx<'a> {
        let home = home_of(user);
        let mut env = BTreeMap::new();
        env.insert("HOME".into(), home.clone());
        env.insert("USER".into(), user.name().into());
        env.insert("LOGNAME".into(), user.name().into());
        env.insert("SHELL".into(), "/bin/bash".into());
        env.insert("PATH".into(), PATH.into());
        env.insert("PWD".into(), home.clone());
        env.insert("LANG".into(), "C.UTF-8".into());
        Ctx {
            board,
            user,
            cwd: home,
            env,
        }
    }

    /// A copy (for child processes: `sh -c`, `sudo`, `xargs`).
    pub fn fork(&self) -> Ctx<'a> {
        Ctx {
            board: self.board,
            user: self.user,
            cwd: self.cwd.clone(),
            env: self.env.clone(),
        }
    }

    /// The absolute board path for a command argument (relative to the working directory).
    pub fn path(&self, arg: &str) -> String {
        super::vfs::join_path(&self.cwd, arg)
    }
}

/// Home directory of a user on the X8.
pub fn home_of(user: User) -> String {
    match user {
        User::Fio => "/home/fio".into(),
        User::Root => "/home/root".into(),
    }
}

/// Write text to a stream; false when the stream is closed (the command should stop).
pub fn write_out(w: &mut dyn Write, s: &str) -> bool {
    w.write_all(s.as_bytes()).is_ok()
}

/// Run a command line (bash syntax) in a child shell with `ctx`'s user, directory and
/// environment, e.g. for a service command that runs a script. Returns the exit status.
pub fn run_in(ctx: &mut Ctx, script: &str, io: &mut ShellIo) -> i32 {
    let mut sh = Shell::new(ctx.fork(), "bash", false);
    sh.run_script(script, io)
}

/// `shell:<cmd>`: `/bin/bash -c CMD` as fio in /home/fio.
pub fn run_command(board: &Board, cmd: &str, io: &mut ShellIo) -> i32 {
    let mut sh = Shell::new(Ctx::new(board, User::Fio), "/bin/bash", false);
    sh.run_script(cmd, io)
}

/// Read one line (without the newline) byte by byte, so that nothing after it is consumed.
/// None at EOF with nothing read.
pub fn read_line(r: &mut dyn Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) => break,
            Ok(_) => {
                if b[0] == b'\n' {
                    return Some(String::from_utf8_lossy(&buf).into_owned());
                }
                buf.push(b[0]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    if buf.is_empty() {
        None
    } else {
        Some(String::from_utf8_lossy(&buf).into_owned())
    }
}

/// `shell:` with no command: a prompt, lines from stdin, `exit` or EOF ends.
pub fn interactive(board: &Board, io: &mut ShellIo) -> i32 {
    let mut sh = Shell::new(Ctx::new(board, User::Fio), "-bash", true);
    let host = board.hostname();
    let mut pending = String::new();
    loop {
        let cwd = sh.ctx.cwd.clone();
        let shown = if cwd == "/home/fio" {
            "~".to_string()
        } else if let Some(rest) = cwd.strip_prefix("/home/fio/") {
            format!("~/{rest}")
        } else {
            cwd
        };
        let sigil = if sh.ctx.user == User::Root { '#' } else { '$' };
        let prompt = if pending.is_empty() {
            format!("fio@{host}:{shown}{sigil} ")
        } else {
            "> ".to_string()
        };
        if !write_out(io.stdout, &prompt) || io.stdout.flush().is_err() {
            return 1;
        }
        let Some(line) = read_line(io.stdin) else {
            let _ = write_out(io.stdout, "logout\n");
            return sh.last_status();
        };
        pending.push_str(line.trim_end_matches('\r'));
        pending.push('\n');
        if exec::needs_more(&pending) {
            continue;
        }
        let text = std::mem::take(&mut pending);
        sh.run_script(&text, io);
        if let Some(code) = sh.exit_code() {
            return code;
        }
        if sh.is_broken() {
            return 1;
        }
    }
}

#[cfg(test)]
mod tests;
