//! Helpers for unit tests: a rule folder written from strings, and a
//! scenario parsed from text.

use std::path::Path;
use std::sync::Arc;

use crate::eval::{Worker, WorkerOptions};
use crate::rules::RuleSet;
use crate::sandbox::Limits;
use crate::scenario::{Scenario, parse_str};

pub const CATALOGUE: &str = "[a]\ntitle = \"A\"\ncategory = \"sanctions\"\nseverity = 1\n\
    [b]\ntitle = \"B\"\ncategory = \"sanctions\"\nseverity = 2\n";

/// A rule set from `(path, text)` pairs (a catalogue with `a` and `b` is
/// added unless one is given), kept alive with its folder.
pub struct Rules {
    /// Holds the folder until the rules are no longer needed.
    pub _dir: tempfile::TempDir,
    pub set: Arc<RuleSet>,
}

pub fn rules(files: &[(&str, &str)], limits: Limits) -> Rules {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    if !files.iter().any(|(p, _)| *p == "responses.toml") {
        std::fs::write(dir.path().join("responses.toml"), CATALOGUE)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for (p, text) in files {
        let path = dir.path().join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let set = Arc::new(RuleSet::load(dir.path(), limits));
    Rules { _dir: dir, set }
}

pub fn worker(files: &[(&str, &str)]) -> (Rules, Worker) {
    let r = rules(files, Limits::default());
    let w = Worker::new(r.set.clone(), WorkerOptions::default());
    (r, w)
}

pub fn scenario(text: &str) -> Arc<Scenario> {
    Arc::new(parse_str(Path::new("s.toml"), text, "s").unwrap_or_else(|e| panic!("{e:?}")))
}

/// A script's value in a bare sandbox engine, as text, or `error: …`.
pub fn eval_script(script: &str) -> String {
    let e = crate::sandbox::engine(
        &Limits::default(),
        rhai::module_resolvers::StaticModuleResolver::new(),
    );
    match e.eval::<rhai::Dynamic>(script) {
        Ok(v) => v.to_string(),
        Err(err) => format!("error: {err}"),
    }
}

/// Asserts that `script` evaluates to `want` (see [`eval_script`]).
#[track_caller]
pub fn check_script(script: &str, want: &str) {
    assert_eq!(eval_script(script), want, "{script}");
}
