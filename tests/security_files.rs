//! Files, git trees and input as an attacker would write them (issue 12):
//! nothing is written outside what was asked, nothing is read outside the
//! trees pointed at, and a bad input ends with a diagnostic, not a hang.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// Any single input here must be judged well within this.
const BOUND: Duration = Duration::from_secs(10);

/// Runs the binary in `f` with extra environment variables and, when
/// given, `stdin` (with `env`, nothing else in the environment); killed (and the test failed) if it outlives [`BOUND`].
fn run_bounded(f: &Fixture, args: &[&str], env: &[(&str, &str)], stdin: Option<Stdio>) -> Output {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"));
    cmd.args(args)
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .stdin(stdin.unwrap_or_else(Stdio::null))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Given variables are the whole environment, so that a leak of it
    // cannot hide behind a truncated line.
    if !env.is_empty() {
        cmd.env_clear().env("NO_COLOR", "1");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sanctions-trigger: {e}"));
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = r {
                let _ = r.take(64 << 20).read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("wait: {e}")) {
            break status;
        }
        if start.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let o = Output {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed: start.elapsed(),
    };
    assert!(
        o.code != 70 && o.code != -1 && !o.stderr.contains("panicked"),
        "sanctions-trigger crashed\n{}",
        o.dump()
    );
    o
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target.as_ref(), link.as_ref())
        .unwrap_or_else(|e| panic!("symlink {}: {e}", link.as_ref().display()));
}

/// Runs git in `dir` with a fixed identity and no user configuration;
/// returns its trimmed standard output.
fn git_in(dir: &Path, args: &[&str], input: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.unwrap_or("").as_bytes())
            .unwrap_or_else(|e| panic!("git stdin: {e}"));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A tree holding one entry, `name`, pointing at `object` of `kind`.
fn tree_of(dir: &Path, kind: &str, object: &str, name: &str) -> String {
    let mode = if kind == "tree" { "040000" } else { "100644" };
    git_in(
        dir,
        &["mktree"],
        Some(&format!("{mode} {kind} {object}\t{name}\n")),
    )
}

/// A project whose branch `evil` holds a `rules/` tree with a chain of
/// `..` entries leading to `target` (an absolute path); returns it.
fn evil_repo(target: &Path) -> Fixture {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    let dir = f.path();
    git_in(dir, &["init", "-q", "-b", "main"], None);
    git_in(dir, &["add", "rules", "scenarios"], None);
    git_in(dir, &["commit", "-q", "-m", "rules"], None);
    let blob = git_in(
        dir,
        &["hash-object", "-w", "--stdin"],
        Some("const RESPONSE = \"new-sanctions\";\nfn fires(s) { true }\n"),
    );
    let mut names: Vec<String> = target
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let file = names.pop().unwrap_or_else(|| panic!("no file name"));
    let mut tree = tree_of(dir, "blob", &blob, &file);
    for n in names.iter().rev() {
        tree = tree_of(dir, "tree", &tree, n);
    }
    // Far more `..` than the temporary folder is deep: the chain reaches
    // `/` and comes down to `target`.
    for _ in 0..24 {
        tree = tree_of(dir, "tree", &tree, "..");
    }
    let responses = git_in(dir, &["rev-parse", "HEAD:rules/responses.toml"], None);
    let rules = git_in(
        dir,
        &["mktree"],
        Some(&format!(
            "100644 blob {responses}\tresponses.toml\n040000 tree {tree}\t..\n"
        )),
    );
    let root = tree_of(dir, "tree", &rules, "rules");
    let commit = git_in(dir, &["commit-tree", &root, "-m", "evil"], None);
    git_in(dir, &["update-ref", "refs/heads/evil", &commit], None);
    f
}

#[test]
fn a_git_tree_entry_named_dot_dot_is_refused_and_nothing_is_written() {
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = outside
        .path()
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("escaped")
        .join("pwned.rhai");
    let f = evil_repo(&target);
    let out = f.run(&["diff", "--base", "evil"]);
    out.code(2)
        .stderr_has("`evil`")
        .stderr_has("`rules/..")
        .stderr_has("not a plain file name");
    assert!(
        !outside.path().join("escaped").exists(),
        "diff wrote outside its temporary folder\n{}",
        out.dump()
    );
    assert!(!out.stdout.contains("no outcome changes"), "{}", out.dump());
}

#[test]
fn revisions_by_message_by_previous_branch_and_by_tag_name_a_base() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    let dir = f.path();
    git_in(dir, &["init", "-q", "-b", "main"], None);
    git_in(dir, &["add", "rules", "scenarios"], None);
    git_in(dir, &["commit", "-q", "-m", "initial rules"], None);
    git_in(dir, &["tag", "-a", "-m", "v1", "v1"], None);
    git_in(dir, &["checkout", "-q", "-b", "side"], None);
    git_in(dir, &["checkout", "-q", "main"], None);
    for rev in [":/initial", "@{-1}", "v1", "HEAD"] {
        f.run(&["diff", "--base", rev])
            .code(0)
            .stdout_has("no outcome changes across 1 scenario");
    }
    // An option in disguise is a revision that does not exist, not an option.
    f.run(&["diff", "--base=--output=written"])
        .code(2)
        .stderr_has("is neither a folder nor a git revision");
    assert!(!dir.join("written").exists());
    // A tree is not a commit.
    f.run(&["diff", "--base", "HEAD^{tree}"])
        .code(2)
        .stderr_has("does not name a commit");
}

/// Every command and format that reports on scenarios.
const REPORTS: &[&[&str]] = &[
    &["run", "scenarios"],
    &["run", "scenarios", "--format", "json"],
    &["run", "scenarios", "--format", "jsonl"],
    &["run", "scenarios", "--format", "markdown"],
    &["check", "scenarios"],
    &["test", "scenarios"],
    &["test", "scenarios", "--format", "json"],
    &["test", "scenarios", "--format", "junit"],
    &["run", "scenarios/env.toml"],
    &["run", "scenarios/env.toml", "--format", "json"],
    &["test", "scenarios/env.toml", "--format", "junit"],
];

#[cfg(target_os = "linux")]
#[test]
fn the_environment_linked_in_as_a_scenario_never_appears_in_any_output() {
    let secret = "hunter2-f00dfeed-sanctions";
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    symlink("/proc/self/environ", f.path().join("scenarios/env.toml"));
    for args in REPORTS {
        let out = run_bounded(&f, args, &[("SANCTIONS_SECRET_XYZ", secret)], None);
        assert_ne!(out.code, 0, "{}", out.dump());
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "the environment leaked\n{}",
            out.dump()
        );
        assert!(
            !out.stdout.contains("SANCTIONS_SECRET_XYZ")
                && !out.stderr.contains("SANCTIONS_SECRET_XYZ"),
            "the environment leaked\n{}",
            out.dump()
        );
    }
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    diagnostic(&doc, "scenarios/env.toml", "outside `scenarios`");
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    let doc = f
        .run(&["run", "scenarios/env.toml", "--format", "json"])
        .json();
    diagnostic(&doc, "scenarios/env.toml", "not a file on disk");
}

#[cfg(unix)]
#[test]
fn a_link_to_a_file_outside_the_scenarios_folder_is_refused_and_never_read() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS).write(
        "home/.aws/credentials.toml",
        "[default]\naws_secret_access_key = AKIAXSECRETX\n",
    );
    symlink(
        f.path().join("home/.aws/credentials.toml"),
        f.path().join("scenarios/creds.toml"),
    );
    symlink(
        "../home/.aws/credentials.toml",
        f.path().join("scenarios/rel.toml"),
    );
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2).stdout_lacks("AKIAXSECRETX");
    let doc = out.json();
    for link in ["scenarios/creds.toml", "scenarios/rel.toml"] {
        diagnostic(&doc, link, "is a link to a file outside `scenarios`");
    }
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    f.run(&["test", "scenarios", "--format", "junit"])
        .stdout_lacks("AKIAXSECRETX");
}

#[cfg(unix)]
#[test]
fn a_folder_link_to_proc_or_to_the_root_is_refused_at_once() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    symlink("/proc", f.path().join("scenarios/proc"));
    symlink("/", f.path().join("scenarios/root"));
    for args in [
        &["run", "scenarios", "--format", "json"][..],
        &["check", "scenarios"],
        &["test", "scenarios"],
    ] {
        run_bounded(&f, args, &[], None).code(2);
    }
    let doc = run_bounded(&f, &["run", "scenarios", "--format", "json"], &[], None).json();
    diagnostic(
        &doc,
        "scenarios/proc",
        "is a link to a folder outside `scenarios`",
    );
    diagnostic(
        &doc,
        "scenarios/root",
        "is a link to a folder outside `scenarios`",
    );
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[cfg(unix)]
#[test]
fn links_inside_the_scenarios_folder_still_work() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("sub/talks", TALKS);
    symlink("sub", f.path().join("scenarios/alias"));
    symlink("sub/talks.toml", f.path().join("scenarios/same.toml"));
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(
        doc["scenarios"].as_array().map(Vec::len),
        Some(1),
        "{}",
        out.dump()
    );
}

#[cfg(unix)]
#[test]
fn a_catalogue_linked_from_outside_the_rules_folder_is_refused() {
    let f = Fixture::bare();
    f.write("elsewhere/responses.toml", RESPONSES)
        .rule("good", GOOD_RULE)
        .scenario("talks", TALKS);
    symlink(
        f.path().join("elsewhere/responses.toml"),
        f.path().join("rules/responses.toml"),
    );
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    diagnostic(
        &doc,
        "rules/responses.toml",
        "link to a file outside the rules folder",
    );
}

#[test]
fn a_scenario_larger_than_the_limit_is_refused_before_it_is_read() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    let big = std::fs::File::create(f.path().join("scenarios/big.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    // Sparse: no disk is used, but a reader would allocate all of it.
    big.set_len((64 << 20) + 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run_bounded(&f, &["run", "scenarios", "--format", "json"], &[], None);
    out.code(2);
    let doc = out.json();
    diagnostic(&doc, "scenarios/big.toml", "more than the limit of 64 MiB");
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[cfg(unix)]
#[test]
fn bless_never_writes_through_a_link_out_of_the_folder() {
    let f = Fixture::new();
    let wrong = format!("{TALKS}\n[expect]\nfires = [\"leaders-summit\"]\n");
    f.rule("good", GOOD_RULE)
        .write("outside/talks.toml", &wrong);
    symlink(
        f.path().join("outside/talks.toml"),
        f.path().join("scenarios/talks.toml"),
    );
    let out = f.run(&["test", "--bless", "scenarios/talks.toml"]);
    out.code(2).stderr_has("outside `scenarios`");
    let after = std::fs::read_to_string(f.path().join("outside/talks.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after, wrong, "bless wrote through the link");
}

#[cfg(unix)]
#[test]
fn a_read_error_on_standard_input_ends_the_input_with_one_diagnostic() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    for format in ["text", "json", "jsonl"] {
        let dir = std::fs::File::open(f.path().join("scenarios")).unwrap_or_else(|e| panic!("{e}"));
        let out = run_bounded(
            &f,
            &["run", "-", "--format", format],
            &[],
            Some(Stdio::from(dir)),
        );
        out.code(2);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert_eq!(
            all.matches("cannot read standard input").count(),
            1,
            "{}",
            out.dump()
        );
    }
}

/// A JSON Lines scenario with `events` strikes.
fn json_strikes(events: usize) -> String {
    let one = r#"{"kind":"strike","date":"2025-06-01","drones":1}"#;
    let list = vec![one; events].join(",");
    format!(r#"{{"scenario":{{"title":"t","as_of":"2025-06-02"}},"events":[{list}]}}"#)
}

#[test]
fn a_duplicate_key_anywhere_in_a_json_line_is_an_error_naming_it() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    let cases = [
        (
            r#"{"scenario":{"title":"t","as_of":"2025-06-02","as_of":"2025-09-30"}}"#,
            "duplicate key `as_of`",
        ),
        (
            r#"{"scenario":{"title":"t"},"events":[{"kind":"strike","date":"2025-06-01","drones":1,"drones":900}]}"#,
            "duplicate key `drones`",
        ),
        (
            r#"{"scenario":{"title":"t"},"facts":{"a":{"b":1,"b":2}}}"#,
            "duplicate key `b`",
        ),
        (
            r#"{"scenario":{"title":"t"},"scenario":{"title":"u"}}"#,
            "duplicate key `scenario`",
        ),
    ];
    for (line, want) in cases {
        let input = format!("{line}\n{}\n", json_strikes(1));
        let out = f.run_stdin(&["run", "-", "--format", "json"], &input);
        out.code(2);
        let doc = out.json();
        let d = diagnostic(&doc, "<stdin>", want);
        assert_eq!(d["line"], 1, "{}", pretty(d));
        // The next line is still judged.
        assert_eq!(fired(scenario(&doc, "stdin-2")), ["new-sanctions"]);
    }
}

#[test]
fn a_json_line_over_the_size_limit_is_refused_and_the_next_still_runs() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    let mut input = String::with_capacity((65 << 20) + 1000);
    input.push_str(r#"{"scenario":{"title":"t","description":""#);
    input.extend(std::iter::repeat_n('x', 64 << 20));
    input.push_str("\"}}\n");
    input.push_str(&json_strikes(1));
    input.push('\n');
    let out = f.run_stdin(&["run", "-", "--format", "json"], &input);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "<stdin>", "longer than the limit of 64 MiB");
    assert_eq!(d["line"], 1);
    assert_eq!(fired(scenario(&doc, "stdin-2")), ["new-sanctions"]);
}

#[test]
fn more_events_than_the_limit_are_refused_in_json_and_in_toml() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    let input = format!("{}\n{}\n", json_strikes(100_001), json_strikes(100_000));
    let out = f.run_stdin(&["run", "-", "--format", "json"], &input);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "<stdin>", "more than the limit of 100000 events");
    assert_eq!(d["line"], 1);
    assert_eq!(fired(scenario(&doc, "stdin-2")), ["new-sanctions"]);

    let event = "[[events]]\nkind = \"strike\"\ndate = 2025-06-01\n";
    f.scenario(
        "many",
        &format!("[scenario]\ntitle = \"t\"\n{}", event.repeat(100_001)),
    );
    let doc = f.run(&["run", "scenarios", "--format", "json"]).json();
    diagnostic(
        &doc,
        "scenarios/many.toml",
        "more than the limit of 100000 events",
    );
}

#[test]
fn bless_refuses_to_write_a_file_that_would_not_parse() {
    let f = Fixture::new();
    // Late on the last day of 9999 west of Greenwich is year 10000 in UTC,
    // a year TOML cannot write.
    let text = "[scenario]\ntitle = \"t\"\nas_of = 9999-12-31T23:00:00-05:00\n\n\
        [[events]]\nkind = \"strike\"\ndate = 9999-12-31T23:00:00-05:00\n\n\
        [expect.first_fire]\nnew-sanctions = 2025-01-01\n";
    f.rule("good", GOOD_RULE).scenario("late", text);
    let out = f.run(&["test", "--bless", "scenarios/late.toml"]);
    out.code(2)
        .stderr_has("scenarios/late.toml")
        .stderr_has("would not parse")
        .stderr_has("of the new text)");
    let after = std::fs::read_to_string(f.path().join("scenarios/late.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after, text, "{}", out.dump());
}

#[test]
fn bless_and_test_judge_an_offset_date_time_at_its_utc_day() {
    let f = Fixture::new();
    f.rule(
        "strike",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) { if s.count(\"strike\") > 0 { \"a strike\" } else { quiet(\"no strike\") } }\n",
    );
    // 22:00 at UTC-5 is 03:00 on 2025-06-02 in UTC: the strike is seen.
    let text = "[scenario]\ntitle = \"t\"\nas_of = 2025-06-03\n\n\
        [[events]]\nkind = \"strike\"\ndate = 2025-06-02\n\n\
        [[expect.at]]\ndate = 2025-06-01T22:00:00-05:00\nfires = [\"new-sanctions\"]\n\n\
        [[expect.at]]\ndate = 2025-06-01T18:00:00-05:00\nfires = [\"new-sanctions\"]\n";
    f.scenario("offset", text);
    f.run(&["test", "scenarios/offset.toml"])
        .code(1)
        .stdout_has("1 failed");
    f.run(&["test", "--bless", "scenarios/offset.toml"])
        .code(0)
        .stdout_has("blessed scenarios/offset.toml")
        .stdout_has("at 2025-06-01: `new-sanctions`: fires → not_fires");
    let after = std::fs::read_to_string(f.path().join("scenarios/offset.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        after.contains("date = 2025-06-01T22:00:00-05:00\nfires = [\"new-sanctions\"]"),
        "{after}"
    );
    f.run(&["test", "scenarios/offset.toml"]).code(0);
}

#[test]
fn bless_keeps_a_missing_final_newline_and_the_files_own_line_ends() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    let cases = [
        ("crlf", "\r\n", "[expect]\r\nfires = [\"leaders-summit\"]"),
        ("lf", "\n", "[expect]\nfires = [\"leaders-summit\"]"),
        ("crlf-new", "\r\n", ""),
        ("lf-new", "\n", ""),
    ];
    for (name, eol, expect) in cases {
        let head = ["[scenario]", "title = \"t\"", "as_of = 2025-06-02"].join(eol);
        let text = if expect.is_empty() {
            head
        } else {
            format!("{head}{eol}{eol}{expect}")
        };
        f.scenario(name, &text);
        let rel = format!("scenarios/{name}.toml");
        f.run(&["test", "--bless", &rel]).code(0);
        let after = std::fs::read_to_string(f.path().join(&rel)).unwrap_or_else(|e| panic!("{e}"));
        assert!(after.starts_with(&text[..10]), "{name}: {after:?}");
        assert!(
            !after.ends_with('\n'),
            "{name}: a final newline was added: {after:?}"
        );
        let bare_lf = after.replace("\r\n", "").contains('\n');
        assert_eq!(bare_lf, eol == "\n", "{name}: line ends changed: {after:?}");
        if eol == "\n" {
            assert!(!after.contains('\r'), "{name}: {after:?}");
        }
        f.run(&["test", &rel]).code(0);
    }
}

#[test]
fn bless_removes_temporary_files_a_killed_bless_left_behind() {
    use std::time::SystemTime;
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("talks", &format!("{TALKS}\n[expect]\nexactly = []\n"));
    // What a bless killed before its rename leaves, an hour ago and now
    // (another bless may be writing that one), and a user's file.
    let stale = ".sanctions-trigger-tmp-AbC123.tmp";
    let fresh = ".sanctions-trigger-tmp-XyZ789.tmp";
    let mine = ".sanctions-trigger-notes.tmp";
    for name in [stale, fresh, mine] {
        f.write(&format!("scenarios/{name}"), "partial");
    }
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for name in [stale, mine] {
        std::fs::File::options()
            .write(true)
            .open(f.path().join("scenarios").join(name))
            .and_then(|h| h.set_modified(hour_ago))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    f.run(&["test", "--bless", "scenarios/talks.toml"]).code(0);
    let dir = f.path().join("scenarios");
    assert!(
        !dir.join(stale).exists(),
        "the stale temporary file is still there"
    );
    assert!(
        dir.join(fresh).exists(),
        "a recent temporary file was removed"
    );
    assert!(
        dir.join(mine).exists(),
        "a file that is not ours was removed"
    );
}

/// A problem on the second line of input is on line 2, and the message
/// does not carry serde's own "at line 1" of the one line it parsed.
#[test]
fn a_json_line_error_is_placed_on_its_input_line_only() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    let input = format!(
        "{}\n{}\n{}\n",
        json_strikes(1),
        r#"{"scenario":{"title":"t","as_of":"2025-06-02","as_of":"2025-09-30"}}"#,
        r#"{"scenario": {"title": "t"},"#
    );
    let out = f.run_stdin(&["run", "-", "--format", "json"], &input);
    out.code(2);
    let doc = out.json();
    for (want, line) in [("duplicate key `as_of`", 2), ("not a JSON object", 3)] {
        let d = diagnostic(&doc, "<stdin>", want);
        assert_eq!(d["line"], line, "{}", pretty(d));
        assert!(
            !d["message"].as_str().unwrap_or("").contains(" at line "),
            "{}",
            pretty(d)
        );
    }
}
