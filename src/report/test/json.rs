//! `test --format json`: one object (`format_version` 1) whose `results`
//! are written as each scenario finishes, then the diagnostics, the
//! summary and, with `--coverage`, the coverage report.

use std::io::{self, Write};

use super::{Reporter, Summary};
use crate::diagnostic::Diagnostic;
use crate::outcome::FORMAT_VERSION;
use crate::rules::RuleSet;
use crate::suite::TestResult;

#[derive(Default)]
pub struct JsonReporter {
    diagnostics: Vec<Diagnostic>,
    /// Whether a result is written yet (each after the first follows a comma).
    any: bool,
}

impl Reporter for JsonReporter {
    fn start(&mut self, out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
        self.diagnostics = diagnostics.to_vec();
        write!(
            out,
            "{{\n\"format_version\": {FORMAT_VERSION},\n\"results\": ["
        )
    }

    fn diagnostic(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn result(&mut self, out: &mut dyn Write, _: &RuleSet, r: TestResult) -> io::Result<()> {
        out.write_all(if self.any { b",\n" } else { b"\n" })?;
        self.any = true;
        serde_json::to_writer_pretty(&mut *out, &r)?;
        Ok(())
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        _: &RuleSet,
        sum: &Summary,
        cov: Option<&crate::coverage::Report>,
    ) -> io::Result<()> {
        write!(out, "\n],\n\"diagnostics\": ")?;
        serde_json::to_writer_pretty(&mut *out, &self.diagnostics)?;
        write!(out, ",\n\"summary\": ")?;
        serde_json::to_writer_pretty(&mut *out, sum)?;
        if let Some(c) = cov {
            write!(out, ",\n\"coverage\": ")?;
            serde_json::to_writer_pretty(&mut *out, c)?;
        }
        writeln!(out, "\n}}")
    }
}
