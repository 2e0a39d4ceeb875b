//! Crafted git trees for `diff --base`: bytes → a commit whose tree holds
//! entries with any names git's `mktree` accepts (`..`, `.`, names with
//! backslashes, control characters, nested trees of them) beside a real
//! `rules/` folder, then `diff::base_rules` on it as `diff --base` does.
//! Nothing may be written outside the temporary folder it makes: the
//! whole sandbox folder is listed before and after, and any new file
//! outside that folder is a finding.
#![no_main]

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sanctions_trigger::diff::base_rules;

/// Entry names the crafted trees use: few, so that they nest and collide.
const NAMES: &[&str] = &[
    "..",
    ".",
    "rules",
    "lib",
    "a.rhai",
    "responses.toml",
    "..\\..",
    "x\u{1b}y",
    "...",
    ".git",
    "escaped",
];

/// A folder of its own, deep enough that `..` chains from the temporary
/// folder stay inside it; `TMPDIR` points below it so the export lands
/// there too.
fn sandbox() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let top = std::env::temp_dir().join(format!("diff-base-fuzz-{}", std::process::id()));
        let tmp = top.join("a/b/c/d/e/f/tmp");
        std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("{e}"));
        // SAFETY: set once, before any thread of ours reads it.
        unsafe { std::env::set_var("TMPDIR", &tmp) };
        top
    })
}

fn git(repo: &Path, args: &[&str], input: Option<&[u8]>) -> Option<String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "f")
        .env("GIT_AUTHOR_EMAIL", "f@x")
        .env("GIT_COMMITTER_NAME", "f")
        .env("GIT_COMMITTER_EMAIL", "f@x")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.unwrap_or_default());
    }
    let out = child.wait_with_output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Every file under `dir`, links not followed, the repository's own
/// `.git` (where every run adds objects) left out.
fn files(dir: &Path, skip: &Path, out: &mut HashSet<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() && p != skip => files(&p, skip, out),
            Ok(t) if t.is_dir() => {}
            _ => {
                out.insert(p);
            }
        }
    }
}

/// A tree from the bytes: each byte pair is an entry (name, and whether
/// it is a blob or a subtree built from the following bytes).
fn tree(repo: &Path, blob: &str, data: &mut &[u8], depth: u8) -> Option<String> {
    let mut lines = String::new();
    let mut seen = std::collections::BTreeSet::new();
    while let Some((&[n, kind], rest)) = data.split_first_chunk::<2>() {
        *data = rest;
        let name = NAMES[usize::from(n) % NAMES.len()];
        if kind == 0xff || !seen.insert(name) {
            break;
        }
        if kind % 3 == 0 && depth < 14 {
            let sub = tree(repo, blob, data, depth + 1)?;
            lines.push_str(&format!("040000 tree {sub}\t{name}\n"));
        } else {
            lines.push_str(&format!("100644 blob {blob}\t{name}\n"));
        }
    }
    git(repo, &["mktree", "--missing"], Some(lines.as_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let top = sandbox();
    let repo = top.join("a/b/c/repo");
    if !repo.join(".git").is_dir() {
        let _ = std::fs::create_dir_all(repo.join("rules"));
        let _ = std::fs::write(repo.join("rules/responses.toml"), "");
        git(&repo, &["init", "-q"], None);
    }
    let Some(blob) = git(
        &repo,
        &["hash-object", "-w", "--stdin"],
        Some(b"const RESPONSE = \"x\";\nfn fires(s) { true }\n"),
    ) else {
        return;
    };
    let mut rest = data;
    let Some(crafted) = tree(&repo, &blob, &mut rest, 0) else {
        return;
    };
    let Some(commit) = git(&repo, &["commit-tree", &crafted, "-m", "crafted"], None) else {
        return;
    };
    let mut before = HashSet::new();
    files(top, &repo.join(".git"), &mut before);
    let result = base_rules(&commit, &repo.join("rules"));
    let export = match &result {
        Ok((_, Some(guard))) => Some(guard.path().to_path_buf()),
        _ => None,
    };
    let mut after = HashSet::new();
    files(top, &repo.join(".git"), &mut after);
    for f in after {
        let in_export = export.as_ref().is_some_and(|e| f.starts_with(e));
        assert!(
            in_export || before.contains(&f),
            "written outside the export: {} ({result:?})",
            f.display()
        );
    }
});
