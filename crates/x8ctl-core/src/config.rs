//! The config file: defaults for the flags a user would otherwise repeat.
//!
//! Where: `X8CTL_CONFIG` if set, else `config.toml` in the platform's config folder
//! (Linux: `$XDG_CONFIG_HOME/x8ctl` or `~/.config/x8ctl`; macOS:
//! `~/Library/Application Support/x8ctl`; Windows: `x8ctl` in the roaming AppData known
//! folder). The binary finds that path (`src/cli/host.rs`); this module reads the file.
//! Precedence for every setting: flag > environment variable > file > built-in default.
//!
//! ```toml
//! serial = "2D16BA09DAB6FAD9"           # like -s / ANDROID_SERIAL
//! adb = "/opt/platform-tools/adb"       # like --adb / X8CTL_ADB
//! adb_server = "127.0.0.1:5037"         # like --adb-server / X8CTL_ADB_SERVER
//! sudo_password_command = "pass show x8/fio"   # its first output line is fio's sudo password
//! cache_dir = "/data/x8ctl-cache"       # like X8CTL_CACHE_DIR
//! rpc_method = "temperature"            # like doctor --rpc-method: a method the M4's sketch binds
//! ```

use std::path::{Path, PathBuf};

/// What the file may say. Unknown keys are an error (a typo should not pass silently).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub serial: Option<String>,
    pub adb: Option<PathBuf>,
    pub adb_server: Option<String>,
    /// A command (split on white space, run without a shell) whose first line of output is
    /// the sudo password of user fio on the board; used when X8CTL_SUDO_PASSWORD is unset.
    pub sudo_password_command: Option<String>,
    /// The cache folder (downloaded firmware, repositories); `X8CTL_CACHE_DIR` wins.
    pub cache_dir: Option<PathBuf>,
    /// A method the sketch on the M4 binds (no arguments), which `doctor` may call to prove
    /// the RPC round trip. Without it the doctor does not call the M4: calling a method the
    /// sketch does not bind crashes the board's m4-proxy.
    pub rpc_method: Option<String>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    #[diagnostic(
        code(x8ctl::config::read),
        help("fix or remove the file (see the README's Config section)")
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid x8ctl config: {message}")]
    #[diagnostic(
        code(x8ctl::config::parse),
        help("fix or remove the file (see the README's Config section)")
    )]
    Parse { path: PathBuf, message: String },
}

/// Read the file; a missing file is empty settings.
pub fn load(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileSettings::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: parse_message(&text, &e),
    })
}

/// A TOML error on one line: where (line and column, from its span) and what. toml's own
/// text draws the line with a caret over several lines, which reads badly inside an error.
fn parse_message(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what,
    }
}

/// Run `sudo_password_command` and take its first line. The command is split into words as
/// a POSIX shell would (quotes and backslashes), but no shell runs it.
/// How long `sudo_password_command` may take (a password manager may ask for its own
/// master password first).
pub const PASSWORD_COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

pub fn password_from_command(cmd: &str) -> Result<String, String> {
    password_from_command_within(cmd, PASSWORD_COMMAND_TIMEOUT)
}

/// [`password_from_command`] with its bound.
pub fn password_from_command_within(
    cmd: &str,
    timeout: std::time::Duration,
) -> Result<String, String> {
    let words = shell_words::split(cmd)
        .map_err(|e| format!("sudo_password_command cannot be split into words: {e}"))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| "sudo_password_command is empty".to_string())?;
    let out = crate::process::output_within(
        std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null()),
        timeout,
    )
    .map_err(|e| format!("cannot run sudo_password_command ({program}): {e}"))?
    .ok_or_else(|| {
        format!(
            "sudo_password_command ({program}) did not finish within {}s and was stopped",
            timeout.as_secs()
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "sudo_password_command ({program}) exited with {}",
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg_attr(windows, ignore = "runs a POSIX shell (sh), which Windows lacks")]
    fn a_password_command_that_never_ends_is_stopped_with_a_clear_error() {
        let t = std::time::Instant::now();
        let e = super::password_from_command_within(
            "sh -c 'sleep 30'",
            std::time::Duration::from_millis(500),
        )
        .unwrap_err();
        assert!(e.contains("did not finish within"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            super::password_from_command_within(
                "sh -c 'echo \"se cret\"'",
                std::time::Duration::from_secs(10)
            ),
            Ok("se cret".to_string())
        );
    }

    use super::*;

    #[test]
    fn load_reads_known_keys_and_refuses_typos() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(load(&p).unwrap(), FileSettings::default());
        std::fs::write(&p, "serial = \"ABC\"\nadb_server = \"127.0.0.1:6000\"\n").unwrap();
        let s = load(&p).unwrap();
        assert_eq!(s.serial.as_deref(), Some("ABC"));
        assert_eq!(s.adb_server.as_deref(), Some("127.0.0.1:6000"));
        std::fs::write(&p, "serail = \"ABC\"\n").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("serail"), "{e}");
        assert!(e.contains("line 1, column 1: unknown field"), "{e}");
        std::fs::write(&p, "serial = \"A\"\n\nadb = 3\n").unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("line 3, column 7: invalid type"), "{e}");
        std::fs::write(&p, "serial = [\n").unwrap();
        assert!(load(&p).is_err());
    }

    /// The commands a shell of each OS has: `printf` and `false` on Unix, `cmd` on Windows
    /// (issue 15: Windows has neither printf nor false).
    const PRINT_TWO_LINES: &str = if cfg!(windows) {
        "cmd /C \"echo s3cret& echo rest\""
    } else {
        "printf 's3cret\\nrest'"
    };
    const PRINT_TWO_WORDS: &str = if cfg!(windows) {
        "cmd /C 'echo two words'"
    } else {
        "printf '%s\\n' 'two words'"
    };
    const FAIL: &str = if cfg!(windows) {
        "cmd /C 'exit 1'"
    } else {
        "false"
    };

    #[test]
    fn password_command() {
        assert_eq!(password_from_command(PRINT_TWO_LINES).unwrap(), "s3cret");
        // Quoted words stay whole, as a shell would split them.
        assert_eq!(password_from_command(PRINT_TWO_WORDS).unwrap(), "two words");
        assert!(password_from_command("printf 'unclosed").is_err());
        assert!(password_from_command("").is_err());
        assert!(password_from_command("/nonexistent/prog").is_err());
        assert!(password_from_command(FAIL).is_err());
    }
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let all = [
            ConfigError::Read {
                path: "x".into(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
            ConfigError::Parse {
                path: "x".into(),
                message: "y".into(),
            },
        ];
        for e in &all {
            match e {
                ConfigError::Read { .. } | ConfigError::Parse { .. } => {}
            }
        }
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("config", &dyns);
    }
}
