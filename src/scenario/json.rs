//! Scenarios as JSON Lines (`run -`), for programs that generate them. A
//! JSON object with the TOML file's keys is turned into the TOML document
//! it stands for and parsed by the one scenario parser, so both forms are
//! validated alike. JSON has no dates: `date` and `as_of` values are ISO
//! strings, any other date is `{"$date": "…"}`. Problems are reported at
//! `<stdin>:LINE`, since the TOML text they were found in is never seen.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use toml::Value as Toml;

use super::{Scenario, parse_str};
use crate::diagnostic::Diagnostic;

/// The name scenarios read from standard input are reported under.
pub const STDIN: &str = "<stdin>";

/// Parses one line of JSON Lines input (1-based `line`) into a scenario
/// whose id defaults to `stdin-LINE`.
pub fn from_json_line(text: &str, line: usize) -> Result<Scenario, Vec<Diagnostic>> {
    let at = |message: String| {
        let mut d = Diagnostic::error(Some(Path::new(STDIN)), message);
        d.line = Some(line);
        d.column = Some(1);
        d
    };
    // A byte-order mark is allowed at the start, as in files.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json: Json = serde_json::from_str(text).map_err(|e| {
        let mut d = at(format!("not a JSON object: {e}"));
        d.column = Some(e.column().max(1));
        vec![d]
    })?;
    if !json.is_object() {
        return Err(vec![at(
            "a scenario must be a JSON object with the keys of a scenario file".into(),
        )]);
    }
    let value = to_toml(&json, "", "").map_err(|e| vec![at(e)])?;
    let toml_text = toml::to_string(&value)
        .map_err(|e| vec![at(format!("cannot represent as a scenario: {e}"))])?;
    let file = PathBuf::from(format!("{STDIN}:{line}"));
    parse_str(&file, &toml_text, &format!("stdin-{line}")).map_err(|ds| {
        ds.into_iter()
            .map(|d| {
                // Positions point into the TOML text, which the user never
                // wrote; keep the message and the help, report the line.
                let mut n = at(d.message);
                n.help = d.help;
                n.severity = d.severity;
                n
            })
            .collect()
    })
}

/// Converts a JSON value at `path` (for messages) under `key`.
fn to_toml(v: &Json, path: &str, key: &str) -> Result<Toml, String> {
    let here = || {
        if path.is_empty() {
            "the top level".to_string()
        } else {
            format!("`{path}`")
        }
    };
    Ok(match v {
        Json::Null => {
            return Err(format!(
                "null at {}: scenario files have no null; leave the key out",
                here()
            ));
        }
        Json::Bool(b) => Toml::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Toml::Integer(i),
            (None, Some(f)) if n.is_f64() => Toml::Float(f),
            _ => return Err(format!("the number at {} is out of range", here())),
        },
        Json::String(s) if key == "date" || key == "as_of" => match s.parse() {
            Ok(d) => Toml::Datetime(d),
            Err(_) => return Err(format!("`{path}` is not an ISO date: {s:?}")),
        },
        Json::String(s) => Toml::String(s.clone()),
        Json::Array(items) => Toml::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_toml(x, &format!("{path}[{i}]"), ""))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(map) => {
            if let Some(d) = map.get("$date") {
                return match (map.len(), d) {
                    (1, Json::String(d)) => d
                        .parse()
                        .map(Toml::Datetime)
                        .map_err(|_| format!("`{path}` is not an ISO date: {d:?}")),
                    _ => Err(format!(
                        "`{path}`: a date is written {{\"$date\": \"YYYY-MM-DD\"}}, with nothing else in the object"
                    )),
                };
            }
            if let Some(k) = map.keys().find(|k| k.starts_with('$')) {
                return Err(format!(
                    "`{path}` has the key `{k}`; the only `$` key is `$date`"
                ));
            }
            let mut t = toml::Table::new();
            for (k, x) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                t.insert(k.clone(), to_toml(x, &p, k)?);
            }
            Toml::Table(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_scenario_is_the_toml_scenario_it_stands_for() {
        let sc = from_json_line(
            r#"{"scenario": {"title": "T", "as_of": "2025-06-02"}, "facts": {"deadline": {"$date": "2025-08-08"}},
               "events": [{"kind": "talks", "date": "2025-06-02", "round": 2, "outcome": {"ceasefire": false}},
                          {"kind": "strike", "date": "2025-06-01T22:00:00-04:00", "drones": 472}]}"#,
            3,
        )
        .unwrap();
        assert_eq!(sc.id, "stdin-3");
        assert_eq!(sc.as_of.to_string(), "2025-06-02");
        assert_eq!(sc.events.len(), 2);
        // The offset date-time counts as its UTC day; same-day events keep
        // their order.
        assert_eq!(&*sc.events[1].kind, "strike");
        assert_eq!(sc.events[1].date.to_string(), "2025-06-02");
        assert!(sc.facts.get("deadline").is_some());
    }

    #[test]
    fn bad_lines_are_diagnostics_at_their_line() {
        let cases = [
            ("{not json", "not a JSON object"),
            ("[1, 2]", "must be a JSON object"),
            (
                r#"{"scenario": {"title": null}}"#,
                "null at `scenario.title`",
            ),
            (
                r#"{"scenario": {"title": "t", "as_of": "June"}}"#,
                "`scenario.as_of` is not an ISO date",
            ),
            (
                r#"{"scenario": {"title": "t", "as_off": "2025-06-02"}}"#,
                "as_off",
            ),
            (
                r#"{"scenario": {"title": "t"}, "events": [{"kind": "x", "date": 5}]}"#,
                "date",
            ),
            (
                r#"{"scenario": {"title": "t"}, "n": 18446744073709551615}"#,
                "out of range",
            ),
            // Beyond 64 bits: an error, never silently a float.
            (
                r#"{"scenario": {"title": "t"}, "n": 99999999999999999999}"#,
                "out of range",
            ),
            (
                r#"{"scenario": {"title": "t"}, "n": -99999999999999999999}"#,
                "out of range",
            ),
            (
                r#"{"scenario": {"title": "t"}, "n": 1e400}"#,
                "out of range",
            ),
            (
                r#"{"scenario": {"title": "t"}, "facts": {"d": {"$date": 5}}}"#,
                "a date is written",
            ),
            (
                r#"{"scenario": {"title": "t"}, "facts": {"d": {"$date": "2025-01-01", "x": 1}}}"#,
                "nothing else",
            ),
            (
                r#"{"scenario": {"title": "t"}, "facts": {"d": {"$dat": "2025-01-01"}}}"#,
                "the only `$` key is `$date`",
            ),
        ];
        for (line, want) in cases {
            let ds = from_json_line(line, 7)
                .err()
                .unwrap_or_else(|| panic!("{line} loaded"));
            let d = &ds[0];
            assert!(d.message.contains(want), "{line}: {}", d.message);
            assert_eq!(d.location(), format!("<stdin>:7:{}", d.column.unwrap()));
            assert_eq!(d.line, Some(7));
        }
    }
}
