//! Downloading a release's image into the cache: progress, resume with an HTTP `Range`
//! request from a `.part` file, retries, and sha256 verification before the file is used.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::releases::{Release, cached_image};
use crate::board::transfer::local_sha256;

/// Attempts per download (the first plus retries).
pub const ATTEMPTS: u32 = 5;

/// How long a download may wait. Every wait is bounded: a mirror that sends its headers and
/// then nothing is given up on after `stall`, and all attempts together after `overall`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest wait for the next bytes (or the response's headers).
    pub stall: Duration,
    /// The longest time for every attempt together.
    pub overall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stall: Duration::from_secs(30),
            overall: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadEvent {
    /// The cache already holds the verified image.
    Cached {
        path: PathBuf,
    },
    /// A request went out; `from` > 0 when resuming.
    Started {
        url: String,
        from: u64,
    },
    /// The server's size, once known.
    Total(u64),
    Bytes {
        done: u64,
    },
    /// The transfer broke off; trying again.
    Retrying {
        attempt: u32,
        error: String,
    },
    Verified {
        path: PathBuf,
    },
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DownloadError {
    #[error(
        "release {tag} has no known download (no release asset of it is known: releases.toml has no url and sha256 for it)"
    )]
    #[diagnostic(
        code(x8ctl::download::no_asset),
        help(
            "build it from source instead: x8ctl flash-fw --build --ref {tag} (or pass a FILE you trust)"
        )
    )]
    NoAsset { tag: String },
    #[error("the download of {url} failed after {attempts} attempts: {last}")]
    #[diagnostic(
        code(x8ctl::download::failed),
        help("check the network and run again; the part already downloaded is kept and resumed")
    )]
    Failed {
        url: String,
        attempts: u32,
        last: String,
    },
    #[error("{url} answered HTTP {status}")]
    #[diagnostic(
        code(x8ctl::download::http),
        help("the release's url in releases.toml may be wrong; check it, or use --build")
    )]
    Http { url: String, status: u16 },
    #[error(
        "the downloaded file's sha256 is {got}, not the {want} releases.toml expects: refused (the partial file was deleted)"
    )]
    #[diagnostic(
        code(x8ctl::download::checksum),
        help(
            "the file on the server is not the one releases.toml pins: do not flash it; check the url and sha256, or use --build"
        )
    )]
    Checksum { want: String, got: String },
    #[error("the cache folder {path}: {source}")]
    #[diagnostic(
        code(x8ctl::download::cache),
        help("set X8CTL_CACHE_DIR to a writable folder")
    )]
    Cache {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn cache_err(p: &Path, source: std::io::Error) -> DownloadError {
    DownloadError::Cache {
        path: p.display().to_string(),
        source,
    }
}

/// Why one request did not finish.
#[derive(Debug)]
enum AttemptError {
    /// The server answered with this HTTP status (a 4xx ends the download; others are
    /// tried again).
    Status(u16),
    /// Anything else, in words (tried again).
    Other(String),
}

impl From<String> for AttemptError {
    fn from(s: String) -> AttemptError {
        AttemptError::Other(s)
    }
}

impl std::fmt::Display for AttemptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttemptError::Status(s) => write!(f, "HTTP {s}"),
            AttemptError::Other(s) => f.write_str(s),
        }
    }
}

/// One request: append to `part` from its current length. Ok when the file is whole.
fn attempt(
    client: &reqwest::blocking::Client,
    url: &str,
    part: &Path,
    stall: Duration,
    on: &dyn Fn(DownloadEvent),
) -> Result<(), AttemptError> {
    let have = fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    on(DownloadEvent::Started {
        url: url.to_string(),
        from: have,
    });
    let mut req = client.get(url);
    if have > 0 {
        req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let resp = req.send().map_err(|e| {
        if e.is_timeout() {
            "no response from the server in time".to_string()
        } else {
            e.to_string()
        }
    })?;
    let status = resp.status().as_u16();
    let (mut file, mut done) = match status {
        206 if have > 0 => (
            fs::OpenOptions::new()
                .append(true)
                .open(part)
                .map_err(|e| e.to_string())?,
            have,
        ),
        200 => (fs::File::create(part).map_err(|e| e.to_string())?, 0),
        // The part is already whole.
        416 if have > 0 => return Ok(()),
        s => return Err(AttemptError::Status(s)),
    };
    if let Some(len) = resp.content_length() {
        on(DownloadEvent::Total(done + len));
    }
    let content_length = resp.content_length();
    let chunks = read_on_a_thread(resp);
    loop {
        let chunk = match chunks.recv_timeout(stall) {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(e.to_string().into()),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "the server sent nothing for {}s (stalled after {done} bytes)",
                    stall.as_secs()
                )
                .into());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if chunk.is_empty() {
            break;
        }
        file.write_all(&chunk).map_err(|e| e.to_string())?;
        done += chunk.len() as u64;
        on(DownloadEvent::Bytes { done });
    }
    file.flush().map_err(|e| e.to_string())?;
    if let Some(len) = content_length {
        let got = done - if status == 206 { have } else { 0 };
        if got < len {
            return Err(format!("the connection closed after {got} of {len} bytes").into());
        }
    }
    Ok(())
}

/// The body of `resp` in chunks (an empty one at its end), read on a thread of its own so
/// that a mirror that stops sending is noticed after the stall time (reqwest's blocking
/// reader has only an overall timeout). A reader left behind ends with the client's own
/// timeout, or when the process does.
fn read_on_a_thread(
    mut resp: reqwest::blocking::Response,
) -> std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            match resp.read(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Ok(buf)).is_err() || n == 0 {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    rx
}

/// The verified image of `rel` in `cache`, downloading it when needed.
pub fn fetch(
    rel: &Release,
    cache: &Path,
    on: &dyn Fn(DownloadEvent),
) -> Result<PathBuf, DownloadError> {
    fetch_with(rel, cache, Limits::default(), on)
}

/// [`fetch`] with the given [`Limits`].
pub fn fetch_with(
    rel: &Release,
    cache: &Path,
    limits: Limits,
    on: &dyn Fn(DownloadEvent),
) -> Result<PathBuf, DownloadError> {
    let began = std::time::Instant::now();
    if !rel.downloadable() {
        return Err(DownloadError::NoAsset {
            tag: rel.tag.clone(),
        });
    }
    let want = rel.sha256.to_ascii_lowercase();
    let dest = cached_image(cache, &rel.tag);
    if dest.is_file() && local_sha256(&dest).ok().as_deref() == Some(want.as_str()) {
        on(DownloadEvent::Cached { path: dest.clone() });
        return Ok(dest);
    }
    crate::cache::entry(cache, "firmware").map_err(|e| cache_err(cache, e))?;
    let dir = dest.parent().unwrap_or(cache).to_path_buf();
    fs::create_dir_all(&dir).map_err(|e| cache_err(&dir, e))?;
    let part = dest.with_extension("bin.part");
    let client = http_client(&rel.url, &limits)?;
    download_part(&client, &rel.url, &part, &limits, began, on)?;
    let got = local_sha256(&part).map_err(|e| cache_err(&part, e))?;
    if got != want {
        let _ = fs::remove_file(&part);
        return Err(DownloadError::Checksum { want, got });
    }
    fs::rename(&part, &dest).map_err(|e| cache_err(&dest, e))?;
    on(DownloadEvent::Verified { path: dest.clone() });
    Ok(dest)
}

/// The HTTP client for `url`, with the timeouts of `limits`.
fn http_client(url: &str, limits: &Limits) -> Result<reqwest::blocking::Client, DownloadError> {
    // reqwest is built without a crypto provider (Cargo.toml says why): ring it is. An `Err`
    // only means one is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::blocking::Client::builder();
    // A proxy is never right for the loopback (tests, local mirrors).
    if url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost") {
        builder = builder.no_proxy();
    }
    builder
        .connect_timeout(Duration::from_secs(10).min(limits.stall))
        // A request as a whole (headers included) is bounded by `overall`; the body's
        // stalls are watched by `attempt`.
        .timeout(limits.overall)
        .user_agent(concat!("x8ctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Failed {
            url: url.to_string(),
            attempts: 0,
            last: e.to_string(),
        })
}

/// Download `url` into `part` (resuming what it holds), up to [`ATTEMPTS`] times while
/// `limits.overall` since `began` allows; a 4xx answer stops at once.
fn download_part(
    client: &reqwest::blocking::Client,
    url: &str,
    part: &Path,
    limits: &Limits,
    began: std::time::Instant,
    on: &dyn Fn(DownloadEvent),
) -> Result<(), DownloadError> {
    let mut last = String::new();
    let mut ok = false;
    let mut tried = 0;
    for n in 1..=ATTEMPTS {
        if n > 1 && began.elapsed() >= limits.overall {
            break;
        }
        tried = n;
        match attempt(client, url, part, limits.stall, on) {
            Ok(()) => {
                ok = true;
                break;
            }
            Err(AttemptError::Status(status @ 400..=499)) => {
                return Err(DownloadError::Http {
                    url: url.to_string(),
                    status,
                });
            }
            Err(e) => {
                last = e.to_string();
                if n < ATTEMPTS {
                    on(DownloadEvent::Retrying {
                        attempt: n + 1,
                        error: last.clone(),
                    });
                    std::thread::sleep(Duration::from_millis(200 * u64::from(n)));
                }
            }
        }
    }
    if !ok {
        return Err(DownloadError::Failed {
            url: url.to_string(),
            attempts: tried,
            last,
        });
    }
    Ok(())
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let s = || "x".to_string();
        let all = [
            DownloadError::NoAsset {
                tag: "0.0.5".into(),
            },
            DownloadError::Failed {
                url: s(),
                attempts: 3,
                last: s(),
            },
            DownloadError::Http {
                url: s(),
                status: 404,
            },
            DownloadError::Checksum {
                want: s(),
                got: s(),
            },
            DownloadError::Cache {
                path: s(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
        ];
        for e in &all {
            match e {
                DownloadError::NoAsset { .. }
                | DownloadError::Failed { .. }
                | DownloadError::Http { .. }
                | DownloadError::Checksum { .. }
                | DownloadError::Cache { .. } => {}
            }
        }
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("download", &dyns);
        assert!(crate::help_of(&all[0]).contains("--ref 0.0.5"));
    }
}
