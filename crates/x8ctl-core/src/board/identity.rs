//! Who a board is: hostname, model, OS image and the firmware running on the H7.

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

const SEP: &str = "__x8ctl_section__";

/// The one board command that reads the identity.
pub fn command() -> String {
    format!(
        "cat /etc/hostname; echo {SEP}; cat /proc/device-tree/model; echo; echo {SEP}; cat /etc/os-release; echo {SEP}; cat /sys/kernel/x8h7_firmware/version 2>&1"
    )
}

/// Parse the output of [`command`].
pub fn parse(text: &str) -> Identity {
    let parts: Vec<&str> = text.split(SEP).collect();
    let part = |i: usize| {
        parts
            .get(i)
            .map(|s| s.trim_matches(|c: char| c.is_whitespace() || c == '\0'))
            .unwrap_or("")
    };
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
    let out = board.run(&command(), Some(std::time::Duration::from_secs(20)))?;
    Ok(parse(&out.stdout_text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_healthy_board() {
        let text = format!(
            "portenta-x8-2d16ba09dab6fad9\n{SEP}\nArduino i.MX8MM Portenta X8 board\0\n\n{SEP}\nID=lmp-xwayland\nNAME=\"Linux-microPlatform XWayland\"\nIMAGE_VERSION=861\n{SEP}\n0.0.5\n"
        );
        let id = parse(&text);
        assert_eq!(id.hostname, "portenta-x8-2d16ba09dab6fad9");
        assert!(id.is_x8());
        assert_eq!(id.image_version, Some(861));
        assert_eq!(id.firmware_version.as_deref(), Some("0.0.5"));
        assert_eq!(id.os_name, "Linux-microPlatform XWayland");
    }

    #[test]
    fn firmware_read_errors_and_garbage() {
        let text = format!(
            "h\n{SEP}\nm\n{SEP}\n\n{SEP}\ncat: /sys/kernel/x8h7_firmware/version: Connection timed out\n"
        );
        let id = parse(&text);
        assert_eq!(id.firmware_version, None);
        assert!(id.firmware_error.unwrap().contains("timed out"));
        let id = parse("random junk");
        assert_eq!(id.hostname, "random junk");
        assert!(!id.is_x8());
    }
}
