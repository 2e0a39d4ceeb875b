//! `what-if`: the smallest edits to one scenario that flip a response
//! (`Engine::what_if`, shown by `report::what_if`).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;

use super::{Exit, Global, one_scenario};
use crate::diagnostic::Diagnostic;
use crate::report::{self, what_if::Format};
use crate::what_if::{MAX_EDITS, Options, WhatIf};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger what-if scenarios/istanbul-2025-06-02.toml --response new-sanctions\n  \
    sanctions-trigger what-if scenarios/istanbul-2025-06-02.toml --response stronger-sanctions --max-edits 1\n  \
    sanctions-trigger what-if scenarios/us/ultimatum-2025.toml --response secondary-tariffs --format json\n\n\
    The edits tried: drop an event (by its `id`); flip a boolean field; set a number to a value \
    next to a constant in the rules that name the event's kind; move an event's date, or the \
    judgement date, to the day before, of or after a date that matters (events' dates, date \
    fields, deadlines computed from the rules' day counts). Single edits first, then pairs of \
    edits that do not flip the response alone. Each field or date is reported at its nearest \
    flipping value either way. The search is bounded (64 values per field or date, 5000 single \
    edits, 2016 pairs) and gives the same answer at any -j.")]
pub struct WhatIfArgs {
    /// The scenario file
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// The response to flip (fires → quiet, or quiet → fires)
    #[arg(long, value_name = "ID")]
    pub response: String,
    /// The most edits combined: 1 (single edits) or 2 (then pairs)
    #[arg(long, value_name = "K", default_value_t = MAX_EDITS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_EDITS as u64))]
    pub max_edits: usize,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(g: &Global, a: &WhatIfArgs) -> io::Result<Exit> {
    let engine = g.engine();
    let set = engine.rules();
    let mut diags = set.diagnostics().to_vec();
    let mut answer: Option<WhatIf> = None;
    if !set.folder_missing()
        && let Some(sc) = one_scenario(set, &a.scenario, "what-if", &mut diags)
    {
        let opts = Options {
            response: a.response.clone(),
            max_edits: a.max_edits,
            jobs: g.jobs(),
        };
        match engine.what_if(&sc, &opts) {
            Ok(w) => answer = Some(w),
            Err(d) => diags.push(d),
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    report::what_if::write(a.format, &mut out, &diags, answer.as_ref())?;
    out.flush()?;
    let errored = diags.iter().any(Diagnostic::is_error) || answer.is_none();
    Ok(if errored { Exit::Error } else { Exit::Ok })
}
