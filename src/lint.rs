//! What `check` finds beyond the problems of loading: every scenario
//! validated against the rules, ids used twice, event kinds a rule asks
//! for that no scenario has (probably a typo; with a vocabulary, the
//! kinds and fields rules name are checked against it instead,
//! `rules::conform`), and catalogue responses no rule fires (they would vanish from every output); and, for `check
//! --native`, which rules native code runs and why the others run in Rhai.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Severity, did_you_mean};
use crate::eval::{self, WorkerOptions};
use crate::rules::RuleSet;
use crate::scenario::{Event, Scenario, ScenarioFile, SeenIds, discover};
use crate::suite::validate;

/// The problems of `files` (each loaded and validated against `set`),
/// then the event kinds no scenario has, then the responses no rule fires.
///
/// "No scenario has" is a claim about the library: checking one file must
/// not make every kind it lacks a warning, so the kinds of the scenario
/// folder `tree` count too when `files` were picked from it. Its files'
/// problems are not reported here, and it is read only while a kind a
/// rule names is still unseen.
pub fn check(set: &RuleSet, files: &[ScenarioFile], tree: Option<&Path>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut kinds: BTreeSet<String> = BTreeSet::new();
    let mut ids = SeenIds::default();
    let mut loaded = 0;
    for f in files {
        match f.load_with(set.vocabulary().map(|v| &**v)) {
            Ok(sc) => {
                loaded += 1;
                kinds.extend(sc.kinds().map(str::to_string));
                diags.extend(validate(&sc, set));
                diags.extend(ids.check(&sc.id, &sc.file));
                diags.extend(variant_ids(&sc));
            }
            Err(d) => diags.extend(d),
        }
    }
    // A vocabulary that declares kinds is the authority on them: a kind
    // it lacks is an error in the rule (`rules::conform`), whatever the
    // scenarios hold.
    let vocabulary = set.vocabulary().map(|v| &**v);
    let declared = vocabulary.is_some_and(|v| v.kinds.is_some());
    let unseen = |kinds: &BTreeSet<String>| {
        set.rules
            .iter()
            .flat_map(|r| &r.kinds)
            .any(|(k, ..)| !kinds.contains(k))
    };
    if loaded > 0
        && !declared
        && let Some(tree) = tree
        && unseen(&kinds)
        && tree.is_dir()
    {
        let given: BTreeSet<_> = files.iter().map(|f| f.path.clone()).collect();
        for f in discover(&[tree.to_path_buf()]).0 {
            if !given.contains(&f.path)
                && let Ok(sc) = f.load()
            {
                kinds.extend(sc.kinds().map(str::to_string));
                if !unseen(&kinds) {
                    break;
                }
            }
        }
    }
    // With no scenario loaded, every kind would be unknown: that is said
    // by the scenarios' own problems.
    if loaded > 0 && !declared {
        diags.extend(unknown_kinds(set, &kinds));
    }
    if let Some(v) = vocabulary {
        diags.extend(crate::rules::conform::check(set, v));
    }
    diags.extend(unused_responses(set));
    diags
}

/// A warning per event of a variant whose `id` replaces no base event but
/// looks like a typo of the id of a base event of the same kind that is
/// still there (`round-l` for `round-1`): the variant then adds a second
/// event where it meant to replace the first. Variants may add events, and
/// their ids are often numbered after the base's (`round-2` after
/// `round-1`), so ids that differ only in numbering are left alone.
pub fn variant_ids(sc: &Scenario) -> Vec<Diagnostic> {
    if sc.bases().is_empty() {
        return Vec::new();
    }
    let (own, base): (Vec<&Event>, Vec<&Event>) =
        sc.events().iter().partition(|e| e.file() == sc.file());
    let src = sc.source();
    own.iter()
        .filter_map(|e| {
            let id = e.id()?;
            let meant = base
                .iter()
                .filter(|b| b.kind() == e.kind())
                .filter_map(|b| b.id())
                .find(|b| typo_of(id, b))?;
            let help = format!("did you mean `{meant}`?");
            // The id's own text, inside its event's table.
            let span = e.span();
            let quoted = format!("\"{id}\"");
            let at = src
                .text
                .get(span.clone())
                .and_then(|t| t.find(&quoted))
                .map_or(span.clone(), |i| span.start + i..span.start + i + quoted.len());
            Some(
                src.diag(
                    Severity::Warning,
                    at,
                    format!("event id `{id}` replaces no event of the base scenario, so this event is added to them"),
                )
                .with_code(Code::UnknownEventId)
                .with_help(format!(
                    "{help} (a variant's event replaces the base event with the same `id`)"
                )),
            )
        })
        .collect()
}

/// Whether `id` reads as a mistyping of `other`: at most two edits apart,
/// and not only in numbering (what differs, past their common start and
/// end, is more than digits and separators).
fn typo_of(id: &str, other: &str) -> bool {
    if strsim::levenshtein(id, other) > 2 {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (id.chars().collect(), other.chars().collect());
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let numbering = |s: &[char]| {
        s.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
    };
    !(numbering(&a[start..a.len() - end]) && numbering(&b[start..b.len() - end]))
}

/// A warning per event kind a rule asks for that is not in `kinds`, with
/// the nearest kind that is.
pub fn unknown_kinds(set: &RuleSet, kinds: &BTreeSet<String>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for r in &set.rules {
        for (kind, line, col) in &r.kinds {
            if !kinds.contains(kind) {
                let mut d = r
                    .source
                    .error_at(
                        *line,
                        *col,
                        format!("no scenario has an event of kind `{kind}`"),
                    )
                    .with_code(Code::UnknownKindInRule);
                d.severity = Severity::Warning;
                diags.push(d.with_help_opt(did_you_mean(kind, kinds.iter().map(String::as_str))));
            }
        }
    }
    diags
}

/// A warning per catalogue response that no rule names: it can never
/// fire, and `run` and `test` leave it out of every output, so without
/// this it would vanish silently (a rule's `RESPONSE` misspelt, or a rule
/// deleted).
pub fn unused_responses(set: &RuleSet) -> Vec<Diagnostic> {
    let Some(src) = &set.catalogue.source else {
        return Vec::new();
    };
    let named: BTreeSet<&str> = set.rules.iter().map(|r| r.response.as_str()).collect();
    set.catalogue
        .responses
        .values()
        .filter(|r| !named.contains(r.id.as_str()))
        .map(|r| {
            src.diag(
                Severity::Warning,
                r.span.clone(),
                format!("no rule fires `{}`", r.id),
            )
            .with_code(Code::UnusedResponse)
            .with_help(format!(
                "it is left out of every output; add a rule with `const RESPONSE = \"{}\";`, or remove it from the catalogue",
                r.id
            ))
        })
        .collect()
}

/// Which rules native code runs.
pub struct NativeUse {
    /// Rules run as native code.
    pub native: usize,
    /// Rules in all.
    pub rules: usize,
    /// The others, in load order.
    pub in_rhai: Vec<InRhai>,
}

/// A rule that runs in Rhai.
pub struct InRhai {
    pub path: PathBuf,
    /// The first construct native code lacks; `None` when the rule does
    /// not compile.
    pub why: Option<String>,
}

/// Which rules native code runs, compiling them to find out; `None` when
/// native code is off (`--engine rhai`).
pub fn native_use(set: &RuleSet, opts: &WorkerOptions) -> Option<NativeUse> {
    if !opts.native {
        return None;
    }
    let (_, compiled) = eval::compile(set, opts);
    let mut native = 0;
    let mut in_rhai = Vec::new();
    for (r, c) in set.rules.iter().zip(&compiled) {
        let path = r.path().to_path_buf();
        match c.as_ref().ok().map(|c| &c.native) {
            Some(Ok(_)) => native += 1,
            Some(Err(why)) => in_rhai.push(InRhai {
                path,
                why: Some(why.0.clone()),
            }),
            None => in_rhai.push(InRhai { path, why: None }),
        }
    }
    Some(NativeUse {
        native,
        rules: set.rules.len(),
        in_rhai,
    })
}
