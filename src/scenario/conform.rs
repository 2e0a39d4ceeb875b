//! A scenario's values checked against the vocabulary as they are read:
//! an event kind the vocabulary lacks, a key it does not declare (unless
//! the table is `open`), a value of the wrong type, a required field
//! missing, a string outside `values`. Each is an error at the offending
//! key or value, with a code and a did-you-mean from the vocabulary. The
//! check walks the document the reader walks (`node.rs`), so TOML, JSON
//! and scenarios built in code are checked alike; on a valid scenario it
//! only looks names up, allocating nothing.

use std::fmt;
use std::ops::Range;

use super::node::{Map, Node, Shape};
use crate::diagnostic::{Code, Diagnostic, SourceText, did_you_mean, nearest};
use crate::value::Table;
use crate::vocabulary::{Field, Fields, Type, Vocabulary};

/// Whose table is checked, as messages name it.
#[derive(Clone, Copy)]
enum Whose<'a> {
    Event(&'a str),
    Facts,
    Actor(&'a str),
}

impl fmt::Display for Whose<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Whose::Event(k) => {
                // "an `ultimatum` event", "a `talks` event": by the first
                // letter, which is right for the kinds of this field.
                let an = k.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']);
                write!(f, "{} `{k}` event", if an { "an" } else { "a" })
            }
            Whose::Facts => f.write_str("`[facts]`"),
            Whose::Actor(a) => write!(f, "actor `{a}`"),
        }
    }
}

/// Where a value is inside its table: its key and its parents' keys, on
/// the stack, turned into text only for a message.
struct At<'p> {
    name: &'p str,
    parent: Option<&'p At<'p>>,
    /// An item of the array `name` rather than its value.
    item: bool,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.parent {
            write!(f, "{p}.")?;
        }
        f.write_str(self.name)?;
        if self.item {
            f.write_str("[…]")?;
        }
        Ok(())
    }
}

/// The check of one document against a vocabulary.
pub(super) struct Conform<'a> {
    pub(super) vocab: &'a Vocabulary,
    pub(super) src: &'a SourceText,
    /// The document is JSON (dates are written `{"$date": …}`).
    pub(super) json: bool,
    pub(super) diags: &'a mut Vec<Diagnostic>,
}

impl Conform<'_> {
    fn push(&mut self, span: Range<usize>, code: Code, msg: String, help: Option<String>) {
        let d = self
            .src
            .error(span, msg)
            .with_code(code)
            .with_help_opt(help);
        self.diags.push(d);
    }

    /// An event of `kind` (its value at `kind_span`), its table `t` at `span`.
    pub(super) fn event<M: Map>(
        &mut self,
        t: &M,
        kind: &str,
        kind_span: Range<usize>,
        span: Range<usize>,
    ) {
        let Some(kinds) = &self.vocab.kinds else {
            return;
        };
        let Some(k) = kinds.get(kind) else {
            let vocab = self.vocab.path().display();
            let help = did_you_mean(kind, self.vocab.kind_names())
                .or_else(|| Some(format!("declare it as `[kinds.{kind}]` in {vocab}")));
            self.push(
                kind_span,
                Code::UnknownKind,
                format!("event kind `{kind}` is not in the vocabulary"),
                help,
            );
            return;
        };
        self.table(&k.fields, t, Whose::Event(kind), None, span, true, true);
    }

    /// `[facts]`, its required keys left to [`missing_required`] (a
    /// variant may inherit them).
    pub(super) fn facts<M: Map>(&mut self, t: &M, span: Range<usize>) {
        if let Some(fields) = &self.vocab.facts {
            self.table(fields, t, Whose::Facts, None, span, false, false);
        }
    }

    /// One actor's table.
    pub(super) fn actor<M: Map>(&mut self, name: &str, t: &M, span: Range<usize>) {
        if let Some(fields) = &self.vocab.actors {
            self.table(fields, t, Whose::Actor(name), None, span, false, true);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn table<M: Map>(
        &mut self,
        fields: &Fields,
        t: &M,
        whose: Whose<'_>,
        at: Option<&At<'_>>,
        span: Range<usize>,
        event: bool,
        required: bool,
    ) {
        let mut seen = 0;
        // Required names that a misspelled key stands for: the key's
        // did-you-mean says it, so "has no `round`" would say it twice.
        let mut meant: Vec<&str> = Vec::new();
        for (name, key_span, v) in t.entries() {
            if event && at.is_none() && matches!(name, "kind" | "date" | "id" | "source") {
                continue;
            }
            let here = At {
                name,
                parent: at,
                item: false,
            };
            match fields.get(name) {
                Some(f) => {
                    seen += usize::from(f.required);
                    self.value(f, v, whose, &here);
                }
                None if fields.open => {}
                None => {
                    let near = nearest(name, fields.names());
                    if let Some(n) = near
                        && t.get(n).is_none()
                    {
                        meant.push(n);
                    }
                    let help = near
                        .map(|n| format!("did you mean `{n}`?"))
                        .or_else(|| Some(self.declare_help(whose, at, name)));
                    let msg = match at {
                        None => format!("`{name}` is not a field of {whose}"),
                        Some(p) => {
                            format!("`{here}` is not a field of {whose} (`{p}` has no `{name}`)")
                        }
                    };
                    self.push(key_span, Code::UnknownField, msg, help);
                }
            }
        }
        if required && seen < fields.required() {
            // The table's first line (`[[events]]`, or `{` of an inline
            // one), not every line of it.
            let text = self.src.text.get(span.clone()).unwrap_or_default();
            let span = span.start..span.start + text.find('\n').unwrap_or(text.len());
            for (name, f) in &fields.fields {
                if f.required && t.get(name).is_none() && !meant.contains(&name.as_str()) {
                    let msg = match at {
                        None => format!("{whose} has no `{name}`, which the vocabulary requires"),
                        Some(p) => format!(
                            "`{p}` of {whose} has no `{name}`, which the vocabulary requires"
                        ),
                    };
                    let help = format!("add `{name} = …` ({})", f.ty.described());
                    self.push(span.clone(), Code::MissingField, msg, Some(help));
                }
            }
        }
    }

    /// The help for a key no declaration is near.
    fn declare_help(&self, whose: Whose<'_>, at: Option<&At<'_>>, name: &str) -> String {
        let vocab = self.vocab.path().display();
        let table = match whose {
            Whose::Event(k) => format!("[kinds.{k}]"),
            Whose::Facts => "[facts]".into(),
            Whose::Actor(_) => "[actors]".into(),
        };
        match at {
            None => format!(
                "declare it as `fields.{name}` under `{table}` in {vocab}, or set `open = true` there"
            ),
            Some(p) => format!("declare it in the `fields` of `{p}` under `{table}` in {vocab}"),
        }
    }

    fn value<N: Node>(&mut self, f: &Field, v: &N, whose: Whose<'_>, at: &At<'_>) {
        let shape = v.shape();
        let ok = match (&f.ty, &shape) {
            (Type::Any, _)
            | (Type::Int, Shape::Int(_))
            | (Type::Float, Shape::Int(_) | Shape::Float(_))
            | (Type::Bool, Shape::Bool(_))
            | (Type::Date, Shape::DateTime(..) | Shape::Day(_)) => true,
            (Type::Datetime, Shape::DateTime(dt, _)) => dt.offset().is_some(),
            (Type::String, Shape::Str(s)) => {
                if !f.values.is_empty() && !f.values.iter().any(|x| x == s) {
                    let list: Vec<String> = f.values.iter().map(|x| format!("`{x}`")).collect();
                    let help = did_you_mean(s, f.values.iter().map(String::as_str))
                        .or_else(|| Some(format!("the values allowed are {}", list.join(", "))));
                    self.push(
                        v.span(),
                        Code::ValueNotAllowed,
                        format!(
                            "`{at}` of {whose} is \"{}\", not an allowed value",
                            s.escape_debug()
                        ),
                        help,
                    );
                }
                true
            }
            (Type::Table(inner), Shape::Table(t)) => {
                self.table(inner, *t, whose, Some(at), v.span(), false, true);
                true
            }
            (Type::Array(items), Shape::Array(a)) => {
                let item = At {
                    name: at.name,
                    parent: at.parent,
                    item: true,
                };
                for x in a.iter() {
                    self.value(items, x, whose, &item);
                }
                true
            }
            _ => false,
        };
        if ok {
            return;
        }
        let help = match (&f.ty, &shape) {
            (Type::Date | Type::Datetime, Shape::Str(s)) if looks_like_date(s) => {
                Some(if self.json {
                    format!("write the date as `{{\"$date\": \"{s}\"}}`")
                } else {
                    format!("write the date without quotes: `{} = {s}`", at.name)
                })
            }
            (Type::Int | Type::Float, Shape::Str(s)) if s.trim().parse::<f64>().is_ok() => {
                Some(format!(
                    "write the number without quotes: `{} = {}`",
                    at.name,
                    s.trim()
                ))
            }
            (Type::Datetime, Shape::DateTime(..) | Shape::Day(_)) => {
                Some("give a time and an offset, such as `2025-09-27T20:00:00-04:00`".into())
            }
            (Type::Int, Shape::Float(_)) => {
                Some("write a whole number, or declare it `float`".into())
            }
            _ => None,
        };
        self.push(
            v.span(),
            Code::TypeMismatch,
            format!(
                "`{at}` of {whose} must be {}, found {}",
                f.ty.described(),
                found(&shape, v.type_str())
            ),
            help,
        );
    }
}

/// How a message names the type of a value found: TOML's name for it,
/// but a date apart from a date-time.
fn found<N: Node>(shape: &Shape<'_, N>, type_str: &'static str) -> &'static str {
    match shape {
        Shape::DateTime(dt, _) if dt.time().is_none() => "date",
        Shape::DateTime(dt, _) if dt.offset().is_none() => "local date-time",
        Shape::DateTime(..) => "date-time",
        Shape::Day(_) => "date",
        _ => type_str,
    }
}

/// Whether a string reads as a date (`2025-03-04`, or a date-time).
fn looks_like_date(s: &str) -> bool {
    let day = s.get(..10).unwrap_or(s);
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
}

/// The required keys of `[facts]` (after a variant is merged with its
/// base) and of nothing else: the rest are checked where they are read.
pub(super) fn missing_required(
    vocab: &Vocabulary,
    facts: &Table,
    src: &SourceText,
    span: Option<Range<usize>>,
) -> Vec<Diagnostic> {
    let Some(fields) = &vocab.facts else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, f) in &fields.fields {
        if f.required && facts.get(name).is_none() {
            let msg = format!("`[facts]` has no `{name}`, which the vocabulary requires");
            let d = match &span {
                Some(span) => src.error(span.clone(), msg),
                None => Diagnostic::error(Some(&src.path), msg),
            };
            let help = format!("add `{name} = …` ({}) under `[facts]`", f.ty.described());
            out.push(d.with_code(Code::MissingField).with_help(help));
        }
    }
    out
}
