//! The sketch the simulated M4 runs: what it binds with `RPC.bind` and what each method
//! answers.
//!
//! After a flash of the H7 the M4 runs whatever the user last uploaded (nothing, a blink
//! sketch, a sketch for another core): the sensors sketch is one possible sketch, not the
//! board's default (real-board-evidence.md §3.5). So the virtual M4
//! can run:
//!
//! * [`Sketch::None`]: nothing bound, nothing answers (every call: m4-proxy's silent close
//!   after 1 s — no rpclib is running to reply);
//! * [`Sketch::Sensors`]: the tutorial's python-rpc-sensors counterpart, binding
//!   `temperature`, `humidity`, `pressure`, `gas`, `altitude` (no arguments);
//! * [`Sketch::Bmp280`]: the same without `gas` (a BMP280 has no gas sensor: the tutorial
//!   warns that calling `gas` then "will cause a timeout error");
//! * [`Sketch::Custom`]: methods read from a small file ([`Sketch::parse`]);
//! * [`Sketch::Serial`]: a sketch that prints with `SerialRPC` — `line N` every
//!   [`SERIAL_PERIOD`], and `echo: <input>` for what reaches it. `SerialRPC.write()` is
//!   `RPC.send("tty", bytes)`, a notification `[2, "tty", [<bin8>]]`, and `SerialRPC.begin()`
//!   binds `tty` (one argument, `void`) for input (ArduinoCore-mbed b4ad4e7
//!   `libraries/RPC/src/SerialRPC.cpp`:6-21; real-board-evidence.md §2.6;
//!   /work/notes/issue11-facts.md §F). The printing runs in [`crate::m4`].
//!
//! A bound method takes a fixed number of arguments, as rpclib's `bind` of a C++ function
//! does; a call with another count gets rpclib's arity error (which, packed as msgpack-c
//! packs it, kills m4-proxy: see [`crate::m4`]).

use std::fmt;

use rmpv::Value;

/// What a bound method answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A fixed value (integer, float, string, bool).
    Value(Value),
    /// The method's argument number N (1-based), echoed back: `$1`.
    Arg(usize),
    /// Nothing (a `void` function: rpclib answers nil).
    Void,
}

/// One `RPC.bind`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub name: String,
    pub args: usize,
    pub answer: Answer,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Sketch {
    /// No sketch (or one without RPC): nothing answers.
    None,
    /// The tutorial's sensors sketch: integers 100..500.
    #[default]
    Sensors,
    /// The sensors sketch for a BMP280 board: no `gas`.
    Bmp280,
    /// Read from a file.
    Custom(Vec<Bound>),
    /// Prints a numbered line every [`SERIAL_PERIOD`] with SerialRPC and echoes its input.
    Serial,
}

/// How often [`Sketch::Serial`] prints a line.
pub const SERIAL_PERIOD: std::time::Duration = std::time::Duration::from_millis(200);

impl Sketch {
    /// The sketch's RPC bindings (`None` runs no rpclib at all).
    pub fn bindings(&self) -> Vec<Bound> {
        let sensor = |n: &str, v: u64| Bound {
            name: n.into(),
            args: 0,
            answer: Answer::Value(Value::from(v)),
        };
        match self {
            Sketch::None => Vec::new(),
            Sketch::Sensors => vec![
                sensor("temperature", 100),
                sensor("humidity", 200),
                sensor("pressure", 300),
                sensor("gas", 400),
                sensor("altitude", 500),
            ],
            Sketch::Bmp280 => vec![
                sensor("temperature", 100),
                sensor("humidity", 200),
                sensor("pressure", 300),
                sensor("altitude", 500),
            ],
            Sketch::Custom(b) => b.clone(),
            // SerialRPC.begin(): `RPC.bind("tty", onWrite)`, a void function of the bytes.
            Sketch::Serial => vec![Bound {
                name: "tty".into(),
                args: 1,
                answer: Answer::Void,
            }],
        }
    }

    /// Whether rpclib runs on the M4 (any sketch but `None`).
    pub fn runs_rpc(&self) -> bool {
        !matches!(self, Sketch::None)
    }

    /// `none`, `sensors`, `bmp280`, `serial`, or a path to a sketch file.
    pub fn from_arg(arg: &str) -> Result<Sketch, String> {
        match arg {
            "none" => Ok(Sketch::None),
            "sensors" => Ok(Sketch::Sensors),
            "bmp280" => Ok(Sketch::Bmp280),
            "serial" => Ok(Sketch::Serial),
            path => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read sketch file {path}: {e}"))?;
                Sketch::parse(&text).map_err(|e| format!("{path}: {e}"))
            }
        }
    }

    /// Parse a sketch file: one binding a line, `#` comments, blank lines ignored.
    ///
    /// ```text
    /// temperature = 21.5        # no arguments, answers a float
    /// name = "portenta"         # a string
    /// ready = true
    /// led(on) = void            # one argument, answers nil (a void function)
    /// echo(x) = $1              # one argument, answers it back
    /// ```
    pub fn parse(text: &str) -> Result<Sketch, String> {
        let mut out: Vec<Bound> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = strip_comment(line).trim();
            if line.is_empty() {
                continue;
            }
            let err = |m: &str| format!("line {}: {m}: {line}", i + 1);
            let (lhs, rhs) = line
                .split_once('=')
                .ok_or_else(|| err("expected `name = value`"))?;
            let (lhs, rhs) = (lhs.trim(), rhs.trim());
            let (name, args) = match lhs.split_once('(') {
                Some((n, rest)) => {
                    let inner = rest
                        .strip_suffix(')')
                        .ok_or_else(|| err("missing `)`"))?
                        .trim();
                    let n_args = if inner.is_empty() {
                        0
                    } else {
                        inner.split(',').count()
                    };
                    (n.trim(), n_args)
                }
                None => (lhs, 0),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(err("a method name is letters, digits and `_`"));
            }
            let answer = parse_answer(rhs).ok_or_else(|| err("bad value"))?;
            if let Answer::Arg(k) = answer
                && (k == 0 || k > args)
            {
                return Err(err("`$N` must name one of the method's arguments"));
            }
            out.retain(|b| b.name != name);
            out.push(Bound {
                name: name.to_string(),
                args,
                answer,
            });
        }
        Ok(Sketch::Custom(out))
    }
}

fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

fn parse_answer(s: &str) -> Option<Answer> {
    if s == "void" {
        return Some(Answer::Void);
    }
    if let Some(n) = s.strip_prefix('$') {
        return n.parse().ok().map(Answer::Arg);
    }
    if let Some(body) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Some(Answer::Value(Value::from(body)));
    }
    match s {
        "true" => return Some(Answer::Value(Value::from(true))),
        "false" => return Some(Answer::Value(Value::from(false))),
        _ => {}
    }
    if let Ok(u) = s.parse::<u64>() {
        return Some(Answer::Value(Value::from(u)));
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Answer::Value(Value::from(i)));
    }
    // A sketch's `float` result: msgpack-c packs a float as float32 (0xca).
    s.parse::<f32>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| Answer::Value(Value::F32(f)))
}

impl fmt::Display for Sketch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sketch::None => f.write_str("none"),
            Sketch::Sensors => f.write_str("sensors"),
            Sketch::Bmp280 => f.write_str("bmp280"),
            Sketch::Serial => f.write_str("serial"),
            Sketch::Custom(b) => {
                let names: Vec<&str> = b.iter().map(|b| b.name.as_str()).collect();
                write!(f, "custom ({})", names.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sketch_file_parses() {
        let s = Sketch::parse(
            "# a test sketch\n\ntemperature = 21.5\nname = \"x # y\" # comment\nled(on) = void\necho(a, b) = $2\nn = -3\n",
        )
        .unwrap();
        let b = s.bindings();
        assert_eq!(b.len(), 5);
        assert_eq!(b[0].answer, Answer::Value(Value::F32(21.5)));
        assert_eq!(b[1].answer, Answer::Value(Value::from("x # y")));
        assert_eq!((b[2].args, &b[2].answer), (1, &Answer::Void));
        assert_eq!((b[3].args, &b[3].answer), (2, &Answer::Arg(2)));
        assert_eq!(b[4].answer, Answer::Value(Value::from(-3)));
        assert!(Sketch::parse("echo(a) = $2").is_err());
        assert!(Sketch::parse("no value").is_err());
        assert!(Sketch::parse("bad name = 1").is_err());
    }

    #[test]
    fn the_builtin_sketches() {
        assert!(Sketch::None.bindings().is_empty());
        assert!(!Sketch::None.runs_rpc());
        assert!(Sketch::Sensors.bindings().iter().any(|b| b.name == "gas"));
        assert!(!Sketch::Bmp280.bindings().iter().any(|b| b.name == "gas"));
        assert_eq!(Sketch::from_arg("bmp280"), Ok(Sketch::Bmp280));
        // SerialRPC.begin() binds `tty`, one argument, void.
        assert_eq!(Sketch::from_arg("serial"), Ok(Sketch::Serial));
        let b = Sketch::Serial.bindings();
        assert_eq!((b[0].name.as_str(), b[0].args), ("tty", 1));
        assert_eq!(Sketch::Serial.to_string(), "serial");
    }
}
