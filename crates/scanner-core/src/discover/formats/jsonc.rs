//! JSON with comments and trailing commas (JSONC), the superset VS Code, Zed
//! and opencode write; strict JSON files parse the same way. Read-only and
//! lenient: the clients that own these files accept the same input.

use super::tree::{max_values, too_many_values, FormatError, Node, Value, MAX_DEPTH};
use crate::lines::LineIndex;

/// Parses JSON or JSONC text.
pub fn parse(text: &str) -> Result<Node, FormatError> {
    let mut p = Parser {
        text,
        pos: 0,
        lines: LineIndex::new(text),
        budget: max_values(text.len()),
        values: 0,
    };
    p.skip_trivia()?;
    let node = p.value(0)?;
    p.skip_trivia()?;
    if p.pos < text.len() {
        return Err(p.error("unexpected content after the top-level value"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Built once: a line per value without rescanning the text.
    lines: LineIndex<'a>,
    /// Most values the document may hold ([`max_values`]).
    budget: usize,
    /// Values parsed so far.
    values: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> FormatError {
        let (line, column) = self.lines.line_col(self.pos);
        FormatError {
            line,
            column,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn line(&self) -> usize {
        self.lines.line(self.pos)
    }

    fn skip_trivia(&mut self) -> Result<(), FormatError> {
        loop {
            let rest = &self.text[self.pos..];
            let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(body) = trimmed.strip_prefix("/*") {
                let end = body
                    .find("*/")
                    .ok_or_else(|| self.error("unterminated block comment"))?;
                self.pos += end + 4;
            } else {
                return Ok(());
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, FormatError> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.values += 1;
        if self.values > self.budget {
            let (line, column) = self.lines.line_col(self.pos);
            return Err(too_many_values(self.budget, line, column));
        }
        let line = self.line();
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(_) => self.scalar()?,
            None => return Err(self.error("unexpected end of file")),
        };
        Ok(Node::new(line, value))
    }

    fn object(&mut self, depth: usize) -> Result<Value, FormatError> {
        self.pos += 1;
        let mut members = Vec::new();
        loop {
            self.skip_trivia()?;
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                Some(b'"') => {}
                _ => return Err(self.error("expected a string key or `}`")),
            }
            let key_line = self.line();
            let key = self.string()?;
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after an object key"));
            }
            self.pos += 1;
            self.skip_trivia()?;
            let mut node = self.value(depth + 1)?;
            node.line = key_line;
            members.push((key, node));
            if !self.separator(b'}')? {
                self.pos += 1;
                return Ok(Value::Object(members));
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, FormatError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            items.push(self.value(depth + 1)?);
            if !self.separator(b']')? {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
        }
    }

    /// After a member: `,` (true: more may follow) or the closer (false).
    fn separator(&mut self, close: u8) -> Result<bool, FormatError> {
        self.skip_trivia()?;
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(c) if c == close => Ok(false),
            _ => Err(self.error(&format!("expected `,` or `{}`", close as char))),
        }
    }

    fn string(&mut self) -> Result<String, FormatError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let stop = rest
                .find(['"', '\\', '\n'])
                .ok_or_else(|| self.error("unterminated string"))?;
            out.push_str(&rest[..stop]);
            self.pos += stop;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                _ => return Err(self.error("unterminated string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), FormatError> {
        let c = self.text.as_bytes().get(self.pos + 1).copied();
        self.pos += 2;
        let ch = match c {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode(out),
            _ => {
                self.pos -= 2;
                return Err(self.error("invalid escape in a string"));
            }
        };
        out.push(ch);
        Ok(())
    }

    fn unicode(&mut self, out: &mut String) -> Result<(), FormatError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) && self.text[self.pos..].starts_with("\\u") {
            self.pos += 2;
            let lo = self.hex4()?;
            0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
        } else {
            hi
        };
        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, FormatError> {
        let digits = self.text.get(self.pos..self.pos + 4);
        let code = digits
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(code)
    }

    fn scalar(&mut self) -> Result<Value, FormatError> {
        let rest = &self.text[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            w if !w.is_empty() && w.parse::<f64>().is_ok() => Value::Number(w.to_string()),
            _ => return Err(self.error("expected a value")),
        };
        self.pos += len;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_trailing_commas_and_lines() {
        let text = "// c\n{\n  /* x */ \"a\": [1, 2,],\n  \"b\": {\"c\": \"\\u00e9\"},\n}\n";
        let n = parse(text).unwrap();
        assert_eq!(n.get("a").unwrap().line, 3);
        assert_eq!(n.get("b").unwrap().line, 4);
        assert_eq!(n.get("b").unwrap().get("c").unwrap().as_str(), Some("é"));
    }

    #[test]
    fn duplicate_keys_are_kept_and_reported() {
        let n = parse("{\"a\": 1,\n\"a\": 2}").unwrap();
        assert_eq!(n.get("a").unwrap().as_text().as_deref(), Some("2"));
        assert_eq!(n.duplicate_keys()[0].line, 2);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = "[".repeat(100_000);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err}");
    }

    #[test]
    fn errors_name_line_and_column_without_quoting_input() {
        let err = parse("{\n  \"k\": ghp_secret }").unwrap_err();
        assert_eq!((err.line, err.column), (2, 8));
        assert!(!err.to_string().contains("ghp_secret"));
        assert!(parse("{\"a\": \"x").is_err());
        assert!(parse("{} x").is_err());
    }
}
