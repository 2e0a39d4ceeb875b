//! The command line: one file per verb, each a thin layer that wires
//! library calls to its reporter in `report`. This file holds the options
//! every verb shares, the dispatch to the verbs (`test --watch` to
//! `watch.rs`, which runs `test`'s suite) and the exit-code policy.

mod bless;
mod check;
mod defs;
mod diff;
mod init;
mod new;
mod outlook;
mod report;
mod run;
mod schema;
mod shell;
mod sweep;
mod test;
mod timeline;
mod vocabulary;
mod watch;
mod what_if;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::{Code, Diagnostic};
use crate::eval::WorkerOptions;
use crate::report::print_diagnostics;
use crate::rules::RuleSet;
use crate::sandbox::{Limits, Raise, stack};
use crate::scenario::{Scenario, discover};

/// Exit codes; when several apply, the highest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything ran and held.
    Ok = 0,
    /// An expectation failed (or `diff --exit-code` found changes).
    Failed = 1,
    /// Bad usage, an invalid file, or a rule that did not compile or errored.
    Error = 2,
    /// A bug of ours.
    Internal = 70,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "sanctions-trigger",
    version,
    about = "A rules engine for policy triggers: Rhai rules over dated TOML scenarios",
    long_about = "A rules engine for policy triggers.\n\n\
        Rules are Rhai scripts under rules/ (each decides whether one response fires); \
        scenarios are dated TOML files under scenarios/. `run` says what fires and why, \
        `test` checks every scenario's [expect], `check` validates everything without evaluating.",
    after_help = "Examples:\n  \
        sanctions-trigger run scenarios/istanbul-2025-06-02.toml\n  \
        sanctions-trigger run scenarios/ --as-of 2025-09-30 --format json\n  \
        sanctions-trigger test\n  \
        sanctions-trigger check\n  \
        sanctions-trigger diff --base main\n  \
        sanctions-trigger outlook scenarios/ --days 30\n  \
        sanctions-trigger sweep scenarios/us/ultimatum-2025.toml --vary as_of=2025-07-20..2025-08-20\n  \
        sanctions-trigger what-if scenarios/istanbul-2025-06-02.toml --response new-sanctions\n  \
        sanctions-trigger report --out report.html\n  \
        sanctions-trigger init my-policy\n\n\
        Exit codes: 0 ok, 1 an expectation failed, 2 an error (bad input, a rule that errored), 70 an internal error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every verb takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Folder of rules (`*.rhai`, `lib/`, `responses.toml`)
    #[arg(long, global = true, value_name = "DIR", default_value = "rules")]
    pub rules: PathBuf,
    /// Worker threads, 1 to 256 [default: the number of cores]
    #[arg(short = 'j', long = "jobs", global = true, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=crate::runner::MAX_JOBS as u64))]
    pub jobs: Option<usize>,
    /// Rhai operations allowed per rule call (the deterministic bound)
    #[arg(long, global = true, value_name = "N")]
    pub max_operations: Option<u64>,
    /// Wall-clock backstop per rule call, in milliseconds
    #[arg(long, global = true, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// How rules run: `auto` runs each rule natively when native code
    /// covers everything it uses, else in Rhai; `rhai` runs all in Rhai
    #[arg(long, global = true, value_enum, default_value_t = Engine::Auto)]
    pub engine: Engine,
}

/// `--engine`: the evaluation strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Native code where it covers the rule, Rhai elsewhere (same results)
    Auto,
    /// Rhai for every rule: slower, for cross-checking
    Rhai,
}

impl Global {
    pub fn limits(&self) -> Limits {
        let mut l = Limits {
            raise: Raise {
                operations: "raise the limit with `--max-operations`".into(),
                timeout: "raise it with `--timeout-ms`".into(),
            },
            ..Limits::default()
        };
        if let Some(n) = self.max_operations {
            l.max_operations = n;
        }
        if let Some(ms) = self.timeout_ms {
            l.timeout = Duration::from_millis(ms);
        }
        l
    }

    pub fn jobs(&self) -> usize {
        self.jobs
            .unwrap_or_else(crate::runner::default_jobs)
            .clamp(1, crate::runner::MAX_JOBS)
    }

    pub fn load_rules(&self) -> Arc<RuleSet> {
        Arc::new(self.rule_set(&self.rules))
    }

    /// The rule set in `dir`, loaded under these options' limits; a
    /// missing folder's help names the option that gives it.
    pub fn rule_set(&self, dir: &std::path::Path) -> RuleSet {
        let limits = self.limits();
        let mut set = stack::run(&limits, || RuleSet::load(dir, limits.clone()));
        if set.folder_missing() {
            for d in &mut set.diagnostics {
                d.help = Some("pass `--rules DIR`".into());
            }
        }
        set
    }

    /// The engine over the rules folder, with these options' limits and
    /// engine: loaded whatever its errors, which each verb reports.
    pub fn engine(&self) -> crate::Engine {
        crate::Engine::new(self.load_rules(), self.worker_options())
    }

    /// How workers run the rules: these options' limits and engine.
    pub fn worker_options(&self) -> WorkerOptions {
        WorkerOptions {
            limits: self.limits(),
            native: self.engine == Engine::Auto,
            line_coverage: false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate scenarios: which responses fire, with rules and reasons
    Run(run::RunArgs),
    /// Check every scenario's expectations, like `cargo test`
    Test(test::TestArgs),
    /// Replay scenarios day by day: from which date each response fires
    Timeline(timeline::TimelineArgs),
    /// Look ahead: which responses change status in the next days if nothing new happens
    Outlook(outlook::OutlookArgs),
    /// Write a report for people: one self-contained HTML page, or a Markdown policy brief
    Report(report::ReportArgs),
    /// Evaluate one scenario over a range of one or two parameters: where each response flips
    Sweep(sweep::SweepArgs),
    /// The smallest edits to one scenario that flip a response (fires → quiet, quiet → fires)
    WhatIf(what_if::WhatIfArgs),
    /// Compile rules and validate scenarios and the catalogue, without evaluating
    Check(check::CheckArgs),
    /// Compare outcomes under base rules (a folder or git revision) and the current ones
    Diff(diff::DiffArgs),
    /// Write a JSON Schema of scenario files, for editors (taplo, Even Better TOML)
    Schema(schema::SchemaArgs),
    // Starting and growing a library, and editor and shell support.
    /// Write a starter library (catalogue, rule, scenarios, CI) into an empty folder
    Init(init::InitArgs),
    /// Write a new rule or scenario from a template
    New(new::NewArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff), or write one page per verb with --out
    Man(shell::ManArgs),
    /// Print the rule API as `.d.rhai` definitions for editors
    Defs(defs::DefsArgs),
    /// The scenario vocabulary: `vocabulary infer` writes one from existing scenarios
    Vocabulary(vocabulary::VocabularyArgs),
}

pub fn main(cli: Cli) -> io::Result<Exit> {
    match &cli.command {
        Command::Run(a) => run::run(&cli.global, a),
        Command::Test(a) if a.watch => watch::run(&cli.global, a),
        Command::Test(a) => test::run(&cli.global, a),
        Command::Check(a) => check::run(&cli.global, a),
        Command::Report(a) => report::run(&cli.global, a),
        Command::Timeline(a) => timeline::run(&cli.global, a),
        Command::Outlook(a) => outlook::run(&cli.global, a),
        Command::Sweep(a) => sweep::run(&cli.global, a),
        Command::WhatIf(a) => what_if::run(&cli.global, a),
        Command::Diff(a) => diff::run(&cli.global, a),
        Command::Schema(a) => schema::run(&cli.global, a),
        Command::Init(a) => init::run(a),
        Command::New(a) => new::run(&cli.global, a),
        Command::Completions(a) => shell::completions(a),
        Command::Man(a) => shell::man(a),
        Command::Defs(a) => defs::run(a),
        Command::Vocabulary(a) => vocabulary::run(&cli.global, a),
    }
}

/// The scenario folder verbs read when no PATH is given.
pub const DEFAULT_SCENARIOS: &str = "scenarios";

/// Scenario paths, defaulting to `scenarios/`.
pub fn paths_or_default(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(DEFAULT_SCENARIOS)]
    } else {
        paths.to_vec()
    }
}

/// When the rules folder is missing: its one diagnostic, printed on
/// stderr, and the exit code to stop with. Nothing is run or checked
/// against a rule set that is not there: every response a scenario names
/// would be reported unknown, burying the one mistake. For text output
/// only (`check`, `test`): `run`, `timeline` and `test`'s machine formats
/// stop as early but report the diagnostic through their own output.
pub fn missing_rules(set: &RuleSet) -> Option<Exit> {
    set.folder_missing().then(|| {
        print_diagnostics(&set.diagnostics);
        Exit::Error
    })
}

/// `--shard I/N`: the I-th of N shares (I from 1 to N). Share I takes the
/// inputs whose 0-based position p has p % N == I - 1, so N shares of one
/// ordered input are disjoint and cover it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub of: usize,
}

impl Default for Shard {
    fn default() -> Shard {
        Shard { index: 1, of: 1 }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write I/N with I from 1 to N, such as 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, of) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if index == 0 || of == 0 || index > of {
            return Err(bad());
        }
        Ok(Shard { index, of })
    }
}

impl Shard {
    /// This share of `items`.
    pub fn take<I>(self, items: impl Iterator<Item = I>) -> impl Iterator<Item = I> {
        items
            .enumerate()
            .filter(move |(p, _)| p % self.of == self.index - 1)
            .map(|(_, x)| x)
    }
}

/// A progress bar on stderr for runs of more than 100 scenarios when
/// stderr is a terminal; hidden otherwise, so logs and pipes stay clean.
pub fn progress(len: Option<usize>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressStyle};
    let long = len.is_none_or(|n| n > 100);
    if !long || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => ProgressBar::new(n as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} scenarios, {per_sec}, ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {pos} scenarios, {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar
}

/// The one scenario file a verb that studies a single scenario (`sweep`,
/// `what-if`) was given, loaded against the rules' vocabulary: `None`,
/// with the problems added to `diags`, when it does not load, is missing,
/// or is a folder of several.
pub fn one_scenario(
    set: &RuleSet,
    path: &Path,
    verb: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Arc<Scenario>> {
    let (files, d) = discover(std::slice::from_ref(&path.to_path_buf()));
    diags.extend(d);
    match files.as_slice() {
        [file] => match file.load_with(set.vocabulary().map(|v| &**v)) {
            Ok(sc) => return Some(Arc::new(sc)),
            Err(ds) => diags.extend(ds),
        },
        [] => {}
        more => diags.push(
            Diagnostic::error(
                Some(path),
                format!(
                    "`{verb}` takes one scenario file; this folder holds {}",
                    more.len()
                ),
            )
            .with_code(Code::ReadFailed)
            .with_help("name one scenario file"),
        ),
    }
    None
}

/// A `YYYY-MM-DD` argument, with an error that says which date is wrong.
/// Exactly that shape, as in TOML: chrono's `%Y-%m-%d` alone also takes
/// `2025-3-1` and `+2025-03-01`, which a scenario file would refuse.
pub fn date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    let bad = |why: &str| format!("`{s}` is not a calendar date written YYYY-MM-DD ({why})");
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(bad(
            "four digits for the year, two for the month and two for the day",
        ));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| bad(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_are_disjoint_and_cover_the_input() {
        for n in 1..6 {
            let mut all: Vec<usize> = (1..=n)
                .flat_map(|i| Shard { index: i, of: n }.take(0..23))
                .collect();
            all.sort();
            assert_eq!(all, (0..23).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn a_date_argument_is_strict_iso() {
        assert!(super::date_arg("2025-03-01").is_ok());
        for bad in [
            "2025-3-1",
            "2025-03-1",
            "+2025-03-01",
            "2025-02-30",
            "2025/03/01",
            "",
        ] {
            let e = super::date_arg(bad).unwrap_err();
            assert!(e.contains("YYYY-MM-DD"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_shard_is_parsed_with_a_clear_error() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, of: 4 }));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("write I/N"), "{bad}: {e}");
        }
    }
}
