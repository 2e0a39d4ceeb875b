//! `test`: check every scenario's expectations, like `cargo test`. The
//! suite runs here and its results stream to `report::test`; `--watch`
//! (dispatched before this file) re-runs the suite from `watch.rs`.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{Exit, Global, paths_or_default, progress};
use crate::diagnostic::Diagnostic;
use crate::report::{self, count, print_diagnostics, test::Format, test::Summary};
use crate::rules::RuleSet;
use crate::scenario::{ScenarioFile, SeenIds, discover};
use crate::suite::{TestResult, TestStatus, run_test};
use crate::{atomic, bless, coverage, files, runner};

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
    let set = load_rules(g, a);
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

/// The rule set, instrumented for line coverage when asked.
pub(super) fn load_rules(g: &Global, a: &TestArgs) -> Arc<RuleSet> {
    let mut set = g.rule_set(&g.rules);
    set.line_coverage = a.coverage();
    Arc::new(set)
}

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
    let bar = progress(Some(files.len()));
    runner::for_each(
        set,
        files,
        g.jobs(),
        |worker, file, loaded| {
            let ok = loaded.is_ok();
            let mut r = test_one(a, worker, file, loaded);
            // Text output without `--verbose` or coverage prints nothing of
            // a passing scenario's outcomes: they are freed here, by the
            // thread that built them, not by the writer.
            if let Some(r) = r.as_mut()
                && a.format == Format::Text
                && !a.verbose
                && !a.coverage()
                && matches!(r.status, TestStatus::Passed | TestStatus::NoExpectations)
            {
                r.outcome = None;
                r.other_outcomes = Vec::new();
            }
            let hits = a.coverage().then(coverage::take_hits);
            (r, ok, hits)
        },
        |(r, ok, hits)| {
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
