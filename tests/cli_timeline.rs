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
