//! Entry points for the fuzz targets in `fuzz/` (cargo fuzz), kept in the library so
//! that they can reach the decoders' internals and so that `cargo test` runs each of them
//! on its seed corpus. Each takes arbitrary bytes and panics only when a property that
//! must hold for every input does not.
//!
//! - [`adb_packet`]: the ADB packet decoders (incremental and blocking) agree, never
//!   accept more than the payload limit, and what they accept re-encodes to itself.
//! - [`adb_sync`]: the device side's sync request decoder, and the host side's reading
//!   of sync replies (STAT, LIST, RECV, SEND's answer) from a board that sends anything.
//! - [`adb_host`]: x8ctl's direct ADB host over a real loopback socket, against a device
//!   that sends anything and then goes away: no panic, and no wait for a timeout.
//! - [`msgpack`]: the MessagePack decoder and the MessagePack-RPC message layer.

use std::io::{self, Cursor, Read, Write};
use std::time::Duration;

use crate::board::Duplex;
use crate::board::transfer::SyncClient;
use crate::rpc::message::Message;
use crate::rpc::msgpack;
use adb_wire::packet::{self, Banner, Decoder, Packet, ReadLimits};
use adb_wire::sync::RequestDecoder;
use sha2::{Digest, Sha256};

/// A reader that hands out at most `step` bytes per call, so the readers' partial-read
/// paths run too.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(self.step).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The first byte chooses the decoder's limits and the chunking; the rest is the stream.
pub fn adb_packet(data: &[u8]) {
    let Some((&knobs, stream)) = data.split_first() else {
        return;
    };
    let limits = ReadLimits {
        max_payload: if knobs & 1 == 0 {
            packet::MAX_PAYLOAD_V1
        } else {
            packet::MAX_PAYLOAD_MODERN
        },
        verify_checksum: knobs & 2 != 0,
    };
    let step = usize::from(knobs >> 2) + 1;

    // Incremental: bytes arrive `step` at a time.
    let mut dec = Decoder::new(limits);
    let mut incremental = Vec::new();
    let mut incremental_failed = false;
    'feed: for chunk in stream.chunks(step) {
        dec.push(chunk);
        loop {
            match dec.next_packet() {
                Ok(Some(p)) => incremental.push(p),
                Ok(None) => break,
                Err(_) => {
                    incremental_failed = true;
                    break 'feed;
                }
            }
        }
    }

    // Blocking: the same bytes through `read_packet`, with short reads.
    let mut r = Trickle { data: stream, step };
    let mut blocking = Vec::new();
    let blocking_failed = loop {
        match packet::read_packet(&mut r, limits) {
            Ok(Some(p)) => blocking.push(p),
            Ok(None) => break false,
            Err(packet::ReadError::Packet(_)) => break true,
            // Only an unexpected EOF: a packet cut short, which the incremental decoder
            // reports as "needs more bytes".
            Err(packet::ReadError::Io(e)) => {
                assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
                break false;
            }
        }
    };
    assert_eq!(incremental, blocking, "the two decoders disagree");
    assert_eq!(
        incremental_failed, blocking_failed,
        "only one decoder failed"
    );

    for p in &incremental {
        assert!(p.payload.len() <= limits.max_payload as usize);
        let again = packet::read_packet(&mut Cursor::new(p.encode()), limits)
            .expect("an accepted packet re-encodes to a valid one")
            .expect("a packet");
        assert_eq!(&again, p);
        if p.command == packet::A_CNXN {
            let banner = Banner::parse(&p.payload_str());
            let _ = banner.prop("ro.product.model");
            let _ = banner.has_feature("shell_v2");
        }
        let _ = format!("{p:?}");
    }
}

/// An in-memory `sync:` stream: reads the board's fuzzed replies, swallows requests.
struct Replies(Cursor<Vec<u8>>);

impl Read for Replies {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read(out)
    }
}

impl Write for Replies {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Duplex for Replies {
    fn set_read_timeout_to(&mut self, _: Option<Duration>) {}
    fn try_clone_duplex(&self) -> io::Result<Box<dyn Duplex>> {
        Err(io::ErrorKind::Unsupported.into())
    }
    fn shutdown_both(&mut self) {}
}

/// The first byte chooses the chunking of the device-side decoder and which host-side
/// request reads the rest as the board's reply.
pub fn adb_sync(data: &[u8]) {
    let Some((&knobs, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(knobs >> 2) + 1;

    let mut dec = RequestDecoder::new();
    'feed: for chunk in stream.chunks(step) {
        dec.push(chunk);
        loop {
            match dec.next_request() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    let _ = e.to_string();
                    break 'feed;
                }
            }
        }
        // What waits for more bytes is one request: a header and at most 64 KiB.
        assert!(dec.buffered() <= 8 + 64 * 1024 + step);
    }

    let mut client = SyncClient::over(Box::new(Replies(Cursor::new(stream.to_vec()))));
    match knobs & 3 {
        0 => {
            let _ = client.stat("/home/fio/app");
        }
        1 => {
            if let Ok(entries) = client.list("/home/fio") {
                assert!(entries.iter().all(|(n, _)| n != "." && n != ".."));
            }
        }
        2 => {
            let mut got = Vec::new();
            let _ = client.recv("/home/fio/a", &mut got, &mut Sha256::new(), &mut |_| {});
            // Only DATA chunks reach the file, each at most 64 KiB.
            assert!(got.len() <= stream.len());
        }
        _ => {
            let _ = client.send(
                "/home/fio/a",
                0o644,
                0,
                &mut &b"hello"[..],
                &mut Sha256::new(),
                &mut |_| {},
            );
        }
    }
}

/// A device that answers the handshake, then sends the fuzzed bytes and closes. The first
/// four bytes are the device's max payload, the next one the banner's length. Returns what
/// the host read on its `shell:` stream, if the device accepted it.
pub fn adb_host(data: &[u8]) -> Option<Vec<u8>> {
    use adb_wire::host::{HostConnection, Timeouts};
    use std::net::{Shutdown, TcpListener};
    use std::time::Instant;

    if data.len() < 5 {
        return None;
    }
    let max_payload = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let banner_len = usize::from(data[4]).min(data.len() - 5);
    let banner = data[5..5 + banner_len].to_vec();
    let rest = data[5 + banner_len..].to_vec();

    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    let addr = listener.local_addr().ok()?;
    let device = std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.write_all(
            &Packet::new(packet::A_CNXN, packet::A_VERSION_MIN, max_payload, banner).encode(),
        );
        let _ = s.write_all(&rest);
        let _ = s.shutdown(Shutdown::Write);
        // Read what the host sends until it closes, so our close is not a reset.
        let _ = io::copy(&mut s, &mut io::sink());
    });

    // Generous timeouts: the device has gone once it sent its bytes, and the host must
    // notice that rather than wait them out.
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        handshake: Duration::from_secs(5),
        read: Duration::from_secs(5),
    };
    let started = Instant::now();
    let mut shell_output = None;
    if let Ok(conn) = HostConnection::connect(&addr.to_string(), timeouts) {
        assert!(conn.max_payload() >= 256);
        if let Ok(mut s) = conn.open("shell:echo hi") {
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out);
            let _ = s.write_all(&[b'x'; 300]);
            shell_output = Some(out);
        }
        let _ = conn.open("sync:");
        conn.close();
    }
    let _ = device.join();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the host waited {:?} on a device that had gone",
        started.elapsed()
    );
    shell_output
}

/// MessagePack values and MessagePack-RPC messages.
pub fn msgpack(data: &[u8]) {
    match msgpack::decode(data) {
        Ok((v, used)) => {
            assert!(used > 0 && used <= data.len());
            // What was decoded encodes to something that decodes to the same value.
            let bytes = msgpack::encode(&v);
            let (again, n) = msgpack::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(n, bytes.len());
            assert_eq!(again, v);
            let _ = format!("{v}");
            let _ = msgpack::to_json(&v);
            // The streaming reader, fed a few bytes at a time, finds the same value and
            // leaves what follows it.
            let mut buf = Vec::new();
            let step = usize::from(data[0] & 7) + 1;
            let mut r = Trickle { data, step };
            let streamed = msgpack::read_value(&mut r, &mut buf).expect("streamed decode");
            assert_eq!(streamed, v);
            let _ = Message::from_value(&v).map(|m| m.encode());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(m) = Message::decode(data) {
        assert_eq!(Message::decode(&m.encode()).ok(), Some(m));
    }
}

#[cfg(test)]
mod tests {
    //! Each entry point on the seed corpus the fuzz targets start from, so the harnesses
    //! compile and hold on known inputs in every `cargo test`.
    use std::path::Path;

    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join("fuzz/corpus")
            .join(target);
        let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert!(!out.is_empty(), "no seeds in {}", dir.display());
        out.push(Vec::new());
        out
    }

    #[test]
    fn adb_packet_seeds() {
        seeds("adb_packet")
            .iter()
            .for_each(|s| super::adb_packet(s));
    }

    #[test]
    fn adb_sync_seeds() {
        seeds("adb_sync").iter().for_each(|s| super::adb_sync(s));
    }

    #[test]
    fn adb_host_seeds() {
        for s in seeds("adb_host") {
            super::adb_host(&s);
        }
        // The harness really drives a session: the `shell` seed's device answers OPEN,
        // writes "hi" and closes the stream.
        let shell = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join("fuzz/corpus/adb_host/shell"),
        )
        .unwrap();
        assert_eq!(super::adb_host(&shell).as_deref(), Some(&b"hi\n"[..]));
    }

    #[test]
    fn msgpack_seeds() {
        seeds("msgpack").iter().for_each(|s| super::msgpack(s));
    }
}
