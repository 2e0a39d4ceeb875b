//! Scenarios from memory, as a library user makes them: TOML text, a JSON
//! value or JSON text, and the builder — each validated like a file, with
//! diagnostics at `name:line:col` when there is text, and no file read
//! unless the caller allows `extends`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{Value as Json, json};

use sanctions_trigger::eval::{Worker, WorkerOptions};
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::{MAX_EVENTS, load_file};
use sanctions_trigger::{Event, NaiveDate, ParseError, ParseOptions, Scenario};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

/// The shipped rules, loaded once.
fn rules() -> Arc<RuleSet> {
    static SET: OnceLock<Arc<RuleSet>> = OnceLock::new();
    SET.get_or_init(|| {
        let set = RuleSet::load(&root().join("rules"), Limits::default());
        assert!(!set.has_errors(), "{:?}", set.diagnostics());
        Arc::new(set)
    })
    .clone()
}

/// The outcome of a scenario at its own date, as the JSON a program reads.
fn judged(sc: Scenario) -> Json {
    let sc = Arc::new(sc);
    let o = Worker::new(rules(), WorkerOptions::default()).evaluate(&sc, sc.as_of());
    serde_json::to_value(&o).unwrap_or_else(|e| panic!("{e}"))
}

fn opts() -> ParseOptions {
    ParseOptions::default()
}

/// A TOML value as the JSON a program would send for it: dates are ISO
/// strings under `date` and `as_of`, `{"$date": …}` elsewhere.
fn to_json(v: &toml::Value, key: &str) -> Json {
    match v {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(x) => json!(x),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(d) if key == "date" || key == "as_of" => json!(d.to_string()),
        toml::Value::Datetime(d) => json!({"$date": d.to_string()}),
        toml::Value::Array(items) => Json::Array(items.iter().map(|x| to_json(x, "")).collect()),
        toml::Value::Table(t) => {
            Json::Object(t.iter().map(|(k, x)| (k.clone(), to_json(x, k))).collect())
        }
    }
}

fn toml_as_json(text: &str) -> Json {
    let v: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    to_json(&v, "")
}

#[test]
fn toml_text_loads_under_its_name() {
    let sc = Scenario::from_toml(
        "istanbul",
        &read("scenarios/istanbul-2025-06-02.toml"),
        &opts(),
    )
    .unwrap();
    assert_eq!(sc.id(), "istanbul");
    assert_eq!(sc.file(), Path::new("istanbul"));
    assert_eq!(sc.as_of(), day(2025, 6, 2));
    assert_eq!(sc.events().len(), 14);
    assert!(sc.events().windows(2).all(|w| w[0].date() <= w[1].date()));
    assert_eq!(sc.actors().names().collect::<Vec<_>>(), ["RU", "UA", "TR"]);
    assert!(sc.expect().any());
    let fired = judged(sc)["fired"].clone();
    assert_eq!(
        fired,
        json!(["energy-bank-sanctions", "leaders-summit", "new-sanctions"])
    );
}

#[test]
fn a_bad_toml_scenario_is_a_typed_error_at_name_line_column() {
    let text = "[scenario]\ntitle = \"T\"\nas_off = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = \"2025-06-02\"\n";
    let err = Scenario::from_toml("request-7", text, &opts()).unwrap_err();
    let ds = err.diagnostics();
    assert_eq!(ds.len(), 2, "{ds:?}");
    assert_eq!(ds[0].location(), "request-7:3:1");
    assert!(
        ds[0]
            .message
            .contains("unknown key in `[scenario]`: `as_off`")
    );
    assert_eq!(ds[0].help.as_deref(), Some("did you mean `as_of`?"));
    assert_eq!(ds[1].location(), "request-7:7:8");
    assert_eq!(ds[1].message, "`date` must be a date, found string");
    // The message is the first problem, plainly, and how many more.
    assert_eq!(
        err.to_string(),
        "request-7:3:1: error: unknown key in `[scenario]`: `as_off` (help: did you mean `as_of`?) (and 1 more problem)"
    );
    // Rendered with its source line, as the CLI shows it.
    let shown = ds[1].render(false);
    assert!(shown.contains("request-7:7:8"), "{shown}");
    assert!(shown.contains("date = \"2025-06-02\""), "{shown}");
    // A typed error a service can pass on.
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err.clone());
    assert_eq!(boxed.to_string(), err.to_string());
    let ds: Vec<_> = err.into();
    assert_eq!(ds.len(), 2);
}

#[test]
fn a_toml_syntax_error_points_into_the_text() {
    let err = Scenario::from_toml("r", "[scenario]\ntitle = \"T\n", &opts()).unwrap_err();
    assert_eq!(err.diagnostics().len(), 1);
    assert!(
        err.to_string()
            .starts_with("r:2:11: error: invalid TOML: unterminated basic string"),
        "{err}"
    );
}

#[test]
fn extends_is_refused_unless_allowed() {
    // A client's `extends` must not make a service read its own files.
    for (name, text) in [
        (
            "toml",
            "[scenario]\ntitle = \"T\"\nextends = \"Cargo.toml\"\n".to_string(),
        ),
        (
            "json",
            json!({"scenario": {"title": "T", "extends": "Cargo.toml"}}).to_string(),
        ),
    ] {
        let err = match name {
            "toml" => Scenario::from_toml("req", &text, &opts()),
            _ => Scenario::from_json_str("req", &text, &opts()),
        }
        .unwrap_err();
        let ds = err.diagnostics();
        assert_eq!(ds.len(), 1, "{name}: {ds:?}");
        assert!(
            ds[0].message.starts_with("`extends` is not allowed"),
            "{name}: {ds:?}"
        );
        // Nothing of Cargo.toml is read or echoed.
        assert!(!err.to_string().contains("package"), "{name}: {err}");
    }
    let loc = Scenario::from_toml(
        "req",
        "[scenario]\ntitle = \"T\"\nextends = \"Cargo.toml\"\n",
        &opts(),
    )
    .unwrap_err()
    .diagnostics()[0]
        .location();
    assert_eq!(loc, "req:3:11");
    let err = Scenario::from_json(
        "req",
        &json!({"scenario": {"title": "T", "extends": "Cargo.toml"}}),
        &opts(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("req: error: `extends` is not allowed"),
        "{err}"
    );
}

#[test]
fn extends_reads_a_base_from_the_base_folder_only_when_allowed() {
    let folder = root().join("scenarios/iran");
    let text = read("scenarios/iran/snapback-2025-09-27.toml");
    let allowed = opts().allow_extends(true).base_folder(&folder);
    let sc = Scenario::from_toml("iran/snapback-2025-09-27", &text, &allowed).unwrap();
    assert_eq!(sc.bases(), [folder.join("snapback-2025-09-28.toml")]);
    // The same scenario as the file: the same verdicts.
    let file = load_file(
        &folder.join("snapback-2025-09-27.toml"),
        "iran/snapback-2025-09-27",
    )
    .unwrap();
    let (a, b) = (judged(sc), judged(file));
    assert_eq!(a["fired"], b["fired"]);
    assert_eq!(a["responses"], b["responses"]);
    // A base outside the base folder is refused, links resolved.
    let outside = "[scenario]\ntitle = \"T\"\nextends = \"../istanbul-2025-06-02.toml\"\n";
    let err = Scenario::from_toml("x", outside, &allowed).unwrap_err();
    assert!(
        err.to_string().contains("is outside the base folder"),
        "{err}"
    );
    // Allowed with no base folder: relative to, and inside, the working
    // folder (the package root for tests).
    let from_cwd = "[scenario]\ntitle = \"T\"\nextends = \"scenarios/istanbul-2025-06-02.toml\"\n";
    // (A name with folders in it is still no folder.)
    let sc = Scenario::from_toml("req/7", from_cwd, &opts().allow_extends(true)).unwrap();
    assert_eq!(sc.events().len(), 14);
}

#[test]
fn a_json_value_judges_like_the_toml_text_it_stands_for() {
    for rel in [
        "scenarios/istanbul-2025-06-02.toml",
        "scenarios/iran/snapback-2025-09-28.toml",
        "scenarios/us/ultimatum-2025.toml",
        "scenarios/quiet/before-kyiv-deadline.toml",
    ] {
        let text = read(rel);
        let value = toml_as_json(&text);
        let from_toml = Scenario::from_toml("s", &text, &opts()).unwrap();
        let from_json = Scenario::from_json("s", &value, &opts()).unwrap();
        let from_json_str = Scenario::from_json_str("s", &value.to_string(), &opts()).unwrap();
        assert_eq!(from_json.events().len(), from_toml.events().len(), "{rel}");
        assert_eq!(from_json.timezone(), from_toml.timezone(), "{rel}");
        let want = judged(from_toml);
        assert_eq!(judged(from_json), want, "{rel}");
        assert_eq!(judged(from_json_str), want, "{rel}");
    }
}

#[test]
fn json_text_problems_point_at_the_value() {
    let text = "{\"scenario\": {\"title\": \"T\"},\n \"events\": [{\"kind\": \"talks\", \"date\": \"2025-06-02\", \"n\": null},\n   {\"kind\": 5, \"date\": \"2025-06-03\"}]}";
    let err = Scenario::from_json_str("req", text, &opts()).unwrap_err();
    assert_eq!(err.diagnostics()[0].location(), "req:2:58");
    assert!(err.to_string().contains("null at `events[0].n`"), "{err}");
    let text = text.replace("null", "1");
    let err = Scenario::from_json_str("req", &text, &opts()).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.location(), "req:3:13");
    assert_eq!(d.message, "`kind` must be a string, found integer");
    assert!(
        d.render(false).contains("{\"kind\": 5"),
        "{}",
        d.render(false)
    );
    // Syntax errors and keys written twice, where serde_json finds them.
    let err = Scenario::from_json_str("req", "{\"scenario\":\n  {\"title\" \"T\"}}", &opts())
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("req:2:12: error: invalid JSON: expected `:`"),
        "{err}"
    );
    let err = Scenario::from_json_str(
        "req",
        "{\"scenario\": {\"title\": \"T\", \"title\": \"U\"}}",
        &opts(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("duplicate key `title`"), "{err}");
    // A JSON value has no text: no position.
    let err = Scenario::from_json("req", &json!({"scenario": {"title": 5}}), &opts()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "req: error: `title` must be a string, found integer"
    );
    let err = Scenario::from_json("req", &json!([1]), &opts()).unwrap_err();
    assert!(err.to_string().contains("must be a JSON object"), "{err}");
}

#[test]
fn a_json_value_nested_too_deep_is_an_error_not_a_crash() {
    // Parsed JSON stops at 128 levels; a value built in code need not.
    let mut deep = json!(1);
    for _ in 0..300 {
        deep = json!([deep]);
    }
    let value = json!({"scenario": {"title": "T", "as_of": "2025-06-02"}, "facts": {"deep": deep}});
    let err = Scenario::from_json("req", &value, &opts()).unwrap_err();
    assert!(
        err.to_string().contains("more than 256 levels deep"),
        "{err}"
    );
}

#[test]
fn the_builder_makes_the_scenario_the_toml_text_describes() {
    let text = r#"
[scenario]
title = "Istanbul round 2"
as_of = 2025-06-02
tags = ["talks"]

[facts]
venue = "Istanbul"
deadline = 2025-08-08

[actors.RU]
name = "Russian Federation"

[[events]]
kind = "ceasefire-demand"
date = 2025-05-10
by = "Kyiv five"
from = 2025-05-12
min_days = 30

[[events]]
kind = "strike"
date = 2025-06-01
by = "RU"
drones = 472

[[events]]
kind = "talks"
date = 2025-06-02
round = 2
parties = ["RU", "UA"]
outcome = { ceasefire = false, breakthrough = false }

[[events]]
kind = "summit-proposal"
date = 2025-06-02
by = "TR"
"#;
    let from_toml = Scenario::from_toml("istanbul", text, &opts()).unwrap();
    let mut outcome = sanctions_trigger::value::Table::new("outcome");
    outcome.set("ceasefire".into(), false.into());
    outcome.set("breakthrough".into(), false.into());
    let built = Scenario::builder("istanbul", "Istanbul round 2")
        .as_of(day(2025, 6, 2))
        .tag("talks")
        .fact("venue", "Istanbul")
        .fact("deadline", day(2025, 8, 8))
        .actor("RU", [("name", "Russian Federation")])
        // Added out of date order: held by date.
        .event(
            Event::new("talks", day(2025, 6, 2))
                .field("round", 2)
                .field("parties", vec!["RU", "UA"])
                .field("outcome", outcome),
        )
        .event(Event::new("summit-proposal", day(2025, 6, 2)).field("by", "TR"))
        .event(
            Event::new("ceasefire-demand", day(2025, 5, 10))
                .field("by", "Kyiv five")
                .field("from", day(2025, 5, 12))
                .field("min_days", 30),
        )
        .event(
            Event::new("strike", day(2025, 6, 1))
                .field("by", "RU")
                .field("drones", 472),
        )
        .build()
        .unwrap();
    assert_eq!(built.id(), "istanbul");
    assert_eq!(built.tags(), ["talks"]);
    let kinds = |sc: &Scenario| {
        sc.events()
            .iter()
            .map(|e| e.kind().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&built), kinds(&from_toml));
    // The same values (their labels name a line in the text, or none).
    let values = |t: &sanctions_trigger::value::Table| serde_json::to_value(t).unwrap_or_default();
    for (a, b) in built.events().iter().zip(from_toml.events()) {
        assert_eq!(values(a.fields()), values(b.fields()));
    }
    assert_eq!(values(built.facts()), values(from_toml.facts()));
    assert_eq!(values(built.actors()), values(from_toml.actors()));
    let want = judged(from_toml);
    assert!(!want["fired"].as_array().unwrap().is_empty(), "{want}");
    assert_eq!(judged(built), want);
}

#[test]
fn the_builder_validates_as_a_file_is() {
    let err = Scenario::builder("req", "")
        .event(Event::new("talks\u{1b}[2J", day(2025, 6, 2)).field("n", f64::INFINITY))
        .build()
        .unwrap_err();
    let msgs: Vec<_> = err.diagnostics().iter().map(|d| d.to_string()).collect();
    assert_eq!(
        msgs,
        [
            "req: error: `kind` contains the control character U+001B; scenario text may not hold terminal control codes or bidi controls",
            "req: error: `n`: `inf` and `nan` are not allowed (help: rules compare `inf` and `nan` as false with every number)",
        ],
        "{msgs:#?}"
    );
    let err = Scenario::builder("req", "")
        .as_of(day(2025, 6, 2))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("scenario has no `title`"), "{err}");
    // A field written as the wrong type is the reader's error too.
    let err = Scenario::builder("req", "T")
        .event(Event::new("talks", day(2025, 6, 2)).field("date", "2025-06-02"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`date` must be a date, found string"),
        "{err}"
    );
}

#[test]
fn text_over_the_size_limit_is_refused_before_it_is_read() {
    let text = "[scenario]\ntitle = \"T\"\nas_of = 2025-06-02\n";
    let small = opts().max_bytes(16);
    for err in [
        Scenario::from_toml("req", text, &small).unwrap_err(),
        Scenario::from_json_str("req", &" ".repeat(17), &small).unwrap_err(),
    ] {
        assert!(
            err.to_string().starts_with("req: error: the scenario is")
                && err.to_string().ends_with("more than the limit of 16 bytes"),
            "{err}"
        );
    }
    // By default, the limit of a scenario file.
    let huge = format!("{text}{}", "#".repeat(64 << 20));
    let err = Scenario::from_toml("req", &huge, &opts()).unwrap_err();
    assert!(
        err.to_string().ends_with("more than the limit of 64 MiB"),
        "{err}"
    );
}

#[test]
fn the_event_limit_holds_for_every_form() {
    let events = |n: usize| {
        (0..n)
            .map(|i| format!("[[events]]\nkind = \"k{i}\"\ndate = 2025-06-02\n"))
            .collect::<String>()
    };
    let text = format!("[scenario]\ntitle = \"T\"\n{}", events(3));
    let two = opts().max_events(2);
    let err = Scenario::from_toml("req", &text, &two).unwrap_err();
    assert!(
        err.to_string()
            .contains("3 events, more than the limit of 2 events"),
        "{err}"
    );
    assert!(Scenario::from_toml("req", &text, &opts().max_events(3)).is_ok());
    let value = toml_as_json(&text);
    let err = Scenario::from_json("req", &value, &two).unwrap_err();
    assert!(
        err.to_string()
            .contains("3 events, more than the limit of 2 events"),
        "{err}"
    );
    // No option raises the limit past MAX_EVENTS.
    let many: Vec<Json> = (0..=MAX_EVENTS)
        .map(|_| json!({"kind": "k", "date": "2025-06-02"}))
        .collect();
    let value = json!({"scenario": {"title": "T"}, "events": many});
    let err = Scenario::from_json("req", &value, &opts().max_events(usize::MAX)).unwrap_err();
    assert!(
        err.to_string()
            .contains("more than the limit of 100000 events"),
        "{err}"
    );
    let built = Scenario::builder("req", "T")
        .events((0..=MAX_EVENTS).map(|_| Event::new("k", day(2025, 6, 2))))
        .build()
        .unwrap_err();
    assert!(
        built
            .to_string()
            .contains("more than the limit of 100000 events"),
        "{built}"
    );
}

#[test]
fn an_event_made_in_code_has_no_line_and_its_label_names_the_scenario() {
    let sc = Scenario::builder("req-9", "T")
        .event(Event::new("talks", day(2025, 6, 2)).with_id("round-2"))
        .build()
        .unwrap();
    let e = &sc.events()[0];
    assert_eq!((e.line(), e.id()), (0, Some("round-2")));
    assert_eq!(e.file(), PathBuf::from("req-9"));
    assert_eq!(
        e.fields().label.to_string(),
        "event `talks` of 2025-06-02 (req-9)"
    );
}

/// `ParseError` is what a caller's `?` turns into its own error.
#[test]
fn parse_error_works_with_question_mark() {
    fn load(text: &str) -> Result<Scenario, Box<dyn std::error::Error>> {
        Ok(Scenario::from_toml("req", text, &ParseOptions::default())?)
    }
    let e = load("x = 1").unwrap_err();
    assert!(e.downcast_ref::<ParseError>().is_some());
}
