//! Credentials and call inputs from flags, environment variables and, in `--jsonl` mode, each line.

use hisgate_runtime::schema::ProtocolSchema;
use hisgate_runtime::secret::Inputs;
use serde_json::{Map, Value};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Credentials {
    /// The platform key (shaanxi, glorycard, yizhangtong).
    #[arg(long, env = "HISGATE_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// The application id (onepay).
    #[arg(long, env = "HISGATE_APP_ID")]
    pub app_id: Option<String>,
    /// The application secret (onepay).
    #[arg(long, env = "HISGATE_APP_SECRET", hide_env_values = true)]
    pub app_secret: Option<String>,
    /// The timestamp a rule signs or a header carries (glorycard).
    #[arg(long, env = "HISGATE_TIMESTAMP")]
    pub timestamp: Option<String>,
    /// The account id (glorycard `sid`).
    #[arg(long, env = "HISGATE_SID")]
    pub sid: Option<String>,
    /// The partner name (shaanxi).
    #[arg(long, env = "HISGATE_PARTNER")]
    pub partner: Option<String>,
    /// The hospital code (shaanxi).
    #[arg(long, env = "HISGATE_HOSPITAL_CODE")]
    pub hospital_code: Option<String>,
    /// Any other input a spec's templates read, as NAME=VALUE.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = name_value)]
    pub set: Vec<(String, String)>,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=').map(|(n, v)| (n.to_owned(), v.to_owned())).ok_or_else(|| "expected NAME=VALUE".into())
}

impl Credentials {
    /// Inputs named as the spec names them, secret where the protocol declares the credential secret.
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
        Inputs::for_protocol(protocol, given.chain(set))
    }
}

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

/// The command-line flag of credential `name`: `appSecret` → `app-secret`.
pub fn flag(name: &str) -> String {
    name.chars().fold(String::new(), |mut out, c| {
        if c.is_ascii_uppercase() {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
        out
    })
}

/// `inputs` completed with the spec's example value of every credential not given, and the names so completed:
/// simulators and scenarios work out of the box against each other.
pub fn with_examples(mut inputs: Inputs, protocol: &ProtocolSchema) -> (Inputs, Vec<String>) {
    let mut completed = Vec::new();
    for credential in protocol.credentials.iter() {
        if inputs.get(&credential.name).is_none()
            && let Some(example) = &credential.example
        {
            inputs.set(credential.name.to_string(), example.to_string(), credential.secret);
            completed.push(credential.name.to_string());
        }
    }
    (inputs, completed)
}
