//! `init [DIR]`: write a starter library into an empty or missing folder
//! (`scaffold::init`).

use std::io;
use std::path::PathBuf;

use clap::Args;

use super::Exit;
use crate::report::{self, print_diagnostics};
use crate::scaffold;

#[derive(Debug, Args)]
#[command(
    long_about = "Write a starter policy library into DIR: a response catalogue with one response, \
        one rule grounded in a dated public event, two scenarios with expectations (one where the \
        response fires, one where it stays quiet), a README, a `.taplo.toml` for editors and a CI \
        workflow running `check` and `test`. `sanctions-trigger test` passes in it at once.\n\n\
        DIR must be empty or absent (it is created); a folder that holds anything, or a symbolic \
        link, is refused and nothing is written.",
    after_help = "Examples:\n  sanctions-trigger init my-policy\n  cd my-policy && sanctions-trigger test"
)]
pub struct InitArgs {
    /// The folder to create the library in [default: the current folder]
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

pub fn run(a: &InitArgs) -> io::Result<Exit> {
    match scaffold::init(&a.dir) {
        Ok(written) => {
            report::authoring::created(&mut io::stdout().lock(), &written)?;
            Ok(Exit::Ok)
        }
        Err(d) => {
            print_diagnostics(&[d]);
            Ok(Exit::Error)
        }
    }
}
