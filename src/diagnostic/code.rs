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

    // Scenarios checked against the vocabulary (`rules/vocabulary.toml`).
    UnknownKind = "unknown-kind": "An event's kind is not one the vocabulary declares.",
    UnknownField = "unknown-field": "A scenario key is not one the vocabulary declares for its table.",
    TypeMismatch = "type-mismatch": "A scenario value is not of the type the vocabulary declares.",
    MissingField = "missing-field": "A table lacks a field the vocabulary declares required.",
    ValueNotAllowed = "value-not-allowed": "A string is not one of the values the vocabulary allows.",
    // The vocabulary file itself.
    VocabularySyntax = "vocabulary-syntax": "The vocabulary file is not valid TOML.",
    VocabularyUnknownKey = "vocabulary-unknown-key": "A key of the vocabulary file means nothing there.",
    VocabularyUnknownType = "vocabulary-unknown-type": "A `type` in the vocabulary file is not a known type.",
    VocabularyBadValue = "vocabulary-bad-value": "A key of the vocabulary file has a value of the wrong shape.",
    VocabularyMisplacedKey = "vocabulary-misplaced-key": "`fields`, `items` or `values` on a type that has none.",
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
