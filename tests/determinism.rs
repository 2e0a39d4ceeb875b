//! Output is deterministic: on the shipped `rules/` and `scenarios/`,
//! every verb prints the same bytes (stdout and stderr) and exits with the
//! same code across two runs and across `-j 1` / `-j 2`.

use crate::support::*;

/// Runs `args` three times (`-j 1` twice, then `-j 2`) and asserts that
/// the exit code, stdout and stderr are identical; returns one output.
#[track_caller]
fn same_bytes(f: &Fixture, args: &[&str]) -> Output {
    let mut outs = Vec::new();
    for jobs in ["1", "1", "2"] {
        let mut full = vec!["-j", jobs];
        full.extend_from_slice(args);
        outs.push(f.run(&full));
    }
    let first = &outs[0];
    assert!(
        !first.stdout.is_empty(),
        "no output to compare\n{}",
        first.dump()
    );
    for (i, o) in outs.iter().enumerate().skip(1) {
        assert_eq!(
            o.code,
            first.code,
            "run {i}: exit code differs\n{}",
            o.dump()
        );
        assert!(
            o.stdout == first.stdout,
            "run {i} ({:?}): stdout differs\n--- first ---\n{}\n--- this ---\n{}",
            o.args,
            first.stdout,
            o.stdout
        );
        assert!(
            o.stderr == first.stderr,
            "run {i} ({:?}): stderr differs\n--- first ---\n{}\n--- this ---\n{}",
            o.args,
            first.stderr,
            o.stderr
        );
    }
    outs.swap_remove(0)
}

#[test]
fn run_text_is_byte_identical() {
    let f = shipped();
    same_bytes(&f, &["run", "scenarios", "--explain"])
        .code(0)
        .stdout_has("istanbul-2025-06-02");
}

#[test]
fn run_json_is_byte_identical() {
    let f = shipped();
    let out = same_bytes(&f, &["run", "scenarios", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    // Every shipped scenario is in it.
    assert_eq!(
        doc["scenarios"].as_array().map(Vec::len),
        Some(15),
        "{}",
        pretty(&doc)
    );
}

#[test]
fn run_jsonl_and_markdown_are_byte_identical() {
    let f = shipped();
    same_bytes(&f, &["run", "scenarios", "--format", "jsonl"]).code(0);
    same_bytes(&f, &["run", "scenarios", "--format", "markdown"]).code(0);
}

#[test]
fn run_at_another_date_is_byte_identical() {
    let f = shipped();
    same_bytes(
        &f,
        &[
            "run",
            "scenarios",
            "--as-of",
            "2025-09-30",
            "--format",
            "json",
        ],
    )
    .code(0);
}

#[test]
fn test_is_byte_identical_in_text_and_json() {
    let f = shipped();
    same_bytes(&f, &["test"]).code(0).stdout_has("15 passed");
    same_bytes(&f, &["test", "--format", "json"]).code(0);
}

#[test]
fn timeline_is_byte_identical_in_text_and_json() {
    let f = shipped();
    same_bytes(&f, &["timeline", "scenarios"])
        .code(0)
        .stdout_has("ultimatum-2025");
    same_bytes(&f, &["timeline", "scenarios", "--format", "json"]).code(0);
}

#[test]
fn report_is_byte_identical_in_html_and_markdown() {
    let f = shipped();
    let html = same_bytes(&f, &["report", "--out", "-"]);
    html.code(0).stdout_has("<!DOCTYPE html>");
    same_bytes(&f, &["report", "--format", "markdown", "--out", "-"]).code(0);
    same_bytes(&f, &["report", "--coverage", "--out", "-"])
        .code(0)
        .stdout_has("<h3>Coverage</h3>");
    // Written to a file, the same bytes as on standard output.
    f.run(&["-j", "2", "report", "--out", "r.html"]).code(0);
    let written =
        std::fs::read_to_string(f.path().join("r.html")).unwrap_or_else(|e| panic!("{e}"));
    assert!(written == html.stdout, "report.html differs from --out -");
}

#[test]
fn check_is_byte_identical() {
    let f = shipped();
    same_bytes(&f, &["check"]).code(0).stdout_has("checked");
}

#[test]
fn errors_and_diagnostics_are_byte_identical_too() {
    // The shipped library plus a broken scenario and a rule that errors on
    // some scenarios: diagnostics and error lists keep their order.
    let f = shipped();
    f.write("scenarios/zz-bad.toml", "[scenario]\ntitle = 5\n")
        .write(
            "rules/zz-flaky.rhai",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    if s.count() > 5 { throw `too many: ${s.count()}`; }\n    false\n}\n",
        );
    same_bytes(&f, &["run", "scenarios", "--format", "json"]).code(2);
    same_bytes(&f, &["run", "scenarios"]).code(2);
    same_bytes(&f, &["test"]).code(2);
    same_bytes(&f, &["check"]).code(2);
}

#[test]
fn diff_junit_and_coverage_are_byte_identical() {
    let f = shipped();
    // A base with one threshold changed, so there is something to report.
    copy_dir(&f.path().join("rules"), &f.path().join("base"));
    let rule = f.path().join("base/talks/ceasefire-violated.rhai");
    let text = std::fs::read_to_string(&rule).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &rule,
        text.replace("const MIN_DRONES = 100;", "const MIN_DRONES = 5000;"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for format in ["text", "json", "markdown"] {
        same_bytes(&f, &["diff", "--base", "base", "--format", format])
            .code(0)
            .stdout_has("ceasefire-violated");
    }
    same_bytes(&f, &["test", "--format", "junit"]).code(0);
    same_bytes(&f, &["test", "--coverage"])
        .code(0)
        .stdout_has("lines:");
    same_bytes(&f, &["test", "--coverage", "--format", "json"]).code(0);
}
