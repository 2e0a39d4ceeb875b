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
