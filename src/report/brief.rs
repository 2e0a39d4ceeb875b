//! `report --format markdown`: a policy brief, for pasting into a
//! document. Per scenario, a paragraph a person would write ("As of
//! 2025-06-02, three responses are triggered: …"), each firing response
//! with its reason, the commitment its rule encodes and the event that
//! tipped it (linked to that event's source), the errors as errors, and a
//! table of the periods each response fires; with `--coverage`, first
//! the rules and responses the scenarios never exercise. Text from files is escaped
//! so that it cannot open a link, an emphasis or an HTML tag.

use std::io::{self, Write};

use crate::dossier::Dossier;
use crate::outcome::Status;
use crate::report::dossiers::{
    CoverageGaps, Input, Segment, and_list, error_runs, event_name, event_source, is_web_link,
    number, response_order, response_title, segments, severity, test_word, tip_words,
    tipping_events, with_status,
};
use crate::report::{count, markdown_cell};
use crate::rules::RuleSet;
use crate::timeline::{Period, TippedBy};

/// Writes the brief.
pub fn write(out: &mut dyn Write, input: &Input<'_>) -> io::Result<()> {
    writeln!(out, "# {}\n", text(input.title))?;
    let when = match input.as_of {
        Some(d) => format!("all judged as of {d}"),
        None => "each judged as of its own date".into(),
    };
    writeln!(
        out,
        "{}, {when}, with the rules of `{}`.",
        count(input.dossiers.len(), "scenario"),
        input.set.dir().display()
    )?;
    if !input.diagnostics.is_empty() {
        writeln!(out, "\n**Problems found reading the files:**\n")?;
        for d in input.diagnostics {
            writeln!(out, "- {}", text(&d.to_string()))?;
        }
    }
    if let Some(c) = input.coverage {
        coverage(out, c)?;
    }
    for d in input.dossiers {
        writeln!(out)?;
        scenario(out, input.set, d)?;
    }
    if let Some(t) = input.stamp {
        writeln!(out, "\n---\n\n_Written {t} by sanctions-trigger._")?;
    }
    Ok(())
}

/// `--coverage`: a list of what the scenarios never make the rules do.
fn coverage(out: &mut dyn Write, c: &crate::coverage::Report) -> io::Result<()> {
    let fired = c.rules.values().filter(|t| t.fired > 0).count();
    writeln!(
        out,
        "\n**Coverage:** {fired} of {} fired in at least one scenario.\n",
        count(c.rules.len(), "rule")
    )?;
    for (label, ids) in CoverageGaps::of(c).rows() {
        let list = if ids.is_empty() {
            "none".to_string()
        } else {
            ids.iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(out, "- {label}: {list}")?;
    }
    Ok(())
}

fn scenario(out: &mut dyn Write, set: &RuleSet, d: &Dossier) -> io::Result<()> {
    let sc = &d.scenario;
    let o = &d.outcome;
    writeln!(out, "## {}\n", text(sc.title()))?;
    write!(
        out,
        "Scenario `{}` ({})",
        sc.id(),
        text(&sc.file().display().to_string())
    )?;
    if let Some(t) = &d.test {
        write!(out, "; its expectations: {}", test_word(t.status))?;
    }
    writeln!(out, ".\n")?;

    let firing = with_status(set, &o.responses, Status::Fires);
    let errored = with_status(set, &o.responses, Status::Error);
    let quiet = with_status(set, &o.responses, Status::Quiet);
    let names = |rs: &[&crate::outcome::ResponseOutcome]| -> Vec<String> {
        rs.iter()
            .map(|r| text(response_title(set, &r.id)).to_lowercase_first())
            .collect()
    };
    let mut para = match firing.len() {
        0 => format!("As of {}, no response is triggered.", o.as_of),
        1 => format!(
            "As of {}, one response is triggered: {}.",
            o.as_of,
            and_list(&names(&firing))
        ),
        n => format!(
            "As of {}, {} responses are triggered: {}.",
            o.as_of,
            number(n),
            and_list(&names(&firing))
        ),
    };
    if !errored.is_empty() {
        para.push_str(&format!(
            " {} could not be judged, because a rule errored: {}.",
            capitalised(&number(errored.len())),
            and_list(&names(&errored))
        ));
    }
    if !quiet.is_empty() {
        let verb = if quiet.len() == 1 { "is" } else { "are" };
        let others = if quiet.len() == 1 { "other" } else { "others" };
        para.push_str(&format!(
            " {} {others} {verb} quiet.",
            capitalised(&number(quiet.len()))
        ));
    }
    writeln!(out, "{para}\n")?;

    for r in &firing {
        writeln!(out, "{}", because(set, d, r))?;
    }
    for e in &o.errors {
        let at = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            (Some(l), None) => format!(":{l}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "- **Error** in rule `{}` ({}{at}): {}",
            e.rule,
            text(&e.file.display().to_string()),
            text(&e.message)
        )?;
    }
    if !firing.is_empty() || !o.errors.is_empty() {
        writeln!(out)?;
    }
    if let Some(t) = &d.test {
        for f in &t.failures {
            writeln!(
                out,
                "- Expectation `{}` (line {}) did not hold: expected {}, but {}.",
                f.expectation,
                f.line,
                text(&f.expected),
                text(&f.actual)
            )?;
        }
        if !t.failures.is_empty() {
            writeln!(out)?;
        }
    }
    if !sc.sources().is_empty() {
        let links: Vec<String> = sc.sources().iter().map(|s| link(s)).collect();
        writeln!(out, "Sources: {}.\n", links.join(", "))?;
    }
    periods(out, set, d)
}

/// `- **Title** (`id`, severity 3), because …; rule `r`, which encodes
/// *SOURCE*. Firing since D, tipped by [event](source).`
fn because(set: &RuleSet, d: &Dossier, r: &crate::outcome::ResponseOutcome) -> String {
    let o = &d.outcome;
    let rules: Vec<_> = r
        .rules
        .iter()
        .filter(|v| v.status == Status::Fires)
        .collect();
    let reasons: Vec<String> = rules
        .iter()
        .filter_map(|v| o.said(v))
        .map(|s| text(&s))
        .collect();
    let mut line = format!(
        "- **{}** (`{}`, severity {})",
        text(response_title(set, &r.id)),
        r.id,
        severity(set, &r.id)
    );
    if !reasons.is_empty() {
        line.push_str(&format!(", because {}", reasons.join("; and ")));
    }
    let cites: Vec<String> = rules
        .iter()
        .map(|v| match set.rule(&v.id).and_then(|x| x.cite.as_deref()) {
            Some(c) => format!("rule `{}`, which encodes {}", v.id, cite(c)),
            None => format!("rule `{}`", v.id),
        })
        .collect();
    if !cites.is_empty() {
        line.push_str(&format!(" ({})", cites.join("; ")));
    }
    line.push('.');
    let current = d.timeline.as_ref().ok().and_then(|t| {
        t.responses
            .iter()
            .find(|x| *x.id == *r.id)?
            .periods
            .last()
            .filter(|p| p.to.is_none() || p.to == Some(t.window.to))
    });
    if let Some(p) = current {
        line.push_str(&format!(" It fires from {}, {}.", p.from, tipped(d, p)));
    }
    line
}

/// What started a period, with each tipping event linked to its source.
fn tipped(d: &Dossier, p: &Period) -> String {
    let events = tipping_events(d, p);
    if p.from_open || events.is_empty() {
        return match &p.tipped_by {
            TippedBy::Deadline(_) if !p.from_open => "when a deadline passed".into(),
            _ => tip_words(d, p),
        };
    }
    let names: Vec<String> = events
        .iter()
        .map(|e| match event_source(e).filter(|s| is_web_link(s)) {
            Some(s) => format!("[{}]({})", text(&event_name(e)), url(s)),
            None => text(&event_name(e)),
        })
        .collect();
    format!("tipped by {}", and_list(&names))
}

/// The table of firing periods.
fn periods(out: &mut dyn Write, set: &RuleSet, d: &Dossier) -> io::Result<()> {
    let t = match &d.timeline {
        Ok(t) => t,
        Err(e) => return writeln!(out, "**Error:** the replay was refused: {e}."),
    };
    let rows: Vec<(&str, &Period)> = response_order(set)
        .into_iter()
        .filter_map(|id| t.responses.iter().find(|r| r.id == id))
        .flat_map(|r| r.periods.iter().map(move |p| (r.id.as_str(), p)))
        .collect();
    if rows.is_empty() {
        writeln!(
            out,
            "No response fires from {} to {}.",
            t.window.from, t.window.to
        )?;
    } else {
        writeln!(
            out,
            "Firing periods, replayed day by day from {} to {}:\n",
            t.window.from, t.window.to
        )?;
        writeln!(out, "| response | from | to | what started it |")?;
        writeln!(out, "|---|---|---|---|")?;
        for (id, p) in rows {
            let to =
                p.to.map_or_else(|| "still firing".into(), |d| d.to_string());
            writeln!(
                out,
                "| `{id}` | {} | {to} | {} |",
                p.from,
                markdown_cell(&tip_words(d, p))
            )?;
        }
    }
    for e in error_runs(t) {
        let when = if e.from == e.to {
            format!("on {}", e.from)
        } else {
            format!("every day from {} to {}", e.from, e.to)
        };
        writeln!(
            out,
            "\n**Error** in rule `{}` {when}: {}",
            e.rule,
            text(e.message)
        )?;
    }
    Ok(())
}

/// A rule's `SOURCE`: a link when it is a web address, else in italics.
fn cite(s: &str) -> String {
    let parts: Vec<String> = segments(s)
        .into_iter()
        .map(|p| match p {
            Segment::Text(t) => text(t),
            Segment::Link(l) => format!("<{}>", url(l)),
        })
        .collect();
    format!("“{}”", parts.concat().trim())
}

/// `[host](url)` for a web address, the escaped text otherwise.
fn link(s: &str) -> String {
    if !is_web_link(s) {
        return text(s);
    }
    let host = s
        .split_once("://")
        .map_or(s, |(_, rest)| rest.split('/').next().unwrap_or(rest));
    format!("[{}]({})", text(host), url(s))
}

/// A web address inside `(…)`: parentheses and spaces would end it.
fn url(s: &str) -> String {
    s.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

/// Text from a file, escaped so that Markdown reads it as text: no link,
/// emphasis, code span or HTML tag can start inside it.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '[' | ']' | '*' | '`' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A response title inside a sentence: its first letter lower-cased
/// unless the second is upper-case too (an acronym, `UN snapback`).
trait LowerFirst {
    fn to_lowercase_first(self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(self) -> String {
        let mut it = self.chars();
        match (it.next(), it.next()) {
            (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
                a.to_lowercase().chain(self.chars().skip(1)).collect()
            }
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_text_cannot_open_a_link_or_a_tag() {
        assert_eq!(
            text("[x](y) <b>*z*</b>"),
            "\\[x\\](y) &lt;b&gt;\\*z\\*&lt;/b&gt;"
        );
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(
            link("https://example.org/a_(b)"),
            "[example.org](https://example.org/a_%28b%29)"
        );
    }

    #[test]
    fn titles_read_inside_a_sentence() {
        assert_eq!(
            "Strong new sanctions".to_string().to_lowercase_first(),
            "strong new sanctions"
        );
        assert_eq!(
            "UN snapback".to_string().to_lowercase_first(),
            "UN snapback"
        );
        assert_eq!(capitalised("three"), "Three");
    }
}
