//! What the pseudo-terminal of an interactive `adb shell` does on the X8 (the old adbd runs
//! an interactive shell on a PTY): the line discipline echoes what is typed, handles
//! backspace, ^C, ^U and ^D, turns the typed CR into NL, and turns NL into CR NL on output.

use std::io::{self, Read, Write};

/// Input side: CR becomes NL (`icrnl`).
pub struct Icrnl<'a>(pub &'a mut dyn Read);

impl Read for Icrnl<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in buf.iter_mut().take(n) {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

/// Output side: NL becomes CR NL (`onlcr`). A NL that already follows a CR is left alone,
/// so that a nested session (sudo -i) does not double the CR.
pub struct Onlcr<'a> {
    inner: &'a mut dyn Write,
    last_cr: bool,
}

impl<'a> Onlcr<'a> {
    pub fn new(inner: &'a mut dyn Write) -> Onlcr<'a> {
        Onlcr {
            inner,
            last_cr: false,
        }
    }
}

impl Write for Onlcr<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &b in buf {
            if b == b'\n' && !self.last_cr {
                out.push(b'\r');
            }
            self.last_cr = b == b'\r';
            out.push(b);
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What reading a line from the terminal gave.
pub enum Line {
    Text(String),
    /// ^C: the line is discarded.
    Interrupt,
    /// ^D on an empty line, or the stream ended.
    Eof,
}

/// Read one line in canonical mode, echoing to `echo` (the raw output stream).
pub fn read_line(input: &mut dyn Read, echo: &mut dyn Write) -> io::Result<Line> {
    let mut line: Vec<u8> = Vec::new();
    let mut b = [0u8; 1];
    loop {
        let n = match input.read(&mut b) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if line.is_empty() {
                return Ok(Line::Eof);
            }
            return Ok(Line::Text(String::from_utf8_lossy(&line).into_owned()));
        }
        match b[0] {
            b'\r' | b'\n' => {
                echo.write_all(b"\r\n")?;
                return Ok(Line::Text(String::from_utf8_lossy(&line).into_owned()));
            }
            0x03 => {
                echo.write_all(b"^C\r\n")?;
                return Ok(Line::Interrupt);
            }
            0x04 => {
                if line.is_empty() {
                    return Ok(Line::Eof);
                }
            }
            0x7f | 0x08 => {
                // Remove one UTF-8 character.
                let mut removed = false;
                while let Some(c) = line.pop() {
                    removed = true;
                    if c & 0xc0 != 0x80 {
                        break;
                    }
                }
                if removed {
                    echo.write_all(b"\x08 \x08")?;
                }
            }
            0x15 => {
                let n = String::from_utf8_lossy(&line).chars().count();
                for _ in 0..n {
                    echo.write_all(b"\x08 \x08")?;
                }
                line.clear();
            }
            0x1b => {
                // An escape sequence (arrow keys): swallow `ESC [ ... final`.
                let mut seq = [0u8; 1];
                if input.read(&mut seq)? == 1 && (seq[0] == b'[' || seq[0] == b'O') {
                    loop {
                        if input.read(&mut seq)? != 1 || (0x40..=0x7e).contains(&seq[0]) {
                            break;
                        }
                    }
                }
            }
            b'\t' => {
                line.push(b' ');
                echo.write_all(b" ")?;
            }
            c if c < 0x20 => {}
            c => {
                line.push(c);
                echo.write_all(&[c])?;
            }
        }
        echo.flush()?;
    }
}
