//! The failure detail of a test result, as people read it: shared by
//! `test`'s terminal output and the JUnit report, so a CI dashboard shows
//! the same expected-vs-actual text as the terminal.

use crate::outcome::Status;
use crate::rules::RuleSet;
use crate::suite::TestResult;

/// What went wrong in one scenario: its diagnostics, each failed
/// expectation with expected vs actual and the verdict and reason of every
/// rule involved, and its rule errors. Shared by the text and JUnit forms.
pub fn details(set: &RuleSet, r: &TestResult) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for d in &r.diagnostics {
        let _ = writeln!(out, "{}", d.render(false));
    }
    for f in &r.failures {
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
        let outcome = std::iter::once(r.outcome.as_ref())
            .flatten()
            .chain(&r.other_outcomes)
            .find(|o| o.as_of == f.date);
        let Some(o) = outcome else { continue };
        for s in &f.subjects {
            let rules: Vec<_> = match o.response(s) {
                Some(resp) => resp.rules.iter().collect(),
                None => o.rule(s).into_iter().collect(),
            };
            if rules.is_empty() && set.rule(s).is_none() {
                let _ = writeln!(out, "    `{s}` has no rules");
            }
            for v in rules {
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
            let _ = writeln!(out, "    error: {e}");
        }
    }
    out
}
