//! `test --coverage`, `--coverage-threshold` and `--watch`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cli_test::junit;
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
fn coverage_names_the_rules_that_errored() {
    let f = fixture();
    f.rule(
        "broken",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    throw \"boom\";\n}\n",
    );
    let out = f.run(&["test", "--coverage"]);
    out.stdout_has("rules: 1 fired somewhere, 1 quiet somewhere, 1 errored, 0 never evaluated")
        .stdout_has("  rules that errored: broken\n");
    // Without one, no such line.
    fixture()
        .run(&["test", "--coverage"])
        .stdout_lacks("rules that errored");
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

#[test]
fn a_coverage_threshold_is_judged_on_the_exact_ratio_not_the_rounded_percent() {
    // 7 of 9 is 77.77…%, shown rounded down as 77.7%.
    let f = fixture();
    f.run(&["test", "--coverage-threshold", "77.75"])
        .code(0)
        .stdout_has("lines: 77.7% (7 of 9)")
        .stdout_lacks("below the threshold");
    f.run(&["test", "--coverage-threshold", "77.78"])
        .code(1)
        .stdout_has("line coverage 77.7% is below the threshold of 77.78%");
}

#[test]
fn junit_shows_a_coverage_threshold_not_met_as_a_failing_testcase() {
    let f = fixture();
    let out = f.run(&["test", "--format", "junit", "--coverage-threshold", "99"]);
    out.code(1);
    let ((tests, failures, errors, _), cases) = junit(&out.stdout);
    assert_eq!((tests, failures, errors), (2, 1, 0), "{}", out.dump());
    let cov = cases
        .iter()
        .find(|c| c.0 == "coverage")
        .unwrap_or_else(|| panic!("no coverage testcase\n{}", out.dump()));
    assert_eq!(cov.1, "sanctions-trigger");
    assert_eq!(cov.2.as_deref(), Some("failure"));
    assert_eq!(
        cov.3.as_deref(),
        Some("line coverage 77.7% is below the threshold of 99%")
    );
    // The description names the uncovered lines.
    out.stdout_has("uncovered: 5");
    // Met: the testcase passes, and the run exits 0.
    let ok = f.run(&["test", "--format", "junit", "--coverage-threshold", "50"]);
    ok.code(0);
    let ((tests, failures, errors, _), cases) = junit(&ok.stdout);
    assert_eq!((tests, failures, errors), (2, 0, 0), "{}", ok.dump());
    assert!(
        cases.iter().any(|c| c.0 == "coverage" && c.2.is_none()),
        "{}",
        ok.dump()
    );
    // Without a threshold there is nothing to judge.
    let plain = f.run(&["test", "--format", "junit", "--coverage"]);
    plain.code(0).stdout_lacks("name=\"coverage\"");
}

#[test]
fn coverage_json_says_whether_the_threshold_was_met() {
    let f = fixture();
    let out = f.run(&["test", "--format", "json", "--coverage-threshold", "99"]);
    let doc = out.code(1).json();
    assert_eq!(doc["coverage"]["threshold"], 99.0, "{}", out.dump());
    assert_eq!(doc["coverage"]["threshold_met"], false, "{}", out.dump());
    let doc = f
        .run(&["test", "--format", "json", "--coverage-threshold", "77.75"])
        .code(0)
        .json();
    assert_eq!(doc["coverage"]["threshold"], 77.75);
    assert_eq!(doc["coverage"]["threshold_met"], true);
    let doc = f
        .run(&["test", "--format", "json", "--coverage"])
        .code(0)
        .json();
    assert_eq!(doc["coverage"]["threshold"], serde_json::Value::Null);
    assert_eq!(doc["coverage"]["threshold_met"], true);
}

/// A `--watch` run whose output is read as it comes.
struct Watching {
    child: std::process::Child,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
}

/// Reads `from` into `into` on a thread, as it comes.
fn drain(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let into = Arc::new(Mutex::new(String::new()));
    let sink = into.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_str(&text);
        }
    });
    into
}

impl Watching {
    fn start(f: &Fixture) -> Watching {
        Watching::start_with(f, &[])
    }

    /// `test --watch` with more arguments.
    fn start_with(f: &Fixture, args: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
            .args(["test", "--watch"])
            .args(args)
            .current_dir(f.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        Watching {
            child,
            out: drain(stdout),
            err: drain(stderr),
        }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn err_text(&self) -> String {
        self.err.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until `needle` occurs `n` times in the output.
    #[track_caller]
    fn wait_for(&self, needle: &str, n: usize) -> String {
        self.wait_in(Watching::text, needle, n)
    }

    /// Waits until `needle` occurs `n` times in the error output.
    #[track_caller]
    fn wait_for_err(&self, needle: &str, n: usize) -> String {
        self.wait_in(Watching::err_text, needle, n)
    }

    #[track_caller]
    fn wait_in(&self, read: fn(&Watching) -> String, needle: &str, n: usize) -> String {
        let start = Instant::now();
        loop {
            let t = read(self);
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

#[test]
fn watch_with_json_keeps_its_own_lines_off_stdout() {
    let f = fixture();
    let w = Watching::start_with(&f, &["--format", "json"]);
    w.wait_for_err("watching rules and scenarios for changes", 1);
    std::thread::sleep(Duration::from_millis(300));
    f.scenario(
        "talks",
        &(TALKS.to_string() + "\n[expect]\nnot_fires = [\"new-sanctions\"]\n"),
    );
    let err = w.wait_for_err("watching rules and scenarios for changes", 2);
    assert!(err.contains("==== re-running ===="), "{err}");
    assert!(err.contains("changed: scenarios/talks.toml"), "{err}");
    // stdout: two JSON documents and nothing else.
    let out = w.text();
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("stdout is not a stream of JSON documents: {e}\n{out}"));
    assert_eq!(docs.len(), 2, "{out}");
    assert_eq!(docs[0]["summary"]["passed"], 1, "{out}");
    assert_eq!(docs[1]["summary"]["failed"], 1, "{out}");
}

#[test]
fn watch_with_junit_keeps_its_own_lines_off_stdout() {
    let f = fixture();
    let w = Watching::start_with(&f, &["--format", "junit"]);
    w.wait_for_err("watching rules and scenarios for changes", 1);
    let out = w.wait_for("</testsuites>", 1);
    let (counts, _) = junit(&out);
    assert_eq!(counts, (1, 0, 0, 0), "{out}");
    assert!(!out.contains("watching"), "{out}");
}

#[test]
fn watch_re_evaluates_a_changed_rule_and_the_rules_chained_on_it_and_keeps_filter_and_verbose() {
    let f = fixture();
    f.rule(
        "chained",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    if fired(\"new-sanctions\") { \"after new sanctions\" } else { quiet(\"none yet\") }\n}\n",
    )
    .scenario(
        "other",
        &(TALKS.to_string() + "\n[expect]\nfires = [\"stronger-sanctions\"]\n"),
    );
    let w = Watching::start_with(&f, &["--filter", "other", "-v"]);
    let t = w.wait_for("watching rules and scenarios for changes", 1);
    assert!(t.contains("test other ... ok"), "{t}");
    assert!(!t.contains("test talks"), "{t}");
    assert!(t.contains("1 passed, 0 failed, 1 filtered out"), "{t}");

    // The rule `chained` reads goes quiet: `chained` must be evaluated
    // again too, and the verbose outcome shows both new verdicts.
    std::thread::sleep(Duration::from_millis(300));
    f.rule(
        "talks/no-result",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { quiet(\"changed\") }\n",
    );
    let t = w.wait_for("watching rules and scenarios for changes", 2);
    let second = t.split("==== re-running ====").nth(1).unwrap_or("");
    assert!(second.contains("test other ... FAILED"), "{t}");
    assert!(second.contains("rule chained quiet: none yet"), "{t}");
    assert!(second.contains("0 passed, 1 failed, 1 filtered out"), "{t}");
    assert!(!second.contains("test talks"), "{t}");

    // And back: both fire again.
    std::thread::sleep(Duration::from_millis(300));
    f.rule("talks/no-result", GOOD_RULE);
    let t = w.wait_for("watching rules and scenarios for changes", 3);
    let third = t.split("==== re-running ====").nth(2).unwrap_or("");
    assert!(third.contains("test other ... ok"), "{t}");
    assert!(
        third.contains("fires: [new-sanctions, stronger-sanctions]"),
        "{t}"
    );
}

#[test]
fn watch_with_coverage_counts_the_lines_of_every_run() {
    let f = fixture();
    let w = Watching::start_with(&f, &["--coverage"]);
    let t = w.wait_for("watching rules and scenarios for changes", 1);
    assert!(t.contains("1 passed, 0 failed"), "{t}");
    assert!(t.to_lowercase().contains("coverage"), "{t}");
    std::thread::sleep(Duration::from_millis(300));
    f.scenario(
        "talks",
        &(TALKS.to_string() + "\n[expect]\nnot_fires = [\"new-sanctions\"]\n"),
    );
    let t = w.wait_for("watching rules and scenarios for changes", 2);
    let second = t.split("==== re-running ====").nth(1).unwrap_or("");
    assert!(second.contains("0 passed, 1 failed"), "{t}");
    assert!(second.to_lowercase().contains("coverage"), "{t}");
}
