//! `diff`'s output: what changed between the base rules and the current
//! ones, scenario by scenario. Text: responses (`+` now fires, `-` no
//! longer fires, `~` any other change) and rules with both reasons,
//! scenarios whose verdicts changed before those where only reasons did;
//! diagnostics on stderr, the base's under a heading of their own. JSON:
//! one object (`format_version` 1). Markdown: tables for a pull-request
//! comment, reason-only changes folded in a `<details>`.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
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
    summary: Summary,
}

#[derive(Serialize, Clone, Copy)]
struct Summary {
    scenarios: usize,
    /// Scenarios where a response or a rule came out differently.
    changed: usize,
    /// Scenarios where only rules' reasons changed.
    reasons_only: usize,
}

/// Writes what changed across `scenarios` scenarios against the rules
/// `base` (as the user named them), and the problems found on the way.
pub fn write(
    format: Format,
    out: &mut dyn Write,
    base: &str,
    diagnostics: &[(Side, Diagnostic)],
    changes: &[Change],
    scenarios: usize,
) -> io::Result<()> {
    let changed = changes.iter().filter(|c| c.verdicts_changed).count();
    let summary = Summary {
        scenarios,
        changed,
        reasons_only: changes.len() - changed,
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
            text(out, changes, summary)
        }
        Format::Markdown => markdown(out, base, changes, summary),
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

fn text(out: &mut dyn Write, changes: &[Change], sum: Summary) -> io::Result<()> {
    if changes.is_empty() {
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
    write!(
        out,
        "{} of {} changed",
        sum.changed,
        count(sum.scenarios, "scenario")
    )?;
    if sum.reasons_only > 0 {
        write!(out, "; {} more changed only reasons", sum.reasons_only)?;
    }
    writeln!(out)
}

fn markdown(out: &mut dyn Write, base: &str, changes: &[Change], sum: Summary) -> io::Result<()> {
    writeln!(out, "### Policy outcome changes against `{}`\n", cell(base))?;
    if changes.is_empty() {
        return writeln!(
            out,
            "No outcome changes across {}.",
            count(sum.scenarios, "scenario")
        );
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
    Ok(())
}
