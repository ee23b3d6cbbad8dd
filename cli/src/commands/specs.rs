//! Which platforms a multi-platform command works on: every compiled-in one, those named by `--platform`, or the
//! spec folders given by `--spec` (read at run time).

use hisgate_runtime::schema::PlatformSchema;
use std::borrow::Cow;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug, Clone)]
pub struct Selection {
    /// Only this platform (repeatable); by default every one.
    #[arg(long = "platform", value_name = "NAME")]
    platforms: Vec<String>,
    /// Read specs from this folder (a specs root or one platform's folder, repeatable) instead of the compiled-in ones.
    #[arg(long = "spec", value_name = "DIR")]
    specs: Vec<PathBuf>,
}

impl Selection {
    pub fn load(&self) -> Result<Vec<Cow<'static, PlatformSchema>>, String> {
        let mut all: Vec<Cow<'static, PlatformSchema>> = Vec::new();
        if self.specs.is_empty() {
            all.extend(hisgate_generated::PLATFORMS.iter().map(|p| Cow::Borrowed(*p)));
        }
        for dir in &self.specs {
            let loaded = hisgate_codegen::load(dir).map_err(|d| format!("the spec has {} error(s):\n{d}", d.len()))?;
            all.extend(loaded.into_iter().map(Cow::Owned));
        }
        if self.platforms.is_empty() {
            return Ok(all);
        }
        let known: Vec<String> = all.iter().map(|p| p.name.to_string()).collect();
        if let Some(missing) = self.platforms.iter().find(|n| !known.contains(n)) {
            return Err(format!("no platform `{missing}` (known: {})", known.join(", ")));
        }
        all.retain(|p| self.platforms.iter().any(|n| *n == p.name));
        Ok(all)
    }
}

pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
