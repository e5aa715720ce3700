//! Fetching an app folder from a git repository with git2, into the per-user cache.
//!
//! One bare repository per URL under `<cache>/repos/`, and the app folder of each commit
//! extracted once under `<cache>/checkouts/<commit>/<path>`. A commit already in the cache
//! is used without touching the network, so a pinned app deploys offline the second time.
//! The fetch is shallow (depth 1) where the transport allows it, else full.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{FetchOptions, Oid, RemoteCallbacks, Repository, TreeWalkMode, TreeWalkResult};

use super::{DeployError, DeployEvent};

/// The cache folder ([`crate::cache::dir`]); `x8ctl-cache` in the system's temporary
/// folder ([`crate::host::HostEnv::temp_dir`]) when there is none, and in the working
/// folder when the machine told neither.
pub fn cache_dir() -> PathBuf {
    let host = crate::host::get();
    crate::cache::dir().unwrap_or_else(|| {
        host.temp_dir
            .as_deref()
            .unwrap_or(Path::new("."))
            .join("x8ctl-cache")
    })
}

/// What to fetch.
#[derive(Debug, Clone)]
pub struct GitSource {
    pub url: String,
    /// A tag, a branch or a full commit.
    pub reference: String,
    /// The commit `reference` must resolve to, when pinned.
    pub commit: Option<String>,
    /// The app folder inside the repository ("" or "." for the root).
    pub path: String,
}

/// The fetched folder.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub dir: PathBuf,
    pub commit: String,
    /// True when no network was used.
    pub from_cache: bool,
}

fn git_err(what: &str, source: git2::Error) -> DeployError {
    let what = what.to_string();
    if is_local_storage(&source) {
        DeployError::GitLocal { what, source }
    } else {
        DeployError::Git { what, source }
    }
}

/// Whether libgit2 failed on this computer's disk (writing the cache: full, read-only, no
/// permission) rather than on the network or the repository: its error class says so.
fn is_local_storage(e: &git2::Error) -> bool {
    matches!(
        e.class(),
        git2::ErrorClass::Os | git2::ErrorClass::Filesystem
    )
}

fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolve `reference` in the cached repository.
fn resolve(repo: &Repository, reference: &str) -> Option<Oid> {
    if is_sha(reference) {
        let oid = Oid::from_str(reference).ok()?;
        return repo.find_commit(oid).ok().map(|c| c.id());
    }
    for name in [
        format!("refs/tags/{reference}"),
        format!("refs/remotes/x8ctl/{reference}"),
        reference.to_string(),
    ] {
        if let Ok(obj) = repo.revparse_single(&name)
            && let Ok(c) = obj.peel_to_commit()
        {
            return Some(c.id());
        }
    }
    None
}

fn fetch_into(
    repo: &Repository,
    src: &GitSource,
    on: &mut dyn FnMut(DeployEvent),
) -> Result<(), DeployError> {
    let specific = if is_sha(&src.reference) {
        src.reference.clone()
    } else {
        format!(
            "+refs/tags/{r}:refs/tags/{r}",
            r = src.reference.trim_start_matches("refs/tags/")
        )
    };
    let branch = format!(
        "+refs/heads/{r}:refs/remotes/x8ctl/{r}",
        r = src.reference.trim_start_matches("refs/heads/")
    );
    let all = [
        "+refs/heads/*:refs/remotes/x8ctl/*".to_string(),
        "+refs/tags/*:refs/tags/*".to_string(),
    ];
    let attempts: Vec<(Vec<String>, bool)> = vec![
        (vec![specific.clone()], true),
        (vec![branch.clone()], true),
        (all.to_vec(), false),
    ];
    let mut errors = Vec::new();
    for (specs, shallow) in attempts {
        let mut remote = repo
            .remote_anonymous(&src.url)
            .map_err(|e| git_err("opening the remote", e))?;
        let mut cb = RemoteCallbacks::new();
        cb.transfer_progress(|p| {
            on(DeployEvent::FetchProgress {
                received_objects: p.received_objects(),
                total_objects: p.total_objects(),
                received_bytes: p.received_bytes() as u64,
            });
            true
        });
        let mut fo = FetchOptions::new();
        fo.remote_callbacks(cb);
        if shallow {
            fo.depth(1);
        }
        let refs: Vec<&str> = specs.iter().map(String::as_str).collect();
        match remote.fetch(&refs, Some(&mut fo), None) {
            Ok(()) if resolve(repo, &src.reference).is_some() => return Ok(()),
            Ok(()) => errors.push(format!(
                "{} did not bring {}",
                refs.join(" "),
                src.reference
            )),
            Err(source) if is_local_storage(&source) => {
                return Err(DeployError::GitLocal {
                    what: format!("fetching {} into the cache", src.url),
                    source,
                });
            }
            // A server that stalled will stall the next refspecs too: one bound, not three.
            Err(e) if e.code() == git2::ErrorCode::Timeout => {
                errors.push(e.message().to_string());
                break;
            }
            Err(e) => errors.push(e.message().to_string()),
        }
    }
    Err(DeployError::Fetch(format!(
        "could not fetch {} from {}: {}",
        src.reference,
        src.url,
        errors.last().cloned().unwrap_or_default()
    )))
}

/// How long a git server may take to accept the connection, and to send or take the next
/// bytes, before the fetch gives up. libgit2 waits for ever by default: a stalled server
/// would hold `deploy` for ever.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
pub const IO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

static TIMEOUTS_SET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set libgit2's network timeouts (process-wide); [`fetch`] sets [`CONNECT_TIMEOUT`] and
/// [`IO_TIMEOUT`] unless this was called first.
pub fn set_network_timeouts(connect: std::time::Duration, io: std::time::Duration) {
    TIMEOUTS_SET.store(true, std::sync::atomic::Ordering::SeqCst);
    let ms = |d: std::time::Duration| i32::try_from(d.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: libgit2 reads these globals when it opens a connection; x8ctl sets them
    // before its fetches (a fetch running meanwhile keeps the value it read).
    unsafe {
        let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms(connect));
        let _ = git2::opts::set_server_timeout_in_milliseconds(ms(io));
    }
}

/// Fetch `src` (or take it from the cache) and extract its folder.
pub fn fetch(
    src: &GitSource,
    cache: &Path,
    on: &mut dyn FnMut(DeployEvent),
) -> Result<Fetched, DeployError> {
    if !TIMEOUTS_SET.load(std::sync::atomic::Ordering::SeqCst) {
        set_network_timeouts(CONNECT_TIMEOUT, IO_TIMEOUT);
    }
    let repo_dir = crate::cache::entry(cache, "repos")
        .map_err(|e| DeployError::local_io(cache, e))?
        .join(crate::cache::name_for(&src.url));
    fs::create_dir_all(&repo_dir).map_err(|e| DeployError::local_io(&repo_dir, e))?;
    let repo = match Repository::open_bare(&repo_dir) {
        Ok(r) => r,
        Err(_) => Repository::init_bare(&repo_dir)
            .map_err(|e| git_err(&format!("creating {}", repo_dir.display()), e))?,
    };
    let want = src
        .commit
        .as_deref()
        .or(is_sha(&src.reference).then_some(src.reference.as_str()));
    // A pinned commit that is already here needs no network.
    let cached = want
        .and_then(|w| Oid::from_str(w).ok())
        .and_then(|oid| repo.find_commit(oid).ok())
        .map(|c| c.id());
    let (oid, from_cache) = match cached {
        Some(oid) => (oid, true),
        None => {
            on(DeployEvent::Fetching {
                url: src.url.clone(),
                reference: src.reference.clone(),
            });
            match fetch_into(&repo, src, on) {
                Ok(()) => {}
                Err(e) => match resolve(&repo, &src.reference) {
                    // Unpinned and offline: the last fetched state, said so.
                    Some(_) if want.is_none() => on(DeployEvent::Warning(format!(
                        "{e}; using the copy fetched earlier"
                    ))),
                    _ => return Err(e),
                },
            }
            let oid = resolve(&repo, &src.reference).ok_or_else(|| {
                DeployError::Fetch(format!("{} has no {}", src.url, src.reference))
            })?;
            (oid, false)
        }
    };
    if let Some(w) = want
        && !oid.to_string().eq_ignore_ascii_case(w)
    {
        return Err(DeployError::Fetch(format!(
            "{} at {} is commit {oid}, not the pinned {w} (the tag or branch moved)",
            src.url, src.reference
        )));
    }
    let commit = oid.to_string();
    let dir = checkout(&repo, cache, oid, &src.path)?;
    on(DeployEvent::Fetched {
        commit: commit.clone(),
        from_cache,
    });
    Ok(Fetched {
        dir,
        commit,
        from_cache,
    })
}

/// The folder `path` of commit `oid` in the cache's checkouts, extracted the first time.
fn checkout(repo: &Repository, cache: &Path, oid: Oid, path: &str) -> Result<PathBuf, DeployError> {
    let path = path.trim_matches('/');
    let out_root = crate::cache::entry(cache, "checkouts")
        .map_err(|e| DeployError::local_io(cache, e))?
        .join(oid.to_string());
    let dir = if path.is_empty() || path == "." {
        out_root.join("_root")
    } else {
        out_root.join(path)
    };
    let done = out_root.join(format!(".done-{}", crate::cache::name_for(path)));
    if !done.exists() {
        extract(repo, oid, path, &dir)?;
        fs::write(&done, b"").map_err(|e| DeployError::local_io(&done, e))?;
    }
    Ok(dir)
}

/// Write the tree of `path` at `oid` into `dir` (files with their executable bit).
fn extract(repo: &Repository, oid: Oid, path: &str, dir: &Path) -> Result<(), DeployError> {
    let commit = repo
        .find_commit(oid)
        .map_err(|e| git_err("reading the commit", e))?;
    let root = commit.tree().map_err(|e| git_err("reading the tree", e))?;
    let tree = if path.is_empty() || path == "." {
        root
    } else {
        let entry = root.get_path(Path::new(path)).map_err(|_| {
            DeployError::Fetch(format!(
                "commit {oid} has no folder {path} (the Arduino apps were renamed in 2024: see `x8ctl apps`)"
            ))
        })?;
        entry
            .to_object(repo)
            .and_then(|o| o.peel_to_tree())
            .map_err(|_| DeployError::Fetch(format!("{path} at commit {oid} is not a folder")))?
    };
    if dir.exists() {
        let _ = fs::remove_dir_all(dir);
    }
    fs::create_dir_all(dir).map_err(|e| DeployError::local_io(dir, e))?;
    let mut failure: Option<DeployError> = None;
    tree.walk(TreeWalkMode::PreOrder, |parent, entry| {
        let Ok(name) = entry.name() else {
            return TreeWalkResult::Skip;
        };
        if name == ".." || name == "." || name.contains(['/', '\\']) {
            return TreeWalkResult::Skip;
        }
        let target = dir.join(parent).join(name);
        let r = match entry.kind() {
            Some(git2::ObjectType::Tree) => fs::create_dir_all(&target).map_err(|e| e.to_string()),
            Some(git2::ObjectType::Blob) => match repo.find_blob(entry.id()) {
                Ok(blob) => fs::write(&target, blob.content())
                    .map_err(|e| e.to_string())
                    .map(|()| set_exec(&target, entry.filemode() == 0o100755)),
                Err(e) => Err(e.message().to_string()),
            },
            _ => Ok(()),
        };
        match r {
            Ok(()) => TreeWalkResult::Ok,
            Err(e) => {
                failure = Some(DeployError::Local(format!("{}: {e}", target.display())));
                TreeWalkResult::Abort
            }
        }
    })
    .ok();
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn set_exec(path: &Path, exec: bool) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if exec { 0o755 } else { 0o644 };
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    {
        let _ = (path, exec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A git server that accepts the connection and then sends nothing: the fetch ends
    /// with an error within its bound instead of waiting for ever.
    #[test]
    #[cfg_attr(
        windows,
        ignore = "under Wine, WinHTTP does not end a stalled fetch at libgit2's timeout; unverified on Windows itself"
    )]
    fn a_stalled_git_server_is_given_up() {
        set_network_timeouts(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(2),
        );
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for s in l.incoming().flatten() {
                held.push(s);
            }
        });
        let cache = tempfile::tempdir().unwrap();
        let src = GitSource {
            url: format!("http://{addr}/apps.git"),
            reference: "main".into(),
            commit: None,
            path: ".".into(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let dir = cache.path().to_path_buf();
        let began = std::time::Instant::now();
        std::thread::spawn(move || {
            let _ = tx.send(fetch(&src, &dir, &mut |_| {}).map(|_| ()));
        });
        let r = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the fetch from a stalled server never ended");
        let e = r.unwrap_err();
        assert!(matches!(e, DeployError::Fetch(_)), "{e}");
        assert!(e.to_string().contains("timed out"), "{e}");
        // libgit2's timeout (its error code, GIT_TIMEOUT) ends the fetch at the first
        // refspec: one 2 s wait, not one per refspec.
        assert!(
            began.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            began.elapsed()
        );
    }

    #[test]
    fn a_full_or_unwritable_cache_is_not_called_a_network_problem() {
        let disk = git2::Error::new(
            git2::ErrorCode::GenericError,
            git2::ErrorClass::Os,
            "failed to write: No space left on device",
        );
        assert!(matches!(
            git_err("fetching", disk),
            DeployError::GitLocal { .. }
        ));
        let net = git2::Error::new(
            git2::ErrorCode::GenericError,
            git2::ErrorClass::Net,
            "failed to resolve address",
        );
        assert!(matches!(git_err("fetching", net), DeployError::Git { .. }));
    }
}
