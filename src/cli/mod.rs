//! The command-line interface: clap definitions, rendering (human or `--json`), progress
//! and prompts. Only this module prints; the rest of the crate returns values and events.

mod cache_cmd;
mod config_cmd;
pub mod deploy;
pub mod devices;
pub mod doctor;
pub mod env;
pub mod flash_fw;
pub mod host;
pub mod interrupt;
pub mod monitor;
pub mod output;
pub mod rpc;
pub mod shell;
#[cfg(feature = "sim")]
pub mod sim;
pub mod style;
pub mod target;
#[cfg(test)]
mod tests;
pub mod transfer;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Version of every `--json` document this build prints (see [`output::Envelope`]); it
/// changes only when a document changes in a way that breaks a reader (a key renamed,
/// removed or retyped), not when keys are added.
pub const SCHEMA_VERSION: u32 = 1;

/// Exit codes (documented in the README).
pub mod exit {
    pub const OK: u8 = 0;
    /// The operation failed.
    pub const FAILURE: u8 = 1;
    /// Bad usage: unknown flag, bad value, missing answer in non-interactive mode.
    pub const USAGE: u8 = 2;
    /// No board (or no adb) was found.
    pub const NO_BOARD: u8 = 3;
    /// The board is there but cannot be used: unauthorised, offline, busy.
    pub const BOARD_UNUSABLE: u8 = 4;
    /// A check failed (doctor, verification).
    pub const CHECK_FAILED: u8 = 5;
    /// Interrupted by Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// Flash, deploy and diagnose the Arduino Portenta X8 from your laptop.
///
/// x8ctl talks to the board through the adb server you already have (the Arduino IDE's
/// adb, platform-tools, or Debian's adb), or directly over TCP with --connect.
#[derive(Debug, Parser)]
#[command(
    name = "x8ctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub target: target::TargetArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Print one JSON document on stdout (with schema_version) instead of text.
    #[arg(long, global = true, help_heading = "Output and prompts")]
    pub json: bool,
    /// Say less on stderr.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Output and prompts"
    )]
    pub quiet: bool,
    /// Say more on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Output and prompts")]
    pub verbose: u8,
    /// Never prompt; a needed answer that is missing is an error.
    #[arg(long, global = true, help_heading = "Output and prompts")]
    pub non_interactive: bool,
    /// Answer yes to every confirmation.
    #[arg(short = 'y', long, global = true, help_heading = "Output and prompts")]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List attached devices; for X8s, hostname, OS image and H7 firmware.
    Devices,
    Shell(shell::ShellArgs),
    Push(transfer::PushArgs),
    Pull(transfer::PullArgs),
    #[cfg(feature = "sim")]
    Sim(sim::SimArgs),
    Rpc(rpc::RpcArgs),
    Monitor(monitor::MonitorArgs),
    Doctor(doctor::DoctorArgs),
    /// Show the config file's place and every setting with where its value comes from.
    Config,
    /// Show or empty the per-user cache (downloaded firmware, repositories).
    #[command(subcommand)]
    Cache(cache_cmd::CacheCommand),
    FlashFw(flash_fw::FlashFwArgs),
    /// List the apps `x8ctl deploy` knows by name, with their repository and pinned commit.
    Apps,
    Deploy(deploy::DeployArgs),
    Logs(deploy::LogsArgs),
    Stop(deploy::StopArgs),
    UploadSketch(deploy::UploadSketchArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// What every command gets: where to write, and output settings.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// stdout and stderr (see [`output::Output`]); shared with the threads that print.
    pub output: Arc<output::Output>,
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub interactive: bool,
    pub yes: bool,
    pub stderr_is_terminal: bool,
    /// The config file's `sudo_password_command`.
    pub sudo_password_command: Option<String>,
    /// The config file's `rpc_method` (a method the M4's sketch binds).
    pub rpc_method: Option<String>,
    /// Where the cache folder comes from (`environment`, `file`, `default`), if any.
    pub cache_source: Option<&'static str>,
    /// The subcommand path (`rpc call`), the `command` of every `--json` document.
    pub command: String,
}

impl Ctx {
    /// The settings of `g`, writing to `output`. Prompts need a terminal on stdin and on
    /// `output`'s stderr.
    pub fn new(g: &GlobalArgs, output: output::Output) -> Ctx {
        let stdin_tty = std::io::stdin().is_terminal();
        let stderr_tty = output.err_is_terminal();
        Ctx {
            output: Arc::new(output),
            json: g.json,
            quiet: g.quiet,
            verbose: g.verbose,
            interactive: stdin_tty && stderr_tty && !g.non_interactive && !g.yes && !g.json,
            yes: g.yes,
            stderr_is_terminal: stderr_tty,
            sudo_password_command: None,
            rpc_method: None,
            cache_source: None,
            command: String::new(),
        }
    }

    /// Print one `--json` document: `payload`'s keys in the [`output::Envelope`] of this
    /// command; `ok` is whether x8ctl exits 0.
    pub fn print_json(&self, ok: bool, payload: impl serde::Serialize) {
        self.output.json(&self.command, ok, payload);
    }

    /// A detail line on stderr, only with -v.
    pub fn detail(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            self.output.err_line(msg);
        }
    }

    /// A status line on stderr (not with --quiet).
    pub fn status(&self, msg: &str) {
        if !self.quiet {
            self.output.err_line(msg);
        }
    }

    /// A `hint:` label, coloured for stderr.
    pub fn hint_label(&self) -> String {
        self.output.paint_err().hint("hint:")
    }

    /// A yes/no question on the terminal, "no" by default; without a terminal the answer
    /// is no.
    pub fn confirm(&self, prompt: &str) -> bool {
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(false)
            .interact()
            .unwrap_or(false)
    }

    /// A finished operation's summary on stderr (green on a terminal; not with --quiet).
    pub fn success(&self, msg: &str) {
        if !self.quiet {
            self.output.err_line(&self.output.paint_err().ok(msg));
        }
    }
}

/// An error as the user sees it: what happened, what to do next, its stable code and the
/// exit code. Errors of the core come with their code and help from
/// [`x8ctl_core::Diagnostic`] ([`CliError::from_diagnostic`]); the exit code is the CLI's.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: String,
    /// The exit code.
    pub code: u8,
    /// The stable error code (`x8ctl::board::no_board`, ...): the core error's diagnostic
    /// code, else a generic one for the exit code ([`generic_code`]).
    pub error_code: String,
}

/// The `--json` document of an error.
#[derive(serde::Serialize)]
struct ErrorDoc<'a> {
    error: ErrorBody<'a>,
}

/// An error as `--json` says it: `help` and `hint` carry the same text (`hint` is kept
/// for older readers).
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    exit_code: u8,
    help: &'a str,
    hint: &'a str,
    message: &'a str,
}

/// The code of an error that is not one of the core's: one per exit code.
pub fn generic_code(exit_code: u8) -> &'static str {
    match exit_code {
        exit::USAGE => "x8ctl::usage",
        exit::NO_BOARD => "x8ctl::no_board",
        exit::BOARD_UNUSABLE => "x8ctl::board_unusable",
        exit::CHECK_FAILED => "x8ctl::check_failed",
        exit::INTERRUPTED => "x8ctl::interrupted",
        _ => "x8ctl::failure",
    }
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: hint.into(),
            code,
            error_code: generic_code(code).to_string(),
        }
    }
    /// A core error: its message, and its help and code from its [`x8ctl_core::Diagnostic`];
    /// `code` is the exit code.
    pub fn from_diagnostic(code: u8, e: &dyn x8ctl_core::Diagnostic) -> CliError {
        CliError {
            message: e.to_string(),
            hint: x8ctl_core::help_of(e),
            code,
            error_code: x8ctl_core::code_of(e).unwrap_or_else(|| generic_code(code).to_string()),
        }
    }
    /// The same error with another message (the core's message with context around it).
    pub fn with_message(self, message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            ..self
        }
    }
    pub fn failure(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(exit::FAILURE, message, hint)
    }
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(exit::USAGE, message, "see `x8ctl --help`")
    }

    /// The error on `out`'s stderr, and with `--json` as a document of `command` on its
    /// stdout.
    pub fn report(&self, out: &output::Output, json: bool, command: &str) {
        if json {
            let error = ErrorBody {
                code: &self.error_code,
                exit_code: self.code,
                help: &self.hint,
                hint: &self.hint,
                message: &self.message,
            };
            out.json(command, false, ErrorDoc { error });
        }
        let paint = out.paint_err();
        let mut err = out.err();
        let _ = writeln!(
            err,
            "{} {}",
            paint.error("error:"),
            style::printable(&self.message)
        );
        if !self.hint.is_empty() {
            let _ = writeln!(
                err,
                "  {} {}",
                paint.hint("hint:"),
                style::printable(&self.hint)
            );
        }
    }
}

/// Whether the command line asks for `--json` (looked for in the raw arguments when clap
/// could not parse them; arguments after `--` belong to a board command).
fn json_requested(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.take_while(|a| a != "--").any(|a| a == "--json")
}

/// A clap error as an x8ctl usage error: its first paragraph is the message (with the
/// indented lines that complete it, such as the missing arguments), the rest the hint.
fn usage_error_document(rendered: &str) -> CliError {
    let mut lines = rendered.trim().lines();
    let mut message = lines
        .next()
        .unwrap_or("")
        .trim_start_matches("error:")
        .trim()
        .to_string();
    let mut hint = Vec::new();
    let mut in_message = true;
    for l in lines {
        if l.trim().is_empty() {
            in_message = false;
        } else if in_message && l.starts_with(char::is_whitespace) {
            message.push(' ');
            message.push_str(l.trim());
        } else {
            in_message = false;
            hint.push(l.trim());
        }
    }
    CliError::new(
        exit::USAGE,
        message,
        if hint.is_empty() {
            "see `x8ctl --help`".to_string()
        } else {
            hint.join(" ")
        },
    )
}

/// Parse the command line, run the command, map the result to an exit code.
pub fn main() -> ExitCode {
    style::init();
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => return ExitCode::from(parse_failed(&output::Output::std(), &e)),
    };
    let mut ctx = Ctx::new(&cli.global, output::Output::std());
    ctx.command = output::command_path(&matches);
    let base = host::BaseFolders::of_this_user();
    let config_path = host::config_path(&host::process_var, &base);
    let file = match config_path.as_deref().map(x8ctl_core::config::load) {
        Some(Ok(f)) => f,
        None => x8ctl_core::config::FileSettings::default(),
        Some(Err(e)) => {
            let err = CliError::from_diagnostic(exit::FAILURE, &e);
            err.report(&ctx.output, ctx.json, &ctx.command);
            return ExitCode::from(err.code);
        }
    };
    ctx.sudo_password_command = file.sudo_password_command.clone();
    ctx.rpc_method = file.rpc_method.clone();
    let (machine, cache_source) = host::host_env(
        x8ctl_core::board::locate::Os::current(),
        &host::process_var,
        &base,
        file.cache_dir.as_deref(),
    );
    x8ctl_core::host::install(machine);
    ctx.cache_source = cache_source;
    let target = cli.target.clone().with_file_defaults(&file);
    let cli = Cli { target, ..cli };
    let result = match cli.command {
        Command::Devices => devices::run(&ctx, &cli.target),
        Command::Shell(args) => match shell::run(&ctx, &cli.target, args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Push(args) => transfer::push(&ctx, &cli.target, args),
        Command::Pull(args) => transfer::pull(&ctx, &cli.target, args),
        #[cfg(feature = "sim")]
        Command::Sim(args) => sim::run(&ctx, args),
        Command::Rpc(args) => match rpc::run(&ctx, &cli.target, args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Monitor(args) => match monitor::run(&ctx, &cli.target, args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Doctor(args) => match doctor::run(&ctx, &cli.target, args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Cache(cmd) => cache_cmd::run(&ctx, cmd),
        Command::Config => {
            config_cmd::run(&ctx, &cli.target, &matches, config_path.as_deref(), &file)
        }
        Command::FlashFw(args) => match flash_fw::run(&ctx, &cli.target, args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Apps => deploy::apps(&ctx),
        Command::Deploy(args) => deploy::deploy(&ctx, &cli.target, args),
        Command::Logs(args) => deploy::logs(&ctx, &cli.target, args),
        Command::Stop(args) => deploy::stop(&ctx, &cli.target, args),
        Command::UploadSketch(args) => deploy::upload_sketch(&ctx, &cli.target, args),
        Command::Completions { shell } => completions(&ctx, shell),
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            e.report(&ctx.output, ctx.json, &ctx.command);
            ExitCode::from(e.code)
        }
    }
}

/// Arguments clap refused, or `--help`/`--version`: clap's text (on stdout for help and
/// version, else on stderr), or with `--json` an error document; the exit code.
fn parse_failed(out: &output::Output, e: &clap::Error) -> u8 {
    let code = match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => exit::OK,
        _ => exit::USAGE,
    };
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if code == exit::USAGE && json_requested(args.iter().cloned()) {
        // The --json contract holds for argument errors too: one document on stdout.
        let command = output::command_path_of_raw(&Cli::command(), &args);
        usage_error_document(&e.render().to_string()).report(out, true, &command);
        return code;
    }
    // As clap's own `Error::print`: styled only for a stream that gets colour.
    let (mut stream, paint) = if e.use_stderr() {
        (out.err(), out.paint_err())
    } else {
        (out.out(), out.paint_out())
    };
    let text = e.render();
    let _ = if paint.is_on() {
        write!(stream, "{}", text.ansi())
    } else {
        write!(stream, "{text}")
    };
    let _ = stream.flush();
    code
}

/// `x8ctl completions SHELL`. clap_complete unwraps its writes, so it writes to memory; a
/// reader that stops early (`| head -1`) is not an error: the reader has what it wanted.
fn completions(ctx: &Ctx, shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut script = Vec::new();
    write_completions(shell, &mut script);
    let mut out = ctx.output.out();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::new(
            exit::FAILURE,
            format!("could not write the completion script: {e}"),
            "redirect it to a file instead: x8ctl completions SHELL > FILE".to_string(),
        )),
        _ => Ok(()),
    }
}

/// The man page (roff), generated from the clap definition.
pub fn write_man_page(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

/// The completion script for `shell`, generated from the clap definition.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "x8ctl", out);
}
