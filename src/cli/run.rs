//! `run`: evaluate scenarios and report what fires, with rules and reasons.
//! Scenarios come from files and folders, or as JSON Lines on standard
//! input (`-`); `--shard I/N` keeps a deterministic share of them.

use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use clap::Args;

use super::{Exit, Global, Shard, paths_or_default, progress};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::Worker;
use crate::outcome::Outcome;
use crate::report::run::{self as report, Format, JsonLinesReporter};
use crate::rules::RuleSet;
use crate::runner;
use crate::scenario::{
    LineError, STDIN, ScenarioFile, SeenIds, StdinLines, discover, from_json_line_with,
};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger run\n  \
    sanctions-trigger run scenarios/istanbul-2025-06-02.toml --explain\n  \
    sanctions-trigger run scenarios/ --as-of 2025-09-30 --format json\n  \
    generate-scenarios | sanctions-trigger run - --format jsonl\n  \
    sanctions-trigger run corpus/ --format jsonl --shard 2/4")]
pub struct RunArgs {
    /// Scenario files or folders, or `-` for JSON Lines on standard input
    /// [default: scenarios/]
    #[arg(value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Judge every scenario at this date instead of its own `as_of`
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::date_arg)]
    pub as_of: Option<NaiveDate>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Show every rule's verdict, quiet reason and print/debug trace
    #[arg(long)]
    pub explain: bool,
    /// Take the I-th of N deterministic shares of the scenarios (I from 1 to N)
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

/// Where one scenario comes from.
enum Input<'a> {
    File(&'a ScenarioFile),
    /// A line of standard input, with its 1-based number, or why it could
    /// not be read.
    Line(usize, Result<String, LineError>),
}

pub fn run(g: &Global, a: &RunArgs) -> io::Result<Exit> {
    let stdin = a.scenarios.iter().any(|p| p.as_os_str() == "-");
    if stdin && a.scenarios.len() > 1 {
        crate::report::error("`-` (standard input) cannot be mixed with scenario paths");
        return Ok(Exit::Error);
    }
    let set = g.load_rules();
    let stdout = io::stdout();
    let color = std::env::var_os("NO_COLOR").is_none() && stdout.is_terminal();
    let mut out = BufWriter::new(stdout.lock());
    let mut rep = report::reporter(a.format, a.explain, color);
    let mut exit = Exit::Ok;
    for d in &set.diagnostics {
        if d.is_error() {
            exit = Exit::Error;
        }
        rep.diagnostic(&mut out, d)?;
    }
    // A missing rules folder stops here, its one diagnostic reported in
    // the chosen format: nothing is read or run against rules that are
    // not there (every response a scenario names would be unknown).
    if set.folder_missing() {
        rep.finish(&mut out)?;
        out.flush()?;
        return Ok(Exit::Error);
    }
    let (files, diags) = if stdin {
        (Vec::new(), Vec::new())
    } else {
        discover(&paths_or_default(&a.scenarios))
    };
    for d in &diags {
        exit = Exit::Error;
        rep.diagnostic(&mut out, d)?;
    }
    let shard = a.shard.unwrap_or_default();
    let inputs = inputs(stdin, &files, shard);
    let bar = progress(if stdin {
        None
    } else {
        Some(files.len() / shard.of)
    });
    let mut ids = SeenIds::default();
    let mut result = Ok(());
    // JSON Lines buffers go back to the workers once written. Freed by
    // the writer, each would be freed on another thread than the one that
    // allocated it, which glibc serialises through that thread's arena.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    runner::stream(
        || Worker::new(set.clone(), g.worker_options()),
        inputs,
        g.jobs(),
        |worker, input| evaluate(worker, input, a, &spare),
        |r| {
            bar.inc(1);
            if result.is_err() {
                return;
            }
            result = deliver(&mut out, rep.as_mut(), &set, &mut ids, &spare, r).map(|e| {
                exit = exit.max(e);
            });
        },
    );
    bar.finish_and_clear();
    result?;
    rep.finish(&mut out)?;
    out.flush()?;
    Ok(exit)
}

/// The scenarios to run: JSON Lines from standard input (blank lines
/// skipped) or the files found, either way only this shard's share.
fn inputs(
    stdin: bool,
    files: &[ScenarioFile],
    shard: Shard,
) -> Box<dyn Iterator<Item = Input<'_>> + Send + '_> {
    if stdin {
        let lines = StdinLines::new(BufReader::new(io::stdin()))
            .map(|(n, l)| Input::Line(n, l))
            .filter(|i| !matches!(i, Input::Line(_, Ok(l)) if l.trim().is_empty()));
        Box::new(shard.take(lines))
    } else {
        Box::new(shard.take(files.iter().map(Input::File)))
    }
}

/// One scenario, loaded and evaluated on a worker thread; with
/// `--format jsonl` also rendered there, into a buffer from `spare`.
fn evaluate(
    worker: &Worker,
    input: Input,
    a: &RunArgs,
    spare: &Mutex<Vec<Vec<u8>>>,
) -> Result<(Outcome, Option<Vec<u8>>), Vec<Diagnostic>> {
    let sc = match input {
        Input::File(f) => f.load_with(worker.rules().vocabulary().map(|v| &**v))?,
        Input::Line(n, Ok(text)) => from_json_line_with(&text, n, worker.rules().vocabulary())?,
        Input::Line(n, Err(e)) => {
            let code = match e {
                LineError::TooLong => Code::LimitExceeded,
                LineError::NotUtf8(_) => Code::InvalidEncoding,
                _ => Code::ReadFailed,
            };
            let d =
                Diagnostic::error(Some(std::path::Path::new(STDIN)), e.to_string()).with_code(code);
            return Err(vec![d.at(n, 1)]);
        }
    };
    let sc = Arc::new(sc);
    let o = worker.evaluate(&sc, a.as_of.unwrap_or(sc.as_of));
    let line = match a.format {
        Format::Jsonl => {
            let mut buf = spare
                .lock()
                .ok()
                .and_then(|mut s| s.pop())
                .unwrap_or_else(|| Vec::with_capacity(32 * 1024));
            JsonLinesReporter::render_into(&o, &mut buf)
                .ok()
                .map(|()| buf)
        }
        _ => None,
    };
    // With the line written, the writer needs only the id, the
    // file and the errors: the verdicts are freed here, by the
    // thread that allocated them, not by the writer.
    let o = match line {
        Some(_) => Outcome {
            fired: Vec::new(),
            responses: Vec::new(),
            ..o
        },
        None => o,
    };
    Ok((o, line))
}

/// Writes one result as it arrives, in input order: an outcome (or its
/// JSON line, its buffer returned to `spare`), or the diagnostics of a
/// scenario that did not load. `Exit::Error` when the result is one.
fn deliver(
    out: &mut impl Write,
    rep: &mut dyn report::Reporter,
    set: &RuleSet,
    ids: &mut SeenIds,
    spare: &Mutex<Vec<Vec<u8>>>,
    r: Result<(Outcome, Option<Vec<u8>>), Vec<Diagnostic>>,
) -> io::Result<Exit> {
    let mut error = false;
    match r {
        Ok((o, line)) => {
            if let Some(d) = ids.check(&o.id, &o.file) {
                error = true;
                rep.diagnostic(out, &d)?;
            }
            if !o.errors.is_empty() {
                error = true;
            }
            match line {
                Some(mut bytes) => {
                    out.write_all(&bytes)?;
                    bytes.clear();
                    if let Ok(mut s) = spare.lock()
                        && s.len() < 64
                    {
                        s.push(bytes);
                    }
                    out.flush()
                }
                None => rep.outcome(out, set, &o),
            }
        }
        Err(ds) => {
            error = true;
            ds.iter().try_for_each(|d| rep.diagnostic(out, d))
        }
    }?;
    Ok(if error { Exit::Error } else { Exit::Ok })
}
