//! Rules that fail while evaluating: errors, limits and strictness. Each
//! is reported with `file:line:col` in `run --format json`'s `errors`, the
//! response is `error` (never `quiet`), the exit code is 2, and the other
//! rules' verdicts still print.

use std::time::Duration;

use crate::support::*;

/// Runs the talks scenario with the good rule and `rules/bad.rhai`
/// (response `leaders-summit`); returns the scenario entry and its output.
#[track_caller]
fn run_bad(body: &str, extra: &[&str]) -> (serde_json::Value, Output) {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule("bad", body)
        .scenario("talks", TALKS);
    let mut args = vec!["run", "scenarios/talks.toml", "--format", "json"];
    args.extend_from_slice(extra);
    let out = f.run(&args);
    out.code(2);
    let doc = out.json();
    let sc = scenario(&doc, "talks").clone();
    assert_eq!(fired(&sc), ["new-sanctions"], "{}", pretty(&sc));
    assert_eq!(response(&sc, "leaders-summit")["status"], "error");
    assert_eq!(response(&sc, "leaders-summit")["fires"], false);
    assert_eq!(verdict(&sc, "bad")["status"], "error");
    (sc, out)
}

#[test]
fn division_by_zero_is_a_runtime_error_at_its_position() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let x = 1 / 0;\n    true\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 3, 15);
    assert_message(e, "Division by zero");
}

#[test]
fn a_thrown_string_is_the_error_message_at_the_throw() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    throw \"no data for round 3\";\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 3, 5);
    assert_message(e, "no data for round 3");
}

#[test]
fn runtime_error_is_printed_in_text_with_file_line_and_column() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "bad",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    throw \"boom\";\n}\n",
        )
        .scenario("talks", TALKS);
    f.run(&["run", "scenarios/talks.toml"])
        .code(2)
        .stdout_has("FIRES new-sanctions")
        .stdout_has("ERROR leaders-summit")
        .stdout_has("rules/bad.rhai:3:5: rule `bad`: boom");
}

#[test]
fn fires_ending_in_unit_is_an_error_asking_to_end_with_false() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    if s.count(\"talks\") > 5 { true }\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_message(e, "end `fires` with `false`");
    assert_eq!(e["kind"], "verdict", "{}", pretty(e));
    assert_at(e, "rules/bad.rhai", 2, 1);
}

#[test]
fn fires_returning_a_number_is_an_error_not_a_verdict() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count(\"talks\")\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_message(e, "not a verdict");
    assert_eq!(e["kind"], "verdict", "{}", pretty(e));
    assert_at(e, "rules/bad.rhai", 2, 1);
}

#[test]
fn a_map_verdict_without_fires_is_an_error() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    #{ reason: \"r\" }\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_message(e, "without `fires`");
    assert_eq!(e["kind"], "verdict", "{}", pretty(e));
    assert_at(e, "rules/bad.rhai", 2, 1);
}

#[test]
fn an_endless_loop_is_stopped_quickly_and_reported_while_other_verdicts_print() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "bad",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    loop {}\n}\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml"]);
    out.code(2)
        .stdout_has("FIRES new-sanctions")
        .stdout_has("the talks brought nothing")
        .stdout_has("ERROR leaders-summit")
        .stdout_has("rule `bad`: stopped after");
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn an_endless_loop_error_has_its_line_in_json() {
    let (sc, out) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    loop {}\n}\n",
        &[],
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    let e = rule_error(&sc, "bad");
    assert_message(e, "operations");
    assert_eq!(e["kind"], "limit");
    assert!(e.get("deterministic").is_none(), "{}", pretty(e));
    // At the loop, or at least at `fn fires`.
    assert_at(e, "rules/bad.rhai", 2, 1);
}

#[test]
fn the_wall_clock_backstop_stops_a_loop_and_is_reported_as_a_timeout() {
    let (sc, out) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let n = 0;\n    loop { n += 1; }\n}\n",
        &["--max-operations", "100000000000", "--timeout-ms", "300"],
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    let e = rule_error(&sc, "bad");
    assert_eq!(e["kind"], "timeout", "{}", pretty(e));
    // The one outcome that depends on the machine says so.
    assert_eq!(e["deterministic"], false, "{}", pretty(e));
    assert_message(e, "300 ms time limit");
    assert_at(e, "rules/bad.rhai", 2, 1);
}

#[test]
fn runaway_recursion_is_stopped_and_reported() {
    let (sc, out) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn deeper(n) { deeper(n + 1) }\nfn fires(s) {\n    deeper(0)\n}\n",
        &[],
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    let e = rule_error(&sc, "bad");
    assert_message(e, "stopped at 48 nested calls");
    assert_eq!(e["kind"], "limit", "{}", pretty(e));
    assert_at(e, "rules/bad.rhai", 3, 1);
}

#[test]
fn sleep_is_not_available_to_rules() {
    let (sc, out) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    sleep(10);\n    true\n}\n",
        &[],
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 3, 5);
    assert_message(e, "`sleep` is not available");
}

#[test]
fn timestamp_is_not_available_to_rules() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "bad",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let t = timestamp();\n    true\n}\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    let e = rule_error(sc, "bad");
    assert_at(e, "rules/bad.rhai", 3, 13);
    assert_message(e, "timestamp");
}

#[test]
fn a_string_that_doubles_forever_is_stopped_by_the_size_limit() {
    let (sc, out) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let x = \"x\";\n    loop { x += x; }\n}\n",
        &[],
    );
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    let e = rule_error(&sc, "bad");
    assert_eq!(e["kind"], "limit", "{}", pretty(e));
    assert_message(e, "too large");
    assert_at(e, "rules/bad.rhai", 2, 1);
}

#[test]
fn reading_an_absent_nested_field_names_the_field_event_and_file() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    t.outcome.typo\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 14);
    assert_message(e, "no field `typo`");
    assert_message(e, "event `talks`");
    assert_message(e, "scenarios/talks.toml");
}

#[test]
fn reading_a_misspelt_field_suggests_the_real_one() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let e = s.latest(\"strike\");\n    e.dronez > 100\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 6);
    assert_message(e, "no field `dronez`");
    assert_message(e, "did you mean `drones`?");
}

#[test]
fn reading_an_absent_fact_is_an_error_not_unit() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.facts.venue == ()\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 3, 12);
    assert_message(e, "no field `venue`");
}

#[test]
fn comparing_a_date_with_a_string_is_an_error() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    t.date > \"2025-05-01\"\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 12);
    assert_message(e, "cannot compare a date with a string");
}

#[test]
fn comparing_a_number_with_a_string_is_an_error() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let e = s.latest(\"strike\");\n    e.drones == \"250\"\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 14);
    assert_message(e, "cannot compare");
    assert_message(e, "integer");
    assert_message(e, "with a string");
}

#[test]
fn a_filter_closure_returning_a_number_is_an_error() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.events(\"strike\").filter(|e| e.drones).len() > 0\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 3, 24);
    assert_message(e, "the closure given to `filter`");
    assert_message(e, "not a bool");
}

#[test]
fn fired_on_a_response_whose_rule_errored_is_an_error_not_false() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "broken",
            "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    throw \"broken\";\n}\n",
        )
        .rule(
            "reader",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    !fired(\"sanctions-relief\")\n}\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    let e = rule_error(sc, "reader");
    assert_at(e, "rules/reader.rhai", 3, 6);
    assert_message(e, "fired(\"sanctions-relief\")");
    assert_message(e, "errored");
    assert_eq!(response(sc, "leaders-summit")["status"], "error");
    assert_eq!(fired(sc), ["new-sanctions"]);
}

#[test]
fn an_error_inside_a_helper_is_reported_in_the_helpers_file() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write(
            "rules/lib/talks.rhai",
            "// helpers\nfn fruitless(t) {\n    !t.outcome.ceasefire && !t.outcome.breakthru\n}\n",
        )
        .rule(
            "bad",
            "import \"lib/talks\" as talks;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    talks::fruitless(s.latest(\"talks\"))\n}\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_at(e, "rules/lib/talks.rhai", 3, 39);
    assert_message(e, "no field `breakthru`");
    assert_message(e, "did you mean `breakthrough`?");
}

#[test]
fn a_rule_cannot_change_what_the_next_rule_sees() {
    let f = Fixture::new();
    f.rule(
        "a-writer",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let e = s.latest(\"strike\");\n    e.drones = 0;\n    true\n}\n",
    )
    .rule(
        "b-reader",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    `${s.latest(\"strike\").drones}`\n}\n",
    )
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    assert_eq!(verdict(sc, "b-reader")["reason"], "250", "{}", pretty(sc));
    // Writing to an event is itself refused, at the assignment.
    out.code(2);
    let e = rule_error(sc, "a-writer");
    assert_at(e, "rules/a-writer.rhai", 4, 7);
}

#[test]
fn a_string_unequal_to_a_number_is_an_error_not_true() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let e = s.latest(\"talks\");\n    e.round != \"2\"\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 13);
    assert_message(e, "cannot compare");
}

#[test]
fn ordering_a_number_against_a_string_is_an_error() {
    let (sc, _) = run_bad(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let e = s.latest(\"strike\");\n    e.drones > \"100\"\n}\n",
        &[],
    );
    let e = rule_error(&sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 14);
    assert_message(e, "cannot compare");
}
