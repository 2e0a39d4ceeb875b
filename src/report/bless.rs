//! `test --bless`'s own lines. On stdout: `blessed FILE:` with a line per
//! edit, or `FILE: expectations already match`; with `--dry-run`, a
//! unified diff per file that would change and a closing count. On
//! stderr: each file that could not be blessed or written, and a bless
//! refused as a whole.

use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::report::{count, error, print_diagnostics};

/// The lines of one bless, in the order of the files.
#[derive(Default)]
pub struct BlessReporter {
    /// Whether stdout has a line yet: the blank line that separates the
    /// bless report from the test results must not open the output.
    wrote: bool,
}

impl BlessReporter {
    /// A file whose expectations already match.
    pub fn unchanged(&mut self, out: &mut dyn Write, path: &Path) -> io::Result<()> {
        self.wrote = true;
        writeln!(out, "{}: expectations already match", path.display())
    }

    /// `--dry-run`: what blessing `path` would change, as a unified diff
    /// from the text `old` to `new`.
    pub fn diff(
        &mut self,
        out: &mut dyn Write,
        path: &Path,
        old: &str,
        new: &str,
    ) -> io::Result<()> {
        self.wrote = true;
        let old_name = path.display().to_string();
        let new_name = format!("{old_name} (blessed)");
        write!(
            out,
            "{}",
            similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .header(&old_name, &new_name)
        )
    }

    /// A file written, with its edits.
    pub fn blessed(
        &mut self,
        out: &mut dyn Write,
        path: &Path,
        edits: &[String],
    ) -> io::Result<()> {
        self.wrote = true;
        writeln!(out, "blessed {}:", path.display())?;
        edits.iter().try_for_each(|e| writeln!(out, "    {e}"))
    }

    /// A file blessed but not written, on stderr.
    pub fn not_written(&mut self, path: &Path, e: &io::Error) {
        error(format_args!("cannot write `{}`: {e}", path.display()));
    }

    /// A file refused (its rules error, or it names unknown responses), on
    /// stderr.
    pub fn not_blessed(&mut self, path: &Path, why: &str) {
        error(format_args!("{}: not blessed: {why}", path.display()));
    }

    /// After a `--dry-run`: how many of `files` files would change.
    pub fn finish_dry_run(
        &mut self,
        out: &mut dyn Write,
        changed: usize,
        files: usize,
    ) -> io::Result<()> {
        writeln!(
            out,
            "{}{} of {} would change; nothing was written (--dry-run)",
            if self.wrote { "\n" } else { "" },
            changed,
            count(files, "file")
        )
    }

    /// After a bless that wrote: the blank line before the test results.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.wrote {
            writeln!(out)?;
        }
        Ok(())
    }
}

/// A folder named to `--bless`, refused: only files named are rewritten.
pub fn refused_folder(dir: &Path) {
    error(format_args!(
        "`{}` is a folder; --bless rewrites only scenario files named on the command line",
        dir.display()
    ));
}

/// Rules with errors, refused: their problems, and that nothing was
/// blessed.
pub fn refused_rules(diags: &[Diagnostic]) {
    print_diagnostics(diags);
    error("the rules have errors; nothing was blessed");
}

/// Named paths that do not load as scenario files, refused.
pub fn refused_files(diags: &[Diagnostic]) {
    print_diagnostics(diags);
    error("nothing was blessed");
}
