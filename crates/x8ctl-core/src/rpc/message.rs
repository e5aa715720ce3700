//! MessagePack-RPC messages (spec: <https://github.com/msgpack-rpc/msgpack-rpc/blob/master/spec.md>):
//! request `[0, msgid, method, params]`, response `[1, msgid, error, result]`,
//! notification `[2, method, params]`.

use super::msgpack::{Value, decode, encode};

pub const REQUEST: u64 = 0;
pub const RESPONSE: u64 = 1;
pub const NOTIFICATION: u64 = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub msgid: u32,
    pub method: String,
    pub params: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub msgid: u32,
    /// `Nil` on success.
    pub error: Value,
    pub result: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub method: String,
    pub params: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Request(Request),
    Response(Response),
    Notification(Notification),
}

/// A value that is not a MessagePack-RPC message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("not a MessagePack-RPC message: {0}")]
#[diagnostic(
    code(x8ctl::rpc::not_a_message),
    help("the peer did not answer with MessagePack-RPC: is this port m4-proxy's 5001?")
)]
pub struct MessageError(pub String);

impl Request {
    pub fn new(msgid: u32, method: impl Into<String>, params: Vec<Value>) -> Request {
        Request {
            msgid,
            method: method.into(),
            params,
        }
    }
    pub fn to_value(&self) -> Value {
        Value::Array(vec![
            Value::UInt(REQUEST),
            Value::UInt(self.msgid as u64),
            Value::Str(self.method.clone()),
            Value::Array(self.params.clone()),
        ])
    }
    pub fn encode(&self) -> Vec<u8> {
        encode(&self.to_value())
    }
}

impl Response {
    pub fn ok(msgid: u32, result: Value) -> Response {
        Response {
            msgid,
            error: Value::Nil,
            result,
        }
    }
    pub fn err(msgid: u32, error: Value) -> Response {
        Response {
            msgid,
            error,
            result: Value::Nil,
        }
    }
    pub fn to_value(&self) -> Value {
        Value::Array(vec![
            Value::UInt(RESPONSE),
            Value::UInt(self.msgid as u64),
            self.error.clone(),
            self.result.clone(),
        ])
    }
    pub fn encode(&self) -> Vec<u8> {
        encode(&self.to_value())
    }
}

impl Notification {
    pub fn new(method: impl Into<String>, params: Vec<Value>) -> Notification {
        Notification {
            method: method.into(),
            params,
        }
    }
    pub fn to_value(&self) -> Value {
        Value::Array(vec![
            Value::UInt(NOTIFICATION),
            Value::Str(self.method.clone()),
            Value::Array(self.params.clone()),
        ])
    }
    pub fn encode(&self) -> Vec<u8> {
        encode(&self.to_value())
    }
}

fn msgid(v: &Value) -> Result<u32, MessageError> {
    v.as_u64()
        .and_then(|u| u32::try_from(u).ok())
        .ok_or_else(|| MessageError(format!("msgid {v} is not a 32-bit unsigned integer")))
}

/// Method names: a `str`, or (old "raw" producers such as msgpack-rpc-go) `bin`/invalid
/// UTF-8, converted lossily.
fn method(v: &Value) -> Result<String, MessageError> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::RawStr(b) | Value::Bin(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        other => Err(MessageError(format!("method name {other} is not a string"))),
    }
}

fn params(v: &Value) -> Result<Vec<Value>, MessageError> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        other => Err(MessageError(format!("params {other} is not an array"))),
    }
}

impl Message {
    pub fn to_value(&self) -> Value {
        match self {
            Message::Request(r) => r.to_value(),
            Message::Response(r) => r.to_value(),
            Message::Notification(n) => n.to_value(),
        }
    }
    pub fn encode(&self) -> Vec<u8> {
        encode(&self.to_value())
    }

    /// Decode one whole message from `bytes` (trailing bytes are an error).
    pub fn decode(bytes: &[u8]) -> Result<Message, MessageError> {
        let (v, used) = decode(bytes).map_err(|e| MessageError(e.to_string()))?;
        if used != bytes.len() {
            return Err(MessageError(format!(
                "{} trailing byte(s) after the message",
                bytes.len() - used
            )));
        }
        Message::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Message, MessageError> {
        let a = v
            .as_array()
            .ok_or_else(|| MessageError(format!("{v} is not an array")))?;
        let kind = a.first().and_then(Value::as_u64);
        match (kind, a.len()) {
            (Some(REQUEST), 4) => Ok(Message::Request(Request {
                msgid: msgid(&a[1])?,
                method: method(&a[2])?,
                params: params(&a[3])?,
            })),
            (Some(RESPONSE), 4) => Ok(Message::Response(Response {
                msgid: msgid(&a[1])?,
                error: a[2].clone(),
                result: a[3].clone(),
            })),
            (Some(NOTIFICATION), 3) => Ok(Message::Notification(Notification {
                method: method(&a[1])?,
                params: params(&a[2])?,
            })),
            (Some(k @ 0..=2), n) => Err(MessageError(format!(
                "message type {k} with {n} element(s)"
            ))),
            _ => Err(MessageError(format!(
                "{v} does not start with a message type 0, 1 or 2"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let msgs = [
            Message::Request(Request::new(7, "temperature", vec![])),
            Message::Response(Response::ok(7, Value::UInt(100))),
            Message::Response(Response::err(3, Value::from("boom"))),
            Message::Notification(Notification::new("tty", vec![Value::Bin(b"hi".to_vec())])),
        ];
        for m in msgs {
            assert_eq!(Message::decode(&m.encode()).unwrap(), m);
        }
    }

    #[test]
    fn tutorial_bytes() {
        let b = [
            0x94, 0x00, 0x00, 0xab, b't', b'e', b'm', b'p', b'e', b'r', b'a', b't', b'u', b'r',
            b'e', 0x90,
        ];
        assert_eq!(
            Message::decode(&b).unwrap(),
            Message::Request(Request::new(0, "temperature", vec![]))
        );
        assert_eq!(Request::new(0, "temperature", vec![]).encode(), b);
    }

    #[test]
    fn non_conforming() {
        for v in [
            Value::Nil,
            Value::Array(vec![]),
            Value::Array(vec![Value::UInt(0), Value::UInt(1), Value::from("m")]),
            Value::Array(vec![Value::UInt(3), Value::Nil, Value::Nil, Value::Nil]),
            Value::Array(vec![
                Value::UInt(0),
                Value::Int(-1),
                Value::from("m"),
                Value::Array(vec![]),
            ]),
            Value::Array(vec![
                Value::UInt(0),
                Value::UInt(1),
                Value::UInt(5),
                Value::Array(vec![]),
            ]),
            Value::Array(vec![
                Value::UInt(0),
                Value::UInt(1),
                Value::from("m"),
                Value::Nil,
            ]),
            Value::Array(vec![
                Value::UInt(1),
                Value::UInt(1 << 40),
                Value::Nil,
                Value::Nil,
            ]),
        ] {
            assert!(Message::from_value(&v).is_err(), "{v}");
        }
        assert!(Message::decode(&[0xc1]).is_err());
        let mut b = Request::new(1, "x", vec![]).encode();
        b.push(0);
        assert!(Message::decode(&b).is_err());
    }
}
