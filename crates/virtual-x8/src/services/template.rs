//! A tiny Go-template evaluator for docker's `--format`: `{{.A.B}}`, `{{json .}}`,
//! `{{json .A}}`, `{{index .A "key"}}`, `{{upper .A}}`, `{{lower .A}}`, `{{println .A}}`,
//! a leading `table ` (header row + aligned columns) and `\t` / `\n` escapes.

use serde_json::Value;

/// Go's `%v` of a decoded JSON value.
pub fn go_str(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(go_str).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_str(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

fn lookup<'a>(v: &'a Value, path: &str) -> Result<&'a Value, String> {
    let path = path.trim();
    if path == "." {
        return Ok(v);
    }
    let Some(rest) = path.strip_prefix('.') else {
        return Err(format!("function \"{path}\" not defined"));
    };
    let mut cur = v;
    for part in rest.split('.') {
        cur = match cur {
            Value::Object(m) => m
                .get(part)
                .ok_or_else(|| format!("can't evaluate field {part} in type interface {{}}"))?,
            _ => return Err(format!("can't evaluate field {part}")),
        };
    }
    Ok(cur)
}

fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    for c in s.chars() {
        if c == '"' {
            q = !q;
            cur.push(c);
        } else if c.is_whitespace() && !q {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn eval_action(action: &str, v: &Value) -> Result<String, String> {
    let words = split_args(action);
    match words.as_slice() {
        [] => Ok(String::new()),
        [p] => lookup(v, p).map(go_str),
        [f, p] if f == "json" => {
            let x = lookup(v, p)?;
            Ok(serde_json::to_string(x).unwrap_or_default())
        }
        [f, p] if f == "upper" => lookup(v, p).map(|x| go_str(x).to_uppercase()),
        [f, p] if f == "lower" => lookup(v, p).map(|x| go_str(x).to_lowercase()),
        [f, rest @ ..] if f == "println" => {
            let parts: Result<Vec<String>, String> =
                rest.iter().map(|p| lookup(v, p).map(go_str)).collect();
            Ok(format!("{}\n", parts?.join(" ")))
        }
        [f, p, k] if f == "index" => {
            let x = lookup(v, p)?;
            let key = k.trim_matches('"');
            Ok(match x {
                Value::Object(m) => m.get(key).map(go_str).unwrap_or_default(),
                Value::Array(a) => key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| a.get(i))
                    .map(go_str)
                    .unwrap_or_default(),
                _ => String::new(),
            })
        }
        [f, ..] => Err(format!("function \"{f}\" not defined")),
    }
}

/// `tmpl` (its `\t` and `\n` written out) with each `{{ action }}` replaced by what `f`
/// makes of the action (trimmed of blanks and of `-`). An action without its `}}` ends the
/// expansion: the rest is kept as text and the flag says so.
fn expand(
    tmpl: &str,
    f: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<(String, bool), String> {
    let tmpl = tmpl.replace("\\t", "\t").replace("\\n", "\n");
    let mut out = String::new();
    let mut rest = tmpl.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok((out, false));
        };
        let action = after[..end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        out.push_str(&f(action)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok((out, true))
}

/// Render `tmpl` against `v`; errors read like Go's `template: :1:2: executing ...`.
pub fn render(tmpl: &str, v: &Value) -> Result<String, String> {
    match expand(tmpl, &mut |action| eval_action(action, v))? {
        (out, true) => Ok(out),
        (_, false) => Err("template parsing error: template: :1: unclosed action".into()),
    }
}

/// Header text for a `table` template: each `{{.Field}}` becomes the upper-cased field name
/// with docker's spellings (`ID` -> `CONTAINER ID`, `Names` -> `NAMES`, ...).
pub fn table_header(tmpl: &str, header_of: &dyn Fn(&str) -> String) -> String {
    let mut header = |action: &str| {
        let field = action.rsplit(' ').next().unwrap_or("");
        Ok(header_of(field.trim_start_matches('.')))
    };
    expand(tmpl, &mut header).map_or_else(|e| e, |(out, _)| out)
}

/// Align tab-separated rows as Go's tabwriter with padding 3 (docker's tables).
pub fn tabulate(rows: &[String]) -> String {
    let split: Vec<Vec<&str>> = rows.iter().map(|r| r.split('\t').collect()).collect();
    let cols = split.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in &split {
        for (i, c) in r.iter().enumerate() {
            if i + 1 < r.len() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    for r in &split {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                let pad = widths[i] + 3 - c.chars().count();
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_json_index() {
        let v = json!({"Names": "a", "State": {"Status": "running", "Running": true}, "RestartCount": 3, "Labels": {"k": "v"}});
        assert_eq!(render("{{.Names}}", &v).unwrap(), "a");
        assert_eq!(
            render("{{.State.Status}} {{ .State.Running }}", &v).unwrap(),
            "running true"
        );
        assert_eq!(render("{{.RestartCount}}", &v).unwrap(), "3");
        assert_eq!(
            render("{{json .State}}", &v).unwrap(),
            r#"{"Running":true,"Status":"running"}"#
        );
        assert_eq!(render("{{index .Labels \"k\"}}", &v).unwrap(), "v");
        assert!(render("{{.Nope}}", &v).is_err());
        assert!(render("{{.Names", &v).is_err());
        assert_eq!(
            tabulate(&["A\tBB".into(), "CCC\tD".into()]),
            "A     BB\nCCC   D\n"
        );
    }
}
