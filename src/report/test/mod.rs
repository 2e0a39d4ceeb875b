//! `test`'s output: one reporter per format behind one trait, fed the
//! results in input order as they arrive. Text prints a line per scenario
//! (`-q` only the failures, `-v` what fires too), then the failures with
//! expected vs actual, the summary and the coverage report; JSON streams
//! the results into one document; JUnit builds one report at the end. The
//! failure text is shared by text and JUnit, so a CI dashboard shows what
//! the terminal shows.

mod coverage;
mod failure;
mod json;
mod junit;
mod text;

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::rules::RuleSet;
use crate::suite::{TestResult, TestStatus};

pub use failure::{details, details_judged, not_judged};
pub use json::JsonReporter;
pub use junit::JunitReporter;
pub use text::TextReporter;

/// Output formats of `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per scenario, then failures with expected vs actual
    Text,
    /// One JSON object (format_version 1)
    Json,
    /// JUnit XML: one testcase per scenario, for CI dashboards
    Junit,
}

/// How many scenarios ended each way.
#[derive(Serialize, Default, Clone, Copy)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub no_expectations: usize,
    /// Scenarios left out by `--filter`.
    pub filtered_out: usize,
}

impl Summary {
    /// Counts one result.
    pub fn add(&mut self, status: TestStatus) {
        match status {
            TestStatus::Passed => self.passed += 1,
            TestStatus::Failed => self.failed += 1,
            TestStatus::Error => self.errors += 1,
            TestStatus::NoExpectations => self.no_expectations += 1,
        }
    }
}

/// Receives a test run's results in order.
pub trait Reporter {
    /// Before any result: the problems found loading the rules and
    /// finding the scenarios.
    fn start(&mut self, out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()>;
    /// A problem found during the run (a duplicate id).
    fn diagnostic(&mut self, d: Diagnostic);
    /// One scenario's result. A reporter keeps only what its ending needs.
    fn result(&mut self, out: &mut dyn Write, set: &RuleSet, r: TestResult) -> io::Result<()>;
    /// After the last result: the summary, and the coverage report when
    /// it was asked for.
    fn finish(
        &mut self,
        out: &mut dyn Write,
        set: &RuleSet,
        summary: &Summary,
        coverage: Option<&crate::coverage::Report>,
    ) -> io::Result<()>;
}

/// A reporter for a format; `quiet` and `verbose` are the text format's
/// `-q` and `-v`.
pub fn reporter(format: Format, quiet: bool, verbose: bool) -> Box<dyn Reporter> {
    match format {
        Format::Text => Box::new(TextReporter::new(quiet, verbose)),
        Format::Json => Box::new(JsonReporter::default()),
        Format::Junit => Box::new(JunitReporter::default()),
    }
}

/// Whether a result is a failure or an error, whose details are shown.
fn failed(r: &TestResult) -> bool {
    matches!(r.status, TestStatus::Failed | TestStatus::Error)
}

/// `warning: --filter `x` matched none of 12 scenarios`, on stderr.
pub fn matched_none(pattern: &str, filtered_out: usize) {
    crate::report::warning(format_args!(
        "--filter `{pattern}` matched none of {}",
        crate::report::count(filtered_out, "scenario")
    ));
}
