//! `x8ctl upload-sketch`: an M4 sketch (.elf) to `/tmp/arduino/m4-user-sketch.elf`, where
//! the board's `monitor-m4-elf-file.path` unit has OpenOCD program it; confirmed from that
//! service's journal lines.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{DeployError, SKETCH_PATH};
use crate::board::Board;
use crate::board::transfer::{self, PushOptions, TransferEvent};

const UNIT: &str = "monitor-m4-elf-file.service";

/// What the upload did.
#[derive(Debug, Clone, Serialize)]
pub struct SketchReport {
    pub path: String,
    pub bytes: u64,
    /// OpenOCD's lines for this programming.
    pub openocd: Vec<String>,
    pub elapsed_ms: u64,
}

fn journal(board: &Board) -> Result<Vec<String>, DeployError> {
    let o = board.run_root(
        &format!("journalctl -u {UNIT} --no-pager -o cat"),
        Some(crate::board::DEFAULT_TIMEOUT),
    )?;
    Ok(o.stdout_text()
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.starts_with("-- "))
        .collect())
}

/// Push `file` and wait until the board has programmed it (or says it could not).
pub fn upload_sketch(
    board: &Board,
    file: &Path,
    wait: Duration,
    on: &(dyn Fn(TransferEvent) + Sync),
) -> Result<SketchReport, DeployError> {
    let started = Instant::now();
    let mut magic = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(4).read_to_end(&mut magic))
        .map_err(|e| DeployError::Local(format!("{}: {e}", file.display())))?;
    if magic != b"\x7fELF" {
        return Err(DeployError::Source(format!(
            "{} is not an ELF file: the M4 takes the sketch's .elf (Arduino IDE: Sketch > Export Compiled Binary, board Portenta X8)",
            file.display()
        )));
    }
    let before = journal(board)?.len();
    board.run_ok("mkdir -p /tmp/arduino", "creating /tmp/arduino")?;
    let r = transfer::push(
        board,
        &[file.to_path_buf()],
        SKETCH_PATH,
        &PushOptions::default(),
        on,
    )?;
    loop {
        let lines = journal(board)?;
        let new: Vec<String> = lines.into_iter().skip(before).collect();
        if new.iter().any(|l| l.contains("** Verified OK **")) {
            return Ok(SketchReport {
                path: SKETCH_PATH.to_string(),
                bytes: r.bytes_sent,
                openocd: new,
                elapsed_ms: started.elapsed().as_millis() as u64,
            });
        }
        if let Some(l) = new
            .iter()
            .find(|l| l.contains("Failed **") || l.contains("Error:") || l.contains("init failed"))
        {
            return Err(DeployError::Docker(format!(
                "OpenOCD could not program the sketch: {l}"
            )));
        }
        if started.elapsed() >= wait {
            return Err(DeployError::Docker(format!(
                "the sketch is on the board but nothing programmed it within {}s (is monitor-m4-elf-file.path active? `x8ctl shell systemctl status monitor-m4-elf-file.path`)",
                wait.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
