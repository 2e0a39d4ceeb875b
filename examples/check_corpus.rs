//! Evaluates a generated corpus (see `gen_corpus`) with one or more peers,
//! times each, and compares what fires — and which rules error — between
//! them and, optionally, with the engine's `run --format jsonl` output:
//!
//! ```console
//! $ target/release/sanctions-trigger --rules DIR/rules run DIR/scenarios --format jsonl > engine.jsonl
//! $ cargo run --release --example check_corpus -- DIR --engine-jsonl engine.jsonl
//! $ cargo run --release --example check_corpus -- DIR --peer native --peer regorus --peer rvm --peer engine
//! ```
//!
//! Peers: `native` (the oracle: plain Rust over typed structs), `regorus`
//! (the same policy in Rego, regorus interpreter), `rvm` (regorus's bytecode
//! VM), `engine` (this crate's library, as the `run` verb calls it). The first
//! peer is the reference. Every peer parses the TOML files itself and runs on
//! `-j` threads, each with its own engine. Exit status 1 on any mismatch.

#[allow(dead_code)]
mod corpus;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use serde::Deserialize;

use corpus::{Corpus, Manifest, NScenario, native_eval};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Peer {
    Native,
    Regorus,
    Rvm,
    Engine,
}

#[derive(Parser)]
#[command(about = "Evaluate a generated corpus with peers and compare fired sets")]
struct Args {
    /// The corpus folder written by gen_corpus
    dir: PathBuf,
    /// Peers to run, in order; the first is the reference [default: native]
    #[arg(long, value_enum)]
    peer: Vec<Peer>,
    /// The engine's `run --format jsonl` output to compare with the reference
    #[arg(long, value_name = "FILE")]
    engine_jsonl: Option<PathBuf>,
    /// Worker threads
    #[arg(short = 'j', long, default_value_t = 2)]
    jobs: usize,
    /// Only the first N scenarios
    #[arg(long)]
    limit: Option<usize>,
    /// Print the Rego input of this scenario id as JSON and exit
    #[arg(long, value_name = "ID")]
    dump_input: Option<String>,
    /// Mismatches to print in detail
    #[arg(long, default_value_t = 10)]
    show: usize,
}

/// What one peer found for one scenario: fired response ids, errored rule
/// ids (both sorted), or why it could not evaluate.
type Found = Result<(Vec<String>, Vec<String>), String>;

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("check_corpus: {e}");
            ExitCode::from(2)
        }
    }
}

fn owned(v: Vec<&str>) -> Vec<String> {
    v.into_iter().map(str::to_string).collect()
}

fn evaluate(
    peer: Peer,
    dir: &Path,
    c: &Corpus,
    files: &[(String, PathBuf)],
    jobs: usize,
) -> Vec<Found> {
    let read = |id: &str, p: &Path| -> Result<NScenario, String> {
        let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
        NScenario::parse(id, &text)
    };
    match peer {
        Peer::Native => corpus::parallel(files, jobs, || {
            |(id, p): &(String, PathBuf)| -> Found {
                let sc = read(id, p)?;
                let o = native_eval(c, &sc.view(sc.as_of));
                Ok((owned(o.fired(c)), owned(o.error_rules(c))))
            }
        }),
        Peer::Regorus => {
            let policy = corpus::rego(c);
            corpus::parallel(files, jobs, || {
                let mut engine = corpus::rego_engine(&policy);
                move |(id, p): &(String, PathBuf)| -> Found {
                    let sc = read(id, p)?;
                    let e = engine.as_mut().map_err(|e| e.clone())?;
                    e.set_input(corpus::rego_input(&sc.view(sc.as_of)));
                    let out = e
                        .eval_rule(corpus::REGO_ENTRY.into())
                        .map_err(|e| e.to_string())?;
                    corpus::rego_result(&out)
                }
            })
        }
        Peer::Rvm => {
            let program = corpus::rvm_program(&corpus::rego(c));
            corpus::parallel(files, jobs, || {
                let mut vm = program.clone().map(|p| {
                    let mut vm = regorus::rvm::RegoVM::new();
                    vm.load_program(p);
                    vm
                });
                move |(id, p): &(String, PathBuf)| -> Found {
                    let sc = read(id, p)?;
                    let vm = vm.as_mut().map_err(|e| e.clone())?;
                    vm.set_input(corpus::rego_input(&sc.view(sc.as_of)));
                    let out = vm.execute().map_err(|e| e.to_string())?;
                    corpus::rego_result(&out)
                }
            })
        }
        Peer::Engine => engine_peer(dir, files, jobs),
    }
}

/// The engine through its library API, the way `run` calls it.
fn engine_peer(dir: &Path, files: &[(String, PathBuf)], jobs: usize) -> Vec<Found> {
    use sanctions_trigger::rules::RuleSet;
    use sanctions_trigger::runner;
    use sanctions_trigger::sandbox::Limits;
    use sanctions_trigger::scenario::ScenarioFile;
    let set = Arc::new(RuleSet::load(&dir.join("rules"), Limits::default()));
    if set.has_errors() {
        let msg = format!("rules do not load: {:?}", set.diagnostics());
        return files.iter().map(|_| Err(msg.clone())).collect();
    }
    let sfiles: Vec<ScenarioFile> = files
        .iter()
        .map(|(id, path)| ScenarioFile {
            path: path.clone(),
            id: id.clone(),
            root: dir.join("scenarios").into(),
        })
        .collect();
    let mut out = Vec::with_capacity(files.len());
    runner::for_each(
        &set,
        &Default::default(),
        &sfiles,
        jobs,
        |worker, _, loaded| -> Found {
            let sc = loaded.map_err(|d| format!("{d:?}"))?;
            let o = worker.evaluate(&sc, sc.as_of());
            let mut errors: Vec<String> = o.errors.iter().map(|e| e.rule.clone()).collect();
            errors.sort();
            Ok((o.fired.iter().map(|f| f.to_string()).collect(), errors))
        },
        |r| out.push(r),
    );
    out
}

#[derive(Deserialize)]
struct JsonLine {
    #[serde(rename = "type")]
    ty: String,
    id: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    fired: Vec<String>,
    #[serde(default)]
    errors: Vec<JsonError>,
    #[serde(default)]
    responses: Vec<JsonResponse>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct JsonError {
    rule: String,
    message: String,
    line: Option<usize>,
    column: Option<usize>,
}

#[derive(Deserialize)]
struct JsonResponse {
    id: String,
    status: String,
    rules: Vec<JsonRule>,
}

#[derive(Deserialize)]
struct JsonRule {
    id: String,
    status: String,
    reason: Option<String>,
}

fn diff(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let (sa, sb): (BTreeSet<_>, BTreeSet<_>) = (a.iter().collect(), b.iter().collect());
    (
        sa.difference(&sb).map(|s| s.to_string()).collect(),
        sb.difference(&sa).map(|s| s.to_string()).collect(),
    )
}

fn run(a: &Args) -> Result<bool, String> {
    let m = Manifest::read(&a.dir)?;
    let c = Corpus::generate(m.seed, m.rules);
    let mut files = corpus::scenario_files(&a.dir)?;
    if let Some(n) = a.limit {
        files.truncate(n);
    }
    if let Some(id) = &a.dump_input {
        let (_, p) = files
            .iter()
            .find(|(i, _)| i == id)
            .ok_or_else(|| format!("no scenario `{id}`"))?;
        let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
        let sc = NScenario::parse(id, &text)?;
        let v = corpus::rego_input(&sc.view(sc.as_of));
        println!("{}", v.to_json_str().map_err(|e| e.to_string())?);
        return Ok(true);
    }
    let peers = if a.peer.is_empty() {
        vec![Peer::Native]
    } else {
        a.peer.clone()
    };
    let mut ok = true;
    let mut reference: Option<(Peer, Vec<Found>)> = None;
    for &peer in &peers {
        let t = Instant::now();
        let found = evaluate(peer, &a.dir, &c, &files, a.jobs);
        let secs = t.elapsed().as_secs_f64();
        let failed = found.iter().filter(|f| f.is_err()).count();
        eprintln!(
            "{peer:?}: {} scenarios × {} rules in {secs:.3} s on {} threads ({:.1} µs per scenario per thread){}",
            files.len(),
            c.rules.len(),
            a.jobs,
            secs * 1e6 * a.jobs as f64 / files.len().max(1) as f64,
            if failed > 0 {
                format!("; {failed} FAILED to evaluate")
            } else {
                String::new()
            }
        );
        if let Some(Err(e)) = found.iter().find(|f| f.is_err()) {
            eprintln!("  first failure: {e}");
            ok = false;
        }
        match &reference {
            None => reference = Some((peer, found)),
            Some((rp, rf)) => {
                let mut bad = 0;
                for (i, (f, r)) in found.iter().zip(rf).enumerate() {
                    if let (Ok(f), Ok(r)) = (f, r)
                        && f != r
                    {
                        bad += 1;
                        if bad <= a.show {
                            let (fx, rx) = diff(&f.0, &r.0);
                            let (fe, re) = diff(&f.1, &r.1);
                            eprintln!(
                                "  MISMATCH {}: fired only by {peer:?} {fx:?}, only by {rp:?} {rx:?}; errors only by {peer:?} {fe:?}, only by {rp:?} {re:?}",
                                files[i].0
                            );
                        }
                    }
                }
                eprintln!(
                    "  {peer:?} vs {rp:?}: {bad} of {} scenarios differ",
                    files.len()
                );
                ok &= bad == 0;
            }
        }
    }
    if let (Some(path), Some((rp, rf))) = (&a.engine_jsonl, &reference) {
        ok &= compare_jsonl(path, *rp, rf, &files, &c, a.show)?;
    }
    Ok(ok)
}

fn compare_jsonl(
    path: &Path,
    rp: Peer,
    reference: &[Found],
    files: &[(String, PathBuf)],
    c: &Corpus,
    show: usize,
) -> Result<bool, String> {
    let (lines, diagnostics) = read_jsonl(path)?;
    let rule_ix: BTreeMap<&str, usize> = c
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let (mut bad, mut missing, mut errors) = (0, 0, 0);
    for ((id, file), r) in files.iter().zip(reference) {
        let Ok(r) = r else { continue };
        let Some(l) = lines.get(id) else {
            missing += 1;
            continue;
        };
        errors += l.errors.len();
        let mut le: Vec<String> = l.errors.iter().map(|e| e.rule.clone()).collect();
        le.sort();
        let mut lf = l.fired.clone();
        lf.sort();
        if lf == r.0 && le == r.1 {
            continue;
        }
        bad += 1;
        if bad > show {
            continue;
        }
        let (ex, ox) = diff(&lf, &r.0);
        let (ee, oe) = diff(&le, &r.1);
        eprintln!(
            "  MISMATCH {id} ({}) as of {}: fired only by engine {ex:?}, only by {rp:?} {ox:?}; errors only by engine {ee:?}, only by {rp:?} {oe:?}",
            file.display(),
            l.as_of.as_deref().unwrap_or("?")
        );
        let involved: BTreeSet<&String> = ex.iter().chain(&ox).collect();
        for resp in &l.responses {
            if !involved.contains(&resp.id) {
                continue;
            }
            eprintln!("    engine: response {} {}", resp.id, resp.status);
            for v in &resp.rules {
                let t = rule_ix
                    .get(v.id.as_str())
                    .map(|&k| format!("{:?}", c.rules[k].template))
                    .unwrap_or_default();
                eprintln!(
                    "      rule {} {}: {} — {t}",
                    v.id,
                    v.status,
                    v.reason.as_deref().unwrap_or("")
                );
            }
        }
        for e in l.errors.iter().filter(|e| ee.contains(&e.rule)) {
            eprintln!(
                "    engine error {}:{}:{}: {}",
                e.rule,
                e.line.unwrap_or(0),
                e.column.unwrap_or(0),
                e.message
            );
        }
    }
    eprintln!(
        "engine jsonl ({}) vs {rp:?}: {bad} of {} scenarios differ, {missing} missing; {} rule errors reported by the engine, {diagnostics} diagnostics",
        path.display(),
        files.len(),
        errors
    );
    Ok(bad == 0 && missing == 0)
}

/// The engine's JSON Lines output: each scenario's line by id, and how
/// many diagnostics it reported (the first three are printed).
fn read_jsonl(path: &Path) -> Result<(BTreeMap<String, JsonLine>, usize), String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines: BTreeMap<String, JsonLine> = BTreeMap::new();
    let mut diagnostics = 0;
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        let l: JsonLine = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        if l.ty == "diagnostic" {
            diagnostics += 1;
            if diagnostics <= 3 {
                eprintln!(
                    "  engine diagnostic: {}",
                    l.message.as_deref().unwrap_or("?")
                );
            }
            continue;
        }
        if let Some(id) = l.id.clone() {
            lines.insert(id, l);
        }
    }
    Ok((lines, diagnostics))
}
