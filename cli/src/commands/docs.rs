//! `hisgate docs`: the documentation site (HTML, plus the same content as Markdown) for the compiled-in platforms
//! or for spec folders read at run time.

use super::specs::{self, Selection};
use hisgate_tools::docs;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    selection: Selection,
    /// Where to write the site; `DIR/index.html` is its start page.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let (platforms, profiles) = match args.selection.load_with_profiles() {
        Ok(p) => p,
        Err(e) => return specs::fail(&e),
    };
    let refs: Vec<_> = platforms.iter().map(|p| &**p).collect();
    let mut site = match docs::site(&refs) {
        Ok(site) => site,
        Err(e) => return specs::fail(&e),
    };
    // What each profile changes, and the document's examples it still refuses, beside the platform's pages; for a
    // platform given no profile, its shipped ones, so the docs always say which examples are refused and why.
    let mut profiles = profiles;
    for platform in &platforms {
        if profiles.iter().any(|p| p.platform == *platform.name) {
            continue;
        }
        for (_, shown, text) in hisgate_codegen::profile::SHIPPED.iter().filter(|(p, _, _)| *p == platform.name) {
            match hisgate_codegen::profile::apply_text(platform, text, shown) {
                Ok((_, profile)) => profiles.push(profile),
                Err(e) => return specs::fail(&format!("the shipped profile {shown} has errors:\n{e}")),
            }
        }
    }
    for profile in &profiles {
        let page = format!("{}/profile-{}.md", profile.platform, profile.name);
        site.files.insert(page, hisgate_codegen::profile::markdown(profile));
    }
    if let Err(e) = site.write_to(&args.out) {
        return specs::fail(&format!("cannot write {}: {e}", args.out.display()));
    }
    let pages = site.files.keys().filter(|k| k.ends_with(".html")).count();
    println!(
        "wrote {} files ({pages} HTML pages, each also as Markdown) for {} platform(s); open {}",
        site.files.len(),
        refs.len(),
        args.out.join("index.html").display()
    );
    ExitCode::SUCCESS
}
