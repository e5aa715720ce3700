//! The interpreter: expansion, redirections, pipelines, control flow, command lookup.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io::{self, Cursor, Read, Write};
use std::rc::Rc;

use super::parse::{
    self, AndOr, Command, Conn, List, Param, ParamOp, Part, Pipeline, Redir, RedirKind, Word,
};
use super::{Ctx, arith, cmds, glob};
use crate::board::ShellIo;
use crate::services::Services;
use crate::vfs::{FsError, VfsWriter};

/// A stream wrapper that remembers that the host closed it.
struct Tracked<'a> {
    inner: &'a mut dyn Write,
    broken: Rc<Cell<bool>>,
}

impl Write for Tracked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.broken.get() {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "stream closed"));
        }
        match self.inner.write(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.broken.set(true);
                Err(e)
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.inner.flush() {
            Ok(()) => Ok(()),
            Err(e) => {
                self.broken.set(true);
                Err(e)
            }
        }
    }
}

/// Runs `f` with `io`'s outputs wrapped so that a failed write sets `broken` (a closed
/// pipe or connection: the shell then stops, as a real one gets SIGPIPE).
fn with_tracked<R>(
    broken: &Rc<Cell<bool>>,
    io: &mut ShellIo,
    f: impl FnOnce(&mut ShellIo) -> R,
) -> R {
    let mut out = Tracked {
        inner: &mut *io.stdout,
        broken: broken.clone(),
    };
    let mut errw = Tracked {
        inner: &mut *io.stderr,
        broken: broken.clone(),
    };
    f(&mut ShellIo {
        stdin: &mut *io.stdin,
        stdout: &mut out,
        stderr: &mut errw,
    })
}

/// Where fd 1 or 2 of a command goes.
#[derive(Clone)]
enum Dst {
    Out,
    Err,
    File(Rc<RefCell<VfsWriter>>),
    Null,
}

enum Src {
    Inherit,
    Data(Cursor<Vec<u8>>),
    Reader(Box<dyn Read>),
}

struct DstWriter<'r, 'w> {
    dst: Dst,
    out: &'r RefCell<&'w mut dyn Write>,
    err: &'r RefCell<&'w mut dyn Write>,
}

impl Write for DstWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.dst {
            Dst::Out => self.out.borrow_mut().write(buf),
            Dst::Err => self.err.borrow_mut().write(buf),
            Dst::File(f) => f.borrow_mut().write(buf),
            Dst::Null => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &self.dst {
            Dst::Out => self.out.borrow_mut().flush(),
            Dst::Err => self.err.borrow_mut().flush(),
            Dst::File(f) => f.borrow_mut().flush(),
            Dst::Null => Ok(()),
        }
    }
}

/// An unquoted/quoted character of a word being expanded.
type QChar = (char, bool);

#[derive(Default)]
struct Field {
    chars: Vec<QChar>,
    started: bool,
}

/// The interpreter state of one shell process.
pub struct Shell<'b> {
    pub ctx: Ctx<'b>,
    vars: BTreeMap<String, String>,
    positional: Vec<String>,
    arg0: String,
    /// How error messages start: `/bin/bash`, `sh`, a script path, `-bash`.
    name: String,
    interactive: bool,
    last: i32,
    exit: Option<i32>,
    brk: u32,
    cont: u32,
    loops: u32,
    errexit: bool,
    in_cond: u32,
    line: usize,
    broken: Rc<Cell<bool>>,
    funcs: BTreeMap<String, Command>,
    /// `return` in a function: the status it returns with.
    ret: Option<i32>,
    func_depth: u32,
    /// Status of the last command substitution of the current simple command.
    subst_status: Option<i32>,
}

/// How deeply commands may nest (compound commands, subshells, `sh -c`, `sudo`...) on one
/// thread: a guard for the thread's stack.
const MAX_DEPTH: u32 = 48;

thread_local! {
    static NESTING: Cell<u32> = const { Cell::new(0) };
    /// Function calls since the adbd's command started (see [`reset_budget`]).
    static CALLS: Cell<u64> = const { Cell::new(0) };
    /// Set when the budget ran out: everything still running stops.
    static ABORTED: Cell<bool> = const { Cell::new(false) };
}

/// Most function calls one adb command may make: stops `f() { f | f; }; f`, which would
/// otherwise run for ever within the nesting limit.
const MAX_CALLS: u64 = 100_000;

/// Start a new command's budget of function calls.
pub fn reset_budget() {
    CALLS.with(|c| c.set(0));
    ABORTED.with(|a| a.set(false));
}

/// Whether an interactive line needs more input (open quote, `if` without `fi`...).
pub fn needs_more(text: &str) -> bool {
    match parse::parse(text) {
        Ok(_) => false,
        Err(e) => {
            e.eof_note
                || e.msg == "syntax error: unexpected end of file"
                || text.trim_end().ends_with('\\')
        }
    }
}

impl<'b> Shell<'b> {
    pub fn new(ctx: Ctx<'b>, name: &str, interactive: bool) -> Shell<'b> {
        Shell {
            ctx,
            vars: BTreeMap::new(),
            positional: Vec::new(),
            arg0: name.trim_start_matches('-').to_string(),
            name: name.to_string(),
            interactive,
            last: 0,
            exit: None,
            brk: 0,
            cont: 0,
            loops: 0,
            errexit: false,
            in_cond: 0,
            line: 1,
            broken: Rc::new(Cell::new(false)),
            subst_status: None,
            funcs: BTreeMap::new(),
            ret: None,
            func_depth: 0,
        }
    }

    /// `$0` and the positional parameters (`sh -c CMD arg0 args...`, scripts).
    pub fn set_args(&mut self, arg0: &str, args: Vec<String>) {
        self.arg0 = arg0.to_string();
        self.positional = args;
    }

    pub fn last_status(&self) -> i32 {
        self.last
    }
    pub fn exit_code(&self) -> Option<i32> {
        self.exit
    }
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    fn prefix(&self) -> String {
        if self.interactive {
            format!("{}: ", self.name)
        } else {
            format!("{}: line {}: ", self.name, self.line)
        }
    }

    fn err(&self, io: &mut ShellIo, msg: &str) {
        let _ = writeln!(io.stderr, "{}{}", self.prefix(), msg);
    }

    fn stopped(&self) -> bool {
        self.exit.is_some()
            || self.broken.get()
            || self.brk > 0
            || self.cont > 0
            || self.ret.is_some()
    }

    /// Parse and run a script (as `bash -c`), returning its exit status.
    pub fn run_script(&mut self, src: &str, io: &mut ShellIo) -> i32 {
        let broken = self.broken.clone();
        with_tracked(&broken, io, |tio| self.run_parsed(src, tio))
    }

    /// `run_script` behind the broken-pipe watch.
    fn run_parsed(&mut self, src: &str, tio: &mut ShellIo) -> i32 {
        match parse::parse(src) {
            Ok(list) => {
                let st = self.run_list(&list, tio);
                let _ = tio.stdout.flush();
                let st = self.exit.unwrap_or(st);
                self.last = st;
                st
            }
            Err(e) => {
                let who = if self.interactive {
                    format!("{}: ", self.name)
                } else {
                    format!("{}: -c: line {}: ", self.name, e.line)
                };
                let _ = writeln!(tio.stderr, "{who}{}", e.msg);
                if e.eof_note {
                    let n = src.lines().count().max(e.line) + 1;
                    let who = if self.interactive {
                        format!("{}: ", self.name)
                    } else {
                        format!("{}: -c: line {n}: ", self.name)
                    };
                    let _ = writeln!(tio.stderr, "{who}syntax error: unexpected end of file");
                } else if e.msg.starts_with("syntax error near") {
                    let text = src.lines().nth(e.line.saturating_sub(1)).unwrap_or(src);
                    let _ = writeln!(tio.stderr, "{who}`{}'", text);
                }
                self.last = 2;
                2
            }
        }
    }

    // ------------------------------------------------------------ control flow

    fn run_list(&mut self, list: &List, io: &mut ShellIo) -> i32 {
        let mut st = self.last;
        for ao in list {
            if self.stopped() {
                break;
            }
            st = self.run_and_or(ao, io);
            self.last = st;
            if self.errexit && st != 0 && self.in_cond == 0 && self.exit.is_none() {
                self.exit = Some(st);
            }
        }
        st
    }

    fn run_and_or(&mut self, ao: &AndOr, io: &mut ShellIo) -> i32 {
        let n = ao.rest.len();
        // errexit ignores every command of an && / || list but the last.
        if n > 0 {
            self.in_cond += 1;
        }
        let mut in_cond = n > 0;
        let mut st = self.run_pipeline(&ao.first, io);
        self.last = st;
        for (i, (conn, p)) in ao.rest.iter().enumerate() {
            if self.stopped() {
                break;
            }
            if i + 1 == n && in_cond {
                self.in_cond -= 1;
                in_cond = false;
            }
            let run = match conn {
                Conn::And => st == 0,
                Conn::Or => st != 0,
            };
            if run {
                st = self.run_pipeline(p, io);
                self.last = st;
            }
        }
        if in_cond {
            self.in_cond -= 1;
        }
        st
    }

    fn run_pipeline(&mut self, p: &Pipeline, io: &mut ShellIo) -> i32 {
        if p.bang {
            self.in_cond += 1;
        }
        let st = if p.cmds.len() == 1 {
            match p.cmds.first() {
                Some(c) => self.run_command(c, io),
                None => 0,
            }
        } else {
            let mut input: Option<Vec<u8>> = None;
            let mut st = 0;
            let n = p.cmds.len();
            for (i, c) in p.cmds.iter().enumerate() {
                if self.broken.get() {
                    break;
                }
                let mut cursor = Cursor::new(input.take().unwrap_or_default());
                let stdin: &mut dyn Read = if i == 0 { &mut *io.stdin } else { &mut cursor };
                if i + 1 < n {
                    let mut buf = Vec::new();
                    {
                        let mut sub = ShellIo {
                            stdin,
                            stdout: &mut buf,
                            stderr: &mut *io.stderr,
                        };
                        self.subshell(|sh| sh.run_command(c, &mut sub));
                    }
                    input = Some(buf);
                } else {
                    let mut sub = ShellIo {
                        stdin,
                        stdout: &mut *io.stdout,
                        stderr: &mut *io.stderr,
                    };
                    st = self.subshell(|sh| sh.run_command(c, &mut sub));
                }
            }
            st
        };
        if p.bang {
            self.in_cond -= 1;
            i32::from(st == 0)
        } else {
            st
        }
    }

    /// Run `f` in a subshell environment: changes to variables and the directory are undone,
    /// and `exit` ends only the subshell.
    fn subshell(&mut self, f: impl FnOnce(&mut Self) -> i32) -> i32 {
        let cwd = self.ctx.cwd.clone();
        let env = self.ctx.env.clone();
        let vars = self.vars.clone();
        let pos = self.positional.clone();
        let funcs = self.funcs.clone();
        let exit = self.exit.take();
        let (brk, cont, loops) = (self.brk, self.cont, self.loops);
        self.loops = 0;
        let st = f(self);
        let st = self.exit.take().unwrap_or(st);
        self.exit = exit;
        self.ctx.cwd = cwd;
        self.ctx.env = env;
        self.vars = vars;
        self.positional = pos;
        self.funcs = funcs;
        self.brk = brk;
        self.cont = cont;
        self.loops = loops;
        st
    }

    fn run_command(&mut self, c: &Command, io: &mut ShellIo) -> i32 {
        if ABORTED.with(|a| a.get()) {
            self.exit = Some(1);
            return 1;
        }
        let depth = NESTING.with(|n| n.get());
        if depth > MAX_DEPTH {
            self.err(io, "maximum nesting level exceeded");
            return 1;
        }
        NESTING.with(|n| n.set(depth + 1));
        let st = self.run_command_inner(c, io);
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
        st
    }

    fn run_command_inner(&mut self, c: &Command, io: &mut ShellIo) -> i32 {
        match c {
            Command::Simple {
                assigns,
                words,
                redirs,
                line,
            } => self.run_simple(assigns, words, redirs, *line, io),
            Command::Func(name, body) => {
                self.funcs.insert(name.clone(), (**body).clone());
                0
            }
            Command::Group(list, redirs) => {
                self.with_redirs(redirs, io, |sh, io| sh.run_list(list, io))
            }
            Command::Subshell(list, redirs) => {
                self.with_redirs(redirs, io, |sh, io| sh.subshell(|sh| sh.run_list(list, io)))
            }
            Command::If {
                arms,
                otherwise,
                redirs,
            } => self.with_redirs(redirs, io, |sh, io| {
                for (cond, body) in arms {
                    sh.in_cond += 1;
                    let c = sh.run_list(cond, io);
                    sh.in_cond -= 1;
                    if sh.stopped() {
                        return c;
                    }
                    if c == 0 {
                        return sh.run_list(body, io);
                    }
                }
                match otherwise {
                    Some(l) => sh.run_list(l, io),
                    None => 0,
                }
            }),
            Command::For {
                var,
                items,
                body,
                redirs,
            } => self.with_redirs(redirs, io, |sh, io| {
                let values = match items {
                    Some(ws) => match sh.expand_words(ws, io) {
                        Ok(v) => v,
                        Err(m) => {
                            sh.err(io, &m);
                            return 1;
                        }
                    },
                    None => sh.positional.clone(),
                };
                let mut st = 0;
                sh.loops += 1;
                for v in values {
                    sh.set_var(var, &v);
                    st = sh.run_list(body, io);
                    if sh.loop_control() {
                        break;
                    }
                }
                sh.loops -= 1;
                st
            }),
            Command::While {
                cond,
                body,
                until,
                redirs,
            } => self.with_redirs(redirs, io, |sh, io| {
                let mut st = 0;
                sh.loops += 1;
                loop {
                    sh.in_cond += 1;
                    let c = sh.run_list(cond, io);
                    sh.in_cond -= 1;
                    if sh.stopped() {
                        if sh.loop_control() {
                            break;
                        }
                        continue;
                    }
                    if (c == 0) == *until {
                        break;
                    }
                    st = sh.run_list(body, io);
                    if sh.loop_control() {
                        break;
                    }
                }
                sh.loops -= 1;
                st
            }),
            Command::Case { word, arms, redirs } => self.with_redirs(redirs, io, |sh, io| {
                let subject = match sh.expand_string(word, io) {
                    Ok(s) => s,
                    Err(m) => {
                        sh.err(io, &m);
                        return 1;
                    }
                };
                let subj: Vec<char> = subject.chars().collect();
                for (pats, body) in arms {
                    for p in pats {
                        let pat = match sh.expand_pattern(p, io) {
                            Ok(p) => p,
                            Err(m) => {
                                sh.err(io, &m);
                                return 1;
                            }
                        };
                        if glob::matches(&pat, &subj) {
                            return sh.run_list(body, io);
                        }
                    }
                }
                0
            }),
        }
    }

    /// After a loop body: true when the loop must end (break, exit, broken stream).
    fn loop_control(&mut self) -> bool {
        if self.exit.is_some() || self.broken.get() || self.ret.is_some() {
            return true;
        }
        if self.brk > 0 {
            self.brk -= 1;
            return true;
        }
        if self.cont > 0 {
            self.cont -= 1;
            return self.cont > 0;
        }
        false
    }

    // ------------------------------------------------------------ variables

    pub fn get_var(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .or_else(|| self.ctx.env.get(name))
            .cloned()
    }

    pub fn set_var(&mut self, name: &str, value: &str) {
        if let Some(v) = self.ctx.env.get_mut(name) {
            *v = value.to_string();
        } else {
            self.vars.insert(name.to_string(), value.to_string());
        }
        if name == "PWD" {
            // keep as is
        }
    }

    fn export(&mut self, name: &str, value: Option<&str>) {
        let v = value
            .map(str::to_string)
            .or_else(|| self.vars.remove(name))
            .or_else(|| self.ctx.env.get(name).cloned());
        self.vars.remove(name);
        if let Some(v) = v {
            self.ctx.env.insert(name.to_string(), v);
        } else {
            // exported but unset: bash shows it in `export -p` as `declare -x NAME`
            self.ctx.env.insert(name.to_string(), String::new());
        }
    }

    fn special_param(&self, name: &str) -> Option<String> {
        Some(match name {
            "?" => self.last.to_string(),
            "$" => "4242".into(),
            "#" => self.positional.len().to_string(),
            "@" | "*" => self.positional.join(" "),
            "0" => self.arg0.clone(),
            "!" => String::new(),
            "-" => "hB".into(),
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                let i: usize = n.parse().ok()?;
                return self.positional.get(i.checked_sub(1)?).cloned();
            }
            n => {
                if let Some(v) = self.get_var(n) {
                    return Some(v);
                }
                // bash's own variables
                return Some(match n {
                    "UID" | "EUID" => self.ctx.user.uid().to_string(),
                    "HOSTNAME" => self.ctx.board.hostname(),
                    "BASH_VERSION" => "5.1.16(1)-release".into(),
                    "BASH" => "/bin/bash".into(),
                    "PPID" => "4241".into(),
                    "HOSTTYPE" => "aarch64".into(),
                    "OSTYPE" => "linux-gnu".into(),
                    "IFS" => " \t\n".into(),
                    "RANDOM" => {
                        let t = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map(|d| d.subsec_nanos())
                            .unwrap_or(0);
                        (t % 32768).to_string()
                    }
                    _ => return None,
                });
            }
        })
    }

    fn param_value(&mut self, p: &Param, io: &mut ShellIo) -> Result<String, String> {
        let val = self.special_param(&p.name);
        let is_null =
            |v: &Option<String>, colon: bool| v.is_none() || (colon && v.as_deref() == Some(""));
        match &p.op {
            ParamOp::Plain => Ok(val.unwrap_or_default()),
            ParamOp::Len => Ok(val.unwrap_or_default().chars().count().to_string()),
            ParamOp::Default(colon, w) => {
                if is_null(&val, *colon) {
                    self.expand_string(w, io)
                } else {
                    Ok(val.unwrap_or_default())
                }
            }
            ParamOp::Assign(colon, w) => {
                if is_null(&val, *colon) {
                    let v = self.expand_string(w, io)?;
                    if parse::is_name(&p.name) {
                        self.set_var(&p.name, &v);
                    }
                    Ok(v)
                } else {
                    Ok(val.unwrap_or_default())
                }
            }
            ParamOp::Alt(colon, w) => {
                if is_null(&val, *colon) {
                    Ok(String::new())
                } else {
                    self.expand_string(w, io)
                }
            }
            ParamOp::Error(colon, w) => {
                if is_null(&val, *colon) {
                    let m = self.expand_string(w, io)?;
                    let m = if m.is_empty() {
                        "parameter null or not set".to_string()
                    } else {
                        m
                    };
                    Err(format!("{}: {m}", p.name))
                } else {
                    Ok(val.unwrap_or_default())
                }
            }
            ParamOp::TrimPrefix(longest, w) | ParamOp::TrimSuffix(longest, w) => {
                let v: Vec<char> = val.unwrap_or_default().chars().collect();
                let pat = self.expand_pattern(w, io)?;
                let prefix = matches!(p.op, ParamOp::TrimPrefix(..));
                let n = v.len();
                let mut cands: Vec<usize> = (0..=n).collect();
                if *longest == prefix {
                    // longest prefix: try long cuts first; shortest suffix: likewise from the end
                    cands.reverse();
                }
                for k in cands {
                    if prefix {
                        let head = v.get(..k).unwrap_or(&[]);
                        if glob::matches(&pat, head) {
                            return Ok(v.get(k..).unwrap_or(&[]).iter().collect());
                        }
                    } else {
                        // k = start of the removed suffix
                        let tail = v.get(k..).unwrap_or(&[]);
                        if glob::matches(&pat, tail) {
                            return Ok(v.get(..k).unwrap_or(&[]).iter().collect());
                        }
                    }
                }
                Ok(v.iter().collect())
            }
            ParamOp::Bad(s) => Err(format!("{s}: bad substitution")),
        }
    }

    // ------------------------------------------------------------ expansion

    fn command_subst(&mut self, list: &List, io: &mut ShellIo) -> String {
        let mut buf: Vec<u8> = Vec::new();
        {
            let mut sub = ShellIo {
                stdin: &mut *io.stdin,
                stdout: &mut buf,
                stderr: &mut *io.stderr,
            };
            let st = self.subshell(|sh| sh.run_list(list, &mut sub));
            self.subst_status = Some(st);
        }
        let mut s = String::from_utf8_lossy(&buf).into_owned();
        while s.ends_with('\n') {
            s.pop();
        }
        s
    }

    fn arith(&mut self, expr: &str, io: &mut ShellIo) -> Result<String, String> {
        // Expand $-parameters and command substitutions textually first.
        let expanded = if expr.contains('$') || expr.contains('`') {
            match parse::parse(&format!("x \"{}\"", expr.replace('"', ""))) {
                Ok(list) => {
                    let word = list
                        .first()
                        .and_then(|ao| ao.first.cmds.first())
                        .and_then(|c| match c {
                            Command::Simple { words, .. } => words.get(1).cloned(),
                            _ => None,
                        })
                        .unwrap_or_default();
                    self.expand_string(&word, io)?
                }
                Err(e) => return Err(e.msg),
            }
        } else {
            expr.to_string()
        };
        let mut get = |n: &str| self.get_var(n);
        let mut sets: Vec<(String, String)> = Vec::new();
        let r = arith::eval(&expanded, &mut get, &mut sets);
        for (k, v) in sets {
            self.set_var(&k, &v);
        }
        r.map(|n| n.to_string())
    }

    /// Expand a word to one string (no splitting, no globbing): assignments, redirections.
    pub fn expand_string(&mut self, w: &Word, io: &mut ShellIo) -> Result<String, String> {
        let mut s = String::new();
        for p in w {
            match p {
                Part::Lit(t) | Part::Quoted(t) => s.push_str(t),
                Part::Tilde => s.push_str(&self.home()),
                Part::Dq(inner) => s.push_str(&self.expand_string(inner, io)?),
                Part::Param(p) => s.push_str(&self.param_value(p, io)?),
                Part::CmdSub(l) => s.push_str(&self.command_subst(l, io)),
                Part::Arith(e) => s.push_str(&self.arith(e, io)?),
            }
        }
        Ok(s)
    }

    /// A word as a glob pattern (quoted characters match literally).
    fn expand_pattern(&mut self, w: &Word, io: &mut ShellIo) -> Result<Vec<QChar>, String> {
        let mut v = Vec::new();
        for p in w {
            match p {
                Part::Lit(t) => v.extend(t.chars().map(|c| (c, false))),
                Part::Quoted(t) => v.extend(t.chars().map(|c| (c, true))),
                Part::Tilde => v.extend(self.home().chars().map(|c| (c, true))),
                Part::Dq(inner) => {
                    let s = self.expand_string(inner, io)?;
                    v.extend(s.chars().map(|c| (c, true)));
                }
                Part::Param(p) => {
                    let s = self.param_value(p, io)?;
                    v.extend(s.chars().map(|c| (c, false)));
                }
                Part::CmdSub(l) => {
                    let s = self.command_subst(l, io);
                    v.extend(s.chars().map(|c| (c, false)));
                }
                Part::Arith(e) => {
                    let s = self.arith(e, io)?;
                    v.extend(s.chars().map(|c| (c, true)));
                }
            }
        }
        Ok(v)
    }

    fn home(&self) -> String {
        self.get_var("HOME")
            .unwrap_or_else(|| super::home_of(self.ctx.user))
    }

    fn push_split(fields: &mut Vec<Field>, cur: &mut Field, s: &str) {
        for c in s.chars() {
            if c == ' ' || c == '\t' || c == '\n' {
                if !cur.chars.is_empty() || cur.started {
                    fields.push(std::mem::take(cur));
                }
            } else {
                cur.chars.push((c, false));
            }
        }
    }

    fn expand_word(&mut self, w: &Word, io: &mut ShellIo) -> Result<Vec<String>, String> {
        let mut fields: Vec<Field> = Vec::new();
        let mut cur = Field::default();
        for p in w {
            match p {
                Part::Lit(t) => cur.chars.extend(t.chars().map(|c| (c, false))),
                Part::Quoted(t) => {
                    cur.started = true;
                    cur.chars.extend(t.chars().map(|c| (c, true)));
                }
                Part::Tilde => {
                    let h = self.home();
                    cur.chars.extend(h.chars().map(|c| (c, true)));
                }
                Part::Dq(inner) => {
                    if let [
                        Part::Param(Param {
                            name,
                            op: ParamOp::Plain,
                        }),
                    ] = inner.as_slice()
                        && name == "@"
                    {
                        let pos = self.positional.clone();
                        let n = pos.len();
                        for (i, a) in pos.into_iter().enumerate() {
                            cur.started = true;
                            cur.chars.extend(a.chars().map(|c| (c, true)));
                            if i + 1 < n {
                                fields.push(std::mem::take(&mut cur));
                            }
                        }
                        continue;
                    }
                    cur.started = true;
                    let s = self.expand_string(inner, io)?;
                    cur.chars.extend(s.chars().map(|c| (c, true)));
                }
                Part::Param(p) => {
                    let s = self.param_value(p, io)?;
                    Self::push_split(&mut fields, &mut cur, &s);
                }
                Part::CmdSub(l) => {
                    let s = self.command_subst(l, io);
                    Self::push_split(&mut fields, &mut cur, &s);
                }
                Part::Arith(e) => {
                    let s = self.arith(e, io)?;
                    Self::push_split(&mut fields, &mut cur, &s);
                }
            }
        }
        if !cur.chars.is_empty() || cur.started {
            fields.push(cur);
        }
        let mut out = Vec::new();
        for f in fields {
            if f.chars
                .iter()
                .any(|&(c, q)| !q && matches!(c, '*' | '?' | '['))
            {
                let found = glob::expand(&self.ctx, &f.chars);
                if !found.is_empty() {
                    out.extend(found);
                    continue;
                }
            }
            out.push(f.chars.iter().map(|&(c, _)| c).collect());
        }
        Ok(out)
    }

    pub fn expand_words(&mut self, ws: &[Word], io: &mut ShellIo) -> Result<Vec<String>, String> {
        let mut v = Vec::new();
        for w in ws {
            for bw in brace_expand(w, 0) {
                v.extend(self.expand_word(&bw, io)?);
            }
        }
        Ok(v)
    }

    // ------------------------------------------------------------ redirections

    fn open_out(&self, target: &str, append: bool, cur1: &Dst, cur2: &Dst) -> Result<Dst, FsError> {
        match target {
            "/dev/null" => return Ok(Dst::Null),
            "/dev/stdout" | "/proc/self/fd/1" => return Ok(cur1.clone()),
            "/dev/stderr" | "/proc/self/fd/2" => return Ok(cur2.clone()),
            "" => return Err(FsError::NotFound),
            _ => {}
        }
        let path = self.ctx.path(target);
        let w = self
            .ctx
            .board
            .vfs()
            .open_write(&path, append, self.ctx.user)?;
        Ok(Dst::File(Rc::new(RefCell::new(w))))
    }

    fn with_redirs(
        &mut self,
        redirs: &[Redir],
        io: &mut ShellIo,
        f: impl FnOnce(&mut Self, &mut ShellIo) -> i32,
    ) -> i32 {
        if redirs.is_empty() {
            return f(self, io);
        }
        let mut src = Src::Inherit;
        let mut d1 = Dst::Out;
        let mut d2 = Dst::Err;
        for r in redirs {
            let target = match self.expand_word(&r.target, io) {
                Ok(v) if v.len() == 1 => v.into_iter().next().unwrap_or_default(),
                Ok(_) if r.kind == RedirKind::HereDoc || r.kind == RedirKind::HereStr => {
                    self.expand_string(&r.target, io).unwrap_or_default()
                }
                Ok(_) => {
                    let raw = self.expand_string(&r.target, io).unwrap_or_default();
                    self.err(io, &format!("{raw}: ambiguous redirect"));
                    return 1;
                }
                Err(m) => {
                    self.err(io, &m);
                    return 1;
                }
            };
            match r.kind {
                RedirKind::Out | RedirKind::Append | RedirKind::OutErr | RedirKind::AppendErr => {
                    let append = matches!(r.kind, RedirKind::Append | RedirKind::AppendErr);
                    let d = match self.open_out(&target, append, &d1, &d2) {
                        Ok(d) => d,
                        Err(e) => {
                            self.err(io, &format!("{target}: {e}"));
                            return 1;
                        }
                    };
                    match r.kind {
                        RedirKind::OutErr | RedirKind::AppendErr => {
                            d1 = d.clone();
                            d2 = d;
                        }
                        _ => match r.fd {
                            1 => d1 = d,
                            2 => d2 = d,
                            _ => {}
                        },
                    }
                }
                RedirKind::In => {
                    if r.fd != 0 {
                        continue;
                    }
                    match super::fileutil::open_input(&self.ctx, &target) {
                        Ok(rd) => src = Src::Reader(rd),
                        Err(e) => {
                            self.err(io, &format!("{target}: {e}"));
                            return 1;
                        }
                    }
                }
                RedirKind::HereStr => {
                    src = Src::Data(Cursor::new(format!("{target}\n").into_bytes()));
                }
                RedirKind::HereDoc => {
                    src = Src::Data(Cursor::new(target.into_bytes()));
                }
                RedirKind::Dup => {
                    let d = match target.as_str() {
                        "1" => d1.clone(),
                        "2" => d2.clone(),
                        "-" => Dst::Null,
                        "0" if r.fd == 0 => continue,
                        t => {
                            self.err(io, &format!("{t}: Bad file descriptor"));
                            return 1;
                        }
                    };
                    match r.fd {
                        1 => d1 = d,
                        2 => d2 = d,
                        _ => {}
                    }
                }
            }
        }
        let out_cell: RefCell<&mut dyn Write> = RefCell::new(&mut *io.stdout);
        let err_cell: RefCell<&mut dyn Write> = RefCell::new(&mut *io.stderr);
        let mut w1 = DstWriter {
            dst: d1,
            out: &out_cell,
            err: &err_cell,
        };
        let mut w2 = DstWriter {
            dst: d2,
            out: &out_cell,
            err: &err_cell,
        };
        let mut data_in;
        let mut reader_in;
        let stdin: &mut dyn Read = match src {
            Src::Inherit => &mut *io.stdin,
            Src::Data(c) => {
                data_in = c;
                &mut data_in
            }
            Src::Reader(r) => {
                reader_in = r;
                &mut reader_in
            }
        };
        let mut sub = ShellIo {
            stdin,
            stdout: &mut w1,
            stderr: &mut w2,
        };
        let st = f(self, &mut sub);
        let _ = w1.flush();
        let _ = w2.flush();
        st
    }

    // ------------------------------------------------------------ simple commands

    fn run_simple(
        &mut self,
        assigns: &[(String, Word)],
        words: &[Word],
        redirs: &[Redir],
        line: usize,
        io: &mut ShellIo,
    ) -> i32 {
        self.line = line;
        self.subst_status = None;
        if let Some(first) = words.first()
            && matches!(first.as_slice(), [Part::Lit(s)] if s == "[[")
        {
            let inner = words.get(1..words.len().saturating_sub(1)).unwrap_or(&[]);
            return self.with_redirs(redirs, io, |sh, io| {
                let mut i = 0;
                match sh.cond_or(inner, &mut i, io) {
                    Ok(_) if i < inner.len() => {
                        sh.err(io, "syntax error in conditional expression");
                        2
                    }
                    Ok(v) => i32::from(!v),
                    Err(m) => {
                        sh.err(io, &m);
                        2
                    }
                }
            });
        }
        let argv = match self.expand_words(words, io) {
            Ok(v) => v,
            Err(m) => {
                self.err(io, &m);
                return 1;
            }
        };
        let mut values = Vec::new();
        for (n, w) in assigns {
            match self.expand_string(w, io) {
                Ok(v) => values.push((n.clone(), v)),
                Err(m) => {
                    self.err(io, &m);
                    return 1;
                }
            }
        }
        if argv.is_empty() {
            for (n, v) in &values {
                self.set_var(n, v);
            }
            let st = self.subst_status.unwrap_or(0);
            return self.with_redirs(redirs, io, |_, _| st);
        }
        self.with_redirs(redirs, io, |sh, io| sh.dispatch(&argv, &values, io))
    }

    // ------------------------------------------------------------ [[ ... ]]

    fn cond_or(&mut self, w: &[Word], i: &mut usize, io: &mut ShellIo) -> Result<bool, String> {
        let mut v = self.cond_and(w, i, io)?;
        while is_op(w.get(*i), "||") {
            *i += 1;
            let r = self.cond_and(w, i, io)?;
            v = v || r;
        }
        Ok(v)
    }

    fn cond_and(&mut self, w: &[Word], i: &mut usize, io: &mut ShellIo) -> Result<bool, String> {
        let mut v = self.cond_not(w, i, io)?;
        while is_op(w.get(*i), "&&") {
            *i += 1;
            let r = self.cond_not(w, i, io)?;
            v = v && r;
        }
        Ok(v)
    }

    fn cond_not(&mut self, w: &[Word], i: &mut usize, io: &mut ShellIo) -> Result<bool, String> {
        if is_op(w.get(*i), "!") {
            *i += 1;
            return Ok(!self.cond_not(w, i, io)?);
        }
        if is_op(w.get(*i), "(") {
            *i += 1;
            let v = self.cond_or(w, i, io)?;
            if !is_op(w.get(*i), ")") {
                return Err("syntax error in conditional expression".into());
            }
            *i += 1;
            return Ok(v);
        }
        self.cond_primary(w, i, io)
    }

    fn cond_primary(
        &mut self,
        w: &[Word],
        i: &mut usize,
        io: &mut ShellIo,
    ) -> Result<bool, String> {
        let Some(first) = w.get(*i) else {
            return Err("syntax error in conditional expression".into());
        };
        const BIN: &[&str] = &[
            "==", "=", "!=", "=~", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot",
        ];
        if let Some(op) = w.get(*i + 1).and_then(|o| match o.as_slice() {
            [Part::Lit(s)] if BIN.contains(&s.as_str()) => Some(s.clone()),
            _ => None,
        }) && let Some(rhs) = w.get(*i + 2)
        {
            *i += 3;
            let lhs = self.expand_string(first, io)?;
            return Ok(match op.as_str() {
                "==" | "=" | "!=" => {
                    let pat = self.expand_pattern(rhs, io)?;
                    let hit = glob::matches(&pat, &lhs.chars().collect::<Vec<_>>());
                    hit == (op != "!=")
                }
                "=~" => {
                    let re = self.expand_string(rhs, io)?;
                    match super::regex::Regex::new(&re, true, false) {
                        Ok(r) => r.is_match(&lhs.chars().collect::<Vec<_>>()),
                        Err(_) => return Err(format!("{re}: invalid regular expression")),
                    }
                }
                "<" => lhs < self.expand_string(rhs, io)?,
                ">" => lhs > self.expand_string(rhs, io)?,
                _ => {
                    let r = self.expand_string(rhs, io)?;
                    self.test_status(&[lhs, op, r], io) == 0
                }
            });
        }
        let text = self.expand_string(first, io)?;
        if let [Part::Lit(op)] = first.as_slice()
            && op.len() == 2
            && op.starts_with('-')
            && let Some(arg) = w.get(*i + 1)
            && !is_op(Some(arg), "&&")
            && !is_op(Some(arg), "||")
            && !is_op(Some(arg), ")")
        {
            *i += 2;
            let a = self.expand_string(arg, io)?;
            return Ok(self.test_status(&[op.clone(), a], io) == 0);
        }
        *i += 1;
        Ok(!text.is_empty())
    }

    fn test_status(&mut self, args: &[String], io: &mut ShellIo) -> i32 {
        match cmds::lookup("test") {
            Some(f) => f(&mut self.ctx, args, io),
            None => 2,
        }
    }

    /// Run an argument vector (builtins, service commands, board commands, scripts).
    pub fn dispatch(
        &mut self,
        argv: &[String],
        prefix: &[(String, String)],
        io: &mut ShellIo,
    ) -> i32 {
        let Some((name, args)) = argv.split_first() else {
            return 0;
        };
        if let Some(body) = self.funcs.get(name).cloned() {
            let calls = CALLS.with(|c| {
                let n = c.get() + 1;
                c.set(n);
                n
            });
            if calls > MAX_CALLS {
                if !ABORTED.with(|a| a.replace(true)) {
                    self.err(io, &format!("{name}: too many function calls"));
                }
                self.exit = Some(1);
                return 1;
            }
            let saved = std::mem::replace(&mut self.positional, args.to_vec());
            let loops = std::mem::take(&mut self.loops);
            self.func_depth += 1;
            let st = self.run_command(&body, io);
            self.func_depth -= 1;
            self.loops = loops;
            self.positional = saved;
            return self.ret.take().unwrap_or(st);
        }
        if let Some(st) = self.special(name, args, io) {
            for (k, v) in prefix {
                self.set_var(k, v);
            }
            return st;
        }
        let saved = if prefix.is_empty() {
            None
        } else {
            let s = self.ctx.env.clone();
            for (k, v) in prefix {
                self.ctx.env.insert(k.clone(), v.clone());
            }
            Some(s)
        };
        let st = self.external(name, args, io);
        if let Some(s) = saved {
            self.ctx.env = s;
        }
        st
    }

    fn call(&mut self, f: super::Builtin, args: &[String], io: &mut ShellIo) -> i32 {
        // Builtins see exported variables only; give them the shell's view of PWD.
        self.ctx.env.insert("PWD".into(), self.ctx.cwd.clone());
        f(&mut self.ctx, args, io)
    }

    fn external(&mut self, name: &str, args: &[String], io: &mut ShellIo) -> i32 {
        if name.contains('/') {
            let path = self.ctx.path(name);
            let vfs = self.ctx.board.vfs();
            match vfs.stat(&path, true) {
                Ok(st) => {
                    if st.is_dir() {
                        self.err(io, &format!("{name}: Is a directory"));
                        return 126;
                    }
                    if !crate::vfs::Vfs::may_exec(&st, self.ctx.user) {
                        self.err(io, &format!("{name}: Permission denied"));
                        return 126;
                    }
                    if let Some(f) =
                        service_cmd(&self.ctx, name).or_else(|| service_cmd(&self.ctx, &path))
                    {
                        return self.call(f, args, io);
                    }
                    if let Some(f) = cmds::lookup(name) {
                        return self.call(f, args, io);
                    }
                    self.run_file(name, &path, args, io)
                }
                Err(FsError::NotFound) => {
                    if let Some(f) =
                        service_cmd(&self.ctx, name).or_else(|| service_cmd(&self.ctx, &path))
                    {
                        return self.call(f, args, io);
                    }
                    if let Some(f) = cmds::lookup(name) {
                        return self.call(f, args, io);
                    }
                    self.err(io, &format!("{name}: No such file or directory"));
                    127
                }
                Err(e) => {
                    self.err(io, &format!("{name}: {e}"));
                    126
                }
            }
        } else {
            if let Some(f) = service_cmd(&self.ctx, name) {
                return self.call(f, args, io);
            }
            if let Some(f) = cmds::lookup(name) {
                return self.call(f, args, io);
            }
            // Scripts in PATH directories of the sandbox.
            if let Some(path) = self.find_in_path(name) {
                return self.run_file(name, &path, args, io);
            }
            self.err(io, &format!("{name}: command not found"));
            127
        }
    }

    fn find_in_path(&self, name: &str) -> Option<String> {
        let path = self.get_var("PATH").unwrap_or_default();
        let vfs = self.ctx.board.vfs();
        for dir in path.split(':').filter(|d| !d.is_empty()) {
            let p = crate::vfs::join_path(dir, name);
            if let Ok(st) = vfs.stat(&p, true)
                && st.is_file()
                && crate::vfs::Vfs::may_exec(&st, self.ctx.user)
            {
                return Some(p);
            }
        }
        None
    }

    /// Execute a file of the sandbox: shell scripts run in a child shell.
    fn run_file(&mut self, name: &str, path: &str, args: &[String], io: &mut ShellIo) -> i32 {
        let data = match self.ctx.board.vfs().read(path, self.ctx.user) {
            Ok(d) => d,
            Err(e) => {
                self.err(io, &format!("{name}: {e}"));
                return 126;
            }
        };
        let first = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let shell_script = if first.starts_with(b"#!") {
            let interp = String::from_utf8_lossy(first.get(2..).unwrap_or(&[]))
                .trim()
                .to_string();
            interp.ends_with("/sh")
                || interp.ends_with("bash")
                || interp.ends_with(" sh")
                || interp.ends_with(" bash")
        } else {
            !data.contains(&0)
        };
        if !shell_script {
            self.err(
                io,
                &format!("{name}: cannot execute binary file: Exec format error"),
            );
            return 126;
        }
        let text = String::from_utf8_lossy(&data).into_owned();
        run_child_script(&self.ctx, name, &text, args.to_vec(), io)
    }

    fn usage_status(&self, io: &mut ShellIo, msg: &str, code: i32) -> i32 {
        self.err(io, msg);
        code
    }

    /// Builtins that need the interpreter's state. None: not a special builtin.
    fn special(&mut self, name: &str, args: &[String], io: &mut ShellIo) -> Option<i32> {
        let st = match name {
            ":" => 0,
            "return" if self.func_depth > 0 => {
                let code = match args.first() {
                    None => self.last,
                    Some(a) => a
                        .trim()
                        .parse::<i64>()
                        .map(|n| (n & 0xff) as i32)
                        .unwrap_or(2),
                };
                self.ret = Some(code);
                code
            }
            "exit" | "return" | "logout" => {
                let code = match args.first() {
                    None => self.last,
                    Some(a) => match a.trim().parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            self.err(io, &format!("{name}: {a}: numeric argument required"));
                            2
                        }
                    },
                };
                if self.interactive && name != "return" {
                    let _ = writeln!(io.stderr, "exit");
                }
                self.exit = Some(code);
                code
            }
            "cd" => self.cd(args, io),
            "export" => {
                let mut st = 0;
                let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                if names.is_empty() {
                    for (k, v) in &self.ctx.env {
                        let _ =
                            writeln!(io.stdout, "declare -x {k}=\"{}\"", v.replace('"', "\\\""));
                    }
                }
                for a in names {
                    let (n, v) = match a.split_once('=') {
                        Some((n, v)) => (n, Some(v)),
                        None => (a.as_str(), None),
                    };
                    if !parse::is_name(n) {
                        self.err(io, &format!("export: `{a}': not a valid identifier"));
                        st = 1;
                        continue;
                    }
                    self.export(n, v);
                }
                st
            }
            "unset" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    self.vars.remove(a);
                    self.ctx.env.remove(a);
                }
                0
            }
            "local" | "declare" | "typeset" | "readonly" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    match a.split_once('=') {
                        Some((n, v)) if parse::is_name(n) => self.set_var(n, v),
                        None if parse::is_name(a) && self.get_var(a).is_none() => {
                            self.vars.insert(a.clone(), String::new());
                        }
                        _ => {}
                    }
                }
                0
            }
            "set" => {
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    match a.as_str() {
                        "--" => {
                            self.positional = it.cloned().collect();
                            break;
                        }
                        "-e" => self.errexit = true,
                        "+e" => self.errexit = false,
                        "-o" | "+o" => {
                            it.next();
                        }
                        s if s.starts_with('-') || s.starts_with('+') => {}
                        _ => {
                            self.positional =
                                std::iter::once(a.clone()).chain(it.cloned()).collect();
                            break;
                        }
                    }
                }
                0
            }
            "shift" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse::<usize>().ok())
                    .unwrap_or(1);
                if n > self.positional.len() {
                    1
                } else {
                    self.positional.drain(..n);
                    0
                }
            }
            "break" | "continue" => {
                if self.loops == 0 {
                    return Some(0);
                }
                let n = args
                    .first()
                    .and_then(|a| a.parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, self.loops);
                if name == "break" {
                    self.brk = n;
                } else {
                    self.cont = n;
                }
                0
            }
            "eval" => {
                let src = args.join(" ");
                match parse::parse(&src) {
                    Ok(list) => self.run_list(&list, io),
                    Err(e) => self.usage_status(io, &format!("eval: {}", e.msg), 2),
                }
            }
            "." | "source" => {
                let Some(f) = args.first() else {
                    return Some(self.usage_status(
                        io,
                        &format!("{name}: filename argument required"),
                        2,
                    ));
                };
                let path = if f.contains('/') {
                    self.ctx.path(f)
                } else {
                    self.find_in_path(f).unwrap_or_else(|| self.ctx.path(f))
                };
                match self.ctx.board.vfs().read(&path, self.ctx.user) {
                    Ok(d) => match parse::parse(&String::from_utf8_lossy(&d)) {
                        Ok(list) => self.run_list(&list, io),
                        Err(e) => self.usage_status(io, &format!("{f}: {}", e.msg), 2),
                    },
                    Err(e) => self.usage_status(io, &format!("{f}: {e}"), 1),
                }
            }
            "read" => self.read_builtin(args, io),
            "exec" => {
                if args.is_empty() {
                    return Some(0);
                }
                let st = self.dispatch(args, &[], io);
                self.exit = Some(st);
                st
            }
            "command" => {
                let mut it = args.iter().peekable();
                let mut verbose = None;
                while let Some(a) = it.peek() {
                    match a.as_str() {
                        "-v" => verbose = Some(false),
                        "-V" => verbose = Some(true),
                        "-p" => {}
                        _ => break,
                    }
                    it.next();
                }
                let rest: Vec<String> = it.cloned().collect();
                match verbose {
                    Some(long) => {
                        let mut st = 0;
                        for n in &rest {
                            match self.describe(n) {
                                Some((kind, path)) => {
                                    if long {
                                        let _ = writeln!(io.stdout, "{}", kind);
                                    } else {
                                        let _ = writeln!(io.stdout, "{}", path);
                                    }
                                }
                                None => {
                                    if long {
                                        self.err(io, &format!("command: {n}: not found"));
                                    }
                                    st = 1;
                                }
                            }
                        }
                        st
                    }
                    None => self.dispatch(&rest, &[], io),
                }
            }
            "type" => {
                let mut st = 0;
                for n in args.iter().filter(|a| !a.starts_with('-')) {
                    match self.describe(n) {
                        Some((kind, _)) => {
                            let _ = writeln!(io.stdout, "{kind}");
                        }
                        None => {
                            self.err(io, &format!("type: {n}: not found"));
                            st = 1;
                        }
                    }
                }
                st
            }
            "let" => {
                let mut st = 1;
                for a in args {
                    match self.arith(a, io) {
                        Ok(v) => st = i32::from(v == "0"),
                        Err(m) => return Some(self.usage_status(io, &format!("let: {m}"), 1)),
                    }
                }
                st
            }
            "wait" | "trap" | "alias" | "unalias" | "hash" | "shopt" | "ulimit" | "disown" => {
                if name == "ulimit" {
                    let _ = writeln!(io.stdout, "unlimited");
                }
                0
            }
            "umask" => {
                match args.first() {
                    None => {
                        let _ = writeln!(io.stdout, "{:04o}", super::umask());
                    }
                    Some(m) => match u32::from_str_radix(m, 8) {
                        Ok(v) if v <= 0o777 => super::set_umask(v),
                        _ => {
                            return Some(self.usage_status(
                                io,
                                &format!("umask: {m}: octal number out of range"),
                                1,
                            ));
                        }
                    },
                }
                0
            }
            _ => return None,
        };
        Some(st)
    }

    /// What `type` says about a name, and the path `command -v` prints.
    fn describe(&self, n: &str) -> Option<(String, String)> {
        const KEYWORDS: &[&str] = &[
            "[[", "]]", "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done",
            "case", "esac", "in", "{", "}", "!",
        ];
        const SPECIAL: &[&str] = &[
            ":", "exit", "return", "cd", "export", "unset", "local", "declare", "set", "shift",
            "break", "continue", "eval", ".", "source", "read", "exec", "command", "type", "let",
            "wait", "trap", "umask", "echo", "printf", "true", "false", "test", "[", "pwd",
            "alias", "hash", "ulimit",
        ];
        if self.funcs.contains_key(n) {
            return Some((format!("{n} is a function"), n.to_string()));
        }
        if KEYWORDS.contains(&n) {
            return Some((format!("{n} is a shell keyword"), n.to_string()));
        }
        if SPECIAL.contains(&n) {
            return Some((format!("{n} is a shell builtin"), n.to_string()));
        }
        let path = if n.contains('/') {
            let p = self.ctx.path(n);
            if self.ctx.board.vfs().exists(&p)
                || service_cmd(&self.ctx, n).is_some()
                || cmds::lookup(n).is_some()
            {
                p
            } else {
                return None;
            }
        } else if service_cmd(&self.ctx, n).is_some() || cmds::lookup(n).is_some() {
            cmds::command_path(n)
        } else {
            self.find_in_path(n)?
        };
        Some((format!("{n} is {path}"), path))
    }

    fn cd(&mut self, args: &[String], io: &mut ShellIo) -> i32 {
        let args: Vec<&String> = args
            .iter()
            .filter(|a| a.as_str() != "-L" && a.as_str() != "-P")
            .collect();
        if args.len() > 1 {
            self.err(io, "cd: too many arguments");
            return 1;
        }
        let target = match args.first().map(|s| s.as_str()) {
            None => self.home(),
            Some("-") => match self.get_var("OLDPWD") {
                Some(o) => {
                    let _ = writeln!(io.stdout, "{o}");
                    o
                }
                None => {
                    self.err(io, "cd: OLDPWD not set");
                    return 1;
                }
            },
            Some(t) => t.to_string(),
        };
        let path = self.ctx.path(&target);
        let vfs = self.ctx.board.vfs();
        match vfs.stat(&path, true) {
            Ok(st) if st.is_dir() => {
                if !crate::vfs::Vfs::may_exec(&st, self.ctx.user) {
                    self.err(io, &format!("cd: {target}: Permission denied"));
                    return 1;
                }
            }
            Ok(_) => {
                self.err(io, &format!("cd: {target}: Not a directory"));
                return 1;
            }
            Err(e) => {
                self.err(io, &format!("cd: {target}: {e}"));
                return 1;
            }
        }
        let old = self.ctx.cwd.clone();
        self.ctx.cwd = path.clone();
        self.set_var("OLDPWD", &old);
        self.ctx.env.insert("PWD".into(), path);
        0
    }

    fn read_builtin(&mut self, args: &[String], io: &mut ShellIo) -> i32 {
        let mut names = Vec::new();
        let mut raw = false;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-r" => raw = true,
                "-p" => {
                    if let Some(p) = it.next() {
                        let _ = write!(io.stderr, "{p}");
                    }
                }
                "-s" => {}
                _ => names.push(a.clone()),
            }
        }
        let Some(mut line) = super::read_line(io.stdin) else {
            for n in &names {
                self.set_var(n, "");
            }
            return 1;
        };
        if !raw {
            line = line.replace('\\', "");
        }
        if names.is_empty() {
            self.set_var("REPLY", &line);
            return 0;
        }
        let mut rest = line.trim_start_matches([' ', '\t']).to_string();
        let n = names.len();
        for (i, name) in names.iter().enumerate() {
            if i + 1 == n {
                self.set_var(name, rest.trim_end_matches([' ', '\t']));
                break;
            }
            let (head, tail) = match rest.find([' ', '\t']) {
                Some(p) => (
                    rest.get(..p).unwrap_or("").to_string(),
                    rest.get(p..).unwrap_or("").to_string(),
                ),
                None => (rest.clone(), String::new()),
            };
            self.set_var(name, &head);
            rest = tail.trim_start_matches([' ', '\t']).to_string();
        }
        0
    }
}

/// Run a script text in a child shell (`sh script`, `./script.sh`): `name` appears in
/// error messages and as `$0`.
pub fn run_child_script(
    ctx: &Ctx,
    name: &str,
    text: &str,
    args: Vec<String>,
    io: &mut ShellIo,
) -> i32 {
    let mut sh = Shell::new(ctx.fork(), name, false);
    sh.set_args(name, args);
    sh.run_script(text, io)
}

/// `bash -c CMD [arg0 [args...]]` as a child of `ctx`.
pub fn run_dash_c(
    ctx: &Ctx,
    shell_name: &str,
    cmd: &str,
    arg0: Option<&str>,
    args: Vec<String>,
    io: &mut ShellIo,
) -> i32 {
    let mut sh = Shell::new(ctx.fork(), shell_name, false);
    sh.set_args(arg0.unwrap_or(shell_name), args);
    sh.run_script(cmd, io)
}

/// Run an argument vector as a command in a child of `ctx` (sudo, xargs, find -exec, env).
pub fn run_argv(ctx: &Ctx, argv: &[String], io: &mut ShellIo) -> i32 {
    let mut sh = Shell::new(ctx.fork(), "/bin/bash", false);
    let broken = sh.broken.clone();
    let st = with_tracked(&broken, io, |tio| sh.dispatch(argv, &[], tio));
    sh.exit.unwrap_or(st)
}

/// Whether `name` names a command that can be executed (not a shell builtin): what sudo
/// checks before running it.
pub fn command_exists(ctx: &Ctx, name: &str) -> bool {
    if service_cmd(ctx, name).is_some() || cmds::lookup(name).is_some() {
        return true;
    }
    let vfs = ctx.board.vfs();
    let ok = |p: &str| {
        vfs.stat(p, true)
            .map(|s| s.is_file() && crate::vfs::Vfs::may_exec(&s, ctx.user))
            .unwrap_or(false)
    };
    if name.contains('/') {
        return ok(&ctx.path(name));
    }
    let path = ctx.env.get("PATH").cloned().unwrap_or_default();
    path.split(':')
        .filter(|d| !d.is_empty())
        .any(|d| ok(&crate::vfs::join_path(d, name)))
}

/// The alternatives of the first brace group `{a,b}` / `{1..3}` / `{a..c}` in `s`:
/// (prefix, alternatives, suffix).
fn brace_split(s: &str) -> Option<(String, Vec<String>, String)> {
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '{' {
            continue;
        }
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut close = None;
        for (j, &d) in chars.iter().enumerate().skip(i) {
            match d {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                ',' if depth == 1 => commas.push(j),
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let pre: String = chars.iter().take(i).collect();
        let post: String = chars.iter().skip(close + 1).collect();
        let inner: String = chars.iter().take(close).skip(i + 1).collect();
        if !commas.is_empty() {
            let mut alts = Vec::new();
            let mut start = i + 1;
            for &k in commas.iter().chain(std::iter::once(&close)) {
                alts.push(chars.iter().take(k).skip(start).collect());
                start = k + 1;
            }
            return Some((pre, alts, post));
        }
        if let Some((a, b)) = inner.split_once("..") {
            if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>())
                && x.abs_diff(y) <= 10_000
            {
                let alts: Vec<String> = if x <= y {
                    (x..=y).map(|n| n.to_string()).collect()
                } else {
                    (y..=x).rev().map(|n| n.to_string()).collect()
                };
                return Some((pre, alts, post));
            }
            let (ca, cb) = (a.chars().collect::<Vec<_>>(), b.chars().collect::<Vec<_>>());
            if let ([x], [y]) = (ca.as_slice(), cb.as_slice())
                && x.is_ascii_alphabetic()
                && y.is_ascii_alphabetic()
            {
                let alts: Vec<String> = if x <= y {
                    (*x..=*y).map(String::from).collect()
                } else {
                    (*y..=*x).rev().map(String::from).collect()
                };
                return Some((pre, alts, post));
            }
        }
    }
    None
}

/// Brace expansion on the unquoted literal parts of a word.
fn brace_expand(w: &Word, depth: u32) -> Vec<Word> {
    if depth > 8 {
        return vec![w.clone()];
    }
    for (i, p) in w.iter().enumerate() {
        let Part::Lit(s) = p else { continue };
        let Some((pre, alts, post)) = brace_split(s) else {
            continue;
        };
        let mut out = Vec::new();
        for a in alts {
            let mut nw: Word = w.iter().take(i).cloned().collect();
            nw.push(Part::Lit(format!("{pre}{a}{post}")));
            nw.extend(w.iter().skip(i + 1).cloned());
            out.extend(brace_expand(&nw, depth + 1));
            if out.len() > 4096 {
                break;
            }
        }
        return out;
    }
    vec![w.clone()]
}

/// A command of the board's services (systemctl, docker, program.sh...), when the board runs
/// its services (a board built without them has none of their commands).
pub fn service_cmd(ctx: &Ctx, name: &str) -> Option<super::Builtin> {
    ctx.board.services_opt()?;
    Services::lookup(name)
}

fn is_op(w: Option<&Word>, op: &str) -> bool {
    matches!(w.map(|w| w.as_slice()), Some([Part::Lit(s)]) if s == op)
}
