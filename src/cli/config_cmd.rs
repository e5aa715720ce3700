//! `x8ctl config`: where the config file is, and each setting with its source
//! (flag > environment > file > default).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use clap::parser::ValueSource;

use x8ctl_core::config::FileSettings;

use super::target::TargetArgs;
use super::{CliError, Ctx};

fn source(
    matches: &clap::ArgMatches,
    id: &str,
    from_file: bool,
    value: Option<&str>,
) -> &'static str {
    // Global flags given after the subcommand are recorded on the subcommand's matches.
    let given = std::iter::once(matches)
        .chain(matches.subcommand().map(|(_, m)| m))
        .find_map(|m| {
            m.value_source(id)
                .filter(|s| *s != ValueSource::DefaultValue)
        });
    match (given, from_file, value) {
        (Some(ValueSource::CommandLine), _, _) => "flag",
        (Some(ValueSource::EnvVariable), _, _) => "environment",
        (_, true, Some(_)) => "file",
        _ => "default",
    }
}

/// A setting as shown: name, value, source.
type Row = (&'static str, Option<String>, &'static str);

/// A setting given by a flag, its variable or the file (the value after precedence).
fn given(
    matches: &clap::ArgMatches,
    id: &'static str,
    in_file: bool,
    value: Option<String>,
) -> Option<Row> {
    let src = source(matches, id, in_file, value.as_deref());
    value.map(|v| (id, Some(v), src))
}

pub fn run(
    ctx: &Ctx,
    target: &TargetArgs,
    matches: &clap::ArgMatches,
    path: Option<&Path>,
    file: &FileSettings,
) -> Result<(), CliError> {
    let adb = target.adb.as_ref().map(|p| p.display().to_string());
    // Not set: the adb the search finds, and where it found it.
    let found = match &adb {
        Some(_) => None,
        None => x8ctl_core::board::locate::find_adb(None).ok(),
    };
    let rows: Vec<Row> = vec![
        given(
            matches,
            "serial",
            file.serial.is_some(),
            target.serial.clone(),
        )
        .unwrap_or(("serial", None, "default")),
        given(matches, "adb", file.adb.is_some(), adb).unwrap_or((
            "adb",
            found.as_ref().map(|c| c.path.display().to_string()),
            "default",
        )),
        given(
            matches,
            "adb_server",
            file.adb_server.is_some(),
            target.adb_server.clone(),
        )
        .unwrap_or_else(default_adb_server),
        (
            "sudo_password",
            Some(
                match (
                    std::env::var_os(super::env::SUDO_PASSWORD),
                    &file.sudo_password_command,
                ) {
                    (Some(_), _) => "set (not shown)".to_string(),
                    (None, Some(cmd)) => format!("from `{cmd}`"),
                    (None, None) => "sudo -n, then the image defaults, then a prompt".to_string(),
                },
            ),
            if std::env::var_os(super::env::SUDO_PASSWORD).is_some() {
                "environment"
            } else if file.sudo_password_command.is_some() {
                "file"
            } else {
                "default"
            },
        ),
        cache_dir_row(ctx),
    ];
    let shown = path.map(|p| p.display().to_string());
    let exists = path.is_some_and(Path::exists);
    if ctx.json {
        let settings = rows
            .iter()
            .map(|(k, v, s)| {
                let setting = Setting {
                    value: v.as_deref(),
                    source: s,
                };
                (*k, setting)
            })
            .collect();
        let doc = ConfigDoc {
            path: shown.as_deref(),
            exists,
            settings,
        };
        ctx.print_json(true, doc);
        return Ok(());
    }
    print_rows(ctx, shown.as_deref(), exists, rows, found.as_ref());
    Ok(())
}

/// `config --json`: the config file, and every setting by name.
#[derive(serde::Serialize)]
struct ConfigDoc<'a> {
    path: Option<&'a str>,
    exists: bool,
    settings: BTreeMap<&'static str, Setting<'a>>,
}

/// A setting's value (`null`: none) and where it comes from.
#[derive(serde::Serialize)]
struct Setting<'a> {
    value: Option<&'a str>,
    source: &'static str,
}

/// The settings as a table: the file, then one line per setting.
fn print_rows(
    ctx: &Ctx,
    shown: Option<&str>,
    exists: bool,
    rows: Vec<Row>,
    found: Option<&x8ctl_core::board::locate::Candidate>,
) {
    let mut out = ctx.output.out();
    let _ = writeln!(
        out,
        "config file: {} ({})",
        shown.unwrap_or("(no config folder on this system)"),
        if exists { "present" } else { "not present" }
    );
    let rows: Vec<(&str, String, &str)> = rows
        .into_iter()
        .map(|(k, v, s)| {
            let v = match (k, v, found) {
                ("adb", Some(v), Some(c)) => format!("{v} (found: {})", c.origin),
                (_, Some(v), _) => v,
                ("adb", None, _) => "none found (PATH, Android SDK, Arduino IDE searched)".into(),
                ("cache_dir", None, _) => "(no home folder: a temporary folder)".into(),
                (_, None, _) => "-".into(),
            };
            (k, v, s)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(_, v, _)| v.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v, s) in rows {
        let _ = writeln!(out, "{k:<14} {v:<width$}  [{s}]");
    }
}

/// With no flag, variable or file entry: 127.0.0.1 with ANDROID_ADB_SERVER_PORT (adb's
/// own variable) or 5037.
fn default_adb_server() -> Row {
    let port = x8ctl_core::host::get().adb_server_port.as_deref();
    match x8ctl_core::board::server::server_addr(None, port) {
        Ok(addr) if port.is_some_and(|p| !p.trim().is_empty()) => {
            ("adb_server", Some(addr.to_string()), "environment")
        }
        Ok(addr) => ("adb_server", Some(addr.to_string()), "default"),
        // Reported as it is; commands that use the server say what is wrong with it.
        Err(e) => ("adb_server", Some(e), "environment"),
    }
}

/// The cache folder chosen at start-up, and where it came from.
fn cache_dir_row(ctx: &Ctx) -> Row {
    match (x8ctl_core::cache::dir(), ctx.cache_source) {
        (Some(d), Some(s)) => ("cache_dir", Some(d.display().to_string()), s),
        _ => ("cache_dir", None, "default"),
    }
}
