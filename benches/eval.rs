//! Release-mode benchmark of rule evaluation (`cargo bench --bench eval`).
//!
//! Builds a 50-event scenario and three one-rule libraries — a helper-style
//! rule (`latest`/`count` and a comparison), a loop over the ~10 events of
//! one kind, and an empty rule (call overhead) — and prints the median time
//! of one evaluation over several rounds. Also times scenario parsing.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use sanctions_trigger::eval::Worker;
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::sandbox::Limits;
use sanctions_trigger::scenario::parse_str;
use sanctions_trigger::timeline;

const ROUNDS: usize = 15;
const PER_ROUND: usize = 2_000;
/// Event kinds of the generated scenario, which the replay rules query.
const KINDS: [&str; 5] = [
    "talks",
    "strike",
    "statement",
    "sanctions",
    "prisoner-exchange",
];

fn scenario_text() -> String {
    let mut s = String::from("[scenario]\ntitle = \"bench\"\nas_of = 2025-09-30\n");
    for i in 0..50 {
        let kind = KINDS[i % KINDS.len()];
        let day = 1 + (i % 28);
        let month = 5 + i / 28;
        let _ = write!(
            s,
            "\n[[events]]\nkind = \"{kind}\"\ndate = 2025-{month:02}-{day:02}\nround = {i}\ndrones = {}\nby = \"RU\"\noutcome = {{ ceasefire = false, breakthrough = {} }}\n",
            50 + (i * 37) % 200,
            i % 7 == 0
        );
    }
    s
}

fn rule_set(dir: &Path, body: &str) -> Arc<RuleSet> {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("responses.toml"),
        "[r]\ntitle = \"r\"\ncategory = \"sanctions\"\nseverity = 1\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("rule.rhai"), body).unwrap_or_else(|e| panic!("{e}"));
    let set = RuleSet::load(dir, Limits::default());
    assert!(!set.has_errors(), "{:?}", set.diagnostics);
    Arc::new(set)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time_rounds(mut f: impl FnMut()) -> f64 {
    let rounds = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..PER_ROUND {
                f();
            }
            t.elapsed().as_nanos() as f64 / PER_ROUND as f64
        })
        .collect();
    median(rounds)
}

fn main() {
    let text = scenario_text();
    let parse_ns = time_rounds(|| {
        let sc = parse_str(Path::new("bench.toml"), &text, "bench");
        assert!(sc.is_ok());
    });
    println!(
        "parse 50-event scenario ({} bytes): {:>9.0} ns",
        text.len(),
        parse_ns
    );

    let sc = Arc::new(
        parse_str(Path::new("bench.toml"), &text, "bench").unwrap_or_else(|e| panic!("{e:?}")),
    );
    let tmp = std::env::temp_dir().join(format!("sanctions-trigger-bench-{}", std::process::id()));
    let cases = [
        (
            "empty rule (call overhead)",
            "const RESPONSE = \"r\";\nfn fires(s) { true }\n",
        ),
        (
            "helper-style rule (latest + count)",
            "const RESPONSE = \"r\";\nconst MIN = 3;\nfn fires(s) {\n  let t = s.latest(\"talks\");\n  if t == () { return false; }\n  !t.outcome.ceasefire && s.count(\"strike\") > MIN\n}\n",
        ),
        (
            "loop over ~10 strikes",
            "const RESPONSE = \"r\";\nfn fires(s) {\n  let since = date(\"2025-05-01\");\n  for e in s.events(\"strike\") {\n    if e.date > since && e.drones > 100 { return true; }\n  }\n  false\n}\n",
        ),
    ];
    for (i, (name, body)) in cases.iter().enumerate() {
        let set = rule_set(&tmp.join(i.to_string()), body);
        let worker = Worker::new(set);
        let o = worker.evaluate(&sc, sc.as_of);
        assert!(o.errors.is_empty(), "{:?}", o.errors);
        let ns = time_rounds(|| {
            std::hint::black_box(worker.evaluate(&sc, sc.as_of));
        });
        println!(
            "{name:<36} {ns:>9.0} ns per evaluation (median of {ROUNDS} rounds × {PER_ROUND})"
        );
    }
    replay_365(&tmp.join("replay"), &sc);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A 365-day `timeline` replay of the 50-event scenario against 200 rules
/// (a mix of helper-style queries, loops and date windows over 20 responses).
fn replay_365(dir: &Path, sc: &Arc<sanctions_trigger::scenario::Scenario>) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    let mut cat = String::new();
    for r in 0..20 {
        let _ = writeln!(
            cat,
            "[r{r}]\ntitle = \"r{r}\"\ncategory = \"sanctions\"\nseverity = {r}"
        );
    }
    std::fs::write(dir.join("responses.toml"), cat).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..200 {
        let kind = KINDS[i % KINDS.len()];
        let body = match i % 4 {
            0 => format!("fn fires(s) {{ s.count(\"{kind}\") > {} }}", i % 9),
            1 => format!(
                "fn fires(s) {{ let e = s.latest(\"{kind}\"); if e == () {{ return false; }} e.drones > {} }}",
                50 + i
            ),
            2 => format!(
                "fn fires(s) {{ for e in s.events(\"{kind}\") {{ if e.drones > {} {{ return true; }} }} false }}",
                100 + i
            ),
            _ => format!(
                "fn fires(s) {{ s.as_of >= date(\"2025-06-01\") + days({}) }}",
                i
            ),
        };
        let text = format!("const RESPONSE = \"r{}\";\n{body}\n", i % 20);
        std::fs::write(dir.join(format!("rule{i:03}.rhai")), text)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let set = RuleSet::load(dir, Limits::default());
    assert!(!set.has_errors(), "{:?}", set.diagnostics);
    let worker = Worker::new(Arc::new(set));
    let from = sc.first_date().unwrap_or(sc.as_of);
    let window = timeline::Window {
        from,
        to: from + chrono::Days::new(364),
    };
    let runs: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let tl = timeline::replay(&worker, sc, window);
            assert!(tl.errors.is_empty());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!(
        "365-day replay, 50 events × 200 rules: {:>7.0} ms (median of 5)",
        median(runs)
    );
}
