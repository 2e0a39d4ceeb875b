//! Benchmarks of the what-if verbs (`cargo bench --bench what_if`), with
//! criterion, on the shipped library (`rules/`, 11 rules) and the engine
//! the command line uses, on 2 worker threads:
//!
//! - `sweep`: the US ultimatum (`scenarios/us/ultimatum-original-deadline.toml`)
//!   over a 100 × 100 grid (`ultimatum-50-days.days=1..100`,
//!   `as_of=2025-07-01..2025-10-08`): 10,000 evaluations;
//! - `what-if`: the seed (`scenarios/istanbul-2025-06-02.toml`) for
//!   `new-sanctions` and for `stronger-sanctions`, single edits and pairs.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use sanctions_trigger::scenario::load_file;
use sanctions_trigger::what_if::Options;
use sanctions_trigger::{Engine, Scenario};

const JOBS: usize = 2;

fn die<E: std::fmt::Debug>(e: E) -> ! {
    panic!("{e:?}")
}

fn scenario(path: &str, id: &str) -> Arc<Scenario> {
    Arc::new(load_file(Path::new(path), id).unwrap_or_else(|e| die(e)))
}

fn main() {
    let engine = Engine::builder()
        .folder("rules")
        .build()
        .unwrap_or_else(|e| die(e));
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let ultimatum = scenario(
        "scenarios/us/ultimatum-original-deadline.toml",
        "ultimatum-original-deadline",
    );
    let grid = [
        "ultimatum-50-days.days=1..100",
        "as_of=2025-07-01..2025-10-08",
    ];
    c.bench_function("sweep/ultimatum 100x100 grid", |b| {
        b.iter(|| {
            let s = engine
                .sweep(&ultimatum, &grid, JOBS)
                .unwrap_or_else(|e| die(e));
            black_box(s.points.len())
        })
    });
    let seed = scenario("scenarios/istanbul-2025-06-02.toml", "istanbul-2025-06-02");
    for response in ["new-sanctions", "stronger-sanctions"] {
        let opts = Options {
            response: response.to_string(),
            max_edits: 2,
            jobs: JOBS,
        };
        c.bench_function(&format!("what-if/seed {response}"), |b| {
            b.iter(|| {
                let w = engine.what_if(&seed, &opts).unwrap_or_else(|e| die(e));
                black_box(w.found.len())
            })
        });
    }
    c.final_summary();
}
