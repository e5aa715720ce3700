//! The environment variables the command line reads, by name, in one place.

/// fio's sudo password on the board.
pub const SUDO_PASSWORD: &str = "X8CTL_SUDO_PASSWORD";
/// `NO_COLOR` (<https://no-color.org>): set and not empty, no colour.
pub const NO_COLOR: &str = "NO_COLOR";
/// `-s/--serial`: the board's serial (adb's own variable).
pub const ANDROID_SERIAL: &str = "ANDROID_SERIAL";
/// `--adb`: the adb executable.
pub const ADB: &str = "X8CTL_ADB";
/// `--adb-server`: the adb server's `HOST:PORT`.
pub const ADB_SERVER: &str = "X8CTL_ADB_SERVER";
/// The local adb server's port (adb's own variable; default 5037).
pub const ANDROID_ADB_SERVER_PORT: &str = "ANDROID_ADB_SERVER_PORT";
/// The config file, instead of `config.toml` in the platform's config folder.
pub const CONFIG: &str = "X8CTL_CONFIG";
/// The cache folder, before the config file's `cache_dir` and the platform's folder.
pub const CACHE_DIR: &str = "X8CTL_CACHE_DIR";
/// The repository every catalog app comes from instead (tests, mirrors, forks).
pub const CATALOG_REPO: &str = "X8CTL_CATALOG_REPO";
/// The repository `flash-fw --build` builds from instead of Arduino's.
pub const FIRMWARE_REPO: &str = "X8CTL_FIRMWARE_REPO";
/// A recommended-firmware table instead of the built-in one.
pub const RECOMMENDED_FILE: &str = "X8CTL_RECOMMENDED_FILE";
/// A firmware releases list instead of the built-in one.
pub const RELEASES_FILE: &str = "X8CTL_RELEASES_FILE";
/// Where adb and the ARM compiler are looked for first.
pub const PATH: &str = "PATH";
/// The Android SDK (`platform-tools/adb`).
pub const ANDROID_HOME: &str = "ANDROID_HOME";
/// The Android SDK, by its older name.
pub const ANDROID_SDK_ROOT: &str = "ANDROID_SDK_ROOT";
/// This computer's name (Unix shells), for the board lock's owner line.
pub const HOSTNAME: &str = "HOSTNAME";
/// This computer's name (Windows), for the board lock's owner line.
pub const COMPUTERNAME: &str = "COMPUTERNAME";
