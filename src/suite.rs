//! Expectations: checking what a scenario says should fire against what
//! does. An expectation on a response or rule that errored is an error,
//! never a pass; a scenario that states nothing is "no expectations", not
//! "passed". Names in expectations are validated against the catalogue and
//! the rules first, so a typo is a diagnostic rather than a silent pass.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::eval::Worker;
use crate::outcome::{Outcome, Status, iso};
use crate::rules::RuleSet;
use crate::scenario::{ExpectSet, Named, Scenario};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    Error,
    NoExpectations,
}

/// One expectation that did not hold (or could not be judged).
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// `fires`, `not_fires`, `exactly`, `rules.fire`, `rules.quiet`, `first_fire`.
    pub expectation: String,
    #[serde(serialize_with = "iso")]
    pub date: NaiveDate,
    pub line: usize,
    pub expected: String,
    pub actual: String,
    /// The response or rule ids the failure is about.
    pub subjects: Vec<String>,
    /// True when the expectation could not be judged because a rule errored.
    pub error: bool,
}

/// A scenario's test result.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub id: String,
    pub file: std::path::PathBuf,
    pub status: TestStatus,
    pub failures: Vec<Failure>,
    pub diagnostics: Vec<Diagnostic>,
    /// The outcome at the scenario's own `as_of` (absent if it did not load).
    pub outcome: Option<Outcome>,
    /// Outcomes at other dates that expectations were judged at.
    #[serde(skip)]
    pub other_outcomes: Vec<Outcome>,
}

/// Names in a scenario's expectations that match no response or rule.
pub fn validate(sc: &Scenario, set: &RuleSet) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let cat = &set.catalogue;
    for n in sc.expect.response_names() {
        if cat.get(&n.name).is_none() {
            diags.push(
                sc.source
                    .error(n.span.clone(), format!("unknown response `{}`", n.name))
                    .with_help_opt(did_you_mean(&n.name, cat.ids())),
            );
        }
    }
    for n in sc.expect.rules_fire.iter().chain(&sc.expect.rules_quiet) {
        if set.rule(&n.name).is_none() {
            diags.push(
                sc.source
                    .error(n.span.clone(), format!("unknown rule `{}`", n.name))
                    .with_help_opt(did_you_mean(
                        &n.name,
                        set.rules.iter().map(|r| r.id.as_str()),
                    )),
            );
        }
    }
    diags
}

fn names(v: &[Named]) -> String {
    let mut s: Vec<_> = v.iter().map(|n| n.name.as_str()).collect();
    s.sort();
    format!("[{}]", s.join(", "))
}

fn list(v: &[String]) -> String {
    format!("[{}]", v.join(", "))
}

fn check_set(sc: &Scenario, set: &ExpectSet, o: &Outcome, out: &mut Vec<Failure>) {
    let line = |n: &Named| sc.source.line_col(n.span.start).0;
    let status = |id: &str| o.response(id).map_or(Status::Quiet, |r| r.status);
    for (names_, want, what) in [
        (&set.fires, true, "fires"),
        (&set.not_fires, false, "not_fires"),
    ] {
        for n in names_ {
            let st = status(&n.name);
            if st == Status::Error || st == Status::Fires && !want || st == Status::Quiet && want {
                out.push(Failure {
                    expectation: what.into(),
                    date: o.as_of,
                    line: line(n),
                    expected: format!(
                        "`{}` {}",
                        n.name,
                        if want { "fires" } else { "does not fire" }
                    ),
                    actual: match st {
                        Status::Error => format!("`{}` errored", n.name),
                        Status::Fires => format!("`{}` fires", n.name),
                        Status::Quiet => format!("`{}` does not fire", n.name),
                    },
                    subjects: vec![n.name.clone()],
                    error: st == Status::Error,
                });
            }
        }
    }
    if let Some((want, span)) = &set.exactly {
        let want_set: BTreeSet<&str> = want.iter().map(|n| n.name.as_str()).collect();
        let got: BTreeSet<&str> = o.fired.iter().map(String::as_str).collect();
        let errored: Vec<String> = o
            .responses
            .iter()
            .filter(|r| r.status == Status::Error)
            .map(|r| r.id.clone())
            .collect();
        if want_set != got || !errored.is_empty() {
            let subjects = want_set
                .symmetric_difference(&got)
                .map(|s| s.to_string())
                .chain(errored.iter().cloned())
                .collect();
            let mut actual = list(&o.fired);
            if !errored.is_empty() {
                actual.push_str(&format!(" (errored: {})", list(&errored)));
            }
            out.push(Failure {
                expectation: "exactly".into(),
                date: o.as_of,
                line: sc.source.line_col(span.start).0,
                expected: format!("exactly {}", names(want)),
                actual,
                subjects,
                error: !errored.is_empty(),
            });
        }
    }
}

/// Judges every expectation of a loaded scenario.
pub fn run_test(worker: &Worker, sc: &Arc<Scenario>) -> TestResult {
    let set = worker.rules();
    let diagnostics = validate(sc, set);
    let outcome = worker.evaluate(sc, sc.as_of);
    let mut result = TestResult {
        id: sc.id.clone(),
        file: sc.file.clone(),
        status: TestStatus::NoExpectations,
        failures: Vec::new(),
        diagnostics,
        outcome: None,
        other_outcomes: Vec::new(),
    };
    if !result.diagnostics.is_empty() {
        result.status = TestStatus::Error;
        result.outcome = Some(outcome);
        return result;
    }
    let ex = &sc.expect;
    let mut failures = Vec::new();
    check_set(sc, &ex.set, &outcome, &mut failures);
    for (names_, want, what) in [
        (&ex.rules_fire, Status::Fires, "rules.fire"),
        (&ex.rules_quiet, Status::Quiet, "rules.quiet"),
    ] {
        for n in names_ {
            let got = outcome.rule(&n.name).map_or(Status::Error, |r| r.status);
            if got != want {
                let word = |s: Status| match s {
                    Status::Fires => "fires",
                    Status::Quiet => "is quiet",
                    Status::Error => "errored",
                };
                failures.push(Failure {
                    expectation: what.into(),
                    date: outcome.as_of,
                    line: sc.source.line_col(n.span.start).0,
                    expected: format!("rule `{}` {}", n.name, word(want)),
                    actual: format!("rule `{}` {}", n.name, word(got)),
                    subjects: vec![n.name.clone()],
                    error: got == Status::Error,
                });
            }
        }
    }
    for at in &ex.at {
        let o = worker.evaluate(sc, at.date);
        check_set(sc, &at.set, &o, &mut failures);
        result.other_outcomes.push(o);
    }
    if !ex.first_fire.is_empty() {
        first_fire(worker, sc, &mut failures, &mut result.other_outcomes);
    }
    result.status = if !ex.any() {
        TestStatus::NoExpectations
    } else if failures.iter().any(|f| f.error) {
        TestStatus::Error
    } else if failures.is_empty() {
        TestStatus::Passed
    } else {
        TestStatus::Failed
    };
    result.failures = failures;
    result.outcome = Some(outcome);
    result
}

/// Replays the scenario day by day from its first event to its `as_of` and
/// compares the first firing day of each response named in `first_fire`.
fn first_fire(
    worker: &Worker,
    sc: &Arc<Scenario>,
    out: &mut Vec<Failure>,
    outcomes: &mut Vec<Outcome>,
) {
    let start = sc.first_date().unwrap_or(sc.as_of).min(sc.as_of);
    let window = crate::timeline::Window {
        from: start,
        to: sc.as_of,
    };
    if let Err(d) = window.check(sc) {
        for (n, want) in &sc.expect.first_fire {
            out.push(Failure {
                expectation: "first_fire".into(),
                date: sc.as_of,
                line: sc.source.line_col(n.span.start).0,
                expected: format!("`{}` first fires on {want}", n.name),
                actual: format!("not judged: {}", d.message),
                subjects: vec![n.name.clone()],
                error: true,
            });
        }
        return;
    }
    let mut pending: Vec<&(Named, NaiveDate)> = sc.expect.first_fire.iter().collect();
    let mut found: Vec<(&(Named, NaiveDate), Option<NaiveDate>, bool)> = Vec::new();
    let mut day = start;
    while !pending.is_empty() && day <= sc.as_of {
        let o = worker.evaluate(sc, day);
        pending.retain(|p| {
            let st = o.response(&p.0.name).map_or(Status::Quiet, |r| r.status);
            match st {
                Status::Fires => {
                    found.push((p, Some(day), false));
                    false
                }
                Status::Error => {
                    found.push((p, Some(day), true));
                    false
                }
                Status::Quiet => true,
            }
        });
        if pending.is_empty() || day == sc.as_of {
            outcomes.push(o);
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    found.extend(pending.into_iter().map(|p| (p, None, false)));
    for ((n, want), got, error) in found {
        if got == Some(*want) && !error {
            continue;
        }
        out.push(Failure {
            expectation: "first_fire".into(),
            date: got.unwrap_or(sc.as_of),
            line: sc.source.line_col(n.span.start).0,
            expected: format!("`{}` first fires on {want}", n.name),
            actual: match (got, error) {
                (Some(d), true) => format!("`{}` errored on {d}", n.name),
                (Some(d), false) => format!("`{}` first fires on {d}", n.name),
                (None, _) => format!("`{}` does not fire from {start} to {}", n.name, sc.as_of),
            },
            subjects: vec![n.name.clone()],
            error,
        });
    }
}
