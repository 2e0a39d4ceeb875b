//! Per-thread state of the rule call in progress. Rhai's callbacks
//! (`on_var`, `on_progress`, `on_print`) carry no per-call context, so the
//! current rule's constants, the verdicts of responses already evaluated,
//! the deadline and the trace live here, set by the evaluator around each
//! call. Each worker thread owns one engine, so nothing here is shared.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use rhai::Dynamic;

/// How a response came out, as `fired("id")` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseState {
    Fires,
    Quiet,
    Error,
}

/// A rule's top-level constants, visible by name inside its functions.
pub type Consts = Rc<HashMap<String, Dynamic>>;

#[derive(Default)]
pub struct CallContext {
    pub consts: Option<Consts>,
    pub responses: HashMap<String, ResponseState>,
    pub deadline: Option<Instant>,
    pub trace: Vec<String>,
}

thread_local! {
    pub static CONTEXT: RefCell<CallContext> = RefCell::new(CallContext::default());
}

pub fn with<R>(f: impl FnOnce(&mut CallContext) -> R) -> R {
    CONTEXT.with(|c| f(&mut c.borrow_mut()))
}
