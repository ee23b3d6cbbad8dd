//! Credentials and call inputs. Secret values never reach `Debug`, errors or explanations: only a fingerprint.

use crate::schema::ProtocolSchema;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Named values that templates (`{key}`, `{appId[0..16]}`) read.
#[derive(Clone, Default)]
pub struct Inputs {
    /// Values set on these inputs, over the shared ones (and hiding one of the same name).
    values: BTreeMap<String, Input>,
    /// Values shared by every clone rather than copied ([`Inputs::shared`]): a server's credentials, cloned into
    /// each request's inputs.
    shared: Arc<BTreeMap<String, Input>>,
}

#[derive(Clone)]
struct Input {
    value: String,
    secret: bool,
}

impl Inputs {
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// Adds a value that may be shown (an app id, a timestamp).
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Inputs {
        self.set(name, value, false);
        self
    }

    /// Adds a value that must never be shown (a key, an app secret).
    pub fn with_secret(mut self, name: impl Into<String>, value: impl Into<String>) -> Inputs {
        self.set(name, value, true);
        self
    }

    /// Adds values by name, secret where the protocol declares the credential secret.
    pub fn for_protocol<'a>(protocol: &ProtocolSchema, values: impl IntoIterator<Item = (&'a str, &'a str)>) -> Inputs {
        let mut inputs = Inputs::new();
        for (name, value) in values {
            let secret = protocol.credential(name).is_some_and(|c| c.secret);
            inputs.set(name, value, secret);
        }
        inputs
    }

    /// Every credential `protocol` declares (and `timestamp`) not given yet, from its environment variable
    /// `HISGATE_<NAME>` ([`env_var`]) where that is set.
    pub fn from_env(mut self, protocol: &ProtocolSchema) -> Inputs {
        let declared = protocol.credentials.iter().map(|c| (&*c.name, c.secret));
        for (name, secret) in declared.chain([("timestamp", false)]) {
            if self.get(name).is_none()
                && let Ok(value) = std::env::var(env_var(name))
            {
                self.set(name, value, secret);
            }
        }
        self
    }

    /// The inputs completed with the spec's example value of every credential not given, and the names so
    /// completed (to warn about): simulators, scenarios and a fresh project work out of the box against each other.
    pub fn with_examples(mut self, protocol: &ProtocolSchema) -> (Inputs, Vec<String>) {
        let mut completed = Vec::new();
        for credential in protocol.credentials.iter() {
            if self.get(&credential.name).is_none()
                && let Some(example) = &credential.example
            {
                self.set(credential.name.to_string(), example.to_string(), credential.secret);
                completed.push(credential.name.to_string());
            }
        }
        (self, completed)
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>, secret: bool) {
        self.values.insert(name.into(), Input { value: value.into(), secret });
    }

    pub fn remove(&mut self, name: &str) {
        self.values.remove(name);
        if self.shared.contains_key(name) {
            Arc::make_mut(&mut self.shared).remove(name);
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.input(name).map(|i| i.value.as_str())
    }

    pub fn is_secret(&self, name: &str) -> bool {
        self.input(name).is_some_and(|i| i.secret)
    }

    fn input(&self, name: &str) -> Option<&Input> {
        self.values.get(name).or_else(|| self.shared.get(name))
    }

    /// The same inputs, every clone of which shares them rather than copying them: what a server keeps as its
    /// credentials, cloned for every request. Values set on a clone are its own.
    pub fn shared(self) -> Inputs {
        let mut all = Arc::unwrap_or_clone(self.shared);
        all.extend(self.values);
        Inputs { values: BTreeMap::new(), shared: Arc::new(all) }
    }

    /// Every value by name, in name order: a shared one only where no value of its own name is set.
    fn entries(&self) -> impl Iterator<Item = (&String, &Input)> {
        let shared = self.shared.iter().filter(|(name, _)| !self.values.contains_key(*name));
        let mut all: Vec<_> = self.values.iter().chain(shared).collect();
        all.sort_unstable_by_key(|(name, _)| *name);
        all.into_iter()
    }

    /// The same inputs with each secret replaced by its placeholder (`{key}`), for showing rendered templates.
    pub fn masked(&self) -> Inputs {
        let values = self
            .entries()
            .map(|(name, input)| {
                let value = if input.secret { format!("{{{name}}}") } else { input.value.clone() };
                (name.clone(), Input { value, secret: input.secret })
            })
            .collect();
        Inputs { values, shared: Arc::default() }
    }

    /// Each name with its value, or its fingerprint when it is secret.
    pub fn shown(&self) -> Vec<(String, String)> {
        self.entries()
            .map(|(name, input)| {
                let shown = if input.secret { fingerprint(&input.value) } else { input.value.clone() };
                (name.clone(), shown)
            })
            .collect()
    }
}

impl crate::template::Lookup for Inputs {
    fn get(&self, name: &str) -> Option<&str> {
        Inputs::get(self, name)
    }
}

impl fmt::Debug for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.shown()).finish()
    }
}

/// The environment variable of input `name`: `userId` → `HISGATE_USER_ID`, `appSecret` → `HISGATE_APP_SECRET`;
/// a name already upper snake case (`USER_ID`) stays as it is.
pub fn env_var(name: &str) -> String {
    let mut out = String::from("HISGATE_");
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Identifies a secret without revealing it: its length and the start of its SHA-256, e.g.
/// `16 chars, sha256 3f2a9c1e`. Two parties can compare fingerprints to tell whether they hold the same key.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("{} chars, sha256 {}", secret.chars().count(), base16ct::lower::encode_string(&digest[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show() {
        let inputs = Inputs::new().with_secret("key", "2098D32C4D1399EC").with("timestamp", "20210407155206");
        let debug = format!("{inputs:?}");
        assert!(!debug.contains("2098D32C4D1399EC"), "{debug}");
        assert!(debug.contains("16 chars, sha256 ") && debug.contains("20210407155206"), "{debug}");
        assert_eq!(inputs.get("key"), Some("2098D32C4D1399EC"));
    }

    #[test]
    fn shared_inputs_read_as_one_set_under_their_clones_own_values() {
        let credentials = Inputs::new().with_secret("key", "2098D32C4D1399EC").with("partner", "TEST_WX").shared();
        let mut request = credentials.clone().with("service", "TestNet").with("partner", "其他");
        assert_eq!(request.get("partner"), Some("其他"), "a clone's own value hides the shared one");
        assert_eq!(credentials.get("partner"), Some("TEST_WX"), "and leaves the shared one as it was");
        assert!(request.is_secret("key") && request.get("service") == Some("TestNet"));
        let shown: Vec<_> = request.shown().into_iter().map(|(name, _)| name).collect();
        assert_eq!(shown, ["key", "partner", "service"], "every name once, in order");
        assert_eq!(request.masked().get("key"), Some("{key}"));
        request.remove("key");
        request.remove("partner");
        assert_eq!((request.get("key"), request.get("partner")), (None, None), "removed whichever holds it");
        assert_eq!(credentials.get("key"), Some("2098D32C4D1399EC"), "removed from the clone only");
        let again = request.shared();
        assert_eq!((again.get("service"), again.get("key"), again.get("partner")), (Some("TestNet"), None, None));
    }
}
