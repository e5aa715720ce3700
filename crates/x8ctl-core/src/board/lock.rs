//! A lock on the board for the operations that change it (flash-fw, deploy, upload-sketch,
//! doctor --fix), so that two runs — from this computer or another — never interleave.
//!
//! The lock is a folder made with `mkdir` on the board (atomic: exactly one of two racing
//! runs creates it) in `/dev/shm`, the tmpfs (mode 1777) that systemd mounts on every boot
//! (systemd `src/shared/mount-setup.c`): a reboot clears it, and a full data partition does
//! not stop it (the flash and deploy then say so at the step that needs the space); inside,
//! a file says
//! who holds it: host, process id, operation and since when, and a random token that only
//! the holder knows. Dropping the [`BoardLock`] removes the folder if the token is still
//! ours. A lock left by a run of x8ctl on this computer that no longer exists (killed,
//! crashed) is taken over; any other is reported with who holds it.

use std::time::{SystemTime, UNIX_EPOCH};

use super::cmd::Cmd;
use super::quote::new_nonce;
use super::{Board, BoardError, DEFAULT_TIMEOUT};

/// Where the lock lives on the board.
pub const LOCK_DIR: &str = "/dev/shm/x8ctl-lock";

/// Who holds the lock, as its owner file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    pub operation: String,
    pub since_unix: u64,
}

impl Holder {
    fn line(&self, token: &str) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{token}",
            self.host, self.pid, self.operation, self.since_unix
        )
    }

    fn parse(line: &str) -> Option<(Holder, String)> {
        let f: Vec<&str> = line.trim_end().split('\t').collect();
        let [host, pid, operation, since, token] = f.as_slice() else {
            return None;
        };
        Some((
            Holder {
                host: host.to_string(),
                pid: pid.parse().ok()?,
                operation: operation.to_string(),
                since_unix: since.parse().ok()?,
            },
            token.to_string(),
        ))
    }

    /// "flash-fw from laptop (pid 1234), for 42 s".
    pub fn describe(&self) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!(
            "{} from {} (pid {}), for {} s",
            self.operation,
            self.host,
            self.pid,
            now.saturating_sub(self.since_unix)
        )
    }
}

/// What the owner line says when this computer's name cannot be known; a lock that says
/// it is never taken over (another computer may have written it).
const UNKNOWN_HOST: &str = "this computer";

/// This computer's name, as far as it can be known without asking the network: the
/// installed [`crate::host`]'s (the CLI's `HOSTNAME` or `COMPUTERNAME`), else the system's
/// (`gethostname` on Unix: macOS exports no `HOSTNAME` and has no `/etc/hostname`).
fn this_host() -> String {
    crate::host::get()
        .hostname
        .clone()
        .filter(|v| !v.is_empty())
        .or_else(system_hostname)
        .unwrap_or_else(|| UNKNOWN_HOST.into())
        .replace(['\t', '\n'], " ")
}

#[cfg(unix)]
fn system_hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length; gethostname NUL-terminates
    // what fits (the last byte stays 0 in any case).
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if r != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    (!name.is_empty()).then_some(name)
}

#[cfg(not(unix))]
fn system_hostname() -> Option<String> {
    None
}

/// Whether process `pid` of this computer still runs (unknown: assume it does, so a lock
/// is never taken from a run that may be alive). Unix: `kill(pid, 0)` succeeds, or fails
/// with EPERM (it runs, as another user). Windows: the process can be opened and has no
/// exit code yet; refused access means it runs.
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(windows)]
fn alive(pid: u32) -> bool {
    use windows_sys::Win32::Foundation::{CloseHandle, ERROR_INVALID_PARAMETER, STILL_ACTIVE};
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    // SAFETY: plain Win32 calls on a handle this function opens and closes.
    unsafe {
        let h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if h.is_null() {
            // No such process is ERROR_INVALID_PARAMETER; anything else (access denied)
            // means one runs.
            return std::io::Error::last_os_error().raw_os_error()
                != Some(ERROR_INVALID_PARAMETER as i32);
        }
        let mut code = 0u32;
        let ok = GetExitCodeProcess(h, &mut code);
        CloseHandle(h);
        ok == 0 || code == STILL_ACTIVE as u32
    }
}

#[cfg(not(any(unix, windows)))]
fn alive(_pid: u32) -> bool {
    true
}

/// The lock, held until dropped.
pub struct BoardLock<'a> {
    board: &'a Board,
    token: String,
}

impl std::fmt::Debug for BoardLock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardLock").finish_non_exhaustive()
    }
}

/// Take the board's lock for `operation`, or say who holds it.
pub fn lock<'a>(board: &'a Board, operation: &str) -> Result<BoardLock<'a>, BoardError> {
    let me = Holder {
        host: this_host(),
        pid: std::process::id(),
        operation: operation.replace(['\t', '\n'], " "),
        since_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    let token = new_nonce();
    let take = Cmd::sh(
        TAKE_SCRIPT,
        [LOCK_DIR, &format!("{LOCK_DIR}/owner"), &me.line(&token)],
    );
    // A few rounds: a stale lock is taken over in one, and a lock seen between another
    // run's mkdir and its owner line is looked at again a moment later.
    for _ in 0..5 {
        let o = board.run(&take, Some(DEFAULT_TIMEOUT))?;
        let text = o.stdout_text();
        let mut lines = text.lines();
        match lines.next().unwrap_or("").trim() {
            "taken" => return Ok(BoardLock { board, token }),
            "held" => {}
            other => {
                return Err(BoardError::transfer(
                    false,
                    format!(
                        "cannot take the board's lock ({LOCK_DIR}): {}",
                        other.strip_prefix("cannot: ").unwrap_or(other)
                    ),
                ));
            }
        }
        match Holder::parse(lines.next().unwrap_or("")) {
            // Left by a run of x8ctl on this computer that is gone: take it over.
            Some((h, theirs))
                if h.host == me.host
                    && me.host != UNKNOWN_HOST
                    && h.pid != me.pid
                    && !alive(h.pid) =>
            {
                board.run(&release(&theirs), Some(DEFAULT_TIMEOUT))?;
            }
            Some((h, _)) => {
                return Err(BoardError::Locked {
                    holder: h.describe(),
                });
            }
            // Being created this instant: look again.
            None => std::thread::sleep(std::time::Duration::from_millis(200)),
        }
    }
    Err(BoardError::Locked {
        holder: "another run of x8ctl (it did not say who)".into(),
    })
}

/// Take the lock folder `$1` (an atomic `mkdir`) and write owner line `$3` into `$2`:
/// prints `taken`; or `held` and the holder's owner line; or `cannot: ` and why.
const TAKE_SCRIPT: &str = r#"if e=$(mkdir "$1" 2>&1); then
  if printf '%s\n' "$3" > "$2" 2>/dev/null; then echo taken
  else rm -rf "$1"; echo 'cannot: cannot write the lock'; fi
elif [ -d "$1" ]; then echo held; cat "$2" 2>/dev/null
else echo "cannot: $e"; fi"#;

/// Remove the lock if its owner line holds `token`.
fn release(token: &str) -> Cmd {
    Cmd::new("grep")
        .arg("-q")
        .arg(token)
        .arg(format!("{LOCK_DIR}/owner"))
        .no_stderr()
        .and(Cmd::new("rm").arg("-rf").arg(LOCK_DIR))
}

impl Drop for BoardLock<'_> {
    fn drop(&mut self) {
        // Only if it is still ours (nobody broke it and took it since).
        let _ = self.board.run(&release(&self.token), Some(DEFAULT_TIMEOUT));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_system_names_this_computer() {
        let name = system_hostname().expect("gethostname works");
        assert!(!name.is_empty() && !name.contains('\0'));
    }

    #[test]
    fn a_process_is_alive_until_it_has_exited() {
        assert!(alive(std::process::id()));
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--list")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        child.wait().unwrap();
        // Reaped: the pid names no process (until the system reuses it, which a test run
        // does not wait for).
        assert!(!alive(pid));
    }

    #[test]
    fn owner_lines_round_trip_and_bad_ones_are_none() {
        let h = Holder {
            host: "laptop".into(),
            pid: 42,
            operation: "flash-fw".into(),
            since_unix: 1_700_000_000,
        };
        let (back, token) = Holder::parse(&h.line("abc")).unwrap();
        assert_eq!((back, token.as_str()), (h.clone(), "abc"));
        assert!(
            h.describe()
                .starts_with("flash-fw from laptop (pid 42), for ")
        );
        assert_eq!(Holder::parse(""), None);
        assert_eq!(Holder::parse("a\tb\tc\td\te"), None);
    }
}
