//! `hisgate export wsdl`: the shaanxi SOAP service's WSDL (the document its server answers `?wsdl` with), parsed
//! by independent tools: xmllint (libxml2) for well-formedness, and Python's xmlschema, which validates it
//! against the WSDL 1.1 schema and its SOAP 1.1/1.2 binding schemas. Both are installed by
//! scripts/install-test-deps.

#[path = "support/tools.rs"]
mod tools;

use hisgate_runtime::schema::Side;
use std::process::Command;

const VALIDATE: &str = r#"
import os, re, sys, xmlschema, xml.etree.ElementTree as ET
from xmlschema.extras.wsdl import Wsdl11Document
base = os.path.join(os.path.dirname(xmlschema.__file__), "schemas", "WSDL")
text = open(sys.argv[1], encoding="utf-8").read()
# The whole document against the WSDL 1.1 schema.
xmlschema.XMLSchema(os.path.join(base, "wsdl.xsd")).validate(text)
# Each SOAP 1.1 binding element against the WSDL SOAP binding schema.
soap = xmlschema.XMLSchema(os.path.join(base, "wsdl-soap.xsd"))
S11 = "{http://schemas.xmlsoap.org/wsdl/soap/}"
checked = 0
for element in ET.fromstring(text).iter():
    if element.tag.startswith(S11):
        soap.validate(element)
        checked += 1
# Wsdl11Document resolves every reference (messages, port type, bindings, ports) but reads SOAP 1.1 bindings only:
# it reads the document without the SOAP 1.2 binding and port, which mirror the SOAP 1.1 ones.
soap11_only = re.sub(r"<wsdl:binding [^>]*><soap12:binding.*?</wsdl:binding>", "", text, flags=re.S)
soap11_only = re.sub(r"<wsdl:port [^>]*><soap12:address[^>]*/></wsdl:port>", "", soap11_only)
document = Wsdl11Document(soap11_only, validation="strict")
operations = sum(len(p.operations) for p in document.port_types.values())
print("SOAP 1.1 elements:", checked, "operations:", operations, "bindings:", len(document.bindings))
print("OK")
"#;

fn wsdl(side: Side) -> String {
    let shaanxi = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
    hisgate_runtime::transport::soap::wsdl(shaanxi, side, "http://127.0.0.1:8080").expect("shaanxi has a SOAP binding")
}

#[test]
fn the_wsdl_names_every_operation_of_its_side() {
    let shaanxi = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
    for side in Side::ALL {
        let text = wsdl(side);
        // Operations are named by service; a service both sides serve (`GetStatement`) is in both.
        for interface in shaanxi.interfaces.iter() {
            let operation = format!("<wsdl:operation name=\"{}\">", interface.service);
            let served = shaanxi.interfaces.iter().any(|i| i.provider == side && i.service == interface.service);
            assert_eq!(text.contains(&operation), served, "{side} {}", interface.name);
        }
        assert!(text.contains("location=\"http://127.0.0.1:8080/ApiService.asmx\""));
    }
}

/// The WSDL 1.1 schema as xmlschema ships it, for xmllint.
fn wsdl_xsd() -> Option<std::path::PathBuf> {
    let python = tools::python_with("xmlschema")?;
    let script =
        "import os, xmlschema; print(os.path.join(os.path.dirname(xmlschema.__file__), 'schemas', 'WSDL', 'wsdl.xsd'))";
    let output = Command::new(python).args(["-c", script]).output().ok()?;
    let path = std::path::PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    path.is_file().then_some(path)
}

#[test]
fn xmllint_parses_it_and_validates_it_against_the_wsdl_1_1_schema() {
    let Some(xmllint) = tools::program("xmllint") else { return tools::skipped("xmllint not installed") };
    let schema = wsdl_xsd();
    if schema.is_none() {
        tools::skipped("xmlschema (which ships the WSDL 1.1 schema) not installed; xmllint only parses");
    }
    let dir = tools::output_dir("wsdl-xmllint");
    for side in Side::ALL {
        let path = dir.join(format!("shaanxi-{side}.wsdl"));
        std::fs::write(&path, wsdl(side)).unwrap();
        let mut command = Command::new(&xmllint);
        command.arg("--noout");
        if let Some(schema) = &schema {
            command.arg("--schema").arg(schema);
        }
        let output = command.arg(&path).output().unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{said}");
        assert!(schema.is_none() || said.contains("validates"), "{said}");
    }
}

#[test]
fn the_wsdl_1_1_schema_validates_it() {
    let Some(python) = tools::python_with("xmlschema") else { return tools::skipped("xmlschema not installed") };
    let dir = tools::output_dir("wsdl-schema");
    for side in Side::ALL {
        let path = dir.join(format!("shaanxi-{side}.wsdl"));
        std::fs::write(&path, wsdl(side)).unwrap();
        let output = Command::new(&python).args(["-c", VALIDATE]).arg(&path).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success() && said.contains("OK"), "{side}: {said}");
    }
}
