//! Native code's tests on their own, for mutation runs over `src/native/`
//! (docs/testing.md, "Mutation testing"): the same tests as `native::` in
//! the `integration` target, in a binary small enough to rebuild in
//! seconds for each mutant. `cargo test` does not run it (`test = false`
//! in Cargo.toml); `cargo test --test native_only` does.

#![allow(dead_code, reason = "the shared test support is used in part here")]

mod native;
mod support;
