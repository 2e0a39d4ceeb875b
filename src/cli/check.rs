//! `check`: compile every rule, validate the catalogue and every scenario,
//! without evaluating anything. Reports every problem, not just the first.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use super::{Exit, Global, count, paths_or_default, print_diagnostics};
use crate::diagnostic::{Severity, did_you_mean};
use crate::eval::{self, WorkerOptions};
use crate::rules::RuleSet;
use crate::scenario::{SeenIds, discover};
use crate::suite::validate;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or folders to validate [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Also list which rules run as native code, and why the others run in Rhai
    #[arg(long)]
    pub native: bool,
}

pub fn run(g: &Global, a: &CheckArgs) -> io::Result<Exit> {
    let set = g.load_rules();
    if let Some(exit) = super::missing_rules(&set) {
        return Ok(exit);
    }
    let mut diags = set.diagnostics.clone();
    let (files, d) = discover(&paths_or_default(&a.paths));
    diags.extend(d);
    let mut kinds: BTreeSet<String> = BTreeSet::new();
    let mut ids = SeenIds::default();
    let mut loaded = 0;
    for f in &files {
        match f.load() {
            Ok(sc) => {
                loaded += 1;
                kinds.extend(sc.kinds().map(str::to_string));
                diags.extend(validate(&sc, &set));
                diags.extend(ids.check(&sc.id, &sc.file));
            }
            Err(d) => diags.extend(d),
        }
    }
    // "No scenario has" is a claim about the library: checking one file
    // must not make every kind it lacks a warning, so the kinds of the
    // scenario tree count too. Its files' problems are not reported here,
    // and it is read only while a kind a rule names is still unseen.
    let unseen = |kinds: &BTreeSet<String>| {
        set.rules
            .iter()
            .flat_map(|r| &r.kinds)
            .any(|(k, ..)| !kinds.contains(k))
    };
    if loaded > 0 && !a.paths.is_empty() && unseen(&kinds) {
        let tree = PathBuf::from(super::DEFAULT_SCENARIOS);
        if tree.is_dir() {
            let given: BTreeSet<_> = files.iter().map(|f| f.path.clone()).collect();
            for f in discover(&[tree]).0 {
                if !given.contains(&f.path)
                    && let Ok(sc) = f.load()
                {
                    kinds.extend(sc.kinds().map(str::to_string));
                    if !unseen(&kinds) {
                        break;
                    }
                }
            }
        }
    }
    // A rule that asks for an event kind no scenario has is probably a typo.
    if loaded > 0 {
        for r in &set.rules {
            for (kind, line, col) in &r.kinds {
                if !kinds.contains(kind) {
                    let mut d = r.source.error_at(
                        *line,
                        *col,
                        format!("no scenario has an event of kind `{kind}`"),
                    );
                    d.severity = Severity::Warning;
                    diags.push(
                        d.with_help_opt(did_you_mean(kind, kinds.iter().map(String::as_str))),
                    );
                }
            }
        }
    }
    diags.extend(unused_responses(&set));
    print_diagnostics(&diags);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "checked {}, {}, {}, {}: {}, {}",
        count(set.rules.len(), "rule"),
        count(set.helpers_found, "helper"),
        count(set.catalogue.responses.len(), "response"),
        count(files.len(), "scenario"),
        count(errors, "error"),
        count(warnings, "warning"),
    )?;
    if a.native {
        native_report(&set, &g.worker_options(), &mut out)?;
    }
    Ok(if errors > 0 { Exit::Error } else { Exit::Ok })
}

/// A warning per catalogue response that no rule names: it can never
/// fire, and `run` and `test` leave it out of every output, so without
/// this it would vanish silently (a rule's `RESPONSE` misspelt, or a rule
/// deleted).
fn unused_responses(set: &RuleSet) -> Vec<crate::diagnostic::Diagnostic> {
    let Some(src) = &set.catalogue.source else {
        return Vec::new();
    };
    let named: BTreeSet<&str> = set.rules.iter().map(|r| r.response.as_str()).collect();
    set.catalogue
        .responses
        .values()
        .filter(|r| !named.contains(r.id.as_str()))
        .map(|r| {
            src.diag(
                Severity::Warning,
                r.span.clone(),
                format!("no rule fires `{}`", r.id),
            )
            .with_help(format!(
                "it is left out of every output; add a rule with `const RESPONSE = \"{}\";`, or remove it from the catalogue",
                r.id
            ))
        })
        .collect()
}

/// Which rules native code runs; the others run in Rhai, with the first
/// construct native code lacks.
fn native_report(set: &RuleSet, opts: &WorkerOptions, out: &mut impl Write) -> io::Result<()> {
    if !opts.native {
        return writeln!(out, "native code: off (`--engine rhai`)");
    }
    let (_, compiled) = eval::compile(set, opts);
    let mut native = 0;
    let mut rhai = Vec::new();
    for (r, c) in set.rules.iter().zip(&compiled) {
        match c.as_ref().ok().map(|c| &c.native) {
            Some(Ok(_)) => native += 1,
            Some(Err(why)) => rhai.push(format!("{}: {}", r.path().display(), why.0)),
            None => rhai.push(format!("{}: does not compile", r.path().display())),
        }
    }
    writeln!(
        out,
        "native code runs {native} of {}; in Rhai:",
        count(set.rules.len(), "rule")
    )?;
    if rhai.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for line in rhai {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}
