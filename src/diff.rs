//! What a rule change does: the same scenario judged by two rule sets, and
//! the differences between the two outcomes — responses whose status
//! changed, rules whose verdict or reason changed. Comparing is part of the
//! lean library; finding the base rule set for `diff --base` ([`base`]) needs
//! a temporary folder and comes with the `cli` feature. [`over_time`]
//! compares the two rule sets' timelines: the dates responses fire.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::outcome::{Outcome, Status, iso};

#[cfg(feature = "cli")]
pub mod base;
pub mod over_time;
#[cfg(feature = "cli")]
pub use base::{BaseError, BlobError, GitError, TreeError, base_rules};

/// A rule's side of a change: its status and reason (the error message
/// when it errored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSide {
    pub status: Status,
    pub reason: Option<String>,
}

/// A response whose status differs; `None` when one rule set has no such
/// response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseChange {
    pub id: String,
    pub base: Option<Status>,
    pub current: Option<Status>,
}

/// A rule whose verdict or reason differs; `None` when it exists on one side
/// only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    pub id: String,
    pub base: Option<RuleSide>,
    pub current: Option<RuleSide>,
}

/// Everything that changed in one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: String,
    pub file: PathBuf,
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// False when only reasons changed: every response and every rule came
    /// out the same way, for different stated reasons.
    pub verdicts_changed: bool,
    pub responses: Vec<ResponseChange>,
    pub rules: Vec<RuleChange>,
}

fn rule_sides(o: &Outcome) -> Vec<(String, RuleSide)> {
    o.responses
        .iter()
        .flat_map(|r| &r.rules)
        .map(|v| {
            let side = RuleSide {
                status: v.status,
                reason: o.said(v),
            };
            (v.id.to_string(), side)
        })
        .collect()
}

/// The differences between two outcomes of one scenario, or `None` when
/// they agree on every response and every rule's verdict and reason.
pub fn compare(base: &Outcome, current: &Outcome) -> Option<Change> {
    let ids: BTreeSet<&str> = base
        .responses
        .iter()
        .chain(&current.responses)
        .map(|r| &*r.id)
        .collect();
    let responses: Vec<ResponseChange> = ids
        .into_iter()
        .filter_map(|id| {
            let b = base.response(id).map(|r| r.status);
            let c = current.response(id).map(|r| r.status);
            (b != c).then(|| ResponseChange {
                id: id.to_string(),
                base: b,
                current: c,
            })
        })
        .collect();
    let (b_rules, c_rules) = (rule_sides(base), rule_sides(current));
    let find = |v: &[(String, RuleSide)], id: &str| {
        v.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone())
    };
    let rule_ids: BTreeSet<&str> = b_rules
        .iter()
        .chain(&c_rules)
        .map(|(id, _)| id.as_str())
        .collect();
    let rules: Vec<RuleChange> = rule_ids
        .into_iter()
        .filter_map(|id| {
            let (b, c) = (find(&b_rules, id), find(&c_rules, id));
            (b != c).then(|| RuleChange {
                id: id.to_string(),
                base: b,
                current: c,
            })
        })
        .collect();
    if responses.is_empty() && rules.is_empty() {
        return None;
    }
    let status = |s: &Option<RuleSide>| s.as_ref().map(|s| s.status);
    let verdicts_changed =
        !responses.is_empty() || rules.iter().any(|r| status(&r.base) != status(&r.current));
    Some(Change {
        id: current.id.clone(),
        file: current.file.clone(),
        as_of: current.as_of,
        verdicts_changed,
        responses,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    #[test]
    fn identical_outcomes_have_no_change_and_a_flipped_threshold_has_one() {
        let sc = testutil::scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"strike\"\ndate = 2025-06-01\ndrones = 250\n",
        );
        let rule = |n: i64| {
            format!(
                "const RESPONSE = \"a\";\nfn fires(s) {{ if s.latest(\"strike\").drones > {n} {{ \"many drones\" }} else {{ quiet(\"few drones\") }} }}\n"
            )
        };
        let (_b, base) = testutil::worker(&[("drones.rhai", &rule(100))]);
        let (_s, same) = testutil::worker(&[("drones.rhai", &rule(100))]);
        let (_r, raised) = testutil::worker(&[("drones.rhai", &rule(300))]);
        let b = base.evaluate(&sc, sc.as_of);
        assert!(compare(&b, &same.evaluate(&sc, sc.as_of)).is_none());
        let c = compare(&b, &raised.evaluate(&sc, sc.as_of)).unwrap();
        assert_eq!(
            c.responses,
            vec![ResponseChange {
                id: "a".into(),
                base: Some(Status::Fires),
                current: Some(Status::Quiet),
            }]
        );
        assert!(c.verdicts_changed);
        assert_eq!(c.rules.len(), 1);
        assert_eq!(
            c.rules[0].base.as_ref().unwrap().reason.as_deref(),
            Some("many drones")
        );
        assert_eq!(
            c.rules[0].current.as_ref().unwrap().reason.as_deref(),
            Some("few drones")
        );
    }
}
