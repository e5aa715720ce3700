//! A small sed: `-n`, `-e`, `-E`/`-r`, `-i`; addresses (line numbers, `$`, `/re/`, ranges,
//! `!`); commands `s///` (flags g, p, N, I; `&` and `\1`..`\9` in the replacement), `p`,
//! `d`, `q`, `=`, `a`, `i`, `c`, `y`.

use super::Ctx;
use super::fileutil::{complain, read_input};
use super::regex::Regex;
use crate::board::ShellIo;

#[derive(Debug, Clone)]
enum Addr {
    Line(usize),
    Last,
    Re(Option<usize>),
}

#[derive(Debug, Clone)]
enum Cmd {
    Subst {
        re: Option<usize>,
        rep: Vec<char>,
        global: bool,
        nth: usize,
        print: bool,
    },
    Print,
    Delete,
    Quit,
    LineNo,
    Append(String),
    Insert(String),
    Change(String),
    Translate(Vec<char>, Vec<char>),
}

#[derive(Debug, Clone)]
struct Item {
    a1: Option<Addr>,
    a2: Option<Addr>,
    neg: bool,
    cmd: Cmd,
    active: bool,
}

struct Script {
    items: Vec<Item>,
    /// Compiled regexes; `None` in an address or `s` means "the last regex used".
    res: Vec<Regex>,
}

struct P<'a> {
    s: Vec<char>,
    i: usize,
    ere: bool,
    res: &'a mut Vec<Regex>,
}

impl P<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ') | Some('\t')) {
            self.i += 1;
        }
    }
    /// Text up to an unescaped `delim` (consumed); `\delim` becomes `delim`.
    fn delimited(&mut self, delim: char) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("unterminated `s' command".to_string());
            };
            self.i += 1;
            if c == delim {
                return Ok(out);
            }
            if c == '\\' {
                match self.peek() {
                    Some(d) if d == delim => {
                        out.push(d);
                        self.i += 1;
                    }
                    Some('n') => {
                        out.push('\n');
                        self.i += 1;
                    }
                    Some(d) => {
                        out.push('\\');
                        out.push(d);
                        self.i += 1;
                    }
                    None => out.push('\\'),
                }
                continue;
            }
            out.push(c);
        }
    }
    fn regex(&mut self, pat: &str, icase: bool) -> Result<Option<usize>, String> {
        if pat.is_empty() {
            return Ok(None);
        }
        let r = Regex::new(pat, self.ere, icase)
            .map_err(|e| format!("-e expression #1, char {}: {e}", self.i))?;
        self.res.push(r);
        Ok(Some(self.res.len() - 1))
    }
    fn addr(&mut self) -> Result<Option<Addr>, String> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    n.push(d);
                    self.i += 1;
                }
                Ok(Some(Addr::Line(n.parse().unwrap_or(usize::MAX))))
            }
            Some('$') => {
                self.i += 1;
                Ok(Some(Addr::Last))
            }
            Some('/') | Some('\\') => {
                let delim = if self.peek() == Some('\\') {
                    self.i += 1;
                    self.peek().unwrap_or('/')
                } else {
                    '/'
                };
                self.i += 1;
                let pat = self
                    .delimited(delim)
                    .map_err(|_| "unterminated address regex".to_string())?;
                let mut icase = false;
                if self.peek() == Some('I') {
                    self.i += 1;
                    icase = true;
                }
                Ok(Some(Addr::Re(self.regex(&pat, icase)?)))
            }
            _ => Ok(None),
        }
    }
    fn text_arg(&mut self) -> String {
        self.skip_ws();
        if self.peek() == Some('\\') {
            self.i += 1;
            if self.peek() == Some('\n') {
                self.i += 1;
            }
        }
        let mut t = String::new();
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            t.push(c);
            self.i += 1;
        }
        t
    }
    fn parse(&mut self) -> Result<Vec<Item>, String> {
        let mut items = Vec::new();
        loop {
            while matches!(self.peek(), Some(' ') | Some('\t') | Some('\n') | Some(';')) {
                self.i += 1;
            }
            if self.peek().is_none() {
                break;
            }
            let a1 = self.addr()?;
            let mut a2 = None;
            if a1.is_some() && self.peek() == Some(',') {
                self.i += 1;
                a2 = self.addr()?;
                if a2.is_none() {
                    return Err("unexpected `,'".into());
                }
            }
            self.skip_ws();
            let mut neg = false;
            while self.peek() == Some('!') {
                neg = true;
                self.i += 1;
                self.skip_ws();
            }
            let Some(c) = self.peek() else {
                return Err("missing command".into());
            };
            self.i += 1;
            let cmd = match c {
                's' => {
                    let Some(delim) = self.peek() else {
                        return Err("unterminated `s' command".into());
                    };
                    if delim == '\n' || delim == '\\' {
                        return Err("unterminated `s' command".into());
                    }
                    self.i += 1;
                    let pat = self.delimited(delim)?;
                    let rep = self.delimited(delim)?;
                    let (mut global, mut print, mut nth, mut icase) = (false, false, 1usize, false);
                    loop {
                        match self.peek() {
                            Some('g') => global = true,
                            Some('p') => print = true,
                            Some('I') | Some('i') => icase = true,
                            Some(d) if d.is_ascii_digit() => {
                                let mut n = String::new();
                                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                                    n.push(d);
                                    self.i += 1;
                                }
                                nth = n.parse().unwrap_or(1).max(1);
                                continue;
                            }
                            _ => break,
                        }
                        self.i += 1;
                    }
                    Cmd::Subst {
                        re: self.regex(&pat, icase)?,
                        rep: rep.chars().collect(),
                        global,
                        nth,
                        print,
                    }
                }
                'p' => Cmd::Print,
                'd' => Cmd::Delete,
                'q' => Cmd::Quit,
                '=' => Cmd::LineNo,
                'a' => Cmd::Append(self.text_arg()),
                'i' => Cmd::Insert(self.text_arg()),
                'c' => Cmd::Change(self.text_arg()),
                'y' => {
                    let Some(delim) = self.peek() else {
                        return Err("unterminated `y' command".into());
                    };
                    self.i += 1;
                    let a: Vec<char> = self.delimited(delim)?.chars().collect();
                    let b: Vec<char> = self.delimited(delim)?.chars().collect();
                    if a.len() != b.len() {
                        return Err("strings for `y' command are different lengths".into());
                    }
                    Cmd::Translate(a, b)
                }
                other => return Err(format!("unknown command: `{other}'")),
            };
            items.push(Item {
                a1,
                a2,
                neg,
                cmd,
                active: false,
            });
        }
        Ok(items)
    }
}

fn expand_rep(rep: &[char], text: &[char], caps: &[Option<(usize, usize)>]) -> String {
    let span = |k: usize| -> String {
        match caps.get(k).copied().flatten() {
            Some((s, e)) => text.get(s..e).unwrap_or(&[]).iter().collect(),
            None => String::new(),
        }
    };
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = rep.get(i) {
        i += 1;
        match c {
            '&' => out.push_str(&span(0)),
            '\\' => {
                let Some(&d) = rep.get(i) else {
                    out.push('\\');
                    break;
                };
                i += 1;
                match d {
                    '1'..='9' => out.push_str(&span(d as usize - '0' as usize)),
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    d => out.push(d),
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl Script {
    fn re(&self, idx: Option<usize>, last: &mut Option<usize>) -> Option<usize> {
        match idx {
            Some(i) => {
                *last = Some(i);
                Some(i)
            }
            None => *last,
        }
    }

    fn addr_match(
        &self,
        a: &Addr,
        line: &str,
        n: usize,
        is_last: bool,
        last: &mut Option<usize>,
    ) -> bool {
        match a {
            Addr::Line(k) => *k == n,
            Addr::Last => is_last,
            Addr::Re(r) => {
                let chars: Vec<char> = line.chars().collect();
                self.re(*r, last)
                    .and_then(|i| self.res.get(i))
                    .is_some_and(|re| re.is_match(&chars))
            }
        }
    }

    fn selected(
        &mut self,
        k: usize,
        line: &str,
        n: usize,
        is_last: bool,
        last: &mut Option<usize>,
    ) -> bool {
        let Some(item) = self.items.get(k).cloned() else {
            return false;
        };
        let hit = match (&item.a1, &item.a2) {
            (None, _) => true,
            (Some(a1), None) => self.addr_match(a1, line, n, is_last, last),
            (Some(a1), Some(a2)) => {
                if item.active {
                    let end = match a2 {
                        Addr::Line(m) => n >= *m,
                        a => self.addr_match(a, line, n, is_last, last),
                    };
                    if end && let Some(it) = self.items.get_mut(k) {
                        it.active = false;
                    }
                    true
                } else if self.addr_match(a1, line, n, is_last, last) {
                    let end_now = matches!(a2, Addr::Line(m) if *m <= n);
                    if !end_now && let Some(it) = self.items.get_mut(k) {
                        it.active = true;
                    }
                    true
                } else {
                    false
                }
            }
        };
        hit != item.neg
    }
}

/// Run the script over `lines`; returns the output and whether `q` ended it.
fn run(script: &mut Script, lines: &[String], quiet: bool, n0: &mut usize, total: usize) -> String {
    let mut out = String::new();
    let mut last: Option<usize> = None;
    for line in lines {
        *n0 += 1;
        let n = *n0;
        let is_last = n == total;
        let mut ps = line.clone();
        let mut deleted = false;
        let mut quit = false;
        let mut append = Vec::new();
        for k in 0..script.items.len() {
            if !script.selected(k, &ps, n, is_last, &mut last) {
                continue;
            }
            let Some(cmd) = script.items.get(k).map(|i| i.cmd.clone()) else {
                continue;
            };
            match cmd {
                Cmd::Print => {
                    out.push_str(&ps);
                    out.push('\n');
                }
                Cmd::Delete => {
                    deleted = true;
                    break;
                }
                Cmd::Quit => {
                    quit = true;
                    break;
                }
                Cmd::LineNo => out.push_str(&format!("{n}\n")),
                Cmd::Append(t) => append.push(t),
                Cmd::Insert(t) => {
                    out.push_str(&t);
                    out.push('\n');
                }
                Cmd::Change(t) => {
                    out.push_str(&t);
                    out.push('\n');
                    deleted = true;
                    break;
                }
                Cmd::Translate(a, b) => {
                    ps = ps
                        .chars()
                        .map(|c| {
                            a.iter()
                                .position(|&x| x == c)
                                .and_then(|i| b.get(i).copied())
                                .unwrap_or(c)
                        })
                        .collect();
                }
                Cmd::Subst {
                    re,
                    rep,
                    global,
                    nth,
                    print,
                } => {
                    let Some(re) = script.re(re, &mut last).and_then(|i| script.res.get(i)) else {
                        continue;
                    };
                    let text: Vec<char> = ps.chars().collect();
                    let mut res = String::new();
                    let mut pos = 0;
                    let mut copied = 0;
                    let mut count = 0;
                    let mut changed = false;
                    while pos <= text.len() {
                        let Some(caps) = re.captures_from(&text, pos) else {
                            break;
                        };
                        let Some((s, e)) = caps.first().copied().flatten() else {
                            break;
                        };
                        count += 1;
                        if count >= nth {
                            res.extend(text.get(copied..s).unwrap_or(&[]));
                            res.push_str(&expand_rep(&rep, &text, &caps));
                            copied = e;
                            changed = true;
                            if !global {
                                break;
                            }
                        }
                        pos = if e > s { e } else { e + 1 };
                        if e == s && s < text.len() && count >= nth {
                            // keep the character after an empty match
                            res.extend(text.get(copied..s + 1).unwrap_or(&[]));
                            copied = s + 1;
                        }
                    }
                    if changed {
                        res.extend(text.get(copied.min(text.len())..).unwrap_or(&[]));
                        ps = res;
                        if print {
                            out.push_str(&ps);
                            out.push('\n');
                        }
                    }
                }
            }
        }
        if !deleted && !quiet {
            out.push_str(&ps);
            out.push('\n');
        }
        for t in append {
            out.push_str(&t);
            out.push('\n');
        }
        if quit {
            *n0 = usize::MAX;
            break;
        }
    }
    out
}

pub fn sed(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut quiet = false;
    let mut ere = false;
    let mut in_place = false;
    let mut scripts: Vec<String> = Vec::new();
    let mut files = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        match a.as_str() {
            "-n" | "--quiet" | "--silent" => quiet = true,
            "-E" | "-r" | "--regexp-extended" => ere = true,
            "-i" | "--in-place" => in_place = true,
            "-s" | "-u" | "-z" => {}
            "-e" => match args.get(i) {
                Some(s) => {
                    scripts.push(s.clone());
                    i += 1;
                }
                None => {
                    complain(io, "sed", "option requires an argument -- 'e'");
                    return 1;
                }
            },
            s if s.starts_with('-')
                && s.len() > 1
                && s.chars().skip(1).all(|c| "nErisu".contains(c)) =>
            {
                quiet |= s.contains('n');
                ere |= s.contains('E') || s.contains('r');
                in_place |= s.contains('i');
            }
            s if s.starts_with("-i") => in_place = true,
            _ => files.push(a.clone()),
        }
    }
    if scripts.is_empty() {
        if files.is_empty() {
            complain(io, "sed", "no script specified");
            return 1;
        }
        scripts.push(files.remove(0));
    }
    let mut res = Vec::new();
    let items = {
        let mut p = P {
            s: scripts.join("\n").chars().collect(),
            i: 0,
            ere,
            res: &mut res,
        };
        match p.parse() {
            Ok(it) => it,
            Err(e) => {
                complain(io, "sed", &format!("-e expression #1, char {}: {e}", p.i));
                return 1;
            }
        }
    };
    let mut script = Script { items, res };
    if files.is_empty() {
        if in_place {
            complain(io, "sed", "no input files");
            return 1;
        }
        files.push("-".into());
    }
    let mut st = 0;
    if in_place {
        for f in &files {
            let data = match read_input(ctx, f, io.stdin) {
                Ok(d) => d,
                Err(e) => {
                    complain(io, "sed", &format!("can't read {f}: {e}"));
                    st = 2;
                    continue;
                }
            };
            let lines: Vec<String> = String::from_utf8_lossy(&data)
                .lines()
                .map(str::to_string)
                .collect();
            let mut n = 0;
            for it in &mut script.items {
                it.active = false;
            }
            let out = run(&mut script, &lines, quiet, &mut n, lines.len());
            if let Err(e) = ctx
                .board
                .vfs()
                .write(&ctx.path(f), out.as_bytes(), ctx.user)
            {
                complain(
                    io,
                    "sed",
                    &format!("couldn't open temporary file {}: {e}", f),
                );
                st = 4;
            }
        }
        return st;
    }
    let mut all: Vec<String> = Vec::new();
    for f in &files {
        match read_input(ctx, f, io.stdin) {
            Ok(d) => all.extend(String::from_utf8_lossy(&d).lines().map(str::to_string)),
            Err(e) => {
                complain(io, "sed", &format!("can't read {f}: {e}"));
                st = 2;
            }
        }
    }
    let mut n = 0;
    let total = all.len();
    let out = run(&mut script, &all, quiet, &mut n, total);
    if io.stdout.write_all(out.as_bytes()).is_err() {
        return 4;
    }
    st
}
