//! `test`'s text output, like `cargo test`: `test ID ... ok` per scenario
//! (`-q`: failures only; `-v`: with what fires), the problems found during
//! the run on stderr, then each failure's details under a `---- ID ----`
//! heading, `N passed, N failed`, and the coverage report.

use std::io::{self, Write};

use super::{Reporter, Summary, coverage, failed};
use crate::diagnostic::Diagnostic;
use crate::report::{self, count, print_diagnostics};
use crate::rules::RuleSet;
use crate::suite::{TestResult, TestStatus};

pub struct TextReporter {
    quiet: bool,
    verbose: bool,
    /// Problems found during the run, printed once the results are.
    found: Vec<Diagnostic>,
    /// Failures and errors, whose details close the output.
    failures: Vec<TestResult>,
    /// Whether anything is on stdout yet, so that no blank line
    /// separator opens the output.
    printed: bool,
}

impl TextReporter {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Self {
            quiet,
            verbose,
            found: Vec::new(),
            failures: Vec::new(),
            printed: false,
        }
    }

    /// One scenario's line: `test ID ... ok`, and with `-v` what fires; true
    /// when anything was written (`-q` leaves out passing scenarios).
    fn line(&self, out: &mut dyn Write, set: &RuleSet, r: &TestResult) -> io::Result<bool> {
        let not_judged = (r.status == TestStatus::Error)
            .then(|| report::test::not_judged(set, r))
            .flatten();
        let word = match r.status {
            TestStatus::Passed => "ok",
            TestStatus::Failed => "FAILED",
            TestStatus::Error => not_judged.as_deref().unwrap_or("ERROR"),
            TestStatus::NoExpectations => "no expectations",
        };
        let mut wrote = false;
        if !self.quiet || !matches!(r.status, TestStatus::Passed | TestStatus::NoExpectations) {
            writeln!(out, "test {} ... {word}", r.id)?;
            wrote = true;
        }
        if self.verbose
            && let Some(o) = &r.outcome
        {
            writeln!(out, "    fires: [{}]", o.fired.join(", "))?;
            wrote = true;
        }
        Ok(wrote)
    }
}

impl Reporter for TextReporter {
    fn start(&mut self, _: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
        print_diagnostics(diagnostics);
        Ok(())
    }

    fn diagnostic(&mut self, d: Diagnostic) {
        self.found.push(d);
    }

    fn result(&mut self, out: &mut dyn Write, set: &RuleSet, r: TestResult) -> io::Result<()> {
        self.printed |= self.line(out, set, &r)?;
        if failed(&r) {
            self.failures.push(r);
        }
        Ok(())
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        set: &RuleSet,
        sum: &Summary,
        cov: Option<&crate::coverage::Report>,
    ) -> io::Result<()> {
        out.flush()?;
        print_diagnostics(&self.found);
        for r in &self.failures {
            // A scenario that only a rule that did not load left
            // unjudged said so on its line already; one that failed
            // beside it says so above its failures.
            let details = if r.status == TestStatus::Error {
                super::details_judged(set, r)
            } else {
                super::details(set, r)
            };
            if details.is_empty() {
                continue;
            }
            if self.printed {
                writeln!(out)?;
            }
            writeln!(out, "---- {} ({}) ----", r.id, r.file.display())?;
            out.write_all(details.as_bytes())?;
            self.printed = true;
        }
        let mut line = format!("{} passed, {} failed", sum.passed, sum.failed);
        if sum.errors > 0 {
            line.push_str(&format!(", {}", count(sum.errors, "error")));
        }
        if sum.no_expectations > 0 {
            line.push_str(&format!(", {} without expectations", sum.no_expectations));
        }
        if sum.filtered_out > 0 {
            line.push_str(&format!(", {} filtered out", sum.filtered_out));
        }
        if self.printed {
            writeln!(out)?;
        }
        writeln!(out, "{line}")?;
        if set.has_errors() {
            writeln!(
                out,
                "error: some rules did not load (see above), so passing scenarios may be wrong"
            )?;
        }
        if let Some(c) = cov {
            coverage::text(out, c)?;
            if !c.threshold_met {
                writeln!(out, "\n{}", coverage::below_message(c))?;
            }
        }
        Ok(())
    }
}
