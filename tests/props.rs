//! Property tests through the library API (no binary): random valid
//! scenarios and random mutations of them never panic and either load or
//! produce diagnostics positioned inside the file; random rule programs
//! from a small grammar never panic, always stop within the limits (the
//! deterministic operation limit, never the wall-clock backstop), and give
//! the same `Outcome` every time they are evaluated.
//!
//! Case counts are kept small so that the file runs in a few seconds in a
//! debug `cargo test`; raise them with `PROPTEST_CASES=2000 cargo test props`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;

use crate::support::cases;
use sanctions_trigger::diagnostic::Diagnostic;
use sanctions_trigger::eval::{Worker, WorkerOptions};
use sanctions_trigger::outcome::ErrorKind;
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::{Scenario, load_file, parse_str};

const KINDS: &[&str] = &["talks", "strike", "statement", "deadline"];
const CATALOGUE: &str = "[a]\ntitle = \"A\"\ncategory = \"sanctions\"\nseverity = 1\n\n\
    [b]\ntitle = \"B\"\ncategory = \"diplomatic\"\nseverity = 2\n";

// ---------------------------------------------------------------------------
// Scenario text generator

/// A TOML basic string: every control character and DEL escaped.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn date() -> impl Strategy<Value = String> {
    (2024i32..=2026, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.,-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
        Just("Çırağan — Türkiye".to_string()),
    ]
}

/// A TOML value as it would appear after `key = `.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (-1.0e6f64..1.0e6).prop_map(|x| format!("{x:?}")),
        any::<bool>().prop_map(|b| b.to_string()),
        text().prop_map(|s| toml_str(&s)),
        date(),
        (date(), 0u32..24, -12i32..=14).prop_map(|(d, h, o)| format!(
            "{d}T{h:02}:30:00{}{:02}:00",
            if o < 0 { '-' } else { '+' },
            o.abs()
        )),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(inner, 0..4).prop_map(|v| {
                let fields: Vec<String> = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| format!("f{i} = {x}"))
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }),
        ]
    })
}

fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[a-z][a-z_]{0,6}", value()), 0..4).prop_map(|v| {
        // Distinct names, none clashing with the event's own keys.
        let mut seen = std::collections::BTreeSet::new();
        v.into_iter()
            .filter(|(k, _)| !["kind", "date", "id", "source"].contains(&k.as_str()))
            .filter(|(k, _)| seen.insert(k.clone()))
            .collect()
    })
}

#[derive(Debug, Clone)]
struct GenEvent {
    kind: &'static str,
    date: String,
    with_id: bool,
    fields: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct GenScenario {
    title: String,
    as_of: Option<String>,
    tags: Vec<String>,
    facts: Vec<(String, String)>,
    events: Vec<GenEvent>,
    expect: Option<(Vec<&'static str>, Vec<&'static str>)>,
}

impl GenScenario {
    fn to_toml(&self) -> String {
        let mut t = format!("[scenario]\ntitle = {}\n", toml_str(&self.title));
        if let Some(d) = &self.as_of {
            t.push_str(&format!("as_of = {d}\n"));
        }
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|s| toml_str(s)).collect();
            t.push_str(&format!("tags = [{}]\n", tags.join(", ")));
        }
        t.push_str("\n[facts]\n");
        for (k, v) in &self.facts {
            t.push_str(&format!("{k} = {v}\n"));
        }
        t.push_str("\n[actors.RU]\nname = \"Russia\"\n");
        for (i, e) in self.events.iter().enumerate() {
            t.push_str(&format!(
                "\n[[events]]\nkind = \"{}\"\ndate = {}\n",
                e.kind, e.date
            ));
            if e.with_id {
                t.push_str(&format!("id = \"e{i}\"\n"));
            }
            for (k, v) in &e.fields {
                t.push_str(&format!("{k} = {v}\n"));
            }
        }
        if let Some((fires, not_fires)) = &self.expect {
            let q = |v: &[&str]| {
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            t.push_str(&format!(
                "\n[expect]\nfires = [{}]\nnot_fires = [{}]\n",
                q(fires),
                q(not_fires)
            ));
        }
        t
    }
}

fn scenario() -> impl Strategy<Value = GenScenario> {
    let event = (prop::sample::select(KINDS), date(), any::<bool>(), fields()).prop_map(
        |(kind, date, with_id, fields)| GenEvent {
            kind,
            date,
            with_id,
            fields,
        },
    );
    (
        text().prop_filter("a title", |t| !t.is_empty()),
        prop::option::of(date()),
        prop::collection::vec("[a-z]{1,6}", 0..3),
        fields(),
        prop::collection::vec(event, 0..8),
        prop::option::of(prop::sample::select(vec![
            (vec!["a"], vec!["b"]),
            (vec![], vec!["a", "b"]),
            (vec!["b"], vec![]),
        ])),
    )
        .prop_filter("a judgement date", |(_, as_of, _, _, events, _)| {
            as_of.is_some() || !events.is_empty()
        })
        .prop_map(|(title, as_of, tags, facts, events, expect)| GenScenario {
            title,
            as_of,
            tags,
            facts,
            events,
            expect,
        })
}

// ---------------------------------------------------------------------------
// Mutations

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(Index, u8),
    Truncate(Index),
    DeleteLine(Index),
    /// Repeats a line: a key written twice, a table opened twice.
    DuplicateLine(Index),
    InsertLine(Index, &'static str),
}

const JUNK_LINES: &[&str] = &[
    "[scenario]",
    "[[events]]",
    "[expect]",
    "title = 5",
    "as_of = 2025-02-30",
    "as_of = 2025-06-02T10:00:00",
    "date = \"2025-06-02\"",
    "kind = \"talks\"",
    "x = 99999999999999999999",
    "x = [1, \"a\"",
    "x = { a = 1",
    "\"unterminated = 1",
    "= 1",
    "as_off = 2025-06-02",
    "[[drop]]\nid = \"e0\"",
    "extends = \"nope.toml\"",
    "\u{feff}",
    "\r",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), prop::sample::select(JUNK_LINES))
            .prop_map(|(i, l)| Mutation::InsertLine(i, l)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let line_starts = || -> Vec<usize> {
        std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .filter(|&i| i < bytes.len())
            .collect()
    };
    let line = |i: &Index, starts: &[usize]| -> std::ops::Range<usize> {
        let k = i.index(starts.len());
        let end = starts.get(k + 1).copied().unwrap_or(bytes.len());
        starts[k]..end
    };
    match m {
        Mutation::FlipByte(i, b) => {
            let k = i.index(bytes.len());
            bytes[k] ^= b | 1;
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
        Mutation::DeleteLine(i) => {
            let r = line(i, &line_starts());
            bytes.drain(r);
        }
        Mutation::DuplicateLine(i) => {
            let r = line(i, &line_starts());
            let copy = bytes[r.clone()].to_vec();
            bytes.splice(r.end..r.end, copy);
        }
        Mutation::InsertLine(i, l) => {
            let starts = line_starts();
            let at = starts[i.index(starts.len())];
            let text = format!("{l}\n");
            bytes.splice(at..at, text.into_bytes());
        }
    }
}

/// Every positioned diagnostic points at a line of the file and a column
/// of that line (or one past its end); rendering never panics.
#[track_caller]
fn assert_inside(diags: &[Diagnostic], path: &Path, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<usize> = text.split('\n').map(|l| l.chars().count()).collect();
    assert!(!diags.is_empty(), "an error without a diagnostic");
    for d in diags {
        assert!(d.is_error(), "{d}");
        assert!(!d.message.is_empty(), "{d:?}");
        let _ = d.render(false);
        let _ = d.render(true);
        if let Some(file) = &d.file
            && file != path
        {
            // Only `extends` names another file, and it cannot exist here.
            assert!(
                d.message.contains("extends") || d.message.contains("base"),
                "{d}"
            );
        }
        match (d.line, d.column) {
            (Some(line), Some(col)) => {
                assert!(
                    line >= 1 && line <= lines.len(),
                    "line {line} of {} lines: {d}",
                    lines.len()
                );
                let len = lines[line - 1];
                assert!(
                    col >= 1 && col <= len + 1,
                    "column {col} of a {len}-character line {line}: {d}"
                );
            }
            (None, None) => {}
            other => panic!("half a position {other:?}: {d}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Rule program generator: a small grammar over the scenario API

fn kind() -> impl Strategy<Value = &'static str> {
    prop::sample::select(KINDS)
}

fn int_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-1000i64..1000).prop_map(|i| i.to_string()),
        Just("9223372036854775807".to_string()),
        Just("n".to_string()),
        Just("s.count()".to_string()),
        kind().prop_map(|k| format!("s.count(\"{k}\")")),
        kind().prop_map(|k| format!("s.events(\"{k}\").len()")),
        Just("s.title.len()".to_string()),
        Just("(s.as_of - date(\"2025-01-01\"))".to_string()),
        Just("s.as_of.month".to_string()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        (
            inner.clone(),
            prop::sample::select(vec!["+", "-", "*", "/", "%"]),
            inner,
        )
            .prop_map(|(a, op, b)| format!("({a} {op} {b})"))
    })
}

fn str_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-zA-Z ]{0,6}".prop_map(|s| format!("\"{s}\"")),
        Just("s.title".to_string()),
        Just("s.id".to_string()),
        Just("`${s.as_of}`".to_string()),
        kind().prop_map(|k| format!("s.latest(\"{k}\").kind")),
        int_expr().prop_map(|i| format!("`${{{i}}}`")),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            inner.clone().prop_map(|a| format!("{a}.to_upper()")),
            (inner, 0i64..5, 0i64..5).prop_map(|(a, i, n)| format!("{a}.sub_string({i}, {n})")),
        ]
    })
}

fn bool_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(|b| b.to_string()),
        (
            int_expr(),
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]),
            int_expr()
        )
            .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        kind().prop_map(|k| format!("(s.latest(\"{k}\") == ())")),
        (kind(), date())
            .prop_map(|(k, d)| format!("s.events(\"{k}\").some(|e| e.date > date(\"{d}\"))")),
        Just("s.events().all(|e| e.kind != \"\")".to_string()),
        (str_expr(), str_expr()).prop_map(|(a, b)| format!("{a}.contains({b})")),
        str_expr().prop_map(|a| format!("(\"RU\" in {a})")),
        date().prop_map(|d| format!("(s.as_of >= date(\"{d}\"))")),
        Just("s.facts.has(\"x\")".to_string()),
        // Mistakes the engine must turn into errors, not verdicts.
        Just("(s.as_of > \"2025-01-01\")".to_string()),
        Just("(1 == \"1\")".to_string()),
        Just("s.events().filter(|e| 1).len() > 0".to_string()),
        Just("s.facts.nope".to_string()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| format!("!{a}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} && {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} || {b})")),
        ]
    })
}

fn verdict() -> impl Strategy<Value = String> {
    prop_oneof![
        bool_expr(),
        str_expr(),
        str_expr().prop_map(|s| format!("quiet({s})")),
        (bool_expr(), str_expr()).prop_map(|(b, r)| format!("#{{ fires: {b}, reason: {r} }}")),
        int_expr(),
        Just("()".to_string()),
    ]
}

fn stmt() -> impl Strategy<Value = String> {
    prop_oneof![
        int_expr().prop_map(|e| format!("n = {e};")),
        (bool_expr(), verdict()).prop_map(|(c, v)| format!("if {c} {{ return {v}; }}")),
        (kind(), bool_expr()).prop_map(|(k, c)| format!(
            "for e in s.events(\"{k}\") {{ if {c} && e.date <= s.as_of {{ n += 1; }} }}"
        )),
        (0i64..2000).prop_map(|k| format!("let i = 0; while i < {k} {{ i += 1; }}")),
        (0i64..2000).prop_map(|k| format!("loop {{ n += 1; if n > {k} {{ break; }} }}")),
        Just("loop { n += 1; }".to_string()),
        (0i64..30)
            .prop_map(|k| format!("let t = \"ab\"; for i in 0..{k} {{ t += t; }} n = t.len();")),
        // Recursion stays below the call-level limit: deeper recursion
        // overflows a 2 MiB thread stack in debug builds (see the report
        // on worker-thread stacks) before Rhai stops it.
        (0i64..20).prop_map(|k| format!("n = depth({k});")),
        (0i64..200)
            .prop_map(|k| format!("let a = []; for i in 0..{k} {{ a.push(i); }} n = a.len();")),
        str_expr().prop_map(|e| format!("print({e});")),
        Just("let x = s.events(); x.push(1); n = x.len();".to_string()),
    ]
}

fn rule_body() -> impl Strategy<Value = String> {
    (prop::collection::vec(stmt(), 0..5), verdict()).prop_map(|(stmts, v)| {
        let mut body = String::new();
        for s in stmts {
            body.push_str(&format!("    {s}\n"));
        }
        body.push_str(&format!("    {v}\n"));
        body
    })
}

fn rule_source(response: &str, body: &str, reads_a: bool) -> String {
    let fired = if reads_a {
        "    if fired(\"a\") { n += 1; }\n"
    } else {
        ""
    };
    format!(
        "const RESPONSE = \"{response}\";\n\
         const LIMIT = 3;\n\
         fn depth(k) {{ if k <= 0 {{ 0 }} else {{ 1 + depth(k - 1) }} }}\n\
         fn fires(s) {{\n    let n = LIMIT;\n{fired}{body}}}\n"
    )
}

/// A folder with the catalogue and the given rules.
fn rules_dir(rules: &[(&str, String)]) -> (tempfile::TempDir, Arc<RuleSet>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("responses.toml"), CATALOGUE).unwrap_or_else(|e| panic!("{e}"));
    for (id, text) in rules {
        std::fs::write(dir.path().join(format!("{id}.rhai")), text)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let set = Arc::new(RuleSet::load(dir.path(), limits()));
    (dir, set)
}

/// The limits the generated rules load and run under.
fn limits() -> Limits {
    Limits {
        max_operations: 20_000,
        ..Limits::default()
    }
}

/// A worker running `set` under [`limits`].
fn new_worker(set: Arc<RuleSet>) -> Worker {
    let opts = WorkerOptions {
        limits: limits(),
        ..WorkerOptions::default()
    };
    Worker::new(set, opts)
}

fn fixed_scenario() -> Arc<Scenario> {
    let text = "[scenario]\ntitle = \"Talks\"\nas_of = 2025-06-02\n\n[facts]\nx = 1\n\n\
        [[events]]\nkind = \"strike\"\ndate = 2025-06-01\ndrones = 250\n\n\
        [[events]]\nkind = \"talks\"\ndate = 2025-06-02\nround = 2\n\n\
        [[events]]\nkind = \"statement\"\ndate = 2025-06-03\nby = \"UA\"\n";
    Arc::new(
        parse_str(Path::new("talks.toml"), text, "talks")
            .unwrap_or_else(|d| panic!("fixed scenario: {d:?}")),
    )
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(cases(128, "props"))]

    /// Generated scenarios are valid: they load, keep every event, sort
    /// them by date, and default `as_of` to the last event's date.
    #[test]
    fn valid_scenarios_load(sc in scenario()) {
        let text = sc.to_toml();
        let loaded = parse_str(Path::new("gen.toml"), &text, "gen");
        let loaded = match loaded {
            Ok(s) => s,
            Err(d) => {
                let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
                return Err(TestCaseError::fail(format!("{msgs:#?}\n{text}")));
            }
        };
        prop_assert_eq!(loaded.events().len(), sc.events.len());
        prop_assert!(loaded.events().windows(2).all(|w| w[0].date() <= w[1].date()));
        if sc.as_of.is_none() {
            prop_assert_eq!(Some(loaded.as_of()), loaded.events().last().map(|e| e.date()));
        }
        prop_assert_eq!(loaded.title(), sc.title.as_str());
    }

    /// Mutated scenarios (byte flips, truncation, deleted, duplicated and
    /// inserted lines) never panic; they load or give diagnostics inside
    /// the file.
    #[test]
    fn mutated_scenarios_load_or_point_inside_the_file(
        sc in scenario(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = sc.to_toml().into_bytes();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path: PathBuf = dir.path().join("mutant.toml");
        std::fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match load_file(&path, "mutant") {
            Ok(s) => {
                prop_assert!(!s.title().is_empty());
                prop_assert!(s.events().windows(2).all(|w| w[0].date() <= w[1].date()));
            }
            Err(diags) => assert_inside(&diags, &path, &bytes),
        }
    }
}

proptest! {
    #![proptest_config(cases(24, "props"))]

    /// Random rule programs compile (the grammar is valid Rhai), never
    /// panic, are stopped by the operation limit rather than the clock,
    /// and evaluate to the same outcome twice in one worker and once more
    /// in a fresh worker.
    #[test]
    fn random_rules_finish_within_the_limits_and_are_deterministic(
        body_a in rule_body(),
        body_b in rule_body(),
        reads_a in any::<bool>(),
    ) {
        let a = rule_source("a", &body_a, false);
        let b = rule_source("b", &body_b, reads_a);
        let (_dir, set) = rules_dir(&[("ra", a.clone()), ("rb", b.clone())]);
        let errors: Vec<String> = set
            .diagnostics()
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        prop_assert!(errors.is_empty(), "{errors:#?}\n--- ra\n{a}\n--- rb\n{b}");
        let sc = fixed_scenario();
        let worker = new_worker(set.clone());
        let start = Instant::now();
        let first = worker.evaluate(&sc, sc.as_of());
        let elapsed = start.elapsed();
        // Two rules, each bounded by 20,000 operations.
        prop_assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}\n{a}\n{b}");
        for e in &first.errors {
            prop_assert!(e.kind != ErrorKind::Timeout, "{e}\n{a}\n{b}");
            prop_assert!(e.kind != ErrorKind::Compile, "{e}\n{a}\n{b}");
            prop_assert!(e.line.is_some() && e.column.is_some(), "{e}");
            prop_assert!(!e.message.is_empty());
        }
        prop_assert_eq!(first.responses.len(), 2);
        let again = worker.evaluate(&sc, sc.as_of());
        prop_assert_eq!(&first, &again);
        let fresh = new_worker(set).evaluate(&sc, sc.as_of());
        prop_assert_eq!(&first, &fresh);
        prop_assert_eq!(
            serde_json::to_string(&first).map_err(|e| TestCaseError::fail(e.to_string()))?,
            serde_json::to_string(&fresh).map_err(|e| TestCaseError::fail(e.to_string()))?
        );
    }

    /// Random valid scenarios judged by a fixed rule set: the same outcome
    /// twice, at the scenario's date and at every event's date.
    #[test]
    fn evaluation_of_random_scenarios_is_deterministic(sc in scenario()) {
        let text = sc.to_toml();
        let loaded = Arc::new(
            parse_str(Path::new("gen.toml"), &text, "gen")
                .map_err(|d| TestCaseError::fail(format!("{d:?}")))?,
        );
        let (_dir, set) = shipped_like_rules();
        let worker = new_worker(set.clone());
        let other = new_worker(set);
        let mut dates: Vec<_> = loaded.events().iter().map(|e| e.date()).collect();
        dates.push(loaded.as_of());
        for d in dates {
            let x = worker.evaluate(&loaded, d);
            let y = other.evaluate(&loaded, d);
            prop_assert_eq!(&x, &y);
            prop_assert!(x.errors.iter().all(|e| e.kind != ErrorKind::Timeout));
        }
    }
}

/// Rules over the generated kinds, in the style of the shipped library.
fn shipped_like_rules() -> (tempfile::TempDir, Arc<RuleSet>) {
    rules_dir(&[
        (
            "latest-talks",
            "const RESPONSE = \"a\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    if t == () { return quiet(\"no talks\"); }\n    `talks on ${t.date}, ${s.count(\"strike\")} strikes`\n}\n"
                .to_string(),
        ),
        (
            "strikes",
            "const RESPONSE = \"b\";\nfn fires(s) {\n    let n = 0;\n    for e in s.events() {\n        if e.kind == \"strike\" && s.as_of - e.date < 30 { n += 1; }\n        for k in e.keys() { n += k.len(); }\n    }\n    if fired(\"a\") { n += 1; }\n    #{ fires: n > 3, reason: `${n}`, details: #{ n: n } }\n}\n"
                .to_string(),
        ),
    ])
}

#[test]
fn the_rule_grammar_produces_what_it_claims() {
    // A sanity check on the generator itself: a hand-written program in the
    // same shape compiles and evaluates without errors.
    let body = "    n = s.count(\"talks\");\n    (n > 0)\n";
    let (_dir, set) = rules_dir(&[("ra", rule_source("a", body, false))]);
    assert!(!set.has_errors(), "{:#?}", set.diagnostics());
    let sc = fixed_scenario();
    let out = new_worker(set).evaluate(&sc, sc.as_of());
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(out.fired, [std::sync::Arc::from("a")]);
}
