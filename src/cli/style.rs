//! Colour: only when the stream is a terminal, and never when `NO_COLOR` is set to
//! anything but the empty string (<https://no-color.org>). Pipes, files, `--json` and CI
//! logs get plain text.

use std::ffi::OsStr;
use std::io::IsTerminal;

/// Text from a board (a hostname, a version, an M4's error, a log line in a check) made
/// safe to print: control characters other than newline and tab, including ESC, are shown
/// as `\xNN` (`\u{NN}` for C1 controls), so a board cannot move the cursor, set the
/// terminal's title or colours, or hide text. Data commands (`shell`, `pull`, `logs`) pass
/// their bytes through unchanged; this is for x8ctl's own reports.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}';
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            let n = u32::from(c);
            if n < 0x80 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether to colour a stream: a terminal, and `NO_COLOR` unset or empty.
pub fn wanted(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

fn no_color() -> Option<std::ffi::OsString> {
    std::env::var_os(super::env::NO_COLOR)
}

/// Tell the terminal crates (indicatif's bars, dialoguer's prompts) the same rule; left to
/// themselves they would take an empty NO_COLOR as set.
pub fn init() {
    console::set_colors_enabled(Paint::stdout().on);
    console::set_colors_enabled_stderr(Paint::stderr().on);
}

/// Paints labels for one stream.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    pub fn stderr() -> Paint {
        Paint {
            on: wanted(std::io::stderr().is_terminal(), no_color().as_deref()),
        }
    }

    pub fn stdout() -> Paint {
        Paint {
            on: wanted(std::io::stdout().is_terminal(), no_color().as_deref()),
        }
    }

    /// No colour, whatever the stream (captured output).
    pub fn plain() -> Paint {
        Paint { on: false }
    }

    pub fn is_on(self) -> bool {
        self.on
    }

    fn apply(self, style: console::Style, text: &str) -> String {
        if self.on {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    /// `error:`
    pub fn error(self, text: &str) -> String {
        self.apply(console::Style::new().red().bold(), text)
    }

    /// `warning:`
    pub fn warn(self, text: &str) -> String {
        self.apply(console::Style::new().yellow().bold(), text)
    }

    /// `hint:`, and the commands a hint names.
    pub fn hint(self, text: &str) -> String {
        self.apply(console::Style::new().cyan(), text)
    }

    /// A finished operation's summary.
    pub fn ok(self, text: &str) -> String {
        self.apply(console::Style::new().green(), text)
    }

    pub fn dim(self, text: &str) -> String {
        self.apply(console::Style::new().dim(), text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(wanted(true, None));
        assert!(wanted(true, Some(OsStr::new(""))));
        assert!(!wanted(true, Some(OsStr::new("1"))));
        assert!(!wanted(true, Some(OsStr::new("false"))));
        assert!(!wanted(false, None));
    }

    #[test]
    fn off_is_plain_text() {
        let p = Paint { on: false };
        assert_eq!(p.error("error:"), "error:");
        let p = Paint { on: true };
        assert!(p.error("error:").starts_with("\u{1b}["));
        assert!(p.error("error:").contains("error:"));
    }
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(printable("portenta-x8-2d16"), "portenta-x8-2d16");
        assert_eq!(printable("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            printable("x\u{1b}]0;owned\u{7}y\u{1b}[31m"),
            "x\\x1b]0;owned\\x07y\\x1b[31m"
        );
        assert_eq!(printable("\r\u{7f}\u{9b}"), "\\x0d\\x7f\\u{9b}");
    }
}
