//! One exchange as a conformance probe makes it (`hisgate probe`): the payload sealed as given, whether or not it
//! satisfies the spec, damaged on the way where the probe says so (another key, a stale clock, a signature cut
//! short, a service nobody provides), sent once without retries, and the reply read exactly as
//! [`Client::call_value`] reads it. The signer, cipher and binding are the client's own: a probe never builds a
//! message any other way.

use super::{CallError, Client, Reply};
use crate::envelope::Alter;
use crate::transport::{HttpReply, HttpRequest};
use serde_json::Value;

/// A ciphertext's damage.
pub type TextDamage = Box<dyn Fn(&str) -> String + Send + Sync>;
/// A signature's damage; `None` from it leaves the signature out.
pub type SignatureDamage = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What a probe changes in the request it seals. The default changes nothing: a correct request.
#[derive(Default)]
pub struct Tamper {
    /// Inputs written over the credentials for sealing only (a wrong key); the reply is read with the client's own.
    pub inputs: Vec<(String, String)>,
    /// Added to the clock that stamps the request's timestamp (a stale request).
    pub clock_skew: chrono::TimeDelta,
    /// The service the envelope, the path and the SOAP action name instead of the interface's own.
    pub service: Option<String>,
    /// Rewrites the ciphertext once encrypted (bad Base64, a wrong length), before a rule that signs it signs it.
    pub ciphertext: Option<TextDamage>,
    /// Rewrites the signature once computed; `None` from it leaves the signature out.
    pub signature: Option<SignatureDamage>,
}

impl Tamper {
    pub(super) fn alter(&self) -> Alter<'_> {
        Alter {
            ciphertext: self.ciphertext.as_deref().map(|f| f as &(dyn Fn(&str) -> String + Sync)),
            signature: self.signature.as_deref().map(|f| f as &(dyn Fn(&str) -> Option<String> + Sync)),
        }
    }
}

/// A request a probe sent and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: HttpRequest,
    /// What arrived over HTTP, or why nothing did.
    pub reply: Result<HttpReply, CallError>,
    /// The reply read as a client reads it: verified, decrypted, validated; `None` when nothing arrived.
    pub read: Option<Result<Reply<Value>, CallError>>,
}

impl Client {
    /// The HTTP request for `interface` carrying `payload` sealed with the client's own signer and cipher, as
    /// `tamper` alters it. The payload is not validated first: a probe sends what breaks the rules on purpose.
    pub fn seal_probe(&self, interface: &str, payload: &Value, tamper: &Tamper) -> Result<HttpRequest, CallError> {
        let (protocol, binding, schema) = self.parts(interface)?;
        self.seal(protocol, binding, schema, payload, tamper)
    }

    /// Sends `request` once to `interface` and reads the reply as a client does, under the service the request
    /// named (`service`, the interface's own when `None`).
    pub async fn send_probe(&self, interface: &str, service: Option<&str>, request: HttpRequest) -> Exchange {
        let parts = self.parts(interface);
        let reply = match &parts {
            Ok(_) => self.send(&request).await,
            Err(e) => Err(e.clone()),
        };
        let read = match (&parts, &reply) {
            (Ok((_, binding, schema)), Ok(reply)) => {
                let target = request.target();
                let reading = super::Reading { request_line: Some((request.method_name(), &target)), ..self.reading() };
                Some(super::open(&reading, *binding, schema, service.unwrap_or(&schema.service), reply))
            }
            _ => None,
        };
        Exchange { request, reply, read }
    }
}
