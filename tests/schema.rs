//! `schema`: the JSON Schema of scenario files accepts every shipped
//! scenario and refuses the mistakes an editor should underline (a
//! misspelled key, an unknown response), checked with the `jsonschema`
//! crate over each scenario read as TOML and turned into JSON the way
//! taplo sees it (dates as date-shaped strings).

use std::path::Path;

use serde_json::Value;

use crate::support::{Fixture, GOOD_RULE, RESPONSES, shipped};

/// A TOML document as taplo hands it to a JSON Schema validator.
fn toml_to_json(text: &str) -> Value {
    fn conv(v: toml::Value) -> Value {
        match v {
            toml::Value::String(s) => Value::String(s),
            toml::Value::Integer(i) => Value::from(i),
            toml::Value::Float(f) => Value::from(f),
            toml::Value::Boolean(b) => Value::Bool(b),
            toml::Value::Datetime(d) => Value::String(d.to_string()),
            toml::Value::Array(a) => Value::Array(a.into_iter().map(conv).collect()),
            toml::Value::Table(t) => {
                Value::Object(t.into_iter().map(|(k, v)| (k, conv(v))).collect())
            }
        }
    }
    let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    conv(toml::Value::Table(table))
}

fn validator(f: &Fixture) -> jsonschema::Validator {
    let out = f.run(&["schema"]);
    out.code(0);
    let schema = out.json();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

fn errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    v.iter_errors(&toml_to_json(text))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn scenario_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap_or_else(|e| panic!("{e}")).path();
        if p.is_dir() {
            scenario_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let f = shipped();
    let v = validator(&f);
    let mut files = Vec::new();
    scenario_files(&f.path().join("scenarios"), &mut files);
    assert!(files.len() >= 15, "{files:?}");
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
        let errs = errors(&v, &text);
        assert!(errs.is_empty(), "{}: {errs:#?}", p.display());
    }
}

#[test]
fn a_misspelled_key_or_an_unknown_response_fails_the_schema() {
    let f = shipped();
    let v = validator(&f);
    let text = std::fs::read_to_string(f.path().join("scenarios/istanbul-2025-06-02.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(errors(&v, &text).is_empty());

    let typo = text.replacen("\nas_of = ", "\nas_off = ", 1);
    assert_ne!(typo, text);
    let errs = errors(&v, &typo);
    assert!(
        errs.iter()
            .any(|e| e.contains("as_off") && e.contains("/scenario")),
        "{errs:#?}"
    );

    let unknown = text.replacen("\"new-sanctions\"", "\"new-sanction\"", 1);
    assert_ne!(unknown, text);
    let errs = errors(&v, &unknown);
    assert!(
        errs.iter()
            .any(|e| e.contains("\"new-sanction\"") && e.contains("/expect")),
        "{errs:#?}"
    );
}

#[test]
fn a_scenario_needs_a_title_unless_it_extends_a_base() {
    // Without a vocabulary, an event may be of any kind with any fields.
    let f = Fixture::new();
    f.write("rules/responses.toml", RESPONSES)
        .rule("a", GOOD_RULE);
    let v = validator(&f);
    let base = "[scenario]\nas_of = 2025-06-02\n";
    assert!(!errors(&v, base).is_empty());
    assert!(errors(&v, &format!("{base}title = \"t\"\n")).is_empty());
    assert!(errors(&v, &format!("{base}extends = \"b.toml\"\n")).is_empty());
    // An event needs its kind and date, and a date must look like one.
    let ev = "[scenario]\ntitle = \"t\"\n[[events]]\nkind = \"talks\"\n";
    assert!(
        errors(&v, ev).iter().any(|e| e.contains("date")),
        "{:?}",
        errors(&v, ev)
    );
    assert!(errors(&v, &format!("{ev}date = 2025-06-02\n")).is_empty());
    assert!(!errors(&v, &format!("{ev}date = \"June 2\"\n")).is_empty());
}

#[test]
fn schema_out_writes_the_file_and_stdout_stays_empty() {
    let f = Fixture::new();
    f.write("rules/responses.toml", RESPONSES)
        .rule("a", GOOD_RULE);
    let printed = f.run(&["schema"]);
    printed.code(0);
    let out = f.run(&["schema", "--out", "scenario.schema.json"]);
    out.code(0).stderr_has("wrote scenario.schema.json");
    assert!(out.stdout.is_empty(), "{}", out.dump());
    let written = std::fs::read_to_string(f.path().join("scenario.schema.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written, printed.stdout);
    let schema: Value = serde_json::from_str(&written).unwrap_or_else(|e| panic!("{e}"));
    let ids = &schema["properties"]["expect"]["properties"]["fires"]["items"]["enum"];
    assert_eq!(
        ids,
        &serde_json::json!([
            "leaders-summit",
            "new-sanctions",
            "sanctions-relief",
            "stronger-sanctions"
        ])
    );
    assert_eq!(
        schema["properties"]["expect"]["properties"]["rules"]["properties"]["fire"]["items"]["enum"],
        serde_json::json!(["a"])
    );
}

#[test]
fn schema_reports_a_broken_rule_and_still_writes_the_schema() {
    let f = Fixture::new();
    f.write("rules/responses.toml", RESPONSES)
        .rule("a", GOOD_RULE)
        .rule(
            "b",
            "const RESPONSE = \"new-sanctions\";\nfn fires(s) { 1 + }\n",
        );
    let out = f.run(&["schema"]);
    out.code(2).stderr_has("rules/b.rhai:2:");
    assert!(
        out.json()["properties"]["expect"].is_object(),
        "{}",
        out.dump()
    );
}

#[test]
fn schema_without_a_rules_folder_is_an_error() {
    let f = Fixture::bare();
    f.run(&["schema"])
        .code(2)
        .stderr_has("rules folder not found");
    f.run(&["schema", "--out", "x.json"]).code(2);
    assert!(!f.path().join("x.json").exists());
}

#[test]
fn schema_out_into_a_missing_folder_is_an_error() {
    let f = Fixture::new();
    f.write("rules/responses.toml", RESPONSES)
        .rule("a", GOOD_RULE);
    f.run(&["schema", "--out", "no/such/dir/s.json"])
        .code(2)
        .stderr_has("cannot write the schema");
}

#[test]
fn the_committed_schema_is_what_schema_writes_for_the_shipped_library() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(root.join("scenario.schema.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = shipped().run(&["schema"]);
    out.code(0);
    assert!(
        out.stdout == committed,
        "scenario.schema.json is stale: run `cargo run -- schema --out scenario.schema.json`"
    );
}

#[test]
fn every_shipped_scenario_names_the_committed_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    scenario_files(&root.join("scenarios"), &mut files);
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
        let header = text
            .lines()
            .take_while(|l| !l.starts_with('['))
            .find_map(|l| l.strip_prefix("#:schema "))
            .unwrap_or_else(|| panic!("{}: no `#:schema` header", p.display()));
        let dir = p.parent().unwrap_or(root);
        let named = dir
            .join(header)
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {header}: {e}", p.display()));
        assert_eq!(
            named,
            root.join("scenario.schema.json")
                .canonicalize()
                .unwrap_or_default()
        );
    }
}

#[test]
fn with_a_vocabulary_an_event_is_checked_against_its_kind() {
    let f = shipped();
    let v = validator(&f);
    let text = std::fs::read_to_string(f.path().join("scenarios/istanbul-2025-06-02.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let edit = |from: &str, to: &str| {
        let t = text.replacen(from, to, 1);
        assert_ne!(t, text, "{from}");
        errors(&v, &t)
    };
    // A misspelled field of a `talks` event, a kind the vocabulary lacks,
    // a string where a number is declared, and a required field removed.
    let errs = edit("\nround = 2\n", "\nrund = 2\n");
    assert!(
        errs.iter()
            .any(|e| e.contains("rund") && e.contains("/events/")),
        "{errs:#?}"
    );
    let errs = edit("kind = \"talks\"", "kind = \"tlaks\"");
    assert!(
        errs.iter()
            .any(|e| e.contains("\"tlaks\"") && e.contains("/kind")),
        "{errs:#?}"
    );
    let errs = edit("\nround = 2\n", "\nround = \"2\"\n");
    assert!(errs.iter().any(|e| e.contains("/round")), "{errs:#?}");
    let errs = edit("\nround = 2\n", "\n");
    assert!(
        errs.iter()
            .any(|e| e.contains("round") && e.contains("required")),
        "{errs:#?}"
    );
}

#[test]
fn the_schema_follows_the_vocabulary_declarations() {
    let f = Fixture::new();
    f.write("rules/responses.toml", RESPONSES)
        .rule("a", GOOD_RULE)
        .write(
            "rules/vocabulary.toml",
            "[kinds.talks]\ndescription = \"A round\"\nfields.by = { type = \"string\", values = [\"RU\", \"UA\"], description = \"Who\" }\nfields.at = { type = \"datetime\" }\nfields.tags = { type = \"array\", items = { type = \"string\" } }\n\n[kinds.strike]\nopen = true\n\n[facts]\nfields.deadline = { type = \"date\", required = true }\n",
        );
    let v = validator(&f);
    let ok = "[scenario]\ntitle = \"t\"\n[facts]\ndeadline = 2025-08-08\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\nby = \"RU\"\nat = 2025-06-02T10:00:00Z\ntags = [\"a\"]\n[[events]]\nkind = \"strike\"\ndate = 2025-06-02\nanything = 1\n";
    assert!(errors(&v, ok).is_empty(), "{:#?}", errors(&v, ok));
    for (from, to, needle) in [
        ("by = \"RU\"", "by = \"TR\"", "\"TR\""),
        ("tags = [\"a\"]", "tags = [1]", "/tags/0"),
        (
            "deadline = 2025-08-08",
            "dead_line = 2025-08-08",
            "dead_line",
        ),
        ("at = 2025-06-02T10:00:00Z", "at = 7", "/at"),
    ] {
        let t = ok.replacen(from, to, 1);
        let errs = errors(&v, &t);
        assert!(errs.iter().any(|e| e.contains(needle)), "{to}: {errs:#?}");
    }
    let schema = f.run(&["schema"]).json();
    // Kinds in name order: `strike`, then `talks`.
    let talks = &schema["properties"]["events"]["items"]["allOf"][1]["then"];
    assert_eq!(talks["description"], "A round");
    assert_eq!(talks["properties"]["by"]["description"], "Who");
    assert_eq!(
        schema["properties"]["events"]["items"]["properties"]["kind"]["enum"],
        serde_json::json!(["strike", "talks"])
    );
}
