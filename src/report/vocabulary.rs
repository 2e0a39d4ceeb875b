//! `vocabulary infer`'s output: the inferred vocabulary as the text of a
//! vocabulary file, under a comment saying where it came from, and the
//! line on stderr saying what was written.

use std::io::{self, Write};
use std::path::Path;

use super::count;
use crate::vocabulary::Vocabulary;

/// The file's text: a header, then the vocabulary.
pub fn text(v: &Vocabulary, scenarios: usize) -> String {
    format!(
        "# Scenario vocabulary inferred by `sanctions-trigger vocabulary infer` from {}.\n\
         # Check the types, and add descriptions and `values` where they help.\n\n{}",
        count(scenarios, "scenario"),
        v.to_toml()
    )
}

/// The line `--out` prints once the file is written.
pub fn written(err: &mut dyn Write, path: &Path, v: &Vocabulary) -> io::Result<()> {
    let kinds = v.kind_names().count();
    writeln!(
        err,
        "wrote {}: {}",
        path.display(),
        count(kinds, "event kind")
    )
}
