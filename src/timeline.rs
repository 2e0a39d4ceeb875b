//! Replaying a scenario day by day: from which date each response fires,
//! which events tipped it, and when it stops. Each day is one step of the
//! same `Arc<Scenario>` at a later judgement date ([`Worker::step`]: only
//! the rules whose verdict may have moved since the day before are called
//! again) — nothing is re-parsed, re-compiled or copied. On a day when a
//! response changes, only it and the responses it reads are judged again:
//! without some of the day's events, to say what tipped it, on one copy of
//! the scenario kept for the whole replay (`Scratch`), which grows by each
//! day's events as they become visible, so a day's probe costs its own
//! events, not the scenario's.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::eval::{Stepper, Worker};
use crate::outcome::{RuleError, Status, iso};
use crate::scenario::Scenario;

/// The replayed window, both ends inclusive.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Window {
    /// The first day replayed.
    #[serde(serialize_with = "iso")]
    pub from: NaiveDate,
    /// The last day replayed.
    #[serde(serialize_with = "iso")]
    pub to: NaiveDate,
}

/// An event that was dated on the first day of a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tip {
    /// The event's kind.
    pub kind: String,
    /// The event's `id`, when it has one.
    pub id: Option<String>,
    /// The line of the event's table in its file.
    pub line: usize,
    /// The file the event is written in, when it is a base the scenario
    /// `extends` rather than the scenario's own file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<std::path::PathBuf>,
}

/// What tipped a period: the events of its first day, or a deadline.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum TippedBy {
    /// These events, all dated that day.
    Events(Vec<Tip>),
    /// Serialised as the string `"deadline"`.
    Deadline(&'static str),
}

/// The rule behind a change, and what it said that day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cause {
    /// The rule's id.
    pub rule: String,
    /// What it said: its reason, or its error message.
    pub reason: Option<String>,
}

/// A stretch of days on which a response fires.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The first day it fires.
    #[serde(serialize_with = "iso")]
    pub from: NaiveDate,
    /// The last day it fires; `None` while it still fires on the last day.
    #[serde(serialize_with = "iso_opt")]
    pub to: Option<NaiveDate>,
    /// The events of `from` without which it would not fire that day, or
    /// the deadline when it would fire without any of them.
    pub tipped_by: TippedBy,
    /// The rule that fires on `from`, with its reason.
    pub cause: Option<Cause>,
    /// It already fired on the first replayed day.
    pub from_open: bool,
    /// What ended it, judged the same way on the day after `to`; `None`
    /// while it still fires.
    pub ended_by: Option<TippedBy>,
    /// The rule's word on the day it stopped (its quiet reason, or its
    /// error).
    pub end_cause: Option<Cause>,
}

fn iso_opt<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// One response over the window: the stretches of days it fires.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseTimeline {
    /// The response's id.
    pub id: String,
    /// Its firing periods, in date order; empty when it never fires.
    pub periods: Vec<Period>,
}

/// A rule error on one day of the replay.
#[derive(Debug, Clone, Serialize)]
pub struct DayError {
    /// The day evaluated.
    #[serde(serialize_with = "iso")]
    pub date: NaiveDate,
    /// The rule's error that day.
    #[serde(flatten)]
    pub error: RuleError,
}

/// A scenario replayed day by day: from which date each response fires,
/// what tipped it, and when it stops.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The scenario's id.
    pub id: String,
    /// The file the scenario came from (its name, for one from memory).
    pub file: PathBuf,
    /// The scenario's title.
    pub title: String,
    /// The days replayed.
    pub window: Window,
    /// Every response with rules, sorted by id.
    pub responses: Vec<ResponseTimeline>,
    /// The rule errors met, by day.
    pub errors: Vec<DayError>,
}

/// The longest replay, in days (ten years): every day calls at least the
/// rules that read the judgement date, so a scenario spanning millennia
/// would run for hours. Longer windows are refused.
pub const MAX_REPLAY_DAYS: i64 = 3_653;

/// Why a window cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The window starts after it ends.
    #[error("the replay would start on {from} after it ends on {to}")]
    Reversed {
        /// The first day asked for.
        from: NaiveDate,
        /// The last day asked for, before `from`.
        to: NaiveDate,
    },
    /// The window is longer than [`MAX_REPLAY_DAYS`].
    #[error(
        "replaying {from} to {to} is {days} days, more than the limit of {MAX_REPLAY_DAYS} (ten years)"
    )]
    TooLong {
        /// The first day asked for.
        from: NaiveDate,
        /// The last day asked for.
        to: NaiveDate,
        /// Days in the window, both ends included.
        days: i64,
    },
}

impl Window {
    /// Days replayed, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Refuses a reversed window, or one longer than [`MAX_REPLAY_DAYS`].
    pub fn validate(&self) -> Result<(), ReplayError> {
        let (from, to) = (self.from, self.to);
        if from > to {
            return Err(ReplayError::Reversed { from, to });
        }
        match self.days() {
            days if days > MAX_REPLAY_DAYS => Err(ReplayError::TooLong { from, to, days }),
            _ => Ok(()),
        }
    }
}

/// The default window: the scenario's first event (or `to`) to `to`,
/// which defaults to its `as_of`.
pub fn default_window(sc: &Scenario, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Window {
    let to = to.unwrap_or(sc.as_of);
    let from = from.unwrap_or_else(|| sc.first_date().unwrap_or(to).min(to));
    Window { from, to }
}

fn tip(sc: &Scenario, i: usize) -> Tip {
    let e = &sc.events[i];
    Tip {
        kind: e.kind.to_string(),
        id: e.id.clone(),
        line: e.line,
        file: (*e.file != *sc.file).then(|| e.file.to_path_buf()),
    }
}

/// The scenario as a day's probe sees it: every event dated before the
/// day, then the day's events that are not left out. Events after the
/// day are invisible to an evaluation on it, so this judges the same as
/// [`Scenario::without`] on the whole scenario, but is kept from one
/// probe to the next and only its last day is replaced.
struct Scratch {
    sc: Arc<Scenario>,
    /// How many of its first events are the real scenario's first events.
    same: usize,
}

impl Scratch {
    fn new(sc: &Scenario) -> Self {
        Scratch {
            sc: Arc::new(sc.with_no_events()),
            same: 0,
        }
    }

    /// `real`'s events before `todays`, then those of `todays` not in `drop`.
    fn without(
        &mut self,
        real: &Scenario,
        todays: std::ops::Range<usize>,
        drop: &[usize],
    ) -> &Arc<Scenario> {
        let start = todays.start;
        let keep = self.same.min(start);
        let earlier = real.events[keep..start].iter().cloned();
        let today = todays
            .filter(|i| !drop.contains(i))
            .map(|i| real.events[i].clone());
        // Nothing else holds the copy once an evaluation is over; were
        // something to, `make_mut` copies it rather than change it
        // under it.
        Arc::make_mut(&mut self.sc).replace_events_from(keep, earlier.chain(today));
        self.same = start;
        &self.sc
    }
}

/// Judging one day again, for the responses that change on it. Only
/// those responses, and the responses their rules read, are evaluated:
/// the statuses without each set of the day's events once per day however
/// many responses change, and the verdicts of each changing response's
/// rules (for causes).
struct Probe<'a> {
    worker: &'a Worker,
    /// The replay's stepper, holding the day.
    stepper: &'a Stepper,
    sc: &'a Arc<Scenario>,
    scratch: &'a mut Scratch,
    day: NaiveDate,
    /// Every response's status that day.
    statuses: &'a [Status],
    /// The responses that change that day, and those their rules read.
    wanted: Vec<bool>,
    /// Indices into `events` of the events dated `day` (events are sorted).
    todays: std::ops::Range<usize>,
    /// The events left out → every wanted response's status without them.
    without: Vec<(Vec<usize>, Vec<Status>)>,
}

impl<'a> Probe<'a> {
    fn new(
        worker: &'a Worker,
        stepper: &'a Stepper,
        sc: &'a Arc<Scenario>,
        scratch: &'a mut Scratch,
        day: NaiveDate,
        statuses: &'a [Status],
        mut wanted: Vec<bool>,
    ) -> Self {
        worker.with_reads(&mut wanted);
        let start = sc.events.partition_point(|e| e.date < day);
        let end = sc.events.partition_point(|e| e.date <= day);
        Probe {
            worker,
            stepper,
            sc,
            scratch,
            day,
            statuses,
            wanted,
            todays: start..end,
            without: Vec::new(),
        }
    }

    fn fires_without(&mut self, drop: &[usize], r: usize) -> bool {
        let found = self.without.iter().position(|(d, _)| d == drop);
        let i = found.unwrap_or_else(|| {
            let (sc, todays, scratch) = (self.sc, self.todays.clone(), &mut *self.scratch);
            let stepped = self.worker.statuses_without(
                self.stepper,
                sc,
                self.day,
                drop,
                || scratch.without(sc, todays.clone(), drop).clone(),
                &self.wanted,
            );
            let statuses = stepped.unwrap_or_else(|| {
                let alt = self.scratch.without(sc, todays, drop);
                self.worker
                    .statuses_of(alt, self.day, &self.wanted)
                    .statuses
            });
            self.without.push((drop.to_vec(), statuses));
            self.without.len() - 1
        });
        self.without[i].1.get(r) == Some(&Status::Fires)
    }

    /// What made response `r` start (`fires`) or stop firing: if the
    /// change stands without any of the day's events, time alone made it
    /// (a deadline); otherwise the events whose absence alone undoes it,
    /// or, when none does by itself, all of the day's events together.
    fn changed_by(&mut self, r: usize, fires: bool) -> TippedBy {
        let todays: Vec<usize> = self.todays.clone().collect();
        if todays.is_empty() || self.fires_without(&todays, r) == fires {
            return TippedBy::Deadline("deadline");
        }
        let alone: Vec<usize> = todays
            .iter()
            .copied()
            .filter(|&i| self.fires_without(&[i], r) != fires)
            .collect();
        let named = if alone.is_empty() { &todays } else { &alone };
        TippedBy::Events(named.iter().map(|&i| tip(self.sc, i)).collect())
    }

    /// The rule of response `r` that decided the day: the first that
    /// fires when it fires, else the first that errored, else the first
    /// one; by the statuses the day's step gave, so only it is called
    /// again, for what it said.
    fn cause(&self, r: usize) -> Option<Cause> {
        let rules = &self.worker.rules().plan.get(r)?.1;
        let stepper = self.stepper;
        let is = |s: Status| move |&&i: &&usize| stepper.status(i) == Some(s);
        let &pick = rules
            .iter()
            .find(is(Status::Fires))
            .or_else(|| rules.iter().find(is(Status::Error)))
            .or_else(|| rules.first())?;
        Some(Cause {
            rule: self.worker.rules().rules[pick].id.to_string(),
            reason: self
                .worker
                .reason_on(self.sc, self.day, r, pick, self.statuses),
        })
    }
}

/// Replays `sc` over `window`, one step per day.
pub fn replay(worker: &Worker, sc: &Arc<Scenario>, window: Window) -> Timeline {
    let set = worker.rules();
    let mut open: Vec<Option<Period>> = vec![None; set.plan.len()];
    let mut done: Vec<Vec<Period>> = vec![Vec::new(); set.plan.len()];
    let mut errors = Vec::new();
    let ids: Vec<&str> = set.plan.iter().map(|(id, _)| &**id).collect();
    let mut scratch = Scratch::new(sc);
    let mut stepper = Stepper::default();
    let mut day = window.from;
    while day <= window.to {
        let o = worker.step(&mut stepper, sc, day);
        let changing: Vec<bool> = (o.statuses.iter().zip(&open))
            .map(|(&s, p)| (s == Status::Fires) != p.is_some())
            .collect();
        if changing.contains(&true) {
            let mut probe = Probe::new(
                worker,
                &stepper,
                sc,
                &mut scratch,
                day,
                &o.statuses,
                changing,
            );
            for (i, &status) in o.statuses.iter().enumerate() {
                match (status, open[i].is_some()) {
                    (Status::Fires, false) => {
                        open[i] = Some(Period {
                            from: day,
                            to: None,
                            tipped_by: probe.changed_by(i, true),
                            cause: probe.cause(i),
                            from_open: day == window.from,
                            ended_by: None,
                            end_cause: None,
                        });
                    }
                    (Status::Fires, true) => {}
                    (_, true) => {
                        if let Some(mut p) = open[i].take() {
                            p.to = day.pred_opt();
                            p.ended_by = Some(probe.changed_by(i, false));
                            p.end_cause = probe.cause(i);
                            done[i].push(p);
                        }
                    }
                    (_, false) => {}
                }
            }
        }
        errors.extend(
            o.errors
                .into_iter()
                .map(|error| DayError { date: day, error }),
        );
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    let mut responses: Vec<ResponseTimeline> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut periods = std::mem::take(&mut done[i]);
            periods.extend(open[i].take());
            ResponseTimeline {
                id: id.to_string(),
                periods,
            }
        })
        .collect();
    responses.sort_by(|a, b| a.id.cmp(&b.id));
    Timeline {
        id: sc.id.clone(),
        file: sc.file.clone(),
        title: sc.title.clone(),
        window,
        responses,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{scenario, worker};

    const ULTIMATUM: &str = r#"
const RESPONSE = "a";
const DAYS = 50;
fn fires(s) {
    let u = s.latest("ultimatum");
    if u == () { return false; }
    if s.count("deal") > 0 { return quiet("a deal was made"); }
    if s.as_of >= u.date + days(DAYS) { "deadline passed" } else { false }
}
"#;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn deadline_rule_fires_from_the_deadline_day_and_is_still_firing() {
        let (_r, w) = worker(&[("u.rhai", ULTIMATUM)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-09-30\n[[events]]\nkind = \"ultimatum\"\ndate = 2025-07-14\n",
        );
        let t = replay(&w, &sc, default_window(&sc, None, None));
        assert_eq!(t.window.from, day("2025-07-14"));
        let a = t
            .responses
            .iter()
            .find(|r| r.id == "a")
            .unwrap_or_else(|| panic!("no a"));
        assert_eq!(a.periods.len(), 1);
        let p = &a.periods[0];
        assert_eq!(p.from, day("2025-09-02"));
        assert_eq!(p.to, None);
        assert_eq!(p.tipped_by, TippedBy::Deadline("deadline"));
        assert!(!p.from_open);
    }

    #[test]
    fn an_event_ends_a_period_and_tips_none() {
        let (_r, w) = worker(&[("u.rhai", ULTIMATUM)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-09-30\n[[events]]\nkind = \"ultimatum\"\ndate = 2025-07-14\n\
             [[events]]\nkind = \"deal\"\nid = \"d\"\ndate = 2025-09-10\n",
        );
        let t = replay(&w, &sc, default_window(&sc, None, None));
        let a = &t.responses[0];
        assert_eq!(a.periods[0].to, Some(day("2025-09-09")));
        let json = serde_json::to_value(&t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json["responses"][0]["periods"][0]["tipped_by"], "deadline");
        assert_eq!(json["window"]["to"], "2025-09-30");
    }

    #[test]
    fn a_period_open_at_the_start_is_marked_and_events_tip_periods() {
        let rule = "const RESPONSE = \"a\";\nfn fires(s) { s.count(\"talks\") > 0 }\n";
        let (_r, w) = worker(&[("t.rhai", rule)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\n[[events]]\nkind = \"talks\"\nid = \"r1\"\ndate = 2025-05-16\n\
             [[events]]\nkind = \"talks\"\ndate = 2025-06-02\n",
        );
        let t = replay(&w, &sc, default_window(&sc, None, None));
        let p = &t.responses[0].periods[0];
        assert!(p.from_open);
        assert_eq!(
            p.tipped_by,
            TippedBy::Events(vec![Tip {
                kind: "talks".into(),
                id: Some("r1".into()),
                line: 3,
                file: None,
            }])
        );
        let later = replay(&w, &sc, default_window(&sc, Some(day("2025-05-01")), None));
        assert!(!later.responses[0].periods[0].from_open);
    }

    /// What a probe evaluates: events, kind index and kind order, as
    /// rules can see them.
    fn seen(sc: &Scenario, day: NaiveDate) -> Vec<(String, Vec<(NaiveDate, usize)>)> {
        sc.kinds()
            .filter(|k| !sc.of_kind(k, day).is_empty())
            .map(|k| {
                let ix = sc.of_kind(k, day).iter();
                let evs = ix.map(|&i| (sc.events[i as usize].date, sc.events[i as usize].line));
                (k.to_string(), evs.collect())
            })
            .collect()
    }

    #[test]
    fn the_scratch_copy_sees_what_the_whole_scenario_without_the_events_sees() {
        // Kinds that first appear, vanish and come back as days pass and
        // events are left out, on days of one, two and three events.
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\n\
             [[events]]\nkind = \"a\"\ndate = 2025-01-01\n\
             [[events]]\nkind = \"b\"\ndate = 2025-01-02\n\
             [[events]]\nkind = \"a\"\ndate = 2025-01-02\n\
             [[events]]\nkind = \"c\"\ndate = 2025-01-04\n\
             [[events]]\nkind = \"b\"\ndate = 2025-01-05\n\
             [[events]]\nkind = \"c\"\ndate = 2025-01-05\n\
             [[events]]\nkind = \"d\"\ndate = 2025-01-05\n",
        );
        let mut scratch = Scratch::new(&sc);
        let mut day = day("2024-12-31");
        let mut probes = 0;
        while day <= self::day("2025-01-06") {
            let start = sc.events.partition_point(|e| e.date < day);
            let end = sc.events.partition_point(|e| e.date <= day);
            // Every subset of the day's events, the empty one included.
            for mask in 0..(1u32 << (end - start)) {
                let drop: Vec<usize> = (start..end)
                    .filter(|i| mask & (1 << (i - start)) != 0)
                    .collect();
                let whole = sc.without(&drop);
                let copy = scratch.without(&sc, start..end, &drop);
                assert_eq!(seen(copy, day), seen(&whole, day), "{day} without {drop:?}");
                assert_eq!(
                    copy.visible(day),
                    whole.visible(day),
                    "{day} without {drop:?}"
                );
                let kinds: Vec<&str> = copy.kinds().collect();
                let fresh = copy.without(&[]);
                assert_eq!(
                    kinds,
                    fresh.kinds().collect::<Vec<_>>(),
                    "index as built afresh"
                );
                probes += 1;
            }
            day = day.succ_opt().unwrap_or(day);
        }
        assert_eq!(probes, 1 + 2 + 4 + 1 + 2 + 8 + 1);
    }

    #[test]
    fn a_deadline_that_tips_a_response_reading_another_is_a_deadline_on_a_day_with_events() {
        // `b` changes on 2025-01-05 by its date, with an unrelated event
        // that day; telling what tipped it judges `b` without the event,
        // which needs `a` (not changing that day) judged too.
        let a = "const RESPONSE = \"a\";\nfn fires(s) { true }\n";
        let b = "const RESPONSE = \"b\";\nfn fires(s) { fired(\"a\") && s.as_of >= date(\"2025-01-05\") }\n";
        let (_r, w) = worker(&[("a.rhai", a), ("b.rhai", b)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-01-09\n[[events]]\nkind = \"x\"\ndate = 2025-01-01\n\
             [[events]]\nkind = \"note\"\ndate = 2025-01-05\n",
        );
        let t = replay(&w, &sc, default_window(&sc, None, None));
        let b = t
            .responses
            .iter()
            .find(|r| r.id == "b")
            .unwrap_or_else(|| panic!("no b"));
        assert_eq!(b.periods.len(), 1);
        assert_eq!(b.periods[0].from, day("2025-01-05"));
        assert_eq!(b.periods[0].tipped_by, TippedBy::Deadline("deadline"));
        assert_eq!(b.periods[0].cause.as_ref().map(|c| &*c.rule), Some("b"));
    }

    #[test]
    fn a_day_with_a_rule_error_ends_the_period_and_is_listed() {
        let rule = "const RESPONSE = \"a\";\nfn fires(s) { if s.as_of == date(\"2025-01-03\") { throw \"boom\" } true }\n";
        let (_r, w) = worker(&[("t.rhai", rule)]);
        let sc =
            scenario("[scenario]\ntitle = \"t\"\n[[events]]\nkind = \"x\"\ndate = 2025-01-01\n");
        let t = replay(&w, &sc, default_window(&sc, None, Some(day("2025-01-05"))));
        let ps = &t.responses[0].periods;
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].to, Some(day("2025-01-02")));
        assert_eq!(ps[1].from, day("2025-01-04"));
        assert_eq!(t.errors.len(), 1);
        assert_eq!(t.errors[0].date, day("2025-01-03"));
    }
}
