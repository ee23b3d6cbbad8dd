//! `examples/worked.yaml`: the document's worked examples, read into the AST with positions, each with the text of
//! the payload file it names. Meaning (interface, inputs, errata) is checked in `lower::worked`.

use super::ast::S;
use super::load_error_position;
use super::reader::{FileReader, MapReader};
use crate::diagnostic::Diagnostics;
use hisgate_schema::{SourcePos, Str};
use marked_yaml::LoaderOptions;
use std::path::{Component, Path};

/// Where a platform folder keeps its examples, and the manifest in it.
pub const FOLDER: &str = "examples";
pub const MANIFEST: &str = "worked.yaml";

#[derive(Debug, Clone)]
pub struct WorkedAst {
    pub pos: SourcePos,
    pub title: Option<S>,
    pub source: Option<S>,
    pub interface: Option<S>,
    pub direction: Option<S>,
    pub format: Option<S>,
    pub payload: Option<S>,
    /// The payload file's text, less its final newline; `None` when it could not be read (reported).
    pub payload_text: Option<String>,
    pub inputs: Vec<(S, S)>,
    pub sign: Option<S>,
    pub ciphertext: Option<S>,
    pub erratum: Option<S>,
    pub note: Option<S>,
}

/// Reads `examples/worked.yaml` of a platform folder; a folder without one has no worked examples.
pub fn read(dir: &Path, display: &str, diags: &mut Diagnostics) -> Vec<WorkedAst> {
    let examples = dir.join(FOLDER);
    let shown = format!("{display}/{FOLDER}/{MANIFEST}");
    let Ok(text) = std::fs::read_to_string(examples.join(MANIFEST)) else {
        return Vec::new();
    };
    let file: Str = Str::Owned(shown);
    let options = LoaderOptions::default().error_on_duplicate_keys(true).toplevel_sequence();
    let node = match marked_yaml::parse_yaml_with_options(0, &text, options) {
        Ok(node) => node,
        Err(e) => {
            let (line, column) = load_error_position(&e);
            diags.error(&SourcePos { file, line, column }, format!("YAML: {e}"));
            return Vec::new();
        }
    };
    let mut r = FileReader { file, diags };
    let Some(seq) = r.sequence(&node, "a list of worked examples") else {
        return Vec::new();
    };
    seq.iter().filter_map(|item| r.mapping(item, "a worked example").map(|m| read_one(&mut r, m, &examples))).collect()
}

fn read_one(r: &mut FileReader, mut map: MapReader, examples: &Path) -> WorkedAst {
    let pos = r.pos(map.span());
    let title = map.required(r, "title");
    let source = map.required(r, "source");
    let interface = map.text(r, "interface");
    let direction = map.required(r, "direction");
    let format = map.required(r, "format");
    let payload = map.required(r, "payload");
    let payload_text = payload.as_ref().and_then(|p| payload_text(r, p, examples));
    let inputs = read_inputs(r, &mut map);
    let (sign, ciphertext) = read_expect(r, &mut map);
    let erratum = map.text(r, "erratum");
    let note = map.text(r, "note");
    map.finish(r);
    WorkedAst {
        pos,
        title,
        source,
        interface,
        direction,
        format,
        payload,
        payload_text,
        inputs,
        sign,
        ciphertext,
        erratum,
        note,
    }
}

/// The payload file, which must lie inside the examples folder.
fn payload_text(r: &mut FileReader, payload: &S, examples: &Path) -> Option<String> {
    let relative = Path::new(&payload.value);
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        let message = format!("payload `{}` must be a path inside `{FOLDER}/` (no `..`, not absolute)", payload.value);
        r.diags.error(&payload.pos, message);
        return None;
    }
    match std::fs::read(examples.join(relative)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            // A final newline belongs to the file, not to the payload the document encrypted and signed.
            Ok(text) => Some(text.strip_suffix('\n').map(str::to_owned).unwrap_or(text)),
            Err(e) => {
                r.diags.error(&payload.pos, format!("payload `{}` is not UTF-8: {e}", payload.value));
                None
            }
        },
        Err(e) => {
            r.diags.error(&payload.pos, format!("cannot read payload `{}` in `{FOLDER}/`: {e}", payload.value));
            None
        }
    }
}

fn read_expect(r: &mut FileReader, parent: &mut MapReader) -> (Option<S>, Option<S>) {
    let Some(node) = parent.node("expect") else {
        return (None, None);
    };
    let Some(mut map) = r.mapping(node, "`expect`") else {
        return (None, None);
    };
    let printed = (map.text(r, "sign"), map.text(r, "ciphertext"));
    map.finish(r);
    printed
}

/// `inputs:` maps names to values.
fn read_inputs(r: &mut FileReader, parent: &mut MapReader) -> Vec<(S, S)> {
    let Some(node) = parent.node("inputs") else {
        return Vec::new();
    };
    let Some(map) = node.as_mapping() else {
        r.error(node.span(), "expected `inputs` (a mapping from an input's name to its value)");
        return Vec::new();
    };
    let mut inputs = Vec::new();
    for (key, value) in map.iter() {
        let name = S { value: key.as_str().to_owned(), pos: r.pos(key.span()) };
        if let Some(value) = r.text(value, &format!("the value of `{}`", name.value)) {
            inputs.push((name, value));
        }
    }
    inputs
}
