//! The rule API as Rhai sees it: the `Scenario`, `Record` (events and
//! nested tables) and `Quiet` types and the native helpers over them (the
//! calendar types are in `calendar.rs`). Scenario data is never copied into Rhai maps: a `Record`
//! holds an `Arc` into the parsed scenario and reads fields on demand, and
//! reading a field that is not there is an error naming the field and the
//! event, never a silent `()`.

use std::sync::Arc;

use chrono::NaiveDate;
use rhai::{Array, Dynamic, Engine, EvalAltResult, FLOAT, INT, ImmutableString, Position};

// The calendar types are part of the rule API that rules and native code see.
pub use super::calendar::{Date, Days, Instant, Months};
use super::context::{self, ResponseState};
use super::{Fallible, err};
use crate::diagnostic::did_you_mean;
use crate::scenario::Scenario;
use crate::value::{Label, Table, Value};
use crate::vocabulary::{Type, Vocabulary};

/// Names of the rule API; a rule or helper may not define functions so named.
pub const API_NAMES: &[&str] = &[
    "fired",
    super::SWITCH_CHECK,
    "date",
    "days",
    "months",
    "days_between",
    "instant",
    "quiet",
    "events",
    "latest",
    "count",
    "has",
    "get",
    "filter",
    "some",
    "all",
    "find",
    "index_of",
    "retain",
    "drain",
    "print",
    "debug",
    "sleep",
];

/// The result of `quiet("why")`: does not fire, and says why.
#[derive(Debug, Clone)]
pub struct Quiet(pub String);

/// A read-only table of a scenario: an event, a nested table, the facts,
/// an actor.
#[derive(Debug, Clone)]
pub struct Record(pub Arc<Table>);

/// A table as `print` shows it: its label, then its fields with nested
/// tables written out (`{outcome: {ceasefire: false}, round: 2}`).
fn shown(t: &Table) -> String {
    let mut out = t.label.to_string();
    out.push(' ');
    fields(t, &mut out);
    out
}

fn fields(t: &Table, out: &mut String) {
    use std::fmt::Write as _;
    out.push('{');
    for (i, (k, v)) in t.fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{k}: ");
        value(v, out);
    }
    out.push('}');
}

fn value(v: &Value, out: &mut String) {
    use std::fmt::Write as _;
    match v {
        Value::Table(t) => fields(t, out),
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value(v, out);
            }
            out.push(']');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// The scenario as one rule call sees it: the shared data and the
/// judgement date. Cloning it clones an `Arc`.
#[derive(Debug, Clone)]
pub struct ScenarioView {
    pub scenario: Arc<Scenario>,
    pub as_of: NaiveDate,
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
            None => self.missing(name),
        }
    }

    /// The error for reading an absent field, naming it, the table, and the
    /// closest field name; or, when the vocabulary knows the table, whose
    /// mistake it is (`blame_missing`).
    fn missing<T>(&self, name: &str) -> Fallible<T> {
        let vocab = context::with(|c| c.vocabulary.clone());
        if let Some(msg) = vocab.and_then(|v| blame_missing(&v, &self.0.label, name)) {
            return err(msg);
        }
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

/// The message for a rule reading field `name` that the table labelled
/// `label` lacks, when the vocabulary declares the table: if it declares
/// the field, the scenario should have it (and the rule is right to read
/// it); if not, the rule reads a field that does not exist, and the
/// did-you-mean comes from the vocabulary, not from the scenario's keys
/// (which would suggest a scenario's typo).
fn blame_missing(vocab: &Vocabulary, label: &Label, name: &str) -> Option<String> {
    let mut path = vec![name];
    let mut at = label;
    let (fields, whose, event) = loop {
        match at {
            Label::Field(key, parent) => {
                path.push(key);
                at = parent;
            }
            Label::Event {
                kind, file, line, ..
            } => {
                let k = vocab.kind(kind)?;
                let place = match line {
                    0 => file.to_string(),
                    n => format!("{file}:{n}"),
                };
                break (&k.fields, format!("`{kind}` events"), Some(place));
            }
            Label::Text(t) if t.starts_with("facts") => {
                break (vocab.facts.as_ref()?, "`[facts]`".to_string(), None);
            }
            Label::Text(_) => return None,
        }
    };
    path.reverse();
    let dotted = path.join(".");
    match crate::vocabulary::lookup(fields, &path) {
        // Declared but optional: scenarios may leave it out, so the rule
        // must not assume it.
        Some(f) if !f.required => Some(format!(
            "{label} has no field `{name}`, which the vocabulary declares optional for \
             {whose}: guard the read with `.has(\"{name}\")` or `.get(\"{name}\", default)`, \
             or declare it `required = true` so that scenarios must have it"
        )),
        Some(f) => {
            let fix = match &event {
                Some(place) => format!(
                    "add `{dotted} = …` ({}) to the event at {place}",
                    f.ty.described()
                ),
                None => format!("add `{dotted} = …` ({}) under `[facts]`", f.ty.described()),
            };
            Some(format!(
                "{label} has no field `{name}`, which the vocabulary declares for {whose}: \
                 the scenario is missing it; {fix}"
            ))
        }
        None => {
            let parent = match path.split_last() {
                Some((_, [])) | None => Some(fields),
                Some((_, up)) => match crate::vocabulary::lookup(fields, up).map(|f| &f.ty) {
                    Some(Type::Table(inner)) => Some(inner),
                    _ => None,
                },
            };
            // An open table may hold any key: the scenario may be right.
            if parent.is_none_or(|p| p.open) {
                return None;
            }
            let hint = parent
                .and_then(|p| did_you_mean(name, p.names()))
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            Some(format!(
                "{label} has no field `{name}`, and the vocabulary declares no `{dotted}` for \
                 {whose}: the rule reads a field that does not exist{hint}"
            ))
        }
    }
}

impl ScenarioView {
    fn event(&self, i: u32) -> Dynamic {
        Dynamic::from(Record(self.scenario.events[i as usize].fields.clone()))
    }

    fn all_events(&self) -> Array {
        let n = context::visible(&self.scenario, self.as_of);
        self.scenario.events[..n]
            .iter()
            .map(|e| Dynamic::from(Record(e.fields.clone())))
            .collect()
    }

    fn events_of(&self, kind: &str) -> Array {
        context::of_kind(&self.scenario, kind, self.as_of)
            .iter()
            .map(|&i| self.event(i))
            .collect()
    }

    fn latest(&self, kind: &str) -> Dynamic {
        match context::of_kind(&self.scenario, kind, self.as_of).last() {
            Some(&i) => self.event(i),
            None => Dynamic::UNIT,
        }
    }
}

/// Registers a `Record` getter for each name the rules read as a property.
/// Without one, Rhai looks for a getter, fails, formats an error and only
/// then falls back to the indexer — on every read. A getter that finds no
/// field returns the "no such property" error Rhai itself raises, so the
/// indexer still runs on that path and reports the field at the same
/// position, with the same message, as before.
pub fn register_fields<'a>(engine: &mut Engine, names: impl IntoIterator<Item = &'a str>) {
    for name in names {
        let field: Arc<str> = name.into();
        engine.register_get(name, move |r: &mut Record| -> Fallible<Dynamic> {
            match r.0.get(&field) {
                Some(v) => Ok(to_dynamic(v)),
                None => Err(EvalAltResult::ErrorDotExpr(String::new(), Position::NONE).into()),
            }
        });
    }
}

/// Registers the rule API (the calendar's part is `calendar::register`).
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Quiet>("Quiet")
        .register_type_with_name::<Record>("Record")
        .register_type_with_name::<ScenarioView>("Scenario");
    register_scenario(engine);
    register_records(engine);
    register_verdicts(engine);
}

fn register_scenario(engine: &mut Engine) {
    engine
        .register_get("id", |s: &mut ScenarioView| {
            ImmutableString::from(s.scenario.id.as_str())
        })
        .register_get("title", |s: &mut ScenarioView| {
            ImmutableString::from(s.scenario.title.as_str())
        })
        .register_get("as_of", |s: &mut ScenarioView| {
            context::read_clock();
            Date(s.as_of)
        })
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
            context::of_kind(&s.scenario, kind, s.as_of).len() as INT
        })
        .register_fn("count", |s: &mut ScenarioView| {
            context::visible(&s.scenario, s.as_of) as INT
        })
        .register_fn("to_string", |s: &mut ScenarioView| {
            context::read_clock();
            format!("scenario `{}` as of {}", s.scenario.id, s.as_of)
        });
}

/// Events, nested tables, facts, actors.
fn register_records(engine: &mut Engine) {
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
        .register_fn("instant", |r: &mut Record, name: &str| -> Fallible<Instant> {
            match r.0.instant(name) {
                Some(i) => Ok(Instant(i)),
                None if r.0.get(name).is_some() => err(format!(
                    "`{name}` of {} has no time of day; write it as an offset date-time, e.g. `2025-09-27T20:00:00-04:00`",
                    r.0.label
                )),
                None => r.missing(name),
            }
        })
        // Interpolated (`${e}`), an event is its label, which reasons
        // quote; printed, it is what a rule author debugging wants to see.
        .register_fn("to_string", |r: &mut Record| r.0.label.to_string())
        .register_fn("to_debug", |r: &mut Record| shown(&r.0))
        .register_fn("print", |r: &mut Record| shown(&r.0))
        .register_fn("debug", |r: &mut Record| shown(&r.0))
        .register_fn("==", |a: Record, b: Record| {
            Arc::ptr_eq(&a.0, &b.0) || a.0 == b.0
        })
        .register_fn("!=", |a: Record, b: Record| {
            !(Arc::ptr_eq(&a.0, &b.0) || a.0 == b.0)
        });
}

/// `quiet`, `fired`, and no clock.
fn register_verdicts(engine: &mut Engine) {
    engine
        .register_fn("quiet", |why: &str| Quiet(why.to_string()))
        .register_fn("quiet", || Quiet(String::new()))
        .register_fn("to_string", |q: &mut Quiet| format!("quiet({:?})", q.0))
        .register_fn("fired", |id: &str| -> Fallible<bool> {
            match context::with(|c| c.response(id)) {
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

    // The first day of a response's current firing period, from a replay
    // of the days before (made by the evaluator, once per scenario).
    engine.register_fn("since", |id: &str| -> Fallible<Date> {
        let day = context::with(|c| c.since.as_ref().map(|(day, _)| *day));
        match context::with(|c| c.since(id)) {
            Ok(Some(first)) => Ok(Date(first)),
            Ok(None) => err(format!(
                "since(\"{id}\"): `{id}` does not fire{}, so it has no firing period; \
                 test `fired(\"{id}\")` first",
                day.map(|d| format!(" on {d}")).unwrap_or_default()
            )),
            Err("errored") => err(format!(
                "since(\"{id}\"): the rules of `{id}` errored, so whether it fires is unknown"
            )),
            Err(_) => err(format!(
                "since(\"{id}\"): `{id}` was not evaluated before this rule; \
                 call `since` with a literal response id so the engine can order responses"
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
    use crate::testutil::scenario;

    use crate::sandbox::{Limits, engine};
    use crate::testutil::{check_script as check, eval_script as eval};
    use rhai::module_resolvers::StaticModuleResolver;

    #[test]
    fn impossible_dates_and_mixed_comparisons_are_errors() {
        assert!(eval(r#"date("2025-02-30")"#).starts_with("error"));
        assert!(eval(r#"date("2025-06-02") > "2025-01-01""#).starts_with("error"));
        assert!(eval(r#"date("2025-06-02") == 5"#).starts_with("error"));
        assert!(eval(r#"5 == "5""#).starts_with("error"));
        check(r#"date("2025-06-02") == ()"#, "false");
        check("1 == 1.0", "true");
    }

    #[test]
    fn the_instant_of_an_offset_date_time_keeps_its_hour_and_utc_day() {
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\n[[events]]\nkind = \"snapback\"\ndate = 2025-09-27T20:00:00-04:00\n",
        );
        let e = engine(&Limits::default(), StaticModuleResolver::new());
        let mut scope = rhai::Scope::new();
        scope.push(
            "s",
            ScenarioView {
                scenario: sc.clone(),
                as_of: sc.as_of,
            },
        );
        let run = |script: &str| {
            e.eval_with_scope::<Dynamic>(&mut scope.clone(), script)
                .map(|v| v.to_string())
                .unwrap_or_else(|err| format!("error: {err}"))
        };
        assert_eq!(run(r#"`${s.latest("snapback").date}`"#), "2025-09-28");
        assert_eq!(run(r#"s.latest("snapback").instant("date").hour"#), "20");
        assert_eq!(
            run(r#"`${s.latest("snapback").instant("date").local_date}`"#),
            "2025-09-27"
        );
        assert_eq!(
            run(r#"`${s.latest("snapback").instant("date").utc_date}`"#),
            "2025-09-28"
        );
        assert_eq!(
            run(r#"s.latest("snapback").instant("date").offset_minutes"#),
            "-240"
        );
        assert!(run(r#"s.latest("snapback").instant("kind")"#).contains("no time of day"));
        assert!(run(r#"s.latest("snapback").instant("dat")"#).contains("did you mean `date`?"));
    }
}
