//! The lines canonical form and the structured carrier (WeChat Pay v3's): the body signed exactly as serialized,
//! a nonce fresh per message, and the signature written into, and read out of, one `SCHEME k="v",…` header.

use super::{Alter, Envelope, EnvelopeError, Sealed};
use crate::secret::Inputs;
use crate::signature::VerifyError;
use serde_json::Map;
use std::borrow::Cow;

impl Envelope<'_> {
    /// `inputs` with a fresh `nonce` where the rule or an envelope field reads one and none is given, and, where the
    /// rule reads a `timestamp` no input gives, the Unix time in seconds (WeChat Pay's): what one message's string to
    /// sign, carrier and headers share. Likewise a `uuid` (RFC 4122 v4) and `now` (RFC 3339) where a template reads
    /// them (a notification's `id` and `create_time`). A sender that signs in two steps
    /// ([`Envelope::seal_deferred`], then [`Envelope::sign_sent`]) takes them once here and passes them to both.
    pub fn message_inputs<'i>(&self, inputs: &'i Inputs) -> Cow<'i, Inputs> {
        // One scan of the templates for all four, then the inputs asked only of those read: every message sealed
        // passes here, most reading none of them.
        let (mut nonce, mut timestamp, mut uuid, mut now) = (false, false, false, false);
        let mut note = |name: &str, by_rule: bool| match name {
            "nonce" => nonce = true,
            "timestamp" if by_rule => timestamp = true,
            "uuid" => uuid = true,
            "now" => now = true,
            _ => {}
        };
        self.rule.templates().flat_map(crate::template::placeholders).for_each(|name| note(name, true));
        self.templates().flat_map(crate::template::placeholders).for_each(|name| note(name, false));
        let missing = |read: bool, name: &str| read && inputs.get(name).is_none();
        let (nonce, timestamp) = (missing(nonce, "nonce"), missing(timestamp, "timestamp"));
        let (uuid, now) = (missing(uuid, "uuid"), missing(now, "now"));
        if !nonce && !timestamp && !uuid && !now {
            return Cow::Borrowed(inputs);
        }
        let mut owned = inputs.clone();
        if nonce {
            owned.set("nonce", crate::nonce::alphanumeric(32), false);
        }
        if timestamp {
            owned.set("timestamp", chrono::Utc::now().timestamp().to_string(), false);
        }
        if uuid {
            owned.set("uuid", crate::nonce::uuid_v4(), false);
        }
        if now {
            // The platforms' zone, as their timestamps are read and written (a client sets its configured one).
            let zone = crate::clock::china_standard_time();
            owned.set("now", crate::clock::rfc3339(zone, chrono::TimeDelta::zero()), false);
        }
        Cow::Owned(owned)
    }

    /// [`message_inputs`](Self::message_inputs) of inputs the caller owns and gives up: completed where the
    /// message reads something they lack, and otherwise returned as they are, not copied.
    pub fn completed_inputs(&self, inputs: Inputs) -> Inputs {
        let completed = match self.message_inputs(&inputs) {
            Cow::Owned(completed) => Some(completed),
            Cow::Borrowed(_) => None,
        };
        completed.unwrap_or(inputs)
    }

    /// Whether the rule, an envelope field's template or one of the interface's values reads the input `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.rule.reads(name) || self.templates().any(|template| crate::template::reads(template, name))
    }

    /// The templates of its fields and of the interface's values.
    fn templates(&self) -> impl Iterator<Item = &str> {
        let fields = self.schema.fields.iter().filter_map(|f| f.value.as_deref());
        fields.chain(self.values.iter().map(|v| &*v.value))
    }

    /// Under the lines form, signs the body exactly as serialized and adds the signature's header; otherwise the
    /// message is signed already.
    pub(super) fn sign_lines(
        &self,
        mut sealed: Sealed,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<Sealed, EnvelopeError> {
        if !self.rule.is_lines() {
            return Ok(sealed);
        }
        self.sign_sent(&mut sealed.headers, &sealed.body, inputs, alter)?;
        Ok(sealed)
    }

    /// Signs a message as it is sent, under a lines rule: `body` exactly as it goes on the wire (empty for a GET or
    /// a 204), with `inputs` giving `method` and `path` (with its query) where the lines read them. Writes the
    /// rule's headers and its signature's into `headers`. A rule of the pairs form signed the message already.
    pub fn sign_sent(
        &self,
        headers: &mut Vec<(String, String)>,
        body: &str,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<(), EnvelopeError> {
        let rule = self.rule;
        if !rule.is_lines() {
            return Ok(());
        }
        let mut inputs = headers.iter().fold(inputs.clone(), |acc, (k, v)| acc.with(k.clone(), v.clone()));
        for header in rule.headers.iter() {
            let value = crate::template::render(&header.value, &inputs)?;
            inputs.set(header.name.to_string(), value.clone(), false);
            headers.push((header.name.to_string(), value));
        }
        let inputs = inputs.with("body", body);
        let value = self.signer().value(&Map::new(), &inputs)?;
        let value = match alter.signature {
            Some(rewrite) => match rewrite(&value) {
                Some(value) => value,
                None => return Ok(()),
            },
            None => value,
        };
        headers.push((rule.field.to_string(), self.carried(value, &inputs)?));
        Ok(())
    }

    /// The received headers, those the rule writes under the rule's spelling (HTTP lower-cases names on the way).
    pub(super) fn rule_headers<'h>(&self, headers: &'h [(String, String)]) -> Cow<'h, [(String, String)]> {
        if self.rule.headers.is_empty() {
            return Cow::Borrowed(headers);
        }
        let renamed = headers.iter().map(|(name, value)| {
            let spelled = self.rule.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name));
            (spelled.map_or_else(|| name.clone(), |h| h.name.to_string()), value.clone())
        });
        Cow::Owned(renamed.collect())
    }

    /// The signature as its field carries it: alone, or inside the rule's structured carrier.
    pub(super) fn carried(&self, signature: String, inputs: &Inputs) -> Result<String, EnvelopeError> {
        match &self.rule.carrier {
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
        let (Some(carrier), Some(received)) = (&self.rule.carrier, &received) else {
            return Ok((received, Cow::Borrowed(inputs)));
        };
        let field = self.rule.field.to_string();
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
