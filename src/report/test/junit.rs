//! `test --format junit`: JUnit XML through quick-junit, for CI systems
//! that render test reports. One testsuite, one testcase per scenario; no
//! timestamps or durations, so the report is byte-identical between runs.
//! Whatever else makes the run fail gets a testcase of its own (classname
//! `sanctions-trigger`), so the suite's counts agree with the exit code:
//! an `error` per erroring diagnostic (a rule that does not compile, a
//! missing scenario path, a duplicate id) and, under
//! `--coverage-threshold`, a `coverage` case that fails below it.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Reporter, Summary, coverage, failed};
use crate::diagnostic::Diagnostic;
use crate::rules::RuleSet;
use crate::suite::{TestResult, TestStatus};

/// The classname of the testcases that stand for no scenario.
const TOOL: &str = "sanctions-trigger";

/// Gathers every result, the outcomes of passing ones dropped, for one
/// report written at the end.
#[derive(Default)]
pub struct JunitReporter {
    diagnostics: Vec<Diagnostic>,
    results: Vec<TestResult>,
}

impl Reporter for JunitReporter {
    fn start(&mut self, _: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
        self.diagnostics = diagnostics.to_vec();
        Ok(())
    }

    fn diagnostic(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn result(&mut self, _: &mut dyn Write, _: &RuleSet, mut r: TestResult) -> io::Result<()> {
        if !failed(&r) {
            r.outcome = None;
            r.other_outcomes = Vec::new();
        }
        self.results.push(r);
        Ok(())
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        set: &RuleSet,
        _: &Summary,
        cov: Option<&crate::coverage::Report>,
    ) -> io::Result<()> {
        let check = cov.filter(|c| c.threshold.is_some()).map(|c| {
            let mut details = Vec::new();
            // Into memory: cannot fail.
            let _ = coverage::text(&mut details, c);
            CoverageCheck {
                met: c.threshold_met,
                message: coverage::below_message(c),
                details: String::from_utf8_lossy(&details).trim().to_string(),
            }
        });
        write(out, set, &self.results, &self.diagnostics, check.as_ref())
    }
}

/// The `--coverage-threshold` check, as the `coverage` testcase shows it.
struct CoverageCheck {
    met: bool,
    /// One line: `line coverage 94.3% is below the threshold of 99%`.
    message: String,
    /// The coverage report as the terminal shows it.
    details: String,
}

/// Writes the JUnit report. Diagnostics that belong to no scenario (a rule
/// that does not compile, a bad catalogue) go to the suite's `system-err`;
/// each that is an error is also an erroring testcase named after its file.
fn write(
    out: &mut dyn Write,
    set: &RuleSet,
    results: &[TestResult],
    diagnostics: &[Diagnostic],
    coverage: Option<&CoverageCheck>,
) -> io::Result<()> {
    let mut suite = TestSuite::new("sanctions-trigger");
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(d.message.as_str());
        s.set_description(d.render(false));
        let name = d
            .file
            .as_ref()
            .map_or_else(|| "diagnostics".to_string(), |f| f.display().to_string());
        let mut case = TestCase::new(name, s);
        case.set_classname(TOOL);
        suite.add_test_case(case);
    }
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
        // Without the extension: CI dashboards split class names on dots,
        // and every class would be called `toml`.
        case.set_classname(r.file.with_extension("").display().to_string());
        suite.add_test_case(case);
    }
    if let Some(c) = coverage {
        let status = if c.met {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(c.message.as_str());
            s.set_description(c.details.as_str());
            s
        };
        let mut case = TestCase::new("coverage", status);
        case.set_classname(TOOL);
        suite.add_test_case(case);
    }
    if !diagnostics.is_empty() {
        let text: Vec<String> = diagnostics.iter().map(|d| d.render(false)).collect();
        suite.set_system_err(text.join("\n\n"));
    }
    let mut report = Report::new("sanctions-trigger test");
    report.add_test_suite(suite);
    // quick-junit ends the document with a newline of its own.
    report.serialize(&mut *out).map_err(io::Error::other)
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
