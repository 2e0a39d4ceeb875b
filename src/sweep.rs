//! Sweeping a scenario over one or two parameters: the scenario is
//! evaluated at every point of a range — a numeric field of an event, an
//! event's date, the event present or absent, the judgement date — and
//! each response's status is recorded, so that the points where it
//! changes (its flips) can be read off: `secondary-tariffs` fires when
//! `ultimatum-50-days.days <= 50`.
//!
//! A parameter is written as a SPEC (`--vary`): `EVENT_ID.FIELD=LO..HI[:STEP]`
//! (nested fields with dots), `EVENT_ID.date=D1..D2[:Nd]`,
//! `EVENT_ID=present|absent`, `as_of=D1..D2[:Nd]`. Each point is an
//! [`Edit`] of the scenario; the points are
//! evaluated on the worker pool in batches and kept in point order, so the
//! result does not depend on the number of threads.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic};
use crate::eval::Statuses;
use crate::outcome::{Outcome, Status, iso};
use crate::rules::RuleSet;
use crate::runner;
use crate::scenario::Scenario;
use crate::scenario::edit::{self, Edit};
use crate::value::Value;

/// The most points one sweep evaluates (the product of its parameters'
/// values): a 100 × 100 grid, or a 200 × 200 one, fits.
pub const MAX_POINTS: usize = 40_000;

/// The most parameters a sweep varies.
pub const MAX_PARAMETERS: usize = 2;

/// Points evaluated per item handed to a worker thread: enough that the
/// hand-over costs little beside the evaluations.
const BATCH: usize = 64;

/// What evaluates edited scenarios: the library's engine, on any thread.
pub trait Evaluator: Sync {
    /// The rules, for the responses' ids and order.
    fn rule_set(&self) -> &RuleSet;
    /// Each response's status in plan order.
    fn statuses(&self, sc: &Arc<Scenario>, as_of: NaiveDate) -> Statuses;
    /// The full outcome, with rules and reasons.
    fn outcome(&self, sc: &Arc<Scenario>, as_of: NaiveDate) -> Outcome;
}

/// One value of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Level {
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A day.
    Date(#[serde(serialize_with = "iso")] NaiveDate),
    /// The event is there (`present`) or not (`absent`).
    Presence(Presence),
}

/// An event present or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// The event as the file has it.
    Present,
    /// The event dropped.
    Absent,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::Int(n) => write!(f, "{n}"),
            Level::Float(x) => write!(f, "{x}"),
            Level::Date(d) => write!(f, "{d}"),
            Level::Presence(Presence::Present) => f.write_str("present"),
            Level::Presence(Presence::Absent) => f.write_str("absent"),
        }
    }
}

/// What a parameter changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A field of an event (`date`: the event's day).
    Field {
        /// The event's id.
        event: String,
        /// The path to the field, outermost first.
        field: Vec<String>,
    },
    /// Whether an event is there.
    Presence {
        /// The event's id.
        event: String,
    },
    /// The judgement date.
    AsOf,
}

/// One `--vary` parameter: its name as written, what it changes and the
/// values it takes, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// `ultimatum-50-days.days`, `round-2`, `as_of`.
    pub name: String,
    /// What it changes.
    pub target: Target,
    /// Its values, in the order swept.
    pub values: Vec<Level>,
}

impl Parameter {
    /// The edit that gives this parameter `level` (`None`: the scenario
    /// as it is).
    pub fn edit(&self, level: &Level) -> Option<Edit> {
        match (&self.target, level) {
            (Target::AsOf, Level::Date(d)) => Some(Edit::AsOf(*d)),
            (Target::Presence { event }, Level::Presence(Presence::Absent)) => Some(Edit::Drop {
                event: event.clone(),
            }),
            (Target::Presence { .. }, _) => None,
            (Target::Field { event, field }, Level::Date(d))
                if field.len() == 1 && field[0] == "date" =>
            {
                Some(Edit::Move {
                    event: event.clone(),
                    date: *d,
                })
            }
            (Target::Field { event, field }, l) => Some(Edit::Set {
                event: event.clone(),
                field: field.clone(),
                value: match l {
                    Level::Int(n) => Value::Int(*n),
                    Level::Float(x) => Value::Float(*x),
                    Level::Date(d) => Value::Date(*d),
                    Level::Presence(_) => return None,
                },
            }),
            (Target::AsOf, _) => None,
        }
    }
}

/// One evaluated point: the parameters' values and what fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// One value per parameter, in parameter order.
    pub values: Vec<Level>,
    /// Each response's status, index-aligned with [`Sweep::responses`].
    #[serde(skip)]
    pub statuses: Vec<Status>,
    /// The responses that fire, sorted.
    pub fired: Vec<String>,
    /// The responses a rule of which errored, sorted.
    pub errors: Vec<String>,
}

/// One side of a flip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The parameter's value.
    pub value: Level,
    /// The response's status there.
    pub status: Status,
}

/// A response changing status between two neighbouring values of one
/// parameter (the other, if any, held at `at`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flip {
    /// The response's id.
    pub response: String,
    /// The parameter that moves.
    pub parameter: String,
    /// The lower value and the status there.
    pub from: Side,
    /// The next value and the status there.
    pub to: Side,
    /// With two parameters, the other one, held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Held>,
}

/// The parameter held while another moves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Held {
    /// Its name.
    pub parameter: String,
    /// Its value.
    pub value: Level,
}

/// A scenario swept over its parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// The scenario's id.
    pub id: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Its title.
    pub title: String,
    /// Its own judgement date (a point may judge at another, with `as_of`).
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// The parameters, one or two.
    pub parameters: Vec<Parameter>,
    /// Every response with rules, sorted by id.
    pub responses: Vec<String>,
    /// Every point, the last parameter varying fastest.
    pub points: Vec<Point>,
    /// Every change of status between neighbouring points, by response,
    /// then parameter, then point order.
    pub flips: Vec<Flip>,
}

impl Sweep {
    /// The statuses of `response` (its index in `responses`) along the
    /// first parameter, with the second held at its `j`-th value (or
    /// along the only one).
    pub fn column(&self, response: usize, j: usize) -> Vec<Status> {
        let n2 = self.parameters.get(1).map_or(1, |p| p.values.len());
        (0..self.parameters[0].values.len())
            .map(|i| self.points[i * n2 + j].statuses[response])
            .collect()
    }

    /// Whether `response` (its index) has the same status at every point.
    pub fn constant(&self, response: usize) -> bool {
        let first = self.points.first().map(|p| p.statuses[response]);
        self.points
            .iter()
            .all(|p| Some(p.statuses[response]) == first)
    }

    /// Whether a rule errored at any point.
    pub fn has_errors(&self) -> bool {
        self.points.iter().any(|p| !p.errors.is_empty())
    }
}

/// A spec's mistake, for the command line's argument.
fn bad(spec: &str, why: impl fmt::Display, help: &str) -> Diagnostic {
    Diagnostic::error(None, format!("--vary `{spec}`: {why}"))
        .with_code(Code::InvalidVarySpec)
        .with_help(help)
}

const SHAPES: &str = "write EVENT_ID.FIELD=LO..HI[:STEP], EVENT_ID.date=D1..D2[:Nd], EVENT_ID=present|absent or as_of=D1..D2[:Nd]";

fn date(s: &str) -> Option<NaiveDate> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    if ok {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    } else {
        None
    }
}

/// Digits after the point in a number as written, for rounding sums of
/// floats back to what the user wrote (0.1 + 0.2 → 0.3).
fn decimals(s: &str) -> i32 {
    s.split_once('.').map_or(0, |(_, f)| f.len() as i32)
}

/// The values of `LO..HI[:STEP]`.
fn range(spec: &str, value: &str) -> Result<Vec<Level>, Diagnostic> {
    let (span, step) = match value.split_once(':') {
        Some((a, b)) => (a, Some(b.trim())),
        None => (value, None),
    };
    let Some((lo, hi)) = span.split_once("..") else {
        return Err(bad(spec, format!("`{value}` is not a range"), SHAPES));
    };
    let (lo, hi) = (lo.trim(), hi.trim());
    if let (Some(d1), Some(d2)) = (date(lo), date(hi)) {
        return dates(spec, d1, d2, step);
    }
    if date(lo).is_some() || date(hi).is_some() {
        return Err(bad(
            spec,
            format!("`{value}` mixes a date and something else"),
            "write both ends as YYYY-MM-DD dates, or both as numbers",
        ));
    }
    let too_many = |n: u128| {
        bad(
            spec,
            format!("the range has {n} values, more than a sweep evaluates ({MAX_POINTS})"),
            "use a larger step (`:STEP`) or a shorter range",
        )
        .with_code(Code::TooManyPoints)
    };
    if let (Ok(a), Ok(b), Ok(s)) = (
        lo.parse::<i64>(),
        hi.parse::<i64>(),
        step.map_or(Ok(1), str::parse::<i64>),
    ) {
        if s <= 0 {
            return Err(bad(
                spec,
                format!("the step is {s}"),
                "give a step above 0, such as `:1`",
            ));
        }
        if a > b {
            return Err(bad(
                spec,
                format!("the range is empty ({a} is above {b})"),
                "write the lower end first: LO..HI",
            ));
        }
        let n = (i128::from(b) - i128::from(a)) / i128::from(s) + 1;
        if n as u128 > MAX_POINTS as u128 {
            return Err(too_many(n as u128));
        }
        return Ok((0..n as i64).map(|i| Level::Int(a + i * s)).collect());
    }
    let num = |t: &str| t.parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(a), Some(b)) = (num(lo), num(hi)) else {
        return Err(bad(
            spec,
            format!("`{value}` is not a range of numbers or dates"),
            SHAPES,
        ));
    };
    let s = match step {
        None => 1.0,
        Some(t) => num(t).ok_or_else(|| {
            bad(
                spec,
                format!("the step `{t}` is not a number"),
                "write the step as a number, such as `:0.5`",
            )
        })?,
    };
    if s <= 0.0 {
        return Err(bad(
            spec,
            format!("the step is {s}"),
            "give a step above 0, such as `:0.5`",
        ));
    }
    if a > b {
        return Err(bad(
            spec,
            format!("the range is empty ({a} is above {b})"),
            "write the lower end first: LO..HI",
        ));
    }
    let n = ((b - a) / s + 1e-9).floor() + 1.0;
    if n > MAX_POINTS as f64 {
        return Err(too_many(n as u128));
    }
    let places = decimals(lo)
        .max(decimals(hi))
        .max(step.map_or(0, decimals))
        .min(12);
    let scale = 10f64.powi(places);
    Ok((0..n as i64)
        .map(|i| Level::Float(((a + i as f64 * s) * scale).round() / scale))
        .collect())
}

/// The days of `D1..D2[:Nd]`.
fn dates(
    spec: &str,
    d1: NaiveDate,
    d2: NaiveDate,
    step: Option<&str>,
) -> Result<Vec<Level>, Diagnostic> {
    let step = match step {
        None => 1,
        Some(t) => t
            .strip_suffix('d')
            .unwrap_or(t)
            .parse::<i64>()
            .map_err(|_| {
                bad(
                    spec,
                    format!("the step `{t}` is not a number of days"),
                    "write the step as days, such as `:7d`",
                )
            })?,
    };
    if step <= 0 {
        return Err(bad(
            spec,
            format!("the step is {step} days"),
            "give a step of at least one day, such as `:1d`",
        ));
    }
    if d1 > d2 {
        return Err(bad(
            spec,
            format!("the dates are reversed ({d1} is after {d2})"),
            "write the earlier date first: D1..D2",
        ));
    }
    let n = (d2 - d1).num_days() / step + 1;
    if n > MAX_POINTS as i64 {
        return Err(bad(
            spec,
            format!("the range has {n} days, more than a sweep evaluates ({MAX_POINTS})"),
            "use a larger step (`:7d`) or a shorter range",
        )
        .with_code(Code::TooManyPoints));
    }
    Ok((0..n)
        .filter_map(|i| d1.checked_add_days(Days::new((i * step) as u64)))
        .map(Level::Date)
        .collect())
}

/// Reads one `--vary` SPEC against the scenario: the event ids and fields
/// it names must exist and hold values of the range's type.
pub fn parameter(spec: &str, sc: &Scenario) -> Result<Parameter, Diagnostic> {
    let Some((name, value)) = spec.split_once('=') else {
        return Err(bad(spec, "there is no `=`", SHAPES));
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || value.is_empty() {
        return Err(bad(spec, "a name and a value are needed", SHAPES));
    }
    let p = if name == "as_of" {
        let values = range(spec, value)?;
        if !matches!(values.first(), Some(Level::Date(_))) {
            return Err(bad(
                spec,
                "`as_of` is a date",
                "write as_of=D1..D2[:Nd], such as as_of=2025-08-01..2025-08-31",
            ));
        }
        Parameter {
            name: name.to_string(),
            target: Target::AsOf,
            values,
        }
    } else if !value.contains("..") {
        let mut values = Vec::new();
        for v in value.split('|') {
            values.push(Level::Presence(match v.trim() {
                "present" => Presence::Present,
                "absent" => Presence::Absent,
                other => {
                    return Err(bad(
                        spec,
                        format!("`{other}` is neither `present` nor `absent`, nor a range"),
                        SHAPES,
                    ));
                }
            }));
        }
        // `present|absent` names an event, dots and all.
        edit::find(sc, name)?;
        Parameter {
            name: name.to_string(),
            target: Target::Presence {
                event: name.to_string(),
            },
            values,
        }
    } else {
        let (event, field) = split_name(name, sc)?;
        let values = range(spec, value)?;
        Parameter {
            name: name.to_string(),
            target: Target::Field { event, field },
            values,
        }
    };
    // The ends must apply: the field exists and takes the range's type.
    for level in [p.values.first(), p.values.last()].into_iter().flatten() {
        if let Some(e) = p.edit(level) {
            edit::apply(sc, &[e])?;
        }
    }
    Ok(p)
}

/// `EVENT_ID.FIELD…`: the longest prefix before a dot that is an event id
/// (ids may hold dots), and the field path after it.
fn split_name(name: &str, sc: &Scenario) -> Result<(String, Vec<String>), Diagnostic> {
    let dots: Vec<usize> = name.match_indices('.').map(|(i, _)| i).collect();
    let field =
        |at: usize| -> Vec<String> { name[at + 1..].split('.').map(str::to_string).collect() };
    for &at in dots.iter().rev() {
        if edit::find(sc, &name[..at]).is_ok() {
            let f = field(at);
            if f.iter().any(String::is_empty) {
                break;
            }
            return Ok((name[..at].to_string(), f));
        }
    }
    match dots.first() {
        Some(&at) if !name[at + 1..].is_empty() => {
            // The id's own error, with its did-you-mean.
            edit::find(sc, &name[..at])?;
            Ok((name[..at].to_string(), field(at)))
        }
        _ => Err(bad(
            name,
            "a range needs a field of an event: EVENT_ID.FIELD",
            SHAPES,
        )),
    }
}

/// Sweeps `sc` over `params` (one or two), evaluating the points on
/// `jobs` threads.
pub fn sweep(
    ev: &impl Evaluator,
    sc: &Arc<Scenario>,
    params: Vec<Parameter>,
    jobs: usize,
) -> Result<Sweep, Diagnostic> {
    if params.is_empty() || params.len() > MAX_PARAMETERS {
        return Err(bad(
            "",
            format!(
                "a sweep varies 1 or {MAX_PARAMETERS} parameters, not {}",
                params.len()
            ),
            "give --vary once or twice",
        ));
    }
    let total = params
        .iter()
        .try_fold(1usize, |n, p| n.checked_mul(p.values.len()))
        .unwrap_or(usize::MAX);
    if total > MAX_POINTS {
        let sizes: Vec<String> = params.iter().map(|p| p.values.len().to_string()).collect();
        return Err(Diagnostic::error(
            None,
            format!(
                "the sweep has {} = {total} points, more than it evaluates ({MAX_POINTS})",
                sizes.join(" × ")
            ),
        )
        .with_code(Code::TooManyPoints)
        .with_help("use larger steps (`:STEP`, `:7d`) or shorter ranges"));
    }
    if params.len() == 2 && params[0].target == params[1].target {
        return Err(bad(
            &params[1].name,
            "both parameters change the same thing",
            "vary two different things",
        ));
    }
    let set = ev.rule_set();
    // Plan order to id order, once.
    let mut order: Vec<(usize, &str)> = set
        .plan
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (i, &**id))
        .collect();
    order.sort_by(|a, b| a.1.cmp(b.1));
    let responses: Vec<String> = order.iter().map(|(_, id)| id.to_string()).collect();
    let n2 = params.get(1).map_or(1, |p| p.values.len());
    let levels = |k: usize| -> Vec<Level> {
        let mut v = vec![params[0].values[k / n2].clone()];
        if let Some(p) = params.get(1) {
            v.push(p.values[k % n2].clone());
        }
        v
    };
    let starts: Vec<usize> = (0..total).step_by(BATCH).collect();
    let mut points: Vec<Point> = Vec::with_capacity(total);
    let mut failed: Option<Diagnostic> = None;
    runner::stream(
        || (),
        starts.into_iter(),
        jobs,
        |_, start| -> Result<Vec<Point>, Diagnostic> {
            (start..(start + BATCH).min(total))
                .map(|k| {
                    let values = levels(k);
                    let edits: Vec<Edit> = params
                        .iter()
                        .zip(&values)
                        .filter_map(|(p, l)| p.edit(l))
                        .collect();
                    let edited = Arc::new(edit::apply(sc, &edits)?);
                    let got = ev.statuses(&edited, edited.as_of);
                    let statuses: Vec<Status> = order
                        .iter()
                        .map(|&(i, _)| got.statuses.get(i).copied().unwrap_or(Status::Error))
                        .collect();
                    let with = |s: Status| {
                        statuses
                            .iter()
                            .zip(&responses)
                            .filter(|(x, _)| **x == s)
                            .map(|(_, id)| id.clone())
                            .collect()
                    };
                    Ok(Point {
                        fired: with(Status::Fires),
                        errors: with(Status::Error),
                        values,
                        statuses,
                    })
                })
                .collect()
        },
        |r| match r {
            Ok(batch) => points.extend(batch),
            Err(d) => {
                failed.get_or_insert(d);
            }
        },
    );
    if let Some(d) = failed {
        return Err(d);
    }
    let mut out = Sweep {
        id: sc.id.clone(),
        file: sc.file.clone(),
        title: sc.title.clone(),
        as_of: sc.as_of,
        parameters: params,
        responses,
        points,
        flips: Vec::new(),
    };
    out.flips = flips(&out);
    Ok(out)
}

/// Every change of status between neighbouring points along each
/// parameter.
fn flips(s: &Sweep) -> Vec<Flip> {
    let n1 = s.parameters[0].values.len();
    let n2 = s.parameters.get(1).map_or(1, |p| p.values.len());
    let mut out = Vec::new();
    for (r, id) in s.responses.iter().enumerate() {
        let status = |i: usize, j: usize| s.points[i * n2 + j].statuses[r];
        // Along the first parameter, the second held.
        for j in 0..n2 {
            for i in 1..n1 {
                let (a, b) = (status(i - 1, j), status(i, j));
                if a != b {
                    out.push(Flip {
                        response: id.clone(),
                        parameter: s.parameters[0].name.clone(),
                        from: Side {
                            value: s.parameters[0].values[i - 1].clone(),
                            status: a,
                        },
                        to: Side {
                            value: s.parameters[0].values[i].clone(),
                            status: b,
                        },
                        at: s.parameters.get(1).map(|p| Held {
                            parameter: p.name.clone(),
                            value: p.values[j].clone(),
                        }),
                    });
                }
            }
        }
        // Along the second, the first held.
        if let Some(p2) = s.parameters.get(1) {
            for i in 0..n1 {
                for j in 1..n2 {
                    let (a, b) = (status(i, j - 1), status(i, j));
                    if a != b {
                        out.push(Flip {
                            response: id.clone(),
                            parameter: p2.name.clone(),
                            from: Side {
                                value: p2.values[j - 1].clone(),
                                status: a,
                            },
                            to: Side {
                                value: p2.values[j].clone(),
                                status: b,
                            },
                            at: Some(Held {
                                parameter: s.parameters[0].name.clone(),
                                value: s.parameters[0].values[i].clone(),
                            }),
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::scenario;

    const TEXT: &str = "[scenario]\ntitle = \"t\"\nas_of = 2025-09-03\n\
        [[events]]\nid = \"u\"\nkind = \"ultimatum\"\ndate = 2025-07-14\ndays = 50\nnote = \"x\"\n";

    #[test]
    fn specs_read_as_ranges_of_their_type() {
        let sc = scenario(TEXT);
        let p = parameter("u.days=40..60:5", &sc).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(p.values, [40, 45, 50, 55, 60].map(Level::Int));
        let p = parameter("u.days=0.1..0.3:0.1", &sc).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(p.values, [0.1, 0.2, 0.3].map(Level::Float));
        let p = parameter("as_of=2025-08-01..2025-08-15:7d", &sc).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(p.values.len(), 3);
        assert_eq!(p.values[2].to_string(), "2025-08-15");
        let p = parameter("u=present|absent", &sc).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(p.edit(&p.values[1]), Some(Edit::Drop { event: "u".into() }));
        let p = parameter("u.date=2025-07-01..2025-07-02", &sc).unwrap_or_else(|d| panic!("{d}"));
        assert!(matches!(p.edit(&p.values[0]), Some(Edit::Move { .. })));
    }

    #[test]
    fn a_sweep_finds_where_a_deadline_passes_at_any_thread_count() {
        let e = crate::Engine::builder()
            .catalogue("[a]\ntitle = \"A\"\ncategory = \"c\"\nseverity = 1\n")
            .rule(
                "r",
                "const RESPONSE = \"a\";\nfn fires(s) { let u = s.latest(\"ultimatum\"); u != () && s.as_of > u.date + days(u.days) }\n",
            )
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let sc = scenario(TEXT);
        let specs = ["u.days=48..52", "as_of=2025-09-02..2025-09-04"];
        let s = e.sweep(&sc, &specs, 2).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(s.points.len(), 15);
        // 50 days from 2025-07-14 is 2025-09-02: passed on 2025-09-03.
        let at = |days: i64, d: &str| {
            s.points
                .iter()
                .find(|p| p.values[0] == Level::Int(days) && p.values[1].to_string() == d)
                .map(|p| p.fired.clone())
        };
        assert_eq!(at(50, "2025-09-03"), Some(vec!["a".to_string()]));
        assert_eq!(at(51, "2025-09-03"), Some(vec![]));
        let first = &s.flips[0];
        assert_eq!(
            (first.from.status, first.to.status),
            (Status::Fires, Status::Quiet)
        );
        let one = e.sweep(&sc, &specs, 1).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(one.points, s.points);
        assert_eq!(one.flips, s.flips);
    }

    #[test]
    fn bad_specs_are_refused_with_their_code() {
        let sc = scenario(TEXT);
        for (spec, code, text) in [
            ("u.days", Code::InvalidVarySpec, "no `=`"),
            ("u.days=5..1", Code::InvalidVarySpec, "empty"),
            ("u.days=1..5:0", Code::InvalidVarySpec, "step is 0"),
            (
                "as_of=2025-08-02..2025-08-01",
                Code::InvalidVarySpec,
                "reversed",
            ),
            (
                "as_of=2025-08-01..2025-08-02:0d",
                Code::InvalidVarySpec,
                "step is 0",
            ),
            ("u.days=1..x", Code::InvalidVarySpec, "not a range"),
            ("u.days=0..100000", Code::TooManyPoints, "more than"),
            (
                "v.days=1..5",
                Code::EditUnknownEvent,
                "no event with id `v`",
            ),
            (
                "u.note=1..5",
                Code::EditFieldType,
                "is a string, not a number",
            ),
            (
                "u.days=2025-01-01..2025-01-02",
                Code::EditFieldType,
                "not a date",
            ),
            ("u.dayz=1..2", Code::EditFieldType, "no field `dayz`"),
            ("w=absent", Code::EditUnknownEvent, "no event"),
            ("u=maybe", Code::InvalidVarySpec, "neither"),
        ] {
            let d = parameter(spec, &sc).err();
            let d = d.unwrap_or_else(|| panic!("{spec}: accepted"));
            assert_eq!(d.code, Some(code), "{spec}: {d}");
            assert!(d.message.contains(text), "{spec}: {d}");
        }
    }
}
