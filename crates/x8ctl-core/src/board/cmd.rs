//! Board commands built from words, not from `format!`: every argument is quoted for the
//! board's shell ([`quote`]), commands are chained with `&&`, `||`, `;` and `|` (grouped
//! with `{ ...; }` where the shell's precedence would otherwise regroup them), and the
//! rendered text is what [`Board::run`](super::Board::run) sends.
//!
//! `Board::run` and its kin take a `Cmd`, never a string, so no run-time value can reach the
//! board's shell unquoted: the text of a script is a `'static` string ([`Cmd::fixed`], with
//! values as its `$1`... through [`Cmd::sh`]), a line the user typed ([`Cmd::typed`]), or the
//! board layer's own composition of commands already built (sudo, [`super::script`]).
//!
//! ```
//! use x8ctl_core::board::cmd::Cmd;
//! let c = Cmd::new("systemctl").arg("restart").arg("m4-proxy");
//! assert_eq!(c.as_str(), "systemctl restart m4-proxy");
//! let c = Cmd::new("cp").arg("a b").arg("/tmp/x").and(Cmd::new("sync"));
//! assert_eq!(c.as_str(), "cp 'a b' /tmp/x && sync");
//! ```

use std::fmt;

use super::facts::MAX_PAYLOAD;
use super::quote::{Stdin, quote, wrap_exec};

/// How tightly a command binds, for grouping when commands are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// `a; b`
    List,
    /// `a && b`, `a || b`
    AndOr,
    /// `a | b`
    Pipe,
    /// One command with its redirections, or a group.
    Simple,
}

/// A shell command for the board, rendered as it will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    text: String,
    level: Level,
}

impl Cmd {
    /// The program `program` (quoted like every argument).
    pub fn new(program: &str) -> Cmd {
        Cmd {
            text: quote(program),
            level: Level::Simple,
        }
    }

    /// A script written out in x8ctl's source, run as it is. Its `'static` text cannot
    /// carry a value computed at run time (those go through [`Cmd::arg`]), so it needs no
    /// quoting.
    pub fn fixed(script: &'static str) -> Cmd {
        Cmd::composed(script.to_string())
    }

    /// The fixed `script`, run by `sh -c` with `args` as its `$1`, `$2`... (each quoted; `$0`
    /// is `x8ctl`): a script with `if` and `$(..)` gets run-time values without any being
    /// spliced into its text.
    pub fn sh<S: AsRef<str>>(script: &'static str, args: impl IntoIterator<Item = S>) -> Cmd {
        Cmd::new("sh").args(["-c", script, "x8ctl"]).args(args)
    }

    /// A command line the user typed (`x8ctl shell`, `x8ctl monitor --cmd`), run as typed:
    /// the user's own shell syntax, not a value x8ctl interpolates.
    pub fn typed(line: impl Into<String>) -> Cmd {
        Cmd::composed(line.into())
    }

    /// Text this module's callers in the board layer composed from commands already built
    /// (a multi-part script, the sudo wrapper): taken as a list, so grouped when combined.
    pub(crate) fn composed(text: String) -> Cmd {
        let simple = !text.contains([';', '&', '|', '\n']);
        Cmd {
            text,
            level: if simple { Level::Simple } else { Level::List },
        }
    }

    /// `program` with environment assignments before it (`KEY=value program`), each value
    /// quoted. A key that is not a shell name (letters, digits and `_`, not starting with a
    /// digit) is left out: the shell would take `1X=v` for the program itself.
    pub fn with_env<'a>(env: impl IntoIterator<Item = (&'a str, &'a str)>, program: &str) -> Cmd {
        let mut text = String::new();
        for (k, v) in env {
            if is_shell_name(k) {
                text.push_str(k);
                text.push('=');
                text.push_str(&quote(v));
                text.push(' ');
            }
        }
        text.push_str(&quote(program));
        Cmd {
            text,
            level: Level::Simple,
        }
    }

    /// One argument, quoted.
    pub fn arg(mut self, a: impl AsRef<str>) -> Cmd {
        self = self.simple();
        self.text.push(' ');
        self.text.push_str(&quote(a.as_ref()));
        self
    }

    /// Several arguments, each quoted.
    pub fn args<I, S>(self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        args.into_iter().fold(self, Cmd::arg)
    }

    /// `self && next`
    pub fn and(self, next: Cmd) -> Cmd {
        self.join(" && ", Level::AndOr, next)
    }

    /// `self || next`
    pub fn or(self, next: Cmd) -> Cmd {
        self.join(" || ", Level::AndOr, next)
    }

    /// `self; next`: `next` runs whatever `self` returned.
    pub fn then(self, next: Cmd) -> Cmd {
        self.join("; ", Level::List, next)
    }

    /// `self | next`
    pub fn pipe(self, next: Cmd) -> Cmd {
        self.join(" | ", Level::Pipe, next)
    }

    /// `2>&1`: standard error into the output.
    pub fn stderr_to_stdout(self) -> Cmd {
        self.redirect("2>&1")
    }

    /// `2>/dev/null`
    pub fn no_stderr(self) -> Cmd {
        self.redirect("2>/dev/null")
    }

    /// `>/dev/null`
    pub fn no_stdout(self) -> Cmd {
        self.redirect(">/dev/null")
    }

    /// `>&2`: the output onto standard error.
    pub fn to_stderr(self) -> Cmd {
        self.redirect(">&2")
    }

    /// `> path` (quoted).
    pub fn to_file(self, path: &str) -> Cmd {
        self.redirect(&format!("> {}", quote(path)))
    }

    /// `< path` (quoted).
    pub fn from_file(self, path: &str) -> Cmd {
        self.redirect(&format!("< {}", quote(path)))
    }

    /// The command as the shell will read it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `sudo CMD`, as a plan shows a command run as root (the password plumbing left out).
    pub fn as_root(&self) -> String {
        format!("sudo {}", self.text)
    }

    /// Whether the command, wrapped as x8ctl sends it (`exec:` plus the status marker),
    /// fits one OPEN of the X8's 4096-byte payload (REB §1.4). A command that does not is
    /// still run, sent as a script on the stream ([`Board::run_streaming`]
    /// (super::Board::run_streaming)); the builder's own commands should fit.
    pub fn fits_one_open(&self) -> bool {
        service_len(&self.text) <= MAX_PAYLOAD
    }

    fn redirect(self, r: &str) -> Cmd {
        let mut c = self.simple();
        c.text.push(' ');
        c.text.push_str(r);
        c
    }

    /// `self`, grouped if it is more than one command with redirections.
    fn simple(self) -> Cmd {
        if self.level == Level::Simple {
            self
        } else {
            self.group()
        }
    }

    fn group(self) -> Cmd {
        Cmd {
            text: format!("{{ {}; }}", self.text),
            level: Level::Simple,
        }
    }

    fn join(self, op: &str, level: Level, next: Cmd) -> Cmd {
        let left = if self.level < level {
            self.group()
        } else {
            self
        };
        // The shell's `&&`/`||` and `|` bind to the left: a right side at the same level
        // is a group of its own (`a && { b || c; }`); `;` lists are associative.
        let right = if next.level < level || (next.level == level && level == Level::AndOr) {
            next.group()
        } else {
            next
        };
        Cmd {
            text: format!("{}{op}{}", left.text, right.text),
            level,
        }
    }
}

/// Whether `k` is a name the shell takes for an assignment (`NAME=value`).
pub fn is_shell_name(k: &str) -> bool {
    k.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The length of the `exec:` service (with its NUL) that runs `cmd` with stdin closed.
fn service_len(cmd: &str) -> usize {
    // Nonces are 16 hex digits (quote::new_nonce).
    "exec:".len() + wrap_exec(cmd, "0123456789abcdef", Stdin::Closed).len() + 1
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A command serialises as the text the board runs (doctor's fixes in `--json`).
impl serde::Serialize for Cmd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl AsRef<str> for Cmd {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_is_quoted() {
        let c = Cmd::new("cp").arg("a b;$(reboot)").arg("it's");
        assert_eq!(c.as_str(), r"cp 'a b;$(reboot)' 'it'\''s'");
        assert_eq!(Cmd::new("rm").args(["-f", ""]).as_str(), "rm -f ''");
    }

    #[test]
    fn chains_keep_their_meaning() {
        let a = || Cmd::new("a");
        let b = || Cmd::new("b");
        let c = || Cmd::new("c");
        assert_eq!(a().and(b()).and(c()).as_str(), "a && b && c");
        assert_eq!(a().and(b().or(c())).as_str(), "a && { b || c; }");
        assert_eq!(a().then(b()).and(c()).as_str(), "{ a; b; } && c");
        assert_eq!(a().then(b()).then(c()).as_str(), "a; b; c");
        assert_eq!(a().pipe(b()).and(c()).as_str(), "a | b && c");
        assert_eq!(a().and(b()).pipe(c()).as_str(), "{ a && b; } | c");
        assert_eq!(a().and(b()).stderr_to_stdout().as_str(), "{ a && b; } 2>&1");
        assert_eq!(
            a().no_stderr().to_file("/tmp/o x").as_str(),
            "a 2>/dev/null > '/tmp/o x'"
        );
        assert_eq!(a().arg("x").from_file("/f").as_str(), "a x < /f");
        assert_eq!(
            a().no_stdout().stderr_to_stdout().as_str(),
            "a >/dev/null 2>&1"
        );
        assert_eq!(a().as_root(), "sudo a");
    }

    #[test]
    fn assignments_are_words_of_their_own() {
        // A whole `K=v w` quoted is a program name to the shell, not an assignment.
        let c = Cmd::with_env([("GREETING", "hello world"), ("A", "1")], "docker")
            .arg("compose")
            .and(Cmd::new("true"));
        assert_eq!(
            c.as_str(),
            "GREETING='hello world' A=1 docker compose && true"
        );
        let c = Cmd::with_env([("1X", "v"), ("", "v"), ("A-B", "v"), ("_ok", "$x")], "env");
        assert_eq!(c.as_str(), "_ok='$x' env");
        assert!(is_shell_name("FACTORY") && !is_shell_name("9") && !is_shell_name("a b"));
    }

    #[test]
    fn a_script_gets_its_values_as_parameters() {
        let c = Cmd::sh(r#"echo "$1""#, ["a b", "$(x)"]);
        assert_eq!(c.as_str(), r#"sh -c 'echo "$1"' x8ctl 'a b' '$(x)'"#);
    }

    #[test]
    fn fixed_and_typed_scripts_group_when_combined() {
        assert_eq!(
            Cmd::fixed("a; b").and(Cmd::new("c")).as_str(),
            "{ a; b; } && c"
        );
        assert_eq!(
            Cmd::fixed("docker info").stderr_to_stdout().as_str(),
            "docker info 2>&1"
        );
        assert_eq!(
            Cmd::typed("ls | wc -l").no_stderr().as_str(),
            "{ ls | wc -l; } 2>/dev/null"
        );
        assert_eq!(
            serde_json::to_string(&Cmd::new("x").arg("a b")).unwrap(),
            r#""x 'a b'""#
        );
    }

    #[test]
    fn the_packet_limit_is_checked() {
        assert!(Cmd::new("true").fits_one_open());
        let long = Cmd::new("echo").arg("x".repeat(4096));
        assert!(!long.fits_one_open());
        // The boundary: 4096 bytes with the NUL fit, one more does not (REB §1.4).
        let base = service_len("y");
        let fill = MAX_PAYLOAD - base + 1;
        let at = Cmd::new(&"y".repeat(fill));
        assert_eq!(service_len(at.as_str()), MAX_PAYLOAD);
        assert!(at.fits_one_open());
        assert!(!Cmd::new(&"y".repeat(fill + 1)).fits_one_open());
    }
}
