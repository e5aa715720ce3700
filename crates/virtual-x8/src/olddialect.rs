//! A model of the MessagePack dialect spoken by the Portenta X8's `m4_proxy`, and of how the
//! M4's rpclib/msgpack-c packs its replies.  Written from a reading of the sources; no upstream
//! code is copied.  Evidence (read-only, pinned):
//!
//! * arduino/portentax8-m4-proxy 51a9327 `proxy/main.go`, `rpc/server.go`
//! * facchinm/msgpack-go 313ca45 `unpack.go`, `pack.go` (the codec m4-proxy links, go.mod)
//! * arduino/ArduinoCore-mbed b4ad4e7 `libraries/rpclib` (msgpack-c 2.1.5), `libraries/RPC`
//! * arduino/portentax8-x8h7 c0b3550 `x8h7_drv.c`, `x8h7_ui.c`, `x8h7.h` (frame size)
//! * Go 1.17 runtime/reflect message formats (kirkstone's Go; the texts of `panic:` lines)
//!
//! Line references in the comments are to those files at those commits.

use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Values as msgpack-go hands them to m4-proxy
// ---------------------------------------------------------------------------------------------

/// A value as msgpack-go 313ca45 decodes it.  The Go dynamic type matters for re-packing and
/// for the port-5000 server, so integer widths are kept.
#[derive(Clone, Debug, PartialEq)]
pub enum OldValue {
    Nil,
    Bool(bool),
    /// Go int8/int16/int32/int64.  Positive *and* negative fixints decode as int8
    /// (unpack.go:188-189).
    Int {
        v: i64,
        bits: u8,
    },
    /// Go uint8/16/32/64 (0xcc..0xcf).
    Uint {
        v: u64,
        bits: u8,
    },
    F32(f32),
    F64(f64),
    /// Go `[]byte`: fixraw 0xa0-0xbf and raw16 0xda.
    Raw(Vec<u8>),
    /// Go `msgpack.Bytes` (a named []byte): raw32 0xdb (unpack.go:309-321).  Decodes fine, but
    /// any re-pack of it panics (pack.go:624 type assertion to []byte).
    Raw32(Vec<u8>),
    /// fixarray, 0xc4 ("ARRAY8", 8-bit count; pack.go:34, unpack.go:322-336), 0xdc, 0xdd.
    Array(Vec<OldValue>),
    Map(Vec<(OldValue, OldValue)>),
}

/// Which of m4-proxy's three decoders is reading.  They differ in small ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Port 5001: `msgpack.Unpack(c)` on the TCP conn (main.go:27), the *non-reflected* decoder:
    /// nested values go through `reflect.Value.Interface()`, so a nil anywhere panics, and map
    /// keys must be hashable Go values.
    Port5001,
    /// Port 5000: `msgpack.UnpackReflected(conn)` (server.go:60).
    Port5000,
    /// Replies/calls from the M4: `UnpackReflected(bytes.NewReader(..))` over one `read()` of
    /// /dev/x8h7_ui (main.go:64-77).  bytes.Reader: a read at the end is EOF even for a
    /// zero-length buffer; a short read before the end is *not* an error (zero padding).
    Chardev,
}

/// A Go panic that ends the whole m4_proxy process (no recover anywhere; exit status 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoPanic {
    /// `panic("unsupported code: " + strconv.Itoa(int(c)))` — unpack.go:398.
    UnsupportedCode(u8),
    /// Any other panic, with the exact value Go prints after `panic: `.
    Other(String),
}

impl GoPanic {
    /// First line Go writes to stderr (=> journal, identifier `m4_proxy`).  It is followed by an
    /// empty line, `goroutine N [running]:` and the stack of that goroutine, then exit(2).
    pub fn first_line(&self) -> String {
        match self {
            GoPanic::UnsupportedCode(c) => format!("panic: unsupported code: {c}"),
            GoPanic::Other(m) => format!("panic: {m}"),
        }
    }
}

const ZERO_IFACE: &str = "reflect: call of reflect.Value.Interface on zero Value";
const ZERO_TYPE: &str = "reflect: call of reflect.Value.Type on zero Value";
const RAW32_ASSERT: &str = "interface conversion: interface {} is msgpack.Bytes, not []uint8";

/// Why `unpack` did not produce a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unpack {
    /// The buffer ended inside the value (Go: io.EOF from the reader).
    Incomplete,
    /// m4-proxy panics on this type code (`panic: unsupported code: <decimal>`).
    Panic { code: u8 },
    /// m4-proxy panics for another reason while decoding (e.g. a nil on port 5001).
    OtherPanic(String),
}

impl Unpack {
    pub fn go_panic(&self) -> Option<GoPanic> {
        match self {
            Unpack::Incomplete => None,
            Unpack::Panic { code } => Some(GoPanic::UnsupportedCode(*code)),
            Unpack::OtherPanic(m) => Some(GoPanic::Other(m.clone())),
        }
    }
}

/// Every first byte that makes msgpack-go panic: 0xc1, 0xc5-0xc9 (bin16/32, ext8/16/32),
/// 0xd4-0xd9 (fixext1..16, str8).  Everything else is accepted (0xc4 as an array).
pub fn is_panic_code(c: u8) -> bool {
    matches!(c, 0xc1 | 0xc5..=0xc9 | 0xd4..=0xd9)
}

// ---------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------

struct Rd<'a> {
    buf: &'a [u8],
    pos: usize,
    src: Source,
}

impl Rd<'_> {
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }
    fn byte(&mut self) -> Result<u8, Unpack> {
        if self.left() == 0 {
            return Err(Unpack::Incomplete);
        }
        self.pos += 1;
        Ok(self.buf[self.pos - 1])
    }
    /// `readUintN`/`readIntN` and raw bodies: one `Read` into a zeroed buffer of `n` bytes.
    fn take(&mut self, n: usize) -> Result<Vec<u8>, Unpack> {
        match self.src {
            Source::Chardev => {
                // bytes.Reader: at end -> EOF (even for n == 0); else copy what is there.
                if self.left() == 0 {
                    return Err(Unpack::Incomplete);
                }
                let k = n.min(self.left());
                let mut v = vec![0u8; n];
                v[..k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
                self.pos += k;
                Ok(v)
            }
            // TCP: a zero-length Read returns (0, nil); we assume no short reads (the sender's
            // bytes arrived together) — Go would block for more, not fail.
            Source::Port5001 | Source::Port5000 => {
                if n == 0 {
                    return Ok(Vec::new());
                }
                if self.left() < n {
                    return Err(Unpack::Incomplete);
                }
                self.pos += n;
                Ok(self.buf[self.pos - n..self.pos].to_vec())
            }
        }
    }
    fn be(&mut self, n: usize) -> Result<u64, Unpack> {
        let b = self.take(n)?;
        Ok(b.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
    }
}

fn nonreflected(src: Source) -> bool {
    src == Source::Port5001
}

/// Go's `%v`-free type name used in the unhashable-key panic.
fn unhashable(v: &OldValue) -> Option<&'static str> {
    match v {
        OldValue::Array(_) => Some("[]interface {}"),
        OldValue::Map(_) => Some("map[interface {}]interface {}"),
        _ => None,
    }
}

fn value(r: &mut Rd) -> Result<OldValue, Unpack> {
    let c = r.byte()?;
    let v = match c {
        0x00..=0x7f | 0xe0..=0xff => OldValue::Int {
            v: c as i8 as i64,
            bits: 8,
        },
        0x80..=0x8f => map(r, (c & 0x0f) as usize)?,
        0x90..=0x9f => array(r, (c & 0x0f) as usize)?,
        0xa0..=0xbf => OldValue::Raw(r.take((c & 0x1f) as usize)?),
        0xc0 => OldValue::Nil,
        0xc2 => OldValue::Bool(false),
        0xc3 => OldValue::Bool(true),
        0xca => OldValue::F32(f32::from_bits(r.be(4)? as u32)),
        0xcb => OldValue::F64(f64::from_bits(r.be(8)?)),
        0xcc => OldValue::Uint {
            v: r.be(1)?,
            bits: 8,
        },
        0xcd => OldValue::Uint {
            v: r.be(2)?,
            bits: 16,
        },
        0xce => OldValue::Uint {
            v: r.be(4)?,
            bits: 32,
        },
        0xcf => OldValue::Uint {
            v: r.be(8)?,
            bits: 64,
        },
        0xd0 => OldValue::Int {
            v: r.be(1)? as u8 as i8 as i64,
            bits: 8,
        },
        0xd1 => OldValue::Int {
            v: r.be(2)? as u16 as i16 as i64,
            bits: 16,
        },
        0xd2 => OldValue::Int {
            v: r.be(4)? as u32 as i32 as i64,
            bits: 32,
        },
        0xd3 => OldValue::Int {
            v: r.be(8)? as i64,
            bits: 64,
        },
        0xda => {
            let n = r.be(2)? as usize;
            OldValue::Raw(r.take(n)?)
        }
        0xdb => {
            let n = r.be(4)? as usize;
            OldValue::Raw32(r.take(n)?)
        }
        // 0xc4 is read as an array with an 8-bit count (the 2022 patch "ARRAY8"): a bin8's
        // bytes are decoded one by one as msgpack values.
        0xc4 => {
            let n = r.byte()? as usize;
            array(r, n)?
        }
        0xdc => {
            let n = r.be(2)? as usize;
            array(r, n)?
        }
        0xdd => {
            let n = r.be(4)? as usize;
            array(r, n)?
        }
        0xde => {
            let n = r.be(2)? as usize;
            map(r, n)?
        }
        0xdf => {
            let n = r.be(4)? as usize;
            map(r, n)?
        }
        _ => {
            debug_assert!(is_panic_code(c));
            return Err(Unpack::Panic { code: c });
        }
    };
    Ok(v)
}

fn array(r: &mut Rd, n: usize) -> Result<OldValue, Unpack> {
    let mut out = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let v = value(r)?;
        // unpackArray stores v.Interface(): a nil element is a zero reflect.Value -> panic.
        if nonreflected(r.src) && v == OldValue::Nil {
            return Err(Unpack::OtherPanic(ZERO_IFACE.into()));
        }
        out.push(v);
    }
    Ok(OldValue::Array(out))
}

fn map(r: &mut Rd, n: usize) -> Result<OldValue, Unpack> {
    let mut out: Vec<(OldValue, OldValue)> = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let k = value(r)?;
        let v = value(r)?;
        if nonreflected(r.src) {
            // unpackMap: k.Type() first, then the map store of v.Interface().
            if k == OldValue::Nil {
                return Err(Unpack::OtherPanic(ZERO_TYPE.into()));
            }
            if v == OldValue::Nil {
                return Err(Unpack::OtherPanic(ZERO_IFACE.into()));
            }
            if let Some(t) = unhashable(&k) {
                return Err(Unpack::OtherPanic(format!(
                    "runtime error: hash of unhashable type {t}"
                )));
            }
            // Go map: a repeated key replaces the earlier one.  (Go compares dynamic types too:
            // int8(1) and int16(1) are distinct keys; we compare our values, which keep widths.)
            let kk = match k {
                OldValue::Raw(b) | OldValue::Raw32(b) => OldValue::Raw(b), // raw keys become Go strings
                other => other,
            };
            if let Some(slot) = out.iter_mut().find(|(x, _)| *x == kk) {
                slot.1 = v;
            } else {
                out.push((kk, v));
            }
        } else {
            out.push((k, v));
        }
    }
    Ok(OldValue::Map(out))
}

/// Decode one value the way port 5001's decoder does (`msgpack.Unpack` on the connection),
/// returning it and the number of bytes consumed.  Also models `data.Interface()` in
/// main.go:35 (a top-level nil panics there).
pub fn unpack(buf: &[u8]) -> Result<(OldValue, usize), Unpack> {
    let (v, n) = unpack_from(buf, Source::Port5001)?;
    if v == OldValue::Nil {
        return Err(Unpack::OtherPanic(ZERO_IFACE.into()));
    }
    Ok((v, n))
}

/// Decode one value with the given decoder.
pub fn unpack_from(buf: &[u8], src: Source) -> Result<(OldValue, usize), Unpack> {
    let mut r = Rd { buf, pos: 0, src };
    let v = value(&mut r)?;
    Ok((v, r.pos))
}

// ---------------------------------------------------------------------------------------------
// Encoder (msgpack-go pack.go)
// ---------------------------------------------------------------------------------------------

fn uint_min(out: &mut Vec<u8>, v: u64) {
    // PackUint64 -> 32 -> 16 -> 8 (pack.go:67-100): thresholds 128, 256, 65536, 2^32.
    if v >= 1 << 32 {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    } else if v >= 1 << 16 {
        out.push(0xce);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else if v >= 256 {
        out.push(0xcd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v >= 128 {
        out.extend_from_slice(&[0xcc, v as u8]);
    } else {
        out.push(v as u8);
    }
}

fn int_min(out: &mut Vec<u8>, v: i64) {
    // PackInt64 -> 32 -> 16 -> 8 (pack.go:114-147): positive values stay signed (0xd1.. for >=128).
    if !(-(1i64 << 31)..(1i64 << 31)).contains(&v) {
        out.push(0xd3);
        out.extend_from_slice(&v.to_be_bytes());
    } else if !(-32768..32768).contains(&v) {
        out.push(0xd2);
        out.extend_from_slice(&(v as i32).to_be_bytes());
    } else if !(-128..128).contains(&v) {
        out.push(0xd1);
        out.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v < -32 {
        out.extend_from_slice(&[0xd0, v as i8 as u8]);
    } else {
        out.push(v as i8 as u8);
    }
}

/// PackBytes (pack.go:184-207).  The raw16 header is written as `{0xda, len>>16, len}`: its
/// high byte is always 0 and the length field is `len % 256` for 32..65535.
fn raw(out: &mut Vec<u8>, b: &[u8]) {
    let l = b.len();
    if l < 32 {
        out.push(0xa0 | l as u8);
    } else if l < 65536 {
        out.extend_from_slice(&[0xda, (l >> 16) as u8, l as u8]);
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(l as u32).to_be_bytes());
    }
    out.extend_from_slice(b);
}

fn len_hdr(out: &mut Vec<u8>, n: usize, fix: u8, h16: u8, h32: u8) {
    if n < 16 {
        out.push(fix | n as u8);
    } else if n < 65536 {
        out.extend_from_slice(&[h16, (n >> 8) as u8, n as u8]);
    } else {
        out.push(h32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// `PackValue` — used for everything nested inside an array or map (pack.go:729-758).
fn pack_nested(out: &mut Vec<u8>, v: &OldValue) -> Result<(), GoPanic> {
    match v {
        OldValue::Nil => out.push(0xc0),
        OldValue::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        OldValue::Uint { v, .. } => uint_min(out, *v),
        OldValue::Int { v, .. } => int_min(out, *v),
        // Float32 and Float64 kinds: PackFloat64(v.Float()) -> PackUint64(IEEE bits of the f64).
        OldValue::F32(f) => uint_min(out, (*f as f64).to_bits()),
        OldValue::F64(f) => uint_min(out, f.to_bits()),
        OldValue::Raw(b) => raw(out, b),
        OldValue::Raw32(_) => return Err(GoPanic::Other(RAW32_ASSERT.into())),
        OldValue::Array(a) => {
            len_hdr(out, a.len(), 0x90, 0xdc, 0xdd);
            for x in a {
                pack_nested(out, x)?;
            }
        }
        // Go ranges over MapKeys(): the order is random on the real proxy.
        OldValue::Map(m) => {
            len_hdr(out, m.len(), 0x80, 0xde, 0xdf);
            for (k, x) in m {
                pack_nested(out, k)?;
                pack_nested(out, x)?;
            }
        }
    }
    Ok(())
}

/// `msgpack.Pack(&buf, data.Interface())` as main.go:35 calls it, without panicking: the top
/// level goes through Pack's type switch (pack.go:761-822), where a float32 is PackFloat32 =
/// its 32 IEEE bits as an unsigned int; nested floats are always the 64 bits of the f64.
pub fn try_pack(v: &OldValue) -> Result<Vec<u8>, GoPanic> {
    let mut out = Vec::new();
    match v {
        OldValue::F32(f) => uint_min(&mut out, f.to_bits() as u64),
        other => pack_nested(&mut out, other)?,
    }
    Ok(out)
}

/// As msgpack-go packs it.  Panics (like m4_proxy) if `v` holds a raw32 value.
pub fn pack(v: &OldValue) -> Vec<u8> {
    match try_pack(v) {
        Ok(b) => b,
        Err(p) => panic!("{}", p.first_line()),
    }
}

// ---------------------------------------------------------------------------------------------
// The M4 side: rpclib / msgpack-c 2.1.5
// ---------------------------------------------------------------------------------------------

/// How msgpack-c 2.1.5 (ArduinoCore-mbed's rpclib) packs a value.  Identical to
/// `rmpv::encode::write_value` for every value except a `String` holding invalid UTF-8, which
/// rmpv writes as bin and msgpack-c (std::string) writes as str.  Rules: str fixstr <32,
/// **str8 0xd9 for 32..255**, str16, str32; bin8/16/32; float 0xca, double 0xcb; positive ints
/// as fixint/0xcc..0xcf, negative as fixneg/0xd0..0xd3, minimal; fixarray/array16/32; maps
/// likewise; ext as fixext1/2/4/8/16 or ext8/16/32.
pub fn pack_like_msgpack_c(v: &rmpv::Value) -> Vec<u8> {
    let mut out = Vec::new();
    mc(&mut out, v);
    out
}

fn mc(out: &mut Vec<u8>, v: &rmpv::Value) {
    use rmp::encode as e;
    use rmpv::Value as V;
    // Writing into a Vec cannot fail.
    match v {
        V::String(s) => {
            let b = s.as_bytes();
            e::write_str_len(out, b.len() as u32).unwrap();
            out.extend_from_slice(b);
        }
        V::Array(a) => {
            e::write_array_len(out, a.len() as u32).unwrap();
            a.iter().for_each(|x| mc(out, x));
        }
        V::Map(m) => {
            e::write_map_len(out, m.len() as u32).unwrap();
            for (k, x) in m {
                mc(out, k);
                mc(out, x);
            }
        }
        other => rmpv::encode::write_value(out, other).unwrap(),
    }
}

/// The M4's reply to a call (rpclib response.cpp: tuple<uint32,uint32,object,object>):
/// `[1, id, error, result]`, `error`/`result` nil when absent.
pub fn m4_reply(id: u32, error: Option<&str>, result: rmpv::Value) -> Vec<u8> {
    use rmpv::Value as V;
    let err = error.map(V::from).unwrap_or(V::Nil);
    pack_like_msgpack_c(&V::Array(vec![V::from(1u32), V::from(id), err, result]))
}

/// rpclib dispatcher.cpp:81-84, text of the error for an unbound name.  Always >= 64 bytes.
pub fn rpclib_no_such_function(name: &str, argc: usize) -> String {
    format!("rpclib: server could not find function '{name}' with argument count {argc}.")
}

/// rpclib dispatcher.cpp:120-130 + client_error.cpp:10-11 + dispatcher.cpp:48-50.
pub fn rpclib_wrong_arity(name: &str, expected: usize, got: usize) -> String {
    format!(
        "rpclib: client error C0002: Function '{name}' was called with an invalid number of \
         arguments. Expected: {expected}, got: {got}"
    )
}

// ---------------------------------------------------------------------------------------------
// The proxy around the codec
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind5001 {
    /// byte 1 of the re-packed message is 0: wait up to 1 s on the shared reply queue.
    Request,
    /// byte 1 is 2: close at once.
    Notification,
    /// anything else: written to the M4 anyway, then closed at once.
    Other,
}

/// What one connection to port 5001 does with the first message it reads (main.go:26-56).
#[derive(Clone, Debug, PartialEq)]
pub enum At5001 {
    /// Decoder error (the bytes ended early, e.g. connect-then-close): m4-proxy prints the
    /// error (`EOF`) on stdout and returns **without closing** the socket; nothing reaches the M4.
    DecodeError,
    /// Panic before anything was written to the M4.
    Panic(GoPanic),
    /// The re-packed bytes were written to /dev/x8h7_ui, then the process panicked because
    /// they are shorter than 2 bytes (`buf.Bytes()[1]`, main.go:38).
    PanicAfterWrite { to_m4: Vec<u8>, panic: GoPanic },
    Forward {
        to_m4: Vec<u8>,
        consumed: usize,
        kind: Kind5001,
    },
}

pub fn at_5001(buf: &[u8]) -> At5001 {
    let (v, consumed) = match unpack(buf) {
        Ok(x) => x,
        Err(Unpack::Incomplete) => return At5001::DecodeError,
        Err(e) => return At5001::Panic(e.go_panic().unwrap()),
    };
    let to_m4 = match try_pack(&v) {
        Ok(b) => b,
        Err(p) => return At5001::Panic(p),
    };
    if to_m4.len() < 2 {
        let panic = GoPanic::Other(format!(
            "runtime error: index out of range [1] with length {}",
            to_m4.len()
        ));
        return At5001::PanicAfterWrite { to_m4, panic };
    }
    let kind = match to_m4[1] {
        0 => Kind5001::Request,
        2 => Kind5001::Notification,
        _ => Kind5001::Other,
    };
    At5001::Forward {
        to_m4,
        consumed,
        kind,
    }
}

/// One message found in a read() of /dev/x8h7_ui (main.go:74-140).
#[derive(Clone, Debug, PartialEq)]
pub enum FromM4 {
    /// type 1: the original bytes go on the shared reply queue (first waiting 5001 caller, or
    /// the next one if nobody waits).
    Response(Vec<u8>),
    /// type 0 or 2: dial `:PORT` registered for `method` (`:0` if none: dial fails, dropped
    /// silently), write the original bytes; for a request relay the answer back.
    Call {
        method: Vec<u8>,
        request: bool,
        bytes: Vec<u8>,
    },
    /// decoded value is not an array: skipped.
    Skipped,
}

fn kind_name(v: &OldValue) -> String {
    match v {
        OldValue::Nil => "zero".into(),
        OldValue::Bool(_) => "bool".into(),
        OldValue::Int { bits, .. } => format!("int{bits}"),
        OldValue::Uint { bits, .. } => format!("uint{bits}"),
        OldValue::F32(_) => "float32".into(),
        OldValue::F64(_) => "float64".into(),
        OldValue::Raw(_) | OldValue::Raw32(_) | OldValue::Array(_) => "slice".into(),
        OldValue::Map(_) => "map".into(),
    }
}

fn reflect_err(method: &str, v: &OldValue) -> GoPanic {
    let k = kind_name(v);
    if k == "zero" {
        GoPanic::Other(format!(
            "reflect: call of reflect.Value.{method} on zero Value"
        ))
    } else {
        GoPanic::Other(format!(
            "reflect: call of reflect.Value.{method} on {k} Value"
        ))
    }
}

/// Split one read() of /dev/x8h7_ui into messages as chardevListener does.  Stops at the first
/// decoder EOF (the rest of the read is discarded) or at a panic.
pub fn from_m4(buf: &[u8]) -> (Vec<FromM4>, Option<GoPanic>) {
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let (msg, n) = match unpack_from(&buf[start..], Source::Chardev) {
            Ok(x) => x,
            Err(Unpack::Incomplete) => return (out, None),
            Err(e) => return (out, e.go_panic()),
        };
        let bytes = buf[start..start + n].to_vec();
        start += n;
        let OldValue::Array(req) = msg else {
            out.push(FromM4::Skipped);
            continue;
        };
        let idx = |i: usize| -> Result<&OldValue, GoPanic> {
            req.get(i).ok_or_else(|| {
                GoPanic::Other(format!(
                    "runtime error: index out of range [{i}] with length {}",
                    req.len()
                ))
            })
        };
        let t = match idx(0) {
            Ok(OldValue::Int { v, .. }) => *v,
            Ok(other) => return (out, Some(reflect_err("Int", other))),
            Err(p) => return (out, Some(p)),
        };
        if t == 1 {
            out.push(FromM4::Response(bytes));
            continue;
        }
        let f = match t {
            0 => idx(2),
            2 => idx(1),
            _ => Ok(&OldValue::Nil), // msgFunction stays the zero reflect.Value
        };
        let method = match f {
            Ok(OldValue::Raw(b)) | Ok(OldValue::Raw32(b)) => b.clone(),
            Ok(OldValue::Array(_)) => {
                return (
                    out,
                    Some(GoPanic::Other(
                        "reflect.Value.Bytes of non-byte slice".into(),
                    )),
                );
            }
            Ok(other) => return (out, Some(reflect_err("Bytes", other))),
            Err(p) => return (out, Some(p)),
        };
        out.push(FromM4::Call {
            method,
            request: t == 0,
            bytes,
        });
    }
}

/// The H7 link (x8h7 c0b3550): the driver queues a message only if 4+len < 256; the SPI frame
/// is 256 bytes (4 header + 4 sub-header + 248 data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Whole,
    /// 249..=251 bytes: queued, but only the first 248 fit in the 256-byte frame [inferred].
    CutTo248,
    /// 252 bytes or more: -ENOMEM, kernel printk `x8h7_pkt_enq failed with -12`; write() still
    /// reports success to m4-proxy; nothing is sent.
    Dropped,
}

pub fn h7_link(len: usize) -> Link {
    match len {
        0..=248 => Link::Whole,
        249..=251 => Link::CutTo248,
        _ => Link::Dropped,
    }
}

/// Port 5000 (rpc/server.go Run + HandleRPCRequest + main.go register), per message.
#[derive(Clone, Debug, PartialEq)]
pub enum At5000 {
    Incomplete,
    Panic(GoPanic),
    /// Logged `msgpack: YYYY/MM/DD HH:MM:SS Invalid message format` (stderr); no reply; the
    /// connection stays open for the next message.
    InvalidFormat,
    /// An error reply `[1, id, "<msg>", nil]` (raw string, old dialect); also logged.
    ErrorReply {
        msg: String,
        reply: Vec<u8>,
    },
    /// Registered; stdout line from `register_log_line`; reply `[1, id, nil, ""]` for a
    /// request, none for a notification.
    Registered {
        port: u64,
        names: Vec<Vec<u8>>,
        reply: Option<Vec<u8>>,
    },
}

fn reply_5000(id: i64, err: Option<&str>) -> Vec<u8> {
    let mut out = vec![0x94, 0x01];
    int_min(&mut out, id); // PackInt(msgId)
    match err {
        None => out.extend_from_slice(&[0xc0, 0xa0]), // nil error, PackValue("") = fixraw 0
        Some(m) => {
            raw(&mut out, m.as_bytes());
            out.push(0xc0);
        }
    }
    out
}

pub fn at_5000(buf: &[u8]) -> At5000 {
    let v = match unpack_from(buf, Source::Port5000) {
        Ok((v, _)) => v,
        Err(Unpack::Incomplete) => return At5000::Incomplete,
        Err(e) => return At5000::Panic(e.go_panic().unwrap()),
    };
    let OldValue::Array(req) = v else {
        return At5000::InvalidFormat;
    };
    let oob = |i: usize| {
        At5000::Panic(GoPanic::Other(format!(
            "runtime error: index out of range [{i}] with length {}",
            req.len()
        )))
    };
    let Some(t) = req.first() else { return oob(0) };
    let OldValue::Int { v: t, .. } = *t else {
        return At5000::InvalidFormat;
    };
    let mut i = 1;
    let mut id = 0i64;
    if t == 0 {
        match req.get(1) {
            None => return oob(1),
            // Int kinds or uint32 only; uint8/16/64 msgids are "Invalid message format".
            Some(OldValue::Int { v, .. }) => id = *v,
            Some(OldValue::Uint { v, bits: 32 }) => id = *v as i64,
            Some(_) => return At5000::InvalidFormat,
        }
        i = 2;
    }
    let name = match req.get(i) {
        None => return oob(i),
        Some(OldValue::Raw(b)) => b.clone(),
        Some(_) => return At5000::InvalidFormat,
    };
    if t != 0 && t != 2 {
        return At5000::InvalidFormat;
    }
    let args: Vec<OldValue> = match req.get(i + 1) {
        None => return oob(i + 1),
        Some(OldValue::Array(a)) => a.clone(),
        Some(OldValue::Raw(b)) => vec![OldValue::Raw(b.clone())],
        Some(OldValue::Raw32(_)) => return At5000::Panic(GoPanic::Other(RAW32_ASSERT.into())),
        Some(other) => vec![other.clone()],
    };
    if name != b"register" {
        // Resolve returns the zero reflect.Value; f.Type() panics.
        return At5000::Panic(GoPanic::Other(ZERO_TYPE.into()));
    }
    let err = |msg: String| At5000::ErrorReply {
        reply: reply_5000(id, Some(&msg)),
        msg,
    };
    if args.len() != 2 {
        return err(format!(
            "The number of the given arguments ({}) doesn't match the arity (2)",
            args.len()
        ));
    }
    let port = match &args[0] {
        OldValue::Uint { v, .. } => *v,
        OldValue::Int { v, .. } => *v as u64,
        OldValue::Nil => return At5000::Panic(GoPanic::Other(ZERO_TYPE.into())),
        other => {
            return err(format!(
                "The type of argument #0 doesn't match (uint expected, got {})",
                go_type(other)
            ));
        }
    };
    let names = match &args[1] {
        OldValue::Array(a) => a,
        OldValue::Nil => return At5000::Panic(GoPanic::Other(ZERO_TYPE.into())),
        other => {
            return err(format!(
                "The type of argument #1 doesn't match ([]reflect.Value expected, got {})",
                go_type(other)
            ));
        }
    };
    let mut out = Vec::new();
    for n in names {
        match n {
            OldValue::Raw(b) | OldValue::Raw32(b) => out.push(b.clone()),
            OldValue::Array(_) => {
                return At5000::Panic(GoPanic::Other(
                    "reflect.Value.Bytes of non-byte slice".into(),
                ));
            }
            other => return At5000::Panic(reflect_err("Bytes", other)),
        }
    }
    let reply = if t == 0 {
        Some(reply_5000(id, None))
    } else {
        None
    };
    At5000::Registered {
        port,
        names: out,
        reply,
    }
}

fn go_type(v: &OldValue) -> String {
    match v {
        OldValue::Raw(_) => "[]uint8".into(),
        OldValue::Raw32(_) => "msgpack.Bytes".into(),
        OldValue::Array(_) => "[]reflect.Value".into(),
        OldValue::Map(_) => "map[interface {}]reflect.Value".into(),
        other => kind_name(other),
    }
}

/// The stdout line of `register()` (main.go:166): fmt.Println puts a space between every
/// operand, hence the double spaces; Go prints maps with sorted keys.
pub fn register_log_line(port: u64, table: &BTreeMap<String, u64>) -> String {
    let body: Vec<String> = table.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!(
        "Registering service on port  {port}  with functions  map[{}]",
        body.join(" ")
    )
}

// ---------------------------------------------------------------------------------------------
// What x8ctl may send: a checked encoder for the old dialect
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Float,
    Nil,
    Binary,
    Ext,
    /// m4-proxy re-packs raws of 256+ bytes with a wrong length.
    LongString(usize),
    /// The re-packed message would not cross the H7 link whole.
    TooLarge(usize),
}

fn safe(out: &mut Vec<u8>, v: &rmpv::Value) -> Result<(), Refused> {
    use rmpv::Value as V;
    match v {
        V::Nil => return Err(Refused::Nil),
        V::F32(_) | V::F64(_) => return Err(Refused::Float),
        V::Binary(_) => return Err(Refused::Binary),
        V::Ext(..) => return Err(Refused::Ext),
        V::String(s) => {
            let b = s.as_bytes();
            if b.len() >= 256 {
                return Err(Refused::LongString(b.len()));
            }
            raw(out, b); // fixraw or raw16 (correct below 256)
        }
        V::Boolean(_) | V::Integer(_) => rmpv::encode::write_value(out, v).unwrap(),
        V::Array(a) => {
            len_hdr(out, a.len(), 0x90, 0xdc, 0xdd);
            for x in a {
                safe(out, x)?;
            }
        }
        V::Map(m) => {
            len_hdr(out, m.len(), 0x80, 0xde, 0xdf);
            for (k, x) in m {
                safe(out, k)?;
                safe(out, x)?;
            }
        }
    }
    Ok(())
}

/// Encode a request/notification so that m4-proxy neither panics nor alters it: strings as
/// fixraw/raw16, no nil/float/bin/ext, and at most 248 bytes after m4-proxy's re-pack.
pub fn encode_for_m4_proxy(v: &rmpv::Value) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    safe(&mut out, v)?;
    match at_5001(&out) {
        At5001::Forward { to_m4, .. } if h7_link(to_m4.len()) == Link::Whole => Ok(out),
        At5001::Forward { to_m4, .. } => Err(Refused::TooLarge(to_m4.len())),
        other => unreachable!("checked encoder produced {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use rmpv::Value as V;

    fn rmpv_bytes(v: &V) -> Vec<u8> {
        let mut b = Vec::new();
        rmpv::encode::write_value(&mut b, v).unwrap();
        b
    }

    #[test]
    fn panic_codes_are_exactly_these() {
        let expect: Vec<u8> = [0xc1u8]
            .into_iter()
            .chain(0xc5..=0xc9)
            .chain(0xd4..=0xd9)
            .collect();
        let got: Vec<u8> = (0u8..=255).filter(|c| is_panic_code(*c)).collect();
        assert_eq!(got, expect);
        for c in 0u8..=255 {
            let r = unpack_from(&[c, 0, 0, 0, 0, 0, 0, 0, 0], Source::Port5000);
            assert_eq!(
                matches!(r, Err(Unpack::Panic { code }) if code == c),
                is_panic_code(c),
                "{c:#x}"
            );
        }
    }

    #[test]
    fn str8_panics_with_217() {
        let s = "x".repeat(40);
        let b = rmpv_bytes(&V::Array(vec![
            V::from(0),
            V::from(1),
            V::from("greet"),
            V::Array(vec![V::from(s.as_str())]),
        ]));
        let e = unpack(&b).unwrap_err();
        assert_eq!(e, Unpack::Panic { code: 217 });
        assert_eq!(
            e.go_panic().unwrap().first_line(),
            "panic: unsupported code: 217"
        );
    }

    #[test]
    fn accepted_scalars() {
        assert_eq!(
            unpack(&[0x05]).unwrap(),
            (OldValue::Int { v: 5, bits: 8 }, 1)
        );
        assert_eq!(
            unpack(&[0xff]).unwrap(),
            (OldValue::Int { v: -1, bits: 8 }, 1)
        );
        assert_eq!(
            unpack(&[0xcd, 1, 0x2c]).unwrap(),
            (OldValue::Uint { v: 300, bits: 16 }, 3)
        );
        assert_eq!(
            unpack(&[0xd0, 0x80]).unwrap(),
            (OldValue::Int { v: -128, bits: 8 }, 2)
        );
        assert_eq!(
            unpack(&[0xca, 0x3f, 0xc0, 0, 0]).unwrap(),
            (OldValue::F32(1.5), 5)
        );
        assert_eq!(
            unpack(&[0xa2, b'h', b'i']).unwrap(),
            (OldValue::Raw(b"hi".to_vec()), 3)
        );
        assert_eq!(
            unpack(&[0xda, 0, 2, b'h', b'i']).unwrap(),
            (OldValue::Raw(b"hi".to_vec()), 5)
        );
        assert_eq!(
            unpack(&[0xdb, 0, 0, 0, 1, b'h']).unwrap(),
            (OldValue::Raw32(b"h".to_vec()), 6)
        );
        assert_eq!(unpack(&[0x92, 0x01]).unwrap_err(), Unpack::Incomplete);
    }

    #[test]
    fn c4_is_an_array8() {
        // [2, "tty", [bin8 "hi\n"]] as SerialRPC sends it
        let b = pack_like_msgpack_c(&V::Array(vec![
            V::from(2),
            V::from("tty"),
            V::Array(vec![V::Binary(b"hi\n".to_vec())]),
        ]));
        assert_eq!(
            b,
            [
                0x93, 0x02, 0xa3, b't', b't', b'y', 0x91, 0xc4, 3, b'h', b'i', b'\n'
            ]
        );
        let (v, n) = unpack_from(&b, Source::Chardev).unwrap();
        assert_eq!(n, b.len());
        let OldValue::Array(a) = v else { panic!() };
        assert_eq!(
            a[2],
            OldValue::Array(vec![OldValue::Array(vec![
                OldValue::Int {
                    v: b'h' as i64,
                    bits: 8
                },
                OldValue::Int {
                    v: b'i' as i64,
                    bits: 8
                },
                OldValue::Int { v: 10, bits: 8 }
            ])])
        );
        // UTF-8 "ř" = c5 99 inside the bin8: the decoder meets 0xc5
        let b = pack_like_msgpack_c(&V::Array(vec![
            V::from(2),
            V::from("tty"),
            V::Array(vec![V::Binary("ř".as_bytes().to_vec())]),
        ]));
        assert_eq!(from_m4(&b).1, Some(GoPanic::UnsupportedCode(0xc5)));
    }

    #[test]
    fn nil_on_5001_panics_but_not_elsewhere() {
        let b = [0x94, 0x00, 0x01, 0xa1, b'f', 0x91, 0xc0];
        assert_eq!(
            unpack(&b).unwrap_err(),
            Unpack::OtherPanic(ZERO_IFACE.into())
        );
        assert_eq!(
            unpack(&[0xc0]).unwrap_err(),
            Unpack::OtherPanic(ZERO_IFACE.into())
        );
        assert!(unpack_from(&b, Source::Port5000).is_ok());
        // M4 reply [1, 7, nil, 3] is fine on the chardev side
        assert_eq!(
            from_m4(&[0x94, 1, 7, 0xc0, 3]),
            (vec![FromM4::Response(vec![0x94, 1, 7, 0xc0, 3])], None)
        );
    }

    #[test]
    fn unhashable_map_key_on_5001() {
        assert_eq!(
            unpack(&[0x81, 0x90, 0x01]).unwrap_err(),
            Unpack::OtherPanic("runtime error: hash of unhashable type []interface {}".into())
        );
    }

    #[test]
    fn floats_are_repacked_as_their_bits() {
        // nested f64 1.5 -> uint64 0x3ff8000000000000
        let (v, _) = unpack(&[0x91, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(pack(&v), [0x91, 0xcf, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
        // nested f32 1.5 -> widened to f64 first -> same 9 bytes
        let (v, _) = unpack(&[0x91, 0xca, 0x3f, 0xc0, 0, 0]).unwrap();
        assert_eq!(pack(&v), [0x91, 0xcf, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
        // top-level f32 -> PackFloat32 -> uint32 bits
        assert_eq!(pack(&OldValue::F32(1.5)), [0xce, 0x3f, 0xc0, 0, 0]);
        // 0.0 -> 0x00
        assert_eq!(
            pack(&OldValue::Array(vec![OldValue::F64(0.0)])),
            [0x91, 0x00]
        );
    }

    #[test]
    fn raw_lengths_and_the_256_bug() {
        assert_eq!(&pack(&OldValue::Raw(vec![b'a'; 31]))[..1], [0xbf]);
        assert_eq!(&pack(&OldValue::Raw(vec![b'a'; 40]))[..3], [0xda, 0x00, 40]);
        assert_eq!(
            &pack(&OldValue::Raw(vec![b'a'; 255]))[..3],
            [0xda, 0x00, 255]
        );
        let p = pack(&OldValue::Raw(vec![b'a'; 300]));
        assert_eq!(&p[..3], [0xda, 0x00, 44]); // 300 % 256
        assert_eq!(p.len(), 303);
        assert_eq!(
            &pack(&OldValue::Raw(vec![0; 65536]))[..5],
            [0xdb, 0, 1, 0, 0]
        );
        assert_eq!(
            try_pack(&OldValue::Array(vec![OldValue::Raw32(vec![1])])),
            Err(GoPanic::Other(RAW32_ASSERT.into()))
        );
    }

    #[test]
    fn ints_are_normalised() {
        assert_eq!(pack(&OldValue::Int { v: 100, bits: 16 }), [100]);
        assert_eq!(pack(&OldValue::Int { v: 200, bits: 8 }), [0xd1, 0, 200]);
        assert_eq!(pack(&OldValue::Int { v: -33, bits: 64 }), [0xd0, 0xdf]);
        assert_eq!(pack(&OldValue::Int { v: -32, bits: 64 }), [0xe0]);
        assert_eq!(pack(&OldValue::Uint { v: 200, bits: 64 }), [0xcc, 200]);
        assert_eq!(
            pack(&OldValue::Uint { v: 70000, bits: 64 }),
            [0xce, 0, 1, 0x11, 0x70]
        );
        // array16 with 3 elements comes back as a fixarray
        let (v, _) = unpack(&[0xdc, 0, 3, 1, 2, 3]).unwrap();
        assert_eq!(pack(&v), [0x93, 1, 2, 3]);
    }

    #[test]
    fn msgpack_c_packing() {
        assert_eq!(
            &pack_like_msgpack_c(&V::from("x".repeat(31).as_str()))[..1],
            [0xbf]
        );
        assert_eq!(
            &pack_like_msgpack_c(&V::from("x".repeat(40).as_str()))[..2],
            [0xd9, 40]
        );
        assert_eq!(
            &pack_like_msgpack_c(&V::from("x".repeat(256).as_str()))[..3],
            [0xda, 1, 0]
        );
        assert_eq!(pack_like_msgpack_c(&V::F32(1.5)), [0xca, 0x3f, 0xc0, 0, 0]);
        assert_eq!(pack_like_msgpack_c(&V::from(-33)), [0xd0, 0xdf]);
        assert_eq!(pack_like_msgpack_c(&V::from(200)), [0xcc, 200]);
        assert_eq!(pack_like_msgpack_c(&V::Binary(vec![1, 2])), [0xc4, 2, 1, 2]);
        // identical to rmpv's encoder for valid values
        let v = V::Array(vec![
            V::from(1),
            V::from(9),
            V::Nil,
            V::Map(vec![(V::from("k"), V::F64(2.0))]),
            V::from("y".repeat(100).as_str()),
        ]);
        assert_eq!(pack_like_msgpack_c(&v), rmpv_bytes(&v));
        // but not for a non-UTF-8 string: msgpack-c keeps it a str, rmpv writes bin
        let raw_bad = rmpv::decode::read_value(&mut &[0xa2u8, 0xff, 0xfe][..]).unwrap();
        assert_eq!(pack_like_msgpack_c(&raw_bad), [0xa2, 0xff, 0xfe]);
        assert_eq!(rmpv_bytes(&raw_bad), [0xc4, 2, 0xff, 0xfe]);
    }

    #[test]
    fn rpclib_errors_kill_the_proxy() {
        let m = rpclib_no_such_function("gas", 0);
        assert_eq!(
            m,
            "rpclib: server could not find function 'gas' with argument count 0."
        );
        assert_eq!(rpclib_no_such_function("", 0).len(), 64);
        let reply = m4_reply(3, Some(&m), V::Nil);
        assert_eq!(&reply[..5], [0x94, 0x01, 0x03, 0xd9, m.len() as u8]);
        assert_eq!(
            from_m4(&reply),
            (vec![], Some(GoPanic::UnsupportedCode(217)))
        );
        let a = rpclib_wrong_arity("temperature", 0, 1);
        assert!(a.len() >= 32 && a.len() < 256);
        assert_eq!(
            from_m4(&m4_reply(4, Some(&a), V::Nil)).1,
            Some(GoPanic::UnsupportedCode(217))
        );
        // a float result passes, a 40-byte result string does not
        assert!(from_m4(&m4_reply(5, None, V::F32(21.5))).1.is_none());
        assert_eq!(
            from_m4(&m4_reply(5, None, V::from("z".repeat(40).as_str()))).1,
            Some(GoPanic::UnsupportedCode(217))
        );
    }

    #[test]
    fn chardev_quirks() {
        // two messages in one read
        let mut b = m4_reply(1, None, V::from(7));
        b.extend(pack_like_msgpack_c(&V::Array(vec![
            V::from(2),
            V::from("tty"),
            V::Array(vec![V::Binary(b"ok".to_vec())]),
        ])));
        let (ev, p) = from_m4(&b);
        assert!(p.is_none());
        assert_eq!(ev.len(), 2);
        assert!(matches!(&ev[1], FromM4::Call { method, request: false, .. } if method == b"tty"));
        // an empty string as the very last byte of the read is an EOF: the reply is lost
        assert_eq!(from_m4(&m4_reply(1, None, V::from(""))), (vec![], None));
        // a call from the M4 carries an int32 thread id, packed 0xce
        let call = pack_like_msgpack_c(&V::Array(vec![
            V::from(0),
            V::from(0x2400_1000u32),
            V::from("led"),
            V::Array(vec![V::from(1)]),
        ]));
        assert!(
            matches!(&from_m4(&call).0[0], FromM4::Call { method, request: true, .. } if method == b"led")
        );
    }

    #[test]
    fn port_5001_outcomes() {
        // 'G' of an HTTP probe: one fixint, re-packed to 1 byte, written, then index panic
        assert_eq!(
            at_5001(b"GET / HTTP/1.1\r\n"),
            At5001::PanicAfterWrite {
                to_m4: vec![b'G'],
                panic: GoPanic::Other("runtime error: index out of range [1] with length 1".into()),
            }
        );
        assert_eq!(at_5001(&[]), At5001::DecodeError);
        let req = encode_for_m4_proxy(&V::Array(vec![
            V::from(0),
            V::from(1),
            V::from("temperature"),
            V::Array(vec![]),
        ]))
        .unwrap();
        assert!(
            matches!(at_5001(&req), At5001::Forward { kind: Kind5001::Request, ref to_m4, .. } if *to_m4 == req)
        );
        let note = encode_for_m4_proxy(&V::Array(vec![
            V::from(2),
            V::from("tty"),
            V::Array(vec![V::from("x".repeat(40).as_str())]),
        ]))
        .unwrap();
        assert_eq!(&note[6..10], [0x91, 0xda, 0, 40]);
        assert!(matches!(
            at_5001(&note),
            At5001::Forward {
                kind: Kind5001::Notification,
                ..
            }
        ));
    }

    #[test]
    fn checked_encoder_refuses() {
        let call = |a: V| {
            V::Array(vec![
                V::from(0),
                V::from(1),
                V::from("m"),
                V::Array(vec![a]),
            ])
        };
        assert_eq!(encode_for_m4_proxy(&call(V::F64(1.5))), Err(Refused::Float));
        assert_eq!(encode_for_m4_proxy(&call(V::Nil)), Err(Refused::Nil));
        assert_eq!(
            encode_for_m4_proxy(&call(V::Binary(vec![1]))),
            Err(Refused::Binary)
        );
        assert_eq!(
            encode_for_m4_proxy(&call(V::from("a".repeat(256).as_str()))),
            Err(Refused::LongString(256))
        );
        assert!(matches!(
            encode_for_m4_proxy(&call(V::from("a".repeat(250).as_str()))),
            Err(Refused::TooLarge(_))
        ));
        let ok = encode_for_m4_proxy(&call(V::from("a".repeat(200).as_str()))).unwrap();
        assert!(ok.len() <= 248);
        assert_eq!(h7_link(248), Link::Whole);
        assert_eq!(h7_link(251), Link::CutTo248);
        assert_eq!(h7_link(252), Link::Dropped);
    }

    #[test]
    fn port_5000() {
        // msgpack-rpc-python style: [0, 0, "register", [5002, ["tty"]]], port as uint16
        let b = [
            0x94, 0, 0, 0xa8, b'r', b'e', b'g', b'i', b's', b't', b'e', b'r', 0x92, 0xcd, 0x13,
            0x8a, 0x91, 0xa3, b't', b't', b'y',
        ];
        assert_eq!(
            at_5000(&b),
            At5000::Registered {
                port: 5002,
                names: vec![b"tty".to_vec()],
                reply: Some(vec![0x94, 1, 0, 0xc0, 0xa0])
            }
        );
        let mut t = BTreeMap::new();
        t.insert("tty".to_string(), 5002);
        assert_eq!(
            register_log_line(5002, &t),
            "Registering service on port  5002  with functions  map[tty:5002]"
        );
        // any other method panics
        let b = [0x94, 0, 0, 0xa3, b'f', b'o', b'o', 0x90];
        assert_eq!(at_5000(&b), At5000::Panic(GoPanic::Other(ZERO_TYPE.into())));
        // msgid as uint8 (>=128 from most packers) is rejected without a reply
        let b = [
            0x94, 0, 0xcc, 200, 0xa8, b'r', b'e', b'g', b'i', b's', b't', b'e', b'r', 0x90,
        ];
        assert_eq!(at_5000(&b), At5000::InvalidFormat);
        // wrong arity -> error reply [1, 0, "The number ...", nil] as raw
        let b = [
            0x94, 0, 0, 0xa8, b'r', b'e', b'g', b'i', b's', b't', b'e', b'r', 0x90,
        ];
        let At5000::ErrorReply { msg, reply } = at_5000(&b) else {
            panic!()
        };
        assert_eq!(
            msg,
            "The number of the given arguments (0) doesn't match the arity (2)"
        );
        assert_eq!(&reply[..5], [0x94, 1, 0, 0xda, 0]);
        // str8 method name: unsupported code
        assert_eq!(
            at_5000(&[0x94, 0, 0, 0xd9, 1, b'x', 0x90]),
            At5000::Panic(GoPanic::UnsupportedCode(0xd9))
        );
    }
}
