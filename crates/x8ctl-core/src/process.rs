//! Local programs x8ctl runs (the user's `sudo_password_command`, `adb start-server`), with
//! a bound: a program that never ends must not hold x8ctl for ever.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `cmd` with stdout and stderr captured (stdin as the caller set it) and wait at most
/// `timeout`; on time-out the program is killed and `Ok(None)` returned.
pub fn output_within(cmd: &mut Command, timeout: Duration) -> std::io::Result<Option<Output>> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let end = Instant::now() + timeout;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let Some(status) = status else {
        // The pipes close with the killed program (unless it left children holding them:
        // their readers are then left behind, not waited for).
        return Ok(None);
    };
    // A program may leave a child holding its pipes (`adb start-server` forks the server):
    // its output is taken if the pipes close within 2 s of its exit.
    let end = Instant::now() + Duration::from_secs(2);
    while !(out.is_finished() && err.is_finished()) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    let take = |h: std::thread::JoinHandle<Vec<u8>>| {
        if h.is_finished() {
            h.join().unwrap_or_default()
        } else {
            Vec::new()
        }
    };
    Ok(Some(Output {
        status,
        stdout: take(out),
        stderr: take(err),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(windows, ignore = "runs a POSIX shell (sh), which Windows lacks")]
    fn a_program_that_does_not_end_is_killed_at_the_bound() {
        let t = Instant::now();
        let r = output_within(
            Command::new("sh").args(["-c", "sleep 30"]),
            Duration::from_millis(300),
        )
        .unwrap();
        assert!(r.is_none());
        assert!(t.elapsed() < Duration::from_secs(5));
        let r = output_within(
            Command::new("sh").args(["-c", "echo hi; echo err >&2"]),
            Duration::from_secs(10),
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.stdout, b"hi\n");
        assert_eq!(r.stderr, b"err\n");
    }
}
