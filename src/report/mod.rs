//! Every verb's output: a module per verb (`run` and `test`, with several
//! formats each, a folder), each turning the library's results into text,
//! JSON, Markdown, JUnit or HTML on a `&mut dyn Write`, so the command line only
//! wires calls together. What they share lives here: counts in words,
//! Markdown table cells, and the lines every verb writes on stderr.

pub mod authoring;
pub mod bless;
pub mod brief;
pub mod check;
pub mod diff;
pub mod dossiers;
pub mod html;
pub mod outlook;
pub mod run;
pub mod sweep;
pub mod test;
pub mod timeline;
pub mod vocabulary;
pub mod watch;
pub mod what_if;

use std::fmt::Display;
use std::io::{self, IsTerminal, Write};

use crate::diagnostic::Diagnostic;

/// `1 rule`, `2 rules`: every count in a summary agrees with its number.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Escapes the characters that would break a Markdown table row.
pub fn markdown_cell(s: &str) -> String {
    // Reasons come from rules: HTML in them must not open a comment or
    // close a `<details>` of the page the table is pasted into.
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// Whether to colour output on stderr.
pub fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && io::stderr().is_terminal()
}

// Writes to stderr below ignore their errors: stderr is where failures
// are told, so a failure to write it has nowhere left to go (and
// `eprintln!` would turn it into a panic).

/// Prints diagnostics to stderr with source lines and carets.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    let color = color_stderr();
    let mut err = io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}\n", d.render(color));
    }
}

/// A line on stderr.
pub fn stderr_line(line: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// `error: …` on stderr: a mistake in the command line, or a failure that
/// belongs to no file (a file's problems are [`Diagnostic`]s).
pub fn error(message: impl Display) {
    stderr_line(format_args!("error: {message}"));
}

/// `warning: …` on stderr.
pub fn warning(message: impl Display) {
    stderr_line(format_args!("warning: {message}"));
}
