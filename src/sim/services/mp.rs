//! The few MessagePack pieces the services need on their own: encoding a request and
//! decoding one reply, for the simulated Python client (containers) and the stand-in
//! m4-proxy used until `sim::m4` lands. Decoding never panics on hostile input.

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// How Python's `print(v)` shows the value (msgpack-rpc-python decodes str as bytes
    /// unless told otherwise; the sensor example only sees numbers).
    pub fn python_repr(&self) -> String {
        match self {
            Value::Nil => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => {
                if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
                    format!("{f:.1}")
                } else {
                    format!("{f}")
                }
            }
            Value::Str(s) => format!("b'{s}'"),
            Value::Bin(b) => format!("b'{}'", String::from_utf8_lossy(b)),
            Value::Array(a) => {
                let parts: Vec<String> = a.iter().map(|v| v.python_repr()).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Map(m) => {
                let parts: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.python_repr(), v.python_repr()))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
        }
    }
}

pub fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Int(i) => {
            let i = *i;
            if (0..128).contains(&i) {
                out.push(i as u8);
            } else if (-32..0).contains(&i) {
                out.push(i as i8 as u8);
            } else if i >= 0 && i <= i64::from(u16::MAX) {
                out.push(0xcd);
                out.extend_from_slice(&(i as u16).to_be_bytes());
            } else if i >= i64::from(i32::MIN) && i <= i64::from(i32::MAX) {
                out.push(0xd2);
                out.extend_from_slice(&(i as i32).to_be_bytes());
            } else {
                out.push(0xd3);
                out.extend_from_slice(&i.to_be_bytes());
            }
        }
        Value::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => {
            let n = s.len();
            if n < 32 {
                out.push(0xa0 | n as u8);
            } else if n < 256 {
                out.push(0xd9);
                out.push(n as u8);
            } else {
                out.push(0xdb);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bin(b) => {
            out.push(0xc6);
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
        Value::Array(a) => {
            if a.len() < 16 {
                out.push(0x90 | a.len() as u8);
            } else {
                out.push(0xdd);
                out.extend_from_slice(&(a.len() as u32).to_be_bytes());
            }
            for x in a {
                encode(x, out);
            }
        }
        Value::Map(m) => {
            if m.len() < 16 {
                out.push(0x80 | m.len() as u8);
            } else {
                out.push(0xdf);
                out.extend_from_slice(&(m.len() as u32).to_be_bytes());
            }
            for (k, x) in m {
                encode(k, out);
                encode(x, out);
            }
        }
    }
}

/// Why a decode stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// More bytes are needed.
    Incomplete,
    /// Not MessagePack (or nested too deep).
    Invalid,
}

/// Decode one value from the front of `buf`; returns it and the bytes used.
pub fn decode(buf: &[u8]) -> Result<(Value, usize), DecodeError> {
    let mut pos = 0;
    let v = dec(buf, &mut pos, 0)?;
    Ok((v, pos))
}

fn take<'a>(buf: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8], DecodeError> {
    let end = pos.checked_add(n).ok_or(DecodeError::Invalid)?;
    let s = buf.get(*pos..end).ok_or(DecodeError::Incomplete)?;
    *pos = end;
    Ok(s)
}

fn be(buf: &[u8], pos: &mut usize, n: usize) -> Result<u64, DecodeError> {
    let s = take(buf, pos, n)?;
    Ok(s.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

fn dec(buf: &[u8], pos: &mut usize, depth: usize) -> Result<Value, DecodeError> {
    if depth > 64 {
        return Err(DecodeError::Invalid);
    }
    let t = take(buf, pos, 1)?[0];
    let str_of = |b: &[u8]| Value::Str(String::from_utf8_lossy(b).into_owned());
    Ok(match t {
        0x00..=0x7f => Value::Int(i64::from(t)),
        0xe0..=0xff => Value::Int(i64::from(t as i8)),
        0xc0 => Value::Nil,
        0xc2 => Value::Bool(false),
        0xc3 => Value::Bool(true),
        0xa0..=0xbf => str_of(take(buf, pos, usize::from(t & 0x1f))?),
        0xd9..=0xdb => {
            let n = be(buf, pos, 1 << (t - 0xd9))? as usize;
            str_of(take(buf, pos, n)?)
        }
        0xc4..=0xc6 => {
            let n = be(buf, pos, 1 << (t - 0xc4))? as usize;
            Value::Bin(take(buf, pos, n)?.to_vec())
        }
        0xcc..=0xcf => {
            let v = be(buf, pos, 1 << (t - 0xcc))?;
            Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
        }
        0xd0..=0xd3 => {
            let n = 1usize << (t - 0xd0);
            let v = be(buf, pos, n)?;
            let shift = 64 - 8 * n as u32;
            Value::Int(((v << shift) as i64) >> shift)
        }
        0xca => Value::Float(f64::from(f32::from_bits(be(buf, pos, 4)? as u32))),
        0xcb => Value::Float(f64::from_bits(be(buf, pos, 8)?)),
        0x90..=0x9f | 0xdc | 0xdd => {
            let n = match t {
                0xdc => be(buf, pos, 2)? as usize,
                0xdd => be(buf, pos, 4)? as usize,
                _ => usize::from(t & 0x0f),
            };
            let mut a = Vec::with_capacity(n.min(64));
            for _ in 0..n {
                a.push(dec(buf, pos, depth + 1)?);
            }
            Value::Array(a)
        }
        0x80..=0x8f | 0xde | 0xdf => {
            let n = match t {
                0xde => be(buf, pos, 2)? as usize,
                0xdf => be(buf, pos, 4)? as usize,
                _ => usize::from(t & 0x0f),
            };
            let mut m = Vec::with_capacity(n.min(64));
            for _ in 0..n {
                let k = dec(buf, pos, depth + 1)?;
                let v = dec(buf, pos, depth + 1)?;
                m.push((k, v));
            }
            Value::Map(m)
        }
        0xd4..=0xd8 | 0xc7..=0xc9 => {
            // ext types: skip the payload
            let n = match t {
                0xd4..=0xd8 => 1usize << (t - 0xd4),
                _ => be(buf, pos, 1 << (t - 0xc7))? as usize,
            };
            take(buf, pos, n + 1)?;
            Value::Nil
        }
        0xc1 => return Err(DecodeError::Invalid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bytes_match_the_python_client() {
        let req = Value::Array(vec![
            Value::Int(0),
            Value::Int(0),
            Value::Str("temperature".into()),
            Value::Array(vec![]),
        ]);
        let mut out = Vec::new();
        encode(&req, &mut out);
        let mut want = vec![0x94, 0, 0, 0xab];
        want.extend_from_slice(b"temperature");
        want.push(0x90);
        assert_eq!(out, want);
        assert_eq!(decode(&out), Ok((req, out.len())));
    }

    #[test]
    fn garbage_never_panics() {
        for seed in 0u32..2000 {
            let mut x = seed.wrapping_mul(2_654_435_761) | 1;
            let bytes: Vec<u8> = (0..(seed % 40))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = decode(&bytes);
        }
        assert_eq!(
            decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]),
            Err(DecodeError::Incomplete)
        );
    }
}
