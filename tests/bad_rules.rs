//! Rules that do not load: each problem is reported at `rules/x.rhai:L:C`
//! by `check` (on stderr) and `run` (in `diagnostics`), and the other rules
//! still give their verdicts.

use crate::support::*;

/// A fixture with the good rule, the talks scenario and one more rule.
fn with_rule(id: &str, text: &str) -> Fixture {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(id, text)
        .scenario("talks", TALKS);
    f
}

#[test]
fn rule_with_syntax_error_is_reported_at_its_line_and_the_others_still_run() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n\nfn fires(s) {\n    let x = ;\n    true\n}\n",
    );
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/bad.rhai", "");
    assert_at(d, "rules/bad.rhai", 4, 13);
    assert_eq!(d["severity"], "error");
    let sc = scenario(&doc, "talks");
    assert_eq!(fired(sc), ["new-sanctions"]);
    assert_eq!(verdict(sc, "good")["reason"], "the talks brought nothing");
}

#[test]
fn rule_with_syntax_error_is_shown_by_check_with_a_caret() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n\nfn fires(s) {\n    let x = ;\n    true\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("rules/bad.rhai:4:13")
        .stderr_has("let x = ;")
        .stderr_has("^")
        .stdout_has("1 error,");
}

#[test]
fn rule_without_fires_is_an_error() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n\nfn decide(s) {\n    true\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("rule has no `fires` function")
        .stderr_has("rules/bad.rhai:1:1");
}

#[test]
fn rule_without_response_is_an_error() {
    let f = with_rule("bad", "fn fires(s) {\n    true\n}\n");
    f.run(&["check"])
        .code(2)
        .stderr_has("rule has no `RESPONSE`")
        .stderr_has("rules/bad.rhai:1:1");
}

#[test]
fn unknown_response_in_a_rule_suggests_the_closest_id() {
    let f = with_rule(
        "bad",
        "// a rule with a typo\nconst RESPONSE = \"new-sanction\";\nfn fires(s) {\n    true\n}\n",
    );
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/bad.rhai", "unknown response `new-sanction`");
    assert_at(d, "rules/bad.rhai", 2, 18);
    assert_eq!(d["help"], "did you mean `new-sanctions`?");
}

#[test]
fn fires_with_two_parameters_is_an_error() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n\nfn fires(s, t) {\n    true\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("must take one")
        .stderr_has("rules/bad.rhai:3:1");
}

#[test]
fn import_outside_the_rules_lib_folder_is_refused() {
    let f = with_rule(
        "bad",
        "import \"../x\" as x;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n",
    );
    f.write("x.rhai", "fn secret() { 42 }\n");
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/bad.rhai", "outside the rules' `lib/` folder");
    assert_at(d, "rules/bad.rhai", 1, 9);
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "leaders-summit")["status"], "error");
    assert_eq!(fired(sc), ["new-sanctions"]);
}

#[test]
fn import_inside_a_function_is_refused() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    import \"lib/talks\" as t;\n    true\n}\n",
    );
    f.write("rules/lib/talks.rhai", "fn yes() { true }\n");
    f.run(&["check"])
        .code(2)
        .stderr_has("`import` is allowed only at the top level")
        .stderr_has("rules/bad.rhai:3:5");
}

#[test]
fn import_of_a_missing_helper_is_an_error_naming_it() {
    let f = with_rule(
        "bad",
        "import \"lib/talk\" as t;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n",
    );
    f.write("rules/lib/talks.rhai", "fn yes() { true }\n");
    f.run(&["check"])
        .code(2)
        .stderr_has("no helper `lib/talk`")
        .stderr_has("rules/bad.rhai:1:9")
        .stderr_has("did you mean `lib/talks`?");
}

#[test]
fn eval_is_refused() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    eval(\"1\")\n}\n",
    );
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/bad.rhai", "eval");
    assert_at(d, "rules/bad.rhai", 3, 5);
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[test]
fn a_rule_defining_its_own_fired_is_reported_by_check() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fired(x) { true }\nfn fires(s) {\n    fired(\"new-sanctions\")\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("function `fired` would shadow the rule API")
        .stderr_has("rules/bad.rhai:2:1");
}

#[test]
fn a_helper_defining_date_is_reported_by_check() {
    let f = with_rule(
        "bad",
        "import \"lib/dates\" as d;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n",
    );
    f.write("rules/lib/dates.rhai", "// helpers\nfn date(x) { x }\n");
    f.run(&["check"])
        .code(2)
        .stderr_has("function `date` would shadow the rule API")
        .stderr_has("rules/lib/dates.rhai:2:1");
}

#[test]
fn a_cycle_through_fired_is_reported_by_check_in_both_rules() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "a",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    fired(\"sanctions-relief\")\n}\n",
        )
        .rule(
            "b",
            "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    !fired(\"leaders-summit\")\n}\n",
        )
        .scenario("talks", TALKS);
    f.run(&["check"])
        .code(2)
        .stderr_has("`fired` cycle")
        .stderr_has("rules/a.rhai:3:11")
        .stderr_has("rules/b.rhai:3:12");
}

#[test]
fn a_cycle_through_fired_makes_run_report_errors_and_still_judge_the_rest() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "a",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    fired(\"sanctions-relief\")\n}\n",
        )
        .rule(
            "b",
            "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    fired(\"leaders-summit\")\n}\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "leaders-summit")["status"], "error");
    assert_eq!(response(sc, "sanctions-relief")["status"], "error");
    let e = rule_error(sc, "a");
    assert_at(e, "rules/a.rhai", 3, 11);
    assert_message(e, "cycle");
    assert_eq!(fired(sc), ["new-sanctions"]);
}

#[test]
fn fired_of_an_unknown_response_is_an_error_with_did_you_mean() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    fired(\"new-sanction\")\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("`fired(\"new-sanction\")` names an unknown response")
        .stderr_has("rules/bad.rhai:3:11")
        .stderr_has("did you mean `new-sanctions`?");
}

#[test]
fn an_empty_rules_folder_is_reported() {
    let f = Fixture::new();
    f.scenario("talks", TALKS);
    f.run(&["check"])
        .code(0)
        .stderr_has("warning: no rules found")
        .stderr_has("--> rules")
        .stdout_has("checked 0 rules");
}

#[test]
fn a_missing_rules_folder_is_an_error() {
    let f = Fixture::new();
    f.scenario("talks", TALKS);
    f.run(&["--rules", "nope", "check"])
        .code(2)
        .stderr_has("rules folder not found")
        .stderr_has("nope");
}

#[test]
fn a_catalogue_entry_with_a_string_severity_is_a_type_error() {
    let f = Fixture::new();
    f.write(
        "rules/responses.toml",
        &format!(
            "{RESPONSES}\n[talks]\ntitle = \"t\"\ncategory = \"diplomatic\"\nseverity = \"high\"\n"
        ),
    );
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    let line = RESPONSES.lines().count() + 5;
    f.run(&["check"])
        .code(2)
        .stderr_has("`talks.severity` must be integer, found string")
        .stderr_has(&format!("rules/responses.toml:{line}:12"));
}

#[test]
fn a_rule_that_does_not_parse_makes_its_response_an_error_not_quiet() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n\nfn fires(s) {\n    let x = ;\n    true\n}\n",
    );
    f.rule(
        "after",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) { !fired(\"leaders-summit\") }\n",
    );
    let doc = f
        .run(&["run", "scenarios/talks.toml", "--format", "json"])
        .json();
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "leaders-summit")["status"], "error", "{sc:#}");
    let e = rule_error(sc, "bad");
    assert_eq!(e["kind"], "compile");
    assert_at(e, "rules/bad.rhai", 4, 13);
    // A rule reading the broken response's verdict errors too.
    assert_eq!(
        response(sc, "sanctions-relief")["status"],
        "error",
        "{sc:#}"
    );
    // An expectation on it is an error, never a pass.
    f.scenario(
        "expects",
        &(TALKS.to_string() + "\n[expect]\nnot_fires = [\"leaders-summit\"]\n"),
    );
    f.run(&["test", "scenarios/expects.toml"])
        .code(2)
        .stdout_has("test expects ... not judged: rule `bad` did not load");
}

#[test]
fn a_reserved_word_as_a_field_name_gets_a_way_out() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.events(\"sanctions\").some(|e| e.package > 17)\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("rules/bad.rhai:3:38")
        .stderr_has("reserved")
        .stderr_has("e[\"package\"]");
}

#[test]
fn a_bare_carriage_return_is_refused_at_its_position_and_the_rule_stays_broken() {
    let f = with_rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n// old Mac line end\rfn x() {}\nfn fires(s) { true }\n",
    );
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/bad.rhai", "bare carriage return");
    assert_at(d, "rules/bad.rhai", 2, 20);
    assert_eq!(
        response(scenario(&doc, "talks"), "leaders-summit")["status"],
        "error"
    );
}

/// Found by `cargo fuzz run rule_eval`: a rule with bare carriage returns
/// had its compile error placed on a line past the end of the file.
#[test]
fn fuzz_regression_rule_error_positions_stay_inside_the_file() {
    let f = Fixture::new();
    f.write_bytes(
        "rules/fuzz.rhai",
        include_bytes!("fuzz_regressions/rule_eval_bare_cr.rhai"),
    )
    .rule("good", GOOD_RULE)
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let lines = include_bytes!("fuzz_regressions/rule_eval_bare_cr.rhai")
        .split(|b| *b == b'\n')
        .count();
    let positioned: Vec<u64> = doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["file"] == "rules/fuzz.rhai")
        .filter_map(|d| d["line"].as_u64())
        .collect();
    // The file's error is positioned at all, and inside the file.
    assert!(
        !positioned.is_empty(),
        "no positioned diagnostic in\n{}",
        out.dump()
    );
    for l in positioned {
        assert!((1..=lines as u64).contains(&l), "line {l} of {lines} lines");
    }
}

/// A helper with `fired` in some of its functions: each rule depends on
/// the responses named in the functions it calls, not in the whole helper.
const CRISIS: &str = "// Shared crisis facts.
fn treaty_suspended() {
    fired(\"leaders-summit\")
}
fn summit_needed() {
    relief()
}
fn relief() {
    fired(\"sanctions-relief\")
}
fn always() { true }
";

#[test]
fn fired_in_a_helper_is_charged_only_to_the_rules_that_call_it() {
    let f = Fixture::new();
    f.write("rules/lib/crisis.rhai", CRISIS)
        .rule(
            "a",
            "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    crisis::always()\n}\n",
        )
        .rule(
            "b",
            "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    crisis::treaty_suspended()\n}\n",
        )
        .scenario("talks", TALKS);
    let check = f.run(&["check"]);
    check.code(0);
    assert!(!check.stderr.contains("cycle"), "{}", check.dump());
    for engine in ["auto", "rhai"] {
        let out = f.run(&[
            "run",
            "scenarios/talks.toml",
            "--format",
            "json",
            "--engine",
            engine,
        ]);
        out.code(0);
        let doc = out.json();
        let sc = scenario(&doc, "talks");
        assert_eq!(
            fired(sc),
            ["leaders-summit", "sanctions-relief"],
            "{engine}"
        );
    }
}

#[test]
fn a_fired_cycle_through_a_helper_is_reported_at_the_helpers_fired_with_the_calls() {
    let f = Fixture::new();
    f.write("rules/lib/crisis.rhai", CRISIS)
        .rule("good", GOOD_RULE)
        .rule(
            "a",
            "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    crisis::summit_needed()\n}\n",
        )
        .rule(
            "b",
            "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    crisis::treaty_suspended()\n}\n",
        )
        .scenario("talks", TALKS);
    f.run(&["check"])
        .code(2)
        .stderr_has("`fired` cycle: `leaders-summit` → `sanctions-relief` → `leaders-summit`")
        .stderr_has("rules/lib/crisis.rhai:9:11")
        .stderr_has("`fires` → `crisis::summit_needed` → `relief`")
        .stderr_has("rules/lib/crisis.rhai:3:11")
        .stderr_has("`fires` → `crisis::treaty_suspended`");
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    let e = rule_error(sc, "a");
    assert_at(e, "rules/lib/crisis.rhai", 9, 11);
    assert_message(e, "cycle");
    assert_at(rule_error(sc, "b"), "rules/lib/crisis.rhai", 3, 11);
    assert_eq!(fired(sc), ["new-sanctions"]);
}

#[test]
fn fired_in_a_rules_own_function_it_never_calls_is_not_a_dependency() {
    let f = Fixture::new();
    f.rule(
        "a",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\nfn unused() {\n    fired(\"sanctions-relief\")\n}\n",
    )
    .rule(
        "b",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    via(s)\n}\nfn via(s) {\n    fired(\"leaders-summit\")\n}\n",
    )
    .scenario("talks", TALKS);
    let check = f.run(&["check"]);
    check.code(0);
    assert!(!check.stderr.contains("cycle"), "{}", check.dump());
}

/// A rule importing `lib/dates`, for the helper-failure tests.
const IMPORTS_DATES: &str = "import \"lib/dates\" as dates;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n";

#[test]
fn a_helper_with_a_syntax_error_is_reported_once_and_its_importers_say_it_did_not_compile() {
    let f = with_rule("bad", IMPORTS_DATES);
    f.write("rules/lib/dates.rhai", "fn later(d) {\n    d + days(\n}\n");
    let check = f.run(&["check"]);
    check
        .code(2)
        .stderr_has("rules/lib/dates.rhai:3:1")
        .stderr_has("imports a helper that did not compile: `lib/dates`")
        .stderr_has("rules/bad.rhai:1:9")
        .stdout_has("1 helper,");
    assert!(!check.stderr.contains("no helper"), "{}", check.dump());
    let doc = f
        .run(&["run", "scenarios/talks.toml", "--format", "json"])
        .json();
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_at(e, "rules/bad.rhai", 1, 9);
    assert_message(e, "imports a helper that did not compile");
}

#[test]
fn a_helper_failing_its_checks_is_not_reported_as_missing() {
    let f = with_rule("bad", IMPORTS_DATES);
    f.write("rules/lib/dates.rhai", "// helpers\nfn date(x) { x }\n");
    let check = f.run(&["check"]);
    check
        .code(2)
        .stderr_has("function `date` would shadow the rule API")
        .stderr_has("rules/lib/dates.rhai:2:1")
        .stderr_has("imports a helper that did not compile: `lib/dates`")
        .stderr_has("rules/bad.rhai:1:9")
        .stdout_has("1 helper,");
    assert!(!check.stderr.contains("no helper"), "{}", check.dump());
}

#[test]
fn a_helper_failing_as_its_top_level_runs_is_still_reported_as_failing_while_loading() {
    let f = with_rule("bad", IMPORTS_DATES);
    f.write(
        "rules/lib/dates.rhai",
        "const X = 1 / 0;\nfn later(d) { d }\n",
    );
    let check = f.run(&["check"]);
    check
        .code(2)
        .stderr_has("rules/lib/dates.rhai:1:13")
        .stderr_has("helper `lib/dates` failed while loading")
        .stdout_has("1 helper,");
    assert!(!check.stderr.contains("no helper"), "{}", check.dump());
}

/// A helper with one plain and one exported constant.
const THRESHOLDS: &str = "// Shared thresholds.\nconst TREATY_THRESHOLD = 1;\nexport const STRIKES = 1;\nfn always() { true }\n";

#[test]
fn a_plain_const_of_a_helper_read_by_a_rule_says_to_export_it() {
    let f = with_rule(
        "bad",
        "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count() >= crisis::TREATY_THRESHOLD\n}\n",
    );
    f.write("rules/lib/crisis.rhai", THRESHOLDS);
    f.run(&["check"])
        .code(2)
        .stderr_has("`crisis::TREATY_THRESHOLD`")
        .stderr_has("declare it `export const`")
        .stderr_has("rules/bad.rhai:4:26");
    let doc = f
        .run(&["run", "scenarios/talks.toml", "--format", "json"])
        .json();
    let sc = scenario(&doc, "talks");
    let e = rule_error(sc, "bad");
    assert_at(e, "rules/bad.rhai", 4, 26);
    assert_message(e, "declare it `export const`");
    assert_eq!(fired(sc), ["new-sanctions"]);
}

#[test]
fn an_exported_const_of_a_helper_is_shared_with_rules() {
    let f = with_rule(
        "shared",
        "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count(\"strike\") >= crisis::STRIKES\n}\n",
    );
    f.write("rules/lib/crisis.rhai", THRESHOLDS);
    f.run(&["check"]).code(0);
    for engine in ["auto", "rhai"] {
        let doc = f
            .run(&[
                "run",
                "scenarios/talks.toml",
                "--format",
                "json",
                "--engine",
                engine,
            ])
            .json();
        assert_eq!(
            fired(scenario(&doc, "talks")),
            ["leaders-summit", "new-sanctions"],
            "{engine}"
        );
    }
}

#[test]
fn fired_of_an_unknown_response_in_a_helper_is_reported_at_the_helper() {
    let f = with_rule(
        "bad",
        "import \"lib/crisis\" as crisis;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    crisis::summit()\n}\n",
    );
    f.write(
        "rules/lib/crisis.rhai",
        "// Shared.\nfn summit() {\n    fired(\"new-sanction\")\n}\n",
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("`fired(\"new-sanction\")` names an unknown response (read for rule `bad`)")
        .stderr_has("rules/lib/crisis.rhai:3:11")
        .stderr_has("did you mean `new-sanctions`?");
    let doc = f
        .run(&["run", "scenarios/talks.toml", "--format", "json"])
        .json();
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_at(e, "rules/lib/crisis.rhai", 3, 11);
}

/// Responses are judged in id order unless a `fired` says otherwise; each
/// reader here sorts before the response it reads.
#[test]
fn a_function_called_through_a_computed_name_or_a_closure_still_orders_its_fired() {
    let readers = [
        "let n = \"vi\";\n    n += \"a\";\n    Fn(n).call()",
        "[1].some(|x| via())",
        "[1].some(|x| fired(\"stronger-sanctions\"))",
    ];
    for body in readers {
        let f = Fixture::new();
        f.rule(
            "a",
            "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    true\n}\n",
        )
        .rule(
            "b",
            &format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\nfn via() {{\n    fired(\"stronger-sanctions\")\n}}\n"),
        )
        .scenario("talks", TALKS);
        f.run(&["check"]).code(0);
        for engine in ["auto", "rhai"] {
            let doc = f
                .run(&[
                    "run",
                    "scenarios/talks.toml",
                    "--format",
                    "json",
                    "--engine",
                    engine,
                ])
                .json();
            assert_eq!(
                fired(scenario(&doc, "talks")),
                ["leaders-summit", "stronger-sanctions"],
                "{engine}: {body}"
            );
        }
    }
}
