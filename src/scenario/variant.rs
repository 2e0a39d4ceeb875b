//! Variants: a scenario that `extends` another, its base, and changes it.
//! The variant's values win over its base's, its events replace the base
//! events that have the same `id`, and `[[drop]]` removes base events. A
//! base is read only from inside the scenario tree or the working folder,
//! along a chain of at most [`MAX_EXTENDS`] files without a cycle, and its
//! problems are reported without its text.

use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::node::{Map, Node};
use super::parse::{Parser, Raw, load_raw};
use super::{MAX_EVENTS, Named, ParseOptions};
use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean};
use crate::vocabulary::Vocabulary;

/// Deepest `extends` chain followed before assuming something is wrong.
const MAX_EXTENDS: usize = 32;

/// The `extends` chain being followed: the files so far (canonical), the
/// folder the first was found under, and the time zone a variant above
/// the file being read sets (it overrides the file's own); with what the
/// reader of the first file allows.
pub(super) struct Chain<'r> {
    files: Vec<PathBuf>,
    root: Option<&'r Path>,
    pub(super) zone: Option<Tz>,
    /// Whether `extends` may be followed at all.
    pub(super) extends: bool,
    /// The folder the first file's `extends` is relative to, when it is
    /// not the file's own (text that is no file has none).
    anchor: Option<PathBuf>,
    /// Whether a base may also lie in the working folder's tree.
    working_folder: bool,
    /// The most events one file may have.
    pub(super) max_events: usize,
    /// Whether the first file's path is a file on disk (text read from
    /// memory has a name only).
    on_disk: bool,
    /// The vocabulary every file of the chain is checked against.
    pub(super) vocab: Option<&'r Vocabulary>,
}

impl<'r> Chain<'r> {
    /// The chain of a file found under `root` (`None`: no folder was given).
    pub(super) fn new(root: Option<&'r Path>) -> Self {
        Chain {
            files: Vec::new(),
            root,
            zone: None,
            extends: true,
            anchor: None,
            working_folder: true,
            max_events: MAX_EVENTS,
            on_disk: true,
            vocab: None,
        }
    }

    /// The chain, its files checked against `vocab`.
    pub(super) fn with_vocabulary(mut self, vocab: Option<&'r Vocabulary>) -> Self {
        self.vocab = vocab;
        self
    }

    /// The chain of text that is no file, read with `opts`: `extends`
    /// only when they allow it, from their base folder only (or the
    /// working folder when they name none).
    pub(super) fn for_text(opts: &'r ParseOptions) -> Self {
        let base = opts.base_folder.as_deref();
        Chain {
            files: Vec::new(),
            root: base,
            zone: None,
            extends: opts.extends,
            // Text has a name, not a folder: without a base folder, the
            // working folder.
            anchor: Some(base.map_or_else(PathBuf::new, Path::to_path_buf)),
            working_folder: base.is_none(),
            max_events: opts.max_events.min(MAX_EVENTS),
            on_disk: false,
            vocab: opts.vocabulary.as_deref(),
        }
    }
}

/// Loads the base a variant `extends`, after checking that it may be read;
/// its offset date-times count in `zone` when the variant has one.
pub(super) fn load_base(
    src: &SourceText,
    (base_name, span): (String, Range<usize>),
    chain: &mut Chain<'_>,
    zone: Option<Tz>,
) -> Result<(Raw, PathBuf), Vec<Diagnostic>> {
    // The first file's `extends` is relative to its anchor, if it has one;
    // a base's, to the base's own folder.
    let anchor = chain.anchor.take();
    let (base_path, key) =
        locate(src, &base_name, &span, anchor.as_deref(), chain).map_err(|d| vec![d])?;
    let chain_files = &mut chain.files;
    if chain_files.is_empty()
        && chain.on_disk
        && let Ok(me) = src.path.canonicalize()
    {
        chain_files.push(me);
    }
    if chain_files.contains(&key) {
        return Err(vec![
            src.error(
                span,
                format!("`extends` cycle: `{base_name}` extends this file again"),
            )
            .with_code(Code::ExtendsCycle),
        ]);
    }
    if chain_files.len() >= MAX_EXTENDS {
        return Err(vec![
            src.error(span, "`extends` chain is too deep")
                .with_code(Code::LimitExceeded),
        ]);
    }
    chain_files.push(key);
    let above = std::mem::replace(&mut chain.zone, zone);
    let base = load_raw(&base_path, chain);
    chain.zone = above;
    chain.files.pop();
    // The base's problems keep their file, position and message but lose
    // their source lines: a file that is not a scenario (a credentials file
    // named `*.toml`) must not have its contents printed through `extends`.
    let base = base.map_err(|ds| {
        let mut out: Vec<Diagnostic> = ds
            .into_iter()
            .map(|mut d| {
                d.source = None;
                d.span = None;
                d
            })
            .collect();
        out.push(
            src.error(
                span.clone(),
                format!("base scenario `{base_name}` does not load"),
            )
            .with_code(Code::BaseInvalid)
            .with_help(format!(
                "run `sanctions-trigger check {}` to see its problems",
                base_path.display()
            )),
        );
        out
    })?;
    Ok((base, base_path))
}

/// The base `base_name` of the variant `src`, as messages show its path
/// and as its canonical path, once it is known to be a scenario file in a
/// folder a base may come from.
fn locate(
    src: &SourceText,
    base_name: &str,
    span: &Range<usize>,
    anchor: Option<&Path>,
    chain: &Chain<'_>,
) -> Result<(PathBuf, PathBuf), Diagnostic> {
    let root = chain.root;
    // Scenario files only: `extends` must not become a way to read (and,
    // through error snippets, print) other files.
    if !base_name.ends_with(".toml") {
        return Err(src
            .error(
                span.clone(),
                format!("`extends` names `{base_name}`, which is not a `.toml` scenario file"),
            )
            .with_code(Code::ExtendsRefused)
            .with_help(
                "a variant extends another scenario file, such as `extends = \"../base.toml\"`",
            ));
    }
    let dir = anchor.unwrap_or_else(|| src.path.parent().unwrap_or(Path::new("")));
    let base_path = lexical(&dir.join(base_name));
    // A base lives beside the variant (in its folder or below), under the
    // folder the scenario was found in, or in the working folder's tree:
    // never elsewhere on the machine. Checked nearest first, so the common
    // case costs one resolution.
    let inside = |key: &Path| {
        let within = |root: &Path| {
            let root = if root.as_os_str().is_empty() {
                Path::new(".")
            } else {
                root
            };
            root.canonicalize().is_ok_and(|r| key.starts_with(r))
        };
        within(dir)
            || root.is_some_and(within)
            || chain.working_folder && std::env::current_dir().is_ok_and(|cwd| within(&cwd))
    };
    let key = base_path.canonicalize().map_err(|e| {
        src.error(
            span.clone(),
            format!("cannot read base scenario `{base_name}`: {e}"),
        )
        .with_code(Code::ExtendsNotFound)
        .with_help_opt(nearest_base(base_name, &base_path, &inside))
    })?;
    if !inside(&key) {
        return Err(outside(src, span, base_name, root, chain.working_folder));
    }
    Ok((base_path, key))
}

/// ``did you mean `../istanbul.toml`?`` for a base that does not exist:
/// the closest name among the `.toml` files of the folder it names, when
/// that folder is one a base may come from (the names of files elsewhere
/// are not shown).
fn nearest_base(
    base_name: &str,
    base_path: &Path,
    inside: &dyn Fn(&Path) -> bool,
) -> Option<String> {
    let folder = base_path.parent()?;
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    if !folder.canonicalize().is_ok_and(|f| inside(&f)) {
        return None;
    }
    let wanted = base_path.file_name()?.to_str()?;
    let names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml") && crate::printable::first_unsafe(n, false).is_none())
        .collect();
    let best = names
        .iter()
        .map(|n| (strsim::jaro_winkler(wanted, n), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?
        .1;
    // Written as the user wrote the path, with only the file name changed.
    let prefix = base_name.rfind('/').map_or("", |i| &base_name[..=i]);
    Some(format!("did you mean `{prefix}{best}`?"))
}

/// The error for a base outside the folders a base may come from.
fn outside(
    src: &SourceText,
    span: &Range<usize>,
    base_name: &str,
    root: Option<&Path>,
    working_folder: bool,
) -> Diagnostic {
    let (message, help) = match root {
        Some(root) if !working_folder => (
            format!(
                "base scenario `{base_name}` is outside the base folder `{}`",
                root.display()
            ),
            "a base must lie under the base folder the scenario is read with",
        ),
        Some(root) => {
            let shown = root.display().to_string();
            let shown = if shown.is_empty() { "." } else { &shown };
            (
                format!(
                    "base scenario `{base_name}` is outside the scenario folder `{shown}` \
                     and the working folder"
                ),
                "a base must lie under the scenario folder given on the command line or \
                 the working folder; give the folder that holds both the variant and its \
                 base, such as `test scenarios/`",
            )
        }
        None => (
            format!(
                "base scenario `{base_name}` is outside this scenario's folder and the \
                 working folder"
            ),
            "keep a variant's base in the scenario tree, such as `extends = \"../base.toml\"`",
        ),
    };
    src.error(span.clone(), message)
        .with_code(Code::ExtendsRefused)
        .with_help(help)
}

/// The variant `raw` over its `base`, less the base events `drops` names.
pub(super) fn merge_variant(
    raw: Raw,
    mut base: Raw,
    base_path: PathBuf,
    drops: Vec<Named>,
) -> Result<Raw, Vec<Diagnostic>> {
    let src = raw.source.clone();
    let mut diags = Vec::new();
    for d in &drops {
        let before = base.events.len();
        base.events.retain(|e| e.id.as_deref() != Some(&d.name));
        if base.events.len() == before {
            let known = base.events.iter().filter_map(|e| e.id.as_deref());
            diags.push(
                src.error(
                    d.span.clone(),
                    format!(
                        "`[[drop]]` names `{}`, which no base event has as `id`",
                        d.name
                    ),
                )
                .with_code(Code::UnknownEventId)
                .with_help_opt(did_you_mean(&d.name, known)),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    for e in raw.events {
        let slot =
            e.id.as_ref()
                .and_then(|id| base.events.iter_mut().find(|b| b.id.as_ref() == Some(id)));
        match slot {
            Some(b) => *b = e,
            None => base.events.push(e),
        }
    }
    for (k, v) in raw.facts.fields {
        base.facts.set(k, v);
    }
    for (k, v) in raw.actors.fields {
        base.actors.set(k, v);
    }
    for (k, v) in raw.meta.fields {
        base.meta.set(k, v);
    }
    Ok(Raw {
        source: src,
        title: raw.title.or(base.title),
        // The id is the variant's own: inheriting the base's would clash.
        id: raw.id,
        as_of: raw.as_of.or(base.as_of),
        description: raw.description.or(base.description),
        sources: raw.sources.or(base.sources),
        tags: raw.tags.or(base.tags),
        meta: base.meta,
        facts: base.facts,
        actors: base.actors,
        events: base.events,
        expect: raw.expect,
        bases: std::iter::once(base_path).chain(base.bases).collect(),
        zone: raw.zone.or(base.zone),
    })
}

impl Parser<'_> {
    /// The ids of `[[drop]]`.
    pub(super) fn drops<N: Node>(&mut self, item: &N) -> Vec<Named> {
        let mut drops = Vec::new();
        for d in self.array(item, "drop").into_iter().flatten() {
            if let Some(t) = self.table(d, "drop") {
                self.known_keys(t, &["id"], "[[drop]]");
                match t.get("id") {
                    Some(v) => {
                        if let Some(s) = self.string(v, "drop.id") {
                            drops.push(Named {
                                name: s,
                                span: v.span(),
                            });
                        }
                    }
                    None => self.err(
                        Code::MissingField,
                        d.span(),
                        "`[[drop]]` needs an `id`",
                        None,
                    ),
                }
            }
        }
        drops
    }
}

/// The error for `[[drop]]` in a file that extends nothing.
pub(super) fn drop_outside_variant(source: &SourceText, drops: &[Named]) -> Option<Diagnostic> {
    let first = drops.first()?;
    Some(
        source
            .error(
                first.span.clone(),
                "`[[drop]]` only makes sense in a variant",
            )
            .with_code(Code::DropOutsideVariant)
            .with_help("add `extends = \"base.toml\"` under `[scenario]`"),
    )
}

/// `a/b/../c` → `a/c`, without touching the file system, so paths in
/// messages read as the user would write them.
fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}
