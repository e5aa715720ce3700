//! Tests of the shell against a board in a temporary directory.

use std::io::Cursor;
use std::sync::Arc;

use crate::board::{Board, BoardConfig, ShellIo};
use crate::faults::Fault;
use crate::vfs::User;

pub(crate) fn board_with(pw: Option<&str>) -> (tempfile::TempDir, Arc<Board>) {
    let d = tempfile::tempdir().unwrap();
    let cfg = BoardConfig {
        root: d.path().join("root"),
        sudo_password: pw.map(str::to_string),
        ..Default::default()
    };
    let b = Board::new_without_services(cfg).unwrap();
    (d, b)
}

pub(crate) fn run_in(b: &Board, cmd: &str, stdin: &str) -> (i32, String, String) {
    let mut inp = Cursor::new(stdin.as_bytes().to_vec());
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = {
        let mut io = ShellIo {
            stdin: &mut inp,
            stdout: &mut out,
            stderr: &mut err,
        };
        b.run_command(cmd, &mut io)
    };
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn run(cmd: &str) -> (i32, String, String) {
    let (_d, b) = board_with(Some("fio"));
    run_in(&b, cmd, "")
}

#[test]
fn echo_and_quoting() {
    assert_eq!(run("echo hello world").1, "hello world\n");
    assert_eq!(run("echo 'a b;$(reboot)'").1, "a b;$(reboot)\n");
    assert_eq!(run(r#"x=1; echo "x is $x" '$x' \$x"#).1, "x is 1 $x $x\n");
    assert_eq!(run("echo -n a; echo b").1, "ab\n");
    assert_eq!(run(r"echo -e 'a\tb'").1, "a\tb\n");
    assert_eq!(run("A='1  2'; echo $A; echo \"$A\"").1, "1 2\n1  2\n");
    assert_eq!(
        run("echo ${HOME} ~ ${NOPE:-def} ${#HOME}").1,
        "/home/fio /home/fio def 9\n"
    );
    assert_eq!(run("echo $(echo inner) `echo bq`").1, "inner bq\n");
    assert_eq!(
        run(r#"echo "a\"b\\c\d $(echo x) `echo y`" ${NOPE:-'q r'} ${NOPE:-"$HOME"} ${NOPE:-\}}"#).1,
        "a\"b\\c\\d x y q r /home/fio }\n"
    );
    assert!(
        run(r#"echo "a"#)
            .2
            .contains("unexpected EOF while looking for matching `\"'")
    );
    assert!(
        run("echo ${NOPE:-a")
            .2
            .contains("unexpected EOF while looking for matching `}'")
    );
    assert_eq!(run("echo $((0x40000 + 1)) $(( 7 / 2 ))").1, "262145 3\n");
    assert_eq!(run("f=fw.bin; echo ${f%.bin} ${f#fw}").1, "fw .bin\n");
    assert_eq!(run("echo a # comment").1, "a\n");
    assert_eq!(run("printf '%s-%d\\n' a 1 b 2").1, "a-1\nb-2\n");
    assert_eq!(run("printf '%05x|%-3s|%%\\n' 255 ab").1, "000ff|ab |%\n");
}

#[test]
fn single_quoted_path_is_a_file() {
    let (_d, b) = board_with(Some("fio"));
    let (c, _, e) = run_in(&b, "echo data > 'a b;$(reboot)' && cat 'a b;$(reboot)'", "");
    assert_eq!(c, 0, "{e}");
    assert!(b.vfs().exists("/home/fio/a b;$(reboot)"));
    let (_, o, _) = run_in(&b, "ls", "");
    assert_eq!(o, "a b;$(reboot)\n");
}

#[test]
fn status_and_control_flow() {
    assert_eq!(run("false; echo $?").1, "1\n");
    assert_eq!(run("true && echo y || echo n").1, "y\n");
    assert_eq!(run("false && echo y || echo n").1, "n\n");
    assert_eq!(run("! false; echo $?").1, "0\n");
    assert_eq!(run("exit 3").0, 3);
    assert_eq!(run("(exit 4); echo $?").1, "4\n");
    assert_eq!(
        run("if false; then echo a; elif true; then echo b; else echo c; fi").1,
        "b\n"
    );
    assert_eq!(run("for x in 1 2 3; do echo $x; done").1, "1\n2\n3\n");
    assert_eq!(
        run("i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i").1,
        "3\n"
    );
    assert_eq!(
        run("for x in a b c; do if [ $x = b ]; then break; fi; echo $x; done").1,
        "a\n"
    );
    assert_eq!(run("{ echo a; echo b; } | wc -l").1, "2\n");
    assert_eq!(
        run("case fw.bin in *.elf) echo elf;; *.bin) echo bin;; esac").1,
        "bin\n"
    );
    assert_eq!(run("X=5 sh -c 'echo $X'; echo ${X:-unset}").1, "5\nunset\n");
    assert_eq!(run("export Y=2; sh -c 'echo $Y'").1, "2\n");
    assert_eq!(run("set -e; false; echo no").0, 1);
    assert_eq!(
        run("cd /tmp && pwd; cd /nope").2,
        "/bin/bash: line 1: cd: /nope: No such file or directory\n"
    );
}

#[test]
fn unknown_command_and_parse_errors() {
    let (c, _, e) = run("foo");
    assert_eq!(c, 127);
    assert_eq!(e, "/bin/bash: line 1: foo: command not found\n");
    let (c, _, e) = run("echo 'a");
    assert_eq!(c, 2);
    assert!(
        e.starts_with("/bin/bash: -c: line 1: unexpected EOF while looking for matching `''\n"),
        "{e}"
    );
    let (c, _, e) = run("echo ;;");
    assert_eq!(c, 2);
    assert!(e.contains("syntax error near unexpected token `;;'"), "{e}");
    let (c, _, e) = run("/usr/bin/nothing");
    assert_eq!(c, 127);
    assert!(e.contains("/usr/bin/nothing: No such file or directory"));
}

#[test]
fn pipes_and_redirections() {
    let (_d, b) = board_with(Some("fio"));
    assert_eq!(
        run_in(&b, "printf 'b\\na\\nb\\n' | sort | uniq", "").1,
        "a\nb\n"
    );
    assert_eq!(
        run_in(&b, "echo one > f; echo two >> f; cat < f", "").1,
        "one\ntwo\n"
    );
    let (_, o, e) = run_in(&b, "ls /nope 2>/dev/null; echo x", "");
    assert_eq!((o.as_str(), e.as_str()), ("x\n", ""));
    let (_, o, e) = run_in(&b, "ls /nope 2>&1", "");
    assert!(o.contains("cannot access '/nope'") && e.is_empty());
    let (_, o, e) = run_in(&b, "echo err >&2", "");
    assert_eq!((o.as_str(), e.as_str()), ("", "err\n"));
    let (_, _, _) = run_in(&b, "{ echo o; echo e >&2; } &> both", "");
    assert_eq!(run_in(&b, "cat both", "").1, "o\ne\n");
    assert_eq!(run_in(&b, "cat", "from stdin").1, "from stdin");
    assert_eq!(run_in(&b, "grep -c x <<< 'axb'", "").1, "1\n");
    let (c, _, e) = run_in(&b, "echo x > /etc/x", "");
    assert_eq!(c, 1);
    assert_eq!(e, "/bin/bash: line 1: /etc/x: Permission denied\n");
    assert_eq!(
        run_in(&b, "echo a | tee t1 | tr a-z A-Z; cat t1", "").1,
        "A\na\n"
    );
}

#[test]
fn permissions_and_usr_mount() {
    let (_d, b) = board_with(None);
    let (c, _, e) = run_in(&b, "mkdir /usr/x", "");
    assert_eq!(c, 1);
    assert_eq!(
        e,
        "mkdir: cannot create directory '/usr/x': Read-only file system\n"
    );
    let (c, _, e) = run_in(&b, "mount -o remount,rw /usr", "");
    assert_eq!(
        (c, e.as_str()),
        (1, "mount: only root can use \"--options\" option\n")
    );
    let (c, _, e) = run_in(&b, "sudo cp /etc/hostname /usr/lib/h", "");
    assert_eq!(c, 1);
    assert!(e.contains("Read-only file system"), "{e}");
    let (c, _, e) = run_in(
        &b,
        "sudo mount -o remount,rw /usr && sudo cp /etc/hostname /usr/lib/h",
        "",
    );
    assert_eq!(c, 0, "{e}");
    assert!(
        run_in(&b, "mount", "")
            .1
            .contains("/dev/mmcblk2p2 on /usr type ext4 (rw,relatime)")
    );
    let (c, _, e) = run_in(&b, "cp /etc/hostname /usr/lib/h2", "");
    assert_eq!(c, 1);
    assert!(e.contains("Permission denied"), "{e}");
    run_in(&b, "sudo mount -o remount,ro /usr", "");
    assert!(!b.vfs().usr_writable());
    let (c, _, e) = run_in(&b, "rm /etc/hostname", "");
    assert_eq!(
        (c, e.as_str()),
        (1, "rm: cannot remove '/etc/hostname': Permission denied\n")
    );
    let (c, _, e) = run_in(&b, "cat /nope", "");
    assert_eq!(
        (c, e.as_str()),
        (1, "cat: /nope: No such file or directory\n")
    );
    // a root-only script
    b.vfs()
        .write_system_file("/usr/arduino/extra/x.sh", b"#!/bin/sh\necho ran\n")
        .unwrap();
    b.vfs().remount_usr(true);
    b.vfs()
        .chmod("/usr/arduino/extra/x.sh", 0o744, User::Root)
        .unwrap();
    b.vfs().remount_usr(false);
    let (c, _, e) = run_in(&b, "/usr/arduino/extra/x.sh", "");
    assert_eq!(
        (c, e.as_str()),
        (
            126,
            "/bin/bash: line 1: /usr/arduino/extra/x.sh: Permission denied\n"
        )
    );
    let (c, o, _) = run_in(&b, "sudo /usr/arduino/extra/x.sh", "");
    assert_eq!((c, o.as_str()), (0, "ran\n"));
    let (_, o, _) = run_in(&b, "cat /usr/arduino/extra/x.sh | head -n 1", "");
    assert_eq!(o, "#!/bin/sh\n");
}

#[test]
fn sudo_variants() {
    let (_d, b) = board_with(None);
    assert_eq!(run_in(&b, "sudo -n true; echo $?", "").1, "0\n");
    assert_eq!(run_in(&b, "sudo whoami", "").1, "root\n");
    assert_eq!(run_in(&b, "sudo id -u", "").1, "0\n");

    let (_d, b) = board_with(Some("fio"));
    let (c, _, e) = run_in(&b, "sudo -n true", "");
    assert_eq!((c, e.as_str()), (1, "sudo: a password is required\n"));
    let (c, o, e) = run_in(&b, "sudo -S whoami", "fio\n");
    assert_eq!(
        (c, o.as_str(), e.as_str()),
        (0, "root\n", "[sudo] password for fio: ")
    );
    let (c, o, e) = run_in(&b, "sudo -S -p '' whoami", "fio\n");
    assert_eq!((c, o.as_str(), e.as_str()), (0, "root\n", ""));
    let (c, _, e) = run_in(&b, "sudo -S -p '' true", "bad\nbad\nbad\n");
    assert_eq!(c, 1);
    assert_eq!(
        e,
        "Sorry, try again.\nSorry, try again.\nsudo: 3 incorrect password attempts\n"
    );
    let (c, _, e) = run_in(&b, "sudo -S -p '' true", "bad\n");
    assert_eq!(c, 1);
    assert!(
        e.contains("Sorry, try again.") && e.contains("sudo: no password was provided"),
        "{e}"
    );
    let (c, _, e) = run_in(&b, "sudo -S -p '' true", "");
    assert_eq!(c, 1);
    assert!(e.contains("sudo: no password was provided"), "{e}");
    // the rest of stdin goes to the command
    let (c, o, _) = run_in(&b, "sudo -S -p '' cat", "fio\npayload\n");
    assert_eq!((c, o.as_str()), (0, "payload\n"));
    let (c, _, e) = run_in(&b, "sudo -S -p '' nosuch", "fio\n");
    assert_eq!((c, e.as_str()), (1, "sudo: nosuch: command not found\n"));

    let (_d, b) = board_with(Some(""));
    assert_eq!(run_in(&b, "sudo -n true", "").0, 1);
    let (c, o, _) = run_in(&b, "sudo -S -p '' whoami", "\n");
    assert_eq!((c, o.as_str()), (0, "root\n"));
    let (c, _, _) = run_in(&b, "sudo -S -p '' whoami", "fio\nfio\nfio\n");
    assert_eq!(c, 1);
}

#[test]
fn disk_full() {
    let (_d, b) = board_with(Some("fio"));
    assert!(!run_in(&b, "df /", "").1.contains("100%"));
    b.faults().set(Fault::DiskFull, true);
    let (c, _, e) = run_in(&b, "echo x > /tmp/f", "");
    assert_eq!(c, 1);
    assert!(e.contains("No space left on device"), "{e}");
    let (_, o, _) = run_in(&b, "df -h /home/fio", "");
    assert!(o.contains("100%"), "{o}");
    let (c, _, e) = run_in(&b, "cp /etc/hostname /tmp/h", "");
    assert_eq!(c, 1);
    assert!(e.contains("No space left on device"), "{e}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "board file names with characters no Windows file name holds (newline, backslash, quote)"
)]
fn find_and_sha256sum() {
    let (_d, b) = board_with(Some("fio"));
    let (c, _, e) = run_in(
        &b,
        "mkdir -p d/e && echo -n abc > d/x.bin && echo hi > d/e/y.txt && ln -s x.bin d/l",
        "",
    );
    assert_eq!(c, 0, "{e}");
    let (_, o, _) = run_in(&b, "find d -type f | sort", "");
    assert_eq!(o, "d/e/y.txt\nd/x.bin\n");
    let (_, o, _) = run_in(&b, "find d -name '*.bin' -exec sha256sum {} +", "");
    assert_eq!(
        o,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  d/x.bin\n"
    );
    let (_, o, _) = run_in(&b, "find d -maxdepth 1 -type l", "");
    assert_eq!(o, "d/l\n");
    let (_, o, _) = run_in(
        &b,
        "find d -type f -print0 | xargs -0 -n1 basename | sort",
        "",
    );
    assert_eq!(o, "x.bin\ny.txt\n");
    let (_, o, _) = run_in(&b, "printf abc | sha256sum", "");
    assert_eq!(
        o,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n"
    );
    let (c, _, e) = run_in(&b, "sha256sum nope", "");
    assert_eq!(
        (c, e.as_str()),
        (1, "sha256sum: nope: No such file or directory\n")
    );
    let (_, o, _) = run_in(&b, "find d -type f -exec echo F {} \\; | sort", "");
    assert_eq!(o, "F d/e/y.txt\nF d/x.bin\n");
    // GNU's escaping of names with a newline or backslash: one line per file.
    let (c, _, e) = run_in(
        &b,
        "printf abc > \"$(printf 'n\\nl')\"; printf abc > 'b\\s'",
        "",
    );
    assert_eq!(c, 0, "{e}");
    let (_, o, _) = run_in(&b, "sha256sum \"$(printf 'n\\nl')\" 'b\\s'", "");
    let h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(o, format!("\\{h}  n\\nl\n\\{h}  b\\\\s\n"));
}

#[test]
fn file_commands() {
    let (_d, b) = board_with(Some("fio"));
    let script =
        "mkdir -p a/b && touch -d @1600000000 a/f && stat -c '%a %s %Y %n %F %U %u' a/f a/b";
    let (c, o, e) = run_in(&b, script, "");
    assert_eq!(c, 0, "{e}");
    assert!(
        o.starts_with("644 0 1600000000 a/f regular empty file fio 1000\n755 4096 "),
        "{o}"
    );
    assert!(o.ends_with(" a/b directory fio 1000\n"), "{o}");
}

#[test]
fn command_stubs() {
    for n in super::cmds::COMMANDS {
        assert!(super::cmds::lookup(n).is_some(), "{n}");
    }
    let (_d, b) = board_with(Some("fio"));
    let (_, o, _) = run_in(
        &b,
        "test -x /bin/bash && ls -l /usr/bin/sudo | cut -c1-10; /usr/bin/echo hi",
        "",
    );
    assert_eq!(o, "-rwxr-xr-x\nhi\n");
}

#[test]
fn identity_commands() {
    let (_d, b) = board_with(Some("fio"));
    assert_eq!(
        run_in(&b, "whoami; hostname", "").1,
        "fio\nportenta-x8-2d16ba09dab6fad9\n"
    );
    assert!(
        run_in(&b, "id", "")
            .1
            .starts_with("uid=1000(fio) gid=1000(fio) groups=1000(fio),")
    );
    assert!(run_in(&b, "id", "").1.contains("(docker)"));
    assert_eq!(run_in(&b, "uname -m", "").1, "aarch64\n");
    assert!(run_in(&b, "uname -r", "").1.contains("lmp"));
    assert_eq!(
        run_in(&b, "cat /proc/device-tree/model | tr -d '\\0'", "").1,
        "Arduino i.MX8MM Portenta X8 board"
    );
    assert_eq!(
        run_in(
            &b,
            "grep -E '^IMAGE_VERSION=' /etc/os-release | cut -d= -f2",
            ""
        )
        .1,
        "861\n"
    );
}

#[test]
fn interactive_session() {
    let (_d, b) = board_with(Some("fio"));
    let mut inp = Cursor::new(b"echo hi\ncd /tmp\nexit 7\necho never\n".to_vec());
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = {
        let mut io = ShellIo {
            stdin: &mut inp,
            stdout: &mut out,
            stderr: &mut err,
        };
        b.interactive(&mut io)
    };
    assert_eq!(code, 7);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with("fio@portenta-x8-2d16ba09dab6fad9:~$ echo hi\r\nhi\r\n"),
        "{out}"
    );
    assert!(out.contains(":/tmp$ "), "{out}");
    assert!(!out.contains("never"));
    // typed CR ends a line, backspace edits it, ^C drops it
    let mut inp =
        Cursor::new(b"echo abx\x7fc\rfoo\x03echo z\rif true\rthen echo multi\rfi\r".to_vec());
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = {
        let mut io = ShellIo {
            stdin: &mut inp,
            stdout: &mut out,
            stderr: &mut err,
        };
        b.interactive(&mut io)
    };
    assert_eq!(code, 0);
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("\r\nabc\r\n"), "{out:?}");
    assert!(out.contains("foo^C\r\n"), "{out:?}");
    assert!(out.contains("\r\nz\r\n"), "{out:?}");
    assert!(
        out.contains("if true\r\n> then echo multi\r\n> fi\r\nmulti\r\n"),
        "{out:?}"
    );
    assert!(out.ends_with("exit\r\n"), "{out:?}");
    // sudo -i opens a root shell on the same terminal
    let mut inp = Cursor::new(b"sudo -i\rfio\rwhoami\rexit\rwhoami\r".to_vec());
    let mut out = Vec::new();
    let mut err = Vec::new();
    {
        let mut io = ShellIo {
            stdin: &mut inp,
            stdout: &mut out,
            stderr: &mut err,
        };
        b.interactive(&mut io);
    }
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("root@portenta-x8-2d16ba09dab6fad9:~# whoami\r\nroot\r\n"),
        "{out:?}"
    );
    assert!(out.contains(":~$ whoami\r\nfio\r\n"), "{out:?}");
    assert!(!out.contains("\r\r"), "{out:?}");
}

/// A writer that fails after `n` bytes, like a closed adb stream.
struct Closing(usize);
impl std::io::Write for Closing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "closed",
            ));
        }
        let n = buf.len().min(self.0);
        self.0 -= n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn closed_stream_stops_the_command() {
    let (_d, b) = board_with(Some("fio"));
    let mut inp = Cursor::new(Vec::new());
    let mut out = Closing(4);
    let mut err = Vec::new();
    let start = std::time::Instant::now();
    {
        let mut io = ShellIo {
            stdin: &mut inp,
            stdout: &mut out,
            stderr: &mut err,
        };
        b.run_command("while true; do echo line; done", &mut io);
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
        #[test]
        fn parser_never_panics(s in "[ -~\\n\\t]{0,60}") {
            let _ = crate::shell::parse::parse(&s);
        }

        #[test]
        fn regex_and_glob_never_panic(p in "[a-c.*+?|()\\[\\]^$\\\\{},0-9-]{0,16}", t in "[a-c(){}*]{0,24}") {
            let chars: Vec<char> = t.chars().collect();
            for ere in [false, true] {
                if let Ok(r) = crate::shell::regex::Regex::new(&p, ere, false) {
                    let _ = r.is_match(&chars);
                    let _ = r.find_all(&chars);
                    let _ = r.word_match(&chars);
                    let _ = r.captures_from(&chars, 0);
                }
            }
            let _ = crate::shell::glob::matches_str(&p, &t);
        }

    }

    /// Run `f` on many values of `strategy`, all on one board (creating a board per case is
    /// slow), so that state left by one case meets the next.
    fn on_one_board<S: Strategy>(strategy: S, f: impl Fn(&Board, S::Value))
    where
        S::Value: std::fmt::Debug,
    {
        let (_d, b) = board_with(Some("fio"));
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 400,
            ..ProptestConfig::default()
        });
        let r = runner.run(&strategy, |v| {
            f(&b, v);
            Ok(())
        });
        if let Err(e) = r {
            panic!("{e}");
        }
    }

    #[test]
    fn sed_never_panics() {
        on_one_board(
            ("[sdpq/a-c.*0-9;$,!=&\\\\gI]{0,20}", "[a-c\\n]{0,20}"),
            |b, (p, t)| {
                let mut inp = Cursor::new(t.into_bytes());
                let mut out = Vec::new();
                let mut err = Vec::new();
                let mut io = ShellIo {
                    stdin: &mut inp,
                    stdout: &mut out,
                    stderr: &mut err,
                };
                let ctx = crate::shell::Ctx::new(b, User::Fio);
                let script = "sed -e \"$1\"";
                let _ = crate::shell::exec::run_dash_c(
                    &ctx,
                    "bash",
                    script,
                    Some("x"),
                    vec![p],
                    &mut io,
                );
            },
        );
    }

    #[test]
    fn commands_never_panic() {
        let cmds = prop::sample::select(vec![
            "echo",
            "printf",
            "test",
            "[",
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
            "cut",
            "sort",
            "uniq",
            "tr",
            "tee",
            "dd",
            "strings",
            "basename",
            "dirname",
            "readlink",
            "realpath",
            "which",
            "id",
            "uname",
            "date",
            "df",
            "du",
            "mount",
            "umount",
            "sudo",
            "env",
            "seq",
            "sed",
            "sh -c",
            "cmp",
            "type",
            "command",
            "cd",
            "export",
            "read",
            "set",
            "shift",
            "eval",
            "printenv",
            "hostname",
            "free",
        ]);
        let args = prop::collection::vec(
            prop::sample::select(vec![
                "-n",
                "1",
                "-l",
                "/tmp",
                "x",
                "'*'",
                "-r",
                "'a b'",
                "/etc/hostname",
                "-c",
                "%s%d%x%b",
                "/",
                "..",
                "-",
                "--",
                "-e",
                "s/a/b/g",
                "-exec",
                "{}",
                "+",
                "';'",
                "-name",
                "-type",
                "f",
                "+3",
                "-3",
                "0x40000",
                "bs=1",
                "count=2",
                "skip=9",
                "if=/etc/hostname",
                "of=/tmp/o",
                "-o",
                "remount,rw",
                "/usr",
                "-S",
                "-p",
                "''",
                "-u",
                "root",
                "-f",
                "-d:",
                "-f2",
                "a-z",
                "-E",
                "'[0-9]+'",
                "-maxdepth",
                "-print0",
                "-0",
                "@1",
                "-a",
                "=",
                "!",
                "-eq",
                "u+x",
                "755",
            ]),
            0..6,
        );
        on_one_board((cmds, args), |b, (cmd, args)| {
            let line = format!("cd /tmp; {cmd} {}", args.join(" "));
            let _ = run_in(b, &line, "fio\nline\n");
        });
    }

    #[test]
    fn run_never_panics() {
        let s = "(echo|cat|ls|x=1|\\[\\[|\\]\\]|==|=~|f\\(\\)|sudo -i|sed|\\$\\(|\\$\\{|\\{|\\}|;|&&|\\|\\||\\||'|\"|\\(|\\)|>|<|2>&1|if|then|fi|for|do|done|[a-z0-9 $?*#~\\\\-])*";
        on_one_board(s, |b, s: String| {
            let s: String = s.chars().take(80).collect();
            // never run anything that waits for ever
            if s.contains("while") || s.contains("sleep") {
                return;
            }
            let _ = run_in(b, &s, "");
        });
    }
}

/// Run `X8_SHELL_SCRATCH` (a script) on a fresh board and print what it gives; a
/// developer's aid, silent when the variable is unset.
#[test]
fn scratch() {
    let Ok(script) = std::env::var("X8_SHELL_SCRATCH") else {
        return;
    };
    let (_d, b) = board_with(Some("fio"));
    let (c, o, e) = run_in(&b, &script, "fio\n");
    println!("--- status {c}\n--- stdout\n{o}--- stderr\n{e}---");
}

#[test]
fn command_table() {
    let (_d, b) = board_with(Some("fio"));
    let cases: &[(&str, &str)] = &[
        ("echo d/{a,b} x{1..3}", "d/a d/b x1 x2 x3\n"),
        ("cat <<EOF\n$HOME \"q\"\nEOF", "/home/fio \"q\"\n"),
        ("cat <<'EOF'\n$HOME\nEOF", "$HOME\n"),
        (
            "touch a.bin b.bin c.txt; echo *.bin; echo '*.bin'",
            "a.bin b.bin\n*.bin\n",
        ),
        (
            "printf '1 2\\n3 4\\n' | while read -r x y; do echo \"$y$x\"; done",
            "21\n43\n",
        ),
        (
            "printf 'abcdef' > f; dd if=f bs=1 skip=2 count=3 status=none",
            "cde",
        ),
        ("dd if=/dev/zero bs=4 count=2 status=none | wc -c", "8\n"),
        ("printf 'a1\\nb2\\nc3\\n' | grep -v b", "a1\nc3\n"),
        ("printf 'a1\\nb2\\n' | grep -n -E '[0-9]$'", "1:a1\n2:b2\n"),
        (
            "printf 'x8h7_drv 1\\nx8h7_ui 2\\n' | grep -c '^x8h7_'",
            "2\n",
        ),
        (
            "echo 'v=0.0.5' | grep -oE '[0-9]+\\.[0-9]+\\.[0-9]+'",
            "0.0.5\n",
        ),
        ("echo abc | grep -q b && echo yes", "yes\n"),
        ("echo abc | grep -F 'a.c' || echo none", "none\n"),
        (
            "mkdir -p s/t && echo x > s/t/f && cp -r s u && cat u/t/f",
            "x\n",
        ),
        (
            "echo y > m1 && mv m1 m2 && cat m2 && test ! -e m1 && echo gone",
            "y\ngone\n",
        ),
        (
            "printf '#!/bin/sh\\necho script $1\\n' > s.sh; chmod +x s.sh; ./s.sh arg",
            "script arg\n",
        ),
        (
            "echo k > r; ln -s r l; readlink l; readlink -f l",
            "r\n/home/fio/r\n",
        ),
        (
            "[ -d /tmp ] && [ ! -f /tmp ] && [ -n x ] && [ -z '' ] && [ 3 -gt 2 ] && echo ok",
            "ok\n",
        ),
        (
            "test -w /etc/hostname || echo ro; test -w /home/fio && echo rw",
            "ro\nrw\n",
        ),
        (
            "test -x /bin/sh; echo $?; test -x /etc/hostname; echo $?",
            "0\n1\n",
        ),
        ("printf 'a\\nb\\n' | xargs -n1 echo x", "x a\nx b\n"),
        ("echo a b | xargs -r echo", "a b\n"),
        ("printf '3\\n10\\n2\\n' | sort -n", "2\n3\n10\n"),
        ("printf '3\\n10\\n2\\n' | sort -rn | head -n 1", "10\n"),
        ("printf 'a\\na\\nb\\n' | uniq -c", "      2 a\n      1 b\n"),
        ("echo hello | tr a-z A-Z | tr -d L", "HEO\n"),
        ("printf 'abc\\0de\\0fghij' | strings -n 3", "abc\nfghij\n"),
        (
            "printf 'l1\\nl2\\nl3\\n' | tail -n 1; printf 'l1\\nl2\\n' | tail -n +2",
            "l3\nl2\n",
        ),
        ("printf 'l1\\nl2\\nl3\\n' | head -n 2 | wc -l", "2\n"),
        ("echo abc | head -c 2; echo", "ab\n"),
        (
            "basename /usr/lib/x.bin .bin; dirname /usr/lib/x.bin",
            "x\n/usr/lib\n",
        ),
        (
            "cd /usr/lib && pwd && cd - >/dev/null && pwd",
            "/usr/lib\n/home/fio\n",
        ),
        ("echo $((0x40000)) $((1<<4)) $((10 % 3))", "262144 16 1\n"),
        ("x=5; x=$((x+1)); echo $x", "6\n"),
        (
            "v=abc; echo ${#v} ${v:-d} ${u:-d} ${u:+set} ${v:+set}",
            "3 abc d set\n",
        ),
        ("a=1; (a=2; echo $a); echo $a", "2\n1\n"),
        ("echo $(printf 'x\\n\\n')y", "xy\n"),
        ("true; echo $?; ! true; echo $?", "0\n1\n"),
        ("echo a; exit 0; echo b", "a\n"),
        (
            "for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done",
            "1\n3\n",
        ),
        ("sh -c 'echo $0 $1 $#' zero one", "zero one 1\n"),
        ("bash -c 'exit 7'; echo $?", "7\n"),
        ("echo a >/dev/null; echo b 2>/dev/null", "b\n"),
        (
            "touch -d @1600000000 t; stat -c %Y t; date -d @0 +%F",
            "1600000000\n1970-01-01\n",
        ),
        ("stat -c '%A %U' /etc/hostname", "-rw-r--r-- root\n"),
        (
            "echo x > o; chmod 600 o; stat -c %a o; chmod u+x,g+r o; stat -c %a o",
            "600\n740\n",
        ),
        ("find /etc -maxdepth 1 -name 'host*'", "/etc/hostname\n"),
        ("mkdir -p q/r; touch q/r/z; find q -mindepth 2", "q/r/z\n"),
        ("env | grep -c '^HOME=/home/fio$'", "1\n"),
        ("X=1 env | grep '^X='", "X=1\n"),
        (
            "which sudo; command -v cat; type -t cd >/dev/null; echo done",
            "/usr/bin/sudo\n/usr/bin/cat\ndone\n",
        ),
        ("case x8 in x[0-9]) echo m;; esac", "m\n"),
        ("echo 'a b' | cut -d' ' -f2", "b\n"),
        ("ls -d /tmp /usr", "/tmp\n/usr\n"),
        ("mkdir e; ls -a e", ".\n..\n"),
        (
            "echo x | tee -a tt >/dev/null; echo y | tee -a tt >/dev/null; cat tt",
            "x\ny\n",
        ),
        ("cat /sys/devices/soc0/serial_number", "2D16BA09DAB6FAD9\n"),
        (
            "printf '%s' \"$(cat /etc/hostname)\"",
            "portenta-x8-2d16ba09dab6fad9",
        ),
        ("echo fio | sudo -S -p '' whoami", "root\n"),
        ("f() { echo \"f:$1\"; return 3; }; f a; echo $?", "f:a\n3\n"),
        (
            "echo 'ver=0.0.5 x' | sed -E 's/ver=([0-9.]+).*/\\1/'",
            "0.0.5\n",
        ),
        (
            "printf 'a\\nb\\nc\\n' | sed -n '2,3p'; echo abc | sed 's/b/[&]/g'",
            "b\nc\na[b]c\n",
        ),
        ("echo x > sf; sed -i 's/x/y/' sf; cat sf", "y\n"),
        ("function g { echo g; }; g | tr g G", "G\n"),
        (
            "[[ -f /etc/hostname && fw.bin == *.bin ]] && echo y; [[ abc =~ ^a.c$ || 1 > 2 ]] && echo z",
            "y\nz\n",
        ),
        (
            "echo fio | sudo -S -p '' sh -c 'echo $USER $HOME; id -un'",
            "root /home/root\nroot\n",
        ),
    ];
    for (cmd, want) in cases {
        let (c, o, e) = run_in(&b, cmd, "");
        assert_eq!(&o, want, "command: {cmd}\nstatus {c}\nstderr: {e}");
    }
}

#[test]
fn error_texts() {
    let (_d, b) = board_with(Some("fio"));
    let cases: &[(&str, i32, &str)] = &[
        (
            "ls /nope",
            2,
            "ls: cannot access '/nope': No such file or directory\n",
        ),
        (
            "mkdir /etc/x",
            1,
            "mkdir: cannot create directory '/etc/x': Permission denied\n",
        ),
        (
            "mkdir /tmp && true",
            1,
            "mkdir: cannot create directory '/tmp': File exists\n",
        ),
        ("rm /tmp", 1, "rm: cannot remove '/tmp': Is a directory\n"),
        (
            "rm nope",
            1,
            "rm: cannot remove 'nope': No such file or directory\n",
        ),
        (
            "rmdir /home/fio/../../etc",
            1,
            "rmdir: failed to remove '/home/fio/../../etc': Permission denied\n",
        ),
        (
            "cp nope x",
            1,
            "cp: cannot stat 'nope': No such file or directory\n",
        ),
        (
            "cp /etc/hostname /usr/h",
            1,
            "cp: cannot create regular file '/usr/h': Read-only file system\n",
        ),
        (
            "cp /etc /tmp/e",
            1,
            "cp: -r not specified; omitting directory '/etc'\n",
        ),
        (
            "chown root /home/fio",
            1,
            "chown: changing ownership of '/home/fio': Operation not permitted\n",
        ),
        (
            "chmod 777 /etc/hostname",
            1,
            "chmod: changing permissions of '/etc/hostname': Operation not permitted\n",
        ),
        (
            "touch /etc/x",
            1,
            "touch: cannot touch '/etc/x': Permission denied\n",
        ),
        (
            "stat /nope",
            1,
            "stat: cannot statx '/nope': No such file or directory\n",
        ),
        ("cat /etc", 1, "cat: /etc: Is a directory\n"),
        (
            "cd /etc/hostname",
            1,
            "/bin/bash: line 1: cd: /etc/hostname: Not a directory\n",
        ),
        ("/etc", 126, "/bin/bash: line 1: /etc: Is a directory\n"),
        (
            "/etc/hostname",
            126,
            "/bin/bash: line 1: /etc/hostname: Permission denied\n",
        ),
        (
            "echo a\nnope",
            127,
            "/bin/bash: line 2: nope: command not found\n",
        ),
        (
            "umount /usr",
            32,
            "umount: /usr: must be superuser to unmount.\n",
        ),
        (
            "[ 1 -eq x ]",
            2,
            "bash: [: x: integer expression expected\n",
        ),
        ("[ 1 = 1", 2, "bash: [: missing `]'\n"),
        (
            "echo ${x%%",
            2,
            "/bin/bash: -c: line 1: unexpected EOF while looking for matching `}'\n/bin/bash: -c: line 2: syntax error: unexpected end of file\n",
        ),
        (
            "echo $((1/0))",
            1,
            "/bin/bash: line 1: division by 0 (error token is \"0\")\n",
        ),
    ];
    for (cmd, code, want) in cases {
        let (c, _, e) = run_in(&b, cmd, "");
        assert_eq!((c, e.as_str()), (*code, *want), "command: {cmd}");
    }
}

/// With `X8_SHELL_ADB=1`: the shell and the file system through the real adbd and Debian's
/// adb (push, pull, shell, interactive shell). Needs `adb` on PATH; silent otherwise.
#[test]
fn through_real_adb() {
    use std::process::{Command, Stdio};
    if std::env::var("X8_SHELL_ADB").is_err() {
        return;
    }
    let (d, b) = board_with(Some("fio"));
    let adbd = crate::adbd::spawn(
        "127.0.0.1:0".parse().unwrap(),
        b.clone(),
        crate::adbd::AdbdConfig::default(),
    )
    .unwrap();
    let serial = adbd.local_addr().to_string();
    let home = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let adb = |args: &[&str], input: Option<&[u8]>| {
        let mut c = Command::new("adb");
        c.arg("-P")
            .arg(port.to_string())
            .env("HOME", home.path())
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(i) = input {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(i).unwrap();
        }
        let o = child.wait_with_output().unwrap();
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    adb(&["start-server"], None);
    println!("{:?}", adb(&["connect", &serial], None));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let s = serial.as_str();
    println!(
        "{:?}",
        adb(
            &[
                "-s",
                s,
                "shell",
                "id; echo 'a b;$(reboot)' > 'x y'; ls -l; exit 3"
            ],
            None
        )
    );
    std::fs::write(d.path().join("fw.bin"), vec![7u8; 300_000]).unwrap();
    let fw = d.path().join("fw.bin");
    println!(
        "{:?}",
        adb(&["-s", s, "push", fw.to_str().unwrap(), "/tmp/"], None)
    );
    println!(
        "{:?}",
        adb(&["-s", s, "push", fw.to_str().unwrap(), "/usr/lib/"], None)
    );
    println!(
        "{:?}",
        adb(
            &[
                "-s",
                s,
                "shell",
                "sha256sum /tmp/fw.bin; stat -c '%a %U %s' /tmp/fw.bin"
            ],
            None
        )
    );
    println!(
        "{:?}",
        adb(
            &[
                "-s",
                s,
                "shell",
                "echo fio | sudo -S -p '' sh -c 'mount -o remount,rw /usr && cp /tmp/fw.bin /usr/lib/ && ls -l /usr/lib/fw.bin'"
            ],
            None
        )
    );
    println!(
        "{:?}",
        adb(
            &["-s", s, "shell"],
            Some(b"cd /tmp\npwd\nsudo -S whoami\nfio\nexit\n")
        )
    );
    println!("{:?}", adb(&["-s", s, "ls", "/home/fio"], None));
    adb(&["kill-server"], None);
}
