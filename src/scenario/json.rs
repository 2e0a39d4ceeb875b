//! Scenarios as JSON Lines (`run -`), for programs that generate them. A
//! JSON object with the TOML file's keys is turned into the TOML document
//! it stands for and parsed by the one scenario parser, so both forms are
//! validated alike. JSON has no dates: `date` and `as_of` values are ISO
//! strings, any other date is `{"$date": "…"}`. Problems are reported at
//! `<stdin>:LINE`, since the TOML text they were found in is never seen.
//! As in TOML, a key written twice in one object is an error (JSON parsers
//! keep the last one silently); a line is at most [`MAX_LINE_BYTES`] and a
//! scenario at most [`MAX_EVENTS`] events.

use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use toml::Value as Toml;

use super::{MAX_EVENTS, Scenario, parse_str};
use crate::diagnostic::Diagnostic;

/// The name scenarios read from standard input are reported under.
pub const STDIN: &str = "<stdin>";

/// The longest line of JSON Lines input: the size limit of a file.
pub const MAX_LINE_BYTES: u64 = crate::files::MAX_FILE_BYTES;

/// A line of JSON Lines input that could not be read; the lines after it
/// still are, unless reading itself failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    #[error("the line is longer than the limit of {} MiB", MAX_LINE_BYTES >> 20)]
    TooLong,
    #[error("the line is not valid UTF-8 (at byte {})", .0.valid_up_to())]
    NotUtf8(#[source] std::str::Utf8Error),
    /// Reading failed; nothing more is read.
    #[error("cannot read standard input: {0}")]
    Read(#[source] std::io::Error),
}

/// The lines of JSON Lines input, numbered from 1, each at most
/// [`MAX_LINE_BYTES`] (a longer one is an error and is skipped, never
/// held whole). A read error ends the input after one error: a read that
/// fails once (standard input is a folder) fails forever.
pub struct StdinLines<R> {
    reader: R,
    line: usize,
    done: bool,
}

impl<R: BufRead> StdinLines<R> {
    pub fn new(reader: R) -> Self {
        StdinLines {
            reader,
            line: 0,
            done: false,
        }
    }

    fn read(&mut self) -> std::io::Result<Option<Result<String, LineError>>> {
        let mut buf = Vec::new();
        let n = Read::take(&mut self.reader, MAX_LINE_BYTES + 1).read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        } else if buf.len() as u64 > MAX_LINE_BYTES {
            drop(buf);
            skip_line(&mut self.reader)?;
            return Ok(Some(Err(LineError::TooLong)));
        }
        Ok(Some(
            String::from_utf8(buf).map_err(|e| LineError::NotUtf8(e.utf8_error())),
        ))
    }
}

/// Consumes the rest of a line without keeping it.
fn skip_line(r: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

impl<R: BufRead> Iterator for StdinLines<R> {
    /// The line's number, and its text or what is wrong with it.
    type Item = (usize, Result<String, LineError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.line += 1;
        match self.read() {
            Ok(Some(r)) => Some((self.line, r)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some((self.line, Err(LineError::Read(e))))
            }
        }
    }
}

/// A JSON value read only to find a key written twice in one object; its
/// contents are skipped. (With `arbitrary_precision`, a number arrives as
/// a one-key object, which never repeats.)
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                // Skip the value so the error points past it consistently.
                map.next_value::<IgnoredAny>()?;
                return Err(de::Error::custom(format!(
                    "duplicate key `{}` in one object",
                    key.escape_debug()
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
}

/// Parses one line of JSON Lines input (1-based `line`) into a scenario
/// whose id defaults to `stdin-LINE`.
pub fn from_json_line(text: &str, line: usize) -> Result<Scenario, Vec<Diagnostic>> {
    let at = |message: String| Diagnostic::error(Some(Path::new(STDIN)), message).at(line, 1);
    // A byte-order mark is allowed at the start, as in files.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // serde_json says "… at line 1 column 9" of the one line it saw; the
    // position is given as the input's line and the column instead.
    let positioned = |message: String, e: &serde_json::Error| {
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        vec![at(message).at(line, e.column().max(1))]
    };
    let json: Json = serde_json::from_str(text)
        .map_err(|e| positioned(format!("not a JSON object: {e}"), &e))?;
    if !json.is_object() {
        return Err(vec![at(
            "a scenario must be a JSON object with the keys of a scenario file".into(),
        )]);
    }
    // A second pass: the parse above kept the last of two equal keys.
    if let Err(e) = serde_json::from_str::<NoDuplicateKeys>(text) {
        return Err(positioned(e.to_string(), &e));
    }
    if let Some(Json::Array(events)) = json.get("events")
        && events.len() > MAX_EVENTS
    {
        return Err(vec![at(format!(
            "{} events, more than the limit of {MAX_EVENTS} events",
            events.len()
        ))]);
    }
    let value = to_toml(&json, "", "").map_err(|e| vec![at(e.to_string())])?;
    let toml_text = toml::to_string(&value)
        .map_err(|e| vec![at(format!("cannot represent as a scenario: {e}"))])?;
    let file = PathBuf::from(format!("{STDIN}:{line}"));
    parse_str(&file, &toml_text, &format!("stdin-{line}")).map_err(|ds| {
        ds.into_iter()
            .map(|d| {
                // Positions point into the TOML text, which the user never
                // wrote; keep the message and the help, report the line.
                let mut n = at(d.message);
                n.help = d.help;
                n.severity = d.severity;
                n
            })
            .collect()
    })
}

/// A JSON value with no scenario-file counterpart. `path` is where it
/// is (`events[2].date`, empty at the top level).
#[derive(Debug, thiserror::Error)]
enum ConvertError {
    #[error("null at {}: scenario files have no null; leave the key out", here(.path))]
    Null { path: String },
    #[error("the number at {} is out of range", here(.path))]
    OutOfRange { path: String },
    #[error("`{path}` is not an ISO date: {text:?}")]
    NotADate { path: String, text: String },
    #[error(
        "`{path}`: a date is written {{\"$date\": \"YYYY-MM-DD\"}}, with nothing else in the object"
    )]
    DateObject { path: String },
    #[error("`{path}` has the key `{key}`; the only `$` key is `$date`")]
    DollarKey { path: String, key: String },
}

/// Where a value is, as messages name it.
fn here(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{path}`")
    }
}

/// Converts a JSON value at `path` (for messages) under `key`.
fn to_toml(v: &Json, path: &str, key: &str) -> Result<Toml, ConvertError> {
    let not_a_date = |text: &str| ConvertError::NotADate {
        path: path.to_string(),
        text: text.to_string(),
    };
    Ok(match v {
        Json::Null => {
            return Err(ConvertError::Null {
                path: path.to_string(),
            });
        }
        Json::Bool(b) => Toml::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Toml::Integer(i),
            (None, Some(f)) if n.is_f64() => Toml::Float(f),
            _ => {
                return Err(ConvertError::OutOfRange {
                    path: path.to_string(),
                });
            }
        },
        Json::String(s) if key == "date" || key == "as_of" => match s.parse() {
            Ok(d) => Toml::Datetime(d),
            Err(_) => return Err(not_a_date(s)),
        },
        Json::String(s) => Toml::String(s.clone()),
        Json::Array(items) => Toml::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_toml(x, &format!("{path}[{i}]"), ""))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(map) => {
            if let Some(d) = map.get("$date") {
                return match (map.len(), d) {
                    (1, Json::String(d)) => {
                        d.parse().map(Toml::Datetime).map_err(|_| not_a_date(d))
                    }
                    _ => Err(ConvertError::DateObject {
                        path: path.to_string(),
                    }),
                };
            }
            if let Some(k) = map.keys().find(|k| k.starts_with('$')) {
                return Err(ConvertError::DollarKey {
                    path: path.to_string(),
                    key: k.clone(),
                });
            }
            let mut t = toml::Table::new();
            for (k, x) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                t.insert(k.clone(), to_toml(x, &p, k)?);
            }
            Toml::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_scenario_is_the_toml_scenario_it_stands_for() {
        let sc = from_json_line(
            r#"{"scenario": {"title": "T", "as_of": "2025-06-02"}, "facts": {"deadline": {"$date": "2025-08-08"}},
               "events": [{"kind": "talks", "date": "2025-06-02", "round": 2, "outcome": {"ceasefire": false}},
                          {"kind": "strike", "date": "2025-06-01T22:00:00-04:00", "drones": 472}]}"#,
            3,
        )
        .unwrap();
        assert_eq!(sc.id, "stdin-3");
        assert_eq!(sc.as_of.to_string(), "2025-06-02");
        assert_eq!(sc.events.len(), 2);
        // The offset date-time counts as its UTC day; same-day events keep
        // their order.
        assert_eq!(&*sc.events[1].kind, "strike");
        assert_eq!(sc.events[1].date.to_string(), "2025-06-02");
        assert!(sc.facts.get("deadline").is_some());
    }

    #[test]
    fn bad_lines_are_diagnostics_at_their_line() {
        let cases = [
            ("{not json", "not a JSON object"),
            ("[1, 2]", "must be a JSON object"),
            (
                r#"{"scenario": {"title": null}}"#,
                "null at `scenario.title`",
            ),
            (
                r#"{"scenario": {"title": "t", "as_of": "June"}}"#,
                "`scenario.as_of` is not an ISO date",
            ),
            (
                r#"{"scenario": {"title": "t", "as_off": "2025-06-02"}}"#,
                "as_off",
            ),
            (
                r#"{"scenario": {"title": "t"}, "events": [{"kind": "x", "date": 5}]}"#,
                "date",
            ),
            (
                r#"{"scenario": {"title": "t"}, "n": 18446744073709551615}"#,
                "out of range",
            ),
            // Beyond 64 bits: an error, never silently a float.
            (
                r#"{"scenario": {"title": "t"}, "n": 99999999999999999999}"#,
                "out of range",
            ),
            (
                r#"{"scenario": {"title": "t"}, "n": -99999999999999999999}"#,
                "out of range",
            ),
            (
                r#"{"scenario": {"title": "t"}, "n": 1e400}"#,
                "out of range",
            ),
            (
                r#"{"scenario": {"title": "t"}, "facts": {"d": {"$date": 5}}}"#,
                "a date is written",
            ),
            (
                r#"{"scenario": {"title": "t"}, "facts": {"d": {"$date": "2025-01-01", "x": 1}}}"#,
                "nothing else",
            ),
            (
                r#"{"scenario": {"title": "t"}, "facts": {"d": {"$dat": "2025-01-01"}}}"#,
                "the only `$` key is `$date`",
            ),
        ];
        for (line, want) in cases {
            let ds = from_json_line(line, 7)
                .err()
                .unwrap_or_else(|| panic!("{line} loaded"));
            let d = &ds[0];
            assert!(d.message.contains(want), "{line}: {}", d.message);
            assert_eq!(d.location(), format!("<stdin>:7:{}", d.column.unwrap()));
            assert_eq!(d.line, Some(7));
        }
    }
}
