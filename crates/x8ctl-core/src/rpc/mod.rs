//! MessagePack-RPC with m4-proxy's semantics: the codec, a client that classifies every
//! outcome, and a server.
//!
//! * [`msgpack`]: the MessagePack codec ([`Value`], [`encode`], [`decode`], JSON conversions).
//! * [`dialect`]: what m4-proxy's 2012-era decoder can take; the checked encoder.
//! * [`message`]: requests, responses and notifications.
//! * [`client`]: one call per TCP connection, classified as a [`CallOutcome`].
//! * [`linux`]: the Linux side of calls from the M4 (reverse forward, `register`, `tty`).
//! * [`server`]: a threaded MessagePack-RPC server (and the accept loop the simulated
//!   m4-proxy uses).

pub mod client;
pub mod dialect;
pub mod linux;
pub mod message;
pub mod msgpack;
pub mod server;

pub use client::{
    CallOptions, CallOutcome, RetriedCall, call, call_on_stream, call_retrying_stale, next_msgid,
    notify,
};
pub use message::{Message, MessageError, Notification, Request, Response};
pub use msgpack::{DecodeError, Value, decode, encode, from_json, parse_cli_arg, to_json};
pub use server::{Handler, Server};
