//! `test --coverage` as people read it: which rules fired, stayed quiet or
//! errored, which responses never fired, and line coverage per file.

use std::io::{self, Write};

use crate::coverage::{self, Report, RuleTally};

/// `line coverage 94.3% is below the threshold of 99%` (the percent shown
/// rounded down, as everywhere).
pub fn below_message(c: &Report) -> String {
    format!(
        "line coverage {:.1}% is below the threshold of {}%",
        c.lines.percent,
        c.threshold.unwrap_or(0.0)
    )
}

/// The coverage report, from its `coverage` heading on.
pub fn text(out: &mut dyn Write, c: &Report) -> io::Result<()> {
    let count = |f: fn(&RuleTally) -> bool| c.rules.values().filter(|t| f(t)).count();
    writeln!(out, "\ncoverage")?;
    writeln!(
        out,
        "  rules: {} fired somewhere, {} quiet somewhere, {} errored, {} never evaluated",
        count(|t| t.fired > 0),
        count(|t| t.quiet > 0),
        count(|t| t.errored > 0),
        count(|t| t.fired + t.quiet + t.errored == 0),
    )?;
    let list = |pred: fn(&RuleTally) -> bool| -> String {
        let v: Vec<&str> = c
            .rules
            .iter()
            .filter(|(_, t)| pred(t))
            .map(|(id, _)| id.as_str())
            .collect();
        if v.is_empty() {
            "(none)".into()
        } else {
            v.join(", ")
        }
    };
    writeln!(out, "  rules never fired: {}", list(|t| t.fired == 0))?;
    writeln!(out, "  rules never quiet: {}", list(|t| t.quiet == 0))?;
    let errored = list(|t| t.errored > 0);
    if errored != "(none)" {
        writeln!(out, "  rules that errored: {errored}")?;
    }
    let never: Vec<&str> = c
        .responses
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| id.as_str())
        .collect();
    writeln!(
        out,
        "  responses never fired: {}",
        if never.is_empty() {
            "(none)".into()
        } else {
            never.join(", ")
        }
    )?;
    let l = &c.lines;
    writeln!(
        out,
        "  lines: {:.1}% ({} of {})",
        l.percent, l.covered, l.total
    )?;
    let width = l
        .files
        .iter()
        .map(|f| f.file.display().to_string().len())
        .max()
        .unwrap_or(0);
    for f in &l.files {
        let pct = coverage::percent(f.covered, f.total);
        write!(
            out,
            "    {:<width$}  {pct:>5.1}%",
            f.file.display().to_string()
        )?;
        if !f.uncovered.is_empty() {
            write!(out, "  uncovered: {}", coverage::ranges(&f.uncovered))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
