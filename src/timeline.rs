//! Replaying a scenario day by day: from which date each response fires,
//! which events tipped it, and when it stops. Each day is one evaluation
//! of the same `Arc<Scenario>` at a later judgement date — nothing is
//! re-parsed, re-compiled or copied.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::eval::Worker;
use crate::outcome::{RuleError, Status, iso};
use crate::scenario::Scenario;

/// The replayed window, both ends inclusive.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Window {
    #[serde(serialize_with = "iso")]
    pub from: NaiveDate,
    #[serde(serialize_with = "iso")]
    pub to: NaiveDate,
}

/// An event that was dated on the first day of a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tip {
    pub kind: String,
    pub id: Option<String>,
    pub line: usize,
}

/// What tipped a period: the events of its first day, or a deadline.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum TippedBy {
    Events(Vec<Tip>),
    /// Serialised as the string `"deadline"`.
    Deadline(&'static str),
}

/// A stretch of days on which a response fires.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    #[serde(serialize_with = "iso")]
    pub from: NaiveDate,
    /// The last day it fires; `None` while it still fires on the last day.
    #[serde(serialize_with = "iso_opt")]
    pub to: Option<NaiveDate>,
    pub tipped_by: TippedBy,
    /// It already fired on the first replayed day.
    pub from_open: bool,
}

fn iso_opt<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseTimeline {
    pub id: String,
    pub periods: Vec<Period>,
}

/// A rule error on one day of the replay.
#[derive(Debug, Clone, Serialize)]
pub struct DayError {
    #[serde(serialize_with = "iso")]
    pub date: NaiveDate,
    #[serde(flatten)]
    pub error: RuleError,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub id: String,
    pub file: PathBuf,
    pub title: String,
    pub window: Window,
    pub responses: Vec<ResponseTimeline>,
    pub errors: Vec<DayError>,
}

/// The default window: first event (or `as_of`) to `as_of`.
pub fn default_window(sc: &Scenario, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Window {
    let to = to.unwrap_or(sc.as_of);
    let from = from.unwrap_or_else(|| sc.first_date().unwrap_or(to).min(to));
    Window { from, to }
}

fn tipped_by(sc: &Scenario, day: NaiveDate) -> TippedBy {
    let tips: Vec<Tip> = sc
        .events
        .iter()
        .filter(|e| e.date == day)
        .map(|e| Tip {
            kind: e.kind.to_string(),
            id: e.id.clone(),
            line: sc.source.line_col(e.span.start).0,
        })
        .collect();
    if tips.is_empty() {
        TippedBy::Deadline("deadline")
    } else {
        TippedBy::Events(tips)
    }
}

/// Replays `sc` over `window`, one evaluation per day.
pub fn replay(worker: &Worker, sc: &Arc<Scenario>, window: Window) -> Timeline {
    let set = worker.rules();
    let mut open: Vec<Option<Period>> = vec![None; set.plan.len()];
    let mut done: Vec<Vec<Period>> = vec![Vec::new(); set.plan.len()];
    let mut errors = Vec::new();
    let ids: Vec<&str> = set.plan.iter().map(|(id, _)| id.as_str()).collect();
    let mut day = window.from;
    while day <= window.to {
        let o = worker.evaluate(sc, day);
        for (i, id) in ids.iter().enumerate() {
            let status = o.response(id).map_or(Status::Quiet, |r| r.status);
            match (status, open[i].is_some()) {
                (Status::Fires, false) => {
                    open[i] = Some(Period {
                        from: day,
                        to: None,
                        tipped_by: tipped_by(sc, day),
                        from_open: day == window.from,
                    });
                }
                (Status::Fires, true) => {}
                (_, true) => {
                    if let Some(mut p) = open[i].take() {
                        p.to = day.pred_opt();
                        done[i].push(p);
                    }
                }
                (_, false) => {}
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
