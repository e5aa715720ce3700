//! The Linux side of calls from the M4, served from the laptop: a `reverse:` forward from
//! a port on the board to a listener here, a registration of method names with m4-proxy,
//! and the messages m4-proxy then delivers.
//!
//! Evidence (`real-board-evidence.md`, "REB"; `/work/notes/issue10-facts.md`,
//! `/work/notes/issue11-facts.md`):
//!
//! * REB 1.7, issue10-facts §5: the X8's adbd supports `reverse:`; `forward:tcp:B;tcp:H`
//!   listens on the board's 127.0.0.1:B and answers one `OKAY` (errors `FAIL`+hex4+text).
//!   Each connection to B becomes an OPEN of `tcp:H` towards the host (the adb server, or
//!   x8ctl's direct host, connects it to the laptop's port H).
//! * REB 2.6: m4-proxy dials `:PORT` on the board for the port registered for a method
//!   name (`register(port, [names])` on 5000; the last registration wins; all are
//!   forgotten when m4-proxy restarts), writes the M4's original bytes and, for a request,
//!   relays the answer. Nobody registered: dropped silently.
//! * [inf, not run on a board] m4-proxy dials `:PORT` (empty host); Go makes that an
//!   AF_INET connect to 0.0.0.0, which Linux delivers to a 127.0.0.1 listener such as the
//!   one adbd's `reverse:` opens (`socket_loopback_server`, issue10-facts §5).
//! * issue11-facts §F/§G: one dial per message; a port-5000 msgid of 128..65535 gets no
//!   reply (so [`REGISTER_MSGID`] is small); the registration is logged as
//!   `Registering service on port  P  with functions  map[name:P ...]` (the whole table).
//! * SerialRPC (REB 2.6): the sketch's output is the notification `[2, "tty", [<bin8>]]`;
//!   a `tty` message on 5001 with a string reaches its `onWrite` (STR or BIN).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::board::cmd::Cmd;
use crate::board::facts;
use crate::board::{Board, BoardError};

use super::dialect;
use super::message::{Message, Response};
use super::msgpack::{self, Value};

/// The msgid of our `register` call on port 5000: below 128 (a positive fixint), which
/// msgpack-rpc-go accepts (issue11-facts §G: uint8/uint16 msgids get no reply).
pub const REGISTER_MSGID: u32 = 1;

/// The longest piece of input sent in one `tty` message: strings stay well under the
/// 256-byte raw limit and the 244-byte message limit (REB 2.3).
pub const TTY_CHUNK: usize = 200;

/// A `reverse:` request on the board's adbd (through the adb server or direct): the
/// answer's text on `OKAY`, the adbd's text on `FAIL`.
pub fn reverse(board: &Board, request: &str) -> Result<String, BoardError> {
    let service = format!("reverse:{request}");
    let mut s = board.transport().open(&service)?;
    s.set_read_timeout_to(Some(Duration::from_secs(10)));
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    s.shutdown_both();
    let text = String::from_utf8_lossy(&out).into_owned();
    if let Some(rest) = text.strip_prefix("OKAY") {
        // Through an adb server that also sends its own second OKAY: drop it.
        return Ok(rest.strip_prefix("OKAY").unwrap_or(rest).to_string());
    }
    if let Some(rest) = text.strip_prefix("FAIL") {
        let msg = rest.get(4..).unwrap_or(rest).to_string();
        return Err(BoardError::Refused {
            service,
            detail: msg,
        });
    }
    if request == "list-forward" {
        return Ok(text.get(4..).unwrap_or("").to_string());
    }
    Err(BoardError::Refused {
        service,
        detail: if text.is_empty() {
            "the board's adbd closed the stream without an answer".into()
        } else {
            format!("unexpected answer {text:?}")
        },
    })
}

/// `register(port, names)` on m4-proxy's port 5000, in its dialect. Errors: the text
/// m4-proxy answered, or why it could not be asked.
pub fn register(board: &Board, port: u16, names: &[String]) -> Result<(), String> {
    let params = vec![
        Value::UInt(port as u64),
        Value::Array(names.iter().map(|n| Value::from(n.as_str())).collect()),
    ];
    let bytes = dialect::encode_for_m4_proxy(
        "register",
        &params,
        &[Value::UInt(0), Value::UInt(REGISTER_MSGID as u64)],
    )
    .map_err(|r| r.to_string())?;
    let mut s = board
        .connect_port(crate::board::facts::M4_PROXY_REGISTER_PORT)
        .map_err(|e| e.to_string())?;
    s.set_read_timeout_to(Some(Duration::from_secs(5)));
    s.write_all(&bytes).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let v = msgpack::read_value(&mut s, &mut buf).map_err(|e| format!("m4-proxy: {e}"))?;
    s.shutdown_both();
    match Message::from_value(&v) {
        Ok(Message::Response(r)) if r.error.is_nil() => Ok(()),
        Ok(Message::Response(r)) => Err(format!("m4-proxy refused: {}", show(&r.error))),
        _ => Err("m4-proxy answered something else than a response".into()),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => msgpack::to_json(other).to_string(),
    }
}

/// Who holds each of `names` now, as m4-proxy's journal says since its last start: the
/// last `Registering service on port  P  with functions  map[...]` line's table.
/// `None` when the journal cannot be read. The system journal needs root on the board
/// (adbd's child, fio, is in neither `adm` nor `systemd-journal`), so this uses sudo.
pub fn current_holders(board: &Board, names: &[String]) -> Option<Vec<(String, u16)>> {
    let o = board
        .run_root(
            &Cmd::new("journalctl")
                .args(["-u", facts::M4_PROXY_UNIT, "--no-pager", "-o", "cat"])
                .no_stderr()
                .pipe(Cmd::new("tail").args(["-n", "400"])),
            Some(Duration::from_secs(10)),
        )
        .ok()
        .filter(|o| o.ok())?;
    Some(holders_from_journal(&o.stdout_text(), names))
}

/// See [`current_holders`]; the lines after the last "Started M4 Proxy." count.
pub fn holders_from_journal(journal: &str, names: &[String]) -> Vec<(String, u16)> {
    let mut table: Vec<(String, u16)> = Vec::new();
    for line in journal.lines() {
        if line.contains("Started M4 Proxy") {
            table.clear();
        }
        let Some(i) = line.find("with functions") else {
            continue;
        };
        let Some(inner) = line[i..]
            .split_once("map[")
            .and_then(|(_, r)| r.rsplit_once(']'))
            .map(|(m, _)| m)
        else {
            continue;
        };
        table = inner
            .split_whitespace()
            .filter_map(|kv| {
                let (k, v) = kv.rsplit_once(':')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect();
    }
    table.retain(|(k, _)| names.iter().any(|n| n == k));
    table
}

/// Send `bytes` to the sketch's `tty` (SerialRPC's input) on port 5001: notifications of
/// at most [`TTY_CHUNK`] bytes each, as a string (raw), which m4-proxy passes unchanged
/// and `onWrite` takes (issue11-facts §F). A notification on 5001 is fire-and-forget (REB
/// 2.4), so typing never waits on m4-proxy's 1 s reply window.
pub fn send_tty(board: &Board, bytes: &[u8]) -> Result<(), String> {
    for chunk in bytes.chunks(TTY_CHUNK) {
        let text = String::from_utf8_lossy(chunk).into_owned();
        let msg = dialect::notification_bytes("tty", &[Value::from(text.as_str())])
            .map_err(|r| r.to_string())?;
        let mut s = board
            .connect_port(crate::board::facts::M4_PROXY_CALL_PORT)
            .map_err(|e| e.to_string())?;
        s.write_all(&msg).map_err(|e| e.to_string())?;
        let _ = s.flush();
        // m4-proxy closes a notification's connection at once.
        s.set_read_timeout_to(Some(Duration::from_millis(300)));
        let mut sink = [0u8; 64];
        let _ = s.read(&mut sink);
        s.shutdown_both();
    }
    Ok(())
}

/// A message the M4 sent to Linux.
#[derive(Debug, Clone)]
pub struct FromM4 {
    /// `Some(msgid)` for a call (the M4 waits for the answer), `None` for a notification.
    pub msgid: Option<u32>,
    pub method: String,
    pub params: Vec<Value>,
}

impl FromM4 {
    /// The bytes of a SerialRPC `tty` message (`[<bin8>]`, or a string).
    pub fn tty_bytes(&self) -> Option<Vec<u8>> {
        if self.method != "tty" {
            return None;
        }
        match self.params.first()? {
            Value::Bin(b) | Value::RawStr(b) => Some(b.clone()),
            Value::Str(s) => Some(s.as_bytes().to_vec()),
            _ => None,
        }
    }
}

/// What answers a call from the M4 (`None`: no answer; the M4's `RPC.call` then waits).
pub type Answerer = Arc<dyn Fn(&FromM4) -> Option<Result<Value, String>> + Send + Sync>;

/// The laptop's end of the reverse forward: a listener on 127.0.0.1 that takes m4-proxy's
/// dials (one per message, REB 2.6) and hands each message to `on_message`.
pub struct Receiver {
    listener: TcpListener,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    pub fn bind() -> std::io::Result<Receiver> {
        Ok(Receiver {
            listener: TcpListener::bind("127.0.0.1:0")?,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accept and read on background threads until [`Receiver::stop`].
    pub fn run(
        &self,
        on_message: Arc<dyn Fn(FromM4) + Send + Sync>,
        answer: Answerer,
    ) -> std::io::Result<()> {
        let l = self.listener.try_clone()?;
        l.set_nonblocking(true)?;
        let stop = self.stop.clone();
        std::thread::Builder::new()
            .name("m4-calls".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match l.accept() {
                        Ok((s, _)) => {
                            let _ = s.set_nonblocking(false);
                            let (m, a) = (on_message.clone(), answer.clone());
                            let _ = std::thread::Builder::new()
                                .name("m4-call".into())
                                .spawn(move || serve_one(s, &m, &a));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })?;
        Ok(())
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve_one(mut s: TcpStream, on_message: &Arc<dyn Fn(FromM4) + Send + Sync>, answer: &Answerer) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    while let Ok(v) = msgpack::read_value(&mut s, &mut buf) {
        let msg = match Message::from_value(&v) {
            Ok(Message::Request(r)) => FromM4 {
                msgid: Some(r.msgid),
                method: r.method,
                params: r.params,
            },
            Ok(Message::Notification(n)) => FromM4 {
                msgid: None,
                method: n.method,
                params: n.params,
            },
            _ => continue,
        };
        let reply = msg.msgid.and_then(|id| {
            answer(&msg).map(|r| match r {
                Ok(v) => Response::ok(id, v),
                Err(e) => Response::err(id, Value::from(e.as_str())),
            })
        });
        on_message(msg);
        if let Some(r) = reply {
            let _ = s.write_all(&r.encode());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_are_the_last_table_since_the_last_start() {
        let j = "Started M4 Proxy.\n\
                 Registering service on port  5002  with functions  map[tty:5002]\n\
                 Started M4 Proxy.\n\
                 Registering service on port  5005  with functions  map[tty:5005]\n\
                 Registering service on port  5010  with functions  map[temp:5010 tty:5005]\n";
        let names = vec!["tty".to_string()];
        assert_eq!(holders_from_journal(j, &names), vec![("tty".into(), 5005)]);
        let j2 =
            "Registering service on port  5002  with functions  map[tty:5002]\nStarted M4 Proxy.\n";
        assert!(holders_from_journal(j2, &names).is_empty());
    }
}
