//! The POSIX engine (`regex.rs`) checked against the `regex` crate.
//!
//! Patterns are generated as a small syntax tree in the subset both understand (literals,
//! `.`, bracket expressions with ranges, negation and `[:classes:]`, groups, alternation,
//! `*`, `+`, `?`, `{n,m}`, a leading `^` and a trailing `$`), then written out three times:
//! as an ERE, as a GNU BRE (`\(`, `\|`, `\+`, `\?`, `\{n,m\}`) and in the crate's syntax.
//!
//! Only what the two agree on by construction is compared. The crate matches leftmost-first
//! and POSIX leftmost-longest, so the crate's `find` is not the reference for a match's end;
//! the reference is worked out from whole-string matches instead: the leftmost start is the
//! least `s` for which some `text[s..e]` matches the anchored pattern, and POSIX's end is the
//! greatest such `e`. Group positions are not compared (the two rules for them differ).

use proptest::prelude::*;

use super::regex::Regex;

#[derive(Debug, Clone)]
enum G {
    Lit(char),
    Any,
    Class(Vec<Item>, bool),
    Group(Box<G>),
    Cat(Vec<G>),
    Alt(Vec<G>),
    Rep(Box<G>, u32, Option<u32>),
}

#[derive(Debug, Clone)]
enum Item {
    Char(char),
    Range(char, char),
    Named(&'static str),
}

/// A pattern: its tree and whether it is anchored at the start and at the end.
#[derive(Debug, Clone)]
struct Pat {
    start: bool,
    tree: G,
    end: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Syntax {
    Ere,
    Bre,
    Crate,
}

fn item(i: &Item, out: &mut String) {
    match i {
        Item::Char(c) => out.push(*c),
        Item::Range(a, b) => {
            out.push(*a);
            out.push('-');
            out.push(*b);
        }
        Item::Named(n) => {
            out.push_str("[:");
            out.push_str(n);
            out.push_str(":]");
        }
    }
}

fn write(g: &G, syn: Syntax, out: &mut String) {
    let bre = syn == Syntax::Bre;
    match g {
        G::Lit(c) => out.push(*c),
        G::Any => out.push('.'),
        G::Class(items, neg) => {
            out.push('[');
            if *neg {
                out.push('^');
            }
            for i in items {
                item(i, out);
            }
            out.push(']');
        }
        G::Group(x) => {
            out.push_str(if bre { "\\(" } else { "(" });
            write(x, syn, out);
            out.push_str(if bre { "\\)" } else { ")" });
        }
        G::Cat(v) => {
            for x in v {
                match x {
                    // `a|b` inside a concatenation needs its group back.
                    G::Alt(_) => write(&G::Group(Box::new(x.clone())), syn, out),
                    _ => write(x, syn, out),
                }
            }
        }
        G::Alt(v) => {
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(if bre { "\\|" } else { "|" });
                }
                write(x, syn, out);
            }
        }
        G::Rep(x, min, max) => {
            write(x, syn, out);
            let (open, close) = if bre { ("\\{", "\\}") } else { ("{", "}") };
            let e = if bre { "\\" } else { "" };
            match (min, max) {
                (0, None) => out.push('*'),
                (1, None) => out.push_str(&format!("{e}+")),
                (0, Some(1)) => out.push_str(&format!("{e}?")),
                (n, None) => out.push_str(&format!("{open}{n},{close}")),
                (n, Some(m)) if n == m => out.push_str(&format!("{open}{n}{close}")),
                (n, Some(m)) => out.push_str(&format!("{open}{n},{m}{close}")),
            }
        }
    }
}

fn render(p: &Pat, syn: Syntax) -> String {
    let mut s = String::new();
    if p.start {
        s.push('^');
    }
    // `^a|b$` anchors one branch each: the anchors go around the whole tree.
    let tree = match &p.tree {
        G::Alt(_) if syn != Syntax::Crate && (p.start || p.end) => {
            G::Group(Box::new(p.tree.clone()))
        }
        t => t.clone(),
    };
    if syn == Syntax::Crate {
        s.push_str("(?:");
    }
    write(&tree, syn, &mut s);
    if syn == Syntax::Crate {
        s.push(')');
    }
    if p.end {
        s.push('$');
    }
    s
}

fn atom() -> impl Strategy<Value = G> {
    let item = prop_oneof![
        prop::sample::select(vec!['a', 'b', 'A', '1', '_']).prop_map(Item::Char),
        Just(Item::Range('a', 'b')),
        Just(Item::Range('0', '9')),
        prop::sample::select(vec!["alpha", "digit", "upper", "space", "alnum"])
            .prop_map(Item::Named),
    ];
    prop_oneof![
        4 => prop::sample::select(vec!['a', 'b', 'A', 'B', '1', ' ', '-', '_']).prop_map(G::Lit),
        1 => Just(G::Any),
        2 => (prop::collection::vec(item, 1..4), any::<bool>()).prop_map(|(v, n)| G::Class(v, n)),
    ]
}

fn tree() -> impl Strategy<Value = G> {
    atom().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(G::Cat),
            prop::collection::vec(inner.clone(), 2..4).prop_map(G::Alt),
            inner.clone().prop_map(|x| G::Group(Box::new(x))),
            (inner, 0u32..3, prop::option::of(0u32..3)).prop_map(|(x, min, extra)| {
                // Repeat only an atom or a group: `ab*` and `a**` would change the tree.
                let x = match x {
                    a @ (G::Lit(_) | G::Any | G::Class(..) | G::Group(_)) => a,
                    other => G::Group(Box::new(other)),
                };
                let (min, max) = match extra {
                    None if min > 1 => (0, None),
                    None => (min, None),
                    Some(e) => (min, Some(min + e)),
                };
                G::Rep(Box::new(x), min, max)
            }),
        ]
    })
}

fn pattern() -> impl Strategy<Value = Pat> {
    (prop::bool::weighted(0.2), tree(), prop::bool::weighted(0.2))
        .prop_map(|(start, tree, end)| Pat { start, tree, end })
}

/// The reference, from the crate: POSIX's leftmost-longest matches, non-overlapping and
/// non-empty (as `find_all` reports them), and whether `grep -w` would select the line.
struct Reference {
    whole: regex::Regex,
    start: bool,
    end: bool,
}

impl Reference {
    fn new(p: &Pat, icase: bool) -> Reference {
        let mut body = String::new();
        write(&p.tree, Syntax::Crate, &mut body);
        let flags = if icase { "(?i)" } else { "" };
        Reference {
            whole: regex::Regex::new(&format!("{flags}^(?:{body})$")).unwrap(),
            start: p.start,
            end: p.end,
        }
    }
    fn spans(&self, t: &str, s: usize) -> impl Iterator<Item = usize> + '_ {
        let t = t.to_string();
        (s..=t.len()).rev().filter(move |&e| {
            (!self.start || s == 0) && (!self.end || e == t.len()) && self.whole.is_match(&t[s..e])
        })
    }
    fn longest_at(&self, t: &str, s: usize) -> Option<usize> {
        self.spans(t, s).next()
    }
    fn find_all(&self, t: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        let mut s = 0;
        while s <= t.len() {
            match self.longest_at(t, s) {
                Some(e) if e > s => {
                    v.push((s, e));
                    s = e;
                }
                _ => s += 1,
            }
        }
        v
    }
    fn word_match(&self, t: &str) -> bool {
        let word = |i: usize| {
            t.as_bytes()
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        };
        (0..=t.len())
            .filter(|&s| s == 0 || !word(s - 1))
            .any(|s| self.spans(t, s).any(|e| !word(e)))
    }
}

fn check(p: &Pat, icase: bool, t: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = t.chars().collect();
    let ere = render(p, Syntax::Ere);
    let krate = render(p, Syntax::Crate);
    let flags = if icase { "(?i)" } else { "" };
    let crate_re = regex::Regex::new(&format!("{flags}{krate}")).unwrap();
    let reference = Reference::new(p, icase);
    let first = crate_re.find(t).map(|m| m.start());
    let posix_first = (0..=t.len()).find(|&s| reference.longest_at(t, s).is_some());
    // The reference itself: leftmost starts agree whatever the rule for the end.
    prop_assert_eq!(first, posix_first, "reference for {}", krate);
    for (syntax, pat) in [(true, ere), (false, render(p, Syntax::Bre))] {
        let r = Regex::new(&pat, syntax, icase)
            .map_err(|e| TestCaseError::fail(format!("{pat:?} rejected: {e}")))?;
        let what = format!("{pat:?} (ere {syntax}, icase {icase}) on {t:?}, crate {krate:?}");
        prop_assert_eq!(
            r.is_match(&chars),
            crate_re.is_match(t),
            "is_match: {}",
            what
        );
        let full = reference.spans(t, 0).any(|e| e == t.len());
        prop_assert_eq!(r.full_match(&chars), full, "full_match: {}", what);
        prop_assert_eq!(
            r.find_all(&chars),
            reference.find_all(t),
            "find_all: {}",
            what
        );
        prop_assert_eq!(
            r.word_match(&chars),
            reference.word_match(t),
            "word_match: {}",
            what
        );
        let whole = r
            .captures_from(&chars, 0)
            .and_then(|c| c.first().copied().flatten());
        let want = posix_first.and_then(|s| reference.longest_at(t, s).map(|e| (s, e)));
        prop_assert_eq!(whole, want, "captures_from: {}", what);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 600,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn engine_agrees_with_the_regex_crate(
        p in pattern(),
        icase in prop::bool::weighted(0.2),
        texts in prop::collection::vec("[abAB1 _-]{0,10}", 1..4),
    ) {
        for t in &texts {
            check(&p, icase, t)?;
        }
    }
}

/// POSIX spellings the generator does not write, each with the crate pattern that means the
/// same, and texts to try them on.
#[test]
fn posix_spellings_against_the_crate() {
    let cases: &[(&str, bool, &str)] = &[
        // BRE: `+`, `?`, `{`, `|`, `(` are literals; their escaped forms are operators (GNU).
        ("a+b", false, r"a\+b"),
        ("a?b", false, r"a\?b"),
        ("a{2}", false, r"a\{2\}"),
        ("a|b", false, r"a\|b"),
        ("(ab)", false, r"\(ab\)"),
        (r"\(ab\)*c", false, "(?:ab)*c"),
        (r"a\{2,3\}", false, "a{2,3}"),
        (r"a\|b", false, "a|b"),
        (r"a\+", false, "a+"),
        // `*` at the start of a pattern or group is a literal.
        ("*a", false, r"\*a"),
        (r"\(*a\)", false, r"(\*a)"),
        ("*a", true, r"\*a"),
        // BRE: `^`/`$` are anchors only at the ends.
        ("a^b", false, r"a\^b"),
        ("a$b", false, r"a\$b"),
        (r"\(^a\)", false, "(^a)"),
        (r"a$\|b", false, "a$|b"),
        // Bracket expressions: `]` first is a member, `-` last is a member.
        ("[]a]", false, r"[\]a]"),
        ("[^]a]", true, r"[^\]a]"),
        ("[a-]", true, r"[a\-]"),
        (
            "[[:alpha:]_][[:alnum:]_]*",
            true,
            "[[:alpha:]_][[:alnum:]_]*",
        ),
        ("[[:space:][:digit:]]+", true, "[[:space:][:digit:]]+"),
        ("[.*]", true, r"[.*]"),
        // GNU escapes.
        (r"\w+", true, r"[[:alnum:]_]+"),
        (r"\bab\b", true, r"\bab\b"),
        (r"\s", true, r"[[:space:]]"),
        ("a{,2}b", true, "a{0,2}b"),
        // What x8ctl's checks grep for.
        ("x8h7_(drv|h7)", true, "x8h7_(drv|h7)"),
        (r"^m4-proxy\.service", true, r"^m4-proxy\.service"),
        ("[0-9]+\\.[0-9]+\\.[0-9]+", true, r"[0-9]+\.[0-9]+\.[0-9]+"),
    ];
    let texts = [
        "",
        "a",
        "ab",
        "aab",
        "a+b",
        "a?b",
        "a{2}",
        "aa",
        "aaa",
        "a|b",
        "(ab)",
        "ababc",
        "*a",
        "x*a",
        "a^b",
        "a$b",
        "]",
        "a]",
        "-",
        "b",
        "_x1 y",
        " 7",
        ".",
        "*",
        "ab cd",
        "xab",
        "x8h7_drv 4096",
        "x8h7_ui",
        "m4-proxy.service loaded",
        "v0.0.5",
        "0.0",
    ];
    for (pat, ere, krate) in cases {
        let r = Regex::new(pat, *ere, false).unwrap_or_else(|e| panic!("{pat}: {e}"));
        let c = regex::Regex::new(krate).unwrap();
        for t in texts {
            let chars: Vec<char> = t.chars().collect();
            assert_eq!(
                r.is_match(&chars),
                c.is_match(t),
                "{pat:?} (ere {ere}) on {t:?}"
            );
        }
    }
}

/// Where the two rules differ, the engine keeps POSIX's: the longest of the leftmost matches
/// (`echo ab | sed -E 's/a|ab/X/'` prints `X`; the crate would find `a`).
#[test]
fn leftmost_longest_where_the_crate_is_leftmost_first() {
    let r = Regex::new("a|ab", true, false).unwrap();
    let t: Vec<char> = "ab".chars().collect();
    assert_eq!(r.find_all(&t), vec![(0, 2)]);
    let c = regex::Regex::new("a|ab").unwrap();
    assert_eq!(c.find("ab").map(|m| m.range()), Some(0..1));
}
