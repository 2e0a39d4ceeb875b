//! TOML → [`Scenario`], keeping byte spans so that every problem is reported
//! at its file, line and column. Unknown keys are errors with a
//! did-you-mean: a typo must never silently change a judgement. A variant
//! is merged with its base (`variant.rs`) before the scenario is built;
//! `[expect]` is read by `expect.rs` and dates by `dates.rs`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use toml_spanner::Arena;

use super::conform::{Conform, missing_required};
use super::dates::{to_date, to_instant};
use super::node::{Map, Node, Shape};
use super::variant::{Chain, drop_outside_variant, load_base, merge_variant};
use super::{Event, Expectations, Named, Scenario};
use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean};
use crate::files::read_text;
use crate::printable;
use crate::value::{Label, Table, Value};
use crate::vocabulary::Vocabulary;

const TOP_KEYS: &[&str] = &["scenario", "facts", "actors", "events", "expect", "drop"];
const SCENARIO_KEYS: &[&str] = &[
    "title",
    "id",
    "as_of",
    "description",
    "sources",
    "tags",
    "extends",
    "meta",
    "timezone",
];
/// Deepest nesting of tables and arrays in a value, as the TOML parser
/// allows for inline ones; dotted table headers could go deeper.
pub(super) const MAX_DEPTH: usize = 256;

/// Loads a scenario file. `id` is the id it gets when `[scenario] id` is
/// absent. Its bases may lie under its own folder or the working folder.
pub fn load_file(path: &Path, id: &str) -> Result<Scenario, Vec<Diagnostic>> {
    load_under(path, id, None, None)
}

/// [`load_file`] for a file found under `root`, where its bases may also lie.
pub(crate) fn load_under(
    path: &Path,
    id: &str,
    root: Option<&Path>,
    vocab: Option<&Vocabulary>,
) -> Result<Scenario, Vec<Diagnostic>> {
    let raw = load_raw(path, &mut Chain::new(root).with_vocabulary(vocab))?;
    build(raw, id)
}

/// Parses scenario text (no `extends` allowed unless the base exists on disk).
pub fn parse_str(path: &Path, text: &str, id: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let raw = parse_raw(SourceText::new(path, text), &mut Chain::new(None))?;
    build(raw, id)
}

/// A scenario file before variants are merged and defaults applied.
pub(super) struct Raw {
    pub(super) source: SourceText,
    pub(super) title: Option<String>,
    pub(super) id: Option<String>,
    pub(super) as_of: Option<NaiveDate>,
    pub(super) description: Option<String>,
    pub(super) sources: Option<Vec<String>>,
    pub(super) tags: Option<Vec<String>>,
    pub(super) meta: Table,
    pub(super) facts: Table,
    pub(super) actors: Table,
    pub(super) events: Vec<Event>,
    pub(super) expect: Expectations,
    /// The files this one `extends`, nearest first.
    pub(super) bases: Vec<PathBuf>,
    /// The time zone its offset date-times were read in, its own or
    /// inherited (`None`: UTC days).
    pub(super) zone: Option<Tz>,
}

pub(super) fn load_raw(path: &Path, chain: &mut Chain<'_>) -> Result<Raw, Vec<Diagnostic>> {
    let text = read_text(path).map_err(|d| vec![d])?;
    parse_raw(SourceText::new(path, text), chain)
}

/// Parses TOML text and reads the document it holds.
pub(super) fn parse_raw(source: SourceText, chain: &mut Chain<'_>) -> Result<Raw, Vec<Diagnostic>> {
    let text = source.text.clone();
    let arena = Arena::new();
    let doc = toml_spanner::parse(&text, &arena).map_err(|e| vec![toml_error(&source, &e)])?;
    let origin = Origin::text(&source);
    read_doc(source, doc.table(), chain, &origin)
}

/// How positions in a document are shown in labels and messages.
pub(super) struct Origin {
    /// The file as labels name it (``event `talks` of 2025-06-02 (FILE:14)``).
    shown: Arc<str>,
    /// `None`: lines are those of spans in the source text. `Some(n)`:
    /// the document has no text its spans point into, and `n` is the
    /// line of input it was read from (0: none).
    line: Option<usize>,
    /// The document is JSON: messages write dates as `{"$date": …}`.
    pub(super) json: bool,
}

impl Origin {
    /// A document parsed from the text of `source`.
    pub(super) fn text(source: &SourceText) -> Self {
        Origin {
            shown: source.path.display().to_string().into(),
            line: None,
            json: false,
        }
    }

    /// The same origin, for a JSON document.
    pub(super) fn json(mut self) -> Self {
        self.json = true;
        self
    }

    /// A document with no text, named `shown`, read from line `line` of
    /// some input (0: from none).
    pub(super) fn at(shown: &str, line: usize) -> Self {
        Origin {
            shown: shown.into(),
            line: Some(line),
            json: false,
        }
    }
}

/// Reads a parsed document, and the base it `extends` if it is a variant.
pub(super) fn read_doc<M: Map>(
    source: SourceText,
    doc: &M,
    chain: &mut Chain<'_>,
    origin: &Origin,
) -> Result<Raw, Vec<Diagnostic>> {
    // The zone is needed before any date is read, wherever `[scenario]`
    // stands in the file; a bad name is reported by `walk`.
    let own = doc
        .get("scenario")
        .and_then(|s| s.as_table())
        .and_then(|s| s.get("timezone"))
        .and_then(|z| z.as_str())
        .and_then(|z| z.parse::<Tz>().ok());
    let zone = chain.zone.or(own);
    let (mut raw, extends, drops, offsets) = walk(&source, doc, zone, chain, origin)?;
    let Some(extends) = extends else {
        return required_facts(raw, doc, chain);
    };
    let (base, base_path) = load_base(&source, extends, chain, zone)?;
    // A variant that sets no zone counts its days in its base's. Read
    // again only then, and only when it has offset date-times to count.
    if zone.is_none() && base.zone.is_some() && offsets {
        raw = walk(&source, doc, base.zone, chain, origin)?.0;
    }
    let merged = merge_variant(raw, base, base_path, drops)?;
    required_facts(merged, doc, chain)
}

/// The scenario, unless the vocabulary requires a fact that neither it nor
/// a base it extends has; reported at its `[facts]`, or at the file.
fn required_facts<M: Map>(raw: Raw, doc: &M, chain: &Chain<'_>) -> Result<Raw, Vec<Diagnostic>> {
    let Some(vocab) = chain.vocab else {
        return Ok(raw);
    };
    let span = doc.get("facts").map(Node::span).filter(|s| !s.is_empty());
    let diags = missing_required(vocab, &raw.facts, &raw.source, span);
    if diags.is_empty() {
        Ok(raw)
    } else {
        Err(diags)
    }
}

/// A file read on its own: its values, its `extends` value with its span,
/// its `[[drop]]` ids, and whether it has an offset date-time.
type Walked = (Raw, Option<(String, Range<usize>)>, Vec<Named>, bool);

/// Reads one file's document, its offset date-times counted as days in
/// `zone` (UTC days without one).
fn walk<M: Map>(
    source: &SourceText,
    doc: &M,
    zone: Option<Tz>,
    chain: &Chain<'_>,
    origin: &Origin,
) -> Result<Walked, Vec<Diagnostic>> {
    let mut p = Parser::new(source, zone, origin, chain.max_events);
    p.vocab = chain.vocab;
    p.json = origin.json;
    let mut raw = Raw::new(source, zone);
    let mut extends = None;
    let mut drops = Vec::new();
    for (name, key_span, item) in doc.entries() {
        match name {
            "scenario" => {
                if let Some(t) = p.table(item, "scenario") {
                    extends = p.scenario_table(t, &mut raw);
                }
            }
            "facts" => {
                if let Some(t) = p.table(item, "facts") {
                    if let Some(mut c) = p.conform() {
                        c.facts(t, item.span());
                    }
                    raw.facts = p.convert_table(t, raw.facts.label.clone());
                }
            }
            "actors" => p.actors(item, &mut raw.actors),
            "events" => p.events(item, &mut raw.events),
            "expect" => {
                if let Some(t) = p.table(item, "expect") {
                    raw.expect = p.expectations(t, item.span());
                }
            }
            "drop" => drops = p.drops(item),
            other => p.unknown(key_span, other, TOP_KEYS, "top-level key"),
        }
    }
    if let Some((_, span)) = &extends
        && !chain.extends
    {
        // Text that did not come from a scenario tree (a client's request)
        // must not make the reader open files.
        p.err(
            Code::ExtendsRefused,
            span.clone(),
            "`extends` is not allowed here: this scenario is not read from a scenario folder",
            Some("give the base scenario's values in this one".into()),
        );
    }
    let offsets = p.offsets;
    let mut diags = p.diags;
    if extends.is_none() {
        diags.extend(drop_outside_variant(source, &drops));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok((raw, extends, drops, offsets))
}

impl Raw {
    /// An empty scenario file, read in `zone`.
    fn new(source: &SourceText, zone: Option<Tz>) -> Self {
        Raw {
            source: source.clone(),
            title: None,
            id: None,
            as_of: None,
            description: None,
            sources: None,
            tags: None,
            meta: Table::new("scenario meta"),
            facts: Table::new(format!("facts ({})", source.path.display())),
            actors: Table::new(format!("actors ({})", source.path.display())),
            events: Vec::new(),
            expect: Expectations::default(),
            bases: Vec::new(),
            zone,
        }
    }
}

/// A TOML syntax error as a diagnostic at its position, with the earlier
/// definition a duplicate clashes with.
fn toml_error(source: &SourceText, e: &toml_spanner::Error) -> Diagnostic {
    let message = match e.kind() {
        // The parser words its depth limit as a range error.
        toml_spanner::ErrorKind::OutOfRange { ty, .. } if ty.contains("recursion") => {
            "arrays and inline tables nest too deeply".to_string()
        }
        _ => e.message(&source.text),
    };
    let mut span = e.span().range();
    // Something left open at the end of the file: point at the end of its
    // last line rather than at the empty line after it.
    if span.start >= source.text.len() {
        let end = source.text.trim_end().len();
        span = end..end;
    }
    let code = match e.kind() {
        toml_spanner::ErrorKind::OutOfRange { ty, .. } if ty.contains("recursion") => {
            Code::LimitExceeded
        }
        _ => Code::TomlSyntax,
    };
    let d = source
        .error(span, format!("invalid TOML: {message}"))
        .with_code(code);
    match e.secondary_label() {
        Some((first, _)) => {
            let (line, column) = source.line_col(first.start as usize);
            d.with_help(format!("first defined at line {line}, column {column}"))
        }
        None => d,
    }
}

pub(super) fn build(raw: Raw, default_id: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let src = &raw.source;
    let mut diags = Vec::new();
    let title = raw.title.unwrap_or_default();
    if title.is_empty() {
        diags.push(
            Diagnostic::error(Some(&src.path), "scenario has no `title`")
                .with_code(Code::MissingField)
                .with_help("add `title = \"…\"` under `[scenario]`"),
        );
    }
    let mut events = raw.events;
    // A stable sort: events of one day keep their order in the file.
    events.sort_by_key(|e| e.date);
    let as_of = match raw.as_of.or(events.last().map(|e| e.date)) {
        Some(d) => d,
        None => {
            diags.push(
                Diagnostic::error(Some(&src.path), "scenario has no `as_of` and no events")
                    .with_code(Code::MissingField)
                    .with_help("add `as_of = 2025-06-02` under `[scenario]`"),
            );
            NaiveDate::MIN
        }
    };
    // The replay that checks `first_fire` stops at `as_of`, so a later
    // date could never pass; say so where it is written.
    for (n, want) in &raw.expect.first_fire {
        if *want > as_of && as_of != NaiveDate::MIN {
            diags.push(
                src.error(
                    n.span.clone(),
                    format!(
                        "`first_fire` date {want} is after the scenario's `as_of` {as_of}: \
                         the replay stops at `as_of`"
                    ),
                )
                .with_code(Code::UnreachableExpectation)
                .with_help(format!(
                    "set `as_of = {want}` (or later) under `[scenario]`, or expect an earlier date"
                )),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut sc = Scenario {
        id: raw.id.unwrap_or_else(|| default_id.to_string()),
        file: src.path.clone(),
        source: raw.source.clone(),
        title,
        description: raw.description,
        as_of,
        sources: raw.sources.unwrap_or_default(),
        tags: raw.tags.unwrap_or_default(),
        meta: Arc::new(raw.meta),
        facts: Arc::new(raw.facts),
        actors: Arc::new(raw.actors),
        events,
        by_kind: Default::default(),
        expect: raw.expect,
        bases: raw.bases,
        timezone: raw.zone,
    };
    sc.index();
    Ok(sc)
}

/// The keys every event may have that mean something to the reader.
const EVENT_KEYS: &[&str] = &["kind", "date", "id", "source"];

/// Walks a parsed document, collecting every problem rather than the first.
pub(super) struct Parser<'a> {
    src: &'a SourceText,
    diags: Vec<Diagnostic>,
    /// The file, shared by every event read from it.
    file: Arc<Path>,
    /// Text seen so far in the file: field names and many values repeat
    /// (every strike has `drones`, many events say `by = "RU"`), so each
    /// is allocated once.
    strings: HashSet<Arc<str>, foldhash::fast::RandomState>,
    /// The path as event labels show it, written once per file.
    shown: Arc<str>,
    /// The line every position is on when the document has no text
    /// (`None`: lines come from spans).
    line: Option<usize>,
    /// How deep `convert` is in nested tables and arrays.
    depth: usize,
    /// The event ids seen so far in the file, with the line and number of
    /// their event.
    event_ids: HashMap<String, (usize, usize), foldhash::fast::RandomState>,
    /// The zone offset date-times count their day in (`None`: UTC).
    zone: Option<Tz>,
    /// Whether a date was written as an offset date-time (whose day the
    /// zone decides).
    offsets: bool,
    /// The most events the document may have.
    max_events: usize,
    /// The vocabulary its values are checked against, if any.
    vocab: Option<&'a Vocabulary>,
    /// The document is JSON.
    json: bool,
}

impl<'a> Parser<'a> {
    fn new(src: &'a SourceText, zone: Option<Tz>, origin: &Origin, max_events: usize) -> Self {
        Parser {
            src,
            diags: Vec::new(),
            file: src.path.as_path().into(),
            strings: HashSet::default(),
            shown: origin.shown.clone(),
            line: origin.line,
            depth: 0,
            event_ids: HashMap::default(),
            zone,
            offsets: false,
            max_events,
            vocab: None,
            json: false,
        }
    }

    /// The check of this document's values against the vocabulary, when
    /// there is one.
    fn conform(&mut self) -> Option<Conform<'_>> {
        Some(Conform {
            vocab: self.vocab?,
            src: self.src,
            json: self.json,
            diags: &mut self.diags,
        })
    }

    pub(super) fn err(
        &mut self,
        code: Code,
        span: Range<usize>,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self
            .src
            .error(span, msg)
            .with_code(code)
            .with_help_opt(help);
        self.diags.push(d);
    }

    /// The 1-based line a span starts on (0: unknown).
    fn line_of(&self, span: &Range<usize>) -> usize {
        match self.line {
            Some(n) => n,
            None => self.src.line_col(span.start).0,
        }
    }

    /// The file and line of a span, as labels show them.
    fn loc(&self, span: Range<usize>) -> String {
        match self.line_of(&span) {
            0 => self.shown.to_string(),
            line => format!("{}:{line}", self.shown),
        }
    }

    /// Text shared with earlier occurrences of the same text in the file,
    /// checked for control characters where it first occurs (a later
    /// occurrence is the same text).
    fn intern(&mut self, text: &str, span: Range<usize>, key: &str) -> Arc<str> {
        if let Some(n) = self.strings.get(text) {
            return n.clone();
        }
        self.printable(text, span, key);
        let n: Arc<str> = text.into();
        self.strings.insert(n.clone());
        n
    }

    fn unknown(&mut self, span: Range<usize>, name: &str, known: &[&str], what: &str) {
        let help = did_you_mean(name, known.iter().copied()).or_else(|| {
            Some(format!(
                "known keys: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        self.err(
            Code::UnknownKey,
            span,
            format!("unknown {what} `{name}`"),
            help,
        );
    }

    pub(super) fn known_keys<M: Map>(&mut self, t: &M, known: &[&str], what: &str) {
        for (name, span, _) in t.entries() {
            if !known.contains(&name) {
                self.unknown(span, name, known, &format!("key in `{what}`:"));
            }
        }
    }

    fn mismatch<N: Node>(&mut self, item: &N, key: &str, want: &str) {
        let found = item.type_str();
        self.err(
            Code::TypeMismatch,
            item.span(),
            format!("`{key}` must be {want}, found {found}"),
            None,
        );
    }

    pub(super) fn table<'t, N: Node>(&mut self, item: &'t N, key: &str) -> Option<&'t N::Map> {
        let t = item.as_table();
        if t.is_none() {
            self.mismatch(item, key, "a table");
        }
        t
    }

    pub(super) fn array<'t, N: Node>(&mut self, item: &'t N, key: &str) -> Option<&'t [N]> {
        match item.shape() {
            Shape::Array(a) => Some(a),
            _ => {
                self.mismatch(item, key, "an array");
                None
            }
        }
    }

    /// A string, shared with earlier occurrences of its text.
    fn text<N: Node>(&mut self, item: &N, key: &str) -> Option<Arc<str>> {
        match item.as_str() {
            None => {
                self.mismatch(item, key, "a string");
                None
            }
            Some(text) => Some(self.intern(text, item.span(), key)),
        }
    }

    pub(super) fn string<N: Node>(&mut self, item: &N, key: &str) -> Option<String> {
        let s = item.as_str().map(str::to_string);
        match &s {
            None => self.mismatch(item, key, "a string"),
            Some(text) => self.printable(text, item.span(), key),
        }
        s
    }

    /// Refuses control characters (other than tab and line breaks) and
    /// bidi controls in a string: ids, titles and fields end up on
    /// terminals, where an escape sequence could recolour, retitle or
    /// erase what the user reads, and a bidi control could make text read
    /// as something it is not.
    fn printable(&mut self, text: &str, span: Range<usize>, key: &str) {
        if let Some(c) = printable::first_unsafe_in_source(text) {
            self.err(
                Code::ControlCharacter,
                span,
                format!(
                    "`{}` contains {}; scenario text may not hold terminal control codes or bidi controls",
                    printable::escape(key, false),
                    printable::describe(c)
                ),
                None,
            );
        }
    }

    fn strings<N: Node>(&mut self, item: &N, key: &str) -> Option<Vec<String>> {
        let items = self.array(item, key)?;
        let mut out = Vec::new();
        for v in items {
            out.push(self.string(v, &format!("{key}[…]"))?);
        }
        Some(out)
    }

    pub(super) fn date<N: Node>(&mut self, item: &N, key: &str) -> Option<NaiveDate> {
        match item.shape() {
            Shape::DateTime(dt, written) => {
                self.offsets |= dt.offset().is_some();
                let text = match written {
                    Some(text) => text,
                    None => self.src.text.get(item.span()).unwrap_or_default(),
                };
                match to_date(dt, text, self.zone) {
                    Ok(d) => Some(d),
                    Err(msg) => {
                        self.err(
                            Code::InvalidDate,
                            item.span(),
                            format!("`{key}`: {msg}"),
                            None,
                        );
                        None
                    }
                }
            }
            Shape::Day(d) => Some(d),
            Shape::Str(s) => {
                let help = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .map(|d| format!("write a bare TOML date, without quotes: `{key} = {d}`"));
                self.err(
                    Code::TypeMismatch,
                    item.span(),
                    format!("`{key}` must be a date, found string"),
                    help,
                );
                None
            }
            _ => {
                self.mismatch(item, key, "a date");
                None
            }
        }
    }

    fn scenario_table<M: Map>(&mut self, t: &M, raw: &mut Raw) -> Option<(String, Range<usize>)> {
        let mut extends = None;
        for (name, key_span, v) in t.entries() {
            match name {
                "title" => raw.title = self.string(v, "title"),
                "id" => raw.id = self.string(v, "id"),
                "as_of" => raw.as_of = self.date(v, "as_of"),
                "description" => raw.description = self.string(v, "description"),
                "sources" => raw.sources = self.strings(v, "sources"),
                "tags" => raw.tags = self.strings(v, "tags"),
                "extends" => extends = self.string(v, "extends").map(|s| (s, v.span())),
                "timezone" => {
                    // Read before the rest of the file; checked here.
                    if let Some(name) = self.string(v, "timezone")
                        && name.parse::<Tz>().is_err()
                    {
                        let names = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
                        let help = did_you_mean(&name, names).or_else(|| {
                            Some(
                                "use an IANA time zone name, such as `Asia/Kolkata` or `UTC`"
                                    .into(),
                            )
                        });
                        self.err(
                            Code::UnknownTimeZone,
                            v.span(),
                            format!("unknown time zone `{name}`"),
                            help,
                        );
                    }
                }
                "meta" => {
                    if let Some(m) = self.table(v, "meta") {
                        raw.meta = self.convert_table(m, "scenario meta".into());
                    }
                }
                other => self.unknown(key_span, other, SCENARIO_KEYS, "key in `[scenario]`:"),
            }
        }
        extends
    }

    /// The `[actors]` table: one table per actor.
    fn actors<N: Node>(&mut self, item: &N, actors: &mut Table) {
        let Some(t) = self.table(item, "actors") else {
            return;
        };
        for (name, _, v) in t.entries() {
            let label = format!("actor `{name}` ({})", self.loc(v.span()));
            if let Some(at) = self.table(v, &format!("actors.{name}")) {
                if let Some(mut c) = self.conform() {
                    c.actor(name, at, v.span());
                }
                let table = self.convert_table(at, label.into());
                actors.set(name.into(), Value::Table(Arc::new(table)));
            }
        }
    }

    /// The `[[events]]` array, unless it holds more than the limit.
    fn events<N: Node>(&mut self, item: &N, out: &mut Vec<Event>) {
        let events = self.array(item, "events");
        let n = events.map_or(0, <[N]>::len);
        if n > self.max_events {
            let max = self.max_events;
            self.err(
                Code::LimitExceeded,
                item.span(),
                format!("{n} events, more than the limit of {max} events"),
                Some("split the scenario into several files".into()),
            );
            return;
        }
        out.reserve(n);
        for (i, ev) in events.into_iter().flatten().enumerate() {
            if let Some(e) = self.event(ev, i) {
                out.push(e);
            }
        }
    }

    fn event<N: Node>(&mut self, item: &N, index: usize) -> Option<Event> {
        let t = self.table(item, "events")?;
        let span = item.span();
        let n = index + 1;
        let kind = match t.get("kind") {
            Some(v) => self.text(v, "kind"),
            None => {
                let help = "add `kind = \"talks\"` (or another event kind)";
                self.missing_in_event(t, span.clone(), n, "kind", help);
                None
            }
        };
        let date = match t.get("date") {
            Some(v) => self.date(v, "date"),
            None => {
                self.missing_in_event(t, span.clone(), n, "date", "add `date = 2025-06-02`");
                None
            }
        };
        let line = self.line_of(&span);
        let id = match t.get("id") {
            Some(v) => {
                let id = self.string(v, "id")?;
                // Two events with one id would both go with one `[[drop]]`
                // and only one would be replaced by a variant's event.
                if let Some(&(first_line, first)) = self.event_ids.get(id.as_str()) {
                    let other = match self.line {
                        None => format!("the event at line {first_line}"),
                        Some(_) => format!("event #{first}"),
                    };
                    self.err(
                        Code::DuplicateId,
                        v.span(),
                        format!("event id `{id}` is also the id of {other}"),
                        Some("give each event its own `id`".into()),
                    );
                } else {
                    self.event_ids.insert(id.clone(), (line, n));
                }
                Some(id)
            }
            None => None,
        };
        if let Some(v) = t.get("source") {
            self.string(v, "source")?;
        }
        let (kind, date) = (kind?, date?);
        if let Some(mut c) = self.conform() {
            let kind_span = t.get("kind").map_or(0..0, Node::span);
            c.event(t, &kind, kind_span, span.clone());
        }
        // ``event `talks` of 2025-06-02 (scenarios/x.toml:14)``, built
        // without the formatting machinery: one per event adds up.
        let label = Label::Event {
            kind: kind.clone(),
            date,
            file: self.shown.clone(),
            line,
        };
        let fields = self.convert_table(t, label);
        Some(Event {
            kind,
            date,
            id,
            fields: Arc::new(fields),
            line,
            file: self.file.clone(),
            span,
        })
    }

    /// An event without `kind` or `date`: reported at a field that looks
    /// like a misspelling of it (`knd`), since events may have any other
    /// field and the typo passes as one; else at the event.
    fn missing_in_event<M: Map>(
        &mut self,
        t: &M,
        span: Range<usize>,
        n: usize,
        key: &str,
        help: &str,
    ) {
        let typo = t
            .entries()
            .find(|(name, ..)| !EVENT_KEYS.contains(name) && did_you_mean(name, [key]).is_some())
            .map(|(name, name_span, _)| (name.to_string(), name_span));
        let message = format!("event #{n} has no `{key}`");
        match typo {
            Some((name, name_span)) => self.err(
                Code::UnknownKey,
                name_span,
                message,
                Some(format!(
                    "did you mean `{key}`? (`{name}` is read as a field of the event)"
                )),
            ),
            None => self.err(Code::MissingField, span, message, Some(help.into())),
        }
    }

    fn convert_table<M: Map>(&mut self, t: &M, label: Label) -> Table {
        let mut table = Table::new(label);
        table.fields.reserve(t.len());
        for (k, k_span, v) in t.entries() {
            let name = self.intern(k, k_span, k);
            if let Some(value) = self.convert(v, &name, &table.label) {
                if let Shape::DateTime(dt, _) = v.shape()
                    && let Some(instant) = to_instant(dt)
                {
                    table.instants.push((name.clone(), instant));
                }
                table.fields.push((name, value));
            }
        }
        // Key order, not the file's: messages and rules that list a
        // table's fields see the same order however the file is written.
        table.fields.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        table
    }

    fn convert<N: Node>(&mut self, item: &N, key: &Arc<str>, parent: &Label) -> Option<Value> {
        Some(match item.shape() {
            Shape::Str(s) => Value::Str(self.intern(s, item.span(), key)),
            Shape::Int(i) => match i64::try_from(i) {
                Ok(n) => Value::Int(n),
                Err(_) => {
                    self.err(
                        Code::InvalidNumber,
                        item.span(),
                        format!("`{key}`: integer does not fit in 64 bits"),
                        None,
                    );
                    return None;
                }
            },
            // `inf` and `nan` compare false with everything in rules (even
            // `x == x`), a silent `false`. (`1e400` is the parser's error.)
            Shape::Float(x) if !x.is_finite() => {
                self.err(
                    Code::InvalidNumber,
                    item.span(),
                    format!("`{key}`: `inf` and `nan` are not allowed"),
                    Some("rules compare `inf` and `nan` as false with every number".into()),
                );
                return None;
            }
            Shape::Float(x) => Value::Float(x),
            Shape::Bool(b) => Value::Bool(b),
            Shape::DateTime(..) | Shape::Day(_) => Value::Date(self.date(item, key)?),
            Shape::Array(_) | Shape::Table(_) if self.depth >= MAX_DEPTH => {
                self.err(
                    Code::LimitExceeded,
                    item.span(),
                    format!("`{key}`: tables and arrays nest more than {MAX_DEPTH} levels deep"),
                    None,
                );
                return None;
            }
            Shape::Array(a) => {
                self.depth += 1;
                let out: Option<Vec<Value>> =
                    a.iter().map(|v| self.convert(v, key, parent)).collect();
                self.depth -= 1;
                Value::Array(out?.into())
            }
            Shape::Table(t) => {
                let label = Label::Field(key.clone(), Arc::new(parent.clone()));
                self.depth += 1;
                let table = self.convert_table(t, label);
                self.depth -= 1;
                Value::Table(Arc::new(table))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, Vec<Diagnostic>> {
        parse_str(Path::new("s.toml"), text, "s")
    }

    fn errors(text: &str) -> Vec<String> {
        match parse(text) {
            Ok(_) => vec![],
            Err(ds) => ds.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn events_are_sorted_stably_and_as_of_defaults_to_last_event() {
        let sc = parse(
            r#"
            [scenario]
            title = "t"
            [[events]]
            kind = "b"
            date = 2025-06-02
            [[events]]
            kind = "a"
            date = 2025-05-01
            [[events]]
            kind = "c"
            date = 2025-06-02
            "#,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let kinds: Vec<_> = sc.events.iter().map(|e| &*e.kind).collect();
        assert_eq!(kinds, ["a", "b", "c"]);
        assert_eq!(sc.as_of.to_string(), "2025-06-02");
    }

    #[test]
    fn offset_date_time_counts_as_its_utc_day() {
        let sc = parse(
            "[scenario]\ntitle = \"t\"\n[[events]]\nkind = \"x\"\ndate = 2025-09-27T20:00:00-04:00\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(sc.events[0].date.to_string(), "2025-09-28");
    }

    #[test]
    fn mistyped_scenario_key_gets_did_you_mean_with_position() {
        let errs = errors("[scenario]\ntitle = \"t\"\nas_off = 2025-06-02\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("s.toml:3:1:"), "{}", errs[0]);
        assert!(errs[0].contains("did you mean `as_of`?"), "{}", errs[0]);
    }

    #[test]
    fn local_date_time_and_impossible_dates_are_errors() {
        let errs = errors("[scenario]\ntitle = \"t\"\nas_of = 2025-06-02T10:00:00\n");
        assert!(errs[0].contains("without an offset"), "{errs:?}");
        let errs = errors("[scenario]\ntitle = \"t\"\nas_of = 2025-02-30\n");
        assert!(errs[0].starts_with("s.toml:3:"), "{errs:?}");
    }

    #[test]
    fn missing_kind_and_date_are_both_reported() {
        let errs = errors("[scenario]\ntitle = \"t\"\n[[events]]\nround = 2\n");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].contains("no `kind`"));
        assert!(errs[1].contains("no `date`"));
    }

    #[test]
    fn control_characters_are_refused_in_keys_and_values_where_they_first_occur() {
        let errs = errors(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-01-01\n[[events]]\nkind = \"x\"\ndate = 2025-01-01\nby = \"R\\u001bU\"\n[[events]]\nkind = \"x\"\ndate = 2025-01-02\nby = \"R\\u001bU\"\n\"k\\u0007\" = 1\n",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].starts_with("s.toml:7:"), "{errs:?}");
        assert!(errs[0].contains("U+001B"), "{errs:?}");
        assert!(errs[1].starts_with("s.toml:12:"), "{errs:?}");
        assert!(errs[1].contains("U+0007"), "{errs:?}");
    }

    #[test]
    fn response_in_fires_and_not_fires_is_an_error() {
        let errs = errors(
            "[scenario]\ntitle = \"t\"\nas_of = 2025-01-01\n[expect]\nfires = [\"a\"]\nnot_fires = [\"a\"]\n",
        );
        assert!(errs[0].contains("both to fire and not to fire"), "{errs:?}");
    }
}
