//! The pseudo-terminal the X8's adbd gives `shell:CMD` (REB 1.2; upstream
//! aosp-mirror/platform_system_core android-5.1.1_r37 `adb/services.c`, SUBPROC_PTY: the
//! pts is dup'd onto 0, 1 and 2; adbd never calls tcsetattr nor sets TERM). The pts keeps
//! Linux's default termios (`tty_std_termios`: ICRNL, OPOST|ONLCR, ICANON|ECHO|ECHOCTL...):
//! what the host writes is echoed into the output, delivered a line at a time, and reaches
//! end-of-file only through a ^D at the start of a line. Nothing else ever ends stdin; when
//! the host closes the stream the terminal hangs up.

use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, Sender};

pub use super::pty::Onlcr;

/// What the line discipline hands the reader.
pub enum TtyInput {
    /// A completed line (with its LF), or the bytes before a ^D in the middle of a line.
    Bytes(Vec<u8>),
    /// ^D at the start of a line: one read returns 0.
    Eof,
}

/// Read what the host writes, echo it to `echo`, and pass completed lines to `tx`. Ends
/// when the host closes the stream (the sender is dropped: the terminal hangs up).
pub fn line_discipline(mut host: impl Read, echo: &mut dyn Write, tx: Sender<TtyInput>) {
    let mut line: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match host.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut shown: Vec<u8> = Vec::new();
        for &raw in &buf[..n] {
            let b = if raw == b'\r' { b'\n' } else { raw };
            match b {
                b'\n' => {
                    shown.extend_from_slice(b"\r\n");
                    line.push(b'\n');
                    if tx.send(TtyInput::Bytes(std::mem::take(&mut line))).is_err() {
                        return;
                    }
                }
                0x04 => {
                    let msg = if line.is_empty() {
                        TtyInput::Eof
                    } else {
                        TtyInput::Bytes(std::mem::take(&mut line))
                    };
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
                0x7f => {
                    if line.pop().is_some() {
                        shown.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x15 => {
                    for _ in 0..line.len() {
                        shown.extend_from_slice(b"\x08 \x08");
                    }
                    line.clear();
                }
                b'\t' => {
                    shown.push(b'\t');
                    line.push(b'\t');
                }
                c if c < 0x20 => {
                    // ECHOCTL: a control character shows as ^X.
                    shown.extend_from_slice(&[b'^', c + 0x40]);
                    line.push(c);
                }
                c => {
                    shown.push(c);
                    line.push(c);
                }
            }
        }
        if !shown.is_empty() && echo.write_all(&shown).is_err() {
            return;
        }
    }
}

/// The command's stdin on the terminal.
pub struct TtyReader {
    rx: Receiver<TtyInput>,
    cur: Vec<u8>,
    pos: usize,
}

impl TtyReader {
    pub fn new(rx: Receiver<TtyInput>) -> TtyReader {
        TtyReader {
            rx,
            cur: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for TtyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(TtyInput::Bytes(b)) => {
                    self.cur = b;
                    self.pos = 0;
                }
                Ok(TtyInput::Eof) => return Ok(0),
                // The host closed the stream: the terminal hung up (SIGHUP, then EIO).
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "the terminal hung up",
                    ));
                }
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
