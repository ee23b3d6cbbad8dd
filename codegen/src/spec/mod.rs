//! Stage one: spec files into the AST. Shape errors are reported here; meaning is checked in `lower`.

mod answers;
pub mod ast;
mod database;
mod idempotency;
mod protocol;
pub(crate) mod reader;
pub(crate) mod statement;
pub(crate) mod worked;

use crate::diagnostic::Diagnostics;
use ast::*;
use hisgate_schema::{SourcePos, Str};
use marked_yaml::{LoaderOptions, Node};
use reader::{FileReader, MapReader};
use std::path::Path;

/// Reads one platform folder. `display` is how its paths are shown (`specs/shaanxi`).
pub fn read_platform(dir: &Path, display: &str, diags: &mut Diagnostics) -> PlatformAst {
    // `.` and `..` have no file name of their own: the folder's name is that of the path they stand for.
    let canonical = dir.canonicalize().ok();
    let folder = canonical.as_deref().unwrap_or(dir).file_name();
    let folder = folder.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut ast = PlatformAst { folder, ..PlatformAst::default() };
    let platform_file = dir.join("platform.yaml");
    match load(&platform_file, &format!("{display}/platform.yaml"), diags) {
        Some((node, mut r)) => read_platform_file(&mut r, &node, &mut ast),
        None if !platform_file.exists() => {
            let pos = SourcePos { file: Str::Owned(format!("{display}/platform.yaml")), line: 1, column: 1 };
            diags.error(&pos, "missing platform.yaml: every platform folder starts with one");
        }
        None => {}
    }
    if let Some((node, mut r)) = load(&dir.join("dictionaries.yaml"), &format!("{display}/dictionaries.yaml"), diags)
        && let Some(mut map) = r.mapping(&node, "a dictionaries file")
    {
        ast.dictionaries = map.list(&mut r, "dictionaries", "a dictionary", read_dictionary);
        map.finish(&mut r);
    }
    if let Some((node, mut r)) = load(&dir.join("protocol.yaml"), &format!("{display}/protocol.yaml"), diags) {
        ast.protocol = protocol::read(&mut r, &node);
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.join("interfaces"))
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for path in files {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let shown = format!("{display}/interfaces/{name}");
        let Some(stem) = name.strip_suffix(".yaml") else {
            let pos = SourcePos { file: Str::Owned(shown), line: 1, column: 1 };
            diags.error(&pos, "interface files end in `.yaml`");
            continue;
        };
        if let Some((node, mut r)) = load(&path, &shown, diags)
            && let Some(interface) = read_interface(&mut r, &node, stem, &mut ast.errata)
        {
            ast.interfaces.push(interface);
        }
    }
    ast.worked = worked::read(dir, display, diags);
    ast
}

/// Parses a YAML file; a missing optional file is `None` without an error.
pub(crate) fn load<'d>(path: &Path, shown: &str, diags: &'d mut Diagnostics) -> Option<(Node, FileReader<'d>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let file: Str = Str::Owned(shown.to_owned());
    let options = LoaderOptions::default().error_on_duplicate_keys(true).toplevel_mapping();
    match marked_yaml::parse_yaml_with_options(0, &text, options) {
        Ok(node) => Some((node, FileReader { file, diags })),
        Err(e) => {
            let (line, column) = load_error_position(&e);
            let pos = SourcePos { file, line, column };
            diags.error(&pos, format!("YAML: {e}"));
            None
        }
    }
}

pub(crate) fn load_error_position(e: &marked_yaml::LoadError) -> (u32, u32) {
    use marked_yaml::LoadError::*;
    let marker = match e {
        TopLevelMustBeMapping(m)
        | TopLevelMustBeSequence(m)
        | UnexpectedAnchor(m)
        | MappingKeyMustBeScalar(m)
        | UnexpectedTag(m) => Some(*m),
        ScanError(m, _) => Some(*m),
        DuplicateKey(inner) => inner.key.span().start().copied(),
    };
    marker.map_or((1, 1), |m| (m.line() as u32, m.column() as u32))
}

fn read_platform_file(r: &mut FileReader, node: &Node, ast: &mut PlatformAst) {
    let Some(mut map) = r.mapping(node, "a platform") else {
        return;
    };
    ast.pos = Some(r.pos(map.span()));
    ast.platform = map.required(r, "platform");
    ast.title = map.required(r, "title");
    ast.document = map.required(r, "document");
    ast.seed = map.text(r, "seed");
    ast.description = map.text(r, "description");
    ast.length = map.text(r, "length");
    ast.return_codes = map.list(r, "return_codes", "a return code", read_return_code);
    let errata = map.list(r, "errata", "an erratum", |r, m| read_erratum(r, m, None));
    ast.errata.extend(errata);
    map.finish(r);
}

fn read_return_code(r: &mut FileReader, mut map: MapReader) -> Option<ReturnCodeAst> {
    let code = ReturnCodeAst {
        code: map.required(r, "code"),
        message: map.required(r, "message"),
        success: map.bool(r, "success"),
        description: map.text(r, "description"),
        aliases: map.texts(r, "aliases"),
        erratum: map.one_or_many(r, "erratum"),
        status: map.text(r, "status"),
    };
    map.finish(r);
    Some(code)
}

fn read_erratum(r: &mut FileReader, mut map: MapReader, interface: Option<&str>) -> Option<ErratumAst> {
    let erratum = ErratumAst {
        pos: r.pos(map.span()),
        id: map.required(r, "id"),
        title: map.required(r, "title"),
        section: map.text(r, "section"),
        description: map.required(r, "description"),
        interface: interface.map(str::to_owned),
    };
    map.finish(r);
    Some(erratum)
}

fn read_dictionary(r: &mut FileReader, mut map: MapReader) -> Option<DictionaryAst> {
    let pos = r.pos(map.span());
    let has_codes = map.node("codes").is_some();
    let dictionary = DictionaryAst {
        name: map.required(r, "name"),
        title: map.required(r, "title"),
        section: map.text(r, "section"),
        description: map.text(r, "description"),
        open: map.bool(r, "open"),
        codes: has_codes.then(|| map.list(r, "codes", "a code", read_code)),
        tables: map.node("tables").is_some().then(|| map.list(r, "tables", "a table", read_table)),
        erratum: map.one_or_many(r, "erratum"),
        pos,
    };
    map.finish(r);
    Some(dictionary)
}

fn read_table(r: &mut FileReader, mut map: MapReader) -> Option<TableAst> {
    let table = TableAst {
        name: map.required(r, "name"),
        title: map.required(r, "title"),
        codes: map.list(r, "codes", "a code", read_code),
    };
    map.finish(r);
    Some(table)
}

fn read_code(r: &mut FileReader, mut map: MapReader) -> Option<CodeAst> {
    let code = CodeAst {
        code: map.required(r, "code"),
        label: map.required(r, "label"),
        parent: map.text(r, "parent"),
        variant: map.text(r, "variant"),
        description: map.text(r, "description"),
        aliases: map.texts(r, "aliases"),
        erratum: map.one_or_many(r, "erratum"),
    };
    map.finish(r);
    Some(code)
}

fn read_interface(r: &mut FileReader, node: &Node, stem: &str, errata: &mut Vec<ErratumAst>) -> Option<InterfaceAst> {
    let mut map = r.mapping(node, "an interface")?;
    let interface = map.required(r, "interface");
    let name = interface.as_ref().map(|i| i.value.clone());
    let read = InterfaceAst {
        pos: r.pos(map.span()),
        file_stem: stem.to_owned(),
        title: map.required(r, "title"),
        section: map.text(r, "section"),
        provider: map.required(r, "provider"),
        service: map.text(r, "service"),
        service_aliases: map.texts(r, "service_aliases"),
        keys: map.texts(r, "keys"),
        path: map.text(r, "path"),
        binding: map.text(r, "binding"),
        encrypted: map.text(r, "encrypted"),
        retry: map.text(r, "retry"),
        effect: map.text(r, "effect"),
        description: map.text(r, "description"),
        request: read_message(r, &mut map, "request"),
        response: read_message(r, &mut map, "response"),
        return_codes: map.list(r, "return_codes", "a return code", read_return_code),
        database: database::read(r, &mut map),
        idempotency: idempotency::read(r, &mut map),
        answers: map.list(r, "answers", "an answer rule", answers::read),
        envelope: map.templates(r, "envelope", "an envelope value's template"),
        interface,
    };
    errata.extend(map.list(r, "errata", "an erratum", |r, m| read_erratum(r, m, name.as_deref())));
    map.finish(r);
    Some(read)
}

fn read_message(r: &mut FileReader, parent: &mut MapReader, key: &'static str) -> Option<MessageAst> {
    let Some(node) = parent.node(key) else {
        r.error(
            parent.span(),
            format!("missing required key `{key}` (a mapping with `fields`, `none`, or `open: true`)"),
        );
        return None;
    };
    if let Some(text) = node.as_scalar() {
        let pos = r.pos(node.span());
        if text.as_str() == "none" {
            return Some(MessageAst::Empty);
        }
        r.diags.error(&pos, format!("`{key}` must be `none` or a mapping, found `{}`", text.as_str()));
        return None;
    }
    let mut map = r.mapping(node, &format!("`{key}`"))?;
    let pos = r.pos(map.span());
    let open = map.bool(r, "open");
    let description = map.text(r, "description");
    let message = if open.as_ref().is_some_and(|o| o.value) {
        MessageAst::Open { description, pos }
    } else {
        MessageAst::Fields {
            root: map.text(r, "root"),
            description,
            fields: map.list(r, "fields", "a field", read_field),
            require_one_of: read_groups(r, &mut map),
        }
    };
    map.finish(r);
    Some(message)
}

fn read_groups(r: &mut FileReader, map: &mut MapReader) -> Vec<Vec<S>> {
    let Some(node) = map.node("require_one_of") else {
        return Vec::new();
    };
    let Some(seq) = r.sequence(node, "`require_one_of`") else {
        return Vec::new();
    };
    let mut groups = Vec::new();
    for group in seq.iter() {
        if let Some(names) = r.sequence(group, "a group of field names") {
            groups.push(names.iter().filter_map(|n| r.text(n, "a field name")).collect());
        }
    }
    groups
}

fn read_field(r: &mut FileReader, mut map: MapReader) -> Option<FieldAst> {
    let pos = r.pos(map.span());
    let has_codes = map.node("codes").is_some();
    let has_fields = map.node("fields").is_some();
    let field = FieldAst {
        name: map.required(r, "name"),
        title: map.required(r, "title"),
        description: map.text(r, "description"),
        ty: map.required(r, "type"),
        required: map.bool(r, "required"),
        required_when: map.text(r, "required_when"),
        dict: map.text(r, "dict"),
        codes: has_codes.then(|| map.list(r, "codes", "a code", read_code)),
        format: map.text(r, "format"),
        unit: map.text(r, "unit"),
        min: map.text(r, "min"),
        max: map.text(r, "max"),
        length: map.text(r, "length"),
        first_of: map.text(r, "first_of"),
        json: map.text(r, "json"),
        sensitive: map.bool(r, "sensitive"),
        aliases: map.texts(r, "aliases"),
        erratum: map.one_or_many(r, "erratum"),
        origin: map.text(r, "origin"),
        example: map.text(r, "example"),
        fields: has_fields.then(|| map.list(r, "fields", "a field", read_field)),
        pos,
    };
    map.finish(r);
    Some(field)
}
