//! `outlook`'s output. Text: per scenario, the date looked ahead from and
//! to, then one line per change, nearest first (`stronger-sanctions fires
//! on 2025-07-02 (in 29 days) — rule: reason`), errors marked as errors;
//! diagnostics on stderr. JSON: one object (`format_version` 1) with the
//! diagnostics and every scenario's outlook. Markdown: a table per
//! scenario.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::outcome::FORMAT_VERSION;
use crate::outlook::{Becomes, Change, Outlook};
use crate::report::markdown_cell as cell;
use crate::report::{count, print_diagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Per scenario, one line per change, nearest first
    Text,
    /// One JSON object (format_version 1)
    Json,
    /// A table per scenario, fit for a briefing or a pull-request comment
    Markdown,
}

#[derive(Serialize)]
struct Doc<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    scenarios: &'a [Outlook],
}

/// Writes the outlooks, and the problems found on the way.
pub fn write(
    format: Format,
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    outlooks: &[Outlook],
) -> io::Result<()> {
    match format {
        Format::Json => {
            let doc = Doc {
                format_version: FORMAT_VERSION,
                diagnostics,
                scenarios: outlooks,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Text => {
            print_diagnostics(diagnostics);
            for (i, o) in outlooks.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                text(out, o)?;
            }
            Ok(())
        }
        Format::Markdown => {
            for (i, o) in outlooks.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                markdown(out, o)?;
            }
            Ok(())
        }
    }
}

fn verb(b: Becomes) -> &'static str {
    match b {
        Becomes::Fires => "fires",
        Becomes::Quiet => "becomes quiet",
        Becomes::Error => "errors",
    }
}

/// `in 1 day`, `in 29 days`.
fn within(c: &Change, o: &Outlook) -> String {
    let n = c.days_after(o.as_of);
    format!("in {}", count(usize::try_from(n).unwrap_or(0), "day"))
}

/// The window, and what it leaves out, as one line.
fn window(o: &Outlook) -> String {
    let days = (o.until - o.as_of).num_days();
    let mut s = format!(
        "from {} to {} ({}), if nothing new happens",
        o.as_of,
        o.until,
        count(usize::try_from(days).unwrap_or(0), "day")
    );
    if o.later_events_left_out > 0 {
        s.push_str(&format!(
            "; {} dated after {} left out (--with-later-events keeps them)",
            count(o.later_events_left_out, "event"),
            o.as_of
        ));
    }
    s
}

fn text(out: &mut dyn Write, o: &Outlook) -> io::Result<()> {
    writeln!(out, "{} — {} ({})", o.id, o.title, o.file.display())?;
    writeln!(out, "  {}", window(o))?;
    for e in &o.errors {
        writeln!(out, "  error on {}: {e}", o.as_of)?;
    }
    if o.changes.is_empty() {
        return writeln!(out, "  no response changes status by {}", o.until);
    }
    for c in &o.changes {
        let mark = if c.becomes == Becomes::Error {
            "error: "
        } else {
            ""
        };
        write!(
            out,
            "  {mark}{} {} on {} ({})",
            c.response,
            verb(c.becomes),
            c.date,
            within(c, o)
        )?;
        match (&c.rule, &c.reason) {
            (Some(r), Some(why)) => writeln!(out, " — {r}: {}", why.replace('\n', "\n      ")),
            (Some(r), None) => writeln!(out, " — {r}"),
            _ => writeln!(out),
        }?;
    }
    Ok(())
}

fn markdown(out: &mut dyn Write, o: &Outlook) -> io::Result<()> {
    writeln!(out, "### `{}` — {}\n", cell(&o.id), cell(&o.title))?;
    writeln!(out, "{}.\n", cell(&window(o)))?;
    for e in &o.errors {
        writeln!(out, "**Error on {}:** {}\n", o.as_of, cell(&e.to_string()))?;
    }
    if o.changes.is_empty() {
        return writeln!(out, "No response changes status by {}.", o.until);
    }
    writeln!(
        out,
        "| date | in | response | becomes | rule | reason |\n|---|---|---|---|---|---|"
    )?;
    for c in &o.changes {
        let becomes = match c.becomes {
            Becomes::Fires => "fires",
            Becomes::Quiet => "quiet",
            Becomes::Error => "**error**",
        };
        writeln!(
            out,
            "| {} | {} | `{}` | {becomes} | {} | {} |",
            c.date,
            within(c, o),
            c.response,
            c.rule
                .as_deref()
                .map(|r| format!("`{}`", cell(r)))
                .unwrap_or_default(),
            cell(c.reason.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}
