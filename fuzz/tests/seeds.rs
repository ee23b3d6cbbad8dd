//! The seed corpus is what the fuzzer needs it to be: every generated request gets through verification,
//! decryption and typed parsing to the handler, the documents' requests are answered, and the checked-in files
//! are the ones the generator writes today.

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

#[test]
fn every_documented_seed_is_answered() {
    for (target, harness) in platforms::all() {
        for (name, bytes) in seeds::documented(target) {
            assert!(harness.run(&bytes).is_some(), "{target}/{name} is no input for the harness");
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
