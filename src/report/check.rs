//! `check`'s output. Text: the diagnostics on stderr, then one summary
//! line (`checked 12 rules, … : 0 errors, 1 warning`) and, with
//! `--native`, which rules native code runs and why the others run in
//! Rhai. JSON: one document with every diagnostic (its `code` and its
//! rendering included) and the counts. GitHub: one workflow command per
//! diagnostic, which GitHub Actions shows as an annotation on the line,
//! then the summary line.

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::NativeUse;
use crate::outcome::FORMAT_VERSION;
use crate::printable;
use crate::report::{count, print_diagnostics};
use crate::rules::RuleSet;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: diagnostics with source lines on stderr, a summary on stdout
    Text,
    /// One JSON object: every diagnostic with its code, and the counts
    Json,
    /// GitHub Actions workflow commands: an annotation per diagnostic
    Github,
}

/// What `check` looked at and found, in numbers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub rules: usize,
    pub helpers: usize,
    pub responses: usize,
    pub scenarios: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    /// The counts of `set`, `scenarios` scenario files and `diagnostics`.
    pub fn of(set: &RuleSet, scenarios: usize, diagnostics: &[Diagnostic]) -> Summary {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        Summary {
            rules: set.rules.len(),
            helpers: set.helpers_found,
            responses: set.catalogue.responses.len(),
            scenarios,
            errors,
            warnings: diagnostics.len() - errors,
        }
    }
}

/// Writes what `check` found in `set` and `scenarios` scenario files, in
/// `format`; `native` is the `--native` report (`None`: not asked for,
/// `Some(None)`: native code is off).
pub fn write_as(
    format: Format,
    out: &mut dyn Write,
    set: &RuleSet,
    scenarios: usize,
    diagnostics: &[Diagnostic],
    native_use: Option<Option<&NativeUse>>,
) -> io::Result<()> {
    let summary = Summary::of(set, scenarios, diagnostics);
    match format {
        Format::Text => {
            write(out, set, scenarios, diagnostics)?;
            match native_use {
                Some(n) => native(out, n),
                None => Ok(()),
            }
        }
        Format::Json => json(out, diagnostics, summary, native_use),
        Format::Github => {
            for d in diagnostics {
                writeln!(out, "{}", github(d))?;
            }
            summary_line(out, summary)?;
            match native_use {
                Some(n) => native(out, n),
                None => Ok(()),
            }
        }
    }
}

/// Writes what `check` found in `set` and `scenarios` scenario files.
pub fn write(
    out: &mut dyn Write,
    set: &RuleSet,
    scenarios: usize,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    print_diagnostics(diagnostics);
    summary_line(out, Summary::of(set, scenarios, diagnostics))
}

fn summary_line(out: &mut dyn Write, s: Summary) -> io::Result<()> {
    writeln!(
        out,
        "checked {}, {}, {}, {}: {}, {}",
        count(s.rules, "rule"),
        count(s.helpers, "helper"),
        count(s.responses, "response"),
        count(s.scenarios, "scenario"),
        count(s.errors, "error"),
        count(s.warnings, "warning"),
    )
}

/// A diagnostic as `check --format json` shows it: the shape of `run
/// --format json`'s, plus its plain-text rendering.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
    rendered: String,
}

/// `--native` in JSON.
#[derive(Serialize)]
struct NativeShown<'a> {
    /// False with `--engine rhai`: nothing runs natively.
    enabled: bool,
    native: usize,
    rules: usize,
    in_rhai: Vec<InRhaiShown<'a>>,
}

#[derive(Serialize)]
struct InRhaiShown<'a> {
    file: &'a std::path::Path,
    /// The first construct native code lacks; null when the rule does not compile.
    why: Option<&'a str>,
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    diagnostics: Vec<Shown<'a>>,
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    native: Option<NativeShown<'a>>,
}

fn json(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    summary: Summary,
    native_use: Option<Option<&NativeUse>>,
) -> io::Result<()> {
    let native = native_use.map(|n| match n {
        Some(n) => NativeShown {
            enabled: true,
            native: n.native,
            rules: n.rules,
            in_rhai: n
                .in_rhai
                .iter()
                .map(|r| InRhaiShown {
                    file: &r.path,
                    why: r.why.as_deref(),
                })
                .collect(),
        },
        None => NativeShown {
            enabled: false,
            native: 0,
            rules: summary.rules,
            in_rhai: Vec::new(),
        },
    });
    let doc = Document {
        format_version: FORMAT_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|d| Shown {
                diagnostic: d,
                rendered: d.render(false),
            })
            .collect(),
        summary,
        native,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One GitHub Actions workflow command for a diagnostic:
/// `::error file=F,line=L,col=C,title=CODE::message`, its help on a
/// second line of the message.
pub fn github(d: &Diagnostic) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = Vec::new();
    if let Some(f) = &d.file {
        props.push(format!(
            "file={}",
            github_property(&f.display().to_string())
        ));
    }
    if let (Some(l), Some(c)) = (d.line, d.column) {
        props.push(format!("line={l}"));
        props.push(format!("col={c}"));
    }
    if let Some(code) = d.code {
        props.push(format!("title={}", github_property(code.as_str())));
    }
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let props = if props.is_empty() {
        String::new()
    } else {
        format!(" {}", props.join(","))
    };
    format!("::{command}{props}::{}", github_data(&message))
}

/// A workflow command's message, escaped as GitHub's runner reads it
/// (`%`, carriage return and line feed as `%25`, `%0D`, `%0A`); any other
/// character that could drive a terminal written `\u{…}`, as diagnostics
/// are rendered.
fn github_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if printable::is_unsafe(c, true) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// A workflow command's property value: as its message, and `:` and `,`
/// too, which would end the value.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `--native`: which rules native code runs (`None`: it is off); the
/// others with the first construct native code lacks.
pub fn native(out: &mut dyn Write, native: Option<&NativeUse>) -> io::Result<()> {
    let Some(n) = native else {
        return writeln!(out, "native code: off (`--engine rhai`)");
    };
    writeln!(
        out,
        "native code runs {} of {}; in Rhai:",
        n.native,
        count(n.rules, "rule")
    )?;
    if n.in_rhai.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for r in &n.in_rhai {
        match &r.why {
            Some(why) => writeln!(out, "  {}: {why}", r.path.display())?,
            None => writeln!(out, "  {}: does not compile", r.path.display())?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, SourceText};

    #[test]
    fn github_commands_escape_data_and_properties() {
        let src = SourceText::new("a,b:c%\n.toml", "x = 1\n");
        let d = src
            .error(0..1, "50% of\r\nit")
            .with_code(Code::TomlSyntax)
            .with_help("fix: it, now");
        assert_eq!(
            github(&d),
            "::error file=a%2Cb%3Ac%25%0A.toml,line=1,col=1,title=toml-syntax::50%25 of%0D%0Ait%0Ahelp: fix: it, now"
        );
        let w = Diagnostic::new(Severity::Warning, None, "an \u{1b}[2J escape");
        assert_eq!(github(&w), "::warning::an \\u{1b}[2J escape");
    }
}
