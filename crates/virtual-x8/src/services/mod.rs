//! The board's services and the commands that drive them: systemd units (`systemctl`,
//! `journalctl`), the H7 (program.sh and OpenOCD, the x8h7 sysfs files, kernel modules),
//! m4-proxy, and Docker (`docker`, `docker compose`, containers that run).
//!
//! CONTRACT (used by `sim::board` and `sim::shell`): `Services::start`, `lookup`, `port_addr`.
//!
//! The logic lives in `Services` methods that take plain arguments and writers
//! (`systemctl`, `journalctl`, `program_sh`, `docker`, ...), so they are testable without a
//! `Board`; the `Builtin` functions returned by [`Services::lookup`] are thin wrappers.
//!
//! Modelling choices (see also `h7` for the programming faults):
//! - m4-proxy is `Type=simple` + `RemainAfterExit=yes`. With the `m4-proxy-down` fault the
//!   process is dead (no pid, ports closed) while `systemctl is-active` still says `active`
//!   (`SubState=exited`, `MainPID=0`). The fault is checked on every command, so a test can
//!   set it while the board runs: the proxy then "dies". `systemctl restart m4-proxy` (root)
//!   clears the fault flag and starts a new proxy (the registration map is lost).
//! - After `program.sh` programs a good image the M4 keeps answering in the sim (the real
//!   board may need `systemctl restart m4-proxy` or a reboot; restarting works here too).
//!   After a `verify-fail` the H7 does not boot: sysfs reads time out and the M4 never
//!   answers (the services set `m4-silent` until a good image is programmed).
//! - The H7 version a test reads: [`Services::h7_version`]; `/sys/kernel/x8h7_firmware/version`
//!   in the sandbox holds it (empty while the H7 does not answer); [`Services::sysfs_read`]
//!   gives the exact result for a `cat` (`Err("Connection timed out")`).
//! - `journalctl` as fio prints the "insufficient permissions" hint and exits 1; root sees all.
//! - `no-docker`: docker.service is `failed`; every docker command prints "Cannot connect to
//!   the Docker daemon ...". Containers keep their state and come back when the fault clears.

mod compose;
mod docker;
mod elf;
mod h7;
mod journal;
mod m4unit;
mod runtime;
mod system;
mod template;
mod yaml;

pub use docker::{ContainerInfo, Docker, FsView, HostView, Status as ContainerStatus, VfsView};
pub use h7::{H7, H7ReadError, ProgramResult, ProgramSh, Stream, text as output_text};
pub use journal::{Entry as JournalEntry, Journal, utc as journal_utc};
pub use m4unit::{RESTART_SEC as M4_RESTART_SEC, START_LIMIT_BURST, START_LIMIT_INTERVAL};

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::board::{BoardConfig, ShellIo};
use super::faults::Faults;
use super::fwimage::make_image;
use super::shell::{Builtin, Ctx};
use super::vfs::User;

/// The m4-proxy process implementation.
type Proxy = super::m4::M4Proxy;

/// Board path of the installed firmware (the real file).
pub const FIRMWARE_PATH: &str = "/usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin";
/// Board path the scripts read (a relative symlink to [`FIRMWARE_PATH`]).
pub const EXTRA_BIN_PATH: &str = "/usr/arduino/extra/STM32H747AII6_CM7.bin";
pub const SYSFS_VERSION: &str = "/sys/kernel/x8h7_firmware/version";
pub const SYSFS_CHIP_UID: &str = "/sys/kernel/x8h7_firmware/chip_uid";

pub const X8H7_MODULES: &[&str] = &[
    "x8h7_drv",
    "x8h7_h7",
    "x8h7_can",
    "x8h7_gpio",
    "x8h7_adc",
    "x8h7_rtc",
    "x8h7_pwm",
    "x8h7_uart",
    "x8h7_ui",
];

/// Fixed pids of the long-running system processes.
pub const PID_SYSTEMD: u32 = 1;
pub const PID_CONTAINERD: u32 = 612;
pub const PID_DOCKERD: u32 = 688;
pub const PID_ADBD: u32 = 731;

/// Everything mutable about the board's system side.
struct Sys {
    /// compose-apps-early-start units disabled with `systemctl disable`.
    early_start_disabled: std::collections::BTreeSet<String>,
    h7: H7,
    modules_loaded: bool,
    next_pid: u32,
    /// m4-proxy: pid of the running process (0: none).
    m4_pid: u32,
    /// Whether m4-proxy.service is started (stays true after the process exits: RemainAfterExit).
    m4_started: bool,
    m4_since: SystemTime,
    m4_last_pid: u32,
    /// Between a crash and the automatic restart (`activating (auto-restart)`).
    m4_auto_restart: bool,
    /// The start limit refused a start (`failed`, result `start-limit-hit`).
    m4_failed: bool,
    m4_result: &'static str,
    m4_exit_status: i32,
    /// systemd's NRestarts (automatic restarts since the last manual start).
    m4_restarts: u32,
    /// Changes at every start and stop: a pending automatic restart checks it.
    m4_gen: u64,
    /// The start limit's window (ratelimit.c): when it opened, starts in it.
    m4_window: Option<std::time::Instant>,
    m4_attempts: u32,
    /// Whether the services turned on `m4-silent` because the H7 does not boot.
    set_m4_silent: bool,
    docker_stopped: bool,
    docker_since: SystemTime,
    h7_since: SystemTime,
    boot_time: SystemTime,
}

pub struct Services {
    root: PathBuf,
    hostname: String,
    faults: Arc<Faults>,
    journal: Arc<Journal>,
    sys: Arc<Mutex<Sys>>,
    /// m4-proxy.service (shares `sys`, `ports` and the journal).
    m4: m4unit::M4Unit,
    /// Board port -> real loopback address (m4-proxy's 5000/5001, published container ports).
    ports: Arc<Mutex<BTreeMap<u16, SocketAddr>>>,
    docker: Arc<Docker>,
}

fn host_path(root: &Path, board: &str) -> PathBuf {
    root.join(board.trim_start_matches('/'))
}

/// Read a board file by its board path, following a symlink in its last component as the
/// board does (the host cannot follow one itself on Windows, see [`crate::host`]).
fn read_board_file(root: &Path, board: &str) -> io::Result<Vec<u8>> {
    let mut cur = crate::vfs::normalize(board);
    for _ in 0..40 {
        let p = host_path(root, &cur);
        if !crate::host::is_symlink(&p) {
            return fs::read(p);
        }
        let target = crate::host::read_link(&p)?;
        cur = match target.strip_prefix(root) {
            Ok(rest) => crate::vfs::normalize(&rest.to_string_lossy().replace('\\', "/")),
            Err(_) => {
                crate::vfs::join_path(&crate::vfs::parent_of(&cur), &target.to_string_lossy())
            }
        };
    }
    Err(io::Error::from(io::ErrorKind::InvalidInput))
}

fn write_file(root: &Path, board: &str, data: &[u8], mode: u32) -> io::Result<()> {
    let p = host_path(root, board);
    if let Some(d) = p.parent() {
        fs::create_dir_all(d)?;
    }
    fs::write(&p, data)?;
    crate::host::set_mode(&p, mode)
}

fn symlink(target: &str, link: &Path) -> io::Result<()> {
    crate::host::symlink(Path::new(target), link)
}

/// The hostname the board derives from its serial (`portenta-x8-<serial, lowercase,
/// leading zeros stripped>`).
pub fn hostname_for(serial: &str) -> String {
    let s = serial.trim_start_matches('0').to_ascii_lowercase();
    format!("portenta-x8-{s}")
}

const PROGRAM_SH: &str = r#"#!/bin/sh

echo "Checking ext. rt mcu stm32h7 firmware version..."
openocd -f /usr/arduino/extra/openocd_script-imx_gpio.cfg -c "flash verify_image /usr/arduino/extra/STM32H747AII6_CM7.bin 0x8000000" -c "reset" -c "exit"

if [ $? -ne 0 ]; then
	echo "Ext. rt mcu stm32h7 is not programmed/updated, starting programming procedure..."
	openocd -f /usr/arduino/extra/openocd_script-imx_gpio.cfg -c "program /usr/arduino/extra/STM32H747AII6_CM7.bin verify reset exit 0x8000000"
else
	echo "Ext. rt mcu stm32h7 is programmed/updated, exiting..."
fi

exit 0
"#;

const PROGRAM_H7_SH: &str = r#"#!/bin/sh

FW=/usr/arduino/extra/STM32H747AII6_CM7.bin
H7_VERSION=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	H7_VERSION=$(cat /sys/kernel/x8h7_firmware/version 2>/dev/null) && break
	echo "Failed to read h7 firmware version"
	sleep 0.1
done

sudo -u fio dd if=$FW bs=1 count=40 skip=$((0x40000)) of=/tmp/version 2>/dev/null
M8_VERSION=$(strings /tmp/version | head -n1)

if [ "$H7_VERSION" = "$M8_VERSION" ]; then
	echo "Firmware on H7 matches firmware stored on X8. No Update."
else
	echo "Firmware on H7 does not match firmware stored on X8. Performing Update."
	echo "Version(H7)=$H7_VERSION"
	echo "Version(M8)=$M8_VERSION"
	openocd -f /usr/arduino/extra/openocd_script-imx_gpio.cfg -c "program $FW verify reset exit 0x8000000"
fi
"#;

const RESET_SH: &str = r#"#!/bin/sh
# Pulse the STM32H7 NRST line (i.MX GPIO1_IO10) low for 250 ms.
echo 10 > /sys/class/gpio/export 2>/dev/null
echo out > /sys/class/gpio/gpio10/direction
echo 0 > /sys/class/gpio/gpio10/value
sleep 0.25
echo 1 > /sys/class/gpio/gpio10/value
echo 10 > /sys/class/gpio/unexport
"#;

const LOAD_PRE_SH: &str = r#"#!/bin/sh
insmod /lib/modules/$(uname -r)/extra/x8h7_drv.ko
insmod /lib/modules/$(uname -r)/extra/x8h7_h7.ko
"#;

const LOAD_POST_SH: &str = r#"#!/bin/sh
modprobe industrialio
modprobe can-dev
for m in x8h7_can x8h7_gpio x8h7_adc x8h7_rtc x8h7_pwm x8h7_uart x8h7_ui; do
	insmod /lib/modules/$(uname -r)/extra/$m.ko
done
"#;

const UNLOAD_SH: &str = r#"#!/bin/sh
if [ "$(id -u)" -ne 0 ]; then
	echo "This script must be run as root."
	exit 1
fi
for m in x8h7_ui x8h7_uart x8h7_pwm x8h7_rtc x8h7_adc x8h7_gpio x8h7_can x8h7_h7 x8h7_drv; do
	rmmod $m
done
"#;

const OPENOCD_CFG: &str = r#"# Portenta X8: the i.MX8M Mini drives the STM32H747's SWD port through its GPIOs.
adapter driver imx_gpio
imx_gpio_peripheral_base 0x30200000
imx_gpio_speed_coeffs 50000 100
imx_gpio_swd_nums 15 8
imx_gpio_srst_num 10
reset_config srst_only srst_push_pull
transport select swd

set CHIPNAME stm32h7x
source [find target/stm32h7x_dual_bank.cfg]

init
targets
reset halt
"#;

const M4_PROXY_UNIT: &str = r#"[Unit]
Description=M4 Proxy
Requires=stm32h7-program.service
After=stm32h7-program.service
StartLimitIntervalSec=120
StartLimitBurst=10

[Service]
Type=simple
RemainAfterExit=yes
ExecStart=/usr/bin/m4_proxy
Restart=on-failure
RestartSec=2s

[Install]
WantedBy=basic.target
"#;

const STM32H7_UNIT: &str = r#"[Unit]
Description=STM32H7 firmware update
After=local-fs.target
Before=docker.service psplash-start.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=/bin/sh /usr/arduino/extra/load_modules_pre.sh
ExecStart=/bin/sh /usr/arduino/extra/program-h7.sh
ExecStartPost=/bin/sh /usr/arduino/extra/load_modules_post.sh

[Install]
WantedBy=sysinit.target
"#;

impl Services {
    /// Boot: write the H7/sysfs state into the sandbox, start m4-proxy (unless faulted), docker.
    pub fn start(cfg: &BoardConfig, faults: Arc<Faults>, root: PathBuf) -> io::Result<Services> {
        let image = make_image(&cfg.firmware_version);
        let fw = host_path(&root, FIRMWARE_PATH);
        if fs::symlink_metadata(&fw).is_err() {
            write_file(&root, FIRMWARE_PATH, &image, 0o644)?;
        }
        let extra = host_path(&root, EXTRA_BIN_PATH);
        if fs::symlink_metadata(&extra).is_err() {
            if let Some(d) = extra.parent() {
                fs::create_dir_all(d)?;
            }
            symlink(
                "../../lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin",
                &extra,
            )?;
        }
        for (name, body) in [
            ("program.sh", PROGRAM_SH),
            ("program-h7.sh", PROGRAM_H7_SH),
            ("reset.sh", RESET_SH),
            ("load_modules_pre.sh", LOAD_PRE_SH),
            ("load_modules_post.sh", LOAD_POST_SH),
            ("unload_modules.sh", UNLOAD_SH),
            ("openocd_script-imx_gpio.cfg", OPENOCD_CFG),
        ] {
            write_file(
                &root,
                &format!("/usr/arduino/extra/{name}"),
                body.as_bytes(),
                0o744,
            )?;
        }
        let etc_fw = host_path(&root, "/etc/firmware");
        if fs::symlink_metadata(&etc_fw).is_err() {
            if let Some(d) = etc_fw.parent() {
                fs::create_dir_all(d)?;
            }
            symlink("../usr/lib/firmware", &etc_fw)?;
        }
        write_file(
            &root,
            "/lib/systemd/system/m4-proxy.service",
            M4_PROXY_UNIT.as_bytes(),
            0o644,
        )?;
        write_file(
            &root,
            "/lib/systemd/system/stm32h7-program.service",
            STM32H7_UNIT.as_bytes(),
            0o644,
        )?;
        write_file(
            &root,
            "/usr/bin/m4_proxy",
            b"\x7fELF\x02\x01\x01\0m4_proxy\n",
            0o755,
        )?;
        write_file(
            &root,
            "/usr/bin/openocd",
            b"\x7fELF\x02\x01\x01\0openocd\n",
            0o755,
        )?;
        fs::create_dir_all(host_path(&root, "/tmp/arduino"))?;

        let now = SystemTime::now();
        let journal = Arc::new(Journal::new());
        let ports = Arc::new(Mutex::new(BTreeMap::new()));
        let docker = Arc::new(Docker::new(ports.clone()));
        let sys = Arc::new(Mutex::new(Sys {
            h7: H7::new(image, &cfg.serial),
            modules_loaded: false,
            next_pid: 800,
            m4_pid: 0,
            m4_started: false,
            m4_since: now,
            m4_last_pid: 0,
            m4_auto_restart: false,
            m4_failed: false,
            m4_result: "success",
            m4_exit_status: 0,
            m4_restarts: 0,
            m4_gen: 0,
            m4_window: None,
            m4_attempts: 0,
            set_m4_silent: false,
            docker_stopped: false,
            early_start_disabled: Default::default(),
            docker_since: now,
            h7_since: now,
            boot_time: now,
        }));
        let m4 = m4unit::M4Unit {
            sys: sys.clone(),
            journal: journal.clone(),
            faults: faults.clone(),
            ports: ports.clone(),
            proxy: Arc::new(Mutex::new(None)),
            upstream: cfg.m4_upstream.clone(),
            sketch: Arc::new(Mutex::new(cfg.m4_sketch.clone())),
            restart_delay: cfg.m4_restart_delay,
            serial_counter: Arc::default(),
        };
        let svc = Services {
            hostname: hostname_for(&cfg.serial),
            faults,
            journal,
            sys,
            m4,
            ports,
            docker,
            root,
        };
        svc.boot();
        Ok(svc)
    }

    /// The command for `name` (a bare name such as `systemctl`, or a path such as
    /// `/usr/arduino/extra/program.sh`), if it is one of the services' commands.
    pub fn lookup(name: &str) -> Option<Builtin> {
        let f: Builtin = match name {
            "systemctl" | "/bin/systemctl" | "/usr/bin/systemctl" => builtin_systemctl,
            "journalctl" | "/bin/journalctl" | "/usr/bin/journalctl" => builtin_journalctl,
            "pidof" | "/bin/pidof" | "/usr/bin/pidof" | "/sbin/pidof" => builtin_pidof,
            "ss" | "/bin/ss" | "/usr/bin/ss" | "/sbin/ss" | "/usr/sbin/ss" => builtin_ss,
            "lsmod" | "/bin/lsmod" | "/sbin/lsmod" | "/usr/sbin/lsmod" => builtin_lsmod,
            "reboot" | "/sbin/reboot" | "/usr/sbin/reboot" => builtin_reboot,
            "openocd" | "/usr/bin/openocd" => builtin_openocd,
            "docker" | "/usr/bin/docker" => builtin_docker,
            "docker-compose" | "/usr/bin/docker-compose" => builtin_docker_compose_v1,
            "/usr/arduino/extra/program.sh" => builtin_program_sh,
            "/usr/arduino/extra/program-h7.sh" => builtin_program_h7_sh,
            "/usr/arduino/extra/reset.sh" => builtin_reset_sh,
            "/usr/arduino/extra/load_modules_pre.sh" => builtin_load_pre,
            "/usr/arduino/extra/load_modules_post.sh" => builtin_load_post,
            "/usr/arduino/extra/unload_modules.sh" => builtin_unload,
            _ => return None,
        };
        Some(f)
    }

    /// The real loopback address standing for `port` on the board's localhost, if something listens there.
    pub fn port_addr(&self, port: u16) -> Option<SocketAddr> {
        self.reconcile();
        self.ports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&port)
            .copied()
    }

    /// A listener on the board's localhost `port` (adbd's `reverse:` forwards): `false`
    /// when something already listens there.
    pub fn bind_port(&self, port: u16, addr: SocketAddr) -> bool {
        let mut ports = self.ports.lock().unwrap_or_else(|e| e.into_inner());
        if ports.contains_key(&port) {
            return false;
        }
        ports.insert(port, addr);
        true
    }

    /// Close what [`Services::bind_port`] opened on `port` (only if it is still `addr`).
    pub fn unbind_port(&self, port: u16, addr: SocketAddr) {
        let mut ports = self.ports.lock().unwrap_or_else(|e| e.into_inner());
        if ports.get(&port) == Some(&addr) {
            ports.remove(&port);
        }
    }

    /// Stop every thread: containers, m4-proxy, journal followers.
    pub fn stop(&self) {
        self.docker.shutdown();
        self.m4.stop_process();
        self.journal.close();
    }

    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }
    pub fn journal(&self) -> &Arc<Journal> {
        &self.journal
    }
    pub fn docker_state(&self) -> &Arc<Docker> {
        &self.docker
    }
    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sys> {
        self.sys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn alloc_pid(&self) -> u32 {
        let mut s = self.lock();
        s.next_pid += 1 + s.next_pid % 3;
        s.next_pid
    }
}

/// Write text to a stream, ignoring errors (the host may have gone).
fn put(w: &mut dyn Write, s: &str) {
    let _ = w.write_all(s.as_bytes());
}

// ----- Builtin wrappers -----

/// Whether systemd's pager runs: output to a terminal (REB 1.2: `shell:CMD` on the X8),
/// no `--no-pager`, and neither SYSTEMD_PAGER nor PAGER set to `cat` or empty.
fn pages(ctx: &Ctx, args: &[String]) -> bool {
    if !crate::shell::stdout_is_tty() || args.iter().any(|a| a == "--no-pager") {
        return false;
    }
    for var in ["SYSTEMD_PAGER", "PAGER"] {
        if let Some(v) = ctx.env.get(var) {
            return !(v.is_empty() || v == "cat");
        }
    }
    true
}

/// `less` on the X8's `shell:` terminal (TERM unset): it warns and waits for RETURN, and a
/// terminal whose input never ends keeps it waiting until the host hangs up. Then the text.
fn page(text: &[u8], io: &mut ShellIo) -> i32 {
    put(
        io.stdout,
        "WARNING: terminal is not fully functional\nPress RETURN to continue ",
    );
    let _ = io.stdout.flush();
    let mut b = [0u8; 1];
    loop {
        match io.stdin.read(&mut b) {
            Ok(0) => break,
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) => continue,
            // The terminal hung up: less dies with it.
            Err(_) => return 129,
        }
    }
    let _ = io.stdout.write_all(text);
    0
}

fn builtin_systemctl(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let paged_verb = args.iter().find(|a| !a.starts_with('-')).is_none_or(|v| {
        matches!(
            v.as_str(),
            "status" | "cat" | "list-units" | "list-unit-files" | "show" | "list-timers"
        )
    });
    if paged_verb && pages(ctx, args) {
        let mut buf = Vec::new();
        let st = ctx
            .board
            .services()
            .systemctl(args, ctx.user, &mut buf, io.stderr);
        let code = page(&buf, io);
        return if code == 0 { st } else { code };
    }
    ctx.board
        .services()
        .systemctl(args, ctx.user, io.stdout, io.stderr)
}

fn builtin_journalctl(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let follows = args.iter().any(|a| {
        a == "-f"
            || a == "--follow"
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('f'))
    });
    if !follows && pages(ctx, args) {
        let mut buf = Vec::new();
        let st = ctx
            .board
            .services()
            .journalctl(args, ctx.user, &mut buf, io.stderr);
        let code = page(&buf, io);
        return if code == 0 { st } else { code };
    }
    ctx.board
        .services()
        .journalctl(args, ctx.user, io.stdout, io.stderr)
}

fn builtin_pidof(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    ctx.board.services().pidof(args, io.stdout)
}

fn builtin_ss(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    ctx.board
        .services()
        .ss(args, ctx.user, io.stdout, io.stderr)
}

fn builtin_lsmod(ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    ctx.board.services().lsmod(io.stdout)
}

fn builtin_reboot(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    ctx.board
        .services()
        .reboot_cmd(args, ctx.user, io.stdout, io.stderr)
}

fn read_bin(ctx: &Ctx) -> Option<Vec<u8>> {
    ctx.board.vfs().read(EXTRA_BIN_PATH, User::Root).ok()
}

fn denied(ctx: &Ctx, path: &str, io: &mut ShellIo) -> Option<i32> {
    if ctx.user == User::Root {
        return None;
    }
    put(
        io.stderr,
        &format!("/bin/bash: line 1: {path}: Permission denied\n"),
    );
    Some(126)
}

fn builtin_program_sh(ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    if let Some(c) = denied(ctx, "/usr/arduino/extra/program.sh", io) {
        return c;
    }
    let file = read_bin(ctx);
    if ctx.board.faults().has(crate::Fault::FreezeDuringProgram) {
        freeze_in_program_sh(ctx, io);
    }
    let r = ctx.board.services().program_sh(file.as_deref());
    write_lines(io, &r.lines);
    r.status
}

/// `freeze-during-program` (faults.rs; issue 14 item 8): program.sh prints its first line,
/// OpenOCD halts the H7 (§3.1), then the board answers nothing until the fault is cleared
/// (at most 10 minutes, so a forgotten simulator does not hang for ever).
fn freeze_in_program_sh(ctx: &mut Ctx, io: &mut ShellIo) {
    put(
        io.stdout,
        "Checking ext. rt mcu stm32h7 firmware version...\n",
    );
    let _ = io.stdout.flush();
    // Let the line leave before the freeze (adbd sends nothing once frozen).
    std::thread::sleep(std::time::Duration::from_millis(100));
    let faults = ctx.board.faults();
    ctx.board.services().halt_h7();
    faults.set_frozen(true);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(600);
    while faults.has(crate::Fault::FreezeDuringProgram) && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    faults.set_frozen(false);
}

fn builtin_program_h7_sh(ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    if let Some(c) = denied(ctx, "/usr/arduino/extra/program-h7.sh", io) {
        return c;
    }
    let file = read_bin(ctx);
    let r = ctx.board.services().program_h7_sh(file.as_deref());
    write_lines(io, &r.lines);
    r.status
}

fn builtin_reset_sh(ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    if let Some(c) = denied(ctx, "/usr/arduino/extra/reset.sh", io) {
        return c;
    }
    ctx.board.services().reset_h7();
    0
}

fn builtin_load_pre(ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    if let Some(c) = denied(ctx, "/usr/arduino/extra/load_modules_pre.sh", io) {
        return c;
    }
    ctx.board.services().load_modules(io.stderr)
}

fn builtin_load_post(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    builtin_load_pre(ctx, args, io)
}

fn builtin_unload(ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    if let Some(c) = denied(ctx, "/usr/arduino/extra/unload_modules.sh", io) {
        return c;
    }
    ctx.board.services().unload_modules();
    0
}

fn builtin_openocd(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let svc = ctx.board.services();
    let vfs = ctx.board.vfs();
    let read = |p: &str| vfs.read(p, User::Root).ok();
    let (lines, code) = svc.openocd(args, ctx.user, &read);
    write_lines(io, &lines);
    code
}

/// The docker CLI's words when the socket (`root:docker 0660`) refuses the caller.
pub const DOCKER_SOCKET_DENIED: &str = "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json\": dial unix /var/run/docker.sock: connect: permission denied\n";

fn builtin_docker(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    // REB 1.5: the socket is root:docker 0660 and an adb shell has lost fio's docker group
    // (setgroups() to the Android ids), so every command that talks to the daemon is
    // refused; `docker --version` and `--help` do not talk to it.
    let first = args.first().map(String::as_str);
    let local_only = args.is_empty()
        || matches!(first, Some("-v" | "--version" | "-h" | "--help"))
        || (first == Some("compose")
            && (ctx.board.faults().has(crate::Fault::NoDockerCompose)
                || matches!(
                    args.get(1).map(String::as_str),
                    Some("version" | "config" | "--help")
                )));
    if !crate::shell::has_login_groups(ctx.user) && !local_only {
        put(io.stderr, DOCKER_SOCKET_DENIED);
        return 1;
    }
    let svc = ctx.board.services();
    let fs = docker::VfsView {
        vfs: ctx.board.vfs(),
        user: ctx.user,
    };
    let env = ctx.env.clone();
    svc.docker(args, &ctx.cwd, &env, &fs, io.stdout, io.stderr)
}

fn builtin_docker_compose_v1(_ctx: &mut Ctx, _args: &[String], io: &mut ShellIo) -> i32 {
    put(
        io.stderr,
        "/bin/bash: line 1: docker-compose: command not found\n",
    );
    127
}

fn write_lines(io: &mut ShellIo, lines: &h7::Lines) {
    for (s, l) in lines {
        let w: &mut dyn Write = match s {
            Stream::Out => io.stdout,
            Stream::Err => io.stderr,
        };
        put(w, l);
        put(w, "\n");
    }
}

#[cfg(test)]
mod tests;
