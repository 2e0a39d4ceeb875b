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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fires,
    Quiet,
    Error,
}

/// One rule's verdict on one scenario at one date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleVerdict {
    pub id: Arc<str>,
    pub status: Status,
    pub fires: bool,
    pub reason: Option<String>,
    pub details: serde_json::Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
}

/// A response's status: fires when any of its rules fires; `error` when
/// none fires and any errored (never `quiet`, so an error is not mistaken
/// for a judgement); `quiet` otherwise.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResponseOutcome {
    pub id: Arc<str>,
    pub status: Status,
    pub fires: bool,
    pub rules: Vec<RuleVerdict>,
}

/// Everything one scenario produced at one judgement date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    pub id: String,
    pub file: PathBuf,
    pub title: String,
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// Sorted ids of the responses that fire.
    pub fired: Vec<Arc<str>>,
    /// Every response with rules, sorted by id.
    pub responses: Vec<ResponseOutcome>,
    pub errors: Vec<RuleError>,
}

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

    pub fn response(&self, id: &str) -> Option<&ResponseOutcome> {
        self.responses.iter().find(|r| *r.id == *id)
    }

    pub fn rule(&self, id: &str) -> Option<&RuleVerdict> {
        self.responses
            .iter()
            .flat_map(|r| &r.rules)
            .find(|r| *r.id == *id)
    }

    pub fn fires(&self, response: &str) -> bool {
        self.fired.iter().any(|f| **f == *response)
    }
}
