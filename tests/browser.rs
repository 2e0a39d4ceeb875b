//! The HTML report in a real browser: headless Chromium renders the report
//! of the shipped library, and its DOM must hold every scenario's section
//! and chart lanes and the seed case as `timeline` tells it; a screenshot
//! at 1280×2000 must not be blank; and the page must make no network
//! request, checked in Chromium's own log of requests, beside two control
//! pages that prove the check would see one (and that the report's
//! Content-Security-Policy stops one).
//!
//! Not part of `cargo test` (`test = false` in Cargo.toml): it needs
//! Chromium, which `.ci/run` installs and then runs this with
//! `cargo test --locked --test browser`. Without Chromium it fails, loudly:
//! a browser check that skips itself checks nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sanctions-trigger");

/// Hosts Chromium itself calls (updates, time, accounts), whatever the
/// page: what is left in the log is the page's.
const BROWSER_OWN: [&str; 3] = [".google.com/", ".googleapis.com/", ".gvt1.com/"];

fn chromium() -> PathBuf {
    let names = ["chromium", "chromium-browser", "google-chrome"];
    let from_env = std::env::var_os("CHROMIUM").map(PathBuf::from);
    let found = from_env.or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .flat_map(|d| names.iter().map(move |n| d.join(n)))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "Chromium was not found (looked for {names:?} on PATH, and $CHROMIUM): \
             install it with `apt-get install -y chromium`; .ci/run does so before running this test"
        )
    })
}

/// Runs headless Chromium on `page` with `args`, every host name made
/// unresolvable, and its network log written to `netlog`; returns stdout.
fn run_chromium(page: &Path, netlog: &Path, args: &[&str]) -> String {
    let url = format!("file://{}", page.display());
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--log-net-log={}", netlog.display()))
        .args(args)
        .arg(&url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run Chromium: {e}"));
    assert!(
        out.status.success(),
        "Chromium failed on {url}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page's requests in a Chromium network log: every `"url"` that is
/// not the browser's own.
fn page_requests(netlog: &Path) -> Vec<String> {
    let log = std::fs::read_to_string(netlog)
        .unwrap_or_else(|e| panic!("no network log at {}: {e}", netlog.display()));
    let mut urls: Vec<String> = log
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|u| u.starts_with("http"))
        .filter(|u| !BROWSER_OWN.iter().any(|h| u.contains(h)))
        .map(str::to_string)
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

fn scenario_files(dir: &Path, n: &mut usize) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            scenario_files(&p, n);
        } else if p.extension().is_some_and(|x| x == "toml") {
            *n += 1;
        }
    }
}

#[test]
fn the_report_of_the_shipped_library_renders_in_chromium_without_a_request() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let page = tmp.path().join("report.html");
    let out = Command::new(BIN)
        .current_dir(root)
        .arg("report")
        .arg("--out")
        .arg(&page)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    assert!(
        out.status.success(),
        "report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The DOM as Chromium built it.
    let netlog = tmp.path().join("report-net.json");
    let dom = run_chromium(&page, &netlog, &["--dump-dom"]);
    let mut scenarios = 0;
    scenario_files(&root.join("scenarios"), &mut scenarios);
    assert!(scenarios >= 10, "only {scenarios} shipped scenarios");
    assert_eq!(
        dom.matches("<section class=\"scenario\"").count(),
        scenarios,
        "not every scenario has its section"
    );
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), scenarios);
    assert!(
        dom.contains("<table class=\"matrix\">"),
        "no overview matrix"
    );
    let start = dom
        .find("id=\"s-istanbul-2025-06-02\"")
        .unwrap_or_else(|| panic!("no section of the seed scenario"));
    let seed = &dom[start..];
    let seed = &seed[..seed.find("</section>").unwrap_or(seed.len())];
    // A lane (its name) per response with rules, in the seed's chart.
    for lane in [
        "new-sanctions",
        "energy-bank-sanctions",
        "leaders-summit",
        "un-snapback",
    ] {
        assert!(
            seed.contains(&format!("text-anchor=\"end\">{lane}</text>")),
            "no {lane} lane in the seed chart"
        );
    }
    assert_eq!(seed.matches("<div class=\"response\">").count(), 3);
    assert!(seed.contains("<title>new-sanctions fires from 2025-05-16 (still firing)</title>"));
    assert!(seed.contains("ended with no ceasefire and no breakthrough"));

    // A screenshot that shows something.
    let shot = tmp.path().join("report.png");
    let screenshot = format!("--screenshot={}", shot.display());
    let netlog2 = tmp.path().join("shot-net.json");
    run_chromium(&page, &netlog2, &[&screenshot, "--window-size=1280,2000"]);
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&png[16..20]), be(&png[20..24])), (1280, 2000));
    // A blank 1280×2000 page compresses to a few kilobytes; this one has
    // text, a table and colours.
    assert!(
        png.len() > 60_000,
        "the screenshot is {} bytes: blank?",
        png.len()
    );

    // No request from the page.
    for log in [&netlog, &netlog2] {
        let requests = page_requests(log);
        assert!(
            requests.is_empty(),
            "the report made requests: {requests:?}"
        );
    }

    // The check sees a request when there is one, and the report's policy
    // stops it.
    let csp = dom
        .split("<meta http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no Content-Security-Policy in the DOM"));
    let img = "<img src=\"http://remote.invalid/probe.png\" alt=\"\">";
    let open = tmp.path().join("open.html");
    let closed = tmp.path().join("closed.html");
    let page_with = |head: &str| {
        format!("<!DOCTYPE html><html><head><title>t</title>{head}</head><body>{img}</body></html>")
    };
    std::fs::write(&open, page_with("")).unwrap_or_else(|e| panic!("{e}"));
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">");
    std::fs::write(&closed, page_with(&meta)).unwrap_or_else(|e| panic!("{e}"));
    let open_log = tmp.path().join("open-net.json");
    run_chromium(&open, &open_log, &["--dump-dom"]);
    assert_eq!(
        page_requests(&open_log),
        ["http://remote.invalid/probe.png"],
        "the network log does not show a page's request"
    );
    let closed_log = tmp.path().join("closed-net.json");
    run_chromium(&closed, &closed_log, &["--dump-dom"]);
    assert!(
        page_requests(&closed_log).is_empty(),
        "the report's Content-Security-Policy lets a remote image load"
    );
}
