//! Benchmarks (`cargo bench --bench eval`), with criterion:
//!
//! - `parse`: a 50-event scenario, by the engine and by serde into typed
//!   structs (the native floor);
//! - `compile`: loading the 200-rule corpus (`RuleSet::load`) and a worker
//!   compiling it (`Worker::new`);
//! - `eval`: one evaluation — an empty rule (call overhead), a helper-style
//!   rule (`latest` + `count`), a loop over ~10 events of one kind (the
//!   one-rule libraries of earlier versions of this file) — and one corpus
//!   scenario against all 200 corpus rules: engine, native, regorus, rvm;
//! - `replay`: a 365-day `timeline` replay of the 50-event scenario against
//!   200 rules;
//! - `engine`: `Engine::evaluate` next to `Worker::evaluate` — the shipped
//!   rules on every shipped scenario, and a corpus scenario × 200 rules —
//!   and what guarding the stack costs: its check on a thread with room,
//!   and a call on a new stack (each call's cost on a thread with less
//!   room than a rule may need, such as a 2 MiB one).
//!
//! Then, outside criterion (each run takes seconds), the full corpus:
//! `CORPUS_SCENARIOS` (default 2,000) generated scenarios × 200 rules on 2
//! threads, files read and parsed inside the timing, via the library the
//! way `run` calls it, next to the native floor and regorus (interpreter
//! and RVM), median of 3 runs, with ratios. `CORPUS_SCENARIOS=0` skips it;
//! so does a criterion filter that does not match `corpus`.

#[allow(dead_code)]
#[path = "../examples/corpus/mod.rs"]
mod corpus;

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use sanctions_trigger::Engine;
use sanctions_trigger::eval::{Worker, WorkerOptions};
use sanctions_trigger::rules::RuleSet;
use sanctions_trigger::runner;
use sanctions_trigger::sandbox::{Limits, stack};
use sanctions_trigger::scenario::{Scenario, ScenarioFile, discover, parse_str};
use sanctions_trigger::timeline;

use corpus::{Corpus, Manifest, NScenario};

/// Event kinds of the one-rule benchmark scenario.
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

fn die<E: std::fmt::Debug>(e: E) -> ! {
    panic!("{e:?}")
}

fn rule_set(dir: &Path, body: &str) -> Arc<RuleSet> {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| die(e));
    std::fs::write(
        dir.join("responses.toml"),
        "[r]\ntitle = \"r\"\ncategory = \"sanctions\"\nseverity = 1\n",
    )
    .unwrap_or_else(|e| die(e));
    std::fs::write(dir.join("rule.rhai"), body).unwrap_or_else(|e| die(e));
    let set = RuleSet::load(dir, Limits::default());
    assert!(!set.has_errors(), "{:?}", set.diagnostics());
    Arc::new(set)
}

/// The 200 rules of the replay benchmark (a mix of helper-style queries,
/// loops and date windows over 20 responses).
fn replay_rules(dir: &Path) -> Arc<RuleSet> {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| die(e));
    let mut cat = String::new();
    for r in 0..20 {
        let _ = writeln!(
            cat,
            "[r{r}]\ntitle = \"r{r}\"\ncategory = \"sanctions\"\nseverity = {r}"
        );
    }
    std::fs::write(dir.join("responses.toml"), cat).unwrap_or_else(|e| die(e));
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
                "fn fires(s) {{ s.as_of() >= date(\"2025-06-01\") + days({}) }}",
                i
            ),
        };
        let text = format!("const RESPONSE = \"r{}\";\n{body}\n", i % 20);
        std::fs::write(dir.join(format!("rule{i:03}.rhai")), text).unwrap_or_else(|e| die(e));
    }
    let set = RuleSet::load(dir, Limits::default());
    assert!(!set.has_errors(), "{:?}", set.diagnostics());
    Arc::new(set)
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    /// The generated corpus (`root/corpus`).
    dir: PathBuf,
    corpus: Corpus,
    files: Vec<(String, PathBuf)>,
}

fn fixture(scenarios: usize) -> Fixture {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| die(e));
    let root = tmp.path().to_path_buf();
    let dir = root.join("corpus");
    let m = Manifest {
        seed: 1,
        rules: 200,
        scenarios,
        events: 50,
        days: None,
    };
    let summary = corpus::write_corpus(&dir, m).unwrap_or_else(|e| die(e));
    eprintln!("{summary}");
    let files = corpus::scenario_files(&dir).unwrap_or_else(|e| die(e));
    Fixture {
        _tmp: tmp,
        root,
        corpus: Corpus::generate(m.seed, m.rules),
        dir,
        files,
    }
}

fn bench_parse(c: &mut Criterion, fx: &Fixture) {
    let text = scenario_text();
    let ctext = std::fs::read_to_string(&fx.files[0].1).unwrap_or_else(|e| die(e));
    let mut g = c.benchmark_group("parse");
    g.bench_function(format!("engine, bench scenario ({} B)", text.len()), |b| {
        b.iter(|| parse_str(Path::new("bench.toml"), black_box(&text), "bench").is_ok())
    });
    g.bench_function(
        format!("engine, corpus scenario ({} B)", ctext.len()),
        |b| b.iter(|| parse_str(Path::new("s.toml"), black_box(&ctext), "s").is_ok()),
    );
    g.bench_function("native serde, corpus scenario", |b| {
        b.iter(|| NScenario::parse("s", black_box(&ctext)).is_ok())
    });
    g.finish();
}

fn bench_compile(c: &mut Criterion, fx: &Fixture) {
    let rules = fx.dir.join("rules");
    let set = Arc::new(RuleSet::load(&rules, Limits::default()));
    assert!(!set.has_errors(), "{:?}", set.diagnostics());
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    g.bench_function("RuleSet::load, 200 corpus rules", |b| {
        b.iter(|| RuleSet::load(black_box(&rules), Limits::default()))
    });
    g.bench_function("Worker::new, 200 corpus rules", |b| {
        b.iter(|| Worker::new(set.clone(), WorkerOptions::default()))
    });
    g.bench_function("regorus add_policy, 200 corpus rules", |b| {
        let policy = corpus::rego(&fx.corpus);
        b.iter(|| corpus::rego_engine(black_box(&policy)).is_ok())
    });
    g.finish();
}

fn bench_eval(c: &mut Criterion, fx: &Fixture) {
    let text = scenario_text();
    let sc =
        Arc::new(parse_str(Path::new("bench.toml"), &text, "bench").unwrap_or_else(|e| die(e)));
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
    let mut g = c.benchmark_group("eval");
    for (i, (name, body)) in cases.iter().enumerate() {
        let set = rule_set(&fx.root.join(format!("one-{i}")), body);
        let worker = Worker::new(set, WorkerOptions::default());
        let o = worker.evaluate(&sc, sc.as_of());
        assert!(o.errors.is_empty(), "{:?}", o.errors);
        g.bench_function(*name, |b| {
            b.iter(|| worker.evaluate(black_box(&sc), sc.as_of()))
        });
    }

    // One corpus scenario against all 200 corpus rules.
    let (id, path) = &fx.files[0];
    let ctext = std::fs::read_to_string(path).unwrap_or_else(|e| die(e));
    let esc = Arc::new(parse_str(path, &ctext, id).unwrap_or_else(|e| die(e)));
    let set = Arc::new(RuleSet::load(&fx.dir.join("rules"), Limits::default()));
    let worker = Worker::new(set.clone(), WorkerOptions::default());
    g.bench_function("corpus scenario × 200 rules: engine", |b| {
        b.iter(|| worker.evaluate(black_box(&esc), esc.as_of()))
    });
    // The same with native code off (`--engine rhai`), to show its share.
    let rhai_only = WorkerOptions {
        native: false,
        ..Default::default()
    };
    let rhai_worker = Worker::new(set, rhai_only);
    g.bench_function("corpus scenario × 200 rules: engine, Rhai only", |b| {
        b.iter(|| rhai_worker.evaluate(black_box(&esc), esc.as_of()))
    });
    let nsc = NScenario::parse(id, &ctext).unwrap_or_else(|e| die(e));
    g.bench_function("corpus scenario × 200 rules: native", |b| {
        b.iter(|| corpus::native_eval(&fx.corpus, &black_box(&nsc).view(nsc.as_of)))
    });
    let policy = corpus::rego(&fx.corpus);
    let mut engine = corpus::rego_engine(&policy).unwrap_or_else(|e| die(e));
    g.bench_function(
        "corpus scenario × 200 rules: regorus (input built + eval)",
        |b| {
            b.iter(|| {
                engine.set_input(corpus::rego_input(&nsc.view(nsc.as_of)));
                engine.eval_rule(corpus::REGO_ENTRY.into()).is_ok()
            })
        },
    );
    let program = corpus::rvm_program(&policy).unwrap_or_else(|e| die(e));
    let mut vm = regorus::rvm::RegoVM::new();
    vm.load_program(program);
    g.bench_function(
        "corpus scenario × 200 rules: rvm (input built + eval)",
        |b| {
            b.iter(|| {
                vm.set_input(corpus::rego_input(&nsc.view(nsc.as_of)));
                vm.execute().is_ok()
            })
        },
    );
    g.finish();
}

fn bench_replay(c: &mut Criterion, fx: &Fixture) {
    let text = scenario_text();
    let sc: Arc<Scenario> =
        Arc::new(parse_str(Path::new("bench.toml"), &text, "bench").unwrap_or_else(|e| die(e)));
    let worker = Worker::new(
        replay_rules(&fx.root.join("replay")),
        WorkerOptions::default(),
    );
    let from = sc.first_date().unwrap_or(sc.as_of());
    let window = timeline::Window {
        from,
        to: from + chrono::Days::new(364),
    };
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("365 days, 50 events × 200 rules", |b| {
        b.iter(|| {
            let tl = timeline::replay(&worker, &sc, window);
            assert!(tl.errors.is_empty());
        })
    });
    g.finish();
}

fn bench_engine(c: &mut Criterion, fx: &Fixture) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (files, d) = discover(&[root.join("scenarios")]);
    assert!(d.is_empty(), "{d:?}");
    let shipped: Vec<Arc<Scenario>> = files
        .iter()
        .map(|f| Arc::new(f.load().unwrap_or_else(|e| die(e))))
        .collect();
    let (id, path) = &fx.files[0];
    let ctext = std::fs::read_to_string(path).unwrap_or_else(|e| die(e));
    let corpus_sc = vec![Arc::new(
        parse_str(path, &ctext, id).unwrap_or_else(|e| die(e)),
    )];
    let limits = Limits::default();
    let need = stack::needed(&limits).unwrap_or_else(|| die("unbounded"));
    let free = stacker::remaining_stack().unwrap_or(0);
    eprintln!(
        "engine: a rule may need {} KiB of stack; this thread has {} KiB free{}",
        need >> 10,
        free >> 10,
        if free < need {
            " (each call grows)"
        } else {
            ""
        }
    );
    let mut g = c.benchmark_group("engine");
    let cases = [
        (
            root.join("rules"),
            &shipped,
            "shipped rules × shipped scenarios",
        ),
        (
            fx.dir.join("rules"),
            &corpus_sc,
            "corpus scenario × 200 rules",
        ),
    ];
    for (rules, scenarios, name) in cases {
        let engine = Engine::builder()
            .folder(&rules)
            .build()
            .unwrap_or_else(|e| die(e));
        let worker = Worker::new(
            Arc::new(RuleSet::load(&rules, Limits::default())),
            WorkerOptions::default(),
        );
        let n = scenarios.len();
        for s in scenarios.iter() {
            assert!(engine.evaluate(s, s.as_of()) == worker.evaluate(s, s.as_of()));
        }
        // Side by side, in one group, so that both see the same machine.
        g.bench_function(format!("{name} ({n}): Worker::evaluate"), |b| {
            b.iter(|| {
                for s in scenarios.iter() {
                    black_box(worker.evaluate(black_box(s), s.as_of()));
                }
            })
        });
        g.bench_function(format!("{name} ({n}): Engine::evaluate"), |b| {
            b.iter(|| {
                for s in scenarios.iter() {
                    black_box(engine.evaluate(black_box(s), s.as_of()));
                }
            })
        });
        if name.starts_with("shipped") {
            g.bench_function(
                format!("{name} ({n}): Engine::evaluate, new stack per call"),
                |b| {
                    b.iter(|| {
                        for s in scenarios.iter() {
                            stacker::grow(2 * need, || {
                                black_box(engine.evaluate(black_box(s), s.as_of()))
                            });
                        }
                    })
                },
            );
        }
    }
    g.bench_function("stack::run, on a thread with room", |b| {
        b.iter(|| stack::run(black_box(&limits), || black_box(1)))
    });
    g.bench_function("stack::run's new stack (2 MiB thread)", |b| {
        b.iter(|| stacker::grow(2 * need, || black_box(1)))
    });
    g.finish();
}

/// Whole-corpus runs, each peer as `run` would do it: load the rules (or
/// policy), then on 2 threads read, parse and evaluate every file. Long
/// on purpose: the four peers side by side, timed by one loop.
fn corpus_runs(fx: &Fixture) {
    const JOBS: usize = 2;
    const RUNS: usize = 3;
    let c = &fx.corpus;
    let files = &fx.files;
    let sfiles: Vec<ScenarioFile> = files
        .iter()
        .map(|(id, path)| ScenarioFile {
            path: path.clone(),
            id: id.clone(),
            root: fx.dir.join("scenarios").into(),
        })
        .collect();
    let rules_dir = fx.dir.join("rules");
    let read = |p: &Path, id: &str| {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| die(e));
        NScenario::parse(id, &text).unwrap_or_else(|e| die(e))
    };
    let policy = corpus::rego(c);

    let engine = || {
        let set = Arc::new(RuleSet::load(&rules_dir, Limits::default()));
        let mut fired = 0usize;
        runner::for_each(
            &set,
            &WorkerOptions::default(),
            &sfiles,
            JOBS,
            |w, _, loaded| {
                let sc = loaded.unwrap_or_else(|e| die(e));
                w.evaluate(&sc, sc.as_of()).fired.len()
            },
            |n| fired += n,
        );
        fired
    };
    let native = || {
        corpus::parallel(files, JOBS, || {
            |(id, p): &(String, PathBuf)| {
                let sc = read(p, id);
                let o = corpus::native_eval(c, &sc.view(sc.as_of));
                o.fired(c).len()
            }
        })
        .iter()
        .sum::<usize>()
    };
    let regorus_interp = || {
        corpus::parallel(files, JOBS, || {
            let mut e = corpus::rego_engine(&policy).unwrap_or_else(|e| die(e));
            move |(id, p): &(String, PathBuf)| {
                let sc = read(p, id);
                e.set_input(corpus::rego_input(&sc.view(sc.as_of)));
                let out = e
                    .eval_rule(corpus::REGO_ENTRY.into())
                    .unwrap_or_else(|e| die(e));
                corpus::rego_result(&out).unwrap_or_else(|e| die(e)).0.len()
            }
        })
        .iter()
        .sum::<usize>()
    };
    let rvm = || {
        let program = corpus::rvm_program(&policy).unwrap_or_else(|e| die(e));
        corpus::parallel(files, JOBS, || {
            let mut vm = regorus::rvm::RegoVM::new();
            vm.load_program(program.clone());
            move |(id, p): &(String, PathBuf)| {
                let sc = read(p, id);
                vm.set_input(corpus::rego_input(&sc.view(sc.as_of)));
                let out = vm.execute().unwrap_or_else(|e| die(e));
                corpus::rego_result(&out).unwrap_or_else(|e| die(e)).0.len()
            }
        })
        .iter()
        .sum::<usize>()
    };
    let peers: [(&str, &dyn Fn() -> usize); 4] = [
        ("engine (library, as `run`)", &engine),
        ("native floor (serde + Rust)", &native),
        ("regorus interpreter", &regorus_interp),
        ("regorus rvm", &rvm),
    ];
    println!(
        "\ncorpus: {} scenarios × {} rules, {JOBS} threads, median of {RUNS} runs",
        files.len(),
        c.rules.len()
    );
    let mut results = Vec::new();
    for (name, f) in peers {
        let mut times = Vec::new();
        let mut fired = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            fired = black_box(f());
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let med = times[RUNS / 2];
        println!(
            "  {name:<30} {med:>8.3} s  ({:>7.1} µs per scenario per thread; {fired} responses fire)",
            med * 1e6 * JOBS as f64 / files.len() as f64
        );
        results.push((name, med, fired));
    }
    let (_, engine_s, engine_fired) = results[0];
    for (name, s, fired) in &results[1..] {
        println!(
            "  engine / {name}: {:.2}×{}",
            engine_s / s,
            if *fired == engine_fired {
                ""
            } else {
                " (DIFFERENT fired count)"
            }
        );
    }
}

fn main() {
    let scenarios: usize = std::env::var("CORPUS_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    // A criterion filter (a positional argument) that does not match
    // "corpus" skips the corpus runs.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let corpus_wanted = scenarios > 0 && filter.as_deref().is_none_or(|f| "corpus".contains(f));
    let fx = fixture(scenarios.max(10));
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_parse(&mut c, &fx);
    bench_compile(&mut c, &fx);
    bench_eval(&mut c, &fx);
    bench_replay(&mut c, &fx);
    bench_engine(&mut c, &fx);
    c.final_summary();
    if corpus_wanted {
        corpus_runs(&fx);
    }
}
