//! Reading `[expect]`: what a scenario expects to fire as of its date
//! (`fires`, `not_fires`, `exactly`), which rules fire or stay quiet
//! (`[expect.rules]`), on which day a response first fires
//! (`[expect.first_fire]`), and the same sets at other dates
//! (`[[expect.at]]`). Each name keeps its span, so a failed expectation
//! points at where it was written.

use std::ops::Range;

use super::node::{Map, Node};
use super::parse::Parser;
use super::{ExpectAt, ExpectSet, Expectations, Named};
use crate::diagnostic::Code;

const EXPECT_KEYS: &[&str] = &["fires", "not_fires", "exactly", "rules", "first_fire", "at"];
const EXPECT_AT_KEYS: &[&str] = &["date", "fires", "not_fires", "exactly"];
const EXPECT_RULES_KEYS: &[&str] = &["fire", "quiet"];

impl Parser<'_> {
    /// The `[expect]` table at `span`.
    pub(super) fn expectations<M: Map>(&mut self, t: &M, span: Range<usize>) -> Expectations {
        self.known_keys(t, EXPECT_KEYS, "[expect]");
        let mut ex = Expectations {
            set: self.expect_set(t),
            span: Some(span),
            ..Default::default()
        };
        if let Some(r) = t.get("rules")
            && let Some(rt) = self.table(r, "rules")
        {
            self.known_keys(rt, EXPECT_RULES_KEYS, "[expect.rules]");
            if let Some(v) = rt.get("fire") {
                ex.rules_fire = self.names(v, "fire");
            }
            if let Some(v) = rt.get("quiet") {
                ex.rules_quiet = self.names(v, "quiet");
            }
        }
        if let Some(ff) = t.get("first_fire")
            && let Some(ft) = self.table(ff, "first_fire")
        {
            for (k, k_span, v) in ft.entries() {
                let name = k.to_string();
                if let Some(d) = self.date(v, &name) {
                    ex.first_fire.push((Named { name, span: k_span }, d));
                }
            }
        }
        if let Some(at) = t.get("at") {
            let items: Vec<_> = self.array(at, "at").into_iter().flatten().collect();
            ex.at = items
                .into_iter()
                .filter_map(|i| self.expect_at(i))
                .collect();
        }
        ex
    }

    /// One `[[expect.at]]` entry; `None` when it has no valid date.
    fn expect_at<N: Node>(&mut self, item: &N) -> Option<ExpectAt> {
        let at = self.table(item, "expect.at")?;
        self.known_keys(at, EXPECT_AT_KEYS, "[[expect.at]]");
        let date = match at.get("date") {
            Some(v) => self.date(v, "date"),
            None => {
                self.err(
                    Code::MissingField,
                    item.span(),
                    "`[[expect.at]]` needs a `date`",
                    None,
                );
                None
            }
        };
        let set = self.expect_set(at);
        if set.is_empty() && date.is_some() {
            self.err(
                Code::EmptyExpectation,
                item.span(),
                "this `[[expect.at]]` entry checks nothing",
                Some("add `fires`, `not_fires` or `exactly` under it".into()),
            );
        }
        Some(ExpectAt {
            date: date?,
            set,
            span: item.span(),
        })
    }

    /// `fires`, `not_fires` and `exactly` of `[expect]` or an
    /// `[[expect.at]]` entry.
    fn expect_set<M: Map>(&mut self, t: &M) -> ExpectSet {
        let mut set = ExpectSet::default();
        if let Some(v) = t.get("fires") {
            set.fires = self.names(v, "fires");
        }
        if let Some(v) = t.get("not_fires") {
            set.not_fires = self.names(v, "not_fires");
        }
        if let Some(v) = t.get("exactly") {
            set.exactly = Some((self.names(v, "exactly"), v.span()));
        }
        for n in &set.fires {
            if let Some(dup) = set.not_fires.iter().find(|m| m.name == n.name) {
                let span = dup.span.clone();
                self.err(
                    Code::ContradictoryExpectation,
                    span,
                    format!("`{}` is expected both to fire and not to fire", n.name),
                    Some("remove it from `fires` or from `not_fires`".into()),
                );
            }
        }
        set
    }

    /// A list of names (responses or rules), each with its span.
    fn names<N: Node>(&mut self, item: &N, key: &str) -> Vec<Named> {
        let items: Vec<_> = self.array(item, key).into_iter().flatten().collect();
        let mut out = Vec::new();
        for v in items {
            if let Some(name) = self.string(v, &format!("{key}[…]")) {
                out.push(Named {
                    name,
                    span: v.span(),
                });
            }
        }
        out
    }
}
