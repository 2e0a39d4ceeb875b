//! `outlook`: look ahead from each scenario's judgement date, with no new
//! events, for the responses that change status in the next days
//! (`outlook`, shown by `report::outlook`).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{Exit, Global};
use crate::diagnostic::{Code, Diagnostic};
use crate::outlook::{DEFAULT_DAYS, MAX_DAYS, Options, Outlook};
use crate::report::{self, outlook::Format};
use crate::runner;
use crate::scenario::{SeenIds, discover};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger outlook scenarios/talks/exchange-not-carried-out.toml --as-of 2025-06-03\n  \
    sanctions-trigger outlook scenarios/us/ultimatum-2025.toml --as-of 2025-07-20 --days 60\n  \
    sanctions-trigger outlook scenarios/ --format markdown\n\n\
    Each scenario is replayed one day at a time from the day after its judgement date \
    (`as_of`, or --as-of) to --days days later, with no new events: deadline rules tip on \
    their own. Events the file dates after the judgement date are left out, as not yet \
    known; --with-later-events keeps them (for scheduled events). A rule that errors on a \
    day is shown as an error, never as quiet, and makes the exit code 2.")]
pub struct OutlookArgs {
    /// Scenario files or folders
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Days to look ahead, 1 to 3653 (ten years)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DAYS,
          value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(1..=u64::from(MAX_DAYS)))]
    pub days: u32,
    /// Look ahead from this date instead of each scenario's own `as_of`
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub as_of: Option<NaiveDate>,
    /// Keep the events the file dates after the judgement date
    #[arg(long)]
    pub with_later_events: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(g: &Global, a: &OutlookArgs) -> io::Result<Exit> {
    let engine = g.engine();
    let set = engine.rules();
    let mut diags = set.diagnostics().to_vec();
    // A missing rules folder: its one diagnostic, and nothing looked at.
    let (files, d) = if set.folder_missing() {
        (Vec::new(), Vec::new())
    } else {
        discover(&a.scenarios)
    };
    diags.extend(d);
    let opts = Options {
        as_of: a.as_of,
        days: a.days,
        with_later_events: a.with_later_events,
    };
    let mut outlooks: Vec<Outlook> = Vec::new();
    let mut ids = SeenIds::default();
    runner::for_each_with(
        || (),
        &files,
        engine.rules().vocabulary().map(|v| &**v),
        g.jobs(),
        |_, _, loaded| -> Result<Outlook, Vec<Diagnostic>> {
            let sc = loaded?;
            engine.outlook(&sc, opts).map_err(|e| {
                vec![
                    Diagnostic::error(Some(&sc.file), e.to_string())
                        .with_code(Code::ReplayRefused)
                        .with_help("look fewer days ahead with --days, or from an earlier --as-of"),
                ]
            })
        },
        |r| match r {
            Ok(o) => {
                diags.extend(ids.check(&o.id, &o.file));
                outlooks.push(o);
            }
            Err(ds) => diags.extend(ds),
        },
    );
    let mut out = BufWriter::new(io::stdout().lock());
    report::outlook::write(a.format, &mut out, &diags, &outlooks)?;
    out.flush()?;
    let errored =
        diags.iter().any(Diagnostic::is_error) || outlooks.iter().any(Outlook::has_errors);
    Ok(if errored { Exit::Error } else { Exit::Ok })
}
