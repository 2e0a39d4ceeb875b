//! Per-thread state of the rule call in progress. Rhai's callbacks
//! (`on_var`, `on_progress`, `on_print`) carry no per-call context, so the
//! current rule's constants, the verdicts of responses already evaluated,
//! the deadline and the trace live here, set by the evaluator around each
//! call. Each worker thread owns one engine, so nothing here is shared.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rhai::Dynamic;

use crate::scenario::Scenario;
use crate::vocabulary::Vocabulary;

/// How a response came out, as `fired("id")` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseState {
    Fires,
    Quiet,
    Error,
}

/// A rule's top-level constants, visible by name inside its functions.
pub type Consts = Rc<HashMap<String, Dynamic>>;

/// Response id → its position in the evaluation plan. Built once per
/// worker, so an evaluation records verdicts by position and never hashes
/// or copies an id unless a rule calls `fired`.
pub type PlanIndex = Rc<HashMap<Arc<str>, usize>>;

#[derive(Default)]
pub struct CallContext {
    pub consts: Option<Consts>,
    pub plan: Option<PlanIndex>,
    /// Per plan position: the verdict of a response already evaluated.
    pub states: Vec<Option<ResponseState>>,
    /// The wall-clock allowance of the call or top level in progress
    /// (`None` outside them).
    pub timeout: Option<Duration>,
    /// Set at the first clock check of a call, `timeout` later, so a call
    /// too short to reach a check never reads the clock.
    pub deadline: Option<Instant>,
    pub trace: Vec<String>,
    /// Bytes in `trace`, counted by [`push_trace`]; reset with the trace.
    pub trace_bytes: usize,
    /// For `since`: the day being judged, and per plan position the first
    /// day of the response's firing streak up to the day before (`None`:
    /// it did not fire the day before). `None` when no rule of the set
    /// calls `since`, so no replay was made.
    pub since: Option<(NaiveDate, Vec<Option<NaiveDate>>)>,
    /// The vocabulary of the rules being run, which says whether a field
    /// an event lacks is the scenario's mistake or the rule's.
    pub vocabulary: Option<Arc<Vocabulary>>,
}

/// The most one rule call may print (`print`/`debug`), in bytes, counting
/// each line as at least 32: a loop that prints a 1 MiB string would
/// otherwise fill gigabytes within the time limit.
pub const MAX_TRACE_BYTES: usize = 1 << 20;

/// Adds a line to the trace of the call in progress, up to
/// [`MAX_TRACE_BYTES`]; past that, one line says the rest was dropped.
pub fn push_trace(c: &mut CallContext, line: &str) {
    if c.trace.is_empty() {
        // The evaluator clears or takes the trace before each call.
        c.trace_bytes = 0;
    }
    if c.trace_bytes >= MAX_TRACE_BYTES {
        return;
    }
    c.trace_bytes += line.len().max(32);
    if c.trace_bytes >= MAX_TRACE_BYTES {
        c.trace_bytes = MAX_TRACE_BYTES;
        c.trace.push(format!(
            "… trace truncated: the rule printed more than {} KiB",
            MAX_TRACE_BYTES / 1024
        ));
        return;
    }
    c.trace.push(line.to_string());
}

impl CallContext {
    /// The verdict of response `id`, if it was evaluated already.
    pub fn response(&self, id: &str) -> Option<ResponseState> {
        let i = *self.plan.as_ref()?.get(id)?;
        self.states.get(i).copied().flatten()
    }

    /// The first day of the firing period `id` is in on the day judged:
    /// `Ok(None)` when `id` does not fire that day.
    pub fn since(&self, id: &str) -> Result<Option<NaiveDate>, &'static str> {
        let (day, streaks) = self.since.as_ref().ok_or("no replay was made")?;
        let i = *self
            .plan
            .as_ref()
            .and_then(|p| p.get(id))
            .ok_or("unknown")?;
        match self.states.get(i).copied().flatten() {
            Some(ResponseState::Fires) => {
                Ok(Some(streaks.get(i).copied().flatten().unwrap_or(*day)))
            }
            Some(ResponseState::Quiet) => Ok(None),
            Some(ResponseState::Error) => Err("errored"),
            None => Err("unknown"),
        }
    }

    /// Whether the call in progress is past its deadline; the first check
    /// of a call starts its clock.
    pub fn late(&mut self) -> bool {
        let Some(timeout) = self.timeout else {
            return false;
        };
        let now = Instant::now();
        match self.deadline {
            Some(d) => now > d,
            None => {
                self.deadline = Some(now + timeout);
                false
            }
        }
    }
}

/// Runs `f` (a script's top level) under the wall-clock backstop,
/// started now; the call context's clock is restored afterwards.
pub fn timed<R>(timeout: Duration, f: impl FnOnce() -> R) -> R {
    let saved = with(|c| {
        let saved = (c.timeout, c.deadline);
        c.timeout = Some(timeout);
        c.deadline = Some(Instant::now() + timeout);
        saved
    });
    super::work::reset();
    let r = f();
    with(|c| (c.timeout, c.deadline) = saved);
    r
}

thread_local! {
    pub static CONTEXT: RefCell<CallContext> = RefCell::new(CallContext::default());
    /// What the rule call in progress read that can change from one day
    /// to the next: see [`take_reads`].
    static READS: Cell<u64> = const { Cell::new(0) };
    /// The first later day on which what the call compared with the
    /// judgement date could come out otherwise: see [`take_reads`].
    static UNTIL: Cell<Option<NaiveDate>> = const { Cell::new(None) };
    /// Whether native code hands out the judgement date as a
    /// [`crate::native`] clock value, whose comparisons say until when
    /// they hold: see [`tracking`].
    static TRACKING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the context borrowed. `f` must not run rule code: a
/// callback of that code reaching the context again would find it
/// borrowed, and panic.
pub fn with<R>(f: impl FnOnce(&mut CallContext) -> R) -> R {
    CONTEXT.with(|c| f(&mut c.borrow_mut()))
}

/// Runs `f` — native rule code — over the verdicts of the responses
/// evaluated so far, with the context not borrowed meanwhile: the verdicts
/// are moved out for the call (no copy, no allocation) and back after it,
/// so nothing `f` reaches can find the context borrowed. While `f` runs
/// the context holds no verdicts; `f` reads them from its argument.
pub fn with_states<R>(f: impl FnOnce(&[Option<ResponseState>]) -> R) -> R {
    let states = with(|c| std::mem::take(&mut c.states));
    let r = f(&states);
    with(|c| c.states = states);
    r
}

/// In [`take_reads`], the bit of the judgement date.
pub const CLOCK: u64 = 1 << 63;

/// In [`take_reads`], the bit of the events of the kind at `slot`
/// ([`Scenario::kind_slot`]); kinds past the 62nd share the last bit.
pub fn kind_bit(slot: usize) -> u64 {
    1 << slot.min(62)
}

/// Notes that the rule call in progress read its judgement date (`as_of`,
/// or the scenario printed with it).
pub fn read_clock() {
    READS.set(READS.get() | CLOCK);
}

/// The visible events of one kind, noted as read by the call in progress.
pub fn of_kind<'s>(sc: &'s Scenario, kind: &str, as_of: NaiveDate) -> &'s [u32] {
    match sc.kind_slot(kind) {
        Some(slot) => {
            READS.set(READS.get() | kind_bit(slot));
            sc.of_slot(slot, as_of)
        }
        // No event of the kind at any date: none can become visible.
        None => &[],
    }
}

/// How many events are visible, every kind noted as read by the call in
/// progress.
pub fn visible(sc: &Scenario, as_of: NaiveDate) -> usize {
    READS.set(READS.get() | !CLOCK);
    sc.visible(as_of)
}

/// Notes that what the rule call in progress compared with its judgement
/// date holds until the day before `day`.
pub fn read_until(day: NaiveDate) {
    UNTIL.set(Some(UNTIL.get().map_or(day, |u| u.min(day))));
}

/// Whether rule calls on this thread are made by a day-by-day replay that
/// keeps their verdicts ([`set_tracking`]): native code then follows the
/// judgement date through its comparisons instead of noting it as read.
pub fn tracking() -> bool {
    TRACKING.get()
}

/// Turns [`tracking`] on or off for this thread; the previous setting.
pub fn set_tracking(on: bool) -> bool {
    TRACKING.replace(on)
}

/// What a rule call read that can change from one day to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    /// [`CLOCK`] for its judgement date read as such, a [`kind_bit`] per
    /// kind of event.
    pub bits: u64,
    /// The first later day on which a comparison it made with the
    /// judgement date could come out otherwise; `None`: no such day.
    pub until: Option<NaiveDate>,
}

/// What a rule call read since the last `take_reads`, which starts the
/// record again. A call that read neither the judgement date, nor a kind
/// of event that became visible since, nor a response that moved, and
/// whose comparisons with the date still hold, gives the same answer
/// again: a day-by-day replay calls it again only otherwise. Cells of
/// their own, not the context, so that native code may note reads too.
pub fn take_reads() -> Reads {
    Reads {
        bits: READS.replace(0),
        until: UNTIL.replace(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_code_runs_with_the_context_free_and_the_verdicts_kept() {
        let verdicts = vec![Some(ResponseState::Fires), None];
        with(|c| c.states = verdicts.clone());
        let seen = with_states(|states| {
            // A second borrow here would panic if the first were held.
            with(|c| push_trace(c, "reached"));
            states.to_vec()
        });
        assert_eq!(seen, verdicts);
        with(|c| {
            assert_eq!(c.states, verdicts);
            assert_eq!(c.trace, ["reached"]);
            c.trace.clear();
            c.states.clear();
        });
    }
}
