//! `diff`: every scenario judged by the base rules and by the current ones,
//! and what changed — the review a policy change needs before it merges
//! (shown by `report::diff`).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{Exit, Global, paths_or_default};
use crate::diagnostic::Diagnostic;
use crate::diff::{self, Change};
use crate::eval::Worker;
use crate::outcome::Outcome;
use crate::report::{self, diff::Format, diff::Side};
use crate::runner;
use crate::scenario::{SeenIds, discover};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger diff --base main\n  \
    sanctions-trigger diff --base HEAD~3 scenarios/us/ --format markdown\n  \
    sanctions-trigger diff --base ../rules-v1 --exit-code\n\n\
    BASE is a folder when one exists at that path, otherwise a git revision: the rules \
    folder at that revision is read with `git show` into a temporary folder; the work \
    tree is not touched.")]
pub struct DiffArgs {
    /// The rules to compare against: a folder, or a git revision (HEAD, main, a tag, a commit)
    #[arg(long, value_name = "DIR|GIT-REV")]
    pub base: String,
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when any outcome changed
    #[arg(long)]
    pub exit_code: bool,
}

pub fn run(g: &Global, a: &DiffArgs) -> io::Result<Exit> {
    let (base_dir, guard) = match diff::base_rules(&a.base, &g.rules) {
        Ok(b) => b,
        Err(e) => {
            report::error(e);
            return Ok(Exit::Error);
        }
    };
    let base = Arc::new(g.rule_set(&base_dir));
    // Loaded rules hold their text: the exported revision goes now, so an
    // interrupted run leaves no temporary folder behind once loading is done.
    drop(guard);
    let current = g.load_rules();
    let (files, load_diags) = discover(&paths_or_default(&a.paths));
    let mut diags: Vec<(Side, Diagnostic)> = Vec::new();
    // The base is history: its problems are shown but do not fail the run.
    diags.extend(base.diagnostics.iter().map(|d| (Some("base"), d.clone())));
    diags.extend(
        current
            .diagnostics
            .iter()
            .map(|d| (Some("current"), d.clone())),
    );
    diags.extend(load_diags.into_iter().map(|d| (None, d)));
    let mut changes = Vec::new();
    let mut scenarios = 0;
    let mut ids = SeenIds::default();
    runner::for_each_with(
        || {
            let opts = g.worker_options();
            (
                Worker::new(base.clone(), opts.clone()),
                Worker::new(current.clone(), opts),
            )
        },
        &files,
        // Scenarios are judged by the vocabulary of the rules they are
        // written for now.
        current.vocabulary().map(|v| &**v),
        g.jobs(),
        |(b, c), _, loaded| -> Result<(Outcome, Option<Change>), Vec<Diagnostic>> {
            let sc = loaded?;
            let now = c.evaluate(&sc, sc.as_of);
            let change = diff::compare(&b.evaluate(&sc, sc.as_of), &now);
            Ok((now, change))
        },
        |r| match r {
            Ok((o, change)) => {
                scenarios += 1;
                if let Some(d) = ids.check(&o.id, &o.file) {
                    diags.push((None, d));
                }
                changes.extend(change);
            }
            Err(ds) => diags.extend(ds.into_iter().map(|d| (None, d))),
        },
    );
    let failed = diags
        .iter()
        .any(|(side, d)| *side != Some("base") && d.is_error());
    let mut out = BufWriter::new(io::stdout().lock());
    report::diff::write(a.format, &mut out, &a.base, &diags, &changes, scenarios)?;
    out.flush()?;
    Ok(if failed {
        Exit::Error
    } else if a.exit_code && !changes.is_empty() {
        Exit::Failed
    } else {
        Exit::Ok
    })
}
