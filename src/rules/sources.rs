//! Where a rule set's texts come from: a rules folder — walked in sorted
//! order, every file read with its links kept inside the folder — or
//! texts given in memory, each named by the path it would have in a
//! folder (`rules/<id>.rhai`, `rules/lib/<name>.rhai`,
//! `rules/responses.toml`) so that diagnostics print `file:line:col`
//! alike. Either way the result is one [`Sources`] value, and one loader
//! (`load.rs`) compiles and checks it.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Severity, SourceText};
use crate::files::{self, read_text};
use crate::printable;

/// The folder named by the paths of texts given in memory.
pub(crate) const MEMORY_DIR: &str = "rules";

/// The texts of a rule set, each already read (or the diagnostic saying
/// why it could not be), in the order they load: helpers and rules each
/// sorted by path.
pub(crate) struct Sources {
    /// The rules folder, as given; [`MEMORY_DIR`] for texts in memory.
    pub dir: PathBuf,
    /// The folder was not there: nothing else was looked for.
    pub missing: bool,
    /// `responses.toml`.
    pub catalogue: Result<SourceText, Diagnostic>,
    /// `vocabulary.toml`, when there is one (it is optional).
    pub vocabulary: Option<Result<SourceText, Diagnostic>>,
    /// Problems met listing the scripts, reported after the catalogue's.
    pub listing: Vec<Diagnostic>,
    pub helpers: Vec<Script>,
    pub rules: Vec<Script>,
}

/// One script: its id (a rule's id, or a helper's name under `lib/`), its
/// path, and its text.
pub(crate) struct Script {
    pub id: String,
    pub path: PathBuf,
    pub text: Result<SourceText, Diagnostic>,
}

impl Sources {
    /// Lists and reads a rules folder.
    pub fn folder(dir: &Path) -> Sources {
        Sources::folder_reusing(dir, &|_| None)
    }

    /// Lists a rules folder and reads it, except the rule scripts for
    /// which `kept` gives a text already read (their files unchanged
    /// since): those are not read again.
    pub fn folder_reusing(dir: &Path, kept: &dyn Fn(&Path) -> Option<SourceText>) -> Sources {
        if !dir.is_dir() {
            return Sources {
                dir: dir.to_path_buf(),
                missing: true,
                catalogue: Err(
                    Diagnostic::error(Some(dir), "no catalogue").with_code(Code::MissingCatalogue)
                ),
                vocabulary: None,
                listing: Vec::new(),
                helpers: Vec::new(),
                rules: Vec::new(),
            };
        }
        let within = files::Within::new(dir, "the rules folder");
        let catalogue_path = dir.join("responses.toml");
        let catalogue = match within.escape(&catalogue_path, "file") {
            Some(d) => Err(d),
            None => read_text(&catalogue_path)
                .map(|t| SourceText::new(&catalogue_path, t))
                .map_err(|d| {
                    d.with_help("every rule folder needs a `responses.toml` listing its responses")
                }),
        };
        let vocabulary_path = dir.join(crate::vocabulary::FILE_NAME);
        let vocabulary = match within.escape(&vocabulary_path, "file") {
            Some(d) => Some(Err(d)),
            None if vocabulary_path.symlink_metadata().is_ok() => {
                Some(read_text(&vocabulary_path).map(|t| SourceText::new(&vocabulary_path, t)))
            }
            None => None,
        };
        let mut listing = Vec::new();
        let (helper_files, rule_files) = scripts(dir, &within, &mut listing);
        let reader = Reader {
            dir: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
        };
        let read = |files: Vec<(PathBuf, String)>, kept: &dyn Fn(&Path) -> Option<SourceText>| {
            files
                .into_iter()
                .map(|(path, id)| Script {
                    text: kept(&path).map_or_else(|| reader.read(&path), Ok),
                    id,
                    path,
                })
                .collect()
        };
        Sources {
            dir: dir.to_path_buf(),
            missing: false,
            catalogue,
            vocabulary,
            listing,
            helpers: read(helper_files, &|_| None),
            rules: read(rule_files, kept),
        }
    }

    /// Texts given in memory: the catalogue (`None`: none given, an
    /// error), helpers by the name rules import them under (`talks` for
    /// `import "lib/talks"`) and rules by id. Names that could not be a
    /// file of a rules folder, or are given twice, are diagnostics.
    pub fn memory(
        catalogue: Option<&str>,
        helpers: &[(String, String)],
        rules: &[(String, String)],
    ) -> Sources {
        let dir = PathBuf::from(MEMORY_DIR);
        let catalogue_path = dir.join("responses.toml");
        let catalogue = match catalogue {
            Some(text) => Ok(SourceText::new(&catalogue_path, without_bom(text))),
            None => Err(Diagnostic::error(
                Some(&catalogue_path),
                "no response catalogue was given",
            )
            .with_code(Code::MissingCatalogue)
            .with_help(
                "every rule set needs a catalogue (`responses.toml`) listing its responses",
            )),
        };
        let mut listing = Vec::new();
        let mut script = |id: &str, text: &str, helper: bool| {
            let id = if helper {
                id.strip_prefix("lib/").unwrap_or(id)
            } else {
                id
            };
            let path = if helper {
                dir.join("lib").join(format!("{id}.rhai"))
            } else {
                dir.join(format!("{id}.rhai"))
            };
            if let Some(d) = bad_name(id, &path, helper) {
                listing.push(d);
                return None;
            }
            Some(Script {
                id: id.to_string(),
                text: Ok(SourceText::new(&path, without_bom(text))),
                path,
            })
        };
        let mut helper_scripts: Vec<Script> = helpers
            .iter()
            .filter_map(|(name, text)| script(name, text, true))
            .collect();
        let mut rule_scripts: Vec<Script> = rules
            .iter()
            .filter_map(|(id, text)| script(id, text, false))
            .collect();
        for (list, what) in [(&mut helper_scripts, "helper"), (&mut rule_scripts, "rule")] {
            // Sorted as a folder walk lists them; of two with one name,
            // the first given is kept.
            list.sort_by(|a, b| a.path.cmp(&b.path));
            let mut i = 1;
            while i < list.len() {
                if list[i].id == list[i - 1].id {
                    let dup = list.remove(i);
                    listing.push(
                        Diagnostic::error(
                            Some(&dup.path),
                            format!("{what} `{}` is given twice", dup.id),
                        )
                        .with_code(Code::DuplicateId),
                    );
                } else {
                    i += 1;
                }
            }
        }
        if rule_scripts.is_empty() {
            listing.push(no_rules(&dir));
        }
        Sources {
            dir,
            missing: false,
            catalogue,
            vocabulary: None,
            listing,
            helpers: helper_scripts,
            rules: rule_scripts,
        }
    }
}

/// Text given in memory as a file would be read: without a byte-order mark.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Why `id` cannot name a script given in memory: it must be the path of
/// a file in a rules folder — `/`-separated names, none empty, `.` or
/// `..`, no character that could drive the terminal — and a rule's must
/// not lie under `lib/`, where helpers are.
fn bad_name(id: &str, path: &Path, helper: bool) -> Option<Diagnostic> {
    let what = if helper { "helper name" } else { "rule id" };
    let shown = printable::escape(id, false);
    let why = if let Some(c) = printable::first_unsafe(id, false) {
        format!("contains {}", printable::describe(c))
    } else if id
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\'))
    {
        "is not a relative path of `/`-separated names".to_string()
    } else if !helper && (id == "lib" || id.starts_with("lib/")) {
        "lies under `lib/`, where helpers are".to_string()
    } else {
        return None;
    };
    let shown_path = if printable::first_unsafe(id, false).is_some() {
        PathBuf::from(MEMORY_DIR)
    } else {
        path.to_path_buf()
    };
    Some(
        Diagnostic::error(Some(&shown_path), format!("{what} `{shown}` {why}"))
            .with_code(Code::UnsafeName),
    )
}

/// The warning for a rule set without a rule.
fn no_rules(dir: &Path) -> Diagnostic {
    Diagnostic::new(Severity::Warning, Some(dir), "no rules found")
        .with_code(Code::NoRules)
        .with_help("add a `.rhai` file with `const RESPONSE = \"…\";` and `fn fires(s)`")
}

/// The helper files under `lib/` and the rule files elsewhere, each with
/// its id; no rule at all is worth a warning.
type Files = Vec<(PathBuf, String)>;

fn scripts(dir: &Path, within: &files::Within, diags: &mut Vec<Diagnostic>) -> (Files, Files) {
    let (helper_files, d) = if dir.join("lib").is_dir() {
        files::walk(&dir.join("lib"), within, "rhai", &|_| false)
    } else {
        (Vec::new(), Vec::new())
    };
    diags.extend(d);
    let (rule_files, d) = files::walk(dir, within, "rhai", &|id| id == "lib");
    diags.extend(d);
    if rule_files.is_empty() {
        diags.push(no_rules(dir));
    }
    (helper_files, rule_files)
}

/// Reads scripts of the rules folder.
struct Reader {
    /// The folder, canonical.
    dir: PathBuf,
}

impl Reader {
    /// The script's text, or why it cannot be read: a link out of the
    /// rules folder is not.
    fn read(&self, path: &Path) -> Result<SourceText, Diagnostic> {
        match path.canonicalize() {
            Ok(c) if !c.starts_with(&self.dir) => {
                return Err(Diagnostic::error(
                    Some(path),
                    "script is a link to a file outside the rules folder",
                )
                .with_code(Code::LinkOutside));
            }
            Err(e) => {
                return Err(
                    Diagnostic::error(Some(path), format!("cannot read file: {e}"))
                        .with_code(Code::ReadFailed),
                );
            }
            Ok(_) => {}
        }
        read_text(path).map(|t| SourceText::new(path, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn texts_in_memory_are_named_as_files_of_a_rules_folder_and_sorted() {
        let s = Sources::memory(
            Some("[a]\n"),
            &named(&[("lib/talks", "fn x() {}")]),
            &named(&[("b", "x"), ("a/c", "y"), ("a-c", "z")]),
        );
        assert!(s.listing.is_empty(), "{:?}", s.listing);
        let paths: Vec<_> = s.rules.iter().map(|r| r.path.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("rules/a/c.rhai"),
                PathBuf::from("rules/a-c.rhai"),
                PathBuf::from("rules/b.rhai"),
            ]
        );
        assert_eq!(s.helpers[0].id, "talks");
        assert_eq!(s.helpers[0].path, Path::new("rules/lib/talks.rhai"));
        assert!(s.catalogue.is_ok());
    }

    #[test]
    fn bad_and_repeated_names_in_memory_are_errors() {
        let s = Sources::memory(
            None,
            &named(&[("../x", "")]),
            &named(&[
                ("lib/y", ""),
                ("a", "1"),
                ("a", "2"),
                ("", ""),
                ("b\u{1b}", ""),
            ]),
        );
        let messages: Vec<String> = s.listing.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 5, "{messages:#?}");
        assert!(messages[0].contains("helper name `../x`"), "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("lies under `lib/`")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("rule `a` is given twice"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`b\\u{1b}` contains the control character U+001B")),
            "{messages:#?}"
        );
        assert_eq!(s.rules.len(), 1);
        assert!(s.catalogue.is_err());
    }
}
