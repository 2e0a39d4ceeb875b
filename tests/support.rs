//! A temporary project folder (`rules/`, `scenarios/`) and a way to run the
//! `sanctions-trigger` binary in it, with assertions that print the whole
//! output when they fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A catalogue of four responses, used by most fixtures.
pub const RESPONSES: &str = r#"[new-sanctions]
title = "Strong new sanctions"
category = "sanctions"
severity = 3

[stronger-sanctions]
title = "Stronger international sanctions"
category = "sanctions"
severity = 4

[leaders-summit]
title = "Leaders' summit"
category = "diplomatic"
severity = 1

[sanctions-relief]
title = "Sanctions relief"
category = "relief"
severity = 0
"#;

/// A rule that always fires `new-sanctions` with a reason.
pub const GOOD_RULE: &str = r#"const RESPONSE = "new-sanctions";
fn fires(s) {
    "the talks brought nothing"
}
"#;

/// A scenario with one round of talks and one strike.
pub const TALKS: &str = r#"[scenario]
title = "Talks"
as_of = 2025-06-02

[[events]]
id = "strike-1"
kind = "strike"
date = 2025-06-01
by = "RU"
drones = 250

[[events]]
id = "round-2"
kind = "talks"
date = 2025-06-02
round = 2
location = "Istanbul"
outcome = { ceasefire = false, breakthrough = false }
"#;

pub struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// A folder with `rules/responses.toml` (see [`RESPONSES`]) and an
    /// empty `scenarios/`.
    pub fn new() -> Fixture {
        let f = Fixture::bare();
        f.write("rules/responses.toml", RESPONSES);
        f.mkdir("scenarios");
        f
    }

    /// An empty folder.
    pub fn bare() -> Fixture {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temp dir: {e}"));
        Fixture { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn mkdir(&self, rel: &str) -> &Fixture {
        let p = self.path().join(rel);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        self
    }

    pub fn write(&self, rel: &str, text: &str) -> &Fixture {
        self.write_bytes(rel, text.as_bytes())
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Fixture {
        let p: PathBuf = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        self
    }

    /// Writes `rules/<id>.rhai`.
    pub fn rule(&self, id: &str, text: &str) -> &Fixture {
        self.write(&format!("rules/{id}.rhai"), text)
    }

    /// Writes `scenarios/<id>.toml`.
    pub fn scenario(&self, id: &str, text: &str) -> &Fixture {
        self.write(&format!("scenarios/{id}.toml"), text)
    }

    /// Runs the binary in the fixture folder with `NO_COLOR=1`.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
    }

    /// Runs the binary with `input` on its standard input.
    #[track_caller]
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        self.run_with_stdin(args, Some(input))
    }

    /// Runs the binary with `rel`, a folder under the fixture, as the
    /// working folder: paths given in `args` are relative to it.
    #[track_caller]
    pub fn run_in(&self, rel: &str, args: &[&str]) -> Output {
        self.spawn(&self.path().join(rel), args, None, None)
    }

    /// Runs the binary as the user and group `id` (the caller must be
    /// root); the fixture's folder is opened to every user first.
    #[cfg(unix)]
    #[track_caller]
    pub fn run_as(&self, id: u32, args: &[&str]) -> Output {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.path(), std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", self.path().display()));
        self.spawn(self.path(), args, None, Some(id))
    }

    #[track_caller]
    fn run_with_stdin(&self, args: &[&str], input: Option<&str>) -> Output {
        self.spawn(self.path(), args, input, None)
    }

    #[track_caller]
    fn spawn(&self, cwd: &Path, args: &[&str], input: Option<&str>, id: Option<u32>) -> Output {
        let start = Instant::now();
        let mut command = Command::new(env!("CARGO_BIN_EXE_sanctions-trigger"));
        #[cfg(unix)]
        if let Some(id) = id {
            use std::os::unix::process::CommandExt;
            command.uid(id).gid(id);
        }
        #[cfg(not(unix))]
        let _ = id;
        let mut child = command
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run sanctions-trigger: {e}"));
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            // Written from a thread: a large input must not deadlock
            // against a full stdout pipe.
            let text = text.to_string();
            std::thread::spawn(move || {
                let _ = stdin.write_all(text.as_bytes());
            });
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("cannot run sanctions-trigger: {e}"));
        let elapsed = start.elapsed();
        let o = Output {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed,
        };
        // No input may make the engine panic or report an internal error.
        if o.code == 70
            || o.code == -1
            || o.stderr.contains("panicked")
            || o.stderr.contains("internal error")
        {
            panic!("sanctions-trigger crashed\n{}", o.dump());
        }
        // Every diagnostic names its kind of problem. Checked on every
        // run that prints JSON, and every text `check` (the bad-input
        // tests' usual verb) is run again as `--format json` to check the
        // diagnostics it printed as text.
        o.diagnostics_have_codes();
        if args.contains(&"check") && !args.contains(&"--format") && input.is_none() {
            let mut json: Vec<&str> = args.to_vec();
            json.extend(["--format", "json"]);
            let again = self.spawn(cwd, &json, None, id);
            assert_eq!(
                again.code,
                o.code,
                "check --format json exits as check does\n{}",
                again.dump()
            );
        }
        o
    }
}

/// Every diagnostic-shaped object (with `severity` and `message`) in
/// `v` has a `code`.
fn coded(v: &Value, o: &Output) {
    match v {
        Value::Object(m) => {
            if m.contains_key("severity") && m.contains_key("message") {
                assert!(
                    m.get("code").is_some_and(Value::is_string),
                    "a diagnostic without a code: {v}\n{}",
                    o.dump()
                );
            }
            m.values().for_each(|x| coded(x, o));
        }
        Value::Array(a) => a.iter().for_each(|x| coded(x, o)),
        _ => {}
    }
}

/// What one run of the binary produced.
pub struct Output {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    /// Asserts that every diagnostic in JSON output (a document or JSON
    /// Lines) has a `code`.
    #[track_caller]
    pub fn diagnostics_have_codes(&self) {
        let text = self.stdout.trim_start();
        if !text.starts_with('{') {
            return;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(v) => coded(&v, self),
            Err(_) => {
                for line in self.stdout.lines() {
                    if let Ok(v) = serde_json::from_str::<Value>(line) {
                        coded(&v, self);
                    }
                }
            }
        }
    }

    pub fn dump(&self) -> String {
        format!(
            "args: {:?}\nexit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Output {
        assert_eq!(self.code, want, "wrong exit code\n{}", self.dump());
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Output {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn stdout_lacks(&self, needle: &str) -> &Output {
        assert!(
            !self.stdout.contains(needle),
            "stdout has {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Output {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.dump()))
    }
}

/// The diagnostic of `run --format json` about a file, whose message contains `text`.
#[track_caller]
pub fn diagnostic<'a>(doc: &'a Value, file: &str, text: &str) -> &'a Value {
    doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["file"] == file && d["message"].as_str().is_some_and(|m| m.contains(text)))
        .unwrap_or_else(|| {
            panic!(
                "no diagnostic on {file} containing {text:?} in\n{}",
                pretty(&doc["diagnostics"])
            )
        })
}

/// The scenario entry of `run --format json` with this id.
#[track_caller]
pub fn scenario<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no scenario `{id}` in\n{}", pretty(doc)))
}

/// The entry of a scenario's `errors` for a rule.
#[track_caller]
pub fn rule_error<'a>(sc: &'a Value, rule: &str) -> &'a Value {
    sc["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["rule"] == rule)
        .unwrap_or_else(|| panic!("no error of rule `{rule}` in\n{}", pretty(sc)))
}

/// A response entry of a scenario.
#[track_caller]
pub fn response<'a>(sc: &'a Value, id: &str) -> &'a Value {
    sc["responses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response `{id}` in\n{}", pretty(sc)))
}

/// A rule verdict of a scenario, found in any response.
#[track_caller]
pub fn verdict<'a>(sc: &'a Value, rule: &str) -> &'a Value {
    sc["responses"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["rules"].as_array().into_iter().flatten())
        .find(|v| v["id"] == rule)
        .unwrap_or_else(|| panic!("no verdict of rule `{rule}` in\n{}", pretty(sc)))
}

/// Asserts that a diagnostic or error is at `file:line:column`.
#[track_caller]
pub fn assert_at(v: &Value, file: &str, line: u64, column: u64) {
    let got = (v["file"].as_str(), v["line"].as_u64(), v["column"].as_u64());
    assert_eq!(
        got,
        (Some(file), Some(line), Some(column)),
        "wrong location in\n{}",
        pretty(v)
    );
}

/// Asserts that a JSON string field contains `text`.
#[track_caller]
pub fn assert_message(v: &Value, text: &str) {
    let m = v["message"].as_str().unwrap_or_default();
    assert!(m.contains(text), "message lacks {text:?} in\n{}", pretty(v));
}

/// The ids of the responses that fire in a scenario entry.
pub fn fired(sc: &Value) -> Vec<String> {
    sc["fired"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A fixture holding a copy of the repository's `rules/` and `scenarios/`.
pub fn shipped() -> Fixture {
    shipped_under("")
}

/// A fixture holding a copy of the repository's `rules/` and `scenarios/`
/// in its folder `rel` (the fixture's own folder when empty).
pub fn shipped_under(rel: &str) -> Fixture {
    let f = Fixture::bare();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["rules", "scenarios"] {
        copy_dir(&root.join(dir), &f.path().join(rel).join(dir));
    }
    f
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        }
    }
}

/// True when the tests run as root, who reads files whatever their mode:
/// a folder the tests make is owned by their effective user.
#[cfg(unix)]
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temp dir: {e}"));
    dir.path()
        .metadata()
        .map(|m| m.uid() == 0)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.path().display()))
}

/// Cases per property unless `PROPTEST_CASES` says otherwise, with the
/// failures of the properties of `tests/<file>.rs` kept in
/// `proptest-regressions/<file>.txt`: a failing case's seed is appended
/// there, and every seed in the file is tried again before new cases on
/// each run (commit the file with the fix). The path is absolute, from
/// the package root, so it is the same whatever folder the tests run in.
pub fn cases(default: u32, file: &str) -> proptest::test_runner::Config {
    use proptest::test_runner::FileFailurePersistence;
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    let path = format!(
        "{}/proptest-regressions/{file}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    // Proptest takes the path as `&'static str`; one small string per
    // property, for the life of the test binary.
    let path: &'static str = Box::leak(path.into_boxed_str());
    proptest::test_runner::Config {
        cases: n,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(path))),
        ..proptest::test_runner::Config::default()
    }
}
