//! Native code for common rule shapes. Rhai spends most of a rule call
//! resolving functions and boxing values; this module lowers a rule's
//! `fires` (and the helper functions and closures it calls) from Rhai's
//! AST into a small tree of pre-resolved operations over borrowed scenario
//! data, and runs that instead.
//!
//! Rhai stays the reference. A rule that uses anything outside the subset
//! `lower` understands (`switch`, `try`, `print`, a function this
//! module does not know…) is not lowered at all and always runs in Rhai.
//! A lowered rule that meets, at run time, anything Rhai would answer with
//! an error (a missing field, a type mismatch, an overflow, an operation
//! count near the limit) stops with [`Bail`] and the call is run again in
//! Rhai, which produces the error with its message and position. So native
//! code only ever returns verdicts that Rhai returns too, and the tests
//! check exactly that, rule by rule, on generated and shipped libraries.

mod exec;
mod lower;
mod value;

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::NaiveDate;

pub use lower::{Unsupported, compile};
pub use value::Bail;
use value::{Arith, FnId, V};

use crate::sandbox::Limits;
use crate::sandbox::context::ResponseState;
use crate::scenario::Scenario;

/// A lowered rule: `fires` and every function it can reach.
#[derive(Debug)]
pub struct Program {
    funcs: Vec<Func>,
    /// The most operations Rhai could count for one statement this program
    /// executes, so the statement budget stays below Rhai's limit.
    budget: u64,
    /// The most Rhai operations one statement of the budget stands for.
    unit: u64,
    max_string: usize,
    max_array: usize,
    max_map: usize,
    max_depth: usize,
}

/// A compiled function: parameters are its first slots.
#[derive(Debug)]
struct Func {
    params: usize,
    slots: usize,
    body: Block,
}

type Block = Box<[Stmt]>;

#[derive(Debug)]
enum Stmt {
    Let(usize, Node),
    Assign(usize, Node),
    OpAssign(usize, Arith, Node),
    Expr(Node),
    If(Box<(Node, Block, Block)>),
    For(Box<ForLoop>),
    /// `while c { … }`; `loop { … }` has no condition.
    While(Box<(Option<Node>, Block)>),
    /// `do { … } while c` (`true`) or `do { … } until c` (`false`).
    Do(Box<(Block, Node, bool)>),
    Block(Block),
    Break,
    Continue,
    Return(Node),
}

#[derive(Debug)]
struct ForLoop {
    var: usize,
    counter: Option<usize>,
    iter: Node,
    body: Block,
}

#[derive(Debug)]
enum Node {
    Const(V<'static>),
    Local(usize),
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Coalesce(Box<[Node]>),
    Not(Box<Node>),
    Neg(Box<Node>),
    Cmp(Cmp, Box<(Node, Node)>),
    Arith(Arith, Box<(Node, Node)>),
    Prop(Box<Node>, Field),
    /// `e.x` for a local `e`: read in place.
    LocalField(usize, Field),
    /// `e.x < y` for a local `e`: the field is compared where it lies.
    FieldCmp(Box<(Cmp, usize, Field, Node)>),
    /// `r.has("x")` and `r.get("x", default)` with a literal name.
    Has(Box<Node>, Field),
    Get(Box<(Node, Field, Node)>),
    Index(Box<(Node, Node)>),
    Call(Builtin, Box<[Node]>),
    /// A method; the receiver is the first argument.
    Method(Method, Box<[Node]>),
    /// `fired("id")`, by plan position.
    Fired(usize),
    Script(FnId, Box<[Node]>),
    /// A closure and the values it captures (locals or constants).
    Closure(FnId, Box<[Node]>),
    Interp(Box<[Node]>),
    Array(Box<[Node]>),
    Map(Box<[(Rc<str>, Node)]>),
    Block(Block),
}

/// A property name, with the position it was last found at: events of
/// one kind list their fields in the same order, so the next table read
/// usually has it there too.
#[derive(Debug)]
struct Field {
    name: Rc<str>,
    hint: Cell<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Builtin {
    Date,
    Days,
    Months,
    Quiet,
    DaysBetween,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Latest,
    Events,
    Count,
    Has,
    Get,
    Len,
    IsEmpty,
    Contains,
    Filter,
    Some,
    All,
    Map,
    Find,
    IndexOf,
}

/// What a rule decided, when native code could decide it.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Fires(Option<String>, serde_json::Value),
    Quiet(Option<String>, serde_json::Value),
}

impl Program {
    /// Runs `fires` on a scenario as of a date. `fired` reads the
    /// verdicts of responses earlier in the plan from `states`.
    pub fn eval(
        &self,
        scenario: &Scenario,
        as_of: NaiveDate,
        states: &[Option<ResponseState>],
    ) -> Result<Decision, Bail> {
        exec::run(self, scenario, as_of, states)
    }
}

/// Everything [`compile`] needs besides the rule itself.
pub struct Context<'a> {
    /// The rule's top-level constants.
    pub consts: &'a HashMap<String, rhai::Dynamic>,
    /// Helper name (`lib/talks`) → its compiled script.
    pub helpers: &'a HashMap<String, rhai::AST>,
    /// Response id → plan position, for `fired`.
    pub plan: &'a HashMap<std::sync::Arc<str>, usize>,
    pub limits: &'a Limits,
}
