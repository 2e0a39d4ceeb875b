//! `completions SHELL` and `man [--out DIR]`: the command line described
//! for shells and for `man`, generated from the same clap definition that
//! parses it, so they cannot fall behind.

use std::io;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::{Cli, Exit};
use crate::report;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger completions bash > ~/.local/share/bash-completion/completions/sanctions-trigger\n  \
    sanctions-trigger completions zsh > ~/.zfunc/_sanctions-trigger\n  \
    sanctions-trigger completions fish > ~/.config/fish/completions/sanctions-trigger.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    sanctions-trigger man | man -l -\n  \
    sanctions-trigger man --out /usr/local/share/man/man1")]
pub struct ManArgs {
    /// Write one page per verb into DIR (`sanctions-trigger.1`,
    /// `sanctions-trigger-run.1`, …) instead of the main page to stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn completions(a: &CompletionsArgs) -> io::Result<Exit> {
    report::authoring::completions(&mut io::stdout().lock(), a.shell, &mut Cli::command())?;
    Ok(Exit::Ok)
}

pub fn man(a: &ManArgs) -> io::Result<Exit> {
    let cmd = Cli::command();
    match &a.out {
        None => report::authoring::man(&mut io::stdout().lock(), cmd)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            let mut cmd = cmd.disable_help_subcommand(true);
            cmd.build();
            let mut names = Vec::new();
            pages(cmd, dir, &mut names)?;
            report::authoring::files_written(&mut io::stdout().lock(), dir, &names)?;
        }
    }
    Ok(Exit::Ok)
}

/// Writes the page of `cmd` and of each of its verbs, as
/// `clap_mangen::generate_to` does, collecting the file names.
fn pages(cmd: clap::Command, dir: &Path, names: &mut Vec<String>) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    names.push(man.get_filename());
    man.generate_to(dir)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages(sub.clone(), dir, names)?;
    }
    Ok(())
}
