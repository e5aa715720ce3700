//! The apps `x8ctl deploy NAME` knows: the names users read in Arduino's tutorial and the
//! names the folders carry today in arduino/portenta-containers, each pinned to a commit
//! that has that folder.

use serde::Serialize;

/// Where Arduino keeps its container apps.
pub const PORTENTA_CONTAINERS: &str = "https://github.com/arduino/portenta-containers.git";

/// One app of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogApp {
    pub name: &'static str,
    pub repo: &'static str,
    /// The tag or branch the commit is reached from.
    pub reference: &'static str,
    /// The full commit the folder is taken from.
    pub commit: &'static str,
    /// The folder in the repository.
    pub path: &'static str,
    pub about: &'static str,
    /// Reads the M4's values over RPC (readiness waits for the readings in its logs).
    pub sensors: bool,
}

/// The catalog.
///
/// The old names live at tag `arduino-95` (4fa953e). The new names are taken from the
/// commits on `main` that last changed each folder: `m4-sensors-read` from dcf5250 (the
/// rename of python-rpc-sensors, same main.py), `m4-serial-forward-python` from dc4897c (the
/// 2026 rebase on python:3.12-alpine, whose image is known not to import msgpackrpc; x8ctl
/// recognises that crash and names the fix).
pub const CATALOG: &[CatalogApp] = &[
    CatalogApp {
        name: "python-rpc-sensors",
        repo: PORTENTA_CONTAINERS,
        reference: "arduino-95",
        commit: "4fa953e528560346d35a7daef375e875fa728069",
        path: "python-rpc-sensors",
        about: "reads temperature, humidity, pressure, gas and altitude from the M4 (the tutorial's app)",
        sensors: true,
    },
    CatalogApp {
        name: "python-rpc-serial",
        repo: PORTENTA_CONTAINERS,
        reference: "arduino-95",
        commit: "4fa953e528560346d35a7daef375e875fa728069",
        path: "python-rpc-serial",
        about: "forwards the M4's Serial output to the USB serial port (/dev/ttyGS0)",
        sensors: false,
    },
    CatalogApp {
        name: "m4-sensors-read",
        repo: PORTENTA_CONTAINERS,
        reference: "main",
        commit: "dcf525011b7e9da1923e12ad0c532890066ba323",
        path: "m4-sensors-read",
        about: "python-rpc-sensors under its current name",
        sensors: true,
    },
    CatalogApp {
        name: "m4-serial-forward-python",
        repo: PORTENTA_CONTAINERS,
        reference: "main",
        commit: "dc4897c344afe4e9ac09af70b8ce16be3825978e",
        path: "m4-serial-forward-python",
        about: "python-rpc-serial under its current name",
        sensors: false,
    },
];

/// The catalog entry called `name`.
pub fn find(name: &str) -> Option<&'static CatalogApp> {
    CATALOG.iter().find(|a| a.name == name)
}

/// The names, for messages.
pub fn names() -> Vec<&'static str> {
    CATALOG.iter().map(|a| a.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_are_full_and_names_unique() {
        for a in CATALOG {
            assert_eq!(a.commit.len(), 40, "{}", a.name);
            assert!(a.commit.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(CATALOG.iter().filter(|b| b.name == a.name).count(), 1);
        }
        assert!(find("python-rpc-sensors").is_some());
        assert!(find("nope").is_none());
    }
}
