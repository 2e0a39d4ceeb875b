//! What a rule change does: the same scenario judged by two rule sets, and
//! the differences between the two outcomes — responses whose status
//! changed, rules whose verdict or reason changed. The base rule set is a
//! folder, or a git revision read into a temporary folder with `git
//! ls-tree` and `git show`, so the user's work tree, index and branches are
//! never touched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use serde::Serialize;

use crate::outcome::{Outcome, Status, iso};

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
            let reason = match v.status {
                Status::Error => o
                    .errors
                    .iter()
                    .find(|e| *e.rule == *v.id)
                    .map(|e| e.message.clone()),
                _ => v.reason.clone(),
            };
            let side = RuleSide {
                status: v.status,
                reason,
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

/// The base rules folder: `spec` itself when it is a folder, otherwise the
/// current rules folder as it was at git revision `spec`, written into a
/// temporary folder that lives as long as the returned guard.
pub fn base_rules(
    spec: &str,
    rules: &Path,
) -> Result<(PathBuf, Option<tempfile::TempDir>), String> {
    let as_dir = Path::new(spec);
    if as_dir.is_dir() {
        if !as_dir.join("responses.toml").is_file() {
            let hint = if as_dir.join("rules/responses.toml").is_file() {
                format!("; did you mean `{}`?", as_dir.join("rules").display())
            } else {
                String::new()
            };
            return Err(format!(
                "`{spec}` is not a rules folder: it has no responses.toml{hint}"
            ));
        }
        return Ok((as_dir.to_path_buf(), None));
    }
    let tmp = tempfile::Builder::new()
        .prefix("sanctions-trigger-base-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let dest = tmp.path().join("rules");
    export_from_git(spec, rules, &dest)?;
    Ok((dest, Some(tmp)))
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.trim().to_string());
    }
    Ok(out.stdout)
}

/// Writes the files under `rules` at revision `rev` into `dest`.
fn export_from_git(rev: &str, rules: &Path, dest: &Path) -> Result<(), String> {
    let not_rev = |e: String| {
        format!(
            "`{rev}` is neither a folder nor a git revision of the repository holding `{}`: {e}",
            rules.display()
        )
    };
    let rules_abs = rules
        .canonicalize()
        .map_err(|e| format!("cannot read `{}`: {e}", rules.display()))?;
    let top = git(&rules_abs, &["rev-parse", "--show-toplevel"]).map_err(not_rev)?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = top.canonicalize().unwrap_or(top);
    let rel = rules_abs
        .strip_prefix(&top)
        .map_err(|_| format!("`{}` is outside its git repository", rules.display()))?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    // `^{commit}` makes a typo an error here rather than an empty listing.
    git(
        &top,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )
    .map_err(not_rev)?;
    let spec = if rel.is_empty() {
        ".".to_string()
    } else {
        rel.clone()
    };
    let list = git(
        &top,
        &["ls-tree", "-r", "-z", "--name-only", rev, "--", &spec],
    )?;
    let names: Vec<&[u8]> = list.split(|b| *b == 0).filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        return Err(format!("`{rel}` does not exist at revision `{rev}`"));
    }
    for name in names {
        let name = String::from_utf8_lossy(name);
        let inner = match rel.as_str() {
            "" => name.as_ref(),
            r => name
                .strip_prefix(r)
                .map_or(name.as_ref(), |n| n.trim_start_matches('/')),
        };
        let bytes = git(&top, &["show", &format!("{rev}:{name}")])?;
        let path = dest.join(inner);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot write `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
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
