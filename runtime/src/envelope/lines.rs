//! The lines canonical form and the structured carrier (WeChat Pay v3's): the body signed exactly as serialized,
//! a nonce fresh per message, and the signature written into, and read out of, one `SCHEME k="v",…` header.

use super::{Envelope, EnvelopeError, Sealed};
use crate::secret::Inputs;
use crate::signature::VerifyError;
use serde_json::Map;
use std::borrow::Cow;

impl Envelope<'_> {
    /// `inputs` with a fresh `nonce` where the rule or an envelope field reads one and none is given.
    pub(super) fn with_nonce<'i>(&self, inputs: &'i Inputs) -> Cow<'i, Inputs> {
        let reads = self.protocol.signature.reads("nonce")
            || self.schema.fields.iter().any(|f| f.value.as_deref().is_some_and(|v| v.contains("{nonce}")));
        if reads && inputs.get("nonce").is_none() {
            Cow::Owned(inputs.clone().with("nonce", crate::nonce::alphanumeric(32)))
        } else {
            Cow::Borrowed(inputs)
        }
    }

    /// Under the lines form, signs the body exactly as serialized and adds the signature's header; otherwise the
    /// message is signed already.
    pub(super) fn sign_lines(&self, mut sealed: Sealed, inputs: &Inputs) -> Result<Sealed, EnvelopeError> {
        let rule = &self.protocol.signature;
        if !rule.is_lines() {
            return Ok(sealed);
        }
        let inputs = sealed.headers.iter().fold(inputs.clone(), |acc, (k, v)| acc.with(k.clone(), v.clone()));
        let inputs = inputs.with("body", sealed.body.clone());
        let value = self.signer().value(&Map::new(), &inputs)?;
        sealed.headers.push((rule.field.to_string(), self.carried(value, &inputs)?));
        Ok(sealed)
    }

    /// The signature as its field carries it: alone, or inside the rule's structured carrier.
    pub(super) fn carried(&self, signature: String, inputs: &Inputs) -> Result<String, EnvelopeError> {
        match &self.protocol.signature.carrier {
            None => Ok(signature),
            Some(carrier) => Ok(crate::signature::carrier::write(carrier, inputs, &signature)?),
        }
    }

    /// The signature a received carrier holds, and the inputs with its other parameters (a nonce, a timestamp, a
    /// key id), which the sender chooses, where the receiver has no value of its own; never a secret.
    pub(super) fn uncarried<'i>(
        &self,
        received: Option<String>,
        inputs: &'i Inputs,
    ) -> Result<(Option<String>, Cow<'i, Inputs>), EnvelopeError> {
        let (Some(carrier), Some(received)) = (&self.protocol.signature.carrier, &received) else {
            return Ok((received, Cow::Borrowed(inputs)));
        };
        let field = self.protocol.signature.field.to_string();
        let scheme = carrier.split(' ').next().unwrap_or_default().to_owned();
        let params =
            crate::signature::carrier::read(carrier, received).ok_or(VerifyError::Carrier { field, scheme })?;
        let mut joined = inputs.clone();
        let mut signature = None;
        for (name, value) in params {
            if name == "signature" {
                signature = Some(value);
            } else if inputs.get(&name).is_none() && !self.protocol.credential(&name).is_some_and(|c| c.secret) {
                // What the receiver has is its own (its `mchid`); what it lacks is the sender's to say (the key id
                // of the sender's certificate); a secret is never taken from a message.
                joined.set(name, value, false);
            }
        }
        Ok((signature, Cow::Owned(joined)))
    }
}
