//! File names as users have them — quotes, backslashes, newlines, spaces, long names, many
//! files, names that are not UTF-8 — pushed, pulled and deployed through Debian's adb server
//! and direct: they arrive byte for byte, nothing is written outside the target, and what
//! cannot arrive as it is is refused with a clear error. Pulls of looping symlinks and of
//! folders fio may not read end, and say so.

mod common;

use common::*;
#[cfg(unix)]
use {
    proptest::prelude::*,
    proptest::test_runner::{Config, TestRunner},
    std::collections::BTreeMap,
    std::path::Path,
};

// The generated names hold `\`, `"` and newlines, which no Windows file name can; and
// their test deploys, which needs the virtual X8's container programs (Unix only, see
// virtual-x8's host.rs). So the generator and its test are Unix's.

/// Every file under `root`, by its path relative to `root` (as bytes), with its contents.
#[cfg(unix)]
fn tree(root: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<Vec<u8>, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                out.insert(
                    rel.as_os_str().as_encoded_bytes().to_vec(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A name as users make them: printable text with the characters shells and tools trip on.
#[cfg(unix)]
fn name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9._-]{1,12}",
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("$(touch pwned)".to_string()),
        Just("`x`".to_string()),
        Just("..\\".to_string()),
        Just("é".to_string()),
        Just("-rf".to_string()),
    ];
    proptest::collection::vec(piece, 1..5)
        .prop_map(|v| v.concat())
        .prop_filter("a usable file name", |n| {
            n != "." && n != ".." && !n.contains('/') && n.len() < 200
        })
}

#[cfg(unix)]
#[test]
fn generated_names_round_trip_byte_for_byte_on_both_paths() {
    let rigs = Rig::both(|| sim(&[]));
    let mut runner = TestRunner::new(Config {
        cases: 6,
        failure_persistence: None,
        ..Config::default()
    });
    let files = proptest::collection::btree_map(
        name(),
        proptest::collection::vec(any::<u8>(), 0..300),
        1..12,
    );
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&(files, name()), |(files, long_dir)| {
            // A file named as the folder cannot sit beside it (the write would hit the
            // folder).
            prop_assume!(!files.contains_key(&long_dir));
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for rig in &rigs {
                let dir = tempfile::tempdir().unwrap();
                let src = dir.path().join("src");
                std::fs::create_dir_all(src.join(&long_dir)).unwrap();
                for (i, (n, data)) in files.iter().enumerate() {
                    // A top-level file cannot have the folder's name (the generator can
                    // draw the same name twice).
                    if i % 2 == 0 && *n == long_dir {
                        continue;
                    }
                    // Half at the top, half one folder down (a name as a folder too).
                    let p = if i % 2 == 0 {
                        src.join(n)
                    } else {
                        src.join(&long_dir).join(n)
                    };
                    std::fs::write(p, data).unwrap();
                }
                let remote = format!("/home/fio/names-{}-{case}", rig.name());
                let before_home = tree(&board_path(&rig.sim, "/home"));
                let (code, _, err) =
                    rig.run(&["push", src.to_str().unwrap(), &format!("{remote}/")]);
                prop_assert_eq!(code, 0, "push ({}): {}", rig.name(), err);
                let pushed = board_path(&rig.sim, &format!("{remote}/src"));
                prop_assert_eq!(tree(&pushed), tree(&src), "{}", rig.name());
                // Nothing written anywhere but the target.
                let mut after_home = tree(&board_path(&rig.sim, "/home"));
                after_home.retain(|k, _| {
                    !k.starts_with(format!("fio/names-{}-{case}/", rig.name()).as_bytes())
                });
                prop_assert_eq!(&after_home, &before_home, "{}", rig.name());
                prop_assert!(!board_path(&rig.sim, "/home/fio/pwned").exists());
                prop_assert!(!board_path(&rig.sim, "/tmp/x").exists());
                // And back.
                let back = dir.path().join("back");
                let (code, _, err) =
                    rig.run(&["pull", &format!("{remote}/src"), back.to_str().unwrap()]);
                prop_assert_eq!(code, 0, "pull ({}): {}", rig.name(), err);
                prop_assert_eq!(tree(&back), tree(&src), "{}", rig.name());
                // And as an app: deploy syncs the same names into /home/fio/<app>.
                let app = dir.path().join(format!("names{case}"));
                sensors_app(&app, "python:3.11-alpine");
                for (n, data) in &files {
                    std::fs::write(app.join(n), data).unwrap();
                }
                let (code, _, err) =
                    rig.run(&["--yes", "deploy", app.to_str().unwrap(), "--no-compose"]);
                prop_assert_eq!(code, 0, "deploy ({}): {}", rig.name(), err);
                let deployed = board_path(&rig.sim, &format!("/home/fio/names{case}"));
                prop_assert_eq!(tree(&deployed), tree(&app), "{}", rig.name());
            }
            Ok(())
        })
        .unwrap();
}

/// `..\.profile` is one legal name on Linux and macOS: it lands inside the target, never a
/// folder up (push and deploy).
#[cfg(unix)]
#[test]
fn backslash_names_stay_inside_the_target() {
    for rig in Rig::both(|| sim(&[])) {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        sensors_app(&app, "python:3.11-alpine");
        std::fs::write(app.join(r"..\.profile"), "mine\n").unwrap();
        std::fs::write(app.join(r"..\..\..\tmp\x"), "mine\n").unwrap();
        let (code, _, err) = rig.run(&["push", app.to_str().unwrap(), "/home/fio/"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert!(board_path(&rig.sim, r"/home/fio/app/..\.profile").is_file());
        assert!(!board_path(&rig.sim, "/home/fio/.profile").exists());
        assert!(!board_path(&rig.sim, "/tmp/x").exists());
        let (code, _, err) = rig.run(&["--yes", "deploy", app.to_str().unwrap(), "--no-compose"]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert!(board_path(&rig.sim, r"/home/fio/app/..\..\..\tmp\x").is_file());
        assert!(!board_path(&rig.sim, "/tmp/x").exists());
    }
}

/// A name that is not UTF-8 is refused before anything is sent, naming the file.
#[cfg(target_os = "linux")]
#[test]
fn names_that_are_not_text_are_refused_clearly() {
    use std::os::unix::ffi::OsStrExt;
    for rig in Rig::both(|| sim(&[])) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("ok.txt"), "ok").unwrap();
        std::fs::write(
            src.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")),
            "latin-1",
        )
        .unwrap();
        let (code, _, err) = rig.run(&["push", src.to_str().unwrap(), "/home/fio/"]);
        assert_ne!(code, 0, "{}", rig.name());
        assert!(err.contains("not valid UTF-8"), "{}: {err}", rig.name());
        assert!(
            !board_path(&rig.sim, "/home/fio/src").exists(),
            "{}",
            rig.name()
        );
    }
}

/// A folder with symlinks to itself is pulled once, the loops left out and said; a folder
/// fio may not read is an error, not "0 files".
#[test]
fn pulls_of_loops_and_unreadable_folders_end_and_say_so() {
    for rig in Rig::both(|| sim(&[])) {
        let (code, _, err) = rig.run(&[
            "shell",
            "mkdir -p loop/sub && echo hi > loop/sub/f && ln -s . loop/again && ln -s .. loop/sub/up",
        ]);
        assert_eq!(code, 0, "{err}");
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("loop");
        let (code, doc, err) = rig.json(&["pull", "/home/fio/loop", dest.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {err}", rig.name());
        assert_eq!(std::fs::read_to_string(dest.join("sub/f")).unwrap(), "hi\n");
        let skipped = doc["report"]["loops_skipped"].to_string();
        assert!(
            skipped.contains("/home/fio/loop/again") && skipped.contains("/home/fio/loop/sub/up"),
            "{}: {doc}",
            rig.name()
        );

        let (code, _, err) = rig.run(&["shell", "--root", "mkdir -p /home/fio/secret && chmod 700 /home/fio/secret && chown root /home/fio/secret && touch /home/fio/secret/f"]);
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = rig.run(&[
            "pull",
            "/home/fio/secret",
            dir.path().join("s").to_str().unwrap(),
        ]);
        assert_ne!(code, 0, "{}: {out} {err}", rig.name());
        assert!(err.contains("Permission denied"), "{}: {err}", rig.name());
        assert!(err.contains("hint:"), "{err}");
    }
}
