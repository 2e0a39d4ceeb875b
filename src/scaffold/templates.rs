//! The texts `init` and `new` write, kept as files under
//! `src/templates/` (so they read, and can be checked, as the files they
//! become) and built into the binary. `INIT` is the one list of what a new
//! library holds: a file added there is written by `init` and checked by
//! its tests.

/// Each file of a new library: its path in the library and its text.
pub const INIT: &[(&str, &str)] = &[
    (
        "rules/responses.toml",
        include_str!("../templates/init/rules/responses.toml"),
    ),
    (
        "rules/vocabulary.toml",
        include_str!("../templates/init/rules/vocabulary.toml"),
    ),
    (
        "rules/annexation-referendum.rhai",
        include_str!("../templates/init/rules/annexation-referendum.rhai"),
    ),
    (
        "scenarios/crimea-2014-03-16.toml",
        include_str!("../templates/init/scenarios/crimea-2014-03-16.toml"),
    ),
    (
        "scenarios/crimea-2014-03-15.toml",
        include_str!("../templates/init/scenarios/crimea-2014-03-15.toml"),
    ),
    (".taplo.toml", include_str!("../templates/init/taplo.toml")),
    (
        ".github/workflows/policy.yml",
        include_str!("../templates/init/github/policy.yml"),
    ),
    ("README.md", include_str!("../templates/init/README.md")),
];

/// `new rule`: `{{response}}` is the response it fires.
pub const RULE: &str = include_str!("../templates/new/rule.rhai");

/// `new scenario`: `{{today}}` is today's date, `{{response}}` a response
/// of the catalogue for the commented-out expectation.
pub const SCENARIO: &str = include_str!("../templates/new/scenario.toml");

/// `new scenario --extends`: `{{extends}}` is the base's path relative to
/// the new file, `{{base_title}}` its title, `{{base_ids}}` the ids of its
/// events.
pub const VARIANT: &str = include_str!("../templates/new/variant.toml");

/// `template` with each `{{name}}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{{{name}}}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_placeholder() {
        let text = fill(RULE, &[("response", "new-sanctions")]);
        assert!(text.contains(r#"const RESPONSE = "new-sanctions";"#));
        assert!(!text.contains("{{"));
        let text = fill(
            VARIANT,
            &[
                ("extends", "../a.toml"),
                ("base_title", "A"),
                ("base_ids", "x"),
            ],
        );
        assert!(text.contains(r#"extends = "../a.toml""#));
        assert!(!text.contains("{{"));
    }

    #[test]
    fn init_paths_are_relative_and_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for (path, text) in INIT {
            assert!(!path.starts_with('/') && !path.contains(".."), "{path}");
            assert!(seen.insert(*path), "{path} twice");
            assert!(!text.is_empty() && !text.contains("{{"), "{path}");
        }
    }
}
