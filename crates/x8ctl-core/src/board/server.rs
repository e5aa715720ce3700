//! The adb server path (the default): the server the user already runs, found and started
//! through `adb_client`, with the device services opened by x8ctl itself.
//!
//! Why both: adb_client lists devices and starts the server well, but it has no timeouts
//! (its reads wait forever), it throws the exit status away, it pushes every file as 0777
//! with the wrong mtime, and its `forward` takes the remote end first. So device streams
//! (`shell:`, `sync:`, `tcp:`) are opened here over the server's own socket protocol
//! (`host:transport:<serial>` then the service), with timeouts, and forwards go through
//! adb_client with its argument order put right.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, SocketAddrV4, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use adb_client::server::{DeviceLong, DeviceState};
use adb_client::server_device::ADBServerDevice;

/// The adb server's default port.
pub const DEFAULT_PORT: u16 = 5037;

#[derive(Debug, Clone)]
pub struct AdbServer {
    pub addr: SocketAddrV4,
    /// The adb executable used to start the server, if one was found.
    pub adb_path: Option<PathBuf>,
}

/// One line of `adb devices -l`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDevice {
    pub serial: String,
    pub state: String,
    pub product: String,
    pub model: String,
    pub device: String,
}

/// What went wrong asking the adb server.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServerError {
    #[error("the adb server at {addr} is not running and could not be started{detail}")]
    #[diagnostic(
        code(x8ctl::adb_server::not_running),
        help("start it with `adb start-server`, or pass --adb PATH / --adb-server HOST:PORT")
    )]
    NotRunning { addr: SocketAddrV4, detail: String },
    #[error("the adb server said: {0}")]
    #[diagnostic(
        code(x8ctl::adb_server::failed),
        help("check that adb works (`adb devices`), then run again")
    )]
    Failed(String),
    /// The adb server's FAIL says the device is not there (any more) or offline.
    #[error("the adb server said: {0}")]
    #[diagnostic(
        code(x8ctl::adb_server::device_gone),
        help("check the cable and `adb devices`, then run again")
    )]
    DeviceGone(String),
    #[error("talking to the adb server: {0}")]
    #[diagnostic(
        code(x8ctl::adb_server::io),
        help("check that the adb server still runs (`adb devices`), then run again")
    )]
    Io(#[from] io::Error),
    #[error("adb_client: {0}")]
    #[diagnostic(
        code(x8ctl::adb_server::client),
        help("check that adb works (`adb devices`), then run again")
    )]
    Client(#[source] adb_client::RustADBError),
}

impl ServerError {
    /// The server's FAIL text, read once: adb's "device 'X' not found" and "device offline"
    /// say the device is gone, anything else that the request failed.
    pub fn failed(text: String) -> ServerError {
        if text.contains("not found") || text.contains("offline") {
            ServerError::DeviceGone(text)
        } else {
            ServerError::Failed(text)
        }
    }
}

/// The server address: `--adb-server HOST:PORT`, else `ANDROID_ADB_SERVER_PORT` on
/// 127.0.0.1, else 127.0.0.1:5037.
pub fn server_addr(flag: Option<&str>, env_port: Option<&str>) -> Result<SocketAddrV4, String> {
    if let Some(s) = flag {
        let addr = s
            .to_socket_addrs()
            .ok()
            .and_then(|mut it| it.find(|a| a.is_ipv4()))
            .ok_or_else(|| format!("--adb-server '{s}' is not an IPv4 HOST:PORT"))?;
        return match addr {
            SocketAddr::V4(v4) => Ok(v4),
            SocketAddr::V6(_) => Err(format!("--adb-server '{s}' must be IPv4")),
        };
    }
    let port = match env_port.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| format!("ANDROID_ADB_SERVER_PORT='{p}' is not a port number"))?,
        None => DEFAULT_PORT,
    };
    Ok(SocketAddrV4::new([127, 0, 0, 1].into(), port))
}

fn state_name(s: &DeviceState) -> String {
    s.to_string()
}

impl AdbServer {
    fn connect(&self, timeout: Duration) -> io::Result<TcpStream> {
        let s = TcpStream::connect_timeout(&SocketAddr::V4(self.addr), timeout)?;
        let _ = s.set_nodelay(true);
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        s.set_write_timeout(Some(Duration::from_secs(10)))?;
        Ok(s)
    }

    pub fn is_running(&self) -> bool {
        self.connect(Duration::from_millis(500)).is_ok()
    }

    /// Start the server when none answers (only for a server on this machine), as
    /// `adb start-server` with the same port.
    pub fn ensure_running(&self) -> Result<(), ServerError> {
        if self.is_running() {
            return Ok(());
        }
        if !self.addr.ip().is_loopback() {
            return Err(ServerError::NotRunning {
                addr: self.addr,
                detail: " (it is on another machine: start it there)".into(),
            });
        }
        let Some(adb) = &self.adb_path else {
            return Err(ServerError::NotRunning {
                addr: self.addr,
                detail: ": no adb executable was found to start it".into(),
            });
        };
        let port = self.addr.port().to_string();
        // `adb start-server` waits for the server itself; 30 s at most here.
        let output = crate::process::output_within(
            std::process::Command::new(adb)
                .arg("-P")
                .arg(&port)
                .arg("start-server")
                .stdin(std::process::Stdio::null()),
            Duration::from_secs(30),
        )
        .and_then(|o| {
            o.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "adb start-server did not finish within 30 s",
                )
            })
        });
        if self.is_running() {
            return Ok(());
        }
        let detail = match output {
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stderr).trim().to_string();
                if text.is_empty() {
                    format!(" ({} start-server exited with {})", adb.display(), o.status)
                } else {
                    format!(": {text}")
                }
            }
            Err(e) => format!(": cannot run {}: {e}", adb.display()),
        };
        Err(ServerError::NotRunning {
            addr: self.addr,
            detail,
        })
    }

    /// `adb devices -l`: the server's `host:devices-l`, each line parsed by adb_client's
    /// `DeviceLong` (lines it cannot parse, such as `no permissions (...)`, by us).
    ///
    /// Not `ADBServer::devices_long`: for a local server adb_client runs `adb start-server`
    /// before every request without the port, which starts a second server on 5037 when
    /// x8ctl talks to another port.
    pub fn devices(&self) -> Result<Vec<ServerDevice>, ServerError> {
        let text = self.host_query("host:devices-l")?;
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(parse_device_line)
            .collect())
    }

    /// `adb connect HOST:PORT` (for boards reached over the network, and the virtual X8).
    pub fn connect_device(&self, target: &str) -> Result<String, ServerError> {
        let text = self.host_query(&format!("host:connect:{target}"))?;
        if text.starts_with("connected to") || text.starts_with("already connected to") {
            Ok(text)
        } else {
            Err(ServerError::Failed(text))
        }
    }

    pub fn disconnect_device(&self, target: &str) -> Result<String, ServerError> {
        self.host_query(&format!("host:disconnect:{target}"))
    }

    /// A host query answered with OKAY and a length-prefixed string.
    pub fn host_query(&self, request: &str) -> Result<String, ServerError> {
        let mut s = self.connect(Duration::from_secs(5))?;
        send_request(&mut s, request)?;
        read_status(&mut s)?;
        Ok(read_hex_string(&mut s)?)
    }

    /// The device's features (`shell_v2`, ...), empty for the X8.
    pub fn features(&self, serial: &str) -> Result<Vec<String>, ServerError> {
        let text = self.host_query(&format!("host-serial:{serial}:features"))?;
        Ok(text
            .split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect())
    }

    /// Open a device service: the returned socket is a raw stream to it.
    pub fn open(&self, serial: &str, service: &str) -> Result<TcpStream, ServerError> {
        let mut s = self.connect(Duration::from_secs(5))?;
        send_request(&mut s, &format!("host:transport:{serial}"))?;
        read_status(&mut s)?;
        send_request(&mut s, service)?;
        read_status(&mut s)?;
        s.set_read_timeout(None)?;
        s.set_write_timeout(None)?;
        Ok(s)
    }

    /// `adb forward tcp:LOCAL tcp:REMOTE`. adb_client's `forward` takes the remote end
    /// first; this takes them in adb's order.
    pub fn forward(&self, serial: &str, local: &str, remote: &str) -> Result<(), ServerError> {
        let mut dev = ADBServerDevice::new(serial.to_string(), Some(self.addr));
        dev.forward(remote.to_string(), local.to_string())
            .map_err(ServerError::Client)
    }

    pub fn forward_remove(&self, serial: &str, local: &str) -> Result<(), ServerError> {
        let mut dev = ADBServerDevice::new(serial.to_string(), Some(self.addr));
        dev.forward_remove(local.to_string())
            .map_err(ServerError::Client)
    }

    /// `adb forward --list` lines for `serial`: (local, remote).
    pub fn list_forward(&self, serial: &str) -> Result<Vec<(String, String)>, ServerError> {
        let text = self.host_query("host:list-forward")?;
        Ok(text
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                let (s, local, remote) = (it.next()?, it.next()?, it.next()?);
                (s == serial).then(|| (local.to_string(), remote.to_string()))
            })
            .collect())
    }
}

fn parse_device_line(line: &str) -> ServerDevice {
    match DeviceLong::try_from(line.as_bytes()) {
        Ok(d) => ServerDevice {
            serial: d.identifier,
            state: state_name(&d.state),
            product: clean(&d.product),
            model: clean(&d.model),
            device: clean(&d.device),
        },
        Err(_) => {
            let (serial, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let rest = rest.trim();
            // The state runs up to the first `key:value` word (usb:, product:, transport_id:).
            let state: Vec<&str> = rest
                .split_whitespace()
                .take_while(|w| !w.contains(':') || w.starts_with('('))
                .collect();
            let field = |key: &str| {
                rest.split_whitespace()
                    .find_map(|w| w.strip_prefix(key))
                    .unwrap_or_default()
                    .to_string()
            };
            ServerDevice {
                serial: serial.to_string(),
                state: state.join(" "),
                product: field("product:"),
                model: field("model:"),
                device: field("device:"),
            }
        }
    }
}

fn clean(s: &str) -> String {
    if s == "Unk" {
        String::new()
    } else {
        s.to_string()
    }
}

fn send_request(s: &mut TcpStream, request: &str) -> io::Result<()> {
    let msg = format!("{:04x}{request}", request.len());
    s.write_all(msg.as_bytes())
}

fn read_status(s: &mut TcpStream) -> Result<(), ServerError> {
    let mut status = [0u8; 4];
    s.read_exact(&mut status)?;
    match &status {
        b"OKAY" => Ok(()),
        b"FAIL" => Err(ServerError::failed(read_hex_string(s)?)),
        other => Err(ServerError::Failed(format!(
            "unexpected reply {:?}",
            String::from_utf8_lossy(other)
        ))),
    }
}

fn read_hex_string(s: &mut TcpStream) -> io::Result<String> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let n = usize::from_str_radix(&String::from_utf8_lossy(&len), 16).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidData, "bad length from the adb server")
    })?;
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Whether the adb server on this machine (the installed [`crate::host`]'s
/// ANDROID_ADB_SERVER_PORT, or 5037), if one runs, lists `target` (`HOST:PORT`, as `adb connect` names it): then it holds that
/// adbd. Never starts a server; half a second at most.
pub fn local_server_lists(target: &str) -> bool {
    let env_port = crate::host::get().adb_server_port.as_deref();
    let Ok(addr) = server_addr(None, env_port) else {
        return false;
    };
    let server = AdbServer {
        addr,
        adb_path: None,
    };
    if !server.is_running() {
        return false;
    }
    server
        .devices()
        .map(|d| d.iter().any(|d| d.serial == target))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_lines() {
        let d = parse_device_line(
            "127.0.0.1:5555         device product:portenta-x8 model:Portenta_X8 device:portenta-x8 transport_id:1",
        );
        assert_eq!(
            (d.serial.as_str(), d.state.as_str(), d.model.as_str()),
            ("127.0.0.1:5555", "device", "Portenta_X8")
        );
        let d = parse_device_line("2D16BA09DAB6FAD9       unauthorized usb:1-1 transport_id:2");
        assert_eq!(
            (d.serial.as_str(), d.state.as_str()),
            ("2D16BA09DAB6FAD9", "unauthorized")
        );
        let d = parse_device_line(
            "2D16BA09DAB6FAD9       no permissions (missing udev rules? user is in the plugdev group); see [http://developer.android.com/tools/device.html] usb:1-1 transport_id:3",
        );
        assert_eq!(d.serial, "2D16BA09DAB6FAD9");
        assert!(d.state.starts_with("no permissions"), "{}", d.state);
        let d = parse_device_line("weird");
        assert_eq!(d.serial, "weird");
    }

    #[test]
    fn server_address_precedence() {
        assert_eq!(server_addr(None, None).unwrap().port(), 5037);
        assert_eq!(server_addr(None, Some("15037")).unwrap().port(), 15037);
        assert_eq!(
            server_addr(Some("127.0.0.1:6000"), Some("15037"))
                .unwrap()
                .port(),
            6000
        );
        assert!(server_addr(None, Some("abc")).is_err());
        assert!(server_addr(None, Some("0")).is_err());
        assert!(server_addr(Some("nonsense"), None).is_err());
        assert_eq!(server_addr(None, Some("")).unwrap().port(), 5037);
    }
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let all = [
            ServerError::NotRunning {
                addr: SocketAddrV4::new([127, 0, 0, 1].into(), 5037),
                detail: String::new(),
            },
            ServerError::failed("closed".into()),
            ServerError::failed("device 'X8' not found".into()),
            ServerError::Io(io::Error::from(io::ErrorKind::BrokenPipe)),
            ServerError::Client(adb_client::RustADBError::ADBRequestFailed("x".into())),
        ];
        assert!(matches!(all[1], ServerError::Failed(_)));
        assert!(matches!(all[2], ServerError::DeviceGone(_)));
        assert!(matches!(
            ServerError::failed("device offline".into()),
            ServerError::DeviceGone(_)
        ));
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("adb_server", &dyns);
    }
}
