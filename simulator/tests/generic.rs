//! The spec-driven counterpart on every compiled-in platform and side (none listed by hand): each interface the
//! side provides, called over every binding by the runtime's client on 127.0.0.1, answers the success code with a
//! response that satisfies the spec. And `serve --spec`'s guard: a spec folder equal to the compiled-in one (read
//! from any path) has the same schema digest, and one edited is refused with a way out.

use hisgate_runtime::client::{Client, ClientConfig};
use hisgate_runtime::sample;
use hisgate_runtime::schema::{PlatformSchema, Side, Str, digest};
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
