//! `what-if`'s output. Text: the response's status as the scenario
//! stands, with its rule and reason, then each edit set that flips it —
//! single edits first, then pairs — with the new status, the deciding
//! rule and its new reason, and what was searched. JSON: one object
//! (`format_version` 1) with the diagnostics and the answer.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::outcome::{FORMAT_VERSION, Status};
use crate::report::{count, print_diagnostics};
use crate::what_if::{Found, WhatIf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The edit sets that flip the response, smallest first
    Text,
    /// One JSON object (format_version 1)
    Json,
}

#[derive(Serialize)]
struct Doc<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    what_if: Option<&'a WhatIf>,
}

/// Writes the answer (none when the question could not be asked), and
/// the problems found on the way.
pub fn write(
    format: Format,
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    answer: Option<&WhatIf>,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let doc = Doc {
                format_version: FORMAT_VERSION,
                diagnostics,
                what_if: answer,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Text => {
            print_diagnostics(diagnostics);
            match answer {
                Some(w) => text(out, w),
                None => Ok(()),
            }
        }
    }
}

fn word(s: Status) -> &'static str {
    match s {
        Status::Fires => "fires",
        Status::Quiet => "quiet",
        Status::Error => "errors",
    }
}

/// ` — rule: reason`, as far as known.
fn why(rule: Option<&str>, reason: Option<&str>) -> String {
    match (rule, reason) {
        (Some(r), Some(w)) => format!(" — {r}: {}", w.replace('\n', "\n      ")),
        (Some(r), None) => format!(" — {r}"),
        _ => String::new(),
    }
}

fn found(out: &mut dyn Write, f: &Found) -> io::Result<()> {
    let edits: Vec<String> = f.edits.iter().map(ToString::to_string).collect();
    writeln!(
        out,
        "    {}{}",
        edits.join(" + "),
        why(f.rule.as_deref(), f.reason.as_deref())
    )
}

fn text(out: &mut dyn Write, w: &WhatIf) -> io::Result<()> {
    writeln!(out, "{} — {} ({})", w.id, w.title, w.file.display())?;
    writeln!(
        out,
        "  {} {} on {}{}",
        w.response,
        word(w.status),
        w.as_of,
        why(w.rule.as_deref(), w.reason.as_deref())
    )?;
    let (singles, pairs): (Vec<&Found>, Vec<&Found>) =
        w.found.iter().partition(|f| f.edits.len() == 1);
    let goal = match w.wanted {
        Status::Fires => "make it fire",
        _ => "make it quiet",
    };
    if singles.is_empty() {
        writeln!(out, "  no single edit found to {goal}")?;
    } else {
        writeln!(out, "  single edits that {goal} ({}):", singles.len())?;
        for f in singles {
            found(out, f)?;
        }
    }
    if w.max_edits >= 2 {
        if pairs.is_empty() {
            writeln!(
                out,
                "  no pair of edits found to {goal} that neither does alone"
            )?;
        } else {
            writeln!(
                out,
                "  pairs of edits that {goal}, neither alone ({}):",
                pairs.len()
            )?;
            for f in pairs {
                found(out, f)?;
            }
        }
    }
    let mut searched = format!("  searched {}", count(w.singles_tried, "single edit"));
    if w.max_edits >= 2 {
        searched.push_str(&format!(" and {}", count(w.pairs_tried, "pair")));
    }
    if w.truncated {
        searched.push_str(" (candidates beyond the limit left out)");
    }
    writeln!(out, "{searched}")
}
