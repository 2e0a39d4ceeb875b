//! `diff`: outcomes under a base rule set (a folder or a git revision)
//! against the current rules.

use std::process::Command;

use crate::support::*;

fn threshold_rule(n: u32) -> String {
    format!(
        "const RESPONSE = \"new-sanctions\";\nconst MIN_DRONES = {n};\nfn fires(s) {{\n    let big = s.events(\"strike\").filter(|e| e.drones > MIN_DRONES);\n    if big.len() > 0 {{ `a strike with more than ${{MIN_DRONES}} drones` }} else {{ quiet(`no strike above ${{MIN_DRONES}} drones`) }}\n}}\n"
    )
}

fn strike(drones: u32) -> String {
    format!(
        "[scenario]\ntitle = \"Strike\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"strike\"\ndate = 2025-06-01\ndrones = {drones}\n"
    )
}

/// Current rules with a threshold of 300, base rules (in `base/`) with 100,
/// and scenarios on both sides of both thresholds.
fn fixture() -> Fixture {
    let f = Fixture::new();
    f.rule("drones", &threshold_rule(300))
        .rule(
            "summit",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) { false }\n",
        )
        .write("base/responses.toml", RESPONSES)
        .write("base/drones.rhai", &threshold_rule(100))
        .write(
            "base/summit.rhai",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) { false }\n",
        )
        .scenario("small", &strike(50))
        .scenario("middle", &strike(200))
        .scenario("large", &strike(400));
    f
}

#[test]
fn a_changed_threshold_lists_exactly_the_scenarios_that_flip() {
    let f = fixture();
    let out = f.run(&["diff", "--base", "base"]);
    out.code(0)
        .stdout_has("middle (scenarios/middle.toml)\n  - new-sanctions")
        .stdout_has("no longer fires")
        .stdout_has("base:    a strike with more than 100 drones")
        .stdout_has("current: no strike above 300 drones")
        .stdout_has("1 of 3 scenarios changed; 2 more changed only reasons");
    // `small` and `large` keep their verdicts; only the reason's number moved.
    let verdicts = out
        .stdout
        .split("reasons changed, verdicts the same")
        .next()
        .unwrap_or("");
    assert!(!verdicts.contains("small ("), "{}", out.dump());
    assert!(!verdicts.contains("large ("), "{}", out.dump());
}

#[test]
fn exit_code_flag_makes_a_change_exit_1() {
    let f = fixture();
    f.run(&["diff", "--base", "base", "--exit-code"]).code(1);
    f.run(&["diff", "--base", "rules", "--exit-code"])
        .code(0)
        .stdout_has("no outcome changes across 3 scenarios");
}

#[test]
fn diff_json_names_the_changed_scenarios_with_both_sides() {
    let f = fixture();
    let doc = f
        .run(&["diff", "--base", "base", "--format", "json"])
        .json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["summary"]["scenarios"], 3);
    assert_eq!(doc["summary"]["changed"], 1);
    assert_eq!(doc["summary"]["reasons_only"], 2);
    let changed: Vec<_> = doc["changed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdicts_changed"] == true)
        .collect();
    assert_eq!(changed.len(), 1, "{doc:#}");
    assert_eq!(changed[0]["id"], "middle");
    assert_eq!(changed[0]["responses"][0]["id"], "new-sanctions");
    assert_eq!(changed[0]["responses"][0]["base"], "fires");
    assert_eq!(changed[0]["responses"][0]["current"], "quiet");
    assert_eq!(changed[0]["rules"][0]["id"], "drones");
    assert_eq!(changed[0]["rules"][0]["base"]["status"], "fires");
}

#[test]
fn diff_markdown_is_a_table_per_scenario() {
    let f = fixture();
    f.run(&["diff", "--base", "base", "--format", "markdown"])
        .code(0)
        .stdout_has("| response | base | current |")
        .stdout_has("| - `new-sanctions` | fires | quiet |")
        .stdout_has("<details>");
}

#[test]
fn an_added_and_a_removed_rule_are_listed_as_such() {
    let f = fixture();
    f.write(
        "base/old.rhai",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) { quiet(\"never\") }\n",
    )
    .rule(
        "new",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) { \"always\" }\n",
    );
    f.run(&["diff", "--base", "base", "scenarios/small.toml"])
        .code(0)
        .stdout_has("+ stronger-sanctions")
        .stdout_has("~ rule new")
        .stdout_has("added")
        .stdout_has("~ rule old")
        .stdout_has("removed")
        .stdout_has("base:    (no such rule)");
}

#[test]
fn a_base_that_is_neither_a_folder_nor_a_revision_exits_2() {
    let f = fixture();
    f.run(&["diff", "--base", "no-such-thing"])
        .code(2)
        .stderr_has("`no-such-thing` is neither a folder nor a git revision");
}

#[test]
fn a_broken_current_rule_exits_2_but_a_broken_base_rule_does_not() {
    let f = fixture();
    f.write(
        "base/bad.rhai",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n",
    );
    f.run(&["diff", "--base", "base"])
        .code(0)
        .stderr_has("in the base rules (base):")
        .stderr_has("base/bad.rhai:2:15");
    f.rule(
        "bad",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n",
    );
    f.run(&["diff", "--base", "base"])
        .code(2)
        .stderr_has("rules/bad.rhai:2:15");
}

fn git(f: &Fixture, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(f.path())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", f.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_git_revision_is_read_without_touching_the_work_tree() {
    let f = fixture();
    // Commit the rules with the old threshold, then edit them in place.
    f.rule("drones", &threshold_rule(100));
    git(&f, &["init", "-q", "-b", "main"]);
    git(&f, &["add", "rules", "scenarios"]);
    git(&f, &["commit", "-q", "-m", "threshold 100"]);
    f.rule("drones", &threshold_rule(300));
    let before = std::fs::read_to_string(f.path().join("rules/drones.rhai")).unwrap();
    f.run(&["diff", "--base", "HEAD", "--exit-code"])
        .code(1)
        .stdout_has("middle (scenarios/middle.toml)")
        .stdout_has("1 of 3 scenarios changed");
    // A branch name is a revision too; without `--exit-code` a change
    // still exits 0.
    f.run(&["diff", "--base", "main", "--rules", "rules"])
        .code(0)
        .stdout_has("middle (scenarios/middle.toml)\n  - new-sanctions")
        .stdout_has("1 of 3 scenarios changed");
    let after = std::fs::read_to_string(f.path().join("rules/drones.rhai")).unwrap();
    assert_eq!(before, after, "diff changed the work tree");
    // The comparison with the same revision as the work tree is empty.
    git(&f, &["commit", "-q", "-am", "threshold 300"]);
    f.run(&["diff", "--base", "HEAD"])
        .code(0)
        .stdout_has("no outcome changes across 3 scenarios");
    // A revision where the rules folder did not exist is an error.
    f.run(&["diff", "--base", "HEAD~1", "--rules", "base"])
        .code(2)
        .stderr_has("does not exist at revision `HEAD~1`");
}

#[test]
fn a_base_folder_that_is_not_a_rules_folder_is_refused_with_a_hint() {
    let f = fixture();
    f.mkdir("empty");
    f.run(&["diff", "--base", "empty"])
        .code(2)
        .stderr_has("`empty` is not a rules folder: it has no responses.toml");
    f.write("checkout/rules/responses.toml", RESPONSES);
    f.run(&["diff", "--base", "checkout"])
        .code(2)
        .stderr_has("did you mean `checkout/rules`?");
}

#[test]
fn html_in_a_reason_is_escaped_in_markdown() {
    let f = fixture();
    f.write(
        "base/summit.rhai",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) { quiet(\"<!-- x --> </details> a & b\") }\n",
    );
    let out = f.run(&["diff", "--base", "base", "--format", "markdown"]);
    out.code(0)
        .stdout_has("&lt;!-- x --&gt; &lt;/details&gt; a &amp; b");
    assert!(!out.stdout.contains("<!--"), "{}", out.dump());
}

/// An ultimatum rule whose deadline is `days` days after the ultimatum.
fn deadline_rule(days: u32) -> String {
    format!(
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {{\n    let u = s.latest(\"ultimatum\");\n    if u == () {{ return quiet(\"no ultimatum\"); }}\n    let deadline = u.date + days({days});\n    if s.as_of > deadline {{ \"no deal by the deadline\" }} else {{ quiet(\"the deadline has not passed\") }}\n}}\n"
    )
}

const ULTIMATUM: &str = "[scenario]\ntitle = \"u\"\nas_of = 2025-03-31\n\n[[events]]\nkind = \"ultimatum\"\ndate = 2025-03-01\n";

/// Base rules (in `base/`) with a 3-day deadline and current rules with
/// `current` days; one scenario with no expectations, one with a
/// `first_fire`.
fn deadline_fixture(current: u32) -> Fixture {
    let f = Fixture::new();
    f.rule("deadline", &deadline_rule(current))
        .write("base/responses.toml", RESPONSES)
        .write("base/deadline.rhai", &deadline_rule(3))
        .scenario("plain", ULTIMATUM)
        .scenario(
            "expected",
            &format!("{ULTIMATUM}\n[expect.first_fire]\nstronger-sanctions = 2025-03-05\n"),
        );
    f
}

/// A deadline moved by one day changes no outcome at `as_of` — the
/// response fires there under both — but moves its first fire: reported
/// as a date change, exit 1 under `--exit-code`.
#[test]
fn a_deadline_moved_by_a_day_is_a_date_change() {
    let f = deadline_fixture(4);
    // By default only the scenario that expects a first-fire date is
    // replayed.
    let out = f.run(&["diff", "--base", "base"]);
    out.code(0)
        .stdout_has("dates moved (replayed day by day):")
        .stdout_has("expected (scenarios/expected.toml), 2025-03-01 to 2025-03-31")
        .stdout_has("  ~ stronger-sanctions: first fires 2025-03-05 → 2025-03-06")
        .stdout_has("no outcome changes across 2 scenarios; dates moved in 1 scenario")
        .stdout_lacks("plain (scenarios/plain.toml)");
    f.run(&["diff", "--base", "base", "--exit-code"]).code(1);
    // --over-time replays every scenario.
    let all = f.run(&["diff", "--base", "base", "--over-time", "--format", "json"]);
    all.code(0);
    let doc = all.json();
    let moved = doc["dates_moved"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = moved.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["expected", "plain"], "{}", pretty(&doc));
    let r = &moved[1]["responses"][0];
    assert_eq!(r["response"], "stronger-sanctions");
    assert_eq!(r["base_first_fire"], "2025-03-05");
    assert_eq!(r["current_first_fire"], "2025-03-06");
    assert_eq!(r["current"][0]["to"], serde_json::Value::Null);
    assert_eq!(doc["summary"]["dates_moved"], 2);
    assert_eq!(doc["changed"].as_array().map(Vec::len), Some(0));
    f.run(&["diff", "--base", "base", "--over-time", "--format", "markdown"])
        .code(0)
        .stdout_has("#### First-fire dates and periods moved")
        .stdout_has("| `plain` | `stronger-sanctions` | 2025-03-05 → 2025-03-06 | 2025-03-05 on | 2025-03-06 on |");
}

/// The same deadline on both sides moves nothing, and `--exit-code`
/// stays 0.
#[test]
fn the_same_deadline_moves_no_date() {
    let f = deadline_fixture(3);
    let out = f.run(&["diff", "--base", "base", "--over-time", "--exit-code"]);
    out.code(0)
        .stdout_has("no outcome changes across 2 scenarios\n")
        .stdout_lacks("dates moved");
    let doc = f
        .run(&["diff", "--base", "base", "--over-time", "--format", "json"])
        .json();
    assert_eq!(doc["dates_moved"], serde_json::json!([]));
}

/// A scenario too long to replay keeps its comparison at `as_of` and gets
/// a warning, not an error.
#[test]
fn a_scenario_too_long_to_replay_is_a_warning() {
    let f = deadline_fixture(4);
    f.scenario(
        "long",
        "[scenario]\ntitle = \"l\"\nas_of = 2045-01-01\n\n[[events]]\nkind = \"ultimatum\"\ndate = 2025-03-01\n",
    );
    f.run(&[
        "diff",
        "--base",
        "base",
        "--over-time",
        "scenarios/long.toml",
    ])
    .code(0)
    .stderr_has("scenarios/long.toml")
    .stderr_has("dates not compared: replaying 2025-03-01 to 2045-01-01")
    .stdout_has("no outcome changes across 1 scenario");
}
