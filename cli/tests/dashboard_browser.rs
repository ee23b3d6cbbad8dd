//! The dashboard at `/_hisgate/` in headless Chromium (Debian's `chromium`, which scripts/install-test-deps
//! installs), driven over the DevTools protocol with the docs test's own driver: a known sequence of calls goes
//! through `hisgate proxy` to the hospital simulator — one reply's signature corrupted on the way by a middle —,
//! then the page must load, show per interface exactly the counts the journal holds, show the corrupted reply's
//! diagnosis among the latest failures and in its detail, and find an order id by search. Screenshots are kept
//! under `target/tmp/dashboard-browser/screenshots/` (the path is printed). Without Chromium: SKIPPED (a failure
//! under CI=true).

#[allow(dead_code)] // the docs test uses the rest of the driver
#[path = "../../tests/browser/cdp.rs"]
mod cdp;
mod support;
#[path = "../../tests/support/tools.rs"]
mod tools;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use support::proxying::{call, exchanges, hospital, proxy, sqlite_journal, start_middle};

const ORDER: &str = "DASH-ORDER-看板-42";

fn text(browser: &mut cdp::Browser, expression: &str) -> String {
    browser.eval(expression).unwrap().as_str().unwrap_or_default().to_owned()
}

/// Per interface from the journal's own rows: calls, failures, signature failures, business errors.
fn counted(rows: &[Value]) -> BTreeMap<String, [u64; 4]> {
    let mut counts: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for row in rows {
        let entry = counts.entry(row["interface"].as_str().unwrap_or("-").to_owned()).or_default();
        entry[0] += 1;
        match row["verdict"].as_str().unwrap() {
            "ok" => {}
            "business_error" => entry[3] += 1,
            "signature_failed" => {
                entry[1] += 1;
                entry[2] += 1;
            }
            _ => entry[1] += 1,
        }
    }
    counts
}

#[test]
fn the_dashboard_shows_what_the_journal_holds_in_chromium() {
    let Some(chromium) = tools::program("chromium") else { return tools::skipped("chromium not installed") };
    let work = tools::output_dir("dashboard-browser");
    let shots = work.join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let (middle, middle_url, _runtime) = start_middle(Some(upstream.url.clone()), false);
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &middle_url, &url, &[]);

    // The known sequence: TestNet three times over two bindings, two QueryRegisters of orders the hospital does
    // not have (business errors), one schedule, then one TestNet whose reply the middle corrupts.
    let query = |order: &str| {
        json!({"orderId": order, "startDate": "2026-12-01", "endDate": "2026-12-01", "queryType": 1,
            "currentPage": 1, "pageSize": 10})
    };
    let schedule = json!({"departmentId": "220", "startDate": "2026-12-01", "endDate": "2026-12-01",
        "currentPage": 1, "pageSize": 10});
    let calls = [
        ("xml", "TestNet", json!({"ip": "127.0.0.1"})),
        ("json", "TestNet", json!({"ip": "127.0.0.2"})),
        ("xml", "TestNet", json!({"ip": "127.0.0.3"})),
        ("xml", "QueryRegister", query(ORDER)),
        ("json", "QueryRegister", query("DASH-ORDER-43")),
        ("soap11", "GetScheduleInfo", schedule),
    ];
    for (binding, interface, request) in &calls {
        let (ok, shown) = call(&proxied.url, binding, interface, request);
        assert!(ok, "{interface}: {shown}");
    }
    middle.corrupt_next.store(true, Ordering::SeqCst);
    let (ok, shown) = call(&proxied.url, "xml", "TestNet", &json!({"ip": "127.0.0.9"}));
    assert!(!ok, "the corrupted reply was accepted: {shown}");
    let forwarded = middle.calls.load(Ordering::SeqCst);
    let rows = exchanges(&url, &[], calls.len() + 1);
    let expected = counted(&rows);
    assert_eq!(expected["TestNet"], [4, 1, 1, 0], "{rows:?}");
    assert_eq!(expected["QueryRegister"], [2, 0, 0, 2], "{rows:?}");

    let mut browser = cdp::Browser::launch(&chromium, &work).unwrap();
    browser.viewport(1280, 900, false).unwrap();
    let page = format!("{}/_hisgate/", proxied.url);
    browser.open(&page).unwrap();
    browser.wait_for("document.body.dataset.ready === '1'").unwrap();
    assert_eq!(text(&mut browser, "document.documentElement.lang"), "zh-CN");
    assert!(text(&mut browser, "document.getElementById('about').textContent").contains(&middle_url));

    // The counters, interface by interface, as the journal has them.
    let shown: BTreeMap<String, [u64; 4]> = serde_json::from_str(&text(
        &mut browser,
        "JSON.stringify(Object.fromEntries([...document.querySelectorAll('#tally tbody tr[data-interface]')].map(r => \
         [r.dataset.interface, ['calls', 'failures', 'signature-failures', 'business-errors'].map(c => \
         Number(r.querySelector('td.' + c).textContent))])))",
    ))
    .unwrap();
    assert_eq!(shown, expected, "the page's counters against the journal's rows");
    let total = text(&mut browser, "document.querySelector('#tally-total td.calls').textContent");
    assert_eq!(total, rows.len().to_string());
    browser.screenshot(&shots.join("1-dashboard.png")).unwrap();
    browser.screenshot_of("#traffic", &shots.join("1-per-interface.png")).unwrap();
    // The day's window holds the same exchanges.
    browser.eval("document.querySelector('.window button[data-seconds=\"86400\"]').click()").unwrap();
    browser.wait_for("document.querySelector('.window button.on').dataset.seconds === '86400'").unwrap();
    browser
        .wait_for(&format!("document.querySelector('#tally-total td.calls').textContent === '{}'", rows.len()))
        .unwrap();

    // The corrupted reply among the latest failures, with its diagnosis; its detail shows the whole search.
    let failure = text(&mut browser, "document.querySelector('#failure-list tbody tr td.diagnosis').textContent");
    assert!(failure.contains("reply signature") && failure.contains("hex-lower"), "{failure}");
    browser.screenshot_of("#failures", &shots.join("2-latest-failures.png")).unwrap();
    browser.click("#failure-list tbody tr.clickable", "/_hisgate/").unwrap();
    browser.wait_for("!document.getElementById('detail').hidden").unwrap();
    let detail = text(&mut browser, "document.getElementById('detail').innerText");
    assert!(detail.contains("signature_failed") && detail.contains("signature diagnosis"), "{detail}");
    assert!(detail.contains("hex-lower") && detail.contains("canonical"), "{detail}");
    assert!(detail.contains("\"ip\": \"127.0.0.9\""), "the decrypted request payload: {detail}");
    browser.screenshot_of("#detail", &shots.join("3-exchange-detail.png")).unwrap();

    // Search by the order id, typed as a person types it (Chinese included), and the one exchange opened.
    browser.eval("document.getElementById('search').focus()").unwrap();
    browser.call("Input.insertText", json!({ "text": ORDER })).unwrap();
    browser.eval("document.getElementById('search-form').requestSubmit()").unwrap();
    browser.wait_for("document.querySelectorAll('#search-results tbody tr').length > 0").unwrap();
    let found =
        browser.eval("[...document.querySelectorAll('#search-results tbody tr')].map(r => r.innerText)").unwrap();
    let found: Vec<&str> = found.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("QueryRegister") && found[0].contains(ORDER), "{found:?}");
    browser.screenshot_of("#search-section", &shots.join("4-search.png")).unwrap();
    browser.click("#search-results tbody tr.clickable", "/_hisgate/").unwrap();
    browser.wait_for(&format!("document.getElementById('detail').innerText.includes({})", json!(ORDER))).unwrap();
    assert!(text(&mut browser, "location.hash").starts_with("#exchange/"));

    // None of the page's requests went upstream.
    assert_eq!(middle.calls.load(Ordering::SeqCst), forwarded, "a dashboard request was forwarded");
    assert!(middle.seen.lock().unwrap().iter().all(|(_, target, _, _)| !target.starts_with("/_hisgate")));
    println!("screenshots in {}", shots.display());
}
