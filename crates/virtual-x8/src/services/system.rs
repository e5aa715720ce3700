//! systemd-side behaviour: boot, units and `systemctl`, `journalctl`, m4-proxy's life cycle,
//! program.sh/OpenOCD effects, `pidof`, `ss`, `lsmod`, `reboot`.

use std::fs;
use std::io::Write;

use std::time::{Duration, SystemTime};

use super::h7::{self, H7ReadError, Lines, ProgramResult, ProgramSh, Stream};
use super::journal::{Entry, systemd_ago, systemd_time};
use super::{
    EXTRA_BIN_PATH, PID_ADBD, PID_CONTAINERD, PID_DOCKERD, PID_SYSTEMD, SYSFS_CHIP_UID,
    SYSFS_VERSION, Services, X8H7_MODULES, host_path, put, read_board_file, write_file,
};
use crate::faults::Fault;
use crate::vfs::User;

/// A unit as `systemctl show` sees it.
#[derive(Debug, Clone)]
pub struct UnitView {
    pub id: String,
    pub description: &'static str,
    pub unit_type: &'static str,
    pub active: &'static str,
    pub sub: &'static str,
    pub main_pid: u32,
    pub exec_main_pid: u32,
    pub exec_main_status: i32,
    pub since: SystemTime,
    pub fragment: &'static str,
    pub exec_start: &'static str,
    pub comm: &'static str,
    pub remain_after_exit: bool,
    pub result: &'static str,
    pub n_restarts: u32,
}

const UNITS: &[&str] = &[
    "android-tools-adbd.service",
    "compose-apps-early-start-recovery.service",
    "compose-apps-early-start.service",
    "containerd.service",
    "docker.service",
    "m4-proxy.service",
    "monitor-m4-elf-file.path",
    "monitor-m4-elf-file.service",
    "stm32h7-program.service",
    "systemd-journald.service",
];

/// `m4-proxy` -> `m4-proxy.service`.
pub fn unit_name(s: &str) -> String {
    if s.contains('.') {
        s.to_string()
    } else {
        format!("{s}.service")
    }
}

const DENIED: &str = "Interactive authentication required.";

/// The early-start units of the image (Arduino's user manual, "Managing Early Start Services
/// When Building Custom Containers"; real-board-evidence.md §6.2).
pub const EARLY_START: [&str; 2] = [
    "compose-apps-early-start.service",
    "compose-apps-early-start-recovery.service",
];

impl Services {
    // ----- boot and life cycle -----

    pub(super) fn boot(&self) {
        self.journal.new_boot();
        {
            let mut s = self.lock();
            s.boot_time = SystemTime::now();
        }
        let j = &self.journal;
        j.log(
            "",
            "kernel",
            0,
            "Booting Linux on physical CPU 0x0000000000 [0x410fd034]",
        );
        j.log(
            "",
            "kernel",
            0,
            "Machine model: Arduino i.MX8MM Portenta X8 board",
        );
        j.systemd(
            "",
            "systemd 250.5+ running in system mode (+PAM -AUDIT -SELINUX)",
        );
        // stm32h7-program.service
        j.systemd(
            "stm32h7-program.service",
            "Starting STM32H7 firmware update...",
        );
        self.set_modules(&["x8h7_drv", "x8h7_h7"], true);
        let file = read_board_file(&self.root, EXTRA_BIN_PATH).ok();
        let r = self.program_h7_sh(file.as_deref());
        let pid = self.alloc_pid();
        for (_, l) in &r.lines {
            j.log("stm32h7-program.service", "sh", pid, l.clone());
        }
        self.set_modules(X8H7_MODULES, true);
        j.systemd(
            "stm32h7-program.service",
            "Finished STM32H7 firmware update.",
        );
        {
            let mut s = self.lock();
            s.h7_since = SystemTime::now();
        }
        // containerd, docker
        j.systemd(
            "containerd.service",
            "Started containerd container runtime.",
        );
        self.docker_boot_log();
        // m4-proxy
        self.start_m4();
        j.systemd(
            "android-tools-adbd.service",
            "Started Android Debug Bridge.",
        );
        j.systemd(
            "monitor-m4-elf-file.path",
            "Started Monitor the M4 ELF file for changes.",
        );
        self.early_start();
        self.docker.boot();
    }

    /// compose-apps-early-start at boot, when enabled: the apps it knows are the folders of
    /// /var/sota/compose-apps; every other container, and every image no kept container
    /// uses, is removed (real-board-evidence.md §6.2: a locally built app does not survive a
    /// reboot).
    fn early_start(&self) {
        let enabled = !self
            .lock()
            .early_start_disabled
            .contains("compose-apps-early-start.service");
        if !enabled {
            return;
        }
        let id = "compose-apps-early-start.service";
        self.journal
            .systemd(id, "Starting Start compose apps early...");
        let known: Vec<String> = fs::read_dir(host_path(&self.root, "/var/sota/compose-apps"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let pid = self.alloc_pid();
        for what in self.docker.prune_unknown(&known) {
            self.journal.log(
                id,
                "compose-apps-early-start",
                pid,
                format!("Removing {what}"),
            );
        }
        if known.is_empty() {
            self.journal
                .log(id, "compose-apps-early-start", pid, "No apps defined");
        }
        self.journal
            .systemd(id, "Finished Start compose apps early.");
    }

    fn docker_boot_log(&self) {
        let j = &self.journal;
        j.systemd(
            "docker.service",
            "Starting Docker Application Container Engine...",
        );
        if self.faults.has(Fault::NoDocker) {
            j.log(
                "docker.service",
                "dockerd",
                PID_DOCKERD,
                "failed to start daemon: Error initializing network controller: error obtaining controller instance: failed to create NAT chain DOCKER: iptables failed",
            );
            j.systemd(
                "docker.service",
                "docker.service: Main process exited, code=exited, status=1/FAILURE",
            );
            j.systemd(
                "docker.service",
                "docker.service: Failed with result 'exit-code'.",
            );
            j.systemd(
                "docker.service",
                "Failed to start Docker Application Container Engine.",
            );
        } else {
            j.log(
                "docker.service",
                "dockerd",
                PID_DOCKERD,
                "time=\"now\" level=info msg=\"API listen on /run/docker.sock\"",
            );
            j.systemd(
                "docker.service",
                "Started Docker Application Container Engine.",
            );
        }
        self.lock().docker_since = SystemTime::now();
    }

    /// Start m4-proxy (the service's ExecStart). With `m4-proxy-down` the process exits at
    /// once and the unit stays `active (exited)`. Subject to the start limit (see
    /// `m4unit`): false when it refused the start.
    pub fn start_m4(&self) -> bool {
        self.m4.start()
    }

    pub(super) fn stop_proxy(&self) {
        self.m4.stop_process();
    }

    /// Whether the m4_proxy process runs.
    pub fn m4_running(&self) -> bool {
        self.m4.running()
    }

    /// The pid of the running m4_proxy (0: none).
    pub fn m4_pid(&self) -> u32 {
        self.lock().m4_pid
    }

    /// systemd's NRestarts for m4-proxy.service.
    pub fn m4_restarts(&self) -> u32 {
        self.lock().m4_restarts
    }

    /// The registrations the running m4-proxy holds (empty when it is not running).
    pub fn m4_registrations(&self) -> Vec<(String, u16)> {
        self.m4
            .proxy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|p| p.registrations())
            .unwrap_or_default()
    }

    /// Load another sketch into the M4 (as an upload would); m4-proxy keeps running.
    pub fn set_m4_sketch(&self, sketch: crate::sketch::Sketch) {
        *self.m4.sketch.lock().unwrap_or_else(|e| e.into_inner()) = sketch.clone();
        if let Some(p) = self
            .m4
            .proxy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            p.set_sketch(sketch);
        }
    }

    /// Apply faults toggled while the board runs: `m4-proxy-down` kills a running proxy.
    pub fn reconcile(&self) {
        if self.faults.has(Fault::M4ProxyDown) && self.m4_running() {
            self.stop_proxy();
        }
    }

    /// `systemctl restart m4-proxy` as root: clears `m4-proxy-down`, starts a new process
    /// (a manual start: NRestarts starts again from 0). False when the start limit refused.
    pub fn restart_m4(&self) -> bool {
        self.faults.set(Fault::M4ProxyDown, false);
        let was = self.lock().m4_started;
        if was {
            self.journal
                .systemd("m4-proxy.service", "Stopping M4 Proxy...");
        }
        self.stop_proxy();
        if was {
            self.journal.systemd(
                "m4-proxy.service",
                "m4-proxy.service: Deactivated successfully.",
            );
            self.journal
                .systemd("m4-proxy.service", "Stopped M4 Proxy.");
        }
        {
            let mut s = self.lock();
            s.m4_started = false;
            s.m4_restarts = 0;
        }
        self.start_m4()
    }

    fn stop_m4_unit(&self) {
        let (was, pending) = {
            let s = self.lock();
            (s.m4_started, s.m4_auto_restart)
        };
        if !was {
            return;
        }
        if !pending {
            self.journal
                .systemd("m4-proxy.service", "Stopping M4 Proxy...");
        }
        self.stop_proxy();
        self.lock().m4_started = false;
        if !pending {
            self.journal.systemd(
                "m4-proxy.service",
                "m4-proxy.service: Deactivated successfully.",
            );
        }
        self.journal
            .systemd("m4-proxy.service", "Stopped M4 Proxy.");
    }

    pub fn docker_up(&self) -> bool {
        !self.faults.has(Fault::NoDocker) && !self.lock().docker_stopped
    }

    /// Reboot: stop everything, then boot again (the H7 is re-checked by program-h7.sh,
    /// m4-proxy is started again, containers with a restart policy come back).
    pub fn reboot(&self) {
        self.journal.systemd("", "Stopping M4 Proxy...");
        self.docker.stop_all_for_reboot();
        self.stop_proxy();
        {
            let mut s = self.lock();
            s.m4_started = false;
            s.m4_failed = false;
            s.m4_restarts = 0;
            s.m4_window = None;
            s.m4_attempts = 0;
            s.m4_result = "success";
            s.m4_exit_status = 0;
            s.modules_loaded = false;
            s.docker_stopped = false;
        }
        self.journal.systemd("", "Reached target System Reboot.");
        self.boot();
    }

    // ----- H7 -----

    /// The version the running H7 firmware reports (what `/sys/kernel/x8h7_firmware/version` shows).
    pub fn h7_version(&self) -> Result<String, H7ReadError> {
        if !self.lock().modules_loaded {
            return Err(H7ReadError::TimedOut);
        }
        self.lock().h7.version()
    }

    /// A copy of the bytes programmed into the H7's flash.
    pub fn h7_flash(&self) -> Vec<u8> {
        self.lock().h7.flash.clone()
    }

    /// Replace the H7 flash content directly (tests: "the board came with firmware X").
    pub fn set_h7_flash(&self, image: Vec<u8>) {
        self.lock().h7.flash = image;
        self.after_h7_change();
    }

    /// What reading a sysfs file of the x8h7 driver gives, for the file system / `cat`:
    /// `None` if `path` is not one of them; `Err("Connection timed out")` when the H7 does
    /// not answer. The real driver returns the version **without a trailing newline** and
    /// gives up with -ETIMEDOUT after 100 ms (`X8H7_RX_TIMEOUT = HZ/10`,
    /// arduino/portentax8-x8h7 c0b3550; real-board-evidence.md §3.2).
    pub fn sysfs_read(&self, path: &str) -> Option<Result<Vec<u8>, &'static str>> {
        match path {
            SYSFS_VERSION => Some(match self.h7_version() {
                Ok(v) => Ok(v.into_bytes()),
                Err(_) => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    Err("Connection timed out")
                }
            }),
            SYSFS_CHIP_UID => {
                let s = self.lock();
                if !s.modules_loaded || !s.h7.boots() || s.h7.halted {
                    drop(s);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    return Some(Err("Connection timed out"));
                }
                Some(Ok(format!("{}\n", s.h7.chip_uid).into_bytes()))
            }
            _ => None,
        }
    }

    /// Rewrite the sysfs files from the H7 state, and make the M4 silent while the H7 does
    /// not boot. (The sandbox files hold an empty version when the read would time out;
    /// [`Services::sysfs_read`] gives the precise error.)
    fn after_h7_change(&self) {
        let (version, uid, boots) = {
            let s = self.lock();
            let boots = s.h7.version().is_ok() && s.modules_loaded;
            (
                s.h7.version().unwrap_or_default(),
                s.h7.chip_uid.clone(),
                boots,
            )
        };
        if boots {
            let _ = write_file(&self.root, SYSFS_VERSION, version.as_bytes(), 0o444);
            let _ = write_file(
                &self.root,
                SYSFS_CHIP_UID,
                format!("{uid}\n").as_bytes(),
                0o444,
            );
        } else {
            let _ = write_file(&self.root, SYSFS_VERSION, b"", 0o444);
            let _ = write_file(&self.root, SYSFS_CHIP_UID, b"", 0o444);
        }
        let mut s = self.lock();
        if s.h7.version().is_err() {
            if !self.faults.has(Fault::M4Silent) {
                self.faults.set(Fault::M4Silent, true);
                s.set_m4_silent = true;
            }
        } else if s.set_m4_silent {
            self.faults.set(Fault::M4Silent, false);
            s.set_m4_silent = false;
        }
    }

    /// `program.sh` against the H7, given the bytes of /usr/arduino/extra/STM32H747AII6_CM7.bin
    /// (`None`: the file cannot be read). Always exit status 0.
    pub fn program_sh(&self, file: Option<&[u8]>) -> ProgramSh {
        let pf = self.program_fails();
        let vf = self.faults.has(Fault::VerifyFail);
        let r = {
            let mut s = self.lock();
            h7::program_sh(&mut s.h7, file, pf, vf)
        };
        self.program_fail_fired(r.programmed);
        self.after_h7_change();
        self.log_program(&r);
        r
    }

    /// OpenOCD started and halted the H7 (`init; targets; reset halt`, real-board-evidence.md
    /// §3.1), and nothing followed: what a board that froze in program.sh leaves.
    pub fn halt_h7(&self) {
        self.lock().h7.halted = true;
        self.after_h7_change();
    }

    /// The boot-time comparison by version string (`program-h7.sh`).
    pub fn program_h7_sh(&self, file: Option<&[u8]>) -> ProgramSh {
        let pf = self.program_fails();
        let vf = self.faults.has(Fault::VerifyFail);
        let r = {
            let mut s = self.lock();
            // The script reads the running version through the driver.
            if !s.modules_loaded {
                s.modules_loaded = true;
            }
            h7::program_h7_sh(&mut s.h7, file, pf, vf)
        };
        self.program_fail_fired(r.programmed);
        self.after_h7_change();
        r
    }

    /// Whether the next programming fails (`program-fail`, `program-fail-always`).
    fn program_fails(&self) -> bool {
        self.faults.has(Fault::ProgramFail) || self.faults.has(Fault::ProgramFailAlways)
    }

    /// `program-fail` fires once: after a failed programming it clears itself.
    fn program_fail_fired(&self, r: Option<ProgramResult>) {
        if r == Some(ProgramResult::Failed) {
            self.faults.set(Fault::ProgramFail, false);
        }
    }

    fn log_program(&self, r: &ProgramSh) {
        if r.programmed.is_some() {
            self.journal.log(
                "",
                "kernel",
                0,
                "x8h7_drv: h7 reset detected, resynchronising",
            );
        }
        if r.programmed == Some(ProgramResult::Ok) {
            self.lock().h7_since = SystemTime::now();
        }
    }

    /// `reset.sh`: pulse NRST; the H7 reboots its current firmware.
    pub fn reset_h7(&self) {
        self.after_h7_change();
    }

    fn set_modules(&self, _mods: &[&str], loaded: bool) {
        self.lock().modules_loaded = loaded;
        let _ = write_file(&self.root, "/dev/x8h7_ui", b"", 0o660);
    }

    pub fn load_modules(&self, _err: &mut dyn Write) -> i32 {
        self.set_modules(X8H7_MODULES, true);
        self.after_h7_change();
        0
    }

    pub fn unload_modules(&self) {
        self.lock().modules_loaded = false;
        let _ = fs::remove_file(host_path(&self.root, "/dev/x8h7_ui"));
        self.after_h7_change();
    }

    pub fn modules_loaded(&self) -> bool {
        self.lock().modules_loaded
    }

    /// `openocd` with the invocations the scripts use; `read` reads a board file as root.
    pub fn openocd(
        &self,
        args: &[String],
        user: User,
        read: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> (Lines, i32) {
        let mut cmds: Vec<String> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "-f" | "--file" | "-s" | "--search" | "-d" | "-l" | "--log_output" => i += 1,
                "-c" | "--command" => {
                    if let Some(c) = args.get(i + 1) {
                        cmds.push(c.clone());
                    }
                    i += 1;
                }
                "-v" | "--version" => {
                    return (
                        vec![(
                            Stream::Err,
                            "Open On-Chip Debugger 0.12.0\nLicensed under GNU GPL v2\nFor bug reports, read\n\thttp://openocd.org/doc/doxygen/bugs.html".to_string(),
                        )],
                        0,
                    );
                }
                _ => {}
            }
            i += 1;
        }
        let mut l = Lines::new();
        if user != User::Root {
            for s in [
                "Open On-Chip Debugger 0.12.0",
                "Licensed under GNU GPL v2",
                "For bug reports, read",
                "\thttp://openocd.org/doc/doxygen/bugs.html",
                "Error: open: Permission denied",
            ] {
                l.push((Stream::Err, s.to_string()));
            }
            return (l, 1);
        }
        let pf = self.program_fails();
        let vf = self.faults.has(Fault::VerifyFail);
        let first: Vec<&str> = cmds
            .first()
            .map(|c| c.split_whitespace().collect())
            .unwrap_or_default();
        let code = match first.as_slice() {
            ["flash", "verify_image", file, ..] => {
                let data = read(file);
                let c = {
                    let mut s = self.lock();
                    h7::openocd_verify(&mut s.h7, data.as_deref(), file, &mut l)
                };
                self.after_h7_change();
                c
            }
            ["program", file, ..] if file.ends_with(".elf") => {
                // An M4 sketch (monitor-m4-elf-file.service): programmed into the M4's bank.
                let data = read(file);
                for s in [
                    "Open On-Chip Debugger 0.12.0",
                    "Licensed under GNU GPL v2",
                    "For bug reports, read",
                    "\thttp://openocd.org/doc/doxygen/bugs.html",
                ] {
                    l.push((Stream::Err, s.to_string()));
                }
                let code = match data.as_deref().map(super::elf::sections) {
                    None => {
                        l.push((Stream::Err, format!("Error: couldn't open {file}")));
                        l.push((Stream::Err, "** Programming Failed **".into()));
                        1
                    }
                    Some(Err(e)) => {
                        l.push((Stream::Err, format!("Error: {e}")));
                        l.push((Stream::Err, "** Programming Failed **".into()));
                        1
                    }
                    Some(Ok(sections)) => {
                        l.push((Stream::Err, "** Programming Started **".into()));
                        // Each segment goes where it says: OpenOCD writes the flash banks
                        // (the M7's at 0x08000000 as well as the M4's at 0x08100000) and
                        // warns about and drops what is in no bank; verifying then fails.
                        let dropped = {
                            let mut s = self.lock();
                            h7::write_sections(&mut s.h7, &sections, &mut l)
                        };
                        self.after_h7_change();
                        l.push((Stream::Err, "** Programming Finished **".into()));
                        l.push((Stream::Err, "** Verify Started **".into()));
                        if dropped {
                            l.push((
                                Stream::Err,
                                "Error: checksum mismatch - attempting binary compare".into(),
                            ));
                            l.push((Stream::Err, "** Verify Failed **".into()));
                            // No reset after a failed verify: `reset halt` holds (§3.1).
                            self.lock().h7.halted = true;
                            self.after_h7_change();
                            1
                        } else {
                            l.push((Stream::Err, "** Verified OK **".into()));
                            l.push((Stream::Err, "** Resetting Target **".into()));
                            0
                        }
                    }
                };
                l.push((Stream::Err, "shutdown command invoked".into()));
                code
            }
            ["program", file, ..] => {
                let data = read(file);
                let (c, r) = {
                    let mut s = self.lock();
                    h7::openocd_program(&mut s.h7, data.as_deref(), file, pf, vf, &mut l)
                };
                self.program_fail_fired(Some(r));
                self.after_h7_change();
                c
            }
            _ => {
                let probe = {
                    let mut h = self.lock().h7.clone();
                    let mut tmp = Lines::new();
                    h7::openocd_verify(&mut h, None, "", &mut tmp);
                    tmp
                };
                // The config's `reset halt` (§3.1); a later `reset`/`resume` runs it again.
                let mut halted = true;
                // banner + init only (drop the verify error line)
                for x in probe.into_iter().filter(|(_, t)| !t.starts_with("Error:")) {
                    l.push(x);
                }
                let mut code = 0;
                for c in &cmds {
                    let w: Vec<&str> = c.split_whitespace().collect();
                    match w.first().copied() {
                        Some("reset") if w.get(1) != Some(&"halt") => halted = false,
                        Some("resume") => halted = false,
                        Some("init" | "targets" | "halt" | "reset") | None => {}
                        Some("exit" | "shutdown") => {
                            l.push((Stream::Err, "shutdown command invoked".into()));
                            break;
                        }
                        Some(other) => {
                            l.push((Stream::Err, format!("invalid command name \"{other}\"")));
                            code = 1;
                            break;
                        }
                    }
                }
                self.lock().h7.halted = halted;
                self.after_h7_change();
                code
            }
        };
        (l, code)
    }

    // ----- units -----

    pub fn unit(&self, name: &str) -> Option<UnitView> {
        let id = unit_name(name);
        let s = self.lock();
        let boot = s.boot_time;
        let base = |description, unit_type, fragment, exec_start, comm| UnitView {
            id: id.clone(),
            description,
            unit_type,
            active: "active",
            sub: "running",
            main_pid: 0,
            exec_main_pid: 0,
            exec_main_status: 0,
            since: boot,
            fragment,
            exec_start,
            comm,
            remain_after_exit: false,
            result: "success",
            n_restarts: 0,
        };
        // A daemon that runs from boot to the end under one PID.
        let daemon = |u: UnitView, pid: u32| UnitView {
            main_pid: pid,
            exec_main_pid: pid,
            ..u
        };
        let v = match id.as_str() {
            "m4-proxy.service" => {
                let mut u = base(
                    "M4 Proxy",
                    "simple",
                    "/lib/systemd/system/m4-proxy.service",
                    "/usr/bin/m4_proxy",
                    "m4_proxy",
                );
                u.remain_after_exit = true;
                u.since = s.m4_since;
                u.exec_main_pid = s.m4_last_pid;
                u.n_restarts = s.m4_restarts;
                u.result = s.m4_result;
                u.exec_main_status = s.m4_exit_status;
                if s.m4_pid != 0 {
                    u.main_pid = s.m4_pid;
                } else if s.m4_failed {
                    u.active = "failed";
                    u.sub = "failed";
                } else if s.m4_auto_restart {
                    u.active = "activating";
                    u.sub = "auto-restart";
                } else if s.m4_started {
                    u.sub = "exited";
                } else {
                    u.active = "inactive";
                    u.sub = "dead";
                }
                u
            }
            "stm32h7-program.service" => {
                let mut u = base(
                    "STM32H7 firmware update",
                    "oneshot",
                    "/lib/systemd/system/stm32h7-program.service",
                    "/bin/sh /usr/arduino/extra/program-h7.sh",
                    "sh",
                );
                u.sub = "exited";
                u.remain_after_exit = true;
                u.since = s.h7_since;
                u
            }
            "docker.service" => {
                let mut u = base(
                    "Docker Application Container Engine",
                    "notify",
                    "/lib/systemd/system/docker.service",
                    "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
                    "dockerd",
                );
                u.since = s.docker_since;
                if self.faults.has(Fault::NoDocker) {
                    u.active = "failed";
                    u.sub = "failed";
                    u.exec_main_pid = PID_DOCKERD;
                    u.exec_main_status = 1;
                    u.result = "exit-code";
                } else if s.docker_stopped {
                    u.active = "inactive";
                    u.sub = "dead";
                } else {
                    u.main_pid = PID_DOCKERD;
                    u.exec_main_pid = PID_DOCKERD;
                }
                u
            }
            "containerd.service" => daemon(
                base(
                    "containerd container runtime",
                    "notify",
                    "/lib/systemd/system/containerd.service",
                    "/usr/bin/containerd",
                    "containerd",
                ),
                PID_CONTAINERD,
            ),
            "android-tools-adbd.service" => daemon(
                base(
                    "Android Debug Bridge",
                    "simple",
                    "/lib/systemd/system/android-tools-adbd.service",
                    "/usr/bin/adbd",
                    "adbd",
                ),
                PID_ADBD,
            ),
            "systemd-journald.service" => daemon(
                base(
                    "Journal Service",
                    "notify",
                    "/lib/systemd/system/systemd-journald.service",
                    "/lib/systemd/systemd-journald",
                    "systemd-journal",
                ),
                201,
            ),
            "monitor-m4-elf-file.path" => {
                let mut u = base(
                    "Monitor the M4 ELF file for changes",
                    "path",
                    "/lib/systemd/system/monitor-m4-elf-file.path",
                    "",
                    "",
                );
                u.sub = "waiting";
                u
            }
            "compose-apps-early-start.service" | "compose-apps-early-start-recovery.service" => {
                let recovery = id.contains("recovery");
                let mut u = base(
                    if recovery {
                        "Recover compose apps started early"
                    } else {
                        "Start compose apps early"
                    },
                    "oneshot",
                    if recovery {
                        "/lib/systemd/system/compose-apps-early-start-recovery.service"
                    } else {
                        "/lib/systemd/system/compose-apps-early-start.service"
                    },
                    if recovery {
                        "/usr/bin/compose-apps-early-start-recovery"
                    } else {
                        "/usr/bin/compose-apps-early-start"
                    },
                    "sh",
                );
                if s.early_start_disabled.contains(id.as_str()) {
                    u.active = "inactive";
                    u.sub = "dead";
                } else {
                    u.sub = "exited";
                    u.remain_after_exit = true;
                }
                u
            }
            "monitor-m4-elf-file.service" => {
                let mut u = base(
                    "Program the M4 with the uploaded sketch",
                    "oneshot",
                    "/lib/systemd/system/monitor-m4-elf-file.service",
                    "/usr/bin/openocd -f /usr/arduino/extra/openocd_script-imx_gpio.cfg -c \"program /tmp/arduino/m4-user-sketch.elf verify reset exit\"",
                    "openocd",
                );
                u.active = "inactive";
                u.sub = "dead";
                u
            }
            _ => return None,
        };
        Some(v)
    }

    fn show_prop(&self, u: &UnitView, p: &str) -> Option<String> {
        Some(match p {
            "Id" | "Names" => u.id.clone(),
            "Description" => u.description.to_string(),
            "LoadState" => "loaded".into(),
            "ActiveState" => u.active.into(),
            "SubState" => u.sub.into(),
            "MainPID" => u.main_pid.to_string(),
            "ExecMainPID" => u.exec_main_pid.to_string(),
            "ExecMainStatus" => u.exec_main_status.to_string(),
            "ExecMainCode" => (if u.exec_main_pid != 0 && u.main_pid == 0 {
                "1"
            } else {
                "0"
            })
            .into(),
            "Type" => u.unit_type.into(),
            "Result" => u.result.into(),
            "RemainAfterExit" => (if u.remain_after_exit { "yes" } else { "no" }).into(),
            "UnitFileState" => "enabled".into(),
            "FragmentPath" => u.fragment.into(),
            "NRestarts" => u.n_restarts.to_string(),
            "ActiveEnterTimestamp" => {
                if u.active == "active" {
                    systemd_time(u.since)
                } else {
                    String::new()
                }
            }
            "StateChangeTimestamp" => systemd_time(u.since),
            "Restart" => (if u.id == "m4-proxy.service" {
                "on-failure"
            } else {
                "no"
            })
            .into(),
            _ => return None,
        })
    }

    /// `systemctl ARGS` as `user`; returns the exit status.
    pub fn systemctl(
        &self,
        args: &[String],
        user: User,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> i32 {
        self.reconcile();
        let mut props: Vec<String> = Vec::new();
        let mut value_only = false;
        let mut quiet = false;
        let mut words: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            if a == "-p" || a == "--property" {
                if let Some(v) = args.get(i + 1) {
                    props.extend(v.split(',').map(str::to_string));
                }
                i += 1;
            } else if let Some(v) = a.strip_prefix("--property=") {
                props.extend(v.split(',').map(str::to_string));
            } else if let Some(v) = a.strip_prefix("-p").filter(|v| !v.is_empty()) {
                props.extend(v.split(',').map(str::to_string));
            } else if a == "--value" {
                value_only = true;
            } else if a == "-q" || a == "--quiet" {
                quiet = true;
            } else if a.starts_with('-') {
                // --no-pager, --full, -l, --all ... accepted and ignored
            } else {
                words.push(a);
            }
            i += 1;
        }
        let Some((&verb, units)) = words.split_first() else {
            return self.list_units(out);
        };
        match verb {
            "list-units" => self.list_units(out),
            "is-active" | "is-failed" => {
                let mut code = 3;
                if units.is_empty() {
                    put(err, "Too few arguments.\n");
                    return 1;
                }
                for u in units {
                    let state = self.unit(u).map(|u| u.active).unwrap_or("inactive");
                    if !quiet {
                        put(out, &format!("{state}\n"));
                    }
                    let ok = if verb == "is-active" {
                        state == "active"
                    } else {
                        state == "failed"
                    };
                    if ok {
                        code = 0;
                    } else if verb == "is-failed" {
                        code = 1;
                    }
                }
                code
            }
            "is-enabled" => {
                let mut code = 0;
                for u in units {
                    if self.unit(u).is_some() {
                        let off = self.lock().early_start_disabled.contains(&unit_name(u));
                        if !quiet {
                            put(out, if off { "disabled\n" } else { "enabled\n" });
                        }
                        if off {
                            code = 1;
                        }
                    } else {
                        put(
                            err,
                            &format!(
                                "Failed to get unit file state for {}: No such file or directory\n",
                                unit_name(u)
                            ),
                        );
                        code = 1;
                    }
                }
                code
            }
            "show" => {
                let mut code = 0;
                let all = [
                    "Type",
                    "Restart",
                    "RemainAfterExit",
                    "MainPID",
                    "ExecMainPID",
                    "ExecMainCode",
                    "ExecMainStatus",
                    "Id",
                    "Names",
                    "Description",
                    "LoadState",
                    "ActiveState",
                    "SubState",
                    "FragmentPath",
                    "UnitFileState",
                    "Result",
                    "NRestarts",
                    "ActiveEnterTimestamp",
                    "StateChangeTimestamp",
                ];
                let wanted: Vec<String> = if props.is_empty() {
                    all.iter().map(|s| s.to_string()).collect()
                } else {
                    props.clone()
                };
                for (n, u) in units.iter().enumerate() {
                    if n > 0 {
                        put(out, "\n");
                    }
                    let view = self.unit(u);
                    for p in &wanted {
                        let v = match &view {
                            Some(v) => self.show_prop(v, p),
                            None => match p.as_str() {
                                "LoadState" => Some("not-found".into()),
                                "ActiveState" => Some("inactive".into()),
                                "SubState" => Some("dead".into()),
                                "MainPID" | "ExecMainPID" | "ExecMainStatus" => Some("0".into()),
                                "Id" | "Names" => Some(unit_name(u)),
                                _ => None,
                            },
                        };
                        let v = v.unwrap_or_default();
                        if value_only {
                            put(out, &format!("{v}\n"));
                        } else {
                            put(out, &format!("{p}={v}\n"));
                        }
                    }
                    if view.is_none() && props.is_empty() {
                        code = 0;
                    }
                }
                code
            }
            "status" => {
                let mut code = 0;
                for u in units {
                    match self.unit(u) {
                        Some(v) => {
                            self.status(&v, user, out);
                            if v.active != "active" {
                                code = 3;
                            }
                        }
                        None => {
                            put(err, &format!("Unit {} could not be found.\n", unit_name(u)));
                            code = 4;
                        }
                    }
                }
                code
            }
            "start" | "stop" | "restart" | "reload" | "try-restart" | "reload-or-restart"
            | "enable" | "disable" | "kill" | "daemon-reload" | "reset-failed" => {
                if user != User::Root {
                    if verb == "daemon-reload" {
                        put(err, &format!("Failed to reload daemon: {DENIED}\n"));
                        return 1;
                    }
                    if let Some(u) = units.first() {
                        let what = if verb == "enable" || verb == "disable" {
                            format!("Failed to {verb} unit: Access denied\n")
                        } else {
                            format!(
                                "Failed to {verb} {0}: {DENIED}\nSee system logs and 'systemctl status {0}' for details.\n",
                                unit_name(u)
                            )
                        };
                        put(err, &what);
                    }
                    return 1;
                }
                if verb == "daemon-reload" {
                    return 0;
                }
                if verb == "reset-failed" {
                    if units.is_empty() || units.iter().any(|u| unit_name(u) == "m4-proxy.service")
                    {
                        self.m4.reset_failed();
                    }
                    return 0;
                }
                if units.is_empty() {
                    put(err, "Too few arguments.\n");
                    return 1;
                }
                let mut code = 0;
                for u in units {
                    code = code.max(self.unit_action(verb, u, err));
                }
                code
            }
            other => {
                put(err, &format!("Unknown command verb {other}.\n"));
                1
            }
        }
    }

    fn unit_action(&self, verb: &str, u: &str, err: &mut dyn Write) -> i32 {
        let id = unit_name(u);
        if self.unit(&id).is_none() {
            put(
                err,
                &format!("Failed to {verb} {id}: Unit {id} not found.\n"),
            );
            return 5;
        }
        if EARLY_START.contains(&id.as_str()) && matches!(verb, "enable" | "disable") {
            let mut st = self.lock();
            let link = format!("/etc/systemd/system/multi-user.target.wants/{id}");
            if verb == "disable" {
                if st.early_start_disabled.insert(id.clone()) {
                    put(err, &format!("Removed \"{link}\".\n"));
                }
            } else if st.early_start_disabled.remove(&id) {
                put(
                    err,
                    &format!("Created symlink {link} \u{2192} /lib/systemd/system/{id}.\n"),
                );
            }
            return 0;
        }
        if matches!(verb, "enable" | "disable" | "reload") {
            return 0;
        }
        match id.as_str() {
            "m4-proxy.service" => {
                let started = match verb {
                    "stop" | "kill" => {
                        self.stop_m4_unit();
                        true
                    }
                    "start" => {
                        let (started, running) = {
                            let s = self.lock();
                            (s.m4_started, s.m4_pid != 0)
                        };
                        if started && running {
                            true
                        } else {
                            self.faults.set(Fault::M4ProxyDown, false);
                            self.stop_proxy();
                            self.lock().m4_restarts = 0;
                            self.start_m4()
                        }
                    }
                    _ => self.restart_m4(),
                };
                if !started {
                    // systemctl's message for a job that ended in `start-limit-hit`.
                    put(
                        err,
                        &format!(
                            "Job for {id} failed because start of the service was attempted too often.\n\
                             See \"systemctl status {id}\" and \"journalctl -xeu {id}\" for details.\n\
                             To force a start use \"systemctl reset-failed {id}\"\n\
                             followed by \"systemctl start {id}\" again.\n"
                        ),
                    );
                    return 1;
                }
            }
            "docker.service" => match verb {
                "stop" | "kill" => {
                    self.journal.systemd(
                        "docker.service",
                        "Stopping Docker Application Container Engine...",
                    );
                    self.docker.stop_all_for_reboot();
                    self.lock().docker_stopped = true;
                    self.journal.systemd(
                        "docker.service",
                        "Stopped Docker Application Container Engine.",
                    );
                }
                _ => {
                    self.lock().docker_stopped = false;
                    self.docker_boot_log();
                    if self.faults.has(Fault::NoDocker) {
                        put(
                            err,
                            "Job for docker.service failed because the control process exited with error code.\nSee \"systemctl status docker.service\" and \"journalctl -xeu docker.service\" for details.\n",
                        );
                        return 1;
                    }
                    self.docker.boot();
                }
            },
            "stm32h7-program.service" if verb != "stop" => {
                self.journal
                    .systemd(&id, "Starting STM32H7 firmware update...");
                let file = read_board_file(&self.root, EXTRA_BIN_PATH).ok();
                let r = self.program_h7_sh(file.as_deref());
                let pid = self.alloc_pid();
                for (_, l) in &r.lines {
                    self.journal.log(&id, "sh", pid, l.clone());
                }
                self.journal
                    .systemd(&id, "Finished STM32H7 firmware update.");
                self.lock().h7_since = SystemTime::now();
            }
            _ => {}
        }
        0
    }

    fn status(&self, u: &UnitView, user: User, out: &mut dyn Write) {
        let dot = match u.active {
            "active" => "●",
            "failed" => "×",
            _ => "○",
        };
        put(out, &format!("{dot} {} - {}\n", u.id, u.description));
        put(
            out,
            &format!(
                "     Loaded: loaded ({}; enabled; vendor preset: enabled)\n",
                u.fragment
            ),
        );
        let when = if u.active == "inactive" {
            String::new()
        } else {
            format!(" since {}; {}", systemd_time(u.since), systemd_ago(u.since))
        };
        let extra = if u.active == "failed" || u.sub == "auto-restart" {
            format!(" (Result: {})", u.result)
        } else {
            String::new()
        };
        put(
            out,
            &format!("     Active: {}{extra} ({}){when}\n", u.active, u.sub),
        );
        if u.unit_type == "path" {
            put(out, "   Triggers: ● monitor-m4-elf-file.service\n");
        }
        if u.main_pid != 0 {
            put(out, &format!("   Main PID: {} ({})\n", u.main_pid, u.comm));
            put(out, "      Tasks: 7 (limit: 1813)\n");
            put(out, "     Memory: 3.2M\n");
            put(out, &format!("     CGroup: /system.slice/{}\n", u.id));
            put(
                out,
                &format!("             └─{} {}\n", u.main_pid, u.exec_start),
            );
        } else if u.exec_main_pid != 0 && u.active != "inactive" {
            let st = if u.exec_main_status == 0 {
                "0/SUCCESS".to_string()
            } else {
                format!("{}/FAILURE", u.exec_main_status)
            };
            put(
                out,
                &format!(
                    "    Process: {} ExecStart={} (code=exited, status={st})\n",
                    u.exec_main_pid, u.exec_start
                ),
            );
            put(
                out,
                &format!(
                    "   Main PID: {} (code=exited, status={st})\n",
                    u.exec_main_pid
                ),
            );
        } else if u.unit_type == "oneshot" && u.active == "active" {
            put(
                out,
                &format!(
                    "    Process: 402 ExecStart={} (code=exited, status=0/SUCCESS)\n   Main PID: 402 (code=exited, status=0/SUCCESS)\n",
                    u.exec_start
                ),
            );
        }
        if user == User::Root {
            let id = u.id.clone();
            let (entries, _) = self.journal.since(0, &|e: &Entry| e.unit == id);
            let start = entries.len().saturating_sub(10);
            if !entries.is_empty() {
                put(out, "\n");
            }
            for e in &entries[start..] {
                put(out, &format!("{}\n", e.short(&self.hostname)));
            }
        } else {
            put(
                out,
                "\nWarning: some journal files were not opened due to insufficient permissions.\n",
            );
        }
    }

    fn list_units(&self, out: &mut dyn Write) -> i32 {
        put(
            out,
            "  UNIT                              LOAD   ACTIVE   SUB     DESCRIPTION\n",
        );
        let mut n = 0;
        for name in UNITS {
            if let Some(u) = self.unit(name) {
                if u.active == "inactive" {
                    continue;
                }
                n += 1;
                let dot = if u.active == "failed" { "●" } else { " " };
                put(
                    out,
                    &format!(
                        "{dot} {:<33} loaded {:<8} {:<7} {}\n",
                        u.id, u.active, u.sub, u.description
                    ),
                );
            }
        }
        put(
            out,
            &format!(
                "\nLOAD   = Reflects whether the unit definition was properly loaded.\nACTIVE = The high-level unit activation state, i.e. generalization of SUB.\nSUB    = The low-level unit activation state, values depend on unit type.\n{n} loaded units listed.\n"
            ),
        );
        0
    }

    // ----- journalctl -----

    /// `journalctl ARGS`. `-f` streams until a write to `out` fails or the services stop.
    pub fn journalctl(
        &self,
        args: &[String],
        user: User,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> i32 {
        self.reconcile();
        let mut units: Vec<String> = Vec::new();
        let mut idents: Vec<String> = Vec::new();
        let mut lines: Option<usize> = None;
        let mut follow = false;
        let mut boot: Option<i64> = None;
        let mut cat = false;
        let mut quiet = false;
        let mut kernel = false;
        let mut i = 0;
        let mut bad: Option<String> = None;
        // options that take a value
        let takes = |c: char| matches!(c, 'u' | 'n' | 'o' | 't' | 'S' | 'U' | 'p');
        while i < args.len() {
            let a = args[i].clone();
            let mut apply = |opt: &str, val: Option<String>, i: &mut usize| {
                let mut val_or_next = || -> Option<String> {
                    val.clone().or_else(|| {
                        *i += 1;
                        args.get(*i).cloned()
                    })
                };
                match opt {
                    "u" | "unit" => {
                        if let Some(v) = val_or_next() {
                            units.push(unit_name(&v));
                        }
                    }
                    "t" | "identifier" => {
                        if let Some(v) = val_or_next() {
                            idents.push(v);
                        }
                    }
                    "n" | "lines" => {
                        let v = val_or_next().unwrap_or_default();
                        if v == "all" || v == "+0" {
                            lines = None;
                        } else {
                            match v.trim_start_matches('+').parse::<usize>() {
                                Ok(n) => lines = Some(n),
                                Err(_) => {
                                    bad = Some(format!("Failed to parse lines '{v}'"));
                                }
                            }
                        }
                    }
                    "o" | "output" => {
                        let v = val_or_next().unwrap_or_default();
                        cat = v == "cat";
                    }
                    "S" | "since" | "U" | "until" | "p" | "priority" => {
                        let _ = val_or_next();
                    }
                    "f" | "follow" => follow = true,
                    "e" | "pager-end" => {
                        if lines.is_none() {
                            lines = Some(1000);
                        }
                    }
                    "q" | "quiet" => quiet = true,
                    "k" | "dmesg" => kernel = true,
                    "b" | "boot" => boot = Some(val.and_then(|v| v.parse().ok()).unwrap_or(0)),
                    "x" | "catalog" | "no-pager" | "a" | "all" | "r" | "reverse" | "l" | "full"
                    | "no-hostname" | "system" | "merge" | "m" => {}
                    other => bad = Some(format!("unrecognized option '--{other}'")),
                }
            };
            if let Some(long) = a.strip_prefix("--") {
                let (k, v) = match long.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (long.to_string(), None),
                };
                let needs = matches!(
                    k.as_str(),
                    "unit" | "lines" | "output" | "identifier" | "since" | "until" | "priority"
                );
                if needs || v.is_some() || k == "boot" {
                    apply(&k, v, &mut i);
                } else {
                    apply(&k, None, &mut i);
                }
            } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
                let chars: Vec<char> = short.chars().collect();
                let mut k = 0;
                while k < chars.len() {
                    let c = chars[k];
                    if takes(c) {
                        let rest: String = chars[k + 1..].iter().collect();
                        let v = if rest.is_empty() { None } else { Some(rest) };
                        apply(&c.to_string(), v, &mut i);
                        break;
                    } else if c == 'b' {
                        let rest: String = chars[k + 1..].iter().collect();
                        let v = if rest.is_empty() {
                            // `-b -1` / `-b 0`
                            match args.get(i + 1) {
                                Some(n) if n.parse::<i64>().is_ok() => {
                                    i += 1;
                                    Some(n.clone())
                                }
                                _ => None,
                            }
                        } else {
                            Some(rest)
                        };
                        apply("b", v, &mut i);
                        break;
                    } else {
                        apply(&c.to_string(), None, &mut i);
                    }
                    k += 1;
                }
            } else {
                // matches such as _PID=1 are ignored
            }
            i += 1;
        }
        if let Some(b) = bad {
            put(err, &format!("journalctl: {b}\n"));
            return 1;
        }
        if user != User::Root {
            if !quiet {
                put(
                    err,
                    "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n      Pass -q to turn off this notice.\n",
                );
            }
            put(
                err,
                "No journal files were opened due to insufficient permissions.\n",
            );
            return 1;
        }
        let cur_boot = self.journal.current_boot();
        let want_boot: Option<u32> = boot.map(|b| {
            if b <= 0 {
                (i64::from(cur_boot) + b).max(0) as u32
            } else {
                b as u32
            }
        });
        let filter = move |e: &Entry| {
            (units.is_empty() || units.contains(&e.unit))
                && (idents.is_empty() || idents.contains(&e.ident))
                && (!kernel || e.ident == "kernel")
                && want_boot.is_none_or(|b| e.boot == b)
        };
        let (entries, mut seen) = self.journal.since(0, &filter);
        let n = lines.unwrap_or(if follow { 10 } else { usize::MAX });
        let start = entries.len().saturating_sub(n);
        let fmt = |e: &Entry| {
            if cat {
                format!("{}\n", e.msg)
            } else {
                format!("{}\n", e.short(&self.hostname))
            }
        };
        if entries.is_empty() && !follow {
            put(out, "-- No entries --\n");
            return 0;
        }
        for e in &entries[start..] {
            if out.write_all(fmt(e).as_bytes()).is_err() {
                return 0;
            }
        }
        if !follow {
            return 0;
        }
        let _ = out.flush();
        loop {
            if !self.journal.wait_new(seen, Duration::from_millis(500)) {
                return 0;
            }
            let (new, now) = self.journal.since(seen, &filter);
            seen = now;
            for e in &new {
                if out.write_all(fmt(e).as_bytes()).is_err() {
                    return 0;
                }
            }
            // Detect a closed reader even when nothing new arrives.
            if out.flush().is_err() {
                return 0;
            }
        }
    }

    // ----- processes, sockets, modules -----

    /// (pid, comm) of the processes on the board.
    pub fn processes(&self) -> Vec<(u32, String)> {
        self.reconcile();
        let mut v: Vec<(u32, String)> = vec![
            (PID_SYSTEMD, "systemd".into()),
            (201, "systemd-journald".into()),
            (402, "systemd-resolved".into()),
            (PID_ADBD, "adbd".into()),
        ];
        if self.docker_up() {
            v.push((PID_CONTAINERD, "containerd".into()));
            v.push((PID_DOCKERD, "dockerd".into()));
        }
        let m4 = self.lock().m4_pid;
        if m4 != 0 {
            v.push((m4, "m4_proxy".into()));
        }
        v.extend(self.docker.processes());
        v.sort();
        v
    }

    /// `pidof [-s] NAME...`.
    pub fn pidof(&self, args: &[String], out: &mut dyn Write) -> i32 {
        let single = args.iter().any(|a| a == "-s");
        let names: Vec<&str> = args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .map(|a| a.rsplit('/').next().unwrap_or(a))
            .collect();
        let procs = self.processes();
        let mut pids: Vec<u32> = procs
            .iter()
            .filter(|(_, c)| names.contains(&c.as_str()))
            .map(|(p, _)| *p)
            .collect();
        pids.sort_unstable_by(|a, b| b.cmp(a));
        if single {
            pids.truncate(1);
        }
        if pids.is_empty() {
            return 1;
        }
        let s: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
        put(out, &format!("{}\n", s.join(" ")));
        0
    }

    /// (local address, process, pid, fd) of every listening TCP socket.
    pub fn listeners(&self) -> Vec<(String, String, u32, u32)> {
        self.reconcile();
        let mut v = vec![
            (
                "127.0.0.53%lo:53".to_string(),
                "systemd-resolve".to_string(),
                402,
                14,
            ),
            (
                "0.0.0.0:22".to_string(),
                "systemd".to_string(),
                PID_SYSTEMD,
                44,
            ),
        ];
        let m4 = self.lock().m4_pid;
        if m4 != 0 {
            v.push(("0.0.0.0:5001".into(), "m4_proxy".into(), m4, 7));
            v.push(("*:5000".into(), "m4_proxy".into(), m4, 3));
        }
        if self.docker_up() {
            for (port, pid) in self.docker.published() {
                v.push((format!("0.0.0.0:{port}"), "docker-proxy".into(), pid, 4));
            }
        }
        v
    }

    /// `ss` with `-l -t -n -p` style flags (only TCP listeners are modelled).
    pub fn ss(
        &self,
        args: &[String],
        user: User,
        out: &mut dyn Write,
        _err: &mut dyn Write,
    ) -> i32 {
        let flags: String = args
            .iter()
            .filter(|a| a.starts_with('-') && !a.starts_with("--"))
            .flat_map(|a| a.chars().skip(1))
            .collect();
        let long = |s: &str| args.iter().any(|a| a == s);
        let listening =
            flags.contains('l') || flags.contains('a') || long("--listening") || long("--all");
        let procs = flags.contains('p') || long("--processes");
        let rows: Vec<(String, String)> = if listening {
            self.listeners()
                .into_iter()
                .map(|(addr, comm, pid, fd)| {
                    let p = if procs && user == User::Root {
                        format!("users:((\"{comm}\",pid={pid},fd={fd}))")
                    } else {
                        String::new()
                    };
                    (addr, p)
                })
                .collect()
        } else {
            Vec::new()
        };
        let w = rows.iter().map(|(a, _)| a.len()).max().unwrap_or(0).max(18);
        let peer = if rows
            .iter()
            .any(|(a, _)| a.starts_with('*') || a.starts_with('['))
        {
            "*:*"
        } else {
            "0.0.0.0:*"
        };
        put(
            out,
            &format!(
                "State  Recv-Q Send-Q {:>w$} {:>17}Process\n",
                "Local Address:Port", "Peer Address:Port"
            ),
        );
        for (addr, p) in rows {
            let pr = if addr.starts_with('*') { "*:*" } else { peer };
            put(
                out,
                &format!("LISTEN 0      4096   {addr:>w$} {pr:>17}{p}\n")
                    .replace("4096   ", "4096   "),
            );
        }
        0
    }

    /// `lsmod`.
    pub fn lsmod(&self, out: &mut dyn Write) -> i32 {
        let loaded = self.lock().modules_loaded;
        put(out, "Module                  Size  Used by\n");
        if loaded {
            let users = X8H7_MODULES[1..].join(",");
            for m in X8H7_MODULES.iter().rev() {
                if *m == "x8h7_drv" {
                    put(out, &format!("{m:<20} {:>8}  8 {users}\n", 24576));
                } else {
                    put(out, &format!("{m:<20} {:>8}  0\n", 16384));
                }
            }
            put(
                out,
                &format!("{:<20} {:>8}  2 x8h7_adc\n", "industrialio", 81920),
            );
            put(
                out,
                &format!("{:<20} {:>8}  1 x8h7_can\n", "can_dev", 36864),
            );
        }
        for (m, s) in [
            ("overlay", 135168),
            ("bridge", 258048),
            ("stp", 16384),
            ("llc", 20480),
        ] {
            put(out, &format!("{m:<20} {s:>8}  0\n"));
        }
        0
    }

    /// `reboot` (root only).
    pub fn reboot_cmd(
        &self,
        _args: &[String],
        user: User,
        _out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> i32 {
        if user != User::Root {
            put(
                err,
                &format!(
                    "Failed to set wall message, ignoring: {DENIED}\nFailed to reboot system via logind: {DENIED}\nFailed to start reboot.target: {DENIED}\nSee system logs and 'systemctl status reboot.target' for details.\n"
                ),
            );
            return 1;
        }
        // The board goes down: every ADB connection drops (this shell's too), then it boots
        // again and adbd accepts connections anew.
        self.faults.unplug();
        self.reboot();
        0
    }

    /// Lines of one stream of some output (tests).
    pub fn lines_of(lines: &Lines, stream: Stream) -> Vec<String> {
        lines
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, l)| l.clone())
            .collect()
    }
}
