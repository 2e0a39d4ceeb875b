//! Compiling one script, for loading and again for each worker: Rhai's
//! parse errors as positioned diagnostics (with help where Rhai's message
//! alone does not say what to do), scripts Rhai's 16-bit positions cannot
//! count refused, `switch` values checked against their cases, and top
//! levels run under the clock, their failures kept with their kind.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use rhai::{AST, Dynamic, Engine, EvalAltResult, Module, Scope};

use super::{analyze, switch};
use crate::diagnostic::{Code, Diagnostic, SourceText};
use crate::rule_error::{ErrorKind, RuleError};
use crate::sandbox::{self, Limits, context, context::Consts};

/// The error every evaluation of a rule that did not load reports, so
/// that its response shows as errored rather than quiet.
pub(crate) fn load_error(id: &str, path: &Path, d: &Diagnostic, kind: ErrorKind) -> RuleError {
    RuleError {
        rule: id.to_string(),
        // A problem may lie in a helper the rule uses.
        file: d.file.clone().unwrap_or_else(|| path.to_path_buf()),
        line: d.line,
        column: d.column,
        message: format!("rule did not load: {}", d.message),
        kind,
    }
}

/// A script that failed as it loaded: the diagnostic, and the kind of
/// error (a timeout at the top level is a timeout, as in a call).
pub(crate) struct LoadFailure {
    pub diagnostic: Diagnostic,
    /// The message without what was loading.
    pub reason: String,
    pub kind: ErrorKind,
    /// Whether the script compiled and failed as its top level ran.
    pub ran: bool,
}

impl From<Diagnostic> for LoadFailure {
    fn from(diagnostic: Diagnostic) -> Self {
        LoadFailure {
            reason: diagnostic.message.clone(),
            diagnostic,
            kind: ErrorKind::Compile,
            ran: false,
        }
    }
}

/// A script's top level that raised an error as it ran, as a load failure
/// at the innermost position.
fn rhai_error(
    source: &SourceText,
    shifts: &switch::Shifts,
    e: &EvalAltResult,
    what: &str,
    limits: &Limits,
) -> LoadFailure {
    let inner = e.unwrap_inner();
    let pos = inner.position();
    let (kind, reason) = sandbox::describe(inner, limits);
    let line = pos.line().unwrap_or(1);
    let col = switch::unshift(shifts, line, pos.position().unwrap_or(1));
    let reason = sandbox::unit_read(inner, &source.text, line, col).unwrap_or(reason);
    let code = match kind {
        ErrorKind::Compile => Code::RhaiSyntax,
        ErrorKind::Runtime => Code::RuntimeError,
        ErrorKind::Verdict => Code::InvalidVerdict,
        ErrorKind::Limit => Code::LimitExceeded,
        ErrorKind::Timeout => Code::Timeout,
    };
    let diagnostic = source
        .error_at(line, col, format!("{what}: {reason}"))
        .with_code(code);
    LoadFailure {
        diagnostic,
        reason,
        kind,
        ran: true,
    }
}

/// Rhai counts lines and columns in 16 bits, and stops counting at this.
const MAX_POSITION: usize = u16::MAX as usize;

/// Refuses a script longer or wider than Rhai's positions can count: an
/// error past that would be blamed on the wrong line or column.
fn positions_fit(source: &SourceText) -> Result<(), Diagnostic> {
    for (i, line) in source.text.lines().enumerate() {
        if i == MAX_POSITION {
            return Err(source
                .error_at(
                    i + 1,
                    1,
                    "script has more than 65,535 lines, more than Rhai's positions can count",
                )
                .with_code(Code::LimitExceeded)
                .with_help("split it into several rules, or move code into `lib/` helpers"));
        }
        if line.len() > MAX_POSITION && line.chars().count() > MAX_POSITION {
            return Err(source
                .error_at(
                    i + 1,
                    MAX_POSITION + 1,
                    "line is longer than 65,535 characters, more than Rhai's positions can count",
                )
                .with_code(Code::LimitExceeded)
                .with_help("break the line, or keep long data in the scenario"));
        }
    }
    Ok(())
}

/// Compiles a script, with its parse error as a positioned diagnostic.
/// A bare carriage return (an old Mac line end) is refused first: Rhai
/// counts it as a line break inside comments only, so positions after it
/// would point at the wrong line.
///
/// A script with `switch` statements is compiled again with their values
/// checked against their cases' type (`switch::rewrite`); the shifts say
/// where text was inserted.
pub(crate) fn parse(
    engine: &Engine,
    source: &SourceText,
) -> Result<(AST, switch::Shifts), Diagnostic> {
    let bytes = source.text.as_bytes();
    if let Some(i) =
        (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    {
        return Err(source
            .error(
                i..i + 1,
                "bare carriage return: a line ending Rhai does not count consistently",
            )
            .with_code(Code::BareCarriageReturn)
            .with_help("save the file with `\\n` or `\\r\\n` line endings"));
    }
    // A syntax error before the counters run out is at the right place;
    // anything else in a script past them could not be.
    let ast = engine.compile(&*source.text).map_err(|e| {
        let (line, column) = (e.1.line().unwrap_or(1), e.1.position().unwrap_or(1));
        if line.max(column) >= MAX_POSITION
            && let Err(d) = positions_fit(source)
        {
            return d;
        }
        source
            .error_at(line, column, e.0.to_string())
            .with_code(Code::RhaiSyntax)
            .with_help_opt(parse_help(&e.0, &source.text, line, column))
    })?;
    positions_fit(source)?;
    let switches = switch::scan(&source.text);
    if let Some((text, shifts)) = switch::rewrite(&source.text, &switches)
        && let Ok(checked) = engine.compile(&text)
    {
        return Ok((checked, shifts));
    }
    Ok((ast, Vec::new()))
}

/// Compiles a helper and runs its top level, under the clock, into a
/// module.
pub(crate) fn compile_helper(
    engine: &Engine,
    name: &str,
    source: &SourceText,
    limits: &Limits,
) -> Result<(Module, analyze::Analysis, AST, switch::Shifts), LoadFailure> {
    let (mut ast, shifts) = parse(engine, source)?;
    ast.set_source(name);
    let a = analyze::analyze(&ast, &source.text, false);
    let module = context::timed(limits.timeout, || {
        Module::eval_ast_as_new(Scope::new(), &ast, engine)
    })
    .map_err(|e| rhai_error(source, &shifts, &e, "helper failed while loading", limits))?;
    Ok((module, a, ast, shifts))
}

/// A rule's script with its top level run once: the compiled script, its
/// constants, and whether it imports.
pub(crate) struct TopLevel {
    pub ast: AST,
    pub consts: Consts,
    /// Rules that import need their top level run on each call (Rhai keeps
    /// imports in the call's global state); others skip it.
    pub has_imports: bool,
}

/// Runs a parsed rule's top level, under the clock, to collect its
/// constants.
pub(crate) fn run_top_level(
    engine: &Engine,
    id: &str,
    source: &SourceText,
    mut ast: AST,
    shifts: &switch::Shifts,
    limits: &Limits,
) -> Result<TopLevel, LoadFailure> {
    ast.set_source(id);
    let mut scope = Scope::new();
    context::timed(limits.timeout, || {
        engine.run_ast_with_scope(&mut scope, &ast)
    })
    .map_err(|e| rhai_error(source, shifts, &e, "rule failed while loading", limits))?;
    let consts: HashMap<String, Dynamic> = scope
        .iter_raw()
        .filter(|(_, is_const, _)| *is_const)
        .map(|(name, _, v)| (name.to_string(), v.clone()))
        .collect();
    let has_imports = ast
        .statements()
        .iter()
        .any(|s| matches!(s, rhai::Stmt::Import(..)));
    Ok(TopLevel {
        ast,
        consts: Rc::new(consts),
        has_imports,
    })
}

/// Help for parse errors whose message alone does not say what to do.
/// A field named like a keyword (`e.until`) is reported by Rhai without the
/// word, so it is read from the text at the error.
fn parse_help(e: &rhai::ParseErrorType, text: &str, line: usize, column: usize) -> Option<String> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    match e {
        rhai::ParseErrorType::Reserved(word) => Some(format!(
            "`{word}` is reserved in Rhai; to read a field with that name, write `e[\"{word}\"]`"
        )),
        rhai::ParseErrorType::PropertyExpected => {
            let l: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
            let at = column.checked_sub(1)?;
            let word: String = l.get(at..)?.iter().take_while(|c| ident(**c)).collect();
            let first = word.chars().next()?;
            if first.is_ascii_digit() || l.get(at.checked_sub(1)?) != Some(&'.') {
                return None;
            }
            let before = &l[..at - 1];
            let start = before.iter().rposition(|c| !ident(*c)).map_or(0, |i| i + 1);
            let receiver: String = before[start..].iter().collect();
            let fix = if receiver.is_empty() {
                format!("`[\"{word}\"]` in place of `.{word}`")
            } else {
                format!("`{receiver}[\"{word}\"]`")
            };
            Some(format!(
                "`{word}` is a Rhai keyword; to read a field with that name, write {fix}"
            ))
        }
        _ => None,
    }
}
