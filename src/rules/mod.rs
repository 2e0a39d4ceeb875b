//! The rule library: every `.rhai` file under the rules folder except
//! `lib/` is a rule (its id is its path without `.rhai`), `lib/` holds
//! helpers, and `responses.toml` is the catalogue. Loading compiles and
//! checks everything once, collects every problem as a diagnostic, and
//! orders responses so that `fired("x")` always reads a finished verdict.
//! A [`RuleSet`] is immutable data (`Send + Sync`), read through its
//! accessors and shared behind an `Arc`; how it is run — limits, native
//! code, line coverage — is each worker's option, and each worker thread
//! compiles it again for its own engine (`eval::compile`).
//!
//! Where the texts come from — a folder, or memory — is `sources.rs`;
//! loading them is `load.rs` (with `script.rs` compiling one script, which
//! workers reuse), where rules read `fired` is `reads.rs`, and their
//! order is `plan.rs`. Nothing here depends on evaluation or reporting.

pub(crate) mod analyze;
pub mod catalogue;
pub(crate) mod conform;
mod load;
mod plan;
mod reads;
pub(crate) mod script;
pub(crate) mod sources;
pub mod switch;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceText};
use crate::rule_error::RuleError;
use crate::vocabulary::Vocabulary;
pub use catalogue::{Catalogue, Response};

/// A helper script under `lib/`, imported as `import "lib/name" as x;`.
#[derive(Debug, Clone)]
pub struct Helper {
    /// The import path: `lib/talks`.
    pub name: String,
    pub source: SourceText,
    /// What each of its functions calls and reads with `fired`.
    pub calls: analyze::CallGraph,
    /// The variables it exports (`export const X = …;`), which rules may
    /// read as `alias::X`.
    pub exports: BTreeSet<String>,
    /// Where the `switch` check was inserted into the compiled text.
    pub shifts: switch::Shifts,
}

/// Where a rule reads a response with `fired`: in its own text, or in a
/// helper function it calls, with the calls that lead there.
#[derive(Debug, Clone)]
pub struct Read {
    /// Index into `RuleSet::helpers`, or `None` for the rule's own text.
    pub helper: Option<usize>,
    pub line: usize,
    pub column: usize,
    /// From `fires` (or the top level, empty) to the function that reads.
    pub calls: Vec<String>,
}

/// A rule: one script deciding whether one response fires.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: Arc<str>,
    pub source: SourceText,
    pub response: String,
    /// `const SOURCE`: the commitment the rule encodes.
    pub cite: Option<String>,
    /// The leading `//!` lines.
    pub description: String,
    pub imports: Vec<String>,
    /// The responses this rule reads with `fired` in the code it can
    /// reach — its top level, `fires`, and the functions (its own and its
    /// helpers') called from there — each with where it first reads it.
    pub reads: BTreeMap<String, Read>,
    /// Event kinds the rule names literally (`s.latest("talks")`), with
    /// their 1-based line and column, for `check`'s typo warnings.
    pub kinds: Vec<(String, usize, usize)>,
    /// Set when the rule could not be loaded: every evaluation reports it.
    pub broken: Option<RuleError>,
    /// The rule or a helper it imports calls `since`: evaluating it needs
    /// a replay of the days before the judgement date.
    pub since: bool,
    /// Where the `switch` check was inserted into the compiled text.
    pub shifts: switch::Shifts,
}

impl Rule {
    pub fn path(&self) -> &Path {
        &self.source.path
    }
}

/// Everything loaded from a rules folder, as loaded: [`RuleSet::load`]
/// is the only way to make one, and nothing changes it afterwards.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) dir: PathBuf,
    /// The rules folder was not there.
    pub(crate) missing: bool,
    pub(crate) catalogue: Catalogue,
    pub(crate) helpers: Vec<Helper>,
    /// Helper files found, those that failed to load included.
    pub(crate) helpers_found: usize,
    /// Sorted by id.
    pub(crate) rules: Vec<Rule>,
    /// Responses in evaluation order, each with the indices of its rules.
    pub(crate) plan: Vec<(Arc<str>, Vec<usize>)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// `vocabulary.toml`, if the folder has one (and it has no error).
    pub(crate) vocabulary: Option<Arc<Vocabulary>>,
    /// Each rule script as it loaded, for [`RuleSet::reload_changed`].
    pub(crate) kept: Arc<load::Kept>,
}

impl RuleSet {
    /// The rules folder, as given; `rules` for a set given in memory,
    /// whose texts are named as files under it.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The helpers that loaded.
    pub fn helpers(&self) -> &[Helper] {
        &self.helpers
    }

    /// Helper files found, those that failed to load included.
    pub fn helpers_found(&self) -> usize {
        self.helpers_found
    }

    /// Every rule, sorted by id; those that did not load are broken.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Responses in evaluation order, each with the indices (into
    /// [`RuleSet::rules`]) of its rules.
    pub fn plan(&self) -> &[(Arc<str>, Vec<usize>)] {
        &self.plan
    }

    /// Every problem found as the folder loaded.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| *r.id == *id)
    }

    /// Whether the rules folder was not there: the one diagnostic is all
    /// there is to say, and a verb stops on it (every scenario would
    /// otherwise report each response it names as unknown).
    pub fn folder_missing(&self) -> bool {
        self.missing
    }

    /// The scenario vocabulary (`vocabulary.toml`), if the rules have one
    /// without errors: scenarios run under these rules are checked
    /// against it.
    pub fn vocabulary(&self) -> Option<&Arc<Vocabulary>> {
        self.vocabulary.as_ref()
    }
}

/// 1-based line and column of the first occurrence of `needle`.
pub fn find_text(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, l[..c].chars().count() + 1)))
        .unwrap_or((1, 1))
}
