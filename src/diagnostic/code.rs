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

    // Files and folders: what a walk of the rules or scenario folders refuses.
    InvalidEncoding = "invalid-encoding": "A file or input line is not valid UTF-8 text.",
    LinkOutside = "link-outside": "A symbolic link leads outside the folder tree it was found in.",
    SymlinkLoop = "symlink-loop": "Folders nest too deep or lead back to themselves through a link.",
    UnsafeName = "unsafe-name": "A file name, rule id or helper name could drive the terminal or is not a relative path.",
    LimitExceeded = "limit-exceeded": "An input is larger or deeper than a limit allows (file size, events, nesting, script length).",

    // Rule sets and engine options.
    MissingRulesFolder = "missing-rules-folder": "The rules folder does not exist.",
    NoRules = "no-rules": "The rule set has no rule.",
    MissingCatalogue = "missing-catalogue": "The rule set has no response catalogue (`responses.toml`).",
    InvalidOptions = "invalid-options": "The engine's options contradict each other or cannot bound a rule's stack.",

    // Syntax: a file that does not parse.
    TomlSyntax = "toml-syntax": "A TOML file (scenario or catalogue) does not parse.",
    JsonSyntax = "json-syntax": "JSON scenario input does not parse, or repeats a key.",
    RhaiSyntax = "rhai-syntax": "A rule or helper does not compile as Rhai.",
    BareCarriageReturn = "bare-carriage-return": "A script uses a bare carriage return as a line ending.",

    // Values in scenario files and the catalogue.
    UnknownKey = "unknown-key": "A key that the file format does not have (a typo of a known key).",
    MissingField = "missing-field": "A required key or field is absent.",
    TypeMismatch = "type-mismatch": "A value has the wrong type (a quoted date, a string severity).",
    InvalidDate = "invalid-date": "A date-time that names no day (no offset, a bare time).",
    InvalidNumber = "invalid-number": "A number that does not fit or is not finite.",
    UnknownTimeZone = "unknown-time-zone": "`timezone` names no IANA time zone.",
    ControlCharacter = "control-character": "Scenario text holds a terminal control code or bidi control.",
    DuplicateId = "duplicate-id": "One id is used twice (events, scenarios, responses, rules).",

    // Expectations.
    UnknownResponse = "unknown-response": "A response id that the catalogue lacks.",
    UnknownRule = "unknown-rule": "A rule id that the rule set lacks.",
    ContradictoryExpectation = "contradictory-expectation": "A response is expected both to fire and not to fire.",
    EmptyExpectation = "empty-expectation": "An `[[expect.at]]` entry checks nothing.",
    UnreachableExpectation = "unreachable-expectation": "A `first_fire` date after the scenario's `as_of`, which the replay never reaches.",

    // Variants: `extends` and `[[drop]]`.
    ExtendsRefused = "extends-refused": "`extends` is not allowed here, or names a file a base may not be.",
    ExtendsNotFound = "extends-not-found": "`extends` names a file that does not exist.",
    ExtendsCycle = "extends-cycle": "A chain of `extends` leads back to a file in it.",
    BaseInvalid = "base-invalid": "A variant's base scenario does not load.",
    UnknownEventId = "unknown-event-id": "A variant's `[[drop]]` or event `id` names no event of its base.",
    DropOutsideVariant = "drop-outside-variant": "`[[drop]]` in a scenario that extends nothing.",

    // Rules and helpers: their shape, imports and `fired` dependencies.
    MissingResponse = "missing-response": "A rule declares no `const RESPONSE`.",
    MissingFires = "missing-fires": "A rule has no `fn fires(s)`.",
    FiresSignature = "fires-signature": "`fires` takes other than one parameter.",
    ShadowedApi = "shadowed-api": "A function named like a function of the rule API.",
    ImportRefused = "import-refused": "An `import` that is not a top-level literal path under `lib/`.",
    UnknownHelper = "unknown-helper": "An `import` of a helper that does not exist.",
    HelperFailed = "helper-failed": "An `import` of a helper that does not compile or fails to load.",
    UnknownExport = "unknown-export": "`alias::NAME` reads a constant its helper does not export.",
    FiredNotLiteral = "fired-not-literal": "`fired` or `since` given something other than one literal response id.",
    FiredCycle = "fired-cycle": "Responses depend on each other through `fired` in a cycle.",
    SwitchCaseType = "switch-case-type": "A `switch` whose cases have different types, or a float case, which can silently miss.",
    IntegerDate = "integer-date": "`2025-03-04` in a rule, which Rhai reads as the integer 2018.",

    // Running a rule's top level (constants, helpers) as it loads.
    RuntimeError = "runtime-error": "A script raised an error while it ran.",
    Timeout = "timeout": "The wall-clock backstop stopped a script.",
    InvalidVerdict = "invalid-verdict": "`fires` returned something that is not a verdict.",

    // `check`'s warnings: things that load but are probably mistakes.
    UnknownKindInRule = "unknown-kind-in-rule": "A rule asks for an event kind no scenario has.",
    UnusedResponse = "unused-response": "A catalogue response that no rule fires.",
    ReplayRefused = "replay-refused": "`timeline` cannot replay a scenario (too many days, no events).",

    // Starting and growing a library: `init`, `new rule`, `new scenario`.
    FolderNotEmpty = "folder-not-empty": "`init` was given a folder that already holds files.",
    LinkRefused = "link-refused": "A file would have been written through a symbolic link.",
    FileExists = "file-exists": "`new` would replace an existing file (`--force` allows it).",
    BadPath = "bad-path": "A path given to `new` is not where such a file goes.",
    WriteFailed = "write-failed": "A file or folder could not be written.",

    // Scenarios checked against the vocabulary (`rules/vocabulary.toml`).
    UnknownKind = "unknown-kind": "An event's kind is not one the vocabulary declares.",
    UnknownField = "unknown-field": "A scenario key is not one the vocabulary declares for its table.",
    ValueNotAllowed = "value-not-allowed": "A string is not one of the values the vocabulary allows.",
    // The vocabulary file itself.
    VocabularySyntax = "vocabulary-syntax": "The vocabulary file is not valid TOML.",
    VocabularyUnknownKey = "vocabulary-unknown-key": "A key of the vocabulary file means nothing there.",
    VocabularyUnknownType = "vocabulary-unknown-type": "A `type` in the vocabulary file is not a known type.",
    VocabularyBadValue = "vocabulary-bad-value": "A key of the vocabulary file has a value of the wrong shape.",
    VocabularyMisplacedKey = "vocabulary-misplaced-key": "`fields`, `items` or `values` on a type that has none.",
    // Rules and helpers checked against the vocabulary by `check`.
    RuleKindNotInVocabulary = "rule-kind-not-in-vocabulary": "A rule names an event kind the vocabulary does not declare.",
    RuleFieldNotInVocabulary = "rule-field-not-in-vocabulary": "A rule reads a field the vocabulary does not declare for that kind (or `[facts]`, an actor).",
    OptionalFieldNotInVocabulary = "optional-field-not-in-vocabulary": "`has`/`get` of a field the vocabulary does not declare: probably a typo.",

    // Reports: `report`.
    ReportTooLarge = "report-too-large": "`report` was given more scenarios than a readable page holds (`--max-scenarios`).",

    // What-if questions: edits to a scenario (`sweep --vary`, `what-if`).
    EditUnknownEvent = "edit-unknown-event": "An edit (`sweep --vary`, `what-if`) names an event id the scenario lacks.",
    EditFieldType = "edit-field-type": "An edit names a field the event lacks, or gives it a value of another type (a number range on a text field).",
    InvalidVarySpec = "invalid-vary-spec": "A `sweep --vary` spec is malformed, empty, reversed, or has a step of 0.",
    TooManyPoints = "too-many-points": "A `sweep` would evaluate more points than its limit.",
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
