//! Which platforms a multi-platform command works on: every compiled-in one, those named by `--platform`, or the
//! spec folders given by `--spec` (read at run time).

use hisgate_codegen::profile::Profile;
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
    /// A counterpart profile merged into the platform it names (repeatable, one per platform).
    #[arg(long = "profile", value_name = "FILE")]
    profiles: Vec<PathBuf>,
}

impl Selection {
    /// The platforms with their profiles merged in, and the profiles (for pages saying what they change).
    pub fn load_with_profiles(&self) -> Result<(Vec<Cow<'static, PlatformSchema>>, Vec<Profile>), String> {
        let mut platforms = self.load_specs()?;
        let mut profiles = Vec::new();
        for file in &self.profiles {
            let named = hisgate_codegen::profile::platform_of(file)
                .ok_or_else(|| format!("{}: not a profile naming its `platform`", file.display()))?;
            let platform = platforms
                .iter_mut()
                .find(|p| p.name == named)
                .ok_or_else(|| format!("{}: the profile is for `{named}`, which is not selected", file.display()))?;
            let (merged, profile) = crate::target::with_profile(platform, file)?;
            *platform = Cow::Owned(merged);
            profiles.push(profile);
        }
        Ok((platforms, profiles))
    }

    fn load_specs(&self) -> Result<Vec<Cow<'static, PlatformSchema>>, String> {
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
