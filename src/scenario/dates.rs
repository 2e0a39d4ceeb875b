//! The day a TOML date or date-time stands for. A date is its day; an
//! offset date-time is the day it falls on in the scenario's time zone,
//! or its UTC day when the scenario has none; a local date-time (no
//! offset) is refused, since its day depends on where it is read. One
//! definition for scenarios, expectations and `--bless`.

use chrono::NaiveDate;
use chrono_tz::Tz;
use toml_spanner::{DateTime as Datetime, TimeOffset};

/// Why a TOML date or date-time is no day. `text` is the value as
/// written; each message quotes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DayError {
    /// A date the calendar lacks (`2025-02-30`).
    #[error("{text} is not a date in the calendar")]
    NotInCalendar {
        /// The value as written.
        text: String,
    },
    /// A date-time chrono cannot represent.
    #[error("`{text}` is not a valid date-time")]
    NotADateTime {
        /// The value as written.
        text: String,
    },
    /// A local date-time: which day it is depends on a time zone.
    #[error(
        "`{text}` is a local date-time without an offset, so its day is ambiguous; \
         write a date (`{day}`) or add an offset (`{text}Z`, `{text}-04:00`)"
    )]
    NoOffset {
        /// The value as written.
        text: String,
        /// Its date part, suggested instead.
        day: String,
    },
    /// A time of day alone.
    #[error("`{text}` is a time without a date")]
    NoDate {
        /// The value as written.
        text: String,
    },
}

/// The exact instant of an offset date-time (`None` for anything else).
pub(super) fn to_instant(dt: &Datetime) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let (d, t, offset) = (dt.date()?, dt.time()?, dt.offset()?);
    let minutes = match offset {
        TimeOffset::Z => 0,
        TimeOffset::Custom { minutes } => i32::from(minutes),
    };
    let tz = chrono::FixedOffset::east_opt(minutes * 60)?;
    let local = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?
        .and_hms_nano_opt(
        u32::from(t.hour),
        u32::from(t.minute),
        u32::from(t.second),
        t.nanosecond,
    )?;
    local.and_local_timezone(tz).single()
}

/// A TOML date or offset date-time as a calendar day; an offset date-time
/// counts as its day in `zone`, or its UTC day. `text` is the value as
/// written, for messages.
pub(super) fn to_date(dt: &Datetime, text: &str, zone: Option<Tz>) -> Result<NaiveDate, DayError> {
    let offset = dt.offset().map(|o| match o {
        TimeOffset::Z => 0,
        TimeOffset::Custom { minutes } => i32::from(minutes),
    });
    match (dt.date(), dt.time()) {
        (Some(d), time) => calendar_day(
            (i32::from(d.year), u32::from(d.month), u32::from(d.day)),
            time.map(|t| {
                (
                    u32::from(t.hour),
                    u32::from(t.minute),
                    u32::from(t.second),
                    t.nanosecond,
                )
            }),
            offset,
            zone,
            text,
        ),
        (None, _) => Err(DayError::NoDate { text: text.into() }),
    }
}

/// The day a TOML date (`time` is `None`) or offset date-time stands for:
/// an offset date-time counts as its day in the scenario's `zone`, or its
/// UTC day without one. `text` is the value as written, for messages.
pub(crate) fn calendar_day(
    (year, month, day): (i32, u32, u32),
    time: Option<(u32, u32, u32, u32)>,
    offset_minutes: Option<i32>,
    zone: Option<Tz>,
    text: &str,
) -> Result<NaiveDate, DayError> {
    let date = NaiveDate::from_ymd_opt(year, month, day);
    match (time, offset_minutes) {
        (None, _) => date.ok_or_else(|| DayError::NotInCalendar { text: text.into() }),
        (Some((h, m, s, ns)), Some(minutes)) => date
            .and_then(|d| d.and_hms_nano_opt(h, m, s, ns))
            .zip(chrono::FixedOffset::east_opt(minutes * 60))
            .and_then(|(local, tz)| local.and_local_timezone(tz).single())
            .map(|i| match zone {
                Some(z) => i.with_timezone(&z).date_naive(),
                None => i.naive_utc().date(),
            })
            .ok_or_else(|| DayError::NotADateTime { text: text.into() }),
        (Some(_), None) => Err(DayError::NoOffset {
            day: text.get(..10).unwrap_or(text).into(),
            text: text.into(),
        }),
    }
}
