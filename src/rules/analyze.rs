//! Static checks on a compiled rule or helper, read off Rhai's AST before
//! anything runs: the `RESPONSE` and `SOURCE` constants, the `fires`
//! function, literal top-level `import "lib/…"` statements only, the
//! literal ids given to `fired(…)` (the dependency graph), and no function
//! that would shadow the rule API.

use std::collections::{BTreeSet, HashMap};

use rhai::{AST, ASTNode, Expr, FnPtr, Module, Position, Stmt};

use super::find_text;
use crate::diagnostic::Code;
use crate::sandbox::api::API_NAMES;

/// A problem found in a script, with its 1-based position if known.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: Code,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

/// What a script declares.
#[derive(Debug, Default)]
pub struct Analysis {
    pub response: Option<String>,
    pub cite: Option<String>,
    pub fires_params: Option<usize>,
    /// `import "lib/…"` paths, top level only, in order.
    pub imports: Vec<String>,
    /// Each top-level `import` alias, with its path.
    pub aliases: HashMap<String, String>,
    /// Literal ids passed to `fired(…)` or `since(…)`, anywhere in the
    /// script: both read another response's verdict.
    pub fired: Vec<String>,
    /// The script calls `since`, which costs a replay of the days before.
    pub since: bool,
    /// Which of them each function can reach, for the dependency graph.
    pub calls: CallGraph,
    /// Literal event kinds passed to `events`/`latest`/`count`, with positions.
    pub kinds: Vec<(String, usize, usize)>,
    /// Helper variables read as `alias::NAME`, with positions.
    pub qualified: Vec<(String, String, usize, usize)>,
    /// Names read as properties (`e.drones`), for the engine's field getters.
    pub properties: BTreeSet<String>,
    pub problems: Vec<Problem>,
}

/// What one function (or the top level) of a script does that matters to
/// the order responses are judged in.
#[derive(Debug, Default, Clone)]
pub struct Calls {
    /// `fired("id")` or `since("id")`: the id and the 1-based position
    /// of the literal.
    pub fired: Vec<(String, usize, usize)>,
    /// Calls `since`.
    pub since: bool,
    /// Names of functions of the same script it may call, whatever their
    /// arity: plain and method-style calls, and function pointers.
    pub local: BTreeSet<String>,
    /// `alias::name(…)` calls into helpers.
    pub imported: BTreeSet<(String, String)>,
    /// Makes a function pointer from a computed name, so may call any
    /// function of the script.
    pub any: bool,
}

/// A script's calls, per function name (arities merged: over-approximating
/// costs nothing here, missing a call would misorder responses).
#[derive(Debug, Default, Clone)]
pub struct CallGraph {
    pub top: Calls,
    pub fns: HashMap<String, Calls>,
}

impl CallGraph {
    /// Whether any function of the script, or its top level, calls `since`.
    pub fn since(&self) -> bool {
        self.top.since || self.fns.values().any(|c| c.since)
    }
}

fn note_call(c: &mut Calls, node: &ASTNode) {
    match node {
        ASTNode::Stmt(Stmt::FnCall(call, _)) | ASTNode::Expr(Expr::FnCall(call, _)) => {
            if !call.namespace.is_empty() {
                c.imported
                    .insert((call.namespace.root().to_string(), call.name.to_string()));
                return;
            }
            match (call.name.as_str(), call.args.as_slice()) {
                (name @ ("fired" | "since"), [Expr::StringConstant(id, pos)]) => {
                    c.since |= name == "since";
                    c.fired.push((
                        id.to_string(),
                        pos.line().unwrap_or(1),
                        pos.position().unwrap_or(1),
                    ));
                }
                ("Fn", [Expr::StringConstant(name, _)]) => {
                    c.local.insert(name.to_string());
                }
                ("Fn", _) => c.any = true,
                (name, _) => {
                    c.local.insert(name.to_string());
                }
            }
        }
        ASTNode::Expr(Expr::MethodCall(call, _)) => {
            c.local.insert(call.name.to_string());
        }
        // A closure, or `Fn("name")` folded by the optimiser.
        ASTNode::Expr(Expr::DynamicConstant(v, _)) => {
            if let Some(p) = v.read_lock::<FnPtr>() {
                c.local.insert(p.fn_name().to_string());
            }
        }
        _ => {}
    }
}

/// Each function's calls, walking every node once: a function is walked
/// as a script holding only it (sharing its definition, not copying it).
pub fn call_graph(ast: &AST) -> CallGraph {
    let mut g = CallGraph::default();
    let mut path = Vec::new();
    for s in ast.statements() {
        s.walk(&mut path, &mut |p: &[ASTNode]| {
            if let Some(n) = p.last() {
                note_call(&mut g.top, n);
            }
            true
        });
        path.clear();
    }
    for f in ast.iter_fn_def() {
        let mut m = Module::new();
        m.set_script_fn(f.clone());
        let one = AST::new(Vec::new(), m);
        let c = g.fns.entry(f.name.to_string()).or_default();
        one.walk(&mut |p: &[ASTNode]| {
            if let Some(n) = p.last() {
                note_call(c, n);
            }
            true
        });
    }
    g
}

pub(super) fn at(code: Code, pos: Position, message: String, help: Option<String>) -> Problem {
    Problem {
        code,
        line: pos.line().unwrap_or(1),
        column: pos.position().unwrap_or(1),
        message,
        help,
    }
}

/// The position of `fn NAME` in the source, for functions (whose AST
/// metadata carries no position).
fn fn_position(text: &str, name: &str) -> (usize, usize) {
    find_text(text, &format!("fn {name}"))
}

/// Every name a script reads as a property (`e.drones`, `t.outcome`).
pub fn properties(ast: &AST) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::Property(x, _))) = path.last() {
            names.insert(x.2.to_string());
        }
        true
    });
    names
}

/// Float literals too large to be finite (`1e400`): Rhai reads them as
/// infinity without a word. Found in an unoptimised parse, since the
/// optimiser folds `1e400 > 1.0` into `false` and the literal disappears.
fn infinite_literals(text: &str) -> Vec<Problem> {
    // Only an exponent or a run of 309 digits can overflow a float.
    let b = text.as_bytes();
    let exponent = b
        .windows(2)
        .any(|w| w[0].is_ascii_digit() && matches!(w[1], b'e' | b'E'));
    let long = b.split(|c| !c.is_ascii_digit()).any(|run| run.len() > 308);
    if !exponent && !long {
        return Vec::new();
    }
    let mut engine = rhai::Engine::new_raw();
    engine
        .set_optimization_level(rhai::OptimizationLevel::None)
        .set_max_expr_depths(0, 0);
    let Ok(ast) = engine.compile(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::FloatConstant(x, pos))) = path.last()
            && !x.is_finite()
        {
            out.push(at(
                Code::InvalidNumber,
                *pos,
                "this float literal is not a finite number (too large for a float)".into(),
                None,
            ));
        }
        true
    });
    out
}

/// `2025-03-04` written in code, outside strings and comments: Rhai reads
/// it as the subtraction 2025 - 3 - 4, the integer 2018, and a comparison
/// with a date then fails at run time, or a comparison with a number
/// quietly gives a wrong answer.
fn integer_dates(text: &str) -> Vec<Problem> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut line, mut line_start, mut i) = (1, 0, 0);
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                // Block comments nest in Rhai.
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if b[i] == b'\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        i += 1;
                    }
                }
            }
            q @ (b'"' | b'`' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'\n') {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => {
                let start = i;
                let word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
                let shaped = word
                    && digits(i, 4)
                    && b.get(i + 4) == Some(&b'-')
                    && digits(i + 5, 2)
                    && b.get(i + 7) == Some(&b'-')
                    && digits(i + 8, 2)
                    && !b
                        .get(i + 10)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.');
                if shaped {
                    let written = &text[i..i + 10];
                    let column = text[line_start..i].chars().count() + 1;
                    out.push(Problem {
                        code: Code::IntegerDate,
                        line,
                        column,
                        message: format!(
                            "`{written}` is not a date in a rule: Rhai reads it as a subtraction, the integer {}",
                            subtraction(written)
                        ),
                        help: Some(format!("write `date(\"{written}\")`")),
                    });
                    i += 10;
                } else {
                    i = start + 1;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// `2025-03-04` evaluated as Rhai does: 2025 - 3 - 4.
fn subtraction(written: &str) -> i64 {
    written
        .split('-')
        .map(|p| p.parse::<i64>().unwrap_or(0))
        .reduce(|a, b| a - b)
        .unwrap_or(0)
}

/// Problems found by reading the script's own text rather than its
/// syntax tree (float literals too large to be finite, `switch` case
/// types): their positions are the file's already, with no shift for the
/// text `switch` checks insert. Found once, at load.
pub fn text_problems(text: &str) -> Vec<Problem> {
    let mut out = infinite_literals(text);
    out.extend(integer_dates(text));
    out.extend(super::switch::problems(&super::switch::scan(text)));
    out
}

pub fn analyze(ast: &AST, text: &str, is_rule: bool) -> Analysis {
    let mut a = Analysis {
        properties: properties(ast),
        calls: call_graph(ast),
        ..Analysis::default()
    };
    let response_seen = constants(ast, text, &mut a);
    functions(ast, text, &mut a);
    statements(ast, &mut a);
    if is_rule {
        rule_shape(ast, text, response_seen, &mut a);
    }
    a
}

/// `RESPONSE` and `SOURCE`; whether `RESPONSE` is declared at all.
fn constants(ast: &AST, text: &str, a: &mut Analysis) -> bool {
    let mut response_seen = false;
    for (name, _, value) in ast.iter_literal_variables(true, false) {
        match name {
            "RESPONSE" => {
                response_seen = true;
                let found = crate::sandbox::type_name(&value);
                match value.into_immutable_string() {
                    Ok(s) => a.response = Some(s.to_string()),
                    Err(_) => {
                        let (line, column) = find_text(text, "RESPONSE");
                        a.problems.push(Problem {
                            code: Code::TypeMismatch,
                            line,
                            column,
                            message: format!(
                                "`RESPONSE` must be a string naming a response, found {found}"
                            ),
                            help: Some("write `const RESPONSE = \"new-sanctions\";`".into()),
                        });
                    }
                }
            }
            "SOURCE" => a.cite = value.into_immutable_string().ok().map(|s| s.to_string()),
            _ => {}
        }
    }
    response_seen
}

/// `fires` and its parameters; functions that would shadow the rule API.
fn functions(ast: &AST, text: &str, a: &mut Analysis) {
    for f in ast.iter_functions() {
        if f.name == "fires" {
            a.fires_params = Some(f.params.len());
        }
        if API_NAMES.contains(&f.name) {
            let (line, column) = fn_position(text, f.name);
            a.problems.push(Problem {
                code: Code::ShadowedApi,
                line,
                column,
                message: format!(
                    "function `{}` would shadow the rule API's `{}`",
                    f.name, f.name
                ),
                help: Some("rename the function".into()),
            });
        }
    }
}

/// Imports, `fired` ids, qualified names and the event kinds queried.
fn statements(ast: &AST, a: &mut Analysis) {
    let top: Vec<*const Stmt> = ast.statements().iter().map(|s| s as *const Stmt).collect();
    ast.walk(&mut |path: &[ASTNode]| {
        let Some(node) = path.last() else {
            return true;
        };
        match node {
            ASTNode::Stmt(s @ Stmt::Import(x, pos)) => {
                let top_level = path.len() == 1 && top.contains(&(*s as *const Stmt));
                match &x.0 {
                    Expr::StringConstant(p, _) if top_level => {
                        a.imports.push(p.to_string());
                        a.aliases.insert(x.1.name.to_string(), p.to_string());
                    }
                    Expr::StringConstant(..) => a.problems.push(at(
                        Code::ImportRefused,
                        *pos,
                        "`import` is allowed only at the top level of a script".into(),
                        Some("move the `import` to the top of the file".into()),
                    )),
                    _ => a.problems.push(at(
                        Code::ImportRefused,
                        *pos,
                        "`import` needs a literal path such as `\"lib/talks\"`".into(),
                        None,
                    )),
                }
            }
            ASTNode::Stmt(Stmt::FnCall(call, pos)) | ASTNode::Expr(Expr::FnCall(call, pos))
                if (call.name == "fired" || (call.name == "since" && call.args.len() == 1))
                    && call.namespace.is_empty() =>
            {
                let name = call.name.as_str();
                a.since |= name == "since";
                match call.args.as_slice() {
                    [Expr::StringConstant(id, _)] => a.fired.push(id.to_string()),
                    _ => a.problems.push(at(
                        Code::FiredNotLiteral,
                        *pos,
                        format!(
                            "`{name}` needs one literal response id, such as `{name}(\"new-sanctions\")`"
                        ),
                        Some("the engine orders responses by these ids before evaluating".into()),
                    )),
                }
            }
            ASTNode::Expr(Expr::Variable(x, _, pos)) if !x.2.is_empty() => {
                a.qualified.push((
                    x.2.root().to_string(),
                    x.1.to_string(),
                    pos.line().unwrap_or(1),
                    pos.position().unwrap_or(1),
                ));
            }
            ASTNode::Expr(Expr::MethodCall(call, pos))
                if matches!(call.name.as_str(), "events" | "latest" | "count") =>
            {
                if let [Expr::StringConstant(kind, _)] = call.args.as_slice() {
                    a.kinds.push((
                        kind.to_string(),
                        pos.line().unwrap_or(1),
                        pos.position().unwrap_or(1),
                    ));
                }
            }
            _ => {}
        }
        true
    });
}

/// A name of the script close to `wanted` (ignoring case), for a rule
/// that lacks `wanted`: `RESPONSE_ID` for `RESPONSE`, `fire` for `fires`.
fn misspelt<'n>(names: impl Iterator<Item = &'n str>, wanted: &str) -> Option<&'n str> {
    let upper = wanted.to_uppercase();
    names
        .filter(|n| *n != wanted)
        .find(|n| crate::diagnostic::did_you_mean(&n.to_uppercase(), [upper.as_str()]).is_some())
}

/// What a rule, unlike a helper, must have: a `RESPONSE` and a
/// one-parameter `fires`. When it lacks one but has a name close to it,
/// the problem is shown at that name: the rule was probably meant to have it.
fn rule_shape(ast: &AST, text: &str, response_seen: bool, a: &mut Analysis) {
    if a.response.is_none() && !response_seen {
        let names: Vec<&str> = ast
            .iter_literal_variables(true, true)
            .map(|v| v.0)
            .collect();
        let (line, column, help) = match misspelt(names.into_iter(), "RESPONSE") {
            Some(name) => {
                let (line, column) = find_text(text, name);
                let help = format!(
                    "did you mean `RESPONSE`? a rule names its response in `const RESPONSE = \"…\";`, and `{name}` is not read"
                );
                (line, column, help)
            }
            None => (
                1,
                1,
                "add `const RESPONSE = \"new-sanctions\";` naming the response it fires".into(),
            ),
        };
        a.problems.push(Problem {
            code: Code::MissingResponse,
            line,
            column,
            message: "rule has no `RESPONSE`".into(),
            help: Some(help),
        });
    }
    let fn_names: Vec<&str> = ast.iter_functions().map(|f| f.name).collect();
    match a.fires_params {
        None => {
            let (line, column, help) = match misspelt(fn_names.into_iter(), "fires") {
                Some(name) => {
                    let (line, column) = fn_position(text, name);
                    let help = format!(
                        "did you mean `fires`? the engine calls `fn fires(s)`, never `{name}`"
                    );
                    (line, column, help)
                }
                None => (1, 1, "add `fn fires(s) { … }` returning `true`, `false`, a reason string or `quiet(\"why\")`".into()),
            };
            a.problems.push(Problem {
                code: Code::MissingFires,
                line,
                column,
                message: "rule has no `fires` function".into(),
                help: Some(help),
            });
        }
        Some(1) => {}
        Some(n) => {
            let (line, column) = fn_position(text, "fires");
            a.problems.push(Problem {
                code: Code::FiresSignature,
                line,
                column,
                message: format!("`fires` takes {n} parameters; it must take one, the scenario"),
                help: Some("write `fn fires(s) { … }`".into()),
            });
        }
    }
}
