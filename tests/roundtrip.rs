//! For random valid payloads of every interface (Chinese text, XML specials, `]]>` included), typed struct →
//! JSON → struct and struct → XML → struct give back the same struct.

use hisgate_tests::{arbitrary, registry};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn round_trips(cases: u32) {
    let mut failures = Vec::new();
    for entry in registry::all() {
        let (platform, interface) = (entry.schema)();
        for (message, id) in [("request", interface.request), ("response", interface.response)] {
            let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
            let strategy = arbitrary::message(platform, id, false);
            let result = runner.run(&strategy, |value| (entry.round_trip)(message, value).map_err(TestCaseError::fail));
            if let Err(e) = result {
                failures.push(format!("{}.{} {message}: {e}", platform.name, interface.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_interface_round_trips_through_json_and_xml() {
    round_trips(48);
}
