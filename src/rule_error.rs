//! A rule's error: what kind of failure it is and where. Below every
//! module that raises or reports one — the sandbox describes Rhai's
//! errors as a kind, a loaded rule that is broken keeps its error, and an
//! outcome lists them — so none of those depends on another for the type.
//! The serialised form is part of the JSON contract (see `outcome`).

use std::path::PathBuf;

use serde::Serialize;

/// What kind of failure a rule error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The rule could not be compiled or loaded.
    Compile,
    /// The rule raised an error while running.
    Runtime,
    /// `fires` returned something that is not a verdict.
    Verdict,
    /// A sandbox limit (operations, depth, size) stopped the rule.
    Limit,
    /// The wall-clock backstop stopped the rule.
    Timeout,
}

/// A rule that failed on a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub rule: String,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub kind: ErrorKind,
}

/// The fields as written, plus `"deterministic": false` on a timeout: the
/// one outcome that depends on the machine rather than on the files, so
/// a program comparing runs knows not to expect the same bytes.
impl Serialize for RuleError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let timeout = self.kind == ErrorKind::Timeout;
        let mut st = s.serialize_struct("RuleError", 6 + usize::from(timeout))?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("kind", &self.kind)?;
        if timeout {
            st.serialize_field("deterministic", &false)?;
        }
        st.end()
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": rule `{}`: {}", self.rule, self.message)
    }
}
