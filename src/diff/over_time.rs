//! What a rule change does over time: a scenario replayed day by day, as
//! `timeline` does, under the base rules and the current ones, and the
//! responses whose firing periods moved. A deadline moved by one day
//! changes no outcome at the scenario's `as_of`, yet it changes when a
//! response first fires — the change a reviewer of a policy most needs
//! to see, and the one `[expect.first_fire]` checks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::eval::{Stepper, Worker};
use crate::outcome::{Status, iso};
use crate::scenario::Scenario;
use crate::timeline::Window;

/// A stretch of days on which a response fires, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The first day it fires.
    #[serde(serialize_with = "iso")]
    pub from: NaiveDate,
    /// The last day it fires; `None` while it still fires on the last day
    /// replayed.
    #[serde(serialize_with = "iso_opt")]
    pub to: Option<NaiveDate>,
}

fn iso_opt<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// A response whose firing periods differ between the two rule sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// The response's id.
    pub response: String,
    /// The first day it fires under the base rules, if it does.
    #[serde(serialize_with = "iso_opt")]
    pub base_first_fire: Option<NaiveDate>,
    /// The first day it fires under the current rules, if it does.
    #[serde(serialize_with = "iso_opt")]
    pub current_first_fire: Option<NaiveDate>,
    /// Its periods under the base rules.
    pub base: Vec<Span>,
    /// Its periods under the current rules.
    pub current: Vec<Span>,
}

/// The responses of one scenario whose dates moved.
#[derive(Debug, Clone, Serialize)]
pub struct DatesMoved {
    /// The scenario's id.
    pub id: String,
    /// The file it came from.
    pub file: PathBuf,
    /// The days replayed.
    pub window: Window,
    /// The responses whose periods differ, by id.
    pub responses: Vec<Moved>,
}

/// Every response's firing periods over `window`, by response id: one
/// step per day ([`Worker::step`]), statuses only.
pub fn periods(worker: &Worker, sc: &Arc<Scenario>, window: Window) -> BTreeMap<String, Vec<Span>> {
    let ids: Vec<&str> = worker.rules().plan.iter().map(|(id, _)| &**id).collect();
    let mut out: Vec<Vec<Span>> = vec![Vec::new(); ids.len()];
    let mut stepper = Stepper::default();
    let mut day = window.from;
    while day <= window.to {
        let st = worker.step(&mut stepper, sc, day).statuses;
        for (i, spans) in out.iter_mut().enumerate() {
            let fires = st.get(i) == Some(&Status::Fires);
            let open = spans.last().is_some_and(|s| s.to.is_none());
            match (fires, open) {
                (true, false) => spans.push(Span {
                    from: day,
                    to: None,
                }),
                (false, true) => {
                    if let Some(s) = spans.last_mut() {
                        s.to = day.pred_opt();
                    }
                }
                _ => {}
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    ids.into_iter().map(str::to_string).zip(out).collect()
}

/// Replays `sc` over `window` under both rule sets, and the responses
/// whose periods differ; `None` when none does.
pub fn compare(
    base: &Worker,
    current: &Worker,
    sc: &Arc<Scenario>,
    window: Window,
) -> Option<DatesMoved> {
    let (b, c) = (periods(base, sc, window), periods(current, sc, window));
    let ids: std::collections::BTreeSet<&String> = b.keys().chain(c.keys()).collect();
    let none = Vec::new();
    let responses: Vec<Moved> = ids
        .into_iter()
        .filter_map(|id| {
            let (bs, cs) = (b.get(id).unwrap_or(&none), c.get(id).unwrap_or(&none));
            (bs != cs).then(|| Moved {
                response: id.clone(),
                base_first_fire: bs.first().map(|s| s.from),
                current_first_fire: cs.first().map(|s| s.from),
                base: bs.clone(),
                current: cs.clone(),
            })
        })
        .collect();
    (!responses.is_empty()).then(|| DatesMoved {
        id: sc.id.clone(),
        file: sc.file.clone(),
        window,
        responses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{scenario, worker};
    use crate::timeline::default_window;

    fn rule(days: i64) -> String {
        format!(
            "const RESPONSE = \"a\";\nfn fires(s) {{ let u = s.latest(\"ultimatum\"); u != () && s.as_of > u.date + days({days}) }}\n"
        )
    }

    const SC: &str = "[scenario]\ntitle = \"t\"\nas_of = 2025-03-31\n\
        [[events]]\nkind = \"ultimatum\"\ndate = 2025-03-01\n";

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_deadline_moved_by_a_day_moves_the_first_fire_and_the_same_rules_move_nothing() {
        let (_b, base) = worker(&[("u.rhai", &rule(3))]);
        let (_c, later) = worker(&[("u.rhai", &rule(4))]);
        let (_s, same) = worker(&[("u.rhai", &rule(3))]);
        let sc = scenario(SC);
        let w = default_window(&sc, None, None);
        assert!(compare(&base, &same, &sc, w).is_none());
        let moved = compare(&base, &later, &sc, w).unwrap_or_else(|| panic!("no change"));
        assert_eq!(moved.responses.len(), 1);
        let m = &moved.responses[0];
        assert_eq!(m.response, "a");
        assert_eq!(m.base_first_fire, Some(day("2025-03-05")));
        assert_eq!(m.current_first_fire, Some(day("2025-03-06")));
        assert_eq!(m.current[0].to, None);
    }

    #[test]
    fn a_period_that_ends_is_closed_the_day_before() {
        let r = "const RESPONSE = \"a\";\nfn fires(s) { s.count(\"talks\") > 0 && s.count(\"deal\") == 0 }\n";
        let (_b, w) = worker(&[("t.rhai", r)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-01-10\n[[events]]\nkind = \"talks\"\ndate = 2025-01-02\n\
             [[events]]\nkind = \"deal\"\ndate = 2025-01-05\n",
        );
        let p = periods(&w, &sc, default_window(&sc, None, None));
        assert_eq!(
            p.get("a").cloned(),
            Some(vec![Span {
                from: day("2025-01-02"),
                to: Some(day("2025-01-04"))
            }])
        );
    }
}
