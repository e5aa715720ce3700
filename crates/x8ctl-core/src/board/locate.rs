//! Finding an adb executable the way a user's machine has one: `--adb`, `PATH`, the
//! Android SDK (`$ANDROID_HOME`, `$ANDROID_SDK_ROOT`, the SDK's default folders), and the
//! adb that the Arduino IDE installs under its Arduino15 folder for the Portenta X8.

use std::path::{Path, PathBuf};

use crate::host::HostEnv;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        }
    }

    pub fn exe(self, name: &str) -> String {
        match self {
            Os::Windows => format!("{name}.exe"),
            _ => name.to_string(),
        }
    }
}

/// Where a candidate came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub origin: &'static str,
}

/// What the search reads, so it can be tested for every OS: the machine's [`HostEnv`]
/// (`PATH`, home, `ANDROID_HOME`, ...) and a way to list folders.
pub struct SearchEnv<'a> {
    pub host: &'a HostEnv,
    /// Lists a folder's sub-folder names (for Arduino15's version folders).
    pub list_dir: &'a dyn Fn(&Path) -> Vec<String>,
}

fn join(base: &Path, parts: &[&str]) -> PathBuf {
    let mut p = base.to_path_buf();
    for part in parts {
        p.push(part);
    }
    p
}

/// Compare version folder names such as `1.0.0` and `32.0.0` numerically.
fn version_key(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(0))
        .collect()
}

/// The Arduino15 folder of the Arduino IDE on each OS.
pub fn arduino15_dir(env: &SearchEnv) -> Option<PathBuf> {
    let host = env.host;
    match host.os {
        Os::Windows => host
            .local_app_data
            .clone()
            .or_else(|| host.home.as_ref().map(|h| join(h, &["AppData", "Local"])))
            .map(|p| p.join("Arduino15")),
        Os::MacOs => host
            .home
            .as_ref()
            .map(|h| join(h, &["Library", "Arduino15"])),
        Os::Linux => host.home.as_ref().map(|h| h.join(".arduino15")),
    }
}

/// Every place adb may be, in the order they are tried.
pub fn candidates(env: &SearchEnv, explicit: Option<&Path>) -> Vec<Candidate> {
    let exe = env.host.os.exe("adb");
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(Candidate {
            path: p.to_path_buf(),
            origin: "--adb",
        });
        return out;
    }
    out.extend(on_path(env, &exe));
    let host = env.host;
    for (root, origin) in [
        (&host.android_home, "$ANDROID_HOME"),
        (&host.android_sdk_root, "$ANDROID_SDK_ROOT"),
    ] {
        if let Some(root) = root {
            out.push(Candidate {
                path: join(root, &["platform-tools", &exe]),
                origin,
            });
        }
    }
    let sdk_default = match host.os {
        Os::Windows => host
            .local_app_data
            .as_ref()
            .map(|l| join(l, &["Android", "Sdk"])),
        Os::MacOs => host
            .home
            .as_ref()
            .map(|h| join(h, &["Library", "Android", "sdk"])),
        Os::Linux => host.home.as_ref().map(|h| join(h, &["Android", "Sdk"])),
    };
    if let Some(sdk) = sdk_default {
        out.push(Candidate {
            path: join(&sdk, &["platform-tools", &exe]),
            origin: "Android SDK",
        });
    }
    out.extend(arduino_tool(env, "adb", &[&exe]));
    out
}

/// Every place `arm-none-eabi-gcc` may be, in the order they are tried: PATH, then the
/// toolchain the Arduino IDE installs with the Mbed cores
/// (Arduino15/packages/arduino/tools/arm-none-eabi-gcc/<version>/bin, newest first) — the
/// same Arduino15 folder adb is found in.
pub fn arm_gcc_candidates(env: &SearchEnv) -> Vec<Candidate> {
    let exe = env.host.os.exe("arm-none-eabi-gcc");
    let mut out = on_path(env, &exe);
    out.extend(arduino_tool(env, "arm-none-eabi-gcc", &["bin", &exe]));
    out
}

/// `exe` in every `PATH` folder, in order.
fn on_path(env: &SearchEnv, exe: &str) -> Vec<Candidate> {
    env.host
        .path
        .iter()
        .map(|dir| Candidate {
            path: dir.join(exe),
            origin: "PATH",
        })
        .collect()
}

/// A tool the Arduino IDE installs: `Arduino15/packages/arduino/tools/<tool>/<version>/`
/// and then `in_version`, for every version there, newest first.
fn arduino_tool(env: &SearchEnv, tool: &str, in_version: &[&str]) -> Vec<Candidate> {
    let Some(a15) = arduino15_dir(env) else {
        return Vec::new();
    };
    let tools = join(&a15, &["packages", "arduino", "tools", tool]);
    let mut versions = (env.list_dir)(&tools);
    versions.sort_by_key(|v| std::cmp::Reverse(version_key(v)));
    versions
        .iter()
        .map(|v| {
            let mut parts = vec![v.as_str()];
            parts.extend_from_slice(in_version);
            Candidate {
                path: join(&tools, &parts),
                origin: "Arduino IDE",
            }
        })
        .collect()
}

fn list_subdirs(p: &Path) -> Vec<String> {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The first `arm-none-eabi-gcc` of [`arm_gcc_candidates`] that is a file, on the
/// installed [`crate::host`].
pub fn find_arm_gcc() -> Option<Candidate> {
    let env = SearchEnv {
        host: crate::host::get(),
        list_dir: &list_subdirs,
    };
    arm_gcc_candidates(&env)
        .into_iter()
        .find(|c| c.path.is_file())
}

/// The first candidate that is a file, on the installed [`crate::host`].
pub fn find_adb(explicit: Option<&Path>) -> Result<Candidate, Vec<Candidate>> {
    let env = SearchEnv {
        host: crate::host::get(),
        list_dir: &list_subdirs,
    };
    let all = candidates(&env, explicit);
    match all.iter().find(|c| c.path.is_file()) {
        Some(c) => Ok(c.clone()),
        None => Err(all),
    }
}

/// What to tell a user who has no adb, per OS.
pub fn install_hint(os: Os) -> &'static str {
    match os {
        Os::Windows => {
            "install the Arduino IDE and its 'Arduino Mbed OS Portenta Boards' core (it brings adb), or Google's platform-tools, then run again or pass --adb C:\\path\\to\\adb.exe"
        }
        Os::MacOs => {
            "install the Arduino IDE and its 'Arduino Mbed OS Portenta Boards' core (it brings adb), or `brew install android-platform-tools`, or pass --adb /path/to/adb"
        }
        Os::Linux => {
            "install adb (Debian/Ubuntu: `sudo apt install adb`), or the Arduino IDE's 'Arduino Mbed OS Portenta Boards' core, or pass --adb /path/to/adb; without adb, use --connect HOST:PORT"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A machine of `os` with `host`'s folders and `home`.
    fn search(os: Os, host: HostEnv, home: &str, dirs: &[(&str, &[&str])]) -> Vec<PathBuf> {
        let dirs: HashMap<PathBuf, Vec<String>> = dirs
            .iter()
            .map(|(d, subs)| {
                (
                    PathBuf::from(d),
                    subs.iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect();
        let list = |p: &Path| dirs.get(p).cloned().unwrap_or_default();
        let host = HostEnv {
            os,
            home: Some(PathBuf::from(home)),
            ..host
        };
        let env = SearchEnv {
            host: &host,
            list_dir: &list,
        };
        candidates(&env, None).into_iter().map(|c| c.path).collect()
    }

    #[test]
    fn linux_order() {
        let got = search(
            Os::Linux,
            HostEnv {
                path: vec!["/usr/local/bin".into(), "/usr/bin".into()],
                android_home: Some("/opt/sdk".into()),
                ..HostEnv::default()
            },
            "/home/u",
            &[(
                "/home/u/.arduino15/packages/arduino/tools/adb",
                &["1.0.0", "32.0.0"],
            )],
        );
        let want: Vec<PathBuf> = [
            "/usr/local/bin/adb",
            "/usr/bin/adb",
            "/opt/sdk/platform-tools/adb",
            "/home/u/Android/Sdk/platform-tools/adb",
            "/home/u/.arduino15/packages/arduino/tools/adb/32.0.0/adb",
            "/home/u/.arduino15/packages/arduino/tools/adb/1.0.0/adb",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn macos_arduino15() {
        let got = search(
            Os::MacOs,
            HostEnv::default(),
            "/Users/u",
            &[(
                "/Users/u/Library/Arduino15/packages/arduino/tools/adb",
                &["32.0.0"],
            )],
        );
        assert!(got.contains(&PathBuf::from(
            "/Users/u/Library/Arduino15/packages/arduino/tools/adb/32.0.0/adb"
        )));
        assert!(got.contains(&PathBuf::from(
            "/Users/u/Library/Android/sdk/platform-tools/adb"
        )));
    }

    #[test]
    fn windows_paths_and_exe() {
        let got = search(
            Os::Windows,
            HostEnv {
                path: vec![r"C:\Windows".into(), r"C:\tools".into()],
                local_app_data: Some(r"C:\Users\u\AppData\Local".into()),
                ..HostEnv::default()
            },
            r"C:\Users\u",
            &[],
        );
        let names: Vec<String> = got
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert!(
            names[0].starts_with(r"C:\Windows") && names[0].ends_with("adb.exe"),
            "{names:?}"
        );
        assert!(names.iter().all(|n| n.ends_with("adb.exe")));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn explicit_path_wins_alone() {
        let list = |_: &Path| Vec::new();
        let host = HostEnv {
            os: Os::Linux,
            path: vec!["/usr/bin".into()],
            ..HostEnv::default()
        };
        let env = SearchEnv {
            host: &host,
            list_dir: &list,
        };
        let c = candidates(&env, Some(Path::new("/x/adb")));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].origin, "--adb");
    }

    #[test]
    fn arm_gcc_is_found_on_path_then_in_the_arduino_ide() {
        let list = |p: &Path| -> Vec<String> {
            if p.ends_with("tools/arm-none-eabi-gcc") {
                vec!["7-2017q4".into(), "10.3.1".into()]
            } else {
                vec![]
            }
        };
        let host = HostEnv {
            os: Os::Linux,
            path: vec!["/usr/bin".into()],
            home: Some(PathBuf::from("/home/u")),
            ..HostEnv::default()
        };
        let env = SearchEnv {
            host: &host,
            list_dir: &list,
        };
        let c: Vec<PathBuf> = arm_gcc_candidates(&env)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(
            c,
            vec![
                PathBuf::from("/usr/bin/arm-none-eabi-gcc"),
                PathBuf::from(
                    "/home/u/.arduino15/packages/arduino/tools/arm-none-eabi-gcc/10.3.1/bin/arm-none-eabi-gcc"
                ),
                PathBuf::from(
                    "/home/u/.arduino15/packages/arduino/tools/arm-none-eabi-gcc/7-2017q4/bin/arm-none-eabi-gcc"
                ),
            ]
        );
    }

    #[test]
    fn version_folders_sort_numerically() {
        let mut v = vec!["1.0.0".to_string(), "32.0.0".to_string(), "9.1".to_string()];
        v.sort_by_key(|s| std::cmp::Reverse(version_key(s)));
        assert_eq!(v, vec!["32.0.0", "9.1", "1.0.0"]);
    }
}
