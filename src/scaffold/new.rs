//! `new rule PATH --response ID` and `new scenario PATH [--extends BASE]`:
//! one file from a template, which `check` accepts as it is. A rule's id
//! is its path under the rules folder, so the path must lie there; the
//! response must be in the catalogue; an existing file is replaced only
//! with `--force`.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Written, create, link_refused, normalize, relative, templates};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::files;
use crate::rules::catalogue::Catalogue;

/// What `new rule` is asked for.
#[derive(Debug)]
pub struct NewRule<'a> {
    /// The rules folder (`--rules`).
    pub rules: &'a Path,
    /// The file to write, under `rules`.
    pub path: &'a Path,
    /// The response the rule fires.
    pub response: &'a str,
    /// Replace an existing file.
    pub force: bool,
}

/// What `new scenario` is asked for.
#[derive(Debug)]
pub struct NewScenario<'a> {
    /// The rules folder (`--rules`), whose catalogue names a response in
    /// the commented-out expectation.
    pub rules: &'a Path,
    /// The file to write.
    pub path: &'a Path,
    /// The base scenario of a variant.
    pub extends: Option<&'a Path>,
    /// Replace an existing file.
    pub force: bool,
    /// The date written as `as_of` in a scenario that is not a variant.
    pub today: chrono::NaiveDate,
}

/// Writes a rule that fires `response` and is quiet until written.
pub fn new_rule(a: &NewRule) -> Result<Written, Diagnostic> {
    let path = with_extension(a.path, "rhai")?;
    let rules = normalize(a.rules);
    let rel = normalize(&path)
        .strip_prefix(&rules)
        .map(Path::to_path_buf)
        .map_err(|_| {
            Diagnostic::error(
                Some(&path),
                format!(
                    "`{}` is not under the rules folder `{}`",
                    path.display(),
                    a.rules.display()
                ),
            )
            .with_code(Code::BadPath)
            .with_help(format!(
                "a rule's id is its path under the rules folder: write `{}/<id>.rhai` (or pass `--rules DIR`)",
                a.rules.display()
            ))
        })?;
    if rel.starts_with("lib") || rel.starts_with("..") {
        return Err(Diagnostic::error(
            Some(&path),
            format!(
                "`{}` is under `lib/`, which holds helpers, not rules",
                path.display()
            ),
        )
        .with_code(Code::BadPath)
        .with_help("put the rule beside the others, outside `lib/`"));
    }
    let catalogue_path = a.rules.join("responses.toml");
    let (catalogue, diags) = Catalogue::load(&catalogue_path);
    if catalogue.get(a.response).is_none() {
        if let Some(d) = diags.into_iter().find(|d| d.is_error()) {
            return Err(d);
        }
        let help = did_you_mean(a.response, catalogue.ids()).unwrap_or_else(|| {
            format!(
                "add `[{}]` with `title`, `category` and `severity` to `{}` first",
                a.response,
                catalogue_path.display()
            )
        });
        return Err(Diagnostic::error(
            Some(&catalogue_path),
            format!("no response `{}` in the catalogue", a.response),
        )
        .with_code(Code::UnknownResponse)
        .with_help(help));
    }
    // Folders on the way that exist already must stay inside the rules
    // folder, as the loader requires of every rule.
    let within = files::Within::new(a.rules, "the rules folder");
    if let Some(d) = deepest_existing(&path).and_then(|p| within.escape(&p, "folder")) {
        return Err(d.with_code(Code::LinkRefused));
    }
    let text = templates::fill(templates::RULE, &[("response", a.response)]);
    write(&path, &text, a.force)?;
    let id = files::id_of(&rules, &normalize(&path));
    Ok(Written {
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: vec![path],
        rule: Some((id, a.response.to_string())),
    })
}

/// Writes a scenario, or a variant of `extends`.
pub fn new_scenario(a: &NewScenario) -> Result<Written, Diagnostic> {
    let path = with_extension(a.path, "toml")?;
    let text = match a.extends {
        Some(base) => variant(&path, base)?,
        None => {
            let (catalogue, _) = Catalogue::load(&a.rules.join("responses.toml"));
            let response = catalogue.ids().next().unwrap_or("response-id").to_string();
            templates::fill(
                templates::SCENARIO,
                &[("today", &a.today.to_string()), ("response", &response)],
            )
        }
    };
    write(&path, &text, a.force)?;
    Ok(Written {
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: vec![path],
        rule: None,
    })
}

/// The text of a variant of `base`, to be written at `path`.
fn variant(path: &Path, base: &Path) -> Result<String, Diagnostic> {
    if !base.is_file() {
        let folder = match base.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let siblings: Vec<String> = fs::read_dir(folder)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .map(|p| p.display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let shown = base.display().to_string();
        let help = did_you_mean(&shown, siblings.iter().map(String::as_str))
            .unwrap_or_else(|| "give the path of an existing scenario file".into());
        return Err(
            Diagnostic::error(Some(base), format!("no base scenario `{shown}`"))
                .with_code(Code::ExtendsNotFound)
                .with_help(help),
        );
    }
    let here = std::env::current_dir().unwrap_or_default();
    let absolute = |p: &Path| normalize(&here.join(p));
    let from = absolute(path);
    let from = from.parent().unwrap_or(Path::new("/"));
    let extends = relative(from, &absolute(base));
    // The base's title and event ids, to help write the variant; a base
    // that does not parse is left to `check` to report.
    let table = fs::read_to_string(base)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .unwrap_or_default();
    let title = table
        .get("scenario")
        .and_then(|s| s.get("title"))
        .and_then(|t| t.as_str())
        .unwrap_or("the base");
    let ids: Vec<String> = table
        .get("events")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("id").and_then(|i| i.as_str()))
        .map(|i| format!("`{i}`"))
        .collect();
    let ids = if ids.is_empty() {
        "none".to_string()
    } else {
        ids.join(", ")
    };
    Ok(templates::fill(
        templates::VARIANT,
        &[
            ("extends", &extends),
            ("base_title", &title.replace(['"', '\\', '\n'], " ")),
            ("base_ids", &ids),
        ],
    ))
}

/// `path`, with `ext` added when it has no extension; another extension
/// is an error.
fn with_extension(path: &Path, ext: &str) -> Result<PathBuf, Diagnostic> {
    match path.extension() {
        None => Ok(path.with_extension(ext)),
        Some(x) if x == ext => Ok(path.to_path_buf()),
        Some(x) => Err(Diagnostic::error(
            Some(path),
            format!(
                "`{}` ends in `.{}`, not `.{ext}`",
                path.display(),
                x.to_string_lossy()
            ),
        )
        .with_code(Code::BadPath)
        .with_help(format!("name the file `….{ext}`"))),
    }
}

/// The nearest folder on `path`'s way that exists.
fn deepest_existing(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .find(|p| p.exists())
        .map(Path::to_path_buf)
}

/// Writes `text` at `path`, creating its folders; an existing file is
/// replaced only when `force` is given, and a link never.
fn write(path: &Path, text: &str, force: bool) -> Result<(), Diagnostic> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(link_refused(path)),
        Ok(m) if m.is_dir() => {
            return Err(
                Diagnostic::error(Some(path), format!("`{}` is a folder", path.display()))
                    .with_code(Code::BadPath),
            );
        }
        Ok(_) if !force => {
            return Err(Diagnostic::error(
                Some(path),
                format!("`{}` exists already; nothing was written", path.display()),
            )
            .with_code(Code::FileExists)
            .with_help("pass `--force` to replace it"));
        }
        Ok(_) => {
            return crate::atomic::write(path, text.as_bytes())
                .map_err(|e| super::write_failed(path, &std::io::Error::other(e)));
        }
        Err(_) => {}
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| super::write_failed(parent, &e))?;
    }
    create(path, text)
}
