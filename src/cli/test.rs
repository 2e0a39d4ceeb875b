//! `test`: check every scenario's expectations, like `cargo test`: one line
//! per scenario, then the failures with expected vs actual and every rule
//! of the responses involved, then `N passed, N failed`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Exit, Global, paths_or_default, print_diagnostics};
use crate::diagnostic::Diagnostic;
use crate::outcome::FORMAT_VERSION;
use crate::report;
use crate::rules::RuleSet;
use crate::runner;
use crate::scenario::{SeenIds, discover};
use crate::suite::{TestResult, TestStatus, run_test};

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
