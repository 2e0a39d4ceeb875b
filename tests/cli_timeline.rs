//! `timeline`: what tipped each period and what ended it, decided by
//! judging the day again without its events — not by whatever happened to
//! be dated on it.

use crate::support::*;

/// The shipped US ultimatum with an unrelated statement added on the day
/// the deadline passes: the deadline tipped `secondary-tariffs`, and the
/// cause is the ultimatum rule's reason.
#[test]
fn an_unrelated_event_on_a_deadline_day_is_not_named_as_its_cause() {
    let f = shipped();
    let path = f.path().join("scenarios/us/ultimatum-2025.toml");
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let expect = text.find("\n[expect]").unwrap_or(text.len());
    text.insert_str(
        expect,
        "\n[[events]]\nid = \"unrelated\"\nkind = \"statement\"\ndate = 2025-08-09\nby = \"UA\"\ntext = \"nothing to do with tariffs\"\n",
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&[
        "timeline",
        "scenarios/us/ultimatum-2025.toml",
        "--format",
        "json",
    ]);
    out.code(0);
    let doc = out.json();
    let responses = doc["scenarios"][0]["responses"].as_array().cloned();
    let tariffs = responses
        .into_iter()
        .flatten()
        .find(|r| r["id"] == "secondary-tariffs")
        .unwrap_or_else(|| panic!("no secondary-tariffs in\n{}", pretty(&doc)));
    let p = &tariffs["periods"][0];
    assert_eq!(p["from"], "2025-08-09", "{}", pretty(p));
    assert_eq!(p["tipped_by"], "deadline", "{}", pretty(p));
    assert_eq!(p["cause"]["rule"], "us/ultimatum", "{}", pretty(p));
    assert!(
        p["cause"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no deal by 2025-08-08")),
        "{}",
        pretty(p)
    );
    let text = f.run(&["timeline", "scenarios/us/ultimatum-2025.toml"]);
    text.code(0)
        .stdout_has("fires from 2025-08-09 still firing; deadline passed")
        .stdout_lacks("tipped by `unrelated`");
}

const RULE: &str = r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    let t = s.latest("talks");
    if t == () { return quiet("no talks yet"); }
    if s.count("deal") > 0 { return quiet("a deal was made"); }
    `talks on ${t.date} brought nothing`
}
"#;

/// Of two events on one day, the one whose absence undoes the change is
/// named; the end of a period is explained the same way.
#[test]
fn the_event_that_tipped_a_period_and_the_one_that_ended_it_are_named() {
    let f = Fixture::new();
    f.rule("talks", RULE).scenario(
        "s",
        r#"[scenario]
title = "t"
as_of = 2025-06-10

[[events]]
id = "noise"
kind = "statement"
date = 2025-06-02

[[events]]
id = "round-2"
kind = "talks"
date = 2025-06-02

[[events]]
id = "weather"
kind = "statement"
date = 2025-06-05

[[events]]
id = "agreement"
kind = "deal"
date = 2025-06-05
"#,
    );
    let doc = f
        .run(&[
            "timeline",
            "scenarios/s.toml",
            "--from",
            "2025-06-01",
            "--format",
            "json",
        ])
        .json();
    let p = &doc["scenarios"][0]["responses"][0]["periods"][0];
    assert_eq!(p["from"], "2025-06-02", "{}", pretty(p));
    assert_eq!(p["to"], "2025-06-04", "{}", pretty(p));
    let tipped: Vec<&str> = p["tipped_by"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(tipped, ["round-2"], "{}", pretty(p));
    assert_eq!(p["cause"]["rule"], "talks");
    assert_eq!(p["cause"]["reason"], "talks on 2025-06-02 brought nothing");
    let ended: Vec<&str> = p["ended_by"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ended, ["agreement"], "{}", pretty(p));
    assert_eq!(p["end_cause"]["rule"], "talks");
    assert_eq!(p["end_cause"]["reason"], "a deal was made");
    f.run(&["timeline", "scenarios/s.toml", "--from", "2025-06-01"])
        .code(0)
        .stdout_has(
            "tipped by `round-2` (talks, line 10) — talks: talks on 2025-06-02 brought nothing",
        )
        .stdout_has("ended by `agreement` (deal, line 20) — talks: a deal was made");
}

/// The shipped `deadlines::within` helper makes a response to a one-off
/// event fire for a set number of days, then lapse on its own.
#[test]
fn a_one_off_response_written_with_within_lapses_after_its_window() {
    let f = Fixture::new();
    let lib = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/lib/deadlines.rhai");
    let lib = std::fs::read_to_string(lib).unwrap_or_else(|e| panic!("{e}"));
    f.write("rules/lib/deadlines.rhai", &lib)
        .rule(
            "punitive",
            r#"import "lib/deadlines" as deadlines;
const RESPONSE = "new-sanctions";
fn fires(s) {
    let strike = s.latest("strike");
    if strike == () || !deadlines::within(s, strike, 7) { return quiet("no recent strike"); }
    `strike on ${strike.date}`
}
"#,
        )
        .scenario("talks", TALKS);
    let doc = f
        .run(&[
            "timeline",
            "scenarios/talks.toml",
            "--to",
            "2025-06-20",
            "--format",
            "json",
        ])
        .json();
    let p = &doc["scenarios"][0]["responses"][0]["periods"][0];
    assert_eq!(p["from"], "2025-06-01", "{}", pretty(p));
    assert_eq!(p["to"], "2025-06-08", "{}", pretty(p));
    assert_eq!(p["ended_by"], "deadline", "{}", pretty(p));
    assert_eq!(
        p["end_cause"]["reason"],
        "no recent strike",
        "{}",
        pretty(p)
    );
}

/// Every firing period of every shipped scenario, `scenario response
/// from..to` (`..` alone: still firing at `as_of`).
const SHIPPED_PERIODS: &[&str] = &[
    "counterfactual/ceasefire-held energy-bank-sanctions 2025-05-12..2025-06-01",
    "counterfactual/ceasefire-held leaders-summit 2025-06-02..",
    "counterfactual/ceasefire-held new-sanctions 2025-05-16..2025-06-01",
    "counterfactual/ceasefire-held sanctions-relief 2025-07-02..",
    "counterfactual/ceasefire-violated energy-bank-sanctions 2025-05-12..2025-06-01",
    "counterfactual/ceasefire-violated leaders-summit 2025-06-02..",
    "counterfactual/ceasefire-violated new-sanctions 2025-05-16..2025-06-01",
    "counterfactual/ceasefire-violated new-sanctions 2025-06-06..",
    "counterfactual/istanbul-ceasefire energy-bank-sanctions 2025-05-12..2025-06-01",
    "counterfactual/istanbul-ceasefire leaders-summit 2025-06-02..",
    "counterfactual/istanbul-ceasefire new-sanctions 2025-05-16..2025-06-01",
    "iran/continuation-adopted snapback-trigger 2025-09-01..",
    "iran/snapback-2025-09-27 snapback-trigger 2025-09-01..",
    "iran/snapback-2025-09-28 snapback-trigger 2025-09-01..",
    "iran/snapback-2025-09-28 un-snapback 2025-09-28..",
    "istanbul-2025-06-02 energy-bank-sanctions 2025-05-12..",
    "istanbul-2025-06-02 leaders-summit 2025-06-02..",
    "istanbul-2025-06-02 new-sanctions 2025-05-16..",
    "talks/exchange-carried-out energy-bank-sanctions 2025-05-12..",
    "talks/exchange-carried-out leaders-summit 2025-06-02..",
    "talks/exchange-carried-out new-sanctions 2025-05-16..",
    "talks/exchange-not-carried-out energy-bank-sanctions 2025-05-12..",
    "talks/exchange-not-carried-out leaders-summit 2025-06-02..",
    "talks/exchange-not-carried-out new-sanctions 2025-05-16..",
    "talks/exchange-not-carried-out stronger-sanctions 2025-07-02..",
    "talks/real-timeline-2025-08 energy-bank-sanctions 2025-05-12..",
    "talks/real-timeline-2025-08 leaders-summit 2025-06-02..",
    "talks/real-timeline-2025-08 new-sanctions 2025-05-16..",
    "talks/real-timeline-2025-08 stronger-sanctions 2025-07-23..",
    "us/ultimatum-2025 secondary-tariffs 2025-08-09..",
    "us/ultimatum-original-deadline secondary-tariffs 2025-09-03..",
];

#[test]
fn the_shipped_scenarios_fire_over_exactly_these_periods() {
    let f = shipped();
    let out = f.run(&["timeline", "scenarios", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    let mut got = Vec::new();
    for sc in doc["scenarios"].as_array().into_iter().flatten() {
        assert_eq!(sc["errors"], serde_json::json!([]), "{}", pretty(sc));
        for r in sc["responses"].as_array().into_iter().flatten() {
            for p in r["periods"].as_array().into_iter().flatten() {
                got.push(format!(
                    "{} {} {}..{}",
                    sc["id"].as_str().unwrap_or_default(),
                    r["id"].as_str().unwrap_or_default(),
                    p["from"].as_str().unwrap_or_default(),
                    p["to"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    assert_eq!(got, SHIPPED_PERIODS);
}

/// The lines docs/reference.md shows, and a period that ends then starts
/// again, in text.
#[test]
fn timeline_text_prints_each_period_from_its_first_day() {
    let f = shipped();
    f.run(&["timeline", "scenarios/us/ultimatum-2025.toml"])
        .code(0)
        .stdout_has("  replayed 2025-07-14 to 2025-09-30 (79 days)\n")
        .stdout_has(
            "  secondary-tariffs      ···············█████████████████████████████████  fires from 2025-08-09 still firing; deadline passed — us/ultimatum: no deal by 2025-08-08, the deadline set on 2025-07-28; 1 days past it\n",
        )
        .stdout_has("  new-sanctions          ················································  never fires\n");
    f.run(&["timeline", "scenarios/counterfactual/ceasefire-violated.toml"])
        .code(0)
        .stdout_has("  new-sanctions          ············███████████████████████████·····████  fires from 2025-05-16 to 2025-06-01; tipped by")
        .stdout_has("\n                                                                           fires from 2025-06-06 still firing; tipped by `strike-2025-06-06` (strike, line 35)");
}

/// A rule that throws on 2025-06-03 of a replay and fires from then on.
const FLAKY: &str = "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    if s.as_of == date(\"2025-06-03\") { throw \"no data that day\"; }\n    s.as_of > date(\"2025-06-03\")\n}\n";

const FIVE_DAYS: &str = "[scenario]\ntitle = \"Five days\"\nas_of = 2025-06-05\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n";

#[test]
fn a_rule_error_on_one_day_of_a_replay_makes_timeline_exit_2_in_every_format() {
    let f = Fixture::new();
    f.rule("flaky", FLAKY).scenario("five", FIVE_DAYS);
    f.run(&["timeline", "scenarios/five.toml"])
        .code(2)
        .stdout_has("fires from 2025-06-04 still firing")
        .stdout_has("  error on 2025-06-03: rules/flaky.rhai:3:40: rule `flaky`: no data that day");
    let out = f.run(&["timeline", "scenarios/five.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let e = &doc["scenarios"][0]["errors"][0];
    assert_eq!(e["date"], "2025-06-03", "{}", pretty(&doc));
    assert_eq!(e["rule"], "flaky", "{}", pretty(e));
    assert_at(e, "rules/flaky.rhai", 3, 40);
    // Without the error, the same replay exits 0.
    f.rule(
        "flaky",
        &FLAKY.replace("throw \"no data that day\";", "return false;"),
    );
    f.run(&["timeline", "scenarios/five.toml"]).code(0);
}

#[test]
fn a_one_day_window_is_replayed() {
    let f = Fixture::new();
    f.rule("flaky", FLAKY).scenario("five", FIVE_DAYS);
    f.run(&[
        "timeline",
        "scenarios/five.toml",
        "--from",
        "2025-06-04",
        "--to",
        "2025-06-04",
    ])
    .code(0)
    .stdout_has("  replayed 2025-06-04 to 2025-06-04 (1 day)\n")
    .stdout_has("fires from 2025-06-04 still firing; already firing when the replay starts");
}

#[test]
fn a_period_ended_by_a_rule_error_names_the_erroring_rule_as_its_end_cause() {
    let f = Fixture::new();
    // Two rules of one response: one always quiet, one firing until it
    // starts to throw on 2025-06-03.
    f.rule(
        "a-quiet",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    quiet(\"never\")\n}\n",
    )
    .rule(
        "b-flaky",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    if s.as_of >= date(\"2025-06-03\") { throw \"no data from then on\"; }\n    \"data\"\n}\n",
    )
    .scenario("five", FIVE_DAYS);
    let out = f.run(&["timeline", "scenarios/five.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let r = doc["scenarios"][0]["responses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["id"] == "new-sanctions")
        .cloned()
        .unwrap_or_else(|| panic!("no new-sanctions in\n{}", pretty(&doc)));
    let p = &r["periods"][0];
    assert_eq!(
        (&p["from"], &p["to"]),
        (&"2025-06-01".into(), &"2025-06-02".into()),
        "{}",
        pretty(p)
    );
    assert_eq!(p["cause"]["rule"], "b-flaky", "{}", pretty(p));
    assert_eq!(p["end_cause"]["rule"], "b-flaky", "{}", pretty(p));
}

#[test]
fn over_48_days_the_bar_has_one_cell_a_day() {
    use crate::rule_api::{STREAK_RULE, STRIKES_AND_A_PAUSE};
    let f = Fixture::new();
    f.rule("a-streak", STREAK_RULE)
        .scenario("s", STRIKES_AND_A_PAUSE);
    // new-sanctions fires 2025-03-01 to 03-04, then from 03-10 on.
    let out = f.run(&[
        "timeline",
        "scenarios/s.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-04-17",
    ]);
    out.code(0).stdout_has("(48 days)");
    let bar = format!("{}{}{}", "█".repeat(4), "·".repeat(5), "█".repeat(39));
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("new-sanctions"))
        .unwrap_or_else(|| panic!("{}", out.dump()));
    assert!(
        line.contains(&format!("  {bar}  ")),
        "{line}\n{}",
        out.dump()
    );
}
