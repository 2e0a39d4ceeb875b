//! The rule API as Rhai sees it: the `Scenario`, `Record` (events and
//! nested tables), `Date`, `Days` and `Quiet` types and the native helpers
//! over them. Scenario data is never copied into Rhai maps: a `Record`
//! holds an `Arc` into the parsed scenario and reads fields on demand, and
//! reading a field that is not there is an error naming the field and the
//! event, never a silent `()`.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Timelike};
use rhai::{Array, Dynamic, Engine, EvalAltResult, FLOAT, INT, ImmutableString, Position};

use super::context::{self, ResponseState};
use crate::diagnostic::did_you_mean;
use crate::scenario::Scenario;
use crate::value::{Table, Value};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

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

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A number of days, made by `days(n)`, to add to or subtract from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(pub i64);

/// A number of calendar months, made by `months(n)`. Adding months keeps
/// the day of the month, or takes the month's last day when it is shorter:
/// 2025-01-31 + months(1) = 2025-02-28.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months(pub i64);

/// The exact instant of an offset date-time field, for rules that need
/// the hour (`e.instant("date").hour`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub chrono::DateTime<chrono::FixedOffset>);

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
            None => self.missing(name),
        }
    }

    /// The error for reading an absent field, naming it, the table, and the
    /// closest field name.
    fn missing<T>(&self, name: &str) -> Fallible<T> {
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

pub(crate) fn add_days(d: Date, n: Days) -> Fallible<Date> {
    // `Duration::days` panics beyond ±i64::MAX / 86,400 days.
    match chrono::Duration::try_days(n.0).and_then(|n| d.0.checked_add_signed(n)) {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} + days({}) is outside the calendar", d.0, n.0)),
    }
}

pub(crate) fn sub_days(d: Date, n: Days) -> Fallible<Date> {
    match chrono::Duration::try_days(n.0).and_then(|n| d.0.checked_sub_signed(n)) {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} - days({}) is outside the calendar", d.0, n.0)),
    }
}

/// `days(a) + days(b)` and the like, as an error rather than a wrap or a
/// panic when the count leaves the 64-bit range.
fn days_op(a: i64, op: &str, b: i64, r: Option<i64>) -> Fallible<Days> {
    match r {
        Some(n) => Ok(Days(n)),
        None => err(format!("days({a}) {op} {b} overflows")),
    }
}

pub(crate) fn add_months(d: Date, n: Months) -> Fallible<Date> {
    shift_months(
        d,
        n.0 >= 0,
        n.0.unsigned_abs(),
        format!("+ months({})", n.0),
    )
}

pub(crate) fn sub_months(d: Date, n: Months) -> Fallible<Date> {
    // Negating `months(i64::MIN)` would overflow: pass the direction.
    shift_months(d, n.0 < 0, n.0.unsigned_abs(), format!("- months({})", n.0))
}

fn shift_months(d: Date, forward: bool, abs: u64, shown: String) -> Fallible<Date> {
    let m = chrono::Months::new(abs.min(u64::from(u32::MAX)) as u32);
    let r = if forward {
        d.0.checked_add_months(m)
    } else {
        d.0.checked_sub_months(m)
    };
    match r {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} {shown} is outside the calendar", d.0)),
    }
}

/// `YYYY-MM-DD` read directly: chrono's format-string parser costs more
/// than the rest of a typical rule call.
fn canonical_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

pub(crate) fn parse_date(s: &str) -> Fallible<Date> {
    // Anything else (or an invalid day) takes chrono's parser, whose
    // verdict stays the reference.
    if let Some(d) = canonical_date(s) {
        return Ok(Date(d));
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Ok(Date(d)),
        Err(_) => err(format!(
            "`{s}` is not a date: write `date(\"YYYY-MM-DD\")`, e.g. `date(\"2025-08-08\")`"
        )),
    }
}

/// `== != < <= > >=` between two values of one ordered type.
fn ordered<T: PartialOrd + rhai::Variant + Clone>(engine: &mut Engine) {
    engine
        .register_fn("==", |a: T, b: T| a == b)
        .register_fn("!=", |a: T, b: T| a != b)
        .register_fn("<", |a: T, b: T| a < b)
        .register_fn("<=", |a: T, b: T| a <= b)
        .register_fn(">", |a: T, b: T| a > b)
        .register_fn(">=", |a: T, b: T| a >= b);
}

pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Date>("Date")
        .register_type_with_name::<Days>("Days")
        .register_type_with_name::<Quiet>("Quiet")
        .register_type_with_name::<Months>("Months")
        .register_type_with_name::<Instant>("Instant")
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

    // Dates.
    engine
        .register_fn("date", |s: &str| parse_date(s))
        .register_fn("days", |n: INT| Days(n))
        .register_fn("+", add_days)
        .register_fn("+", |n: Days, d: Date| add_days(d, n))
        .register_fn("-", sub_days)
        .register_fn("-", |a: Date, b: Date| (a.0 - b.0).num_days() as INT)
        .register_fn("+", |a: Days, b: Days| {
            days_op(a.0, "+", b.0, a.0.checked_add(b.0))
        })
        .register_fn("-", |a: Days, b: Days| {
            days_op(a.0, "-", b.0, a.0.checked_sub(b.0))
        })
        .register_fn("*", |a: Days, n: INT| {
            days_op(a.0, "*", n, a.0.checked_mul(n))
        })
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

    // Months, weekdays, spans and instants.
    engine
        .register_fn("months", |n: INT| Months(n))
        .register_fn("+", add_months)
        .register_fn("-", sub_months)
        .register_fn("to_string", |m: &mut Months| format!("months({})", m.0))
        .register_get("weekday", |d: &mut Date| {
            d.0.weekday().number_from_monday() as INT
        })
        .register_get("weekday_name", |d: &mut Date| d.0.weekday().to_string())
        .register_fn("days_between", |a: Date, b: Date| {
            (b.0 - a.0).num_days() as INT
        })
        .register_fn("min", |a: Date, b: Date| a.min(b))
        .register_fn("max", |a: Date, b: Date| a.max(b))
        .register_get("year", |i: &mut Instant| i.0.year() as INT)
        .register_get("month", |i: &mut Instant| i.0.month() as INT)
        .register_get("day", |i: &mut Instant| i.0.day() as INT)
        .register_get("hour", |i: &mut Instant| i.0.hour() as INT)
        .register_get("minute", |i: &mut Instant| i.0.minute() as INT)
        .register_get("offset_minutes", |i: &mut Instant| {
            (i.0.offset().local_minus_utc() / 60) as INT
        })
        .register_get("utc_date", |i: &mut Instant| Date(i.0.naive_utc().date()))
        .register_get("local_date", |i: &mut Instant| Date(i.0.date_naive()))
        .register_fn("to_string", |i: &mut Instant| i.0.to_rfc3339())
        .register_fn("to_debug", |i: &mut Instant| i.0.to_rfc3339());
    ordered::<Date>(engine);
    ordered::<Instant>(engine);

    // Verdicts.
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
    use crate::sandbox::{Limits, engine};
    use crate::testutil::scenario;
    use rhai::module_resolvers::StaticModuleResolver;

    fn eval(script: &str) -> String {
        let e = engine(&Limits::default(), StaticModuleResolver::new());
        match e.eval::<Dynamic>(script) {
            Ok(v) => v.to_string(),
            Err(err) => format!("error: {err}"),
        }
    }

    #[track_caller]
    fn check(script: &str, want: &str) {
        assert_eq!(eval(script), want, "{script}");
    }

    #[test]
    fn months_keep_the_day_or_take_the_last_day_of_a_shorter_month() {
        check(r#"`${date("2025-01-31") + months(1)}`"#, "2025-02-28");
        check(r#"`${date("2024-01-31") + months(1)}`"#, "2024-02-29");
        check(r#"`${date("2025-03-31") - months(1)}`"#, "2025-02-28");
        check(r#"`${date("2025-12-15") + months(1)}`"#, "2026-01-15");
        check(r#"`${date("2025-07-14") + months(12)}`"#, "2026-07-14");
    }

    #[test]
    fn day_arithmetic_crosses_leap_days_and_year_ends() {
        check(r#"`${date("2024-02-28") + days(1)}`"#, "2024-02-29");
        check(r#"`${date("2025-02-28") + days(1)}`"#, "2025-03-01");
        check(r#"`${date("2025-12-31") + days(1)}`"#, "2026-01-01");
        check(r#"date("2025-09-02") - date("2025-07-14")"#, "50");
        check(
            r#"days_between(date("2025-07-14"), date("2025-09-02"))"#,
            "50",
        );
        check(
            r#"days_between(date("2025-09-02"), date("2025-07-14"))"#,
            "-50",
        );
    }

    #[test]
    fn weekdays_and_min_max_of_dates() {
        check(r#"date("2025-06-02").weekday"#, "1");
        check(r#"date("2025-06-02").weekday_name"#, "Mon");
        check(r#"date("2025-06-08").weekday"#, "7");
        check(
            r#"`${min(date("2025-06-02"), date("2025-05-16"))}`"#,
            "2025-05-16",
        );
        check(
            r#"`${max(date("2025-06-02"), date("2025-05-16"))}`"#,
            "2025-06-02",
        );
    }

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

    #[test]
    fn extreme_day_and_month_counts_are_errors_not_panics() {
        let d = Date(NaiveDate::MIN);
        assert!(add_days(d, Days(i64::MAX)).is_err());
        assert!(sub_days(d, Days(i64::MIN)).is_err());
        assert!(add_months(d, Months(i64::MIN)).is_err());
        assert!(sub_months(d, Months(i64::MIN)).is_err());
        assert!(eval("days(9223372036854775807) * 2").starts_with("error"));
        assert!(eval("days(9223372036854775807) + days(1)").starts_with("error"));
        assert!(eval("days(-9223372036854775807) - days(2)").starts_with("error"));
        assert!(
            eval(r#"date("2025-01-01") - days(-9223372036854775807 - 1)"#).starts_with("error")
        );
        assert!(
            eval(r#"date("2025-01-01") - months(-9223372036854775807 - 1)"#).starts_with("error")
        );
        check(r#"`${date("2025-03-31") - months(-1)}`"#, "2025-04-30");
        check(r#"`${date("2025-03-01") - days(-1)}`"#, "2025-03-02");
    }
}
