//! The library as a service embeds it, through `Engine` only: rules and
//! scenarios from strings with no file on disk, one engine shared by
//! threads with the default 2 MiB stacks (std and tokio's blocking pool),
//! rules recursing as deep as the limits allow answered with an error
//! rather than a process abort, and every load error a failed build. The
//! library guide's example (docs/library.md) is the engine module's
//! doc-test, word for word.

use std::path::Path;
use std::sync::Arc;

use sanctions_trigger::Engine;
use sanctions_trigger::outcome::{ErrorKind, Outcome};
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::{Scenario, discover, parse_str};
use sanctions_trigger::timeline::{ReplayError, Window, default_window};

use crate::support::{GOOD_RULE, RESPONSES, TALKS};

/// The default stack of a `std` thread, and of tokio's blocking pool.
const SMALL_STACK: usize = 2 << 20;

fn scenario(text: &str) -> Arc<Scenario> {
    Arc::new(
        parse_str(Path::new("request.toml"), text, "request").unwrap_or_else(|d| panic!("{d:?}")),
    )
}

fn engine(rules: &[(&str, &str)]) -> Engine {
    let mut b = Engine::builder().catalogue(RESPONSES);
    for (id, text) in rules {
        b = b.rule(*id, *text);
    }
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `f` on a new thread with a 2 MiB stack; a stack overflow there
/// would abort this whole test process.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .unwrap_or_else(|e| panic!("{e}"))
        .join()
        .unwrap_or_else(|_| panic!("the thread panicked"))
}

/// `d(k - 1)` wrapped `n` times in `wrap` (`X` marks the hole), in a
/// function recursing until the call-depth limit stops it.
fn recursing(n: usize, wrap: &str) -> String {
    let inner = (0..n).fold("d(k - 1)".to_string(), |acc, _| wrap.replace('X', &acc));
    format!(
        "const RESPONSE = \"leaders-summit\";\nfn d(k) {{ if k <= 0 {{ 0 }} else {{ {inner} }} }}\nfn fires(s) {{\n    d(100) > 0\n}}\n"
    )
}

/// The deep-recursion rules of the adversarial and sandbox suites, and
/// the deepest nesting the expression-depth limit lets each call have (a
/// chain of `+`, which needs the most stack of the forms measured).
fn deep_rules() -> Vec<(&'static str, String)> {
    vec![
        ("nested", recursing(15, "(1 + X)")),
        (
            "runaway",
            "const RESPONSE = \"leaders-summit\";\nfn deeper(n) { deeper(n + 1) }\nfn fires(s) {\n    deeper(0)\n}\n".into(),
        ),
        ("chain", recursing(41, "X + 0")),
    ]
}

fn assert_stopped(o: &Outcome, rule: &str) {
    let e = o
        .errors
        .iter()
        .find(|e| e.rule == rule)
        .unwrap_or_else(|| panic!("no error of `{rule}`: {:?}", o.errors));
    assert_eq!(e.kind, ErrorKind::Limit, "{e}");
    assert!(e.message.contains("nested calls"), "{e}");
}

#[test]
fn an_engine_from_strings_evaluates_and_replays_with_no_file_on_disk() {
    let engine = Engine::builder()
        .catalogue(RESPONSES)
        .helper("talks", "fn rounds(s) { s.count(\"talks\") }\n")
        .rule(
            "talks/summit",
            "import \"lib/talks\" as talks;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) { talks::rounds(s) > 0 }\n",
        )
        .rule("good", GOOD_RULE)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
    assert_eq!(engine.rules().rules().len(), 2);
    assert!(engine.catalogue().get("leaders-summit").is_some());
    let sc = scenario(TALKS);
    let o = engine.evaluate(&sc, sc.as_of());
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    let fired: Vec<&str> = o.fired.iter().map(|r| &**r).collect();
    assert_eq!(fired, ["leaders-summit", "new-sanctions"]);
    // The day before the talks, only the unconditional rule fires.
    let before = sc.as_of().pred_opt().unwrap_or(sc.as_of());
    assert_eq!(engine.evaluate(&sc, before).fired.len(), 1);
    let t = engine
        .replay(&sc, default_window(&sc, None, None))
        .unwrap_or_else(|e| panic!("{e}"));
    let summit = t.responses.iter().find(|r| r.id == "leaders-summit");
    let from = summit.and_then(|r| r.periods.first()).map(|p| p.from);
    assert_eq!(from, Some(sc.as_of()));
}

#[test]
fn a_rule_error_in_memory_is_a_build_error_at_its_pseudo_path() {
    let e = Engine::builder()
        .catalogue(RESPONSES)
        .rule(
            "talks/bad",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    1 +\n}\n",
        )
        .rule("good", GOOD_RULE)
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    let first = e.errors().next().unwrap_or_else(|| panic!("no error"));
    assert_eq!(
        first.file.as_deref(),
        Some(Path::new("rules/talks/bad.rhai"))
    );
    assert_eq!(first.line, Some(4));
    let shown = e.to_string();
    assert!(shown.starts_with("rules/talks/bad.rhai:4:"), "{shown}");
    // A typo in an import names the helper's pseudo path.
    let e = Engine::builder()
        .catalogue(RESPONSES)
        .helper("lib/talks", "fn x() { 1 }\n")
        .rule("r", "import \"lib/talk\" as t;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) { true }\n")
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    let shown = e.to_string();
    assert!(shown.contains("rules/r.rhai:1:"), "{shown}");
    assert!(shown.contains("rules/lib/talk.rhai"), "{shown}");
    assert!(shown.contains("did you mean `lib/talks`?"), "{shown}");
}

#[test]
fn a_missing_folder_no_rules_or_no_catalogue_fail_the_build() {
    let missing = Engine::builder()
        .folder("/nonexistent/rulez")
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert_eq!(missing.diagnostics().len(), 1, "{missing}");
    assert!(
        missing.to_string().contains("rules folder not found"),
        "{missing}"
    );
    assert!(!missing.to_string().contains("--rules"), "{missing}");

    let empty = Engine::builder()
        .catalogue(RESPONSES)
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert!(
        empty.to_string().contains("no rules to evaluate"),
        "{empty}"
    );
    // The warning that says so is kept beside the error.
    assert!(
        empty
            .diagnostics()
            .iter()
            .any(|d| d.message == "no rules found")
    );

    let uncatalogued = Engine::builder()
        .rule("good", GOOD_RULE)
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert!(
        uncatalogued.to_string().contains("no response catalogue"),
        "{uncatalogued}"
    );

    let both = Engine::builder()
        .folder(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
        .rule("good", GOOD_RULE)
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert!(
        both.to_string().contains("both as a folder and in memory"),
        "{both}"
    );
}

#[test]
fn limits_that_do_not_bound_the_stack_fail_the_build() {
    let unbounded = Limits {
        max_expr_depth: 0,
        ..Limits::default()
    };
    let e = Engine::builder()
        .catalogue(RESPONSES)
        .rule("good", GOOD_RULE)
        .limits(unbounded)
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert!(e.to_string().contains("do not bound the stack"), "{e}");
}

#[test]
fn several_errors_are_all_kept_and_counted() {
    let e = Engine::builder()
        .catalogue(RESPONSES)
        .rule("a", "const RESPONSE = \"nope\";\nfn fires(s) { true }\n")
        .rule("b", "const RESPONSE = \"nada\";\nfn fires(s) { true }\n")
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    assert_eq!(e.errors().count(), 2, "{:?}", e.diagnostics());
    let shown = e.to_string();
    assert!(shown.starts_with("rules/a.rhai:1:"), "{shown}");
    assert!(shown.ends_with("(and 1 more error)"), "{shown}");
}

#[test]
fn a_disabled_rule_is_not_loaded_and_an_unknown_one_is_an_error() {
    let broken = "const RESPONSE = \"leaders-summit\";\nfn fires(s) { 1 + }\n";
    let e = Engine::builder()
        .catalogue(RESPONSES)
        .rule("good", GOOD_RULE)
        .rule("broken", broken)
        .disable("broken")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(e.rules().rule("broken").is_none());
    let sc = scenario(TALKS);
    let o = e.evaluate(&sc, sc.as_of());
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert!(o.response("leaders-summit").is_none());

    let unknown = Engine::builder()
        .catalogue(RESPONSES)
        .rule("good", GOOD_RULE)
        .disable("god")
        .build()
        .err()
        .unwrap_or_else(|| panic!("built"));
    let shown = unknown.to_string();
    assert!(shown.contains("no rule `god` to disable"), "{shown}");
    assert!(shown.contains("did you mean `good`?"), "{shown}");
}

#[test]
fn replay_refuses_a_window_longer_than_ten_years() {
    let engine = engine(&[("good", GOOD_RULE)]);
    let sc = scenario(
        "[scenario]\ntitle = \"t\"\nas_of = 2056-01-01\n[[events]]\nkind = \"x\"\ndate = 2025-01-01\n",
    );
    let e = engine
        .replay(&sc, default_window(&sc, None, None))
        .err()
        .unwrap_or_else(|| panic!("replayed 31 years"));
    assert!(
        matches!(e, ReplayError::TooLong { days: 11_323, .. }),
        "{e:?}"
    );
    let reversed = Window {
        from: sc.as_of(),
        to: sc.first_date().unwrap_or(sc.as_of()),
    };
    assert!(matches!(
        engine.replay(&sc, reversed),
        Err(ReplayError::Reversed { .. })
    ));
}

#[test]
fn deep_recursion_is_an_error_not_an_abort_on_a_2_mib_thread() {
    let rules = deep_rules();
    let sc = scenario(TALKS);
    for native in [true, false] {
        let mut b = Engine::builder()
            .catalogue(RESPONSES)
            .rule("good", GOOD_RULE)
            .native(native);
        for (id, text) in &rules {
            b = b.rule(*id, text.as_str());
        }
        let engine = b.build().unwrap_or_else(|e| panic!("{e}"));
        let sc = sc.clone();
        let o = on_small_stack(move || engine.evaluate(&sc, sc.as_of()));
        for (id, _) in &rules {
            assert_stopped(&o, id);
        }
        assert!(
            o.fired.iter().any(|r| &**r == "new-sanctions"),
            "native: {native}"
        );
    }
    let rhai_only = Engine::builder()
        .catalogue(RESPONSES)
        .rule("chain", rules[2].1.as_str())
        .native(false)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let t = on_small_stack(move || {
        let window = default_window(&sc, None, None);
        rhai_only.replay(&sc, window)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.errors.len(), 2, "{:?}", t.errors);
}

#[test]
fn a_top_level_recursing_deep_is_a_build_error_not_an_abort_on_a_2_mib_thread() {
    let inner = (0..41).fold("d(k - 1)".to_string(), |acc, _| format!("{acc} + 0"));
    let text = format!(
        "const RESPONSE = \"leaders-summit\";\nfn d(k) {{ if k <= 0 {{ 0 }} else {{ {inner} }} }}\nconst X = d(100);\nfn fires(s) {{ true }}\n"
    );
    let built = on_small_stack(move || {
        Engine::builder()
            .catalogue(RESPONSES)
            .rule("top", text)
            .build()
            .map(|_| ())
    });
    let e = built.err().unwrap_or_else(|| panic!("built"));
    assert!(e.to_string().contains("nested calls"), "{e}");
}

#[test]
fn deep_recursion_is_an_error_in_a_tokio_blocking_task() {
    let rules = deep_rules();
    let mut b = Engine::builder().catalogue(RESPONSES);
    for (id, text) in &rules {
        b = b.rule(*id, text.as_str());
    }
    let engine = b.build().unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .thread_stack_size(SMALL_STACK)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let sc = scenario(TALKS);
    let outcomes = runtime.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (engine, sc) = (engine.clone(), sc.clone());
                tokio::task::spawn_blocking(move || engine.evaluate(&sc, sc.as_of()))
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap_or_else(|e| panic!("{e}")));
        }
        out
    });
    for o in &outcomes {
        for (id, _) in &rules {
            assert_stopped(o, id);
        }
    }
}

#[test]
fn eight_threads_sharing_an_engine_give_the_outcomes_of_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::builder()
        .folder(root.join("rules"))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (files, diags) = discover(&[root.join("scenarios")]);
    assert!(diags.is_empty(), "{diags:?}");
    let scenarios: Vec<Arc<Scenario>> = files
        .iter()
        .filter_map(|f| f.load().ok().map(Arc::new))
        .collect();
    assert!(scenarios.len() >= 10, "{} scenarios", scenarios.len());
    let one: Vec<Outcome> = scenarios
        .iter()
        .map(|s| engine.evaluate(s, s.as_of()))
        .collect();
    let scenarios = Arc::new(scenarios);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (engine, scenarios) = (engine.clone(), scenarios.clone());
            std::thread::Builder::new()
                .stack_size(SMALL_STACK)
                .spawn(move || {
                    // Each thread starts at a different scenario, so they
                    // evaluate different ones at once.
                    let n = scenarios.len();
                    let mut out: Vec<(usize, Outcome)> = (0..n)
                        .map(|i| (i + t) % n)
                        .map(|i| (i, engine.evaluate(&scenarios[i], scenarios[i].as_of())))
                        .collect();
                    out.sort_by_key(|(i, _)| *i);
                    out.into_iter().map(|(_, o)| o).collect::<Vec<_>>()
                })
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    for t in threads {
        let got = t.join().unwrap_or_else(|_| panic!("a thread panicked"));
        assert!(got == one, "a thread's outcomes differ from one thread's");
    }
}

/// The fenced `rust` block of docs/library.md, the library guide.
fn readme_example() -> String {
    let readme = include_str!("../docs/library.md");
    let block = readme
        .split("```rust\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap_or_else(|| panic!("docs/library.md has no rust block"));
    block.to_string()
}

/// The doc-test of `src/engine.rs`'s module documentation.
fn doc_example() -> String {
    let source = include_str!("../src/engine.rs");
    let doc: Vec<&str> = source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.strip_prefix("//! ")
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect();
    let doc = doc.join("\n");
    doc.split("```\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap_or_else(|| panic!("src/engine.rs has no doc example"))
        .to_string()
}

#[test]
fn the_readme_example_is_the_engine_doc_test() {
    assert_eq!(readme_example(), doc_example());
}
