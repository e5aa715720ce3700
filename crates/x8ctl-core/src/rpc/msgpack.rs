//! A small MessagePack codec (spec: <https://github.com/msgpack/msgpack/blob/master/spec.md>).
//!
//! * [`encode`] always picks the smallest encoding, as msgpack-python does: non-negative
//!   integers use the unsigned family (positive fixint, `uint8`..`uint64`) whatever their
//!   [`Value`] variant, negative ones the signed family; `F32` stays `float32`, `F64` stays
//!   `float64`. Strings are written as the 2012 dialect's raw (fixraw below 32 bytes,
//!   raw16 `0xda` up to 65535, raw32 `0xdb`), **never `str8` (`0xd9`)**: the board's
//!   m4-proxy links msgpack-go 313ca45, whose decoder panics on `0xd9`
//!   (facchinm/msgpack-go 313ca45 `unpack.go`:397-398; real-board-evidence.md §2.1) — the
//!   same bytes msgpack-python writes with its old default `use_bin_type=False`. What is
//!   safe to send to m4-proxy at all is checked by [`super::dialect`].
//! * [`decode`] works on a byte stream: it returns the value and the number of bytes it used,
//!   or [`DecodeError::Incomplete`] when the buffer ends before the value does. Non-negative
//!   integers always decode as [`Value::UInt`], negative ones as [`Value::Int`];
//!   [`Value`]'s `PartialEq` treats `Int(5)` and `UInt(5)` as equal.
//! * A `str` whose bytes are not valid UTF-8 decodes as [`Value::RawStr`], which encodes back
//!   to the same `str` bytes (lossless), so a relay never corrupts a message it does not
//!   understand.
//! * Untrusted input cannot make the decoder allocate more than the input holds, recurse more
//!   than [`MAX_DEPTH`] levels, or accept a declared length above [`MAX_LEN`].

use std::fmt;

/// Deepest nesting of arrays/maps/ext the decoder accepts.
pub const MAX_DEPTH: usize = 64;
/// Largest declared length (bytes of a str/bin/ext, elements of an array/map) accepted.
pub const MAX_LEN: usize = 16 * 1024 * 1024;
/// Most array/map elements reserved before they are decoded.
const PREALLOC_MAX: usize = 1024;

/// One MessagePack value.
#[derive(Debug, Clone)]
pub enum Value {
    Nil,
    Bool(bool),
    /// A signed integer (the decoder only produces it for negative numbers).
    Int(i64),
    /// An unsigned integer (the decoder produces it for every non-negative number).
    UInt(u64),
    F32(f32),
    F64(f64),
    Str(String),
    /// A `str` whose bytes are not valid UTF-8; kept as bytes so it re-encodes unchanged.
    RawStr(Vec<u8>),
    Bin(Vec<u8>),
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Ext(i8, Vec<u8>),
}

impl PartialEq for Value {
    /// Integers compare by numeric value across `Int`/`UInt`; floats compare by bit pattern
    /// (so a NaN equals itself and round-trip tests can use `==`).
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Nil, Nil) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (UInt(a), UInt(b)) => a == b,
            (Int(a), UInt(b)) | (UInt(b), Int(a)) => *a >= 0 && *a as u64 == *b,
            (F32(a), F32(b)) => a.to_bits() == b.to_bits(),
            (F64(a), F64(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => a == b,
            (RawStr(a), RawStr(b)) => a == b,
            (Bin(a), Bin(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Ext(t, a), Ext(u, b)) => t == u && a == b,
            _ => false,
        }
    }
}

impl Value {
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::UInt(u) => Some(u),
            Value::Int(i) if i >= 0 => Some(i as u64),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::UInt(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F32(f) => Some(f as f64),
            Value::F64(f) => Some(f),
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The bytes of a `str` (valid UTF-8 or not) or a `bin`; old msgpack "raw" producers
    /// (msgpack-rpc-go, msgpack-python < 1.0) send strings as either.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s.as_bytes()),
            Value::RawStr(b) | Value::Bin(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// Encode this value (see [`encode`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
impl From<u64> for Value {
    fn from(u: u64) -> Value {
        Value::UInt(u)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Value {
        Value::Array(a)
    }
}

// ---------------------------------------------------------------------------------------
// Encoding

/// Encode `v` with the smallest encodings.
pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(v, &mut out);
    out
}

/// Append the encoding of `v` to `out`.
pub fn encode_into(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Bool(false) => out.push(0xc2),
        Value::Bool(true) => out.push(0xc3),
        Value::UInt(u) => encode_uint(*u, out),
        Value::Int(i) if *i >= 0 => encode_uint(*i as u64, out),
        Value::Int(i) => encode_neg(*i, out),
        Value::F32(f) => {
            out.push(0xca);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::F64(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => encode_str(s.as_bytes(), out),
        Value::RawStr(b) => encode_str(b, out),
        Value::Bin(b) => {
            encode_len(b.len(), &BIN, out);
            out.extend_from_slice(b);
        }
        Value::Array(a) => {
            encode_len(a.len(), &ARRAY, out);
            for x in a {
                encode_into(x, out);
            }
        }
        Value::Map(m) => {
            encode_len(m.len(), &MAP, out);
            for (k, x) in m {
                encode_into(k, out);
                encode_into(x, out);
            }
        }
        Value::Ext(t, d) => {
            let fixext = match d.len() {
                1 => Some(0xd4),
                2 => Some(0xd5),
                4 => Some(0xd6),
                8 => Some(0xd7),
                16 => Some(0xd8),
                _ => None,
            };
            match fixext {
                Some(tag) => out.push(tag),
                None => encode_len(d.len(), &EXT, out),
            }
            out.push(*t as u8);
            out.extend_from_slice(d);
        }
    }
}

/// The headers one kind of value can give its length in: a fix form that holds it in its
/// low bits (`tag | n`, up to a maximum), and forms with an 8-, 16- or 32-bit length
/// after the tag. Not every kind has the first two.
struct LengthForms {
    fix: Option<(u8, usize)>,
    len8: Option<u8>,
    len16: u8,
    len32: u8,
}

/// fixarray / array16 / array32.
const ARRAY: LengthForms = LengthForms {
    fix: Some((0x90, 15)),
    len8: None,
    len16: 0xdc,
    len32: 0xdd,
};
/// fixmap / map16 / map32.
const MAP: LengthForms = LengthForms {
    fix: Some((0x80, 15)),
    len8: None,
    len16: 0xde,
    len32: 0xdf,
};
/// fixraw / raw16 / raw32 (the 2012 dialect): no `str8`, which m4-proxy cannot decode.
const RAW: LengthForms = LengthForms {
    fix: Some((0xa0, 31)),
    len8: None,
    len16: 0xda,
    len32: 0xdb,
};
/// bin8 / bin16 / bin32.
const BIN: LengthForms = LengthForms {
    fix: None,
    len8: Some(0xc4),
    len16: 0xc5,
    len32: 0xc6,
};
/// ext8 / ext16 / ext32 (the fixext forms go by the data's size, not its length).
const EXT: LengthForms = LengthForms {
    fix: None,
    len8: Some(0xc7),
    len16: 0xc8,
    len32: 0xc9,
};

/// The header of a value of length `n`, in the smallest of `forms` that holds it.
fn encode_len(n: usize, forms: &LengthForms, out: &mut Vec<u8>) {
    match (forms.fix, forms.len8) {
        (Some((tag, max)), _) if n <= max => out.push(tag | n as u8),
        (_, Some(tag)) if n <= 0xff => {
            out.push(tag);
            out.push(n as u8);
        }
        _ if n <= 0xffff => {
            out.push(forms.len16);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(forms.len32);
            out.extend_from_slice(&len32(n).to_be_bytes());
        }
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn encode_uint(u: u64, out: &mut Vec<u8>) {
    if u <= 0x7f {
        out.push(u as u8);
    } else if u <= 0xff {
        out.push(0xcc);
        out.push(u as u8);
    } else if u <= 0xffff {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= 0xffff_ffff {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn encode_neg(i: i64, out: &mut Vec<u8>) {
    if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i8::MIN as i64 {
        out.push(0xd0);
        out.push(i as i8 as u8);
    } else if i >= i16::MIN as i64 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i32::MIN as i64 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// A string as a raw ([`RAW`]).
fn encode_str(b: &[u8], out: &mut Vec<u8>) {
    encode_len(b.len(), &RAW, out);
    out.extend_from_slice(b);
}

// ---------------------------------------------------------------------------------------
// Decoding

/// Why bytes did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum DecodeError {
    /// The buffer ends before the value does: read more bytes and try again.
    #[error("incomplete MessagePack value (need more bytes)")]
    #[diagnostic(
        code(x8ctl::msgpack::incomplete),
        help("read more bytes and decode again")
    )]
    Incomplete,
    /// The byte 0xc1, which the spec reserves ("never used").
    #[error("reserved byte 0xc1 at offset {0}")]
    #[diagnostic(
        code(x8ctl::msgpack::reserved),
        help("the peer did not answer with MessagePack-RPC: is this port m4-proxy's 5001?")
    )]
    Reserved(usize),
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("MessagePack value nested deeper than {MAX_DEPTH} levels")]
    #[diagnostic(
        code(x8ctl::msgpack::too_deep),
        help("the peer did not answer with MessagePack-RPC: is this port m4-proxy's 5001?")
    )]
    TooDeep,
    /// A declared length above [`MAX_LEN`].
    #[error("declared length {0} exceeds the limit of {MAX_LEN}")]
    #[diagnostic(
        code(x8ctl::msgpack::too_large),
        help("the peer did not answer with MessagePack-RPC: is this port m4-proxy's 5001?")
    )]
    TooLarge(u64),
}

/// Decode one value from the start of `buf`; returns it and the number of bytes used.
pub fn decode(buf: &[u8]) -> Result<(Value, usize), DecodeError> {
    decode_hinted(buf).map_err(|(e, _)| e)
}

/// [`decode`], and on `Incomplete` also the buffer length below which trying again is
/// pointless (the end of the str/bin/ext or header the decoder stopped in).
fn decode_hinted(buf: &[u8]) -> Result<(Value, usize), (DecodeError, usize)> {
    let mut d = Decoder {
        buf,
        pos: 0,
        need: 0,
    };
    match d.value(0) {
        Ok(v) => Ok((v, d.pos)),
        Err(e) => Err((e, d.need)),
    }
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    /// On `Incomplete`: the buffer length the failed `take` needed.
    need: usize,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.saturating_add(n);
        if end > self.buf.len() {
            self.need = end;
            return Err(DecodeError::Incomplete);
        }
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn be<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn len(&mut self, width: usize) -> Result<usize, DecodeError> {
        let n: u64 = match width {
            1 => self.u8()? as u64,
            2 => u16::from_be_bytes(self.be()?) as u64,
            _ => u32::from_be_bytes(self.be()?) as u64,
        };
        if n > MAX_LEN as u64 {
            return Err(DecodeError::TooLarge(n));
        }
        Ok(n as usize)
    }
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, DecodeError> {
        Ok(self.take(n)?.to_vec())
    }
    fn str(&mut self, n: usize) -> Result<Value, DecodeError> {
        let b = self.bytes(n)?;
        Ok(match String::from_utf8(b) {
            Ok(s) => Value::Str(s),
            Err(e) => Value::RawStr(e.into_bytes()),
        })
    }
    fn ext(&mut self, n: usize) -> Result<Value, DecodeError> {
        let t = self.u8()? as i8;
        Ok(Value::Ext(t, self.bytes(n)?))
    }
    fn array(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        // Every element takes at least one byte: never reserve more than the input holds,
        // nor much at all up front (nested arrays would each reserve "the rest of the
        // input"); the vector grows as elements actually decode.
        let room = self.buf.len() - self.pos;
        let mut a = Vec::with_capacity(n.min(room).min(PREALLOC_MAX));
        for _ in 0..n {
            a.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(a))
    }
    fn map(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        let room = (self.buf.len() - self.pos) / 2;
        let mut m = Vec::with_capacity(n.min(room).min(PREALLOC_MAX));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            m.push((k, v));
        }
        Ok(Value::Map(m))
    }
    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth >= MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        let at = self.pos;
        let b = self.u8()?;
        Ok(match b {
            0x00..=0x7f => Value::UInt(b as u64),
            0x80..=0x8f => return self.map((b & 0x0f) as usize, depth),
            0x90..=0x9f => return self.array((b & 0x0f) as usize, depth),
            0xa0..=0xbf => return self.str((b & 0x1f) as usize),
            0xc0 => Value::Nil,
            0xc1 => return Err(DecodeError::Reserved(at)),
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (b - 0xc4))?;
                Value::Bin(self.bytes(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.len(1 << (b - 0xc7))?;
                return self.ext(n);
            }
            0xca => Value::F32(f32::from_be_bytes(self.be()?)),
            0xcb => Value::F64(f64::from_be_bytes(self.be()?)),
            0xcc => Value::UInt(self.u8()? as u64),
            0xcd => Value::UInt(u16::from_be_bytes(self.be()?) as u64),
            0xce => Value::UInt(u32::from_be_bytes(self.be()?) as u64),
            0xcf => Value::UInt(u64::from_be_bytes(self.be()?)),
            0xd0 => int(self.u8()? as i8 as i64),
            0xd1 => int(i16::from_be_bytes(self.be()?) as i64),
            0xd2 => int(i32::from_be_bytes(self.be()?) as i64),
            0xd3 => int(i64::from_be_bytes(self.be()?)),
            0xd4..=0xd8 => return self.ext(1 << (b - 0xd4)),
            0xd9..=0xdb => {
                let n = self.len(1 << (b - 0xd9))?;
                return self.str(n);
            }
            0xdc | 0xdd => {
                let n = self.len(if b == 0xdc { 2 } else { 4 })?;
                return self.array(n, depth);
            }
            0xde | 0xdf => {
                let n = self.len(if b == 0xde { 2 } else { 4 })?;
                return self.map(n, depth);
            }
            0xe0..=0xff => Value::Int(b as i8 as i64),
        })
    }
}

/// Signed-family integers: non-negative ones become `UInt` so equal numbers look equal.
fn int(i: i64) -> Value {
    if i >= 0 {
        Value::UInt(i as u64)
    } else {
        Value::Int(i)
    }
}

// ---------------------------------------------------------------------------------------
// Reading one value from a byte stream

/// Why [`read_value`] returned no value.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    /// The stream ended; `partial` bytes of an unfinished value had been received.
    #[error("connection closed after {partial} byte(s) of an unfinished message")]
    #[diagnostic(
        code(x8ctl::msgpack::eof),
        help("the peer closed the connection mid-message; call again")
    )]
    Eof { partial: usize },
    /// The bytes are not MessagePack (or exceed the limits).
    #[error("invalid MessagePack: {0}")]
    #[diagnostic(
        code(x8ctl::msgpack::invalid),
        help("the peer did not answer with MessagePack-RPC: is this port m4-proxy's 5001?")
    )]
    Invalid(DecodeError),
    /// A read failed (including read timeouts: `WouldBlock`/`TimedOut`).
    #[error("{0}")]
    #[diagnostic(
        code(x8ctl::msgpack::io),
        help("the connection failed; check the link to the board")
    )]
    Io(#[from] std::io::Error),
}

/// Read exactly one value from `r`. `buf` carries bytes between calls: bytes that follow the
/// value stay in `buf` for the next call (several messages per connection).
pub fn read_value(r: &mut impl std::io::Read, buf: &mut Vec<u8>) -> Result<Value, ReadError> {
    // Only decode again once the buffer reaches the length the last attempt needed: a large
    // str/bin costs a few passes, not one pass per read.
    let mut need = 1;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if buf.len() >= need {
            match decode_hinted(buf) {
                Ok((v, used)) => {
                    buf.drain(..used);
                    return Ok(v);
                }
                Err((DecodeError::Incomplete, hint)) => need = hint.max(buf.len() + 1),
                Err((e, _)) => return Err(ReadError::Invalid(e)),
            }
            if buf.len() > MAX_LEN + 64 {
                return Err(ReadError::Invalid(DecodeError::TooLarge(buf.len() as u64)));
            }
        }
        let len = buf.len();
        let n = match r.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        buf.extend_from_slice(&chunk[..n]);
        if n == 0 {
            return Err(ReadError::Eof { partial: len });
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON conversions

/// JSON → MessagePack, for command-line arguments. Integers become `UInt`/`Int`, other
/// numbers `F64`, objects maps with `Str` keys. An object that is exactly
/// `{"$bin": "<hex>"}` becomes `Bin` (the form [`to_json`] writes for binary data).
pub fn from_json(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else {
                Value::F64(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        J::String(s) => Value::Str(s.clone()),
        J::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        J::Object(o) => {
            if o.len() == 1
                && let Some(J::String(h)) = o.get("$bin")
                && let Some(b) = unhex(h)
            {
                return Value::Bin(b);
            }
            Value::Map(
                o.iter()
                    .map(|(k, v)| (Value::Str(k.clone()), from_json(v)))
                    .collect(),
            )
        }
    }
}

/// MessagePack → JSON, for `--json` output. `Bin` → `{"$bin": "<hex>"}`, `Ext` →
/// `{"$ext": type, "hex": "<hex>"}`, `RawStr` → the string with invalid bytes replaced
/// (U+FFFD), non-finite floats → `null`, map keys that are not strings → their
/// [`Display`](fmt::Display) text.
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::UInt(u) => J::from(*u),
        // Through its shortest decimal form, so 0.1f32 shows as 0.1, not 0.10000000149.
        Value::F32(f) => serde_json::Number::from_f64(f.to_string().parse().unwrap_or(*f as f64))
            .map_or(J::Null, J::Number),
        Value::F64(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.clone()),
        Value::RawStr(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::Bin(b) => serde_json::json!({ "$bin": hex(b) }),
        Value::Ext(t, d) => serde_json::json!({ "$ext": t, "hex": hex(d) }),
        Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        Value::Map(m) => {
            let mut o = serde_json::Map::new();
            for (k, x) in m {
                let key = match k {
                    Value::Str(s) => s.clone(),
                    other => other.to_string(),
                };
                o.insert(key, to_json(x));
            }
            J::Object(o)
        }
    }
}

/// A command-line argument as a value: JSON when it parses as JSON (`5`, `-1.5`, `true`,
/// `null`, `"quoted"`, `[1,2]`, `{"a":1}`, `{"$bin":"0a0b"}`), otherwise the text itself as
/// a string (so `x8ctl rpc call tty hello` sends `"hello"`).
pub fn parse_cli_arg(arg: &str) -> Value {
    match serde_json::from_str::<serde_json::Value>(arg) {
        Ok(j) => from_json(&j),
        Err(_) => Value::Str(arg.to_string()),
    }
}

impl From<&serde_json::Value> for Value {
    fn from(j: &serde_json::Value) -> Value {
        from_json(j)
    }
}
impl From<&Value> for serde_json::Value {
    fn from(v: &Value) -> serde_json::Value {
        to_json(v)
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Display

/// For humans: `nil`, `true`, `100`, `-3`, `1.5`, `"text"` (escaped), `b'0a0b'` hex for
/// binary, `[a, b]`, `{k: v}`, `ext(5, 0a0b)`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "{u}"),
            Value::F32(x) => write!(f, "{x:?}"),
            Value::F64(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "\"{}\"", s.escape_debug()),
            Value::RawStr(b) => {
                f.write_str("\"")?;
                for c in b.utf8_chunks() {
                    write!(f, "{}", c.valid().escape_debug())?;
                    for x in c.invalid() {
                        write!(f, "\\x{x:02x}")?;
                    }
                }
                f.write_str("\"")
            }
            Value::Bin(b) => write!(f, "b'{}'", hex(b)),
            Value::Array(a) => {
                f.write_str("[")?;
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("{")?;
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {x}")?;
                }
                f.write_str("}")
            }
            Value::Ext(t, d) => write!(f, "ext({t}, {})", hex(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Vec<u8> {
        unhex(&s.replace(' ', "")).unwrap()
    }

    #[test]
    fn tutorial_request_bytes() {
        let v = Value::Array(vec![
            Value::UInt(0),
            Value::UInt(0),
            Value::from("temperature"),
            Value::Array(vec![]),
        ]);
        let bytes = h("94 00 00 ab 74656d7065726174757265 90");
        assert_eq!(encode(&v), bytes);
        assert_eq!(decode(&bytes).unwrap(), (v, bytes.len()));
    }

    #[test]
    fn response_bytes() {
        // [1, 0, nil, 100]
        let v = Value::Array(vec![
            Value::UInt(1),
            Value::Int(0),
            Value::Nil,
            Value::Int(100),
        ]);
        assert_eq!(encode(&v), h("94 01 00 c0 64"));
    }

    #[test]
    fn smallest_encodings() {
        // 32..255-byte strings are raw16, never str8 (m4-proxy panics on 0xd9).
        let long = format!("da0020{}", "61".repeat(32));
        let cases: Vec<(Value, &str)> = vec![
            (Value::Nil, "c0"),
            (Value::Bool(true), "c3"),
            (Value::Bool(false), "c2"),
            (Value::UInt(127), "7f"),
            (Value::UInt(128), "cc80"),
            (Value::UInt(256), "cd0100"),
            (Value::UInt(65536), "ce00010000"),
            (Value::UInt(1 << 32), "cf0000000100000000"),
            (Value::Int(-1), "ff"),
            (Value::Int(-32), "e0"),
            (Value::Int(-33), "d0df"),
            (Value::Int(-129), "d1ff7f"),
            (Value::Int(-32769), "d2ffff7fff"),
            (Value::Int(i64::MIN), "d38000000000000000"),
            (Value::Int(200), "ccc8"),
            (Value::F32(1.5), "ca3fc00000"),
            (Value::F64(1.5), "cb3ff8000000000000"),
            (Value::from(""), "a0"),
            (Value::from("a".repeat(32)), &long),
            (Value::Bin(vec![1, 2]), "c4020102"),
            (
                Value::Map(vec![(Value::from("a"), Value::UInt(1))]),
                "81a16101",
            ),
            (Value::Ext(5, vec![1]), "d40501"),
            (Value::Ext(-1, vec![1, 2, 3]), "c703ff010203"),
        ];
        for (v, hx) in cases {
            let b = h(hx);
            assert_eq!(encode(&v), b, "encoding {v}");
            assert_eq!(decode(&b).unwrap(), (v, b.len()));
        }
        let arr16 = Value::Array(vec![Value::Nil; 16]);
        assert_eq!(&encode(&arr16)[..3], &[0xdc, 0, 16]);
        let s256 = Value::from("x".repeat(256));
        assert_eq!(&encode(&s256)[..3], &[0xda, 1, 0]);
    }

    #[test]
    fn signed_family_non_negative_decodes_as_uint() {
        assert_eq!(decode(&h("d005")).unwrap().0, Value::UInt(5));
        assert!(matches!(decode(&h("d005")).unwrap().0, Value::UInt(5)));
        assert!(matches!(decode(&h("d0fb")).unwrap().0, Value::Int(-5)));
    }

    #[test]
    fn incomplete_and_invalid() {
        let full = h("94 00 00 ab 74656d7065726174757265 90");
        for i in 0..full.len() {
            assert_eq!(
                decode(&full[..i]),
                Err(DecodeError::Incomplete),
                "prefix {i}"
            );
        }
        assert_eq!(decode(&[0xc1]), Err(DecodeError::Reserved(0)));
        assert_eq!(decode(&[0x91, 0xc1]), Err(DecodeError::Reserved(1)));
        // A 4 GiB string: refused at once, not waited for.
        assert_eq!(
            decode(&h("dbffffffff")),
            Err(DecodeError::TooLarge(0xffff_ffff))
        );
        // An array declaring 2^32-1 elements but holding none: refused, no huge allocation.
        assert!(matches!(
            decode(&h("ddffffffff")),
            Err(DecodeError::TooLarge(_))
        ));
        // Within the limit but absent: incomplete, and only what is present is reserved.
        assert_eq!(decode(&h("dd00ffffff")), Err(DecodeError::Incomplete));
        // Nested arrays each declaring 2^24 elements over 64 KiB of input: incomplete, and
        // no level reserves more than a little.
        let mut nested = Vec::new();
        for _ in 0..60 {
            nested.extend_from_slice(&[0xdd, 0x00, 0xff, 0xff, 0xff]);
        }
        nested.resize(64 * 1024, 0xc0);
        assert_eq!(decode(&nested), Err(DecodeError::Incomplete));
        let deep = vec![0x91u8; 100];
        assert_eq!(decode(&deep), Err(DecodeError::TooDeep));
        let mut ok = vec![0x91u8; MAX_DEPTH - 1];
        ok.push(0xc0);
        assert!(decode(&ok).is_ok());
    }

    #[test]
    fn invalid_utf8_is_kept() {
        let b = h("a2 ff fe");
        let (v, _) = decode(&b).unwrap();
        assert_eq!(v, Value::RawStr(vec![0xff, 0xfe]));
        assert_eq!(encode(&v), b);
        assert_eq!(v.to_string(), "\"\\xff\\xfe\"");
    }

    #[test]
    fn read_value_keeps_following_bytes() {
        let mut data = encode(&Value::UInt(1));
        data.extend(encode(&Value::from("two")));
        data.push(0x92); // unfinished
        let mut r = std::io::Cursor::new(data);
        let mut buf = Vec::new();
        assert_eq!(read_value(&mut r, &mut buf).unwrap(), Value::UInt(1));
        assert_eq!(read_value(&mut r, &mut buf).unwrap(), Value::from("two"));
        assert!(matches!(
            read_value(&mut r, &mut buf),
            Err(ReadError::Eof { partial: 1 })
        ));
        let mut empty = std::io::Cursor::new(Vec::new());
        assert!(matches!(
            read_value(&mut empty, &mut Vec::new()),
            Err(ReadError::Eof { partial: 0 })
        ));
    }

    #[test]
    fn read_value_big_and_trickled() {
        // A 3 MB bin arriving in 1-byte and 1000-byte pieces.
        struct Trickle(Vec<u8>, usize, usize);
        impl std::io::Read for Trickle {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.2.min(out.len()).min(self.0.len() - self.1);
                out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        let v = Value::Array(vec![Value::Bin(vec![7; 3_000_000]), Value::UInt(1)]);
        let b = encode(&v);
        let mut buf = Vec::new();
        assert_eq!(
            read_value(&mut Trickle(b.clone(), 0, 1000), &mut buf).unwrap(),
            v
        );
        assert!(buf.is_empty());
        let small = encode(&Value::from("temperature"));
        assert_eq!(
            read_value(&mut Trickle(small, 0, 1), &mut Vec::new()).unwrap(),
            Value::from("temperature")
        );
    }

    #[test]
    fn json_conversions() {
        let j: serde_json::Value =
            serde_json::from_str(r#"[1, -2, 1.5, "s", null, true, {"k": [1]}, {"$bin": "0a0b"}]"#)
                .unwrap();
        let v = from_json(&j);
        assert_eq!(
            v,
            Value::Array(vec![
                Value::UInt(1),
                Value::Int(-2),
                Value::F64(1.5),
                Value::from("s"),
                Value::Nil,
                Value::Bool(true),
                Value::Map(vec![(Value::from("k"), Value::Array(vec![Value::UInt(1)]))]),
                Value::Bin(vec![10, 11]),
            ])
        );
        assert_eq!(to_json(&v), j);
        assert_eq!(to_json(&Value::F64(f64::NAN)), serde_json::Value::Null);
        assert_eq!(to_json(&Value::F32(f32::INFINITY)), serde_json::Value::Null);
        assert_eq!(to_json(&Value::F32(0.1)), serde_json::json!(0.1));
        assert_eq!(
            to_json(&Value::Map(vec![(Value::UInt(1), Value::Nil)])),
            serde_json::json!({"1": null})
        );
    }

    #[test]
    fn cli_args() {
        assert_eq!(parse_cli_arg("5"), Value::UInt(5));
        assert_eq!(parse_cli_arg("-5"), Value::Int(-5));
        assert_eq!(parse_cli_arg("hello"), Value::from("hello"));
        assert_eq!(parse_cli_arg("\"5\""), Value::from("5"));
        assert_eq!(
            parse_cli_arg("[1, \"a\"]"),
            Value::Array(vec![Value::UInt(1), Value::from("a")])
        );
        assert_eq!(parse_cli_arg(""), Value::from(""));
    }

    #[test]
    fn display() {
        let v = Value::Array(vec![
            Value::Nil,
            Value::UInt(100),
            Value::F64(1.0),
            Value::from("a\"b"),
            Value::Bin(vec![1]),
            Value::Map(vec![(Value::from("k"), Value::Int(-1))]),
            Value::Ext(3, vec![0xff]),
        ]);
        assert_eq!(
            v.to_string(),
            r#"[nil, 100, 1.0, "a\"b", b'01', {"k": -1}, ext(3, ff)]"#
        );
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<u64>().prop_map(Value::UInt),
            any::<f32>().prop_map(Value::F32),
            any::<f64>().prop_map(Value::F64),
            ".{0,40}".prop_map(Value::Str),
            proptest::collection::vec(any::<u8>(), 0..300).prop_map(Value::Bin),
            (any::<i8>(), proptest::collection::vec(any::<u8>(), 0..20))
                .prop_map(|(t, d)| Value::Ext(t, d)),
        ];
        leaf.prop_recursive(4, 64, 20, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..20).prop_map(Value::Array),
                proptest::collection::vec((inner.clone(), inner), 0..18).prop_map(Value::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trip(v in arb_value()) {
            let b = encode(&v);
            let (back, used) = decode(&b).unwrap();
            prop_assert_eq!(used, b.len());
            prop_assert_eq!(&back, &v);
            // Every strict prefix is incomplete.
            if b.len() > 1 {
                prop_assert_eq!(decode(&b[..b.len() - 1]), Err(DecodeError::Incomplete));
            }
            // Re-encoding the decoded value gives the same bytes (canonical encoding).
            prop_assert_eq!(encode(&back), b);
        }

        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok((v, used)) = decode(&b) {
                prop_assert!(used <= b.len());
                // What decoded re-encodes to something that decodes to the same value.
                let again = encode(&v);
                prop_assert_eq!(decode(&again).unwrap().0, v);
            }
        }

        #[test]
        fn mutated_encodings_never_panic(
            v in arb_value(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
        ) {
            let mut b = encode(&v);
            for (i, x) in edits {
                if !b.is_empty() {
                    let n = b.len();
                    b[i % n] = x;
                }
            }
            let n = b.len();
            b.truncate(cut % (n + 1));
            let _ = decode(&b);
            let _ = read_value(&mut std::io::Cursor::new(&b), &mut Vec::new());
        }

        #[test]
        fn json_round_trip(v in arb_value()) {
            // Conversion never panics; JSON output is always serialisable.
            let j = to_json(&v);
            prop_assert!(serde_json::to_string(&j).is_ok());
            let _ = from_json(&j);
        }
    }
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let decode = [
            DecodeError::Incomplete,
            DecodeError::Reserved(0),
            DecodeError::TooDeep,
            DecodeError::TooLarge(1),
        ];
        for e in &decode {
            match e {
                DecodeError::Incomplete
                | DecodeError::Reserved(_)
                | DecodeError::TooDeep
                | DecodeError::TooLarge(_) => {}
            }
        }
        let read = [
            ReadError::Eof { partial: 1 },
            ReadError::Invalid(DecodeError::TooDeep),
            ReadError::Io(std::io::Error::from(std::io::ErrorKind::TimedOut)),
        ];
        for e in &read {
            match e {
                ReadError::Eof { .. } | ReadError::Invalid(_) | ReadError::Io(_) => {}
            }
        }
        let message = crate::rpc::message::MessageError("x".into());
        let mut dyns: Vec<&dyn miette::Diagnostic> = decode.iter().map(|e| e as _).collect();
        dyns.extend(read.iter().map(|e| e as &dyn miette::Diagnostic));
        crate::assert_diagnostics("msgpack", &dyns);
        crate::assert_diagnostics("rpc", &[&message]);
    }
}
