//! Validating a request's payload before dispatch, against the schema this server serves (with any profile merged
//! in) and under its strictness: violations of a class that warns are accepted, logged and counted; the rest are
//! refused with the platform's `invalid` code, naming field, rule and value.

use crate::Violations;
use crate::schema::{InterfaceSchema, PlatformSchema};
use crate::strictness::{self, Flow, Strictness};
use crate::validate::check;
use serde_json::Value;

/// The payload normalized and the violations accepted, or the violations refused.
pub(super) fn request(
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    strictness: Strictness,
    mut payload: Value,
) -> Result<(Value, Violations), Violations> {
    let (refused, warned) = strictness.split(check(platform, interface.request, &mut payload));
    if !refused.is_empty() {
        return Err(refused);
    }
    strictness::record(&platform.name, &interface.name, Flow::Request, &warned);
    Ok((payload, warned))
}
