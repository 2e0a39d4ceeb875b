//! Text output of `run`, for people: responses that fire first (highest
//! severity first), each with the rules and reasons that fired it and the
//! errors of its rules with `file:line:col`; then the responses whose
//! rules errored, each with its errors; then the quiet responses, briefly.
//! `--explain` lists every rule's verdict, reason and trace.

use std::io::{self, Write};

use super::{Reporter, rank};
use crate::diagnostic::Diagnostic;
use crate::outcome::{Outcome, ResponseOutcome, Status};
use crate::rules::RuleSet;

pub struct TextReporter {
    explain: bool,
    color: bool,
    first: bool,
}

impl TextReporter {
    pub fn new(explain: bool, color: bool) -> Self {
        Self {
            explain,
            color,
            first: true,
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

impl Reporter for TextReporter {
    fn diagnostic(&mut self, _: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
        let mut err = io::stderr().lock();
        writeln!(err, "{}\n", d.render(self.color))?;
        Ok(())
    }

    fn outcome(&mut self, out: &mut dyn Write, set: &RuleSet, o: &Outcome) -> io::Result<()> {
        if !self.first {
            writeln!(out)?;
        }
        self.first = false;
        writeln!(
            out,
            "{} — {} ({}) as of {}",
            self.paint("1", &o.id),
            o.title,
            o.file.display(),
            o.as_of
        )?;
        // Which of `o.errors` are printed, each under its own response.
        let mut told = vec![false; o.errors.len()];
        let mut fired: Vec<&ResponseOutcome> = o.responses.iter().filter(|r| r.fires).collect();
        fired.sort_by_key(|r| rank(set, r));
        if fired.is_empty() {
            writeln!(out, "  nothing fires")?;
        }
        for r in fired {
            let meta = set.catalogue.get(&r.id);
            let title = meta.map_or(String::new(), |m| format!(" — {}", m.title));
            let sev = meta.map_or(String::new(), |m| {
                format!(" [{}, severity {}]", m.category, m.severity)
            });
            writeln!(
                out,
                "  {} {}{title}{sev}",
                self.paint("1;32", "FIRES"),
                r.id
            )?;
            for v in &r.rules {
                if v.fires || self.explain {
                    self.rule_line(out, v)?;
                }
            }
            self.errors_of(out, o, r, &mut told)?;
        }
        let mut errored: Vec<&ResponseOutcome> = o
            .responses
            .iter()
            .filter(|r| r.status == Status::Error)
            .collect();
        errored.sort_by_key(|r| rank(set, r));
        for r in errored {
            writeln!(
                out,
                "  {} {} (its rules errored; whether it fires is unknown)",
                self.paint("1;31", "ERROR"),
                r.id
            )?;
            self.errors_of(out, o, r, &mut told)?;
        }
        // Errors of rules no response above owns (none today).
        for (i, e) in o.errors.iter().enumerate() {
            if !told[i] {
                writeln!(out, "    {} {e}", self.paint("31", "error:"))?;
            }
        }
        let quiet: Vec<&ResponseOutcome> = o
            .responses
            .iter()
            .filter(|r| r.status == Status::Quiet)
            .collect();
        if !quiet.is_empty() {
            if self.explain {
                for r in quiet {
                    writeln!(out, "  {} {}", self.paint("2", "quiet"), r.id)?;
                    for v in &r.rules {
                        self.rule_line(out, v)?;
                    }
                }
            } else {
                let ids: Vec<&str> = quiet.iter().map(|r| &*r.id).collect();
                writeln!(out, "  {} {}", self.paint("2", "quiet:"), ids.join(", "))?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, _: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

impl TextReporter {
    /// The errors of `r`'s rules, under `r`: a response can fire while
    /// one of its rules errored, and its error belongs with it, not after
    /// whichever response is printed last.
    fn errors_of(
        &self,
        out: &mut dyn Write,
        o: &Outcome,
        r: &ResponseOutcome,
        told: &mut [bool],
    ) -> io::Result<()> {
        for (i, e) in o.errors.iter().enumerate() {
            if !told[i] && r.rules.iter().any(|v| *v.id == *e.rule) {
                told[i] = true;
                writeln!(out, "    {} {e}", self.paint("31", "error:"))?;
            }
        }
        Ok(())
    }

    fn rule_line(&self, out: &mut dyn Write, v: &crate::outcome::RuleVerdict) -> io::Result<()> {
        let mark = match v.status {
            Status::Fires => "fires",
            Status::Quiet => "quiet",
            Status::Error => "error",
        };
        match (&v.reason, v.status) {
            (_, Status::Error) => writeln!(out, "      {} {mark}", v.id)?,
            (Some(r), _) => writeln!(out, "      {} {mark}: {r}", v.id)?,
            (None, _) => writeln!(out, "      {} {mark}", v.id)?,
        }
        if self.explain {
            if !v.details.is_null() {
                writeln!(out, "        details: {}", v.details)?;
            }
            for t in &v.trace {
                writeln!(out, "        | {t}")?;
            }
        }
        Ok(())
    }
}
