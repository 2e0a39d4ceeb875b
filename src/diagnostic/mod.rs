//! One diagnostic type for every problem found while loading or checking
//! files: where it is (file, line, column, byte span), what is wrong, and
//! what to do about it. Rendering with the source line and a caret lives
//! here too, so every verb reports problems the same way; without the
//! `cli` feature (and its renderer) a diagnostic renders as plain
//! `file:line:col: error: message` lines.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[cfg(feature = "cli")]
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use crate::printable;

mod code;
pub use code::Code;

/// How bad a diagnostic is: errors make the run exit 2, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is wrong: what it concerns does not load or run.
    Error,
    /// Probably a mistake, but everything still runs.
    Warning,
}

/// The text of a file, kept so that diagnostics can show the offending line.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The file's path, as diagnostics name it.
    pub path: PathBuf,
    /// The whole text, shared with every diagnostic that shows a line of it.
    pub text: Arc<str>,
    line_starts: Arc<[usize]>,
}

impl SourceText {
    /// The text of the file at `path`, with its line starts indexed.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        // Every scenario is indexed this way, so bytes, not characters,
        // counted first so that the index is allocated once.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut line_starts = Vec::with_capacity(lines + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let line_starts = line_starts.into();
        Self {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, col)
    }

    /// Byte offset of a 1-based line and column, clamped to the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(start + end, |(i, _)| start + i)
    }

    /// A diagnostic pointing at a byte span of this file.
    pub fn diag(
        &self,
        severity: Severity,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        // Whole characters only: a span that ends inside one (a parser's
        // one-byte span over a byte-order mark) would break rendering.
        let text = &*self.text;
        let mut start = span.start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = span.end.clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let span = start..end;
        let (line, column) = self.line_col(span.start);
        Diagnostic {
            severity,
            code: None,
            file: Some(self.path.clone()),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            help: None,
            span: Some(span),
            source: Some(self.text.clone()),
        }
    }

    /// An error at the byte range `span` of this text.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        self.diag(Severity::Error, span, message)
    }

    /// A diagnostic at a 1-based line and column (as Rhai reports them).
    pub fn error_at(&self, line: usize, column: usize, message: impl Into<String>) -> Diagnostic {
        let start = self.offset(line, column);
        let end = self.text[start..]
            .char_indices()
            .nth(1)
            .map_or(self.text.len(), |(i, _)| start + i);
        // Rhai's position as reported, even past the end of its line or
        // of the text, where the span is clamped.
        self.error(start..end.max(start), message).at(line, column)
    }
}

/// A problem with an input file, as shown to people and serialised for programs.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem it is, as a stable name programs can match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// The file it concerns, if any.
    pub file: Option<PathBuf>,
    /// The 1-based line, when the problem has a position.
    pub line: Option<usize>,
    /// The 1-based column, in characters.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
    /// The byte range of the offending text in `source`.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
    /// The file's text, to show the offending line.
    #[serde(skip)]
    pub source: Option<Arc<str>>,
}

impl Diagnostic {
    /// A diagnostic about a whole file (or no file), without a position.
    pub fn new(severity: Severity, file: Option<&Path>, message: impl Into<String>) -> Self {
        Self {
            severity,
            code: None,
            file: file.map(Path::to_path_buf),
            line: None,
            column: None,
            message: message.into(),
            help: None,
            span: None,
            source: None,
        }
    }

    /// An error about a whole file (or no file), without a position.
    pub fn error(file: Option<&Path>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, message)
    }

    /// The same diagnostic at a 1-based line and column, for input that
    /// has no source text to point into (a line of standard input) or
    /// whose position is known better than its span tells.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Names the kind of problem (`unknown-field`).
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    /// Adds a help line: how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line only when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Whether it is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, or as much of it as is known.
    pub fn location(&self) -> String {
        let mut s = self
            .file
            .as_ref()
            .map(|p| printable::escape(&p.display().to_string(), false).into_owned())
            .unwrap_or_default();
        if let (Some(l), Some(c)) = (self.line, self.column) {
            s.push_str(&format!(":{l}:{c}"));
        }
        s
    }

    /// Renders the diagnostic with its source line and a caret.
    #[cfg(feature = "cli")]
    pub fn render(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        // Messages quote rule and scenario text; neither may drive the
        // terminal.
        let path = self
            .file
            .as_ref()
            .map(|p| printable::escape(&p.display().to_string(), false).into_owned());
        let message = printable::escape(&self.message, true);
        let mut groups = Vec::new();
        let shown = match (&self.source, &self.span) {
            (Some(src), Some(span)) => Some(printable::source_with_span(
                src,
                span.start.min(src.len())..span.end.min(src.len()),
            )),
            _ => None,
        };
        match (&shown, &path) {
            (Some((src, span)), Some(path)) => {
                groups.push(
                    level.clone().primary_title(&*message).element(
                        Snippet::source(&**src)
                            .path(path.as_str())
                            .fold(true)
                            .annotation(AnnotationKind::Primary.span(span.clone())),
                    ),
                );
            }
            _ => {
                // Rendered apart from the path: the renderer indents a
                // multi-line title and draws a gutter for a group with no
                // source line, leaving a dangling `-->` and a bare `|`.
                let mut out = renderer
                    .render(&[Group::with_title(level.clone().primary_title(&*message))])
                    .to_string();
                if let Some(p) = &path {
                    out.push_str(&format!("\n  --> {}", self.location_or(p.as_str())));
                }
                if let Some(help) = self.help.as_deref().map(|h| printable::escape(h, true)) {
                    let help = [Group::with_title(Level::HELP.secondary_title(&*help))];
                    out.push('\n');
                    out.push_str(&renderer.render(&help).to_string());
                }
                return out;
            }
        }
        let help = self.help.as_deref().map(|h| printable::escape(h, true));
        if let Some(help) = &help {
            groups.push(Group::with_title(Level::HELP.secondary_title(&**help)));
        }
        renderer.render(&groups).to_string()
    }

    /// Renders the diagnostic as `file:line:col: error: message`, with its
    /// help on a second line: the lean build has no renderer for source
    /// lines, and colour would need one.
    #[cfg(not(feature = "cli"))]
    pub fn render(&self, _color: bool) -> String {
        let mut out = String::new();
        let loc = self.location();
        if !loc.is_empty() {
            out.push_str(&loc);
            out.push_str(": ");
        }
        out.push_str(self.severity_name());
        out.push_str(": ");
        out.push_str(&printable::escape(&self.message, true));
        if let Some(help) = &self.help {
            out.push_str("\nhelp: ");
            out.push_str(&printable::escape(help, true));
        }
        out
    }

    fn severity_name(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    #[cfg(feature = "cli")]
    fn location_or(&self, path: &str) -> String {
        if self.line.is_some() {
            self.location()
        } else {
            path.to_string()
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = self.location();
        if !loc.is_empty() {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}: {}", self.severity_name(), self.message)?;
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

/// The closest known name to a mistyped one, for a ``did you mean `x`?`` help.
pub fn did_you_mean<'a>(typo: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(typo, known).map(|k| format!("did you mean `{k}`?"))
}

/// The known name closest to a mistyped one, if any is close enough.
pub fn nearest<'a>(typo: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(typo, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Drops repeats of a diagnostic (same place, code, message and help),
/// keeping the first, or a later copy that can show its source line: a
/// base scenario's problems reach `check` once for the base and once
/// through each variant built on it.
pub fn dedup(diags: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    for d in diags.drain(..) {
        let key = (
            d.file.clone(),
            d.line,
            d.column,
            d.code,
            d.message.clone(),
            d.help.clone(),
        );
        match seen.get(&key) {
            Some(&i) => {
                if out[i].source.is_none() && d.source.is_some() {
                    out[i] = d;
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(d);
            }
        }
    }
    *diags = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let s = SourceText::new("x", "ab\nçd\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(5), (2, 2));
        assert_eq!(s.offset(2, 2), 5);
    }

    #[test]
    fn spans_inside_a_character_widen_to_whole_characters() {
        let s = SourceText::new("x.toml", "\u{feff}ç = 1\n");
        let d = s.error(1..4, "unexpected character");
        assert_eq!(d.span, Some(0..5));
        assert!(d.render(false).contains("x.toml:1:1"));
        let d = s.error(99..120, "past the end");
        assert_eq!(d.span, Some(s.text.len()..s.text.len()));
    }

    #[test]
    fn did_you_mean_finds_close_names_only() {
        assert_eq!(
            did_you_mean("as_off", ["as_of", "title"]).as_deref(),
            Some("did you mean `as_of`?")
        );
        assert_eq!(did_you_mean("zzz", ["as_of", "title"]), None);
    }

    #[test]
    #[cfg(feature = "cli")]
    fn rendering_shows_path_line_and_caret() {
        let s = SourceText::new("rules/x.rhai", "let a = 1;\nlet b = ;\n");
        let d = s.error_at(2, 9, "unexpected `;`");
        let out = d.render(false);
        assert!(out.contains("rules/x.rhai:2:9"), "{out}");
        assert!(out.contains("let b = ;"), "{out}");
        assert!(out.contains('^'), "{out}");
    }

    #[test]
    #[cfg(feature = "cli")]
    fn a_diagnostic_without_a_line_renders_its_path_without_a_gutter() {
        let d = Diagnostic::error(Some(Path::new("rules")), "rules folder not found")
            .with_help("pass `--rules DIR`");
        let out = d.render(false);
        assert_eq!(
            out,
            "error: rules folder not found
  --> rules
help: pass `--rules DIR`",
            "{out}"
        );
        let d = Diagnostic::error(Some(Path::new("x.toml")), "cannot read file");
        assert_eq!(
            d.render(false),
            "error: cannot read file
  --> x.toml"
        );
    }

    #[test]
    #[cfg(not(feature = "cli"))]
    fn without_the_renderer_a_diagnostic_is_one_line_and_its_help() {
        let s = SourceText::new("rules/x.rhai", "let a = 1;\nlet b = ;\n");
        let d = s
            .error_at(2, 9, "unexpected `;`")
            .with_help("finish the line");
        assert_eq!(
            d.render(true),
            "rules/x.rhai:2:9: error: unexpected `;`\nhelp: finish the line"
        );
    }
}
