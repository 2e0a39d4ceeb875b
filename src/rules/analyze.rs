//! Static checks on a compiled rule or helper, read off Rhai's AST before
//! anything runs: the `RESPONSE` and `SOURCE` constants, the `fires`
//! function, literal top-level `import "lib/…"` statements only, the
//! literal ids given to `fired(…)` (the dependency graph), and no function
//! that would shadow the rule API.

use std::collections::BTreeSet;

use rhai::{AST, ASTNode, Expr, Position, Stmt};

use crate::sandbox::api::API_NAMES;

/// A problem found in a script, with its 1-based position if known.
#[derive(Debug, Clone)]
pub struct Problem {
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
    /// Literal ids passed to `fired(…)`.
    pub fired: Vec<String>,
    /// Literal event kinds passed to `events`/`latest`/`count`, with positions.
    pub kinds: Vec<(String, usize, usize)>,
    /// Names read as properties (`e.drones`), for the engine's field getters.
    pub properties: BTreeSet<String>,
    pub problems: Vec<Problem>,
}

pub(super) fn at(pos: Position, message: String, help: Option<String>) -> Problem {
    Problem {
        line: pos.line().unwrap_or(1),
        column: pos.position().unwrap_or(1),
        message,
        help,
    }
}

/// The position of `fn NAME` in the source, for functions (whose AST
/// metadata carries no position).
fn fn_position(text: &str, name: &str) -> (usize, usize) {
    text_position(text, &format!("fn {name}"))
}

/// 1-based line and column of the first occurrence of `needle`, or 1:1.
fn text_position(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            line.find(needle)
                .map(|c| (i + 1, line[..c].chars().count() + 1))
        })
        .unwrap_or((1, 1))
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
                *pos,
                "this float literal is not a finite number (too large for a float)".into(),
                None,
            ));
        }
        true
    });
    out
}

pub fn analyze(ast: &AST, text: &str, is_rule: bool) -> Analysis {
    let mut a = Analysis {
        properties: properties(ast),
        ..Analysis::default()
    };
    let mut response_seen = false;
    for (name, _, value) in ast.iter_literal_variables(true, false) {
        match name {
            "RESPONSE" => {
                response_seen = true;
                let found = crate::sandbox::type_name(&value);
                match value.into_immutable_string() {
                    Ok(s) => a.response = Some(s.to_string()),
                    Err(_) => {
                        let (line, column) = text_position(text, "RESPONSE");
                        a.problems.push(Problem {
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
    for f in ast.iter_functions() {
        if f.name == "fires" {
            a.fires_params = Some(f.params.len());
        }
        if API_NAMES.contains(&f.name) {
            let (line, column) = fn_position(text, f.name);
            a.problems.push(Problem {
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
    a.problems.extend(infinite_literals(text));
    a.problems
        .extend(super::switch::problems(&super::switch::scan(text)));
    let top: Vec<*const Stmt> = ast.statements().iter().map(|s| s as *const Stmt).collect();
    ast.walk(&mut |path: &[ASTNode]| {
        let Some(node) = path.last() else {
            return true;
        };
        match node {
            ASTNode::Stmt(s @ Stmt::Import(x, pos)) => {
                let top_level = path.len() == 1 && top.contains(&(*s as *const Stmt));
                match &x.0 {
                    Expr::StringConstant(p, _) if top_level => a.imports.push(p.to_string()),
                    Expr::StringConstant(..) => a.problems.push(at(
                        *pos,
                        "`import` is allowed only at the top level of a script".into(),
                        Some("move the `import` to the top of the file".into()),
                    )),
                    _ => a.problems.push(at(
                        *pos,
                        "`import` needs a literal path such as `\"lib/talks\"`".into(),
                        None,
                    )),
                }
            }
            ASTNode::Stmt(Stmt::FnCall(call, pos)) | ASTNode::Expr(Expr::FnCall(call, pos))
                if call.name == "fired" && call.namespace.is_empty() =>
            {
                match call.args.as_slice() {
                    [Expr::StringConstant(id, _)] => a.fired.push(id.to_string()),
                    _ => a.problems.push(at(
                        *pos,
                        "`fired` needs one literal response id, such as `fired(\"new-sanctions\")`"
                            .into(),
                        Some("the engine orders responses by these ids before evaluating".into()),
                    )),
                }
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
    if is_rule {
        if a.response.is_none() && !response_seen {
            a.problems.push(Problem {
                line: 1,
                column: 1,
                message: "rule has no `RESPONSE`".into(),
                help: Some(
                    "add `const RESPONSE = \"new-sanctions\";` naming the response it fires".into(),
                ),
            });
        }
        match a.fires_params {
            None => a.problems.push(Problem {
                line: 1,
                column: 1,
                message: "rule has no `fires` function".into(),
                help: Some("add `fn fires(s) { … }` returning `true`, `false`, a reason string or `quiet(\"why\")`".into()),
            }),
            Some(1) => {}
            Some(n) => {
                let (line, column) = fn_position(text, "fires");
                a.problems.push(Problem {
                    line,
                    column,
                    message: format!("`fires` takes {n} parameters; it must take one, the scenario"),
                    help: Some("write `fn fires(s) { … }`".into()),
                });
            }
        }
    }
    a
}
