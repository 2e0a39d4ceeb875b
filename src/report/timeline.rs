//! `timeline`'s output. Text: per scenario, the window replayed, then a
//! line per response with an at-a-glance bar of the window and each
//! period it fires (from when, to when, what tipped it and what ended
//! it), and the rule errors by date; diagnostics on stderr. JSON: one
//! object (`format_version` 1) with the diagnostics and every timeline.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::outcome::FORMAT_VERSION;
use crate::report::print_diagnostics;
use crate::timeline::{Timeline, TippedBy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Serialize)]
struct Doc<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    scenarios: &'a [Timeline],
}

/// Width of the at-a-glance bar, in characters.
const BAR: usize = 48;

/// Writes the timelines of a replay, and the problems found on the way.
pub fn write(
    format: Format,
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    timelines: &[Timeline],
) -> io::Result<()> {
    match format {
        Format::Json => {
            let doc = Doc {
                format_version: FORMAT_VERSION,
                diagnostics,
                scenarios: timelines,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Text => {
            print_diagnostics(diagnostics);
            for (i, t) in timelines.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                text(out, t)?;
            }
            Ok(())
        }
    }
}

/// One scenario's timeline.
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
