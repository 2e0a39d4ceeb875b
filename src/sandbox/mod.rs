//! The locked-down Rhai engine rules run in: the standard library minus
//! `eval` and the clock, the rule API, strict comparisons, resource limits,
//! `print`/`debug` captured into the trace, and module imports resolved only
//! from helpers compiled ahead of time from `rules/lib/`.

pub mod api;
pub mod calendar;
pub mod context;
pub mod defs;
mod finite;
mod limits;
pub mod line_hits;
pub mod stack;
mod strict;
pub mod work;

use rhai::module_resolvers::StaticModuleResolver;
use rhai::packages::{Package, StandardPackage};
use rhai::{Dynamic, Engine, EvalAltResult};

pub use limits::{Limits, Raise};

use crate::rule_error::ErrorKind;

/// What a function registered for rules returns: a value, or the error
/// that stops the rule.
pub(crate) type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// The rule error `msg`.
pub(crate) fn err<T>(msg: impl Into<String>) -> Fallible<T> {
    Err(msg.into().into())
}

/// The function a `switch` value is passed through to check it has its
/// cases' type (see `rules::switch`).
pub const SWITCH_CHECK: &str = "switch_cases_check";

/// How often (in operations) the wall-clock backstop looks at the clock.
const CLOCK_EVERY: u64 = 1024;

/// Builds a sandboxed engine with the rule API, the given limits and a
/// module resolver that knows only `resolver`'s modules.
pub fn engine(limits: &Limits, resolver: StaticModuleResolver) -> Engine {
    let mut e = Engine::new_raw();
    e.register_global_module(StandardPackage::new().as_shared_module());
    e.set_module_resolver(resolver);
    e.disable_symbol("eval");
    e.set_fail_on_invalid_map_property(true);
    // Fast operators run Rhai's built-ins before registered overloads, so
    // `5 == "5"` would be a silent `false`; strict.rs needs them off.
    e.set_fast_operators(false);
    e.set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_fn_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_modules(64)
        .set_max_variables(10_000)
        .set_max_functions(10_000);
    e.on_print(|s| context::with(|c| context::push_trace(c, s)));
    e.on_debug(|s, _src, pos| {
        let at = if pos.is_none() {
            String::new()
        } else {
            format!(" (line {})", pos.line().unwrap_or(0))
        };
        context::with(|c| context::push_trace(c, &format!("debug{at}: {s}")))
    });
    clock_per_call(&mut e);
    #[expect(deprecated, reason = "on_var is marked volatile, not deprecated")]
    e.on_var(|name, index, ctx| {
        // A pre-computed index means a local variable: not ours to resolve.
        if index > 0 {
            return Ok(None);
        }
        let value = context::with(|c| c.consts.as_ref().and_then(|m| m.get(name).cloned()));
        match value {
            Some(v) if !ctx.scope().contains(name) => Ok(Some(v)),
            _ => Ok(None),
        }
    });
    api::register(&mut e);
    calendar::register(&mut e);
    strict::register(&mut e);
    strict::register_switch_check(&mut e, SWITCH_CHECK);
    finite::register(&mut e);
    work::register(&mut e);
    e
}

/// Checks the clock every `CLOCK_EVERY` operations: the setting for
/// rule calls, where reading the clock at each operation would cost more
/// than many operations do.
pub fn clock_per_call(e: &mut Engine) {
    e.on_progress(|ops| {
        if ops % CLOCK_EVERY == 0 && context::with(|c| c.late()) {
            return Some(Dynamic::from("timeout"));
        }
        None
    });
}

/// Checks the clock at every operation: the setting while scripts' top
/// levels run (once per load and per worker, so the cost is nothing),
/// where one operation — `contains` over a padded array — can take
/// milliseconds and 1,024 of them would overshoot the limit by seconds.
pub fn clock_per_operation(e: &mut Engine) {
    e.on_progress(|_| {
        if context::with(|c| c.late()) {
            return Some(Dynamic::from("timeout"));
        }
        None
    });
}

/// How a Rhai error (the innermost one) is reported: its kind, and a
/// message that says which limit stopped the script and how to raise it.
pub fn describe(e: &rhai::EvalAltResult, limits: &Limits) -> (ErrorKind, String) {
    use rhai::EvalAltResult as E;
    match e {
        E::ErrorTooManyOperations(_) => (
            ErrorKind::Limit,
            format!(
                "stopped after {} operations (a loop that never ends?); {}",
                limits.max_operations, limits.raise.operations
            ),
        ),
        E::ErrorStackOverflow(_) => (
            ErrorKind::Limit,
            format!(
                "stopped at {} nested calls (runaway recursion?)",
                limits.max_call_levels
            ),
        ),
        E::ErrorTerminated(..) => (
            ErrorKind::Timeout,
            format!(
                "stopped after the {} ms time limit; {}",
                limits.timeout.as_millis(),
                limits.raise.timeout
            ),
        ),
        E::ErrorDataTooLarge(..) | E::ErrorTooManyVariables(_) | E::ErrorTooManyModules(_) => {
            (ErrorKind::Limit, error_message(e))
        }
        _ => (ErrorKind::Runtime, error_message(e)),
    }
}

/// Rhai's error for reading a field of `()` (`s.latest("ceasefire").channel`
/// when there is none: "Unknown property 'channel' - a getter is not
/// registered for type '()'", or "Indexer unavailable: () \[string\]"), said
/// in the rule API's words, naming the expression that gave `()` when the
/// text at the error shows it. `line` and `column` are 1-based, in `text`.
/// Only error paths come here.
pub fn unit_read(
    e: &rhai::EvalAltResult,
    text: &str,
    line: usize,
    column: usize,
) -> Option<String> {
    use rhai::EvalAltResult as E;
    let l: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
    let at = column.checked_sub(1)?;
    // What was read, and where the expression it was read from ends.
    let (what, end) = match e {
        E::ErrorDotExpr(m, _) if m.ends_with("for type '()'") => {
            let prop = m.strip_prefix("Unknown property '")?.split('\'').next()?;
            (format!("`.{prop}`"), at.checked_sub(1)?)
        }
        E::ErrorIndexingType(t, _) if t.starts_with("() [") => {
            let close = l.get(at..)?.iter().position(|c| *c == ']')?;
            let index: String = l.get(at..=at + close)?.iter().collect();
            (format!("`{index}`"), at)
        }
        _ => return None,
    };
    let receiver = receiver(l.get(..end)?);
    let hint = |expr: &str| {
        if expr.contains("latest(") || expr.contains("find(") {
            format!(" (`{expr}` found no event?)")
        } else {
            format!(" (`{expr}` is `()`)")
        }
    };
    let named = match receiver.as_str() {
        "" => String::new(),
        r if r.chars().all(|c| c.is_alphanumeric() || c == '_') => match assigned(text, line, r) {
            Some(expr) => hint(&format!("{r} = {expr}")),
            None => hint(r),
        },
        r => hint(r),
    };
    Some(format!(
        "{what} of `()`: there is no value to read it from{named}; check `!= ()` first"
    ))
}

/// The expression that ends a line of text, as far back as a reader would
/// take it for the receiver of `.x` or `[…]`: names, dots, `::` and
/// balanced brackets (`s.latest("ceasefire")`, `e.terms[0]`).
fn receiver(before: &[char]) -> String {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut start = before.len();
    for (i, &c) in before.iter().enumerate().rev() {
        match c {
            '"' => in_string = !in_string,
            _ if in_string => {}
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c if c.is_alphanumeric() || matches!(c, '_' | '.' | ':') => {}
            _ => break,
        }
        start = i;
    }
    if depth > 0 || in_string {
        return String::new();
    }
    before[start..]
        .iter()
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

/// What `name` was last set to by `let name = …;` on a line before `line`.
fn assigned(text: &str, line: usize, name: &str) -> Option<String> {
    let decl = format!("let {name} =");
    text.lines()
        .take(line.saturating_sub(1))
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix(&decl)?;
            let expr = rest.split(';').next()?.trim();
            (!expr.is_empty()).then(|| expr.to_string())
        })
        .last()
}

/// The message of a Rhai error without the position Rhai appends (callers
/// report positions themselves, with the file) and without the
/// "Runtime error:" prefix on errors the rule API raises.
pub fn error_message(e: &rhai::EvalAltResult) -> String {
    if let rhai::EvalAltResult::ErrorRuntime(v, _) = e {
        return v.to_string();
    }
    let s = e.to_string();
    let pos = e.position();
    if pos.is_none() {
        return s;
    }
    let suffix = format!(" ({pos})");
    s.strip_suffix(&suffix).map_or(s.clone(), str::to_string)
}

/// A value's type as rule authors know it (`integer`, not `i64`).
pub fn type_name(v: &Dynamic) -> String {
    let t = v.type_name();
    match t {
        "i64" => "an integer".into(),
        "f64" => "a float".into(),
        "bool" => "a boolean".into(),
        "string" | "ImmutableString" => "a string".into(),
        "()" => "`()`".into(),
        "array" => "an array".into(),
        "map" => "a map".into(),
        // The rule API's own types, by their Rust names.
        other => match other.rsplit("::").next().unwrap_or(other) {
            "Date" => "a date".into(),
            "Days" => "days".into(),
            "Months" => "months".into(),
            "Instant" => "an instant".into(),
            "Record" => "a record".into(),
            "Quiet" => "a quiet verdict".into(),
            "ScenarioView" => "the scenario".into(),
            _ => format!("a {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn the_receiver_of_a_read_is_the_expression_before_it() {
        assert_eq!(
            receiver(&chars("    x == s.latest(\"a (b\")")),
            "s.latest(\"a (b\")"
        );
        assert_eq!(receiver(&chars("    e.terms[0]")), "e.terms[0]");
        assert_eq!(receiver(&chars("    crisis::last(s)")), "crisis::last(s)");
        assert_eq!(receiver(&chars("    (a + b)")), "(a + b)");
        assert_eq!(receiver(&chars("    1 + ")), "");
        assert_eq!(receiver(&chars("  a)")), "");
    }

    #[test]
    fn a_variable_is_named_with_what_it_was_last_set_to() {
        let text = "let c = 1;\nlet c = s.latest(\"x\");\nc.y\nlet c = 2;\n";
        assert_eq!(assigned(text, 3, "c").as_deref(), Some("s.latest(\"x\")"));
        assert_eq!(assigned(text, 3, "d"), None);
    }
}
