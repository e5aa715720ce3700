//! sudo (with the image's password policy), mount/umount (remounting /usr), df.

use super::fileutil::{complain, human};
use super::{Ctx, exec};
use crate::board::ShellIo;
use crate::vfs::User;

fn expand_prompt(p: &str, ctx: &Ctx) -> String {
    let mut s = String::new();
    let mut it = p.chars();
    let host = ctx.board.hostname();
    while let Some(c) = it.next() {
        if c != '%' {
            s.push(c);
            continue;
        }
        match it.next() {
            Some('u') => s.push_str(ctx.user.name()),
            Some('p') => s.push_str(ctx.user.name()),
            Some('U') => s.push_str("root"),
            Some('h') | Some('H') => s.push_str(&host),
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

/// sudo(8): `-S` reads the password from stdin, `-n` never prompts, `-p` sets the prompt,
/// `-u` the target user; `-k` `-v` `-l` `-i` `-s` `-E` `-H`. The password policy comes from
/// the board's configuration (`None` = NOPASSWD).
pub fn sudo(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    // An image without sudo (its executable removed from the sandbox): bash's words.
    if !ctx.board.vfs().exists("/usr/bin/sudo") {
        let _ = writeln!(io.stderr, "/bin/bash: line 1: sudo: command not found");
        return 127;
    }
    let mut stdin_pw = false;
    let mut non_interactive = false;
    let mut prompt: Option<String> = None;
    let mut target = User::Root;
    let mut validate = false;
    let mut reset = false;
    let mut list = false;
    let mut shell = false;
    let mut login = false;
    let mut keep_env = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "--" {
            i += 1;
            break;
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        if let Some(l) = a.strip_prefix("--") {
            match l {
                "stdin" => stdin_pw = true,
                "non-interactive" => non_interactive = true,
                "validate" => validate = true,
                "reset-timestamp" => reset = true,
                "list" => list = true,
                "shell" => shell = true,
                "login" => login = true,
                "preserve-env" => keep_env = true,
                l if l.starts_with("prompt=") => {
                    prompt = l.strip_prefix("prompt=").map(str::to_string)
                }
                l if l.starts_with("user=") => match l.strip_prefix("user=") {
                    Some("root") | Some("#0") => target = User::Root,
                    Some("fio") | Some("#1000") => target = User::Fio,
                    Some(u) => {
                        complain(io, "sudo", &format!("unknown user {u}"));
                        return 1;
                    }
                    None => {}
                },
                "version" => {
                    let _ = writeln!(io.stdout, "Sudo version 1.9.15p5");
                    return 0;
                }
                _ => {
                    complain(io, "sudo", &format!("unrecognized option '--{l}'"));
                    return 1;
                }
            }
            i += 1;
            continue;
        }
        let chars: Vec<char> = a.chars().skip(1).collect();
        let mut k = 0;
        while let Some(&c) = chars.get(k) {
            k += 1;
            match c {
                'S' => stdin_pw = true,
                'n' => non_interactive = true,
                'v' => validate = true,
                'k' | 'K' => reset = true,
                'l' => list = true,
                's' => shell = true,
                'i' => login = true,
                'E' => keep_env = true,
                'H' | 'b' | 'P' | 'A' => {}
                'p' | 'u' | 'g' | 'C' | 'h' | 'D' | 'r' | 't' | 'T' | 'U' => {
                    let rest: String = chars.iter().skip(k).collect();
                    let val = if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => {
                                complain(
                                    io,
                                    "sudo",
                                    &format!("option requires an argument -- '{c}'"),
                                );
                                return 1;
                            }
                        }
                    };
                    match c {
                        'p' => prompt = Some(val),
                        'u' => match val.as_str() {
                            "root" | "#0" => target = User::Root,
                            "fio" | "#1000" => target = User::Fio,
                            u => {
                                complain(io, "sudo", &format!("unknown user {u}"));
                                return 1;
                            }
                        },
                        _ => {}
                    }
                    break;
                }
                'V' => {
                    let _ = writeln!(io.stdout, "Sudo version 1.9.15p5");
                    return 0;
                }
                other => {
                    complain(io, "sudo", &format!("invalid option -- '{other}'"));
                    let _ = writeln!(io.stderr, "usage: sudo -h | -K | -k | -V");
                    return 1;
                }
            }
        }
        i += 1;
    }
    let cmd: Vec<String> = args.get(i..).unwrap_or(&[]).to_vec();
    if cmd.is_empty() && !validate && !reset && !list && !shell && !login {
        let _ = write!(
            io.stderr,
            "usage: sudo -h | -K | -k | -V\nusage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]\nusage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user] [-u user] [command [arg ...]]\nusage: sudo [-ABbEHkNnPS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i | -s] [<command>]\nusage: sudo -e [-ABkNnS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] file ...\n"
        );
        return 1;
    }
    if reset && cmd.is_empty() && !validate && !list && !shell && !login {
        return 0;
    }
    // Authentication.
    let needs_pw = ctx.user != User::Root && target != ctx.user;
    let (password, expired) = ctx.board.fio_password();
    if needs_pw && let Some(pw) = password {
        if non_interactive {
            complain(io, "sudo", "a password is required");
            return 1;
        }
        let text = match &prompt {
            Some(p) => expand_prompt(p, ctx),
            None => format!("[sudo] password for {}: ", ctx.user.name()),
        };
        let mut failures = 0;
        loop {
            if !text.is_empty() {
                let _ = io.stderr.write_all(text.as_bytes());
                let _ = io.stderr.flush();
            }
            let line = super::read_line(io.stdin);
            let Some(line) = line else {
                let _ = io.stderr.write_all(b"\n");
                complain(io, "sudo", "no password was provided");
                if failures > 0 {
                    complain(
                        io,
                        "sudo",
                        &format!(
                            "{failures} incorrect password attempt{}",
                            if failures == 1 { "" } else { "s" }
                        ),
                    );
                } else {
                    complain(io, "sudo", "a password is required");
                }
                return 1;
            };
            if !stdin_pw {
                // On a terminal sudo turns echo off and prints the newline itself.
                let _ = io.stderr.write_all(b"\n");
            }
            if line.trim_end_matches('\r') == pw {
                if expired {
                    // pam_unix's account check after a good password, then sudo's attempt
                    // to change it (real-board-evidence.md §5.1; sudo's "unable to change
                    // expired password" when stdin has no new one [inf]).
                    let _ = io.stderr.write_all(
                        b"You are required to change your password immediately (administrator enforced)\n",
                    );
                    let _ = io
                        .stderr
                        .write_all(b"Changing password for fio.\nCurrent password: ");
                    let _ = super::read_line(io.stdin);
                    complain(
                        io,
                        "sudo",
                        "unable to change expired password: Authentication token manipulation error",
                    );
                    return 1;
                }
                break;
            }
            failures += 1;
            if failures >= 3 {
                complain(io, "sudo", "3 incorrect password attempts");
                return 1;
            }
            let _ = io.stderr.write_all(b"Sorry, try again.\n");
        }
    }
    if list {
        let _ = write!(
            io.stdout,
            "Matching Defaults entries for {u} on {h}:\n    env_reset, secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin\n\nUser {u} may run the following commands on {h}:\n    (ALL) ALL\n",
            u = ctx.user.name(),
            h = ctx.board.hostname()
        );
        return 0;
    }
    if cmd.is_empty() && validate {
        return 0;
    }
    // The child: the target user with sudo's reset environment.
    let mut child = ctx.fork();
    child.user = target;
    if !keep_env {
        let mut env = std::collections::BTreeMap::new();
        for k in ["TERM", "LANG", "DISPLAY", "COLORTERM"] {
            if let Some(v) = ctx.env.get(k) {
                env.insert(k.to_string(), v.clone());
            }
        }
        env.insert("PATH".into(), super::PATH.into());
        child.env = env;
    }
    let home = super::home_of(target);
    child.env.insert("HOME".into(), home.clone());
    child.env.insert("USER".into(), target.name().into());
    child.env.insert("LOGNAME".into(), target.name().into());
    child.env.insert("SHELL".into(), "/bin/sh".into());
    child.env.insert("SUDO_USER".into(), ctx.user.name().into());
    child
        .env
        .insert("SUDO_UID".into(), ctx.user.uid().to_string());
    child
        .env
        .insert("SUDO_GID".into(), ctx.user.uid().to_string());
    child.env.insert("SUDO_COMMAND".into(), cmd.join(" "));
    if shell || login {
        if login {
            child.cwd = home;
        }
        if cmd.is_empty() && super::on_tty() {
            // An interactive root shell on the same terminal.
            return super::session(child, io);
        }
        let script = if cmd.is_empty() {
            let mut s = Vec::new();
            let _ = std::io::Read::read_to_end(io.stdin, &mut s);
            String::from_utf8_lossy(&s).into_owned()
        } else {
            cmd.join(" ")
        };
        return exec::run_dash_c(&child, "bash", &script, None, Vec::new(), io);
    }
    let Some(name) = cmd.first() else { return 0 };
    if !exec::command_exists(&child, name) {
        complain(io, "sudo", &format!("{name}: command not found"));
        return 1;
    }
    exec::run_argv(&child, &cmd, io)
}

/// The mount table: (device, mount point, type, options).
fn mounts(ctx: &Ctx) -> Vec<(String, String, String, String)> {
    let usr = if ctx.board.vfs().usr_writable() {
        "rw"
    } else {
        "ro"
    };
    vec![
        (
            "/dev/mmcblk2p2".into(),
            "/".into(),
            "ext4".into(),
            "rw,relatime".into(),
        ),
        (
            "devtmpfs".into(),
            "/dev".into(),
            "devtmpfs".into(),
            "rw,relatime,size=843808k,nr_inodes=210952,mode=755".into(),
        ),
        (
            "proc".into(),
            "/proc".into(),
            "proc".into(),
            "rw,relatime".into(),
        ),
        (
            "sysfs".into(),
            "/sys".into(),
            "sysfs".into(),
            "rw,nosuid,nodev,noexec,relatime".into(),
        ),
        (
            "/dev/mmcblk2p2".into(),
            "/sysroot".into(),
            "ext4".into(),
            "rw,relatime".into(),
        ),
        (
            "/dev/mmcblk2p2".into(),
            "/usr".into(),
            "ext4".into(),
            format!("{usr},relatime"),
        ),
        (
            "/dev/mmcblk2p2".into(),
            "/boot".into(),
            "ext4".into(),
            "rw,relatime".into(),
        ),
        (
            "/dev/mmcblk2p2".into(),
            "/var".into(),
            "ext4".into(),
            "rw,relatime".into(),
        ),
        (
            "tmpfs".into(),
            "/dev/shm".into(),
            "tmpfs".into(),
            "rw,nosuid,nodev".into(),
        ),
        (
            "tmpfs".into(),
            "/run".into(),
            "tmpfs".into(),
            "rw,nosuid,nodev,size=401136k,nr_inodes=819200,mode=755".into(),
        ),
    ]
}

pub fn mount(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut opts: Option<String> = None;
    let mut targets = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "-o" || a == "--options" {
            i += 1;
            opts = args.get(i).cloned();
        } else if let Some(o) = a.strip_prefix("-o").filter(|o| !o.is_empty()) {
            opts = Some(o.to_string());
        } else if let Some(o) = a.strip_prefix("--options=") {
            opts = Some(o.to_string());
        } else if a.starts_with('-') {
        } else {
            targets.push(a.clone());
        }
        i += 1;
    }
    if opts.is_none() && targets.is_empty() {
        let mut s = String::new();
        for (dev, mp, ty, o) in mounts(ctx) {
            s.push_str(&format!("{dev} on {mp} type {ty} ({o})\n"));
        }
        return i32::from(io.stdout.write_all(s.as_bytes()).is_err());
    }
    if ctx.user != User::Root {
        if opts.is_some() {
            complain(io, "mount", "only root can use \"--options\" option");
        } else {
            complain(io, "mount", "only root can do that");
        }
        return 1;
    }
    let o = opts.unwrap_or_default();
    let parts: Vec<&str> = o.split(',').collect();
    let Some(target) = targets.last() else {
        complain(io, "mount", "can't find in /etc/fstab.");
        return 1;
    };
    let path = ctx.path(target);
    if parts.contains(&"remount") {
        let Some((_, mp, _, _)) = mounts(ctx).into_iter().find(|m| m.1 == path) else {
            complain(
                io,
                "mount",
                &format!("{target}: mount point not mounted or bad option."),
            );
            return 32;
        };
        if mp == "/usr" {
            if parts.contains(&"rw") {
                ctx.board.vfs().remount_usr(true);
            } else if parts.contains(&"ro") {
                ctx.board.vfs().remount_usr(false);
            }
        }
        return 0;
    }
    complain(io, "mount", &format!("{target}: can't find in /etc/fstab."));
    1
}

pub fn umount(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let Some(t) = args.iter().find(|a| !a.starts_with('-')) else {
        let _ = writeln!(
            io.stderr,
            "Usage:\n umount [-hV]\n umount -a [options]\n umount [options] <source> | <directory>"
        );
        return 1;
    };
    if ctx.user != User::Root {
        complain(io, "umount", &format!("{t}: must be superuser to unmount."));
        return 32;
    }
    let path = ctx.path(t);
    if mounts(ctx).iter().any(|m| m.1 == path) {
        complain(io, "umount", &format!("{t}: target is busy."));
    } else {
        complain(io, "umount", &format!("{t}: not mounted."));
    }
    32
}

pub fn df(ctx: &mut Ctx, args: &[String], io: &mut ShellIo) -> i32 {
    let mut h = false;
    let mut posix = false;
    let mut show_type = false;
    let mut paths = Vec::new();
    for a in args {
        if a.starts_with("--") {
            match a.as_str() {
                "--human-readable" => h = true,
                "--portability" => posix = true,
                "--print-type" => show_type = true,
                _ => {}
            }
        } else if a.starts_with('-') && a.len() > 1 {
            for c in a.chars().skip(1) {
                match c {
                    'h' => h = true,
                    'P' => posix = true,
                    'T' => show_type = true,
                    'k' => h = false,
                    _ => {}
                }
            }
        } else {
            paths.push(a.clone());
        }
    }
    let space = ctx.board.vfs().space();
    let table = mounts(ctx);
    // (fs, type, total, used, avail, mount point)
    let mut rows: Vec<(String, String, u64, u64, u64, String)> = Vec::new();
    let data_row = |mp: &str| {
        (
            "/dev/mmcblk2p2".to_string(),
            "ext4".to_string(),
            space.total,
            space.used,
            space.avail,
            mp.to_string(),
        )
    };
    let small = |fs: &str, ty: &str, total: u64, used: u64, mp: &str| {
        (
            fs.to_string(),
            ty.to_string(),
            total,
            used,
            total.saturating_sub(used),
            mp.to_string(),
        )
    };
    let mut st = 0;
    if paths.is_empty() {
        rows.push(data_row("/"));
        rows.push(small("devtmpfs", "devtmpfs", 843_808 * 1024, 0, "/dev"));
        rows.push(small("tmpfs", "tmpfs", 1_002_832 * 1024, 0, "/dev/shm"));
        rows.push(small(
            "tmpfs",
            "tmpfs",
            401_136 * 1024,
            9_764 * 1024,
            "/run",
        ));
        rows.push(data_row("/sysroot"));
        rows.push(data_row("/usr"));
        rows.push(data_row("/boot"));
        rows.push(data_row("/var"));
    } else {
        for p in &paths {
            let path = ctx.path(p);
            if !ctx.board.vfs().exists(&path) && path != "/dev/null" {
                complain(io, "df", &format!("{p}: No such file or directory"));
                st = 1;
                continue;
            }
            let mp = table
                .iter()
                .filter(|m| crate::vfs::is_under(&path, &m.1))
                .max_by_key(|m| m.1.len())
                .map(|m| m.1.clone())
                .unwrap_or_else(|| "/".into());
            rows.push(match mp.as_str() {
                "/dev" => small("devtmpfs", "devtmpfs", 843_808 * 1024, 0, "/dev"),
                "/dev/shm" => small("tmpfs", "tmpfs", 1_002_832 * 1024, 0, "/dev/shm"),
                "/run" => small("tmpfs", "tmpfs", 401_136 * 1024, 9_764 * 1024, "/run"),
                "/proc" => small("proc", "proc", 0, 0, "/proc"),
                "/sys" => small("sysfs", "sysfs", 0, 0, "/sys"),
                m => data_row(m),
            });
        }
    }
    let mut s = String::new();
    let ty = if show_type { "Type     " } else { "" };
    if h {
        s.push_str(&format!(
            "Filesystem      {ty}Size  Used Avail Use% Mounted on\n"
        ));
    } else if posix {
        s.push_str(&format!(
            "Filesystem     {ty}1024-blocks    Used Available Capacity Mounted on\n"
        ));
    } else {
        s.push_str(&format!(
            "Filesystem     {ty}1K-blocks    Used Available Use% Mounted on\n"
        ));
    }
    for (fs, t, total, used, avail, mp) in rows {
        let pct = if used + avail == 0 {
            "-".to_string()
        } else {
            format!("{}%", (used * 100).div_ceil(used + avail))
        };
        let tcol = if show_type {
            format!("{t:<8} ")
        } else {
            String::new()
        };
        if h {
            s.push_str(&format!(
                "{fs:<15} {tcol}{:>5} {:>5} {:>5} {pct:>4} {mp}\n",
                human(total),
                human(used),
                human(avail)
            ));
        } else if posix {
            s.push_str(&format!(
                "{fs:<14} {tcol}{:>11} {:>7} {:>9} {pct:>8} {mp}\n",
                total / 1024,
                used / 1024,
                avail / 1024
            ));
        } else {
            s.push_str(&format!(
                "{fs:<14} {tcol}{:>9} {:>7} {:>9} {pct:>4} {mp}\n",
                total / 1024,
                used / 1024,
                avail / 1024
            ));
        }
    }
    if io.stdout.write_all(s.as_bytes()).is_err() {
        return 1;
    }
    st
}
