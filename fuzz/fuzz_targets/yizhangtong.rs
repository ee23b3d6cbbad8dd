//! yizhangtong's servers, fed raw and sealed requests (see `hisgate_fuzz::input`).

#![no_main]

use hisgate_fuzz::{platforms, Harness};
use libfuzzer_sys::{fuzz_target, Corpus};
use std::sync::LazyLock;

static HARNESS: LazyLock<Harness> = LazyLock::new(platforms::yizhangtong);

fuzz_target!(|data: &[u8]| -> Corpus { HARNESS.run(data).map_or(Corpus::Reject, |_| Corpus::Keep) });
