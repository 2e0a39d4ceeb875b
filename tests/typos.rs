//! Did-you-mean wherever a name is typed: each typo is reported at its
//! own file:line:col with the name it was probably meant to be.

use serde_json::Value;

use crate::support::*;

/// The one diagnostic of `check --format json` with `code`.
#[track_caller]
fn one(f: &Fixture, code: &str) -> Value {
    let o = f.run(&["check", "--format", "json"]);
    let doc = o.json();
    let found: Vec<Value> = doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == code)
        .cloned()
        .collect();
    assert_eq!(found.len(), 1, "one `{code}` in\n{}", pretty(&doc));
    found[0].clone()
}

fn library() -> Fixture {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    f
}

#[test]
fn a_misspelt_catalogue_key_is_shown_at_the_typo() {
    let f = library();
    f.write(
        "rules/responses.toml",
        &RESPONSES.replace("severity = 3", "severty = 3"),
    );
    let d = one(&f, "unknown-key");
    assert_at(&d, "rules/responses.toml", 4, 1);
    assert_eq!(d["message"], "response `new-sanctions` has no `severity`");
    assert_eq!(
        d["help"],
        "did you mean `severity`? (`severty` is not a key the catalogue reads)"
    );
    f.run(&["check"])
        .code(2)
        .stderr_has("rules/responses.toml:4:1");
}

#[test]
fn a_catalogue_entry_missing_a_field_with_no_typo_is_shown_at_its_id() {
    let f = library();
    f.write(
        "rules/responses.toml",
        &RESPONSES.replace("severity = 3\n", "actor = \"EU\"\n"),
    );
    let d = one(&f, "missing-field");
    assert_at(&d, "rules/responses.toml", 1, 2);
}

#[test]
fn a_misspelt_event_kind_is_shown_at_the_typo() {
    let f = library();
    f.scenario(
        "talks",
        &TALKS.replace("kind = \"talks\"", "knd = \"talks\""),
    );
    let d = one(&f, "unknown-key");
    assert_at(&d, "scenarios/talks.toml", 14, 1);
    assert_eq!(d["message"], "event #2 has no `kind`");
    assert_eq!(
        d["help"],
        "did you mean `kind`? (`knd` is read as a field of the event)"
    );
    let f = library();
    f.scenario(
        "talks",
        &TALKS.replace("date = 2025-06-01", "dat = 2025-06-01"),
    );
    let d = one(&f, "unknown-key");
    assert_at(&d, "scenarios/talks.toml", 8, 1);
    assert_eq!(d["message"], "event #1 has no `date`");
}

#[test]
fn a_misspelt_fires_function_is_shown_at_the_typo() {
    let f = library();
    f.rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n\nfn fire(s) {\n    true\n}\n",
    );
    let d = one(&f, "missing-fires");
    assert_at(&d, "rules/bad.rhai", 3, 1);
    assert_eq!(
        d["help"],
        "did you mean `fires`? the engine calls `fn fires(s)`, never `fire`"
    );
}

#[test]
fn a_misspelt_response_constant_is_shown_at_the_typo() {
    let f = library();
    f.rule(
        "bad",
        "// a rule\nconst RESPONSE_ID = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n",
    );
    let d = one(&f, "missing-response");
    assert_at(&d, "rules/bad.rhai", 2, 7);
    assert!(
        d["help"]
            .as_str()
            .is_some_and(|h| h.starts_with("did you mean `RESPONSE`?") && h.contains("RESPONSE_ID")),
        "{}",
        pretty(&d)
    );
    // With nothing like it, the help says what to add.
    let f = library();
    f.rule("bad", "fn fires(s) {\n    true\n}\n");
    let d = one(&f, "missing-response");
    assert_at(&d, "rules/bad.rhai", 1, 1);
    assert!(
        d["help"]
            .as_str()
            .is_some_and(|h| h.starts_with("add `const RESPONSE"))
    );
}

#[test]
fn a_missing_extends_base_suggests_the_nearest_file() {
    let f = library();
    f.scenario("talks", TALKS);
    f.scenario(
        "variant",
        "[scenario]\ntitle = \"V\"\nextends = \"tlaks.toml\"\n",
    );
    let d = one(&f, "extends-not-found");
    assert_at(&d, "scenarios/variant.toml", 3, 11);
    assert_eq!(d["help"], "did you mean `talks.toml`?");
    // In a folder below, written as the user wrote the path.
    let f = library();
    f.scenario("base/talks", TALKS);
    f.scenario(
        "variant",
        "[scenario]\ntitle = \"V\"\nextends = \"base/talk.toml\"\n",
    );
    assert_eq!(
        one(&f, "extends-not-found")["help"],
        "did you mean `base/talks.toml`?"
    );
}

#[test]
fn a_variant_event_id_close_to_a_base_id_is_a_warning() {
    let f = library();
    f.scenario("talks", TALKS);
    let variant = "[scenario]\ntitle = \"V\"\nextends = \"talks.toml\"\n\n[[events]]\nid = \"rund-2\"\nkind = \"talks\"\ndate = 2025-06-02\nround = 2\noutcome = { ceasefire = true, breakthrough = false }\n";
    f.scenario("variant", variant);
    let o = f.run(&["check", "--format", "json"]);
    o.code(0);
    let d = one(&f, "unknown-event-id");
    assert_eq!(d["severity"], "warning");
    assert_at(&d, "scenarios/variant.toml", 6, 6);
    assert_eq!(
        d["help"],
        "did you mean `round-2`? (a variant's event replaces the base event with the same `id`)"
    );
}

#[test]
fn a_variant_adding_events_numbered_after_the_base_is_not_warned() {
    let f = library();
    f.scenario("talks", TALKS);
    // `round-3` and `strike-2` are additions, not typos; the replacement
    // of `round-2` is what ids are for.
    f.scenario(
        "variant",
        "[scenario]\ntitle = \"V\"\nextends = \"talks.toml\"\n\n[[events]]\nid = \"round-2\"\nkind = \"talks\"\ndate = 2025-06-02\n\n[[events]]\nid = \"round-3\"\nkind = \"talks\"\ndate = 2025-06-09\n\n[[events]]\nid = \"strike-2\"\nkind = \"strike\"\ndate = 2025-06-03\n",
    );
    let o = f.run(&["check", "--format", "json"]);
    o.code(0);
    let doc = o.json();
    assert!(
        doc["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|d| d["code"] != "unknown-event-id"),
        "{}",
        pretty(&doc)
    );
}

#[test]
fn a_date_written_as_a_bare_literal_in_a_rule_is_an_error() {
    let f = library();
    f.rule(
        "bad",
        "const RESPONSE = \"leaders-summit\";\n// not 2024-01-01 in a comment\nconst DEADLINE = 2025-03-04;\nfn fires(s) {\n    s.as_of > date(\"2025-03-04\")\n}\n",
    );
    let d = one(&f, "integer-date");
    assert_at(&d, "rules/bad.rhai", 3, 18);
    assert_eq!(
        d["message"],
        "`2025-03-04` is not a date in a rule: Rhai reads it as a subtraction, the integer 2018"
    );
    assert_eq!(d["help"], "write `date(\"2025-03-04\")`");
    // Subtraction written with spaces is arithmetic, and left alone.
    let f = library();
    f.rule(
        "sum",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    2025 - 03 - 04 == 2018\n}\n",
    );
    let o = f.run(&["check", "--format", "json"]);
    o.code(0);
    assert!(!o.stdout.contains("integer-date"), "{}", o.dump());
}
