//! The locked-down Rhai engine rules run in: the standard library minus
//! `eval` and the clock, the rule API, strict comparisons, resource limits,
//! `print`/`debug` captured into the trace, and module imports resolved only
//! from helpers compiled ahead of time from `rules/lib/`.

pub mod api;
pub mod context;
mod limits;
mod strict;

use rhai::module_resolvers::StaticModuleResolver;
use rhai::packages::{Package, StandardPackage};
use rhai::{Dynamic, Engine};

pub use limits::Limits;

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
    e.on_progress(|ops| {
        if ops % CLOCK_EVERY == 0 && context::with(|c| c.late()) {
            return Some(Dynamic::from("timeout"));
        }
        None
    });
    #[allow(deprecated, reason = "on_var is marked volatile, not deprecated")]
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
    strict::register(&mut e);
    e
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
        other => format!("a {other}"),
    }
}
