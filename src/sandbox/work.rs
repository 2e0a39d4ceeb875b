//! Operations for built-ins whose work grows with their input. Rhai counts
//! one operation per function call, so `a.contains(x)` on a 100,000-element
//! array counts as much as `1 + 1`, and a loop of such calls reached the
//! wall-clock backstop (non-deterministic) long before the operation limit
//! (deterministic). These registrations replace Rhai's own for the common
//! cases, with the same answers, and charge their work — one operation per
//! array element touched, one per 256 bytes of string built — to a
//! per-thread counter that is added to Rhai's count against the limit.

use std::cell::Cell;

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, INT, ImmutableString, NativeCallContext, Position,
};

use super::Fallible;

thread_local! {
    static EXTRA: Cell<u64> = const { Cell::new(0) };
}

/// Bytes of string work that count as one operation.
pub const BYTES_PER_OPERATION: usize = 256;

/// Forgets the work charged so far: at the start of each rule call and
/// each top-level run, as Rhai's own count starts again.
pub fn reset() {
    EXTRA.with(|e| e.set(0));
}

/// Charges `work` operations; past the limit, Rhai's own error for it.
fn charge(ctx: &NativeCallContext, work: usize) -> Fallible<()> {
    let extra = EXTRA.with(|e| {
        let v = e.get().saturating_add(work as u64);
        e.set(v);
        v
    });
    let max = ctx.engine().max_operations();
    if max > 0
        && ctx
            .global_runtime_state()
            .num_operations
            .saturating_add(extra)
            > max
    {
        return Err(EvalAltResult::ErrorTooManyOperations(Position::NONE).into());
    }
    Ok(())
}

/// Whether `item == value` as Rhai's `contains` and `index_of` decide it.
fn equals(ctx: &NativeCallContext, item: &mut Dynamic, value: &Dynamic) -> Fallible<bool> {
    let r = ctx
        .call_native_fn_raw("==", true, &mut [item, &mut value.clone()])
        .or_else(|err| match *err {
            EvalAltResult::ErrorFunctionNotFound(ref sig, ..) if sig.starts_with("==") => {
                if item.type_id() == value.type_id() {
                    Err(err)
                } else {
                    Ok(Dynamic::FALSE)
                }
            }
            _ => Err(err),
        })?;
    Ok(r.as_bool().unwrap_or(false))
}

/// Elements, entries and string bytes in a value held in an array or a
/// map, as Rhai's size checks (`calc_array_sizes`) count them: a blob
/// there counts one more than its length in the array size.
fn sizes(v: &Dynamic) -> (usize, usize, usize) {
    if let Some(a) = v.read_lock::<Array>() {
        return array_sizes(&a);
    }
    if let Some(b) = v.read_lock::<rhai::Blob>() {
        return (b.len().saturating_add(1), 0, 0);
    }
    if let Some(m) = v.read_lock::<rhai::Map>() {
        let mut t = (0, 0, 0);
        for x in m.values() {
            let d = sizes(x);
            t = (t.0 + d.0, t.1 + 1 + d.1, t.2 + d.2);
        }
        return t;
    }
    if let Some(s) = v.read_lock::<ImmutableString>() {
        return (0, 0, s.len());
    }
    (0, 0, 0)
}

fn array_sizes(a: &[Dynamic]) -> (usize, usize, usize) {
    let mut t = (0, 0, 0);
    for x in a {
        let d = sizes(x);
        t = (t.0 + 1 + d.0, t.1 + d.1, t.2 + d.2);
    }
    t
}

/// Rhai's error for a value over a size limit, checked in Rhai's order.
fn within(e: &Engine, (a, m, s): (usize, usize, usize)) -> Fallible<()> {
    let over = |n: usize, max: usize| max > 0 && n > max;
    let what = if over(s, e.max_string_size()) {
        "Length of string"
    } else if over(a, e.max_array_size()) {
        "Size of array/BLOB"
    } else if over(m, e.max_map_size()) {
        "Size of object map"
    } else {
        return Ok(());
    };
    Err(EvalAltResult::ErrorDataTooLarge(what.into(), Position::NONE).into())
}

pub fn register(e: &mut Engine) {
    register_arrays(e);
    register_strings(e);
}

fn register_arrays(e: &mut Engine) {
    e.register_fn(
        "contains",
        |ctx: NativeCallContext, a: &mut Array, value: Dynamic| -> Fallible<bool> {
            for (i, item) in a.iter_mut().enumerate() {
                if equals(&ctx, item, &value)? {
                    charge(&ctx, i + 1)?;
                    return Ok(true);
                }
            }
            charge(&ctx, a.len())?;
            Ok(false)
        },
    )
    .register_fn(
        "index_of",
        |ctx: NativeCallContext, a: &mut Array, value: Dynamic| -> Fallible<INT> {
            for (i, item) in a.iter_mut().enumerate() {
                if equals(&ctx, item, &value)? {
                    charge(&ctx, i + 1)?;
                    return Ok(INT::try_from(i).unwrap_or(INT::MAX));
                }
            }
            charge(&ctx, a.len())?;
            Ok(-1)
        },
    )
    .register_fn(
        "pad",
        |ctx: NativeCallContext, a: &mut Array, len: INT, item: Dynamic| -> Fallible<()> {
            let Ok(len) = usize::try_from(len) else {
                return Ok(());
            };
            if len <= a.len() {
                return Ok(());
            }
            let pad = len - a.len();
            if ctx.engine().max_array_size() > 0 {
                let (ax, mx, sx) = array_sizes(a);
                let (ix, im, is) = sizes(&item);
                within(
                    ctx.engine(),
                    (
                        ax + pad + ix.saturating_mul(pad),
                        mx + im.saturating_mul(pad),
                        sx + is.saturating_mul(pad),
                    ),
                )?;
            }
            charge(&ctx, pad)?;
            a.resize(len, item);
            Ok(())
        },
    );
}

fn register_strings(e: &mut Engine) {
    e.register_fn(
        "+",
        |ctx: NativeCallContext,
         x: ImmutableString,
         y: ImmutableString|
         -> Fallible<ImmutableString> {
            charge(&ctx, (x.len() + y.len()) / BYTES_PER_OPERATION)?;
            Ok(x + y)
        },
    )
    // Rhai's built-in string appends (`get_builtin_op_assignment_fn`),
    // with their size checks, charged as `+` is: without these, `y += x`
    // in a loop built strings without counting the work. (`char += string`
    // makes a string of a char: at most once per variable, so not charged.)
    .register_fn(
        "+=",
        |ctx: NativeCallContext, x: &mut ImmutableString, y: ImmutableString| -> Fallible<()> {
            if !x.is_empty() && !y.is_empty() {
                within(ctx.engine(), (0, 0, x.len() + y.len()))?;
            }
            charge(&ctx, (x.len() + y.len()) / BYTES_PER_OPERATION)?;
            *x += y;
            Ok(())
        },
    )
    .register_fn(
        "+=",
        |ctx: NativeCallContext, x: &mut ImmutableString, c: char| -> Fallible<()> {
            let n = x.len() + c.len_utf8();
            within(ctx.engine(), (0, 0, n))?;
            charge(&ctx, n / BYTES_PER_OPERATION)?;
            *x += c;
            Ok(())
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_inside_arrays_and_maps_count_as_rhai_counts_them() {
        let blob = || Dynamic::from_blob(vec![0; 10]);
        let a: Array = vec![blob(), Dynamic::from("ab"), blob()];
        let nested = Dynamic::from_array(a.clone());
        assert_eq!(array_sizes(&a), (25, 0, 2));
        assert_eq!(array_sizes(&[nested]), (26, 0, 2));
        let mut m = rhai::Map::new();
        m.insert("b".into(), blob());
        let m = Dynamic::from_map(m);
        assert_eq!(sizes(&m), (11, 1, 0));
        assert_eq!(array_sizes(&[m]), (12, 1, 0));
    }
}
