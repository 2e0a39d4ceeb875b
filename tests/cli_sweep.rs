//! `sweep`: a scenario evaluated over one or two parameters — the shipped
//! ultimatum's flip points, a grid, CSV that parses, output that does not
//! depend on `-j`, and every kind of bad spec refused with its code.

use crate::support::*;

const ORIGINAL: &str = "scenarios/us/ultimatum-original-deadline.toml";

/// The 50-day ultimatum of 2025-07-14, judged 2025-09-03: the deadline
/// has passed (secondary tariffs fire) for 50 days or fewer, not for 51.
#[test]
fn the_ultimatum_flips_where_its_deadline_passes_the_judgement_date() {
    let f = shipped();
    let out = f.run(&["sweep", ORIGINAL, "--vary", "ultimatum-50-days.days=40..60"]);
    out.code(0)
        .stdout_has("  secondary-tariffs: fires when ultimatum-50-days.days <= 50, quiet from 51\n")
        .stdout_has("unchanged: ");
    let doc = f
        .run(&[
            "sweep",
            ORIGINAL,
            "--vary",
            "ultimatum-50-days.days=40..60",
            "--format",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(doc["format_version"], 1);
    let s = &doc["sweep"];
    assert_eq!(s["parameters"][0]["name"], "ultimatum-50-days.days");
    assert_eq!(s["points"].as_array().map(Vec::len), Some(21));
    let flips: Vec<&serde_json::Value> = s["flips"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|x| x["response"] == "secondary-tariffs")
        .collect();
    assert_eq!(flips.len(), 1, "{}", pretty(s));
    assert_eq!(flips[0]["from"]["value"], 50);
    assert_eq!(flips[0]["from"]["status"], "fires");
    assert_eq!(flips[0]["to"]["value"], 51);
    assert_eq!(flips[0]["to"]["status"], "quiet");
    // The point at 50 fires, the one at 51 does not.
    let at = |n: i64| {
        s["points"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["values"][0] == n)
            .map(|p| p["fired"].clone())
    };
    assert_eq!(at(50), Some(serde_json::json!(["secondary-tariffs"])));
    assert_eq!(at(51), Some(serde_json::json!([])));
}

#[test]
fn the_judgement_date_and_an_event_date_move() {
    let f = shipped();
    f.run(&[
        "sweep",
        "scenarios/us/ultimatum-2025.toml",
        "--vary",
        "as_of=2025-07-20..2025-08-20",
    ])
    .code(0)
    .stdout_has("secondary-tariffs: fires when as_of >= 2025-08-09, quiet up to 2025-08-08");
    // The amendment moved a week later pushes the deadline a week later.
    f.run(&[
        "sweep",
        "scenarios/us/ultimatum-2025.toml",
        "--vary",
        "ultimatum-amended.deadline=2025-09-25..2025-10-05",
    ])
    .code(0)
    .stdout_has("secondary-tariffs: fires when ultimatum-amended.deadline <= 2025-09-29, quiet from 2025-09-30");
    // Without round 2, round 1 is the latest round: still fruitless.
    f.run(&[
        "sweep",
        "scenarios/istanbul-2025-06-02.toml",
        "--vary",
        "round-2=present|absent",
    ])
    .code(0)
    .stdout_has("new-sanctions (fires)");
}

#[test]
fn two_parameters_make_a_grid_and_csv_has_a_row_per_point() {
    let f = shipped();
    let args = [
        "sweep",
        ORIGINAL,
        "--vary",
        "ultimatum-50-days.days=30..70:4",
        "--vary",
        "as_of=2025-08-15..2025-09-30:2d",
    ];
    let out = f.run(&args);
    out.code(0).stdout_has(
        "  secondary-tariffs (# fires, . quiet, ! error): rows ultimatum-50-days.days 30..70, columns as_of 2025-08-15..2025-09-30\n",
    );
    // 30 days from 2025-07-14 is 2025-08-13: fires on every column.
    out.stdout_has(&format!("    30  {}\n", "#".repeat(24)));
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let csv = f.run(&csv_args);
    csv.code(0);
    let mut r = csv::Reader::from_reader(csv.stdout.as_bytes());
    let header = r.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    assert_eq!(&header[0], "ultimatum-50-days.days");
    assert_eq!(&header[1], "as_of");
    let col = header
        .iter()
        .position(|h| h == "secondary-tariffs")
        .unwrap_or_else(|| panic!("{header:?}"));
    let rows: Vec<csv::StringRecord> = r
        .records()
        .map(|x| x.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(rows.len(), 11 * 24);
    // 50 days: 2025-09-02, passed from 2025-09-03 on.
    let row = |days: &str, d: &str| {
        rows.iter()
            .find(|x| &x[0] == days && &x[1] == d)
            .map(|x| x[col].to_string())
    };
    assert_eq!(row("50", "2025-09-02").as_deref(), Some("quiet"));
    assert_eq!(row("50", "2025-09-04").as_deref(), Some("fires"));
    // The same bytes on one thread and on two.
    let one = f.run(&[&["-j", "1"][..], &csv_args].concat());
    let two = f.run(&[&["-j", "2"][..], &csv_args].concat());
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, csv.stdout);
}

#[test]
fn a_hundred_by_hundred_grid_is_allowed_and_more_is_refused() {
    let f = shipped();
    let out = f.run(&[
        "sweep",
        ORIGINAL,
        "--vary",
        "ultimatum-50-days.days=1..100",
        "--vary",
        "as_of=2025-07-01..2025-10-08",
        "--format",
        "csv",
    ]);
    out.code(0);
    assert_eq!(out.stdout.lines().count(), 1 + 100 * 100);
    let doc = f
        .run(&[
            "sweep",
            ORIGINAL,
            "--vary",
            "ultimatum-50-days.days=1..500",
            "--vary",
            "as_of=2025-07-01..2025-10-08",
            "--format",
            "json",
        ])
        .code(2)
        .json();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "too-many-points", "{}", pretty(&doc));
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("500 × 100 = 50000 points"))
    );
    assert!(doc["sweep"].is_null());
}

#[test]
fn bad_specs_are_clear_errors_with_codes_and_exit_2() {
    let f = shipped();
    for (spec, code, text) in [
        (
            "ultimatum-50-day.days=1..5",
            "edit-unknown-event",
            "did you mean `ultimatum-50-days`?",
        ),
        (
            "ultimatum-50-days.text=1..5",
            "edit-field-type",
            "is a string, not a number",
        ),
        (
            "ultimatum-50-days.days=5..1",
            "invalid-vary-spec",
            "the range is empty",
        ),
        (
            "as_of=2025-09-01..2025-08-01",
            "invalid-vary-spec",
            "the dates are reversed",
        ),
        (
            "ultimatum-50-days.days=1..5:0",
            "invalid-vary-spec",
            "the step is 0",
        ),
        (
            "ultimatum-50-days.days",
            "invalid-vary-spec",
            "there is no `=`",
        ),
        (
            "ultimatum-50-days.days=0..1000000",
            "too-many-points",
            "more than a sweep evaluates",
        ),
    ] {
        let out = f.run(&["sweep", ORIGINAL, "--vary", spec]);
        out.code(2).stderr_has(text);
        assert!(out.stdout.is_empty(), "{spec}: {}", out.dump());
        let doc = f
            .run(&["sweep", ORIGINAL, "--vary", spec, "--format", "json"])
            .code(2)
            .json();
        assert_eq!(
            doc["diagnostics"][0]["code"],
            code,
            "{spec}: {}",
            pretty(&doc)
        );
    }
    // The non-numeric field is reported at its event's line.
    let doc = f
        .run(&[
            "sweep",
            ORIGINAL,
            "--vary",
            "ultimatum-50-days.text=1..5",
            "--format",
            "json",
        ])
        .json();
    let d = &doc["diagnostics"][0];
    assert_eq!(
        d["file"],
        "scenarios/us/ultimatum-2025.toml",
        "{}",
        pretty(d)
    );
    assert!(d["line"].as_u64().is_some_and(|l| l > 1));
    // A missing scenario is an error too, not a panic.
    f.run(&[
        "sweep",
        "scenarios/none.toml",
        "--vary",
        "as_of=2025-01-01..2025-01-02",
    ])
    .code(2);
}
