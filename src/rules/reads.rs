//! Where a rule reads responses with `fired`: the reads in the code it
//! can reach — its top level, `fires`, and the functions (its own and its
//! helpers') called from there — so a rule depends only on the responses
//! it can actually read, each blamed where it is first reached.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::{Helper, Read, analyze, switch};

/// The responses a rule reads with `fired` in the code it can reach, each
/// where it is first reached: breadth-first from the top level and
/// `fires`, through its own functions and, by `alias::name(…)`, its
/// helpers' (and theirs in turn). Each function is visited once per rule.
pub(super) fn reads(
    a: &analyze::Analysis,
    shifts: &switch::Shifts,
    helpers: &[Helper],
) -> BTreeMap<String, Read> {
    let reach = reach(a, helpers);
    let mut out: BTreeMap<String, Read> = BTreeMap::new();
    for &(from, calls) in &reach.order {
        let script = from.and_then(|n| n.0);
        for (id, line, col) in &calls.fired {
            if out.contains_key(id) {
                continue;
            }
            let shifts = script.map_or(shifts, |h| &helpers[h].shifts);
            out.insert(
                id.clone(),
                Read {
                    helper: script,
                    line: *line,
                    column: switch::unshift(shifts, *line, *col),
                    calls: reach.path(from),
                },
            );
        }
    }
    out
}

/// A function of the rule (`None`) or of a helper (its index), by name.
type Node<'a> = (Option<usize>, &'a str);

/// The code a rule can reach. Each function remembers the node that
/// first called it and how, so a path is rebuilt only for the reads found.
struct Reach<'a> {
    /// The top level (`None`), then each function reached, breadth-first,
    /// with what it does.
    order: Vec<(Option<Node<'a>>, &'a analyze::Calls)>,
    /// Each function reached: the function that first called it (`None`
    /// for the top level) and the call, as written.
    parent: HashMap<Node<'a>, (Option<Node<'a>>, String)>,
}

impl<'a> Reach<'a> {
    /// The calls from the top level or `fires` down to `at`.
    fn path(&self, mut at: Option<Node<'a>>) -> Vec<String> {
        let mut path = Vec::new();
        while let Some(n) = at {
            let Some((up, label)) = self.parent.get(&n) else {
                break;
            };
            path.push(label.clone());
            at = *up;
        }
        path.reverse();
        path
    }
}

/// Walks the calls breadth-first from the rule's top level and `fires`.
fn reach<'a>(a: &'a analyze::Analysis, helpers: &'a [Helper]) -> Reach<'a> {
    let graph = |script: Option<usize>| match script {
        None => &a.calls,
        Some(i) => &helpers[i].calls,
    };
    let alias: HashMap<&str, usize> = a
        .aliases
        .iter()
        .filter_map(|(al, p)| Some((al.as_str(), helpers.iter().position(|h| &h.name == p)?)))
        .collect();
    let mut reach = Reach {
        order: vec![(None, &a.calls.top)],
        parent: HashMap::new(),
    };
    if a.calls.fns.contains_key("fires") {
        reach
            .parent
            .insert((None, "fires"), (None, "fires".to_string()));
    }
    let mut queue: VecDeque<_> = a
        .calls
        .fns
        .get_key_value("fires")
        .map(|(k, c)| ((None, k.as_str()), c))
        .into_iter()
        .collect();
    // Scripts whose every function is already queued (by a computed
    // `Fn(name)`), so that doing it again costs nothing.
    let mut all_queued: BTreeSet<Option<usize>> = BTreeSet::new();
    let mut i = 0;
    loop {
        // The top level first, then breadth-first.
        let (from, calls) = match reach.order.get(i) {
            Some(&(from, calls)) => (from, calls),
            None => match queue.pop_front() {
                Some((node, calls)) => {
                    reach.order.push((Some(node), calls));
                    continue;
                }
                None => break,
            },
        };
        i += 1;
        let script = from.and_then(|n| n.0);
        let g = graph(script);
        let parent = &mut reach.parent;
        let mut push = |node: Node<'_>, label: String| {
            let Some((name, calls)) = graph(node.0).fns.get_key_value(node.1) else {
                return;
            };
            let node = (node.0, name.as_str());
            if let Entry::Vacant(v) = parent.entry(node) {
                v.insert((from, label));
                queue.push_back((node, calls));
            }
        };
        if calls.any {
            if all_queued.insert(script) {
                for name in g.fns.keys() {
                    push((script, name), name.clone());
                }
            }
        } else {
            for name in &calls.local {
                push((script, name), name.clone());
            }
        }
        // Helpers import nothing, so only a rule's calls leave its script.
        if script.is_none() {
            for (al, name) in &calls.imported {
                if let Some(&h) = alias.get(al.as_str()) {
                    push((Some(h), name), format!("{al}::{name}"));
                }
            }
        }
    }
    reach
}
