//! `test`: check every scenario's expectations, like `cargo test`: one line
//! per scenario, then the failures with expected vs actual and every rule
//! of the responses involved, then `N passed, N failed`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Exit, Global, paths_or_default, print_diagnostics};
use crate::diagnostic::Diagnostic;
use crate::outcome::FORMAT_VERSION;
use crate::report;
use crate::rules::RuleSet;
use crate::scenario::{SeenIds, discover};
use crate::suite::{TestResult, TestStatus, run_test};
use crate::{atomic, bless, runner};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per scenario, then failures with expected vs actual
    Text,
    /// One JSON object (format_version 1)
    Json,
    /// JUnit XML: one testcase per scenario, for CI dashboards
    Junit,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Only scenarios whose id, file or tag contains this text
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: TestFormat,
    /// Print only failures and the summary
    #[arg(short, long)]
    pub quiet: bool,
    /// Also print the outcome of every passing scenario
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Rewrite the expectations of the named scenario files to match what fires now
    #[arg(long, requires = "paths")]
    pub bless: bool,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    results: &'a [TestResult],
    summary: Summary,
}

#[derive(Serialize, Default, Clone, Copy)]
struct Summary {
    passed: usize,
    failed: usize,
    errors: usize,
    no_expectations: usize,
}

pub fn run(g: &Global, a: &TestArgs) -> io::Result<Exit> {
    let set = g.load_rules();
    if a.bless && !bless(g, &set, &a.paths) {
        return Ok(Exit::Error);
    }
    let mut diags = set.diagnostics.clone();
    let (files, d) = discover(&paths_or_default(&a.paths));
    diags.extend(d);
    let mut results: Vec<TestResult> = Vec::new();
    let mut ids = SeenIds::default();
    runner::for_each(
        &set,
        &files,
        g.jobs(),
        |worker, file, loaded| -> Option<TestResult> {
            match loaded {
                Ok(sc) => {
                    if let Some(p) = &a.filter {
                        let hit = sc.id.contains(p.as_str())
                            || sc.file.to_string_lossy().contains(p.as_str())
                            || sc.tags.iter().any(|t| t.contains(p.as_str()));
                        if !hit {
                            return None;
                        }
                    }
                    Some(run_test(worker, &sc))
                }
                Err(ds) => Some(TestResult {
                    id: file.id.clone(),
                    file: file.path.clone(),
                    status: TestStatus::Error,
                    failures: Vec::new(),
                    diagnostics: ds,
                    outcome: None,
                    other_outcomes: Vec::new(),
                }),
            }
        },
        |r| {
            if let Some(r) = r {
                diags.extend(ids.check(&r.id, &r.file));
                results.push(r);
            }
        },
    );
    let mut sum = Summary::default();
    for r in &results {
        match r.status {
            TestStatus::Passed => sum.passed += 1,
            TestStatus::Failed => sum.failed += 1,
            TestStatus::Error => sum.errors += 1,
            TestStatus::NoExpectations => sum.no_expectations += 1,
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    match a.format {
        TestFormat::Json => {
            let doc = JsonDoc {
                format_version: FORMAT_VERSION,
                diagnostics: &diags,
                results: &results,
                summary: sum,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        TestFormat::Junit => report::junit::write(&mut out, &set, &results, &diags)?,
        TestFormat::Text => {
            out.flush()?;
            print_diagnostics(&diags);
            text(&mut out, &set, &results, a)?;
            let mut line = format!("{} passed, {} failed", sum.passed, sum.failed);
            if sum.errors > 0 {
                line.push_str(&format!(", {} errors", sum.errors));
            }
            if sum.no_expectations > 0 {
                line.push_str(&format!(", {} without expectations", sum.no_expectations));
            }
            writeln!(out, "\n{line}")?;
        }
    }
    out.flush()?;
    let errored = sum.errors > 0 || diags.iter().any(Diagnostic::is_error);
    Ok(if errored {
        Exit::Error
    } else if sum.failed > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

fn text(
    out: &mut dyn Write,
    set: &RuleSet,
    results: &[TestResult],
    a: &TestArgs,
) -> io::Result<()> {
    for r in results {
        let word = match r.status {
            TestStatus::Passed => "ok",
            TestStatus::Failed => "FAILED",
            TestStatus::Error => "ERROR",
            TestStatus::NoExpectations => "no expectations",
        };
        if !a.quiet || !matches!(r.status, TestStatus::Passed | TestStatus::NoExpectations) {
            writeln!(out, "test {} ... {word}", r.id)?;
        }
        if a.verbose
            && let Some(o) = &r.outcome
        {
            writeln!(out, "    fires: [{}]", o.fired.join(", "))?;
        }
    }
    for r in results
        .iter()
        .filter(|r| matches!(r.status, TestStatus::Failed | TestStatus::Error))
    {
        writeln!(out, "\n---- {} ({}) ----", r.id, r.file.display())?;
        out.write_all(report::details(set, r).as_bytes())?;
    }
    Ok(())
}

/// Blesses the named files, printing what changed; false when a path is a
/// folder or cannot be blessed (the others are still written).
fn bless(g: &Global, set: &Arc<RuleSet>, paths: &[PathBuf]) -> bool {
    if let Some(dir) = paths.iter().find(|p| p.is_dir()) {
        eprintln!(
            "error: `{}` is a folder; --bless rewrites only scenario files named on the command line",
            dir.display()
        );
        return false;
    }
    if set.diagnostics.iter().any(Diagnostic::is_error) {
        print_diagnostics(&set.diagnostics);
        eprintln!("error: the rules have errors; nothing was blessed");
        return false;
    }
    let (files, diags) = discover(paths);
    print_diagnostics(&diags);
    let mut ok = diags.is_empty();
    let mut out = io::stdout().lock();
    runner::for_each(
        set,
        &files,
        g.jobs(),
        |worker, file, loaded| {
            let r = match loaded {
                Ok(sc) => bless::bless(worker, &sc).map(|b| b.map(|b| (b, sc.source.text.clone()))),
                Err(ds) => Err(ds
                    .iter()
                    .map(|d| d.render(false))
                    .collect::<Vec<_>>()
                    .join("\n")),
            };
            (file.path.clone(), r)
        },
        |(path, r)| {
            let p = path.display();
            let _ = match r {
                Ok(None) => writeln!(out, "{p}: expectations already match"),
                Ok(Some((b, read))) => match write_blessed(&path, &b.text, &read) {
                    Ok(()) => {
                        let _ = writeln!(out, "blessed {p}:");
                        b.edits.iter().try_for_each(|e| writeln!(out, "    {e}"))
                    }
                    Err(e) => {
                        ok = false;
                        writeln!(io::stderr(), "error: cannot write `{p}`: {e}")
                    }
                },
                Err(e) => {
                    ok = false;
                    writeln!(io::stderr(), "error: {p}: not blessed: {e}")
                }
            };
        },
    );
    let _ = writeln!(out);
    ok
}

/// Writes a blessed scenario over its file, keeping a byte-order mark and
/// `\r\n` line ends the file had, and refusing when the file changed since it was read.
fn write_blessed(path: &std::path::Path, text: &str, read: &str) -> io::Result<()> {
    const BOM: &str = "\u{feff}";
    let now = std::fs::read_to_string(path)?;
    let bom = now.starts_with(BOM);
    if now.strip_prefix(BOM).unwrap_or(&now) != read {
        return Err(io::Error::other(
            "the file changed while it was being blessed",
        ));
    }
    // toml_edit writes `\n`; a file written with `\r\n` keeps them.
    let text = if now.contains("\r\n") {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_string()
    };
    let out = if bom { format!("{BOM}{text}") } else { text };
    atomic::write(path, out.as_bytes())
}
