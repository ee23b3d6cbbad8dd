//! The spec-driven counterpart on every compiled-in platform and side (none listed by hand): each interface the
//! side provides, called over every binding by the runtime's client on 127.0.0.1, answers the success code with a
//! response that satisfies the spec. And `serve --spec`'s guard: a spec folder equal to the compiled-in one (read
//! from any path) has the same schema digest, and one edited is refused with a way out.

use hisgate_runtime::client::{Client, ClientConfig};
use hisgate_runtime::sample;
use hisgate_runtime::schema::{PlatformSchema, Side, Str};
use hisgate_runtime::spec_digest::digest;
use hisgate_runtime::validate::check;
use hisgate_simulator::{Options, generic, same_as_compiled};
use hisgate_tests::databases;
use hisgate_tests::loopback::{Loopback, bindings, credentials};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn every_side_of_every_compiled_in_platform_answers_from_its_spec() {
    let mut called = 0;
    for platform in hisgate_generated::PLATFORMS {
        for side in Side::ALL {
            let provided: Vec<_> = platform.interfaces.iter().filter(|i| i.provider == side).collect();
            if provided.is_empty() {
                continue;
            }
            let db = databases::sqlite(&format!("generic_{}_{side}", platform.name)).await;
            let options = Options::new(db.store.clone(), credentials(platform));
            let served = generic::start(platform.shared(), side, options).await.unwrap();
            let server = Loopback::start(served.router).await;
            for binding in bindings(platform) {
                let mut config = ClientConfig::new(credentials(platform));
                config.binding = Some(binding.clone());
                config.timeout = Duration::from_secs(10);
                let client = Client::new(platform.shared(), side, &server.url, config).unwrap();
                for interface in &provided {
                    let request = sample::payload(platform, interface.request);
                    let at = format!("{} {side} {} over {binding}", platform.name, interface.name);
                    let reply =
                        client.call_value(&interface.name, &request).await.unwrap_or_else(|e| panic!("{at}: {e}"));
                    assert!(reply.success, "{at}: {} {}", reply.code, reply.message);
                    assert!(reply.violations.is_empty(), "{at}: {}", reply.violations);
                    if let Some(mut response) = reply.response {
                        assert!(check(platform, interface.response, &mut response).is_empty(), "{at}");
                    }
                    called += 1;
                }
            }
            db.finish().await;
        }
    }
    assert!(called >= 40, "only {called} calls");
}

#[test]
fn a_spec_folder_has_the_digest_of_the_compiled_in_spec_wherever_it_is_read_from() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("specs");
    for compiled in hisgate_generated::PLATFORMS {
        let dir = specs.join(&*compiled.name);
        let loaded = hisgate_codegen::load_platform(&dir, &dir.to_string_lossy()).unwrap();
        assert_eq!(digest(&loaded), digest(compiled), "{}", compiled.name);
        assert_ne!(loaded.origin.file, compiled.origin.file, "read from another path than the build's");
        for side in Side::ALL {
            same_as_compiled(&loaded, side).unwrap();
        }
    }
}

#[test]
fn an_edited_spec_is_refused_for_the_hand_written_simulators() {
    let compiled: &PlatformSchema = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
    let mut edited = compiled.clone();
    let mut interfaces = edited.interfaces.to_vec();
    interfaces[0].title = Str::Borrowed("改过的标题");
    edited.interfaces = interfaces.into();
    let refused = same_as_compiled(&edited, Side::Hospital).unwrap_err();
    assert!(refused.contains("compiled from another spec") && refused.contains("--generic"), "{refused}");
    assert!(refused.contains("rebuild"), "{refused}");
}

#[tokio::test]
async fn a_side_with_nothing_to_serve_is_refused() {
    let onepay = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "onepay").unwrap();
    let db = databases::sqlite("generic_nothing").await;
    let options = Options::new(db.store.clone(), credentials(onepay));
    let refused = generic::start(Arc::new((*onepay).clone()), Side::Hospital, options).await.err().unwrap();
    assert!(refused.to_string().contains("no interface its hospital side provides"), "{refused}");
}

/// A spec folder `tiny` in `dir` with the one interface file given, loaded as `serve --spec` loads it.
fn tiny(dir: &Path, interface: &str) -> PlatformSchema {
    let root = dir.join("tiny");
    std::fs::create_dir_all(root.join("interfaces")).unwrap();
    let platform = "platform: tiny\ntitle: 小平台\ndocument: 测试\nreturn_codes:\n  - { code: \"0\", message: 成功, success: true }\n  - { code: \"9\", message: 系统错误 }\n";
    let protocol = "credentials:\n  - { name: key, title: 密钥, secret: true, example: K }\n\
                    request:\n  fields:\n    - { name: method, title: 接口, required: true, value: \"{service}\" }\n    - { name: sign, title: 签名, required: true, role: signature }\n\
                    response:\n  fields:\n    - { name: code, title: 码, required: true, role: code }\n    - { name: msg, title: 信息, role: message }\n    - { name: sign, title: 签名, role: signature }\n\
                    signature: { field: sign, covers: all, exclude: [sign], empty: drop, sort: bytes, pair: \"{name}={value}\", join: \"&\", nested: json, numbers: as-sent, suffix: \"&key={key}\", digest: [md5, hex-upper], compare: exact }\n\
                    bindings:\n  - { name: json, method: POST, format: json, path: /api }\n\
                    failures: { empty: \"9\", malformed: \"9\", unknown_service: \"9\", signature: \"9\", decrypt: \"9\", invalid: \"9\", stale: \"9\", unsupported: \"9\", internal: \"9\" }\n";
    std::fs::write(root.join("platform.yaml"), platform).unwrap();
    std::fs::write(root.join("protocol.yaml"), protocol).unwrap();
    std::fs::write(root.join("interfaces/Echo.yaml"), interface).unwrap();
    hisgate_codegen::load_platform(&root, "tiny").unwrap_or_else(|d| panic!("{d}"))
}

#[tokio::test]
async fn an_answer_that_breaks_the_response_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let platform = tiny(
        dir.path(),
        "interface: Echo\ntitle: 回声\nprovider: hospital\nrequest:\n  fields:\n    - { name: name, title: 名字, type: string(20), required: true }\n\
         response:\n  fields:\n    - { name: short, title: 短名, type: string(4), required: true }\n\
         answers:\n  - response: { short: \"{request.name}\" }\n",
    );
    let platform = Arc::new(platform);
    let db = databases::sqlite("generic_breaks").await;
    let options = Options::new(db.store.clone(), credentials(&platform));
    let served = generic::start(platform.clone(), Side::Hospital, options).await.unwrap();
    let server = Loopback::start(served.router).await;
    let client =
        Client::new(platform.clone(), Side::Hospital, &server.url, ClientConfig::new(credentials(&platform))).unwrap();
    let fits = client.call_value("Echo", &serde_json::json!({"name": "李四"})).await.unwrap();
    assert_eq!((fits.code.as_str(), fits.response), ("0", Some(serde_json::json!({"short": "李四"}))));
    let long = client.call_value("Echo", &serde_json::json!({"name": "欧阳一二三四"})).await.unwrap();
    assert_eq!(long.code, "9", "the platform's internal failure code, not a reply that breaks the spec");
    assert!(!long.message.contains("欧阳"), "the detail is logged, not sent: {}", long.message);
    db.finish().await;
}

#[tokio::test]
async fn seq_counts_in_the_store_across_restarts_and_instances() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Arc::new(tiny(
        dir.path(),
        "interface: Echo\ntitle: 回声\nprovider: hospital\nrequest:\n  fields:\n    - { name: name, title: 名字, type: string(20), required: true }\n\
         response:\n  fields:\n    - { name: short, title: 编号, type: string(4), required: true }\n\
         answers:\n  - response: { short: \"N{seq|3}\" }\n",
    ));
    for db in databases::each("generic_seq").await {
        let mut numbers = Vec::new();
        // Two instances on one store; the first restarted in between.
        for store in [db.store.clone(), db.reopen().await.unwrap(), db.reopen().await.unwrap()] {
            let options = Options::new(store, credentials(&platform));
            let served = generic::start(platform.clone(), Side::Hospital, options).await.unwrap();
            let server = Loopback::start(served.router).await;
            let config = ClientConfig::new(credentials(&platform));
            let client = Client::new(platform.clone(), Side::Hospital, &server.url, config).unwrap();
            for _ in 0..2 {
                let reply = client.call_value("Echo", &serde_json::json!({"name": "王五"})).await.unwrap();
                numbers.push(reply.response.unwrap()["short"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(numbers, ["N001", "N002", "N003", "N004", "N005", "N006"], "on {}", db.name);
        db.finish().await;
    }
}
