//! `x8ctl devices`: what is attached, through which transport, and for X8s who they are.

use std::io::Write;

use x8ctl_core::board::connect::Session;
use x8ctl_core::board::identity::{self, Identity};
use x8ctl_core::board::select::DeviceEntry;
use x8ctl_core::board::{Board, BoardError, DeviceState};

use super::target::{TargetArgs, board_error};
use super::{CliError, Ctx};

#[derive(Debug, serde::Serialize)]
struct Row {
    #[serde(flatten)]
    entry: DeviceEntry,
    x8: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Identity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

fn describe(session: &Session, entry: &DeviceEntry) -> Row {
    let mut row = Row {
        entry: entry.clone(),
        x8: entry.is_x8(),
        identity: None,
        hint: None,
    };
    if !entry.usable() {
        row.hint = Some(DeviceState::from_adb(&entry.state).help().to_string());
        return row;
    }
    let board: Board = session.board_for(entry);
    match identity::read(&board) {
        Ok(id) if id.is_x8() => {
            row.x8 = true;
            row.identity = Some(id);
        }
        Ok(_) if row.x8 => {
            row.hint = Some("reports as an X8 but has no X8 device-tree model".into())
        }
        Ok(_) => row.hint = Some("not a Portenta X8".into()),
        Err(e) => row.hint = Some(format!("cannot read its identity: {e}")),
    }
    row
}

pub fn run(ctx: &Ctx, target: &TargetArgs) -> Result<(), CliError> {
    let (rows, transport) = match Session::open(&target.options()?) {
        Ok(session) => (
            session
                .devices
                .iter()
                .map(|d| describe(&session, d))
                .collect::<Vec<Row>>(),
            session.transport_name(),
        ),
        // A direct connection to an adbd that wants AUTH: list it, as adb does.
        Err(BoardError::DirectAuth { target: addr }) => {
            let hint = x8ctl_core::help_of(&BoardError::DirectAuth {
                target: addr.clone(),
            });
            let row = Row {
                entry: DeviceEntry {
                    serial: addr.clone(),
                    state: "unauthorized".into(),
                    transport: "direct".into(),
                    product: String::new(),
                    model: String::new(),
                    device: String::new(),
                    asked_x8: false,
                },
                x8: false,
                identity: None,
                hint: Some(hint),
            };
            (vec![row], "direct")
        }
        Err(e) => return Err(board_error(e)),
    };
    if ctx.json {
        ctx.print_json(
            true,
            DevicesDoc {
                transport,
                devices: &rows,
            },
        );
        return Ok(());
    }
    if rows.is_empty() {
        ctx.status("no devices attached");
        ctx.status(&format!(
            "  {} {}",
            ctx.hint_label(),
            x8ctl_core::help_of(&BoardError::NoBoard { others: vec![] })
        ));
        return Ok(());
    }
    print_table(ctx, &rows);
    for r in &rows {
        if let Some(h) = &r.hint {
            ctx.status(&format!("{}: {h}", r.entry.serial));
        }
    }
    Ok(())
}

/// `devices --json`: the transport, and every device.
#[derive(serde::Serialize)]
struct DevicesDoc<'a> {
    transport: &'a str,
    devices: &'a [Row],
}

/// The devices as a table on stdout.
fn print_table(ctx: &Ctx, rows: &[Row]) {
    let mut out = ctx.output.out();
    let _ = writeln!(
        out,
        "{:<22} {:<13} {:<11} {:<30} {:<6} FIRMWARE",
        "SERIAL", "STATE", "TRANSPORT", "HOSTNAME", "IMAGE"
    );
    for r in rows {
        let (host, image, fw) = match &r.identity {
            Some(id) => (
                id.hostname.clone(),
                id.image_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "?".into()),
                id.firmware_version.clone().unwrap_or_else(|| {
                    format!(
                        "unreadable ({})",
                        id.firmware_error.clone().unwrap_or_default()
                    )
                }),
            ),
            None => (String::from("-"), String::from("-"), String::from("-")),
        };
        let p = super::style::printable;
        let _ = writeln!(
            out,
            "{:<22} {:<13} {:<11} {:<30} {:<6} {}",
            p(&r.entry.serial),
            p(&r.entry.state),
            r.entry.transport,
            p(&host),
            image,
            p(&fw)
        );
    }
}
