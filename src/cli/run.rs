//! `run`: evaluate scenarios and report what fires, with rules and reasons.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{Exit, Global};
use crate::diagnostic::Diagnostic;
use crate::outcome::Outcome;
use crate::report::{self, Format};
use crate::runner;
use crate::scenario::{SeenIds, discover};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or folders
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Judge every scenario at this date instead of its own `as_of`
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Show every rule's verdict, quiet reason and print/debug trace
    #[arg(long)]
    pub explain: bool,
}

pub fn run(g: &Global, a: &RunArgs) -> io::Result<Exit> {
    let set = g.load_rules();
    let stdout = io::stdout();
    let color = std::env::var_os("NO_COLOR").is_none() && stdout.is_terminal();
    let mut out = BufWriter::new(stdout.lock());
    let mut rep = report::reporter(a.format, a.explain, color);
    let mut exit = Exit::Ok;
    for d in &set.diagnostics {
        if d.is_error() {
            exit = Exit::Error;
        }
        rep.diagnostic(&mut out, d)?;
    }
    let (files, diags) = discover(&a.scenarios);
    for d in &diags {
        exit = Exit::Error;
        rep.diagnostic(&mut out, d)?;
    }
    let mut ids = SeenIds::default();
    let mut result = Ok(());
    runner::for_each(
        &set,
        &files,
        g.jobs(),
        |worker, _, loaded| -> Result<Outcome, Vec<Diagnostic>> {
            let sc = loaded?;
            Ok(worker.evaluate(&sc, a.as_of.unwrap_or(sc.as_of)))
        },
        |r| {
            if result.is_err() {
                return;
            }
            result = (|| match r {
                Ok(o) => {
                    if let Some(d) = ids.check(&o.id, &o.file) {
                        exit = Exit::Error;
                        rep.diagnostic(&mut out, &d)?;
                    }
                    if !o.errors.is_empty() {
                        exit = Exit::Error;
                    }
                    rep.outcome(&mut out, &set, &o)
                }
                Err(ds) => {
                    exit = Exit::Error;
                    ds.iter().try_for_each(|d| rep.diagnostic(&mut out, d))
                }
            })();
        },
    );
    result?;
    rep.finish(&mut out)?;
    out.flush()?;
    Ok(exit)
}
