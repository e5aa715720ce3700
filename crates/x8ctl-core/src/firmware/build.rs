//! `flash-fw --build [--ref REF]`: clone arduino/portentax8-stm32h7-fw with git2 into the
//! cache (shallow for a tag over https), check the toolchain, `make` it with xshell, and take
//! `STM32H747AII6_CM7.bin` from the repository root (where the Makefile puts it; the docs'
//! `build/` is wrong).
//!
//! The Makefile runs `git describe` for the version string, so the checkout keeps its tags.

use std::path::{Path, PathBuf};

use crate::board::locate::Os;

/// The firmware's repository (`X8CTL_FIRMWARE_REPO` names another, e.g. a fork or a mirror).
pub const REPO_URL: &str = "https://github.com/arduino/portentax8-stm32h7-fw";
/// What the Makefile produces in the repository root.
pub const OUTPUT: &str = "STM32H747AII6_CM7.bin";
/// The programs the build needs.
pub const TOOLS: &[&str] = &["arm-none-eabi-gcc", "arm-none-eabi-objcopy", "make"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildEvent {
    Fetching {
        url: String,
        into: PathBuf,
        shallow: bool,
    },
    CheckedOut {
        reference: String,
        commit: String,
    },
    Building {
        command: String,
    },
    Built {
        path: PathBuf,
    },
    /// The compiler is the one in this folder (found off PATH: the Arduino IDE's).
    Toolchain {
        dir: PathBuf,
    },
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error("the firmware toolchain is missing: {}", missing.join(", "))]
    #[diagnostic(code(x8ctl::build::toolchain), help("{}", toolchain_hint(*os)))]
    Toolchain { missing: Vec<String>, os: Os },
    #[error("git: {}", .0.message())]
    #[diagnostic(
        code(x8ctl::build::git),
        help("check the network and the repository url (X8CTL_FIRMWARE_REPO), then run again")
    )]
    Git(#[source] git2::Error),
    #[error("no ref {reference} in {url}")]
    #[diagnostic(
        code(x8ctl::build::no_ref),
        help("pass a tag (0.0.5), a branch (master) or a commit with --ref")
    )]
    NoRef { reference: String, url: String },
    #[error("make failed (exit {status}): {}", tail.join(" | "))]
    #[diagnostic(
        code(x8ctl::build::make),
        help(
            "read make's output above (x8ctl -v shows it all); an old arm-none-eabi-gcc 7 fails in src/pwm.c, a newer one builds"
        )
    )]
    Make { status: i32, tail: Vec<String> },
    #[error("the build finished but left no {OUTPUT} in {dir}")]
    #[diagnostic(
        code(x8ctl::build::no_output),
        help("this ref may not be the H7 firmware; check --ref")
    )]
    NoOutput { dir: String },
    #[error("{0}")]
    #[diagnostic(
        code(x8ctl::build::local),
        help("check the cache folder (X8CTL_CACHE_DIR)")
    )]
    Local(String),
}

/// How to get the toolchain on `os`.
pub fn toolchain_hint(os: Os) -> &'static str {
    match os {
        Os::Linux => {
            "install it: sudo apt install gcc-arm-none-eabi make (Debian/Ubuntu), or your distribution's arm-none-eabi-gcc and make"
        }
        Os::MacOs => {
            "install it: brew install --cask gcc-arm-embedded, and make with xcode-select --install"
        }
        Os::Windows => {
            "install the Arm GNU Toolchain (arm-none-eabi) from developer.arm.com and make (e.g. MSYS2: pacman -S make), and put both on PATH"
        }
    }
}

/// Whether `name` is an executable on the installed [`crate::host`]'s PATH.
fn on_path(name: &str) -> bool {
    let host = crate::host::get();
    let exe = host.os.exe(name);
    host.path.iter().any(|d| d.join(&exe).is_file())
}

/// The folder of an `arm-none-eabi-gcc` found off PATH (the Arduino IDE's), found as adb
/// is found ([`crate::board::locate::find_arm_gcc`]).
fn gcc_dir_off_path() -> Option<PathBuf> {
    let c = crate::board::locate::find_arm_gcc()?;
    if c.origin == "PATH" {
        return None;
    }
    c.path.parent().map(Path::to_path_buf)
}

/// The tools of [`TOOLS`] that are neither on PATH nor (the compiler's) in the Arduino IDE's
/// toolchain folder.
pub fn missing_tools() -> Vec<String> {
    let extra = gcc_dir_off_path();
    TOOLS
        .iter()
        .filter(|t| {
            !on_path(t)
                && !extra
                    .as_ref()
                    .is_some_and(|d| d.join(Os::current().exe(t)).is_file())
        })
        .map(|t| t.to_string())
        .collect()
}

fn git_err(e: git2::Error) -> BuildError {
    BuildError::Git(e)
}

/// The checkout folder of `url` in the cache.
fn checkout_dir(cache: &Path, url: &str) -> PathBuf {
    cache.join("src").join(crate::cache::name_for(url))
}

/// Fetch `url` into the cache and check out `reference` (a tag, branch or commit).
fn checkout(
    url: &str,
    reference: &str,
    cache: &Path,
    on: &dyn Fn(BuildEvent),
) -> Result<(PathBuf, String), BuildError> {
    crate::cache::entry(cache, "src")
        .map_err(|e| BuildError::Local(format!("cannot create {}: {e}", cache.display())))?;
    let dir = checkout_dir(cache, url);
    std::fs::create_dir_all(&dir)
        .map_err(|e| BuildError::Local(format!("cannot create {}: {e}", dir.display())))?;
    let repo = match git2::Repository::open(&dir) {
        Ok(r) => r,
        Err(_) => git2::Repository::init(&dir).map_err(git_err)?,
    };
    let looks_like_tag = reference
        .trim_start_matches('v')
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    // Shallow only for a release tag over the network: its `git describe` still works.
    let shallow = looks_like_tag && (url.starts_with("https://") || url.starts_with("http://"));
    on(BuildEvent::Fetching {
        url: url.to_string(),
        into: dir.clone(),
        shallow,
    });
    let mut remote = repo.remote_anonymous(url).map_err(git_err)?;
    let mut fo = git2::FetchOptions::new();
    let specs: Vec<String> = if shallow {
        // Just the tag, one commit deep.
        fo.download_tags(git2::AutotagOption::None);
        fo.depth(1);
        vec![format!("+refs/tags/{reference}:refs/tags/{reference}")]
    } else {
        fo.download_tags(git2::AutotagOption::All);
        vec![
            "+refs/heads/*:refs/remotes/origin/*".into(),
            "+refs/tags/*:refs/tags/*".into(),
        ]
    };
    remote.fetch(&specs, Some(&mut fo), None).map_err(git_err)?;
    let obj = [
        format!("refs/tags/{reference}"),
        format!("refs/remotes/origin/{reference}"),
        reference.to_string(),
    ]
    .iter()
    .find_map(|r| repo.revparse_single(r).ok())
    .ok_or_else(|| BuildError::NoRef {
        reference: reference.to_string(),
        url: url.to_string(),
    })?;
    let commit = obj.peel_to_commit().map_err(git_err)?;
    repo.checkout_tree(
        commit.as_object(),
        Some(
            git2::build::CheckoutBuilder::new()
                .force()
                .remove_untracked(false),
        ),
    )
    .map_err(git_err)?;
    repo.set_head_detached(commit.id()).map_err(git_err)?;
    let id = commit.id().to_string();
    on(BuildEvent::CheckedOut {
        reference: reference.to_string(),
        commit: id[..7.min(id.len())].to_string(),
    });
    Ok((dir, id))
}

/// Build the firmware at `reference` of `url` (None: [`REPO_URL`] or
/// `X8CTL_FIRMWARE_REPO`); returns the .bin in the checkout and make's output lines.
pub fn build(
    url: Option<&str>,
    reference: &str,
    cache: &Path,
    on: &dyn Fn(BuildEvent),
) -> Result<(PathBuf, Vec<String>), BuildError> {
    build_at(url, reference, cache, on).map(|b| (b.path, b.lines))
}

/// What [`build_at`] made.
pub struct Built {
    pub path: PathBuf,
    pub lines: Vec<String>,
    /// The commit built (full hash).
    pub commit: String,
    /// The repository it came from.
    pub url: String,
}

/// The repository builds come from: `X8CTL_FIRMWARE_REPO` (the installed
/// [`crate::host`]'s `firmware_repo`), else [`REPO_URL`].
pub fn repo_url() -> String {
    crate::host::get()
        .firmware_repo
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| REPO_URL.to_string())
}

/// [`build`], saying which commit was built.
pub fn build_at(
    url: Option<&str>,
    reference: &str,
    cache: &Path,
    on: &dyn Fn(BuildEvent),
) -> Result<Built, BuildError> {
    let missing = missing_tools();
    if !missing.is_empty() {
        return Err(BuildError::Toolchain {
            missing,
            os: Os::current(),
        });
    }
    let url = url.map(str::to_string).unwrap_or_else(repo_url);
    let (dir, commit) = checkout(&url, reference, cache, on)?;
    let out = dir.join(OUTPUT);
    let _ = std::fs::remove_file(&out);
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .to_string();
    let sh = xshell::Shell::new().map_err(|e| BuildError::Local(e.to_string()))?;
    sh.change_dir(&dir);
    if let Some(gcc) = gcc_dir_off_path() {
        // The Arduino IDE's toolchain: make finds it through PATH.
        let mut paths = vec![gcc.clone()];
        paths.extend(crate::host::get().path.iter().cloned());
        if let Ok(joined) = std::env::join_paths(paths) {
            sh.set_var("PATH", joined);
        }
        on(BuildEvent::Toolchain { dir: gcc });
    }
    on(BuildEvent::Building {
        command: format!("make -j{jobs} (in {})", dir.display()),
    });
    let jflag = format!("-j{jobs}");
    let o = xshell::cmd!(sh, "make {jflag}")
        .ignore_status()
        .quiet()
        .output()
        .map_err(|e| BuildError::Local(format!("cannot run make: {e}")))?;
    let mut lines: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.extend(
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .map(str::to_string),
    );
    if !o.status.success() {
        let tail = lines.iter().rev().take(6).rev().cloned().collect();
        return Err(BuildError::Make {
            status: o.status.code().unwrap_or(-1),
            tail,
        });
    }
    if !out.is_file() {
        return Err(BuildError::NoOutput {
            dir: dir.display().to_string(),
        });
    }
    on(BuildEvent::Built { path: out.clone() });
    Ok(Built {
        path: out,
        lines,
        commit,
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_dirs_are_per_url_and_safe() {
        let a = checkout_dir(Path::new("/c"), REPO_URL);
        assert!(a.starts_with("/c/src"));
        assert!(
            a.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("portentax8-stm32h7-fw-")
        );
        let b = checkout_dir(Path::new("/c"), "/tmp/x/portentax8-stm32h7-fw");
        assert_ne!(a, b);
        let c = checkout_dir(Path::new("/c"), "..");
        assert!(
            c.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("repo-")
        );
    }

    #[test]
    fn every_os_has_a_toolchain_hint() {
        assert!(toolchain_hint(Os::Linux).contains("sudo apt install gcc-arm-none-eabi make"));
        assert!(toolchain_hint(Os::MacOs).contains("brew"));
        assert!(toolchain_hint(Os::Windows).contains("arm-none-eabi"));
    }

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let s = || "x".to_string();
        let all = [
            BuildError::Toolchain {
                missing: vec![s()],
                os: Os::Linux,
            },
            BuildError::Git(git2::Error::from_str("x")),
            BuildError::NoRef {
                reference: s(),
                url: s(),
            },
            BuildError::Make {
                status: 2,
                tail: vec![s()],
            },
            BuildError::NoOutput { dir: s() },
            BuildError::Local(s()),
        ];
        for e in &all {
            match e {
                BuildError::Toolchain { .. }
                | BuildError::Git(_)
                | BuildError::NoRef { .. }
                | BuildError::Make { .. }
                | BuildError::NoOutput { .. }
                | BuildError::Local(_) => {}
            }
        }
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("build", &dyns);
        assert_eq!(crate::help_of(&all[0]), toolchain_hint(Os::Linux));
    }
}
