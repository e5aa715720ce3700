//! The shell's parser: bash's grammar for the subset the board needs.

/// One piece of a word.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Unquoted text (subject to field splitting of expansions and globbing).
    Lit(String),
    /// Quoted text ('...' or a backslash escape): taken literally.
    Quoted(String),
    /// "...": expansions inside, no splitting or globbing.
    Dq(Vec<Part>),
    Param(Param),
    /// `$(...)` or backquotes.
    CmdSub(Box<List>),
    /// `$((...))`: the raw expression.
    Arith(String),
    /// `~` at the start of a word.
    Tilde,
}

pub type Word = Vec<Part>;

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub op: ParamOp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamOp {
    Plain,
    Len,
    /// `${x-w}` / `${x:-w}` (bool: with colon).
    Default(bool, Word),
    Assign(bool, Word),
    Alt(bool, Word),
    Error(bool, Word),
    /// `${x#p}` `${x##p}` `${x%p}` `${x%%p}`.
    TrimPrefix(bool, Word),
    TrimSuffix(bool, Word),
    /// Something bash would call a bad substitution (the raw text).
    Bad(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum RedirKind {
    /// `>` (and `>|`)
    Out,
    /// `>>`
    Append,
    /// `<`
    In,
    /// `n>&m` / `n<&m` (target is a word: a fd number or `-`)
    Dup,
    /// `&>`
    OutErr,
    /// `&>>`
    AppendErr,
    /// `<<<`
    HereStr,
    /// `<<`: here-document (body collected at parse time)
    HereDoc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Redir {
    pub fd: u32,
    pub kind: RedirKind,
    pub target: Word,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        redirs: Vec<Redir>,
        line: usize,
    },
    Group(List, Vec<Redir>),
    Subshell(List, Vec<Redir>),
    If {
        arms: Vec<(List, List)>,
        otherwise: Option<List>,
        redirs: Vec<Redir>,
    },
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
        redirs: Vec<Redir>,
    },
    While {
        cond: List,
        body: List,
        until: bool,
        redirs: Vec<Redir>,
    },
    /// `name() { ...; }`
    Func(String, Box<Command>),
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, List)>,
        redirs: Vec<Redir>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub bang: bool,
    pub cmds: Vec<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Conn, Pipeline)>,
}

pub type List = Vec<AndOr>;

/// A syntax error, with bash's text (without the `bash: -c: line N: ` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub msg: String,
    pub line: usize,
    /// Whether bash also prints `syntax error: unexpected end of file` on the next line.
    pub eof_note: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Word, Option<String>),
    Op(&'static str),
    IoNum(u32),
    Newline,
    Eof,
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Word(w, raw) => raw.clone().unwrap_or_else(|| word_text(w)),
            Tok::Op(o) => (*o).to_string(),
            Tok::IoNum(n) => n.to_string(),
            Tok::Newline => "newline".into(),
            Tok::Eof => "EOF".into(),
        }
    }
}

fn word_text(w: &Word) -> String {
    let mut s = String::new();
    for p in w {
        match p {
            Part::Lit(t) | Part::Quoted(t) => s.push_str(t),
            Part::Dq(inner) => {
                s.push('"');
                s.push_str(&word_text(inner));
                s.push('"');
            }
            Part::Param(p) => {
                s.push('$');
                s.push_str(&p.name);
            }
            Part::CmdSub(_) => s.push_str("$(...)"),
            Part::Arith(a) => {
                s.push_str("$((");
                s.push_str(a);
                s.push_str("))");
            }
            Part::Tilde => s.push('~'),
        }
    }
    s
}

const MAX_DEPTH: usize = 64;

pub struct Parser {
    src: Vec<char>,
    pos: usize,
    line: usize,
    peeked: Option<Tok>,
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
pub fn is_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if is_name_start(c)) && it.all(is_name_char)
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
    )
}

/// Parse a whole script.
pub fn parse(src: &str) -> PResult<List> {
    let mut p = Parser::new(src);
    let list = p.parse_list(&[])?;
    match p.peek()? {
        Tok::Eof => Ok(list),
        t => Err(p.unexpected(&t)),
    }
}

impl Parser {
    pub fn new(src: &str) -> Parser {
        Parser {
            src: src.chars().collect(),
            pos: 0,
            line: 1,
            peeked: None,
            depth: 0,
        }
    }

    fn err(&self, msg: String) -> ParseError {
        ParseError {
            msg,
            line: self.line,
            eof_note: false,
        }
    }

    fn unexpected(&self, t: &Tok) -> ParseError {
        match t {
            Tok::Eof => self.err("syntax error: unexpected end of file".into()),
            t => self.err(format!("syntax error near unexpected token `{}'", t.text())),
        }
    }

    fn eof_in(&self, what: char) -> ParseError {
        ParseError {
            msg: format!("unexpected EOF while looking for matching `{what}'"),
            line: self.line,
            eof_note: true,
        }
    }

    fn cur(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }
    fn at(&self, off: usize) -> Option<char> {
        self.src.get(self.pos + off).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.cur()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn peek(&mut self) -> PResult<Tok> {
        if self.peeked.is_none() {
            let t = self.lex()?;
            self.peeked = Some(t);
        }
        Ok(self.peeked.clone().unwrap_or(Tok::Eof))
    }

    fn next(&mut self) -> PResult<Tok> {
        let t = self.peek()?;
        self.peeked = None;
        Ok(t)
    }

    fn peek_is_word(&mut self, w: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?, Tok::Word(_, Some(ref r)) if r == w))
    }

    fn expect_word(&mut self, w: &str) -> PResult<()> {
        let t = self.next()?;
        match &t {
            Tok::Word(_, Some(r)) if r == w => Ok(()),
            t => Err(self.unexpected(t)),
        }
    }

    fn skip_newlines(&mut self) -> PResult<()> {
        while self.peek()? == Tok::Newline {
            self.next()?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- lexer

    fn skip_blanks(&mut self) {
        loop {
            match self.cur() {
                Some(' ') | Some('\t') | Some('\r') => {
                    self.bump();
                }
                Some('\\') if self.at(1) == Some('\n') => {
                    self.bump();
                    self.bump();
                }
                Some('#') => {
                    while let Some(c) = self.cur() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                _ => break,
            }
        }
    }

    fn lex(&mut self) -> PResult<Tok> {
        self.skip_blanks();
        let Some(c) = self.cur() else {
            return Ok(Tok::Eof);
        };
        if c == '\n' {
            self.bump();
            return Ok(Tok::Newline);
        }
        let three: String = self.src.iter().skip(self.pos).take(3).collect();
        for op in [
            "&>>", "<<<", "&&", "||", ";;", ">>", "<<", "<&", ">&", "&>", ">|", "|&", ";", "&",
            "|", "<", ">", "(", ")",
        ] {
            if three.starts_with(op) {
                for _ in 0..op.chars().count() {
                    self.bump();
                }
                return Ok(Tok::Op(op));
            }
        }
        // An io number: digits directly followed by < or >.
        if c.is_ascii_digit() {
            let mut i = 0;
            while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            if matches!(self.at(i), Some('<') | Some('>')) {
                let s: String = self.src.iter().skip(self.pos).take(i).collect();
                if let Ok(n) = s.parse::<u32>() {
                    for _ in 0..i {
                        self.bump();
                    }
                    return Ok(Tok::IoNum(n));
                }
            }
        }
        let word = self.read_word()?;
        let raw = match word.as_slice() {
            [Part::Lit(s)] => Some(s.clone()),
            _ => None,
        };
        Ok(Tok::Word(word, raw))
    }

    fn push_lit(parts: &mut Word, c: char, quoted: bool) {
        match (parts.last_mut(), quoted) {
            (Some(Part::Lit(s)), false) | (Some(Part::Quoted(s)), true) => s.push(c),
            _ => parts.push(if quoted {
                Part::Quoted(c.to_string())
            } else {
                Part::Lit(c.to_string())
            }),
        }
    }

    fn read_word(&mut self) -> PResult<Word> {
        let mut parts: Word = Vec::new();
        if self.cur() == Some('~') {
            let next = self.at(1);
            if next.is_none() || next == Some('/') || next.is_some_and(is_meta) {
                self.bump();
                parts.push(Part::Tilde);
            }
        }
        while let Some(c) = self.cur() {
            if is_meta(c) {
                break;
            }
            match c {
                '\'' => {
                    self.bump();
                    let s = self.read_sq()?;
                    parts.push(Part::Quoted(s));
                }
                '"' => {
                    self.bump();
                    let inner = self.read_dq()?;
                    parts.push(Part::Dq(inner));
                }
                '\\' => {
                    self.bump();
                    match self.bump() {
                        None => Self::push_lit(&mut parts, '\\', false),
                        Some('\n') => {}
                        Some(c) => Self::push_lit(&mut parts, c, true),
                    }
                }
                '$' => {
                    self.bump();
                    let p = self.read_dollar()?;
                    match p {
                        Some(p) => parts.push(p),
                        None => Self::push_lit(&mut parts, '$', false),
                    }
                }
                '`' => {
                    self.bump();
                    let p = self.read_backquote()?;
                    parts.push(p);
                }
                c => {
                    self.bump();
                    Self::push_lit(&mut parts, c, false);
                }
            }
        }
        if parts.is_empty() {
            // Cannot happen (lex only calls us on a non-meta char), but stay safe.
            let c = self.bump().unwrap_or(' ');
            parts.push(Part::Lit(c.to_string()));
        }
        Ok(parts)
    }

    /// The inside of '...' (the opening quote consumed), taken as it is; consumes the
    /// closing quote.
    fn read_sq(&mut self) -> PResult<String> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.eof_in('\'')),
                Some('\'') => return Ok(s),
                Some(c) => s.push(c),
            }
        }
    }

    /// The inside of "..." (the opening quote consumed); consumes the closing quote.
    fn read_dq(&mut self) -> PResult<Word> {
        self.read_until('"', &mut |p, c, parts| {
            match c {
                '\\' => match p.bump() {
                    None => return Err(p.eof_in('"')),
                    Some('\n') => {}
                    Some(c @ ('$' | '`' | '"' | '\\')) => Self::push_lit(parts, c, true),
                    Some(c) => {
                        Self::push_lit(parts, '\\', true);
                        Self::push_lit(parts, c, true);
                    }
                },
                '$' => match p.read_dollar()? {
                    Some(x) => parts.push(x),
                    None => Self::push_lit(parts, '$', true),
                },
                '`' => {
                    let x = p.read_backquote()?;
                    parts.push(x);
                }
                c => Self::push_lit(parts, c, true),
            }
            Ok(())
        })
    }

    /// The parts up to `close` (consumed; end of input before it is an error): `step` gets
    /// each other character, already consumed, and reads what follows it as it needs.
    fn read_until(
        &mut self,
        close: char,
        step: &mut dyn FnMut(&mut Self, char, &mut Word) -> PResult<()>,
    ) -> PResult<Word> {
        let mut parts: Word = Vec::new();
        loop {
            match self.bump() {
                None => return Err(self.eof_in(close)),
                Some(c) if c == close => return Ok(parts),
                Some(c) => step(self, c, &mut parts)?,
            }
        }
    }

    fn read_backquote(&mut self) -> PResult<Part> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.eof_in('`')),
                Some('`') => break,
                Some('\\') => match self.bump() {
                    None => return Err(self.eof_in('`')),
                    Some(c @ ('$' | '`' | '\\')) => s.push(c),
                    Some(c) => {
                        s.push('\\');
                        s.push(c);
                    }
                },
                Some(c) => s.push(c),
            }
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.err("expression nested too deeply".into()));
        }
        let mut sub = Parser::new(&s);
        sub.depth = self.depth + 1;
        sub.line = self.line;
        let list = sub.parse_list(&[])?;
        match sub.peek()? {
            Tok::Eof => Ok(Part::CmdSub(Box::new(list))),
            t => Err(sub.unexpected(&t)),
        }
    }

    /// After a `$`: the expansion, or None for a literal `$`.
    fn read_dollar(&mut self) -> PResult<Option<Part>> {
        let Some(c) = self.cur() else {
            return Ok(None);
        };
        match c {
            '(' => {
                if self.at(1) == Some('(')
                    && let Some(expr) = self.try_arith()
                {
                    return Ok(Some(Part::Arith(expr)));
                }
                self.bump();
                if self.depth >= MAX_DEPTH {
                    return Err(self.err("expression nested too deeply".into()));
                }
                let saved = self.peeked.take();
                self.depth += 1;
                let list = self.parse_list(&[")"]);
                self.depth -= 1;
                let list = list?;
                let t = self.next()?;
                self.peeked = saved;
                match t {
                    Tok::Op(")") => Ok(Some(Part::CmdSub(Box::new(list)))),
                    Tok::Eof => Err(self.eof_in(')')),
                    t => Err(self.unexpected(&t)),
                }
            }
            '{' => {
                self.bump();
                if self.depth >= MAX_DEPTH {
                    return Err(self.err("expression nested too deeply".into()));
                }
                self.depth += 1;
                let r = self.read_brace_param().map(Some);
                self.depth -= 1;
                r
            }
            c if is_name_start(c) => {
                let mut name = String::new();
                while let Some(c) = self.cur() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.bump();
                }
                Ok(Some(Part::Param(Param {
                    name,
                    op: ParamOp::Plain,
                })))
            }
            c if c.is_ascii_digit() || matches!(c, '?' | '$' | '#' | '@' | '*' | '!' | '-') => {
                self.bump();
                Ok(Some(Part::Param(Param {
                    name: c.to_string(),
                    op: ParamOp::Plain,
                })))
            }
            '\'' => {
                // $'...' ANSI-C quoting.
                self.bump();
                let mut s = String::new();
                loop {
                    match self.bump() {
                        None => return Err(self.eof_in('\'')),
                        Some('\'') => break,
                        Some('\\') => match self.bump() {
                            None => return Err(self.eof_in('\'')),
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('r') => s.push('\r'),
                            Some('0') => s.push('\0'),
                            Some('e') => s.push('\x1b'),
                            Some('\\') => s.push('\\'),
                            Some('\'') => s.push('\''),
                            Some(c) => {
                                s.push('\\');
                                s.push(c);
                            }
                        },
                        Some(c) => s.push(c),
                    }
                }
                Ok(Some(Part::Quoted(s)))
            }
            _ => Ok(None),
        }
    }

    /// At `((`: read up to the matching `))`; None (position unchanged) if it is not arithmetic.
    fn try_arith(&mut self) -> Option<String> {
        let start = self.pos;
        let mut i = start + 2;
        let mut depth = 0usize;
        let mut s = String::new();
        while let Some(&c) = self.src.get(i) {
            match c {
                '(' => depth += 1,
                ')' => {
                    if depth == 0 {
                        if self.src.get(i + 1) == Some(&')') {
                            for _ in start..i + 2 {
                                self.bump();
                            }
                            return Some(s);
                        }
                        return None;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            s.push(c);
            i += 1;
        }
        None
    }

    fn read_brace_param(&mut self) -> PResult<Part> {
        let start = self.pos;
        let bad = |p: &mut Parser| -> PResult<Part> {
            // Skip to the closing brace.
            let mut s = String::from("${");
            let _ = start;
            loop {
                match p.bump() {
                    None => return Err(p.eof_in('}')),
                    Some('}') => break,
                    Some(c) => s.push(c),
                }
            }
            s.push('}');
            Ok(Part::Param(Param {
                name: String::new(),
                op: ParamOp::Bad(s),
            }))
        };
        let mut len = false;
        if self.cur() == Some('#') && self.at(1).is_some_and(|c| c != '}') {
            self.bump();
            len = true;
        }
        let mut name = String::new();
        match self.cur() {
            Some(c) if is_name_start(c) => {
                while let Some(c) = self.cur() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(c);
                    self.bump();
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.cur() {
                    if !c.is_ascii_digit() {
                        break;
                    }
                    name.push(c);
                    self.bump();
                }
            }
            Some(c) if matches!(c, '?' | '$' | '#' | '@' | '*' | '!' | '-') => {
                name.push(c);
                self.bump();
            }
            None => return Err(self.eof_in('}')),
            _ => {
                self.pos = start;
                return bad(self);
            }
        }
        if len {
            if self.cur() == Some('}') {
                self.bump();
                return Ok(Part::Param(Param {
                    name,
                    op: ParamOp::Len,
                }));
            }
            self.pos = start;
            return bad(self);
        }
        let op2: String = self.src.iter().skip(self.pos).take(2).collect();
        let (kind, n) = if [":-", ":=", ":+", ":?", "##", "%%"].contains(&op2.as_str()) {
            (op2.clone(), 2)
        } else {
            match self.cur() {
                Some('}') => {
                    self.bump();
                    return Ok(Part::Param(Param {
                        name,
                        op: ParamOp::Plain,
                    }));
                }
                Some(c @ ('-' | '=' | '+' | '?' | '#' | '%')) => (c.to_string(), 1),
                None => return Err(self.eof_in('}')),
                _ => {
                    self.pos = start;
                    return bad(self);
                }
            }
        };
        for _ in 0..n {
            self.bump();
        }
        let word = self.read_brace_word()?;
        let colon = kind.starts_with(':');
        let op = match kind.as_str() {
            ":-" | "-" => ParamOp::Default(colon, word),
            ":=" | "=" => ParamOp::Assign(colon, word),
            ":+" | "+" => ParamOp::Alt(colon, word),
            ":?" | "?" => ParamOp::Error(colon, word),
            "#" => ParamOp::TrimPrefix(false, word),
            "##" => ParamOp::TrimPrefix(true, word),
            "%" => ParamOp::TrimSuffix(false, word),
            _ => ParamOp::TrimSuffix(true, word),
        };
        Ok(Part::Param(Param { name, op }))
    }

    /// The word inside `${x:-...}` up to the closing brace (consumed).
    fn read_brace_word(&mut self) -> PResult<Word> {
        self.read_until('}', &mut |p, c, parts| {
            match c {
                '\'' => {
                    let s = p.read_sq()?;
                    parts.push(Part::Quoted(s));
                }
                '"' => {
                    let inner = p.read_dq()?;
                    parts.push(Part::Dq(inner));
                }
                '\\' => {
                    if let Some(c) = p.bump() {
                        Self::push_lit(parts, c, true);
                    }
                }
                '$' => match p.read_dollar()? {
                    Some(x) => parts.push(x),
                    None => Self::push_lit(parts, '$', false),
                },
                c => Self::push_lit(parts, c, false),
            }
            Ok(())
        })
    }

    fn take_heredoc(&mut self, delim: &str, strip: bool) -> String {
        let mut i = self.pos;
        while let Some(&c) = self.src.get(i) {
            if c == '\n' {
                break;
            }
            i += 1;
        }
        if i >= self.src.len() {
            return String::new();
        }
        let body_start = i + 1;
        let mut j = body_start;
        let mut body = String::new();
        while j < self.src.len() {
            let mut line = String::new();
            while let Some(&c) = self.src.get(j) {
                j += 1;
                if c == '\n' {
                    break;
                }
                line.push(c);
            }
            let line = if strip {
                line.trim_start_matches('\t').to_string()
            } else {
                line
            };
            if line == delim {
                break;
            }
            body.push_str(&line);
            body.push('\n');
        }
        let end = j.min(self.src.len());
        self.src.drain(body_start..end);
        body
    }

    // ---------------------------------------------------------------- grammar

    fn is_terminator(t: &Tok, terms: &[&str]) -> bool {
        match t {
            Tok::Word(_, Some(r)) => terms.contains(&r.as_str()),
            Tok::Op(o) => terms.contains(o),
            _ => false,
        }
    }

    /// A list of and-or lists, up to one of `terms` (not consumed) or EOF.
    pub fn parse_list(&mut self, terms: &[&str]) -> PResult<List> {
        let mut list = Vec::new();
        loop {
            self.skip_newlines()?;
            let t = self.peek()?;
            if t == Tok::Eof || Self::is_terminator(&t, terms) {
                break;
            }
            let ao = self.parse_and_or()?;
            list.push(ao);
            let t = self.peek()?;
            match t {
                Tok::Op(";") | Tok::Op("&") | Tok::Newline => {
                    self.next()?;
                }
                Tok::Eof => break,
                t if Self::is_terminator(&t, terms) => break,
                t => return Err(self.unexpected(&t)),
            }
        }
        Ok(list)
    }

    fn parse_and_or(&mut self) -> PResult<AndOr> {
        let first = self.parse_pipeline()?;
        let mut rest = Vec::new();
        loop {
            let conn = match self.peek()? {
                Tok::Op("&&") => Conn::And,
                Tok::Op("||") => Conn::Or,
                _ => break,
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((conn, self.parse_pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn parse_pipeline(&mut self) -> PResult<Pipeline> {
        let mut bang = false;
        while self.peek_is_word("!")? {
            self.next()?;
            bang = !bang;
        }
        let mut cmds = vec![self.parse_command()?];
        while matches!(self.peek()?, Tok::Op("|") | Tok::Op("|&")) {
            self.next()?;
            self.skip_newlines()?;
            cmds.push(self.parse_command()?);
        }
        Ok(Pipeline { bang, cmds })
    }

    fn parse_command(&mut self) -> PResult<Command> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err("expression nested too deeply".into()));
        }
        self.depth += 1;
        let r = self.parse_command_inner();
        self.depth -= 1;
        r
    }

    fn parse_command_inner(&mut self) -> PResult<Command> {
        let t = self.peek()?;
        match &t {
            Tok::Op("(") => {
                self.next()?;
                let body = self.parse_list(&[")"])?;
                let close = self.next()?;
                if close != Tok::Op(")") {
                    return Err(self.unexpected(&close));
                }
                if body.is_empty() {
                    return Err(self.unexpected(&close));
                }
                let redirs = self.parse_redirs()?;
                Ok(Command::Subshell(body, redirs))
            }
            Tok::Word(_, Some(r)) => match r.as_str() {
                "{" => {
                    self.next()?;
                    let body = self.parse_list(&["}"])?;
                    let close = self.next()?;
                    if !matches!(&close, Tok::Word(_, Some(r)) if r == "}") || body.is_empty() {
                        return Err(self.unexpected(&close));
                    }
                    let redirs = self.parse_redirs()?;
                    Ok(Command::Group(body, redirs))
                }
                "if" => self.parse_if(),
                "for" => self.parse_for(),
                "while" | "until" => {
                    let until = r == "until";
                    self.next()?;
                    let cond = self.parse_nonempty_list(&["do"])?;
                    self.expect_word("do")?;
                    let body = self.parse_nonempty_list(&["done"])?;
                    self.expect_word("done")?;
                    let redirs = self.parse_redirs()?;
                    Ok(Command::While {
                        cond,
                        body,
                        until,
                        redirs,
                    })
                }
                "case" => self.parse_case(),
                "function" => {
                    self.next()?;
                    let name = match self.next()? {
                        Tok::Word(_, Some(n)) => n,
                        t => return Err(self.unexpected(&t)),
                    };
                    if self.peek()? == Tok::Op("(") {
                        self.next()?;
                        let close = self.next()?;
                        if close != Tok::Op(")") {
                            return Err(self.unexpected(&close));
                        }
                    }
                    self.func_body(name)
                }
                "then" | "else" | "elif" | "fi" | "do" | "done" | "}" | "esac" | "in" => {
                    Err(self.unexpected(&t))
                }
                _ => self.parse_simple(),
            },
            _ => self.parse_simple(),
        }
    }

    fn func_body(&mut self, name: String) -> PResult<Command> {
        self.skip_newlines()?;
        let t = self.peek()?;
        let compound = match &t {
            Tok::Op("(") => true,
            Tok::Word(_, Some(r)) => {
                matches!(r.as_str(), "{" | "if" | "for" | "while" | "until" | "case")
            }
            _ => false,
        };
        if !compound {
            return Err(self.unexpected(&t));
        }
        let body = self.parse_command()?;
        Ok(Command::Func(name, Box::new(body)))
    }

    /// The words of `[[ ... ]]` up to and including `]]`: `&&`, `||`, `<`, `>`, `(`, `)`
    /// are words there, not operators.
    fn cond_words(&mut self, words: &mut Vec<Word>) -> PResult<()> {
        loop {
            let t = self.next()?;
            match t {
                Tok::Word(w, raw) => {
                    let end = raw.as_deref() == Some("]]");
                    words.push(w);
                    if end {
                        return Ok(());
                    }
                }
                Tok::Op(op @ ("&&" | "||" | "<" | ">" | "(" | ")")) => {
                    words.push(vec![Part::Lit(op.to_string())])
                }
                Tok::IoNum(n) => words.push(vec![Part::Lit(n.to_string())]),
                Tok::Newline => {}
                t => return Err(self.unexpected(&t)),
            }
        }
    }

    fn parse_nonempty_list(&mut self, terms: &[&str]) -> PResult<List> {
        let l = self.parse_list(terms)?;
        if l.is_empty() {
            let t = self.peek()?;
            return Err(self.unexpected(&t));
        }
        Ok(l)
    }

    fn parse_if(&mut self) -> PResult<Command> {
        self.next()?;
        let mut arms = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.parse_nonempty_list(&["then"])?;
            self.expect_word("then")?;
            let body = self.parse_nonempty_list(&["elif", "else", "fi"])?;
            arms.push((cond, body));
            let t = self.next()?;
            match &t {
                Tok::Word(_, Some(r)) if r == "elif" => continue,
                Tok::Word(_, Some(r)) if r == "else" => {
                    otherwise = Some(self.parse_nonempty_list(&["fi"])?);
                    self.expect_word("fi")?;
                    break;
                }
                Tok::Word(_, Some(r)) if r == "fi" => break,
                t => return Err(self.unexpected(t)),
            }
        }
        let redirs = self.parse_redirs()?;
        Ok(Command::If {
            arms,
            otherwise,
            redirs,
        })
    }

    fn parse_for(&mut self) -> PResult<Command> {
        self.next()?;
        let t = self.next()?;
        let var = match &t {
            Tok::Word(_, Some(r)) if is_name(r) => r.clone(),
            t => return Err(self.unexpected(t)),
        };
        let mut items = None;
        // `for x in a b c;` / `for x;` / `for x do`
        self.skip_newlines()?;
        if self.peek_is_word("in")? {
            self.next()?;
            let mut v = Vec::new();
            loop {
                match self.peek()? {
                    Tok::Word(w, _) => {
                        self.next()?;
                        v.push(w);
                    }
                    Tok::Op(";") | Tok::Newline => {
                        self.next()?;
                        break;
                    }
                    t => return Err(self.unexpected(&t)),
                }
            }
            items = Some(v);
        } else if self.peek()? == Tok::Op(";") {
            self.next()?;
        }
        self.skip_newlines()?;
        self.expect_word("do")?;
        let body = self.parse_nonempty_list(&["done"])?;
        self.expect_word("done")?;
        let redirs = self.parse_redirs()?;
        Ok(Command::For {
            var,
            items,
            body,
            redirs,
        })
    }

    fn parse_case(&mut self) -> PResult<Command> {
        self.next()?;
        let word = match self.next()? {
            Tok::Word(w, _) => w,
            t => return Err(self.unexpected(&t)),
        };
        self.skip_newlines()?;
        self.expect_word("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.peek_is_word("esac")? {
                self.next()?;
                break;
            }
            if self.peek()? == Tok::Op("(") {
                self.next()?;
            }
            let mut pats = Vec::new();
            loop {
                match self.next()? {
                    Tok::Word(w, _) => pats.push(w),
                    t => return Err(self.unexpected(&t)),
                }
                match self.next()? {
                    Tok::Op("|") => continue,
                    Tok::Op(")") => break,
                    t => return Err(self.unexpected(&t)),
                }
            }
            let body = self.parse_list(&[";;", "esac"])?;
            arms.push((pats, body));
            match self.peek()? {
                Tok::Op(";;") => {
                    self.next()?;
                }
                Tok::Word(_, Some(r)) if r == "esac" => {}
                t => return Err(self.unexpected(&t)),
            }
        }
        let redirs = self.parse_redirs()?;
        Ok(Command::Case { word, arms, redirs })
    }

    fn parse_redirs(&mut self) -> PResult<Vec<Redir>> {
        let mut v = Vec::new();
        while let Some(r) = self.try_redir()? {
            v.push(r);
        }
        Ok(v)
    }

    fn try_redir(&mut self) -> PResult<Option<Redir>> {
        let t = self.peek()?;
        let (fd, op) = match t {
            Tok::IoNum(n) => {
                self.next()?;
                match self.next()? {
                    Tok::Op(op) => (Some(n), op),
                    t => return Err(self.unexpected(&t)),
                }
            }
            Tok::Op(op @ (">" | ">>" | "<" | "<&" | ">&" | "&>" | "&>>" | ">|" | "<<<" | "<<")) => {
                self.next()?;
                (None, op)
            }
            _ => return Ok(None),
        };
        let target = match self.next()? {
            Tok::Word(w, _) => w,
            t => return Err(self.unexpected(&t)),
        };
        let (default_fd, kind) = match op {
            ">" | ">|" => (1, RedirKind::Out),
            ">>" => (1, RedirKind::Append),
            "<" => (0, RedirKind::In),
            "<&" => (0, RedirKind::Dup),
            ">&" => {
                // `>&file` with a non-numeric target means &>file.
                let is_fd = matches!(target.as_slice(), [Part::Lit(s)] if s == "-" || s.chars().all(|c| c.is_ascii_digit()));
                if is_fd || fd.is_some() {
                    (1, RedirKind::Dup)
                } else {
                    (1, RedirKind::OutErr)
                }
            }
            "&>" => (1, RedirKind::OutErr),
            "&>>" => (1, RedirKind::AppendErr),
            "<<<" => (0, RedirKind::HereStr),
            _ => {
                // Here-document: take the body lines after the current line out of the source.
                let quoted = !matches!(target.as_slice(), [Part::Lit(_)]);
                let mut delim = word_text(&target).replace(['"', '\''], "");
                let strip = delim.starts_with('-');
                if strip {
                    delim.remove(0);
                }
                let body = self.take_heredoc(&delim, strip);
                let target = if quoted {
                    vec![Part::Quoted(body)]
                } else {
                    // Expansions happen in the body, as inside double quotes.
                    let mut esc = String::new();
                    let mut it = body.chars().peekable();
                    while let Some(c) = it.next() {
                        match c {
                            '"' => esc.push_str("\\\""),
                            '\\' if it.peek() == Some(&'"') => {
                                it.next();
                                esc.push_str("\\\\\\\"");
                            }
                            c => esc.push(c),
                        }
                    }
                    esc.push('"');
                    if self.depth >= MAX_DEPTH {
                        return Err(self.err("expression nested too deeply".into()));
                    }
                    let mut sub = Parser::new(&esc);
                    sub.depth = self.depth + 1;
                    vec![Part::Dq(sub.read_dq()?)]
                };
                return Ok(Some(Redir {
                    fd: fd.unwrap_or(0),
                    kind: RedirKind::HereDoc,
                    target,
                }));
            }
        };
        Ok(Some(Redir {
            fd: fd.unwrap_or(default_fd),
            kind,
            target,
        }))
    }

    fn parse_simple(&mut self) -> PResult<Command> {
        let line = self.line;
        let mut assigns = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut redirs = Vec::new();
        loop {
            if let Some(r) = self.try_redir()? {
                redirs.push(r);
                continue;
            }
            match self.peek()? {
                Tok::Word(w, _) => {
                    self.next()?;
                    if words.is_empty()
                        && let Some(a) = as_assignment(&w)
                    {
                        assigns.push(a);
                        continue;
                    }
                    let cond =
                        words.is_empty() && matches!(w.as_slice(), [Part::Lit(s)] if s == "[[");
                    words.push(w);
                    if cond {
                        self.cond_words(&mut words)?;
                    }
                }
                _ => break,
            }
        }
        if assigns.is_empty() && words.is_empty() && redirs.is_empty() {
            let t = self.peek()?;
            return Err(self.unexpected(&t));
        }
        // A function definition `name () compound-command`.
        if self.peek()? == Tok::Op("(") {
            let name = match (assigns.is_empty() && redirs.is_empty(), words.as_slice()) {
                (true, [w]) => match w.as_slice() {
                    [Part::Lit(n)] if !n.is_empty() && !n.contains(['$', '/']) => n.clone(),
                    _ => String::new(),
                },
                _ => String::new(),
            };
            let t = self.next()?;
            if name.is_empty() {
                return Err(self.unexpected(&t));
            }
            let close = self.next()?;
            if close != Tok::Op(")") {
                return Err(self.unexpected(&close));
            }
            return self.func_body(name);
        }
        Ok(Command::Simple {
            assigns,
            words,
            redirs,
            line,
        })
    }
}

fn as_assignment(w: &Word) -> Option<(String, Word)> {
    let Some(Part::Lit(first)) = w.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let name = first.get(..eq)?;
    if !is_name(name) {
        return None;
    }
    let mut value: Word = Vec::new();
    let rest = first.get(eq + 1..).unwrap_or("");
    if !rest.is_empty() {
        value.push(Part::Lit(rest.to_string()));
    }
    value.extend(w.iter().skip(1).cloned());
    Some((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_and_quotes() {
        let l = parse("echo 'a b;$(reboot)' \"x $HOME\"").unwrap();
        let Command::Simple { words, .. } = &l[0].first.cmds[0] else {
            panic!()
        };
        assert_eq!(words[1], vec![Part::Quoted("a b;$(reboot)".into())]);
        assert_eq!(words.len(), 3);
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse("echo 'a").unwrap_err().msg,
            "unexpected EOF while looking for matching `''"
        );
        assert_eq!(
            parse("echo ;;").unwrap_err().msg,
            "syntax error near unexpected token `;;'"
        );
        assert_eq!(
            parse("if true; then").unwrap_err().msg,
            "syntax error: unexpected end of file"
        );
        assert_eq!(
            parse("echo a |").unwrap_err().msg,
            "syntax error: unexpected end of file"
        );
        assert!(parse("fi").is_err());
        assert!(parse("if true; then echo; fi; for x in a b; do echo $x; done").is_ok());
        assert!(parse("{ echo a; echo b; } > f 2>&1").is_ok());
        assert!(parse("x=$(( 0x40000 + 1 )); echo $((x*2))").is_ok());
        assert!(parse("case a in a|b) echo y;; *) echo n;; esac").is_ok());
    }
}
