//! `--format markdown`: one section per scenario with a table of the
//! responses that fire and their reasons, fit for a pull-request comment.
//! Rows come in the order of the text output (highest severity first).

use std::io::{self, Write};

use super::{Reporter, rank};
use crate::diagnostic::Diagnostic;
use crate::outcome::{Outcome, Status};
use crate::report::markdown_cell as cell;
use crate::rules::RuleSet;

pub struct MarkdownReporter {
    explain: bool,
    diagnostics: Vec<Diagnostic>,
}

impl MarkdownReporter {
    pub fn new(explain: bool) -> Self {
        Self {
            explain,
            diagnostics: Vec::new(),
        }
    }
}

impl Reporter for MarkdownReporter {
    fn diagnostic(&mut self, _: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
        self.diagnostics.push(d.clone());
        Ok(())
    }

    fn outcome(&mut self, out: &mut dyn Write, set: &RuleSet, o: &Outcome) -> io::Result<()> {
        writeln!(
            out,
            "## `{}` — {} (as of {})\n",
            o.id,
            cell(&o.title),
            o.as_of
        )?;
        let shown = |status: Status| self.explain || status != Status::Quiet;
        if o.responses.iter().any(|r| shown(r.status)) {
            writeln!(out, "| response | status | rule | reason |")?;
            writeln!(out, "|---|---|---|---|")?;
        } else {
            writeln!(out, "Nothing fires.")?;
        }
        // As text shows them: those that fire, then those that errored,
        // each by severity; then the quiet ones, by id.
        let mut rows: Vec<_> = o.responses.iter().collect();
        rows.sort_by_cached_key(|r| match r.status {
            _ if r.fires => (0, rank(set, r)),
            Status::Error => (1, rank(set, r)),
            _ => (2, (0, r.id.to_string())),
        });
        for r in rows {
            if r.status == Status::Quiet && !self.explain {
                continue;
            }
            let title = set
                .catalogue
                .get(&r.id)
                .map_or(String::new(), |c| format!(" ({})", cell(&c.title)));
            for v in r
                .rules
                .iter()
                .filter(|v| self.explain || v.status != Status::Quiet)
            {
                let status = match v.status {
                    Status::Fires => "**fires**",
                    Status::Quiet => "quiet",
                    Status::Error => "error",
                };
                writeln!(
                    out,
                    "| `{}`{title} | {status} | `{}` | {} |",
                    r.id,
                    v.id,
                    cell(v.reason.as_deref().unwrap_or(""))
                )?;
            }
        }
        let quiet: Vec<String> = o
            .responses
            .iter()
            .filter(|r| r.status == Status::Quiet)
            .map(|r| format!("`{}`", r.id))
            .collect();
        if !quiet.is_empty() && !self.explain {
            writeln!(out, "\nQuiet: {}", quiet.join(", "))?;
        }
        writeln!(out)?;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.diagnostics.is_empty() {
            writeln!(out, "## Problems\n")?;
            for d in &self.diagnostics {
                writeln!(out, "- `{}` {}", d.location(), cell(&d.message))?;
            }
        }
        Ok(())
    }
}
