//! `timeline`: replay scenarios day by day and show from which date each
//! response fires, what tipped it, and when it stops.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Exit, Global, print_diagnostics};
use crate::diagnostic::{Diagnostic, Severity};
use crate::outcome::FORMAT_VERSION;
use crate::runner;
use crate::scenario::{SeenIds, discover};
use crate::timeline::{Timeline, TippedBy, default_window, replay};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Text,
    Json,
}

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
    pub format: TimelineFormat,
}

#[derive(Serialize)]
struct Doc<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    scenarios: &'a [Timeline],
}

/// Width of the at-a-glance bar, in characters.
const BAR: usize = 48;

pub fn run(g: &Global, a: &TimelineArgs) -> io::Result<Exit> {
    let set = g.load_rules();
    let mut diags = set.diagnostics.clone();
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
    runner::for_each(
        &set,
        &g.worker_options(),
        &files,
        g.jobs(),
        |worker, _, loaded| -> Result<Timeline, Vec<Diagnostic>> {
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
                .with_help("give --to to replay past its as_of");
                return Err(vec![d]);
            }
            window.check(&sc).map_err(|d| vec![d])?;
            Ok(replay(worker, &sc, window))
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
    match a.format {
        TimelineFormat::Json => {
            let doc = Doc {
                format_version: FORMAT_VERSION,
                diagnostics: &diags,
                scenarios: &timelines,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        TimelineFormat::Text => {
            print_diagnostics(&diags);
            for (i, t) in timelines.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                text(&mut out, t)?;
            }
        }
    }
    out.flush()?;
    let errored =
        diags.iter().any(Diagnostic::is_error) || timelines.iter().any(|t| !t.errors.is_empty());
    Ok(if errored { Exit::Error } else { Exit::Ok })
}

fn text(out: &mut dyn Write, t: &Timeline) -> io::Result<()> {
    let (from, to) = (t.window.from, t.window.to);
    let days = (to - from).num_days() + 1;
    writeln!(out, "{} — {} ({})", t.id, t.title, t.file.display())?;
    let unit = if days == 1 { "day" } else { "days" };
    writeln!(out, "  replayed {from} to {to} ({days} {unit})")?;
    let width = t
        .responses
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(8)
        .max(8);
    for r in &t.responses {
        // At-a-glance bar: one cell per slice of the window.
        let mut bar = vec!['·'; BAR];
        for p in &r.periods {
            let end = p.to.unwrap_or(to);
            let a = ((p.from - from).num_days() * BAR as i64 / days) as usize;
            let b = ((((end - from).num_days() + 1) * BAR as i64 + days - 1) / days) as usize;
            for c in bar.iter_mut().take(b.min(BAR)).skip(a) {
                *c = '█';
            }
        }
        let bar: String = bar.into_iter().collect();
        if r.periods.is_empty() {
            writeln!(out, "  {:<width$}  {bar}  never fires", r.id)?;
            continue;
        }
        for (k, p) in r.periods.iter().enumerate() {
            let until = match p.to {
                Some(d) => format!("to {d}"),
                None => "still firing".to_string(),
            };
            let tip = match &p.tipped_by {
                _ if p.from_open => "already firing when the replay starts".to_string(),
                TippedBy::Deadline(_) => "deadline passed".to_string(),
                TippedBy::Events(ev) => format!("tipped by {}", names(ev)),
            };
            let ended = match &p.ended_by {
                None => String::new(),
                Some(TippedBy::Deadline(_)) => "; lapsed".to_string(),
                Some(TippedBy::Events(ev)) => format!("; ended by {}", names(ev)),
            };
            let tip = format!(
                "{tip}{}{ended}{}",
                because(p.cause.as_ref()),
                because(p.end_cause.as_ref())
            );
            let (name, shown_bar) = if k == 0 {
                (r.id.as_str(), bar.as_str())
            } else {
                ("", "")
            };
            writeln!(
                out,
                "  {name:<width$}  {shown_bar:<BAR$}  fires from {} {until}; {tip}",
                p.from
            )?;
        }
    }
    for e in &t.errors {
        writeln!(out, "  error on {}: {}", e.date, e.error)?;
    }
    Ok(())
}

/// The events that made a change: `` `round-2` (talks, line 12) ``.
fn names(ev: &[crate::timeline::Tip]) -> String {
    ev.iter()
        .map(|e| match &e.id {
            Some(id) => format!("`{}` ({}, {})", id, e.kind, at(e)),
            None => format!("`{}` ({})", e.kind, at(e)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` — rule: its reason`, after what changed a response.
fn because(c: Option<&crate::timeline::Cause>) -> String {
    match c {
        Some(c) => match &c.reason {
            Some(r) => format!(" — {}: {r}", c.rule),
            None => format!(" — {}", c.rule),
        },
        None => String::new(),
    }
}

/// `line 12`, or `base.toml:12` for an event inherited from a base file.
fn at(t: &crate::timeline::Tip) -> String {
    match &t.file {
        Some(f) => format!("{}:{}", f.display(), t.line),
        None => format!("line {}", t.line),
    }
}
