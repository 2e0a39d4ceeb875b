//! Scenarios: a dated situation (facts, actors, events) plus what the
//! analyst expects to fire. A scenario is parsed once into an immutable
//! value that every rule reads through `Arc`s; events are sorted by date
//! and indexed by kind so that the rule API's queries are slices, not scans.

mod dates;
mod discover;
mod expect;
mod json;
mod parse;
mod variant;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::diagnostic::SourceText;
use crate::value::Table;

pub use dates::DayError;
pub(crate) use dates::calendar_day;
pub use discover::{ScenarioFile, SeenIds, discover};
pub use json::{LineError, STDIN, StdinLines, from_json_line};
pub use parse::{load_file, parse_str};

/// The most events one scenario may have (a file, or a JSON line): more
/// is refused rather than judged, since each one is held in memory and
/// replayed for every day of a timeline.
pub const MAX_EVENTS: usize = 100_000;

/// One dated event of a scenario.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: Arc<str>,
    pub date: NaiveDate,
    pub id: Option<String>,
    /// Every field of the event, `kind` and `date` included, as rules see it.
    pub fields: Arc<Table>,
    /// Byte span of the event's table in its file.
    pub span: Range<usize>,
    /// The file the event is written in (a base file for inherited events)
    /// and its 1-based line there; the path is shared by the file's events.
    pub file: Arc<Path>,
    pub line: usize,
}

/// A name in an expectation list, with where it was written.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub span: Range<usize>,
}

/// `fires` / `not_fires` / `exactly`, judged at one date.
#[derive(Debug, Clone, Default)]
pub struct ExpectSet {
    pub fires: Vec<Named>,
    pub not_fires: Vec<Named>,
    pub exactly: Option<(Vec<Named>, Range<usize>)>,
}

impl ExpectSet {
    pub fn is_empty(&self) -> bool {
        self.fires.is_empty() && self.not_fires.is_empty() && self.exactly.is_none()
    }
}

/// An `[[expect.at]]` entry.
#[derive(Debug, Clone)]
pub struct ExpectAt {
    pub date: NaiveDate,
    pub set: ExpectSet,
    pub span: Range<usize>,
}

/// Everything under `[expect]`.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub set: ExpectSet,
    pub rules_fire: Vec<Named>,
    pub rules_quiet: Vec<Named>,
    pub at: Vec<ExpectAt>,
    pub first_fire: Vec<(Named, NaiveDate)>,
    /// Span of the `[expect]` table, for reports.
    pub span: Option<Range<usize>>,
}

impl Expectations {
    /// Whether the scenario states anything to check.
    pub fn any(&self) -> bool {
        !self.set.is_empty()
            || !self.rules_fire.is_empty()
            || !self.rules_quiet.is_empty()
            || !self.at.is_empty()
            || !self.first_fire.is_empty()
    }

    /// Every response id named anywhere, for validation.
    pub fn response_names(&self) -> impl Iterator<Item = &Named> {
        let sets = std::iter::once(&self.set).chain(self.at.iter().map(|a| &a.set));
        sets.flat_map(|s| {
            s.fires
                .iter()
                .chain(&s.not_fires)
                .chain(s.exactly.iter().flat_map(|(v, _)| v))
        })
        .chain(self.first_fire.iter().map(|(n, _)| n))
    }
}

/// A loaded scenario. Immutable once built; shared as `Arc<Scenario>`.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub file: PathBuf,
    pub source: SourceText,
    pub title: String,
    pub description: Option<String>,
    /// The default judgement date: `as_of`, or the last event's date.
    pub as_of: NaiveDate,
    pub sources: Vec<String>,
    pub tags: Vec<String>,
    pub meta: Arc<Table>,
    pub facts: Arc<Table>,
    pub actors: Arc<Table>,
    /// Sorted by date; events of one day keep their order in the file.
    pub events: Vec<Event>,
    /// Per kind, the indices of its events. A scenario has a handful of
    /// kinds, so a scan comparing lengths first beats hashing the name.
    by_kind: Vec<(Arc<str>, Vec<u32>)>,
    pub expect: Expectations,
    /// The files this scenario `extends`, nearest first (`test --watch`
    /// re-runs a variant when its base changes).
    pub bases: Vec<PathBuf>,
    /// `[scenario] timezone`, its own or its base's: the zone whose day an
    /// offset date-time counts as (`None`: its UTC day).
    pub timezone: Option<chrono_tz::Tz>,
}

impl Scenario {
    fn index(&mut self) {
        self.by_kind.clear();
        for (i, e) in self.events.iter().enumerate() {
            match self.by_kind.iter_mut().find(|(k, _)| *k == e.kind) {
                Some((_, ix)) => ix.push(i as u32),
                None => self.by_kind.push((e.kind.clone(), vec![i as u32])),
            }
        }
    }

    /// How many events are visible at a judgement date (a prefix of `events`).
    pub fn visible(&self, as_of: NaiveDate) -> usize {
        self.events.partition_point(|e| e.date <= as_of)
    }

    /// Indices into `events` of the visible events of one kind, in date order.
    pub fn of_kind(&self, kind: &str, as_of: NaiveDate) -> &[u32] {
        match self.by_kind.iter().find(|(k, _)| **k == *kind) {
            Some((_, ix)) => &ix[..ix.partition_point(|&i| self.events[i as usize].date <= as_of)],
            None => &[],
        }
    }

    /// Every event kind in the scenario.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.by_kind.iter().map(|(k, _)| &**k)
    }

    /// The same scenario without the events at `drop` (indices into
    /// `events`): "would it still fire without these?", asked by
    /// `timeline` to tell what changed a response.
    pub fn without(&self, drop: &[usize]) -> Scenario {
        let mut sc = self.clone();
        sc.events = (0..self.events.len())
            .filter(|i| !drop.contains(i))
            .map(|i| self.events[i].clone())
            .collect();
        sc.index();
        sc
    }

    /// The first event's date, if any.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.events.first().map(|e| e.date)
    }
}
