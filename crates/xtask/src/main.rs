//! The project's own tasks, run as `cargo xtask ...` (the alias is in `.cargo/config.toml`).
//!
//! - `cargo xtask test [ARGS...]`: the README's test command. It checks that the machine has
//!   what the tests need, installs what is missing on Debian and Ubuntu (with `sudo` unless it
//!   runs as root), and elsewhere stops at once with one line naming what to install; then it
//!   runs `cargo test ARGS...` and exits with its status.
//! - `cargo xtask setup`: the set-up alone (CI runs it before clippy, which builds git2).
//!
//! What the tests need, and why:
//! - `adb`: the tests drive the virtual X8 through Debian's real adb client and server;
//! - `arm-none-eabi-gcc`, `make`, `git`: `flash-fw --build` compiles a firmware repository
//!   that a test makes;
//! - OpenSSL's headers and `pkg-config` (Linux): git2's HTTPS support builds against OpenSSL;
//! - `python3` with `venv`, and a Python 3.13: the virtual X8 runs the containers' Python apps
//!   for real (the apps on `python:3-alpine` run under 3.13, looked for on `PATH` and among
//!   pyenv's versions);
//! - `msgpack-rpc-python` 0.4.1, the MessagePack-RPC library of the board's containers: a test
//!   checks x8ctl's encoder against it. It goes into a virtual environment under `target/`,
//!   made once with pip (PyPI the first time), and the tests get it as `X8CTL_PYTHON`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xshell::{Shell, cmd};

/// One thing the tests need.
struct Need {
    /// What it is called in messages.
    what: &'static str,
    /// The Debian/Ubuntu packages that provide it.
    debian: &'static [&'static str],
    /// Where to get it elsewhere, for the one-line message.
    elsewhere: &'static str,
    /// Whether this machine has it.
    present: fn(&Shell) -> bool,
}

fn runs(sh: &Shell, program: &str, args: &[&str]) -> bool {
    cmd!(sh, "{program} {args...}")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
}

const NEEDS: &[Need] = &[
    Need {
        what: "adb",
        debian: &["adb"],
        elsewhere: "adb (Android SDK platform-tools)",
        present: |sh| runs(sh, "adb", &["version"]),
    },
    Need {
        what: "arm-none-eabi-gcc",
        debian: &["gcc-arm-none-eabi"],
        elsewhere: "arm-none-eabi-gcc (the Arm GNU Toolchain)",
        present: |sh| runs(sh, "arm-none-eabi-gcc", &["--version"]),
    },
    Need {
        what: "make",
        debian: &["make"],
        elsewhere: "make",
        present: |sh| runs(sh, "make", &["--version"]),
    },
    Need {
        what: "git",
        debian: &["git"],
        elsewhere: "git",
        present: |sh| runs(sh, "git", &["--version"]),
    },
    Need {
        what: "OpenSSL headers",
        debian: &["libssl-dev", "pkg-config"],
        elsewhere: "OpenSSL's headers and pkg-config (openssl-devel, pkgconf)",
        present: |sh| {
            !cfg!(target_os = "linux") || runs(sh, "pkg-config", &["--exists", "openssl"])
        },
    },
    Need {
        what: "python3 with venv",
        debian: &["python3", "python3-venv"],
        elsewhere: "Python 3 with its venv module",
        present: |sh| runs(sh, python(), &["-c", "import venv, ensurepip"]),
    },
    Need {
        what: "Python 3.13",
        debian: &["python3.13", "python3.13-venv"],
        elsewhere: "Python 3.13 (python.org, or `pyenv install 3.13`)",
        present: |sh| python313(sh).is_some(),
    },
];

fn python() -> &'static str {
    if cfg!(windows) { "python" } else { "python3" }
}

/// A Python 3.13, where the virtual X8 looks for one: `PATH`, then pyenv's versions.
fn python313(sh: &Shell) -> Option<PathBuf> {
    if runs(sh, "python3.13", &["-c", "import venv"]) {
        return Some(PathBuf::from("python3.13"));
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("3.13"))
        .map(|e| e.path().join("bin").join("python3.13"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop()
}

fn say(line: &str) {
    eprintln!("xtask: {line}");
}

/// Debian or Ubuntu (or one of their derivatives) with apt-get.
fn debian_like(sh: &Shell) -> bool {
    let Ok(release) = std::fs::read_to_string("/etc/os-release") else {
        return false;
    };
    let family = release.lines().any(|l| {
        let l = l.trim();
        (l.starts_with("ID=") || l.starts_with("ID_LIKE="))
            && (l.contains("debian") || l.contains("ubuntu"))
    });
    family && runs(sh, "apt-get", &["--version"])
}

/// `apt-get install` the packages, as root or through sudo.
fn apt_install(sh: &Shell, packages: &[&str]) -> Result<(), String> {
    let root = cmd!(sh, "id -u")
        .quiet()
        .read()
        .map(|u| u.trim() == "0")
        .unwrap_or(false);
    // `env` first, so that the variable reaches apt-get through sudo too.
    let program = if root {
        "env"
    } else if runs(sh, "sudo", &["--version"]) {
        "sudo"
    } else {
        return Err(format!(
            "run as root: apt-get install {}",
            packages.join(" ")
        ));
    };
    let env: &[&str] = if root { &[] } else { &["env"] };
    say(&format!("installing {} (apt-get)", packages.join(" ")));
    cmd!(
        sh,
        "{program} {env...} DEBIAN_FRONTEND=noninteractive apt-get update -qq"
    )
    .quiet()
    .ignore_stdout()
    .run()
    .map_err(|e| format!("apt-get update failed: {e}"))?;
    cmd!(
        sh,
        "{program} {env...} DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {packages...}"
    )
    .quiet()
    .ignore_stdout()
    .run()
    .map_err(|e| format!("apt-get install {} failed: {e}", packages.join(" ")))
}

/// Checks every need; installs the missing ones on Debian/Ubuntu. The error is the one line
/// to show.
fn set_up(sh: &Shell) -> Result<(), String> {
    let missing: Vec<&Need> = NEEDS.iter().filter(|n| !(n.present)(sh)).collect();
    if !missing.is_empty() {
        if !debian_like(sh) {
            let names: Vec<&str> = missing.iter().map(|n| n.elsewhere).collect();
            return Err(format!(
                "the tests need {}: install them and run `cargo xtask test` again",
                names.join(", ")
            ));
        }
        // Python 3.13 is packaged only from Debian 13 and Ubuntu 24.10: install it on its
        // own, so that its absence does not stop the rest.
        let (late, now): (Vec<&Need>, Vec<&Need>) =
            missing.iter().partition(|n| n.what == "Python 3.13");
        let packages: Vec<&str> = now.iter().flat_map(|n| n.debian.iter().copied()).collect();
        if !packages.is_empty() {
            apt_install(sh, &packages)?;
        }
        for n in late {
            let _ = apt_install(sh, n.debian);
        }
        let still: Vec<&str> = NEEDS
            .iter()
            .filter(|n| !(n.present)(sh))
            .map(|n| n.elsewhere)
            .collect();
        if !still.is_empty() {
            return Err(format!(
                "still missing after apt-get: {}: install them and run `cargo xtask test` again",
                still.join(", ")
            ));
        }
    }
    Ok(())
}

/// The virtual environment with msgpack-rpc-python; returns its interpreter.
fn msgpack_rpc_python(sh: &Shell, target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("xtask").join("python");
    let bin = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python3")
    };
    if runs(sh, &bin.to_string_lossy(), &["-c", "import msgpackrpc"]) {
        return Ok(bin);
    }
    say("making a Python virtual environment with msgpack-rpc-python 0.4.1 (PyPI)");
    let py = python();
    cmd!(sh, "{py} -m venv {venv}")
        .quiet()
        .run()
        .map_err(|e| format!("python3 -m venv failed: {e}"))?;
    cmd!(
        sh,
        "{bin} -m pip install -q --disable-pip-version-check msgpack-rpc-python==0.4.1"
    )
    .quiet()
    .run()
    .map_err(|e| {
        format!("pip could not install msgpack-rpc-python 0.4.1 (is PyPI reachable?): {e}")
    })?;
    if !runs(sh, &bin.to_string_lossy(), &["-c", "import msgpackrpc"]) {
        return Err("msgpack-rpc-python was installed but does not import".into());
    }
    Ok(bin)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

fn run() -> Result<u8, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = args
        .split_first()
        .map(|(t, r)| (t.as_str(), r))
        .unwrap_or(("", &[]));
    let sh = Shell::new().map_err(|e| e.to_string())?;
    let root = workspace_root();
    sh.change_dir(&root);
    match task {
        "setup" => {
            set_up(&sh)?;
            msgpack_rpc_python(&sh, &root.join("target"))?;
            say("this machine has what the tests need");
            Ok(0)
        }
        "test" => {
            set_up(&sh)?;
            let python = msgpack_rpc_python(&sh, &root.join("target"))?;
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = cmd!(sh, "{cargo} test {rest...}")
                .env("X8CTL_PYTHON", &python)
                .quiet()
                .ignore_status()
                .output_status()?;
            Ok(status)
        }
        _ => Err("usage: cargo xtask test [CARGO TEST ARGS...] | cargo xtask setup".into()),
    }
}

/// Runs a command with the terminal's stdout and stderr, and returns its exit status.
trait OutputStatus {
    fn output_status(self) -> Result<u8, String>;
}

impl OutputStatus for xshell::Cmd<'_> {
    fn output_status(self) -> Result<u8, String> {
        let mut c: std::process::Command = self.into();
        let status = c.status().map_err(|e| format!("cannot run cargo: {e}"))?;
        Ok(status.code().map(|c| c.clamp(0, 255) as u8).unwrap_or(1))
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(line) => {
            say(&line);
            ExitCode::from(2)
        }
    }
}
