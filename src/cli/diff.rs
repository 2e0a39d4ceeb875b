//! `diff`: every scenario judged by the base rules and by the current ones,
//! and what changed — the review a policy change needs before it merges
//! (shown by `report::diff`).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{Exit, Global, paths_or_default};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::{Code, Severity};
use crate::diff::over_time::{self, DatesMoved};
use crate::diff::{self, Change};
use crate::eval::Worker;
use crate::outcome::Outcome;
use crate::report::{self, diff::Format, diff::Side};
use crate::runner;
use crate::scenario::{SeenIds, discover};
use crate::timeline::default_window;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger diff --base main\n  \
    sanctions-trigger diff --base HEAD~3 scenarios/us/ --format markdown\n  \
    sanctions-trigger diff --base ../rules-v1 --exit-code\n  \
    sanctions-trigger diff --base main --over-time\n\n\
    BASE is a folder when one exists at that path, otherwise a git revision: the rules \
    folder at that revision is read with `git show` into a temporary folder; the work \
    tree is not touched.\n\n\
    Outcomes are compared at each scenario's as_of. Scenarios with [expect.first_fire] or \
    [[expect.at]] (every scenario with --over-time) are also replayed day by day, as \
    `timeline` does, under both rule sets: responses whose first-fire date or periods moved \
    are listed (`secondary-tariffs: first fires 2025-08-09 → 2025-08-10`).")]
pub struct DiffArgs {
    /// The rules to compare against: a folder, or a git revision (HEAD, main, a tag, a commit)
    #[arg(long, value_name = "DIR|GIT-REV")]
    pub base: String,
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when any outcome changed, or any first-fire date or period moved
    #[arg(long)]
    pub exit_code: bool,
    /// Replay every scenario day by day under both rule sets and list the
    /// responses whose first-fire dates or periods moved [default: only
    /// scenarios with `[expect.first_fire]` or `[[expect.at]]`]
    #[arg(long)]
    pub over_time: bool,
}

/// One scenario judged under both rule sets: the current outcome, what
/// changed at `as_of`, the dates that moved, and a note when it could not
/// be replayed.
type Judged = (
    Outcome,
    Option<Change>,
    Option<DatesMoved>,
    Option<Diagnostic>,
);

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
    let mut moved: Vec<DatesMoved> = Vec::new();
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
        |(b, c), _, loaded| -> Result<Judged, Vec<Diagnostic>> {
            let sc = loaded?;
            let now = c.evaluate(&sc, sc.as_of);
            let change = diff::compare(&b.evaluate(&sc, sc.as_of), &now);
            let ex = sc.expect();
            let (mut dates, mut note) = (None, None);
            if a.over_time || !ex.first_fire.is_empty() || !ex.at.is_empty() {
                let window = default_window(&sc, None, None);
                match window.validate() {
                    Ok(()) => dates = over_time::compare(b, c, &sc, window),
                    Err(e) => {
                        let d = Diagnostic::new(
                            Severity::Warning,
                            Some(&sc.file),
                            format!("dates not compared: {e}"),
                        )
                        .with_code(Code::ReplayRefused)
                        .with_help("its outcome at as_of is still compared");
                        note = Some(d);
                    }
                }
            }
            Ok((now, change, dates, note))
        },
        |r| match r {
            Ok((o, change, dates, note)) => {
                scenarios += 1;
                if let Some(d) = ids.check(&o.id, &o.file) {
                    diags.push((None, d));
                }
                diags.extend(note.map(|d| (None, d)));
                changes.extend(change);
                moved.extend(dates);
            }
            Err(ds) => diags.extend(ds.into_iter().map(|d| (None, d))),
        },
    );
    let failed = diags
        .iter()
        .any(|(side, d)| *side != Some("base") && d.is_error());
    let mut out = BufWriter::new(io::stdout().lock());
    report::diff::write(
        a.format, &mut out, &a.base, &diags, &changes, &moved, scenarios,
    )?;
    out.flush()?;
    Ok(if failed {
        Exit::Error
    } else if a.exit_code && !(changes.is_empty() && moved.is_empty()) {
        Exit::Failed
    } else {
        Exit::Ok
    })
}
