//! `x8ctl cache list|clean`: what the per-user cache holds, and emptying it.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;
use x8ctl_core::cache::{Cleaned, Entry};

use super::{CliError, Ctx, exit};

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Show the cache folder and what it holds.
    List,
    /// Remove what x8ctl put in the cache (downloads and repositories are fetched again
    /// when needed); anything else in the folder stays. Asks first unless --yes.
    Clean,
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// `cache list --json`: the folder, its size, and what it holds.
#[derive(serde::Serialize)]
struct CacheListDoc<'a> {
    path: String,
    bytes: u64,
    entries: &'a [Entry],
}

/// `cache clean --json`: the folder, and what was removed and left.
#[derive(serde::Serialize)]
struct CacheCleanDoc<'a> {
    path: String,
    #[serde(flatten)]
    cleaned: &'a Cleaned,
}

pub fn run(ctx: &Ctx, cmd: CacheCommand) -> Result<(), CliError> {
    let dir = x8ctl_core::cache::dir().ok_or_else(|| {
        CliError::failure(
            "this system has no per-user cache folder (no HOME, LOCALAPPDATA or XDG_CACHE_HOME)",
            "set X8CTL_CACHE_DIR to a writable folder",
        )
    })?;
    match cmd {
        CacheCommand::List => list(ctx, &dir),
        CacheCommand::Clean => clean(ctx, &dir),
    }
}

fn list(ctx: &Ctx, dir: &Path) -> Result<(), CliError> {
    let entries = x8ctl_core::cache::entries(dir).map_err(|e| unreadable(dir, e))?;
    let total: u64 = entries.iter().map(|e| e.bytes).sum();
    if ctx.json {
        let doc = CacheListDoc {
            path: dir.display().to_string(),
            bytes: total,
            entries: &entries,
        };
        ctx.print_json(true, doc);
        return Ok(());
    }
    let mut out = ctx.output.out();
    let _ = writeln!(out, "{} ({})", dir.display(), human(total));
    for e in &entries {
        let _ = writeln!(
            out,
            "  {:<12} {:>10}  {:>6} files  {}",
            e.name,
            human(e.bytes),
            e.files,
            e.what
        );
    }
    if entries.is_empty() {
        let _ = writeln!(out, "  (empty)");
    }
    Ok(())
}

fn clean(ctx: &Ctx, dir: &Path) -> Result<(), CliError> {
    if !ctx.yes {
        if !ctx.interactive {
            return Err(CliError::new(
                exit::USAGE,
                "cache clean deletes files and needs a confirmation",
                "pass --yes to clean without asking (no prompt: --non-interactive, --json or no terminal)",
            ));
        }
        let sure = ctx.confirm(&format!(
            "Remove x8ctl's downloads and repositories from {}?",
            dir.display()
        ));
        if !sure {
            return Err(CliError::new(exit::FAILURE, "nothing removed", ""));
        }
    }
    let done = x8ctl_core::cache::clean(dir).map_err(|e| {
        CliError::failure(
            format!("cannot clean {}: {e}", dir.display()),
            "check the folder's permissions",
        )
    })?;
    if ctx.json {
        let doc = CacheCleanDoc {
            path: dir.display().to_string(),
            cleaned: &done,
        };
        ctx.print_json(true, doc);
        return Ok(());
    }
    ctx.status(&format!(
        "removed {} from {}",
        human(done.freed_bytes),
        dir.display()
    ));
    if !done.left.is_empty() {
        ctx.status(&format!(
            "left alone (not x8ctl's): {}",
            done.left.join(", ")
        ));
    }
    Ok(())
}

fn unreadable(dir: &Path, e: std::io::Error) -> CliError {
    CliError::failure(
        format!("cannot read the cache folder {}: {e}", dir.display()),
        "check the folder's permissions, or point X8CTL_CACHE_DIR at a folder you can read",
    )
}
