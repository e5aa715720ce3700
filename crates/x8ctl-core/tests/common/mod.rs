//! What the source-reading tests of the product library share.

use std::path::{Path, PathBuf};

/// The product library's source folder.
pub fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, sorted; `keep` chooses by file name.
pub fn library_sources(keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, keep: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, keep, out);
            } else if p.extension().is_some_and(|x| x == "rs")
                && p.file_name().and_then(|n| n.to_str()).is_some_and(keep)
            {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src_dir(), &keep, &mut files);
    assert!(files.len() > 20, "{files:?}");
    files.sort();
    files
}
