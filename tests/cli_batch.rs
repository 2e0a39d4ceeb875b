//! Batch runs: scenarios as JSON Lines on standard input, streamed output,
//! and `--shard I/N`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::*;

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE).rule(
        "drones",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) { s.events(\"strike\").some(|e| e.drones > 300) }\n",
    );
    f
}

fn json_scenario(id: &str, drones: u32) -> String {
    format!(
        r#"{{"scenario": {{"id": "{id}", "title": "T", "as_of": "2025-06-02"}}, "facts": {{"deadline": {{"$date": "2025-08-08"}}}}, "events": [{{"kind": "strike", "date": "2025-06-01", "drones": {drones}}}]}}"#
    )
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn scenarios_on_standard_input_are_judged_in_order_and_a_bad_line_is_a_diagnostic() {
    let f = fixture();
    let input = format!(
        "{}\n\n{{\"scenario\": {{\"title\": null}}}}\n{}\n",
        json_scenario("a", 100),
        json_scenario("b", 400)
    );
    let out = f.run_stdin(&["run", "-", "--format", "jsonl"], &input);
    out.code(2);
    let ls = lines(&out.stdout);
    assert_eq!(ls.len(), 3, "{}", out.dump());
    assert_eq!(ls[0]["id"], "a");
    assert_eq!(ls[0]["file"], "<stdin>:1");
    assert_eq!(ls[0]["fired"], serde_json::json!(["new-sanctions"]));
    assert_eq!(ls[1]["type"], "diagnostic");
    assert_eq!(ls[1]["file"], "<stdin>");
    assert_eq!(ls[1]["line"], 3);
    assert!(
        ls[1]["message"]
            .as_str()
            .unwrap()
            .contains("null at `scenario.title`")
    );
    assert_eq!(ls[2]["id"], "b");
    assert_eq!(
        ls[2]["fired"],
        serde_json::json!(["new-sanctions", "stronger-sanctions"])
    );
}

#[test]
fn a_json_scenario_judges_like_the_toml_file_it_stands_for() {
    let f = fixture();
    f.scenario("talks", TALKS);
    let toml = f
        .run(&["run", "scenarios/talks.toml", "--format", "json"])
        .json();
    let json_line = r#"{"scenario": {"id": "talks", "title": "Talks", "as_of": "2025-06-02"}, "events": [
        {"id": "strike-1", "kind": "strike", "date": "2025-06-01", "by": "RU", "drones": 250},
        {"id": "round-2", "kind": "talks", "date": "2025-06-02", "round": 2, "location": "Istanbul", "outcome": {"ceasefire": false, "breakthrough": false}}]}"#
        .replace('\n', "");
    let out = f.run_stdin(&["run", "-", "--format", "jsonl"], &json_line);
    out.code(0);
    let from_json = &lines(&out.stdout)[0];
    let from_toml = &toml["scenarios"][0];
    assert_eq!(from_json["fired"], from_toml["fired"]);
    assert_eq!(from_json["responses"], from_toml["responses"]);
}

#[test]
fn standard_input_cannot_be_mixed_with_paths() {
    let f = fixture();
    f.run_stdin(&["run", "-", "scenarios"], "")
        .code(2)
        .stderr_has("cannot be mixed");
}

#[test]
fn jsonl_output_streams_before_standard_input_ends() {
    let f = fixture();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
        .args(["run", "-", "--format", "jsonl", "-j", "1"])
        .current_dir(f.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    writeln!(stdin, "{}", json_scenario("first", 100)).unwrap();
    stdin.flush().unwrap();
    // The first result arrives while standard input is still open.
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["id"], "first");
    writeln!(stdin, "{}", json_scenario("second", 400)).unwrap();
    drop(stdin);
    line.clear();
    stdout.read_line(&mut line).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["id"], "second");
    assert!(child.wait().unwrap().success());
}

#[test]
fn shards_together_are_the_unsharded_run() {
    let f = fixture();
    for i in 0..10 {
        f.scenario(
            &format!("s{i:02}"),
            &TALKS.replace("drones = 250", &format!("drones = {}", 100 * i)),
        );
    }
    let whole = f.run(&["run", "scenarios", "--format", "jsonl"]);
    whole.code(0);
    let mut parts = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = f.run(&["run", "scenarios", "--format", "jsonl", "--shard", &shard]);
        out.code(0);
        let n = out.stdout.lines().count();
        assert!((3..=4).contains(&n), "shard {shard} has {n} scenarios");
        parts.extend(out.stdout.lines().map(str::to_string));
    }
    let mut whole_lines: Vec<String> = whole.stdout.lines().map(str::to_string).collect();
    whole_lines.sort();
    parts.sort();
    assert_eq!(parts, whole_lines);
    // Standard input shards by line.
    let input: String = (0..5)
        .map(|i| json_scenario(&format!("j{i}"), 50) + "\n")
        .collect();
    let out = f.run_stdin(&["run", "-", "--format", "jsonl", "--shard", "2/2"], &input);
    let ids: Vec<Value> = lines(&out.stdout).iter().map(|l| l["id"].clone()).collect();
    assert_eq!(ids, vec![Value::from("j1"), Value::from("j3")]);
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    let f = fixture();
    for bad in ["0/3", "4/3", "x"] {
        f.run(&["run", "scenarios", "--shard", bad])
            .code(2)
            .stderr_has("write I/N with I from 1 to N");
    }
}

#[test]
fn a_byte_order_mark_before_the_first_line_is_allowed() {
    let f = fixture();
    let out = f.run_stdin(
        &["run", "-", "--format", "jsonl"],
        &format!("\u{feff}{}\n", json_scenario("bom", 100)),
    );
    out.code(0);
    assert_eq!(lines(&out.stdout)[0]["id"], "bom");
}

#[test]
fn test_refuses_standard_input_and_a_bad_date_is_named() {
    let f = fixture();
    f.run_stdin(&["test", "-"], "")
        .code(2)
        .stderr_has("standard input (`-`) is for `run`");
    f.run(&["run", "scenarios", "--as-of", "2025-02-30"])
        .code(2)
        .stderr_has("`2025-02-30` is not a calendar date written YYYY-MM-DD");
}
