//! The YAML subset docker-compose files use: block mappings and sequences by indentation,
//! flow sequences/mappings on one line, plain and quoted scalars, comments.

#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Str(String),
    List(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A list of strings, from a sequence or a single scalar.
    pub fn strings(&self) -> Vec<String> {
        match self {
            Yaml::Str(s) => vec![s.clone()],
            Yaml::List(l) => l
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
    pub fn truthy(&self) -> bool {
        matches!(self.as_str(), Some("true" | "True" | "yes" | "on"))
    }
}

struct Line {
    indent: usize,
    text: String,
    no: usize,
}

fn strip_comment(s: &str) -> &str {
    let mut q: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in s.char_indices() {
        match q {
            Some(x) if c == x => q = None,
            Some(_) => {}
            None => {
                if c == '"' || c == '\'' {
                    q = Some(c);
                } else if c == '#' && prev_space {
                    return &s[..i];
                }
            }
        }
        prev_space = c == ' ' || c == '\t';
    }
    s
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        let inner = &s[1..s.len() - 1];
        return inner
            .replace("\\\"", "\"")
            .replace("\\n", "\n")
            .replace("\\\\", "\\");
    }
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        return s[1..s.len() - 1].replace("''", "'");
    }
    s.to_string()
}

fn split_flow(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut q: Option<char> = None;
    for c in s.chars() {
        match q {
            Some(x) => {
                if c == x {
                    q = None;
                }
                cur.push(c);
            }
            None => match c {
                '"' | '\'' => {
                    q = Some(c);
                    cur.push(c);
                }
                '[' | '{' => {
                    depth += 1;
                    cur.push(c);
                }
                ']' | '}' => {
                    depth -= 1;
                    cur.push(c);
                }
                ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            },
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Position of the `:` that separates a key from its value, outside quotes.
fn key_colon(s: &str) -> Option<usize> {
    let mut q: Option<char> = None;
    let b = s.as_bytes();
    for (i, c) in s.char_indices() {
        match q {
            Some(x) if c == x => q = None,
            Some(_) => {}
            None => {
                if (c == '"' || c == '\'') && i == 0 {
                    q = Some(c);
                } else if c == ':' && (i + 1 == b.len() || b[i + 1] == b' ') {
                    return Some(i);
                } else if c == '[' || c == '{' {
                    return None;
                }
            }
        }
    }
    None
}

fn scalar(s: &str) -> Result<Yaml, String> {
    let s = s.trim();
    if s.is_empty() || s == "~" || s == "null" {
        return Ok(Yaml::Null);
    }
    if let Some(inner) = s.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| "did not find expected ',' or ']'".to_string())?;
        let items: Result<Vec<Yaml>, String> =
            split_flow(inner).iter().map(|x| scalar(x)).collect();
        return Ok(Yaml::List(items?));
    }
    if let Some(inner) = s.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or_else(|| "did not find expected ',' or '}'".to_string())?;
        let mut m = Vec::new();
        for item in split_flow(inner) {
            let (k, v) = match key_colon(item.trim()) {
                Some(i) => {
                    let t = item.trim();
                    (unquote(&t[..i]), scalar(&t[i + 1..])?)
                }
                None => (unquote(&item), Yaml::Null),
            };
            m.push((k, v));
        }
        return Ok(Yaml::Map(m));
    }
    Ok(Yaml::Str(unquote(s)))
}

/// Parse a document. Errors read like go-yaml's (`yaml: line N: ...`).
pub fn parse(text: &str) -> Result<Yaml, String> {
    let mut lines = Vec::new();
    for (no, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        if raw.trim_start().starts_with("---") && raw.trim() == "---" {
            continue;
        }
        if raw.contains('\t') && raw.trim_start().starts_with('\t') {
            return Err(format!(
                "yaml: line {}: found character that cannot start any token",
                no + 1
            ));
        }
        let t = strip_comment(raw);
        if t.trim().is_empty() {
            continue;
        }
        let indent = t.len() - t.trim_start().len();
        lines.push(Line {
            indent,
            text: t.trim().to_string(),
            no: no + 1,
        });
    }
    if lines.is_empty() {
        return Ok(Yaml::Null);
    }
    let mut pos = 0;
    let ind = lines[0].indent;
    let v = block(&lines, &mut pos, ind)?;
    if pos < lines.len() {
        return Err(format!(
            "yaml: line {}: did not find expected key",
            lines[pos].no
        ));
    }
    Ok(v)
}

fn block(lines: &[Line], pos: &mut usize, indent: usize) -> Result<Yaml, String> {
    if lines[*pos].text.starts_with("- ") || lines[*pos].text == "-" {
        let mut items = Vec::new();
        while *pos < lines.len() && lines[*pos].indent == indent {
            let l = &lines[*pos];
            let Some(rest) = l.text.strip_prefix('-') else {
                break;
            };
            let rest = rest.trim_start();
            *pos += 1;
            if rest.is_empty() {
                if *pos < lines.len() && lines[*pos].indent > indent {
                    let ni = lines[*pos].indent;
                    items.push(block(lines, pos, ni)?);
                } else {
                    items.push(Yaml::Null);
                }
            } else if let Some(c) = key_colon(rest) {
                // "- key: value" starts a mapping inside the sequence
                let mut m = vec![];
                let key = unquote(&rest[..c]);
                let val = rest[c + 1..].trim();
                let inner_indent = indent + (l.text.len() - rest.len());
                if val.is_empty() && *pos < lines.len() && lines[*pos].indent > inner_indent {
                    let ni = lines[*pos].indent;
                    m.push((key, block(lines, pos, ni)?));
                } else {
                    m.push((key, scalar(val)?));
                }
                if *pos < lines.len()
                    && lines[*pos].indent == inner_indent
                    && let Yaml::Map(more) = block(lines, pos, inner_indent)?
                {
                    m.extend(more);
                }
                items.push(Yaml::Map(m));
            } else {
                items.push(scalar(rest)?);
            }
        }
        return Ok(Yaml::List(items));
    }
    let mut m: Vec<(String, Yaml)> = Vec::new();
    while *pos < lines.len() && lines[*pos].indent == indent {
        let l = &lines[*pos];
        let Some(c) = key_colon(&l.text) else {
            return Err(format!("yaml: line {}: could not find expected ':'", l.no));
        };
        let key = unquote(&l.text[..c]);
        let val = l.text[c + 1..].trim().to_string();
        *pos += 1;
        let v = if val.is_empty() {
            if *pos < lines.len() && lines[*pos].indent > indent {
                let ni = lines[*pos].indent;
                block(lines, pos, ni)?
            } else if *pos < lines.len()
                && lines[*pos].indent == indent
                && lines[*pos].text.starts_with('-')
            {
                // sequences may sit at the key's indentation
                block(lines, pos, indent)?
            } else {
                Yaml::Null
            }
        } else if val == "|" || val == ">" || val == "|-" || val == ">-" {
            let mut s = String::new();
            while *pos < lines.len() && lines[*pos].indent > indent {
                s.push_str(&lines[*pos].text);
                s.push(if val.starts_with('|') { '\n' } else { ' ' });
                *pos += 1;
            }
            Yaml::Str(s.trim_end().to_string())
        } else {
            scalar(&val)?
        };
        if m.iter().any(|(k, _)| *k == key) {
            return Err(format!(
                "yaml: unmarshal errors:\n  line {}: mapping key \"{key}\" already defined",
                l.no
            ));
        }
        m.push((key, v));
    }
    if *pos < lines.len() && lines[*pos].indent > indent {
        return Err(format!(
            "yaml: line {}: mapping values are not allowed in this context",
            lines[*pos].no
        ));
    }
    Ok(Yaml::Map(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_file() {
        let y = parse(
            r#"
version: '3.6'

services:
  python-rpc-sensors:   # the app
    image: hub.foundries.io/${FACTORY}/python-rpc-sensors:latest
    restart: unless-stopped
    tty: true
    read_only: true
    user: "0"
    volumes:
    - '/tmp:/tmp'
    extra_hosts:
      - "m4-proxy:host-gateway"
    environment: [PYTHONUNBUFFERED=1]
    ports: ["5002-5020:5002-5020"]
"#,
        )
        .unwrap();
        let s = y
            .get("services")
            .unwrap()
            .get("python-rpc-sensors")
            .unwrap();
        assert_eq!(
            s.get("image").unwrap().as_str(),
            Some("hub.foundries.io/${FACTORY}/python-rpc-sensors:latest")
        );
        assert_eq!(s.get("user").unwrap().as_str(), Some("0"));
        assert_eq!(s.get("volumes").unwrap().strings(), vec!["/tmp:/tmp"]);
        assert_eq!(
            s.get("extra_hosts").unwrap().strings(),
            vec!["m4-proxy:host-gateway"]
        );
        assert_eq!(
            s.get("environment").unwrap().strings(),
            vec!["PYTHONUNBUFFERED=1"]
        );
        assert!(s.get("tty").unwrap().truthy());
    }

    #[test]
    fn errors_do_not_panic() {
        for t in [
            "a: [1, 2",
            "a:\n  b: 1\n   c: 2",
            "- a\nb: c",
            "a: 1\na: 2",
            ":",
            "\t- x",
        ] {
            let _ = parse(t);
        }
        assert!(parse("a: 1\na: 2").is_err());
    }
}
