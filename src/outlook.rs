//! Looking ahead from a judgement date: if nothing new happens after it,
//! which responses change status in the next days, on which date, by which
//! rule and for what reason. The scenario is replayed forward one day at a
//! time with no new events, so deadline rules (`s.as_of >= deadline`) tip
//! on their own — the early warning `timeline` cannot give, since it looks
//! back over what happened.
//!
//! "Nothing new" means the events known on the judgement date: events the
//! file dates after it are left out, unless the caller keeps them
//! ([`Options::with_later_events`], for events that are scheduled rather
//! than happened, or to see the file's own future play out).

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::eval::{Stepper, Worker};
use crate::outcome::{Outcome, RuleError, Status, iso};
use crate::scenario::Scenario;
use crate::timeline::MAX_REPLAY_DAYS;

/// The default look-ahead, in days.
pub const DEFAULT_DAYS: u32 = 90;

/// The longest look-ahead, in days: the replay's limit (ten years), each
/// day calling at least the rules that read the judgement date.
pub const MAX_DAYS: u32 = MAX_REPLAY_DAYS as u32;

/// How to look ahead.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The judgement date to look ahead from; the scenario's `as_of` when
    /// `None`.
    pub as_of: Option<NaiveDate>,
    /// Days after it to replay, 1 to [`MAX_DAYS`].
    pub days: u32,
    /// Keep the events the file dates after the judgement date.
    pub with_later_events: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            as_of: None,
            days: DEFAULT_DAYS,
            with_later_events: false,
        }
    }
}

/// What a response becomes on the day it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Becomes {
    /// It starts firing.
    Fires,
    /// It stops firing (or stops erroring).
    Quiet,
    /// A rule of it errors: it cannot be judged that day.
    Error,
}

/// One response changing status on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The response's id.
    pub response: String,
    /// The first day of its new status.
    #[serde(serialize_with = "iso")]
    pub date: NaiveDate,
    /// Its new status.
    pub becomes: Becomes,
    /// The rule that decided the day: the first that fires when it fires,
    /// the first that errors when it errors, else the one that fired the
    /// day before.
    pub rule: Option<String>,
    /// What that rule said: its reason, or its error message.
    pub reason: Option<String>,
}

impl Change {
    /// Days from `as_of` to the change.
    pub fn days_after(&self, as_of: NaiveDate) -> i64 {
        (self.date - as_of).num_days()
    }
}

/// A response's status on the judgement date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Now {
    /// The response's id.
    pub response: String,
    /// Its status on the judgement date.
    pub status: Status,
}

/// One scenario's outlook.
#[derive(Debug, Clone, Serialize)]
pub struct Outlook {
    /// The scenario's id.
    pub id: String,
    /// The file the scenario came from.
    pub file: PathBuf,
    /// The scenario's title.
    pub title: String,
    /// The judgement date looked ahead from.
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// The last day replayed (`as_of` plus the days asked for).
    #[serde(serialize_with = "iso")]
    pub until: NaiveDate,
    /// Events the file dates after `as_of` that were left out (0 when
    /// they were kept).
    pub later_events_left_out: usize,
    /// Every response with rules and its status on `as_of`, by id.
    pub now: Vec<Now>,
    /// The changes, nearest first (then by response id).
    pub changes: Vec<Change>,
    /// The rule errors on `as_of` itself (errors later in the window are
    /// changes that become `error`).
    pub errors: Vec<RuleError>,
}

impl Outlook {
    /// Whether any rule errored, on `as_of` or later.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.changes.iter().any(|c| c.becomes == Becomes::Error)
    }
}

/// Why an outlook cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutlookError {
    /// The number of days is 0 or more than [`MAX_DAYS`].
    #[error("cannot look {days} days ahead: give 1 to {MAX_DAYS} days (ten years)")]
    Days {
        /// The days asked for.
        days: u32,
    },
    /// The window runs past the last date the calendar holds.
    #[error("looking {days} days ahead of {as_of} runs past the last date the calendar holds")]
    PastCalendar {
        /// The judgement date.
        as_of: NaiveDate,
        /// The days asked for.
        days: u32,
    },
}

/// The rule that decided `response` on a change to `becomes`; `before`
/// is the previous day's outcome, for the rule that stopped firing.
pub(crate) fn cause(
    o: &Outcome,
    before: Option<&Outcome>,
    response: &str,
    becomes: Becomes,
) -> (Option<String>, Option<String>) {
    let Some(r) = o.response(response) else {
        return (None, None);
    };
    let want = match becomes {
        Becomes::Fires => Some(Status::Fires),
        Becomes::Error => Some(Status::Error),
        Becomes::Quiet => None,
    };
    let fired_before = |id: &str| {
        before
            .and_then(|b| b.rule(id))
            .is_some_and(|v| v.status == Status::Fires)
    };
    let pick = match want {
        Some(s) => r.rules.iter().find(|v| v.status == s),
        None => r.rules.iter().find(|v| fired_before(&v.id)),
    }
    .or_else(|| r.rules.first());
    match pick {
        Some(v) => (Some(v.id.to_string()), o.said(v)),
        None => (None, None),
    }
}

pub(crate) fn becomes(s: Status) -> Becomes {
    match s {
        Status::Fires => Becomes::Fires,
        Status::Quiet => Becomes::Quiet,
        Status::Error => Becomes::Error,
    }
}

/// Looks `opts.days` days ahead of the judgement date, one evaluation per
/// day, and a full one (for the rule and reason) on each day something
/// changes.
pub fn outlook(
    worker: &Worker,
    sc: &Arc<Scenario>,
    opts: Options,
) -> Result<Outlook, OutlookError> {
    let days = opts.days;
    if days == 0 || days > MAX_DAYS {
        return Err(OutlookError::Days { days });
    }
    let as_of = opts.as_of.unwrap_or(sc.as_of);
    let until = as_of
        .checked_add_days(Days::new(u64::from(days)))
        .ok_or(OutlookError::PastCalendar { as_of, days })?;
    let known = sc.visible(as_of);
    let later = sc.events.len() - known;
    let (sc, later_events_left_out) = if later > 0 && !opts.with_later_events {
        let drop: Vec<usize> = (known..sc.events.len()).collect();
        (Arc::new(sc.without(&drop)), later)
    } else {
        (sc.clone(), 0)
    };
    let set = worker.rules();
    let ids: Vec<&str> = set.plan.iter().map(|(id, _)| &**id).collect();
    let mut before = worker.evaluate(&sc, as_of);
    let mut status: Vec<Status> = ids
        .iter()
        .map(|id| before.response(id).map_or(Status::Quiet, |r| r.status))
        .collect();
    let mut now: Vec<Now> = ids
        .iter()
        .zip(&status)
        .map(|(id, &status)| Now {
            response: id.to_string(),
            status,
        })
        .collect();
    now.sort_by(|a, b| a.response.cmp(&b.response));
    let errors = std::mem::take(&mut before.errors);
    // The full outcome of the day before, kept only while it is yesterday:
    // the rule that stopped a response firing is the one that fired then.
    let mut yesterday = Some(before);
    let mut changes = Vec::new();
    let mut stepper = Stepper::default();
    let mut day = as_of;
    while day < until {
        let Some(next) = day.succ_opt() else { break };
        day = next;
        let today = worker.step(&mut stepper, &sc, day).statuses;
        if today == status {
            yesterday = None;
            continue;
        }
        let full = worker.evaluate(&sc, day);
        for (i, (&was, &is)) in status.iter().zip(&today).enumerate() {
            if was == is {
                continue;
            }
            let b = becomes(is);
            let (rule, reason) = cause(&full, yesterday.as_ref(), ids[i], b);
            changes.push(Change {
                response: ids[i].to_string(),
                date: day,
                becomes: b,
                rule,
                reason,
            });
        }
        status = today;
        yesterday = Some(full);
    }
    changes.sort_by(|a, b| (a.date, &a.response).cmp(&(b.date, &b.response)));
    Ok(Outlook {
        id: sc.id.clone(),
        file: sc.file.clone(),
        title: sc.title.clone(),
        as_of,
        until,
        later_events_left_out,
        now,
        changes,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{scenario, worker};

    const DEADLINE: &str = r#"
const RESPONSE = "a";
fn fires(s) {
    let u = s.latest("ultimatum");
    if u == () { return false; }
    if s.count("deal") > 0 { return quiet("a deal was made"); }
    let deadline = u.date + days(u.days);
    if s.as_of > deadline { `no deal by ${deadline}` } else { quiet("not yet") }
}
"#;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    const ULTIMATUM: &str = "[scenario]\ntitle = \"t\"\nas_of = 2025-07-20\n\
        [[events]]\nkind = \"ultimatum\"\ndate = 2025-07-14\ndays = 50\n\
        [[events]]\nkind = \"ultimatum\"\ndate = 2025-07-28\ndays = 11\n";

    #[test]
    fn a_deadline_tips_on_its_own_with_the_rule_and_its_reason() {
        let (_r, w) = worker(&[("u.rhai", DEADLINE)]);
        let sc = scenario(ULTIMATUM);
        let o = outlook(&w, &sc, Options::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.until, day("2025-10-18"));
        assert_eq!(o.later_events_left_out, 1);
        assert_eq!(o.changes.len(), 1);
        let c = &o.changes[0];
        assert_eq!((c.date, c.becomes), (day("2025-09-03"), Becomes::Fires));
        assert_eq!(c.rule.as_deref(), Some("u"));
        assert_eq!(c.reason.as_deref(), Some("no deal by 2025-09-02"));
        assert_eq!(c.days_after(o.as_of), 45);
    }

    #[test]
    fn later_events_count_when_kept_and_a_short_window_sees_nothing() {
        let (_r, w) = worker(&[("u.rhai", DEADLINE)]);
        let sc = scenario(ULTIMATUM);
        let keep = Options {
            with_later_events: true,
            ..Options::default()
        };
        let o = outlook(&w, &sc, keep).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.later_events_left_out, 0);
        assert_eq!(o.changes[0].date, day("2025-08-09"));
        let short = Options {
            days: 30,
            ..Options::default()
        };
        let o = outlook(&w, &sc, short).unwrap_or_else(|e| panic!("{e}"));
        assert!(o.changes.is_empty());
        assert_eq!(o.until, day("2025-08-19"));
    }

    #[test]
    fn a_response_that_stops_firing_names_the_rule_that_fired() {
        let rule = "const RESPONSE = \"a\";\nfn fires(s) { if s.as_of < date(\"2025-01-05\") { \"early\" } else { quiet(\"too late\") } }\n";
        let (_r, w) = worker(&[("t.rhai", rule)]);
        let sc = scenario("[scenario]\ntitle = \"t\"\nas_of = 2025-01-01\n");
        let o = outlook(&w, &sc, Options::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.now[0].status, Status::Fires);
        let c = &o.changes[0];
        assert_eq!((c.date, c.becomes), (day("2025-01-05"), Becomes::Quiet));
        assert_eq!(c.reason.as_deref(), Some("too late"));
    }

    #[test]
    fn an_error_in_the_window_is_a_change_to_error_not_quiet() {
        let rule = "const RESPONSE = \"a\";\nfn fires(s) { if s.as_of == date(\"2025-01-03\") { throw \"boom\" } false }\n";
        let (_r, w) = worker(&[("t.rhai", rule)]);
        let sc = scenario("[scenario]\ntitle = \"t\"\nas_of = 2025-01-01\n");
        let o = outlook(&w, &sc, Options::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(o.has_errors());
        let got: Vec<_> = o.changes.iter().map(|c| (c.date, c.becomes)).collect();
        assert_eq!(
            got,
            vec![
                (day("2025-01-03"), Becomes::Error),
                (day("2025-01-04"), Becomes::Quiet)
            ]
        );
        assert!(
            o.changes[0]
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("boom"))
        );
    }

    #[test]
    fn days_out_of_range_and_past_the_calendar_are_refused() {
        let (_r, w) = worker(&[("u.rhai", DEADLINE)]);
        let sc = scenario(ULTIMATUM);
        for days in [0, MAX_DAYS + 1] {
            let o = Options {
                days,
                ..Options::default()
            };
            assert_eq!(outlook(&w, &sc, o).err(), Some(OutlookError::Days { days }));
        }
        let o = Options {
            as_of: Some(NaiveDate::MAX),
            ..Options::default()
        };
        assert!(matches!(
            outlook(&w, &sc, o),
            Err(OutlookError::PastCalendar { .. })
        ));
    }
}
