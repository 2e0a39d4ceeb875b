//! `test --coverage`: what a scenario suite exercises. Rule coverage comes
//! from the outcomes themselves (which rules fired, were quiet or errored
//! somewhere; which responses fired). Line coverage merges the lines each
//! worker's instrumented engine ran (`sandbox::line_hits`, taken per
//! thread by the caller) and compares them with the executable lines, the
//! statements of each script's AST.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rhai::{ASTNode, Engine, Stmt};
use serde::Serialize;

use crate::outcome::{Outcome, Status};
use crate::rules::RuleSet;
use crate::sandbox::line_hits::Hits;

/// The 1-based lines that hold a statement, per script source name, with
/// the script's path. Scripts that do not compile are left out (their
/// errors are reported elsewhere).
fn executable_lines(set: &RuleSet) -> Vec<(String, PathBuf, BTreeSet<usize>)> {
    let engine = Engine::new_raw();
    let scripts = set
        .helpers
        .iter()
        .map(|h| (h.name.as_str(), &h.source))
        .chain(set.rules.iter().map(|r| (&*r.id, &r.source)));
    let mut out = Vec::new();
    for (name, source) in scripts {
        let Ok(ast) = engine.compile(&*source.text) else {
            continue;
        };
        let mut lines = BTreeSet::new();
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Stmt(s)) = path.last()
                && !matches!(s, Stmt::Block(..) | Stmt::Noop(..))
                && let Some(l) = s.position().line()
            {
                lines.insert(l);
            }
            true
        });
        out.push((name.to_string(), source.path.clone(), lines));
    }
    out
}

/// How often a rule came out each way across the suite.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RuleTally {
    pub fired: usize,
    pub quiet: usize,
    pub errored: usize,
}

/// Line coverage of one script.
#[derive(Debug, Clone, Serialize)]
pub struct FileLines {
    pub file: PathBuf,
    pub covered: usize,
    pub total: usize,
    pub uncovered: Vec<usize>,
}

/// Everything `--coverage` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub rules: BTreeMap<String, RuleTally>,
    pub responses: BTreeMap<String, usize>,
    pub lines: LineReport,
    /// `--coverage-threshold`, if given.
    pub threshold: Option<f64>,
    /// Whether line coverage meets the threshold (true without one),
    /// judged on the exact ratio, not the rounded-down percent.
    pub threshold_met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineReport {
    pub covered: usize,
    pub total: usize,
    pub percent: f64,
    pub files: Vec<FileLines>,
}

/// Accumulates outcomes and line hits over a run.
#[derive(Debug, Default)]
pub struct Collector {
    rules: BTreeMap<String, RuleTally>,
    responses: BTreeMap<String, usize>,
    hits: Hits,
}

impl Collector {
    /// Starts with every rule and response at zero, so ones never
    /// evaluated still show up.
    pub fn new(set: &RuleSet) -> Collector {
        Collector {
            rules: set
                .rules
                .iter()
                .map(|r| (r.id.to_string(), RuleTally::default()))
                .collect(),
            responses: set.catalogue.ids().map(|id| (id.to_string(), 0)).collect(),
            hits: Hits::new(),
        }
    }

    pub fn outcome(&mut self, o: &Outcome) {
        for r in &o.responses {
            if r.status == Status::Fires {
                *self.responses.entry(r.id.to_string()).or_default() += 1;
            }
            for v in &r.rules {
                let t = self.rules.entry(v.id.to_string()).or_default();
                match v.status {
                    Status::Fires => t.fired += 1,
                    Status::Quiet => t.quiet += 1,
                    Status::Error => t.errored += 1,
                }
            }
        }
    }

    pub fn hits(&mut self, hits: Hits) {
        for (src, lines) in hits {
            self.hits.entry(src).or_default().extend(lines);
        }
    }

    /// The report, with line coverage judged against `threshold` (a percent).
    pub fn report(self, set: &RuleSet, threshold: Option<f64>) -> Report {
        let mut files = Vec::new();
        let (mut covered, mut total) = (0, 0);
        for (name, file, lines) in executable_lines(set) {
            let uncovered: Vec<usize> = lines
                .iter()
                .copied()
                .filter(|l| !self.hits.get(&name).is_some_and(|h| h.contains(l)))
                .collect();
            let c = lines.len() - uncovered.len();
            covered += c;
            total += lines.len();
            files.push(FileLines {
                file,
                covered: c,
                total: lines.len(),
                uncovered,
            });
        }
        files.sort_by(|a, b| a.file.cmp(&b.file));
        Report {
            rules: self.rules,
            responses: self.responses,
            lines: LineReport {
                covered,
                total,
                percent: percent(covered, total),
                files,
            },
            threshold,
            threshold_met: threshold.is_none_or(|t| meets(covered, total, t)),
        }
    }
}

/// A percentage with one decimal; 100 when there is nothing to cover.
pub fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        return 100.0;
    }
    (covered as f64 * 1000.0 / total as f64).floor() / 10.0
}

/// Whether `covered` of `total` is at least `threshold` percent, judged on
/// the exact ratio (185 of 196 is 94.387…%, so it meets 94.38 though it
/// shows as 94.3%). The threshold is taken to a millionth of a percent, so
/// a decimal like 57.7 compares exactly (57.7 × 1000 in floating point is
/// not 57700); nothing to cover meets every threshold.
pub fn meets(covered: usize, total: usize, threshold: f64) -> bool {
    if total == 0 {
        return true;
    }
    // 0..=100 by the argument parser; clamped anyway, so the cast is exact.
    let micro = (threshold.clamp(0.0, 100.0) * 1e6).round() as u128;
    covered as u128 * 100 * 1_000_000 >= micro * total as u128
}

/// `3, 5-7, 9`: line numbers with runs folded into ranges.
pub fn ranges(lines: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = lines[i];
        let mut end = start;
        while i + 1 < lines.len() && lines[i + 1] == end + 1 {
            i += 1;
            end = lines[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Worker, WorkerOptions};
    use crate::sandbox::line_hits::take_hits;
    use crate::testutil;

    #[test]
    fn ranges_fold_runs() {
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[3]), "3");
        assert_eq!(ranges(&[3, 5, 6, 7, 9]), "3, 5-7, 9");
    }

    #[test]
    fn percent_rounds_down_so_a_threshold_is_never_met_by_rounding() {
        assert_eq!(percent(0, 0), 100.0);
        assert_eq!(percent(2, 3), 66.6);
        assert_eq!(percent(999, 1000), 99.9);
        assert_eq!(percent(9999, 10000), 99.9);
    }

    #[test]
    fn a_threshold_is_judged_on_the_exact_ratio_not_the_rounded_percent() {
        // 185 of 196 is 94.387…%, shown as 94.3%.
        assert_eq!(percent(185, 196), 94.3);
        assert!(meets(185, 196, 94.38));
        assert!(meets(185, 196, 94.3));
        assert!(!meets(185, 196, 94.39));
        // Exactly at the threshold meets it, float representation aside.
        assert!(meets(577, 1000, 57.7));
        assert!(meets(1, 10, 10.0));
        assert!(meets(7, 100, 7.0));
        assert!(!meets(576, 1000, 57.7));
        assert!(meets(2, 3, 66.6666));
        assert!(!meets(2, 3, 66.6667));
        assert!(meets(0, 0, 100.0));
        assert!(meets(0, 5, 0.0));
        assert!(meets(5, 5, 100.0));
        assert!(!meets(4, 5, 100.0));
    }

    #[test]
    fn only_the_branch_taken_is_covered() {
        let rule = "const RESPONSE = \"a\";\nfn fires(s) {\n    if s.count(\"strike\") > 0 {\n        return \"strike\";\n    }\n    quiet(\"none\")\n}\n";
        let r = testutil::rules(&[("x.rhai", rule)], Default::default());
        let _ = take_hits();
        let opts = WorkerOptions {
            line_coverage: true,
            ..Default::default()
        };
        let w = Worker::new(r.set.clone(), opts);
        let sc = testutil::scenario(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-01\n",
        );
        let mut c = Collector::new(&r.set);
        c.outcome(&w.evaluate(&sc, sc.as_of));
        c.hits(take_hits());
        let rep = c.report(&r.set, None);
        let f = &rep.lines.files[0];
        // Lines 1 (const), 3 (if), 4 (return), 6 (quiet): 4 is not reached.
        assert_eq!(f.total, 4, "{f:?}");
        assert_eq!(f.uncovered, vec![4], "{f:?}");
        assert_eq!(rep.rules["x"].quiet, 1);
        assert_eq!(rep.responses["a"], 0);
    }
}
