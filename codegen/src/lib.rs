//! hisgate's generator: specs → validated IR → Rust. Three stages, each its own module: `spec` reads YAML into an
//! AST with positions, `lower` checks it and resolves it into the IR (`hisgate_schema`), `emit` writes Rust from
//! the IR alone. The build script and the CLI are thin callers of this library. What else reads the IR (docs,
//! OpenAPI/WSDL, SQL, diff) is `hisgate-tools`, so the build script compiles the generator alone.

mod diagnostic;
pub mod emit;
pub mod ident;
mod lower;
pub mod profile;
mod spec;

pub use diagnostic::{Diagnostic, Diagnostics};
use hisgate_schema::{PlatformSchema, StatementSchema};
use std::path::{Path, PathBuf};

/// Whether `dir` is one platform's folder rather than a specs root.
pub fn is_platform_dir(dir: &Path) -> bool {
    dir.join("platform.yaml").is_file()
}

/// The platform folders under a specs root, in name order.
pub fn platform_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && is_platform_dir(p))
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Reads and validates one platform folder; `display` is how file paths appear in errors and in the IR.
pub fn load_platform(dir: &Path, display: &str) -> Result<PlatformSchema, Diagnostics> {
    let mut diags = Diagnostics::default();
    let ast = spec::read_platform(dir, display, &mut diags);
    let platform = lower::lower(ast, &mut diags);
    statements_of(dir, display, &platform, &mut diags);
    if diags.is_empty() { Ok(platform) } else { Err(diags) }
}

/// A platform folder's statements (`statements.yaml`), validated against its interfaces.
pub fn load_statements(dir: &Path, display: &str) -> Result<Vec<StatementSchema>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let platform = lower::lower(spec::read_platform(dir, display, &mut diags), &mut diags);
    let statements = statements_of(dir, display, &platform, &mut diags);
    if diags.is_empty() { Ok(statements) } else { Err(diags) }
}

/// A HIS ledger's mapping: a statements file whose statements are files (`source: { file: … }`).
pub fn load_ledger_mapping(path: &Path) -> Result<Vec<StatementSchema>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let asts = spec::statement::read_file(path, &path.to_string_lossy(), &mut diags);
    if asts.is_empty() && diags.is_empty() {
        let pos = hisgate_schema::SourcePos { file: path.to_string_lossy().into_owned().into(), line: 1, column: 1 };
        diags.error(&pos, "no statements here (expected `statements:` with one entry)");
    }
    let statements = lower::statement::lower(&asts, None, &mut diags);
    if diags.is_empty() { Ok(statements) } else { Err(diags) }
}

fn statements_of(
    dir: &Path,
    display: &str,
    platform: &PlatformSchema,
    diags: &mut Diagnostics,
) -> Vec<StatementSchema> {
    let asts = spec::statement::read(dir, display, diags);
    lower::statement::lower(&asts, Some(platform), diags)
}

/// Reads a specs root (every platform folder in it) or a single platform folder, reporting all errors together.
pub fn load(dir: &Path) -> Result<Vec<PlatformSchema>, Diagnostics> {
    let shown = dir.to_string_lossy().trim_end_matches('/').to_owned();
    if is_platform_dir(dir) {
        return load_platform(dir, &shown).map(|p| vec![p]);
    }
    let mut diags = Diagnostics::default();
    let dirs = platform_dirs(dir).unwrap_or_else(|e| {
        let pos = hisgate_schema::SourcePos { file: shown.clone().into(), line: 1, column: 1 };
        diags.error(&pos, format!("cannot read the specs folder: {e}"));
        Vec::new()
    });
    if dirs.is_empty() && diags.is_empty() {
        let pos = hisgate_schema::SourcePos { file: shown.clone().into(), line: 1, column: 1 };
        diags.error(&pos, "no platform folders (folders with a platform.yaml) here");
    }
    let mut platforms = Vec::new();
    for platform_dir in dirs {
        let name = platform_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match load_platform(&platform_dir, &format!("{shown}/{name}")) {
            Ok(p) => platforms.push(p),
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() { Ok(platforms) } else { Err(diags) }
}

/// For a build script: validates every platform under `specs_root` and writes one module per platform plus
/// `platforms.rs` (the index) into `out_dir`. Paths in the IR are shown as `specs/<platform>/…`. An unreadable
/// specs folder and a file that cannot be written are diagnostics too, so the build fails saying why.
pub fn generate(specs_root: &Path, out_dir: &Path) -> Result<Vec<PathBuf>, Diagnostics> {
    let source = Source { dir: specs_root.to_owned(), shown: "specs".to_owned() };
    generate_with(&[source], &[], out_dir, &emit::Options::default())
}

/// A folder of specs given to [`generate_with`]: a specs root (every platform folder in it) or one platform's
/// folder, and how its paths appear in errors and in the IR (`specs`, `specs/myhis`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub dir: PathBuf,
    pub shown: String,
}

/// [`generate`] over several sources, keeping only `platforms` (all when empty), emitting as `options` says.
/// Every problem — a folder that cannot be read or holds no platform, a platform named twice or not found, a spec
/// error, a file that cannot be written — is a diagnostic, all reported together; nothing is written then.
pub fn generate_with(
    sources: &[Source],
    platforms: &[String],
    out_dir: &Path,
    options: &emit::Options,
) -> Result<Vec<PathBuf>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut found: Vec<(String, PathBuf, String)> = Vec::new();
    for source in sources {
        let dirs = if is_platform_dir(&source.dir) {
            vec![(source.dir.clone(), source.shown.clone())]
        } else {
            let dirs = match platform_dirs(&source.dir) {
                Ok(dirs) if dirs.is_empty() => {
                    diags.error(&at_file(&source.dir), "no platform folders (folders with a platform.yaml) here");
                    dirs
                }
                Ok(dirs) => dirs,
                Err(e) => {
                    diags.error(&at_file(&source.dir), format!("cannot read the specs folder: {e}"));
                    Vec::new()
                }
            };
            let named = |dir: PathBuf| {
                let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let shown = format!("{}/{name}", source.shown.trim_end_matches('/'));
                (dir, shown)
            };
            dirs.into_iter().map(named).collect()
        };
        for (dir, shown) in dirs {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Some((_, _, first)) = found.iter().find(|(n, _, _)| *n == name) {
                diags.error(&at_file(&dir), format!("platform folder `{name}` is given twice: here and at {first}"));
            } else if platforms.is_empty() || platforms.contains(&name) {
                found.push((name, dir, shown));
            }
        }
    }
    for wanted in platforms.iter().filter(|w| !found.iter().any(|(n, _, _)| n == *w)) {
        let shown: Vec<&str> = sources.iter().map(|s| s.shown.as_str()).collect();
        let at = hisgate_schema::SourcePos { file: shown.join(", ").into(), line: 1, column: 1 };
        diags.error(&at, format!("no platform folder `{wanted}` here (a folder with a platform.yaml)"));
    }
    let mut written = Vec::new();
    let mut index = Vec::new();
    for (_, dir, shown) in &found {
        let emitted = load_platform(dir, shown).and_then(|platform| {
            Ok((emit::platform_with(&platform, shown, options)?, emit::Indexed::with(&platform, options)))
        });
        match emitted {
            Ok((code, indexed)) => {
                let path = out_dir.join(&indexed.file);
                written.push((path, code));
                index.push(indexed);
            }
            Err(d) => diags.extend(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    for (path, code) in &written {
        write_if_changed(path, code, &mut diags);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let path = out_dir.join("platforms.rs");
    write_if_changed(&path, &emit::index_with(&index, options)?, &mut diags);
    let mut paths: Vec<PathBuf> = written.into_iter().map(|(path, _)| path).collect();
    paths.push(path);
    if diags.is_empty() { Ok(paths) } else { Err(diags) }
}

/// A diagnostic's position for a whole file or folder.
fn at_file(path: &Path) -> hisgate_schema::SourcePos {
    hisgate_schema::SourcePos { file: path.to_string_lossy().into_owned().into(), line: 1, column: 1 }
}

/// Leaves an unchanged file untouched, so its timestamp does not trigger a rebuild.
fn write_if_changed(path: &Path, contents: &str, diags: &mut Diagnostics) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents)
        && let Err(e) = std::fs::write(path, contents)
    {
        diags.error(&at_file(path), format!("cannot write the generated code: {e}"));
    }
}
