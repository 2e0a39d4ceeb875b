//! The `sanctions-trigger` binary: parse the command line, call the
//! library, and map the result to an exit code in one place. A panic is a
//! bug of ours: it is reported as an internal error with exit code 70,
//! and a closed pipe (`| head`) is not an error.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use sanctions_trigger::cli::{self, Cli, Exit};
use sanctions_trigger::runner;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error in sanctions-trigger, please report it: {info}");
    }));
    let cli = Cli::parse();
    // Rules run on this thread too (their top level, while loading), so it
    // gets the workers' deep stack rather than the main thread's.
    let run = std::thread::Builder::new()
        .name("main".into())
        .stack_size(runner::STACK_SIZE)
        .spawn(move || cli::main(cli));
    let result = match run {
        Ok(handle) => handle.join(),
        Err(_) => Ok(Err(std::io::Error::other("cannot start the main thread"))),
    };
    match result {
        Ok(Ok(exit)) => exit.into(),
        Ok(Err(e)) if e.kind() == ErrorKind::BrokenPipe => Exit::Ok.into(),
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            Exit::Error.into()
        }
        Err(_) => Exit::Internal.into(),
    }
}
