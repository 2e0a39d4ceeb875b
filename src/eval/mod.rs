//! Evaluating a rule set on a scenario at a judgement date. A [`Worker`]
//! owns one Rhai engine and its own compiled rules (Rhai values are not
//! `Send`, and a shared engine measured slower; see `compile.rs`), made
//! from a shared, immutable [`RuleSet`] and the [`WorkerOptions`] it is
//! run with, and evaluates responses in dependency order so that
//! `fired("x")` reads a finished verdict.

mod compile;
mod step;

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use chrono::NaiveDate;
use rhai::{CallFnOptions, Dynamic, Engine, EvalAltResult, Map, Scope};

use crate::blame;
use crate::native::{Bail, Decision};
use crate::outcome::{ErrorKind, Outcome, ResponseOutcome, RuleError, RuleVerdict, Status};
use crate::printable;
use crate::rules::{self, RuleSet};
use crate::sandbox::api::{Date, Quiet, Record, ScenarioView};
use crate::sandbox::context::{self, PlanIndex, ResponseState};
use crate::sandbox::{self, Limits};
use crate::scenario::Scenario;
pub use compile::{CompiledRule, compile, compile_only};
pub use step::Stepper;

/// How far back `since` replays: ten years, as `timeline` may.
const MAX_SINCE_DAYS: u64 = 3_652;

/// How many replays for `since` a worker keeps to continue.
const SINCE_MEMOS: usize = 4;

/// How a worker runs a rule set: options of the run, not of the rules.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The sandbox's limits on every rule call.
    pub limits: Limits,
    /// Run the rules native code can run natively (the default); `false`
    /// runs every rule in Rhai (`--engine rhai`).
    pub native: bool,
    /// Record which script lines run (`test --coverage`); slower, and
    /// every rule then runs in Rhai.
    pub line_coverage: bool,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            limits: Limits::default(),
            native: true,
            line_coverage: false,
        }
    }
}

/// One worker: an engine, the compiled rules, and the rule set and
/// options they came from.
pub struct Worker {
    engine: Engine,
    compiled: Vec<Result<CompiledRule, RuleError>>,
    set: Arc<RuleSet>,
    opts: WorkerOptions,
    /// Response id → plan position, for `fired`.
    plan_index: PlanIndex,
    /// Plan positions in response-id order, the order of
    /// `Outcome::responses`; `None` when the plan is in that order already.
    sorted: Option<Vec<usize>>,
    /// The scope every call runs in, emptied after each call: a fresh one
    /// would allocate its storage on every call.
    scope: RefCell<Scope<'static>>,
    /// Calls native code decided, and calls it handed to Rhai.
    native_calls: Cell<(u64, u64)>,
    /// Some rule calls `since`: each evaluation needs the firing streaks
    /// of the days before it.
    since: bool,
    /// The last replays made for `since` (a few: `timeline` judges a day
    /// again without some of its events between two days), each continued
    /// by the next evaluation of the same scenario at the same or a later
    /// date, so a day-by-day replay costs one evaluation a day, not a
    /// replay a day.
    since_memo: RefCell<Vec<SinceMemo>>,
}

/// Where a replay for `since` stopped: the firing streaks of each response
/// up to the day before `day`, for the scenario held (held, so that its
/// address cannot be reused by another scenario while it is compared).
struct SinceMemo {
    scenario: Arc<Scenario>,
    day: NaiveDate,
    streaks: Vec<Option<NaiveDate>>,
}

/// A rule's verdict, or the error it raised.
enum Verdict {
    Fires(Option<String>, serde_json::Value),
    Quiet(Option<String>, serde_json::Value),
    Error(RuleError),
}

impl Verdict {
    fn status(&self) -> Status {
        match self {
            Verdict::Fires(..) => Status::Fires,
            Verdict::Quiet(..) => Status::Quiet,
            Verdict::Error(_) => Status::Error,
        }
    }
}

/// Where an evaluation's results go: a full [`Outcome`], or only the
/// statuses and errors a replay needs.
trait Sink {
    fn rule(&mut self, rule: usize, verdict: Verdict, trace: Vec<String>);
    fn response(&mut self, position: usize, status: Status);
}

/// Each response's status in plan order, and the rules' errors: what a
/// day of a replay needs, without the verdict texts of an [`Outcome`].
#[derive(Debug, Clone, Default)]
pub struct Statuses {
    /// Index-aligned with `RuleSet::plan`.
    pub statuses: Vec<Status>,
    pub errors: Vec<RuleError>,
}

impl Sink for Statuses {
    fn rule(&mut self, _: usize, verdict: Verdict, _: Vec<String>) {
        if let Verdict::Error(e) = verdict {
            self.errors.push(e);
        }
    }

    fn response(&mut self, _: usize, status: Status) {
        self.statuses.push(status);
    }
}

/// Text a rule produced, safe for a terminal: control characters other
/// than tab and newline (an escape sequence in a reason could recolour or
/// erase the user's screen) and bidi controls are written as `\u{1b}`.
fn printable(s: String) -> String {
    match printable::escape(&s, true) {
        Cow::Borrowed(_) => s,
        Cow::Owned(o) => o,
    }
}

/// Builds an [`Outcome`]'s responses in plan order.
struct Full<'a> {
    set: &'a RuleSet,
    verdicts: Vec<RuleVerdict>,
    responses: Vec<ResponseOutcome>,
    errors: Vec<RuleError>,
}

impl Sink for Full<'_> {
    fn rule(&mut self, i: usize, verdict: Verdict, trace: Vec<String>) {
        let id = self.set.rules[i].id.clone();
        let trace = trace.into_iter().map(printable).collect();
        let verdict = match verdict {
            Verdict::Fires(r, d) => Verdict::Fires(r.map(printable), d),
            Verdict::Quiet(r, d) => Verdict::Quiet(r.map(printable), d),
            Verdict::Error(mut e) => {
                e.message = printable(e.message);
                Verdict::Error(e)
            }
        };
        let v = match verdict {
            Verdict::Fires(reason, details) => RuleVerdict {
                id,
                status: Status::Fires,
                fires: true,
                reason,
                details,
                trace,
            },
            Verdict::Quiet(reason, details) => RuleVerdict {
                id,
                status: Status::Quiet,
                fires: false,
                reason,
                details,
                trace,
            },
            Verdict::Error(e) => {
                let v = RuleVerdict {
                    id,
                    status: Status::Error,
                    fires: false,
                    reason: Some(e.message.clone()),
                    details: serde_json::Value::Null,
                    trace,
                };
                self.errors.push(e);
                v
            }
        };
        self.verdicts.push(v);
    }

    fn response(&mut self, position: usize, status: Status) {
        let id = &self.set.plan[position].0;
        // A response has a handful of rules: one allocation for the next.
        let rules = std::mem::replace(&mut self.verdicts, Vec::with_capacity(8));
        self.responses.push(ResponseOutcome {
            id: id.clone(),
            status,
            fires: status == Status::Fires,
            rules,
        });
    }
}

impl Worker {
    /// Compiles `set` for this thread's own engine.
    pub fn new(set: Arc<RuleSet>, opts: WorkerOptions) -> Worker {
        Worker::new_only(set, opts, None)
    }

    /// A worker that compiles only the rules `only` marks (index-aligned
    /// with `RuleSet::rules`; `None`: all), for
    /// [`Worker::evaluate_from`] with those rules' responses dirty.
    pub fn new_only(set: Arc<RuleSet>, opts: WorkerOptions, only: Option<&[bool]>) -> Worker {
        let since = set.rules.iter().any(|r| r.since);
        // The replay `since` needs calls every rule, changed or not.
        let only = if since { None } else { only };
        let (engine, compiled) = compile_only(&set, &opts, only);
        let plan_index: HashMap<Arc<str>, usize> = set
            .plan
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.clone(), i))
            .collect();
        let mut order: Vec<usize> = (0..set.plan.len()).collect();
        order.sort_by(|&a, &b| set.plan[a].0.cmp(&set.plan[b].0));
        let sorted = order
            .iter()
            .enumerate()
            .any(|(i, &p)| i != p)
            .then_some(order);
        Worker {
            engine,
            compiled,
            set,
            opts,
            plan_index: Rc::new(plan_index),
            sorted,
            scope: RefCell::new(Scope::new()),
            native_calls: Cell::new((0, 0)),
            since,
            since_memo: RefCell::new(Vec::new()),
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    pub fn options(&self) -> &WorkerOptions {
        &self.opts
    }

    /// How many rule calls native code decided, and how many it handed to
    /// Rhai (rules it does not cover are not counted).
    pub fn native_calls(&self) -> (u64, u64) {
        self.native_calls.get()
    }

    /// Evaluates every rule on a scenario, as of a date.
    pub fn evaluate(&self, scenario: &Arc<Scenario>, as_of: NaiveDate) -> Outcome {
        let mut full = Full {
            set: &self.set,
            verdicts: Vec::with_capacity(8),
            responses: Vec::with_capacity(self.set.plan.len()),
            errors: Vec::new(),
        };
        self.run(scenario, as_of, &mut full);
        self.finish(scenario, as_of, full)
    }

    /// An [`Outcome`] of the responses `full` gathered in plan order.
    fn finish(&self, scenario: &Arc<Scenario>, as_of: NaiveDate, full: Full<'_>) -> Outcome {
        let Full {
            mut responses,
            errors,
            ..
        } = full;
        if let Some(order) = &self.sorted {
            let mut by_plan: Vec<Option<ResponseOutcome>> =
                responses.into_iter().map(Some).collect();
            responses = order.iter().filter_map(|&p| by_plan[p].take()).collect();
        }
        let fired = responses
            .iter()
            .filter(|r| r.fires)
            .map(|r| r.id.clone())
            .collect();
        Outcome {
            id: scenario.id.clone(),
            file: scenario.file.clone(),
            title: scenario.title.clone(),
            as_of,
            fired,
            responses,
            errors,
        }
    }

    /// Whether [`Worker::evaluate_from`] with `prev` and `changed` would
    /// give `prev` back unchanged: each changed rule is called, in plan
    /// order, and must return the verdict `prev` holds for it, neither of
    /// them an error. Most scenarios of a rule edit come out so; their
    /// kept result (outcome, judgement) then stands as it is, and nothing
    /// is rebuilt. A `false` says only that the full re-evaluation is
    /// needed. Never with `since` rules, whose replay this does not do.
    pub fn unchanged_from(
        &self,
        scenario: &Arc<Scenario>,
        prev: &Outcome,
        changed: &[bool],
    ) -> bool {
        if self.since || changed.len() != self.set.rules.len() {
            return false;
        }
        // The responses after the last changed rule's are not looked at.
        let mut left = changed.iter().filter(|&&c| c).count();
        let view = ScenarioView {
            scenario: scenario.clone(),
            as_of: prev.as_of,
        };
        // The changed rules see the statuses `prev` holds for the
        // responses before theirs, as a re-evaluation would while nothing
        // moved.
        self.begin_day();
        context::with(|c| c.since = None);
        let mut probe = Full {
            set: &self.set,
            verdicts: Vec::with_capacity(1),
            responses: Vec::new(),
            errors: Vec::new(),
        };
        for (position, (id, rule_ix)) in self.set.plan.iter().enumerate() {
            if left == 0 {
                break;
            }
            // `prev.responses` is in id order, which is the plan's order
            // unless `sorted` says otherwise.
            let at = match prev.responses.get(position) {
                Some(r) if self.sorted.is_none() && r.id == *id => Some(r),
                _ => prev
                    .responses
                    .binary_search_by(|r| r.id.cmp(id))
                    .ok()
                    .and_then(|k| prev.responses.get(k)),
            };
            let Some(old) = at else {
                return false;
            };
            for (k, &i) in rule_ix.iter().enumerate() {
                if !changed.get(i).copied().unwrap_or(true) {
                    continue;
                }
                left = left.saturating_sub(1);
                let Some(kept) = old.rules.get(k) else {
                    return false;
                };
                if kept.status == Status::Error || *kept.id != *self.set.rules[i].id {
                    return false;
                }
                let (verdict, trace) = self.call(i, &view);
                probe.verdicts.clear();
                probe.rule(i, verdict, trace);
                if !probe.errors.is_empty() || probe.verdicts.first() != Some(kept) {
                    return false;
                }
            }
            let mut tally = Tally::default();
            old.rules.iter().for_each(|v| tally.add(v.status));
            tally.settle(position);
        }
        true
    }

    /// [`Worker::evaluate`] of only what may have changed since `prev`, an
    /// outcome of the same scenario at the same date under a rule set with
    /// the same responses and rules, of which those `changed` marks
    /// (index-aligned with `RuleSet::rules`) are new: each changed rule,
    /// each rule that calls `since`, and each rule that reads with `fired`
    /// a response whose status came out different from `prev`'s, is called; every other verdict (and
    /// its error) is taken from `prev`. The worker must have compiled
    /// every rule that can be called so (see [`Worker::new_only`]).
    pub fn evaluate_from(
        &self,
        scenario: &Arc<Scenario>,
        prev: Outcome,
        changed: &[bool],
    ) -> Outcome {
        let as_of = prev.as_of;
        let prev_errors = prev.errors;
        // `Outcome::responses` is in response-id order: kept responses are
        // found by binary search and their verdicts moved, not copied.
        let ids: Vec<Arc<str>> = prev.responses.iter().map(|r| r.id.clone()).collect();
        let mut prev_responses: Vec<Option<ResponseOutcome>> =
            prev.responses.into_iter().map(Some).collect();
        let mut full = Full {
            set: &self.set,
            verdicts: Vec::with_capacity(8),
            responses: Vec::with_capacity(self.set.plan.len()),
            errors: Vec::new(),
        };
        let view = ScenarioView {
            scenario: scenario.clone(),
            as_of,
        };
        self.prepare_since(scenario, as_of);
        self.begin_day();
        // Plan positions whose status differs from `prev`'s.
        let mut moved = vec![false; self.set.plan.len()];
        for (position, (id, rule_ix)) in self.set.plan.iter().enumerate() {
            let old = ids
                .binary_search(id)
                .ok()
                .and_then(|k| prev_responses.get_mut(k))
                .and_then(Option::take);
            let old_status = old.as_ref().map(|r| r.status);
            let mut old_rules = old.map(|r| r.rules).unwrap_or_default().into_iter();
            let mut tally = Tally::default();
            for &i in rule_ix {
                let kept = old_rules.next();
                let rule = &self.set.rules[i];
                // `since` reads a response's past days, which a changed
                // rule may have moved while its status today stands.
                let call = changed.get(i).copied().unwrap_or(true)
                    || rule.since
                    || self.reads_moved(i, &moved);
                match kept {
                    Some(v) if !call && *v.id == *rule.id => {
                        tally.add(v.status);
                        if let Some(e) = prev_errors.iter().find(|e| *e.rule == *rule.id) {
                            full.errors.push(e.clone());
                        }
                        full.verdicts.push(v);
                    }
                    _ => {
                        let (verdict, trace) = self.call(i, &view);
                        tally.add(verdict.status());
                        full.rule(i, verdict, trace);
                    }
                }
            }
            let status = tally.settle_against(position, old_status, &mut moved);
            full.response(position, status);
        }
        self.finish(scenario, as_of, full)
    }

    /// Evaluates every rule on a scenario, as of a date, keeping only each
    /// response's status and the errors: what a day-by-day replay needs.
    pub fn statuses(&self, scenario: &Arc<Scenario>, as_of: NaiveDate) -> Statuses {
        let mut out = Statuses {
            statuses: Vec::with_capacity(self.set.plan.len()),
            errors: Vec::new(),
        };
        self.run(scenario, as_of, &mut out);
        out
    }

    /// Sets the call context for evaluating the plan on one day: the plan's
    /// index, the vocabulary, and no response evaluated yet.
    fn begin_day(&self) {
        context::with(|c| {
            c.plan = Some(self.plan_index.clone());
            c.vocabulary.clone_from(&self.set.vocabulary);
            c.states.clear();
            c.states.resize(self.set.plan.len(), None);
        });
    }

    /// Whether rule `i` reads with `fired` (or `since`) a response that
    /// `moved` marks (by plan position; one past its end counts as moved).
    fn reads_moved(&self, i: usize, moved: &[bool]) -> bool {
        self.set.rules[i].reads.keys().any(|r| {
            self.plan_index
                .get(r.as_str())
                .is_some_and(|&q| moved.get(q).copied().unwrap_or(true))
        })
    }

    /// Marks, besides the responses `wanted` marks (index-aligned with
    /// `RuleSet::plan`), every response their rules read with `fired`, and
    /// theirs in turn: what [`Worker::statuses_of`] must evaluate for the
    /// marked responses to come out as in a full evaluation.
    pub fn with_reads(&self, wanted: &mut [bool]) {
        // Responses read come earlier in the plan, so one pass from the
        // end closes the set; a cycle (its rules do not load) takes more.
        let mut grew = true;
        while grew {
            grew = false;
            for p in (0..self.set.plan.len()).rev() {
                if !wanted.get(p).copied().unwrap_or(false) {
                    continue;
                }
                for &i in &self.set.plan[p].1 {
                    for r in self.set.rules[i].reads.keys() {
                        if let Some(&q) = self.plan_index.get(r.as_str())
                            && let Some(w) = wanted.get_mut(q)
                            && !*w
                        {
                            *w = true;
                            grew = true;
                        }
                    }
                }
            }
        }
    }

    /// [`Worker::statuses`] of only the responses `wanted` marks, which
    /// must hold the responses they read ([`Worker::with_reads`]); the
    /// others are not evaluated and pass as quiet.
    pub fn statuses_of(
        &self,
        scenario: &Arc<Scenario>,
        as_of: NaiveDate,
        wanted: &[bool],
    ) -> Statuses {
        let mut out = Statuses {
            statuses: Vec::with_capacity(self.set.plan.len()),
            errors: Vec::new(),
        };
        self.prepare_since(scenario, as_of);
        self.run_day(scenario, as_of, &mut out, Some(wanted));
        out
    }

    /// What rule `i`, of the response at plan `position`, says on `as_of`
    /// (its reason, or its error's message, made printable as in an
    /// outcome), the responses of the plan having come out as `statuses`
    /// says (that day's [`Worker::step`] or [`Worker::statuses`]): to name
    /// the reason behind a change without evaluating anything else again.
    pub fn reason_on(
        &self,
        scenario: &Arc<Scenario>,
        as_of: NaiveDate,
        position: usize,
        i: usize,
        statuses: &[Status],
    ) -> Option<String> {
        self.prepare_since(scenario, as_of);
        let view = ScenarioView {
            scenario: scenario.clone(),
            as_of,
        };
        self.begin_day();
        // Only the responses before it: what a full evaluation shows it.
        context::with(|c| {
            for (state, &s) in c.states.iter_mut().zip(statuses).take(position) {
                *state = Some(match s {
                    Status::Fires => ResponseState::Fires,
                    Status::Quiet => ResponseState::Quiet,
                    Status::Error => ResponseState::Error,
                });
            }
        });
        match self.call(i, &view).0 {
            Verdict::Fires(reason, _) | Verdict::Quiet(reason, _) => reason.map(printable),
            Verdict::Error(e) => Some(printable(e.message)),
        }
    }

    /// Evaluates the responses in plan order, so that `fired("x")` reads a
    /// finished verdict.
    fn run(&self, scenario: &Arc<Scenario>, as_of: NaiveDate, sink: &mut impl Sink) {
        self.prepare_since(scenario, as_of);
        self.run_day(scenario, as_of, sink, None);
    }

    /// Sets what `since` reads for an evaluation of `scenario` at `as_of`:
    /// each response's firing streak up to the day before, from a replay
    /// of the days before, no further back than the scenario's first event
    /// (where `timeline` starts) or ten years. Nothing when no rule calls
    /// `since`.
    fn prepare_since(&self, scenario: &Arc<Scenario>, as_of: NaiveDate) {
        if !self.since {
            // What another worker on this thread may have left.
            context::with(|c| c.since = None);
            return;
        }
        let ten_years =
            (as_of.checked_sub_days(chrono::Days::new(MAX_SINCE_DAYS))).unwrap_or(NaiveDate::MIN);
        let start = scenario
            .first_date()
            .unwrap_or(as_of)
            .clamp(ten_years, as_of);
        let memo = {
            let mut memos = self.since_memo.borrow_mut();
            let found = memos
                .iter()
                .position(|m| Arc::ptr_eq(&m.scenario, scenario));
            found.map(|i| memos.remove(i))
        };
        let (mut day, mut streaks) = match memo {
            Some(m) if (start..=as_of).contains(&m.day) => (m.day, m.streaks),
            _ => (start, vec![None; self.set.plan.len()]),
        };
        let mut statuses = Statuses::default();
        while day < as_of {
            context::with(|c| c.since = Some((day, std::mem::take(&mut streaks))));
            statuses.statuses.clear();
            statuses.errors.clear();
            self.run_day(scenario, day, &mut statuses, None);
            streaks = context::with(|c| c.since.take().map(|(_, s)| s)).unwrap_or_default();
            for (streak, status) in streaks.iter_mut().zip(&statuses.statuses) {
                *streak = match status {
                    Status::Fires => streak.or(Some(day)),
                    _ => None,
                };
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        context::with(|c| c.since = Some((as_of, streaks.clone())));
        let mut memos = self.since_memo.borrow_mut();
        if memos.len() == SINCE_MEMOS {
            memos.remove(0);
        }
        memos.push(SinceMemo {
            scenario: scenario.clone(),
            day: as_of,
            streaks,
        });
    }

    /// [`Worker::run`] without preparing `since`; with `wanted`, only the
    /// responses it marks are evaluated, the others pass as quiet.
    fn run_day(
        &self,
        scenario: &Arc<Scenario>,
        as_of: NaiveDate,
        sink: &mut impl Sink,
        wanted: Option<&[bool]>,
    ) {
        let view = ScenarioView {
            scenario: scenario.clone(),
            as_of,
        };
        self.begin_day();
        for (position, (_, rule_ix)) in self.set.plan.iter().enumerate() {
            if wanted.is_some_and(|w| !w.get(position).copied().unwrap_or(false)) {
                sink.response(position, Status::Quiet);
                continue;
            }
            let mut tally = Tally::default();
            for &i in rule_ix {
                let (verdict, trace) = self.call(i, &view);
                tally.add(verdict.status());
                sink.rule(i, verdict, trace);
            }
            sink.response(position, tally.settle(position));
        }
    }

    /// One rule's verdict and trace: by its native code when it has some
    /// and that code decides, else by Rhai.
    fn call(&self, i: usize, view: &ScenarioView) -> (Verdict, Vec<String>) {
        let rule = &self.set.rules[i];
        if let Some(e) = &rule.broken {
            return (Verdict::Error(e.clone()), Vec::new());
        }
        let c = match &self.compiled[i] {
            Ok(c) => c,
            Err(e) => return (Verdict::Error(e.clone()), Vec::new()),
        };
        if let Some(verdict) = self.native(c, view) {
            return (verdict, Vec::new());
        }
        let (result, trace) = self.rhai(c, view);
        let verdict = match result {
            Ok(v) => interpret(v).unwrap_or_else(|msg| {
                let (line, column) = rules::find_text(&rule.source.text, "fn fires");
                Verdict::Error(RuleError {
                    rule: rule.id.to_string(),
                    file: rule.path().to_path_buf(),
                    line: Some(line),
                    column: Some(column),
                    message: msg,
                    kind: ErrorKind::Verdict,
                })
            }),
            Err(e) => {
                let mut err = self.error(i, &e);
                if err.kind == ErrorKind::Runtime {
                    let helpers = self.set.helpers.iter();
                    let imported = helpers.filter(|h| rule.imports.contains(&h.name));
                    let scripts = std::iter::once(&*rule.source.text)
                        .chain(imported.map(|h| &*h.source.text));
                    if let Some(h) = blame::hint(&err.message, &view.scenario, view.as_of, scripts)
                    {
                        err.message.push_str(&printable(h));
                    }
                }
                Verdict::Error(err)
            }
        };
        (verdict, trace)
    }

    /// The rule's native code's verdict; `None` when it has none, or hands
    /// the call to Rhai (which then reports the error, if any).
    fn native(&self, c: &CompiledRule, view: &ScenarioView) -> Option<Verdict> {
        let program = c.native.as_ref().ok()?;
        let decided =
            context::with_states(|states| program.eval(&view.scenario, view.as_of, states));
        let (yes, no) = self.native_calls.get();
        match decided {
            Ok(d) => {
                self.native_calls.set((yes + 1, no));
                Some(match d {
                    Decision::Fires(r, d) => Verdict::Fires(r, d),
                    Decision::Quiet(r, d) => Verdict::Quiet(r, d),
                })
            }
            Err(Bail) => {
                self.native_calls.set((yes, no + 1));
                None
            }
        }
    }

    /// Calls the rule's `fires` in Rhai, with its constants, clock and
    /// trace set in the call context: what it returned, and what it
    /// printed.
    fn rhai(
        &self,
        c: &CompiledRule,
        view: &ScenarioView,
    ) -> (Result<Dynamic, Box<EvalAltResult>>, Vec<String>) {
        context::with(|ctx| {
            ctx.consts = Some(c.consts.clone());
            ctx.timeout = Some(self.opts.limits.timeout);
            ctx.deadline = None;
            ctx.trace.clear();
        });
        sandbox::work::reset();
        let options = CallFnOptions::new()
            .eval_ast(c.has_imports)
            .rewind_scope(true);
        let result = {
            let mut scope = self.scope.borrow_mut();
            let result = self.engine.call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &c.ast,
                "fires",
                (Dynamic::from(view.clone()),),
            );
            scope.clear();
            result
        };
        let trace = context::with(|ctx| {
            ctx.consts = None;
            ctx.timeout = None;
            ctx.deadline = None;
            std::mem::take(&mut ctx.trace)
        });
        (result, trace)
    }

    /// Turns a Rhai error into a rule error at the innermost position, in the
    /// file of the script (rule or helper) where it happened.
    fn error(&self, i: usize, err: &EvalAltResult) -> RuleError {
        let rule = &self.set.rules[i];
        let mut source: Option<&str> = None;
        let mut e = err;
        loop {
            match e {
                EvalAltResult::ErrorInFunctionCall(_, src, inner, _) => {
                    if !src.is_empty() {
                        source = Some(src);
                    }
                    e = inner;
                }
                EvalAltResult::ErrorInModule(_, inner, _) => e = inner,
                _ => break,
            }
        }
        let helper = source
            .filter(|s| s.starts_with("lib/"))
            .and_then(|s| self.set.helpers.iter().find(|h| h.name == s));
        let (file, shifts, text): (PathBuf, &rules::switch::Shifts, Option<&str>) = match source {
            Some(s) if s.starts_with("lib/") => (
                self.set.dir.join(format!("{s}.rhai")),
                helper.map_or(&rule.shifts, |h| &h.shifts),
                helper.map(|h| &*h.source.text),
            ),
            _ => (
                rule.path().to_path_buf(),
                &rule.shifts,
                Some(&*rule.source.text),
            ),
        };
        let (kind, message) = sandbox::describe(e, &self.opts.limits);
        // Limits are tripped where no statement is at hand; point at `fires`.
        let (line, column) = match e.position() {
            p if p.is_none() => rules::find_text(&rule.source.text, "fn fires"),
            p => {
                let line = p.line().unwrap_or(1);
                (
                    line,
                    rules::switch::unshift(shifts, line, p.position().unwrap_or(1)),
                )
            }
        };
        let message = text
            .and_then(|t| sandbox::unit_read(e, t, line, column))
            .unwrap_or(message);
        RuleError {
            rule: rule.id.to_string(),
            file,
            line: Some(line),
            column: Some(column),
            message,
            kind,
        }
    }
}

/// What `fires` returned, as a verdict; anything else is an error message.
fn interpret(v: Dynamic) -> Result<Verdict, String> {
    let none = serde_json::Value::Null;
    if let Ok(b) = v.as_bool() {
        return Ok(if b {
            Verdict::Fires(None, none)
        } else {
            Verdict::Quiet(None, none)
        });
    }
    if v.is_string() {
        let s = v.into_immutable_string().map_err(str::to_string)?;
        return Ok(Verdict::Fires(Some(s.to_string()), none));
    }
    if let Some(q) = v.clone().try_cast::<Quiet>() {
        let reason = (!q.0.is_empty()).then_some(q.0);
        return Ok(Verdict::Quiet(reason, none));
    }
    if v.is_map() {
        let m = v.cast::<Map>();
        let fires =
            match m.get("fires").map(|f| (f.as_bool(), f)) {
                Some((Ok(b), _)) => b,
                Some((Err(_), f)) => {
                    return Err(format!(
                        "`fires` returned a map whose `fires` is {}, not a bool",
                        sandbox::type_name(f)
                    ));
                }
                None => return Err(
                    "`fires` returned a map without `fires`; add `fires: true` or `fires: false`"
                        .into(),
                ),
            };
        for k in m.keys() {
            if !["fires", "reason", "details"].contains(&k.as_str()) {
                return Err(format!(
                    "`fires` returned a map with an unknown key `{k}`; the keys are `fires`, `reason`, `details`"
                ));
            }
        }
        let reason = match m.get("reason") {
            None => None,
            Some(r) if r.is_unit() => None,
            Some(r) if r.is_string() => Some(r.to_string()),
            Some(r) => {
                return Err(format!(
                    "`reason` must be a string, found {}",
                    sandbox::type_name(r)
                ));
            }
        };
        let details = m
            .get("details")
            .map(to_json)
            .unwrap_or(serde_json::Value::Null);
        return Ok(if fires {
            Verdict::Fires(reason, details)
        } else {
            Verdict::Quiet(reason, details)
        });
    }
    let what = if v.is_unit() {
        "`()` (an `if` without `else` as the last expression?)".to_string()
    } else {
        sandbox::type_name(&v)
    };
    Err(format!(
        "`fires` returned {what}, not a verdict; end `fires` with `false`, `true`, a reason string or `quiet(\"why\")`"
    ))
}

/// Rule-made values as JSON, for `details`.
fn to_json(v: &Dynamic) -> serde_json::Value {
    use serde_json::Value as J;
    if v.is_unit() {
        J::Null
    } else if let Ok(b) = v.as_bool() {
        J::Bool(b)
    } else if let Ok(i) = v.as_int() {
        J::from(i)
    } else if let Ok(f) = v.as_float() {
        J::from(f)
    } else if v.is_string() {
        J::String(v.to_string())
    } else if v.is_array() {
        J::Array(
            v.read_lock::<rhai::Array>()
                .map(|a| a.iter().map(to_json).collect())
                .unwrap_or_default(),
        )
    } else if v.is_map() {
        let obj: serde_json::Map<String, J> = v
            .read_lock::<Map>()
            .map(|m| {
                let sorted: std::collections::BTreeMap<_, _> = m.iter().collect();
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), to_json(v)))
                    .collect()
            })
            .unwrap_or_default();
        J::Object(obj)
    } else if let Some(d) = v.read_lock::<Date>() {
        J::String(d.0.to_string())
    } else if let Some(r) = v.read_lock::<Record>() {
        serde_json::to_value(&*r.0).unwrap_or(J::Null)
    } else {
        J::String(v.to_string())
    }
}

/// A response's rules' statuses, as they come in plan order.
#[derive(Default)]
struct Tally {
    fires: bool,
    error: bool,
}

impl Tally {
    fn add(&mut self, status: Status) {
        match status {
            Status::Fires => self.fires = true,
            Status::Quiet => {}
            Status::Error => self.error = true,
        }
    }

    /// The response's status: any rule firing makes it fire, else any
    /// rule erroring makes it an error, else it is quiet. Noted in the
    /// call context at plan `position`, for the `fired` of the responses
    /// after it.
    fn settle(self, position: usize) -> Status {
        let (status, state) = if self.fires {
            (Status::Fires, ResponseState::Fires)
        } else if self.error {
            (Status::Error, ResponseState::Error)
        } else {
            (Status::Quiet, ResponseState::Quiet)
        };
        context::with(|c| c.states[position] = Some(state));
        status
    }

    /// [`Tally::settle`], marking `moved` at `position` when the status is
    /// not `before`.
    fn settle_against(self, position: usize, before: Option<Status>, moved: &mut [bool]) -> Status {
        let status = self.settle(position);
        moved[position] = before != Some(status);
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_and_worker_options_can_be_shared_across_threads() {
        // What one engine built once and shared by every thread holds.
        fn shared<T: Clone + Send + Sync>() {}
        shared::<Arc<RuleSet>>();
        shared::<RuleSet>();
        shared::<WorkerOptions>();
    }

    use crate::testutil::{rules, scenario};

    const B: &str = "const RESPONSE = \"b\";\nfn fires(s) { s.count(\"strike\") > 0 }\n";
    /// `a` reads `b`, so the plan (b, a) is not in id order (a, b).
    const A: &str = "const RESPONSE = \"a\";\nfn fires(s) { if fired(\"b\") { \"b fires\" } else { quiet(\"b is quiet\") } }\n";

    fn strike() -> Arc<Scenario> {
        scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[[events]]\nkind = \"strike\"\ndate = 2025-06-01\n",
        )
    }

    /// A worker for `a`'s text `a` beside `B`, with `a`'s rule marked changed.
    fn edited(a: &str) -> (crate::testutil::Rules, Worker, Vec<bool>) {
        let r = rules(&[("a.rhai", a), ("b.rhai", B)], Limits::default());
        let w = Worker::new(r.set.clone(), WorkerOptions::default());
        let changed = r.set.rules.iter().map(|x| &*x.id == "a").collect();
        (r, w, changed)
    }

    #[test]
    fn unchanged_from_is_true_only_when_every_changed_rule_says_what_it_said() {
        let sc = strike();
        let (_r, old, _) = edited(A);
        let prev = old.evaluate(&sc, sc.as_of);
        assert_eq!(prev.fired.len(), 2, "{prev:?}");
        // The same verdict from an edited text, read against `b`'s kept
        // status (a response before it in the plan, not in id order).
        let same = A.replace("fn fires", "// Reworded.\nfn fires");
        let (_r, w, changed) = edited(&same);
        assert!(w.unchanged_from(&sc, &prev, &changed));
        // And with `b` quiet, read as quiet (not as an error).
        let calm = scenario("[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n");
        let quiet = old.evaluate(&calm, calm.as_of);
        assert!(quiet.fired.is_empty(), "{quiet:?}");
        assert!(w.unchanged_from(&calm, &quiet, &changed));
        // Another verdict, and a mask of the wrong length.
        let (_r, w, changed) = edited("const RESPONSE = \"a\";\nfn fires(s) { quiet(\"no\") }\n");
        assert!(!w.unchanged_from(&sc, &prev, &changed));
        let (_r, w, _) = edited(&same);
        assert!(!w.unchanged_from(&sc, &prev, &[true]));
        // A verdict kept from an error is never taken as unchanged.
        let (_r, broken, _) = edited("const RESPONSE = \"a\";\nfn fires(s) { throw \"x\" }\n");
        let errored = broken.evaluate(&sc, sc.as_of);
        assert!(!w.unchanged_from(&sc, &errored, &changed));
    }

    #[test]
    fn unchanged_from_never_answers_for_a_set_that_calls_since() {
        // `b`'s rule is edited to fire today as before, but from an
        // earlier day: `since("b")`, read by `a`, moves with it (the
        // replay for `since` starts at the first event, in April).
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[[events]]\nkind = \"talks\"\ndate = 2025-04-01\n\
             [[events]]\nkind = \"strike\"\ndate = 2025-06-01\n",
        );
        let a = "const RESPONSE = \"a\";\nfn fires(s) { if fired(\"b\") { `b since ${since(\"b\")}` } else { false } }\n";
        let load = |b: &str| {
            let r = rules(&[("a.rhai", a), ("b.rhai", b)], Limits::default());
            let w = Worker::new(r.set.clone(), WorkerOptions::default());
            let changed: Vec<bool> = r.set.rules.iter().map(|x| &*x.id == "b").collect();
            (r, w, changed)
        };
        let (_r, old, _) = load(B);
        let prev = old.evaluate(&sc, sc.as_of);
        let (_r, w, changed) =
            load("const RESPONSE = \"b\";\nfn fires(s) { s.as_of >= date(\"2025-05-01\") }\n");
        let now = w.evaluate(&sc, sc.as_of);
        assert_ne!(prev, now, "since(\"b\") moved");
        assert!(!w.unchanged_from(&sc, &prev, &changed));
    }

    #[test]
    fn a_worker_keeps_the_options_it_was_made_with() {
        let r = rules(&[("b.rhai", B)], Limits::default());
        let opts = WorkerOptions {
            native: false,
            line_coverage: true,
            ..WorkerOptions::default()
        };
        let w = Worker::new(r.set.clone(), opts);
        assert!(!w.options().native);
        assert!(w.options().line_coverage);
    }
}
