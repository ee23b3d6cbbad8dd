//! The seed documents' worked examples, which each platform's walkthrough runs through the engine: a manifest per
//! platform (`<platform>/walkthrough.yaml`) naming the payload file and the inputs the document used, with the
//! values the document printed, so the docs show both and whether they agree.

use hisgate_runtime::envelope::Format;
use hisgate_runtime::schema::Direction;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One worked example as its manifest states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkedExample {
    pub title: String,
    /// Where the document has it.
    pub source: String,
    /// The interface whose service name the envelope carries, if the example belongs to one.
    #[serde(default)]
    pub interface: Option<String>,
    pub direction: DirectionName,
    pub format: FormatName,
    /// The payload file, beside the manifest; its text (less the file's final newline) is sealed byte for byte.
    pub payload: String,
    /// Inputs besides the credentials' examples: a timestamp, a credential the example used instead, an
    /// envelope field's value.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// What the document printed.
    #[serde(default)]
    pub expect: Expect,
    #[serde(default)]
    pub note: String,
    /// The payload file's text.
    #[serde(skip)]
    pub payload_text: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub sign: Option<String>,
    pub ciphertext: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectionName {
    Request,
    Response,
}

impl DirectionName {
    pub fn direction(self) -> Direction {
        match self {
            DirectionName::Request => Direction::Request,
            DirectionName::Response => Direction::Response,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatName {
    Json,
    Xml,
}

impl FormatName {
    pub fn format(self) -> Format {
        match self {
            FormatName::Json => Format::Json,
            FormatName::Xml => Format::Xml,
        }
    }
}

/// Worked examples by platform name.
#[derive(Debug, Clone, Default)]
pub struct WorkedExamples {
    by_platform: BTreeMap<String, Vec<WorkedExample>>,
}

// The manifests and the payload files they name, from tests/fixtures/seeds/, compiled in so that `hisgate docs`
// needs no checkout. `the_compiled_in_manifests_load` checks that every file a manifest names is here.
macro_rules! seed {
    ($path:literal) => {
        ($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/seeds/", $path)))
    };
}
const SEEDS: &[(&str, &str)] = &[
    seed!("glorycard/walkthrough.yaml"),
    seed!("glorycard/sign-example.body.json"),
    seed!("onepay/walkthrough.yaml"),
    seed!("onepay/charge.response.param.jstr.txt"),
    seed!("shaanxi/walkthrough.yaml"),
    seed!("shaanxi/envelope/testnet.request.plaintext.xml"),
    seed!("shaanxi/envelope/testnet.request.plaintext.json"),
    seed!("shaanxi/envelope/testnet.response.plaintext.xml"),
];

const MANIFEST: &str = "walkthrough.yaml";

impl WorkedExamples {
    /// The four seed documents' worked examples.
    pub fn seeds() -> Result<WorkedExamples, String> {
        let read = |path: &str| SEEDS.iter().find(|(p, _)| *p == path).map(|(_, text)| (*text).to_owned());
        let platforms = SEEDS.iter().filter_map(|(path, _)| path.strip_suffix(&format!("/{MANIFEST}")));
        WorkedExamples::load(platforms, read)
    }

    /// The manifests of a folder laid out as `tests/fixtures/seeds/`: `<platform>/walkthrough.yaml`.
    pub fn from_dir(dir: &Path) -> Result<WorkedExamples, String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut platforms: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().join(MANIFEST).is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        platforms.sort();
        let read = |path: &str| std::fs::read_to_string(dir.join(path)).ok();
        WorkedExamples::load(platforms.iter().map(String::as_str), read)
    }

    fn load<'a>(
        platforms: impl Iterator<Item = &'a str>,
        read: impl Fn(&str) -> Option<String>,
    ) -> Result<WorkedExamples, String> {
        let mut by_platform = BTreeMap::new();
        for platform in platforms {
            let manifest = format!("{platform}/{MANIFEST}");
            let text = read(&manifest).ok_or_else(|| format!("{manifest}: cannot read"))?;
            let options = marked_yaml::LoaderOptions::default().toplevel_sequence();
            let mut examples: Vec<WorkedExample> =
                marked_yaml::from_yaml_with_options(0, &text, options).map_err(|e| format!("{manifest}: {e}"))?;
            for example in &mut examples {
                let path = format!("{platform}/{}", example.payload);
                let text = read(&path).ok_or_else(|| format!("{manifest}: cannot read {path}"))?;
                // A final newline belongs to the file, not to the payload the document encrypted and signed.
                example.payload_text = text.strip_suffix('\n').unwrap_or(&text).to_owned();
            }
            by_platform.insert(platform.to_owned(), examples);
        }
        Ok(WorkedExamples { by_platform })
    }

    pub fn of(&self, platform: &str) -> &[WorkedExample] {
        self.by_platform.get(platform).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_manifests_load() {
        let seeds = WorkedExamples::seeds().unwrap();
        for platform in ["glorycard", "onepay", "shaanxi"] {
            assert!(!seeds.of(platform).is_empty(), "{platform}");
        }
        assert!(seeds.of("yizhangtong").is_empty());
    }

    /// specs/README.md documents the manifest with an example naming every key: it must parse as one.
    #[test]
    fn the_documented_manifest_is_a_manifest() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/README.md"));
        let section = readme.split_once("\n## Worked examples\n").expect("specs/README.md has the section").1;
        let block = section.split_once("```yaml\n").and_then(|(_, b)| b.split_once("```")).expect("a YAML block").0;
        let options = marked_yaml::LoaderOptions::default().toplevel_sequence();
        let examples: Vec<WorkedExample> = marked_yaml::from_yaml_with_options(0, block, options).unwrap();
        let [example] = examples.as_slice() else { panic!("one example: {examples:#?}") };
        assert!(example.interface.is_some() && !example.inputs.is_empty() && !example.note.is_empty());
        assert!(example.expect.sign.is_some() && example.expect.ciphertext.is_some());
    }
}
