//! The machine x8ctl runs on, read once at start-up: the environment variables of
//! [`super::env`] and the platform's folders (from the `directories` crate: the XDG base
//! directories on Linux, `~/Library` on macOS, the known-folder API on Windows, so a
//! redirected profile is followed). The product library reads no environment: it gets
//! the result as an [`x8ctl_core::host::HostEnv`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use x8ctl_core::board::locate::Os;
use x8ctl_core::host::HostEnv;

use super::env;

/// Reads one environment variable; an empty value is unset.
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process environment, empty values as unset.
pub fn process_var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The user's base folders, as the platform names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseFolders {
    pub home: Option<PathBuf>,
    /// Linux `$XDG_CONFIG_HOME` or `~/.config`; macOS `~/Library/Application Support`;
    /// Windows the roaming AppData folder.
    pub config: Option<PathBuf>,
    /// Linux `$XDG_CACHE_HOME` or `~/.cache`; macOS `~/Library/Caches`; Windows the local
    /// AppData folder.
    pub cache: Option<PathBuf>,
    /// Windows the local AppData folder (where the Arduino IDE and the Android SDK go).
    pub local_data: Option<PathBuf>,
    /// The system's folder for temporary files (`std::env::temp_dir`: `TMPDIR`, else
    /// `/tmp`; Windows `TMP`, `TEMP`, ...).
    pub temp: Option<PathBuf>,
}

impl BaseFolders {
    /// This user's, from `directories`; all `None` when the system gives no home folder.
    pub fn of_this_user() -> BaseFolders {
        let temp = Some(std::env::temp_dir());
        match directories::BaseDirs::new() {
            Some(b) => BaseFolders {
                home: Some(b.home_dir().to_path_buf()),
                config: Some(b.config_dir().to_path_buf()),
                cache: Some(b.cache_dir().to_path_buf()),
                local_data: Some(b.data_local_dir().to_path_buf()),
                temp,
            },
            None => BaseFolders {
                temp,
                ..BaseFolders::default()
            },
        }
    }
}

/// x8ctl's config folder: `x8ctl` in the platform's config folder.
pub fn config_dir(base: &BaseFolders) -> Option<PathBuf> {
    base.config.as_ref().map(|d| d.join("x8ctl"))
}

/// x8ctl's platform cache folder: Linux `$XDG_CACHE_HOME/x8ctl` or `~/.cache/x8ctl`; macOS
/// `~/Library/Caches/x8ctl`; Windows `x8ctl\cache` in the local AppData folder.
pub fn cache_dir(os: Os, base: &BaseFolders) -> Option<PathBuf> {
    let d = base.cache.as_ref()?.join("x8ctl");
    Some(match os {
        Os::Windows => d.join("cache"),
        Os::Linux | Os::MacOs => d,
    })
}

/// The config file's path: `X8CTL_CONFIG`, else `config.toml` in [`config_dir`].
pub fn config_path(var: Vars, base: &BaseFolders) -> Option<PathBuf> {
    if let Some(p) = var(env::CONFIG) {
        return Some(PathBuf::from(p));
    }
    config_dir(base).map(|d| d.join("config.toml"))
}

/// The machine for the product library, and where its cache folder choice comes from
/// (`environment`, `file`, `default`): `X8CTL_CACHE_DIR`, then the config file's
/// `cache_dir` (`file_cache`), then the platform's folder.
pub fn host_env(
    os: Os,
    var: Vars,
    base: &BaseFolders,
    file_cache: Option<&Path>,
) -> (HostEnv, Option<&'static str>) {
    let path_of = |k: &str| var(k).map(PathBuf::from);
    let string_of = |k: &str| var(k).map(|v| v.to_string_lossy().into_owned());
    let located = x8ctl_core::cache::locate(
        path_of(env::CACHE_DIR).as_deref(),
        file_cache,
        cache_dir(os, base).as_deref(),
    );
    let (cache, source) = match located {
        Some((d, s)) => (Some(d), Some(s)),
        None => (None, None),
    };
    let host = HostEnv {
        os,
        path: var(env::PATH)
            .map(|p| {
                std::env::split_paths(&p)
                    .filter(|d| !d.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        home: base.home.clone(),
        local_app_data: match os {
            Os::Windows => base.local_data.clone(),
            Os::Linux | Os::MacOs => None,
        },
        android_home: path_of(env::ANDROID_HOME),
        android_sdk_root: path_of(env::ANDROID_SDK_ROOT),
        hostname: string_of(env::HOSTNAME).or_else(|| string_of(env::COMPUTERNAME)),
        adb_server_port: string_of(env::ANDROID_ADB_SERVER_PORT),
        cache_dir: cache,
        catalog_repo: string_of(env::CATALOG_REPO),
        firmware_repo: string_of(env::FIRMWARE_REPO),
        recommended_file: path_of(env::RECOMMENDED_FILE),
        releases_file: path_of(env::RELEASES_FILE),
        temp_dir: base.temp.clone(),
    };
    (host, source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let m: HashMap<String, OsString> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn base(home: &str, config: &str, cache: &str) -> BaseFolders {
        BaseFolders {
            home: Some(home.into()),
            config: Some(config.into()),
            cache: Some(cache.into()),
            local_data: Some(cache.into()),
            temp: Some("/tmp".into()),
        }
    }

    #[test]
    fn folders_per_os() {
        let linux = base("/home/u", "/home/u/.config", "/home/u/.cache");
        assert_eq!(
            config_path(&vars(&[]), &linux),
            Some(PathBuf::from("/home/u/.config/x8ctl/config.toml"))
        );
        assert_eq!(
            cache_dir(Os::Linux, &linux),
            Some(PathBuf::from("/home/u/.cache/x8ctl"))
        );
        let mac = base(
            "/Users/u",
            "/Users/u/Library/Application Support",
            "/Users/u/Library/Caches",
        );
        assert_eq!(
            config_dir(&mac),
            Some(PathBuf::from("/Users/u/Library/Application Support/x8ctl"))
        );
        assert_eq!(
            cache_dir(Os::MacOs, &mac),
            Some(PathBuf::from("/Users/u/Library/Caches/x8ctl"))
        );
        // Windows: config in the roaming AppData, cache in the local one (a redirected
        // profile's roaming folder is wherever the known-folder API says).
        let win = BaseFolders {
            home: Some(r"C:\Users\u".into()),
            config: Some(r"\\server\profiles\u\AppData\Roaming".into()),
            cache: Some(r"C:\Users\u\AppData\Local".into()),
            local_data: Some(r"C:\Users\u\AppData\Local".into()),
            temp: Some(r"C:\Users\u\AppData\Local\Temp".into()),
        };
        assert_eq!(
            config_dir(&win),
            Some(PathBuf::from(r"\\server\profiles\u\AppData\Roaming").join("x8ctl"))
        );
        assert_eq!(
            cache_dir(Os::Windows, &win),
            Some(
                PathBuf::from(r"C:\Users\u\AppData\Local")
                    .join("x8ctl")
                    .join("cache")
            )
        );
        let (host, _) = host_env(Os::Windows, &vars(&[]), &win, None);
        assert_eq!(
            host.local_app_data,
            Some(PathBuf::from(r"C:\Users\u\AppData\Local"))
        );
        assert_eq!(
            host.temp_dir,
            Some(PathBuf::from(r"C:\Users\u\AppData\Local\Temp"))
        );
        let (host, _) = host_env(Os::Linux, &vars(&[]), &linux, None);
        assert_eq!(host.local_app_data, None);
        assert_eq!(host.temp_dir, Some(PathBuf::from("/tmp")));
        // No home folder: no folders.
        assert_eq!(config_path(&vars(&[]), &BaseFolders::default()), None);
        assert_eq!(cache_dir(Os::Linux, &BaseFolders::default()), None);
    }

    #[test]
    fn overrides_win() {
        let linux = base("/home/u", "/home/u/.config", "/home/u/.cache");
        let over = vars(&[(env::CONFIG, "/etc/x8.toml")]);
        assert_eq!(
            config_path(&over, &linux),
            Some(PathBuf::from("/etc/x8.toml"))
        );
        let file = Path::new("/data/x8");
        let (h, s) = host_env(Os::Linux, &vars(&[]), &linux, Some(file));
        assert_eq!((h.cache_dir.as_deref(), s), (Some(file), Some("file")));
        let (h, s) = host_env(Os::Linux, &vars(&[]), &linux, None);
        assert_eq!(
            (h.cache_dir, s),
            (Some(PathBuf::from("/home/u/.cache/x8ctl")), Some("default"))
        );
        let (h, s) = host_env(
            Os::MacOs,
            &vars(&[(env::CACHE_DIR, "/tmp/c")]),
            &linux,
            Some(file),
        );
        assert_eq!(
            (h.cache_dir, s),
            (Some(PathBuf::from("/tmp/c")), Some("environment"))
        );
        let (h, s) = host_env(Os::Linux, &vars(&[]), &BaseFolders::default(), None);
        assert_eq!((h.cache_dir, s), (None, None));
    }

    #[test]
    fn every_variable_reaches_the_library() {
        let path = std::env::join_paths(["/usr/local/bin", "", "/usr/bin"]).unwrap();
        let var = vars(&[
            (env::PATH, path.to_str().unwrap()),
            (env::ANDROID_HOME, "/opt/sdk"),
            (env::ANDROID_SDK_ROOT, "/opt/sdk2"),
            (env::COMPUTERNAME, "laptop"),
            (env::ANDROID_ADB_SERVER_PORT, "5039"),
            (env::CATALOG_REPO, "/srv/containers"),
            (env::FIRMWARE_REPO, "/srv/fw"),
            (env::RECOMMENDED_FILE, "/tmp/rec.toml"),
            (env::RELEASES_FILE, ""),
        ]);
        let (h, _) = host_env(Os::Linux, &var, &BaseFolders::default(), None);
        let want = HostEnv {
            os: Os::Linux,
            path: vec!["/usr/local/bin".into(), "/usr/bin".into()],
            home: None,
            local_app_data: None,
            android_home: Some("/opt/sdk".into()),
            android_sdk_root: Some("/opt/sdk2".into()),
            hostname: Some("laptop".into()),
            adb_server_port: Some("5039".into()),
            cache_dir: None,
            catalog_repo: Some("/srv/containers".into()),
            firmware_repo: Some("/srv/fw".into()),
            recommended_file: Some("/tmp/rec.toml".into()),
            // Empty is unset.
            releases_file: None,
            temp_dir: None,
        };
        assert_eq!(h, want);
        let (h, _) = host_env(
            Os::Linux,
            &vars(&[(env::HOSTNAME, "box"), (env::COMPUTERNAME, "laptop")]),
            &BaseFolders::default(),
            None,
        );
        assert_eq!(h.hostname.as_deref(), Some("box"));
    }
}
