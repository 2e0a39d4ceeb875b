//! Running work over many scenarios in parallel: `jobs` worker threads,
//! each with its own [`Worker`] (engine + compiled rules), pull inputs —
//! scenario files, or lines of standard input — one at a time from a shared
//! source, load and evaluate them, and hand results back; the caller
//! receives them in input order, as soon as each is ready, so output is
//! streamed and identical at any thread count. Inputs are pulled, not
//! collected first, so memory stays flat however long the input is.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, mpsc};

use crate::diagnostic::Diagnostic;
use crate::eval::{Worker, WorkerOptions};
use crate::rules::RuleSet;
use crate::scenario::{Scenario, ScenarioFile};

/// A scenario file, loaded or not.
pub type Loaded = Result<Arc<Scenario>, Vec<Diagnostic>>;

/// Stack of each worker thread. Rhai's evaluator recurses on the native
/// stack; rules at the call-depth limit with nested expressions need more
/// than the default 2 MiB (measured: 16 MiB in a debug build). The memory
/// is reserved, not committed, until used.
pub const STACK_SIZE: usize = 64 << 20;

/// The default worker count: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The most worker threads a run starts (`-j` above it is a usage error):
/// each reserves a 64 MiB stack and compiles every rule, so a count
/// beyond any machine's cores only costs memory and start-up time.
pub const MAX_JOBS: usize = 256;

/// Loads each file and calls `work` on it in a worker running `set` with
/// `opts`; `sink` gets the results in the order of `files`.
pub fn for_each<T: Send>(
    set: &Arc<RuleSet>,
    opts: &WorkerOptions,
    files: &[ScenarioFile],
    jobs: usize,
    work: impl Fn(&Worker, &ScenarioFile, Loaded) -> T + Sync,
    sink: impl FnMut(T),
) {
    let make = || Worker::new(set.clone(), opts.clone());
    for_each_with(make, files, jobs, work, sink);
}

/// [`for_each`] with per-thread state built by `make` — for verbs that
/// need more than one worker per thread, such as `diff`'s two rule sets.
pub fn for_each_with<W, T: Send>(
    make: impl Fn() -> W + Sync,
    files: &[ScenarioFile],
    jobs: usize,
    work: impl Fn(&W, &ScenarioFile, Loaded) -> T + Sync,
    sink: impl FnMut(T),
) {
    let jobs = jobs.min(files.len().max(1));
    stream(
        make,
        files.iter(),
        jobs,
        |w, file| {
            let loaded = file.load().map(Arc::new);
            work(w, file, loaded)
        },
        sink,
    );
}

/// The general form: `work` runs on every item of `items` in one of `jobs`
/// threads, each with its own state from `make`; `sink` gets the results
/// in input order on the calling thread.
pub fn stream<W, I: Send, T: Send>(
    make: impl Fn() -> W + Sync,
    items: impl Iterator<Item = I> + Send,
    jobs: usize,
    work: impl Fn(&W, I) -> T + Sync,
    mut sink: impl FnMut(T),
) {
    let jobs = jobs.clamp(1, MAX_JOBS);
    let source = Mutex::new(items.enumerate());
    // Bounded, so workers wait for a slow sink (a pipe) instead of piling
    // up results.
    let (tx, rx) = mpsc::sync_channel::<(usize, T)>(jobs * 4);
    std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..jobs {
            let tx = tx.clone();
            let (source, work, make) = (&source, &work, &make);
            let spawned = std::thread::Builder::new()
                .name("worker".into())
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, move || {
                    let state = make();
                    loop {
                        // A poisoned lock means another worker panicked; the
                        // panic reaches the caller through the scope.
                        let next = match source.lock() {
                            Ok(mut it) => it.next(),
                            Err(_) => None,
                        };
                        let Some((i, item)) = next else { break };
                        if tx.send((i, work(&state, item))).is_err() {
                            break;
                        }
                    }
                });
            match spawned {
                Ok(_) => started += 1,
                Err(e) => {
                    // Fewer workers still finish the job.
                    eprintln!("warning: cannot start a worker thread: {e}");
                    break;
                }
            }
        }
        drop(tx);
        if started == 0 {
            // No thread at all: do the work here, in order.
            let state = make();
            while let Some((_, item)) = source.lock().ok().and_then(|mut it| it.next()) {
                sink(work(&state, item));
            }
            return;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_at_any_thread_count() {
        for jobs in [1, 2, 5] {
            let mut got = Vec::new();
            stream(
                || (),
                0..200u64,
                jobs,
                |_, i| {
                    // Later items finish first.
                    std::thread::sleep(std::time::Duration::from_micros((200 - i) * 10));
                    i
                },
                |i| got.push(i),
            );
            assert_eq!(got, (0..200).collect::<Vec<_>>(), "jobs = {jobs}");
        }
    }
}
