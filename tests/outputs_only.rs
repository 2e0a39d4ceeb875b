//! The tests of what `run` and `test` print, on their own, for mutation
//! runs over `src/report/run/` and `src/report/test/` (docs/testing.md,
//! "Mutation testing"): the same tests as in the `integration` target, in
//! a binary small enough to rebuild quickly for each mutant. `cargo test`
//! does not run it (`test = false` in Cargo.toml); `cargo test --test
//! outputs_only` does.

#![allow(dead_code, reason = "the shared test support is used in part here")]

mod bad_scenarios;
mod cli_batch;
mod cli_coverage;
mod cli_run;
mod cli_test;
mod determinism;
mod golden;
mod readme;
mod support;
mod variants;
