//! What a clean spec lowers to, where the rule is more than "this is an error" (errors are pinned in `tests/ui`).

use std::fs;
use std::path::Path;

const PLATFORM: &str = "platform: bad\ntitle: 坏平台\ndocument: 测试\n";

#[test]
fn without_a_charset_code_a_foreign_charset_is_answered_as_malformed() {
    let mini = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("mini");
    fs::create_dir_all(dir.join("interfaces")).unwrap();
    for file in ["platform.yaml", "dictionaries.yaml", "interfaces/Register.yaml", "interfaces/Notify.yaml"] {
        fs::copy(mini.join(file), dir.join(file)).unwrap();
    }
    let protocol = fs::read_to_string(mini.join("protocol.yaml")).unwrap();
    assert!(protocol.contains("  charset: ILLEGAL_CHARSET\n"), "mini declares a charset code");
    fs::write(dir.join("protocol.yaml"), protocol.replace("  charset: ILLEGAL_CHARSET\n", "")).unwrap();
    let loaded = hisgate_codegen::load_platform(&dir, "specs/mini").unwrap_or_else(|d| panic!("{d}"));
    let failures = &loaded.protocol.as_ref().unwrap().failures;
    assert_eq!(&*failures.charset, &*failures.malformed);
}

#[test]
fn a_platform_length_unit_reaches_every_limited_text_field() {
    let platform = format!("{PLATFORM}length: gbk-bytes\n");
    let x = "interface: X\ntitle: 测试\nprovider: hospital\nrequest:\n  fields:\n    - { name: a, title: 甲, type: char(50) }\n    - { name: b, title: 乙, type: string(4), length: characters }\n    - { name: c, title: 丙, type: string }\nresponse: none\n";
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bad");
    fs::create_dir_all(dir.join("interfaces")).unwrap();
    fs::write(dir.join("platform.yaml"), platform).unwrap();
    fs::write(dir.join("interfaces/X.yaml"), x).unwrap();
    let loaded = hisgate_codegen::load_platform(&dir, "specs/bad").unwrap();
    let request = loaded.message(loaded.interface("X").unwrap().request);
    let units: Vec<_> = request.fields.iter().map(|f| f.length_unit.map(|u| u.as_str())).collect();
    assert_eq!(units, [Some("gbk-bytes"), Some("characters"), None]);
    // 25 Chinese characters are 50 bytes of GBK (75 of UTF-8): they fit char(50) counted in GBK, 26 do not.
    let mut fits = serde_json::json!({ "a": "汉".repeat(25) });
    let id = loaded.interface("X").unwrap().request;
    assert!(hisgate_schema::validate::check(&loaded, id, &mut fits).is_empty());
    let mut over = serde_json::json!({ "a": "汉".repeat(26) });
    let violations = hisgate_schema::validate::check(&loaded, id, &mut over).to_string();
    assert!(violations.ends_with("is 52 bytes of GBK, more than char(50) in gbk-bytes allows"), "{violations}");
}

#[test]
fn an_sm2_step_lowers_its_encoding_and_user_id() {
    use hisgate_schema::{DigestStep, SignAlgorithm, SignatureEncoding};
    let mini = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let protocol = fs::read_to_string(mini.join("protocol.yaml")).unwrap();
    let digest = protocol.lines().find(|l| l.trim_start().starts_with("digest:")).unwrap().to_owned();
    for (option, encoding) in
        [("", SignatureEncoding::Der), ("raw", SignatureEncoding::Raw), ("either", SignatureEncoding::Either)]
    {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("mini");
        fs::create_dir_all(dir.join("interfaces")).unwrap();
        for file in ["platform.yaml", "dictionaries.yaml", "interfaces/Register.yaml", "interfaces/Notify.yaml"] {
            fs::copy(mini.join(file), dir.join(file)).unwrap();
        }
        let step = format!("  digest: [\"sm2-sm3 {{key}} {{key}} {option} id=ALICE123@YAHOO.COM\", base64]");
        fs::write(dir.join("protocol.yaml"), protocol.replace(&digest, &step)).unwrap();
        let loaded = hisgate_codegen::load_platform(&dir, "specs/mini").unwrap_or_else(|d| panic!("{d}"));
        let chain = &loaded.protocol.as_ref().unwrap().signature.digest;
        let DigestStep::Sign { algorithm: SignAlgorithm::Sm2Sm3 { user_id, encoding: lowered }, .. } = &chain[0] else {
            panic!("{chain:?}")
        };
        assert_eq!((&**user_id, *lowered), ("ALICE123@YAHOO.COM", encoding), "`{option}`");
    }
}
