//! Where the CLI writes, and the one envelope of every `--json` document (issue 13).
//!
//! [`Output`] holds the two streams every command writes to: stdout for data (tables,
//! results, `--json` documents) and stderr for status (progress lines, warnings, errors).
//! [`Output::std`] is the process's own streams; [`Output::capture`] keeps what is written
//! in memory, so tests can run command code and read both streams back. Every print of
//! `src/cli` goes through the `Output` of its [`super::Ctx`] (clap's help and errors too:
//! clap renders them, x8ctl writes them). What does not: indicatif's progress bars and
//! spinners and dialoguer's prompts draw on the terminal itself (they move the cursor and
//! read keys, and are drawn only when stderr is a terminal or a question must be asked), and
//! `shell`'s interactive session reads keys from the terminal (`console::Term`).
//!
//! The envelope: `schema_version`, `ok` and `command` first, then the command's own keys at
//! the top level (not under a `data` key, so that documents printed before the envelope
//! existed keep every key where it was).
//!
//! `ok` is true exactly when x8ctl exits 0; `command` is the subcommand path as typed
//! (`devices`, `rpc call`, `cache list`). Errors use the same envelope with `ok: false`
//! and an `error` object. Documents that stream (`logs`, `monitor`, `rpc sensors --watch`)
//! print one envelope per line. After the envelope's three, the keys of every object are in
//! alphabetical order, at every level (serde_json's map order): the documents were built
//! with `json!` before they were typed, and their bytes stay the same.
//!
//! Commands print through [`super::Ctx::print_json`] (or [`Output::json`] where no `Ctx` is
//! at hand); none writes the envelope keys itself. The payloads are `#[derive(Serialize)]`
//! structs named after their document (`DevicesDoc`), in the command's file.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use super::SCHEMA_VERSION;
use super::style::Paint;

/// A stream x8ctl writes to.
type Sink = Box<dyn Write + Send>;

/// The two streams of the CLI (see the module's doc), and whether each gets colour.
pub struct Output {
    out: Mutex<Sink>,
    err: Mutex<Sink>,
    out_paint: Paint,
    err_paint: Paint,
    err_is_terminal: bool,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("out_paint", &self.out_paint)
            .field("err_paint", &self.err_paint)
            .field("err_is_terminal", &self.err_is_terminal)
            .finish_non_exhaustive()
    }
}

/// One stream, locked for as long as it lives: lines written through it are not mixed with
/// another thread's. The lock is not reentrant: drop it before calling code that writes to
/// the same stream (`Ctx::print_json` writes to stdout, `Ctx::status` to stderr).
pub struct Stream<'a>(MutexGuard<'a, Sink>);

impl Write for Stream<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// What an [`Output::capture`] received, readable while and after it is written.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Capture {
    /// Everything written to stdout so far (invalid UTF-8 replaced).
    pub fn out(&self) -> String {
        text_of(&self.out)
    }
    /// Everything written to stderr so far (invalid UTF-8 replaced).
    pub fn err(&self) -> String {
        text_of(&self.err)
    }
}

fn text_of(buf: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// A writer into a [`Capture`]'s buffer.
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut b = self.0.lock().unwrap_or_else(|e| e.into_inner());
        b.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Output {
    /// The process's stdout and stderr, coloured where [`Paint`] says so. Errors writing
    /// them (a closed pipe: `x8ctl completions bash | head -1`) are ignored by the callers,
    /// never a panic.
    pub fn std() -> Output {
        use std::io::IsTerminal;
        Output {
            out: Mutex::new(Box::new(std::io::stdout())),
            err: Mutex::new(Box::new(std::io::stderr())),
            out_paint: Paint::stdout(),
            err_paint: Paint::stderr(),
            err_is_terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Streams kept in memory, without colour and not a terminal; the [`Capture`] reads
    /// them back.
    pub fn capture() -> (Output, Capture) {
        let c = Capture::default();
        let o = Output {
            out: Mutex::new(Box::new(Shared(c.out.clone()))),
            err: Mutex::new(Box::new(Shared(c.err.clone()))),
            out_paint: Paint::plain(),
            err_paint: Paint::plain(),
            err_is_terminal: false,
        };
        (o, c)
    }

    /// stdout, locked (see [`Stream`]).
    pub fn out(&self) -> Stream<'_> {
        Stream(self.out.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// stderr, locked (see [`Stream`]).
    pub fn err(&self) -> Stream<'_> {
        Stream(self.err.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// `text` and a newline on stdout.
    pub fn line(&self, text: &str) {
        let _ = writeln!(self.out(), "{text}");
    }

    /// `text` and a newline on stderr.
    pub fn err_line(&self, text: &str) {
        let _ = writeln!(self.err(), "{text}");
    }

    /// How to colour stdout.
    pub fn paint_out(&self) -> Paint {
        self.out_paint
    }

    /// How to colour stderr.
    pub fn paint_err(&self) -> Paint {
        self.err_paint
    }

    /// Whether stderr is a terminal (where progress bars are drawn).
    pub fn err_is_terminal(&self) -> bool {
        self.err_is_terminal
    }

    /// Print `payload` in the envelope of `command`, as one line on stdout.
    pub fn json(&self, command: &str, ok: bool, payload: impl Serialize) {
        let line = Envelope::new(command, ok, payload).to_line();
        self.line(&line);
    }
}

/// The keys the envelope owns; a payload must not use them.
pub const ENVELOPE_KEYS: [&str; 3] = ["schema_version", "ok", "command"];

/// A `--json` document: the envelope, and `payload`'s keys beside it. `payload` must
/// serialise to a map (a struct or a `json!({..})` object) without [`ENVELOPE_KEYS`].
#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: Serialize> {
    pub schema_version: u32,
    pub ok: bool,
    pub command: &'a str,
    #[serde(flatten)]
    pub payload: T,
}

impl<'a, T: Serialize> Envelope<'a, T> {
    /// The document of `command` at this build's [`SCHEMA_VERSION`].
    pub fn new(command: &'a str, ok: bool, payload: T) -> Envelope<'a, T> {
        Envelope {
            schema_version: SCHEMA_VERSION,
            ok,
            command,
            payload,
        }
    }

    /// The document on one line: the envelope's keys, then the payload's in alphabetical
    /// order at every level (the payload passes through a [`serde_json::Value`], whose maps
    /// are sorted).
    pub fn to_line(&self) -> String {
        let payload = serde_json::to_value(&self.payload);
        debug_assert!(
            payload
                .as_ref()
                .ok()
                .and_then(|v| v.as_object())
                .is_some_and(|m| ENVELOPE_KEYS.iter().all(|k| !m.contains_key(*k))),
            "the payload of `{}` is not a map, or uses an envelope key",
            self.command
        );
        let sorted = payload
            .map(|payload| Envelope {
                schema_version: self.schema_version,
                ok: self.ok,
                command: self.command,
                payload,
            })
            .and_then(|doc| serde_json::to_string(&doc));
        sorted.unwrap_or_else(|e| {
            // Only a payload that is not a map gets here: a bug, said in the document.
            format!(
                r#"{{"schema_version":{SCHEMA_VERSION},"ok":false,"command":{},"error":{{"message":{}}}}}"#,
                serde_json::Value::from(self.command),
                serde_json::Value::from(format!("cannot render the document: {e}"))
            )
        })
    }
}

/// The subcommand path of parsed arguments: `rpc call`, `cache list`, `devices`.
pub fn command_path(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        names.push(name);
        m = sub;
    }
    names.join(" ")
}

/// The subcommand path of arguments clap could not parse: the leading words that name
/// subcommands (`x8ctl` when none does).
pub fn command_path_of_raw(cmd: &clap::Command, args: &[std::ffi::OsString]) -> String {
    let mut names = Vec::new();
    let mut cmd = cmd;
    for a in args.iter().take_while(|a| *a != "--") {
        let Some(a) = a.to_str() else { continue };
        if let Some(sub) = cmd.find_subcommand(a) {
            names.push(sub.get_name().to_string());
            cmd = sub;
        } else if !names.is_empty() && !a.starts_with('-') {
            break;
        }
    }
    if names.is_empty() {
        "x8ctl".to_string()
    } else {
        names.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_envelope_comes_first_and_the_payload_stays_at_the_top() {
        let doc = Envelope::new(
            "stop",
            true,
            serde_json::json!({ "stopped": ["a"], "zeta": 1 }),
        )
        .to_line();
        assert_eq!(
            doc,
            format!(
                r#"{{"schema_version":{SCHEMA_VERSION},"ok":true,"command":"stop","stopped":["a"],"zeta":1}}"#
            )
        );
        #[derive(Serialize)]
        struct Typed {
            path: &'static str,
        }
        let doc = Envelope::new("cache list", false, Typed { path: "/c" }).to_line();
        assert!(
            doc.ends_with(r#""ok":false,"command":"cache list","path":"/c"}"#),
            "{doc}"
        );
    }

    #[test]
    fn payload_keys_come_sorted_at_every_level_as_json_did() {
        #[derive(Serialize)]
        struct Inner {
            zulu: u8,
            alpha: Option<u8>,
        }
        #[derive(Serialize)]
        struct Doc {
            report: Inner,
            operation: &'static str,
        }
        let doc = Doc {
            report: Inner {
                zulu: 1,
                alpha: None,
            },
            operation: "push",
        };
        assert_eq!(
            Envelope::new("push", true, doc).to_line(),
            format!(
                r#"{{"schema_version":{SCHEMA_VERSION},"ok":true,"command":"push","operation":"push","report":{{"alpha":null,"zulu":1}}}}"#
            )
        );
    }

    #[test]
    fn captured_streams_read_back_separately() {
        let (out, cap) = Output::capture();
        out.line("data");
        out.err_line("status");
        out.json("stop", true, serde_json::json!({ "stopped": [] }));
        assert_eq!(
            cap.out(),
            format!(
                "data\n{{\"schema_version\":{SCHEMA_VERSION},\"ok\":true,\"command\":\"stop\",\"stopped\":[]}}\n"
            )
        );
        assert_eq!(cap.err(), "status\n");
        assert!(!out.paint_err().is_on() && !out.paint_out().is_on());
    }

    #[test]
    fn command_paths() {
        let cmd = super::super::Cli::command();
        let m = cmd
            .clone()
            .try_get_matches_from(["x8ctl", "--json", "rpc", "call", "temperature"])
            .unwrap();
        assert_eq!(command_path(&m), "rpc call");
        let raw = |a: &[&str]| -> Vec<std::ffi::OsString> { a.iter().map(Into::into).collect() };
        assert_eq!(
            command_path_of_raw(&cmd, &raw(&["--json", "cache", "clean", "--bogus"])),
            "cache clean"
        );
        assert_eq!(
            command_path_of_raw(&cmd, &raw(&["--json", "shell", "--", "deploy"])),
            "shell"
        );
        assert_eq!(command_path_of_raw(&cmd, &raw(&["--bogus"])), "x8ctl");
    }
}
