//! Rules and helpers checked against the vocabulary, for `check`: a
//! literal event kind (`s.latest("talks")`, `e.kind == "talks"`) the
//! vocabulary lacks is an error, and so is a field read on a value whose
//! kind is known from the text alone — `s.latest("talks").rund`, a
//! variable bound to it, the loop variable over `s.events("strike")`, a
//! closure's parameter in `s.events("talks").filter(|t| …)` — that the
//! kind does not declare; `has`/`get` of such a field is a warning (they
//! are for optional fields, and an undeclared one is probably a typo).
//!
//! Each script is parsed once more, unoptimised so that nothing the
//! author wrote is folded away, and its syntax tree walked once per
//! function after a few passes that settle what each variable holds. A
//! variable bound to different things anywhere in its function, or to
//! something unknown, is left unchecked: a missed typo costs less than a
//! false error. Nothing here runs for `run` or `test`.

use std::collections::{HashMap, HashSet};

use rhai::{AST, ASTNode, Expr, FnCallExpr, FnPtr, Module, Position, Stmt};

use super::RuleSet;
use crate::diagnostic::{Code, Diagnostic, Severity, SourceText, did_you_mean};
use crate::sandbox::Limits;
use crate::vocabulary::{Fields, Type, Vocabulary};

/// Keys every event has, which a vocabulary does not declare.
const COMMON: [&str; 4] = ["kind", "date", "id", "source"];

/// Array methods whose closure is called with each element first.
const ELEMENT_CLOSURES: [&str; 11] = [
    "filter", "some", "all", "map", "find", "find_map", "for_each", "retain", "drain", "index_of",
    "sort",
];

/// The problems of every rule and helper of `set` against `vocab`.
pub fn check(set: &RuleSet, vocab: &Vocabulary) -> Vec<Diagnostic> {
    let limits = Limits::default();
    let mut engine = rhai::Engine::new_raw();
    engine
        .set_optimization_level(rhai::OptimizationLevel::None)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_fn_expr_depth);
    let sources = set
        .rules
        .iter()
        .map(|r| &r.source)
        .chain(set.helpers.iter().map(|h| &h.source));
    sources.flat_map(|s| script(&engine, s, vocab)).collect()
}

/// What a value is known to be.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// The scenario (`fires`' parameter).
    Scenario,
    /// `s.actors`.
    Actors,
    /// `s.events("k")`: events of one kind.
    Events(String),
    /// An event, `[facts]` or an actor's table, or a table inside one at
    /// `path`.
    Table(Whose, Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Whose {
    Event(String),
    Facts,
    Actor(String),
}

/// What each variable of a function holds: `None` when it is bound to
/// something unknown, or to different things.
type Env = HashMap<String, Option<Ty>>;

struct Checker<'a> {
    vocab: &'a Vocabulary,
    src: &'a SourceText,
    out: Vec<Diagnostic>,
    /// What each closure's parameters hold, by its function's name, from
    /// where it is made: `None` for a parameter bound to different things.
    closures: HashMap<String, HashMap<usize, Option<Ty>>>,
}

fn script(engine: &rhai::Engine, src: &SourceText, vocab: &Vocabulary) -> Vec<Diagnostic> {
    // A script that does not compile is reported as it loads.
    let Ok(ast) = engine.compile(&*src.text) else {
        return Vec::new();
    };
    let mut c = Checker {
        vocab,
        src,
        out: Vec::new(),
        closures: HashMap::new(),
    };
    c.body(&Body::Top(&ast), Env::new());
    let mut anon = Vec::new();
    for f in ast.iter_fn_def() {
        let mut m = Module::new();
        m.set_script_fn(f.clone());
        let one = AST::new(Vec::new(), m);
        if f.name.starts_with("anon$") {
            anon.push((f.name.to_string(), f.params.len(), one));
            continue;
        }
        let params = f.params.iter().enumerate().map(|(i, p)| {
            let t = (f.name == "fires" && f.params.len() == 1 && i == 0).then_some(Ty::Scenario);
            (p.to_string(), t)
        });
        c.body(&Body::Fn(&one), params.collect());
    }
    // Closures after the code that makes them, which says what their
    // parameters hold; those made nowhere known, last.
    let mut done: HashSet<usize> = HashSet::new();
    while done.len() < anon.len() {
        let next = (0..anon.len())
            .filter(|i| !done.contains(i))
            .find(|&i| c.closures.contains_key(&anon[i].0))
            .or_else(|| (0..anon.len()).find(|i| !done.contains(i)));
        let Some(i) = next else { break };
        done.insert(i);
        let (name, n, one) = &anon[i];
        let bound = c.closures.get(name).cloned().unwrap_or_default();
        let f = one.iter_fn_def().next();
        let env = (0..*n)
            .filter_map(|k| {
                let p = f?.params.get(k)?.to_string();
                Some((p, bound.get(&k).cloned().flatten()))
            })
            .collect();
        c.body(&Body::Fn(one), env);
    }
    c.out.sort_by_key(|d| (d.line, d.column));
    c.out
}

/// The code of one function: the script's top level, or a script holding
/// only that function.
enum Body<'a> {
    Top(&'a AST),
    Fn(&'a AST),
}

impl Body<'_> {
    fn walk(&self, f: &mut dyn FnMut(&[ASTNode])) {
        let mut cb = |p: &[ASTNode]| {
            f(p);
            true
        };
        match self {
            Body::Top(ast) => {
                let mut path = Vec::new();
                for s in ast.statements() {
                    s.walk(&mut path, &mut cb);
                    path.clear();
                }
            }
            Body::Fn(ast) => {
                ast.walk(&mut cb);
            }
        }
    }
}

/// Records `name` as bound to `t`; bound before to something else, it is
/// unknown.
fn bind(env: &mut Env, name: &str, t: Option<Ty>) {
    match env.get(name) {
        None => {
            env.insert(name.to_string(), t);
        }
        Some(old) if *old != t => {
            env.insert(name.to_string(), None);
        }
        Some(_) => {}
    }
}

/// A closure expression: its function's name and the variables it
/// captures (curried in front of its own parameters).
fn closure(e: &Expr) -> Option<(String, Vec<String>)> {
    let name = |e: &Expr| match e {
        Expr::DynamicConstant(v, _) => v.read_lock::<FnPtr>().map(|p| p.fn_name().to_string()),
        _ => None,
    };
    if let Some(n) = name(e) {
        return Some((n, Vec::new()));
    }
    let Expr::Stmt(block) = e else { return None };
    let call = block.iter().find_map(|s| match s {
        Stmt::Expr(e) => match &**e {
            Expr::FnCall(call, _) if call.name == "curry" => Some(call),
            _ => None,
        },
        _ => None,
    })?;
    let (first, rest) = call.args.split_first()?;
    let externals = rest
        .iter()
        .map(|a| match a {
            Expr::Variable(x, ..) => x.1.to_string(),
            _ => String::new(),
        })
        .collect();
    Some((name(first)?, externals))
}

/// Whether the last node of `path` is the right side of a `.` or `[]`
/// chain (checked with its chain) or what an assignment writes to.
fn inside_chain(path: &[ASTNode]) -> bool {
    let [.., parent, ASTNode::Expr(node)] = path else {
        return false;
    };
    match parent {
        ASTNode::Expr(Expr::Dot(b, ..) | Expr::Index(b, ..)) => std::ptr::eq(&b.rhs, *node),
        ASTNode::Stmt(Stmt::Assignment(x)) => std::ptr::eq(&x.1.lhs, *node),
        _ => false,
    }
}

impl Checker<'_> {
    /// Settles what each variable holds, then checks every read.
    fn body(&mut self, body: &Body<'_>, params: Env) {
        let mut env = params.clone();
        // Each pass can only learn what a variable bound from another one
        // holds; a handful settles real rules.
        for _ in 0..6 {
            let mut next = params.clone();
            body.walk(&mut |path| match path.last() {
                Some(ASTNode::Stmt(Stmt::Var(x, ..))) if !matches!(x.1, Expr::Unit(_)) => {
                    bind(&mut next, &x.0.name, self.ty(&env, &x.1, false));
                }
                Some(ASTNode::Stmt(Stmt::For(x, _))) => {
                    let elem = match self.ty(&env, &x.2.expr, false) {
                        Some(Ty::Events(k)) => Some(Ty::Table(Whose::Event(k), Vec::new())),
                        _ => None,
                    };
                    bind(&mut next, &x.0.name, elem);
                    if let Some(counter) = &x.1 {
                        bind(&mut next, &counter.name, None);
                    }
                }
                Some(ASTNode::Stmt(Stmt::Assignment(x))) => {
                    // `x = ();` says nothing new about what `x` holds.
                    if let Expr::Variable(v, ..) = &x.1.lhs
                        && !matches!(x.1.rhs, Expr::Unit(_))
                    {
                        let t = match &x.1.rhs {
                            rhs if !x.0.is_op_assignment() => self.ty(&env, rhs, false),
                            _ => None,
                        };
                        bind(&mut next, &v.1, t);
                    }
                }
                _ => {}
            });
            if next == env {
                break;
            }
            env = next;
        }
        body.walk(&mut |path| {
            let Some(ASTNode::Expr(e)) = path.last() else {
                return;
            };
            match e {
                Expr::Dot(b, ..) if !inside_chain(path) => {
                    let t = self.ty(&env, &b.lhs, false);
                    self.chain(t, &b.rhs, true);
                }
                Expr::Index(b, ..) if !inside_chain(path) => {
                    let t = self.ty(&env, &b.lhs, false);
                    self.index(t, &b.rhs, true);
                }
                Expr::FnCall(call, _) if matches!(call.name.as_str(), "==" | "!=") => {
                    self.kind_comparison(call);
                }
                _ => {
                    if let Some((name, externals)) = closure(e) {
                        for (i, v) in externals.iter().enumerate() {
                            self.bind_closure(&name, i, env.get(v).cloned().flatten());
                        }
                    }
                }
            }
        });
    }

    fn bind_closure(&mut self, name: &str, param: usize, t: Option<Ty>) {
        let params = self.closures.entry(name.to_string()).or_default();
        match params.get(&param) {
            Some(old) if *old != t => {
                params.insert(param, None);
            }
            Some(_) => {}
            None => {
                params.insert(param, t);
            }
        }
    }

    /// What `e` holds, if known; `report` checks what it reads.
    fn ty(&mut self, env: &Env, e: &Expr, report: bool) -> Option<Ty> {
        match e {
            Expr::Variable(x, ..) if x.2.is_empty() => env.get(x.1.as_str()).cloned().flatten(),
            Expr::Dot(b, ..) => {
                let t = self.ty(env, &b.lhs, report);
                self.chain(t, &b.rhs, report)
            }
            Expr::Index(b, ..) => {
                let t = self.ty(env, &b.lhs, report);
                self.index(t, &b.rhs, report)
            }
            _ => None,
        }
    }

    /// `t` followed by `rhs`, the rest of a `.` chain.
    fn chain(&mut self, t: Option<Ty>, rhs: &Expr, report: bool) -> Option<Ty> {
        match rhs {
            Expr::Dot(b, ..) => {
                let t = self.chain(t, &b.lhs, report);
                self.chain(t, &b.rhs, report)
            }
            Expr::Index(b, ..) => {
                let t = self.chain(t, &b.lhs, report);
                self.index(t, &b.rhs, report)
            }
            Expr::Property(x, pos) => self.field(t?, &x.2, *pos, report, Read::Property),
            Expr::MethodCall(call, _) => self.method(t, call, report),
            _ => None,
        }
    }

    /// `t[rhs]`. Rhai writes `x[i].rest` as `x[i.rest]` (and `x[i][j]` as
    /// `x[i[j]]`), so a chain after an index is read as such when `x` is
    /// a list of events, whose index is a number, never a field read.
    fn index(&mut self, t: Option<Ty>, rhs: &Expr, report: bool) -> Option<Ty> {
        match (t?, rhs) {
            (t @ Ty::Table(..), Expr::StringConstant(name, pos)) => {
                self.field(t, name, *pos, report, Read::Index)
            }
            (Ty::Events(k), rhs) => {
                let elem = Some(Ty::Table(Whose::Event(k), Vec::new()));
                match rhs {
                    Expr::Dot(b, ..) => self.chain(elem, &b.rhs, report),
                    Expr::Index(b, ..) => self.index(elem, &b.rhs, report),
                    _ => elem,
                }
            }
            _ => None,
        }
    }

    /// The fields declared where `whose` and `path` lead, if the
    /// vocabulary declares them.
    fn fields(&self, whose: &Whose, path: &[String]) -> Option<&Fields> {
        let mut fields = match whose {
            Whose::Event(k) => &self.vocab.kind(k)?.fields,
            Whose::Facts => self.vocab.facts.as_ref()?,
            Whose::Actor(_) => self.vocab.actors.as_ref()?,
        };
        for p in path {
            match &fields.get(p)?.ty {
                Type::Table(inner) => fields = inner,
                _ => return None,
            }
        }
        Some(fields)
    }

    /// Reads `name` of `t` (`t.name`, `t["name"]`, `t.get("name", …)`,
    /// `t.has("name")`): what it holds, if known.
    fn field(&mut self, t: Ty, name: &str, pos: Position, report: bool, read: Read) -> Option<Ty> {
        let (whose, path) = match t {
            Ty::Scenario => {
                return match name {
                    "facts" if read == Read::Property && self.vocab.facts.is_some() => {
                        Some(Ty::Table(Whose::Facts, Vec::new()))
                    }
                    "actors" if read == Read::Property && self.vocab.actors.is_some() => {
                        Some(Ty::Actors)
                    }
                    _ => None,
                };
            }
            Ty::Actors => return Some(Ty::Table(Whose::Actor(name.to_string()), Vec::new())),
            Ty::Events(_) => return None,
            Ty::Table(whose, path) => (whose, path),
        };
        let top_of_event = path.is_empty() && matches!(whose, Whose::Event(_));
        if top_of_event && COMMON.contains(&name) {
            return None;
        }
        let fields = self.fields(&whose, &path)?;
        match fields.get(name) {
            Some(f) => match f.ty {
                Type::Table(_) => {
                    let mut path = path;
                    path.push(name.to_string());
                    Some(Ty::Table(whose, path))
                }
                _ => None,
            },
            None if fields.open => None,
            None => {
                if report {
                    let known = fields
                        .names()
                        .chain(COMMON.iter().copied().filter(|_| top_of_event));
                    let help = did_you_mean(name, known)
                        .or_else(|| Some(self.declare_help(&whose, &path, name)));
                    self.undeclared(&whose, &path, name, pos, read, help);
                }
                None
            }
        }
    }

    fn undeclared(
        &mut self,
        whose: &Whose,
        path: &[String],
        name: &str,
        pos: Position,
        read: Read,
        help: Option<String>,
    ) {
        let whose_text = match whose {
            Whose::Event(k) => format!("a `{k}` event"),
            Whose::Facts => "`[facts]`".to_string(),
            Whose::Actor(a) => format!("actor `{a}`"),
        };
        let dotted = path
            .iter()
            .map(String::as_str)
            .chain([name])
            .collect::<Vec<_>>()
            .join(".");
        let what = match path.last() {
            None => format!("`{dotted}` is not a field of {whose_text}"),
            Some(p) => format!("`{dotted}` is not a field of {whose_text} (`{p}` has no `{name}`)"),
        };
        // The name as written: bare, or quoted.
        let len = name.len() + if read == Read::Property { 0 } else { 2 };
        let (message, code, severity) = match read {
            Read::Property | Read::Index => (
                format!("{what} in the vocabulary"),
                Code::RuleFieldNotInVocabulary,
                Severity::Error,
            ),
            Read::Has => (
                format!("{what} in the vocabulary, so `has` is always false"),
                Code::OptionalFieldNotInVocabulary,
                Severity::Warning,
            ),
            Read::Get => (
                format!("{what} in the vocabulary, so `get` always gives the default"),
                Code::OptionalFieldNotInVocabulary,
                Severity::Warning,
            ),
        };
        let mut d = at(self.src, pos, len, message)
            .with_code(code)
            .with_help_opt(help);
        d.severity = severity;
        self.out.push(d);
    }

    /// The help for a field no declaration is near.
    fn declare_help(&self, whose: &Whose, path: &[String], name: &str) -> String {
        let vocab = self.vocab.path().display();
        let table = match whose {
            Whose::Event(k) => format!("[kinds.{k}]"),
            Whose::Facts => "[facts]".into(),
            Whose::Actor(_) => "[actors]".into(),
        };
        match path.last() {
            None => format!(
                "declare it as `fields.{name}` under `{table}` in {vocab}, or set `open = true` there"
            ),
            Some(p) => format!("declare it in the `fields` of `{p}` under `{table}` in {vocab}"),
        }
    }

    /// `t.name(args)`.
    fn method(&mut self, t: Option<Ty>, call: &FnCallExpr, report: bool) -> Option<Ty> {
        let name = call.name.as_str();
        let literal = match call.args.first() {
            Some(Expr::StringConstant(s, p)) => Some((s.as_str(), *p)),
            _ => None,
        };
        match (t, name, literal) {
            // Any receiver: the rule API has these on the scenario only,
            // and a rule may not define its own.
            (None | Some(Ty::Scenario), "events" | "latest" | "count", Some((kind, p)))
                if call.args.len() == 1 =>
            {
                if report {
                    self.kind(kind, p);
                }
                match name {
                    "events" => Some(Ty::Events(kind.to_string())),
                    "latest" => Some(Ty::Table(Whose::Event(kind.to_string()), Vec::new())),
                    _ => None,
                }
            }
            (Some(t @ Ty::Table(..)), "has", Some((field, p))) if call.args.len() == 1 => {
                self.field(t, field, p, report, Read::Has);
                None
            }
            (Some(t @ Ty::Table(..)), "get", Some((field, p))) if call.args.len() == 2 => {
                self.field(t, field, p, report, Read::Get)
            }
            (Some(Ty::Events(k)), _, _) => {
                if report && ELEMENT_CLOSURES.contains(&name) {
                    for a in call.args.iter() {
                        if let Some((f, externals)) = closure(a) {
                            let elem = Ty::Table(Whose::Event(k.clone()), Vec::new());
                            self.bind_closure(&f, externals.len(), Some(elem));
                        }
                    }
                }
                match name {
                    "filter" | "retain" | "drain" => Some(Ty::Events(k)),
                    "find" => Some(Ty::Table(Whose::Event(k), Vec::new())),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A literal kind the rule names: an error when the vocabulary
    /// declares kinds and not this one.
    fn kind(&mut self, kind: &str, pos: Position) {
        let Some(kinds) = &self.vocab.kinds else {
            return;
        };
        if kinds.contains_key(kind) {
            return;
        }
        let vocab = self.vocab.path().display().to_string();
        let help = did_you_mean(kind, self.vocab.kind_names())
            .or_else(|| Some(format!("declare it as `[kinds.{kind}]` in {vocab}")));
        let message = format!("event kind `{kind}` is not in the vocabulary");
        self.out.push(
            at(self.src, pos, kind.len() + 2, message)
                .with_code(Code::RuleKindNotInVocabulary)
                .with_help_opt(help),
        );
    }

    /// `x.kind == "talks"` (either way round, or `!=`).
    fn kind_comparison(&mut self, call: &FnCallExpr) {
        let is_kind = |e: &Expr| match e {
            Expr::Dot(b, ..) => matches!(&b.rhs, Expr::Property(p, _) if p.2 == "kind"),
            _ => false,
        };
        if let [a, b] = call.args.as_slice() {
            let literal = match (a, b) {
                (Expr::StringConstant(s, p), other) | (other, Expr::StringConstant(s, p))
                    if is_kind(other) =>
                {
                    Some((s.clone(), *p))
                }
                _ => None,
            };
            if let Some((s, p)) = literal {
                self.kind(&s, p);
            }
        }
    }
}

/// A diagnostic underlining `len` bytes of `src` from Rhai's `pos`.
fn at(src: &SourceText, pos: Position, len: usize, message: String) -> Diagnostic {
    let (line, column) = (pos.line().unwrap_or(1), pos.position().unwrap_or(1));
    let start = src.offset(line, column);
    let end = (start + len).min(src.text.len());
    match src.text.get(start..end) {
        Some(_) if len > 0 => src.error(start..end, message).at(line, column),
        _ => src.error_at(line, column, message),
    }
}

/// How a field is read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Read {
    /// `t.name`: the field must be there.
    Property,
    /// `t["name"]`: the same.
    Index,
    /// `t.has("name")`.
    Has,
    /// `t.get("name", default)`.
    Get,
}
