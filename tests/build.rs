//! `flash-fw --build` against a git repository this test creates: a tiny firmware (vector
//! table, reset handler, version string at 0x08040000 from `git describe`) that Debian's
//! real `gcc-arm-none-eabi` compiles (CI installs it: `apt-get install -y gcc-arm-none-eabi`),
//! then flashed onto the virtual X8. Without the toolchain, the error says how to get it.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const MAKEFILE: &str = r#"VERSION := $(shell git describe --tags --always --dirty)
CC := arm-none-eabi-gcc
OBJCOPY := arm-none-eabi-objcopy

all: STM32H747AII6_CM7.bin

STM32H747AII6_CM7.elf: main.c fw.ld
	$(CC) -mcpu=cortex-m7 -mthumb -Os -nostdlib -nostartfiles -T fw.ld -DREALVERSION='"$(VERSION)"' -o $@ main.c

STM32H747AII6_CM7.bin: STM32H747AII6_CM7.elf
	$(OBJCOPY) -O binary $< $@
"#;

const LINKER: &str = r#"MEMORY
{
  FLASH (rx)  : ORIGIN = 0x08000000, LENGTH = 1024K
  RAM   (rwx) : ORIGIN = 0x24000000, LENGTH = 512K
}
_estack = ORIGIN(RAM) + LENGTH(RAM);
SECTIONS
{
  .isr_vector : { KEEP(*(.isr_vector)) } > FLASH
  .text : { *(.text*) *(.rodata*) } > FLASH
  .fw_version 0x08040000 : { KEEP(*(.fw_version_section)) } > FLASH
}
"#;

const MAIN_C: &str = r#"extern unsigned int _estack;
void Reset_Handler(void) { for (;;) { } }
void Default_Handler(void) { for (;;) { } }
typedef void (*vector)(void);
__attribute__((section(".isr_vector"), used))
const vector vectors[16] = {
    (vector)&_estack, Reset_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, Default_Handler,
};
__attribute__((section(".fw_version_section"), used))
const char fw_version[] = REALVERSION;
"#;

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "x8ctl test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "x8ctl test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .status()
        .expect("git runs");
    assert!(st.success(), "git {args:?}");
}

/// A firmware repository with one commit tagged `tag`.
fn firmware_repo(dir: &Path, tag: &str) {
    std::fs::write(dir.join("Makefile"), MAKEFILE).unwrap();
    std::fs::write(dir.join("fw.ld"), LINKER).unwrap();
    std::fs::write(dir.join("main.c"), MAIN_C).unwrap();
    std::fs::write(dir.join(".gitignore"), "*.elf\n*.bin\n").unwrap();
    git(dir, &["init", "-q", "-b", "master"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "tiny firmware"]);
    git(dir, &["tag", tag]);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's Arm toolchain (arm-none-eabi-gcc) is a Linux program"
)]
fn build_from_a_git_repository_and_flash_it() {
    assert!(
        Command::new("arm-none-eabi-gcc")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test needs Debian's gcc-arm-none-eabi: apt-get install -y gcc-arm-none-eabi"
    );
    let repo = tempfile::tempdir().unwrap();
    firmware_repo(repo.path(), "0.0.7-built");
    let cache = tempfile::tempdir().unwrap();
    let sim = sim(&[]);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--build", "--ref", "0.0.7-built", "--yes"])
        .env("X8CTL_FIRMWARE_REPO", repo.path())
        .env("X8CTL_CACHE_DIR", cache.path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("build: checked out 0.0.7-built"), "{err}");
    assert!(err.contains("version 0.0.7-built"), "{err}");
    assert!(out.contains("the H7 runs 0.0.7-built"), "{out}");
    assert_eq!(
        sim.board().services().h7_version().ok().as_deref(),
        Some("0.0.7-built")
    );
    assert!(!sim.board().vfs().usr_writable());
    // The checkout stays in the cache, in x8ctl's own (marked) entry.
    let src = cache.path().join("src");
    assert!(src.join(x8ctl_core::cache::MARKER).is_file());
    let checkouts = src
        .read_dir()
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != x8ctl_core::cache::MARKER)
        .count();
    assert_eq!(checkouts, 1);
}

#[test]
fn without_the_toolchain_it_says_how_to_get_it() {
    let empty = tempfile::tempdir().unwrap();
    let sim = sim(&[]);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--build", "--yes"])
        .env("PATH", empty.path())
        .env("X8CTL_CACHE_DIR", empty.path().join("cache"));
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("toolchain is missing"), "{err}");
    assert!(err.contains("arm-none-eabi-gcc"), "{err}");
    if cfg!(target_os = "linux") {
        assert!(
            err.contains("sudo apt install gcc-arm-none-eabi make"),
            "{err}"
        );
    }
    assert_eq!(
        sim.board().services().h7_version().ok().as_deref(),
        Some("0.0.5")
    );
}

/// `x8ctl flash-fw` with no argument: OS image 746 pins H7 firmware 0.0.3 (commit a08e21e,
/// firmware/recommended.toml from lmp-manifest 746-portenta-x8). On a board running an older
/// firmware it is built from source (here from a repository this test makes, tagged 0.0.3,
/// named with X8CTL_FIRMWARE_REPO: not the pinned commit, which is said) and flashed; the
/// build is kept in the cache. A board that runs it already is left alone, with no build.
#[test]
#[cfg_attr(
    windows,
    ignore = "Debian's Arm toolchain (arm-none-eabi-gcc) is a Linux program"
)]
fn bare_flash_fw_puts_the_firmware_the_image_needs() {
    assert!(
        Command::new("arm-none-eabi-gcc")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test needs Debian's gcc-arm-none-eabi: apt-get install -y gcc-arm-none-eabi"
    );
    let repo = tempfile::tempdir().unwrap();
    firmware_repo(repo.path(), "0.0.3");
    let cache = tempfile::tempdir().unwrap();
    let old_board = || {
        sim_with(&[], |c| {
            c.board = virtual_x8::BoardConfig::for_image(746);
            c.board.firmware_version = "0.0.2".into();
        })
    };
    let sim = old_board();
    // --list says what the image needs.
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--list"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("OS image 746 needs 0.0.3 (commit a08e21e): `x8ctl flash-fw` puts it on"),
        "{out}"
    );
    // Without --yes and without a terminal: building needs a confirmation.
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw"])
        .env("X8CTL_FIRMWARE_REPO", repo.path())
        .env("X8CTL_CACHE_DIR", cache.path());
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a confirmation"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    // With --yes: chosen, built, flashed.
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes"])
        .env("X8CTL_FIRMWARE_REPO", repo.path())
        .env("X8CTL_CACHE_DIR", cache.path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("OS image 746 (arduino-88.91) needs H7 firmware 0.0.3 (commit a08e21e)"),
        "{err}"
    );
    assert!(
        err.contains("the H7 runs 0.0.2: putting 0.0.3 on it"),
        "{err}"
    );
    assert!(
        err.contains("not at the commit image 746 pins (a08e21e)"),
        "{err}"
    );
    assert!(err.contains("build: checked out 0.0.3"), "{err}");
    assert!(out.contains("the H7 runs 0.0.3 (was 0.0.2)"), "{out}");
    assert_eq!(
        sim.board().services().h7_version().ok().as_deref(),
        Some("0.0.3")
    );
    assert!(!sim.board().vfs().usr_writable());
    assert_eq!(virtual_x8::ostree::fsck(sim.board().vfs().root()).1, vec![]);
    // The next old board takes it from the cache: no build.
    let sim2 = old_board();
    let adb = AdbServer::start();
    adb.connect(&sim2);
    let mut c = adb.x8ctl();
    c.args(["flash-fw", "--yes"])
        .env("X8CTL_FIRMWARE_REPO", repo.path())
        .env("X8CTL_CACHE_DIR", cache.path());
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("using the firmware built earlier at a08e21e"),
        "{err}"
    );
    assert!(!err.contains("build: checked out"), "{err}");
    assert_eq!(
        sim2.board().services().h7_version().ok().as_deref(),
        Some("0.0.3")
    );
    // A board that runs it already: left alone (through the adb server and direct).
    for rig in Rig::both(|| {
        sim_with(&[], |c| {
            c.board = virtual_x8::BoardConfig::for_image(746);
            c.board.firmware_version = "0.0.3".into();
        })
    }) {
        let empty_cache = tempfile::tempdir().unwrap();
        let mut c = rig.x8ctl();
        c.args(["flash-fw", "--yes"])
            .env("X8CTL_FIRMWARE_REPO", repo.path())
            .env("X8CTL_CACHE_DIR", empty_cache.path());
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert!(
            out.contains("the H7 already runs 0.0.3, the firmware image 746 needs: nothing to do"),
            "{out}"
        );
        assert!(!err.contains("build:"), "{err}");
        assert!(!board_path(&rig.sim, "/home/fio/.x8ctl").exists());
        assert_eq!(
            std::fs::read_dir(empty_cache.path()).unwrap().count(),
            0,
            "nothing built or cached"
        );
    }
}

/// An image whose pin is not established (861: built while meta-partner-arduino's recipe had
/// SRCREV = "${AUTOREV}") is not guessed at: the message says x8ctl does not know, why, and
/// what the user can do. An image not in the table at all says so too.
#[test]
fn bare_flash_fw_on_an_image_without_a_known_pin_says_so() {
    let sim = sim(&[]);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("x8ctl does not know which H7 firmware OS image 861 (arduino-91.2) needs"),
        "{err}"
    );
    assert!(err.contains("SRCREV = \"${AUTOREV}\""), "{err}");
    assert!(err.contains("--build --ref REF"), "{err}");
    assert!(err.contains("update the OS"), "{err}");
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--list"]);
    let (_, out, _) = run(c);
    assert!(
        out.contains("OS image 861: x8ctl does not know which firmware it needs"),
        "{out}"
    );
    assert!(out.contains("what you can do: update the OS"), "{out}");
    assert_eq!(
        sim.board().services().h7_version().ok().as_deref(),
        Some("0.0.5")
    );
    let sim = sim_with(&[], |c| {
        c.board = virtual_x8::BoardConfig::for_image(900);
    });
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("x8ctl does not know which H7 firmware OS image 900 needs: the image is not in its table"),
        "{err}"
    );
}

/// Image 772 pins an untagged commit (ca97288, lmp-manifest 772-portenta-x8): its firmware
/// reports "0.0.3-next-ca97288-<date>", which x8ctl recognises by the commit: nothing to do.
/// A board of that image running another firmware is told the commit it needs.
#[test]
fn bare_flash_fw_recognises_an_untagged_pin_by_its_commit() {
    let board = |fw: &str| {
        let fw = fw.to_string();
        sim_with(&[], move |c| {
            c.board = virtual_x8::BoardConfig::for_image(772);
            c.board.firmware_version = fw.clone();
        })
    };
    let sim = board("0.0.3-next-ca97288-20240125:093012");
    let empty_cache = tempfile::tempdir().unwrap();
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--yes"])
        .env("X8CTL_CACHE_DIR", empty_cache.path());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "OS image 772 (arduino-88.93) needs H7 firmware 0.0.3-next-ca97288 (commit ca97288)"
        ),
        "{err}"
    );
    assert!(out.contains("nothing to do"), "{out}");
    assert!(!err.contains("build:"), "{err}");
    // Another firmware on it: building needs a confirmation and names the commit.
    let sim = board("0.0.2");
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw"])
        .env("X8CTL_CACHE_DIR", empty_cache.path());
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at ca97288"), "{err}");
    assert!(err.contains("needs a confirmation"), "{err}");
}
