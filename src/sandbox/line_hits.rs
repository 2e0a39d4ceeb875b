//! Which script lines an engine ran, for `test --coverage`. Rhai's
//! debugger interface reports every statement and expression the engine
//! steps through; the hook records it per worker thread as (script
//! source name, line), and the caller takes and merges each thread's
//! lines. The debugger costs time on every step, so only the workers of a
//! coverage run are instrumented.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use rhai::Engine;

/// Lines run, per script source name.
pub type Hits = HashMap<String, HashSet<usize>>;

thread_local! {
    static HITS: RefCell<Hits> = RefCell::new(Hits::new());
}

/// Makes `engine` record every line it runs, by script source name.
pub fn instrument(engine: &mut Engine) {
    #[expect(
        deprecated,
        reason = "register_debugger is marked volatile, not deprecated"
    )]
    engine.register_debugger(
        |_, debugger| debugger,
        |_, _, _, source, pos| {
            if let (Some(src), Some(line)) = (source, pos.line()) {
                HITS.with(|h| {
                    let mut h = h.borrow_mut();
                    // Found by `&str`: the source name is allocated once per
                    // script, not once per step.
                    match h.get_mut(src) {
                        Some(lines) => {
                            lines.insert(line);
                        }
                        None => {
                            h.insert(src.to_string(), HashSet::from([line]));
                        }
                    }
                });
            }
            Ok(rhai::debugger::DebuggerCommand::StepInto)
        },
    );
}

/// Takes the lines this thread's engine has run since the last call.
pub fn take_hits() -> Hits {
    HITS.with(|h| std::mem::take(&mut *h.borrow_mut()))
}
