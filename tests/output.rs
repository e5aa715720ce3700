//! The output contract: exit codes as the README documents them, colour only on a
//! terminal and never with NO_COLOR, `-q`, and errors as JSON with `--json`.

mod common;

use std::process::{Command, Stdio};

use common::*;
use virtual_x8::Fault;
use x8ctl::cli::exit;

/// The README's exit-code table: (code, meaning).
fn readme_exit_codes() -> Vec<(u8, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("### Exit codes")
        .nth(1)
        .expect("an Exit codes section")
        .split("\n#")
        .next()
        .unwrap();
    section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split('|').collect();
            let code = cells.first()?.trim().parse::<u8>().ok()?;
            Some((code, cells.get(1)?.trim().to_string()))
        })
        .collect()
}

#[test]
fn the_readme_documents_every_exit_code_there_is() {
    let documented: Vec<u8> = readme_exit_codes().iter().map(|(c, _)| *c).collect();
    let defined = [
        exit::OK,
        exit::FAILURE,
        exit::USAGE,
        exit::NO_BOARD,
        exit::BOARD_UNUSABLE,
        exit::CHECK_FAILED,
        exit::INTERRUPTED,
    ];
    assert_eq!(documented, defined, "README's table vs cli::exit");
}

/// Each documented code, produced the way a user meets it. (130, Ctrl-C, is produced in
/// tests/flash.rs, where an interrupted flash rolls back.)
#[test]
fn each_exit_code_is_what_the_readme_says() {
    let sim = sim(&[]);
    let dead = format!("127.0.0.1:{}", free_port());
    let x8ctl = |args: &[&str]| {
        let mut c = x8ctl_direct(&sim);
        c.args(args);
        run(c)
    };
    let at = |addr: &str, args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_x8ctl"));
        c.arg("--connect")
            .arg(addr)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("ANDROID_SERIAL")
            .stdin(Stdio::null());
        run(c)
    };

    let (code, _, err) = x8ctl(&["devices"]);
    assert_eq!(code, i32::from(exit::OK), "{err}");

    let (code, _, err) = x8ctl(&["push", "/nonexistent/x8ctl-test-file", "/home/fio/"]);
    assert_eq!(code, i32::from(exit::FAILURE), "{err}");
    assert!(err.contains("hint:"), "{err}");

    let (code, _, err) = x8ctl(&["devices", "--no-such-flag"]);
    assert_eq!(code, i32::from(exit::USAGE), "{err}");

    let (code, _, err) = at(&dead, &["devices"]);
    assert_eq!(code, i32::from(exit::NO_BOARD), "{err}");

    let locked = common::sim(&[Fault::Unauthorized]);
    let (code, _, err) = at(&locked.addr().to_string(), &["shell", "true"]);
    assert_eq!(code, i32::from(exit::BOARD_UNUSABLE), "{err}");
    assert!(err.contains("hint:"), "{err}");

    let (code, _, err) = x8ctl(&["rpc", "call", "no_such_method"]);
    assert_eq!(code, i32::from(exit::CHECK_FAILED), "{err}");

    // `shell CMD` passes CMD's own status through.
    let (code, _, _) = x8ctl(&["shell", "exit 42"]);
    assert_eq!(code, 42);
}

/// `x8ctl ARGS` on a pseudo-terminal (util-linux `script`), returning what the terminal
/// showed (stdout and stderr together).
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let mut c = Command::new("script");
    c.args([
        "-qfec",
        &format!("{} {args}", env!("CARGO_BIN_EXE_x8ctl")),
        "/dev/null",
    ])
    .env_remove("NO_COLOR")
    .env_remove("ANDROID_SERIAL")
    .env("TERM", "xterm-256color")
    .env(
        "X8CTL_CONFIG",
        std::env::temp_dir().join("x8ctl-tests-no-config.toml"),
    )
    .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether `s` holds an SGR (colour) escape such as `ESC[31m`; cursor movement such as a
/// spinner's `ESC[2K` is not colour.
fn coloured(s: &str) -> bool {
    s.split("\u{1b}[").skip(1).any(|rest| {
        let params = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ';');
        params.starts_with('m')
    })
}

#[test]
#[cfg_attr(windows, ignore = "needs a pseudo-terminal (util-linux's script)")]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let sim = sim(&[Fault::M4ProxyDown]);
    let dead = format!("127.0.0.1:{}", free_port());

    // An error on a terminal: coloured labels, the same words.
    let shown = on_a_terminal(&format!("--connect {dead} devices"), &[]);
    assert!(coloured(&shown), "{shown:?}");
    assert!(
        shown.contains("error:") && shown.contains("hint:"),
        "{shown:?}"
    );
    // NO_COLOR, even on a terminal: plain.
    let shown = on_a_terminal(&format!("--connect {dead} devices"), &[("NO_COLOR", "1")]);
    assert!(!coloured(&shown), "{shown:?}");
    assert!(shown.contains("error:"), "{shown:?}");
    // An empty NO_COLOR does not count (no-color.org).
    let shown = on_a_terminal(&format!("--connect {dead} devices"), &[("NO_COLOR", "")]);
    assert!(coloured(&shown), "{shown:?}");

    // The doctor: symbols in colour on a terminal, words without.
    let addr = sim.addr().to_string();
    let shown = on_a_terminal(&format!("--connect {addr} doctor"), &[]);
    assert!(coloured(&shown) && shown.contains('✗'), "{shown}");
    let shown = on_a_terminal(&format!("--connect {addr} doctor"), &[("NO_COLOR", "1")]);
    assert!(!coloured(&shown), "{shown}");
    assert!(shown.contains("[FAIL] m4-proxy"), "{shown}");

    // Piped: no colour whatever NO_COLOR says.
    let mut c = Command::new(env!("CARGO_BIN_EXE_x8ctl"));
    c.args(["--connect", &dead, "devices"])
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    let (_, out, err) = run(c);
    assert!(!coloured(&out) && !coloured(&err), "{err:?}");
    let mut c = x8ctl_direct(&sim);
    c.env_remove("NO_COLOR").arg("doctor");
    let (_, out, _) = run(c);
    assert!(!coloured(&out) && out.contains("[FAIL] m4-proxy"), "{out}");
}

#[test]
fn quiet_keeps_data_and_errors_and_drops_status() {
    let sim = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    let local = dir.path().join("a.txt");

    let mut c = x8ctl_direct(&sim);
    c.args(["push", local.to_str().unwrap(), "/home/fio/"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("push: 1 files"), "{err}");

    let mut c = x8ctl_direct(&sim);
    c.args(["-q", "push", local.to_str().unwrap(), "/home/fio/"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!((out.as_str(), err.as_str()), ("", ""));

    // Data still reaches stdout with -q; errors still reach stderr.
    let mut c = x8ctl_direct(&sim);
    c.args(["-q", "shell", "cat /home/fio/a.txt"]);
    let (code, out, _) = run(c);
    assert_eq!((code, out.as_str()), (0, "hello\n"));
    let mut c = x8ctl_direct(&sim);
    c.args([
        "-q",
        "pull",
        "/home/fio/missing.txt",
        dir.path().to_str().unwrap(),
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 1);
    assert!(err.contains("error:"), "{err}");
}

#[test]
fn errors_are_json_on_stdout_with_json() {
    let dead = format!("127.0.0.1:{}", free_port());
    let mut c = Command::new(env!("CARGO_BIN_EXE_x8ctl"));
    c.args(["--connect", &dead, "--json", "devices"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    let (code, out, err) = run(c);
    assert_eq!(code, i32::from(exit::NO_BOARD));
    let doc: serde_json::Value = serde_json::from_str(out.trim()).expect(&out);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["command"], "devices");
    assert_eq!(doc["error"]["exit_code"], i64::from(exit::NO_BOARD));
    assert!(doc["error"]["hint"].as_str().unwrap().len() > 10);
    // The core error's diagnostic: its stable code, and its help (the same text as hint).
    assert_eq!(doc["error"]["code"], "x8ctl::board::connect", "{doc}");
    assert_eq!(doc["error"]["help"], doc["error"]["hint"]);
    // The human words stay on stderr.
    assert!(err.contains("error:"), "{err}");
}

#[test]
fn argument_errors_are_json_too_with_json() {
    for (args, command) in [
        (&["--json", "flash-fw", "--no-such-flag"][..], "flash-fw"),
        (&["--json", "rpc", "call"][..], "rpc call"),
        (&["push", "--json", "onlyone"][..], "push"),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_x8ctl"));
        c.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
        let (code, out, err) = run(c);
        assert_eq!(code, i32::from(exit::USAGE), "{args:?}: {err}");
        let doc: serde_json::Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"));
        assert_eq!(doc["schema_version"], 1);
        assert_eq!(doc["ok"], false);
        // The same envelope as every document, with the subcommand as typed.
        assert_eq!(doc["command"], command, "{args:?}");
        assert_eq!(doc["error"]["exit_code"], i64::from(exit::USAGE));
        assert_eq!(doc["error"]["code"], "x8ctl::usage", "{doc}");
        assert!(
            !doc["error"]["message"].as_str().unwrap().is_empty(),
            "{doc}"
        );
        assert!(err.contains("error:"), "{err}");
    }
    // Without --json, clap's own text only; `--json` after `--` belongs to the board command.
    let mut c = Command::new(env!("CARGO_BIN_EXE_x8ctl"));
    c.args(["flash-fw", "--no-such-flag", "--", "--json"])
        .stdin(Stdio::null());
    let (code, out, _) = run(c);
    assert_eq!(code, i32::from(exit::USAGE));
    assert!(out.is_empty(), "{out}");
}

/// A board's own text (here its hostname, which anyone with root on it can set) cannot
/// drive the user's terminal: escape sequences are shown, not obeyed.
#[test]
fn board_text_cannot_drive_the_terminal() {
    let sim = sim(&[]);
    std::fs::write(
        board_path(&sim, "/etc/hostname"),
        "evil\u{1b}]0;owned\u{7}\u{1b}[2J\n",
    )
    .unwrap();
    let mut c = x8ctl_direct(&sim);
    c.arg("devices");
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("evil\\x1b]0;owned\\x07\\x1b[2J"), "{out}");
}
