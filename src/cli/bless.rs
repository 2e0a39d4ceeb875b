//! `test --bless`: rewrite the named scenario files' expectations to match
//! what fires now (`crate::bless`), or with `--dry-run` show the edits and
//! write nothing, reporting through `report::bless`. A file that cannot be
//! written is an error on stderr and makes the exit code 2; the others are
//! still blessed.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Exit, Global};
use crate::bless::Blessed;
use crate::diagnostic::Diagnostic;
use crate::eval::Worker;
use crate::report::bless::{self as report, BlessReporter};
use crate::report::print_diagnostics;
use crate::rules::RuleSet;
use crate::scenario::{ScenarioFile, discover};
use crate::{bless, runner};

/// How `--bless` went.
pub enum Blessing {
    /// Refused as a whole (a folder, rules with errors, a path that does
    /// not load as a scenario file): nothing was written.
    Refused,
    /// `--dry-run`: the diffs are printed; the exit code to end with.
    DryRun(Exit),
    /// Written; `ok` is false when some file could not be blessed (the
    /// others are still written).
    Written { ok: bool },
}

/// Blesses the named files, printing what changed (as a unified diff with
/// `dry_run`, writing nothing). An error is stdout failing; every file is
/// still blessed first, since the files, not the report, are what was
/// asked for.
pub fn run(
    g: &Global,
    set: &Arc<RuleSet>,
    paths: &[PathBuf],
    dry_run: bool,
) -> io::Result<Blessing> {
    if let Some(dir) = paths.iter().find(|p| p.is_dir()) {
        report::refused_folder(dir);
        return Ok(Blessing::Refused);
    }
    if set.diagnostics.iter().any(Diagnostic::is_error) {
        report::refused_rules(&set.diagnostics);
        return Ok(Blessing::Refused);
    }
    let (files, diags) = discover(paths);
    if diags.iter().any(Diagnostic::is_error) {
        report::refused_files(&diags);
        return Ok(Blessing::Refused);
    }
    print_diagnostics(&diags);
    let mut ok = true;
    // Files a dry run would change.
    let mut changed = 0;
    let mut out = io::stdout().lock();
    let mut rep = BlessReporter::default();
    let mut written: io::Result<()> = Ok(());
    runner::for_each(
        set,
        &g.worker_options(),
        &files,
        g.jobs(),
        bless_one,
        |(path, r)| {
            let shown = match r {
                Ok(None) => rep.unchanged(&mut out, &path),
                Ok(Some((b, read))) if dry_run => {
                    changed += 1;
                    rep.diff(
                        &mut out,
                        &path,
                        &read,
                        &bless::with_line_ends(&b.text, &read),
                    )
                }
                Ok(Some((b, read))) => match bless::write(&path, &b.text, &read) {
                    Ok(()) => rep.blessed(&mut out, &path, &b.edits),
                    Err(e) => {
                        ok = false;
                        rep.not_written(&path, &e);
                        Ok(())
                    }
                },
                Err(e) => {
                    ok = false;
                    rep.not_blessed(&path, &e);
                    Ok(())
                }
            };
            if written.is_ok() {
                written = shown;
            }
        },
    );
    written?;
    if dry_run {
        rep.finish_dry_run(&mut out, changed, files.len())?;
        // Like `cargo fmt --check` and `git diff --exit-code`: 1 says
        // "there is something to accept", so CI can require a clean bless.
        return Ok(Blessing::DryRun(if !ok {
            Exit::Error
        } else if changed > 0 {
            Exit::Failed
        } else {
            Exit::Ok
        }));
    }
    rep.finish(&mut out)?;
    Ok(Blessing::Written { ok })
}

/// A blessing with the text it was made from.
type Edited = (Blessed, Arc<str>);

/// One file's blessing, on a worker thread: the edited text and the text
/// it was read from, `None` when nothing changes, or why it cannot be
/// blessed.
fn bless_one(
    worker: &Worker,
    file: &ScenarioFile,
    loaded: runner::Loaded,
) -> (PathBuf, Result<Option<Edited>, String>) {
    let r = match loaded {
        Ok(sc) => bless::bless(worker, &sc)
            .map(|b| b.map(|b| (b, sc.source.text.clone())))
            .map_err(|e| e.to_string()),
        Err(ds) => Err(ds
            .iter()
            .map(|d| d.render(false))
            .collect::<Vec<_>>()
            .join("\n")),
    };
    (file.path.clone(), r)
}
