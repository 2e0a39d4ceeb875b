//! The base rule set of `diff --base`: a folder, or a git revision read
//! into a temporary folder with `git ls-tree` and one `git cat-file
//! --batch`, so the user's work tree, index and branches are never touched.
//! A tree entry that is not a plain file name (`..`, `.`) makes the whole
//! base invalid before anything is written.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the base rule set of `diff --base` could not be had. Printed as
/// the one error of the run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaseError {
    #[error("`{spec}` is not a rules folder: it has no responses.toml{}", nested_hint(.nested))]
    NotRulesFolder {
        spec: String,
        /// Its `rules/` subfolder, when that one is a rules folder.
        nested: Option<PathBuf>,
    },
    #[error("cannot make a temporary folder: {0}")]
    TempDir(#[source] io::Error),
    #[error("cannot read `{}`: {source}", .rules.display())]
    RulesFolder {
        rules: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "`{rev}` is neither a folder nor a git revision of the repository holding `{}`: {source}",
        .rules.display()
    )]
    NotARevision {
        rev: String,
        rules: PathBuf,
        #[source]
        source: GitError,
    },
    #[error("`{}` is outside its git repository", .rules.display())]
    OutsideRepository { rules: PathBuf },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("the base `{rev}` is invalid, nothing was read from it: {source}")]
    InvalidTree {
        rev: String,
        #[source]
        source: TreeError,
    },
    #[error("`{rel}` does not exist at revision `{rev}`")]
    Missing { rel: String, rev: String },
    #[error(
        "the base `{rev}` is invalid: its rules folder holds more than {} MiB",
        MAX_BASE_BYTES >> 20
    )]
    TooLarge { rev: String },
    #[error("cannot read `{}` from git: {source}", .name.escape_debug())]
    Blob {
        name: String,
        #[source]
        source: BlobError,
    },
    #[error("cannot write `{}`: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn nested_hint(nested: &Option<PathBuf>) -> String {
    match nested {
        Some(p) => format!("; did you mean `{}`?", p.display()),
        None => String::new(),
    }
}

/// A git command that could not run or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] io::Error),
    #[error("cannot run git: no pipe to `git cat-file`")]
    NoPipe,
    /// What git said when it failed.
    #[error("{0}")]
    Failed(String),
    #[error("it does not name a commit")]
    NotACommit,
}

/// A `git ls-tree` listing that refuses the whole base: an entry whose
/// name could leave the rules folder was crafted, not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    #[error("unexpected `git ls-tree` line {0:?}")]
    Line(String),
    #[error("its tree has an entry `{}` outside `{rel}`", .name.escape_debug())]
    Outside { name: String, rel: String },
    #[error(
        "its tree has an entry `{}` whose component `{}` is not a plain file name",
        .name.escape_debug(),
        .part.escape_debug()
    )]
    NotPlain { name: String, part: String },
    #[error("its tree has an entry `{}` with no file name", .name.escape_debug())]
    NoFileName { name: String },
}

/// A `git cat-file --batch` answer that is not the blob asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The answer's header, as written.
    #[error("unexpected answer {0:?}")]
    Answer(String),
    #[error(
        "it is {size} bytes, more than the limit of {} bytes",
        crate::files::MAX_FILE_BYTES
    )]
    TooLarge { size: u64 },
    #[error("the answer ended early")]
    EndedEarly,
}

/// The base rules folder: `spec` itself when it is a folder, otherwise the
/// current rules folder as it was at git revision `spec`, written into a
/// temporary folder that lives as long as the returned guard.
pub fn base_rules(
    spec: &str,
    rules: &Path,
) -> Result<(PathBuf, Option<tempfile::TempDir>), BaseError> {
    let as_dir = Path::new(spec);
    if as_dir.is_dir() {
        if !as_dir.join("responses.toml").is_file() {
            let nested = as_dir.join("rules");
            return Err(BaseError::NotRulesFolder {
                spec: spec.to_string(),
                nested: nested.join("responses.toml").is_file().then_some(nested),
            });
        }
        return Ok((as_dir.to_path_buf(), None));
    }
    let tmp = tempfile::Builder::new()
        .prefix("sanctions-trigger-base-")
        .tempdir()
        .map_err(BaseError::TempDir)?;
    let dest = tmp.path().join("rules");
    export_from_git(spec, rules, &dest)?;
    Ok((dest, Some(tmp)))
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(GitError::Spawn)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(GitError::Failed(err.trim().to_string()));
    }
    Ok(out.stdout)
}

/// Writes the files under `rules` at revision `rev` into `dest`. Every
/// entry name is checked before anything is written: a tree is
/// attacker-controlled, and git accepts entries named `..`.
fn export_from_git(rev: &str, rules: &Path, dest: &Path) -> Result<(), BaseError> {
    let not_rev = |source| BaseError::NotARevision {
        rev: rev.to_string(),
        rules: rules.to_path_buf(),
        source,
    };
    let rules_abs = rules
        .canonicalize()
        .map_err(|source| BaseError::RulesFolder {
            rules: rules.to_path_buf(),
            source,
        })?;
    let top = git(&rules_abs, &["rev-parse", "--show-toplevel"]).map_err(not_rev)?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = top.canonicalize().unwrap_or(top);
    let rel = rules_abs
        .strip_prefix(&top)
        .map_err(|_| BaseError::OutsideRepository {
            rules: rules.to_path_buf(),
        })?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    let commit = resolve_commit(&top, rev).map_err(not_rev)?;
    let spec = if rel.is_empty() { "." } else { rel.as_str() };
    let list = git(
        &top,
        &[
            "--literal-pathspecs",
            "ls-tree",
            "-r",
            "-z",
            &commit,
            "--",
            spec,
        ],
    )?;
    let entries = tree_entries(&list, &rel).map_err(|source| BaseError::InvalidTree {
        rev: rev.to_string(),
        source,
    })?;
    if entries.is_empty() {
        return Err(BaseError::Missing {
            rel,
            rev: rev.to_string(),
        });
    }
    // Each blob is written as it is read, so memory holds one at a time;
    // the total is bounded so a crafted tree cannot fill the disk.
    let mut total: u64 = 0;
    read_blobs(&top, &entries, |entry, bytes| {
        total += bytes.len() as u64;
        if total > MAX_BASE_BYTES {
            return Err(BaseError::TooLarge {
                rev: rev.to_string(),
            });
        }
        let path = dest.join(&entry.inner);
        write_new(&path, &bytes).map_err(|source| BaseError::Write { path, source })
    })
}

/// The most bytes a base revision's rules folder may hold in all.
const MAX_BASE_BYTES: u64 = 1 << 30;

/// The commit a revision names, as an object id. The revision is passed
/// as written (so `:/message` and `@{-1}` work) after `--end-of-options`
/// (so `--output=…` is not an option), then peeled to a commit.
fn resolve_commit(top: &Path, rev: &str) -> Result<String, GitError> {
    let oid = git(top, &["rev-parse", "--verify", "--end-of-options", rev])?;
    let oid = String::from_utf8_lossy(&oid).trim().to_string();
    let commit = git(
        top,
        &["rev-parse", "--verify", &format!("{oid}^{{commit}}")],
    )
    .map_err(|_| GitError::NotACommit)?;
    Ok(String::from_utf8_lossy(&commit).trim().to_string())
}

/// A file of the base's rules folder: its object id, its name in the
/// tree (for messages) and its path under the folder.
struct Entry {
    oid: String,
    name: String,
    inner: PathBuf,
}

/// Parses `git ls-tree -r -z` output, keeping blobs (a submodule has no
/// files to read). Any name that could leave the folder refuses the whole
/// tree: a base with such an entry was crafted, not written.
fn tree_entries(list: &[u8], rel: &str) -> Result<Vec<Entry>, TreeError> {
    let mut out = Vec::new();
    for record in list.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let bad = || TreeError::Line(record.to_string());
        let (head, name) = record.split_once('\t').ok_or_else(bad)?;
        let mut fields = head.split(' ');
        let (_mode, kind, oid) = match (fields.next(), fields.next(), fields.next()) {
            (Some(m), Some(k), Some(o)) => (m, k, o),
            _ => return Err(bad()),
        };
        let inner = inner_path(name, rel)?;
        if kind == "blob" {
            out.push(Entry {
                oid: oid.to_string(),
                name: name.to_string(),
                inner,
            });
        }
    }
    Ok(out)
}

/// The path of tree entry `name` under the rules folder `rel`, when each
/// of its components is a plain file name.
fn inner_path(name: &str, rel: &str) -> Result<PathBuf, TreeError> {
    use std::path::Component;
    let mut parts = name.split('/');
    for want in rel.split('/').filter(|r| !r.is_empty()) {
        if parts.next() != Some(want) {
            return Err(TreeError::Outside {
                name: name.to_string(),
                rel: rel.to_string(),
            });
        }
    }
    let mut inner = PathBuf::new();
    for part in parts {
        let mut components = Path::new(part).components();
        let plain = matches!(components.next(), Some(Component::Normal(n)) if n == part)
            && components.next().is_none()
            && !(cfg!(windows) && part.contains(['\\', ':']));
        if !plain {
            return Err(TreeError::NotPlain {
                name: name.to_string(),
                part: part.to_string(),
            });
        }
        inner.push(part);
    }
    if inner.as_os_str().is_empty() {
        return Err(TreeError::NoFileName {
            name: name.to_string(),
        });
    }
    Ok(inner)
}

/// Hands the contents of every entry to `write`, in order, read through
/// one `git cat-file --batch`.
fn read_blobs(
    top: &Path,
    entries: &[Entry],
    mut write: impl FnMut(&Entry, Vec<u8>) -> Result<(), BaseError>,
) -> Result<(), BaseError> {
    use std::io::{BufReader, Write};
    use std::process::Stdio;
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(GitError::Spawn)?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(GitError::NoPipe.into());
    };
    // Written from a thread: git answers while it reads, and a full pipe
    // each way would deadlock.
    let request: String = entries.iter().map(|e| format!("{}\n", e.oid)).collect();
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut stdout = BufReader::new(stdout);
    let result = entries.iter().try_for_each(|e| {
        let blob = read_blob(&mut stdout).map_err(|source| BaseError::Blob {
            name: e.name.clone(),
            source,
        })?;
        write(e, blob)
    });
    drop(stdout);
    let _ = writer.join();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// One answer of `git cat-file --batch`: `OID TYPE SIZE\n`, the bytes, `\n`.
fn read_blob(r: &mut impl std::io::BufRead) -> Result<Vec<u8>, BlobError> {
    use std::io::Read;
    let mut header = String::new();
    r.read_line(&mut header)?;
    let size = match header.trim_end().split(' ').collect::<Vec<_>>()[..] {
        [_, "blob", size] => size
            .parse::<u64>()
            .map_err(|_| BlobError::Answer(header.clone()))?,
        _ => return Err(BlobError::Answer(header.trim_end().to_string())),
    };
    if size > crate::files::MAX_FILE_BYTES {
        return Err(BlobError::TooLarge { size });
    }
    let mut bytes = Vec::new();
    r.by_ref().take(size + 1).read_to_end(&mut bytes)?;
    if bytes.pop() != Some(b'\n') || bytes.len() as u64 != size {
        return Err(BlobError::EndedEarly);
    }
    Ok(bytes)
}

/// Creates a file that must not exist yet, with its folders.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_under_the_rules_folder_are_entries() {
        assert_eq!(
            inner_path("rules/lib/a.rhai", "rules").unwrap(),
            Path::new("lib").join("a.rhai")
        );
        assert_eq!(inner_path("a.rhai", "").unwrap(), Path::new("a.rhai"));
        for bad in [
            "rules/../x.rhai",
            "rules/./x.rhai",
            "rules//x.rhai",
            "rules/a/..",
            "rules",
            "other/x.rhai",
        ] {
            assert!(inner_path(bad, "rules").is_err(), "{bad}");
        }
        assert!(inner_path("/etc/passwd", "").is_err());
    }
}
