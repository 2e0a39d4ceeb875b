//! Day-by-day replays that call again only the rules whose verdict may
//! have moved (`Worker::step`) against a full evaluation of every rule on
//! every day (`Worker::statuses`), the reference: the statuses and errors
//! must be equal on every day, and the steps must have saved calls, so a
//! stepper that calls everything could not pass as one that saves.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::native::corpus;
use crate::support::Fixture;
use sanctions_trigger::eval::{Stepper, Worker, WorkerOptions};
use sanctions_trigger::outcome::Status;
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::{Scenario, discover, load_file, parse_str};
use sanctions_trigger::timeline::{self, Window};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn load(rules: &Path, native: bool) -> (Worker, Worker) {
    let set = Arc::new(RuleSet::load(rules, Limits::default()));
    assert!(!set.has_errors(), "{:#?}", set.diagnostics());
    let opts = WorkerOptions {
        native,
        ..WorkerOptions::default()
    };
    (
        Worker::new(set.clone(), opts.clone()),
        Worker::new(set, opts),
    )
}

/// Steps `sc` from `from` to `to` with `stepping` and evaluates every day
/// in full with `full`, insisting on the same statuses and errors; the
/// statuses of each day, by plan position.
#[track_caller]
fn replay_both(
    stepping: &Worker,
    full: &Worker,
    sc: &Arc<Scenario>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Vec<Status>> {
    let mut stepper = Stepper::default();
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        let a = stepping.step(&mut stepper, sc, d);
        let b = full.statuses(sc, d);
        assert_eq!(a.statuses, b.statuses, "{} on {d}", sc.id());
        assert_eq!(a.errors, b.errors, "{} on {d}", sc.id());
        days.push(a.statuses);
        d = d.succ_opt().unwrap_or(d);
    }
    days
}

/// A generated corpus of 30-event scenarios in a temporary folder (kept
/// while the `TempDir` lives): the folder and its scenario files.
fn generated(
    seed: u64,
    rules: usize,
    scenarios: usize,
) -> (tempfile::TempDir, PathBuf, Vec<(String, PathBuf)>) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("corpus");
    let m = corpus::Manifest {
        seed,
        rules,
        scenarios,
        events: 30,
        days: None,
    };
    corpus::write_corpus(&dir, m).unwrap_or_else(|e| panic!("{e}"));
    let files = corpus::scenario_files(&dir).unwrap_or_else(|e| panic!("{e}"));
    (tmp, dir, files)
}

/// Rule calls made by a worker with native code: decided natively, and
/// handed to Rhai.
fn calls(w: &Worker) -> u64 {
    let (a, b) = w.native_calls();
    a + b
}

#[test]
fn stepping_through_a_generated_corpus_gives_a_full_evaluation_s_statuses_and_errors() {
    let (_tmp, dir, files) = generated(11, 200, 12);
    for native in [true, false] {
        let (stepping, full) = load(&dir.join("rules"), native);
        let mut errors = 0;
        // Rhai alone is slow in a debug build: a few scenarios suffice.
        let some = if native { files.len() } else { 3 };
        for (id, path) in &files[..some] {
            let sc = Arc::new(load_file(path, id).unwrap_or_else(|d| panic!("{d:?}")));
            let first = sc.first_date().unwrap_or(sc.as_of());
            // Past the last event too: every event becomes visible.
            let last = sc.events().last().map_or(sc.as_of(), |e| e.date());
            let to = last.max(sc.as_of()) + chrono::Duration::days(10);
            replay_both(&stepping, &full, &sc, first - chrono::Duration::days(1), to);
            errors += full.statuses(&sc, to).errors.len();
        }
        assert!(errors > 0, "the corpus has rules that error on purpose");
        // Only native code counts its calls.
        let (saved, made) = (calls(&stepping), calls(&full));
        assert!(
            !native || saved * 2 < made,
            "stepping made {saved} rule calls, a full evaluation of every day {made}"
        );
    }
}

#[test]
fn stepping_through_the_shipped_scenarios_gives_a_full_evaluation_s_statuses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (stepping, full) = load(&root.join("rules"), true);
    let (files, diags) = discover(&[root.join("scenarios")]);
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(files.len() >= 10);
    for f in &files {
        let sc = Arc::new(load_file(&f.path, &f.id).unwrap_or_else(|d| panic!("{d:?}")));
        let first = sc.first_date().unwrap_or(sc.as_of());
        let last = sc.events().last().map_or(sc.as_of(), |e| e.date());
        let to = last.max(sc.as_of()) + chrono::Duration::days(45);
        replay_both(&stepping, &full, &sc, first, to);
    }
    assert!(calls(&stepping) < calls(&full));
}

/// The timeline of `sc` (periods, the events that tipped them, the rules
/// behind each change and what they said) as JSON.
fn timeline_json(w: &Worker, sc: &Arc<Scenario>, from: NaiveDate, to: NaiveDate) -> String {
    let t = timeline::replay(w, sc, Window { from, to });
    serde_json::to_string_pretty(&t).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn timelines_name_the_tipping_events_and_causes_a_full_evaluation_of_each_day_names() {
    // Line coverage runs every rule in Rhai and evaluates every day, and
    // every probe of a change, in full: the reference for what stepping
    // keeps from the day's step (the verdicts of rules that do not read a
    // left-out event's kind, the status that picks the rule behind a
    // change).
    let full_opts = WorkerOptions {
        line_coverage: true,
        ..WorkerOptions::default()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_tmp, dir, corpus) = generated(5, 120, 3);
    let (shipped, diags) = discover(&[root.join("scenarios")]);
    assert!(diags.is_empty(), "{diags:#?}");
    let shipped: Vec<(String, PathBuf)> = shipped.into_iter().map(|f| (f.id, f.path)).collect();
    let mut tipped = 0;
    for (rules, files) in [(dir.join("rules"), corpus), (root.join("rules"), shipped)] {
        let set = Arc::new(RuleSet::load(&rules, Limits::default()));
        let stepping = Worker::new(set.clone(), WorkerOptions::default());
        let full = Worker::new(set, full_opts.clone());
        for (id, path) in &files {
            let sc = Arc::new(load_file(path, id).unwrap_or_else(|d| panic!("{d:?}")));
            let from = sc.first_date().unwrap_or(sc.as_of());
            let last = sc.events().last().map_or(sc.as_of(), |e| e.date());
            let to = last.max(sc.as_of()) + chrono::Duration::days(10);
            let a = timeline_json(&stepping, &sc, from, to);
            assert_eq!(a, timeline_json(&full, &sc, from, to), "{id}");
            tipped += a.matches("\"tipped_by\"").count();
        }
    }
    assert!(tipped > 40, "{tipped} changes: too few to compare");
}

#[test]
fn the_rule_named_behind_a_change_fires_else_errors_else_comes_first() {
    let f = Fixture::bare();
    f.write(
        "rules/responses.toml",
        "[three]\ntitle = \"Three rules\"\ncategory = \"test\"\nseverity = 1\n",
    );
    f.write(
        "rules/r-1-quiet.rhai",
        "const RESPONSE = \"three\";\nfn fires(s) { quiet(\"never\") }\n",
    );
    f.write(
        "rules/r-2-errs.rhai",
        "const RESPONSE = \"three\";\nfn fires(s) {\n    \
         if s.count(\"deal\") == 0 { quiet(\"no deal\") } else { throw \"deal seen\" }\n}\n",
    );
    f.write(
        "rules/r-3-deal.rhai",
        "const RESPONSE = \"three\";\nfn fires(s) {\n    \
         if s.count(\"deal\") > 0 && s.count(\"strike\") == 0 { \"a deal, no strike\" } \
         else { quiet(\"no deal, or a strike\") }\n}\n",
    );
    let sc = Arc::new(
        parse_str(
            Path::new("t.toml"),
            "[scenario]\ntitle = \"t\"\nas_of = 2025-03-31\n\
             [[events]]\nkind = \"talks\"\ndate = 2025-03-01\n\
             [[events]]\nkind = \"deal\"\ndate = 2025-03-05\n\
             [[events]]\nkind = \"strike\"\ndate = 2025-03-15\n",
            "t",
        )
        .unwrap_or_else(|d| panic!("{d:?}")),
    );
    for native in [true, false] {
        let (w, _) = load(&f.path().join("rules"), native);
        let window = Window {
            from: day("2025-03-01"),
            to: day("2025-03-31"),
        };
        let t = timeline::replay(&w, &sc, window);
        let periods = &t.responses[0].periods;
        assert_eq!(periods.len(), 1, "{periods:#?}");
        let p = &periods[0];
        assert_eq!((p.from, p.to), (day("2025-03-05"), Some(day("2025-03-14"))));
        // Fires while the second rule errors: the rule that fires.
        let cause = p.cause.as_ref().unwrap_or_else(|| panic!("{p:#?}"));
        assert_eq!(cause.rule, "r-3-deal");
        assert_eq!(cause.reason.as_deref(), Some("a deal, no strike"));
        // Stops as the second rule errors and none fires: that rule, with
        // its message, not the first rule, which is quiet.
        let end = p.end_cause.as_ref().unwrap_or_else(|| panic!("{p:#?}"));
        assert_eq!(end.rule, "r-2-errs");
        let message = end.reason.as_deref().unwrap_or_default();
        assert!(message.contains("deal seen"), "{message}");
    }
}

const RESPONSES: &str = r#"
[clock]
title = "Reads the date"
category = "test"
severity = 1
[follows]
title = "Reads clock"
category = "test"
severity = 1
[deal]
title = "Reads deals"
category = "test"
severity = 1
[printed]
title = "Prints the scenario"
category = "test"
severity = 1
[all]
title = "Reads every event"
category = "test"
severity = 1
[far-kind]
title = "Reads the 66th kind"
category = "test"
severity = 1
[steady]
title = "Reads the title"
category = "test"
severity = 1
[window]
title = "A deal in the last three days"
category = "test"
severity = 1
[gap]
title = "Days since the deal"
category = "test"
severity = 1
[on-the-day]
title = "One day"
category = "test"
severity = 1
[weekday]
title = "Mondays"
category = "test"
severity = 1
[month-back]
title = "A month back"
category = "test"
severity = 1
[gap-text]
title = "Days since the deal, written"
category = "test"
severity = 1
[told]
title = "Days since the deal, in the reason"
category = "test"
severity = 1
"#;

/// One rule per way a verdict can move on a later day, each reading one
/// thing: the date, a response, a kind, the scenario printed (which shows
/// the date), every event, a kind past the 62nd; the date moved by days
/// and compared, or the days since a date compared (which native code
/// follows until the comparison could change), or used otherwise (a
/// property, months, text); and one that reads nothing that moves.
const RULES: &[(&str, &str)] = &[
    (
        "clock.rhai",
        "const RESPONSE = \"clock\";\nfn fires(s) { s.as_of >= date(\"2025-03-05\") }\n",
    ),
    (
        "follows.rhai",
        "const RESPONSE = \"follows\";\nfn fires(s) { fired(\"clock\") }\n",
    ),
    (
        "deal.rhai",
        "const RESPONSE = \"deal\";\nfn fires(s) { s.count(\"deal\") > 0 }\n",
    ),
    (
        "printed.rhai",
        "const RESPONSE = \"printed\";\nfn fires(s) { `${s}`.contains(\"2025-03-10\") }\n",
    ),
    (
        "all.rhai",
        "const RESPONSE = \"all\";\nfn fires(s) { s.count() >= 0 && s.events().len() >= 4 }\n",
    ),
    (
        "far-kind.rhai",
        "const RESPONSE = \"far-kind\";\nfn fires(s) { s.latest(\"k65\") != () }\n",
    ),
    (
        "steady.rhai",
        "const RESPONSE = \"steady\";\nfn fires(s) { s.title == \"t\" }\n",
    ),
    (
        "window.rhai",
        "const RESPONSE = \"window\";\nfn fires(s) {\n    let since = s.as_of - days(3);\n    \
         s.events(\"deal\").filter(|e| e.date >= since).len() > 0\n}\n",
    ),
    (
        "gap.rhai",
        "const RESPONSE = \"gap\";\nfn fires(s) {\n    let d = s.latest(\"deal\");\n    \
         d != () && s.as_of - d.date > 5\n}\n",
    ),
    (
        "on-the-day.rhai",
        "const RESPONSE = \"on-the-day\";\nfn fires(s) { date(\"2025-03-20\") == s.as_of }\n",
    ),
    (
        "weekday.rhai",
        "const RESPONSE = \"weekday\";\nfn fires(s) { s.as_of.weekday == 1 }\n",
    ),
    (
        "month-back.rhai",
        "const RESPONSE = \"month-back\";\nfn fires(s) { s.as_of - months(1) >= date(\"2025-02-10\") }\n",
    ),
    (
        "gap-text.rhai",
        "const RESPONSE = \"gap-text\";\nfn fires(s) {\n    let d = s.latest(\"deal\");\n    \
         if d == () { return false; }\n    let gap = s.as_of - d.date + 1;\n    `${gap}`.len() > 1\n}\n",
    ),
    ("told.rhai", TOLD),
];

/// A rule whose reasons quote the days since the deal: they change every
/// day, its verdict twice.
const TOLD: &str = "const RESPONSE = \"told\";\nfn fires(s) {\n    let d = s.latest(\"deal\");\n    \
    if d == () { return quiet(`no deal by ${s.as_of}`); }\n    let g = s.as_of - d.date;\n    \
    if g > 3 { `${g} days since the deal` } else { quiet(`only ${g} days since the deal`) }\n}\n";

/// Seventy kinds of event, `k0` on 2025-03-01 to `k69`, one a day; a
/// `deal` on 2025-03-08.
fn many_kinds() -> Arc<Scenario> {
    let mut text = String::from("[scenario]\ntitle = \"t\"\nas_of = 2025-05-31\n");
    let start = day("2025-03-01");
    for k in 0..70 {
        let d = start + chrono::Duration::days(k);
        text.push_str(&format!("[[events]]\nkind = \"k{k}\"\ndate = {d}\n"));
    }
    text.push_str("[[events]]\nkind = \"deal\"\ndate = 2025-03-08\n");
    Arc::new(parse_str(Path::new("t.toml"), &text, "t").unwrap_or_else(|d| panic!("{d:?}")))
}

#[test]
fn each_thing_a_rule_reads_moves_its_verdict_on_the_day_it_changes() {
    let f = Fixture::bare();
    f.write("rules/responses.toml", RESPONSES);
    for (name, text) in RULES {
        f.write(&format!("rules/{name}"), text);
    }
    let sc = many_kinds();
    for native in [true, false] {
        let (stepping, full) = load(&f.path().join("rules"), native);
        let from = day("2025-02-27");
        let days = replay_both(&stepping, &full, &sc, from, day("2025-05-20"));
        let plan: Vec<String> = stepping
            .rules()
            .plan()
            .iter()
            .map(|(id, _)| id.to_string())
            .collect();
        // The days each response fires on, as offsets from `from`.
        let fires = |id: &str| -> Vec<NaiveDate> {
            let p = plan
                .iter()
                .position(|x| x == id)
                .unwrap_or_else(|| panic!("{id} not in {plan:?}"));
            days.iter()
                .enumerate()
                .filter(|(_, st)| st[p] == Status::Fires)
                .map(|(i, _)| from + chrono::Duration::days(i as i64))
                .collect()
        };
        let first = |id: &str| fires(id).first().copied();
        assert_eq!(first("clock"), Some(day("2025-03-05")));
        assert_eq!(first("follows"), Some(day("2025-03-05")));
        assert_eq!(first("deal"), Some(day("2025-03-08")));
        assert_eq!(fires("printed"), [day("2025-03-10")]);
        assert_eq!(first("all"), Some(day("2025-03-04")));
        assert_eq!(first("far-kind"), Some(day("2025-05-05")));
        assert_eq!(first("steady"), Some(from));
        let span = |a: &str, b: &str| {
            let (a, b) = (day(a), day(b));
            a.iter_days().take_while(|d| *d <= b).collect::<Vec<_>>()
        };
        assert_eq!(fires("window"), span("2025-03-08", "2025-03-11"));
        assert_eq!(first("gap"), Some(day("2025-03-14")));
        assert_eq!(fires("on-the-day"), [day("2025-03-20")]);
        // 2025-03-03 is a Monday.
        assert_eq!(first("weekday"), Some(day("2025-03-03")));
        assert_eq!(fires("weekday").len(), 12);
        assert_eq!(first("month-back"), Some(day("2025-03-10")));
        assert_eq!(first("gap-text"), Some(day("2025-03-17")));
        assert_eq!(first("told"), Some(day("2025-03-12")));
        // Steady reads nothing that moves, far-kind shares its bit with the
        // kinds past the 62nd: neither is called on most days. (Only native
        // code counts its calls.)
        assert!(!native || calls(&stepping) * 2 < calls(&full));
    }
}

#[test]
fn a_rule_that_quotes_the_date_in_its_reasons_is_called_when_its_verdict_can_change() {
    let f = Fixture::bare();
    f.write("rules/responses.toml", RESPONSES);
    f.write("rules/told.rhai", TOLD);
    let sc = many_kinds();
    let (stepping, full) = load(&f.path().join("rules"), true);
    let days = replay_both(&stepping, &full, &sc, day("2025-02-27"), day("2025-05-20"));
    assert_eq!(days.len(), 83);
    // The first day; 2025-03-08, when the deal becomes visible; 03-12,
    // when more than three days have passed. The reasons differ every
    // day, and a full outcome would show them, but the status cannot.
    let (decided, handed_over) = stepping.native_calls();
    assert_eq!(handed_over, 0);
    assert!(decided <= 4, "called {decided} times in 83 days");
}

#[test]
fn a_stepper_asked_for_another_scenario_or_an_earlier_day_evaluates_it_in_full() {
    let f = Fixture::bare();
    f.write("rules/responses.toml", RESPONSES);
    for (name, text) in RULES {
        f.write(&format!("rules/{name}"), text);
    }
    let sc = many_kinds();
    let other = Arc::new(
        parse_str(
            Path::new("o.toml"),
            "[scenario]\ntitle = \"o\"\nas_of = 2025-05-31\n",
            "o",
        )
        .unwrap_or_else(|d| panic!("{d:?}")),
    );
    let (stepping, full) = load(&f.path().join("rules"), true);
    let mut stepper = Stepper::default();
    // Forward through March, then back to an earlier day with the same
    // events visible, then another scenario the next day and the same day.
    let mut asked = Vec::new();
    let mut d = day("2025-03-01");
    while d <= day("2025-03-25") {
        asked.push((sc.clone(), d));
        d = d.succ_opt().unwrap_or(d);
    }
    asked.push((sc.clone(), day("2025-03-24")));
    asked.push((sc.clone(), day("2025-03-02")));
    asked.push((other.clone(), day("2025-03-03")));
    asked.push((sc.clone(), day("2025-03-04")));
    asked.push((other.clone(), day("2025-03-04")));
    asked.push((other.clone(), day("2025-03-05")));
    // `clock` fires from 2025-03-05 and holds after: back before it, with
    // no event in between, it must be judged again.
    asked.push((other.clone(), day("2025-03-06")));
    asked.push((other.clone(), day("2025-03-03")));
    for (s, d) in &asked {
        let a = stepping.step(&mut stepper, s, *d);
        let b = full.statuses(s, *d);
        assert_eq!(a.statuses, b.statuses, "{} on {d}", s.id());
        assert_eq!(a.errors, b.errors, "{} on {d}", s.id());
    }
}

#[test]
fn native_code_decides_rules_that_use_the_date_otherwise_and_they_are_called_every_day() {
    let f = Fixture::bare();
    f.write("rules/responses.toml", RESPONSES);
    let month_back = RULES
        .iter()
        .find(|(name, _)| *name == "month-back.rhai")
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no month-back rule"));
    f.write("rules/month-back.rhai", month_back);
    f.write(
        "rules/gap.rhai",
        "const RESPONSE = \"gap\";\nfn fires(s) {\n    let d = s.latest(\"deal\");\n    \
         d != () && (s.as_of - d.date) * 2 > 10\n}\n",
    );
    let sc = many_kinds();
    let (stepping, full) = load(&f.path().join("rules"), true);
    replay_both(&stepping, &full, &sc, day("2025-02-27"), day("2025-05-20"));
    // A date minus months, days since a date times two: the date counts
    // as read. `month-back` is called on each of the 83 days; `gap` on
    // the first, then from the deal on 2025-03-08 (74 days).
    assert_eq!(stepping.native_calls(), (83 + 1 + 74, 0));
}

#[test]
fn a_day_judged_without_an_event_starts_from_that_day_s_step_and_no_other() {
    let f = Fixture::bare();
    f.write("rules/responses.toml", RESPONSES);
    for (name, text) in RULES {
        f.write(&format!("rules/{name}"), text);
    }
    let (w, full) = load(&f.path().join("rules"), true);
    let sc = many_kinds();
    let deal_day = day("2025-03-08");
    let mut stepper = Stepper::default();
    let mut d = day("2025-02-27");
    while d <= deal_day {
        w.step(&mut stepper, &sc, d);
        d = d.succ_opt().unwrap_or(d);
    }
    let deal = sc
        .events()
        .iter()
        .position(|e| e.kind() == "deal")
        .unwrap_or_else(|| panic!("no deal"));
    let alt = Arc::new(sc.without(&[deal]));
    let wanted = vec![true; w.rules().plan().len()];
    let without = |stepper: &Stepper, sc: &Arc<Scenario>, on: NaiveDate| {
        w.statuses_without(stepper, sc, on, &[deal], || alt.clone(), &wanted)
    };
    let before = calls(&w);
    let got = without(&stepper, &sc, deal_day).unwrap_or_else(|| panic!("the day is held"));
    assert_eq!(got, full.statuses(&alt, deal_day).statuses);
    // Called again: the 4 rules that read deals (`deal`, `gap`,
    // `gap-text`, `told`) and the 2 that read every event (`printed`,
    // `all`); not the other 8.
    assert_eq!(calls(&w) - before, 6);
    // Another day, another scenario, another rule set's stepper: not held.
    let next = deal_day.succ_opt().unwrap_or(deal_day);
    assert!(without(&stepper, &sc, next).is_none());
    assert!(without(&stepper, &alt, deal_day).is_none());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (shipped, _) = load(&root.join("rules"), true);
    let mut theirs = Stepper::default();
    shipped.step(&mut theirs, &sc, deal_day);
    assert!(without(&theirs, &sc, deal_day).is_none());
}

#[test]
fn since_continues_a_worker_s_replay_forward_and_starts_again_for_an_earlier_day() {
    use crate::rule_api::{SINCE_RULE, STREAK_RULE, STRIKES_AND_A_PAUSE};
    let f = Fixture::new();
    f.rule("a-streak", STREAK_RULE)
        .rule("b-since", SINCE_RULE)
        .scenario("s", STRIKES_AND_A_PAUSE);
    let (w, _) = load(&f.path().join("rules"), true);
    let sc = Arc::new(
        load_file(&f.path().join("scenarios/s.toml"), "s").unwrap_or_else(|d| panic!("{d:?}")),
    );
    let reason = |on: &str| {
        let o = w.evaluate(&sc, day(on));
        o.rule("b-since").and_then(|v| v.reason.clone())
    };
    // Day after day: each evaluation continues the replay the one before
    // left, so the 20 days cost about two calls a day, not a replay each.
    let before = calls(&w);
    for d in 1..=20 {
        reason(&format!("2025-03-{d:02}"));
    }
    let made = calls(&w) - before;
    assert!(made < 100, "{made} calls for 20 days");
    // An earlier day after a later one: not the later day's streaks.
    assert_eq!(
        reason("2025-03-04").as_deref(),
        Some("new sanctions in force since 2025-03-01")
    );
    assert_eq!(
        reason("2025-03-20").as_deref(),
        Some("new sanctions in force since 2025-03-10")
    );
}

/// Random scenarios, replayed under one rule per way of reading something
/// that moves: every day's statuses and errors equal a full evaluation's.
/// Failing seeds are kept in `proptest-regressions/replay.txt`; a long
/// run: `PROPTEST_CASES=2000 cargo test --test integration replay::random`.
#[test]
fn random_scenarios_step_to_a_full_evaluation_s_statuses_on_every_day() {
    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;

    let f = Fixture::bare();
    f.write("rules/responses.toml", RESPONSES);
    for (name, text) in RULES {
        f.write(&format!("rules/{name}"), text);
    }
    let (stepping, full) = load(&f.path().join("rules"), true);
    let kinds = ["deal", "strike", "talks", "k65", "note"];
    // Events as (kind, day after 2025-03-01), and the judgement date.
    let events = prop::collection::vec((0..kinds.len(), 0i64..40), 0..12);
    let strategy = (events, 0i64..45);
    let mut runner = TestRunner::new(crate::support::cases(48, "replay"));
    let start = day("2025-03-01");
    runner
        .run(&strategy, |(events, as_of)| {
            let mut text = format!(
                "[scenario]\ntitle = \"t\"\nas_of = {}\n",
                start + chrono::Duration::days(as_of)
            );
            for (k, d) in &events {
                let d = start + chrono::Duration::days(*d);
                text.push_str(&format!(
                    "[[events]]\nkind = \"{}\"\ndate = {d}\n",
                    kinds[*k]
                ));
            }
            let sc = Arc::new(
                parse_str(Path::new("t.toml"), &text, "t").unwrap_or_else(|d| panic!("{d:?}")),
            );
            let mut stepper = Stepper::default();
            let mut d = start - chrono::Duration::days(2);
            while d <= start + chrono::Duration::days(50) {
                let a = stepping.step(&mut stepper, &sc, d);
                let b = full.statuses(&sc, d);
                prop_assert_eq!(&a.statuses, &b.statuses, "{} on {}", text, d);
                prop_assert_eq!(&a.errors, &b.errors, "{} on {}", text, d);
                d = d.succ_opt().unwrap_or(d);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
