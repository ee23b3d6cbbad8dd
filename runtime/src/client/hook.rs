//! The client's extension point: hooks see each attempt before it is sent and after it is answered, so auth
//! headers, logging and metrics are added without forking. (The server's is tower: its router takes any layer.)

use super::CallError;
use crate::transport::{HttpReply, HttpRequest};
use std::time::Duration;

/// One attempt of one call.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub platform: &'a str,
    pub interface: &'a str,
    pub binding: &'a str,
    /// 1 for the first attempt, 2 for the first retry, …
    pub number: u32,
}

pub trait Hook: Send + Sync + 'static {
    /// Called with the sealed request before it is sent; may add headers (a gateway's token). Changing a signed
    /// part breaks the signature.
    fn before_send(&self, attempt: &Attempt<'_>, request: &mut HttpRequest) {
        let _ = (attempt, request);
    }

    /// Called with what came back (before the reply is verified), and how long it took.
    fn after_reply(&self, attempt: &Attempt<'_>, outcome: Result<&HttpReply, &CallError>, elapsed: Duration) {
        let _ = (attempt, outcome, elapsed);
    }
}
