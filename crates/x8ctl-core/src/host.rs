//! What the product library knows of the computer it runs on: the folders and overrides
//! that would otherwise come from environment variables, as typed values.
//!
//! The library never reads the process environment (a test in `tests/no_env_reads.rs`
//! keeps it so). The binary reads the variables once at start-up (`src/cli/host.rs`,
//! with the platform folders from the `directories` crate), builds a [`HostEnv`] and
//! [`install`]s it; the library's entry points that need the machine (finding adb and the
//! ARM compiler, the cache and temporary folders, the adb server's port, the test overrides) read it with
//! [`get`]. Pure functions take a `&HostEnv` so that every OS can be tested on any OS.
//! A program that installs nothing gets [`HostEnv::default`]: no `PATH`, no home, no
//! cache folder, no overrides.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::board::locate::Os;

/// The machine, as the binary found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEnv {
    pub os: Os,
    /// The `PATH` entries, in order, empty ones left out.
    pub path: Vec<PathBuf>,
    /// The user's home folder.
    pub home: Option<PathBuf>,
    /// Windows: the local application data folder (`FOLDERID_LocalAppData`), where the
    /// Arduino IDE and the Android SDK install; `None` elsewhere.
    pub local_app_data: Option<PathBuf>,
    /// `ANDROID_HOME`.
    pub android_home: Option<PathBuf>,
    /// `ANDROID_SDK_ROOT`.
    pub android_sdk_root: Option<PathBuf>,
    /// This computer's name (`HOSTNAME`, `COMPUTERNAME`), for the board lock's owner line.
    pub hostname: Option<String>,
    /// `ANDROID_ADB_SERVER_PORT`, as given (checked where it is used).
    pub adb_server_port: Option<String>,
    /// x8ctl's cache folder, already chosen (`X8CTL_CACHE_DIR`, the config file's
    /// `cache_dir`, the platform's folder); `None` when there is none.
    pub cache_dir: Option<PathBuf>,
    /// `X8CTL_CATALOG_REPO`: the repository every catalog app comes from instead (tests,
    /// mirrors, forks); the pinned commits are then not checked: the ref is used as it is
    /// in that repository.
    pub catalog_repo: Option<String>,
    /// `X8CTL_FIRMWARE_REPO`: the repository firmware builds come from instead.
    pub firmware_repo: Option<String>,
    /// `X8CTL_RECOMMENDED_FILE`: a recommended-firmware table instead of the built-in one.
    pub recommended_file: Option<PathBuf>,
    /// `X8CTL_RELEASES_FILE`: a releases list instead of the built-in one.
    pub releases_file: Option<PathBuf>,
    /// The system's folder for temporary files (`TMPDIR`, `TEMP`, ...), where a cache goes
    /// when there is no cache folder.
    pub temp_dir: Option<PathBuf>,
}

impl Default for HostEnv {
    /// This OS, and nothing known about the machine.
    fn default() -> HostEnv {
        HostEnv {
            os: Os::current(),
            path: Vec::new(),
            home: None,
            local_app_data: None,
            android_home: None,
            android_sdk_root: None,
            hostname: None,
            adb_server_port: None,
            cache_dir: None,
            catalog_repo: None,
            firmware_repo: None,
            recommended_file: None,
            releases_file: None,
            temp_dir: None,
        }
    }
}

static HOST: OnceLock<HostEnv> = OnceLock::new();

/// Install the machine's [`HostEnv`], once, before the library does any work. A second
/// call is ignored (the first one stays), and says so by returning `false`.
pub fn install(host: HostEnv) -> bool {
    HOST.set(host).is_ok()
}

/// The installed [`HostEnv`], or [`HostEnv::default`] when none was installed.
pub fn get() -> &'static HostEnv {
    static EMPTY: OnceLock<HostEnv> = OnceLock::new();
    HOST.get()
        .unwrap_or_else(|| EMPTY.get_or_init(HostEnv::default))
}
