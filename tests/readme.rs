//! The console examples of README.md, docs/*.md, SECURITY.md and
//! ARCHITECTURE.md, run against the shipped rules and scenarios, so an
//! example that stops being true fails `cargo test`; and the links
//! between those documents, checked to lead to a file and heading that
//! exist. The conventions — `$ ` commands, `…`
//! wildcards, `? N` exit codes, `console,fixture=NAME` and
//! `console,ignore` — are described in docs/testing.md.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The project root: commands run from here, as the documents say.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Commands that are shown but not run, each with the reason. Anything
/// that is neither one of these nor the binary fails the test, so a new
/// kind of command is never silently passed over.
const SKIPPED: &[(&str, &str)] = &[
    ("cargo test", "runs this very test suite"),
    ("cargo install", "installs onto the reader's PATH"),
    (
        "cargo insta",
        "needs cargo-insta, and reviews snapshots by hand",
    ),
];

/// Cargo flags allowed before `--` in `cargo run … -- ARGS`, which stands
/// for the binary.
const CARGO_RUN_FLAGS: &[&str] = &["--release", "--locked", "--quiet", "-q"];

/// The wildcard: alone on a line (spaces around it allowed) it matches
/// any number of lines, none included; within a line, any text.
const WILDCARD: &str = "…";

/// A fenced code block of a markdown file.
#[derive(Debug)]
struct Block {
    /// The block's info string (`console`, `console,ignore`, …).
    info: String,
    /// The line of the opening fence, 1-based.
    line: usize,
    /// The line of the block's first text line, 1-based.
    first_line: usize,
    text: String,
}

/// Every fenced code block of `markdown`, found by a CommonMark parser.
fn code_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let mut text = String::new();
    let line_of = |offset: usize| markdown[..offset].matches('\n').count() + 1;
    for (event, range) in Parser::new_ext(markdown, Options::empty()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = Some((info.to_string(), range.start));
                text.clear();
            }
            Event::Text(t) if open.is_some() => text.push_str(&t),
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, start)) = open.take() {
                    let line = line_of(start);
                    blocks.push(Block {
                        info,
                        line,
                        first_line: line + 1,
                        text: std::mem::take(&mut text),
                    });
                }
            }
            _ => {}
        }
    }
    blocks
}

/// What to do with a block, from its info string.
#[derive(Debug, PartialEq)]
enum Mode {
    /// Not a console block.
    Other,
    /// Run from the project root.
    Run,
    /// Run in a temporary copy of the project prepared by a [`FIXTURES`]
    /// entry.
    Fixture(String),
    /// Not run; the text next to the block says why.
    Ignore,
}

fn mode(info: &str) -> Result<Mode, String> {
    let mut words = info.split(',').map(str::trim);
    if words.next() != Some("console") {
        return Ok(Mode::Other);
    }
    let mut mode = Mode::Run;
    for w in words {
        mode = match (w, w.strip_prefix("fixture=")) {
            ("ignore", _) => Mode::Ignore,
            (_, Some(name)) => Mode::Fixture(name.to_string()),
            _ => return Err(format!("unknown console block attribute `{w}`")),
        };
    }
    Ok(mode)
}

/// One `$ command` of a console block and what the block shows after it.
#[derive(Debug, PartialEq)]
struct Step {
    /// The command's line in the markdown file.
    line: usize,
    command: String,
    /// The output shown, trailing blank lines dropped; `None` when the
    /// block shows none, and the output is then not compared.
    expected: Option<Vec<String>>,
    /// The exit code: a `? N` line ending the output, else 0.
    code: i32,
}

/// Splits a console block into its commands. A command line starts with
/// `$ ` and continues onto the next line after a trailing `\`.
fn steps(text: &str, first_line: usize) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    let mut output: Vec<String> = Vec::new();
    let mut code: Option<i32> = None;
    let mut lines = text.lines().enumerate().map(|(i, l)| (first_line + i, l));
    let finish = |steps: &mut Vec<Step>, output: &mut Vec<String>, code: &mut Option<i32>| {
        while output.last().is_some_and(|l| l.trim().is_empty()) {
            output.pop();
        }
        if let Some(step) = steps.last_mut() {
            step.expected = (!output.is_empty()).then(|| std::mem::take(output));
            step.code = code.take().unwrap_or(0);
        }
    };
    while let Some((n, line)) = lines.next() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            finish(&mut steps, &mut output, &mut code);
            let mut command = cmd.to_string();
            while let Some(head) = command.strip_suffix('\\') {
                let Some((_, next)) = lines.next() else {
                    return Err(format!(
                        "line {n}: the command ends with `\\` and no line follows"
                    ));
                };
                command = format!("{} {}", head.trim_end(), next.trim_start());
            }
            steps.push(Step {
                line: n,
                command,
                expected: None,
                code: 0,
            });
        } else if steps.is_empty() {
            if !line.trim().is_empty() {
                return Err(format!("line {n}: output before the first `$ ` command"));
            }
        } else if let Some(c) = line.strip_prefix("? ") {
            let c = c
                .trim()
                .parse()
                .map_err(|_| format!("line {n}: `? N` needs an exit code, not `{c}`"))?;
            code = Some(c);
        } else if code.is_some() {
            if !line.trim().is_empty() {
                return Err(format!(
                    "line {n}: output after the `? N` line that ends a command's output"
                ));
            }
        } else {
            output.push(line.to_string());
        }
    }
    finish(&mut steps, &mut output, &mut code);
    Ok(steps)
}

/// How a command is carried out.
#[derive(Debug, PartialEq)]
enum Plan {
    /// Run the binary with these arguments, the environment variables
    /// assigned before the command and, for `echo … |`, this standard
    /// input.
    Binary {
        args: Vec<String>,
        env: Vec<(String, String)>,
        stdin: Option<String>,
    },
    /// One of [`SKIPPED`].
    Skip,
}

fn plan(command: &str) -> Result<Plan, String> {
    let words = shlex::split(command).ok_or("the command does not split like a shell's")?;
    let mut stdin = None;
    let mut words = words.as_slice();
    if let Some(bar) = words.iter().position(|w| w == "|") {
        match words[..bar].split_first() {
            Some((echo, text)) if echo == "echo" => stdin = Some(format!("{}\n", text.join(" "))),
            _ => return Err("a pipe is supported only from `echo …`".into()),
        }
        words = &words[bar + 1..];
    }
    // `NAME=value` words before the command set its environment.
    let mut env = Vec::new();
    while let Some((first, rest)) = words.split_first() {
        match first.split_once('=') {
            Some((name, value))
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                env.push((name.to_string(), value.to_string()));
                words = rest;
            }
            _ => break,
        }
    }
    if let Some(op) = words
        .iter()
        .find(|w| matches!(w.as_str(), "|" | ">" | ">>" | "<" | "&&" | "||" | ";" | "&"))
    {
        return Err(format!("shell operator `{op}` is not supported"));
    }
    let joined = words.join(" ");
    if let Some((_, _why)) = SKIPPED
        .iter()
        .find(|(prefix, _)| joined == *prefix || joined.starts_with(&format!("{prefix} ")))
    {
        if stdin.is_some() {
            return Err("a skipped command cannot read a pipe".into());
        }
        return Ok(Plan::Skip);
    }
    let args = match words {
        [program, args @ ..] if program == "sanctions-trigger" => args,
        [cargo, run, rest @ ..] if cargo == "cargo" && run == "run" => {
            let dashes = rest
                .iter()
                .position(|w| w == "--")
                .ok_or("`cargo run` needs `--` before the binary's arguments")?;
            if let Some(flag) = rest[..dashes]
                .iter()
                .find(|f| !CARGO_RUN_FLAGS.contains(&f.as_str()))
            {
                return Err(format!("`cargo run` flag `{flag}` is not supported"));
            }
            &rest[dashes + 1..]
        }
        _ => {
            return Err(
                "neither `sanctions-trigger`, `cargo run -- …` nor a command listed in SKIPPED"
                    .into(),
            );
        }
    };
    Ok(Plan::Binary {
        args: args.to_vec(),
        env,
        stdin,
    })
}

/// Runs the binary in `dir` with stdout and stderr on one pipe, so the
/// two interleave as they would on a terminal.
fn run(
    dir: &Path,
    args: &[String],
    env: &[(String, String)],
    stdin: Option<&str>,
) -> Result<(String, i32), String> {
    let (mut reader, writer) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let writer2 = writer.try_clone().map_err(|e| format!("pipe: {e}"))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(writer)
        .stderr(writer2);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run the binary: {e}"))?;
    // The pipe's write ends live in `cmd` too: drop them, or the read
    // below never sees the end of the output.
    drop(cmd);
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // Written from a thread: a large input must not deadlock against
        // a full output pipe.
        let text = text.to_string();
        std::thread::spawn(move || pipe.write_all(text.as_bytes()));
    }
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|e| format!("reading the output: {e}"))?;
    let status = child.wait().map_err(|e| format!("waiting: {e}"))?;
    Ok((
        String::from_utf8_lossy(&out).into_owned(),
        status.code().unwrap_or(-1),
    ))
}

/// Whether `actual` is `expected` with each in-line wildcard standing
/// for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split(WILDCARD).collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return expected == actual;
    };
    if actual.len() < first.len() + last.len()
        || !actual.starts_with(first)
        || !actual.ends_with(last)
    {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` lines match `expected`, where a line holding only
/// the wildcard matches any number of lines.
fn lines_match(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e.trim() == WILDCARD => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((e, rest)) => actual
            .split_first()
            .is_some_and(|(a, arest)| line_matches(e, a) && lines_match(rest, arest)),
    }
}

/// `actual` with each line an expected line matches, wildcards and all,
/// written as that expected line, so that a diff against `expected` shows
/// only what does not match. A guide for the eye: [`lines_match`] decides.
fn aligned(expected: &[&str], actual: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    for (i, e) in expected.iter().enumerate() {
        let from = at;
        if e.trim() == WILDCARD {
            // The wildcard takes the lines up to the next one the rest
            // of the expected text matches.
            at = match expected[i + 1..].iter().find(|l| l.trim() != WILDCARD) {
                None => actual.len(),
                Some(next) => actual[from..]
                    .iter()
                    .position(|a| line_matches(next, a))
                    .map_or(from, |p| from + p),
            };
            out.push(e.to_string());
        } else if let Some(p) = actual[from..].iter().position(|a| line_matches(e, a)) {
            out.extend(actual[from..from + p].iter().map(|l| l.to_string()));
            out.push(e.to_string());
            at = from + p + 1;
        }
    }
    out.extend(actual[at..].iter().map(|l| l.to_string()));
    out
}

/// A temporary copy of the project's `rules/` and `scenarios/`, changed
/// as the text before the block describes (or, for `empty`, an empty
/// folder).
type Fixture = fn(&Path) -> Result<(), String>;

const FIXTURES: &[(&str, Fixture)] = &[
    ("typo-in-fired", typo_in_fired),
    ("stale-expectation", stale_expectation),
    ("rule-change", rule_change),
    ("switch-rule", switch_rule),
    ("empty", empty),
    ("field-typo", field_typo),
];

/// An empty folder, for `init`, and for commands that write files.
fn empty(_dir: &Path) -> Result<(), String> {
    Ok(())
}

/// `talks/no-result` reads a field the vocabulary does not declare.
fn field_typo(dir: &Path) -> Result<(), String> {
    copy_project(dir)?;
    edit(
        &dir.join("rules/talks/no-result.rhai"),
        "t.outcome.breakthrough",
        "t.outcome.breaktrough",
    )
}

/// `talks/escalation` names a response that does not exist.
fn typo_in_fired(dir: &Path) -> Result<(), String> {
    copy_project(dir)?;
    edit(
        &dir.join("rules/talks/escalation.rhai"),
        r#"fired("new-sanctions")"#,
        r#"fired("new-sanctons")"#,
    )
}

/// `us/ultimatum-2025` expects that nothing fires, which is no longer so.
fn stale_expectation(dir: &Path) -> Result<(), String> {
    copy_project(dir)?;
    edit(
        &dir.join("scenarios/us/ultimatum-2025.toml"),
        r#"exactly = ["secondary-tariffs"]"#,
        "exactly = []",
    )
}

/// The shipped rules committed on `main`; then, in the work tree,
/// `talks/no-result` no longer counts a round that agreed a prisoner
/// exchange as bringing nothing.
fn rule_change(dir: &Path) -> Result<(), String> {
    copy_project(dir)?;
    git(dir, &["init", "-q", "-b", "main"])?;
    git(dir, &["add", "rules", "scenarios"])?;
    git(dir, &["commit", "-q", "-m", "the shipped rules"])?;
    edit(
        &dir.join("rules/talks/no-result.rhai"),
        "    `${talks::label(t)} ended with no ceasefire and no breakthrough`",
        "    if talks::exchange_agreed(t) {\n        \
         return quiet(`${talks::label(t)} agreed a prisoner exchange`);\n    \
         }\n    \
         `${talks::label(t)} ended with no ceasefire and no breakthrough`",
    )
}

/// `my-rules/`: the shipped rules and one more, which uses `switch`.
fn switch_rule(dir: &Path) -> Result<(), String> {
    copy_project(dir)?;
    copy_tree(&dir.join("rules"), &dir.join("my-rules"))?;
    write(
        &dir.join("my-rules/talks/by-round.rhai"),
        r#"//! The later the round that brought nothing, the stronger the sanctions.
import "lib/talks" as talks;
const RESPONSE = "stronger-sanctions";

fn fires(s) {
    let t = s.latest("talks");
    if t == () || !talks::fruitless(t) {
        return quiet("no fruitless round");
    }
    switch t.round {
        1 => quiet("a first round may bring nothing"),
        _ => `round ${t.round} brought nothing`,
    }
}
"#,
    )
}

fn copy_project(dir: &Path) -> Result<(), String> {
    let root = Path::new(ROOT);
    copy_tree(&root.join("rules"), &dir.join("rules"))?;
    copy_tree(&root.join("scenarios"), &dir.join("scenarios"))
}

pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("mkdir {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

/// Replaces `old`, which must occur exactly once, by `new`.
pub(crate) fn edit(path: &Path, old: &str, new: &str) -> Result<(), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    if text.matches(old).count() != 1 {
        return Err(format!(
            "{} no longer holds `{old}` once: update the fixture",
            path.display()
        ));
    }
    write(path, &text.replacen(old, new, 1))
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs one block, returning a report of each way it is wrong.
fn check_block(file: &str, block: &Block, mode: &Mode) -> Vec<String> {
    let at = format!("{file}:{}", block.line);
    let steps = match steps(&block.text, block.first_line) {
        Ok(s) if s.is_empty() => {
            return vec![format!("{at}: a console block with no `$ ` command")];
        }
        Ok(s) => s,
        Err(e) => return vec![format!("{at}: {e}")],
    };
    let temp;
    let dir: PathBuf = match mode {
        Mode::Fixture(name) => {
            let Some((_, prepare)) = FIXTURES.iter().find(|(n, _)| n == name) else {
                return vec![format!(
                    "{at}: no fixture named `{name}` in tests/readme.rs"
                )];
            };
            temp = match tempfile::tempdir() {
                Ok(t) => t,
                Err(e) => return vec![format!("{at}: cannot make a temp dir: {e}")],
            };
            if let Err(e) = prepare(temp.path()) {
                return vec![format!("{at}: fixture `{name}`: {e}")];
            }
            temp.path().to_path_buf()
        }
        _ => PathBuf::from(ROOT),
    };
    let mut failures = Vec::new();
    for step in &steps {
        let here = format!("{file}:{} (block at line {})", step.line, block.line);
        let (args, env, stdin) = match plan(&step.command) {
            Ok(Plan::Skip) if step.expected.is_some() || step.code != 0 => {
                failures.push(format!(
                    "{here}: `{}` is not run, so it may show no output or exit code",
                    step.command
                ));
                continue;
            }
            Ok(Plan::Skip) => continue,
            Ok(Plan::Binary { args, env, stdin }) => (args, env, stdin),
            Err(e) => {
                failures.push(format!("{here}: `{}`: {e}", step.command));
                continue;
            }
        };
        let (output, code) = match run(&dir, &args, &env, stdin.as_deref()) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{here}: {e}"));
                continue;
            }
        };
        let mut problems = Vec::new();
        if code != step.code {
            problems.push(format!(
                "exit code {code}, the document shows {}",
                step.code
            ));
        }
        if let Some(expected) = &step.expected {
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            let mut actual: Vec<&str> = output.lines().collect();
            while actual.last().is_some_and(|l| l.trim().is_empty()) {
                actual.pop();
            }
            if !lines_match(&expected, &actual) {
                let e = expected.join("\n") + "\n";
                let a = aligned(&expected, &actual).join("\n") + "\n";
                problems.push(format!(
                    "the output differs (`…` matches anything):\n{}",
                    similar::TextDiff::from_lines(&e, &a)
                        .unified_diff()
                        .header("the document", "the binary")
                ));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{here}: `{}`\n{}",
                step.command,
                problems.join("\n")
            ));
        }
    }
    failures
}

/// The documents whose console examples are checked.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    docs.sort();
    docs.insert(0, root.join("README.md"));
    docs.push(root.join("SECURITY.md"));
    docs.push(root.join("ARCHITECTURE.md"));
    docs
}

#[test]
fn every_console_example_is_true() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in documents() {
        let name = path
            .strip_prefix(ROOT)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for block in code_blocks(&text) {
            match mode(&block.info) {
                Ok(Mode::Other) | Ok(Mode::Ignore) => {}
                Ok(m) => {
                    ran += 1;
                    failures.extend(check_block(&name, &block, &m));
                }
                Err(e) => failures.push(format!("{name}:{}: {e}", block.line)),
            }
        }
    }
    assert!(
        ran >= 10,
        "only {ran} console blocks found: is the parser right?"
    );
    assert!(
        failures.is_empty(),
        "{} console example(s) are not true:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The anchor GitHub gives a heading: lower case, punctuation dropped,
/// spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a document's headings, and the targets of its links.
fn anchors_and_links(markdown: &str) -> (Vec<String>, Vec<String>) {
    let (mut anchors, mut links) = (Vec::new(), Vec::new());
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => anchors.extend(heading.take().map(|h| slug(&h))),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            _ => {}
        }
    }
    (anchors, links)
}

/// Content moves between README.md and docs/: a link to a file or a
/// heading that is no longer there fails here.
#[test]
fn every_link_between_the_documents_resolves() {
    let mut broken = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let (own_anchors, links) = anchors_and_links(&text);
        for link in links.iter().filter(|l| !l.contains("://")) {
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = path.parent().unwrap_or(Path::new(ROOT)).join(file);
            let anchors = if file.is_empty() {
                own_anchors.clone()
            } else if !target.exists() {
                broken.push(format!("{}: `{link}`: no such file", path.display()));
                continue;
            } else if file.ends_with(".md") {
                let text = std::fs::read_to_string(&target)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", target.display()));
                anchors_and_links(&text).0
            } else {
                Vec::new()
            };
            if !anchor.is_empty() && !anchors.iter().any(|a| a == anchor) {
                broken.push(format!("{}: `{link}`: no such heading", path.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn console_blocks_split_into_commands_outputs_and_codes() {
    let text = "$ sanctions-trigger test   # it's a comment\n\
                15 passed, 0 failed\n\
                \n\
                $ echo '{\"a\": 1}' \\\n    | sanctions-trigger run - \\\n    --format jsonl\n\
                {…}\n\
                ? 2\n\
                $ cargo test --locked\n";
    let got = steps(text, 10).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        got,
        vec![
            Step {
                line: 10,
                command: "sanctions-trigger test   # it's a comment".into(),
                expected: Some(vec!["15 passed, 0 failed".into()]),
                code: 0,
            },
            Step {
                line: 13,
                command: "echo '{\"a\": 1}' | sanctions-trigger run - --format jsonl".into(),
                expected: Some(vec!["{…}".into()]),
                code: 2,
            },
            Step {
                line: 18,
                command: "cargo test --locked".into(),
                expected: None,
                code: 0,
            },
        ]
    );
    assert_eq!(
        plan(&got[0].command),
        Ok(Plan::Binary {
            args: vec!["test".into()],
            env: vec![],
            stdin: None
        })
    );
    assert_eq!(
        plan(&got[1].command),
        Ok(Plan::Binary {
            args: vec!["run".into(), "-".into(), "--format".into(), "jsonl".into()],
            env: vec![],
            stdin: Some("{\"a\": 1}\n".into())
        })
    );
    assert_eq!(plan(&got[2].command), Ok(Plan::Skip));
    assert_eq!(
        plan("cargo run --release -- check"),
        Ok(Plan::Binary {
            args: vec!["check".into()],
            env: vec![],
            stdin: None
        })
    );
    assert_eq!(
        plan("NO_COLOR=1 sanctions-trigger check"),
        Ok(Plan::Binary {
            args: vec!["check".into()],
            env: vec![("NO_COLOR".into(), "1".into())],
            stdin: None
        })
    );
    assert_eq!(
        plan("INSTA_UPDATE=always cargo test --test integration golden"),
        Ok(Plan::Skip)
    );
    assert!(plan("rm -rf rules").is_err());
    assert!(plan("sanctions-trigger run > out.txt").is_err());
    assert!(plan("cat x | sanctions-trigger run -").is_err());
    assert!(steps("? 1\n", 1).is_err());
    assert!(steps("$ a\n? 1\nmore\n", 1).is_err());
    assert_eq!(mode("console"), Ok(Mode::Run));
    assert_eq!(mode("console,ignore"), Ok(Mode::Ignore));
    assert_eq!(mode("console,fixture=x"), Ok(Mode::Fixture("x".into())));
    assert!(mode("console,ignroe").is_err());
    assert_eq!(mode("toml"), Ok(Mode::Other));
}

#[test]
fn wildcards_match_text_within_a_line_and_lines_alone() {
    assert!(line_matches("a…c", "abbbc"));
    assert!(line_matches("a…c", "ac"));
    assert!(!line_matches("a…c", "abcd"));
    assert!(!line_matches("ab…bc", "abc"));
    assert!(line_matches(
        "{\"id\":…,\"x\":…}",
        "{\"id\":1,\"y\":2,\"x\":3}"
    ));
    assert!(!line_matches("abc", "abcd"));
    assert!(lines_match(&["a", "…", "d"], &["a", "b", "c", "d"]));
    assert!(lines_match(&["a", "  …", "d"], &["a", "d"]));
    assert!(lines_match(&["…"], &[]));
    assert!(!lines_match(&["a", "…", "d"], &["a", "b"]));
    assert!(!lines_match(&["a"], &["a", "b"]));
}

#[test]
fn code_blocks_are_found_with_their_lines() {
    let md = "# T\n\n```console\n$ sanctions-trigger check\n```\n\n    indented\n\n~~~toml\nx = 1\n~~~\n";
    let blocks = code_blocks(md);
    assert_eq!(blocks.len(), 2);
    assert_eq!((blocks[0].info.as_str(), blocks[0].line), ("console", 3));
    assert_eq!(blocks[0].text, "$ sanctions-trigger check\n");
    assert_eq!((blocks[1].info.as_str(), blocks[1].line), ("toml", 9));
}

#[test]
fn headings_give_github_anchors() {
    assert_eq!(
        slug("`diff`: what a rule change does"),
        "diff-what-a-rule-change-does"
    );
    assert_eq!(slug("`timeline --format json`"), "timeline---format-json");
    assert_eq!(
        slug("Response catalogue — `rules/responses.toml`"),
        "response-catalogue--rulesresponsestoml"
    );
}
