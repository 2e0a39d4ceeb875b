//! Arbitrary bytes → scenario parse through the library, as `run` does it:
//! UTF-8 decoding (BOM stripped), TOML parsing with spans, validation, and
//! rendering of every diagnostic. The parse must never panic, and every
//! diagnostic that has a position must point inside the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sanctions_trigger::scenario::parse_str;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A folder that does not exist: `extends` can never reach a real file.
    let path = Path::new("/nonexistent-fuzz-dir/fuzz.toml");
    match parse_str(path, text, "fuzz") {
        Ok(sc) => {
            // Loaded scenarios are sorted and indexed.
            assert!(sc.events().windows(2).all(|w| w[0].date() <= w[1].date()));
            for kind in sc.kinds() {
                let _ = sc.of_kind(kind, sc.as_of());
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty());
            let lines = text.split('\n').count();
            for d in &diags {
                if let (Some(line), Some(col)) = (d.line, d.column) {
                    assert!(line >= 1 && line <= lines, "line {line} of {lines}: {d}");
                    assert!(col >= 1, "column {col}: {d}");
                }
                let _ = d.render(false);
                let _ = d.to_string();
            }
        }
    }
});
