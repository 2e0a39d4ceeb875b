//! `new rule PATH --response ID` and `new scenario PATH [--extends BASE]`:
//! one file from a template (`scaffold::new_rule`, `new_scenario`).

use std::io;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Exit, Global};
use crate::report::{self, print_diagnostics};
use crate::scaffold::{self, NewRule, NewScenario};

#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(subcommand)]
    pub what: New,
}

#[derive(Debug, Subcommand)]
pub enum New {
    /// Write a rule that fires a response of the catalogue, quiet until written
    #[command(
        long_about = "Write a rule file from a template: `const RESPONSE`, a `SOURCE` to fill in, \
            and a `fires(s)` that stays quiet until written, so `check` and `test` pass at once. \
            The rule's id is its path under the rules folder without `.rhai` \
            (`rules/talks/my-rule.rhai` is `talks/my-rule`); the response must be in \
            `responses.toml`. An existing file is replaced only with `--force`.",
        after_help = "Example:\n  sanctions-trigger new rule rules/talks/my-rule.rhai --response new-sanctions"
    )]
    Rule {
        /// The rule file to write, under the rules folder (`.rhai` is added when missing)
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// The response the rule fires: an id of `responses.toml`
        #[arg(long, value_name = "ID")]
        response: String,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
    /// Write a scenario, or with --extends a variant of another one
    #[command(
        long_about = "Write a scenario file from a template, with `as_of` set to today and examples \
            of events and expectations in comments. With `--extends BASE`, write a variant of \
            BASE instead: its `extends` is BASE's path relative to the new file, and its comments \
            list the ids of BASE's events, which a variant replaces by id. An existing file is \
            replaced only with `--force`.",
        after_help = "Examples:\n  sanctions-trigger new scenario scenarios/my-case.toml\n  \
            sanctions-trigger new scenario scenarios/what-if/ceasefire.toml --extends scenarios/istanbul-2025-06-02.toml"
    )]
    Scenario {
        /// The scenario file to write (`.toml` is added when missing)
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// A base scenario: write a variant of it
        #[arg(long, value_name = "BASE")]
        extends: Option<PathBuf>,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
}

pub fn run(g: &Global, a: &NewArgs) -> io::Result<Exit> {
    let result = match &a.what {
        New::Rule {
            path,
            response,
            force,
        } => scaffold::new_rule(&NewRule {
            rules: &g.rules,
            path,
            response,
            force: *force,
        }),
        New::Scenario {
            path,
            extends,
            force,
        } => scaffold::new_scenario(&NewScenario {
            rules: &g.rules,
            path,
            extends: extends.as_deref(),
            force: *force,
            today: chrono::Local::now().date_naive(),
        }),
    };
    match result {
        Ok(written) => {
            report::authoring::wrote(&mut io::stdout().lock(), &written)?;
            Ok(Exit::Ok)
        }
        Err(d) => {
            print_diagnostics(&[d]);
            Ok(Exit::Error)
        }
    }
}
