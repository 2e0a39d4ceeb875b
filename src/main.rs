//! The `sanctions-trigger` binary: parse the command line, call the
//! library, and map the result to an exit code in one place. A panic is a
//! bug of ours: it is reported as an internal error with exit code 70,
//! and a closed pipe (`| head`) is not an error.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use sanctions_trigger::cli::{self, Cli, Exit};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error in sanctions-trigger, please report it: {info}");
    }));
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| cli::main(cli)) {
        Ok(Ok(exit)) => exit.into(),
        Ok(Err(e)) if e.kind() == ErrorKind::BrokenPipe => Exit::Ok.into(),
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            Exit::Error.into()
        }
        Err(_) => Exit::Internal.into(),
    }
}
