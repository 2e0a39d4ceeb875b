//! A multi-threaded batch, as a program embedding the library would run
//! one: the shipped rules loaded once into an [`Engine`], every scenario
//! under `scenarios/` judged at its own date by a handful of threads that
//! share the engine, and one line per scenario saying what fires.
//!
//! ```console
//! $ cargo run --example embed --no-default-features [RULES [SCENARIOS]]
//! ```
//!
//! It needs none of the command-line program's dependencies, so it builds
//! with `default-features = false`, as an embedder's crate would.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;

use sanctions_trigger::scenario::discover;
use sanctions_trigger::{Engine, Outcome, Scenario};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let rules = args.next().unwrap_or_else(|| PathBuf::from("rules"));
    let scenarios = args.next().unwrap_or_else(|| PathBuf::from("scenarios"));

    // Loaded and checked once; any error in the rules is an `Err` here,
    // with every diagnostic.
    let engine = match Engine::builder().folder(&rules).build() {
        Ok(engine) => engine,
        Err(e) => {
            for d in e.diagnostics() {
                eprintln!("{d}");
            }
            return ExitCode::FAILURE;
        }
    };

    // Scenario files on disk are read with the library's own loader, which
    // follows a variant's `extends` relative to its file; text that comes
    // from elsewhere (a request) goes through `Scenario::from_toml`.
    let (files, problems) = discover(&[scenarios]);
    for d in &problems {
        eprintln!("{d}");
    }
    let loaded: Vec<(String, Result<Arc<Scenario>, String>)> = files
        .iter()
        .map(|f| {
            let scenario = f.load().map(Arc::new).map_err(|ds| {
                ds.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            (f.id.clone(), scenario)
        })
        .collect();

    // Each thread takes every n-th scenario. The engine is shared by
    // reference; each thread compiles the rules once, on its first call.
    let threads = thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let lines: Vec<(usize, String)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let engine = &engine;
                let loaded = &loaded;
                scope.spawn(move || {
                    loaded
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, (id, scenario))| {
                            let line = match scenario {
                                Ok(sc) => describe(id, &engine.evaluate(sc, sc.as_of())),
                                Err(e) => format!("{id}: does not load: {e}"),
                            };
                            (i, line)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A thread that panicked leaves its scenarios out; the count
        // below tells.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    if lines.len() != loaded.len() {
        eprintln!("{} scenarios were not judged", loaded.len() - lines.len());
        return ExitCode::FAILURE;
    }

    // In the order the files were found, whichever thread judged them.
    let mut lines = lines;
    lines.sort_by_key(|(i, _)| *i);
    for (_, line) in &lines {
        println!("{line}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `id (as of DATE): fires a, b`, with the rules that errored, if any.
fn describe(id: &str, outcome: &Outcome) -> String {
    let fired = if outcome.fired.is_empty() {
        "nothing fires".to_string()
    } else {
        let ids: Vec<&str> = outcome.fired.iter().map(|r| &**r).collect();
        format!("fires {}", ids.join(", "))
    };
    let mut line = format!("{id} (as of {}): {fired}", outcome.as_of);
    if !outcome.errors.is_empty() {
        let rules: Vec<&str> = outcome.errors.iter().map(|e| e.rule.as_str()).collect();
        line.push_str(&format!("; errors in {}", rules.join(", ")));
    }
    line
}
