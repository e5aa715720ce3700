//! The product library reads no environment variables (issue 13): the binary reads them
//! once and hands the library a typed `host::HostEnv`. This test fails if
//! `std::env::var`, `var_os`, `vars`, `vars_os`, `home_dir` or `temp_dir` appears in
//! `crates/x8ctl-core/src` outside `#[cfg(test)]` items and comments.

mod common;

/// What reads the process environment.
const READS: &[&str] = &[
    "env::var(",
    "env::var_os(",
    "env::vars(",
    "env::vars_os(",
    "env::home_dir(",
    "env::temp_dir(",
    "use std::env;",
    "use std::env::{",
    "use std::env::var",
];

/// The lines (1-based, text) of `source` that read the environment, outside
/// `#[cfg(test)]` items and `//` comments.
fn env_reads(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut lines = source.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let code = line.split("//").next().unwrap_or("").trim();
        if code.starts_with("#[cfg(test)]") {
            // Skip the item it guards: up to its `;`, or to the `}` that closes its `{`.
            let mut depth = 0i64;
            let mut opened = false;
            for (_, l) in lines.by_ref() {
                let c = l.split("//").next().unwrap_or("");
                depth += c.matches('{').count() as i64 - c.matches('}').count() as i64;
                opened |= c.contains('{');
                if (opened && depth <= 0) || (!opened && c.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        if READS.iter().any(|r| code.contains(r)) {
            found.push((n + 1, line.trim().to_string()));
        }
    }
    found
}

#[test]
fn the_product_library_reads_no_environment() {
    let files = common::library_sources(|_| true);
    let mut bad = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in env_reads(&text) {
            bad.push(format!("{}:{n}: {line}", f.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "the product library must not read the environment; take the value from \
         `host::HostEnv` (built by src/cli/host.rs) instead:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scan_sees_reads_and_skips_tests_and_comments() {
    let src = r#"
fn a() -> Option<String> {
    std::env::var("HOME").ok()
}
// std::env::var("IN_A_COMMENT")
fn b() { let _ = std::env::var_os("PATH"); }
#[cfg(test)]
fn helper() { std::env::var("T").ok(); }
#[cfg(test)]
mod tests {
    fn t() {
        if true { let _ = std::env::vars(); }
    }
}
fn c() { for _ in std::env::vars() {} }
fn d() -> std::path::PathBuf { std::env::temp_dir().join("x") }
"#;
    let got: Vec<usize> = env_reads(src).into_iter().map(|(n, _)| n).collect();
    assert_eq!(got, [3, 6, 15, 16]);
}
