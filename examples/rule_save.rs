//! Times (and, under callgrind, counts the instructions of) the update
//! path of a rule save through the library's incremental engine alone —
//! no file watcher, no printing thread, no debounce — so that a change to
//! that path can be measured on a busy machine.
//!
//! ```console
//! $ cargo build --release --example rule_save
//! $ target/release/examples/rule_save /tmp/lib1000 5
//! ```
//!
//! loads the library at the first argument (`rules/` and `scenarios/`, as
//! `watch_latency` generates it), tests every scenario once, then saves
//! the first rule file (`rules/diplomatic/rule-002.rhai`) as many times as
//! the second argument says (default 5), each time with a new comment
//! line, and after each save runs what `test --watch` runs: `update_touched`
//! with the saved path, then `test` of the affected scenarios. It prints
//! each save's time and the pass/fail count, and restores the file. The
//! kept worker that `test --watch` compiles while it waits for the next
//! save (`Incremental::prepare`) is not made again between saves: that is
//! idle time, not latency.
//!
//! Under `valgrind --tool=callgrind`, the instructions of the saves alone
//! are the difference between a run with N saves and one with 0, divided
//! by N.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use sanctions_trigger::eval::WorkerOptions;
use sanctions_trigger::incremental::{Incremental, normal};
use sanctions_trigger::suite::TestStatus;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(lib) = args.next().map(PathBuf::from) else {
        eprintln!("usage: rule_save LIBRARY [SAVES] [JOBS]");
        return ExitCode::from(2);
    };
    let saves: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let jobs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    let rule = lib.join("rules/diplomatic/rule-002.rhai");
    let Ok(original) = std::fs::read_to_string(&rule) else {
        eprintln!("rule_save: cannot read {}", rule.display());
        return ExitCode::from(2);
    };
    let mut inc = Incremental::new(
        &lib.join("rules"),
        &[lib.join("scenarios")],
        WorkerOptions::default(),
        jobs,
    );
    let all = inc.all();
    let (mut passed, mut failed) = (0, 0);
    inc.test(&all, |r| match r.status {
        TestStatus::Passed => passed += 1,
        _ => failed += 1,
    });
    println!("first run: {passed} passed, {failed} other");
    inc.prepare();
    let touched: BTreeSet<PathBuf> = [normal(&rule)].into();
    for n in 0..saves {
        let text = format!("{original}// save {n}\n");
        if let Err(e) = std::fs::write(&rule, text) {
            eprintln!("rule_save: cannot write {}: {e}", rule.display());
            return ExitCode::from(2);
        }
        let start = Instant::now();
        let changes = inc.update_touched(&touched);
        let (mut passed, mut failed) = (0, 0);
        inc.test(&changes.affected, |r| match r.status {
            TestStatus::Passed => passed += 1,
            _ => failed += 1,
        });
        let took = start.elapsed();
        println!(
            "save {n}: {:.1} ms, {passed} passed, {failed} other",
            took.as_secs_f64() * 1e3
        );
    }
    if let Err(e) = std::fs::write(&rule, original) {
        eprintln!("rule_save: cannot restore {}: {e}", rule.display());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
