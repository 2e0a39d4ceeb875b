//! `init [DIR]`: a starter library — catalogue, one rule, two scenarios
//! with expectations, editor and CI settings — written into an empty or
//! missing folder, on which `test` passes at once.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Written, create, link_refused, make_dirs, templates, write_failed};
use crate::diagnostic::{Code, Diagnostic};
use crate::rules::RuleSet;
use crate::sandbox::Limits;

/// The starter's JSON Schema of scenario files, which its scenarios' `#:schema`
/// headers and `.taplo.toml` name.
pub const SCHEMA_FILE: &str = "scenario.schema.json";

/// Writes the starter library into `dir`, which must be empty or absent.
/// A folder that holds anything, or that is itself a symbolic link, is
/// refused before anything is written.
pub fn init(dir: &Path) -> Result<Written, Diagnostic> {
    // An empty path is the current folder, and is checked as such.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match fs::symlink_metadata(dir) {
        // A link's target may lie anywhere: the files would not be where
        // the path given says, so it is named instead.
        Ok(m) if m.file_type().is_symlink() => return Err(link_refused(dir)),
        Ok(m) if !m.is_dir() => {
            return Err(Diagnostic::error(
                Some(dir),
                format!("`{}` is a file, not a folder", dir.display()),
            )
            .with_code(Code::BadPath)
            .with_help("give `init` a new or empty folder"));
        }
        Ok(_) => refuse_non_empty(dir)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| write_failed(dir, &e))?;
        }
        Err(e) => {
            return Err(Diagnostic::error(
                Some(dir),
                format!("cannot read `{}`: {e}", dir.display()),
            )
            .with_code(Code::ReadFailed));
        }
    }
    let mut files = Vec::new();
    for (rel, text) in templates::INIT {
        let rel = Path::new(rel);
        if let Some(parent) = rel.parent() {
            make_dirs(dir, parent)?;
        }
        create(&dir.join(rel), text)?;
        files.push(rel.to_path_buf());
    }
    // The schema is generated rather than kept as a template, so that it is
    // exactly what `schema` writes for the starter's catalogue, rule and
    // vocabulary.
    let set = RuleSet::load(&dir.join("rules"), Limits::default());
    let rel = Path::new(SCHEMA_FILE);
    create(&dir.join(rel), &crate::schema::scenario_schema_text(&set))?;
    files.push(rel.to_path_buf());
    Ok(Written {
        dir: dir.to_path_buf(),
        files,
        rule: None,
    })
}

/// An error when `dir` holds anything at all: a starter written over an
/// existing library would mix with it, and one hidden file or link (such
/// as `rules` pointing elsewhere) is enough to refuse.
fn refuse_non_empty(dir: &Path) -> Result<(), Diagnostic> {
    let entries = fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(Some(dir), format!("cannot read `{}`: {e}", dir.display()))
            .with_code(Code::ReadFailed)
    })?;
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| PathBuf::from(e.file_name())))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let shown: Vec<String> = names
        .iter()
        .take(3)
        .map(|n| format!("`{}`", n.display()))
        .collect();
    let more = if names.len() > 3 { ", …" } else { "" };
    Err(Diagnostic::error(
        Some(dir),
        format!(
            "`{}` is not empty (it holds {}{more}); nothing was written",
            dir.display(),
            shown.join(", ")
        ),
    )
    .with_code(Code::FolderNotEmpty)
    .with_help(
        "give `init` a new or empty folder; to grow an existing library, use \
         `sanctions-trigger new rule` and `new scenario`",
    ))
}
