//! Writing a file so that a crash, a full disk or a kill at any moment
//! leaves either the old contents or the new, never a mix: the bytes go to
//! a temporary file in the same folder (same file system, so the rename is
//! atomic), are flushed to disk, and the temporary file is renamed over the
//! target. The target's permissions are kept. A process killed before the
//! rename leaves its temporary file (`.sanctions-trigger-tmp-XXXXXX.tmp`);
//! the next write into that folder removes those older than
//! [`STALE_AFTER`], which no live writer can still be using.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

const TMP_PREFIX: &str = ".sanctions-trigger-tmp-";
const TMP_SUFFIX: &str = ".tmp";
/// Random characters in a temporary file's name (tempfile's default).
const TMP_RANDOM: usize = 6;
/// Age past which a temporary file is left over from a killed process: a
/// write takes milliseconds.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Folders already cleaned by this process, so that blessing a thousand
/// files in one folder lists it once.
static CLEANED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Whether `name` is one of our temporary files' names.
fn is_ours(name: &str) -> bool {
    name.strip_prefix(TMP_PREFIX)
        .and_then(|n| n.strip_suffix(TMP_SUFFIX))
        .is_some_and(|r| r.len() == TMP_RANDOM && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Removes our temporary files older than [`STALE_AFTER`] from `dir`,
/// once per folder per process. Failures are ignored: cleaning is a
/// courtesy, never a reason not to write.
fn remove_stale(dir: &Path) {
    if let Ok(mut cleaned) = CLEANED.lock()
        && !cleaned.get_or_insert_default().insert(dir.to_path_buf())
    {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().to_str().is_some_and(is_ours)
            && e.metadata().is_ok_and(|m| {
                m.file_type().is_file()
                    && m.modified()
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > STALE_AFTER)
            });
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Why a file could not be replaced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    #[error("the file is read-only")]
    ReadOnly,
    #[error("cannot create a temporary file in `{}`: {source}", .dir.display())]
    TempFile {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Resolving the path, writing, flushing or renaming failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Replaces `path` with `bytes` atomically. A symbolic link is written
/// through (its target is replaced, the link stays), and a read-only file
/// is refused rather than replaced behind its mode's back.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let target = match std::fs::canonicalize(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e.into()),
    };
    let path = target.as_path();
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(WriteError::ReadOnly);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    remove_stale(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .rand_bytes(TMP_RANDOM)
        .tempfile_in(dir)
        .map_err(|source| WriteError::TempFile {
            dir: dir.to_path_buf(),
            source,
        })?;
    tmp.write_all(bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    // A crash between writing and renaming, on demand, so a test can prove
    // that the target is untouched until the rename. Only in builds with
    // debug assertions, which is what `cargo test` runs its binary as: a
    // release build has no such switch, and a test-only cargo feature
    // would have to be enabled by hand for the integration test to run.
    #[cfg(debug_assertions)]
    if std::env::var_os("SANCTIONS_TRIGGER_CRASH_BEFORE_RENAME").is_some() {
        std::process::abort();
    }
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself is durable only once the folder is synced; where
    // folders cannot be opened (Windows), the rename is still atomic.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_our_temporary_files_are_ours() {
        assert!(is_ours(".sanctions-trigger-tmp-aB3xY9.tmp"));
        for name in [
            ".sanctions-trigger-tmp-aB3xY9.toml",
            ".sanctions-trigger-tmp-notes.tmp",
            ".sanctions-trigger-tmp-a/b/c.tmp",
            "sanctions-trigger-tmp-aB3xY9.tmp",
            "talks.toml",
        ] {
            assert!(!is_ours(name), "{name}");
        }
    }

    #[test]
    fn replaces_the_contents_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "old").unwrap();
        write(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.toml")]);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_refuses_a_read_only_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.toml");
        let link = dir.path().join("link.toml");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink("target.toml", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = write(&target, b"newer").unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&p, b"new").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
