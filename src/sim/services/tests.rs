//! Tests of the services without a Board: boot state, systemctl, journal, program.sh,
//! m4-proxy faults, docker.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::docker::{HostView, Status};
use super::*;
use crate::sim::faults::Fault;

pub(super) fn boot(faults: &[Fault]) -> (tempfile::TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BoardConfig {
        root: dir.path().to_path_buf(),
        faults: faults.to_vec(),
        ..BoardConfig::default()
    };
    let f = Arc::new(Faults::new(faults.iter().copied()));
    let s = Services::start(&cfg, f, dir.path().to_path_buf()).unwrap();
    (dir, s)
}

pub(super) fn run(
    f: impl FnOnce(&mut dyn Write, &mut dyn Write) -> i32,
) -> (String, String, i32) {
    let mut o = Vec::new();
    let mut e = Vec::new();
    let c = f(&mut o, &mut e);
    (
        String::from_utf8_lossy(&o).into_owned(),
        String::from_utf8_lossy(&e).into_owned(),
        c,
    )
}

fn a(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn ctl(s: &Services, args: &str, user: User) -> (String, String, i32) {
    run(|o, e| s.systemctl(&a(args), user, o, e))
}

#[test]
fn boot_writes_the_layout() {
    let (dir, s) = boot(&[]);
    let root = dir.path();
    let bin = fs::read(root.join("usr/arduino/extra/STM32H747AII6_CM7.bin")).unwrap();
    assert_eq!(crate::sim::fwimage::version_of(&bin).as_deref(), Some("0.0.5"));
    let link = fs::read_link(root.join("usr/arduino/extra/STM32H747AII6_CM7.bin")).unwrap();
    assert_eq!(
        link.to_str(),
        Some("../../lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin")
    );
    assert!(root.join("usr/arduino/extra/program.sh").exists());
    assert_eq!(
        fs::read_to_string(root.join("sys/kernel/x8h7_firmware/version")).unwrap(),
        "0.0.5\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("sys/kernel/x8h7_firmware/chip_uid"))
            .unwrap()
            .trim()
            .len(),
        24
    );
    assert!(root.join("dev/x8h7_ui").exists());
    assert_eq!(s.h7_version(), Ok("0.0.5".into()));
    let (o, _, c) = run(|o, _| s.lsmod(o));
    assert_eq!(c, 0);
    for m in X8H7_MODULES {
        assert!(o.contains(m));
    }
    s.stop();
}

#[test]
fn systemctl_basics_and_permissions() {
    let (_d, s) = boot(&[]);
    assert_eq!(ctl(&s, "is-active m4-proxy", User::Fio), ("active\n".into(), String::new(), 0));
    assert_eq!(ctl(&s, "is-active stm32h7-program", User::Fio).0, "active\n");
    let (o, _, _) = ctl(&s, "show -p MainPID,SubState m4-proxy", User::Fio);
    assert!(o.contains("SubState=running"), "{o}");
    assert!(!o.contains("MainPID=0"));
    let (o, _, c) = ctl(&s, "status m4-proxy", User::Root);
    assert_eq!(c, 0);
    assert!(o.contains("● m4-proxy.service - M4 Proxy"));
    assert!(o.contains("Active: active (running)"));
    assert!(o.contains("Started M4 Proxy."));
    let (o, _, _) = ctl(&s, "status stm32h7-program", User::Fio);
    assert!(o.contains("Active: active (exited)"));
    let (_, e, c) = ctl(&s, "restart m4-proxy", User::Fio);
    assert_eq!(c, 1);
    assert!(e.starts_with("Failed to restart m4-proxy.service: Interactive authentication required."));
    assert_eq!(ctl(&s, "is-active nope", User::Fio).2, 3);
    assert_eq!(ctl(&s, "status nope", User::Fio).2, 4);
    let (o, _, _) = ctl(&s, "is-active docker", User::Fio);
    assert_eq!(o, "active\n");
    s.stop();
}

#[test]
fn m4_proxy_down_lies_and_restart_fixes() {
    let (_d, s) = boot(&[Fault::M4ProxyDown]);
    assert_eq!(ctl(&s, "is-active m4-proxy", User::Fio).0, "active\n");
    let (o, _, _) = ctl(&s, "show -p MainPID,SubState m4-proxy", User::Fio);
    assert_eq!(o, "MainPID=0\nSubState=exited\n");
    assert_eq!(run(|o, _| s.pidof(&a("m4_proxy"), o)).2, 1);
    let (o, _, _) = run(|o, e| s.ss(&a("-ltn"), User::Fio, o, e));
    assert!(!o.contains(":5001") && !o.contains(":5000"), "{o}");
    assert!(s.port_addr(5001).is_none());
    let (_, _, c) = ctl(&s, "restart m4-proxy", User::Root);
    assert_eq!(c, 0);
    assert!(!s.faults().has(Fault::M4ProxyDown));
    let (o, _, c) = run(|o, _| s.pidof(&a("m4_proxy"), o));
    assert_eq!(c, 0);
    assert!(!o.trim().is_empty());
    let (o, _, _) = run(|o, e| s.ss(&a("-ltnp"), User::Root, o, e));
    assert!(o.contains("0.0.0.0:5001") && o.contains("*:5000") && o.contains("m4_proxy"), "{o}");
    let addr = s.port_addr(5001).unwrap();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    // toggling the fault at run time kills the proxy
    s.faults().set(Fault::M4ProxyDown, true);
    assert!(s.port_addr(5001).is_none());
    assert_eq!(ctl(&s, "is-active m4-proxy", User::Fio).0, "active\n");
    s.stop();
}

#[test]
fn journal_permissions_and_content() {
    let (_d, s) = boot(&[]);
    let (o, e, c) = run(|o, e| s.journalctl(&a("-u m4-proxy"), User::Fio, o, e));
    assert_eq!(c, 1);
    assert!(o.is_empty());
    assert!(e.contains("No journal files were opened due to insufficient permissions."));
    let (o, _, c) = run(|o, e| s.journalctl(&a("-u m4-proxy --no-pager -n 5"), User::Root, o, e));
    assert_eq!(c, 0);
    assert!(o.contains("systemd[1]: Started M4 Proxy."), "{o}");
    assert!(o.contains("portenta-x8-2d16ba09dab6fad9"));
    let (o, _, _) = run(|o, e| s.journalctl(&a("-u stm32h7-program -o cat"), User::Root, o, e));
    assert!(o.contains("Firmware on H7 matches firmware stored on X8. No Update."), "{o}");
    let (o, _, _) = run(|o, e| s.journalctl(&a("-u nothing"), User::Root, o, e));
    assert_eq!(o, "-- No entries --\n");
    s.stop();
}

#[test]
fn journal_follow_stops_on_write_error() {
    struct Limited(usize);
    impl Write for Limited {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            self.0 -= 1;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            if self.0 == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            Ok(())
        }
    }
    let (_d, s) = boot(&[]);
    let s = Arc::new(s);
    let s2 = s.clone();
    let t = std::thread::spawn(move || {
        let mut out = Limited(3);
        let mut err = Vec::new();
        s2.journalctl(&a("-fu m4-proxy"), User::Root, &mut out, &mut err)
    });
    for _ in 0..5 {
        s.journal().log("m4-proxy.service", "m4_proxy", 1, "x");
    }
    assert_eq!(t.join().unwrap(), 0);
    s.stop();
}

fn program(s: &Services, root: &std::path::Path) -> ProgramSh {
    let file = fs::read(root.join("usr/arduino/extra/STM32H747AII6_CM7.bin")).ok();
    s.program_sh(file.as_deref())
}

#[test]
fn program_sh_and_sysfs_follow_the_flash() {
    let (d, s) = boot(&[]);
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert!(r.programmed.is_none());
    // a new image replaces the file (as `sudo cp` does)
    fs::write(
        d.path().join("usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"),
        make_image("0.0.6"),
    )
    .unwrap();
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert_eq!(r.programmed, Some(ProgramResult::Ok));
    assert_eq!(s.h7_version(), Ok("0.0.6".into()));
    assert_eq!(
        fs::read_to_string(d.path().join("sys/kernel/x8h7_firmware/version")).unwrap(),
        "0.0.6\n"
    );
    assert_eq!(s.sysfs_read(SYSFS_VERSION), Some(Ok(b"0.0.6\n".to_vec())));
    s.stop();
}

#[test]
fn program_faults() {
    let (d, s) = boot(&[Fault::ProgramFail]);
    fs::write(
        d.path().join("usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"),
        make_image("0.0.6"),
    )
    .unwrap();
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert!(h7::text(&r.lines).contains("** Programming Failed **"));
    assert_eq!(s.h7_version(), Ok("0.0.5".into()));
    s.faults().set(Fault::ProgramFail, false);
    s.faults().set(Fault::VerifyFail, true);
    let r = program(&s, d.path());
    assert_eq!(r.status, 0);
    assert!(h7::text(&r.lines).contains("** Verify Failed **"));
    assert_eq!(s.h7_version(), Err(H7ReadError::TimedOut));
    assert_eq!(s.sysfs_read(SYSFS_VERSION), Some(Err("Connection timed out")));
    assert!(s.faults().has(Fault::M4Silent));
    s.faults().set(Fault::VerifyFail, false);
    let r = program(&s, d.path());
    assert_eq!(r.programmed, Some(ProgramResult::Ok));
    assert_eq!(s.h7_version(), Ok("0.0.6".into()));
    assert!(!s.faults().has(Fault::M4Silent));
    s.stop();
}

#[test]
fn reboot_reflashes_by_version_and_needs_root() {
    let (d, s) = boot(&[]);
    fs::write(
        d.path().join("usr/lib/firmware/arduino/stm32h7-fw/STM32H747AII6_CM7.bin"),
        make_image("0.0.7"),
    )
    .unwrap();
    assert_eq!(run(|o, e| s.reboot_cmd(&[], User::Fio, o, e)).2, 1);
    assert_eq!(run(|o, e| s.reboot_cmd(&[], User::Root, o, e)).2, 0);
    assert_eq!(s.h7_version(), Ok("0.0.7".into()));
    assert!(s.port_addr(5001).is_some());
    let (o, _, _) = run(|o, e| s.journalctl(&a("-b -u stm32h7-program -o cat"), User::Root, o, e));
    assert!(o.contains("Version(M8)=0.0.7"), "{o}");
    s.stop();
}

#[test]
fn openocd_needs_root() {
    let (_d, s) = boot(&[]);
    let read = |_: &str| None;
    let (l, c) = s.openocd(&a("-f x -c init"), User::Fio, &read);
    assert_eq!(c, 1);
    assert!(h7::text(&l).contains("Permission denied"));
    s.stop();
}
