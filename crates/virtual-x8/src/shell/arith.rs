//! `$(( ))` integer arithmetic (bash's operators on i64, wrapping).

struct P<'a, 'g> {
    s: Vec<char>,
    i: usize,
    get: &'g mut dyn FnMut(&str) -> Option<String>,
    sets: &'a mut Vec<(String, String)>,
    depth: u32,
}

type R = Result<i64, String>;

/// Evaluate `expr`; variables are read with `get`, assignments are appended to `sets`.
pub fn eval(
    expr: &str,
    get: &mut dyn FnMut(&str) -> Option<String>,
    sets: &mut Vec<(String, String)>,
) -> R {
    eval_at(expr, get, sets, 0)
}

fn eval_at(
    expr: &str,
    get: &mut dyn FnMut(&str) -> Option<String>,
    sets: &mut Vec<(String, String)>,
    depth: u32,
) -> R {
    if depth > 100 {
        return Err("expression recursion level exceeded".into());
    }
    let mut p = P {
        s: expr.chars().collect(),
        i: 0,
        get,
        sets,
        depth,
    };
    p.ws();
    if p.i >= p.s.len() {
        return Ok(0);
    }
    let v = p.comma()?;
    p.ws();
    if p.i < p.s.len() {
        let rest: String = p.s.iter().skip(p.i).collect();
        return Err(format!(
            "{}: syntax error: invalid arithmetic operator (error token is \"{}\")",
            expr.trim(),
            rest
        ));
    }
    Ok(v)
}

/// Parse an integer the way bash does: 0x hex, leading-0 octal, base#digits.
pub fn parse_int(t: &str) -> Option<i64> {
    let t = t.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some((b, d)) = t.split_once('#') {
        let b: u32 = b.parse().ok()?;
        if !(2..=36).contains(&b) {
            return None;
        }
        i64::from_str_radix(d, b).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i64::from_str_radix(t.get(1..)?, 8).ok()?
    } else {
        t.parse().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

impl P<'_, '_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }
    fn eat(&mut self, op: &str) -> bool {
        self.ws();
        let n = op.chars().count();
        let got: String = self.s.iter().skip(self.i).take(n).collect();
        if got == op {
            // do not take `<` out of `<<` or `<=`, etc.
            let next = self.s.get(self.i + n).copied();
            let conflict = match op {
                "<" | ">" => matches!(next, Some('<') | Some('>') | Some('=')),
                "&" => next == Some('&') || next == Some('='),
                "|" => next == Some('|') || next == Some('='),
                "=" => next == Some('='),
                "!" => next == Some('='),
                "*" | "/" | "%" | "+" | "-" | "^" => next == Some('='),
                "<<" | ">>" => next == Some('='),
                _ => false,
            };
            if conflict {
                return false;
            }
            self.i += n;
            true
        } else {
            false
        }
    }
    fn comma(&mut self) -> R {
        let mut v = self.assign()?;
        while self.eat(",") {
            v = self.assign()?;
        }
        Ok(v)
    }
    fn assign(&mut self) -> R {
        self.ws();
        let save = self.i;
        let name = self.name();
        if !name.is_empty() {
            for op in [
                "=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=",
            ] {
                if self.eat(op) {
                    let rhs = self.assign()?;
                    let cur = self.var(&name)?;
                    let v = match op {
                        "=" => rhs,
                        "+=" => cur.wrapping_add(rhs),
                        "-=" => cur.wrapping_sub(rhs),
                        "*=" => cur.wrapping_mul(rhs),
                        "/=" => div(cur, rhs)?,
                        "%=" => rem(cur, rhs)?,
                        "<<=" => cur.wrapping_shl(rhs as u32),
                        ">>=" => cur.wrapping_shr(rhs as u32),
                        "&=" => cur & rhs,
                        "|=" => cur | rhs,
                        _ => cur ^ rhs,
                    };
                    self.sets.push((name.clone(), v.to_string()));
                    return Ok(v);
                }
            }
        }
        self.i = save;
        self.ternary()
    }
    fn ternary(&mut self) -> R {
        let c = self.binary(0)?;
        if self.eat("?") {
            let a = self.assign()?;
            if !self.eat(":") {
                return Err("`:' expected for conditional expression".into());
            }
            let b = self.assign()?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }
    fn binary(&mut self, level: usize) -> R {
        const LEVELS: &[&[&str]] = &[
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<=", ">=", "<", ">"],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.power();
        };
        let mut v = self.binary(level + 1)?;
        'outer: loop {
            for op in *ops {
                if self.eat(op) {
                    let r = self.binary(level + 1)?;
                    v = match *op {
                        "||" => i64::from(v != 0 || r != 0),
                        "&&" => i64::from(v != 0 && r != 0),
                        "|" => v | r,
                        "^" => v ^ r,
                        "&" => v & r,
                        "==" => i64::from(v == r),
                        "!=" => i64::from(v != r),
                        "<=" => i64::from(v <= r),
                        ">=" => i64::from(v >= r),
                        "<" => i64::from(v < r),
                        ">" => i64::from(v > r),
                        "<<" => v.wrapping_shl(r as u32),
                        ">>" => v.wrapping_shr(r as u32),
                        "+" => v.wrapping_add(r),
                        "-" => v.wrapping_sub(r),
                        "*" => v.wrapping_mul(r),
                        "/" => div(v, r)?,
                        _ => rem(v, r)?,
                    };
                    continue 'outer;
                }
            }
            break;
        }
        Ok(v)
    }
    fn power(&mut self) -> R {
        let b = self.unary()?;
        if self.eat("**") {
            let e = self.power()?;
            if e < 0 {
                return Err("exponent less than 0".into());
            }
            return Ok(b.wrapping_pow(e.min(u32::MAX as i64) as u32));
        }
        Ok(b)
    }
    fn unary(&mut self) -> R {
        self.depth += 1;
        if self.depth > 300 {
            return Err("expression nested too deeply".into());
        }
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }
    fn unary_inner(&mut self) -> R {
        self.ws();
        if self.eat("!") {
            return Ok(i64::from(self.unary()? == 0));
        }
        if self.eat("~") {
            return Ok(!self.unary()?);
        }
        let two: String = self.s.iter().skip(self.i).take(2).collect();
        if two == "++" || two == "--" {
            self.i += 2;
            self.ws();
            let name = self.name();
            if name.is_empty() {
                return Err("syntax error: operand expected".into());
            }
            let v = self.var(&name)? + if two == "++" { 1 } else { -1 };
            self.sets.push((name, v.to_string()));
            return Ok(v);
        }
        if self.eat("-") {
            return Ok(self.unary()?.wrapping_neg());
        }
        if self.eat("+") {
            return self.unary();
        }
        self.primary()
    }
    fn name(&mut self) -> String {
        let mut n = String::new();
        if let Some(&c) = self.s.get(self.i)
            && (c.is_ascii_alphabetic() || c == '_')
        {
            while let Some(&c) = self.s.get(self.i) {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                n.push(c);
                self.i += 1;
            }
        }
        n
    }
    fn var(&mut self, name: &str) -> R {
        let v = (self.get)(name).unwrap_or_default();
        if v.trim().is_empty() {
            return Ok(0);
        }
        match parse_int(&v) {
            Some(n) => Ok(n),
            None => {
                let mut sets = Vec::new();
                let r = eval_at(&v, self.get, &mut sets, self.depth + 10);
                self.sets.extend(sets);
                r
            }
        }
    }
    fn primary(&mut self) -> R {
        self.ws();
        if self.eat("(") {
            let v = self.comma()?;
            if !self.eat(")") {
                return Err("missing `)'".into());
            }
            return Ok(v);
        }
        let Some(&c) = self.s.get(self.i) else {
            return Err("syntax error: operand expected (error token is \"\")".into());
        };
        if c.is_ascii_digit() {
            let mut t = String::new();
            while let Some(&c) = self.s.get(self.i) {
                if !(c.is_ascii_alphanumeric() || c == '#' || c == '_') {
                    break;
                }
                t.push(c);
                self.i += 1;
            }
            return parse_int(&t)
                .ok_or_else(|| format!("{t}: value too great for base (error token is \"{t}\")"));
        }
        let name = self.name();
        if name.is_empty() {
            let rest: String = self.s.iter().skip(self.i).collect();
            return Err(format!(
                "syntax error: operand expected (error token is \"{rest}\")"
            ));
        }
        let two: String = self.s.iter().skip(self.i).take(2).collect();
        let v = self.var(&name)?;
        if two == "++" || two == "--" {
            self.i += 2;
            let nv = v + if two == "++" { 1 } else { -1 };
            self.sets.push((name, nv.to_string()));
        }
        Ok(v)
    }
}

fn div(a: i64, b: i64) -> R {
    if b == 0 {
        return Err("division by 0 (error token is \"0\")".into());
    }
    Ok(a.wrapping_div(b))
}
fn rem(a: i64, b: i64) -> R {
    if b == 0 {
        return Err("division by 0 (error token is \"0\")".into());
    }
    Ok(a.wrapping_rem(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str) -> R {
        let mut get = |n: &str| {
            if n == "x" {
                Some("7".to_string())
            } else {
                None
            }
        };
        let mut sets = Vec::new();
        eval(s, &mut get, &mut sets)
    }

    #[test]
    fn arithmetic() {
        assert_eq!(ev("1+2*3"), Ok(7));
        assert_eq!(ev("0x40000"), Ok(0x40000));
        assert_eq!(ev("0x40000 + 16"), Ok(0x40010));
        assert_eq!(ev("x*2"), Ok(14));
        assert_eq!(ev("(1+2)*3"), Ok(9));
        assert_eq!(ev("010"), Ok(8));
        assert_eq!(ev("1<<4 | 1"), Ok(17));
        assert_eq!(ev("5 > 3 && 2 < 1"), Ok(0));
        assert_eq!(ev("-3 % 2"), Ok(-1));
        assert_eq!(ev("2**10"), Ok(1024));
        assert!(ev("1/0").is_err());
        assert!(ev("1 +").is_err());
        assert_eq!(ev("x > 5 ? 1 : 2"), Ok(1));
    }
}
