//! The failure detail of a test result, as people read it: shared by
//! `test`'s terminal output and the JUnit report, so a CI dashboard shows
//! the same expected-vs-actual text as the terminal.
//!
//! A rule that did not load makes every expectation on its response
//! unjudgeable in every scenario. Its error is reported once, where the
//! rules load; here it shrinks to `not judged: rule X did not load`, so
//! one typo does not print a page per scenario.

use std::collections::BTreeSet;

use crate::outcome::Status;
use crate::rules::RuleSet;
use crate::suite::{TestResult, blocked, judged_subjects, outcome_of, unloaded_rules};

/// What went wrong in one scenario: the `not judged` line, then
/// [`details_judged`].
pub fn details(set: &RuleSet, r: &TestResult) -> String {
    let mut out = not_judged(set, r).map_or_else(String::new, |l| format!("{l}\n"));
    out.push_str(&details_judged(set, r));
    out
}

/// `not judged: rule `x` did not load` when rules that did not load left
/// expectations of `r` unjudged.
pub fn not_judged(set: &RuleSet, r: &TestResult) -> Option<String> {
    let rules: BTreeSet<&str> = r
        .failures
        .iter()
        .flat_map(|f| {
            f.subjects
                .iter()
                .filter(|s| blocked(set, r, f, s))
                .flat_map(|s| unloaded_rules(set, s))
        })
        .collect();
    let quoted: Vec<String> = rules.iter().map(|id| format!("`{id}`")).collect();
    match quoted.len() {
        0 => None,
        1 => Some(format!("not judged: rule {} did not load", quoted[0])),
        _ => Some(format!(
            "not judged: rules {} did not load",
            quoted.join(", ")
        )),
    }
}

/// The rest: its diagnostics, each failed expectation not explained by a
/// rule that did not load, with expected vs actual and the verdict and
/// reason of every rule involved (each once), and its rule errors other
/// than load errors.
pub fn details_judged(set: &RuleSet, r: &TestResult) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for d in &r.diagnostics {
        let _ = writeln!(out, "{}", d.render(false));
    }
    for f in &r.failures {
        let subjects = judged_subjects(set, r, f);
        if subjects.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}:{}: `{}` as of {}",
            r.file.display(),
            f.line,
            f.expectation,
            f.date
        );
        let _ = writeln!(out, "    expected: {}", f.expected);
        let _ = writeln!(out, "    actual:   {}", f.actual);
        let Some(o) = outcome_of(r, f) else { continue };
        let mut shown = BTreeSet::new();
        for s in subjects {
            let rules: Vec<_> = match o.response(s) {
                Some(resp) => resp.rules.iter().collect(),
                None => o.rule(s).into_iter().collect(),
            };
            if rules.is_empty() && set.rule(s).is_none() {
                let _ = writeln!(out, "    `{s}` has no rules");
            }
            for v in rules {
                if !shown.insert(v.id.clone()) {
                    continue;
                }
                let status = match v.status {
                    Status::Fires => "fires",
                    Status::Quiet => "quiet",
                    Status::Error => "error",
                };
                let reason = v
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "    rule {} {status}{reason}", v.id);
            }
        }
    }
    if let Some(o) = &r.outcome {
        for e in &o.errors {
            if set.rule(&e.rule).is_some_and(|rule| rule.broken.is_some()) {
                continue;
            }
            let _ = writeln!(out, "    error: {e}");
        }
    }
    out
}
