//! The rule API as Rhai sees it: the `Scenario`, `Record` (events and
//! nested tables), `Date`, `Days` and `Quiet` types and the native helpers
//! over them. Scenario data is never copied into Rhai maps: a `Record`
//! holds an `Arc` into the parsed scenario and reads fields on demand, and
//! reading a field that is not there is an error naming the field and the
//! event, never a silent `()`.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rhai::{Array, Dynamic, Engine, EvalAltResult, FLOAT, INT, ImmutableString};

use super::context::{self, ResponseState};
use crate::diagnostic::did_you_mean;
use crate::scenario::Scenario;
use crate::value::{Table, Value};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// Names of the rule API; a rule or helper may not define functions so named.
pub const API_NAMES: &[&str] = &[
    "fired", "date", "days", "quiet", "events", "latest", "count", "has", "get", "filter", "some",
    "all", "find", "index_of", "retain", "drain", "print", "debug", "sleep",
];

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A number of days, made by `days(n)`, to add to or subtract from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(pub i64);

/// The result of `quiet("why")`: does not fire, and says why.
#[derive(Debug, Clone)]
pub struct Quiet(pub String);

/// A read-only table of a scenario: an event, a nested table, the facts,
/// an actor.
#[derive(Debug, Clone)]
pub struct Record(pub Arc<Table>);

/// The scenario as one rule call sees it: the shared data and the
/// judgement date. Cloning it clones an `Arc`.
#[derive(Debug, Clone)]
pub struct ScenarioView {
    pub scenario: Arc<Scenario>,
    pub as_of: NaiveDate,
}

pub fn err<T>(msg: impl Into<String>) -> Fallible<T> {
    Err(msg.into().into())
}

/// Converts a scenario value to what a rule sees.
pub fn to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Str(s) => Dynamic::from(ImmutableString::from(&**s)),
        Value::Int(i) => Dynamic::from_int(*i),
        Value::Float(x) => Dynamic::from_float(*x),
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Date(d) => Dynamic::from(Date(*d)),
        Value::Array(a) => Dynamic::from_array(a.iter().map(to_dynamic).collect()),
        Value::Table(t) => Dynamic::from(Record(t.clone())),
    }
}

impl Record {
    fn field(&self, name: &str) -> Fallible<Dynamic> {
        match self.0.get(name) {
            Some(v) => Ok(to_dynamic(v)),
            None => {
                let hint = did_you_mean(name, self.0.names())
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_else(|| {
                        let names: Vec<_> = self.0.names().map(|n| format!("`{n}`")).collect();
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(" (it has {})", names.join(", "))
                        }
                    });
                err(format!(
                    "{} has no field `{name}`{hint}; use `.has(\"{name}\")` or `.get(\"{name}\", default)` for optional fields",
                    self.0.label
                ))
            }
        }
    }
}

impl ScenarioView {
    fn event(&self, i: u32) -> Dynamic {
        Dynamic::from(Record(self.scenario.events[i as usize].fields.clone()))
    }

    fn all_events(&self) -> Array {
        let n = self.scenario.visible(self.as_of);
        self.scenario.events[..n]
            .iter()
            .map(|e| Dynamic::from(Record(e.fields.clone())))
            .collect()
    }

    fn events_of(&self, kind: &str) -> Array {
        self.scenario
            .of_kind(kind, self.as_of)
            .iter()
            .map(|&i| self.event(i))
            .collect()
    }

    fn latest(&self, kind: &str) -> Dynamic {
        match self.scenario.of_kind(kind, self.as_of).last() {
            Some(&i) => self.event(i),
            None => Dynamic::UNIT,
        }
    }
}

fn add_days(d: Date, n: Days) -> Fallible<Date> {
    match d.0.checked_add_signed(chrono::Duration::days(n.0)) {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} + days({}) is outside the calendar", d.0, n.0)),
    }
}

fn parse_date(s: &str) -> Fallible<Date> {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Ok(Date(d)),
        Err(_) => err(format!(
            "`{s}` is not a date: write `date(\"YYYY-MM-DD\")`, e.g. `date(\"2025-08-08\")`"
        )),
    }
}

pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Date>("Date")
        .register_type_with_name::<Days>("Days")
        .register_type_with_name::<Quiet>("Quiet")
        .register_type_with_name::<Record>("Record")
        .register_type_with_name::<ScenarioView>("Scenario");

    // Scenario.
    engine
        .register_get("id", |s: &mut ScenarioView| {
            ImmutableString::from(s.scenario.id.as_str())
        })
        .register_get("title", |s: &mut ScenarioView| {
            ImmutableString::from(s.scenario.title.as_str())
        })
        .register_get("as_of", |s: &mut ScenarioView| Date(s.as_of))
        .register_get("facts", |s: &mut ScenarioView| {
            Record(s.scenario.facts.clone())
        })
        .register_get("actors", |s: &mut ScenarioView| {
            Record(s.scenario.actors.clone())
        })
        .register_get("tags", |s: &mut ScenarioView| -> Array {
            s.scenario
                .tags
                .iter()
                .map(|t| Dynamic::from(ImmutableString::from(t.as_str())))
                .collect()
        })
        .register_fn("events", |s: &mut ScenarioView| s.all_events())
        .register_fn("events", |s: &mut ScenarioView, kind: &str| {
            s.events_of(kind)
        })
        .register_fn("latest", |s: &mut ScenarioView, kind: &str| s.latest(kind))
        .register_fn("count", |s: &mut ScenarioView, kind: &str| {
            s.scenario.of_kind(kind, s.as_of).len() as INT
        })
        .register_fn("count", |s: &mut ScenarioView| {
            s.scenario.visible(s.as_of) as INT
        })
        .register_fn("to_string", |s: &mut ScenarioView| {
            format!("scenario `{}` as of {}", s.scenario.id, s.as_of)
        });

    // Records: events, nested tables, facts, actors.
    engine
        .register_indexer_get(|r: &mut Record, name: &str| r.field(name))
        .register_fn("has", |r: &mut Record, name: &str| r.0.get(name).is_some())
        .register_fn("get", |r: &mut Record, name: &str, default: Dynamic| {
            r.0.get(name).map_or(default, to_dynamic)
        })
        .register_fn("keys", |r: &mut Record| -> Array {
            r.0.names()
                .map(|n| Dynamic::from(ImmutableString::from(n)))
                .collect()
        })
        .register_fn("to_string", |r: &mut Record| r.0.label.to_string())
        .register_fn("to_debug", |r: &mut Record| r.0.label.to_string())
        .register_fn("==", |a: Record, b: Record| {
            Arc::ptr_eq(&a.0, &b.0) || a.0 == b.0
        })
        .register_fn("!=", |a: Record, b: Record| {
            !(Arc::ptr_eq(&a.0, &b.0) || a.0 == b.0)
        });

    // Dates.
    engine
        .register_fn("date", |s: &str| parse_date(s))
        .register_fn("days", |n: INT| Days(n))
        .register_fn("+", add_days)
        .register_fn("+", |n: Days, d: Date| add_days(d, n))
        .register_fn("-", |d: Date, n: Days| add_days(d, Days(-n.0)))
        .register_fn("-", |a: Date, b: Date| (a.0 - b.0).num_days() as INT)
        .register_fn("+", |a: Days, b: Days| Days(a.0 + b.0))
        .register_fn("-", |a: Days, b: Days| Days(a.0 - b.0))
        .register_fn("*", |a: Days, n: INT| Days(a.0 * n))
        .register_fn("==", |a: Date, b: Date| a == b)
        .register_fn("!=", |a: Date, b: Date| a != b)
        .register_fn("<", |a: Date, b: Date| a < b)
        .register_fn("<=", |a: Date, b: Date| a <= b)
        .register_fn(">", |a: Date, b: Date| a > b)
        .register_fn(">=", |a: Date, b: Date| a >= b)
        .register_fn("==", |a: Days, b: Days| a == b)
        .register_fn("!=", |a: Days, b: Days| a != b)
        .register_get("year", |d: &mut Date| d.0.year() as INT)
        .register_get("month", |d: &mut Date| d.0.month() as INT)
        .register_get("day", |d: &mut Date| d.0.day() as INT)
        .register_fn("to_string", |d: &mut Date| d.0.to_string())
        .register_fn("to_debug", |d: &mut Date| d.0.to_string())
        .register_fn("to_string", |d: &mut Days| format!("days({})", d.0))
        .register_fn("to_debug", |d: &mut Days| format!("days({})", d.0))
        .register_fn("+", |s: ImmutableString, d: Date| format!("{s}{}", d.0))
        .register_fn("+", |d: Date, s: ImmutableString| format!("{}{s}", d.0));

    // Verdicts.
    engine
        .register_fn("quiet", |why: &str| Quiet(why.to_string()))
        .register_fn("quiet", || Quiet(String::new()))
        .register_fn("to_string", |q: &mut Quiet| format!("quiet({:?})", q.0))
        .register_fn("fired", |id: &str| -> Fallible<bool> {
            match context::with(|c| c.responses.get(id).copied()) {
                Some(ResponseState::Fires) => Ok(true),
                Some(ResponseState::Quiet) => Ok(false),
                Some(ResponseState::Error) => err(format!(
                    "fired(\"{id}\"): the rules of `{id}` errored, so whether it fires is unknown"
                )),
                None => err(format!(
                    "fired(\"{id}\"): `{id}` was not evaluated before this rule; \
                     call `fired` with a literal response id so the engine can order responses"
                )),
            }
        });

    // No clock: results depend only on the files.
    engine
        .register_fn("sleep", |_: INT| -> Fallible<()> {
            err("`sleep` is not available in rules: rules have no clock")
        })
        .register_fn("sleep", |_: FLOAT| -> Fallible<()> {
            err("`sleep` is not available in rules: rules have no clock")
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_reject_garbage() {
        assert!(parse_date("2025-02-28").is_ok());
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("tomorrow").is_err());
    }

    #[test]
    fn adding_days_past_the_calendar_is_an_error() {
        let d = Date(NaiveDate::MAX);
        assert!(add_days(d, Days(1)).is_err());
    }
}
