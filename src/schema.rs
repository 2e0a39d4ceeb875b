//! A JSON Schema (draft-07) for scenario files, so that editors validate
//! and complete them as they are typed: taplo (Even Better TOML) reads it
//! through a `#:schema ./scenario.schema.json` header or a `.taplo.toml`
//! rule. It is generated from the library: the response and rule ids of
//! the catalogue and the rules become the `enum`s of `[expect]`, and,
//! when the library has a vocabulary, each event kind's fields (with
//! their descriptions, shown on hover) become one branch of the events'
//! `oneOf` on `kind`. The engine's own checks stay the authority: a
//! schema cannot tell a quoted date from a TOML date (taplo reads both as
//! a date-shaped string), which the scenario reader reports.

use serde_json::{Map, Value, json};

use crate::rules::RuleSet;

/// The draft the schema declares: the newest one taplo reads.
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// The schema for scenario files of the library `set`.
pub fn scenario_schema(set: &RuleSet) -> Value {
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
            "facts": {
                "description": "Timeless facts, visible at every date (`s.facts`).",
                "type": "object"
            },
            "actors": {
                "description": "The actors, one table per id (`s.actors`).",
                "type": "object",
                "additionalProperties": {"type": "object"}
            },
            "events": {
                "description": "What happened, each on a date; rules see the events dated on or before the judgement date.",
                "type": "array",
                "items": event()
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

/// An event without a vocabulary: `kind` and `date` required, other
/// fields free.
fn event() -> Value {
    json!({
        "type": "object",
        "required": ["kind", "date"],
        "properties": event_keys(Value::from("string")),
    })
}

/// The keys every event has, whatever its kind.
fn event_keys(kind: Value) -> Map<String, Value> {
    let mut m = Map::new();
    let mut k = json!({"description": "What kind of event it is; rules ask for events by kind."});
    match kind {
        Value::String(ty) => k["type"] = Value::String(ty),
        other => k["const"] = other,
    }
    m.insert("kind".into(), k);
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
    let mut v = v.clone();
    v["description"] = Value::from(doc);
    v
}

/// A date: TOML's own date (which taplo validates as a date-shaped
/// string) or an offset date-time.
fn day(doc: &str) -> Value {
    json!({
        "description": doc,
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
