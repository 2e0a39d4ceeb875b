//! `check`'s output: the diagnostics on stderr, then one summary line
//! (`checked 12 rules, … : 0 errors, 1 warning`) and, with `--native`,
//! which rules native code runs and why the others run in Rhai.

use std::io::{self, Write};

use crate::diagnostic::Diagnostic;
use crate::lint::NativeUse;
use crate::report::{count, print_diagnostics};
use crate::rules::RuleSet;

/// Writes what `check` found in `set` and `scenarios` scenario files.
pub fn write(
    out: &mut dyn Write,
    set: &RuleSet,
    scenarios: usize,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    print_diagnostics(diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    writeln!(
        out,
        "checked {}, {}, {}, {}: {}, {}",
        count(set.rules.len(), "rule"),
        count(set.helpers_found, "helper"),
        count(set.catalogue.responses.len(), "response"),
        count(scenarios, "scenario"),
        count(errors, "error"),
        count(warnings, "warning"),
    )
}

/// `--native`: which rules native code runs (`None`: it is off); the
/// others with the first construct native code lacks.
pub fn native(out: &mut dyn Write, native: Option<&NativeUse>) -> io::Result<()> {
    let Some(n) = native else {
        return writeln!(out, "native code: off (`--engine rhai`)");
    };
    writeln!(
        out,
        "native code runs {} of {}; in Rhai:",
        n.native,
        count(n.rules, "rule")
    )?;
    if n.in_rhai.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for r in &n.in_rhai {
        match &r.why {
            Some(why) => writeln!(out, "  {}: {why}", r.path.display())?,
            None => writeln!(out, "  {}: does not compile", r.path.display())?,
        }
    }
    Ok(())
}
