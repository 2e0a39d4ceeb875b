//! sanctions-trigger: a rules engine for policy triggers.
//!
//! Rules are small Rhai scripts (`rules/**/*.rhai`) that each decide whether
//! one policy response fires; scenarios are dated situations (TOML files,
//! JSON, or built in code). The engine says which responses fire at a
//! judgement date, which rules fired them and why, and from which date.
//!
//! The library's API:
//! - [`Engine`]: rules loaded once, from a folder or from memory
//!   ([`EngineBuilder`]; any error is a [`LoadError`]), shared across
//!   threads, [`Engine::evaluate`] and [`Engine::replay`] from any thread
//!   and on any stack (see the [`engine`] module for an example);
//! - [`Scenario`]: [`Scenario::from_toml`], [`Scenario::from_json`],
//!   [`Scenario::builder`], with [`ParseOptions`] and [`ParseError`];
//! - results: [`outcome::Outcome`] and [`timeline::Timeline`], plain serde
//!   types (the JSON contract), and [`Dossier`] ([`Engine::dossier`]):
//!   both, with the test result, for a report; problems with input are
//!   [`diagnostic::Diagnostic`]s with `file:line:col`.
//!
//! The `sanctions-trigger` binary is a thin layer over the library. Modules
//! hidden from these docs (`rules`, `eval`, `runner`, `report`, `cli`, …)
//! are the binary's and the test suite's internals, not a stable API.

#![warn(missing_docs)]

#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod atomic;
#[doc(hidden)]
pub mod blame;
#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod bless;
#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod cli;
#[doc(hidden)]
pub mod coverage;
pub mod diagnostic;
#[doc(hidden)]
pub mod diff;
pub mod dossier;
pub mod engine;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod files;
#[doc(hidden)]
pub mod incremental;
#[doc(hidden)]
pub mod infer;
#[doc(hidden)]
pub mod lint;
#[doc(hidden)]
pub mod native;
pub mod outcome;
pub mod outlook;
#[doc(hidden)]
pub mod printable;
#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod report;
#[doc(hidden)]
pub mod rule_error;
#[doc(hidden)]
pub mod rules;
#[doc(hidden)]
pub mod runner;
#[doc(hidden)]
pub mod sandbox;
#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod scaffold;
pub mod scenario;
pub mod schema;
#[doc(hidden)]
pub mod suite;
pub mod sweep;
#[cfg(test)]
mod testutil;
pub mod timeline;
#[doc(hidden)]
pub mod value;
pub mod vocabulary;
pub mod what_if;

// The types in the facade's signatures, so that an embedder names them
// without depending on chrono or chrono-tz, or knowing the module layout.
pub use chrono::NaiveDate;
pub use chrono_tz::Tz;
pub use diagnostic::{Code, Diagnostic, Severity};
pub use dossier::Dossier;
pub use engine::{Engine, EngineBuilder, LoadError};
pub use outcome::Outcome;
pub use sandbox::Limits;
pub use scenario::{Event, ParseError, ParseOptions, Scenario, ScenarioBuilder};
pub use timeline::{ReplayError, Timeline, Window};
pub use value::Value;
pub use vocabulary::Vocabulary;
