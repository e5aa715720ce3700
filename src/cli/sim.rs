//! `x8ctl sim`: run the virtual X8 until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use virtual_x8::adbd::{AdbdConfig, Profile};
use virtual_x8::sketch::Sketch;
use virtual_x8::{BoardConfig, Fault, Sim, SimConfig};

use super::{CliError, Ctx};

/// Run a virtual Portenta X8 that adb (and x8ctl) can connect to.
///
/// The board speaks ADB over TCP the way the X8's adbd does (android-tools 5.1.1: 4096-byte
/// packets, no shell_v2, an empty banner, `shell:CMD` on a pseudo-terminal, one TCP host at
/// a time, umask 000 and no docker group in its shells), with the board's file system,
/// shell, m4-proxy, H7 firmware, systemd units and Docker behind it. Connect with `adb connect HOST:PORT` or
/// `x8ctl --connect HOST:PORT`. The first line on stdout is always `listening on HOST:PORT`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free port. Only loopback addresses unless
    /// --allow-remote (the virtual board has no authentication: anyone who reaches the
    /// port gets a shell on your machine's sandbox).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5555")]
    pub listen: String,
    /// Allow --listen on an address other machines can reach.
    #[arg(long)]
    pub allow_remote: bool,
    /// Folder holding the board's file system (kept between runs). Default: a temporary
    /// folder removed on exit.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The board's serial number (the hostname becomes portenta-x8-<serial>).
    #[arg(long, value_name = "S", default_value = "2D16BA09DAB6FAD9")]
    pub serial: String,
    /// Inject a fault; repeat for several.
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    pub faults: Vec<Fault>,
    /// The sudo password of fio. Default: the image's (--image-version): 'fio', expired on
    /// 844, 846 and 861 (sudo then fails until `passwd`), empty on images after 861.
    #[arg(long, value_name = "P", conflicts_with = "sudo_nopasswd")]
    pub sudo_password: Option<String>,
    /// sudo needs no password at all (NOPASSWD).
    #[arg(long)]
    pub sudo_nopasswd: bool,
    /// Send port 5001 calls to this MessagePack-RPC server instead of the simulated M4.
    #[arg(long, value_name = "HOST:PORT")]
    pub m4_upstream: Option<String>,
    /// What the simulated M4 runs: none (no sketch: nothing answers), sensors (the
    /// tutorial's sketch: temperature, humidity, pressure, gas, altitude), bmp280 (the same
    /// without gas), serial (prints `line N` with SerialRPC every 200 ms and echoes what
    /// reaches its `tty` as `echo: ...`: see `x8ctl monitor`), or a sketch file with one `name = value` or `name(arg, ...) = value`
    /// line per bound method (value: a number, "string", true/false, void, or $N for the
    /// Nth argument).
    #[arg(long, value_name = "SKETCH|FILE", default_value = "sensors", value_parser = parse_sketch)]
    pub sketch: Sketch,
    /// Per-packet latency of the slow-link fault, in microseconds.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub link_latency_us: u64,
    /// Which adbd to be: x8 (Android 5.1.1, the real board) or modern (shell_v2, 1 MiB packets).
    #[arg(long, value_name = "PROFILE", default_value = "x8")]
    pub profile: Profile,
    /// IMAGE_VERSION of the board's OS image.
    #[arg(long, value_name = "N", default_value_t = 861)]
    pub image_version: u32,
    /// Version of the H7 firmware installed and running at start.
    #[arg(long, value_name = "V", default_value = "0.0.5")]
    pub firmware_version: String,
    /// List the faults and exit.
    #[arg(long)]
    pub list_faults: bool,
}

fn parse_fault(s: &str) -> Result<Fault, String> {
    s.parse()
}

fn parse_sketch(s: &str) -> Result<Sketch, String> {
    Sketch::from_arg(s)
}

fn resolve(addr: &str) -> Result<SocketAddr, CliError> {
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            CliError::usage(format!(
                "'{addr}' is not an address to listen on; use HOST:PORT, e.g. 127.0.0.1:5555 or 127.0.0.1:0"
            ))
        })
}

/// Refuse a non-loopback listen address unless the user asked for it.
fn check_exposure(listen: SocketAddr, allow_remote: bool) -> Result<(), CliError> {
    if listen.ip().is_loopback() || allow_remote {
        return Ok(());
    }
    Err(CliError::new(
        super::exit::USAGE,
        format!(
            "--listen {listen} would let other machines reach the virtual X8, which asks for no key and runs commands on this machine"
        ),
        format!(
            "listen on loopback (--listen 127.0.0.1:{}), or add --allow-remote if you mean it",
            listen.port()
        ),
    ))
}

pub fn run(ctx: &Ctx, args: SimArgs) -> Result<(), CliError> {
    if args.list_faults {
        let mut out = ctx.output.out();
        for f in virtual_x8::faults::ALL_FAULTS {
            let _ = writeln!(out, "{:<18} {}", f.name(), f.describe());
        }
        return Ok(());
    }
    let listen = resolve(&args.listen)?;
    check_exposure(listen, args.allow_remote)?;
    let profile = virtual_x8::board::password_profile(args.image_version);
    let cfg = SimConfig {
        board: BoardConfig {
            serial: args.serial.clone(),
            root: args.root.clone().unwrap_or_default(),
            sudo_password: if args.sudo_nopasswd {
                None
            } else {
                args.sudo_password.clone().or(profile.0)
            },
            // A password given explicitly is one the user has set: not expired.
            password_expired: profile.1 && args.sudo_password.is_none() && !args.sudo_nopasswd,
            image_version: args.image_version,
            firmware_version: args.firmware_version.clone(),
            m4_upstream: args.m4_upstream.clone(),
            m4_sketch: args.sketch.clone(),
            faults: args.faults.clone(),
            ..BoardConfig::default()
        },
        listen,
        adbd: AdbdConfig {
            profile: args.profile,
            link_latency: Duration::from_micros(args.link_latency_us),
        },
    };
    let sim = Sim::start(cfg).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            format!(
                "{} is in use (another adbd or sim?); pick another with --listen, e.g. --listen 127.0.0.1:0",
                listen
            )
        } else {
            "check --root and --listen".to_string()
        };
        CliError::failure(format!("cannot start the virtual X8: {e}"), hint)
    })?;
    let addr = sim.addr();
    {
        let mut out = ctx.output.out();
        let _ = writeln!(out, "listening on {addr}");
        let _ = out.flush();
    }
    ctx.status(&format!(
        "virtual Portenta X8 {} ({}) ready; connect with: adb connect {addr}",
        args.serial,
        sim.board().hostname()
    ));
    if !args.faults.is_empty() {
        let names: Vec<&str> = args.faults.iter().map(|f| f.name()).collect();
        ctx.status(&format!("faults: {}", names.join(", ")));
    }
    super::interrupt::arm(&ctx.output, None);
    while !super::interrupt::sleep(std::time::Duration::from_secs(3600)) {}
    ctx.status("stopping the virtual X8");
    drop(sim);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_without_allow_remote() {
        let lo: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        let lo6: SocketAddr = "[::1]:5555".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:5555".parse().unwrap();
        let any6: SocketAddr = "[::]:0".parse().unwrap();
        assert!(check_exposure(lo, false).is_ok());
        assert!(check_exposure(lo6, false).is_ok());
        assert!(check_exposure(any, false).is_err());
        assert!(check_exposure(any6, false).is_err());
        assert!(check_exposure(any, true).is_ok());
    }
}
