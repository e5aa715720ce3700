//! Which board to use: `-s/--serial` or `ANDROID_SERIAL`; one X8 is used without a
//! question; several need a choice (a picker on a terminal, else an error that lists them).
//! Devices that are attached but unusable (unauthorised, offline, not an X8) are reported.

use super::{BoardError, DeviceState};

/// A device as the adb server (or a direct connection) lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceEntry {
    pub serial: String,
    /// adb's state: `device`, `unauthorized`, `offline`, `no permissions`, ...
    pub state: String,
    /// `adb-server` or `direct`.
    pub transport: String,
    pub product: String,
    pub model: String,
    pub device: String,
    /// The device said it is an X8 when asked (its device-tree model): the X8's adbd
    /// reports empty product, model and device (REB 1.1).
    #[serde(skip)]
    pub asked_x8: bool,
}

impl DeviceEntry {
    /// An X8: by its answer when asked (see [`crate::board::connect`]), or by what adb
    /// reports (product/device `portenta-x8`, model `Portenta_X8`, as a modern adbd with
    /// the properties set would). Unauthorised devices report nothing and cannot be asked.
    pub fn is_x8(&self) -> bool {
        let norm = |s: &str| s.to_ascii_lowercase().replace(['_', ' '], "-");
        self.asked_x8
            || norm(&self.product).contains("portenta-x8")
            || norm(&self.device).contains("portenta-x8")
            || norm(&self.model).contains("portenta-x8")
    }

    pub fn usable(&self) -> bool {
        self.state == "device"
    }

    /// `SERIAL (state, model)` for lists in messages.
    pub fn label(&self) -> String {
        let what = if self.model.is_empty() {
            self.state.clone()
        } else {
            format!("{}, {}", self.state, self.model.replace('_', " "))
        };
        format!("{} ({what})", self.serial)
    }
}

/// How the user answers "which board?".
pub enum Choice<'a> {
    /// Never ask: several candidates are an error.
    NonInteractive,
    /// Ask with this picker; it returns the index chosen, or None if cancelled.
    Picker(&'a dyn Fn(&[DeviceEntry]) -> Option<usize>),
}

/// Pick the board to use from `devices`.
pub fn choose(
    devices: &[DeviceEntry],
    serial: Option<&str>,
    choice: Choice,
) -> Result<DeviceEntry, BoardError> {
    if let Some(want) = serial.filter(|s| !s.is_empty()) {
        let found =
            devices
                .iter()
                .find(|d| d.serial == want)
                .ok_or_else(|| BoardError::NoSuchSerial {
                    serial: want.to_string(),
                    attached: devices.iter().map(DeviceEntry::label).collect(),
                })?;
        if !found.usable() {
            return Err(BoardError::Unusable {
                serial: found.serial.clone(),
                state: DeviceState::from_adb(&found.state),
            });
        }
        // An explicit serial is trusted even if adb does not say it is an X8.
        return Ok(found.clone());
    }
    let x8s: Vec<&DeviceEntry> = devices.iter().filter(|d| d.usable() && d.is_x8()).collect();
    match x8s.len() {
        1 => return Ok(x8s[0].clone()),
        0 => {}
        _ => {
            return match choice {
                Choice::Picker(pick) => {
                    let owned: Vec<DeviceEntry> = x8s.iter().map(|d| (*d).clone()).collect();
                    match pick(&owned) {
                        Some(i) if i < owned.len() => Ok(owned[i].clone()),
                        _ => Err(BoardError::Ambiguous {
                            candidates: owned.iter().map(|d| d.serial.clone()).collect(),
                        }),
                    }
                }
                Choice::NonInteractive => Err(BoardError::Ambiguous {
                    candidates: x8s.iter().map(|d| d.serial.clone()).collect(),
                }),
            };
        }
    }
    // No usable X8: say why, with what is there.
    let unusable: Vec<&DeviceEntry> = devices.iter().filter(|d| !d.usable()).collect();
    if let [only] = unusable.as_slice()
        && devices.len() == 1
    {
        return Err(BoardError::Unusable {
            serial: only.serial.clone(),
            state: DeviceState::from_adb(&only.state),
        });
    }
    Err(BoardError::NoBoard {
        others: devices.iter().map(DeviceEntry::label).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(serial: &str, state: &str, x8: bool) -> DeviceEntry {
        DeviceEntry {
            serial: serial.into(),
            state: state.into(),
            transport: "adb-server".into(),
            product: if x8 {
                "portenta-x8".into()
            } else {
                "sdk_phone".into()
            },
            model: if x8 {
                "Portenta_X8".into()
            } else {
                "Pixel_7".into()
            },
            device: if x8 {
                "portenta-x8".into()
            } else {
                "panther".into()
            },
            asked_x8: false,
        }
    }

    #[test]
    fn one_x8_is_used_without_a_question() {
        let devs = vec![dev("phone", "device", false), dev("X8A", "device", true)];
        let got = choose(&devs, None, Choice::NonInteractive).unwrap();
        assert_eq!(got.serial, "X8A");
    }

    #[test]
    fn several_need_a_choice() {
        let devs = vec![dev("X8A", "device", true), dev("X8B", "device", true)];
        match choose(&devs, None, Choice::NonInteractive) {
            Err(BoardError::Ambiguous { candidates }) => assert_eq!(candidates, vec!["X8A", "X8B"]),
            other => panic!("{other:?}"),
        }
        let pick = |_: &[DeviceEntry]| Some(1);
        assert_eq!(
            choose(&devs, None, Choice::Picker(&pick)).unwrap().serial,
            "X8B"
        );
        let cancel = |_: &[DeviceEntry]| None;
        assert!(choose(&devs, None, Choice::Picker(&cancel)).is_err());
        assert_eq!(
            choose(&devs, Some("X8A"), Choice::NonInteractive)
                .unwrap()
                .serial,
            "X8A"
        );
    }

    #[test]
    fn unusable_and_missing_are_reported() {
        let devs = vec![dev("X8A", "unauthorized", false)];
        assert!(matches!(
            choose(&devs, None, Choice::NonInteractive),
            Err(BoardError::Unusable {
                state: DeviceState::Unauthorized,
                ..
            })
        ));
        assert!(matches!(
            choose(&devs, Some("X8A"), Choice::NonInteractive),
            Err(BoardError::Unusable { .. })
        ));
        assert!(matches!(
            choose(&[], None, Choice::NonInteractive),
            Err(BoardError::NoBoard { ref others }) if others.is_empty()
        ));
        let phone = vec![dev("phone", "device", false)];
        match choose(&phone, None, Choice::NonInteractive) {
            Err(e @ BoardError::NoBoard { .. }) => {
                assert!(
                    miette::Diagnostic::help(&e)
                        .unwrap()
                        .to_string()
                        .contains("phone")
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            choose(&phone, Some("nope"), Choice::NonInteractive),
            Err(BoardError::NoSuchSerial { .. })
        ));
    }
}
