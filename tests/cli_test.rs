//! `test`: expectations checked like `cargo test`.

use crate::support::*;

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE)
        .rule(
            "summit",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    if s.count(\"summit-proposal\") > 0 { true } else { quiet(\"no summit offered\") }\n}\n",
        )
        .rule(
            "escalation",
            "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    s.events(\"strike\").some(|e| e.drones > 300)\n}\n",
        );
    f
}

const PASSING: &str = r#"[scenario]
title = "Passing"
as_of = 2025-06-02

[[events]]
kind = "strike"
date = 2025-06-01
drones = 250

[[events]]
kind = "summit-proposal"
date = 2025-06-05

[[events]]
kind = "strike"
date = 2025-06-07
drones = 400

[expect]
fires = ["new-sanctions"]
not_fires = ["leaders-summit", "stronger-sanctions"]
exactly = ["new-sanctions"]

[expect.rules]
fire = ["talks/no-result"]
quiet = ["summit"]

[[expect.at]]
date = 2025-06-05
exactly = ["leaders-summit", "new-sanctions"]

[[expect.at]]
date = 2025-06-07
fires = ["stronger-sanctions"]
"#;

#[test]
fn test_with_every_expectation_holding_exits_0() {
    let f = fixture();
    f.scenario("passing", PASSING);
    f.run(&["test"])
        .code(0)
        .stdout_has("test passing ... ok")
        .stdout_has("1 passed, 0 failed");
}

#[test]
fn test_on_a_wrong_expectation_exits_1_and_prints_expected_vs_actual() {
    let f = fixture();
    f.scenario(
        "wrong",
        "[scenario]\ntitle = \"Wrong\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n\n[expect]\nfires = [\"leaders-summit\"]\n",
    );
    f.run(&["test"])
        .code(1)
        .stdout_has("test wrong ... FAILED")
        .stdout_has("---- wrong (scenarios/wrong.toml) ----")
        .stdout_has("scenarios/wrong.toml:10: `fires` as of 2025-06-02")
        .stdout_has("expected: `leaders-summit` fires")
        .stdout_has("actual:   `leaders-summit` does not fire")
        // The quiet reason explains the failure.
        .stdout_has("rule summit quiet: no summit offered")
        .stdout_lacks("has no rules")
        .stdout_has("0 passed, 1 failed");
    // A response without rules says so instead.
    f.scenario(
        "ruleless",
        "[scenario]\ntitle = \"No rules\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"sanctions-relief\"]\n",
    );
    f.run(&["test", "scenarios/ruleless.toml"])
        .code(1)
        .stdout_has("actual:   `sanctions-relief` does not fire")
        .stdout_has("    `sanctions-relief` has no rules\n");
}

#[test]
fn test_closing_line_counts_passed_and_failed() {
    let f = fixture();
    f.scenario("a-passing", PASSING)
        .scenario("b-passing", PASSING)
        .scenario(
            "c-failing",
            "[scenario]\ntitle = \"Failing\"\nas_of = 2025-06-02\n\n[expect]\nexactly = []\n",
        );
    let out = f.run(&["test"]);
    out.code(1)
        .stdout_has("test a-passing ... ok")
        .stdout_has("test c-failing ... FAILED")
        .stdout_has("expected: exactly []")
        .stdout_has("actual:   [new-sanctions]");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, "2 passed, 1 failed", "{}", out.dump());
}

#[test]
fn a_failing_expectation_at_another_date_is_reported_with_that_date() {
    let f = fixture();
    f.scenario(
        "at",
        "[scenario]\ntitle = \"At\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-06-05\n\n[[expect.at]]\ndate = 2025-06-05\nnot_fires = [\"leaders-summit\"]\n",
    );
    f.run(&["test"])
        .code(1)
        .stdout_has("scenarios/at.toml:11: `not_fires` as of 2025-06-05")
        .stdout_has("actual:   `leaders-summit` fires");
}

#[test]
fn first_fire_is_checked_by_replay() {
    let f = fixture();
    f.scenario(
        "first",
        "[scenario]\ntitle = \"First\"\nas_of = 2025-06-10\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-06-04\n\n[expect.first_fire]\nleaders-summit = 2025-06-04\nnew-sanctions = 2025-06-02\n",
    );
    f.run(&["test"])
        .code(1)
        .stdout_has("expected: `new-sanctions` first fires on 2025-06-02")
        .stdout_has("actual:   `new-sanctions` first fires on 2025-06-01")
        .stdout_lacks("`leaders-summit` first fires on");
}

#[test]
fn an_expectation_on_a_response_whose_rule_errored_makes_test_exit_2_and_say_error() {
    let f = fixture();
    f.rule(
        "relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    s.latest(\"talks\").outcome.ceasefire\n}\n",
    );
    f.scenario(
        "errored",
        "[scenario]\ntitle = \"Errored\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n\n[expect]\nnot_fires = [\"sanctions-relief\"]\n",
    );
    f.run(&["test"])
        .code(2)
        .stdout_has("test errored ... ERROR")
        .stdout_has("actual:   `sanctions-relief` errored")
        .stdout_has("rules/relief.rhai:3:22")
        .stdout_has("no field `outcome`")
        .stdout_has("0 passed, 0 failed, 1 error");
}

#[test]
fn an_exactly_expectation_with_an_errored_response_is_an_error_not_a_pass() {
    let f = fixture();
    f.rule(
        "relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    throw \"broken\";\n}\n",
    );
    f.scenario(
        "exact",
        "[scenario]\ntitle = \"Exact\"\nas_of = 2025-06-02\n\n[expect]\nexactly = [\"new-sanctions\"]\n",
    );
    f.run(&["test"])
        .code(2)
        .stdout_has("test exact ... ERROR")
        .stdout_has("errored: [sanctions-relief]");
}

#[test]
fn a_scenario_without_expectations_is_neither_passed_nor_failed() {
    let f = fixture();
    f.scenario("plain", TALKS);
    f.run(&["test"])
        .code(0)
        .stdout_has("test plain ... no expectations")
        .stdout_has("0 passed, 0 failed, 1 without expectations");
}

#[test]
fn an_unknown_rule_in_expect_rules_is_an_error_with_did_you_mean() {
    let f = fixture();
    f.scenario(
        "rules",
        "[scenario]\ntitle = \"Rules\"\nas_of = 2025-06-02\n\n[expect.rules]\nfire = [\"talks/no-results\"]\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("unknown rule `talks/no-results`")
        .stderr_has("scenarios/rules.toml:6:9")
        .stderr_has("did you mean `talks/no-result`?");
}

#[test]
fn test_json_has_a_summary() {
    let f = fixture();
    f.scenario("a", PASSING).scenario(
        "b",
        "[scenario]\ntitle = \"B\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"leaders-summit\"]\n",
    );
    let out = f.run(&["test", "--format", "json"]);
    let doc = out.code(1).json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"passed": 1, "failed": 1, "errors": 0, "no_expectations": 0, "filtered_out": 0})
    );
}

#[test]
fn test_reports_a_duplicate_scenario_id_in_text_and_json() {
    let f = fixture();
    let same = PASSING.replace("[scenario]\n", "[scenario]\nid = \"same\"\n");
    f.scenario("a", &same).scenario("b", &same);
    let doc = f.run(&["test", "--format", "json"]).code(2).json();
    let messages: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc:#}"))
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert_eq!(
        messages,
        ["scenario id `same` is also the id of scenarios/a.toml"],
        "{doc:#}"
    );
    // And on standard error, as text, once.
    let out = f.run(&["test"]);
    let told = out.code(2).stderr.matches("is also the id of").count();
    assert_eq!(told, 1, "{}", out.dump());
}

#[test]
fn test_takes_a_single_file() {
    let f = fixture();
    f.scenario("a", PASSING).scenario(
        "b",
        "[scenario]\ntitle = \"B\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"leaders-summit\"]\n",
    );
    f.run(&["test", "scenarios/a.toml"])
        .code(0)
        .stdout_has("1 passed, 0 failed")
        .stdout_lacks("test b");
}

/// A JUnit testcase: name, classname, its child element if any, and that
/// element's `message`.
pub(crate) type Case = (String, String, Option<String>, Option<String>);

/// The JUnit report parsed as XML: (tests, failures, errors, skipped) of the
/// one testsuite, and its testcases.
pub(crate) fn junit(xml: &str) -> ((usize, usize, usize, usize), Vec<Case>) {
    let doc = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("JUnit output is not XML: {e}\n{xml}"));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "one testsuite\n{xml}");
    let count = |a: &str| -> usize {
        suites[0]
            .attribute(a)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("testsuite lacks {a}\n{xml}"))
    };
    let cases = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|c| {
            let child = c.children().find(|n| n.is_element());
            (
                c.attribute("name").unwrap_or_default().to_string(),
                c.attribute("classname").unwrap_or_default().to_string(),
                child.map(|n| n.tag_name().name().to_string()),
                child.and_then(|n| n.attribute("message").map(str::to_string)),
            )
        })
        .collect();
    (
        (
            count("tests"),
            count("failures"),
            count("errors"),
            count("skipped"),
        ),
        cases,
    )
}

#[test]
fn junit_has_one_testcase_per_scenario_with_failures_errors_and_skips() {
    let f = fixture();
    f.rule(
        "broken",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) { s.count(\"oops\") > 0 && s.latest(\"oops\").nope }\n",
    );
    f.scenario("passing", PASSING)
        .scenario(
            "wrong",
            &(TALKS.to_string() + "\n[expect]\nfires = [\"leaders-summit\"]\n"),
        )
        .scenario(
            "errored",
            &(TALKS.replace(
                "[[events]]\nid = \"round-2\"",
                "[[events]]\nkind = \"oops\"\ndate = 2025-06-01\n\n[[events]]\nid = \"round-2\"",
            ) + "\n[expect]\nnot_fires = [\"sanctions-relief\"]\n"),
        )
        .scenario("silent", TALKS);
    let out = f.run(&["test", "--format", "junit"]);
    out.code(2);
    let ((tests, failures, errors, skipped), cases) = junit(&out.stdout);
    assert_eq!(
        (tests, failures, errors, skipped),
        (4, 1, 1, 1),
        "{}",
        out.stdout
    );
    let by_name = |n: &str| {
        cases
            .iter()
            .find(|c| c.0 == n)
            .unwrap_or_else(|| panic!("no testcase {n}\n{}", out.stdout))
    };
    assert_eq!(by_name("passing").2, None);
    assert_eq!(by_name("passing").1, "scenarios/passing");
    assert_eq!(by_name("wrong").2.as_deref(), Some("failure"));
    assert_eq!(by_name("errored").2.as_deref(), Some("error"));
    assert_eq!(by_name("silent").2.as_deref(), Some("skipped"));
    // The failure carries the same expected-vs-actual text as the terminal.
    out.stdout_has("expected `leaders-summit` fires, actual `leaders-summit` does not fire")
        .stdout_has("scenarios/wrong.toml:21: `fires` as of 2025-06-02")
        // With each rule's verdict and reason, from the failed result's
        // outcome (kept for failures, dropped for the rest).
        .stdout_has("rule summit quiet: no summit offered");
}

#[test]
fn junit_output_is_identical_between_runs() {
    let f = fixture();
    f.scenario("passing", PASSING);
    let a = f.run(&["test", "--format", "junit"]);
    let b = f.run(&["test", "--format", "junit", "-j", "1"]);
    a.code(0);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn junit_has_an_error_testcase_per_erroring_diagnostic_so_counts_match_exit_2() {
    let f = fixture();
    f.rule(
        "broken",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    let = ;\n}\n",
    );
    let dup = "[scenario]\nid = \"same\"\ntitle = \"Dup\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"new-sanctions\"]\n";
    f.scenario("a", dup).scenario("b", dup);
    let out = f.run(&[
        "test",
        "--format",
        "junit",
        "scenarios",
        "scenarios/missing.toml",
    ]);
    out.code(2);
    let ((tests, failures, errors, _), cases) = junit(&out.stdout);
    let tool: Vec<&Case> = cases
        .iter()
        .filter(|c| c.1 == "sanctions-trigger")
        .collect();
    let named = |n: &str| {
        tool.iter()
            .find(|c| c.0 == n)
            .unwrap_or_else(|| panic!("no diagnostic testcase {n}\n{}", out.dump()))
    };
    let rule = named("rules/broken.rhai");
    assert_eq!(rule.2.as_deref(), Some("error"), "{}", out.dump());
    let missing = named("scenarios/missing.toml");
    assert!(
        missing
            .3
            .as_deref()
            .is_some_and(|m| m.contains("cannot read scenario path")),
        "{}",
        out.dump()
    );
    let dup = named("scenarios/b.toml");
    assert!(
        dup.3
            .as_deref()
            .is_some_and(|m| m.contains("scenario id `same`")),
        "{}",
        out.dump()
    );
    assert_eq!(tool.len(), 3, "{}", out.dump());
    // Both scenarios pass; the three diagnostics are the errors.
    assert_eq!((tests, failures, errors), (5, 0, 3), "{}", out.dump());
    // The description is the rendered diagnostic, with its source line.
    out.stdout_has("let = ;");
    // Deterministic, like the rest of the report.
    let again = f.run(&[
        "test",
        "--format",
        "junit",
        "scenarios",
        "scenarios/missing.toml",
        "-j",
        "1",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn junit_ends_with_a_single_newline() {
    let f = fixture();
    f.scenario("passing", PASSING);
    let out = f.run(&["test", "--format", "junit"]);
    out.code(0);
    assert!(out.stdout.ends_with("</testsuites>\n"), "{:?}", out.stdout);
}

#[test]
fn quiet_output_does_not_open_with_a_blank_line() {
    let f = fixture();
    f.scenario("passing", PASSING);
    let out = f.run(&["test", "-q"]);
    out.code(0);
    assert_eq!(out.stdout, "1 passed, 0 failed\n", "{}", out.dump());
    // With a failure: its line, the details, then the summary.
    f.scenario(
        "wrong",
        "[scenario]\ntitle = \"Wrong\"\nas_of = 2025-06-02\n\n[expect]\nfires = [\"leaders-summit\"]\n",
    );
    let out = f.run(&["test", "-q"]);
    out.code(1);
    assert!(
        out.stdout
            .starts_with("test wrong ... FAILED\n\n---- wrong"),
        "{}",
        out.dump()
    );
    assert!(
        out.stdout.ends_with("\n\n1 passed, 1 failed\n"),
        "{}",
        out.dump()
    );
}

#[test]
fn filter_counts_the_scenarios_it_leaves_out() {
    let f = fixture();
    f.scenario("alpha", PASSING)
        .scenario("beta", PASSING)
        .scenario("gamma", PASSING);
    let out = f.run(&["test", "--filter", "alpha"]);
    out.code(0)
        .stdout_has("test alpha ... ok")
        .stdout_lacks("test beta");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, "1 passed, 0 failed, 2 filtered out", "{}", out.dump());
    assert!(!out.stderr.contains("matched none"), "{}", out.dump());
    // Nothing filtered: the closing line is as before.
    let all = f.run(&["test"]);
    assert_eq!(
        all.stdout.lines().last().unwrap_or_default(),
        "3 passed, 0 failed",
        "{}",
        all.dump()
    );
    let doc = f
        .run(&["test", "--filter", "alpha", "--format", "json"])
        .json();
    assert_eq!(doc["summary"]["filtered_out"], 2, "{doc:#}");
    assert_eq!(doc["summary"]["passed"], 1, "{doc:#}");
}

#[test]
fn a_filter_that_matches_nothing_warns_but_exits_0() {
    let f = fixture();
    f.scenario("alpha", PASSING).scenario("beta", PASSING);
    let out = f.run(&["test", "--filter", "zzz"]);
    out.code(0)
        .stderr_has("warning: --filter `zzz` matched none of 2 scenarios");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, "0 passed, 0 failed, 2 filtered out", "{}", out.dump());
    // Also with a machine-readable format, on stderr only.
    let json = f.run(&["test", "--filter", "zzz", "--format", "json"]);
    json.code(0)
        .stderr_has("matched none of 2 scenarios")
        .stdout_lacks("matched none");
    assert_eq!(json.json()["summary"]["filtered_out"], 2);
}

#[test]
fn a_first_fire_date_after_as_of_is_an_error_at_the_expectation_naming_the_window() {
    let f = fixture();
    f.scenario(
        "late",
        "[scenario]\ntitle = \"Late\"\nas_of = 2025-06-10\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-06-04\n\n[expect.first_fire]\nleaders-summit = 2025-06-20\n",
    );
    let out = f.run(&["test"]);
    out.code(2)
        .stdout_has("scenarios/late.toml:10:1")
        .stdout_has("`first_fire` date 2025-06-20 is after the scenario's `as_of` 2025-06-10");
    f.run(&["check"])
        .code(2)
        .stderr_has("scenarios/late.toml:10:1")
        .stderr_has("the replay stops at `as_of`");
}

#[test]
fn a_first_fire_failure_is_reported_as_of_the_replays_window() {
    let f = fixture();
    f.scenario(
        "first",
        "[scenario]\ntitle = \"First\"\nas_of = 2025-06-10\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-06-04\n\n[expect.first_fire]\nleaders-summit = 2025-06-06\nstronger-sanctions = 2025-06-05\n",
    );
    let out = f.run(&["test"]);
    out.code(1)
        .stdout_has("scenarios/first.toml:14: `first_fire` as of 2025-06-10")
        .stdout_has("scenarios/first.toml:15: `first_fire` as of 2025-06-10")
        .stdout_has("actual:   `leaders-summit` first fires on 2025-06-04")
        .stdout_has("actual:   `stronger-sanctions` does not fire from 2025-06-01 to 2025-06-10");
    assert!(!out.stdout.contains("as of 2025-06-04"), "{}", out.dump());
}

/// A scenario with one strike at `when`, `head` added under `[scenario]`,
/// and `expect`; judged by a rule that fires from the first strike on.
fn zoned(head: &str, when: &str, expect: &str) -> Fixture {
    let f = Fixture::new();
    f.rule(
        "strike",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    s.count(\"strike\") > 0\n}\n",
    );
    f.scenario(
        "z",
        &format!(
            "[scenario]\ntitle = \"Z\"\n{head}\n[[events]]\nkind = \"strike\"\ndate = {when}\n\n{expect}"
        ),
    );
    f
}

#[track_caller]
fn as_of(f: &Fixture) -> String {
    let doc = f
        .run(&["run", "scenarios", "--format", "json"])
        .code(0)
        .json();
    scenario(&doc, "z")["as_of"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const IST: &str = "timezone = \"Asia/Kolkata\"";

#[test]
fn an_offset_date_time_counts_as_its_day_in_the_scenario_time_zone() {
    let ist = "2025-05-07T01:05:00+05:30";
    assert_eq!(as_of(&zoned(IST, ist, "")), "2025-05-07");
    assert_eq!(as_of(&zoned("", ist, "")), "2025-05-06");
    let edt = "2025-09-27T20:00:00-04:00";
    let new_york = "timezone = \"America/New_York\"";
    assert_eq!(as_of(&zoned(new_york, edt, "")), "2025-09-27");
    assert_eq!(as_of(&zoned("", edt, "")), "2025-09-28");
    // `as_of` follows the zone too.
    let late = "timezone = \"America/New_York\"\nas_of = 2025-09-27T22:00:00-04:00";
    assert_eq!(
        as_of(&zoned(late, "2025-09-27T12:00:00-04:00", "")),
        "2025-09-27"
    );
}

/// Two scenarios that expect `stronger-sanctions`, whose one rule reads a
/// misspelt response and so does not load.
fn broken_rule_fixture() -> Fixture {
    let f = fixture();
    f.rule(
        "escalation",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    fired(\"new-sanctons\")\n}\n",
    );
    for id in ["one", "two"] {
        f.scenario(
            id,
            "[scenario]\ntitle = \"T\"\nas_of = 2025-06-02\n\n[expect]\nnot_fires = [\"stronger-sanctions\"]\nexactly = [\"new-sanctions\"]\n\n[expect.rules]\nquiet = [\"escalation\"]\n",
        );
    }
    f
}

#[test]
fn a_rule_that_did_not_load_is_reported_once_and_scenarios_say_not_judged() {
    let f = broken_rule_fixture();
    let out = f.run(&["test"]);
    out.code(2)
        .stderr_has("help: did you mean `new-sanctions`?")
        .stdout_has("test one ... not judged: rule `escalation` did not load")
        .stdout_has("test two ... not judged: rule `escalation` did not load")
        .stdout_has("0 passed, 0 failed, 2 errors");
    let all = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(
        all.matches("names an unknown response").count(),
        1,
        "the load error is told once\n{}",
        out.dump()
    );
    // Nothing else to say about these scenarios: no details blocks.
    out.stdout_lacks("----").stdout_lacks("expected:");
    assert!(out.stdout.lines().count() <= 6, "{}", out.dump());
}

#[test]
fn an_errored_rule_is_listed_once_under_an_exactly_failure() {
    let f = fixture();
    f.rule(
        "relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    throw \"broken\";\n}\n",
    );
    f.scenario(
        "exact",
        "[scenario]\ntitle = \"Exact\"\nas_of = 2025-06-02\n\n[expect]\nexactly = [\"new-sanctions\", \"sanctions-relief\"]\n",
    );
    let out = f.run(&["test"]);
    out.code(2).stdout_has("rule relief error");
    assert_eq!(
        out.stdout.matches("rule relief error").count(),
        1,
        "{}",
        out.dump()
    );
}

#[test]
fn first_fire_and_expect_at_follow_the_scenario_time_zone() {
    let expect = "[expect.first_fire]\nnew-sanctions = 2025-05-07\n\n[[expect.at]]\ndate = 2025-05-06T23:00:00+05:30\nnot_fires = [\"new-sanctions\"]\n\n[[expect.at]]\ndate = 2025-05-07T00:30:00+05:30\nfires = [\"new-sanctions\"]\n";
    let when = "2025-05-07T01:05:00+05:30";
    zoned(&format!("{IST}\nas_of = 2025-05-10"), when, expect)
        .run(&["test"])
        .code(0)
        .stdout_has("test z ... ok");
    // In UTC days the strike is on 2025-05-06, and so is the second check.
    zoned("as_of = 2025-05-10", when, expect)
        .run(&["test"])
        .code(1)
        .stdout_has("actual:   `new-sanctions` first fires on 2025-05-06");
}

#[test]
fn summary_counts_are_in_the_singular_for_one() {
    let f = fixture();
    f.rule(
        "relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    throw \"broken\";\n}\n",
    );
    f.scenario(
        "exact",
        "[scenario]\ntitle = \"Exact\"\nas_of = 2025-06-02\n\n[expect]\nexactly = [\"new-sanctions\"]\n",
    );
    f.run(&["test"])
        .code(2)
        .stdout_has("0 passed, 0 failed, 1 error\n")
        .stdout_lacks("1 errors");
}

#[test]
fn a_missing_rules_folder_is_reported_in_test_json_and_junit() {
    let f = fixture();
    f.scenario("passing", PASSING);
    let out = f.run(&["--rules", "nope", "test", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["results"], serde_json::json!([]), "{}", out.dump());
    let diags = doc["diagnostics"].as_array().cloned().unwrap_or_default();
    assert_eq!(diags.len(), 1, "{}", out.dump());
    assert_eq!(diags[0]["file"], "nope", "{}", out.dump());
    assert_eq!(diags[0]["severity"], "error", "{}", out.dump());
    assert_eq!(doc["summary"]["passed"], 0, "nothing ran\n{}", out.dump());

    let out = f.run(&["--rules", "nope", "test", "--format", "junit"]);
    out.code(2);
    let ((tests, failures, errors, _), cases) = junit(&out.stdout);
    assert_eq!((tests, failures, errors), (1, 0, 1), "{}", out.dump());
    assert_eq!(cases[0].0, "nope", "{}", out.dump());
    assert_eq!(cases[0].2.as_deref(), Some("error"), "{}", out.dump());
}

#[test]
fn an_exactly_failure_is_still_shown_for_subjects_no_unloaded_rule_blocks() {
    let f = broken_rule_fixture();
    // `leaders-summit` fires from the healthy `summit` rule but is left out
    // of `exactly`: a real failure, whatever the broken `escalation` says.
    f.scenario(
        "gap",
        "[scenario]\ntitle = \"Gap\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-06-01\n\n[expect]\nexactly = [\"new-sanctions\"]\n",
    );
    let out = f.run(&["test"]);
    out.code(2)
        .stdout_has("test gap ... FAILED")
        .stdout_has("test one ... not judged: rule `escalation` did not load")
        .stdout_has("---- gap (scenarios/gap.toml) ----")
        .stdout_has("`exactly` as of 2025-06-02")
        .stdout_has("    expected: exactly [new-sanctions]")
        .stdout_has("rule summit fires")
        .stdout_has("0 passed, 1 failed, 2 errors");
    let gap = out
        .stdout
        .split("---- gap")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(gap.contains("leaders-summit"), "{}", out.dump());
    assert!(
        !gap.contains("rule escalation"),
        "the unloaded rule is not listed as if judged\n{}",
        out.dump()
    );
    let json = f.run(&["test", "--format", "json"]);
    let doc = json.json();
    let status = doc["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["id"] == "gap"))
        .map(|r| r["status"].clone());
    assert_eq!(status, Some(serde_json::json!("failed")), "{}", json.dump());
}

/// A scenario whose only expectations are `[expect.rules]` entries.
fn rules_only(title: &str, entries: &str) -> String {
    format!("[scenario]\ntitle = \"{title}\"\nas_of = 2025-06-02\n\n[expect.rules]\n{entries}\n")
}

#[test]
fn a_rule_expected_quiet_that_fires_fails_the_test_on_its_own() {
    let f = fixture();
    f.scenario(
        "quiet",
        &rules_only("Quiet", "quiet = [\"talks/no-result\"]"),
    );
    let out = f.run(&["test"]);
    out.code(1)
        .stdout_has("test quiet ... FAILED")
        .stdout_has("scenarios/quiet.toml:6: `rules.quiet` as of 2025-06-02")
        .stdout_has("expected: rule `talks/no-result` is quiet")
        .stdout_has("actual:   rule `talks/no-result` fires");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert_eq!(last, "0 passed, 1 failed", "{}", out.dump());
}

#[test]
fn a_rule_expected_to_fire_that_is_quiet_fails_the_test_on_its_own() {
    let f = fixture();
    f.scenario("fire", &rules_only("Fire", "fire = [\"summit\"]"));
    let out = f.run(&["test", "--format", "json"]);
    out.code(1);
    let doc = out.json();
    let t = &doc["results"][0];
    assert_eq!(t["status"], "failed", "{}", pretty(t));
    let fails = t["failures"].as_array().cloned().unwrap_or_default();
    assert_eq!(fails.len(), 1, "{}", pretty(t));
    assert_eq!(fails[0]["expectation"], "rules.fire");
    assert_eq!(fails[0]["line"], 6);
    assert_eq!(fails[0]["expected"], "rule `summit` fires");
    assert_eq!(fails[0]["actual"], "rule `summit` is quiet");
    // The right entries pass.
    f.scenario(
        "fire",
        &rules_only(
            "Fire",
            "fire = [\"talks/no-result\"]\nquiet = [\"summit\", \"escalation\"]",
        ),
    );
    f.run(&["test"]).code(0).stdout_has("1 passed, 0 failed");
}

#[test]
fn a_response_erroring_during_the_first_fire_replay_is_an_error_not_does_not_fire() {
    let f = fixture();
    // Quiet before 2025-06-03, an error on that day, fires after it.
    f.rule(
        "flaky",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    if s.as_of == date(\"2025-06-03\") { throw \"no data that day\"; }\n    s.as_of > date(\"2025-06-03\")\n}\n",
    );
    f.scenario(
        "replay",
        "[scenario]\ntitle = \"Replay\"\nas_of = 2025-06-05\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n\n[expect.first_fire]\nsanctions-relief = 2025-06-04\n",
    );
    f.run(&["test"])
        .code(2)
        .stdout_has("test replay ... ERROR")
        .stdout_has("scenarios/replay.toml:10: `first_fire` as of 2025-06-05")
        .stdout_has("expected: `sanctions-relief` first fires on 2025-06-04")
        .stdout_has("actual:   `sanctions-relief` errored on 2025-06-03")
        .stdout_has("0 passed, 0 failed, 1 error");
}
