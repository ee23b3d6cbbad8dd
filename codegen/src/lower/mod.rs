//! Stage two: the AST into the validated IR (`hisgate_schema::PlatformSchema`), resolving names and
//! checking every rule of the spec language. Every error is collected; none stops the others from being found.

mod answers;
mod database;
mod dictionary;
mod encryption;
mod envelope_values;
mod examples;
mod idempotency;
mod keys;
mod message;
mod protocol;
pub(crate) mod statement;
mod worked;

use crate::diagnostic::Diagnostics;
use crate::ident;
use crate::spec::ast::*;
use hisgate_schema::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Lowers one platform. The result is complete only when `diags` stayed empty.
pub fn lower(ast: PlatformAst, diags: &mut Diagnostics) -> PlatformSchema {
    let origin =
        ast.pos.clone().unwrap_or_else(|| SourcePos { file: Str::Owned(ast.folder.clone()), line: 1, column: 1 });
    let mut lowerer = Lowerer {
        diags,
        errata: HashSet::new(),
        dict_index: HashMap::new(),
        dictionaries: Vec::new(),
        messages: Vec::new(),
        length: None,
    };
    lowerer.length = ast.length.as_ref().and_then(|l| lowerer.length_unit(l));
    if let Some(name) = &ast.platform {
        let valid = name.value.starts_with(|c: char| c.is_ascii_lowercase())
            && name.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            lowerer.diags.error(&name.pos, format!("platform `{}` must be [a-z][a-z0-9_]*", name.value));
        } else if let Err(why) = ident::rust(&name.value) {
            // The name becomes the generated module's name.
            lowerer.diags.error(&name.pos, format!("platform `{}` names a Rust module: {why}", name.value));
        } else if name.value != ast.folder {
            let message = format!("platform `{}` must equal its folder name `{}`", name.value, ast.folder);
            lowerer.diags.error(&name.pos, message);
        }
    }
    let errata = lowerer.errata(&ast.errata);
    lowerer.dictionaries(&ast.dictionaries);
    let return_codes = lowerer.return_codes(&ast.return_codes, "platform");
    let mut interfaces: Vec<InterfaceSchema> = ast.interfaces.iter().filter_map(|i| lowerer.interface(i)).collect();
    interfaces.sort_by(|a, b| section_key(&a.section).cmp(&section_key(&b.section)).then(a.name.cmp(&b.name)));
    lowerer.interface_collisions(&interfaces, &ast.interfaces);
    let literals = lowerer.answers(&ast.interfaces, &mut interfaces, &return_codes);
    lowerer.idempotency(&ast.interfaces, &mut interfaces, &return_codes);
    lowerer.database_collisions(&interfaces, &ast.interfaces);
    let protocol = ast.protocol.as_ref().and_then(|p| lowerer.protocol(p, &return_codes, &interfaces, &ast.interfaces));
    lowerer.procedure_status(&interfaces, protocol.as_ref());
    lowerer.envelope_values(&ast.interfaces, &mut interfaces, protocol.as_ref(), ast.protocol.is_some());
    let worked = lowerer.worked(&ast.worked, protocol.as_ref(), &interfaces);
    let platform = PlatformSchema {
        name: text(&ast.platform),
        title: text(&ast.title),
        document: text(&ast.document),
        seed: opt(&ast.seed),
        description: text(&ast.description),
        origin,
        return_codes: Seq::Owned(return_codes),
        errata: Seq::Owned(errata),
        dictionaries: Seq::Owned(std::mem::take(&mut lowerer.dictionaries)),
        messages: Seq::Owned(std::mem::take(&mut lowerer.messages)),
        interfaces: Seq::Owned(interfaces),
        protocol,
        examples: Seq::Owned(worked),
    };
    examples::check(&platform, lowerer.diags);
    answers::check(&platform, &literals, lowerer.diags);
    platform
}

struct Lowerer<'d> {
    diags: &'d mut Diagnostics,
    errata: HashSet<String>,
    dict_index: HashMap<String, DictId>,
    dictionaries: Vec<DictionarySchema>,
    messages: Vec<MessageSchema>,
    /// The platform's length unit, for text fields that name none.
    length: Option<LengthUnit>,
}

/// The text of a key the reader already reported missing, or empty.
fn text(value: &Option<S>) -> Str {
    Str::Owned(value.as_ref().map(|s| s.value.clone()).unwrap_or_default())
}

fn opt(value: &Option<S>) -> Option<Str> {
    value.as_ref().map(|s| Str::Owned(s.value.clone()))
}

fn texts(values: &[S]) -> Seq<Str> {
    Seq::Owned(values.iter().map(|s| Str::Owned(s.value.clone())).collect())
}

/// `2.1.10` sorts after `2.1.9`; interfaces without a section go last.
fn section_key(section: &Option<Str>) -> (bool, Vec<u32>) {
    match section {
        Some(s) => (false, s.split('.').map(|p| p.trim().parse().unwrap_or(u32::MAX)).collect()),
        None => (true, Vec::new()),
    }
}

impl Lowerer<'_> {
    fn errata(&mut self, asts: &[ErratumAst]) -> Vec<ErratumSchema> {
        let mut out = Vec::new();
        for e in asts {
            if let Some(id) = &e.id {
                let valid = !id.value.is_empty()
                    && id.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    self.diags.error(&id.pos, format!("erratum id `{}` must be [a-z0-9-]+", id.value));
                }
                if !self.errata.insert(id.value.clone()) {
                    self.diags.error(&id.pos, format!("duplicate erratum id `{}`", id.value));
                }
            }
            out.push(ErratumSchema {
                id: text(&e.id),
                title: text(&e.title),
                section: opt(&e.section),
                description: text(&e.description),
                interface: e.interface.clone().map(Str::Owned),
                origin: e.pos.clone(),
            });
        }
        out
    }

    /// Checks `erratum:` references.
    fn erratum_refs(&mut self, errata: &[S]) -> Seq<Str> {
        errata.iter().map(|e| self.erratum_ref(e)).collect::<Vec<_>>().into()
    }

    fn erratum_ref(&mut self, e: &S) -> Str {
        if !self.errata.contains(&e.value) {
            let mut known: Vec<&String> = self.errata.iter().collect();
            known.sort();
            let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
            let message = format!("unknown erratum `{}` (declared: {})", e.value, list_or_none(&known));
            self.diags.error(&e.pos, message);
        }
        Str::Owned(e.value.clone())
    }

    fn return_codes(&mut self, asts: &[ReturnCodeAst], scope: &str) -> Vec<ReturnCodeSchema> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for c in asts {
            if let Some(code) = &c.code {
                for spelling in std::iter::once(code).chain(&c.aliases) {
                    if !seen.insert(spelling.value.clone()) {
                        let message = format!("duplicate return code `{}` in the {scope}'s list", spelling.value);
                        self.diags.error(&spelling.pos, message);
                    }
                }
            }
            out.push(ReturnCodeSchema {
                code: text(&c.code),
                message: text(&c.message),
                success: c.success.as_ref().is_some_and(|s| s.value),
                description: text(&c.description),
                aliases: texts(&c.aliases),
                errata: self.erratum_refs(&c.erratum),
                status: c.status.as_ref().and_then(|s| match s.value.parse::<u16>() {
                    Ok(status) if (200..=599).contains(&status) => Some(status),
                    _ => {
                        let message = format!("`status` must be an HTTP status from 200 to 599, found `{}`", s.value);
                        self.diags.error(&s.pos, message);
                        None
                    }
                }),
            });
        }
        out
    }

    fn interface(&mut self, ast: &InterfaceAst) -> Option<InterfaceSchema> {
        let name = ast.interface.as_ref()?;
        let valid = name.value.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !valid {
            self.diags.error(&name.pos, format!("interface `{}` must be [A-Za-z][A-Za-z0-9_.]*", name.value));
        }
        if name.value != ast.file_stem {
            let message = format!("interface `{}` must equal its file name `{}.yaml`", name.value, ast.file_stem);
            self.diags.error(&name.pos, message);
        }
        let provider = match ast.provider.as_ref().map(|p| p.value.as_str()) {
            Some("hospital") => Side::Hospital,
            Some("platform") => Side::Platform,
            Some(other) => {
                let pos = &ast.provider.as_ref()?.pos;
                self.diags.error(pos, format!("unknown provider `{other}` (expected hospital or platform)"));
                Side::Hospital
            }
            None => Side::Hospital,
        };
        let retry_safe = match ast.retry.as_ref().map(|r| r.value.as_str()) {
            None | Some("unsafe") => false,
            Some("safe") => true,
            Some(other) => {
                let pos = &ast.retry.as_ref()?.pos;
                self.diags.error(pos, format!("unknown retry `{other}` (expected safe or unsafe)"));
                false
            }
        };
        let effect = match ast.effect.as_ref().map(|e| e.value.as_str()) {
            Some("read") => Effect::Read,
            None | Some("write") => Effect::Write,
            Some(other) => {
                let pos = &ast.effect.as_ref()?.pos;
                self.diags.error(pos, format!("unknown effect `{other}` (expected read or write)"));
                Effect::Write
            }
        };
        if let Some(path) = ast.path.as_ref().filter(|p| !p.value.starts_with('/')) {
            self.diags.error(&path.pos, format!("path `{}` must start with `/`", path.value));
        }
        let request = self.payload(&name.value, "request", ast.request.as_ref());
        let response = self.payload(&name.value, "response", ast.response.as_ref());
        let database = self.database(ast.database.as_ref(), request, response);
        if let Some(path) = &ast.path {
            self.path_fields(&name.value, path, request);
        }
        Some(InterfaceSchema {
            name: Str::Owned(name.value.clone()),
            title: text(&ast.title),
            section: opt(&ast.section),
            description: text(&ast.description),
            provider,
            service: ast
                .service
                .as_ref()
                .map_or_else(|| Str::Owned(name.value.clone()), |s| Str::Owned(s.value.clone())),
            service_aliases: Seq::Owned(ast.service_aliases.iter().map(|s| Str::Owned(s.value.clone())).collect()),
            keys: self.keys(&name.value, &ast.keys, request, response),
            path: opt(&ast.path),
            binding: opt(&ast.binding),
            encrypted: opt(&ast.encrypted),
            retry_safe,
            effect,
            request,
            response,
            return_codes: Seq::Owned(self.return_codes(&ast.return_codes, &name.value)),
            database,
            idempotency: None,
            answers: Seq::Owned(Vec::new()),
            envelope: Seq::Owned(Vec::new()),
            origin: ast.pos.clone(),
        })
    }

    /// Names, services and the Rust names derived from them must all be distinct. A collision is reported where the
    /// later interface spells the name (its `interface:` or `service:` value), found in `asts`.
    fn interface_collisions(&mut self, interfaces: &[InterfaceSchema], asts: &[InterfaceAst]) {
        let ast_of =
            |i: &InterfaceSchema| asts.iter().find(|a| a.interface.as_ref().is_some_and(|n| n.value == *i.name));
        let mut names: BTreeMap<String, &InterfaceSchema> = BTreeMap::new();
        let mut services: BTreeMap<(Side, &str), &InterfaceSchema> = BTreeMap::new();
        for i in interfaces {
            for key in [format!("module {}", ident::module(&i.name)), format!("type {}", ident::type_name(&i.name))] {
                if let Some(first) = names.insert(key.clone(), i) {
                    let message = format!("interface `{}` collides with `{}` ({key} in Rust)", i.name, first.name);
                    let at = ast_of(i).and_then(|a| a.interface.as_ref()).map_or(&i.origin, |n| &n.pos);
                    self.diags.error(at, message);
                }
            }
            // An alias routes like a service name, so it must be as unambiguous.
            for service in std::iter::once(&i.service).chain(i.service_aliases.iter()) {
                let first = *services.entry((i.provider, service)).or_insert(i);
                if !std::ptr::eq(first, i) {
                    let message = format!(
                        "interface `{}` has the same provider and service (or service alias) `{service}` as `{}`",
                        i.name, first.name
                    );
                    // A service the spec leaves out is the interface's name: then the name is where it is spelled.
                    let ast = ast_of(i);
                    let at = ast
                        .into_iter()
                        .flat_map(|a| a.service.iter().chain(&a.service_aliases))
                        .find(|s| s.value == **service)
                        .or(ast.and_then(|a| a.interface.as_ref()))
                        .map_or(&i.origin, |s| &s.pos);
                    self.diags.error(at, message);
                }
            }
        }
    }
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}
