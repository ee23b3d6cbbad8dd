//! The envelope step (build: encrypt and sign into the wire envelope; parse: verify and decrypt out of it) of
//! each platform's largest example, beside the raw digest and cipher work over the same bytes, in the same run.
//! `cargo bench -p hisgate-tests --bench envelope`; the README quotes the ratios.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Format};
use hisgate_runtime::schema::{Direction, EnvelopeRole, PlatformSchema};
use hisgate_runtime::secret::Inputs;
use std::hint::black_box;
use std::path::Path;

struct Case {
    name: &'static str,
    platform: &'static PlatformSchema,
    direction: Direction,
    format: Format,
    /// Relative to tests/: a fixture, or a worked example in specs/<platform>/examples.
    payload: &'static str,
}

fn cases() -> Vec<Case> {
    use hisgate_generated::{glorycard, onepay, shaanxi, yizhangtong};
    vec![
        Case {
            name: "shaanxi QueryRegister 10 orders",
            platform: &shaanxi::PLATFORM,
            direction: Direction::Response,
            format: Format::Xml,
            payload: "fixtures/bench/QueryRegister.response.10-orders.xml",
        },
        Case {
            name: "shaanxi GetPatientInfo (document)",
            platform: &shaanxi::PLATFORM,
            direction: Direction::Response,
            format: Format::Xml,
            payload: "../specs/shaanxi/examples/GetPatientInfo.response.xml",
        },
        Case {
            name: "onepay medical detail (document)",
            platform: &onepay::PLATFORM,
            direction: Direction::Request,
            format: Format::Json,
            payload: "../specs/onepay/examples/mmp.upload.medical.detail.request.param.json",
        },
        Case {
            name: "glorycard signature example (document)",
            platform: &glorycard::PLATFORM,
            direction: Direction::Request,
            format: Format::Json,
            payload: "../specs/glorycard/examples/sign-example.body.json",
        },
        Case {
            name: "yizhangtong card list, 8 cards",
            platform: &yizhangtong::PLATFORM,
            direction: Direction::Response,
            format: Format::Json,
            payload: "fixtures/bench/op_query_card_list.response.json",
        },
    ]
}

fn inputs(platform: &PlatformSchema) -> Inputs {
    let protocol = platform.protocol.as_ref().unwrap();
    let mut inputs =
        Inputs::new().with("service", "Bench").with("timestamp", "20240101120000").with("encryptType", "AES");
    for c in protocol.credentials.iter() {
        inputs.set(c.name.to_string(), c.example.as_deref().unwrap_or("bench"), c.secret);
    }
    for role in [EnvelopeRole::Code, EnvelopeRole::Message] {
        if let Some(f) = protocol.response.field_with_role(role) {
            inputs.set(f.name.to_string(), "SUCCESS", false);
        }
    }
    inputs
}

fn envelope(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for case in cases() {
        let text = std::fs::read_to_string(root.join(case.payload)).unwrap_or_else(|e| panic!("{}: {e}", case.payload));
        let protocol = case.platform.protocol.as_ref().unwrap();
        let envelope = Envelope::new(protocol, case.direction);
        let inputs = inputs(case.platform);
        let limits = Limits::default();
        let sealed = envelope.seal_text(&text, case.format, &inputs).unwrap();
        let raw = envelope.raw_crypto(&sealed, &text, case.format, &inputs).unwrap();
        let mut group = c.benchmark_group(case.name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("build", "envelope"), |b| {
            b.iter(|| envelope.seal_text(black_box(&text), case.format, &inputs).unwrap())
        });
        group.bench_function(BenchmarkId::new("build", "raw crypto"), |b| b.iter(|| raw.build().unwrap()));
        group.bench_function(BenchmarkId::new("parse", "envelope"), |b| {
            b.iter(|| {
                envelope.open_text(black_box(&sealed.body), &sealed.headers, case.format, &inputs, limits).unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("parse", "raw crypto"), |b| b.iter(|| raw.parse().unwrap()));
        group.finish();
    }
}

criterion_group!(benches, envelope);
criterion_main!(benches);
