//! `check`: compile every rule, validate the catalogue and every scenario,
//! without evaluating anything (`lint`). Reports every problem, not just
//! the first (`report::check`).

use std::io;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{DEFAULT_SCENARIOS, Exit, Global, paths_or_default};
use crate::lint;
use crate::report;
use crate::report::check::Format;
use crate::scenario::discover;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger check\n  \
    sanctions-trigger check scenarios/talks/ --native\n  \
    sanctions-trigger check --format github      # annotations in GitHub Actions\n  \
    sanctions-trigger check --format json        # every diagnostic with its stable `code`\n\n\
    Exit codes: 0 no errors (warnings allowed), 2 an error was found.")]
pub struct CheckArgs {
    /// Scenario files or folders to validate [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Also list which rules run as native code, and why the others run in Rhai
    #[arg(long)]
    pub native: bool,
    /// Output format: `json` for programs and editors (every diagnostic
    /// with its stable `code`), `github` for annotations in GitHub Actions
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(g: &Global, a: &CheckArgs) -> io::Result<Exit> {
    let engine = g.engine();
    let set = engine.rules();
    if a.format == Format::Text
        && let Some(exit) = super::missing_rules(set)
    {
        return Ok(exit);
    }
    let mut out = io::stdout().lock();
    if set.folder_missing() {
        // Nothing to check against: the one diagnostic, in the format asked.
        report::check::write_as(a.format, &mut out, set, 0, set.diagnostics(), None)?;
        return Ok(Exit::Error);
    }
    let mut diags = set.diagnostics().to_vec();
    let (files, d) = discover(&paths_or_default(&a.paths));
    diags.extend(d);
    // Files named on the command line are checked against the event
    // kinds of the whole scenario folder.
    let tree = (!a.paths.is_empty()).then_some(Path::new(DEFAULT_SCENARIOS));
    diags.extend(lint::check(set, &files, tree));
    crate::diagnostic::dedup(&mut diags);
    let native = a.native.then(|| lint::native_use(set, &g.worker_options()));
    report::check::write_as(
        a.format,
        &mut out,
        set,
        files.len(),
        &diags,
        native.as_ref().map(Option::as_ref),
    )?;
    let errored = diags.iter().any(|d| d.is_error());
    Ok(if errored { Exit::Error } else { Exit::Ok })
}
