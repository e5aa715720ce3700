//! A connected Portenta X8: run a command and get its exit status, sudo, push and pull
//! files and folders, open a TCP connection to a board port; over the adb server or over
//! x8ctl's own direct ADB.

pub mod cmd;
pub mod connect;
pub mod facts;
pub mod identity;
pub mod locate;
pub mod lock;
pub mod quote;
pub mod script;
pub mod select;
pub mod server;
pub mod transfer;

use cmd::Cmd;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adb_wire::host::{HostConnection, HostError, HostStream};
use quote::{
    Secret, StatusStripper, Stdin, new_nonce, quote, script_for, wrap_exec, wrap_exec_script,
};
use server::{AdbServer, ServerError};

/// A bidirectional stream to a device service.
pub trait Duplex: Read + Write + Send {
    /// Longest wait for the next bytes; `None` waits forever.
    fn set_read_timeout_to(&mut self, t: Option<Duration>);
    /// Longest wait before a write can go; `None`: the stream's default. A write that
    /// times out has sent nothing (it can be tried again).
    fn set_write_timeout_to(&mut self, _t: Option<Duration>) {}
    /// A second handle on the same stream (one thread reads, another writes).
    fn try_clone_duplex(&self) -> io::Result<Box<dyn Duplex>>;
    /// Close both directions.
    fn shutdown_both(&mut self);
}

impl Duplex for TcpStream {
    fn set_read_timeout_to(&mut self, t: Option<Duration>) {
        let _ = self.set_read_timeout(t);
    }
    fn try_clone_duplex(&self) -> io::Result<Box<dyn Duplex>> {
        Ok(Box::new(self.try_clone()?))
    }
    fn shutdown_both(&mut self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

impl Duplex for HostStream {
    fn set_read_timeout_to(&mut self, t: Option<Duration>) {
        self.set_read_timeout(t.unwrap_or(Duration::from_secs(365 * 24 * 3600)));
    }
    fn set_write_timeout_to(&mut self, t: Option<Duration>) {
        self.set_write_timeout(t);
    }
    fn try_clone_duplex(&self) -> io::Result<Box<dyn Duplex>> {
        Ok(Box::new(self.try_clone()))
    }
    fn shutdown_both(&mut self) {
        self.close();
    }
}

/// How x8ctl reaches the board.
#[derive(Clone)]
pub enum Transport {
    /// Through the adb server (the default).
    Server { server: AdbServer, serial: String },
    /// x8ctl's own ADB over TCP (`--connect`, `--virtual`).
    Direct { conn: HostConnection },
}

impl Transport {
    pub fn name(&self) -> &'static str {
        match self {
            Transport::Server { .. } => "adb-server",
            Transport::Direct { .. } => "direct",
        }
    }

    /// The longest service string one OPEN can carry, counting the NUL that ends it. The
    /// X8's adbd takes 4096 bytes of payload (REB 1.4): a bigger OPEN drops the connection
    /// direct, and aborts Debian's adb server (dropping every device). Through the server
    /// x8ctl cannot learn the device's limit, so 4096 there.
    pub fn max_service(&self) -> usize {
        match self {
            Transport::Server { .. } => facts::MAX_PAYLOAD,
            Transport::Direct { conn } => conn.max_payload() as usize,
        }
    }

    /// Open a device service stream. A service that cannot fit one OPEN is refused here,
    /// before anything is sent.
    pub fn open(&self, service: &str) -> Result<Box<dyn Duplex>, BoardError> {
        let max = self.max_service();
        if service.len() + 1 > max {
            return Err(BoardError::TooLong {
                what: service_name(service),
                len: service.len() + 1,
                max,
            });
        }
        match self {
            Transport::Server { server, serial } => match server.open(serial, service) {
                Ok(s) => Ok(Box::new(s)),
                Err(ServerError::DeviceGone(msg)) => Err(BoardError::Gone {
                    detail: format!("the adb server says: {msg}"),
                }),
                Err(ServerError::Failed(msg)) => Err(BoardError::Refused {
                    service: service_name(service),
                    detail: msg,
                }),
                Err(e) => Err(BoardError::Transport(e.into())),
            },
            Transport::Direct { conn } => match conn.open(service) {
                Ok(s) => Ok(Box::new(s)),
                Err(HostError::Refused(_)) => Err(BoardError::Refused {
                    service: service_name(service),
                    detail: "the device closed the stream".into(),
                }),
                Err(HostError::Disconnected) => Err(BoardError::Gone {
                    detail: "the connection to the board was lost".into(),
                }),
                Err(e) => Err(BoardError::Transport(e.into())),
            },
        }
    }

    fn features(&self) -> Vec<String> {
        match self {
            Transport::Server { server, serial } => server.features(serial).unwrap_or_default(),
            Transport::Direct { conn } => conn.banner().features.clone(),
        }
    }
}

/// The service's name without its arguments (which may carry a sudo password).
fn service_name(service: &str) -> String {
    service.split(':').next().unwrap_or("").to_string()
}

/// The state adb gives a device x8ctl cannot use, read once from adb's text (or from a
/// direct connection's handshake) and matched on from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    /// adb says `unauthorized`: the board did not accept this computer's key.
    Unauthorized,
    /// adb says `offline` (or a direct handshake timed out).
    Offline,
    /// adb says `no permissions (...)`; adb's whole text.
    NoPermissions(String),
    /// Any other state, in adb's words.
    Other(String),
}

impl DeviceState {
    /// The state from adb's word for it.
    pub fn from_adb(state: &str) -> DeviceState {
        match state {
            "unauthorized" => DeviceState::Unauthorized,
            "offline" => DeviceState::Offline,
            s if s.starts_with("no permissions") => DeviceState::NoPermissions(s.to_string()),
            s => DeviceState::Other(s.to_string()),
        }
    }

    /// What to do about a board in this state (the help of [`BoardError::Unusable`]).
    pub fn help(&self) -> &'static str {
        match self {
            DeviceState::Unauthorized => {
                "the board did not accept this computer's adb key: unplug and replug it, or run `adb kill-server` and try again"
            }
            DeviceState::Offline => {
                "the board is not answering adb: wait for it to finish booting, replug it, or run `adb reconnect offline`"
            }
            DeviceState::NoPermissions(_) => {
                "Linux does not let you open the board: add the udev rule for the X8 (SUBSYSTEM==\"usb\", ATTR{idVendor}==\"2341\", ATTR{idProduct}==\"0061\", MODE=\"0666\") in /etc/udev/rules.d/, run `sudo udevadm control --reload-rules`, and replug"
            }
            DeviceState::Other(_) => {
                "another program may hold the board (another adb server or an IDE): close it, or replug the board"
            }
        }
    }
}

impl std::fmt::Display for DeviceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceState::Unauthorized => "unauthorized",
            DeviceState::Offline => "offline",
            DeviceState::NoPermissions(s) | DeviceState::Other(s) => s,
        })
    }
}

/// Why a file transfer failed, read once from the board's words where it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferFault {
    /// User fio may not read what was pulled.
    ReadDenied,
    /// User fio may not write there (permission denied, or a read-only file system).
    WriteDenied,
    /// The board's disk is full.
    NoSpace,
    /// The path does not exist on the board.
    NoSuchFile,
    /// Anything else (a corrupted copy, a failed command).
    Other,
}

impl TransferFault {
    /// The fault the board's text names; `pulling`: whether the board was being read.
    pub fn from_board_text(pulling: bool, text: &str) -> TransferFault {
        if pulling && text.contains("Permission denied") {
            TransferFault::ReadDenied
        } else if text.contains("Read-only") || text.contains("Permission denied") {
            TransferFault::WriteDenied
        } else if text.contains("No space left") {
            TransferFault::NoSpace
        } else if text.contains("No such file") {
            TransferFault::NoSuchFile
        } else {
            TransferFault::Other
        }
    }

    /// What to do about it (the help of [`BoardError::Transfer`]).
    pub fn help(self) -> &'static str {
        match self {
            TransferFault::ReadDenied => {
                "user fio may not read that file: copy it somewhere readable first, e.g. `x8ctl shell --root cp FILE /tmp/ && x8ctl shell --root chmod a+r /tmp/FILE`, then pull /tmp/FILE"
            }
            TransferFault::WriteDenied => {
                "user fio can write only under /home/fio and /tmp: push there, then move the files with `x8ctl shell --root` (x8ctl flash-fw installs the firmware under /usr for you)"
            }
            TransferFault::NoSpace => {
                "the board is full: see `x8ctl shell df -h`, remove old files or images (`x8ctl shell docker image prune`), then run again"
            }
            TransferFault::NoSuchFile => {
                "check the path on the board, e.g. `x8ctl shell ls -la /home/fio`"
            }
            TransferFault::Other => {
                "check free space (`x8ctl shell df -h`) and the path, then run again"
            }
        }
    }
}

/// What carried the bytes when a stream to the board failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Direct(#[from] HostError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Everything that can go wrong talking to a board. Each variant says what happened; its
/// [`miette::Diagnostic`] code names it and its help says what to do next.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BoardError {
    #[error("no adb executable was found")]
    #[diagnostic(
        code(x8ctl::board::no_adb),
        help("{}", locate::install_hint(locate::Os::current()))
    )]
    NoAdb { tried: Vec<String> },
    /// The adb server cannot be started or asked for its devices.
    #[error("{0}")]
    #[diagnostic(
        code(x8ctl::board::adb_server),
        help("check that adb works (`adb devices`), or pass --adb PATH / --adb-server HOST:PORT")
    )]
    Server(#[source] ServerError),
    #[error("no Portenta X8 is attached")]
    #[diagnostic(code(x8ctl::board::no_board), help("{}", no_board_help(others)))]
    NoBoard { others: Vec<String> },
    #[error("no device with serial '{serial}' is attached")]
    #[diagnostic(
        code(x8ctl::board::no_such_serial),
        help("{}", no_such_serial_help(attached))
    )]
    NoSuchSerial {
        serial: String,
        attached: Vec<String>,
    },
    #[error("several Portenta X8 boards are attached: {}", candidates.join(", "))]
    #[diagnostic(
        code(x8ctl::board::ambiguous),
        help("choose one with -s SERIAL (or ANDROID_SERIAL=SERIAL); `x8ctl devices` lists them")
    )]
    Ambiguous { candidates: Vec<String> },
    #[error("the board {serial} is {state}")]
    #[diagnostic(code(x8ctl::board::unusable), help("{}", state.help()))]
    Unusable { serial: String, state: DeviceState },
    #[error("the board went away: {detail}")]
    #[diagnostic(
        code(x8ctl::board::gone),
        help("check the cable and that the board is still powered, then run the command again")
    )]
    Gone { detail: String },
    #[error("the board refused the {service} service: {detail}")]
    #[diagnostic(
        code(x8ctl::board::refused),
        help("the board's adbd may be too old or busy; replug the board")
    )]
    Refused { service: String, detail: String },
    #[error("{what} did not finish within {after:?}")]
    #[diagnostic(
        code(x8ctl::board::timeout),
        help(
            "the board is slow or stuck: check it with `x8ctl doctor`, or retry with a longer --timeout"
        )
    )]
    Timeout { what: String, after: Duration },
    #[error(
        "the exit status of {what} was lost (the connection ended before the command finished)"
    )]
    #[diagnostic(
        code(x8ctl::board::status_lost),
        help("run the command again; if it keeps happening, check the cable")
    )]
    StatusLost { what: String },
    /// sudo runs (its exit status is not 127) but no password opened it.
    #[error("sudo on the board: {0}")]
    #[diagnostic(
        code(x8ctl::board::sudo),
        help(
            "give fio's password on the board with X8CTL_SUDO_PASSWORD or the config file's sudo_password_command (`x8ctl config` shows where; images from 2024-08 on use an empty password, older ones 'fio')"
        )
    )]
    Sudo(String),
    /// The board's shell has no sudo (exit status 127).
    #[error("sudo on the board: sudo is not installed on the board")]
    #[diagnostic(
        code(x8ctl::board::no_sudo),
        help(
            "this image has no sudo: x8ctl needs it for root work (flash-fw, fixes, and docker when fio lacks the docker group over adb); use an Arduino X8 image, which has it"
        )
    )]
    NoSudo,
    /// fio's password has expired (images 844, 846 and 861): PAM refuses sudo until it is
    /// changed at a login (real-board-evidence.md §5.1).
    #[error(
        "sudo on the board: fio's password has expired; PAM says \"{}\"",
        PAM_EXPIRED
    )]
    #[diagnostic(
        code(x8ctl::board::sudo_expired),
        help(
            "this image (844, 846 and 861 do this) makes fio change the password at the first login; do it once: run `adb shell`, then `passwd` (current password: fio, then a new one twice), then run x8ctl again and give it the new password"
        )
    )]
    SudoExpired,
    /// Another run of x8ctl is changing this board.
    #[error("the board is busy: {holder} is changing it")]
    #[diagnostic(
        code(x8ctl::board::locked),
        help(
            "wait for it to finish and run again; if no x8ctl is running any more, remove the lock: x8ctl shell rm -r {}",
            lock::LOCK_DIR
        )
    )]
    Locked { holder: String },
    /// A push or pull failed; `fault` is what the board's words say went wrong.
    #[error("{detail}")]
    #[diagnostic(code(x8ctl::board::transfer), help("{}", fault.help()))]
    Transfer {
        detail: String,
        fault: TransferFault,
    },
    /// A command on the board exited non-zero ([`Output::required`]).
    #[error("{what} failed on the board (exit {status}): {output}")]
    #[diagnostic(
        code(x8ctl::board::command_failed),
        help("read the board's message above; `x8ctl doctor` checks the board")
    )]
    CommandFailed {
        what: String,
        status: i32,
        output: String,
    },
    /// A docker command failed because the Docker daemon is not running on the board.
    #[error("{what} failed on the board (exit {status}): {output}")]
    #[diagnostic(
        code(x8ctl::board::docker_down),
        help(
            "the Docker daemon is not running on the board: start it with `x8ctl shell --root systemctl start docker` (`x8ctl doctor` checks it), then run again"
        )
    )]
    DockerDown {
        what: String,
        status: i32,
        output: String,
    },
    /// The stream to the board failed below the command (adb server, direct ADB, socket).
    #[error("{0}")]
    #[diagnostic(code(x8ctl::board::transport), help("check the cable, then run again"))]
    Transport(#[source] LinkError),
    #[error("cannot connect to {target}: {}", connect_detail(source))]
    #[diagnostic(
        code(x8ctl::board::connect),
        help(
            "check HOST:PORT, that the board (or `x8ctl sim`) is listening there, and the network"
        )
    )]
    Connect {
        target: String,
        #[source]
        source: HostError,
    },
    #[error(
        "the device at {target} asks for ADB authentication, which direct connections (--connect) do not do"
    )]
    #[diagnostic(
        code(x8ctl::board::direct_auth),
        help("go through the adb server, which has a key: `adb connect {t}`, accept the key on the device if it asks, then `x8ctl -s {t} ...`", t = quote(target))
    )]
    DirectAuth { target: String },
    /// A file or folder on this computer could not be used.
    #[error("{}: {} (on this computer)", path.display(), io_text(source))]
    #[diagnostic(code(x8ctl::board::local_io), help("{}", local_io_help(source.kind())))]
    LocalIo {
        path: std::path::PathBuf,
        #[source]
        source: io::Error,
    },
    /// A command's output could not be written on this computer.
    #[error("writing the output of {what}: {source}")]
    #[diagnostic(
        code(x8ctl::board::output),
        help("check where the output goes (free space, permissions, a reader that went away)")
    )]
    Output {
        what: String,
        #[source]
        source: io::Error,
    },
    /// Something on this computer x8ctl cannot do (a setting, a name, a missing feature).
    #[error("{0}")]
    #[diagnostic(
        code(x8ctl::board::local),
        help("check the command line and the settings (`x8ctl config` shows them)")
    )]
    Local(String),
    #[error(
        "the {what} request is {len} bytes, more than the {max} bytes the board's adbd accepts in one request; nothing was sent"
    )]
    #[diagnostic(
        code(x8ctl::board::too_long),
        help(
            "shorten the command, or put it in a script: `x8ctl push script.sh /home/fio/` then `x8ctl shell sh /home/fio/script.sh`"
        )
    )]
    TooLong {
        what: String,
        len: usize,
        max: usize,
    },
    #[error("the device at {target} is held by another ADB client (it accepts one at a time)")]
    #[diagnostic(code(x8ctl::board::busy), help("{}", busy_help(target, *server_holds)))]
    Busy { target: String, server_holds: bool },
    /// An interrupt came while x8ctl waited for the board, and the board did not answer a
    /// probe: x8ctl stopped waiting (a frozen board would otherwise hold it for the whole
    /// timeout).
    #[error(
        "interrupted while waiting for {what}, and the board did not answer within {:?}: x8ctl stopped waiting",
        PROBE_WAIT
    )]
    #[diagnostic(
        code(x8ctl::board::abandoned),
        help(
            "the board seems frozen: unplug it and plug it in again (a power cycle), wait for it to boot, then check it with `x8ctl doctor`"
        )
    )]
    Abandoned { what: String },
    /// An interrupt ended an open-ended wait (see [`Board::stop_waiting_on_interrupt`]).
    #[error("interrupted while waiting for {what}")]
    #[diagnostic(
        code(x8ctl::board::interrupted),
        help("run the command again when you are ready")
    )]
    Interrupted { what: String },
}

impl BoardError {
    /// A transfer failure; its fault read from the board's words (`pulling`: whether the
    /// board was being read).
    pub fn transfer(pulling: bool, detail: String) -> BoardError {
        let fault = TransferFault::from_board_text(pulling, &detail);
        BoardError::Transfer { detail, fault }
    }

    /// A transfer failure whose fault x8ctl knows.
    pub fn transfer_fault(fault: TransferFault, detail: String) -> BoardError {
        BoardError::Transfer { detail, fault }
    }
}

/// Why a direct connection failed: the socket's own error when there is one (the wire's
/// text names the address again), else the wire's words.
fn connect_detail(e: &HostError) -> String {
    match e {
        HostError::Connect { source, .. } => source.to_string(),
        e => e.to_string(),
    }
}

fn no_board_help(others: &[String]) -> String {
    if others.is_empty() {
        "plug the X8 in with a USB-C data cable and wait until it has booted (about 30 s); on Windows, install the Arduino IDE's Portenta driver; on Linux, add the udev rule for 2341:0061 (see the README)".into()
    } else {
        format!(
            "attached devices that are not a usable X8: {}; pick one with -s SERIAL if it is an X8",
            others.join(", ")
        )
    }
}

fn no_such_serial_help(attached: &[String]) -> String {
    if attached.is_empty() {
        "no device is attached at all; check the cable".into()
    } else {
        format!(
            "attached: {}; pass one of them with -s or ANDROID_SERIAL",
            attached.join(", ")
        )
    }
}

fn busy_help(target: &str, server_holds: bool) -> String {
    if server_holds {
        format!(
            "your adb server holds it: go through the server with `x8ctl -s {target} ...`, or release it with `adb disconnect {target}` and run again"
        )
    } else {
        format!(
            "another x8ctl run or an adb server holds it: wait for the other run to end, or release it with `adb disconnect {target}` (then use `x8ctl -s {target}` through the server, or --connect again)"
        )
    }
}

fn local_io_help(kind: io::ErrorKind) -> &'static str {
    match kind {
        io::ErrorKind::NotFound => "check the path on this computer",
        _ => "check the path and its permissions on this computer",
    }
}

/// An I/O error's text without the OS's " (os error N)".
fn io_text(e: &io::Error) -> String {
    let text = e.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_string()
}

/// The result of a command on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    /// Empty when the transport merges stderr into stdout (the X8's adbd does).
    pub stderr: Vec<u8>,
    pub status: i32,
}

impl Output {
    pub fn ok(&self) -> bool {
        self.status == 0
    }
    /// This output if the command exited 0; otherwise an error naming `what` with the
    /// command's own words.
    pub fn required(self, what: &str) -> Result<Output, BoardError> {
        if self.ok() {
            Ok(self)
        } else {
            let output = self.text().trim().to_string();
            let (what, status) = (what.to_string(), self.status);
            // The board's words say whether docker failed for want of its daemon.
            if output.contains("Cannot connect to the Docker daemon") {
                Err(BoardError::DockerDown {
                    what,
                    status,
                    output,
                })
            } else {
                Err(BoardError::CommandFailed {
                    what,
                    status,
                    output,
                })
            }
        }
    }
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    /// stdout then stderr, for messages.
    pub fn text(&self) -> String {
        let mut t = String::from_utf8_lossy(&self.stdout).into_owned();
        t.push_str(&String::from_utf8_lossy(&self.stderr));
        t
    }
}

/// What PAM (pam_unix) prints when the account's password has expired and must be changed
/// (meta-partner-arduino f4c639f expired fio's password on images 844, 846 and 861;
/// real-board-evidence.md §5.1).
pub const PAM_EXPIRED: &str =
    "You are required to change your password immediately (administrator enforced)";

/// How sudo works on this board, once found.
#[derive(Clone, PartialEq, Eq)]
pub enum SudoAuth {
    /// `sudo -n` works (NOPASSWD).
    NoPassword,
    Password {
        secret: Secret,
        source: PasswordSource,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordSource {
    /// What the user configured ([`ConfiguredPassword`]: X8CTL_SUDO_PASSWORD or the config
    /// file's sudo_password_command).
    Configured,
    /// Asked on the terminal.
    Prompt,
    /// The default of images before 2024-08 ('fio').
    ImageDefaultFio,
    /// The empty password of images from 2024-08 on.
    ImageDefaultEmpty,
}

impl SudoAuth {
    /// Which password worked, without the password.
    pub fn describe(&self) -> &'static str {
        match self {
            SudoAuth::NoPassword => "no password needed",
            SudoAuth::Password { source, .. } => match source {
                PasswordSource::Configured => "the configured password",
                PasswordSource::Prompt => "the password typed at the prompt",
                PasswordSource::ImageDefaultFio => "the image default of older images",
                PasswordSource::ImageDefaultEmpty => "the empty password of images from 2024-08 on",
            },
        }
    }
}

/// Asks the user for fio's password (supplied by the CLI; `None` when it cannot ask).
pub type PasswordPrompt = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The password the user configured, got only when sudo asks for one (a command such as a
/// password manager runs only then), and named by where it comes from in messages.
#[derive(Clone)]
pub struct ConfiguredPassword {
    /// Where it comes from, as the user would recognise it: `X8CTL_SUDO_PASSWORD`, or
    /// `sudo_password_command (pass show x8)`.
    pub origin: String,
    pub get: Arc<dyn Fn() -> Result<Secret, String> + Send + Sync>,
}

impl ConfiguredPassword {
    /// A password given as it is (an environment variable's value).
    pub fn fixed(origin: &str, password: Secret) -> ConfiguredPassword {
        ConfiguredPassword {
            origin: origin.to_string(),
            get: Arc::new(move || Ok(password.clone())),
        }
    }
}

/// A connected board.
pub struct Board {
    transport: Transport,
    serial: String,
    shell_v2: bool,
    sudo: Mutex<Option<SudoAuth>>,
    /// Whether docker needs sudo here, once found.
    docker_sudo: Mutex<Option<bool>>,
    configured_password: Option<ConfiguredPassword>,
    prompt: Option<PasswordPrompt>,
    /// The process's interrupt token, when the caller wants waits on the board to end
    /// early for a board that no longer answers (see [`Board::with_interrupt`]).
    interrupt: Option<&'static AtomicBool>,
    /// Set once the board failed a probe after an interrupt: every later command fails at
    /// once with [`BoardError::Abandoned`].
    unresponsive: Arc<AtomicBool>,
    /// Open-ended waits (following logs) end at an interrupt, however the board is.
    stop_on_interrupt: Arc<AtomicBool>,
}

/// How often a wait on the board looks at the interrupt token.
const INTERRUPT_TICK: Duration = Duration::from_millis(200);
/// How long the board gets to answer a probe after an interrupt.
pub const PROBE_WAIT: Duration = Duration::from_millis(1500);
/// How often, while interrupted, a long wait probes the board again.
const REPROBE_EVERY: Duration = Duration::from_secs(5);

/// Default limit for commands x8ctl runs for itself.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Board {
    pub fn new(transport: Transport, serial: String) -> Board {
        let shell_v2 = transport.features().iter().any(|f| f == "shell_v2");
        Board {
            transport,
            serial,
            shell_v2,
            sudo: Mutex::new(None),
            docker_sudo: Mutex::new(None),
            configured_password: None,
            prompt: None,
            interrupt: None,
            unresponsive: Arc::new(AtomicBool::new(false)),
            stop_on_interrupt: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Watch `token` while waiting for the board: once it is set, a wait probes the board
    /// (a trivial command, [`PROBE_WAIT`] at most, again every few seconds while the wait
    /// lasts). A board that answers is waited for as before (the caller finishes its step
    /// and restores the board); a board that does not answer is given up: the wait ends
    /// with [`BoardError::Abandoned`] and so does every later command.
    pub fn with_interrupt(mut self, token: &'static AtomicBool) -> Board {
        self.interrupt = Some(token);
        self
    }

    /// From now on (`on`), a wait ends at an interrupt with [`BoardError::Interrupted`]
    /// instead of probing the board: for waits that only the user ends (following logs).
    pub fn stop_waiting_on_interrupt(&self, on: bool) {
        self.stop_on_interrupt.store(on, Ordering::SeqCst);
    }

    /// Whether the board stopped answering after an interrupt (commands are no longer sent).
    pub fn is_unresponsive(&self) -> bool {
        self.unresponsive.load(Ordering::SeqCst)
    }

    fn interrupted(&self) -> bool {
        self.interrupt.is_some_and(|t| t.load(Ordering::SeqCst))
    }

    /// What a wait needs to decide, apart from the board (for streams that outlive a borrow).
    fn watch(&self) -> Option<Watch> {
        Some(Watch {
            transport: self.transport.clone(),
            interrupt: self.interrupt?,
            unresponsive: self.unresponsive.clone(),
            stop_on_interrupt: self.stop_on_interrupt.clone(),
        })
    }

    /// Called when a wait's read timed out: `Ok` to go on waiting, `Err` to give up.
    fn keep_waiting(&self, what: &str, probed: &mut Option<Instant>) -> Result<(), BoardError> {
        if !self.interrupted() {
            return Ok(());
        }
        match self.watch() {
            Some(w) => w.keep_waiting(what, probed),
            None => Ok(()),
        }
    }

    /// `s` with its reads watched as [`Board::run`]'s are (see [`Board::with_interrupt`]):
    /// for streams x8ctl reads itself (file transfers). Unchanged without an interrupt
    /// token.
    pub fn watched(&self, s: Box<dyn Duplex>, what: &str) -> Box<dyn Duplex> {
        match self.watch() {
            None => s,
            Some(watch) => Box::new(Watched {
                inner: s,
                watch,
                timeout: None,
                what: what.to_string(),
            }),
        }
    }

    /// The read timeout for the next slice of a wait whose silence began at `active`
    /// (`timeout` is the longest silence): short when an interrupt token is watched, so the
    /// token is seen.
    fn slice(&self, timeout: Option<Duration>, active: Instant) -> Option<Duration> {
        if self.interrupt.is_none() {
            return timeout;
        }
        let left = timeout.map(|t| (active + t).saturating_duration_since(Instant::now()));
        Some(
            left.map_or(INTERRUPT_TICK, |l| l.min(INTERRUPT_TICK))
                .max(Duration::from_millis(1)),
        )
    }

    /// Whether a silence that began at `active` reached the command's own timeout.
    fn past(timeout: Option<Duration>, active: Instant) -> bool {
        timeout.is_some_and(|t| active.elapsed() >= t)
    }

    /// Try this password before the image defaults.
    pub fn with_sudo_password(mut self, password: Option<ConfiguredPassword>) -> Board {
        self.configured_password = password;
        self
    }

    pub fn with_password_prompt(mut self, prompt: Option<PasswordPrompt>) -> Board {
        self.prompt = prompt;
        self
    }

    pub fn serial(&self) -> &str {
        &self.serial
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Whether the board's adbd reports exit codes itself (not the X8's).
    pub fn has_shell_v2(&self) -> bool {
        self.shell_v2
    }

    /// Run `cmd` and collect its output and exit status.
    pub fn run(&self, cmd: &Cmd, timeout: Option<Duration>) -> Result<Output, BoardError> {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let job = Job::new(cmd, "a board command", timeout);
        let status = self.run_streaming(job, Streams::new(&mut out, &mut err))?;
        Ok(Output {
            stdout: out,
            stderr: err,
            status,
        })
    }

    /// Run `job.cmd` with `job.input` as its standard input (closed when `None` or empty),
    /// streaming its output; returns the exit status.
    ///
    /// On the X8 (no shell_v2) the command goes through `exec:` (REB 1.2): a raw socket,
    /// so the bytes come back exactly (no CRLF, no echo, no terminal, no pager), with stderr
    /// merged. The socket never reaches end-of-file, so stdin is `</dev/null`, or
    /// `head -c N |` when x8ctl sends N bytes. A command too long for one OPEN (REB 1.4)
    /// is sent as a script on the stream instead, when there is no input to send.
    pub fn run_streaming(&self, job: Job<'_>, out: Streams<'_>) -> Result<i32, BoardError> {
        let Job {
            cmd,
            input,
            timeout,
            what,
        } = job;
        let cmd = cmd.as_str();
        let Streams { stdout, stderr } = out;
        let started = Instant::now();
        if self.is_unresponsive() {
            return Err(BoardError::Abandoned {
                what: what.to_string(),
            });
        }
        let input = input.filter(|d| !d.is_empty());
        let out = Sink {
            stdout,
            stderr,
            what,
        };
        if self.shell_v2 {
            return self.run_shell_v2(cmd, input, out, timeout, started);
        }
        let nonce = new_nonce();
        let (service, data) = self.exec_request(cmd, input, &nonce);
        let mut s = self.transport.open(&service)?;
        s.set_read_timeout_to(self.slice(timeout, started));
        let writer = self.feed(&*s, data)?;
        let mut strip = StatusStripper::new(out.stdout, &nonce);
        let read = self.read_exec(&mut *s, &mut strip, what, timeout, started);
        s.shutdown_both();
        read?;
        let _ = writer.join();
        let (status, _) = strip.finish().map_err(|e| BoardError::Output {
            what: what.to_string(),
            source: e,
        })?;
        status.ok_or_else(|| BoardError::StatusLost {
            what: what.to_string(),
        })
    }

    /// [`Board::run_streaming`] on a board with shell_v2: stdin in packets, then closed;
    /// stdout and stderr apart.
    fn run_shell_v2(
        &self,
        cmd: &str,
        input: Option<&[u8]>,
        out: Sink,
        timeout: Option<Duration>,
        started: Instant,
    ) -> Result<i32, BoardError> {
        let mut s = self.transport.open(&format!("shell,v2,raw:{cmd}"))?;
        s.set_read_timeout_to(self.slice(timeout, started));
        let mut packets = Vec::new();
        for chunk in input.unwrap_or_default().chunks(16 * 1024) {
            packets.extend_from_slice(&v2_packet(0, chunk));
        }
        // Then close stdin: commands see EOF as with `adb shell` from a script.
        packets.extend_from_slice(&v2_packet(4, &[]));
        let writer = self.feed(&*s, packets)?;
        let what = out.what;
        let r = read_shell_v2(
            &mut *s,
            out.stdout,
            out.stderr,
            what,
            timeout,
            started,
            &|p, a| s_slice(self, timeout, a, what, p),
        );
        let _ = writer.join();
        r
    }

    /// The `exec:` service that runs `cmd` (its status after a line with `nonce`), and the
    /// bytes to send on the stream: `input`, or, when the command is too long for one
    /// OPEN (REB 1.4) and there is no input, the command itself as a script.
    fn exec_request(&self, cmd: &str, input: Option<&[u8]>, nonce: &str) -> (String, Vec<u8>) {
        let service = format!(
            "exec:{}",
            wrap_exec(
                cmd,
                nonce,
                input.map_or(Stdin::Closed, |d| Stdin::Bytes(d.len()))
            )
        );
        if service.len() < self.transport.max_service() || input.is_some() {
            return (service, input.map(<[u8]>::to_vec).unwrap_or_default());
        }
        let script = script_for(cmd).into_bytes();
        (
            format!("exec:{}", wrap_exec_script(script.len(), nonce)),
            script,
        )
    }

    /// Read an `exec:` stream into `strip` until it ends (or, after the status, falls
    /// silent for 1 s). The timeout is a silence: it counts from the last bytes received.
    fn read_exec(
        &self,
        s: &mut dyn Duplex,
        strip: &mut StatusStripper<&mut dyn Write>,
        what: &str,
        timeout: Option<Duration>,
        started: Instant,
    ) -> Result<(), BoardError> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut probed = None;
        let mut active = started;
        loop {
            match s.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    active = Instant::now();
                    strip.write_all(&buf[..n]).map_err(|e| BoardError::Output {
                        what: what.to_string(),
                        source: e,
                    })?;
                    // The stream ends when the last holder of the socket closes it, which
                    // a background job may delay: after the status, wait 1 s at most.
                    if strip.status().is_some() {
                        s.set_read_timeout_to(Some(Duration::from_secs(1)));
                    }
                }
                Err(_) if strip.status().is_some() => return Ok(()),
                Err(e) if is_timeout(&e) && !Board::past(timeout, active) => {
                    self.keep_waiting(what, &mut probed)?;
                    s.set_read_timeout_to(self.slice(timeout, active));
                }
                Err(e) => return Err(read_error(e, what, timeout, started)),
            }
        }
    }

    /// Write `data` to the stream on a thread of its own (the output is read meanwhile).
    fn feed(
        &self,
        s: &dyn Duplex,
        data: Vec<u8>,
    ) -> Result<std::thread::JoinHandle<Box<dyn Duplex>>, BoardError> {
        let mut w = s
            .try_clone_duplex()
            .map_err(|e| BoardError::Transport(e.into()))?;
        Ok(std::thread::spawn(move || {
            if !data.is_empty() {
                let _ = w.write_all(&data);
                let _ = w.flush();
            }
            // Hand the handle back: dropping the last handle of a direct stream closes it,
            // which only the reader may decide.
            w
        }))
    }

    /// Run `cmd` and require exit status 0; the error carries the command's own words.
    pub fn run_ok(&self, cmd: &Cmd, what: &str) -> Result<Output, BoardError> {
        self.run(cmd, Some(DEFAULT_TIMEOUT))?.required(what)
    }

    /// Open a TCP connection to `port` on the board's localhost (e.g. m4-proxy's 5001),
    /// carried over ADB like `adb forward` does.
    pub fn connect_port(&self, port: u16) -> Result<Box<dyn Duplex>, BoardError> {
        self.transport
            .open(&format!("tcp:{port}"))
            .map_err(|e| match e {
                BoardError::Refused { .. } => BoardError::Refused {
                    service: format!("tcp:{port}"),
                    detail: format!("nothing listens on port {port} on the board"),
                },
                other => other,
            })
    }

    /// Find how sudo works on this board: `sudo -n`, then the configured password, then a
    /// prompt (on a terminal), then the image defaults ('fio', then empty). Remembered for
    /// the rest of the run. The password is never part of an error or of the output.
    pub fn sudo_auth(&self) -> Result<SudoAuth, BoardError> {
        if let Some(a) = self.sudo.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(a);
        }
        let found = self.find_sudo()?;
        *self.sudo.lock().unwrap_or_else(|e| e.into_inner()) = Some(found.clone());
        Ok(found)
    }

    /// Whether sudo accepts `auth`; an expired password is an error of its own (the right
    /// password, refused by PAM's account check until it is changed).
    fn sudo_works(&self, auth: &SudoAuth) -> Result<bool, BoardError> {
        let out = self.run(
            &sudo_wrap(&Cmd::fixed("true"), auth),
            Some(Duration::from_secs(30)),
        )?;
        if !out.ok() && out.text().contains(PAM_EXPIRED) {
            return Err(BoardError::SudoExpired);
        }
        Ok(out.ok())
    }

    fn find_sudo(&self) -> Result<SudoAuth, BoardError> {
        let first = self.run(
            &sudo_wrap(&Cmd::fixed("true"), &SudoAuth::NoPassword),
            Some(Duration::from_secs(30)),
        )?;
        if first.ok() {
            return Ok(SudoAuth::NoPassword);
        }
        if first.status == 127 {
            return Err(BoardError::NoSudo);
        }
        let mut tried: Vec<String> = Vec::new();
        if let Some(p) = &self.configured_password {
            let secret = (p.get)()
                .map_err(|e| BoardError::Sudo(format!("{} gave no password: {e}", p.origin)))?;
            let a = SudoAuth::Password {
                secret,
                source: PasswordSource::Configured,
            };
            if self.sudo_works(&a)? {
                return Ok(a);
            }
            tried.push(format!("the password from {} (refused)", p.origin));
        }
        for (pw, source) in [
            ("fio", PasswordSource::ImageDefaultFio),
            ("", PasswordSource::ImageDefaultEmpty),
        ] {
            let a = SudoAuth::Password {
                secret: Secret::new(pw),
                source,
            };
            if self.sudo_works(&a)? {
                return Ok(a);
            }
        }
        tried.push("the image defaults".into());
        if let Some(prompt) = &self.prompt
            && let Some(pw) = prompt()
        {
            let a = SudoAuth::Password {
                secret: Secret::new(pw),
                source: PasswordSource::Prompt,
            };
            if self.sudo_works(&a)? {
                return Ok(a);
            }
            tried.push("the password typed at the prompt".into());
        }
        Err(BoardError::Sudo(format!(
            "no password worked for user fio (tried {})",
            tried.join(", ")
        )))
    }

    /// Run `cmd` as root.
    pub fn run_root(&self, cmd: &Cmd, timeout: Option<Duration>) -> Result<Output, BoardError> {
        let auth = self.sudo_auth()?;
        self.run(&sudo_wrap(cmd, &auth), timeout)
    }

    /// Run `job.cmd` as root, streaming, with `job.input` as its stdin. With a password,
    /// sudo -S reads it as the first line of the same stdin (sudo reads its password a byte
    /// at a time, so the rest is the command's).
    pub fn run_root_streaming(&self, job: Job<'_>, out: Streams<'_>) -> Result<i32, BoardError> {
        let auth = self.sudo_auth()?;
        match (&auth, job.input.filter(|d| !d.is_empty())) {
            (SudoAuth::Password { secret, .. }, Some(data)) => {
                let mut all = format!("{}\n", secret.expose()).into_bytes();
                all.extend_from_slice(data);
                let wrapped =
                    Cmd::composed(format!("sudo -S -p '' sh -c {}", quote(job.cmd.as_str())));
                let job = Job {
                    cmd: &wrapped,
                    input: Some(&all),
                    ..job
                };
                self.run_streaming(job, out)
            }
            _ => {
                let wrapped = sudo_wrap(job.cmd, &auth);
                self.run_streaming(
                    Job {
                        cmd: &wrapped,
                        ..job
                    },
                    out,
                )
            }
        }
    }

    /// Whether docker commands must go through sudo on this board. The docker socket is
    /// `root:docker 0660`, and the X8's adbd replaces fio's supplementary groups with
    /// Android ids (REB 1.5), so docker as fio is refused over adb ("permission denied ...
    /// docker.sock") while sudo still works; a board whose adbd keeps the groups runs
    /// docker as fio. Found once per run.
    pub fn docker_needs_sudo(&self) -> Result<bool, BoardError> {
        if let Some(v) = *self.docker_sudo.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(v);
        }
        let out = self.run(
            &Cmd::fixed("docker version --format '{{.Server.Version}}' 2>&1"),
            Some(Duration::from_secs(30)),
        )?;
        let v = !out.ok() && docker_socket_denied(&out.text());
        *self.docker_sudo.lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
        Ok(v)
    }

    /// Run a command line that uses docker: as fio, or as root when docker needs sudo.
    pub fn run_docker(&self, cmd: &Cmd, timeout: Option<Duration>) -> Result<Output, BoardError> {
        if self.docker_needs_sudo()? {
            self.run_root(cmd, timeout)
        } else {
            self.run(cmd, timeout)
        }
    }

    /// [`Board::run_docker`] requiring exit status 0.
    pub fn run_docker_ok(&self, cmd: &Cmd, what: &str) -> Result<Output, BoardError> {
        self.run_docker(cmd, Some(DEFAULT_TIMEOUT))?.required(what)
    }

    /// [`Board::run_docker`], streaming.
    pub fn run_docker_streaming(&self, job: Job<'_>, out: Streams<'_>) -> Result<i32, BoardError> {
        if self.docker_needs_sudo()? {
            self.run_root_streaming(job, out)
        } else {
            self.run_streaming(job, out)
        }
    }
}

/// One board command to run and stream: the command line, its standard input, its time
/// limit, and the name errors give it (never the command text, which may hold a password).
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    pub cmd: &'a Cmd,
    pub input: Option<&'a [u8]>,
    pub timeout: Option<Duration>,
    pub what: &'a str,
}

impl<'a> Job<'a> {
    /// `cmd` with its stdin closed.
    pub fn new(cmd: &'a Cmd, what: &'a str, timeout: Option<Duration>) -> Job<'a> {
        Job {
            cmd,
            input: None,
            timeout,
            what,
        }
    }

    /// The same job with `input` as its stdin.
    pub fn with_input(self, input: Option<&'a [u8]>) -> Job<'a> {
        Job { input, ..self }
    }
}

/// Where a streamed command's output goes (stderr stays empty where the transport merges
/// it into stdout, as the X8's adbd does).
pub struct Streams<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

impl<'a> Streams<'a> {
    pub fn new(stdout: &'a mut dyn Write, stderr: &'a mut dyn Write) -> Streams<'a> {
        Streams { stdout, stderr }
    }
}

/// Whether docker's output says the socket refused the caller (no docker group).
pub fn docker_socket_denied(text: &str) -> bool {
    text.contains("permission denied") && text.contains("docker.sock")
}

/// `cmd` under sudo: `sudo -n` for NOPASSWD, else the password on sudo's stdin (never in
/// an argument of a workstation process; on the board it is part of the shell command).
pub fn sudo_wrap(cmd: &Cmd, auth: &SudoAuth) -> Cmd {
    let cmd = quote(cmd.as_str());
    Cmd::composed(match auth {
        SudoAuth::NoPassword => format!("sudo -n sh -c {cmd}"),
        SudoAuth::Password { secret, .. } => format!(
            "printf '%s\\n' {} | sudo -S -p '' sh -c {cmd}",
            quote(secret.expose()),
        ),
    })
}

fn read_error(e: io::Error, what: &str, timeout: Option<Duration>, started: Instant) -> BoardError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => BoardError::Timeout {
            what: what.to_string(),
            after: timeout.unwrap_or_else(|| started.elapsed()),
        },
        _ => BoardError::Gone {
            detail: format!("while running {what}: {e}"),
        },
    }
}

fn v2_packet(id: u8, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(5 + data.len());
    p.push(id);
    p.extend_from_slice(&(data.len() as u32).to_le_bytes());
    p.extend_from_slice(data);
    p
}

/// A wait's read timed out before the command's own timeout: go on (with the next slice's
/// read timeout) or give up.
fn s_slice(
    b: &Board,
    timeout: Option<Duration>,
    active: Instant,
    what: &str,
    probed: &mut Option<Instant>,
) -> Result<Option<Duration>, BoardError> {
    b.keep_waiting(what, probed)?;
    Ok(b.slice(timeout, active))
}

/// The interrupt token, the board's transport for probes, and the flags a wait reads and
/// sets: cloneable into streams and threads.
#[derive(Clone)]
struct Watch {
    transport: Transport,
    interrupt: &'static AtomicBool,
    unresponsive: Arc<AtomicBool>,
    stop_on_interrupt: Arc<AtomicBool>,
}

impl Watch {
    /// Whether the board answers a trivial command within [`PROBE_WAIT`].
    fn answers(&self) -> bool {
        let transport = self.transport.clone();
        let nonce = new_nonce();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let r = (|| {
                let mut s = transport.open(&format!("exec:echo {nonce}")).ok()?;
                s.set_read_timeout_to(Some(PROBE_WAIT));
                let mut got = Vec::new();
                let mut buf = [0u8; 256];
                while !got.windows(nonce.len()).any(|w| w == nonce.as_bytes()) {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return None,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                s.shutdown_both();
                Some(())
            })();
            let _ = tx.send(r.is_some());
        });
        rx.recv_timeout(PROBE_WAIT).unwrap_or(false)
    }

    /// `Ok` to go on waiting, `Err` to give up (see [`Board::with_interrupt`]).
    fn keep_waiting(&self, what: &str, probed: &mut Option<Instant>) -> Result<(), BoardError> {
        if !self.interrupt.load(Ordering::SeqCst) {
            return Ok(());
        }
        if self.stop_on_interrupt.load(Ordering::SeqCst) {
            return Err(BoardError::Interrupted {
                what: what.to_string(),
            });
        }
        if self.unresponsive.load(Ordering::SeqCst) {
            return Err(BoardError::Abandoned {
                what: what.to_string(),
            });
        }
        if probed.is_some_and(|t| t.elapsed() < REPROBE_EVERY) {
            return Ok(());
        }
        if self.answers() {
            *probed = Some(Instant::now());
            return Ok(());
        }
        self.unresponsive.store(true, Ordering::SeqCst);
        Err(BoardError::Abandoned {
            what: what.to_string(),
        })
    }
}

/// A stream whose reads wait in short slices, so that an interrupt is seen and a board that
/// no longer answers is given up ([`Board::watched`]). The stream's own read timeout (a
/// silence) still applies.
struct Watched {
    inner: Box<dyn Duplex>,
    watch: Watch,
    timeout: Option<Duration>,
    what: String,
}

impl Watched {
    /// Run `step` (one read or write, given its time slice) until it does not time out: at
    /// each slice that passes, see whether the wait may go on (an interrupt gives a silent
    /// board up), up to the stream's own timeout.
    fn in_slices<T>(
        &mut self,
        mut step: impl FnMut(&mut dyn Duplex, Duration) -> io::Result<T>,
    ) -> io::Result<T> {
        let active = Instant::now();
        let mut probed = None;
        loop {
            let left = self
                .timeout
                .map(|t| (active + t).saturating_duration_since(Instant::now()));
            let slice = left
                .map_or(INTERRUPT_TICK, |l| l.min(INTERRUPT_TICK))
                .max(Duration::from_millis(1));
            match step(self.inner.as_mut(), slice) {
                Err(e) if is_timeout(&e) && !Board::past(self.timeout, active) => {
                    if let Err(be) = self.watch.keep_waiting(&self.what, &mut probed) {
                        return Err(io::Error::other(be.to_string()));
                    }
                }
                r => return r,
            }
        }
    }
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.in_slices(|inner, slice| {
            inner.set_read_timeout_to(Some(slice));
            inner.read(buf)
        })
    }
}

impl Write for Watched {
    /// In slices too: the X8's adbd gives the go-ahead for each packet (OKAY), and a frozen
    /// board never does. Through the adb server the local server takes the bytes.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.in_slices(|inner, slice| {
            inner.set_write_timeout_to(Some(slice));
            inner.write(buf)
        });
        self.inner.set_write_timeout_to(None);
        r
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Duplex for Watched {
    fn set_read_timeout_to(&mut self, t: Option<Duration>) {
        self.timeout = t;
    }
    fn try_clone_duplex(&self) -> io::Result<Box<dyn Duplex>> {
        Ok(Box::new(Watched {
            inner: self.inner.try_clone_duplex()?,
            watch: self.watch.clone(),
            timeout: self.timeout,
            what: self.what.clone(),
        }))
    }
    fn shutdown_both(&mut self) {
        self.inner.shutdown_both();
    }
}

/// A read that ended without data or error from the board: its read timeout passed, or a
/// signal came (EINTR: the interrupt handler is installed without SA_RESTART, so Ctrl-C
/// breaks a blocking read; the wait goes on, and the token decides).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

type OnSlice<'a> =
    dyn Fn(&mut Option<Instant>, Instant) -> Result<Option<Duration>, BoardError> + 'a;

/// Where a command's output goes, and what the command is called in errors.
struct Sink<'a> {
    stdout: &'a mut dyn Write,
    stderr: &'a mut dyn Write,
    what: &'a str,
}

fn read_shell_v2(
    s: &mut dyn Duplex,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    what: &str,
    timeout: Option<Duration>,
    started: Instant,
    on_slice: &OnSlice,
) -> Result<i32, BoardError> {
    let mut probed = None;
    let mut active = started;
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        while pending.len() >= 5 {
            let len = u32::from_le_bytes([pending[1], pending[2], pending[3], pending[4]]) as usize;
            if pending.len() < 5 + len {
                break;
            }
            let id = pending[0];
            let body: Vec<u8> = pending[5..5 + len].to_vec();
            pending.drain(..5 + len);
            let w = match id {
                1 => stdout.write_all(&body),
                2 => stderr.write_all(&body),
                3 => return Ok(i32::from(body.first().copied().unwrap_or(0))),
                _ => Ok(()),
            };
            w.map_err(|e| BoardError::Output {
                what: what.to_string(),
                source: e,
            })?;
        }
        match s.read(&mut buf) {
            Ok(0) => {
                return Err(BoardError::StatusLost {
                    what: what.to_string(),
                });
            }
            Ok(n) => {
                active = Instant::now();
                pending.extend_from_slice(&buf[..n]);
            }
            Err(e) if is_timeout(&e) && !Board::past(timeout, active) => {
                let next = on_slice(&mut probed, active)?;
                s.set_read_timeout_to(next);
            }
            Err(e) => return Err(read_error(e, what, timeout, started)),
        }
    }
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    /// The position of `e`'s variant: a match without a wildcard, so that a new variant
    /// fails to compile here until the test below builds one of it.
    fn variant(e: &BoardError) -> usize {
        match e {
            BoardError::NoAdb { .. } => 0,
            BoardError::Server(_) => 1,
            BoardError::NoBoard { .. } => 2,
            BoardError::NoSuchSerial { .. } => 3,
            BoardError::Ambiguous { .. } => 4,
            BoardError::Unusable { .. } => 5,
            BoardError::Gone { .. } => 6,
            BoardError::Refused { .. } => 7,
            BoardError::Timeout { .. } => 8,
            BoardError::StatusLost { .. } => 9,
            BoardError::Sudo(_) => 10,
            BoardError::NoSudo => 11,
            BoardError::SudoExpired => 12,
            BoardError::Locked { .. } => 13,
            BoardError::Transfer { .. } => 14,
            BoardError::CommandFailed { .. } => 15,
            BoardError::DockerDown { .. } => 16,
            BoardError::Transport(_) => 17,
            BoardError::Connect { .. } => 18,
            BoardError::DirectAuth { .. } => 19,
            BoardError::LocalIo { .. } => 20,
            BoardError::Output { .. } => 21,
            BoardError::Local(_) => 22,
            BoardError::TooLong { .. } => 23,
            BoardError::Busy { .. } => 24,
            BoardError::Abandoned { .. } => 25,
            BoardError::Interrupted { .. } => 26,
        }
    }

    fn one_of_each() -> Vec<BoardError> {
        let s = || "x".to_string();
        let io = || io::Error::from(io::ErrorKind::NotFound);
        vec![
            BoardError::NoAdb { tried: vec![] },
            BoardError::Server(ServerError::Failed(s())),
            BoardError::NoBoard { others: vec![] },
            BoardError::NoSuchSerial {
                serial: s(),
                attached: vec![],
            },
            BoardError::Ambiguous {
                candidates: vec![s(), s()],
            },
            BoardError::Unusable {
                serial: s(),
                state: DeviceState::Unauthorized,
            },
            BoardError::Gone { detail: s() },
            BoardError::Refused {
                service: s(),
                detail: s(),
            },
            BoardError::Timeout {
                what: s(),
                after: Duration::from_secs(1),
            },
            BoardError::StatusLost { what: s() },
            BoardError::Sudo(s()),
            BoardError::NoSudo,
            BoardError::SudoExpired,
            BoardError::Locked { holder: s() },
            BoardError::transfer(false, s()),
            BoardError::CommandFailed {
                what: s(),
                status: 1,
                output: s(),
            },
            BoardError::DockerDown {
                what: s(),
                status: 1,
                output: s(),
            },
            BoardError::Transport(io().into()),
            BoardError::Connect {
                target: s(),
                source: HostError::Resolve(s()),
            },
            BoardError::DirectAuth { target: s() },
            BoardError::LocalIo {
                path: s().into(),
                source: io(),
            },
            BoardError::Output {
                what: s(),
                source: io(),
            },
            BoardError::Local(s()),
            BoardError::TooLong {
                what: s(),
                len: 2,
                max: 1,
            },
            BoardError::Busy {
                target: s(),
                server_holds: false,
            },
            BoardError::Abandoned { what: s() },
            BoardError::Interrupted { what: s() },
        ]
    }

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let all = one_of_each();
        let mut seen: Vec<usize> = all.iter().map(variant).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, (0..27).collect::<Vec<_>>(), "one of each variant");
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("board", &dyns);
        let mut codes: Vec<String> = dyns.iter().filter_map(|e| crate::code_of(*e)).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "every variant has its own code");
    }

    #[test]
    fn help_follows_the_typed_state_and_fault() {
        let help = |e: BoardError| crate::help_of(&e);
        let unusable = |state: &str| {
            help(BoardError::Unusable {
                serial: "X8".into(),
                state: DeviceState::from_adb(state),
            })
        };
        assert!(unusable("unauthorized").contains("adb key"));
        assert!(unusable("offline").contains("adb reconnect offline"));
        assert!(unusable("no permissions (missing udev rules?)").contains("udev"));
        assert!(unusable("bootloader").contains("another program"));
        assert_eq!(
            DeviceState::from_adb("no permissions (x)").to_string(),
            "no permissions (x)"
        );
        let t = |pulling, text: &str| help(BoardError::transfer(pulling, text.into()));
        assert!(
            t(true, "pulling /root/x: Permission denied").contains("copy it somewhere readable")
        );
        assert!(t(false, "pushing to /usr/x: Read-only file system").contains("/home/fio"));
        assert!(t(false, "No space left on device").contains("board is full"));
        assert!(t(false, "No such file or directory").contains("check the path on the board"));
        let failed = |out: &str| {
            Output {
                stdout: out.as_bytes().to_vec(),
                stderr: vec![],
                status: 1,
            }
            .required("docker ps")
            .unwrap_err()
        };
        let down = failed("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.");
        assert!(matches!(down, BoardError::DockerDown { .. }), "{down:?}");
        assert!(
            down.to_string()
                .starts_with("docker ps failed on the board (exit 1): ")
        );
        assert!(matches!(failed("nope"), BoardError::CommandFailed { .. }));
        let missing = BoardError::LocalIo {
            path: "/nope".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(crate::help_of(&missing), "check the path on this computer");
        assert!(!missing.to_string().contains("os error"), "{missing}");
    }
}
