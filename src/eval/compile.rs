//! A worker's own compilation of a rule set: its engine (instrumented for
//! line coverage when asked), the helpers' modules, each rule compiled
//! with its top level run, and the native code of the rules it covers.
//! Rhai values are not `Send`, so every worker thread does this once for
//! itself from the shared, immutable [`RuleSet`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rhai::module_resolvers::StaticModuleResolver;
use rhai::{AST, Engine};

use super::WorkerOptions;
use crate::diagnostic::Code;
use crate::native;
use crate::rule_error::RuleError;
use crate::rules::script::{self, LoadFailure, TopLevel, compile_helper, load_error};
use crate::rules::{Rule, RuleSet, analyze, find_text};
use crate::sandbox::{self, Limits, context::Consts};

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

/// A worker's own engine and compiled rules (index-aligned with
/// `RuleSet::rules`; for a rule that is broken, or fails to load in this
/// worker, the error each of its calls reports).
pub fn compile(
    set: &RuleSet,
    opts: &WorkerOptions,
) -> (Engine, Vec<Result<CompiledRule, RuleError>>) {
    compile_only(set, opts, None)
}

/// [`compile`], of only the rules `only` marks (index-aligned with
/// `RuleSet::rules`; `None`: all): a worker that re-evaluates a few
/// rules need not compile the others. Calling a rule left out is an
/// error saying so.
pub fn compile_only(
    set: &RuleSet,
    opts: &WorkerOptions,
    only: Option<&[bool]>,
) -> (Engine, Vec<Result<CompiledRule, RuleError>>) {
    let mut engine = sandbox::engine(&opts.limits, StaticModuleResolver::new());
    // Top levels run first, reading the clock at every operation; calls
    // read it less often (below).
    sandbox::clock_per_operation(&mut engine);
    if opts.line_coverage {
        // Before the helpers and rules run their top levels, so those
        // lines count too.
        sandbox::line_hits::instrument(&mut engine);
    }
    let helpers = Helpers::compile(&engine, set, &opts.limits);
    engine.set_module_resolver(helpers.resolver);
    let mut compiled: Vec<Result<CompiledRule, RuleError>> = set
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if only.is_some_and(|o| !o.get(i).copied().unwrap_or(false)) {
                return Err(left_out(r));
            }
            compile_rule(&engine, r, &helpers.failed, &opts.limits)
        })
        .collect();
    sandbox::clock_per_call(&mut engine);
    let plan: HashMap<Arc<str>, usize> = set
        .plan
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    let mut properties = helpers.properties;
    for c in compiled.iter_mut().flatten() {
        properties.extend(analyze::properties(&c.ast));
        // Line coverage needs every line to run in Rhai.
        if opts.native && !opts.line_coverage {
            let cx = native::Context {
                consts: &c.consts,
                helpers: &helpers.asts,
                plan: &plan,
                limits: &opts.limits,
            };
            c.native = native::compile(&c.ast, &cx);
        }
    }
    // Getters resolve by name at run time, so adding them after compiling
    // changes no compiled script.
    sandbox::api::register_fields(&mut engine, properties.iter().map(String::as_str));
    (engine, compiled)
}

/// The error of a rule this worker did not compile.
fn left_out(r: &Rule) -> RuleError {
    RuleError {
        rule: r.id.to_string(),
        file: r.path().to_path_buf(),
        line: None,
        column: None,
        message: "not compiled in this worker".into(),
        kind: crate::rule_error::ErrorKind::Runtime,
    }
}

/// The helpers as this worker compiled them.
struct Helpers<'a> {
    /// The modules of those whose top level ran, for rules to import.
    resolver: StaticModuleResolver,
    /// Each helper's compiled script, for native code to call into.
    asts: HashMap<String, AST>,
    /// Names read as properties, for the engine's field getters.
    properties: BTreeSet<String>,
    /// A helper that loaded once may still run out of time here.
    failed: HashMap<&'a str, LoadFailure>,
}

impl<'a> Helpers<'a> {
    fn compile(engine: &Engine, set: &'a RuleSet, limits: &Limits) -> Helpers<'a> {
        let mut out = Helpers {
            resolver: StaticModuleResolver::new(),
            asts: HashMap::new(),
            properties: BTreeSet::new(),
            failed: HashMap::new(),
        };
        for h in &set.helpers {
            match compile_helper(engine, &h.name, &h.source, limits) {
                Ok((m, a, ast, _)) => {
                    out.resolver.insert(h.name.clone(), m);
                    out.properties.extend(a.properties);
                    out.asts.insert(h.name.clone(), ast);
                }
                Err(f) => {
                    out.failed.insert(&h.name, f);
                }
            }
        }
        out
    }
}

/// Compiles a rule and runs its top level once to collect its constants;
/// for a rule that is broken, or imports a helper that failed here, the
/// error each of its calls reports.
fn compile_rule(
    engine: &Engine,
    r: &Rule,
    failed: &HashMap<&str, LoadFailure>,
    limits: &Limits,
) -> Result<CompiledRule, RuleError> {
    if let Some(e) = &r.broken {
        return Err(e.clone());
    }
    if let Some((imp, f)) = r
        .imports
        .iter()
        .find_map(|i| failed.get(i.as_str()).map(|f| (i, f)))
    {
        let (line, column) = find_text(&r.source.text, imp);
        let d = r
            .source
            .error_at(
                line,
                column,
                format!("helper `{imp}` failed while loading: {}", f.reason),
            )
            .with_code(Code::HelperFailed);
        return Err(load_error(&r.id, r.path(), &d, f.kind));
    }
    let failure = |f: LoadFailure| load_error(&r.id, r.path(), &f.diagnostic, f.kind);
    let (ast, shifts) = script::parse(engine, &r.source).map_err(|d| failure(d.into()))?;
    let TopLevel {
        ast,
        consts,
        has_imports,
    } = script::run_top_level(engine, &r.id, &r.source, ast, &shifts, limits).map_err(failure)?;
    Ok(CompiledRule {
        ast,
        consts,
        has_imports,
        native: Err(native::Unsupported("not lowered".into())),
    })
}
