//! Commands run in the test process with a captured [`Output`]: what each writes to stdout
//! and to stderr, byte for byte. No host environment is installed here, so the library sees
//! [`x8ctl_core::host::HostEnv::default`]: no PATH, no home, no cache folder.

use clap::{CommandFactory, FromArgMatches};

use super::output::{Capture, Output};
use super::target::TargetArgs;
use super::{Cli, CliError, Ctx, output};

/// A command line (`x8ctl` and `args`) parsed as `main` parses it, with a [`Ctx`] that
/// writes into the returned [`Capture`].
pub(crate) fn parsed(args: &[&str]) -> (Ctx, Capture, clap::ArgMatches, TargetArgs) {
    let matches = Cli::command()
        .try_get_matches_from(std::iter::once("x8ctl").chain(args.iter().copied()))
        .expect("the test's arguments parse");
    let cli = Cli::from_arg_matches(&matches).expect("the test's arguments parse");
    let (out, capture) = Output::capture();
    let mut ctx = Ctx::new(&cli.global, out);
    ctx.command = output::command_path(&matches);
    (ctx, capture, matches, cli.target)
}

#[test]
fn a_capture_is_no_terminal_so_nothing_prompts() {
    let (ctx, _, _, _) = parsed(&["apps"]);
    assert!(!ctx.interactive);
    assert!(!ctx.stderr_is_terminal);
}

#[test]
fn apps_lists_the_catalog_on_stdout_only() {
    let (ctx, cap, _, _) = parsed(&["apps"]);
    assert!(super::deploy::apps(&ctx).is_ok());
    let out = cap.out();
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "python-rpc-sensors         reads temperature, humidity, pressure, gas and altitude from the M4 (the tutorial's app)"
    );
    let catalog = x8ctl_core::deploy::catalog::CATALOG;
    assert_eq!(out.lines().count(), 2 * catalog.len(), "{out}");
    assert_eq!(cap.err(), "");
}

#[test]
fn apps_json_is_one_sorted_document_on_stdout() {
    let (ctx, cap, _, _) = parsed(&["--json", "apps"]);
    assert!(super::deploy::apps(&ctx).is_ok());
    let out = cap.out();
    assert!(
        out.starts_with(
            r#"{"schema_version":1,"ok":true,"command":"apps","apps":[{"about":"reads temperature"#
        ),
        "{out}"
    );
    assert!(
        out.contains(r#""path":"python-rpc-sensors","reference":"arduino-95","repo":"#),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1);
    assert!(out.ends_with("}\n"));
    assert_eq!(cap.err(), "");
}

#[test]
fn cache_list_without_a_cache_folder_is_an_error_on_stderr() {
    let (ctx, cap, _, _) = parsed(&["cache", "list"]);
    let err = super::cache_cmd::run(&ctx, super::cache_cmd::CacheCommand::List)
        .expect_err("no host environment: no cache folder");
    err.report(&ctx.output, ctx.json, &ctx.command);
    assert_eq!(cap.out(), "");
    assert_eq!(
        cap.err(),
        "error: this system has no per-user cache folder (no HOME, LOCALAPPDATA or XDG_CACHE_HOME)\n  hint: set X8CTL_CACHE_DIR to a writable folder\n"
    );
}

#[test]
fn an_error_with_json_is_a_document_on_stdout_and_text_on_stderr() {
    let (ctx, cap, _, _) = parsed(&["--json", "cache", "list"]);
    let err = CliError::failure("boom \u{1b}[31m", "try again");
    err.report(&ctx.output, ctx.json, &ctx.command);
    assert_eq!(
        cap.out(),
        concat!(
            r#"{"schema_version":1,"ok":false,"command":"cache list","#,
            r#""error":{"code":"x8ctl::failure","exit_code":1,"help":"try again","#,
            r#""hint":"try again","message":"boom \u001b[31m"}}"#,
            "\n"
        )
    );
    // On stderr the board's (or anyone's) control characters are shown, not obeyed.
    assert_eq!(cap.err(), "error: boom \\x1b[31m\n  hint: try again\n");
}

#[test]
fn config_shows_each_setting_and_its_source_on_stdout() {
    if std::env::var_os(super::env::SUDO_PASSWORD).is_some() {
        return; // The sudo_password row would say "set (not shown)": another text.
    }
    let (ctx, cap, matches, target) = parsed(&[
        "config",
        "--serial",
        "S1",
        "--adb",
        "/opt/none/adb",
        "--adb-server",
        "127.0.0.1:5037",
    ]);
    let file = x8ctl_core::config::FileSettings::default();
    let path = std::path::Path::new("/nonexistent/x8ctl/config.toml");
    assert!(super::config_cmd::run(&ctx, &target, &matches, Some(path), &file).is_ok());
    assert_eq!(
        cap.out(),
        "config file: /nonexistent/x8ctl/config.toml (not present)\n\
         serial         S1                                               [flag]\n\
         adb            /opt/none/adb                                    [flag]\n\
         adb_server     127.0.0.1:5037                                   [flag]\n\
         sudo_password  sudo -n, then the image defaults, then a prompt  [default]\n\
         cache_dir      (no home folder: a temporary folder)             [default]\n"
    );
    assert_eq!(cap.err(), "");
}

#[test]
fn config_json_keeps_json_s_order_keys_sorted_at_every_level() {
    if std::env::var_os(super::env::SUDO_PASSWORD).is_some() {
        return;
    }
    let (ctx, cap, matches, target) =
        parsed(&["--json", "config", "--serial", "S1", "--adb", "/a/adb"]);
    let file = x8ctl_core::config::FileSettings::default();
    assert!(super::config_cmd::run(&ctx, &target, &matches, None, &file).is_ok());
    assert_eq!(
        cap.out(),
        concat!(
            r#"{"schema_version":1,"ok":true,"command":"config","exists":false,"path":null,"#,
            r#""settings":{"adb":{"source":"flag","value":"/a/adb"},"#,
            r#""adb_server":{"source":"default","value":"127.0.0.1:5037"},"#,
            r#""cache_dir":{"source":"default","value":null},"#,
            r#""serial":{"source":"flag","value":"S1"},"#,
            r#""sudo_password":{"source":"default","value":"sudo -n, then the image defaults, then a prompt"}}}"#,
            "\n"
        )
    );
    assert_eq!(cap.err(), "");
}

#[test]
fn status_goes_to_stderr_and_quiet_silences_it() {
    let (ctx, cap, _, _) = parsed(&["apps"]);
    ctx.status("working");
    ctx.detail("only with -v");
    ctx.success("done");
    assert_eq!(cap.err(), "working\ndone\n");
    let (ctx, cap, _, _) = parsed(&["-q", "apps"]);
    ctx.status("working");
    ctx.success("done");
    assert_eq!(cap.err(), "");
    let (ctx, cap, _, _) = parsed(&["-v", "apps"]);
    ctx.detail("only with -v");
    assert_eq!(
        (cap.out(), cap.err()),
        (String::new(), "only with -v\n".into())
    );
}

#[test]
fn help_goes_to_stdout_and_argument_errors_to_stderr() {
    let (out, cap) = Output::capture();
    let help = Cli::command()
        .try_get_matches_from(["x8ctl", "--help"])
        .expect_err("--help stops the parse");
    assert_eq!(super::parse_failed(&out, &help), super::exit::OK);
    assert!(cap.out().contains("Usage: x8ctl [OPTIONS] <COMMAND>"));
    assert_eq!(cap.err(), "");

    let (out, cap) = Output::capture();
    let bad = Cli::command()
        .try_get_matches_from(["x8ctl", "--bogus"])
        .expect_err("an unknown flag");
    assert_eq!(super::parse_failed(&out, &bad), super::exit::USAGE);
    assert_eq!(cap.out(), "");
    assert!(
        cap.err()
            .starts_with("error: unexpected argument '--bogus' found\n"),
        "{}",
        cap.err()
    );
}

#[test]
fn completions_write_the_script_to_stdout() {
    let (ctx, cap, _, _) = parsed(&["completions", "bash"]);
    assert!(super::completions(&ctx, clap_complete::Shell::Bash).is_ok());
    assert!(cap.out().starts_with("_x8ctl() {"), "{}", cap.out());
    assert_eq!(cap.err(), "");
}
