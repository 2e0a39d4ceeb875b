//! The rule library: every `.rhai` file under the rules folder except
//! `lib/` is a rule (its id is its path without `.rhai`), `lib/` holds
//! helpers, and `responses.toml` is the catalogue. Loading compiles and
//! checks everything once, collects every problem as a diagnostic, and
//! orders responses so that `fired("x")` always reads a finished verdict.
//! A [`RuleSet`] is plain data (`Send + Sync`); each worker thread turns it
//! into its own engine and compiled scripts with [`compile`].

pub(crate) mod analyze;
pub mod catalogue;
mod load;
mod plan;
mod reads;
pub(crate) mod script;
pub mod switch;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::module_resolvers::StaticModuleResolver;
use rhai::{AST, Engine};

use crate::diagnostic::{Diagnostic, SourceText};
use crate::native;
use crate::rule_error::RuleError;
use crate::sandbox::{self, Limits, context::Consts};
pub use catalogue::{Catalogue, Response};
use script::{LoadFailure, TopLevel, compile_helper, load_error};

/// A helper script under `lib/`, imported as `import "lib/name" as x;`.
#[derive(Debug, Clone)]
pub struct Helper {
    /// The import path: `lib/talks`.
    pub name: String,
    pub source: SourceText,
    /// What each of its functions calls and reads with `fired`.
    pub calls: analyze::CallGraph,
    /// The variables it exports (`export const X = …;`), which rules may
    /// read as `alias::X`.
    pub exports: BTreeSet<String>,
    /// Where the `switch` check was inserted into the compiled text.
    pub shifts: switch::Shifts,
}

/// Where a rule reads a response with `fired`: in its own text, or in a
/// helper function it calls, with the calls that lead there.
#[derive(Debug, Clone)]
pub struct Read {
    /// Index into `RuleSet::helpers`, or `None` for the rule's own text.
    pub helper: Option<usize>,
    pub line: usize,
    pub column: usize,
    /// From `fires` (or the top level, empty) to the function that reads.
    pub calls: Vec<String>,
}

/// A rule: one script deciding whether one response fires.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: Arc<str>,
    pub source: SourceText,
    pub response: String,
    /// `const SOURCE`: the commitment the rule encodes.
    pub cite: Option<String>,
    /// The leading `//!` lines.
    pub description: String,
    pub imports: Vec<String>,
    /// The responses this rule reads with `fired` in the code it can
    /// reach — its top level, `fires`, and the functions (its own and its
    /// helpers') called from there — each with where it first reads it.
    pub reads: BTreeMap<String, Read>,
    /// Event kinds the rule names literally (`s.latest("talks")`), with
    /// their 1-based line and column, for `check`'s typo warnings.
    pub kinds: Vec<(String, usize, usize)>,
    /// Set when the rule could not be loaded: every evaluation reports it.
    pub broken: Option<RuleError>,
    /// Where the `switch` check was inserted into the compiled text.
    pub shifts: switch::Shifts,
}

impl Rule {
    pub fn path(&self) -> &Path {
        &self.source.path
    }
}

/// Everything loaded from a rules folder.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub dir: PathBuf,
    pub catalogue: Catalogue,
    pub helpers: Vec<Helper>,
    /// Helper files found, those that failed to load included.
    pub helpers_found: usize,
    /// Sorted by id.
    pub rules: Vec<Rule>,
    /// Responses in evaluation order, each with the indices of its rules.
    pub plan: Vec<(Arc<str>, Vec<usize>)>,
    pub diagnostics: Vec<Diagnostic>,
    pub limits: Limits,
    /// Record which script lines run (`test --coverage`); slower.
    pub line_coverage: bool,
    /// Run the rules native code can run natively (the default); `false`
    /// runs every rule in Rhai (`--engine rhai`).
    pub native: bool,
}

impl RuleSet {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| *r.id == *id)
    }

    /// Whether the rules folder was not there: the one diagnostic is all
    /// there is to say, and a verb stops on it (every scenario would
    /// otherwise report each response it names as unknown).
    pub fn folder_missing(&self) -> bool {
        !self.dir.is_dir()
    }
}

/// 1-based line and column of the first occurrence of `needle`.
pub fn find_text(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, l[..c].chars().count() + 1)))
        .unwrap_or((1, 1))
}

/// A rule compiled for one engine, with its top-level constants.
pub struct CompiledRule {
    pub ast: AST,
    pub consts: Consts,
    /// Rules that import need their top level run on each call (Rhai keeps
    /// imports in the call's global state); others skip it.
    pub has_imports: bool,
    /// The rule as native code, or why it runs in Rhai only.
    pub native: Result<native::Program, native::Unsupported>,
}

/// Compiles a rule and runs its top level once to collect its constants.
fn compile_rule(
    engine: &Engine,
    id: &str,
    source: &SourceText,
    limits: &Limits,
) -> Result<CompiledRule, LoadFailure> {
    let (ast, shifts) = script::parse(engine, source)?;
    let TopLevel {
        ast,
        consts,
        has_imports,
    } = script::run_top_level(engine, id, source, ast, &shifts, limits)?;
    Ok(CompiledRule {
        ast,
        consts,
        has_imports,
        native: Err(native::Unsupported("not lowered".into())),
    })
}

/// A worker's own engine and compiled rules (index-aligned with
/// `RuleSet::rules`; for a rule that is broken, or fails to load in this
/// worker, the error each of its calls reports).
pub fn compile(set: &RuleSet) -> (Engine, Vec<Result<CompiledRule, RuleError>>) {
    let mut engine = sandbox::engine(&set.limits, StaticModuleResolver::new());
    // Top levels run first, reading the clock at every operation; calls
    // read it less often (below).
    sandbox::clock_per_operation(&mut engine);
    if set.line_coverage {
        // Before the helpers and rules run their top levels, so those
        // lines count too.
        sandbox::line_hits::instrument(&mut engine);
    }
    let mut resolver = StaticModuleResolver::new();
    let mut properties = BTreeSet::new();
    let mut helpers = HashMap::new();
    // A helper that loaded once may still run out of time here.
    let mut failed: HashMap<&str, LoadFailure> = HashMap::new();
    for h in &set.helpers {
        match compile_helper(&engine, &h.name, &h.source, &set.limits) {
            Ok((m, a, ast, _)) => {
                resolver.insert(h.name.clone(), m);
                properties.extend(a.properties);
                helpers.insert(h.name.clone(), ast);
            }
            Err(f) => {
                failed.insert(&h.name, f);
            }
        }
    }
    engine.set_module_resolver(resolver);
    let plan: HashMap<Arc<str>, usize> = set
        .plan
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    let mut rules: Vec<Result<CompiledRule, RuleError>> = set
        .rules
        .iter()
        .map(|r| {
            if let Some(e) = &r.broken {
                return Err(e.clone());
            }
            if let Some((imp, f)) = r
                .imports
                .iter()
                .find_map(|i| failed.get(i.as_str()).map(|f| (i, f)))
            {
                let (line, column) = find_text(&r.source.text, imp);
                let d = r.source.error_at(
                    line,
                    column,
                    format!("helper `{imp}` failed while loading: {}", f.reason),
                );
                return Err(load_error(&r.id, r.path(), &d, f.kind));
            }
            compile_rule(&engine, &r.id, &r.source, &set.limits)
                .map_err(|f| load_error(&r.id, r.path(), &f.diagnostic, f.kind))
        })
        .collect();
    sandbox::clock_per_call(&mut engine);
    for c in rules.iter_mut().flatten() {
        properties.extend(analyze::properties(&c.ast));
        // Line coverage needs every line to run in Rhai.
        if set.native && !set.line_coverage {
            let cx = native::Context {
                consts: &c.consts,
                helpers: &helpers,
                plan: &plan,
                limits: &set.limits,
            };
            c.native = native::compile(&c.ast, &cx);
        }
    }
    // Getters resolve by name at run time, so adding them after compiling
    // changes no compiled script.
    sandbox::api::register_fields(&mut engine, properties.iter().map(String::as_str));
    (engine, rules)
}
