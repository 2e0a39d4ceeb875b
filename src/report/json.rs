//! `--format json` (one object, `format_version` 1) and `--format jsonl`
//! (one tagged object per line, flushed as each scenario finishes).

use std::io::{self, Write};

use serde::Serialize;

use super::Reporter;
use crate::diagnostic::Diagnostic;
use crate::outcome::{FORMAT_VERSION, Outcome};
use crate::rules::RuleSet;

#[derive(Default)]
pub struct JsonReporter {
    diagnostics: Vec<Diagnostic>,
    scenarios: Vec<Outcome>,
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    scenarios: &'a [Outcome],
}

impl Reporter for JsonReporter {
    fn diagnostic(&mut self, _: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
        self.diagnostics.push(d.clone());
        Ok(())
    }

    fn outcome(&mut self, _: &mut dyn Write, _: &RuleSet, o: &Outcome) -> io::Result<()> {
        self.scenarios.push(o.clone());
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            format_version: FORMAT_VERSION,
            diagnostics: &self.diagnostics,
            scenarios: &self.scenarios,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

pub struct JsonLinesReporter;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line<'a> {
    Scenario(&'a Outcome),
    Diagnostic(&'a Diagnostic),
}

impl JsonLinesReporter {
    fn line(out: &mut dyn Write, l: &Line<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut *out, l)?;
        writeln!(out)?;
        out.flush()
    }

    /// A scenario's line, newline included, rendered where the outcome
    /// was computed: serialising on the worker threads keeps the thread
    /// that writes from becoming the bottleneck.
    pub fn render(o: &Outcome) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(16 * 1024);
        serde_json::to_writer(&mut v, &Line::Scenario(o))?;
        v.push(b'\n');
        Ok(v)
    }
}

impl Reporter for JsonLinesReporter {
    fn diagnostic(&mut self, out: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
        Self::line(out, &Line::Diagnostic(d))
    }

    fn outcome(&mut self, out: &mut dyn Write, _: &RuleSet, o: &Outcome) -> io::Result<()> {
        Self::line(out, &Line::Scenario(o))
    }

    fn finish(&mut self, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
