//! Running work over many scenario files in parallel: `jobs` worker
//! threads, each with its own [`Worker`] (engine + compiled rules), pull
//! files from a shared counter, load and evaluate them, and hand results
//! back; the caller receives them in input order, as soon as each is ready,
//! so output is streamed and identical at any thread count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use crate::diagnostic::Diagnostic;
use crate::eval::Worker;
use crate::rules::RuleSet;
use crate::scenario::{Scenario, ScenarioFile, load_file};

/// A scenario file, loaded or not.
pub type Loaded = Result<Arc<Scenario>, Vec<Diagnostic>>;

/// The default worker count: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Loads each file and calls `work` on it in a worker; `sink` gets the
/// results in the order of `files`.
pub fn for_each<T: Send>(
    set: &Arc<RuleSet>,
    files: &[ScenarioFile],
    jobs: usize,
    work: impl Fn(&Worker, &ScenarioFile, Loaded) -> T + Sync,
    sink: impl FnMut(T),
) {
    for_each_with(|| Worker::new(set.clone()), files, jobs, work, sink);
}

/// [`for_each`] with per-thread state built by `make` — for verbs that
/// need more than one worker per thread, such as `diff`'s two rule sets.
pub fn for_each_with<W, T: Send>(
    make: impl Fn() -> W + Sync,
    files: &[ScenarioFile],
    jobs: usize,
    work: impl Fn(&W, &ScenarioFile, Loaded) -> T + Sync,
    mut sink: impl FnMut(T),
) {
    let jobs = jobs.clamp(1, files.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, work, make) = (&next, &work, &make);
            scope.spawn(move || {
                let worker = make();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let loaded = load_file(&file.path, &file.id).map(Arc::new);
                    if tx.send((i, work(&worker, file, loaded))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, t) in rx {
            pending.insert(i, t);
            while let Some(t) = pending.remove(&want) {
                sink(t);
                want += 1;
            }
        }
    });
}
