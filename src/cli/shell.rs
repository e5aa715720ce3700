//! `x8ctl shell [CMD...]`: run a command on the board with its exit status, or open an
//! interactive shell.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use clap::Args;

use x8ctl_core::board::cmd::Cmd;
use x8ctl_core::board::quote::quote_words;
use x8ctl_core::board::transfer::hex;
use x8ctl_core::board::{Job, Streams};

use super::target::{TargetArgs, board_error, open_board};
use super::{CliError, Ctx};

/// Run a command on the board, or open an interactive shell.
///
/// With one argument, it is a command line for the board's shell (pipes, `;` and `$VAR`
/// work): `x8ctl shell 'docker ps | grep rpc'`. With several, each argument is one word,
/// passed literally: `x8ctl shell ls -l 'my file;$(x)'`. x8ctl exits with the command's
/// exit status, and prints exactly the bytes it wrote (stderr mixed in, as the X8's adbd
/// gives it). Piped input is read to its end and handed to the command, end included; from
/// a terminal, or with -n, the command's input is /dev/null. Without CMD, an interactive
/// shell opens (Ctrl-D or `exit` leaves; x8ctl exits with the shell's status; with --root
/// it is root's login shell, `sudo -i`).
#[derive(Debug, Args)]
pub struct ShellArgs {
    /// The command (see above).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub cmd: Vec<String>,
    /// Run as root (sudo, with the password found as `x8ctl doctor` does).
    #[arg(long)]
    pub root: bool,
    /// Give up after this many seconds without output.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Do not read standard input: the command's is /dev/null (as `adb shell -n`). Without
    /// it, piped input is read to its end and handed to the command.
    #[arg(short = 'n', long = "no-stdin")]
    pub no_stdin: bool,
}

/// The command line sent to the board for `args`.
pub fn command_line(args: &[String]) -> String {
    match args {
        [one] => one.clone(),
        many => quote_words(many),
    }
}

pub fn run(ctx: &Ctx, target: &TargetArgs, args: ShellArgs) -> Result<u8, CliError> {
    let (_session, board) = open_board(ctx, target)?;
    if args.cmd.is_empty() {
        if ctx.json {
            return Err(CliError::usage(
                "an interactive shell has no --json form; give a command",
            ));
        }
        return interactive(ctx, &board, args.root);
    }
    let cmd = Cmd::typed(command_line(&args.cmd));
    let timeout = args.timeout.map(Duration::from_secs);
    let input = if args.no_stdin { None } else { read_input()? };
    let run = |out: &mut dyn Write, err: &mut dyn Write| {
        let job = Job::new(&cmd, "the command", timeout).with_input(input.as_deref());
        if args.root {
            board.run_root_streaming(job, Streams::new(out, err))
        } else {
            board.run_streaming(job, Streams::new(out, err))
        }
    };
    if ctx.json {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let status = run(&mut out, &mut err).map_err(board_error)?;
        let out = x8ctl_core::board::Output {
            stdout: out,
            stderr: err,
            status,
        };
        let code = clamp_status(out.status);
        let doc = ShellDoc {
            exit_status: out.status,
            stdout: Text::of(&out.stdout),
            stderr: Text::of(&out.stderr),
            stderr_merged: !board.has_shell_v2(),
        };
        ctx.print_json(code == 0, doc);
        return Ok(code);
    }
    let status = {
        let (mut stdout, mut stderr) = (ctx.output.out(), ctx.output.err());
        let status = run(&mut stdout, &mut stderr).map_err(board_error)?;
        let _ = stdout.flush();
        status
    };
    // A docker command that failed because the adb shell has no docker group (REB 1.5):
    // say how to run it.
    if status != 0
        && !args.root
        && cmd.as_str().contains("docker")
        && board.docker_needs_sudo().unwrap_or(false)
    {
        ctx.status(&format!(
            "{} over adb fio is not in the docker group: run docker as root, `x8ctl shell --root ...`",
            ctx.hint_label()
        ));
    }
    Ok(clamp_status(status))
}

/// `shell --json CMD`: the command's exit status and output.
#[derive(serde::Serialize)]
struct ShellDoc {
    exit_status: i32,
    stdout: Text,
    stderr: Text,
    /// The X8's adbd has no shell_v2: stderr came mixed into stdout.
    stderr_merged: bool,
}

/// Output bytes: a string when they are UTF-8, else `{"hex": ...}`.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Text {
    Utf8(String),
    Bytes { hex: String },
}

impl Text {
    fn of(b: &[u8]) -> Text {
        match std::str::from_utf8(b) {
            Ok(s) => Text::Utf8(s.to_string()),
            Err(_) => Text::Bytes { hex: hex(b) },
        }
    }
}

/// What the user piped in, for the command's stdin: nothing from a terminal (the command
/// gets `</dev/null` and never waits for input), else all of it up to its end (then the
/// command sees exactly those bytes and their end).
fn read_input() -> Result<Option<Vec<u8>>, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut data = Vec::new();
    stdin
        .lock()
        .read_to_end(&mut data)
        .map_err(|e| CliError::failure(format!("reading standard input: {e}"), ""))?;
    Ok((!data.is_empty()).then_some(data))
}

fn clamp_status(status: i32) -> u8 {
    u8::try_from(status.clamp(0, 255)).unwrap_or(1)
}

/// An interactive session, on the board's pseudo-terminal (`shell:CMD`), through either
/// transport. With `root`, the shell is `sudo -i`, given fio's password the way x8ctl
/// found it works (typed at sudo's own prompt, which x8ctl recognises by a unique text).
///
/// The exit status: the X8's adbd has no shell_v2 (real-board-evidence.md §1.2), so a
/// `shell:` stream ends without one, and `adb shell` exits 0 whatever the shell did. The
/// command line that runs the shell therefore writes `$?` to a file of its own in /tmp,
/// which x8ctl reads (and removes) once the stream ends. For the same reason x8ctl no longer
/// hands the session to the user's `adb shell` through the adb server. When the connection
/// drops before the shell ended, the status is lost: x8ctl says so and exits 1.
fn interactive(ctx: &Ctx, board: &x8ctl_core::board::Board, root: bool) -> Result<u8, CliError> {
    use x8ctl_core::board::SudoAuth;
    use x8ctl_core::board::quote::{new_nonce, quote};
    let nonce = new_nonce();
    let status_file = format!("/tmp/.x8ctl-shell-status-{nonce}");
    let prompt = format!("x8ctl-sudo-{nonce}:");
    let (shell, password) = if root {
        match board.sudo_auth().map_err(board_error)? {
            SudoAuth::NoPassword => ("sudo -i".to_string(), None),
            SudoAuth::Password { secret, .. } => (
                format!("sudo -S -p {} -i", quote(&prompt)),
                Some(secret.expose().to_string()),
            ),
        }
    } else {
        ("bash -l".to_string(), None)
    };
    let cmd = format!("{shell}; echo $? > {}", quote(&status_file));
    let stream = board
        .transport()
        .open(&format!("shell:{cmd}"))
        .map_err(board_error)?;
    let mut reader = stream
        .try_clone_duplex()
        .map_err(|e| CliError::failure(e.to_string(), ""))?;
    let mut writer = stream;
    let mut early = Vec::new();
    if let Some(pw) = password {
        early = type_password(&mut *reader, &mut *writer, &prompt, &pw)?;
    }
    reader.set_read_timeout_to(None);
    let output = ctx.output.clone();
    let out = std::thread::spawn(move || {
        let show = |bytes: &[u8]| {
            let mut stdout = output.out();
            let _ = stdout.write_all(bytes);
            let _ = stdout.flush();
        };
        show(&early);
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            show(&buf[..n]);
        }
    });
    let raw = if std::io::stdin().is_terminal() {
        RawTerminal::enter()
    } else {
        None
    };
    if raw.is_some() {
        // The terminal is raw, as under `adb shell`: every key (Ctrl-C, Ctrl-D, arrows)
        // goes to the board's terminal as its bytes, and the board echoes. stdin is read on
        // a thread of its own: the session ends when the board's side does.
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 || writer.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let _ = out.join();
        drop(raw);
    } else if std::io::stdin().is_terminal() {
        // No stty (Windows): key by key.
        let term = console::Term::stdout();
        loop {
            if out.is_finished() {
                break;
            }
            let bytes: Vec<u8> = match term.read_key_raw() {
                Ok(console::Key::CtrlC) => vec![0x03],
                Ok(console::Key::Escape) => vec![0x1b],
                Ok(console::Key::Del) => b"\x1b[3~".to_vec(),
                Ok(console::Key::Home) => b"\x1b[H".to_vec(),
                Ok(console::Key::End) => b"\x1b[F".to_vec(),
                Ok(console::Key::Enter) => b"\r".to_vec(),
                Ok(console::Key::Backspace) => vec![0x7f],
                Ok(console::Key::Tab) => b"\t".to_vec(),
                Ok(console::Key::Char(c)) => c.to_string().into_bytes(),
                Ok(console::Key::ArrowUp) => b"\x1b[A".to_vec(),
                Ok(console::Key::ArrowDown) => b"\x1b[B".to_vec(),
                Ok(console::Key::ArrowRight) => b"\x1b[C".to_vec(),
                Ok(console::Key::ArrowLeft) => b"\x1b[D".to_vec(),
                Ok(_) => continue,
                Err(_) => break,
            };
            if writer.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = out.join();
    } else {
        let mut buf = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || writer.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = writer.write_all(&[4]);
        let _ = out.join();
    }
    // The shell's status, from the file its command line wrote.
    let read_and_remove = Cmd::new("cat")
        .arg(&status_file)
        .no_stderr()
        .then(Cmd::new("rm").arg("-f").arg(&status_file));
    let read = board.run(&read_and_remove, Some(Duration::from_secs(20)));
    match read.map(|o| o.stdout_text().trim().parse::<i32>()) {
        Ok(Ok(status)) => Ok(clamp_status(status)),
        _ => Err(CliError::failure(
            "the interactive shell's exit status was lost (the connection ended before the shell did)",
            "check the cable; run the command again with `x8ctl shell CMD` to get its status",
        )),
    }
}

/// The local terminal in raw mode (`stty raw -echo`) until dropped, then as it was
/// (`stty` with what `stty -g` saved). `None` where stty is not there or fails.
struct RawTerminal(String);

impl RawTerminal {
    fn enter() -> Option<RawTerminal> {
        let stty = |args: &[&str]| {
            std::process::Command::new("stty")
                .args(args)
                .stdin(std::process::Stdio::inherit())
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        let saved = String::from_utf8(stty(&["-g"])?.stdout).ok()?;
        let saved = saved.trim().to_string();
        stty(&["raw", "-echo"])?;
        Some(RawTerminal(saved))
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = std::process::Command::new("stty")
            .arg(&self.0)
            .stdin(std::process::Stdio::inherit())
            .status();
    }
}

/// Wait (20 s at most) for sudo's prompt `prompt` on the terminal, type `password` there,
/// and swallow its echo if the terminal gives one (sudo turns echo off while it reads, but
/// x8ctl does not rely on it). Returns what came before the prompt, to be shown.
fn type_password(
    reader: &mut dyn x8ctl_core::board::Duplex,
    writer: &mut dyn x8ctl_core::board::Duplex,
    prompt: &str,
    password: &str,
) -> Result<Vec<u8>, CliError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut got: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    let at = loop {
        if let Some(i) = got
            .windows(prompt.len())
            .position(|w| w == prompt.as_bytes())
        {
            break i;
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(CliError::failure(
                "sudo on the board did not ask for the password within 20 s",
                "check sudo with `x8ctl doctor`",
            ));
        }
        reader.set_read_timeout_to(Some(left));
        match reader.read(&mut buf) {
            Ok(0) => {
                return Err(CliError::failure(
                    "the board closed the shell before sudo asked for the password",
                    "check sudo with `x8ctl doctor`",
                ));
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(CliError::failure(
                    format!("waiting for sudo's password prompt: {e}"),
                    "check the cable and run again",
                ));
            }
        }
    };
    let mut shown = got[..at].to_vec();
    let mut rest = got[at + prompt.len()..].to_vec();
    writer
        .write_all(format!("{password}\n").as_bytes())
        .map_err(|e| CliError::failure(format!("typing the password: {e}"), ""))?;
    // A terminal that echoes sends the password back: do not show it.
    let echo = password.as_bytes();
    let until = std::time::Instant::now() + Duration::from_millis(700);
    while rest.len() < echo.len() && echo.starts_with(&rest) {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        reader.set_read_timeout_to(Some(left));
        match reader.read(&mut buf) {
            Ok(n) if n > 0 => rest.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    if !echo.is_empty() && rest.starts_with(echo) {
        rest.drain(..echo.len());
    }
    shown.extend_from_slice(&rest);
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_argument_is_a_command_line_several_are_words() {
        assert_eq!(command_line(&["ls | wc -l".into()]), "ls | wc -l");
        assert_eq!(
            command_line(&["ls".into(), "a b;$(reboot)".into()]),
            "ls 'a b;$(reboot)'"
        );
    }
}
