//! Who a board is: hostname, model, OS image and the firmware running on the H7.

use super::cmd::Cmd;
use super::facts;
use super::script::{Parts, Sections};
use super::{Board, BoardError};

/// The X8's identity as read from the board in one command.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub hostname: String,
    /// `/proc/device-tree/model`, e.g. "Arduino i.MX8MM Portenta X8 board".
    pub model: String,
    /// `IMAGE_VERSION` from /etc/os-release (the Foundries build number, e.g. 861).
    pub image_version: Option<u32>,
    pub os_name: String,
    /// `/sys/kernel/x8h7_firmware/version`: the firmware running on the H7, if it answers.
    pub firmware_version: Option<String>,
    /// What reading the firmware version said when it failed.
    pub firmware_error: Option<String>,
}

impl Identity {
    pub fn is_x8(&self) -> bool {
        self.model.contains("Portenta X8")
    }
}

/// The one board script that reads the identity: hostname, device-tree model (REB §1.1),
/// os-release and the H7's firmware version (REB §3.2).
pub fn script() -> Sections {
    let cat = |path: &str| Cmd::new("cat").arg(path);
    Sections::new()
        .part("hostname", cat("/etc/hostname"))
        .part("model", cat(facts::DEVICE_TREE_MODEL))
        .part("os-release", cat("/etc/os-release"))
        .part("firmware", cat(facts::SYSFS_VERSION).stderr_to_stdout())
}

/// Parse the parts of [`script`]'s output.
pub fn parse(parts: &Parts) -> Identity {
    let texts: Vec<String> = ["hostname", "model", "os-release", "firmware"]
        .iter()
        .map(|n| {
            parts
                .text(n)
                .trim_matches(|c: char| c.is_whitespace() || c == '\0')
                .to_string()
        })
        .collect();
    let part = |i: usize| texts[i].as_str();
    let mut id = Identity {
        hostname: part(0).to_string(),
        model: part(1).trim_end_matches('\0').to_string(),
        ..Identity::default()
    };
    for line in part(2).lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        match k.trim() {
            "IMAGE_VERSION" => id.image_version = v.parse().ok(),
            "NAME" => id.os_name = v.to_string(),
            _ => {}
        }
    }
    let fw = part(3);
    if fw.is_empty() {
        id.firmware_error = Some("empty".into());
    } else if fw.starts_with("cat:") || fw.contains("No such file") || fw.contains("timed out") {
        id.firmware_error = Some(fw.lines().next().unwrap_or(fw).to_string());
    } else {
        id.firmware_version = Some(fw.lines().next().unwrap_or(fw).trim().to_string());
    }
    id
}

pub fn read(board: &Board) -> Result<Identity, BoardError> {
    let script = script();
    let out = board.run(&script.render(), Some(std::time::Duration::from_secs(20)))?;
    Ok(parse(&script.parse(&out.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(texts: [&str; 4]) -> Parts {
        Parts::from_texts(
            ["hostname", "model", "os-release", "firmware"]
                .into_iter()
                .zip(texts),
        )
    }

    #[test]
    fn parses_a_healthy_board() {
        let id = parse(&parts([
            "portenta-x8-2d16ba09dab6fad9\n",
            "Arduino i.MX8MM Portenta X8 board\0",
            "ID=lmp-xwayland\nNAME=\"Linux-microPlatform XWayland\"\nIMAGE_VERSION=861\n",
            "0.0.5",
        ]));
        assert_eq!(id.hostname, "portenta-x8-2d16ba09dab6fad9");
        assert!(id.is_x8());
        assert_eq!(id.image_version, Some(861));
        assert_eq!(id.firmware_version.as_deref(), Some("0.0.5"));
        assert_eq!(id.os_name, "Linux-microPlatform XWayland");
    }

    #[test]
    fn firmware_read_errors_and_garbage() {
        let id = parse(&parts([
            "h",
            "m",
            "",
            "cat: /sys/kernel/x8h7_firmware/version: Connection timed out\n",
        ]));
        assert_eq!(id.firmware_version, None);
        assert!(id.firmware_error.unwrap().contains("timed out"));
        // Output without the script's markers is the first part's, cut short.
        let id = parse(&script().parse(b"random junk"));
        assert_eq!(id.hostname, "random junk");
        assert!(!id.is_x8());
        assert_eq!(id.firmware_error.as_deref(), Some("empty"));
    }
}
