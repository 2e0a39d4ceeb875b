//! What evaluating a rule set on a scenario at a date produced: per rule a
//! verdict, per response a status, and the errors. These types are the
//! JSON contract of `run --format json` (README, "JSON output"), so they
//! are plain serde structs and change only with `format_version`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use crate::rule_error::{ErrorKind, RuleError};

/// The `format_version` of JSON output.
pub const FORMAT_VERSION: u32 = 1;

/// What a rule or a response came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It fires.
    Fires,
    /// It does not fire (a rule's `quiet("why")`, or `false`).
    Quiet,
    /// It could not be judged: the rule errored (see [`Outcome::errors`]).
    Error,
}

/// One rule's verdict on one scenario at one date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleVerdict {
    /// The rule's id, its path under `rules/` without `.rhai`.
    pub id: Arc<str>,
    /// Fires, quiet or error.
    pub status: Status,
    /// `status == Status::Fires`, kept for JSON readers.
    pub fires: bool,
    /// Why it fired (the string it returned) or why it is quiet (its
    /// `quiet("…")`); `None` when it errored.
    pub reason: Option<String>,
    /// The `details` map a rule returned in `#{ fires, reason, details }`,
    /// as JSON; `null` when none.
    pub details: serde_json::Value,
    /// Its `print`/`debug` lines, in order (kept with `--explain`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
}

/// A response's status: fires when any of its rules fires; `error` when
/// none fires and any errored (never `quiet`, so an error is not mistaken
/// for a judgement); `quiet` otherwise.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResponseOutcome {
    /// The response's id in the catalogue (`responses.toml`).
    pub id: Arc<str>,
    /// Fires, quiet or error, as above.
    pub status: Status,
    /// `status == Status::Fires`, kept for JSON readers.
    pub fires: bool,
    /// The verdict of each of its rules, sorted by id.
    pub rules: Vec<RuleVerdict>,
}

/// Everything one scenario produced at one judgement date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    /// The scenario's id.
    pub id: String,
    /// The file the scenario came from (its name, for one from memory).
    pub file: PathBuf,
    /// The scenario's title.
    pub title: String,
    /// The judgement date: only events up to it were visible.
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// Sorted ids of the responses that fire.
    pub fired: Vec<Arc<str>>,
    /// Every response with rules, sorted by id.
    pub responses: Vec<ResponseOutcome>,
    /// Every rule error, with its rule, kind, message and position.
    pub errors: Vec<RuleError>,
}

/// Serialises a date as ISO `YYYY-MM-DD`, as every JSON output writes it.
pub fn iso<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

impl Outcome {
    /// What a rule said: its reason, or, when it errored, its error
    /// message.
    pub fn said(&self, v: &RuleVerdict) -> Option<String> {
        match v.status {
            Status::Error => self
                .errors
                .iter()
                .find(|e| *e.rule == *v.id)
                .map(|e| e.message.clone()),
            _ => v.reason.clone(),
        }
    }

    /// The outcome of response `id`, if it has rules.
    pub fn response(&self, id: &str) -> Option<&ResponseOutcome> {
        self.responses.iter().find(|r| *r.id == *id)
    }

    /// The verdict of rule `id`, if it ran.
    pub fn rule(&self, id: &str) -> Option<&RuleVerdict> {
        self.responses
            .iter()
            .flat_map(|r| &r.rules)
            .find(|r| *r.id == *id)
    }

    /// Whether `response` fires.
    pub fn fires(&self, response: &str) -> bool {
        self.fired.iter().any(|f| **f == *response)
    }
}
