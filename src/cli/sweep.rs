//! `sweep`: evaluate one scenario over a range of one or two parameters
//! (`Engine::sweep`, shown by `report::sweep`).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;

use super::{Exit, Global, one_scenario};
use crate::diagnostic::Diagnostic;
use crate::report::{self, sweep::Format};
use crate::sweep::Sweep;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger sweep scenarios/us/ultimatum-original-deadline.toml --vary ultimatum-50-days.days=40..60\n  \
    sanctions-trigger sweep scenarios/us/ultimatum-2025.toml --vary as_of=2025-07-20..2025-08-20\n  \
    sanctions-trigger sweep scenarios/istanbul-2025-06-02.toml --vary round-2=present|absent\n  \
    sanctions-trigger sweep scenarios/us/ultimatum-original-deadline.toml \\\n      \
    --vary ultimatum-50-days.days=30..70 --vary as_of=2025-08-15..2025-09-30 --format csv\n\n\
    SPEC is one of:\n  \
    EVENT_ID.FIELD=LO..HI[:STEP]  a numeric field of the event with that `id` (nested: \
    EVENT_ID.outcome.casualties); STEP defaults to 1\n  \
    EVENT_ID.date=D1..D2[:Nd]     move the event from D1 to D2, N days at a time (default 1d)\n  \
    EVENT_ID=present|absent       with and without the event\n  \
    as_of=D1..D2[:Nd]             the judgement date\n\n\
    Both ends are included. Give --vary once, or twice for a grid; a sweep evaluates at most \
    40000 points (a 200 × 200 grid). Text shows, per response, where its status changes; \
    CSV has one row per point. A rule that errors at a point makes the exit code 2.")]
pub struct SweepArgs {
    /// The scenario file
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// A parameter and its range (see SPEC below); once or twice
    #[arg(long = "vary", value_name = "SPEC", required = true)]
    pub vary: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(g: &Global, a: &SweepArgs) -> io::Result<Exit> {
    let engine = g.engine();
    let set = engine.rules();
    let mut diags = set.diagnostics().to_vec();
    let mut sweep: Option<Sweep> = None;
    if !set.folder_missing()
        && let Some(sc) = one_scenario(set, &a.scenario, "sweep", &mut diags)
    {
        match engine.sweep(&sc, &a.vary, g.jobs()) {
            Ok(s) => sweep = Some(s),
            Err(d) => diags.push(d),
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    report::sweep::write(a.format, &mut out, &diags, sweep.as_ref())?;
    out.flush()?;
    let errored =
        diags.iter().any(Diagnostic::is_error) || sweep.as_ref().is_none_or(Sweep::has_errors);
    Ok(if errored { Exit::Error } else { Exit::Ok })
}
