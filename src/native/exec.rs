//! Running lowered code: a tree walk over pre-resolved nodes, with one
//! value stack for every frame, and a statement budget that stops well
//! before Rhai's operation limit (a call that long is Rhai's to judge).

use std::rc::Rc;

use smallvec::SmallVec;

use chrono::NaiveDate;

use super::value::{self, Bail, FnId, Res, V, arith, compare, equals};
use super::{Builtin, Cmp, Decision, Field, Method, Node, Program, Stmt};
use crate::sandbox::calendar;
use crate::sandbox::context::{self, ResponseState};
use crate::sandbox::work::BYTES_PER_OPERATION;
use crate::scenario::Scenario;
use crate::value::{Table, Value};

/// `a <op> b` as the sandbox defines the comparison operators.
fn cmp(c: Cmp, a: &V, b: &V) -> Res<bool> {
    Ok(match c {
        Cmp::Eq => equals(a, b)?,
        Cmp::Ne => !equals(a, b)?,
        _ => ord(c, compare(a, b)?),
    })
}

fn ord(c: Cmp, o: std::cmp::Ordering) -> bool {
    match c {
        Cmp::Eq => o.is_eq(),
        Cmp::Ne => o.is_ne(),
        Cmp::Lt => o.is_lt(),
        Cmp::Le => o.is_le(),
        Cmp::Gt => o.is_gt(),
        Cmp::Ge => o.is_ge(),
    }
}

enum Flow<'a> {
    Next(V<'a>),
    Break,
    Continue,
    Return(V<'a>),
}

struct Exec<'a> {
    p: &'a Program,
    sc: &'a Scenario,
    as_of: NaiveDate,
    states: &'a [Option<ResponseState>],
    /// Every frame's slots; most rules fit without touching the heap.
    stack: SmallVec<[V<'a>; 24]>,
    base: usize,
    ops: u64,
    depth: usize,
    /// [`context::tracking`], read once a call: the judgement date is then
    /// a [`V::Clock`], and the kinds of events read are noted.
    track: bool,
}

pub fn run(
    p: &Program,
    sc: &Scenario,
    as_of: NaiveDate,
    states: &[Option<ResponseState>],
) -> Res<Decision> {
    let mut x = Exec {
        p,
        sc,
        as_of,
        states,
        stack: SmallVec::new(),
        base: 0,
        ops: 0,
        depth: 0,
        track: context::tracking(),
    };
    x.stack.push(V::Scen);
    let v = x.call(0, 1)?;
    decide(sc, v)
}

/// What `fires` returned, as a decision; anything but a verdict is an
/// error Rhai reports.
fn decide(sc: &Scenario, v: V) -> Res<Decision> {
    let none = serde_json::Value::Null;
    Ok(match v {
        V::Bool(true) => Decision::Fires(None, none),
        V::Bool(false) => Decision::Quiet(None, none),
        V::Str(s) => Decision::Fires(Some(s.to_string()), none),
        V::Own(s) | V::Told(s) => Decision::Fires(Some(Rc::unwrap_or_clone(s)), none),
        V::Quiet(q) => Decision::Quiet((!q.is_empty()).then(|| Rc::unwrap_or_clone(q)), none),
        V::Map(m) => {
            let mut fires = None;
            let mut reason = None;
            let mut details = none;
            for (k, v) in m.iter() {
                match &**k {
                    "fires" => fires = Some(v.truth()?),
                    "reason" => {
                        reason = match v {
                            V::Unit => None,
                            v => Some(v.as_str().ok_or(Bail)?.to_string()),
                        }
                    }
                    "details" => details = value::to_json(sc, v)?,
                    _ => return Err(Bail),
                }
            }
            match fires.ok_or(Bail)? {
                true => Decision::Fires(reason, details),
                false => Decision::Quiet(reason, details),
            }
        }
        _ => return Err(Bail),
    })
}

/// Whether Rhai could find a value read from the scenario too large: its
/// size checks count array elements and string bytes, nested ones too.
fn too_large(v: &Value, room: &mut (usize, usize)) -> bool {
    match v {
        Value::Str(s) => {
            room.1 = room.1.saturating_sub(s.len());
            room.1 == 0
        }
        Value::Array(a) => {
            room.0 = room.0.saturating_sub(a.len());
            room.0 == 0 || a.iter().any(|x| too_large(x, room))
        }
        _ => false,
    }
}

impl<'a> Exec<'a> {
    fn tick(&mut self) -> Res<()> {
        self.ops += 1;
        if self.ops > self.p.budget {
            return Err(Bail);
        }
        Ok(())
    }

    /// Charges `work` Rhai operations, as the sandbox charges built-ins
    /// whose work grows with their input (`sandbox::work`), rounded up
    /// to whole statements of the budget.
    fn charge(&mut self, work: usize) -> Res<()> {
        self.ops += (work as u64).div_ceil(self.p.unit);
        if self.ops > self.p.budget {
            return Err(Bail);
        }
        Ok(())
    }

    /// A string the rule built, charged as Rhai charges string `+`.
    fn charge_string(&mut self, v: &V) -> Res<()> {
        match v {
            V::Own(s) if s.len() >= BYTES_PER_OPERATION => {
                self.charge(s.len() / BYTES_PER_OPERATION)
            }
            _ => Ok(()),
        }
    }

    /// Calls a function whose `n` arguments are on top of the stack.
    fn call(&mut self, id: FnId, n: usize) -> Res<V<'a>> {
        let f = &self.p.funcs[id as usize];
        if f.params != n || self.depth >= self.p.max_depth {
            return Err(Bail);
        }
        self.tick()?;
        let base = self.stack.len() - n;
        self.stack.resize(base + f.slots, V::Unit);
        let caller = std::mem::replace(&mut self.base, base);
        self.depth += 1;
        let r = self.block(&f.body);
        self.depth -= 1;
        self.base = caller;
        self.stack.truncate(base);
        match r? {
            Flow::Next(v) | Flow::Return(v) => Ok(v),
            Flow::Break | Flow::Continue => Err(Bail),
        }
    }

    fn call_closure(&mut self, c: &V<'a>, item: V<'a>) -> Res<V<'a>> {
        let V::Closure(c) = c else {
            return Err(Bail);
        };
        let (id, captured) = &**c;
        self.stack.extend(captured.iter().cloned());
        self.stack.push(item);
        self.call(*id, captured.len() + 1)
    }

    fn slot(&mut self, s: usize) -> &mut V<'a> {
        let i = self.base + s;
        &mut self.stack[i]
    }

    /// A block; one of a single statement (most `if` branches and loop
    /// bodies) runs without a frame of its own.
    #[inline]
    fn body(&mut self, stmts: &'a [Stmt]) -> Res<Flow<'a>> {
        match stmts {
            [s] => {
                self.tick()?;
                self.stmt(s)
            }
            _ => self.block(stmts),
        }
    }

    fn block(&mut self, stmts: &'a [Stmt]) -> Res<Flow<'a>> {
        let mut last = V::Unit;
        for s in stmts {
            self.tick()?;
            match self.stmt(s)? {
                Flow::Next(v) => last = v,
                other => return Ok(other),
            }
        }
        Ok(Flow::Next(last))
    }

    fn stmt(&mut self, s: &'a Stmt) -> Res<Flow<'a>> {
        Ok(match s {
            Stmt::Let(slot, n) | Stmt::Assign(slot, n) => {
                let v = self.eval(n)?;
                *self.slot(*slot) = v;
                Flow::Next(V::Unit)
            }
            Stmt::OpAssign(slot, op, n) => {
                let r = self.eval(n)?;
                let cur = std::mem::replace(self.slot(*slot), V::Unit);
                let v = arith(*op, &cur, &r, self.p.max_string)?;
                self.charge_string(&v)?;
                *self.slot(*slot) = v;
                Flow::Next(V::Unit)
            }
            Stmt::Expr(n) => Flow::Next(self.eval(n)?),
            Stmt::If(x) => {
                if self.truth(&x.0)? {
                    self.body(&x.1)?
                } else if x.2.is_empty() {
                    Flow::Next(V::Unit)
                } else {
                    self.body(&x.2)?
                }
            }
            Stmt::For(l) => {
                let it = self.eval(&l.iter)?;
                let n = it.len().ok_or(Bail)?;
                for i in 0..n {
                    self.tick()?;
                    *self.slot(l.var) = it.at(self.sc, i);
                    if let Some(c) = l.counter {
                        *self.slot(c) = V::Int(i as i64);
                    }
                    match self.body(&l.body)? {
                        Flow::Next(_) | Flow::Continue => {}
                        Flow::Break => break,
                        r @ Flow::Return(_) => return Ok(r),
                    }
                }
                Flow::Next(V::Unit)
            }
            Stmt::While(x) => loop {
                self.tick()?;
                if let Some(c) = &x.0
                    && !self.truth(c)?
                {
                    break Flow::Next(V::Unit);
                }
                match self.block(&x.1)? {
                    Flow::Next(_) | Flow::Continue => {}
                    Flow::Break => break Flow::Next(V::Unit),
                    r @ Flow::Return(_) => return Ok(r),
                }
            },
            Stmt::Do(x) => loop {
                self.tick()?;
                match self.block(&x.0)? {
                    Flow::Next(_) => {}
                    // As in Rhai, `continue` in a `do` loop skips the test.
                    Flow::Continue => continue,
                    Flow::Break => break Flow::Next(V::Unit),
                    r @ Flow::Return(_) => return Ok(r),
                }
                if self.truth(&x.1)? != x.2 {
                    break Flow::Next(V::Unit);
                }
            },
            Stmt::Block(b) => self.block(b)?,
            Stmt::Break => Flow::Break,
            Stmt::Continue => Flow::Continue,
            Stmt::Return(n) => Flow::Return(self.eval(n)?),
        })
    }

    /// An array value the sandbox's size limit allows.
    fn array(&self, v: V<'a>) -> Res<V<'a>> {
        match v.len() {
            Some(n) if n > self.p.max_array => Err(Bail),
            _ => Ok(v),
        }
    }

    /// A value the rule built (an array or map literal, a `map` or
    /// `filter` result), as Rhai's size checks allow it: they count the
    /// elements, entries and string bytes nested in it, and a limit of 0
    /// is none.
    fn sized(&self, v: V<'a>) -> Res<V<'a>> {
        let (a, m, s) = value::sizes(&v);
        let over = |n: usize, max: usize| max != 0 && n > max;
        if over(a, self.p.max_array) || over(m, self.p.max_map) || over(s, self.p.max_string) {
            return Err(Bail);
        }
        Ok(v)
    }

    /// A value read from the scenario, as Rhai's size checks allow it.
    fn read(&self, v: &'a Value) -> Res<V<'a>> {
        match v {
            Value::Int(i) => return Ok(V::Int(*i)),
            Value::Date(d) => return Ok(V::Date(*d)),
            Value::Bool(b) => return Ok(V::Bool(*b)),
            Value::Table(t) => return Ok(V::Rec(t)),
            Value::Str(s) if s.len() <= self.p.max_string => return Ok(V::Str(s)),
            _ => {}
        }
        let mut room = (self.p.max_array + 1, self.p.max_string + 1);
        if too_large(v, &mut room) {
            return Err(Bail);
        }
        Ok(V::of(v))
    }

    fn field(&self, t: &'a Table, name: &str) -> Res<V<'a>> {
        match t.get(name) {
            Some(v) => self.read(v),
            None => Err(Bail),
        }
    }

    /// A constant or a local without copying it (a copy of a `V` and its
    /// drop cost more than many operations).
    fn peek(&self, n: &'a Node) -> Option<&V<'a>> {
        match n {
            Node::Const(v) => Some(v),
            Node::Local(s) => Some(&self.stack[self.base + s]),
            _ => None,
        }
    }

    /// A node's value when [`peek`](Self::peek) cannot lend it; the
    /// operand is then `owned.as_ref().or_else(|| self.peek(n))`.
    fn owned(&mut self, n: &'a Node) -> Res<Option<V<'a>>> {
        match self.peek(n) {
            Some(_) => Ok(None),
            None => self.eval(n).map(Some),
        }
    }

    /// Evaluates both operands of a binary node and applies `f`. Operands
    /// cannot observe each other (rules cannot write what they read), so
    /// evaluating the complex one first changes no answer.
    fn pair<R>(&mut self, x: &'a (Node, Node), f: impl FnOnce(&V<'a>, &V<'a>) -> Res<R>) -> Res<R> {
        let a = self.owned(&x.0)?;
        let b = self.owned(&x.1)?;
        let a = a.as_ref().or_else(|| self.peek(&x.0)).ok_or(Bail)?;
        let b = b.as_ref().or_else(|| self.peek(&x.1)).ok_or(Bail)?;
        f(a, b)
    }

    /// The table a node evaluates to, read in place for a local.
    fn table(&mut self, n: &'a Node) -> Res<&'a Table> {
        let v = match self.peek(n) {
            Some(V::Rec(t)) => return Ok(t),
            Some(_) => return Err(Bail),
            None => self.eval(n)?,
        };
        match v {
            V::Rec(t) => Ok(t),
            _ => Err(Bail),
        }
    }

    fn eval(&mut self, n: &'a Node) -> Res<V<'a>> {
        Ok(match n {
            // Literal text is borrowed from the program, not counted.
            Node::Const(V::Own(s)) => V::Str(s.as_str()),
            Node::Const(v) => v.clone(),
            Node::Local(s) => self.stack[self.base + s].clone(),
            Node::And(_) | Node::Or(_) | Node::Not(_) | Node::Cmp(..) => V::Bool(self.truth(n)?),
            Node::LocalField(s, f) => match &self.stack[self.base + s] {
                V::Rec(t) => {
                    let t: &'a Table = t;
                    self.hinted(t, f)?
                }
                other => {
                    let base = other.clone();
                    self.prop(base, &f.name)?
                }
            },
            Node::FieldCmp(x) => V::Bool(self.field_cmp(x)?),
            Node::Arith(op, x) => {
                let max = self.p.max_string;
                let v = self.pair(x, |a, b| arith(*op, a, b, max))?;
                self.charge_string(&v)?;
                v
            }
            // A local's property is `LocalField`; this is any other base.
            Node::Prop(x, f) => match self.eval(x)? {
                V::Rec(t) => self.hinted(t, f)?,
                base => self.prop(base, &f.name)?,
            },
            Node::Has(x, f) => {
                let t = self.table(x)?;
                V::Bool(self.position(t, f).is_some())
            }
            Node::Get(x) => {
                let t = self.table(&x.0)?;
                // Rhai evaluates the default whether or not it is used.
                let default = self.eval(&x.2)?;
                match self.position(t, &x.1) {
                    Some(i) => self.read(&t.fields[i].1)?,
                    None => default,
                }
            }
            Node::Method(m, args) => self.method(*m, args)?,
            Node::Fired(p) => match self.states.get(*p).copied().flatten() {
                Some(ResponseState::Fires) => V::Bool(true),
                Some(ResponseState::Quiet) => V::Bool(false),
                _ => return Err(Bail),
            },
            other => self.eval_rare(other)?,
        })
    }

    /// `e.x <op> y` with `e` a local, comparing the scenario's value in
    /// place when both sides have one of the common types.
    fn field_cmp(&mut self, x: &'a (Cmp, usize, Field, Node)) -> Res<bool> {
        let (c, slot, f, rhs) = x;
        let rv = self.owned(rhs)?;
        let b = rv.as_ref().or_else(|| self.peek(rhs)).ok_or(Bail)?;
        let a = match &self.stack[self.base + slot] {
            V::Rec(t) => {
                let t: &'a Table = t;
                let i = self.position(t, f).ok_or(Bail)?;
                let v = &t.fields[i].1;
                match (v, b) {
                    (Value::Int(x), V::Int(y)) => return Ok(ord(*c, x.cmp(y))),
                    (Value::Date(x), V::Date(y)) => return Ok(ord(*c, x.cmp(y))),
                    // Rhai checks the size of a field it reads.
                    (Value::Str(x), V::Str(y))
                        if matches!(c, Cmp::Eq | Cmp::Ne) && x.len() <= self.p.max_string =>
                    {
                        return Ok((**x == **y) == (*c == Cmp::Eq));
                    }
                    _ => self.read(v)?,
                }
            }
            other => self.prop(other.clone(), &f.name)?,
        };
        cmp(*c, &a, b)
    }

    /// A node that must be a boolean.
    fn truth(&mut self, n: &'a Node) -> Res<bool> {
        match n {
            Node::FieldCmp(x) => self.field_cmp(x),
            Node::Cmp(c, x) => self.pair(x, |a, b| cmp(*c, a, b)),
            Node::And(v) => {
                for x in v.iter() {
                    if !self.truth(x)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Or(v) => {
                for x in v.iter() {
                    if self.truth(x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Not(x) => Ok(!self.truth(x)?),
            _ => self.eval(n)?.truth(),
        }
    }

    /// The nodes a rule evaluates at most a few times per call, kept out
    /// of `eval` so that its frame stays small.
    #[inline(never)]
    fn eval_rare(&mut self, n: &'a Node) -> Res<V<'a>> {
        Ok(match n {
            Node::Coalesce(v) => {
                let mut last = V::Unit;
                for x in v.iter() {
                    last = self.eval(x)?;
                    if !matches!(last, V::Unit) {
                        break;
                    }
                }
                last
            }
            Node::Neg(x) => match self.eval(x)? {
                V::Int(i) => V::Int(i.checked_neg().ok_or(Bail)?),
                V::Float(f) => V::Float(-f),
                _ => return Err(Bail),
            },
            Node::Index(x) => {
                let base = self.eval(&x.0)?;
                let i = self.eval(&x.1)?;
                self.index(base, i)?
            }
            Node::Call(b, args) => self.builtin(*b, args)?,
            Node::Script(id, args) => {
                for a in args.iter() {
                    let v = self.eval(a)?;
                    self.stack.push(v);
                }
                self.call(*id, args.len())?
            }
            Node::Closure(id, captures) => {
                let values = captures.iter().map(|n| self.eval(n)).collect::<Res<_>>()?;
                V::Closure(Rc::new((*id, values)))
            }
            Node::Interp(parts) => {
                let mut out = String::with_capacity(64);
                let mut told = false;
                for p in parts.iter() {
                    told |= match self.peek(p) {
                        Some(v) => value::tell(&mut out, v)?,
                        None => {
                            let v = self.eval(p)?;
                            value::tell(&mut out, &v)?
                        }
                    };
                }
                match value::string(out, self.p.max_string)? {
                    V::Own(s) if told => V::Told(s),
                    v => v,
                }
            }
            Node::Array(items) => {
                let v = items
                    .iter()
                    .map(|x| self.eval(x))
                    .collect::<Res<Vec<_>>>()?;
                self.sized(V::List(Rc::new(v)))?
            }
            Node::Map(entries) => {
                let v = entries
                    .iter()
                    .map(|(k, x)| Ok((k.clone(), self.eval(x)?)))
                    .collect::<Res<Vec<_>>>()?;
                self.sized(V::Map(Rc::new(v)))?
            }
            Node::Block(b) => match self.block(b)? {
                Flow::Next(v) => v,
                // A `return` or `break` out of an expression block.
                _ => return Err(Bail),
            },
            _ => return Err(Bail),
        })
    }

    /// Where a table has a field, looked up first where it was found
    /// last time.
    fn position(&self, t: &Table, f: &Field) -> Option<usize> {
        let i = f.hint.get();
        if let Some((k, _)) = t.fields.get(i)
            && **k == *f.name
        {
            return Some(i);
        }
        let i = t.fields.iter().position(|(k, _)| **k == *f.name)?;
        f.hint.set(i);
        Some(i)
    }

    /// A table's field; an absent one is Rhai's error to report.
    fn hinted(&self, t: &'a Table, f: &Field) -> Res<V<'a>> {
        match self.position(t, f) {
            Some(i) => self.read(&t.fields[i].1),
            None => Err(Bail),
        }
    }

    fn prop(&self, base: V<'a>, name: &str) -> Res<V<'a>> {
        Ok(match base {
            V::Rec(t) => self.field(t, name)?,
            V::Scen => match name {
                "id" => V::Str(&self.sc.id),
                "title" => V::Str(&self.sc.title),
                "as_of" if self.track => V::Clock(self.as_of, 0),
                "as_of" => {
                    context::read_clock();
                    V::Date(self.as_of)
                }
                "facts" => V::Rec(&self.sc.facts),
                "actors" => V::Rec(&self.sc.actors),
                _ => return Err(Bail),
            },
            V::Date(d) => value::date_property(d, name)?,
            V::Clock(d, _) => {
                context::read_clock();
                value::date_property(d, name)?
            }
            V::Map(m) => match m.iter().find(|(k, _)| &**k == name) {
                Some((_, v)) => v.clone(),
                None => return Err(Bail),
            },
            _ => return Err(Bail),
        })
    }

    fn index(&self, base: V<'a>, i: V<'a>) -> Res<V<'a>> {
        if let (V::Rec(t), Some(name)) = (&base, i.as_str()) {
            return self.field(t, name);
        }
        let (Some(n), V::Int(i)) = (base.len(), i) else {
            return Err(Bail);
        };
        // Rhai counts negative indices from the end.
        let j = if i < 0 { n as i64 + i } else { i };
        if j < 0 || j >= n as i64 {
            return Err(Bail);
        }
        Ok(base.at(self.sc, j as usize))
    }

    fn builtin(&mut self, b: Builtin, args: &'a [Node]) -> Res<V<'a>> {
        let mut vals = [V::Unit, V::Unit];
        for (slot, a) in vals.iter_mut().zip(args) {
            *slot = self.eval(a)?;
        }
        // Built-ins take the judgement date as a date.
        let [a, b2] = vals.map(|v| value::unclock(&v).unwrap_or(v));
        Ok(match (b, args.len(), a, b2) {
            (Builtin::Quiet, 0, ..) => V::Quiet(Rc::default()),
            (Builtin::Quiet, 1, V::Own(s) | V::Told(s), _) => V::Quiet(s),
            (Builtin::Quiet, 1, a, _) => V::Quiet(Rc::new(a.as_str().ok_or(Bail)?.to_string())),
            (Builtin::Date, _, a, _) => V::Date(
                calendar::parse_date(a.as_str().ok_or(Bail)?)
                    .map_err(|_| Bail)?
                    .0,
            ),
            (Builtin::Days, _, V::Int(n), _) => V::Days(n),
            (Builtin::Months, _, V::Int(n), _) => V::Months(n),
            (Builtin::DaysBetween, _, V::Date(a), V::Date(b)) => V::Int((b - a).num_days()),
            _ => return Err(Bail),
        })
    }

    fn kind(&self, v: &V<'a>) -> Res<&'a [u32]> {
        let k = v.as_str().ok_or(Bail)?;
        Ok(if self.track {
            context::of_kind(self.sc, k, self.as_of)
        } else {
            self.sc.of_kind(k, self.as_of)
        })
    }

    /// How many events are visible, noted as read when tracking.
    fn visible(&self) -> usize {
        if self.track {
            context::visible(self.sc, self.as_of)
        } else {
            self.sc.visible(self.as_of)
        }
    }

    fn method(&mut self, m: Method, args: &'a [Node]) -> Res<V<'a>> {
        let recv = self.eval(&args[0])?;
        let arg = match args.get(1) {
            Some(a) => self.eval(a)?,
            None => V::Unit,
        };
        let sc = self.sc;
        Ok(match (m, &recv) {
            (Method::Latest, V::Scen) => match self.kind(&arg)?.last() {
                Some(&i) => V::Rec(&sc.events[i as usize].fields),
                None => V::Unit,
            },
            (Method::Events, V::Scen) if args.len() == 1 => self.array(V::All(self.visible()))?,
            (Method::Events, V::Scen) => self.array(V::Kind(self.kind(&arg)?))?,
            (Method::Count, V::Scen) if args.len() == 1 => V::Int(self.visible() as i64),
            (Method::Count, V::Scen) => V::Int(self.kind(&arg)?.len() as i64),
            (Method::Has, V::Rec(t)) => V::Bool(t.get(arg.as_str().ok_or(Bail)?).is_some()),
            (Method::Get, V::Rec(t)) => {
                // Rhai evaluates the default whether or not it is used.
                let default = self.eval(&args[2])?;
                match t.get(arg.as_str().ok_or(Bail)?) {
                    Some(v) => self.read(v)?,
                    None => default,
                }
            }
            (Method::Len, r) => match (r.len(), r.as_str()) {
                (Some(n), _) => V::Int(n as i64),
                (None, Some(s)) => V::Int(s.chars().count() as i64),
                _ => return Err(Bail),
            },
            (Method::IsEmpty, r) => match (r.len(), r.as_str()) {
                (Some(n), _) => V::Bool(n == 0),
                (None, Some(s)) => V::Bool(s.is_empty()),
                _ => return Err(Bail),
            },
            (Method::Contains, r) => match (r.len(), r.as_str(), arg.as_str()) {
                (Some(n), ..) => {
                    self.charge(n)?;
                    for i in 0..n {
                        if equals(&r.at(sc, i), &arg)? {
                            return Ok(V::Bool(true));
                        }
                    }
                    V::Bool(false)
                }
                (None, Some(s), Some(x)) => V::Bool(s.contains(x)),
                _ => return Err(Bail),
            },
            (m, r) => {
                let n = r.len().ok_or(Bail)?;
                self.each(m, &recv, n, &arg)?
            }
        })
    }

    /// `filter`, `some`, `all`, `map`, `find` and `index_of` over an
    /// array of `n` elements with a closure.
    fn each(&mut self, m: Method, a: &V<'a>, n: usize, f: &V<'a>) -> Res<V<'a>> {
        let mut kept = Vec::new();
        for i in 0..n {
            let item = a.at(self.sc, i);
            let r = self.call_closure(f, item.clone())?;
            match m {
                Method::Map => kept.push(r),
                _ => {
                    let yes = r.truth()?;
                    match m {
                        Method::Filter if yes => kept.push(item),
                        Method::Some if yes => return Ok(V::Bool(true)),
                        Method::All if !yes => return Ok(V::Bool(false)),
                        Method::Find if yes => return Ok(item),
                        Method::IndexOf if yes => return Ok(V::Int(i as i64)),
                        _ => {}
                    }
                }
            }
        }
        Ok(match m {
            Method::Filter | Method::Map => self.sized(V::List(Rc::new(kept)))?,
            Method::Some => V::Bool(false),
            Method::All => V::Bool(true),
            Method::Find => V::Unit,
            Method::IndexOf => V::Int(-1),
            _ => return Err(Bail),
        })
    }
}
