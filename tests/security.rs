//! Findings of the adversarial review that concern what reaches the user's
//! terminal and how much the tool does for a hostile input: control codes
//! in file names, bidi controls in scenario text, worker counts, `fired`
//! cycles and positions past Rhai's 16-bit counters.

use std::fmt::Write as _;

use crate::support::*;

/// A scenario whose file name carries a terminal escape sequence is
/// refused, named with the sequence escaped; nothing raw reaches any
/// output and the other scenarios still run.
#[cfg(unix)]
#[test]
fn a_scenario_file_name_with_a_control_code_is_refused_and_never_printed_raw() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("talks", TALKS)
        .scenario("evil\u{1b}[2J\u{1b}]0;owned\u{7}", TALKS);
    for args in [
        &["run", "scenarios"][..],
        &["run", "scenarios", "--format", "json"],
        &["run", "scenarios", "--format", "markdown"],
        &["run", "scenarios", "--format", "jsonl"],
        &["test", "scenarios"],
        &["test", "scenarios", "--format", "junit"],
        &["check", "scenarios"],
        &["timeline", "scenarios"],
    ] {
        let out = f.run(args);
        out.code(2);
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "raw control code in output\n{}",
                out.dump()
            );
        }
        // Named, escaped: on standard error, or in the JSON document.
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("u{1b}[2J"), "{}", out.dump());
        assert!(all.contains("control character U+001B"), "{}", out.dump());
    }
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

/// The same for a rule: its id comes from its path.
#[cfg(unix)]
#[test]
fn a_rule_file_name_with_a_bidi_control_is_refused_and_the_other_rules_run() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "ok\u{202e}evil",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) { true }\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    assert!(!out.stdout.contains('\u{202e}') && !out.stderr.contains('\u{202e}'));
    let doc = out.json();
    let d = diagnostic(&doc, "rules/ok\\u{202e}evil.rhai", "U+202E");
    assert!(
        d["help"].as_str().is_some_and(|h| h.contains("rename")),
        "{d}"
    );
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

/// "safe {U+202E}1 seriF ok" must not display as something it is not: bidi
/// embedding, override and isolate controls, and invisible characters, are
/// refused in scenario strings and keys like control characters.
#[test]
fn bidi_controls_and_invisible_characters_in_scenario_text_are_errors_with_positions() {
    for (c, name) in [
        ('\u{202e}', "U+202E"),
        ('\u{2066}', "U+2066"),
        ('\u{200b}', "U+200B"),
        ('\u{feff}', "U+FEFF"),
    ] {
        let f = Fixture::new();
        f.rule("good", GOOD_RULE).scenario(
            "bidi",
            &format!(
                "[scenario]\ntitle = \"safe {c}1 seriF ok\"\nas_of = 2025-06-02\n\n[facts]\nnote = \"x\"\n"
            ),
        );
        let out = f.run(&["run", "scenarios", "--format", "json"]);
        out.code(2);
        let doc = out.json();
        let d = diagnostic(&doc, "scenarios/bidi.toml", name);
        assert_at(d, "scenarios/bidi.toml", 2, 9);
        // The source line shown under the error has the character escaped.
        let text = f.run(&["check", "scenarios"]);
        assert!(!text.stderr.contains(c), "{}", text.dump());
    }
    // Joiners are letters' business in Persian, Indic scripts and emoji.
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "persian",
        "[scenario]\ntitle = \"می\u{200c}خواهم 👩\u{200d}💻\"\nas_of = 2025-06-02\n",
    );
    f.run(&["run", "scenarios"]).code(0);
}

/// A rule's reason can say anything; a bidi control in it is shown escaped.
#[test]
fn a_bidi_control_in_a_rule_reason_is_escaped_in_every_format() {
    let f = Fixture::new();
    f.rule(
        "good",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { \"safe \\u202e1 seriF\\u202c ok\" }\n",
    )
    .scenario("talks", TALKS);
    for format in ["text", "json", "markdown", "jsonl"] {
        let out = f.run(&["run", "scenarios", "--explain", "--format", format]);
        out.code(0);
        assert!(!out.stdout.contains('\u{202e}'), "{}", out.dump());
        assert!(out.stdout.contains("u{202e}"), "{}", out.dump());
    }
}

/// A worker count that cannot be met is a usage error, not an abort.
#[test]
fn a_huge_or_zero_worker_count_is_a_usage_error() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    for n in ["4294967296", "18446744073709551615", "257", "0"] {
        f.run(&["-j", n, "run", "scenarios"])
            .code(2)
            .stderr_has("1..=256");
        f.run_stdin(&["-j", n, "run", "-"], "").code(2);
    }
    f.run(&["-j", "256", "run", "scenarios"]).code(0);
}

/// 1,500 responses in one `fired` cycle: each cycle is reported once, its
/// members listed once, so the output grows with the rules, not with their
/// square (5,000 rules printed 295 MB).
#[test]
fn a_long_fired_cycle_is_reported_once_in_output_linear_in_its_length() {
    const N: usize = 1500;
    let f = Fixture::new();
    let mut catalogue = String::new();
    for i in 0..N {
        writeln!(
            catalogue,
            "[r{i}]\ntitle = \"R{i}\"\ncategory = \"x\"\nseverity = 1\n"
        )
        .unwrap_or_else(|e| panic!("{e}"));
        f.rule(
            &format!("c/r{i}"),
            &format!(
                "const RESPONSE = \"r{i}\";\nfn fires(s) {{\n    fired(\"r{}\")\n}}\n",
                (i + 1) % N
            ),
        );
    }
    f.write("rules/responses.toml", &catalogue)
        .rule("good", "const RESPONSE = \"r0\";\nfn fires(s) { true }\n")
        .scenario("talks", TALKS);
    let check = f.run(&["check"]);
    check.code(2).stderr_has("`fired` cycle");
    // Every member is named, once in the full listing.
    check.stderr_has("`r0` → `r1` → `r2`");
    check.stderr_has(&format!("`r{}` → `r0`", N - 1));
    assert!(
        check.stderr.len() < 1_000_000,
        "check printed {} bytes",
        check.stderr.len()
    );
    let run = f.run(&["run", "scenarios", "--format", "json"]);
    run.code(2);
    assert!(
        run.stdout.len() < 4_000_000,
        "run printed {} bytes",
        run.stdout.len()
    );
    let doc = run.json();
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "r7")["status"], "error");
    assert_message(rule_error(sc, "c/r7"), "`fired` cycle");
}

/// A short cycle still shows its whole path in each rule's error, at the
/// `fired` call.
#[test]
fn a_response_reading_itself_is_a_cycle_at_its_fired_call() {
    let f = Fixture::new();
    f.rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    fired(\"leaders-summit\")\n}\n",
    )
    .scenario("talks", TALKS);
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_at(e, "rules/bad.rhai", 3, 11);
    assert_message(e, "`fired` cycle: `leaders-summit` → `leaders-summit`");
}

/// Rhai counts lines and columns in 16 bits and stops at 65,535: a script
/// past that would be blamed at a wrong place, so it is refused where the
/// count runs out.
#[test]
fn a_rule_line_longer_than_rhai_can_count_is_an_error_at_that_line() {
    let f = Fixture::new();
    let long = format!(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    let x = \"{}\"; x.len() > 1 && undefined_fn()\n}}\n",
        "a".repeat(70_000)
    );
    f.rule("good", GOOD_RULE)
        .rule("long", &long)
        .scenario("talks", TALKS);
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    let d = diagnostic(&doc, "rules/long.rhai", "65,535");
    assert_at(d, "rules/long.rhai", 3, 65_536);
    let sc = scenario(&doc, "talks");
    assert_eq!(fired(sc), ["new-sanctions"]);
    assert_eq!(response(sc, "leaders-summit")["status"], "error");

    let f = Fixture::new();
    let many = format!(
        "const RESPONSE = \"leaders-summit\";\n{}fn fires(s) {{ true }}\n",
        "\n".repeat(70_000)
    );
    f.rule("good", GOOD_RULE)
        .rule("many", &many)
        .scenario("talks", TALKS);
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    let d = diagnostic(&doc, "rules/many.rhai", "65,535 lines");
    assert_at(d, "rules/many.rhai", 65_536, 1);
}
