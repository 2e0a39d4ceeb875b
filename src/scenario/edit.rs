//! Edits to a parsed scenario, for the questions "what if this were
//! different?" (`sweep`, `what-if`): set a field of the event with a given
//! `id` (nested: `outcome.ceasefire`), move that event to another day,
//! drop it, or judge the scenario at another date. An edit makes a new
//! [`Scenario`]; the one it starts from is never changed, so an edited
//! copy can be evaluated beside the original on any thread.
//!
//! A mistake in an edit — an id no event has, a field the event lacks, a
//! number for a field that holds text — is a [`Diagnostic`] with the
//! event's `file:line` (the scenario's file for an unknown id) and a
//! did-you-mean over the names that exist.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{Event, Scenario};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::value::{Table, Value};

/// One change to a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Sets a field of the event with this id; `field` is the path to it
    /// (`["outcome", "ceasefire"]`). The field must exist and keep its
    /// type (integers and floats count as one type, numbers).
    Set {
        /// The event's `id`.
        event: String,
        /// The path to the field, outermost first.
        field: Vec<String>,
        /// Its new value.
        value: Value,
    },
    /// Moves the event with this id to another day.
    Move {
        /// The event's `id`.
        event: String,
        /// Its new date.
        date: NaiveDate,
    },
    /// Drops the event with this id.
    Drop {
        /// The event's `id`.
        event: String,
    },
    /// Judges the scenario at another date (its `as_of`).
    AsOf(NaiveDate),
}

impl Edit {
    /// What the edit changes, without the new value: `round-2.outcome.ceasefire`,
    /// `round-2.date`, `round-2` (a drop) or `as_of`. Two edits with one
    /// target cannot be combined.
    pub fn target(&self) -> String {
        match self {
            Edit::Set { event, field, .. } => format!("{event}.{}", field.join(".")),
            Edit::Move { event, .. } => format!("{event}.date"),
            Edit::Drop { event } => event.clone(),
            Edit::AsOf(_) => "as_of".to_string(),
        }
    }

    /// The event the edit touches, if any.
    pub fn event(&self) -> Option<&str> {
        match self {
            Edit::Set { event, .. } | Edit::Move { event, .. } | Edit::Drop { event } => {
                Some(event)
            }
            Edit::AsOf(_) => None,
        }
    }
}

/// `round-2.outcome.ceasefire = true`, `round-2.date = 2025-05-01`,
/// `drop round-2`, `as_of = 2025-07-02`.
impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::Set { value, .. } => write!(f, "{} = {value}", self.target()),
            Edit::Move { date, .. } => write!(f, "{} = {date}", self.target()),
            Edit::Drop { event } => write!(f, "drop {event}"),
            Edit::AsOf(d) => write!(f, "as_of = {d}"),
        }
    }
}

/// As JSON: `{"edit": "set", "event", "field", "value", "text"}`,
/// `{"edit": "move", "event", "date", "text"}`, `{"edit": "drop",
/// "event", "text"}`, `{"edit": "as_of", "date", "text"}`; `field` is
/// dotted, dates are ISO strings, `text` is the edit as text shows it.
impl Serialize for Edit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self {
            Edit::Set {
                event,
                field,
                value,
            } => {
                m.serialize_entry("edit", "set")?;
                m.serialize_entry("event", event)?;
                m.serialize_entry("field", &field.join("."))?;
                m.serialize_entry("value", value)?;
            }
            Edit::Move { event, date } => {
                m.serialize_entry("edit", "move")?;
                m.serialize_entry("event", event)?;
                m.serialize_entry("date", &date.to_string())?;
            }
            Edit::Drop { event } => {
                m.serialize_entry("edit", "drop")?;
                m.serialize_entry("event", event)?;
            }
            Edit::AsOf(d) => {
                m.serialize_entry("edit", "as_of")?;
                m.serialize_entry("date", &d.to_string())?;
            }
        }
        m.serialize_entry("text", &self.to_string())?;
        m.end()
    }
}

/// The scenario with `edits` applied in order: the events re-sorted by
/// date (a moved event goes after the events already on its new day) and
/// indexed again. The first edit that cannot apply is the error.
pub fn apply(sc: &Scenario, edits: &[Edit]) -> Result<Scenario, Diagnostic> {
    let mut out = sc.clone();
    let mut moved = false;
    for edit in edits {
        match edit {
            Edit::AsOf(d) => out.as_of = *d,
            Edit::Drop { event } => {
                let i = find(&out, event)?;
                out.events.remove(i);
            }
            Edit::Move { event, date } => {
                let i = find(&out, event)?;
                move_to(&mut out.events[i], *date);
                moved = true;
            }
            Edit::Set { event, field, .. } if field.len() == 1 && field[0] == "date" => {
                let i = find(&out, event)?;
                return Err(at_event(
                    &out.events[i],
                    format!("`{event}.date` is the event's day: move it with a date"),
                    Code::EditFieldType,
                )
                .with_help(format!(
                    "write `{event}.date=2025-05-01..2025-06-30` to move it"
                )));
            }
            Edit::Set {
                event,
                field,
                value,
            } => {
                let i = find(&out, event)?;
                let e = &mut out.events[i];
                if let Err(why) = set_in(&mut e.fields, field, value) {
                    return Err(why.diagnostic(e, event, field, value));
                }
            }
        }
    }
    if moved {
        // Stable: events of one day keep their order.
        out.events.sort_by_key(|e| e.date);
    }
    out.index();
    Ok(out)
}

/// The position of the event with this id, or an error naming the ids
/// the scenario has.
pub fn find(sc: &Scenario, id: &str) -> Result<usize, Diagnostic> {
    if let Some(i) = sc.events.iter().position(|e| e.id.as_deref() == Some(id)) {
        return Ok(i);
    }
    let ids: Vec<&str> = sc.events.iter().filter_map(|e| e.id.as_deref()).collect();
    let help = did_you_mean(id, ids.iter().copied()).unwrap_or_else(|| {
        if ids.is_empty() {
            "this scenario's events have no `id`: give the event one (`id = \"…\"`) to name it"
                .to_string()
        } else {
            format!("its event ids: {}", ids.join(", "))
        }
    });
    Err(Diagnostic::error(
        Some(&sc.file),
        format!("no event with id `{id}` in `{}`", sc.id),
    )
    .with_code(Code::EditUnknownEvent)
    .with_help(help))
}

fn move_to(e: &mut Event, date: NaiveDate) {
    e.date = date;
    let t = Arc::make_mut(&mut e.fields);
    t.set("date".into(), Value::Date(date));
    // The exact instant no longer matches the day.
    t.instants.retain(|(k, _)| &**k != "date");
}

/// An error at an event's line.
fn at_event(e: &Event, message: String, code: Code) -> Diagnostic {
    let d = Diagnostic::error(Some(&e.file as &Path), message).with_code(code);
    if e.line > 0 { d.at(e.line, 1) } else { d }
}

/// Why a field could not be set.
enum SetError {
    /// No field of that name: the table's names, for a did-you-mean.
    Missing(String, Vec<String>),
    /// A step of the path is not a table.
    NotTable(String, &'static str),
    /// The field holds a value of another type.
    Type(&'static str),
}

impl SetError {
    fn diagnostic(self, e: &Event, event: &str, field: &[String], value: &Value) -> Diagnostic {
        let path = format!("{event}.{}", field.join("."));
        match self {
            SetError::Missing(name, names) => {
                let help = did_you_mean(&name, names.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("its fields: {}", names.join(", ")));
                at_event(
                    e,
                    format!("`{path}`: the event has no field `{name}`"),
                    Code::EditFieldType,
                )
                .with_help(help)
            }
            SetError::NotTable(name, ty) => at_event(
                e,
                format!("`{path}`: `{name}` is {} {ty}, not a table", article(ty)),
                Code::EditFieldType,
            )
            .with_help("name a field inside a table, such as `outcome.ceasefire`"),
            SetError::Type(ty) => {
                let want = kind_of(value);
                at_event(
                    e,
                    format!(
                        "`{path}` is {} {ty}, not {} {want}",
                        article(ty),
                        article(want)
                    ),
                    Code::EditFieldType,
                )
                .with_help(match want {
                    "number" => "a numeric range (LO..HI) needs a field that holds a number",
                    "date" => "a date range needs a field that holds a date",
                    _ => "give a value of the field's own type",
                })
            }
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The type an edit's value must match: numbers are one kind.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Int(_) | Value::Float(_) => "number",
        other => other.type_name(),
    }
}

fn set_in(t: &mut Arc<Table>, path: &[String], value: &Value) -> Result<(), SetError> {
    let Some((head, rest)) = path.split_first() else {
        return Ok(());
    };
    let t = Arc::make_mut(t);
    let names = || t.names().map(str::to_string).collect::<Vec<_>>();
    let Some(i) = t.fields.iter().position(|(k, _)| **k == **head) else {
        let names = names();
        return Err(SetError::Missing(head.clone(), names));
    };
    let slot = &mut t.fields[i].1;
    if !rest.is_empty() {
        return match slot {
            Value::Table(inner) => set_in(inner, rest, value),
            other => Err(SetError::NotTable(head.clone(), other.type_name())),
        };
    }
    let new = match (&*slot, value) {
        // A float field stays a float; an integer field takes a float.
        (Value::Float(_), Value::Int(n)) => Value::Float(*n as f64),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => value.clone(),
        (old, new) if std::mem::discriminant(old) == std::mem::discriminant(new) => new.clone(),
        (old, _) => return Err(SetError::Type(old.type_name())),
    };
    *slot = new;
    if matches!(slot, Value::Date(_)) {
        let name = t.fields[i].0.clone();
        t.instants.retain(|(k, _)| *k != name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::scenario;

    const TEXT: &str = "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\
        [[events]]\nid = \"round-1\"\nkind = \"talks\"\ndate = 2025-05-16\nround = 1\n\
        outcome = { ceasefire = false, hours = 2.5 }\n\
        [[events]]\nid = \"round-2\"\nkind = \"talks\"\ndate = 2025-06-02\nround = 2\nlocation = \"Istanbul\"\n\
        outcome = { ceasefire = false, hours = 1.0 }\n";

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn set(event: &str, field: &str, value: Value) -> Edit {
        Edit::Set {
            event: event.into(),
            field: field.split('.').map(str::to_string).collect(),
            value,
        }
    }

    #[test]
    fn a_nested_field_is_set_on_a_copy() {
        let sc = scenario(TEXT);
        let e = set("round-2", "outcome.ceasefire", Value::Bool(true));
        assert_eq!(e.to_string(), "round-2.outcome.ceasefire = true");
        let out = apply(&sc, &[e]).unwrap_or_else(|d| panic!("{d}"));
        let outcome = |s: &Scenario| match s.events[1].get("outcome") {
            Some(Value::Table(t)) => t.get("ceasefire").cloned(),
            _ => None,
        };
        assert_eq!(outcome(&out), Some(Value::Bool(true)));
        assert_eq!(outcome(&sc), Some(Value::Bool(false)));
        // A float field stays a float when given an integer.
        let out = apply(&sc, &[set("round-1", "outcome.hours", Value::Int(3))])
            .unwrap_or_else(|d| panic!("{d}"));
        match out.events[0].get("outcome") {
            Some(Value::Table(t)) => assert_eq!(t.get("hours"), Some(&Value::Float(3.0))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_moved_event_is_sorted_and_indexed_again_and_a_drop_removes_it() {
        let sc = scenario(TEXT);
        let mv = Edit::Move {
            event: "round-2".into(),
            date: day("2025-05-01"),
        };
        assert_eq!(mv.to_string(), "round-2.date = 2025-05-01");
        let out = apply(&sc, &[mv]).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(out.events[0].id(), Some("round-2"));
        assert_eq!(
            out.events[0].get("date"),
            Some(&Value::Date(day("2025-05-01")))
        );
        assert_eq!(out.of_kind("talks", day("2025-05-10")).len(), 1);
        let out = apply(
            &sc,
            &[
                Edit::Drop {
                    event: "round-1".into(),
                },
                Edit::AsOf(day("2025-07-01")),
            ],
        )
        .unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.as_of, day("2025-07-01"));
        assert_eq!(out.of_kind("talks", out.as_of), &[0]);
    }

    #[test]
    fn mistakes_are_positioned_with_a_suggestion() {
        let sc = scenario(TEXT);
        let d = apply(
            &sc,
            &[Edit::Drop {
                event: "round-3".into(),
            }],
        )
        .err();
        let d = d.unwrap_or_else(|| panic!("no error"));
        assert_eq!(d.code, Some(Code::EditUnknownEvent));
        assert!(d.message.contains("no event with id `round-3`"), "{d}");
        assert_eq!(d.help.as_deref(), Some("did you mean `round-2`?"));

        let d = apply(&sc, &[set("round-2", "location", Value::Int(3))]).err();
        let d = d.unwrap_or_else(|| panic!("no error"));
        assert_eq!(d.code, Some(Code::EditFieldType));
        assert_eq!(d.message, "`round-2.location` is a string, not a number");
        assert_eq!(d.line, Some(10));

        let d = apply(&sc, &[set("round-2", "outcome.cease", Value::Bool(true))]).err();
        let d = d.unwrap_or_else(|| panic!("no error"));
        assert_eq!(d.help.as_deref(), Some("did you mean `ceasefire`?"));

        let d = apply(&sc, &[set("round-2", "round.x", Value::Int(1))]).err();
        let d = d.unwrap_or_else(|| panic!("no error"));
        assert!(
            d.message.contains("`round` is an integer, not a table"),
            "{d}"
        );
    }
}
