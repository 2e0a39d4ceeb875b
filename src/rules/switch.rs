//! `switch` cases of another type than the value never match, silently:
//! Rhai looks the value's hash up among the cases' hashes, so
//! `switch 250 { "250" => … }` and `switch 250 { 250.0 => … }` (though
//! `250 == 250.0`) fall through to the default, and a date never matches
//! anything. Rhai's AST keeps only the cases' hashes, so the cases are
//! read here from the tokens of an unoptimised parse of the script.

use std::cell::RefCell;
use std::rc::Rc;

use rhai::{Position, Token};

use super::analyze::{Problem, at};
use crate::diagnostic::Code;

/// The type of a literal `switch` case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseType {
    Integer,
    Float,
    String,
    Char,
    Boolean,
    Unit,
}

impl CaseType {
    /// As rule authors know it, with an article.
    pub fn noun(self) -> &'static str {
        match self {
            CaseType::Integer => "an integer",
            CaseType::Float => "a float",
            CaseType::String => "a string",
            CaseType::Char => "a character",
            CaseType::Boolean => "a boolean",
            CaseType::Unit => "`()`",
        }
    }

    /// The name the run-time check receives.
    pub fn tag(self) -> &'static str {
        match self {
            CaseType::Integer => "integer",
            CaseType::Float => "float",
            CaseType::String => "string",
            CaseType::Char => "char",
            CaseType::Boolean => "boolean",
            CaseType::Unit => "unit",
        }
    }
}

/// One `switch` statement as its tokens show it.
#[derive(Debug, Clone)]
pub struct Switch {
    /// Where the value expression starts, and the `{` that opens the
    /// cases (the value ends just before it).
    pub value: Position,
    pub open: Position,
    /// The literal cases: type, text, position.
    pub cases: Vec<(CaseType, String, Position)>,
}

fn opens(t: &Token) -> bool {
    matches!(
        t,
        Token::LeftParen | Token::LeftBracket | Token::LeftBrace | Token::MapStart
    )
}

/// Whether the `{` at `i` opens a `${…}` of an interpolated string.
fn interpolation(tokens: &[(Token, Position)], i: usize) -> bool {
    i > 0 && matches!(tokens[i - 1].0, Token::InterpolatedString(_))
}

fn closes(t: &Token) -> bool {
    matches!(
        t,
        Token::RightParen | Token::RightBracket | Token::RightBrace
    )
}

fn literal(t: &Token) -> Option<(CaseType, String)> {
    Some(match t {
        Token::IntegerConstant(i) => (CaseType::Integer, i.to_string()),
        Token::FloatConstant(x) => (CaseType::Float, x.1.to_string()),
        Token::StringConstant(s) => (CaseType::String, format!("{:?}", s.as_str())),
        Token::CharConstant(c) => (CaseType::Char, format!("{c:?}")),
        Token::True => (CaseType::Boolean, "true".into()),
        Token::False => (CaseType::Boolean, "false".into()),
        Token::Unit => (CaseType::Unit, "()".into()),
        _ => return None,
    })
}

/// The `switch` statements of a script, or none if it does not parse.
pub fn scan(text: &str) -> Vec<Switch> {
    if !text.contains("switch") {
        return Vec::new();
    }
    let tokens: Rc<RefCell<Vec<(Token, Position)>>> = Rc::default();
    let mut engine = rhai::Engine::new_raw();
    let sink = tokens.clone();
    #[expect(
        deprecated,
        reason = "on_parse_token is marked volatile, not deprecated"
    )]
    engine
        .set_optimization_level(rhai::OptimizationLevel::None)
        .set_max_expr_depths(0, 0)
        .on_parse_token(move |t, pos, _| {
            sink.borrow_mut().push((t.clone(), pos));
            t
        });
    if engine.compile(text).is_err() {
        return Vec::new();
    }
    let tokens = tokens.take();
    let mut out = Vec::new();
    for (i, (t, _)) in tokens.iter().enumerate() {
        if matches!(t, Token::Switch)
            && let Some(s) = one(&tokens[i + 1..])
        {
            out.push(s);
        }
    }
    out
}

/// The switch whose value starts at `tokens[0]`.
fn one(tokens: &[(Token, Position)]) -> Option<Switch> {
    let value = tokens.first()?.1;
    // The value ends at the first `{` outside brackets.
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        let (t, _) = tokens.get(i)?;
        match t {
            Token::LeftBrace if depth == 0 && !interpolation(tokens, i) => break,
            t if opens(t) => depth += 1,
            t if closes(t) => depth = depth.checked_sub(1)?,
            _ => {}
        }
        i += 1;
    }
    let open = tokens[i].1;
    let mut cases = Vec::new();
    i += 1;
    // Each case: keys up to `=>` (or an `if` condition), then its body up
    // to a `,` at this depth, or a block.
    loop {
        // Keys.
        loop {
            let (t, pos) = tokens.get(i)?;
            match t {
                Token::RightBrace => return Some(Switch { value, open, cases }),
                Token::DoubleArrow | Token::If => break,
                t => {
                    if let Some((ty, text)) = literal(t) {
                        let minus =
                            i > 0 && matches!(tokens[i - 1].0, Token::UnaryMinus | Token::Minus);
                        let text = if minus { format!("-{text}") } else { text };
                        cases.push((ty, text, *pos));
                    }
                }
            }
            i += 1;
        }
        // Condition (if any), then `=>`, then the body.
        let mut depth = 0usize;
        let mut arrow = false;
        let mut block = false;
        loop {
            let (t, _) = tokens.get(i)?;
            match t {
                Token::DoubleArrow if depth == 0 && !arrow => {
                    arrow = true;
                    block = matches!(tokens.get(i + 1).map(|x| &x.0), Some(Token::LeftBrace));
                }
                Token::Comma if depth == 0 && arrow => {
                    i += 1;
                    break;
                }
                Token::RightBrace if depth == 0 => return Some(Switch { value, open, cases }),
                t if opens(t) => depth += 1,
                t if closes(t) => {
                    depth = depth.checked_sub(1)?;
                    // A block body may end a case without a comma.
                    if depth == 0
                        && block
                        && matches!(t, Token::RightBrace)
                        && !matches!(
                            tokens.get(i + 1).map(|x| &x.0),
                            Some(Token::Comma | Token::Period | Token::Elvis)
                        )
                    {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// Cases of more than one type, or float cases: each is a `switch` that
/// can silently miss.
pub fn problems(switches: &[Switch]) -> Vec<Problem> {
    let mut out = Vec::new();
    for s in switches {
        let Some((first, text, _)) = s.cases.first() else {
            continue;
        };
        if let Some((other, t2, pos)) = s.cases.iter().find(|c| c.0 != *first) {
            out.push(at(
                Code::SwitchCaseType,
                *pos,
                format!(
                    "this `switch` has cases of different types ({} `{text}` and {} `{t2}`); a value matches only cases of its own type",
                    first.noun(),
                    other.noun()
                ),
                Some("give every case the type of the value".into()),
            ));
        } else if let Some((_, t, pos)) = s.cases.iter().find(|c| c.0 == CaseType::Float) {
            out.push(at(
                Code::SwitchCaseType,
                *pos,
                format!(
                    "a float case (`{t}`) matches only the identical float, never an integer that `==` it"
                ),
                Some("compare with `if x == …` instead".into()),
            ));
        }
    }
    out
}

/// Text inserted into a script, in the original's coordinates: line,
/// column (1-based, in characters) and length in characters.
pub type Shifts = Vec<(usize, usize, usize)>;

/// The script with the value of each `switch` whose literal cases share
/// one type passed through [`SWITCH_CHECK`](crate::sandbox::SWITCH_CHECK) with that type's name, so that a
/// value of another type is a run-time error rather than a silent miss;
/// `None` when nothing needs rewriting. The shifts map positions back.
pub fn rewrite(text: &str, switches: &[Switch]) -> Option<(String, Shifts)> {
    let mut inserts: Vec<(usize, usize, String)> = Vec::new();
    for s in switches {
        let Some((ty, ..)) = s.cases.first() else {
            continue;
        };
        if s.cases.iter().any(|c| c.0 != *ty) {
            continue;
        }
        let (Some(vl), Some(vc), Some(ol), Some(oc)) = (
            s.value.line(),
            s.value.position(),
            s.open.line(),
            s.open.position(),
        ) else {
            continue;
        };
        inserts.push((vl, vc, format!("{}(", crate::sandbox::SWITCH_CHECK)));
        inserts.push((ol, oc, format!(", \"{}\") ", ty.tag())));
    }
    if inserts.is_empty() {
        return None;
    }
    inserts.sort_by_key(|(l, c, _)| (*l, *c));
    let mut out = String::with_capacity(text.len() + 64 * inserts.len());
    let mut shifts = Shifts::new();
    let mut next = inserts.iter().peekable();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        for (col, ch) in (1..).zip(line.chars()) {
            while let Some((_, c, s)) = next.next_if(|(l, c, _)| *l == n && *c == col) {
                out.push_str(s);
                shifts.push((n, *c, s.chars().count()));
            }
            out.push(ch);
        }
    }
    // Every insertion lands on a character of the text.
    (next.next().is_none()).then_some((out, shifts))
}

/// A column of the rewritten script as a column of the original.
pub fn unshift(shifts: &Shifts, line: usize, column: usize) -> usize {
    let mut acc = 0;
    for &(_, c, len) in shifts.iter().filter(|s| s.0 == line) {
        if column >= c + acc + len {
            acc += len;
        } else if column >= c + acc {
            return c;
        } else {
            break;
        }
    }
    column - acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_value_is_wrapped_and_positions_map_back() {
        let text = "fn f(x) {\n  switch x.y { 1 => 2, _ => 3 }; x.z\n}\n";
        let sw = scan(text);
        assert_eq!(sw.len(), 1);
        let (out, shifts) = rewrite(text, &sw).unwrap_or_default();
        assert_eq!(
            out,
            "fn f(x) {\n  switch switch_cases_check(x.y , \"integer\") { 1 => 2, _ => 3 }; x.z\n}\n"
        );
        // `x.y` at 2:10, `{` at 2:14, `x.z` at 2:34.
        assert_eq!(unshift(&shifts, 2, 10 + 19), 10);
        assert_eq!(unshift(&shifts, 2, 10), 10);
        assert_eq!(unshift(&shifts, 2, 34 + 19 + 13), 34);
        assert_eq!(unshift(&shifts, 1, 5), 5);
    }

    #[test]
    fn nested_and_block_cases_are_read() {
        let text = "switch a { 1 => { switch b { \"x\" => 1 } } 2 => 3, 3 | 4 if a > 0 => #{ z: 1 }, 7 => `x${a}y${b}z`, 5..9 => `${a}`, _ => () }";
        let sw = scan(text);
        assert_eq!(sw.len(), 2);
        let types: Vec<_> = sw[0].cases.iter().map(|c| c.0).collect();
        assert!(types.iter().all(|t| *t == CaseType::Integer), "{sw:?}");
        assert_eq!(sw[0].cases.len(), 7, "{sw:?}");
        let v = scan("switch `${a}` { 250 => 1 }");
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].cases.len(), 1, "{v:?}");
        assert_eq!(sw[1].cases.len(), 1);
        assert_eq!(sw[1].cases[0].0, CaseType::String);
    }
}
