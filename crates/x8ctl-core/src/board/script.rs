//! One board round trip for several commands, and each command's output and exit status
//! back: [`Sections`] renders one script whose parts are separated by a marker line with a
//! nonce fresh for each script, and [`Sections::parse`] splits the output at exactly those
//! markers, so a part whose output looks like a separator (or like another script's
//! marker) cannot shift the others.
//!
//! ```
//! use x8ctl_core::board::cmd::Cmd;
//! use x8ctl_core::board::script::Sections;
//! let s = Sections::new()
//!     .part("host", Cmd::new("cat").arg("/etc/hostname"))
//!     .part("model", Cmd::fixed("cat /proc/device-tree/model"));
//! let script = s.render();
//! assert!(script.as_str().contains("cat /etc/hostname"));
//! ```

use super::BoardError;
use super::cmd::Cmd;
use super::quote::new_nonce;

/// Named board commands run as one script.
#[derive(Debug, Clone)]
pub struct Sections {
    nonce: String,
    parts: Vec<(&'static str, Cmd)>,
}

/// One part's output (bytes: a part may print binary) and exit status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Part {
    pub out: Vec<u8>,
    /// `None` when the part's end marker never came (the script was cut or exited early):
    /// then `out` holds whatever it printed.
    pub status: Option<i32>,
}

impl Part {
    /// The output as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }

    /// Whether the part ran to its end and exited 0.
    pub fn ok(&self) -> bool {
        self.status == Some(0)
    }
}

/// The parts of a script's output, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    parts: Vec<(&'static str, Part)>,
    /// Every part the script has, in order (some may be missing from `parts`).
    declared: Vec<&'static str>,
}

impl Parts {
    /// The part named `name`; `None` when the output ended before it started.
    pub fn get(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|(n, _)| *n == name).map(|(_, p)| p)
    }

    /// The text of part `name`, empty when it is missing.
    pub fn text(&self, name: &str) -> String {
        self.get(name).map(Part::text).unwrap_or_default()
    }

    /// Parts made from texts, as if each had run to its end with status 0 (for tests of
    /// the parsers of a script's parts).
    pub fn from_texts<'a>(parts: impl IntoIterator<Item = (&'static str, &'a str)>) -> Parts {
        let parts: Vec<_> = parts
            .into_iter()
            .map(|(n, t)| {
                let part = Part {
                    out: t.as_bytes().to_vec(),
                    status: Some(0),
                };
                (n, part)
            })
            .collect();
        Parts {
            declared: parts.iter().map(|(n, _)| *n).collect(),
            parts,
        }
    }

    /// Every part ran to its end and exited 0; else an error, as
    /// [`Output::required`](super::Output::required) makes one, with the first part that
    /// did not: its status and its output.
    pub fn required(self, what: &str) -> Result<Parts, BoardError> {
        for name in &self.declared {
            let part = match self.get(name) {
                Some(p) if p.ok() => continue,
                Some(p) => p,
                None => {
                    return Err(BoardError::StatusLost {
                        what: what.to_string(),
                    });
                }
            };
            let Some(status) = part.status else {
                return Err(BoardError::StatusLost {
                    what: what.to_string(),
                });
            };
            let output = super::Output {
                stdout: part.out.clone(),
                stderr: Vec::new(),
                status,
            };
            output.required(what)?;
        }
        Ok(self)
    }

    /// The bytes of part `name`, empty when it is missing.
    pub fn bytes(&self, name: &str) -> &[u8] {
        self.get(name).map(|p| p.out.as_slice()).unwrap_or_default()
    }
}

impl Default for Sections {
    fn default() -> Self {
        Sections::new()
    }
}

impl Sections {
    pub fn new() -> Sections {
        Sections {
            nonce: new_nonce(),
            parts: Vec::new(),
        }
    }

    /// A fixed nonce, for tests.
    #[cfg(test)]
    fn with_nonce(nonce: &str) -> Sections {
        Sections {
            nonce: nonce.to_string(),
            parts: Vec::new(),
        }
    }

    /// Add part `name`: `cmd` runs in a group of its own; its status ends the part.
    pub fn part(mut self, name: &'static str, cmd: Cmd) -> Sections {
        debug_assert!(
            self.parts.iter().all(|(n, _)| *n != name),
            "part {name} twice"
        );
        self.parts.push((name, cmd));
        self
    }

    /// The end marker of part `i`, as it appears in the output (after the newline printf
    /// puts before it).
    fn marker(&self, i: usize) -> String {
        format!("\n__X8SEC_{}_{i}=", self.nonce)
    }

    /// The script: each part, then its marker line with its exit status. The marker is
    /// printed after a newline of its own, which [`Sections::parse`] removes again, so a
    /// part's output is exactly what it printed.
    pub fn render(&self) -> Cmd {
        let mut s = String::new();
        for (i, (_, cmd)) in self.parts.iter().enumerate() {
            s.push_str(&format!(
                "{{ {cmd}\n}}; printf '\\n__X8SEC_%s_%d=%d\\n' {} {i} \"$?\"\n",
                self.nonce
            ));
        }
        Cmd::composed(s)
    }

    /// Split `out` (the whole script's output) into the parts.
    pub fn parse(&self, out: &[u8]) -> Parts {
        let mut parts = Vec::new();
        let mut rest = out;
        for (i, (name, _)) in self.parts.iter().enumerate() {
            let marker = self.marker(i);
            let m = marker.as_bytes();
            let Some(at) = rest.windows(m.len()).position(|w| w == m) else {
                // Cut short: what came is this part's; the later ones never started.
                if !rest.is_empty() {
                    parts.push((
                        *name,
                        Part {
                            out: rest.to_vec(),
                            status: None,
                        },
                    ));
                }
                break;
            };
            let after = &rest[at + m.len()..];
            let end = after
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(after.len());
            let status = std::str::from_utf8(&after[..end])
                .ok()
                .and_then(|d| d.trim().parse().ok());
            parts.push((
                *name,
                Part {
                    out: rest[..at].to_vec(),
                    status,
                },
            ));
            rest = after.get(end + 1..).unwrap_or_default();
        }
        Parts {
            parts,
            declared: self.parts.iter().map(|(n, _)| *n).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> Sections {
        Sections::with_nonce("00aa")
            .part("a", Cmd::fixed("echo a"))
            .part("b", Cmd::fixed("cat /f"))
            .part("c", Cmd::fixed("true"))
    }

    #[test]
    fn the_script_runs_each_part_then_its_marker() {
        assert_eq!(
            Sections::with_nonce("n1")
                .part("x", Cmd::fixed("echo hi"))
                .render()
                .as_str(),
            "{ echo hi\n}; printf '\\n__X8SEC_%s_%d=%d\\n' n1 0 \"$?\"\n"
        );
    }

    #[test]
    fn parts_come_back_with_their_status() {
        let out = b"a\n\n__X8SEC_00aa_0=0\ncat: /f: No such file\n\n__X8SEC_00aa_1=1\n\n__X8SEC_00aa_2=0\n";
        let p = three().parse(out);
        assert_eq!(p.text("a"), "a\n");
        assert_eq!(p.get("a").map(|p| p.status), Some(Some(0)));
        assert_eq!(p.text("b"), "cat: /f: No such file\n");
        assert_eq!(p.get("b").map(|p| p.status), Some(Some(1)));
        assert!(p.get("c").is_some_and(Part::ok));
        assert_eq!(p.text("c"), "");
        // Binary output without a trailing newline stays exact.
        let p = Sections::with_nonce("f")
            .part("bin", Cmd::fixed("x"))
            .parse(b"\x00\xff\n\n__X8SEC_f_0=0\n");
        assert_eq!(p.bytes("bin"), b"\x00\xff\n");
    }

    #[test]
    fn a_missing_part_is_none_and_a_cut_one_has_no_status() {
        let p = three().parse(b"a\n\n__X8SEC_00aa_0=0\npartial");
        assert_eq!(p.text("a"), "a\n");
        assert_eq!(p.get("b").map(|p| p.status), Some(None));
        assert_eq!(p.text("b"), "partial");
        assert!(p.get("c").is_none());
        assert_eq!(p.text("c"), "");
        assert_eq!(p.bytes("c"), b"");
    }

    #[test]
    fn empty_output_has_no_parts() {
        let p = three().parse(b"");
        assert!(p.get("a").is_none() && p.get("b").is_none() && p.get("c").is_none());
    }

    #[test]
    fn output_that_looks_like_a_separator_stays_in_its_part() {
        // Another script's marker, the old fixed separators and this script's marker with
        // another index (a part cannot know the nonce, but even so) stay where they are.
        let out = b"__X8SEC_bbbb_1=0\n__x8ctl_sep__\n--x8ctl--\n\n__X8SEC_00aa_0=0\n\n__X8SEC_00aa_0=5\n\n__X8SEC_00aa_1=0\n\n__X8SEC_00aa_2=3\n";
        let p = three().parse(out);
        assert_eq!(p.text("a"), "__X8SEC_bbbb_1=0\n__x8ctl_sep__\n--x8ctl--\n");
        assert_eq!(p.text("b"), "\n__X8SEC_00aa_0=5\n");
        assert_eq!(p.get("c").and_then(|p| p.status), Some(3));
    }

    #[test]
    fn required_names_the_first_part_that_failed() {
        let out = b"a\n\n__X8SEC_00aa_0=0\nno such file\n\n__X8SEC_00aa_1=2\n\n__X8SEC_00aa_2=0\n";
        let e = three().parse(out).required("reading").unwrap_err();
        assert!(
            matches!(&e, BoardError::CommandFailed { status: 2, output, .. } if output == "no such file"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "reading failed on the board (exit 2): no such file"
        );
        let cut = three().parse(b"a\n\n__X8SEC_00aa_0=0\n");
        assert!(cut.required("reading").is_err());
        let all = b"\n__X8SEC_00aa_0=0\n\n__X8SEC_00aa_1=0\n\n__X8SEC_00aa_2=0\n";
        assert!(three().parse(all).required("reading").is_ok());
    }

    #[test]
    fn nonces_differ_between_scripts() {
        let a = Sections::new().part("x", Cmd::fixed("true")).render();
        let b = Sections::new().part("x", Cmd::fixed("true")).render();
        assert_ne!(a, b);
    }
}
