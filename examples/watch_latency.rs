//! Measures `test --watch`'s latency: the time from saving a file to the
//! updated summary line, as an author feels it.
//!
//! ```console
//! $ cargo build --release --features cli --example watch_latency
//! $ target/release/examples/watch_latency --out /tmp/lib1000 --saves 30
//! ```
//!
//! generates the 1,000-scenario × 200-rule library of `gen_corpus`
//! (`--rules 200 --scenarios 1000 --events 50 --seed 1`) into `--out`
//! unless it already holds one, starts `sanctions-trigger test --watch`
//! on it (the binary next to this example's folder, or `--bin`), then
//! saves one rule file `--saves` times and one scenario file as many
//! times, each save a new content, waiting for the summary line and the
//! `watching` line after each. It prints the median, p95 and slowest
//! time from the write to the summary line for each kind of save, and
//! restores both files at the end.

#[allow(dead_code)]
mod corpus;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use clap::Parser;

use corpus::Manifest;

#[derive(Parser)]
#[command(about = "Time from a save to test --watch's summary line")]
struct Args {
    /// Library folder (generated there when it has no `rules/`)
    #[arg(long)]
    out: PathBuf,
    /// Saves of each kind
    #[arg(long, default_value_t = 20)]
    saves: usize,
    /// The sanctions-trigger binary [default: next to this example's folder]
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Pass `-q` to `test --watch` (only failures and the summary printed)
    #[arg(long)]
    quiet: bool,
    /// Milliseconds to wait after each run before the next save, so that
    /// saves are not coalesced into one run
    #[arg(long, default_value_t = 150)]
    pause_ms: u64,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("watch_latency: {e}");
            ExitCode::from(2)
        }
    }
}

/// Kills the watcher however the measurement ends.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(a: &Args) -> Result<(), String> {
    if !a.out.join("rules").is_dir() {
        let m = Manifest {
            seed: 1,
            rules: 200,
            scenarios: 1000,
            events: 50,
            days: None,
        };
        eprintln!("{}", corpus::write_corpus(&a.out, m)?);
    }
    let bin = match &a.bin {
        Some(b) => b.clone(),
        None => default_bin()?,
    };
    let rule = first_file(&a.out.join("rules"), "rhai", &["lib"])?;
    let scenario = first_file(&a.out.join("scenarios"), "toml", &[])?;
    let mut cmd = Command::new(&bin);
    cmd.args(["test", "--watch", "--rules", "rules", "scenarios"])
        .current_dir(&a.out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if a.quiet {
        cmd.arg("-q");
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let _watcher = Watcher(child);
    let lines = reader(stdout);
    let start = Instant::now();
    wait_for(&lines, "watching ", Duration::from_secs(120))?;
    eprintln!("first run: {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    let pause = Duration::from_millis(a.pause_ms);
    let mut report = Vec::new();
    for (what, path, comment) in [("rule", &rule, "//"), ("scenario", &scenario, "#")] {
        let original = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let mut times = Vec::with_capacity(a.saves);
        for i in 0..a.saves {
            std::thread::sleep(pause);
            drain(&lines);
            let text = format!("{original}\n{comment} latency save {i}\n");
            let t0 = Instant::now();
            std::fs::write(path, text).map_err(|e| e.to_string())?;
            let at = wait_for(&lines, " passed, ", Duration::from_secs(30))?;
            times.push(at.duration_since(t0));
            wait_for(&lines, "watching ", Duration::from_secs(30))?;
        }
        std::fs::write(path, &original).map_err(|e| e.to_string())?;
        std::thread::sleep(pause);
        report.push((what, times));
    }
    for (what, mut times) in report {
        times.sort();
        println!(
            "{what} save: median {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} saves)",
            ms(percentile(&times, 50)),
            ms(percentile(&times, 95)),
            ms(times.last().copied().unwrap_or_default()),
            times.len()
        );
    }
    Ok(())
}

/// The binary built beside this example: `target/<profile>/sanctions-trigger`.
fn default_bin() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = me
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the target folder")?;
    let bin = dir.join(format!("sanctions-trigger{}", std::env::consts::EXE_SUFFIX));
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("no {} (build it, or pass --bin)", bin.display()))
    }
}

/// The first file with extension `ext` under `dir`, in sorted order,
/// outside the folders named in `skip`.
fn first_file(dir: &Path, ext: &str, skip: &[&str]) -> Result<PathBuf, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() && !skip.contains(&name) {
            if let Ok(f) = first_file(&p, ext, skip) {
                return Ok(f);
            }
        } else if p.extension().is_some_and(|e| e == ext) && name != "responses.toml" {
            return Ok(p);
        }
    }
    Err(format!("no .{ext} file under {}", dir.display()))
}

/// The watcher's stdout, a line at a time, each with the time it arrived.
fn reader(out: impl std::io::Read + Send + 'static) -> Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `needle`: the time it arrived.
fn wait_for(
    lines: &Receiver<(Instant, String)>,
    needle: &str,
    limit: Duration,
) -> Result<Instant, String> {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok((at, line)) if line.contains(needle) => return Ok(at),
            Ok(_) => {}
            Err(_) => return Err(format!("no line with {needle:?} within {limit:?}")),
        }
    }
}

/// Drops lines already read (a run's tail).
fn drain(lines: &Receiver<(Instant, String)>) {
    while lines.try_recv().is_ok() {}
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
