//! Rules checked against the vocabulary by `check`: a literal event kind
//! the vocabulary lacks is an error with the nearest declared kind; a
//! field read on a value whose kind the text alone tells (`latest`, a
//! variable, a loop, a closure, an index, `[facts]`) that the kind does
//! not declare is an error at the read; `has`/`get` of one is a warning;
//! `open` kinds and tables take any field; without a vocabulary the
//! scenario-based warning stays; and `run`/`test` are not affected.

use serde_json::Value;

use crate::support::*;

const VOCAB: &str = r#"[kinds.talks]
fields.round = { type = "int", required = true }
fields.location = { type = "string" }
fields.outcome = { type = "table", required = true, fields = { ceasefire = { type = "bool", required = true }, breakthrough = { type = "bool" } } }
fields.extra = { type = "table", open = true }

[kinds.strike]
fields.by = { type = "string", required = true, values = ["RU", "UA"] }
fields.drones = { type = "int" }

[kinds.note]
open = true

[facts]
fields.venue = { type = "string" }
"#;

/// A library with `VOCAB`, the `TALKS` scenario and `rules/r.rhai`.
fn library(rule: &str) -> Fixture {
    let f = Fixture::new();
    f.write("rules/vocabulary.toml", VOCAB)
        .rule("r", rule)
        .scenario("talks", TALKS);
    f
}

/// `check --format json` on a library with `rule`: its exit code and
/// diagnostics on the rule.
#[track_caller]
fn check(rule: &str, code: i32) -> Value {
    let out = library(rule).run(&["check", "--format", "json"]);
    out.code(code);
    out.diagnostics_have_codes();
    out.json()
}

/// The diagnostics of `doc` on the rule.
fn on_rule(doc: &Value) -> Vec<&Value> {
    doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["file"] == "rules/r.rhai")
        .collect()
}

/// Asserts one diagnostic of `doc` on the rule has this place, code,
/// severity, message and help.
#[track_caller]
fn expect(doc: &Value, at: (u64, u64), code: &str, severity: &str, message: &str, help: &str) {
    let d = diagnostic(doc, "rules/r.rhai", message);
    assert_at(d, "rules/r.rhai", at.0, at.1);
    assert_eq!(d["code"], code, "{}", pretty(d));
    assert_eq!(d["severity"], severity, "{}", pretty(d));
    assert_eq!(d["message"], message, "{}", pretty(d));
    assert_eq!(d["help"], help, "{}", pretty(d));
}

const HEAD: &str = "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n";

#[test]
fn a_kind_the_vocabulary_lacks_is_an_error_at_the_literal_with_the_nearest_kind() {
    let doc = check(
        &format!(
            "{HEAD}    let a = s.latest(\"tlaks\");\n    let b = s.events(\"strikes\");\n    let c = s.count(\"nots\");\n    s.events().filter(|e| e.kind == \"talsk\").len() > 0 && \"stirke\" != a.kind\n}}\n"
        ),
        2,
    );
    let unknown = "rule-kind-not-in-vocabulary";
    let msg = |k: &str| format!("event kind `{k}` is not in the vocabulary");
    expect(
        &doc,
        (3, 22),
        unknown,
        "error",
        &msg("tlaks"),
        "did you mean `talks`?",
    );
    expect(
        &doc,
        (4, 22),
        unknown,
        "error",
        &msg("strikes"),
        "did you mean `strike`?",
    );
    expect(
        &doc,
        (5, 21),
        unknown,
        "error",
        &msg("nots"),
        "did you mean `note`?",
    );
    expect(
        &doc,
        (6, 37),
        unknown,
        "error",
        &msg("talsk"),
        "did you mean `talks`?",
    );
    expect(
        &doc,
        (6, 59),
        unknown,
        "error",
        &msg("stirke"),
        "did you mean `strike`?",
    );
    // The vocabulary, not the scenarios, is the authority: no warning
    // that no scenario has them.
    assert_eq!(on_rule(&doc).len(), 5, "{}", pretty(&doc));
}

#[test]
fn a_kind_near_no_declared_kind_is_told_where_to_declare_it() {
    let doc = check(&format!("{HEAD}    s.count(\"ultimatum\") > 0\n}}\n"), 2);
    expect(
        &doc,
        (3, 13),
        "rule-kind-not-in-vocabulary",
        "error",
        "event kind `ultimatum` is not in the vocabulary",
        "declare it as `[kinds.ultimatum]` in rules/vocabulary.toml",
    );
}

#[test]
fn a_field_read_on_latest_is_an_error_at_the_field_with_the_declared_name() {
    let doc = check(
        &format!("{HEAD}    s.latest(\"talks\").outcome.ceasfire\n}}\n"),
        2,
    );
    expect(
        &doc,
        (3, 31),
        "rule-field-not-in-vocabulary",
        "error",
        "`outcome.ceasfire` is not a field of a `talks` event (`outcome` has no `ceasfire`) in the vocabulary",
        "did you mean `ceasefire`?",
    );
    assert_eq!(on_rule(&doc).len(), 1, "{}", pretty(&doc));
}

#[test]
fn field_reads_through_variables_loops_closures_and_indexes_are_checked() {
    let doc = check(
        &format!(
            "{HEAD}    let t = s.latest(\"talks\");\n    let r = t.rund;\n    for e in s.events(\"strike\") {{ r += e.drons; }}\n    let c = s.events(\"talks\").filter(|x| x.outcome.ceasefire && x.date > t.date && t.locaton != \"\");\n    let big = s.events(\"strike\");\n    let n = big[0].dron + big[0][\"droens\"];\n    t[\"roud\"] > 0\n}}\n"
        ),
        2,
    );
    let code = "rule-field-not-in-vocabulary";
    let talks = |f: &str| format!("`{f}` is not a field of a `talks` event in the vocabulary");
    let strike = |f: &str| format!("`{f}` is not a field of a `strike` event in the vocabulary");
    expect(
        &doc,
        (4, 15),
        code,
        "error",
        &talks("rund"),
        "did you mean `round`?",
    );
    expect(
        &doc,
        (5, 42),
        code,
        "error",
        &strike("drons"),
        "did you mean `drones`?",
    );
    // A closure's parameter, and a variable it captures.
    expect(
        &doc,
        (6, 86),
        code,
        "error",
        &talks("locaton"),
        "did you mean `location`?",
    );
    expect(
        &doc,
        (8, 20),
        code,
        "error",
        &strike("dron"),
        "did you mean `drones`?",
    );
    expect(
        &doc,
        (8, 34),
        code,
        "error",
        &strike("droens"),
        "did you mean `drones`?",
    );
    expect(
        &doc,
        (9, 7),
        code,
        "error",
        &talks("roud"),
        "did you mean `round`?",
    );
    assert_eq!(on_rule(&doc).len(), 6, "{}", pretty(&doc));
    // The text: the name underlined where it is read.
    let out = library(&format!(
        "{HEAD}    let t = s.latest(\"talks\");\n    t.rund\n}}\n"
    ))
    .run(&["check"]);
    out.code(2)
        .stderr_has("error: `rund` is not a field of a `talks` event in the vocabulary\n --> rules/r.rhai:4:7\n")
        .stderr_has("4 |     t.rund\n  |       ^^^^\n")
        .stderr_has("help: did you mean `round`?");
}

#[test]
fn facts_are_checked_against_the_facts_the_vocabulary_declares() {
    let doc = check(
        &format!("{HEAD}    s.facts.venue == \"\" || s.facts.venu == \"\"\n}}\n"),
        2,
    );
    expect(
        &doc,
        (3, 36),
        "rule-field-not-in-vocabulary",
        "error",
        "`venu` is not a field of `[facts]` in the vocabulary",
        "did you mean `venue`?",
    );
    assert_eq!(on_rule(&doc).len(), 1, "{}", pretty(&doc));
}

#[test]
fn has_and_get_of_an_undeclared_field_are_warnings() {
    let doc = check(
        &format!(
            "{HEAD}    let t = s.latest(\"talks\");\n    t.has(\"rund\") || t.get(\"locaton\", \"\") != \"\" || t.outcome.get(\"breakthru\", false) || t.get(\"location\", \"\") != \"\"\n}}\n"
        ),
        0,
    );
    let code = "optional-field-not-in-vocabulary";
    expect(
        &doc,
        (4, 11),
        code,
        "warning",
        "`rund` is not a field of a `talks` event in the vocabulary, so `has` is always false",
        "did you mean `round`?",
    );
    expect(
        &doc,
        (4, 28),
        code,
        "warning",
        "`locaton` is not a field of a `talks` event in the vocabulary, so `get` always gives the default",
        "did you mean `location`?",
    );
    expect(
        &doc,
        (4, 66),
        code,
        "warning",
        "`outcome.breakthru` is not a field of a `talks` event (`outcome` has no `breakthru`) in the vocabulary, so `get` always gives the default",
        "did you mean `breakthrough`?",
    );
    assert_eq!(on_rule(&doc).len(), 3, "{}", pretty(&doc));
}

#[test]
fn open_kinds_and_tables_and_the_keys_every_event_has_take_any_name() {
    let doc = check(
        &format!(
            "{HEAD}    let n = s.latest(\"note\");\n    let t = s.latest(\"talks\");\n    n.anything == t.extra.whatever && n.get(\"x\", 0) == 0 && t.kind == t.id && t.date == t.source\n}}\n"
        ),
        0,
    );
    assert_eq!(on_rule(&doc).len(), 0, "{}", pretty(&doc));
}

#[test]
fn what_the_text_cannot_tell_is_not_checked() {
    // A variable bound to two kinds, a helper's parameter, a computed
    // kind, events of every kind.
    let doc = check(
        &format!(
            "{HEAD}    let x = s.latest(\"talks\");\n    if x == () {{ x = s.latest(\"strike\"); }}\n    let k = \"talks\";\n    let y = s.latest(k);\n    x.drones + y.zzz + s.events().filter(|e| e.zzz).len() + helper(x)\n}}\nfn helper(t) {{ t.zzz }}\n"
        ),
        0,
    );
    assert_eq!(on_rule(&doc).len(), 0, "{}", pretty(&doc));
}

#[test]
fn helpers_are_checked_too() {
    let f = library(
        "import \"lib/t\" as t;\nconst RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    t::rounds(s) > 0\n}\n",
    );
    f.write(
        "rules/lib/t.rhai",
        "fn rounds(s) {\n    s.events(\"talks\").filter(|t| t.rond > 0).len()\n}\n",
    );
    let out = f.run(&["check", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/lib/t.rhai", "`rond`");
    assert_at(d, "rules/lib/t.rhai", 2, 36);
    assert_eq!(d["code"], "rule-field-not-in-vocabulary");
    assert_eq!(d["help"], "did you mean `round`?");
}

#[test]
fn without_a_vocabulary_the_scenario_based_warning_stays_and_fields_are_not_checked() {
    let f = Fixture::new();
    f.rule(
        "r",
        &format!("{HEAD}    s.count(\"strikes\") > 0 && s.latest(\"talks\").rund > 0\n}}\n"),
    )
    .scenario("talks", TALKS);
    let out = f.run(&["check", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    let d = diagnostic(
        &doc,
        "rules/r.rhai",
        "no scenario has an event of kind `strikes`",
    );
    assert_eq!(d["code"], "unknown-kind-in-rule");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["help"], "did you mean `strike`?");
    assert_eq!(on_rule(&doc).len(), 1, "{}", pretty(&doc));
}

#[test]
fn run_and_test_are_unchanged_by_what_check_finds_in_rules() {
    // `get` of an undeclared field: a warning for `check`, and a rule
    // that runs for `run` and `test`.
    let rule = format!("{HEAD}    s.latest(\"talks\").get(\"rund\", 0) == 0\n}}\n");
    let f = library(&rule);
    f.run(&["check"])
        .code(0)
        .stderr_has("so `get` always gives the default");
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(0);
    assert_eq!(fired(scenario(&out.json(), "talks")), ["new-sanctions"]);
    assert!(
        !out.stdout.contains("vocabulary") && !out.stderr.contains("vocabulary"),
        "{}",
        out.dump()
    );
    let out = f.run(&["test"]);
    assert!(
        !out.stdout.contains("rund") && !out.stderr.contains("rund"),
        "{}",
        out.dump()
    );
    // A plain read: the same error `run` gave before, blaming the rule,
    // at run time only; `check` finds it before anything runs.
    let f = library(&format!("{HEAD}    s.latest(\"talks\").rund > 0\n}}\n"));
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    let doc = out.json();
    let e = rule_error(scenario(&doc, "talks"), "r");
    assert!(
        !pretty(e).contains("rule-field-not-in-vocabulary"),
        "{}",
        pretty(e)
    );
    f.run(&["check"]).code(2).stderr_has("rules/r.rhai:3:23");
}

#[test]
fn the_shipped_library_reads_only_fields_its_vocabulary_declares() {
    let f = shipped();
    let out = f.run(&["check", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(
        doc["diagnostics"],
        serde_json::json!([]),
        "{}",
        pretty(&doc)
    );
    // And one typo in a shipped rule is found at its line.
    let path = f.path().join("rules/talks/no-result.rhai");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains("t.outcome.breakthrough"));
    std::fs::write(
        &path,
        text.replace("t.outcome.breakthrough", "t.outcome.breaktrough"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&["check", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/talks/no-result.rhai", "`outcome.breaktrough`");
    assert_eq!(d["code"], "rule-field-not-in-vocabulary");
    assert_eq!(d["help"], "did you mean `breakthrough`?");
    let line = text
        .lines()
        .position(|l| l.contains("t.outcome.breakthrough"))
        .map_or(0, |i| i as u64 + 1);
    assert_eq!(d["line"], line, "{}", pretty(d));
}
