//! The checks themselves: each runs one board command (or an RPC call), reads what it
//! printed and says what it means.

use std::time::Duration;

use super::parse;
use super::{CheckCtx, CheckId, FIRMWARE_PATH, Finding, Fix, LATEST_H7_FIRMWARE};
use crate::board::cmd::Cmd;
use crate::board::connect::{ConnectOptions, Session};
use crate::board::facts;
use crate::board::identity;
use crate::board::script::Sections;
use crate::board::{Board, BoardError, Output};
use crate::help_of;
use crate::rpc::client::{CallOutcome, call_board};

/// Restart m4-proxy (it also re-reads /dev/x8h7_ui).
const RESTART_M4_PROXY: &str = concat!("systemctl restart ", facts::m4_proxy_unit!());

/// Load the x8h7 modules as stm32h7-program.service does at boot.
const LOAD_MODULES: &str = concat!(
    crate::board::facts::extra_dir!(),
    "/load_modules_pre.sh; ",
    crate::board::facts::extra_dir!(),
    "/load_modules_post.sh"
);

/// Run a check by id.
pub(crate) fn run(id: CheckId, ctx: &CheckCtx) -> Finding {
    match id {
        CheckId::Identity => identity_check(ctx),
        CheckId::Sudo => sudo(ctx),
        CheckId::H7Boot => h7_boot(ctx),
        CheckId::Modules => modules(ctx),
        CheckId::H7Firmware => h7_firmware(ctx),
        CheckId::X8h7Ui => x8h7_ui(ctx),
        CheckId::M4Proxy => m4_proxy(ctx),
        CheckId::Rpc => rpc(ctx),
        CheckId::Docker => docker(ctx),
        CheckId::Containers => containers(ctx),
        CheckId::Disk => disk(ctx),
        CheckId::Adb | CheckId::Board => Finding::fail("not a graph check", ""),
    }
}

fn board_failed(e: &BoardError) -> Finding {
    Finding::fail(e.to_string(), help_of(e))
}

// The error is the check's finding itself, made once per check: boxing it buys nothing.
#[allow(clippy::result_large_err)]
fn sh(ctx: &CheckCtx, cmd: &Cmd) -> Result<Output, Finding> {
    ctx.board
        .run(cmd, Some(ctx.timeout))
        .map_err(|e| board_failed(&e))
}

// ---------------------------------------------------------------------------------------
// adb and board (run by the scheduler itself, since they make the board handle)

pub(crate) fn adb_error(e: &BoardError) -> Finding {
    match e {
        BoardError::NoAdb { tried } if !tried.is_empty() => {
            Finding::fail(format!("{e} (looked at {})", tried.join(", ")), help_of(e))
        }
        _ => Finding::fail(e.to_string(), help_of(e)),
    }
}

pub(crate) fn adb_ok(session: &Session, opts: &ConnectOptions) -> Finding {
    match session.server() {
        Some(server) => {
            let adb = match &server.adb_path {
                Some(p) => format!("adb {}", p.display()),
                None => "no adb executable found (the running server is used)".to_string(),
            };
            Finding::ok(format!("adb server at {}; {adb}", server.addr))
        }
        None if opts.virtual_board.is_some() => {
            Finding::ok("direct ADB to the virtual X8 in this process")
        }
        None => Finding::ok(format!(
            "direct ADB to {}",
            opts.connect.as_deref().unwrap_or("?")
        )),
    }
}

pub(crate) fn board_error(e: &BoardError, session: &Session) -> Finding {
    let mut f = Finding::fail(e.to_string(), help_of(e));
    for d in &session.devices {
        f = f.detail(format!("attached: {}", d.label()));
    }
    f
}

pub(crate) fn board_round_trip(board: &Board) -> Finding {
    match board.run(&Cmd::fixed("echo x8ctl-ok"), Some(CheckId::Board.timeout())) {
        Ok(o) if o.ok() && o.stdout_text().contains("x8ctl-ok") => Finding::ok(format!(
            "{} attached and authorised ({})",
            board.serial(),
            board.transport().name()
        )),
        Ok(o) => Finding::fail(
            format!(
                "the board's shell does not work (exit {}): {}",
                o.status,
                o.text().trim()
            ),
            "replug the board; if it persists, reboot it",
        ),
        Err(e) => board_failed(&e),
    }
}

// ---------------------------------------------------------------------------------------
// identity

/// The Arduino release of a Foundries build number (X8 image release notes).
pub fn arduino_release(image_version: u32) -> Option<&'static str> {
    Some(match image_version {
        861 => "arduino-91.2",
        846 => "arduino-91.1",
        844 => "arduino-91",
        822 => "arduino-88.94",
        746 => "arduino-88.91",
        719 => "arduino-88.7",
        _ => return None,
    })
}

fn release_text(v: (u32, u32, u32)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

fn identity_check(ctx: &CheckCtx) -> Finding {
    let id = match identity::read(&ctx.board) {
        Ok(id) => id,
        Err(e) => return board_failed(&e),
    };
    judge_identity(&id)
}

pub(crate) fn judge_identity(id: &identity::Identity) -> Finding {
    if !id.is_x8() {
        return Finding::fail(
            format!(
                "not a Portenta X8 (device-tree model: '{}')",
                if id.model.is_empty() {
                    "none"
                } else {
                    &id.model
                }
            ),
            "pick the X8 with -s SERIAL (`x8ctl devices` lists them)",
        );
    }
    let detail = |f: Finding| {
        f.detail(format!("hostname: {}", id.hostname))
            .detail(format!("model: {}", id.model))
            .detail(format!("os: {}", id.os_name))
    };
    let Some(iv) = id.image_version else {
        return detail(Finding::warn(
            format!(
                "{}: image version unknown (no IMAGE_VERSION in /etc/os-release)",
                id.hostname
            ),
            "very old images lack IMAGE_VERSION: update the OS image (Arduino's \"Portenta X8 image update\" guide)",
        ));
    };
    let rel = arduino_release(iv)
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    if iv < 719 {
        return detail(Finding::warn(
            format!("image {iv}{rel} is deprecated (older than 719 = arduino-88.7)"),
            "update the board's OS image to a current release (Arduino's \"Portenta X8 image update\" guide)",
        ));
    }
    let fw = id
        .firmware_version
        .as_deref()
        .and_then(parse::firmware_release);
    if iv == 861
        && let Some(v) = fw
        && v < LATEST_H7_FIRMWARE
    {
        return detail(Finding::warn(
            format!(
                "image 861 (arduino-91.2) with H7 firmware {}: RPC to the M4 is known to fail on this combination (forum.arduino.cc t/1286747)",
                release_text(v)
            ),
            format!(
                "install H7 firmware {} (`x8ctl flash-fw`), or update the OS image",
                release_text(LATEST_H7_FIRMWARE)
            ),
        ));
    }
    detail(Finding::ok(format!("{}, image {iv}{rel}", id.hostname)))
}

// ---------------------------------------------------------------------------------------
// sudo

fn sudo(ctx: &CheckCtx) -> Finding {
    match ctx.board.sudo_auth() {
        Ok(auth) => Finding::ok(format!("works with {}", auth.describe())),
        Err(BoardError::NoSudo) => Finding::fail(
            "sudo is not installed on the board",
            "x8ctl needs sudo for root work (flash-fw, fixes, docker over adb); use an Arduino X8 image, which has it",
        ),
        Err(e @ BoardError::Sudo(_)) => Finding::fail(
            format!("{e}"),
            "set X8CTL_SUDO_PASSWORD to fio's password on the board (images from 2024-08 on use an empty password, older ones 'fio'); fixes need sudo",
        ),
        Err(e @ BoardError::SudoExpired) => Finding::fail(format!("{e}"), help_of(&e)),
        Err(e) => board_failed(&e),
    }
}

// ---------------------------------------------------------------------------------------
// stm32h7-program.service

fn h7_boot(ctx: &CheckCtx) -> Finding {
    let out = match sh(
        ctx,
        &Cmd::fixed(concat!(
            "systemctl show -p LoadState,ActiveState,SubState,Result ",
            facts::stm32h7_program_unit!()
        )),
    ) {
        Ok(o) => o,
        Err(f) => return f,
    };
    judge_h7_boot(&parse::systemctl_show(&out.stdout_text()))
}

pub(crate) fn judge_h7_boot(p: &std::collections::BTreeMap<String, String>) -> Finding {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let state = format!(
        "{}/{}{}",
        get("ActiveState"),
        get("SubState"),
        match get("Result") {
            "" | "success" => String::new(),
            r => format!(", result {r}"),
        }
    );
    let fix = Fix::root(
        "run the boot-time H7 flasher again (loads the x8h7 modules, flashes the H7 if its firmware differs from the installed file)",
        Cmd::fixed(concat!(
            "systemctl restart ",
            facts::stm32h7_program_unit!()
        )),
    );
    let logs = "read what it said: `x8ctl shell --root journalctl --no-pager -u stm32h7-program`";
    if get("LoadState") == "not-found" {
        return Finding::fail(
            "stm32h7-program.service is not installed",
            "this image has no boot-time H7 flasher: is it a Portenta X8 image?",
        );
    }
    match (get("ActiveState"), get("Result")) {
        ("active", "success" | "") => Finding::ok(format!("ran at boot ({state})")),
        ("activating", _) => Finding::warn(
            format!("still running ({state}): the H7 may be being flashed"),
            "wait a minute and run the doctor again",
        ),
        ("", _) => Finding::fail(
            "systemctl did not report the unit's state",
            "check `x8ctl shell systemctl status --no-pager stm32h7-program`",
        ),
        _ => Finding::fail(format!("did not run successfully ({state})"), logs).with_fix(fix),
    }
}

// ---------------------------------------------------------------------------------------
// x8h7 modules

const REQUIRED_MODULES: [&str; 3] = ["x8h7_drv", "x8h7_h7", "x8h7_ui"];
const OTHER_MODULES: [&str; 6] = [
    "x8h7_can",
    "x8h7_gpio",
    "x8h7_adc",
    "x8h7_rtc",
    "x8h7_pwm",
    "x8h7_uart",
];

fn modules(ctx: &CheckCtx) -> Finding {
    let out = match sh(ctx, &Cmd::fixed("lsmod")) {
        Ok(o) => o,
        Err(f) => return f,
    };
    if !out.ok() {
        return Finding::fail(
            format!("lsmod failed (exit {}): {}", out.status, out.text().trim()),
            "check `x8ctl shell lsmod`",
        );
    }
    judge_modules(&parse::lsmod_modules(&out.stdout_text()))
}

pub(crate) fn judge_modules(loaded: &[String]) -> Finding {
    let has = |m: &str| loaded.iter().any(|l| l == m);
    let missing: Vec<&str> = REQUIRED_MODULES
        .iter()
        .copied()
        .filter(|m| !has(m))
        .collect();
    let missing_other: Vec<&str> = OTHER_MODULES.iter().copied().filter(|m| !has(m)).collect();
    let count = loaded.iter().filter(|m| m.starts_with("x8h7_")).count();
    let fix = Fix::root(
        "load the x8h7 kernel modules (as stm32h7-program.service does at boot)",
        Cmd::fixed(LOAD_MODULES),
    );
    if !missing.is_empty() {
        return Finding::fail(
            format!("not loaded: {}", missing.join(", ")),
            "the modules are loaded at boot by stm32h7-program.service (they are blacklisted for udev): check it with `x8ctl shell --root journalctl --no-pager -u stm32h7-program`, or reboot",
        )
        .with_fix(fix);
    }
    if !missing_other.is_empty() {
        return Finding::warn(
            format!(
                "{count} x8h7 modules loaded; missing {}",
                missing_other.join(", ")
            ),
            "RPC does not need them, but CAN/GPIO/ADC/RTC/PWM/UART do: reboot the board, or load them with `x8ctl shell --root /usr/arduino/extra/load_modules_post.sh`",
        );
    }
    Finding::ok(format!("{count} x8h7 modules loaded"))
}

// ---------------------------------------------------------------------------------------
// H7 firmware

fn h7_firmware(ctx: &CheckCtx) -> Finding {
    let script = Sections::new()
        .part(
            "running",
            Cmd::new("cat").arg(facts::SYSFS_VERSION).stderr_to_stdout(),
        )
        .part("present", Cmd::new("test").arg("-e").arg(FIRMWARE_PATH))
        .part(
            "file",
            Cmd::new("dd")
                .arg(format!("if={FIRMWARE_PATH}"))
                .arg("bs=1")
                .arg(format!("skip={}", facts::VERSION_OFFSET))
                .arg("count=64")
                .no_stderr(),
        );
    let out = match sh(ctx, &script.render()) {
        Ok(o) => o,
        Err(f) => return f,
    };
    let parts = script.parse(&out.stdout);
    let running_text = parts.text("running");
    let present = parts.get("present").is_some_and(|p| p.ok());
    let file_version = parse::firmware_version_bytes(parts.bytes("file"));
    judge_firmware(running_text.trim(), present, file_version.as_deref())
}

fn program_fix() -> Fix {
    Fix::root(
        "flash the installed firmware file onto the H7 with program.sh, then restart m4-proxy",
        Cmd::fixed(facts::PROGRAM_SH).then(Cmd::fixed(RESTART_M4_PROXY)),
    )
}

pub(crate) fn judge_firmware(running: &str, present: bool, file: Option<&str>) -> Finding {
    let first = running.lines().next().unwrap_or("").trim();
    let unreadable = first.is_empty()
        || first.starts_with("cat:")
        || first.contains("No such file")
        || first.contains("timed out");
    if unreadable {
        let why = if first.is_empty() { "empty" } else { first };
        return Finding::fail(
            format!("the H7 does not report its firmware version ({why})"),
            "the H7 is not running a working firmware, or does not answer: flash the installed firmware again (`sudo /usr/arduino/extra/program.sh`), or install a known-good one with `x8ctl flash-fw`",
        )
        .with_fix(program_fix());
    }
    let latest = release_text(LATEST_H7_FIRMWARE);
    if !present {
        return Finding::fail(
            format!("the H7 runs {first}, but no firmware file is installed at {FIRMWARE_PATH}"),
            format!("install firmware {latest} with `x8ctl flash-fw`"),
        );
    }
    let Some(file) = file else {
        return Finding::fail(
            format!(
                "the H7 runs {first}; the installed file {FIRMWARE_PATH} has no version string at offset 0x40000 (not an STM32H747 M7 image?)"
            ),
            format!("install firmware {latest} with `x8ctl flash-fw`"),
        );
    };
    if first != file {
        return Finding::fail(
            format!("the H7 runs {first}, but the installed firmware file is {file}"),
            "the board flashes the installed file at the next boot; to do it now, run program.sh and restart m4-proxy (or reboot the board)",
        )
        .with_fix(program_fix())
        .detail(format!("running on the H7: {first}"))
        .detail(format!("installed file: {file} ({FIRMWARE_PATH})"));
    }
    match parse::firmware_release(first) {
        Some(v) if v >= LATEST_H7_FIRMWARE => Finding::ok(format!(
            "{first} on the H7 and installed (latest release: {latest})"
        )),
        Some(_) => Finding::warn(
            format!("{first} on the H7 and installed, older than the latest release {latest}"),
            format!(
                "{latest} fixes RPC between Linux and the M4 (PR #58 rpc_fixes_2): install it with `x8ctl flash-fw`"
            ),
        ),
        None => Finding::warn(
            format!("{first} on the H7 and installed: a development build, not a release"),
            format!("if RPC misbehaves, install the release {latest} with `x8ctl flash-fw`"),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// /dev/x8h7_ui

fn x8h7_ui(ctx: &CheckCtx) -> Finding {
    let out = match sh(
        ctx,
        &Cmd::fixed(concat!(
            "if [ -c ",
            facts::x8h7_ui!(),
            " ]; then echo char; elif [ -e ",
            facts::x8h7_ui!(),
            " ]; then echo other; else echo missing; fi"
        )),
    ) {
        Ok(o) => o,
        Err(f) => return f,
    };
    match out.stdout_text().trim() {
        "char" => Finding::ok("present (character device)"),
        "other" => Finding::ok("present"),
        _ => Finding::fail(
            "missing: m4-proxy cannot reach the M4 without it",
            "the x8h7_ui module creates it: reload the modules or reboot the board",
        )
        .with_fix(Fix::root(
            "load the x8h7 kernel modules",
            Cmd::fixed(LOAD_MODULES),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// m4-proxy

fn m4_proxy(ctx: &CheckCtx) -> Finding {
    // The journal's last Go panic line is read when fio may read the journal (best effort:
    // the unit's state from systemctl is what the verdict rests on).
    let unit = facts::M4_PROXY_UNIT;
    let script = Sections::new()
        .part("pids", Cmd::new("pidof").arg("m4_proxy"))
        .part(
            "net",
            Cmd::new("ss").arg("-ltn").no_stderr().or(Cmd::new("cat")
                .args(["/proc/net/tcp", "/proc/net/tcp6"])
                .no_stderr()),
        )
        .part(
            "unit",
            Cmd::new("systemctl").args([
                "show",
                "-p",
                "ActiveState,SubState,MainPID,NRestarts,Result",
                unit,
            ]),
        )
        .part(
            "panic",
            Cmd::new("journalctl")
                .args(["-u", unit, "--no-pager", "-o", "cat"])
                .no_stderr()
                .pipe(Cmd::new("grep").arg("^panic: "))
                .pipe(Cmd::new("tail").args(["-n", "1"])),
        );
    let out = match sh(ctx, &script.render()) {
        Ok(o) => o,
        Err(f) => return f,
    };
    let parts = script.parse(&out.stdout);
    let pids: Vec<u32> = parts
        .text("pids")
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let net = parts.text("net");
    let mut ports = parse::ss_listening_ports(&net);
    if ports.is_empty() {
        ports = parse::proc_net_tcp_listening_ports(&net);
    }
    let unit = parse::systemctl_show(&parts.text("unit"));
    let panic = Some(parts.text("panic").trim().to_string()).filter(|s| s.starts_with("panic: "));
    judge_m4_proxy(&pids, &ports, &unit, panic.as_deref())
}

/// Reset m4-proxy's start limit and restart counter, then start it
/// (systemd v250 `unit.c`:3705 `unit_reset_failed`; meta-partner-arduino ddfd1b4
/// `m4-proxy.service`: StartLimitBurst=10, StartLimitIntervalSec=120).
const RESET_M4_PROXY: &str = concat!(
    "systemctl reset-failed ",
    facts::m4_proxy_unit!(),
    "; systemctl restart ",
    facts::m4_proxy_unit!()
);

/// What each crash costs, and the usual cause (real-board-evidence.md §2.1-2.2).
const CRASH_WHY: &str = "each crash drops every function registered with m4-proxy on port 5000 (python-rpc-serial's tty, your containers'); the usual cause is a call of a method the sketch does not bind, or with the wrong number of arguments: the M4's error reply is a string m4-proxy's old MessagePack decoder cannot read";

pub(crate) fn judge_m4_proxy(
    pids: &[u32],
    ports: &[u16],
    unit: &std::collections::BTreeMap<String, String>,
    panic: Option<&str>,
) -> Finding {
    let get = |k: &str| unit_property(unit, k);
    let unit_state = format!("systemctl: {}/{}", get("ActiveState"), get("SubState"));
    let restarts: u32 = get("NRestarts").parse().unwrap_or(0);
    let with_panic = |f: Finding| match panic {
        Some(p) => f.detail(format!("journal: {p}")),
        None => f,
    };
    if let Some(f) = m4_proxy_crash_loop(unit, restarts) {
        return with_panic(f.detail(unit_state));
    }
    if let Some(f) = m4_proxy_not_serving(pids, ports, get("ActiveState") == "active") {
        return f.detail(unit_state);
    }
    let pid_text: Vec<String> = pids.iter().map(u32::to_string).collect();
    if restarts > 0 {
        let times = if restarts == 1 { "time" } else { "times" };
        let f = Finding::warn(
            format!(
                "pid {}, listening on 5000 and 5001, but it crashed {restarts} {times} and systemd restarted it",
                pid_text.join(" ")
            ),
            format!(
                "{CRASH_WHY}; restart the containers that register functions; `sudo systemctl reset-failed m4-proxy` clears the counter"
            ),
        )
        .detail(unit_state);
        return with_panic(f);
    }
    Finding::ok(format!(
        "pid {}, listening on 5000 and 5001",
        pid_text.join(" ")
    ))
    .detail(unit_state)
}

/// A `systemctl show` property of a unit, `?` when it is not there.
fn unit_property<'a>(unit: &'a std::collections::BTreeMap<String, String>, key: &str) -> &'a str {
    unit.get(key).map(String::as_str).unwrap_or("?")
}

/// When systemd is restarting a crashing m4-proxy (`unit`: its `systemctl show`
/// properties), or gave up doing so.
fn m4_proxy_crash_loop(
    unit: &std::collections::BTreeMap<String, String>,
    restarts: u32,
) -> Option<Finding> {
    let get = |k: &str| unit_property(unit, k);
    if get("Result") == "start-limit-hit" || get("ActiveState") == "failed" {
        return Some(
            Finding::fail(
                format!(
                    "m4-proxy crashed again and again and systemd gave up restarting it (start limit: 10 starts in 120 s; restart counter {restarts})"
                ),
                format!(
                    "reset the limit and start it: `sudo systemctl reset-failed m4-proxy && sudo systemctl restart m4-proxy` (x8ctl doctor --fix does this); {CRASH_WHY}; restart those containers afterwards"
                ),
            )
            .with_fix(Fix::root(
                "reset m4-proxy's start limit and restart it",
                Cmd::fixed(RESET_M4_PROXY),
            )),
        );
    }
    if get("ActiveState") == "activating" && get("SubState") == "auto-restart" {
        return Some(
            Finding::fail(
                format!(
                    "m4-proxy crashed and systemd restarts it in 2 s (restart counter {restarts})"
                ),
                format!("{CRASH_WHY}; after 10 starts in 120 s systemd gives up"),
            )
            .with_fix(Fix::root(
                "reset m4-proxy's restart counter and start it now",
                Cmd::fixed(RESET_M4_PROXY),
            )),
        );
    }
    None
}

/// When no m4_proxy process runs (`unit_active`: systemd says active all the same), or
/// one runs but does not listen on both ports.
fn m4_proxy_not_serving(pids: &[u32], ports: &[u16], unit_active: bool) -> Option<Finding> {
    let fix = Fix::root("restart m4-proxy", Cmd::fixed(RESTART_M4_PROXY));
    let hint = "restart it: `sudo systemctl restart m4-proxy`; then read `x8ctl shell --root journalctl --no-pager -u m4-proxy`; containers that registered functions with m4-proxy must be restarted after it";
    if pids.is_empty() {
        let lie = if unit_active {
            " (systemctl says active: RemainAfterExit hides that it exited)"
        } else {
            ""
        };
        return Some(
            Finding::fail(format!("not running: no m4_proxy process{lie}"), hint).with_fix(fix),
        );
    }
    let missing: Vec<String> = [
        crate::board::facts::M4_PROXY_REGISTER_PORT,
        crate::board::facts::M4_PROXY_CALL_PORT,
    ]
    .iter()
    .filter(|p| !ports.contains(p))
    .map(|p| p.to_string())
    .collect();
    if missing.is_empty() {
        return None;
    }
    let pid_text: Vec<String> = pids.iter().map(u32::to_string).collect();
    Some(
        Finding::fail(
            format!(
                "m4_proxy runs (pid {}) but nothing listens on port {}",
                pid_text.join(" "),
                missing.join(" and ")
            ),
            hint,
        )
        .with_fix(fix),
    )
}

// ---------------------------------------------------------------------------------------
// RPC

/// Call only a method the user says the sketch binds: calling one it does not bind crashes
/// the board's m4-proxy (real-board-evidence.md §2.2), and after a flash the M4 runs
/// whatever was last uploaded, maybe nothing (§3.5).
fn rpc(ctx: &CheckCtx) -> Finding {
    let Some(method) = ctx.rpc_method.as_deref() else {
        return Finding::skip(
            "not called: x8ctl knows no method the M4's sketch binds, and calling one it does not bind crashes m4-proxy; the chain up to the M4 is checked above (x8h7 modules, H7 firmware, /dev/x8h7_ui, m4-proxy listening on 5000 and 5001), not that the M4 runs a sketch that answers",
            "to prove the round trip, name a method your sketch binds without arguments: `x8ctl doctor --rpc-method temperature` (or `rpc_method` in the config file)",
        );
    };
    let o = call_board(&ctx.board, method, Vec::new(), Duration::from_secs(3));
    judge_rpc(method, &o)
}

pub(crate) fn judge_rpc(method: &str, o: &CallOutcome) -> Finding {
    let hint = help_of(o);
    match o {
        CallOutcome::Answered { result, elapsed } => Finding::ok(format!(
            "{method} = {result} (answered in {} ms)",
            elapsed.as_millis()
        )),
        CallOutcome::M4Error { error } => Finding::warn(
            format!(
                "the M4 answered '{method}' with an error: {error} (the chain works; the sketch does not bind '{method}')"
            ),
            hint,
        ),
        CallOutcome::ProxyCrashed { .. } => Finding::fail(
            format!("calling '{method}' crashed m4-proxy: {o}"),
            format!(
                "the sketch on the M4 does not bind '{method}' without arguments: give the doctor a method it binds (--rpc-method or rpc_method in the config); {hint}"
            ),
        ),
        CallOutcome::NoAnswer { .. } => Finding::fail(
            format!("the M4 did not answer '{method}' within 1 s (m4-proxy closed the connection)"),
            format!(
                "the M4 runs whatever sketch was last uploaded (maybe none, or one that does not run RPC); upload the sketch that binds '{method}' (x8ctl upload-sketch); if it does, {hint}"
            ),
        ),
        CallOutcome::NotListening => {
            Finding::fail("nothing listens on port 5001 on the board", hint)
                .with_fix(Fix::root("restart m4-proxy", Cmd::fixed(RESTART_M4_PROXY)))
        }
        other => Finding::fail(other.to_string(), hint),
    }
}

// ---------------------------------------------------------------------------------------
// Docker

/// A docker command line as x8ctl runs them: as fio, or through sudo when the adb shell
/// lacks the docker group (see [`crate::board::Board::docker_needs_sudo`]). The error is
/// the check's finding, as for [`sh`].
#[allow(clippy::result_large_err)]
fn docker_sh(ctx: &CheckCtx, cmd: &Cmd) -> Result<Output, Finding> {
    ctx.board
        .run_docker(cmd, Some(ctx.timeout))
        .map_err(|e| board_failed(&e))
}

fn docker(ctx: &CheckCtx) -> Finding {
    let out = match sh(ctx, &Cmd::fixed("docker info 2>&1")) {
        Ok(o) => o,
        Err(f) => return f,
    };
    if out.ok() || !crate::board::docker_socket_denied(&out.text()) {
        let f = judge_docker(out.status, &out.text());
        return if f.status == crate::doctor::Status::Ok {
            f.detail("docker runs as fio over adb (no sudo needed)")
        } else {
            f
        };
    }
    // REB 1.5: the X8's adbd drops fio's docker group; sudo still works.
    let root = match ctx
        .board
        .run_root(&Cmd::fixed("docker info 2>&1"), Some(ctx.timeout))
    {
        Ok(o) => o,
        Err(e @ (BoardError::Sudo(_) | BoardError::NoSudo)) => {
            return Finding::fail(
                "docker needs sudo over adb (fio has no docker group in an adb shell), and sudo does not work",
                help_of(&e),
            )
            .detail(e.to_string());
        }
        Err(e) => return board_failed(&e),
    };
    let f = judge_docker(root.status, &root.text());
    if f.status == crate::doctor::Status::Ok {
        Finding::ok(format!(
            "{}; docker needs sudo over adb (the adb shell has no docker group), x8ctl uses sudo for it",
            f.summary
        ))
    } else {
        f
    }
}

pub(crate) fn judge_docker(status: i32, text: &str) -> Finding {
    let version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Server Version:"))
        .map(|v| v.trim().to_string());
    if status == 0
        && let Some(v) = version
    {
        return Finding::ok(format!("daemon running (Docker {v})"));
    }
    if status == 127
        || text.contains("command not found")
        || text.contains("not found") && !text.contains("daemon")
    {
        return Finding::fail(
            "docker is not installed on the board",
            "this image has no Docker: use an Arduino X8 image",
        );
    }
    if text.contains("permission denied") {
        return Finding::fail(
            "user fio may not use Docker (permission denied on the Docker socket)",
            "run docker through sudo (`x8ctl shell --root docker ...`); over adb fio has no docker group, whatever /etc/group says",
        );
    }
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.contains("Cannot connect") || l.starts_with("ERROR") || l.starts_with("error"))
        .unwrap_or("no server version reported")
        .to_string();
    Finding::fail(
        "the Docker daemon is not running",
        "start it: `x8ctl shell --root systemctl restart docker`; if it fails, read `x8ctl shell --root journalctl --no-pager -u docker`",
    )
    .with_fix(Fix::root("restart the Docker daemon", Cmd::fixed("systemctl restart docker")))
    .detail(line)
}

// ---------------------------------------------------------------------------------------
// containers

/// The import failure of msgpack-rpc-python 0.4.1 (tornado 4.5) on Python 3.12+.
const BACKPORTS_ERROR: &str = "No module named 'backports'";

fn containers(ctx: &CheckCtx) -> Finding {
    let out = match docker_sh(ctx, &Cmd::fixed("docker ps -a --format '{{json .}}'")) {
        Ok(o) => o,
        Err(f) => return f,
    };
    if !out.ok() {
        return Finding::fail(
            format!(
                "docker ps failed (exit {}): {}",
                out.status,
                out.text().trim()
            ),
            "check `x8ctl shell docker ps -a`",
        );
    }
    let mut cs = parse::docker_ps_json_lines(&out.stdout_text());
    if cs.is_empty() {
        return Finding::ok("no containers");
    }
    let names: Vec<String> = cs.iter().map(|c| c.name.clone()).collect();
    let inspect = Cmd::new("docker").arg("inspect").args(&names).no_stderr();
    if let Ok(o) = docker_sh(ctx, &inspect) {
        parse::merge_docker_inspect(&mut cs, &o.stdout_text());
    }
    let mut logs: Vec<(String, String)> = Vec::new();
    for c in cs.iter().filter(|c| c.crash_looping() || c.failed()) {
        let cmd = Cmd::new("docker")
            .args(["logs", "--tail", "40", &c.name])
            .stderr_to_stdout();
        if let Ok(o) = docker_sh(ctx, &cmd) {
            logs.push((c.name.clone(), o.text()));
        }
    }
    let f = judge_containers(&cs, &logs);
    // compose-apps-early-start removes, at the next boot, every app it does not know
    // (real-board-evidence.md §6.2): the apps x8ctl deployed are such apps.
    if f.status == super::Status::Ok
        && let Ok(o) = sh(
            ctx,
            &Cmd::new("systemctl")
                .args(["is-enabled", crate::deploy::EARLY_START_UNITS[0]])
                .no_stderr()
                .then(Cmd::new("ls").arg(facts::COMPOSE_APPS_DIR).no_stderr()),
        )
        && o.stdout_text().lines().next().map(str::trim) == Some("enabled")
    {
        let text = o.stdout_text();
        // The apps it knows: the folders of /var/sota/compose-apps (their containers are
        // `<app>-<service>-1`, or named by the compose file after the app).
        let known: Vec<&str> = text.lines().skip(1).map(str::trim).collect();
        let doomed: Vec<&str> = cs
            .iter()
            .filter(|c| {
                !known
                    .iter()
                    .any(|k| c.name == *k || c.name.starts_with(&format!("{k}-")))
            })
            .map(|c| c.name.as_str())
            .collect();
        if !doomed.is_empty() {
            let mut w = Finding::warn(
                format!(
                    "compose-apps-early-start is enabled: at the next boot it removes {} (apps it does not know)",
                    doomed.join(", ")
                ),
                format!(
                    "disable it and its recovery unit, as Arduino's user manual advises: `x8ctl --yes deploy APP`, or on the board `sudo systemctl disable {}`",
                    crate::deploy::EARLY_START_UNITS.join(" ")
                ),
            );
            w.details = f.details;
            return w;
        }
    }
    f
}

/// A container in the details: `name (image): status, restarted N times`.
fn container_line(c: &parse::Container) -> String {
    format!(
        "{} ({}): {}{}",
        c.name,
        c.image,
        c.status,
        c.restart_count
            .map(|n| format!(", restarted {n} times"))
            .unwrap_or_default()
    )
}

/// The last line of a log that says something.
fn last_log_line(log: &str) -> String {
    log.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// The hint that shows where a container says why it stopped.
fn read_why(container: &str) -> String {
    format!(
        "read why: `x8ctl shell docker logs --tail 50 {}`",
        crate::board::quote::quote(container)
    )
}

pub(crate) fn judge_containers(cs: &[parse::Container], logs: &[(String, String)]) -> Finding {
    let log_of = |name: &str| {
        logs.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    };
    let last_line = |name: &str| last_log_line(log_of(name));
    let running = cs.iter().filter(|c| c.state == "running").count();
    let looping: Vec<&parse::Container> = cs.iter().filter(|c| c.crash_looping()).collect();
    let failed: Vec<&parse::Container> = cs
        .iter()
        .filter(|c| c.failed() && !c.crash_looping())
        .collect();
    let mut details: Vec<String> = cs.iter().map(container_line).collect();
    if let Some(bad) = looping
        .iter()
        .chain(failed.iter())
        .find(|c| log_of(&c.name).contains(BACKPORTS_ERROR))
    {
        details.push(format!("{}: {}", bad.name, last_line(&bad.name)));
        let mut f = Finding::fail(
            format!(
                "{} cannot start: msgpack-rpc-python fails to import ({BACKPORTS_ERROR})",
                bad.name
            ),
            "msgpack-rpc-python 0.4.1 needs tornado 4.5, which needs backports.ssl_match_hostname on Python 3.12+: pin `FROM python:3.11-alpine` in the Dockerfile, or add `backports.ssl_match_hostname` to requirements.txt; then rebuild (`docker compose up -d --build`)",
        );
        f.details = details;
        return f;
    }
    if let Some(c) = looping.first() {
        let names: Vec<&str> = looping.iter().map(|c| c.name.as_str()).collect();
        details.push(format!("{}: {}", c.name, last_line(&c.name)));
        let mut f = Finding::fail(
            format!("crash-looping: {}", names.join(", ")),
            read_why(&c.name),
        );
        f.details = details;
        return f;
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|c| c.name.as_str()).collect();
        let mut f = Finding::warn(
            format!(
                "{running} running; exited with an error: {}",
                names.join(", ")
            ),
            read_why(&failed[0].name),
        );
        f.details = details;
        return f;
    }
    let mut f = Finding::ok(format!(
        "{running} running, {} in all, none crash-looping",
        cs.len()
    ));
    f.details = details;
    f
}

// ---------------------------------------------------------------------------------------
// disk

fn disk(ctx: &CheckCtx) -> Finding {
    let out = match sh(ctx, &Cmd::fixed("df -P / /home/fio")) {
        Ok(o) => o,
        Err(f) => return f,
    };
    let rows = parse::df_rows(&out.stdout_text());
    if rows.is_empty() {
        return Finding::fail(
            format!(
                "df printed nothing usable (exit {}): {}",
                out.status,
                out.text().trim()
            ),
            "check `x8ctl shell df -h`",
        );
    }
    judge_disk(&rows)
}

fn human_kib(kib: u64) -> String {
    let b = kib as f64 * 1024.0;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.0} MiB", b / (1024.0 * 1024.0))
    }
}

pub(crate) fn judge_disk(rows: &[parse::DfRow]) -> Finding {
    // `/` and `/home/fio` are usually the same file system: report each once.
    let mut seen: Vec<(&str, &parse::DfRow)> = Vec::new();
    for (path, row) in ["/", "/home/fio"].iter().zip(rows.iter()) {
        if !seen.iter().any(|(_, r)| r.mounted_on == row.mounted_on) {
            seen.push((path, row));
        }
    }
    for row in rows.iter().skip(2) {
        if !seen.iter().any(|(_, r)| r.mounted_on == row.mounted_on) {
            seen.push((row.mounted_on.as_str(), row));
        }
    }
    let text: Vec<String> = seen
        .iter()
        .map(|(p, r)| {
            format!(
                "{p}: {}% used, {} free",
                r.use_percent,
                human_kib(r.avail_kib)
            )
        })
        .collect();
    let summary = text.join("; ");
    let hint = "free space: remove unused images and stopped containers (`x8ctl shell docker system prune`) and files in /home/fio";
    const MIB: u64 = 1024;
    if seen
        .iter()
        .any(|(_, r)| r.use_percent >= 98 || r.avail_kib < 50 * MIB)
    {
        return Finding::fail(format!("almost full: {summary}"), hint);
    }
    if seen
        .iter()
        .any(|(_, r)| r.use_percent >= 90 || r.avail_kib < 500 * MIB)
    {
        return Finding::warn(format!("getting full: {summary}"), hint);
    }
    Finding::ok(summary)
}

#[cfg(test)]
mod tests {
    use super::super::Status;
    use super::*;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn identity_verdicts() {
        let mut id = identity::Identity {
            hostname: "portenta-x8-1".into(),
            model: "Arduino i.MX8MM Portenta X8 board".into(),
            image_version: Some(861),
            firmware_version: Some("0.0.5".into()),
            ..Default::default()
        };
        assert_eq!(judge_identity(&id).status, Status::Ok);
        assert!(judge_identity(&id).summary.contains("arduino-91.2"));
        id.firmware_version = Some("0.0.4".into());
        let f = judge_identity(&id);
        assert_eq!(f.status, Status::Warn);
        assert!(f.summary.contains("t/1286747"));
        id.image_version = Some(600);
        assert!(judge_identity(&id).summary.contains("deprecated"));
        id.image_version = None;
        assert_eq!(judge_identity(&id).status, Status::Warn);
        id.model = "Raspberry Pi".into();
        assert_eq!(judge_identity(&id).status, Status::Fail);
    }

    #[test]
    fn h7_boot_verdicts() {
        let ok = map(&[
            ("LoadState", "loaded"),
            ("ActiveState", "active"),
            ("SubState", "exited"),
            ("Result", "success"),
        ]);
        assert_eq!(judge_h7_boot(&ok).status, Status::Ok);
        let failed = map(&[
            ("LoadState", "loaded"),
            ("ActiveState", "failed"),
            ("SubState", "failed"),
            ("Result", "exit-code"),
        ]);
        let f = judge_h7_boot(&failed);
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.is_some());
        assert_eq!(
            judge_h7_boot(&map(&[("LoadState", "not-found")])).status,
            Status::Fail
        );
        assert_eq!(judge_h7_boot(&map(&[])).status, Status::Fail);
    }

    #[test]
    fn module_verdicts() {
        let all: Vec<String> = REQUIRED_MODULES
            .iter()
            .chain(OTHER_MODULES.iter())
            .map(|s| s.to_string())
            .collect();
        assert_eq!(judge_modules(&all).status, Status::Ok);
        assert_eq!(judge_modules(&all[..3]).status, Status::Warn);
        let f = judge_modules(&all[1..]);
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("x8h7_drv"));
        assert!(f.fix.is_some());
    }

    #[test]
    fn firmware_verdicts() {
        assert_eq!(
            judge_firmware("0.0.5", true, Some("0.0.5")).status,
            Status::Ok
        );
        let f = judge_firmware("0.0.5", true, Some("0.0.4"));
        assert_eq!(f.status, Status::Fail);
        assert!(f.fix.unwrap().command.as_str().contains("program.sh"));
        assert_eq!(
            judge_firmware("0.0.4", true, Some("0.0.4")).status,
            Status::Warn
        );
        assert_eq!(
            judge_firmware(
                "0.0.5-next-53df799-20250314:072359",
                true,
                Some("0.0.5-next-53df799-20250314:072359")
            )
            .status,
            Status::Ok
        );
        assert_eq!(
            judge_firmware("dev Jan 1 2025", true, Some("dev Jan 1 2025")).status,
            Status::Warn
        );
        assert_eq!(
            judge_firmware(
                "cat: /sys/kernel/x8h7_firmware/version: Connection timed out",
                true,
                Some("0.0.5")
            )
            .status,
            Status::Fail
        );
        assert_eq!(judge_firmware("", true, None).status, Status::Fail);
        assert_eq!(judge_firmware("0.0.5", false, None).status, Status::Fail);
        assert_eq!(judge_firmware("0.0.5", true, None).status, Status::Fail);
    }

    #[test]
    fn m4_proxy_verdicts() {
        let active = map(&[("ActiveState", "active"), ("SubState", "running")]);
        assert_eq!(
            judge_m4_proxy(&[512], &[22, 5000, 5001], &active, None).status,
            Status::Ok
        );
        let f = judge_m4_proxy(
            &[],
            &[22],
            &map(&[("ActiveState", "active"), ("SubState", "exited")]),
            None,
        );
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("RemainAfterExit"));
        assert_eq!(
            f.fix.unwrap().command.as_str(),
            "systemctl restart m4-proxy"
        );
        let f = judge_m4_proxy(&[512], &[5000], &active, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("5001"));
        // Crashed and restarted: a warning with the journal's panic.
        let restarted = map(&[
            ("ActiveState", "active"),
            ("SubState", "running"),
            ("NRestarts", "2"),
        ]);
        let f = judge_m4_proxy(
            &[900],
            &[5000, 5001],
            &restarted,
            Some("panic: unsupported code: 217"),
        );
        assert_eq!(f.status, Status::Warn);
        assert!(f.summary.contains("crashed 2 times"), "{}", f.summary);
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("unsupported code: 217"))
        );
        // Waiting for the automatic restart.
        let waiting = map(&[
            ("ActiveState", "activating"),
            ("SubState", "auto-restart"),
            ("NRestarts", "1"),
            ("Result", "exit-code"),
        ]);
        let f = judge_m4_proxy(&[], &[], &waiting, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("restarts it in 2 s"), "{}", f.summary);
        // The start limit: the fix resets it.
        let failed = map(&[
            ("ActiveState", "failed"),
            ("SubState", "failed"),
            ("NRestarts", "9"),
            ("Result", "start-limit-hit"),
        ]);
        let f = judge_m4_proxy(&[], &[], &failed, None);
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("gave up"), "{}", f.summary);
        assert_eq!(
            f.fix.unwrap().command.as_str(),
            "systemctl reset-failed m4-proxy; systemctl restart m4-proxy"
        );
    }

    #[test]
    fn rpc_verdicts() {
        use crate::rpc::msgpack::Value;
        let ok = CallOutcome::Answered {
            result: Value::UInt(100),
            elapsed: Duration::from_millis(3),
        };
        assert_eq!(judge_rpc("temperature", &ok).status, Status::Ok);
        assert!(judge_rpc("temperature", &ok).summary.contains("100"));
        let e = CallOutcome::M4Error {
            error: Value::Str("rpclib: server could not find function 'temperature'".into()),
        };
        assert_eq!(judge_rpc("temperature", &e).status, Status::Warn);
        let n = CallOutcome::NoAnswer {
            elapsed: Duration::from_millis(1000),
        };
        let f = judge_rpc("temperature", &n);
        assert_eq!(f.status, Status::Fail);
        assert!(f.hint.unwrap().contains("M4"));
        assert_eq!(
            judge_rpc("temperature", &CallOutcome::NotListening).status,
            Status::Fail
        );
        let c = CallOutcome::ProxyCrashed {
            method: "temperature".into(),
            args: 0,
            state: "activating/auto-restart".into(),
            restarts: Some(1),
            gave_up: false,
        };
        let f = judge_rpc("temperature", &c);
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("crashed m4-proxy"), "{}", f.summary);
        assert!(f.hint.unwrap().contains("--rpc-method"));
    }

    #[test]
    fn docker_verdicts() {
        let up = "Client:\n Version: 24.0.9\nServer:\n Containers: 0\n Server Version: 24.0.9\n";
        assert_eq!(judge_docker(0, up).status, Status::Ok);
        let down = "Client:\n Version:    24.0.9\n\nServer:\nERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\nerrors pretty printing info\n";
        let f = judge_docker(1, down);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.fix.unwrap().command.as_str(), "systemctl restart docker");
        assert_eq!(
            judge_docker(127, "bash: docker: command not found").status,
            Status::Fail
        );
        assert!(
            judge_docker(
                1,
                "permission denied while trying to connect to the Docker daemon socket"
            )
            .summary
            .contains("fio")
        );
    }

    #[test]
    fn container_verdicts() {
        let c = |name: &str, state: &str, status: &str| parse::Container {
            name: name.into(),
            image: "img".into(),
            status: status.into(),
            state: state.into(),
            restart_count: None,
            exit_code: None,
        };
        assert_eq!(judge_containers(&[], &[]).status, Status::Ok);
        let up = c("a", "running", "Up 3 minutes");
        assert_eq!(
            judge_containers(std::slice::from_ref(&up), &[]).status,
            Status::Ok
        );
        let looping = c("sensors", "restarting", "Restarting (1) 2 seconds ago");
        let f = judge_containers(&[up.clone(), looping.clone()], &[]);
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("sensors"));
        let logs = vec![(
            "sensors".to_string(),
            "Traceback...\nModuleNotFoundError: No module named 'backports'\n".to_string(),
        )];
        let f = judge_containers(&[up.clone(), looping], &logs);
        assert_eq!(f.status, Status::Fail);
        assert!(f.hint.unwrap().contains("python:3.11-alpine"));
        let exited = c("old", "exited", "Exited (2) 1 hour ago");
        assert_eq!(judge_containers(&[up, exited], &[]).status, Status::Warn);
    }

    #[test]
    fn disk_verdicts() {
        let row = |pct: u8, avail: u64, mp: &str| parse::DfRow {
            filesystem: "/dev/mmcblk2p2".into(),
            total_kib: 15_000_000,
            used_kib: 0,
            avail_kib: avail,
            use_percent: pct,
            mounted_on: mp.into(),
        };
        let f = judge_disk(&[row(31, 10_000_000, "/"), row(31, 10_000_000, "/")]);
        assert_eq!(f.status, Status::Ok);
        assert!(
            !f.summary.contains("/home/fio"),
            "one file system once: {}",
            f.summary
        );
        assert_eq!(
            judge_disk(&[row(93, 1_000_000, "/"), row(93, 1_000_000, "/")]).status,
            Status::Warn
        );
        assert_eq!(
            judge_disk(&[row(31, 10_000_000, "/"), row(100, 0, "/home")]).status,
            Status::Fail
        );
    }
}
