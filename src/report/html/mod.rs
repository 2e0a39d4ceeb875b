//! `report`'s HTML page: one self-contained file, with its style sheet
//! and charts inline and a Content-Security-Policy that forbids loading
//! anything, so it opens offline, mailed or archived, and makes no request.
//! An overview (what fires in each scenario, the test results, the
//! problems, and with `--coverage` what the scenarios never make the
//! rules do), then a section per scenario: what it is, what fires and
//! why (each rule's reason, description and `SOURCE`), an SVG timeline
//! (`chart`) and its events. Written with maud, which escapes every value
//! it is given; nothing in the page depends on the thread count, nor on
//! the clock unless `--stamp` puts the time in its footer, so the same
//! inputs give the same bytes.

mod chart;
pub mod palette;

use std::collections::BTreeSet;
use std::io::{self, Write};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::coverage;
use crate::diagnostic::Diagnostic;
use crate::dossier::Dossier;
use crate::outcome::Status;
use crate::report::count;
use crate::report::dossiers::{
    CoverageGaps, Input, Segment, event_fields, event_source, is_web_link, response_order,
    response_title, segments, severity, status_word, test_word, with_status,
};
use crate::rules::RuleSet;
use crate::suite::TestStatus;

/// The page's style sheet, inlined after the palette's colours.
const STYLE: &str = include_str!("style.css");

/// Nothing may be fetched: no script, no image or font from anywhere, no
/// form; only the inline style sheet applies.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   base-uri 'none'; form-action 'none'";

/// Writes the page.
pub fn write(out: &mut dyn Write, input: &Input<'_>) -> io::Result<()> {
    let anchors = anchors(input.dossiers);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content="sanctions-trigger report";
                title { (input.title) }
                style { (PreEscaped(palette::css())) (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (input.title) }
                    p.meta { (summary(input)) }
                }
                main {
                    (overview(input, &anchors))
                    @for (d, anchor) in input.dossiers.iter().zip(&anchors) {
                        (scenario(input.set, d, anchor))
                    }
                }
                @if let Some(t) = input.stamp {
                    footer {
                        p.meta { "Written " time datetime=(t) { (t) } " by sanctions-trigger." }
                    }
                }
            }
        }
    };
    out.write_all(page.into_string().as_bytes())?;
    writeln!(out)
}

/// `17 scenarios, judged at their own dates; rules from rules/: …`.
fn summary(input: &Input<'_>) -> String {
    let when = match input.as_of {
        Some(d) => format!("all judged as of {d}"),
        None => "each judged as of its own date".into(),
    };
    let errors = input.dossiers.iter().filter(|d| d.has_errors()).count();
    let problems = input.diagnostics.iter().filter(|d| d.is_error()).count();
    let mut s = format!(
        "{}, {when}, with the rules of {} ({}).",
        count(input.dossiers.len(), "scenario"),
        input.set.dir().display(),
        count(input.set.rules().len(), "rule"),
    );
    if errors + problems > 0 {
        s.push_str(&format!(
            " Errors: {} with a rule error, {} not loaded.",
            count(errors, "scenario"),
            count(problems, "problem")
        ));
    }
    s
}

/// A unique `id` for each scenario's section, made of its id's letters
/// and digits.
fn anchors(dossiers: &[Dossier]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    dossiers
        .iter()
        .map(|d| {
            let base: String = d
                .scenario
                .id()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let mut a = format!("s-{base}");
            let mut n = 2;
            while !seen.insert(a.clone()) {
                a = format!("s-{base}-{n}");
                n += 1;
            }
            a
        })
        .collect()
}

fn overview(input: &Input<'_>, anchors: &[String]) -> Markup {
    let set = input.set;
    let order = response_order(set);
    let tested = input.dossiers.iter().any(|d| d.test.is_some());
    let failures: Vec<&Dossier> = input
        .dossiers
        .iter()
        .filter(|d| {
            d.test
                .as_ref()
                .is_some_and(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error))
        })
        .collect();
    html! {
        section #overview aria-labelledby="overview-h" {
            h2 #overview-h { "Overview" }
            p.legend {
                "Each cell says whether a response " b { "fires" } ", stays " b { "quiet" }
                " or could not be judged (" b { "error" } ") in a scenario at its judgement date; "
                "columns are ordered by severity, the highest escalation first."
            }
            div.scroll {
                table.matrix {
                    caption { "What fires in each scenario" }
                    thead {
                        tr {
                            th scope="col" { "Scenario" }
                            th scope="col" { "As of" }
                            @for id in &order {
                                th scope="col" { code { (id) } small { "severity " (severity(set, id)) } }
                            }
                            @if tested { th scope="col" { "Expectations" } }
                        }
                    }
                    tbody {
                        @for (d, anchor) in input.dossiers.iter().zip(anchors) {
                            tr {
                                th scope="row" { a href={ "#" (anchor) } { (d.scenario.id()) } }
                                td { (d.outcome.as_of) }
                                @for id in &order {
                                    @match d.outcome.response(id).map(|r| r.status) {
                                        Some(s) => td class=(status_word(s)) { (status_word(s)) },
                                        None => td.quiet { "—" },
                                    }
                                }
                                @if tested {
                                    @match &d.test {
                                        Some(t) => td class=(test_word(t.status)) { (test_word(t.status)) },
                                        None => td.quiet { "none stated" },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !failures.is_empty() {
                h3 { "Expectations that did not hold" }
                table {
                    caption { "Expected against what happened" }
                    thead { tr {
                        th scope="col" { "Scenario" } th scope="col" { "Expectation" }
                        th scope="col" { "Date" } th scope="col" { "Expected" } th scope="col" { "Actual" }
                    } }
                    tbody {
                        @for d in &failures {
                            @if let Some(t) = &d.test {
                                @for f in &t.failures {
                                    tr {
                                        th scope="row" { (t.id) }
                                        td { code { (f.expectation) } " (line " (f.line) ")" }
                                        td { (f.date) }
                                        td { (f.expected) }
                                        td class=(if f.error { "error" } else { "failed" }) { (f.actual) }
                                    }
                                }
                                @for diag in &t.diagnostics {
                                    tr { th scope="row" { (t.id) } td.error colspan="4" { (diag.to_string()) } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(c) = input.coverage {
                (coverage(c, input.dossiers.len()))
            }
            @if !input.diagnostics.is_empty() {
                h3 { "Problems" }
                (problems(input.diagnostics))
            }
        }
    }
}

/// `--coverage`: what these scenarios never make the rules do.
fn coverage(c: &coverage::Report, scenarios: usize) -> Markup {
    let gaps = CoverageGaps::of(c);
    let fired = c.rules.values().filter(|t| t.fired > 0).count();
    html! {
        h3 { "Coverage" }
        p {
            (fired) " of " (count(c.rules.len(), "rule")) " fired in at least one of the "
            (count(scenarios, "scenario")) "; a rule never fired or never quiet is one no "
            "scenario tests both ways."
        }
        table.coverage {
            caption { "What the scenarios never exercise" }
            tbody {
                @for (label, ids) in gaps.rows() {
                    tr {
                        th scope="row" { (label) }
                        @if ids.is_empty() {
                            td { "none" }
                        } @else {
                            td {
                                @for (i, id) in ids.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    code { (id) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn problems(diags: &[Diagnostic]) -> Markup {
    html! {
        ul {
            @for d in diags {
                li class=(if d.is_error() { "error" } else { "warning" }) { (d.to_string()) }
            }
        }
    }
}

fn scenario(set: &RuleSet, d: &Dossier, anchor: &str) -> Markup {
    let sc = &d.scenario;
    let o = &d.outcome;
    let firing = with_status(set, &o.responses, Status::Fires);
    let errored = with_status(set, &o.responses, Status::Error);
    let quiet = with_status(set, &o.responses, Status::Quiet);
    html! {
        section.scenario id=(anchor) aria-labelledby={ (anchor) "-h" } {
            h2 id={ (anchor) "-h" } { (sc.title()) }
            p.meta {
                "Scenario " code { (sc.id()) } " (" (sc.file().display()) "), as of " b { (o.as_of) }
                @if let Some(t) = &d.test {
                    ". Expectations: " span class=(test_word(t.status)) { (test_word(t.status)) }
                }
                "."
            }
            @if let Some(text) = sc.description() {
                // Blank lines part paragraphs; the file's line breaks
                // inside one are only where its author wrapped the text.
                @for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                    p.description { (para.split_whitespace().collect::<Vec<_>>().join(" ")) }
                }
            }
            @if !sc.sources().is_empty() {
                h3 { "Sources" }
                ul { @for s in sc.sources() { li { (link(s)) } } }
            }
            h3 { "What fires" }
            @if firing.is_empty() {
                p { "Nothing fires as of " (o.as_of) "." }
            }
            @for r in &firing {
                div.response {
                    h4 { (response_title(set, &r.id)) " " small { "(" code { (r.id) } ", severity " (severity(set, &r.id)) ")" } }
                    ul {
                        @for v in r.rules.iter().filter(|v| v.status == Status::Fires) {
                            li {
                                code { (v.id) } ": " (o.said(v).unwrap_or_else(|| "fires".into()))
                                @if let Some(rule) = set.rule(&v.id) {
                                    @if !rule.description.is_empty() {
                                        br; span.muted { (rule.description) }
                                    }
                                    @if let Some(cite) = &rule.cite {
                                        br; span.cite { "Source: " (linked(cite)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !errored.is_empty() || !o.errors.is_empty() {
                h3 { "Errors" }
                ul {
                    @for e in &o.errors {
                        li.error {
                            "error: " code { (e.rule) } " (" (e.file.display())
                            @if let Some(l) = e.line { ":" (l) }
                            @if let Some(c) = e.column { ":" (c) }
                            "): " (e.message)
                        }
                    }
                }
            }
            @if !quiet.is_empty() {
                p.muted {
                    "Quiet: "
                    @for (i, r) in quiet.iter().enumerate() {
                        @if i > 0 { ", " }
                        code { (r.id) }
                    }
                    "."
                }
            }
            h3 { "Timeline" }
            (timeline(set, d, anchor))
            h3 { "Events" }
            (events(d))
        }
    }
}

fn timeline(set: &RuleSet, d: &Dossier, anchor: &str) -> Markup {
    match &d.timeline {
        Err(e) => html! { p.error { "error: the replay was refused: " (e.to_string()) } },
        Ok(t) => {
            let label = format!("{anchor}-tl");
            let desc = format!("{anchor}-periods");
            html! {
                figure {
                    figcaption id=(label) {
                        "When each response fires, replayed day by day from " (t.window.from)
                        " to " (t.window.to) " (" (count(t.window.days() as usize, "day")) "): "
                        "a bar for each period, a diamond where an event or a deadline tipped it, "
                        "a cross and a line over the days a rule errored."
                    }
                    (chart::svg(set, d, t, &label, &desc))
                    (chart::periods(set, d, t, &desc))
                }
            }
        }
    }
}

fn events(d: &Dossier) -> Markup {
    let events = d.scenario.events();
    if events.is_empty() {
        return html! { p { "No events." } };
    }
    html! {
        div.scroll {
            table.events {
                thead { tr {
                    th scope="col" { "Date" } th scope="col" { "Kind" } th scope="col" { "Id" }
                    th scope="col" { "Fields" } th scope="col" { "Source" }
                } }
                tbody {
                    @for e in events {
                        tr {
                            td { (e.date()) }
                            td { (e.kind()) }
                            td { @if let Some(id) = e.id() { code { (id) } } }
                            td.fields {
                                @for (i, (k, v)) in event_fields(e).iter().enumerate() {
                                    @if i > 0 { "; " }
                                    b { (k) } " = " (v)
                                }
                            }
                            td { @if let Some(s) = event_source(e) { (link(s)) } }
                        }
                    }
                }
            }
        }
    }
}

/// Free text with the web addresses in it as links.
fn linked(s: &str) -> Markup {
    html! {
        @for part in segments(s) {
            @match part {
                Segment::Text(t) => (t),
                Segment::Link(l) => a href=(l) rel="noreferrer" { (l) },
            }
        }
    }
}

/// A web address as a link; any other text as text.
fn link(s: &str) -> Markup {
    if is_web_link(s) {
        html! { a href=(s) rel="noreferrer" { (s) } }
    } else {
        html! { (s) }
    }
}
