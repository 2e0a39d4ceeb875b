//! `diff`'s output: what changed between the base rules and the current
//! ones, scenario by scenario. Text: responses (`+` now fires, `-` no
//! longer fires, `~` any other change) and rules with both reasons,
//! scenarios whose verdicts changed before those where only reasons did;
//! diagnostics on stderr, the base's under a heading of their own. JSON:
//! one object (`format_version` 1). Markdown: tables for a pull-request
//! comment, reason-only changes folded in a `<details>`. In every format,
//! the responses whose first-fire dates or periods moved (`diff
//! --over-time`, and scenarios with `first_fire` or `expect.at`) come
//! after the outcome changes.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::diff::over_time::{DatesMoved, Moved, Span};
use crate::diff::{Change, RuleSide};
use crate::outcome::{FORMAT_VERSION, Status};
use crate::report::markdown_cell as cell;
use crate::report::{count, print_diagnostics, stderr_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Per changed scenario: responses (+ now fires, - no longer fires) and rules
    Text,
    /// One JSON object (format_version 1)
    Json,
    /// Tables, fit for a pull-request comment
    Markdown,
}

/// The rules a diagnostic is about: `Some("base")`, `Some("current")`, or
/// `None` for a scenario's.
pub type Side = Option<&'static str>;

#[derive(Serialize)]
struct SideDiagnostic<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    side: Side,
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    format_version: u32,
    diagnostics: Vec<SideDiagnostic<'a>>,
    changed: &'a [Change],
    dates_moved: &'a [DatesMoved],
    summary: Summary,
}

#[derive(Serialize, Clone, Copy)]
struct Summary {
    scenarios: usize,
    /// Scenarios where a response or a rule came out differently.
    changed: usize,
    /// Scenarios where only rules' reasons changed.
    reasons_only: usize,
    /// Scenarios where a response's first-fire date or periods moved.
    dates_moved: usize,
}

/// Writes what changed across `scenarios` scenarios against the rules
/// `base` (as the user named them), and the problems found on the way.
pub fn write(
    format: Format,
    out: &mut dyn Write,
    base: &str,
    diagnostics: &[(Side, Diagnostic)],
    changes: &[Change],
    moved: &[DatesMoved],
    scenarios: usize,
) -> io::Result<()> {
    let changed = changes.iter().filter(|c| c.verdicts_changed).count();
    let summary = Summary {
        scenarios,
        changed,
        reasons_only: changes.len() - changed,
        dates_moved: moved.len(),
    };
    match format {
        Format::Json => {
            let doc = JsonDoc {
                format_version: FORMAT_VERSION,
                diagnostics: diagnostics
                    .iter()
                    .map(|(side, d)| SideDiagnostic {
                        side: *side,
                        diagnostic: d,
                    })
                    .collect(),
                changed: changes,
                dates_moved: moved,
                summary,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Text => {
            let base_ds: Vec<_> = diagnostics
                .iter()
                .filter(|(s, _)| *s == Some("base"))
                .map(|(_, d)| d.clone())
                .collect();
            if !base_ds.is_empty() {
                stderr_line(format_args!("in the base rules ({base}):"));
                print_diagnostics(&base_ds);
            }
            let rest: Vec<_> = diagnostics
                .iter()
                .filter(|(s, _)| *s != Some("base"))
                .map(|(_, d)| d.clone())
                .collect();
            print_diagnostics(&rest);
            text(out, changes, moved, summary)
        }
        Format::Markdown => markdown(out, base, changes, moved, summary),
    }
}

fn word(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Fires) => "fires",
        Some(Status::Quiet) => "quiet",
        Some(Status::Error) => "error",
        None => "absent",
    }
}

/// `+` now fires, `-` no longer fires, `~` any other change (to or from an
/// error, or a response that exists on one side only).
fn sign(base: Option<Status>, current: Option<Status>) -> (&'static str, String) {
    match (base, current) {
        (_, Some(Status::Fires)) if base != Some(Status::Error) => ("+", "now fires".into()),
        (Some(Status::Fires), Some(Status::Quiet)) => ("-", "no longer fires".into()),
        (b, c) => ("~", format!("{} → {}", word(b), word(c))),
    }
}

fn side_reason(s: &Option<RuleSide>) -> String {
    match s {
        None => "(no such rule)".into(),
        // Later lines of a multi-line reason line up under the first.
        Some(s) => s
            .reason
            .clone()
            .unwrap_or_else(|| "(no reason given)".into())
            .replace('\n', "\n               "),
    }
}

fn text(
    out: &mut dyn Write,
    changes: &[Change],
    moved: &[DatesMoved],
    sum: Summary,
) -> io::Result<()> {
    if changes.is_empty() && moved.is_empty() {
        return writeln!(
            out,
            "no outcome changes across {}",
            count(sum.scenarios, "scenario")
        );
    }
    let (verdicts, reasons): (Vec<&Change>, Vec<&Change>) =
        changes.iter().partition(|c| c.verdicts_changed);
    for (i, c) in verdicts.iter().chain(&reasons).enumerate() {
        if i == verdicts.len() {
            writeln!(out, "reasons changed, verdicts the same:\n")?;
        }
        writeln!(out, "{} ({})", c.id, c.file.display())?;
        for r in &c.responses {
            let (sign, what) = sign(r.base, r.current);
            writeln!(out, "  {sign} {:<28} {what}", r.id)?;
        }
        for r in &c.rules {
            let what = match (&r.base, &r.current) {
                (None, Some(_)) => "added".to_string(),
                (Some(_), None) => "removed".to_string(),
                (b, c) if b.as_ref().map(|s| s.status) == c.as_ref().map(|s| s.status) => {
                    format!("{}, reason changed", word(c.as_ref().map(|s| s.status)))
                }
                (b, c) => format!(
                    "{} → {}",
                    word(b.as_ref().map(|s| s.status)),
                    word(c.as_ref().map(|s| s.status))
                ),
            };
            writeln!(out, "  ~ rule {:<23} {what}", r.id)?;
            writeln!(out, "      base:    {}", side_reason(&r.base))?;
            writeln!(out, "      current: {}", side_reason(&r.current))?;
        }
        writeln!(out)?;
    }
    if !moved.is_empty() {
        writeln!(out, "dates moved (replayed day by day):\n")?;
        for m in moved {
            writeln!(
                out,
                "{} ({}), {} to {}",
                m.id,
                m.file.display(),
                m.window.from,
                m.window.to
            )?;
            for r in &m.responses {
                writeln!(out, "  ~ {}: {}", r.response, moved_words(r))?;
            }
            writeln!(out)?;
        }
    }
    if changes.is_empty() {
        write!(
            out,
            "no outcome changes across {}",
            count(sum.scenarios, "scenario")
        )?;
    } else {
        write!(
            out,
            "{} of {} changed",
            sum.changed,
            count(sum.scenarios, "scenario")
        )?;
    }
    if sum.reasons_only > 0 {
        write!(out, "; {} more changed only reasons", sum.reasons_only)?;
    }
    if sum.dates_moved > 0 {
        write!(
            out,
            "; dates moved in {}",
            count(sum.dates_moved, "scenario")
        )?;
    }
    writeln!(out)
}

/// `2025-08-09`, or `never`.
fn first(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "never".to_string(), |d| d.to_string())
}

/// `2025-08-09 to 2025-08-20, 2025-09-01 on`, or `never fires`.
fn spans(ps: &[Span]) -> String {
    if ps.is_empty() {
        return "never fires".into();
    }
    ps.iter()
        .map(|p| match p.to {
            Some(to) if to == p.from => p.from.to_string(),
            Some(to) => format!("{} to {to}", p.from),
            None => format!("{} on", p.from),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `first fires 2025-08-09 → 2025-08-10`, or, when only later periods
/// moved, `fires 2025-08-09 to 2025-08-20 → 2025-08-09 to 2025-08-21`.
fn moved_words(m: &Moved) -> String {
    if m.base_first_fire != m.current_first_fire {
        format!(
            "first fires {} → {}",
            first(m.base_first_fire),
            first(m.current_first_fire)
        )
    } else {
        format!("fires {} → {}", spans(&m.base), spans(&m.current))
    }
}

fn markdown_moved(out: &mut dyn Write, moved: &[DatesMoved]) -> io::Result<()> {
    writeln!(out, "#### First-fire dates and periods moved\n")?;
    writeln!(
        out,
        "| scenario | response | first fires, base → current | periods, base | periods, current |\n|---|---|---|---|---|"
    )?;
    for m in moved {
        for r in &m.responses {
            writeln!(
                out,
                "| `{}` | `{}` | {} → {} | {} | {} |",
                cell(&m.id),
                r.response,
                first(r.base_first_fire),
                first(r.current_first_fire),
                spans(&r.base),
                spans(&r.current)
            )?;
        }
    }
    writeln!(out)
}

fn markdown(
    out: &mut dyn Write,
    base: &str,
    changes: &[Change],
    moved: &[DatesMoved],
    sum: Summary,
) -> io::Result<()> {
    writeln!(out, "### Policy outcome changes against `{}`\n", cell(base))?;
    if changes.is_empty() {
        writeln!(
            out,
            "No outcome changes across {}.",
            count(sum.scenarios, "scenario")
        )?;
        if moved.is_empty() {
            return Ok(());
        }
        writeln!(out)?;
        return markdown_moved(out, moved);
    }
    writeln!(
        out,
        "{} of {} changed; {} more changed only reasons.\n",
        sum.changed,
        count(sum.scenarios, "scenario"),
        sum.reasons_only
    )?;
    let (verdicts, reasons): (Vec<&Change>, Vec<&Change>) =
        changes.iter().partition(|c| c.verdicts_changed);
    for (i, c) in verdicts.iter().chain(&reasons).enumerate() {
        if i == verdicts.len() {
            writeln!(
                out,
                "<details><summary>Reasons changed, verdicts the same</summary>\n"
            )?;
        }
        writeln!(out, "#### `{}` — as of {}\n", c.id, c.as_of)?;
        if !c.responses.is_empty() {
            writeln!(out, "| response | base | current |\n|---|---|---|")?;
            for r in &c.responses {
                let (sign, _) = sign(r.base, r.current);
                writeln!(
                    out,
                    "| {sign} `{}` | {} | {} |",
                    r.id,
                    word(r.base),
                    word(r.current)
                )?;
            }
            writeln!(out)?;
        }
        if !c.rules.is_empty() {
            writeln!(out, "| rule | base | current |\n|---|---|---|")?;
            for r in &c.rules {
                let side = |s: &Option<RuleSide>| match s {
                    None => "—".to_string(),
                    Some(s) => format!(
                        "{}: {}",
                        word(Some(s.status)),
                        cell(s.reason.as_deref().unwrap_or(""))
                    ),
                };
                writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    r.id,
                    side(&r.base),
                    side(&r.current)
                )?;
            }
            writeln!(out)?;
        }
    }
    if !reasons.is_empty() {
        writeln!(out, "</details>")?;
    }
    if !moved.is_empty() {
        if !reasons.is_empty() {
            writeln!(out)?;
        }
        markdown_moved(out, moved)?;
    }
    Ok(())
}
