//! What `report`'s two formats share: the report's input (`Input`), the
//! order responses are shown in, the words for counts and statuses, how
//! an event's fields read, and which source a period's tipping events
//! cite. The page (`report::html`) and the brief (`report::brief`) say the
//! same things in two forms.

use chrono::NaiveDate;

use crate::coverage;
use crate::diagnostic::Diagnostic;
use crate::dossier::Dossier;
use crate::outcome::{ResponseOutcome, Status};
use crate::rules::RuleSet;
use crate::scenario::Event;
use crate::suite::TestStatus;
use crate::timeline::{Period, Timeline, Tip, TippedBy};
use crate::value::Value;

/// Everything a report is made from.
pub struct Input<'a> {
    /// The report's title (`--title`).
    pub title: &'a str,
    /// The rules the scenarios were judged with.
    pub set: &'a RuleSet,
    /// One per scenario that loaded, in input order.
    pub dossiers: &'a [Dossier],
    /// Problems found loading the rules and scenarios.
    pub diagnostics: &'a [Diagnostic],
    /// `--as-of`, when every scenario is judged at one date.
    pub as_of: Option<NaiveDate>,
    /// With `--coverage`: how the rules came out over the scenarios.
    pub coverage: Option<&'a coverage::Report>,
    /// With `--stamp`: when the report was written (RFC 3339, UTC); the
    /// only thing in a report that depends on the clock.
    pub stamp: Option<&'a str>,
}

/// The rule coverage of `dossiers`, as `test --coverage` counts it: every
/// outcome judged (at the judgement date, at the scenario's own `as_of`
/// when that differs, and at each date an expectation names). Line
/// coverage needs instrumented workers and is left to `test --coverage`.
pub fn coverage(set: &RuleSet, dossiers: &[Dossier]) -> coverage::Report {
    let mut c = coverage::Collector::new(set);
    for d in dossiers {
        c.outcome(&d.outcome);
        if let Some(t) = &d.test {
            // Without `--as-of` the test's own outcome is the judgement's,
            // already counted; counting it twice would change nothing a
            // reader sees but the tallies.
            if let Some(o) = t.outcome.as_ref().filter(|o| o.as_of != d.outcome.as_of) {
                c.outcome(o);
            }
            t.other_outcomes.iter().for_each(|o| c.outcome(o));
        }
    }
    c.report(set, None)
}

/// What the coverage says a reader should look at: the rules never fired,
/// never quiet and that errored, and the responses never fired, each
/// with the ids in order (empty when there are none).
pub struct CoverageGaps<'a> {
    /// Rules that fired in no scenario.
    pub never_fired: Vec<&'a str>,
    /// Rules that were quiet in no scenario.
    pub never_quiet: Vec<&'a str>,
    /// Rules that errored somewhere.
    pub errored: Vec<&'a str>,
    /// Responses that fired in no scenario.
    pub responses_never_fired: Vec<&'a str>,
}

impl<'a> CoverageGaps<'a> {
    /// The gaps of `c`.
    pub fn of(c: &'a coverage::Report) -> Self {
        let rules = |pred: fn(&coverage::RuleTally) -> bool| -> Vec<&'a str> {
            c.rules
                .iter()
                .filter(|(_, t)| pred(t))
                .map(|(id, _)| id.as_str())
                .collect()
        };
        CoverageGaps {
            never_fired: rules(|t| t.fired == 0),
            never_quiet: rules(|t| t.quiet == 0),
            errored: rules(|t| t.errored > 0),
            responses_never_fired: c
                .responses
                .iter()
                .filter(|(_, n)| **n == 0)
                .map(|(id, _)| id.as_str())
                .collect(),
        }
    }

    /// The rows a report shows: a label and its ids.
    pub fn rows(&self) -> [(&'static str, &[&'a str]); 4] {
        [
            ("Rules never fired", &self.never_fired),
            ("Rules never quiet", &self.never_quiet),
            ("Rules that errored", &self.errored),
            ("Responses never fired", &self.responses_never_fired),
        ]
    }
}

/// The responses with rules, highest severity first, then by id: the
/// order of the text output's lines and of the overview's columns.
pub fn response_order(set: &RuleSet) -> Vec<&str> {
    let mut ids: Vec<&str> = set.plan().iter().map(|(id, _)| &**id).collect();
    ids.sort_by_key(|id| (-severity(set, id), *id));
    ids
}

/// A response's rung on the escalation ladder (0 when not catalogued).
pub fn severity(set: &RuleSet, id: &str) -> i64 {
    set.catalogue().get(id).map_or(0, |c| c.severity)
}

/// A response's title from the catalogue, or its id.
pub fn response_title<'a>(set: &'a RuleSet, id: &'a str) -> &'a str {
    set.catalogue().get(id).map_or(id, |c| c.title.as_str())
}

/// The responses of an outcome with `status`, in [`response_order`].
pub fn with_status<'a>(
    set: &RuleSet,
    responses: &'a [ResponseOutcome],
    status: Status,
) -> Vec<&'a ResponseOutcome> {
    let mut v: Vec<&ResponseOutcome> = responses.iter().filter(|r| r.status == status).collect();
    v.sort_by_key(|r| (-severity(set, &r.id), r.id.to_string()));
    v
}

/// `fires`, `quiet`, `error`.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Fires => "fires",
        Status::Quiet => "quiet",
        Status::Error => "error",
    }
}

/// `passed`, `failed`, `error`, `no expectations`.
pub fn test_word(s: TestStatus) -> &'static str {
    match s {
        TestStatus::Passed => "passed",
        TestStatus::Failed => "failed",
        TestStatus::Error => "error",
        TestStatus::NoExpectations => "no expectations",
    }
}

/// A count in words, as a sentence would say it: `three`, `12`.
pub fn number(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

/// `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// An event's own fields, as `name = value` pairs: everything but the
/// `kind`, `date`, `id` and `source` shown beside them.
pub fn event_fields(e: &Event) -> Vec<(String, String)> {
    e.fields()
        .names()
        .filter(|n| !matches!(*n, "kind" | "date" | "id" | "source"))
        .filter_map(|n| Some((n.to_string(), value_text(e.get(n)?))))
        .collect()
}

/// A value as a person reads it: strings without quotes, tables as
/// `{key = value, …}`.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(value_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(t) => {
            let items: Vec<String> = t
                .names()
                .filter_map(|n| Some(format!("{n} = {}", value_text(t.get(n)?))))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// An event's `source`, when it is a web address (anything else is not
/// made a link).
pub fn event_source(e: &Event) -> Option<&str> {
    e.get("source").and_then(Value::as_str)
}

/// Whether a text is an `http`/`https` address, and so may be a link.
pub fn is_web_link(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Days in a row on which one rule gave one error: a replay lists an
/// error per day, and a rule that errors every day would fill a page.
pub struct ErrorRun<'a> {
    /// The rule.
    pub rule: &'a str,
    /// Its error message.
    pub message: &'a str,
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

/// A replay's errors as runs of days, by first day, then rule.
pub fn error_runs(t: &Timeline) -> Vec<ErrorRun<'_>> {
    let mut runs: Vec<ErrorRun<'_>> = Vec::new();
    // The runs still open: their index in `runs`, by rule and message.
    let mut open: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for e in &t.errors {
        let key = (e.error.rule.as_str(), e.error.message.as_str());
        match open.get(&key) {
            Some(&i) if runs[i].to.succ_opt() == Some(e.date) => runs[i].to = e.date,
            Some(&i) if runs[i].to == e.date => {}
            _ => {
                open.insert(key, runs.len());
                runs.push(ErrorRun {
                    rule: key.0,
                    message: key.1,
                    from: e.date,
                    to: e.date,
                });
            }
        }
    }
    runs.sort_by(|a, b| (a.from, a.rule).cmp(&(b.from, b.rule)));
    runs
}

/// A piece of free text (a rule's `SOURCE`): plain text, or a web
/// address to show as a link.
pub enum Segment<'a> {
    /// Text, as written.
    Text(&'a str),
    /// A web address.
    Link(&'a str),
}

/// Splits free text into text and the web addresses in it (words that
/// are [`is_web_link`]), so a citation's address can be followed.
pub fn segments(s: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let at_word = i == 0 || s[..i].ends_with(char::is_whitespace);
        if at_word && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = rest.find(char::is_whitespace).map_or(s.len(), |n| i + n);
            // A full stop or comma after an address ends the sentence.
            let trimmed = s[i..end].trim_end_matches(['.', ',', ';', ')']);
            let end = i + trimmed.len();
            if start < i {
                out.push(Segment::Text(&s[start..i]));
            }
            out.push(Segment::Link(&s[i..end]));
            start = end;
            i = end;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    if start < s.len() {
        out.push(Segment::Text(&s[start..]));
    }
    out
}

/// The scenario's events that tipped a period (its first day's events
/// that it would not fire without), found by their line and file.
pub fn tipping_events<'a>(d: &'a Dossier, p: &Period) -> Vec<&'a Event> {
    let TippedBy::Events(tips) = &p.tipped_by else {
        return Vec::new();
    };
    tips.iter().filter_map(|t| find_event(d, t)).collect()
}

fn find_event<'a>(d: &'a Dossier, t: &Tip) -> Option<&'a Event> {
    let sc = &d.scenario;
    sc.events().iter().find(|e| {
        e.line() == t.line
            && e.kind() == t.kind
            && match &t.file {
                Some(f) => e.file() == f.as_path(),
                None => e.file() == sc.file(),
            }
    })
}

/// How an event is named in a sentence: `` `round-1` (talks) `` or
/// `talks`.
pub fn event_name(e: &Event) -> String {
    match e.id() {
        Some(id) => format!("{id} ({})", e.kind()),
        None => e.kind().to_string(),
    }
}

/// What started a period, in words.
pub fn tip_words(d: &Dossier, p: &Period) -> String {
    if p.from_open {
        return "already firing when the replay starts".into();
    }
    match &p.tipped_by {
        TippedBy::Deadline(_) => "a deadline passed".into(),
        TippedBy::Events(_) => {
            let names: Vec<String> = tipping_events(d, p).into_iter().map(event_name).collect();
            format!("tipped by {}", and_list(&names))
        }
    }
}

/// `wrote report.html: 17 scenarios, 412 KB`, on stderr.
pub fn written(path: &std::path::Path, dossiers: &[Dossier], bytes: usize) {
    crate::report::stderr_line(format_args!(
        "wrote {}: {}, {} KB",
        path.display(),
        crate::report::count(dossiers.len(), "scenario"),
        bytes.div_ceil(1024)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_lists_read_as_sentences() {
        assert_eq!(number(3), "three");
        assert_eq!(number(0), "no");
        assert_eq!(number(11), "11");
        let l = |v: &[&str]| and_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(l(&["a"]), "a");
        assert_eq!(l(&["a", "b"]), "a and b");
        assert_eq!(l(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn a_rule_erroring_day_after_day_is_one_run() {
        use crate::rule_error::{ErrorKind, RuleError};
        use crate::timeline::{DayError, Window};
        let day = |n: u32| NaiveDate::from_ymd_opt(2025, 1, n).unwrap_or_default();
        let err = |d: u32, rule: &str| DayError {
            date: day(d),
            error: RuleError {
                rule: rule.into(),
                file: "r.rhai".into(),
                line: None,
                column: None,
                message: "boom".into(),
                kind: ErrorKind::Runtime,
            },
        };
        let t = Timeline {
            id: "s".into(),
            file: "s.toml".into(),
            title: "t".into(),
            window: Window {
                from: day(1),
                to: day(9),
            },
            responses: Vec::new(),
            errors: vec![
                err(1, "a"),
                err(2, "a"),
                err(2, "b"),
                err(3, "a"),
                err(5, "a"),
            ],
        };
        let runs: Vec<_> = error_runs(&t)
            .iter()
            .map(|r| (r.rule, r.from, r.to))
            .collect();
        assert_eq!(
            runs,
            [
                ("a", day(1), day(3)),
                ("b", day(2), day(2)),
                ("a", day(5), day(5))
            ]
        );
    }

    #[test]
    fn addresses_in_free_text_are_found() {
        let s = "Kyiv, 2025-05-10 — https://a.example/x; see https://b.example/y.";
        let parts: Vec<String> = segments(s)
            .iter()
            .map(|p| match p {
                Segment::Text(t) => format!("T({t})"),
                Segment::Link(l) => format!("L({l})"),
            })
            .collect();
        assert_eq!(
            parts,
            [
                "T(Kyiv, 2025-05-10 — )",
                "L(https://a.example/x)",
                "T(; see )",
                "L(https://b.example/y)",
                "T(.)"
            ]
        );
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert!(is_web_link("https://example.org/a"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("https://example.org/a b"));
        assert!(!is_web_link("Zelenskiy, Vilnius summit"));
    }
}
