//! Expectations: checking what a scenario says should fire against what
//! does. An expectation on a response or rule that errored is an error,
//! never a pass; a scenario that states nothing is "no expectations", not
//! "passed". Names in expectations are validated against the catalogue and
//! the rules first, so a typo is a diagnostic rather than a silent pass.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::eval::{Stepper, Worker};
use crate::outcome::{Outcome, Status, iso};
use crate::rules::RuleSet;
use crate::scenario::{ExpectSet, Named, Scenario};
use crate::timeline::{ReplayError, Window};

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
                    .with_code(Code::UnknownResponse)
                    .with_help_opt(did_you_mean(&n.name, cat.ids())),
            );
        }
    }
    for n in sc.expect.rules_fire.iter().chain(&sc.expect.rules_quiet) {
        if set.rule(&n.name).is_none() {
            diags.push(
                sc.source
                    .error(n.span.clone(), format!("unknown rule `{}`", n.name))
                    .with_code(Code::UnknownRule)
                    .with_help_opt(did_you_mean(&n.name, set.rules.iter().map(|r| &*r.id))),
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

fn list(v: &[Arc<str>]) -> String {
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
        let got: BTreeSet<&str> = o.fired.iter().map(|f| &**f).collect();
        let errored: Vec<Arc<str>> = o
            .responses
            .iter()
            .filter(|r| r.status == Status::Error)
            .map(|r| r.id.clone())
            .collect();
        if want_set != got || !errored.is_empty() {
            // A set: an expected response that errored is both missing
            // and errored, and its rules are listed once.
            let subjects: BTreeSet<String> = want_set
                .symmetric_difference(&got)
                .map(|s| s.to_string())
                .chain(errored.iter().map(|e| e.to_string()))
                .collect();
            let subjects = subjects.into_iter().collect();
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
    let outcome = worker.evaluate(sc, sc.as_of);
    judge(worker, sc, outcome)
}

/// Whether judging `sc` needs outcomes at dates other than its `as_of`
/// (`[[expect.at]]`, `first_fire`), which [`judge`] evaluates with its
/// worker.
pub fn needs_other_dates(sc: &Scenario) -> bool {
    !sc.expect.at.is_empty() || !sc.expect.first_fire.is_empty()
}

/// [`run_test`] with the outcome at the scenario's `as_of` given: the
/// worker evaluates only the other dates expectations name.
pub fn judge(worker: &Worker, sc: &Arc<Scenario>, outcome: Outcome) -> TestResult {
    let set = worker.rules();
    let diagnostics = validate(sc, set);
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
    // A failure hidden behind a rule that did not load is not judged; one
    // that remains beside it (a set's other subjects) still fails.
    result.status = judged_status(set, &result);
    result
}

/// A day-by-day replay from a scenario's first event to its `as_of`: the
/// first day each named response fired or errored (`None`: neither), and
/// the last outcome computed, for failure reports.
pub struct FirstDays {
    pub from: NaiveDate,
    pub days: Vec<Option<(NaiveDate, Status)>>,
    pub last: Option<Outcome>,
}

/// Replays until every name in `names` has fired or errored, or `as_of`;
/// a window longer than the replay limit is the error.
pub fn first_days(
    worker: &Worker,
    sc: &Arc<Scenario>,
    names: &[&str],
) -> Result<FirstDays, ReplayError> {
    let from = sc.first_date().unwrap_or(sc.as_of).min(sc.as_of);
    Window { from, to: sc.as_of }.validate()?;
    let plan = &worker.rules().plan;
    let positions: Vec<Option<usize>> = names
        .iter()
        .map(|name| plan.iter().position(|(id, _)| **id == **name))
        .collect();
    let mut days = vec![None; names.len()];
    let mut stepper = Stepper::default();
    let mut last = None;
    let mut day = from;
    while days.iter().any(Option::is_none) && day <= sc.as_of {
        let o = worker.step(&mut stepper, sc, day);
        for (slot, p) in days.iter_mut().zip(&positions) {
            let st = p.and_then(|p| o.statuses.get(p).copied());
            let st = st.unwrap_or(Status::Quiet);
            if slot.is_none() && st != Status::Quiet {
                *slot = Some((day, st));
            }
        }
        last = Some(day);
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    // The failure reports quote the outcome of the last day replayed.
    let last = last.map(|day| worker.evaluate(sc, day));
    Ok(FirstDays { from, days, last })
}

/// Judges `[expect.first_fire]` by replay.
fn first_fire(
    worker: &Worker,
    sc: &Arc<Scenario>,
    out: &mut Vec<Failure>,
    outcomes: &mut Vec<Outcome>,
) {
    let expected = &sc.expect.first_fire;
    let names: Vec<&str> = expected.iter().map(|(n, _)| n.name.as_str()).collect();
    let line = |n: &Named| sc.source.line_col(n.span.start).0;
    let replay = match first_days(worker, sc, &names) {
        Ok(r) => r,
        Err(e) => {
            for (n, want) in expected {
                out.push(Failure {
                    expectation: "first_fire".into(),
                    date: sc.as_of,
                    line: line(n),
                    expected: format!("`{}` first fires on {want}", n.name),
                    actual: format!("not judged: {e}"),
                    subjects: vec![n.name.clone()],
                    error: true,
                });
            }
            return;
        }
    };
    outcomes.extend(replay.last);
    for ((n, want), got) in expected.iter().zip(replay.days) {
        let error = matches!(got, Some((_, Status::Error)));
        if got == Some((*want, Status::Fires)) {
            continue;
        }
        out.push(Failure {
            expectation: "first_fire".into(),
            // The replay's window ends at `as_of` whatever day it found:
            // every first-fire failure of a scenario is reported as of it.
            date: sc.as_of,
            line: line(n),
            expected: format!("`{}` first fires on {want}", n.name),
            actual: match got {
                Some((d, Status::Error)) => format!("`{}` errored on {d}", n.name),
                Some((d, _)) => format!("`{}` first fires on {d}", n.name),
                None => format!(
                    "`{}` does not fire from {} to {}",
                    n.name, replay.from, sc.as_of
                ),
            },
            subjects: vec![n.name.clone()],
            error,
        });
    }
}

/// The rules that did not load among those of `s` (a response, or a
/// rule).
pub(crate) fn unloaded_rules<'a>(set: &'a RuleSet, s: &str) -> Vec<&'a str> {
    set.plan
        .iter()
        .find(|(id, _)| **id == *s)
        .map(|(_, rules)| rules.iter().filter_map(|&i| set.rules.get(i)).collect())
        .unwrap_or_else(|| set.rule(s).into_iter().collect::<Vec<_>>())
        .into_iter()
        .filter(|rule| rule.broken.is_some())
        .map(|rule| &*rule.id)
        .collect()
}

/// The outcome `f` was judged on.
pub(crate) fn outcome_of<'a>(r: &'a TestResult, f: &Failure) -> Option<&'a Outcome> {
    std::iter::once(r.outcome.as_ref())
        .flatten()
        .chain(&r.other_outcomes)
        .find(|o| o.as_of == f.date)
}

/// Whether subject `s` errored in the outcome `f` was judged on (when
/// that outcome is not at hand, it is taken to have).
pub(crate) fn errored(r: &TestResult, f: &Failure, s: &str) -> bool {
    outcome_of(r, f).is_none_or(|o| match o.response(s) {
        Some(resp) => resp.status == Status::Error,
        None => o.rule(s).is_none_or(|v| v.status == Status::Error),
    })
}

/// Whether a rule that did not load leaves subject `s` of `f` unjudged:
/// `f` could not be judged, `s` errored and one of its rules did not
/// load. The other subjects of a set failure (`exactly`: a response that
/// fired unexpectedly from a healthy rule) are still judged.
pub(crate) fn blocked(set: &RuleSet, r: &TestResult, f: &Failure, s: &str) -> bool {
    f.error && (f.subjects.len() == 1 || errored(r, f, s)) && !unloaded_rules(set, s).is_empty()
}

/// The subjects of `f` no rule that did not load leaves unjudged; empty
/// when there is nothing to say about `f` beyond `not judged`.
pub(crate) fn judged_subjects<'a>(
    set: &RuleSet,
    r: &TestResult,
    f: &'a Failure,
) -> Vec<&'a String> {
    f.subjects
        .iter()
        .filter(|s| !blocked(set, r, f, s))
        .collect()
}

/// The status of `r` once expectations that rules that did not load left
/// unjudged are set aside: `Failed` when a genuine failure remains (an
/// `exactly` missing a response that fired from a healthy rule), `Error`
/// when an expectation errored for another reason or nothing else
/// remains, else `r.status` unchanged.
pub fn judged_status(set: &RuleSet, r: &TestResult) -> TestStatus {
    if r.status != TestStatus::Error || !r.diagnostics.is_empty() {
        return r.status;
    }
    let (mut failed, mut error) = (false, false);
    for f in &r.failures {
        let judged = judged_subjects(set, r, f);
        if judged.is_empty() {
            continue;
        }
        if f.error && (f.subjects.len() == 1 || judged.iter().any(|s| errored(r, f, s))) {
            error = true;
        } else {
            failed = true;
        }
    }
    if failed && !error {
        TestStatus::Failed
    } else {
        TestStatus::Error
    }
}
