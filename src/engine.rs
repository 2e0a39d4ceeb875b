//! The library's front door: an [`Engine`] is a rule set loaded and
//! checked once — from a rules folder or from texts in memory — with the
//! options it runs under. It is cheap to clone and shared by any number of
//! threads; each thread compiles the rules once for itself, on first use,
//! and keeps them (Rhai values cannot cross threads), so callers never
//! manage per-thread state. Evaluation never overflows the caller's stack
//! (`sandbox::stack`): a rule recursing as deep as the limits allow gets
//! an error on a 2 MiB thread as on any other.
//!
//! ```
//! use std::sync::Arc;
//!
//! use sanctions_trigger::timeline::default_window;
//! use sanctions_trigger::{Engine, ParseOptions, Scenario};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Load the rules once: here from strings; `.folder("rules")` reads a
//!     // rules folder instead. Any error in them is an `Err` here.
//!     let engine = Engine::builder()
//!         .catalogue(
//!             r#"
//!             [new-sanctions]
//!             title = "A new sanctions package"
//!             category = "sanctions"
//!             severity = 3
//!             "#,
//!         )
//!         .helper("strikes", "export const MANY = 2;")
//!         .rule(
//!             "strikes",
//!             r#"
//!             import "lib/strikes" as strikes;
//!             const RESPONSE = "new-sanctions";
//!             fn fires(s) { s.count("strike") >= strikes::MANY }
//!             "#,
//!         )
//!         .build()?;
//!
//!     // A scenario, as a request might bring it.
//!     let text = r#"
//!         [scenario]
//!         title = "Two strikes"
//!         as_of = 2025-06-30
//!         [[events]]
//!         kind = "strike"
//!         date = 2025-06-01
//!         [[events]]
//!         kind = "strike"
//!         date = 2025-06-15
//!     "#;
//!     // Its diagnostics name it `request:line:col`; `extends` is refused
//!     // unless `ParseOptions` allows it.
//!     let scenario = Scenario::from_toml("request", text, &ParseOptions::default())?;
//!     let scenario = Arc::new(scenario);
//!
//!     // What fires at a date. Clones of `engine` can do this on any thread.
//!     let outcome = engine.evaluate(&scenario, scenario.as_of());
//!     assert!(outcome.fired.iter().any(|r| &**r == "new-sanctions"));
//!
//!     // Day by day: from when it fires, and what tipped it.
//!     let timeline = engine.replay(&scenario, default_window(&scenario, None, None))?;
//!     let period = &timeline.responses[0].periods[0];
//!     assert_eq!(period.from.to_string(), "2025-06-15");
//!     Ok(())
//! }
//! ```

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use chrono::NaiveDate;

use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean};
use crate::dossier::{self, Dossier};
use crate::eval::{Statuses, Worker, WorkerOptions};
use crate::outcome::Outcome;
use crate::outlook;
use crate::rules::sources::Sources;
use crate::rules::{Catalogue, RuleSet};
use crate::sandbox::{Limits, stack};
use crate::scenario::{ParseOptions, Scenario};
use crate::sweep;
use crate::timeline::{self, ReplayError, Timeline, Window};
use crate::vocabulary::Vocabulary;
use crate::what_if;

/// A loaded, checked rule set and the options it runs under: what a
/// service keeps for its lifetime and shares between threads.
/// `Clone + Send + Sync`; a clone shares the rules (an `Arc`).
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// What clones of an engine share.
#[derive(Debug)]
struct Inner {
    /// Unique to this engine: the key of each thread's compiled rules.
    generation: u64,
    set: Arc<RuleSet>,
    options: WorkerOptions,
    /// The loading's warnings (a build with errors fails).
    warnings: Vec<Diagnostic>,
}

/// The source of [`Inner::generation`].
static GENERATIONS: AtomicU64 = AtomicU64::new(0);

/// How an engine is made: where its rules come from and how they run.
/// Made by [`Engine::builder`]; [`EngineBuilder::build`] loads the rules.
#[derive(Debug, Clone)]
#[must_use = "an engine builder does nothing until `build` is called"]
pub struct EngineBuilder {
    folder: Option<PathBuf>,
    catalogue: Option<String>,
    helpers: Vec<(String, String)>,
    rules: Vec<(String, String)>,
    vocabulary: Option<String>,
    limits: Limits,
    native: bool,
    disabled: Vec<String>,
}

/// Why an engine could not be built: every problem found loading the
/// rules, each a [`Diagnostic`] with its file, line and column, errors and
/// warnings alike. Displayed as its first error and a count of the rest.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
#[error("{}", summary(.diagnostics))]
pub struct LoadError {
    diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// Every problem found, in the order found; at least one is an error.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The problems that made the build fail (not the warnings).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Every problem found, owned.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// The first error, and how many more there are.
fn summary(diagnostics: &[Diagnostic]) -> String {
    let mut errors = diagnostics.iter().filter(|d| d.is_error());
    let Some(first) = errors.next() else {
        return "the rules did not load".to_string();
    };
    match errors.count() {
        0 => first.to_string(),
        1 => format!("{first} (and 1 more error)"),
        n => format!("{first} (and {n} more errors)"),
    }
}

impl EngineBuilder {
    /// Reads the rules from a rules folder: `*.rhai` rules (a rule's id
    /// is its path under the folder, without `.rhai`), helpers under
    /// `lib/`, and `responses.toml`. Not with texts in memory.
    pub fn folder(mut self, dir: impl Into<PathBuf>) -> Self {
        self.folder = Some(dir.into());
        self
    }

    /// The response catalogue, as the TOML text of a `responses.toml`.
    /// Needed by rules given in memory; diagnostics name it
    /// `rules/responses.toml`.
    pub fn catalogue(mut self, toml: impl Into<String>) -> Self {
        self.catalogue = Some(toml.into());
        self
    }

    /// A rule, by its id and its Rhai text; diagnostics name it
    /// `rules/<id>.rhai`. An id is a relative path of names (`sanctions`,
    /// `trade/tariffs`), not under `lib/`.
    pub fn rule(mut self, id: impl Into<String>, source: impl Into<String>) -> Self {
        self.rules.push((id.into(), source.into()));
        self
    }

    /// A helper that rules import as `import "lib/<name>" as x;`, by that
    /// name (with or without `lib/`) and its Rhai text; diagnostics name
    /// it `rules/lib/<name>.rhai`.
    pub fn helper(mut self, name: impl Into<String>, source: impl Into<String>) -> Self {
        self.helpers.push((name.into(), source.into()));
        self
    }

    /// The scenario vocabulary, as the TOML text of a `vocabulary.toml`
    /// (see the README's "Vocabulary"); diagnostics name it
    /// `rules/vocabulary.toml`. With rules in memory only: a rules folder
    /// has its own file. Scenarios read with the engine's
    /// [`parse_options`](Engine::parse_options) are checked against it.
    pub fn vocabulary(mut self, toml: impl Into<String>) -> Self {
        self.vocabulary = Some(toml.into());
        self
    }

    /// The sandbox's limits on every rule call (and on the top levels run
    /// as the rules load). Depth limits of 0 (unlimited, to Rhai) are
    /// refused: they would let a rule overflow the stack.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Runs rules as native code where it covers them (the default), or,
    /// with `false`, every rule in Rhai. Outcomes are the same.
    pub fn native(mut self, native: bool) -> Self {
        self.native = native;
        self
    }

    /// Leaves a rule out, by id: it is neither loaded nor evaluated, and
    /// its response fires only by its other rules. An id that names no
    /// rule is an error of [`EngineBuilder::build`].
    pub fn disable(mut self, rule_id: impl Into<String>) -> Self {
        self.disabled.push(rule_id.into());
        self
    }

    /// Loads, compiles and checks the rules. Any error — a missing
    /// folder, a rule that does not compile, a response missing from the
    /// catalogue, no rule at all — fails the build with every diagnostic;
    /// warnings are kept on the engine ([`Engine::warnings`]).
    pub fn build(self) -> Result<Engine, LoadError> {
        let mut diags = Vec::new();
        if stack::needed(&self.limits).is_none() {
            diags.push(Diagnostic::error(
                None,
                format!(
                    "the limits do not bound the stack a rule may take (expression depths {} and {}, {} call levels): give both depths above 0, and smaller limits",
                    self.limits.max_expr_depth,
                    self.limits.max_fn_expr_depth,
                    self.limits.max_call_levels
                ),
            ).with_code(Code::InvalidOptions));
        }
        let in_memory = self.catalogue.is_some()
            || !self.rules.is_empty()
            || !self.helpers.is_empty()
            || self.vocabulary.is_some();
        let mut sources = match &self.folder {
            Some(dir) => {
                if in_memory {
                    diags.push(Diagnostic::error(
                        Some(dir),
                        "rules were given both as a folder and in memory; give one or the other",
                    ).with_code(Code::InvalidOptions));
                }
                Sources::folder(dir)
            }
            None => {
                let mut s = Sources::memory(self.catalogue.as_deref(), &self.helpers, &self.rules);
                s.vocabulary = self.vocabulary.as_deref().map(|text| {
                    let path = s.dir.join(crate::vocabulary::FILE_NAME);
                    Ok(SourceText::new(
                        path,
                        text.strip_prefix('\u{feff}').unwrap_or(text),
                    ))
                });
                s
            }
        };
        for id in &self.disabled {
            if !sources.rules.iter().any(|r| r.id == *id) {
                let ids = sources.rules.iter().map(|r| r.id.as_str());
                diags.push(
                    Diagnostic::error(Some(&sources.dir), format!("no rule `{id}` to disable"))
                        .with_code(Code::UnknownRule)
                        .with_help_opt(did_you_mean(id, ids)),
                );
            }
        }
        sources.rules.retain(|r| !self.disabled.contains(&r.id));
        let options = WorkerOptions {
            limits: self.limits,
            native: self.native,
            line_coverage: false,
        };
        if diags.iter().any(Diagnostic::is_error) {
            return Err(LoadError { diagnostics: diags });
        }
        let limits = &options.limits;
        let set = stack::run(limits, || RuleSet::from_sources(sources, limits));
        diags.extend(set.diagnostics.iter().cloned());
        if set.rules.is_empty() && !set.missing {
            diags.push(
                Diagnostic::error(Some(&set.dir), "no rules to evaluate")
                    .with_code(Code::NoRules)
                    .with_help("an engine needs at least one rule"),
            );
        }
        if diags.iter().any(Diagnostic::is_error) {
            return Err(LoadError { diagnostics: diags });
        }
        Ok(Engine::new(Arc::new(set), options))
    }
}

impl Engine {
    /// A builder with no rules yet, the default limits, and native code on.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            folder: None,
            catalogue: None,
            helpers: Vec::new(),
            rules: Vec::new(),
            vocabulary: None,
            limits: Limits::default(),
            native: true,
            disabled: Vec::new(),
        }
    }

    /// An engine over a rule set loaded already, errors and all: for the
    /// command line, which reports a set's diagnostics itself and still
    /// runs what loaded.
    pub(crate) fn new(set: Arc<RuleSet>, options: WorkerOptions) -> Self {
        let warnings = set
            .diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .cloned()
            .collect();
        Engine {
            inner: Arc::new(Inner {
                generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
                set,
                options,
                warnings,
            }),
        }
    }

    /// Evaluates every rule on a scenario, judged as of a date (usually
    /// `scenario.as_of`). A rule that fails — a runtime error, a limit —
    /// is an error in the outcome, never a panic or an abort.
    ///
    /// The first call on a thread compiles the rules for it. A thread with
    /// less stack free than a rule may need ([`stack::needed`] of
    /// [`Engine::limits`]: 7.6 MiB for the default limits in a release
    /// build) runs each call on a stack mapped for it, which costs some
    /// 20 µs; threads that evaluate often can be given that much stack
    /// (`std::thread::Builder::stack_size`, tokio's `thread_stack_size`).
    pub fn evaluate(&self, scenario: &Arc<Scenario>, as_of: NaiveDate) -> Outcome {
        self.with_worker(|w| w.evaluate(scenario, as_of))
    }

    /// Replays a scenario day by day over `window`
    /// ([`timeline::default_window`] gives the usual one): from which
    /// date each response fires, what tipped it, and when it stops.
    /// Windows that end before they start, or are longer than
    /// [`timeline::MAX_REPLAY_DAYS`], are refused.
    pub fn replay(
        &self,
        scenario: &Arc<Scenario>,
        window: Window,
    ) -> Result<Timeline, ReplayError> {
        window.validate()?;
        Ok(self.with_worker(|w| timeline::replay(w, scenario, window)))
    }

    /// Everything a report says about a scenario: its outcome at the
    /// judgement date, its replay over the window, and its test result
    /// when it carries expectations ([`dossier::Options`]). A window the
    /// replay refuses is kept in the dossier as its error.
    pub fn dossier(&self, scenario: &Arc<Scenario>, opts: &dossier::Options) -> Dossier {
        self.with_worker(|w| dossier::build(w, scenario, opts))
    }

    /// Looks ahead from a judgement date ([`outlook::Options`]): if
    /// nothing new happens, which responses change status in the next
    /// days, on which date, by which rule and why. One step per day
    /// ([`crate::eval::Worker::step`]), like [`Engine::replay`]; a
    /// look-ahead of 0 days or more than [`outlook::MAX_DAYS`] is refused.
    pub fn outlook(
        &self,
        scenario: &Arc<Scenario>,
        opts: outlook::Options,
    ) -> Result<outlook::Outlook, outlook::OutlookError> {
        self.with_worker(|w| outlook::outlook(w, scenario, opts))
    }

    /// Sweeps a scenario over one or two parameters, each a `--vary`
    /// SPEC (`EVENT_ID.FIELD=LO..HI[:STEP]`, `EVENT_ID.date=D1..D2[:Nd]`,
    /// `EVENT_ID=present|absent`, `as_of=D1..D2[:Nd]`; see
    /// [`sweep`]): every response's status at every point,
    /// and where each changes. The points are evaluated on `jobs` threads;
    /// the result is the same at any count. A malformed spec, an unknown
    /// event id or field, or more than [`sweep::MAX_POINTS`] points is a
    /// [`Diagnostic`] with its code.
    pub fn sweep(
        &self,
        scenario: &Arc<Scenario>,
        specs: &[impl AsRef<str>],
        jobs: usize,
    ) -> Result<sweep::Sweep, Diagnostic> {
        let params = specs
            .iter()
            .map(|s| sweep::parameter(s.as_ref(), scenario))
            .collect::<Result<Vec<_>, _>>()?;
        sweep::sweep(self, scenario, params, jobs)
    }

    /// The smallest edits to a scenario that flip a response (fires →
    /// quiet, quiet → fires): single edits, then pairs up to
    /// `opts.max_edits`, each with the response's new status and its
    /// deciding rule's new reason. The search and its bounds are described
    /// in [`what_if`]; its result is the same at any
    /// `opts.jobs`. An unknown response is a [`Diagnostic`].
    pub fn what_if(
        &self,
        scenario: &Arc<Scenario>,
        opts: &what_if::Options,
    ) -> Result<what_if::WhatIf, Diagnostic> {
        what_if::what_if(self, scenario, opts)
    }

    /// The rules as loaded: their ids, sources, responses and order.
    pub fn rules(&self) -> &RuleSet {
        &self.inner.set
    }

    /// The response catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        self.inner.set.catalogue()
    }

    /// The limits every rule call runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.options.limits
    }

    /// The scenario vocabulary the rules were loaded with, if any.
    pub fn vocabulary(&self) -> Option<&Arc<Vocabulary>> {
        self.inner.set.vocabulary()
    }

    /// Options for reading a scenario for this engine
    /// ([`Scenario::from_toml`], [`Scenario::from_json`],
    /// [`ScenarioBuilder::build_with`](crate::ScenarioBuilder::build_with)):
    /// the defaults, with the engine's vocabulary, so that a scenario the
    /// vocabulary does not allow is refused with its problems.
    ///
    /// ```
    /// use sanctions_trigger::{Engine, Scenario};
    ///
    /// let engine = Engine::builder()
    ///     .catalogue("[a]\ntitle = \"A\"\ncategory = \"c\"\nseverity = 1\n")
    ///     .rule("r", "const RESPONSE = \"a\";\nfn fires(s) { s.count(\"talks\") > 0 }\n")
    ///     .vocabulary("[kinds.talks]\nfields.round = { type = \"int\" }\n")
    ///     .build()?;
    /// let text = "[scenario]\ntitle = \"T\"\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\nrund = 2\n";
    /// let err = Scenario::from_toml("req", text, &engine.parse_options()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "req:6:1: error: `rund` is not a field of a `talks` event (help: did you mean `round`?)"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions::default().vocabulary(self.vocabulary().cloned())
    }

    /// What loading found worth a warning; errors fail the build.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.inner.warnings
    }

    /// Runs `f` with this thread's worker for this engine, with the stack
    /// a rule may need.
    fn with_worker<R>(&self, f: impl FnOnce(&Worker) -> R) -> R {
        stack::run(&self.inner.options.limits, || f(&worker(&self.inner)))
    }
}

/// What `sweep` and `what-if` evaluate edited scenarios with.
impl sweep::Evaluator for Engine {
    fn rule_set(&self) -> &RuleSet {
        &self.inner.set
    }

    fn statuses(&self, sc: &Arc<Scenario>, as_of: NaiveDate) -> Statuses {
        self.with_worker(|w| w.statuses(sc, as_of))
    }

    fn outcome(&self, sc: &Arc<Scenario>, as_of: NaiveDate) -> Outcome {
        self.evaluate(sc, as_of)
    }
}

/// How many engines' workers a thread keeps: a service has one engine,
/// or two while it swaps in new rules.
const KEPT_PER_THREAD: usize = 4;

/// A thread's compiled rules for one engine.
struct Kept {
    generation: u64,
    /// Gone once every clone of the engine is dropped: the worker is then
    /// dropped at this thread's next compilation.
    owner: Weak<Inner>,
    worker: Rc<Worker>,
}

thread_local! {
    /// This thread's workers, the most recently used first.
    static WORKERS: RefCell<Vec<Kept>> = const { RefCell::new(Vec::new()) };
}

/// This thread's worker for `inner`: the one kept, or a new one, kept
/// (the least recently used beyond [`KEPT_PER_THREAD`] is dropped). A
/// thread that is exiting keeps nothing and compiles each time.
fn worker(inner: &Arc<Inner>) -> Rc<Worker> {
    let kept = WORKERS.try_with(|w| {
        let mut w = w.try_borrow_mut().ok()?;
        let i = w.iter().position(|k| k.generation == inner.generation)?;
        w[..=i].rotate_right(1);
        Some(w[0].worker.clone())
    });
    if let Ok(Some(worker)) = kept {
        return worker;
    }
    let worker = Rc::new(Worker::new(inner.set.clone(), inner.options.clone()));
    let dropped = WORKERS.try_with(|w| {
        let Ok(mut w) = w.try_borrow_mut() else {
            return Vec::new();
        };
        let (mut live, dead): (Vec<Kept>, Vec<Kept>) =
            w.drain(..).partition(|k| k.owner.strong_count() > 0);
        live.insert(
            0,
            Kept {
                generation: inner.generation,
                owner: Arc::downgrade(inner),
                worker: worker.clone(),
            },
        );
        let mut dropped = live.split_off(live.len().min(KEPT_PER_THREAD));
        dropped.extend(dead);
        *w = live;
        dropped
    });
    // Dropped here, outside the borrow.
    drop(dropped);
    worker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_engine_can_be_shared_across_threads() {
        fn shared<T: Clone + Send + Sync>() {}
        shared::<Engine>();
        shared::<EngineBuilder>();
        fn error<T: std::error::Error + Send + Sync + 'static>() {}
        error::<LoadError>();
        error::<ReplayError>();
    }

    const CATALOGUE: &str = "[a]\ntitle = \"A\"\ncategory = \"c\"\nseverity = 1\n";

    #[test]
    fn a_thread_keeps_a_few_engines_workers_and_drops_those_of_dropped_engines() {
        let engines: Vec<Engine> = (0..KEPT_PER_THREAD + 2)
            .map(|i| {
                Engine::builder()
                    .catalogue(CATALOGUE)
                    .rule(
                        "r",
                        format!("const RESPONSE = \"a\";\nfn fires(s) {{ {i} > 0 }}\n"),
                    )
                    .build()
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let sc = crate::testutil::scenario("[scenario]\ntitle = \"t\"\nas_of = 2025-01-01\n");
        for (i, e) in engines.iter().enumerate() {
            assert_eq!(e.evaluate(&sc, sc.as_of).fired.len(), usize::from(i > 0));
        }
        let kept = || WORKERS.with(|w| w.borrow().iter().map(|k| k.generation).collect::<Vec<_>>());
        let newest: Vec<u64> = engines
            .iter()
            .rev()
            .take(KEPT_PER_THREAD)
            .map(|e| e.inner.generation)
            .collect();
        assert_eq!(kept(), newest);
        // Using an older one again brings it to the front.
        engines[3].evaluate(&sc, sc.as_of);
        assert_eq!(kept()[0], engines[3].inner.generation);
        drop(engines);
        let other = Engine::builder()
            .catalogue(CATALOGUE)
            .rule("r", "const RESPONSE = \"a\";\nfn fires(s) { true }\n")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        other.evaluate(&sc, sc.as_of);
        assert_eq!(kept(), [other.inner.generation]);
    }
}
