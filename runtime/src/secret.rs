//! Credentials and call inputs. Secret values never reach `Debug`, errors or explanations: only a fingerprint.

use crate::schema::ProtocolSchema;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// Named values that templates (`{key}`, `{appId[0..16]}`) read.
#[derive(Clone, Default)]
pub struct Inputs {
    values: BTreeMap<String, Input>,
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

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>, secret: bool) {
        self.values.insert(name.into(), Input { value: value.into(), secret });
    }

    pub fn remove(&mut self, name: &str) {
        self.values.remove(name);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|i| i.value.as_str())
    }

    pub fn is_secret(&self, name: &str) -> bool {
        self.values.get(name).is_some_and(|i| i.secret)
    }

    /// The same inputs with each secret replaced by its placeholder (`{key}`), for showing rendered templates.
    pub fn masked(&self) -> Inputs {
        let values = self
            .values
            .iter()
            .map(|(name, input)| {
                let value = if input.secret { format!("{{{name}}}") } else { input.value.clone() };
                (name.clone(), Input { value, secret: input.secret })
            })
            .collect();
        Inputs { values }
    }

    /// Each name with its value, or its fingerprint when it is secret.
    pub fn shown(&self) -> Vec<(String, String)> {
        self.values
            .iter()
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
}
