//! `/usr` as an OSTree checkout: each regular file under /usr is a hard link to an object
//! in the repository (`/sysroot/ostree/repo/objects/<2 hex>/<62 hex>.file`), so an in-place
//! write to a /usr file (`cp` over it, a `>` redirection: both truncate and write the same
//! inode) changes the repository object behind it, and `ostree fsck` then finds the object
//! corrupted. Writing a new file beside it and renaming it over the old name (`mv`) leaves
//! the object alone. (real-board-evidence.md §3.3; ostree's docs, "Deployments": the
//! checkout is hard links into the repository.)
//!
//! Simplification, documented: a real OSTree content object is named by the SHA-256 of its
//! header (uid, gid, mode, xattrs) and content; here by the SHA-256 of the content alone.
//! The messages of `ostree fsck` follow ostree's wording as far as we know it [inf].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The repository, as a board path.
pub const REPO: &str = "/sysroot/ostree/repo";

fn hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn objects(root: &Path) -> PathBuf {
    root.join(REPO.trim_start_matches('/')).join("objects")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            files_under(&e.path(), out);
        } else if ft.is_file() && !crate::host::is_symlink(&e.path()) {
            // (A board symlink is a host file on Windows; it is no content object.)
            out.push(e.path());
        }
    }
}

/// Make every regular file under the sandbox's /usr that is not linked yet a hard link of
/// a repository object (the image's checkout, at first boot).
pub fn check_in_usr(root: &Path) -> io::Result<()> {
    let mut files = Vec::new();
    files_under(&root.join("usr"), &mut files);
    let objs = objects(root);
    for f in files {
        if crate::host::lstat(&f)?.nlink > 1 {
            continue;
        }
        let sum = hex(&fs::read(&f)?);
        let dir = objs.join(&sum[..2]);
        fs::create_dir_all(&dir)?;
        let obj = dir.join(format!("{}.file", &sum[2..]));
        if obj.exists() {
            // Same content twice in the image: one object, both names linked to it.
            fs::remove_file(&f)?;
            fs::hard_link(&obj, &f)?;
        } else {
            fs::hard_link(&f, &obj)?;
        }
    }
    Ok(())
}

/// A corrupted object: its name and the checksum of what it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt {
    pub expected: String,
    pub actual: String,
}

/// Check every content object against its name; returns (objects checked, corrupted ones).
pub fn fsck(root: &Path) -> (usize, Vec<Corrupt>) {
    let mut files = Vec::new();
    files_under(&objects(root), &mut files);
    files.sort();
    let mut bad = Vec::new();
    let mut n = 0;
    for f in files {
        let (Some(name), Some(parent)) = (
            f.file_name().and_then(|s| s.to_str()),
            f.parent()
                .and_then(|p| p.file_name())
                .and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        let Some(rest) = name.strip_suffix(".file") else {
            continue;
        };
        n += 1;
        let expected = format!("{parent}{rest}");
        let actual = fs::read(&f).map(|d| hex(&d)).unwrap_or_default();
        if actual != expected {
            bad.push(Corrupt { expected, actual });
        }
    }
    (n, bad)
}

/// The text and exit status of `ostree fsck`.
pub fn fsck_output(root: &Path) -> (String, String, i32) {
    let (n, bad) = fsck(root);
    let mut out = String::new();
    out.push_str("Validating refs...\n");
    out.push_str("Validating refs in collections...\n");
    out.push_str("Enumerating commits...\n");
    out.push_str("Verifying content integrity of 1 commit objects...\n");
    out.push_str(&format!("fsck objects ({n}/{n}) [=============] 100%\n"));
    if bad.is_empty() {
        out.push_str("object fsck of 1 commits completed successfully - no errors found.\n");
        return (out, String::new(), 0);
    }
    let mut err = String::new();
    for c in &bad {
        err.push_str(&format!(
            "error: fsck content object {}: Corrupted file object; checksum expected='{}' actual='{}'\n",
            c.expected, c.expected, c.actual
        ));
    }
    err.push_str(&format!(
        "error: {} object(s) are corrupted in the repository {REPO}\n",
        bad.len()
    ));
    (out, err, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_writes_corrupt_and_renames_do_not() {
        let d = tempfile::tempdir().unwrap();
        let fw = d.path().join("usr/lib/fw.bin");
        fs::create_dir_all(fw.parent().unwrap()).unwrap();
        fs::write(&fw, b"image firmware").unwrap();
        fs::write(d.path().join("usr/lib/other"), b"image firmware").unwrap();
        check_in_usr(d.path()).unwrap();
        assert_eq!(fsck(d.path()), (1, vec![]));
        // Beside it and renamed over: the object keeps its content.
        let new = d.path().join("usr/lib/fw.bin.new");
        fs::write(&new, b"new firmware").unwrap();
        fs::rename(&new, &fw).unwrap();
        assert_eq!(fsck(d.path()).1, vec![]);
        // In place (what cp does): the object behind the other name changes.
        fs::write(d.path().join("usr/lib/other"), b"overwritten").unwrap();
        let (_, bad) = fsck(d.path());
        assert_eq!(bad.len(), 1);
        let (_, err, st) = fsck_output(d.path());
        assert_eq!(st, 1);
        assert!(err.contains("Corrupted file object"), "{err}");
    }
}
