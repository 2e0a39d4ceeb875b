//! Reporters for `run`: one per output format behind one trait, so the
//! verb streams outcomes without knowing how they are shown. JSON shapes
//! are serde serialisations of the `outcome` types.

mod json;
mod markdown;
mod text;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::diagnostic::Diagnostic;
use crate::outcome::Outcome;
use crate::rules::RuleSet;

pub use json::{JsonLinesReporter, JsonReporter};
pub use markdown::MarkdownReporter;
pub use text::TextReporter;

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: what fires first, with rules and reasons
    Text,
    /// One JSON object (format_version 1)
    Json,
    /// One JSON object per line, streamed as each scenario finishes
    Jsonl,
    /// Tables, fit for a pull-request comment
    Markdown,
}

/// The order responses are shown in, by every format for people: highest
/// severity first, then by id.
pub(crate) fn rank(set: &RuleSet, r: &crate::outcome::ResponseOutcome) -> (i64, String) {
    let sev = set.catalogue.get(&r.id).map_or(0, |c| c.severity);
    (-sev, r.id.to_string())
}

/// Receives a run's results in order.
pub trait Reporter {
    /// A load-time problem (a bad scenario or rule file).
    fn diagnostic(&mut self, out: &mut dyn Write, d: &Diagnostic) -> io::Result<()>;
    /// One scenario's outcome.
    fn outcome(&mut self, out: &mut dyn Write, set: &RuleSet, o: &Outcome) -> io::Result<()>;
    /// After the last scenario.
    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// A reporter for a format; `explain` shows every rule's verdict and trace.
pub fn reporter(format: Format, explain: bool, color: bool) -> Box<dyn Reporter> {
    match format {
        Format::Text => Box::new(TextReporter::new(explain, color)),
        Format::Json => Box::new(JsonReporter::default()),
        Format::Jsonl => Box::new(JsonLinesReporter),
        Format::Markdown => Box::new(MarkdownReporter::new(explain)),
    }
}
