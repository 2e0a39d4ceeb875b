//! `test --bless`: expectations rewritten to match the current outcome,
//! everything else in the file kept byte for byte, only named files touched.

use crate::support::*;

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.rule("talks/no-result", GOOD_RULE)
        .rule(
            "summit",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    if s.count(\"summit-proposal\") > 0 { true } else { quiet(\"no summit offered\") }\n}\n",
        )
        .rule(
            "relief",
            "const RESPONSE = \"sanctions-relief\";\nfn fires(s) { quiet(\"no deal\") }\n",
        );
    f
}

/// A scenario with comments everywhere and wrong expectations of every kind.
const WRONG: &str = r#"# A comment before everything.
[scenario]
title = "Talks"   # trailing comment
as_of = 2025-06-10

# The strike.
[[events]]
kind = "strike"
date = 2025-06-01
drones = 250

[[events]]
kind = "summit-proposal"   # Erdogan's offer
date = 2025-06-05

# Expectations follow.
[expect]
fires = ["new-sanctions", "sanctions-relief"]  # relief is wrong
not_fires = ["leaders-summit"]
exactly = ["new-sanctions"]

[expect.rules]
fire = ["relief"]
quiet = ["summit"]

# Before the offer.
[[expect.at]]
date = 2025-06-02
exactly = ["leaders-summit", "new-sanctions"]

[expect.first_fire]
leaders-summit = 2025-06-01 # wrong day
"#;

fn read(f: &Fixture, rel: &str) -> String {
    let p = f.path().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

#[test]
fn bless_fixes_every_kind_of_expectation_and_keeps_comments() {
    let f = fixture();
    f.scenario("wrong", WRONG);
    f.run(&["test", "scenarios/wrong.toml"]).code(1);
    let out = f.run(&["test", "--bless", "scenarios/wrong.toml"]);
    out.code(0)
        .stdout_has("blessed scenarios/wrong.toml:")
        .stdout_has("`sanctions-relief`: fires → not_fires")
        .stdout_has("`leaders-summit`: not_fires → fires")
        .stdout_has("exactly: [new-sanctions] → [leaders-summit, new-sanctions]")
        .stdout_has("rules.`relief`: fire → quiet")
        .stdout_has("rules.`summit`: quiet → fire")
        .stdout_has("at 2025-06-02: exactly: [leaders-summit, new-sanctions] → [new-sanctions]")
        .stdout_has("first_fire `leaders-summit`: 2025-06-01 → 2025-06-05")
        .stdout_has("1 passed, 0 failed");
    let text = read(&f, "scenarios/wrong.toml");
    // Everything before [expect] is byte-identical.
    let cut = WRONG.find("[expect]").unwrap();
    assert_eq!(&text[..cut], &WRONG[..cut]);
    for comment in [
        "# relief is wrong",
        "# Before the offer.",
        "# wrong day",
        "# Expectations follow.",
    ] {
        assert!(text.contains(comment), "lost {comment:?}:\n{text}");
    }
    f.run(&["test", "scenarios/wrong.toml"]).code(0);
    // A second bless has nothing to do and leaves the bytes alone.
    f.run(&["test", "--bless", "scenarios/wrong.toml"])
        .code(0)
        .stdout_has("scenarios/wrong.toml: expectations already match");
    assert_eq!(read(&f, "scenarios/wrong.toml"), text);
}

#[test]
fn a_scenario_without_expectations_gains_exactly() {
    let f = fixture();
    f.scenario("silent", TALKS);
    f.run(&["test", "--bless", "scenarios/silent.toml"])
        .code(0)
        .stdout_has("added exactly = [\"new-sanctions\"]");
    // One blank line between the events and the new table: added after
    // a file ending in one line break, not after one ending in a blank line.
    let added = "\n[expect]\nexactly = [\"new-sanctions\"]\n";
    assert_eq!(read(&f, "scenarios/silent.toml"), format!("{TALKS}{added}"));
    f.scenario("spaced", &format!("{TALKS}\n"));
    f.run(&["test", "--bless", "scenarios/spaced.toml"]).code(0);
    // (the file's own blank line stays at its end)
    assert_eq!(
        read(&f, "scenarios/spaced.toml"),
        format!("{TALKS}{added}\n")
    );
}

#[test]
fn only_named_files_are_touched_and_folders_are_refused() {
    let f = fixture();
    let wrong_a = TALKS.to_string() + "\n[expect]\nexactly = []\n";
    f.scenario("a", &wrong_a).scenario("b", &wrong_a);
    f.run(&["test", "--bless", "scenarios"])
        .code(2)
        .stderr_has("`scenarios` is a folder");
    assert_eq!(read(&f, "scenarios/a.toml"), wrong_a);
    f.run(&["test", "--bless", "scenarios/a.toml"]).code(0);
    assert_ne!(read(&f, "scenarios/a.toml"), wrong_a);
    assert_eq!(read(&f, "scenarios/b.toml"), wrong_a);
    f.run(&["test", "--bless"]).code(2).stderr_has("required");
}

#[test]
fn a_scenario_whose_rules_error_is_not_blessed() {
    let f = fixture();
    f.rule(
        "broken",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) { s.latest(\"strike\").nope }\n",
    );
    let text = TALKS.to_string() + "\n[expect]\nexactly = []\n";
    f.scenario("a", &text);
    f.run(&["test", "--bless", "scenarios/a.toml"])
        .code(2)
        .stderr_has("scenarios/a.toml: not blessed: a rule errored")
        .stderr_has("rules/broken.rhai:2:33")
        // The tests still run, so the user sees where the file stands.
        .stdout_has("test a ... ");
    assert_eq!(read(&f, "scenarios/a.toml"), text);
}

#[test]
fn an_unknown_response_in_expectations_is_not_blessed() {
    let f = fixture();
    let text = TALKS.to_string() + "\n[expect]\nfires = [\"new-sanction\"]\n";
    f.scenario("a", &text);
    f.run(&["test", "--bless", "scenarios/a.toml"])
        .code(2)
        .stderr_has("unknown response `new-sanction`");
    assert_eq!(read(&f, "scenarios/a.toml"), text);
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_kept() {
    let f = fixture();
    let text = format!(
        "\u{feff}{}",
        (TALKS.to_string() + "\n[expect]\nexactly = []\n").replace('\n', "\r\n")
    );
    f.scenario("a", &text);
    f.run(&["test", "--bless", "scenarios/a.toml"]).code(0);
    let got = read(&f, "scenarios/a.toml");
    assert!(got.starts_with('\u{feff}'), "lost the BOM");
    let cut = text.find("[expect]").unwrap();
    assert_eq!(&got[..cut], &text[..cut]);
    assert!(got.contains("exactly = [\"new-sanctions\"]"), "{got}");
    f.run(&["test", "scenarios/a.toml"]).code(0);
}

/// A crash after the new text is written and before it replaces the file
/// (forced through a test hook, which only debug builds have) leaves the
/// original intact.
#[cfg(all(unix, debug_assertions))]
#[test]
fn a_bless_that_crashes_mid_write_leaves_the_original_intact() {
    use std::process::Command;

    let f = fixture();
    let text = TALKS.to_string() + "\n# keep\n[expect]\nexactly = []\n";
    f.scenario("a", &text);
    let out = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
        .args(["test", "--bless", "scenarios/a.toml"])
        .current_dir(f.path())
        .env("SANCTIONS_TRIGGER_CRASH_BEFORE_RENAME", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the hook did not crash the process");
    assert_eq!(read(&f, "scenarios/a.toml"), text);
    // The new text had been written, to a temporary file beside it, which
    // scenario discovery skips (its name starts with a dot).
    let temps: Vec<String> = std::fs::read_dir(f.path().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".sanctions-trigger-"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    let temp = read(&f, &format!("scenarios/{}", temps[0]));
    assert!(temp.contains("exactly = [\"new-sanctions\"]"), "{temp}");
    f.run(&["test", "scenarios"]).code(1).stdout_has("1 failed");
}

#[test]
fn a_multi_line_list_is_laid_out_again_after_an_item_moves() {
    let f = fixture();
    let text = TALKS.to_string()
        + "\n[expect]\nfires = [\n    \"new-sanctions\",\n    \"leaders-summit\",\n]\n";
    f.scenario("a", &text);
    f.run(&["test", "--bless", "scenarios/a.toml"]).code(0);
    let got = read(&f, "scenarios/a.toml");
    assert!(got.contains("fires = [\"new-sanctions\"]\n"), "{got}");
    assert!(got.contains("not_fires = [\"leaders-summit\"]"), "{got}");
}

#[test]
fn bless_output_does_not_open_with_a_blank_line() {
    let f = fixture();
    f.rule(
        "escalation",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) { s.latest(\"strike\").nope }\n",
    );
    f.scenario("a", &(TALKS.to_string() + "\n[expect]\nexactly = []\n"));
    let out = f.run(&["test", "--bless", "scenarios/a.toml"]);
    out.code(2).stderr_has("not blessed");
    assert!(!out.stdout.starts_with('\n'), "{}", out.dump());
}

#[test]
fn a_refused_bless_runs_nothing() {
    let f = fixture();
    let wrong = TALKS.to_string() + "\n[expect]\nexactly = []\n";
    f.scenario("a", &wrong);
    for args in [
        &["test", "--bless", "scenarios"][..],
        &["test", "--bless", "--dry-run", "scenarios"],
        &["test", "--bless", "scenarios/missing.toml"],
    ] {
        let out = f.run(args);
        out.code(2);
        assert_eq!(
            out.stdout,
            "",
            "nothing runs after a refusal\n{}",
            out.dump()
        );
        assert!(!out.stderr.contains("passed"), "{}", out.dump());
    }
    f.run(&["test", "--bless", "scenarios"])
        .stderr_has("`scenarios` is a folder");
    assert_eq!(read(&f, "scenarios/a.toml"), wrong);
}

#[test]
fn dry_run_shows_a_unified_diff_and_writes_nothing() {
    let f = fixture();
    let wrong = TALKS.to_string() + "\n[expect]\nexactly = []\n";
    f.scenario("a", &wrong).scenario("b", &wrong);
    let out = f.run(&["test", "--bless", "--dry-run", "scenarios/a.toml"]);
    out.code(1)
        .stdout_has("--- scenarios/a.toml\n+++ scenarios/a.toml (blessed)\n")
        .stdout_has("@@ ")
        .stdout_has("-exactly = []\n+exactly = [\"new-sanctions\"]\n")
        .stdout_has("nothing was written")
        // The suite does not run: its results would be of the old files.
        .stdout_lacks("test a ...");
    assert_eq!(read(&f, "scenarios/a.toml"), wrong);
    // Once blessed, the dry run has nothing to show and exits 0.
    f.run(&["test", "--bless", "scenarios/a.toml"]).code(0);
    let out = f.run(&["test", "--bless", "--dry-run", "scenarios/a.toml"]);
    out.code(0).stdout_lacks("@@").stdout_has("already match");
    // --dry-run is a way of blessing, not of testing.
    f.run(&["test", "--dry-run"]).code(2).stderr_has("--bless");
}

/// A file that cannot be written is an error on stderr and exit 2; the
/// other files are blessed and every named file is still tested. The file
/// is read-only by its mode, which the writer checks itself, so this
/// fails as root too.
#[cfg(unix)]
#[test]
fn a_file_that_cannot_be_written_is_an_error_and_the_others_are_blessed() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let wrong = TALKS.to_string() + "\n[expect]\nexactly = []\n";
    f.scenario("a", &wrong).scenario("b", &wrong);
    let a = f.path().join("scenarios/a.toml");
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = f.run(&["test", "--bless", "scenarios/a.toml", "scenarios/b.toml"]);
    out.code(2)
        .stderr_has("error: cannot write `scenarios/a.toml`: the file is read-only")
        .stdout_has("blessed scenarios/b.toml:")
        .stdout_has("test a ... FAILED")
        .stdout_has("1 passed, 1 failed");
    assert!(
        !out.stdout.contains("blessed scenarios/a.toml"),
        "{}",
        out.dump()
    );
    assert_eq!(read(&f, "scenarios/a.toml"), wrong);
    assert_ne!(read(&f, "scenarios/b.toml"), wrong);
}

/// The bless report itself failing to be written (a full disk, here
/// `/dev/full`, which fails as root too) is an error, not a silent exit
/// 1 from a dry run that showed nothing; a bless still writes the files.
#[cfg(target_os = "linux")]
#[test]
fn a_bless_report_that_cannot_be_written_is_an_error() {
    use std::process::{Command, Stdio};
    let f = fixture();
    let wrong = TALKS.to_string() + "\n[expect]\nexactly = []\n";
    f.scenario("a", &wrong);
    let full = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
            .args(args)
            .current_dir(f.path())
            .env("NO_COLOR", "1")
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = full(&["test", "--bless", "--dry-run", "scenarios/a.toml"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error: No space left on device"), "{err}");
    assert_eq!(read(&f, "scenarios/a.toml"), wrong);
    let (code, err) = full(&["test", "--bless", "scenarios/a.toml"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error: No space left on device"), "{err}");
    assert_ne!(read(&f, "scenarios/a.toml"), wrong);
}

#[test]
fn a_day_on_which_the_rule_errored_is_never_blessed_as_the_first_fire_date() {
    let f = fixture();
    // Quiet before 2025-06-03, an error on that day, fires after it; the
    // judgement date itself is clean.
    f.rule(
        "flaky",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    if s.as_of == date(\"2025-06-03\") { throw \"no data that day\"; }\n    s.as_of > date(\"2025-06-03\")\n}\n",
    );
    let text = "[scenario]\ntitle = \"Replay\"\nas_of = 2025-06-05\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n\n[expect.first_fire]\nstronger-sanctions = 2025-06-01\n";
    f.scenario("replay", text);
    f.run(&["test", "--bless", "scenarios/replay.toml"])
        .code(2)
        .stderr_has("scenarios/replay.toml: not blessed: `stronger-sanctions` errored on 2025-06-03, so nothing was blessed");
    assert_eq!(read(&f, "scenarios/replay.toml"), text);
}

#[test]
fn a_name_moving_only_into_a_multi_line_fires_list_lays_both_lists_out_again() {
    let f = fixture();
    let text = TALKS.to_string()
        + "\n[expect]\nnot_fires = [\n    \"new-sanctions\",\n    \"leaders-summit\",\n]\n";
    f.scenario("a", &text);
    f.run(&["test", "--bless", "scenarios/a.toml"])
        .code(0)
        .stdout_has("`new-sanctions`: not_fires → fires");
    assert_eq!(
        read(&f, "scenarios/a.toml"),
        TALKS.to_string()
            + "\n[expect]\nnot_fires = [\"leaders-summit\"]\nfires = [\"new-sanctions\"]\n"
    );
}

#[test]
fn expect_at_entries_written_as_inline_tables_are_blessed_too() {
    let f = fixture();
    let text = TALKS.to_string() + "\n[expect]\nat = [{ date = 2025-06-01, exactly = [] }]\n";
    f.scenario("a", &text);
    f.run(&["test", "--bless", "scenarios/a.toml"])
        .code(0)
        .stdout_has("at 2025-06-01: exactly: [] → [new-sanctions]");
    assert_eq!(
        read(&f, "scenarios/a.toml"),
        TALKS.to_string()
            + "\n[expect]\nat = [{ date = 2025-06-01, exactly = [\"new-sanctions\"] }]\n"
    );
}
