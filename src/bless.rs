//! `test --bless`: rewriting a scenario's expectations to match what fires
//! now. Edits go through toml_edit, so every comment, key order and blank
//! line outside the changed values is kept byte for byte; only the lists
//! and dates that disagree with the current outcome change. A scenario
//! whose rules error, or whose expectations name unknown responses, is
//! refused: blessing an error would turn a bug into an expectation. The
//! new text is parsed again before it is returned, so a file is never
//! replaced by one the parser would refuse. [`write()`] puts it over the
//! file atomically, in the file's own line ends.

use std::io;
use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use toml_edit::{Array, DocumentMut, Item, TableLike, Value};

use crate::eval::Worker;
use crate::outcome::{Outcome, RuleError, Status};
use crate::scenario::{DayError, Scenario, calendar_day, parse_str};
use crate::suite::{first_days, validate};
use crate::{atomic, files};

/// A scenario's new text and a line per change, for the user.
#[derive(Debug)]
pub struct Blessed {
    pub text: String,
    pub edits: Vec<String>,
}

/// Why a scenario was not blessed; nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlessError {
    /// The first problem of its expectations, such as an unknown response.
    #[error("{message}; fix it by hand")]
    Invalid { message: String },
    #[error("cannot edit the file: {0}")]
    Edit(#[source] toml_edit::TomlError),
    #[error("cannot find `[expect]` in the file")]
    NoExpect,
    /// An entry without a `date`, or with one that is no day.
    #[error("an `[[expect.at]]` entry has no valid `date`")]
    AtDate(#[source] Option<DayError>),
    #[error("a rule errored as of {date}, so nothing was blessed: {error}")]
    RuleErrored {
        date: NaiveDate,
        error: Box<RuleError>,
    },
    /// The first problem the parser finds in the new text, and where.
    #[error(
        "the blessed file would not parse, so nothing was written: {message}{}",
        position(.at)
    )]
    WouldNotParse {
        message: String,
        at: Option<(usize, usize)>,
    },
    /// The replay that finds first-fire days could not run.
    #[error("{0}")]
    Replay(String),
    #[error("`{name}` errored on {day}, so nothing was blessed")]
    FirstFireErrored { name: String, day: NaiveDate },
    #[error(
        "`{name}` in first_fire does not fire from {from} to {to}; remove it or move it to not_fires by hand"
    )]
    NeverFires {
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("cannot write the year of {0}")]
    Year(NaiveDate),
}

fn position(at: &Option<(usize, usize)>) -> String {
    match at {
        Some((l, c)) => format!(" (line {l}, column {c} of the new text)"),
        None => String::new(),
    }
}

/// Rewrites `sc`'s expectations to match its current outcomes; `Ok(None)`
/// when they already do.
pub fn bless(worker: &Worker, sc: &Arc<Scenario>) -> Result<Option<Blessed>, BlessError> {
    if let Some(d) = validate(sc, worker.rules()).first() {
        return Err(BlessError::Invalid {
            message: d.message.clone(),
        });
    }
    let at_as_of = evaluated(worker, sc, sc.as_of)?;
    let mut doc: DocumentMut = sc.source.text.parse().map_err(BlessError::Edit)?;
    let mut edits = Vec::new();
    if !sc.expect.any() {
        let mut exactly = Array::new();
        for f in &at_as_of.fired {
            exactly.push(&**f);
        }
        edits.push(format!("added exactly = {exactly}"));
        match doc.get_mut("expect").and_then(Item::as_table_like_mut) {
            Some(t) => {
                t.insert("exactly", Item::Value(Value::Array(exactly)));
            }
            None => {
                let mut t = toml_edit::Table::new();
                t.insert("exactly", Item::Value(Value::Array(exactly)));
                if !sc.source.text.ends_with("\n\n") {
                    t.decor_mut().set_prefix("\n");
                }
                doc.insert("expect", Item::Table(t));
            }
        }
    } else {
        let Some(expect) = doc.get_mut("expect").and_then(Item::as_table_like_mut) else {
            return Err(BlessError::NoExpect);
        };
        set(expect, &at_as_of, "", &mut edits);
        if let Some(rules) = expect.get_mut("rules").and_then(Item::as_table_like_mut) {
            let status = |id: &str| at_as_of.rule(id).map_or(Status::Quiet, |r| r.status);
            move_between(rules, ("fire", "quiet"), "rules.", &status, &mut edits);
        }
        for at in at_entries(expect) {
            let date = at
                .get("date")
                .and_then(Item::as_datetime)
                .ok_or(BlessError::AtDate(None))
                .and_then(|d| day_of(d, sc.timezone).map_err(|e| BlessError::AtDate(Some(e))))?;
            let o = evaluated(worker, sc, date)?;
            set(at, &o, &format!("at {date}: "), &mut edits);
        }
        if let Some(ff) = expect
            .get_mut("first_fire")
            .and_then(Item::as_table_like_mut)
        {
            first_fire(worker, sc, ff, &mut edits)?;
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let text = doc.to_string();
    reparse(sc, &text)?;
    Ok(Some(Blessed { text, edits }))
}

/// Refuses text the scenario parser would refuse (a date TOML cannot
/// write, such as one in year 10000): bless must never leave a file that
/// `test` cannot read.
fn reparse(sc: &Scenario, text: &str) -> Result<(), BlessError> {
    match parse_str(&sc.file, text, &sc.id) {
        Ok(_) => Ok(()),
        Err(ds) => {
            let first = ds.first();
            Err(BlessError::WouldNotParse {
                message: first.map(|d| d.message.clone()).unwrap_or_default(),
                at: first.and_then(|d| d.line.zip(d.column)),
            })
        }
    }
}

/// The day a TOML date-time stands for, as `test` judges it (an offset
/// date-time at its day in the scenario's zone, or its UTC day).
fn day_of(d: &toml_edit::Datetime, zone: Option<chrono_tz::Tz>) -> Result<NaiveDate, DayError> {
    let text = d.to_string();
    let Some(date) = d.date else {
        return Err(DayError::NoDate { text });
    };
    let time = d.time.map(|t| {
        (
            t.hour.into(),
            t.minute.into(),
            t.second.unwrap_or(0).into(),
            t.nanosecond.unwrap_or(0),
        )
    });
    let offset = d.offset.map(|o| match o {
        toml_edit::Offset::Z => 0,
        toml_edit::Offset::Custom { minutes } => i32::from(minutes),
    });
    let ymd = (date.year.into(), date.month.into(), date.day.into());
    calendar_day(ymd, time, offset, zone, &text)
}

/// The outcome at a date, or the first rule error as the reason to refuse.
fn evaluated(worker: &Worker, sc: &Arc<Scenario>, date: NaiveDate) -> Result<Outcome, BlessError> {
    let o = worker.evaluate(sc, date);
    match o.errors.first() {
        Some(e) => Err(BlessError::RuleErrored {
            date,
            error: Box::new(e.clone()),
        }),
        None => Ok(o),
    }
}

/// The `[[expect.at]]` entries, written as tables or as inline tables.
fn at_entries(expect: &mut dyn TableLike) -> Vec<&mut dyn TableLike> {
    match expect.get_mut("at") {
        Some(Item::ArrayOfTables(a)) => a.iter_mut().map(|t| t as &mut dyn TableLike).collect(),
        Some(Item::Value(Value::Array(a))) => a
            .iter_mut()
            .filter_map(Value::as_inline_table_mut)
            .map(|t| t as &mut dyn TableLike)
            .collect(),
        _ => Vec::new(),
    }
}

/// Brings `fires`, `not_fires` and `exactly` of one table in line with `o`.
fn set(t: &mut dyn TableLike, o: &Outcome, label: &str, edits: &mut Vec<String>) {
    let status = |id: &str| o.response(id).map_or(Status::Quiet, |r| r.status);
    move_between(t, ("fires", "not_fires"), label, &status, edits);
    if let Some(arr) = t.get_mut("exactly").and_then(Item::as_array_mut) {
        let mut have: Vec<String> = strings(arr);
        have.sort();
        if have
            .iter()
            .map(String::as_str)
            .ne(o.fired.iter().map(|f| &**f))
        {
            let old = format!("[{}]", have.join(", "));
            arr.clear();
            for f in &o.fired {
                arr.push(&**f);
            }
            arr.fmt();
            edits.push(format!("{label}exactly: {old} → [{}]", o.fired.join(", ")));
        }
    }
}

fn strings(arr: &Array) -> Vec<String> {
    arr.iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Moves names between a "fires" list and a "does not fire" list so each
/// sits on the side its current status puts it.
fn move_between(
    t: &mut dyn TableLike,
    (yes, no): (&str, &str),
    label: &str,
    status: &dyn Fn(&str) -> Status,
    edits: &mut Vec<String>,
) {
    let to_no = take(t, yes, &|n| status(n) != Status::Fires);
    let to_yes = take(t, no, &|n| status(n) == Status::Fires);
    for n in &to_no {
        edits.push(format!("{label}`{n}`: {yes} → {no}"));
    }
    for n in &to_yes {
        edits.push(format!("{label}`{n}`: {no} → {yes}"));
    }
    let changed = !to_no.is_empty() || !to_yes.is_empty();
    put(t, no, to_no);
    put(t, yes, to_yes);
    if changed {
        for key in [yes, no] {
            // Removing items leaves their separators behind (`["a",\n]`);
            // re-lay the list out unless it holds comments, which a
            // re-layout would drop.
            if let Some(arr) = t.get_mut(key).and_then(Item::as_array_mut)
                && !arr.to_string().contains('#')
            {
                arr.fmt();
            }
        }
    }
}

/// Removes the names matching `pred` from the array at `key`.
fn take(t: &mut dyn TableLike, key: &str, pred: &dyn Fn(&str) -> bool) -> Vec<String> {
    let Some(arr) = t.get_mut(key).and_then(Item::as_array_mut) else {
        return Vec::new();
    };
    let mut taken = Vec::new();
    let mut i = 0;
    while i < arr.len() {
        match arr.get(i).and_then(Value::as_str) {
            Some(n) if pred(n) => {
                taken.push(n.to_string());
                arr.remove(i);
            }
            _ => i += 1,
        }
    }
    taken
}

/// Appends names to the array at `key`, creating it when missing.
fn put(t: &mut dyn TableLike, key: &str, names: Vec<String>) {
    if names.is_empty() {
        return;
    }
    match t.get_mut(key).and_then(Item::as_array_mut) {
        Some(arr) => {
            for n in names {
                arr.push(n);
            }
        }
        None => {
            let arr: Array = names.into_iter().collect();
            t.insert(key, Item::Value(Value::Array(arr)));
        }
    }
}

/// Sets each `first_fire` date to the first day the response fires,
/// replaying from the first event to `as_of`.
fn first_fire(
    worker: &Worker,
    sc: &Arc<Scenario>,
    ff: &mut dyn TableLike,
    edits: &mut Vec<String>,
) -> Result<(), BlessError> {
    let names: Vec<String> = ff.iter().map(|(k, _)| k.to_string()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let replay = first_days(worker, sc, &refs).map_err(|e| BlessError::Replay(e.to_string()))?;
    for (n, got) in names.iter().zip(replay.days) {
        let day = match got {
            Some((day, Status::Fires)) => day,
            Some((day, _)) => {
                return Err(BlessError::FirstFireErrored {
                    name: n.clone(),
                    day,
                });
            }
            None => {
                return Err(BlessError::NeverFires {
                    name: n.clone(),
                    from: replay.from,
                    to: sc.as_of,
                });
            }
        };
        let Some(item) = ff.get_mut(n) else { continue };
        let old = item.as_datetime().map(|d| d.to_string());
        if old.as_deref() == Some(day.to_string().as_str()) {
            continue;
        }
        let year = u16::try_from(day.year()).map_err(|_| BlessError::Year(day))?;
        let new = toml_edit::Datetime {
            date: Some(toml_edit::Date {
                year,
                month: day.month() as u8,
                day: day.day() as u8,
            }),
            time: None,
            offset: None,
        };
        let decor = item.as_value().map(|v| v.decor().clone());
        let mut v = Value::from(new);
        if let Some(d) = decor {
            *v.decor_mut() = d;
        }
        *item = Item::Value(v);
        edits.push(format!(
            "first_fire `{n}`: {} → {day}",
            old.unwrap_or_else(|| "?".into())
        ));
    }
    Ok(())
}

/// Writes a blessed scenario's text over its file, keeping a byte-order
/// mark, `\r\n` line ends and a missing final line end the file had, and
/// refusing when the file changed since it was read (`read`, the text
/// [`bless`] started from).
pub fn write(path: &Path, text: &str, read: &str) -> io::Result<()> {
    const BOM: &str = "\u{feff}";
    // The rename replaces a link's target: only a target in the folder
    // the user pointed at may be replaced.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        && let Some(d) = files::Within::folder(dir).escape(path, "file")
    {
        return Err(io::Error::other(d.message));
    }
    let now = std::fs::read_to_string(path)?;
    let bom = now.starts_with(BOM);
    if now.strip_prefix(BOM).unwrap_or(&now) != read {
        return Err(io::Error::other(
            "the file changed while it was being blessed",
        ));
    }
    let out = with_line_ends(text, &now);
    let out = if bom { format!("{BOM}{out}") } else { out };
    atomic::write(path, out.as_bytes()).map_err(io::Error::other)
}

/// `text` (as toml_edit writes it: `\n` line ends, a final one) with the
/// line ends of `original`: `\r\n` when its first line ends so, and no
/// final line end when it had none.
pub fn with_line_ends(text: &str, original: &str) -> String {
    let crlf = original
        .find('\n')
        .is_some_and(|i| original[..i].ends_with('\r'));
    let text = if original.is_empty() || original.ends_with('\n') {
        text
    } else {
        text.strip_suffix('\n').unwrap_or(text)
    };
    if crlf {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_string()
    }
}
