//! Files, git trees and input as an attacker would write them (issue 12):
//! nothing is written outside what was asked, nothing is read outside the
//! trees pointed at, and a bad input ends with a diagnostic, not a hang.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::*;

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
            .stdout_has("no outcome changes across 1 scenarios");
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
