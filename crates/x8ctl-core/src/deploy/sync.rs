//! Incremental sync of an app folder to the board, on board::transfer's pieces.
//!
//! One board command reads the stamp of the last deploy and hashes every file already in
//! the app's board folder (`find DIR -type f -exec sha256sum {} +`: its length does not
//! grow with the number of files, so it stays under MAX_COMMAND). New and changed files go
//! through [`push_plan`] (modes kept, sha256 verified); files gone from the local folder are
//! removed with batched `rm -f`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::{DeployError, DeployEvent, STAMPS};
use crate::board::Board;
use crate::board::quote::quote;
use crate::board::transfer::{
    self, PushOptions, PushPlan, TransferReport, parse_sha256sum, plan_push, push_plan, run_batched,
};

/// What the sync did (files and bytes sent, unchanged, removed).
pub type SyncReport = TransferReport;

fn sha256_file(path: &Path) -> Result<String, DeployError> {
    let mut f =
        fs::File::open(path).map_err(|e| DeployError::Local(format!("{}: {e}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| DeployError::Local(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(transfer::hex(&h.finalize()))
}

/// Whether the app reads the M4's values (a Python file that calls `temperature`).
pub fn looks_like_sensors(dir: &Path) -> bool {
    fn walk(d: &Path, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        let Ok(rd) = fs::read_dir(d) else {
            return false;
        };
        rd.filter_map(|e| e.ok()).any(|e| {
            let p = e.path();
            if p.is_dir() {
                walk(&p, depth + 1)
            } else {
                p.extension().is_some_and(|x| x == "py")
                    && fs::read_to_string(&p)
                        .is_ok_and(|t| t.contains("'temperature'") || t.contains("\"temperature\""))
            }
        })
    }
    walk(dir, 0)
}

/// A script whose `#!` line ends in CR (a Windows checkout with core.autocrlf): Linux
/// looks for an interpreter named `sh\r` and the script fails with "not found".
pub fn crlf_shebang(head: &[u8]) -> bool {
    head.starts_with(b"#!")
        && head
            .iter()
            .position(|&b| b == b'\n')
            .is_some_and(|nl| nl > 0 && head[nl - 1] == b'\r')
}

fn has_crlf_shebang(path: &Path) -> bool {
    let mut head = Vec::with_capacity(256);
    fs::File::open(path)
        .and_then(|f| f.take(256).read_to_end(&mut head))
        .is_ok_and(|_| crlf_shebang(&head))
}

/// Sync `local` to `board_dir`. Returns the report, the digest of the local tree (files,
/// hashes, modes) and the digest recorded by the last successful deploy of `name`.
pub fn sync(
    board: &Board,
    local: &Path,
    board_dir: &str,
    name: &str,
    on: &(dyn Fn(DeployEvent) + Sync),
) -> Result<(SyncReport, String, Option<String>), DeployError> {
    let started = Instant::now();
    let plan = plan_push(&[local.to_path_buf()], board_dir, false)?;
    on(DeployEvent::Hashing {
        files: plan.files.len(),
    });
    let stamp_file = format!("{STAMPS}/{name}");
    let o = board.run(
        &format!(
            "cat {} 2>/dev/null; echo '--x8ctl--'; find {} -type f -exec sha256sum {{}} + 2>/dev/null; true",
            quote(&stamp_file),
            quote(board_dir)
        ),
        Some(crate::board::DEFAULT_TIMEOUT),
    )?;
    let text = o.stdout_text();
    let (stamp, hashes) = text.split_once("--x8ctl--").unwrap_or(("", &text));
    let stamp = Some(stamp.trim().to_string()).filter(|s| !s.is_empty());
    let theirs: BTreeMap<String, String> = parse_sha256sum(hashes);

    let mut digest = Sha256::new();
    let mut changed = Vec::new();
    let mut report = SyncReport::default();
    let mut ours = std::collections::BTreeSet::new();
    for f in &plan.files {
        let h = sha256_file(&f.local)?;
        let rel = f.remote.strip_prefix(board_dir).unwrap_or(&f.remote);
        if has_crlf_shebang(&f.local) {
            on(DeployEvent::Warning(format!(
                "{} has Windows (CRLF) line endings in its #! line: run on the board it fails with \"not found\"; convert it (`git config core.autocrlf input` and check out again, or dos2unix)",
                rel.trim_start_matches('/')
            )));
        }
        digest.update(format!("{rel}\0{h}\0{:o}\n", f.mode & 0o111).as_bytes());
        ours.insert(f.remote.clone());
        if theirs.get(&f.remote) == Some(&h) {
            report.files_unchanged += 1;
            report.bytes_unchanged += f.size;
        } else {
            changed.push(f.clone());
        }
    }
    let removed: Vec<String> = theirs
        .keys()
        .filter(|k| !ours.contains(*k) && k.starts_with(&format!("{board_dir}/")))
        .cloned()
        .collect();
    if !changed.is_empty() {
        let sent = push_plan(
            board,
            PushPlan {
                files: changed,
                dirs: plan.dirs.clone(),
                dir_modes: plan.dir_modes.clone(),
            },
            &PushOptions {
                sync: false,
                verify: true,
                streams: transfer::DEFAULT_STREAMS,
            },
            &|e| on(DeployEvent::Transfer(e)),
            started,
        )?;
        report.files_sent = sent.files_sent;
        report.bytes_sent = sent.bytes_sent;
        report.verified = sent.verified;
    }
    if !removed.is_empty() {
        run_batched(board, "rm -f", &removed, "removing deleted files")?;
        report.files_removed = removed.len();
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok((report, transfer::hex(&digest.finalize()), stamp))
}

#[cfg(test)]
mod tests {
    use super::crlf_shebang;

    #[test]
    fn crlf_in_the_shebang_line_is_found() {
        assert!(crlf_shebang(b"#!/bin/sh\r\nexec python -u main.py\r\n"));
        assert!(!crlf_shebang(b"#!/bin/sh\nexec python -u main.py\n"));
        // Only scripts: a CRLF Python module or Dockerfile runs fine.
        assert!(!crlf_shebang(b"import time\r\n"));
        assert!(!crlf_shebang(b"#!/bin/sh"));
        assert!(!crlf_shebang(b""));
    }
}
