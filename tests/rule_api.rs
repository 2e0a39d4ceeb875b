//! The rule API as rules see it: constants, verdict shapes, event queries,
//! dates, visibility by judgement date, `fired`, helpers and the trace.

use crate::support::*;

/// Runs one rule on one scenario at its own date (plus `extra` flags) and
/// returns the scenario entry of `run --format json`; expects exit 0.
#[track_caller]
fn judge(rule: &str, scenario_text: &str, extra: &[&str]) -> serde_json::Value {
    let f = Fixture::new();
    f.rule("r", rule).scenario("s", scenario_text);
    let mut args = vec!["run", "scenarios/s.toml", "--format", "json"];
    args.extend_from_slice(extra);
    let out = f.run(&args);
    out.code(0);
    let doc = out.json();
    scenario(&doc, "s").clone()
}

/// The reason the rule `r` gave.
#[track_caller]
fn reason(sc: &serde_json::Value) -> String {
    verdict(sc, "r")["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason in\n{}", pretty(sc)))
        .to_string()
}

#[test]
fn a_rule_level_const_is_usable_inside_fires() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nconst THRESHOLD = 100;\nfn fires(s) {\n    let e = s.latest(\"strike\");\n    if e.drones > THRESHOLD { `${e.drones} drones, over ${THRESHOLD}` } else { false }\n}\n",
        TALKS,
        &[],
    );
    assert_eq!(fired(&sc), ["new-sanctions"]);
    assert_eq!(reason(&sc), "250 drones, over 100");
}

#[test]
fn a_rule_level_const_can_keep_a_response_quiet() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nconst THRESHOLD = 1000;\nfn fires(s) {\n    s.latest(\"strike\").drones > THRESHOLD\n}\n",
        TALKS,
        &[],
    );
    assert_eq!(fired(&sc), Vec::<String>::new());
    assert_eq!(response(&sc, "new-sanctions")["status"], "quiet");
}

#[test]
fn quiet_with_a_reason_reaches_json_as_the_reason() {
    let sc = judge(
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    quiet(\"no ceasefire has held yet\")\n}\n",
        TALKS,
        &[],
    );
    let v = verdict(&sc, "r");
    assert_eq!(v["status"], "quiet");
    assert_eq!(v["fires"], false);
    assert_eq!(v["reason"], "no ceasefire has held yet");
    assert_eq!(response(&sc, "sanctions-relief")["status"], "quiet");
}

#[test]
fn quiet_with_a_reason_reaches_run_explain_text() {
    let f = Fixture::new();
    f.rule(
        "relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    quiet(\"no ceasefire has held yet\")\n}\n",
    )
    .rule("good", GOOD_RULE)
    .scenario("talks", TALKS);
    f.run(&["run", "scenarios/talks.toml", "--explain"])
        .code(0)
        .stdout_has("FIRES new-sanctions")
        .stdout_has("quiet sanctions-relief")
        .stdout_has("relief quiet: no ceasefire has held yet");
    // Without --explain the reason is not shown, only the id.
    f.run(&["run", "scenarios/talks.toml"])
        .code(0)
        .stdout_has("quiet: sanctions-relief")
        .stdout_lacks("no ceasefire has held yet");
}

#[test]
fn a_map_verdict_gives_fires_reason_and_details() {
    let sc = judge(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    #{ fires: true, reason: \"r\", details: #{ n: 1, round: s.latest(\"talks\").round } }\n}\n",
        TALKS,
        &[],
    );
    let v = verdict(&sc, "r");
    assert_eq!(v["status"], "fires");
    assert_eq!(v["reason"], "r");
    assert_eq!(v["details"], serde_json::json!({"n": 1, "round": 2}));
    assert_eq!(fired(&sc), ["leaders-summit"]);
}

#[test]
fn a_map_verdict_that_does_not_fire_is_quiet_with_its_reason() {
    let sc = judge(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    #{ fires: false, reason: \"no offer\" }\n}\n",
        TALKS,
        &[],
    );
    let v = verdict(&sc, "r");
    assert_eq!(v["status"], "quiet");
    assert_eq!(v["reason"], "no offer");
}

const STRIKES: &str = r#"[scenario]
title = "Strikes"
as_of = 2025-06-10

[facts]
venue = "Istanbul"

[actors.RU]
name = "Russian Federation"

[[events]]
kind = "strike"
date = 2025-06-01
by = "RU"
drones = 250

[[events]]
kind = "strike"
date = 2025-06-03
by = "UA"
drones = 50

[[events]]
kind = "talks"
date = 2025-06-03
round = 2

[[events]]
kind = "strike"
date = 2025-06-05
by = "RU"
drones = 120
missiles = 4
"#;

#[test]
fn events_of_a_kind_support_filter_some_all_and_len() {
    let sc = judge(
        r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    let strikes = s.events("strike");
    let big = strikes.filter(|e| e.drones > 100);
    let by_ru = strikes.some(|e| e.by == "RU");
    let all_big = strikes.all(|e| e.drones > 100);
    let none = s.events("summit");
    `${strikes.len()} ${big.len()} ${by_ru} ${all_big} ${s.count("strike")} ${s.events().len()} ${none.is_empty()} ${big[1].drones}`
}
"#,
        STRIKES,
        &[],
    );
    assert_eq!(reason(&sc), "3 2 true false 3 4 true 120");
}

#[test]
fn events_are_in_date_order_and_same_day_events_keep_file_order() {
    let sc = judge(
        r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    let out = "";
    for e in s.events() {
        if out != "" { out += " "; }
        out += `${e.kind}@${e.date}`;
    }
    out
}
"#,
        STRIKES,
        &[],
    );
    assert_eq!(
        reason(&sc),
        "strike@2025-06-01 strike@2025-06-03 talks@2025-06-03 strike@2025-06-05"
    );
}

#[test]
fn optional_fields_are_read_with_has_and_get() {
    let sc = judge(
        r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    let first = s.events("strike")[0];
    let last = s.latest("strike");
    `${first.has("missiles")} ${first.get("missiles", 0)} ${last.has("missiles")} ${last.get("missiles", 0)}`
}
"#,
        STRIKES,
        &[],
    );
    assert_eq!(reason(&sc), "false 0 true 4");
}

#[test]
fn facts_and_actors_are_readable_by_name() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    `${s.facts.venue} ${s.actors.RU.name} ${s.title} ${s.id}`\n}\n",
        STRIKES,
        &[],
    );
    assert_eq!(reason(&sc), "Istanbul Russian Federation Strikes s");
}

#[test]
fn dates_add_days_subtract_to_whole_days_and_print_as_iso() {
    let sc = judge(
        r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    let d = date("2025-08-08") + days(10);
    let gap = d - date("2025-08-01");
    let back = d - days(3);
    `${d} ${gap} ${back} ${d.year}/${d.month}/${d.day} ${s.as_of} ${d > s.as_of} ${s.latest("strike").date == date("2025-06-05")}`
}
"#,
        STRIKES,
        &[],
    );
    assert_eq!(
        reason(&sc),
        "2025-08-18 17 2025-08-15 2025/8/18 2025-06-10 true true"
    );
}

#[test]
fn an_invalid_date_literal_in_a_rule_is_a_runtime_error() {
    let f = Fixture::new();
    f.rule(
        "r",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    s.as_of > date(\"2025-02-30\")\n}\n",
    )
    .scenario("s", TALKS);
    let out = f.run(&["run", "scenarios/s.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "s"), "r");
    assert_at(e, "rules/r.rhai", 3, 15);
    assert_message(e, "`2025-02-30` is not a date");
}

const VOTE: &str = r#"[scenario]
title = "Snapback vote"
as_of = 2025-09-27

[[events]]
kind = "vote"
date = 2025-09-27T20:00:00-04:00
"#;

const VOTE_RULE: &str = r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    let v = s.latest("vote");
    if v == () { return quiet("no vote yet"); }
    `vote on ${v.date}`
}
"#;

#[test]
fn an_offset_date_time_counts_as_its_utc_day() {
    let sc = judge(VOTE_RULE, VOTE, &["--as-of", "2025-09-28"]);
    assert_eq!(reason(&sc), "vote on 2025-09-28");
    assert_eq!(sc["as_of"], "2025-09-28");
}

#[test]
fn an_offset_date_time_is_not_visible_on_its_local_day() {
    let sc = judge(VOTE_RULE, VOTE, &[]);
    assert_eq!(fired(&sc), Vec::<String>::new());
    assert_eq!(reason(&sc), "no vote yet");
}

const LATER: &str = r#"[scenario]
title = "Later events"
as_of = 2025-06-01

[[events]]
kind = "talks"
date = 2025-05-16
round = 1

[[events]]
kind = "talks"
date = 2025-06-02
round = 2
"#;

const ROUNDS_RULE: &str = r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    `${s.count("talks")} rounds, latest ${s.latest("talks").round}, as of ${s.as_of}`
}
"#;

#[test]
fn events_after_as_of_are_invisible() {
    let sc = judge(ROUNDS_RULE, LATER, &[]);
    assert_eq!(reason(&sc), "1 rounds, latest 1, as of 2025-06-01");
    assert_eq!(sc["as_of"], "2025-06-01");
}

#[test]
fn run_as_of_makes_later_events_visible() {
    let sc = judge(ROUNDS_RULE, LATER, &["--as-of", "2025-06-02"]);
    assert_eq!(reason(&sc), "2 rounds, latest 2, as of 2025-06-02");
    assert_eq!(sc["as_of"], "2025-06-02");
}

#[test]
fn run_as_of_before_every_event_hides_them_all() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    if s.latest(\"talks\") == () { quiet(\"no talks\") } else { true }\n}\n",
        LATER,
        &["--as-of", "2025-01-01"],
    );
    assert_eq!(reason(&sc), "no talks");
    assert_eq!(response(&sc, "new-sanctions")["status"], "quiet");
}

#[test]
fn fired_reads_another_responses_verdict_whatever_the_file_order() {
    let f = Fixture::new();
    f.rule(
        "a-follow-up",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    if fired(\"new-sanctions\") { \"new sanctions were not enough\" } else { false }\n}\n",
    )
    .rule(
        "b-quiet-reader",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    fired(\"sanctions-relief\")\n}\n",
    )
    .rule(
        "c-relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    false\n}\n",
    )
    .rule("z-base", GOOD_RULE)
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    assert_eq!(fired(sc), ["new-sanctions", "stronger-sanctions"]);
    assert_eq!(
        verdict(sc, "a-follow-up")["reason"],
        "new sanctions were not enough"
    );
    assert_eq!(response(sc, "leaders-summit")["status"], "quiet");
}

#[test]
fn a_helper_imported_from_lib_is_usable() {
    let f = Fixture::new();
    f.write(
        "rules/lib/talks.rhai",
        "//! helpers\nfn fruitless(t) {\n    !t.outcome.ceasefire && !t.outcome.breakthrough\n}\nfn label(t) {\n    `round ${t.round} in ${t.location}`\n}\n",
    )
    .rule(
        "r",
        "import \"lib/talks\" as talks;\nconst RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    if talks::fruitless(t) { `${talks::label(t)} brought nothing` } else { false }\n}\n",
    )
    .scenario("s", TALKS);
    let out = f.run(&["run", "scenarios/s.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(
        verdict(scenario(&doc, "s"), "r")["reason"],
        "round 2 in Istanbul brought nothing"
    );
}

#[test]
fn print_output_goes_to_the_explanation_trace() {
    let f = Fixture::new();
    f.rule(
        "r",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    print(`looked at round ${s.latest(\"talks\").round}`);\n    true\n}\n",
    )
    .scenario("s", TALKS);
    let out = f.run(&["run", "scenarios/s.toml", "--explain"]);
    out.code(0).stdout_has("| looked at round 2");
    assert!(
        !out.stderr.contains("looked at round"),
        "print leaked to stderr\n{}",
        out.dump()
    );
}

#[test]
fn a_reason_string_fires_with_that_reason() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    `round ${t.round} in ${t.location} ended with no ceasefire`\n}\n",
        TALKS,
        &[],
    );
    assert_eq!(verdict(&sc, "r")["status"], "fires");
    assert_eq!(reason(&sc), "round 2 in Istanbul ended with no ceasefire");
}

#[test]
fn integers_and_floats_compare_as_numbers_and_unit_checks_are_allowed() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let e = s.latest(\"strike\");\n    `${e.drones > 99.5} ${e.drones == 250.0} ${s.latest(\"summit\") == ()} ${e != ()}`\n}\n",
        TALKS,
        &[],
    );
    assert_eq!(reason(&sc), "true true true true");
}

/// A deadline whose fields are named like Rhai keywords.
const KEYWORD_FIELDS: &str = r#"[scenario]
title = "Keywords"
as_of = 2025-06-02

[[events]]
kind = "deadline"
date = 2025-06-01
until = 2025-06-30
in = "RU"
for = { as = 3 }
"#;

#[test]
fn fields_named_like_keywords_are_read_with_brackets_in_both_engines() {
    for engine in ["auto", "rhai"] {
        let sc = judge(
            "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let d = s.latest(\"deadline\");\n    if s.as_of > d[\"until\"] { return false; }\n    `${d[\"until\"]} ${d[\"in\"]} ${d[\"for\"][\"as\"] + 1}`\n}\n",
            KEYWORD_FIELDS,
            &["--engine", engine],
        );
        assert_eq!(reason(&sc), "2025-06-30 RU 4", "{engine}");
    }
}

#[test]
fn an_absent_field_read_with_brackets_is_an_error_naming_it() {
    let f = Fixture::new();
    f.rule(
        "r",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    s.latest(\"deadline\")[\"untl\"] > s.as_of\n}\n",
    )
    .scenario("s", KEYWORD_FIELDS);
    for engine in ["auto", "rhai"] {
        let doc = f
            .run(&[
                "run",
                "scenarios/s.toml",
                "--format",
                "json",
                "--engine",
                engine,
            ])
            .json();
        let e = rule_error(scenario(&doc, "s"), "r");
        assert_at(e, "rules/r.rhai", 3, 25);
        assert_message(e, "untl");
        assert_message(e, "did you mean `until`?");
    }
}

#[test]
fn a_field_named_like_a_keyword_gets_help_to_use_brackets() {
    for word in ["until", "in", "import", "export", "for", "as", "private"] {
        let f = Fixture::new();
        f.rule(
            "r",
            &format!(
                "const RESPONSE = \"new-sanctions\";\nfn fires(s) {{\n    let d = s.latest(\"deadline\");\n    d.{word} == ()\n}}\n"
            ),
        )
        .scenario("s", KEYWORD_FIELDS);
        f.run(&["check"])
            .code(2)
            .stderr_has("rules/r.rhai:4:7")
            .stderr_has(&format!("write `d[\"{word}\"]`"));
    }
}

/// Runs rule `r` on the talks scenario (no ceasefire in it) in each engine
/// and returns its error.
#[track_caller]
fn error_of_unit_read(body: &str) -> Vec<serde_json::Value> {
    let f = Fixture::new();
    f.rule(
        "r",
        &format!("const RESPONSE = \"new-sanctions\";\nfn fires(s) {{\n{body}\n}}\n"),
    )
    .scenario("s", TALKS);
    ["auto", "rhai"]
        .iter()
        .map(|engine| {
            let doc = f
                .run(&[
                    "run",
                    "scenarios/s.toml",
                    "--format",
                    "json",
                    "--engine",
                    engine,
                ])
                .json();
            rule_error(scenario(&doc, "s"), "r").clone()
        })
        .collect()
}

#[test]
fn reading_a_field_of_unit_names_the_call_that_found_nothing() {
    for e in error_of_unit_read("    s.latest(\"ceasefire\").channel == \"hotline\"") {
        assert_at(&e, "rules/r.rhai", 3, 27);
        assert_message(&e, "`.channel` of `()`: there is no value to read it from");
        assert_message(&e, "(`s.latest(\"ceasefire\")` found no event?)");
        assert_message(&e, "check `!= ()` first");
        assert!(
            !e["message"].as_str().unwrap_or("").contains("getter"),
            "{e}"
        );
    }
}

#[test]
fn reading_a_field_of_unit_through_a_variable_names_the_call_it_came_from() {
    let body = "    let c = s.latest(\"ceasefire\");\n    c.channel == \"hotline\"";
    for e in error_of_unit_read(body) {
        assert_at(&e, "rules/r.rhai", 4, 7);
        assert_message(&e, "`.channel` of `()`");
        assert_message(&e, "`c = s.latest(\"ceasefire\")` found no event?");
    }
}

#[test]
fn indexing_unit_with_a_field_name_is_said_in_the_rule_apis_words() {
    let body = "    let c = s.latest(\"ceasefire\");\n    c[\"channel\"] == \"hotline\"";
    for e in error_of_unit_read(body) {
        assert_at(&e, "rules/r.rhai", 4, 6);
        assert_message(
            &e,
            "`[\"channel\"]` of `()`: there is no value to read it from",
        );
        assert_message(&e, "check `!= ()` first");
    }
}

/// A value written in quotes in the scenario where the rule needs a number
/// or a date is the scenario's mistake: the error names the field and its
/// `file:line` there, and how to write it, beside the rule's position.
#[test]
fn an_error_caused_by_a_quoted_scenario_value_names_that_value() {
    let f = shipped();
    let path = f.path().join("scenarios/us/ultimatum-2025.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let line = text
        .lines()
        .position(|l| l == "days = 50")
        .unwrap_or_else(|| panic!("no `days = 50` line"))
        + 1;
    std::fs::write(&path, text.replacen("days = 50", "days = \"50\"", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&[
        "run",
        "scenarios/us/ultimatum-2025.toml",
        "--as-of",
        "2025-07-20",
        "--format",
        "json",
    ]);
    out.code(2);
    let doc = out.json();
    // The shipped vocabulary declares `days` an integer: the scenario is
    // refused as it is read, at the value.
    let d = diagnostic(
        &doc,
        "scenarios/us/ultimatum-2025.toml",
        "must be an integer",
    );
    assert_at(d, "scenarios/us/ultimatum-2025.toml", line as u64, 8);
    assert_eq!(d["help"], "write the number without quotes: `days = 50`");
    // Without a vocabulary the rule runs, fails, and its error names the value.
    std::fs::remove_file(f.path().join("rules/vocabulary.toml")).unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&[
        "run",
        "scenarios/us/ultimatum-2025.toml",
        "--as-of",
        "2025-07-20",
        "--format",
        "json",
    ]);
    out.code(2);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "ultimatum-2025"), "us/ultimatum");
    assert_message(e, &format!("scenarios/us/ultimatum-2025.toml:{line}"));
    assert_message(e, "`days = 50`");
}

#[test]
fn comparisons_with_quoted_numbers_and_dates_from_the_scenario_name_them() {
    for (field, value, body, fix, column) in [
        (
            "personnel",
            "\"10,000\"",
            "s.latest(\"deployment\").personnel < 20000",
            "`personnel = 10000`",
            38,
        ),
        (
            "until",
            "\"2025-03-04\"",
            "s.as_of > s.latest(\"deployment\")[\"until\"]",
            "`until = 2025-03-04`",
            13,
        ),
    ] {
        let f = Fixture::new();
        f.rule(
            "bad",
            &format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n"),
        )
        .scenario(
            "d",
            &format!(
                "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"deployment\"\ndate = 2025-06-01\n{field} = {value}\n"
            ),
        );
        let out = f.run(&["run", "scenarios/d.toml", "--format", "json"]);
        out.code(2);
        let doc = out.json();
        let e = rule_error(scenario(&doc, "d"), "bad");
        assert_at(e, "rules/bad.rhai", 3, column);
        assert_message(e, "scenarios/d.toml:8");
        assert_message(e, fix);
    }
}

/// The same in JSON Lines input, with the JSON way to write a date.
#[test]
fn a_quoted_date_in_a_json_line_is_named_with_the_json_fix() {
    let f = Fixture::new();
    f.rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.as_of > s.latest(\"measure\").effective\n}\n",
    );
    let line = r#"{"scenario": {"title": "t", "as_of": "2025-06-02"}, "events": [{"kind": "measure", "date": "2025-06-01", "effective": "2025-02-04"}]}"#;
    let out = f.run_stdin(&["run", "-", "--format", "json"], &format!("{line}\n"));
    out.code(2);
    assert!(
        out.stdout
            .contains(r#"\"effective\": {\"$date\": \"2025-02-04\"}"#),
        "{}",
        out.dump()
    );
}

#[test]
fn printing_an_event_shows_its_fields_and_interpolating_it_its_label() {
    let f = Fixture::new();
    f.rule(
        "r",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    print(t);\n    debug(t.outcome);\n    `${t}`\n}\n",
    )
    .scenario("s", TALKS);
    let out = f.run(&["run", "scenarios/s.toml", "--explain"]);
    out.code(0)
        .stdout_has(
            "| event `talks` of 2025-06-02 (scenarios/s.toml:12) {date: 2025-06-02, id: \"round-2\", kind: \"talks\", location: \"Istanbul\", outcome: {breakthrough: false, ceasefire: false}, round: 2}",
        )
        .stdout_has("{breakthrough: false, ceasefire: false}");
    let doc = f
        .run(&["run", "scenarios/s.toml", "--format", "json"])
        .json();
    assert_eq!(
        verdict(scenario(&doc, "s"), "r")["reason"],
        "event `talks` of 2025-06-02 (scenarios/s.toml:12)"
    );
}

/// `new-sanctions` fires while the latest strike is later than the latest
/// pause: from 2025-03-01, paused on 2025-03-05, again from 2025-03-10.
pub(crate) const STREAK_RULE: &str = "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let strike = s.latest(\"strike\");\n    let pause = s.latest(\"pause\");\n    strike != () && (pause == () || pause.date < strike.date)\n}\n";

/// Quotes the first day of `new-sanctions`' current firing period.
pub(crate) const SINCE_RULE: &str = "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    if !fired(\"new-sanctions\") {\n        return false;\n    }\n    `new sanctions in force since ${since(\"new-sanctions\")}`\n}\n";

pub(crate) const STRIKES_AND_A_PAUSE: &str = "[scenario]\ntitle = \"Strikes and a pause\"\nas_of = 2025-03-20\n\n[[events]]\nkind = \"strike\"\ndate = 2025-03-01\n\n[[events]]\nkind = \"pause\"\ndate = 2025-03-05\n\n[[events]]\nkind = \"strike\"\ndate = 2025-03-10\n";

/// The rules above on the scenario above, `run --format json` with `extra`.
#[track_caller]
fn since_run(extra: &[&str]) -> serde_json::Value {
    let f = Fixture::new();
    f.rule("a-streak", STREAK_RULE)
        .rule("b-since", SINCE_RULE)
        .scenario("s", STRIKES_AND_A_PAUSE);
    let mut args = vec!["run", "scenarios/s.toml", "--format", "json"];
    args.extend_from_slice(extra);
    let out = f.run(&args);
    out.code(0);
    scenario(&out.json(), "s").clone()
}

#[test]
fn since_is_the_first_day_of_the_current_period_after_a_pause() {
    let sc = since_run(&[]);
    assert_eq!(
        verdict(&sc, "b-since")["reason"],
        "new sanctions in force since 2025-03-10"
    );
    // Before the pause, the first period's first day.
    let sc = since_run(&["--as-of", "2025-03-04"]);
    assert_eq!(
        verdict(&sc, "b-since")["reason"],
        "new sanctions in force since 2025-03-01"
    );
    // On the day it starts, that day.
    let sc = since_run(&["--as-of", "2025-03-10"]);
    assert_eq!(
        verdict(&sc, "b-since")["reason"],
        "new sanctions in force since 2025-03-10"
    );
}

#[test]
fn since_gives_the_same_answer_in_rhai_alone() {
    assert_eq!(since_run(&[]), since_run(&["--engine", "rhai"]));
    let pause = ["--as-of", "2025-03-04"];
    assert_eq!(
        since_run(&pause),
        since_run(&[pause[0], pause[1], "--engine", "rhai"])
    );
}

#[test]
fn since_agrees_with_the_periods_timeline_reports_on_every_day() {
    let f = Fixture::new();
    f.rule("a-streak", STREAK_RULE)
        .rule("b-since", SINCE_RULE)
        .scenario("s", STRIKES_AND_A_PAUSE);
    let out = f.run(&["timeline", "scenarios/s.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    let responses = doc["scenarios"][0]["responses"].as_array().unwrap();
    let periods = |id: &str| {
        let r = responses.iter().find(|r| r["id"] == id).unwrap();
        let p = r["periods"].as_array().unwrap();
        p.iter()
            .map(|p| (p["from"].as_str().unwrap().to_string(), p["to"].clone()))
            .collect::<Vec<_>>()
    };
    let starts: Vec<String> = periods("new-sanctions").into_iter().map(|p| p.0).collect();
    assert_eq!(starts, ["2025-03-01", "2025-03-10"]);
    // Each day `stronger-sanctions` fires, it quotes the start of the
    // `new-sanctions` period that day is in.
    for day in 1..=20 {
        let date = format!("2025-03-{day:02}");
        let sc = since_run(&["--as-of", &date]);
        let reason = verdict(&sc, "b-since")["reason"]
            .as_str()
            .map(str::to_string);
        let start = starts.iter().rev().find(|s| **s <= date);
        let firing = !(5..10).contains(&day);
        match (firing, reason, start) {
            (true, Some(r), Some(s)) => assert_eq!(r, format!("new sanctions in force since {s}")),
            (false, None, _) => {}
            other => panic!("{date}: {other:?}"),
        }
    }
}

#[test]
fn since_of_a_response_that_does_not_fire_is_an_error_naming_the_day() {
    let f = Fixture::new();
    f.rule("a-streak", STREAK_RULE)
        .rule(
            "b-unguarded",
            "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    `since ${since(\"new-sanctions\")}`\n}\n",
        )
        .scenario("s", STRIKES_AND_A_PAUSE);
    let out = f.run(&[
        "run",
        "scenarios/s.toml",
        "--as-of",
        "2025-03-07",
        "--format",
        "json",
    ]);
    out.code(2);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "s"), "b-unguarded");
    assert_message(
        e,
        "since(\"new-sanctions\"): `new-sanctions` does not fire on 2025-03-07, so it has no firing period",
    );
    assert_at(e, "rules/b-unguarded.rhai", 3, 14);
}

#[test]
fn since_with_an_unknown_or_computed_id_is_refused_as_the_rules_load() {
    let f = Fixture::new();
    f.rule(
        "typo",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    fired(\"new-sanctions\") && since(\"new-sanctons\") < s.as_of\n}\n",
    )
    .rule(
        "computed",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let id = \"new-sanctions\";\n    since(id) < s.as_of\n}\n",
    )
    .rule("z-base", GOOD_RULE)
    .scenario("talks", TALKS);
    let out = f.run(&["check", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let typo = diagnostic(
        &doc,
        "rules/typo.rhai",
        "`since(\"new-sanctons\")` names an unknown response",
    );
    assert_at(typo, "rules/typo.rhai", 3, 37);
    let computed = diagnostic(
        &doc,
        "rules/computed.rhai",
        "`since` needs one literal response id",
    );
    assert_at(computed, "rules/computed.rhai", 4, 5);
}

#[test]
fn a_rule_s_own_function_named_since_with_other_arguments_is_its_own() {
    let sc = judge(
        "const RESPONSE = \"new-sanctions\";\nfn since(s, kind) { s.events(kind).len() }\nfn fires(s) {\n    since(s, \"strike\") > 0\n}\n",
        TALKS,
        &[],
    );
    assert_eq!(fired(&sc), ["new-sanctions"]);
}

#[test]
fn since_near_the_start_of_the_calendar_replays_what_there_is() {
    let f = Fixture::new();
    f.rule("a-streak", STREAK_RULE)
        .rule("b-since", SINCE_RULE)
        .scenario(
            "s",
            "[scenario]\ntitle = \"Early\"\nas_of = 0001-01-05\n\n[[events]]\nkind = \"strike\"\ndate = 0001-01-02\n",
        );
    let out = f.run(&["run", "scenarios/s.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(
        verdict(scenario(&doc, "s"), "b-since")["reason"],
        "new sanctions in force since 0001-01-02"
    );
}
