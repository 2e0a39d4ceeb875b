//! Scenarios as JSON: JSON Lines on standard input (`run -`), for
//! programs that generate them, and JSON values or text handed to the
//! library. A JSON object with the TOML file's keys is read by the one
//! scenario reader, so both forms are validated alike. JSON has no dates:
//! `date` and `as_of` values are ISO strings, any other date is
//! `{"$date": "…"}`. Problems in a line of input are reported at
//! `<stdin>:LINE`; in JSON text, where they are in it. As in TOML, a key
//! written twice in one object is an error (JSON parsers keep the last
//! one silently); a line is at most [`MAX_LINE_BYTES`] and a scenario at
//! most [`MAX_EVENTS`] events.

use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use toml_spanner::DateTime;

use super::json_spans::Spans;
use super::node::{Map, Node, Shape};
use super::parse::{MAX_DEPTH, Origin, build, read_doc};
use super::variant::Chain;
use super::{MAX_EVENTS, ParseOptions, Scenario};
use crate::diagnostic::{Code, Diagnostic, SourceText};
use crate::vocabulary::Vocabulary;

/// The name scenarios read from standard input are reported under.
pub const STDIN: &str = "<stdin>";

/// The longest line of JSON Lines input: the size limit of a file.
pub const MAX_LINE_BYTES: u64 = crate::files::MAX_FILE_BYTES;

/// A line of JSON Lines input that could not be read; the lines after it
/// still are, unless reading itself failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// Longer than [`MAX_LINE_BYTES`]; skipped unread.
    #[error("the line is longer than the limit of {} MiB", MAX_LINE_BYTES >> 20)]
    TooLong,
    /// Not UTF-8.
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
    /// The lines of `reader`.
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
/// whose id defaults to `stdin-LINE`. Every problem is reported at the
/// line (the column of a syntax error), since input lines are not shown.
pub fn from_json_line(text: &str, line: usize) -> Result<Scenario, Vec<Diagnostic>> {
    from_json_line_with(text, line, None)
}

/// [`from_json_line`], its values checked against a vocabulary when one
/// is given.
pub fn from_json_line_with(
    text: &str,
    line: usize,
    vocabulary: Option<&Arc<Vocabulary>>,
) -> Result<Scenario, Vec<Diagnostic>> {
    let at = |message: String| Diagnostic::error(Some(Path::new(STDIN)), message).at(line, 1);
    // A byte-order mark is allowed at the start, as in files.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // serde_json says "… at line 1 column 9" of the one line it saw; the
    // position is given as the input's line and the column instead.
    let positioned = |message: String, e: &serde_json::Error| {
        vec![
            at(without_position(message))
                .at(line, e.column().max(1))
                .with_code(Code::JsonSyntax),
        ]
    };
    let json: Json = serde_json::from_str(text)
        .map_err(|e| positioned(format!("not a JSON object: {e}"), &e))?;
    if !json.is_object() {
        return Err(vec![at(NOT_AN_OBJECT.into()).with_code(Code::TypeMismatch)]);
    }
    // A second pass: the parse above kept the last of two equal keys.
    if let Err(e) = serde_json::from_str::<NoDuplicateKeys>(text) {
        return Err(positioned(e.to_string(), &e));
    }
    let file = PathBuf::from(format!("{STDIN}:{line}"));
    // Bases are read as for a file given on the command line.
    let opts = ParseOptions::default()
        .allow_extends(true)
        .vocabulary(vocabulary.cloned());
    let doc = Doc {
        source: SourceText::new(file, text),
        spans: None,
        origin: Origin::at(STDIN, line).json(),
    };
    read_value(&json, doc, &format!("stdin-{line}"), &opts).map_err(|ds| {
        ds.into_iter()
            .map(|d| {
                // Keep the message and the help, report the line.
                let mut n = at(d.message);
                n.help = d.help;
                n.severity = d.severity;
                n.code = d.code;
                n
            })
            .collect()
    })
}

/// serde_json's message without its "at line 1 column 9".
fn without_position(message: String) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

const NOT_AN_OBJECT: &str = "a scenario must be a JSON object with the keys of a scenario file";

/// Parses JSON text into a scenario named `name`, its problems pointing
/// into the text.
pub(super) fn from_str(
    name: &str,
    text: &str,
    opts: &ParseOptions,
) -> Result<Scenario, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source = SourceText::new(name, text);
    let at = |e: serde_json::Error, what: &str| {
        let message = without_position(e.to_string());
        vec![
            source
                .error_at(e.line(), e.column().max(1), format!("{what}{message}"))
                .with_code(Code::JsonSyntax),
        ]
    };
    let json: Json = serde_json::from_str(text).map_err(|e| at(e, "invalid JSON: "))?;
    serde_json::from_str::<NoDuplicateKeys>(text).map_err(|e| at(e, ""))?;
    let spans = Spans::of(text);
    let origin = Origin::text(&source).json();
    let doc = Doc {
        source,
        spans: spans.as_ref(),
        origin,
    };
    read_value(&json, doc, name, opts)
}

/// Reads a JSON value into a scenario named `name` (with no text, so its
/// problems have no position).
pub(super) fn from_value(
    name: &str,
    json: &Json,
    opts: &ParseOptions,
) -> Result<Scenario, Vec<Diagnostic>> {
    let doc = Doc {
        source: SourceText::new(name, ""),
        spans: None,
        origin: Origin::at(name, 0).json(),
    };
    read_value(json, doc, name, opts).map_err(|ds| without_positions(ds, Path::new(name)))
}

/// The diagnostics on `file` without line, column or span: they would
/// point into text that does not exist. (A base file's keep theirs.)
pub(super) fn without_positions(mut ds: Vec<Diagnostic>, file: &Path) -> Vec<Diagnostic> {
    for d in &mut ds {
        if d.file.as_deref() == Some(file) {
            d.line = None;
            d.column = None;
            d.span = None;
            d.source = None;
        }
    }
    ds
}

/// A JSON document: its text (or a name with no text), where its values
/// are in the text if that is known, and how its positions are shown.
struct Doc<'s> {
    source: SourceText,
    spans: Option<&'s Spans>,
    origin: Origin,
}

/// Validates a JSON value as a scenario, by the same reader as a file.
fn read_value(
    json: &Json,
    doc: Doc<'_>,
    id: &str,
    opts: &ParseOptions,
) -> Result<Scenario, Vec<Diagnostic>> {
    let Doc {
        source,
        spans,
        origin,
    } = doc;
    let whole = spans.map_or(0..0, Spans::range);
    let Json::Object(map) = json else {
        return Err(vec![
            source
                .error(whole.clone(), NOT_AN_OBJECT)
                .with_code(Code::TypeMismatch),
        ]);
    };
    let max_events = opts.max_events.min(MAX_EVENTS);
    if let Some(Json::Array(events)) = map.get("events")
        && events.len() > max_events
    {
        let span = spans
            .and_then(|s| s.member("events"))
            .map_or(0..0, |(_, v)| v.range());
        return Err(vec![
            source
                .error(
                    span,
                    format!(
                        "{} events, more than the limit of {max_events} events",
                        events.len()
                    ),
                )
                .with_code(Code::LimitExceeded),
        ]);
    }
    let root = convert(json, spans, "", "", false, 0)
        .map_err(|(e, span)| vec![source.error(span, e.to_string()).with_code(e.code())])?;
    // `{"$date": …}` is a date, not a table.
    let JsonKind::Table(root) = root.kind else {
        return Err(vec![
            source
                .error(whole, NOT_AN_OBJECT)
                .with_code(Code::TypeMismatch),
        ]);
    };
    let mut chain = Chain::for_text(opts);
    let raw = read_doc(source, &root, &mut chain, &origin)?;
    build(raw, id)
}

/// A JSON value as the scenario reader sees it: dates (the strings of
/// `date` and `as_of`, and `{"$date": …}`) parsed, and each table's keys
/// in the order a TOML file holding the same values would have them, so
/// that problems are reported in the order the reader meets them in a
/// file. The strings are the JSON value's own.
pub(super) struct JsonNode<'v> {
    span: Range<usize>,
    kind: JsonKind<'v>,
}

enum JsonKind<'v> {
    Str(&'v str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date or date-time, with its text as messages quote it.
    Date(DateTime, String),
    Array(Vec<JsonNode<'v>>),
    Table(JsonMap<'v>),
}

/// A JSON object: its keys, their spans and their values.
pub(super) struct JsonMap<'v> {
    entries: Vec<(&'v str, Range<usize>, JsonNode<'v>)>,
}

impl<'v> Node for JsonNode<'v> {
    type Map = JsonMap<'v>;

    fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    fn type_str(&self) -> &'static str {
        match &self.kind {
            JsonKind::Str(_) => "string",
            JsonKind::Int(_) => "integer",
            JsonKind::Float(_) => "float",
            JsonKind::Bool(_) => "boolean",
            JsonKind::Date(..) => "datetime",
            JsonKind::Array(_) => "array",
            JsonKind::Table(_) => "table",
        }
    }

    fn shape(&self) -> Shape<'_, Self> {
        match &self.kind {
            JsonKind::Str(s) => Shape::Str(s),
            JsonKind::Int(i) => Shape::Int(i128::from(*i)),
            JsonKind::Float(x) => Shape::Float(*x),
            JsonKind::Bool(b) => Shape::Bool(*b),
            JsonKind::Date(dt, text) => Shape::DateTime(dt, Some(text)),
            JsonKind::Array(items) => Shape::Array(items),
            JsonKind::Table(t) => Shape::Table(t),
        }
    }
}

impl<'v> Map for JsonMap<'v> {
    type Node = JsonNode<'v>;

    fn get(&self, key: &str) -> Option<&JsonNode<'v>> {
        self.entries
            .iter()
            .find(|(k, ..)| *k == key)
            .map(|(_, _, v)| v)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn entries(&self) -> impl Iterator<Item = (&str, Range<usize>, &JsonNode<'v>)> {
        self.entries.iter().map(|(k, s, v)| (*k, s.clone(), v))
    }
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
    #[error("{} nests tables and arrays more than {MAX_DEPTH} levels deep", here(.path))]
    TooDeep { path: String },
}

impl ConvertError {
    /// The kind of problem, for the diagnostic's code.
    fn code(&self) -> Code {
        match self {
            ConvertError::Null { .. }
            | ConvertError::DateObject { .. }
            | ConvertError::DollarKey { .. } => Code::TypeMismatch,
            ConvertError::OutOfRange { .. } => Code::InvalidNumber,
            ConvertError::NotADate { .. } => Code::InvalidDate,
            ConvertError::TooDeep { .. } => Code::LimitExceeded,
        }
    }
}

/// Where a value is, as messages name it.
fn here(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{path}`")
    }
}

/// A value that could not be converted: why, and its span.
type Failed = (ConvertError, Range<usize>);

/// Whether a JSON value stands for a table (`{"$date": …}` is a date).
fn is_table(v: &Json) -> bool {
    matches!(v, Json::Object(m) if !m.contains_key("$date"))
}

/// A date or date-time written as a string, as TOML reads it; `None` when
/// it is not one.
fn datetime(text: &str) -> Option<(DateTime, String)> {
    // Written out as TOML writes it, then read as the reader reads TOML:
    // `1979-05-27 07:32:00z` is quoted in messages as
    // `1979-05-27T07:32:00Z`, as it would be in a file.
    let written = text.parse::<toml::value::Datetime>().ok()?.to_string();
    let dt = written.parse::<DateTime>().ok()?;
    Some((dt, written))
}

/// Converts the JSON value `v` at `path` (for messages) under `key`;
/// `spans` says where it is in the text, if that is known. `inline`: it
/// is inside an array that is not an array of tables, where a TOML file
/// would write tables inline, their keys in order.
fn convert<'v>(
    v: &'v Json,
    spans: Option<&Spans>,
    path: &str,
    key: &str,
    inline: bool,
    depth: usize,
) -> Result<JsonNode<'v>, Failed> {
    let span = spans.map_or(0..0, Spans::range);
    let fail = |e: ConvertError| Err((e, span.clone()));
    let not_a_date = |text: &str| ConvertError::NotADate {
        path: path.to_string(),
        text: text.to_string(),
    };
    let kind = match v {
        Json::Null => {
            return fail(ConvertError::Null {
                path: path.to_string(),
            });
        }
        Json::Bool(b) => JsonKind::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => JsonKind::Int(i),
            (None, Some(f)) if n.is_f64() => JsonKind::Float(f),
            _ => {
                return fail(ConvertError::OutOfRange {
                    path: path.to_string(),
                });
            }
        },
        Json::String(s) if key == "date" || key == "as_of" => match datetime(s) {
            Some((dt, text)) => JsonKind::Date(dt, text),
            None => return fail(not_a_date(s)),
        },
        Json::String(s) => JsonKind::Str(s),
        Json::Array(_) | Json::Object(_) if depth >= MAX_DEPTH => {
            // Only a value built in code nests this deep: parsed JSON
            // stops at 128 levels.
            return fail(ConvertError::TooDeep {
                path: path.to_string(),
            });
        }
        Json::Array(items) => {
            // An array of tables is written `[[key]]`, each table's keys
            // ordered as a table's; any other array is written inline.
            let tables = !inline && !items.is_empty() && items.iter().all(is_table);
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                let at = spans.and_then(|s| s.item(i));
                out.push(convert(
                    x,
                    at,
                    &format!("{path}[{i}]"),
                    "",
                    !tables,
                    depth + 1,
                )?);
            }
            JsonKind::Array(out)
        }
        Json::Object(map) => {
            if let Some(d) = map.get("$date") {
                return match (map.len(), d) {
                    (1, Json::String(d)) => match datetime(d) {
                        Some((dt, text)) => Ok(JsonNode {
                            span,
                            kind: JsonKind::Date(dt, text),
                        }),
                        None => fail(not_a_date(d)),
                    },
                    _ => fail(ConvertError::DateObject {
                        path: path.to_string(),
                    }),
                };
            }
            JsonKind::Table(convert_object(map, spans, path, inline, depth)?)
        }
    };
    Ok(JsonNode { span, kind })
}

/// Converts the JSON object `map` at `path` (see [`convert`]).
fn convert_object<'v>(
    map: &'v serde_json::Map<String, Json>,
    spans: Option<&Spans>,
    path: &str,
    inline: bool,
    depth: usize,
) -> Result<JsonMap<'v>, Failed> {
    let span = spans.map_or(0..0, Spans::range);
    if let Some(k) = map.keys().find(|k| k.starts_with('$')) {
        return Err((
            ConvertError::DollarKey {
                path: path.to_string(),
                key: k.clone(),
            },
            span,
        ));
    }
    let mut entries = Vec::with_capacity(map.len());
    for (k, x) in map {
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        let (key_span, at) = match spans.and_then(|s| s.member(k)) {
            Some((key_span, at)) => (key_span.clone(), Some(at)),
            None => (0..0, None),
        };
        entries.push((
            k.as_str(),
            key_span,
            convert(x, at, &p, k, inline, depth + 1)?,
        ));
    }
    // A TOML file holds a table's plain values first, then its tables
    // and arrays of tables, each part in key order (as JSON objects are
    // read); an inline table, in key order.
    if !inline {
        let header = |n: &JsonNode<'_>| match &n.kind {
            JsonKind::Table(_) => true,
            JsonKind::Array(items) => {
                !items.is_empty() && items.iter().all(|i| matches!(i.kind, JsonKind::Table(_)))
            }
            _ => false,
        };
        entries.sort_by_key(|(_, _, n)| header(n));
    }
    Ok(JsonMap { entries })
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
    fn an_event_of_a_line_is_labelled_with_the_line() {
        let sc = from_json_line(
            r#"{"scenario": {"title": "T"}, "events": [{"kind": "talks", "date": "2025-06-02", "o": {"x": 1}}]}"#,
            3,
        )
        .unwrap();
        let e = &sc.events[0];
        assert_eq!((e.line, &*e.file), (3, Path::new("<stdin>:3")));
        assert_eq!(
            e.fields.label.to_string(),
            "event `talks` of 2025-06-02 (<stdin>:3)"
        );
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
