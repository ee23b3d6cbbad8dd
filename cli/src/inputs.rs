//! Credentials and call inputs from flags, environment variables and, in `--jsonl` mode, each line.
//!
//! One story for every command: a credential the spec declares is given as `--set NAME=VALUE` or as the
//! environment variable `HISGATE_<NAME>` (upper snake case: `userId` → `HISGATE_USER_ID`); the named flags below
//! are shorthands for the shipped platforms' credentials. One not given is the spec's example value, with the same
//! one-line warning in every command.

use hisgate_runtime::schema::ProtocolSchema;
use hisgate_runtime::secret::Inputs;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::Mutex;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Credentials {
    /// Credential `key`, as `--set key=VALUE` (env HISGATE_KEY).
    #[arg(long, hide_env_values = true)]
    pub key: Option<String>,
    /// Credential `appId`, as `--set appId=VALUE` (env HISGATE_APP_ID).
    #[arg(long)]
    pub app_id: Option<String>,
    /// Credential `appSecret`, as `--set appSecret=VALUE` (env HISGATE_APP_SECRET).
    #[arg(long)]
    pub app_secret: Option<String>,
    /// Input `timestamp`, as `--set timestamp=VALUE` (env HISGATE_TIMESTAMP).
    #[arg(long)]
    pub timestamp: Option<String>,
    /// Credential `sid`, as `--set sid=VALUE` (env HISGATE_SID).
    #[arg(long)]
    pub sid: Option<String>,
    /// Credential `partner`, as `--set partner=VALUE` (env HISGATE_PARTNER).
    #[arg(long)]
    pub partner: Option<String>,
    /// Credential `hospitalCode`, as `--set hospitalCode=VALUE` (env HISGATE_HOSPITAL_CODE).
    #[arg(long)]
    pub hospital_code: Option<String>,
    /// Any credential or input the spec declares, as NAME=VALUE; its environment variable is HISGATE_<NAME> in
    /// upper snake case (`userId` → HISGATE_USER_ID). One not given is the spec's example value, with a warning.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = name_value)]
    pub set: Vec<(String, String)>,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=').map(|(n, v)| (n.to_owned(), v.to_owned())).ok_or_else(|| "expected NAME=VALUE".into())
}

impl Credentials {
    /// Inputs named as the spec names them, secret where the protocol declares the credential secret: the flags,
    /// then `--set`, then `HISGATE_<NAME>` for each declared credential (and `timestamp`) still not given.
    pub fn inputs(&self, protocol: &ProtocolSchema) -> Inputs {
        let named = [
            ("key", &self.key),
            ("appId", &self.app_id),
            ("appSecret", &self.app_secret),
            ("timestamp", &self.timestamp),
            ("sid", &self.sid),
            ("partner", &self.partner),
            ("hospitalCode", &self.hospital_code),
        ];
        let given = named.iter().filter_map(|(n, v)| v.as_deref().map(|v| (*n, v)));
        let set = self.set.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        Inputs::for_protocol(protocol, given.chain(set)).from_env(protocol)
    }
}

pub use hisgate_runtime::secret::env_var;

/// A `--jsonl` line's own credentials override the flags: every string member but `skip` is an input.
pub fn with_line(mut inputs: Inputs, protocol: &ProtocolSchema, line: &Map<String, Value>, skip: &[&str]) -> Inputs {
    for (name, value) in line.iter().filter(|(n, _)| !skip.contains(&n.as_str())) {
        if let Some(text) = value.as_str() {
            let secret = protocol.credential(name).is_some_and(|c| c.secret);
            inputs.set(name.clone(), text, secret);
        }
    }
    inputs
}

/// `inputs` completed with the spec's example value of every credential not given, and the names so completed.
pub fn with_examples(inputs: Inputs, protocol: &ProtocolSchema) -> (Inputs, Vec<String>) {
    inputs.with_examples(protocol)
}

/// The one line every command gives for a credential completed from the spec's example.
pub fn example_warning(name: &str) -> String {
    format!("credential `{name}` not given (--set {name}=VALUE or {}): using the spec's example value", env_var(name))
}

/// `with_examples`, warning on stderr once per credential and process (a `--jsonl` run warns once, not per line).
pub fn completed(inputs: Inputs, protocol: &ProtocolSchema, command: &str) -> Inputs {
    static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let (inputs, names) = with_examples(inputs, protocol);
    let mut warned = WARNED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for name in names {
        if warned.insert(name.clone()) {
            eprintln!("hisgate {command}: {}", example_warning(&name));
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    #[test]
    fn environment_names_are_upper_snake_case() {
        assert_eq!(super::env_var("userId"), "HISGATE_USER_ID");
        assert_eq!(super::env_var("key"), "HISGATE_KEY");
        assert_eq!(super::env_var("hospitalCode"), "HISGATE_HOSPITAL_CODE");
        assert_eq!(super::env_var("USER_ID"), "HISGATE_USER_ID");
        assert_eq!(super::env_var("md5Key2"), "HISGATE_MD5_KEY2");
    }
}
