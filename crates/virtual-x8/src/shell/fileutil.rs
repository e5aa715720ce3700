//! Helpers shared by the commands: inputs (with the /dev files), option parsing, time
//! formatting, mode strings.

use std::io::{self, Read};

use super::Ctx;
use crate::board::ShellIo;
use crate::vfs::{FsError, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, Stat};

/// A reader of an endless stream of one byte (`/dev/zero`).
struct Repeat(u8);
impl Read for Repeat {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        buf.fill(self.0);
        Ok(buf.len())
    }
}

/// `/dev/urandom`: a xorshift stream.
struct Rand(u64);
impl Read for Rand {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        for b in buf.iter_mut() {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
        Ok(buf.len())
    }
}

/// Open a file argument for reading (board path, `/dev/null`, `/dev/zero`, `/dev/urandom`).
pub fn open_input(ctx: &Ctx, arg: &str) -> Result<Box<dyn Read>, FsError> {
    let path = ctx.path(arg);
    match path.as_str() {
        "/dev/null" => return Ok(Box::new(io::empty())),
        "/dev/zero" => return Ok(Box::new(Repeat(0))),
        "/dev/urandom" | "/dev/random" => {
            let seed = crate::vfs::Vfs::now() as u64 | 1;
            return Ok(Box::new(Rand(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)));
        }
        _ => {}
    }
    let f = ctx.board.vfs().open_read(&path, ctx.user)?;
    Ok(Box::new(f))
}

/// Read a whole input: `-` is stdin. Endless devices read as empty.
pub fn read_input(ctx: &Ctx, arg: &str, stdin: &mut dyn Read) -> Result<Vec<u8>, FsError> {
    let mut v = Vec::new();
    if arg == "-" || arg == "/dev/stdin" {
        stdin
            .read_to_end(&mut v)
            .map_err(|e| FsError::from_io(&e))?;
        return Ok(v);
    }
    let path = ctx.path(arg);
    if path == "/dev/zero" || path == "/dev/urandom" || path == "/dev/random" {
        return Ok(v);
    }
    let mut r = open_input(ctx, arg)?;
    r.read_to_end(&mut v).map_err(|e| FsError::from_io(&e))?;
    Ok(v)
}

/// Write `cmd: msg` to stderr.
pub fn complain(io: &mut ShellIo, cmd: &str, msg: &str) {
    let _ = writeln!(io.stderr, "{cmd}: {msg}");
}

/// coreutils' complaint about an operand that does not exist: `CMD: VERB 'NAME': No such file
/// or directory` (`cannot stat` for cp and mv, `cannot access` for du, chown, ls).
pub fn no_such_file(io: &mut ShellIo, cmd: &str, verb: &str, shown: &str) {
    complain(
        io,
        cmd,
        &format!("{verb} {}: No such file or directory", q(shown)),
    );
}

/// coreutils' "missing operand" complaint; `after` names the last operand given, if any
/// (`missing operand after '755'`).
pub fn missing_operand(io: &mut ShellIo, cmd: &str, after: Option<&str>) {
    let after = after
        .map(|a| format!(" after {}", q(a)))
        .unwrap_or_default();
    complain(
        io,
        cmd,
        &format!("missing operand{after}\nTry '{cmd} --help' for more information."),
    );
}

/// Parsed command-line options.
#[derive(Default, Debug)]
pub struct Opts {
    pub flags: Vec<char>,
    pub vals: Vec<(char, String)>,
    pub longs: Vec<String>,
    pub operands: Vec<String>,
}

impl Opts {
    /// The operands, or `default` alone when there are none (`.` for ls and du, `-` for cat).
    pub fn operands_or(&self, default: &str) -> Vec<String> {
        if self.operands.is_empty() {
            vec![default.to_string()]
        } else {
            self.operands.clone()
        }
    }
    pub fn has(&self, c: char) -> bool {
        self.flags.contains(&c)
    }
    pub fn val(&self, c: char) -> Option<&str> {
        self.vals
            .iter()
            .rev()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.as_str())
    }
    pub fn long(&self, name: &str) -> bool {
        self.longs.iter().any(|l| l == name)
    }
    pub fn long_val(&self, name: &str) -> Option<&str> {
        self.longs
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
    }
}

/// getopt-style parsing: `takes` lists the option letters that take a value. Options may
/// follow operands (GNU permutation) unless `stop_at_operand`.
/// [`getopt`], saying what is wrong as `cmd` would when the options are bad.
pub fn opts_or_complain(
    args: &[String],
    takes: &str,
    stop_at_operand: bool,
    cmd: &str,
    io: &mut ShellIo,
) -> Option<Opts> {
    match getopt(args, takes, stop_at_operand) {
        Ok(o) => Some(o),
        Err(e) => {
            complain(io, cmd, &e);
            None
        }
    }
}

pub fn getopt(args: &[String], takes: &str, stop_at_operand: bool) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            o.operands.extend(it.cloned());
            break;
        }
        if let Some(l) = a.strip_prefix("--") {
            o.longs.push(l.to_string());
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a.chars().skip(1).collect();
            let mut i = 0;
            while let Some(&c) = chars.get(i) {
                i += 1;
                if takes.contains(c) {
                    let rest: String = chars.iter().skip(i).collect();
                    let v = if !rest.is_empty() {
                        rest
                    } else {
                        match it.next() {
                            Some(v) => v.clone(),
                            None => return Err(format!("option requires an argument -- '{c}'")),
                        }
                    };
                    o.vals.push((c, v));
                    break;
                }
                o.flags.push(c);
            }
            continue;
        }
        o.operands.push(a.clone());
        if stop_at_operand {
            o.operands.extend(it.cloned());
            break;
        }
    }
    Ok(o)
}

/// (year, month, day) to days since the epoch. A day past the month's end runs on into the
/// next month (`2024-02-31` is `2024-03-02`), as `touch -d`'s dates always have here.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let first = jiff::civil::Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, 1).ok()?;
    let day = first
        .checked_add(jiff::Span::new().days(i64::from(d) - 1))
        .ok()?;
    let secs = day
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp()
        .as_second();
    Some(secs.div_euclid(86_400))
}

pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

pub struct Tm {
    pub year: i64,
    pub mon: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub wday: usize,
    pub yday: u32,
}

/// Seconds since the epoch, broken down in UTC (the board's clock); beyond the years
/// -9999..=9999, the nearest end of that range.
pub fn tm(t: i64) -> Tm {
    let ts = jiff::Timestamp::from_second(t).unwrap_or(if t < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    Tm {
        year: i64::from(dt.year()),
        mon: dt.month() as u32,
        day: dt.day() as u32,
        hour: dt.hour() as u32,
        min: dt.minute() as u32,
        sec: dt.second() as u32,
        // WEEKDAYS starts on Thursday (1970-01-01).
        wday: (usize::from(dt.weekday().to_monday_zero_offset() as u8) + 4) % 7,
        yday: dt.day_of_year() as u32 - 1,
    }
}

fn month_name(m: u32) -> &'static str {
    MONTHS
        .get((m as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("???")
}

/// strftime for the common conversions (UTC).
pub fn strftime(fmt: &str, t: i64) -> String {
    let tm = tm(t);
    let mut s = String::new();
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            s.push(c);
            continue;
        }
        match it.next() {
            Some('Y') => s.push_str(&tm.year.to_string()),
            Some('y') => s.push_str(&format!("{:02}", tm.year.rem_euclid(100))),
            Some('m') => s.push_str(&format!("{:02}", tm.mon)),
            Some('d') => s.push_str(&format!("{:02}", tm.day)),
            Some('e') => s.push_str(&format!("{:>2}", tm.day)),
            Some('H') => s.push_str(&format!("{:02}", tm.hour)),
            Some('M') => s.push_str(&format!("{:02}", tm.min)),
            Some('S') => s.push_str(&format!("{:02}", tm.sec)),
            Some('s') => s.push_str(&t.to_string()),
            Some('N') => s.push_str("000000000"),
            Some('b') | Some('h') => s.push_str(month_name(tm.mon)),
            Some('a') => s.push_str(WEEKDAYS.get(tm.wday).copied().unwrap_or("???")),
            Some('j') => s.push_str(&format!("{:03}", tm.yday + 1)),
            Some('Z') => s.push_str("UTC"),
            Some('z') => s.push_str("+0000"),
            Some('F') => s.push_str(&format!("{}-{:02}-{:02}", tm.year, tm.mon, tm.day)),
            Some('T') => s.push_str(&format!("{:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec)),
            Some('D') => s.push_str(&format!(
                "{:02}/{:02}/{:02}",
                tm.mon,
                tm.day,
                tm.year.rem_euclid(100)
            )),
            Some('n') => s.push('\n'),
            Some('t') => s.push('\t'),
            Some('%') => s.push('%'),
            Some(o) => {
                s.push('%');
                s.push(o);
            }
            None => s.push('%'),
        }
    }
    s
}

/// `-rw-r--r--` from st_mode.
pub fn mode_string(mode: u32) -> String {
    let t = match mode & S_IFMT {
        S_IFDIR => 'd',
        S_IFLNK => 'l',
        S_IFREG => '-',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o140000 => 's',
        _ => '?',
    };
    let mut s = String::new();
    s.push(t);
    let bits = [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o040, 'r'),
        (0o020, 'w'),
        (0o010, 'x'),
        (0o004, 'r'),
        (0o002, 'w'),
        (0o001, 'x'),
    ];
    for (i, (b, c)) in bits.iter().enumerate() {
        let mut ch = if mode & b != 0 { *c } else { '-' };
        if i == 2 && mode & 0o4000 != 0 {
            ch = if ch == 'x' { 's' } else { 'S' };
        }
        if i == 5 && mode & 0o2000 != 0 {
            ch = if ch == 'x' { 's' } else { 'S' };
        }
        if i == 8 && mode & 0o1000 != 0 {
            ch = if ch == 'x' { 't' } else { 'T' };
        }
        s.push(ch);
    }
    s
}

/// `regular file`, `directory`... as stat's %F.
pub fn type_name(st: &Stat) -> &'static str {
    match st.mode & S_IFMT {
        S_IFDIR => "directory",
        S_IFLNK => "symbolic link",
        S_IFREG if st.size == 0 => "regular empty file",
        S_IFREG => "regular file",
        0o020000 => "character special file",
        0o060000 => "block special file",
        0o010000 => "fifo",
        0o140000 => "socket",
        _ => "weird file",
    }
}

/// Human-readable size as `ls -h` / `df -h` print it (1024-based, one decimal below 10).
pub fn human(n: u64) -> String {
    let units = ["", "K", "M", "G", "T", "P"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    let unit = units.get(u).copied().unwrap_or("");
    if u == 0 {
        format!("{n}")
    } else if v < 10.0 {
        format!("{:.1}{unit}", (v * 10.0).ceil() / 10.0)
    } else {
        format!("{:.0}{unit}", v.ceil())
    }
}

/// Process backslash escapes as `echo -e` / `printf %b` do. Returns (text, stop) where stop
/// means `\c` was seen.
pub fn escapes(s: &str, printf_octal: bool) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some(&n) = b.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match n {
            'n' => out.push(b'\n'),
            't' => out.push(b'\t'),
            'r' => out.push(b'\r'),
            'a' => out.push(7),
            'b' => out.push(8),
            'f' => out.push(12),
            'v' => out.push(11),
            'e' => out.push(27),
            '\\' => out.push(b'\\'),
            'c' => return (out, true),
            '0'..='7' if n == '0' || printf_octal => {
                let mut v: u32 = if n == '0' { 0 } else { n as u32 - '0' as u32 };
                let max = if n == '0' { 3 } else { 2 };
                for _ in 0..max {
                    match b.get(i) {
                        Some(&d @ '0'..='7') => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            'x' => {
                let mut v = 0u32;
                let mut k = 0;
                while k < 2 {
                    match b.get(i).and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                            k += 1;
                        }
                        None => break,
                    }
                }
                if k == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                }
            }
            other => {
                out.push(b'\\');
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    (out, false)
}

/// Quote a name the way coreutils does in error messages: 'name'.
pub fn q(name: &str) -> String {
    if name.contains('\'') {
        format!("\"{name}\"")
    } else {
        format!("'{name}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_modes() {
        assert_eq!(strftime("%F %T", 0), "1970-01-01 00:00:00");
        assert_eq!(strftime("%F %T", 1_717_668_420), "2024-06-06 10:07:00");
        assert_eq!(days_from_civil(2024, 6, 6), Some(19_880));
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2024, 2, 31), days_from_civil(2024, 3, 2));
        assert_eq!(strftime("%a %j", 1_717_668_420), "Thu 158");
        assert_eq!(strftime("%a %j", 0), "Thu 001");
        assert_eq!(strftime("%a %F", -86_400), "Wed 1969-12-31");
        assert_eq!(mode_string(0o100644), "-rw-r--r--");
        assert_eq!(mode_string(0o041777), "drwxrwxrwt");
        assert_eq!(human(270_336), "264K");
        assert_eq!(human(1_500_000), "1.5M");
        let o = getopt(
            &["-la".into(), "x".into(), "-n".into(), "3".into()],
            "n",
            false,
        )
        .unwrap();
        assert!(o.has('l') && o.has('a'));
        assert_eq!(o.val('n'), Some("3"));
        assert_eq!(o.operands, vec!["x".to_string()]);
    }
}
