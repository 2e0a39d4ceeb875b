//! Generates a synthetic corpus for benchmarks and differential testing:
//!
//! ```console
//! $ cargo run --release --example gen_corpus -- --rules 200 --scenarios 10000 --events 50 --seed 1 --out DIR
//! ```
//!
//! writes `DIR/rules/**/*.rhai` (plus `rules/lib/common.rhai`),
//! `DIR/rules/responses.toml`, `DIR/scenarios/*.toml` (each with an
//! `[expect]` taken from the native oracle), `DIR/policy.rego` (the same rules
//! in Rego), `DIR/expected.jsonl` (per scenario: the responses that fire and
//! the rules that error, by the native oracle) and `DIR/corpus.json` (the
//! parameters, which `check_corpus` reads). Output depends only on the
//! parameters.
//!
//! One big scenario, for memory and `timeline` measurements (100,000
//! events, the most a scenario may have, over about eight years):
//!
//! ```console
//! $ cargo run --release --example gen_corpus -- --rules 200 --scenarios 1 --events 100000 --days 3000 --out DIR
//! ```

#[allow(dead_code)]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use corpus::Manifest;

#[derive(Parser)]
#[command(about = "Generate a synthetic rules + scenarios corpus")]
struct Args {
    /// Number of rules (responses: rules / 5)
    #[arg(long, default_value_t = 200)]
    rules: usize,
    /// Number of scenarios
    #[arg(long, default_value_t = 1000)]
    scenarios: usize,
    /// Events per scenario
    #[arg(long, default_value_t = 50)]
    events: usize,
    /// Spread each scenario's events evenly over this many days (default:
    /// 0 to 8 days apart). One big scenario that `timeline` can replay:
    /// `--scenarios 1 --events 100000 --days 3000` (about 15 MB)
    #[arg(long)]
    days: Option<u32>,
    /// PRNG seed
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (its `rules/` and `scenarios/` are replaced)
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(a: &Args) -> Result<(), String> {
    let m = Manifest {
        seed: a.seed,
        rules: a.rules,
        scenarios: a.scenarios,
        events: a.events,
        days: a.days,
    };
    let summary = corpus::write_corpus(&a.out, m)?;
    eprintln!("{summary}");
    Ok(())
}
