//! `report`: the HTML page and the Markdown brief of the shipped library
//! say what `run` and `timeline` say, parse without a single HTML error,
//! load nothing from anywhere, escape what files hold, and refuse what
//! would make an unusable page. (`tests/browser.rs` opens the page in
//! Chromium; `.ci/run` runs it.)

use html5ever::tendril::TendrilSink;
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{ParseOpts, parse_document};
use markup5ever_rcdom::RcDom;

use crate::support::*;

/// The HTML parse errors of `html`, as a browser's parser meets them.
pub fn html_errors(html: &str) -> Vec<String> {
    let opts = ParseOpts {
        tree_builder: TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let dom = parse_document(RcDom::default(), opts).one(html);
    let errors = dom.errors.borrow();
    errors.iter().map(|e| e.to_string()).collect()
}

#[track_caller]
fn read(f: &Fixture, rel: &str) -> String {
    std::fs::read_to_string(f.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text of the section with `id` (up to the next section).
#[track_caller]
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section class=\"scenario\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    let end = rest[1..].find("<section").map_or(rest.len(), |n| n + 1);
    &rest[..end]
}

#[test]
fn the_shipped_library_makes_a_valid_page_with_every_scenario_and_the_seed_case() {
    let f = shipped();
    let out = f.run(&["report"]);
    out.code(0).stderr_has("wrote report.html: 15 scenarios");
    let html = read(&f, "report.html");
    let errors = html_errors(&html);
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}");
    // Nothing to fetch, and a policy that forbids fetching.
    assert!(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    for needle in ["<script", " src=", "<link", "@import", "url("] {
        assert!(!html.contains(needle), "the page has {needle:?}");
    }
    // A section per scenario, each with a chart, and a row in the matrix.
    let sections = html.matches("<section class=\"scenario\"").count();
    assert_eq!(sections, 15);
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 15);
    assert_eq!(html.matches("role=\"img\"").count(), 15);
    let seed = section(&html, "s-istanbul-2025-06-02");
    for firing in ["energy-bank-sanctions", "new-sanctions", "leaders-summit"] {
        assert!(
            seed.contains(&format!("<code>{firing}</code>, severity")),
            "{firing} does not fire in the seed section"
        );
    }
    assert_eq!(seed.matches("<div class=\"response\">").count(), 3);
    // Its reason, the rule's description and its SOURCE, linked.
    assert!(
        seed.contains(
            "round 2 in Istanbul on 2025-06-02 ended with no ceasefire and no breakthrough"
        )
    );
    assert!(seed.contains("A negotiation round that brings nothing"));
    assert!(seed.contains("Source: Zelenskiy at the Bucharest Nine"));
    assert!(seed.contains("<a href=\"https://tass.com/politics/1967455\""));
    // The bar of new-sanctions starts where `timeline` says.
    let tl = f.run(&[
        "timeline",
        "scenarios/istanbul-2025-06-02.toml",
        "--format",
        "json",
    ]);
    let doc = tl.code(0).json();
    let from = doc["scenarios"][0]["responses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["id"] == "new-sanctions")
        .map(|r| r["periods"][0]["from"].clone());
    assert_eq!(from, Some("2025-05-16".into()));
    assert!(seed.contains("<title>new-sanctions fires from 2025-05-16 (still firing)</title>"));
    assert!(seed.contains("<li><code>new-sanctions</code>: fires from 2025-05-16 (still firing); tipped by round-1 (talks)"));
    // Headings in order: h1, then h2 and h3, never a skipped level.
    let mut last = 0;
    for (i, _) in html.match_indices("<h") {
        if let Some(level) = html[i + 2..].chars().next().and_then(|c| c.to_digit(10)) {
            assert!(level <= last + 1, "h{level} after h{last}");
            last = level;
        }
    }
    // Every header cell says what it heads.
    assert_eq!(html.matches("<th>").count(), 0, "a <th> without scope");
}

#[test]
fn the_brief_of_the_seed_reads_as_a_paragraph_with_linked_sources() {
    let f = shipped();
    let out = f.run(&[
        "report",
        "--format",
        "markdown",
        "--out",
        "-",
        "scenarios/istanbul-2025-06-02.toml",
    ]);
    out.code(0)
        .stdout_has("As of 2025-06-02, three responses are triggered: sanctions on Russia's energy sector and banks, strong new sanctions on Russia and leaders' summit")
        .stdout_has("Five others are quiet.")
        .stdout_has("because round 2 in Istanbul on 2025-06-02 ended with no ceasefire and no breakthrough")
        .stdout_has("It fires from 2025-05-16, tipped by [round-1 (talks)](https://www.hindustantimes.com/")
        .stdout_has("[tass.com](https://tass.com/politics/1967455)")
        .stdout_has("| `new-sanctions` | 2025-05-16 | still firing | tipped by round-1 (talks) |");
    assert!(!out.stdout.contains("<script"));
}

const FIRES: &str =
    "const RESPONSE = \"new-sanctions\";\nfn fires(s) { `talks: ${s.count(\"talks\")}` }\n";

#[test]
fn a_broken_file_and_a_rule_error_are_shown_as_errors_and_the_rest_is_reported() {
    let f = Fixture::new();
    f.rule("talks", FIRES);
    f.rule(
        "summit",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) { s.latest(\"talks\").venue }\n",
    );
    f.scenario("talks", TALKS);
    f.scenario(
        "broken",
        "[scenario]\ntitle = \"Broken\"\nas_off = 2025-06-02\n",
    );
    let out = f.run(&["report", "--out", "r.html"]);
    out.code(2)
        .stderr_has("scenarios/broken.toml:3:1")
        .stderr_has("wrote r.html: 1 scenario");
    let html = read(&f, "r.html");
    assert!(html_errors(&html).is_empty());
    assert!(
        html.contains("<td class=\"error\">error</td>"),
        "the summit is not an error"
    );
    assert!(html.contains("<td class=\"fires\">fires</td>"));
    assert!(html.contains("<h3>Problems</h3>"));
    assert!(
        html.contains("scenarios/broken.toml:3:1: error: unknown key in `[scenario]`: `as_off`")
    );
    assert!(html.contains("has no field `venue`"));
}

#[test]
fn text_from_files_is_escaped_in_the_page_and_in_the_brief() {
    let f = Fixture::new();
    f.rule(
        "talks",
        "const RESPONSE = \"new-sanctions\";\nconst SOURCE = \"<img src=x onerror=alert(1)>\";\nfn fires(s) { \"<script>alert(1)</script> [x](javascript:alert(1))\" }\n",
    );
    f.scenario(
        "evil",
        "[scenario]\ntitle = \"<b>bold</b> & co\"\nas_of = 2025-06-02\nsources = [\"javascript:alert(1)\"]\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\nsource = \"javascript:alert(2)\"\n",
    );
    let out = f.run(&["report", "--out", "-"]);
    out.code(0)
        .stdout_lacks("<script>alert")
        .stdout_lacks("<img src=x")
        .stdout_lacks("href=\"javascript:")
        .stdout_has("&lt;b&gt;bold&lt;/b&gt; &amp; co")
        .stdout_has("&lt;script&gt;alert(1)&lt;/script&gt;");
    assert!(html_errors(&out.stdout).is_empty());
    let md = f.run(&["report", "--format", "markdown", "--out", "-"]);
    md.code(0)
        .stdout_lacks("<script>")
        .stdout_lacks("x](javascript:")
        .stdout_has("&lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:alert(1))");
}

#[test]
fn more_scenarios_than_the_limit_are_refused_and_nothing_is_written() {
    let f = Fixture::new();
    f.rule("talks", FIRES);
    f.scenario("a", TALKS);
    f.scenario("b", TALKS);
    let out = f.run(&["report", "--max-scenarios", "1"]);
    out.code(2)
        .stderr_has("error: 2 scenarios are more than a report holds (1); nothing was written")
        .stderr_has("--max-scenarios 2");
    assert!(!f.path().join("report.html").exists());
    f.run(&["report", "--max-scenarios", "2"]).code(0);
    assert!(f.path().join("report.html").exists());
}

#[test]
fn bad_options_and_an_unwritable_file_are_errors() {
    let f = Fixture::new();
    f.rule("talks", FIRES);
    f.scenario("talks", TALKS);
    f.run(&["report", "--as-of", "2025-6-2"])
        .code(2)
        .stderr_has("YYYY-MM-DD");
    f.run(&["report", "--format", "pdf"]).code(2);
    f.run(&["report", "--out", "no/such/dir/r.html"])
        .code(2)
        .stderr_has("cannot write the report");
    f.run(&["--rules", "nowhere", "report"])
        .code(2)
        .stderr_has("rules folder not found");
    assert!(!f.path().join("report.html").exists());
    // A window the replay refuses is that scenario's error, in the page.
    let out = f.run(&["report", "--from", "2025-07-01", "--out", "-"]);
    out.code(2).stdout_has("error: the replay was refused");
}

#[test]
fn as_of_judges_every_scenario_at_that_date_and_keeps_the_test_at_its_own() {
    let f = Fixture::new();
    f.rule("talks", FIRES);
    f.scenario(
        "talks",
        &format!("{TALKS}\n[expect]\nfires = [\"new-sanctions\"]\n"),
    );
    let out = f.run(&[
        "report",
        "--as-of",
        "2025-06-01",
        "--out",
        "-",
        "--title",
        "June",
    ]);
    out.code(0)
        .stdout_has("<title>June</title>")
        .stdout_has("all judged as of 2025-06-01")
        .stdout_has("as of <b>2025-06-01</b>")
        .stdout_has("<td class=\"passed\">passed</td>");
}

/// The ids in the coverage table's row `label`, as the page lists them.
#[track_caller]
fn coverage_row(html: &str, label: &str) -> Vec<String> {
    let head = format!("<th scope=\"row\">{label}</th><td>");
    let start = html
        .find(&head)
        .unwrap_or_else(|| panic!("no coverage row {label:?}"))
        + head.len();
    let cell = &html[start..start + html[start..].find("</td>").unwrap_or(0)];
    cell.split(", ")
        .filter_map(|c| c.strip_prefix("<code>")?.strip_suffix("</code>"))
        .map(String::from)
        .collect()
}

#[test]
fn coverage_names_what_the_scenarios_never_exercise_as_test_coverage_counts_it() {
    let f = Fixture::new();
    f.rule("talks", FIRES);
    f.rule(
        "summit",
        "const RESPONSE = \"leaders-summit\";\nfn fires(s) { s.count(\"summit\") > 0 }\n",
    );
    f.rule(
        "broken",
        "const RESPONSE = \"energy-bank-sanctions\";\nfn fires(s) { s.latest(\"talks\").venue }\n",
    );
    f.scenario("talks", TALKS);
    let out = f.run(&["report", "--coverage", "--out", "-"]);
    // The broken rule's error makes the exit 2; the page is still written.
    out.code(2).stdout_has("<h3>Coverage</h3>");
    let html = &out.stdout;
    assert!(html_errors(html).is_empty());
    assert_eq!(
        coverage_row(html, "Rules never fired"),
        ["broken", "summit"]
    );
    assert_eq!(coverage_row(html, "Rules never quiet"), ["broken", "talks"]);
    assert_eq!(coverage_row(html, "Rules that errored"), ["broken"]);
    let responses = coverage_row(html, "Responses never fired");
    assert!(
        responses.contains(&"leaders-summit".to_string()),
        "{responses:?}"
    );
    assert!(
        !responses.contains(&"new-sanctions".to_string()),
        "{responses:?}"
    );
    // The same as `test --coverage` says.
    let doc = f.run(&["test", "--coverage", "--format", "json"]).json();
    let never: Vec<String> = doc["coverage"]["rules"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, t)| t["fired"] == 0)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(coverage_row(html, "Rules never fired"), never);
    let never: Vec<String> = doc["coverage"]["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(responses, never);
    // The brief lists the same.
    f.run(&["report", "--coverage", "--format", "markdown", "--out", "-"])
        .code(2)
        .stdout_has("**Coverage:** 1 of 3 rules fired in at least one scenario.")
        .stdout_has("- Rules never fired: `broken`, `summit`")
        .stdout_has(&format!(
            "- Responses never fired: `{}`",
            responses.join("`, `")
        ));
    // Without the flag, no coverage.
    f.run(&["report", "--out", "-"])
        .code(2)
        .stdout_lacks("Coverage");
    // A scenario where the summit is held takes it off the list.
    f.scenario(
        "summit",
        "[scenario]\ntitle = \"Summit\"\nas_of = 2025-06-02\n[[events]]\nkind = \"summit\"\ndate = 2025-06-01\n",
    );
    let both = f.run(&["report", "--coverage", "--out", "-"]);
    assert_eq!(coverage_row(&both.stdout, "Rules never fired"), ["broken"]);
    assert_eq!(
        coverage_row(&both.stdout, "Rules never quiet"),
        ["broken", "talks"]
    );
}

/// The time in the page's footer, parsed.
#[track_caller]
fn stamped(html: &str) -> chrono::DateTime<chrono::FixedOffset> {
    let head = "<footer><p class=\"meta\">Written <time datetime=\"";
    let start = html.find(head).unwrap_or_else(|| panic!("no stamp")) + head.len();
    let end = start + html[start..].find('"').unwrap_or(0);
    chrono::DateTime::parse_from_rfc3339(&html[start..end])
        .unwrap_or_else(|e| panic!("{:?}: {e}", &html[start..end]))
}

#[test]
fn only_stamp_puts_the_time_in_the_page_and_the_brief() {
    let f = Fixture::new();
    f.rule("talks", FIRES);
    f.scenario("talks", TALKS);
    let plain = f.run(&["report", "--out", "-"]);
    plain.code(0).stdout_lacks("<footer>").stdout_lacks("<time");
    // Without --stamp the bytes do not depend on the clock.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = f.run(&["report", "--out", "-"]);
    assert!(plain.stdout == again.stdout, "two runs differ");

    let before = chrono::Utc::now();
    let out = f.run(&["report", "--stamp", "--out", "-"]);
    let after = chrono::Utc::now();
    out.code(0);
    let t = stamped(&out.stdout);
    assert_eq!(t.offset().local_minus_utc(), 0, "not UTC: {t}");
    // RFC 3339 to the second: the stamp is within the run, seconds dropped.
    assert!(t.timestamp() >= before.timestamp() && t.timestamp() <= after.timestamp());
    assert!(html_errors(&out.stdout).is_empty());
    // The footer is the only difference.
    let start = out.stdout.find("<footer>").unwrap_or(0);
    let end = out
        .stdout
        .find("</footer>")
        .map_or(0, |n| n + "</footer>".len());
    let without = format!("{}{}", &out.stdout[..start], &out.stdout[end..]);
    assert!(
        without == plain.stdout,
        "--stamp changed more than the footer"
    );

    let md = f.run(&["report", "--format", "markdown", "--out", "-"]);
    md.code(0).stdout_lacks("Written ");
    let md = f.run(&["report", "--stamp", "--format", "markdown", "--out", "-"]);
    let line = md
        .code(0)
        .stdout
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    let t = line
        .strip_prefix("_Written ")
        .and_then(|l| l.strip_suffix(" by sanctions-trigger._"))
        .unwrap_or_else(|| panic!("no stamp at the brief's end: {line:?}"));
    assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{t:?}");
}
