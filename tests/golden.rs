//! Golden outputs: every verb in every format on the shipped rules and
//! scenarios, whole, compared with the snapshots in `tests/snapshots/`
//! (insta). A change to the output, or to the shipped library, shows here
//! as a diff to review; docs/testing.md says how to accept one.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::readme::{copy_tree, edit};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs the binary from the project root and writes down all it did:
/// exit code, standard output and standard error.
fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"))
        .args(args)
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run sanctions-trigger: {e}"));
    format!(
        "$ sanctions-trigger {}\nexit code: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}

/// Snapshots `text` under `name`. The files keep the `integration`
/// target's names whichever test binary runs this module, so the
/// `outputs_only` target (for mutation runs) reads the same snapshots.
fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(format!("integration__golden__{name}"), text));
}

/// Snapshots `args` under `name`.
macro_rules! golden {
    ($name:expr, $args:expr) => {
        snapshot(&$name, &run($args))
    };
}

#[test]
fn run_in_every_format() {
    golden!("run_text", &["run", "scenarios"]);
    golden!(
        "run_markdown",
        &["run", "scenarios", "--format", "markdown"]
    );
    golden!("run_json", &["run", "scenarios", "--format", "json"]);
    golden!("run_jsonl", &["run", "scenarios", "--format", "jsonl"]);
    golden!("run_explain_text", &["run", "scenarios", "--explain"]);
    golden!(
        "run_as_of_jsonl",
        &[
            "run",
            "scenarios",
            "--as-of",
            "2025-12-31",
            "--format",
            "jsonl"
        ]
    );
}

#[test]
fn test_in_every_format() {
    for format in ["text", "json", "junit"] {
        golden!(
            format!("test_{format}"),
            &["test", "scenarios", "--format", format]
        );
        golden!(
            format!("test_verbose_{format}"),
            &["test", "scenarios", "-v", "--format", format]
        );
        golden!(
            format!("test_coverage_{format}"),
            &["test", "scenarios", "--coverage", "--format", format]
        );
    }
    golden!("test_quiet", &["test", "scenarios", "-q"]);
}

#[test]
fn timeline_of_two_scenarios() {
    for format in ["text", "json"] {
        golden!(
            format!("timeline_{format}"),
            &[
                "timeline",
                "scenarios/us/ultimatum-2025.toml",
                "scenarios/istanbul-2025-06-02.toml",
                "--format",
                format,
            ]
        );
    }
}

#[test]
fn outlook_of_the_deadline_cases() {
    for format in ["text", "json", "markdown"] {
        golden!(
            format!("outlook_{format}"),
            &[
                "outlook",
                "scenarios/talks/exchange-not-carried-out.toml",
                "scenarios/us/ultimatum-2025.toml",
                "--as-of",
                "2025-07-20",
                "--format",
                format,
            ]
        );
    }
}

#[test]
fn check_and_check_native() {
    golden!("check", &["check"]);
    golden!("check_native", &["check", "--native"]);
}

/// `diff` against a copy of the shipped rules in which `talks/no-result`
/// words its reason otherwise and `talks/escalation` steps up after two
/// fruitless rounds instead of three: verdict changes and reason-only
/// changes.
#[test]
fn diff_against_a_changed_copy_of_the_rules() {
    let base = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temp dir: {e}"));
    let rules = base.path().join("rules");
    let prepare = || -> Result<(), String> {
        copy_tree(&Path::new(ROOT).join("rules"), &rules)?;
        edit(
            &rules.join("talks/no-result.rhai"),
            "ended with no ceasefire and no breakthrough`",
            "brought neither a ceasefire nor a breakthrough`",
        )?;
        edit(
            &rules.join("talks/escalation.rhai"),
            "const MIN_FRUITLESS_ROUNDS = 3;",
            "const MIN_FRUITLESS_ROUNDS = 2;",
        )
    };
    prepare().unwrap_or_else(|e| panic!("{e}"));
    let base_arg = rules.to_string_lossy().into_owned();
    for format in ["text", "json", "markdown"] {
        let out = run(&["diff", "--base", &base_arg, "--format", format]);
        // The base's temporary folder is the one thing that differs
        // from run to run.
        snapshot(&format!("diff_{format}"), &out.replace(&base_arg, "[BASE]"));
    }
}
