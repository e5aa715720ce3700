//! From the command line's transport options to a [`Board`]: the adb server (found,
//! started), or `--connect HOST:PORT` (direct ADB). A virtual X8 (`--virtual`) is started by
//! the binary, which hands its address here as a direct target with a guard that keeps it
//! running; this library never knows the simulator.

use std::path::PathBuf;

use super::locate;
use super::select::{self, Choice, DeviceEntry};
use super::server::{self, AdbServer};
use super::{Board, BoardError, Transport};
use adb_wire::host::{HostConnection, HostError, Timeouts};

#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--adb PATH`.
    pub adb: Option<PathBuf>,
    /// `--adb-server HOST:PORT`.
    pub adb_server: Option<String>,
    /// `--connect HOST:PORT`: direct ADB, no adb server.
    pub connect: Option<String>,
    /// `--virtual`: an in-process virtual X8 that the caller started at this address; the
    /// guard keeps it running as long as the session.
    pub virtual_board: Option<VirtualBoard>,
    /// `-s/--serial` or `ANDROID_SERIAL`.
    pub serial: Option<String>,
}

/// An in-process virtual X8 that the caller started: its ADB address, and whatever keeps
/// it running (dropped with the session).
#[derive(Clone)]
pub struct VirtualBoard {
    pub addr: String,
    pub guard: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for VirtualBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualBoard")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Where the devices were found; keeps an in-process virtual board alive.
pub struct Session {
    pub devices: Vec<DeviceEntry>,
    kind: SessionKind,
}

enum SessionKind {
    Server(AdbServer),
    Direct {
        conn: HostConnection,
        target: String,
        _sim: Option<VirtualBoard>,
    },
}

impl Session {
    /// Connect as the options say and list the devices there.
    pub fn open(opts: &ConnectOptions) -> Result<Session, BoardError> {
        if let Some(v) = &opts.virtual_board {
            return Session::direct(&v.addr, Some(v.clone()));
        }
        if let Some(target) = &opts.connect {
            return Session::direct(target, None);
        }
        let env_port = std::env::var("ANDROID_ADB_SERVER_PORT").ok();
        let addr = server::server_addr(opts.adb_server.as_deref(), env_port.as_deref())
            .map_err(BoardError::Local)?;
        let adb_path = match locate::find_adb(opts.adb.as_deref()) {
            Ok(c) => Some(c.path),
            Err(tried) => {
                if opts.adb.is_some() {
                    return Err(BoardError::NoAdb {
                        tried: tried.iter().map(|c| c.path.display().to_string()).collect(),
                    });
                }
                None
            }
        };
        let server = AdbServer { addr, adb_path };
        if let Err(e) = server.ensure_running() {
            if server.adb_path.is_none() {
                return Err(BoardError::NoAdb { tried: Vec::new() });
            }
            return Err(BoardError::Server(e.to_string()));
        }
        let devices = server
            .devices()
            .map_err(|e| BoardError::Server(e.to_string()))?
            .into_iter()
            .map(|d| DeviceEntry {
                serial: d.serial,
                state: d.state,
                transport: "adb-server".into(),
                product: d.product,
                model: d.model,
                device: d.device,
            })
            .collect();
        Ok(Session {
            devices,
            kind: SessionKind::Server(server),
        })
    }

    fn direct(target: &str, sim: Option<VirtualBoard>) -> Result<Session, BoardError> {
        let conn = HostConnection::connect(target, Timeouts::default()).map_err(|e| match e {
            // Something answered: the board is there but cannot be used this way.
            HostError::AuthRequired(_) => BoardError::DirectAuth {
                target: target.to_string(),
            },
            HostError::HandshakeTimeout(_) => BoardError::Unusable {
                serial: target.to_string(),
                state: "offline".into(),
            },
            e => BoardError::Connect {
                target: target.to_string(),
                detail: e.to_string(),
            },
        })?;
        let b = conn.banner();
        let entry = DeviceEntry {
            serial: target.to_string(),
            state: if b.kind == "device" {
                "device".into()
            } else {
                b.kind.clone()
            },
            transport: "direct".into(),
            product: b.prop("ro.product.name").unwrap_or_default().to_string(),
            model: b
                .prop("ro.product.model")
                .unwrap_or_default()
                .replace(' ', "_"),
            device: b.prop("ro.product.device").unwrap_or_default().to_string(),
        };
        Ok(Session {
            devices: vec![entry],
            kind: SessionKind::Direct {
                conn,
                target: target.to_string(),
                _sim: sim,
            },
        })
    }

    pub fn transport_name(&self) -> &'static str {
        match self.kind {
            SessionKind::Server(_) => "adb-server",
            SessionKind::Direct { .. } => "direct",
        }
    }

    /// The adb server, when that is the path.
    pub fn server(&self) -> Option<&AdbServer> {
        match &self.kind {
            SessionKind::Server(s) => Some(s),
            SessionKind::Direct { .. } => None,
        }
    }

    /// A board handle for `entry`.
    pub fn board_for(&self, entry: &DeviceEntry) -> Board {
        let transport = match &self.kind {
            SessionKind::Server(server) => Transport::Server {
                server: server.clone(),
                serial: entry.serial.clone(),
            },
            SessionKind::Direct { conn, .. } => Transport::Direct { conn: conn.clone() },
        };
        Board::new(transport, entry.serial.clone())
    }

    /// Pick the board (see [`select::choose`]) and return its handle.
    pub fn choose(&self, serial: Option<&str>, choice: Choice) -> Result<Board, BoardError> {
        // With a direct connection there is exactly one device; a serial names it by address.
        let serial = match &self.kind {
            SessionKind::Direct { target, .. } if serial.is_some_and(|s| s != target) => None,
            _ => serial,
        };
        let entry = select::choose(&self.devices, serial, choice)?;
        Ok(self.board_for(&entry))
    }
}
