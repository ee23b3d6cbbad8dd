//! `hisgate new DIR`: a crate of the user's own that builds from its own spec folder through `hisgate-build` and
//! the `hisgate` facade — a handler answering every interface of one side "not implemented yet" with the
//! platform's own code, a `main` serving it, a test that runs it against hisgate's counterpart, and a README.
//! It builds and its test passes with no edit.

mod files;
mod skeleton;

use hisgate_runtime::schema::{PlatformSchema, Side};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/shipped_specs.rs"));
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to create (it must not exist or be empty); its name is the crate's.
    dir: PathBuf,
    /// Copy this spec folder (one platform's folder) into the crate's `specs/`.
    #[arg(long, value_name = "PATH", conflicts_with = "platform")]
    from_spec: Option<PathBuf>,
    /// Copy a shipped platform's spec (glorycard, onepay, shaanxi, wechatpay_v3, yizhangtong); with neither, a commented
    /// skeleton platform to edit.
    #[arg(long, value_name = "NAME")]
    platform: Option<String>,
    /// The side the crate implements; the test calls it as the other side would.
    #[arg(long, value_enum, default_value = "hospital")]
    side: SideArg,
    /// Depend on the `hisgate` and `hisgate-build` crates of this checkout (its root) instead of crates.io.
    #[arg(long, value_name = "PATH")]
    hisgate_path: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum SideArg {
    Hospital,
    Platform,
}

pub fn run(args: Args) -> ExitCode {
    match scaffold(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hisgate new: {e}");
            ExitCode::FAILURE
        }
    }
}

fn scaffold(args: &Args) -> Result<String, String> {
    let side = match args.side {
        SideArg::Hospital => Side::Hospital,
        SideArg::Platform => Side::Platform,
    };
    let name = crate_name(&args.dir)?;
    if args.dir.exists() && std::fs::read_dir(&args.dir).map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!("{} exists and is not empty", args.dir.display()));
    }
    let hisgate_path = match &args.hisgate_path {
        Some(path) => Some(path.canonicalize().map_err(|e| format!("{}: {e}", path.display()))?),
        None => None,
    };
    // The spec first: a crate for a spec that does not load would not build.
    let (folder, spec_files) = spec_files(args)?;
    let platform = load(&folder, &spec_files)?;
    let provided: Vec<_> = platform.interfaces.iter().filter(|i| i.provider == side).collect();
    if provided.is_empty() {
        let other = if side == Side::Hospital { "platform" } else { "hospital" };
        return Err(format!("`{}` declares no interface its {side} side provides: try --side {other}", platform.name));
    }
    let dir = &args.dir;
    let specs = Path::new("specs").join(&*platform.name);
    for (file, text) in &spec_files {
        write(dir, &specs.join(file), text)?;
    }
    let crate_files = files::Crate { name: &name, platform: &platform, side, hisgate_path: hisgate_path.as_deref() };
    for (path, text) in crate_files.files() {
        write(dir, Path::new(&path), &text)?;
    }
    Ok(format!(
        "hisgate new: {} — the {side} side of `{}` ({} interface(s), each answering not-implemented-yet); \
         `cargo test` there runs it against `hisgate`",
        dir.display(),
        platform.name,
        provided.len()
    ))
}

/// The platform folder's name (which its `platform:` must equal), and its files by their paths in it.
fn spec_files(args: &Args) -> Result<(String, Vec<(String, String)>), String> {
    if let Some(name) = &args.platform {
        let prefix = format!("{name}/");
        let files: Vec<(String, String)> = shipped::SHIPPED
            .iter()
            .filter_map(|(path, text)| path.strip_prefix(&prefix).map(|p| (p.to_owned(), (*text).to_owned())))
            .collect();
        if files.is_empty() {
            let mut known: Vec<&str> = shipped::SHIPPED.iter().filter_map(|(p, _)| p.split('/').next()).collect();
            known.dedup();
            return Err(format!("no shipped platform `{name}` (shipped: {})", known.join(", ")));
        }
        return Ok((name.clone(), files));
    }
    if let Some(from) = &args.from_spec {
        if !hisgate_codegen::is_platform_dir(from) {
            return Err(format!("{}: not a platform's spec folder (it has no platform.yaml)", from.display()));
        }
        let mut files = Vec::new();
        read_tree(from, Path::new(""), &mut files)?;
        let folder = from.canonicalize().ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        return Ok((folder.unwrap_or_default(), files));
    }
    Ok((skeleton::NAME.to_owned(), skeleton::FILES.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect()))
}

fn read_tree(root: &Path, under: &Path, files: &mut Vec<(String, String)>) -> Result<(), String> {
    let dir = root.join(under);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let relative = under.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            read_tree(root, &relative, files)?;
        } else {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.push((relative.to_string_lossy().into_owned(), text));
        }
    }
    Ok(())
}

/// Loads the spec from a scratch copy, so its errors are reported before anything is written.
fn load(folder: &str, files: &[(String, String)]) -> Result<PlatformSchema, String> {
    let scratch = std::env::temp_dir().join(format!("hisgate-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = (|| {
        let dir = scratch.join(folder);
        for (file, text) in files {
            write(&dir, Path::new(file), text)?;
        }
        hisgate_codegen::load_platform(&dir, &format!("specs/{folder}"))
            .map_err(|d| format!("the spec has {} error(s):\n{d}", d.len()))
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn write(dir: &Path, file: &Path, text: &str) -> Result<(), String> {
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The folder's name as a crate name: ASCII letters, digits, `-` and `_`, not starting with a digit.
fn crate_name(dir: &Path) -> Result<String, String> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    match valid {
        true => Ok(name),
        false => Err(format!("`{name}` is not a crate name (ASCII letters, digits, - and _; not a digit first)")),
    }
}
