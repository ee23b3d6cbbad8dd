//! A typed reply to its payload text, the handler's side of a server's reply: through a `serde_json::Value` tree
//! (`Message::to_value`, then `xml::write`, as a server wrote every reply before `server::Reply`), straight from
//! the typed value by its `Serialize` impl (`xml::write_typed`, what a server with a profile merged in uses) and by
//! its generated field list (`xml::write_fields`, what `Message::to_xml` and a server's XML replies use), for the
//! load's ten-order QueryRegister reply. `cargo bench -p hisgate-tests --bench payload`; the README quotes the
//! ratios.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hisgate_generated::shaanxi::interfaces::query_register::Response;
use hisgate_runtime::Message;
use hisgate_runtime::codec::xml::{self, WriteOptions};
use std::hint::black_box;

fn payload(c: &mut Criterion) {
    let text = hisgate_tests::load::reply_payload("QueryRegister").unwrap();
    let reply = Response::from_xml(&text).unwrap();
    let (platform, id) = Response::schema();
    let root = &platform.message(id).xml_name;
    let through_tree = || {
        let value = black_box(&reply).to_value().unwrap();
        xml::write(root, &value, Some((platform, id)), WriteOptions::default()).unwrap()
    };
    let by_serde = || xml::write_typed(root, black_box(&reply), Some((platform, id)), WriteOptions::default()).unwrap();
    assert_eq!(through_tree(), by_serde(), "the tree and serde write the same bytes");
    assert_eq!(through_tree(), reply.to_xml().unwrap(), "the tree and the field list write the same bytes");
    let mut group = c.benchmark_group("shaanxi QueryRegister 10 orders, reply payload");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("through the value tree", |b| b.iter(through_tree));
    group.bench_function("typed, by serde", |b| b.iter(by_serde));
    group.bench_function("typed, by the field list", |b| b.iter(|| black_box(&reply).to_xml().unwrap()));
    group.finish();
}

criterion_group!(benches, payload);
criterion_main!(benches);
