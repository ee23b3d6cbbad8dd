//! Writes the seed corpus of every fuzz target to `fuzz/corpus/<target>/`, replacing what is there:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus`. Run it after a spec change; the test
//! `corpus_is_up_to_date` says when.

use hisgate_fuzz::{platforms, seeds};
use std::path::Path;

fn main() -> std::io::Result<()> {
    for (target, harness) in platforms::all() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let corpus = [seeds::generated(&harness), seeds::documented(target)].concat();
        for (name, bytes) in &corpus {
            std::fs::write(dir.join(name), bytes)?;
        }
        println!("{target}: {} seeds in {}", corpus.len(), dir.display());
    }
    Ok(())
}
