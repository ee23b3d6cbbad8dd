//! SOAP 1.1 and 1.2 as .NET web services (`ApiService.asmx`) write them: one document/literal operation per
//! service, whose string parameter `request` carries the XML envelope and whose `<service>Result` carries the
//! reply; and the WSDL that describes them, generated from the spec.

use super::TransportError;
use crate::codec::{Limits, xml};
use crate::schema::{InterfaceSchema, PlatformSchema, Side, SoapVersion};
use quick_xml::escape::escape;
use serde_json::Value;

pub const SERVICE_NAMESPACE: &str = "http://tempuri.org/";
const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

fn envelope(version: SoapVersion, inner: &str) -> String {
    let namespace = match version {
        SoapVersion::Soap11 => SOAP11,
        SoapVersion::Soap12 => SOAP12,
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{namespace}"><soap:Body>{inner}</soap:Body></soap:Envelope>"#
    )
}

/// The operation call carrying an XML envelope.
pub fn wrap_request(version: SoapVersion, operation: &str, envelope_xml: &str) -> String {
    let inner = format!(
        r#"<{operation} xmlns="{SERVICE_NAMESPACE}"><request>{}</request></{operation}>"#,
        escape(envelope_xml)
    );
    envelope(version, &inner)
}

/// The operation's response carrying an XML envelope.
pub fn wrap_reply(version: SoapVersion, operation: &str, envelope_xml: &str) -> String {
    let inner = format!(
        r#"<{operation}Response xmlns="{SERVICE_NAMESPACE}"><{operation}Result>{}</{operation}Result></{operation}Response>"#,
        escape(envelope_xml)
    );
    envelope(version, &inner)
}

/// The `SOAPAction` header of SOAP 1.1; SOAP 1.2 needs none.
pub fn action_header(version: SoapVersion, operation: &str) -> Option<(String, String)> {
    match version {
        SoapVersion::Soap11 => Some(("SOAPAction".into(), format!("\"{SERVICE_NAMESPACE}{operation}\""))),
        SoapVersion::Soap12 => None,
    }
}

/// A fault for a message that is not a usable SOAP call.
pub fn fault(version: SoapVersion, reason: &str) -> String {
    // The reason may quote what was received; a character XML 1.0 forbids goes out as `\u{0}` text.
    let reason = escape(crate::codec::escape(reason)).into_owned();
    let inner = match version {
        SoapVersion::Soap11 => {
            format!("<soap:Fault><faultcode>soap:Client</faultcode><faultstring>{reason}</faultstring></soap:Fault>")
        }
        SoapVersion::Soap12 => format!(
            r#"<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">{reason}</soap:Text></soap:Reason></soap:Fault>"#
        ),
    };
    envelope(version, &inner)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The entry whose local name is `name`, whatever its prefix.
fn child<'v>(value: &'v Value, name: &str) -> Option<(&'v String, &'v Value)> {
    value.as_object()?.iter().find(|(k, _)| local(k) == name)
}

/// The body's first element: the operation (request), its response (reply) or a fault.
fn body(message: &str, limits: Limits) -> Result<(String, Value), TransportError> {
    let doc = xml::parse(message, limits).map_err(|e| TransportError::Soap(e.to_string()))?;
    if local(&doc.root) != "Envelope" {
        return Err(TransportError::Soap(format!("the root is <{}>, not a SOAP Envelope", doc.root)));
    }
    let (_, body) = child(&doc.value, "Body").ok_or_else(|| TransportError::Soap("no SOAP Body".into()))?;
    let (name, content) = body
        .as_object()
        .and_then(|m| m.iter().next())
        .ok_or_else(|| TransportError::Soap("an empty SOAP Body".into()))?;
    if local(name) == "Fault" {
        // SOAP 1.1 says `<faultstring>`; SOAP 1.2 nests `<Reason><Text>`.
        fn first_text(value: &Value) -> Option<String> {
            match value {
                Value::String(s) => Some(s.clone()),
                Value::Object(map) => map.values().find_map(first_text),
                _ => None,
            }
        }
        let reason = ["faultstring", "Reason"].iter().find_map(|n| child(content, n)).and_then(|(_, v)| first_text(v));
        let reason = reason.unwrap_or_default();
        return Err(TransportError::Fault(reason));
    }
    Ok((local(name).to_owned(), content.clone()))
}

fn text_of(value: &Value, element: &str) -> Result<String, TransportError> {
    match child(value, element) {
        Some((_, Value::String(text))) => Ok(text.clone()),
        Some(_) => Err(TransportError::Soap(format!("<{element}> must carry the envelope as text"))),
        None => Err(TransportError::Soap(format!("no <{element}> in the operation"))),
    }
}

/// Server side: the operation's name and the envelope it carries.
pub fn unwrap_request(message: &str, limits: Limits) -> Result<(String, String), TransportError> {
    let (operation, content) = body(message, limits)?;
    let envelope = text_of(&content, "request")?;
    Ok((operation, envelope))
}

/// Client side: the envelope a response carries.
pub fn unwrap_reply(message: &str, limits: Limits) -> Result<String, TransportError> {
    let (name, content) = body(message, limits)?;
    let operation = name.strip_suffix("Response").unwrap_or(&name);
    text_of(&content, &format!("{operation}Result"))
}

/// The WSDL of one side's web service: its operations are the side's interfaces, its ports the protocol's SOAP
/// bindings at `base_url` plus the binding's path. `None` when the protocol has no SOAP binding.
pub fn wsdl(platform: &PlatformSchema, side: Side, base_url: &str) -> Option<String> {
    let protocol = platform.protocol.as_ref()?;
    let soap: Vec<_> = protocol.bindings.iter().filter(|b| b.soap.is_some()).collect();
    let first = soap.first()?;
    let path = first.path(side);
    let service = path.rsplit('/').next().unwrap_or("ApiService").trim_end_matches(".asmx");
    let service = if service.is_empty() { "ApiService" } else { service };
    let location = format!("{}{}", base_url.trim_end_matches('/'), path);
    let interfaces: Vec<&InterfaceSchema> = platform.interfaces.iter().filter(|i| i.provider == side).collect();
    let mut out = String::new();
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    out.push_str(&format!(
        r#"<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="{SERVICE_NAMESPACE}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="{SERVICE_NAMESPACE}">"#
    ));
    out.push_str(&format!(
        "<wsdl:documentation>{} — {} ({side} side). Each operation carries the XML envelope of the platform's protocol as the string `request`.</wsdl:documentation>",
        escape(&*platform.title),
        escape(&*platform.document)
    ));
    out.push_str(&format!(
        r#"<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="{SERVICE_NAMESPACE}">"#
    ));
    for i in &interfaces {
        let op = &i.service;
        out.push_str(&format!(
            r#"<s:element name="{op}"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="request" type="s:string"/></s:sequence></s:complexType></s:element>"#
        ));
        out.push_str(&format!(
            r#"<s:element name="{op}Response"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="{op}Result" type="s:string"/></s:sequence></s:complexType></s:element>"#
        ));
    }
    out.push_str("</s:schema></wsdl:types>");
    for i in &interfaces {
        let op = &i.service;
        out.push_str(&format!(
            r#"<wsdl:message name="{op}SoapIn"><wsdl:part name="parameters" element="tns:{op}"/></wsdl:message>"#
        ));
        out.push_str(&format!(r#"<wsdl:message name="{op}SoapOut"><wsdl:part name="parameters" element="tns:{op}Response"/></wsdl:message>"#));
    }
    out.push_str(&format!(r#"<wsdl:portType name="{service}Soap">"#));
    for i in &interfaces {
        let op = &i.service;
        out.push_str(&format!(
            r#"<wsdl:operation name="{op}"><wsdl:documentation>{}</wsdl:documentation><wsdl:input message="tns:{op}SoapIn"/><wsdl:output message="tns:{op}SoapOut"/></wsdl:operation>"#,
            escape(&*i.title)
        ));
    }
    out.push_str("</wsdl:portType>");
    for binding in &soap {
        let (prefix, suffix) = match binding.soap {
            Some(SoapVersion::Soap12) => ("soap12", "Soap12"),
            _ => ("soap", "Soap"),
        };
        out.push_str(&format!(
            r#"<wsdl:binding name="{service}{suffix}" type="tns:{service}Soap"><{prefix}:binding transport="http://schemas.xmlsoap.org/soap/http"/>"#
        ));
        for i in &interfaces {
            let op = &i.service;
            out.push_str(&format!(
                r#"<wsdl:operation name="{op}"><{prefix}:operation soapAction="{SERVICE_NAMESPACE}{op}" style="document"/><wsdl:input><{prefix}:body use="literal"/></wsdl:input><wsdl:output><{prefix}:body use="literal"/></wsdl:output></wsdl:operation>"#
            ));
        }
        out.push_str("</wsdl:binding>");
    }
    out.push_str(&format!(r#"<wsdl:service name="{service}">"#));
    for binding in &soap {
        let (prefix, suffix) = match binding.soap {
            Some(SoapVersion::Soap12) => ("soap12", "Soap12"),
            _ => ("soap", "Soap"),
        };
        out.push_str(&format!(
            r#"<wsdl:port name="{service}{suffix}" binding="tns:{service}{suffix}"><{prefix}:address location="{}"/></wsdl:port>"#,
            escape(location.as_str())
        ));
    }
    out.push_str("</wsdl:service></wsdl:definitions>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_unwraps_both_versions() {
        let envelope = r#"<?xml version="1.0" encoding="utf-8"?><root><service><![CDATA[TestNet]]></service></root>"#;
        for version in [SoapVersion::Soap11, SoapVersion::Soap12] {
            let request = wrap_request(version, "TestNet", envelope);
            assert_eq!(
                unwrap_request(&request, Limits::default()).unwrap(),
                ("TestNet".to_owned(), envelope.to_owned())
            );
            let reply = wrap_reply(version, "TestNet", envelope);
            assert_eq!(unwrap_reply(&reply, Limits::default()).unwrap(), envelope);
            assert!(
                matches!(unwrap_reply(&fault(version, "bad"), Limits::default()), Err(TransportError::Fault(r)) if r == "bad")
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_soap_call() {
        assert!(matches!(unwrap_request("<root/>", Limits::default()), Err(TransportError::Soap(_))));
        let no_request = r#"<s:Envelope xmlns:s="x"><s:Body><TestNet><other>1</other></TestNet></s:Body></s:Envelope>"#;
        assert!(matches!(unwrap_request(no_request, Limits::default()), Err(TransportError::Soap(_))));
    }

    #[test]
    fn a_fault_never_carries_a_character_xml_forbids() {
        let fault = fault(SoapVersion::Soap11, "bad <name\u{0}> & \u{1b}");
        assert!(fault.contains("bad &lt;name\\u{0}&gt; &amp; \\u{1b}"), "{fault}");
        assert!(crate::codec::first_forbidden(&fault).is_none());
    }
}
