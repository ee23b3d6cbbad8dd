//! Every worked example of the seed documents parses into its typed struct, and validation passes — or fails
//! exactly where a documented erratum says it should.

use hisgate_generated::shaanxi;
use hisgate_runtime::{Error, Message};
use hisgate_tests::fixtures::expectations;
use hisgate_tests::registry;
use std::collections::BTreeSet;

#[test]
fn the_registry_covers_every_interface() {
    let listed: BTreeSet<(String, String)> =
        registry::all().iter().map(|e| (e.schema)()).map(|(p, i)| (p.name.to_string(), i.name.to_string())).collect();
    let compiled: BTreeSet<(String, String)> = hisgate_generated::PLATFORMS
        .iter()
        .flat_map(|p| p.interfaces.iter().map(|i| (p.name.to_string(), i.name.to_string())))
        .collect();
    assert_eq!(listed, compiled);
    assert_eq!(compiled.len(), 48);
}

fn check_platform(platform: &str) {
    let (dir, expected) = expectations(platform);
    assert!(!expected.is_empty(), "no expectations for {platform}");
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for case in &expected {
        covered.insert(case.file.clone());
        let entry = registry::find(platform, &case.interface)
            .unwrap_or_else(|| panic!("{}: unknown interface {}", case.file, case.interface));
        let (spec, _) = (entry.schema)();
        for erratum in &case.errata {
            assert!(spec.erratum(erratum).is_some(), "{}: erratum `{erratum}` is not declared", case.file);
        }
        assert!(case.violations.is_empty() || !case.errata.is_empty(), "{}: a violation needs its erratum", case.file);
        let text = std::fs::read_to_string(dir.join(&case.file)).unwrap();
        let actual = match (entry.parse)(&case.message, &text, case.file.ends_with(".xml")) {
            Ok(()) => Vec::new(),
            Err(Error::Invalid(violations)) => violations.keys(),
            Err(other) => vec![format!("not a validation failure: {other}")],
        };
        if actual != case.violations {
            failures.push(format!("{}: expected {:?}, got {:?}", case.file, case.violations, actual));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every payload example in the folder has an expectation: none is skipped silently.
    let payloads: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            let payload = name.ends_with(".request.xml")
                || name.ends_with(".response.xml")
                || name.ends_with(".param.json")
                || (platform == "glorycard" && (name.ends_with(".request.json") || name.ends_with(".response.json")));
            payload && !name.starts_with("sign-example")
        })
        .collect();
    let missing: Vec<_> = payloads.difference(&covered).collect();
    assert!(missing.is_empty(), "examples without an expectation: {missing:?}");
}

#[test]
fn glorycard_examples() {
    check_platform("glorycard");
}

#[test]
fn onepay_examples() {
    check_platform("onepay");
}

#[test]
fn shaanxi_examples() {
    check_platform("shaanxi");
}

#[test]
fn violations_name_the_field_the_rule_and_the_value() {
    let text =
        std::fs::read_to_string(hisgate_tests::fixtures::examples_dir("shaanxi").join("QueryRegister.response.xml"))
            .unwrap();
    let Err(Error::Invalid(violations)) = shaanxi::interfaces::query_register::Response::from_xml(&text) else {
        panic!("the QueryRegister example lacks required fields");
    };
    let message = violations.to_string();
    assert!(message.contains("order[0].serviceFee: required: 服务费用 (decimal(10,2)) is missing"), "{message}");
}
