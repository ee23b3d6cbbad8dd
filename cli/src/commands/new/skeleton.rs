//! The spec a new crate starts from when none is given: one platform, one interface, every line commented with
//! what to change. It passes `hisgate check` as it is (a test runs it).

/// The skeleton platform's folder name.
pub const NAME: &str = "myhis";

pub const FILES: &[(&str, &str)] =
    &[("platform.yaml", PLATFORM), ("protocol.yaml", PROTOCOL), ("interfaces/GetPatient.yaml", GET_PATIENT)];

const PLATFORM: &str = r#"# The platform: its name (the folder's, and the Rust module's), its titles, and every return code its document
# lists. See specs/README.md in hisgate for every key.
platform: myhis
title: 我的医院平台
document: 我的医院平台接口文档 v1.0
return_codes:
  - { code: "0", message: 成功, success: true }   # exactly one success code
  - { code: "1", message: 失败 }
  - { code: "2", message: 接口暂未实现 }          # what a handler not written yet answers (failures.unsupported)
  - { code: "404", message: 患者不存在 }
"#;

const PROTOCOL: &str = r#"# How a message is wrapped, signed and (optionally) encrypted; see specs/README.md, "protocol.yaml".
credentials:
  # Given as HISGATE_KEY (or `--set key=…` to hisgate); the example is used, with a warning, when none is given.
  - { name: key, title: 签名密钥, secret: true, example: MYKEY123 }
request:
  payload: { field: data }         # the business payload travels as a JSON object in `data`
  fields:
    - { name: method, title: 接口名, required: true, value: "{service}" }
    - { name: timestamp, title: 时间戳, required: true, value: "{timestamp}", format: yyyyMMddHHmmss }
    - { name: data, title: 业务数据, required: true }
    - { name: sign, title: 签名, required: true, role: signature }
response:
  payload: { field: data }
  fields:
    - { name: code, title: 返回码, required: true, role: code }
    - { name: msg, title: 返回信息, role: message }
    - { name: data, title: 业务数据 }
    - { name: sign, title: 签名, role: signature }
signature:                          # MD5 over name=value pairs sorted by name, then &key=KEY, upper-case hex
  field: sign
  covers: all
  exclude: [sign]
  empty: drop
  sort: bytes
  pair: "{name}={value}"
  join: "&"
  nested: json
  numbers: as-sent
  suffix: "&key={key}"
  digest: [md5, hex-upper]
  compare: exact
bindings:
  - { name: json, method: POST, format: json, path: /api }
failures: { empty: "1", malformed: "1", unknown_service: "1", signature: "1", decrypt: "1", invalid: "1",
            stale: "1", unsupported: "2", internal: "1" }
"#;

const GET_PATIENT: &str = r#"# One file per interface. `provider` is the side that answers it; the other side calls it.
interface: GetPatient
title: 查询患者
provider: hospital
service: patient.get              # the name on the wire ({service} in protocol.yaml)
request:
  fields:
    - { name: idCardNo, title: 身份证号, type: string(18), required: true, sensitive: true }
response:
  fields:
    - { name: patientId, title: 患者号, type: string(20), required: true }
    - { name: name, title: 姓名, type: string(32), required: true, sensitive: true }
# What `hisgate serve --spec` answers when it plays this side (first match wins).
answers:
  - when: { idCardNo: "610113199001011234" }
    response: { patientId: "P{seq|6}", name: 李四 }
  - code: "404"
"#;
