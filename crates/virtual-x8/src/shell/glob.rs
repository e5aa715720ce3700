//! Glob patterns: `*`, `?`, `[...]` (quoted characters match literally), and pathname
//! expansion inside the sandbox.

use super::Ctx;

#[derive(Debug, Clone)]
enum G {
    Star,
    Any,
    Class(Vec<(char, char)>, bool),
    Ch(char),
}

fn compile(p: &[(char, bool)]) -> Vec<G> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(c, q)) = p.get(i) {
        i += 1;
        if q {
            out.push(G::Ch(c));
            continue;
        }
        match c {
            '*' => {
                if !matches!(out.last(), Some(G::Star)) {
                    out.push(G::Star);
                }
            }
            '?' => out.push(G::Any),
            '[' => {
                // find the closing bracket
                let mut j = i;
                let mut neg = false;
                if matches!(p.get(j), Some(&('!', false)) | Some(&('^', false))) {
                    neg = true;
                    j += 1;
                }
                let start = j;
                let mut ranges = Vec::new();
                let mut closed = None;
                while let Some(&(d, dq)) = p.get(j) {
                    if d == ']' && !dq && j > start {
                        closed = Some(j);
                        break;
                    }
                    if matches!(p.get(j + 1), Some(&('-', false)))
                        && let Some(&(e, _)) = p.get(j + 2)
                        && e != ']'
                    {
                        ranges.push((d, e));
                        j += 3;
                        continue;
                    }
                    ranges.push((d, d));
                    j += 1;
                }
                match closed {
                    Some(end) => {
                        out.push(G::Class(ranges, neg));
                        i = end + 1;
                    }
                    None => out.push(G::Ch('[')),
                }
            }
            c => out.push(G::Ch(c)),
        }
    }
    out
}

fn one(g: &G, c: char) -> bool {
    match g {
        G::Any => true,
        G::Ch(x) => *x == c,
        G::Class(r, neg) => r.iter().any(|&(a, b)| a <= c && c <= b) != *neg,
        G::Star => true,
    }
}

/// Whether `s` matches the pattern (whole string).
pub fn matches(p: &[(char, bool)], s: &[char]) -> bool {
    let g = compile(p);
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match g.get(pi) {
            Some(G::Star) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(x) if s.get(si).is_some_and(|&c| one(x, c)) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    while matches!(g.get(pi), Some(G::Star)) {
        pi += 1;
    }
    pi == g.len()
}

/// A plain (all unquoted) pattern match, for `find -name` and `case`.
pub fn matches_str(pattern: &str, s: &str) -> bool {
    let p: Vec<(char, bool)> = pattern.chars().map(|c| (c, false)).collect();
    let s: Vec<char> = s.chars().collect();
    matches(&p, &s)
}

fn has_meta(p: &[(char, bool)]) -> bool {
    p.iter().any(|&(c, q)| !q && matches!(c, '*' | '?' | '['))
}

/// Pathname expansion: the sorted matches, or empty when nothing matches.
pub fn expand(ctx: &Ctx, pattern: &[(char, bool)]) -> Vec<String> {
    let absolute = pattern.first().is_some_and(|&(c, _)| c == '/');
    let comps: Vec<&[(char, bool)]> = pattern
        .split(|&(c, _)| c == '/')
        .filter(|c| !c.is_empty())
        .collect();
    // (display prefix, board dir)
    let mut cur: Vec<(String, String)> = vec![if absolute {
        ("/".to_string(), "/".to_string())
    } else {
        (String::new(), ctx.cwd.clone())
    }];
    let vfs = ctx.board.vfs();
    let n = comps.len();
    for (ci, comp) in comps.iter().enumerate() {
        let last = ci + 1 == n;
        let mut next = Vec::new();
        for (disp, dir) in &cur {
            if has_meta(comp) {
                let Ok(names) = vfs.read_dir(dir, ctx.user) else {
                    continue;
                };
                let dot_ok = comp.first().is_some_and(|&(c, _)| c == '.');
                for name in names {
                    if name.starts_with('.') && !dot_ok {
                        continue;
                    }
                    let chars: Vec<char> = name.chars().collect();
                    if matches(comp, &chars) {
                        let path = crate::vfs::join_path(dir, &name);
                        if !last && !vfs.is_dir(&path) {
                            continue;
                        }
                        next.push((join_disp(disp, &name), path));
                    }
                }
            } else {
                let name: String = comp.iter().map(|&(c, _)| c).collect();
                let path = crate::vfs::join_path(dir, &name);
                if vfs.stat(&path, false).is_ok() {
                    next.push((join_disp(disp, &name), path));
                }
            }
        }
        cur = next;
        if cur.is_empty() {
            return Vec::new();
        }
    }
    let mut out: Vec<String> = cur.into_iter().map(|(d, _)| d).collect();
    out.sort();
    out
}

fn join_disp(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else if prefix.ends_with('/') {
        format!("{prefix}{name}")
    } else {
        format!("{prefix}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches_str("*.bin", "fw.bin"));
        assert!(!matches_str("*.bin", "fw.binx"));
        assert!(matches_str("a?c", "abc"));
        assert!(matches_str("[a-c]x", "bx"));
        assert!(!matches_str("[!a-c]x", "bx"));
        assert!(matches_str("*", ""));
        assert!(matches_str("a*b*c", "aXXbYYc"));
        assert!(!matches_str("a*b*c", "aXXbYY"));
    }
}
