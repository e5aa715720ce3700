//! Snapshots of what users and scripts read: every `--help`, the texts of errors, and the
//! shape of every `--json` document (issue 13). A change to any of them shows up here as a
//! diff to review; accept it with `X8CTL_BLESS=1 cargo test --test snapshots`.
//!
//! The `--json` snapshots keep each document's keys and value types (and `schema_version`),
//! not values that change from run to run (ports, paths, durations): a key renamed, dropped
//! or changed in type is a break of the contract, and fails here.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use common::*;
use serde_json::Value;

fn snapshot_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(kind)
}

/// Compare every `(name, text)` with `tests/snapshots/KIND/NAME.txt`, or write them when
/// blessing. Files no case produces any more are reported as stale too, except those of
/// `not_here` (cases this platform cannot make).
fn check(kind: &str, cases: &[(String, String)], not_here: &[&str]) {
    let dir = snapshot_dir(kind);
    let bless = std::env::var_os("X8CTL_BLESS").is_some();
    if bless {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, text) in cases {
        let path = dir.join(format!("{name}.txt"));
        if bless {
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(format!(
                "--- {}\n{}",
                path.display(),
                first_difference(&std::fs::read_to_string(&path).unwrap_or_default(), text)
            ));
        }
    }
    let names: Vec<String> = cases.iter().map(|(n, _)| format!("{n}.txt")).collect();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let f = e.file_name().to_string_lossy().into_owned();
            let skipped = not_here.iter().any(|n| f == format!("{n}.txt"));
            if !names.contains(&f) && !skipped {
                stale.push(format!("--- {f}: no case produces it any more"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} snapshot(s) differ; review, then X8CTL_BLESS=1 cargo test --test snapshots\n{}",
        stale.len(),
        stale.join("\n")
    );
}

fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}:\n  was: {w}\n  now: {g}", i + 1);
        }
    }
    format!(
        "{} lines before, {} now",
        want.lines().count(),
        got.lines().count()
    )
}

// ---------------------------------------------------------------------------------------
// --help

fn helps(cmd: &mut clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    out.push((path.to_string(), cmd.render_long_help().to_string()));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        // clap's generated `help` subcommands repeat the texts above.
        .filter(|n| n != "help")
        .collect();
    for n in names {
        let sub = cmd.find_subcommand_mut(&n).unwrap();
        helps(sub, &format!("{path} {n}"), out);
    }
}

#[test]
fn every_help_text() {
    // A fixed width, so the snapshot does not depend on the terminal running the tests.
    let mut cmd = x8ctl::cli::Cli::command().term_width(100);
    cmd.build();
    let mut out = Vec::new();
    helps(&mut cmd, "x8ctl", &mut out);
    // The virtual X8 is part of the binary only with the `sim` feature (see src/cli/mod.rs).
    if !cfg!(feature = "sim") {
        return;
    }
    let cases: Vec<(String, String)> = out
        .into_iter()
        .map(|(p, t)| (p.replace(' ', "_"), t))
        .collect();
    check("help", &cases, &[]);
}

// ---------------------------------------------------------------------------------------
// error texts

/// What changes from run to run in an error text: the temporary folder, a free port.
#[cfg(target_os = "linux")]
fn normalise(text: &str, tmp: &Path, port: u16) -> String {
    text.replace(tmp.to_str().unwrap(), "$TMP")
        .replace(&port.to_string(), "$PORT")
}

/// A name, x8ctl's arguments, and environment variables to set.
#[cfg(target_os = "linux")]
type ErrorCase = (&'static str, Vec<String>, Vec<(&'static str, String)>);

// The OS's own words are in some of them ("Connection refused (os error 111)").
#[cfg(target_os = "linux")]
#[test]
fn error_texts() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let port = free_port();
    let dead = format!("127.0.0.1:{port}");
    std::fs::write(t.join("typo.toml"), "serail = \"X\"\n").unwrap();
    std::fs::write(t.join("notes.txt"), "not firmware\n").unwrap();
    std::fs::create_dir_all(t.join("cache")).unwrap();
    let p = |name: &str| t.join(name).to_str().unwrap().to_string();
    let no_config = p("none.toml");
    let cases: Vec<ErrorCase> = vec![
        (
            "no_board_at_address",
            vec!["--connect".into(), dead.clone(), "devices".into()],
            vec![],
        ),
        (
            "unknown_flag",
            vec!["flash-fw".into(), "--no-such-flag".into()],
            vec![],
        ),
        (
            "missing_argument",
            vec!["rpc".into(), "call".into()],
            vec![],
        ),
        (
            "unknown_shell",
            vec!["completions".into(), "tcsh".into()],
            vec![],
        ),
        (
            "config_typo",
            vec!["config".into()],
            vec![("X8CTL_CONFIG", p("typo.toml"))],
        ),
        (
            "flash_fw_file_is_not_firmware",
            vec![
                "--connect".into(),
                dead.clone(),
                "flash-fw".into(),
                "--yes".into(),
                p("notes.txt"),
            ],
            vec![],
        ),
        (
            "flash_fw_no_such_file",
            vec![
                "--connect".into(),
                dead.clone(),
                "flash-fw".into(),
                "--yes".into(),
                p("missing.bin"),
            ],
            vec![],
        ),
        (
            "upload_sketch_not_an_elf",
            vec![
                "--connect".into(),
                dead.clone(),
                "upload-sketch".into(),
                p("notes.txt"),
            ],
            vec![],
        ),
        (
            "deploy_no_such_folder",
            vec![
                "--connect".into(),
                dead.clone(),
                "deploy".into(),
                p("missing-app"),
            ],
            vec![],
        ),
        (
            "cache_clean_without_yes",
            vec!["cache".into(), "clean".into()],
            vec![("X8CTL_CACHE_DIR", p("cache"))],
        ),
        (
            "rpc_float_argument",
            vec![
                "--connect".into(),
                dead.clone(),
                "rpc".into(),
                "call".into(),
                "set".into(),
                "1.5".into(),
            ],
            vec![],
        ),
    ];
    let mut out = Vec::new();
    for (name, args, env) in cases {
        let mut c = std::process::Command::new(x8ctl_exe());
        c.args(&args)
            .env("NO_COLOR", "1")
            .env("X8CTL_CONFIG", &no_config)
            .env_remove("ANDROID_SERIAL")
            .env_remove("X8CTL_SUDO_PASSWORD")
            .stdin(std::process::Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let (code, stdout, stderr) = run(c);
        assert_ne!(code, 0, "{name}: {stdout}{stderr}");
        out.push((
            name.to_string(),
            format!(
                "exit code {code}\n--- stdout\n{}--- stderr\n{}",
                normalise(&stdout, t, port),
                normalise(&stderr, t, port)
            ),
        ));
    }
    check("errors", &out, &[]);
}

// ---------------------------------------------------------------------------------------
// --json documents

/// A document's keys and value types, one line per key, in order of the document.
fn shape(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::Object(_) => {
                        let _ = writeln!(out, "{pad}{k}: object");
                        shape(v, indent + 1, out);
                    }
                    Value::Array(a) => {
                        let _ = writeln!(out, "{pad}{k}: array of {}", array_of(a));
                        if let Some(first) = a.iter().find(|e| e.is_object()) {
                            shape(first, indent + 1, out);
                        }
                    }
                    _ if k == "schema_version" => {
                        let _ = writeln!(out, "{pad}{k}: {v}");
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{k}: {}", kind(v));
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", kind(other));
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn array_of(a: &[Value]) -> String {
    let mut kinds: Vec<&str> = a.iter().map(kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    if kinds.is_empty() {
        "nothing (empty here)".to_string()
    } else {
        kinds.join(" | ")
    }
}

#[test]
fn json_documents() {
    let sim = sim(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let home = t.join("cache");
    let fw = t.join("fw.bin");
    std::fs::write(&fw, virtual_x8::fwimage::make_image("0.0.6-test")).unwrap();
    let elf = t.join("sketch.elf");
    std::fs::write(&elf, m4_sketch_elf(2, &[(0x0810_0000, &pattern(2_000, 7))])).unwrap();
    std::fs::write(t.join("a.txt"), "a file\n").unwrap();
    let app = t.join("my-app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("Dockerfile"),
        "FROM python:3.11-alpine\nWORKDIR /srv\nCOPY app.py .\nCMD [\"python\", \"-u\", \"app.py\"]\n",
    )
    .unwrap();
    std::fs::write(
        app.join("app.py"),
        "import time\nprint('up')\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("devices", vec!["devices".into()]),
        ("shell", vec!["shell".into(), "echo".into(), "hi".into()]),
        (
            "push",
            vec!["push".into(), s(&t.join("a.txt")), "/tmp/a.txt".into()],
        ),
        (
            "pull",
            vec!["pull".into(), "/tmp/a.txt".into(), s(&t.join("back.txt"))],
        ),
        (
            "rpc_call",
            vec!["rpc".into(), "call".into(), "temperature".into()],
        ),
        ("doctor", vec!["doctor".into()]),
        ("config", vec!["config".into()]),
        ("cache_list", vec!["cache".into(), "list".into()]),
        ("apps", vec!["apps".into()]),
        (
            "flash_fw_dry_run",
            vec!["flash-fw".into(), "--dry-run".into(), s(&fw)],
        ),
        ("flash_fw", vec!["flash-fw".into(), "--yes".into(), s(&fw)]),
        ("upload_sketch", vec!["upload-sketch".into(), s(&elf)]),
        ("deploy", vec!["deploy".into(), s(&app)]),
        ("logs", vec!["logs".into(), "my-app".into()]),
        ("stop", vec!["stop".into(), "my-app".into()]),
        (
            "error",
            vec!["rpc".into(), "call".into(), "no_such_method_here".into()],
        ),
    ];
    // Deploying needs the virtual X8's container programs, which run on Unix only
    // (virtual-x8's host.rs): elsewhere those documents are not made, and not missed.
    let not_here: &[&str] = if cfg!(unix) {
        &[]
    } else {
        &["deploy", "logs", "stop"]
    };
    let mut out = Vec::new();
    for (name, args) in cases.into_iter().filter(|(n, _)| !not_here.contains(n)) {
        let mut c = x8ctl_direct(&sim);
        c.arg("--json")
            .args(&args)
            .env("X8CTL_CACHE_DIR", &home)
            // Whether this machine has an adb on PATH must not change `config`'s document.
            .env("X8CTL_ADB", t.join("adb"))
            .env("X8CTL_SUDO_PASSWORD", "fio");
        let (code, stdout, stderr) = run(c);
        let doc: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!("{name}: not one JSON document ({e}): {stdout:?}\n{stderr}")
        });
        assert_eq!(doc["schema_version"], 1, "{name}: {doc}");
        // One envelope for every document (src/cli/output.rs): `ok` is whether x8ctl exits
        // 0, `command` the subcommand path.
        assert_eq!(doc["ok"], code == 0, "{name}: {doc}");
        let command = args
            .iter()
            .take_while(|a| !a.starts_with('-') && !a.starts_with('/'))
            .take(2)
            .cloned()
            .collect::<Vec<_>>();
        assert!(
            doc["command"]
                .as_str()
                .is_some_and(|c| !c.is_empty() && command.join(" ").starts_with(c)),
            "{name}: {doc}"
        );
        let mut text = format!("exit code {code}\n");
        shape(&doc, 0, &mut text);
        out.push((name.to_string(), text));
    }
    check("json", &out, not_here);
}
