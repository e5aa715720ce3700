//! The one envelope of every `--json` document (issue 13): `schema_version`, `ok` and
//! `command` first, then the command's own keys at the top level (not under a `data` key,
//! so that documents printed before the envelope existed keep every key where it was).
//!
//! `ok` is true exactly when x8ctl exits 0; `command` is the subcommand path as typed
//! (`devices`, `rpc call`, `cache list`). Errors use the same envelope with `ok: false`
//! and an `error` object. Documents that stream (`logs`, `monitor`, `rpc sensors --watch`)
//! print one envelope per line.
//!
//! Commands print through [`super::Ctx::print_json`] (or [`print`] where no `Ctx` is at
//! hand); none writes the envelope keys itself.

use std::io::Write;

use serde::Serialize;

use super::SCHEMA_VERSION;

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

    /// The document on one line.
    pub fn to_line(&self) -> String {
        let line = serde_json::to_string(self).unwrap_or_else(|e| {
            // Only a payload that is not a map gets here: a bug, said in the document.
            format!(
                r#"{{"schema_version":{SCHEMA_VERSION},"ok":false,"command":{},"error":{{"message":{}}}}}"#,
                serde_json::Value::from(self.command),
                serde_json::Value::from(format!("cannot render the document: {e}"))
            )
        });
        debug_assert!(
            serde_json::to_value(&self.payload)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .is_some_and(|m| ENVELOPE_KEYS.iter().all(|k| !m.contains_key(*k))),
            "a payload uses an envelope key: {line}"
        );
        line
    }
}

/// Print `payload` in the envelope of `command`, as one line on stdout.
pub fn print(command: &str, ok: bool, payload: impl Serialize) {
    let line = Envelope::new(command, ok, payload).to_line();
    let _ = writeln!(std::io::stdout().lock(), "{line}");
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
