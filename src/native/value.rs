//! The values native code computes with. Scenario data is borrowed, never
//! copied: a field read yields a `&str` or `&Table` into the parsed
//! scenario, and `s.events("strike")` is a slice of the scenario's index
//! by kind. Each operation mirrors the rule API's Rhai semantics on the
//! inputs where Rhai succeeds; anywhere Rhai would raise an error (a type
//! mismatch, an overflow, a missing field) the operation returns
//! [`Bail`], and the call is run again in Rhai for the exact message.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::rc::Rc;

use chrono::{Datelike, NaiveDate};

use crate::sandbox::calendar::{self, Date, Days, Months};
use crate::sandbox::context;
use crate::scenario::Scenario;
use crate::value::{Table, Value, iso};

/// Native code cannot decide this call the way Rhai would; run it in Rhai.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

pub type Res<T> = Result<T, Bail>;

/// A function of a [`super::Program`], by position.
pub type FnId = u32;

#[derive(Debug, Clone)]
pub enum V<'a> {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text borrowed from the scenario or the program.
    Str(&'a str),
    /// Text the rule built; a `String` inside, so that a verdict's reason
    /// is handed over without copying.
    Own(Rc<String>),
    Date(NaiveDate),
    /// The judgement date moved by a number of days (`s.as_of - days(30)`),
    /// as it reads on the day judged; only while a replay steps from day to
    /// day ([`context::tracking`]). Compared with a fixed date, it notes
    /// the first later day on which the comparison could come out
    /// otherwise ([`context::read_until`]); anything else done with it
    /// reads the date as such ([`context::read_clock`]).
    Clock(NaiveDate, i32),
    /// Days from a fixed date to a [`V::Clock`] (`s.as_of - t.date`), and
    /// the day judged: one more each day. Compared with a fixed number it
    /// notes, as a clock value does, the first later day on which the
    /// comparison could come out otherwise.
    Elapsed(i64, NaiveDate),
    /// Text written with a [`V::Clock`] or [`V::Elapsed`] in it
    /// (`` `missed by ${s.as_of - d.due} days` ``): it says something else
    /// every day, but only what it is used for can change a verdict. As a
    /// verdict's reason (returned, or given to `quiet`) it holds as it is;
    /// anything else done with it is handed to Rhai, which reads the date.
    Told(Rc<String>),
    Days(i64),
    Months(i64),
    /// An event, a nested table, the facts or the actors.
    Rec(&'a Table),
    /// The scenario argument of `fires`.
    Scen,
    /// Events of one kind visible at the judgement date, as positions in
    /// `Scenario::events`.
    Kind(&'a [u32]),
    /// The first `n` events: all those visible at the judgement date.
    All(usize),
    /// An array from the scenario file.
    Vals(&'a [Value]),
    /// An array the rule built.
    List(Rc<Vec<V<'a>>>),
    /// An object map literal, keys in Rhai's (sorted) order.
    Map(Rc<Vec<(Rc<str>, V<'a>)>>),
    Quiet(Rc<String>),
    /// A closure: its function and the values it captured.
    Closure(Rc<(FnId, Vec<V<'a>>)>),
}

impl<'a> V<'a> {
    /// A value from the scenario file, borrowed.
    pub fn of(v: &'a Value) -> V<'a> {
        match v {
            Value::Str(s) => V::Str(s),
            Value::Int(i) => V::Int(*i),
            Value::Float(x) => V::Float(*x),
            Value::Bool(b) => V::Bool(*b),
            Value::Date(d) => V::Date(*d),
            Value::Array(a) => V::Vals(a),
            Value::Table(t) => V::Rec(t),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::Own(s) => Some(s),
            _ => None,
        }
    }

    pub fn truth(&self) -> Res<bool> {
        match self {
            V::Bool(b) => Ok(*b),
            _ => Err(Bail),
        }
    }

    /// The number of elements of an array value.
    pub fn len(&self) -> Option<usize> {
        match self {
            V::Kind(ix) => Some(ix.len()),
            V::All(n) => Some(*n),
            V::Vals(v) => Some(v.len()),
            V::List(l) => Some(l.len()),
            _ => None,
        }
    }

    /// Element `i` (in range) of an array value.
    pub fn at(&self, sc: &'a Scenario, i: usize) -> V<'a> {
        match self {
            V::Kind(ix) => V::Rec(&sc.events[ix[i] as usize].fields),
            V::All(_) => V::Rec(&sc.events[i].fields),
            V::Vals(v) => V::of(&v[i]),
            V::List(l) => l[i].clone(),
            _ => V::Unit,
        }
    }
}

/// `a == b` as the sandbox defines it: same-type comparisons, integers
/// and floats as numbers, and `== ()` on anything; other pairs are errors.
pub fn equals(a: &V, b: &V) -> Res<bool> {
    Ok(match (a, b) {
        (V::Unit, V::Unit) => true,
        (V::Unit, _) | (_, V::Unit) => false,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Date(x), V::Date(y)) => x == y,
        (V::Days(x), V::Days(y)) => x == y,
        (V::Rec(x), V::Rec(y)) => std::ptr::eq(*x, *y) || x == y,
        _ => compare(a, b)? == Ordering::Equal,
    })
}

/// Notes until when a value that grows by one a day, and is `k` short of
/// a fixed value on `today`, compares with that value as it does today:
/// it meets it `k` days later, and the comparison can change only on that
/// day and the next.
fn horizon(today: NaiveDate, k: i64) {
    let meets = match k {
        1.. => chrono::Days::new(k.unsigned_abs()),
        0 => chrono::Days::new(1),
        _ => return,
    };
    match today.checked_add_days(meets) {
        Some(day) => context::read_until(day),
        None => context::read_clock(),
    }
}

/// [`horizon`] of a [`V::Clock`] against a fixed date.
fn date_horizon(clock: NaiveDate, off: i32, fixed: NaiveDate) {
    match clock.checked_sub_signed(chrono::Duration::days(i64::from(off))) {
        Some(today) => horizon(today, (fixed - clock).num_days()),
        None => context::read_clock(),
    }
}

/// [`horizon`] of a [`V::Elapsed`] against a fixed number.
fn int_horizon(elapsed: i64, today: NaiveDate, fixed: i64) {
    match fixed.checked_sub(elapsed) {
        Some(k) => horizon(today, k),
        None => context::read_clock(),
    }
}

/// A value with the judgement date read as a date: what a [`V::Clock`]
/// becomes where nothing says until when its use holds.
pub fn unclock<'a>(v: &V<'a>) -> Option<V<'a>> {
    match v {
        V::Clock(d, _) => {
            context::read_clock();
            Some(V::Date(*d))
        }
        V::Elapsed(n, _) => {
            context::read_clock();
            Some(V::Int(*n))
        }
        _ => None,
    }
}

/// The order of two integers, floats, strings or dates.
pub fn compare(a: &V, b: &V) -> Res<Ordering> {
    match (a, b) {
        (V::Clock(x, off), V::Date(y)) => {
            date_horizon(*x, *off, *y);
            return Ok(x.cmp(y));
        }
        (V::Date(x), V::Clock(y, off)) => {
            date_horizon(*y, *off, *x);
            return Ok(x.cmp(y));
        }
        (V::Elapsed(x, today), V::Int(y)) => {
            int_horizon(*x, *today, *y);
            return Ok(x.cmp(y));
        }
        (V::Int(x), V::Elapsed(y, today)) => {
            int_horizon(*y, *today, *x);
            return Ok(x.cmp(y));
        }
        (V::Elapsed(x, _), V::Elapsed(y, _)) => return Ok(x.cmp(y)),
        // Both move with the day: their order does not.
        (V::Clock(x, _), V::Clock(y, _)) => return Ok(x.cmp(y)),
        _ => {}
    }
    match (a, b) {
        (V::Int(x), V::Int(y)) => Ok(x.cmp(y)),
        (V::Float(x), V::Float(y)) => x.partial_cmp(y).ok_or(Bail),
        (V::Int(x), V::Float(y)) => (*x as f64).partial_cmp(y).ok_or(Bail),
        (V::Float(x), V::Int(y)) => x.partial_cmp(&(*y as f64)).ok_or(Bail),
        (V::Date(x), V::Date(y)) => Ok(x.cmp(y)),
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => Ok(x.cmp(y)),
            _ => Err(Bail),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

fn date(r: Result<Date, Box<rhai::EvalAltResult>>) -> Res<V<'static>> {
    r.map(|d| V::Date(d.0)).map_err(|_| Bail)
}

/// A float operation; a result that is not finite (division by zero
/// included) is the sandbox's error, which Rhai reports.
#[inline]
fn float(op: Arith, x: f64, y: f64) -> Res<f64> {
    let r = match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => x / y,
        Arith::Rem => x % y,
    };
    if r.is_finite() { Ok(r) } else { Err(Bail) }
}

/// `a + b` and the other arithmetic operators; `max_string` is the
/// sandbox's string size limit.
pub fn arith<'a>(op: Arith, a: &V<'a>, b: &V<'a>, max_string: usize) -> Res<V<'a>> {
    use Arith::*;
    let moved = |d: &NaiveDate, off: &i32, n: i64| -> Res<V<'a>> {
        let V::Date(d) = date(calendar::add_days(Date(*d), Days(n)))? else {
            return Err(Bail);
        };
        let off = i64::from(*off).checked_add(n).ok_or(Bail)?;
        Ok(V::Clock(d, i32::try_from(off).map_err(|_| Bail)?))
    };
    match (op, a, b) {
        (Add, V::Clock(d, off), V::Days(n)) | (Add, V::Days(n), V::Clock(d, off)) => {
            return moved(d, off, *n);
        }
        (Sub, V::Clock(d, off), V::Days(n)) => return moved(d, off, n.checked_neg().ok_or(Bail)?),
        (Sub, V::Clock(x, _), V::Clock(y, _)) => return Ok(V::Int((*x - *y).num_days())),
        (Sub, V::Clock(x, off), V::Date(y)) => {
            let today = x.checked_sub_signed(chrono::Duration::days(i64::from(*off)));
            return Ok(V::Elapsed((*x - *y).num_days(), today.ok_or(Bail)?));
        }
        (Add, V::Elapsed(x, today), V::Int(n)) | (Add, V::Int(n), V::Elapsed(x, today)) => {
            return Ok(V::Elapsed(x.checked_add(*n).ok_or(Bail)?, *today));
        }
        (Sub, V::Elapsed(x, today), V::Int(n)) => {
            return Ok(V::Elapsed(x.checked_sub(*n).ok_or(Bail)?, *today));
        }
        (Sub, V::Elapsed(x, _), V::Elapsed(y, _)) => {
            return Ok(V::Int(x.checked_sub(*y).ok_or(Bail)?));
        }
        _ => {}
    }
    if let Some(a) = unclock(a) {
        return arith(op, &a, b, max_string);
    }
    if let Some(b) = unclock(b) {
        return arith(op, a, &b, max_string);
    }
    Ok(match (op, a, b) {
        (_, V::Int(x), V::Int(y)) => V::Int(
            match op {
                Add => x.checked_add(*y),
                Sub => x.checked_sub(*y),
                Mul => x.checked_mul(*y),
                Div => x.checked_div(*y),
                Rem => x.checked_rem(*y),
            }
            .ok_or(Bail)?,
        ),
        (_, V::Float(x), V::Float(y)) => V::Float(float(op, *x, *y)?),
        (_, V::Int(x), V::Float(y)) => V::Float(float(op, *x as f64, *y)?),
        (_, V::Float(x), V::Int(y)) => V::Float(float(op, *x, *y as f64)?),
        (Add, V::Date(d), V::Days(n)) | (Add, V::Days(n), V::Date(d)) => {
            date(calendar::add_days(Date(*d), Days(*n)))?
        }
        (Sub, V::Date(d), V::Days(n)) => date(calendar::sub_days(Date(*d), Days(*n)))?,
        (Sub, V::Date(x), V::Date(y)) => V::Int((*x - *y).num_days()),
        (Add, V::Date(d), V::Months(n)) => date(calendar::add_months(Date(*d), Months(*n)))?,
        (Sub, V::Date(d), V::Months(n)) => date(calendar::sub_months(Date(*d), Months(*n)))?,
        (Add, V::Days(x), V::Days(y)) => V::Days(x.checked_add(*y).ok_or(Bail)?),
        (Sub, V::Days(x), V::Days(y)) => V::Days(x.checked_sub(*y).ok_or(Bail)?),
        (Mul, V::Days(x), V::Int(n)) => V::Days(x.checked_mul(*n).ok_or(Bail)?),
        (Add, V::Date(d), s) if s.as_str().is_some() => {
            string(format!("{d}{}", s.as_str().unwrap_or_default()), max_string)?
        }
        (Add, s, V::Date(d)) if s.as_str().is_some() => {
            string(format!("{}{d}", s.as_str().unwrap_or_default()), max_string)?
        }
        (Add, x, y) => match (x.as_str(), y.as_str()) {
            (Some(x), Some(y)) => string([x, y].concat(), max_string)?,
            _ => return Err(Bail),
        },
        _ => return Err(Bail),
    })
}

/// A string the rule built, within the size limit.
pub fn string<'a>(s: String, max: usize) -> Res<V<'a>> {
    if s.len() > max {
        return Err(Bail);
    }
    Ok(V::Own(Rc::new(s)))
}

/// Elements of arrays, entries of maps and bytes of strings in a value,
/// nested ones included: what Rhai's size checks count (its
/// `calc_data_sizes`) on a value it builds. Records, like Rhai's custom
/// types, count as nothing but their place in an array.
pub fn sizes(v: &V) -> (usize, usize, usize) {
    match v {
        V::Str(s) => (0, 0, s.len()),
        V::Own(s) | V::Told(s) => (0, 0, s.len()),
        V::Kind(ix) => (ix.len(), 0, 0),
        V::All(n) => (*n, 0, 0),
        V::Vals(a) => values_sizes(a),
        V::List(l) => {
            let mut t = (l.len(), 0, 0);
            for x in l.iter() {
                add(&mut t, sizes(x));
            }
            t
        }
        V::Map(m) => {
            let mut t = (0, m.len(), 0);
            for (_, x) in m.iter() {
                add(&mut t, sizes(x));
            }
            t
        }
        _ => (0, 0, 0),
    }
}

fn add(t: &mut (usize, usize, usize), d: (usize, usize, usize)) {
    t.0 = t.0.saturating_add(d.0);
    t.1 = t.1.saturating_add(d.1);
    t.2 = t.2.saturating_add(d.2);
}

fn values_sizes(a: &[Value]) -> (usize, usize, usize) {
    let mut t: (usize, usize, usize) = (a.len(), 0, 0);
    for x in a {
        match x {
            Value::Str(s) => t.2 = t.2.saturating_add(s.len()),
            Value::Array(inner) => add(&mut t, values_sizes(inner)),
            _ => {}
        }
    }
    t
}

/// Appends a value as string interpolation (`${x}`) writes it, a value
/// that moves with the judgement date without reading it: whether it did,
/// which makes the text [`V::Told`].
pub fn tell(out: &mut String, v: &V) -> Res<bool> {
    match v {
        V::Clock(d, _) => iso(out, *d),
        V::Elapsed(n, _) => out.push_str(itoa::Buffer::new().format(*n)),
        V::Told(s) => out.push_str(s),
        v => {
            interpolate(out, v)?;
            return Ok(false);
        }
    }
    Ok(true)
}

/// Appends a value as string interpolation (`${x}`) writes it.
pub fn interpolate(out: &mut String, v: &V) -> Res<()> {
    if let Some(v) = unclock(v) {
        return interpolate(out, &v);
    }
    match v {
        V::Str(s) => out.push_str(s),
        V::Own(s) => out.push_str(s),
        V::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Date(d) => iso(out, *d),
        V::Days(n) => {
            let _ = write!(out, "days({n})");
        }
        V::Months(n) => {
            let _ = write!(out, "months({n})");
        }
        V::Rec(t) => {
            let _ = write!(out, "{}", t.label);
        }
        _ => return Err(Bail),
    }
    Ok(())
}

/// A property of a date (`d.year`, `d.weekday`).
pub fn date_property<'a>(d: NaiveDate, name: &str) -> Res<V<'a>> {
    Ok(match name {
        "year" => V::Int(i64::from(d.year())),
        "month" => V::Int(i64::from(d.month())),
        "day" => V::Int(i64::from(d.day())),
        "weekday" => V::Int(i64::from(d.weekday().number_from_monday())),
        "weekday_name" => V::Own(Rc::new(d.weekday().to_string())),
        _ => return Err(Bail),
    })
}

/// `details` of a verdict map as JSON, as the Rhai path writes it.
pub fn to_json(sc: &Scenario, v: &V) -> Res<serde_json::Value> {
    use serde_json::Value as J;
    if let Some(v) = unclock(v) {
        return to_json(sc, &v);
    }
    Ok(match v {
        V::Unit => J::Null,
        V::Bool(b) => J::Bool(*b),
        V::Int(i) => J::from(*i),
        V::Float(f) => J::from(*f),
        V::Str(_) | V::Own(_) => J::String(v.as_str().unwrap_or_default().to_string()),
        V::Date(d) => J::String(d.to_string()),
        V::Rec(t) => serde_json::to_value(t).map_err(|_| Bail)?,
        V::Map(m) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in m.iter() {
                obj.insert(k.to_string(), to_json(sc, v)?);
            }
            J::Object(obj)
        }
        a => match a.len() {
            Some(n) => J::Array(
                (0..n)
                    .map(|i| to_json(sc, &a.at(sc, i)))
                    .collect::<Res<_>>()?,
            ),
            None => return Err(Bail),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2025, 6, 2),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 3, 4),
            (262_143, 12, 31),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
            let mut s = String::new();
            iso(&mut s, date);
            assert_eq!(s, date.to_string());
        }
    }

    #[test]
    fn comparisons_across_types_are_rhai_s_to_report() {
        assert_eq!(equals(&V::Int(1), &V::Float(1.0)), Ok(true));
        assert_eq!(equals(&V::Unit, &V::Int(1)), Ok(false));
        assert_eq!(equals(&V::Str("1"), &V::Int(1)), Err(Bail));
        assert_eq!(compare(&V::Float(f64::NAN), &V::Float(1.0)), Err(Bail));
        assert!(arith(Arith::Add, &V::Int(i64::MAX), &V::Int(1), 10).is_err());
        assert!(arith(Arith::Div, &V::Int(1), &V::Int(0), 10).is_err());
        assert!(arith(Arith::Add, &V::Str("ab"), &V::Str("cd"), 3).is_err());
        assert!(arith(Arith::Div, &V::Float(1.0), &V::Float(0.0), 10).is_err());
        assert!(arith(Arith::Mul, &V::Float(1e308), &V::Int(10), 10).is_err());
        assert!(arith(Arith::Rem, &V::Int(1), &V::Float(0.0), 10).is_err());
    }

    #[test]
    fn sizes_count_nested_strings_and_elements_as_rhai_does() {
        let s = V::Own(Rc::new("abcd".into()));
        let inner = V::List(Rc::new(vec![s.clone(), V::Int(1)]));
        let outer = V::List(Rc::new(vec![inner.clone(), s.clone(), V::Unit]));
        assert_eq!(sizes(&outer), (5, 0, 8));
        let m = V::Map(Rc::new(vec![("a".into(), inner), ("b".into(), s)]));
        assert_eq!(sizes(&m), (2, 2, 8));
        let vals = [
            Value::Str("xy".into()),
            Value::Array(vec![Value::Int(1)].into()),
        ];
        assert_eq!(sizes(&V::Vals(&vals)), (3, 0, 2));
        let ix = [0_u32, 1, 2];
        let events = V::List(Rc::new(vec![V::Kind(&ix), V::All(4), V::Int(1)]));
        assert_eq!(sizes(&events), (10, 0, 0));
    }
}
