//! Closing Rhai's silent-false holes. Out of the box, comparing values of
//! different types (`date > "2025-05-01"`, `5 > "100"`) is `false`, and a
//! `filter` closure that returns a number counts as `false`. Both would turn
//! a rule author's mistake into a verdict, so here each becomes an error.

use std::any::TypeId;

use rhai::Variant;
use rhai::{Array, Dynamic, Engine, FLOAT, FnPtr, INT, ImmutableString, NativeCallContext};

use super::api::{Quiet, Record, ScenarioView};
use super::calendar::{Date, Days, Instant, Months};
use super::{Fallible, err};

const OPS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

fn pair<A: Variant + Clone, B: Variant + Clone>(e: &mut Engine, a: &'static str, b: &'static str) {
    let (ta, tb) = (TypeId::of::<A>(), TypeId::of::<B>());
    let numeric = [TypeId::of::<INT>(), TypeId::of::<FLOAT>()];
    if ta == tb || (numeric.contains(&ta) && numeric.contains(&tb)) {
        return;
    }
    for op in OPS {
        e.register_fn(op, move |x: A, y: B| -> Fallible<bool> {
            let help = if a == "date" || b == "date" {
                "; make both sides dates, e.g. `date(\"2025-05-01\")`"
            } else {
                ""
            };
            err(format!(
                "cannot compare {} with {} using `{op}`{help}",
                side(a, &x),
                side(b, &y)
            ))
        });
    }
}

/// `an integer`, or `a string ("10,000")` with the text: a string where a
/// number or a date belongs is most often a scenario value written in
/// quotes, and the text is how `blame` finds it.
fn side<T: Variant + Clone>(noun: &str, v: &T) -> String {
    match (v as &dyn std::any::Any).downcast_ref::<ImmutableString>() {
        Some(s) if s.chars().count() <= 60 => {
            format!("{} (\"{}\")", article(noun), s.escape_debug())
        }
        _ => article(noun),
    }
}

/// Ordering against `()` (`() < 100`): Rhai answers `false` both ways.
/// `== ()` and `!= ()` stay allowed: they are how a rule asks whether a
/// value is there.
fn unit_pair<A: Variant + Clone>(e: &mut Engine, a: &'static str) {
    for op in ["<", "<=", ">", ">="] {
        e.register_fn(op, move |_: A, _: ()| -> Fallible<bool> {
            unit_err(op, a, true)
        });
        e.register_fn(op, move |_: (), _: A| -> Fallible<bool> {
            unit_err(op, a, false)
        });
    }
}

fn unit_err(op: &str, other: &str, unit_right: bool) -> Fallible<bool> {
    let side = if unit_right { "right" } else { "left" };
    let other = if other.is_empty() {
        "`()`".to_string()
    } else {
        article(other)
    };
    err(format!(
        "cannot order {other} against `()` using `{op}`: the {side} side is absent (`()`), \
         as a `latest` with no such event or a `get(\"field\", ())` of a missing field is; \
         check first, e.g. `e.has(\"drones\")` or `x != ()`"
    ))
}

/// `an integer`, `a date`.
fn article(noun: &str) -> String {
    let an = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if an { "an" } else { "a" })
}

fn row<A: Variant + Clone>(e: &mut Engine, a: &'static str) {
    pair::<A, INT>(e, a, "integer");
    pair::<A, FLOAT>(e, a, "float");
    pair::<A, bool>(e, a, "boolean");
    pair::<A, ImmutableString>(e, a, "string");
    pair::<A, Date>(e, a, "date");
    pair::<A, Days>(e, a, "days");
    pair::<A, Months>(e, a, "months");
    pair::<A, Instant>(e, a, "instant");
    pair::<A, Record>(e, a, "record");
    pair::<A, Array>(e, a, "array");
    pair::<A, Quiet>(e, a, "quiet");
    pair::<A, ScenarioView>(e, a, "scenario");
}

/// Calls a predicate closure and insists on a boolean answer.
fn test(ctx: &NativeCallContext, f: &FnPtr, name: &str, item: &Dynamic) -> Fallible<bool> {
    let r = f.call_raw(ctx, None, [item.clone()])?;
    match r.as_bool() {
        Ok(b) => Ok(b),
        Err(_) => err(format!(
            "the closure given to `{name}` returned {}, not a bool; make it return `true` or `false`",
            super::type_name(&r)
        )),
    }
}

pub fn register(e: &mut Engine) {
    unit_pair::<INT>(e, "integer");
    unit_pair::<FLOAT>(e, "float");
    unit_pair::<bool>(e, "boolean");
    unit_pair::<ImmutableString>(e, "string");
    unit_pair::<Date>(e, "date");
    unit_pair::<Days>(e, "days");
    unit_pair::<Months>(e, "months");
    unit_pair::<Instant>(e, "instant");
    unit_pair::<Record>(e, "record");
    unit_pair::<Array>(e, "array");
    unit_pair::<Quiet>(e, "quiet");
    unit_pair::<ScenarioView>(e, "scenario");
    for op in ["<", "<=", ">", ">="] {
        e.register_fn(op, move |_: (), _: ()| -> Fallible<bool> {
            unit_err(op, "", true)
        });
    }
    row::<INT>(e, "integer");
    row::<FLOAT>(e, "float");
    row::<bool>(e, "boolean");
    row::<ImmutableString>(e, "string");
    row::<Date>(e, "date");
    row::<Days>(e, "days");
    row::<Months>(e, "months");
    row::<Instant>(e, "instant");
    row::<Record>(e, "record");
    row::<Array>(e, "array");
    row::<Quiet>(e, "quiet");
    row::<ScenarioView>(e, "scenario");
    predicates(e);
}

/// The array methods that take a predicate, each requiring a bool of it.
fn predicates(e: &mut Engine) {
    e.register_fn(
        "filter",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<Array> {
            let mut out = Array::new();
            for x in a.iter() {
                if test(&ctx, &f, "filter", x)? {
                    out.push(x.clone());
                }
            }
            Ok(out)
        },
    )
    .register_fn(
        "some",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<bool> {
            for x in a.iter() {
                if test(&ctx, &f, "some", x)? {
                    return Ok(true);
                }
            }
            Ok(false)
        },
    )
    .register_fn(
        "all",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<bool> {
            for x in a.iter() {
                if !test(&ctx, &f, "all", x)? {
                    return Ok(false);
                }
            }
            Ok(true)
        },
    )
    .register_fn(
        "find",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<Dynamic> {
            for x in a.iter() {
                if test(&ctx, &f, "find", x)? {
                    return Ok(x.clone());
                }
            }
            Ok(Dynamic::UNIT)
        },
    )
    .register_fn(
        "index_of",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<INT> {
            for (i, x) in a.iter().enumerate() {
                if test(&ctx, &f, "index_of", x)? {
                    return Ok(i as INT);
                }
            }
            Ok(-1)
        },
    );
    splits(e);
}

/// `retain` and `drain`: the array split in two by a predicate.
fn splits(e: &mut Engine) {
    e.register_fn(
        "retain",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<Array> {
            let mut kept = Array::new();
            let mut removed = Array::new();
            for x in a.drain(..) {
                if test(&ctx, &f, "retain", &x)? {
                    kept.push(x);
                } else {
                    removed.push(x);
                }
            }
            *a = kept;
            Ok(removed)
        },
    )
    .register_fn(
        "drain",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| -> Fallible<Array> {
            let mut kept = Array::new();
            let mut removed = Array::new();
            for x in a.drain(..) {
                if test(&ctx, &f, "drain", &x)? {
                    removed.push(x);
                } else {
                    kept.push(x);
                }
            }
            *a = kept;
            Ok(removed)
        },
    );
}

/// The run-time half of the `switch` check (`rules/switch.rs` rewrites
/// `switch v { 1 => … }` to pass `v` through this with the cases' type):
/// a value of another type would silently match no case. `()` passes, as
/// `== ()` does: it falls to the default case.
pub fn register_switch_check(e: &mut Engine, name: &'static str) {
    e.register_fn(
        name,
        |v: Dynamic, cases: ImmutableString| -> Fallible<Dynamic> {
            let ok = v.is_unit()
                || match cases.as_str() {
                    "integer" => v.is_int(),
                    "float" => v.is_float(),
                    "string" => v.is_string(),
                    "char" => v.is_char(),
                    "boolean" => v.is_bool(),
                    "unit" => false,
                    _ => true,
                };
            if ok {
                return Ok(v);
            }
            let cases = match cases.as_str() {
                "unit" => "`()`",
                c => c,
            };
            err(format!(
                "`switch` on {} whose cases are {cases} values: it would match none of them",
                super::type_name(&v),
            ))
        },
    );
}
