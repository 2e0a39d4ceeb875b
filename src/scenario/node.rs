//! What the scenario reader needs of a document: values with their spans,
//! tables with their keys in order. A TOML file (toml-spanner's items), a
//! JSON value (`json.rs`) and a scenario built in code (`builder.rs`) are
//! each read through this one view, so that all three are validated by
//! the same code and none is turned into another's text first.

use std::ops::Range;

use chrono::NaiveDate;
use toml_spanner::{DateTime, Item, Table as TomlTable, Value as TomlValue};

/// A value of a document.
pub(super) trait Node: Sized {
    /// Its tables.
    type Map: Map<Node = Self>;

    /// Byte span of the value in the document's text (`0..0` without one).
    fn span(&self) -> Range<usize>;

    /// Its type as messages name it (`string`, `integer`, `table`, …).
    fn type_str(&self) -> &'static str;

    /// What the value is.
    fn shape(&self) -> Shape<'_, Self>;

    fn as_str(&self) -> Option<&str> {
        match self.shape() {
            Shape::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_table(&self) -> Option<&Self::Map> {
        match self.shape() {
            Shape::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// A value of a document, seen by kind.
pub(super) enum Shape<'a, N: Node> {
    Str(&'a str),
    Int(i128),
    Float(f64),
    Bool(bool),
    /// A TOML date or date-time, with its text as messages quote it when
    /// that is not the value's span of the source (a JSON string's text
    /// has quotes around it).
    DateTime(&'a DateTime, Option<&'a str>),
    /// A calendar day given as one (a scenario built in code).
    Day(NaiveDate),
    Array(&'a [N]),
    Table(&'a N::Map),
}

/// A table of a document, its keys in the order they are read (and
/// problems reported).
pub(super) trait Map {
    type Node: Node;

    fn get(&self, key: &str) -> Option<&Self::Node>;

    fn len(&self) -> usize;

    /// Each key, the span of the key, and its value.
    fn entries(&self) -> impl Iterator<Item = (&str, Range<usize>, &Self::Node)>;
}

impl<'de> Node for Item<'de> {
    type Map = TomlTable<'de>;

    #[inline]
    fn span(&self) -> Range<usize> {
        Item::span(self).range()
    }

    #[inline]
    fn type_str(&self) -> &'static str {
        Item::type_str(self)
    }

    #[inline]
    fn shape(&self) -> Shape<'_, Self> {
        match self.value() {
            TomlValue::String(s) => Shape::Str(s),
            TomlValue::Integer(i) => Shape::Int(i.as_i128()),
            TomlValue::Float(x) => Shape::Float(*x),
            TomlValue::Boolean(b) => Shape::Bool(*b),
            TomlValue::DateTime(dt) => Shape::DateTime(dt, None),
            TomlValue::Array(a) => Shape::Array(a.as_slice()),
            TomlValue::Table(t) => Shape::Table(t),
        }
    }

    #[inline]
    fn as_str(&self) -> Option<&str> {
        Item::as_str(self)
    }

    #[inline]
    fn as_table(&self) -> Option<&Self::Map> {
        Item::as_table(self)
    }
}

impl<'de> Map for TomlTable<'de> {
    type Node = Item<'de>;

    #[inline]
    fn get(&self, key: &str) -> Option<&Item<'de>> {
        TomlTable::get(self, key)
    }

    #[inline]
    fn len(&self) -> usize {
        TomlTable::len(self)
    }

    fn entries(&self) -> impl Iterator<Item = (&str, Range<usize>, &Item<'de>)> {
        self.iter().map(|(k, v)| (k.name, k.span.range(), v))
    }
}
