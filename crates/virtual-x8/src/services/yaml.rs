//! Compose files as the simulator reads them: a small document tree (`Yaml`) built from what
//! the `saphyr` crate loads.
//!
//! Why saphyr: `serde_yaml` is archived; `serde_yaml_ng` still sits on the archived
//! `unsafe-libyaml`; `serde_norway` keeps its own libyaml port alive but in unsafe C-shaped
//! Rust; `yaml-rust2` now takes only basic maintenance and points to saphyr, its successor
//! (same maintainers, pure safe Rust, YAML 1.2, rust-version 1.85). saphyr's scanner keeps
//! libyaml's problem texts ("did not find expected key", "mapping values are not allowed in
//! this context"), which are the ones go-yaml (a libyaml port, used by docker compose) prints.
//!
//! What is done here on top of the crate:
//! - scalars are kept as written (no early parsing), as compose reads them into strings:
//!   `user: 0700` stays `0700`, `version: 3.10` stays `3.10`; a plain `~`, `null` or empty
//!   value is null;
//! - `<<` merge keys (yaml.org/type/merge.html, which go-yaml and so compose honour; YAML 1.2
//!   loaders such as saphyr do not apply them): keys written in the mapping win over merged
//!   ones, and among a list of merged mappings the earlier wins;
//! - errors read like go-yaml's (`yaml: line N: problem`), a duplicate key like its
//!   unmarshal error.

use saphyr::{ScalarStyle, YamlLoader};

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
        matches!(self.as_str(), Some("true" | "True" | "TRUE" | "yes" | "on"))
    }
}

/// Parse the first document of `text` (an empty file is null).
pub fn parse(text: &str) -> Result<Yaml, String> {
    let mut loader: YamlLoader<saphyr::Yaml> = YamlLoader::default();
    loader.early_parse(false);
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let scanned = parser.load(&mut loader, true);
    let err = scanned.err().or_else(|| loader.error().cloned());
    if let Some(e) = err {
        let line = e.marker().line();
        if e.info() == "duplicated key in mapping" {
            let key = key_at(text, line, e.marker().col());
            return Err(format!(
                "yaml: unmarshal errors:\n  line {line}: mapping key \"{key}\" already defined"
            ));
        }
        // libyaml's context ("while parsing a block mapping, ") is not part of go-yaml's text.
        let problem = match e.info().split_once(", ") {
            Some((context, problem)) if context.starts_with("while ") => problem,
            _ => e.info(),
        };
        if problem == "found unknown anchor" {
            // go-yaml resolves aliases after parsing and names the anchor.
            let at = key_at(text, line, e.marker().col());
            let name = at
                .trim_start_matches('*')
                .split([' ', ',', ']', '}'])
                .next()
                .unwrap_or("");
            return Err(format!("yaml: unknown anchor '{name}' referenced"));
        }
        return Err(format!("yaml: line {line}: {problem}"));
    }
    match loader.into_documents().first() {
        Some(doc) => convert(doc),
        None => Ok(Yaml::Null),
    }
}

/// The key that starts at `line` (1-based), `col` (0-based, in characters) of `text`.
fn key_at(text: &str, line: usize, col: usize) -> String {
    let l = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let rest: String = l.chars().skip(col).collect();
    let rest = rest.trim_start_matches(['-', ' ']);
    let key = match rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(str::len))
    {
        Some(i) => &rest[..i],
        None => rest,
    };
    key.trim().trim_matches(['"', '\'']).to_string()
}

fn scalar(text: &str, style: ScalarStyle) -> Yaml {
    if style == ScalarStyle::Plain && matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        Yaml::Null
    } else {
        Yaml::Str(text.to_string())
    }
}

fn convert(y: &saphyr::Yaml) -> Result<Yaml, String> {
    Ok(match y {
        saphyr::Yaml::Representation(text, style, _) => scalar(text, *style),
        saphyr::Yaml::Value(v) => Yaml::Str(format!("{v:?}")),
        saphyr::Yaml::Sequence(items) => {
            Yaml::List(items.iter().map(convert).collect::<Result<_, _>>()?)
        }
        saphyr::Yaml::Mapping(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    saphyr::Yaml::Representation(text, style, _) => {
                        Key::new(text, *style == ScalarStyle::Plain)
                    }
                    other => Key::Plain(format!("{:?}", convert(other)?)),
                };
                entries.push((key, convert(v)?));
            }
            merge(entries)?
        }
        saphyr::Yaml::Tagged(_, inner) => convert(inner)?,
        saphyr::Yaml::Alias(_) | saphyr::Yaml::BadValue => Yaml::Null,
    })
}

enum Key {
    Plain(String),
    Merge,
}

impl Key {
    fn new(text: &str, plain: bool) -> Key {
        if plain && text == "<<" {
            Key::Merge
        } else {
            Key::Plain(text.to_string())
        }
    }
}

/// A mapping with its `<<` entries applied.
fn merge(entries: Vec<(Key, Yaml)>) -> Result<Yaml, String> {
    let written: Vec<String> = entries
        .iter()
        .filter_map(|(k, _)| match k {
            Key::Plain(s) => Some(s.clone()),
            Key::Merge => None,
        })
        .collect();
    let mut out: Vec<(String, Yaml)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        match k {
            Key::Plain(s) => out.push((s, v)),
            Key::Merge => {
                let sources = match v {
                    Yaml::Map(m) => vec![m],
                    Yaml::List(l) => l
                        .into_iter()
                        .map(|x| match x {
                            Yaml::Map(m) => Ok(m),
                            _ => Err(merge_error()),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(merge_error()),
                };
                for (mk, mv) in sources.into_iter().flatten() {
                    if !written.contains(&mk) && !out.iter().any(|(k, _)| *k == mk) {
                        out.push((mk, mv));
                    }
                }
            }
        }
    }
    Ok(Yaml::Map(out))
}

/// go-yaml's text for a `<<` whose value is not a mapping or a list of mappings.
fn merge_error() -> String {
    "yaml: map merge requires map or sequence of maps as the value".to_string()
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
        assert_eq!(y.get("version").unwrap().as_str(), Some("3.6"));
    }

    #[test]
    fn scalars_stay_as_written() {
        let y = parse("a: 0700\nb: 3.10\nc: ~\nd:\ne: 'null'\nf: yes\n").unwrap();
        assert_eq!(y.get("a").unwrap().as_str(), Some("0700"));
        assert_eq!(y.get("b").unwrap().as_str(), Some("3.10"));
        assert_eq!(y.get("c"), Some(&Yaml::Null));
        assert_eq!(y.get("d"), Some(&Yaml::Null));
        assert_eq!(y.get("e").unwrap().as_str(), Some("null"));
        assert!(y.get("f").unwrap().truthy());
        assert_eq!(parse("").unwrap(), Yaml::Null);
        assert_eq!(parse("# only a comment\n").unwrap(), Yaml::Null);
    }

    #[test]
    fn anchors_aliases_merge_keys_and_block_scalars() {
        let y = parse(
            r#"
x-common: &common
  restart: unless-stopped
  environment: &env
    A: "1"
x-more: &more
  tty: true
  restart: always
services:
  one:
    <<: [*common, *more]
    image: one
    restart: "no"
    command: |
      python3 -u app.py
      --verbose
  two:
    <<: *common
    image: two
    environment: *env
    entrypoint: >-
      sh -c
      'exec app'
"#,
        )
        .unwrap();
        let svcs = y.get("services").unwrap();
        let one = svcs.get("one").unwrap();
        assert_eq!(one.get("restart").unwrap().as_str(), Some("no"));
        assert!(one.get("tty").unwrap().truthy());
        assert_eq!(
            one.get("environment").unwrap().get("A").unwrap().as_str(),
            Some("1")
        );
        assert_eq!(
            one.get("command").unwrap().as_str(),
            Some("python3 -u app.py\n--verbose\n")
        );
        let two = svcs.get("two").unwrap();
        assert_eq!(two.get("restart").unwrap().as_str(), Some("unless-stopped"));
        assert_eq!(
            two.get("environment").unwrap().get("A").unwrap().as_str(),
            Some("1")
        );
        assert_eq!(
            two.get("entrypoint").unwrap().as_str(),
            Some("sh -c 'exec app'")
        );
        let Yaml::Map(keys) = two else { panic!() };
        assert_eq!(
            keys.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["restart", "image", "environment", "entrypoint"]
        );
    }

    #[test]
    fn errors_read_like_go_yaml() {
        assert_eq!(
            parse("a: 1\na: 2").unwrap_err(),
            "yaml: unmarshal errors:\n  line 2: mapping key \"a\" already defined"
        );
        assert_eq!(
            parse("services:\n  a:\n    image: x\n   b: y\n").unwrap_err(),
            "yaml: line 4: did not find expected key"
        );
        assert_eq!(
            parse("a: b: c\n").unwrap_err(),
            "yaml: line 1: mapping values are not allowed in this context"
        );
        assert_eq!(
            parse("a: *nope\n").unwrap_err(),
            "yaml: unknown anchor 'nope' referenced"
        );
        assert_eq!(parse("a:\n  <<: x\n").unwrap_err(), merge_error());
        for t in [
            "a: [1, 2",
            "services:\n\tapp:\n\t\timage: x\n",
            "- a\nb: c",
            "a: 'open\n",
        ] {
            let e = parse(t).map(|y| format!("{y:?}")).unwrap_or_else(|e| e);
            assert!(e.starts_with("yaml: line "), "{t:?}: {e}");
        }
    }
}
