//! `test --coverage`, `--coverage-threshold` and `--watch`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

/// Two rules: `talks/no-result` always fires (never quiet); `summit` has
/// a branch no scenario takes (line 5) and fires only with a proposal.
/// `lib/util` has one function no rule calls (line 5).
fn fixture() -> Fixture {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE)
        .rule(
            "summit",
            "import \"lib/util\" as util;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    if s.count(\"never-happens\") > 0 {\n        return \"impossible\";\n    }\n    if util::proposed(s) { true } else { quiet(\"no summit offered\") }\n}\n",
        )
        .write(
            "rules/lib/util.rhai",
            "fn proposed(s) {\n    s.count(\"summit-proposal\") > 0\n}\nfn unused(s) {\n    42\n}\n",
        )
        .scenario("talks", &(TALKS.to_string() + "\n[expect]\nfires = [\"new-sanctions\"]\n"));
    f
}

#[test]
fn coverage_names_rules_responses_and_lines_no_scenario_reaches() {
    let f = fixture();
    let out = f.run(&["test", "--coverage"]);
    out.code(0)
        .stdout_has("1 passed, 0 failed")
        .stdout_has("rules: 1 fired somewhere, 1 quiet somewhere, 0 errored, 0 never evaluated")
        .stdout_has("rules never fired: summit")
        .stdout_has("rules never quiet: talks/no-result")
        .stdout_has("responses never fired: leaders-summit, sanctions-relief, stronger-sanctions")
        .stdout_has("lines: 77.7% (7 of 9)");
    let line = |file: &str| {
        out.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(file))
            .unwrap_or_else(|| panic!("no line for {file}\n{}", out.dump()))
            .to_string()
    };
    assert!(
        line("rules/summit.rhai").ends_with("uncovered: 5"),
        "{}",
        out.dump()
    );
    assert!(
        line("rules/lib/util.rhai").ends_with("uncovered: 5"),
        "{}",
        out.dump()
    );
    assert!(
        line("rules/talks/no-result.rhai").ends_with("100.0%"),
        "{}",
        out.dump()
    );
}

#[test]
fn coverage_json_has_rule_tallies_and_uncovered_lines() {
    let f = fixture();
    let doc = f.run(&["test", "--coverage", "--format", "json"]).json();
    let c = &doc["coverage"];
    assert_eq!(c["rules"]["summit"]["quiet"], 1, "{c:#}");
    assert_eq!(c["rules"]["summit"]["fired"], 0);
    assert_eq!(c["rules"]["talks/no-result"]["fired"], 1);
    assert_eq!(c["responses"]["new-sanctions"], 1);
    assert_eq!(c["responses"]["leaders-summit"], 0);
    let files = c["lines"]["files"].as_array().unwrap();
    let util = files
        .iter()
        .find(|f| {
            f["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("lib/util.rhai"))
        })
        .unwrap_or_else(|| panic!("no util in {c:#}"));
    assert_eq!(util["uncovered"], serde_json::json!([5]));
    assert_eq!(util["total"], 2);
    let pct = c["lines"]["percent"].as_f64().unwrap();
    assert!(pct > 50.0 && pct < 100.0, "{pct}");
    // Without the flag there is no coverage object.
    let plain = f.run(&["test", "--format", "json"]).json();
    assert!(plain.get("coverage").is_none());
}

#[test]
fn a_coverage_threshold_above_the_measure_exits_1() {
    let f = fixture();
    f.run(&["test", "--coverage-threshold", "99"])
        .code(1)
        .stdout_has("is below the threshold of 99%");
    f.run(&["test", "--coverage-threshold", "10%"]).code(0);
    f.run(&["test", "--coverage-threshold", "abc"])
        .code(2)
        .stderr_has("`abc` is not a percentage from 0 to 100");
    f.run(&["test", "--coverage-threshold", "101"]).code(2);
}

/// A `--watch` run whose output is read as it comes.
struct Watching {
    child: std::process::Child,
    out: Arc<Mutex<String>>,
}

impl Watching {
    fn start(f: &Fixture) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
            .args(["test", "--watch"])
            .current_dir(f.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start: {e}"));
        let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let out = Arc::new(Mutex::new(String::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&text);
            }
        });
        Watching { child, out }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until `needle` occurs `n` times in the output.
    #[track_caller]
    fn wait_for(&self, needle: &str, n: usize) -> String {
        let start = Instant::now();
        loop {
            let t = self.text();
            if t.matches(needle).count() >= n {
                return t;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited 20 s for {n} × {needle:?}; output:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_reruns_everything_after_a_rule_change_and_only_affected_scenarios_after_a_scenario_change()
{
    let f = fixture();
    f.scenario("other", &(TALKS.to_string() + "\n[expect]\nfires = [\"new-sanctions\"]\n"))
        .scenario(
            "variant",
            "[scenario]\nextends = \"talks.toml\"\ntitle = \"Variant\"\n\n[expect]\nfires = [\"new-sanctions\"]\n",
        );
    let w = Watching::start(&f);
    w.wait_for("watching rules and scenarios for changes", 1);
    assert!(w.text().contains("3 passed, 0 failed"), "{}", w.text());

    // A rule change: every scenario again, now failing.
    std::thread::sleep(Duration::from_millis(300));
    f.rule(
        "talks/no-result",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { quiet(\"changed\") }\n",
    );
    let t = w.wait_for("watching rules and scenarios for changes", 2);
    let second = t.split("==== re-running ====").nth(1).unwrap_or("");
    assert!(
        second.contains("changed: rules/talks/no-result.rhai"),
        "{t}"
    );
    assert!(second.contains("0 passed, 3 failed"), "{t}");

    // A scenario change: that scenario and its variant, not `other`.
    std::thread::sleep(Duration::from_millis(300));
    f.scenario(
        "talks",
        &(TALKS.to_string() + "\n[expect]\nnot_fires = [\"new-sanctions\"]\n"),
    );
    let t = w.wait_for("watching rules and scenarios for changes", 3);
    let third = t.split("==== re-running ====").nth(2).unwrap_or("");
    assert!(third.contains("changed: scenarios/talks.toml"), "{t}");
    assert!(third.contains("test talks ... ok"), "{t}");
    assert!(third.contains("test variant ... FAILED"), "{t}");
    assert!(!third.contains("test other"), "{t}");
    assert!(third.contains("1 passed, 1 failed"), "{t}");
}
