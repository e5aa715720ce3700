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

/// The first 20 bytes of an ELF file checked for the M4: 32-bit, little-endian, ARM.
/// The error completes "FILE ...".
pub fn check_elf(header: &[u8]) -> Result<(), String> {
    if header.len() < 4 || &header[..4] != b"\x7fELF" {
        return Err("is not an ELF file".into());
    }
    if header.len() < 20 {
        return Err("is a truncated ELF file".into());
    }
    let little = header[5] == 1;
    let machine = if little {
        u16::from_le_bytes([header[18], header[19]])
    } else {
        u16::from_be_bytes([header[18], header[19]])
    };
    let arch = match machine {
        40 => None,
        3 => Some("x86 (32-bit)"),
        62 => Some("x86-64"),
        183 => Some("AArch64 (the X8's Linux side)"),
        243 => Some("RISC-V"),
        8 => Some("MIPS"),
        _ => Some("another processor"),
    };
    match (arch, header[4], little) {
        (Some(arch), _, _) => Err(format!("is an ELF for {arch}, not for the M4 (32-bit ARM)")),
        (None, 1, true) => Ok(()),
        (None, _, _) => Err("is an ARM ELF but not 32-bit little-endian, as the M4 needs".into()),
    }
}

/// Refuse, before the board is touched, a file that is not an M4 sketch.
pub fn check_file(file: &Path) -> Result<(), DeployError> {
    let mut header = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(20).read_to_end(&mut header))
        .map_err(|e| DeployError::Local(format!("{}: {e}", file.display())))?;
    check_elf(&header).map_err(|why| DeployError::NotASketch(format!("{} {why}", file.display())))
}

/// Push `file` and wait until the board has programmed it (or says it could not).
pub fn upload_sketch(
    board: &Board,
    file: &Path,
    wait: Duration,
    on: &(dyn Fn(TransferEvent) + Sync),
) -> Result<SketchReport, DeployError> {
    let started = Instant::now();
    check_file(file)?;
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
                "the sketch is on the board but nothing programmed it within {}s (is monitor-m4-elf-file.path active? `x8ctl shell systemctl status --no-pager monitor-m4-elf-file.path`)",
                wait.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[cfg(test)]
mod tests {
    use super::check_elf;

    fn header(class: u8, data: u8, machine: u16) -> Vec<u8> {
        let mut h = b"\x7fELF".to_vec();
        h.extend([class, data, 1, 0]);
        h.extend([0; 8]);
        h.extend(2u16.to_le_bytes());
        h.extend(if data == 2 {
            machine.to_be_bytes()
        } else {
            machine.to_le_bytes()
        });
        h
    }

    #[test]
    fn only_32_bit_little_endian_arm_elfs_are_m4_sketches() {
        assert_eq!(check_elf(&header(1, 1, 40)), Ok(()));
        assert!(check_elf(&header(2, 1, 62)).unwrap_err().contains("x86-64"));
        assert!(
            check_elf(&header(2, 1, 183))
                .unwrap_err()
                .contains("AArch64")
        );
        assert!(
            check_elf(&header(2, 1, 40))
                .unwrap_err()
                .contains("not 32-bit")
        );
        assert!(
            check_elf(&header(1, 2, 40))
                .unwrap_err()
                .contains("little-endian")
        );
        assert!(
            check_elf(b"void setup() {}")
                .unwrap_err()
                .contains("not an ELF")
        );
        assert!(check_elf(b"\x7fELF\x01").unwrap_err().contains("truncated"));
        assert!(check_elf(b"").is_err());
    }
}
