//! One broken spec per class of error: each must be reported with its exact `file:line:column`, the offending
//! value and what was expected — and all of a spec's errors at once.

use std::fs;

const PLATFORM: &str = "platform: bad\ntitle: 坏平台\ndocument: 测试\n";

/// Writes `files` (path → content) as platform `bad` and returns its diagnostics, one line each.
fn errors(files: &[(&str, &str)]) -> Vec<String> {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bad");
    fs::create_dir_all(dir.join("interfaces")).unwrap();
    if !files.iter().any(|(path, _)| *path == "platform.yaml") {
        fs::write(dir.join("platform.yaml"), PLATFORM).unwrap();
    }
    for (path, content) in files {
        fs::write(dir.join(path), content).unwrap();
    }
    match hisgate_codegen::load_platform(&dir, "specs/bad") {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.sorted().iter().map(ToString::to_string).collect(),
    }
}

/// An interface file `X.yaml` whose request has `fields` (YAML lines, indented by 4).
fn interface(fields: &str) -> String {
    format!("interface: X\ntitle: 测试\nprovider: hospital\nrequest:\n  fields:\n{fields}response: none\n")
}

fn one(files: &[(&str, &str)]) -> String {
    let errors = errors(files);
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn yaml_syntax() {
    let e = one(&[("dictionaries.yaml", "dictionaries:\n  - name: [unclosed\n")]);
    assert!(e.starts_with("specs/bad/dictionaries.yaml:3:1: error: YAML: "), "{e}");
}

#[test]
fn unknown_key_names_the_allowed_ones() {
    let x = interface("    - { name: a, title: 甲, type: string, requried: true }\n");
    let e = one(&[("interfaces/X.yaml", &x)]);
    assert!(e.starts_with("specs/bad/interfaces/X.yaml:6:42: error: unknown key `requried` (expected one of: "), "{e}");
    assert!(e.contains("required, required_when"), "{e}");
}

#[test]
fn missing_key() {
    let e = one(&[("platform.yaml", "platform: bad\ndocument: 测试\n")]);
    assert_eq!(e, "specs/bad/platform.yaml:1:1: error: missing required key `title`");
}

#[test]
fn wrong_shape() {
    let e = one(&[("interfaces/X.yaml", "interface: X\ntitle: t\nprovider: hospital\nrequest: [a]\nresponse: none\n")]);
    assert_eq!(e, "specs/bad/interfaces/X.yaml:4:10: error: expected `request` (a mapping), found a list");
}

#[test]
fn names_must_match_folder_and_file() {
    let e = one(&[("platform.yaml", "platform: other\ntitle: t\ndocument: d\n")]);
    assert_eq!(e, "specs/bad/platform.yaml:1:11: error: platform `other` must equal its folder name `bad`");
    let e = one(&[("interfaces/Y.yaml", &interface("    - { name: a, title: 甲, type: string }\n"))]);
    assert_eq!(e, "specs/bad/interfaces/Y.yaml:1:12: error: interface `X` must equal its file name `Y.yaml`");
}

#[test]
fn unknown_type() {
    let e = one(&[("interfaces/X.yaml", &interface("    - { name: a, title: 甲, type: strng(32) }\n"))]);
    assert_eq!(
        e,
        "specs/bad/interfaces/X.yaml:6:34: error: unknown type `strng(32)` (expected one of: string, string(N), \
         char(N), int, long, decimal(P,S), object, list, map)"
    );
}

#[test]
fn bad_lengths() {
    let x = interface(
        "    - { name: a, title: 甲, type: string(0) }\n    - { name: b, title: 乙, type: \"decimal(2,4)\" }\n",
    );
    assert_eq!(
        errors(&[("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:6:34: error: bad length `0` in `string(0)` (expected a whole number above 0)",
            "specs/bad/interfaces/X.yaml:7:34: error: `decimal(2,4)` must have scale ≤ precision ≤ 28",
        ]
    );
}

#[test]
fn nesting_needs_fields_and_scalars_take_none() {
    let x = interface(
        "    - { name: a, title: 甲, type: list }\n    - name: b\n      title: 乙\n      type: int\n      fields:\n        - { name: c, title: 丙, type: int }\n",
    );
    assert_eq!(
        errors(&[("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:6:34: error: `a` is a list and needs `fields`",
            "specs/bad/interfaces/X.yaml:11:13: error: `fields` given to `b` of type int; only object and list have fields",
        ]
    );
}

const DICTS: &str = "dictionaries:\n  - name: sex\n    title: 性别\n    codes:\n      - { code: \"1\", label: 男 }\n  - name: status\n    title: 状态\n    tables:\n      - { name: outpatient, title: 门诊, codes: [{ code: \"01\", label: 正常 }] }\n";

#[test]
fn unknown_dictionary_and_table() {
    let x = interface(
        "    - { name: a, title: 甲, type: int, dict: sexx }\n    - { name: b, title: 乙, type: string, dict: status.inpatient }\n",
    );
    assert_eq!(
        errors(&[("dictionaries.yaml", DICTS), ("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:6:45: error: unknown dictionary `sexx` (declared: sex, status)",
            "specs/bad/interfaces/X.yaml:7:48: error: dictionary `status` has no table `inpatient` (tables: outpatient)",
        ]
    );
}

#[test]
fn dictionary_duplicates_and_parents() {
    let dicts = "dictionaries:\n  - name: sex\n    title: 性别\n    codes:\n      - { code: \"1\", label: 男, variant: Male }\n      - { code: \"1\", label: 女 }\n      - { code: \"2\", label: 女, variant: Male }\n      - { code: \"3\", label: 未知, parent: \"9\" }\n  - name: sex\n    title: 性别\n    codes: [{ code: \"1\", label: 男 }]\n";
    assert_eq!(
        errors(&[("dictionaries.yaml", dicts)]),
        [
            "specs/bad/dictionaries.yaml:6:17: error: duplicate code `1` in `sex`",
            "specs/bad/dictionaries.yaml:7:17: error: code `2` gets the variant `Male` that code `1` has in `sex`: give one a `variant`",
            "specs/bad/dictionaries.yaml:8:41: error: parent `9` of code `3` is not another code of `sex`",
            "specs/bad/dictionaries.yaml:9:11: error: duplicate dictionary `sex`",
        ]
    );
}

#[test]
fn duplicate_fields_aliases_and_rust_names() {
    let x = interface(
        "    - { name: a, title: 甲, type: int }\n    - { name: a, title: 甲, type: int }\n    - { name: cardStatus, title: 乙, type: int, aliases: [cardStatue] }\n    - { name: cardStatue, title: 丙, type: int }\n    - { name: orderID, title: 丁, type: int }\n    - { name: orderId, title: 戊, type: int }\n",
    );
    assert_eq!(
        errors(&[("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:7:9: error: duplicate field `a`",
            "specs/bad/interfaces/X.yaml:9:9: error: field `cardStatue` repeats `cardStatue`, already a name or alias of `cardStatus`",
            "specs/bad/interfaces/X.yaml:11:9: error: field `orderId` and `orderID` are both `order_id` in Rust",
        ]
    );
}

#[test]
fn required_when_must_name_a_sibling_and_its_codes() {
    let x = interface(
        "    - name: notifyType\n      title: 类型\n      type: int\n      codes: [{ code: \"1\", label: 取消 }]\n    - { name: reason, title: 原因, type: string, required_when: notifyType = 3 }\n    - { name: payFee, title: 金额, type: int, required_when: notify = 4 }\n    - { name: c, title: 丙, type: int, required: true, required_when: notifyType = 1 }\n    - { name: d, title: 丁, type: int, required_when: notifyType }\n",
    );
    assert_eq!(
        errors(&[("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:10:63: error: `required_when` value `3` is not a code of `notifyType` (codes: 1)",
            "specs/bad/interfaces/X.yaml:11:60: error: `required_when` names `notify`, which is not a sibling field (siblings: notifyType, reason, payFee, c, d)",
            "specs/bad/interfaces/X.yaml:12:70: error: `c` has both `required: true` and `required_when`",
            "specs/bad/interfaces/X.yaml:13:54: error: bad condition `notifyType` (expected `field = value` or `field in (a, b)`)",
        ]
    );
}

#[test]
fn require_one_of_names_fields() {
    let x = "interface: X\ntitle: t\nprovider: hospital\nrequest:\n  require_one_of: [[a, zz]]\n  fields:\n    - { name: a, title: 甲, type: int }\nresponse: none\n";
    assert_eq!(
        one(&[("interfaces/X.yaml", x)]),
        "specs/bad/interfaces/X.yaml:5:24: error: `require_one_of` names `zz`, which is not a field of this message"
    );
}

#[test]
fn formats_units_and_bounds_fit_their_types() {
    let x = interface(
        "    - { name: a, title: 甲, type: int, format: YYYY-MM-DD }\n    - { name: b, title: 乙, type: string, format: YYYY-MO-DD }\n    - { name: c, title: 丙, type: string, format: yyyy-mm-dd }\n    - { name: d, title: 丁, type: map, unit: fen, json: string }\n    - { name: e, title: 戊, type: int, min: 5, max: 1 }\n    - { name: f, title: 己, type: string(8), format: YYYY-MM-DD }\n",
    );
    assert_eq!(
        errors(&[("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:6:47: error: `format` applies to text fields, not to int",
            "specs/bad/interfaces/X.yaml:7:50: error: format `YYYY-MO-DD`: `MO` at offset 5 is not a date/time token (expected YYYY/yyyy, MM, DD/dd, HH24/HH, MI/mm, SS/ss, SSS)",
            "specs/bad/interfaces/X.yaml:8:50: error: format `yyyy-mm-dd` has minutes (`mm`/`MI`) but no hour: a month is written `MM`",
            "specs/bad/interfaces/X.yaml:9:45: error: `unit` applies to numbers and amounts sent as text, not to map",
            "specs/bad/interfaces/X.yaml:9:56: error: `json` applies to numbers, not to map",
            "specs/bad/interfaces/X.yaml:10:44: error: min 5 is greater than max 1",
            "specs/bad/interfaces/X.yaml:11:53: error: format `YYYY-MM-DD` writes 10 characters, more than string(8) allows (8)",
        ]
    );
}

#[test]
fn examples_obey_their_own_rules() {
    let x = interface(
        "    - { name: a, title: 甲, type: int, example: abc }\n    - { name: b, title: 乙, type: string(8), format: YYYYMMDD, example: \"20170230\" }\n    - { name: c, title: 丙, type: string(2), example: abc }\n",
    );
    assert_eq!(
        errors(&[("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:6:9: error: `example` of `a` breaks its own rule: a: type: \"abc\" is not a 32-bit integer",
            "specs/bad/interfaces/X.yaml:7:9: error: `example` of `b` breaks its own rule: b: format: \"20170230\" is not YYYYMMDD: day 30 does not exist in that month",
            "specs/bad/interfaces/X.yaml:8:9: error: `example` of `c` breaks its own rule: c: length: \"abc\" is 3 characters, more than string(2) allows",
        ]
    );
}

#[test]
fn errata_interfaces_and_return_codes_are_unique_and_resolved() {
    let platform = "platform: bad\ntitle: t\ndocument: d\nreturn_codes:\n  - { code: OK, message: 成功, success: true }\n  - { code: OK, message: 又成功 }\nerrata:\n  - { id: e1, title: t, description: d }\n  - { id: e1, title: t, description: d }\n";
    let x = "interface: X\ntitle: t\nprovider: hospital\nservice: S\nrequest:\n  fields:\n    - { name: a, title: 甲, type: int, erratum: nope }\nresponse: none\n";
    let y = "interface: Y\ntitle: t\nprovider: hospital\nservice: S\nrequest: none\nresponse: none\n";
    // An alias routes like a service name: it may not name another interface's service.
    let z =
        "interface: Z\ntitle: t\nprovider: hospital\nservice: T\nservice_aliases: [S]\nrequest: none\nresponse: none\n";
    assert_eq!(
        errors(&[
            ("platform.yaml", platform),
            ("interfaces/X.yaml", x),
            ("interfaces/Y.yaml", y),
            ("interfaces/Z.yaml", z)
        ]),
        [
            "specs/bad/interfaces/X.yaml:7:48: error: unknown erratum `nope` (declared: e1)",
            "specs/bad/interfaces/Y.yaml:1:1: error: interface `Y` has the same provider and service (or service alias) `S` as `X`",
            "specs/bad/interfaces/Z.yaml:1:1: error: interface `Z` has the same provider and service (or service alias) `S` as `X`",
            "specs/bad/platform.yaml:6:13: error: duplicate return code `OK` in the platform's list",
            "specs/bad/platform.yaml:9:11: error: duplicate erratum id `e1`",
        ]
    );
}

#[test]
fn every_error_is_reported_together() {
    let x = interface(
        "    - { name: a, title: 甲, type: strng }\n    - { name: b, title: 乙, type: int, dict: nope }\n    - { name: c, title: 丙, typ: int }\n",
    );
    let errors = errors(&[("interfaces/X.yaml", &x), ("dictionaries.yaml", "dictionaries: {}\n")]);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].starts_with("specs/bad/dictionaries.yaml:1:15: error: expected `dictionaries` (a list)"));
}

#[test]
fn a_failure_code_must_be_a_return_code_charset_included() {
    let mini = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let platform = fs::read_to_string(mini.join("platform.yaml")).unwrap().replace("platform: mini", "platform: bad");
    let protocol = fs::read_to_string(mini.join("protocol.yaml")).unwrap();
    let line = 1 + protocol.lines().position(|l| l == "  charset: ILLEGAL_CHARSET").expect("mini declares a charset");
    let protocol = protocol.replace("charset: ILLEGAL_CHARSET", "charset: ILLEGAL_ENCODING");
    let e = one(&[("platform.yaml", &platform), ("protocol.yaml", &protocol)]);
    assert_eq!(
        e,
        format!(
            "specs/bad/protocol.yaml:{line}:12: error: `failures.charset` names `ILLEGAL_ENCODING`, which is not a \
             return code of the platform (codes: SUCCESS, ILLEGAL_SIGN, ILLEGAL_CHARSET)"
        )
    );
    // Without one, a foreign charset is answered as any malformed body: the key is optional.
    let without = protocol.replace("  charset: ILLEGAL_ENCODING\n", "");
    assert_eq!(errors(&[("platform.yaml", &platform), ("protocol.yaml", &without)]), Vec::<String>::new());
}

#[test]
fn keys_name_scalar_fields_of_the_request_or_response() {
    let x = "interface: X\ntitle: 退款\nprovider: hospital\nrequest:\n  fields:\n    - { name: orderId, title: 订单号, type: string(32) }\n    - { name: cardStatus, title: 卡状态, type: int, aliases: [cardStatue] }\n    - name: detail\n      title: 明细\n      type: object\n      fields:\n        - { name: id, title: 编号, type: string }\n    - name: items\n      title: 项目\n      type: list\n      fields:\n        - { name: id, title: 编号, type: string }\nresponse:\n  fields:\n    - { name: refundId, title: 退款单号, type: string(32) }\nkeys: [orderId, refundId, detail.id, orderID, cardStatue, items.id, detail, orderId, detail.nope]\n";
    assert_eq!(
        errors(&[("interfaces/X.yaml", x)]),
        [
            "specs/bad/interfaces/X.yaml:21:38: error: key `orderID` names no scalar field of `X`'s request or response: `orderID` is not a field of `X.request` (its fields: orderId, cardStatus, detail, items); `orderID` is not a field of `X.response` (its fields: refundId)",
            "specs/bad/interfaces/X.yaml:21:47: error: key `cardStatue` names no scalar field of `X`'s request or response: `cardStatue` is an alias of `cardStatus`: name a field by its wire name; `cardStatue` is not a field of `X.response` (its fields: refundId)",
            "specs/bad/interfaces/X.yaml:21:59: error: key `items.id` names no scalar field of `X`'s request or response: `items` is a list: a key is one value per call, and a list holds many business objects; `items` is not a field of `X.response` (its fields: refundId)",
            "specs/bad/interfaces/X.yaml:21:69: error: key `detail` names no scalar field of `X`'s request or response: `detail` is an object: a key names a scalar field; `detail` is not a field of `X.response` (its fields: refundId)",
            "specs/bad/interfaces/X.yaml:21:77: error: key `orderId` is declared twice",
            "specs/bad/interfaces/X.yaml:21:86: error: key `detail.nope` names no scalar field of `X`'s request or response: `nope` is not a field of `X.request.detail` (its fields: id); `detail` is not a field of `X.response` (its fields: refundId)",
        ]
    );
    // An open or empty message has no field to name.
    let y = "interface: Y\ntitle: 通知\nprovider: hospital\nrequest:\n  open: true\n  description: 无字段表\nresponse: none\nkeys: [orderId]\n";
    assert_eq!(
        errors(&[("interfaces/Y.yaml", y)]),
        [
            "specs/bad/interfaces/Y.yaml:8:8: error: key `orderId` names no scalar field of `Y`'s request or response: `Y.request` is open (no field table); `Y.response` carries nothing",
        ]
    );
}

#[test]
fn length_units_and_positional_aliases_fit_their_fields() {
    let platform = format!("{PLATFORM}length: gbk-byte\n");
    let x = interface(
        "    - { name: a, title: 甲, type: int, length: characters }\n    - { name: b, title: 乙, type: char(8), length: utf16 }\n    - { name: c, title: 丙, type: string(8), first_of: d }\n    - { name: e, title: 戊, type: string(8), first_of: g }\n    - { name: g, title: 庚, type: list, fields: [{ name: h, title: 辛, type: int }] }\n",
    );
    assert_eq!(
        errors(&[("platform.yaml", &platform), ("interfaces/X.yaml", &x)]),
        [
            "specs/bad/interfaces/X.yaml:6:47: error: `length` applies to string(N) and char(N), not to int",
            "specs/bad/interfaces/X.yaml:7:51: error: unknown length unit `utf16` (expected characters, utf8-bytes, gbk-bytes)",
            "specs/bad/interfaces/X.yaml:8:55: error: `first_of` of `c` names `d`, not a sibling field",
            "specs/bad/interfaces/X.yaml:9:55: error: `first_of` pairs scalar fields; `e` is string(8) and `g` is list",
            "specs/bad/platform.yaml:4:9: error: unknown length unit `gbk-byte` (expected characters, utf8-bytes, gbk-bytes)",
        ]
    );
}

#[test]
fn a_platform_length_unit_reaches_every_limited_text_field() {
    let platform = format!("{PLATFORM}length: gbk-bytes\n");
    let x = interface(
        "    - { name: a, title: 甲, type: char(50) }\n    - { name: b, title: 乙, type: string(4), length: characters }\n    - { name: c, title: 丙, type: string }\n",
    );
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
    assert!(hisgate_runtime::validate::check(&loaded, id, &mut fits).is_empty());
    let mut over = serde_json::json!({ "a": "汉".repeat(26) });
    let violations = hisgate_runtime::validate::check(&loaded, id, &mut over).to_string();
    assert!(violations.ends_with("is 52 bytes of GBK, more than char(50) in gbk-bytes allows"), "{violations}");
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
