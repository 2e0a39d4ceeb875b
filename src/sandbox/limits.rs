//! The sandbox's resource limits. The operation limit is the deterministic
//! bound on a rule call; the wall-clock timeout is only a backstop for
//! native work the operation count does not see. A message about a limit
//! says how to raise it in the words of whoever set it ([`Raise`]): the
//! library names the limit, the command line its option.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;

/// Limits applied to every rule call.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    /// Rhai operations per rule call.
    pub max_operations: u64,
    /// Depth of nested function calls.
    pub max_call_levels: usize,
    /// Depth of nested expressions (top level, inside functions).
    pub max_expr_depth: usize,
    pub max_fn_expr_depth: usize,
    /// Bytes in one string.
    pub max_string_size: usize,
    /// Elements in one array.
    pub max_array_size: usize,
    /// Entries in one object map.
    pub max_map_size: usize,
    /// Wall-clock backstop per rule call.
    #[serde(serialize_with = "millis")]
    pub timeout: Duration,
    /// How messages about these limits say to raise them.
    #[serde(skip)]
    pub raise: Raise,
}

/// How a rule error tells the reader to raise the limit that stopped the
/// rule, after the limit's value: by the limit's meaning (the default,
/// for the library), or by the option that sets it (the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raise {
    /// Ends "stopped after N operations (a loop that never ends?); …".
    pub operations: Cow<'static, str>,
    /// Ends "stopped after the N ms time limit; …".
    pub timeout: Cow<'static, str>,
}

impl Default for Raise {
    fn default() -> Self {
        Raise {
            operations: Cow::Borrowed("raise the operation limit"),
            timeout: Cow::Borrowed("raise the time limit"),
        }
    }
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(d.as_millis())
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_operations: 1_000_000,
            max_call_levels: 48,
            max_expr_depth: 64,
            max_fn_expr_depth: 48,
            max_string_size: 1 << 20,
            max_array_size: 100_000,
            max_map_size: 10_000,
            timeout: Duration::from_secs(1),
            raise: Raise::default(),
        }
    }
}
