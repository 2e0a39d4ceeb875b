//! Scenarios read from memory rather than from a scenario tree: TOML text,
//! a JSON value or JSON text, each under a name that diagnostics give as
//! its file. What such a read may do is set by [`ParseOptions`]: by
//! default it opens no file (`extends` is refused, since text from a
//! client must not make a service read files from its working folder),
//! and the text is at most the size of a scenario file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::parse::{build, parse_raw};
use super::variant::Chain;
use super::{MAX_EVENTS, Scenario, json};
use crate::diagnostic::{Code, Diagnostic, SourceText};
use crate::files::MAX_FILE_BYTES;
use crate::vocabulary::Vocabulary;

/// What reading a scenario from memory may do.
///
/// Built from its [`Default`] with builder-style setters:
///
/// ```
/// use sanctions_trigger::ParseOptions;
///
/// let opts = ParseOptions::default().max_bytes(1 << 20).max_events(500);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ParseOptions {
    pub(super) extends: bool,
    pub(super) base_folder: Option<PathBuf>,
    pub(super) max_bytes: u64,
    pub(super) max_events: usize,
    pub(super) vocabulary: Option<Arc<Vocabulary>>,
}

impl Default for ParseOptions {
    /// No `extends`; text up to the size limit of a scenario file
    /// (64 MiB), up to [`MAX_EVENTS`] events.
    fn default() -> Self {
        ParseOptions {
            extends: false,
            base_folder: None,
            max_bytes: MAX_FILE_BYTES,
            max_events: MAX_EVENTS,
            vocabulary: None,
        }
    }
}

impl ParseOptions {
    /// Whether `[scenario] extends` may name a base scenario file (off by
    /// default: with it off, an `extends` key is an error). A base is
    /// read relative to the [base folder](Self::base_folder) and only from
    /// inside it; without one, relative to the working folder and only
    /// from inside that.
    pub fn allow_extends(mut self, allow: bool) -> Self {
        self.extends = allow;
        self
    }

    /// The folder `extends` is relative to, and the only one a base may
    /// come from (links resolved). It has no effect unless `extends` is
    /// [allowed](Self::allow_extends).
    pub fn base_folder(mut self, folder: impl Into<PathBuf>) -> Self {
        self.base_folder = Some(folder.into());
        self
    }

    /// The longest text read, in bytes (default: 64 MiB, the limit of a
    /// scenario file). Longer text is refused before it is parsed.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The most events a scenario may have; at most (and by default)
    /// [`MAX_EVENTS`].
    pub fn max_events(mut self, events: usize) -> Self {
        self.max_events = events.min(MAX_EVENTS);
        self
    }

    /// The vocabulary the scenario is checked against (default: none, and
    /// nothing is checked beyond the shape of a scenario file); an
    /// [`Engine`](crate::Engine)'s [`parse_options`](crate::Engine::parse_options)
    /// give its rules' vocabulary. A value the vocabulary does not allow
    /// is an error of the read, at the value.
    pub fn vocabulary(mut self, vocabulary: Option<Arc<Vocabulary>>) -> Self {
        self.vocabulary = vocabulary;
        self
    }
}

/// Why a scenario could not be read: every problem found, each a
/// [`Diagnostic`] with its position (`name:line:col`) when the input had
/// text to point into.
///
/// Its message is the first problem and how many more there are; the
/// diagnostics themselves can be rendered with their source line.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
#[error("{}", Summary(diagnostics))]
pub struct ParseError {
    diagnostics: Vec<Diagnostic>,
}

impl ParseError {
    /// The problems found, in the order they were found (at least one).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The problems found, owned.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl From<Vec<Diagnostic>> for ParseError {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        ParseError { diagnostics }
    }
}

impl From<ParseError> for Vec<Diagnostic> {
    fn from(e: ParseError) -> Self {
        e.diagnostics
    }
}

/// The first diagnostic, plainly, and how many more there are.
struct Summary<'d>(&'d [Diagnostic]);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("the scenario could not be read"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => {
                let n = rest.len();
                let s = if n == 1 { "" } else { "s" };
                write!(f, "{first} (and {n} more problem{s})")
            }
        }
    }
}

/// Refuses text longer than the options allow, before it is parsed.
fn check_size(name: &str, text: &str, opts: &ParseOptions) -> Result<(), ParseError> {
    let len = text.len() as u64;
    if len <= opts.max_bytes {
        return Ok(());
    }
    let limit = match opts.max_bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    };
    let d = Diagnostic::error(
        Some(Path::new(name)),
        format!("the scenario is {len} bytes, more than the limit of {limit}"),
    )
    .with_code(Code::LimitExceeded);
    Err(vec![d].into())
}

impl Scenario {
    /// Reads a scenario from the text of a scenario file (see the
    /// README's "Scenarios"). `name` is its id unless `[scenario] id`
    /// sets one, and the file its diagnostics name: a problem is reported
    /// at `name:line:col`.
    ///
    /// ```
    /// use sanctions_trigger::{ParseOptions, Scenario};
    ///
    /// let text = r#"
    /// [scenario]
    /// title = "Istanbul round 2"
    ///
    /// [[events]]
    /// kind = "talks"
    /// date = 2025-06-02
    /// round = 2
    /// "#;
    /// let sc = Scenario::from_toml("istanbul", text, &ParseOptions::default())?;
    /// assert_eq!(sc.id(), "istanbul");
    /// assert_eq!(sc.as_of().to_string(), "2025-06-02");
    ///
    /// let err = Scenario::from_toml("bad", "[scenario]\ntitle = 5\n", &ParseOptions::default())
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "bad:2:9: error: `title` must be a string, found integer");
    /// # Ok::<(), sanctions_trigger::ParseError>(())
    /// ```
    pub fn from_toml(name: &str, text: &str, opts: &ParseOptions) -> Result<Scenario, ParseError> {
        check_size(name, text, opts)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw = parse_raw(SourceText::new(name, text), &mut Chain::for_text(opts))?;
        Ok(build(raw, name)?)
    }

    /// Reads a scenario from a JSON value with the keys of a scenario
    /// file. JSON has no dates: an event's `date` and `as_of` are ISO
    /// strings (`"2025-06-02"`, or a date-time with an offset), and any
    /// other date is written `{"$date": "2025-06-02"}`. `name` is its id
    /// unless `scenario.id` sets one, and the file its diagnostics name;
    /// they have no line or column, since a value has no text (see
    /// [`Scenario::from_json_str`]).
    ///
    /// ```
    /// use sanctions_trigger::{ParseOptions, Scenario};
    /// use serde_json::json;
    ///
    /// let value = json!({
    ///     "scenario": {"title": "Istanbul round 2", "as_of": "2025-06-02"},
    ///     "facts": {"deadline": {"$date": "2025-08-08"}},
    ///     "events": [{"kind": "talks", "date": "2025-06-02", "round": 2}]
    /// });
    /// let sc = Scenario::from_json("istanbul", &value, &ParseOptions::default())?;
    /// assert_eq!(sc.events().len(), 1);
    ///
    /// let bad = json!({"scenario": {"title": "T", "extends": "Cargo.toml"}});
    /// let err = Scenario::from_json("req-7", &bad, &ParseOptions::default()).unwrap_err();
    /// assert!(err.to_string().starts_with("req-7: error: `extends` is not allowed"));
    /// # Ok::<(), sanctions_trigger::ParseError>(())
    /// ```
    pub fn from_json(
        name: &str,
        value: &serde_json::Value,
        opts: &ParseOptions,
    ) -> Result<Scenario, ParseError> {
        Ok(json::from_value(name, value, opts)?)
    }

    /// [`Scenario::from_json`] for JSON text: a problem is reported at
    /// `name:line:col` of the value it is about. A key written twice in
    /// one object is an error, as in a scenario file.
    ///
    /// ```
    /// use sanctions_trigger::{ParseOptions, Scenario};
    ///
    /// let text = "{\"scenario\": {\"title\": \"T\"},\n \"events\": [{\"kind\": \"talks\", \"date\": \"June\"}]}";
    /// let err = Scenario::from_json_str("req-7", text, &ParseOptions::default()).unwrap_err();
    /// assert!(err.to_string().starts_with("req-7:2:39: error: `events[0].date` is not an ISO date"));
    /// ```
    pub fn from_json_str(
        name: &str,
        text: &str,
        opts: &ParseOptions,
    ) -> Result<Scenario, ParseError> {
        check_size(name, text, opts)?;
        Ok(json::from_str(name, text, opts)?)
    }
}
