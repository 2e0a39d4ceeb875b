//! Adversarial inputs (issue 6): every bad scenario, rule, file or folder
//! here is stopped with a clear error at its `file:line:col` (when it has
//! one) in bounded time, and the other rules and scenarios still report.
//! Cases already covered by bad_scenarios.rs, bad_rules.rs, sandbox.rs and
//! variants.rs are not repeated.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

/// Any single input here must be judged well within this.
const BOUND: Duration = Duration::from_secs(10);

const BAD: &str = "scenarios/bad.toml";

/// Runs `run scenarios --format json` with the good rule, the talks
/// scenario and `scenarios/bad.toml` holding `bytes`: exit 2, the talks
/// scenario still judged, and the bad one not judged. Returns the document.
#[track_caller]
fn bad_scenario_bytes(bytes: &[u8]) -> Value {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write_bytes(BAD, bytes)
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    let doc = out.json();
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    assert!(
        doc["scenarios"]
            .as_array()
            .is_some_and(|a| a.iter().all(|s| s["id"] != "bad")),
        "{}",
        pretty(&doc)
    );
    doc
}

/// A bad scenario whose diagnostic contains `message` and sits at `line:col`.
#[track_caller]
fn bad_scenario_at(text: &str, message: &str, line: u64, column: u64) {
    let doc = bad_scenario_bytes(text.as_bytes());
    let d = diagnostic(&doc, BAD, message);
    assert_at(d, BAD, line, column);
    assert_eq!(d["severity"], "error");
}

/// Generates one test per malformed scenario: `name: text => message @ line:col`.
macro_rules! bad_scenarios {
    ($($name:ident: $text:expr => $msg:expr, $line:expr, $col:expr;)*) => {
        $(
            #[test]
            fn $name() {
                bad_scenario_at($text, $msg, $line, $col);
            }
        )*
    };
}

// --- Malformed TOML of every kind --------------------------------------------

bad_scenarios! {
    toml_unterminated_string:
        "[scenario]\ntitle = \"abc\nas_of = 2025-06-02\n"
        => "invalid TOML: unterminated basic string", 2, 13;
    toml_unterminated_multi_line_string:
        "[scenario]\ntitle = \"t\"\ndescription = \"\"\"abc\nas_of = 2025-06-02\n"
        => "invalid TOML: unterminated basic string", 4, 19;
    toml_key_without_value:
        "[scenario]\ntitle = \"t\"\nas_of =\n"
        => "invalid TOML", 3, 8;
    toml_invalid_escape:
        "[scenario]\ntitle = \"a\\qb\"\nas_of = 2025-06-02\n"
        => "invalid TOML: invalid escape character in string: `q`", 2, 12;
    toml_unclosed_inline_table:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = { a = 1\n"
        => "invalid TOML: unclosed inline table", 5, 12;
    toml_unclosed_array:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = [1, 2\n"
        => "invalid TOML: unclosed array", 5, 10;
    toml_bare_word_line:
        "[scenario]\ntitle = \"t\"\nhello\nas_of = 2025-06-02\n"
        => "invalid TOML: expected an equals, found a newline", 3, 6;
    toml_key_and_value_without_equals:
        "[scenario]\ntitle \"t\"\nas_of = 2025-06-02\n"
        => "invalid TOML: expected an equals, found a string", 2, 7;
    toml_duplicate_key:
        "[scenario]\ntitle = \"t\"\ntitle = \"u\"\nas_of = 2025-06-02\n"
        => "invalid TOML: the key `title` is defined multiple times", 3, 1;
    toml_duplicate_table:
        "[scenario]\ntitle = \"t\"\n[scenario]\nas_of = 2025-06-02\n"
        => "invalid TOML: redefinition of table `scenario`", 3, 1;
    toml_table_then_array_of_tables:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[events]\nkind = \"x\"\n[[events]]\nkind = \"y\"\n"
        => "invalid TOML: table redefined as array", 6, 1;
    toml_misplaced_underscore_in_number:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = 1__0\n"
        => "invalid TOML: invalid integer: underscores must be between two digits", 5, 7;
    toml_leading_zero:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = 012\n"
        => "invalid TOML: invalid integer: leading zeros are not allowed", 5, 5;
}

// --- Wrong types, unknown keys -------------------------------------------------

bad_scenarios! {
    type_scenario_is_a_string:
        "scenario = \"x\"\n" => "`scenario` must be a table, found string", 1, 12;
    type_facts_is_an_integer:
        "facts = 1\n[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n"
        => "`facts` must be a table, found integer", 1, 9;
    type_events_is_an_integer:
        "events = 5\n[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n"
        => "`events` must be an array, found integer", 1, 10;
    type_tags_is_a_string:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\ntags = \"a\"\n"
        => "`tags` must be an array, found string", 4, 8;
    type_event_kind_is_an_integer:
        "[scenario]\ntitle = \"t\"\n\n[[events]]\nkind = 5\ndate = 2025-06-02\n"
        => "`kind` must be a string, found integer", 5, 8;
    type_expect_fires_is_a_string:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect]\nfires = \"new-sanctions\"\n"
        => "`fires` must be an array, found string", 6, 9;
    type_as_of_is_an_integer:
        "[scenario]\ntitle = \"t\"\nas_of = 20250602\n"
        => "`as_of` must be a date, found integer", 3, 9;
    unknown_top_level_table_suggests_scenario:
        "[scenari]\ntitle = \"t\"\n" => "unknown top-level key `scenari`", 1, 2;
    unknown_key_in_drop:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\nextends = \"talks.toml\"\n\n[[drop]]\nid = \"round-2\"\nreason = \"x\"\n"
        => "unknown key in `[[drop]]`: `reason`", 8, 1;
    unknown_key_in_expect_rules:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect.rules]\nfires = [\"good\"]\n"
        => "unknown key in `[expect.rules]`: `fires`", 6, 1;
    unknown_key_in_expect_at:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[[expect.at]]\ndate = 2025-06-02\nfire = [\"new-sanctions\"]\n"
        => "unknown key in `[[expect.at]]`: `fire`", 7, 1;
}

#[test]
fn unknown_keys_get_did_you_mean() {
    let doc = bad_scenario_bytes(
        b"[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\n[expect.rules]\nfires = [\"good\"]\n",
    );
    let d = diagnostic(&doc, BAD, "`fires`");
    assert_eq!(d["help"], "did you mean `fire`?");
    let doc = bad_scenario_bytes(b"[scenari]\ntitle = \"t\"\n");
    let d = diagnostic(&doc, BAD, "`scenari`");
    assert_eq!(d["help"], "did you mean `scenario`?");
}

// --- Impossible and out-of-range dates, huge numbers ----------------------------

bad_scenarios! {
    date_february_29_of_a_common_year:
        "[scenario]\ntitle = \"t\"\nas_of = 2023-02-29\n" => "invalid date", 3, 9;
    date_month_13:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-13-01\n" => "invalid TOML: invalid datetime: month is out of range", 3, 9;
    date_offset_of_24_hours:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02T10:00:00+24:00\n"
        => "invalid TOML: invalid datetime: offset hour is out of range", 3, 9;
    number_integer_past_64_bits:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = 9223372036854775808\n"
        => "`x`: integer does not fit in 64 bits", 5, 5;
    number_hex_integer_past_64_bits:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = 0xFFFFFFFFFFFFFFFF\n"
        => "`x`: integer does not fit in 64 bits", 5, 5;
    number_float_past_f64:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = 1e400\n"
        => "invalid TOML: invalid float: float overflow", 5, 5;
}

bad_scenarios! {
    number_inf_is_refused:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = -inf\n"
        => "`x`: `inf` and `nan` are not allowed", 5, 5;
    number_nan_is_refused:
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = nan\n"
        => "`x`: `inf` and `nan` are not allowed", 5, 5;
}

#[test]
fn the_largest_integer_and_float_still_load() {
    let f = Fixture::new();
    f.rule(
        "r",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    `${s.facts.big} ${s.facts.huge > 1.0e307}`\n}\n",
    )
    .scenario(
        "s",
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nbig = 9223372036854775807\nhuge = 1.7976931348623157e308\n",
    );
    let out = f.run(&["run", "scenarios/s.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(
        verdict(scenario(&doc, "s"), "r")["reason"],
        "9223372036854775807 true"
    );
}

// --- Sizes and nesting -----------------------------------------------------------

#[test]
fn a_fact_over_1_mib_loads_but_a_rule_reading_it_hits_the_string_limit() {
    let big = "x".repeat((1 << 20) + 1);
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "reader",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.facts.big.len() > 0\n}\n",
        )
        .scenario(
            "big",
            &format!("[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nbig = \"{big}\"\n"),
        );
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    let doc = out.json();
    let sc = scenario(&doc, "big");
    assert_eq!(fired(sc), ["new-sanctions"]);
    let e = rule_error(sc, "reader");
    assert_eq!(e["kind"], "limit", "{}", pretty(e));
    assert_message(e, "string too large");
    assert_at(e, "rules/reader.rhai", 2, 1);
}

#[test]
fn ten_thousand_nested_arrays_are_refused_at_the_depth_limit() {
    let text = format!(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    bad_scenario_at(
        &text,
        "invalid TOML: arrays and inline tables nest too deeply",
        5,
        262,
    );
}

#[test]
fn ten_thousand_nested_inline_tables_are_refused_at_the_depth_limit() {
    let text = format!(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts]\nx = {}1{}\n",
        "{a = ".repeat(10_000),
        "}".repeat(10_000)
    );
    bad_scenario_at(
        &text,
        "invalid TOML: arrays and inline tables nest too deeply",
        5,
        1286,
    );
}

#[test]
fn a_ten_thousand_deep_dotted_table_header_is_refused() {
    let text = format!(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts.{}]\nx = 1\n",
        vec!["a"; 10_000].join(".")
    );
    // Valid TOML: the loader refuses it at the 257th level.
    bad_scenario_at(
        &text,
        "tables and arrays nest more than 256 levels deep",
        4,
        520,
    );
}

#[test]
fn fifty_nested_tables_load_and_are_readable_to_the_bottom() {
    let text = format!(
        "[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n[facts.{}]\nx = 7\n",
        vec!["a"; 50].join(".")
    );
    let f = Fixture::new();
    f.rule(
        "r",
        &format!(
            "const RESPONSE = \"new-sanctions\";\nfn fires(s) {{\n    let t = s.facts;\n    {}\n    `${{t.x}}`\n}}\n",
            "t = t.a; ".repeat(50)
        ),
    )
    .scenario("s", &text);
    let out = f.run(&["run", "scenarios/s.toml", "--format", "json"]);
    out.code(0);
    assert_eq!(verdict(scenario(&out.json(), "s"), "r")["reason"], "7");
}

// --- Encodings, line endings, empty files ------------------------------------------

#[test]
fn a_byte_order_mark_does_not_shift_positions_in_a_scenario() {
    let doc = bad_scenario_bytes(b"\xef\xbb\xbf[scenario]\ntitle = 5\nas_of = 2025-06-02\n");
    let d = diagnostic(&doc, BAD, "`title` must be a string");
    assert_at(d, BAD, 2, 9);
}

#[test]
fn crlf_line_endings_give_the_same_positions_in_a_scenario() {
    let doc = bad_scenario_bytes(b"\r\n[scenario]\r\ntitle = 5\r\nas_of = 2025-06-02\r\n");
    let d = diagnostic(&doc, BAD, "`title` must be a string");
    assert_at(d, BAD, 3, 9);
}

#[test]
fn a_scenario_with_a_bom_and_crlf_loads() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write_bytes("scenarios/s.toml", TALKS.replace('\n', "\r\n").as_bytes());
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(TALKS.as_bytes());
    f.write_bytes("scenarios/t.toml", &bytes);
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    assert_eq!(fired(scenario(&doc, "s")), ["new-sanctions"]);
    assert_eq!(fired(scenario(&doc, "t")), ["new-sanctions"]);
}

#[test]
fn a_stray_byte_order_mark_is_an_error_on_whole_characters() {
    // The parser's span covers one byte of the three-byte mark; the
    // diagnostic must widen it to the character to render at all.
    let bytes = b"[scenario]\ntitle\xef\xbb\xbf = \"t\"\n";
    let doc = bad_scenario_bytes(bytes);
    let d = diagnostic(&doc, BAD, "invalid TOML: expected an equals");
    assert_at(d, BAD, 2, 6);
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).write_bytes(BAD, bytes);
    f.run(&["check"])
        .code(2)
        .stderr_has("scenarios/bad.toml:2:6")
        // Shown escaped: an invisible character must not hide in the line.
        .stderr_has("title\\u{feff} = \"t\"");
}

#[test]
fn a_duplicate_key_names_where_it_was_first_defined() {
    let doc =
        bad_scenario_bytes(b"[scenario]\ntitle = \"t\"\nas_of = 2025-06-02\n\ntitle = \"u\"\n");
    let d = diagnostic(&doc, BAD, "the key `title` is defined multiple times");
    assert_at(d, BAD, 5, 1);
    assert_eq!(
        d["help"],
        "first defined at line 2, column 1",
        "{}",
        pretty(d)
    );
}

#[test]
fn an_empty_scenario_file_has_no_title_and_no_date() {
    let doc = bad_scenario_bytes(b"");
    diagnostic(&doc, BAD, "scenario has no `title`");
    diagnostic(&doc, BAD, "scenario has no `as_of` and no events");
}

#[test]
fn a_scenario_of_only_whitespace_and_comments_has_no_title() {
    let doc = bad_scenario_bytes(b"  \n\n# only a comment\n\t\n");
    diagnostic(&doc, BAD, "scenario has no `title`");
}

/// A fixture with the good rule, the talks scenario and `rules/bad.rhai`
/// holding `bytes`; `run --format json` must exit 2 and still judge the
/// good rule. Returns the document.
#[track_caller]
fn bad_rule_bytes(bytes: &[u8]) -> Value {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write_bytes("rules/bad.rhai", bytes)
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    assert_eq!(fired(sc), ["new-sanctions"]);
    assert_eq!(verdict(sc, "good")["reason"], "the talks brought nothing");
    doc
}

/// A rule that does not load: a diagnostic with `message` at `line:col`.
#[track_caller]
fn bad_rule_at(text: &str, message: &str, line: u64, column: u64) -> Value {
    let doc = bad_rule_bytes(text.as_bytes());
    let d = diagnostic(&doc, "rules/bad.rhai", message);
    assert_at(d, "rules/bad.rhai", line, column);
    assert_eq!(d["severity"], "error");
    doc
}

#[test]
fn crlf_line_endings_give_the_same_positions_in_a_rule() {
    bad_rule_at(
        "const RESPONSE = \"leaders-summit\";\r\nfn fires(s) {\r\n    let x = ;\r\n    true\r\n}\r\n",
        "Unexpected ';'",
        3,
        13,
    );
}

#[test]
fn a_byte_order_mark_does_not_shift_positions_in_a_rule() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(
        b"const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let x = ;\n}\n",
    );
    let doc = bad_rule_bytes(&bytes);
    assert_at(
        diagnostic(&doc, "rules/bad.rhai", "Unexpected ';'"),
        "rules/bad.rhai",
        3,
        13,
    );
}

#[test]
fn a_rule_that_is_not_utf8_is_reported_at_the_first_bad_byte() {
    let doc = bad_rule_bytes(
        b"const RESPONSE = \"leaders-summit\";\n// caf\xe9\nfn fires(s) {\n    true\n}\n",
    );
    assert_at(
        diagnostic(&doc, "rules/bad.rhai", "not valid UTF-8"),
        "rules/bad.rhai",
        2,
        7,
    );
}

#[test]
fn an_empty_rule_file_has_no_response_and_no_fires() {
    let doc = bad_rule_at("", "rule has no `RESPONSE`", 1, 1);
    assert_at(
        diagnostic(&doc, "rules/bad.rhai", "rule has no `fires` function"),
        "rules/bad.rhai",
        1,
        1,
    );
}

#[test]
fn an_empty_catalogue_makes_every_rule_name_an_unknown_response() {
    let f = Fixture::new();
    f.write("rules/responses.toml", "")
        .rule("good", GOOD_RULE)
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    let d = diagnostic(&doc, "rules/good.rhai", "unknown response `new-sanctions`");
    assert_at(d, "rules/good.rhai", 1, 18);
    assert_eq!(fired(scenario(&doc, "talks")), Vec::<String>::new());
}

// --- Files and folders ---------------------------------------------------------------

#[test]
fn ten_thousand_scenario_files_with_one_broken_all_report_quickly() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE);
    for i in 0..10_000 {
        let text = if i == 5_000 {
            "[scenario]\ntitle = 5\nas_of = 2025-06-02\n".to_string()
        } else {
            format!("[scenario]\ntitle = \"S{i}\"\nas_of = 2025-06-02\n")
        };
        f.write(&format!("scenarios/s{i:05}.toml"), &text);
    }
    let out = f.run(&["run", "scenarios", "--format", "jsonl"]);
    out.code(2);
    assert!(
        out.elapsed < Duration::from_secs(60),
        "took {:?}",
        out.elapsed
    );
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let judged = lines.iter().filter(|l| l["type"] == "scenario").count();
    assert_eq!(judged, 9_999);
    let bad: Vec<&Value> = lines.iter().filter(|l| l["type"] == "diagnostic").collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_at(bad[0], "scenarios/s05000.toml", 2, 9);
    let check = f.run(&["check"]);
    check.code(2).stderr_has("scenarios/s05000.toml:2:9");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_the_scenarios_folder_is_an_error_not_a_hang() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    // Two links back to the folder: followed blindly, 2^40 folders.
    for link in ["scenarios/x", "scenarios/y"] {
        std::os::unix::fs::symlink(".", f.path().join(link)).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    let doc = out.json();
    for link in ["scenarios/x", "scenarios/y"] {
        let d = diagnostic(&doc, link, "symlink loop");
        assert_message(d, "leads back to scenarios");
    }
    assert_eq!(
        doc["scenarios"].as_array().map(Vec::len),
        Some(1),
        "{}",
        pretty(&doc)
    );
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    f.run(&["check"]).code(2).stderr_has("symlink loop");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_the_rules_folder_is_an_error_and_the_rules_still_load() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    std::os::unix::fs::symlink(".", f.path().join("rules/again")).unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    let doc = out.json();
    diagnostic(&doc, "rules/again", "symlink loop");
    let sc = scenario(&doc, "talks");
    assert_eq!(fired(sc), ["new-sanctions"]);
    assert_eq!(
        sc["responses"].as_array().map(Vec::len),
        Some(1),
        "{}",
        pretty(sc)
    );
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_an_unreadable_file_even_for_root() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    std::os::unix::fs::symlink("nowhere.toml", f.path().join(BAD))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    diagnostic(&doc, BAD, "cannot read file");
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_scenario_is_an_error_and_the_others_still_run() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("talks", TALKS)
        .scenario("bad", TALKS);
    let path = f.path().join(BAD);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("{e}"));
    // Root reads a mode-000 file anyway, and CI runs as root: there the
    // binary runs as `nobody` (65534), for whom the read is refused.
    let out = if is_root() {
        f.run_as(65534, &["run", "scenarios", "--format", "json"])
    } else {
        f.run(&["run", "scenarios", "--format", "json"])
    };
    out.code(2);
    let doc = out.json();
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
    let d = diagnostic(&doc, BAD, "cannot read file");
    assert_message(d, "Permission denied");
    assert!(
        doc["scenarios"]
            .as_array()
            .is_some_and(|a| a.iter().all(|s| s["id"] != "bad")),
        "{}",
        pretty(&doc)
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_scenario_is_refused_instead_of_blocking() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    let status = std::process::Command::new("mkfifo")
        .arg(f.path().join(BAD))
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(status.success());
    let out = f.run(&["run", "scenarios", "--format", "json"]);
    out.code(2);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    let doc = out.json();
    diagnostic(&doc, BAD, "not a regular file");
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[cfg(unix)]
#[test]
fn extending_a_device_is_refused_instead_of_reading_forever() {
    let doc = bad_scenario_bytes(b"[scenario]\ntitle = \"t\"\nextends = \"/dev/zero\"\n");
    let d = diagnostic(&doc, BAD, "which is not a `.toml` scenario file");
    assert_at(d, BAD, 3, 11);
}

#[cfg(unix)]
#[test]
fn extending_a_fifo_named_toml_is_refused_instead_of_blocking() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .scenario("v", "[scenario]\ntitle = \"t\"\nextends = \"pipe.toml\"\n");
    let fifo = f.path().join("scenarios/pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    let out = f.run(&["run", "scenarios/v.toml", "--format", "json"]);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    out.code(2);
    diagnostic(&out.json(), "scenarios/pipe.toml", "not a regular file");
}

#[test]
fn a_catalogue_that_is_a_folder_is_an_error() {
    let f = Fixture::bare();
    f.mkdir("rules/responses.toml")
        .rule("good", GOOD_RULE)
        .scenario("talks", TALKS);
    let out = f.run(&["check"]);
    out.code(2)
        .stderr_has("not a regular file")
        .stderr_has("rules/responses.toml");
}

// --- Rules that do not load ---------------------------------------------------------

#[test]
fn a_response_that_is_not_a_string_is_a_type_error_at_the_constant() {
    let doc = bad_rule_at(
        "const RESPONSE = 5;\nfn fires(s) {\n    true\n}\n",
        "`RESPONSE` must be a string naming a response, found an integer",
        1,
        7,
    );
    // Not also reported as missing.
    let n = doc["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["file"] == "rules/bad.rhai")
        .count();
    assert_eq!(n, 1, "{}", pretty(&doc));
}

#[test]
fn a_response_in_a_let_instead_of_a_const_is_missing() {
    bad_rule_at(
        "let RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n",
        "rule has no `RESPONSE`",
        1,
        1,
    );
}

/// One test per deeply nested expression: a compile error at its position.
macro_rules! too_deep {
    ($($name:ident: $expr:expr => $line:expr, $col:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let text = format!(
                    "const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {}\n}}\n",
                    $expr
                );
                bad_rule_at(&text, "Expression exceeds maximum complexity", $line, $col);
            }
        )*
    };
}

too_deep! {
    ten_thousand_nested_parentheses:
        format!("{}1{} > 0", "(".repeat(10_000), ")".repeat(10_000)) => 3, 27;
    ten_thousand_chained_additions:
        format!("1{} > 0", " + 1".repeat(10_000)) => 3, 179;
    ten_thousand_nested_arrays_in_a_rule:
        format!("{}1{}.len() > 0", "[".repeat(10_000), "]".repeat(10_000)) => 3, 20;
    ten_thousand_negations:
        format!("{}true", "!".repeat(10_000)) => 3, 49;
    ten_thousand_nested_blocks:
        format!("{}true{}", "{".repeat(10_000), "}".repeat(10_000)) => 3, 28;
    ten_thousand_nested_ifs:
        format!("{}true{}", "if true {".repeat(10_000), "} else {false}".repeat(10_000)) => 3, 140;
    ten_thousand_nested_closures:
        format!("let f = {}true; true", "|x| ".repeat(10_000)) => 3, 73;
}

#[test]
fn an_import_by_absolute_path_is_refused() {
    let doc = bad_rule_at(
        "import \"/etc/passwd\" as x;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    true\n}\n",
        "outside the rules' `lib/` folder",
        1,
        9,
    );
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "leaders-summit")["status"], "error");
}

#[cfg(unix)]
#[test]
fn a_helper_that_links_outside_the_rules_folder_is_refused() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "bad",
            "import \"lib/evil\" as e;\nconst RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    e::secret() > 0\n}\n",
        )
        .write("outside.rhai", "fn secret() { 42 }\n")
        .mkdir("rules/lib")
        .scenario("talks", TALKS);
    std::os::unix::fs::symlink(
        f.path().join("outside.rhai"),
        f.path().join("rules/lib/evil.rhai"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    diagnostic(
        &doc,
        "rules/lib/evil.rhai",
        "link to a file outside the rules folder",
    );
    let d = diagnostic(&doc, "rules/bad.rhai", "no helper `lib/evil`");
    assert_at(d, "rules/bad.rhai", 1, 9);
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "leaders-summit")["status"], "error");
    assert_eq!(fired(sc), ["new-sanctions"]);
}

#[cfg(unix)]
#[test]
fn a_rule_that_links_outside_the_rules_folder_is_refused() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .write(
            "outside.rhai",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) { true }\n",
        )
        .scenario("talks", TALKS);
    std::os::unix::fs::symlink(
        f.path().join("outside.rhai"),
        f.path().join("rules/bad.rhai"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let doc = out.json();
    diagnostic(
        &doc,
        "rules/bad.rhai",
        "link to a file outside the rules folder",
    );
    assert_eq!(fired(scenario(&doc, "talks")), ["new-sanctions"]);
}

#[test]
fn fired_with_a_variable_instead_of_a_literal_is_refused() {
    bad_rule_at(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let id = \"new-sanctions\";\n    fired(id)\n}\n",
        "`fired` needs one literal response id",
        4,
        5,
    );
}

#[test]
fn a_response_reading_itself_with_fired_is_a_cycle() {
    let doc = bad_rule_at(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    fired(\"leaders-summit\")\n}\n",
        "`fired` cycle: `leaders-summit` → `leaders-summit`",
        3,
        11,
    );
    let e = rule_error(scenario(&doc, "talks"), "bad");
    assert_eq!(e["kind"], "compile");
}

// --- Rules that fail while running ----------------------------------------------------

/// Runs `fires` with `body` in `rules/bad.rhai` (response `leaders-summit`);
/// the rule's error must contain `message`, be of one of `kinds`, and sit
/// at `rules/bad.rhai:line:column`. Returns the error.
#[track_caller]
fn bad_body(body: &str, message: &str, kinds: &[&str], line: u64, column: u64) -> Value {
    let text = format!("const RESPONSE = \"leaders-summit\";\nfn fires(s) {{\n    {body}\n}}\n");
    let doc = bad_rule_bytes(text.as_bytes());
    let sc = scenario(&doc, "talks");
    assert_eq!(response(sc, "leaders-summit")["status"], "error");
    let e = rule_error(sc, "bad").clone();
    assert_message(&e, message);
    assert!(
        kinds.iter().any(|k| e["kind"] == *k),
        "kind not in {kinds:?}: {}",
        pretty(&e)
    );
    assert_at(&e, "rules/bad.rhai", line, column);
    e
}

/// One test per rule body that must fail: `name: body => message, [kinds], line, column`.
macro_rules! bad_bodies {
    ($($name:ident: $body:expr => $msg:expr, [$($kind:expr),*], $line:expr, $col:expr;)*) => {
        $(
            #[test]
            fn $name() {
                bad_body($body, $msg, &[$($kind),*], $line, $col);
            }
        )*
    };
}

bad_bodies! {
    // Memory bombs. Rhai checks an array's or map's size on every change by
    // walking it, so growing one to the limit costs quadratic time: in a
    // debug build the wall-clock backstop may stop it first.
    memory_bomb_array_growth:
        "let a = [];\n    loop { a.push(1); }"
        => "", ["limit", "timeout"], 2, 1;
    memory_bomb_map_growth:
        "let m = #{};\n    let i = 0;\n    loop { m[`k${i}`] = i; i += 1; }"
        => "", ["limit", "timeout"], 2, 1;
    memory_bomb_array_of_arrays:
        "let a = [];\n    a.pad(100000, 0);\n    let b = [];\n    b.pad(100000, a);\n    true"
        => "Size of array", ["limit"], 2, 1;
    memory_bomb_string_pad:
        "let x = \"x\";\n    x.pad(9223372036854775807, \"y\");\n    true"
        => "Length of string too large", ["limit"], 2, 1;
    memory_bomb_blob:
        "let b = blob(9223372036854775807);\n    true"
        => "Size of array/BLOB too large", ["limit"], 2, 1;
    // Integer overflow and division by zero are errors, never wraps.
    integer_overflow_addition:
        "let x = 9223372036854775807;\n    x + 1 > 0"
        => "Addition overflow", ["runtime"], 4, 7;
    integer_overflow_multiplication:
        "let x = 9223372036854775807;\n    x * 2 > 0"
        => "Multiplication overflow", ["runtime"], 4, 7;
    integer_overflow_negation:
        "let x = -9223372036854775807 - 1;\n    -x > 0"
        => "Negation overflow", ["runtime"], 4, 5;
    integer_overflow_division:
        "let x = -9223372036854775807 - 1;\n    x / -1 > 0"
        => "Division overflow", ["runtime"], 4, 7;
    integer_overflow_power:
        "2 ** 64 > 0" => "Exponential overflow", ["runtime"], 3, 7;
    modulo_by_zero:
        "let x = 1;\n    x % 0 > 0" => "Modulo division by zero", ["runtime"], 4, 7;
    // Infinity is refused where it is made (issue 12, finding 5).
    float_infinity_to_integer:
        "let x = 1.0 / 0.0;\n    x.to_int() > 0" => "gives infinity, not a finite number", ["runtime"], 3, 17;
    float_too_large_to_integer:
        "let x = 1e300 * 10.0;\n    x.to_int() > 0" => "Integer overflow", ["runtime"], 4, 7;
    // Day and month counts past the calendar or past 64 bits: these three
    // used to panic (exit 70).
    days_past_the_duration_range:
        "let d = date(\"2025-01-01\") + days(9223372036854775807);\n    true"
        => "is outside the calendar", ["runtime"], 3, 32;
    days_times_two_overflows:
        "let d = days(9223372036854775807) * 2;\n    true"
        => "overflows", ["runtime"], 3, 39;
    days_plus_days_overflows:
        "let d = days(9223372036854775807) + days(1);\n    true"
        => "overflows", ["runtime"], 3, 39;
    minus_the_smallest_day_count:
        "let d = date(\"2025-01-01\") - days(-9223372036854775807 - 1);\n    true"
        => "is outside the calendar", ["runtime"], 3, 32;
    minus_the_smallest_month_count:
        "let d = date(\"2025-01-01\") - months(-9223372036854775807 - 1);\n    true"
        => "is outside the calendar", ["runtime"], 3, 32;
    // No eval, no clock, no way around them.
    eval_through_a_function_pointer:
        "let f = Fn(\"eval\");\n    f.call(\"1\")" => "'eval' is a reserved keyword", ["runtime"], 2, 1;
    sleep_with_a_float:
        "sleep(1.5);\n    true" => "`sleep` is not available", ["runtime"], 3, 5;
    // Mutation attempts on the scenario.
    writing_a_fact:
        "s.facts.x = 1;\n    true" => "No writable property 'x'", ["runtime"], 3, 13;
    writing_the_judgement_date:
        "s.as_of = date(\"2025-01-01\");\n    true" => "No writable property 'as_of'", ["runtime"], 3, 7;
    writing_a_nested_field:
        "let t = s.latest(\"talks\");\n    t.outcome.ceasefire = true;\n    true"
        => "No writable property 'ceasefire'", ["runtime"], 4, 15;
    // Comparisons across types.
    comparing_a_date_with_an_integer:
        "s.as_of == 5" => "cannot compare a date with an integer using `==`", ["runtime"], 3, 13;
    membership_of_a_number_in_an_array_of_strings:
        "5 in [\"5\"]" => "cannot compare a string (\"5\") with an integer", ["runtime"], 3, 7;
    // Predicate closures returning something other than a bool.
    some_closure_returning_a_number:
        "s.events().some(|e| 1)" => "the closure given to `some` returned an integer", ["runtime"], 3, 16;
    all_closure_returning_a_string:
        "s.events().all(|e| \"x\")" => "the closure given to `all` returned a string", ["runtime"], 3, 16;
    find_closure_returning_unit:
        "s.events().find(|e| ())" => "the closure given to `find` returned `()`", ["runtime"], 3, 16;
    index_of_closure_returning_a_number:
        "s.events().index_of(|e| 0) > 0" => "the closure given to `index_of`", ["runtime"], 3, 16;
    retain_closure_returning_a_number:
        "let a = s.events();\n    a.retain(|e| 1);\n    true" => "the closure given to `retain`", ["runtime"], 4, 7;
    drain_closure_returning_a_number:
        "let a = s.events();\n    a.drain(|e| 1);\n    true" => "the closure given to `drain`", ["runtime"], 4, 7;
}

#[test]
fn a_rule_emptying_its_copy_of_the_events_does_not_change_what_the_next_rule_sees() {
    let f = Fixture::new();
    f.rule(
        "a-writer",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let e = s.events();\n    e.clear();\n    e.len() == 0\n}\n",
    )
    .rule(
        "b-reader",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    `${s.events().len()} ${s.count()}`\n}\n",
    )
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    assert_eq!(verdict(sc, "b-reader")["reason"], "2 2");
    assert_eq!(fired(sc), ["leaders-summit", "new-sanctions"]);
}

#[test]
fn assigning_to_a_field_of_a_fresh_event_array_is_a_compile_error() {
    bad_rule_at(
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    s.events()[0].kind = \"x\";\n    true\n}\n",
        "Expression cannot be assigned to",
        3,
        7,
    );
}

#[test]
fn a_print_flood_is_truncated_instead_of_filling_memory() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule(
            "bad",
            "const RESPONSE = \"leaders-summit\";\nfn fires(s) {\n    let x = \"x\";\n    x.pad(100000, \"y\");\n    for i in 0..100 { print(x); }\n    true\n}\n",
        )
        .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(0);
    let doc = out.json();
    let sc = scenario(&doc, "talks");
    let trace = verdict(sc, "bad")["trace"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // 10 MB printed; at most 1 MiB kept, and the cut is said.
    let kept: usize = trace.iter().filter_map(|t| t.as_str()).map(str::len).sum();
    assert!(kept <= 1 << 20, "{kept} bytes of trace kept");
    assert!(trace.len() < 100, "{} lines kept", trace.len());
    let last = trace.last().and_then(|t| t.as_str()).unwrap_or_default();
    assert!(last.contains("trace truncated"), "{last}");
    assert!(
        out.stdout.len() < 2 << 20,
        "{} bytes of output",
        out.stdout.len()
    );
    assert_eq!(fired(sc), ["leaders-summit", "new-sanctions"]);
}

// --- Surprises that are not errors, pinned so a change is noticed --------------------

#[test]
fn ru_in_rus_is_a_substring_test_on_strings_but_exact_on_arrays() {
    let f = Fixture::new();
    f.rule(
        "r",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    `${\"RU\" in \"RUS\"} ${\"RU\" in [\"RUS\"]} ${\"RU\" in [\"RU\", \"UA\"]}`\n}\n",
    )
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(0);
    // Rhai's `in` on two strings is `contains`: "RU" is in "RUS". Rule
    // authors comparing actor codes must use an array or `==`.
    assert_eq!(
        verdict(scenario(&out.json(), "talks"), "r")["reason"],
        "true false true"
    );
}

// --- Deep recursion and long replays --------------------------------------------

#[test]
fn recursion_with_nested_expressions_is_stopped_not_a_stack_overflow() {
    let inner = (0..15).fold("d(k - 1)".to_string(), |acc, _| format!("(1 + {acc})"));
    let text = format!(
        "const RESPONSE = \"leaders-summit\";\nfn d(k) {{ if k <= 0 {{ 0 }} else {{ {inner} }} }}\nfn fires(s) {{\n    d(100) > 0\n}}\n"
    );
    let f = Fixture::new();
    f.rule("good", GOOD_RULE)
        .rule("bad", &text)
        .scenario("talks", TALKS);
    // Fixture::run panics on a crash (exit code -1 for a signal).
    let out = f.run(&["run", "scenarios/talks.toml", "--format", "json"]);
    out.code(2);
    let e = rule_error(scenario(&out.json(), "talks"), "bad").clone();
    assert_message(&e, "nested calls");
}

#[test]
fn a_scenario_spanning_ten_thousand_years_is_refused_by_timeline_in_bounded_time() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "long",
        "[scenario]\ntitle = \"t\"\nas_of = 9999-12-31\n[[events]]\nkind = \"x\"\ndate = 0001-01-01\n",
    );
    let out = f.run(&["timeline", "scenarios/long.toml"]);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    out.code(2)
        .stderr_has("scenarios/long.toml")
        .stderr_has("more than the limit of 3653 (ten years)")
        .stderr_has("--from and --to");
    // A window within the limit replays.
    f.run(&["timeline", "scenarios/long.toml", "--from", "9999-01-01"])
        .code(0);
}

#[test]
fn a_first_fire_expectation_over_ten_thousand_years_is_an_error_in_bounded_time() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "long",
        "[scenario]\ntitle = \"t\"\nas_of = 9999-12-31\n[[events]]\nkind = \"x\"\ndate = 0001-01-01\n\n[expect.first_fire]\nnew-sanctions = 0001-01-01\n",
    );
    let out = f.run(&["test", "scenarios/long.toml"]);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    out.code(2)
        .stdout_has("test long ... ERROR")
        .stdout_has("not judged: replaying 0001-01-01 to 9999-12-31");
    let out = f.run(&["test", "--bless", "scenarios/long.toml"]);
    assert!(out.elapsed < BOUND, "took {:?}", out.elapsed);
    out.code(2).stderr_has("more than the limit");
}

#[test]
fn terminal_control_codes_in_a_scenario_are_refused_at_their_position() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario(
        "esc",
        "[scenario]\ntitle = \"T \\u001b]0;pwned\\u0007\"\nas_of = 2025-06-02\n\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\nlocation = \"X\\u001b[2K\"\n",
    );
    let out = f.run(&["run", "scenarios/esc.toml"]);
    out.code(2)
        .stderr_has("scenarios/esc.toml:2:9")
        .stderr_has("control character U+001B")
        .stderr_has("scenarios/esc.toml:8:12");
    assert!(!out.stdout.contains('\u{1b}') && !out.stderr.contains('\u{1b}'));
}

#[test]
fn terminal_control_codes_from_a_rule_are_escaped_in_its_reason_and_trace() {
    let f = Fixture::new();
    f.rule(
        "esc",
        "const RESPONSE = \"new-sanctions\";\nfn fires(s) {\n    print(\"\\x1b[2J\");\n    \"red \\x1b[31m text\"\n}\n",
    )
    .scenario("talks", TALKS);
    let out = f.run(&["run", "scenarios/talks.toml", "--explain"]);
    out.code(0).stdout_has("red \\u{1b}[31m text");
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.dump());
}

#[test]
fn a_reversed_timeline_window_is_an_error() {
    let f = Fixture::new();
    f.rule("good", GOOD_RULE).scenario("talks", TALKS);
    f.run(&[
        "timeline",
        "scenarios/talks.toml",
        "--from",
        "2025-06-02",
        "--to",
        "2025-05-01",
    ])
    .code(2)
    .stderr_has("the replay would start on 2025-06-02 after it ends on 2025-05-01");
}
