//! Arbitrary scenario folders: bytes → a tree of folders, scenario files,
//! FIFOs and symbolic links (to files and folders inside the tree, to a
//! secret file beside it, to `/proc`, `/dev/zero`, `/`), then discovery
//! and loading as `run` does them. Nothing outside the tree may be read:
//! the secret's marker never appears in a diagnostic or a loaded scenario,
//! no loaded file resolves outside the tree, and nothing blocks (a hang is
//! a libFuzzer timeout).
#![no_main]

use std::io::Write;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use sanctions_trigger::scenario::{discover, load_file};

const MARKER: &str = "FUZZ-SECRET-7f3a";

/// Names the tree is built from: few, so that links and files meet.
const NAMES: &[&str] = &["a", "b.toml", "c.toml", "sub", "d"];

/// Where a link may point.
fn target(i: u8, outside: &Path) -> PathBuf {
    match i % 10 {
        0 => outside.join("secret.toml"),
        1 => outside.to_path_buf(),
        2 => PathBuf::from("/proc/self/environ"),
        3 => PathBuf::from("/proc"),
        4 => PathBuf::from("/dev/zero"),
        5 => PathBuf::from("."),
        6 => PathBuf::from(".."),
        7 => PathBuf::from("../../outside/secret.toml"),
        8 => PathBuf::from("b.toml"),
        _ => PathBuf::from("sub"),
    }
}

fn scenario_text(i: u8) -> String {
    let extends = match i % 4 {
        0 => "",
        1 => "extends = \"../outside/secret.toml\"\n",
        2 => "extends = \"c.toml\"\n",
        _ => "extends = \"sub/b.toml\"\n",
    };
    format!("[scenario]\ntitle = \"t{i}\"\n{extends}\n[[events]]\nkind = \"talks\"\ndate = 2025-06-02\n")
}

fuzz_target!(|data: &[u8]| {
    let Ok(tmp) = tempfile::tempdir() else {
        return;
    };
    let root = tmp.path().join("scenarios");
    let outside = tmp.path().join("outside");
    let ok = std::fs::create_dir_all(&root).is_ok()
        && std::fs::create_dir_all(&outside).is_ok()
        && std::fs::write(
            outside.join("secret.toml"),
            format!("[scenario]\ntitle = \"{MARKER}\"\n{MARKER} = 1\n"),
        )
        .is_ok();
    if !ok {
        return;
    }
    // Each op: kind, folder depth, name, argument.
    for op in data.chunks_exact(4).take(24) {
        let mut at = root.clone();
        for d in 0..(op[1] % 3) {
            at.push(NAMES[usize::from(op[1].wrapping_add(d)) % NAMES.len()]);
        }
        let path = at.join(NAMES[usize::from(op[2]) % NAMES.len()]);
        let _ = std::fs::create_dir_all(&at);
        let _ = match op[0] % 4 {
            0 => std::fs::create_dir_all(&path),
            // A new file only: writing to an existing FIFO would block the
            // harness, and writing through a link would change its target.
            1 => std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| f.write_all(scenario_text(op[3]).as_bytes())),
            2 => std::os::unix::fs::symlink(target(op[3], &outside), &path),
            _ => {
                let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes());
                if let Ok(c) = c {
                    // SAFETY: a valid NUL-terminated path; mkfifo only
                    // reads it.
                    unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
                }
                Ok(())
            }
        };
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    let (files, diags) = discover(std::slice::from_ref(&root));
    let mut shown: Vec<String> = diags.iter().map(|d| d.render(false)).collect();
    for f in &files {
        if let Ok(real) = f.path.canonicalize() {
            assert!(
                real.starts_with(&canonical_root),
                "{} resolves outside the tree, to {}",
                f.path.display(),
                real.display()
            );
        }
        match load_file(&f.path, &f.id) {
            Ok(sc) => shown.push(format!("{sc:?}")),
            Err(ds) => shown.extend(ds.iter().map(|d| d.render(false))),
        }
    }
    for text in &shown {
        assert!(!text.contains(MARKER), "the secret was read:\n{text}");
    }
});
