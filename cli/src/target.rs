//! Which platform a command works on: a compiled-in one, or a spec folder loaded at run time (no rebuild).

use hisgate_runtime::schema::{PlatformSchema, ProtocolSchema};
use std::borrow::Cow;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// A compiled-in platform (`hisgate list` names them).
    #[arg(long, required_unless_present = "spec", conflicts_with = "spec")]
    pub platform: Option<String>,
    /// A platform's spec folder, read at run time.
    #[arg(long, value_name = "DIR")]
    pub spec: Option<PathBuf>,
    /// A counterpart profile (YAML) merged into the spec: what this counterpart does differently from the document.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

impl Target {
    /// The platform, with the profile merged in when one is given.
    pub fn load(&self) -> Result<Cow<'static, PlatformSchema>, String> {
        let platform = self.load_spec()?;
        match &self.profile {
            Some(file) => with_profile(&platform, file).map(|(merged, _)| Cow::Owned(merged)),
            None => Ok(platform),
        }
    }

    fn load_spec(&self) -> Result<Cow<'static, PlatformSchema>, String> {
        if let Some(dir) = &self.spec {
            let shown = dir.to_string_lossy().trim_end_matches('/').to_owned();
            return hisgate_codegen::load_platform(dir, &shown)
                .map(Cow::Owned)
                .map_err(|d| format!("the spec has {} error(s):\n{d}", d.len()));
        }
        let name = self.platform.as_deref().unwrap_or_default();
        hisgate_generated::PLATFORMS.iter().find(|p| p.name == name).map(|p| Cow::Borrowed(*p)).ok_or_else(|| {
            let known: Vec<&str> = hisgate_generated::PLATFORMS.iter().map(|p| &*p.name).collect();
            format!("no compiled-in platform `{name}` (known: {})", known.join(", "))
        })
    }
}

pub fn protocol(platform: &PlatformSchema) -> Result<&ProtocolSchema, String> {
    platform.protocol.as_ref().ok_or_else(|| format!("platform `{}` declares no protocol.yaml", platform.name))
}

/// `platform` with the profile at `file` merged in; the profile's errors as `file:line:column` lines.
pub fn with_profile(
    platform: &PlatformSchema,
    file: &std::path::Path,
) -> Result<(PlatformSchema, hisgate_codegen::profile::Profile), String> {
    let shown = file.to_string_lossy();
    hisgate_codegen::profile::apply(platform, file, &shown)
        .map_err(|d| format!("the profile has {} error(s):\n{d}", d.len()))
}

/// `--strictness` and `--warn`: which rule classes of payload validation only warn.
#[derive(clap::Args, Debug, Clone)]
pub struct Leniency {
    /// `strict` refuses a payload that breaks any rule (the document as written); `warn` accepts it and records
    /// each violation in the log and the metrics (`hisgate_validation_warnings_total`).
    #[arg(long, value_name = "MODE", default_value = "strict", value_parser = ["strict", "warn"])]
    pub strictness: String,
    /// Only these rule classes warn, the rest refuse: `required,length` (also format, dictionary, required-when).
    #[arg(long, value_name = "CLASSES", conflicts_with = "strictness")]
    pub warn: Option<String>,
}

impl Leniency {
    pub fn value(&self) -> Result<hisgate_runtime::strictness::Strictness, String> {
        hisgate_runtime::strictness::Strictness::parse(self.warn.as_deref().unwrap_or(&self.strictness))
    }
}
