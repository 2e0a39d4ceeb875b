//! An incremental engine for authoring loops: `test --watch` now, a
//! language server later. It keeps a rules folder loaded, every scenario
//! file under the watched paths parsed, and every scenario's test result.
//! On each [`Incremental::update`] it re-reads only the files that
//! changed — a file whose size and modification time are unchanged is not
//! read at all, and one whose content hashes as before is not parsed
//! again — and says which scenarios must run again: every one after a
//! change under the rules folder, otherwise the changed scenario files and
//! the variants built on them (`extends`). When only rule scripts changed,
//! [`Incremental::test`] calls only the changed rules and, scenario by
//! scenario, the rules that read with `fired` a response whose status
//! came out different, and keeps every other verdict; a helper, catalogue
//! or vocabulary change re-runs every rule. Small batches run on one kept
//! worker on the calling thread, so a one-file change costs one
//! scenario's evaluation, not the compilation of every rule; large ones
//! on the worker pool. [`Incremental::results`] is always what a full run
//! would give (`tests/incremental.rs` checks it against random edits).
//! After a rule save only the changed rule files are read and checked
//! again (`RuleSet::reload_changed`); the other rules are kept as loaded.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::diagnostic::Diagnostic;
use crate::eval::{Worker, WorkerOptions};
use crate::files::{self, Within};
use crate::rules::RuleSet;
use crate::runner::{self, Loaded};
use crate::sandbox::stack;
use crate::scenario::{ScenarioFile, discover};
use crate::suite::{TestResult, TestStatus, judge, needs_other_dates, run_test};

/// Batches up to this many scenarios run on the kept worker, on the
/// calling thread: starting the pool compiles every rule once per thread,
/// which costs more than a handful of scenarios take to evaluate.
const SMALL_BATCH: usize = 16;

/// The most scenarios a pool thread tests before handing their results
/// over at once: enough that the hand-over costs little next to the
/// work, few enough that the first results show soon and a slow
/// scenario holds back few others.
const MAX_BATCH: usize = 32;

/// A file modified this recently is hashed again at every update even if
/// its size and time look unchanged: two saves within one tick of the
/// file system's clock can leave both equal (git calls such entries
/// "racily clean").
const RACY: Duration = Duration::from_secs(2);

/// What a file looked like when it was last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    hash: u64,
}

impl Stamp {
    /// Whether `meta` shows the file as it was stamped: same size and
    /// time, and not modified so recently that the time could hide an
    /// edit.
    fn still(&self, meta: &std::fs::Metadata) -> bool {
        let modified = meta.modified().ok();
        let settled = modified
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > RACY);
        self.len == meta.len() && self.modified == modified && settled
    }
}

/// A file's stamp read from disk; `None` when it cannot be read (it is
/// then left to the loader to report).
fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let bytes = std::fs::read(path).ok()?;
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
        hash: h.finish(),
    })
}

/// Whether `path` changed since `old`: read only when its size or time
/// moved (or is too recent to trust), and changed only when its content
/// did. Returns the new stamp either way.
fn recheck(path: &Path, old: Option<Stamp>) -> (bool, Option<Stamp>) {
    let meta = std::fs::metadata(path).ok();
    if let (Some(old), Some(meta)) = (old, &meta)
        && old.still(meta)
    {
        return (false, Some(old));
    }
    let new = stamp(path);
    let changed = match (old, new) {
        (Some(o), Some(n)) => o.hash != n.hash || o.len != n.len,
        (None, None) => false,
        _ => true,
    };
    (changed, new)
}

/// A scenario file as kept: its stamp, what loading it gave, and its
/// path and bases in comparable form.
struct Kept {
    file: ScenarioFile,
    stamp: Option<Stamp>,
    loaded: Loaded,
    normal: PathBuf,
    bases: Vec<PathBuf>,
}

impl Kept {
    fn load(file: &ScenarioFile, stamp: Option<Stamp>) -> Kept {
        let loaded = file.load().map(Arc::new);
        let bases = match &loaded {
            Ok(sc) => sc.bases().iter().map(|b| normal(b)).collect(),
            Err(_) => Vec::new(),
        };
        Kept {
            file: file.clone(),
            stamp,
            loaded,
            normal: normal(&file.path),
            bases,
        }
    }
}

/// A kept test result, and the rules (index-aligned with
/// `RuleSet::rules`) changed since it was judged (`None`: none).
struct Held {
    result: TestResult,
    dirty: Option<Vec<bool>>,
}

/// What an update found, and what must run again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Something under the rules folder changed (or was named as
    /// touched): the rules were reloaded, and every scenario runs again.
    pub rules: bool,
    /// Indexes into [`Incremental::files`] of the scenarios to run again,
    /// in order: the changed or touched files and the variants built on
    /// them (every file when `rules`).
    pub affected: Vec<usize>,
}

/// A rules folder and scenario paths, kept loaded and parsed; see the
/// module documentation.
pub struct Incremental {
    rules_dir: PathBuf,
    rules_normal: PathBuf,
    paths: Vec<PathBuf>,
    opts: WorkerOptions,
    jobs: usize,
    set: Arc<RuleSet>,
    rule_stamps: HashMap<PathBuf, Option<Stamp>>,
    files: Vec<ScenarioFile>,
    discovered: Vec<Diagnostic>,
    kept: HashMap<PathBuf, Kept>,
    /// Each kept file's path as found, by its [`normal`] form.
    by_normal: HashMap<PathBuf, PathBuf>,
    results: HashMap<PathBuf, Held>,
    /// A worker for the current rule set, made on first use.
    worker: Option<Worker>,
}

impl Incremental {
    /// Loads the rules in `rules_dir` and parses every scenario file under
    /// `paths`; evaluation runs with `opts` on up to `jobs` threads.
    /// Nothing is evaluated yet: every file counts as affected by the
    /// first [`Incremental::test`] or [`Incremental::run`] of
    /// [`Incremental::all`].
    pub fn new(rules_dir: &Path, paths: &[PathBuf], opts: WorkerOptions, jobs: usize) -> Self {
        let set = load(rules_dir, &opts);
        let mut inc = Incremental {
            rules_dir: rules_dir.to_path_buf(),
            rules_normal: normal(rules_dir),
            paths: paths.to_vec(),
            opts,
            jobs: jobs.max(1),
            set,
            rule_stamps: HashMap::new(),
            files: Vec::new(),
            discovered: Vec::new(),
            kept: HashMap::new(),
            by_normal: HashMap::new(),
            results: HashMap::new(),
            worker: None,
        };
        inc.rules_changed();
        inc.scenarios_changed(&BTreeSet::new());
        inc
    }

    /// The rule set as loaded now.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.set
    }

    /// The scenario files found under the watched paths, in order.
    pub fn files(&self) -> &[ScenarioFile] {
        &self.files
    }

    /// Problems finding the scenario files (a missing path).
    pub fn discovery_diagnostics(&self) -> &[Diagnostic] {
        &self.discovered
    }

    /// What loading the file at `i` gave, as kept.
    pub fn loaded(&self, i: usize) -> Option<&Loaded> {
        let f = self.files.get(i)?;
        Some(&self.kept.get(&f.path)?.loaded)
    }

    /// Every file's index: what a full run covers.
    pub fn all(&self) -> Vec<usize> {
        (0..self.files.len()).collect()
    }

    /// Whether `path` lies under the rules folder (in the comparable
    /// form [`normal`] gives).
    pub fn is_rules_path(&self, path: &Path) -> bool {
        path.starts_with(&self.rules_normal)
    }

    /// Looks at the files again. `touched` names files (in [`normal`]
    /// form) to run again even when their content did not change, as a
    /// watcher that was told of a save does; an empty set means only what
    /// changed on disk.
    pub fn update(&mut self, touched: &BTreeSet<PathBuf>) -> Changes {
        self.update_with(touched, false)
    }

    /// [`Incremental::update`] trusting `touched` to name every file that
    /// changed, as a file watcher's events do: the scenario folders are
    /// not walked again, nor other files looked at, unless a touched path
    /// is not a kept scenario file (one added or removed, a folder), and
    /// the rules folder only when a touched path lies under it.
    pub fn update_touched(&mut self, touched: &BTreeSet<PathBuf>) -> Changes {
        self.update_with(touched, true)
    }

    fn update_with(&mut self, touched: &BTreeSet<PathBuf>, trust: bool) -> Changes {
        let rules_touched = touched.iter().any(|p| self.is_rules_path(p));
        let edited = if trust && !rules_touched {
            Vec::new()
        } else {
            self.rules_changed()
        };
        let rules = !edited.is_empty() || rules_touched;
        if !edited.is_empty() {
            let old = self.set.clone();
            self.reload_rules(&edited);
            match changed_rules(&old, &self.set, &edited, &self.rules_dir) {
                // Only some rules changed: their verdicts, and those of
                // the rules chained on them, are stale in every kept
                // result.
                Some(mask) => {
                    for held in self.results.values_mut() {
                        let d = held.dirty.get_or_insert_with(|| vec![false; mask.len()]);
                        for (d, m) in d.iter_mut().zip(&mask) {
                            *d |= *m;
                        }
                    }
                }
                None => self.results.clear(),
            }
        }
        let scenario_paths: Option<Vec<PathBuf>> = touched
            .iter()
            .filter(|p| !self.is_rules_path(p))
            .map(|p| {
                let found = self.by_normal.get(p)?;
                found.is_file().then(|| found.clone())
            })
            .collect();
        let mut affected = match scenario_paths {
            Some(paths) if trust => self.scenarios_touched(&paths, touched),
            _ => self.scenarios_changed(touched),
        };
        // Their kept results are stale: the next `results` tests them
        // again unless `test` does first.
        for &i in &affected {
            if let Some(f) = self.files.get(i) {
                self.results.remove(&f.path);
            }
        }
        if rules {
            affected = self.all();
        }
        Changes { rules, affected }
    }

    /// Re-stamps every file under the rules folder: those added, removed
    /// or changed in content.
    fn rules_changed(&mut self) -> Vec<PathBuf> {
        let within = Within::folder(&self.rules_dir);
        let mut seen = HashMap::new();
        let mut changed = Vec::new();
        for ext in ["rhai", "toml"] {
            let (found, _) = files::walk(&self.rules_dir, &within, ext, &|_| false);
            for (path, _) in found {
                let old = self.rule_stamps.get(&path).copied().flatten();
                let (c, new) = recheck(&path, old);
                if c || !self.rule_stamps.contains_key(&path) {
                    changed.push(path.clone());
                }
                seen.insert(path, new);
            }
        }
        changed.extend(
            self.rule_stamps
                .keys()
                .filter(|p| !seen.contains_key(*p))
                .cloned(),
        );
        self.rule_stamps = seen;
        changed
    }

    /// Loads the rules again after the files at `edited` changed: only
    /// those are compiled and checked again.
    fn reload_rules(&mut self, edited: &[PathBuf]) {
        let limits = &self.opts.limits;
        let set = stack::run(limits, || self.set.reload_changed(edited, limits.clone()));
        self.set = Arc::new(set);
        self.worker = None;
    }

    /// Finds the scenario files again and re-reads those that changed;
    /// the indexes of the files to run again (today's files that changed
    /// or are in `touched`, and the loaded variants of any of them, or of
    /// a file that was removed).
    fn scenarios_changed(&mut self, touched: &BTreeSet<PathBuf>) -> Vec<usize> {
        let (found, diags) = discover(&self.paths);
        self.discovered = diags;
        let mut old = std::mem::take(&mut self.kept);
        let mut changed: BTreeSet<PathBuf> = BTreeSet::new();
        let mut kept = HashMap::with_capacity(found.len());
        let mut to_load = Vec::new();
        for file in &found {
            match old.remove(&file.path) {
                Some(k) if k.file == *file => {
                    let (c, new) = recheck(&file.path, k.stamp);
                    if c {
                        to_load.push((file, new));
                    } else {
                        kept.insert(file.path.clone(), Kept { stamp: new, ..k });
                    }
                }
                _ => to_load.push((file, stamp(&file.path))),
            }
        }
        let mut keep = |k: Kept| {
            changed.insert(k.normal.clone());
            kept.insert(k.file.path.clone(), k);
        };
        if to_load.len() > SMALL_BATCH {
            // The first update parses every file: on the pool.
            runner::stream(
                || (),
                to_load.into_iter(),
                self.jobs,
                |_, (file, stamp)| Kept::load(file, stamp),
                keep,
            );
        } else {
            for (file, stamp) in to_load {
                keep(Kept::load(file, stamp));
            }
        }
        // Removed files: their variants change, and their results go.
        for (path, k) in old {
            changed.insert(k.normal);
            self.results.remove(&path);
        }
        self.by_normal = kept
            .values()
            .map(|k| (k.normal.clone(), k.file.path.clone()))
            .collect();
        self.files = found;
        self.kept = kept;
        self.affected_by(&changed, touched)
    }

    /// Re-reads the kept files at `paths` (as found), when they changed:
    /// the indexes of the files to run again.
    fn scenarios_touched(&mut self, paths: &[PathBuf], touched: &BTreeSet<PathBuf>) -> Vec<usize> {
        let mut changed = BTreeSet::new();
        for path in paths {
            let Some(k) = self.kept.get_mut(path) else {
                continue;
            };
            let (c, new) = recheck(path, k.stamp);
            if c {
                *k = Kept::load(&k.file.clone(), new);
                changed.insert(k.normal.clone());
            } else {
                k.stamp = new;
            }
        }
        self.affected_by(&changed, touched)
    }

    /// The files to run again when the files at `changed` changed and
    /// those at `touched` were saved: those files, and the variants that
    /// load built on any of them; variants and files that did not load
    /// are parsed again.
    fn affected_by(
        &mut self,
        changed: &BTreeSet<PathBuf>,
        touched: &BTreeSet<PathBuf>,
    ) -> Vec<usize> {
        let moved: BTreeSet<&PathBuf> = changed.iter().chain(touched).collect();
        let mut affected = Vec::new();
        if moved.is_empty() {
            return affected;
        }
        for (i, file) in self.files.iter().enumerate() {
            let Some(k) = self.kept.get_mut(&file.path) else {
                continue;
            };
            if moved.contains(&k.normal) {
                affected.push(i);
                continue;
            }
            let broken = k.loaded.is_err();
            let was_variant = k.bases.iter().any(|b| moved.contains(b));
            if broken || was_variant {
                // A variant is parsed again when a file it is built on
                // changed; a file that did not load may extend one that
                // now does.
                *k = Kept::load(file, k.stamp);
                let variant = k.bases.iter().any(|b| moved.contains(b));
                if variant {
                    affected.push(i);
                } else {
                    // Not shown again (as `test --watch` has always
                    // done: only variants that load are), but its kept
                    // result follows what loading now says.
                    self.results.remove(&file.path);
                }
            }
        }
        affected
    }

    /// Compiles the kept worker now, if the rule set changed since it was
    /// made: for a caller that is idle (a watcher waiting for the next
    /// save), so that the next small batch does not wait for it.
    pub fn prepare(&mut self) {
        self.worker();
    }

    /// The kept worker for the current rule set, made on first use.
    fn worker(&mut self) -> &Worker {
        let set = self.set.clone();
        let opts = self.opts.clone();
        // Compiling runs the rules' top levels: under the stack guard, as
        // every evaluation on this thread is.
        self.worker
            .get_or_insert_with(|| stack::run(&opts.limits.clone(), || Worker::new(set, opts)))
    }

    /// Runs `work` on the files at `which` (indexes into
    /// [`Incremental::files`]) with their kept scenarios, nothing read
    /// again; `sink` gets the results in that order. Small batches run on
    /// the calling thread with the kept worker, larger ones on the pool.
    pub fn run<T: Send>(
        &mut self,
        which: &[usize],
        work: impl Fn(&Worker, &ScenarioFile, Loaded) -> T + Sync,
        mut sink: impl FnMut(T),
    ) {
        let items: Vec<(ScenarioFile, Loaded)> = which
            .iter()
            .filter_map(|&i| self.files.get(i))
            .filter_map(|f| Some((f.clone(), self.kept.get(&f.path)?.loaded.clone())))
            .collect();
        if items.len() <= SMALL_BATCH {
            let limits = self.opts.limits.clone();
            let worker = self.worker();
            stack::run(&limits, || {
                for (file, loaded) in items {
                    sink(work(worker, &file, loaded));
                }
            });
            return;
        }
        let set = self.set.clone();
        let opts = self.opts.clone();
        let jobs = self.jobs.min(items.len());
        runner::stream(
            || Worker::new(set.clone(), opts.clone()),
            items.into_iter(),
            jobs,
            |w, (file, loaded)| work(w, &file, loaded),
            sink,
        );
    }

    /// Tests the files at `which` and keeps their results; `sink` sees
    /// each result in order. A kept result that is current is given as it
    /// is; one whose responses are stale after a rule change has only
    /// those responses evaluated again (and its expectations judged
    /// again) when its scenario needs no other dates; any other is tested
    /// anew. A file that did not load gets an error result carrying its
    /// diagnostics.
    pub fn test(&mut self, which: &[usize], mut sink: impl FnMut(&TestResult)) {
        let mut jobs = Vec::with_capacity(which.len());
        let mut union: Option<Vec<bool>> = None;
        for &i in which {
            let Some(f) = self.files.get(i) else { continue };
            let Some(k) = self.kept.get(&f.path) else {
                continue;
            };
            let job = match (self.results.remove(&f.path), &k.loaded) {
                (
                    Some(Held {
                        result,
                        dirty: None,
                    }),
                    _,
                ) => Job::Current(result),
                (
                    Some(Held {
                        result,
                        dirty: Some(mask),
                    }),
                    Ok(sc),
                ) if result.outcome.is_some() && !needs_other_dates(sc) => {
                    let u = union.get_or_insert_with(|| vec![false; mask.len()]);
                    for (u, m) in u.iter_mut().zip(&mask) {
                        *u |= *m;
                    }
                    Job::Partial(result, mask)
                }
                _ => Job::Full,
            };
            jobs.push((f.clone(), k.loaded.clone(), job));
        }
        let only = union.map(|changed| self.reachable(&changed));
        let mut got = Vec::with_capacity(jobs.len());
        let mut keep = |r: TestResult| {
            sink(&r);
            got.push(r);
        };
        let needs_pool = jobs
            .iter()
            .filter(|(_, _, j)| !matches!(j, Job::Current(_)))
            .count()
            > SMALL_BATCH;
        if needs_pool {
            let set = self.set.clone();
            let opts = self.opts.clone();
            let jobs_n = self.jobs.min(jobs.len());
            // In batches: one scenario's re-evaluation costs about as much
            // as handing its result to this thread and waking it.
            let size = jobs.len().div_ceil(jobs_n * runner::AHEAD_PER_JOB * 4);
            let size = size.clamp(1, MAX_BATCH);
            let mut jobs = jobs.into_iter();
            let batches = std::iter::from_fn(|| {
                let batch: Vec<_> = jobs.by_ref().take(size).collect();
                (!batch.is_empty()).then_some(batch)
            });
            runner::stream(
                || Workers {
                    set: set.clone(),
                    opts: opts.clone(),
                    only: only.clone(),
                    partial: std::cell::OnceCell::new(),
                    full: std::cell::OnceCell::new(),
                },
                batches,
                jobs_n,
                |w, batch| {
                    batch
                        .into_iter()
                        .map(|(file, loaded, job)| {
                            job.run(&file, loaded, || w.partial(), || w.full())
                        })
                        .collect::<Vec<_>>()
                },
                |batch| batch.into_iter().for_each(&mut keep),
            );
        } else {
            let limits = self.opts.limits.clone();
            let worker = self.worker();
            stack::run(&limits, || {
                for (file, loaded, job) in jobs {
                    keep(job.run(&file, loaded, || worker, || worker));
                }
            });
        }
        for r in got {
            let held = Held {
                result: r,
                dirty: None,
            };
            self.results.insert(held.result.file.clone(), held);
        }
    }

    /// The rules a re-evaluation after a change to the `changed` rules
    /// may call (both index-aligned with `RuleSet::rules`): those and
    /// every rule of a response that reads, through `fired`, a response
    /// of one of them, transitively.
    fn reachable(&self, changed: &[bool]) -> Vec<bool> {
        let set = &self.set;
        let index: HashMap<&str, usize> = set
            .plan()
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (&**id, i))
            .collect();
        let mut positions: Vec<bool> = set
            .plan()
            .iter()
            .map(|(_, ix)| ix.iter().any(|&i| changed.get(i).copied().unwrap_or(false)))
            .collect();
        // Responses read through `fired` come first in the plan, but a
        // pass to a fixed point does not rely on it.
        loop {
            let mut grew = false;
            for (p, (_, ix)) in set.plan().iter().enumerate() {
                if positions.get(p).copied().unwrap_or(true) {
                    continue;
                }
                let reads = ix.iter().filter_map(|&i| set.rules().get(i)).any(|r| {
                    r.reads.keys().any(|id| {
                        index
                            .get(id.as_str())
                            .is_some_and(|&q| positions.get(q).copied().unwrap_or(false))
                    })
                });
                if reads && let Some(slot) = positions.get_mut(p) {
                    *slot = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let mut rules = vec![false; set.rules().len()];
        for ((_, ix), dirty) in set.plan().iter().zip(&positions) {
            if *dirty {
                for &i in ix {
                    if let Some(r) = rules.get_mut(i) {
                        *r = true;
                    }
                }
            }
        }
        rules
    }

    /// Every file's kept test result, in file order, testing first the
    /// files whose result is missing or stale; what a full run of the
    /// suite gives.
    pub fn results(&mut self) -> Vec<&TestResult> {
        let missing: Vec<usize> = (0..self.files.len())
            .filter(|&i| {
                self.results
                    .get(&self.files[i].path)
                    .is_none_or(|h| h.dirty.is_some())
            })
            .collect();
        self.test(&missing, |_| {});
        self.files
            .iter()
            .filter_map(|f| self.results.get(&f.path).map(|h| &h.result))
            .collect()
    }
}

/// What testing one file takes.
enum Job {
    /// Its kept result is current.
    Current(TestResult),
    /// Its kept result, with the responses marked stale.
    Partial(TestResult, Vec<bool>),
    /// A test from scratch.
    Full,
}

impl Job {
    fn run<'w>(
        self,
        file: &ScenarioFile,
        loaded: Loaded,
        partial: impl FnOnce() -> &'w Worker,
        full: impl FnOnce() -> &'w Worker,
    ) -> TestResult {
        match (self, loaded) {
            (Job::Current(r), _) => r,
            (Job::Partial(mut r, mask), Ok(sc)) => match r.outcome.take() {
                Some(prev) => {
                    let w = partial();
                    // Most scenarios give the changed rules the verdicts
                    // they gave before: their result stands as kept.
                    if w.unchanged_from(&sc, &prev, &mask) {
                        r.outcome = Some(prev);
                        return r;
                    }
                    let outcome = w.evaluate_from(&sc, prev, &mask);
                    judge(w, &sc, outcome)
                }
                None => run_test(full(), &sc),
            },
            (_, loaded) => test_one(full(), file, loaded),
        }
    }
}

/// A pool thread's workers: one compiling only the rules to evaluate
/// again, and a full one for the scenarios tested anew, each made on
/// first use.
struct Workers {
    set: Arc<RuleSet>,
    opts: WorkerOptions,
    only: Option<Vec<bool>>,
    partial: std::cell::OnceCell<Worker>,
    full: std::cell::OnceCell<Worker>,
}

impl Workers {
    fn partial(&self) -> &Worker {
        self.partial.get_or_init(|| {
            Worker::new_only(self.set.clone(), self.opts.clone(), self.only.as_deref())
        })
    }

    fn full(&self) -> &Worker {
        self.full
            .get_or_init(|| Worker::new(self.set.clone(), self.opts.clone()))
    }
}

/// The rules (index-aligned with `new`'s) whose verdicts may differ
/// between `old` and `new`, when only rule scripts were `edited` and the
/// two sets have the same responses with the same rules, in the same
/// order: those whose text, `fired` reads or load error changed. `None`
/// when anything else changed (a helper, the catalogue, another file of
/// the folder, a rule added, removed or moved to another response): then
/// every rule is.
fn changed_rules(
    old: &RuleSet,
    new: &RuleSet,
    edited: &[PathBuf],
    dir: &Path,
) -> Option<Vec<bool>> {
    let lib = dir.join("lib");
    let only_rules = edited
        .iter()
        .all(|p| p.extension().is_some_and(|e| e == "rhai") && !p.starts_with(&lib));
    if !only_rules || old.folder_missing() || new.folder_missing() {
        return None;
    }
    let same_helpers = old.helpers().len() == new.helpers().len()
        && old
            .helpers()
            .iter()
            .zip(new.helpers())
            .all(|(a, b)| a.name == b.name && a.source.text == b.source.text);
    let same_catalogue = format!("{:?}", old.catalogue()) == format!("{:?}", new.catalogue());
    let (or, nr) = (old.rules(), new.rules());
    if !same_helpers || !same_catalogue || old.plan() != new.plan() || or.len() != nr.len() {
        return None;
    }
    let mut changed = Vec::with_capacity(nr.len());
    for (a, b) in or.iter().zip(nr) {
        if a.id != b.id {
            return None;
        }
        changed.push(
            a.source.text != b.source.text
                || a.reads.keys().ne(b.reads.keys())
                || format!("{:?}", a.broken) != format!("{:?}", b.broken),
        );
    }
    Some(changed)
}

/// The rules in `dir`, loaded under the limits of `opts`.
fn load(dir: &Path, opts: &WorkerOptions) -> Arc<RuleSet> {
    let limits = &opts.limits;
    Arc::new(stack::run(limits, || RuleSet::load(dir, limits.clone())))
}

/// One file's test result, loaded or not: the same as `test` reports.
pub fn test_one(worker: &Worker, file: &ScenarioFile, loaded: Loaded) -> TestResult {
    match loaded {
        Ok(sc) => run_test(worker, &sc),
        Err(ds) => TestResult {
            id: file.id.clone(),
            file: file.path.clone(),
            status: TestStatus::Error,
            failures: Vec::new(),
            diagnostics: ds,
            outcome: None,
            other_outcomes: Vec::new(),
        },
    }
}

/// A path in one comparable form: canonical where it exists (a deleted
/// file is canonicalised through its folder), absolute otherwise.
pub fn normal(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    if let (Some(dir), Some(name)) = (p.parent(), p.file_name())
        && let Ok(d) = dir.canonicalize()
    {
        return d.join(name);
    }
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_time(path: &Path, t: SystemTime) {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(t).unwrap();
    }

    #[test]
    fn a_file_is_read_again_only_when_its_size_or_time_moved_or_is_recent() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        let old = SystemTime::now() - Duration::from_secs(60);
        std::fs::write(&p, "aaaa").unwrap();
        set_time(&p, old);
        let s = stamp(&p).unwrap();
        assert_eq!(recheck(&p, Some(s)), (false, Some(s)));

        // Same size, same (old) time, other content: trusted, not read.
        std::fs::write(&p, "bbbb").unwrap();
        set_time(&p, old);
        assert!(!recheck(&p, Some(s)).0);

        // The time moved: read, and the content differs.
        set_time(&p, old + Duration::from_secs(1));
        let (changed, s2) = recheck(&p, Some(s));
        assert!(changed);
        let s2 = s2.unwrap();

        // Rewritten with the same content: read, not a change.
        std::fs::write(&p, "bbbb").unwrap();
        let (changed, s3) = recheck(&p, Some(s2));
        assert!(!changed);

        // Modified just now with the same size and time as its stamp:
        // too recent to trust, so hashed, and the edit is seen.
        std::fs::write(&p, "cccc").unwrap();
        let t = std::fs::metadata(&p).unwrap().modified().unwrap();
        let racy = Stamp {
            modified: Some(t),
            ..s3.unwrap()
        };
        assert!(recheck(&p, Some(racy)).0);

        // Removed: a change; still absent: none.
        std::fs::remove_file(&p).unwrap();
        assert_eq!(recheck(&p, Some(racy)), (true, None));
        assert_eq!(recheck(&p, None), (false, None));
    }
}
