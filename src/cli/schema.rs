//! `schema`: the JSON Schema for the library's scenario files, for
//! editors (taplo reads it through a `#:schema` header or `.taplo.toml`).
//! The schema is built by the library (`crate::schema`); this file
//! prints it or writes it to a file.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use super::{Exit, Global};
use crate::diagnostic::{Code, Diagnostic};
use crate::report::{print_diagnostics, stderr_line};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger schema --out scenario.schema.json\n\n\
    Then name it in the first line of a scenario file:\n  \
    #:schema ../scenario.schema.json\n\
    or, for every scenario at once, in .taplo.toml:\n  \
    [[rule]]\n  include = [\"scenarios/**/*.toml\"]\n  [rule.schema]\n  path = \"scenario.schema.json\"")]
pub struct SchemaArgs {
    /// Write the schema to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(g: &Global, a: &SchemaArgs) -> io::Result<Exit> {
    let set = g.load_rules();
    if let Some(exit) = super::missing_rules(&set) {
        return Ok(exit);
    }
    // A rule that does not compile is reported, and the schema is still
    // written from everything that loaded: editing scenarios should not
    // wait for every rule to be fixed.
    print_diagnostics(set.diagnostics());
    let text = crate::schema::scenario_schema_text(&set);
    let errored = set.diagnostics().iter().any(Diagnostic::is_error);
    let exit = if errored { Exit::Error } else { Exit::Ok };
    match &a.out {
        None => {
            io::stdout().lock().write_all(text.as_bytes())?;
            Ok(exit)
        }
        Some(path) => match crate::atomic::write(path, text.as_bytes()) {
            Ok(()) => {
                stderr_line(format_args!("wrote {}", path.display()));
                Ok(exit)
            }
            Err(e) => {
                print_diagnostics(&[Diagnostic::error(
                    Some(path),
                    format!("cannot write the schema: {e}"),
                )
                .with_code(Code::WriteFailed)]);
                Ok(Exit::Error)
            }
        },
    }
}
