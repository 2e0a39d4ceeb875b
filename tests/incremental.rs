//! The incremental engine (`sanctions_trigger::incremental`, what
//! `test --watch` runs on) against full runs: random sequences of edits
//! to a small library — rule bodies (some broken, some chained through
//! `fired`), a helper the rules import, the catalogue, scenario fields,
//! variants (`extends`), files added and removed — and after each batch
//! the kept results must be byte for byte the JSON a full run from disk
//! gives. Case counts are small for a debug `cargo test`; raise them with
//! `PROPTEST_CASES=500 cargo test incremental`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;

use crate::support::cases;
use sanctions_trigger::eval::{Worker, WorkerOptions};
use sanctions_trigger::incremental::{Incremental, normal};
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::discover;
use sanctions_trigger::suite::{TestResult, TestStatus, run_test};

const RULES: usize = 4;
const SCENARIOS: usize = 4;

/// Rule bodies by number: plain, reading the helper, chained on another
/// response, broken (syntax), erroring at run time, quoting `since`.
fn rule_text(body: u8, response: &str) -> String {
    let head = format!("const RESPONSE = \"{response}\";\n");
    let body = match body % 7 {
        0 => "fn fires(s) {\n    \"always\"\n}\n".to_string(),
        1 => "fn fires(s) {\n    let n = s.count(\"strike\");\n    if n > 1 { `strikes: ${n}` } else { quiet(\"few strikes\") }\n}\n".to_string(),
        2 => "import \"lib/h\" as h;\nfn fires(s) {\n    if s.count(\"strike\") >= h::LIMIT { \"over the limit\" } else { quiet(\"under\") }\n}\n".to_string(),
        3 => "fn fires(s) {\n    if fired(\"a\") { \"after a\" } else { quiet(\"a is quiet\") }\n}\n".to_string(),
        4 => "fn fires(s) {\n    let x = ;\n}\n".to_string(),
        6 => "fn fires(s) {\n    if fired(\"a\") { `a since ${since(\"a\")}` } else { quiet(\"a is quiet\") }\n}\n".to_string(),
        _ => "fn fires(s) {\n    let t = s.latest(\"talks\");\n    if t.outcome.truce { \"truce\" } else { quiet(\"no ceasefire\") }\n}\n".to_string(),
    };
    head + body.as_str()
}

/// A scenario by its fields; `extends` names another scenario file.
#[derive(Debug, Clone)]
struct Sc {
    strikes: u8,
    ceasefire: bool,
    day: u8,
    expect: u8,
    extends: Option<usize>,
    broken: bool,
}

fn scenario_text(s: &Sc) -> String {
    if s.broken {
        return "[scenario\ntitle = \"broken\"\n".into();
    }
    let expect = match s.expect % 5 {
        0 => "",
        1 => "\n[expect]\nfires = [\"a\"]\n",
        2 => "\n[expect]\nnot_fires = [\"b\"]\n",
        3 => "\n[expect]\nexactly = [\"a\", \"b\"]\n",
        // Judged at another date too: tested anew after a rule change.
        _ => {
            "\n[expect]\nfires = [\"a\"]\n\n[[expect.at]]\ndate = 2025-06-05\nnot_fires = [\"b\"]\n"
        }
    };
    if let Some(base) = s.extends {
        return format!(
            "[scenario]\nextends = \"s{base}.toml\"\ntitle = \"Variant\"\nas_of = 2025-06-{:02}\n{expect}",
            10 + s.day % 10
        );
    }
    let mut t = format!(
        "[scenario]\ntitle = \"S\"\nas_of = 2025-06-{:02}\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\nround = 1\noutcome = {{ ceasefire = {} }}\n",
        10 + s.day % 10,
        s.ceasefire
    );
    for i in 0..s.strikes % 4 {
        t.push_str(&format!(
            "\n[[events]]\nkind = \"strike\"\ndate = 2025-06-0{}\nby = \"RU\"\n",
            2 + i
        ));
    }
    t + expect
}

#[derive(Debug, Clone)]
enum Edit {
    Rule(usize, Option<u8>),
    Helper(u8),
    Catalogue(bool),
    Scenario(usize, Option<Sc>),
}

fn sc() -> impl Strategy<Value = Sc> {
    (
        any::<u8>(),
        any::<bool>(),
        any::<u8>(),
        any::<u8>(),
        prop::option::weighted(0.3, 0..SCENARIOS),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(strikes, ceasefire, day, expect, extends, broken)| Sc {
            strikes,
            ceasefire,
            day,
            expect,
            extends,
            broken,
        })
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (0..RULES, prop::option::weighted(0.9, any::<u8>())).prop_map(|(i, b)| Edit::Rule(i, b)),
        1 => (0u8..4).prop_map(Edit::Helper),
        1 => any::<bool>().prop_map(Edit::Catalogue),
        4 => (0..SCENARIOS, prop::option::weighted(0.85, sc())).prop_map(|(i, s)| Edit::Scenario(i, s)),
    ]
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Applies an edit; the path it wrote or removed.
fn apply(root: &Path, e: &Edit) -> PathBuf {
    let (path, text) = match e {
        Edit::Rule(i, body) => (
            root.join(format!("rules/r{i}.rhai")),
            body.map(|b| rule_text(b, ["a", "b", "c", "c"][*i % RULES])),
        ),
        Edit::Helper(n) => (
            root.join("rules/lib/h.rhai"),
            Some(format!("export const LIMIT = {n};\n")),
        ),
        Edit::Catalogue(with_d) => {
            let mut t = String::from(
                "[a]\ntitle = \"A\"\ncategory = \"sanctions\"\nseverity = 1\n\n\
                 [b]\ntitle = \"B\"\ncategory = \"diplomatic\"\nseverity = 2\n\n\
                 [c]\ntitle = \"C\"\ncategory = \"relief\"\nseverity = 0\n",
            );
            if *with_d {
                t.push_str("\n[d]\ntitle = \"D\"\ncategory = \"relief\"\nseverity = 0\n");
            }
            (root.join("rules/responses.toml"), Some(t))
        }
        Edit::Scenario(i, s) => (
            root.join(format!("scenarios/s{i}.toml")),
            s.as_ref().map(scenario_text),
        ),
    };
    match text {
        Some(t) => write(&path, &t),
        None => {
            // Removing a file that is not there is a no-op edit.
            let _ = std::fs::remove_file(&path);
        }
    }
    path
}

fn opts() -> WorkerOptions {
    WorkerOptions::default()
}

/// A full run from disk: every file discovered, loaded and tested anew.
fn full_run(root: &Path) -> String {
    let set = Arc::new(RuleSet::load(&root.join("rules"), Limits::default()));
    let (files, _) = discover(&[root.join("scenarios")]);
    let worker = Worker::new(set, opts());
    let results: Vec<TestResult> = files
        .iter()
        .map(|f| match f.load() {
            Ok(sc) => run_test(&worker, &Arc::new(sc)),
            Err(ds) => TestResult {
                id: f.id.clone(),
                file: f.path.clone(),
                status: TestStatus::Error,
                failures: Vec::new(),
                diagnostics: ds,
                outcome: None,
                other_outcomes: Vec::new(),
            },
        })
        .collect();
    json(&results)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| panic!("{e}"))
}

/// A starting library: the helper, the catalogue, four rules (`b`'s
/// chained on `a`, one of `c`'s erroring) and two scenarios, one a
/// variant of the other.
fn start(root: &Path) {
    for e in [
        Edit::Catalogue(false),
        Edit::Helper(2),
        Edit::Rule(0, Some(1)),
        Edit::Rule(1, Some(3)),
        Edit::Rule(2, Some(5)),
        Edit::Rule(3, Some(0)),
        Edit::Scenario(
            0,
            Some(Sc {
                strikes: 2,
                ceasefire: false,
                day: 0,
                expect: 1,
                extends: None,
                broken: false,
            }),
        ),
        Edit::Scenario(
            1,
            Some(Sc {
                strikes: 0,
                ceasefire: false,
                day: 3,
                expect: 3,
                extends: Some(0),
                broken: false,
            }),
        ),
    ] {
        apply(root, &e);
    }
}

proptest! {
    #![proptest_config(cases(32, "incremental"))]

    /// After every batch of edits, the engine's kept results equal a full
    /// run's, whether or not it is told which files were touched; a batch
    /// that changed nothing under the rules folder re-runs no more than
    /// the scenarios.
    #[test]
    fn incremental_results_equal_a_full_run(
        batches in prop::collection::vec((prop::collection::vec(edit(), 1..4), any::<bool>()), 1..8)
    ) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        start(root);
        let scenarios = vec![root.join("scenarios")];
        let mut inc = Incremental::new(&root.join("rules"), &scenarios, opts(), 1);
        let all = inc.all();
        inc.test(&all, |_| {});
        prop_assert_eq!(json(&inc.results()), full_run(root));
        for (edits, tell) in &batches {
            let mut touched = BTreeSet::new();
            for e in edits {
                let p = apply(root, e);
                if *tell {
                    touched.insert(normal(&p));
                }
            }
            // Told which files were saved, the engine looks only at
            // those; otherwise at every file.
            let changes = if *tell {
                inc.update_touched(&touched)
            } else {
                inc.update(&touched)
            };
            let rules_edited = edits
                .iter()
                .any(|e| !matches!(e, Edit::Scenario(..)));
            if !rules_edited {
                prop_assert!(!changes.rules, "{changes:?} after {edits:?}");
            }
            inc.test(&changes.affected, |_| {});
            prop_assert_eq!(json(&inc.results()), full_run(root), "after {:?}", edits);
        }
    }
}

#[test]
fn a_scenario_edit_re_runs_that_scenario_and_its_variants_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    start(root);
    let other = Sc {
        strikes: 1,
        ceasefire: true,
        day: 1,
        expect: 0,
        extends: None,
        broken: false,
    };
    apply(root, &Edit::Scenario(2, Some(other.clone())));
    let mut inc = Incremental::new(&root.join("rules"), &[root.join("scenarios")], opts(), 1);
    let ids = |inc: &Incremental, which: &[usize]| -> Vec<String> {
        which.iter().map(|&i| inc.files()[i].id.clone()).collect()
    };
    assert_eq!(ids(&inc, &inc.all()), ["s0", "s1", "s2"]);

    // Nothing changed: nothing to run.
    let none = inc.update(&BTreeSet::new());
    assert!(!none.rules && none.affected.is_empty(), "{none:?}");

    // The base: it and its variant.
    let base = Sc {
        strikes: 3,
        ..other.clone()
    };
    apply(root, &Edit::Scenario(0, Some(base)));
    let c = inc.update(&BTreeSet::new());
    assert_eq!(ids(&inc, &c.affected), ["s0", "s1"]);

    // A file rewritten with the same content is not a change, unless a
    // watcher says it was touched.
    let again = Sc {
        strikes: 1,
        ..other
    };
    let p = apply(root, &Edit::Scenario(2, Some(again)));
    assert!(inc.update(&BTreeSet::new()).affected.is_empty());
    let c = inc.update(&BTreeSet::from([normal(&p)]));
    assert_eq!(ids(&inc, &c.affected), ["s2"]);

    // A rule: everything.
    apply(root, &Edit::Rule(1, Some(0)));
    let c = inc.update(&BTreeSet::new());
    assert!(c.rules);
    assert_eq!(ids(&inc, &c.affected), ["s0", "s1", "s2"]);

    // A removed base: its variant no longer loads, and the removed file
    // leaves the results.
    apply(root, &Edit::Scenario(0, None));
    let c = inc.update(&BTreeSet::new());
    inc.test(&c.affected, |_| {});
    assert_eq!(json(&inc.results()), full_run(root));
    assert_eq!(ids(&inc, &inc.all()), ["s1", "s2"]);
}

/// What a rule set holds that a verb shows or evaluates, in a form to
/// compare.
fn summary(set: &RuleSet) -> String {
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{}\n{}",
        set.rules(),
        set.plan(),
        set.diagnostics(),
        set.catalogue(),
        set.helpers(),
        set.helpers_found(),
        set.vocabulary().is_some()
    )
}

proptest! {
    #![proptest_config(cases(32, "reload_changed"))]

    /// Reloading only the changed files gives what loading the whole
    /// folder gives — rules, plan, diagnostics — after any edits to
    /// rules (broken, chained, in a cycle, added, removed), the helper
    /// and the catalogue; and a rule whose file did not change is not
    /// read again.
    #[test]
    fn reloading_the_changed_rules_equals_a_full_load(
        batches in prop::collection::vec(
            prop::collection::vec(edit().prop_filter("rules only", |e| !matches!(e, Edit::Scenario(..))), 1..4),
            1..6,
        )
    ) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        start(root);
        let rules = root.join("rules");
        let mut set = RuleSet::load(&rules, Limits::default());
        for edits in &batches {
            let changed: Vec<PathBuf> = edits.iter().map(|e| apply(root, e)).collect();
            let reloaded = set.reload_changed(&changed, Limits::default());
            let full = RuleSet::load(&rules, Limits::default());
            prop_assert_eq!(summary(&reloaded), summary(&full), "after {:?}", edits);
            let context_same = edits.iter().all(|e| matches!(e, Edit::Rule(..)));
            for r in reloaded.rules() {
                let before = set.rule(&r.id);
                if context_same && !changed.contains(&r.source.path)
                    && let Some(b) = before
                {
                    prop_assert!(Arc::ptr_eq(&b.source.text, &r.source.text), "{} read again", r.id);
                }
            }
            set = reloaded;
        }
    }
}

/// More scenarios than run on the kept worker, on two threads: the pool
/// re-evaluates them in batches, and keeps as they were the results whose
/// changed rules give the verdicts they gave before. After each rule
/// edit (some changing verdicts, some not: a comment, the same body
/// again, a break, a fix) the results equal a full run's.
#[test]
fn rule_edits_over_many_scenarios_on_the_pool_equal_a_full_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    start(root);
    for i in 0..70u8 {
        let s = Sc {
            strikes: i,
            ceasefire: i % 3 == 0,
            day: i / 4,
            expect: i / 2,
            extends: None,
            broken: false,
        };
        write(
            &root.join(format!("scenarios/m{i:02}.toml")),
            &scenario_text(&s),
        );
    }
    let mut inc = Incremental::new(&root.join("rules"), &[root.join("scenarios")], opts(), 2);
    let all = inc.all();
    inc.test(&all, |_| {});
    assert_eq!(json(&inc.results()), full_run(root));
    let a = root.join("rules/r0.rhai");
    for body in [1u8, 1, 0, 5, 4, 1, 3] {
        let mut text = rule_text(body, "a");
        // The same body twice: the second save only adds a comment.
        text.push_str(&format!("// body {body}\n"));
        write(&a, &text);
        let touched: BTreeSet<PathBuf> = [normal(&a)].into();
        let changes = inc.update_touched(&touched);
        assert!(changes.rules);
        let mut seen = 0;
        inc.test(&changes.affected, |_| seen += 1);
        assert_eq!(seen, changes.affected.len());
        assert_eq!(json(&inc.results()), full_run(root), "after body {body}");
    }
}
