//! Scenarios built in code: [`Scenario::builder`] and [`Event::new`], for
//! a program that has its events as data rather than as a file. What is
//! built is read by the same reader as a file (through the document view
//! of `node.rs`), so it is validated the same way: a title, printable
//! text, finite numbers, at most [`MAX_EVENTS`](super::MAX_EVENTS)
//! events, and so on.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use super::json::without_positions;
use super::node::{Map, Node, Shape};
use super::parse::{Origin, build, read_doc};
use super::variant::Chain;
use super::{Event, ParseError, ParseOptions, Scenario};
use crate::diagnostic::SourceText;
use crate::value::{Label, Table, Value};

impl Event {
    /// An event of `kind` on `date`, with no other field yet, for
    /// [`ScenarioBuilder::event`]. Its fields are those rules see:
    /// `kind`, `date` and what [`field`](Self::field) adds.
    ///
    /// ```
    /// use sanctions_trigger::{Event, NaiveDate};
    ///
    /// let day = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap_or_default();
    /// let talks = Event::new("talks", day).field("round", 2).field("outcome", "no-result");
    /// assert_eq!(talks.kind(), "talks");
    /// assert_eq!(talks.get("round").map(ToString::to_string).as_deref(), Some("2"));
    /// ```
    pub fn new(kind: &str, date: NaiveDate) -> Event {
        let kind: Arc<str> = kind.into();
        let mut fields = Table::new(Label::Event {
            kind: kind.clone(),
            date,
            file: "".into(),
            line: 0,
        });
        fields.set("kind".into(), Value::Str(kind.clone()));
        fields.set("date".into(), Value::Date(date));
        Event {
            kind,
            date,
            id: None,
            fields: Arc::new(fields),
            span: 0..0,
            file: Path::new("").into(),
            line: 0,
        }
    }

    /// The event with a field set (replacing one of that name). Values
    /// are strings, integers, floats, booleans, dates, and arrays and
    /// tables of them ([`Value`]).
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Event {
        let value = value.into();
        match (name, &value) {
            ("kind", Value::Str(k)) => self.kind = k.clone(),
            ("date", Value::Date(d)) => self.date = *d,
            ("id", Value::Str(id)) => self.id = Some(id.to_string()),
            _ => {}
        }
        Arc::make_mut(&mut self.fields).set(name.into(), value);
        self
    }

    /// The event with an `id`, as a variant's `[[drop]]` names it.
    pub fn with_id(self, id: &str) -> Event {
        self.field("id", id)
    }
}

/// A scenario under construction; see [`Scenario::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ScenarioBuilder {
    id: String,
    title: String,
    as_of: Option<NaiveDate>,
    description: Option<String>,
    tags: Vec<String>,
    sources: Vec<String>,
    facts: Table,
    actors: Table,
    events: Vec<Event>,
}

impl Scenario {
    /// Starts building a scenario with an id and a title. Its events,
    /// facts and actors are added by the builder's methods, and
    /// [`build`](ScenarioBuilder::build) validates it as a scenario file
    /// would be. Its judgement date is [`as_of`](ScenarioBuilder::as_of),
    /// or the last event's date.
    ///
    /// ```
    /// use sanctions_trigger::{Event, NaiveDate, Scenario};
    ///
    /// let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap_or_default();
    /// let sc = Scenario::builder("istanbul", "Istanbul round 2")
    ///     .as_of(day(6, 2))
    ///     .fact("deadline", day(8, 8))
    ///     .actor("RU", [("name", "Russia")])
    ///     .event(Event::new("strike", day(6, 1)).field("drones", 472).field("by", "RU"))
    ///     .event(Event::new("talks", day(6, 2)).field("round", 2).field("outcome", "no-result"))
    ///     .build()?;
    /// assert_eq!(sc.events().len(), 2);
    /// assert_eq!(sc.kinds().count(), 2);
    ///
    /// let nan = Scenario::builder("x", "X").event(Event::new("talks", day(6, 2)).field("n", f64::NAN));
    /// assert!(nan.build().unwrap_err().to_string().contains("`inf` and `nan` are not allowed"));
    /// # Ok::<(), sanctions_trigger::ParseError>(())
    /// ```
    pub fn builder(id: impl Into<String>, title: impl Into<String>) -> ScenarioBuilder {
        ScenarioBuilder {
            id: id.into(),
            title: title.into(),
            as_of: None,
            description: None,
            tags: Vec::new(),
            sources: Vec::new(),
            facts: Table::new("facts"),
            actors: Table::new("actors"),
            events: Vec::new(),
        }
    }
}

impl ScenarioBuilder {
    /// The default judgement date (without one: the last event's date).
    pub fn as_of(mut self, date: NaiveDate) -> Self {
        self.as_of = Some(date);
        self
    }

    /// A free-text description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds a source (a URL).
    pub fn source(mut self, url: impl Into<String>) -> Self {
        self.sources.push(url.into());
        self
    }

    /// Sets a fact (`s.facts.<name>` in rules), replacing one of that name.
    pub fn fact(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.facts.set(name.into(), value.into());
        self
    }

    /// Sets an actor (`s.actors.<name>` in rules) with its fields,
    /// replacing one of that name.
    pub fn actor<K: AsRef<str>, V: Into<Value>>(
        mut self,
        name: &str,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut actor = Table::new(format!("actor `{name}`"));
        for (k, v) in fields {
            actor.set(k.as_ref().into(), v.into());
        }
        self.actors.set(name.into(), actor.into());
        self
    }

    /// Adds an event. Events may be added in any order: a scenario holds
    /// them by date, events of one day in the order they were added.
    pub fn event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }

    /// Adds events, as [`event`](Self::event) does.
    pub fn events(mut self, events: impl IntoIterator<Item = Event>) -> Self {
        self.events.extend(events);
        self
    }

    /// The scenario, validated as a scenario file is; its diagnostics
    /// name the scenario's id as their file, without a position. At most
    /// [`MAX_EVENTS`](super::MAX_EVENTS) events.
    pub fn build(self) -> Result<Scenario, ParseError> {
        self.build_with(&ParseOptions::default())
    }

    /// [`build`](Self::build) with options: their vocabulary (an
    /// [`Engine`](crate::Engine)'s [`parse_options`](crate::Engine::parse_options))
    /// checks the scenario's values, and at most their
    /// [`max_events`](ParseOptions::max_events) events are allowed.
    pub fn build_with(self, opts: &ParseOptions) -> Result<Scenario, ParseError> {
        let id = self.id;
        let text = |s: String| Value::Str(s.into());
        let list = |v: Vec<String>| Value::Array(v.into_iter().map(text).collect());
        let mut head = Table::new("scenario");
        head.set("id".into(), text(id.clone()));
        head.set("title".into(), text(self.title));
        if let Some(d) = self.as_of {
            head.set("as_of".into(), Value::Date(d));
        }
        if let Some(d) = self.description {
            head.set("description".into(), text(d));
        }
        if !self.tags.is_empty() {
            head.set("tags".into(), list(self.tags));
        }
        if !self.sources.is_empty() {
            head.set("sources".into(), list(self.sources));
        }
        let events: Vec<Value> = self
            .events
            .into_iter()
            .map(|e| Value::Table(e.fields))
            .collect();
        let mut doc = Table::new("scenario");
        doc.set("scenario".into(), head.into());
        doc.set("facts".into(), self.facts.into());
        doc.set("actors".into(), self.actors.into());
        doc.set("events".into(), Value::Array(events.into()));
        let source = SourceText::new(&id, "");
        let read = read_doc(
            source,
            &doc,
            &mut Chain::for_text(opts),
            &Origin::at(&id, 0),
        )
        .and_then(|raw| build(raw, &id));
        Ok(read.map_err(|ds| without_positions(ds, Path::new(&id)))?)
    }
}

/// A value given in code, read as a document's value (it has no span).
impl Node for Value {
    type Map = Table;

    fn span(&self) -> Range<usize> {
        0..0
    }

    fn type_str(&self) -> &'static str {
        self.type_name()
    }

    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Value::Str(s) => Shape::Str(s),
            Value::Int(n) => Shape::Int(i128::from(*n)),
            Value::Float(x) => Shape::Float(*x),
            Value::Bool(b) => Shape::Bool(*b),
            Value::Date(d) => Shape::Day(*d),
            Value::Array(items) => Shape::Array(items),
            Value::Table(t) => Shape::Table(&**t),
        }
    }
}

impl Map for Table {
    type Node = Value;

    fn get(&self, key: &str) -> Option<&Value> {
        Table::get(self, key)
    }

    fn len(&self) -> usize {
        self.fields.len()
    }

    fn entries(&self) -> impl Iterator<Item = (&str, Range<usize>, &Value)> {
        self.fields.iter().map(|(k, v)| (&**k, 0..0, v))
    }
}
