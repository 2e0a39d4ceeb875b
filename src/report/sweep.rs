//! `sweep`'s output. Text: the parameters, then per response where its
//! status changes (`secondary-tariffs: fires when ultimatum-50-days.days
//! <= 50, quiet from 51`), or with two parameters a grid per response
//! (`#` fires, `.` quiet, `!` error), and the responses that never change
//! on one line. JSON: one object (`format_version` 1) with the
//! diagnostics, the parameters, every point and every flip. CSV: a header
//! (the parameters, then one column per response) and one row per point.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::outcome::{FORMAT_VERSION, Status};
use crate::report::{count, print_diagnostics};
use crate::sweep::{Level, Parameter, Sweep, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Per response, where its status changes; a grid with two parameters
    Text,
    /// One JSON object (format_version 1): parameters, points, flips
    Json,
    /// One row per point: the parameters' values, then each response's status
    Csv,
}

#[derive(Serialize)]
struct Doc<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    sweep: Option<&'a Sweep>,
}

/// Writes the sweep (none when it could not run), and the problems found
/// on the way.
pub fn write(
    format: Format,
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sweep: Option<&Sweep>,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let doc = Doc {
                format_version: FORMAT_VERSION,
                diagnostics,
                sweep,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Text => {
            print_diagnostics(diagnostics);
            match sweep {
                Some(s) => text(out, s),
                None => Ok(()),
            }
        }
        Format::Csv => {
            print_diagnostics(diagnostics);
            match sweep {
                Some(s) => csv(out, s),
                None => Ok(()),
            }
        }
    }
}

fn word(s: Status) -> &'static str {
    match s {
        Status::Fires => "fires",
        Status::Quiet => "quiet",
        Status::Error => "error",
    }
}

/// `40 to 60 (21 values)`, `present, absent`.
fn span(p: &Parameter) -> String {
    if matches!(p.target, Target::Presence { .. }) {
        let v: Vec<String> = p.values.iter().map(Level::to_string).collect();
        return v.join(", ");
    }
    match (p.values.first(), p.values.last()) {
        (Some(a), Some(b)) => format!("{a} to {b} ({})", count(p.values.len(), "value")),
        _ => String::new(),
    }
}

/// `40..60`, `present|absent`: a parameter's first and last value.
fn ends(p: &Parameter) -> String {
    match (p.values.first(), p.values.last()) {
        (Some(a), Some(b)) if matches!(p.target, Target::Presence { .. }) => format!("{a}|{b}"),
        (Some(a), Some(b)) => format!("{a}..{b}"),
        _ => String::new(),
    }
}

fn text(out: &mut dyn Write, s: &Sweep) -> io::Result<()> {
    writeln!(out, "{} — {} ({})", s.id, s.title, s.file.display())?;
    for p in &s.parameters {
        writeln!(out, "  {}: {}", p.name, span(p))?;
    }
    if !s.parameters.iter().any(|p| p.target == Target::AsOf) {
        writeln!(out, "  judged on {}", s.as_of)?;
    }
    let mut same = Vec::new();
    for (r, id) in s.responses.iter().enumerate() {
        if s.constant(r) {
            let st = s.points.first().map_or(Status::Quiet, |p| p.statuses[r]);
            same.push(format!("{id} ({})", word(st)));
            continue;
        }
        if s.parameters.len() == 1 {
            writeln!(out, "  {id}: {}", line(&s.parameters[0], &s.column(r, 0)))?;
        } else {
            grid(out, s, r, id)?;
        }
    }
    if !same.is_empty() {
        writeln!(out, "  unchanged: {}", same.join(", "))?;
    }
    Ok(())
}

/// Where a response's status changes along one parameter: `fires when P
/// <= 50, quiet from 51` for one change, else its runs of one status.
fn line(p: &Parameter, statuses: &[Status]) -> String {
    // Runs of one status: (status, first index, last index).
    let mut runs: Vec<(Status, usize, usize)> = Vec::new();
    for (i, &st) in statuses.iter().enumerate() {
        match runs.last_mut() {
            Some((s, _, end)) if *s == st => *end = i,
            _ => runs.push((st, i, i)),
        }
    }
    let v = |i: usize| p.values[i].to_string();
    let presence = matches!(p.target, Target::Presence { .. });
    if let [(a, _, ae), (b, bs, _)] = runs[..] {
        if presence {
            return format!(
                "{} when {} is {}, {} when {}",
                word(a),
                p.name,
                v(0),
                word(b),
                v(bs)
            );
        }
        // Lead with the side that is not quiet.
        return if a != Status::Quiet {
            format!(
                "{} when {} <= {}, {} from {}",
                word(a),
                p.name,
                v(ae),
                word(b),
                v(bs)
            )
        } else {
            format!(
                "{} when {} >= {}, {} up to {}",
                word(b),
                p.name,
                v(bs),
                word(a),
                v(ae)
            )
        };
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(st, a, b)| {
            if a == b {
                format!("{} at {}", word(st), v(a))
            } else {
                format!("{} for {}..{}", word(st), v(a), v(b))
            }
        })
        .collect();
    format!("{} — {}", p.name, parts.join(", "))
}

/// A grid of one response's statuses: a row per value of the first
/// parameter, a column per value of the second.
fn grid(out: &mut dyn Write, s: &Sweep, r: usize, id: &str) -> io::Result<()> {
    let (p1, p2) = (&s.parameters[0], &s.parameters[1]);
    writeln!(
        out,
        "  {id} (# fires, . quiet, ! error): rows {} {}, columns {} {}",
        p1.name,
        ends(p1),
        p2.name,
        ends(p2)
    )?;
    let labels: Vec<String> = p1.values.iter().map(Level::to_string).collect();
    let width = labels.iter().map(String::len).max().unwrap_or(0);
    let n2 = p2.values.len();
    for (i, label) in labels.iter().enumerate() {
        let row: String = (0..n2)
            .map(|j| match s.points[i * n2 + j].statuses[r] {
                Status::Fires => '#',
                Status::Quiet => '.',
                Status::Error => '!',
            })
            .collect();
        writeln!(out, "    {label:>width$}  {row}")?;
    }
    Ok(())
}

fn csv(out: &mut dyn Write, s: &Sweep) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header = s
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .chain(s.responses.iter().map(String::as_str));
    w.write_record(header).map_err(io::Error::other)?;
    for p in &s.points {
        let row = p
            .values
            .iter()
            .map(Level::to_string)
            .chain(p.statuses.iter().map(|&st| word(st).to_string()));
        w.write_record(row).map_err(io::Error::other)?;
    }
    w.flush()
}
