//! `test --watch`: run the suite, then again whenever a watched file
//! changes, for authoring sessions. The rules and scenarios are kept
//! loaded in an [`Incremental`] engine, which re-reads only the files that
//! changed: a change under the rules folder reloads the rules and re-runs
//! every kept scenario; a change to scenarios re-runs only the changed
//! files and the variants that `extends` them. Editors save in several
//! steps (temporary file, rename, touch), so events are gathered until
//! the files have been quiet for a few tens of milliseconds. Its own lines
//! (what changed, the separator, `watching …`, from `report::watch`) go
//! to stdout with the text format and to stderr with JSON or JUnit, so
//! stdout holds only the documents.

use std::collections::{BTreeSet, HashSet};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use super::test::{TestArgs, drops_outcomes, reads_stdin, selected, suite_over, worker_options};
use super::{Exit, Global, paths_or_default};
use crate::diagnostic::Diagnostic;
use crate::incremental::{Incremental, normal};
use crate::report::{self, test::Format};
use crate::suite::TestResult;

/// How long the files must be quiet before a run starts: long enough to
/// gather an editor's save (write a temporary file, rename it over the
/// old one, set its mode: events microseconds to a few milliseconds
/// apart), short enough not to be felt.
const SETTLE: Duration = Duration::from_millis(10);

/// The longest a run waits for the files to be quiet, so that a stream
/// of writes (a generator, a checkout) still gets runs.
const MAX_SETTLE: Duration = Duration::from_millis(500);

pub fn run(g: &Global, a: &TestArgs) -> io::Result<Exit> {
    if reads_stdin(a) {
        return Ok(Exit::Error);
    }
    let scenario_paths = paths_or_default(&a.paths);
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).map_err(io::Error::other)?;
    for p in std::iter::once(&g.rules).chain(&scenario_paths) {
        if let Err(e) = watcher.watch(p, RecursiveMode::Recursive) {
            report::watch::cannot_watch(p, &e);
            return Ok(Exit::Error);
        }
    }
    // The rules and every scenario are loaded once and kept; each change
    // re-reads only the files that changed.
    let mut inc = Incremental::new(&g.rules, &scenario_paths, worker_options(g, a), g.jobs());
    let all = inc.all();
    tests(a, &mut inc, &all)?;
    footer(g, a, &scenario_paths)?;
    loop {
        // While waiting, so that a save of one scenario evaluates at once.
        inc.prepare();
        // The watcher lives as long as this loop, so the channel only
        // closes if it fails; then there is nothing left to wait for.
        let Ok(first) = rx.recv() else {
            return Ok(Exit::Error);
        };
        let mut changed = BTreeSet::new();
        collect(first, &mut changed);
        let started = Instant::now();
        while started.elapsed() < MAX_SETTLE
            && let Ok(e) = rx.recv_timeout(SETTLE)
        {
            collect(e, &mut changed);
        }
        if changed.is_empty() {
            continue;
        }
        let changes = inc.update_touched(&changed);
        let names: Vec<String> = changed.iter().map(|p| shown(p)).collect();
        clear(a, &names)?;
        tests(a, &mut inc, &changes.affected)?;
        footer(g, a, &scenario_paths)?;
    }
}

/// Runs the suite over the kept scenarios at `which`, reporting as `test`
/// does. The engine keeps each result and re-evaluates only what a change
/// made stale; with `--coverage`, whose line counts come from running
/// every rule, each scenario is evaluated anew.
fn tests(a: &TestArgs, inc: &mut Incremental, which: &[usize]) -> io::Result<Exit> {
    let set = inc.rules().clone();
    let diags: Vec<Diagnostic> = inc.discovery_diagnostics().to_vec();
    if a.coverage() {
        return suite_over(a, &set, which.len(), diags, |work, sink| {
            inc.run(which, work, sink);
        });
    }
    // What `test` would not run (`--filter`) or found unloadable.
    let mut left_out = HashSet::new();
    let mut unloaded = HashSet::new();
    for &i in which {
        match (inc.files().get(i), inc.loaded(i)) {
            (Some(f), Some(Ok(sc))) if !selected(a, sc) => left_out.insert(f.path.clone()),
            (Some(f), Some(Err(_))) => unloaded.insert(f.path.clone()),
            _ => false,
        };
    }
    let which: Vec<usize> = which
        .iter()
        .copied()
        .filter(|&i| {
            inc.files()
                .get(i)
                .is_some_and(|f| !left_out.contains(&f.path))
        })
        .collect();
    suite_over(a, &set, which.len() + left_out.len(), diags, |_, sink| {
        for _ in &left_out {
            sink((None, true, None));
        }
        inc.test(&which, |r| {
            let shown = if drops_outcomes(a, r.status) {
                without_outcomes(r)
            } else {
                r.clone()
            };
            sink((Some(shown), !unloaded.contains(&r.file), None));
        });
    })
}

/// A copy of a result without its outcomes, which text output of a
/// passing scenario does not print.
fn without_outcomes(r: &TestResult) -> TestResult {
    TestResult {
        id: r.id.clone(),
        file: r.file.clone(),
        status: r.status,
        failures: r.failures.clone(),
        diagnostics: r.diagnostics.clone(),
        outcome: None,
        other_outcomes: Vec::new(),
    }
}

/// The relevant paths of a watcher event: rules, helpers, catalogues and
/// scenarios, not editor swap files or our own temporary files.
fn collect(e: notify::Result<notify::Event>, into: &mut BTreeSet<PathBuf>) {
    let Ok(e) = e else { return };
    if matches!(e.kind, EventKind::Access(_)) {
        return;
    }
    for p in e.paths {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let ext_ok = name.ends_with(".rhai") || name.ends_with(".toml");
        if ext_ok && !name.starts_with('.') {
            into.insert(normal(&p));
        }
    }
}

/// A path relative to the working folder when it is inside it.
fn shown(p: &Path) -> String {
    let cwd = std::env::current_dir().ok().map(|c| normal(&c));
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

/// Where the watcher's own lines go: stdout with the text format, stderr
/// with a machine-readable one, whose documents stdout keeps to itself.
fn notices(a: &TestArgs) -> Box<dyn Notices> {
    if a.format == Format::Text {
        Box::new(io::stdout().lock())
    } else {
        Box::new(io::stderr().lock())
    }
}

trait Notices: Write + IsTerminal {}
impl<T: Write + IsTerminal> Notices for T {}

/// Clears a terminal, or separates runs, and names the changed files.
fn clear(a: &TestArgs, changed: &[String]) -> io::Result<()> {
    let mut out = notices(a);
    let terminal = out.is_terminal();
    report::watch::rerun(&mut out, terminal, changed)
}

fn footer(g: &Global, a: &TestArgs, scenarios: &[PathBuf]) -> io::Result<()> {
    report::watch::watching(&mut notices(a), &g.rules, scenarios)
}
