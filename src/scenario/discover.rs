//! Finding scenario files: a PATH may be a file or a folder (searched
//! recursively, in sorted order, hidden entries skipped). A scenario's
//! default id is its path under the folder given, without `.toml`; a file
//! given directly is known by its stem. Each folder given is a root that
//! links found under it, and the bases its variants extend, may not leave.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic};
use crate::files;
use crate::vocabulary::Vocabulary;

/// A scenario file to load, with the id it gets unless it names its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    /// The file.
    pub path: PathBuf,
    /// Its id: the path under the folder given, without `.toml`.
    pub id: String,
    /// The folder it was found under (the file's own folder for a file
    /// given directly), shared by the files found there: a variant's base
    /// may lie anywhere under it, wherever the command is run from.
    pub root: Arc<Path>,
}

impl ScenarioFile {
    /// Loads the scenario, its bases looked for under its root.
    pub fn load(&self) -> Result<super::Scenario, Vec<Diagnostic>> {
        self.load_with(None)
    }

    /// [`load`](Self::load), its values (and its bases') checked against
    /// a vocabulary when one is given.
    pub fn load_with(
        &self,
        vocabulary: Option<&Vocabulary>,
    ) -> Result<super::Scenario, Vec<Diagnostic>> {
        super::parse::load_under(&self.path, &self.id, Some(&self.root), vocabulary)
    }
}

/// The scenario ids seen so far in one run: two scenarios with one id are
/// an error, since expectations, reports and diffs are keyed by id.
#[derive(Debug, Default)]
pub struct SeenIds(HashMap<String, PathBuf>);

impl SeenIds {
    /// Records an id; the diagnostic when another file already has it.
    pub fn check(&mut self, id: &str, file: &Path) -> Option<Diagnostic> {
        let other = self.0.insert(id.to_string(), file.to_path_buf())?;
        Some(
            Diagnostic::error(
                Some(file),
                format!("scenario id `{id}` is also the id of {}", other.display()),
            )
            .with_code(Code::DuplicateId)
            .with_help("give one of them its own `id` under `[scenario]`"),
        )
    }
}

/// Lists the scenario files under the given paths, in a deterministic order.
/// Problems (a missing path, an unreadable folder) are diagnostics; the
/// files that could be found are still returned.
pub fn discover(paths: &[PathBuf]) -> (Vec<ScenarioFile>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut diags = Vec::new();
    let mut links = false;
    for root in paths {
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => {
                let within = files::Within::folder(root);
                let (f, d, l) = files::walk_links(root, &within, "toml", &|_| false);
                links |= l;
                let shared: Arc<Path> = root.as_path().into();
                found.extend(f.into_iter().map(|(path, id)| ScenarioFile {
                    path,
                    id,
                    root: shared.clone(),
                }));
                diags.extend(d);
            }
            Ok(_) => found.push(ScenarioFile {
                path: root.clone(),
                id: root
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                root: root.parent().unwrap_or(Path::new("")).into(),
            }),
            Err(e) => diags.push(
                Diagnostic::error(Some(root), format!("cannot read scenario path: {e}"))
                    .with_code(Code::ReadFailed),
            ),
        }
    }
    // One file named twice (`t.toml ./t.toml`, a file and its folder, a
    // link to a file in the tree) is one scenario. Resolving a path costs
    // a system call per component, so only when a file could repeat.
    if paths.len() > 1 || links {
        let mut seen = BTreeSet::new();
        found.retain(|f| seen.insert(f.path.canonicalize().unwrap_or_else(|_| f.path.clone())));
    }
    (found, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_paths_under_the_folder_without_extension() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("us");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(sub.join("ultimatum.toml"), "").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("a.toml"), "").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("notes.md"), "").unwrap_or_else(|e| panic!("{e}"));
        let (files, diags) = discover(&[dir.path().to_path_buf()]);
        assert!(diags.is_empty());
        let ids: Vec<_> = files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["a", "us/ultimatum"]);
    }

    #[test]
    fn one_file_named_twice_is_found_once() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = dir.path().join("a.toml");
        std::fs::write(&a, "").unwrap_or_else(|e| panic!("{e}"));
        let dotted = dir.path().join(".").join("a.toml");
        let (files, _) = discover(&[a.clone(), dotted, dir.path().to_path_buf()]);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, a);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_file_in_the_folder_is_the_same_scenario() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = dir.path().join("a.toml");
        std::fs::write(&a, "").unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&a, dir.path().join("b.toml")).unwrap_or_else(|e| panic!("{e}"));
        let (files, _) = discover(&[dir.path().to_path_buf()]);
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0].path, a);
    }

    #[test]
    fn a_second_scenario_with_one_id_is_an_error_naming_the_first() {
        let mut seen = SeenIds::default();
        assert!(seen.check("a", Path::new("x/a.toml")).is_none());
        assert!(seen.check("b", Path::new("x/b.toml")).is_none());
        let d = seen
            .check("a", Path::new("y/a.toml"))
            .unwrap_or_else(|| panic!("duplicate not reported"));
        assert!(d.is_error());
        assert!(d.to_string().contains("also the id of x/a.toml"), "{d}");
    }
}
