//! The transport flags every board command shares, and turning them into a board.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::board::connect::{ConnectOptions, Session};
use crate::board::select::{Choice, DeviceEntry};
use crate::board::{Board, BoardError};

use super::{CliError, Ctx, exit};

#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The board's serial (as `x8ctl devices` shows it); default: the only X8 attached.
    #[arg(
        short = 's',
        long,
        global = true,
        env = "ANDROID_SERIAL",
        value_name = "SERIAL",
        help_heading = "Board selection"
    )]
    pub serial: Option<String>,
    /// The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE's).
    #[arg(
        long,
        global = true,
        env = "X8CTL_ADB",
        value_name = "PATH",
        help_heading = "Board selection"
    )]
    pub adb: Option<PathBuf>,
    /// The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037).
    #[arg(
        long,
        global = true,
        value_name = "HOST:PORT",
        help_heading = "Board selection"
    )]
    pub adb_server: Option<String>,
    /// Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server.
    #[arg(
        long,
        global = true,
        value_name = "HOST:PORT",
        conflicts_with = "virtual_board",
        help_heading = "Board selection"
    )]
    pub connect: Option<String>,
    /// Use a virtual X8 started inside x8ctl (for trying x8ctl without a board).
    #[arg(long = "virtual", global = true, help_heading = "Board selection")]
    pub virtual_board: bool,
}

impl TargetArgs {
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            adb: self.adb.clone(),
            adb_server: self.adb_server.clone(),
            connect: self.connect.clone(),
            virtual_board: self.virtual_board,
            serial: self.serial.clone(),
        }
    }
}

/// Map a board error to what the user sees and the exit code.
pub fn board_error(e: BoardError) -> CliError {
    let code = match &e {
        BoardError::NoAdb { .. }
        | BoardError::NoBoard { .. }
        | BoardError::NoSuchSerial { .. }
        | BoardError::Connect { .. }
        | BoardError::Server(_) => exit::NO_BOARD,
        BoardError::Unusable { .. } => exit::BOARD_UNUSABLE,
        BoardError::Ambiguous { .. } => exit::USAGE,
        _ => exit::FAILURE,
    };
    let mut message = e.to_string();
    if let BoardError::NoAdb { tried } = &e
        && !tried.is_empty()
    {
        message.push_str(&format!(" (looked at {})", tried.join(", ")));
    }
    CliError::new(code, message, e.hint())
}

/// Connect, pick the board, and set up the sudo password prompt.
pub fn open_board(ctx: &Ctx, target: &TargetArgs) -> Result<(Session, Board), CliError> {
    let session = Session::open(&target.options()).map_err(board_error)?;
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
    let prompt: Option<crate::board::PasswordPrompt> =
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
