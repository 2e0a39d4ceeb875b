//! Arbitrary text as a rule source → load (compile, static checks, `fired`
//! ordering) and evaluate against a fixed scenario with the default
//! limits. Nothing may panic, and every rule error must carry a position
//! inside the rule's file (or the helper it came from). The rule is
//! evaluated twice, with native code and with Rhai only, and the two
//! outcomes must be equal (a timeout on either side is exempt: it depends
//! on the clock).
//!
//! Input that does not define `fires` is also tried as the body of
//! `fn fires(s) { … }` (under a `RESPONSE` from the catalogue), so that
//! the fuzzer reaches evaluation without first having to invent the rule
//! skeleton.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use sanctions_trigger::eval::{Worker, WorkerOptions};
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::{Scenario, parse_str};

const RESPONSES: &str = include_str!("../../rules/responses.toml");
const TALKS_LIB: &str = include_str!("../../rules/lib/talks.rhai");
const DEADLINES_LIB: &str = include_str!("../../rules/lib/deadlines.rhai");
const SCENARIO: &str = include_str!("../../scenarios/istanbul-2025-06-02.toml");

struct Fixture {
    _dir: tempfile::TempDir,
    rules: PathBuf,
    scenario: Arc<Scenario>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let rules = dir.path().join("rules");
        std::fs::create_dir_all(rules.join("lib")).expect("mkdir");
        std::fs::write(rules.join("responses.toml"), RESPONSES).expect("write");
        std::fs::write(rules.join("lib/talks.rhai"), TALKS_LIB).expect("write");
        std::fs::write(rules.join("lib/deadlines.rhai"), DEADLINES_LIB).expect("write");
        let scenario = parse_str(&dir.path().join("istanbul.toml"), SCENARIO, "istanbul")
            .map_err(|d| format!("{d:?}"))
            .expect("the fixed scenario loads");
        Fixture {
            _dir: dir,
            rules,
            scenario: Arc::new(scenario),
        }
    })
}

fn check(f: &Fixture, source: &str) {
    std::fs::write(f.rules.join("fuzz.rhai"), source).expect("write rule");
    let set = Arc::new(RuleSet::load(&f.rules, Limits::default()));
    for d in set.diagnostics() {
        let _ = d.render(false);
    }
    let worker = Worker::new(set.clone(), WorkerOptions::default());
    let outcome = worker.evaluate(&f.scenario, f.scenario.as_of());
    let rhai_only = WorkerOptions {
        native: false,
        ..WorkerOptions::default()
    };
    let reference = Worker::new(set, rhai_only).evaluate(&f.scenario, f.scenario.as_of());
    let timed_out = |o: &sanctions_trigger::outcome::Outcome| {
        o.errors
            .iter()
            .any(|e| e.kind == sanctions_trigger::outcome::ErrorKind::Timeout)
    };
    if !timed_out(&outcome) && !timed_out(&reference) {
        assert_eq!(outcome, reference, "native code and Rhai disagree on:\n{source}");
    }
    let lines = source.split('\n').count();
    for e in &outcome.errors {
        if e.file.ends_with("fuzz.rhai")
            && let Some(line) = e.line
        {
            assert!(line >= 1 && line <= lines.max(1), "{e:?} of {lines} lines");
        }
    }
    let _ = serde_json::to_string(&outcome);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    check(f, text);
    if !text.contains("fn fires") {
        check(
            f,
            &format!("const RESPONSE = \"new-sanctions\";\nfn fires(s) {{\n{text}\n}}\n"),
        );
    }
});
