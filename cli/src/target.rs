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
}

impl Target {
    pub fn load(&self) -> Result<Cow<'static, PlatformSchema>, String> {
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
