//! Release downloads from an HTTP server on 127.0.0.1 written here (std TcpListener): a good
//! download, a corrupted one (refused by sha256), one cut off and resumed with Range, and
//! the cache used on the second run; then `flash-fw --release` end to end against the
//! virtual X8, with the releases list pointed at the server by X8CTL_RELEASES_FILE.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use common::*;
use sha2::Digest;
use virtual_x8::fwimage::make_image;
use x8ctl_core::firmware::download::{self, DownloadError, DownloadEvent};
use x8ctl_core::firmware::releases::{Release, Releases, cached_image};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Good,
    /// Serves other bytes than the sha256 pins.
    Corrupt,
    /// The first response is cut off halfway; later ones honour Range.
    CutOnce,
    /// Headers, a few bytes, then nothing while the connection stays open.
    StallAfterHeaders,
}

struct Server {
    url: String,
    /// The Range header of each request (None: no Range).
    requests: Arc<Mutex<Vec<Option<String>>>>,
}

fn serve(body: Vec<u8>, mode: Mode) -> Server {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/fw/STM32H747AII6_CM7.bin",
        l.local_addr().unwrap()
    );
    let requests = Arc::new(Mutex::new(Vec::new()));
    let reqs = requests.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(conn) = conn else { return };
            let n = {
                let mut r = reqs.lock().unwrap();
                r.push(None);
                r.len()
            };
            if mode == Mode::StallAfterHeaders {
                // A stalling mirror stalls every connection, each on its own.
                let body = body.clone();
                std::thread::spawn(move || handle(conn, &body, mode, false));
                continue;
            }
            let range = handle(conn, &body, mode, n == 1);
            reqs.lock().unwrap()[n - 1] = range;
        }
    });
    Server { url, requests }
}

fn handle(mut conn: TcpStream, body: &[u8], mode: Mode, first: bool) -> Option<String> {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return range;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some(v) = l
            .strip_prefix("Range: ")
            .or_else(|| l.strip_prefix("range: "))
        {
            range = Some(v.to_string());
        }
    }
    let mut data = body.to_vec();
    if mode == Mode::Corrupt {
        data[1000] ^= 0xff;
    }
    let from: usize = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse().ok())
        .unwrap_or(0);
    let (status, part) = if from > 0 {
        (
            format!(
                "206 Partial Content\r\nContent-Range: bytes {from}-{}/{}",
                data.len() - 1,
                data.len()
            ),
            &data[from..],
        )
    } else {
        ("200 OK".to_string(), &data[..])
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        part.len()
    );
    let _ = conn.write_all(head.as_bytes());
    if mode == Mode::StallAfterHeaders {
        let _ = conn.write_all(&part[..100]);
        let _ = conn.flush();
        std::thread::sleep(std::time::Duration::from_secs(30));
        return range;
    }
    if mode == Mode::CutOnce && first {
        let _ = conn.write_all(&part[..part.len() / 2]);
        let _ = conn.flush();
        let _ = conn.shutdown(std::net::Shutdown::Both);
        return range;
    }
    let _ = conn.write_all(part);
    let _ = conn.flush();
    // Drain until the client closes.
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 64];
    let _ = conn.read(&mut sink);
    range
}

fn sha(b: &[u8]) -> String {
    x8ctl_core::board::transfer::hex(&sha2::Sha256::digest(b))
}

fn release(url: &str, body: &[u8]) -> Release {
    Release {
        tag: "0.0.6-test".into(),
        commit: "abcdef0".into(),
        date: "2026-11-24".into(),
        fixes: "a test build".into(),
        url: url.into(),
        sha256: sha(body),
    }
}

#[test]
fn a_good_download_is_verified_and_cached_for_the_second_run() {
    let body = make_image("0.0.6-test");
    let srv = serve(body.clone(), Mode::Good);
    let cache = tempfile::tempdir().unwrap();
    let rel = release(&srv.url, &body);
    let events = Mutex::new(Vec::new());
    let on = |e: DownloadEvent| events.lock().unwrap().push(e);
    let p = download::fetch(&rel, cache.path(), &on).unwrap();
    assert_eq!(p, cached_image(cache.path(), "0.0.6-test"));
    assert_eq!(std::fs::read(&p).unwrap(), body);
    assert!(
        events
            .lock()
            .unwrap()
            .contains(&DownloadEvent::Verified { path: p.clone() })
    );
    assert!(events.lock().unwrap().contains(&DownloadEvent::Bytes {
        done: body.len() as u64
    }));
    assert_eq!(srv.requests.lock().unwrap().len(), 1);
    // Second run: from the cache, no request.
    events.lock().unwrap().clear();
    let p2 = download::fetch(&rel, cache.path(), &on).unwrap();
    assert_eq!(p2, p);
    assert_eq!(
        *events.lock().unwrap(),
        vec![DownloadEvent::Cached { path: p.clone() }]
    );
    assert_eq!(srv.requests.lock().unwrap().len(), 1);
}

#[test]
fn a_corrupted_download_is_refused_and_not_kept() {
    let body = make_image("0.0.6-test");
    let srv = serve(body.clone(), Mode::Corrupt);
    let cache = tempfile::tempdir().unwrap();
    let rel = release(&srv.url, &body);
    let e = download::fetch(&rel, cache.path(), &|_| {}).unwrap_err();
    assert!(matches!(e, DownloadError::Checksum { .. }), "{e}");
    assert!(e.to_string().contains("refused"));
    assert!(!x8ctl_core::help_of(&e).is_empty());
    let dest = cached_image(cache.path(), "0.0.6-test");
    assert!(!dest.exists());
    assert!(!dest.with_extension("bin.part").exists());
}

#[test]
fn an_interrupted_download_resumes_with_range() {
    let body = make_image("0.0.6-test");
    let srv = serve(body.clone(), Mode::CutOnce);
    let cache = tempfile::tempdir().unwrap();
    let rel = release(&srv.url, &body);
    let events = Mutex::new(Vec::new());
    let p = download::fetch(&rel, cache.path(), &|e| events.lock().unwrap().push(e)).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), body);
    let reqs = srv.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(reqs[0], None);
    let half = body.len() / 2;
    assert_eq!(reqs[1].as_deref(), Some(format!("bytes={half}-").as_str()));
    let ev = events.lock().unwrap();
    assert!(
        ev.iter()
            .any(|e| matches!(e, DownloadEvent::Retrying { .. }))
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, DownloadEvent::Started { from, .. } if *from == half as u64))
    );
}

/// A mirror that sends its headers and then stalls is given up on after the stall limit,
/// and all attempts together within the overall limit (it used to wait 25 minutes).
#[test]
fn a_mirror_that_stalls_after_the_headers_is_given_up_in_bounded_time() {
    let body = make_image("0.0.6-test");
    let srv = serve(body.clone(), Mode::StallAfterHeaders);
    let cache = tempfile::tempdir().unwrap();
    let rel = release(&srv.url, &body);
    let limits = download::Limits {
        stall: std::time::Duration::from_secs(1),
        overall: std::time::Duration::from_secs(4),
    };
    let started = std::time::Instant::now();
    let e = download::fetch_with(&rel, cache.path(), limits, &|_| {}).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(matches!(e, DownloadError::Failed { .. }), "{e}");
    assert!(e.to_string().contains("sent nothing for 1s"), "{e}");
    assert!(
        x8ctl_core::help_of(&e).contains("resumed"),
        "{}",
        x8ctl_core::help_of(&e)
    );
}

#[test]
fn a_release_without_a_known_asset_says_to_build() {
    let (rels, _) = Releases::load().unwrap();
    let r = rels.find("0.0.5").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let e = download::fetch(r, cache.path(), &|_| {}).unwrap_err();
    assert!(matches!(e, DownloadError::NoAsset { .. }));
    assert!(
        x8ctl_core::help_of(&e).contains("--build --ref 0.0.5"),
        "{}",
        x8ctl_core::help_of(&e)
    );
}

fn releases_file(dir: &std::path::Path, rel: &Release) -> std::path::PathBuf {
    let p = dir.join("releases.toml");
    let text = format!(
        "repository = \"test\"\n\n[[release]]\ntag = \"{}\"\ncommit = \"{}\"\ndate = \"{}\"\nfixes = \"{}\"\nurl = \"{}\"\nsha256 = \"{}\"\n",
        rel.tag, rel.commit, rel.date, rel.fixes, rel.url, rel.sha256
    );
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn flash_fw_release_downloads_then_flashes_and_uses_the_cache_next_time() {
    let body = make_image("0.0.6-test");
    let srv = serve(body.clone(), Mode::Good);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let rel = release(&srv.url, &body);
    let rf = releases_file(dir.path(), &rel);
    let sim = sim(&[]);
    let cmd = |args: &[&str]| {
        let mut c = x8ctl_direct(&sim);
        c.args(args)
            .env("X8CTL_RELEASES_FILE", &rf)
            .env("X8CTL_CACHE_DIR", &cache);
        run(c)
    };
    let (code, out, err) = cmd(&["flash-fw", "--list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0.0.6-test") && out.contains("downloadable"),
        "{out}"
    );
    assert!(out.contains("running 0.0.5, installed 0.0.5"), "{out}");
    let (code, out, err) = cmd(&["flash-fw", "--release", "0.0.6-test", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("downloaded, sha256 verified"), "{err}");
    assert!(out.contains("the H7 runs 0.0.6-test"), "{out}");
    assert_eq!(
        sim.board().services().h7_version().ok().as_deref(),
        Some("0.0.6-test")
    );
    let (code, out, err) = cmd(&["flash-fw", "--list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(doc["cached"][0], "0.0.6-test");
    assert_eq!(doc["board"]["running"], "0.0.6-test");
    // Again: from the cache (the server sees no new request), then refused as the same version.
    let (code, _, err) = cmd(&["flash-fw", "--release", "0.0.6-test", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("using the cached image"), "{err}");
    assert!(err.contains("already runs 0.0.6-test"), "{err}");
    assert_eq!(srv.requests.lock().unwrap().len(), 1);
}

#[test]
fn flash_fw_release_of_a_corrupted_download_leaves_the_board_untouched() {
    let body = make_image("0.0.6-test");
    let srv = serve(body.clone(), Mode::Corrupt);
    let dir = tempfile::tempdir().unwrap();
    let rf = releases_file(dir.path(), &release(&srv.url, &body));
    let sim = sim(&[]);
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--release", "0.0.6-test", "--yes"])
        .env("X8CTL_RELEASES_FILE", &rf)
        .env("X8CTL_CACHE_DIR", dir.path().join("cache"));
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("sha256") && err.contains("refused"), "{err}");
    assert_eq!(
        sim.board().services().h7_version().ok().as_deref(),
        Some("0.0.5")
    );
    assert!(!board_path(&sim, "/home/fio/.x8ctl").exists());
    // The built-in list's releases have no download: say so and suggest --build.
    let mut c = x8ctl_direct(&sim);
    c.args(["flash-fw", "--release", "0.0.5", "--yes"])
        .env_remove("X8CTL_RELEASES_FILE")
        .env("X8CTL_CACHE_DIR", dir.path().join("cache"));
    let (code, _, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no known download"), "{err}");
    assert!(err.contains("--build --ref 0.0.5"), "{err}");
}
