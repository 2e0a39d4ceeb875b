//! Which characters may reach the user's terminal as they are. Scenario
//! text, file names and rule output are attacker-controlled; a control
//! character could recolour, retitle or erase the screen, and a bidi
//! control could make "safe {U+202E}1 seriF ok" read as something else.
//! Scenario text and file names holding one are refused; rule output has
//! it escaped (`\u{1b}`).

use std::borrow::Cow;
use std::ops::Range;

/// Whether `c` must never be shown raw: control characters (newline and
/// tab excepted, when `breaks` allows them; a carriage return could
/// overwrite the line it ends), the bidi embedding,
/// override and isolate controls that rustc's own lint refuses, and the
/// invisible characters with no use in prose. The zero-width joiners
/// (U+200C, U+200D) stay: Persian, Indic scripts and emoji need them.
pub fn is_unsafe(c: char, breaks: bool) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && !(breaks && matches!(c, '\t' | '\n'));
    }
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
        )
}

/// Whether `c` may not stand in a file's text (scenario values, source
/// lines under a diagnostic) as it is: [`is_unsafe`] with line breaks
/// allowed, carriage returns too, since they end lines in files written
/// on Windows.
pub fn is_unsafe_in_source(c: char) -> bool {
    c != '\r' && is_unsafe(c, true)
}

/// The first character of `s` that [`is_unsafe`].
pub fn first_unsafe(s: &str, breaks: bool) -> Option<char> {
    first(s, |c| is_unsafe(c, breaks))
}

/// The first character of `s` that [`is_unsafe_in_source`].
pub fn first_unsafe_in_source(s: &str) -> Option<char> {
    first(s, is_unsafe_in_source)
}

fn first(s: &str, refused: impl Fn(char) -> bool) -> Option<char> {
    // Printable ASCII, nearly all text, needs no decoding.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    s.chars().find(|&c| refused(c))
}

/// How a message names the kind of an unsafe character.
pub fn describe(c: char) -> String {
    let kind = if c.is_control() {
        "control"
    } else {
        "invisible or text-direction"
    };
    format!("the {kind} character U+{:04X}", c as u32)
}

/// `s` with every unsafe character written as `\u{…}`.
pub fn escape(s: &str, breaks: bool) -> Cow<'_, str> {
    if first_unsafe(s, breaks).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c, breaks) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Source text fit to show under a diagnostic, with `span` moved to
/// where its bytes are in it: unsafe characters escaped, carriage returns
/// kept (they end lines in files written on Windows).
pub fn source_with_span(src: &str, span: Range<usize>) -> (Cow<'_, str>, Range<usize>) {
    if first_unsafe_in_source(src).is_none() {
        return (Cow::Borrowed(src), span);
    }
    let mut out = String::with_capacity(src.len() + 16);
    let (mut start, mut end) = (span.start, span.end);
    for (i, c) in src.char_indices() {
        if i == span.start {
            start = out.len();
        }
        if i == span.end {
            end = out.len();
        }
        if is_unsafe_in_source(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if span.start >= src.len() {
        start = out.len();
    }
    if span.end >= src.len() {
        end = out.len();
    }
    (Cow::Owned(out), start..end.max(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_bidi_and_invisible_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("plain text", false), "plain text");
        assert_eq!(escape("a\u{1b}[2Jb", false), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\u{202e}y\u{2069}", false), "x\\u{202e}y\\u{2069}");
        assert_eq!(escape("a\u{200b}b\u{feff}", false), "a\\u{200b}b\\u{feff}");
        assert_eq!(escape("l1\nl2\tx", true), "l1\nl2\tx");
        assert_eq!(escape("over\rwrite", true), "over\\u{d}write");
        assert_eq!(escape("l1\nl2", false), "l1\\u{a}l2");
        assert_eq!(escape("\u{7f}\u{85}", true), "\\u{7f}\\u{85}");
        let joined = "می\u{200c}خواهم 👩\u{200d}💻 Zürich";
        assert_eq!(escape(joined, false), joined);
        assert_eq!(first_unsafe("ok \u{2066}", true), Some('\u{2066}'));
    }

    #[test]
    fn an_escaped_source_keeps_its_span_on_the_same_characters() {
        let src = "a = \"x\u{200b}y\"\r\nb = 1\n";
        let b = src.find('b').unwrap_or(0);
        let (out, span) = source_with_span(src, b..b + 1);
        assert_eq!(out, "a = \"x\\u{200b}y\"\r\nb = 1\n");
        assert_eq!(&out[span], "b");
        let (out, span) = source_with_span(src, 4..src.len() + 3);
        assert_eq!(&out[span], &out[4..]);
        let plain = "a = 1\r\n";
        assert!(matches!(source_with_span(plain, 0..1).0, Cow::Borrowed(_)));
    }
}
