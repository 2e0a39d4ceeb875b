//! Scenarios: a dated situation (facts, actors, events) plus what the
//! analyst expects to fire. A scenario is parsed once into an immutable
//! value that every rule reads through `Arc`s; events are sorted by date
//! and indexed by kind so that the rule API's queries are slices, not scans.

mod builder;
mod conform;
mod dates;
mod discover;
pub mod edit;
mod expect;
mod json;
mod json_spans;
mod memory;
mod node;
mod parse;
mod variant;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::diagnostic::SourceText;
use crate::value::{Table, Value};

pub use builder::ScenarioBuilder;
pub use dates::DayError;
// Blessing writes dates back into scenario files with the same reading.
#[cfg(feature = "cli")]
pub(crate) use dates::calendar_day;
pub use discover::{ScenarioFile, SeenIds, discover};
pub use json::{LineError, MAX_LINE_BYTES, STDIN, StdinLines, from_json_line, from_json_line_with};
pub use memory::{ParseError, ParseOptions};
pub use parse::{load_file, parse_str};

/// The most events one scenario may have (a file, or a JSON line): more
/// is refused rather than judged, since each one is held in memory and
/// replayed for every day of a timeline.
pub const MAX_EVENTS: usize = 100_000;

/// One dated event of a scenario. Read through its accessors; made with
/// [`Event::new`] for [`Scenario::builder`].
#[derive(Debug, Clone)]
pub struct Event {
    pub(crate) kind: Arc<str>,
    pub(crate) date: NaiveDate,
    pub(crate) id: Option<String>,
    /// Every field of the event, `kind` and `date` included, as rules see it.
    pub(crate) fields: Arc<Table>,
    /// Byte span of the event's table in its file.
    pub(crate) span: Range<usize>,
    /// The file the event is written in (a base file for inherited events)
    /// and its 1-based line there; the path is shared by the file's events.
    pub(crate) file: Arc<Path>,
    pub(crate) line: usize,
}

impl Event {
    /// Its kind (`talks`, `strike`, …).
    #[inline]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The day it happened (an offset date-time's day in the scenario's
    /// time zone).
    #[inline]
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// Its `id`, if it has one.
    #[inline]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Every field of the event, `kind` and `date` included, as rules see
    /// it.
    #[inline]
    pub fn fields(&self) -> &Arc<Table> {
        &self.fields
    }

    /// One field's value.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// The file it is written in: the scenario's, or a base's for an
    /// inherited event (the name given for one read from memory).
    #[inline]
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Its 1-based line in [`file`](Self::file) (0: it has no text).
    #[inline]
    pub fn line(&self) -> usize {
        self.line
    }

    /// Byte span of its table in its file's text (`0..0` without one).
    #[inline]
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

/// A name in an expectation list, with where it was written.
#[derive(Debug, Clone)]
pub struct Named {
    /// The response or rule id as written.
    pub name: String,
    /// Where it is written, in bytes of the scenario file.
    pub span: Range<usize>,
}

/// `fires` / `not_fires` / `exactly`, judged at one date.
#[derive(Debug, Clone, Default)]
pub struct ExpectSet {
    /// Responses that must fire.
    pub fires: Vec<Named>,
    /// Responses that must not fire.
    pub not_fires: Vec<Named>,
    /// The whole set that must fire, nothing more, with where the list
    /// is written.
    pub exactly: Option<(Vec<Named>, Range<usize>)>,
}

impl ExpectSet {
    /// Whether it expects nothing.
    pub fn is_empty(&self) -> bool {
        self.fires.is_empty() && self.not_fires.is_empty() && self.exactly.is_none()
    }
}

/// An `[[expect.at]]` entry.
#[derive(Debug, Clone)]
pub struct ExpectAt {
    /// The date it is judged at.
    pub date: NaiveDate,
    /// What must (not) fire then.
    pub set: ExpectSet,
    /// Where the entry is written.
    pub span: Range<usize>,
}

/// Everything under `[expect]`.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// What must (not) fire at the scenario's `as_of`.
    pub set: ExpectSet,
    /// Rules that must fire (`[expect.rules] fire`).
    pub rules_fire: Vec<Named>,
    /// Rules that must be quiet (`[expect.rules] quiet`).
    pub rules_quiet: Vec<Named>,
    /// Expectations at other dates (`[[expect.at]]`).
    pub at: Vec<ExpectAt>,
    /// The first day each named response fires (`[expect.first_fire]`).
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
/// Read from a file ([`load_file`]), from memory
/// ([`Scenario::from_toml`], [`Scenario::from_json`]) or built in code
/// ([`Scenario::builder`]); read through its accessors.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub(crate) id: String,
    pub(crate) file: PathBuf,
    pub(crate) source: SourceText,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    /// The default judgement date: `as_of`, or the last event's date.
    pub(crate) as_of: NaiveDate,
    pub(crate) sources: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) meta: Arc<Table>,
    pub(crate) facts: Arc<Table>,
    pub(crate) actors: Arc<Table>,
    /// Sorted by date; events of one day keep their order in the file.
    pub(crate) events: Vec<Event>,
    /// Per kind, the indices of its events. A scenario has a handful of
    /// kinds, so a scan comparing lengths first beats hashing the name.
    by_kind: Vec<(Arc<str>, Vec<u32>)>,
    pub(crate) expect: Expectations,
    /// The files this scenario `extends`, nearest first (`test --watch`
    /// re-runs a variant when its base changes).
    pub(crate) bases: Vec<PathBuf>,
    /// `[scenario] timezone`, its own or its base's: the zone whose day an
    /// offset date-time counts as (`None`: its UTC day).
    pub(crate) timezone: Option<chrono_tz::Tz>,
}

/// Read-only access. The fields are not public: the events are indexed
/// by kind, and an index that no longer matched its events would make
/// evaluation read past them.
///
/// ```compile_fail
/// # use sanctions_trigger::{Event, NaiveDate, Scenario};
/// # let day = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap_or_default();
/// let mut sc = Scenario::builder("x", "X").event(Event::new("talks", day)).build()?;
/// sc.events.clear(); // error: field `events` is private
/// # Ok::<(), sanctions_trigger::ParseError>(())
/// ```
impl Scenario {
    /// Its id: `[scenario] id`, or the name it was read under (a file's
    /// path under its folder, without `.toml`).
    #[inline]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The file it was read from (the name given for one read from memory).
    #[inline]
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The text it was read from, for diagnostics (empty for a scenario
    /// with no text).
    #[inline]
    pub fn source(&self) -> &SourceText {
        &self.source
    }

    /// `[scenario] title`.
    #[inline]
    pub fn title(&self) -> &str {
        &self.title
    }

    /// `[scenario] description`.
    #[inline]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The default judgement date: `as_of`, or the last event's date.
    #[inline]
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// `[scenario] sources`.
    #[inline]
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// `[scenario] tags`.
    #[inline]
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// `[scenario.meta]`.
    #[inline]
    pub fn meta(&self) -> &Arc<Table> {
        &self.meta
    }

    /// `[facts]`, as rules read them (`s.facts`).
    #[inline]
    pub fn facts(&self) -> &Arc<Table> {
        &self.facts
    }

    /// `[actors]`: one table per actor, as rules read them (`s.actors`).
    #[inline]
    pub fn actors(&self) -> &Arc<Table> {
        &self.actors
    }

    /// Every event, sorted by date; events of one day keep their order in
    /// the file.
    #[inline]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// What the scenario expects (`[expect]`).
    #[inline]
    pub fn expect(&self) -> &Expectations {
        &self.expect
    }

    /// The files it `extends`, nearest first.
    #[inline]
    pub fn bases(&self) -> &[PathBuf] {
        &self.bases
    }

    /// `[scenario] timezone`, its own or its base's: the zone whose day an
    /// offset date-time counts as (`None`: its UTC day).
    #[inline]
    pub fn timezone(&self) -> Option<chrono_tz::Tz> {
        self.timezone
    }
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
    #[inline]
    pub fn visible(&self, as_of: NaiveDate) -> usize {
        self.events.partition_point(|e| e.date <= as_of)
    }

    /// Indices into `events` of the visible events of one kind, in date order.
    #[inline]
    pub fn of_kind(&self, kind: &str, as_of: NaiveDate) -> &[u32] {
        match self.kind_slot(kind) {
            Some(slot) => self.of_slot(slot, as_of),
            None => &[],
        }
    }

    /// The position of a kind among the scenario's kinds ([`Scenario::kinds`]
    /// order); `None` when no event, at any date, is of that kind.
    #[inline]
    pub fn kind_slot(&self, kind: &str) -> Option<usize> {
        self.by_kind.iter().position(|(k, _)| **k == *kind)
    }

    /// [`Scenario::of_kind`] of the kind at `slot`.
    #[inline]
    pub fn of_slot(&self, slot: usize, as_of: NaiveDate) -> &[u32] {
        match self.by_kind.get(slot) {
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
        // A mask, not `drop.contains`: `outlook` drops every later event,
        // which would be quadratic in a scenario of 100,000.
        let mut kept = vec![true; self.events.len()];
        for &i in drop {
            if let Some(k) = kept.get_mut(i) {
                *k = false;
            }
        }
        let mut sc = self.with_no_events();
        sc.events = self
            .events
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|(e, _)| e.clone())
            .collect();
        sc.index();
        sc
    }

    /// The same scenario with no events: the start of a replay's copy,
    /// which [`Scenario::replace_events_from`] then fills a day at a time.
    pub(crate) fn with_no_events(&self) -> Scenario {
        Scenario {
            id: self.id.clone(),
            file: self.file.clone(),
            source: self.source.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            as_of: self.as_of,
            sources: self.sources.clone(),
            tags: self.tags.clone(),
            meta: self.meta.clone(),
            facts: self.facts.clone(),
            actors: self.actors.clone(),
            events: Vec::new(),
            by_kind: Vec::new(),
            expect: self.expect.clone(),
            bases: self.bases.clone(),
            timezone: self.timezone,
        }
    }

    /// Keeps the first `keep` events and appends `more` (which must not be
    /// dated before them), updating the kind index in place: what a
    /// replay does as each day's events become visible, without copying
    /// or indexing again the events of the days before. The index ends as
    /// [`Scenario::index`] would build it, kinds in order of first
    /// appearance.
    pub(crate) fn replace_events_from(
        &mut self,
        keep: usize,
        more: impl IntoIterator<Item = Event>,
    ) {
        let keep = keep.min(self.events.len());
        if keep < self.events.len() {
            self.events.truncate(keep);
            for (_, ix) in &mut self.by_kind {
                ix.truncate(ix.partition_point(|&i| (i as usize) < keep));
            }
            self.by_kind.retain(|(_, ix)| !ix.is_empty());
        }
        for e in more {
            let i = self.events.len() as u32;
            match self.by_kind.iter_mut().find(|(k, _)| *k == e.kind) {
                Some((_, ix)) => ix.push(i),
                None => self.by_kind.push((e.kind.clone(), vec![i])),
            }
            self.events.push(e);
        }
    }

    /// The first event's date, if any.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.events.first().map(|e| e.date)
    }
}
