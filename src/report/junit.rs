//! `test --format junit`: JUnit XML through quick-junit, for CI systems
//! that render test reports. One testsuite, one testcase per scenario; no
//! timestamps or durations, so the report is byte-identical between runs.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::diagnostic::Diagnostic;
use crate::rules::RuleSet;
use crate::suite::{TestResult, TestStatus};

/// Writes the JUnit report. Diagnostics that belong to no scenario (a rule
/// that does not compile, a bad catalogue) go to the suite's `system-err`.
pub fn write(
    out: &mut dyn Write,
    set: &RuleSet,
    results: &[TestResult],
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let mut suite = TestSuite::new("sanctions-trigger");
    for r in results {
        let status = match r.status {
            TestStatus::Passed => TestCaseStatus::success(),
            TestStatus::NoExpectations => {
                let mut s = TestCaseStatus::skipped();
                s.set_message("no expectations");
                s
            }
            TestStatus::Failed | TestStatus::Error => {
                let kind = if r.status == TestStatus::Failed {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(summary(r));
                s.set_description(super::details(set, r));
                s
            }
        };
        let mut case = TestCase::new(r.id.as_str(), status);
        case.set_classname(r.file.display().to_string());
        suite.add_test_case(case);
    }
    if !diagnostics.is_empty() {
        let text: Vec<String> = diagnostics.iter().map(|d| d.render(false)).collect();
        suite.set_system_err(text.join("\n\n"));
    }
    let mut report = Report::new("sanctions-trigger test");
    report.add_test_suite(suite);
    report.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

/// A one-line message: the first failed expectation, or the first problem.
fn summary(r: &TestResult) -> String {
    if let Some(f) = r.failures.first() {
        let more = match r.failures.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return format!("expected {}, actual {}{more}", f.expected, f.actual);
    }
    if let Some(d) = r.diagnostics.first() {
        return d.message.clone();
    }
    if let Some(e) = r.outcome.as_ref().and_then(|o| o.errors.first()) {
        return e.to_string();
    }
    "error".into()
}
