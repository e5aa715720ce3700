//! The sync sub-protocol (`sync:`): frames parsed from a byte stream (packet boundaries
//! mean nothing here) and the encoders for both sides.
//!
//! Every frame starts with a four-letter id and a little-endian u32. For requests (STAT,
//! LIST, SEND, RECV, QUIT) the u32 is the length of the path that follows; for DATA, the
//! length of the data; for DONE, the mtime (SEND) or zero.

use std::fmt;

pub const ID_STAT: [u8; 4] = *b"STAT";
pub const ID_LIST: [u8; 4] = *b"LIST";
pub const ID_SEND: [u8; 4] = *b"SEND";
pub const ID_RECV: [u8; 4] = *b"RECV";
pub const ID_DENT: [u8; 4] = *b"DENT";
pub const ID_DONE: [u8; 4] = *b"DONE";
pub const ID_DATA: [u8; 4] = *b"DATA";
pub const ID_OKAY: [u8; 4] = *b"OKAY";
pub const ID_FAIL: [u8; 4] = *b"FAIL";
pub const ID_QUIT: [u8; 4] = *b"QUIT";

/// Longest path adbd accepts.
pub const SYNC_PATH_MAX: usize = 1024;
/// Largest DATA chunk (SYNC_DATA_MAX).
pub const SYNC_DATA_MAX: usize = 64 * 1024;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFLNK: u32 = 0o120000;

fn id_name(id: [u8; 4]) -> String {
    if id.iter().all(|b| b.is_ascii_graphic()) {
        String::from_utf8_lossy(&id).into_owned()
    } else {
        format!("{:08x}", u32::from_le_bytes(id))
    }
}

/// What the device side receives on a sync stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Stat(String),
    List(String),
    /// `SEND "<path>,<mode>"`; the data chunks and DONE follow as separate frames.
    Send {
        path: String,
        mode: u32,
    },
    Recv(String),
    Data(Vec<u8>),
    /// The end of a SEND, with the file's mtime.
    Done(u32),
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("path too long")]
    PathTooLong,
    #[error("data chunk of {0} bytes is larger than 64 KiB")]
    DataTooLong(usize),
    #[error("unknown command {0}")]
    UnknownCommand(String),
}

/// Parses device-side requests from a byte stream.
#[derive(Debug, Default)]
pub struct RequestDecoder {
    buf: Vec<u8>,
}

impl RequestDecoder {
    pub fn new() -> RequestDecoder {
        RequestDecoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete request, or `Ok(None)` when more bytes are needed.
    pub fn next_request(&mut self) -> Result<Option<Request>, SyncError> {
        if self.buf.len() < 8 {
            return Ok(None);
        }
        let id = [self.buf[0], self.buf[1], self.buf[2], self.buf[3]];
        let arg = u32::from_le_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]);
        let len = arg as usize;
        match id {
            ID_DONE => {
                self.buf.drain(..8);
                return Ok(Some(Request::Done(arg)));
            }
            ID_QUIT => {
                self.buf.drain(..8);
                return Ok(Some(Request::Quit));
            }
            ID_DATA => {
                if len > SYNC_DATA_MAX {
                    return Err(SyncError::DataTooLong(len));
                }
            }
            ID_STAT | ID_LIST | ID_SEND | ID_RECV => {
                if len > SYNC_PATH_MAX {
                    return Err(SyncError::PathTooLong);
                }
            }
            other => return Err(SyncError::UnknownCommand(id_name(other))),
        }
        if self.buf.len() < 8 + len {
            return Ok(None);
        }
        let body: Vec<u8> = self.buf[8..8 + len].to_vec();
        self.buf.drain(..8 + len);
        let text = || String::from_utf8_lossy(&body).into_owned();
        Ok(Some(match id {
            ID_DATA => Request::Data(body),
            ID_STAT => Request::Stat(text()),
            ID_LIST => Request::List(text()),
            ID_RECV => Request::Recv(text()),
            _ => {
                let spec = text();
                let (path, mode) = split_send_spec(&spec);
                Request::Send { path, mode }
            }
        }))
    }
}

/// Splits `"<path>,<mode>"` at the last comma; the mode is read like C's `strtoul(s, 0)`
/// (Google adb sends decimal `33188`, adb_client sends octal `0777`). No comma: mode 0644.
pub fn split_send_spec(spec: &str) -> (String, u32) {
    match spec.rsplit_once(',') {
        Some((path, mode)) => (path.to_string(), parse_c_ulong(mode).unwrap_or(0o644)),
        None => (spec.to_string(), 0o644),
    }
}

/// `strtoul(s, NULL, 0)`: `0x` hex, leading `0` octal, else decimal; stops at the first
/// invalid digit; `None` when no digit was read.
pub fn parse_c_ulong(s: &str) -> Option<u32> {
    let s = s.trim_start();
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, h)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    let valid: String = digits.chars().take_while(|c| c.is_digit(radix)).collect();
    if valid.is_empty() {
        return if s.starts_with('0') { Some(0) } else { None };
    }
    let value = valid.chars().fold(0u64, |acc, c| {
        let digit = u64::from(c.to_digit(radix).unwrap_or(0));
        acc.saturating_mul(u64::from(radix)).saturating_add(digit)
    });
    Some(value.min(u64::from(u32::MAX)) as u32)
}

/// One 8-byte frame header plus body.
pub fn frame(id: [u8; 4], arg: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&id);
    out.extend_from_slice(&arg.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// A request with a path (STAT, LIST, RECV, SEND's "<path>,<mode>").
pub fn request(id: [u8; 4], path: &str) -> Vec<u8> {
    frame(id, path.len() as u32, path.as_bytes())
}

pub fn data(chunk: &[u8]) -> Vec<u8> {
    frame(ID_DATA, chunk.len() as u32, chunk)
}

pub fn fail(message: &str) -> Vec<u8> {
    frame(ID_FAIL, message.len() as u32, message.as_bytes())
}

/// The 16-byte STAT reply.
pub fn stat_reply(mode: u32, size: u32, mtime: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    out.extend_from_slice(&ID_STAT);
    for w in [mode, size, mtime] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// One LIST entry.
pub fn dent(mode: u32, size: u32, mtime: u32, name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + name.len());
    out.extend_from_slice(&ID_DENT);
    for w in [mode, size, mtime, name.len() as u32] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out
}

/// The LIST terminator: a full 20-byte record with id DONE.
pub fn dent_done() -> Vec<u8> {
    let mut out = ID_DONE.to_vec();
    out.extend_from_slice(&[0u8; 16]);
    out
}

/// What the host side reads: a fixed 8-byte header with a body whose meaning depends on the
/// request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatReply {
    pub mode: u32,
    pub size: u32,
    pub mtime: u32,
}

impl StatReply {
    pub fn exists(&self) -> bool {
        self.mode != 0
    }
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
}

impl fmt::Display for StatReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mode {:o} size {} mtime {}",
            self.mode, self.size, self.mtime
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_ulong_parsing() {
        assert_eq!(parse_c_ulong("33188"), Some(0o100644));
        assert_eq!(parse_c_ulong("0777"), Some(0o777));
        assert_eq!(parse_c_ulong("0x1ff"), Some(0o777));
        assert_eq!(parse_c_ulong("0"), Some(0));
        assert_eq!(parse_c_ulong("644abc"), Some(644));
        assert_eq!(parse_c_ulong("zz"), None);
        assert_eq!(parse_c_ulong("99999999999999999999"), Some(u32::MAX));
    }

    #[test]
    fn send_spec_splits_at_last_comma() {
        assert_eq!(
            split_send_spec("/home/fio/a,b.txt,33188"),
            ("/home/fio/a,b.txt".to_string(), 0o100644)
        );
        assert_eq!(
            split_send_spec("/tmp/x,0777"),
            ("/tmp/x".to_string(), 0o777)
        );
        assert_eq!(split_send_spec("/tmp/x"), ("/tmp/x".to_string(), 0o644));
    }

    #[test]
    fn decodes_merged_and_split_requests() {
        let mut bytes = request(ID_SEND, "/tmp/f,33188");
        bytes.extend(data(b"hello"));
        bytes.extend(frame(ID_DONE, 1_700_000_000, &[]));
        bytes.extend(request(ID_STAT, "/tmp/f"));
        bytes.extend(frame(ID_QUIT, 0, &[]));
        for step in [1, 3, 7, bytes.len()] {
            let mut d = RequestDecoder::new();
            let mut got = Vec::new();
            for chunk in bytes.chunks(step) {
                d.push(chunk);
                while let Some(r) = d.next_request().unwrap() {
                    got.push(r);
                }
            }
            assert_eq!(
                got,
                vec![
                    Request::Send {
                        path: "/tmp/f".into(),
                        mode: 0o100644
                    },
                    Request::Data(b"hello".to_vec()),
                    Request::Done(1_700_000_000),
                    Request::Stat("/tmp/f".into()),
                    Request::Quit,
                ]
            );
        }
    }

    #[test]
    fn rejects_bad_requests() {
        let mut d = RequestDecoder::new();
        d.push(&frame(ID_STAT, 5000, &[]));
        assert_eq!(d.next_request(), Err(SyncError::PathTooLong));
        let mut d = RequestDecoder::new();
        d.push(b"XXXX\0\0\0\0");
        assert!(matches!(
            d.next_request(),
            Err(SyncError::UnknownCommand(_))
        ));
        let mut d = RequestDecoder::new();
        d.push(&frame(ID_DATA, 70_000, &[]));
        assert_eq!(d.next_request(), Err(SyncError::DataTooLong(70_000)));
    }

    proptest::proptest! {
        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let mut d = RequestDecoder::new();
            d.push(&bytes);
            for _ in 0..16 {
                match d.next_request() { Ok(Some(_)) => {}, _ => break }
            }
            let _ = split_send_spec(&String::from_utf8_lossy(&bytes));
        }
    }
}
