//! `defs [--out DIR]`: the rule API as `.d.rhai` definitions for editors
//! (`sandbox::defs`).

use std::io;
use std::path::PathBuf;

use clap::Args;

use super::Exit;
use crate::report;
use crate::sandbox::defs;

#[derive(Debug, Args)]
#[command(
    long_about = "Write definitions of the rule API (`s.events`, `s.latest`, `s.count`, `date`, \
        `days`, `fired`, `quiet`, …) in Rhai's `.d.rhai` format, with their parameter and return \
        types and doc comments, for editors and language servers that read them. Without \
        `--out`, one file goes to standard output.",
    after_help = "Examples:\n  sanctions-trigger defs > rule-api.d.rhai\n  sanctions-trigger defs --out .rhai-defs"
)]
pub struct DefsArgs {
    /// Write the definition files into DIR (created if missing) instead of stdout
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(a: &DefsArgs) -> io::Result<Exit> {
    let mut out = io::stdout().lock();
    match &a.out {
        None => report::authoring::defs(&mut out, &defs::single_file())?,
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            let mut names = Vec::new();
            for (name, text) in defs::files() {
                std::fs::write(dir.join(name), text + "\n")?;
                names.push(name.to_string());
            }
            report::authoring::files_written(&mut out, dir, &names)?;
        }
    }
    Ok(Exit::Ok)
}
