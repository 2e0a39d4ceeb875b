//! `timeline`: replay scenarios day by day and show from which date each
//! response fires, what tipped it, and when it stops (`report::timeline`).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{Exit, Global};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::report::{self, timeline::Format};
use crate::runner;
use crate::scenario::{Scenario, SeenIds, discover};
use crate::timeline::{ReplayError, Timeline, default_window};

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Scenario files or folders
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// First day replayed [default: the scenario's first event]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub from: Option<NaiveDate>,
    /// Last day replayed [default: the scenario's as_of]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub to: Option<NaiveDate>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(g: &Global, a: &TimelineArgs) -> io::Result<Exit> {
    let engine = g.engine();
    let set = engine.rules();
    let mut diags = set.diagnostics().to_vec();
    // A missing rules folder: its one diagnostic, reported in the chosen
    // format, and no scenario read or replayed.
    let (files, d) = if set.folder_missing() {
        (Vec::new(), Vec::new())
    } else {
        discover(&a.scenarios)
    };
    diags.extend(d);
    let mut timelines = Vec::new();
    let mut ids = SeenIds::default();
    runner::for_each_with(
        || (),
        &files,
        engine.rules().vocabulary().map(|v| &**v),
        g.jobs(),
        |_, _, loaded| -> Result<Timeline, Vec<Diagnostic>> {
            let sc = loaded?;
            let window = default_window(&sc, a.from, a.to);
            // One `--from` for scenarios of different dates: a scenario
            // that ends before it has nothing to replay, which is worth a
            // note but is not a mistake (an explicit `--to` before
            // `--from` is, and `check` below says so).
            if a.to.is_none() && window.from > window.to {
                let d = Diagnostic::new(
                    Severity::Warning,
                    Some(&sc.file),
                    format!(
                        "not replayed: --from {} is after its as_of {}",
                        window.from, window.to
                    ),
                )
                .with_code(Code::ReplayRefused)
                .with_help("give --to to replay past its as_of");
                return Err(vec![d]);
            }
            engine
                .replay(&sc, window)
                .map_err(|e| vec![refused(&sc, &e)])
        },
        |r| match r {
            Ok(t) => {
                diags.extend(ids.check(&t.id, &t.file));
                timelines.push(t);
            }
            Err(ds) => diags.extend(ds),
        },
    );
    let mut out = BufWriter::new(io::stdout().lock());
    report::timeline::write(a.format, &mut out, &diags, &timelines)?;
    out.flush()?;
    let errored =
        diags.iter().any(Diagnostic::is_error) || timelines.iter().any(|t| !t.errors.is_empty());
    Ok(if errored { Exit::Error } else { Exit::Ok })
}

/// A window the replay refuses, as a diagnostic on the scenario with
/// help in terms of `--from` and `--to`.
fn refused(sc: &Scenario, e: &ReplayError) -> Diagnostic {
    let help = match e {
        ReplayError::Reversed { .. } => {
            "give `--from` a date on or before `--to` (and the scenario's `as_of`)"
        }
        _ => "replay part of it with --from and --to, or check the scenario's dates",
    };
    Diagnostic::error(Some(&sc.file), e.to_string())
        .with_code(Code::ReplayRefused)
        .with_help(help)
}
