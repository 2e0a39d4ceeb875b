//! Closing Rhai's silent-false holes. Out of the box, comparing values of
//! different types (`date > "2025-05-01"`, `5 > "100"`) is `false`, and a
//! `filter` closure that returns a number counts as `false`. Both would turn
//! a rule author's mistake into a verdict, so here each becomes an error.

use std::any::TypeId;

use rhai::Variant;
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FLOAT, FnPtr, INT, ImmutableString, NativeCallContext,
};

use super::api::{Date, Days, Instant, Months, Quiet, Record, ScenarioView, err};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

const OPS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

fn pair<A: Variant + Clone, B: Variant + Clone>(e: &mut Engine, a: &'static str, b: &'static str) {
    let (ta, tb) = (TypeId::of::<A>(), TypeId::of::<B>());
    let numeric = [TypeId::of::<INT>(), TypeId::of::<FLOAT>()];
    if ta == tb || (numeric.contains(&ta) && numeric.contains(&tb)) {
        return;
    }
    for op in OPS {
        e.register_fn(op, move |_: A, _: B| -> Fallible<bool> {
            let help = if a == "date" || b == "date" {
                "; make both sides dates, e.g. `date(\"2025-05-01\")`"
            } else {
                ""
            };
            err(format!(
                "cannot compare {} with {} using `{op}`{help}",
                article(a),
                article(b)
            ))
        });
    }
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
    )
    .register_fn(
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
