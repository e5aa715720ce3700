//! Faults that a test (or a curious user) injects into the virtual X8, each reproducing
//! what the real board does in that situation.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Mutex;

/// A fault, named in kebab case (`m4-proxy-down`) on the command line (`--fault`), in the
/// JSON of `x8ctl sim` and by the tests: `Display`/`name` and `FromStr` are derived from
/// the variant names, so the two directions cannot drift.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(
    serialize_all = "kebab-case",
    parse_err_ty = String,
    parse_err_fn = unknown_fault
)]
pub enum Fault {
    /// m4-proxy runs, but the M4 never answers: port 5001 closes silently after 1 s.
    M4Silent,
    /// `systemctl is-active m4-proxy` says active (RemainAfterExit), but no process, ports closed.
    M4ProxyDown,
    /// The next programming fails: OpenOCD erases, fails to write and prints `** Programming
    /// Failed **`, leaving the H7 halted and erased (real-board-evidence.md §3.1); program.sh
    /// still exits 0. The fault clears itself once it has fired (a retry programs).
    ProgramFail,
    /// Every programming fails as `program-fail` does (the SWD link is broken).
    ProgramFailAlways,
    /// OpenOCD programs, then prints `** Verify Failed **`; program.sh still exits 0.
    VerifyFail,
    /// The ADB connection drops in the middle of a file transfer.
    PushCut,
    /// The data partition is full: writes fail with ENOSPC, `df` shows 100%.
    DiskFull,
    /// `docker compose` is not installed (`docker: 'compose' is not a docker command.`).
    NoDockerCompose,
    /// Every ADB packet is delayed (see `--link-latency-us`).
    SlowLink,
    /// The Docker daemon is not running.
    NoDocker,
    /// adbd asks for authentication and never accepts this computer's key (adb shows
    /// the device as `unauthorized`, as a board whose key prompt was never answered).
    Unauthorized,
    /// adbd accepts the TCP connection but never answers the handshake (adb shows `offline`).
    Offline,
    /// The cable is pulled while `docker compose up` runs: every ADB connection drops
    /// (the containers go on starting on the board, as they would).
    UnplugDuringComposeUp,
    /// The board has no route to the Internet (reached over USB alone: the gadget is `acm ffs`,
    /// no network function; real-board-evidence.md §6.1): base image pulls and pip fail.
    NoNetwork,
    /// The board freezes while `program.sh` runs (issue 14 item 8: a board seen freezing with
    /// its ADB connection open during the programming). program.sh prints its first line and
    /// OpenOCD halts the H7 (`init; targets; reset halt`, real-board-evidence.md §3.1); then
    /// nothing answers any more: adbd keeps the TCP connection open but answers no packet
    /// (no OKAY, no WRTE, no reply to a new OPEN), as a hung kernel would. Clearing the fault
    /// lets the board go on (program.sh then programs as usual).
    FreezeDuringProgram,
}

/// Every fault, in declaration order.
pub const ALL_FAULTS: &[Fault] = <Fault as strum::VariantArray>::VARIANTS;

/// `--fault NAME` with a name no fault has.
fn unknown_fault(s: &str) -> String {
    let names: Vec<&str> = ALL_FAULTS.iter().map(|f| f.name()).collect();
    format!("unknown fault '{s}'; known faults: {}", names.join(", "))
}

impl Fault {
    /// The fault's name: `m4-silent`, `m4-proxy-down`, ...
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn describe(self) -> &'static str {
        match self {
            Fault::M4Silent => {
                "the M4 never answers; m4-proxy closes port 5001 after 1 s without a reply"
            }
            Fault::M4ProxyDown => {
                "m4-proxy exited; systemctl still says active; ports 5000/5001 closed"
            }
            Fault::ProgramFail => {
                "OpenOCD fails to program the H7 once, leaving it halted and erased (program.sh still exits 0)"
            }
            Fault::ProgramFailAlways => {
                "OpenOCD fails every time it programs the H7, leaving it halted and erased"
            }
            Fault::VerifyFail => {
                "OpenOCD programs the H7 but verification fails (program.sh still exits 0)"
            }
            Fault::PushCut => "the ADB connection drops in the middle of a file transfer",
            Fault::DiskFull => "no space left on the data partition",
            Fault::NoDockerCompose => "the docker compose plugin is missing",
            Fault::SlowLink => "every ADB packet is delayed by --link-latency-us",
            Fault::NoDocker => "the Docker daemon is not running",
            Fault::Unauthorized => "adbd asks for ADB authentication and never accepts the key",
            Fault::Offline => "adbd never answers the ADB handshake",
            Fault::UnplugDuringComposeUp => {
                "every ADB connection drops while `docker compose up` runs"
            }
            Fault::NoNetwork => {
                "the board has no Internet (USB only): image pulls, pip and download steps fail"
            }
            Fault::FreezeDuringProgram => {
                "the board freezes in program.sh with the ADB connection open: the H7 is halted and nothing answers"
            }
        }
    }
}

/// The set of active faults; can change while the board runs (tests toggle them).
#[derive(Default)]
pub struct Faults {
    set: Mutex<BTreeSet<Fault>>,
    /// What pulling the cable does (the adbd drops its connections); set by `Sim::start`.
    unplug: Mutex<Option<Unplug>>,
    /// The board is frozen (`freeze-during-program` fired): adbd answers nothing.
    frozen: std::sync::atomic::AtomicBool,
}

type Unplug = std::sync::Arc<dyn Fn() + Send + Sync>;

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("active", &self.active())
            .finish()
    }
}

impl Faults {
    pub fn new(initial: impl IntoIterator<Item = Fault>) -> Faults {
        Faults {
            set: Mutex::new(initial.into_iter().collect()),
            unplug: Mutex::new(None),
            frozen: std::sync::atomic::AtomicBool::new(false),
        }
    }
    /// Install what [`Faults::unplug`] does.
    pub fn set_unplug(&self, f: Unplug) {
        *self.unplug.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
    }
    /// Pull the cable: drop every ADB connection (nothing when no adbd is attached).
    pub fn unplug(&self) {
        let f = self
            .unplug
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(f) = f {
            f();
        }
    }
    /// Freeze the board (or let it go on): while frozen, adbd answers nothing.
    pub fn set_frozen(&self, on: bool) {
        self.frozen.store(on, std::sync::atomic::Ordering::SeqCst);
    }
    /// Whether the board is frozen.
    pub fn frozen(&self) -> bool {
        self.frozen.load(std::sync::atomic::Ordering::SeqCst)
    }
    pub fn has(&self, f: Fault) -> bool {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&f)
    }
    pub fn set(&self, f: Fault, on: bool) {
        let mut s = self.set.lock().unwrap_or_else(|e| e.into_inner());
        if on {
            s.insert(f);
        } else {
            s.remove(&f);
        }
    }
    pub fn active(&self) -> Vec<Fault> {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the command line, the JSON and the tests use: they must not change.
    #[test]
    fn names_are_kept_and_parse_back() {
        let names: Vec<&str> = ALL_FAULTS.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "m4-silent",
                "m4-proxy-down",
                "program-fail",
                "program-fail-always",
                "verify-fail",
                "push-cut",
                "disk-full",
                "no-docker-compose",
                "slow-link",
                "no-docker",
                "unauthorized",
                "offline",
                "unplug-during-compose-up",
                "no-network",
                "freeze-during-program",
            ]
        );
        for f in ALL_FAULTS {
            assert_eq!(f.to_string(), f.name());
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
        }
        let e = "m4-slient".parse::<Fault>().unwrap_err();
        assert!(
            e.starts_with("unknown fault 'm4-slient'; known faults: m4-silent, m4-proxy-down,"),
            "{e}"
        );
    }
}
