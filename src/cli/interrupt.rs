//! The process's one interrupt token. Commands that can leave the board half-done (flash-fw,
//! deploy) and the long-running ones (rpc sensors --watch, sim) arm it: from then on Ctrl-C
//! (and SIGTERM, SIGHUP: ctrlc's `termination` feature) only sets the token, and the library
//! finishes or unwinds the step it is in and restores the board. Commands that do not arm
//! it keep the default: Ctrl-C ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::output::Output;

static TOKEN: AtomicBool = AtomicBool::new(false);
/// What the handler says on the first interrupt, and where.
static NOTICE: Mutex<Option<(String, Arc<Output>)>> = Mutex::new(None);

/// Arm the token; on the first interrupt, `notice` (if any) is said on `output`'s stderr.
/// Arming again only changes the notice.
pub fn arm(output: &Arc<Output>, notice: Option<&str>) -> &'static AtomicBool {
    *NOTICE.lock().unwrap_or_else(|e| e.into_inner()) =
        notice.map(|n| (n.to_string(), output.clone()));
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if !TOKEN.swap(true, Ordering::SeqCst) {
                let notice = NOTICE.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some((n, output)) = notice {
                    output.err_line(&n);
                }
            }
        });
    });
    &TOKEN
}

/// The token itself (set by the handler once [`arm`]ed), for the library's waits
/// (`Board::with_interrupt`).
pub fn token() -> &'static AtomicBool {
    &TOKEN
}

/// Whether an interrupt came.
pub fn interrupted() -> bool {
    TOKEN.load(Ordering::SeqCst)
}

/// Sleep `d`, or less if an interrupt comes; true when interrupted.
pub fn sleep(d: Duration) -> bool {
    let end = std::time::Instant::now() + d;
    while !interrupted() {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
    true
}

/// The test hook `X8CTL_TEST_SIGNAL_AT=STEP:SIGNAL` (SIGNAL `INT` or `TERM`): when step STEP
/// of flash-fw or deploy starts, x8ctl sends itself SIGNAL, once, and goes on only when the
/// handler has seen it, so a test can interrupt at an exact step. The step names are
/// flash-fw's (`Step::name`: `sudo` ... `rpc-check`) and deploy's `sync`, `build`,
/// `set-aside`, `start`, `wait` (README, Development). Unset, it does nothing.
pub fn test_signal_at(step: &str) {
    static FIRED: AtomicBool = AtomicBool::new(false);
    let Ok(spec) = std::env::var("X8CTL_TEST_SIGNAL_AT") else {
        return;
    };
    let Some((at, signal)) = spec.split_once(':') else {
        return;
    };
    if at != step || !matches!(signal, "INT" | "TERM") || FIRED.swap(true, Ordering::SeqCst) {
        return;
    }
    let _ = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(std::process::id().to_string())
        .status();
    // Bounded: the handler runs on its own thread.
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while !interrupted() && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
}
