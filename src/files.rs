//! Walking folders for input files in a deterministic (sorted) order,
//! skipping hidden entries, and giving each file an id: its path under the
//! folder, `/`-separated, without the extension. A walk stays inside its
//! tree: a symbolic link (to a file or a folder) that resolves outside it is
//! a diagnostic and is never followed, so a link to `/proc`, `/` or a
//! credentials file is neither read nor walked. Reading an input file
//! (scenario, rule, catalogue) lives here too: regular files only, of a
//! bounded size, as UTF-8 text.

use std::collections::TryReserveError;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, SourceText};
use crate::printable;

/// Folders deeper than this are assumed to be a symlink loop.
const MAX_DEPTH: usize = 64;

/// The largest input file read (scenario, rule, catalogue, git blob): a
/// larger one is refused before it is read, so a stray disk image or a
/// crafted base revision cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why the bytes of an input file could not be read. Each message names
/// the problem only: it is shown as a diagnostic on the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("cannot read file: {0}")]
    Io(#[source] io::Error),
    #[error("cannot read file: not a regular file")]
    NotAFile,
    #[error(
        "cannot read file: it is {size} bytes, more than the limit of {} MiB",
        MAX_FILE_BYTES >> 20
    )]
    TooLarge { size: u64 },
    /// A size that fits the limit but not in memory.
    #[error("cannot read file: {0}")]
    NoMemory(#[source] TryReserveError),
    #[error(
        "cannot read file: its size changed while it was read, or it is not a file on disk \
         (a /proc or /sys file?); its contents were not used"
    )]
    SizeChanged,
}

/// Reads a file as UTF-8 text, without a byte-order mark.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = read_bytes(path).map_err(|e| {
        let code = match e {
            ReadError::TooLarge { .. } => Code::LimitExceeded,
            _ => Code::ReadFailed,
        };
        Diagnostic::error(Some(path), e.to_string()).with_code(code)
    })?;
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let src = SourceText::new(path, valid);
            let (line, column) = src.line_col(at);
            // The invalid bytes cannot be shown: the position only.
            Err(Diagnostic::error(Some(path), "file is not valid UTF-8")
                .with_code(Code::InvalidEncoding)
                .with_help("save the file as UTF-8")
                .at(line, column))
        }
    }
}

/// The bytes of a regular file. Anything else is refused: opening a FIFO
/// blocks forever, and a device such as /dev/zero never ends. A file
/// larger than [`MAX_FILE_BYTES`] is refused before it is read, and one
/// that yields more or fewer bytes than its size (a `/proc` or `/sys`
/// file reports 0) is refused without its contents ever being parsed or
/// shown: such contents are not a file the user wrote.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    // On Unix, opening without blocking makes a FIFO safe to open, so the
    // check goes through the handle: one `stat` per file instead of two.
    #[cfg(unix)]
    let (mut file, meta) = {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(ReadError::Io)?;
        let meta = file.metadata().map_err(ReadError::Io)?;
        (file, meta)
    };
    // Elsewhere the path is checked before it is opened.
    #[cfg(not(unix))]
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    #[cfg(not(unix))]
    let mut file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { size });
    }
    // A file too large for memory is an error, not an abort.
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(size as usize + 1)
        .map_err(ReadError::NoMemory)?;
    // One byte more than the size tells a file that grew (or a /proc file
    // that reports 0) from one that did not. Through `Take`:
    // `File::read_to_end` would ask the system for the size again.
    file.by_ref()
        .take(size + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 != size {
        return Err(ReadError::SizeChanged);
    }
    Ok(bytes)
}

/// The folder a walk's links must stay inside, and how messages name it.
pub struct Within {
    /// Canonical path; `None` when the folder cannot be resolved (then the
    /// walk finds nothing to follow either).
    canonical: Option<PathBuf>,
    label: String,
}

impl Within {
    /// Links must resolve under `dir`, named `label` in messages.
    pub fn new(dir: &Path, label: impl Into<String>) -> Within {
        Within {
            canonical: dir.canonicalize().ok(),
            label: label.into(),
        }
    }

    /// Links must resolve under `dir`, named by its path in messages.
    pub fn folder(dir: &Path) -> Within {
        let shown = dir.display().to_string();
        Within::new(dir, format!("`{}`", shown.trim_end_matches(['/', '\\'])))
    }

    /// The diagnostic for `path`, a link to a `what` (file or folder),
    /// when it resolves outside the folder; `None` when it stays inside or
    /// cannot be resolved (reading it then reports why).
    pub fn escape(&self, path: &Path, what: &str) -> Option<Diagnostic> {
        let target = path.canonicalize().ok()?;
        if self
            .canonical
            .as_ref()
            .is_some_and(|c| target.starts_with(c))
        {
            return None;
        }
        Some(
            Diagnostic::error(
                Some(path),
                format!(
                    "`{}` is a link to a {what} outside {} (`{}`)",
                    path.display(),
                    self.label,
                    target.display()
                ),
            )
            .with_code(Code::LinkOutside)
            .with_help("links may point only inside the folder tree; copy it in instead"),
        )
    }
}

/// Files under `root` whose extension is `ext`, with their ids, sorted.
/// `skip` is called with each folder's id and leaves it out when true.
pub fn walk(
    root: &Path,
    within: &Within,
    ext: &str,
    skip: &dyn Fn(&str) -> bool,
) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
    let (out, diags, _) = walk_links(root, within, ext, skip);
    (out, diags)
}

/// [`walk`], and whether it met a symbolic link: without one, no two of
/// the paths it returns are the same file.
pub fn walk_links(
    root: &Path,
    within: &Within,
    ext: &str,
    skip: &dyn Fn(&str) -> bool,
) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>, bool) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut walk = Walk {
        root,
        within,
        ext,
        skip,
        out: &mut out,
        diags: &mut diags,
        ancestors: Vec::new(),
        links: false,
    };
    walk.visit(root, 0);
    let links = walk.links;
    out.retain(|(path, id)| match printable::first_unsafe(id, false) {
        None => true,
        Some(c) => {
            diags.push(unsafe_name(root, path, id, c));
            false
        }
    });
    (out, diags, links)
}

/// A file whose name (or a folder's on its way) holds a character that
/// could drive or deceive the terminal: its id and file name would be
/// printed by every verb, so it is refused and named escaped.
fn unsafe_name(root: &Path, path: &Path, id: &str, c: char) -> Diagnostic {
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let shown = root.join(format!("{}{ext}", printable::escape(id, false)));
    Diagnostic::error(
        Some(&shown),
        format!(
            "file name contains {}, which could change what the terminal shows",
            printable::describe(c)
        ),
    )
    .with_code(Code::UnsafeName)
    .with_help("rename the file (or its folder) without control or text-direction characters")
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

/// One walk: where it started, what it found, and the folders (by their
/// canonical path) it is inside of, so that a symlink loop is reported
/// instead of followed until the OS gives up (with two links back to a
/// parent, that is 2^40 folders).
struct Walk<'a> {
    root: &'a Path,
    within: &'a Within,
    ext: &'a str,
    skip: &'a dyn Fn(&str) -> bool,
    out: &'a mut Vec<(PathBuf, String)>,
    diags: &'a mut Vec<Diagnostic>,
    /// Canonical path and path as walked of each folder being searched.
    ancestors: Vec<(PathBuf, PathBuf)>,
    /// Whether a symbolic link was met.
    links: bool,
}

impl Walk<'_> {
    fn visit(&mut self, dir: &Path, depth: usize) {
        if depth > MAX_DEPTH {
            self.diags.push(
                Diagnostic::error(Some(dir), "folders nested too deep (a symlink loop?)")
                    .with_code(Code::SymlinkLoop),
            );
            return;
        }
        let canonical = dir.canonicalize().ok();
        if let Some(canonical) = &canonical {
            if let Some((_, outer)) = self.ancestors.iter().find(|(c, _)| c == canonical) {
                self.diags.push(
                    Diagnostic::error(
                        Some(dir),
                        format!(
                            "symlink loop: this folder leads back to {}",
                            outer.display()
                        ),
                    )
                    .with_code(Code::SymlinkLoop)
                    .with_help("remove the link, or point it outside the folder tree"),
                );
                return;
            }
            self.ancestors.push((canonical.clone(), dir.to_path_buf()));
        }
        self.visit_entries(dir, depth);
        if canonical.is_some() {
            self.ancestors.pop();
        }
    }

    fn visit_entries(&mut self, dir: &Path, depth: usize) {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(Some(dir), format!("cannot read folder: {e}"))
                        .with_code(Code::ReadFailed),
                );
                return;
            }
        };
        // The entry's type comes with the listing; only a link needs a
        // `stat` of its own to tell a folder from a file.
        let mut entries: Vec<(PathBuf, Option<std::fs::FileType>)> = entries
            .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type().ok())))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, kind) in entries {
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            let link = kind.is_none_or(|k| k.is_symlink());
            let is_dir = match kind {
                Some(k) if !k.is_symlink() => k.is_dir(),
                _ => path.is_dir(),
            };
            let wanted = is_dir || path.extension().is_some_and(|e| e == self.ext);
            if link && wanted {
                // Only links pay for resolving the path, so the walk of a
                // tree without links stays one `readdir` per folder.
                self.links = true;
                let what = if is_dir { "folder" } else { "file" };
                if let Some(d) = self.within.escape(&path, what) {
                    self.diags.push(d);
                    continue;
                }
            }
            if is_dir {
                if !(self.skip)(&rel(self.root, &path)) {
                    self.visit(&path, depth + 1);
                }
            } else if path.extension().is_some_and(|e| e == self.ext) {
                let id = id_of(self.root, &path);
                self.out.push((path, id));
            }
        }
    }
}
