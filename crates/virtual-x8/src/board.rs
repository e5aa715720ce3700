//! The board behind the virtual adbd: configuration, shared state, and the entry points the
//! adbd services use (shell commands, file access for sync, TCP ports for `tcp:`).
//!
//! CONTRACT (used by `sim::adbd`): the signatures below are what the adbd calls.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::faults::{Fault, Faults};
use super::services::Services;
use super::vfs::{FsError, Vfs};

#[derive(Debug, Clone)]
pub struct BoardConfig {
    /// adb serial, e.g. `2D16BA09DAB6FAD9`; the hostname is `portenta-x8-<serial lowercase, leading zeros stripped>`.
    pub serial: String,
    /// Sandbox root holding the board's file system; populated with the X8 layout when empty.
    pub root: PathBuf,
    /// `None`: sudo needs no password (NOPASSWD). `Some("")`: the empty password of images
    /// from 2024-08 on. `Some("fio")`: older images. [`password_profile`] gives each image's.
    pub sudo_password: Option<String>,
    /// fio's password has expired (images 844, 846, 861): the right password is refused by
    /// PAM with "You are required to change your password immediately (administrator
    /// enforced)" (real-board-evidence.md §5.1).
    pub password_expired: bool,
    /// `IMAGE_VERSION` in /etc/os-release (the Foundries build number, e.g. 861).
    pub image_version: u32,
    /// Version string of the firmware installed in /usr/lib/firmware and running on the H7.
    pub firmware_version: String,
    /// Send port 5001 traffic to this external MessagePack-RPC server instead of the simulated M4.
    pub m4_upstream: Option<String>,
    /// What the simulated M4 runs (`none`, the tutorial's `sensors`, `bmp280`, or a sketch
    /// file). Ignored with `m4_upstream`.
    pub m4_sketch: crate::sketch::Sketch,
    /// m4-proxy.service's `RestartSec` (2 s on the board; tests may shorten it).
    pub m4_restart_delay: std::time::Duration,
    pub faults: Vec<Fault>,
}

/// fio's sudo password on an image: `(password, expired)`.
///
/// From meta-partner-arduino's history (real-board-evidence.md §5.1, x8-board-facts.md):
/// - f4c639f (2024-04-29) expired fio's password ("Forced password change at first login",
///   release notes of image 844), reverted by 36b922b (2024-07-30): images **844, 846 and
///   861** (arduino-91, 91.1, 91.2) were built in that window: `fio`, expired.
/// - d1faa02 (2024-08-02) blanked it (`usermod -p ''`): images built from then on have an
///   **empty** password. No later image number is named in the release notes we read; every
///   build after 861 is taken to be one of them [inf].
/// - Before: `fio` (822 = arduino-88.94, 746, 719, ...).
pub fn password_profile(image_version: u32) -> (Option<String>, bool) {
    match image_version {
        844 | 846 | 861 => (Some("fio".into()), true),
        v if v > 861 => (Some(String::new()), false),
        _ => (Some("fio".into()), false),
    }
}

impl BoardConfig {
    /// A board running image `image_version`, with that image's sudo password profile.
    pub fn for_image(image_version: u32) -> BoardConfig {
        let (sudo_password, password_expired) = password_profile(image_version);
        BoardConfig {
            image_version,
            sudo_password,
            password_expired,
            ..BoardConfig::default()
        }
    }
}

impl Default for BoardConfig {
    /// Image 861 with fio's password already changed at the first login (to `fio` again, for
    /// brevity: the real `passwd` wants a new one). [`BoardConfig::for_image`] gives an image
    /// as it ships, e.g. 861 with its expired password.
    fn default() -> Self {
        BoardConfig {
            serial: "2D16BA09DAB6FAD9".into(),
            root: PathBuf::new(),
            sudo_password: Some("fio".into()),
            password_expired: false,
            image_version: 861,
            firmware_version: "0.0.5".into(),
            m4_upstream: None,
            m4_sketch: crate::sketch::Sketch::Sensors,
            m4_restart_delay: crate::services::M4_RESTART_SEC,
            faults: Vec::new(),
        }
    }
}

/// The streams a shell command reads and writes. For `shell:` (v1) stdout and stderr are the
/// same byte stream; with shell v2 they are separate. A write error means the host closed the
/// stream: the command must stop.
pub struct ShellIo<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

pub struct Board {
    cfg: BoardConfig,
    faults: Arc<Faults>,
    vfs: Vfs,
    hostname: String,
    services: Option<Services>,
    /// monitor-m4-elf-file.service is running (its path unit ignores changes meanwhile).
    sketch_unit_running: Arc<std::sync::atomic::AtomicBool>,
    /// fio's password and whether it has expired, as `passwd` leaves them.
    fio_password: std::sync::Mutex<(Option<String>, bool)>,
}

/// `portenta-x8-<serial lowercase, leading zeros stripped>`.
pub fn hostname_for(serial: &str) -> String {
    let s = serial.trim().to_ascii_lowercase();
    let s = s.trim_start_matches('0');
    format!("portenta-x8-{s}")
}

/// The Arduino release name of a Foundries build number (release notes of the X8 images).
fn arduino_release(image_version: u32) -> Option<&'static str> {
    Some(match image_version {
        861 => "91.2",
        846 => "91.1",
        844 => "91",
        822 => "88.94",
        746 => "88.91",
        719 => "88.7",
        _ => return None,
    })
}

fn os_release(cfg: &BoardConfig) -> String {
    let iv = cfg.image_version;
    let version = match arduino_release(iv) {
        Some(r) => format!("4.0.11-{iv}-{r}"),
        None => format!("4.0.11-{iv}"),
    };
    format!(
        "ID=lmp-xwayland\n\
         NAME=\"Linux-microPlatform XWayland\"\n\
         VERSION=\"{version}\"\n\
         VERSION_ID={version}\n\
         PRETTY_NAME=\"Linux-microPlatform XWayland {version}\"\n\
         DISTRO_CODENAME=\"kirkstone\"\n\
         HOME_URL=\"https://foundries.io/products/\"\n\
         SUPPORT_URL=\"https://support.foundries.io/\"\n\
         DEFAULT_HOSTNAME=\"portenta-x8\"\n\
         LMP_MACHINE=\"portenta-x8\"\n\
         LMP_FACTORY=\"arduino\"\n\
         LMP_FACTORY_TAG=\"devel\"\n\
         IMAGE_ID=lmp-partner-arduino-image\n\
         IMAGE_VERSION={iv}\n"
    )
}

/// Lay out the X8's file system in an empty (or partial) sandbox. Existing files are kept.
fn populate(vfs: &Vfs, cfg: &BoardConfig, hostname: &str) -> io::Result<()> {
    let e = |e: super::vfs::FsError| e.into_io();
    for d in [
        "/home/fio",
        "/tmp",
        "/var/log",
        "/var/lib",
        "/var/rootdirs",
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/arduino/extra",
        "/etc/modprobe.d",
        "/etc/sudoers.d",
        "/root",
        "/run",
        "/dev",
        "/dev/shm",
        "/proc/device-tree",
        "/sys/devices/soc0",
        "/sys/kernel",
        "/sysroot",
        "/boot",
        "/mnt",
        "/opt",
        "/media",
    ] {
        vfs.make_system_dir(d).map_err(e)?;
    }
    {
        for sticky in ["/tmp", "/dev/shm"] {
            if let Ok(p) = vfs.resolve(sticky) {
                let _ = crate::host::set_mode(&p, 0o1777);
            }
        }
        for home in ["/home/root", "/root"] {
            if let Ok(p) = vfs.resolve(home) {
                let _ = std::fs::create_dir_all(&p);
                let _ = crate::host::set_mode(&p, 0o700);
            }
        }
    }
    let serial_lc = cfg.serial.trim().to_ascii_lowercase();
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("/etc/os-release", os_release(cfg).into_bytes()),
        ("/etc/hostname", format!("{hostname}\n").into_bytes()),
        (
            "/etc/passwd",
            b"root:x:0:0:root:/home/root:/bin/sh\nfio:x:1000:1000::/home/fio:/bin/sh\n".to_vec(),
        ),
        (
            "/etc/group",
            format!(
                "root:x:0:\nsudo:x:27:fio\nfio:x:1000:\ndocker:x:{}:fio\n",
                super::vfs::DOCKER_GID
            )
            .into_bytes(),
        ),
        (
            "/etc/modprobe.d/blacklist.conf",
            b"blacklist x8h7_drv\nblacklist x8h7_h7\n".to_vec(),
        ),
        (
            "/proc/device-tree/model",
            b"Arduino i.MX8MM Portenta X8 board\0".to_vec(),
        ),
        (
            "/proc/device-tree/serial-number",
            format!("{serial_lc}\0").into_bytes(),
        ),
        (
            "/sys/devices/soc0/serial_number",
            format!("{}\n", cfg.serial.trim()).into_bytes(),
        ),
        (
            "/proc/version",
            b"Linux version 5.15.77-lmp-standard (oe-user@oe-host) (aarch64-lmp-linux-gcc (GCC) 11.4.0, GNU ld (GNU Binutils) 2.38.20220708) #1 SMP PREEMPT Thu Jun 6 10:07:00 UTC 2024\n".to_vec(),
        ),
    ];
    files.push((
        "/proc/cpuinfo",
        (0..4)
            .map(|i| {
                format!(
                    "processor\t: {i}\nBogoMIPS\t: 16.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
                )
            })
            .collect::<String>()
            .into_bytes(),
    ));
    files.push((
        "/proc/meminfo",
        b"MemTotal:        2005664 kB\nMemFree:          612220 kB\nMemAvailable:    1276812 kB\nBuffers:           40912 kB\nCached:           700000 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n".to_vec(),
    ));
    files.push((
        "/sys/class/typec/port0/data_role",
        b"host [device]\n".to_vec(),
    ));
    files.push((
        "/run/arduino_hw_info.env",
        b"BOARD=portenta-x8\nIS_ON_CARRIER=no\nCARRIER_NAME=none\nHAS_HAT=no\nHAT_NAME=none\n"
            .to_vec(),
    ));
    files.push((
        "/proc/sys/kernel/hostname",
        format!("{hostname}\n").into_bytes(),
    ));
    for (path, data) in files {
        let exists = vfs.resolve(path).map(|p| p.exists()).unwrap_or(false);
        if !exists {
            vfs.write_system_file(path, &data).map_err(e)?;
        }
    }
    vfs.make_system_dir("/bin").map_err(e)?;
    super::shell::install_command_stubs(vfs).map_err(e)?;
    Ok(())
}

impl Board {
    pub fn new(cfg: BoardConfig) -> io::Result<Arc<Board>> {
        Self::build(cfg, true)
    }

    /// A board without its services (no systemd, m4-proxy, docker): the file system and the
    /// shell only. For tests of the shell, the file system and the adbd.
    pub fn new_without_services(cfg: BoardConfig) -> io::Result<Arc<Board>> {
        Self::build(cfg, false)
    }

    fn build(cfg: BoardConfig, with_services: bool) -> io::Result<Arc<Board>> {
        if cfg.root.as_os_str().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the board needs a sandbox root directory",
            ));
        }
        std::fs::create_dir_all(&cfg.root)?;
        let root = std::fs::canonicalize(&cfg.root)?;
        let faults = Arc::new(Faults::new(cfg.faults.iter().copied()));
        let vfs = Vfs::new(root.clone(), faults.clone());
        let hostname = hostname_for(&cfg.serial);
        populate(&vfs, &cfg, &hostname)?;
        let (cfg_pw, cfg_expired) = (cfg.sudo_password.clone(), cfg.password_expired);
        let services = if with_services {
            Some(Services::start(&cfg, faults.clone(), root.clone())?)
        } else {
            None
        };
        // /usr is the image's OSTree checkout: hard links into the repository (§3.3).
        crate::ostree::check_in_usr(&root)?;
        let board = Arc::new(Board {
            cfg,
            faults,
            vfs,
            hostname,
            services,
            sketch_unit_running: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            fio_password: std::sync::Mutex::new((cfg_pw, cfg_expired)),
        });
        if board.services.is_some() {
            // The x8h7 sysfs files read through the H7: a silent H7 times out.
            let weak = Arc::downgrade(&board);
            board.vfs.set_device_check(Box::new(move |path| {
                let b = weak.upgrade()?;
                match b.services_opt()?.sysfs_read(path)? {
                    Err(_) => Some(FsError::TimedOut),
                    Ok(_) => None,
                }
            }));
        }
        if with_services {
            let weak = Arc::downgrade(&board);
            board.vfs.set_write_watch(Arc::new(move |path| {
                if path == M4_SKETCH
                    && let Some(b) = weak.upgrade()
                {
                    m4_sketch_modified(&b);
                }
            }));
        }
        Ok(board)
    }

    pub fn serial(&self) -> &str {
        &self.cfg.serial
    }

    /// fio's sudo password now (`None`: NOPASSWD) and whether it has expired.
    pub fn fio_password(&self) -> (Option<String>, bool) {
        self.fio_password
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// What `passwd` does: a new password, no longer expired.
    pub fn set_fio_password(&self, password: &str) {
        *self.fio_password.lock().unwrap_or_else(|e| e.into_inner()) =
            (Some(password.to_string()), false);
    }
    pub fn hostname(&self) -> String {
        self.hostname.clone()
    }
    pub fn root(&self) -> &Path {
        self.vfs.root()
    }
    pub fn faults(&self) -> &Faults {
        &self.faults
    }
    /// The shared fault set (services keep a clone).
    pub fn faults_arc(&self) -> Arc<Faults> {
        self.faults.clone()
    }
    pub fn config(&self) -> &BoardConfig {
        &self.cfg
    }
    /// The services. Panics on a board built with [`Board::new_without_services`]; use
    /// [`Board::services_opt`] where that can happen.
    pub fn services(&self) -> &Services {
        match &self.services {
            Some(s) => s,
            None => panic!("board built without services"),
        }
    }
    /// The services, if the board runs them.
    pub fn services_opt(&self) -> Option<&Services> {
        self.services.as_ref()
    }
    pub fn vfs(&self) -> &Vfs {
        &self.vfs
    }
    /// `shell:<cmd>` / `exec:<cmd>`: run `cmd` as user fio in /home/fio with /bin/bash semantics.
    pub fn run_command(&self, cmd: &str, io: &mut ShellIo) -> i32 {
        super::shell::run_command(self, cmd, io)
    }
    /// `shell:CMD` / `exec:CMD` as the adbd starts its child (environment, terminal).
    pub fn run_adb_command(
        &self,
        cmd: &str,
        io: &mut ShellIo,
        child: super::shell::AdbChild,
    ) -> i32 {
        super::shell::run_adb_command(self, cmd, io, child)
    }
    /// `shell:` with no command, as the adbd starts it.
    pub fn interactive_adb(&self, io: &mut ShellIo, child: super::shell::AdbChild) -> i32 {
        super::shell::interactive_adb(self, io, child)
    }
    /// `shell:` with no command: an interactive session reading lines from stdin.
    pub fn interactive(&self, io: &mut ShellIo) -> i32 {
        super::shell::interactive(self, io)
    }
    /// `tcp:<port>`: connect to a port on the board's localhost (m4-proxy 5000/5001, containers).
    pub fn connect_port(&self, port: u16) -> io::Result<TcpStream> {
        let refused = || {
            io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!("connect to 127.0.0.1:{port}: Connection refused"),
            )
        };
        let addr = self
            .services
            .as_ref()
            .and_then(|s| s.port_addr(port))
            .ok_or_else(refused)?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(2))
    }
    /// Let a listener stand for the board's localhost `port` (adbd's `reverse:`);
    /// `false` when the port is taken or the board has no services.
    pub fn bind_port(&self, port: u16, addr: std::net::SocketAddr) -> bool {
        self.services
            .as_ref()
            .is_some_and(|s| s.bind_port(port, addr))
    }
    /// Undo [`Board::bind_port`].
    pub fn unbind_port(&self, port: u16, addr: std::net::SocketAddr) {
        if let Some(s) = &self.services {
            s.unbind_port(port, addr);
        }
    }
    /// Stop background threads (m4-proxy, containers).
    pub fn shutdown(&self) {
        if let Some(s) = &self.services {
            s.stop();
        }
    }
}

/// Where `monitor-m4-elf-file.path` looks.
pub const M4_SKETCH: &str = "/tmp/arduino/m4-user-sketch.elf";

/// The board's `monitor-m4-elf-file.path` unit (`PathModified=/tmp/arduino/m4-user-sketch.elf`)
/// and the service it starts. `PathModified=` fires on the **first write** to the file (and
/// on a rename onto it), not when it is closed: adbd unlinks the old file and writes a
/// pushed one in 64 KiB chunks, so OpenOCD can start on a half-written ELF
/// (real-board-evidence.md §4.1; meta-partner-arduino ddfd1b4
/// `recipes-kernel/linux-firmware/files/monitor-m4-elf-file.path`). Modelled:
/// the unit triggers at the first write and OpenOCD programs what the file holds at that
/// moment (`program FILE verify reset exit`), its lines going to the journal under
/// `monitor-m4-elf-file.service`; changes while the service runs are not seen (the path
/// unit waits for it to finish).
fn m4_sketch_modified(b: &Arc<Board>) {
    const UNIT: &str = "monitor-m4-elf-file.service";
    use std::sync::atomic::Ordering;
    let Some(svc) = b.services_opt() else { return };
    if b.sketch_unit_running.swap(true, Ordering::SeqCst) {
        return;
    }
    // What OpenOCD will read: the file as it is now.
    let snapshot = std::fs::read(b.root().join(M4_SKETCH.trim_start_matches('/'))).ok();
    let j = svc.journal();
    j.systemd(UNIT, "Starting Program the M4 with the uploaded sketch...");
    let weak = Arc::downgrade(b);
    let running = b.sketch_unit_running.clone();
    let _ = std::thread::Builder::new()
        .name("monitor-m4-elf-file".into())
        .spawn(move || {
            let Some(b) = weak.upgrade() else {
                running.store(false, Ordering::SeqCst);
                return;
            };
            let Some(svc) = b.services_opt() else {
                running.store(false, Ordering::SeqCst);
                return;
            };
            let j = svc.journal();
            let args: Vec<String> = [
                "-f",
                "/usr/arduino/extra/openocd_script-imx_gpio.cfg",
                "-c",
                "program /tmp/arduino/m4-user-sketch.elf verify reset exit",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let read = |p: &str| {
                if p == M4_SKETCH {
                    snapshot.clone()
                } else {
                    b.vfs().read(p, crate::vfs::User::Root).ok()
                }
            };
            let (lines, code) = svc.openocd(&args, crate::vfs::User::Root, &read);
            for (_, l) in lines {
                j.log(UNIT, "openocd", 1201, l);
            }
            if code == 0 {
                j.systemd(UNIT, format!("{UNIT}: Deactivated successfully."));
                j.systemd(UNIT, "Finished Program the M4 with the uploaded sketch.");
            } else {
                j.systemd(
                    UNIT,
                    format!("{UNIT}: Main process exited, code=exited, status={code}/FAILURE"),
                );
                j.systemd(UNIT, format!("{UNIT}: Failed with result 'exit-code'."));
                j.systemd(
                    UNIT,
                    "Failed to start Program the M4 with the uploaded sketch.",
                );
            }
            running.store(false, Ordering::SeqCst);
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_is_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Board>();
        assert_send_sync::<Vfs>();
    }

    #[test]
    fn layout_and_identity() {
        let d = tempfile::tempdir().unwrap();
        let cfg = BoardConfig {
            serial: "002D16BA09DAB6FAD9".into(),
            root: d.path().join("x8"),
            ..Default::default()
        };
        let b = Board::new_without_services(cfg).unwrap();
        assert_eq!(b.hostname(), "portenta-x8-2d16ba09dab6fad9");
        let osr = b
            .vfs()
            .read("/etc/os-release", super::super::vfs::User::Fio)
            .unwrap();
        let osr = String::from_utf8(osr).unwrap();
        assert!(osr.contains("ID=lmp-xwayland\n"));
        assert!(osr.contains("IMAGE_VERSION=861\n"));
        assert!(osr.contains("VERSION=\"4.0.11-861-91.2\""));
        let model = b
            .vfs()
            .read("/proc/device-tree/model", super::super::vfs::User::Fio)
            .unwrap();
        assert_eq!(model, b"Arduino i.MX8MM Portenta X8 board\0");
        assert_eq!(
            b.connect_port(5001).unwrap_err().kind(),
            io::ErrorKind::ConnectionRefused
        );
    }
}
