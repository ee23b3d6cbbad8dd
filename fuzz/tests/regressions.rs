//! Inputs the fuzzer once crashed on, kept in `fuzz/regressions/<target>/` (copied from `fuzz/artifacts/`), each
//! with the answer it must now get recorded beside it in `<input>.expect`; where a target's fuzzing found nothing,
//! inputs of the same classes cut by hand. Below, each crash cut down by hand to what it was about.

use hisgate_fuzz::platforms;
use hisgate_fuzz::reply::Outcome;
use std::path::Path;

/// Reads an `.expect` file: `#` comments (why), then one line, `answered`, `refused CODE`, `fault` or `no input`.
fn expected(path: &Path) -> Option<Outcome> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (record the answer the input must get there)", path.display()));
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    let answer = lines.next().unwrap_or_else(|| panic!("{}: no answer recorded", path.display()));
    assert_eq!(lines.next(), None, "{}: one answer only", path.display());
    match answer.split_once(' ') {
        _ if answer == "answered" => Some(Outcome::Answered),
        _ if answer == "fault" => Some(Outcome::Fault),
        _ if answer == "no input" => None,
        Some(("refused", code)) => Some(Outcome::Refused(code.to_owned())),
        _ => panic!("{}: `{answer}` is none of answered, refused CODE, fault, no input", path.display()),
    }
}

#[test]
fn every_recorded_input_gets_its_recorded_answer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for (target, harness) in platforms::all() {
        let folder = dir.join(target);
        let entries = std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        let (answers, inputs): (Vec<_>, Vec<_>) =
            paths.into_iter().partition(|p| p.extension() == Some("expect".as_ref()));
        assert!(!inputs.is_empty(), "{}: no recorded input", folder.display());
        for answer in &answers {
            assert!(answer.with_extension("").is_file(), "{}: no input beside it", answer.display());
        }
        for input in &inputs {
            let bytes = std::fs::read(input).unwrap();
            let mut answer = input.clone().into_os_string();
            answer.push(".expect");
            // A panic in `run` is the crash again.
            assert_eq!(harness.run(&bytes), expected(Path::new(&answer)), "{}", input.display());
        }
    }
}

/// shaanxi, `GET /wd/spi/<service>` with a service that is not UTF-8 once percent-decoded: axum's `RawPathParams`
/// rejected it with a bare `400 Invalid UTF-8 in `service``; the server now refuses it in a signed reply.
#[test]
fn a_path_service_that_is_not_utf8_is_an_illegal_request() {
    let harness = platforms::shaanxi();
    let outcome = harness.run(b"raw hospital GET /wd/spi/%FF?partner=TEST_WX\n\n");
    assert_eq!(outcome, Some(Outcome::Refused("ILLEGAL_REQUEST".to_owned())));
}

/// yizhangtong, `POST /#op_…`: the fragment is no part of the path the router sees (`/`, which `/{service}` does
/// not serve, hence axum's 404), so it is no input for a route of the harness.
#[test]
fn a_fragment_is_no_path_segment() {
    let harness = platforms::yizhangtong();
    let input = b"raw hospital POST /#op_query_transfer_in_result\ncontent-type: application/json\n\n{}";
    assert_eq!(harness.run(input), None);
}

/// shaanxi, a sealed `GetDoctorInfo` with `<pageSize>09</pageSize>`: validation read `09` as 9 but left it the
/// string `"09"` (no JSON number), the typed conversion then failed and the server answered SYSTEM_ERROR.
#[test]
fn a_zero_padded_number_reaches_the_handler() {
    let harness = platforms::shaanxi();
    let input: &[u8] =
        b"seal hospital xml GetDoctorInfo\n\n<request><currentPage>1</currentPage><pageSize>09</pageSize></request>";
    assert_eq!(harness.run(input), Some(Outcome::Answered));
}
