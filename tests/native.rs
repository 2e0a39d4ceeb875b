//! Native code against Rhai, the reference: every rule here is evaluated
//! twice, by a worker that runs lowered rules natively and by one that
//! runs everything in Rhai (`--engine rhai`), and the two `Outcome`s must
//! be equal — verdicts, reasons, details, errors with their positions.
//! Each test also checks that native code really ran (the rules lowered,
//! and most calls were decided natively), so a fallback that always hands
//! over to Rhai could not pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use proptest::prelude::*;

use crate::support::{Fixture, cases, shipped};
use sanctions_trigger::eval::{self, Worker, WorkerOptions};
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::{Scenario, discover, load_file, parse_str};

#[expect(
    dead_code,
    reason = "the corpus generator is shared with the examples; these tests use part of it"
)]
#[path = "../examples/corpus/mod.rs"]
pub(crate) mod corpus;

/// The rule set twice: native code on, and off.
fn both(dir: &Path, limits: Limits) -> (Worker, Worker, Arc<RuleSet>) {
    let set = Arc::new(RuleSet::load(dir, limits.clone()));
    assert!(!set.has_errors(), "{:#?}", set.diagnostics());
    let (native, rhai) = workers(&set, limits);
    (native, rhai, set)
}

/// A worker with native code, and one running everything in Rhai.
fn workers(set: &Arc<RuleSet>, limits: Limits) -> (Worker, Worker) {
    let native = WorkerOptions {
        limits,
        ..WorkerOptions::default()
    };
    let rhai = WorkerOptions {
        native: false,
        ..native.clone()
    };
    (
        Worker::new(set.clone(), native),
        Worker::new(set.clone(), rhai),
    )
}

/// Rules native code does not cover under `limits`, with the reason.
fn not_lowered(set: &RuleSet, limits: &Limits) -> Vec<String> {
    let opts = WorkerOptions {
        limits: limits.clone(),
        ..WorkerOptions::default()
    };
    let (_, compiled) = eval::compile(set, &opts);
    set.rules()
        .iter()
        .zip(&compiled)
        .filter_map(|(r, c)| match c.as_ref().ok().map(|c| &c.native) {
            Some(Ok(_)) => None,
            Some(Err(why)) => Some(format!("{}: {}", r.id, why.0)),
            None => Some(format!("{}: did not compile", r.id)),
        })
        .collect()
}

/// Evaluates `sc` at `day` with both workers and insists on one outcome.
#[track_caller]
fn same(native: &Worker, rhai: &Worker, sc: &Arc<Scenario>, day: NaiveDate) {
    let a = native.evaluate(sc, day);
    let b = rhai.evaluate(sc, day);
    assert_eq!(a, b, "{} as of {day}", sc.id());
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_shipped_library_runs_natively_with_rhai_s_outcomes_on_every_day() {
    let (native, rhai, set) = both(&repo().join("rules"), Limits::default());
    assert_eq!(not_lowered(&set, &Limits::default()), Vec::<String>::new());
    let (files, diags) = discover(&[repo().join("scenarios")]);
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(files.len() >= 10);
    for f in &files {
        let sc = Arc::new(load_file(&f.path, &f.id).unwrap_or_else(|d| panic!("{d:?}")));
        let first = sc.first_date().unwrap_or(sc.as_of());
        let last = sc
            .as_of()
            .max(sc.events().last().map_or(sc.as_of(), |e| e.date()));
        let mut day = first - chrono::Duration::days(1);
        while day <= last + chrono::Duration::days(45) {
            same(&native, &rhai, &sc, day);
            day += chrono::Duration::days(1);
        }
    }
    let (decided, handed_over) = native.native_calls();
    assert!(
        decided > 10 * handed_over.max(1),
        "native code decided {decided} calls and handed {handed_over} to Rhai"
    );
}

/// A generated corpus of 200 rules in the 18 shapes of `gen_corpus`.
fn corpus_dir(scenarios: usize) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("corpus");
    let m = corpus::Manifest {
        seed: 7,
        rules: 200,
        scenarios,
        events: 40,
        days: None,
    };
    corpus::write_corpus(&dir, m).unwrap_or_else(|e| panic!("{e}"));
    (tmp, dir)
}

fn corpus_scenarios(dir: &Path) -> Vec<Arc<Scenario>> {
    corpus::scenario_files(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|(id, p)| Arc::new(load_file(p, id).unwrap_or_else(|d| panic!("{d:?}"))))
        .collect()
}

#[test]
fn a_generated_corpus_has_rhai_s_outcomes_including_its_errors() {
    let (_tmp, dir) = corpus_dir(120);
    let (native, rhai, set) = both(&dir.join("rules"), Limits::default());
    assert_eq!(not_lowered(&set, &Limits::default()), Vec::<String>::new());
    let mut errors = 0;
    for sc in corpus_scenarios(&dir) {
        let a = native.evaluate(&sc, sc.as_of());
        errors += a.errors.len();
        assert_eq!(a, rhai.evaluate(&sc, sc.as_of()), "{}", sc.id());
        // Part-way through the history, too.
        if let Some(mid) = sc.events().get(sc.events().len() / 2) {
            same(&native, &rhai, &sc, mid.date());
        }
    }
    assert!(errors > 0, "the corpus has rules that error on purpose");
    let (decided, handed_over) = native.native_calls();
    assert!(
        decided > 20 * handed_over,
        "native code decided {decided} calls and handed {handed_over} to Rhai"
    );
}

#[test]
fn near_the_operation_limit_rhai_decides_and_the_outcomes_still_agree() {
    // With a tiny operation limit the loop rules run out: native code must
    // hand those calls to Rhai (which reports the limit), never answer.
    let (_tmp, dir) = corpus_dir(30);
    let limits = Limits {
        max_operations: 120,
        ..Limits::default()
    };
    let (native, rhai, _) = both(&dir.join("rules"), limits);
    let mut limited = 0;
    for sc in corpus_scenarios(&dir) {
        let a = native.evaluate(&sc, sc.as_of());
        limited += a
            .errors
            .iter()
            .filter(|e| e.message.contains("operations"))
            .count();
        assert_eq!(a, rhai.evaluate(&sc, sc.as_of()), "{}", sc.id());
    }
    assert!(limited > 0, "some calls should reach the limit of 120");
    assert!(native.native_calls().0 > 0);
}

#[test]
fn without_an_operation_limit_native_code_keeps_a_budget_of_its_own() {
    // `--max-operations 0`: Rhai runs unlimited (the clock stops it);
    // native code still runs, and hands long calls over.
    let (_tmp, dir) = corpus_dir(20);
    let limits = Limits {
        max_operations: 0,
        ..Limits::default()
    };
    let (native, rhai, _) = both(&dir.join("rules"), limits);
    for sc in corpus_scenarios(&dir) {
        same(&native, &rhai, &sc, sc.as_of());
    }
    let (decided, handed_over) = native.native_calls();
    assert!(decided > 20 * handed_over, "{decided} / {handed_over}");
    // The long calls were handed over, and counted so.
    assert!(handed_over > 0, "{decided} / {handed_over}");
}

const CATALOGUE: &str = "[a]\ntitle = \"A\"\ncategory = \"sanctions\"\nseverity = 1\n\n\
    [b]\ntitle = \"B\"\ncategory = \"diplomatic\"\nseverity = 2\n";

const SCENARIO: &str = r#"[scenario]
title = "Talks and strikes"
as_of = 2025-06-20

[facts]
threshold = 2
name = "Ukraine"
list = ["RU", "UA"]
nested = { depth = 3, when = 2025-01-31 }

[actors.ru]
name = "Russia"

[[events]]
kind = "talks"
date = 2025-05-16
round = 1
location = "Istanbul"
outcome = { ceasefire = false, breakthrough = false, prisoner_exchange = true }

[[events]]
kind = "strike"
date = 2025-06-01
drones = 472
missiles = 7
by = "RU"
sectors = ["energy", "rail"]
ratio = 0.5

[[events]]
kind = "talks"
date = 2025-06-02
round = 2
location = "Istanbul"
outcome = { ceasefire = false, breakthrough = false }

[[events]]
kind = "strike"
date = 2025-06-07
drones = 90
missiles = 40
by = "UA"
sectors = []
ratio = 1.25

[[events]]
kind = "deadline"
date = 2025-06-10
due = 2025-06-30
met = false
until = 2025-06-20
in = "RU"
"#;

fn scenario() -> Arc<Scenario> {
    Arc::new(
        parse_str(Path::new("talks.toml"), SCENARIO, "talks").unwrap_or_else(|d| panic!("{d:?}")),
    )
}

/// Writes rule `a` (response a) and rule `b` (response b, which may read
/// `fired("a")`) and compares both engines on every day of June 2025.
/// `lowered`: insist that both rules run natively.
#[track_caller]
fn compare(a: &str, b: &str, lowered: bool) -> Result<(u64, u64), String> {
    compare_with(a, b, lowered, Limits::default())
}

#[track_caller]
fn compare_with(a: &str, b: &str, lowered: bool, limits: Limits) -> Result<(u64, u64), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("responses.toml"), CATALOGUE).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.path().join("lib")).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.path().join("lib/h.rhai"),
        "fn big(e, min) { e.get(\"drones\", 0) > min }\nfn label(t) { `round ${t.round} in ${t.location}` }\nfn since(s, kind, d) { s.events(kind).filter(|e| e.date >= d) }\nfn a_fires() { fired(\"a\") }\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("ra.rhai"), a).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("rb.rhai"), b).map_err(|e| e.to_string())?;
    let set = Arc::new(RuleSet::load(dir.path(), limits.clone()));
    if set.has_errors() {
        return Err(format!("{:#?}", set.diagnostics()));
    }
    let missing = not_lowered(&set, &limits);
    if lowered && !missing.is_empty() {
        return Err(format!("not lowered: {missing:?}"));
    }
    let (native, rhai) = workers(&set, limits);
    let sc = scenario();
    let mut day = NaiveDate::from_ymd_opt(2025, 5, 30).unwrap_or_default();
    while day <= NaiveDate::from_ymd_opt(2025, 7, 2).unwrap_or_default() {
        let x = native.evaluate(&sc, day);
        let y = rhai.evaluate(&sc, day);
        if x != y {
            return Err(format!(
                "as of {day}:\nnative: {x:#?}\nrhai: {y:#?}\n--- a\n{a}\n--- b\n{b}"
            ));
        }
        day += chrono::Duration::days(1);
    }
    Ok(native.native_calls())
}

fn rule(response: &str, body: &str) -> String {
    format!(
        "import \"lib/h\" as h;\nconst RESPONSE = \"{response}\";\nconst MIN = 100;\nconst START = date(\"2025-06-01\");\nconst WORDS = [\"RU\", \"UA\"];\nfn twice(x) {{ x * 2 }}\nfn fires(s) {{\n{body}\n}}\n"
    )
}

/// Days `compare` judges each rule on: 2025-05-30 to 2025-07-02.
const DAYS: u64 = 34;

/// One body per construct native code lowers, each compared on 34 days;
/// native code decides every one of them on every day.
const BODIES: &[&str] = &[
    "true",
    "s.count(\"talks\") >= 2",
    "s.count() > twice(2)",
    "let t = s.latest(\"talks\"); if t == () { return quiet(\"none\"); } !t.outcome.ceasefire && !t.outcome.breakthrough",
    "let t = s.latest(\"talks\"); if t == () { return false; } `${h::label(t)} on ${t.date} (${t.date.weekday_name})`",
    "for e in s.events(\"strike\") { if e.date < START { continue; } if e.drones > MIN && e.by == \"RU\" { return `${e.drones} drones`; } } quiet(`none above ${MIN}`)",
    "let n = 0; for (e, i) in s.events() { if e.kind == \"strike\" { n += i; } else { n -= 1; } } n > 1",
    "let big = s.events(\"strike\").filter(|e| h::big(e, MIN)); big.len() > 0 && big[0].sectors.contains(\"energy\")",
    "let d = s.latest(\"deadline\"); if d == () { return false; } if d.met { return quiet(`met ${d.due}`); } s.as_of > d.due + days(3)",
    "s.as_of >= date(\"2025-05-16\") + months(1)",
    "let st = s.events(\"strike\"); if st.is_empty() { return false; } st.all(|e| e.missiles < 50)",
    "s.events(\"strike\").some(|e| e.sectors.some(|x| x == \"rail\"))",
    "let t = s.latest(\"talks\"); if t == () { return false; } let done = s.events(\"strike\").filter(|x| x.date >= t.date); #{ fires: done.is_empty(), reason: `round ${t.round}`, details: #{ round: t.round, agreed: t.date, n: done.len(), list: WORDS, e: t } }",
    "if fired(\"a\") { quiet(\"a fires\") } else { s.count(\"strike\") > s.facts.threshold }",
    // `fired` in a helper: rule `a` imports it too, without calling it.
    "if h::a_fires() { `a fires` } else { s.count(\"strike\") > 1 }",
    "\"RU\" in s.facts.list && !(\"BY\" in WORDS)",
    "let x = s.facts.nested.when; s.as_of - x > 130",
    "let e = s.latest(\"strike\"); if e == () { return false; } e.ratio * 2 > 1.0 && e.ratio < 2",
    "let r = s.events(\"talks\").map(|t| t.round); r.len() == 2 && r[-1] == 2",
    "let k = s.events().find(|e| e.kind == \"deadline\"); k ?? false",
    "s.events().index_of(|e| e.kind == \"talks\") == 0",
    "let e = s.latest(\"strike\"); if e == () { return false; } e.has(\"ratio\") && e.get(\"nope\", 3) == 3",
    "let a = [1, 2, 3]; a[1] + a.len() * 10 - 1 / 1 % 5 == 32",
    "let w = if s.count(\"talks\") > 1 { \"many\" } else { \"few\" }; w + \"!\"",
    "let s2 = s.title; s2.len() > 3 && s.id == \"talks\" && s2.contains(\"and\")",
    "days_between(s.latest(\"talks\").date, s.as_of) > 10",
    "h::since(s, \"strike\", START).len() >= 2",
    "let n = 0; for e in s.events() { n += 1; if n > 2 { break; } } n == 3",
    "let i = 0; let n = 0; while i < s.count() { i += 1; if i % 2 == 0 { continue; } n += i; } n > 3",
    "let i = 0; loop { i += 1; if i >= 4 { break; } } i == 4",
    "let i = 0; do { i += 1; } while i < 3; let j = 0; do { j += 2; } until j > 5; i + j == 9",
    "let i = 0; do { i += 1; if i < 3 { continue; } } while false; i == 3",
    "let d = days(2) + days(3); s.as_of - d > START && `${d}` == \"days(5)\"",
    "s.actors.ru.name == \"Russia\" && s.facts.name != \"Russia\"",
    "let hits = []; for t in s.events(\"talks\") { hits = s.events(\"strike\").filter(|e| e.date < t.date); } `${hits.len()}`",
    "let d = s.latest(\"deadline\"); if d == () { return false; } s.as_of > d[\"until\"] && d[\"in\"] == \"RU\"",
    "let t = s.latest(\"talks\"); if t == () { return false; } t[\"outcome\"][\"ceasefire\"] || t[\"round\"] > 1",
    "s.latest(\"none\") == () && s.latest(\"strike\") != ()",
    // Every arithmetic operator on integers, floats and both, negative
    // operands of `%` included (the remainder takes the dividend's sign).
    "let e = s.latest(\"strike\"); if e == () { return false; } let m = e.missiles; `${m % 3} ${-m % 3} ${m % -3} ${-m / 3} ${m - 50} ${-m} ${m * 2} ${m + 1}`",
    // Floats are compared, not printed: native code hands printing a
    // float to Rhai. `%` takes the sign of the dividend (-0.5 % 0.3 is
    // -0.2), as Rust's and Rhai's do, not a Euclidean remainder.
    "let e = s.latest(\"strike\"); if e == () { return false; } let r = e.ratio; let m = e.missiles; `${r + 1.5 > 2.5} ${r - 2.25 < -1.5} ${r * 3.0 >= 3.75} ${r / 4.0 <= 0.125} ${m * 0.5 > 3.5} ${r + m > 10.0} ${m / 2.0 == 3.5} ${r % 0.3 > 0.1} ${-r % 0.3 < -0.1} ${-r % 0.3 > -0.06} ${r % -0.3 > 0.1}`",
    // Every comparison on integers, floats, dates and strings, in both
    // directions: strings are ordered by their bytes (\"RU\" < \"UA\").
    "let l = s.facts.list; let e = s.latest(\"strike\"); if e == () { return false; } `${l[0] < l[1]} ${l[1] < l[0]} ${l[0] <= l[1]} ${l[0] > l[1]} ${l[1] >= l[0]} ${l[0] == l[1]} ${l[0] != l[1]} ${e.by < \"UA\"} ${e.by > \"RU\"} ${s.facts.name >= e.by}`",
    "let e = s.latest(\"strike\"); if e == () { return false; } let r = e.ratio; let m = e.missiles; `${r < 1.0} ${r <= 0.5} ${r > 1} ${r >= 1.25} ${r == 0.5} ${r != 1.25} ${m < 10} ${m <= 7} ${m > 39} ${m >= 40} ${m == 7} ${m != 7}`",
    "let t = s.latest(\"talks\"); if t == () { return false; } `${t.date < s.as_of} ${t.date <= START} ${t.date > START} ${t.date >= s.as_of} ${t.date == START} ${t.date != s.as_of}`",
    "let c = s.count(\"strike\"); `${!(c > 1)} ${c > 1 && c < 3} ${c < 1 || c > 1} ${-c}`",
    // More calls in a row than calls may nest: each returns before the next.
    "let n = 0; let i = 0; while i < 60 { n += twice(1); i += 1; } n == 120",
    // A property of a value that is not in a local: an event, a map.
    "if s.latest(\"talks\") == () { return false; } s.latest(\"talks\").round > 1 && #{ n: s.count() }.n > 0",
    // `find` and `index_of` that find nothing.
    "s.events().index_of(|e| e.kind == \"none\") == -1 && s.events().find(|e| e.kind == \"none\") == ()",
    // Equality of dates, spans of days and events, inside `contains`.
    "[s.as_of].contains(s.as_of) && ![s.as_of].contains(s.as_of + days(1)) && [days(3)].contains(days(3)) && ![days(2)].contains(days(3))",
    "let t = s.latest(\"talks\"); if t == () { return false; } s.events(\"talks\").contains(t) && !s.events(\"strike\").contains(t)",
    // Date arithmetic: months back, a span times a number, a date joined to text.
    "s.as_of - months(1) < s.as_of && s.as_of + days(2) * 3 == s.as_of + days(6) && (s.as_of + \" judged\").len() == 17",
    // A string built to exactly the size limit (1 MiB) is within it.
    "let t = \"x\"; let i = 0; while i < 20 { t += t; i += 1; } t.len() == 1048576",
    // `is_empty` and `len` of a string.
    "let t = s.title; !t.is_empty() && \"\".is_empty() && t.len() > 0",
    // A field compared with a string read from the scenario, not a literal.
    "let st = s.events(\"strike\"); if st.len() < 2 { return false; } let by = st[0].by; let last = st[st.len() - 1]; `${last.by == by} ${last.by != by}`",
];

/// Bodies of [`BODIES`] that are mistakes on some days, when Rhai decides.
const PARTLY: &[&str] = &[
    // From 2025-06-10 `find` gives the deadline event, which is not a verdict.
    "let k = s.events().find(|e| e.kind == \"deadline\"); k ?? false",
];

/// Mistakes that are errors in Rhai: native code hands them over.
const MISTAKES: &[&str] = &[
    // An integer is not a verdict.
    "let n = 0; for t in s.events(\"talks\") { if s.events(\"strike\").some(|e| e.date >= t.date) { n += 1; } } n",
    "let d = s.latest(\"deadline\"); if d == () { return false; } d[\"untl\"] > s.as_of",
    "s.latest(\"strike\").drones > \"100\"",
    "s.latest(\"talks\").outcome.truce",
    "s.events().filter(|e| 1).len() > 0",
    "let t = s.latest(\"talks\"); t.round / (t.round - t.round)",
    "9223372036854775807 + s.count() > 0",
    "s.count(\"talks\")",
    "if s.count() > 100 { true }",
    "#{ fires: 1 }",
    "[1, 2][5] == 1",
    "date(\"2025-02-30\") > s.as_of",
    // Floats that are not finite are errors in both engines.
    "let e = s.latest(\"strike\"); if e == () { return false; } e.ratio * 1e308 * 10.0 > 5",
    "let e = s.latest(\"strike\"); if e == () { return false; } let x = e.ratio * 1e308 * 10.0; let y = x - x; y != y",
    "let x = 0.0; x += s.count() * 1e308 * 1e308; x < 1 || x >= 1",
    "1.0 / 0.0 > 5",
    "let e = s.latest(\"strike\"); if e == () { return false; } e.ratio / (e.ratio - e.ratio) > 5",
    "let e = s.latest(\"strike\"); if e == () { return false; } e.ratio % 0.0 > 5",
    "-1e308 - s.count() * 1e308 < 0",
    // Ordering against `()` is an error; `== ()` is not.
    "s.latest(\"ceasefire\") < 100",
    "100 >= s.latest(\"none\")",
    "s.latest(\"none\") > s.as_of",
    "let e = s.latest(\"strike\"); if e == () { return false; } e.get(\"nope\", ()) <= 3",
    // Reading a field of `()`.
    "s.latest(\"ceasefire\").channel == 1",
    "let c = s.latest(\"ceasefire\"); c[\"channel\"] == 1",
];

#[test]
fn each_lowered_construct_gives_rhai_s_answer_and_native_code_decides_it() {
    let a = rule("a", BODIES[3]);
    // Rule `a` alone: native code decides each of its calls.
    match compare(&a, &rule("b", "true"), true) {
        Ok(calls) => assert_eq!(calls, (2 * DAYS, 0)),
        Err(e) => panic!("{e}"),
    }
    let mut partly = Vec::new();
    for body in BODIES {
        match compare(&a, &rule("b", body), true) {
            Ok((yes, no)) => {
                // Days native code decided rule `b` on.
                let b = yes.saturating_sub(DAYS);
                if b == 0 || (b, no) != (DAYS, 0) && !PARTLY.contains(body) {
                    partly.push(format!("{b} of {DAYS} days: {body}"));
                }
            }
            Err(e) => panic!("{body}\n{e}"),
        }
    }
    assert!(
        partly.is_empty(),
        "native code did not decide these on every day:\n{}",
        partly.join("\n")
    );
    for body in MISTAKES {
        match compare(&a, &rule("b", body), true) {
            Ok((_, no)) => assert!(no > 0, "native code never handed over:\n{body}"),
            Err(e) => panic!("{body}\n{e}"),
        }
    }
    // `fired` of a response whose rule errored is an error too.
    let a = rule("a", "s.latest(\"strike\").drones > \"100\"");
    let b = rule("b", "fired(\"a\") || s.count() > 2");
    if let Err(e) = compare(&a, &b, true) {
        panic!("{e}");
    }
}

#[test]
fn loops_that_never_end_are_stopped_by_rhai_s_operation_limit() {
    let limits = || Limits {
        max_operations: 5_000,
        ..Limits::default()
    };
    for body in [
        "loop { }",
        "let i = 0; while true { i += 1; } i > 0",
        "let i = 0; do { i += 1; } until i < 0; true",
        "let i = 0; while i >= 0 { i += 1; if i > 100000 { return true; } } false",
    ] {
        let r = compare_with(&rule("a", BODIES[3]), &rule("b", body), true, limits());
        if let Err(e) = r {
            panic!("{body}\n{e}");
        }
    }
}

#[test]
fn constructs_native_code_lacks_run_in_rhai() {
    let closures = format!("{} true", "let f = |x| x; ".repeat(300));
    for (body, why) in [
        ("print(\"x\"); true", "function `print`"),
        ("switch s.count() { 0 => true, _ => false }", "`switch`"),
        ("let a = []; a.push(1); a.len() == 1", "method `push`"),
        (closures.as_str(), "more than 256 functions"),
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("responses.toml"), CATALOGUE)
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("ra.rhai"),
            format!("const RESPONSE = \"a\";\nfn fires(s) {{ {body} }}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let set = RuleSet::load(dir.path(), Limits::default());
        assert!(!set.has_errors(), "{:#?}", set.diagnostics());
        let missing = not_lowered(&set, &Limits::default());
        assert_eq!(missing.len(), 1, "{body}");
        assert!(missing[0].contains(why), "{body}: {missing:?}");
        // And Rhai still answers for it.
        let sc = scenario();
        let out = Worker::new(Arc::new(set), WorkerOptions::default()).evaluate(&sc, sc.as_of());
        assert!(out.errors.is_empty(), "{body}: {:?}", out.errors);
    }
}

#[test]
fn a_private_helper_function_called_from_a_rule_is_rhai_s_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    };
    w("responses.toml", CATALOGUE);
    w(
        "lib/p.rhai",
        "private fn secret(s) { true }\nfn open(s) { secret(s) }\n",
    );
    w(
        "ra.rhai",
        "import \"lib/p\" as p;\nconst RESPONSE = \"a\";\nfn fires(s) { p::secret(s) }\n",
    );
    w(
        "rb.rhai",
        "import \"lib/p\" as p;\nconst RESPONSE = \"b\";\nfn fires(s) { p::open(s) }\n",
    );
    let (native, rhai, set) = both(dir.path(), Limits::default());
    let missing = not_lowered(&set, &Limits::default());
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(
        missing[0].starts_with("ra: ") && missing[0].contains("not public"),
        "{missing:?}"
    );
    let sc = scenario();
    let out = native.evaluate(&sc, sc.as_of());
    assert_eq!(out, rhai.evaluate(&sc, sc.as_of()));
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.fired, [std::sync::Arc::from("b")]);
}

// ---------------------------------------------------------------------------
// Random programs in the lowered subset

fn int_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-50i64..50).prop_map(|i| i.to_string()),
        Just("9223372036854775807".to_string()),
        Just("n".to_string()),
        Just("MIN".to_string()),
        Just("s.count()".to_string()),
        prop::sample::select(vec!["talks", "strike", "deadline", "none"])
            .prop_map(|k| format!("s.count(\"{k}\")")),
        Just("(s.as_of - START)".to_string()),
        Just("s.as_of.day".to_string()),
        Just("s.latest(\"strike\").drones".to_string()),
        Just("s.events(\"strike\")[0].missiles".to_string()),
        Just("twice(n)".to_string()),
    ];
    leaf.prop_recursive(3, 10, 2, |inner| {
        (
            inner.clone(),
            prop::sample::select(vec!["+", "-", "*", "/", "%"]),
            inner,
        )
            .prop_map(|(a, op, b)| format!("({a} {op} {b})"))
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
        Just("(s.latest(\"talks\") == ())".to_string()),
        int_expr().prop_map(|i| format!("s.events(\"strike\").some(|e| e.drones > {i})")),
        int_expr().prop_map(|i| format!("s.events().all(|e| e.get(\"round\", 0) < {i})")),
        Just("(\"RU\" in s.facts.list)".to_string()),
        Just("s.latest(\"strike\").sectors.contains(\"energy\")".to_string()),
        Just("fired(\"a\")".to_string()),
        Just("(s.as_of > \"2025-01-01\")".to_string()),
        Just("s.facts.nope".to_string()),
        Just("s.events().filter(|e| e.kind).len() > 0".to_string()),
    ];
    leaf.prop_recursive(3, 10, 2, |inner| {
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
        int_expr().prop_map(|i| format!("`n=${{n}}, x=${{{i}}}`")),
        int_expr().prop_map(|i| format!("quiet(`${{{i}}}`)")),
        (bool_expr(), int_expr()).prop_map(|(b, i)| format!(
            "#{{ fires: {b}, reason: `${{{i}}}`, details: #{{ n: n, when: s.as_of }} }}"
        )),
        int_expr(),
    ]
}

fn stmt() -> impl Strategy<Value = String> {
    prop_oneof![
        int_expr().prop_map(|e| format!("n = {e};")),
        int_expr().prop_map(|e| format!("n += {e};")),
        (bool_expr(), verdict()).prop_map(|(c, v)| format!("if {c} {{ return {v}; }}")),
        (bool_expr(), int_expr()).prop_map(|(c, i)| format!(
            "for e in s.events() {{ if {c} {{ n += 1; }} if n > {i} {{ break; }} }}"
        )),
        bool_expr()
            .prop_map(|c| format!("let f = s.events(\"strike\").filter(|e| {c}); n = f.len();")),
    ]
}

fn body() -> impl Strategy<Value = String> {
    (prop::collection::vec(stmt(), 0..5), verdict()).prop_map(|(stmts, v)| {
        let mut out = String::from("    let n = 1;\n");
        for s in stmts {
            out.push_str(&format!("    {s}\n"));
        }
        out.push_str(&format!("    {v}\n"));
        out
    })
}

/// Random programs from the lowered subset, mistakes included, give the
/// outcome Rhai gives on every day of June 2025; and native code decides
/// a share of the calls, so a lowering that always hands over (or never
/// runs) fails.
#[test]
fn random_lowered_programs_agree_with_rhai() {
    let calls = std::cell::Cell::new((0u64, 0u64));
    let mut runner = proptest::test_runner::TestRunner::new(cases(48, "native"));
    let result = runner.run(&(body(), body()), |(a, b)| {
        // Only `b` may ask whether `a` fired.
        let a = a.replace("fired(\"a\")", "true");
        // Closures here may capture `n`, which is assigned: such rules run
        // in Rhai, and are compared all the same.
        let (yes, no) = compare(&rule("a", &a), &rule("b", &b), false)
            .map_err(proptest::test_runner::TestCaseError::fail)?;
        let (y, n) = calls.get();
        calls.set((y + yes, n + no));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Typically about a tenth of the calls: most random programs hold a
    // mistake or a closure over `n`, which Rhai runs.
    let (yes, no) = calls.get();
    assert!(
        yes * 50 >= yes + no,
        "native code decided {yes} of {} calls",
        yes + no
    );
}

// ---------------------------------------------------------------------------
// Through the binary

#[test]
fn check_native_lists_the_rules_that_run_in_rhai_and_why() {
    let f = Fixture::new();
    f.rule(
        "plain",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { s.count(\"talks\") > 1 }\n",
    )
    .rule(
        "switching",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { switch s.count() { 0 => true, _ => false } }\n",
    )
    .rule(
        "hour",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { let e = s.latest(\"strike\"); e != () && e.instant(\"date\").hour > 20 }\n",
    );
    f.run(&["check", "--native"])
        .code(0)
        .stdout_has("native code runs 1 of 3 rules; in Rhai:")
        .stdout_has("switching.rhai: `switch`")
        // Part of the rule API, so the listing says why it is not lowered.
        .stdout_has("hour.rhai: `e.instant(…)`: exact instants are read in Rhai")
        .stdout_lacks("plain.rhai");
    f.run(&["--engine", "rhai", "check", "--native"])
        .code(0)
        .stdout_has("native code: off (`--engine rhai`)");
    // Without the flag, `check` says nothing about it.
    f.run(&["check"]).code(0).stdout_lacks("native code");
}

#[test]
fn both_engines_print_the_same_bytes_for_every_verb() {
    let f = shipped();
    for args in [
        &["run", "scenarios", "--format", "json"][..],
        &["run", "scenarios", "--explain"],
        &["test", "--format", "json"],
        &["timeline", "scenarios", "--format", "json"],
    ] {
        let a = f.run(args);
        let mut rhai = vec!["--engine", "rhai"];
        rhai.extend_from_slice(args);
        let b = f.run(&rhai);
        assert_eq!(a.code, b.code, "{args:?}");
        assert!(a.stdout == b.stdout, "{args:?}: outputs differ");
        assert!(!a.stdout.is_empty(), "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// Size limits (issue 12, finding 4): Rhai counts the string bytes and
// elements nested in a value it builds; native code must bail wherever
// that count is over a limit.

/// A scenario with large text fields: `half` (512 KiB), `big1`/`big2`
/// (600 KB), `huge` (just over 1 MiB), three `doc` events of 400 KiB and
/// an array of three 300 KiB strings.
fn big_scenario() -> Arc<Scenario> {
    let s = |n: usize| "x".repeat(n);
    let q = s(300 * 1024);
    // Two halves of the string limit: exactly at it, together.
    let h = s(512 * 1024);
    // As many elements as the array limit allows.
    let many = vec!["1"; 100_000].join(", ");
    let text = format!(
        "[scenario]\ntitle = \"Big\"\nas_of = 2025-06-20\n\n[facts]\nhalf = \"{}\"\nbig1 = \"{}\"\nbig2 = \"{}\"\nhuge = \"{}\"\nsmall = \"abc\"\nlist = [\"{}\", \"{}\", \"{}\"]\nbiglist = [\"{q}\", \"{q}\", \"{q}\", \"{q}\"]\nnested = [[\"{q}\", \"{q}\"], [\"{q}\", \"{q}\"]]\nexact = [\"{h}\", \"{h}\"]\nmany = [{many}]\n\n{}",
        s(512 * 1024),
        s(600_000),
        s(600_000),
        s((1 << 20) + 1),
        s(300 * 1024),
        s(300 * 1024),
        s(300 * 1024),
        (1..=3)
            .map(|d| format!(
                "[[events]]\nkind = \"doc\"\ndate = 2025-06-0{d}\ntext = \"{}\"\n\n",
                s(400 * 1024)
            ))
            .collect::<String>(),
    );
    Arc::new(parse_str(Path::new("big.toml"), &text, "big").unwrap_or_else(|d| panic!("{d:?}")))
}

#[test]
fn values_over_rhai_s_size_limits_are_rhai_s_to_report() {
    let sc = big_scenario();
    let mut wrong = Vec::new();
    for (body, over) in [
        (
            "let t = s.facts.half; let a = [t, t, t]; a.len() == 3",
            true,
        ),
        (
            "let t = s.facts.half; let a = [[t], [t, 1], t]; a.len() == 3",
            true,
        ),
        (
            "let t = s.facts.half; [t].len() == 1 && [[t], t].len() == 2",
            false,
        ),
        (
            "#{ fires: true, details: #{ a: s.facts.big1, b: s.facts.big2 } }",
            true,
        ),
        (
            "#{ fires: true, details: #{ a: s.facts.big1, b: s.facts.small } }",
            false,
        ),
        ("let f = s.facts; f.huge == \"x\"", true),
        ("let f = s.facts; f.huge != \"x\"", true),
        ("let f = s.facts; let x = f.small; f.huge == x", true),
        ("let f = s.facts; let x = f.small; f.huge != x", true),
        (
            "let f = s.facts; f.small == \"abc\" && f.half != \"x\"",
            false,
        ),
        ("s.events(\"doc\").map(|e| e.text).len() == 3", true),
        (
            "s.events(\"doc\").filter(|e| e.text != \"\").len() == 3",
            false,
        ),
        ("let l = s.facts.list; [l[0], l[1]].len() == 2", false),
        ("let l = s.facts.list; [l, l].len() == 2", true),
        ("let m = #{ a: s.facts.half }; [m, m, m].len() == 3", true),
        // An array read from the scenario whose strings together pass the
        // limit, at the top or nested (reading one element reads it all).
        ("s.facts.biglist.len() == 4", true),
        ("s.facts.nested.len() == 2", true),
        ("s.facts.biglist[0].len() > 0", true),
        // Exactly at the limit: within it, and native code decides.
        ("s.facts.exact.len() == 2", false),
        ("s.facts.many.len() == 100000", false),
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("responses.toml"), CATALOGUE)
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("ra.rhai"),
            format!("const RESPONSE = \"a\";\nfn fires(s) {{\n    {body}\n}}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (native, rhai, set) = both(dir.path(), Limits::default());
        assert_eq!(
            not_lowered(&set, &Limits::default()),
            Vec::<String>::new(),
            "{body}"
        );
        let a = native.evaluate(&sc, sc.as_of());
        let b = rhai.evaluate(&sc, sc.as_of());
        let errors: Vec<_> = b.errors.iter().map(|e| e.message.clone()).collect();
        if a != b {
            wrong.push(format!("{body}: native {:?}, Rhai {errors:?}", a.fired));
        } else if errors.is_empty() == over {
            wrong.push(format!(
                "{body}: expected over the limit: {over}, {errors:?}"
            ));
        } else if !over && native.native_calls() != (1, 0) {
            wrong.push(format!("{body}: native code did not decide"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn built_ins_charged_by_their_work_agree_near_the_operation_limit() {
    // Rhai charges `contains` per element and string `+` per 256 bytes
    // (`sandbox::work`); native code must bail no later than Rhai stops.
    for ops in [200, 800, 3_000, 20_000] {
        let limits = Limits {
            max_operations: ops,
            ..Limits::default()
        };
        for body in [
            "let n = 0; let i = 0; while i < 400 { if \"UA\" in s.facts.list { n += 1; } i += 1; } n > 3",
            "let t = s.title; let i = 0; while i < 12 { t = t + t; i += 1; } t.len() > 10",
            "let t = `${s.title}`; for e in s.events() { t += `${e.kind}`; t = t + t; } t.len() > 3",
            // Half a MiB built by doubling: about 4,000 operations of
            // string work against about 100 statements, by `+` and `+=`.
            "let t = \"x\"; let i = 0; while i < 19 { t = t + t; i += 1; } t.len() > 10",
            "let t = \"x\"; let i = 0; while i < 19 { t += t; i += 1; } t.len() > 10",
            // Work of nothing (`in` an empty array) charges nothing, and
            // must not undo the count of the statements around it.
            "let e = []; let n = 0; let i = 0; while i < 5000 { if \"UA\" in e { n += 1; } i += 1; } n == 0",
        ] {
            let r = compare_with(
                &rule("a", BODIES[3]),
                &rule("b", body),
                true,
                limits.clone(),
            );
            if let Err(e) = r {
                panic!("{ops}: {body}\n{e}");
            }
        }
    }
}

#[test]
fn arrays_of_event_arrays_count_their_events_against_rhai_s_size_limit() {
    // 50,001 events: one `s.events("k")` is within the array limit of
    // 100,000, an array holding two of them is not.
    let mut text = String::from("[scenario]\ntitle = \"Many\"\nas_of = 2025-06-20\n\n");
    for _ in 0..50_001 {
        text.push_str("[[events]]\nkind = \"k\"\ndate = 2025-06-01\n");
    }
    let sc = Arc::new(
        parse_str(Path::new("many.toml"), &text, "many").unwrap_or_else(|d| panic!("{d:?}")),
    );
    let mut wrong = Vec::new();
    for (body, over) in [
        (
            "let a = [s.events(\"k\"), s.events(\"k\")]; a.len() == 2",
            true,
        ),
        ("let a = [s.events(), s.events()]; a.len() == 2", true),
        ("let a = [s.events(\"k\"), 1]; a.len() == 2", false),
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("responses.toml"), CATALOGUE)
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("ra.rhai"),
            format!("const RESPONSE = \"a\";\nfn fires(s) {{\n    {body}\n}}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (native, rhai, set) = both(dir.path(), Limits::default());
        assert_eq!(
            not_lowered(&set, &Limits::default()),
            Vec::<String>::new(),
            "{body}"
        );
        let a = native.evaluate(&sc, sc.as_of());
        let b = rhai.evaluate(&sc, sc.as_of());
        let errors: Vec<_> = b.errors.iter().map(|e| e.message.clone()).collect();
        if a != b {
            wrong.push(format!("{body}: native {:?}, Rhai {errors:?}", a.fired));
        } else if errors.is_empty() == over {
            wrong.push(format!(
                "{body}: expected over the limit: {over}, {errors:?}"
            ));
        } else if !over && native.native_calls() != (1, 0) {
            wrong.push(format!("{body}: native code did not decide"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
