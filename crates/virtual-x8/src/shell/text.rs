//! Text and data commands: sha256sum, head, tail, wc, grep, cut, sort, uniq, tr, tee, dd,
//! strings, seq, cmp.

use std::io::{Read, Write};

use sha2::{Digest, Sha256};

use super::Ctx;
use super::fileutil::{complain, missing_operand, open_input, opts_or_complain, q, read_input};
use super::regex::Regex;
use crate::board::ShellIo;
use crate::vfs::FsError;

fn inputs(ops: &[String]) -> Vec<String> {
    if ops.is_empty() {
        vec!["-".to_string()]
    } else {
        ops.to_vec()
    }
}

/// Runs `each` on every input's bytes (`-`: standard input). An input that cannot be read
/// is complained about as `CMD: FILE: error` (`'FILE'` with `quoted`, as strings says it)
/// and makes the status 1; `each` returning `Err(status)` stops there with that status.
fn each_input(
    ctx: &mut Ctx,
    files: &[String],
    io: &mut ShellIo,
    cmd: &str,
    quoted: bool,
    mut each: impl FnMut(&mut Ctx, &str, Vec<u8>, &mut ShellIo) -> Result<(), i32>,
) -> i32 {
    let mut st = 0;
    for f in files {
        match read_input(ctx, f, io.stdin) {
            Ok(data) => {
                if let Err(code) = each(ctx, f, data, io) {
                    return code;
                }
            }
            Err(e) => {
                let shown = if quoted { format!("'{f}'") } else { f.clone() };
                complain(io, cmd, &format!("{shown}: {e}"));
                st = 1;
            }
        }
    }
    st
}

fn lines_of(data: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        v.pop();
    }
    v
}

/// One line of `sha256sum` output as GNU coreutils writes it (`src/digest.c`,
/// `print_filename` and its caller, coreutils 9.0 as in the X8's kirkstone image): a name
/// holding a backslash, newline or carriage return is written with those escaped (`\\`,
/// `\n`, `\r`) and the whole line starts with a backslash, so every line stays one line.
pub fn digest_line(hex: &str, name: &str) -> String {
    if !name.contains(['\\', '\n', '\r']) {
        return format!("{hex}  {name}");
    }
    let escaped = name
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r");
    format!("\\{hex}  {escaped}")
}

pub fn sha256sum(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "sha256sum", io) else {
        return 1;
    };
    if o.has('c') || o.long("check") {
        return sha_check(ctx, &o.operands, io);
    }
    let mut st = 0;
    for f in inputs(&o.operands) {
        let mut h = Sha256::new();
        let r: Result<(), FsError> = if f == "-" {
            let mut buf = vec![0u8; 65536];
            loop {
                match io.stdin.read(&mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => h.update(buf.get(..n).unwrap_or(&[])),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(FsError::from_io(&e)),
                }
            }
        } else {
            match open_input(ctx, &f) {
                Ok(mut r) => {
                    let mut buf = vec![0u8; 65536];
                    let mut total = 0usize;
                    loop {
                        match r.read(&mut buf) {
                            Ok(0) => break Ok(()),
                            Ok(n) => {
                                h.update(buf.get(..n).unwrap_or(&[]));
                                total += n;
                                if total > 1 << 30 {
                                    break Ok(());
                                }
                            }
                            Err(e) => break Err(FsError::from_io(&e)),
                        }
                    }
                }
                Err(e) => Err(e),
            }
        };
        match r {
            Ok(()) => {
                let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                if writeln!(io.stdout, "{}", digest_line(&hex, &f)).is_err() {
                    return 1;
                }
            }
            Err(e) => {
                complain(io, "sha256sum", &format!("{f}: {e}"));
                st = 1;
            }
        }
    }
    st
}

fn sha_check(ctx: &mut Ctx, ops: &[String], io: &mut ShellIo) -> i32 {
    let mut bad = 0;
    let mut st = each_input(
        ctx,
        &inputs(ops),
        io,
        "sha256sum",
        false,
        |ctx, _, data, io| {
            for line in String::from_utf8_lossy(&data).lines() {
                let Some((sum, name)) = line.split_once("  ").or_else(|| line.split_once(" *"))
                else {
                    continue;
                };
                let ok = match ctx.board.vfs().read(&ctx.path(name), ctx.user) {
                    Ok(d) => {
                        let hex: String = Sha256::digest(&d)
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect();
                        hex == sum.trim()
                    }
                    Err(e) => {
                        complain(io, "sha256sum", &format!("{name}: {e}"));
                        let _ = writeln!(io.stdout, "{name}: FAILED open or read");
                        bad += 1;
                        continue;
                    }
                };
                let _ = writeln!(io.stdout, "{name}: {}", if ok { "OK" } else { "FAILED" });
                if !ok {
                    bad += 1;
                }
            }
            Ok(())
        },
    );
    if bad > 0 {
        complain(
            io,
            "sha256sum",
            &format!(
                "WARNING: {bad} computed checksum{} did NOT match",
                if bad == 1 { "" } else { "s" }
            ),
        );
        st = 1;
    }
    st
}

pub fn unsupported_sum(_: &mut Ctx, _: &[String], io: &mut ShellIo) -> i32 {
    complain(io, "bash", "only sha256sum is available on this board");
    127
}

/// `-n N`, `-N`, `-c N` with an optional leading `+` (tail). Returns (bytes?, n, from_start).
fn count_opts(
    args: &[String],
    cmd: &str,
    io: &mut ShellIo,
) -> Option<(bool, u64, bool, Vec<String>)> {
    let mut bytes = false;
    let mut n: u64 = 10;
    let mut plus = false;
    let mut files = Vec::new();
    let mut i = 0;
    let parse = |v: &str, io: &mut ShellIo| -> Option<(u64, bool)> {
        let (p, num) = match v.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, v.strip_prefix('-').unwrap_or(v)),
        };
        let (num, mult) = match num.chars().last() {
            Some('k') | Some('K') => (num.get(..num.len() - 1).unwrap_or(""), 1024),
            Some('M') => (num.get(..num.len() - 1).unwrap_or(""), 1024 * 1024),
            _ => (num, 1),
        };
        match num.parse::<u64>() {
            Ok(x) => Some((x.saturating_mul(mult), p)),
            Err(_) => {
                complain(io, cmd, &format!("invalid number of lines: {}", q(v)));
                None
            }
        }
    };
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "-n" || a == "-c" {
            bytes = a == "-c";
            let v = args.get(i).cloned().unwrap_or_default();
            i += 1;
            let (x, p) = parse(&v, io)?;
            n = x;
            plus = p;
        } else if let Some(v) = a.strip_prefix("-n").or_else(|| a.strip_prefix("--lines=")) {
            let (x, p) = parse(v, io)?;
            n = x;
            plus = p;
        } else if let Some(v) = a.strip_prefix("-c").or_else(|| a.strip_prefix("--bytes=")) {
            bytes = true;
            let (x, p) = parse(v, io)?;
            n = x;
            plus = p;
        } else if a.len() > 1 && a.starts_with('-') && a.chars().skip(1).all(|c| c.is_ascii_digit())
        {
            n = a.get(1..).and_then(|v| v.parse().ok()).unwrap_or(10);
        } else if a == "-q" || a == "-v" || a == "-f" || a == "-F" {
        } else {
            files.push(a.clone());
        }
    }
    Some((bytes, n, plus, files))
}

fn head_tail(ctx: &mut Ctx, args: &[String], io: &mut ShellIo, tail: bool) -> i32 {
    let cmd = if tail { "tail" } else { "head" };
    let Some((bytes, n, plus, files)) = count_opts(args, cmd, io) else {
        return 1;
    };
    let files = inputs(&files);
    let multi = files.len() > 1;
    let mut st = 0;
    for (k, f) in files.iter().enumerate() {
        // GNU head on its standard input stops reading once it has what it prints
        // (`head -c N` reads at most N bytes: coreutils head.c head_bytes), so it ends on
        // an input that never reaches end-of-file, such as adbd's exec: socket.
        // The endless devices are read the same way.
        let endless = matches!(
            ctx.path(f).as_str(),
            "/dev/zero" | "/dev/urandom" | "/dev/random"
        );
        let early = if tail || plus {
            None
        } else if f == "-" {
            Some(read_head(io.stdin, bytes, n as usize))
        } else if endless {
            super::fileutil::open_input(ctx, f)
                .ok()
                .map(|mut r| read_head(&mut *r, bytes, n as usize))
        } else {
            None
        };
        let data = match early.map_or_else(|| read_input(ctx, f, io.stdin), Ok) {
            Ok(d) => d,
            Err(e) => {
                let msg = format!("cannot open {} for reading: {e}", q(f));
                complain(io, cmd, &msg);
                st = 1;
                continue;
            }
        };
        if multi {
            let _ = writeln!(
                io.stdout,
                "{}==> {} <==",
                if k > 0 { "\n" } else { "" },
                if f == "-" { "standard input" } else { f }
            );
        }
        let n = n as usize;
        let out: &[u8] = if bytes {
            if tail {
                if plus {
                    data.get(n.saturating_sub(1)..).unwrap_or(&[])
                } else {
                    data.get(data.len().saturating_sub(n)..).unwrap_or(&[])
                }
            } else {
                data.get(..n.min(data.len())).unwrap_or(&[])
            }
        } else {
            // positions of line starts
            let mut starts = vec![0usize];
            for (i, b) in data.iter().enumerate() {
                if *b == b'\n' && i + 1 < data.len() {
                    starts.push(i + 1);
                }
            }
            let nl = if data.is_empty() { 0 } else { starts.len() };
            if tail {
                let from = if plus {
                    n.saturating_sub(1)
                } else {
                    nl.saturating_sub(n)
                };
                match starts.get(from) {
                    Some(&s) if from < nl => data.get(s..).unwrap_or(&[]),
                    _ => &[],
                }
            } else if n >= nl {
                &data
            } else {
                match starts.get(n) {
                    Some(&e) => data.get(..e).unwrap_or(&[]),
                    None => &data,
                }
            }
        };
        if io.stdout.write_all(out).is_err() {
            return 1;
        }
    }
    st
}

/// Read up to `n` bytes (or `n` lines) from `r`, no further.
fn read_head(r: &mut dyn std::io::Read, bytes: bool, n: usize) -> Vec<u8> {
    let mut data = Vec::new();
    let mut lines = 0;
    let mut buf = vec![0u8; 64 * 1024];
    while if bytes { data.len() < n } else { lines < n } {
        let want = if bytes {
            (n - data.len()).min(buf.len())
        } else {
            1
        };
        match r.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                lines += buf[..k].iter().filter(|&&b| b == b'\n').count();
                data.extend_from_slice(&buf[..k]);
            }
        }
    }
    data
}

pub fn head(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    head_tail(ctx, args, io, false)
}

pub fn tail(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    head_tail(ctx, args, io, true)
}

pub fn wc(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "wc", io) else {
        return 1;
    };
    let (mut l, mut w, mut c) = (o.has('l'), o.has('w'), o.has('c') || o.has('m'));
    if !l && !w && !c {
        l = true;
        w = true;
        c = true;
    }
    let files = inputs(&o.operands);
    let mut rows: Vec<(Vec<u64>, String)> = Vec::new();
    let mut totals = [0u64; 3];
    let mut stdin_used = false;
    let st = each_input(ctx, &files, io, "wc", false, |_, f, data, _| {
        if f == "-" {
            stdin_used = true;
        }
        let lines = data.iter().filter(|&&b| b == b'\n').count() as u64;
        let words = String::from_utf8_lossy(&data).split_whitespace().count() as u64;
        let bytes = data.len() as u64;
        totals[0] += lines;
        totals[1] += words;
        totals[2] += bytes;
        let mut v = Vec::new();
        if l {
            v.push(lines);
        }
        if w {
            v.push(words);
        }
        if c {
            v.push(bytes);
        }
        rows.push((
            v,
            if f == "-" && o.operands.is_empty() {
                String::new()
            } else {
                f.to_string()
            },
        ));
        Ok(())
    });
    if files.len() > 1 {
        let mut v = Vec::new();
        if l {
            v.push(totals[0]);
        }
        if w {
            v.push(totals[1]);
        }
        if c {
            v.push(totals[2]);
        }
        rows.push((v, "total".into()));
    }
    let ncols = rows.first().map(|r| r.0.len()).unwrap_or(0);
    let width = if ncols == 1 && rows.len() == 1 {
        1
    } else if stdin_used {
        7
    } else {
        rows.iter()
            .flat_map(|r| r.0.iter())
            .map(|n| n.to_string().len())
            .max()
            .unwrap_or(1)
            .max(1)
    };
    for (v, name) in rows {
        let nums: Vec<String> = v.iter().map(|n| format!("{n:>width$}")).collect();
        let mut line = nums.join(" ");
        if !name.is_empty() {
            line.push(' ');
            line.push_str(&name);
        }
        if writeln!(io.stdout, "{line}").is_err() {
            return 1;
        }
    }
    st
}

pub fn grep(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "efmABC", false, "grep", io) else {
        return 2;
    };
    let mut ops = o.operands.clone();
    let mut patterns: Vec<String> = o
        .vals
        .iter()
        .filter(|(k, _)| *k == 'e')
        .map(|(_, v)| v.clone())
        .collect();
    if let Some(f) = o.val('f') {
        match read_input(ctx, f, io.stdin) {
            Ok(d) => patterns.extend(String::from_utf8_lossy(&d).lines().map(str::to_string)),
            Err(e) => {
                complain(io, "grep", &format!("{f}: {e}"));
                return 2;
            }
        }
    }
    if patterns.is_empty() {
        if ops.is_empty() {
            complain(
                io,
                "grep",
                "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.",
            );
            return 2;
        }
        let p = ops.remove(0);
        patterns.extend(p.split('\n').map(str::to_string));
    }
    let ere = o.has('E') || o.long("extended-regexp");
    let fixed = o.has('F') || o.long("fixed-strings");
    let icase = o.has('i') || o.has('y') || o.long("ignore-case");
    let invert = o.has('v') || o.long("invert-match");
    let count = o.has('c') || o.long("count");
    let quiet = o.has('q') || o.long("quiet") || o.long("silent");
    let only = o.has('o');
    let number = o.has('n');
    let words = o.has('w');
    let whole = o.has('x');
    let list = o.has('l');
    let silent_err = o.has('s');
    let recursive = o.has('r') || o.has('R');
    let max = o.val('m').and_then(|m| m.parse::<usize>().ok());
    let regexes: Vec<Regex> = if fixed {
        Vec::new()
    } else {
        let mut v = Vec::new();
        for p in &patterns {
            match Regex::new(p, ere, icase) {
                Ok(r) => v.push(r),
                Err(e) => {
                    complain(io, "grep", &e);
                    return 2;
                }
            }
        }
        v
    };
    let fixed_pats: Vec<Vec<char>> = patterns
        .iter()
        .map(|p| {
            if icase {
                p.to_lowercase().chars().collect()
            } else {
                p.chars().collect()
            }
        })
        .collect();
    let mut files = if ops.is_empty() {
        if recursive {
            vec![".".to_string()]
        } else {
            vec!["-".to_string()]
        }
    } else {
        ops.clone()
    };
    if recursive {
        let mut expanded = Vec::new();
        for f in &files {
            let path = ctx.path(f);
            if ctx.board.vfs().is_dir(&path) {
                collect_files(ctx, &path, f, &mut expanded);
            } else {
                expanded.push(f.clone());
            }
        }
        files = expanded;
    }
    let show_name = (files.len() > 1 || recursive) && !o.has('h') || o.has('H');
    let mut any = false;
    let mut err = false;
    for f in &files {
        let path = ctx.path(f);
        if f != "-" && ctx.board.vfs().is_dir(&path) {
            if !silent_err {
                complain(io, "grep", &format!("{f}: Is a directory"));
            }
            continue;
        }
        let data = match read_input(ctx, f, io.stdin) {
            Ok(d) => d,
            Err(e) => {
                if !silent_err {
                    complain(io, "grep", &format!("{f}: {e}"));
                }
                err = true;
                continue;
            }
        };
        let name = if f == "-" {
            "(standard input)"
        } else {
            f.as_str()
        };
        let mut n = 0usize;
        let mut outb = String::new();
        for (ln, raw) in lines_of(&data).iter().enumerate() {
            if max.is_some_and(|m| n >= m) {
                break;
            }
            let line = String::from_utf8_lossy(raw);
            let chars: Vec<char> = line.chars().collect();
            let lc: Vec<char> = if icase && fixed {
                line.to_lowercase().chars().collect()
            } else {
                Vec::new()
            };
            let hay = if icase && fixed { &lc } else { &chars };
            let mut spans: Vec<(usize, usize)> = Vec::new();
            let matched = if fixed {
                fixed_pats.iter().any(|p| {
                    if whole {
                        hay == p
                    } else if p.is_empty() {
                        true
                    } else {
                        let mut found = false;
                        let mut i = 0;
                        while i + p.len() <= hay.len() {
                            if hay.get(i..i + p.len()) == Some(p.as_slice()) {
                                let okb = !words
                                    || ((i == 0 || !is_wordc(hay.get(i - 1)))
                                        && !is_wordc(hay.get(i + p.len())));
                                if okb {
                                    found = true;
                                    if only {
                                        spans.push((i, i + p.len()));
                                        i += p.len();
                                        continue;
                                    }
                                    break;
                                }
                            }
                            i += 1;
                        }
                        found
                    }
                })
            } else {
                regexes.iter().any(|r| {
                    let hit = if whole {
                        r.full_match(&chars)
                    } else if words {
                        r.word_match(&chars)
                    } else {
                        r.is_match(&chars)
                    };
                    if hit && only {
                        spans.extend(r.find_all(&chars));
                    }
                    hit
                })
            };
            if matched == invert {
                continue;
            }
            n += 1;
            any = true;
            if quiet {
                return 0;
            }
            if count || list {
                continue;
            }
            let prefix = format!(
                "{}{}",
                if show_name {
                    format!("{name}:")
                } else {
                    String::new()
                },
                if number {
                    format!("{}:", ln + 1)
                } else {
                    String::new()
                }
            );
            if only && !invert {
                spans.sort();
                for (s, e) in spans {
                    let m: String = chars.get(s..e).unwrap_or(&[]).iter().collect();
                    outb.push_str(&format!("{prefix}{m}\n"));
                }
            } else {
                outb.push_str(&format!("{prefix}{line}\n"));
            }
        }
        if count {
            if show_name {
                outb.push_str(&format!("{name}:{n}\n"));
            } else {
                outb.push_str(&format!("{n}\n"));
            }
        }
        if list && n > 0 {
            outb.push_str(&format!("{name}\n"));
        }
        if io.stdout.write_all(outb.as_bytes()).is_err() {
            return 2;
        }
    }
    if err && !(quiet && any) {
        return 2;
    }
    if any { 0 } else { 1 }
}

fn is_wordc(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

fn collect_files(ctx: &Ctx, path: &str, shown: &str, out: &mut Vec<String>) {
    let vfs = ctx.board.vfs();
    if let Ok(names) = vfs.read_dir(path, ctx.user) {
        for n in names {
            let p = crate::vfs::join_path(path, &n);
            let s = format!("{}/{n}", shown.trim_end_matches('/'));
            match vfs.stat(&p, false) {
                Ok(st) if st.is_dir() => collect_files(ctx, &p, &s, out),
                Ok(st) if st.is_file() => out.push(s),
                _ => {}
            }
        }
    }
}

/// A field list like `1,3-4,6-`.
fn parse_list(s: &str) -> Option<Vec<(usize, usize)>> {
    let mut v = Vec::new();
    for part in s.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (
                if a.is_empty() { 1 } else { a.parse().ok()? },
                if b.is_empty() {
                    usize::MAX
                } else {
                    b.parse().ok()?
                },
            ),
            None => {
                let n: usize = part.parse().ok()?;
                (n, n)
            }
        };
        if a == 0 || b < a {
            return None;
        }
        v.push((a, b));
    }
    Some(v)
}

pub fn cut(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "dfcb", false, "cut", io) else {
        return 1;
    };
    let delim = o
        .val('d')
        .map(|d| d.chars().next().unwrap_or('\t'))
        .unwrap_or('\t');
    let (spec, chars_mode) = match (o.val('f'), o.val('c').or(o.val('b'))) {
        (Some(f), _) => (f, false),
        (None, Some(c)) => (c, true),
        _ => {
            complain(
                io,
                "cut",
                "you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.",
            );
            return 1;
        }
    };
    let Some(list) = parse_list(spec) else {
        complain(io, "cut", &format!("invalid field value {}", q(spec)));
        return 1;
    };
    let sel = |i: usize| list.iter().any(|&(a, b)| a <= i && i <= b);
    let only_delim = o.has('s');
    each_input(
        ctx,
        &inputs(&o.operands),
        io,
        "cut",
        false,
        |_, _, data, io| {
            let mut outs = String::new();
            for raw in lines_of(&data) {
                let line = String::from_utf8_lossy(raw);
                if chars_mode {
                    let s: String = line
                        .chars()
                        .enumerate()
                        .filter(|(i, _)| sel(i + 1))
                        .map(|(_, c)| c)
                        .collect();
                    outs.push_str(&s);
                } else if !line.contains(delim) {
                    if only_delim {
                        continue;
                    }
                    outs.push_str(&line);
                } else {
                    let parts: Vec<&str> = line
                        .split(delim)
                        .enumerate()
                        .filter(|(i, _)| sel(i + 1))
                        .map(|(_, p)| p)
                        .collect();
                    outs.push_str(&parts.join(&delim.to_string()));
                }
                outs.push('\n');
            }
            io.stdout.write_all(outs.as_bytes()).map_err(|_| 1)
        },
    )
}

fn num_prefix(s: &str) -> f64 {
    let t = s.trim_start();
    let mut end = 0;
    for (i, c) in t.char_indices() {
        if c.is_ascii_digit() || c == '.' || (i == 0 && c == '-') {
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    t.get(..end).and_then(|n| n.parse().ok()).unwrap_or(0.0)
}

pub fn sort(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "kto", false, "sort", io) else {
        return 2;
    };
    let mut lines: Vec<String> = Vec::new();
    for f in inputs(&o.operands) {
        match read_input(ctx, &f, io.stdin) {
            Ok(d) => lines.extend(
                lines_of(&d)
                    .iter()
                    .map(|l| String::from_utf8_lossy(l).into_owned()),
            ),
            Err(e) => {
                complain(io, "sort", &format!("cannot read: {f}: {e}"));
                return 2;
            }
        }
    }
    let numeric = o.has('n') || o.has('g') || o.has('h');
    let sep = o.val('t').and_then(|t| t.chars().next());
    let key = o.val('k').and_then(|k| {
        k.split([',', '.']).next().and_then(|n| {
            n.trim_end_matches(|c: char| c.is_alphabetic())
                .parse::<usize>()
                .ok()
        })
    });
    let key_of = |l: &str| -> String {
        match key {
            None => l.to_string(),
            Some(k) => {
                let fields: Vec<&str> = match sep {
                    Some(s) => l.split(s).collect(),
                    None => l.split_whitespace().collect(),
                };
                fields
                    .get(k.saturating_sub(1)..)
                    .map(|f| f.join(" "))
                    .unwrap_or_default()
            }
        }
    };
    let fold = o.has('f');
    lines.sort_by(|a, b| {
        let (ka, kb) = (key_of(a), key_of(b));
        if numeric {
            num_prefix(&ka)
                .partial_cmp(&num_prefix(&kb))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.cmp(b))
        } else if fold {
            ka.to_lowercase()
                .cmp(&kb.to_lowercase())
                .then_with(|| a.cmp(b))
        } else {
            ka.cmp(&kb).then_with(|| a.cmp(b))
        }
    });
    if o.has('r') {
        lines.reverse();
    }
    if o.has('u') {
        lines.dedup_by(|a, b| {
            if numeric {
                num_prefix(&key_of(a)) == num_prefix(&key_of(b))
            } else {
                key_of(a) == key_of(b)
            }
        });
    }
    let mut s = String::new();
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    if let Some(of) = o.val('o') {
        return match ctx.board.vfs().write(&ctx.path(of), s.as_bytes(), ctx.user) {
            Ok(()) => 0,
            Err(e) => {
                complain(io, "sort", &format!("open failed: {of}: {e}"));
                2
            }
        };
    }
    i32::from(io.stdout.write_all(s.as_bytes()).is_err())
}

pub fn uniq(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "uniq", io) else {
        return 1;
    };
    let f = o.operands.first().cloned().unwrap_or_else(|| "-".into());
    let data = match read_input(ctx, &f, io.stdin) {
        Ok(d) => d,
        Err(e) => {
            complain(io, "uniq", &format!("{f}: {e}"));
            return 1;
        }
    };
    let mut groups: Vec<(String, usize)> = Vec::new();
    for l in lines_of(&data) {
        let l = String::from_utf8_lossy(l).into_owned();
        let same = groups.last().is_some_and(|(g, _)| {
            if o.has('i') {
                g.to_lowercase() == l.to_lowercase()
            } else {
                *g == l
            }
        });
        if same {
            if let Some(g) = groups.last_mut() {
                g.1 += 1;
            }
        } else {
            groups.push((l, 1));
        }
    }
    let mut s = String::new();
    for (l, n) in groups {
        if o.has('d') && n < 2 || o.has('u') && n > 1 {
            continue;
        }
        if o.has('c') {
            s.push_str(&format!("{n:>7} {l}\n"));
        } else {
            s.push_str(&l);
            s.push('\n');
        }
    }
    i32::from(io.stdout.write_all(s.as_bytes()).is_err())
}

fn tr_set(s: &str) -> Vec<char> {
    let (bytes, _) = super::fileutil::escapes(s, true);
    let chars: Vec<char> = String::from_utf8_lossy(&bytes).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '[' && chars.get(i + 1) == Some(&':') {
            let rest: String = chars.iter().skip(i + 2).collect();
            if let Some(end) = rest.find(":]") {
                let name = rest.get(..end).unwrap_or("");
                let set: Vec<char> = match name {
                    "upper" => ('A'..='Z').collect(),
                    "lower" => ('a'..='z').collect(),
                    "digit" => ('0'..='9').collect(),
                    "space" => vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
                    "blank" => vec![' ', '\t'],
                    "alpha" => ('A'..='Z').chain('a'..='z').collect(),
                    "alnum" => ('0'..='9').chain('A'..='Z').chain('a'..='z').collect(),
                    "punct" => (33u8..=126)
                        .map(char::from)
                        .filter(|c| c.is_ascii_punctuation())
                        .collect(),
                    "cntrl" => (0u8..32)
                        .map(char::from)
                        .chain(std::iter::once('\x7f'))
                        .collect(),
                    _ => Vec::new(),
                };
                out.extend(set);
                i += 2 + name.chars().count() + 2;
                continue;
            }
        }
        if chars.get(i + 1) == Some(&'-')
            && let Some(&hi) = chars.get(i + 2)
            && hi >= c
        {
            out.extend(c..=hi);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

pub fn tr(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut del = false;
    let mut squeeze = false;
    let mut comp = false;
    let mut sets = Vec::new();
    for a in args {
        if a.len() > 1 && a.starts_with('-') && a.chars().skip(1).all(|c| "dscC".contains(c)) {
            del |= a.contains('d');
            squeeze |= a.contains('s');
            comp |= a.contains('c') || a.contains('C');
        } else {
            sets.push(a.clone());
        }
    }
    if sets.is_empty() || (!del && !squeeze && sets.len() < 2) {
        missing_operand(io, "tr", sets.first().map(String::as_str));
        return 1;
    }
    let s1 = tr_set(sets.first().map(|s| s.as_str()).unwrap_or(""));
    let s2 = sets.get(1).map(|s| tr_set(s)).unwrap_or_default();
    let mut input = Vec::new();
    let _ = io.stdin.read_to_end(&mut input);
    let text = String::from_utf8_lossy(&input);
    let in1 = |c: char| s1.contains(&c) != comp;
    let mut out = String::new();
    let mut last: Option<char> = None;
    for c in text.chars() {
        let mapped = if del {
            if in1(c) {
                continue;
            }
            c
        } else if !s2.is_empty() && in1(c) {
            if comp {
                *s2.last().unwrap_or(&c)
            } else {
                let idx = s1.iter().position(|&x| x == c).unwrap_or(0);
                *s2.get(idx).or(s2.last()).unwrap_or(&c)
            }
        } else {
            c
        };
        if squeeze {
            let sq_set = if del || s2.is_empty() { &s1 } else { &s2 };
            if last == Some(mapped) && sq_set.contains(&mapped) {
                continue;
            }
        }
        last = Some(mapped);
        out.push(mapped);
    }
    i32::from(io.stdout.write_all(out.as_bytes()).is_err())
}

pub fn tee(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "tee", io) else {
        return 1;
    };
    let append = o.has('a');
    let mut st = 0;
    let mut writers = Vec::new();
    for f in &o.operands {
        let path = ctx.path(f);
        if path == "/dev/null" {
            continue;
        }
        match ctx.board.vfs().open_write(&path, append, ctx.user) {
            Ok(w) => writers.push((f.clone(), Some(w))),
            Err(e) => {
                complain(io, "tee", &format!("{f}: {e}"));
                st = 1;
            }
        }
    }
    let mut buf = vec![0u8; 65536];
    let mut stdout_ok = true;
    loop {
        let n = match io.stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let chunk = buf.get(..n).unwrap_or(&[]);
        if stdout_ok && io.stdout.write_all(chunk).is_err() {
            stdout_ok = false;
            st = 1;
        }
        for (name, w) in writers.iter_mut() {
            if let Some(wr) = w
                && let Err(e) = wr.write_all(chunk)
            {
                complain(io, "tee", &format!("{name}: {}", FsError::from_io(&e)));
                *w = None;
                st = 1;
            }
        }
        if !stdout_ok && writers.iter().all(|(_, w)| w.is_none()) {
            break;
        }
    }
    for (_, w) in writers.into_iter() {
        if let Some(w) = w {
            let _ = w.close();
        }
    }
    st
}

fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = if let Some(n) = s.strip_suffix("KB") {
        (n, 1000)
    } else if let Some(n) = s.strip_suffix("MB") {
        (n, 1_000_000)
    } else if let Some(n) = s.strip_suffix('K').or_else(|| s.strip_suffix('k')) {
        (n, 1024)
    } else if let Some(n) = s.strip_suffix('M') {
        (n, 1024 * 1024)
    } else if let Some(n) = s.strip_suffix('G') {
        (n, 1024 * 1024 * 1024)
    } else if let Some(n) = s.strip_suffix('c') {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('w') {
        (n, 2)
    } else if let Some(n) = s.strip_suffix('b') {
        (n, 512)
    } else {
        (s, 1)
    };
    let v = if let Some(h) = num.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()?
    } else {
        num.parse::<u64>().ok()?
    };
    v.checked_mul(mult)
}

fn human_si(n: u64) -> String {
    let units = ["kB", "MB", "GB", "TB"];
    let mut v = n as f64 / 1000.0;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    let unit = units.get(u).copied().unwrap_or("kB");
    if v < 10.0 {
        format!("{:.1} {unit}", v)
    } else {
        format!("{:.0} {unit}", v)
    }
}

pub fn dd(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut inf: Option<String> = None;
    let mut of: Option<String> = None;
    let mut ibs = 512u64;
    let mut obs = 512u64;
    let mut count: Option<u64> = None;
    let mut skip = 0u64;
    let mut seek = 0u64;
    let mut status = String::new();
    let mut notrunc = false;
    let unknown = |io: &mut ShellIo, a: &str| {
        complain(
            io,
            "dd",
            &format!(
                "unrecognized operand {}\nTry 'dd --help' for more information.",
                q(a)
            ),
        );
        1
    };
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return unknown(io, a);
        };
        match k {
            "if" => inf = Some(v.to_string()),
            "of" => of = Some(v.to_string()),
            "bs" | "ibs" | "obs" | "count" | "skip" | "iseek" | "seek" | "oseek" => {
                let Some(n) = parse_size(v) else {
                    complain(io, "dd", &format!("invalid number: {}", q(v)));
                    return 1;
                };
                match k {
                    "bs" => {
                        ibs = n.max(1);
                        obs = n.max(1);
                    }
                    "ibs" => ibs = n.max(1),
                    "obs" => obs = n.max(1),
                    "count" => count = Some(n),
                    "skip" | "iseek" => skip = n,
                    _ => seek = n,
                }
            }
            "status" => status = v.to_string(),
            "conv" => notrunc = v.split(',').any(|c| c == "notrunc"),
            "iflag" | "oflag" => {}
            _ => return unknown(io, a),
        }
    }
    let start = std::time::Instant::now();
    // Read the input.
    let limit = count.map(|c| c.saturating_mul(ibs));
    let mut data = Vec::new();
    let read_res: Result<(), FsError> = match &inf {
        None => {
            let mut skipbuf = vec![0u8; 4096];
            let mut to_skip = skip.saturating_mul(ibs);
            let mut r = Ok(());
            while to_skip > 0 {
                let want = (to_skip as usize).min(skipbuf.len());
                match io.stdin.read(skipbuf.get_mut(..want).unwrap_or(&mut [])) {
                    Ok(0) => break,
                    Ok(n) => to_skip -= n as u64,
                    Err(e) => {
                        r = Err(FsError::from_io(&e));
                        break;
                    }
                }
            }
            if r.is_ok() {
                let mut take = (&mut *io.stdin).take(limit.unwrap_or(u64::MAX));
                if let Err(e) = take.read_to_end(&mut data) {
                    r = Err(FsError::from_io(&e));
                }
            }
            r
        }
        Some(f) => match open_input(ctx, f) {
            Ok(r) => {
                let mut r = r;
                let mut skipped = 0u64;
                let to_skip = skip.saturating_mul(ibs);
                let mut sbuf = vec![0u8; 65536];
                let mut res = Ok(());
                while skipped < to_skip {
                    let want = ((to_skip - skipped) as usize).min(sbuf.len());
                    match r.read(sbuf.get_mut(..want).unwrap_or(&mut [])) {
                        Ok(0) => break,
                        Ok(n) => skipped += n as u64,
                        Err(e) => {
                            res = Err(FsError::from_io(&e));
                            break;
                        }
                    }
                }
                if res.is_ok() {
                    let cap = limit.unwrap_or(1 << 30);
                    if let Err(e) = r.take(cap).read_to_end(&mut data) {
                        res = Err(FsError::from_io(&e));
                    }
                }
                res
            }
            Err(e) => {
                complain(io, "dd", &format!("failed to open {}: {e}", q(f)));
                return 1;
            }
        },
    };
    if let Err(e) = read_res {
        complain(
            io,
            "dd",
            &format!(
                "error reading {}: {e}",
                q(inf.as_deref().unwrap_or("standard input"))
            ),
        );
        return 1;
    }
    let full_in = data.len() as u64 / ibs;
    let part_in = u64::from(!(data.len() as u64).is_multiple_of(ibs));
    // Write the output.
    let write_res: Result<(), FsError> = match &of {
        None => io.stdout.write_all(&data).map_err(|e| FsError::from_io(&e)),
        Some(f) => {
            let path = ctx.path(f);
            if path == "/dev/null" {
                Ok(())
            } else {
                let vfs = ctx.board.vfs();
                let mut existing = if notrunc || seek > 0 {
                    vfs.read(&path, ctx.user).unwrap_or_default()
                } else {
                    Vec::new()
                };
                let off = seek.saturating_mul(obs);
                if off > (1 << 30) {
                    complain(
                        io,
                        "dd",
                        &format!("{}: cannot seek: Invalid argument", q(f)),
                    );
                    return 1;
                }
                let off = off as usize;
                if existing.len() < off {
                    existing.resize(off, 0);
                }
                let end = off + data.len();
                if existing.len() < end {
                    existing.resize(end, 0);
                }
                if let Some(slot) = existing.get_mut(off..end) {
                    slot.copy_from_slice(&data);
                }
                if !notrunc {
                    existing.truncate(end);
                }
                match vfs.open_write(&path, false, ctx.user) {
                    Ok(mut w) => w
                        .write_all(&existing)
                        .map_err(|e| FsError::from_io(&e))
                        .and_then(|_| w.close()),
                    Err(e) => {
                        complain(io, "dd", &format!("failed to open {}: {e}", q(f)));
                        return 1;
                    }
                }
            }
        }
    };
    let full_out = data.len() as u64 / obs;
    let part_out = u64::from(!(data.len() as u64).is_multiple_of(obs));
    let mut st = 0;
    if let Err(e) = write_res {
        complain(
            io,
            "dd",
            &format!(
                "error writing {}: {e}",
                q(of.as_deref().unwrap_or("standard output"))
            ),
        );
        st = 1;
    }
    if status != "none" {
        let secs = start.elapsed().as_secs_f64().max(0.000_01);
        let n = data.len() as u64;
        let mut msg =
            format!("{full_in}+{part_in} records in\n{full_out}+{part_out} records out\n");
        if status != "noxfer" {
            let size = if n >= 1000 {
                let kib = super::fileutil::human(n)
                    .replace('K', " KiB")
                    .replace('M', " MiB")
                    .replace('G', " GiB");
                format!("{n} bytes ({}, {kib}) copied", human_si(n))
            } else {
                format!("{n} bytes copied")
            };
            msg.push_str(&format!(
                "{size}, {secs:.6} s, {}/s\n",
                human_si((n as f64 / secs) as u64)
            ));
        }
        let _ = io.stderr.write_all(msg.as_bytes());
    }
    st
}

pub fn strings(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "n", false, "strings", io) else {
        return 1;
    };
    let min = o
        .val('n')
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(4)
        .max(1);
    each_input(
        ctx,
        &inputs(&o.operands),
        io,
        "strings",
        true,
        |_, _, data, io| {
            let mut out = Vec::new();
            let mut cur: Vec<u8> = Vec::new();
            for &b in data.iter().chain(std::iter::once(&0u8)) {
                if (0x20..0x7f).contains(&b) || b == b'\t' {
                    cur.push(b);
                } else {
                    if cur.len() >= min {
                        out.extend_from_slice(&cur);
                        out.push(b'\n');
                    }
                    cur.clear();
                }
            }
            io.stdout.write_all(&out).map_err(|_| 1)
        },
    )
}

pub fn seq(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let (first, inc, last) = match nums.as_slice() {
        [l] => (1, 1, *l),
        [f, l] => (*f, 1, *l),
        [f, i, l] => (*f, *i, *l),
        _ => {
            missing_operand(io, "seq", None);
            return 1;
        }
    };
    if inc == 0 {
        complain(io, "seq", "invalid Zero increment value: '0'");
        return 1;
    }
    let mut s = String::new();
    let mut v = first;
    let mut n = 0;
    while (inc > 0 && v <= last) || (inc < 0 && v >= last) {
        s.push_str(&v.to_string());
        s.push('\n');
        v = v.saturating_add(inc);
        n += 1;
        if n > 1_000_000 {
            break;
        }
    }
    i32::from(io.stdout.write_all(s.as_bytes()).is_err())
}

pub fn cmp(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let silent = args.iter().any(|a| a == "-s");
    let files: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with('-') || a.as_str() == "-")
        .collect();
    let (Some(a), Some(b)) = (files.first(), files.get(1)) else {
        complain(io, "cmp", "missing operand");
        return 2;
    };
    let da = match read_input(ctx, a, io.stdin) {
        Ok(d) => d,
        Err(e) => {
            complain(io, "cmp", &format!("{a}: {e}"));
            return 2;
        }
    };
    let db = match read_input(ctx, b, io.stdin) {
        Ok(d) => d,
        Err(e) => {
            complain(io, "cmp", &format!("{b}: {e}"));
            return 2;
        }
    };
    for (i, (x, y)) in da.iter().zip(db.iter()).enumerate() {
        if x != y {
            if !silent {
                let line = da
                    .get(..i)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|&&c| c == b'\n')
                    .count()
                    + 1;
                let _ = writeln!(io.stdout, "{a} {b} differ: byte {}, line {line}", i + 1);
            }
            return 1;
        }
    }
    if da.len() != db.len() {
        if !silent {
            let shorter = if da.len() < db.len() { a } else { b };
            complain(
                io,
                "cmp",
                &format!("EOF on {shorter} after byte {}", da.len().min(db.len())),
            );
        }
        return 1;
    }
    0
}
