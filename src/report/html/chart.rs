//! A scenario's replay as an inline SVG: one lane per response, a bar for
//! each period it fires, a marker at each period's start whose `<title>`
//! names what tipped it, a cross and a line over the days a rule errored, a line at the
//! judgement date and a date axis. Coordinates are whole pixels computed
//! from day counts, so the same replay always gives the same bytes; the
//! periods are also listed as text beside the chart (`periods`), for
//! readers and printers that do not see the picture.

use chrono::{Datelike, Months, NaiveDate};
use maud::{Markup, html};

use crate::dossier::Dossier;
use crate::report::dossiers::{ErrorRun, error_runs, response_order, tip_words};
use crate::rules::RuleSet;
use crate::timeline::{Period, Timeline};

/// The drawing's width in SVG units; it scales to the page.
const WIDTH: i64 = 960;
/// The left column, for lane names.
const LABELS: i64 = 210;
/// Room on the right, so the last tick's label fits.
const RIGHT: i64 = 40;
/// Room above the lanes, for the judgement date's label.
const TOP: i64 = 22;
/// One lane's height.
const LANE: i64 = 24;
/// The most ticks on the date axis.
const MAX_TICKS: i64 = 8;

/// Maps days of the window to x positions.
struct Scale {
    from: NaiveDate,
    days: i64,
}

impl Scale {
    /// The left edge of a day.
    fn x(&self, d: NaiveDate) -> i64 {
        let plot = WIDTH - LABELS - RIGHT;
        LABELS + (d - self.from).num_days().clamp(0, self.days) * plot / self.days.max(1)
    }

    /// The right edge of a day (the left edge of the next).
    fn x_end(&self, d: NaiveDate) -> i64 {
        d.succ_opt().map_or(WIDTH - RIGHT, |n| self.x(n))
    }
}

/// The chart of `t`, labelled by `label_id` (the element that names it)
/// and described by the list of periods with id `desc_id`.
pub fn svg(set: &RuleSet, d: &Dossier, t: &Timeline, label_id: &str, desc_id: &str) -> Markup {
    let order = response_order(set);
    let lanes: Vec<_> = order
        .iter()
        .filter_map(|id| t.responses.iter().find(|r| r.id == *id))
        .collect();
    let scale = Scale {
        from: t.window.from,
        days: t.window.days(),
    };
    let axis_y = TOP + LANE * lanes.len() as i64 + 4;
    let height = axis_y + 28;
    let as_of = d.outcome.as_of;
    let errors = error_runs(t);
    let labelled = format!("{label_id} {desc_id}");
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
            role="img" aria-labelledby=(labelled) {
            @for (i, r) in lanes.iter().enumerate() {
                @let y = TOP + LANE * i as i64;
                @if i % 2 == 0 {
                    rect.lane x="0" y=(y) width=(WIDTH) height=(LANE) {}
                }
                text.name x=(LABELS - 8) y=(y + 16) text-anchor="end" { (r.id) }
                @for p in &r.periods {
                    @let x0 = scale.x(p.from);
                    @let x1 = scale.x_end(p.to.unwrap_or(t.window.to)).max(x0 + 2);
                    rect.bar x=(x0) y=(y + 5) width=(x1 - x0) height=(LANE - 10) {
                        title { (r.id) " fires " (span(p)) }
                    }
                    @if !p.from_open {
                        @let (cx, cy) = (x0, y + LANE / 2);
                        polygon.tip points={ (cx) "," (cy - 7) " " (cx + 6) "," (cy) " " (cx) "," (cy + 7) " " (cx - 6) "," (cy) } {
                            title { (p.from) ": " (tip_words(d, p)) (because(p)) }
                        }
                    }
                }
                @for e in errors.iter().filter(|e| rule_of(set, e.rule) == Some(r.id.as_str())) {
                    @let (x0, x1) = (scale.x(e.from), scale.x_end(e.to));
                    @let cx = (x0 + x1.min(x0 + 10)) / 2;
                    @let cy = y + LANE / 2;
                    g.err {
                        title { (runs_words(e)) }
                        line x1=(x0) y1=(y + LANE - 3) x2=(x1) y2=(y + LANE - 3) {}
                        path d={ "M" (cx - 5) " " (cy - 5) "L" (cx + 5) " " (cy + 5) "M" (cx + 5) " " (cy - 5) "L" (cx - 5) " " (cy + 5) } {}
                    }
                }
            }
            line.axis x1=(LABELS) y1=(axis_y) x2=(WIDTH - RIGHT) y2=(axis_y) {}
            @for tick in ticks(t.window.from, t.window.to) {
                @let x = scale.x(tick);
                line.tick x1=(x) y1=(axis_y) x2=(x) y2=(axis_y + 5) {}
                text.date x=(x) y=(axis_y + 18) text-anchor="middle" { (tick) }
            }
            @if as_of >= t.window.from && as_of <= t.window.to {
                @let x = (scale.x(as_of) + scale.x_end(as_of)) / 2;
                line.asof x1=(x) y1=(TOP - 4) x2=(x) y2=(axis_y) {}
                text.asof x=(x) y=(TOP - 8) text-anchor=(anchor(x)) { "as of " (as_of) }
            }
        }
    }
}

/// The periods as a list, one line each: the chart's text alternative.
pub fn periods(set: &RuleSet, d: &Dossier, t: &Timeline, id: &str) -> Markup {
    let order = response_order(set);
    html! {
        ul.periods id=(id) {
            @for rid in &order {
                @if let Some(r) = t.responses.iter().find(|r| r.id == *rid) {
                    @if r.periods.is_empty() {
                        li { code { (r.id) } ": never fires from " (t.window.from) " to " (t.window.to) }
                    }
                    @for p in &r.periods {
                        li { code { (r.id) } ": fires " (span(p)) "; " (tip_words(d, p)) (because(p)) }
                    }
                }
            }
            @for e in &error_runs(t) {
                li.error { (runs_words(e)) }
            }
        }
    }
}

/// `from 2025-05-16 to 2025-06-01`, `from 2025-05-16 (still firing)`.
fn span(p: &Period) -> String {
    match p.to {
        Some(to) if to == p.from => format!("on {to} only"),
        Some(to) => format!("from {} to {to}", p.from),
        None => format!("from {} (still firing)", p.from),
    }
}

/// ` — rule: reason`, for the rule that fired on a period's first day.
fn because(p: &Period) -> String {
    match &p.cause {
        Some(c) => match &c.reason {
            Some(r) => format!(" — {}: {r}", c.rule),
            None => format!(" — {}", c.rule),
        },
        None => String::new(),
    }
}

/// `error in r on 2025-01-03: …`, `error in r from … to …: …`.
fn runs_words(e: &ErrorRun<'_>) -> String {
    let when = if e.from == e.to {
        format!("on {}", e.from)
    } else {
        format!("every day from {} to {}", e.from, e.to)
    };
    format!("error in {} {when}: {}", e.rule, e.message)
}

/// The response a rule fires.
fn rule_of<'a>(set: &'a RuleSet, rule: &str) -> Option<&'a str> {
    set.rule(rule).map(|r| r.response.as_str())
}

/// Keeps a label near either edge inside the drawing.
fn anchor(x: i64) -> &'static str {
    if x > WIDTH - RIGHT - 60 {
        "end"
    } else if x < LABELS + 60 {
        "start"
    } else {
        "middle"
    }
}

/// Dates for the axis, at most [`MAX_TICKS`]: every few days in a short
/// window, else the first of every month or of every few months.
fn ticks(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let days = (to - from).num_days() + 1;
    if days <= 62 {
        let step = (days + MAX_TICKS - 1) / MAX_TICKS;
        return (0..days)
            .step_by(step.max(1) as usize)
            .filter_map(|n| from.checked_add_days(chrono::Days::new(n as u64)))
            .collect();
    }
    let months =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    let step = ((months + MAX_TICKS - 1) / MAX_TICKS).max(1);
    // Steps of 1, 2, 3, 4, 6 or 12 months, or whole years, fall on round dates.
    let step = [1, 2, 3, 4, 6, 12]
        .into_iter()
        .find(|&s| s >= step)
        .unwrap_or((step + 11) / 12 * 12);
    let mut out = Vec::new();
    let Some(mut d) = from
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
    else {
        return out;
    };
    // Start on a month the step divides, so ticks read 01, 04, 07, 10.
    while (i64::from(d.month()) - 1) % step != 0 {
        match d.checked_add_months(Months::new(1)) {
            Some(n) => d = n,
            None => return out,
        }
    }
    while d <= to {
        out.push(d);
        match d.checked_add_months(Months::new(step as u32)) {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ticks_stay_few_and_fall_on_round_dates() {
        let t = ticks(day("2025-05-08"), day("2025-06-02"));
        assert!(t.len() <= MAX_TICKS as usize && t.len() >= 4, "{t:?}");
        assert_eq!(t[0], day("2025-05-08"));
        let t = ticks(day("2025-01-15"), day("2025-12-31"));
        assert!(t.len() <= MAX_TICKS as usize, "{t:?}");
        assert!(t.iter().all(|d| d.day() == 1));
        let t = ticks(day("2015-01-01"), day("2025-01-01"));
        assert!(t.len() <= MAX_TICKS as usize, "{t:?}");
        assert!(t.iter().all(|d| d.day() == 1 && d.month() == 1), "{t:?}");
    }

    #[test]
    fn days_map_inside_the_plot() {
        let s = Scale {
            from: day("2025-01-01"),
            days: 10,
        };
        assert_eq!(s.x(day("2025-01-01")), LABELS);
        assert_eq!(s.x(day("2025-01-11")), WIDTH - RIGHT);
        assert!(s.x_end(day("2025-01-01")) > s.x(day("2025-01-01")));
        // Before the window: clamped to its start.
        assert_eq!(s.x(day("2024-01-01")), LABELS);
    }
}
