//! One harness per platform, serving every side that provides interfaces, each through its generated `Service`.

use crate::Harness;
use hisgate_generated::{glorycard, onepay, shaanxi, yizhangtong};
use hisgate_runtime::schema::Side;
use hisgate_runtime::server::Dispatch;
use std::sync::Arc;

/// A handler implementing no method: each interface answers the generated default, after typed parsing.
pub struct Unimplemented;

macro_rules! unimplemented_handler {
    ($module:ident = $platform:ident :: $side:ident { $($interfaces:tt)* }) => {
        impl hisgate_generated::$platform::$side::Handler for Unimplemented {}
    };
}

// Every side the generator emits, so a new platform's handlers exist before its harness is written.
hisgate_generated::for_each_side!(unimplemented_handler);

fn service(dispatch: impl Dispatch) -> Arc<dyn Dispatch> {
    Arc::new(dispatch)
}

pub fn shaanxi() -> Harness {
    Harness::new(
        &shaanxi::PLATFORM,
        vec![
            (Side::Hospital, service(shaanxi::hospital::Service::new(Unimplemented))),
            (Side::Platform, service(shaanxi::platform::Service::new(Unimplemented))),
        ],
    )
}

pub fn glorycard() -> Harness {
    Harness::new(
        &glorycard::PLATFORM,
        vec![
            (Side::Platform, service(glorycard::platform::Service::new(Unimplemented))),
            (Side::Hospital, service(glorycard::hospital::Service::new(Unimplemented))),
        ],
    )
}

pub fn onepay() -> Harness {
    Harness::new(&onepay::PLATFORM, vec![(Side::Platform, service(onepay::platform::Service::new(Unimplemented)))])
}

pub fn yizhangtong() -> Harness {
    Harness::new(&yizhangtong::PLATFORM, vec![(Side::Hospital, service(yizhangtong::hospital::Service::new(Unimplemented)))])
}

/// Every harness, by the name of its fuzz target.
pub fn all() -> Vec<(&'static str, Harness)> {
    vec![("shaanxi", shaanxi()), ("glorycard", glorycard()), ("onepay", onepay()), ("yizhangtong", yizhangtong())]
}
