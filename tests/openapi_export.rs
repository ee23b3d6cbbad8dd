//! `hisgate export openapi`: OpenAPI 3.1 for each platform's JSON and XML bindings, checked for what it must hold
//! and validated by an independent validator (openapi-spec-validator from PyPI, installed by
//! scripts/install-test-deps).

#[path = "support/tools.rs"]
mod tools;

use serde_json::Value;
use std::process::Command;

fn operations(document: &Value) -> Vec<&Value> {
    document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| ["get", "post"].into_iter().filter_map(move |m| item.get(m)))
        .collect()
}

#[test]
fn every_interface_is_an_operation_with_typed_schemas_and_labelled_enums() {
    for platform in hisgate_generated::PLATFORMS {
        let document = hisgate_tools::openapi::document(platform);
        assert_eq!(document["openapi"], "3.1.0");
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let operations = operations(&document);
        for interface in platform.interfaces.iter() {
            let covered = operations.iter().any(|op| {
                op["x-hisgate-interface"] == *interface.name
                    || op["x-hisgate-interfaces"].as_array().is_some_and(|a| a.iter().any(|n| *n == *interface.name))
            });
            assert!(covered, "{}: no operation for {}", platform.name, interface.name);
            for part in ["request", "response"] {
                assert!(schemas.contains_key(&format!("{}.{part}", interface.name)), "{} {part}", interface.name);
                assert!(schemas.contains_key(&format!("{}.{part}.envelope", interface.name)));
            }
        }
        for dictionary in platform.dictionaries.iter() {
            let schema = &schemas[&format!("dict.{}", dictionary.name)];
            let labels = schema["x-enum-descriptions"].as_array().unwrap();
            let first = &dictionary.tables[0].codes[0];
            assert!(labels.contains(&Value::from(&*first.label)), "{}: {schema}", dictionary.name);
            assert_eq!(schema.get("enum").is_some(), !dictionary.open, "{}", dictionary.name);
        }
    }
}

#[test]
fn shaanxi_routes_by_service_and_its_examples_are_sealed() {
    let shaanxi = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
    let document = hisgate_tools::openapi::document(shaanxi);
    let post = &document["paths"]["/wd/spi"]["post"];
    let body = &post["requestBody"]["content"]["application/json"];
    assert_eq!(body["schema"]["discriminator"]["propertyName"], "service");
    // The TestNet request of the sample payload is the document's GET example, sealed: `{"ip":"127.0.0.1"}`.
    let test_net = &body["examples"]["TestNet"]["value"];
    assert_eq!(test_net["requestEncrypted"], "WXzV3/6APXYdqsoZlVuANTSxfNRbE6H1PB17Bw4MTA4=");
    assert_eq!(test_net["service"], "TestNet");
    // Typed fields: an int with a dictionary is an integer enum, labelled.
    let pay_mode = &document["components"]["schemas"]["Pay.request"]["properties"]["payMode"];
    assert_eq!(pay_mode["type"], "integer");
    assert_eq!(pay_mode["x-enum-descriptions"][0], "现金");
    // GET carries the envelope in the query.
    let get = &document["paths"]["/wd/spi/TestNet"]["get"];
    assert!(
        get["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "requestEncrypted" && p["in"] == "query")
    );
}

#[test]
fn an_independent_validator_accepts_every_document() {
    let Some(python) = tools::python_with("openapi_spec_validator") else {
        return tools::skipped("openapi-spec-validator not installed");
    };
    let dir = tools::output_dir("openapi");
    for platform in hisgate_generated::PLATFORMS {
        let path = dir.join(format!("{}.openapi.json", platform.name));
        let document = hisgate_tools::openapi::document(platform);
        std::fs::write(&path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
        let output = Command::new(&python).args(["-m", "openapi_spec_validator"]).arg(&path).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success() && said.contains("OK"), "{}: {said}", path.display());
    }
}
