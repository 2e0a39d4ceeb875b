//! Everything a report says about one scenario, gathered in one place: its
//! outcome at the judgement date, its day-by-day replay, and its test
//! result when it carries expectations. `report` turns a list of these
//! into an HTML page or a Markdown brief; an embedder can render its own.
//! Built by [`Engine::dossier`](crate::Engine::dossier); plain data, no
//! text.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::eval::Worker;
use crate::outcome::Outcome;
use crate::scenario::Scenario;
use crate::suite::{self, TestResult};
use crate::timeline::{self, ReplayError, Timeline, Window, default_window};

/// Which date a dossier judges at and which days it replays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The judgement date; `None`: the scenario's own `as_of`.
    pub as_of: Option<NaiveDate>,
    /// The first day replayed; `None`: the scenario's first event.
    pub from: Option<NaiveDate>,
    /// The last day replayed; `None`: the judgement date.
    pub to: Option<NaiveDate>,
}

impl Options {
    /// Judges at `as_of` instead of the scenario's own date.
    pub fn as_of(mut self, d: Option<NaiveDate>) -> Self {
        self.as_of = d;
        self
    }

    /// Replays from `from` instead of the first event.
    pub fn from(mut self, d: Option<NaiveDate>) -> Self {
        self.from = d;
        self
    }

    /// Replays up to `to` instead of the judgement date.
    pub fn to(mut self, d: Option<NaiveDate>) -> Self {
        self.to = d;
        self
    }

    /// The days replayed for `sc`: `from` (or its first event, but never
    /// after the last day) to `to` (or the judgement date).
    pub fn window(&self, sc: &Scenario) -> Window {
        let to = self.to.or(self.as_of);
        default_window(sc, self.from, to)
    }
}

/// One scenario, judged and replayed.
#[derive(Debug, Clone)]
pub struct Dossier {
    /// The scenario as read.
    pub scenario: Arc<Scenario>,
    /// What fires at the judgement date, and why.
    pub outcome: Outcome,
    /// The replay over the window, or why the window was refused.
    pub timeline: Result<Timeline, ReplayError>,
    /// Its expectations judged (at its own `as_of`, whatever the judgement
    /// date); `None` when it states none.
    pub test: Option<TestResult>,
}

impl Dossier {
    /// Whether anything in it is an error: a rule that errored at the
    /// judgement date or on a replayed day, a refused replay, or an
    /// expectation that could not be judged.
    pub fn has_errors(&self) -> bool {
        !self.outcome.errors.is_empty()
            || self
                .timeline
                .as_ref()
                .map_or(true, |t| !t.errors.is_empty())
            || self
                .test
                .as_ref()
                .is_some_and(|t| t.status == suite::TestStatus::Error)
    }
}

/// Builds the dossier of `sc` on `worker`.
pub fn build(worker: &Worker, sc: &Arc<Scenario>, opts: &Options) -> Dossier {
    let as_of = opts.as_of.unwrap_or(sc.as_of);
    let outcome = worker.evaluate(sc, as_of);
    let window = opts.window(sc);
    let timeline = window
        .validate()
        .map(|()| timeline::replay(worker, sc, window));
    let test = sc.expect.any().then(|| {
        if as_of == sc.as_of {
            suite::judge(worker, sc, outcome.clone())
        } else {
            suite::run_test(worker, sc)
        }
    });
    Dossier {
        scenario: sc.clone(),
        outcome,
        timeline,
        test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{scenario, worker};

    const RULE: &str = "const RESPONSE = \"a\";\nfn fires(s) { s.count(\"talks\") > 0 }\n";

    #[test]
    fn a_dossier_judges_replays_and_tests_one_scenario() {
        let (_r, w) = worker(&[("t.rhai", RULE)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-10\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n\
             [expect]\nfires = [\"a\"]\n",
        );
        let d = build(&w, &sc, &Options::default().from(Some(day("2025-06-01"))));
        assert!(d.outcome.fires("a"));
        let t = d.timeline.as_ref().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.responses[0].periods[0].from, day("2025-06-02"));
        assert_eq!(t.window.to, day("2025-06-10"));
        let test = d.test.as_ref().unwrap_or_else(|| panic!("no test"));
        assert_eq!(test.status, suite::TestStatus::Passed);
        assert!(!d.has_errors());
    }

    #[test]
    fn an_earlier_judgement_date_does_not_change_the_test_result() {
        let (_r, w) = worker(&[("t.rhai", RULE)]);
        let sc = scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-10\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n\
             [expect]\nfires = [\"a\"]\n",
        );
        let d = build(&w, &sc, &Options::default().as_of(Some(day("2025-06-01"))));
        assert!(!d.outcome.fires("a"));
        let test = d.test.as_ref().unwrap_or_else(|| panic!("no test"));
        assert_eq!(test.status, suite::TestStatus::Passed);
        // Replayed up to the judgement date, which is before the event.
        let t = d.timeline.as_ref().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.window.to, day("2025-06-01"));
    }

    #[test]
    fn a_refused_window_is_an_error_of_the_dossier() {
        let (_r, w) = worker(&[("t.rhai", RULE)]);
        let sc = scenario("[scenario]\ntitle = \"t\"\nas_of = 2025-06-10\n");
        let d = build(
            &w,
            &sc,
            &Options::default()
                .from(Some(day("2025-06-11")))
                .to(Some(day("2025-06-01"))),
        );
        assert!(d.timeline.is_err());
        assert!(d.has_errors());
        assert!(d.test.is_none());
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }
}
