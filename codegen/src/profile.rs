//! Counterpart profiles: a YAML overlay on a platform's spec naming what one counterpart does differently from the
//! document — a required field it leaves out, a wider length, another format, an open dictionary or extra codes,
//! extra aliases (positional ones included), another length unit. A profile is checked against its spec like the
//! spec itself (every error at `file:line:column`) and merged into the schema when the spec is loaded, so servers,
//! clients, docs and tools all see one schema and none re-implements leniency. The document stays as written:
//! [`Profile::changes`] says, for docs and `diff`, what the profile departs from.

use crate::diagnostic::Diagnostics;
use crate::spec::ast::S;
use crate::spec::reader::{FileReader, MapReader};
use hisgate_schema::validate::parse_decimal;
use hisgate_schema::{
    CodeSchema, FieldSchema, FieldType, LengthUnit, MessageId, PlatformSchema, Presence, SourcePos, Str, TimeFormat,
};
use std::path::Path;

/// A profile as read, with what it changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub platform: String,
    pub description: String,
    /// The file, as shown in errors (`specs/shaanxi/profiles/as-printed.yaml`).
    pub file: String,
    pub changes: Vec<Change>,
    /// The document's own examples this profile still refuses, each with the violations it is refused for and why.
    pub refused: Vec<RefusedExample>,
}

/// A worked example of the document that stays refused under the profile: the docs list it, a test holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedExample {
    /// The example's file under `specs/<platform>/examples/` (`GetStatement.request.xml`).
    pub example: String,
    /// `path: rule` of each violation, in field order (`startDate: required`).
    pub violations: Vec<String>,
    pub why: String,
}

/// One departure from the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// What it applies to: `OrderRegister.request.patientFlag`, `dictionary idType`, `platform`.
    pub target: String,
    /// What changes: `may be absent (the document: required)`.
    pub what: String,
    /// Why, in the profile's words.
    pub why: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.target, self.what)?;
        if !self.why.is_empty() {
            write!(f, " — {}", self.why)?;
        }
        Ok(())
    }
}

/// Reads the profile at `path` (`display` is how it is named in errors), checks it against `platform` and returns
/// the platform with the profile merged in.
pub fn apply(platform: &PlatformSchema, path: &Path, display: &str) -> Result<(PlatformSchema, Profile), Diagnostics> {
    match std::fs::read_to_string(path) {
        Ok(text) => apply_text(platform, &text, display),
        Err(e) => {
            let mut diags = Diagnostics::default();
            let pos = SourcePos { file: Str::Owned(display.to_owned()), line: 1, column: 1 };
            diags.error(&pos, format!("cannot read the profile: {e}"));
            Err(diags)
        }
    }
}

/// [`apply`] for a profile's text (a profile compiled in, as the shipped ones are for the docs).
pub fn apply_text(
    platform: &PlatformSchema,
    text: &str,
    display: &str,
) -> Result<(PlatformSchema, Profile), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut merged = platform.clone();
    let mut profile = Profile {
        name: String::new(),
        platform: String::new(),
        description: String::new(),
        file: display.to_owned(),
        changes: Vec::new(),
        refused: Vec::new(),
    };
    let file = Str::Owned(display.to_owned());
    let options = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true).toplevel_mapping();
    match marked_yaml::parse_yaml_with_options(0, text, options) {
        Ok(node) => {
            let mut r = FileReader { file, diags: &mut diags };
            if let Some(map) = r.mapping(&node, "a profile") {
                let mut merger = Merger { platform: &mut merged, changes: Vec::new() };
                merger.profile(&mut r, map, &mut profile);
                profile.changes = merger.changes;
            }
        }
        Err(e) => {
            // Where the parser stopped, as for a spec file.
            let (line, column) = crate::spec::load_error_position(&e);
            diags.error(&SourcePos { file, line, column }, format!("YAML: {e}"))
        }
    }
    if diags.is_empty() { Ok((merged, profile)) } else { Err(diags) }
}

/// The profiles shipped beside the specs, compiled in: (platform, file as shown, text).
pub const SHIPPED: &[(&str, &str, &str)] = &[
    (
        "glorycard",
        "specs/glorycard/profiles/as-printed.yaml",
        include_str!("../../specs/glorycard/profiles/as-printed.yaml"),
    ),
    ("shaanxi", "specs/shaanxi/profiles/as-printed.yaml", include_str!("../../specs/shaanxi/profiles/as-printed.yaml")),
    (
        "yizhangtong",
        "specs/yizhangtong/profiles/as-printed.yaml",
        include_str!("../../specs/yizhangtong/profiles/as-printed.yaml"),
    ),
];

struct Merger<'p> {
    platform: &'p mut PlatformSchema,
    changes: Vec<Change>,
}

fn why(r: &mut FileReader, map: &mut MapReader) -> String {
    map.text(r, "why").map(|w| w.value.trim().to_owned()).unwrap_or_default()
}

impl Merger<'_> {
    fn change(&mut self, target: impl Into<String>, what: impl Into<String>, why: &str) {
        self.changes.push(Change { target: target.into(), what: what.into(), why: why.to_owned() });
    }

    fn profile(&mut self, r: &mut FileReader, mut map: MapReader, profile: &mut Profile) {
        profile.name = map.required(r, "profile").map(|s| s.value).unwrap_or_default();
        if let Some(name) = map.required(r, "platform") {
            if name.value != *self.platform.name {
                let message = format!("the profile is for `{}`, but the spec is `{}`", name.value, self.platform.name);
                r.diags.error(&name.pos, message);
            }
            profile.platform = name.value;
        }
        profile.description = map.text(r, "description").map(|s| s.value).unwrap_or_default();
        if let Some(unit) = map.text(r, "length") {
            self.platform_length(r, &unit);
        }
        map.list(r, "dictionaries", "a dictionary change", |r, m| {
            self.dictionary(r, m);
            Some(())
        });
        map.list(r, "interfaces", "an interface change", |r, m| {
            self.interface(r, m);
            Some(())
        });
        profile.refused = map.list(r, "refused", "a refused example", |r, mut m| {
            let example = m.required(r, "example");
            let violations = m.texts(r, "violations");
            let why = why(r, &mut m);
            if why.is_empty() {
                r.error(m.span(), "a refused example needs `why`: the docs tell users the reason");
            }
            m.finish(r);
            Some(RefusedExample {
                example: example?.value,
                violations: violations.into_iter().map(|v| v.value).collect(),
                why,
            })
        });
        map.finish(r);
    }

    /// A platform-wide length unit: every `string(N)`/`char(N)` field without its own.
    fn platform_length(&mut self, r: &mut FileReader, unit: &S) {
        let Some(parsed) = parse_unit(r, unit) else { return };
        for message in self.platform.messages.to_mut() {
            for field in message.fields.to_mut() {
                if field.max_length().is_some() {
                    field.length_unit = Some(parsed);
                }
            }
        }
        self.change("platform", format!("lengths counted in {}", parsed.as_str()), "");
    }

    fn dictionary(&mut self, r: &mut FileReader, mut map: MapReader) {
        let name = map.required(r, "name");
        let open = map.bool(r, "open");
        let why = why(r, &mut map);
        map.finish(r);
        let Some(name) = name else { return };
        let Some(dict) = self.platform.dictionaries.to_mut().iter_mut().find(|d| d.name == name.value) else {
            let known: Vec<&str> = self.platform.dictionaries.iter().map(|d| &*d.name).collect();
            let message =
                format!("no dictionary `{}` in `{}` (it has: {})", name.value, self.platform.name, known.join(", "));
            r.diags.error(&name.pos, message);
            return;
        };
        if let Some(open) = open.filter(|o| o.value) {
            if dict.open {
                r.diags.error(&open.pos, format!("dictionary `{}` is open already", name.value));
            }
            dict.open = true;
            self.change(format!("dictionary {}", name.value), "open: a code outside its tables is kept", &why);
        }
    }

    fn interface(&mut self, r: &mut FileReader, mut map: MapReader) {
        let name = map.required(r, "interface");
        let found = name.as_ref().and_then(|n| {
            let found = self.platform.interfaces.iter().find(|i| i.name == n.value).map(|i| (i.request, i.response));
            if found.is_none() {
                let message = format!("no interface `{}` in `{}`", n.value, self.platform.name);
                r.diags.error(&n.pos, message);
            }
            found
        });
        for (key, index) in [("request", 0), ("response", 1)] {
            let message = found.map(|(request, response)| if index == 0 { request } else { response });
            let interface = name.as_ref().map_or("", |n| n.value.as_str()).to_owned();
            map.list(r, key, "a field change", |r, m| {
                self.field(r, m, message, &format!("{interface}.{key}"));
                Some(())
            });
        }
        map.finish(r);
    }

    fn field(&mut self, r: &mut FileReader, mut map: MapReader, message: Option<MessageId>, scope: &str) {
        let path = map.required(r, "field");
        let required = map.bool(r, "required");
        let length = map.text(r, "length");
        let length_unit = map.text(r, "length_unit");
        let formats = map.texts(r, "formats");
        let codes = map.list(r, "codes", "a code", |r, mut m| {
            let code = m.required(r, "code");
            let label = m.text(r, "label");
            m.finish(r);
            Some((code?, label))
        });
        let aliases = map.texts(r, "aliases");
        let first_of = map.text(r, "first_of");
        let min = map.text(r, "min");
        let max = map.text(r, "max");
        let why = why(r, &mut map);
        map.finish(r);
        let (Some(path), Some(message)) = (path, message) else { return };
        let errors_before = r.diags.len();
        let Some((owner, index)) = self.locate(r, message, &path, scope) else { return };
        let target = format!("{scope}.{}", path.value);
        let siblings: Vec<FieldSchema> = self.platform.message(owner).fields.to_vec();
        let mut field = siblings[index].clone();
        let mut changes = Vec::new();
        if let Some(required) = required {
            match (&field.presence, required.value) {
                (Presence::Optional, false) => {
                    r.diags.error(&required.pos, format!("`{}` is optional already", field.name))
                }
                (Presence::Required, true) => {
                    r.diags.error(&required.pos, format!("`{}` is required already", field.name))
                }
                (before, false) => {
                    let was = match before {
                        Presence::RequiredWhen(c) => format!("required when {c}"),
                        _ => "required".to_owned(),
                    };
                    field.presence = Presence::Optional;
                    changes.push(format!("may be absent (the document: {was})"));
                }
                (_, true) => {
                    field.presence = Presence::Required;
                    changes.push("required (the document: optional)".to_owned());
                }
            }
        }
        if let Some(unit) = &length_unit
            && let Some(parsed) = parse_unit(r, unit)
        {
            if field.max_length().is_none() {
                r.diags.error(
                    &unit.pos,
                    format!("`length_unit` applies to string(N) and char(N), not to {}", field.ty.notation()),
                );
            } else {
                field.length_unit = Some(parsed);
                changes.push(format!("length counted in {}", parsed.as_str()));
            }
        }
        if let Some(length) = &length {
            self.widen(r, &mut field, length, &mut changes);
        }
        for format in &formats {
            if field.format.is_none() {
                r.diags.error(&format.pos, format!("`{}` has no format to add to", field.name));
                continue;
            }
            match TimeFormat::parse(&format.value) {
                Ok(parsed) => {
                    field.also_formats.to_mut().push(parsed);
                    changes.push(format!("also accepts the format {}", format.value));
                }
                Err(e) => r.diags.error(&format.pos, format!("format `{}`: {e}", format.value)),
            }
        }
        for (code, label) in &codes {
            if !field.has_codes() {
                r.diags.error(&code.pos, format!("`{}` takes no codes: it has neither `dict` nor `codes`", field.name));
                continue;
            }
            if field.accepted_codes(self.platform).any(|c| c.matches(&code.value)) {
                r.diags.error(&code.pos, format!("`{}` accepts code `{}` already", field.name, code.value));
                continue;
            }
            let label = label.as_ref().map_or(String::new(), |l| l.value.clone());
            changes.push(format!("also accepts the code {}", code.value));
            field.codes.to_mut().push(CodeSchema {
                code: Str::Owned(code.value.clone()),
                label: Str::Owned(label),
                ..CodeSchema::BLANK
            });
        }
        for alias in &aliases {
            let taken = siblings.iter().any(|s| s.name == alias.value || s.aliases.iter().any(|a| *a == alias.value));
            if taken {
                r.diags.error(&alias.pos, format!("alias `{}` is already a name or alias in `{scope}`", alias.value));
                continue;
            }
            field.aliases.to_mut().push(Str::Owned(alias.value.clone()));
            changes.push(format!("also read as `{}`", alias.value));
        }
        if let Some(twice) = &first_of {
            let scalar = |ty: FieldType| ty.is_text() || ty.is_number();
            match siblings.iter().find(|s| s.name == twice.value && s.name != field.name) {
                Some(s) if scalar(s.ty) && scalar(field.ty) => {
                    field.first_of = Some(Str::Owned(twice.value.clone()));
                    changes.push(format!("the first of two `{}` is this field", twice.value));
                }
                Some(s) => r
                    .diags
                    .error(&twice.pos, format!("`first_of` pairs scalar fields; `{}` is {}", s.name, s.ty.notation())),
                None => r.diags.error(
                    &twice.pos,
                    format!("`first_of` names `{}`, not a sibling of `{}`", twice.value, field.name),
                ),
            }
        }
        for (bound, slot, word) in [(&min, 0, "minimum"), (&max, 1, "maximum")] {
            let Some(bound) = bound else { continue };
            if !field.ty.is_number() || parse_decimal(&bound.value).is_none() {
                r.diags.error(&bound.pos, format!("`{word}` {} needs a number field and a number", bound.value));
                continue;
            }
            let value = Some(Str::Owned(bound.value.clone()));
            if slot == 0 {
                field.min = value
            } else {
                field.max = value
            }
            changes.push(format!("{word} {}", bound.value));
        }
        if changes.is_empty() && r.diags.len() == errors_before {
            r.diags.error(&path.pos, format!("the entry for `{}` changes nothing", path.value));
        }
        self.platform.messages.to_mut()[owner.0 as usize].fields.to_mut()[index] = field;
        for what in changes {
            self.change(target.clone(), what, &why);
        }
    }

    /// `a.b.c` from `message`: the message holding the last field, and its index there.
    fn locate(&self, r: &mut FileReader, message: MessageId, path: &S, scope: &str) -> Option<(MessageId, usize)> {
        let mut owner = message;
        let segments: Vec<&str> = path.value.split('.').collect();
        for (i, segment) in segments.iter().enumerate() {
            let fields = &self.platform.message(owner).fields;
            let Some(index) = fields.iter().position(|f| f.name == *segment) else {
                let known: Vec<&str> = fields.iter().map(|f| &*f.name).collect();
                let at = segments[..i].join(".");
                let within = if at.is_empty() { scope.to_owned() } else { format!("{scope}.{at}") };
                let message = format!("no field `{segment}` in {within} (it has: {})", known.join(", "));
                r.diags.error(&path.pos, message);
                return None;
            };
            if i + 1 == segments.len() {
                return Some((owner, index));
            }
            match fields[index].ty.child() {
                Some(child) => owner = child,
                None => {
                    r.diags
                        .error(&path.pos, format!("`{segment}` has no fields: it is {}", fields[index].ty.notation()));
                    return None;
                }
            }
        }
        None
    }

    /// A wider length: more than the document's, never less (a narrower one is the document's business).
    fn widen(&mut self, r: &mut FileReader, field: &mut FieldSchema, length: &S, changes: &mut Vec<String>) {
        let Ok(wider) = length.value.trim().parse::<u32>() else {
            r.diags.error(&length.pos, format!("`length` must be a whole number, found `{}`", length.value));
            return;
        };
        let notation = field.ty.notation();
        let ty = match field.ty {
            FieldType::String { max_chars: Some(n) } if wider > n => FieldType::String { max_chars: Some(wider) },
            FieldType::Char { max_bytes } if wider > max_bytes => FieldType::Char { max_bytes: wider },
            FieldType::String { max_chars: Some(_) } | FieldType::Char { .. } => {
                r.diags.error(&length.pos, format!("`length` {wider} is not wider than {notation}"));
                return;
            }
            other => {
                r.diags.error(
                    &length.pos,
                    format!("`length` applies to string(N) and char(N), not to {}", other.notation()),
                );
                return;
            }
        };
        field.ty = ty;
        changes.push(format!("{} (the document: {notation})", ty.notation()));
    }
}

fn parse_unit(r: &mut FileReader, unit: &S) -> Option<LengthUnit> {
    let parsed = LengthUnit::parse(&unit.value);
    if parsed.is_none() {
        let known: Vec<&str> = LengthUnit::ALL.iter().map(|u| u.as_str()).collect();
        r.diags.error(&unit.pos, format!("unknown length unit `{}` (expected {})", unit.value, known.join(", ")));
    }
    parsed
}

/// What the changes of two profiles of one platform differ by: `-` only in the first, `+` only in the second.
pub fn diff(old: &Profile, new: &Profile) -> Vec<String> {
    let key = |c: &Change| format!("{}: {}", c.target, c.what);
    let old_keys: Vec<String> = old.changes.iter().map(key).collect();
    let new_keys: Vec<String> = new.changes.iter().map(key).collect();
    let mut out: Vec<String> = old_keys.iter().filter(|k| !new_keys.contains(k)).map(|k| format!("- {k}")).collect();
    out.extend(new_keys.iter().filter(|k| !old_keys.contains(k)).map(|k| format!("+ {k}")));
    out
}

/// The profile's changes as Markdown, for the docs and `hisgate check --profile`.
pub fn markdown(profile: &Profile) -> String {
    let mut out = format!("## Profile `{}` ({})\n\n", profile.name, profile.file);
    if !profile.description.is_empty() {
        out.push_str(profile.description.trim());
        out.push_str("\n\n");
    }
    out.push_str("| applies to | what the counterpart does differently | why |\n|---|---|---|\n");
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for change in &profile.changes {
        out.push_str(&format!("| `{}` | {} | {} |\n", change.target, cell(&change.what), cell(&change.why)));
    }
    if !profile.refused.is_empty() {
        out.push_str("\n### The document's examples refused even under this profile\n\n");
        out.push_str("| example | refused for | why |\n|---|---|---|\n");
        for refused in &profile.refused {
            let violations: Vec<String> = refused.violations.iter().map(|v| format!("`{v}`")).collect();
            out.push_str(&format!("| `{}` | {} | {} |\n", refused.example, violations.join(", "), cell(&refused.why)));
        }
    }
    out
}

/// The platform a profile file names (its `platform:` key), to find the spec it applies to.
pub fn platform_of(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let node = marked_yaml::parse_yaml(0, &text).ok()?;
    Some(node.as_mapping()?.get_scalar("platform")?.as_str().to_owned())
}
