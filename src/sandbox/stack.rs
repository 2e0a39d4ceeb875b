//! Native stack for rules. Rhai's evaluator recurses on the native stack,
//! once per nested expression and more per function call, so the stack a
//! rule may take is bounded by the limits on call depth and expression
//! depth — and it is more than the 2 MiB a `std` or tokio thread has:
//! 5.9 MiB for the deepest rule the default limits allow, in a release
//! build (32 MiB in a debug one). [`run`] runs work where that much is
//! free, growing the stack (a new one mapped for the call, with
//! `stacker`) only when the thread has less left, so evaluation is safe
//! on any thread, and costs a few nanoseconds on one with room.

use super::Limits;

/// Stack one level of expression nesting may take. Measured: a rule
/// whose `fires` recurses to the call limit (48) through a function whose
/// body is a chain of `+` as long as the function expression-depth limit
/// allows (44) — the worst of the forms tried: parentheses, unary
/// operators, nested calls, `switch`, `if`, blocks, closures, array and
/// map literals, string interpolation, `in`, helper functions — needs
/// 5.9 MiB in a release build and 32 MiB in a debug one; these constants
/// give 7.6 MiB and 45 MiB for the default limits. Both are below a
/// program's 8 MiB main thread or the command line's 64 MiB workers
/// respectively, so those never grow.
const PER_DEPTH: usize = if cfg!(debug_assertions) {
    18 << 10
} else {
    3 << 10
};

/// Stack one script function call takes beyond its expressions (a call
/// through a function pointer or `map` included).
const PER_CALL: usize = if cfg!(debug_assertions) {
    48 << 10
} else {
    8 << 10
};

/// Stack taken outside the rule's own recursion: the worker, the call
/// into Rhai, reporting its error.
const BASE: usize = if cfg!(debug_assertions) {
    1 << 20
} else {
    256 << 10
};

/// The largest stack [`run`] gives: limits that would need more are
/// refused where an engine is built (the memory is reserved, not
/// committed, but an address space is finite).
pub const MAX_STACK: usize = 1 << 30;

/// The stack a rule call may need under `limits`, or `None` when the
/// limits do not bound it (a depth of 0 is unlimited to Rhai) or it
/// exceeds [`MAX_STACK`].
pub fn needed(limits: &Limits) -> Option<usize> {
    let (top, body) = (limits.max_expr_depth, limits.max_fn_expr_depth);
    if top == 0 || body == 0 {
        return None;
    }
    // The top level's expressions, then each call level's function body.
    let call = body.checked_mul(PER_DEPTH)?.checked_add(PER_CALL)?;
    let need = limits
        .max_call_levels
        .checked_mul(call)?
        .checked_add(top.checked_mul(PER_DEPTH)?)?
        .checked_add(BASE)?;
    (need <= MAX_STACK).then_some(need)
}

/// Runs `f` with at least the stack `limits` may need free: on this
/// thread's stack when it has that much left, else on a new stack
/// allocated for the call (and freed after it). Limits that do not bound
/// the stack get [`MAX_STACK`].
///
/// Nested data is bounded by the clock alone: a rule nests arrays some
/// 4,000 deep in a second, which take 1.3 MiB to measure and drop in a
/// release build. That fits the margin of the need above the deepest
/// recursion measured, and a new stack is twice the need.
pub fn run<R>(limits: &Limits, f: impl FnOnce() -> R) -> R {
    let need = needed(limits).unwrap_or(MAX_STACK);
    stacker::maybe_grow(need, need.saturating_mul(2).min(MAX_STACK), f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limits_need_less_than_a_main_thread_in_a_release_build() {
        let need = needed(&Limits::default()).unwrap_or(usize::MAX);
        if cfg!(debug_assertions) {
            assert!(need < 64 << 20, "{need}");
        } else {
            assert!(need < 8 << 20, "{need}");
        }
    }

    #[test]
    fn limits_that_do_not_bound_the_stack_need_no_finite_amount() {
        let unbounded = Limits {
            max_fn_expr_depth: 0,
            ..Limits::default()
        };
        assert_eq!(needed(&unbounded), None);
        let deep = Limits {
            max_call_levels: 1_000_000,
            ..Limits::default()
        };
        assert_eq!(needed(&deep), None);
        let shallow = Limits {
            max_call_levels: 8,
            ..Limits::default()
        };
        assert!(needed(&shallow) < needed(&Limits::default()));
    }
}
