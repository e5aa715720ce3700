//! A small regular-expression engine for grep: POSIX basic (BRE, with GNU's `\+ \? \|`)
//! and extended (ERE) syntax; literals, `.`, `*`, `+`, `?`, `{n,m}`, `^`, `$`, bracket
//! expressions with ranges and `[:classes:]`, groups and alternation. Matching is a
//! Thompson-NFA simulation: linear in the text, no backtracking blow-up.
//!
//! Why this engine stays rather than a translation to the `regex` crate: grep, `grep -o`
//! and sed's `s///` (POSIX regexec, as the board's tools use) pick POSIX's match, the
//! *longest* of the leftmost ones (`echo ab | sed -E 's/a|ab/X/'` prints `X`), and sed fills `\1`..`\9` from
//! it. The crate matches leftmost-first (it would replace only the `a`) and has no
//! leftmost-longest mode, so a translated pattern would still answer differently; the
//! translation of BRE's escapes and bracket rules would be code of its own besides. Instead
//! `regex_differential.rs` checks this engine against the crate where the two must agree:
//! generated patterns in the common syntax (as ERE and as BRE) for match/no-match, whole
//! matches, leftmost-longest spans and `grep -w`, plus hand-written POSIX spellings.
//! Back-references inside a pattern (`\(a\)\1`) are refused ("Invalid back reference"), as
//! neither side models them.

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<ClassItem>, bool),
    Start,
    End,
    WordB,
    NotWordB,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
    /// A parenthesised group (capture number from 1).
    Group(usize, Box<Node>),
    Empty,
}

#[derive(Debug, Clone)]
enum ClassItem {
    Range(char, char),
    Named(String),
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class(usize),
    Start,
    End,
    WordB(bool),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Debug, Clone)]
pub struct Regex {
    ast: Node,
    groups: usize,
    prog: Vec<Inst>,
    classes: Vec<(Vec<ClassItem>, bool)>,
    icase: bool,
}

struct Parser {
    s: Vec<char>,
    i: usize,
    ere: bool,
    icase: bool,
    depth: u32,
    groups: usize,
}

const MAX_REPEAT: u32 = 255;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn peek2(&self) -> Option<char> {
        self.s.get(self.i + 1).copied()
    }

    fn is_alt(&self) -> bool {
        if self.ere {
            self.peek() == Some('|')
        } else {
            self.peek() == Some('\\') && self.peek2() == Some('|')
        }
    }
    fn is_close(&self) -> bool {
        if self.ere {
            self.peek() == Some(')')
        } else {
            self.peek() == Some('\\') && self.peek2() == Some(')')
        }
    }

    fn alt(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > 100 {
            return Err("Regular expression too big".into());
        }
        let mut branches = vec![self.concat()?];
        while self.is_alt() {
            self.i += if self.ere { 1 } else { 2 };
            branches.push(self.concat()?);
        }
        self.depth -= 1;
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, String> {
        let mut items: Vec<Node> = Vec::new();
        while let Some(c) = self.peek() {
            if self.is_alt() || (self.is_close() && self.depth > 1) {
                break;
            }
            let atom = match c {
                '^' if self.ere || items.is_empty() => {
                    self.i += 1;
                    Node::Start
                }
                '$' if self.ere || self.i + 1 == self.s.len() || self.at_branch_end() => {
                    self.i += 1;
                    Node::End
                }
                '.' => {
                    self.i += 1;
                    Node::Any
                }
                '[' => {
                    self.i += 1;
                    self.bracket()?
                }
                '(' if self.ere => {
                    self.i += 1;
                    self.groups += 1;
                    let idx = self.groups;
                    let n = self.alt()?;
                    if self.peek() != Some(')') {
                        return Err("Unmatched ( or \\(".into());
                    }
                    self.i += 1;
                    Node::Group(idx, Box::new(n))
                }
                ')' if self.ere => {
                    return Err("Unmatched ) or \\)".into());
                }
                '*' if items.is_empty() => {
                    self.i += 1;
                    Node::Char('*')
                }
                '*' | '+' | '?' | '{' if self.ere && items.is_empty() => {
                    self.i += 1;
                    Node::Char(c)
                }
                '\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err("Trailing backslash".into());
                    };
                    self.i += 1;
                    match e {
                        '(' if !self.ere => {
                            self.groups += 1;
                            let idx = self.groups;
                            let n = self.alt()?;
                            if !(self.peek() == Some('\\') && self.peek2() == Some(')')) {
                                return Err("Unmatched ( or \\(".into());
                            }
                            self.i += 2;
                            Node::Group(idx, Box::new(n))
                        }
                        ')' if !self.ere => return Err("Unmatched ) or \\)".into()),
                        'w' => Node::Class(
                            vec![ClassItem::Named("alnum".into()), ClassItem::Range('_', '_')],
                            false,
                        ),
                        'W' => Node::Class(
                            vec![ClassItem::Named("alnum".into()), ClassItem::Range('_', '_')],
                            true,
                        ),
                        's' => Node::Class(vec![ClassItem::Named("space".into())], false),
                        'S' => Node::Class(vec![ClassItem::Named("space".into())], true),
                        'b' => Node::WordB,
                        'B' => Node::NotWordB,
                        '<' | '>' => Node::WordB,
                        c if c.is_ascii_digit() => return Err("Invalid back reference".into()),
                        c => Node::Char(c),
                    }
                }
                c => {
                    self.i += 1;
                    Node::Char(c)
                }
            };
            let atom = self.postfix(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn at_branch_end(&self) -> bool {
        // BRE: `$` is an anchor at the end of the pattern or before \) or \|
        self.s.get(self.i + 1) == Some(&'\\')
            && matches!(self.s.get(self.i + 2), Some(')') | Some('|'))
    }

    fn postfix(&mut self, mut atom: Node) -> Result<Node, String> {
        let mut stacked = 0;
        loop {
            let c = self.peek();
            let (min, max) = match c {
                Some('*') => {
                    self.i += 1;
                    (0, None)
                }
                Some('+') if self.ere => {
                    self.i += 1;
                    (1, None)
                }
                Some('?') if self.ere => {
                    self.i += 1;
                    (0, Some(1))
                }
                Some('\\') if !self.ere && matches!(self.peek2(), Some('+') | Some('?')) => {
                    let k = self.peek2();
                    self.i += 2;
                    if k == Some('+') {
                        (1, None)
                    } else {
                        (0, Some(1))
                    }
                }
                Some('{') if self.ere => {
                    self.i += 1;
                    self.bounds('}')?
                }
                Some('\\') if !self.ere && self.peek2() == Some('{') => {
                    self.i += 2;
                    self.bounds('\\')?
                }
                _ => break,
            };
            // `a***` is `a*`: stop nesting repeats after a few.
            stacked += 1;
            if stacked <= 4 {
                atom = Node::Repeat(Box::new(atom), min, max);
            }
        }
        Ok(atom)
    }

    fn number(&mut self) -> Option<u32> {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if !c.is_ascii_digit() {
                break;
            }
            s.push(c);
            self.i += 1;
        }
        s.parse().ok()
    }

    fn bounds(&mut self, close: char) -> Result<(u32, Option<u32>), String> {
        let min = self.number().unwrap_or(0);
        let max = if self.peek() == Some(',') {
            self.i += 1;
            self.number()
        } else {
            Some(min)
        };
        if close == '\\' {
            if !(self.peek() == Some('\\') && self.peek2() == Some('}')) {
                return Err("Unmatched \\{".into());
            }
            self.i += 2;
        } else {
            if self.peek() != Some('}') {
                return Err("Unmatched { or \\{".into());
            }
            self.i += 1;
        }
        if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || m < min) {
            return Err("Invalid content of \\{\\}".into());
        }
        Ok((min, max))
    }

    fn bracket(&mut self) -> Result<Node, String> {
        let mut neg = false;
        if self.peek() == Some('^') {
            neg = true;
            self.i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err("Unmatched [, [^, [:, [., or [=".into());
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == '[' && self.peek2() == Some(':') {
                let rest: String = self.s.iter().skip(self.i + 2).collect();
                if let Some(end) = rest.find(":]") {
                    let name = rest.get(..end).unwrap_or("").to_string();
                    self.i += 2 + name.chars().count() + 2;
                    items.push(ClassItem::Named(name));
                    continue;
                }
            }
            self.i += 1;
            if self.peek() == Some('-') && self.peek2().is_some_and(|d| d != ']') {
                let hi = self.peek2().unwrap_or(c);
                self.i += 2;
                items.push(ClassItem::Range(c, hi));
            } else {
                items.push(ClassItem::Range(c, c));
            }
        }
        Ok(Node::Class(items, neg))
    }
}

fn named(name: &str, c: char) -> bool {
    match name {
        "alpha" => c.is_alphabetic(),
        "digit" => c.is_ascii_digit(),
        "alnum" => c.is_alphanumeric(),
        "upper" => c.is_uppercase(),
        "lower" => c.is_lowercase(),
        "space" => c.is_whitespace(),
        "blank" => c == ' ' || c == '\t',
        "punct" => c.is_ascii_punctuation(),
        "xdigit" => c.is_ascii_hexdigit(),
        "print" => !c.is_control(),
        "graph" => !c.is_control() && c != ' ',
        "cntrl" => c.is_control(),
        _ => false,
    }
}

struct Compiler {
    prog: Vec<Inst>,
    classes: Vec<(Vec<ClassItem>, bool)>,
}

impl Compiler {
    fn emit(&mut self, i: Inst) -> usize {
        self.prog.push(i);
        self.prog.len() - 1
    }
    fn patch(&mut self, at: usize, i: Inst) {
        if let Some(slot) = self.prog.get_mut(at) {
            *slot = i;
        }
    }
    fn node(&mut self, n: &Node) -> Result<(), String> {
        if self.prog.len() > 100_000 {
            return Err("Regular expression too big".into());
        }
        match n {
            Node::Empty => {}
            Node::Group(_, x) => self.node(x)?,
            Node::Char(c) => {
                self.emit(Inst::Char(*c));
            }
            Node::Any => {
                self.emit(Inst::Any);
            }
            Node::Class(items, neg) => {
                self.classes.push((items.clone(), *neg));
                let k = self.classes.len() - 1;
                self.emit(Inst::Class(k));
            }
            Node::Start => {
                self.emit(Inst::Start);
            }
            Node::End => {
                self.emit(Inst::End);
            }
            Node::WordB => {
                self.emit(Inst::WordB(true));
            }
            Node::NotWordB => {
                self.emit(Inst::WordB(false));
            }
            Node::Concat(v) => {
                for x in v {
                    self.node(x)?;
                }
            }
            Node::Alt(v) => {
                let mut jumps = Vec::new();
                let n = v.len();
                for (i, x) in v.iter().enumerate() {
                    if i + 1 < n {
                        let split = self.emit(Inst::Split(0, 0));
                        self.node(x)?;
                        jumps.push(self.emit(Inst::Jmp(0)));
                        let next = self.prog.len();
                        self.patch(split, Inst::Split(split + 1, next));
                    } else {
                        self.node(x)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.patch(j, Inst::Jmp(end));
                }
            }
            Node::Repeat(x, min, max) => {
                for _ in 0..*min {
                    self.node(x)?;
                }
                match max {
                    None => {
                        let split = self.emit(Inst::Split(0, 0));
                        self.node(x)?;
                        self.emit(Inst::Jmp(split));
                        let end = self.prog.len();
                        self.patch(split, Inst::Split(split + 1, end));
                    }
                    Some(m) => {
                        let mut splits = Vec::new();
                        for _ in *min..*m {
                            splits.push(self.emit(Inst::Split(0, 0)));
                            self.node(x)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.patch(s, Inst::Split(s + 1, end));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Regex {
    /// Compile `pat` (ERE when `extended`).
    pub fn new(pat: &str, extended: bool, icase: bool) -> Result<Regex, String> {
        let mut p = Parser {
            s: pat.chars().collect(),
            i: 0,
            ere: extended,
            icase,
            depth: 0,
            groups: 0,
        };
        let node = p.alt()?;
        if p.i < p.s.len() {
            return Err("Unmatched ) or \\)".into());
        }
        let mut c = Compiler {
            prog: Vec::new(),
            classes: Vec::new(),
        };
        c.node(&node)?;
        c.emit(Inst::Match);
        Ok(Regex {
            ast: node,
            groups: p.groups,
            prog: c.prog,
            classes: c.classes,
            icase: p.icase,
        })
    }

    fn char_eq(&self, a: char, b: char) -> bool {
        if self.icase {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    }

    fn class_has(&self, k: usize, c: char) -> bool {
        let Some((items, neg)) = self.classes.get(k) else {
            return false;
        };
        let test = |c: char| {
            items.iter().any(|it| match it {
                ClassItem::Range(a, b) => *a <= c && c <= *b,
                ClassItem::Named(n) => named(n, c),
            })
        };
        let mut hit = test(c);
        if self.icase && !hit {
            hit = c.to_lowercase().any(test) || c.to_uppercase().any(test);
        }
        hit != *neg
    }

    /// Add a thread at `pc` (following jumps and zero-width assertions) at text position `pos`.
    fn add(&self, list: &mut Vec<usize>, seen: &mut [bool], pc: usize, text: &[char], pos: usize) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if seen.get(pc).copied().unwrap_or(true) {
                continue;
            }
            if let Some(s) = seen.get_mut(pc) {
                *s = true;
            }
            match self.prog.get(pc) {
                Some(Inst::Jmp(t)) => stack.push(*t),
                Some(Inst::Split(a, b)) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Some(Inst::Start) if pos == 0 => {
                    stack.push(pc + 1);
                }
                Some(Inst::End) if pos == text.len() => {
                    stack.push(pc + 1);
                }
                Some(Inst::WordB(want)) => {
                    let before = if pos == 0 {
                        None
                    } else {
                        text.get(pos - 1).copied()
                    };
                    let at = is_word(before) != is_word(text.get(pos).copied());
                    if at == *want {
                        stack.push(pc + 1);
                    }
                }
                Some(_) => list.push(pc),
                None => {}
            }
        }
    }

    /// The end positions of matches starting at `start` (ascending).
    fn ends_from(&self, text: &[char], start: usize) -> Vec<usize> {
        let n = self.prog.len();
        let mut ends = Vec::new();
        let mut clist = Vec::new();
        let mut seen = vec![false; n];
        self.add(&mut clist, &mut seen, 0, text, start);
        let mut pos = start;
        loop {
            if clist.is_empty() {
                break;
            }
            let mut nlist = Vec::new();
            let mut nseen = vec![false; n];
            let c = text.get(pos).copied();
            for &pc in &clist {
                match self.prog.get(pc) {
                    Some(Inst::Match) if ends.last() != Some(&pos) => {
                        ends.push(pos);
                    }
                    Some(Inst::Char(x)) if c.is_some_and(|c| self.char_eq(*x, c)) => {
                        self.add(&mut nlist, &mut nseen, pc + 1, text, pos + 1);
                    }
                    Some(Inst::Any) if c.is_some() => {
                        self.add(&mut nlist, &mut nseen, pc + 1, text, pos + 1);
                    }
                    Some(Inst::Class(k)) if c.is_some_and(|c| self.class_has(*k, c)) => {
                        self.add(&mut nlist, &mut nseen, pc + 1, text, pos + 1);
                    }
                    _ => {}
                }
            }
            if c.is_none() {
                break;
            }
            clist = nlist;
            pos += 1;
        }
        ends
    }

    /// Whether the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &[char]) -> bool {
        (0..=text.len()).any(|s| !self.ends_from(text, s).is_empty())
    }

    /// Whether the regex matches the whole text.
    pub fn full_match(&self, text: &[char]) -> bool {
        self.ends_from(text, 0).contains(&text.len())
    }

    /// Leftmost-longest matches, non-overlapping (for `grep -o`). Empty matches are skipped.
    pub fn find_all(&self, text: &[char]) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        let mut s = 0;
        while s <= text.len() {
            let ends = self.ends_from(text, s);
            match ends.last() {
                Some(&e) if e > s => {
                    v.push((s, e));
                    s = e;
                }
                _ => s += 1,
            }
        }
        v
    }

    /// Matches bounded by non-word characters (`grep -w`).
    pub fn word_match(&self, text: &[char]) -> bool {
        for s in 0..=text.len() {
            if s > 0 && is_word(text.get(s - 1).copied()) {
                continue;
            }
            for e in self.ends_from(text, s) {
                if !is_word(text.get(e).copied()) {
                    return true;
                }
            }
        }
        false
    }
}

/// Capture positions: index 0 is the whole match, then the groups.
pub type Captures = Vec<Option<(usize, usize)>>;

fn class_match(items: &[ClassItem], neg: bool, c: char, icase: bool) -> bool {
    let test = |c: char| {
        items.iter().any(|it| match it {
            ClassItem::Range(a, b) => *a <= c && c <= *b,
            ClassItem::Named(n) => named(n, c),
        })
    };
    let mut hit = test(c);
    if icase && !hit {
        hit = c.to_lowercase().any(test) || c.to_uppercase().any(test);
    }
    hit != neg
}

type K<'k, 't> = &'k mut dyn FnMut(&mut Bt<'t>, usize, &mut Captures) -> bool;

/// A backtracking matcher over the syntax tree, only to find the groups of a match whose
/// extent the NFA already found. Bounded in steps and depth.
struct Bt<'t> {
    text: &'t [char],
    icase: bool,
    steps: u32,
    depth: u32,
}

const BT_STEPS: u32 = 200_000;
const BT_DEPTH: u32 = 1_200;

impl<'t> Bt<'t> {
    fn node(&mut self, n: &Node, pos: usize, caps: &mut Captures, k: K<'_, 't>) -> bool {
        self.steps += 1;
        if self.steps > BT_STEPS || self.depth > BT_DEPTH {
            return false;
        }
        self.depth += 1;
        let r = self.node_inner(n, pos, caps, k);
        self.depth -= 1;
        r
    }

    fn node_inner(&mut self, n: &Node, pos: usize, caps: &mut Captures, k: K<'_, 't>) -> bool {
        let c = self.text.get(pos).copied();
        match n {
            Node::Empty => k(self, pos, caps),
            Node::Char(x) => {
                let ok = c.is_some_and(|c| {
                    if self.icase {
                        c.to_lowercase().eq(x.to_lowercase())
                    } else {
                        c == *x
                    }
                });
                ok && k(self, pos + 1, caps)
            }
            Node::Any => c.is_some() && k(self, pos + 1, caps),
            Node::Class(items, neg) => {
                c.is_some_and(|c| class_match(items, *neg, c, self.icase)) && k(self, pos + 1, caps)
            }
            Node::Start => pos == 0 && k(self, pos, caps),
            Node::End => pos == self.text.len() && k(self, pos, caps),
            Node::WordB | Node::NotWordB => {
                let before = if pos == 0 {
                    None
                } else {
                    self.text.get(pos - 1).copied()
                };
                let at = is_word(before) != is_word(c);
                (at == matches!(n, Node::WordB)) && k(self, pos, caps)
            }
            Node::Concat(v) => self.seq(v, 0, pos, caps, k),
            Node::Alt(v) => {
                for b in v {
                    let saved = caps.clone();
                    if self.node(b, pos, caps, &mut *k) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Node::Repeat(x, min, max) => self.rep(x, *min, *max, 0, pos, caps, k),
            Node::Group(idx, x) => {
                let idx = *idx;
                let start = pos;
                self.node(x, pos, caps, &mut |bt, p, caps| {
                    let old = caps.get(idx).copied().flatten();
                    if let Some(slot) = caps.get_mut(idx) {
                        *slot = Some((start, p));
                    }
                    if k(bt, p, caps) {
                        return true;
                    }
                    if let Some(slot) = caps.get_mut(idx) {
                        *slot = old;
                    }
                    false
                })
            }
        }
    }

    fn seq(&mut self, v: &[Node], i: usize, pos: usize, caps: &mut Captures, k: K<'_, 't>) -> bool {
        match v.get(i) {
            None => k(self, pos, caps),
            Some(n) => self.node(n, pos, caps, &mut |bt, p, caps| {
                bt.seq(v, i + 1, p, caps, &mut *k)
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rep(
        &mut self,
        x: &Node,
        min: u32,
        max: Option<u32>,
        count: u32,
        pos: usize,
        caps: &mut Captures,
        k: K<'_, 't>,
    ) -> bool {
        if max.is_none_or(|m| count < m) {
            let hit = self.node(x, pos, caps, &mut |bt, p, caps| {
                if p == pos && count >= min {
                    return false;
                }
                bt.rep(x, min, max, count + 1, p, caps, &mut *k)
            });
            if hit {
                return true;
            }
        }
        count >= min && k(self, pos, caps)
    }
}

impl Regex {
    /// The leftmost-longest match at or after `from`, with its groups (groups the bounded
    /// matcher cannot work out are left empty).
    pub fn captures_from(&self, text: &[char], from: usize) -> Option<Captures> {
        let mut s = from;
        while s <= text.len() {
            if let Some(&e) = self.ends_from(text, s).last() {
                let mut caps: Captures = vec![None; self.groups + 1];
                let mut bt = Bt {
                    text,
                    icase: self.icase,
                    steps: 0,
                    depth: 0,
                };
                let mut found: Option<Captures> = None;
                bt.node(&self.ast, s, &mut caps, &mut |_, p, caps| {
                    if p == e {
                        found = Some(caps.clone());
                        true
                    } else {
                        false
                    }
                });
                let mut caps = found.unwrap_or_else(|| vec![None; self.groups + 1]);
                if let Some(first) = caps.first_mut() {
                    *first = Some((s, e));
                }
                return Some(caps);
            }
            s += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, ere: bool, t: &str) -> bool {
        let t: Vec<char> = t.chars().collect();
        Regex::new(p, ere, false).unwrap().is_match(&t)
    }

    #[test]
    fn basics() {
        assert!(m("abc", false, "xxabcxx"));
        assert!(m("^abc$", false, "abc"));
        assert!(!m("^abc$", false, "abcd"));
        assert!(m("a.c", false, "abc"));
        assert!(m("ab*c", false, "ac"));
        assert!(m("a\\+", false, "aa"));
        assert!(m("a+", false, "a+"));
        assert!(m("a+b", true, "aab"));
        assert!(m("colou?r", true, "color"));
        assert!(m("x8h7_(drv|h7)", true, "x8h7_h7 12288 0"));
        assert!(!m("x8h7_(drv|h7)", true, "x8h7_ui"));
        assert!(m("[0-9]\\{3\\}", false, "ab123"));
        assert!(m("[[:digit:]]+", true, "v42"));
        assert!(m("[^a-z]", false, "abc1"));
        assert!(!m("[^a-z]", false, "abc"));
        assert!(m("active|failed", true, "failed"));
        assert!(m("(a*)*b", true, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
        assert!(!m("(a*)*b", true, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(Regex::new("(", true, false).is_err());
        assert!(Regex::new("a{2,1}", true, false).is_err());
        let r = Regex::new("[0-9]+", true, false).unwrap();
        let t: Vec<char> = "a12b345".chars().collect();
        assert_eq!(r.find_all(&t), vec![(1, 3), (4, 7)]);
        let r = Regex::new("\\([a-z]*\\)=\\([0-9.]*\\)", false, false).unwrap();
        let t: Vec<char> = "x ver=0.0.5 y".chars().collect();
        let c = r.captures_from(&t, 0).unwrap();
        assert_eq!(c, vec![Some((2, 11)), Some((2, 5)), Some((6, 11))]);
        let r = Regex::new("(a|ab)(c|bcd)(d*)", true, false).unwrap();
        let t: Vec<char> = "abcd".chars().collect();
        assert_eq!(r.captures_from(&t, 0).unwrap()[0], Some((0, 4)));
        let r = Regex::new("ERROR", false, true).unwrap();
        assert!(r.is_match(&"an error".chars().collect::<Vec<_>>()));
    }
}
