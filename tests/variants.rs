//! Scenario variants: `extends`, replacing events by `id`, `[[drop]]`.

use crate::support::*;

const BASE: &str = r#"[scenario]
title = "Base"
as_of = 2025-06-02

[facts]
venue = "Istanbul"
host = "TR"

[[events]]
id = "strike-1"
kind = "strike"
date = 2025-06-01
drones = 250

[[events]]
id = "round-2"
kind = "talks"
date = 2025-06-02
outcome = { ceasefire = false }

[[events]]
id = "offer"
kind = "summit-proposal"
date = 2025-06-02

[expect]
exactly = ["leaders-summit", "new-sanctions", "stronger-sanctions"]
"#;

const VARIANT: &str = r#"[scenario]
title = "Variant"
extends = "../base.toml"

[facts]
venue = "Ankara"

[[events]]
id = "round-2"
kind = "talks"
date = 2025-06-02
outcome = { ceasefire = true }

[[drop]]
id = "offer"

[[events]]
kind = "strike"
date = 2025-06-02
drones = 30
"#;

const FULL: &str = r#"[scenario]
title = "Variant"
as_of = 2025-06-02

[facts]
venue = "Ankara"
host = "TR"

[[events]]
id = "strike-1"
kind = "strike"
date = 2025-06-01
drones = 250

[[events]]
id = "round-2"
kind = "talks"
date = 2025-06-02
outcome = { ceasefire = true }

[[events]]
kind = "strike"
date = 2025-06-02
drones = 30
"#;

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.rule(
        "no-result",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    let t = s.latest(\"talks\");\n    if t.outcome.ceasefire { quiet(\"ceasefire\") } else { \"no ceasefire\" }\n}\n",
    )
    .rule(
        "summit",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.count(\"summit-proposal\") > 0\n}\n",
    )
    .rule(
        "escalation",
        "const RESPONSE = \"stronger-sanctions\";\nfn fires(s) {\n    let d = s.events(\"strike\").map(|e| e.drones);\n    `${d} in ${s.facts.venue} hosted by ${s.facts.host}, ${s.count()} events`\n}\n",
    )
    .scenario("base", BASE)
    .scenario("v/variant", VARIANT)
    .scenario("v/full", FULL);
    f
}

#[test]
fn a_variant_evaluates_as_if_written_in_full() {
    let f = fixture();
    let out = f.run(&["run", "scenarios/v", "--format", "json"]);
    let doc = out.code(0).json();
    let variant = scenario(&doc, "variant");
    let full = scenario(&doc, "full");
    assert_eq!(variant["as_of"], "2025-06-02");
    assert_eq!(variant["fired"], full["fired"]);
    assert_eq!(variant["responses"], full["responses"]);
    assert_eq!(fired(variant), ["stronger-sanctions"]);
    assert_eq!(
        verdict(variant, "escalation")["reason"],
        "[250, 30] in Ankara hosted by TR, 3 events"
    );
    assert_eq!(verdict(variant, "no-result")["reason"], "ceasefire");
}

#[test]
fn a_variant_does_not_inherit_expectations() {
    let f = fixture();
    f.run(&["test", "scenarios/v/variant.toml", "scenarios/base.toml"])
        .code(0)
        .stdout_has("test variant ... no expectations")
        .stdout_has("test base ... ok");
}

#[test]
fn an_extends_cycle_is_an_error_at_the_extends_value() {
    let f = fixture();
    f.scenario("c/a", "[scenario]\ntitle = \"A\"\nextends = \"b.toml\"\n")
        .scenario("c/b", "[scenario]\ntitle = \"B\"\nextends = \"a.toml\"\n");
    let out = f.run(&["run", "scenarios/c/a.toml", "--format", "json"]);
    let doc = out.code(2).json();
    let d = diagnostic(&doc, "scenarios/c/b.toml", "`extends` cycle");
    assert_at(d, "scenarios/c/b.toml", 3, 11);
}

#[test]
fn a_variant_extending_itself_is_an_error() {
    let f = fixture();
    f.scenario(
        "self",
        "[scenario]\ntitle = \"Self\"\nextends = \"self.toml\"\n",
    );
    f.run(&["check", "scenarios/self.toml"])
        .code(2)
        .stderr_has("`extends` cycle")
        .stderr_has("scenarios/self.toml:3:11");
}

#[test]
fn a_missing_base_is_an_error_at_the_extends_value() {
    let f = fixture();
    f.scenario(
        "orphan",
        "[scenario]\ntitle = \"Orphan\"\nextends = \"nope.toml\"\n",
    );
    f.run(&["check", "scenarios/orphan.toml"])
        .code(2)
        .stderr_has("cannot read base scenario `nope.toml`")
        .stderr_has("scenarios/orphan.toml:3:11");
}

#[test]
fn dropping_an_unknown_id_is_an_error_with_did_you_mean() {
    let f = fixture();
    f.scenario(
        "v/typo",
        "[scenario]\ntitle = \"Typo\"\nextends = \"../base.toml\"\n\n[[drop]]\nid = \"ofer\"\n",
    );
    let out = f.run(&["run", "scenarios/v/typo.toml", "--format", "json"]);
    let doc = out.code(2).json();
    let d = diagnostic(&doc, "scenarios/v/typo.toml", "`[[drop]]` names `ofer`");
    assert_at(d, "scenarios/v/typo.toml", 6, 6);
    assert_eq!(d["help"], "did you mean `offer`?");
}

#[test]
fn drop_outside_a_variant_is_an_error() {
    let f = fixture();
    f.scenario(
        "lonely",
        "[scenario]\ntitle = \"Lonely\"\nas_of = 2025-06-02\n\n[[drop]]\nid = \"offer\"\n",
    );
    f.run(&["check", "scenarios/lonely.toml"])
        .code(2)
        .stderr_has("`[[drop]]` only makes sense in a variant")
        .stderr_has("scenarios/lonely.toml:6:6");
}

#[test]
fn extends_reads_only_toml_files_and_never_prints_a_bases_lines() {
    let f = fixture();
    f.write("secret.env", "AWS_SECRET=abcdef\n")
        .write("cred.toml", "[registry]\ntoken = \"s3cr3t\"\n")
        .scenario(
            "env",
            "[scenario]\ntitle = \"E\"\nextends = \"../secret.env\"\n",
        )
        .scenario(
            "cred",
            "[scenario]\ntitle = \"C\"\nextends = \"../cred.toml\"\n",
        );
    let out = f.run(&["check", "scenarios/env.toml", "scenarios/cred.toml"]);
    out.code(2)
        .stderr_has("scenarios/env.toml:3:11")
        .stderr_has("which is not a `.toml` scenario file")
        .stderr_has("base scenario `../cred.toml` does not load")
        .stderr_has("cred.toml:1:2");
    assert!(!out.stderr.contains("abcdef"), "{}", out.dump());
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.dump());
    assert!(!out.stderr.contains("[registry]"), "{}", out.dump());
}

#[test]
fn a_base_outside_the_scenario_tree_and_the_working_folder_is_refused() {
    let f = fixture();
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let base = elsewhere.path().join("base.toml");
    std::fs::write(&base, "[scenario]\ntitle = \"B\"\nas_of = 2025-06-02\n")
        .unwrap_or_else(|e| panic!("{e}"));
    f.scenario(
        "v",
        &format!(
            "[scenario]\ntitle = \"V\"\nextends = \"{}\"\n",
            base.display()
        ),
    );
    f.run(&["check", "scenarios/v.toml"])
        .code(2)
        .stderr_has("scenarios/v.toml:3:11")
        .stderr_has("is outside the scenario folder `scenarios` and the working folder");
}

#[test]
fn the_shipped_library_passes_when_run_from_another_folder() {
    let f = shipped_under("project");
    f.mkdir("elsewhere");
    let out = f.run_in(
        "elsewhere",
        &[
            "--rules",
            "../project/rules",
            "test",
            "../project/scenarios",
        ],
    );
    out.code(0).stdout_has(" 0 failed");
    assert!(!out.stderr.contains("error"), "{}", out.dump());
}

#[test]
fn a_base_under_the_folder_given_is_found_from_another_folder() {
    let f = fixture();
    f.mkdir("elsewhere");
    f.run_in(
        "elsewhere",
        &["--rules", "../rules", "check", "../scenarios"],
    )
    .code(0);
    f.run_in(
        "elsewhere",
        &["--rules", "../rules", "run", "../scenarios/v"],
    )
    .code(2);
    // Given the variant alone, its root is its own folder: the base one
    // level up is outside it and outside the working folder.
    f.run_in(
        "elsewhere",
        &[
            "--rules",
            "../rules",
            "check",
            "../scenarios/v/variant.toml",
        ],
    )
    .code(2)
    .stderr_has("../scenarios/v/variant.toml:3:11")
    .stderr_has("is outside");
}

#[test]
fn a_base_beside_the_scenario_folder_is_refused_from_another_folder() {
    let f = fixture();
    f.mkdir("elsewhere");
    f.write("shared/base.toml", BASE);
    f.scenario(
        "w/out",
        "[scenario]\ntitle = \"Out\"\nextends = \"../../shared/base.toml\"\n",
    );
    f.run_in(
        "elsewhere",
        &["--rules", "../rules", "check", "../scenarios"],
    )
    .code(2)
    .stderr_has("../scenarios/w/out.toml:3:11")
    .stderr_has("is outside");
}

#[test]
fn a_duplicate_event_id_in_a_variant_is_an_error_but_replacing_a_base_event_is_not() {
    let f = fixture();
    f.scenario(
        "v/twice",
        "[scenario]\ntitle = \"Twice\"\nextends = \"../base.toml\"\n\n[[events]]\nid = \"round-2\"\nkind = \"talks\"\ndate = 2025-06-02\n\n[[events]]\nid = \"round-2\"\nkind = \"talks\"\ndate = 2025-06-02\n",
    );
    let out = f.run(&["run", "scenarios/v", "--format", "json"]);
    let doc = out.code(2).json();
    let d = diagnostic(&doc, "scenarios/v/twice.toml", "event id `round-2`");
    assert_at(d, "scenarios/v/twice.toml", 11, 6);
    assert_message(d, "line 5");
    // The variant that replaces `round-2` once still loads.
    scenario(&doc, "variant");
}

#[test]
fn a_duplicate_event_id_in_a_base_is_an_error_in_the_base() {
    let f = fixture();
    f.scenario("base", &BASE.replace("id = \"offer\"", "id = \"strike-1\""));
    let out = f.run(&["run", "scenarios/v/variant.toml", "--format", "json"]);
    let doc = out.code(2).json();
    let d = diagnostic(&doc, "scenarios/base.toml", "event id `strike-1`");
    assert_eq!(d["line"], 22, "{}", pretty(d));
}

/// A base in India's time zone with one strike just after midnight there.
const ZONED_BASE: &str = "[scenario]\ntitle = \"Zoned\"\ntimezone = \"Asia/Kolkata\"\n\n[[events]]\nid = \"strike\"\nkind = \"strike\"\ndate = 2025-05-07T01:05:00+05:30\n";

#[test]
fn a_variant_inherits_the_time_zone_of_its_base_and_may_override_it() {
    let f = fixture();
    f.scenario("zoned", ZONED_BASE)
        .scenario(
            "zv/inherits",
            "[scenario]\ntitle = \"Inherits\"\nextends = \"../zoned.toml\"\n\n[[events]]\nkind = \"talks\"\ndate = 2025-05-08T01:00:00+05:30\noutcome = { ceasefire = false }\n",
        )
        .scenario(
            "zv/utc",
            "[scenario]\ntitle = \"Utc\"\nextends = \"../zoned.toml\"\ntimezone = \"UTC\"\n",
        );
    let doc = f.run(&["run", "scenarios/zv", "--format", "json"]).json();
    // The variant's own event counts in the base's zone: 2025-05-08.
    assert_eq!(scenario(&doc, "inherits")["as_of"], "2025-05-08");
    // Overridden, the base's event counts as its UTC day.
    assert_eq!(scenario(&doc, "utc")["as_of"], "2025-05-06");
}
