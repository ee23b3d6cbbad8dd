//! `examples/worked.yaml` lowered into the IR: the four platforms' examples with their payload files, and the
//! manifest that specs/README.md documents, which must load as one (its errors are pinned in `tests/ui`).

use hisgate_schema::{Direction, WireFormat};
use std::fs;
use std::path::{Path, PathBuf};

fn specs(platform: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs").join(platform)
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() { copy(&path, &target) } else { fs::copy(&path, &target).map(drop).unwrap() }
    }
}

#[test]
fn the_shipped_examples_lower_with_their_payloads() {
    let shaanxi = hisgate_codegen::load_platform(&specs("shaanxi"), "specs/shaanxi").unwrap();
    let first = &shaanxi.examples[0];
    assert_eq!(first.interface.as_deref(), Some("TestNet"));
    assert_eq!((first.direction, first.format), (Direction::Request, WireFormat::Xml));
    // The payload is the file's text, its final newline (if any) left out.
    assert_eq!(&*first.payload, "<request><ip><![CDATA[127.0.0.1]]></ip></request>");
    let sign = first.sign.as_ref().unwrap();
    assert_eq!(&*sign.value, "389F6997DA8530F147D4AD7AF41C5C30");
    assert_eq!(sign.origin.to_string(), "specs/shaanxi/examples/worked.yaml:13:11");
    let truncated = shaanxi.examples.iter().find(|e| e.erratum.is_some()).unwrap();
    assert_eq!(truncated.erratum.as_deref(), Some("response-sign-truncated"));
    assert_eq!(truncated.input("resultMessage"), Some("成功"));
    // The JSON response's plaintext keeps the document's CRLF and spacing byte for byte.
    assert!(shaanxi.examples.iter().any(|e| e.payload.contains("\r\n  \"systemTime\"")));
    let counts: Vec<usize> = ["glorycard", "onepay", "shaanxi", "yizhangtong"]
        .iter()
        .map(|p| hisgate_codegen::load_platform(&specs(p), &format!("specs/{p}")).unwrap().examples.len())
        .collect();
    assert_eq!(counts, [1, 4, 5, 0]);
}

/// specs/README.md documents the manifest with an example naming every key: given to shaanxi, it loads as one.
#[test]
fn the_documented_manifest_is_a_manifest() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/README.md")).unwrap();
    let section = readme.split_once("\n## Worked examples\n").expect("specs/README.md has the section").1;
    let block = section.split_once("```yaml\n").and_then(|(_, b)| b.split_once("```")).expect("a YAML block").0;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("shaanxi");
    copy(&specs("shaanxi"), &dir);
    fs::write(dir.join("examples/worked.yaml"), block).unwrap();
    let platform = hisgate_codegen::load_platform(&dir, "specs/shaanxi").unwrap_or_else(|d| panic!("{d}"));
    let [example] = &*platform.examples else { panic!("one example: {:#?}", platform.examples) };
    assert!(example.interface.is_some() && !example.inputs.is_empty() && !example.note.is_empty());
    assert!(example.sign.is_some() && example.ciphertext.is_some() && example.erratum.is_some());
}
