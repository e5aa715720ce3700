//! `x8ctl upload-sketch`: an M4 sketch (.elf) to `/tmp/arduino/m4-user-sketch.elf`, where
//! the board's `monitor-m4-elf-file.path` unit has OpenOCD program it; confirmed from that
//! service's journal lines.
//!
//! The unit uses `PathModified=`, which fires on the first write to the file, and adbd
//! writes a pushed file in 64 KiB chunks: pushed straight to its name, OpenOCD could program
//! a half-written ELF. So the sketch is pushed to another name in the same folder and
//! renamed into place, complete (real-board-evidence.md §4.1).

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
        &crate::board::cmd::Cmd::new("journalctl").args(["-u", UNIT, "--no-pager", "-o", "cat"]),
        Some(crate::board::DEFAULT_TIMEOUT),
    )?;
    Ok(o.stdout_text()
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.starts_with("-- "))
        .collect())
}

/// Where an X8 M4 sketch lives: the STM32H747's second flash bank. ArduinoCore-mbed links
/// Portenta X8 sketches with `-DCM4_BINARY_START=0x08100000 -DCM4_BINARY_END=0x08200000`
/// (boards.txt, `portenta_x8.build.extra_ldflags`, at 04ccf55; `variants/PORTENTA_X8/
/// linker_script.ld` puts FLASH there and `.data`'s load image after `.text`). OpenOCD's
/// `program FILE.elf` writes each loadable segment at its physical address, so a segment
/// anywhere else would be written there: the M7 firmware's bank at 0x08000000 included.
pub const M4_FLASH: std::ops::Range<u32> = 0x0810_0000..0x0820_0000;
/// The M7 firmware's flash bank.
const M7_FLASH: std::ops::Range<u32> = 0x0800_0000..0x0810_0000;
/// The largest sketch file read (an ELF with debug information is far larger than what it
/// loads; the M4's bank is 1 MiB).
const MAX_ELF_FILE: u64 = 64 * 1024 * 1024;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// An ELF file checked as an M4 sketch for the X8: 32-bit, little-endian, ARM, linked (not
/// a `.o`), complete, and every byte it loads inside the M4's flash bank. The error
/// completes "FILE ...".
pub fn check_elf(elf: &[u8]) -> Result<(), String> {
    if elf.len() < 4 || &elf[..4] != b"\x7fELF" {
        return Err("is not an ELF file".into());
    }
    if elf.len() < 20 {
        return Err("is a truncated ELF file".into());
    }
    let little = elf[5] == 1;
    let machine = if little {
        u16::from_le_bytes([elf[18], elf[19]])
    } else {
        u16::from_be_bytes([elf[18], elf[19]])
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
    match (arch, elf[4], little) {
        (Some(arch), _, _) => {
            return Err(format!("is an ELF for {arch}, not for the M4 (32-bit ARM)"));
        }
        (None, 1, true) => {}
        (None, _, _) => {
            return Err("is an ARM ELF but not 32-bit little-endian, as the M4 needs".into());
        }
    }
    let truncated = || "is a truncated ELF file".to_string();
    match u16_at(elf, 16).ok_or_else(truncated)? {
        2 => {}
        1 => return Err("is an object file (.o), not a linked sketch".into()),
        3 => return Err("is a shared object, not a linked sketch".into()),
        t => return Err(format!("is an ELF of type {t}, not a linked sketch")),
    }
    let phoff = u32_at(elf, 28).ok_or_else(truncated)? as usize;
    let phentsize = usize::from(u16_at(elf, 42).ok_or_else(truncated)?);
    let phnum = usize::from(u16_at(elf, 44).ok_or_else(truncated)?);
    if phentsize < 32 {
        return Err("has a malformed program header table".into());
    }
    let mut loads = 0;
    for k in 0..phnum {
        let at = phoff.checked_add(k * phentsize).ok_or_else(truncated)?;
        let ph = elf.get(at..at + 32).ok_or_else(truncated)?;
        let field = |n: usize| u32_at(ph, n * 4).unwrap_or(0);
        let (p_type, offset, paddr, filesz) = (field(0), field(1), field(3), field(4));
        if p_type != 1 || filesz == 0 {
            continue;
        }
        if u64::from(offset) + u64::from(filesz) > elf.len() as u64 {
            return Err(truncated());
        }
        let end = u64::from(paddr) + u64::from(filesz);
        if paddr < M4_FLASH.start || end > u64::from(M4_FLASH.end) {
            return Err(if paddr < M7_FLASH.end && end > u64::from(M7_FLASH.start) {
                format!(
                    "loads at {paddr:#010x}, in the M7 firmware's flash bank (0x08000000-0x080fffff): OpenOCD would overwrite the H7 firmware there"
                )
            } else {
                format!(
                    "loads at {paddr:#010x}-{:#010x}, outside the M4's flash bank (0x08100000-0x081fffff)",
                    end.saturating_sub(1)
                )
            });
        }
        loads += 1;
    }
    if loads == 0 {
        return Err("has nothing to load (no program segment with contents)".into());
    }
    Ok(())
}

/// Refuse, before the board is touched, a file that is not an M4 sketch (read whole, after
/// checking that it is a regular file of a sane size: a FIFO would block the open).
pub fn check_file(file: &Path) -> Result<(), DeployError> {
    let local = |e: String| DeployError::Local(format!("{}: {e}", file.display()));
    let meta = std::fs::metadata(file).map_err(|e| local(e.to_string()))?;
    if !meta.is_file() {
        return Err(DeployError::NotASketch(format!(
            "{} is not a regular file",
            file.display()
        )));
    }
    if meta.len() > MAX_ELF_FILE {
        return Err(DeployError::NotASketch(format!(
            "{} is {} bytes, too large for an M4 sketch",
            file.display(),
            meta.len()
        )));
    }
    let mut elf = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_ELF_FILE).read_to_end(&mut elf))
        .map_err(|e| local(e.to_string()))?;
    check_elf(&elf).map_err(|why| DeployError::NotASketch(format!("{} {why}", file.display())))
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
    let dir = crate::board::facts::SKETCH_DIR;
    let mkdir = crate::board::cmd::Cmd::new("mkdir").arg("-p").arg(dir);
    board.run_ok(&mkdir, &format!("creating {dir}"))?;
    // The path unit fires on the first write of SKETCH_PATH (real-board-evidence.md §4.1):
    // `transfer::push` sends under a temporary name in the same folder and renames it over
    // the target once it arrived whole, so OpenOCD only ever sees the complete ELF.
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

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = check_elf(&bytes);
            // The same bytes behind a valid ELF identification and machine.
            let mut e = header(1, 1, 40);
            e.extend(&bytes);
            let _ = check_elf(&e);
        }
    }
}
