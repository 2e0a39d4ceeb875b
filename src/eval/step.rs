//! Replaying a scenario day by day without calling again the rules whose
//! verdict cannot have moved since the day before. Each rule call notes
//! what it read that a day can change (`context::take_reads`): the kinds
//! of events it looked at, and the judgement date, which native code
//! follows through `± days(n)` to its comparisons with fixed dates, each
//! noting the first later day on which it could come out otherwise. The
//! next day, a rule is called again only if it read a kind of which an
//! event became visible, reached one of those days, used the date in
//! another way (or in Rhai), reads with `fired` a response whose status
//! moved, or timed out (the one error that depends on the machine).

use std::sync::Arc;

use chrono::NaiveDate;

use super::{ScenarioView, Statuses, Tally, Verdict, Worker};
use crate::outcome::{ErrorKind, RuleError, Status};
use crate::sandbox::context::{self, Reads};
use crate::scenario::Scenario;

/// What a rule that timed out is taken to have read: it is called again.
const EVERYTHING: Reads = Reads {
    bits: !0,
    until: None,
};

/// What a day-by-day replay keeps from one day to the next: the day, how
/// many events were visible on it, and each rule's verdict then with what
/// the rule read to reach it ([`context::take_reads`]). On the next day a
/// rule's verdict can differ only if it read the judgement date (or
/// reached a day on which a comparison with it could change), read a
/// kind of event of which one became visible, or reads with `fired` a
/// response whose status moved: only those rules, and those that timed
/// out (the one error that is not a function of what the rule read), are
/// called again; an error kept is reported again each day. A rule's code
/// is a function of what it reads, so this gives the statuses a full
/// evaluation would. Made by [`Stepper::default`], used by
/// [`Worker::step`].
#[derive(Default)]
pub struct Stepper {
    /// The scenario the kept verdicts are of (held, so that its address
    /// cannot be reused by another scenario while it is compared).
    scenario: Option<Arc<Scenario>>,
    day: Option<NaiveDate>,
    visible: usize,
    /// Per rule: its status that day, what it read
    /// ([`context::take_reads`]; everything for a rule that timed out),
    /// and its error.
    kept: Vec<(Status, Reads, Option<RuleError>)>,
    /// Per plan position: the response's status that day.
    statuses: Vec<Status>,
}

impl Stepper {
    /// Rule `i`'s status on the day held (by its index in the set).
    pub fn status(&self, i: usize) -> Option<Status> {
        self.kept.get(i).map(|k| k.0)
    }
}

impl Worker {
    /// [`Worker::statuses`] of the day after the one `stepper` holds, or
    /// of any day when it holds none or another scenario's: only the rules
    /// whose verdict may have moved since are called (see [`Stepper`]).
    /// Sets whose rules call `since`, and runs that count line coverage,
    /// evaluate every day in full.
    pub fn step(
        &self,
        stepper: &mut Stepper,
        scenario: &Arc<Scenario>,
        day: NaiveDate,
    ) -> Statuses {
        let visible = scenario.visible(day);
        let rules = &self.set.rules;
        let follows = stepper.day.and_then(|d| d.succ_opt()) == Some(day)
            && stepper
                .scenario
                .as_ref()
                .is_some_and(|s| Arc::ptr_eq(s, scenario))
            && stepper.visible <= visible
            && stepper.kept.len() == rules.len()
            && stepper.statuses.len() == self.set.plan.len();
        // What changed since the day before: the date, and the kinds of
        // the events that became visible.
        let full = !follows || self.since || self.opts.line_coverage;
        let mut changed = context::CLOCK;
        if !full {
            for e in &scenario.events[stepper.visible..visible] {
                changed |= scenario.kind_slot(&e.kind).map_or(!0, context::kind_bit);
            }
        }
        let mut out = Statuses {
            statuses: Vec::with_capacity(self.set.plan.len()),
            errors: Vec::new(),
        };
        stepper
            .kept
            .resize(rules.len(), (Status::Error, EVERYTHING, None));
        self.prepare_since(scenario, day);
        let view = ScenarioView {
            scenario: scenario.clone(),
            as_of: day,
        };
        self.begin_day();
        // Plan positions whose status differs from the day before's.
        let mut moved = vec![false; self.set.plan.len()];
        for (position, (_, rule_ix)) in self.set.plan.iter().enumerate() {
            let mut tally = Tally::default();
            for &i in rule_ix {
                let (kept, read) = (stepper.kept[i].0, stepper.kept[i].1);
                let call = full
                    || read.bits & changed != 0
                    || read.until.is_some_and(|u| u <= day)
                    || self.reads_moved(i, &moved);
                let status = if call {
                    context::take_reads();
                    let tracking = context::set_tracking(true);
                    let (verdict, _) = self.call(i, &view);
                    context::set_tracking(tracking);
                    let mut read = context::take_reads();
                    let (status, error) = match verdict {
                        Verdict::Fires(..) => (Status::Fires, None),
                        Verdict::Quiet(..) => (Status::Quiet, None),
                        Verdict::Error(e) => {
                            // The one error that depends on the machine.
                            if e.kind == ErrorKind::Timeout {
                                read = EVERYTHING;
                            }
                            out.errors.push(e.clone());
                            (Status::Error, Some(e))
                        }
                    };
                    stepper.kept[i] = (status, read, error);
                    status
                } else {
                    out.errors.extend(stepper.kept[i].2.iter().cloned());
                    kept
                };
                tally.add(status);
            }
            let before = stepper.statuses.get(position).copied();
            out.statuses
                .push(tally.settle_against(position, before, &mut moved));
        }
        stepper.scenario = Some(scenario.clone());
        stepper.day = Some(day);
        stepper.visible = visible;
        stepper.statuses.clone_from(&out.statuses);
        out
    }

    /// The statuses of the responses `wanted` marks (closed by
    /// [`Worker::with_reads`]; the others pass as quiet, as in
    /// [`Worker::statuses_of`]) on the day `stepper` holds of `real`, with
    /// the events at `dropped` (indices into `real`'s events, all dated
    /// that day) left out, as `without` builds the scenario. Only the
    /// rules that read the kind of a dropped event, or a response that
    /// comes out otherwise without them, are called; the others' verdicts
    /// are the day's, since what they read is the same. `None` when
    /// `stepper` holds another day or scenario, or the set evaluates every
    /// day in full (see [`Worker::step`]).
    pub fn statuses_without(
        &self,
        stepper: &Stepper,
        real: &Arc<Scenario>,
        day: NaiveDate,
        dropped: &[usize],
        mut without: impl FnMut() -> Arc<Scenario>,
        wanted: &[bool],
    ) -> Option<Vec<Status>> {
        let holds = stepper.day == Some(day)
            && stepper
                .scenario
                .as_ref()
                .is_some_and(|s| Arc::ptr_eq(s, real))
            && stepper.kept.len() == self.set.rules.len()
            && stepper.statuses.len() == self.set.plan.len();
        if !holds || self.since || self.opts.line_coverage {
            return None;
        }
        let gone = dropped.iter().fold(0, |bits, &i| {
            bits | real.events.get(i).map_or(!0, |e| {
                real.kind_slot(&e.kind).map_or(!0, context::kind_bit)
            })
        });
        let mut view: Option<ScenarioView> = None;
        self.begin_day();
        let mut moved = vec![false; self.set.plan.len()];
        let mut out = Vec::with_capacity(self.set.plan.len());
        for (position, (_, rule_ix)) in self.set.plan.iter().enumerate() {
            if !wanted.get(position).copied().unwrap_or(false) {
                out.push(Status::Quiet);
                continue;
            }
            let mut tally = Tally::default();
            for &i in rule_ix {
                tally.add(
                    if stepper.kept[i].1.bits & gone != 0 || self.reads_moved(i, &moved) {
                        // The scenario without the events, built once.
                        let view = view.get_or_insert_with(|| ScenarioView {
                            scenario: without(),
                            as_of: day,
                        });
                        self.call(i, view).0.status()
                    } else {
                        stepper.kept[i].0
                    },
                );
            }
            let before = stepper.statuses.get(position).copied();
            out.push(tally.settle_against(position, before, &mut moved));
        }
        Some(out)
    }
}
