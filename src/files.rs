//! Walking folders for input files in a deterministic (sorted) order,
//! skipping hidden entries, and giving each file an id: its path under the
//! folder, `/`-separated, without the extension.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Folders deeper than this are assumed to be a symlink loop.
const MAX_DEPTH: usize = 64;

/// Files under `root` whose extension is `ext`, with their ids, sorted.
/// `skip` is called with each folder's id and leaves it out when true.
pub fn walk(
    root: &Path,
    ext: &str,
    skip: &dyn Fn(&str) -> bool,
) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    visit(root, root, ext, skip, &mut out, &mut diags, 0);
    (out, diags)
}

/// The id of a file under a root: its relative path without extension.
pub fn id_of(root: &Path, path: &Path) -> String {
    rel(root, &path.with_extension(""))
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn visit(
    root: &Path,
    dir: &Path,
    ext: &str,
    skip: &dyn Fn(&str) -> bool,
    out: &mut Vec<(PathBuf, String)>,
    diags: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        diags.push(Diagnostic::error(
            Some(dir),
            "folders nested too deep (a symlink loop?)",
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            diags.push(Diagnostic::error(
                Some(dir),
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            if !skip(&rel(root, &path)) {
                visit(root, &path, ext, skip, out, diags, depth + 1);
            }
        } else if path.extension().is_some_and(|e| e == ext) {
            let id = id_of(root, &path);
            out.push((path, id));
        }
    }
}
