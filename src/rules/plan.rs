//! The order responses are judged in: each after the responses its rules
//! read with `fired`, depth-first in sorted order so the plan is
//! deterministic. Responses that reach one another (Tarjan's strongly
//! connected components) are a cycle: each rule caught in one is marked
//! broken, its diagnostic at the `fired` call, with the shortest cycle
//! written out.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use super::{Helper, Rule};
use crate::diagnostic::{Code, Diagnostic};
use crate::rule_error::{ErrorKind, RuleError};

/// Orders responses so that each comes after those its rules read with
/// `fired`. Rules caught in a cycle are marked broken.
pub(super) fn plan(
    rules: &mut [Rule],
    helpers: &[Helper],
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Arc<str>, Vec<usize>)> {
    let mut by_response: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        by_response.entry(r.response.clone()).or_default().push(i);
    }
    let deps: BTreeMap<&str, BTreeSet<&str>> = by_response
        .iter()
        .map(|(resp, ix)| {
            let d = ix
                .iter()
                .flat_map(|&i| rules[i].reads.keys().map(String::as_str))
                .filter(|d| by_response.contains_key(*d))
                .collect();
            (resp.as_str(), d)
        })
        .collect();
    // Depth-first, in sorted order, so the plan is deterministic; an edge
    // back into the path is a cycle, reported below.
    let mut order: Vec<String> = Vec::new();
    let mut state: HashMap<&str, u8> = HashMap::new(); // 1 visiting, 2 done
    fn visit<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        state: &mut HashMap<&'a str, u8>,
        order: &mut Vec<String>,
    ) {
        if state.contains_key(n) {
            return;
        }
        state.insert(n, 1);
        for d in deps.get(n).into_iter().flatten() {
            visit(d, deps, state, order);
        }
        state.insert(n, 2);
        order.push(n.to_string());
    }
    for n in deps.keys() {
        visit(n, &deps, &mut state, &mut order);
    }
    let groups = cycle_groups(&deps);
    let groups: Vec<(Vec<String>, Vec<String>)> = groups
        .into_iter()
        .map(|g| {
            let path = shortest_cycle(&deps, &g);
            let own = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
            (own(g), own(path))
        })
        .collect();
    for (group, path) in groups {
        report_cycle(rules, helpers, &group, &path, diags);
    }
    order
        .into_iter()
        .map(|resp| {
            let ix = by_response.remove(&resp).unwrap_or_default();
            (resp.into(), ix)
        })
        .collect()
}

/// Longest cycle written out in every rule's error; a longer one is
/// listed once, in the first of its rules' diagnostics, so that the output
/// grows with the rules rather than with their square.
const CYCLE_SHOWN: usize = 8;

/// Marks every rule of a cycle group that reads a response of the group
/// as broken, with a diagnostic at its `fired` call.
fn report_cycle(
    rules: &mut [Rule],
    helpers: &[Helper],
    group: &[String],
    path: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let members: BTreeSet<&str> = group.iter().map(String::as_str).collect();
    let full = path
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut listed_at: Option<String> = None;
    for r in rules.iter_mut() {
        let Some((dep, read)) = r.reads.iter().find(|(d, _)| members.contains(d.as_str())) else {
            continue;
        };
        let dep = dep.clone();
        if !members.contains(r.response.as_str()) || r.broken.is_some() {
            continue;
        }
        // Read in a helper: blamed on the helper's `fired`, with the calls
        // from the rule that lead there.
        let via = read.helper.and_then(|h| Some((read, helpers.get(h)?)));
        let (source, line, column) = match via {
            Some((x, h)) => (&h.source, x.line, x.column),
            None => (&r.source, read.line, read.column),
        };
        let through = via.map(|(x, _)| {
            let calls = x
                .calls
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            format!(" (rule `{}` reads `{dep}` here through {calls})", r.id)
        });
        let (message, listing) = if path.len() <= CYCLE_SHOWN + 1 {
            (format!("`fired` cycle: {full}"), None)
        } else {
            let short = format!(
                "`fired` cycle of {} responses, through `{}` → `{dep}`",
                group.len(),
                r.response
            );
            match &listed_at {
                Some(at) => (format!("{short} (listed in full at {at})"), None),
                None => {
                    listed_at = Some(format!("{}:{line}:{column}", source.path.display()));
                    (short, Some(format!("the whole cycle: {full}")))
                }
            }
        };
        let message = message + through.as_deref().unwrap_or("");
        let help = "a response cannot depend on itself, directly or through others";
        let d = source
            .error_at(line, column, message.clone())
            .with_code(Code::FiredCycle)
            .with_help(listing.map_or_else(|| help.to_string(), |l| format!("{l}; {help}")));
        r.broken = Some(RuleError {
            rule: r.id.to_string(),
            file: source.path.clone(),
            line: Some(line),
            column: Some(column),
            message: format!("rule did not load: {message}"),
            kind: ErrorKind::Compile,
        });
        diags.push(d);
    }
}

/// The groups of responses that reach one another through `fired` (the
/// strongly connected components with a cycle), each sorted, found with
/// Tarjan's algorithm on an explicit stack: linear in the rules, however
/// the cycles interlock.
fn cycle_groups<'a>(deps: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<Vec<&'a str>> {
    let names: Vec<&str> = deps.keys().copied().collect();
    let index_of: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adj: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            deps[n]
                .iter()
                .filter_map(|d| index_of.get(d).copied())
                .collect()
        })
        .collect();
    const UNSEEN: usize = usize::MAX;
    let n = names.len();
    let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
    let (mut stack, mut next, mut groups) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, child)) = work.last() {
            if let Some(&w) = adj[v].get(child) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(u, _)) = work.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut group = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    group.push(names[w]);
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 || adj[v].contains(&v) {
                    group.sort_unstable();
                    groups.push(group);
                }
            }
        }
    }
    groups.sort_unstable();
    groups
}

/// The shortest cycle through the first (smallest) member of a group,
/// from it back to it, by breadth-first search inside the group.
fn shortest_cycle<'a>(
    deps: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    group: &[&'a str],
) -> Vec<&'a str> {
    let Some(&start) = group.first() else {
        return Vec::new();
    };
    let members: BTreeSet<&str> = group.iter().copied().collect();
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in deps.get(v).into_iter().flatten() {
            if w == start {
                // Back from `v` to `start` along the search, then forward.
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = parent.get(at).copied().unwrap_or(start);
                    path.push(at);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if members.contains(w) && !parent.contains_key(w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}
