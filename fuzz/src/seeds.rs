//! The seed corpus, written to `fuzz/corpus/<target>/` by `cargo run --example seed_corpus`: valid sealed
//! requests, so that the fuzzer starts past the signature, and the seed documents' own requests as printed.

use crate::input::{Raw, Seal};
use crate::{seal, Harness};
use hisgate_runtime::envelope::Payload;
use hisgate_runtime::schema::HttpMethod;
use hisgate_runtime::transport::{Binding, HttpRequest};
use std::path::Path;

/// A corpus file: its name and its bytes.
pub type Seed = (String, Vec<u8>);

/// For each side, every interface over the first binding and the first interface over every other binding, each
/// as the request a client sends (`raw`) and as the payload for the harness to seal (`seal`).
pub fn generated(harness: &Harness) -> Vec<Seed> {
    let platform = harness.platform();
    let protocol = platform.protocol.as_ref().expect("a platform with a protocol");
    let mut seeds = Vec::new();
    for side in harness.sides() {
        let provided = platform.interfaces.iter().filter(|i| i.provider == side);
        for (index, schema) in protocol.bindings.iter().enumerate() {
            let binding = Binding::new(protocol, schema);
            for interface in provided.clone().take(if index == 0 { usize::MAX } else { 1 }) {
                let value = hisgate_runtime::sample::payload(platform, interface.request);
                let payload = Payload { value: &value, schema: Some((platform, interface.request)), root: None };
                let text = payload.text(binding.format()).expect("a sample payload writes");
                let sealed = seal::seal(platform, binding, interface, &text).expect("a sample payload seals");
                let http = binding.request(side, interface, &sealed).expect("a sealed request travels");
                let name = format!("{side}-{}-{}", schema.name, interface.name);
                seeds.push((format!("raw-{name}"), raw(side, &http)));
                let seal = Seal { side, binding: &schema.name, interface: &interface.name, payload: &text };
                seeds.push((format!("seal-{name}"), seal.write()));
            }
        }
    }
    seeds
}

fn raw(side: hisgate_runtime::schema::Side, http: &HttpRequest) -> Vec<u8> {
    let query = seal::query_string(http);
    let headers = http.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Raw { side, method: http.method, path: &http.path, query: query.as_deref(), headers, body: http.body.as_bytes() }.write()
}

/// The seed documents' requests, from `specs/<platform>/examples/`: mostly signed with other credentials than the
/// spec's examples, they show the fuzzer the envelope as counterparts print it.
pub fn documented(target: &str) -> Vec<Seed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let read = |file: &str| std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let text = |file: &str| String::from_utf8(read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let post = |name: &str, side, path, headers: Vec<(&str, &str)>, body: &[u8]| {
        let raw = Raw { side, method: HttpMethod::Post, path, query: None, headers, body };
        (format!("doc-{name}"), raw.write())
    };
    use hisgate_runtime::schema::Side::{Hospital, Platform};
    let xml = vec![("content-type", "text/xml; charset=utf-8")];
    let json = vec![("content-type", "application/json; charset=utf-8")];
    match target {
        "shaanxi" => {
            // `http://ip:port/wd/spi/testnet?partner=…`: the GET example, its address cut to path and query.
            let url = text("shaanxi/examples/envelope/get-example.url.txt");
            let target = url.trim().trim_start_matches("http://ip:port");
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let get = Raw { side: Hospital, method: HttpMethod::Get, path, query: Some(query), headers: vec![], body: b"" };
            vec![
                post("testnet-xml", Hospital, "/wd/spi", xml.clone(), &read("shaanxi/examples/envelope/testnet.request.xml")),
                post("testnet-json", Hospital, "/wd/spi", json.clone(), &read("shaanxi/examples/envelope/testnet.request.json")),
                post("unencrypted-xml", Hospital, "/wd/spi", xml, &read("shaanxi/examples/envelope/testnet.unencrypted-request.xml")),
                post("unencrypted-json", Hospital, "/wd/spi", json, &read("shaanxi/examples/envelope/testnet.unencrypted-request.json")),
                ("doc-get-example".to_owned(), get.write()),
            ]
        }
        "glorycard" => {
            // `sid:4725…` lines: the headers the document prints beside the body.
            let printed = text("glorycard/examples/storeAll.request.headers.txt");
            let mut headers: Vec<(&str, &str)> = printed.lines().filter_map(|l| l.split_once(':')).collect();
            headers.extend(json);
            vec![post("store-all", Platform, "/glorycard/store/all", headers, &read("glorycard/examples/storeAll.request.json"))]
        }
        "onepay" => {
            let path = "/onepay-web/oneweb/oneapi";
            vec![
                post("charge", Platform, path, json.clone(), &read("onepay/examples/charge.request.json")),
                post("medical-detail", Platform, path, json, &read("onepay/examples/medical-detail.request.json")),
            ]
        }
        _ => Vec::new(),
    }
}
