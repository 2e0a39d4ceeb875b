//! sanctions-trigger: a rules engine for policy triggers.
//!
//! Rules are small Rhai scripts (`rules/**/*.rhai`) that each decide whether
//! one policy response fires; scenarios are dated TOML files. The library
//! loads both ([`rules::RuleSet`], [`scenario::load_file`]), evaluates every
//! rule on every scenario at a judgement date ([`eval::Worker`],
//! [`runner`]), and reports outcomes ([`outcome`], [`report`]). The
//! `sanctions-trigger` binary is a thin layer over these calls.
//!
//! A program embedding the engine starts at [`Engine`]: rules loaded once,
//! from a folder or from memory, and evaluated or replayed from any
//! thread (see the [`engine`] module for an example).

#[cfg(feature = "cli")]
pub mod atomic;
pub mod blame;
#[cfg(feature = "cli")]
pub mod bless;
#[cfg(feature = "cli")]
pub mod cli;
pub mod coverage;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod eval;
pub mod files;
pub mod lint;
pub mod native;
pub mod outcome;
pub mod printable;
#[cfg(feature = "cli")]
pub mod report;
pub mod rule_error;
pub mod rules;
pub mod runner;
pub mod sandbox;
pub mod scenario;
pub mod suite;
#[cfg(test)]
mod testutil;
pub mod timeline;
pub mod value;

// The types in the facade's signatures, so that an embedder names them
// without depending on chrono or chrono-tz, or knowing the module layout.
pub use chrono::NaiveDate;
pub use chrono_tz::Tz;
pub use diagnostic::{Diagnostic, Severity};
pub use engine::{Engine, EngineBuilder, LoadError};
pub use outcome::Outcome;
pub use sandbox::Limits;
pub use scenario::{Event, ParseError, ParseOptions, Scenario, ScenarioBuilder};
pub use timeline::{ReplayError, Timeline, Window};
pub use value::Value;
