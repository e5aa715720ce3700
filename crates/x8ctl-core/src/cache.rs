//! x8ctl's per-user cache: downloaded firmware, firmware and app repositories, checkouts.
//! `X8CTL_CACHE_DIR`, then the config file's `cache_dir`, override the platform's folder.
//! `x8ctl cache list|clean` shows and empties it.

use std::path::{Path, PathBuf};

/// The cache folder and where that choice comes from (`environment`, `file`, `default`):
/// `X8CTL_CACHE_DIR` (`env`; empty is unset), else the config file's `cache_dir`, else the
/// platform's folder. The binary finds each of them and calls this once.
pub fn locate(
    env: Option<&Path>,
    file: Option<&Path>,
    platform: Option<&Path>,
) -> Option<(PathBuf, &'static str)> {
    if let Some(d) = env.filter(|d| !d.as_os_str().is_empty()) {
        return Some((d.to_path_buf(), "environment"));
    }
    if let Some(f) = file {
        return Some((f.to_path_buf(), "file"));
    }
    platform.map(|d| (d.to_path_buf(), "default"))
}

/// This machine's cache folder: the installed [`crate::host`]'s.
pub fn dir() -> Option<PathBuf> {
    crate::host::get().cache_dir.clone()
}

/// A folder name in the cache for a repository URL or path: its last component, kept to
/// safe characters (`repo` when nothing is left), and a hash of the whole, so that two
/// sources never share a folder.
pub fn name_for(source: &str) -> String {
    use sha2::Digest;
    let hash = crate::board::transfer::hex(&sha2::Sha256::digest(source.as_bytes()));
    let tail: String = source
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    let tail = if tail.trim_matches('.').is_empty() {
        "repo"
    } else {
        &tail
    };
    format!("{tail}-{}", &hash[..12])
}

/// One top-level entry of the cache, with what it holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub name: String,
    pub what: &'static str,
    /// Created by x8ctl (and so removed by `cache clean`).
    pub own: bool,
    pub bytes: u64,
    pub files: u64,
}

/// The top-level entries x8ctl creates in its cache, with what each holds.
pub const OWN_ENTRIES: &[(&str, &str)] = &[
    ("firmware", "downloaded H7 firmware images"),
    ("src", "firmware repositories and builds"),
    ("repos", "app repositories (git)"),
    ("checkouts", "app checkouts at pinned commits"),
];

/// The file x8ctl writes into each entry it creates. `cache clean` removes an entry only
/// when its name is one of [`OWN_ENTRIES`] and this marker is in it, so a cache folder
/// pointed at a shared place (`X8CTL_CACHE_DIR=$HOME/.cache`, or `.`) loses nothing else.
pub const MARKER: &str = ".x8ctl-cache-entry";

/// `cache/name`, created with x8ctl's marker in it, for x8ctl to write into.
pub fn entry(cache: &Path, name: &str) -> std::io::Result<PathBuf> {
    let dir = cache.join(name);
    std::fs::create_dir_all(&dir)?;
    let marker = dir.join(MARKER);
    if !marker.exists() {
        std::fs::write(
            &marker,
            "This folder was created by x8ctl; `x8ctl cache clean` removes it.\n",
        )?;
    }
    Ok(dir)
}

/// Whether x8ctl created this top-level entry.
fn is_own(path: &Path, name: &str) -> bool {
    OWN_ENTRIES.iter().any(|(n, _)| *n == name)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
        && path.join(MARKER).is_file()
}

fn usage(path: &Path) -> (u64, u64) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return (0, 0);
    };
    if !meta.is_dir() {
        return (meta.len(), 1);
    }
    let Ok(rd) = std::fs::read_dir(path) else {
        return (0, 0);
    };
    rd.filter_map(|e| e.ok())
        .map(|e| usage(&e.path()))
        .fold((0, 0), |(b, f), (b2, f2)| (b + b2, f + f2))
}

/// The cache's top-level entries with their sizes, x8ctl's own and others. A cache folder
/// that does not exist is empty; one that cannot be read is an error.
pub fn entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let own = is_own(&e.path(), &name);
        let (bytes, files) = usage(&e.path());
        out.push(Entry {
            what: match OWN_ENTRIES.iter().find(|(n, _)| *n == name) {
                Some((_, what)) if own => what,
                _ => "not x8ctl's (left alone)",
            },
            own,
            name,
            bytes,
            files,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What `clean` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Cleaned {
    pub freed_bytes: u64,
    pub removed: Vec<String>,
    /// Entries that are not x8ctl's, left in place.
    pub left: Vec<String>,
}

/// Remove x8ctl's own entries from the cache folder; everything else stays, and so does
/// the folder itself.
pub fn clean(dir: &Path) -> std::io::Result<Cleaned> {
    let mut done = Cleaned::default();
    for e in entries(dir)? {
        if e.own {
            std::fs::remove_dir_all(dir.join(&e.name))?;
            done.freed_bytes += e.bytes;
            done.removed.push(e.name);
        } else {
            done.left.push(e.name);
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_sources_are_safe_and_distinct() {
        let a = name_for("https://github.com/arduino/portenta-containers.git");
        assert!(
            a.starts_with("portenta-containers-") && a.len() == 20 + 12,
            "{a}"
        );
        assert_ne!(a, name_for("/srv/mirror/portenta-containers"));
        assert!(name_for(r"C:\src\fw-1.2").starts_with("fw-1.2-"));
        for odd in ["..", "", "/", "a/../..", "x/$(rm -rf)"] {
            let n = name_for(odd);
            assert!(
                !n.contains(['/', '\\', '$', ' ']) && n != ".." && !n.starts_with('-'),
                "{n}"
            );
        }
    }

    #[test]
    fn environment_then_file_then_platform() {
        let file = Path::new("/data/x8");
        let platform = Path::new("/home/u/.cache/x8ctl");
        assert_eq!(
            locate(None, Some(file), Some(platform)),
            Some((file.to_path_buf(), "file"))
        );
        assert_eq!(
            locate(None, None, Some(platform)),
            Some((platform.to_path_buf(), "default"))
        );
        assert_eq!(
            locate(Some(Path::new("/tmp/c")), Some(file), Some(platform)),
            Some((PathBuf::from("/tmp/c"), "environment"))
        );
        // An empty X8CTL_CACHE_DIR is unset.
        assert_eq!(
            locate(Some(Path::new("")), Some(file), None).unwrap().1,
            "file"
        );
        assert_eq!(locate(None, None, None), None);
    }

    #[test]
    fn list_and_clean_touch_only_what_x8ctl_made() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("cache");
        let fw = entry(&c, "firmware").unwrap();
        std::fs::create_dir_all(fw.join("0.0.5")).unwrap();
        std::fs::write(fw.join("0.0.5/STM32H747AII6_CM7.bin"), vec![0u8; 1000]).unwrap();
        let repos = entry(&c, "repos").unwrap();
        std::fs::write(repos.join("a"), b"abc").unwrap();
        // Another program's cache beside x8ctl's, one with a name x8ctl uses but no
        // marker, and a loose file.
        std::fs::create_dir_all(c.join("pip/http")).unwrap();
        std::fs::write(c.join("pip/http/x"), b"keep").unwrap();
        std::fs::create_dir_all(c.join("src")).unwrap();
        std::fs::write(c.join("src/notes.txt"), b"mine").unwrap();
        std::fs::write(c.join("loose.txt"), b"keep").unwrap();

        let e = entries(&c).unwrap();
        let own: Vec<&str> = e
            .iter()
            .filter(|e| e.own)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(own, ["firmware", "repos"]);
        assert_eq!(
            e.iter().find(|e| e.name == "repos").unwrap().what,
            "app repositories (git)"
        );
        assert_eq!(
            e.iter().find(|e| e.name == "src").unwrap().what,
            "not x8ctl's (left alone)"
        );

        let done = clean(&c).unwrap();
        assert_eq!(done.removed, ["firmware", "repos"]);
        assert_eq!(done.left, ["loose.txt", "pip", "src"]);
        assert!(done.freed_bytes >= 1003);
        assert!(c.join("pip/http/x").is_file());
        assert!(c.join("src/notes.txt").is_file());
        assert!(c.join("loose.txt").is_file());
        assert!(!c.join("firmware").exists() && !c.join("repos").exists());
        // Again: nothing of x8ctl's is left to remove.
        assert!(clean(&c).unwrap().removed.is_empty());
        // A folder that does not exist is empty.
        assert!(entries(&dir.path().join("none")).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_cache_is_an_error_not_empty() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        entry(dir.path(), "firmware").unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o300)).unwrap();
        // Root reads any folder: the check means something only for other users.
        let readable = std::fs::read_dir(dir.path()).is_ok();
        let got = entries(dir.path());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        if !readable {
            assert!(got.is_err());
        }
    }
}
