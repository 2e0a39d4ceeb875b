//! A vocabulary as the text of a vocabulary file: what `vocabulary infer`
//! writes. One table per kind, one line per field (nested tables inline),
//! everything sorted by name, so the same vocabulary is always the same
//! text and reads back as itself.

use std::fmt::Write;

use super::{Field, Fields, Type, Vocabulary};

impl Vocabulary {
    /// The vocabulary as a vocabulary file's text (sorted, deterministic).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        if let Some(kinds) = &self.kinds {
            if kinds.is_empty() {
                out.push_str("[kinds]\n");
            }
            for (name, kind) in kinds {
                if !out.is_empty() {
                    out.push('\n');
                }
                let _ = writeln!(out, "[kinds.{}]", key(name));
                if let Some(d) = &kind.description {
                    let _ = writeln!(out, "description = {}", string(d));
                }
                table_body(&mut out, &kind.fields);
            }
        }
        for (name, fields) in [("facts", &self.facts), ("actors", &self.actors)] {
            if let Some(fields) = fields {
                if !out.is_empty() {
                    out.push('\n');
                }
                let _ = writeln!(out, "[{name}]");
                table_body(&mut out, fields);
            }
        }
        out
    }
}

/// `open` and one `fields.x = {…}` line per field.
fn table_body(out: &mut String, fields: &Fields) {
    if fields.open {
        out.push_str("open = true\n");
    }
    for (name, f) in &fields.fields {
        let _ = writeln!(out, "fields.{} = {}", key(name), inline(f, true));
    }
}

/// A field as an inline table.
fn inline(f: &Field, is_field: bool) -> String {
    let mut parts = vec![format!("type = \"{}\"", f.ty.name())];
    if is_field && f.required {
        parts.push("required = true".into());
    }
    if !f.values.is_empty() {
        let vs: Vec<String> = f.values.iter().map(|v| string(v)).collect();
        parts.push(format!("values = [{}]", vs.join(", ")));
    }
    match &f.ty {
        Type::Table(inner) => {
            if inner.open {
                parts.push("open = true".into());
            }
            let fs: Vec<String> = inner
                .fields
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v, true)))
                .collect();
            parts.push(format!("fields = {{ {} }}", fs.join(", ")).replace("{  }", "{}"));
        }
        Type::Array(items) if items.ty != Type::Any || !items.values.is_empty() => {
            parts.push(format!("items = {}", inline(items, false)));
        }
        _ => {}
    }
    if let Some(d) = &f.description {
        parts.push(format!("description = {}", string(d)));
    }
    format!("{{ {} }}", parts.join(", "))
}

/// A key, bare when TOML allows it.
fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { k.to_string() } else { string(k) }
}

/// A basic TOML string.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use crate::diagnostic::SourceText;

    #[test]
    fn written_text_reads_back_as_the_same_vocabulary() {
        let text = r#"[kinds."odd kind"]
description = "say \"hi\"\n"
fields.by = { type = "string", required = true, values = ["RU", "UA"] }
fields.outcome = { type = "table", fields = { ceasefire = { type = "bool", required = true }, x = { type = "table", open = true, fields = {} } } }
fields.tags = { type = "array", items = { type = "table", fields = { a = { type = "int" } } } }

[kinds.strike]
open = true

[facts]
fields.deadline = { type = "date", description = "the day" }
"#;
        let v = parse(SourceText::new("v.toml", text)).unwrap_or_else(|e| panic!("{e:?}"));
        let written = v.to_toml();
        assert_eq!(written, text);
        let again = parse(SourceText::new("v.toml", written)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(again.kinds, v.kinds);
        assert_eq!(again.facts, v.facts);
    }
}
