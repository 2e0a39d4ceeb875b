//! `what-if`: the smallest edits that flip a response — the seed's
//! ceasefire for `new-sanctions`, a deadline for `stronger-sanctions`,
//! the same answer at any `-j`, and bad input refused with its code.

use crate::support::*;

const SEED: &str = "scenarios/istanbul-2025-06-02.toml";

fn texts(found: &serde_json::Value, size: usize) -> Vec<String> {
    found
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["edits"].as_array().map(Vec::len) == Some(size))
        .map(|f| {
            let parts: Vec<&str> = f["edits"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["text"].as_str())
                .collect();
            parts.join(" + ")
        })
        .collect()
}

#[test]
fn a_ceasefire_at_round_2_would_have_made_new_sanctions_quiet() {
    let f = shipped();
    let doc = f
        .run(&[
            "what-if",
            SEED,
            "--response",
            "new-sanctions",
            "--format",
            "json",
        ])
        .code(0)
        .json();
    let w = &doc["what_if"];
    assert_eq!(w["status"], "fires", "{}", pretty(w));
    assert_eq!(w["wanted"], "quiet");
    assert_eq!(w["rule"], "talks/no-result");
    let singles = texts(&w["found"], 1);
    assert!(
        singles
            .iter()
            .any(|t| t == "round-2.outcome.ceasefire = true"),
        "{singles:?}"
    );
    let ceasefire = w["found"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["edits"][0]["text"] == "round-2.outcome.ceasefire = true")
        .cloned()
        .unwrap_or_default();
    assert_eq!(ceasefire["status"], "quiet");
    assert_eq!(ceasefire["rule"], "talks/no-result");
    assert!(
        ceasefire["reason"]
            .as_str()
            .is_some_and(|r| r.contains("agreed a ceasefire")),
        "{}",
        pretty(&ceasefire)
    );
    assert_eq!(ceasefire["edits"][0]["edit"], "set");
    assert_eq!(ceasefire["edits"][0]["field"], "outcome.ceasefire");
    // Dropping round 2 alone leaves round 1, as fruitless: only a pair
    // (round 1 with a breakthrough too) does it, and is listed as a pair.
    assert!(!singles.iter().any(|t| t == "drop round-2"), "{singles:?}");
    let pairs = texts(&w["found"], 2);
    assert!(
        pairs
            .iter()
            .any(|t| t == "drop round-2 + round-1.outcome.breakthrough = true"),
        "{pairs:?}"
    );
    // Text names it with the new reason.
    f.run(&["what-if", SEED, "--response", "new-sanctions"])
        .code(0)
        .stdout_has("    round-2.outcome.ceasefire = true — talks/no-result: round 2 in Istanbul on 2025-06-02 agreed a ceasefire\n");
}

#[test]
fn stronger_sanctions_fire_when_the_exchange_falls_due_the_same_at_any_j() {
    let f = shipped();
    let args = [
        "what-if",
        SEED,
        "--response",
        "stronger-sanctions",
        "--format",
        "json",
    ];
    let out = f.run(&args);
    out.code(0);
    let w = &out.json()["what_if"];
    assert_eq!(w["status"], "quiet");
    assert_eq!(w["wanted"], "fires");
    let found = w["found"].as_array().cloned().unwrap_or_default();
    assert!(!found.is_empty(), "{}", pretty(w));
    let due = found
        .iter()
        .find(|x| x["edits"][0]["text"] == "as_of = 2025-07-02")
        .unwrap_or_else(|| panic!("{}", pretty(w)));
    assert_eq!(due["status"], "fires");
    assert_eq!(due["rule"], "talks/humanitarian-agenda");
    for j in ["1", "2"] {
        let again = f.run(&[&["-j", j][..], &args].concat());
        assert_eq!(again.stdout, out.stdout, "-j {j}");
    }
}

#[test]
fn max_edits_1_tries_no_pairs() {
    let f = shipped();
    let doc = f
        .run(&[
            "what-if",
            SEED,
            "--response",
            "new-sanctions",
            "--max-edits",
            "1",
            "--format",
            "json",
        ])
        .code(0)
        .json();
    let w = &doc["what_if"];
    assert_eq!(w["pairs_tried"], 0);
    assert!(texts(&w["found"], 2).is_empty());
    assert!(w["singles_tried"].as_u64().is_some_and(|n| n > 10));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let f = shipped();
    let doc = f
        .run(&[
            "what-if",
            SEED,
            "--response",
            "new-sanction",
            "--format",
            "json",
        ])
        .code(2)
        .json();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "unknown-response", "{}", pretty(&doc));
    assert_eq!(d["help"], "did you mean `new-sanctions`?");
    assert!(doc["what_if"].is_null());
    f.run(&["what-if", SEED, "--response", "new-sanction"])
        .code(2)
        .stderr_has("no rule fires `new-sanction`");
    f.run(&[
        "what-if",
        SEED,
        "--response",
        "new-sanctions",
        "--max-edits",
        "3",
    ])
    .code(2)
    .stderr_has("--max-edits");
    f.run(&[
        "what-if",
        "scenarios/none.toml",
        "--response",
        "new-sanctions",
    ])
    .code(2);
    f.run(&["what-if", "scenarios/us", "--response", "secondary-tariffs"])
        .code(2)
        .stderr_has("takes one scenario file");
}
