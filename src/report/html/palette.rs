//! The page's colours, in one place: each CSS custom property with its
//! light and dark value, from which the style sheet's `:root` blocks are
//! written (`css`), and the pairs the style sheet draws one on the other
//! (`PAIRS`), which the tests hold to WCAG 2.x AA contrast: 4.5:1 for
//! text, 3:1 for graphics such as bars and markers. A colour changed here
//! changes the page and is checked in the same place.

/// One colour of the page: its custom property (without `--`) and its
/// value in light and in dark mode, as `#rrggbb`.
pub struct Colour {
    /// The custom property's name, `bg` for `--bg`.
    pub name: &'static str,
    /// Its value in light mode (and in print).
    pub light: &'static str,
    /// Its value under `prefers-color-scheme: dark`.
    pub dark: &'static str,
}

const fn c(name: &'static str, light: &'static str, dark: &'static str) -> Colour {
    Colour { name, light, dark }
}

/// Every colour the style sheet uses.
pub const COLOURS: &[Colour] = &[
    c("bg", "#ffffff", "#141414"),
    c("fg", "#1b1b1b", "#e9e9e9"),
    c("muted", "#555555", "#b0b0b0"),
    // Table borders and rules: they only group what text already says.
    c("line", "#c8c8c8", "#474747"),
    c("link", "#0b57a4", "#8cc4ff"),
    c("lane", "#f3f3f3", "#1f1f1f"),
    c("fires-bg", "#fff0d4", "#3f2a05"),
    c("fires-fg", "#6b3500", "#ffd89a"),
    c("error-bg", "#fde3e1", "#4a1515"),
    c("error-fg", "#8a1111", "#ffc2bd"),
    c("quiet-fg", "#555555", "#b0b0b0"),
    c("pass-fg", "#1d5e20", "#9be39f"),
    c("fail-fg", "#8a1111", "#ffc2bd"),
    // A mid tone in dark mode, so the light marker on a bar's start
    // stands out from the bar as the bar does from its lane.
    c("bar", "#b35900", "#b86a1a"),
    c("tip", "#1b1b1b", "#e9e9e9"),
    c("err", "#c00000", "#ff7b72"),
    c("asof", "#0b57a4", "#8cc4ff"),
];

/// What a colour draws, which sets the contrast it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Text: 4.5:1 (WCAG 1.4.3).
    Text,
    /// A bar, marker or line that carries meaning: 3:1 (WCAG 1.4.11).
    Graphic,
}

impl Use {
    /// The least contrast ratio WCAG AA asks of it.
    pub fn minimum(self) -> f64 {
        match self {
            Use::Text => 4.5,
            Use::Graphic => 3.0,
        }
    }
}

/// Each foreground drawn on a background in the style sheet, and what it
/// draws. (`line` is on none: borders are decoration.)
pub const PAIRS: &[(&str, &str, Use)] = &[
    // Body text, table headers (on `lane`) and the chart's lane names.
    ("fg", "bg", Use::Text),
    ("fg", "lane", Use::Text),
    ("muted", "bg", Use::Text),
    ("link", "bg", Use::Text),
    ("fires-fg", "fires-bg", Use::Text),
    ("error-fg", "error-bg", Use::Text),
    ("quiet-fg", "bg", Use::Text),
    ("pass-fg", "bg", Use::Text),
    ("fail-fg", "bg", Use::Text),
    // The judgement date's label, above the lanes.
    ("asof", "bg", Use::Text),
    // Bars on alternate lanes, and a response's left border.
    ("bar", "bg", Use::Graphic),
    ("bar", "lane", Use::Graphic),
    // The tipping marker straddles a bar's start: half on the bar, half
    // on the lane.
    ("tip", "bar", Use::Graphic),
    ("tip", "bg", Use::Graphic),
    ("tip", "lane", Use::Graphic),
    ("err", "bg", Use::Graphic),
    ("err", "lane", Use::Graphic),
    ("asof", "lane", Use::Graphic),
    // The date axis and its ticks.
    ("muted", "bg", Use::Graphic),
];

/// The style sheet's `:root` blocks: the light colours, then the dark
/// ones under `prefers-color-scheme: dark` (on screen only, so print
/// stays light).
pub fn css() -> String {
    let vars = |pick: fn(&Colour) -> &'static str| -> String {
        COLOURS
            .iter()
            .map(|c| format!("  --{}: {};\n", c.name, pick(c)))
            .collect()
    };
    format!(
        ":root {{\n  color-scheme: light dark;\n{}}}\n\
         @media screen and (prefers-color-scheme: dark) {{\n  :root {{\n{}  }}\n}}\n",
        vars(|c| c.light),
        vars(|c| c.dark).replace("  --", "    --"),
    )
}

/// The value of colour `name` in light or dark mode.
pub fn value(name: &str, dark: bool) -> Option<&'static str> {
    COLOURS
        .iter()
        .find(|c| c.name == name)
        .map(|c| if dark { c.dark } else { c.light })
}

/// The WCAG 2.x contrast ratio of two `#rrggbb` colours, 1 to 21; `None`
/// when either is not of that form.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// WCAG 2.x relative luminance of `#rrggbb`.
fn luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| -> Option<f64> {
        let s = f64::from(u8::from_str_radix(h.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_the_wcag_formula() {
        let ratio = |a, b| contrast(a, b).unwrap_or(0.0);
        assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((ratio("#ffffff", "#000000") - 21.0).abs() < 1e-9);
        assert!((ratio("#777777", "#777777") - 1.0).abs() < 1e-9);
        // WebAIM's checker: #767676 on white is 4.54:1, #777777 4.48:1.
        assert!((ratio("#767676", "#ffffff") - 4.54).abs() < 0.01);
        assert!((ratio("#777777", "#ffffff") - 4.48).abs() < 0.01);
        assert_eq!(contrast("#fff", "#000000"), None);
        assert_eq!(contrast("#gggggg", "#000000"), None);
    }

    #[test]
    fn every_pair_the_style_sheet_draws_meets_wcag_aa_in_light_and_dark_mode() {
        let mut failures = Vec::new();
        for dark in [false, true] {
            for &(fg, bg, used) in PAIRS {
                let (Some(f), Some(b)) = (value(fg, dark), value(bg, dark)) else {
                    panic!("{fg} or {bg} is not a colour of the palette");
                };
                let r = contrast(f, b).unwrap_or_else(|| panic!("{f} or {b} is not #rrggbb"));
                if r < used.minimum() {
                    let mode = if dark { "dark" } else { "light" };
                    failures.push(format!(
                        "{mode}: --{fg} {f} on --{bg} {b} is {r:.2}:1, below {}:1 ({used:?})",
                        used.minimum()
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn the_style_sheet_uses_the_palette_and_nothing_else() {
        let sheet = super::super::STYLE;
        // No colour is written into the rules themselves.
        assert!(!sheet.contains('#'), "a literal colour in style.css");
        let used: Vec<&str> = sheet
            .split("var(--")
            .skip(1)
            .filter_map(|s| s.split(')').next())
            .collect();
        for name in &used {
            assert!(
                value(name, false).is_some(),
                "--{name} is not in the palette"
            );
        }
        for c in COLOURS {
            assert!(used.contains(&c.name), "--{} is never used", c.name);
            let drawn = PAIRS.iter().any(|p| p.0 == c.name || p.1 == c.name);
            assert!(drawn || c.name == "line", "--{} is in no pair", c.name);
        }
        // The light values first, the dark ones under the media query.
        let css = css();
        let Some((light, dark)) = css.split_once("@media screen and (prefers-color-scheme: dark)")
        else {
            panic!("no dark block in {css}");
        };
        for c in COLOURS {
            assert!(
                light.contains(&format!("--{}: {};", c.name, c.light)),
                "{css}"
            );
            assert!(
                dark.contains(&format!("--{}: {};", c.name, c.dark)),
                "{css}"
            );
        }
    }
}
