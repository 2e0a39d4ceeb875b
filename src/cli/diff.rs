//! `diff`: every scenario judged by the base rules and by the current ones,
//! and what changed — the review a policy change needs before it merges.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Exit, Global, count, paths_or_default, print_diagnostics};
use crate::diagnostic::Diagnostic;
use crate::diff::{self, Change, RuleSide};
use crate::eval::Worker;
use crate::outcome::{FORMAT_VERSION, Outcome, Status};
use crate::report::markdown::cell;
use crate::runner;
use crate::scenario::{SeenIds, discover};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Per changed scenario: responses (+ now fires, - no longer fires) and rules
    Text,
    /// One JSON object (format_version 1)
    Json,
    /// Tables, fit for a pull-request comment
    Markdown,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger diff --base main\n  \
    sanctions-trigger diff --base HEAD~3 scenarios/us/ --format markdown\n  \
    sanctions-trigger diff --base ../rules-v1 --exit-code\n\n\
    BASE is a folder when one exists at that path, otherwise a git revision: the rules \
    folder at that revision is read with `git show` into a temporary folder; the work \
    tree is not touched.")]
pub struct DiffArgs {
    /// The rules to compare against: a folder, or a git revision (HEAD, main, a tag, a commit)
    #[arg(long, value_name = "DIR|GIT-REV")]
    pub base: String,
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Exit 1 when any outcome changed
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Serialize)]
struct SideDiagnostic<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    side: Option<&'static str>,
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

pub fn run(g: &Global, a: &DiffArgs) -> io::Result<Exit> {
    let (base_dir, guard) = match diff::base_rules(&a.base, &g.rules) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Error);
        }
    };
    let base = Arc::new(g.rule_set(&base_dir));
    // Loaded rules hold their text: the exported revision goes now, so an
    // interrupted run leaves no temporary folder behind once loading is done.
    drop(guard);
    let current = g.load_rules();
    let (files, load_diags) = discover(&paths_or_default(&a.paths));
    let mut diags: Vec<(Option<&'static str>, Diagnostic)> = Vec::new();
    // The base is history: its problems are shown but do not fail the run.
    diags.extend(base.diagnostics.iter().map(|d| (Some("base"), d.clone())));
    diags.extend(
        current
            .diagnostics
            .iter()
            .map(|d| (Some("current"), d.clone())),
    );
    diags.extend(load_diags.into_iter().map(|d| (None, d)));
    let mut changes = Vec::new();
    let mut scenarios = 0;
    let mut ids = SeenIds::default();
    runner::for_each_with(
        || {
            let opts = g.worker_options();
            (
                Worker::new(base.clone(), opts.clone()),
                Worker::new(current.clone(), opts),
            )
        },
        &files,
        g.jobs(),
        |(b, c), _, loaded| -> Result<(Outcome, Option<Change>), Vec<Diagnostic>> {
            let sc = loaded?;
            let now = c.evaluate(&sc, sc.as_of);
            let change = diff::compare(&b.evaluate(&sc, sc.as_of), &now);
            Ok((now, change))
        },
        |r| match r {
            Ok((o, change)) => {
                scenarios += 1;
                if let Some(d) = ids.check(&o.id, &o.file) {
                    diags.push((None, d));
                }
                changes.extend(change);
            }
            Err(ds) => diags.extend(ds.into_iter().map(|d| (None, d))),
        },
    );
    let failed = diags
        .iter()
        .any(|(side, d)| *side != Some("base") && d.is_error());
    let mut out = BufWriter::new(io::stdout().lock());
    let changed = changes.iter().filter(|c| c.verdicts_changed).count();
    let summary = Summary {
        scenarios,
        changed,
        reasons_only: changes.len() - changed,
    };
    match a.format {
        DiffFormat::Json => {
            let doc = JsonDoc {
                format_version: FORMAT_VERSION,
                diagnostics: diags
                    .iter()
                    .map(|(side, d)| SideDiagnostic {
                        side: *side,
                        diagnostic: d,
                    })
                    .collect(),
                changed: &changes,
                summary,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        DiffFormat::Text => {
            let base_ds: Vec<_> = diags
                .iter()
                .filter(|(s, _)| *s == Some("base"))
                .map(|(_, d)| d.clone())
                .collect();
            if !base_ds.is_empty() {
                eprintln!("in the base rules ({}):", a.base);
                print_diagnostics(&base_ds);
            }
            let rest: Vec<_> = diags
                .iter()
                .filter(|(s, _)| *s != Some("base"))
                .map(|(_, d)| d.clone())
                .collect();
            print_diagnostics(&rest);
            text(&mut out, &changes, summary)?;
        }
        DiffFormat::Markdown => markdown(&mut out, &a.base, &changes, summary)?,
    }
    out.flush()?;
    Ok(if failed {
        Exit::Error
    } else if a.exit_code && !changes.is_empty() {
        Exit::Failed
    } else {
        Exit::Ok
    })
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
