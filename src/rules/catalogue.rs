//! The response catalogue, `rules/responses.toml`: one table per response
//! id with `title`, `category` and `severity` (its escalation rung); other
//! keys (e.g. `actor`) are kept but not interpreted.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean};
use crate::files::read_text;

/// One policy response that rules can fire.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub id: String,
    pub title: String,
    pub category: String,
    pub severity: i64,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// All known responses, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub responses: BTreeMap<String, Response>,
    pub source: Option<SourceText>,
}

impl Catalogue {
    pub fn get(&self, id: &str) -> Option<&Response> {
        self.responses.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.responses.keys().map(String::as_str)
    }

    /// Loads and validates the catalogue; problems are diagnostics, and
    /// every well-formed response is kept.
    pub fn load(path: &Path) -> (Catalogue, Vec<Diagnostic>) {
        let text = match read_text(path) {
            Ok(t) => t,
            Err(d) => {
                let d =
                    d.with_help("every rule folder needs a `responses.toml` listing its responses");
                return (Catalogue::default(), vec![d]);
            }
        };
        Catalogue::parse(SourceText::new(path, text))
    }

    /// Validates a catalogue's text; problems are diagnostics, and every
    /// well-formed response is kept.
    pub fn parse(src: SourceText) -> (Catalogue, Vec<Diagnostic>) {
        let mut cat = Catalogue {
            responses: BTreeMap::new(),
            source: Some(src.clone()),
        };
        // Recover what parses, so one bad entry (a duplicate id) does not
        // make every rule's response unknown.
        let (doc, errors) = DeTable::parse_recoverable(&src.text);
        let mut diags: Vec<Diagnostic> = errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                src.error(span, format!("invalid TOML: {}", e.message().trim()))
                    .with_code(Code::TomlSyntax)
            })
            .collect();
        for (key, item) in doc.get_ref().iter() {
            if let Some(r) = response(&src, key, item, &mut diags) {
                cat.responses.insert(r.id.clone(), r);
            }
        }
        (cat, diags)
    }
}

/// One response of the catalogue; `None` once its problems are recorded.
fn response(
    src: &SourceText,
    key: &Spanned<Cow<'_, str>>,
    item: &Spanned<DeValue<'_>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Response> {
    let id = key.get_ref().to_string();
    let Some(t) = item.get_ref().as_table() else {
        diags.push(
            src.error(item.span(), format!("response `{id}` must be a table"))
                .with_code(Code::TypeMismatch)
                .with_help(format!(
                    "write `[{id}]` followed by `title`, `category` and `severity`"
                )),
        );
        return None;
    };
    let mut field = |name: &str, want: &str| -> Option<&DeValue<'_>> {
        let v = t.get(name);
        let ok = match v.map(|v| v.get_ref()) {
            Some(DeValue::String(_)) => want == "string",
            Some(DeValue::Integer(_)) => want == "integer",
            Some(_) => false,
            None => {
                diags.push(missing(src, &id, key.span(), t, name));
                return None;
            }
        };
        if !ok {
            if let Some(v) = v {
                diags.push(
                    src.error(
                        v.span(),
                        format!(
                            "`{id}.{name}` must be {want}, found {}",
                            v.get_ref().type_str()
                        ),
                    )
                    .with_code(Code::TypeMismatch),
                );
            }
            return None;
        }
        v.map(|v| v.get_ref())
    };
    let title = field("title", "string")
        .and_then(DeValue::as_str)
        .map(str::to_string);
    let category = field("category", "string")
        .and_then(DeValue::as_str)
        .map(str::to_string);
    let severity = field("severity", "integer")
        .and_then(DeValue::as_integer)
        .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
    Some(Response {
        id,
        title: title?,
        category: category?,
        severity: severity?,
        span: key.span(),
    })
}

/// The keys every response has.
const FIELDS: [&str; 3] = ["title", "category", "severity"];

/// The error for a response without the field `name`: at a key of the
/// response that is a misspelling of it (`severty`), since other keys are
/// allowed and the typo would otherwise pass as one of them; else at the
/// response's id.
fn missing(
    src: &SourceText,
    id: &str,
    id_span: Range<usize>,
    t: &DeTable<'_>,
    name: &str,
) -> Diagnostic {
    let message = format!("response `{id}` has no `{name}`");
    let typo = t.iter().find_map(|(k, _)| {
        let k_name = k.get_ref();
        let known = FIELDS.contains(&k_name.as_ref());
        let close = !known && did_you_mean(k_name, [name]).is_some();
        close.then(|| (k_name.to_string(), k.span()))
    });
    match typo {
        Some((k, span)) => src
            .error(span, message)
            .with_code(Code::UnknownKey)
            .with_help(format!(
                "did you mean `{name}`? (`{k}` is not a key the catalogue reads)"
            )),
        None => src.error(id_span, message).with_code(Code::MissingField),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Catalogue, Vec<Diagnostic>) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("responses.toml");
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        Catalogue::load(&p)
    }

    #[test]
    fn well_formed_responses_load() {
        let (c, d) =
            load("[new-sanctions]\ntitle = \"x\"\ncategory = \"sanctions\"\nseverity = 3\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.get("new-sanctions").map(|r| r.severity), Some(3));
    }

    #[test]
    fn missing_and_mistyped_fields_are_reported_and_others_kept() {
        let (c, d) = load(
            "[a]\ntitle = \"x\"\ncategory = \"s\"\nseverity = \"high\"\n[b]\ntitle = \"y\"\ncategory = \"s\"\nseverity = 1\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].to_string().contains("`a.severity` must be integer"),
            "{}",
            d[0]
        );
        assert!(c.get("b").is_some());
    }

    #[test]
    fn duplicate_response_ids_are_an_error_and_the_first_entry_is_kept() {
        let (c, d) =
            load("[a]\ntitle = \"x\"\ncategory = \"s\"\nseverity = 1\n[a]\ntitle = \"x\"\n");
        assert!(!d.is_empty(), "{d:?}");
        assert_eq!(c.get("a").map(|r| r.severity), Some(1));
        assert!(d[0].to_string().contains(":5:"), "{}", d[0]);
    }
}
