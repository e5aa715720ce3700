//! `x8ctl shell [CMD...]`: run a command on the board with its exit status, or open an
//! interactive shell.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use clap::Args;

use x8ctl_core::board::quote::quote_words;
use x8ctl_core::board::transfer::hex;

use super::target::{TargetArgs, board_error, open_board};
use super::{CliError, Ctx, SCHEMA_VERSION};

/// Run a command on the board, or open an interactive shell.
///
/// With one argument, it is a command line for the board's shell (pipes, `;` and `$VAR`
/// work): `x8ctl shell 'docker ps | grep rpc'`. With several, each argument is one word,
/// passed literally: `x8ctl shell ls -l 'my file;$(x)'`. x8ctl exits with the command's
/// exit status, and prints exactly the bytes it wrote (stderr mixed in, as the X8's adbd
/// gives it). Piped input is read to its end and handed to the command, end included; from
/// a terminal, or with -n, the command's input is /dev/null. Without CMD, an interactive
/// shell opens (Ctrl-D or `exit` leaves).
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
    let (session, board) = open_board(ctx, target)?;
    if args.cmd.is_empty() {
        if ctx.json {
            return Err(CliError::usage(
                "an interactive shell has no --json form; give a command",
            ));
        }
        return interactive(&session, &board);
    }
    let cmd = command_line(&args.cmd);
    let timeout = args.timeout.map(Duration::from_secs);
    let input = if args.no_stdin { None } else { read_input()? };
    let run = |out: &mut dyn Write, err: &mut dyn Write| {
        if args.root {
            board.run_root_with_input(&cmd, input.as_deref(), out, err, timeout, "the command")
        } else {
            board.run_with_input(&cmd, input.as_deref(), out, err, timeout, "the command")
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
        let text = |b: &[u8]| match std::str::from_utf8(b) {
            Ok(s) => serde_json::json!(s),
            Err(_) => serde_json::json!({ "hex": hex(b) }),
        };
        let doc = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "exit_status": out.status,
            "stdout": text(&out.stdout),
            "stderr": text(&out.stderr),
            "stderr_merged": !board.has_shell_v2(),
        });
        let _ = writeln!(std::io::stdout().lock(), "{doc}");
        return Ok(clamp_status(out.status));
    }
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    let status = run(&mut stdout, &mut stderr).map_err(board_error)?;
    let _ = stdout.flush();
    // A docker command that failed because the adb shell has no docker group (REB 1.5):
    // say how to run it.
    if status != 0
        && !args.root
        && cmd.contains("docker")
        && board.docker_needs_sudo().unwrap_or(false)
    {
        ctx.status(&format!(
            "{} over adb fio is not in the docker group: run docker as root, `x8ctl shell --root ...`",
            super::style::Paint::stderr().hint("hint:")
        ));
    }
    Ok(clamp_status(status))
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

/// An interactive session: through the adb server, the user's own `adb shell` (it handles
/// the terminal best); direct, a raw-terminal pump of our own.
fn interactive(
    session: &x8ctl_core::board::connect::Session,
    board: &x8ctl_core::board::Board,
) -> Result<u8, CliError> {
    if let Some(server) = session.server()
        && let Some(adb) = &server.adb_path
    {
        {
            let status = std::process::Command::new(adb)
                .arg("-P")
                .arg(server.addr.port().to_string())
                .arg("-s")
                .arg(board.serial())
                .arg("shell")
                .status()
                .map_err(|e| CliError::failure(format!("cannot run {}: {e}", adb.display()), ""))?;
            return Ok(clamp_status(status.code().unwrap_or(1)));
        }
    }
    let stream = board.transport().open("shell:").map_err(board_error)?;
    let mut reader = stream
        .try_clone_duplex()
        .map_err(|e| CliError::failure(e.to_string(), ""))?;
    reader.set_read_timeout_to(None);
    let out = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut stdout = std::io::stdout();
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let _ = stdout.write_all(&buf[..n]);
            let _ = stdout.flush();
        }
    });
    let mut writer = stream;
    if std::io::stdin().is_terminal() {
        let term = console::Term::stdout();
        loop {
            if out.is_finished() {
                break;
            }
            let bytes: Vec<u8> = match term.read_key() {
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
    } else {
        let mut buf = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || writer.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = writer.write_all(&[4]);
    }
    let _ = out.join();
    Ok(0)
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
