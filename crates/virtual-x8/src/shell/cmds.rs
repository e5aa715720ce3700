//! The board's commands (coreutils and friends), as [`Builtin`]s.

use std::io::Read;

use super::fileutil::{
    complain, getopt, human, missing_operand, mode_string, no_such_file, opts_or_complain, q,
    strftime, type_name,
};
use super::{Builtin, Ctx, exec, sudo, text};
use crate::board::ShellIo;
use crate::vfs::{self, FsError, Stat, User, Vfs};

/// The command for `name` (bare, or under /bin, /usr/bin, /sbin, /usr/sbin).
pub fn lookup(name: &str) -> Option<Builtin> {
    let base = if name.contains('/') {
        [
            "/bin/",
            "/usr/bin/",
            "/sbin/",
            "/usr/sbin/",
            "/usr/local/bin/",
        ]
        .iter()
        .find_map(|p| name.strip_prefix(p))?
    } else {
        name
    };
    let f: Builtin = match base {
        "echo" => echo,
        "printf" => printf,
        "true" => |_, _, _| 0,
        "false" => |_, _, _| 1,
        "pwd" => pwd,
        "test" => test,
        "[" => bracket,
        "sh" | "bash" => sh,
        "sleep" => sleep,
        "cat" => cat,
        "ls" => ls,
        "mkdir" => mkdir,
        "rm" => rm,
        "rmdir" => rmdir,
        "cp" => cp,
        "mv" => mv,
        "ln" => ln,
        "chmod" => chmod,
        "chown" => chown,
        "touch" => touch,
        "stat" => stat,
        "sha256sum" => text::sha256sum,
        "ostree" => ostree,
        "passwd" => passwd,
        "find" => find,
        "xargs" => xargs,
        "head" => text::head,
        "tail" => text::tail,
        "wc" => text::wc,
        "grep" | "egrep" | "fgrep" => text::grep,
        "cut" => text::cut,
        "sort" => text::sort,
        "uniq" => text::uniq,
        "tr" => text::tr,
        "tee" => text::tee,
        "dd" => text::dd,
        "strings" => text::strings,
        "sed" => super::sed::sed,
        "basename" => basename,
        "dirname" => dirname,
        "readlink" => readlink,
        "realpath" => realpath,
        "which" => which,
        "whoami" => whoami,
        "id" => id,
        "hostname" => hostname,
        "uname" => uname,
        "date" => date,
        "df" => sudo::df,
        "du" => du,
        "free" => free,
        "sync" => |_, _, _| 0,
        "mount" => sudo::mount,
        "umount" => sudo::umount,
        "sudo" => sudo::sudo,
        "env" => env,
        "printenv" => printenv,
        "seq" => text::seq,
        "nproc" => |_, _, io| i32::from(writeln!(io.stdout, "4").is_err()),
        "timeout" => timeout,
        "nohup" => nohup,
        "clear" => |_, _, _| 0,
        "uptime" => uptime,
        "md5sum" | "sha1sum" => text::unsupported_sum,
        "cmp" => text::cmp,
        _ => return None,
    };
    Some(f)
}

/// The board commands the shell provides (each has a stub file in /usr/bin on the board).
pub const COMMANDS: &[&str] = &[
    "echo",
    "printf",
    "true",
    "false",
    "pwd",
    "test",
    "[",
    "sh",
    "bash",
    "sleep",
    "cat",
    "ls",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "ln",
    "chmod",
    "chown",
    "touch",
    "stat",
    "sha256sum",
    "find",
    "xargs",
    "head",
    "tail",
    "wc",
    "grep",
    "egrep",
    "fgrep",
    "cut",
    "sort",
    "uniq",
    "tr",
    "tee",
    "dd",
    "strings",
    "sed",
    "basename",
    "dirname",
    "readlink",
    "realpath",
    "which",
    "whoami",
    "id",
    "hostname",
    "uname",
    "date",
    "df",
    "du",
    "free",
    "sync",
    "mount",
    "umount",
    "sudo",
    "env",
    "printenv",
    "seq",
    "nproc",
    "timeout",
    "nohup",
    "clear",
    "uptime",
    "cmp",
];

/// Where a command lives, for `which` / `command -v`.
pub fn command_path(name: &str) -> String {
    match name {
        "sh" | "bash" => format!("/bin/{name}"),
        "mount" | "umount" => format!("/bin/{name}"),
        _ => format!("/usr/bin/{name}"),
    }
}

fn out(io: &mut ShellIo, s: &str) -> bool {
    io.stdout.write_all(s.as_bytes()).is_ok()
}

// ---------------------------------------------------------------- echo / printf

fn echo(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut newline = true;
    let mut esc = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() > 1
            && a.starts_with('-')
            && a.chars().skip(1).all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            for c in a.chars().skip(1) {
                match c {
                    'n' => newline = false,
                    'e' => esc = true,
                    _ => esc = false,
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let text = args.get(i..).unwrap_or(&[]).join(" ");
    let mut bytes = if esc {
        let (b, stop) = super::fileutil::escapes(&text, false);
        if stop {
            newline = false;
        }
        b
    } else {
        text.into_bytes()
    };
    if newline {
        bytes.push(b'\n');
    }
    if let Err(e) = io.stdout.write_all(&bytes) {
        let _ = writeln!(
            io.stderr,
            "bash: echo: write error: {}",
            FsError::from_io(&e)
        );
        return 1;
    }
    0
}

/// printf's numeric argument: numbers, 0x.., 'c (character code).
fn printf_num(a: &str, io: &mut ShellIo, bad: &mut bool) -> i64 {
    if a.is_empty() {
        return 0;
    }
    if let Some(c) = a.strip_prefix('\'').or_else(|| a.strip_prefix('"')) {
        return c.chars().next().map(|c| c as i64).unwrap_or(0);
    }
    match super::arith::parse_int(a) {
        Some(n) => n,
        None => {
            let _ = writeln!(io.stderr, "bash: printf: {a}: invalid number");
            *bad = true;
            0
        }
    }
}

fn pad(s: String, flags: &str, width: Option<usize>) -> String {
    let Some(w) = width else { return s };
    let w = w.min(65_536);
    let n = s.chars().count();
    if n >= w {
        return s;
    }
    let fill = w - n;
    if flags.contains('-') {
        format!("{s}{}", " ".repeat(fill))
    } else if flags.contains('0')
        && !s.is_empty()
        && s.trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_hexdigit())
    {
        let (sign, digits) = match s.strip_prefix('-') {
            Some(d) => ("-", d.to_string()),
            None => ("", s.clone()),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn printf(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some((fmt, rest)) = args.split_first() else {
        let _ = writeln!(
            io.stderr,
            "printf: usage: printf [-v var] format [arguments]"
        );
        return 2;
    };
    let fmt: Vec<char> = fmt.chars().collect();
    let mut ai = 0usize;
    let mut bad = false;
    let mut outb: Vec<u8> = Vec::new();
    loop {
        let mut consumed = false;
        let mut i = 0;
        while let Some(&c) = fmt.get(i) {
            i += 1;
            if c == '\\' {
                let mut s = String::from("\\");
                if let Some(&n) = fmt.get(i) {
                    s.push(n);
                    i += 1;
                    if n == 'x' || ('0'..='7').contains(&n) {
                        for _ in 0..3 {
                            match fmt.get(i) {
                                Some(&d) if d.is_ascii_hexdigit() => {
                                    s.push(d);
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                    }
                }
                let (b, stop) = super::fileutil::escapes(&s, true);
                outb.extend(b);
                if stop {
                    let _ = io.stdout.write_all(&outb);
                    return i32::from(bad);
                }
                continue;
            }
            if c != '%' {
                let mut buf = [0u8; 4];
                outb.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            let mut flags = String::new();
            while let Some(&f) = fmt.get(i) {
                if matches!(f, '-' | '0' | '+' | ' ' | '#') {
                    flags.push(f);
                    i += 1;
                } else {
                    break;
                }
            }
            let mut width = String::new();
            while let Some(&d) = fmt.get(i) {
                if d.is_ascii_digit() {
                    width.push(d);
                    i += 1;
                } else if d == '*' {
                    let a = rest.get(ai).cloned().unwrap_or_default();
                    ai += 1;
                    consumed = true;
                    width = printf_num(&a, io, &mut bad).to_string();
                    i += 1;
                } else {
                    break;
                }
            }
            let mut prec: Option<usize> = None;
            if fmt.get(i) == Some(&'.') {
                i += 1;
                let mut p = String::new();
                while let Some(&d) = fmt.get(i) {
                    if d.is_ascii_digit() {
                        p.push(d);
                        i += 1;
                    } else {
                        break;
                    }
                }
                prec = Some(p.parse().unwrap_or(0));
            }
            while matches!(
                fmt.get(i),
                Some('l') | Some('h') | Some('q') | Some('j') | Some('z')
            ) {
                i += 1;
            }
            let width: Option<usize> = width.parse().ok();
            let Some(&conv) = fmt.get(i) else {
                outb.push(b'%');
                break;
            };
            i += 1;
            if conv == '%' {
                outb.push(b'%');
                continue;
            }
            let arg = rest.get(ai).cloned();
            if arg.is_some() {
                consumed = true;
            }
            ai += 1;
            let arg = arg.unwrap_or_default();
            let s = match conv {
                's' => {
                    let mut s = arg;
                    if let Some(p) = prec {
                        s = s.chars().take(p).collect();
                    }
                    s
                }
                'b' => {
                    let (b, stop) = super::fileutil::escapes(&arg, false);
                    let s = String::from_utf8_lossy(&b).into_owned();
                    if stop {
                        outb.extend(pad(s, &flags, width).into_bytes());
                        let _ = io.stdout.write_all(&outb);
                        return i32::from(bad);
                    }
                    s
                }
                'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                'd' | 'i' => {
                    let n = printf_num(&arg, io, &mut bad);
                    let mut s = n.to_string();
                    if flags.contains('+') && n >= 0 {
                        s.insert(0, '+');
                    }
                    s
                }
                'u' => (printf_num(&arg, io, &mut bad) as u64).to_string(),
                'x' => format!("{:x}", printf_num(&arg, io, &mut bad)),
                'X' => format!("{:X}", printf_num(&arg, io, &mut bad)),
                'o' => format!("{:o}", printf_num(&arg, io, &mut bad)),
                'f' | 'g' | 'e' => {
                    let v: f64 = arg.trim().parse().unwrap_or(0.0);
                    format!("{:.*}", prec.unwrap_or(6), v)
                }
                other => {
                    let _ = writeln!(
                        io.stderr,
                        "bash: printf: `{other}': invalid format character"
                    );
                    let _ = io.stdout.write_all(&outb);
                    return 1;
                }
            };
            let s = if flags.contains('#') && conv == 'x' {
                format!("0x{s}")
            } else {
                s
            };
            outb.extend(pad(s, &flags, width).into_bytes());
        }
        if !consumed || ai >= rest.len() {
            break;
        }
    }
    if io.stdout.write_all(&outb).is_err() {
        return 1;
    }
    i32::from(bad)
}

fn pwd(ctx: &mut Ctx, _: &[String], io: &mut ShellIo) -> i32 {
    i32::from(!out(io, &format!("{}\n", ctx.cwd)))
}

// ---------------------------------------------------------------- test

fn bracket(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    match args.split_last() {
        Some((l, rest)) if l == "]" => test_eval(ctx, rest, io, "["),
        _ => {
            let _ = writeln!(io.stderr, "bash: [: missing `]'");
            2
        }
    }
}

fn test(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    test_eval(ctx, args, io, "test")
}

fn test_eval(ctx: &Ctx, args: &[String], io: &mut ShellIo, name: &str) -> i32 {
    let mut t = TestP {
        ctx,
        a: args,
        i: 0,
        err: None,
    };
    if args.is_empty() {
        return 1;
    }
    let v = t.or();
    if t.err.is_none() && t.i < args.len() {
        t.err = Some(format!(
            "{}: unexpected operator",
            args.get(t.i).cloned().unwrap_or_default()
        ));
        if args.len() > 3 {
            t.err = Some("too many arguments".into());
        }
    }
    match t.err {
        Some(e) => {
            let _ = writeln!(io.stderr, "bash: {name}: {e}");
            2
        }
        None => i32::from(!v),
    }
}

struct TestP<'a, 'c> {
    ctx: &'a Ctx<'c>,
    a: &'a [String],
    i: usize,
    err: Option<String>,
}

impl TestP<'_, '_> {
    fn peek(&self) -> Option<&str> {
        self.a.get(self.i).map(|s| s.as_str())
    }
    fn or(&mut self) -> bool {
        let mut v = self.and();
        while self.peek() == Some("-o") {
            self.i += 1;
            let r = self.and();
            v = v || r;
        }
        v
    }
    fn and(&mut self) -> bool {
        let mut v = self.not();
        while self.peek() == Some("-a") {
            self.i += 1;
            let r = self.not();
            v = v && r;
        }
        v
    }
    fn not(&mut self) -> bool {
        if self.peek() == Some("!") && self.a.len() > self.i + 1 {
            self.i += 1;
            return !self.not();
        }
        self.prim()
    }
    fn int(&mut self, s: &str) -> i64 {
        match s.trim().parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                if self.err.is_none() {
                    self.err = Some(format!("{s}: integer expression expected"));
                }
                0
            }
        }
    }
    fn prim(&mut self) -> bool {
        let Some(first) = self.peek().map(str::to_string) else {
            if self.err.is_none() {
                self.err = Some("argument expected".into());
            }
            return false;
        };
        if first == "(" {
            self.i += 1;
            let v = self.or();
            if self.peek() == Some(")") {
                self.i += 1;
            } else if self.err.is_none() {
                self.err = Some("`)' expected".into());
            }
            return v;
        }
        // binary?
        if let Some(op) = self.a.get(self.i + 1).map(|s| s.as_str()) {
            let binops = [
                "=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "<", ">",
            ];
            if binops.contains(&op) && self.a.get(self.i + 2).is_some() {
                let l = first.clone();
                let r = self.a.get(self.i + 2).cloned().unwrap_or_default();
                self.i += 3;
                return match op {
                    "=" | "==" => l == r,
                    "!=" => l != r,
                    "<" => l < r,
                    ">" => l > r,
                    "-nt" | "-ot" => {
                        let ml = self
                            .ctx
                            .board
                            .vfs()
                            .stat(&self.ctx.path(&l), true)
                            .map(|s| s.mtime);
                        let mr = self
                            .ctx
                            .board
                            .vfs()
                            .stat(&self.ctx.path(&r), true)
                            .map(|s| s.mtime);
                        match (ml, mr) {
                            (Ok(a), Ok(b)) => {
                                if op == "-nt" {
                                    a > b
                                } else {
                                    a < b
                                }
                            }
                            (Ok(_), Err(_)) => op == "-nt",
                            (Err(_), Ok(_)) => op == "-ot",
                            _ => false,
                        }
                    }
                    _ => {
                        let (x, y) = (self.int(&l), self.int(&r));
                        match op {
                            "-eq" => x == y,
                            "-ne" => x != y,
                            "-lt" => x < y,
                            "-le" => x <= y,
                            "-gt" => x > y,
                            _ => x >= y,
                        }
                    }
                };
            }
        }
        if first.len() == 2 && first.starts_with('-') && self.a.get(self.i + 1).is_some() {
            let arg = self.a.get(self.i + 1).cloned().unwrap_or_default();
            let op = first.chars().nth(1).unwrap_or(' ');
            if "efdsrwxLhzn bcpStOGgkut".contains(op) {
                self.i += 2;
                return self.unary(op, &arg);
            }
        }
        self.i += 1;
        !first.is_empty()
    }
    fn unary(&mut self, op: char, arg: &str) -> bool {
        let vfs = self.ctx.board.vfs();
        let user = self.ctx.user;
        let path = self.ctx.path(arg);
        if arg.is_empty() && !matches!(op, 'z' | 'n') {
            return false;
        }
        let dev = matches!(
            path.as_str(),
            "/dev/null"
                | "/dev/zero"
                | "/dev/urandom"
                | "/dev/random"
                | "/dev/stdin"
                | "/dev/stdout"
                | "/dev/stderr"
        );
        match op {
            'z' => arg.is_empty(),
            'n' => !arg.is_empty(),
            // Descriptors 0-2 are the PTY under the X8's `shell:CMD` (REB 1.2), a socket or
            // a pipe otherwise (redirections are not seen here).
            't' => matches!(arg, "0" | "1" | "2") && super::stdout_is_tty(),
            'L' | 'h' => vfs
                .stat(&path, false)
                .map(|s| s.is_symlink())
                .unwrap_or(false),
            'c' => dev,
            _ => {
                if dev {
                    return matches!(op, 'e' | 'r' | 'w');
                }
                let Ok(st) = vfs.stat(&path, true) else {
                    return false;
                };
                match op {
                    'e' => true,
                    'f' => st.is_file(),
                    'd' => st.is_dir(),
                    's' => st.size > 0,
                    'r' => Vfs::may_read(&st, user),
                    'x' => Vfs::may_exec(&st, user),
                    'w' => {
                        let real = vfs.real_path(&path, true).unwrap_or(path.clone());
                        let probe = if st.is_dir() {
                            vfs::join_path(&real, ".probe")
                        } else {
                            real
                        };
                        vfs.check_write(&probe, user).is_ok()
                            && (user == User::Root || st.uid == user.uid())
                    }
                    'O' => st.uid == user.uid(),
                    'G' => st.uid == user.uid(),
                    'k' => st.mode & 0o1000 != 0,
                    'u' => st.mode & 0o4000 != 0,
                    'g' => st.mode & 0o2000 != 0,
                    _ => false,
                }
            }
        }
    }
}

// ---------------------------------------------------------------- sh, sleep, env...

fn sh(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut i = 0;
    let mut cmd: Option<String> = None;
    let mut errexit = false;
    while let Some(a) = args.get(i) {
        if a == "-c" {
            cmd = args.get(i + 1).cloned();
            if cmd.is_none() {
                let _ = writeln!(io.stderr, "bash: -c: option requires an argument");
                return 2;
            }
            i += 2;
            break;
        }
        if a == "--" {
            i += 1;
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if a.contains('c') {
                cmd = args.get(i + 1).cloned();
                i += 2;
                if a.contains('e') {
                    errexit = true;
                }
                break;
            }
            if a.contains('e') {
                errexit = true;
            }
            i += 1;
            continue;
        }
        break;
    }
    let rest: Vec<String> = args.get(i..).unwrap_or(&[]).to_vec();
    let prefix = if errexit { "set -e\n" } else { "" };
    if let Some(c) = cmd {
        let (arg0, pos) = match rest.split_first() {
            Some((a0, p)) => (Some(a0.as_str()), p.to_vec()),
            None => (None, Vec::new()),
        };
        return exec::run_dash_c(ctx, "bash", &format!("{prefix}{c}"), arg0, pos, io);
    }
    match rest.split_first() {
        Some((file, pos)) => {
            let path = ctx.path(file);
            match ctx.board.vfs().read(&path, ctx.user) {
                Ok(d) => {
                    let text = format!("{prefix}{}", String::from_utf8_lossy(&d));
                    exec::run_child_script(ctx, file, &text, pos.to_vec(), io)
                }
                Err(e) => {
                    let _ = writeln!(io.stderr, "bash: {file}: {e}");
                    127
                }
            }
        }
        // bash(1), INVOCATION: without -c and without a script, on a terminal, bash is
        // interactive (prompt, line by line, `exit N` ends it with N): as `bash -l` run
        // by `shell:CMD` on the X8's PTY (REB 1.2).
        None if super::on_tty() => super::session(ctx.fork(), io),
        None => {
            let mut s = Vec::new();
            let _ = io.stdin.read_to_end(&mut s);
            let text = format!("{prefix}{}", String::from_utf8_lossy(&s));
            exec::run_dash_c(ctx, "bash", &text, None, Vec::new(), io)
        }
    }
}

fn parse_duration(s: &str) -> Option<f64> {
    let (num, mult) = match s.chars().last()? {
        's' => (s.get(..s.len() - 1)?, 1.0),
        'm' => (s.get(..s.len() - 1)?, 60.0),
        'h' => (s.get(..s.len() - 1)?, 3600.0),
        'd' => (s.get(..s.len() - 1)?, 86400.0),
        _ => (s, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Some(v * mult)
}

fn sleep(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    if args.is_empty() {
        missing_operand(io, "sleep", None);
        return 1;
    }
    let mut total = 0.0;
    for a in args {
        match parse_duration(a) {
            Some(v) => total += v,
            None => {
                complain(
                    io,
                    "sleep",
                    &format!(
                        "invalid time interval {}\nTry 'sleep --help' for more information.",
                        q(a)
                    ),
                );
                return 1;
            }
        }
    }
    let total = total.min(86_400.0 * 365.0);
    std::thread::sleep(std::time::Duration::from_secs_f64(total));
    0
}

fn env(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut c = ctx.fork();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "-i" || a == "-" {
            c.env.clear();
        } else if a == "-u" {
            if let Some(n) = args.get(i + 1) {
                c.env.remove(n);
            }
            i += 1;
        } else if let Some((k, v)) = a.split_once('=') {
            c.env.insert(k.to_string(), v.to_string());
        } else {
            break;
        }
        i += 1;
    }
    let rest = args.get(i..).unwrap_or(&[]);
    if rest.is_empty() {
        for (k, v) in &c.env {
            if !out(io, &format!("{k}={v}\n")) {
                return 1;
            }
        }
        return 0;
    }
    exec::run_argv(&c, rest, io)
}

fn printenv(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    if args.is_empty() {
        for (k, v) in &ctx.env {
            let _ = writeln!(io.stdout, "{k}={v}");
        }
        return 0;
    }
    let mut st = 0;
    for a in args {
        match ctx.env.get(a) {
            Some(v) => {
                let _ = writeln!(io.stdout, "{v}");
            }
            None => st = 1,
        }
    }
    st
}

fn timeout(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let rest: Vec<String> = args
        .iter()
        .skip_while(|a| a.starts_with('-'))
        .skip(1)
        .cloned()
        .collect();
    if rest.is_empty() {
        complain(io, "timeout", "missing operand");
        return 125;
    }
    exec::run_argv(ctx, &rest, io)
}

fn nohup(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    exec::run_argv(ctx, args, io)
}

// ---------------------------------------------------------------- cat, ls

fn cat(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "cat", io) else {
        return 1;
    };
    let files = o.operands_or("-");
    let number = o.has('n');
    let mut st = 0;
    let mut lineno = 0usize;
    for f in &files {
        let mut reader: Box<dyn Read> = if f == "-" {
            Box::new(std::io::empty())
        } else {
            match super::fileutil::open_input(ctx, f) {
                Ok(r) => r,
                Err(e) => {
                    complain(io, "cat", &format!("{f}: {e}"));
                    st = 1;
                    continue;
                }
            }
        };
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = if f == "-" {
                io.stdin.read(&mut buf)
            } else {
                reader.read(&mut buf)
            };
            let n = match n {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    complain(io, "cat", &format!("{f}: {}", FsError::from_io(&e)));
                    st = 1;
                    break;
                }
            };
            total += n as u64;
            let chunk = buf.get(..n).unwrap_or(&[]);
            let r = if number {
                let mut o = Vec::new();
                for line in chunk.split_inclusive(|&b| b == b'\n') {
                    lineno += 1;
                    o.extend(format!("{lineno:>6}\t").into_bytes());
                    o.extend_from_slice(line);
                }
                io.stdout.write_all(&o)
            } else {
                io.stdout.write_all(chunk)
            };
            if let Err(e) = r {
                complain(io, "cat", &format!("write error: {}", FsError::from_io(&e)));
                return 1;
            }
            // endless devices: stop after a sane amount
            if total > (1 << 30) {
                break;
            }
        }
    }
    st
}

fn ls_time(mtime: i64) -> String {
    let now = Vfs::now();
    if now - mtime > 182 * 86_400 || mtime > now + 3600 {
        strftime("%b %e  %Y", mtime)
    } else {
        strftime("%b %e %H:%M", mtime)
    }
}

struct LsOpts {
    long: bool,
    all: bool,
    almost: bool,
    dir: bool,
    human: bool,
    classify: bool,
    inode: bool,
}

/// A block of `ls` output, with the columns of `-l` aligned as GNU ls aligns them.
fn ls_block(ctx: &Ctx, items: &[(String, String, Stat)], o: &LsOpts) -> String {
    let size_of = |st: &Stat| {
        if o.human {
            human(st.size)
        } else {
            st.size.to_string()
        }
    };
    let w_ino = items
        .iter()
        .map(|i| i.2.ino.to_string().len())
        .max()
        .unwrap_or(1);
    let w_link = items
        .iter()
        .map(|i| i.2.nlink.to_string().len())
        .max()
        .unwrap_or(1);
    let w_owner = items
        .iter()
        .map(|i| vfs::user_name(i.2.uid).len())
        .max()
        .unwrap_or(1);
    let w_size = items.iter().map(|i| size_of(&i.2).len()).max().unwrap_or(1);
    let mut s = String::new();
    for (name, path, st) in items {
        if o.inode {
            s.push_str(&format!("{:>w_ino$} ", st.ino));
        }
        if o.long {
            let owner = vfs::user_name(st.uid);
            s.push_str(&format!(
                "{} {:>w_link$} {owner:<w_owner$} {owner:<w_owner$} {:>w_size$} {} {name}",
                mode_string(st.mode),
                st.nlink,
                size_of(st),
                ls_time(st.mtime),
            ));
            if st.is_symlink()
                && let Ok(t) = ctx.board.vfs().readlink(path)
            {
                s.push_str(" -> ");
                s.push_str(&t);
            }
        } else {
            s.push_str(name);
        }
        if o.classify {
            if st.is_dir() {
                s.push('/');
            } else if st.is_symlink() {
                s.push('@');
            } else if st.mode & 0o111 != 0 {
                s.push('*');
            }
        }
        s.push('\n');
    }
    s
}

fn ls(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "ls", io) else {
        return 2;
    };
    for f in &o.flags {
        if !"laAd1hFRitSrc".contains(*f) {
            complain(
                io,
                "ls",
                &format!("invalid option -- '{f}'\nTry 'ls --help' for more information."),
            );
            return 2;
        }
    }
    let lo = LsOpts {
        long: o.has('l'),
        all: o.has('a'),
        almost: o.has('A'),
        dir: o.has('d'),
        human: o.has('h'),
        classify: o.has('F'),
        inode: o.has('i'),
    };
    let reverse = o.has('r');
    let by_time = o.has('t');
    let ops = o.operands_or(".");
    let vfs = ctx.board.vfs();
    let mut st_code = 0;
    let mut files: Vec<(String, String, Stat)> = Vec::new();
    let mut dirs: Vec<(String, String)> = Vec::new();
    for a in &ops {
        let path = ctx.path(a);
        match vfs.stat(&path, false) {
            Ok(st) => {
                let follow = vfs.stat(&path, true).ok();
                let is_dir = follow.as_ref().is_some_and(|f| f.is_dir())
                    && (!st.is_symlink() || !lo.long || a.ends_with('/'));
                if is_dir && !lo.dir {
                    dirs.push((a.clone(), path));
                } else {
                    files.push((a.clone(), path, st));
                }
            }
            Err(e) => {
                complain(io, "ls", &format!("cannot access {}: {e}", q(a)));
                st_code = 2;
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    dirs.sort();
    let mut text = String::new();
    text.push_str(&ls_block(ctx, &files, &lo));
    let multi = files.len() + dirs.len() > 1;
    let nd = dirs.len();
    for (k, (name, path)) in dirs.iter().enumerate() {
        if multi {
            if !text.is_empty() || k > 0 {
                text.push('\n');
            }
            text.push_str(&format!("{name}:\n"));
        }
        let entries = match vfs.list(path, ctx.user) {
            Ok(e) => e,
            Err(e) => {
                if !out(io, &text) {
                    return 2;
                }
                text.clear();
                complain(io, "ls", &format!("cannot open directory {}: {e}", q(name)));
                st_code = 2;
                continue;
            }
        };
        let mut items: Vec<(String, Stat)> = Vec::new();
        for (n, _) in entries {
            if n.starts_with('.') && !lo.all && !(lo.almost && n != "." && n != "..") {
                continue;
            }
            let p = vfs::join_path(path, &n);
            let st = if n == "." || n == ".." {
                vfs.stat(&p, true)
            } else {
                vfs.stat(&p, false)
            };
            if let Ok(st) = st {
                items.push((n, st));
            }
        }
        if by_time {
            items.sort_by(|a, b| b.1.mtime.cmp(&a.1.mtime).then(a.0.cmp(&b.0)));
        } else {
            items.sort_by(|a, b| a.0.cmp(&b.0));
        }
        if reverse {
            items.reverse();
        }
        if lo.long {
            let blocks: u64 = items
                .iter()
                .filter(|(_, s)| !s.is_symlink())
                .map(|(_, s)| s.size.div_ceil(4096) * 4)
                .sum();
            text.push_str(&format!("total {blocks}\n"));
        }
        let rows: Vec<(String, String, Stat)> = items
            .into_iter()
            .map(|(n, st)| {
                let p = vfs::join_path(path, &n);
                (n, p, st)
            })
            .collect();
        text.push_str(&ls_block(ctx, &rows, &lo));
        let _ = nd;
    }
    if !out(io, &text) {
        return 2;
    }
    st_code
}

// ---------------------------------------------------------------- mkdir, rm, cp, mv, ln

fn parse_mode_octal(s: &str) -> Option<u32> {
    if s.is_empty() || !s.chars().all(|c| ('0'..='7').contains(&c)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

/// Apply a chmod mode (octal or symbolic like `u+x,go-w`) to `cur`.
pub fn apply_mode(spec: &str, cur: u32, is_dir: bool) -> Option<u32> {
    if let Some(m) = parse_mode_octal(spec) {
        return Some(m);
    }
    let mut mode = cur & 0o7777;
    for clause in spec.split(',') {
        let chars: Vec<char> = clause.chars().collect();
        let mut i = 0;
        let mut who = 0u32;
        while let Some(&c) = chars.get(i) {
            match c {
                'u' => who |= 0o4700,
                'g' => who |= 0o2070,
                'o' => who |= 0o1007,
                'a' => who |= 0o7777,
                _ => break,
            }
            i += 1;
        }
        let implicit = who == 0;
        if implicit {
            who = 0o7777;
        }
        if i >= chars.len() {
            return None;
        }
        while let Some(&op) = chars.get(i) {
            if !matches!(op, '+' | '-' | '=') {
                return None;
            }
            i += 1;
            let mut bits = 0u32;
            while let Some(&p) = chars.get(i) {
                match p {
                    'r' => bits |= 0o444,
                    'w' => bits |= 0o222,
                    'x' => bits |= 0o111,
                    'X' => {
                        if is_dir || cur & 0o111 != 0 {
                            bits |= 0o111
                        }
                    }
                    's' => bits |= 0o6000,
                    't' => bits |= 0o1000,
                    _ => break,
                }
                i += 1;
            }
            let mut b = bits & who;
            if implicit && op != '-' {
                // umask 022 applies to implicit "all"
                b &= !0o022;
            }
            match op {
                '+' => mode |= b,
                '-' => mode &= !(bits & who),
                _ => {
                    mode &= !(who & 0o777);
                    mode |= b;
                }
            }
        }
    }
    Some(mode)
}

fn mkdir(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "m", false, "mkdir", io) else {
        return 1;
    };
    if o.operands.is_empty() {
        missing_operand(io, "mkdir", None);
        return 1;
    }
    let mode = match o.val('m') {
        Some(m) => match apply_mode(m, 0o777, true) {
            Some(m) => m,
            None => {
                complain(io, "mkdir", &format!("invalid mode {}", q(m)));
                return 1;
            }
        },
        // The shell's umask applies (000 under the X8's adbd: 0777 directories, REB 1.5).
        None => 0o777 & !super::umask(),
    };
    let parents = o.has('p') || o.long("parents");
    let verbose = o.has('v');
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for a in &o.operands {
        let path = ctx.path(a);
        let r = if parents {
            vfs.mkdir_all(&path, (0o777 & !super::umask()) | 0o300, ctx.user)
                .and_then(|_| {
                    if o.val('m').is_some() {
                        vfs.chmod(&path, mode, ctx.user)
                    } else {
                        Ok(())
                    }
                })
        } else {
            vfs.mkdir(&path, mode, ctx.user)
        };
        match r {
            Ok(()) => {
                if verbose {
                    let _ = writeln!(io.stdout, "mkdir: created directory {}", q(a));
                }
            }
            Err(e) => {
                complain(
                    io,
                    "mkdir",
                    &format!("cannot create directory {}: {e}", q(a)),
                );
                st = 1;
            }
        }
    }
    st
}

fn remove_tree(ctx: &Ctx, path: &str, shown: &str, force: bool, io: &mut ShellIo) -> bool {
    let vfs = ctx.board.vfs();
    let Ok(st) = vfs.stat(path, false) else {
        return force;
    };
    if st.is_dir() {
        let names = match vfs.read_dir(path, ctx.user) {
            Ok(n) => n,
            Err(e) => {
                complain(io, "rm", &format!("cannot remove {}: {e}", q(shown)));
                return false;
            }
        };
        let mut ok = true;
        for n in names {
            let p = vfs::join_path(path, &n);
            let s = format!("{}/{n}", shown.trim_end_matches('/'));
            ok &= remove_tree(ctx, &p, &s, force, io);
        }
        if !ok {
            return false;
        }
        match vfs.remove_dir(path, ctx.user) {
            Ok(()) => true,
            Err(e) => {
                complain(io, "rm", &format!("cannot remove {}: {e}", q(shown)));
                false
            }
        }
    } else {
        match vfs.remove_file(path, ctx.user) {
            Ok(()) => true,
            Err(e) => {
                complain(io, "rm", &format!("cannot remove {}: {e}", q(shown)));
                false
            }
        }
    }
}

fn rm(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "rm", io) else {
        return 1;
    };
    let force = o.has('f') || o.long("force");
    let rec = o.has('r') || o.has('R') || o.long("recursive");
    if o.operands.is_empty() {
        if force {
            return 0;
        }
        missing_operand(io, "rm", None);
        return 1;
    }
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for a in &o.operands {
        let path = ctx.path(a);
        if path == "/" && rec {
            complain(
                io,
                "rm",
                "it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe",
            );
            st = 1;
            continue;
        }
        match vfs.stat(&path, false) {
            Err(e) => {
                if !force {
                    complain(io, "rm", &format!("cannot remove {}: {e}", q(a)));
                    st = 1;
                }
            }
            Ok(s) if s.is_dir() => {
                if !rec {
                    complain(io, "rm", &format!("cannot remove {}: Is a directory", q(a)));
                    st = 1;
                } else if !remove_tree(ctx, &path, a, force, io) {
                    st = 1;
                }
            }
            Ok(_) => {
                if let Err(e) = vfs.remove_file(&path, ctx.user) {
                    complain(io, "rm", &format!("cannot remove {}: {e}", q(a)));
                    st = 1;
                }
            }
        }
    }
    st
}

fn rmdir(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "rmdir", io) else {
        return 1;
    };
    if o.operands.is_empty() {
        missing_operand(io, "rmdir", None);
        return 1;
    }
    let mut st = 0;
    for a in &o.operands {
        if let Err(e) = ctx.board.vfs().remove_dir(&ctx.path(a), ctx.user) {
            complain(io, "rmdir", &format!("failed to remove {}: {e}", q(a)));
            st = 1;
        }
    }
    st
}

/// Copy one file's data (and optionally mode and mtime).
fn copy_file(ctx: &Ctx, from: &str, to: &str, preserve: bool) -> Result<(), (bool, FsError)> {
    let vfs = ctx.board.vfs();
    let sst = vfs.stat(from, true).map_err(|e| (true, e))?;
    let mut r = vfs.open_read(from, ctx.user).map_err(|e| (true, e))?;
    let existed = vfs.exists(to);
    let mut w = vfs
        .open_write(to, false, ctx.user)
        .map_err(|e| (false, e))?;
    std::io::copy(&mut r, &mut w).map_err(|e| (false, FsError::from_io(&e)))?;
    w.close().map_err(|e| (false, e))?;
    if preserve {
        let _ = vfs.chmod(to, sst.perm(), ctx.user);
        let _ = vfs.set_mtime(to, sst.mtime, ctx.user);
    } else if !existed {
        let _ = vfs.chmod(to, sst.perm() & 0o755, ctx.user);
    }
    Ok(())
}

fn copy_tree(
    ctx: &Ctx,
    from: &str,
    to: &str,
    shown_from: &str,
    shown_to: &str,
    o: &CpOpts,
    io: &mut ShellIo,
) -> bool {
    let vfs = ctx.board.vfs();
    let lst = match vfs.stat(from, !o.no_deref) {
        Ok(s) => s,
        Err(e) => {
            complain(io, "cp", &format!("cannot stat {}: {e}", q(shown_from)));
            return false;
        }
    };
    if lst.is_symlink() {
        let t = match vfs.readlink(from) {
            Ok(t) => t,
            Err(e) => {
                complain(
                    io,
                    "cp",
                    &format!("cannot read symbolic link {}: {e}", q(shown_from)),
                );
                return false;
            }
        };
        let _ = vfs.remove_file(to, ctx.user);
        if let Err(e) = vfs.symlink(&t, to, ctx.user) {
            complain(
                io,
                "cp",
                &format!("cannot create symbolic link {}: {e}", q(shown_to)),
            );
            return false;
        }
        return true;
    }
    if lst.is_dir() {
        if !o.recursive {
            complain(
                io,
                "cp",
                &format!("-r not specified; omitting directory {}", q(shown_from)),
            );
            return false;
        }
        if vfs::is_under(to, from) {
            complain(
                io,
                "cp",
                &format!(
                    "cannot copy a directory, {}, into itself, {}",
                    q(shown_from),
                    q(shown_to)
                ),
            );
            return false;
        }
        if !vfs.is_dir(to)
            && let Err(e) = vfs.mkdir(to, 0o755, ctx.user)
        {
            complain(
                io,
                "cp",
                &format!("cannot create directory {}: {e}", q(shown_to)),
            );
            return false;
        }
        let names = match vfs.read_dir(from, ctx.user) {
            Ok(n) => n,
            Err(e) => {
                complain(
                    io,
                    "cp",
                    &format!("cannot open directory {}: {e}", q(shown_from)),
                );
                return false;
            }
        };
        let mut ok = true;
        for n in names {
            ok &= copy_tree(
                ctx,
                &vfs::join_path(from, &n),
                &vfs::join_path(to, &n),
                &format!("{}/{n}", shown_from.trim_end_matches('/')),
                &format!("{}/{n}", shown_to.trim_end_matches('/')),
                o,
                io,
            );
        }
        if o.preserve {
            let _ = vfs.chmod(to, lst.perm(), ctx.user);
            let _ = vfs.set_mtime(to, lst.mtime, ctx.user);
        }
        return ok;
    }
    match copy_file(ctx, from, to, o.preserve) {
        Ok(()) => {
            if o.verbose {
                let _ = writeln!(io.stdout, "{} -> {}", q(shown_from), q(shown_to));
            }
            true
        }
        Err((reading, e)) => {
            let what = if reading {
                format!("cannot open {} for reading", q(shown_from))
            } else {
                format!("cannot create regular file {}", q(shown_to))
            };
            complain(io, "cp", &format!("{what}: {e}"));
            false
        }
    }
}

struct CpOpts {
    recursive: bool,
    preserve: bool,
    no_deref: bool,
    verbose: bool,
}

/// The operands of cp and mv: sources, the destination as typed and as a board path, and
/// whether it is a folder; `None` after saying what is wrong.
fn copy_operands<'a>(
    ctx: &Ctx,
    io: &mut ShellIo,
    cmd: &str,
    operands: &'a [String],
) -> Option<(&'a [String], &'a String, String, bool)> {
    let Some((dest, srcs)) = operands.split_last() else {
        complain(
            io,
            cmd,
            &format!("missing file operand\nTry '{cmd} --help' for more information."),
        );
        return None;
    };
    if srcs.is_empty() {
        complain(
            io,
            cmd,
            &format!(
                "missing destination file operand after {}\nTry '{cmd} --help' for more information.",
                q(dest)
            ),
        );
        return None;
    }
    let dpath = ctx.path(dest);
    let dest_is_dir = ctx.board.vfs().is_dir(&dpath);
    if srcs.len() > 1 && !dest_is_dir {
        complain(io, cmd, &format!("target {} is not a directory", q(dest)));
        return None;
    }
    Some((srcs, dest, dpath, dest_is_dir))
}

fn cp(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "cp", io) else {
        return 1;
    };
    let co = CpOpts {
        recursive: o.has('r')
            || o.has('R')
            || o.has('a')
            || o.long("recursive")
            || o.long("archive"),
        preserve: o.has('p') || o.has('a') || o.long("archive") || o.long("preserve"),
        no_deref: o.has('a') || o.has('P') || o.has('d'),
        verbose: o.has('v'),
    };
    let Some((srcs, dest, dpath, dest_is_dir)) = copy_operands(ctx, io, "cp", &o.operands) else {
        return 1;
    };
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for s in srcs {
        let spath = ctx.path(s);
        if vfs.stat(&spath, !co.no_deref).is_err() {
            no_such_file(io, "cp", "cannot stat", s);
            st = 1;
            continue;
        }
        let (to, shown_to) = if dest_is_dir {
            let base = spath.rsplit('/').next().unwrap_or("").to_string();
            (
                vfs::join_path(&dpath, &base),
                format!("{}/{base}", dest.trim_end_matches('/')),
            )
        } else {
            (dpath.clone(), dest.clone())
        };
        if to == spath {
            complain(
                io,
                "cp",
                &format!("{} and {} are the same file", q(s), q(&shown_to)),
            );
            st = 1;
            continue;
        }
        if !copy_tree(ctx, &spath, &to, s, &shown_to, &co, io) {
            st = 1;
        }
    }
    st
}

fn mv(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "mv", io) else {
        return 1;
    };
    let Some((srcs, dest, dpath, dest_is_dir)) = copy_operands(ctx, io, "mv", &o.operands) else {
        return 1;
    };
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for s in srcs {
        let spath = ctx.path(s);
        if vfs.stat(&spath, false).is_err() {
            no_such_file(io, "mv", "cannot stat", s);
            st = 1;
            continue;
        }
        let to = if dest_is_dir {
            vfs::join_path(&dpath, spath.rsplit('/').next().unwrap_or(""))
        } else {
            dpath.clone()
        };
        if let Err(e) = vfs.rename(&spath, &to, ctx.user) {
            complain(
                io,
                "mv",
                &format!("cannot move {} to {}: {e}", q(s), q(dest)),
            );
            st = 1;
        }
    }
    st
}

fn ln(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "ln", io) else {
        return 1;
    };
    let force = o.has('f');
    let symbolic = o.has('s');
    let vfs = ctx.board.vfs();
    let (target, link) = match o.operands.as_slice() {
        [t] => (t.clone(), t.rsplit('/').next().unwrap_or(t).to_string()),
        [t, l] => (t.clone(), l.clone()),
        [] => {
            complain(
                io,
                "ln",
                "missing file operand\nTry 'ln --help' for more information.",
            );
            return 1;
        }
        _ => {
            complain(
                io,
                "ln",
                "extra operand (only one link at a time is supported)",
            );
            return 1;
        }
    };
    let mut lpath = ctx.path(&link);
    if vfs.is_dir(&lpath) && !o.has('n') && !o.has('T') {
        lpath = vfs::join_path(
            &lpath,
            target
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(&target),
        );
    }
    if force
        && vfs.stat(&lpath, false).is_ok()
        && let Err(e) = vfs.remove_file(&lpath, ctx.user)
    {
        complain(io, "ln", &format!("cannot remove {}: {e}", q(&link)));
        return 1;
    }
    if symbolic {
        if let Err(e) = vfs.symlink(&target, &lpath, ctx.user) {
            complain(
                io,
                "ln",
                &format!("failed to create symbolic link {}: {e}", q(&link)),
            );
            return 1;
        }
        return 0;
    }
    // Hard link: the sandbox copies the data.
    let tpath = ctx.path(&target);
    if vfs.stat(&lpath, false).is_ok() {
        complain(
            io,
            "ln",
            &format!("failed to create hard link {}: File exists", q(&link)),
        );
        return 1;
    }
    match copy_file(ctx, &tpath, &lpath, true) {
        Ok(()) => 0,
        Err((_, e)) => {
            complain(
                io,
                "ln",
                &format!(
                    "failed to create hard link {} => {}: {e}",
                    q(&link),
                    q(&target)
                ),
            );
            1
        }
    }
}

fn walk(ctx: &Ctx, path: &str, f: &mut dyn FnMut(&str)) {
    f(path);
    let vfs = ctx.board.vfs();
    if vfs.stat(path, false).map(|s| s.is_dir()).unwrap_or(false)
        && let Ok(names) = vfs.read_dir(path, ctx.user)
    {
        for n in names {
            walk(ctx, &vfs::join_path(path, &n), f);
        }
    }
}

fn chmod(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    // Modes like -x look like options: take the first non-R/v/f argument as the mode.
    let mut rec = false;
    let mut rest = Vec::new();
    for a in args {
        if a == "-R" || a == "--recursive" {
            rec = true;
        } else if a == "-v" || a == "-f" || a == "-c" {
        } else {
            rest.push(a.clone());
        }
    }
    let Some((mode, files)) = rest.split_first() else {
        missing_operand(io, "chmod", None);
        return 1;
    };
    if files.is_empty() {
        missing_operand(io, "chmod", Some(mode));
        return 1;
    }
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for f in files {
        let path = ctx.path(f);
        let mut targets = Vec::new();
        if rec {
            walk(ctx, &path, &mut |p| targets.push(p.to_string()));
        } else {
            targets.push(path.clone());
        }
        for p in targets {
            let shown = if p == path {
                f.clone()
            } else {
                format!(
                    "{}{}",
                    f.trim_end_matches('/'),
                    p.get(path.len()..).unwrap_or("")
                )
            };
            let cur = match vfs.stat(&p, true) {
                Ok(s) => s,
                Err(e) => {
                    complain(io, "chmod", &format!("cannot access {}: {e}", q(&shown)));
                    st = 1;
                    continue;
                }
            };
            let Some(m) = apply_mode(mode, cur.perm(), cur.is_dir()) else {
                complain(
                    io,
                    "chmod",
                    &format!(
                        "invalid mode: {}\nTry 'chmod --help' for more information.",
                        q(mode)
                    ),
                );
                return 1;
            };
            if let Err(e) = vfs.chmod(&p, m, ctx.user) {
                let msg = if e == FsError::PermissionDenied {
                    "Operation not permitted".to_string()
                } else {
                    e.to_string()
                };
                complain(
                    io,
                    "chmod",
                    &format!("changing permissions of {}: {msg}", q(&shown)),
                );
                st = 1;
            }
        }
    }
    st
}

fn parse_uid(s: &str) -> Option<u32> {
    match s {
        "root" => Some(0),
        "fio" => Some(vfs::FIO_UID),
        n => n.parse().ok(),
    }
}

fn chown(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "chown", io) else {
        return 1;
    };
    let Some((spec, files)) = o.operands.split_first() else {
        missing_operand(io, "chown", None);
        return 1;
    };
    if files.is_empty() {
        missing_operand(io, "chown", Some(spec));
        return 1;
    }
    let user_part = spec.split([':', '.']).next().unwrap_or("");
    let uid = if user_part.is_empty() {
        None
    } else {
        match parse_uid(user_part) {
            Some(u) => Some(u),
            None => {
                complain(io, "chown", &format!("invalid user: {}", q(spec)));
                return 1;
            }
        }
    };
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for f in files {
        let path = ctx.path(f);
        let mut targets = Vec::new();
        if o.has('R') {
            walk(ctx, &path, &mut |p| targets.push(p.to_string()));
        } else {
            targets.push(path.clone());
        }
        for p in targets {
            let r = match uid {
                Some(u) => vfs.chown(&p, u, ctx.user),
                None => vfs.stat(&p, true).map(|_| ()),
            };
            match r {
                Ok(()) => {}
                Err(FsError::NotFound) => {
                    no_such_file(io, "chown", "cannot access", f);
                    st = 1;
                }
                Err(e) => {
                    let msg = if e == FsError::PermissionDenied {
                        "Operation not permitted".to_string()
                    } else {
                        e.to_string()
                    };
                    complain(
                        io,
                        "chown",
                        &format!("changing ownership of {}: {msg}", q(f)),
                    );
                    st = 1;
                }
            }
        }
    }
    st
}

/// Parse `touch -d`: `@EPOCH`, `YYYY-MM-DD[ HH:MM[:SS]]`, `now`.
fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(n) = s.strip_prefix('@') {
        return n.trim().parse::<f64>().ok().map(|v| v as i64);
    }
    if s == "now" {
        return Some(Vfs::now());
    }
    let (d, t) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim_end_matches('Z')),
        None => (s, "00:00:00"),
    };
    let mut dp = d.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    if !(0..=9999).contains(&y) {
        return None;
    }
    let m: u32 = dp.next()?.parse().ok()?;
    let dd: u32 = dp.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    let mut tp = t.split(':');
    let h: i64 = tp.next().unwrap_or("0").parse().ok()?;
    let mi: i64 = tp.next().unwrap_or("0").parse().ok()?;
    let se: f64 = tp.next().unwrap_or("0").parse().ok()?;
    if !(0..=24).contains(&h) || !(0..=59).contains(&mi) || !(0.0..=61.0).contains(&se) {
        return None;
    }
    Some(super::fileutil::days_from_civil(y, m, dd)? * 86_400 + h * 3600 + mi * 60 + se as i64)
}

fn touch(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "dtr", false, "touch", io) else {
        return 1;
    };
    let vfs = ctx.board.vfs();
    let when = if let Some(d) = o.val('d').or(o.long_val("date")) {
        match parse_date(d) {
            Some(t) => t,
            None => {
                complain(io, "touch", &format!("invalid date format {}", q(d)));
                return 1;
            }
        }
    } else if let Some(r) = o.val('r') {
        match vfs.stat(&ctx.path(r), true) {
            Ok(s) => s.mtime,
            Err(e) => {
                complain(
                    io,
                    "touch",
                    &format!("failed to get attributes of {}: {e}", q(r)),
                );
                return 1;
            }
        }
    } else {
        Vfs::now()
    };
    if o.operands.is_empty() {
        complain(
            io,
            "touch",
            "missing file operand\nTry 'touch --help' for more information.",
        );
        return 1;
    }
    let mut st = 0;
    for f in &o.operands {
        let path = ctx.path(f);
        if !vfs.exists(&path) {
            if o.has('c') {
                continue;
            }
            if let Err(e) = vfs
                .open_write(&path, true, ctx.user)
                .and_then(|w| w.close())
            {
                complain(io, "touch", &format!("cannot touch {}: {e}", q(f)));
                st = 1;
                continue;
            }
        }
        if let Err(e) = vfs.set_mtime(&path, when, ctx.user) {
            complain(io, "touch", &format!("setting times of {}: {e}", q(f)));
            st = 1;
        }
    }
    st
}

fn stat_time(t: i64) -> String {
    format!("{}.000000000 +0000", strftime("%F %T", t))
}

fn stat_format(ctx: &Ctx, fmt: &str, shown: &str, path: &str, st: &Stat, escapes: bool) -> String {
    let mut s = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c == '\\' && escapes {
            match chars.get(i) {
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some('\\') => s.push('\\'),
                Some(&o) => {
                    s.push('\\');
                    s.push(o);
                }
                None => s.push('\\'),
            }
            i += 1;
            continue;
        }
        if c != '%' {
            s.push(c);
            continue;
        }
        let Some(&k) = chars.get(i) else {
            s.push('%');
            break;
        };
        i += 1;
        let owner = vfs::user_name(st.uid);
        match k {
            'a' => s.push_str(&format!("{:o}", st.perm())),
            'A' => s.push_str(&mode_string(st.mode)),
            'f' => s.push_str(&format!("{:x}", st.mode)),
            's' => s.push_str(&st.size.to_string()),
            'b' => s.push_str(&(st.size.div_ceil(512)).to_string()),
            'B' => s.push_str("512"),
            'o' => s.push_str("4096"),
            'Y' | 'X' | 'Z' => s.push_str(&st.mtime.to_string()),
            'y' | 'x' | 'z' => s.push_str(&stat_time(st.mtime)),
            'W' => s.push('0'),
            'w' => s.push('-'),
            'n' => s.push_str(shown),
            'N' => {
                s.push_str(&format!("'{shown}'"));
                if st.is_symlink()
                    && let Ok(t) = ctx.board.vfs().readlink(path)
                {
                    s.push_str(&format!(" -> '{t}'"));
                }
            }
            'F' => s.push_str(type_name(st)),
            'U' | 'G' => s.push_str(&owner),
            'u' | 'g' => s.push_str(&st.uid.to_string()),
            'i' => s.push_str(&st.ino.to_string()),
            'h' => s.push_str(&st.nlink.to_string()),
            'd' => s.push_str("45826"),
            'D' => s.push_str("b302"),
            'm' => s.push('/'),
            't' | 'T' => s.push('0'),
            '%' => s.push('%'),
            o => {
                s.push('?');
                let _ = o;
            }
        }
    }
    s
}

fn stat(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "c", false, "stat", io) else {
        return 1;
    };
    let fmt_nl = o
        .val('c')
        .or(o.long_val("format"))
        .map(|f| (f.to_string(), true));
    let fmt = fmt_nl.or(o.long_val("printf").map(|f| (f.to_string(), false)));
    let follow = o.has('L') || o.long("dereference");
    if o.operands.is_empty() {
        missing_operand(io, "stat", None);
        return 1;
    }
    let vfs = ctx.board.vfs();
    let mut st_code = 0;
    for f in &o.operands {
        let path = ctx.path(f);
        let st = match vfs.stat(&path, follow) {
            Ok(s) => s,
            Err(e) => {
                complain(io, "stat", &format!("cannot statx {}: {e}", q(f)));
                st_code = 1;
                continue;
            }
        };
        let text = match &fmt {
            Some((f0, nl)) => {
                let mut t = stat_format(ctx, f0, f, &path, &st, !*nl);
                if *nl {
                    t.push('\n');
                }
                t
            }
            None => {
                let name = if st.is_symlink() {
                    format!("{f} -> {}", vfs.readlink(&path).unwrap_or_default())
                } else {
                    f.clone()
                };
                let owner = vfs::user_name(st.uid);
                let blocks = st.size.div_ceil(4096) * 8;
                format!(
                    "  File: {name}\n  Size: {:<10}\tBlocks: {:<10} IO Block: 4096   {}\nDevice: b302h/45826d\tInode: {:<11} Links: {}\nAccess: ({:04o}/{})  Uid: ({:>5}/{:>8})   Gid: ({:>5}/{:>8})\nAccess: {}\nModify: {}\nChange: {}\n Birth: -\n",
                    st.size,
                    blocks,
                    type_name(&st),
                    st.ino,
                    st.nlink,
                    st.perm(),
                    mode_string(st.mode),
                    st.uid,
                    owner,
                    st.uid,
                    owner,
                    stat_time(st.mtime),
                    stat_time(st.mtime),
                    stat_time(st.mtime)
                )
            }
        };
        if !out(io, &text) {
            return 1;
        }
    }
    st_code
}

// ---------------------------------------------------------------- find, xargs

#[derive(Debug)]
enum Pred {
    Type(char),
    Name(String, bool),
    Path(String),
    Print,
    Print0,
    Exec(Vec<String>, bool),
    Not(Box<Pred>),
    Empty,
    Newer(i64),
    Size(i64, char, i8),
    Delete,
    True,
}

struct FindState {
    batch: Vec<(usize, Vec<String>)>,
    status: i32,
    printed: bool,
}

fn find(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut paths = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.starts_with('-') && a.len() > 1 || a == "!" || a == "(" {
            break;
        }
        paths.push(a.clone());
        i += 1;
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    let mut preds: Vec<Pred> = Vec::new();
    let mut maxdepth = usize::MAX;
    let mut mindepth = 0usize;
    let mut negate = false;
    let mut has_action = false;
    let vfs = ctx.board.vfs();
    while let Some(a) = args.get(i) {
        i += 1;
        let mut arg = |name: &str, io: &mut ShellIo| -> Option<String> {
            let v = args.get(i).cloned();
            if v.is_none() {
                complain(io, "find", &format!("missing argument to `{name}'"));
            }
            i += 1;
            v
        };
        let p = match a.as_str() {
            "!" | "-not" => {
                negate = !negate;
                continue;
            }
            "-a" | "-and" => continue,
            "-o" | "-or" | "(" | ")" => {
                complain(
                    io,
                    "find",
                    &format!("operator {} is not supported by this board's find", q(a)),
                );
                return 1;
            }
            "-type" => {
                let Some(t) = arg("-type", io) else { return 1 };
                let c = t.chars().next().unwrap_or('?');
                if t.len() != 1 || !"fdlbcps".contains(c) {
                    complain(io, "find", &format!("Unknown argument to -type: {t}"));
                    return 1;
                }
                Pred::Type(c)
            }
            "-name" | "-iname" => {
                let Some(n) = arg(a, io) else { return 1 };
                Pred::Name(n, a == "-iname")
            }
            "-path" | "-wholename" => {
                let Some(n) = arg(a, io) else { return 1 };
                Pred::Path(n)
            }
            "-maxdepth" | "-mindepth" => {
                let Some(n) = arg(a, io) else { return 1 };
                let Ok(v) = n.parse::<usize>() else {
                    complain(
                        io,
                        "find",
                        &format!(
                            "Expected a positive decimal integer argument to {a}, but got {}",
                            q(&n)
                        ),
                    );
                    return 1;
                };
                if a == "-maxdepth" {
                    maxdepth = v;
                } else {
                    mindepth = v;
                }
                continue;
            }
            "-print" => {
                has_action = true;
                Pred::Print
            }
            "-print0" => {
                has_action = true;
                Pred::Print0
            }
            "-delete" => {
                has_action = true;
                Pred::Delete
            }
            "-empty" => Pred::Empty,
            "-true" => Pred::True,
            "-xdev" | "-mount" | "-depth" | "-noleaf" | "-follow" => continue,
            "-newer" => {
                let Some(n) = arg(a, io) else { return 1 };
                match vfs.stat(&ctx.path(&n), true) {
                    Ok(s) => Pred::Newer(s.mtime),
                    Err(e) => {
                        complain(io, "find", &format!("{}: {e}", q(&n)));
                        return 1;
                    }
                }
            }
            "-size" => {
                let Some(n) = arg(a, io) else { return 1 };
                let (cmp, rest) = match n.chars().next() {
                    Some('+') => (1, n.get(1..).unwrap_or("")),
                    Some('-') => (-1, n.get(1..).unwrap_or("")),
                    _ => (0, n.as_str()),
                };
                let unit = rest
                    .chars()
                    .last()
                    .filter(|c| c.is_ascii_alphabetic())
                    .unwrap_or('b');
                let num = rest.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                let Ok(v) = num.parse::<i64>() else {
                    complain(io, "find", &format!("invalid -size type {}", q(&n)));
                    return 1;
                };
                Pred::Size(v, unit, cmp)
            }
            "-exec" | "-execdir" | "-ok" => {
                has_action = true;
                let mut cmd = Vec::new();
                let mut plus = false;
                let mut closed = false;
                while let Some(x) = args.get(i) {
                    i += 1;
                    if x == ";" {
                        closed = true;
                        break;
                    }
                    if x == "+" && cmd.last().is_some_and(|l: &String| l == "{}") {
                        plus = true;
                        closed = true;
                        break;
                    }
                    cmd.push(x.clone());
                }
                if !closed || cmd.is_empty() {
                    complain(io, "find", &format!("missing argument to `{a}'"));
                    return 1;
                }
                Pred::Exec(cmd, plus)
            }
            other => {
                if other.starts_with('-') {
                    complain(io, "find", &format!("unknown predicate `{other}'"));
                } else {
                    complain(
                        io,
                        "find",
                        &format!("paths must precede expression: `{other}'"),
                    );
                }
                return 1;
            }
        };
        let p = if negate { Pred::Not(Box::new(p)) } else { p };
        negate = false;
        preds.push(p);
    }
    if !has_action {
        preds.push(Pred::Print);
    }
    let mut state = FindState {
        batch: Vec::new(),
        status: 0,
        printed: false,
    };
    for p in &paths {
        let path = ctx.path(p);
        if let Err(e) = vfs.stat(&path, false) {
            complain(io, "find", &format!("{}: {e}", q(p)));
            state.status = 1;
            continue;
        }
        if !find_walk(ctx, &path, p, 0, maxdepth, mindepth, &preds, &mut state, io) {
            return 1;
        }
    }
    // -exec ... {} + batches
    let batches = std::mem::take(&mut state.batch);
    for (pi, files) in batches {
        if let Some(Pred::Exec(cmd, _)) = preds.get(pi) {
            for chunk in files.chunks(5000) {
                let mut argv: Vec<String> = Vec::new();
                for c in cmd {
                    if c == "{}" {
                        argv.extend(chunk.iter().cloned());
                    } else {
                        argv.push(c.clone());
                    }
                }
                if exec::run_argv(ctx, &argv, io) != 0 {
                    state.status = 1;
                }
            }
        }
    }
    state.status
}

#[allow(clippy::too_many_arguments)]
fn find_walk(
    ctx: &Ctx,
    path: &str,
    shown: &str,
    depth: usize,
    maxdepth: usize,
    mindepth: usize,
    preds: &[Pred],
    state: &mut FindState,
    io: &mut ShellIo,
) -> bool {
    let vfs = ctx.board.vfs();
    let Ok(st) = vfs.stat(path, false) else {
        return true;
    };
    if depth >= mindepth && !find_eval(ctx, path, shown, &st, preds, state, io) {
        return false;
    }
    if st.is_dir() && depth < maxdepth {
        match vfs.read_dir(path, ctx.user) {
            Ok(names) => {
                for n in names {
                    let child = vfs::join_path(path, &n);
                    let cshown = if shown.ends_with('/') {
                        format!("{shown}{n}")
                    } else {
                        format!("{shown}/{n}")
                    };
                    if !find_walk(
                        ctx,
                        &child,
                        &cshown,
                        depth + 1,
                        maxdepth,
                        mindepth,
                        preds,
                        state,
                        io,
                    ) {
                        return false;
                    }
                }
            }
            Err(e) => {
                complain(io, "find", &format!("{}: {e}", q(shown)));
                state.status = 1;
            }
        }
    }
    true
}

/// Evaluate the predicates on one file; false when the output stream is closed.
fn find_eval(
    ctx: &Ctx,
    path: &str,
    shown: &str,
    st: &Stat,
    preds: &[Pred],
    state: &mut FindState,
    io: &mut ShellIo,
) -> bool {
    for (pi, p) in preds.iter().enumerate() {
        match find_pred(ctx, path, shown, st, p, pi, state, io) {
            Some(true) => {}
            Some(false) => return true,
            None => return false,
        }
    }
    true
}

#[allow(clippy::too_many_arguments)]
fn find_pred(
    ctx: &Ctx,
    path: &str,
    shown: &str,
    st: &Stat,
    p: &Pred,
    pi: usize,
    state: &mut FindState,
    io: &mut ShellIo,
) -> Option<bool> {
    let base = if shown == "/" {
        "/"
    } else {
        shown
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(shown)
    };
    Some(match p {
        Pred::True => true,
        Pred::Type(t) => match t {
            'f' => st.is_file(),
            'd' => st.is_dir(),
            'l' => st.is_symlink(),
            _ => false,
        },
        Pred::Name(pat, ci) => {
            if *ci {
                super::glob::matches_str(&pat.to_lowercase(), &base.to_lowercase())
            } else {
                super::glob::matches_str(pat, base)
            }
        }
        Pred::Path(pat) => super::glob::matches_str(pat, shown),
        Pred::Empty => {
            if st.is_dir() {
                ctx.board
                    .vfs()
                    .read_dir(path, ctx.user)
                    .map(|n| n.is_empty())
                    .unwrap_or(false)
            } else {
                st.is_file() && st.size == 0
            }
        }
        Pred::Newer(t) => st.mtime > *t,
        Pred::Size(v, unit, cmp) => {
            let unit_bytes: u64 = match unit {
                'c' => 1,
                'w' => 2,
                'k' => 1024,
                'M' => 1024 * 1024,
                'G' => 1024 * 1024 * 1024,
                _ => 512,
            };
            let n = st.size.div_ceil(unit_bytes) as i64;
            match cmp {
                1 => n > *v,
                -1 => n < *v,
                _ => n == *v,
            }
        }
        Pred::Print => {
            state.printed = true;
            if writeln!(io.stdout, "{shown}").is_err() {
                return None;
            }
            true
        }
        Pred::Print0 => {
            if write!(io.stdout, "{shown}\0").is_err() {
                return None;
            }
            true
        }
        Pred::Delete => {
            let vfs = ctx.board.vfs();
            let r = if st.is_dir() {
                vfs.remove_dir(path, ctx.user)
            } else {
                vfs.remove_file(path, ctx.user)
            };
            if let Err(e) = r {
                complain(io, "find", &format!("cannot delete {}: {e}", q(shown)));
                state.status = 1;
            }
            true
        }
        Pred::Exec(cmd, plus) => {
            if *plus {
                match state.batch.iter_mut().find(|(i, _)| *i == pi) {
                    Some((_, v)) => v.push(shown.to_string()),
                    None => state.batch.push((pi, vec![shown.to_string()])),
                }
                true
            } else {
                let argv: Vec<String> = cmd.iter().map(|c| c.replace("{}", shown)).collect();
                exec::run_argv(ctx, &argv, io) == 0
            }
        }
        Pred::Not(inner) => !find_pred(ctx, path, shown, st, inner, pi, state, io)?,
    })
}

fn xargs(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut i = 0;
    let mut nul = false;
    let mut max_n: Option<usize> = None;
    let mut no_run_empty = false;
    let mut replace: Option<String> = None;
    let mut delim: Option<char> = None;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-0" | "--null" => nul = true,
            "-r" | "--no-run-if-empty" => no_run_empty = true,
            "-n" => {
                i += 1;
                max_n = args.get(i).and_then(|v| v.parse().ok());
            }
            "-I" => {
                i += 1;
                replace = args.get(i).cloned();
            }
            "-d" => {
                i += 1;
                delim = args.get(i).and_then(|d| {
                    if d == "\\n" {
                        Some('\n')
                    } else {
                        d.chars().next()
                    }
                });
            }
            "-t" | "-x" => {}
            s if s.starts_with("-n") && s.len() > 2 => {
                max_n = s.get(2..).and_then(|v| v.parse().ok())
            }
            s if s.starts_with("-I") && s.len() > 2 => replace = s.get(2..).map(str::to_string),
            s if s.starts_with('-') && s.len() > 1 => {
                complain(
                    io,
                    "xargs",
                    &format!("invalid option -- '{}'", s.trim_start_matches('-')),
                );
                return 1;
            }
            _ => break,
        }
        i += 1;
    }
    let mut cmd: Vec<String> = args.get(i..).unwrap_or(&[]).to_vec();
    if cmd.is_empty() {
        cmd.push("echo".into());
    }
    let mut input = Vec::new();
    let _ = io.stdin.read_to_end(&mut input);
    let text = String::from_utf8_lossy(&input).into_owned();
    let items: Vec<String> = if nul {
        text.split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    } else if let Some(d) = delim {
        text.split(d)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    } else if replace.is_some() {
        text.lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    } else {
        split_xargs(&text)
    };
    if items.is_empty() && (no_run_empty || replace.is_some()) {
        return 0;
    }
    let mut status = 0;
    let mut run = |argv: Vec<String>, io: &mut ShellIo| -> bool {
        let st = exec::run_argv(ctx, &argv, io);
        if st == 127 || st == 126 {
            status = st;
            return false;
        }
        if st == 255 {
            status = 124;
            return false;
        }
        if st != 0 {
            status = 123;
        }
        true
    };
    if let Some(r) = &replace {
        for it in &items {
            let argv: Vec<String> = cmd.iter().map(|c| c.replace(r.as_str(), it)).collect();
            if !run(argv, io) {
                break;
            }
        }
        return status;
    }
    let n = max_n.unwrap_or(usize::MAX).max(1);
    if items.is_empty() {
        run(cmd.clone(), io);
        return status;
    }
    for chunk in items.chunks(n.min(100_000)) {
        let mut argv = cmd.clone();
        argv.extend(chunk.iter().cloned());
        if !run(argv, io) {
            break;
        }
    }
    status
}

/// xargs' default splitting: blanks and newlines, with '...' "..." and backslash quoting.
fn split_xargs(s: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if have {
                    v.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            '\'' | '"' => {
                have = true;
                for d in it.by_ref() {
                    if d == c {
                        break;
                    }
                    cur.push(d);
                }
            }
            '\\' => {
                have = true;
                if let Some(d) = it.next() {
                    cur.push(d);
                }
            }
            c => {
                have = true;
                cur.push(c);
            }
        }
    }
    if have {
        v.push(cur);
    }
    v
}

// ---------------------------------------------------------------- names and paths

fn basename(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "s", false, "basename", io) else {
        return 1;
    };
    let (names, suffix): (Vec<String>, Option<String>) = if o.has('a') || o.val('s').is_some() {
        (o.operands.clone(), o.val('s').map(str::to_string))
    } else {
        match o.operands.as_slice() {
            [n] => (vec![n.clone()], None),
            [n, s] => (vec![n.clone()], Some(s.clone())),
            [] => {
                missing_operand(io, "basename", None);
                return 1;
            }
            _ => {
                complain(
                    io,
                    "basename",
                    &format!(
                        "extra operand {}",
                        q(&o.operands.get(2).cloned().unwrap_or_default())
                    ),
                );
                return 1;
            }
        }
    };
    for n in names {
        let t = n.trim_end_matches('/');
        let mut b = if t.is_empty() && n.starts_with('/') {
            "/".to_string()
        } else {
            t.rsplit('/').next().unwrap_or("").to_string()
        };
        if let Some(s) = &suffix
            && b.len() > s.len()
            && b.ends_with(s.as_str())
        {
            b.truncate(b.len() - s.len());
        }
        if !out(io, &format!("{b}\n")) {
            return 1;
        }
    }
    0
}

fn dirname(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    if args.is_empty() {
        missing_operand(io, "dirname", None);
        return 1;
    }
    for n in args {
        let t = n.trim_end_matches('/');
        let d = match t.rfind('/') {
            Some(0) => "/".to_string(),
            Some(i) => t.get(..i).unwrap_or("").trim_end_matches('/').to_string(),
            None => {
                if n.starts_with('/') {
                    "/".into()
                } else {
                    ".".into()
                }
            }
        };
        let d = if d.is_empty() { "/".to_string() } else { d };
        if !out(io, &format!("{d}\n")) {
            return 1;
        }
    }
    0
}

fn readlink(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "readlink", io) else {
        return 1;
    };
    let canon = o.has('f') || o.has('e') || o.has('m');
    let nl = if o.has('n') { "" } else { "\n" };
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for a in &o.operands {
        let path = ctx.path(a);
        if canon {
            match vfs.real_path(&path, true) {
                Ok(r) => {
                    if o.has('e') && !vfs.exists(&r) {
                        st = 1;
                        continue;
                    }
                    if o.has('f') && !vfs.exists(&vfs::parent_of(&r)) {
                        st = 1;
                        continue;
                    }
                    let _ = write!(io.stdout, "{r}{nl}");
                }
                Err(_) => st = 1,
            }
        } else {
            match vfs.readlink(&path) {
                Ok(t) => {
                    let _ = write!(io.stdout, "{t}{nl}");
                }
                Err(_) => st = 1,
            }
        }
    }
    st
}

fn realpath(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = ctx.path(a);
        match vfs.real_path(&path, true) {
            Ok(r) if vfs.exists(&r) || args.iter().any(|a| a == "-m") => {
                let _ = writeln!(io.stdout, "{r}");
            }
            Ok(_) => {
                complain(io, "realpath", &format!("{a}: No such file or directory"));
                st = 1;
            }
            Err(e) => {
                complain(io, "realpath", &format!("{a}: {e}"));
                st = 1;
            }
        }
    }
    st
}

fn which(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut st = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        if a.contains('/') {
            let p = ctx.path(a);
            if ctx.board.vfs().exists(&p) {
                let _ = writeln!(io.stdout, "{a}");
                continue;
            }
            st = 1;
            continue;
        }
        if exec::service_cmd(ctx, a).is_some() || lookup(a).is_some() {
            let _ = writeln!(io.stdout, "{}", command_path(a));
            continue;
        }
        let path = ctx.env.get("PATH").cloned().unwrap_or_default();
        let mut found = false;
        for d in path.split(':').filter(|d| !d.is_empty()) {
            let p = vfs::join_path(d, a);
            if let Ok(s) = ctx.board.vfs().stat(&p, true)
                && s.is_file()
                && Vfs::may_exec(&s, ctx.user)
            {
                let _ = writeln!(io.stdout, "{p}");
                found = true;
                break;
            }
        }
        if !found {
            st = 1;
        }
    }
    st
}

fn whoami(ctx: &mut Ctx, _: &[String], io: &mut ShellIo) -> i32 {
    i32::from(!out(io, &format!("{}\n", ctx.user.name())))
}

fn id(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let o = getopt(args, "", false).unwrap_or_default();
    let user = match o.operands.first().map(|s| s.as_str()) {
        None => ctx.user,
        Some("root") | Some("0") => User::Root,
        Some("fio") | Some("1000") => User::Fio,
        Some(other) => {
            complain(io, "id", &format!("{}: no such user", q(other)));
            return 1;
        }
    };
    let (uid, name) = (user.uid(), user.name());
    let dg = vfs::DOCKER_GID;
    // Under the X8's adbd fio's groups are the Android ids (REB 1.5).
    if user == User::Fio && ctx.user == User::Fio && !super::has_login_groups(User::Fio) {
        const IDS: &str = "1003 1004 1007 1011 1015 1028 3001 3002 3003 3006";
        let text = if o.has('u') || o.has('g') {
            if o.has('n') {
                name.to_string()
            } else {
                uid.to_string()
            }
        } else if o.has('G') {
            if o.has('n') {
                format!("fio {IDS}")
            } else {
                format!("1000 {IDS}")
            }
        } else {
            let ids: Vec<String> = IDS.split(' ').map(String::from).collect();
            format!(
                "uid=1000(fio) gid=1000(fio) groups=1000(fio),{}",
                ids.join(",")
            )
        };
        return i32::from(!out(io, &format!("{text}\n")));
    }
    let text = if o.has('u') || o.has('g') {
        if o.has('n') {
            name.to_string()
        } else {
            uid.to_string()
        }
    } else if o.has('G') {
        match (user, o.has('n')) {
            (User::Root, false) => "0".into(),
            (User::Root, true) => "root".into(),
            (User::Fio, false) => format!("1000 27 {dg}"),
            (User::Fio, true) => "fio sudo docker".into(),
        }
    } else {
        match user {
            User::Root => "uid=0(root) gid=0(root) groups=0(root)".into(),
            User::Fio => {
                format!("uid=1000(fio) gid=1000(fio) groups=1000(fio),27(sudo),{dg}(docker)")
            }
        }
    };
    i32::from(!out(io, &format!("{text}\n")))
}

fn hostname(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    if args.iter().any(|a| a == "-I" || a == "-i") {
        return i32::from(!out(io, "10.11.99.1 172.17.0.1 \n"));
    }
    if let Some(a) = args.iter().find(|a| !a.starts_with('-')) {
        if ctx.user != User::Root {
            complain(io, "hostname", "you must be root to change the host name");
            return 1;
        }
        let _ = a;
        return 0;
    }
    i32::from(!out(io, &format!("{}\n", ctx.board.hostname())))
}

pub const KERNEL_RELEASE: &str = "5.15.77-lmp-standard";
const KERNEL_VERSION: &str = "#1 SMP PREEMPT Thu Jun 6 10:07:00 UTC 2024";

fn uname(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(o) = opts_or_complain(args, "", false, "uname", io) else {
        return 1;
    };
    let host = ctx.board.hostname();
    let all = o.has('a') || o.long("all");
    let mut parts: Vec<String> = Vec::new();
    let flags: &[(char, &str)] = &[
        ('s', "Linux"),
        ('n', host.as_str()),
        ('r', KERNEL_RELEASE),
        ('v', KERNEL_VERSION),
        ('m', "aarch64"),
        ('p', "unknown"),
        ('i', "unknown"),
        ('o', "GNU/Linux"),
    ];
    for (c, v) in flags {
        let want = if all {
            !matches!(c, 'p' | 'i')
        } else {
            o.has(*c)
        };
        if want {
            parts.push((*v).to_string());
        }
    }
    if parts.is_empty() {
        parts.push("Linux".into());
    }
    i32::from(!out(io, &format!("{}\n", parts.join(" "))))
}

fn date(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut t = Vfs::now();
    let mut fmt = "%a %b %e %H:%M:%S UTC %Y".to_string();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if let Some(f) = a.strip_prefix('+') {
            fmt = f.to_string();
        } else if a == "-d" || a == "--date" {
            i += 1;
            match args.get(i).and_then(|d| parse_date(d)) {
                Some(v) => t = v,
                None => {
                    complain(
                        io,
                        "date",
                        &format!(
                            "invalid date {}",
                            q(args.get(i).map(|s| s.as_str()).unwrap_or(""))
                        ),
                    );
                    return 1;
                }
            }
        } else if let Some(d) = a
            .strip_prefix("--date=")
            .or_else(|| a.strip_prefix("-d"))
            .filter(|d| !d.is_empty())
        {
            match parse_date(d) {
                Some(v) => t = v,
                None => {
                    complain(io, "date", &format!("invalid date {}", q(d)));
                    return 1;
                }
            }
        } else if a == "-R" {
            fmt = "%a, %d %b %Y %H:%M:%S +0000".into();
        } else if a == "-I" {
            fmt = "%F".into();
        }
        i += 1;
    }
    i32::from(!out(io, &format!("{}\n", strftime(&fmt, t))))
}

fn du(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let o = getopt(args, "d", false).unwrap_or_default();
    let ops = o.operands_or(".");
    let vfs = ctx.board.vfs();
    let mut st = 0;
    for a in &ops {
        let path = ctx.path(a);
        if vfs.stat(&path, false).is_err() {
            no_such_file(io, "du", "cannot access", a);
            st = 1;
            continue;
        }
        let mut total = 0u64;
        let mut lines = Vec::new();
        walk(ctx, &path, &mut |p| {
            if let Ok(s) = vfs.stat(p, false) {
                total += if s.is_dir() {
                    4096
                } else {
                    s.size.div_ceil(4096) * 4096
                };
                if s.is_dir() && !o.has('s') && p != path {
                    lines.push(p.to_string());
                }
            }
        });
        let fmt = |n: u64| {
            if o.has('h') {
                human(n)
            } else {
                n.div_ceil(1024).to_string()
            }
        };
        if !o.has('s') {
            for p in lines {
                let mut sub = 0u64;
                walk(ctx, &p, &mut |q2| {
                    if let Ok(s) = vfs.stat(q2, false) {
                        sub += if s.is_dir() {
                            4096
                        } else {
                            s.size.div_ceil(4096) * 4096
                        };
                    }
                });
                let shown = format!(
                    "{}{}",
                    a.trim_end_matches('/'),
                    p.get(path.len()..).unwrap_or("")
                );
                let _ = writeln!(io.stdout, "{}\t{shown}", fmt(sub));
            }
        }
        if !out(io, &format!("{}\t{a}\n", fmt(total))) {
            return 1;
        }
    }
    st
}

fn free(_: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let h = args.iter().any(|a| a == "-h");
    let m = args.iter().any(|a| a == "-m");
    let vals = [2_005_664u64, 612_532, 612_220, 18_760, 780_912, 1_276_812];
    let f = |k: u64| {
        if h {
            human(k * 1024) + "i"
        } else if m {
            (k / 1024).to_string()
        } else {
            k.to_string()
        }
    };
    let text = format!(
        "               total        used        free      shared  buff/cache   available\nMem:    {:>12}{:>12}{:>12}{:>12}{:>12}{:>12}\nSwap:   {:>12}{:>12}{:>12}\n",
        f(vals[0]),
        f(vals[1]),
        f(vals[2]),
        f(vals[3]),
        f(vals[4]),
        f(vals[5]),
        f(0),
        f(0),
        f(0)
    );
    i32::from(!out(io, &text))
}

fn uptime(_: &mut Ctx, _: &[String], io: &mut ShellIo) -> i32 {
    let t = Vfs::now();
    i32::from(!out(
        io,
        &format!(
            " {} up  1:02,  0 users,  load average: 0.08, 0.12, 0.10\n",
            strftime("%H:%M:%S", t)
        ),
    ))
}

/// `ostree fsck` on the system repository (real-board-evidence.md §3.3; see
/// [`crate::ostree`]). Other subcommands are not modelled.
fn ostree(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    match args.first().map(String::as_str) {
        Some("fsck") => {
            let (out, err, st) = crate::ostree::fsck_output(ctx.board.vfs().root());
            let _ = io.stdout.write_all(out.as_bytes());
            let _ = io.stderr.write_all(err.as_bytes());
            st
        }
        Some(other) => {
            let _ = writeln!(
                io.stderr,
                "error: Unknown command '{other}' (the virtual X8 models `ostree fsck` only)"
            );
            1
        }
        None => {
            let _ = writeln!(io.stderr, "error: No command specified");
            1
        }
    }
}

/// `passwd` for fio (shadow-utils/PAM as on the image): the current password, then the new
/// one twice; it clears an expired password (real-board-evidence.md §5.1: the remedy for
/// images 844, 846 and 861). Reads the answers from standard input, one a line.
fn passwd(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    if ctx.user != User::Fio || !args.is_empty() {
        let _ = writeln!(
            io.stderr,
            "passwd: the virtual X8 models `passwd` for fio only"
        );
        return 1;
    }
    let (current, _) = ctx.board.fio_password();
    let _ = write!(io.stderr, "Changing password for fio.\nCurrent password: ");
    let _ = io.stderr.flush();
    let given = super::read_line(io.stdin).unwrap_or_default();
    if let Some(cur) = &current
        && given.trim_end_matches('\r') != cur
    {
        let _ = writeln!(
            io.stderr,
            "\npasswd: Authentication token manipulation error\npasswd: password unchanged"
        );
        return 1;
    }
    let _ = write!(io.stderr, "\nNew password: ");
    let new = super::read_line(io.stdin).unwrap_or_default();
    let _ = write!(io.stderr, "\nRetype new password: ");
    let again = super::read_line(io.stdin).unwrap_or_default();
    let _ = writeln!(io.stderr);
    let (new, again) = (new.trim_end_matches('\r'), again.trim_end_matches('\r'));
    if new != again {
        let _ = writeln!(
            io.stderr,
            "Sorry, passwords do not match.\npasswd: Authentication token manipulation error\npasswd: password unchanged"
        );
        return 1;
    }
    if current.as_deref() == Some(new) {
        let _ = writeln!(
            io.stderr,
            "Password unchanged\npasswd: Authentication token manipulation error\npasswd: password unchanged"
        );
        return 1;
    }
    ctx.board.set_fio_password(new);
    let _ = writeln!(io.stdout, "passwd: password updated successfully");
    0
}
