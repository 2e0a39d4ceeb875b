//! Issue 12, the sandbox and native-code findings: the clock applies to a
//! script's top level (3), a float that is not finite is an error (5),
//! ordering against `()` and mismatched `switch` cases are errors (6).
//! Each test runs the binary under a process time limit of its own, so a
//! regression to a hang fails the test instead of hanging the suite.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// Runs the binary like [`Fixture::run`], but kills it and fails the test
/// when it takes longer than `limit`.
#[track_caller]
fn run_within(f: &Fixture, args: &[&str], limit: Duration) -> Output {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
        .args(args)
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sanctions-trigger: {e}"));
    // Drained from threads: a full pipe must not look like a hang.
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = stdout.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = stderr.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("sanctions-trigger {args:?} still running after {limit:?}: killed");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("cannot wait for sanctions-trigger: {e}"),
        }
    };
    let o = Output {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned(),
        elapsed: start.elapsed(),
    };
    if o.code == 70 || o.code == -1 || o.stderr.contains("panicked") {
        panic!("sanctions-trigger crashed\n{}", o.dump());
    }
    o
}

/// Generous: the debug binary on a shared machine, still far below a hang.
const PROCESS_LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------
// 3: the clock applies to a script's top level

/// The talks scenario, the good rule, and `rules/bad.rhai` (response
/// `leaders-summit`); runs `run --format json` with `extra` flags and
/// checks that the good rule still fired and `bad` is an error.
#[track_caller]
fn run_bad(f: &Fixture, bad: &str, extra: &[&str]) -> (serde_json::Value, Output) {
    f.rule("good", GOOD_RULE)
        .rule("bad", bad)
        .scenario("talks", TALKS);
    let mut args = vec!["run", "scenarios/talks.toml", "--format", "json"];
    args.extend_from_slice(extra);
    let out = run_within(f, &args, PROCESS_LIMIT);
    out.code(2);
    let doc = out.json();
    let sc = scenario(&doc, "talks").clone();
    assert_eq!(fired(&sc), ["new-sanctions"], "{}", pretty(&sc));
    assert_eq!(response(&sc, "leaders-summit")["status"], "error");
    (doc, out)
}

#[test]
fn a_rule_s_endless_top_level_is_stopped_by_the_clock_without_an_operation_limit() {
    let f = Fixture::new();
    let (doc, out) = run_bad(
        &f,
        "const RESPONSE = \"leaders-summit\";\nloop { }\nfn fires(s) { true }\n",
        &["--max-operations", "0", "--timeout-ms", "200"],
    );
    let sc = scenario(&doc, "talks");
    let e = rule_error(sc, "bad");
    assert_eq!(e["kind"], "timeout", "{}", pretty(e));
    assert_eq!(e["file"], "rules/bad.rhai");
    assert_message(e, "200 ms time limit");
    let d = diagnostic(&doc, "rules/bad.rhai", "200 ms time limit");
    assert_eq!(d["severity"], "error");
    assert!(
        out.elapsed < Duration::from_secs(20),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn a_helper_s_endless_top_level_is_stopped_by_the_clock_and_named() {
    let f = Fixture::new();
    f.write(
        "rules/lib/x.rhai",
        "let n = 0;\nloop { n += 1; }\nfn big(e) { true }\n",
    );
    let (doc, out) = run_bad(
        &f,
        "import \"lib/x\" as x;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) { x::big(s) }\n",
        &["--max-operations", "0", "--timeout-ms", "200"],
    );
    let d = diagnostic(&doc, "rules/lib/x.rhai", "200 ms time limit");
    assert_eq!(d["severity"], "error");
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_eq!(e["kind"], "timeout", "{}", pretty(e));
    assert_message(e, "lib/x");
    assert!(
        out.elapsed < Duration::from_secs(20),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn slow_operations_at_the_top_level_are_stopped_by_the_clock() {
    // Each `contains` compares 100,000 elements: one operation, long work.
    let f = Fixture::new();
    let (doc, out) = run_bad(
        &f,
        "const RESPONSE = \"leaders-summit\";\nlet a = [];\na.pad(100000, 0);\nloop { a.contains(1); }\nfn fires(s) { true }\n",
        &["--timeout-ms", "200"],
    );
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert!(
        e["kind"] == "timeout" || e["kind"] == "limit",
        "{}",
        pretty(e)
    );
    assert!(
        out.elapsed < Duration::from_secs(20),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn a_top_level_within_its_time_loads_and_runs() {
    let f = Fixture::new();
    f.rule(
        "fine",
        "const RESPONSE = \"leaders-summit\";\nlet n = 0;\nwhile n < 1000 { n += 1; }\nconst N = 3;\nfn fires(s) { N == 3 }\n",
    )
    .scenario("talks", TALKS);
    run_within(
        &f,
        &["run", "scenarios/talks.toml", "--timeout-ms", "200"],
        PROCESS_LIMIT,
    )
    .code(0)
    .stdout_has("FIRES leaders-summit");
}

// ---------------------------------------------------------------------------
// 5: a float that is not finite is an error, never a verdict

#[test]
fn a_float_result_that_is_not_finite_is_an_error_naming_the_operation() {
    for (body, wanted, column) in [
        ("1.0 / 0.0 > 5", "`/`", 9),
        (
            "let e = s.latest(\"strike\"); e.drones * 1e307 * 100.0 > 5",
            "`*`",
            42,
        ),
        ("let x = 0.0 / 0.0; x != x", "`/`", 17),
        ("let x = 1.0 - 1e308 * 10.0; x < 1 || x >= 1", "`*`", 25),
        ("(-1.5) % 0.0 > 1", "`%`", 12),
        ("let x = 1e300; x *= 1e300; x > 0.0", "`*`", 22),
        ("let x = 1e308; x += 1e308; x > 0.0", "`+`", 22),
        ("let x = 1; x -= 1e308 * 2.0; x < 0", "`*`", 27),
        ("2.0 ** 5000.0 > 1.0", "`**`", 9),
        ("10 ** 400.0 > 1.0", "`**`", 8),
        ("sqrt(-1.0) > 0.0", "`sqrt`", 5),
        ("ln(0.0) < 0.0", "`ln`", 5),
        ("exp(1000.0) > 1.0", "`exp`", 5),
        ("log(-1.0) > 1.0", "`log`", 5),
        ("parse_float(\"inf\") > 1.0", "`parse_float`", 5),
        ("parse_float(\"1e400\") > 1.0", "`parse_float`", 5),
        ("parse_float(\"NaN\") > 1.0", "`parse_float`", 5),
    ] {
        let f = Fixture::new();
        let text =
            format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n");
        let (doc, _) = run_bad(&f, &text, &[]);
        let sc = scenario(&doc, "talks");
        assert_eq!(
            verdict(sc, "bad")["status"],
            "error",
            "{body}: {}",
            pretty(sc)
        );
        let e = rule_error(sc, "bad");
        assert_eq!(e["kind"], "runtime", "{body}: {}", pretty(e));
        assert_message(e, wanted);
        assert_message(e, "not a finite number");
        assert_at(e, "rules/bad.rhai", 3, column);
    }
}

#[test]
fn a_float_literal_too_large_to_be_finite_is_a_load_error() {
    let f = Fixture::new();
    let (doc, _) = run_bad(
        &f,
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    1e400 > 1.0\n}\n",
        &[],
    );
    let d = diagnostic(&doc, "rules/bad.rhai", "not a finite number");
    assert_at(d, "rules/bad.rhai", 3, 5);
    f.run(&["check"]).code(2).stderr_has("rules/bad.rhai:3:5");
}

#[test]
fn finite_float_arithmetic_still_works() {
    let f = Fixture::new();
    f.rule(
        "floaty",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let x = 1.5; x += 2; x *= 2.0; x -= 1; x /= 2;\n    sqrt(16.0) == 4.0 && ln(1.0) == 0.0 && 2.0 ** 3 == 8.0 && x == 3.0 && 7.5 % 2 == 1.5 && parse_float(\"2.5\") == 2.5\n}\n",
    )
    .scenario("talks", TALKS);
    run_within(&f, &["run", "scenarios/talks.toml"], PROCESS_LIMIT)
        .code(0)
        .stdout_has("FIRES leaders-summit");
}

// ---------------------------------------------------------------------------
// 6: ordering against `()` and `switch` cases of another type

#[test]
fn ordering_against_unit_is_an_error_that_says_a_side_is_absent() {
    for (body, column) in [
        ("let t = s.latest(\"ceasefire\"); t < 100", 38),
        ("let t = s.latest(\"ceasefire\"); t > 100", 38),
        ("s.latest(\"ceasefire\") < date(\"2025-01-01\")", 27),
        ("100 >= s.latest(\"ceasefire\")", 9),
        (
            "let e = s.latest(\"strike\"); e.get(\"missiles\", ()) <= 3",
            55,
        ),
        ("\"x\" > ()", 9),
        ("() < ()", 8),
    ] {
        let f = Fixture::new();
        let text =
            format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n");
        let (doc, _) = run_bad(&f, &text, &[]);
        let sc = scenario(&doc, "talks");
        assert_eq!(
            verdict(sc, "bad")["status"],
            "error",
            "{body}: {}",
            pretty(sc)
        );
        let e = rule_error(sc, "bad");
        assert_message(e, "absent (`()`)");
        assert_message(e, "has(");
        assert_at(e, "rules/bad.rhai", 3, column);
    }
}

#[test]
fn equality_with_unit_stays_allowed() {
    let f = Fixture::new();
    f.rule(
        "unit",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let t = s.latest(\"ceasefire\");\n    t == () && !(t != ()) && () == () && s.latest(\"strike\") != () && 5 != ()\n}\n",
    )
    .scenario("talks", TALKS);
    run_within(&f, &["run", "scenarios/talks.toml"], PROCESS_LIMIT)
        .code(0)
        .stdout_has("FIRES leaders-summit");
}

#[test]
fn a_switch_whose_literal_cases_mix_types_is_a_load_error() {
    for (cases, wanted, column) in [
        (
            "250 => true, \"250\" => true, _ => false",
            "different types",
            37,
        ),
        ("1 | \"one\" => true, _ => false", "different types", 28),
        ("250.0 => true, _ => false", "float", 24),
        ("true => 1, 2 => 2, _ => false", "different types", 35),
    ] {
        let f = Fixture::new();
        let text = format!(
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    switch s.count() {{ {cases} }}\n}}\n"
        );
        let (doc, _) = run_bad(&f, &text, &[]);
        let d = diagnostic(&doc, "rules/bad.rhai", wanted);
        assert_at(d, "rules/bad.rhai", 3, column);
        f.run(&["check"])
            .code(2)
            .stderr_has(&format!("rules/bad.rhai:3:{column}"));
    }
}

#[test]
fn a_switch_on_a_value_of_another_type_than_its_cases_is_a_runtime_error() {
    for (value, cases) in [
        ("s.latest(\"strike\").drones", "\"250\" => true, _ => false"),
        (
            "s.latest(\"strike\").date",
            "\"2025-06-01\" => true, _ => false",
        ),
        (
            "`${s.latest(\"strike\").drones}`",
            "250 => true, _ => false",
        ),
        ("s.latest(\"strike\").drones", "'a' => true"),
    ] {
        let f = Fixture::new();
        let text = format!(
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    switch {value} {{ {cases} }}\n}}\n"
        );
        let (doc, _) = run_bad(&f, &text, &[]);
        let sc = scenario(&doc, "talks");
        let e = rule_error(sc, "bad");
        assert_eq!(e["kind"], "runtime", "{value}: {}", pretty(e));
        assert_message(e, "`switch`");
        assert_at(e, "rules/bad.rhai", 3, 12);
    }
}

#[test]
fn a_switch_on_a_value_of_its_cases_type_or_unit_works() {
    let f = Fixture::new();
    f.rule(
        "sw",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let a = switch s.latest(\"strike\").drones { 250 => 1, 1..10 => 2, _ => 3 };\n    let b = switch s.latest(\"talks\").location { \"Istanbul\" => 1, _ => 2 };\n    let c = switch s.latest(\"none\") { 1 => 5, _ => 6 };\n    let d = switch s.count() { _ => 7 };\n    a + b + c + d == 15\n}\n",
    )
    .scenario("talks", TALKS);
    run_within(&f, &["run", "scenarios/talks.toml"], PROCESS_LIMIT)
        .code(0)
        .stdout_has("FIRES leaders-summit");
}

// ---------------------------------------------------------------------------
// 13: the operation limit binds before the clock for built-ins whose work
// grows with the size of their input

#[test]
fn built_ins_over_long_arrays_and_strings_count_their_work_as_operations() {
    for body in [
        "let a = [];\n    a.pad(100000, 0);\n    loop { a.contains(1); }",
        "let a = [];\n    a.pad(100000, 0);\n    loop { if 1 in a { break; } }\n    true",
        "let a = [];\n    a.pad(100000, 0);\n    loop { a.index_of(1); }",
        "loop { let a = [];\n    a.pad(100000, 0); }",
        "let x = \"x\";\n    x.pad(1000000, \"y\");\n    loop { let t = x + \"z\"; }",
    ] {
        let f = Fixture::new();
        let text =
            format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n");
        // A generous clock: the operation limit must stop these first.
        let (doc, out) = run_bad(&f, &text, &["--timeout-ms", "30000"]);
        let e = rule_error(scenario(&doc, "talks"), "bad");
        assert_eq!(e["kind"], "limit", "{body}: {}", pretty(e));
        assert_message(e, "operations");
        assert!(
            out.elapsed < Duration::from_secs(20),
            "{body}: took {:?}",
            out.elapsed
        );
    }
}

#[test]
fn appending_to_a_string_in_a_loop_counts_its_work_as_operations() {
    // `+=` on strings is Rhai's built-in unless registered again; each
    // append copies the string, so it must be charged like `+`.
    for body in [
        "let x = \"x\";\n    x.pad(100000, \"y\");\n    let y = x;\n    loop { y += x; y.truncate(100000); }",
        "let x = \"x\";\n    x.pad(900000, \"y\");\n    let y = x;\n    loop { y += 'z'; y.truncate(900000); }",
    ] {
        let f = Fixture::new();
        let text =
            format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n");
        let (doc, _) = run_bad(
            &f,
            &text,
            &["--timeout-ms", "30000", "--max-operations", "20000"],
        );
        let e = rule_error(scenario(&doc, "talks"), "bad");
        assert_eq!(e["kind"], "limit", "{body}: {}", pretty(e));
        assert_message(e, "operations");
    }
}

#[test]
fn padding_with_blobs_is_refused_by_rhai_s_array_size_limit_before_the_array_grows() {
    // 5,000 copies of a 50,000-byte blob: Rhai counts 50,001 per element,
    // far over the array size limit of 100,000; the check must come before
    // the 250 MB are allocated (`sandbox::work`'s `pad`).
    let f = Fixture::new();
    let body = "let a = [];\n    a.pad(5000, blob(50000));\n    a.len() > 0";
    let text = format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n");
    let (doc, _) = run_bad(&f, &text, &[]);
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_eq!(e["kind"], "limit", "{}", pretty(e));
    assert_message(e, "Size of array/BLOB too large");
}

#[test]
fn counted_built_ins_keep_their_answers() {
    let f = Fixture::new();
    f.rule(
        "arrays",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let a = [1, 2, 3];\n    a.pad(5, 0);\n    a.contains(2) && !a.contains(9) && 3 in a && a.index_of(3) == 2 && a.index_of(7) == -1 && a.len() == 5 && \"ab\" + \"cd\" == \"abcd\" && { let t = \"ab\"; t += \"cd\"; t += 'e'; t += \"\"; let u = \"\"; u += t; u == \"abcde\" } && [\"x\"].contains(\"x\")\n}\n",
    )
    .scenario("talks", TALKS);
    run_within(&f, &["run", "scenarios/talks.toml"], PROCESS_LIMIT)
        .code(0)
        .stdout_has("FIRES leaders-summit");
}

/// A problem found in the script's text (here a float literal too large to
/// be finite) is at its column in the file, even after a `switch` on the
/// same line had its value check inserted at load.
#[test]
fn a_text_problem_after_a_checked_switch_is_at_its_own_column() {
    let line = "    let a = switch s.count() { 0 => 1, _ => 2 }; let b = 1e400; a > 0";
    let column = line.find("1e400").unwrap_or(0) as u64 + 1;
    let f = Fixture::new();
    f.rule(
        "bad",
        &format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n{line}\n}}\n"),
    )
    .scenario("talks", TALKS);
    let doc = f
        .run(&["run", "scenarios/talks.toml", "--format", "json"])
        .json();
    let d = diagnostic(&doc, "rules/bad.rhai", "not a finite number");
    assert_at(d, "rules/bad.rhai", 3, column);
}
