//! What the board's m4-proxy can take: x8ctl's checked encoder for port 5001.
//!
//! m4-proxy (arduino/portentax8-m4-proxy 51a9327 `proxy/main.go`) decodes each message with
//! facchinm/msgpack-go 313ca45, a 2012-era codec, and re-packs it before writing it to the M4
//! (`msgpack.Pack(&buf, data.Interface())`, main.go:33-36). Evidence:
//! `real-board-evidence.md` §2.1-2.3 and the sources it pins:
//!
//! * **Panics (the whole process exits, systemd restarts it, every registration on port 5000
//!   is lost)** on any code the codec does not know: `str8` 0xd9, `bin8/16/32` as sent by
//!   modern packers (0xc4 is read as an 8-bit *array* length, 0xc5/0xc6 panic), ext types
//!   (msgpack-go 313ca45 `unpack.go`:397-398). A nil inside the message panics too on port
//!   5001 (`unpack.go`:99, a zero reflect.Value's `Interface()`).
//! * **Floats are re-packed as the integer of their IEEE bits** (`pack.go`:174-181 and
//!   :740-741: `PackFloat64` = `PackUint64(math.Float64bits(v))`): the sketch gets
//!   4609434218613702656 for 1.5. No form of a float survives.
//! * **Raws of 256 bytes or more are re-packed with a wrong length** (`pack.go`:194 writes
//!   `len >> 16` and `len` as the raw16 length bytes).
//! * **The H7 link carries one message in a 256-byte frame** (portentax8-x8h7 c0b3550
//!   `x8h7.h`:9-11, `X8H7_PKT_SIZE` 248 after headers; the evidence file: "messages above
//!   about 244 bytes are cut"). x8ctl keeps to [`MAX_MESSAGE`] bytes.
//!
//! So [`encode_for_m4_proxy`] writes strings as fixraw/raw16 and refuses, before anything is
//! sent, what would crash m4-proxy or arrive changed.

use std::fmt;

use super::msgpack::{Value, encode};

/// The largest message x8ctl sends to m4-proxy (bytes). See the module documentation.
pub const MAX_MESSAGE: usize = 244;
/// Strings from this length on are re-packed wrongly by m4-proxy.
pub const MAX_STRING: usize = 255;

/// Why a message cannot go to m4-proxy. The text says what and why, for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A float at `path` (e.g. `argument 1`).
    Float {
        path: String,
        value: String,
    },
    Nil {
        path: String,
    },
    Binary {
        path: String,
    },
    Ext {
        path: String,
    },
    LongString {
        path: String,
        len: usize,
    },
    TooLarge {
        len: usize,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Float { path, value } => write!(
                f,
                "{path} is a float ({value}): m4-proxy re-packs every float as the integer of \
                 its IEEE bits, so the sketch would not receive {value}; send an integer (for \
                 example the value scaled by 100) or a string, and convert it in the sketch"
            ),
            Refusal::Nil { path } => write!(
                f,
                "{path} is null: m4-proxy's MessagePack decoder (msgpack-go 313ca45) panics on a \
                 nil inside a message, which restarts m4-proxy"
            ),
            Refusal::Binary { path } => write!(
                f,
                "{path} is binary data: m4-proxy's MessagePack decoder knows only the 2012 \
                 dialect and panics on bin, which restarts m4-proxy; send a string or an array \
                 of integers"
            ),
            Refusal::Ext { path } => write!(
                f,
                "{path} is a MessagePack ext value: m4-proxy's decoder panics on it, which \
                 restarts m4-proxy"
            ),
            Refusal::LongString { path, len } => write!(
                f,
                "{path} is a string of {len} bytes: m4-proxy re-packs strings of 256 bytes or \
                 more with a wrong length (and the H7 link carries at most {MAX_MESSAGE} bytes \
                 a message)"
            ),
            Refusal::TooLarge { len } => write!(
                f,
                "the message is {len} bytes: the H7 link carries one message in a 256-byte \
                 frame, and m4-proxy's messages above about {MAX_MESSAGE} bytes are cut or \
                 dropped; send fewer or shorter arguments"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Check every value of `v` (a request's or notification's array) that m4-proxy can take
/// unchanged. `path` names the value in a refusal.
fn check(v: &Value, path: &str) -> Result<(), Refusal> {
    let path = || path.to_string();
    match v {
        Value::Nil => Err(Refusal::Nil { path: path() }),
        Value::F32(x) => Err(Refusal::Float {
            path: path(),
            value: format!("{x}"),
        }),
        Value::F64(x) => Err(Refusal::Float {
            path: path(),
            value: format!("{x}"),
        }),
        Value::Bin(_) => Err(Refusal::Binary { path: path() }),
        Value::Ext(..) => Err(Refusal::Ext { path: path() }),
        Value::Str(s) if s.len() > MAX_STRING => Err(Refusal::LongString {
            path: path(),
            len: s.len(),
        }),
        Value::RawStr(b) if b.len() > MAX_STRING => Err(Refusal::LongString {
            path: path(),
            len: b.len(),
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check(x, &format!("{} item {}", path(), i + 1))),
        Value::Map(m) => m.iter().try_for_each(|(k, x)| {
            check(k, &format!("{} key", path()))?;
            check(x, &format!("{} value", path()))
        }),
        Value::Bool(_) | Value::Int(_) | Value::UInt(_) | Value::Str(_) | Value::RawStr(_) => {
            Ok(())
        }
    }
}

/// Encode a request `[0, msgid, method, params]` or notification `[2, method, params]` for
/// m4-proxy's port 5001, or say why it cannot be sent. Strings are fixraw / raw16 (see
/// [`super::msgpack::encode`]); integers are minimal (m4-proxy normalises them anyway);
/// nothing is sent that m4-proxy would panic on or change.
pub fn encode_for_m4_proxy(
    method: &str,
    params: &[Value],
    head: &[Value],
) -> Result<Vec<u8>, Refusal> {
    if method.len() > MAX_STRING {
        return Err(Refusal::LongString {
            path: "the method name".into(),
            len: method.len(),
        });
    }
    for (i, p) in params.iter().enumerate() {
        check(p, &format!("argument {}", i + 1))?;
    }
    let mut items: Vec<Value> = head.to_vec();
    items.push(Value::from(method));
    items.push(Value::Array(params.to_vec()));
    let bytes = encode(&Value::Array(items));
    if bytes.len() > MAX_MESSAGE {
        return Err(Refusal::TooLarge { len: bytes.len() });
    }
    Ok(bytes)
}

/// A request for port 5001: `[0, msgid, method, params]`.
pub fn request_bytes(msgid: u32, method: &str, params: &[Value]) -> Result<Vec<u8>, Refusal> {
    encode_for_m4_proxy(method, params, &[Value::UInt(0), Value::UInt(msgid as u64)])
}

/// A notification for port 5001: `[2, method, params]`.
pub fn notification_bytes(method: &str, params: &[Value]) -> Result<Vec<u8>, Refusal> {
    encode_for_m4_proxy(method, params, &[Value::UInt(2)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Codes msgpack-go 313ca45 cannot decode (unpack.go:397-398): 0xc1, bin16/32, ext,
    /// fixext, str8. (0xc4 it reads as an array length.)
    fn panics_m4_proxy(c: u8) -> bool {
        matches!(c, 0xc1 | 0xc5..=0xc9 | 0xd4..=0xd9)
    }

    #[test]
    fn the_tutorial_request_byte_by_byte() {
        let b = request_bytes(0, "temperature", &[]).unwrap();
        assert_eq!(
            hex(&b),
            "9400 00ab74656d7065726174757265 90".replace(' ', "")
        );
    }

    #[test]
    fn strings_are_fixraw_and_raw16_never_str8() {
        let s31 = "a".repeat(31);
        let s32 = "b".repeat(32);
        let s40 = "c".repeat(40);
        let s255 = "d".repeat(255);
        let b = request_bytes(7, "greet", &[Value::from(s31.as_str())]).unwrap();
        // 94 00 07 a5 "greet" 91 bf <31 bytes>
        assert_eq!(
            &b[..10],
            &[0x94, 0x00, 0x07, 0xa5, b'g', b'r', b'e', b'e', b't', 0x91]
        );
        assert_eq!(b[10], 0xbf);
        let b = request_bytes(7, "greet", &[Value::from(s32.as_str())]).unwrap();
        assert_eq!(&b[10..13], &[0xda, 0x00, 0x20]);
        let b = request_bytes(300, "greet", &[Value::from(s40.as_str())]).unwrap();
        // msgid 300 = cd 01 2c; the 40-byte string = da 00 28 + bytes.
        assert_eq!(&b[..3], &[0x94, 0x00, 0xcd]);
        assert_eq!(&b[3..5], &[0x01, 0x2c]);
        assert_eq!(&b[12..15], &[0xda, 0x00, 0x28]);
        assert_eq!(&b[15..], s40.as_bytes());
        assert_eq!(b.len(), 15 + 40);
        // A 255-byte string is a valid raw16 but too long for the H7 link in a request.
        assert!(matches!(
            request_bytes(1, "m", &[Value::from(s255.as_str())]),
            Err(Refusal::TooLarge { .. })
        ));
        // A method name of 32..255 bytes is raw16 too.
        let name = "n".repeat(40);
        let b = request_bytes(1, &name, &[]).unwrap();
        assert_eq!(&b[3..6], &[0xda, 0x00, 40]);
    }

    #[test]
    fn integers_bools_arrays_maps_byte_by_byte() {
        let b = request_bytes(
            1,
            "f",
            &[
                Value::UInt(200),
                Value::Int(-33),
                Value::Int(-1),
                Value::Bool(true),
                Value::Array(vec![Value::UInt(1), Value::from("x")]),
                Value::Map(vec![(Value::from("k"), Value::UInt(70000))]),
            ],
        )
        .unwrap();
        assert_eq!(
            hex(&b),
            "94 00 01 a1 66 96 cc c8 d0 df ff c3 92 01 a1 78 81 a1 6b ce 00 01 11 70"
                .replace(' ', "")
        );
    }

    #[test]
    fn what_would_crash_or_change_is_refused() {
        let r = request_bytes(1, "set", &[Value::F64(1.5)]).unwrap_err();
        assert!(matches!(&r, Refusal::Float { path, .. } if path == "argument 1"));
        assert!(r.to_string().contains("IEEE bits"), "{r}");
        let r = request_bytes(
            1,
            "set",
            &[Value::UInt(1), Value::Array(vec![Value::F32(0.5)])],
        )
        .unwrap_err();
        assert!(matches!(&r, Refusal::Float { path, .. } if path == "argument 2 item 1"));
        assert!(matches!(
            request_bytes(1, "x", &[Value::Nil]),
            Err(Refusal::Nil { .. })
        ));
        assert!(matches!(
            request_bytes(1, "x", &[Value::Bin(vec![1])]),
            Err(Refusal::Binary { .. })
        ));
        assert!(matches!(
            request_bytes(1, "x", &[Value::Ext(1, vec![1])]),
            Err(Refusal::Ext { .. })
        ));
        assert!(matches!(
            request_bytes(1, "x", &[Value::from("z".repeat(256))]),
            Err(Refusal::LongString { len: 256, .. })
        ));
        let many: Vec<Value> = (0..30).map(|_| Value::from("0123456789")).collect();
        let r = request_bytes(1, "x", &many).unwrap_err();
        assert!(matches!(r, Refusal::TooLarge { len } if len > MAX_MESSAGE));
        assert!(r.to_string().contains("256-byte"), "{r}");
    }

    #[test]
    fn nothing_accepted_holds_a_code_m4_proxy_panics_on() {
        // Every string length that fits, with a few integer widths: walk the bytes as a
        // MessagePack decoder does and look at each type code.
        for n in 0..=200usize {
            let s = "q".repeat(n);
            for id in [0u32, 127, 128, 255, 256, 65535, 65536, u32::MAX] {
                let b =
                    request_bytes(id, "m", &[Value::from(s.as_str()), Value::Int(-100)]).unwrap();
                let codes = type_codes(&b);
                assert!(
                    codes.iter().all(|c| !panics_m4_proxy(*c)),
                    "{n} {id}: {codes:02x?}"
                );
            }
        }
    }

    /// The type code of every value in `b` (a minimal walker for what the encoder writes).
    fn type_codes(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut pending = 1usize;
        while pending > 0 {
            let c = b[i];
            out.push(c);
            pending -= 1;
            i += 1;
            match c {
                0x90..=0x9f => pending += (c & 0x0f) as usize,
                0x80..=0x8f => pending += 2 * (c & 0x0f) as usize,
                0xa0..=0xbf => i += (c & 0x1f) as usize,
                0xda => i += 2 + u16::from_be_bytes([b[i], b[i + 1]]) as usize,
                0xcc | 0xd0 => i += 1,
                0xcd | 0xd1 => i += 2,
                0xce | 0xd2 => i += 4,
                0xcf | 0xd3 => i += 8,
                _ => {}
            }
        }
        assert_eq!(i, b.len());
        out
    }
}
