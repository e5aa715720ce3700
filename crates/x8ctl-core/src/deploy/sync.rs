//! Incremental sync of an app folder to the board, on board::transfer's pieces.
//!
//! One board command reads the stamp of the last deploy and hashes every file already in
//! the app's board folder (`find DIR -type f -exec sha256sum {} +`: its length does not
//! grow with the number of files, so it stays under MAX_COMMAND). New and changed files go
//! through [`push_plan`] (modes kept, sha256 verified). A file gone from the local folder is
//! removed from the board only if x8ctl put it there: the last sync's list of files (its
//! manifest, beside the deploy stamp) says which. Whatever else is in the app's folder (data
//! the container wrote through a bind mount, a `.env` placed by hand) stays.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::{DeployError, DeployEvent, STAMPS};
use crate::board::Board;
use crate::board::cmd::Cmd;
use crate::board::script::Sections;
use crate::board::transfer::{
    self, PushOptions, PushPlan, SyncClient, SyncFail, TransferReport, parse_sha256sum, plan_push,
    push_plan, run_batched, sync_error,
};

/// What the sync did (files and bytes sent, unchanged, removed).
pub type SyncReport = TransferReport;

fn sha256_file(path: &Path) -> Result<String, DeployError> {
    transfer::local_sha256(path).map_err(|e| DeployError::local_io(path, e))
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

/// Where the list of files the last sync of `name` put on the board is kept.
fn manifest_path(name: &str) -> String {
    format!("{STAMPS}/{name}.files")
}

/// The files (relative to the app's folder) that x8ctl put there at the last sync; empty
/// when it never recorded any (a first deploy, or one by an x8ctl before manifests).
fn read_manifest(
    board: &Board,
    name: &str,
) -> Result<std::collections::BTreeSet<String>, DeployError> {
    let path = manifest_path(name);
    let mut c = SyncClient::open(board)?;
    let mut bytes = Vec::new();
    let got = c.recv(&path, &mut bytes, &mut Sha256::new(), &mut |_| {});
    c.quit();
    match got {
        Ok(()) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        // No such file: nothing recorded.
        Err(SyncFail::Device(_)) => Ok(Default::default()),
        Err(e) => Err(sync_error("reading", &path, e).into()),
    }
}

/// Record the files (relative to the app's folder) this sync put on the board. Written
/// through the sync protocol, so any file name round-trips (JSON escapes it).
fn write_manifest(
    board: &Board,
    name: &str,
    files: &std::collections::BTreeSet<String>,
) -> Result<(), DeployError> {
    board.run_ok(
        &Cmd::new("mkdir").arg("-p").arg(STAMPS),
        "creating x8ctl's deploy folder",
    )?;
    let path = manifest_path(name);
    let json = serde_json::to_vec(files).unwrap_or_default();
    let mut c = SyncClient::open(board)?;
    let sent = c.send(
        &path,
        0o644,
        0,
        &mut &json[..],
        &mut Sha256::new(),
        &mut |_| {},
    );
    c.quit();
    sent.map_err(|e| sync_error("writing", &path, e).into())
}

/// The files to remove: those the last sync put there (`recorded`, relative) that the
/// board still has (`present`, absolute) and the local folder no longer has (`ours`).
fn to_remove(
    board_dir: &str,
    recorded: &std::collections::BTreeSet<String>,
    present: &BTreeMap<String, String>,
    ours: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    recorded
        .iter()
        .map(|rel| format!("{board_dir}/{}", rel.trim_start_matches('/')))
        .filter(|abs| present.contains_key(abs) && !ours.contains(abs))
        .collect()
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
    let (stamp, theirs) = board_state(board, board_dir, name)?;
    let Compared {
        digest,
        changed,
        ours,
        mut report,
    } = compare(&plan.files, board_dir, &theirs, on)?;
    let recorded = read_manifest(board, name)?;
    let removed = to_remove(board_dir, &recorded, &theirs, &ours);
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
        run_batched(
            board,
            &Cmd::new("rm").arg("-f"),
            &removed,
            "removing deleted files",
        )?;
        report.files_removed = removed.len();
    }
    let now: std::collections::BTreeSet<String> = ours
        .iter()
        .map(|abs| {
            abs.strip_prefix(board_dir)
                .unwrap_or(abs)
                .trim_start_matches('/')
                .to_string()
        })
        .collect();
    if now != recorded {
        write_manifest(board, name, &now)?;
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok((report, digest, stamp))
}

/// What the board holds of the app, in one command: the digest recorded by the last
/// successful deploy of `name`, and the sha256 of every file under `board_dir`.
fn board_state(
    board: &Board,
    board_dir: &str,
    name: &str,
) -> Result<(Option<String>, BTreeMap<String, String>), DeployError> {
    let stamp_file = format!("{STAMPS}/{name}");
    let script = Sections::new()
        .part("stamp", Cmd::new("cat").arg(&stamp_file).no_stderr())
        .part(
            "hashes",
            Cmd::new("find")
                .arg(board_dir)
                .args(["-type", "f", "-exec", "sha256sum", "{}", "+"])
                .no_stderr(),
        );
    let o = board.run(&script.render(), Some(crate::board::DEFAULT_TIMEOUT))?;
    let parts = script.parse(&o.stdout);
    let stamp = Some(parts.text("stamp").trim().to_string()).filter(|s| !s.is_empty());
    Ok((stamp, parse_sha256sum(&parts.text("hashes"))))
}

/// The local files against the board's.
struct Compared {
    /// The digest of the local tree (names, hashes, executable bits).
    digest: String,
    /// The files the board lacks or holds otherwise.
    changed: Vec<transfer::FileItem>,
    /// The board paths of every local file.
    ours: std::collections::BTreeSet<String>,
    /// The unchanged files counted.
    report: SyncReport,
}

/// Hash every local file and compare it with `theirs` (board path -> sha256), warning of
/// scripts with CRLF line endings on the way.
fn compare(
    files: &[transfer::FileItem],
    board_dir: &str,
    theirs: &BTreeMap<String, String>,
    on: &(dyn Fn(DeployEvent) + Sync),
) -> Result<Compared, DeployError> {
    let mut digest = Sha256::new();
    let mut changed = Vec::new();
    let mut report = SyncReport::default();
    let mut ours = std::collections::BTreeSet::new();
    for f in files {
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
    Ok(Compared {
        digest: transfer::hex(&digest.finalize()),
        changed,
        ours,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::{crlf_shebang, to_remove};
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn only_files_x8ctl_put_there_are_removed() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let present: BTreeMap<String, String> = [
            "/home/fio/app/main.py",
            "/home/fio/app/old.py",
            "/home/fio/app/data/readings.csv",
            "/home/fio/app/.env",
        ]
        .iter()
        .map(|p| (p.to_string(), "h".to_string()))
        .collect();
        let ours = set(&["/home/fio/app/main.py"]);
        // Last time x8ctl put main.py, old.py and gone.py there (gone.py was deleted on the
        // board since); the container's data and the hand-placed .env were never its.
        let recorded = set(&["main.py", "old.py", "gone.py"]);
        assert_eq!(
            to_remove("/home/fio/app", &recorded, &present, &ours),
            ["/home/fio/app/old.py"]
        );
        // Nothing recorded (first deploy, or an older x8ctl): nothing is removed.
        assert!(to_remove("/home/fio/app", &BTreeSet::new(), &present, &ours).is_empty());
    }

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
