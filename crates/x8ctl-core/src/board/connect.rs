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
        let env_port = crate::host::get().adb_server_port.as_deref();
        let addr =
            server::server_addr(opts.adb_server.as_deref(), env_port).map_err(BoardError::Local)?;
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
            return Err(BoardError::Server(e));
        }
        let devices = server
            .devices()
            .map_err(BoardError::Server)?
            .into_iter()
            .map(|d| DeviceEntry {
                serial: d.serial,
                state: d.state,
                transport: "adb-server".into(),
                product: d.product,
                model: d.model,
                device: d.device,
                asked_x8: false,
            })
            .collect();
        let mut session = Session {
            devices,
            kind: SessionKind::Server(server),
        };
        session.ask_devices();
        Ok(session)
    }

    fn direct(target: &str, sim: Option<VirtualBoard>) -> Result<Session, BoardError> {
        let conn = HostConnection::connect(target, Timeouts::default()).map_err(|e| match e {
            // Something answered: the board is there but cannot be used this way.
            HostError::AuthRequired(_) => BoardError::DirectAuth {
                target: target.to_string(),
            },
            // Accepted and never answered: the X8's adbd serves one host at a time (REB 1.3).
            HostError::Busy(_) => BoardError::Busy {
                target: target.to_string(),
                server_holds: server::local_server_lists(target),
            },
            HostError::HandshakeTimeout(_) => BoardError::Unusable {
                serial: target.to_string(),
                state: super::DeviceState::Offline,
            },
            e => BoardError::Connect {
                target: target.to_string(),
                source: e,
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
            asked_x8: false,
        };
        let mut session = Session {
            devices: vec![entry],
            kind: SessionKind::Direct {
                conn,
                target: target.to_string(),
                _sim: sim,
            },
        };
        session.ask_devices();
        Ok(session)
    }

    /// Ask each usable device whose banner does not say it is an X8 (the X8's adbd
    /// reports empty product, model and device: REB 1.1) for its device-tree model, in
    /// parallel, 2 s at most; remembered per serial for the rest of the run.
    fn ask_devices(&mut self) {
        let to_ask: Vec<usize> = (0..self.devices.len())
            .filter(|&i| self.devices[i].usable() && !self.devices[i].is_x8())
            .collect();
        let answers: Vec<(usize, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = to_ask
                .iter()
                .map(|&i| {
                    let entry = &self.devices[i];
                    let this = &*self;
                    scope.spawn(move || (i, this.asks_as_x8(entry)))
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        for (i, x8) in answers {
            self.devices[i].asked_x8 = x8;
        }
    }

    fn asks_as_x8(&self, entry: &DeviceEntry) -> bool {
        static ASKED: std::sync::Mutex<Option<std::collections::HashMap<String, bool>>> =
            std::sync::Mutex::new(None);
        let cached = ASKED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(Default::default)
            .get(&entry.serial)
            .copied();
        if let Some(x8) = cached {
            return x8;
        }
        let transport = self.transport_for(entry);
        let model = read_model(&transport);
        let x8 = model.as_deref().is_some_and(is_x8_model);
        if model.is_some() {
            ASKED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert_with(Default::default)
                .insert(entry.serial.clone(), x8);
        }
        x8
    }

    fn transport_for(&self, entry: &DeviceEntry) -> Transport {
        match &self.kind {
            SessionKind::Server(server) => Transport::Server {
                server: server.clone(),
                serial: entry.serial.clone(),
            },
            SessionKind::Direct { conn, .. } => Transport::Direct { conn: conn.clone() },
        }
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
        Board::new(self.transport_for(entry), entry.serial.clone())
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

/// The device-tree model of the X8 (arduino/meta-partner-arduino
/// `lmp-device-tree/portenta-x8/arduino_portenta-x8.dts`): "Arduino i.MX8MM Portenta X8
/// board", read with its trailing NUL. The M8 and the bare i.MX8MM Portenta are not X8s.
pub fn is_x8_model(model: &str) -> bool {
    model
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .contains("Portenta X8")
}

/// `/proc/device-tree/model` through `exec:` (raw, no terminal), 2 s at most.
fn read_model(transport: &Transport) -> Option<String> {
    use std::io::Read;
    let mut s = transport
        .open(&format!(
            "exec:cat {} </dev/null",
            super::facts::DEVICE_TREE_MODEL
        ))
        .ok()?;
    s.set_read_timeout_to(Some(std::time::Duration::from_secs(2)));
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    while out.len() < 4096 {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    s.shutdown_both();
    Some(String::from_utf8_lossy(&out).into_owned())
}
