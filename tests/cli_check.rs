//! `check --format json` and `--format github` on a broken library: the
//! exact fields, the workflow commands and their escaping; and the codes
//! documented in docs/reference.md are exactly `Code::ALL`.

use serde_json::{Value, json};

use crate::support::*;

/// A library with a rule that names an unknown response, a scenario with
/// an unknown key, and a response no rule fires (a warning).
fn broken() -> Fixture {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    f.rule(
        "bad",
        "const RESPONSE = \"leaders-sumit\";\nfn fires(s) {\n    true\n}\n",
    );
    f.scenario("talks", &TALKS.replace("as_of =", "as_off ="));
    f
}

#[test]
fn check_json_lists_every_diagnostic_with_code_and_rendering_then_the_counts() {
    let f = broken();
    let o = f.run(&["check", "--format", "json"]);
    o.code(2);
    assert_eq!(o.stderr, "", "JSON output keeps stderr empty\n{}", o.dump());
    let doc = o.json();
    let ds = doc["diagnostics"].as_array().cloned().unwrap_or_default();
    let rule = ds
        .iter()
        .find(|d| d["code"] == "unknown-response")
        .unwrap_or_else(|| panic!("no unknown-response in\n{}", pretty(&doc)));
    let rendered = rule["rendered"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        rule,
        &json!({
            "severity": "error",
            "code": "unknown-response",
            "file": "rules/bad.rhai",
            "line": 1,
            "column": 18,
            "message": "unknown response `leaders-sumit`",
            "help": "did you mean `leaders-summit`?",
            "rendered": rendered,
        })
    );
    assert!(
        rendered.starts_with("error: unknown response `leaders-sumit`\n --> rules/bad.rhai:1:18")
            && rendered.contains("help: did you mean `leaders-summit`?")
            && !rendered.contains('\u{1b}'),
        "{rendered}"
    );
    let key = ds
        .iter()
        .find(|d| d["code"] == "unknown-key")
        .unwrap_or_else(|| panic!("no unknown-key in\n{}", pretty(&doc)));
    assert_at(key, "scenarios/talks.toml", 3, 1);
    assert_eq!(key["help"], "did you mean `as_of`?");
    let unused: Vec<&Value> = ds
        .iter()
        .filter(|d| d["code"] == "unused-response")
        .collect();
    assert!(
        !unused.is_empty() && unused.iter().all(|d| d["severity"] == "warning"),
        "{}",
        pretty(&doc)
    );
    let errors = ds.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(
        doc["summary"],
        json!({
            "rules": 2,
            "helpers": 0,
            "responses": 4,
            "scenarios": 1,
            "errors": errors,
            "warnings": ds.len() - errors,
        })
    );
    assert_eq!(doc["format_version"], 1);
    assert!(doc.get("native").is_none(), "{}", pretty(&doc));
}

#[test]
fn check_json_with_native_includes_the_native_report() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    let o = f.run(&["check", "--format", "json", "--native"]);
    o.code(0);
    let doc = o.json();
    assert_eq!(doc["native"]["enabled"], true, "{}", pretty(&doc));
    assert_eq!(doc["native"]["rules"], 1);
    assert_eq!(doc["native"]["native"], 1);
    assert_eq!(doc["native"]["in_rhai"], json!([]));
    let o = f.run(&["--engine", "rhai", "check", "--format", "json", "--native"]);
    assert_eq!(o.json()["native"]["enabled"], false);
}

#[test]
fn check_github_prints_one_workflow_command_per_diagnostic_then_the_summary() {
    let f = broken();
    let o = f.run(&["check", "--format", "github"]);
    o.code(2);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert!(
        lines.contains(
            &"::error file=rules/bad.rhai,line=1,col=18,title=unknown-response::unknown response `leaders-sumit`%0Ahelp: did you mean `leaders-summit`?"
        ),
        "{}",
        o.dump()
    );
    assert!(
        lines.contains(
            &"::error file=scenarios/talks.toml,line=3,col=1,title=unknown-key::unknown key in `[scenario]`: `as_off`%0Ahelp: did you mean `as_of`?"
        ),
        "{}",
        o.dump()
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "::warning file=rules/responses.toml,line=11,col=2,title=unused-response::no rule fires `leaders-summit`"
        )),
        "{}",
        o.dump()
    );
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with("checked 2 rules, 0 helpers, 4 responses, 1 scenario: "),
        "{last}"
    );
    assert!(
        lines[..lines.len() - 1].iter().all(|l| l.starts_with("::")),
        "{}",
        o.dump()
    );
    // Exit codes as in text.
    f.run(&["check"]).code(2);
}

#[test]
fn check_github_escapes_paths_and_messages() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    // A folder named with `,` `:` and `%`; a message quoting a key with
    // `%` and a newline (a quoted TOML key may hold both).
    f.scenario(
        "a,b:c%d/x",
        "[scenario]\ntitle = \"X\"\nas_of = 2025-06-02\n\"100%\\nsure\" = 1\n",
    );
    let o = f.run(&["check", "--format", "github"]);
    o.code(2);
    assert!(
        o.stdout.lines().any(|l| l
            == "::error file=scenarios/a%2Cb%3Ac%25d/x.toml,line=4,col=1,title=unknown-key::unknown key in `[scenario]`: `100%25%0Asure`%0Ahelp: known keys: `title`, `id`, `as_of`, `description`, `sources`, `tags`, `extends`, `meta`, `timezone`"),
        "{}",
        o.dump()
    );
}

#[test]
fn a_missing_rules_folder_is_reported_in_the_format_asked() {
    let f = Fixture::bare();
    let o = f.run(&["check", "--format", "json"]);
    o.code(2);
    let doc = o.json();
    assert_eq!(
        doc["diagnostics"][0]["code"],
        "missing-rules-folder",
        "{}",
        pretty(&doc)
    );
    let o = f.run(&["check", "--format", "github"]);
    o.code(2);
    assert!(
        o.stdout
            .starts_with("::error file=rules,title=missing-rules-folder::"),
        "{}",
        o.dump()
    );
}

/// The codes documented in docs/reference.md's table, in order.
fn documented_codes() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference.md"))
        .unwrap_or_else(|e| panic!("docs/reference.md: {e}"));
    let section = text
        .split("\n## Diagnostic codes")
        .nth(1)
        .unwrap_or_else(|| panic!("docs/reference.md has no `## Diagnostic codes`"));
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_code_is_documented_in_order_and_nothing_else_is() {
    let codes: Vec<String> = sanctions_trigger::Code::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(documented_codes(), codes);
}
