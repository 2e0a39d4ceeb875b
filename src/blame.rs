//! When a rule fails on a value it read from the scenario — `days = "50"`
//! where a number was meant, `until = "2025-03-04"` where a date was —
//! the rule is right and the scenario is wrong, but Rhai's message names
//! only the rule ("Function not found: days (&str | …)", "cannot compare a
//! string with an integer"). This finds the scenario value the rule most
//! likely read and says where it is and how to write it. It runs only on
//! the error path, after the fact, so evaluation pays nothing for it.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::scenario::Scenario;
use crate::value::{Table, Value};

/// What the failed operation wanted instead of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Number,
    Date,
}

/// A note to append to a rule error's message, naming the scenario value
/// that caused it. `scripts` are the texts of the rule and its helpers,
/// read for field names only when the error is one a scenario value can
/// cause.
pub fn hint<'t>(
    message: &str,
    sc: &Scenario,
    as_of: NaiveDate,
    scripts: impl IntoIterator<Item = &'t str>,
) -> Option<String> {
    let want = wanted(message)?;
    let mut names = BTreeSet::new();
    for text in scripts {
        names_read(text, &mut names);
    }
    let quoted = quoted_string(message);
    let fits = |name: &str, text: &str| {
        names.contains(name)
            && match &quoted {
                Some(q) => q == text,
                None => looks_like(want, text),
            }
    };
    // The latest events first: rules mostly read the latest of a kind.
    let visible = &sc.events[..sc.visible(as_of)];
    for e in visible.iter().rev() {
        if let Some((name, text)) = find(&e.fields, &fits) {
            if from_json(sc) {
                // `<stdin>:12`: the line of input; positions inside it
                // point into the TOML it was turned into.
                let at = sc.file.display().to_string();
                return Some(note(want, &name, &text, &at, sc));
            }
            let line = field_line(sc, e, &name).unwrap_or(e.line);
            let file = if *e.file == *sc.file {
                sc.file.display().to_string()
            } else {
                e.file.display().to_string()
            };
            // A scenario with no text (built in code) has no line to give.
            let at = match line {
                0 => file,
                line => format!("{file}:{line}"),
            };
            return Some(note(want, &name, &text, &at, sc));
        }
    }
    for table in [&sc.facts, &sc.actors] {
        if let Some((name, text)) = find(table, &fits) {
            let at = format!("{}, {}", sc.file.display(), table.label);
            return Some(note(want, &name, &text, &at, sc));
        }
    }
    None
}

/// Whether the error is one a string in place of a number or a date
/// causes, and which was wanted.
fn wanted(message: &str) -> Option<Want> {
    let string_involved = message.contains("a string")
        || message.contains("&str")
        || message.contains("ImmutableString");
    let type_error =
        message.starts_with("cannot compare") || message.starts_with("Function not found");
    if !string_involved || !type_error {
        return None;
    }
    if message.contains("a date") || message.contains("Date") {
        Some(Want::Date)
    } else {
        Some(Want::Number)
    }
}

/// The string the comparison quoted: `a string ("10,000")`.
fn quoted_string(message: &str) -> Option<String> {
    let start = message.find("a string (\"")? + "a string (\"".len();
    let rest = &message[start..];
    let end = rest.find("\")")?;
    Some(rest[..end].to_string())
}

/// Whether text written as a string reads as the wanted type.
fn looks_like(want: Want, text: &str) -> bool {
    let t = text.trim();
    match want {
        Want::Date => NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d").is_ok(),
        Want::Number => {
            let digits: String = t
                .chars()
                .filter(|c| !matches!(c, ',' | '_' | ' '))
                .collect();
            !digits.is_empty() && digits.parse::<f64>().is_ok()
        }
    }
}

/// The first string field of `t` (or of a table nested in it) that fits.
fn find(t: &Table, fits: &dyn Fn(&str, &str) -> bool) -> Option<(String, String)> {
    for (name, v) in &t.fields {
        match v {
            Value::Str(s) if fits(name, s) => return Some((name.to_string(), s.to_string())),
            Value::Table(inner) => {
                if let Some(found) = find(inner, fits) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// The line of `name = …` inside the event's own text, when the event is
/// written in the scenario's file (an inherited one is in its base).
fn field_line(sc: &Scenario, e: &crate::scenario::Event, name: &str) -> Option<usize> {
    if *e.file != *sc.file {
        return None;
    }
    let text = sc.source.text.get(e.span.clone())?;
    let offset = text.lines().position(|l| {
        let l = l.trim_start();
        l.strip_prefix(name)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })?;
    Some(sc.source.line_col(e.span.start).0 + offset)
}

/// Whether the scenario came from a JSON line (`<stdin>:12`).
fn from_json(sc: &Scenario) -> bool {
    sc.file
        .to_str()
        .is_some_and(|f| f.starts_with(crate::scenario::STDIN))
}

fn note(want: Want, name: &str, text: &str, at: &str, sc: &Scenario) -> String {
    let json = from_json(sc);
    let fix = match (want, json) {
        (Want::Date, false) => format!(
            "write it as a TOML date, without quotes: `{name} = {}`",
            text.trim()
        ),
        (Want::Date, true) => format!(
            "write it as `\"{name}\": {{\"$date\": \"{}\"}}`",
            text.trim()
        ),
        (Want::Number, false) => {
            let digits: String = text.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
            format!("write it as a number, without quotes: `{name} = {digits}`")
        }
        (Want::Number, true) => {
            let digits: String = text
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_'))
                .collect();
            format!("write it as a number, without quotes: `\"{name}\": {digits}`")
        }
    };
    format!(
        "; the scenario's `{name}` ({at}) is the string \"{}\": {fix}",
        text.escape_debug()
    )
}

/// Field names a script reads: `.name`, `["name"]`, `get("name"` and
/// `has("name"`. A scan of the text, not of the syntax tree: it runs on
/// the error path only, and a name too many costs nothing but a candidate.
fn names_read(text: &str, out: &mut BTreeSet<String>) {
    let b = text.as_bytes();
    let ident = |i: usize| {
        let end = b[i..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .map_or(b.len(), |n| i + n);
        (end > i).then(|| text[i..end].to_string())
    };
    for (i, &c) in b.iter().enumerate() {
        if c == b'.'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
        {
            out.extend(ident(i + 1));
        }
        if c == b'"' && i > 0 && matches!(b[i - 1], b'[' | b'(') {
            out.extend(ident(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_a_script_reads_are_found_in_its_text() {
        let mut names = BTreeSet::new();
        names_read(
            "fn f(e) { e.days + e[\"until\"] + e.get(\"personnel\", 0) + 1.5 }",
            &mut names,
        );
        let names: Vec<_> = names.iter().map(String::as_str).collect();
        assert!(
            names.contains(&"days") && names.contains(&"until"),
            "{names:?}"
        );
        assert!(names.contains(&"personnel"), "{names:?}");
    }

    #[test]
    fn strings_that_read_as_numbers_or_dates_are_suspects() {
        assert!(looks_like(Want::Number, "10,000"));
        assert!(looks_like(Want::Number, " 50 "));
        assert!(!looks_like(Want::Number, "fifty"));
        assert!(looks_like(Want::Date, "2025-03-04"));
        assert!(!looks_like(Want::Date, "March"));
        assert_eq!(
            wanted("Function not found: days (&str | ImmutableString | String)"),
            Some(Want::Number)
        );
        assert_eq!(
            wanted("cannot compare a date with a string (\"2025-03-04\") using `<`"),
            Some(Want::Date)
        );
        assert_eq!(wanted("Variable not found: x"), None);
        assert_eq!(
            quoted_string("cannot compare a string (\"10,000\") with an integer using `<`"),
            Some("10,000".into())
        );
    }
}
