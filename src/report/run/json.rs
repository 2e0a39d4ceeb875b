//! `--format json` (one object, `format_version` 1) and `--format jsonl`
//! (one tagged object per line, flushed as each scenario finishes).

use std::io::{self, Write};

use serde::Serialize;

use super::Reporter;
use crate::diagnostic::Diagnostic;
use crate::outcome::{FORMAT_VERSION, Outcome, Status};
use crate::rules::RuleSet;

#[derive(Default)]
pub struct JsonReporter {
    diagnostics: Vec<Diagnostic>,
    scenarios: Vec<Outcome>,
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    diagnostics: &'a [Diagnostic],
    scenarios: &'a [Outcome],
}

impl Reporter for JsonReporter {
    fn diagnostic(&mut self, _: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
        self.diagnostics.push(d.clone());
        Ok(())
    }

    fn outcome(&mut self, _: &mut dyn Write, _: &RuleSet, o: &Outcome) -> io::Result<()> {
        self.scenarios.push(o.clone());
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            format_version: FORMAT_VERSION,
            diagnostics: &self.diagnostics,
            scenarios: &self.scenarios,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

pub struct JsonLinesReporter;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line<'a> {
    Scenario(&'a Outcome),
    Diagnostic(&'a Diagnostic),
}

impl JsonLinesReporter {
    fn line(out: &mut dyn Write, l: &Line<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut *out, l)?;
        writeln!(out)?;
        out.flush()
    }

    /// A scenario's line, newline included, appended to `v`: rendered
    /// where the outcome was computed, serialising on the worker threads
    /// keeps the thread that writes from becoming the bottleneck.
    ///
    /// The bytes are exactly those of `Line::Scenario` through serde (the
    /// tests compare them), but the object keys and the statuses, the
    /// same for every rule, are copied as literals: escaping them again
    /// for each of a corpus's 200 rules was most of the time a line took.
    /// Every value still goes through serde_json.
    pub fn render_into(o: &Outcome, v: &mut Vec<u8>) -> io::Result<()> {
        v.extend_from_slice(br#"{"type":"scenario","id":"#);
        json(v, &o.id)?;
        v.extend_from_slice(br#","file":"#);
        json(v, &o.file)?;
        v.extend_from_slice(br#","title":"#);
        json(v, &o.title)?;
        v.extend_from_slice(br#","as_of":"#);
        crate::outcome::iso(&o.as_of, &mut serde_json::Serializer::new(&mut *v))?;
        v.extend_from_slice(br#","fired":"#);
        json(v, &o.fired)?;
        v.extend_from_slice(br#","responses":["#);
        for (n, r) in o.responses.iter().enumerate() {
            head(v, n, &r.id, r.status, r.fires)?;
            v.extend_from_slice(br#","rules":["#);
            for (m, rule) in r.rules.iter().enumerate() {
                head(v, m, &rule.id, rule.status, rule.fires)?;
                v.extend_from_slice(br#","reason":"#);
                json(v, &rule.reason)?;
                v.extend_from_slice(br#","details":"#);
                json(v, &rule.details)?;
                if !rule.trace.is_empty() {
                    v.extend_from_slice(br#","trace":"#);
                    json(v, &rule.trace)?;
                }
                v.push(b'}');
            }
            v.extend_from_slice(b"]}");
        }
        v.extend_from_slice(br#"],"errors":"#);
        json(v, &o.errors)?;
        v.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// Appends one value as serde_json writes it.
fn json<T: Serialize + ?Sized>(v: &mut Vec<u8>, x: &T) -> io::Result<()> {
    Ok(serde_json::to_writer(&mut *v, x)?)
}

/// The opening of the `n`th response or rule object in its list, as
/// serde writes their first three members: `{"id":…,"status":…,"fires":…`.
fn head(v: &mut Vec<u8>, n: usize, id: &str, status: Status, fires: bool) -> io::Result<()> {
    if n > 0 {
        v.push(b',');
    }
    v.extend_from_slice(br#"{"id":"#);
    json(v, id)?;
    v.extend_from_slice(match status {
        Status::Fires => br#","status":"fires""#,
        Status::Quiet => br#","status":"quiet""#,
        Status::Error => br#","status":"error""#,
    });
    v.extend_from_slice(if fires {
        br#","fires":true"#
    } else {
        br#","fires":false"#
    });
    Ok(())
}

impl Reporter for JsonLinesReporter {
    fn diagnostic(&mut self, out: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
        Self::line(out, &Line::Diagnostic(d))
    }

    fn outcome(&mut self, out: &mut dyn Write, _: &RuleSet, o: &Outcome) -> io::Result<()> {
        Self::line(out, &Line::Scenario(o))
    }

    fn finish(&mut self, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::*;
    use crate::eval::Worker;
    use crate::outcome::{ErrorKind, ResponseOutcome, RuleError, RuleVerdict};
    use crate::sandbox::Limits;
    use crate::scenario::discover;

    /// What the derived serialiser writes for a scenario's line.
    fn derived(o: &Outcome) -> io::Result<Vec<u8>> {
        let mut v = serde_json::to_vec(&Line::Scenario(o))?;
        v.push(b'\n');
        Ok(v)
    }

    fn same(o: &Outcome) {
        let mut fast = Vec::new();
        JsonLinesReporter::render_into(o, &mut fast).unwrap_or_else(|e| panic!("{e}"));
        let slow = derived(o).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&slow)
        );
        // The reporter's own line (a library caller's, and `run`'s for a
        // line not rendered on a worker) is the same.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let set = RuleSet::load(&root.join("rules"), Limits::default());
        let mut via = Vec::new();
        JsonLinesReporter
            .outcome(&mut via, &set, o)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(&via),
            String::from_utf8_lossy(&slow)
        );
    }

    #[test]
    fn lines_of_the_shipped_library_are_the_derived_serialisers_bytes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let set = Arc::new(RuleSet::load(&root.join("rules"), Limits::default()));
        let worker = Worker::new(set, Default::default());
        let (files, _) = discover(&[root.join("scenarios")]);
        assert!(files.len() >= 10, "{files:?}");
        for f in &files {
            let Ok(sc) = f.load() else {
                continue;
            };
            let sc = Arc::new(sc);
            same(&worker.evaluate(&sc, sc.as_of));
        }
    }

    #[test]
    fn every_field_and_awkward_text_are_the_derived_serialisers_bytes() {
        let verdict = |id: &str, status, reason: Option<&str>| RuleVerdict {
            id: id.into(),
            status,
            fires: status == Status::Fires,
            reason: reason.map(str::to_string),
            details: serde_json::Value::Null,
            trace: Vec::new(),
        };
        let mut detailed = verdict("a/x", Status::Fires, Some("quote \" slash \\ tab \t é ✓"));
        detailed.details = serde_json::json!({
            "n": 12345678901234567_i64, "f": 1.5, "list": [true, null, "\u{1}"],
            "nested": {"k": "v"}
        });
        detailed.trace = vec!["line 1".into(), "ctl \u{7f} \u{1b}[31m".into()];
        let o = Outcome {
            id: "id \"with\" quotes".into(),
            file: PathBuf::from("scenarios/ünïcode \\ path.toml"),
            title: "Title\nwith a newline".into(),
            as_of: chrono::NaiveDate::from_ymd_opt(812, 3, 4).unwrap_or_default(),
            fired: vec!["a".into(), "b\u{0}".into()],
            responses: vec![
                ResponseOutcome {
                    id: "a".into(),
                    status: Status::Fires,
                    fires: true,
                    rules: vec![detailed, verdict("a/y", Status::Quiet, None)],
                },
                ResponseOutcome {
                    id: "b".into(),
                    status: Status::Error,
                    fires: false,
                    rules: vec![verdict("b/z", Status::Error, Some("boom"))],
                },
                ResponseOutcome {
                    id: "c".into(),
                    status: Status::Quiet,
                    fires: false,
                    rules: Vec::new(),
                },
            ],
            errors: vec![
                RuleError {
                    rule: "b/z".into(),
                    file: PathBuf::from("rules/b/z.rhai"),
                    line: Some(3),
                    column: None,
                    message: "boom".into(),
                    kind: ErrorKind::Runtime,
                },
                RuleError {
                    rule: "b/w".into(),
                    file: PathBuf::from("rules/b/w.rhai"),
                    line: None,
                    column: Some(7),
                    message: "limit".into(),
                    kind: ErrorKind::Limit,
                },
            ],
        };
        same(&o);
        let mut far = o.clone();
        far.as_of = chrono::NaiveDate::from_ymd_opt(12345, 1, 1).unwrap_or_default();
        far.responses.clear();
        far.errors.clear();
        far.fired.clear();
        same(&far);
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_fails_both_ways() {
        use std::os::unix::ffi::OsStrExt;
        let o = Outcome {
            id: "x".into(),
            file: PathBuf::from(std::ffi::OsStr::from_bytes(b"bad\xff.toml")),
            title: String::new(),
            as_of: chrono::NaiveDate::default(),
            fired: Vec::new(),
            responses: Vec::new(),
            errors: Vec::new(),
        };
        assert!(JsonLinesReporter::render_into(&o, &mut Vec::new()).is_err());
        assert!(derived(&o).is_err());
    }
}
