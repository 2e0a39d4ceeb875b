//! A synthetic corpus of rules and scenarios, and two peers that evaluate
//! the same policy without the engine: a native Rust oracle over typed
//! structs, and the same rules in Rego (evaluated by regorus).
//!
//! Shared by `examples/gen_corpus.rs` (writes the corpus), `examples/
//! check_corpus.rs` (evaluates it with the peers and compares with the
//! engine's `run --format jsonl` output) and `benches/eval.rs` (includes this
//! file with `#[path]`).
//!
//! Everything is a pure function of the seed: rules come from one PRNG
//! stream, scenario `i` from its own stream, so a corpus of 1,000 scenarios
//! is the first 1,000 of a corpus of 10,000.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

// ---------------------------------------------------------------------------
// PRNG (splitmix64)
// ---------------------------------------------------------------------------

/// splitmix64: small, fast, good enough for test data.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A stream derived from a seed and a stream number.
    pub fn stream(seed: u64, n: u64) -> Rng {
        let mut r = Rng(seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }

    /// Index by weight.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Talks = 0,
    Strike,
    Statement,
    Sanctions,
    Exchange,
    Deadline,
    Summit,
}

pub const KINDS: [Kind; 7] = [
    Kind::Talks,
    Kind::Strike,
    Kind::Statement,
    Kind::Sanctions,
    Kind::Exchange,
    Kind::Deadline,
    Kind::Summit,
];

/// How often each kind occurs in a scenario (per mille-ish weights).
const KIND_WEIGHTS: [u64; 7] = [15, 30, 20, 12, 8, 8, 7];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Talks => "talks",
            Kind::Strike => "strike",
            Kind::Statement => "statement",
            Kind::Sanctions => "sanctions",
            Kind::Exchange => "prisoner-exchange",
            Kind::Deadline => "deadline",
            Kind::Summit => "summit",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.name() == s)
    }
}

const LOCATIONS: [&str; 6] = ["Istanbul", "Geneva", "Riyadh", "Doha", "Vatican", "Minsk"];
const ACTORS: [&str; 6] = ["RU", "UA", "US", "EU", "CN", "TR"];
const TONES: [&str; 3] = ["hostile", "neutral", "conciliatory"];
const SANCTIONERS: [&str; 3] = ["EU", "US", "UK"];
const SECTORS: [&str; 5] = ["energy", "banks", "metals", "tech", "shipping"];
const SUMMITEERS: [&str; 5] = ["RU", "UA", "US", "TR", "EU"];
const TARGETS: [&str; 5] = ["energy grid", "port", "city", "rail hub", "airfield"];
const TOPICS: [&str; 4] = ["ceasefire", "tariffs", "inspections", "exchange"];
const CATEGORIES: [&str; 5] = [
    "sanctions",
    "tariffs",
    "diplomatic",
    "military-aid",
    "relief",
];

/// Days since 1970-01-01.
pub fn day_number(d: NaiveDate) -> i32 {
    (d - epoch()).num_days() as i32
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

pub fn from_day_number(n: i32) -> NaiveDate {
    epoch() + Duration::days(i64::from(n))
}

/// ISO weekday (1 = Monday) of a day number; 1970-01-01 was a Thursday.
pub fn weekday(day: i32) -> i32 {
    (day.rem_euclid(7) + 3) % 7 + 1
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/// One rule template with its parameters. Each has a Rhai text, a native
/// implementation and a Rego text, which must agree.
#[derive(Clone, Debug)]
pub enum Template {
    /// Latest talks brought neither ceasefire nor breakthrough (helper-style;
    /// `import` uses `rules/lib/common.rhai`).
    LatestFruitless { import: bool },
    /// `s.count(kind) >= n`.
    CountAtLeast { kind: Kind, n: i64 },
    /// The latest strike used more than `min` missiles.
    LatestMissilesAbove { min: i64 },
    /// Loop: a strike (by RU, optionally) with more than `min` drones
    /// (absent counts as 0) within `window` days before the judgement date.
    WindowDrones { window: i64, min: i64, by_ru: bool },
    /// Loop: at least `n` hostile statements of level >= `level` within
    /// `window` days.
    HostileStatements { window: i64, n: i64, level: i64 },
    /// `filter`: at least `n` sanctions packages numbered >= `package`
    /// (touching `sector`, if given).
    SanctionsFilter {
        package: i64,
        n: i64,
        sector: Option<&'static str>,
    },
    /// The latest deadline was not met and passed more than `grace` days ago.
    DeadlineMissed { grace: i64 },
    /// No talks for more than `days` days.
    TalksStalled { days: i64 },
    /// The judgement date is on or after `base + months(months)`; `day` is
    /// that date, precomputed.
    CalendarAfter {
        base: NaiveDate,
        months: i64,
        day: i32,
    },
    /// `fired(dep) && s.count(kind) >= n`.
    FiredAnd { dep: usize, kind: Kind, n: i64 },
    /// `dep` does not fire and the latest talks agreed a ceasefire.
    FiredNotCeasefire { dep: usize },
    /// The latest strike fell on a weekend and used more than `min` missiles.
    WeekendStrike { min: i64 },
    /// Errors when the latest strike has no `drones`: reads it strictly.
    StrictDrones { min: i64 },
    /// Errors when the scenario has no `facts.threshold`.
    StrictFact,
    /// Loop over summits and their participants: one with both `a` and `b`.
    SummitBoth { a: &'static str, b: &'static str },
    /// The latest talks agreed a prisoner exchange and none was carried out
    /// since (a map verdict with details).
    ExchangeAfterTalks,
    /// `all`: every visible strike used fewer than `max` missiles.
    AllStrikesSmall { max: i64 },
    /// More than `factor` strikes per round of talks.
    StrikeTalkRatio { factor: i64 },
}

const TEMPLATE_WEIGHTS: [u64; 18] = [8, 10, 8, 10, 9, 8, 8, 6, 5, 6, 4, 4, 2, 1, 5, 4, 4, 4];

impl Template {
    /// Style of the template, for reports.
    pub fn style(&self) -> &'static str {
        match self {
            Template::WindowDrones { .. }
            | Template::HostileStatements { .. }
            | Template::SanctionsFilter { .. }
            | Template::SummitBoth { .. }
            | Template::ExchangeAfterTalks
            | Template::AllStrikesSmall { .. } => "loop",
            Template::FiredAnd { .. } | Template::FiredNotCeasefire { .. } => "fired",
            Template::StrictDrones { .. } | Template::StrictFact => "may-error",
            _ => "helper",
        }
    }

    fn dep(&self) -> Option<usize> {
        match self {
            Template::FiredAnd { dep, .. } | Template::FiredNotCeasefire { dep } => Some(*dep),
            _ => None,
        }
    }

    /// Whether the template can raise an error (itself or through `fired`).
    fn can_error(&self) -> bool {
        matches!(
            self,
            Template::StrictDrones { .. }
                | Template::StrictFact
                | Template::FiredAnd { .. }
                | Template::FiredNotCeasefire { .. }
        )
    }
}

#[derive(Clone, Debug)]
pub struct RuleSpec {
    /// Rule id: `<category>/rule-017`.
    pub id: String,
    /// Index into `Corpus::responses`.
    pub response: usize,
    pub template: Template,
}

#[derive(Clone, Debug)]
pub struct Response {
    pub id: String,
    pub category: &'static str,
    pub severity: i64,
}

/// The rule side of a corpus.
#[derive(Clone, Debug)]
pub struct Corpus {
    pub seed: u64,
    pub responses: Vec<Response>,
    pub rules: Vec<RuleSpec>,
    /// Rule indices per response.
    pub by_response: Vec<Vec<usize>>,
}

impl Corpus {
    /// `n` rules over `max(2, n / 5)` responses. A `fired` rule only names a
    /// response with a lower index, so there are no cycles.
    pub fn generate(seed: u64, n: usize) -> Corpus {
        let mut rng = Rng::stream(seed, u64::MAX);
        let nresp = (n / 5).max(2);
        let responses: Vec<Response> = (0..nresp)
            .map(|i| Response {
                id: format!("resp-{i:03}"),
                category: CATEGORIES[i % CATEGORIES.len()],
                severity: rng.range(1, 5),
            })
            .collect();
        let mut rules = Vec::with_capacity(n);
        let mut by_response = vec![Vec::new(); nresp];
        for k in 0..n {
            let response = k % nresp;
            let template = loop {
                if let Some(t) = random_template(&mut rng, response) {
                    break t;
                }
            };
            let id = format!("{}/rule-{k:03}", responses[response].category);
            by_response[response].push(k);
            rules.push(RuleSpec {
                id,
                response,
                template,
            });
        }
        // The engine evaluates a response's rules in id order; keep the same.
        for v in &mut by_response {
            v.sort_by(|a, b| rules[*a].id.cmp(&rules[*b].id));
        }
        Corpus {
            seed,
            responses,
            rules,
            by_response,
        }
    }
}

fn random_template(rng: &mut Rng, response: usize) -> Option<Template> {
    let t = match rng.weighted(&TEMPLATE_WEIGHTS) {
        0 => Template::LatestFruitless {
            import: rng.chance(50),
        },
        1 => {
            let kind = KINDS[rng.weighted(&KIND_WEIGHTS)];
            // About as many as a full scenario has, up to 60% more.
            let expected = 50 * KIND_WEIGHTS[kind as usize] as i64 / 100;
            Template::CountAtLeast {
                kind,
                n: (expected * rng.range(110, 170) / 100).max(2),
            }
        }
        2 => Template::LatestMissilesAbove {
            min: rng.range(25, 38),
        },
        3 => Template::WindowDrones {
            window: rng.range(7, 45),
            min: rng.range(250, 390),
            by_ru: rng.chance(60),
        },
        4 => Template::HostileStatements {
            window: rng.range(14, 120),
            n: rng.range(1, 5),
            level: rng.range(1, 5),
        },
        5 => Template::SanctionsFilter {
            package: rng.range(8, 20),
            n: rng.range(2, 4),
            sector: rng.chance(50).then(|| *rng.pick(&SECTORS)),
        },
        6 => Template::DeadlineMissed {
            grace: rng.range(0, 30),
        },
        7 => Template::TalksStalled {
            days: rng.range(20, 120),
        },
        8 => {
            let base = NaiveDate::from_ymd_opt(
                2025,
                rng.range(4, 12) as u32,
                [1, 15, 28, 29, 30, 31][rng.below(6) as usize],
            )
            .or_else(|| NaiveDate::from_ymd_opt(2025, 1, 31))?;
            let months = rng.range(-2, 8);
            let d = if months >= 0 {
                base.checked_add_months(chrono::Months::new(months as u32))?
            } else {
                base.checked_sub_months(chrono::Months::new((-months) as u32))?
            };
            Template::CalendarAfter {
                base,
                months,
                day: day_number(d),
            }
        }
        9 if response > 0 => {
            let kind = KINDS[rng.weighted(&KIND_WEIGHTS)];
            Template::FiredAnd {
                dep: rng.below(response as u64) as usize,
                kind,
                n: rng.range(1, 10),
            }
        }
        10 if response > 0 => Template::FiredNotCeasefire {
            dep: rng.below(response as u64) as usize,
        },
        11 => Template::WeekendStrike {
            min: rng.range(5, 30),
        },
        12 => Template::StrictDrones {
            min: rng.range(200, 380),
        },
        13 => Template::StrictFact,
        14 => {
            let a = *rng.pick(&SUMMITEERS);
            let b = loop {
                let b = *rng.pick(&SUMMITEERS);
                if b != a {
                    break b;
                }
            };
            Template::SummitBoth { a, b }
        }
        15 => Template::ExchangeAfterTalks,
        16 => Template::AllStrikesSmall {
            max: rng.range(25, 37),
        },
        17 => Template::StrikeTalkRatio {
            factor: rng.range(2, 4),
        },
        _ => return None,
    };
    Some(t)
}

// ---------------------------------------------------------------------------
// Rhai text
// ---------------------------------------------------------------------------

pub const LIB_COMMON: &str = r#"//! Helpers shared by generated rules.

/// True when a round produced neither a ceasefire nor a breakthrough.
fn fruitless(t) {
    !t.outcome.ceasefire && !t.outcome.breakthrough
}

/// "round 3 in Geneva on 2025-06-02"
fn label(t) {
    `round ${t.round} in ${t.location} on ${t.date}`
}
"#;

pub fn catalogue(c: &Corpus) -> String {
    let mut s = String::from("# Generated by examples/gen_corpus.rs\n");
    for r in &c.responses {
        let _ = writeln!(
            s,
            "\n[{}]\ntitle = \"Generated response {} ({})\"\ncategory = \"{}\"\nseverity = {}",
            r.id, r.id, r.category, r.category, r.severity
        );
    }
    s
}

/// The `.rhai` text of a rule.
pub fn rhai(c: &Corpus, r: &RuleSpec) -> String {
    let resp = &c.responses[r.response].id;
    let mut head = format!(
        "//! Generated rule ({} style): {:?}\n",
        r.template.style(),
        r.template
    );
    let mut consts = String::new();
    let body: String = match &r.template {
        Template::LatestFruitless { import: false } => r#"    let t = s.latest("talks");
    if t == () { return quiet("no talks on record"); }
    if t.outcome.ceasefire || t.outcome.breakthrough {
        return quiet(`round ${t.round} agreed something`);
    }
    `round ${t.round} in ${t.location} on ${t.date} brought nothing`"#
            .into(),
        Template::LatestFruitless { import: true } => {
            head.push_str("import \"lib/common\" as c;\n");
            r#"    let t = s.latest("talks");
    if t == () { return quiet("no talks on record"); }
    if !c::fruitless(t) { return false; }
    `${c::label(t)} brought nothing`"#
                .into()
        }
        Template::CountAtLeast { kind, n } => {
            let _ = writeln!(consts, "const MIN = {n};");
            format!("    s.count(\"{}\") >= MIN", kind.name())
        }
        Template::LatestMissilesAbove { min } => {
            let _ = writeln!(consts, "const MIN = {min};");
            r#"    let e = s.latest("strike");
    if e == () { return false; }
    if e.missiles > MIN { `${e.missiles} missiles on ${e.date}` } else { quiet("few missiles") }"#
                .into()
        }
        Template::WindowDrones { window, min, by_ru } => {
            let _ = writeln!(consts, "const WINDOW = {window};\nconst MIN = {min};");
            let by = if *by_ru { " && e.by == \"RU\"" } else { "" };
            format!(
                r#"    let since = s.as_of - days(WINDOW);
    for e in s.events("strike") {{
        if e.date < since {{ continue; }}
        if e.get("drones", 0) > MIN{by} {{
            return `strike on ${{e.date}} with ${{e.get("drones", 0)}} drones`;
        }}
    }}
    quiet(`no strike with more than ${{MIN}} drones in ${{WINDOW}} days`)"#
            )
        }
        Template::HostileStatements { window, n, level } => {
            let _ = writeln!(
                consts,
                "const WINDOW = {window};\nconst N = {n};\nconst LEVEL = {level};"
            );
            r#"    let since = s.as_of - days(WINDOW);
    let n = 0;
    for e in s.events("statement") {
        if e.date >= since && e.tone == "hostile" && e.level >= LEVEL { n += 1; }
    }
    if n >= N { `${n} hostile statements since ${since}` } else { quiet(`${n} hostile statements`) }"#
                .into()
        }
        Template::SanctionsFilter { package, n, sector } => {
            let _ = writeln!(consts, "const PACKAGE = {package};\nconst N = {n};");
            let sector = match sector {
                Some(x) => format!("\n    big = big.filter(|e| e.sectors.some(|x| x == \"{x}\"));"),
                None => String::new(),
            };
            format!(
                r#"    let big = s.events("sanctions").filter(|e| e["package"] >= PACKAGE);{sector}
    if big.len() >= N {{ `${{big.len()}} packages` }} else {{ false }}"#
            )
        }
        Template::DeadlineMissed { grace } => {
            let _ = writeln!(consts, "const GRACE = {grace};");
            r#"    let d = s.latest("deadline");
    if d == () { return quiet("no deadline"); }
    if d.met { return quiet(`deadline ${d.due} met`); }
    if s.as_of > d.due + days(GRACE) {
        `deadline ${d.due} missed by ${s.as_of - d.due} days`
    } else {
        false
    }"#
            .into()
        }
        Template::TalksStalled { days } => {
            let _ = writeln!(consts, "const DAYS = {days};");
            r#"    let t = s.latest("talks");
    if t == () { return quiet("no talks"); }
    let gap = s.as_of - t.date;
    if gap > DAYS { `no talks for ${gap} days` } else { false }"#
                .into()
        }
        Template::CalendarAfter { base, months, .. } => {
            format!("    s.as_of >= date(\"{base}\") + months({months})")
        }
        Template::FiredAnd { dep, kind, n } => format!(
            "    fired(\"{}\") && s.count(\"{}\") >= {n}",
            c.responses[*dep].id,
            kind.name()
        ),
        Template::FiredNotCeasefire { dep } => format!(
            r#"    if fired("{}") {{ return quiet("a dependency fires"); }}
    let t = s.latest("talks");
    if t == () {{ return false; }}
    t.outcome.ceasefire"#,
            c.responses[*dep].id
        ),
        Template::WeekendStrike { min } => format!(
            r#"    let e = s.latest("strike");
    if e == () {{ return false; }}
    if e.date.weekday >= 6 && e.missiles > {min} {{
        `${{e.date.weekday_name}} strike on ${{e.date}}`
    }} else {{
        false
    }}"#
        ),
        Template::StrictDrones { min } => {
            let _ = writeln!(consts, "const MIN = {min};");
            r#"    let e = s.latest("strike");
    if e == () { return false; }
    e.drones > MIN"#
                .into()
        }
        Template::StrictFact => "    s.count(\"strike\") > s.facts.threshold".into(),
        Template::SummitBoth { a, b } => format!(
            r#"    for m in s.events("summit") {{
        let x = false;
        let y = false;
        for p in m.participants {{
            if p == "{a}" {{ x = true; }}
            if p == "{b}" {{ y = true; }}
        }}
        if x && y {{ return `summit on ${{m.date}}`; }}
    }}
    false"#
        ),
        Template::ExchangeAfterTalks => r#"    let t = s.latest("talks");
    if t == () { return false; }
    if !t.outcome.get("prisoner_exchange", false) { return quiet("no exchange agreed"); }
    let done = s.events("prisoner-exchange").filter(|x| x.date >= t.date);
    #{
        fires: done.is_empty(),
        reason: `exchange agreed in round ${t.round} not carried out`,
        details: #{ round: t.round, agreed: t.date, carried_out: done.len() }
    }"#
        .into(),
        Template::AllStrikesSmall { max } => {
            let _ = writeln!(consts, "const MAX = {max};");
            r#"    let st = s.events("strike");
    if st.is_empty() { return false; }
    st.all(|e| e.missiles < MAX)"#
                .into()
        }
        Template::StrikeTalkRatio { factor } => {
            format!("    s.count(\"strike\") > {factor} * s.count(\"talks\")")
        }
    };
    format!(
        "{head}\nconst RESPONSE = \"{resp}\";\nconst SOURCE = \"examples/gen_corpus.rs, seed {}\";\n{consts}\nfn fires(s) {{\n{body}\n}}\n",
        c.seed
    )
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

/// How a scenario was generated, for tags and statistics.
pub struct GenScenario {
    pub name: String,
    pub text: String,
    pub partway: bool,
    pub shuffled: bool,
}

/// The TOML text of scenario `i` (without `[expect]`). Its events are
/// 0 to 8 days apart, or, with `days`, spread evenly over that many days
/// (so that a scenario of 100,000 events still fits a `timeline` window).
pub fn scenario(seed: u64, i: usize, nevents: usize, days: Option<u32>) -> GenScenario {
    let mut rng = Rng::stream(seed, i as u64);
    let start =
        NaiveDate::from_ymd_opt(2024, 9, 1).unwrap_or_default() + Duration::days(rng.range(0, 240));
    // Dates: non-decreasing, with ties.
    let mut day = start;
    let mut events: Vec<(NaiveDate, String)> = Vec::with_capacity(nevents);
    let mut round = 0;
    for j in 0..nevents {
        // The gap is drawn either way, so that the rest of the scenario
        // draws the same numbers with and without `days`.
        let gap = rng.range(0, 9);
        day = match days {
            Some(d) => start + Duration::days((j as u64 * u64::from(d) / nevents as u64) as i64),
            None => day + Duration::days(gap),
        };
        let kind = KINDS[rng.weighted(&KIND_WEIGHTS)];
        let mut e = format!("\n[[events]]\nkind = \"{}\"\n", kind.name());
        if rng.chance(30) {
            let _ = writeln!(e, "id = \"e{j}\"");
        }
        // Some events are written as offset date-times: they count as their
        // UTC day, which can be the next or previous day.
        let utc = if rng.chance(5) {
            let (h, off) = (rng.range(0, 23), rng.range(-8, 8));
            let _ = writeln!(e, "date = {day}T{h:02}:30:00{off:+03}:00");
            // local h:30 at offset `off` is h - off in UTC.
            let u = h - off;
            day + Duration::days(if u < 0 {
                -1
            } else if u >= 24 {
                1
            } else {
                0
            })
        } else {
            let _ = writeln!(e, "date = {day}");
            day
        };
        match kind {
            Kind::Talks => {
                round += 1;
                let _ = writeln!(
                    e,
                    "round = {round}\nlocation = \"{}\"\nparties = [\"RU\", \"UA\"]",
                    rng.pick(&LOCATIONS)
                );
                let pe = if rng.chance(50) {
                    format!(", prisoner_exchange = {}", rng.chance(50))
                } else {
                    String::new()
                };
                let _ = writeln!(
                    e,
                    "outcome = {{ ceasefire = {}, breakthrough = {}{pe} }}",
                    rng.chance(40),
                    rng.chance(30)
                );
            }
            Kind::Strike => {
                let by = if rng.chance(70) { "RU" } else { "UA" };
                let _ = writeln!(e, "by = \"{by}\"\ntarget = \"{}\"", rng.pick(&TARGETS));
                if rng.chance(85) {
                    let _ = writeln!(e, "drones = {}", rng.range(0, 400));
                }
                let _ = writeln!(e, "missiles = {}", rng.range(0, 40));
            }
            Kind::Statement => {
                let _ = writeln!(
                    e,
                    "by = \"{}\"\ntone = \"{}\"\nlevel = {}",
                    rng.pick(&ACTORS),
                    rng.pick(&TONES),
                    rng.range(1, 5)
                );
            }
            Kind::Sanctions => {
                let n = rng.range(1, 3) as usize;
                let sectors: Vec<String> = (0..n)
                    .map(|_| format!("\"{}\"", rng.pick(&SECTORS)))
                    .collect();
                let _ = writeln!(
                    e,
                    "by = \"{}\"\npackage = {}\nsectors = [{}]",
                    rng.pick(&SANCTIONERS),
                    rng.range(1, 20),
                    sectors.join(", ")
                );
            }
            Kind::Exchange => {
                let _ = writeln!(e, "count = {}", rng.range(10, 500));
            }
            Kind::Deadline => {
                let due = day + Duration::days(rng.range(7, 60));
                let _ = writeln!(
                    e,
                    "due = {due}\ntopic = \"{}\"\nmet = {}",
                    rng.pick(&TOPICS),
                    rng.chance(40)
                );
            }
            Kind::Summit => {
                let mut ps: Vec<&str> = Vec::new();
                for p in SUMMITEERS {
                    if rng.chance(30) {
                        ps.push(p);
                    }
                }
                let ps: Vec<String> = ps.iter().map(|p| format!("\"{p}\"")).collect();
                let _ = writeln!(e, "participants = [{}]", ps.join(", "));
            }
        }
        if rng.chance(20) {
            let _ = writeln!(e, "source = \"https://example.org/corpus/{i}/{j}\"");
        }
        events.push((utc, e));
    }
    let mut udates: Vec<NaiveDate> = events.iter().map(|(d, _)| *d).collect();
    udates.sort();
    let last = udates.last().copied().unwrap_or(start);
    let r = rng.below(100);
    let (partway, as_of) = if r < 30 {
        // Strictly before the last event.
        let k = rng.range(nevents as i64 / 5, nevents as i64 * 9 / 10) as usize;
        let d = udates[k.min(udates.len() - 1)] + Duration::days(rng.range(0, 3));
        let d = if d >= last {
            last - Duration::days(1)
        } else {
            d
        };
        (true, Some(d))
    } else if r < 60 {
        (false, Some(last + Duration::days(rng.range(0, 30))))
    } else {
        (false, None)
    };
    let shuffled = rng.chance(30);
    if shuffled {
        for j in (1..events.len()).rev() {
            let k = rng.below(j as u64 + 1) as usize;
            events.swap(j, k);
        }
    }
    let mut text = format!("[scenario]\ntitle = \"Generated scenario {i} (seed {seed})\"\n");
    if let Some(d) = as_of {
        let _ = writeln!(text, "as_of = {d}");
    }
    let mut tags = vec!["\"corpus\""];
    if partway {
        tags.push("\"partway\"");
    }
    if shuffled {
        tags.push("\"shuffled\"");
    }
    let _ = writeln!(text, "tags = [{}]", tags.join(", "));
    let _ = writeln!(
        text,
        "\n[facts]\nregion = \"{}\"",
        rng.pick(&["Black Sea", "Donbas", "Kharkiv", "Zaporizhzhia"])
    );
    if rng.chance(80) {
        let _ = writeln!(text, "threshold = {}", rng.range(10, 25));
    }
    let _ = writeln!(
        text,
        "\n[actors.RU]\nname = \"Russia\"\n\n[actors.UA]\nname = \"Ukraine\""
    );
    for (_, e) in events {
        text.push_str(&e);
    }
    GenScenario {
        name: format!("s{i:06}"),
        text,
        partway,
        shuffled,
    }
}

/// An `[expect]` block from an oracle outcome: up to 3 responses that fire
/// and up to 3 that are quiet (never one that errored).
pub fn expect_block(c: &Corpus, o: &NOutcome, rng: &mut Rng) -> String {
    let mut fires: Vec<&str> = Vec::new();
    let mut quiet: Vec<&str> = Vec::new();
    for (i, st) in o.states.iter().enumerate() {
        match st {
            State::Fires => fires.push(&c.responses[i].id),
            State::Quiet => quiet.push(&c.responses[i].id),
            State::Error => {}
        }
    }
    let take = |v: &mut Vec<&str>, rng: &mut Rng| -> Vec<String> {
        let mut out = Vec::new();
        while out.len() < 3 && !v.is_empty() {
            let k = rng.below(v.len() as u64) as usize;
            out.push(format!("\"{}\"", v.swap_remove(k)));
        }
        out.sort();
        out
    };
    let f = take(&mut fires, rng);
    let q = take(&mut quiet, rng);
    if f.is_empty() && q.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n[expect]\n");
    if !f.is_empty() {
        let _ = writeln!(s, "fires = [{}]", f.join(", "));
    }
    if !q.is_empty() {
        let _ = writeln!(s, "not_fires = [{}]", q.join(", "));
    }
    s
}

// ---------------------------------------------------------------------------
// Native: typed structs and the oracle
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct RawFile {
    scenario: RawHeader,
    #[serde(default)]
    facts: RawFacts,
    #[serde(default)]
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct RawHeader {
    #[allow(dead_code)]
    title: String,
    as_of: Option<toml::value::Datetime>,
}

#[derive(Deserialize, Default)]
struct RawFacts {
    threshold: Option<i64>,
}

#[derive(Deserialize)]
struct RawOutcome {
    ceasefire: bool,
    breakthrough: bool,
    prisoner_exchange: Option<bool>,
}

#[derive(Deserialize)]
struct RawEvent {
    kind: String,
    date: toml::value::Datetime,
    round: Option<i64>,
    location: Option<String>,
    outcome: Option<RawOutcome>,
    by: Option<String>,
    drones: Option<i64>,
    missiles: Option<i64>,
    tone: Option<String>,
    level: Option<i64>,
    package: Option<i64>,
    sectors: Option<Vec<String>>,
    count: Option<i64>,
    due: Option<toml::value::Datetime>,
    met: Option<bool>,
    participants: Option<Vec<String>>,
}

/// A typed event (fields of all kinds flattened; the kind says which apply).
#[derive(Clone, Debug)]
pub struct NEvent {
    pub day: i32,
    pub round: i64,
    pub location: String,
    pub ceasefire: bool,
    pub breakthrough: bool,
    pub prisoner_exchange: Option<bool>,
    pub by: String,
    pub drones: Option<i64>,
    pub missiles: i64,
    pub tone: String,
    pub level: i64,
    pub package: i64,
    pub sectors: Vec<String>,
    pub count: i64,
    pub due: i32,
    pub met: bool,
    pub participants: Vec<String>,
}

/// A typed scenario: events per kind, sorted by date (file order within a day).
#[derive(Clone, Debug)]
pub struct NScenario {
    pub id: String,
    pub as_of: i32,
    pub threshold: Option<i64>,
    pub events: [Vec<NEvent>; 7],
}

/// A scenario as seen at a judgement date.
pub struct View<'a> {
    pub as_of: i32,
    pub threshold: Option<i64>,
    pub ev: [&'a [NEvent]; 7],
}

impl View<'_> {
    fn of(&self, k: Kind) -> &[NEvent] {
        self.ev[k as usize]
    }
    fn latest(&self, k: Kind) -> Option<&NEvent> {
        self.ev[k as usize].last()
    }
}

/// A TOML date or offset date-time as its UTC day.
fn utc_day(d: &toml::value::Datetime) -> Result<i32, String> {
    let date = d.date.ok_or("a bare time")?;
    let nd = NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
    .ok_or("bad date")?;
    let mut n = day_number(nd);
    if let (Some(t), Some(off)) = (d.time, d.offset) {
        let mins = match off {
            toml::value::Offset::Z => 0,
            toml::value::Offset::Custom { minutes } => i32::from(minutes),
        };
        let local = i32::from(t.hour) * 60 + i32::from(t.minute);
        let utc = local - mins;
        n += utc.div_euclid(24 * 60);
    } else if d.time.is_some() {
        return Err("a local date-time".into());
    }
    Ok(n)
}

impl NScenario {
    pub fn parse(id: &str, text: &str) -> Result<NScenario, String> {
        let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut events: [Vec<NEvent>; 7] = Default::default();
        let mut all: Vec<(Kind, NEvent)> = Vec::with_capacity(raw.events.len());
        for e in raw.events {
            let kind = Kind::from_name(&e.kind).ok_or_else(|| format!("kind {}", e.kind))?;
            let o = e.outcome;
            all.push((
                kind,
                NEvent {
                    day: utc_day(&e.date)?,
                    round: e.round.unwrap_or_default(),
                    location: e.location.unwrap_or_default(),
                    ceasefire: o.as_ref().is_some_and(|o| o.ceasefire),
                    breakthrough: o.as_ref().is_some_and(|o| o.breakthrough),
                    prisoner_exchange: o.as_ref().and_then(|o| o.prisoner_exchange),
                    by: e.by.unwrap_or_default(),
                    drones: e.drones,
                    missiles: e.missiles.unwrap_or_default(),
                    tone: e.tone.unwrap_or_default(),
                    level: e.level.unwrap_or_default(),
                    package: e.package.unwrap_or_default(),
                    sectors: e.sectors.unwrap_or_default(),
                    count: e.count.unwrap_or_default(),
                    due: match &e.due {
                        Some(d) => utc_day(d)?,
                        None => 0,
                    },
                    met: e.met.unwrap_or_default(),
                    participants: e.participants.unwrap_or_default(),
                },
            ));
        }
        // Stable: events of one day keep their file order.
        all.sort_by_key(|(_, e)| e.day);
        let last = all.last().map(|(_, e)| e.day);
        for (k, e) in all {
            events[k as usize].push(e);
        }
        let as_of = match &raw.scenario.as_of {
            Some(d) => utc_day(d)?,
            None => last.ok_or("no as_of and no events")?,
        };
        Ok(NScenario {
            id: id.to_string(),
            as_of,
            threshold: raw.facts.threshold,
            events,
        })
    }

    pub fn view(&self, as_of: i32) -> View<'_> {
        let f = |v: &'_ [NEvent]| -> usize { v.partition_point(|e| e.day <= as_of) };
        View {
            as_of,
            threshold: self.threshold,
            ev: std::array::from_fn(|k| &self.events[k][..f(&self.events[k])]),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Quiet,
    Fires,
    Error,
}

/// What the native oracle found for one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NOutcome {
    /// Per response, by index.
    pub states: Vec<State>,
    /// Rule indices that errored.
    pub errors: Vec<usize>,
}

impl NOutcome {
    pub fn fired<'a>(&self, c: &'a Corpus) -> Vec<&'a str> {
        let mut v: Vec<&str> = self
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == State::Fires)
            .map(|(i, _)| c.responses[i].id.as_str())
            .collect();
        v.sort();
        v
    }

    pub fn error_rules<'a>(&self, c: &'a Corpus) -> Vec<&'a str> {
        let mut v: Vec<&str> = self
            .errors
            .iter()
            .map(|&k| c.rules[k].id.as_str())
            .collect();
        v.sort();
        v
    }
}

/// One rule, natively: `Err(())` where the Rhai rule raises an error.
fn native_rule(t: &Template, v: &View, states: &[State]) -> Result<bool, ()> {
    let since = |w: i64| v.as_of - w as i32;
    let fired = |dep: usize| match states[dep] {
        State::Fires => Ok(true),
        State::Quiet => Ok(false),
        State::Error => Err(()),
    };
    Ok(match t {
        Template::LatestFruitless { .. } => match v.latest(Kind::Talks) {
            None => false,
            Some(t) => !t.ceasefire && !t.breakthrough,
        },
        Template::CountAtLeast { kind, n } => v.of(*kind).len() as i64 >= *n,
        Template::LatestMissilesAbove { min } => {
            v.latest(Kind::Strike).is_some_and(|e| e.missiles > *min)
        }
        Template::WindowDrones { window, min, by_ru } => {
            let since = since(*window);
            v.of(Kind::Strike)
                .iter()
                .any(|e| e.day >= since && e.drones.unwrap_or(0) > *min && (!by_ru || e.by == "RU"))
        }
        Template::HostileStatements { window, n, level } => {
            let since = since(*window);
            let k = v
                .of(Kind::Statement)
                .iter()
                .filter(|e| e.day >= since && e.tone == "hostile" && e.level >= *level)
                .count();
            k as i64 >= *n
        }
        Template::SanctionsFilter { package, n, sector } => {
            let k = v
                .of(Kind::Sanctions)
                .iter()
                .filter(|e| e.package >= *package)
                .filter(|e| sector.is_none_or(|x| e.sectors.iter().any(|s| s == x)))
                .count();
            k as i64 >= *n
        }
        Template::DeadlineMissed { grace } => match v.latest(Kind::Deadline) {
            None => false,
            Some(d) => !d.met && v.as_of > d.due + *grace as i32,
        },
        Template::TalksStalled { days } => match v.latest(Kind::Talks) {
            None => false,
            Some(t) => i64::from(v.as_of - t.day) > *days,
        },
        Template::CalendarAfter { day, .. } => v.as_of >= *day,
        Template::FiredAnd { dep, kind, n } => fired(*dep)? && v.of(*kind).len() as i64 >= *n,
        Template::FiredNotCeasefire { dep } => {
            if fired(*dep)? {
                false
            } else {
                v.latest(Kind::Talks).is_some_and(|t| t.ceasefire)
            }
        }
        Template::WeekendStrike { min } => v
            .latest(Kind::Strike)
            .is_some_and(|e| weekday(e.day) >= 6 && e.missiles > *min),
        Template::StrictDrones { min } => match v.latest(Kind::Strike) {
            None => false,
            Some(e) => e.drones.ok_or(())? > *min,
        },
        Template::StrictFact => v.of(Kind::Strike).len() as i64 > v.threshold.ok_or(())?,
        Template::SummitBoth { a, b } => v.of(Kind::Summit).iter().any(|m| {
            m.participants.iter().any(|p| p == a) && m.participants.iter().any(|p| p == b)
        }),
        Template::ExchangeAfterTalks => match v.latest(Kind::Talks) {
            None => false,
            Some(t) => {
                t.prisoner_exchange.unwrap_or(false)
                    && !v.of(Kind::Exchange).iter().any(|x| x.day >= t.day)
            }
        },
        Template::AllStrikesSmall { max } => {
            let st = v.of(Kind::Strike);
            !st.is_empty() && st.iter().all(|e| e.missiles < *max)
        }
        Template::StrikeTalkRatio { factor } => {
            v.of(Kind::Strike).len() as i64 > factor * v.of(Kind::Talks).len() as i64
        }
    })
}

/// Every rule's own verdict (after all responses are settled), for statistics.
pub fn rule_verdicts(c: &Corpus, v: &View) -> Vec<Result<bool, ()>> {
    let o = native_eval(c, v);
    c.rules
        .iter()
        .map(|r| native_rule(&r.template, v, &o.states))
        .collect()
}

/// Every rule of the corpus on one view; responses in index order (a
/// `fired` dependency always has a lower index).
pub fn native_eval(c: &Corpus, v: &View) -> NOutcome {
    let mut states = Vec::with_capacity(c.responses.len());
    let mut errors = Vec::new();
    for rules in &c.by_response {
        let (mut fires, mut err) = (false, false);
        for &k in rules {
            match native_rule(&c.rules[k].template, v, &states) {
                Ok(true) => fires = true,
                Ok(false) => {}
                Err(()) => {
                    err = true;
                    errors.push(k);
                }
            }
        }
        states.push(if fires {
            State::Fires
        } else if err {
            State::Error
        } else {
            State::Quiet
        });
    }
    NOutcome { states, errors }
}

// ---------------------------------------------------------------------------
// Rego
// ---------------------------------------------------------------------------

/// The entry point of the Rego module.
pub const REGO_ENTRY: &str = "data.corpus.out";

/// The whole policy as one Rego module with shared helper rules. Existence
/// loops are written as `count([1 | some x in …; …]) > 0`: regorus 0.14.1's
/// RVM returns undefined instead of taking the `else` branch when a
/// `some x in …` body finds nothing (the interpreter takes the `else`).
/// Dates are
/// day numbers (the input conversion does the calendar work); each rule is
/// a status string, "fires" / "quiet" / "error", like the engine's.
pub fn rego(c: &Corpus) -> String {
    let mut s = String::from(
        r#"package corpus

# Generated by examples/gen_corpus.rs. Input: {as_of, threshold?, ev: {kind: [visible events in date order]}};
# dates are day numbers.

ev(k) := object.get(input.ev, k, [])

cnt(k) := count(ev(k))

latest(k) := e if {
	es := ev(k)
	count(es) > 0
	e := es[count(es) - 1]
}

has_latest(k) if cnt(k) > 0

fruitless(t) if {
	not t.outcome.ceasefire
	not t.outcome.breakthrough
}

weekday(d) := ((d % 7) + 3) % 7 + 1
"#,
    );
    for (k, r) in c.rules.iter().enumerate() {
        let name = format!("rule_{k:03}");
        let _ = writeln!(s, "\n# {} ({})", r.id, r.template.style());
        let body = match &r.template {
            Template::LatestFruitless { .. } => {
                format!("{name} := \"fires\" if fruitless(latest(\"talks\")) else := \"quiet\"")
            }
            Template::CountAtLeast { kind, n } => format!(
                "{name} := \"fires\" if cnt(\"{}\") >= {n} else := \"quiet\"",
                kind.name()
            ),
            Template::LatestMissilesAbove { min } => format!(
                "{name} := \"fires\" if latest(\"strike\").missiles > {min} else := \"quiet\""
            ),
            Template::WindowDrones { window, min, by_ru } => format!(
                "{name} := \"fires\" if {{\n\tcount([1 | some e in ev(\"strike\"); e.day >= input.as_of - {window}; object.get(e, \"drones\", 0) > {min}{}]) > 0\n}} else := \"quiet\"",
                if *by_ru { "; e.by == \"RU\"" } else { "" }
            ),
            Template::HostileStatements { window, n, level } => format!(
                "{name} := \"fires\" if {{\n\tcount([1 | some e in ev(\"statement\"); e.day >= input.as_of - {window}; e.tone == \"hostile\"; e.level >= {level}]) >= {n}\n}} else := \"quiet\""
            ),
            Template::SanctionsFilter { package, n, sector } => format!(
                "{name} := \"fires\" if {{\n\tcount([1 | some e in ev(\"sanctions\"); e.package >= {package}{}]) >= {n}\n}} else := \"quiet\"",
                match sector {
                    Some(x) => format!("; \"{x}\" in e.sectors"),
                    None => String::new(),
                }
            ),
            Template::DeadlineMissed { grace } => format!(
                "{name} := \"fires\" if {{\n\td := latest(\"deadline\")\n\tnot d.met\n\tinput.as_of > d.due + {grace}\n}} else := \"quiet\""
            ),
            Template::TalksStalled { days } => format!(
                "{name} := \"fires\" if {{\n\tt := latest(\"talks\")\n\tinput.as_of - t.day > {days}\n}} else := \"quiet\""
            ),
            Template::CalendarAfter { day, .. } => {
                format!("{name} := \"fires\" if input.as_of >= {day} else := \"quiet\"")
            }
            Template::FiredAnd { dep, kind, n } => format!(
                "{name} := \"error\" if resp_{dep:03} == \"error\" else := \"fires\" if {{\n\tresp_{dep:03} == \"fires\"\n\tcnt(\"{}\") >= {n}\n}} else := \"quiet\"",
                kind.name()
            ),
            Template::FiredNotCeasefire { dep } => format!(
                "{name} := \"error\" if resp_{dep:03} == \"error\" else := \"quiet\" if resp_{dep:03} == \"fires\" else := \"fires\" if latest(\"talks\").outcome.ceasefire else := \"quiet\""
            ),
            Template::WeekendStrike { min } => format!(
                "{name} := \"fires\" if {{\n\te := latest(\"strike\")\n\tweekday(e.day) >= 6\n\te.missiles > {min}\n}} else := \"quiet\""
            ),
            Template::StrictDrones { min } => format!(
                "{name} := \"quiet\" if not has_latest(\"strike\") else := \"error\" if object.get(latest(\"strike\"), \"drones\", null) == null else := \"fires\" if latest(\"strike\").drones > {min} else := \"quiet\""
            ),
            Template::StrictFact => format!(
                "{name} := \"error\" if object.get(input, \"threshold\", null) == null else := \"fires\" if cnt(\"strike\") > input.threshold else := \"quiet\""
            ),
            Template::SummitBoth { a, b } => format!(
                "{name} := \"fires\" if {{\n\tcount([1 | some m in ev(\"summit\"); \"{a}\" in m.participants; \"{b}\" in m.participants]) > 0\n}} else := \"quiet\""
            ),
            Template::ExchangeAfterTalks => format!(
                "{name} := \"fires\" if {{\n\tt := latest(\"talks\")\n\tobject.get(t.outcome, \"prisoner_exchange\", false) == true\n\tcount([1 | some x in ev(\"prisoner-exchange\"); x.day >= t.day]) == 0\n}} else := \"quiet\""
            ),
            Template::AllStrikesSmall { max } => format!(
                "{name} := \"fires\" if {{\n\tcnt(\"strike\") > 0\n\tevery e in ev(\"strike\") {{ e.missiles < {max} }}\n}} else := \"quiet\""
            ),
            Template::StrikeTalkRatio { factor } => format!(
                "{name} := \"fires\" if cnt(\"strike\") > {factor} * cnt(\"talks\") else := \"quiet\""
            ),
        };
        s.push_str(&body);
        s.push('\n');
    }
    s.push('\n');
    for (i, rules) in c.by_response.iter().enumerate() {
        let names: Vec<String> = rules.iter().map(|k| format!("rule_{k:03}")).collect();
        let list = names.join(", ");
        let _ = writeln!(
            s,
            "resp_{i:03} := \"fires\" if \"fires\" in [{list}] else := \"error\" if \"error\" in [{list}] else := \"quiet\"\n"
        );
    }
    for (i, r) in c.responses.iter().enumerate() {
        let _ = writeln!(s, "fired contains \"{}\" if resp_{i:03} == \"fires\"", r.id);
    }
    for (k, r) in c.rules.iter().enumerate() {
        if r.template.can_error() {
            let _ = writeln!(
                s,
                "errors contains \"{}\" if rule_{k:03} == \"error\"",
                r.id
            );
        }
    }
    s.push_str("\nout := {\"fired\": fired, \"errors\": errors}\n");
    s
}

/// The Rego input for a view: visible events per kind, dates as day numbers.
pub fn rego_input(v: &View) -> regorus::Value {
    use regorus::Value;
    let obj = |pairs: Vec<(&str, Value)>| -> Value {
        Value::from(
            pairs
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect::<BTreeMap<Value, Value>>(),
        )
    };
    let strs = |v: &[String]| -> Value {
        Value::from(
            v.iter()
                .map(|s| Value::from(s.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    let mut ev = BTreeMap::new();
    for k in KINDS {
        let es = v.of(k);
        if es.is_empty() {
            continue;
        }
        let arr: Vec<Value> = es
            .iter()
            .map(|e| {
                let day = ("day", Value::from(i64::from(e.day)));
                match k {
                    Kind::Talks => {
                        let mut o = vec![
                            ("ceasefire", Value::from(e.ceasefire)),
                            ("breakthrough", Value::from(e.breakthrough)),
                        ];
                        if let Some(p) = e.prisoner_exchange {
                            o.push(("prisoner_exchange", Value::from(p)));
                        }
                        obj(vec![
                            day,
                            ("round", Value::from(e.round)),
                            ("location", Value::from(e.location.as_str())),
                            ("outcome", obj(o)),
                        ])
                    }
                    Kind::Strike => {
                        let mut o = vec![
                            day,
                            ("by", Value::from(e.by.as_str())),
                            ("missiles", Value::from(e.missiles)),
                        ];
                        if let Some(d) = e.drones {
                            o.push(("drones", Value::from(d)));
                        }
                        obj(o)
                    }
                    Kind::Statement => obj(vec![
                        day,
                        ("by", Value::from(e.by.as_str())),
                        ("tone", Value::from(e.tone.as_str())),
                        ("level", Value::from(e.level)),
                    ]),
                    Kind::Sanctions => obj(vec![
                        day,
                        ("package", Value::from(e.package)),
                        ("sectors", strs(&e.sectors)),
                    ]),
                    Kind::Exchange => obj(vec![day, ("count", Value::from(e.count))]),
                    Kind::Deadline => obj(vec![
                        day,
                        ("due", Value::from(i64::from(e.due))),
                        ("met", Value::from(e.met)),
                    ]),
                    Kind::Summit => obj(vec![day, ("participants", strs(&e.participants))]),
                }
            })
            .collect();
        ev.insert(Value::from(k.name()), Value::from(arr));
    }
    let mut top = vec![
        ("as_of", Value::from(i64::from(v.as_of))),
        ("ev", Value::from(ev)),
    ];
    if let Some(t) = v.threshold {
        top.push(("threshold", Value::from(t)));
    }
    obj(top)
}

/// Fired response ids and errored rule ids from the Rego output.
pub fn rego_result(out: &regorus::Value) -> Result<(Vec<String>, Vec<String>), String> {
    let field = |name: &str| -> Result<Vec<String>, String> {
        let set = out[name].as_set().map_err(|e| format!("{name}: {e}"))?;
        let mut v: Vec<String> = set
            .iter()
            .map(|x| x.as_string().map(|s| s.to_string()))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        v.sort();
        Ok(v)
    };
    Ok((field("fired")?, field("errors")?))
}

/// A regorus interpreter with the policy loaded.
pub fn rego_engine(policy: &str) -> Result<regorus::Engine, String> {
    let mut e = regorus::Engine::new();
    e.add_policy("corpus.rego".into(), policy.to_string())
        .map_err(|e| e.to_string())?;
    Ok(e)
}

/// The policy compiled to a regorus RVM program.
pub fn rvm_program(policy: &str) -> Result<std::sync::Arc<regorus::rvm::program::Program>, String> {
    let mut e = rego_engine(policy)?;
    let entry: regorus::Rc<str> = REGO_ENTRY.into();
    let compiled = e
        .compile_with_entrypoint(&entry)
        .map_err(|e| e.to_string())?;
    regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &[REGO_ENTRY])
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// `corpus.json` at the top of a generated folder: how to regenerate it.
#[derive(serde::Serialize, Deserialize, Clone, Copy, Debug)]
pub struct Manifest {
    pub seed: u64,
    pub rules: usize,
    pub scenarios: usize,
    pub events: usize,
    /// The days each scenario's events are spread over (`None`: 0 to 8
    /// days between events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

impl Manifest {
    pub fn read(dir: &Path) -> Result<Manifest, String> {
        let p = dir.join("corpus.json");
        let t = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_str(&t).map_err(|e| format!("{}: {e}", p.display()))
    }
}

/// Scenario files of a generated corpus, as `(id, path)`, in id order.
pub fn scenario_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let sdir = dir.join("scenarios");
    let mut v = Vec::new();
    for e in std::fs::read_dir(&sdir).map_err(|e| format!("{}: {e}", sdir.display()))? {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.extension().is_some_and(|x| x == "toml")
            && let Some(stem) = p.file_stem()
        {
            v.push((stem.to_string_lossy().into_owned(), p));
        }
    }
    v.sort();
    Ok(v)
}

/// Runs `f` over `items` on `jobs` threads; results in input order.
pub fn parallel<T: Sync, R: Send, F: FnMut(&T) -> R>(
    items: &[T],
    jobs: usize,
    init: impl Fn() -> F + Sync,
) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                let mut f = init();
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    local.push((i, f(item)));
                }
                if let Ok(mut o) = out.lock() {
                    o.extend(local);
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap_or_default();
    v.sort_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, r)| r).collect()
}

/// Formats an ISO date from a day number (for messages).
pub fn iso(day: i32) -> String {
    let d = from_day_number(day);
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a corpus into `out` (replacing its `rules/` and `scenarios/`):
/// rules, catalogue, scenarios with `[expect]` from the oracle,
/// `policy.rego`, `expected.jsonl`, `corpus.json`. Returns a summary line.
pub fn write_corpus(out: &Path, m: Manifest) -> Result<String, String> {
    use std::io::Write;
    if m.events < 2 {
        return Err("at least 2 events per scenario".into());
    }
    for sub in ["rules", "scenarios"] {
        let p = out.join(sub);
        if p.exists() {
            std::fs::remove_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    let c = Corpus::generate(m.seed, m.rules);
    write_file(&out.join("rules/responses.toml"), &catalogue(&c))?;
    write_file(&out.join("rules/lib/common.rhai"), LIB_COMMON)?;
    for r in &c.rules {
        write_file(
            &out.join("rules").join(format!("{}.rhai", r.id)),
            &rhai(&c, r),
        )?;
    }
    write_file(&out.join("policy.rego"), &rego(&c))?;
    write_file(
        &out.join("corpus.json"),
        &serde_json::to_string_pretty(&m).map_err(|e| e.to_string())?,
    )?;
    let sdir = out.join("scenarios");
    std::fs::create_dir_all(&sdir).map_err(|e| format!("{}: {e}", sdir.display()))?;
    let exp_path = out.join("expected.jsonl");
    let mut expected = std::io::BufWriter::new(
        std::fs::File::create(&exp_path).map_err(|e| format!("{}: {e}", exp_path.display()))?,
    );
    let (mut partway, mut shuffled, mut with_errors, mut fired_total, mut bytes) = (0, 0, 0, 0, 0);
    let mut per_template: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for i in 0..m.scenarios {
        let g = scenario(m.seed, i, m.events, m.days);
        let sc = NScenario::parse(&g.name, &g.text)
            .map_err(|e| format!("generated scenario {} does not parse: {e}", g.name))?;
        let o = native_eval(&c, &sc.view(sc.as_of));
        let mut rng = Rng::stream(m.seed ^ 0x5EED, i as u64);
        let mut text = g.text;
        text.push_str(&expect_block(&c, &o, &mut rng));
        bytes += text.len();
        write_file(&sdir.join(format!("{}.toml", g.name)), &text)?;
        let line = serde_json::json!({
            "id": g.name,
            "as_of": iso(sc.as_of),
            "fired": o.fired(&c),
            "errors": o.error_rules(&c),
        });
        writeln!(expected, "{line}").map_err(|e| e.to_string())?;
        partway += usize::from(g.partway);
        shuffled += usize::from(g.shuffled);
        with_errors += usize::from(!o.errors.is_empty());
        fired_total += o.fired(&c).len();
        for (k, v) in rule_verdicts(&c, &sc.view(sc.as_of))
            .into_iter()
            .enumerate()
        {
            let e = per_template
                .entry(
                    format!("{:?}", c.rules[k].template)
                        .split([' ', '{'])
                        .next()
                        .unwrap_or("")
                        .to_string(),
                )
                .or_insert((0usize, 0usize, 0usize));
            match v {
                Ok(true) => e.0 += 1,
                Ok(false) => e.1 += 1,
                Err(()) => e.2 += 1,
            }
        }
    }
    let rates: Vec<String> = per_template
        .iter()
        .map(|(t, (f, q, e))| {
            let n = (f + q + e).max(1) as f64;
            format!(
                "{t} {:.0}%/{:.0}%",
                100.0 * *f as f64 / n,
                100.0 * *e as f64 / n
            )
        })
        .collect();
    expected.flush().map_err(|e| e.to_string())?;
    let mut styles = BTreeMap::new();
    for r in &c.rules {
        *styles.entry(r.template.style()).or_insert(0) += 1;
    }
    let n = m.scenarios.max(1);
    Ok(format!(
        "wrote {}: {} rules ({styles:?}) over {} responses; {} scenarios × {} events \
         (avg {} bytes; {partway} judged part-way, {shuffled} out of date order, \
         {with_errors} with rule errors; avg {:.1} responses fire)\n\
         rules fire/error: {}",
        out.display(),
        c.rules.len(),
        c.responses.len(),
        m.scenarios,
        m.events,
        bytes / n,
        fired_total as f64 / n as f64,
        rates.join(", ")
    ))
}
