//! Bad scenario files and catalogues: each is reported at its file, line
//! and column with a clear message, and the other scenarios still run.

use serde_json::Value;

use crate::support::*;

/// Runs `run scenarios/ --format json` on a fixture with the good rule, one
/// bad scenario `bad.toml` and one good scenario `talks.toml`; expects exit 2,
/// the good scenario's verdict, and returns the document.
#[track_caller]
fn run_with_bad_scenario(bad: &str) -> serde_json::Value {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("bad", bad)
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    // Nothing is lost: the good scenario is still judged.
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    doc
}

#[test]
fn invalid_toml_is_reported_at_its_position_and_the_other_scenarios_still_run() {
    let doc = run_with_bad_scenario("[scenario\ntitle = \"x\"\n");
    let d = diagnostic(&doc, "scenarios/bad.toml", "invalid TOML");
    assert_at(d, "scenarios/bad.toml", 1, 10);
    assert_eq!(d["severity"], "error");
}

#[test]
fn invalid_toml_in_check_is_printed_with_file_line_and_column_on_stderr() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("bad", "[scenario]\ntitle = \"x\"\nas_of = = 2025-06-02\n");
    f.run(&["check"])
        .code(2)
        .stderr_has("invalid TOML")
        .stderr_has("scenarios/bad.toml:3:9")
        .stdout_has("1 error,");
}

#[test]
fn a_title_given_as_a_number_is_a_type_error_at_the_value() {
    let doc = run_with_bad_scenario("[scenario]\ntitle = 5\nas_of = 2025-06-02\n");
    let d = diagnostic(
        &doc,
        "scenarios/bad.toml",
        "`title` must be a string, found integer",
    );
    assert_at(d, "scenarios/bad.toml", 2, 9);
}

#[test]
fn an_event_date_written_as_a_string_is_an_error_with_a_hint_to_drop_the_quotes() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\n\n[[events]]\nkind = \"talks\"\ndate = \"2025-06-02\"\n",
    );
    let d = diagnostic(
        &doc,
        "scenarios/bad.toml",
        "`date` must be a date, found string",
    );
    assert_at(d, "scenarios/bad.toml", 6, 8);
    assert!(
        d["help"]
            .as_str()
            .is_some_and(|h| h.contains("date = 2025-06-02")),
        "{}",
        pretty(d)
    );
}

#[test]
fn as_off_in_the_scenario_table_is_unknown_and_suggests_as_of() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("bad", "[scenario]\ntitle = \"t\"\nas_off = 2025-06-02\n");
    f.run(&["check"])
        .code(2)
        .stderr_has("unknown key in `[scenario]`: `as_off`")
        .stderr_has("scenarios/bad.toml:3:1")
        .stderr_has("did you mean `as_of`?");
}

#[test]
fn as_off_never_silently_changes_the_judgement_date_in_run() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\nas_off = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n",
    );
    let d = diagnostic(&doc, "scenarios/bad.toml", "`as_off`");
    assert_at(d, "scenarios/bad.toml", 3, 1);
    assert_eq!(d["help"], "did you mean `as_of`?");
    // The bad scenario is not judged at all.
    assert!(
        doc["scenarios"]
            .as_array()
            .is_some_and(|a| a.iter().all(|s| s["id"] != "bad")),
        "{}",
        pretty(&doc)
    );
}

#[test]
fn an_unknown_key_in_expect_is_an_error_with_did_you_mean() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"new-sanctions\"]\nnot_fire = [\"leaders-summit\"]\n",
    );
    let d = diagnostic(&doc, "scenarios/bad.toml", "`not_fire`");
    assert_at(d, "scenarios/bad.toml", 7, 1);
    assert_eq!(d["help"], "did you mean `not_fires`?");
}

#[test]
fn an_event_without_kind_is_reported_at_its_table() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\ndate = 2025-06-02\nround = 2\n",
    );
    let d = diagnostic(&doc, "scenarios/bad.toml", "has no `kind`");
    assert_at(d, "scenarios/bad.toml", 5, 1);
}

#[test]
fn an_event_without_date_is_reported_at_its_table() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\n\n[[events]]\nkind = \"strike\"\ndate = 2025-06-01\n",
    );
    let d = diagnostic(&doc, "scenarios/bad.toml", "event #1 has no `date`");
    assert_at(d, "scenarios/bad.toml", 5, 1);
}

#[test]
fn an_impossible_date_is_an_error_at_the_value() {
    let doc = run_with_bad_scenario("[scenario]\ntitle = \"t\"\nas_of = 2025-02-30\n");
    let d = diagnostic(&doc, "scenarios/bad.toml", "date");
    assert_at(d, "scenarios/bad.toml", 3, 9);
}

#[test]
fn a_local_date_time_without_offset_is_an_error_with_its_position() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02T10:00:00\n",
    );
    let d = diagnostic(&doc, "scenarios/bad.toml", "without an offset");
    assert_at(d, "scenarios/bad.toml", 7, 8);
}

#[test]
fn a_bare_time_is_an_error_with_its_position() {
    let doc = run_with_bad_scenario("[scenario]\ntitle = \"t\"\nas_of = 10:00:00\n");
    let d = diagnostic(&doc, "scenarios/bad.toml", "time without a date");
    assert_at(d, "scenarios/bad.toml", 3, 9);
}

#[test]
fn an_unknown_response_in_expect_fires_is_an_error_with_did_you_mean() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "bad",
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"new-sanction\"]\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("unknown response `new-sanction`")
        .stderr_has("scenarios/bad.toml:6:10")
        .stderr_has("did you mean `new-sanctions`?");
}

#[test]
fn an_unknown_response_in_expect_makes_test_exit_2_not_pass() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "bad",
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect]\nnot_fires = [\"sanction-relief\"]\n",
    );
    f.run(&["test"])
        .code(2)
        .stdout_has("test bad ... ERROR")
        .stdout_has("scenarios/bad.toml:6:14")
        .stdout_has("did you mean `sanctions-relief`?");
}

#[test]
fn a_response_both_in_fires_and_not_fires_is_an_error_at_the_second_mention() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"new-sanctions\"]\nnot_fires = [\"leaders-summit\", \"new-sanctions\"]\n",
    );
    let d = diagnostic(
        &doc,
        "scenarios/bad.toml",
        "`new-sanctions` is expected both to fire and not to fire",
    );
    assert_at(d, "scenarios/bad.toml", 7, 32);
}

#[test]
fn duplicate_response_ids_in_the_catalogue_are_reported_at_the_second_one() {
    let f = Fixture::new();
    f.write(
        "rules/responses.toml",
        &format!("{RESPONSES}\n[leaders-summit]\ntitle = \"again\"\ncategory = \"diplomatic\"\nseverity = 1\n"),
    );
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    let line = RESPONSES.lines().count() + 2;
    f.run(&["check"])
        .code(2)
        .stderr_has("duplicate")
        .stderr_has(&format!("rules/responses.toml:{line}:2"));
}

#[test]
fn a_scenario_file_that_is_not_utf8_is_reported_at_the_first_bad_byte() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write_bytes("scenarios/bad.toml", b"[scenario]\ntitle = \"caf\xe9\"\n")
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "scenarios/bad.toml", "not valid UTF-8");
    assert_at(d, "scenarios/bad.toml", 2, 13);
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[test]
fn a_scenario_without_title_is_an_error() {
    let doc = run_with_bad_scenario("[scenario]\nas_of = 2025-06-02\n");
    let d = diagnostic(&doc, "scenarios/bad.toml", "no `title`");
    // About the whole file: no line to point at.
    assert_eq!(
        (&d["line"], &d["column"]),
        (&Value::Null, &Value::Null),
        "{}",
        pretty(d)
    );
    assert_eq!(d["severity"], "error");
}

#[test]
fn two_scenarios_with_one_id_are_an_error() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario(
            "a",
            "[scenario]\ntitle = \"A\"\nid = \"same\"\nas_of = 2025-06-02\n",
        )
        .scenario(
            "b",
            "[scenario]\ntitle = \"B\"\nid = \"same\"\nas_of = 2025-06-02\n",
        );
    f.run(&["check"])
        .code(2)
        .stderr_has("scenario id `same` is also the id of scenarios/a.toml");
}

#[test]
fn a_missing_scenario_path_is_an_error_naming_it() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    f.run(&["run", "scenarios/nope.toml"])
        .code(2)
        .stderr_has("scenarios/nope.toml")
        .stderr_has("cannot read scenario path");
}

#[test]
fn an_invalid_as_of_flag_is_a_usage_error() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    f.run(&["run", "scenarios", "--as-of", "2025-02-30"])
        .code(2)
        .stderr_has("--as-of");
}

#[test]
fn an_expect_at_entry_with_only_a_date_is_an_error_not_a_silent_pass() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "at",
        &(TALKS.to_string() + "\n[[expect.at]]\ndate = 2025-06-01\n"),
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("this `[[expect.at]]` entry checks nothing")
        .stderr_has("scenarios/at.toml:20:1");
}

#[test]
fn a_duplicate_event_id_is_an_error_at_the_second_naming_the_first() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\n\n[[events]]\nid = \"a\"\nkind = \"talks\"\ndate = 2025-06-01\n\n[[events]]\nid = \"a\"\nkind = \"strike\"\ndate = 2025-06-02\n",
    );
    let d = diagnostic(&doc, "scenarios/bad.toml", "event id `a`");
    assert_at(d, "scenarios/bad.toml", 10, 6);
    assert_message(d, "line 4");
}

#[test]
fn an_unknown_time_zone_is_an_error_at_the_value_with_did_you_mean() {
    let doc = run_with_bad_scenario(
        "[scenario]\ntitle = \"t\"\ntimezone = \"Asia/Kolkatta\"\nas_of = 2025-06-02\n",
    );
    let d = diagnostic(
        &doc,
        "scenarios/bad.toml",
        "unknown time zone `Asia/Kolkatta`",
    );
    assert_at(d, "scenarios/bad.toml", 3, 12);
    assert_eq!(d["help"], "did you mean `Asia/Kolkata`?");
}
