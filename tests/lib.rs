//! Integration tests: they run the `sanctions-trigger` binary, most of them
//! in a temporary folder with its own `rules/` and `scenarios/`; `readme`
//! runs the documents' console examples from the project root.

mod adversarial;
mod bad_rules;
mod bad_scenarios;
mod cli_authoring;
mod cli_batch;
mod cli_bless;
mod cli_check;
mod cli_coverage;
mod cli_diff;
mod cli_outlook;
mod cli_report;
mod cli_run;
mod cli_sweep;
mod cli_test;
mod cli_timeline;
mod cli_what_if;
mod determinism;
mod embed;
mod golden;
mod incremental;
mod layers;
mod limits;
mod native;
mod props;
mod readme;
mod replay;
mod rule_api;
mod sandbox;
mod scenario_api;
mod schema;
mod security;
mod security_files;
mod security_sandbox;
mod support;
mod typos;
mod variants;
mod vocabulary;
mod vocabulary_rules;
