//! `init`, `new rule`, `new scenario`, `completions`, `man` and `defs`:
//! the starter library passes `test` and `check` at once, a template's
//! output passes `check` in a copy of the shipped library, and every
//! refusal writes nothing.

use std::fs;
use std::path::Path;

use crate::support::{Fixture, shipped};

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap_or(&p).display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn init_writes_a_library_on_which_test_and_check_pass() {
    let f = Fixture::bare();
    let out = f.run(&["init", "policy/new"]);
    out.code(0)
        .stdout_has("created a policy library in policy/new:")
        .stdout_has("next: cd policy/new && sanctions-trigger test");
    let dir = f.path().join("policy/new");
    let files = listing(&dir);
    for want in [
        "rules/responses.toml",
        "rules/vocabulary.toml",
        "scenario.schema.json",
        ".taplo.toml",
        ".github/workflows/policy.yml",
        "README.md",
    ] {
        assert!(files.iter().any(|f| f == want), "{want} in {files:?}");
        assert!(
            out.stdout.contains(&format!("  {want}\n")),
            "{}",
            out.dump()
        );
    }
    let rules: Vec<_> = files.iter().filter(|f| f.ends_with(".rhai")).collect();
    let scenarios: Vec<_> = files
        .iter()
        .filter(|f| f.starts_with("scenarios/") && f.ends_with(".toml"))
        .collect();
    assert_eq!(rules.len(), 1, "{files:?}");
    assert_eq!(scenarios.len(), 2, "{files:?}");
    let rule = read(&dir.join(rules[0]));
    assert!(rule.starts_with("//! "), "{rule}");
    assert!(rule.contains("const SOURCE = ") && rule.contains("https://"));
    assert!(read(&dir.join(".taplo.toml")).contains("scenarios/**/*.toml"));
    assert!(read(&dir.join(".taplo.toml")).contains("scenario.schema.json"));
    let ci = read(&dir.join(".github/workflows/policy.yml"));
    assert!(ci.contains("sanctions-trigger check") && ci.contains("sanctions-trigger test"));
    assert!(
        read(&dir.join("README.md"))
            .contains("sanctions-trigger schema --out scenario.schema.json")
    );

    let test = f.run_in("policy/new", &["test"]);
    test.code(0)
        .stdout_has(&format!("{} passed, 0 failed", scenarios.len()));
    f.run_in("policy/new", &["check"])
        .code(0)
        .stdout_has("0 errors, 0 warnings");
    // The schema is what `schema` writes there, and the scenarios name it.
    let schema = f.run_in("policy/new", &["schema"]);
    assert_eq!(
        schema.code(0).stdout,
        read(&dir.join("scenario.schema.json"))
    );
    assert!(
        schema.stdout.contains("\"under_occupation\""),
        "{}",
        schema.dump()
    );
    for s in &scenarios {
        assert!(
            read(&dir.join(s)).contains("\n#:schema ../scenario.schema.json\n[scenario]"),
            "{s}"
        );
    }
    // The vocabulary is in force: a misspelled field is an error.
    let base = dir.join("scenarios/crimea-2014-03-16.toml");
    std::fs::write(&base, read(&base).replacen("region =", "regoin =", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    f.run_in("policy/new", &["check"])
        .code(2)
        .stderr_has("`regoin` is not a field of a `referendum` event");
    std::fs::write(&base, read(&base).replacen("regoin =", "region =", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    // One scenario fires the response, the other stays quiet.
    let run = f.run_in("policy/new", &["run", "--format", "json"]);
    let doc = run.code(0).json();
    let fired: Vec<usize> = doc["scenarios"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["fired"].as_array().map_or(0, Vec::len))
                .collect()
        })
        .unwrap_or_default();
    let mut sorted = fired.clone();
    sorted.sort();
    assert_eq!(sorted, vec![0, 1], "{}", run.dump());
}

#[test]
fn init_in_the_current_folder_says_to_run_test_there() {
    let f = Fixture::bare();
    f.run(&["init"])
        .code(0)
        .stdout_has("created a policy library in the current folder:")
        .stdout_has("next: sanctions-trigger test\n");
    f.run(&["test"]).code(0);
}

#[test]
fn init_refuses_a_folder_that_holds_anything() {
    let f = Fixture::bare();
    f.write("lib/notes.txt", "mine");
    let out = f.run(&["init", "lib"]);
    out.code(2)
        .stderr_has("`lib` is not empty (it holds `notes.txt`); nothing was written")
        .stderr_has("help: give `init` a new or empty folder");
    assert_eq!(listing(&f.path().join("lib")), vec!["notes.txt"]);
    assert!(out.stdout.is_empty(), "{}", out.dump());
    // An empty path writes nothing into the current folder either.
    f.run(&["init", ""]).code(2);
    assert_eq!(listing(f.path()), vec!["lib/notes.txt"]);
    // A file where the folder should be.
    f.run(&["init", "lib/notes.txt"])
        .code(2)
        .stderr_has("is a file, not a folder");
}

#[cfg(unix)]
#[test]
fn init_writes_nothing_through_a_link() {
    let f = Fixture::bare();
    f.mkdir("elsewhere");
    f.mkdir("lib");
    std::os::unix::fs::symlink(f.path().join("elsewhere"), f.path().join("lib/rules"))
        .unwrap_or_else(|e| panic!("{e}"));
    // A link inside makes the folder non-empty.
    f.run(&["init", "lib"]).code(2).stderr_has("holds `rules`");
    assert!(listing(&f.path().join("elsewhere")).is_empty());
    // The folder itself a link to an empty folder: refused, so that no
    // file lands anywhere but where the path given says.
    std::os::unix::fs::symlink(f.path().join("elsewhere"), f.path().join("linked"))
        .unwrap_or_else(|e| panic!("{e}"));
    f.run(&["init", "linked"])
        .code(2)
        .stderr_has("`linked` is a symbolic link");
    assert!(listing(&f.path().join("elsewhere")).is_empty());
}

#[test]
fn a_new_rule_passes_check_and_is_named_by_its_path() {
    let f = shipped();
    f.run(&[
        "new",
        "rule",
        "rules/talks/my-rule",
        "--response",
        "new-sanctions",
    ])
    .code(0)
    .stdout_has("wrote rules/talks/my-rule.rhai: rule `talks/my-rule`, firing `new-sanctions`")
    .stdout_has("sanctions-trigger check");
    let text = read(&f.path().join("rules/talks/my-rule.rhai"));
    assert!(
        text.contains(r#"const RESPONSE = "new-sanctions";"#),
        "{text}"
    );
    f.run(&["check"]).code(0).stdout_has("0 errors");
    // Quiet until written: no expectation of the shipped library changes.
    f.run(&["test"]).code(0);
    let run = f.run(&[
        "run",
        "scenarios/istanbul-2025-06-02.toml",
        "--format",
        "json",
    ]);
    let doc = run.code(0).json();
    let rules = &doc["scenarios"][0]["responses"];
    let mine = rules
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["rules"].as_array().into_iter().flatten())
        .find(|r| r["id"] == "talks/my-rule");
    assert_eq!(
        mine.map(|r| r["status"].clone()),
        Some("quiet".into()),
        "{}",
        run.dump()
    );
}

#[test]
fn new_rule_refuses_an_unknown_response_and_an_existing_file() {
    let f = shipped();
    f.run(&["new", "rule", "rules/x.rhai", "--response", "new-sanctons"])
        .code(2)
        .stderr_has("no response `new-sanctons` in the catalogue")
        .stderr_has("did you mean `new-sanctions`?");
    assert!(!f.path().join("rules/x.rhai").exists());

    let before = read(&f.path().join("rules/talks/no-result.rhai"));
    f.run(&[
        "new",
        "rule",
        "rules/talks/no-result.rhai",
        "--response",
        "new-sanctions",
    ])
    .code(2)
    .stderr_has("exists already; nothing was written")
    .stderr_has("--force");
    assert_eq!(read(&f.path().join("rules/talks/no-result.rhai")), before);
    f.run(&[
        "new",
        "rule",
        "rules/talks/no-result.rhai",
        "--response",
        "new-sanctions",
        "--force",
    ])
    .code(0);
    assert_ne!(read(&f.path().join("rules/talks/no-result.rhai")), before);
    f.run(&["check"]).code(0);
}

#[test]
fn new_rule_refuses_paths_that_are_not_rules() {
    let f = shipped();
    for (path, says) in [
        ("elsewhere/x.rhai", "is not under the rules folder"),
        ("rules/lib/x.rhai", "holds helpers, not rules"),
        ("rules/x.toml", "ends in `.toml`, not `.rhai`"),
        ("rules/../x.rhai", "is not under the rules folder"),
    ] {
        f.run(&["new", "rule", path, "--response", "new-sanctions"])
            .code(2)
            .stderr_has(says);
        assert!(!f.path().join(path).exists(), "{path}");
    }
    // `--rules` names the folder a rule's id is taken from.
    f.run(&[
        "--rules",
        "rules/",
        "new",
        "rule",
        "./rules/us/other.rhai",
        "--response",
        "secondary-tariffs",
    ])
    .code(0)
    .stdout_has("rule `us/other`");
}

#[cfg(unix)]
#[test]
fn new_rule_writes_nothing_through_a_link_out_of_the_rules_folder() {
    let f = shipped();
    f.mkdir("outside");
    std::os::unix::fs::symlink(f.path().join("outside"), f.path().join("rules/out"))
        .unwrap_or_else(|e| panic!("{e}"));
    f.run(&[
        "new",
        "rule",
        "rules/out/x.rhai",
        "--response",
        "new-sanctions",
    ])
    .code(2)
    .stderr_has("outside the rules folder");
    assert!(listing(&f.path().join("outside")).is_empty());
}

#[test]
fn a_new_scenario_and_a_variant_pass_check() {
    let f = shipped();
    f.run(&["new", "scenario", "scenarios/mine"])
        .code(0)
        .stdout_has("wrote scenarios/mine.toml")
        .stdout_has("sanctions-trigger test scenarios/mine.toml");
    f.run(&[
        "new",
        "scenario",
        "scenarios/what-if/deeper/ceasefire.toml",
        "--extends",
        "scenarios/istanbul-2025-06-02.toml",
    ])
    .code(0);
    let variant = read(&f.path().join("scenarios/what-if/deeper/ceasefire.toml"));
    assert!(
        variant.contains(r#"extends = "../../istanbul-2025-06-02.toml""#),
        "{variant}"
    );
    // The base's event ids, which a variant replaces by id.
    assert!(variant.contains("`round-2`"), "{variant}");
    f.run(&["check"]).code(0).stdout_has("0 errors");
    // The variant judges as its base does until it is edited.
    let fired = |path: &str| {
        let out = f.run(&["run", path, "--format", "json"]);
        out.code(0).json()["scenarios"][0]["fired"].clone()
    };
    assert_eq!(
        fired("scenarios/what-if/deeper/ceasefire.toml"),
        fired("scenarios/istanbul-2025-06-02.toml")
    );
}

#[test]
fn new_scenario_refuses_a_missing_base_and_an_existing_file() {
    let f = shipped();
    f.run(&[
        "new",
        "scenario",
        "scenarios/x.toml",
        "--extends",
        "scenarios/istanbul-2025-06-20.toml",
    ])
    .code(2)
    .stderr_has("no base scenario `scenarios/istanbul-2025-06-20.toml`")
    .stderr_has("did you mean `scenarios/istanbul-2025-06-02.toml`?");
    assert!(!f.path().join("scenarios/x.toml").exists());
    let before = read(&f.path().join("scenarios/istanbul-2025-06-02.toml"));
    f.run(&["new", "scenario", "scenarios/istanbul-2025-06-02.toml"])
        .code(2)
        .stderr_has("exists already");
    assert_eq!(
        read(&f.path().join("scenarios/istanbul-2025-06-02.toml")),
        before
    );
}

#[test]
fn completions_name_every_verb_in_every_shell() {
    let f = Fixture::bare();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = f.run(&["completions", shell]);
        out.code(0);
        assert!(!out.stdout.trim().is_empty(), "{shell}");
        for verb in [
            "run", "test", "check", "timeline", "diff", "init", "new", "defs",
        ] {
            assert!(out.stdout.contains(verb), "{shell} lacks {verb}");
        }
    }
    f.run(&["completions", "tcsh"])
        .code(2)
        .stderr_has("possible values");
}

#[test]
fn man_renders_roff_that_lists_the_verbs() {
    let f = Fixture::bare();
    let out = f.run(&["man"]);
    out.code(0);
    let th = out
        .stdout
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"));
    assert!(
        th.is_some_and(|l| l.starts_with(".TH sanctions-trigger 1")),
        "{th:?}"
    );
    for verb in [
        "run",
        "test",
        "check",
        "timeline",
        "diff",
        "init",
        "new",
        "completions",
        "man",
        "defs",
    ] {
        assert!(
            out.stdout
                .contains(&format!("sanctions\\-trigger\\-{verb}(1)")),
            "{verb}"
        );
    }
    f.run(&["man", "--out", "man1"])
        .code(0)
        .stdout_has("wrote man1/sanctions-trigger.1")
        .stdout_has("wrote man1/sanctions-trigger-new-rule.1");
    let page = read(&f.path().join("man1/sanctions-trigger-init.1"));
    assert!(page.contains(".TH sanctions-trigger-init 1"), "{page}");
}

#[test]
fn defs_declares_the_rule_api_with_signatures() {
    let f = Fixture::bare();
    let out = f.run(&["defs"]);
    out.code(0);
    let text = &out.stdout;
    assert!(text.starts_with("module static;\n"), "{text}");
    for sig in [
        "fn events(s: Scenario) -> Array;",
        "fn events(s: Scenario, kind: String) -> Array;",
        "fn latest(s: Scenario, kind: String) -> ?;",
        "fn count(s: Scenario, kind: String) -> int;",
        "fn date(text: String) -> Date;",
        "fn days(n: int) -> Days;",
        "fn fired(id: String) -> bool;",
        "fn quiet(why: String) -> Quiet;",
        "fn get as_of(s: Scenario) -> Date;",
        "op -(Date, Date) -> int;",
    ] {
        let at = text
            .find(sig)
            .unwrap_or_else(|| panic!("no `{sig}` in\n{text}"));
        // Each with a doc comment on the line before.
        let before = text[..at].trim_end().lines().last().unwrap_or("");
        assert!(before.starts_with("/// "), "{sig}: {before}");
    }
    f.run(&["defs", "--out", "defs"])
        .code(0)
        .stdout_has("wrote defs/__static__.d.rhai");
    assert_eq!(&read(&f.path().join("defs/__static__.d.rhai")), text);
}
