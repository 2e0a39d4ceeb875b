//! The output of the authoring verbs: what `init` and `new` wrote and the
//! command to run next; shell completions, the man page and the `.d.rhai`
//! definitions, generated for the command line given.

use std::io::{self, Write};
use std::path::Path;

use crate::printable;
use crate::scaffold::Written;

fn shown(path: &Path) -> String {
    printable::escape(&path.display().to_string(), false).into_owned()
}

/// `init`: the files of the new library, and how to try it.
pub fn created(out: &mut dyn Write, w: &Written) -> io::Result<()> {
    let dir = shown(&w.dir);
    let here = w.dir.as_os_str().is_empty() || w.dir == Path::new(".");
    if here {
        writeln!(out, "created a policy library in the current folder:")?;
    } else {
        writeln!(out, "created a policy library in {dir}:")?;
    }
    for f in &w.files {
        writeln!(out, "  {}", shown(f))?;
    }
    let cd = if here {
        String::new()
    } else {
        format!("cd {dir} && ")
    };
    writeln!(out, "next: {cd}sanctions-trigger test")
}

/// `new rule` / `new scenario`: the file written and what to do with it.
pub fn wrote(out: &mut dyn Write, w: &Written) -> io::Result<()> {
    for f in &w.files {
        let path = shown(f);
        match &w.rule {
            Some((id, response)) => {
                writeln!(out, "wrote {path}: rule `{id}`, firing `{response}`")?;
                writeln!(
                    out,
                    "next: write its `fires(s)` and `SOURCE`, then `sanctions-trigger check`"
                )?;
            }
            None => {
                writeln!(out, "wrote {path}")?;
                writeln!(
                    out,
                    "next: describe its events and [expect], then `sanctions-trigger test {path}`"
                )?;
            }
        }
    }
    Ok(())
}

/// `completions SHELL`: the completion script for the command line `cmd`.
pub fn completions(
    out: &mut dyn Write,
    shell: clap_complete::Shell,
    cmd: &mut clap::Command,
) -> io::Result<()> {
    let name = cmd.get_name().to_string();
    // Generated into memory first: clap_complete panics on a write error,
    // and a closed pipe (`| head`) is not one of ours.
    let mut script = Vec::new();
    clap_complete::generate(shell, cmd, name, &mut script);
    out.write_all(&script)
}

/// `man`: the man page of the command line `cmd`, in roff.
pub fn man(out: &mut dyn Write, cmd: clap::Command) -> io::Result<()> {
    clap_mangen::Man::new(cmd).render(out)
}

/// `defs`: the rule API's definitions as one `.d.rhai` file.
pub fn defs(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, "{text}")
}

/// `man --out DIR` and `defs --out DIR`: the files written.
pub fn files_written(out: &mut dyn Write, dir: &Path, names: &[String]) -> io::Result<()> {
    for n in names {
        writeln!(out, "wrote {}", shown(&dir.join(n)))?;
    }
    Ok(())
}
