//! x8ctl's per-user cache: downloaded firmware, firmware and app repositories, checkouts.
//! `X8CTL_CACHE_DIR`, then the config file's `cache_dir`, override the platform's folder.
//! `x8ctl cache list|clean` shows and empties it.

use std::path::{Path, PathBuf};

use crate::board::locate::Os;

/// x8ctl's cache folder for `os`, from the environment `env` gives: `X8CTL_CACHE_DIR`;
/// Linux `$XDG_CACHE_HOME/x8ctl` or `~/.cache/x8ctl`; macOS `~/Library/Caches/x8ctl`;
/// Windows `%LOCALAPPDATA%\x8ctl\cache`.
pub fn dir_for(os: Os, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(d) = get("X8CTL_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    match os {
        Os::Linux => get("XDG_CACHE_HOME")
            .map(|x| PathBuf::from(x).join("x8ctl"))
            .or_else(|| get("HOME").map(|h| PathBuf::from(h).join(".cache").join("x8ctl"))),
        Os::MacOs => get("HOME").map(|h| {
            PathBuf::from(h)
                .join("Library")
                .join("Caches")
                .join("x8ctl")
        }),
        Os::Windows => get("LOCALAPPDATA")
            .map(PathBuf::from)
            .or_else(|| get("USERPROFILE").map(|h| PathBuf::from(h).join("AppData").join("Local")))
            .map(|d| d.join("x8ctl").join("cache")),
    }
}

static CONFIGURED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The config file's `cache_dir`: used when `X8CTL_CACHE_DIR` is unset. The command line
/// sets it once at start-up.
pub fn set_configured(dir: PathBuf) {
    let _ = CONFIGURED.set(dir);
}

/// The cache folder and where that choice comes from (`environment`, `file`, `default`):
/// `X8CTL_CACHE_DIR`, else the config file's `cache_dir`, else the platform's folder.
pub fn locate(
    os: Os,
    env: &dyn Fn(&str) -> Option<String>,
    file: Option<&Path>,
) -> Option<(PathBuf, &'static str)> {
    if let Some(d) = env("X8CTL_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(d), "environment"));
    }
    if let Some(f) = file {
        return Some((f.to_path_buf(), "file"));
    }
    dir_for(os, env).map(|d| (d, "default"))
}

/// This machine's cache folder.
pub fn dir() -> Option<PathBuf> {
    locate(
        Os::current(),
        &|k| std::env::var(k).ok(),
        CONFIGURED.get().map(PathBuf::as_path),
    )
    .map(|(d, _)| d)
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
    pub bytes: u64,
    pub files: u64,
}

fn describe(name: &str) -> &'static str {
    match name {
        "firmware" => "downloaded H7 firmware images",
        "firmware-src" | "src" | "build" => "firmware repositories and builds",
        "repos" => "app repositories (git)",
        "checkouts" => "app checkouts at pinned commits",
        _ => "other",
    }
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

/// The cache's top-level entries with their sizes.
pub fn entries(dir: &Path) -> Vec<Entry> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Entry> = rd
        .filter_map(|e| e.ok())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (bytes, files) = usage(&e.path());
            Entry {
                what: describe(&name),
                name,
                bytes,
                files,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Remove everything in the cache; the bytes freed.
pub fn clean(dir: &Path) -> std::io::Result<u64> {
    let freed: u64 = entries(dir).iter().map(|e| e.bytes).sum();
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(freed),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn cache_dirs_per_os() {
        let linux = env(&[("HOME", "/home/u")]);
        assert_eq!(
            dir_for(Os::Linux, &linux),
            Some(PathBuf::from("/home/u/.cache/x8ctl"))
        );
        let xdg = env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/c")]);
        assert_eq!(dir_for(Os::Linux, &xdg), Some(PathBuf::from("/c/x8ctl")));
        let mac = env(&[("HOME", "/Users/u")]);
        assert_eq!(
            dir_for(Os::MacOs, &mac),
            Some(PathBuf::from("/Users/u/Library/Caches/x8ctl"))
        );
        let win = env(&[("LOCALAPPDATA", r"C:\Users\u\AppData\Local")]);
        assert_eq!(
            dir_for(Os::Windows, &win),
            Some(
                PathBuf::from(r"C:\Users\u\AppData\Local")
                    .join("x8ctl")
                    .join("cache")
            )
        );
        let over = env(&[("HOME", "/home/u"), ("X8CTL_CACHE_DIR", "/tmp/c")]);
        for os in [Os::Linux, Os::MacOs, Os::Windows] {
            assert_eq!(dir_for(os, &over), Some(PathBuf::from("/tmp/c")));
        }
        assert_eq!(dir_for(Os::Linux, &env(&[])), None);
    }

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
        let home = env(&[("HOME", "/home/u")]);
        assert_eq!(
            locate(Os::Linux, &home, Some(file)),
            Some((file.to_path_buf(), "file"))
        );
        assert_eq!(
            locate(Os::MacOs, &home, None),
            Some((PathBuf::from("/home/u/Library/Caches/x8ctl"), "default"))
        );
        let over = env(&[("HOME", "/home/u"), ("X8CTL_CACHE_DIR", "/tmp/c")]);
        assert_eq!(
            locate(Os::Windows, &over, Some(file)),
            Some((PathBuf::from("/tmp/c"), "environment"))
        );
        // An empty X8CTL_CACHE_DIR is unset.
        let empty = env(&[("HOME", "/home/u"), ("X8CTL_CACHE_DIR", "")]);
        assert_eq!(locate(Os::Linux, &empty, Some(file)).unwrap().1, "file");
    }

    #[test]
    fn list_and_clean() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("cache");
        std::fs::create_dir_all(c.join("firmware/0.0.5")).unwrap();
        std::fs::write(
            c.join("firmware/0.0.5/STM32H747AII6_CM7.bin"),
            vec![0u8; 1000],
        )
        .unwrap();
        std::fs::create_dir_all(c.join("repos/x")).unwrap();
        std::fs::write(c.join("repos/x/a"), b"abc").unwrap();
        let e = entries(&c);
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].name.as_str(), e[0].bytes, e[0].files),
            ("firmware", 1000, 1)
        );
        assert_eq!(e[1].what, "app repositories (git)");
        assert_eq!(clean(&c).unwrap(), 1003);
        assert!(!c.exists());
        assert_eq!(clean(&c).unwrap(), 0);
        assert!(entries(&c).is_empty());
    }
}
