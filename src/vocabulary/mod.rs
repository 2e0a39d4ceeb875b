//! The scenario vocabulary, `rules/vocabulary.toml`: which event kinds a
//! library's scenarios may hold, the fields of each with their types, and
//! the keys of `[facts]` and of each actor's table. It is optional; with
//! it, every scenario is checked against it as it is read (the scenario
//! reader does that, `scenario::conform`), and a rule's error for a field
//! an event lacks can tell whether the scenario or the rule is wrong.
//!
//! The model here is plain data, sorted by name, so that what walks it (a
//! schema generator, `vocabulary infer`'s writer) sees one order. It sits
//! below both `scenario` and `rules`, which load and use it.

mod load;
mod write;

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::SourceText;

pub use load::{FILE_NAME, parse};

/// A scenario vocabulary: event kinds, facts and actors, each declared
/// with its fields.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Vocabulary {
    /// `[kinds.<name>]`: the event kinds scenarios may hold, by name.
    /// `None`: the file has no `[kinds]`, and events are not checked.
    pub kinds: Option<BTreeMap<String, Kind>>,
    /// `[facts]`: the keys of a scenario's `[facts]` (`None`: not checked).
    pub facts: Option<Fields>,
    /// `[actors]`: the keys of every actor's table, `[actors.<name>]`
    /// (`None`: not checked). Actor names themselves are free.
    pub actors: Option<Fields>,
    /// The file it was read from (absent for one built in code).
    pub source: Option<SourceText>,
}

/// One event kind.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Kind {
    /// What an event of this kind stands for.
    pub description: Option<String>,
    /// Its fields, besides `kind`, `date`, `id` and `source`, which every
    /// event may have.
    pub fields: Fields,
}

/// The declared keys of a table: an event, a table-valued field, the
/// facts, an actor.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Fields {
    /// Whether keys it does not declare are allowed (their values are then
    /// not checked).
    pub open: bool,
    /// Each declared key, by name.
    pub fields: BTreeMap<String, Field>,
    /// How many of them are required (kept so a check counts rather than
    /// looks each one up).
    pub(crate) required: usize,
}

/// One declared field (or an array's items).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Field {
    /// Its type.
    pub ty: Type,
    /// Whether every table of its kind must have it.
    pub required: bool,
    /// The strings it may be (empty: any string).
    pub values: Vec<String>,
    /// What it means.
    pub description: Option<String>,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Type {
    /// `string`.
    String,
    /// `int`: a 64-bit integer.
    Int,
    /// `float`: a number (an integer is accepted).
    Float,
    /// `bool`.
    Bool,
    /// `date`: a day (a date-time with an offset is accepted: rules see
    /// its day).
    Date,
    /// `datetime`: a date-time with an offset.
    Datetime,
    /// `table`, with the fields it declares.
    Table(Fields),
    /// `array`, with the type of its items (`any` when not declared).
    Array(Box<Field>),
    /// `any`: not checked.
    Any,
}

impl Type {
    /// The type names a vocabulary file may give, in the order documented.
    pub const NAMES: &'static [&'static str] = &[
        "string", "int", "float", "bool", "date", "datetime", "table", "array", "any",
    ];

    /// The name a vocabulary file gives it (`int`).
    pub fn name(&self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Int => "int",
            Type::Float => "float",
            Type::Bool => "bool",
            Type::Date => "date",
            Type::Datetime => "datetime",
            Type::Table(_) => "table",
            Type::Array(_) => "array",
            Type::Any => "any",
        }
    }

    /// How a message names a value of it (`an integer`).
    pub fn described(&self) -> &'static str {
        match self {
            Type::String => "a string",
            Type::Int => "an integer",
            Type::Float => "a number",
            Type::Bool => "a boolean",
            Type::Date => "a date",
            Type::Datetime => "a date-time with an offset",
            Type::Table(_) => "a table",
            Type::Array(_) => "an array",
            Type::Any => "any value",
        }
    }
}

impl Field {
    /// An optional field of `ty`, with no allowed values or description.
    pub fn new(ty: Type) -> Field {
        Field {
            ty,
            required: false,
            values: Vec::new(),
            description: None,
        }
    }
}

impl Fields {
    /// Closed fields from a map of them.
    pub fn new(fields: BTreeMap<String, Field>, open: bool) -> Fields {
        let required = fields.values().filter(|f| f.required).count();
        Fields {
            open,
            fields,
            required,
        }
    }

    /// A declared field.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.get(name)
    }

    /// The declared names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// How many fields are required.
    #[inline]
    pub fn required(&self) -> usize {
        self.required
    }
}

impl Vocabulary {
    /// A declared kind (`None` also when kinds are not declared at all:
    /// see [`Vocabulary::kinds`]).
    #[inline]
    pub fn kind(&self, name: &str) -> Option<&Kind> {
        self.kinds.as_ref()?.get(name)
    }

    /// The declared kind names, sorted.
    pub fn kind_names(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().flat_map(|k| k.keys().map(String::as_str))
    }

    /// The file as messages name it (`rules/vocabulary.toml`).
    pub fn path(&self) -> &Path {
        self.source
            .as_ref()
            .map_or(Path::new(load::MEMORY_PATH), |s| s.path.as_path())
    }

    /// The declaration of a field of an event of `kind` at `path` (names of
    /// nested tables, outermost first), if the vocabulary has one.
    pub fn event_field(&self, kind: &str, path: &[&str]) -> Option<&Field> {
        lookup(&self.kind(kind)?.fields, path)
    }
}

/// The field at `path` under `fields`, through nested tables.
pub(crate) fn lookup<'v>(fields: &'v Fields, path: &[&str]) -> Option<&'v Field> {
    let (first, rest) = path.split_first()?;
    let f = fields.get(first)?;
    if rest.is_empty() {
        return Some(f);
    }
    match &f.ty {
        Type::Table(inner) => lookup(inner, rest),
        _ => None,
    }
}
