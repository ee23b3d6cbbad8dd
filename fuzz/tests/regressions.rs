//! Inputs the fuzzer once crashed on, kept in `fuzz/regressions/<target>/` (copied from `fuzz/artifacts/`): each
//! must now pass the harness's checks. Beside them, each one cut down by hand to what it was about.

use hisgate_fuzz::platforms;
use hisgate_fuzz::reply::Outcome;
use std::path::Path;

#[test]
fn every_recorded_crash_now_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for (target, harness) in platforms::all() {
        let Ok(entries) = std::fs::read_dir(dir.join(target)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            // A panic here is the crash again; `None` (no input for the harness) is a pass too.
            let outcome = harness.run(&bytes);
            eprintln!("{}: {outcome:?}", path.display());
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
