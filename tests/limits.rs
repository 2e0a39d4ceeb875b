//! Each limit pinned at its edge: the largest input it allows works, and
//! one more is refused with its kind (`limit` in JSON) and position. The
//! values are those SECURITY.md lists; a limit raised or lowered by a
//! change fails here.

use serde_json::Value;

use crate::support::*;

/// Runs `rules/probe.rhai` (response `leaders-summit`), beside the good
/// rule, on the talks scenario; returns the exit code and the scenario.
#[track_caller]
fn probe(text: &str) -> (i32, Value) {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule("probe", text)
        .scenario("talks", TALKS);
    // The wall-clock backstop is pushed out of the way: these tests pin
    // the deterministic limits, and a loaded machine running a debug
    // build must not turn a size limit into a timeout.
    let out = f.run(&[
        "run",
        "scenarios/talks.toml",
        "--format",
        "json",
        "--timeout-ms",
        "60000",
    ]);
    let doc = out.json();
    let sc = scenario(&doc, "talks").clone();
    // The other rule is judged whatever the probe does.
    assert_eq!(verdict(&sc, "good")["status"], "fires", "{}", pretty(&sc));
    (out.code, sc)
}

/// The probe fires with `reason` (exit 0).
#[track_caller]
fn works(text: &str, reason: &str) {
    let (code, sc) = probe(text);
    assert_eq!(code, 0, "{}", pretty(&sc));
    assert_eq!(verdict(&sc, "probe")["reason"], reason, "{}", pretty(&sc));
}

/// The probe errors with a `limit` error containing `message` at
/// `rules/probe.rhai:line:column` (exit 2).
#[track_caller]
fn refused(text: &str, message: &str, line: u64, column: u64) {
    let (code, sc) = probe(text);
    assert_eq!(code, 2, "{}", pretty(&sc));
    assert_eq!(response(&sc, "leaders-summit")["status"], "error");
    let e = rule_error(&sc, "probe");
    assert_eq!(e["kind"], "limit", "{}", pretty(e));
    assert_message(e, message);
    assert_at(e, "rules/probe.rhai", line, column);
}

/// A rule whose `fires` nests `depth + 1` calls of `d`.
fn nested_calls(depth: u32) -> String {
    format!(
        "const RESPONSE = \"leaders-summit\";\nfn d(k) {{ if k <= 0 {{ 0 }} else {{ 1 + d(k - 1) }} }}\nfn fires(s) {{\n    `${{d({depth})}}`\n}}\n"
    )
}

#[test]
fn forty_eight_nested_calls_work_and_one_more_is_a_limit_error() {
    // `fires` calling `d(47)` nests 48 calls of `d`.
    works(&nested_calls(47), "47");
    refused(
        &nested_calls(48),
        "stopped at 48 nested calls (runaway recursion?)",
        3,
        1,
    );
}

/// A rule building a map of 100 × 100 keys, merged 100 at a time (a map
/// grown one key at a time costs quadratic time in Rhai), then `extra`.
fn map_of_ten_thousand(extra: &str) -> String {
    format!(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    let m = #{{}};\n    for i in 0..100 {{\n        let part = #{{}};\n        for j in 0..100 {{ part[`k${{i}}_${{j}}`] = j; }}\n        m.mixin(part);\n    }}\n    {extra}\n    `${{m.len()}}`\n}}\n"
    )
}

#[test]
fn a_map_of_ten_thousand_entries_works_and_one_more_is_a_limit_error() {
    works(&map_of_ten_thousand(""), "10000");
    refused(
        &map_of_ten_thousand("m[\"extra\"] = 1;"),
        "Size of object map too large",
        2,
        1,
    );
}

fn padded(what: &str, n: usize) -> String {
    format!(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    let x = {what};\n    x.pad({n}, {});\n    `${{x.len()}}`\n}}\n",
        if what == "[]" { "0" } else { "\"y\"" }
    )
}

#[test]
fn a_string_of_one_mib_works_and_one_byte_more_is_a_limit_error() {
    works(&padded("\"x\"", 1 << 20), "1048576");
    refused(
        &padded("\"x\"", (1 << 20) + 1),
        "Length of string too large",
        2,
        1,
    );
}

#[test]
fn an_array_of_a_hundred_thousand_elements_works_and_one_more_is_a_limit_error() {
    works(&padded("[]", 100_000), "100000");
    refused(&padded("[]", 100_001), "Size of array/BLOB too large", 2, 1);
}

#[test]
fn sixty_four_imported_helpers_work_and_one_more_is_a_limit_error() {
    let with_imports = |n: usize| {
        let f = Fixture::new();
        f.rule("good", GOOD_RULE).scenario("talks", TALKS);
        let mut text = String::new();
        for i in 0..n {
            f.write(&format!("rules/lib/h{i}.rhai"), "fn one() { 1 }\n");
            text.push_str(&format!("import \"lib/h{i}\" as h{i};\n"));
        }
        text.push_str(
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    `${h0::one()}`\n}\n",
        );
        f.rule("probe", &text);
        f
    };
    let out = with_imports(64).run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(0);
    assert_eq!(
        verdict(scenario(&out.json(), "talks"), "probe")["reason"],
        "1"
    );
    let out = with_imports(65).run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/probe.rhai", "Too many modules imported");
    assert_at(d, "rules/probe.rhai", 65, 1);
    let e = rule_error(scenario(&doc, "talks"), "probe");
    assert_eq!(e["kind"], "limit", "{}", pretty(e));
    assert_at(e, "rules/probe.rhai", 65, 1);
}

#[test]
fn runaway_recursion_through_nested_expressions_is_a_limit_error_not_a_crash() {
    // Each level nests expressions too, so the native stack is what a
    // wrong limit would exhaust first; the error is the call-depth limit.
    let inner = (0..15).fold("d(k - 1)".to_string(), |acc, _| format!("(1 + {acc})"));
    refused(
        &format!(
            "const RESPONSE = \"leaders-summit\";\nfn d(k) {{ if k <= 0 {{ 0 }} else {{ {inner} }} }}\nfn fires(s) {{\n    d(100) > 0\n}}\n"
        ),
        "stopped at 48 nested calls",
        3,
        1,
    );
}

/// `scenarios/v0.toml` and `v1.toml`…`v<n>.toml`, each extending the one
/// before: `v<n>` is a chain of `n + 1` files.
fn chain(n: usize) -> Fixture {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "v0",
        "[scenario]\ntitle = \"v0\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n",
    );
    for i in 1..=n {
        f.scenario(
            &format!("v{i}"),
            &format!(
                "[scenario]\ntitle = \"v{i}\"\nextends = \"v{}.toml\"\n",
                i - 1
            ),
        );
    }
    f
}

#[test]
fn an_extends_chain_of_thirty_two_files_loads_and_thirty_three_are_refused() {
    let out = chain(31).run(&["run", "scenarios/v31.toml", "--format", "json"]);
    out.code(0);
    assert_eq!(fired(scenario(&out.json(), "v31")), ["new-sanctions"]);
    let out = chain(32).run(&["run", "scenarios/v32.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    // Counted from the file named: the 33rd file up the chain is v0, so
    // the link from v1 to v0 is the one refused.
    let d = diagnostic(&doc, "scenarios/v1.toml", "`extends` chain is too deep");
    assert_at(d, "scenarios/v1.toml", 3, 11);
    let d = diagnostic(
        &doc,
        "scenarios/v32.toml",
        "base scenario `v31.toml` does not load",
    );
    assert_at(d, "scenarios/v32.toml", 3, 11);
    assert_eq!(doc["scenarios"], serde_json::json!([]), "{}", pretty(&doc));
}

#[test]
fn a_scenario_sixty_four_folders_down_is_found_and_sixty_five_are_refused() {
    let nested = |depth: usize| {
        let f = Fixture::new();
        f.rule("good", GOOD_RULE);
        let dir = format!("scenarios/deep{}", "/d".repeat(depth));
        f.write(&format!("{dir}/x.toml"), TALKS);
        f
    };
    let out = nested(64).run(&["run", "scenarios/deep", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(
        doc["scenarios"].as_array().map(Vec::len),
        Some(1),
        "{}",
        pretty(&doc)
    );
    assert_eq!(fired(&doc["scenarios"][0]), ["new-sanctions"]);
    let out = nested(65).run(&["run", "scenarios/deep", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let deepest = format!("scenarios/deep{}", "/d".repeat(65));
    let d = diagnostic(&doc, &deepest, "folders nested too deep (a symlink loop?)");
    assert_eq!(
        d["line"],
        Value::Null,
        "a folder has no line: {}",
        pretty(d)
    );
    assert_eq!(doc["scenarios"], serde_json::json!([]), "{}", pretty(&doc));
}

#[test]
fn a_replay_of_ten_years_runs_and_one_day_more_is_refused() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    // 2015-01-01 to 2024-12-31, both included: 3,653 days.
    f.run(&[
        "timeline",
        "scenarios/talks.toml",
        "--from",
        "2015-01-01",
        "--to",
        "2024-12-31",
    ])
    .code(0)
    .stdout_has("  replayed 2015-01-01 to 2024-12-31 (3653 days)\n")
    .stdout_has("fires from 2015-01-01 still firing");
    let out = f.run(&[
        "timeline",
        "scenarios/talks.toml",
        "--from",
        "2015-01-01",
        "--to",
        "2025-01-01",
        "--format",
        "json",
    ]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(
        &doc,
        "scenarios/talks.toml",
        "replaying 2015-01-01 to 2025-01-01 is 3654 days, more than the limit of 3653 (ten years)",
    );
    assert_eq!(
        d["line"],
        Value::Null,
        "about the whole file: {}",
        pretty(d)
    );
    assert_eq!(doc["scenarios"], serde_json::json!([]), "{}", pretty(&doc));
}
