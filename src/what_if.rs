//! What would it take to flip a response? The smallest edits to a
//! scenario that make a response that fires go quiet, or a quiet one fire:
//! drop one event, flip a boolean field, move a number past a threshold
//! the rules compare it with, move an event's date, a date field (a
//! deadline) or the judgement date.
//!
//! The search is bounded and deterministic. Candidate values:
//! - numbers: each numeric literal `n` in the text of the rules that name
//!   the event's kind (and of the helpers they import) gives `n - 1`, `n`
//!   and `n + 1`; with 0, and the event's age in days at the judgement
//!   date ± 1. A simple scan of the scripts' text, not an analysis: a
//!   threshold computed at run time is missed;
//! - dates: the day before, of and after every event's date, every date
//!   field, every `"YYYY-MM-DD"` in the rules, each event's date plus a
//!   whole number of days found in the rules or in that event's fields,
//!   and the judgement date minus such a number.
//!
//! Each field or date keeps its [`PER_TARGET`] candidates nearest to its
//! current value; at most [`MAX_SINGLES`] single edits are tried, drops
//! first, then boolean flips, numbers, event dates and the judgement
//! date. A target's reported edits are its nearest that flip, one below
//! and one above the current value. Pairs (`max_edits` 2) combine up to
//! [`PAIR_POOL`] single edits that do not flip alone — drops, boolean
//! flips, and each number's or date's farthest candidate either way — so
//! at most 2,016 pairs are tried; in the first [`REFINED_PAIRS`] pairs
//! that flip, each number or date is then walked in to its nearest value
//! that still flips with its partner.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::outcome::{Status, iso};
use crate::outlook::{becomes, cause};
use crate::rules::RuleSet;
use crate::runner;
use crate::scenario::edit::{self, Edit};
use crate::scenario::{Event, Scenario};
use crate::sweep::Evaluator;
use crate::value::{Table, Value};

/// The default and largest number of edits combined.
pub const MAX_EDITS: usize = 2;

/// Candidate values kept per field or date: the nearest to its current
/// value.
pub const PER_TARGET: usize = 64;

/// The most single edits tried.
pub const MAX_SINGLES: usize = 5_000;

/// The most single edits combined into pairs (64 × 63 / 2 = 2,016 pairs).
pub const PAIR_POOL: usize = 64;

/// Pairs found whose number or date is walked in from its farthest
/// candidate to the nearest value that still flips (at most 64 more
/// evaluations each per edit).
pub const REFINED_PAIRS: usize = 100;

/// Edit sets evaluated per item handed to a worker thread.
const BATCH: usize = 32;

/// What to ask.
#[derive(Debug, Clone)]
pub struct Options {
    /// The response to flip.
    pub response: String,
    /// 1 (single edits) or 2 (single edits, then pairs).
    pub max_edits: usize,
    /// Worker threads.
    pub jobs: usize,
}

/// An edit set that flips the response.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// The edits, applied together.
    pub edits: Vec<Edit>,
    /// The response's new status.
    pub status: Status,
    /// The rule that decides it now: the first that fires when it fires,
    /// else the one that fired before.
    pub rule: Option<String>,
    /// What that rule says now.
    pub reason: Option<String>,
}

/// The answer for one scenario and response.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    /// The scenario's id.
    pub id: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Its title.
    pub title: String,
    /// Its judgement date.
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// The response asked about.
    pub response: String,
    /// Its status as the scenario stands.
    pub status: Status,
    /// The rule that decides it as the scenario stands.
    pub rule: Option<String>,
    /// What that rule says.
    pub reason: Option<String>,
    /// The status searched for: `quiet` for a response that fires,
    /// else `fires`.
    pub wanted: Status,
    /// The largest edit set tried (1 or 2).
    pub max_edits: usize,
    /// Single edits tried.
    pub singles_tried: usize,
    /// Pairs tried.
    pub pairs_tried: usize,
    /// Whether candidates were left out at [`MAX_SINGLES`].
    pub truncated: bool,
    /// The edit sets that flip it: single edits first, then pairs.
    pub found: Vec<Found>,
}

/// One candidate single edit, with what it changes for grouping.
struct Candidate {
    edit: Edit,
    /// Index of its target in the list of targets.
    target: usize,
    /// -1 below the current value, 1 above, 0 neither (a drop, a flip).
    side: i8,
}

/// Numeric literals and `"YYYY-MM-DD"` strings in a script's text.
#[derive(Default)]
struct Literals {
    numbers: BTreeSet<i64>,
    floats: Vec<f64>,
    dates: BTreeSet<NaiveDate>,
}

fn scan(text: &str, out: &mut Literals) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'"' || c == b'`' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            if let Some(s) = text.get(start..i.min(b.len()))
                && s.len() == 10
                && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            {
                out.dates.insert(d);
            }
            i += 1;
        } else if c.is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
            let mut float = false;
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                float = true;
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                    i += 1;
                }
            }
            let s: String = text[start..i].chars().filter(|&ch| ch != '_').collect();
            if float {
                if let Ok(x) = s.parse::<f64>() {
                    out.floats.push(x);
                }
            } else if let Ok(n) = s.parse::<i64>()
                && n < 1_000_000_000
            {
                out.numbers.insert(n);
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

/// The literals of the rules that name `kind` (every rule for `None`)
/// and of the helpers they import.
fn literals(set: &RuleSet, kind: Option<&str>) -> Literals {
    let mut out = Literals::default();
    let quoted = kind.map(|k| format!("\"{k}\""));
    let helpers = |r: &crate::rules::Rule| {
        set.helpers
            .iter()
            .filter(|h| r.imports.contains(&h.name))
            .map(|h| h.source.text.clone())
            .collect::<Vec<_>>()
    };
    for r in &set.rules {
        let mut texts = vec![r.source.text.clone()];
        texts.extend(helpers(r));
        let reads = match &quoted {
            None => true,
            Some(q) => texts.iter().any(|t| t.contains(q.as_str())),
        };
        if reads {
            for t in &texts {
                scan(t, &mut out);
            }
        }
    }
    out
}

/// Every date-valued field of a table, nested tables included.
fn date_fields(t: &Table, out: &mut BTreeSet<NaiveDate>) {
    for (_, v) in &t.fields {
        match v {
            Value::Date(d) => {
                out.insert(*d);
            }
            Value::Table(inner) => date_fields(inner, out),
            _ => {}
        }
    }
}

/// The paths and values of an event's boolean, numeric and date fields,
/// nested tables included, in file order (`kind`, `date` and `id` left
/// out).
fn fields(t: &Table, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    for (k, v) in &t.fields {
        if prefix.is_empty() && matches!(&**k, "kind" | "date" | "id") {
            continue;
        }
        match v {
            Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Date(_) => {
                let mut p = prefix.clone();
                p.push(k.to_string());
                out.push((p, v.clone()));
            }
            Value::Table(inner) => {
                prefix.push(k.to_string());
                fields(inner, prefix, out);
                prefix.pop();
            }
            _ => {}
        }
    }
}

fn shift(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    }
}

/// Dates that matter for the scenario, each with the day before and
/// after.
fn candidate_dates(sc: &Scenario, all: &Literals) -> BTreeSet<NaiveDate> {
    let days: Vec<i64> = all
        .numbers
        .iter()
        .copied()
        .filter(|n| (1..=3653).contains(n))
        .collect();
    let mut base: BTreeSet<NaiveDate> = all.dates.clone();
    for e in &sc.events {
        base.insert(e.date);
        date_fields(&e.fields, &mut base);
        let mut own = days.clone();
        let mut fs = Vec::new();
        fields(&e.fields, &mut Vec::new(), &mut fs);
        own.extend(fs.iter().filter_map(|(_, v)| match v {
            Value::Int(n) if (1..=3653).contains(n) => Some(*n),
            _ => None,
        }));
        base.extend(own.iter().filter_map(|&n| shift(e.date, n)));
    }
    base.extend(days.iter().filter_map(|&n| shift(sc.as_of, -n)));
    base.iter()
        .flat_map(|&d| [shift(d, -1), Some(d), shift(d, 1)])
        .flatten()
        .collect()
}

/// The `PER_TARGET` values nearest to `now`, nearest first (then lower
/// first), with their side.
fn nearest<T: Copy + PartialOrd>(
    mut values: Vec<T>,
    now: T,
    distance: impl Fn(T) -> f64,
) -> Vec<(T, i8)> {
    values.retain(|v| *v != now);
    values.sort_by(|a, b| {
        distance(*a)
            .total_cmp(&distance(*b))
            .then(a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal))
    });
    values.dedup_by(|a, b| a == b);
    values.truncate(PER_TARGET);
    values
        .into_iter()
        .map(|v| (v, if v < now { -1 } else { 1 }))
        .collect()
}

/// Every candidate single edit, in the order tried.
fn candidates(set: &RuleSet, sc: &Scenario) -> (Vec<Candidate>, usize) {
    let mut drops = Vec::new();
    let mut bools = Vec::new();
    let mut numbers = Vec::new();
    let mut dates = Vec::new();
    let all = literals(set, None);
    let when = candidate_dates(sc, &all);
    let mut targets = 0;
    let mut next = || {
        targets += 1;
        targets - 1
    };
    let named: Vec<&Event> = sc.events.iter().filter(|e| e.id.is_some()).collect();
    for e in &named {
        let id = e.id.clone().unwrap_or_default();
        drops.push(Candidate {
            edit: Edit::Drop { event: id.clone() },
            target: next(),
            side: 0,
        });
        let lits = literals(set, Some(&*e.kind));
        let mut fs = Vec::new();
        fields(&e.fields, &mut Vec::new(), &mut fs);
        for (path, v) in fs {
            let set_to = |value: Value| Edit::Set {
                event: id.clone(),
                field: path.clone(),
                value,
            };
            match v {
                Value::Bool(b) => bools.push(Candidate {
                    edit: set_to(Value::Bool(!b)),
                    target: next(),
                    side: 0,
                }),
                Value::Int(now) => {
                    let age = (sc.as_of - e.date).num_days();
                    let vals: Vec<i64> = lits
                        .numbers
                        .iter()
                        .chain(&[0, age])
                        .flat_map(|&n| [n.saturating_sub(1), n, n.saturating_add(1)])
                        .chain(
                            lits.floats
                                .iter()
                                .flat_map(|x| [x.floor() as i64, x.ceil() as i64]),
                        )
                        .collect();
                    let t = next();
                    for (n, side) in nearest(vals, now, |n| (n as f64 - now as f64).abs()) {
                        numbers.push(Candidate {
                            edit: set_to(Value::Int(n)),
                            target: t,
                            side,
                        });
                    }
                }
                Value::Float(now) => {
                    let vals: Vec<f64> = lits
                        .numbers
                        .iter()
                        .map(|&n| n as f64)
                        .chain(lits.floats.iter().copied())
                        .chain([0.0])
                        .flat_map(|x| [x - 1.0, x, x + 1.0])
                        .collect();
                    let t = next();
                    for (x, side) in nearest(vals, now, |x| (x - now).abs()) {
                        numbers.push(Candidate {
                            edit: set_to(Value::Float(x)),
                            target: t,
                            side,
                        });
                    }
                }
                Value::Date(now) => {
                    let t = next();
                    let ds: Vec<NaiveDate> = when.iter().copied().collect();
                    for (d, side) in nearest(ds, now, |d| (d - now).num_days().abs() as f64) {
                        dates.push(Candidate {
                            edit: set_to(Value::Date(d)),
                            target: t,
                            side,
                        });
                    }
                }
                _ => {}
            }
        }
        let t = next();
        let ds: Vec<NaiveDate> = when.iter().copied().collect();
        for (d, side) in nearest(ds, e.date, |d| (d - e.date).num_days().abs() as f64) {
            dates.push(Candidate {
                edit: Edit::Move {
                    event: id.clone(),
                    date: d,
                },
                target: t,
                side,
            });
        }
    }
    let t = next();
    let ds: Vec<NaiveDate> = when.iter().copied().collect();
    for (d, side) in nearest(ds, sc.as_of, |d| (d - sc.as_of).num_days().abs() as f64) {
        dates.push(Candidate {
            edit: Edit::AsOf(d),
            target: t,
            side,
        });
    }
    let mut all: Vec<Candidate> = drops;
    all.extend(bools);
    all.extend(numbers);
    all.extend(dates);
    let total = all.len();
    all.truncate(MAX_SINGLES);
    (all, total)
}

/// The response's status under each edit set, in order, on `jobs` threads.
fn statuses(
    ev: &impl Evaluator,
    sc: &Arc<Scenario>,
    position: usize,
    sets: &[Vec<Edit>],
    jobs: usize,
) -> Vec<Option<Status>> {
    let starts: Vec<usize> = (0..sets.len()).step_by(BATCH).collect();
    let mut out = Vec::with_capacity(sets.len());
    runner::stream(
        || (),
        starts.into_iter(),
        jobs,
        |_, start| {
            sets[start..(start + BATCH).min(sets.len())]
                .iter()
                .map(|edits| {
                    // An edit set that cannot apply (an event dropped and
                    // edited) is no answer.
                    let edited = Arc::new(edit::apply(sc, edits).ok()?);
                    ev.statuses(&edited, edited.as_of)
                        .statuses
                        .get(position)
                        .copied()
                })
                .collect::<Vec<_>>()
        },
        |batch| out.extend(batch),
    );
    out
}

/// Searches for the edit sets that flip `opts.response` in `sc`.
pub fn what_if(
    ev: &impl Evaluator,
    sc: &Arc<Scenario>,
    opts: &Options,
) -> Result<WhatIf, Diagnostic> {
    let set = ev.rule_set();
    let response = opts.response.as_str();
    let Some(position) = set.plan.iter().position(|(id, _)| &**id == response) else {
        let ids = set.plan.iter().map(|(id, _)| &**id);
        return Err(Diagnostic::error(
            None,
            format!("no rule fires `{response}`: it is not a response of the rules"),
        )
        .with_code(Code::UnknownResponse)
        .with_help_opt(did_you_mean(response, ids)));
    };
    if opts.max_edits == 0 || opts.max_edits > MAX_EDITS {
        return Err(Diagnostic::error(
            None,
            format!(
                "cannot combine {} edits: give 1 or {MAX_EDITS}",
                opts.max_edits
            ),
        )
        .with_code(Code::InvalidOptions));
    }
    let before = ev.outcome(sc, sc.as_of);
    let status = before
        .response(response)
        .map_or(Status::Quiet, |r| r.status);
    let (rule, reason) = cause(&before, None, response, becomes(status));
    let wanted = if status == Status::Fires {
        Status::Quiet
    } else {
        Status::Fires
    };
    let (cands, total) = candidates(set, sc);
    let singles: Vec<Vec<Edit>> = cands.iter().map(|c| vec![c.edit.clone()]).collect();
    let got = statuses(ev, sc, position, &singles, opts.jobs);
    let flips = |s: &Option<Status>| *s == Some(wanted);
    // Per target and side, the nearest candidate that flips.
    let mut taken: BTreeSet<(usize, i8)> = BTreeSet::new();
    let mut hits: Vec<Vec<Edit>> = Vec::new();
    for (c, s) in cands.iter().zip(&got) {
        if flips(s) && taken.insert((c.target, c.side)) {
            hits.push(vec![c.edit.clone()]);
        }
    }
    let mut pairs_tried = 0;
    if opts.max_edits >= 2 {
        let flipped: BTreeSet<usize> = cands
            .iter()
            .zip(&got)
            .filter(|(_, s)| flips(s))
            .map(|(c, _)| c.target)
            .collect();
        // Drops and flips as they are; for a number or a date, its
        // farthest candidate either way, when none of its values flips
        // alone.
        let usable = |i: usize| got[i].is_some() && !flips(&got[i]);
        let mut pool: Vec<usize> = Vec::new();
        for (i, c) in cands.iter().enumerate() {
            if !usable(i) {
                continue;
            }
            let farthest = !(i + 1..cands.len())
                .any(|j| cands[j].target == c.target && cands[j].side == c.side && usable(j));
            if c.side == 0 || (farthest && !flipped.contains(&c.target)) {
                pool.push(i);
            }
        }
        pool.truncate(PAIR_POOL);
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (n, &i) in pool.iter().enumerate() {
            for &j in &pool[n + 1..] {
                let (a, b) = (&cands[i], &cands[j]);
                let same_event = a.edit.event().is_some() && a.edit.event() == b.edit.event();
                let dropped =
                    matches!(a.edit, Edit::Drop { .. }) || matches!(b.edit, Edit::Drop { .. });
                if a.target != b.target && !(same_event && dropped) {
                    pairs.push((i, j));
                }
            }
        }
        pairs_tried = pairs.len();
        let as_edits =
            |&(i, j): &(usize, usize)| vec![cands[i].edit.clone(), cands[j].edit.clone()];
        let sets: Vec<Vec<Edit>> = pairs.iter().map(as_edits).collect();
        let got2 = statuses(ev, sc, position, &sets, opts.jobs);
        let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (n, pair) in pairs
            .iter()
            .zip(&got2)
            .filter(|(_, s)| flips(s))
            .map(|(p, _)| *p)
            .enumerate()
        {
            // The farthest value flipped the pair: walk its target in from
            // the nearest for the smallest change that still does.
            let mut pair = pair;
            if n < REFINED_PAIRS {
                for part in 0..2 {
                    let k = if part == 0 { pair.0 } else { pair.1 };
                    let c = &cands[k];
                    if c.side == 0 {
                        continue;
                    }
                    let nearer: Vec<usize> = (0..k)
                        .filter(|&j| {
                            cands[j].target == c.target && cands[j].side == c.side && usable(j)
                        })
                        .collect();
                    let trials: Vec<(usize, usize)> = nearer
                        .iter()
                        .map(|&j| if part == 0 { (j, pair.1) } else { (pair.0, j) })
                        .collect();
                    let sets: Vec<Vec<Edit>> = trials.iter().map(as_edits).collect();
                    let got3 = statuses(ev, sc, position, &sets, opts.jobs);
                    if let Some(t) = trials.iter().zip(&got3).find(|(_, s)| flips(s)) {
                        pair = *t.0;
                    }
                }
            }
            if seen.insert(pair) {
                hits.push(as_edits(&pair));
            }
        }
    }
    let mut found = Vec::with_capacity(hits.len());
    for edits in hits {
        let Ok(edited) = edit::apply(sc, &edits) else {
            continue;
        };
        let edited = Arc::new(edited);
        let after = ev.outcome(&edited, edited.as_of);
        let now = after.response(response).map_or(Status::Quiet, |r| r.status);
        let (rule, reason) = cause(&after, Some(&before), response, becomes(now));
        found.push(Found {
            edits,
            status: now,
            rule,
            reason,
        });
    }
    Ok(WhatIf {
        id: sc.id.clone(),
        file: sc.file.clone(),
        title: sc.title.clone(),
        as_of: sc.as_of,
        response: response.to_string(),
        status,
        rule,
        reason,
        wanted,
        max_edits: opts.max_edits,
        singles_tried: cands.len(),
        pairs_tried,
        truncated: total > cands.len(),
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_finds_numbers_and_dates_outside_comments() {
        let mut l = Literals::default();
        scan(
            "// 999 in a comment\nconst N = 30;\nfn f(x2) { x2 > 1_000 && d >= date(\"2025-08-08\") && y < 2.5 } /* 7 */",
            &mut l,
        );
        assert_eq!(l.numbers.iter().copied().collect::<Vec<_>>(), [30, 1000]);
        assert_eq!(l.floats, [2.5]);
        assert_eq!(
            l.dates.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["2025-08-08"]
        );
    }

    fn engine(rule: &str) -> crate::Engine {
        crate::Engine::builder()
            .catalogue("[a]\ntitle = \"A\"\ncategory = \"c\"\nseverity = 1\n")
            .rule("r", rule)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_number_is_moved_just_past_the_rules_constant_and_a_flag_flipped() {
        let e = engine(
            "const RESPONSE = \"a\";\nconst MANY = 100;\nfn fires(s) { let x = s.latest(\"strike\"); x != () && x.drones > MANY && !x.claimed }\n",
        );
        let sc = crate::testutil::scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\
             [[events]]\nid = \"s1\"\nkind = \"strike\"\ndate = 2025-06-01\ndrones = 40\nclaimed = true\n",
        );
        let opts = Options {
            response: "a".into(),
            max_edits: 2,
            jobs: 2,
        };
        let w = what_if(&e, &sc, &opts).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!((w.status, w.wanted), (Status::Quiet, Status::Fires));
        // Neither alone: drones above 100 and the claim flipped, together,
        // with the number walked in to the first value past the constant.
        let texts: Vec<String> = w
            .found
            .iter()
            .map(|f| {
                f.edits
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect();
        assert_eq!(texts, ["s1.claimed = false + s1.drones = 101"], "{texts:?}");
        assert_eq!(w.found[0].status, Status::Fires);
        let again =
            what_if(&e, &sc, &Options { jobs: 1, ..opts }).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(again.singles_tried, w.singles_tried);
        assert_eq!(again.found.len(), w.found.len());
        let unknown = what_if(
            &e,
            &sc,
            &Options {
                response: "b".into(),
                max_edits: 2,
                jobs: 1,
            },
        )
        .err();
        assert_eq!(unknown.and_then(|d| d.code), Some(Code::UnknownResponse));
    }

    #[test]
    fn the_nearest_candidates_come_first_with_their_side() {
        let got = nearest(vec![10, 49, 51, 50, 100, 49], 50, |n| {
            (n as f64 - 50.0).abs()
        });
        assert_eq!(got, [(49, -1), (51, 1), (10, -1), (100, 1)]);
    }
}
