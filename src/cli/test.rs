//! `test`: check every scenario's expectations, like `cargo test`: one line
//! per scenario, then the failures with expected vs actual and every rule
//! of the responses involved, then `N passed, N failed`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Exit, Global, count, paths_or_default, print_diagnostics, progress, watch};
use crate::diagnostic::Diagnostic;
use crate::eval::WorkerOptions;
use crate::outcome::FORMAT_VERSION;
use crate::report;
use crate::rules::RuleSet;
use crate::sandbox::line_hits;
use crate::scenario::{ScenarioFile, SeenIds, discover};
use crate::suite::{TestResult, TestStatus, run_test};
use crate::{atomic, bless, coverage, files, runner};

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
#[command(after_help = "Examples:\n  \
    sanctions-trigger test\n  \
    sanctions-trigger test --filter ultimatum -v\n  \
    sanctions-trigger test --format junit > report.xml\n  \
    sanctions-trigger test --coverage-threshold 90\n  \
    sanctions-trigger test --watch\n  \
    sanctions-trigger test --bless scenarios/us/ultimatum-2025.toml\n  \
    sanctions-trigger test --bless --dry-run scenarios/us/ultimatum-2025.toml\n\n\
    Exit codes: 0 all passed, 1 an expectation failed (or coverage below the threshold), \
    2 an error (a file that does not load, a rule that errored).")]
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
    #[arg(long, requires = "paths", conflicts_with = "watch")]
    pub bless: bool,
    /// With --bless: print the edits as a unified diff and write nothing
    /// (exit 0 when nothing would change, 1 when something would)
    #[arg(long, requires = "bless")]
    pub dry_run: bool,
    /// Report which rules fired, stayed quiet or errored, and which script lines ran
    #[arg(long)]
    pub coverage: bool,
    /// Exit 1 when line coverage is below PCT (implies --coverage)
    #[arg(long, value_name = "PCT", value_parser = threshold)]
    pub coverage_threshold: Option<f64>,
    /// Re-run when a rule, helper, catalogue or scenario file changes
    #[arg(long)]
    pub watch: bool,
}

fn threshold(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

impl TestArgs {
    fn coverage(&self) -> bool {
        self.coverage || self.coverage_threshold.is_some()
    }
}

#[derive(Serialize, Default, Clone, Copy)]
struct Summary {
    passed: usize,
    failed: usize,
    errors: usize,
    no_expectations: usize,
    /// Scenarios left out by `--filter`; not counted in [`Summary::total`].
    filtered_out: usize,
}

impl Summary {
    /// The scenarios that ran (or failed to load).
    fn total(&self) -> usize {
        self.passed + self.failed + self.errors + self.no_expectations
    }
}

pub fn run(g: &Global, a: &TestArgs) -> io::Result<Exit> {
    if a.paths.iter().any(|p| p.as_os_str() == "-") {
        eprintln!("error: `test` reads scenario files; standard input (`-`) is for `run`");
        return Ok(Exit::Error);
    }
    if a.watch {
        return watch::run(g, a);
    }
    let set = g.load_rules();
    if set.folder_missing() {
        // Nothing is blessed or run. Text prints the one diagnostic on
        // stderr; JSON and JUnit carry it in a document with no results.
        return match a.format {
            TestFormat::Text => Ok(super::missing_rules(&set).unwrap_or(Exit::Error)),
            TestFormat::Json | TestFormat::Junit => {
                suite(g, a, &set, &[], Vec::new()).map(|e| e.max(Exit::Error))
            }
        };
    }
    // Files that could not be blessed are reported; the tests still run on
    // every named file, so the user sees where each one stands. A bless
    // refused as a whole runs nothing: its results would answer a
    // question the user did not ask.
    let blessed = match a.bless.then(|| bless(g, &set, &a.paths, a.dry_run)) {
        None => true,
        Some(Blessing::Refused) => return Ok(Exit::Error),
        Some(Blessing::DryRun(exit)) => return Ok(exit),
        Some(Blessing::Written { ok }) => ok,
    };
    let (files, d) = discover(&paths_or_default(&a.paths));
    let exit = suite(g, a, &set, &files, d)?;
    Ok(if blessed { exit } else { exit.max(Exit::Error) })
}

/// How the tests run the rules: workers record line coverage when asked.
fn worker_options(g: &Global, a: &TestArgs) -> WorkerOptions {
    WorkerOptions {
        line_coverage: a.coverage(),
        ..g.worker_options()
    }
}

/// Runs and reports the tests of `files`. Results are written as they
/// arrive (in input order) and only failures are kept for the closing
/// details, so memory does not grow with the number of scenarios.
pub(super) fn suite(
    g: &Global,
    a: &TestArgs,
    set: &Arc<RuleSet>,
    files: &[ScenarioFile],
    load_diags: Vec<Diagnostic>,
) -> io::Result<Exit> {
    let mut diags = set.diagnostics.clone();
    diags.extend(load_diags);
    let mut out = BufWriter::new(io::stdout().lock());
    match a.format {
        TestFormat::Text => print_diagnostics(&diags),
        TestFormat::Json => write!(
            out,
            "{{\n\"format_version\": {FORMAT_VERSION},\n\"results\": ["
        )?,
        TestFormat::Junit => {}
    }
    let known = diags.len();
    // Kept: failures and errors for the text details; for JUnit, every
    // result with the outcomes of passing ones dropped.
    let mut kept: Vec<TestResult> = Vec::new();
    let mut sum = Summary::default();
    let mut ids = SeenIds::default();
    let mut cov = a.coverage().then(|| coverage::Collector::new(set));
    let mut written: io::Result<()> = Ok(());
    // Whether anything is on stdout yet (text), so that no blank line
    // separator opens the output.
    let mut printed = false;
    // Scenarios that loaded and passed `--filter`.
    let mut matched = 0;
    let bar = progress(Some(files.len()));
    runner::for_each(
        set,
        &worker_options(g, a),
        files,
        g.jobs(),
        |worker, file, loaded| {
            let ok = loaded.is_ok();
            let mut r = test_one(a, worker, file, loaded);
            // Text output without `--verbose` or coverage prints nothing of
            // a passing scenario's outcomes: they are freed here, by the
            // thread that built them, not by the writer.
            if let Some(r) = r.as_mut()
                && a.format == TestFormat::Text
                && !a.verbose
                && !a.coverage()
                && matches!(r.status, TestStatus::Passed | TestStatus::NoExpectations)
            {
                r.outcome = None;
                r.other_outcomes = Vec::new();
            }
            let hits = a.coverage().then(line_hits::take_hits);
            (r, ok, hits)
        },
        |(r, ok, hits)| {
            bar.inc(1);
            if let (Some(c), Some(h)) = (cov.as_mut(), hits) {
                c.hits(h);
            }
            let Some(mut r) = r else {
                sum.filtered_out += 1;
                return;
            };
            matched += usize::from(ok);
            if let Some(c) = cov.as_mut() {
                r.outcome
                    .iter()
                    .chain(&r.other_outcomes)
                    .for_each(|o| c.outcome(o));
            }
            diags.extend(ids.check(&r.id, &r.file));
            let first = sum.total() == 0;
            match r.status {
                TestStatus::Passed => sum.passed += 1,
                TestStatus::Failed => sum.failed += 1,
                TestStatus::Error => sum.errors += 1,
                TestStatus::NoExpectations => sum.no_expectations += 1,
            }
            if written.is_err() {
                return;
            }
            written = match a.format {
                TestFormat::Text => line(&mut out, set, &r, a).map(|w| printed |= w),
                TestFormat::Json => (|| {
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                    serde_json::to_writer_pretty(&mut out, &r)?;
                    Ok(())
                })(),
                TestFormat::Junit => Ok(()),
            };
            let failed = matches!(r.status, TestStatus::Failed | TestStatus::Error);
            if failed || a.format == TestFormat::Junit {
                if !failed {
                    r.outcome = None;
                    r.other_outcomes = Vec::new();
                }
                kept.push(r);
            }
        },
    );
    bar.finish_and_clear();
    written?;
    let cov = cov.map(|c| c.report(set, a.coverage_threshold));
    match a.format {
        TestFormat::Json => {
            write!(out, "\n],\n\"diagnostics\": ")?;
            serde_json::to_writer_pretty(&mut out, &diags)?;
            write!(out, ",\n\"summary\": ")?;
            serde_json::to_writer_pretty(&mut out, &sum)?;
            if let Some(c) = &cov {
                write!(out, ",\n\"coverage\": ")?;
                serde_json::to_writer_pretty(&mut out, c)?;
            }
            writeln!(out, "\n}}")?;
        }
        TestFormat::Junit => {
            let check = cov.as_ref().filter(|c| c.threshold.is_some()).map(|c| {
                let mut details = Vec::new();
                // Into memory: cannot fail.
                let _ = coverage_text(&mut details, c);
                report::junit::CoverageCheck {
                    met: c.threshold_met,
                    message: below_message(c),
                    details: String::from_utf8_lossy(&details).trim().to_string(),
                }
            });
            report::junit::write(&mut out, set, &kept, &diags, check.as_ref())?;
        }
        TestFormat::Text => {
            out.flush()?;
            // Problems found during the run (a duplicate id).
            print_diagnostics(&diags[known..]);
            for r in &kept {
                // A scenario that only a rule that did not load left
                // unjudged said so on its line already; one that failed
                // beside it says so above its failures.
                let details = if r.status == TestStatus::Error {
                    report::details_judged(set, r)
                } else {
                    report::details(set, r)
                };
                if details.is_empty() {
                    continue;
                }
                if printed {
                    writeln!(out)?;
                }
                writeln!(out, "---- {} ({}) ----", r.id, r.file.display())?;
                out.write_all(details.as_bytes())?;
                printed = true;
            }
            let mut line = format!("{} passed, {} failed", sum.passed, sum.failed);
            if sum.errors > 0 {
                line.push_str(&format!(", {}", count(sum.errors, "error")));
            }
            if sum.no_expectations > 0 {
                line.push_str(&format!(", {} without expectations", sum.no_expectations));
            }
            if sum.filtered_out > 0 {
                line.push_str(&format!(", {} filtered out", sum.filtered_out));
            }
            if printed {
                writeln!(out)?;
            }
            writeln!(out, "{line}")?;
            if set.has_errors() {
                writeln!(
                    out,
                    "error: some rules did not load (see above), so passing scenarios may be wrong"
                )?;
            }
            if let Some(c) = &cov {
                coverage_text(&mut out, c)?;
                if !c.threshold_met {
                    writeln!(out, "\n{}", below_message(c))?;
                }
            }
        }
    }
    out.flush()?;
    if let Some(p) = &a.filter
        && matched == 0
        && sum.filtered_out > 0
    {
        eprintln!(
            "warning: --filter `{p}` matched none of {}",
            count(sum.filtered_out, "scenario")
        );
    }
    let errored = sum.errors > 0 || diags.iter().any(Diagnostic::is_error);
    let below = cov.as_ref().is_some_and(|c| !c.threshold_met);
    Ok(if errored {
        Exit::Error
    } else if sum.failed > 0 || below {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// `line coverage 94.3% is below the threshold of 99%` (the percent shown
/// rounded down, as everywhere).
fn below_message(c: &coverage::Report) -> String {
    format!(
        "line coverage {:.1}% is below the threshold of {}%",
        c.lines.percent,
        c.threshold.unwrap_or(0.0)
    )
}

/// The coverage report, from its `coverage` heading on.
fn coverage_text(out: &mut dyn Write, c: &coverage::Report) -> io::Result<()> {
    let count = |f: fn(&coverage::RuleTally) -> bool| c.rules.values().filter(|t| f(t)).count();
    writeln!(out, "\ncoverage")?;
    writeln!(
        out,
        "  rules: {} fired somewhere, {} quiet somewhere, {} errored, {} never evaluated",
        count(|t| t.fired > 0),
        count(|t| t.quiet > 0),
        count(|t| t.errored > 0),
        count(|t| t.fired + t.quiet + t.errored == 0),
    )?;
    let list = |pred: fn(&coverage::RuleTally) -> bool| -> String {
        let v: Vec<&str> = c
            .rules
            .iter()
            .filter(|(_, t)| pred(t))
            .map(|(id, _)| id.as_str())
            .collect();
        if v.is_empty() {
            "(none)".into()
        } else {
            v.join(", ")
        }
    };
    writeln!(out, "  rules never fired: {}", list(|t| t.fired == 0))?;
    writeln!(out, "  rules never quiet: {}", list(|t| t.quiet == 0))?;
    let errored = list(|t| t.errored > 0);
    if errored != "(none)" {
        writeln!(out, "  rules that errored: {errored}")?;
    }
    let never: Vec<&str> = c
        .responses
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| id.as_str())
        .collect();
    writeln!(
        out,
        "  responses never fired: {}",
        if never.is_empty() {
            "(none)".into()
        } else {
            never.join(", ")
        }
    )?;
    let l = &c.lines;
    writeln!(
        out,
        "  lines: {:.1}% ({} of {})",
        l.percent, l.covered, l.total
    )?;
    let width = l
        .files
        .iter()
        .map(|f| f.file.display().to_string().len())
        .max()
        .unwrap_or(0);
    for f in &l.files {
        let pct = coverage::percent(f.covered, f.total);
        write!(
            out,
            "    {:<width$}  {pct:>5.1}%",
            f.file.display().to_string()
        )?;
        if !f.uncovered.is_empty() {
            write!(out, "  uncovered: {}", coverage::ranges(&f.uncovered))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One scenario's line: `test ID ... ok`, and with `-v` what fires; true
/// when anything was written (`-q` leaves out passing scenarios).
fn line(out: &mut dyn Write, set: &RuleSet, r: &TestResult, a: &TestArgs) -> io::Result<bool> {
    let not_judged = (r.status == TestStatus::Error)
        .then(|| report::not_judged(set, r))
        .flatten();
    let word = match r.status {
        TestStatus::Passed => "ok",
        TestStatus::Failed => "FAILED",
        TestStatus::Error => not_judged.as_deref().unwrap_or("ERROR"),
        TestStatus::NoExpectations => "no expectations",
    };
    let mut wrote = false;
    if !a.quiet || !matches!(r.status, TestStatus::Passed | TestStatus::NoExpectations) {
        writeln!(out, "test {} ... {word}", r.id)?;
        wrote = true;
    }
    if a.verbose
        && let Some(o) = &r.outcome
    {
        writeln!(out, "    fires: [{}]", o.fired.join(", "))?;
        wrote = true;
    }
    Ok(wrote)
}

/// How `--bless` went.
enum Blessing {
    /// Refused as a whole (a folder, rules with errors, a path that does
    /// not load as a scenario file): nothing was written.
    Refused,
    /// `--dry-run`: the diffs are printed; the exit code to end with.
    DryRun(Exit),
    /// Written; `ok` is false when some file could not be blessed (the
    /// others are still written).
    Written { ok: bool },
}

/// Blesses the named files, printing what changed (as a unified diff with
/// `dry_run`, writing nothing).
fn bless(g: &Global, set: &Arc<RuleSet>, paths: &[PathBuf], dry_run: bool) -> Blessing {
    if let Some(dir) = paths.iter().find(|p| p.is_dir()) {
        eprintln!(
            "error: `{}` is a folder; --bless rewrites only scenario files named on the command line",
            dir.display()
        );
        return Blessing::Refused;
    }
    if set.diagnostics.iter().any(Diagnostic::is_error) {
        print_diagnostics(&set.diagnostics);
        eprintln!("error: the rules have errors; nothing was blessed");
        return Blessing::Refused;
    }
    let (files, diags) = discover(paths);
    if diags.iter().any(Diagnostic::is_error) {
        print_diagnostics(&diags);
        eprintln!("error: nothing was blessed");
        return Blessing::Refused;
    }
    print_diagnostics(&diags);
    let mut ok = true;
    // Files a dry run would change.
    let mut changed = 0;
    let mut out = io::stdout().lock();
    // Whether stdout has a line yet: the blank line that separates the
    // bless report from the test results must not open the output.
    let mut wrote = false;
    runner::for_each(
        set,
        &g.worker_options(),
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
                Ok(None) => {
                    wrote = true;
                    writeln!(out, "{p}: expectations already match")
                }
                Ok(Some((b, read))) if dry_run => {
                    wrote = true;
                    changed += 1;
                    let new = with_line_ends(&b.text, &read);
                    let old_name = p.to_string();
                    let new_name = format!("{p} (blessed)");
                    write!(
                        out,
                        "{}",
                        similar::TextDiff::from_lines(&*read, &new)
                            .unified_diff()
                            .header(&old_name, &new_name)
                    )
                }
                Ok(Some((b, read))) => match write_blessed(&path, &b.text, &read) {
                    Ok(()) => {
                        wrote = true;
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
    if dry_run {
        let _ = writeln!(
            out,
            "{}{} of {} would change; nothing was written (--dry-run)",
            if wrote { "\n" } else { "" },
            changed,
            count(files.len(), "file")
        );
        // Like `cargo fmt --check` and `git diff --exit-code`: 1 says
        // "there is something to accept", so CI can require a clean bless.
        return Blessing::DryRun(if !ok {
            Exit::Error
        } else if changed > 0 {
            Exit::Failed
        } else {
            Exit::Ok
        });
    }
    if wrote {
        let _ = writeln!(out);
    }
    Blessing::Written { ok }
}

/// Writes a blessed scenario over its file, keeping a byte-order mark,
/// `\r\n` line ends and a missing final line end the file had, and
/// refusing when the file changed since it was read.
fn write_blessed(path: &std::path::Path, text: &str, read: &str) -> io::Result<()> {
    const BOM: &str = "\u{feff}";
    // The rename replaces a link's target: only a target in the folder
    // the user pointed at may be replaced.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && let Some(d) = files::Within::folder(dir).escape(path, "file")
    {
        return Err(io::Error::other(d.message));
    }
    let now = std::fs::read_to_string(path)?;
    let bom = now.starts_with(BOM);
    if now.strip_prefix(BOM).unwrap_or(&now) != read {
        return Err(io::Error::other(
            "the file changed while it was being blessed",
        ));
    }
    let out = with_line_ends(text, &now);
    let out = if bom { format!("{BOM}{out}") } else { out };
    atomic::write(path, out.as_bytes())
}

/// `text` (as toml_edit writes it: `\n` line ends, a final one) with the
/// line ends of `original`: `\r\n` when its first line ends so, and no
/// final line end when it had none.
fn with_line_ends(text: &str, original: &str) -> String {
    let crlf = original
        .find('\n')
        .is_some_and(|i| original[..i].ends_with('\r'));
    let text = if original.is_empty() || original.ends_with('\n') {
        text
    } else {
        text.strip_suffix('\n').unwrap_or(text)
    };
    if crlf {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_string()
    }
}

/// One scenario's test result; `None` when `--filter` leaves it out.
fn test_one(
    a: &TestArgs,
    worker: &crate::eval::Worker,
    file: &ScenarioFile,
    loaded: runner::Loaded,
) -> Option<TestResult> {
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
}
