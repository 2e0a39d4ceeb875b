//! Where each value of a JSON text is. serde_json's values carry no
//! positions, so the text is scanned once more, after serde_json has
//! accepted it, for the byte span of every value and key: problems found
//! in a JSON scenario then point at the value they are about.

use std::ops::Range;

/// The spans of a JSON value and of the values inside it.
pub(super) enum Spans {
    Leaf(Range<usize>),
    Array(Range<usize>, Vec<Spans>),
    /// An object's members, sorted by key: each key (unescaped), the span
    /// of the key, and its value's spans.
    Object(Range<usize>, Vec<(String, Range<usize>, Spans)>),
}

impl Spans {
    /// The spans of JSON text that serde_json has read without error
    /// (`None` if it turns out not to scan).
    pub(super) fn of(text: &str) -> Option<Spans> {
        Scan { text, pos: 0 }.value()
    }

    /// The value's span.
    pub(super) fn range(&self) -> Range<usize> {
        match self {
            Spans::Leaf(r) | Spans::Array(r, _) | Spans::Object(r, _) => r.clone(),
        }
    }

    /// The spans of an array's item.
    pub(super) fn item(&self, i: usize) -> Option<&Spans> {
        match self {
            Spans::Array(_, items) => items.get(i),
            _ => None,
        }
    }

    /// The span of an object's key and the spans of its value.
    pub(super) fn member(&self, key: &str) -> Option<(&Range<usize>, &Spans)> {
        match self {
            Spans::Object(_, members) => members
                .binary_search_by(|(k, ..)| k.as_str().cmp(key))
                .ok()
                .and_then(|i| members.get(i))
                .map(|(_, k, v)| (k, v)),
            _ => None,
        }
    }
}

/// A scan of valid JSON text. Recursion is bounded by serde_json's depth
/// limit, which the text has passed.
struct Scan<'t> {
    text: &'t str,
    pos: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after white space), or fails.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn value(&mut self) -> Option<Spans> {
        self.skip_space();
        let start = self.pos;
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_space();
                if self.peek()? == b'}' {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_space();
                        let key_start = self.pos;
                        self.string()?;
                        let key_span = key_start..self.pos;
                        let key: String =
                            serde_json::from_str(self.text.get(key_span.clone())?).ok()?;
                        self.expect(b':')?;
                        let value = self.value()?;
                        members.push((key, key_span, value));
                        self.skip_space();
                        match self.peek()? {
                            b',' => self.pos += 1,
                            b'}' => {
                                self.pos += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                members.sort_by(|a, b| a.0.cmp(&b.0));
                Some(Spans::Object(start..self.pos, members))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_space();
                if self.peek()? == b']' {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value()?);
                        self.skip_space();
                        match self.peek()? {
                            b',' => self.pos += 1,
                            b']' => {
                                self.pos += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Some(Spans::Array(start..self.pos, items))
            }
            b'"' => {
                self.string()?;
                Some(Spans::Leaf(start..self.pos))
            }
            _ => {
                // A number, `true`, `false` or `null`: up to what ends it.
                while self.peek().is_some_and(|b| {
                    !matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.pos += 1;
                }
                (self.pos > start).then_some(Spans::Leaf(start..self.pos))
            }
        }
    }

    /// Consumes a string, quotes included.
    fn string(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values_and_keys() {
        let text = r#" {"b": [1, {"x": "a\"b"}], "a": true} "#;
        let Some(s) = Spans::of(text) else {
            panic!("no spans")
        };
        assert_eq!(&text[s.range()], r#"{"b": [1, {"x": "a\"b"}], "a": true}"#);
        let Some((key, a)) = s.member("a") else {
            panic!("no a")
        };
        assert_eq!(&text[key.clone()], r#""a""#);
        assert_eq!(&text[a.range()], "true");
        let x = s
            .member("b")
            .and_then(|(_, b)| b.item(1))
            .and_then(|o| o.member("x"));
        let Some((_, x)) = x else { panic!("no x") };
        assert_eq!(&text[x.range()], r#""a\"b""#);
    }
}
