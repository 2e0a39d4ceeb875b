//! A JSON Schema (draft-07) for scenario files, so that editors validate
//! and complete them as they are typed: taplo (Even Better TOML) reads it
//! through a `#:schema ./scenario.schema.json` header or a `.taplo.toml`
//! rule. It is generated from the library: the response and rule ids of
//! the catalogue and the rules become the `enum`s of `[expect]`, and,
//! when the library has a vocabulary, the declared kinds become the
//! `enum` of an event's `kind` and each kind's fields (with their
//! descriptions, shown on hover) a branch of its own, an `if`/`then` on
//! `kind`; `[facts]` and actors' tables follow the vocabulary too. The engine's own checks stay the authority: a
//! schema cannot tell a quoted date from a TOML date (taplo reads both as
//! a date-shaped string), which the scenario reader reports.

use serde_json::{Map, Value, json};

use crate::rules::RuleSet;
use crate::vocabulary::{Field, Fields, Type, Vocabulary};

/// The draft the schema declares: the newest one taplo reads.
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// The schema as `schema` writes it: pretty JSON with a final newline.
pub fn scenario_schema_text(set: &RuleSet) -> String {
    // A `Value` always serialises; the fallback is never taken.
    let mut text = serde_json::to_string_pretty(&scenario_schema(set)).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema for scenario files of the library `set`.
pub fn scenario_schema(set: &RuleSet) -> Value {
    let vocab = set.vocabulary().map(|v| &**v);
    let responses = response_ids(set);
    let rules = rule_ids(set);
    let response_list = json!({"type": "array", "items": responses, "uniqueItems": true});
    let rule_list = json!({"type": "array", "items": rules, "uniqueItems": true});
    json!({
        "$schema": DRAFT,
        "title": "sanctions-trigger scenario",
        "description": "A dated situation: its events, timeless facts and actors, and what the rules should make of it.",
        "type": "object",
        "required": ["scenario"],
        "additionalProperties": false,
        "properties": {
            "scenario": scenario_table(),
            "facts": described(
                vocab.and_then(|v| v.facts.as_ref()).map_or_else(|| json!({"type": "object"}), table),
                "Timeless facts, visible at every date (`s.facts`).",
            ),
            "actors": {
                "description": "The actors, one table per id (`s.actors`).",
                "type": "object",
                "additionalProperties": vocab
                    .and_then(|v| v.actors.as_ref())
                    .map_or_else(|| json!({"type": "object"}), table)
            },
            "events": {
                "description": "What happened, each on a date; rules see the events dated on or before the judgement date.",
                "type": "array",
                "items": events(vocab)
            },
            "expect": expect_table(&response_list, &rule_list, &responses),
            "drop": {
                "description": "In a variant: base events to remove, by `id`.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "additionalProperties": false,
                    "properties": {"id": {"type": "string", "description": "The `id` of the base event to remove."}}
                }
            }
        }
    })
}

fn scenario_table() -> Value {
    json!({
        "description": "What the scenario is and the date it is judged at.",
        "type": "object",
        "additionalProperties": false,
        // A variant takes its title from its base.
        "anyOf": [{"required": ["title"]}, {"required": ["extends"]}],
        "properties": {
            "title": {"type": "string", "description": "One line saying what the situation is."},
            "id": {"type": "string", "description": "Its id; by default its path under the scenario folder, without `.toml`."},
            "as_of": day("The judgement date: rules see the events dated on or before it."),
            "description": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "string"}, "description": "Where the facts come from (links)."},
            "tags": {"type": "array", "items": {"type": "string"}},
            "extends": {"type": "string", "description": "A base scenario, relative to this file: this one starts from it."},
            "timezone": {"type": "string", "description": "IANA zone in which offset date-times count their day (e.g. `Europe/Kyiv`); without it, the UTC day."},
            "meta": {"type": "object", "description": "Free-form extras."}
        }
    })
}

/// The events: without a vocabulary (or one that declares no kinds), any
/// kind with any fields; with one, `kind` is one of the declared kinds,
/// and each kind's fields are declared in a branch of its own (an
/// `if`/`then` on `kind` rather than a `oneOf`, so that a mistake is
/// reported against its own kind, not as "no branch matched").
fn events(vocab: Option<&Vocabulary>) -> Value {
    let mut event = json!({
        "type": "object",
        "required": ["kind", "date"],
        "properties": event_keys(),
    });
    let Some(kinds) = vocab.and_then(|v| v.kinds.as_ref()) else {
        return event;
    };
    let names: Vec<&str> = kinds.keys().map(String::as_str).collect();
    event["properties"]["kind"]["enum"] = json!(names);
    let branches: Vec<Value> = kinds
        .iter()
        .map(|(name, kind)| {
            let mut then = table(&kind.fields);
            if let Some(props) = then["properties"].as_object_mut() {
                props.extend(event_keys());
            }
            if let Some(d) = &kind.description {
                then["description"] = Value::from(d.as_str());
            }
            json!({
                "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                "then": then
            })
        })
        .collect();
    event["allOf"] = Value::Array(branches);
    event
}

/// A table of declared fields: those fields, the required ones, and no
/// other unless it is open.
fn table(fields: &Fields) -> Value {
    let props: Map<String, Value> = fields
        .fields
        .iter()
        .map(|(name, f)| (name.clone(), field(f)))
        .collect();
    let required: Vec<&str> = fields
        .fields
        .iter()
        .filter(|(_, f)| f.required)
        .map(|(n, _)| n.as_str())
        .collect();
    let mut t = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        t["required"] = json!(required);
    }
    if !fields.open {
        t["additionalProperties"] = Value::Bool(false);
    }
    t
}

/// One declared field, with its description for hover text.
fn field(f: &Field) -> Value {
    let v = match &f.ty {
        Type::String if !f.values.is_empty() => json!({"type": "string", "enum": f.values}),
        Type::String => json!({"type": "string"}),
        Type::Int => json!({"type": "integer"}),
        Type::Float => json!({"type": "number"}),
        Type::Bool => json!({"type": "boolean"}),
        Type::Date => day_shape(),
        Type::Datetime => json!({"type": "string", "format": "date-time"}),
        Type::Table(inner) => table(inner),
        Type::Array(items) => json!({"type": "array", "items": field(items)}),
        Type::Any => json!({}),
    };
    match &f.description {
        Some(d) => described(v, d),
        None => v,
    }
}

fn described(mut v: Value, doc: &str) -> Value {
    v["description"] = Value::from(doc);
    v
}

/// The keys every event has, whatever its kind.
fn event_keys() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "kind".into(),
        json!({"type": "string", "description": "What kind of event it is; rules ask for events by kind."}),
    );
    m.insert(
        "date".into(),
        day("The day it happened (an offset date-time counts as its day)."),
    );
    m.insert(
        "id".into(),
        json!({"type": "string", "description": "Names the event, so that a variant can replace or drop it."}),
    );
    m.insert(
        "source".into(),
        json!({"type": "string", "description": "Where it is reported (a link)."}),
    );
    m
}

fn expect_table(responses: &Value, rules: &Value, ids: &Value) -> Value {
    let judged = |what: &str| {
        json!({
            "fires": with_doc(responses, &format!("Responses that must fire{what}.")),
            "not_fires": with_doc(responses, &format!("Responses that must not fire{what}.")),
            "exactly": with_doc(responses, &format!("The whole set of responses that fire{what}; `[]` means none.")),
        })
    };
    let mut props = judged("");
    props["rules"] = json!({
        "description": "Rules that must fire or stay quiet.",
        "type": "object",
        "additionalProperties": false,
        "properties": {"fire": rules, "quiet": rules}
    });
    props["first_fire"] = json!({
        "description": "The first day each response must fire (checked by replay).",
        "type": "object",
        "propertyNames": ids,
        "additionalProperties": day("The first day it fires.")
    });
    let mut at = judged(" at this date");
    at["date"] = day("The date to judge at.");
    props["at"] = json!({
        "description": "Expectations judged at other dates.",
        "type": "array",
        "items": {"type": "object", "required": ["date"], "additionalProperties": false, "properties": at}
    });
    json!({
        "description": "What the rules should make of the scenario; `test` checks it.",
        "type": "object",
        "additionalProperties": false,
        "properties": props
    })
}

fn with_doc(v: &Value, doc: &str) -> Value {
    described(v.clone(), doc)
}

/// A date: TOML's own date (which taplo validates as a date-shaped
/// string) or an offset date-time.
fn day(doc: &str) -> Value {
    described(day_shape(), doc)
}

fn day_shape() -> Value {
    json!({
        "anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"}
        ]
    })
}

/// The catalogue's response ids, each with its title for hover text.
fn response_ids(set: &RuleSet) -> Value {
    let cat = set.catalogue();
    let ids: Vec<&str> = cat.ids().collect();
    let mut v = json!({"type": "string", "enum": ids});
    let docs: Vec<String> = cat
        .responses
        .values()
        .map(|r| format!("{}: {}", r.id, r.title))
        .collect();
    if !docs.is_empty() {
        v["description"] = Value::from(docs.join("\n"));
    }
    v
}

fn rule_ids(set: &RuleSet) -> Value {
    let ids: Vec<&str> = set.rules().iter().map(|r| &*r.id).collect();
    json!({"type": "string", "enum": ids})
}
