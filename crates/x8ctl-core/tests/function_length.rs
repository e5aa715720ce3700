//! No function in the product library is longer than 80 lines (issue 13): a longer one
//! holds several steps or decisions that want names of their own. This test counts every
//! `fn` in `crates/x8ctl-core/src` from its `fn` line to the line of the brace that closes
//! its body, matching braces outside strings, character literals and comments, and fails
//! listing every function over the limit. Test code (`#[cfg(test)]` items, `tests.rs`
//! files) is not counted.

mod common;

use std::ops::Range;
use std::path::Path;

/// The most lines a function may have.
const MAX_LINES: usize = 80;

/// A function found in a source file.
#[derive(Debug, PartialEq, Eq)]
struct Function {
    name: String,
    /// The 1-based line of its `fn`.
    line: usize,
    /// From the `fn` line to the closing brace's, both counted.
    lines: usize,
}

fn blank(c: char) -> char {
    if c == '\n' { '\n' } else { ' ' }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `src` with the insides of comments, strings and character literals blanked (their
/// newlines kept), so that the braces left are the code's.
fn code_only(src: &str) -> Vec<char> {
    let s: Vec<char> = src.chars().collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            // Block comments nest in Rust.
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.extend(['.', '.']);
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.extend(['.', '.']);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i >= s.len() {
                    break;
                } else {
                    out.push(blank(s[i]));
                    i += 1;
                }
            }
        } else if !prev_ident && (c == 'r' || (c == 'b' && at(i + 1) == 'r')) && {
            let j = i + if c == 'b' { 2 } else { 1 };
            let hashes = (j..).take_while(|&k| at(k) == '#').count();
            at(j + hashes) == '"'
        } {
            // A raw string: r"..", r#".."#, br"..".
            let j = i + if c == 'b' { 2 } else { 1 };
            let hashes = (j..).take_while(|&k| at(k) == '#').count();
            let body = j + hashes + 1;
            let mut k = body;
            while k < s.len() && !(s[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#')) {
                k += 1;
            }
            let end = (k + 1 + hashes).min(s.len());
            out.extend(s[i..body].iter().copied());
            out.extend(s[body..k.min(s.len())].iter().map(|&c| blank(c)));
            out.extend(s[k.min(s.len())..end].iter().copied());
            i = end;
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < s.len() && s[i] != '"' {
                let n = if s[i] == '\\' { 2 } else { 1 };
                out.extend(s[i..(i + n).min(s.len())].iter().map(|&c| blank(c)));
                i += n;
            }
            if i < s.len() {
                out.push('"');
                i += 1;
            }
        } else if c == '\'' && (!prev_ident || (s[i - 1] == 'b' && (i < 2 || !is_ident(s[i - 2]))))
        {
            // A character literal ('{', '\'', '\u{7b}', b'{'), or a lifetime ('a), left as
            // it is.
            let end = if at(i + 1) == '\\' {
                (i + 2..s.len()).find(|&k| s[k] == '\'')
            } else if at(i + 2) == '\'' {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.push('\'');
                    out.extend((i + 1..e).map(|_| ' '));
                    out.push('\'');
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The index of the brace that closes the one at `open`.
fn closing(code: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &c) in code.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `{` that opens the item starting at `from`, or `None` when a `;` ends it first
/// (a declaration without a body); braces inside `(..)` and `[..]` do not count.
fn body_start(code: &[char], from: usize) -> Option<usize> {
    let mut nesting = 0i32;
    for (k, &c) in code.iter().enumerate().skip(from) {
        match c {
            '(' | '[' => nesting += 1,
            ')' | ']' => nesting -= 1,
            '{' if nesting == 0 => return Some(k),
            ';' if nesting == 0 => return None,
            _ => {}
        }
    }
    None
}

fn word_at(code: &[char], i: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    code.get(i..i + w.len()) == Some(&w[..])
        && (i == 0 || !is_ident(code[i - 1]))
        && !code.get(i + w.len()).copied().is_some_and(is_ident)
}

/// The spans of `#[cfg(test)]` items (a `mod tests { .. }`, a helper fn).
fn test_items(code: &[char]) -> Vec<Range<usize>> {
    let attr: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut spans = Vec::new();
    for i in 0..code.len() {
        if code[i..].starts_with(&attr)
            && let Some(open) = body_start(code, i + attr.len())
            && let Some(close) = closing(code, open)
        {
            spans.push(i..close + 1);
        }
    }
    spans
}

/// Every function with a body in `src`, outside test items.
fn functions(src: &str) -> Vec<Function> {
    let code = code_only(src);
    let line_of = |i: usize| code[..i].iter().filter(|&&c| c == '\n').count() + 1;
    let tests = test_items(&code);
    let mut found = Vec::new();
    for i in 0..code.len() {
        if !word_at(&code, i, "fn") || tests.iter().any(|t| t.contains(&i)) {
            continue;
        }
        let name_start = (i + 2..code.len()).find(|&k| !code[k].is_whitespace());
        let Some(name_start) = name_start.filter(|&k| is_ident(code[k])) else {
            continue; // `fn(u8) -> u8`, a function pointer type
        };
        let name: String = code[name_start..]
            .iter()
            .take_while(|&&c| is_ident(c))
            .collect();
        let Some(open) = body_start(&code, name_start) else {
            continue;
        };
        let Some(close) = closing(&code, open) else {
            continue;
        };
        found.push(Function {
            name,
            line: line_of(i),
            lines: line_of(close) - line_of(i) + 1,
        });
    }
    found
}

#[test]
fn no_function_in_the_product_library_is_over_80_lines() {
    let src = common::src_dir();
    let files = common::library_sources(|n| n != "tests.rs");
    let mut long = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for func in functions(&text) {
            if func.lines > MAX_LINES {
                let shown = f.strip_prefix(&src).unwrap_or(&f).display().to_string();
                long.push(format!(
                    "src/{shown}:{} fn {}: {} lines",
                    func.line, func.name, func.lines
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "{} function(s) over {MAX_LINES} lines; split each along its steps or decisions, \
         with names that say what each part does:\n{}",
        long.len(),
        long.join("\n")
    );
}

#[test]
fn the_count_ignores_braces_in_strings_chars_and_comments_and_skips_tests() {
    let src = r####"
fn one() {
    let a = "}}}";
    let b = '}';
    let c = r#"{"#;
    // }
    /* } /* { */ } */
    let d = '\'';
    let e = b'{';
}
pub(crate) fn generic<'a, T: Fn(u8) -> [u8; 2]>(x: &'a str, f: fn(u8) -> u8) -> &'a str
where
    T: Clone,
{
    x
}
trait Has { fn declared(&self); fn defaulted(&self) { } }
#[cfg(test)]
mod tests {
    fn inside_tests() {
    }
}
#[cfg(test)]
fn helper() {}
async fn last() {
    let s = "\"{";
}
"####;
    let got: Vec<(String, usize, usize)> = functions(src)
        .into_iter()
        .map(|f| (f.name, f.line, f.lines))
        .collect();
    let want = [
        ("one", 2, 9),
        ("generic", 11, 6),
        ("defaulted", 17, 1),
        ("last", 25, 3),
    ];
    let want: Vec<(String, usize, usize)> = want
        .iter()
        .map(|&(n, l, c)| (n.to_string(), l, c))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_scan_sees_every_source_file() {
    // The walk reaches nested modules and finds the functions of a known file.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let text = std::fs::read_to_string(src.join("deploy/fetch.rs")).unwrap();
    let names: Vec<String> = functions(&text).into_iter().map(|f| f.name).collect();
    assert!(names.iter().any(|n| n == "fetch"), "{names:?}");
    assert!(names.iter().any(|n| n == "checkout"), "{names:?}");
}
