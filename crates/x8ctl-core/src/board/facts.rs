//! Facts about the Portenta X8's image that x8ctl's board commands rely on: paths, the
//! firmware version offset, m4-proxy's ports and the systemd units, each with its evidence.
//!
//! Evidence is cited from the project's reference notes (`real-board-evidence.md`, "REB",
//! which overrides `x8-board-facts.md`, "XBF", where they disagree) and the upstream
//! sources they pin (REB §7). Code that sends a command to the board, and the hints that
//! tell the user one, take these constants instead of repeating the literals. The few that
//! other facts and fixed hint texts are built from are also macros, for `concat!`.

macro_rules! firmware_dir {
    () => {
        "/usr/lib/firmware/arduino/stm32h7-fw"
    };
}
macro_rules! extra_dir {
    () => {
        "/usr/arduino/extra"
    };
}
macro_rules! program_sh {
    () => {
        concat!($crate::board::facts::extra_dir!(), "/program.sh")
    };
}
macro_rules! sysfs_version {
    () => {
        "/sys/kernel/x8h7_firmware/version"
    };
}
macro_rules! m4_proxy_unit {
    () => {
        "m4-proxy"
    };
}
macro_rules! stm32h7_program_unit {
    () => {
        "stm32h7-program"
    };
}
macro_rules! x8h7_ui {
    () => {
        "/dev/x8h7_ui"
    };
}
macro_rules! home {
    () => {
        "/home/fio"
    };
}
macro_rules! work_dir {
    () => {
        concat!($crate::board::facts::home!(), "/.x8ctl")
    };
}
#[allow(unused_imports)]
pub(crate) use {
    extra_dir, firmware_dir, home, m4_proxy_unit, program_sh, stm32h7_program_unit, sysfs_version,
    work_dir, x8h7_ui,
};

/// The installed H7 firmware image: the real file. XBF §4.1 (the firmware recipe's
/// `do_install` in arduino/meta-partner-arduino
/// `recipes-kernel/linux-firmware/linux-firmware-arduino-portenta-x8-stm32h7_git.bb`).
/// It lives in `/usr`, an OSTree checkout: replace it, never write into it (REB §3.3).
pub const FIRMWARE_INSTALLED: &str = concat!(firmware_dir!(), "/STM32H747AII6_CM7.bin");

/// The folder of [`FIRMWARE_INSTALLED`].
pub const FIRMWARE_DIR: &str = firmware_dir!();

/// The firmware file's name, as the firmware's Makefile names its output (XBF §3.4,
/// arduino/portentax8-stm32h7-fw `Makefile`) and the image installs it (XBF §4.1).
pub const FIRMWARE_FILE: &str = "STM32H747AII6_CM7.bin";

/// Where program.sh and the boot-time flasher read the firmware: a symlink to
/// [`FIRMWARE_INSTALLED`] (XBF §4.1, §4.2).
pub const FIRMWARE_LINK: &str = concat!(extra_dir!(), "/STM32H747AII6_CM7.bin");

/// The read-only OSTree checkout the firmware is installed in: remounted read-write only
/// for the install (XBF §4.1; REB §3.3).
pub const USR: &str = "/usr";

/// The folder of Arduino's board scripts (XBF §4.1: mode 0744, root).
pub const EXTRA_DIR: &str = extra_dir!();

/// Programs the H7 from [`FIRMWARE_LINK`] with OpenOCD; always exits 0, judged by its lines
/// (XBF §4.2; REB §3.1, §3.4; arduino/portentax8-stm32h7-fw 53df799 `scripts/program.sh`).
pub const PROGRAM_SH: &str = program_sh!();

/// Load the x8h7 kernel modules, as `stm32h7-program.service` does at boot (XBF §4.1, §4.4).
pub const LOAD_MODULES_PRE: &str = concat!(extra_dir!(), "/load_modules_pre.sh");
/// See [`LOAD_MODULES_PRE`].
pub const LOAD_MODULES_POST: &str = concat!(extra_dir!(), "/load_modules_post.sh");

/// The H7's running firmware version: no trailing newline, and the read times out after
/// 100 ms (REB §3.2; arduino/portentax8-x8h7 c0b3550).
pub const SYSFS_VERSION: &str = sysfs_version!();

/// Offset of the NUL-terminated version string in a firmware `.bin` (flash address
/// 0x08040000, where arduino/portentax8-stm32h7-fw's linker script places it; XBF §3.3).
pub const VERSION_OFFSET: usize = 0x40000;

/// The character device m4-proxy talks to the H7 through (XBF §2.1, §2.5).
pub const X8H7_UI: &str = x8h7_ui!();

/// The device-tree model file an X8 is recognised by (REB §1.1).
pub const DEVICE_TREE_MODEL: &str = "/proc/device-tree/model";

/// m4-proxy's msgpack-rpc server whose only method is `register` (REB §2.5; XBF §2.1;
/// arduino/portentax8-m4-proxy 51a9327 `proxy/main.go`).
pub const M4_PROXY_REGISTER_PORT: u16 = 5000;

/// m4-proxy's pass-through to the M4: one message per connection (REB §2.4; XBF §2.1).
pub const M4_PROXY_CALL_PORT: u16 = 5001;

/// m4-proxy's systemd unit (XBF §2.5; REB §2.1: `Restart=on-failure`, `StartLimitBurst=10`;
/// arduino/meta-partner-arduino ddfd1b4 `recipes-connectivity/m4-proxy/m4-proxy/m4-proxy.service`).
pub const M4_PROXY_UNIT: &str = m4_proxy_unit!();

/// The boot-time H7 flasher and module loader (XBF §4.4; REB §3.3, §3.6).
pub const STM32H7_PROGRAM_UNIT: &str = stm32h7_program_unit!();

/// The image's early-start units: at boot, compose-apps-early-start removes the containers
/// and images of apps it does not know, so a locally built app does not survive a reboot
/// (REB §6.2; Arduino's user manual, "Managing Early Start Services When Building Custom
/// Containers", tells users to stop and disable both).
pub const EARLY_START_UNITS: [&str; 2] = [
    "compose-apps-early-start.service",
    "compose-apps-early-start-recovery.service",
];

/// Where the image's update client keeps the compose apps it installed, one folder each
/// (the apps early-start knows). Evidence: foundriesio/meta-lmp
/// `meta-lmp-base/recipes-containers/composeapp/composectl_git.bb` (9264e8a) builds
/// composectl with `composeRoot=/var/sota/compose-apps`; REB does not list it, so doctor
/// reads it best effort (an unreadable folder reads as "no apps").
pub const COMPOSE_APPS_DIR: &str = "/var/sota/compose-apps";

/// The user x8ctl works as, and its home: the only writable place besides /tmp (REB §1.5:
/// the adb shell runs as fio in /home/fio).
pub const HOME: &str = home!();

/// x8ctl's own folder on the board (under [`HOME`]): firmware uploads and backups,
/// deploy stamps.
pub const WORK_DIR: &str = work_dir!();

/// Where the M4 sketch goes: `monitor-m4-elf-file.path` programs it when it changes
/// (REB §4.1: `PathModified=/tmp/arduino/m4-user-sketch.elf`).
pub const SKETCH_PATH: &str = "/tmp/arduino/m4-user-sketch.elf";

/// The folder of [`SKETCH_PATH`].
pub const SKETCH_DIR: &str = "/tmp/arduino";

/// The largest payload the X8's adbd takes in one packet, so the longest OPEN (service
/// string plus its NUL): a bigger one drops the connection, or aborts Debian's adb server
/// (REB §1.4).
pub const MAX_PAYLOAD: usize = 4096;

/// The Docker socket, `root:docker 0660` (REB §1.5).
pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_facts_read_as_the_board_has_them() {
        assert_eq!(
            FIRMWARE_INSTALLED,
            "/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"
        );
        assert!(FIRMWARE_INSTALLED.starts_with(FIRMWARE_DIR));
        assert!(FIRMWARE_INSTALLED.ends_with(FIRMWARE_FILE));
        assert_eq!(FIRMWARE_LINK, "/usr/arduino/extra/STM32H747AII6_CM7.bin");
        assert_eq!(PROGRAM_SH, "/usr/arduino/extra/program.sh");
        assert_eq!(WORK_DIR, "/home/fio/.x8ctl");
        assert!(SKETCH_PATH.starts_with(SKETCH_DIR));
    }
}
