//! The rule library: every `.rhai` file under the rules folder except
//! `lib/` is a rule (its id is its path without `.rhai`), `lib/` holds
//! helpers, and `responses.toml` is the catalogue. Loading compiles and
//! checks everything once, collects every problem as a diagnostic, and
//! orders responses so that `fired("x")` always reads a finished verdict.
//! A [`RuleSet`] is plain data (`Send + Sync`); each worker thread turns it
//! into its own engine and compiled scripts with [`compile`].

mod analyze;
pub mod catalogue;
pub mod switch;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rhai::module_resolvers::StaticModuleResolver;
use rhai::{AST, Dynamic, Engine, EvalAltResult, Module, Scope};

use crate::diagnostic::{Diagnostic, Severity, SourceText, did_you_mean};
use crate::files;
use crate::native;
use crate::rule_error::{ErrorKind, RuleError};
use crate::sandbox::{self, Limits, context, context::Consts};
use crate::scenario::read_text;
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
    /// Where the `switch` check was inserted into the compiled text.
    pub shifts: switch::Shifts,
}

impl Rule {
    pub fn path(&self) -> &Path {
        &self.source.path
    }
}

/// Everything loaded from a rules folder.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub dir: PathBuf,
    pub catalogue: Catalogue,
    pub helpers: Vec<Helper>,
    /// Helper files found, those that failed to load included.
    pub helpers_found: usize,
    /// Sorted by id.
    pub rules: Vec<Rule>,
    /// Responses in evaluation order, each with the indices of its rules.
    pub plan: Vec<(Arc<str>, Vec<usize>)>,
    pub diagnostics: Vec<Diagnostic>,
    pub limits: Limits,
    /// Record which script lines run (`test --coverage`); slower.
    pub line_coverage: bool,
    /// Run the rules native code can run natively (the default); `false`
    /// runs every rule in Rhai (`--engine rhai`).
    pub native: bool,
}

impl RuleSet {
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
        !self.dir.is_dir()
    }

    /// Loads, compiles and checks a rules folder.
    pub fn load(dir: &Path, limits: Limits) -> RuleSet {
        if !dir.is_dir() {
            // Once, not as a missing catalogue, an unreadable folder and a
            // missing folder: they are one mistake.
            let message = if dir.exists() {
                "rules folder not found: this is a file"
            } else {
                "rules folder not found"
            };
            return RuleSet {
                dir: dir.to_path_buf(),
                catalogue: Catalogue::default(),
                helpers: Vec::new(),
                helpers_found: 0,
                rules: Vec::new(),
                plan: Vec::new(),
                diagnostics: vec![
                    Diagnostic::error(Some(dir), message).with_help("pass `--rules DIR`"),
                ],
                limits,
                line_coverage: false,
                native: true,
            };
        }
        let mut diags = Vec::new();
        let within = files::Within::new(dir, "the rules folder");
        let catalogue_path = dir.join("responses.toml");
        let (catalogue, d) = match within.escape(&catalogue_path, "file") {
            Some(d) => (Catalogue::default(), vec![d]),
            None => Catalogue::load(&catalogue_path),
        };
        diags.extend(d);
        let canonical_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());

        let read = |path: &Path, diags: &mut Vec<Diagnostic>| -> Option<SourceText> {
            // A symlink may not lead out of the rules folder.
            match path.canonicalize() {
                Ok(c) if !c.starts_with(&canonical_dir) => {
                    diags.push(Diagnostic::error(
                        Some(path),
                        "script is a link to a file outside the rules folder",
                    ));
                    return None;
                }
                Err(e) => {
                    diags.push(Diagnostic::error(
                        Some(path),
                        format!("cannot read file: {e}"),
                    ));
                    return None;
                }
                Ok(_) => {}
            }
            match read_text(path) {
                Ok(t) => Some(SourceText::new(path, t)),
                Err(d) => {
                    diags.push(d);
                    None
                }
            }
        };

        let (helper_files, d) = if dir.join("lib").is_dir() {
            files::walk(&dir.join("lib"), &within, "rhai", &|_| false)
        } else {
            (Vec::new(), Vec::new())
        };
        diags.extend(d);
        let (rule_files, d) = files::walk(dir, &within, "rhai", &|id| id == "lib");
        diags.extend(d);
        if rule_files.is_empty() {
            diags.push(
                Diagnostic::new(Severity::Warning, Some(dir), "no rules found").with_help(
                    "add a `.rhai` file with `const RESPONSE = \"…\";` and `fn fires(s)`",
                ),
            );
        }

        // Helpers first: rules import them. This engine only runs top
        // levels, so it reads the clock at every operation.
        let mut engine = sandbox::engine(&limits, StaticModuleResolver::new());
        sandbox::clock_per_operation(&mut engine);
        let mut helpers = Vec::new();
        // Helpers that failed as they loaded, with what the rules importing
        // them report and its kind.
        let mut failed: HashMap<String, (String, ErrorKind)> = HashMap::new();
        let mut helpers_found = 0;
        let mut resolver = StaticModuleResolver::new();
        for (path, id) in helper_files {
            let Some(source) = read(&path, &mut diags) else {
                continue;
            };
            helpers_found += 1;
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
            match compile_helper(&engine, &name, &source, &limits) {
                Ok((module, a, _, shifts)) => {
                    let mut problems = Vec::new();
                    for p in &a.problems {
                        problems.push(
                            source
                                .error_at(
                                    p.line,
                                    switch::unshift(&shifts, p.line, p.column),
                                    &p.message,
                                )
                                .with_help_opt(p.help.clone()),
                        );
                    }
                    for p in analyze::text_problems(&source.text) {
                        problems.push(
                            source
                                .error_at(p.line, p.column, &p.message)
                                .with_help_opt(p.help),
                        );
                    }
                    if !a.imports.is_empty() {
                        problems.push(
                            source
                                .error_at(1, 1, "helpers cannot import other helpers")
                                .with_help("import both from the rule instead"),
                        );
                    }
                    if let Some(first) = problems.first() {
                        failed.insert(name.clone(), (did_not_compile(first), ErrorKind::Compile));
                        diags.extend(problems);
                    } else {
                        let exports = module.iter_var().map(|(n, _)| n.to_string()).collect();
                        resolver.insert(name.clone(), module);
                        helpers.push(Helper {
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
                    failed.insert(name, (why, f.kind));
                    diags.push(f.diagnostic);
                }
            }
        }
        engine.set_module_resolver(resolver);

        let mut rules = Vec::new();
        for (path, id) in rule_files {
            let Some(source) = read(&path, &mut diags) else {
                continue;
            };
            let (ast, shifts) = match parse(&engine, &source) {
                Ok(x) => x,
                Err(d) => {
                    // Its response must not look quiet: keep the rule, broken,
                    // when the declaration can still be found in the text.
                    if let Some(response) = declared_response(&source.text) {
                        let broken = Some(load_error(&id, &path, &d, ErrorKind::Compile));
                        rules.push(Rule {
                            id: id.into(),
                            source,
                            response,
                            cite: None,
                            description: String::new(),
                            imports: Vec::new(),
                            reads: BTreeMap::new(),
                            kinds: Vec::new(),
                            broken,
                            shifts: Vec::new(),
                        });
                    }
                    diags.push(d);
                    continue;
                }
            };
            let a = analyze::analyze(&ast, &source.text, true);
            let description = source
                .text
                .lines()
                .take_while(|l| l.trim_start().starts_with("//!"))
                .map(|l| l.trim_start().trim_start_matches("//!").trim())
                .collect::<Vec<_>>()
                .join(" ");
            let mut problems: Vec<Diagnostic> = a
                .problems
                .iter()
                .map(|p| {
                    source
                        .error_at(
                            p.line,
                            switch::unshift(&shifts, p.line, p.column),
                            &p.message,
                        )
                        .with_help_opt(p.help.clone())
                })
                .collect();
            problems.extend(analyze::text_problems(&source.text).into_iter().map(|p| {
                source
                    .error_at(p.line, p.column, &p.message)
                    .with_help_opt(p.help)
            }));
            // The kind of error the rule's first problem is.
            let mut kind = ErrorKind::Compile;
            let reads = reads(&a, &shifts, &helpers);
            for imp in &a.imports {
                match helpers.iter().find(|h| &h.name == imp) {
                    Some(_) => {}
                    None if failed.contains_key(imp) => {
                        let (why, k) = &failed[imp];
                        if problems.is_empty() {
                            kind = *k;
                        }
                        let (line, column) = find_text(&source.text, imp);
                        problems.push(source.error_at(line, column, why.clone()));
                    }
                    None => {
                        let (line, column) = find_text(&source.text, imp);
                        let msg = if imp.contains("..")
                            || imp.starts_with('/')
                            || !imp.starts_with("lib/")
                        {
                            format!(
                                "`import \"{imp}\"` is outside the rules' `lib/` folder; rules may import only `lib/…` helpers"
                            )
                        } else {
                            format!(
                                "no helper `{imp}` (looked for `{}`)",
                                dir.join(format!("{imp}.rhai")).display()
                            )
                        };
                        problems.push(source.error_at(line, column, msg).with_help_opt(
                            did_you_mean(imp, helpers.iter().map(|h| h.name.as_str())),
                        ));
                    }
                }
            }
            for (alias, var, line, col) in &a.qualified {
                let Some(h) = a
                    .aliases
                    .get(alias)
                    .and_then(|p| helpers.iter().find(|h| &h.name == p))
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
                problems.push(
                    source
                        .error_at(*line, switch::unshift(&shifts, *line, *col), message)
                        .with_help(
                            did_you_mean(var, h.exports.iter().map(String::as_str)).unwrap_or_else(
                                || {
                                    format!(
                                        "in {}: `export const {var} = …;`",
                                        h.source.path.display()
                                    )
                                },
                            ),
                        ),
                );
            }
            let response = a.response.clone().unwrap_or_default();
            if !response.is_empty()
                && catalogue.get(&response).is_none()
                && catalogue.source.is_some()
            {
                let (line, column) = find_text(&source.text, &format!("\"{response}\""));
                problems.push(
                    source
                        .error_at(line, column, format!("unknown response `{response}`"))
                        .with_help(did_you_mean(&response, catalogue.ids()).unwrap_or_else(|| {
                            format!(
                                "add `[{response}]` to {}",
                                dir.join("responses.toml").display()
                            )
                        })),
                );
            }
            // The rule's own ids, called or not, and those its helpers'
            // functions read on its behalf.
            let own = a.fired.iter().map(|d| (d, None));
            let via = reads
                .iter()
                .filter_map(|(d, r)| r.helper.map(|_| (d, Some(r))));
            let mut named = BTreeSet::new();
            for (dep, read) in own.chain(via) {
                if catalogue.get(dep).is_some() || catalogue.source.is_none() || !named.insert(dep)
                {
                    continue;
                }
                let message = format!("`fired(\"{dep}\")` names an unknown response");
                let d = match read.and_then(|r| Some((r, &helpers.get(r.helper?)?.source))) {
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
                problems.push(d.with_help_opt(did_you_mean(dep, catalogue.ids())));
            }
            // The top level runs once here, so that a rule failing as it
            // loads is reported as it loads.
            if problems.is_empty()
                && let Err(f) = run_top_level(&engine, &id, &source, ast, &shifts, &limits)
            {
                kind = f.kind;
                problems.push(f.diagnostic);
            }
            let broken = problems.first().map(|d| load_error(&id, &path, d, kind));
            diags.extend(problems);
            if response.is_empty() {
                continue;
            }
            rules.push(Rule {
                id: id.into(),
                source,
                response,
                cite: a.cite,
                description,
                imports: a.imports,
                reads,
                kinds: a
                    .kinds
                    .into_iter()
                    .map(|(k, l, c)| (k, l, switch::unshift(&shifts, l, c)))
                    .collect(),
                broken,
                shifts,
            });
        }

        let plan = plan(&mut rules, &helpers, &mut diags);
        RuleSet {
            dir: dir.to_path_buf(),
            catalogue,
            helpers,
            helpers_found,
            rules,
            plan,
            diagnostics: diags,
            limits,
            line_coverage: false,
            native: true,
        }
    }
}

/// The responses a rule reads with `fired` in the code it can reach, each
/// where it is first reached: breadth-first from the top level and
/// `fires`, through its own functions and, by `alias::name(…)`, its
/// helpers' (and theirs in turn). Each function is visited once per rule.
fn reads(
    a: &analyze::Analysis,
    shifts: &switch::Shifts,
    helpers: &[Helper],
) -> BTreeMap<String, Read> {
    // A node is a function of the rule (`None`) or of a helper; each
    // remembers the node that first called it and how, so a path is
    // rebuilt only for the reads found.
    type Node<'a> = (Option<usize>, &'a str);
    let graph = |script: Option<usize>| match script {
        None => &a.calls,
        Some(i) => &helpers[i].calls,
    };
    let alias: HashMap<&str, usize> = a
        .aliases
        .iter()
        .filter_map(|(al, p)| Some((al.as_str(), helpers.iter().position(|h| &h.name == p)?)))
        .collect();
    let mut parent: HashMap<Node, (Option<Node>, String)> = HashMap::new();
    let mut order: Vec<(Option<Node>, &analyze::Calls)> = vec![(None, &a.calls.top)];
    if a.calls.fns.contains_key("fires") {
        parent.insert((None, "fires"), (None, "fires".to_string()));
    }
    let mut queue: std::collections::VecDeque<_> = a
        .calls
        .fns
        .get_key_value("fires")
        .map(|(k, c)| ((None, k.as_str()), c))
        .into_iter()
        .collect();
    // Scripts whose every function is already queued (by a computed
    // `Fn(name)`), so that doing it again costs nothing.
    let mut all_queued: BTreeSet<Option<usize>> = BTreeSet::new();
    let mut i = 0;
    loop {
        // The top level first, then breadth-first.
        let (from, calls) = match order.get(i) {
            Some(&(from, calls)) => (from, calls),
            None => match queue.pop_front() {
                Some((node, calls)) => {
                    order.push((Some(node), calls));
                    continue;
                }
                None => break,
            },
        };
        i += 1;
        let script = from.and_then(|n| n.0);
        let g = graph(script);
        let mut push = |node: Node<'_>, label: String| {
            let Some((name, calls)) = graph(node.0).fns.get_key_value(node.1) else {
                return;
            };
            let node = (node.0, name.as_str());
            if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(node) {
                v.insert((from, label));
                queue.push_back((node, calls));
            }
        };
        if calls.any {
            if all_queued.insert(script) {
                for name in g.fns.keys() {
                    push((script, name), name.clone());
                }
            }
        } else {
            for name in &calls.local {
                push((script, name), name.clone());
            }
        }
        // Helpers import nothing, so only a rule's calls leave its script.
        if script.is_none() {
            for (al, name) in &calls.imported {
                if let Some(&h) = alias.get(al.as_str()) {
                    push((Some(h), name), format!("{al}::{name}"));
                }
            }
        }
    }
    let mut out: BTreeMap<String, Read> = BTreeMap::new();
    for &(from, calls) in &order {
        let script = from.and_then(|n| n.0);
        for (id, line, col) in &calls.fired {
            if out.contains_key(id) {
                continue;
            }
            let mut path = Vec::new();
            let mut at = from;
            while let Some(n) = at {
                let Some((up, label)) = parent.get(&n) else {
                    break;
                };
                path.push(label.clone());
                at = *up;
            }
            path.reverse();
            let shifts = script.map_or(shifts, |h| &helpers[h].shifts);
            out.insert(
                id.clone(),
                Read {
                    helper: script,
                    line: *line,
                    column: switch::unshift(shifts, *line, *col),
                    calls: path,
                },
            );
        }
    }
    out
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

/// Help for parse errors whose message alone does not say what to do.
/// A field named like a keyword (`e.until`) is reported by Rhai without the
/// word, so it is read from the text at the error.
fn parse_help(e: &rhai::ParseErrorType, text: &str, line: usize, column: usize) -> Option<String> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    match e {
        rhai::ParseErrorType::Reserved(word) => Some(format!(
            "`{word}` is reserved in Rhai; to read a field with that name, write `e[\"{word}\"]`"
        )),
        rhai::ParseErrorType::PropertyExpected => {
            let l: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
            let at = column.checked_sub(1)?;
            let word: String = l.get(at..)?.iter().take_while(|c| ident(**c)).collect();
            let first = word.chars().next()?;
            if first.is_ascii_digit() || l.get(at.checked_sub(1)?) != Some(&'.') {
                return None;
            }
            let before = &l[..at - 1];
            let start = before.iter().rposition(|c| !ident(*c)).map_or(0, |i| i + 1);
            let receiver: String = before[start..].iter().collect();
            let fix = if receiver.is_empty() {
                format!("`[\"{word}\"]` in place of `.{word}`")
            } else {
                format!("`{receiver}[\"{word}\"]`")
            };
            Some(format!(
                "`{word}` is a Rhai keyword; to read a field with that name, write {fix}"
            ))
        }
        _ => None,
    }
}

/// 1-based line and column of the first occurrence of `needle`.
pub fn find_text(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, l[..c].chars().count() + 1)))
        .unwrap_or((1, 1))
}

/// Orders responses so that each comes after those its rules read with
/// `fired`. Rules caught in a cycle are marked broken.
fn plan(
    rules: &mut [Rule],
    helpers: &[Helper],
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Arc<str>, Vec<usize>)> {
    let mut by_response: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        by_response.entry(r.response.clone()).or_default().push(i);
    }
    let deps: BTreeMap<&str, BTreeSet<&str>> = by_response
        .iter()
        .map(|(resp, ix)| {
            let d = ix
                .iter()
                .flat_map(|&i| rules[i].reads.keys().map(String::as_str))
                .filter(|d| by_response.contains_key(*d))
                .collect();
            (resp.as_str(), d)
        })
        .collect();
    // Depth-first, in sorted order, so the plan is deterministic; an edge
    // back into the path is a cycle, reported below.
    let mut order: Vec<String> = Vec::new();
    let mut state: HashMap<&str, u8> = HashMap::new(); // 1 visiting, 2 done
    fn visit<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut HashMap<&'a str, u8>,
        order: &mut Vec<String>,
    ) {
        if state.contains_key(n) {
            return;
        }
        state.insert(n, 1);
        for d in deps.get(n).into_iter().flatten() {
            visit(d, deps, state, order);
        }
        state.insert(n, 2);
        order.push(n.to_string());
    }
    for n in deps.keys() {
        visit(n, &deps, &mut state, &mut order);
    }
    let groups = cycle_groups(&deps);
    let groups: Vec<(Vec<String>, Vec<String>)> = groups
        .into_iter()
        .map(|g| {
            let path = shortest_cycle(&deps, &g);
            let own = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
            (own(g), own(path))
        })
        .collect();
    for (group, path) in groups {
        report_cycle(rules, helpers, &group, &path, diags);
    }
    order
        .into_iter()
        .map(|resp| {
            let ix = by_response.remove(&resp).unwrap_or_default();
            (resp.into(), ix)
        })
        .collect()
}

/// Longest cycle written out in every rule's error; a longer one is
/// listed once, in the first of its rules' diagnostics, so that the output
/// grows with the rules rather than with their square.
const CYCLE_SHOWN: usize = 8;

/// Marks every rule of a cycle group that reads a response of the group
/// as broken, with a diagnostic at its `fired` call.
fn report_cycle(
    rules: &mut [Rule],
    helpers: &[Helper],
    group: &[String],
    path: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let members: BTreeSet<&str> = group.iter().map(String::as_str).collect();
    let full = path
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut listed_at: Option<String> = None;
    for r in rules.iter_mut() {
        let Some((dep, read)) = r.reads.iter().find(|(d, _)| members.contains(d.as_str())) else {
            continue;
        };
        let dep = dep.clone();
        if !members.contains(r.response.as_str()) || r.broken.is_some() {
            continue;
        }
        // Read in a helper: blamed on the helper's `fired`, with the calls
        // from the rule that lead there.
        let via = read.helper.and_then(|h| Some((read, helpers.get(h)?)));
        let (source, line, column) = match via {
            Some((x, h)) => (&h.source, x.line, x.column),
            None => (&r.source, read.line, read.column),
        };
        let through = via.map(|(x, _)| {
            let calls = x
                .calls
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            format!(" (rule `{}` reads `{dep}` here through {calls})", r.id)
        });
        let (message, listing) = if path.len() <= CYCLE_SHOWN + 1 {
            (format!("`fired` cycle: {full}"), None)
        } else {
            let short = format!(
                "`fired` cycle of {} responses, through `{}` → `{dep}`",
                group.len(),
                r.response
            );
            match &listed_at {
                Some(at) => (format!("{short} (listed in full at {at})"), None),
                None => {
                    listed_at = Some(format!("{}:{line}:{column}", source.path.display()));
                    (short, Some(format!("the whole cycle: {full}")))
                }
            }
        };
        let message = message + through.as_deref().unwrap_or("");
        let help = "a response cannot depend on itself, directly or through others";
        let d = source
            .error_at(line, column, message.clone())
            .with_help(listing.map_or_else(|| help.to_string(), |l| format!("{l}; {help}")));
        r.broken = Some(RuleError {
            rule: r.id.to_string(),
            file: source.path.clone(),
            line: Some(line),
            column: Some(column),
            message: format!("rule did not load: {message}"),
            kind: ErrorKind::Compile,
        });
        diags.push(d);
    }
}

/// The groups of responses that reach one another through `fired` (the
/// strongly connected components with a cycle), each sorted, found with
/// Tarjan's algorithm on an explicit stack: linear in the rules, however
/// the cycles interlock.
fn cycle_groups<'a>(deps: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<Vec<&'a str>> {
    let names: Vec<&str> = deps.keys().copied().collect();
    let index_of: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adj: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            deps[n]
                .iter()
                .filter_map(|d| index_of.get(d).copied())
                .collect()
        })
        .collect();
    const UNSEEN: usize = usize::MAX;
    let n = names.len();
    let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
    let (mut stack, mut next, mut groups) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, child)) = work.last() {
            if let Some(&w) = adj[v].get(child) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(u, _)) = work.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut group = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    group.push(names[w]);
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 || adj[v].contains(&v) {
                    group.sort_unstable();
                    groups.push(group);
                }
            }
        }
    }
    groups.sort_unstable();
    groups
}

/// The shortest cycle through the first (smallest) member of a group,
/// from it back to it, by breadth-first search inside the group.
fn shortest_cycle<'a>(
    deps: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    group: &[&'a str],
) -> Vec<&'a str> {
    let Some(&start) = group.first() else {
        return Vec::new();
    };
    let members: BTreeSet<&str> = group.iter().copied().collect();
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in deps.get(v).into_iter().flatten() {
            if w == start {
                // Back from `v` to `start` along the search, then forward.
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = parent.get(at).copied().unwrap_or(start);
                    path.push(at);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if members.contains(w) && !parent.contains_key(w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

/// A rule compiled for one engine, with its top-level constants.
pub struct CompiledRule {
    pub ast: AST,
    pub consts: Consts,
    /// Rules that import need their top level run on each call (Rhai keeps
    /// imports in the call's global state); others skip it.
    pub has_imports: bool,
    /// The rule as native code, or why it runs in Rhai only.
    pub native: Result<native::Program, native::Unsupported>,
}

/// The error every evaluation of a rule that did not load reports, so
/// that its response shows as errored rather than quiet.
fn load_error(id: &str, path: &Path, d: &Diagnostic, kind: ErrorKind) -> RuleError {
    RuleError {
        rule: id.to_string(),
        // A problem may lie in a helper the rule uses.
        file: d.file.clone().unwrap_or_else(|| path.to_path_buf()),
        line: d.line,
        column: d.column,
        message: format!("rule did not load: {}", d.message),
        kind,
    }
}

/// A script that failed as it loaded: the diagnostic, and the kind of
/// error (a timeout at the top level is a timeout, as in a call).
pub struct LoadFailure {
    pub diagnostic: Diagnostic,
    /// The message without what was loading.
    pub reason: String,
    pub kind: ErrorKind,
    /// Whether the script compiled and failed as its top level ran.
    pub ran: bool,
}

impl From<Diagnostic> for LoadFailure {
    fn from(diagnostic: Diagnostic) -> Self {
        LoadFailure {
            reason: diagnostic.message.clone(),
            diagnostic,
            kind: ErrorKind::Compile,
            ran: false,
        }
    }
}

fn rhai_error(
    source: &SourceText,
    shifts: &switch::Shifts,
    e: &EvalAltResult,
    what: &str,
    limits: &Limits,
) -> LoadFailure {
    let inner = e.unwrap_inner();
    let pos = inner.position();
    let (kind, reason) = sandbox::describe(inner, limits);
    let line = pos.line().unwrap_or(1);
    let col = switch::unshift(shifts, line, pos.position().unwrap_or(1));
    let reason = sandbox::unit_read(inner, &source.text, line, col).unwrap_or(reason);
    let diagnostic = source.error_at(line, col, format!("{what}: {reason}"));
    LoadFailure {
        diagnostic,
        reason,
        kind,
        ran: true,
    }
}

/// Rhai counts lines and columns in 16 bits, and stops counting at this.
const MAX_POSITION: usize = u16::MAX as usize;

/// Refuses a script longer or wider than Rhai's positions can count: an
/// error past that would be blamed on the wrong line or column.
fn positions_fit(source: &SourceText) -> Result<(), Diagnostic> {
    for (i, line) in source.text.lines().enumerate() {
        if i == MAX_POSITION {
            return Err(source
                .error_at(
                    i + 1,
                    1,
                    "script has more than 65,535 lines, more than Rhai's positions can count",
                )
                .with_help("split it into several rules, or move code into `lib/` helpers"));
        }
        if line.len() > MAX_POSITION && line.chars().count() > MAX_POSITION {
            return Err(source
                .error_at(
                    i + 1,
                    MAX_POSITION + 1,
                    "line is longer than 65,535 characters, more than Rhai's positions can count",
                )
                .with_help("break the line, or keep long data in the scenario"));
        }
    }
    Ok(())
}

/// Compiles a script, with its parse error as a positioned diagnostic.
/// A bare carriage return (an old Mac line end) is refused first: Rhai
/// counts it as a line break inside comments only, so positions after it
/// would point at the wrong line.
///
/// A script with `switch` statements is compiled again with their values
/// checked against their cases' type (`switch::rewrite`); the shifts say
/// where text was inserted.
fn parse(engine: &Engine, source: &SourceText) -> Result<(AST, switch::Shifts), Diagnostic> {
    let bytes = source.text.as_bytes();
    if let Some(i) =
        (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    {
        return Err(source
            .error(
                i..i + 1,
                "bare carriage return: a line ending Rhai does not count consistently",
            )
            .with_help("save the file with `\\n` or `\\r\\n` line endings"));
    }
    // A syntax error before the counters run out is at the right place;
    // anything else in a script past them could not be.
    let ast = engine.compile(&*source.text).map_err(|e| {
        let (line, column) = (e.1.line().unwrap_or(1), e.1.position().unwrap_or(1));
        if line.max(column) >= MAX_POSITION
            && let Err(d) = positions_fit(source)
        {
            return d;
        }
        source
            .error_at(line, column, e.0.to_string())
            .with_help_opt(parse_help(&e.0, &source.text, line, column))
    })?;
    positions_fit(source)?;
    let switches = switch::scan(&source.text);
    if let Some((text, shifts)) = switch::rewrite(&source.text, &switches)
        && let Ok(checked) = engine.compile(&text)
    {
        return Ok((checked, shifts));
    }
    Ok((ast, Vec::new()))
}

/// Compiles a helper and runs its top level, under the clock, into a
/// module.
fn compile_helper(
    engine: &Engine,
    name: &str,
    source: &SourceText,
    limits: &Limits,
) -> Result<(Module, analyze::Analysis, AST, switch::Shifts), LoadFailure> {
    let (mut ast, shifts) = parse(engine, source)?;
    ast.set_source(name);
    let a = analyze::analyze(&ast, &source.text, false);
    let module = context::timed(limits.timeout, || {
        Module::eval_ast_as_new(Scope::new(), &ast, engine)
    })
    .map_err(|e| rhai_error(source, &shifts, &e, "helper failed while loading", limits))?;
    Ok((module, a, ast, shifts))
}

/// Compiles a rule and runs its top level once to collect its constants.
pub fn compile_rule(
    engine: &Engine,
    id: &str,
    source: &SourceText,
    limits: &Limits,
) -> Result<CompiledRule, LoadFailure> {
    let (ast, shifts) = parse(engine, source)?;
    run_top_level(engine, id, source, ast, &shifts, limits)
}

/// A parsed rule with its top level run: its constants, and whether it
/// imports.
fn run_top_level(
    engine: &Engine,
    id: &str,
    source: &SourceText,
    mut ast: AST,
    shifts: &switch::Shifts,
    limits: &Limits,
) -> Result<CompiledRule, LoadFailure> {
    ast.set_source(id);
    let mut scope = Scope::new();
    context::timed(limits.timeout, || {
        engine.run_ast_with_scope(&mut scope, &ast)
    })
    .map_err(|e| rhai_error(source, shifts, &e, "rule failed while loading", limits))?;
    let consts: HashMap<String, Dynamic> = scope
        .iter_raw()
        .filter(|(_, is_const, _)| *is_const)
        .map(|(name, _, v)| (name.to_string(), v.clone()))
        .collect();
    let has_imports = ast
        .statements()
        .iter()
        .any(|s| matches!(s, rhai::Stmt::Import(..)));
    Ok(CompiledRule {
        ast,
        consts: Rc::new(consts),
        has_imports,
        native: Err(native::Unsupported("not lowered".into())),
    })
}

/// A worker's own engine and compiled rules (index-aligned with
/// `RuleSet::rules`; for a rule that is broken, or fails to load in this
/// worker, the error each of its calls reports).
pub fn compile(set: &RuleSet) -> (Engine, Vec<Result<CompiledRule, RuleError>>) {
    let mut engine = sandbox::engine(&set.limits, StaticModuleResolver::new());
    // Top levels run first, reading the clock at every operation; calls
    // read it less often (below).
    sandbox::clock_per_operation(&mut engine);
    if set.line_coverage {
        // Before the helpers and rules run their top levels, so those
        // lines count too.
        sandbox::line_hits::instrument(&mut engine);
    }
    let mut resolver = StaticModuleResolver::new();
    let mut properties = BTreeSet::new();
    let mut helpers = HashMap::new();
    // A helper that loaded once may still run out of time here.
    let mut failed: HashMap<&str, LoadFailure> = HashMap::new();
    for h in &set.helpers {
        match compile_helper(&engine, &h.name, &h.source, &set.limits) {
            Ok((m, a, ast, _)) => {
                resolver.insert(h.name.clone(), m);
                properties.extend(a.properties);
                helpers.insert(h.name.clone(), ast);
            }
            Err(f) => {
                failed.insert(&h.name, f);
            }
        }
    }
    engine.set_module_resolver(resolver);
    let plan: HashMap<Arc<str>, usize> = set
        .plan
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    let mut rules: Vec<Result<CompiledRule, RuleError>> = set
        .rules
        .iter()
        .map(|r| {
            if let Some(e) = &r.broken {
                return Err(e.clone());
            }
            if let Some((imp, f)) = r
                .imports
                .iter()
                .find_map(|i| failed.get(i.as_str()).map(|f| (i, f)))
            {
                let (line, column) = find_text(&r.source.text, imp);
                let d = r.source.error_at(
                    line,
                    column,
                    format!("helper `{imp}` failed while loading: {}", f.reason),
                );
                return Err(load_error(&r.id, r.path(), &d, f.kind));
            }
            compile_rule(&engine, &r.id, &r.source, &set.limits)
                .map_err(|f| load_error(&r.id, r.path(), &f.diagnostic, f.kind))
        })
        .collect();
    sandbox::clock_per_call(&mut engine);
    for c in rules.iter_mut().flatten() {
        properties.extend(analyze::properties(&c.ast));
        // Line coverage needs every line to run in Rhai.
        if set.native && !set.line_coverage {
            let cx = native::Context {
                consts: &c.consts,
                helpers: &helpers,
                plan: &plan,
                limits: &set.limits,
            };
            c.native = native::compile(&c.ast, &cx);
        }
    }
    // Getters resolve by name at run time, so adding them after compiling
    // changes no compiled script.
    sandbox::api::register_fields(&mut engine, properties.iter().map(String::as_str));
    (engine, rules)
}
