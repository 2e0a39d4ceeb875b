//! Loading a rules folder: the catalogue, the helpers under `lib/`, then
//! each rule, checked against what was loaded before it — its imports,
//! the helper constants it reads, its response and the ids it gives
//! `fired` — with every problem kept as a diagnostic. A rule that cannot
//! load is kept, broken, so that its response reports an error rather
//! than looking quiet.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::Engine;
use rhai::module_resolvers::StaticModuleResolver;

use super::script::{self, compile_helper, load_error};
use super::sources::{Script, Sources};
use super::{Catalogue, Helper, Read, Rule, RuleSet, analyze, find_text, plan, reads, switch};
use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean};
use crate::rule_error::ErrorKind;
use crate::sandbox::{self, Limits};

impl RuleSet {
    /// Loads, compiles and checks a rules folder. `limits` bound the top
    /// levels run as it loads; each worker is given its own.
    pub fn load(dir: &Path, limits: Limits) -> RuleSet {
        RuleSet::from_sources(Sources::folder(dir), &limits)
    }

    /// The rules folder loaded again after the files at `changed` (as
    /// the folder walk names them: added, removed or edited) changed,
    /// and nothing else in it: what [`RuleSet::load`] gives, but only the
    /// changed rule scripts are read, compiled and checked again. The
    /// others are taken as this set loaded them, unless the catalogue,
    /// the helpers or `limits` differ from this load's (then every rule
    /// is); the whole-set steps (the order of the responses, cycles) run
    /// again over all of them.
    pub fn reload_changed(&self, changed: &[PathBuf], limits: Limits) -> RuleSet {
        if self.missing {
            return RuleSet::load(&self.dir, limits);
        }
        let changed: HashSet<&Path> = changed.iter().map(PathBuf::as_path).collect();
        let texts: HashMap<&Path, &SourceText> = self
            .kept
            .scripts
            .iter()
            .map(|k| (k.source.path.as_path(), &k.source))
            .collect();
        let kept = |p: &Path| {
            if changed.contains(p) {
                return None;
            }
            texts.get(p).map(|s| (*s).clone())
        };
        let sources = Sources::folder_reusing(&self.dir, &kept);
        RuleSet::from_sources_reusing(sources, &limits, Some(&self.kept))
    }

    /// Compiles and checks the texts of a rule set, wherever they came
    /// from: the catalogue, then the helpers (rules import them), then
    /// each rule.
    pub(crate) fn from_sources(sources: Sources, limits: &Limits) -> RuleSet {
        RuleSet::from_sources_reusing(sources, limits, None)
    }

    /// [`RuleSet::from_sources`], taking from `reuse` each rule whose
    /// id, path and text are those it was loaded from, when the rules
    /// are checked against the same catalogue, helpers and limits.
    fn from_sources_reusing(sources: Sources, limits: &Limits, reuse: Option<&Kept>) -> RuleSet {
        let Sources {
            dir,
            missing,
            catalogue,
            vocabulary,
            listing,
            helpers,
            rules: rule_scripts,
        } = sources;
        if missing {
            return RuleSet::not_a_folder(&dir);
        }
        let mut diags = Vec::new();
        let catalogue_text = catalogue.as_ref().ok().map(|s| s.text.clone());
        let (catalogue, d) = match catalogue {
            Ok(source) => Catalogue::parse(source),
            Err(d) => (Catalogue::default(), vec![d]),
        };
        diags.extend(d);
        // A vocabulary with errors is reported and not used: checked
        // against half of it, every scenario would have errors too.
        let vocabulary = match vocabulary {
            None => None,
            Some(Ok(source)) => match crate::vocabulary::parse(source) {
                Ok(v) => Some(Arc::new(v)),
                Err(d) => {
                    diags.extend(d);
                    None
                }
            },
            Some(Err(d)) => {
                diags.push(d);
                None
            }
        };
        diags.extend(listing);
        let context = Context::of(&catalogue_text, &helpers, limits);
        let reuse: HashMap<&Path, &KeptScript> = reuse
            .filter(|k| k.context == context)
            .map(|k| {
                k.scripts
                    .iter()
                    .map(|s| (s.source.path.as_path(), s))
                    .collect()
            })
            .unwrap_or_default();

        // Helpers first: rules import them. This engine only runs top
        // levels, so it reads the clock at every operation.
        let mut engine = sandbox::engine(limits, StaticModuleResolver::new());
        sandbox::clock_per_operation(&mut engine);
        let loaded = load_helpers(&engine, helpers, limits, &mut diags);
        engine.set_module_resolver(loaded.resolver);
        let cx = RuleLoad {
            dir: &dir,
            engine: &engine,
            limits,
            catalogue: &catalogue,
            helpers: &loaded.helpers,
            failed: &loaded.failed,
        };
        let mut rules = Vec::new();
        let mut kept = Kept {
            context,
            scripts: Vec::with_capacity(rule_scripts.len()),
        };
        for Script { id, path, text } in rule_scripts {
            let source = match text {
                Ok(source) => source,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let script = match reuse.get(path.as_path()) {
                Some(k) if k.id == id && k.source.text == source.text => (*k).clone(),
                _ => {
                    let mut own = Vec::new();
                    let rule = cx.rule(id.clone(), &path, source.clone(), &mut own);
                    KeptScript {
                        id,
                        source,
                        rule,
                        diagnostics: own,
                    }
                }
            };
            rules.extend(script.rule.clone());
            diags.extend(script.diagnostics.iter().cloned());
            kept.scripts.push(script);
        }

        let plan = plan::plan(&mut rules, &loaded.helpers, &mut diags);
        RuleSet {
            dir,
            missing: false,
            catalogue,
            helpers: loaded.helpers,
            helpers_found: loaded.found,
            rules,
            plan,
            diagnostics: diags,
            vocabulary,
            kept: Arc::new(kept),
        }
    }

    /// The set of a path that is not a folder: one diagnostic, not a
    /// missing catalogue, an unreadable folder and a missing folder, for
    /// they are one mistake.
    fn not_a_folder(dir: &Path) -> RuleSet {
        let message = if dir.exists() {
            "rules folder not found: this is a file"
        } else {
            "rules folder not found"
        };
        RuleSet {
            dir: dir.to_path_buf(),
            missing: true,
            catalogue: Catalogue::default(),
            helpers: Vec::new(),
            helpers_found: 0,
            rules: Vec::new(),
            plan: Vec::new(),
            vocabulary: None,
            kept: Arc::default(),
            diagnostics: vec![Diagnostic::error(Some(dir), message)
                .with_code(Code::MissingRulesFolder)
                .with_help(
                "a rules folder holds the rules (`*.rhai`), their helpers (`lib/`) and `responses.toml`",
            )],
        }
    }
}

/// What loading each rule script gave, kept in the [`RuleSet`] so that a
/// reload after a few files changed compiles and checks only those
/// ([`RuleSet::reload_changed`]).
#[derive(Debug, Default)]
pub(crate) struct Kept {
    /// What the rules were checked against.
    context: Context,
    /// Each rule script that could be read, in load order.
    scripts: Vec<KeptScript>,
}

/// Everything a rule's load depends on besides its own text: the
/// catalogue's and the helpers' texts (those that could not be read
/// named by their path) and the limits its top level ran under.
#[derive(Debug, Default, PartialEq)]
struct Context {
    catalogue: Option<Arc<str>>,
    helpers: Vec<(String, PathBuf, Option<Arc<str>>)>,
    limits: String,
}

impl Context {
    fn of(catalogue: &Option<Arc<str>>, helpers: &[Script], limits: &Limits) -> Context {
        Context {
            catalogue: catalogue.clone(),
            helpers: helpers
                .iter()
                .map(|h| {
                    let text = h.text.as_ref().ok().map(|s| s.text.clone());
                    (h.id.clone(), h.path.clone(), text)
                })
                .collect(),
            limits: format!("{limits:?}"),
        }
    }
}

/// One rule script as loaded: before the plan (which may mark it broken
/// for a cycle, and runs again at every load), with its own problems.
#[derive(Debug, Clone)]
struct KeptScript {
    id: String,
    source: SourceText,
    /// `None` for a script that names no response.
    rule: Option<Rule>,
    diagnostics: Vec<Diagnostic>,
}

/// The helpers that loaded, and what rules importing the others report.
struct Helpers {
    helpers: Vec<Helper>,
    /// Helpers that failed as they loaded, with what the rules importing
    /// them report and its kind.
    failed: HashMap<String, (String, ErrorKind)>,
    /// Helper files found, those that failed to load included.
    found: usize,
    /// The modules of those that loaded, for rules to import.
    resolver: StaticModuleResolver,
}

/// Compiles each helper and runs its top level into a module.
fn load_helpers(
    engine: &Engine,
    scripts: Vec<Script>,
    limits: &Limits,
    diags: &mut Vec<Diagnostic>,
) -> Helpers {
    let mut out = Helpers {
        helpers: Vec::new(),
        failed: HashMap::new(),
        found: 0,
        resolver: StaticModuleResolver::new(),
    };
    for Script { id, text, .. } in scripts {
        let source = match text {
            Ok(source) => source,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        out.found += 1;
        let name = format!("lib/{id}");
        // Where a helper that did not compile has its (first) error.
        let did_not_compile = |d: &Diagnostic| {
            format!(
                "imports a helper that did not compile: `{name}` (its error is at {}:{}:{})",
                source.path.display(),
                d.line.unwrap_or(1),
                d.column.unwrap_or(1)
            )
        };
        match compile_helper(engine, &name, &source, limits) {
            Ok((module, a, _, shifts)) => {
                let mut problems = script_problems(&source, &a, &shifts);
                if !a.imports.is_empty() {
                    problems.push(
                        source
                            .error_at(1, 1, "helpers cannot import other helpers")
                            .with_code(Code::ImportRefused)
                            .with_help("import both from the rule instead"),
                    );
                }
                if let Some(first) = problems.first() {
                    let why = did_not_compile(first);
                    out.failed.insert(name, (why, ErrorKind::Compile));
                    diags.extend(problems);
                } else {
                    let exports = module.iter_var().map(|(n, _)| n.to_string()).collect();
                    out.resolver.insert(name.clone(), module);
                    out.helpers.push(Helper {
                        name,
                        source,
                        calls: a.calls,
                        exports,
                        shifts,
                    });
                }
            }
            Err(f) => {
                let why = if f.ran {
                    format!("helper `{name}` failed while loading: {}", f.reason)
                } else {
                    did_not_compile(&f.diagnostic)
                };
                out.failed.insert(name, (why, f.kind));
                diags.push(f.diagnostic);
            }
        }
    }
    out
}

/// What the analysis and the text checks found wrong in a script, at the
/// positions of its own text.
fn script_problems(
    source: &SourceText,
    a: &analyze::Analysis,
    shifts: &switch::Shifts,
) -> Vec<Diagnostic> {
    let found = a.problems.iter().map(|p| {
        source
            .error_at(
                p.line,
                switch::unshift(shifts, p.line, p.column),
                &p.message,
            )
            .with_code(p.code)
            .with_help_opt(p.help.clone())
    });
    let text = analyze::text_problems(&source.text).into_iter().map(|p| {
        source
            .error_at(p.line, p.column, &p.message)
            .with_code(p.code)
            .with_help_opt(p.help)
    });
    found.chain(text).collect()
}

/// A rule's problems in order, and the kind of error the first one is
/// (what every evaluation of the broken rule reports).
struct Problems {
    list: Vec<Diagnostic>,
    kind: ErrorKind,
}

impl Problems {
    fn push(&mut self, d: Diagnostic, kind: ErrorKind) {
        if self.list.is_empty() {
            self.kind = kind;
        }
        self.list.push(d);
    }
}

/// What a rule is checked against: the folder, the helpers and the
/// catalogue loaded before it, and the engine that runs its top level.
struct RuleLoad<'a> {
    dir: &'a Path,
    engine: &'a Engine,
    limits: &'a Limits,
    catalogue: &'a Catalogue,
    helpers: &'a [Helper],
    failed: &'a HashMap<String, (String, ErrorKind)>,
}

impl RuleLoad<'_> {
    /// Compiles and checks one rule; its problems go to `diags`. `None`
    /// for a rule that names no response (there is nothing to report it
    /// under).
    fn rule(
        &self,
        id: String,
        path: &Path,
        source: SourceText,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Rule> {
        let (ast, shifts) = match script::parse(self.engine, &source) {
            Ok(x) => x,
            Err(d) => {
                // Its response must not look quiet: keep the rule, broken,
                // when the declaration can still be found in the text.
                let rule = declared_response(&source.text).map(|response| Rule {
                    broken: Some(load_error(&id, path, &d, ErrorKind::Compile)),
                    id: id.into(),
                    source,
                    response,
                    cite: None,
                    description: String::new(),
                    imports: Vec::new(),
                    reads: BTreeMap::new(),
                    kinds: Vec::new(),
                    shifts: Vec::new(),
                    since: false,
                });
                diags.push(d);
                return rule;
            }
        };
        let a = analyze::analyze(&ast, &source.text, true);
        let reads = reads::reads(&a, &shifts, self.helpers);
        let since = a.since
            || (self.helpers.iter()).any(|h| a.imports.contains(&h.name) && h.calls.since());
        let mut problems = Problems {
            list: script_problems(&source, &a, &shifts),
            kind: ErrorKind::Compile,
        };
        self.check_imports(&a, &source, &mut problems);
        self.check_qualified(&a, &source, &shifts, &mut problems);
        let response = a.response.clone().unwrap_or_default();
        self.check_response(&response, &source, &mut problems);
        self.check_fired(&id, &a, &reads, &source, &mut problems);
        // The top level runs once here, so that a rule failing as it
        // loads is reported as it loads.
        if problems.list.is_empty()
            && let Err(f) =
                script::run_top_level(self.engine, &id, &source, ast, &shifts, self.limits)
        {
            problems.push(f.diagnostic, f.kind);
        }
        let broken = (problems.list.first()).map(|d| load_error(&id, path, d, problems.kind));
        diags.extend(problems.list);
        if response.is_empty() {
            return None;
        }
        Some(Rule {
            id: id.into(),
            description: description(&source.text),
            source,
            response,
            cite: a.cite,
            imports: a.imports,
            reads,
            kinds: a
                .kinds
                .into_iter()
                .map(|(k, l, c)| (k, l, switch::unshift(&shifts, l, c)))
                .collect(),
            broken,
            shifts,
            since,
        })
    }

    /// Each import names a helper that loaded.
    fn check_imports(&self, a: &analyze::Analysis, source: &SourceText, problems: &mut Problems) {
        for imp in &a.imports {
            if self.helpers.iter().any(|h| &h.name == imp) {
                continue;
            }
            let (line, column) = find_text(&source.text, imp);
            if let Some((why, kind)) = self.failed.get(imp) {
                problems.push(
                    source
                        .error_at(line, column, why.clone())
                        .with_code(Code::HelperFailed),
                    *kind,
                );
                continue;
            }
            let outside = imp.contains("..") || imp.starts_with('/') || !imp.starts_with("lib/");
            let code = if outside {
                Code::ImportRefused
            } else {
                Code::UnknownHelper
            };
            let msg = if outside {
                format!(
                    "`import \"{imp}\"` is outside the rules' `lib/` folder; rules may import only `lib/…` helpers"
                )
            } else {
                format!(
                    "no helper `{imp}` (looked for `{}`)",
                    self.dir.join(format!("{imp}.rhai")).display()
                )
            };
            let names = self.helpers.iter().map(|h| h.name.as_str());
            problems.push(
                source
                    .error_at(line, column, msg)
                    .with_code(code)
                    .with_help_opt(did_you_mean(imp, names)),
                ErrorKind::Compile,
            );
        }
    }

    /// Each `alias::NAME` a rule reads is a constant its helper exports.
    fn check_qualified(
        &self,
        a: &analyze::Analysis,
        source: &SourceText,
        shifts: &switch::Shifts,
        problems: &mut Problems,
    ) {
        for (alias, var, line, col) in &a.qualified {
            let Some(h) = a
                .aliases
                .get(alias)
                .and_then(|p| self.helpers.iter().find(|h| &h.name == p))
            else {
                continue;
            };
            if h.exports.contains(var) {
                continue;
            }
            let plain = format!("const {var}");
            let message = if h.source.text.lines().any(|l| {
                l.trim_start().strip_prefix(&plain).is_some_and(|rest| {
                    !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            }) {
                format!(
                    "`{alias}::{var}`: helper `{}` declares `{var}` without exporting it; declare it `export const` to share it",
                    h.name
                )
            } else {
                format!(
                    "`{alias}::{var}`: helper `{}` exports no `{var}`; declare it `export const` there to share it",
                    h.name
                )
            };
            let help =
                did_you_mean(var, h.exports.iter().map(String::as_str)).unwrap_or_else(|| {
                    format!("in {}: `export const {var} = …;`", h.source.path.display())
                });
            problems.push(
                source
                    .error_at(*line, switch::unshift(shifts, *line, *col), message)
                    .with_code(Code::UnknownExport)
                    .with_help(help),
                ErrorKind::Compile,
            );
        }
    }

    /// The response a rule declares is in the catalogue (when there is
    /// one).
    fn check_response(&self, response: &str, source: &SourceText, problems: &mut Problems) {
        let catalogue = self.catalogue;
        if response.is_empty() || catalogue.get(response).is_some() || catalogue.source.is_none() {
            return;
        }
        let (line, column) = find_text(&source.text, &format!("\"{response}\""));
        let help = did_you_mean(response, catalogue.ids()).unwrap_or_else(|| {
            format!(
                "add `[{response}]` to {}",
                self.dir.join("responses.toml").display()
            )
        });
        problems.push(
            source
                .error_at(line, column, format!("unknown response `{response}`"))
                .with_code(Code::UnknownResponse)
                .with_help(help),
            ErrorKind::Compile,
        );
    }

    /// Each id given to `fired` names a response of the catalogue: the
    /// rule's own ids, called or not, and those its helpers' functions
    /// read on its behalf (blamed in the helper).
    fn check_fired(
        &self,
        id: &str,
        a: &analyze::Analysis,
        reads: &BTreeMap<String, Read>,
        source: &SourceText,
        problems: &mut Problems,
    ) {
        let catalogue = self.catalogue;
        let own = a.fired.iter().map(|d| (d, None));
        let via = reads
            .iter()
            .filter_map(|(d, r)| r.helper.map(|_| (d, Some(r))));
        let mut named = BTreeSet::new();
        for (dep, read) in own.chain(via) {
            if catalogue.get(dep).is_some() || catalogue.source.is_none() || !named.insert(dep) {
                continue;
            }
            let helper = read.and_then(|r| Some((r, &self.helpers.get(r.helper?)?.source)));
            // The same id may be read by `fired` and `since`; name the
            // call the text shows.
            let text = helper.map_or(&source.text, |(_, h)| &h.text);
            let call = match text.contains(&format!("since(\"{dep}\")"))
                && !text.contains(&format!("fired(\"{dep}\")"))
            {
                true => "since",
                false => "fired",
            };
            let message = format!("`{call}(\"{dep}\")` names an unknown response");
            let d = match helper {
                Some((r, helper)) => helper.error_at(
                    r.line,
                    r.column,
                    format!("{message} (read for rule `{id}`)"),
                ),
                None => {
                    let (line, column) = find_text(&source.text, &format!("\"{dep}\""));
                    source.error_at(line, column, message)
                }
            };
            problems.push(
                d.with_code(Code::UnknownResponse)
                    .with_help_opt(did_you_mean(dep, catalogue.ids())),
                ErrorKind::Compile,
            );
        }
    }
}

/// A rule's description: its leading `//!` lines, joined.
fn description(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim_start().starts_with("//!"))
        .map(|l| l.trim_start().trim_start_matches("//!").trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The response a rule declares, read from a `const RESPONSE = "…";` line
/// of a script that does not parse (so there is no AST to read it from).
fn declared_response(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix("const")?.trim_start();
        let rest = rest
            .strip_prefix("RESPONSE")?
            .trim_start()
            .strip_prefix('=')?;
        let rest = rest.trim_start().strip_prefix('"')?;
        let id = &rest[..rest.find('"')?];
        (!id.is_empty()).then(|| id.to_string())
    })
}
