//! The STM32H747's M7 flash as OpenOCD sees it over SWD, and the scripts that drive it:
//! `program.sh` (compare content with `flash verify_image`, program when it differs, ALWAYS
//! exit 0), the boot-time `program-h7.sh` (compare version strings) and OpenOCD's output.
//!
//! Pure logic: everything takes the H7 state and the image bytes and returns the lines the
//! real tools print (with the stream they go to), so it is testable without a board.
//!
//! Every OpenOCD run halts the H7: the board's `openocd_script-imx_gpio.cfg` ends `init;
//! targets; reset halt`, and only a command that succeeds up to its `reset` lets it run again
//! (real-board-evidence.md §3.1, [src] arduino/portentax8-stm32h7-fw 53df799
//! `openocd/openocd_script-imx_gpio.cfg`, `scripts/program.sh`). So:
//! - `program-fail`: OpenOCD's `program` erases the image's sectors, then fails while
//!   writing: the H7 is left **halted with those sectors erased**, not running its old
//!   firmware (§3.1); output ends with `** Programming Failed **`. The sysfs read then times
//!   out and RPC is dead until a good image is programmed.
//! - `verify-fail`: the image is written but the first words come out wrong (the reset
//!   vector), so `** Verify Failed **` is printed and the H7 no longer boots: reading
//!   `/sys/kernel/x8h7_firmware/version` then fails with "Connection timed out" and the M4
//!   never answers RPC calls (until a good image is programmed).

use crate::fwimage::{FLASH_BASE, version_of};

pub const BIN_PATH: &str = "/usr/arduino/extra/STM32H747AII6_CM7.bin";
/// STM32H747 flash sector size (128 KiB).
const SECTOR: usize = 0x2_0000;
/// Bank size (1 MiB each, two banks).
const FLASH_SIZE: usize = 0x20_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

pub type Lines = Vec<(Stream, String)>;

fn out(l: &mut Lines, s: impl Into<String>) {
    l.push((Stream::Out, s.into()));
}
fn err(l: &mut Lines, s: impl Into<String>) {
    l.push((Stream::Err, s.into()));
}

/// The H7 as the board sees it.
#[derive(Debug, Clone)]
pub struct H7 {
    /// The bytes programmed at 0x08000000 (beyond its length the flash reads 0xff).
    pub flash: Vec<u8>,
    /// 24 hex characters, from the board serial.
    pub chip_uid: String,
    /// Halted by OpenOCD's `reset halt` and not reset since (§3.1): it runs nothing.
    pub halted: bool,
}

/// Why reading the H7 over SPI failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H7ReadError {
    /// The firmware does not answer within 100 ms (`-ETIMEDOUT`; `X8H7_RX_TIMEOUT = HZ/10`
    /// in arduino/portentax8-x8h7 c0b3550, real-board-evidence.md §3.2).
    TimedOut,
}

impl H7 {
    pub fn new(image: Vec<u8>, serial: &str) -> H7 {
        let mut uid = String::new();
        for (i, b) in serial
            .bytes()
            .chain("x8h7".bytes())
            .cycle()
            .take(12)
            .enumerate()
        {
            uid.push_str(&format!(
                "{:02x}",
                b.wrapping_mul(31).wrapping_add(i as u8 * 7)
            ));
        }
        H7 {
            flash: image,
            chip_uid: uid,
            halted: false,
        }
    }

    fn word(&self, off: usize) -> u32 {
        let mut w = [0xffu8; 4];
        for (i, b) in w.iter_mut().enumerate() {
            if let Some(v) = self.flash.get(off + i) {
                *b = *v;
            }
        }
        u32::from_le_bytes(w)
    }

    /// Whether the programmed image boots: a plausible initial SP and reset vector.
    pub fn boots(&self) -> bool {
        let sp = self.word(0);
        let reset = self.word(4);
        (0x2000_0000..=0x2410_0000).contains(&sp)
            && reset & 1 == 1
            && (FLASH_BASE..FLASH_BASE + FLASH_SIZE as u32).contains(&reset)
    }

    /// What `/sys/kernel/x8h7_firmware/version` returns (without the newline).
    pub fn version(&self) -> Result<String, H7ReadError> {
        if self.halted || !self.boots() {
            return Err(H7ReadError::TimedOut);
        }
        Ok(version_of(&self.flash).unwrap_or_default())
    }

    fn byte(&self, off: usize) -> u8 {
        self.flash.get(off).copied().unwrap_or(0xff)
    }

    /// Offsets where the flash differs from `file`.
    fn diffs(&self, file: &[u8]) -> Vec<usize> {
        file.iter()
            .enumerate()
            .filter(|(i, b)| self.byte(*i) != **b)
            .map(|(i, _)| i)
            .collect()
    }
}

fn rate_line(n: usize, kib_s: f64) -> (f64, f64) {
    let t = n as f64 / 1024.0 / kib_s;
    (t, kib_s)
}

/// OpenOCD's banner and the output of `openocd_script-imx_gpio.cfg` (`init; targets; reset halt`).
fn openocd_start(h7: &mut H7, l: &mut Lines) {
    // `reset halt` at the end of the config (§3.1).
    h7.halted = true;
    err(l, "Open On-Chip Debugger 0.12.0");
    err(l, "Licensed under GNU GPL v2");
    err(l, "For bug reports, read");
    err(l, "\thttp://openocd.org/doc/doxygen/bugs.html");
    err(l, "Info : imx_gpio GPIO nums: swclk = 15, swdio = 8");
    err(l, "Info : imx_gpio SRST config: srst = 10");
    err(
        l,
        "srst_only separate srst_gates_jtag srst_push_pull connect_deassert_srst",
    );
    err(l, "Info : imx_gpio: peripheral_base = 0x30200000");
    err(l, "Info : imx_gpio is ready");
    err(l, "Info : This adapter doesn't support configurable speed");
    err(l, "Info : SWD DPIDR 0x6ba02477");
    err(l, "Info : stm32h7x.cpu0: Cortex-M7 r1p1 processor detected");
    err(
        l,
        "Info : stm32h7x.cpu0: target has 8 breakpoints, 4 watchpoints",
    );
    err(l, "Info : starting gdb server for stm32h7x.cpu0 on 3333");
    err(l, "Info : Listening on port 3333 for gdb connections");
    err(
        l,
        "target halted due to debug-request, current mode: Thread ",
    );
    err(
        l,
        format!(
            "xPSR: 0x01000000 pc: 0x{:08x} msp: 0x{:08x}",
            h7.word(4) & !1,
            h7.word(0)
        ),
    );
}

fn probe_banks(l: &mut Lines) {
    for (bank, base) in [(0, 0x0800_0000u32), (1, 0x0810_0000)] {
        err(l, "Info : Device: STM32H74x/75x");
        err(l, "Info : flash size probed value 2048k");
        err(l, "Info : STM32H7 flash has dual banks");
        err(
            l,
            format!("Info : Bank ({bank}) size is 1024 kb, base address is 0x{base:08x}"),
        );
    }
}

/// `openocd -f cfg -c "flash verify_image BIN 0x8000000" -c "reset" -c "exit"`; returns
/// OpenOCD's exit status.
pub fn openocd_verify(h7: &mut H7, file: Option<&[u8]>, path: &str, l: &mut Lines) -> i32 {
    openocd_start(h7, l);
    let Some(file) = file else {
        err(l, format!("Error: couldn't open {path}"));
        return 1;
    };
    probe_banks(l);
    let diffs = h7.diffs(file);
    if let Some(first) = diffs.first() {
        let sector_start = first / SECTOR * SECTOR;
        err(
            l,
            format!(
                "Error: verify failed in bank at 0x{:08x} starting at 0x{:08x}",
                FLASH_BASE, sector_start
            ),
        );
        return 1;
    }
    // The `-c "reset"` after a successful verify lets the H7 run again.
    h7.halted = false;
    let (t, r) = rate_line(file.len(), 125.475);
    out(
        l,
        format!(
            "verified {} bytes from file {path} in {t:.6}s ({r:.3} KiB/s)",
            file.len()
        ),
    );
    err(l, "shutdown command invoked");
    0
}

/// What the programming step did to the flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramResult {
    /// Programmed and verified.
    Ok,
    /// Nothing written (`program-fail`, or the file could not be read).
    Failed,
    /// Written, but verification found differences (`verify-fail`).
    VerifyFailed,
}

/// `openocd -f cfg -c "program BIN verify reset exit 0x8000000"`.
/// Write ELF sections as OpenOCD's `program` does on the X8's dual-bank configuration: a
/// section inside the flash (both banks, 0x08000000..0x08200000) is written there — the
/// M7's bank included, which overwrites the H7 firmware — and one elsewhere is dropped with
/// OpenOCD's warning (users' logs of `program`: "Warn : no flash bank found for address
/// 0x2000005c", then "** Programming Finished **"). Returns whether any was dropped.
pub fn write_sections(h7: &mut H7, sections: &[(u32, Vec<u8>)], l: &mut Lines) -> bool {
    let mut dropped = false;
    for (addr, data) in sections {
        let start = addr.wrapping_sub(FLASH_BASE) as usize;
        let inside = *addr >= FLASH_BASE && start + data.len() <= FLASH_SIZE;
        if !inside {
            err(
                l,
                format!("Warn : no flash bank found for address 0x{addr:08x}"),
            );
            dropped = true;
            continue;
        }
        if h7.flash.len() < start + data.len() {
            h7.flash.resize(start + data.len(), 0xff);
        }
        h7.flash[start..start + data.len()].copy_from_slice(data);
    }
    dropped
}

pub fn openocd_program(
    h7: &mut H7,
    file: Option<&[u8]>,
    path: &str,
    program_fail: bool,
    verify_fail: bool,
    l: &mut Lines,
) -> (i32, ProgramResult) {
    openocd_start(h7, l);
    let Some(file) = file else {
        err(l, format!("Error: couldn't open {path}"));
        err(l, "** Programming Failed **");
        err(l, "shutdown command invoked");
        return (1, ProgramResult::Failed);
    };
    err(l, "** Programming Started **");
    probe_banks(l);
    let pad = (SECTOR - file.len() % SECTOR) % SECTOR;
    if pad > 0 {
        err(
            l,
            format!(
                "Info : Padding image section 0 at 0x{:08x} with {pad} bytes (bank write end alignment)",
                FLASH_BASE as usize + file.len()
            ),
        );
        err(
            l,
            format!(
                "Warn : Adding extra erase range, 0x{:08x} .. 0x{:08x}",
                FLASH_BASE as usize + file.len(),
                FLASH_BASE as usize + file.len() + pad - 1
            ),
        );
    }
    if program_fail {
        // `program` erased the image's sectors before the write failed (§3.1): the old
        // firmware is gone and, with no reset, the H7 stays halted.
        let end = file.len().div_ceil(SECTOR) * SECTOR;
        if h7.flash.len() < end {
            h7.flash.resize(end, 0xff);
        }
        h7.flash[..end].fill(0xff);
        err(
            l,
            "Error: timeout waiting for algorithm, a target reset is recommended",
        );
        err(l, "Error: error executing stm32h7x flash write algorithm");
        err(l, "Error: flash write failed = 0x00000000");
        err(
            l,
            "Error: error writing to flash at address 0x08000000 at offset 0x00000000",
        );
        err(
            l,
            "embedded:startup.tcl:1516: Error: ** Programming Failed **",
        );
        err(l, "in procedure 'program'");
        err(
            l,
            "in procedure 'program_error' called at file \"embedded:startup.tcl\", line 1581",
        );
        err(l, "at file \"embedded:startup.tcl\", line 1516");
        err(l, "** Programming Failed **");
        err(l, "shutdown command invoked");
        return (1, ProgramResult::Failed);
    }
    let mut written = file.to_vec();
    if verify_fail && written.len() >= 8 {
        for b in &mut written[4..8] {
            *b = 0xff;
        }
    }
    // Only the sectors the image covers are erased and written: the rest of the M7's bank
    // and the M4's bank (a sketch at 0x08100000) keep what they held.
    let end = written.len().div_ceil(SECTOR) * SECTOR;
    let mut flash = std::mem::take(&mut h7.flash);
    if flash.len() < end {
        flash.resize(end, 0xff);
    }
    flash[..end].fill(0xff);
    flash[..written.len()].copy_from_slice(&written);
    h7.flash = flash;
    err(l, "** Programming Finished **");
    err(l, "** Verify Started **");
    let diffs = h7.diffs(file);
    if !diffs.is_empty() {
        err(l, "checksum mismatch - attempting binary compare");
        for (n, off) in diffs.iter().take(128).enumerate() {
            err(
                l,
                format!(
                    "diff {n} address 0x{:08x}. Was 0x{:02x} instead of 0x{:02x}",
                    FLASH_BASE as usize + off,
                    h7.byte(*off),
                    file[*off]
                ),
            );
        }
        if diffs.len() > 128 {
            err(l, "More than 128 errors, the rest are not printed.");
        }
        err(l, "embedded:startup.tcl:1516: Error: ** Verify Failed **");
        err(l, "** Verify Failed **");
        err(l, "shutdown command invoked");
        return (1, ProgramResult::VerifyFailed);
    }
    let (t, r) = rate_line(file.len(), 127.221);
    err(
        l,
        format!("verified {} bytes in {t:.6}s ({r:.3} KiB/s)", file.len()),
    );
    err(l, "** Verified OK **");
    err(l, "** Resetting Target **");
    h7.halted = false;
    err(l, "shutdown command invoked");
    (0, ProgramResult::Ok)
}

/// The outcome of `program.sh`.
#[derive(Debug, Clone)]
pub struct ProgramSh {
    pub lines: Lines,
    /// `None` when the flash already matched (nothing programmed).
    pub programmed: Option<ProgramResult>,
    /// Always 0, as the real script.
    pub status: i32,
}

/// `/usr/arduino/extra/program.sh`, exactly the real script's steps.
pub fn program_sh(
    h7: &mut H7,
    file: Option<&[u8]>,
    program_fail: bool,
    verify_fail: bool,
) -> ProgramSh {
    let mut l = Lines::new();
    out(&mut l, "Checking ext. rt mcu stm32h7 firmware version...");
    let st = openocd_verify(h7, file, BIN_PATH, &mut l);
    let mut programmed = None;
    if st != 0 {
        out(
            &mut l,
            "Ext. rt mcu stm32h7 is not programmed/updated, starting programming procedure...",
        );
        let (_, r) = openocd_program(h7, file, BIN_PATH, program_fail, verify_fail, &mut l);
        programmed = Some(r);
    } else {
        out(
            &mut l,
            "Ext. rt mcu stm32h7 is programmed/updated, exiting...",
        );
    }
    ProgramSh {
        lines: l,
        programmed,
        status: 0,
    }
}

/// The boot-time `program-h7.sh`: compare the running version with the .bin's version
/// string and program when they differ.
pub fn program_h7_sh(
    h7: &mut H7,
    file: Option<&[u8]>,
    program_fail: bool,
    verify_fail: bool,
) -> ProgramSh {
    let mut l = Lines::new();
    let running = match h7.version() {
        Ok(v) => v,
        Err(_) => {
            for _ in 0..10 {
                out(&mut l, "Failed to read h7 firmware version");
            }
            String::new()
        }
    };
    let stored = file.and_then(version_of).unwrap_or_default();
    if !running.is_empty() && running == stored {
        out(
            &mut l,
            "Firmware on H7 matches firmware stored on X8. No Update.",
        );
        return ProgramSh {
            lines: l,
            programmed: None,
            status: 0,
        };
    }
    out(
        &mut l,
        "Firmware on H7 does not match firmware stored on X8. Performing Update.",
    );
    out(&mut l, format!("Version(H7)={running}"));
    out(&mut l, format!("Version(M8)={stored}"));
    let (_, r) = openocd_program(h7, file, BIN_PATH, program_fail, verify_fail, &mut l);
    ProgramSh {
        lines: l,
        programmed: Some(r),
        status: 0,
    }
}

/// The joined text of some lines, each ending in a newline.
pub fn text(lines: &Lines) -> String {
    let mut s = String::new();
    for (_, x) in lines {
        s.push_str(x);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fwimage::make_image;

    fn h7(v: &str) -> H7 {
        H7::new(make_image(v), "2D16BA09DAB6FAD9")
    }

    #[test]
    fn up_to_date_does_nothing() {
        let mut h = h7("0.0.5");
        let img = make_image("0.0.5");
        let r = program_sh(&mut h, Some(&img), false, false);
        let t = text(&r.lines);
        assert_eq!(r.status, 0);
        assert!(r.programmed.is_none());
        assert!(t.starts_with("Checking ext. rt mcu stm32h7 firmware version...\n"));
        assert!(t.contains(&format!(
            "verified {} bytes from file {BIN_PATH}",
            img.len()
        )));
        assert!(t.ends_with("Ext. rt mcu stm32h7 is programmed/updated, exiting...\n"));
        assert!(!t.contains("** Programming Started **"));
        assert_eq!(h.chip_uid.len(), 24);
    }

    #[test]
    fn new_image_is_programmed() {
        let mut h = h7("0.0.4");
        let img = make_image("0.0.5");
        let r = program_sh(&mut h, Some(&img), false, false);
        let t = text(&r.lines);
        assert_eq!(r.status, 0);
        assert_eq!(r.programmed, Some(ProgramResult::Ok));
        assert!(t.contains("Error: verify failed in bank at 0x08000000"));
        assert!(t.contains("starting programming procedure..."));
        for m in [
            "** Programming Started **",
            "** Programming Finished **",
            "** Verify Started **",
            "** Verified OK **",
            "** Resetting Target **",
        ] {
            assert!(t.contains(m), "{m} missing in {t}");
        }
        assert_eq!(h.version(), Ok("0.0.5".to_string()));
        // now idempotent
        let r = program_sh(&mut h, Some(&img), false, false);
        assert!(r.programmed.is_none());
    }

    #[test]
    fn program_fail_leaves_the_h7_halted_and_erased() {
        let mut h = h7("0.0.4");
        let img = make_image("0.0.5");
        let r = program_sh(&mut h, Some(&img), true, false);
        let t = text(&r.lines);
        assert_eq!(r.status, 0);
        assert!(t.contains("** Programming Failed **"));
        assert!(t.contains("shutdown command invoked"));
        assert!(!t.contains("Verified OK"));
        // real-board-evidence.md §3.1: halted or erased, not the old firmware.
        assert!(h.halted);
        assert!(!h.boots());
        assert_eq!(h.version(), Err(H7ReadError::TimedOut));
        // Programming the old image again brings it back.
        let old = make_image("0.0.4");
        let r = program_sh(&mut h, Some(&old), false, false);
        assert_eq!(r.programmed, Some(ProgramResult::Ok));
        assert_eq!(h.version(), Ok("0.0.4".to_string()));
    }

    #[test]
    fn verify_fail_bricks_h7() {
        let mut h = h7("0.0.4");
        let img = make_image("0.0.5");
        let r = program_sh(&mut h, Some(&img), false, true);
        let t = text(&r.lines);
        assert_eq!(r.status, 0);
        assert!(t.contains("** Verify Failed **"));
        assert!(t.contains("checksum mismatch - attempting binary compare"));
        assert!(t.contains("diff 0 address 0x08000004. Was 0xff instead of 0x"));
        assert_eq!(h.version(), Err(H7ReadError::TimedOut));
        // a good programming run repairs it
        let r = program_sh(&mut h, Some(&img), false, false);
        assert_eq!(r.programmed, Some(ProgramResult::Ok));
        assert_eq!(h.version(), Ok("0.0.5".to_string()));
    }

    #[test]
    fn missing_file() {
        let mut h = h7("0.0.4");
        let r = program_sh(&mut h, None, false, false);
        let t = text(&r.lines);
        assert_eq!(r.status, 0);
        assert!(t.contains("couldn't open"));
        assert!(t.contains("** Programming Failed **"));
    }

    #[test]
    fn boot_time_compare_is_by_version() {
        let mut h = h7("0.0.4");
        let img = make_image("0.0.5");
        let r = program_h7_sh(&mut h, Some(&img), false, false);
        let t = text(&r.lines);
        assert!(t.contains("Version(H7)=0.0.4"));
        assert!(t.contains("Version(M8)=0.0.5"));
        let r = program_h7_sh(&mut h, Some(&img), false, false);
        assert!(text(&r.lines).contains("No Update."));
    }
}
