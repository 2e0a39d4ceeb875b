//! Stable identifiers for each kind of problem a diagnostic reports
//! (`unknown-field`, `type-mismatch`, `fired-cycle`, …). Programs and CI
//! annotations match on these rather than on message text, which may be
//! reworded; a code, once published, keeps its meaning. The list here is
//! the one `docs/reference.md` documents, and a test keeps the two equal.

use serde::Serialize;

/// Declares the codes once: the enum, its kebab-case name and a one-line
/// summary for the documentation, so that the three cannot drift apart.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal: $summary:literal,)*) => {
        /// What kind of problem a diagnostic reports, as a stable kebab-case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* #[doc = $summary] #[serde(rename = $name)] $variant,)*
        }

        impl Code {
            /// Every code, in the order documented.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable name (`unknown-field`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// One line saying what the code reports.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }
        }
    };
}

codes! {
    // Files that cannot be read or found.
    ReadFailed = "read-failed": "A file or folder could not be read.",

    // Starting and growing a library: `init`, `new rule`, `new scenario`.
    FolderNotEmpty = "folder-not-empty": "`init` was given a folder that already holds files.",
    LinkRefused = "link-refused": "A file would have been written through a symbolic link.",
    FileExists = "file-exists": "`new` would replace an existing file (`--force` allows it).",
    BadPath = "bad-path": "A path given to `new` is not where such a file goes.",
    UnknownResponse = "unknown-response": "A response id that the catalogue does not have.",
    BaseNotFound = "base-not-found": "A base scenario that does not exist.",
    WriteFailed = "write-failed": "A file or folder could not be written.",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let n = c.as_str();
            assert!(
                n.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{n}"
            );
            assert!(seen.insert(n), "{n} twice");
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::Value::from(n))
            );
        }
    }
}
