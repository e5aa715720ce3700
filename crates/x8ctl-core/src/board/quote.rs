//! Quoting for the board's shell, and the in-band exit status marker.
//!
//! The X8's adbd has no shell_v2, so neither the adb server nor adb_client can report a
//! command's exit status. x8ctl wraps every command so that the status comes back as the
//! last line of output, `__X8RC_<nonce>=<status>`, with a nonce fresh for each command, and
//! strips that line before anything reaches the user.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Single-quote `s` for a POSIX shell: `a b;$(reboot)` stays one literal word.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Quote every word and join with spaces.
pub fn quote_words<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fresh marker for one command.
pub fn new_nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut x = t ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(std::process::id()) << 32;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    format!("{x:016x}")
}

/// The shell command that prints the status marker of the command before it.
fn status_line(nonce: &str) -> String {
    format!("printf '\\n__X8RC_%s=%d\\n' {nonce} \"$?\"")
}

/// Where a command's standard input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdin {
    /// Nothing: `</dev/null`, so a command that reads its input ends at once (the X8's
    /// `exec:` socket never reaches end-of-file, REB 1.2).
    Closed,
    /// Exactly this many bytes, which x8ctl writes to the stream: `head -c N |` hands them
    /// to the command and then ends its input (adb has no half-close).
    Bytes(usize),
}

/// The `exec:` command line for `cmd`: run by a child shell (so `exit`, syntax errors and
/// `cd` stay inside), followed by the status line on a line of its own (see
/// [`StatusStripper`]).
pub fn wrap_exec(cmd: &str, nonce: &str, stdin: Stdin) -> String {
    match stdin {
        Stdin::Closed => format!("sh -c {} </dev/null; {}", quote(cmd), status_line(nonce)),
        Stdin::Bytes(n) => format!("head -c {n} | sh -c {}; {}", quote(cmd), status_line(nonce)),
    }
}

/// For a command too long for one OPEN: the `exec:` line that reads a script of `len`
/// bytes from the stream and runs it, and the script (see [`script_for`]).
pub fn wrap_exec_script(len: usize, nonce: &str) -> String {
    format!("head -c {len} | sh; {}", status_line(nonce))
}

/// The script that runs `cmd` in a subshell with stdin closed: the shell reads the whole
/// `( ... )` before running it, so the command cannot read the script's rest.
pub fn script_for(cmd: &str) -> String {
    format!("(\n{cmd}\n) </dev/null\n")
}

/// Passes output through, holding back only what may be the start of the status line,
/// and takes the status out at the end.
pub struct StatusStripper<W: Write> {
    out: W,
    prefix: Vec<u8>,
    pending: Vec<u8>,
    status: Option<i32>,
}

impl<W: Write> StatusStripper<W> {
    pub fn new(out: W, nonce: &str) -> StatusStripper<W> {
        StatusStripper {
            out,
            prefix: format!("\n__X8RC_{nonce}=").into_bytes(),
            pending: Vec::new(),
            status: None,
        }
    }

    /// Where the marker may start in `pending`: the first newline whose rest is a prefix
    /// of the marker (or contains it whole).
    fn hold_from(&self) -> Option<usize> {
        let p = &self.pending;
        (0..p.len()).find(|&i| {
            if p[i] != b'\n' {
                return false;
            }
            let rest = &p[i..];
            let n = rest.len().min(self.prefix.len());
            rest[..n] == self.prefix[..n]
        })
    }

    fn drain(&mut self) -> io::Result<()> {
        loop {
            match self.hold_from() {
                None => {
                    self.out.write_all(&self.pending)?;
                    self.pending.clear();
                    return Ok(());
                }
                Some(i) => {
                    self.out.write_all(&self.pending[..i])?;
                    self.pending.drain(..i);
                    if self.pending.len() < self.prefix.len() {
                        return Ok(());
                    }
                    let after = &self.pending[self.prefix.len()..];
                    match after.iter().position(|&b| b == b'\n') {
                        None => return Ok(()),
                        Some(end) => {
                            let digits = String::from_utf8_lossy(&after[..end]).into_owned();
                            match digits.trim().parse::<i32>() {
                                Ok(code) if self.status.is_none() => {
                                    self.status = Some(code);
                                    let consumed = self.prefix.len() + end + 1;
                                    self.pending.drain(..consumed);
                                }
                                _ => {
                                    // Not ours after all: pass the newline on, look further.
                                    self.out.write_all(&self.pending[..1])?;
                                    self.pending.drain(..1);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The status, once the marker has arrived.
    pub fn status(&self) -> Option<i32> {
        self.status
    }

    /// Flush what is held back; the status if the marker arrived.
    pub fn finish(mut self) -> io::Result<(Option<i32>, W)> {
        self.drain()?;
        if !self.pending.is_empty() {
            self.out.write_all(&self.pending)?;
            self.pending.clear();
        }
        self.out.flush()?;
        Ok((self.status, self.out))
    }
}

impl<W: Write> Write for StatusStripper<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A secret (the sudo password): never shown by Debug or Display.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value, for the one place that sends it to the board.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(chunks: &[&[u8]], nonce: &str) -> (String, Option<i32>) {
        let mut s = StatusStripper::new(Vec::new(), nonce);
        for c in chunks {
            s.write_all(c).unwrap();
        }
        let (status, out) = s.finish().unwrap();
        (String::from_utf8(out).unwrap(), status)
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote("/home/fio/x.bin"), "/home/fio/x.bin");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b;$(reboot)"), "'a b;$(reboot)'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote_words(&["ls", "-l", "a b"]), "ls -l 'a b'");
    }

    #[test]
    fn status_is_stripped_whatever_the_chunking() {
        let nonce = "00ff00ff00ff00ff";
        let full = format!("hello\nworld\n__X8RC_{nonce}=7\n");
        // The wrapper prints "\n" before the marker: output "hello\nworld" + "\n" + marker.
        let raw = format!("hello\nworld\n\n__X8RC_{nonce}=7\n");
        for step in [1, 2, 5, 100] {
            let chunks: Vec<&[u8]> = raw.as_bytes().chunks(step).collect();
            assert_eq!(
                strip(&chunks, nonce),
                ("hello\nworld\n".to_string(), Some(7))
            );
        }
        assert_eq!(
            strip(&[full.as_bytes()], nonce),
            ("hello\nworld".to_string(), Some(7))
        );
    }

    #[test]
    fn no_trailing_newline_and_empty_output() {
        let n = "1234";
        assert_eq!(
            strip(&[b"abc\n__X8RC_1234=0\n"], n),
            ("abc".to_string(), Some(0))
        );
        assert_eq!(
            strip(&[b"\n__X8RC_1234=127\n"], n),
            (String::new(), Some(127))
        );
    }

    #[test]
    fn foreign_markers_and_lost_status_pass_through() {
        let n = "1234";
        assert_eq!(
            strip(&[b"x\n__X8RC_9999=1\n\n__X8RC_1234=3\n"], n),
            ("x\n__X8RC_9999=1\n".to_string(), Some(3))
        );
        assert_eq!(
            strip(&[b"partial\n__X8RC_12"], n),
            ("partial\n__X8RC_12".to_string(), None)
        );
        assert_eq!(
            strip(&[b"\n__X8RC_1234=zz\n"], n),
            ("\n__X8RC_1234=zz\n".to_string(), None)
        );
    }

    #[test]
    fn nonces_differ_and_secrets_hide() {
        assert_ne!(new_nonce(), new_nonce());
        let s = Secret::new("hunter2");
        assert!(!format!("{s} {s:?}").contains("hunter2"));
        assert_eq!(
            wrap_exec("exit 7", "ab", Stdin::Closed),
            "sh -c 'exit 7' </dev/null; printf '\\n__X8RC_%s=%d\\n' ab \"$?\""
        );
        assert!(wrap_exec("cat", "ab", Stdin::Bytes(5)).starts_with("head -c 5 | sh -c cat; "));
        assert_eq!(script_for("cat"), "(\ncat\n) </dev/null\n");
    }
}
