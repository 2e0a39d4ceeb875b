//! `run`: output formats, ordering, ids, exit codes and determinism.

use crate::support::*;

/// Rules firing three responses (one quiet) and a few scenarios.
fn library() -> Fixture {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE)
        .rule(
            "talks/escalation",
            "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    let big = s.events(\"strike\").filter(|e| e.drones > 100);\n    if big.is_empty() { quiet(\"no large strike\") } else { `${big.len()} large strikes` }\n}\n",
        )
        .rule(
            "summit",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count(\"summit-proposal\") > 0\n}\n",
        )
        .rule(
            "relief",
            "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    quiet(\"no ceasefire\")\n}\n",
        );
    f.scenario("talks", TALKS);
    f.scenario(
        "us/ultimatum",
        "[scenario]\ntitle = \"Ultimatum\"\nas_of = 2025-08-08\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-08-01\n",
    );
    for i in 0..6 {
        f.scenario(
            &format!("more/s{i}"),
            &format!(
                "[scenario]\ntitle = \"S{i}\"\nas_of = 2025-06-1{i}\n\n[[events]]\nkind = \"strike\"\ndate = 2025-06-0{}\ndrones = {}\n",
                i + 1,
                i * 40
            ),
        );
    }
    f
}

#[test]
fn run_json_has_format_version_fired_and_per_response_status() {
    let f = library();
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    let sc = scenario(&doc, "talks");
    assert_eq!(sc["file"], "scenarios/talks.toml");
    assert_eq!(sc["as_of"], "2025-06-02");
    assert_eq!(fired(sc), ["new-sanctions", "stronger-sanctions"]);
    assert_eq!(response(sc, "new-sanctions")["status"], "fires");
    assert_eq!(response(sc, "new-sanctions")["fires"], true);
    assert_eq!(response(sc, "leaders-summit")["status"], "quiet");
    assert_eq!(response(sc, "leaders-summit")["fires"], false);
    assert_eq!(response(sc, "sanctions-relief")["status"], "quiet");
    let v = verdict(sc, "talks/escalation");
    assert_eq!(v["status"], "fires");
    assert_eq!(v["reason"], "1 large strikes");
    assert!(v["details"].is_null(), "{}", pretty(v));
    assert!(verdict(sc, "summit")["reason"].is_null());
    assert_eq!(sc["errors"], serde_json::json!([]));
}

#[test]
fn run_json_fired_is_sorted_by_response_id() {
    let f = library();
    let out = f.run(&[
        "run",
        "scenarios/talks.toml",
        "--as-of",
        "2025-09-01",
        "--format",
        "json",
    ]);
    let doc = out.code(0).json();
    let ids = fired(scenario(&doc, "talks"));
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn run_text_lists_responses_that_fire_by_severity_with_their_reasons() {
    let f = library();
    let out = f.run(&["run", "scenarios/talks.toml"]);
    out.code(0)
        .stdout_has("talks — Talks (scenarios/talks.toml) as of 2025-06-02")
        .stdout_has(
            "FIRES stronger-sanctions — Stronger international sanctions [sanctions, severity 4]",
        )
        .stdout_has("talks/escalation fires: 1 large strikes")
        .stdout_has("FIRES new-sanctions — Strong new sanctions [sanctions, severity 3]")
        .stdout_has("quiet: leaders-summit, sanctions-relief");
    let hi = out.stdout.find("FIRES stronger-sanctions");
    let lo = out.stdout.find("FIRES new-sanctions");
    assert!(hi < lo, "severity 4 should come first\n{}", out.dump());
}

#[test]
fn scenario_ids_default_to_their_path_under_the_folder() {
    let f = library();
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    let doc = out.code(0).json();
    let sc = scenario(&doc, "us/ultimatum");
    assert_eq!(sc["file"], "scenarios/us/ultimatum.toml");
    assert_eq!(fired(sc), ["leaders-summit", "new-sanctions"]);
    // A file given directly is known by its stem.
    let doc = f
        .run(&["run", "scenarios/us/ultimatum.toml", "--format", "json"])
        .json();
    scenario(&doc, "ultimatum");
}

#[test]
fn run_jsonl_prints_one_typed_line_per_scenario_and_diagnostic() {
    let f = library();
    f.scenario("zz-bad", "[scenario]\ntitle = 5\n");
    let out = f.run(&["run", "scenarios", "--format", "jsonl"]);
    out.code(2);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let scenarios = lines.iter().filter(|l| l["type"] == "scenario").count();
    assert_eq!(scenarios, 8, "{}", out.dump());
    let d = lines
        .iter()
        .find(|l| l["type"] == "diagnostic")
        .unwrap_or_else(|| panic!("no diagnostic line\n{}", out.dump()));
    assert_at(d, "scenarios/zz-bad.toml", 2, 9);
    assert!(lines.iter().all(|l| l["type"].is_string()));
}

#[test]
fn run_markdown_names_the_responses_that_fire() {
    let f = library();
    f.run(&["run", "scenarios/talks.toml", "--format", "markdown"])
        .code(0)
        .stdout_has("new-sanctions")
        .stdout_has("stronger-sanctions");
}

#[test]
fn run_with_one_and_two_workers_prints_identical_bytes() {
    let f = library();
    for format in ["text", "json", "jsonl"] {
        let one = f.run(&[
            "-j",
            "1",
            "run",
            "scenarios",
            "--format",
            format,
            "--explain",
        ]);
        let two = f.run(&[
            "-j",
            "2",
            "run",
            "scenarios",
            "--format",
            format,
            "--explain",
        ]);
        let many = f.run(&["run", "scenarios", "--format", format, "-j", "8"]);
        one.code(0);
        two.code(0);
        many.code(0);
        assert_eq!(one.stdout, two.stdout, "format {format}");
        assert!(one.stdout.contains("more/s5"), "{}", one.dump());
        let plain = f.run(&["run", "scenarios", "--format", format, "-j", "1"]);
        assert_eq!(plain.stdout, many.stdout, "format {format}");
    }
}

#[test]
fn run_prints_scenarios_in_path_order() {
    let f = library();
    let doc = f
        .run(&["-j", "4", "run", "scenarios", "--format", "json"])
        .json();
    let ids: Vec<&str> = doc["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "more/s0",
            "more/s1",
            "more/s2",
            "more/s3",
            "more/s4",
            "more/s5",
            "talks",
            "us/ultimatum"
        ]
    );
}

#[test]
fn run_without_a_path_runs_the_scenarios_folder_like_test_and_check() {
    let f = library();
    let all = f.run(&["run", "scenarios"]);
    all.code(0);
    let bare = f.run(&["run"]);
    bare.code(0);
    assert_eq!(bare.stdout, all.stdout, "{}", bare.dump());
    // Without a `scenarios/` folder the error says which path was tried.
    let f = Fixture::new();
    std::fs::remove_dir(f.path().join("scenarios")).unwrap();
    f.run(&["run"]).code(2).stderr_has("scenarios");
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let f = library();
    f.run(&["run", "scenarios", "--format", "yaml"])
        .code(2)
        .stderr_has("yaml");
}

#[test]
fn run_with_a_rules_folder_elsewhere_uses_it() {
    let f = Fixture::new();
    f.write("policy/responses.toml", RESPONSES)
        .write("policy/only.rhai", GOOD_RULE)
        .scenario("talks", TALKS);
    let doc = f
        .run(&[
            "--rules",
            "policy",
            "run",
            "scenarios/talks.toml",
            "--format",
            "json",
        ])
        .code(0)
        .json();
    let sc = scenario(&doc, "talks");
    assert_eq!(fired(sc), ["new-sanctions"]);
    assert_eq!(verdict(sc, "only")["reason"], "the talks brought nothing");
}

#[test]
fn check_on_a_clean_library_exits_0_and_counts_everything() {
    let f = library();
    f.run(&["check"])
        .code(0)
        .stdout_has("checked 4 rules, 0 helpers, 4 responses, 8 scenarios: 0 errors");
}

#[test]
fn check_warns_about_an_event_kind_no_scenario_has() {
    let f = library();
    f.rule(
        "typo",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count(\"strikes\") > 0\n}\n",
    );
    f.run(&["check"])
        .code(0)
        .stderr_has("no scenario has an event of kind `strikes`")
        .stderr_has("rules/typo.rhai:3:7")
        .stderr_has("did you mean `strike`?");
}

#[test]
fn markdown_says_nothing_fires_instead_of_an_empty_table() {
    let f = Fixture::new();
    f.rule(
        "never",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { quiet(\"never\") }\n",
    )
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "markdown"]);
    out.code(0)
        .stdout_has("Nothing fires.")
        .stdout_lacks("| response | status | rule | reason |");
}

#[test]
fn check_file_judges_event_kinds_over_the_scenario_tree_not_the_one_file() {
    let f = Fixture::new();
    f.rule(
        "strikes",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    s.count(\"strike\") > 0\n}\n",
    )
    .rule(
        "typo",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count(\"strikse\") > 0\n}\n",
    )
    .scenario("talks", TALKS)
    .scenario(
        "quiet",
        "[scenario]\ntitle = \"Quiet\"\n\n[[events]]\nkind = \"statement\"\ndate = 2025-06-01\n",
    );
    // `strike` is in another scenario of the library: no warning.
    let out = f.run(&["check", "scenarios/quiet.toml"]);
    out.code(0)
        .stderr_has("no scenario has an event of kind `strikse`");
    assert_eq!(
        out.stderr
            .matches("no scenario has an event of kind")
            .count(),
        1,
        "{}",
        out.dump()
    );
    assert!(!out.stderr.contains("kind `strike`"), "{}", out.dump());
}

#[test]
fn a_rule_error_is_printed_under_its_own_response() {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE)
        .rule(
            "talks/broken",
            "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    throw \"boom\";\n}\n",
        )
        .rule(
            "summit",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) { \"always\" }\n",
        )
        .rule(
            "summit-broken",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    throw \"bang\";\n}\n",
        );
    f.scenario("talks", TALKS);
    for args in [
        &["run", "scenarios/talks.toml"][..],
        &["run", "scenarios/talks.toml", "--explain"],
    ] {
        let out = f.run(args);
        out.code(2);
        let at = |needle: &str| {
            out.stdout
                .find(needle)
                .unwrap_or_else(|| panic!("stdout lacks {needle:?}\n{}", out.dump()))
        };
        // new-sanctions (severity 3) comes before leaders-summit (1); its
        // rule's error sits between the two, not after the last.
        let own = at("FIRES new-sanctions");
        let error = at("error: rules/talks/broken.rhai:3:");
        let next = at("FIRES leaders-summit");
        let its = at("error: rules/summit-broken.rhai:3:");
        assert!(own < error && error < next && next < its, "{}", out.dump());
        // Once each: not again under another response, nor among the
        // errors no response owns.
        for e in ["rules/talks/broken.rhai:3:", "rules/summit-broken.rhai:3:"] {
            let told = out.stdout.matches(&format!("error: {e}")).count();
            assert_eq!(told, 1, "{e}\n{}", out.dump());
        }
    }
}

#[test]
fn markdown_orders_responses_by_severity_as_text_does() {
    let f = library();
    f.scenario(
        "busy",
        "[scenario]\ntitle = \"Busy\"\nas_of = 2025-06-10\n\n[[events]]\nkind = \"strike\"\ndate = 2025-06-01\ndrones = 250\n\n[[events]]\nkind = \"summit-proposal\"\ndate = 2025-06-02\n",
    );
    for format in ["markdown", "text"] {
        let out = f.run(&["run", "scenarios/busy.toml", "--format", format]);
        out.code(0);
        let at = |id: &str| {
            out.stdout
                .find(id)
                .unwrap_or_else(|| panic!("stdout lacks {id}\n{}", out.dump()))
        };
        // Severity 4, 3, 1: not the alphabetical order of the ids.
        assert!(
            at("stronger-sanctions") < at("new-sanctions")
                && at("new-sanctions") < at("leaders-summit"),
            "{format}\n{}",
            out.dump()
        );
    }
}

#[test]
fn check_warns_about_a_catalogue_response_no_rule_names() {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE)
        .scenario("talks", TALKS);
    let out = f.run(&["check"]);
    out.code(0)
        .stderr_has("warning: no rule fires `leaders-summit`")
        .stderr_has("rules/responses.toml:11:2")
        .stdout_has("3 warnings");
    assert!(!out.stderr.contains("`new-sanctions`"), "{}", out.dump());
}

#[test]
fn command_line_dates_are_strict_iso() {
    let f = library();
    for args in [
        &["run", "scenarios/talks.toml", "--as-of", "2025-3-1"][..],
        &["run", "scenarios/talks.toml", "--as-of", "+2025-03-01"],
        &["run", "scenarios/talks.toml", "--as-of", "2025-03-01x"],
        &["timeline", "scenarios/talks.toml", "--from", "2025-6-1"],
        &["timeline", "scenarios/talks.toml", "--to", "02025-06-01"],
    ] {
        f.run(args)
            .code(2)
            .stderr_has("is not a calendar date written YYYY-MM-DD");
    }
    f.run(&["run", "scenarios/talks.toml", "--as-of", "2025-03-01"])
        .code(0);
}

#[test]
fn timeline_from_after_a_scenarios_as_of_is_a_note_for_that_scenario() {
    let f = library();
    // us/ultimatum is as of 2025-08-08; talks as of 2025-06-02.
    let out = f.run(&[
        "timeline",
        "scenarios/talks.toml",
        "scenarios/us/ultimatum.toml",
        "--from",
        "2025-07-01",
    ]);
    out.code(0)
        .stderr_has("scenarios/talks.toml")
        .stderr_has("--from 2025-07-01 is after its as_of 2025-06-02")
        .stdout_has("ultimatum")
        .stdout_has("replayed 2025-07-01 to 2025-08-08");
    assert!(!out.stderr.contains("error"), "{}", out.dump());
    // Two dates given that contradict each other are still an error.
    f.run(&[
        "timeline",
        "scenarios/talks.toml",
        "--from",
        "2025-07-01",
        "--to",
        "2025-06-01",
    ])
    .code(2);
}

#[test]
fn a_missing_rules_folder_is_reported_once_and_nothing_runs() {
    let f = library();
    for args in [
        &["--rules", "nope", "test"][..],
        &["--rules", "nope", "run"],
        &["--rules", "nope", "check"],
        &["--rules", "nope", "timeline", "scenarios/talks.toml"],
    ] {
        let out = f.run(args);
        out.code(2)
            .stderr_has("error: rules folder not found\n  --> nope\n")
            .stderr_has("help: pass `--rules DIR`");
        assert_eq!(
            out.stderr.matches("error").count(),
            1,
            "one error, nothing else\n{}",
            out.dump()
        );
        assert!(!out.stdout.contains("may be wrong"), "{}", out.dump());
        assert!(!out.stdout.contains("talks"), "nothing ran\n{}", out.dump());
    }
}

/// The one diagnostic of a missing rules folder, in a JSON document.
fn only_missing_rules(doc: &serde_json::Value) {
    let diags = doc["diagnostics"].as_array().cloned().unwrap_or_default();
    assert_eq!(diags.len(), 1, "{}", pretty(doc));
    assert_eq!(diags[0]["severity"], "error", "{}", pretty(doc));
    assert_eq!(diags[0]["file"], "nope", "{}", pretty(doc));
    assert!(
        diags[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("rules folder not found")),
        "{}",
        pretty(doc)
    );
}

#[test]
fn a_missing_rules_folder_is_reported_in_the_machine_formats_of_run_and_timeline() {
    let f = library();
    let out = f.run(&["--rules", "nope", "run", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    assert_eq!(doc["format_version"], 1);
    only_missing_rules(&doc);
    assert_eq!(doc["scenarios"], serde_json::json!([]), "{}", out.dump());

    let out = f.run(&["--rules", "nope", "run", "--format", "jsonl"]);
    out.code(2);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 1, "{}", out.dump());
    assert_eq!(lines[0]["type"], "diagnostic", "{}", out.dump());
    assert_eq!(lines[0]["file"], "nope", "{}", out.dump());

    let out = f.run(&["--rules", "nope", "run", "--format", "markdown"]);
    out.code(2)
        .stdout_has("## Problems")
        .stdout_has("rules folder not found");
    assert!(!out.stdout.contains("talks"), "nothing ran\n{}", out.dump());

    let out = f.run(&[
        "--rules",
        "nope",
        "timeline",
        "scenarios/talks.toml",
        "--format",
        "json",
    ]);
    out.code(2);
    let doc = out.json();
    assert_eq!(doc["format_version"], 1);
    only_missing_rules(&doc);
    assert_eq!(doc["scenarios"], serde_json::json!([]), "{}", out.dump());
}

/// The good rule, a quiet rule, and a rule that throws, on the talks.
fn one_of_each() -> Fixture {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "relief",
            "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    quiet(\"no ceasefire\")\n}\n",
        )
        .rule(
            "bad",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    throw \"boom\";\n}\n",
        )
        .scenario("talks", TALKS);
    f
}

#[test]
fn run_markdown_has_a_row_per_firing_or_erroring_response_with_its_status() {
    let out = one_of_each().run(&["run", "scenarios", "--format", "markdown"]);
    out.code(2);
    assert_eq!(
        out.stdout,
        "## `talks` — Talks (as of 2025-06-02)\n\
         \n\
         | response | status | rule | reason |\n\
         |---|---|---|---|\n\
         | `new-sanctions` (Strong new sanctions) | **fires** | `good` | the talks brought nothing |\n\
         | `leaders-summit` (Leaders' summit) | error | `bad` | boom |\n\
         \n\
         Quiet: `sanctions-relief`\n\
         \n",
        "{}",
        out.dump()
    );
}

#[test]
fn a_rule_error_makes_run_exit_2_in_every_format() {
    let f = one_of_each();
    for format in ["text", "json", "jsonl", "markdown"] {
        let out = f.run(&["run", "scenarios", "--format", format]);
        out.code(2);
    }
    let out = f.run(&["run", "scenarios", "--format", "jsonl"]);
    let line: serde_json::Value = serde_json::from_str(out.stdout.trim_end())
        .unwrap_or_else(|e| panic!("{e}\n{}", out.dump()));
    assert_eq!(fired(&line), ["new-sanctions"]);
    assert_at(rule_error(&line, "bad"), "rules/bad.rhai", 3, 5);
    // Without the error, every format exits 0.
    f.rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    false\n}\n",
    );
    for format in ["text", "json", "jsonl", "markdown"] {
        f.run(&["run", "scenarios", "--format", format]).code(0);
    }
}

/// Output piped to a file or another program has no colour codes, with
/// or without `NO_COLOR`: colour is for a terminal only.
#[test]
fn output_to_a_pipe_has_no_colour_codes_even_without_no_color() {
    let f = one_of_each();
    for args in [&["run", "scenarios/talks.toml"][..], &["check"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
            .args(args)
            .current_dir(f.path())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run sanctions-trigger: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stdout.is_empty(), "{args:?}: no output");
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{args:?}: colour codes in\n{stdout}\n{stderr}"
        );
    }
}

/// Markdown lists what fires, then what errored by severity (not by id),
/// then, with `--explain` only, the quiet ones as rows; without it, one
/// `Quiet:` line.
#[test]
fn markdown_rows_are_firing_then_erroring_by_severity_then_quiet_with_explain() {
    let f = Fixture::new();
    f.rule(
        "low",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    \"a summit is offered\"\n}\n",
    )
    .rule(
        "err-high",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    throw \"high\";\n}\n",
    )
    .rule(
        "err-mid",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    throw \"mid\";\n}\n",
    )
    .rule(
        "relief",
        "const RESPONSE = \"sanctions-relief\";\nfn fires(s) {\n    quiet(\"no ceasefire\")\n}\n",
    )
    .scenario("talks", TALKS);
    let head = "## `talks` — Talks (as of 2025-06-02)\n\n\
                | response | status | rule | reason |\n\
                |---|---|---|---|\n\
                | `leaders-summit` (Leaders' summit) | **fires** | `low` | a summit is offered |\n\
                | `stronger-sanctions` (Stronger international sanctions) | error | `err-high` | high |\n\
                | `new-sanctions` (Strong new sanctions) | error | `err-mid` | mid |\n";
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "markdown"]);
    out.code(2);
    assert_eq!(
        out.stdout,
        format!("{head}\nQuiet: `sanctions-relief`\n\n"),
        "{}",
        out.dump()
    );
    let out = f.run(&[
        "run",
        "scenarios/talks.toml",
        "--format",
        "markdown",
        "--explain",
    ]);
    out.code(2);
    assert_eq!(
        out.stdout,
        format!(
            "{head}| `sanctions-relief` (Sanctions relief) | quiet | `relief` | no ceasefire |\n\n"
        ),
        "{}",
        out.dump()
    );
}
