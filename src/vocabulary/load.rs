//! Reading `rules/vocabulary.toml` into a [`Vocabulary`], every problem a
//! diagnostic at the file's line and column with a code: an unknown key
//! (`requird`) or type (`strng`) with a did-you-mean, a value of the wrong
//! shape, `fields` on a type that is not a table. A file with any error
//! is reported and not used, so that one mistake there does not turn into
//! an error in every scenario.

use std::collections::BTreeMap;
use std::ops::Range;

use toml_spanner::{Arena, Item, Table};

use super::{Field, Fields, Kind, Type, Vocabulary};
use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean};

/// The vocabulary's file name in a rules folder.
pub const FILE_NAME: &str = "vocabulary.toml";

/// The path a vocabulary given in memory is named by.
pub(crate) const MEMORY_PATH: &str = "rules/vocabulary.toml";

const TOP_KEYS: &[&str] = &["kinds", "facts", "actors"];
const KIND_KEYS: &[&str] = &["description", "fields", "open"];
const TABLE_KEYS: &[&str] = &["open", "fields"];
const FIELD_KEYS: &[&str] = &[
    "type",
    "required",
    "values",
    "description",
    "fields",
    "items",
    "open",
];
const ITEM_KEYS: &[&str] = &["type", "values", "description", "fields", "items", "open"];
/// Keys every event has, which the reader checks itself.
pub(crate) const EVENT_KEYS: &[&str] = &["kind", "date", "id", "source"];
/// Deepest nesting of `fields` and `items` followed.
const MAX_DEPTH: usize = 64;

/// Reads a vocabulary's text: the vocabulary, or every problem found.
pub fn parse(source: SourceText) -> Result<Vocabulary, Vec<Diagnostic>> {
    let text = source.text.clone();
    let arena = Arena::new();
    let doc = match toml_spanner::parse(&text, &arena) {
        Ok(doc) => doc,
        Err(e) => {
            let d = source
                .error(
                    e.span().range(),
                    format!("invalid TOML: {}", e.message(&text)),
                )
                .with_code(Code::VocabularySyntax);
            return Err(vec![d]);
        }
    };
    let mut r = Reader {
        src: &source,
        diags: Vec::new(),
    };
    let mut v = Vocabulary::default();
    for (key, item) in doc.table().iter() {
        match key.name {
            "kinds" => v.kinds = r.kinds(item),
            "facts" => {
                v.facts = r
                    .as_table(item, "facts")
                    .map(|t| r.fields_of(t, "facts", 0))
            }
            "actors" => {
                v.actors = r
                    .as_table(item, "actors")
                    .map(|t| r.fields_of(t, "actors", 0))
            }
            other => r.unknown_key(
                key.span.range(),
                other,
                TOP_KEYS,
                "at the top of the vocabulary",
            ),
        }
    }
    if !r.diags.is_empty() {
        return Err(r.diags);
    }
    v.source = Some(source);
    Ok(v)
}

struct Reader<'a> {
    src: &'a SourceText,
    diags: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn push(&mut self, span: Range<usize>, code: Code, msg: String, help: Option<String>) {
        let d = self
            .src
            .error(span, msg)
            .with_code(code)
            .with_help_opt(help);
        self.diags.push(d);
    }

    fn unknown_key(&mut self, span: Range<usize>, name: &str, known: &[&str], place: &str) {
        let help = did_you_mean(name, known.iter().copied()).or_else(|| {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            Some(format!("the keys here are {}", list.join(", ")))
        });
        self.push(
            span,
            Code::VocabularyUnknownKey,
            format!("unknown key `{name}` {place}"),
            help,
        );
    }

    fn bad_value(&mut self, item: &Item<'_>, what: &str, want: &str) {
        self.push(
            item.span().range(),
            Code::VocabularyBadValue,
            format!("`{what}` must be {want}, found {}", item.type_str()),
            None,
        );
    }

    fn as_table<'i, 'de>(&mut self, item: &'i Item<'de>, what: &str) -> Option<&'i Table<'de>> {
        let t = item.as_table();
        if t.is_none() {
            self.bad_value(item, what, "a table");
        }
        t
    }

    fn kinds(&mut self, item: &Item<'_>) -> Option<BTreeMap<String, Kind>> {
        let t = self.as_table(item, "kinds")?;
        let mut kinds = BTreeMap::new();
        for (key, item) in t.iter() {
            let name = key.name;
            let what = format!("kinds.{name}");
            let Some(kt) = self.as_table(item, &what) else {
                continue;
            };
            let mut kind = Kind::default();
            let mut open = false;
            let mut fields = BTreeMap::new();
            for (k, v) in kt.iter() {
                match k.name {
                    "description" => {
                        kind.description = self.string(v, &format!("{what}.description"))
                    }
                    "open" => open = self.bool(v, &format!("{what}.open")),
                    "fields" => {
                        if let Some(ft) = self.as_table(v, &format!("{what}.fields")) {
                            fields = self.field_map(ft, &what, 0, true);
                        }
                    }
                    other => self.unknown_key(
                        k.span.range(),
                        other,
                        KIND_KEYS,
                        &format!("in `[kinds.{name}]`"),
                    ),
                }
            }
            kind.fields = Fields::new(fields, open);
            kinds.insert(name.to_string(), kind);
        }
        Some(kinds)
    }

    /// `[facts]` / `[actors]`: `open` and `fields`, or the fields written
    /// directly (`facts.deadline = { type = "date" }`).
    fn fields_of(&mut self, t: &Table<'_>, what: &str, depth: usize) -> Fields {
        let mut open = false;
        let mut fields = BTreeMap::new();
        for (k, v) in t.iter() {
            match k.name {
                "open" => open = self.bool(v, &format!("{what}.open")),
                "fields" => {
                    if let Some(ft) = self.as_table(v, &format!("{what}.fields")) {
                        fields.extend(self.field_map(ft, what, depth, false));
                    }
                }
                other => self.unknown_key(
                    k.span.range(),
                    other,
                    TABLE_KEYS,
                    &format!("in `[{what}]` (declare its keys under `{what}.fields`)"),
                ),
            }
        }
        Fields::new(fields, open)
    }

    fn field_map(
        &mut self,
        t: &Table<'_>,
        what: &str,
        depth: usize,
        event: bool,
    ) -> BTreeMap<String, Field> {
        let mut out = BTreeMap::new();
        for (k, v) in t.iter() {
            let name = k.name;
            if event && depth == 0 && EVENT_KEYS.contains(&name) {
                self.push(
                    k.span.range(),
                    Code::VocabularyBadValue,
                    format!("`{name}` is a key of every event and cannot be declared"),
                    Some("leave `kind`, `date`, `id` and `source` out of `fields`".into()),
                );
                continue;
            }
            let path = format!("{what}.fields.{name}");
            if let Some(f) = self.field(v, &path, depth + 1, true) {
                out.insert(name.to_string(), f);
            }
        }
        out
    }

    /// One field declaration (`items` of an array when `!is_field`).
    fn field(
        &mut self,
        item: &Item<'_>,
        what: &str,
        depth: usize,
        is_field: bool,
    ) -> Option<Field> {
        if depth > MAX_DEPTH {
            self.bad_value(
                item,
                what,
                &format!("nested at most {MAX_DEPTH} levels deep"),
            );
            return None;
        }
        let t = self.as_table(item, what)?;
        let ty_name = match t.get("type") {
            Some(v) => match v.as_str() {
                Some(s) if Type::NAMES.contains(&s) => Some(s),
                Some(s) => {
                    let help = did_you_mean(s, Type::NAMES.iter().copied())
                        .or_else(|| Some(format!("the types are {}", Type::NAMES.join(", "))));
                    self.push(
                        v.span().range(),
                        Code::VocabularyUnknownType,
                        format!("unknown type `{s}` for `{what}`"),
                        help,
                    );
                    // Its other keys are still read, for their problems.
                    None
                }
                None => {
                    self.bad_value(v, &format!("{what}.type"), "a string");
                    None
                }
            },
            None => {
                self.push(
                    item.span().range(),
                    Code::VocabularyBadValue,
                    format!("`{what}` has no `type`"),
                    Some(format!(
                        "add `type = \"string\"` (or one of {})",
                        Type::NAMES.join(", ")
                    )),
                );
                return None;
            }
        };
        let bad_type = ty_name.is_none();
        let ty_name = ty_name.unwrap_or("any");
        let mut required = false;
        let mut values = Vec::new();
        let mut description = None;
        let mut open = false;
        let mut fields = BTreeMap::new();
        let mut items = None;
        let keys = if is_field { FIELD_KEYS } else { ITEM_KEYS };
        for (k, v) in t.iter() {
            let sub = format!("{what}.{}", k.name);
            let misplaced = |r: &mut Self, needs: &str| {
                r.push(
                    k.span.range(),
                    Code::VocabularyMisplacedKey,
                    format!(
                        "`{}` on a field of type `{ty_name}`: only {needs} have it",
                        k.name
                    ),
                    Some(format!(
                        "remove `{}`, or make `{what}` of type `{}`",
                        k.name,
                        needs_type(needs)
                    )),
                );
            };
            match k.name {
                "type" => {}
                "required" if is_field => required = self.bool(v, &sub),
                "description" => description = self.string(v, &sub),
                _ if bad_type && matches!(k.name, "values" | "open" | "fields" | "items") => {}
                "values" => {
                    if ty_name != "string" {
                        misplaced(self, "strings");
                    } else if let Some(list) = self.strings(v, &sub) {
                        values = list;
                    }
                }
                "open" => {
                    if ty_name != "table" {
                        misplaced(self, "tables");
                    } else {
                        open = self.bool(v, &sub);
                    }
                }
                "fields" => {
                    if ty_name != "table" {
                        misplaced(self, "tables");
                    } else if let Some(ft) = self.as_table(v, &sub) {
                        fields = self.field_map(ft, what, depth, false);
                    }
                }
                "items" => {
                    if ty_name != "array" {
                        misplaced(self, "arrays");
                    } else {
                        items = self.field(v, &sub, depth + 1, false);
                    }
                }
                other => self.unknown_key(k.span.range(), other, keys, &format!("in `{what}`")),
            }
        }
        if bad_type {
            return None;
        }
        let ty = match ty_name {
            "string" => Type::String,
            "int" => Type::Int,
            "float" => Type::Float,
            "bool" => Type::Bool,
            "date" => Type::Date,
            "datetime" => Type::Datetime,
            "table" => Type::Table(Fields::new(fields, open)),
            "array" => Type::Array(Box::new(items.unwrap_or_else(|| Field::new(Type::Any)))),
            _ => Type::Any,
        };
        Some(Field {
            ty,
            required,
            values,
            description,
        })
    }

    fn string(&mut self, item: &Item<'_>, what: &str) -> Option<String> {
        let s = item.as_str().map(str::to_string);
        if s.is_none() {
            self.bad_value(item, what, "a string");
        }
        s
    }

    fn bool(&mut self, item: &Item<'_>, what: &str) -> bool {
        match item.as_bool() {
            Some(b) => b,
            None => {
                self.bad_value(item, what, "`true` or `false`");
                false
            }
        }
    }

    fn strings(&mut self, item: &Item<'_>, what: &str) -> Option<Vec<String>> {
        let Some(a) = item.as_array() else {
            self.bad_value(item, what, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for v in a.as_slice() {
            out.push(self.string(v, &format!("{what}[…]"))?);
        }
        Some(out)
    }
}

fn needs_type(needs: &str) -> &'static str {
    match needs {
        "strings" => "string",
        "tables" => "table",
        _ => "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vocabulary, Vec<String>> {
        parse(SourceText::new("rules/vocabulary.toml", text))
            .map_err(|ds| ds.iter().map(|d| format!("{d} [{:?}]", d.code)).collect())
    }

    #[test]
    fn the_issue_example_reads() {
        let v = read(
            r#"
[kinds.talks]
description = "A negotiation round"
fields.round = { type = "int", required = true }
fields.outcome = { type = "table", required = true, fields = { ceasefire = { type = "bool", required = true }, breakthrough = { type = "bool" } } }
fields.by = { type = "string", values = ["RU", "UA"] }
fields.tags = { type = "array", items = { type = "string" } }

[kinds.strike]
open = true
"#,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let talks = v.kind("talks").unwrap_or_else(|| panic!("no talks"));
        assert_eq!(talks.fields.required(), 2);
        assert_eq!(
            v.event_field("talks", &["outcome", "ceasefire"])
                .map(|f| f.required),
            Some(true)
        );
        assert!(matches!(
            &talks.fields.get("tags").map(|f| &f.ty),
            Some(Type::Array(items)) if items.ty == Type::String
        ));
        assert!(v.kind("strike").is_some_and(|k| k.fields.open));
    }

    #[test]
    fn typos_in_the_file_are_errors_with_did_you_mean() {
        let errs = read("[kinds.talks]\nfields.round = { type = \"strng\", requird = true }\n")
            .err()
            .unwrap_or_default();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("rules/vocabulary.toml:2:25:"),
            "{errs:?}"
        );
        assert!(errs[0].contains("did you mean `string`?"), "{errs:?}");
        assert!(errs[1].contains("did you mean `required`?"), "{errs:?}");
        let errs = read("[kinds.talks]\nfields.round = { type = \"int\", requird = true }\n")
            .err()
            .unwrap_or_default();
        assert!(errs[0].contains("did you mean `required`?"), "{errs:?}");
        assert!(errs[0].contains("VocabularyUnknownKey"), "{errs:?}");
    }

    #[test]
    fn fields_on_a_string_is_misplaced() {
        let errs = read("[kinds.x]\nfields.a = { type = \"string\", fields = {} }\n")
            .err()
            .unwrap_or_default();
        assert!(errs[0].contains("VocabularyMisplacedKey"), "{errs:?}");
    }
}
