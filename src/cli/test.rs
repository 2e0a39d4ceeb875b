//! `test`: check every scenario's expectations, like `cargo test`. The
//! suite runs here and its results stream to `report::test`; `--bless`
//! is wired in `bless.rs`, and `--watch` (dispatched before this file)
//! re-runs the suite from `watch.rs`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::bless::{self, Blessing};
use super::{Exit, Global, paths_or_default, progress};
use crate::diagnostic::Diagnostic;
use crate::eval::{Worker, WorkerOptions};
use crate::report::{self, test::Format, test::Summary};
use crate::rules::RuleSet;
use crate::sandbox::line_hits;
use crate::scenario::{ScenarioFile, SeenIds, discover};
use crate::suite::{TestResult, TestStatus, run_test};
use crate::{coverage, runner};

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
    pub format: Format,
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
    pub(super) fn coverage(&self) -> bool {
        self.coverage || self.coverage_threshold.is_some()
    }
}

/// `test` of standard input, refused: `-` is for `run`.
pub(super) fn reads_stdin(a: &TestArgs) -> bool {
    let stdin = a.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin {
        report::error("`test` reads scenario files; standard input (`-`) is for `run`");
    }
    stdin
}

pub fn run(g: &Global, a: &TestArgs) -> io::Result<Exit> {
    if reads_stdin(a) {
        return Ok(Exit::Error);
    }
    let set = g.load_rules();
    if set.folder_missing() {
        // Nothing is blessed or run. Text prints the one diagnostic on
        // stderr; JSON and JUnit carry it in a document with no results.
        return match a.format {
            Format::Text => Ok(super::missing_rules(&set).unwrap_or(Exit::Error)),
            Format::Json | Format::Junit => {
                suite(g, a, &set, &[], Vec::new()).map(|e| e.max(Exit::Error))
            }
        };
    }
    // Files that could not be blessed are reported; the tests still run on
    // every named file, so the user sees where each one stands. A bless
    // refused as a whole runs nothing: its results would answer a
    // question the user did not ask.
    let blessed = if a.bless {
        match bless::run(g, &set, &a.paths, a.dry_run)? {
            Blessing::Refused => return Ok(Exit::Error),
            Blessing::DryRun(exit) => return Ok(exit),
            Blessing::Written { ok } => ok,
        }
    } else {
        true
    };
    let (files, d) = discover(&paths_or_default(&a.paths));
    let exit = suite(g, a, &set, &files, d)?;
    Ok(if blessed { exit } else { exit.max(Exit::Error) })
}

/// How the tests run the rules: workers record line coverage when asked.
pub(super) fn worker_options(g: &Global, a: &TestArgs) -> WorkerOptions {
    WorkerOptions {
        line_coverage: a.coverage(),
        ..g.worker_options()
    }
}

/// One scenario's result on a worker: its test result (`None`: filtered
/// out), whether it loaded, and with `--coverage` the lines it ran.
pub(super) type Item = (Option<TestResult>, bool, Option<line_hits::Hits>);

/// The work each scenario gets on a worker, as `suite_over` hands it to
/// whatever runs the scenarios.
pub(super) type Work<'a> = &'a (dyn Fn(&Worker, &ScenarioFile, runner::Loaded) -> Item + Sync);

/// Runs the tests of `files` and hands each result to the reporter as it
/// arrives (in input order); reporters keep only what their ending needs,
/// so memory does not grow with the number of scenarios.
pub(super) fn suite(
    g: &Global,
    a: &TestArgs,
    set: &Arc<RuleSet>,
    files: &[ScenarioFile],
    load_diags: Vec<Diagnostic>,
) -> io::Result<Exit> {
    let opts = worker_options(g, a);
    suite_over(a, set, files.len(), load_diags, |work, sink| {
        runner::for_each(set, &opts, files, g.jobs(), work, sink);
    })
}

/// [`suite`] over `count` scenarios that `run` evaluates, calling the work
/// it is given on each and the sink with each result in input order:
/// `--watch` runs them from the scenarios it keeps parsed.
pub(super) fn suite_over(
    a: &TestArgs,
    set: &Arc<RuleSet>,
    count: usize,
    load_diags: Vec<Diagnostic>,
    run: impl FnOnce(Work<'_>, &mut dyn FnMut(Item)),
) -> io::Result<Exit> {
    let mut diags = set.diagnostics.clone();
    diags.extend(load_diags);
    let mut errored = diags.iter().any(Diagnostic::is_error);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut rep = report::test::reporter(a.format, a.quiet, a.verbose);
    rep.start(&mut out, &diags)?;
    let mut sum = Summary::default();
    let mut ids = SeenIds::default();
    let mut cov = a.coverage().then(|| coverage::Collector::new(set));
    let mut written: io::Result<()> = Ok(());
    // Scenarios that loaded and passed `--filter`.
    let mut matched = 0;
    let bar = progress(Some(count));
    run(
        &|worker, file, loaded| on_worker(a, worker, file, loaded),
        &mut |(r, ok, hits)| {
            bar.inc(1);
            if let (Some(c), Some(h)) = (cov.as_mut(), hits) {
                c.hits(h);
            }
            let Some(r) = r else {
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
            if let Some(d) = ids.check(&r.id, &r.file) {
                errored |= d.is_error();
                rep.diagnostic(d);
            }
            sum.add(r.status);
            if written.is_ok() {
                written = rep.result(&mut out, set, r);
            }
        },
    );
    bar.finish_and_clear();
    written?;
    let cov = cov.map(|c| c.report(set, a.coverage_threshold));
    rep.finish(&mut out, set, &sum, cov.as_ref())?;
    out.flush()?;
    if let Some(p) = &a.filter
        && matched == 0
        && sum.filtered_out > 0
    {
        report::test::matched_none(p, sum.filtered_out);
    }
    let errored = errored || sum.errors > 0;
    let below = cov.as_ref().is_some_and(|c| !c.threshold_met);
    Ok(if errored {
        Exit::Error
    } else if sum.failed > 0 || below {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

/// One scenario on a worker thread: see [`Item`].
fn on_worker(a: &TestArgs, worker: &Worker, file: &ScenarioFile, loaded: runner::Loaded) -> Item {
    let ok = loaded.is_ok();
    let mut r = test_one(a, worker, file, loaded);
    // Text output without `--verbose` or coverage prints nothing of
    // a passing scenario's outcomes: they are freed here, by the
    // thread that built them, not by the writer.
    if let Some(r) = r.as_mut()
        && drops_outcomes(a, r.status)
    {
        r.outcome = None;
        r.other_outcomes = Vec::new();
    }
    let hits = a.coverage().then(line_hits::take_hits);
    (r, ok, hits)
}

/// Whether the report of a result with `status` prints nothing of its
/// outcomes: text without `--verbose` or coverage, for a scenario that
/// passed or states nothing.
pub(super) fn drops_outcomes(a: &TestArgs, status: TestStatus) -> bool {
    a.format == Format::Text
        && !a.verbose
        && !a.coverage()
        && matches!(status, TestStatus::Passed | TestStatus::NoExpectations)
}

/// Whether `--filter` keeps a scenario.
pub(super) fn selected(a: &TestArgs, sc: &crate::scenario::Scenario) -> bool {
    let Some(p) = &a.filter else { return true };
    sc.id.contains(p.as_str())
        || sc.file.to_string_lossy().contains(p.as_str())
        || sc.tags.iter().any(|t| t.contains(p.as_str()))
}

/// One scenario's test result; `None` when `--filter` leaves it out.
fn test_one(
    a: &TestArgs,
    worker: &Worker,
    file: &ScenarioFile,
    loaded: runner::Loaded,
) -> Option<TestResult> {
    match loaded {
        Ok(sc) => selected(a, &sc).then(|| run_test(worker, &sc)),
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
