//! The board's shell: a small POSIX-ish interpreter with bash's behaviour and wording, and
//! the board's commands.
//!
//! CONTRACT between the interpreter (`shell/`) and the service commands (`sim::services`):
//! a command is a [`Builtin`]; `sim::services::lookup` supplies systemctl, journalctl,
//! docker, program.sh and friends; the interpreter supplies the rest.
//!
//! The language: words with '...', "..." (with `$VAR` `${VAR}` `$?` `$(...)` and
//! backslashes), `$'...'`, `$(...)` and backquotes, `$((...))` (bash's operators, hex and
//! octal), `${x:-w}` `${x:=w}` `${x:+w}` `${x:?w}` `${#x}` `${x#p}` `${x%p}` (and `##` `%%`),
//! `~`, globbing, brace expansion, field splitting; `;` `&&` `||` `|` `!`; redirections
//! `>` `>>` `<` `2>` `2>&1` `>&2` `&>` `&>>` `<<<` and here-documents (`<<EOF`, `<<'EOF'`,
//! `<<-EOF`), `/dev/null`; `VAR=x` and `VAR=x cmd`; `{ ...; }`, `( ... )`, `if`, `for`,
//! `while`/`until`, `case`, functions (`f() { ...; }`, `function f`), `break`, `continue`,
//! `return`, `exit`, `set -e`, `eval`, `.`/`source`, `read`, `export`, `unset`, `local`,
//! `shift`, `command`, `type`, comments. Pipelines run their stages one after the other
//! (each stage's output is buffered; the last stage streams to the real stdout).
//!
//! Command lookup: functions, the shell's builtins, then the services' commands (only on a
//! board that runs its services), then the board commands of `cmds` (bare names or under
//! /bin, /usr/bin, /sbin, /usr/sbin), then executable shell scripts of the sandbox. A path
//! (`/usr/arduino/extra/program.sh`) is first checked in the sandbox: a file that `user`
//! may not execute gives `Permission denied` (126) before any service command runs.
//!
//! Errors read like bash's (`/bin/bash: line 1: foo: command not found`, 127) and
//! coreutils' (`cat: x: No such file or directory`). A write error on stdout means the host
//! closed the stream: the running command sees the error, and the shell stops.
//!
//! Useful for service commands: [`Ctx::path`] (a board path from an argument),
//! [`Ctx::fork`], [`run_in`] (run a shell command line as the command's user, e.g. a
//! script), [`write_out`], [`read_line`], [`home_of`].

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use super::board::{Board, ShellIo};
use super::vfs::User;

mod arith;
mod cmds;
pub(crate) mod exec;
mod fileutil;
/// Seconds since the epoch broken down in UTC (jiff), for everything on the board that
/// prints dates.
pub(crate) use fileutil::{WEEKDAYS, tm};
pub(crate) mod glob;
pub mod parse;
mod pty;
pub(crate) mod regex;
#[cfg(test)]
mod regex_differential;
mod sed;
mod sudo;
mod text;
pub mod tty;

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

/// Stub executables for the shell's commands (`/usr/bin/ls`, `/bin/sh`...), so that
/// `ls -l /usr/bin/sudo` and `test -x /bin/bash` see files. Running one runs the command.
pub(crate) fn install_command_stubs(vfs: &super::vfs::Vfs) -> Result<(), super::vfs::FsError> {
    for name in cmds::COMMANDS {
        let path = cmds::command_path(name);
        if vfs.exists(&path) {
            continue;
        }
        vfs.write_system_file(&path, b"\x7fELF\x02\x01\x01\0")?;
        vfs.set_system_mode(&path, 0o755)?;
    }
    Ok(())
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

/// `/bin/bash -c CMD` as fio in /home/fio, with fio's login environment.
pub fn run_command(board: &Board, cmd: &str, io: &mut ShellIo) -> i32 {
    exec::reset_budget();
    let mut sh = Shell::new(Ctx::new(board, User::Fio), "/bin/bash", false);
    sh.run_script(cmd, io)
}

/// How adbd starts its child: what differs from fio's login shell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdbChild {
    /// stdin and stdout are the pseudo-terminal (`shell:` on the X8): pagers wait for
    /// RETURN (REB 1.2).
    pub tty: bool,
    /// The X8 adbd's process environment (REB 1.5; upstream adb/adb.c adb_main:
    /// `umask(000)`, `setgroups()` with the Android ids 1003, 1004, 1007, 1011, 1015,
    /// 1028, 3001, 3002, 3003, 3006 before setgid/setuid(1000), so fio is in neither
    /// `docker` nor `sudo`; the unit has no `User=`, so no HOME, USER or SHELL; TERM
    /// unset; cwd /home/fio).
    pub android_ids: bool,
}

thread_local! {
    static ADB_CHILD: std::cell::Cell<AdbChild> = const {
        std::cell::Cell::new(AdbChild { tty: false, android_ids: false })
    };
    static UMASK: std::cell::Cell<u32> = const { std::cell::Cell::new(0o022) };
}

/// The adbd child this thread's shell runs as.
pub fn adb_child() -> AdbChild {
    ADB_CHILD.with(|c| c.get())
}

/// The shell's umask (000 under the X8's adbd, 022 otherwise).
pub fn umask() -> u32 {
    UMASK.with(|u| u.get())
}

pub(crate) fn set_umask(m: u32) {
    UMASK.with(|u| u.set(m & 0o777));
}

/// Whether a command run by `user` has fio's supplementary groups (docker, sudo): not
/// under the X8's adbd, whose setgroups() replaced them (REB 1.5).
pub fn has_login_groups(user: User) -> bool {
    user == User::Root || !adb_child().android_ids
}

/// Whether a command's output goes to the pseudo-terminal of `shell:CMD` (then systemctl,
/// journalctl and less page and wait for RETURN).
pub fn stdout_is_tty() -> bool {
    adb_child().tty
}

fn with_adb_child<R>(child: AdbChild, f: impl FnOnce() -> R) -> R {
    let old = ADB_CHILD.with(|c| c.replace(child));
    let old_mask = umask();
    set_umask(if child.android_ids { 0 } else { 0o022 });
    let r = f();
    ADB_CHILD.with(|c| c.set(old));
    set_umask(old_mask);
    r
}

fn adb_ctx(board: &Board, child: AdbChild) -> Ctx<'_> {
    let mut ctx = Ctx::new(board, User::Fio);
    if child.android_ids {
        for k in ["HOME", "USER", "LOGNAME", "SHELL"] {
            ctx.env.remove(k);
        }
    }
    ctx
}

/// `shell:CMD` / `exec:CMD`: `/bin/bash -c CMD` as adbd starts it (see [`AdbChild`]).
pub fn run_adb_command(board: &Board, cmd: &str, io: &mut ShellIo, child: AdbChild) -> i32 {
    with_adb_child(child, || {
        exec::reset_budget();
        let mut sh = Shell::new(adb_ctx(board, child), "/bin/bash", false);
        sh.run_script(cmd, io)
    })
}

/// `shell:` with no command, as adbd starts it.
pub fn interactive_adb(board: &Board, io: &mut ShellIo, child: AdbChild) -> i32 {
    with_adb_child(AdbChild { tty: true, ..child }, || {
        session(adb_ctx(board, child), io)
    })
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

/// `shell:` with no command: an interactive bash on the board's pseudo-terminal. It shows
/// `fio@<hostname>:~$ `, echoes what is typed (with backspace, ^C, ^U, ^D), runs each
/// line, and ends on `exit` or at the end of the input. As on a PTY, output lines end in
/// CR LF and a typed CR ends the line.
pub fn interactive(board: &Board, io: &mut ShellIo) -> i32 {
    session(Ctx::new(board, User::Fio), io)
}

thread_local! {
    static ON_TTY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static ECHOED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with stdin behind `shell:CMD`'s line discipline ([`tty::line_discipline`]),
/// which already echoes what is typed. An interactive bash there (readline) would turn the
/// terminal's echo off and echo itself; the sim's line discipline does not model termios
/// changes, so the session does not echo a second time instead: one echo, as on the board.
pub fn with_echoing_tty<R>(f: impl FnOnce() -> R) -> R {
    let old = ECHOED.with(|e| e.replace(true));
    let r = f();
    ECHOED.with(|e| e.set(old));
    r
}

/// Whether the running command belongs to an interactive session (its stdin is the PTY):
/// `sudo -i` / `sudo -s` then open a nested interactive root shell.
/// `shell:CMD` on the X8 runs CMD on the PTY too (REB 1.2), so there as well.
pub fn on_tty() -> bool {
    ON_TTY.with(|t| t.get()) || adb_child().tty
}

/// An interactive session for `ctx` (prompt `user@host:dir$ ` or `#` for root).
pub(crate) fn session(ctx: Ctx, io: &mut ShellIo) -> i32 {
    let board = ctx.board;
    let user = ctx.user;
    let mut sh = Shell::new(ctx, "-bash", true);
    let host = board.hostname();
    let home = home_of(user);
    let mut pending = String::new();
    let mut stdin = pty::Icrnl(&mut *io.stdin);
    let mut err = pty::Onlcr::new(&mut *io.stderr);
    let was_tty = ON_TTY.with(|t| t.replace(true));
    let code = loop {
        let cwd = sh.ctx.cwd.clone();
        let shown = if cwd == home {
            "~".to_string()
        } else if let Some(rest) = cwd.strip_prefix(&format!("{home}/")) {
            format!("~/{rest}")
        } else {
            cwd
        };
        let sigil = if user == User::Root { '#' } else { '$' };
        let prompt = if pending.is_empty() {
            format!("{}@{host}:{shown}{sigil} ", user.name())
        } else {
            "> ".to_string()
        };
        if !write_out(io.stdout, &prompt) || io.stdout.flush().is_err() {
            break 1;
        }
        let mut no_echo = io::sink();
        let echo: &mut dyn Write = if ECHOED.with(|e| e.get()) {
            &mut no_echo
        } else {
            &mut *io.stdout
        };
        let line = match pty::read_line(&mut stdin, echo) {
            Ok(pty::Line::Text(l)) => l,
            Ok(pty::Line::Interrupt) => {
                pending.clear();
                continue;
            }
            Ok(pty::Line::Eof) => {
                let _ = write_out(io.stdout, "exit\r\n");
                break sh.last_status();
            }
            Err(_) => break 1,
        };
        pending.push_str(&line);
        pending.push('\n');
        if exec::needs_more(&pending) {
            continue;
        }
        let text = std::mem::take(&mut pending);
        exec::reset_budget();
        {
            let mut out = pty::Onlcr::new(&mut *io.stdout);
            let mut tio = ShellIo {
                stdin: &mut stdin,
                stdout: &mut out,
                stderr: &mut err,
            };
            sh.run_script(&text, &mut tio);
        }
        if let Some(code) = sh.exit_code() {
            break code;
        }
        if sh.is_broken() {
            break 1;
        }
    };
    ON_TTY.with(|t| t.set(was_tty));
    code
}

#[cfg(test)]
mod tests;
