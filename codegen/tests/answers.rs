//! `answers:` (the generic counterpart's rules) checked against their interface: each error at its exact
//! `file:line:column`, with the offending value and what was expected.

use std::fs;

const PLATFORM: &str = "platform: bad\ntitle: 坏平台\ndocument: 测试\n";

/// Writes `files` (path → content) as platform `bad` and returns its diagnostics, one line each.
fn errors(files: &[(&str, &str)]) -> Vec<String> {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bad");
    fs::create_dir_all(dir.join("interfaces")).unwrap();
    for (path, content) in files {
        fs::write(dir.join(path), content).unwrap();
    }
    match hisgate_codegen::load_platform(&dir, "specs/bad") {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.sorted().iter().map(ToString::to_string).collect(),
    }
}
/// Platform `bad` with a success code, and interface `X` whose `answers:` are `answers` (YAML lines, indented by 2).
fn answers(answers: &str) -> Vec<String> {
    let platform = format!("{PLATFORM}return_codes:\n  - {{ code: \"0\", message: 成功, success: true }}\n");
    let x = format!(
        "interface: X\ntitle: 测试\nprovider: hospital\nrequest:\n  fields:\n\
         \x20   - {{ name: cardNo, title: 卡号, type: string(20), required: true }}\n\
         \x20   - {{ name: patient, title: 患者, type: object, fields: [{{ name: id, title: 号, type: string }}] }}\n\
         response:\n  fields:\n\
         \x20   - {{ name: name, title: 姓名, type: string(8), required: true }}\n\
         \x20   - {{ name: items, title: 明细, type: list, fields: [{{ name: fee, title: 费用, type: \"decimal(10,2)\" }}] }}\n\
         return_codes:\n  - {{ code: \"404\", message: 卡号不存在 }}\nanswers:\n{answers}"
    );
    errors(&[("platform.yaml", &platform), ("interfaces/X.yaml", &x)])
}

#[test]
fn answers_are_checked_against_the_interface() {
    // Line 15 is the first line of `answers`.
    let good = "  - when: { cardNo: [\"1\", \"2\"], patient.id: P1 }\n    response:\n      name: 张{request.patient.id}\n      \
                items: [{ fee: \"1.50\" }]\n  - { code: \"404\", message: 请先办卡 }\n";
    assert_eq!(answers(good), Vec::<String>::new());
    assert_eq!(
        answers("  - when: { cardNo: \"1\", patient: x }\n"),
        ["specs/bad/interfaces/X.yaml:15:26: error: `when` names no scalar field of `X`'s request: `patient` is an \
          object: a key names a scalar field"]
    );
    assert_eq!(
        answers("  - { code: \"500\" }\n"),
        ["specs/bad/interfaces/X.yaml:15:13: error: code `500` is declared neither by `X` nor by the platform \
          (declared: 404, 0)"]
    );
    assert_eq!(
        answers("  - { code: \"404\", response: { name: 张三 } }\n"),
        ["specs/bad/interfaces/X.yaml:15:30: error: a failure is answered without a payload: drop `response`, or \
          give a success `code`"]
    );
    assert_eq!(
        answers("  - { message: 好 }\n"),
        ["specs/bad/interfaces/X.yaml:15:16: error: `message` goes with a failure `code`: a success answers the \
          spec's own (`成功`)"]
    );
}

#[test]
fn answer_templates_name_fields_placeholders_and_valid_values() {
    let one = |response: &str| {
        let errors = answers(&format!("  - response:\n{response}"));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        errors.into_iter().next().unwrap()
    };
    assert_eq!(
        one("      nmae: 张三\n"),
        "specs/bad/interfaces/X.yaml:16:7: error: `nmae` is no field of `X.response` (fields: name, items)"
    );
    assert_eq!(
        one("      name: \"{request.card}\"\n"),
        "specs/bad/interfaces/X.yaml:16:13: error: `{request.card}` names no scalar field of `X`'s request: `card` is \
         not a field of `X.request` (its fields: cardNo, patient)"
    );
    assert!(one("      name: \"{cardNo}\"\n").contains("`{cardNo}` is not a placeholder (expected request.FIELD"));
    assert!(
        one("      name: \"{now|%Q}\"\n").starts_with("specs/bad/interfaces/X.yaml:16:13: error: `%Q` is not a time")
    );
    assert_eq!(
        one("      items: { fee: \"1\" }\n"),
        "specs/bad/interfaces/X.yaml:16:14: error: `items` is a list: give its items as a list"
    );
    assert_eq!(
        one("      items: [{ fee: \"1.505\" }]\n"),
        "specs/bad/interfaces/X.yaml:16:22: error: the answer's `fee` breaks its own rule: fee: precision: \"1.505\" \
         has 1 integer and 3 fraction digits, more than decimal(10,2) \
         allows"
    );
    assert!(one("      name: 一二三四五六七八九\n").contains("the answer's `name` breaks its own rule: name: length"));
}
