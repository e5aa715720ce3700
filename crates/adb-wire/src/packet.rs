//! ADB transport packets: the 24-byte header, payload, checksum and magic.
//!
//! Shared by both sides: the host side (`x8ctl --connect`) and the device side (the virtual X8).
//! Decoding never panics: every malformed header is an [`PacketError`].

use std::fmt;
use std::io::{self, Read, Write};

pub const A_SYNC: u32 = 0x434e_5953;
pub const A_CNXN: u32 = 0x4e58_4e43;
pub const A_AUTH: u32 = 0x4854_5541;
pub const A_OPEN: u32 = 0x4e45_504f;
pub const A_OKAY: u32 = 0x5941_4b4f;
pub const A_CLSE: u32 = 0x4553_4c43;
pub const A_WRTE: u32 = 0x4554_5257;
pub const A_STLS: u32 = 0x534c_5453;

/// Protocol version with checksums (what the X8's Android 5.1.1 adbd speaks).
pub const A_VERSION_MIN: u32 = 0x0100_0000;
/// Protocol version where the sender may skip the checksum.
pub const A_VERSION_SKIP_CHECKSUM: u32 = 0x0100_0001;
/// The payload limit of Android <= 6 adbd, and so of the Portenta X8.
pub const MAX_PAYLOAD_V1: u32 = 4096;
/// The payload limit of modern adbd.
pub const MAX_PAYLOAD_MODERN: u32 = 1024 * 1024;
pub const HEADER_LEN: usize = 24;

#[derive(Clone, PartialEq, Eq)]
pub struct Packet {
    pub command: u32,
    pub arg0: u32,
    pub arg1: u32,
    pub payload: Vec<u8>,
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self
            .payload
            .iter()
            .take(32)
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        write!(
            f,
            "{}({:#x}, {:#x}, {} bytes {:?})",
            command_name(self.command),
            self.arg0,
            self.arg1,
            self.payload.len(),
            shown
        )
    }
}

/// The four-letter name of a command, or its hex value.
pub fn command_name(command: u32) -> String {
    let bytes = command.to_le_bytes();
    if bytes.iter().all(|b| b.is_ascii_uppercase()) {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        format!("{command:#010x}")
    }
}

/// The "checksum" of ADB: the unsigned byte sum of the payload.
pub fn checksum(payload: &[u8]) -> u32 {
    payload
        .iter()
        .fold(0u32, |acc, &b| acc.wrapping_add(u32::from(b)))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("bad magic in packet header (command {command}, magic {magic:#010x})")]
    BadMagic { command: String, magic: u32 },
    #[error("packet payload of {len} bytes exceeds the negotiated maximum of {max} bytes")]
    TooLarge { len: u32, max: u32 },
    #[error("packet checksum mismatch (header says {expected:#x}, payload sums to {actual:#x})")]
    BadChecksum { expected: u32, actual: u32 },
    #[error("unknown packet command {0}")]
    UnknownCommand(String),
}

/// A decoded 24-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub command: u32,
    pub arg0: u32,
    pub arg1: u32,
    pub data_length: u32,
    pub data_check: u32,
    pub magic: u32,
}

impl Header {
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Header {
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Header {
            command: word(0),
            arg0: word(4),
            arg1: word(8),
            data_length: word(12),
            data_check: word(16),
            magic: word(20),
        }
    }

    /// Checks magic, known command and the payload limit (`max_payload`).
    pub fn validate(&self, max_payload: u32) -> Result<(), PacketError> {
        if self.magic != self.command ^ 0xffff_ffff {
            return Err(PacketError::BadMagic {
                command: command_name(self.command),
                magic: self.magic,
            });
        }
        match self.command {
            A_SYNC | A_CNXN | A_AUTH | A_OPEN | A_OKAY | A_CLSE | A_WRTE | A_STLS => {}
            other => return Err(PacketError::UnknownCommand(command_name(other))),
        }
        if self.data_length > max_payload {
            return Err(PacketError::TooLarge {
                len: self.data_length,
                max: max_payload,
            });
        }
        Ok(())
    }
}

impl Packet {
    pub fn new(command: u32, arg0: u32, arg1: u32, payload: impl Into<Vec<u8>>) -> Packet {
        Packet {
            command,
            arg0,
            arg1,
            payload: payload.into(),
        }
    }

    /// Encodes the packet; the checksum is always written (old adbd and adb_client verify it).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        self.encode_into(&mut out);
        out
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        for word in [
            self.command,
            self.arg0,
            self.arg1,
            self.payload.len() as u32,
            checksum(&self.payload),
            self.command ^ 0xffff_ffff,
        ] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&self.payload);
    }

    pub fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&self.encode())
    }

    /// The service name of an OPEN, or the banner of a CNXN, without trailing NULs.
    pub fn payload_str(&self) -> String {
        let end = self
            .payload
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        String::from_utf8_lossy(&self.payload[..end]).into_owned()
    }
}

/// How strictly to check incoming packets.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Largest payload accepted; a larger one is an error (old adbd drops the connection).
    pub max_payload: u32,
    /// Verify the byte-sum checksum of every packet (protocol 0x01000000, as old adbd
    /// does). When false, a non-zero checksum is still verified and a zero one accepted
    /// (what a peer that negotiated 0x01000001 may send).
    pub verify_checksum: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(transparent)]
    Packet(#[from] PacketError),
}

/// Reads one packet from a blocking reader. `Ok(None)` on a clean EOF before a header.
pub fn read_packet(r: &mut dyn Read, limits: ReadLimits) -> Result<Option<Packet>, ReadError> {
    let mut header = [0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        match r.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in the middle of a packet header",
                )
                .into());
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let h = Header::parse(&header);
    h.validate(limits.max_payload)?;
    let mut payload = vec![0u8; h.data_length as usize];
    r.read_exact(&mut payload)?;
    if (limits.verify_checksum || h.data_check != 0) && !payload.is_empty() {
        let actual = checksum(&payload);
        if actual != h.data_check {
            return Err(PacketError::BadChecksum {
                expected: h.data_check,
                actual,
            }
            .into());
        }
    }
    Ok(Some(Packet {
        command: h.command,
        arg0: h.arg0,
        arg1: h.arg1,
        payload,
    }))
}

/// Incremental decoder over a byte stream (for fuzzing and non-blocking use).
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    limits: ReadLimits,
}

impl Decoder {
    pub fn new(limits: ReadLimits) -> Decoder {
        Decoder {
            buf: Vec::new(),
            limits,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete packet, `Ok(None)` if more bytes are needed.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, PacketError> {
        if self.buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&self.buf[..HEADER_LEN]);
        let h = Header::parse(&header);
        h.validate(self.limits.max_payload)?;
        let total = HEADER_LEN + h.data_length as usize;
        if self.buf.len() < total {
            return Ok(None);
        }
        let payload = self.buf[HEADER_LEN..total].to_vec();
        self.buf.drain(..total);
        if (self.limits.verify_checksum || h.data_check != 0) && !payload.is_empty() {
            let actual = checksum(&payload);
            if actual != h.data_check {
                return Err(PacketError::BadChecksum {
                    expected: h.data_check,
                    actual,
                });
            }
        }
        Ok(Some(Packet {
            command: h.command,
            arg0: h.arg0,
            arg1: h.arg1,
            payload,
        }))
    }
}

/// Properties of a CNXN banner such as `device::ro.product.name=portenta-x8;...;features=shell_v2`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Banner {
    pub kind: String,
    pub props: Vec<(String, String)>,
    pub features: Vec<String>,
}

impl Banner {
    pub fn parse(s: &str) -> Banner {
        let s = s.trim_end_matches('\0');
        let (kind, rest) = match s.split_once("::") {
            Some((k, r)) => (k, r),
            None => (s.split(':').next().unwrap_or(""), ""),
        };
        let mut banner = Banner {
            kind: kind.to_string(),
            ..Banner::default()
        };
        for item in rest.split(';').filter(|i| !i.is_empty()) {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            if k == "features" {
                banner.features = v
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect();
            } else {
                banner.props.push((k.to_string(), v.to_string()));
            }
        }
        banner
    }

    pub fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_feature(&self, f: &str) -> bool {
        self.features.iter().any(|x| x == f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOSE: ReadLimits = ReadLimits {
        max_payload: MAX_PAYLOAD_MODERN,
        verify_checksum: true,
    };

    #[test]
    fn round_trip() {
        let p = Packet::new(A_WRTE, 7, 9, b"hello".to_vec());
        let bytes = p.encode();
        assert_eq!(bytes.len(), 29);
        assert_eq!(&bytes[0..4], b"WRTE");
        let got = read_packet(&mut &bytes[..], LOOSE).unwrap().unwrap();
        assert_eq!(got, p);
    }

    #[test]
    fn checksum_is_byte_sum() {
        assert_eq!(checksum(b""), 0);
        assert_eq!(checksum(&[0xff, 0xff, 1]), 0x1ff);
    }

    #[test]
    fn too_large_is_refused() {
        let p = Packet::new(A_WRTE, 1, 2, vec![0u8; 4097]);
        let limits = ReadLimits {
            max_payload: MAX_PAYLOAD_V1,
            verify_checksum: true,
        };
        match read_packet(&mut &p.encode()[..], limits) {
            Err(ReadError::Packet(PacketError::TooLarge {
                len: 4097,
                max: 4096,
            })) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn bad_magic_and_checksum() {
        let mut bytes = Packet::new(A_OKAY, 1, 2, b"x".to_vec()).encode();
        bytes[20] ^= 1;
        assert!(matches!(
            read_packet(&mut &bytes[..], LOOSE),
            Err(ReadError::Packet(PacketError::BadMagic { .. }))
        ));
        let mut bytes = Packet::new(A_OKAY, 1, 2, b"x".to_vec()).encode();
        bytes[24] = b'y';
        assert!(matches!(
            read_packet(&mut &bytes[..], LOOSE),
            Err(ReadError::Packet(PacketError::BadChecksum { .. }))
        ));
    }

    #[test]
    fn eof_handling() {
        assert!(read_packet(&mut &[][..], LOOSE).unwrap().is_none());
        let bytes = Packet::new(A_OKAY, 1, 2, b"abc".to_vec()).encode();
        assert!(read_packet(&mut &bytes[..10], LOOSE).is_err());
        assert!(read_packet(&mut &bytes[..26], LOOSE).is_err());
    }

    #[test]
    fn decoder_handles_split_and_merged_input() {
        let a = Packet::new(A_OPEN, 1, 0, b"shell:id\0".to_vec());
        let b = Packet::new(A_WRTE, 1, 5, vec![7u8; 300]);
        let mut all = a.encode();
        all.extend(b.encode());
        let mut d = Decoder::new(LOOSE);
        let mut got = Vec::new();
        for chunk in all.chunks(5) {
            d.push(chunk);
            while let Some(p) = d.next_packet().unwrap() {
                got.push(p);
            }
        }
        assert_eq!(got, vec![a.clone(), b]);
        assert_eq!(a.payload_str(), "shell:id");
    }

    #[test]
    fn banner_parsing() {
        let b = Banner::parse(
            "device::ro.product.name=portenta-x8;ro.product.model=Portenta X8;ro.product.device=portenta-x8;features=shell_v2,cmd\0",
        );
        assert_eq!(b.kind, "device");
        assert_eq!(b.prop("ro.product.model"), Some("Portenta X8"));
        assert!(b.has_feature("shell_v2"));
        let old = Banner::parse("device::ro.product.name=portenta-x8;");
        assert!(old.features.is_empty());
        assert_eq!(Banner::parse("garbage").kind, "garbage");
    }

    proptest::proptest! {
        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut d = Decoder::new(ReadLimits { max_payload: MAX_PAYLOAD_V1, verify_checksum: true });
            d.push(&bytes);
            for _ in 0..8 {
                match d.next_packet() { Ok(Some(_)) => {}, _ => break }
            }
            let _ = read_packet(&mut &bytes[..], ReadLimits { max_payload: MAX_PAYLOAD_V1, verify_checksum: true });
            let _ = Banner::parse(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn encode_decode_round_trip(cmd in proptest::sample::select(vec![A_CNXN, A_OPEN, A_OKAY, A_CLSE, A_WRTE]),
                                    a0 in proptest::num::u32::ANY, a1 in proptest::num::u32::ANY,
                                    payload in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let p = Packet::new(cmd, a0, a1, payload);
            let got = read_packet(&mut &p.encode()[..], ReadLimits { max_payload: MAX_PAYLOAD_V1, verify_checksum: true }).unwrap().unwrap();
            proptest::prop_assert_eq!(got, p);
        }
    }
}
