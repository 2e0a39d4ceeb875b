//! `report`: a page for people — every scenario judged, replayed and
//! tested (`Engine::dossier`), written as one self-contained HTML file
//! (`report::html`) or a Markdown policy brief (`report::brief`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::{Exit, Global, paths_or_default};
use crate::diagnostic::{Code, Diagnostic};
use crate::dossier::{Dossier, Options};
use crate::report::dossiers::Input;
use crate::report::{self, print_diagnostics};
use crate::runner;
use crate::scenario::{SeenIds, discover};

/// The most scenarios one report holds unless `--max-scenarios` says
/// otherwise: a page of more is too long to read or to open on a phone
/// (docs/performance.md has the sizes).
pub const MAX_SCENARIOS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One self-contained page: inline style and charts, no network
    Html,
    /// A policy brief, for pasting into a document
    Markdown,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger report                          # every scenario, into report.html\n  \
    sanctions-trigger report scenarios/istanbul-2025-06-02.toml --out istanbul.html\n  \
    sanctions-trigger report scenarios/us/ --as-of 2025-08-08 --title \"US ultimatum\"\n  \
    sanctions-trigger report --format markdown --out - scenarios/istanbul-2025-06-02.toml\n  \
    sanctions-trigger report --coverage               # and which rules these scenarios never fire\n\n\
    The page needs no network and no JavaScript: open it in any browser, print it, mail it.\n\
    Each scenario is judged at its as_of (or --as-of), replayed day by day from its first\n\
    event (or --from) to that date (or --to), and its expectations are checked.\n\n\
    The same inputs give the same bytes: nothing in the report depends on the clock\n\
    unless --stamp asks for the time it was written.\n\n\
    Exit codes: 0 written, 2 an error (a file that does not load, a rule that errored, more\n\
    than --max-scenarios scenarios; errors are shown in the report, which is still written\n\
    unless nothing could be judged).")]
pub struct ReportArgs {
    /// Scenario files or folders [default: scenarios/]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Where to write it, `-` for standard output [default: report.html, or report.md with --format markdown]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Judge every scenario at this date instead of its own `as_of`
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub as_of: Option<NaiveDate>,
    /// First day of each timeline [default: the scenario's first event]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub from: Option<NaiveDate>,
    /// Last day of each timeline [default: the judgement date]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub to: Option<NaiveDate>,
    /// The report's title
    #[arg(long, value_name = "TEXT", default_value = "Policy triggers")]
    pub title: String,
    /// Output format
    #[arg(long, value_enum, default_value = "html")]
    pub format: Format,
    /// Refuse more scenarios than this (a page of thousands is unreadable)
    #[arg(long, value_name = "N", default_value_t = MAX_SCENARIOS)]
    pub max_scenarios: usize,
    /// Add to the overview which rules never fired, never stayed quiet or
    /// errored, and which responses never fired, over these scenarios
    #[arg(long)]
    pub coverage: bool,
    /// Write when the report was made (UTC, RFC 3339) at its end; without it
    /// the same inputs give the same bytes
    #[arg(long)]
    pub stamp: bool,
}

pub fn run(g: &Global, a: &ReportArgs) -> io::Result<Exit> {
    let engine = g.engine();
    let set = engine.rules();
    if let Some(exit) = super::missing_rules(set) {
        return Ok(exit);
    }
    let mut diags = set.diagnostics().to_vec();
    let (files, d) = discover(&paths_or_default(&a.paths));
    diags.extend(d);
    if files.len() > a.max_scenarios {
        print_diagnostics(&diags);
        print_diagnostics(&[too_many(files.len(), a.max_scenarios)]);
        return Ok(Exit::Error);
    }
    let opts = Options::default().as_of(a.as_of).from(a.from).to(a.to);
    let mut dossiers: Vec<Dossier> = Vec::new();
    let mut ids = SeenIds::default();
    runner::for_each_with(
        || (),
        &files,
        set.vocabulary().map(|v| &**v),
        g.jobs(),
        |_, _, loaded| loaded.map(|sc| engine.dossier(&sc, &opts)),
        |r| match r {
            Ok(d) => {
                diags.extend(ids.check(d.scenario.id(), d.scenario.file()));
                dossiers.push(d);
            }
            Err(ds) => diags.extend(ds),
        },
    );
    let coverage = a
        .coverage
        .then(|| report::dossiers::coverage(set, &dossiers));
    let stamp = a
        .stamp
        .then(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let input = Input {
        title: &a.title,
        set,
        dossiers: &dossiers,
        diagnostics: &diags,
        as_of: a.as_of,
        coverage: coverage.as_ref(),
        stamp: stamp.as_deref(),
    };
    let mut bytes = Vec::new();
    match a.format {
        Format::Html => report::html::write(&mut bytes, &input)?,
        Format::Markdown => report::brief::write(&mut bytes, &input)?,
    }
    print_diagnostics(&diags);
    let errored =
        diags.iter().any(Diagnostic::is_error) || dossiers.iter().any(Dossier::has_errors);
    let exit = if errored { Exit::Error } else { Exit::Ok };
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from(match a.format {
            Format::Html => "report.html",
            Format::Markdown => "report.md",
        })
    });
    if out.as_os_str() == "-" {
        let mut stdout = io::stdout().lock();
        stdout.write_all(&bytes)?;
        stdout.flush()?;
        return Ok(exit);
    }
    match crate::atomic::write(&out, &bytes) {
        Ok(()) => {
            report::dossiers::written(&out, &dossiers, bytes.len());
            Ok(exit)
        }
        Err(e) => {
            print_diagnostics(&[cannot_write(&out, &e)]);
            Ok(Exit::Error)
        }
    }
}

fn too_many(found: usize, max: usize) -> Diagnostic {
    Diagnostic::error(
        None,
        format!("{found} scenarios are more than a report holds ({max}); nothing was written"),
    )
    .with_code(Code::ReportTooLarge)
    .with_help(format!(
        "pass fewer paths (a folder per report), or raise the limit with `--max-scenarios {found}`"
    ))
}

fn cannot_write(out: &Path, e: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(Some(out), format!("cannot write the report: {e}"))
        .with_code(Code::WriteFailed)
}
