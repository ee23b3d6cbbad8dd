//! The seed corpus is what the fuzzer needs it to be: every generated request gets through verification,
//! decryption and typed parsing to the handler, each of the documents' requests gets the code it should, and the
//! checked-in files are the ones the generator writes today.

use hisgate_fuzz::reply::Outcome;
use hisgate_fuzz::{platforms, seeds};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn every_generated_seed_reaches_the_handler() {
    for (target, harness) in platforms::all() {
        for (name, bytes) in seeds::generated(&harness) {
            assert_eq!(harness.run(&bytes), Some(Outcome::Answered), "{target}/{name}");
        }
    }
}

/// The answer each seed document's request gets from the spec's example credentials, and why.
fn documented_answer(target: &str, name: &str) -> Outcome {
    let refused = |code: &str| Outcome::Refused(code.to_owned());
    match (target, name) {
        // Signed over `service=TestNet` while the envelope says `NetTest` (erratum testnet-nettest).
        ("shaanxi", "doc-testnet-xml" | "doc-testnet-json") => refused("ILLEGAL_SIGN"),
        // Section 1.3's unsigned example: no `signType`, the field whose own code this is.
        ("shaanxi", "doc-unencrypted-xml") => refused("ILLEGAL_SIGN_TYPE"),
        // Printed as `"request"[`: not JSON.
        ("shaanxi", "doc-unencrypted-json") => refused("ILLEGAL_REQUEST"),
        // The GET example has no `dataFormat` (erratum get-example-fields).
        ("shaanxi", "doc-get-example") => refused("ILLEGAL_REQUEST"),
        // Signed with the document's own key (glorycard's one failure code is `0`).
        ("glorycard", "doc-store-all") => refused("0"),
        // Signed with the document's own secret; the medical detail names another `appId` (one code, `999999`).
        ("onepay", "doc-charge" | "doc-medical-detail") => refused("999999"),
        _ => panic!("{target}/{name}: a documented seed without a recorded answer; add it here"),
    }
}

#[test]
fn every_documented_seed_gets_its_answer() {
    for (target, harness) in platforms::all() {
        for (name, bytes) in seeds::documented(target) {
            assert_eq!(harness.run(&bytes), Some(documented_answer(target, &name)), "{target}/{name}");
        }
    }
}

#[test]
fn corpus_is_up_to_date() {
    for (target, harness) in platforms::all() {
        let expected: BTreeMap<String, Vec<u8>> =
            [seeds::generated(&harness), seeds::documented(target)].concat().into_iter().collect();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
        let found: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                let path = entry.unwrap().path();
                (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap())
            })
            .collect();
        assert!(
            found == expected,
            "{} differs from the generated seeds: run `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus`",
            dir.display()
        );
    }
}
