//! The transport flags every board command shares, and turning them into a board.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use x8ctl_core::board::connect::{ConnectOptions, Session};
use x8ctl_core::board::quote::Secret;
use x8ctl_core::board::select::{Choice, DeviceEntry};
use x8ctl_core::board::{Board, BoardError, ConfiguredPassword};

use super::{CliError, Ctx, env, exit};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Board selection")]
pub struct TargetArgs {
    /// The board's serial (as `x8ctl devices` shows it); default: the only X8 attached.
    #[arg(
        short = 's',
        long,
        global = true,
        env = env::ANDROID_SERIAL,
        value_name = "SERIAL",
    )]
    pub serial: Option<String>,
    /// The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE's).
    #[arg(
        long,
        global = true,
        env = env::ADB,
        value_name = "PATH",
    )]
    pub adb: Option<PathBuf>,
    /// The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037).
    #[arg(
        long,
        global = true,
        env = env::ADB_SERVER,
        value_name = "HOST:PORT",
    )]
    pub adb_server: Option<String>,
    /// Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server.
    #[arg(
        long,
        global = true,
        value_name = "HOST:PORT",
        conflicts_with = "virtual_board"
    )]
    pub connect: Option<String>,
    /// Use a virtual X8 started inside x8ctl (for trying x8ctl without a board).
    #[arg(long = "virtual", global = true)]
    pub virtual_board: bool,
}

impl TargetArgs {
    /// Fill what neither a flag nor the environment gave from the config file.
    pub fn with_file_defaults(mut self, file: &x8ctl_core::config::FileSettings) -> TargetArgs {
        self.serial = self.serial.or_else(|| file.serial.clone());
        self.adb = self.adb.or_else(|| file.adb.clone());
        self.adb_server = self.adb_server.or_else(|| file.adb_server.clone());
        self
    }

    /// The connection options; with `--virtual`, a virtual X8 is started here in this
    /// process and handed to the library as a direct target.
    pub fn options(&self) -> Result<ConnectOptions, CliError> {
        let virtual_board = if self.virtual_board {
            Some(start_virtual_board()?)
        } else {
            None
        };
        Ok(ConnectOptions {
            adb: self.adb.clone(),
            adb_server: self.adb_server.clone(),
            connect: self.connect.clone(),
            virtual_board,
            serial: self.serial.clone(),
        })
    }
}

/// Start an in-process virtual X8 for `--virtual`.
#[cfg(feature = "sim")]
fn start_virtual_board() -> Result<x8ctl_core::board::connect::VirtualBoard, CliError> {
    let sim = virtual_x8::Sim::start(virtual_x8::SimConfig::default()).map_err(|e| {
        board_error(BoardError::Local(format!(
            "cannot start the virtual X8: {e}"
        )))
    })?;
    Ok(x8ctl_core::board::connect::VirtualBoard {
        addr: sim.addr().to_string(),
        guard: std::sync::Arc::new(std::sync::Mutex::new(sim)),
    })
}

#[cfg(not(feature = "sim"))]
fn start_virtual_board() -> Result<x8ctl_core::board::connect::VirtualBoard, CliError> {
    Err(board_error(BoardError::Local(
        "this x8ctl was built without the virtual X8 (the `sim` feature); connect a board instead"
            .into(),
    )))
}

/// Map a board error to what the user sees and the exit code.
pub fn board_error(e: BoardError) -> CliError {
    let code = match &e {
        BoardError::NoAdb { .. }
        | BoardError::NoBoard { .. }
        | BoardError::NoSuchSerial { .. }
        | BoardError::Connect { .. }
        | BoardError::Server(_) => exit::NO_BOARD,
        BoardError::Unusable { .. }
        | BoardError::DirectAuth { .. }
        | BoardError::Busy { .. }
        | BoardError::Locked { .. } => exit::BOARD_UNUSABLE,
        BoardError::Ambiguous { .. } => exit::USAGE,
        // Ctrl-C ended a wait on the board (a frozen board, or a follow).
        BoardError::Abandoned { .. } | BoardError::Interrupted { .. } => exit::INTERRUPTED,
        _ => exit::FAILURE,
    };
    let err = CliError::from_diagnostic(code, &e);
    match &e {
        BoardError::NoAdb { tried } if !tried.is_empty() => {
            let message = format!("{} (looked at {})", err.message, tried.join(", "));
            err.with_message(message)
        }
        _ => err,
    }
}

/// The password the user configured for sudo: X8CTL_SUDO_PASSWORD, else the config file's
/// password command (which runs only if sudo asks for a password).
pub fn configured_password(ctx: &Ctx) -> Option<ConfiguredPassword> {
    match (
        std::env::var(env::SUDO_PASSWORD),
        ctx.sudo_password_command.clone(),
    ) {
        (Ok(pw), _) => Some(ConfiguredPassword::fixed(
            env::SUDO_PASSWORD,
            Secret::new(pw),
        )),
        // Named by its program only: its arguments may hold a secret.
        (Err(_), Some(cmd)) => Some(ConfiguredPassword {
            origin: format!(
                "sudo_password_command ({})",
                shell_words::split(&cmd)
                    .ok()
                    .and_then(|w| w.into_iter().next())
                    .unwrap_or_default()
            ),
            get: std::sync::Arc::new(move || {
                x8ctl_core::config::password_from_command(&cmd).map(Secret::new)
            }),
        }),
        (Err(_), None) => None,
    }
}

/// Connect, pick the board, and set up the sudo password prompt.
pub fn open_board(ctx: &Ctx, target: &TargetArgs) -> Result<(Session, Board), CliError> {
    let (session, board) = open_board_inner(ctx, target)?;
    let board = board.with_sudo_password(configured_password(ctx));
    Ok((session, board))
}

fn open_board_inner(ctx: &Ctx, target: &TargetArgs) -> Result<(Session, Board), CliError> {
    let session = Session::open(&target.options()?).map_err(board_error)?;
    let picker = |devs: &[DeviceEntry]| -> Option<usize> {
        let items: Vec<String> = devs.iter().map(DeviceEntry::label).collect();
        dialoguer::Select::new()
            .with_prompt("Several Portenta X8 boards are attached; which one?")
            .items(&items)
            .default(0)
            .interact_opt()
            .ok()
            .flatten()
    };
    let choice = if ctx.interactive {
        Choice::Picker(&picker)
    } else {
        Choice::NonInteractive
    };
    let board = session
        .choose(target.serial.as_deref(), choice)
        .map_err(|e| {
            let mut err = board_error(e);
            if err.code == exit::USAGE && !ctx.interactive {
                err.hint
                    .push_str(" (no prompt: --non-interactive, --yes, --json or no terminal)");
            }
            err
        })?;
    let prompt: Option<x8ctl_core::board::PasswordPrompt> =
        if ctx.interactive && std::io::stdin().is_terminal() {
            Some(Arc::new(|| {
                dialoguer::Password::new()
                    .with_prompt("sudo password of user fio on the board")
                    .allow_empty_password(true)
                    .interact()
                    .ok()
            }))
        } else {
            None
        };
    Ok((session, board.with_password_prompt(prompt)))
}
