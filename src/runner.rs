//! Running work over many scenarios in parallel: `jobs` worker threads,
//! each with its own [`Worker`] (engine + compiled rules), pull inputs —
//! scenario files, or lines of standard input — one at a time from a shared
//! source, load and evaluate them, and hand results back; the caller
//! receives them in input order, as soon as each is ready, so output is
//! streamed and identical at any thread count. Inputs are pulled, not
//! collected first, and no worker runs more than a few items per worker
//! ahead of the oldest result not yet delivered ([`AHEAD_PER_JOB`]), so
//! memory stays flat however long the input is, even while one item is
//! stalled.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

use crate::diagnostic::Diagnostic;
use crate::eval::{Worker, WorkerOptions};
use crate::rules::RuleSet;
use crate::scenario::{Scenario, ScenarioFile};
use crate::vocabulary::Vocabulary;

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
    for_each_with(
        make,
        files,
        set.vocabulary().map(|v| &**v),
        jobs,
        work,
        sink,
    );
}

/// [`for_each`] with per-thread state built by `make` — for verbs that
/// need more than one worker per thread, such as `diff`'s two rule sets —
/// the files checked against `vocab` as they load.
pub fn for_each_with<W, T: Send>(
    make: impl Fn() -> W + Sync,
    files: &[ScenarioFile],
    vocab: Option<&Vocabulary>,
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
            let loaded = file.load_with(vocab).map(Arc::new);
            work(w, file, loaded)
        },
        sink,
    );
}

/// How far, per worker, workers may run ahead of the oldest result not
/// yet delivered. A stalled item (a rule at its wall-clock limit) holds
/// the others back once `jobs × AHEAD_PER_JOB` results wait behind it,
/// so the results held for reordering never grow with the input.
pub const AHEAD_PER_JOB: usize = 4;

/// The general form: `work` runs on every item of `items` in one of `jobs`
/// threads, each with its own state from `make`; `sink` gets the results
/// in input order on the calling thread. No item is started while
/// `jobs × AHEAD_PER_JOB` items before it are undelivered.
pub fn stream<W, I: Send, T: Send>(
    make: impl Fn() -> W + Sync,
    items: impl Iterator<Item = I> + Send,
    jobs: usize,
    work: impl Fn(&W, I) -> T + Sync,
    mut sink: impl FnMut(T),
) {
    let jobs = jobs.clamp(1, MAX_JOBS);
    let window = jobs * AHEAD_PER_JOB;
    let gate = Gate::new(items, window);
    // Results in the channel are within the window too, so a send never
    // waits; the window, not the channel, makes workers wait for a slow
    // sink (a pipe).
    let (tx, rx) = mpsc::sync_channel::<(usize, T)>(window);
    std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..jobs {
            let tx = tx.clone();
            let (gate, work, make) = (&gate, &work, &make);
            let spawned = std::thread::Builder::new()
                .name("worker".into())
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, move || {
                    // A panic here reaches the caller through the scope;
                    // the other workers must not wait for its item.
                    let _stop = StopOnPanic(gate);
                    let state = make();
                    while let Some((i, item)) = gate.next() {
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
            while let Some((i, item)) = gate.next() {
                sink(work(&state, item));
                gate.delivered(i + 1);
            }
            return;
        }
        // However this loop ends — every worker done, or `sink` panicking —
        // no worker is left waiting for the window to move.
        let _stop = Stop(&gate);
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, t) in rx {
            pending.insert(i, t);
            let before = want;
            while let Some(t) = pending.remove(&want) {
                sink(t);
                want += 1;
            }
            if want > before {
                gate.delivered(want);
            }
        }
    });
}

/// Hands out the items, numbered, to workers, each only within the
/// window: fewer than `window` items past the oldest undelivered one.
struct Gate<It> {
    state: Mutex<GateState<It>>,
    /// Signalled when the window moves or the run stops.
    moved: Condvar,
    window: usize,
}

struct GateState<It> {
    items: It,
    /// The index of the next item handed out.
    next: usize,
    /// The index of the oldest result not yet delivered.
    delivered: usize,
    /// Workers waiting for the window to move.
    waiting: usize,
    /// Set when the run ends early: the caller stopped receiving, or a
    /// worker panicked.
    stop: bool,
}

impl<It: Iterator> Gate<It> {
    fn new(items: It, window: usize) -> Self {
        Gate {
            state: Mutex::new(GateState {
                items,
                next: 0,
                delivered: 0,
                waiting: 0,
                stop: false,
            }),
            moved: Condvar::new(),
            window,
        }
    }

    /// The next item and its index, once it is within the window; `None`
    /// when the items are done or the run stopped. A poisoned lock means
    /// a worker panicked pulling an item; the panic reaches the caller
    /// through the scope.
    fn next(&self) -> Option<(usize, It::Item)> {
        let mut s = self.state.lock().ok()?;
        while !s.stop && s.next >= s.delivered + self.window {
            s.waiting += 1;
            s = self.moved.wait(s).ok()?;
            s.waiting -= 1;
        }
        if s.stop {
            return None;
        }
        let item = s.items.next()?;
        let i = s.next;
        s.next += 1;
        Some((i, item))
    }

    /// Records that every result before `upto` was delivered.
    fn delivered(&self, upto: usize) {
        if let Ok(mut s) = self.state.lock() {
            s.delivered = upto;
            if s.waiting > 0 {
                self.moved.notify_all();
            }
        }
    }

    fn stop(&self) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.stop = true;
        self.moved.notify_all();
    }
}

/// Stops the gate when dropped.
struct Stop<'a, It: Iterator>(&'a Gate<It>);

impl<It: Iterator> Drop for Stop<'_, It> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Stops the gate when dropped by a panic.
struct StopOnPanic<'a, It: Iterator>(&'a Gate<It>);

impl<It: Iterator> Drop for StopOnPanic<'_, It> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
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

    #[test]
    fn a_stalled_item_holds_the_others_back_within_the_window() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use std::time::Duration;
        let jobs = 4;
        let window = jobs * AHEAD_PER_JOB;
        // Items delivered so far, and the most items any started item was
        // past the oldest undelivered one: the bound on results held.
        let delivered = AtomicUsize::new(0);
        let ahead = AtomicUsize::new(0);
        let started = AtomicUsize::new(0);
        let mut during_stall = 0;
        let mut got = Vec::new();
        stream(
            || (),
            0..2000usize,
            jobs,
            |_, i| {
                started.fetch_add(1, SeqCst);
                ahead.fetch_max(i.saturating_sub(delivered.load(SeqCst)), SeqCst);
                if i == 0 || i % 500 == 0 {
                    // The head, then others, at a wall-clock limit.
                    std::thread::sleep(Duration::from_millis(100));
                }
                (i, (i == 0).then(|| started.load(SeqCst)))
            },
            |(i, s)| {
                during_stall = during_stall.max(s.unwrap_or(0));
                got.push(i);
                delivered.store(i + 1, SeqCst);
            },
        );
        assert_eq!(got, (0..2000).collect::<Vec<_>>());
        // Unbounded, the other workers would have run all 1,999 items
        // while the head slept.
        assert!(
            during_stall <= window,
            "{during_stall} started, window {window}"
        );
        let ahead = ahead.load(SeqCst);
        assert!(
            ahead < window,
            "an item ran {ahead} past the oldest undelivered"
        );
    }

    #[test]
    fn a_panicking_worker_stops_the_others_instead_of_leaving_them_waiting() {
        let run = std::panic::catch_unwind(|| {
            stream(
                || (),
                0..1000usize,
                3,
                |_, i| {
                    if i == 1 {
                        panic!("worker failed");
                    }
                    i
                },
                |_| {},
            );
        });
        assert!(run.is_err());
    }
}
