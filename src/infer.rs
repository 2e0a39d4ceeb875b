//! `vocabulary infer`: a starting vocabulary read off existing scenarios,
//! so that a library adopts one in a step. Every kind seen, with every
//! field its events have and the types seen (an integer and a float
//! together give `float`, a date and a date-time `date`, anything else
//! mixed `any`); a field is `required` when every event of its kind has
//! it, and the same goes for the keys of nested tables, of `[facts]` (per
//! scenario) and of actors' tables (per actor). Arrays get the type of
//! their items. Names are sorted (`BTreeMap`), so the result, and its
//! text, depend only on the scenarios.

use std::collections::BTreeMap;

use crate::scenario::Scenario;
use crate::value::{Table, Value};
use crate::vocabulary::{Field, Fields, Kind, Type, Vocabulary};

/// A type being inferred.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    String,
    Int,
    Float,
    Bool,
    Date,
    Datetime,
    Table(Tables),
    /// The items' type (`None`: only empty arrays seen).
    Array(Option<Box<Seen>>),
    Any,
}

/// The tables seen in one place: how many, and each key's count and type.
#[derive(Debug, Clone, PartialEq, Default)]
struct Tables {
    count: usize,
    keys: BTreeMap<String, (usize, Seen)>,
}

impl Seen {
    fn merge(self, other: Seen) -> Seen {
        match (self, other) {
            (a, b) if a == b => a,
            (Seen::Int, Seen::Float) | (Seen::Float, Seen::Int) => Seen::Float,
            (Seen::Date, Seen::Datetime) | (Seen::Datetime, Seen::Date) => Seen::Date,
            (Seen::Table(mut a), Seen::Table(b)) => {
                a.count += b.count;
                for (k, (n, t)) in b.keys {
                    a.add(k, n, t);
                }
                Seen::Table(a)
            }
            (Seen::Array(a), Seen::Array(b)) => Seen::Array(match (a, b) {
                (Some(a), Some(b)) => Some(Box::new(a.merge(*b))),
                (a, b) => a.or(b),
            }),
            _ => Seen::Any,
        }
    }

    fn of(v: &Value, datetime: bool) -> Seen {
        match v {
            Value::Str(_) => Seen::String,
            Value::Int(_) => Seen::Int,
            Value::Float(_) => Seen::Float,
            Value::Bool(_) => Seen::Bool,
            Value::Date(_) if datetime => Seen::Datetime,
            Value::Date(_) => Seen::Date,
            Value::Table(t) => {
                let mut tables = Tables::default();
                tables.table(t, &[]);
                Seen::Table(tables)
            }
            Value::Array(items) => Seen::Array(
                items
                    .iter()
                    // An array's dates keep no instants: they are days.
                    .map(|x| Seen::of(x, false))
                    .reduce(Seen::merge)
                    .map(Box::new),
            ),
        }
    }

    fn field(self, required: bool) -> Field {
        let ty = match self {
            Seen::String => Type::String,
            Seen::Int => Type::Int,
            Seen::Float => Type::Float,
            Seen::Bool => Type::Bool,
            Seen::Date => Type::Date,
            Seen::Datetime => Type::Datetime,
            Seen::Table(t) => Type::Table(t.fields()),
            Seen::Array(items) => Type::Array(Box::new(
                items.map_or_else(|| Field::new(Type::Any), |s| s.field(false)),
            )),
            Seen::Any => Type::Any,
        };
        let mut f = Field::new(ty);
        f.required = required;
        f
    }
}

impl Tables {
    fn add(&mut self, key: String, n: usize, t: Seen) {
        match self.keys.remove(&key) {
            Some((m, old)) => self.keys.insert(key, (m + n, old.merge(t))),
            None => self.keys.insert(key, (n, t)),
        };
    }

    /// One more table, its keys but `skip`.
    fn table(&mut self, t: &Table, skip: &[&str]) {
        self.count += 1;
        for (k, v) in &t.fields {
            if skip.contains(&&**k) {
                continue;
            }
            let datetime = t.instants.iter().any(|(n, _)| n == k);
            self.add(k.to_string(), 1, Seen::of(v, datetime));
        }
    }

    fn fields(self) -> Fields {
        let count = self.count;
        let fields = self
            .keys
            .into_iter()
            .map(|(k, (n, t))| (k, t.field(n == count)))
            .collect();
        Fields::new(fields, false)
    }
}

/// The vocabulary the scenarios imply.
pub fn infer<'s>(scenarios: impl IntoIterator<Item = &'s Scenario>) -> Vocabulary {
    let mut kinds: BTreeMap<String, Tables> = BTreeMap::new();
    let mut facts = Tables::default();
    let mut actors = Tables::default();
    for sc in scenarios {
        for e in sc.events() {
            kinds
                .entry(e.kind().to_string())
                .or_default()
                .table(e.fields(), &["kind", "date", "id", "source"]);
        }
        facts.table(sc.facts(), &[]);
        for (_, actor) in &sc.actors().fields {
            if let Value::Table(t) = actor {
                actors.table(t, &[]);
            }
        }
    }
    let kinds = kinds
        .into_iter()
        .map(|(k, t)| {
            let kind = Kind {
                fields: t.fields(),
                ..Kind::default()
            };
            (k, kind)
        })
        .collect();
    Vocabulary {
        kinds: Some(kinds),
        facts: Some(facts.fields()),
        actors: Some(actors.fields()),
        ..Vocabulary::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::scenario;

    #[test]
    fn types_merge_and_required_is_every_event() {
        let a = scenario(
            "[scenario]\ntitle = \"t\"\n[facts]\nd = 2025-01-01\n[actors.RU]\nname = \"R\"\n\
             [[events]]\nkind = \"talks\"\ndate = 2025-01-01\nround = 1\nx = \"a\"\nwhen = 2025-01-01T10:00:00Z\n\
             outcome = { ceasefire = true }\ntags = [1, 2.5]\n\
             [[events]]\nkind = \"talks\"\ndate = 2025-01-02\nround = 1.5\nx = 3\nwhen = 2025-01-01\n\
             outcome = { ceasefire = false, held = true }\ntags = []\n",
        );
        let v = infer([&*a]);
        let text = v.to_toml();
        assert_eq!(
            text,
            "[kinds.talks]\n\
             fields.outcome = { type = \"table\", required = true, fields = { ceasefire = { type = \"bool\", required = true }, held = { type = \"bool\" } } }\n\
             fields.round = { type = \"float\", required = true }\n\
             fields.tags = { type = \"array\", required = true, items = { type = \"float\" } }\n\
             fields.when = { type = \"date\", required = true }\n\
             fields.x = { type = \"any\", required = true }\n\
             \n[facts]\nfields.d = { type = \"date\", required = true }\n\
             \n[actors]\nfields.name = { type = \"string\", required = true }\n"
        );
    }
}
