//! `test --watch`'s own lines between runs: what changed (after clearing
//! a terminal, or a separator line in a log), and what is watched.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Before a re-run: clears a terminal, elsewhere (a log, a test)
/// separates runs with a rule, then names the changed files.
pub fn rerun(out: &mut dyn Write, terminal: bool, changed: &[String]) -> io::Result<()> {
    if terminal {
        write!(out, "\x1b[2J\x1b[H")?;
    } else {
        writeln!(out, "\n==== re-running ====\n")?;
    }
    writeln!(out, "changed: {}\n", changed.join(", "))?;
    out.flush()
}

/// After a run: what is watched.
pub fn watching(out: &mut dyn Write, rules: &Path, scenarios: &[PathBuf]) -> io::Result<()> {
    let shown: Vec<String> = scenarios.iter().map(|p| p.display().to_string()).collect();
    writeln!(
        out,
        "\nwatching {} and {} for changes; Ctrl-C to stop",
        rules.display(),
        shown.join(", ")
    )?;
    out.flush()
}

/// A path that cannot be watched, on stderr.
pub fn cannot_watch(path: &Path, e: &dyn std::fmt::Display) {
    super::error(format_args!("cannot watch `{}`: {e}", path.display()));
}
