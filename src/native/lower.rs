//! Lowering Rhai's AST to native code. Names are resolved once, here:
//! locals to frame slots, constants to values, helper and closure calls to
//! function ids, `fired("id")` to a plan position, and each operator and
//! method to the one operation it can mean for the rule API's types.
//! Anything else makes the whole rule [`Unsupported`]: it then runs in
//! Rhai only, exactly as before.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use rhai::{
    AST, ASTFlags, ASTNode, BinaryExpr, Dynamic, Expr, FnAccess, FnCallExpr, FnPtr, Stmt, StmtBlock,
};

use super::value::{Arith, FnId, V};
use super::{Builtin, Cmp, Context, Field, ForLoop, Func, Method, Node, Program};
use crate::sandbox::calendar::{Date, Days, Months};

/// Why a rule runs in Rhai only: the first construct native code lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

type R<T> = Result<T, Unsupported>;

/// The most functions (closures included) a script may define and still
/// be lowered.
const MAX_FUNCTIONS: usize = 256;

fn no<T>(what: impl Into<String>) -> R<T> {
    Err(Unsupported(what.into()))
}

/// A script whose functions can be lowered: the rule, or a helper.
struct Script<'a> {
    ast: &'a AST,
    /// `import "lib/x" as alias;` → helper name.
    imports: HashMap<String, String>,
    /// Whether free variables are the rule's constants (helpers see none
    /// that native code can know).
    is_rule: bool,
}

impl Script<'_> {
    fn params(&self, name: &str, arity: usize) -> Option<Vec<String>> {
        self.ast
            .iter_fn_def()
            .find(|f| f.name == name && f.params.len() == arity)
            .map(|f| f.params.iter().map(ToString::to_string).collect())
    }

    fn has_fn(&self, name: &str, arity: usize) -> bool {
        self.params(name, arity).is_some()
    }

    /// Whether another script may call the function (`private fn` is for
    /// its own module only: calling it from a rule is Rhai's error).
    fn is_public(&self, name: &str, arity: usize) -> bool {
        self.ast
            .iter_fn_def()
            .any(|f| f.name == name && f.params.len() == arity && f.access == FnAccess::Public)
    }

    /// The top-level statements of one function's body. Rhai does not
    /// expose a function's body directly, but walking an AST that holds
    /// only that function visits exactly its statements. (Not built with
    /// `clone_functions_only_filtered`: Rhai 1.27 ignores its filter when
    /// copying into an empty module.)
    fn body(&self, name: &str, arity: usize) -> Vec<Stmt> {
        let mut one = self.ast.clone();
        one.clear_statements();
        one.retain_functions(|_, _, n, a| n == name && a == arity);
        let mut out = Vec::new();
        one.walk(&mut |path: &[ASTNode]| {
            if let [ASTNode::Stmt(s)] = path {
                out.push((*s).clone());
            }
            true
        });
        out
    }
}

fn imports(ast: &AST) -> R<HashMap<String, String>> {
    let mut out = HashMap::new();
    for s in ast.statements() {
        if let Stmt::Import(x, _) = s {
            let (path, alias) = &**x;
            let Expr::StringConstant(p, _) = path else {
                return no("an import that is not a literal");
            };
            out.insert(alias.name.to_string(), p.to_string());
        }
    }
    Ok(out)
}

struct Compiler<'a> {
    cx: &'a Context<'a>,
    scripts: Vec<Script<'a>>,
    ids: HashMap<(usize, String, usize), FnId>,
    funcs: Vec<Option<Func>>,
    queue: Vec<(FnId, usize, String, usize)>,
    /// The most expression nodes in one statement.
    widest: usize,
}

/// Lowers a compiled rule's `fires(s)`.
pub fn compile(rule: &AST, cx: &Context) -> R<Program> {
    let mut c = Compiler {
        cx,
        scripts: vec![Script {
            ast: rule,
            imports: imports(rule)?,
            is_rule: true,
        }],
        ids: HashMap::new(),
        funcs: Vec::new(),
        queue: Vec::new(),
        widest: 1,
    };
    if !c.scripts[0].has_fn("fires", 1) {
        return no("no `fires(s)`");
    }
    c.function(0, "fires", 1)?;
    while let Some((id, script, name, arity)) = c.queue.pop() {
        let f = c.lower_fn(script, &name, arity)?;
        c.funcs[id as usize] = Some(f);
    }
    let funcs = c
        .funcs
        .into_iter()
        .map(|f| f.ok_or_else(|| Unsupported("a function was not lowered".into())))
        .collect::<R<Vec<_>>>()?;
    let limits = cx.limits;
    // Native code has no clock: it never takes more than the default
    // limit's share (a few milliseconds), so a raised or lifted
    // `--max-operations` (`0`) leaves longer calls to Rhai, where the
    // wall-clock backstop applies.
    let default = crate::sandbox::Limits::default().max_operations;
    let ops = match limits.max_operations {
        0 => default,
        n => n.min(default),
    };
    let unit = 4 * (c.widest as u64 + 4);
    Ok(Program {
        funcs,
        budget: ops / unit,
        unit,
        max_string: limits.max_string_size,
        max_array: limits.max_array_size,
        max_map: limits.max_map_size,
        max_depth: limits.max_call_levels / 2,
    })
}

impl<'a> Compiler<'a> {
    /// The id of a script function, queued for lowering on first sight.
    fn function(&mut self, script: usize, name: &str, arity: usize) -> R<FnId> {
        let key = (script, name.to_string(), arity);
        if let Some(&id) = self.ids.get(&key) {
            return Ok(id);
        }
        if !self.scripts[script].has_fn(name, arity) {
            return no(format!("a call to unknown function `{name}`"));
        }
        let id = self.funcs.len() as FnId;
        self.funcs.push(None);
        self.ids.insert(key, id);
        self.queue.push((id, script, name.to_string(), arity));
        Ok(id)
    }

    /// The script index of a helper, loaded on first use.
    fn helper(&mut self, from: usize, alias: &str) -> R<usize> {
        let Some(name) = self.scripts[from].imports.get(alias).cloned() else {
            return no(format!("module `{alias}` is not imported"));
        };
        let Some(ast) = self.cx.helpers.get(&name) else {
            return no(format!("helper `{name}` did not compile"));
        };
        if let Some(i) = self.scripts.iter().position(|s| std::ptr::eq(s.ast, ast)) {
            return Ok(i);
        }
        self.scripts.push(Script {
            ast,
            imports: imports(ast)?,
            is_rule: false,
        });
        Ok(self.scripts.len() - 1)
    }

    fn lower_fn(&mut self, script: usize, name: &str, arity: usize) -> R<Func> {
        // Each function's body is found by copying the script's AST, so a
        // script with very many functions is left to Rhai rather than made
        // quadratic to lower.
        if self.scripts[script]
            .ast
            .iter_fn_def()
            .nth(MAX_FUNCTIONS)
            .is_some()
        {
            return no(format!("more than {MAX_FUNCTIONS} functions in one script"));
        }
        let Some(params) = self.scripts[script].params(name, arity) else {
            return no(format!("function `{name}` not found"));
        };
        let body = self.scripts[script].body(name, arity);
        let mut f = FnLower {
            c: self,
            script,
            scope: Vec::new(),
            slots: 0,
            captured: HashSet::new(),
            assigned: HashSet::new(),
            closure: name.starts_with("anon$"),
            roots: Vec::new(),
        };
        for p in &params {
            f.declare(p, false);
        }
        let body = f.block_in_scope(&body)?;
        if f.closure && params.iter().any(|p| f.assigned.contains(p)) {
            return no("a closure that assigns a variable");
        }
        if f.captured.iter().any(|n| f.assigned.contains(n)) {
            return no("a variable assigned after a closure captured it");
        }
        Ok(Func {
            params: params.len(),
            slots: f.slots,
            body,
        })
    }
}

struct FnLower<'c, 'a> {
    c: &'c mut Compiler<'a>,
    script: usize,
    /// Names in scope, innermost last: name, slot, constant.
    scope: Vec<(String, usize, bool)>,
    slots: usize,
    captured: HashSet<String>,
    assigned: HashSet<String>,
    closure: bool,
    /// Variables that method chains being lowered start from.
    roots: Vec<String>,
}

/// Expression nodes in a statement, not counting nested blocks (whose
/// statements count themselves).
fn width(n: &Node) -> usize {
    1 + match n {
        Node::And(v) | Node::Or(v) | Node::Coalesce(v) | Node::Call(_, v) => {
            v.iter().map(width).sum()
        }
        Node::Method(_, v)
        | Node::Script(_, v)
        | Node::Interp(v)
        | Node::Array(v)
        | Node::Closure(_, v) => v.iter().map(width).sum(),
        Node::Not(x) | Node::Neg(x) | Node::Prop(x, _) | Node::Has(x, _) => width(x),
        Node::LocalField(..) => 1,
        Node::FieldCmp(x) => 1 + width(&x.3),
        Node::Get(x) => width(&x.0) + width(&x.2),
        Node::Cmp(_, x) | Node::Arith(_, x) | Node::Index(x) => width(&x.0) + width(&x.1),
        Node::Map(v) => v.iter().map(|(_, n)| width(n)).sum(),
        Node::Const(_) | Node::Local(_) | Node::Fired(_) | Node::Block(_) => 0,
    }
}

fn arith_of(op: &str) -> Option<Arith> {
    Some(match op {
        "+" => Arith::Add,
        "-" => Arith::Sub,
        "*" => Arith::Mul,
        "/" => Arith::Div,
        "%" => Arith::Rem,
        _ => return None,
    })
}

fn cmp_of(op: &str) -> Option<Cmp> {
    Some(match op {
        "==" => Cmp::Eq,
        "!=" => Cmp::Ne,
        "<" => Cmp::Lt,
        "<=" => Cmp::Le,
        ">" => Cmp::Gt,
        ">=" => Cmp::Ge,
        _ => return None,
    })
}

/// A constant's value, if native code has the type.
fn constant(d: &Dynamic) -> R<V<'static>> {
    if d.is_unit() {
        return Ok(V::Unit);
    }
    if let Ok(b) = d.as_bool() {
        return Ok(V::Bool(b));
    }
    if let Ok(i) = d.as_int() {
        return Ok(V::Int(i));
    }
    if let Ok(f) = d.as_float() {
        return Ok(V::Float(f));
    }
    if d.is_string() {
        return Ok(V::Own(Rc::new(d.to_string())));
    }
    if let Some(x) = d.read_lock::<Date>() {
        return Ok(V::Date(x.0));
    }
    if let Some(x) = d.read_lock::<Days>() {
        return Ok(V::Days(x.0));
    }
    if let Some(x) = d.read_lock::<Months>() {
        return Ok(V::Months(x.0));
    }
    if d.is_array() {
        let items = d
            .read_lock::<rhai::Array>()
            .map(|a| a.iter().map(constant).collect::<R<Vec<_>>>())
            .unwrap_or_else(|| no("an unreadable array"))?;
        return Ok(V::List(Rc::new(items)));
    }
    if d.is_map() {
        // Rhai's maps iterate in key order, as native maps are kept.
        let entries = d
            .read_lock::<rhai::Map>()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| Ok((Rc::from(k.as_str()), constant(v)?)))
                    .collect::<R<Vec<_>>>()
            })
            .unwrap_or_else(|| no("an unreadable map"))?;
        return Ok(V::Map(Rc::new(entries)));
    }
    no(format!("a constant of type {}", d.type_name()))
}

impl FnLower<'_, '_> {
    fn declare(&mut self, name: &str, constant: bool) -> usize {
        let slot = self.slots;
        self.slots += 1;
        self.scope.push((name.to_string(), slot, constant));
        slot
    }

    fn lookup(&self, name: &str) -> Option<(usize, bool)> {
        self.scope
            .iter()
            .rev()
            .find(|(n, ..)| n == name)
            .map(|(_, s, c)| (*s, *c))
    }

    fn block_in_scope(&mut self, stmts: &[Stmt]) -> R<Box<[Stmt2]>> {
        let mark = self.scope.len();
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            if let Some(s) = self.stmt(s)? {
                out.push(s);
            }
        }
        self.scope.truncate(mark);
        Ok(out.into())
    }

    fn block(&mut self, b: &StmtBlock) -> R<Box<[Stmt2]>> {
        self.block_in_scope(b.statements())
    }

    fn note(&mut self, nodes: &[&Node]) {
        let w: usize = nodes.iter().map(|n| width(n)).sum();
        self.c.widest = self.c.widest.max(w);
    }

    // Long: one arm per kind of Rhai statement, so the subset lowered reads in one place.
    fn stmt(&mut self, s: &Stmt) -> R<Option<Stmt2>> {
        let out = match s {
            Stmt::Noop(_) | Stmt::Share(_) => return Ok(None),
            Stmt::If(x, _) => {
                let cond = self.expr(&x.expr)?;
                self.note(&[&cond]);
                let body = self.block(&x.body)?;
                let branch = self.block(&x.branch)?;
                Stmt2::If(Box::new((cond, body, branch)))
            }
            Stmt::For(x, _) => {
                let (var, counter, fc) = &**x;
                let iter = self.expr(&fc.expr)?;
                self.note(&[&iter]);
                let mark = self.scope.len();
                let var = self.declare(&var.name, false);
                let counter = counter.as_ref().map(|c| self.declare(&c.name, false));
                let body = self.block(&fc.body)?;
                self.scope.truncate(mark);
                Stmt2::For(Box::new(ForLoop {
                    var,
                    counter,
                    iter,
                    body,
                }))
            }
            Stmt::Var(x, flags, _) => {
                if flags.contains(ASTFlags::EXPORTED) {
                    return no("`export`");
                }
                let (name, value, _) = &**x;
                let value = self.expr(value)?;
                self.note(&[&value]);
                let slot = self.declare(&name.name, flags.contains(ASTFlags::CONSTANT));
                Stmt2::Let(slot, value)
            }
            Stmt::Assignment(x) => {
                let (op, BinaryExpr { lhs, rhs }) = &**x;
                let Expr::Variable(v, _, _) = lhs else {
                    return no("assigning to a property or an index");
                };
                if !v.2.is_empty() {
                    return no("assigning to a module variable");
                }
                let Some((slot, false)) = self.lookup(&v.1) else {
                    return no("assigning to a constant or an unknown variable");
                };
                self.assigned.insert(v.1.to_string());
                let value = self.expr(rhs)?;
                self.note(&[&value]);
                match op.get_op_assignment_info() {
                    None => Stmt2::Assign(slot, value),
                    Some((.., syntax)) => match arith_of(syntax) {
                        Some(a) => Stmt2::OpAssign(slot, a, value),
                        None => return no(format!("the `{syntax}=` operator")),
                    },
                }
            }
            Stmt::FnCall(f, _) => {
                let n = self.call(f)?;
                self.note(&[&n]);
                Stmt2::Expr(n)
            }
            Stmt::Expr(e) => {
                let n = self.expr(e)?;
                self.note(&[&n]);
                Stmt2::Expr(n)
            }
            Stmt::Block(b) => Stmt2::Block(self.block(b)?),
            Stmt::BreakLoop(None, flags, _) => {
                if flags.contains(ASTFlags::BREAK) {
                    Stmt2::Break
                } else {
                    Stmt2::Continue
                }
            }
            Stmt::Return(value, flags, _) => {
                if flags.contains(ASTFlags::BREAK) {
                    return no("`throw`");
                }
                let n = match value {
                    Some(e) => self.expr(e)?,
                    None => Node::Const(V::Unit),
                };
                self.note(&[&n]);
                Stmt2::Return(n)
            }
            // Loops that may not end are safe here: every iteration counts
            // against the budget, and a call that exhausts it goes to Rhai,
            // which reports the operation limit.
            Stmt::While(x, _) => {
                let cond = match &x.expr {
                    Expr::Unit(_) | Expr::BoolConstant(true, _) => None,
                    e => Some(self.expr(e)?),
                };
                if let Some(c) = &cond {
                    self.note(&[c]);
                }
                let body = self.block(&x.body)?;
                Stmt2::While(Box::new((cond, body)))
            }
            Stmt::Do(x, flags, _) => {
                let body = self.block(&x.body)?;
                let cond = self.expr(&x.expr)?;
                self.note(&[&cond]);
                Stmt2::Do(Box::new((body, cond, !flags.contains(ASTFlags::NEGATED))))
            }
            Stmt::Switch(..) => return no("`switch`"),
            Stmt::TryCatch(..) => return no("`try`"),
            _ => return no("a statement native code does not run"),
        };
        Ok(Some(out))
    }

    fn exprs(&mut self, es: &[Expr]) -> R<Box<[Node]>> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn expr(&mut self, e: &Expr) -> R<Node> {
        Ok(match e {
            Expr::DynamicConstant(d, _) => match d.read_lock::<FnPtr>() {
                Some(f) => {
                    if f.is_curried() {
                        return no("a curried function pointer");
                    }
                    let name = f.fn_name().to_string();
                    drop(f);
                    self.closure(&name, Box::new([]))?
                }
                None => Node::Const(constant(d)?),
            },
            Expr::BoolConstant(b, _) => Node::Const(V::Bool(*b)),
            Expr::IntegerConstant(i, _) => Node::Const(V::Int(*i)),
            Expr::FloatConstant(f, _) => Node::Const(V::Float(**f)),
            Expr::StringConstant(s, _) => Node::Const(V::Own(Rc::new(s.to_string()))),
            Expr::Unit(_) => Node::Const(V::Unit),
            Expr::InterpolatedString(parts, _) => Node::Interp(self.exprs(parts)?),
            Expr::Array(items, _) => Node::Array(self.exprs(items)?),
            Expr::Map(x, _) => {
                let mut entries = Vec::with_capacity(x.0.len());
                for (k, v) in &x.0 {
                    let key: Rc<str> = k.name.as_str().into();
                    if entries.iter().any(|(e, _): &(Rc<str>, Node)| *e == key) {
                        return no("a map literal with a repeated key");
                    }
                    entries.push((key, self.expr(v)?));
                }
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Node::Map(entries.into())
            }
            Expr::Variable(x, _, _) => {
                let (_, name, namespace, _) = &**x;
                if !namespace.is_empty() {
                    return no("a module variable");
                }
                if let Some((slot, _)) = self.lookup(name) {
                    return Ok(Node::Local(slot));
                }
                if !self.c.scripts[self.script].is_rule {
                    return no("a helper reading a variable it does not define");
                }
                match self.c.cx.consts.get(name.as_str()) {
                    Some(d) => Node::Const(constant(d)?),
                    None => return no(format!("unknown variable `{name}`")),
                }
            }
            Expr::FnCall(f, _) => self.call(f)?,
            Expr::Dot(x, flags, _) => {
                if flags.contains(ASTFlags::NEGATED) {
                    return no("`?.`");
                }
                let base = self.expr(&x.lhs)?;
                let root = self.enter_chain(&x.lhs);
                let r = self.chain(base, &x.rhs);
                self.roots.truncate(root);
                r?
            }
            Expr::Index(x, flags, _) => {
                if flags.contains(ASTFlags::NEGATED) {
                    return no("`?[`");
                }
                let base = self.expr(&x.lhs)?;
                let root = self.enter_chain(&x.lhs);
                let r = self.index(base, &x.rhs, *flags);
                self.roots.truncate(root);
                r?
            }
            Expr::And(v, _) => Node::And(self.exprs(v)?),
            Expr::Or(v, _) => Node::Or(self.exprs(v)?),
            Expr::Coalesce(v, _) => Node::Coalesce(self.exprs(v)?),
            Expr::Stmt(b) => self.stmt_expr(b)?,
            _ => return no("an expression native code does not evaluate"),
        })
    }

    /// A statement block used as a value; Rhai also writes a closure that
    /// captures variables this way: `{ share t; curry(Fn("anon$…"), t) }`.
    /// Native closures copy what they capture, where Rhai shares it (and
    /// reports a data race when a shared variable is assigned while a
    /// closure holds it), so assigning a captured variable anywhere in the
    /// function is unsupported.
    fn stmt_expr(&mut self, b: &StmtBlock) -> R<Node> {
        let rest: Vec<&Stmt> = b
            .statements()
            .iter()
            .filter(|s| !matches!(s, Stmt::Share(_)))
            .collect();
        let curry = match rest.as_slice() {
            [Stmt::FnCall(f, _)] => Some(&**f),
            [Stmt::Expr(e)] => match &**e {
                Expr::FnCall(f, _) => Some(&**f),
                _ => None,
            },
            _ => None,
        };
        if let Some(f) = curry.filter(|f| f.name == "curry" && f.namespace.is_empty()) {
            let Some(Expr::DynamicConstant(d, _)) = f.args.first() else {
                return no("`curry` of something other than a closure");
            };
            let Some(name) = d.read_lock::<FnPtr>().map(|p| p.fn_name().to_string()) else {
                return no("`curry` of something other than a closure");
            };
            let mut captures = Vec::new();
            for a in &f.args[1..] {
                // Rhai captures constants too; they are values here.
                let n = self.expr(a)?;
                if let (Node::Local(_), Expr::Variable(v, _, _)) = (&n, a) {
                    // Rhai locks a chain's variable while the chain's
                    // methods run: a closure there holding it is an error
                    // ("data race"), which Rhai reports.
                    if self.roots.iter().any(|r| *r == v.1) {
                        return no("a closure capturing the variable its method chain starts from");
                    }
                    self.captured.insert(v.1.to_string());
                }
                captures.push(n);
            }
            return self.closure(&name, captures.into());
        }
        Ok(Node::Block(self.block(b)?))
    }

    /// Notes the variable a chain starts from; returns the mark to
    /// truncate `roots` back to.
    fn enter_chain(&mut self, lhs: &Expr) -> usize {
        let mark = self.roots.len();
        if let Expr::Variable(v, _, _) = lhs {
            self.roots.push(v.1.to_string());
        }
        mark
    }

    fn closure(&mut self, name: &str, captures: Box<[Node]>) -> R<Node> {
        let script = &self.c.scripts[self.script];
        let Some(arity) = script
            .ast
            .iter_fn_def()
            .find(|f| f.name == name)
            .map(|f| f.params.len())
        else {
            return no("a function pointer to an unknown function");
        };
        if !name.starts_with("anon$") || arity <= captures.len() {
            return no("a function pointer that is not a closure");
        }
        let id = self.c.function(self.script, name, arity)?;
        Ok(Node::Closure(id, captures))
    }

    /// The rest of a property chain (`.outcome.ceasefire`, `.events("x")`).
    fn chain(&mut self, base: Node, e: &Expr) -> R<Node> {
        Ok(match e {
            Expr::Property(x, _) => {
                let f = Field {
                    name: x.2.as_str().into(),
                    hint: Cell::new(0),
                };
                match base {
                    Node::Local(s) => Node::LocalField(s, f),
                    base => Node::Prop(Box::new(base), f),
                }
            }
            Expr::MethodCall(f, _) => self.method(base, f)?,
            Expr::Dot(x, flags, _) => {
                if flags.contains(ASTFlags::NEGATED) {
                    return no("`?.`");
                }
                let inner = self.chain(base, &x.lhs)?;
                self.chain(inner, &x.rhs)?
            }
            Expr::Index(x, flags, _) => {
                if flags.contains(ASTFlags::NEGATED) {
                    return no("`?[`");
                }
                let inner = self.chain(base, &x.lhs)?;
                self.index(inner, &x.rhs, *flags)?
            }
            _ => return no("a property chain native code does not follow"),
        })
    }

    /// `base[i]`, possibly followed by more of the chain: Rhai writes
    /// `a[0].b` as an index whose right side is `0 . b`.
    fn index(&mut self, base: Node, rhs: &Expr, flags: ASTFlags) -> R<Node> {
        if flags.contains(ASTFlags::BREAK) {
            let i = self.expr(rhs)?;
            return Ok(Node::Index(Box::new((base, i))));
        }
        match rhs {
            Expr::Dot(x, f, _) if !f.contains(ASTFlags::NEGATED) => {
                let i = self.expr(&x.lhs)?;
                self.chain(Node::Index(Box::new((base, i))), &x.rhs)
            }
            // `a[i][j]`, as `e["for"]["as"]` reads fields named like
            // keywords.
            Expr::Index(x, f, _) if !f.contains(ASTFlags::NEGATED) => {
                let i = self.expr(&x.lhs)?;
                self.index(Node::Index(Box::new((base, i))), &x.rhs, *f)
            }
            _ => no("an index chain native code does not follow"),
        }
    }

    fn method(&mut self, base: Node, f: &FnCallExpr) -> R<Node> {
        let n = f.args.len();
        if !f.namespace.is_empty() || self.c.scripts[self.script].has_fn(&f.name, n + 1) {
            return no(format!("method `{}` defined in a script", f.name));
        }
        let literal = match f.args.first() {
            Some(Expr::StringConstant(x, _)) => Some(Field {
                name: x.as_str().into(),
                hint: Cell::new(0),
            }),
            _ => None,
        };
        match (f.name.as_str(), n, literal) {
            ("has", 1, Some(field)) => return Ok(Node::Has(Box::new(base), field)),
            ("get", 2, Some(field)) => {
                let default = self.expr(&f.args[1])?;
                return Ok(Node::Get(Box::new((base, field, default))));
            }
            _ => {}
        }
        let m = match (f.name.as_str(), n) {
            ("latest", 1) => Method::Latest,
            ("events", 0 | 1) => Method::Events,
            ("count", 0 | 1) => Method::Count,
            ("has", 1) => Method::Has,
            ("get", 2) => Method::Get,
            ("len", 0) => Method::Len,
            ("is_empty", 0) => Method::IsEmpty,
            ("contains", 1) => Method::Contains,
            ("filter", 1) => Method::Filter,
            ("some", 1) => Method::Some,
            ("all", 1) => Method::All,
            ("map", 1) => Method::Map,
            ("find", 1) => Method::Find,
            ("index_of", 1) => Method::IndexOf,
            // Part of the rule API, but not of native code: an exact
            // instant (hour, offset, RFC 3339 text) is a value type of its
            // own, read by few rules, and only those rules run in Rhai.
            ("instant", 1) => {
                return no(
                    "`e.instant(…)`: exact instants are read in Rhai (a rare need; the rule's other reads are no slower for it)",
                );
            }
            (name, _) => return no(format!("method `{name}`")),
        };
        let mut args = Vec::with_capacity(n + 1);
        args.push(base);
        for a in &f.args {
            args.push(self.expr(a)?);
        }
        Ok(Node::Method(m, args.into()))
    }

    fn call(&mut self, f: &FnCallExpr) -> R<Node> {
        if f.capture_parent_scope {
            return no("a call with `!`");
        }
        let n = f.args.len();
        if !f.namespace.is_empty() {
            if f.namespace.path.len() != 1 {
                return no("a nested module path");
            }
            let script = self.c.helper(self.script, f.namespace.root())?;
            if !self.c.scripts[script].is_public(&f.name, n) {
                return no(format!("a call to `{}`, which is not public", f.name));
            }
            let id = self.c.function(script, &f.name, n)?;
            return Ok(Node::Script(id, self.exprs(&f.args)?));
        }
        let name = f.name.as_str();
        match (name, n) {
            ("!", 1) => return Ok(Node::Not(Box::new(self.expr(&f.args[0])?))),
            ("-", 1) => return Ok(Node::Neg(Box::new(self.expr(&f.args[0])?))),
            (op, 2) if f.op_token.is_some() || cmp_of(op).is_some() || arith_of(op).is_some() => {
                let pair = Box::new((self.expr(&f.args[0])?, self.expr(&f.args[1])?));
                if let Some(c) = cmp_of(op) {
                    return Ok(match *pair {
                        (Node::LocalField(s, f), rhs) => Node::FieldCmp(Box::new((c, s, f, rhs))),
                        pair => Node::Cmp(c, Box::new(pair)),
                    });
                }
                if let Some(a) = arith_of(op) {
                    return Ok(Node::Arith(a, pair));
                }
                return no(format!("the `{op}` operator"));
            }
            _ => {}
        }
        if self.c.scripts[self.script].has_fn(name, n) {
            let id = self.c.function(self.script, name, n)?;
            return Ok(Node::Script(id, self.exprs(&f.args)?));
        }
        let b = match (name, n) {
            ("quiet", 0 | 1) => Builtin::Quiet,
            ("date", 1) => Builtin::Date,
            ("days", 1) => Builtin::Days,
            ("months", 1) => Builtin::Months,
            ("days_between", 2) => Builtin::DaysBetween,
            ("fired", 1) => {
                let Expr::StringConstant(id, _) = &f.args[0] else {
                    return no("`fired` without a literal id");
                };
                return match self.c.cx.plan.get(id.as_str()) {
                    Some(&p) => Ok(Node::Fired(p)),
                    None => no(format!("`fired` of unknown response `{id}`")),
                };
            }
            // `x in a` is `contains(a, x)`.
            ("contains", 2) => return Ok(Node::Method(Method::Contains, self.exprs(&f.args)?)),
            _ => return no(format!("function `{name}`")),
        };
        Ok(Node::Call(b, self.exprs(&f.args)?))
    }
}

use super::Stmt as Stmt2;
