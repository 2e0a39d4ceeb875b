//! `test --watch`: run the suite, then again whenever a watched file
//! changes, for authoring sessions. A change under the rules folder reloads
//! the rules and re-runs every scenario; a change to scenarios re-runs only
//! the changed files and the variants that `extends` them. Editors save in
//! several steps (temporary file, rename, touch), so events are gathered
//! for a short quiet period before running. Its own lines (what changed,
//! the separator, `watching …`, from `report::watch`) go to stdout with
//! the text format and to stderr with JSON or JUnit, so stdout holds only
//! the documents.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::test::{TestArgs, reads_stdin, suite};
use super::{Exit, Global, paths_or_default};
use crate::report::{self, test::Format};
use crate::scenario::{ScenarioFile, discover};

/// How long the files must be quiet before a run starts.
const SETTLE: Duration = Duration::from_millis(200);

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
    let rules_dir = normal(&g.rules);
    let mut set = g.load_rules();
    let (files, d) = discover(&scenario_paths);
    suite(g, a, &set, &files, d)?;
    footer(g, a, &scenario_paths)?;
    loop {
        // The watcher lives as long as this loop, so the channel only
        // closes if it fails; then there is nothing left to wait for.
        let Ok(first) = rx.recv() else {
            return Ok(Exit::Error);
        };
        let mut changed = BTreeSet::new();
        collect(first, &mut changed);
        while let Ok(e) = rx.recv_timeout(SETTLE) {
            collect(e, &mut changed);
        }
        if changed.is_empty() {
            continue;
        }
        let rules_changed = changed.iter().any(|p| p.starts_with(&rules_dir));
        if rules_changed {
            set = g.load_rules();
        }
        let (files, d) = discover(&scenario_paths);
        let files = if rules_changed {
            files
        } else {
            affected(files, &changed)
        };
        let names: Vec<String> = changed.iter().map(|p| shown(p)).collect();
        clear(a, &names)?;
        suite(g, a, &set, &files, d)?;
        footer(g, a, &scenario_paths)?;
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

/// The changed scenario files and the variants built on them.
fn affected(files: Vec<ScenarioFile>, changed: &BTreeSet<PathBuf>) -> Vec<ScenarioFile> {
    files
        .into_iter()
        .filter(|f| {
            changed.contains(&normal(&f.path))
                || f.load()
                    .is_ok_and(|sc| sc.bases.iter().any(|b| changed.contains(&normal(b))))
        })
        .collect()
}

/// A path in one comparable form: canonical where it exists (a deleted
/// file is canonicalised through its folder), absolute otherwise.
fn normal(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    if let (Some(dir), Some(name)) = (p.parent(), p.file_name())
        && let Ok(d) = dir.canonicalize()
    {
        return d.join(name);
    }
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
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
