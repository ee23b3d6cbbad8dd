//! Typed requests, responses and dictionaries for every platform under `specs/`, generated at build time by
//! `hisgate-codegen`. Each platform module holds `PLATFORM` (the spec as data), `dict` and `interfaces`.

include!(concat!(env!("OUT_DIR"), "/platforms.rs"));
