//! Dates in rules: the `Date`, `Days`, `Months` and `Instant` types,
//! `date("YYYY-MM-DD")`, day and month arithmetic, weekdays and the parts
//! of an instant. Arithmetic that would leave chrono's calendar (or the
//! 64-bit range of a day count) is a rule error naming the operation,
//! never a panic or a wrapped value. Native code (`crate::native`) calls
//! the same functions, so both give the same answers.

use chrono::{Datelike, NaiveDate, Timelike};
use rhai::{Engine, INT, ImmutableString};

use super::{Fallible, err};

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A number of days, made by `days(n)`, to add to or subtract from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(pub i64);

/// A number of calendar months, made by `months(n)`. Adding months keeps
/// the day of the month, or takes the month's last day when it is shorter:
/// 2025-01-31 + months(1) = 2025-02-28.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months(pub i64);

/// The exact instant of an offset date-time field, for rules that need
/// the hour (`e.instant("date").hour`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub chrono::DateTime<chrono::FixedOffset>);

pub(crate) fn add_days(d: Date, n: Days) -> Fallible<Date> {
    // `Duration::days` panics beyond ±i64::MAX / 86,400 days.
    match chrono::Duration::try_days(n.0).and_then(|n| d.0.checked_add_signed(n)) {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} + days({}) is outside the calendar", d.0, n.0)),
    }
}

pub(crate) fn sub_days(d: Date, n: Days) -> Fallible<Date> {
    match chrono::Duration::try_days(n.0).and_then(|n| d.0.checked_sub_signed(n)) {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} - days({}) is outside the calendar", d.0, n.0)),
    }
}

/// `days(a) + days(b)` and the like, as an error rather than a wrap or a
/// panic when the count leaves the 64-bit range.
fn days_op(a: i64, op: &str, b: i64, r: Option<i64>) -> Fallible<Days> {
    match r {
        Some(n) => Ok(Days(n)),
        None => err(format!("days({a}) {op} {b} overflows")),
    }
}

pub(crate) fn add_months(d: Date, n: Months) -> Fallible<Date> {
    shift_months(
        d,
        n.0 >= 0,
        n.0.unsigned_abs(),
        format!("+ months({})", n.0),
    )
}

pub(crate) fn sub_months(d: Date, n: Months) -> Fallible<Date> {
    // Negating `months(i64::MIN)` would overflow: pass the direction.
    shift_months(d, n.0 < 0, n.0.unsigned_abs(), format!("- months({})", n.0))
}

fn shift_months(d: Date, forward: bool, abs: u64, shown: String) -> Fallible<Date> {
    let m = chrono::Months::new(abs.min(u64::from(u32::MAX)) as u32);
    let r = if forward {
        d.0.checked_add_months(m)
    } else {
        d.0.checked_sub_months(m)
    };
    match r {
        Some(x) => Ok(Date(x)),
        None => err(format!("{} {shown} is outside the calendar", d.0)),
    }
}

/// `YYYY-MM-DD` read directly: chrono's format-string parser costs more
/// than the rest of a typical rule call.
fn canonical_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

pub(crate) fn parse_date(s: &str) -> Fallible<Date> {
    // Anything else (or an invalid day) takes chrono's parser, whose
    // verdict stays the reference.
    if let Some(d) = canonical_date(s) {
        return Ok(Date(d));
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Ok(Date(d)),
        Err(_) => err(format!(
            "`{s}` is not a date: write `date(\"YYYY-MM-DD\")`, e.g. `date(\"2025-08-08\")`"
        )),
    }
}

/// `== != < <= > >=` between two values of one ordered type.
fn ordered<T: PartialOrd + rhai::Variant + Clone>(engine: &mut Engine) {
    engine
        .register_fn("==", |a: T, b: T| a == b)
        .register_fn("!=", |a: T, b: T| a != b)
        .register_fn("<", |a: T, b: T| a < b)
        .register_fn("<=", |a: T, b: T| a <= b)
        .register_fn(">", |a: T, b: T| a > b)
        .register_fn(">=", |a: T, b: T| a >= b);
}

/// Registers the calendar types, their operators and their parts.
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Date>("Date")
        .register_type_with_name::<Days>("Days")
        .register_type_with_name::<Months>("Months")
        .register_type_with_name::<Instant>("Instant");
    // Dates.
    engine
        .register_fn("date", |s: &str| parse_date(s))
        .register_fn("days", |n: INT| Days(n))
        .register_fn("+", add_days)
        .register_fn("+", |n: Days, d: Date| add_days(d, n))
        .register_fn("-", sub_days)
        .register_fn("-", |a: Date, b: Date| (a.0 - b.0).num_days() as INT)
        .register_fn("+", |a: Days, b: Days| {
            days_op(a.0, "+", b.0, a.0.checked_add(b.0))
        })
        .register_fn("-", |a: Days, b: Days| {
            days_op(a.0, "-", b.0, a.0.checked_sub(b.0))
        })
        .register_fn("*", |a: Days, n: INT| {
            days_op(a.0, "*", n, a.0.checked_mul(n))
        })
        .register_fn("==", |a: Days, b: Days| a == b)
        .register_fn("!=", |a: Days, b: Days| a != b)
        .register_get("year", |d: &mut Date| d.0.year() as INT)
        .register_get("month", |d: &mut Date| d.0.month() as INT)
        .register_get("day", |d: &mut Date| d.0.day() as INT)
        .register_fn("to_string", |d: &mut Date| d.0.to_string())
        .register_fn("to_debug", |d: &mut Date| d.0.to_string())
        .register_fn("to_string", |d: &mut Days| format!("days({})", d.0))
        .register_fn("to_debug", |d: &mut Days| format!("days({})", d.0))
        .register_fn("+", |s: ImmutableString, d: Date| format!("{s}{}", d.0))
        .register_fn("+", |d: Date, s: ImmutableString| format!("{}{s}", d.0));

    // Months, weekdays, spans and instants.
    engine
        .register_fn("months", |n: INT| Months(n))
        .register_fn("+", add_months)
        .register_fn("-", sub_months)
        .register_fn("to_string", |m: &mut Months| format!("months({})", m.0))
        .register_get("weekday", |d: &mut Date| {
            d.0.weekday().number_from_monday() as INT
        })
        .register_get("weekday_name", |d: &mut Date| d.0.weekday().to_string())
        .register_fn("days_between", |a: Date, b: Date| {
            (b.0 - a.0).num_days() as INT
        })
        .register_fn("min", |a: Date, b: Date| a.min(b))
        .register_fn("max", |a: Date, b: Date| a.max(b))
        .register_get("year", |i: &mut Instant| i.0.year() as INT)
        .register_get("month", |i: &mut Instant| i.0.month() as INT)
        .register_get("day", |i: &mut Instant| i.0.day() as INT)
        .register_get("hour", |i: &mut Instant| i.0.hour() as INT)
        .register_get("minute", |i: &mut Instant| i.0.minute() as INT)
        .register_get("offset_minutes", |i: &mut Instant| {
            (i.0.offset().local_minus_utc() / 60) as INT
        })
        .register_get("utc_date", |i: &mut Instant| Date(i.0.naive_utc().date()))
        .register_get("local_date", |i: &mut Instant| Date(i.0.date_naive()))
        .register_fn("to_string", |i: &mut Instant| i.0.to_rfc3339())
        .register_fn("to_debug", |i: &mut Instant| i.0.to_rfc3339());
    ordered::<Date>(engine);
    ordered::<Instant>(engine);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::{check_script as check, eval_script as eval};

    #[test]
    fn months_keep_the_day_or_take_the_last_day_of_a_shorter_month() {
        check(r#"`${date("2025-01-31") + months(1)}`"#, "2025-02-28");
        check(r#"`${date("2024-01-31") + months(1)}`"#, "2024-02-29");
        check(r#"`${date("2025-03-31") - months(1)}`"#, "2025-02-28");
        check(r#"`${date("2025-12-15") + months(1)}`"#, "2026-01-15");
        check(r#"`${date("2025-07-14") + months(12)}`"#, "2026-07-14");
    }

    #[test]
    fn day_arithmetic_crosses_leap_days_and_year_ends() {
        check(r#"`${date("2024-02-28") + days(1)}`"#, "2024-02-29");
        check(r#"`${date("2025-02-28") + days(1)}`"#, "2025-03-01");
        check(r#"`${date("2025-12-31") + days(1)}`"#, "2026-01-01");
        check(r#"date("2025-09-02") - date("2025-07-14")"#, "50");
        check(
            r#"days_between(date("2025-07-14"), date("2025-09-02"))"#,
            "50",
        );
        check(
            r#"days_between(date("2025-09-02"), date("2025-07-14"))"#,
            "-50",
        );
    }

    #[test]
    fn weekdays_and_min_max_of_dates() {
        check(r#"date("2025-06-02").weekday"#, "1");
        check(r#"date("2025-06-02").weekday_name"#, "Mon");
        check(r#"date("2025-06-08").weekday"#, "7");
        check(
            r#"`${min(date("2025-06-02"), date("2025-05-16"))}`"#,
            "2025-05-16",
        );
        check(
            r#"`${max(date("2025-06-02"), date("2025-05-16"))}`"#,
            "2025-06-02",
        );
    }

    #[test]
    fn dates_parse_and_reject_garbage() {
        assert!(parse_date("2025-02-28").is_ok());
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("tomorrow").is_err());
    }

    #[test]
    fn adding_days_past_the_calendar_is_an_error() {
        let d = Date(NaiveDate::MAX);
        assert!(add_days(d, Days(1)).is_err());
    }

    #[test]
    fn extreme_day_and_month_counts_are_errors_not_panics() {
        let d = Date(NaiveDate::MIN);
        assert!(add_days(d, Days(i64::MAX)).is_err());
        assert!(sub_days(d, Days(i64::MIN)).is_err());
        assert!(add_months(d, Months(i64::MIN)).is_err());
        assert!(sub_months(d, Months(i64::MIN)).is_err());
        assert!(eval("days(9223372036854775807) * 2").starts_with("error"));
        assert!(eval("days(9223372036854775807) + days(1)").starts_with("error"));
        assert!(eval("days(-9223372036854775807) - days(2)").starts_with("error"));
        assert!(
            eval(r#"date("2025-01-01") - days(-9223372036854775807 - 1)"#).starts_with("error")
        );
        assert!(
            eval(r#"date("2025-01-01") - months(-9223372036854775807 - 1)"#).starts_with("error")
        );
        check(r#"`${date("2025-03-31") - months(-1)}`"#, "2025-04-30");
        check(r#"`${date("2025-03-01") - days(-1)}`"#, "2025-03-02");
    }
}
