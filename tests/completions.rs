//! `completions/` holds the scripts and the man page generated from the clap definition
//! (and the small commands that need no board: `cache`);
//! this fails when they are stale. Regenerate with `X8CTL_BLESS=1 cargo test --test completions`.

use std::path::Path;

use clap_complete::Shell;

fn file_for(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "x8ctl.bash",
        Shell::Zsh => "_x8ctl",
        Shell::Fish => "x8ctl.fish",
        Shell::PowerShell => "_x8ctl.ps1",
        Shell::Elvish => "x8ctl.elv",
        _ => "unknown",
    }
}

#[test]
fn completion_scripts_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bless = std::env::var_os("X8CTL_BLESS").is_some();
    let mut stale = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let mut want = Vec::new();
        x8ctl::cli::write_completions(shell, &mut want);
        assert!(want.len() > 100, "{shell} script is empty");
        let path = dir.join(file_for(shell));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&want[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale completion scripts: {stale:?}; run X8CTL_BLESS=1 cargo test --test completions"
    );
}

#[test]
fn the_man_page_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/x8ctl.1");
    let mut want = Vec::new();
    x8ctl::cli::write_man_page(&mut want).unwrap();
    assert!(String::from_utf8_lossy(&want).contains(".TH x8ctl"));
    if std::env::var_os("X8CTL_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    } else {
        assert!(
            std::fs::read(&path).ok().as_deref() == Some(&want[..]),
            "completions/x8ctl.1 is stale; run X8CTL_BLESS=1 cargo test --test completions"
        );
    }
}

#[test]
fn completions_command_prints_the_same_script() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut want = Vec::new();
    x8ctl::cli::write_completions(Shell::Bash, &mut want);
    assert_eq!(out.stdout, want);
}

#[test]
fn cache_list_and_clean_remove_only_what_x8ctl_put_there() {
    let dir = tempfile::tempdir().unwrap();
    // A cache folder shared with other programs (X8CTL_CACHE_DIR=$HOME/.cache).
    let cache = dir.path().join("cache");
    let fw = x8ctl_core::cache::entry(&cache, "firmware").unwrap();
    std::fs::create_dir_all(fw.join("0.0.5")).unwrap();
    std::fs::write(fw.join("0.0.5/STM32H747AII6_CM7.bin"), vec![1u8; 4096]).unwrap();
    std::fs::create_dir_all(cache.join("pip")).unwrap();
    std::fs::write(cache.join("pip/wheel"), b"other program").unwrap();
    let x8 = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"))
            .args(args)
            .env("X8CTL_CACHE_DIR", &cache)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = x8(&["--json", "cache", "list"]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["entries"][0]["name"], "firmware");
    assert_eq!(doc["entries"][0]["own"], true);
    assert_eq!(doc["entries"][1]["name"], "pip");
    assert_eq!(doc["entries"][1]["own"], false);
    // No terminal and no --yes: nothing is deleted, and the error names the flag.
    let (code, _, err) = x8(&["cache", "clean"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert!(fw.join("0.0.5/STM32H747AII6_CM7.bin").is_file());
    let (code, out, err) = x8(&["--json", "--yes", "cache", "clean"]);
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["removed"][0], "firmware");
    assert_eq!(doc["left"][0], "pip");
    assert!(!fw.exists());
    assert!(cache.join("pip/wheel").is_file());
}

/// `x8ctl completions bash | head -1`: a reader that stops early is not an error (issue 15).
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let mut child = std::process::Command::new(x8_testkit::x8ctl_exe())
            .args(["completions", shell])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before x8ctl writes: every write then fails with EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{shell}: {:?}\n{stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{shell}: {stderr}");
    }
}

/// The folders and variables x8ctl reads at start-up reach the commands (issue 13: the
/// product library reads no environment; the binary reads it once): the XDG base
/// directories (through `directories`), PATH for adb, adb's server port.
#[cfg(target_os = "linux")]
#[test]
fn config_shows_the_folders_and_variables_read_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("adb"), b"").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"))
        .args(["--json", "config"])
        .env_clear()
        .env("HOME", dir.path().join("home"))
        .env("XDG_CONFIG_HOME", dir.path().join("cfg"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("PATH", &bin)
        .env("ANDROID_ADB_SERVER_PORT", "5999")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shown = |p: std::path::PathBuf| p.display().to_string();
    assert_eq!(
        doc["path"],
        shown(dir.path().join("cfg/x8ctl/config.toml")),
        "{doc}"
    );
    let s = &doc["settings"];
    assert_eq!(
        s["cache_dir"]["value"],
        shown(dir.path().join("cache/x8ctl"))
    );
    assert_eq!(s["cache_dir"]["source"], "default");
    assert_eq!(s["adb"]["value"], shown(bin.join("adb")));
    assert_eq!(s["adb_server"]["value"], "127.0.0.1:5999");
    assert_eq!(s["adb_server"]["source"], "environment");
    // Without XDG variables: the home folder's.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_x8ctl"))
        .args(["--json", "config"])
        .env_clear()
        .env("HOME", dir.path().join("home"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["path"],
        shown(dir.path().join("home/.config/x8ctl/config.toml"))
    );
    assert_eq!(
        doc["settings"]["cache_dir"]["value"],
        shown(dir.path().join("home/.cache/x8ctl"))
    );
}
