//! Starting and growing a library: `init` writes a working starter
//! library into an empty folder (`init.rs`), `new rule` and `new
//! scenario` write one file from a template (`new.rs`); the texts are in
//! `templates.rs`. They produce the list of what they wrote, or a
//! diagnostic and nothing written; `report::authoring` prints either.
//!
//! Every write creates its file (`create_new`, which refuses a symbolic
//! link as it refuses any existing file) and its folders one at a time,
//! each checked to be a real folder, so nothing is written through a link.

mod init;
mod new;
pub mod templates;

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};

pub use init::init;
pub use new::{NewRule, NewScenario, new_rule, new_scenario};

/// What a verb wrote.
#[derive(Debug)]
pub struct Written {
    /// The folder it wrote into (`init`), or the file's folder (`new`).
    pub dir: PathBuf,
    /// The files, relative to `dir` for `init`, as given for `new`.
    pub files: Vec<PathBuf>,
    /// For `new rule`: the rule's id and the response it fires.
    pub rule: Option<(String, String)>,
}

/// A diagnostic about `path` for an I/O failure while writing it.
fn write_failed(path: &Path, e: &io::Error) -> Diagnostic {
    Diagnostic::error(
        Some(path),
        format!("cannot write `{}`: {e}", path.display()),
    )
    .with_code(Code::WriteFailed)
}

/// A diagnostic for a path that is a symbolic link, which is not written
/// through.
fn link_refused(path: &Path) -> Diagnostic {
    let target = fs::read_link(path)
        .map(|t| format!(" (to `{}`)", t.display()))
        .unwrap_or_default();
    Diagnostic::error(
        Some(path),
        format!(
            "`{}` is a symbolic link{target}; nothing is written through a link",
            path.display()
        ),
    )
    .with_code(Code::LinkRefused)
    .with_help("name the folder or file it points to instead")
}

/// Creates `dir` under `root`, folder by folder; each folder on the way
/// that exists must be a real folder, not a link.
fn make_dirs(root: &Path, rel: &Path) -> Result<(), Diagnostic> {
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Err(link_refused(&at)),
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Diagnostic::error(
                    Some(&at),
                    format!("`{}` is a file, where a folder is needed", at.display()),
                )
                .with_code(Code::BadPath));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&at).map_err(|e| write_failed(&at, &e))?;
            }
            Err(e) => return Err(write_failed(&at, &e)),
        }
    }
    Ok(())
}

/// Writes a new file; an existing file (or link) is an error.
fn create(path: &Path, text: &str) -> Result<(), Diagnostic> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => link_refused(path),
            _ => write_failed(path, &e),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| write_failed(path, &e))
}

/// `path` without `.` components and with `..` folded into the folder
/// before it, as far as the path itself says (no link is resolved).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            c => out.push(c),
        }
    }
    out
}

/// The path from folder `from` to `to`, both absolute and normalized,
/// written with `/` as TOML files in this project write paths.
pub(crate) fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        let r = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(r("/p/scenarios", "/p/scenarios/a.toml"), "a.toml");
        assert_eq!(r("/p/scenarios/x", "/p/scenarios/a.toml"), "../a.toml");
        assert_eq!(r("/p/scenarios", "/p/scenarios/x/y/a.toml"), "x/y/a.toml");
        assert_eq!(r("/p/s/a/b", "/p/s/c/d.toml"), "../../c/d.toml");
    }

    #[test]
    fn normalize_folds_dots() {
        let n = |a: &str| normalize(Path::new(a));
        assert_eq!(n("./rules/x.rhai"), PathBuf::from("rules/x.rhai"));
        assert_eq!(n("rules/a/../x.rhai"), PathBuf::from("rules/x.rhai"));
        assert_eq!(n("/p/./q/../r"), PathBuf::from("/p/r"));
        assert_eq!(n("../x"), PathBuf::from("../x"));
    }
}
