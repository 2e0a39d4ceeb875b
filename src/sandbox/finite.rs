//! Floats stay finite. Rhai's float arithmetic yields infinity and NaN
//! without an error (`1.0 / 0.0`, `sqrt(-1.0)`), and its comparisons then
//! answer `false` both ways (`x < 1 || x >= 1` is `false` for NaN): a
//! silent verdict from a mistake. Scenarios refuse such values; here every
//! float operator and math function that can make one is registered again
//! with a check of its result, so the rule stops with an error naming the
//! operation. Registered functions take precedence over Rhai's built-ins
//! (fast operators are off) and keep the optimiser from folding constant
//! expressions with the unchecked built-ins.

use rhai::{Engine, EvalAltResult, FLOAT, INT};

use super::{Fallible, err};

fn what(x: FLOAT) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "infinity"
    } else {
        "-infinity"
    }
}

/// `x` when it is finite; otherwise the error of `op` (`` `/` ``) with the
/// operands it was given.
fn finite(x: FLOAT, op: &str, args: std::fmt::Arguments) -> Fallible<FLOAT> {
    if x.is_finite() {
        return Ok(x);
    }
    err(format!(
        "{op} of {args} gives {}, not a finite number; rules compute with finite numbers only",
        what(x)
    ))
}

/// A float in the form Rhai prints it (`1.0`, `1e308`).
fn f(x: FLOAT) -> rhai::Dynamic {
    rhai::Dynamic::from_float(x)
}

macro_rules! binary {
    ($e:ident, $op:literal, $assign:literal, |$x:ident, $y:ident| $body:expr) => {{
        $e.register_fn($op, |$x: FLOAT, $y: FLOAT| -> Fallible<FLOAT> {
            finite(
                $body,
                concat!("`", $op, "`"),
                format_args!("{} and {}", f($x), f($y)),
            )
        });
        $e.register_fn($op, |a: INT, $y: FLOAT| -> Fallible<FLOAT> {
            let $x = a as FLOAT;
            finite(
                $body,
                concat!("`", $op, "`"),
                format_args!("{a} and {}", f($y)),
            )
        });
        $e.register_fn($op, |$x: FLOAT, b: INT| -> Fallible<FLOAT> {
            let $y = b as FLOAT;
            finite(
                $body,
                concat!("`", $op, "`"),
                format_args!("{} and {b}", f($x)),
            )
        });
        // Rhai's built-in `x op= y` for a float `x` would bypass the above.
        $e.register_fn($assign, |x: &mut FLOAT, $y: FLOAT| -> Fallible<()> {
            let $x = *x;
            *x = finite(
                $body,
                concat!("`", $op, "`"),
                format_args!("{} and {}", f($x), f($y)),
            )?;
            Ok(())
        });
        $e.register_fn($assign, |x: &mut FLOAT, b: INT| -> Fallible<()> {
            let ($x, $y) = (*x, b as FLOAT);
            *x = finite(
                $body,
                concat!("`", $op, "`"),
                format_args!("{} and {b}", f($x)),
            )?;
            Ok(())
        });
    }};
}

macro_rules! unary {
    ($e:ident, $($name:ident),*) => {
        $(
            $e.register_fn(stringify!($name), |x: FLOAT| -> Fallible<FLOAT> {
                finite(x.$name(), concat!("`", stringify!($name), "`"), format_args!("{}", f(x)))
            });
        )*
    };
}

pub fn register(e: &mut Engine) {
    binary!(e, "+", "+=", |x, y| x + y);
    binary!(e, "-", "-=", |x, y| x - y);
    binary!(e, "*", "*=", |x, y| x * y);
    binary!(e, "/", "/=", |x, y| x / y);
    binary!(e, "%", "%=", |x, y| x % y);
    binary!(e, "**", "**=", |x, y| x.powf(y));
    // `**` is Rhai 1.27's built-in for 64-bit floats in every form, int
    // exponent included: `powf` of both operands as floats (its `powi`
    // form is for `f32` only). `sin`, `cos`, `to_radians` and two-argument
    // `atan` cannot make a non-finite result from finite input: Rhai's own.
    // (`asinh` can: `asinh(1.7976931348623157e308)` is infinity.)
    unary!(
        e, sqrt, exp, ln, tan, sinh, cosh, asin, acos, asinh, acosh, atanh
    );
    unary!(e, to_degrees);
    e.register_fn("log", |x: FLOAT| -> Fallible<FLOAT> {
        finite(x.log10(), "`log`", format_args!("{}", f(x)))
    })
    .register_fn("log", |x: FLOAT, base: FLOAT| -> Fallible<FLOAT> {
        finite(
            x.log(base),
            "`log`",
            format_args!("{} in base {}", f(x), f(base)),
        )
    })
    .register_fn("hypot", |x: FLOAT, y: FLOAT| -> Fallible<FLOAT> {
        finite(x.hypot(y), "`hypot`", format_args!("{} and {}", f(x), f(y)))
    })
    .register_fn("parse_float", |s: &str| -> Fallible<FLOAT> {
        match s.trim().parse::<FLOAT>() {
            Ok(x) => finite(x, "`parse_float`", format_args!("{s:?}")),
            // Rhai's own error for text that is not a number.
            Err(e) => Err(EvalAltResult::ErrorArithmetic(
                format!("Error parsing floating-point number '{s}': {e}"),
                rhai::Position::NONE,
            )
            .into()),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text`'s float with the checked operators and with Rhai's own.
    fn both(text: &str) -> (FLOAT, FLOAT) {
        let mut checked = Engine::new();
        checked.set_fast_operators(false);
        register(&mut checked);
        let plain = Engine::new();
        let run = |e: &Engine| {
            e.eval::<FLOAT>(text)
                .unwrap_or_else(|err| panic!("{text}: {err}"))
        };
        (run(&checked), run(&plain))
    }

    #[test]
    fn checked_operators_give_rhai_s_answers_to_the_last_bit() {
        // 1.0137 ** 7 differs in the last bit between `powi` and `powf`.
        for text in [
            "let x = 2.5; x ** 3",
            "let x = 1.0137; x ** 7",
            "let x = 1.0137; x ** 7.0",
            "let x = 1.0137; x **= 7; x",
            "let n = 2; n ** 0.5",
            "let x = 1.0137; let n = 7; x ** n",
            "let x = 0.3; sin(x) + cos(x) + to_radians(x) + atan(x, 0.7) + asinh(x)",
            "let x = 1.1; x * 3 + 3 / x - x % 2",
        ] {
            let (a, b) = both(text);
            assert_eq!(a.to_bits(), b.to_bits(), "{text}: {a} vs {b}");
        }
        assert_eq!(both("2.5 ** 3").0, 15.625);
        assert!(FLOAT::MAX.asinh().is_infinite());
    }

    #[test]
    fn a_non_finite_result_is_an_error() {
        let mut e = Engine::new();
        e.set_fast_operators(false);
        register(&mut e);
        for text in [
            "let x = 1.0e308; x ** 2",
            "let x = 10; x ** 400.0",
            "let x = 1.7976931348623157e308; asinh(x)",
            "let x = 1.0e308; to_degrees(x)",
        ] {
            let err = e.eval::<FLOAT>(text).map(|_| ()).unwrap_err();
            assert!(
                err.to_string().contains("not a finite number"),
                "{text}: {err}"
            );
        }
    }
}
