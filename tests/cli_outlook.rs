//! `outlook`: looking ahead from a judgement date with no new events — the
//! shipped deadline cases tip on the dates their rules compute, errors stay
//! errors, and bad input is reported without losing the rest.

use crate::support::*;

/// The changes of the one scenario in an `outlook --format json` document.
fn changes(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["scenarios"][0]["changes"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no changes in\n{}", pretty(doc)))
}

fn change<'a>(cs: &'a [serde_json::Value], response: &str) -> &'a serde_json::Value {
    cs.iter()
        .find(|c| c["response"] == response)
        .unwrap_or_else(|| panic!("no change of {response} in {cs:?}"))
}

/// Zelenskiy's second trigger: the day after round 2 nothing fires, but
/// `stronger-sanctions` will on 2025-07-02 unless the exchange happens.
#[test]
fn the_prisoner_exchange_deadline_is_seen_from_the_day_after_round_2() {
    let f = shipped();
    let scenario = "scenarios/talks/exchange-not-carried-out.toml";
    let args = [
        "outlook",
        scenario,
        "--as-of",
        "2025-06-03",
        "--format",
        "json",
    ];
    let out = f.run(&args);
    out.code(0);
    let doc = out.json();
    assert_eq!(doc["format_version"], 1);
    let sc = &doc["scenarios"][0];
    assert_eq!(sc["as_of"], "2025-06-03");
    assert_eq!(sc["until"], "2025-09-01");
    let cs = changes(&doc);
    let c = change(&cs, "stronger-sanctions");
    assert_eq!(c["date"], "2025-07-02", "{}", pretty(c));
    assert_eq!(c["becomes"], "fires");
    assert_eq!(c["rule"], "talks/humanitarian-agenda");
    assert!(
        c["reason"]
            .as_str()
            .is_some_and(|r| r.contains("was not carried out by 2025-07-02")),
        "{}",
        pretty(c)
    );
    // Nearest first: nothing changes before the exchange's deadline.
    assert_eq!(cs[0]["date"], "2025-07-02", "{}", pretty(&doc));
    // Text leads with it, with the days left.
    let text = f.run(&["outlook", scenario, "--as-of", "2025-06-03"]);
    text.code(0);
    let first = text
        .stdout
        .lines()
        .find(|l| l.starts_with("  ") && l.contains(" on 20"))
        .unwrap_or_else(|| panic!("no change line\n{}", text.dump()));
    assert!(
        first.starts_with(
            "  stronger-sanctions fires on 2025-07-02 (in 29 days) — talks/humanitarian-agenda: "
        ),
        "{}",
        text.dump()
    );
    // A window that ends before the deadline sees nothing coming.
    f.run(&["outlook", scenario, "--as-of", "2025-06-03", "--days", "28"])
        .code(0)
        .stdout_has("no response changes status by 2025-07-01");
}

/// The US ultimatum judged on 2025-07-20: only the 50-day deadline is
/// known then, so `secondary-tariffs` fires the day after 2025-09-02; with
/// the file's later events (the amendment of 2025-07-28) it fires on
/// 2025-08-09, the scenario's own `first_fire`.
#[test]
fn the_ultimatum_tips_on_the_deadline_known_that_day_unless_later_events_are_kept() {
    let f = shipped();
    let scenario = "scenarios/us/ultimatum-2025.toml";
    let base = [
        "outlook",
        scenario,
        "--as-of",
        "2025-07-20",
        "--format",
        "json",
    ];
    let out = f.run(&base);
    out.code(0);
    let doc = out.json();
    assert_eq!(doc["scenarios"][0]["later_events_left_out"], 4);
    let cs = changes(&doc);
    let c = change(&cs, "secondary-tariffs");
    assert_eq!(c["date"], "2025-09-03", "{}", pretty(c));
    assert_eq!(c["rule"], "us/ultimatum");
    assert!(
        c["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no deal by 2025-09-02")),
        "{}",
        pretty(c)
    );
    let mut kept = base.to_vec();
    kept.push("--with-later-events");
    let out = f.run(&kept);
    out.code(0);
    let doc = out.json();
    assert_eq!(doc["scenarios"][0]["later_events_left_out"], 0);
    let cs = changes(&doc);
    assert_eq!(change(&cs, "secondary-tariffs")["date"], "2025-08-09");
    // The text says what was left out and how to keep it.
    f.run(&["outlook", scenario, "--as-of", "2025-07-20"])
        .code(0)
        .stdout_has("4 events dated after 2025-07-20 left out (--with-later-events keeps them)")
        .stdout_has("secondary-tariffs fires on 2025-09-03 (in 45 days) — us/ultimatum: ");
}

#[test]
fn markdown_is_a_table_per_scenario() {
    let f = shipped();
    let out = f.run(&[
        "outlook",
        "scenarios/talks/exchange-not-carried-out.toml",
        "scenarios/us/ultimatum-2025.toml",
        "--as-of",
        "2025-06-03",
        "--format",
        "markdown",
    ]);
    out.code(0)
        .stdout_has("| date | in | response | becomes | rule | reason |")
        .stdout_has("| 2025-07-02 | in 29 days | `stronger-sanctions` | fires | `talks/humanitarian-agenda` |");
    assert_eq!(
        out.stdout.matches("\n### `").count() + 1,
        2,
        "{}",
        out.dump()
    );
}

const FLAKY: &str = r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    if s.as_of >= date("2025-06-10") { throw "no source for after 2025-06-09"; }
    quiet("nothing yet")
}
"#;

const PLAIN: &str = "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n";

/// A rule that errors during the look-ahead is an error, never quiet:
/// shown as one, `becomes: "error"` in JSON, exit 2.
#[test]
fn a_rule_that_errors_in_the_window_is_an_error_with_exit_2() {
    let f = Fixture::new();
    f.rule("flaky", FLAKY).scenario("s", PLAIN);
    f.run(&["outlook", "scenarios/s.toml"])
        .code(2)
        .stdout_has("error: new-sanctions errors on 2025-06-10 (in 8 days) — flaky: ")
        .stdout_has("no source for after 2025-06-09");
    let out = f.run(&["outlook", "scenarios/s.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let c = change(&changes(&doc), "new-sanctions").clone();
    assert_eq!(c["becomes"], "error", "{}", pretty(&c));
    assert_eq!(c["rule"], "flaky");
}

/// A missing file and a broken scenario are reported; the good scenario
/// still gets its outlook.
#[test]
fn a_missing_file_and_a_broken_scenario_do_not_stop_the_others() {
    let f = Fixture::new();
    f.rule(
        "talks",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { s.count(\"talks\") > 0 }\n",
    )
    .scenario("good", PLAIN)
    .scenario("broken", "[scenario]\ntitle = \"t\"\nas_of = 2025-13-01\n");
    let out = f.run(&[
        "outlook",
        "scenarios/good.toml",
        "scenarios/broken.toml",
        "scenarios/missing.toml",
    ]);
    out.code(2)
        .stderr_has("scenarios/broken.toml:3:")
        .stderr_has("scenarios/missing.toml")
        .stdout_has("good — t (scenarios/good.toml)")
        .stdout_has("no response changes status by 2025-08-31");
    let json = f.run(&[
        "outlook",
        "scenarios/good.toml",
        "scenarios/broken.toml",
        "--format",
        "json",
    ]);
    json.code(2).diagnostics_have_codes();
    let doc = json.json();
    assert_eq!(doc["scenarios"].as_array().map(Vec::len), Some(1));
    assert!(
        diagnostic(&doc, "scenarios/broken.toml", "")["line"] == 3,
        "{}",
        pretty(&doc)
    );
}

/// `--days` is 1 to 3653: 0, too many or not a number is a usage error.
#[test]
fn days_out_of_range_is_a_usage_error() {
    let f = Fixture::new();
    f.scenario("s", PLAIN);
    for bad in ["0", "3654", "-1", "ninety"] {
        let arg = format!("--days={bad}");
        let out = f.run(&["outlook", "scenarios/s.toml", &arg]);
        out.code(2).stderr_has("--days");
        assert!(out.stdout.is_empty(), "{}", out.dump());
    }
    f.run(&["outlook", "scenarios/s.toml", "--days", "3653"])
        .code(0);
    f.run(&["outlook"]).code(2).stderr_has("SCENARIO");
}
