//! `vocabulary`: the scenario vocabulary's verbs. `vocabulary infer`
//! reads scenarios and writes the vocabulary they imply (`infer`), to
//! stdout or to a file it will not overwrite unless told to.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Exit, Global, paths_or_default};
use crate::atomic;
use crate::diagnostic::Diagnostic;
use crate::infer::infer;
use crate::report::{self, print_diagnostics};
use crate::scenario::discover;

#[derive(Debug, Args)]
pub struct VocabularyArgs {
    #[command(subcommand)]
    pub command: VocabularyCommand,
}

#[derive(Debug, Subcommand)]
pub enum VocabularyCommand {
    /// Write a starting vocabulary from existing scenarios
    #[command(
        long_about = "Write a starting vocabulary (rules/vocabulary.toml) from existing scenarios.\n\n\
            Every event kind the scenarios use, with each field its events have and the type \
            seen (an integer and a float give `float`, other mixed types `any`); a field is \
            `required = true` when every event of its kind has it. Nested tables get their \
            fields, arrays the type of their items; `[facts]` and the actors' tables are \
            declared the same way. The output is sorted, so the same scenarios always give \
            the same file. Scenarios are read without a vocabulary: one that does not load \
            is reported and left out.",
        after_help = "Examples:\n  \
            sanctions-trigger vocabulary infer scenarios/ > rules/vocabulary.toml\n  \
            sanctions-trigger vocabulary infer scenarios/ --out rules/vocabulary.toml --force\n\n\
            Exit codes: 0 written, 2 a scenario did not load, no scenario, or the file exists."
    )]
    Infer(InferArgs),
}

#[derive(Debug, Args)]
pub struct InferArgs {
    /// Scenario files or folders to read [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Write the vocabulary to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite FILE if it exists
    #[arg(long, requires = "out")]
    pub force: bool,
}

pub fn run(_g: &Global, a: &VocabularyArgs) -> io::Result<Exit> {
    match &a.command {
        VocabularyCommand::Infer(a) => infer_verb(a),
    }
}

fn infer_verb(a: &InferArgs) -> io::Result<Exit> {
    if let Some(out) = &a.out
        && !a.force
        && out.symlink_metadata().is_ok()
    {
        let d = Diagnostic::error(Some(out), "the file exists already; nothing was written")
            .with_help("pass `--force` to overwrite it, or give another `--out`");
        print_diagnostics(&[d]);
        return Ok(Exit::Error);
    }
    let (files, mut diags) = discover(&paths_or_default(&a.paths));
    let mut scenarios = Vec::new();
    for f in &files {
        match f.load() {
            Ok(sc) => scenarios.push(sc),
            Err(d) => diags.extend(d),
        }
    }
    if scenarios.is_empty() {
        diags.push(
            Diagnostic::error(None, "no scenario to infer a vocabulary from")
                .with_help("give the scenario files or folders to read"),
        );
    }
    print_diagnostics(&diags);
    if scenarios.is_empty() {
        return Ok(Exit::Error);
    }
    let vocab = infer(&scenarios);
    let text = report::vocabulary::text(&vocab, scenarios.len());
    match &a.out {
        None => io::stdout().lock().write_all(text.as_bytes())?,
        Some(out) => {
            if let Err(e) = atomic::write(out, text.as_bytes()) {
                let d = Diagnostic::error(Some(out), format!("cannot write the vocabulary: {e}"));
                print_diagnostics(&[d]);
                return Ok(Exit::Error);
            }
            report::vocabulary::written(&mut io::stderr().lock(), out, &vocab)?;
        }
    }
    let errored = diags.iter().any(Diagnostic::is_error);
    Ok(if errored { Exit::Error } else { Exit::Ok })
}
