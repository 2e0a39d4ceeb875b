//! The scenario vocabulary, `rules/vocabulary.toml`: every scenario is
//! checked against it as it is read (TOML, JSON Lines, variants), each
//! problem an error at the scenario's key or value with a code and a
//! did-you-mean; the file itself is checked; a rule's missing-field error
//! blames the scenario or the rule as the vocabulary says; and
//! `vocabulary infer` writes one from scenarios.

use serde_json::Value;

use crate::support::*;

/// A vocabulary for the fixtures' scenarios (`TALKS`, and deployments).
const VOCAB: &str = r#"[kinds.talks]
description = "A negotiation round"
fields.round = { type = "int", required = true }
fields.location = { type = "string" }
fields.outcome = { type = "table", required = true, fields = { ceasefire = { type = "bool", required = true }, breakthrough = { type = "bool" } } }

[kinds.strike]
fields.by = { type = "string", required = true, values = ["RU", "UA"] }
fields.drones = { type = "int" }

[kinds.deployment]
fields.personnel = { type = "int" }
fields.until = { type = "date" }

[kinds.note]
open = true
"#;

/// A fixture with the good rule, the vocabulary, `talks.toml` and the
/// scenario `bad.toml`; `run --format json` must exit 2 and still judge
/// `talks`. Returns the diagnostic on `bad.toml` containing `text`.
#[track_caller]
fn bad(scenario_text: &str, text: &str) -> Value {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write("rules/vocabulary.toml", VOCAB)
        .scenario("bad", scenario_text)
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    let d = diagnostic(&doc, "scenarios/bad.toml", text).clone();
    assert_eq!(d["severity"], "error");
    d
}

const HEAD: &str = "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\n";

#[test]
fn a_typo_in_a_field_is_an_error_at_the_key_with_the_declared_name() {
    let d = bad(
        &format!("{HEAD}kind = \"deployment\"\ndate = 2025-06-01\npersonel = 10000\n"),
        "`personel` is not a field of a `deployment` event",
    );
    assert_at(&d, "scenarios/bad.toml", 8, 1);
    assert_eq!(d["code"], "unknown-field");
    assert_eq!(d["help"], "did you mean `personnel`?");
}

#[test]
fn a_quoted_date_is_a_type_error_telling_to_drop_the_quotes() {
    let d = bad(
        &format!("{HEAD}kind = \"deployment\"\ndate = 2025-06-01\nuntil = \"2025-03-04\"\n"),
        "`until` of a `deployment` event must be a date, found string",
    );
    assert_at(&d, "scenarios/bad.toml", 8, 9);
    assert_eq!(d["code"], "type-mismatch");
    assert_eq!(
        d["help"],
        "write the date without quotes: `until = 2025-03-04`"
    );
}

#[test]
fn an_undeclared_kind_is_an_error_at_the_kind_with_the_nearest_kind() {
    let d = bad(
        &format!("{HEAD}kind = \"taks\"\ndate = 2025-06-01\n"),
        "event kind `taks` is not in the vocabulary",
    );
    assert_at(&d, "scenarios/bad.toml", 6, 8);
    assert_eq!(d["code"], "unknown-kind");
    assert_eq!(d["help"], "did you mean `talks`?");
}

#[test]
fn a_missing_required_field_is_an_error_at_the_event() {
    let d = bad(
        &format!("{HEAD}kind = \"talks\"\ndate = 2025-06-01\nround = 1\n"),
        "a `talks` event has no `outcome`, which the vocabulary requires",
    );
    assert_at(&d, "scenarios/bad.toml", 5, 1);
    assert_eq!(d["code"], "missing-field");
    assert_eq!(d["help"], "add `outcome = …` (a table)");
    // Inside a table too.
    let d = bad(
        &format!(
            "{HEAD}kind = \"talks\"\ndate = 2025-06-01\nround = 1\noutcome = {{ breakthrough = true }}\n"
        ),
        "`outcome` of a `talks` event has no `ceasefire`",
    );
    assert_at(&d, "scenarios/bad.toml", 9, 11);
}

#[test]
fn a_value_outside_values_is_an_error_at_the_value() {
    let d = bad(
        &format!("{HEAD}kind = \"strike\"\ndate = 2025-06-01\nby = \"RUS\"\n"),
        "`by` of a `strike` event is \"RUS\", not an allowed value",
    );
    assert_at(&d, "scenarios/bad.toml", 8, 6);
    assert_eq!(d["code"], "value-not-allowed");
    assert_eq!(d["help"], "did you mean `RU`?");
}

#[test]
fn a_string_where_an_int_is_declared_is_a_type_error() {
    let d = bad(
        &format!(
            "{HEAD}kind = \"talks\"\ndate = 2025-06-01\nround = \"two\"\noutcome = {{ ceasefire = false }}\n"
        ),
        "`round` of a `talks` event must be an integer, found string",
    );
    assert_at(&d, "scenarios/bad.toml", 8, 9);
    assert_eq!(d["code"], "type-mismatch");
    assert!(d["help"].is_null(), "{d}");
    let d = bad(
        &format!("{HEAD}kind = \"strike\"\ndate = 2025-06-01\nby = 3\n"),
        "`by` of a `strike` event must be a string, found integer",
    );
    assert_at(&d, "scenarios/bad.toml", 8, 6);
}

#[test]
fn an_open_kind_takes_any_field_and_a_declared_one_any_valid_value() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write("rules/vocabulary.toml", VOCAB)
        .scenario("talks", TALKS)
        .scenario(
            "open",
            &format!("{HEAD}kind = \"note\"\ndate = 2025-06-01\nanything = [1, \"two\"]\nmore = {{ a = 2025-01-01 }}\n"),
        );
    f.run(&["check"]).code(0).stdout_has("0 errors,");
    f.run(&["test"]).code(0);
}

#[test]
fn a_json_lines_scenario_is_checked_too() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write("rules/vocabulary.toml", VOCAB);
    let line = r#"{"scenario": {"title": "t"}, "events": [{"kind": "deployment", "date": "2025-06-01", "until": "2025-03-04"}]}"#;
    let out = f.run_stdin(&["run", "-", "--format", "jsonl"], &format!("{line}\n"));
    out.code(2);
    let d: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d["code"], "type-mismatch");
    assert_eq!(d["file"], "<stdin>");
    assert_eq!(d["line"], 1);
    assert_eq!(d["help"], "write the date as `{\"$date\": \"2025-03-04\"}`");
}

#[test]
fn a_variant_is_checked_file_by_file_at_each_files_lines() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write("rules/vocabulary.toml", VOCAB)
        .scenario("talks", TALKS)
        .scenario(
            "variant",
            "[scenario]\nextends = \"talks.toml\"\n\n[[events]]\nid = \"round-2\"\nkind = \"talks\"\ndate = 2025-06-02\nround = 2\noutcom = { ceasefire = true }\n",
        );
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "scenarios/variant.toml", "`outcom` is not a field");
    assert_at(d, "scenarios/variant.toml", 9, 1);
    assert_eq!(d["help"], "did you mean `outcome`?");
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[test]
fn without_a_vocabulary_nothing_is_checked() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "any",
        &format!("{HEAD}kind = \"taks\"\ndate = 2025-06-01\npersonel = \"many\"\n"),
    );
    f.run(&["check"]).code(0);
}

#[test]
fn errors_in_the_vocabulary_file_are_reported_at_its_lines_with_codes() {
    for (text, line, column, message, help) in [
        (
            "[kinds.talks]\nfields.round = { type = \"strng\" }\n",
            2,
            25,
            "unknown type `strng` for `kinds.talks.fields.round`",
            "did you mean `string`?",
        ),
        (
            "[kinds.talks]\nfields.round = { type = \"int\", requird = true }\n",
            2,
            32,
            "unknown key `requird` in `kinds.talks.fields.round`",
            "did you mean `required`?",
        ),
        (
            "[kinds.talks]\nfields.round = { type = \"int\", fields = {} }\n",
            2,
            32,
            "`fields` on a field of type `int`: only tables have it",
            "remove `fields`, or make `kinds.talks.fields.round` of type `table`",
        ),
        (
            "[kinds.talks]\nfields.date = { type = \"date\" }\n",
            2,
            8,
            "`date` is a key of every event and cannot be declared",
            "leave `kind`, `date`, `id` and `source` out of `fields`",
        ),
    ] {
        let f = Fixture::new();
        f.rule("good", GOOD_RULE)
            .write("rules/vocabulary.toml", text)
            .scenario("talks", TALKS);
        let out = f.run(&["run", "scenarios", "--format", "json"]);
        out.code(2);
        let doc = out.json();
        let d = diagnostic(&doc, "rules/vocabulary.toml", message);
        assert_at(d, "rules/vocabulary.toml", line, column);
        assert!(
            d["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("vocabulary-")),
            "{d}"
        );
        assert_eq!(d["help"], help, "{d}");
        // A broken vocabulary is not used: the scenarios still run.
        assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    }
}

/// A rule that reads `personnel` from the latest deployment.
const READS_PERSONNEL: &str = r#"const RESPONSE = "leaders-summit";
fn fires(s) {
    s.latest("deployment").personnel > 1000
}
"#;

#[test]
fn a_missing_optional_field_the_vocabulary_declares_blames_the_unguarded_read() {
    // `personnel` is declared but not required: a scenario may leave it
    // out, so the rule that reads it without `.has` is what to fix (or
    // the vocabulary, if every deployment must say it).
    let f = Fixture::new();
    f.rule("reads", READS_PERSONNEL)
        .write("rules/vocabulary.toml", VOCAB)
        .scenario(
            "s",
            &format!("{HEAD}kind = \"deployment\"\ndate = 2025-06-01\n"),
        );
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "s"), "reads");
    assert_message(
        e,
        "has no field `personnel`, which the vocabulary declares optional for `deployment` \
         events: guard the read with `.has(\"personnel\")` or `.get(\"personnel\", default)`, \
         or declare it `required = true` so that scenarios must have it",
    );
    assert_at(e, "rules/reads.rhai", 3, 27);
}

#[test]
fn a_field_the_vocabulary_requires_cannot_be_missing_when_a_rule_runs() {
    // Required: the scenario is refused as it is read, at its event, and
    // no rule ever sees the event without it.
    let f = Fixture::new();
    f.rule("reads", READS_PERSONNEL)
        .write(
            "rules/vocabulary.toml",
            &VOCAB.replace(
                "fields.personnel = { type = \"int\"",
                "fields.personnel = { type = \"int\", required = true",
            ),
        )
        .scenario(
            "s",
            &format!("{HEAD}kind = \"deployment\"\ndate = 2025-06-01\n"),
        );
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "scenarios/s.toml", "personnel");
    assert_eq!(d["code"], "missing-field", "{d}");
}

#[test]
fn a_missing_field_the_vocabulary_lacks_blames_the_rule() {
    let f = Fixture::new();
    f.rule("reads", &READS_PERSONNEL.replace("personnel", "personel"))
        .write("rules/vocabulary.toml", VOCAB)
        .scenario(
            "s",
            &format!("{HEAD}kind = \"deployment\"\ndate = 2025-06-01\npersonnel = 5000\n"),
        );
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "s"), "reads");
    assert_message(
        e,
        "has no field `personel`, and the vocabulary declares no `personel` for `deployment` \
         events: the rule reads a field that does not exist (did you mean `personnel`?)",
    );
    assert_at(e, "rules/reads.rhai", 3, 27);
}

#[test]
fn infer_writes_a_sorted_vocabulary_of_the_kinds_fields_and_types_seen() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS).scenario(
        "more",
        &format!(
            "{HEAD}kind = \"talks\"\ndate = 2025-06-01\nround = 1.5\n\
             outcome = {{ ceasefire = true }}\ntags = [\"a\"]\n\n[facts]\ndeadline = 2025-08-08\n"
        ),
    );
    let out = f.run(&["vocabulary", "infer", "scenarios"]);
    out.code(0);
    let text = out.stdout.clone();
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        body.trim(),
        "[kinds.strike]\n\
         fields.by = { type = \"string\", required = true }\n\
         fields.drones = { type = \"int\", required = true }\n\n\
         [kinds.talks]\n\
         fields.location = { type = \"string\" }\n\
         fields.outcome = { type = \"table\", required = true, fields = { breakthrough = { type = \"bool\" }, ceasefire = { type = \"bool\", required = true } } }\n\
         fields.round = { type = \"float\", required = true }\n\
         fields.tags = { type = \"array\", items = { type = \"string\" } }\n\n\
         [facts]\n\
         fields.deadline = { type = \"date\" }\n\n\
         [actors]"
    );
    assert!(text.starts_with("# Scenario vocabulary inferred"), "{text}");
    // Written where it is read, the scenarios it came from check clean.
    let out = f.run(&["vocabulary", "infer", "--out", "rules/vocabulary.toml"]);
    out.code(0)
        .stderr_has("wrote rules/vocabulary.toml: 2 event kinds");
    f.run(&["check"]).code(0).stdout_has("0 errors");
    // A second write is refused without --force.
    f.run(&["vocabulary", "infer", "--out", "rules/vocabulary.toml"])
        .code(2)
        .stderr_has("the file exists already")
        .stderr_has("--force");
    f.run(&[
        "vocabulary",
        "infer",
        "--out",
        "rules/vocabulary.toml",
        "--force",
    ])
    .code(0);
}

#[test]
fn infer_on_the_shipped_scenarios_gives_a_vocabulary_check_accepts() {
    let f = shipped();
    std::fs::remove_file(f.path().join("rules/vocabulary.toml")).unwrap_or_else(|e| panic!("{e}"));
    f.run(&[
        "vocabulary",
        "infer",
        "scenarios/",
        "--out",
        "rules/vocabulary.toml",
    ])
    .code(0);
    f.run(&["check"]).code(0).stdout_has("0 errors, 0 warnings");
    f.run(&["test", "scenarios/"])
        .code(0)
        .stdout_has("15 passed");
}

#[test]
fn the_shipped_library_checks_clean_under_its_vocabulary() {
    let f = shipped();
    f.run(&["check"]).code(0).stdout_has("0 errors, 0 warnings");
}

#[test]
fn infer_reports_a_broken_scenario_and_infers_from_the_rest() {
    let f = Fixture::new();
    f.scenario("talks", TALKS).scenario("bad", "[scenario\n");
    let out = f.run(&["vocabulary", "infer"]);
    out.code(2)
        .stderr_has("scenarios/bad.toml:1:10")
        .stdout_has("[kinds.talks]");
}

#[test]
fn an_engine_checks_scenarios_read_and_built_with_its_parse_options() {
    use sanctions_trigger::{Engine, Event, NaiveDate, Scenario};
    let engine = Engine::builder()
        .catalogue(RESPONSES)
        .rule("good", GOOD_RULE)
        .vocabulary(VOCAB)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let day = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap_or_default();
    let built = Scenario::builder("b", "B")
        .event(Event::new("strike", day).field("by", "RUS"))
        .build_with(&engine.parse_options());
    let err = built.err().unwrap_or_else(|| panic!("accepted"));
    let d = &err.diagnostics()[0];
    assert_eq!(d.code.map(|c| c.as_str()), Some("value-not-allowed"));
    assert_eq!(d.help.as_deref(), Some("did you mean `RU`?"));
    let ok = Scenario::from_toml("t", TALKS, &engine.parse_options());
    assert!(ok.is_ok(), "{ok:?}");
    let bad = Engine::builder()
        .catalogue(RESPONSES)
        .rule("good", GOOD_RULE)
        .vocabulary("[kinds.x]\nfields.a = { type = \"strng\" }\n")
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert!(
        bad.to_string()
            .starts_with("rules/vocabulary.toml:2:21: error: unknown type `strng`"),
        "{bad}"
    );
}

#[test]
fn a_typo_of_a_required_field_is_one_diagnostic_not_two() {
    // `rund` stands for `round`: the unknown key says so, and the missing
    // `round` is not reported a second time.
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write("rules/vocabulary.toml", VOCAB)
        .scenario(
            "bad",
            &format!(
                "{HEAD}kind = \"talks\"\ndate = 2025-06-01\nrund = 2\noutcome = {{ ceasefire = false }}\n"
            ),
        );
    let out = f.run(&["check", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let diags: Vec<&Value> = doc["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|d| d["file"] == "scenarios/bad.toml")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(diags.len(), 1, "{}", pretty(&doc));
    assert_eq!(diags[0]["code"], "unknown-field");
    assert_eq!(diags[0]["help"], "did you mean `round`?");
    assert_at(diags[0], "scenarios/bad.toml", 8, 1);
    // A key that stands for no required field leaves the missing one
    // reported.
    f.scenario(
        "bad",
        &format!("{HEAD}kind = \"talks\"\ndate = 2025-06-01\nzzz = 2\noutcome = {{ ceasefire = false }}\n"),
    );
    let doc = f.run(&["check", "--format", "json"]).json();
    let codes: Vec<&str> = doc["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|d| d["file"] == "scenarios/bad.toml")
                .filter_map(|d| d["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        codes,
        ["unknown-field", "missing-field"],
        "{}",
        pretty(&doc)
    );
}

#[test]
fn check_reports_a_base_scenario_problem_once_however_many_variants_extend_it() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write("rules/vocabulary.toml", VOCAB)
        .scenario(
            "base",
            &format!("{HEAD}kind = \"deployment\"\ndate = 2025-06-01\npersonel = 1\n"),
        );
    for v in ["a", "b", "c"] {
        f.scenario(v, "[scenario]\ntitle = \"v\"\nextends = \"base.toml\"\n");
    }
    let out = f.run(&["check", "--format", "github"]);
    out.code(2);
    let typo = out
        .stdout
        .lines()
        .filter(|l| l.contains("`personel` is not a field"))
        .count();
    assert_eq!(typo, 1, "{}", out.dump());
    // Each variant still says that its base does not load.
    let bases = out
        .stdout
        .lines()
        .filter(|l| l.contains("title=base-invalid"))
        .count();
    assert_eq!(bases, 3, "{}", out.dump());
}

#[test]
fn a_quoted_date_in_an_event_kind_starting_with_a_vowel_reads_as_english() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write(
            "rules/vocabulary.toml",
            "[kinds.ultimatum]\nfields.deadline = { type = \"date\" }\n",
        )
        .scenario(
            "u",
            "[scenario]\ntitle = \"t\"\n\n[[events]]\nkind = \"ultimatum\"\ndate = 2025-07-14\ndeadline = \"2025-08-08\"\n",
        );
    let doc = f.run(&["check", "--format", "json"]).json();
    let d = diagnostic(&doc, "scenarios/u.toml", "deadline");
    assert_eq!(
        d["message"],
        "`deadline` of an `ultimatum` event must be a date, found string"
    );
    assert_eq!(
        d["help"],
        "write the date without quotes: `deadline = 2025-08-08`"
    );
    assert_at(d, "scenarios/u.toml", 7, 12);
}
