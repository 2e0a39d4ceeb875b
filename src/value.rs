//! The immutable values a scenario is made of. Everything a rule reads —
//! facts, actors, events and their nested tables — is one of these, shared
//! behind `Arc`s so that handing it to a rule never copies it.

use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A value from a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(Arc<str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    Array(Arc<[Value]>),
    Table(Arc<Table>),
}

impl Value {
    /// The type name used in messages (`string`, `integer`, `date`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Bool(_) => "boolean",
            Value::Date(_) => "date",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Array(a) => {
                f.write_str("[")?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Table(t) => write!(f, "{{{} fields}}", t.fields.len()),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(v) => s.serialize_str(v),
            Value::Int(v) => s.serialize_i64(*v),
            Value::Float(v) => s.serialize_f64(*v),
            Value::Bool(v) => s.serialize_bool(*v),
            Value::Date(d) => s.serialize_str(&d.to_string()),
            Value::Array(a) => s.collect_seq(a.iter()),
            Value::Table(t) => t.serialize(s),
        }
    }
}

// Conversions for values given in code (`Event::field`, the scenario
// builder's facts and actors).

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s.into())
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Value {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Int(n.into())
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Int(n.into())
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Value {
        Value::Date(d)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl From<Table> for Value {
    fn from(t: Table) -> Value {
        Value::Table(Arc::new(t))
    }
}

/// `YYYY-MM-DD`, as chrono writes it, without the formatting machinery
/// (which cost more than the rest of a typical reason).
pub fn iso(out: &mut String, d: NaiveDate) {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        let _ = write!(out, "{d}");
        return;
    }
    let y = y as u32;
    for digit in [y / 1000, y / 100 % 10, y / 10 % 10, y % 10] {
        out.push(char::from(b'0' + digit as u8));
    }
    for part in [m, day] {
        out.push('-');
        out.push(char::from(b'0' + (part / 10) as u8));
        out.push(char::from(b'0' + (part % 10) as u8));
    }
}

/// What a table is called in messages, such as ``event `talks` of
/// 2025-06-02 (scenarios/x.toml:14)``. Written out only when a message
/// needs it: a scenario has dozens of tables and most are never named.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    Text(Arc<str>),
    Event {
        kind: Arc<str>,
        date: NaiveDate,
        /// The file as messages show it.
        file: Arc<str>,
        /// Its line there (0: the scenario has no text, and the label
        /// names the file only).
        line: usize,
    },
    /// A table in a field of another: ``outcome` of event …`.
    Field(Arc<str>, Arc<Label>),
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Text(t) => f.write_str(t),
            Label::Event {
                kind,
                date,
                file,
                line,
            } if *line == 0 => write!(f, "event `{kind}` of {date} ({file})"),
            Label::Event {
                kind,
                date,
                file,
                line,
            } => write!(f, "event `{kind}` of {date} ({file}:{line})"),
            Label::Field(key, parent) => write!(f, "`{key}` of {parent}"),
        }
    }
}

impl<T: Into<Arc<str>>> From<T> for Label {
    fn from(t: T) -> Label {
        Label::Text(t.into())
    }
}

/// A table of named values in file order, with a label that names it in
/// error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub label: Label,
    pub fields: Vec<(Arc<str>, Value)>,
    /// The exact instants of fields written as offset date-times (the
    /// field itself holds their UTC day), for rules that need the hour.
    pub instants: Vec<(Arc<str>, DateTime<FixedOffset>)>,
}

impl Table {
    pub fn new(label: impl Into<Label>) -> Self {
        Self {
            label: label.into(),
            fields: Vec::new(),
            instants: Vec::new(),
        }
    }

    /// The value of a field. Tables are small (a handful of fields), so a
    /// linear scan beats hashing.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
    }

    pub fn instant(&self, name: &str) -> Option<DateTime<FixedOffset>> {
        self.instants
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| *v)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(k, _)| &**k)
    }

    /// Sets a field, replacing one of the same name in place.
    pub fn set(&mut self, name: Arc<str>, value: Value) {
        match self.fields.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name, value)),
        }
    }
}

impl Serialize for Table {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            m.serialize_entry(&**k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_messages_name_tables() {
        let built = Label::Event {
            kind: "talks".into(),
            date: NaiveDate::from_ymd_opt(2025, 6, 2).unwrap_or_default(),
            file: "request-7".into(),
            line: 0,
        };
        assert_eq!(built.to_string(), "event `talks` of 2025-06-02 (request-7)");
        let event = Label::Event {
            kind: "talks".into(),
            date: NaiveDate::from_ymd_opt(2025, 6, 2).unwrap_or_default(),
            file: "scenarios/x.toml".into(),
            line: 14,
        };
        assert_eq!(
            event.to_string(),
            "event `talks` of 2025-06-02 (scenarios/x.toml:14)"
        );
        let nested = Label::Field("outcome".into(), Arc::new(event));
        assert_eq!(
            nested.to_string(),
            "`outcome` of event `talks` of 2025-06-02 (scenarios/x.toml:14)"
        );
        assert_eq!(Label::from("facts (x.toml)").to_string(), "facts (x.toml)");
    }
}
