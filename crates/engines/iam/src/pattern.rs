//! Wildcard patterns as IAM uses them: `*` matches any run of characters
//! (including `:` and `/`), `?` matches exactly one character, everything else
//! is literal. Policy variables (`${aws:username}`) are kept as tokens and
//! resolved per request.

use crate::eval::Context;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(String),
    Star,
    Quest,
    /// `${key}` or `${key, 'default'}`; the key is stored lowercased because
    /// context keys are case-insensitive.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    toks: Vec<Tok>,
    has_vars: bool,
}

impl Glob {
    /// Compiles `pat`. With `lowercase`, literals are folded to lower case so
    /// that matching against lowercased text is case-insensitive (actions).
    /// With `vars`, `${...}` is parsed as a policy variable (only for
    /// `Version: 2012-10-17` documents; older documents treat it literally).
    pub(crate) fn new(pat: &str, lowercase: bool, vars: bool) -> Glob {
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut has_vars = false;
        let mut rest = pat;
        while let Some(c) = rest.chars().next() {
            if vars
                && rest.starts_with("${")
                && let Some(end) = rest.find('}')
            {
                let inner = &rest[2..end];
                rest = &rest[end + 1..];
                match inner {
                    // Escapes for characters that would otherwise be special.
                    "*" => lit.push('*'),
                    "?" => lit.push('?'),
                    "$" => lit.push('$'),
                    _ => {
                        flush(&mut toks, &mut lit, lowercase);
                        let (key, default) = split_default(inner);
                        toks.push(Tok::Var {
                            key: key.to_ascii_lowercase(),
                            default,
                        });
                        has_vars = true;
                    }
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '*' => {
                    flush(&mut toks, &mut lit, lowercase);
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                }
                '?' => {
                    flush(&mut toks, &mut lit, lowercase);
                    toks.push(Tok::Quest);
                }
                _ => lit.push(c),
            }
        }
        flush(&mut toks, &mut lit, lowercase);
        Glob { toks, has_vars }
    }

    /// True when the pattern is exactly `*`.
    pub(crate) fn is_any(&self) -> bool {
        self.toks.len() == 1 && self.toks[0] == Tok::Star
    }

    pub(crate) fn has_vars(&self) -> bool {
        self.has_vars
    }

    /// The literal text when the pattern has no wildcard and no variable.
    pub(crate) fn literal(&self) -> Option<&str> {
        match self.toks.as_slice() {
            [] => Some(""),
            [Tok::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// Matches without a request context; a pattern with variables never
    /// matches (the variable cannot be resolved).
    pub(crate) fn matches(&self, text: &str) -> bool {
        if self.has_vars {
            return false;
        }
        match_toks(&self.toks, text.as_bytes())
    }

    /// Matches after substituting policy variables from `ctx`. AWS: a
    /// variable whose key is absent (and has no default) makes the element
    /// not match.
    pub(crate) fn matches_with(&self, text: &str, ctx: &Context, lowercase: bool) -> bool {
        if !self.has_vars {
            return match_toks(&self.toks, text.as_bytes());
        }
        let mut resolved = Vec::with_capacity(self.toks.len());
        for t in &self.toks {
            match t {
                Tok::Var { key, default } => {
                    let value = match ctx.get(key).and_then(|v| v.first()) {
                        Some(v) => v.clone(),
                        None => match default {
                            Some(d) => d.clone(),
                            None => return false,
                        },
                    };
                    let value = if lowercase {
                        value.to_lowercase()
                    } else {
                        value
                    };
                    resolved.push(Tok::Lit(value));
                }
                other => resolved.push(other.clone()),
            }
        }
        match_toks(&resolved, text.as_bytes())
    }
}

fn flush(toks: &mut Vec<Tok>, lit: &mut String, lowercase: bool) {
    if lit.is_empty() {
        return;
    }
    let s = std::mem::take(lit);
    toks.push(Tok::Lit(if lowercase { s.to_lowercase() } else { s }));
}

/// `key, 'default'` → (key, Some(default)).
fn split_default(inner: &str) -> (String, Option<String>) {
    match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(d);
            (k.trim().to_string(), Some(d.to_string()))
        }
        None => (inner.trim().to_string(), None),
    }
}

/// Length in bytes of the UTF-8 character starting at `b[i]`.
fn char_len(b: &[u8], i: usize) -> usize {
    let lead = b[i];
    let n = if lead < 0x80 {
        1
    } else if lead >> 5 == 0b110 {
        2
    } else if lead >> 4 == 0b1110 {
        3
    } else {
        4
    };
    n.min(b.len() - i)
}

/// Classic linear-backtracking wildcard match (one star remembered), which
/// is exact for `*`/`?` globs because later stars subsume earlier ones.
fn match_toks(toks: &[Tok], text: &[u8]) -> bool {
    let (mut ti, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let advanced = if ti < toks.len() {
            match &toks[ti] {
                Tok::Lit(l) => {
                    let l = l.as_bytes();
                    if text[si..].starts_with(l) {
                        si += l.len();
                        ti += 1;
                        true
                    } else {
                        false
                    }
                }
                Tok::Quest => {
                    if si < text.len() {
                        si += char_len(text, si);
                        ti += 1;
                        true
                    } else {
                        false
                    }
                }
                Tok::Star => {
                    star = Some((ti + 1, si));
                    ti += 1;
                    true
                }
                // Unresolved variables never match.
                Tok::Var { .. } => false,
            }
        } else if si == text.len() {
            return true;
        } else {
            false
        };
        if advanced {
            continue;
        }
        match star {
            Some((sti, ssi)) if ssi < text.len() => {
                let next = ssi + char_len(text, ssi);
                star = Some((sti, next));
                ti = sti;
                si = next;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Obviously-correct exponential reference matcher over characters.
    fn reference(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && reference(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && reference(rest, &t[1..]),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_reference(p in "[ab*?é:]{0,8}", t in "[abé:]{0,10}") {
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(Glob::new(&p, false, false).matches(&t), reference(&pc, &tc));
        }

        #[test]
        fn never_panics(p in ".{0,30}", t in ".{0,30}") {
            let g = Glob::new(&p, true, true);
            let _ = g.matches(&t);
            let _ = g.matches_with(&t, &Context::new(), true);
            let _ = crate::condition::parse_date(&p);
        }
    }

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p, false, true).matches(t)
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "anything:at/all"));
        assert!(m("a*c", "abbbc"));
        assert!(m("a*c", "ac"));
        assert!(!m("a*c", "acb"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a?c", "aéc"));
        assert!(m("*b*b*", "abxbx"));
        assert!(!m("*b*b*", "abx"));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b"));
        assert!(!m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket2/a"));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }

    #[test]
    fn escapes_are_literal() {
        assert!(m("a${*}b", "a*b"));
        assert!(!m("a${*}b", "axb"));
        assert!(m("a${?}", "a?"));
        assert!(m("${$}x", "$x"));
    }

    #[test]
    fn variables_need_context() {
        let g = Glob::new("arn:aws:s3:::b/home/${aws:username}/*", false, true);
        assert!(g.has_vars());
        assert!(!g.matches("arn:aws:s3:::b/home/alice/x"));
        let mut ctx = Context::new();
        ctx.insert("AWS:username", "alice");
        assert!(g.matches_with("arn:aws:s3:::b/home/alice/x", &ctx, false));
        assert!(!g.matches_with("arn:aws:s3:::b/home/bob/x", &ctx, false));
        let d = Glob::new("team-${aws:PrincipalTag/team, 'none'}", false, true);
        assert!(d.matches_with("team-none", &Context::new(), false));
        // Without variable parsing (old policy version) `${` is literal.
        let old = Glob::new("${aws:username}", false, false);
        assert!(old.matches("${aws:username}"));
    }
}
