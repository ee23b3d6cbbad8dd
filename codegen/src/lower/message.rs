//! Messages and their fields: types, presence, dictionaries, formats, and the rules between siblings.

use super::{Lowerer, opt, text, texts};
use crate::ident;
use crate::spec::ast::*;
use hisgate_schema::validate::parse_decimal;
use hisgate_schema::*;
use std::collections::BTreeMap;

const TYPES: &str = "string, string(N), char(N), int, long, decimal(P,S), object, list, map";

/// A parsed `type:`; nested messages are attached once their fields are lowered.
enum TypeSpec {
    Scalar(FieldType),
    Object,
    List,
}

fn parse_type(ty: &str) -> Result<TypeSpec, String> {
    let (base, args) = match ty.split_once('(') {
        Some((base, rest)) => {
            let args = rest.strip_suffix(')').ok_or_else(|| format!("`{ty}` lacks its closing `)`"))?;
            (base.trim(), Some(args))
        }
        None => (ty.trim(), None),
    };
    let number = |text: &str, what: &str| -> Result<u32, String> {
        match text.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("bad {what} `{}` in `{ty}` (expected a whole number above 0)", text.trim())),
        }
    };
    let scalar = match (base, args) {
        ("string", None) => FieldType::String { max_chars: None },
        ("string", Some(n)) => FieldType::String { max_chars: Some(number(n, "length")?) },
        ("char", Some(n)) => FieldType::Char { max_bytes: number(n, "length")? },
        ("int", None) => FieldType::Int,
        ("long", None) => FieldType::Long,
        ("decimal", Some(args)) => {
            let (p, s) = args.split_once(',').ok_or_else(|| format!("`{ty}` needs a precision and a scale"))?;
            let precision = number(p, "precision")?;
            let scale: u32 = s.trim().parse().map_err(|_| format!("bad scale `{}` in `{ty}`", s.trim()))?;
            if precision > 28 || scale > precision {
                return Err(format!("`{ty}` must have scale ≤ precision ≤ 28"));
            }
            FieldType::Decimal { precision: precision as u8, scale: scale as u8 }
        }
        ("object", None) => return Ok(TypeSpec::Object),
        ("list", None) => return Ok(TypeSpec::List),
        ("map", None) => FieldType::Map,
        ("char" | "decimal", None) => {
            return Err(format!("`{ty}` needs its size, e.g. `{base}(32)`"));
        }
        _ => return Err(format!("unknown type `{ty}` (expected one of: {TYPES})")),
    };
    Ok(TypeSpec::Scalar(scalar))
}

/// `notifyType = 1` or `notifyType in (1, 2)`.
fn parse_condition(text: &str) -> Option<(String, Vec<String>)> {
    let clean = |v: &str| v.trim().trim_matches(|c| c == '"' || c == '\'').to_owned();
    if let Some((field, value)) = text.split_once('=') {
        let value = clean(value);
        return (!value.is_empty()).then(|| (field.trim().to_owned(), vec![value]));
    }
    let (field, rest) = text.split_once(" in ")?;
    let list = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let values: Vec<String> = list.split(',').map(clean).filter(|v| !v.is_empty()).collect();
    (!values.is_empty()).then(|| (field.trim().to_owned(), values))
}

impl Lowerer<'_> {
    pub(super) fn payload(&mut self, interface: &str, which: &str, ast: Option<&MessageAst>) -> MessageId {
        let path = format!("{interface}.{which}");
        match ast {
            Some(MessageAst::Fields { root, description, fields, require_one_of, .. }) => {
                let xml_name = root.as_ref().map_or_else(|| which.to_owned(), |r| r.value.clone());
                if let Some(r) = root
                    && !ident::is_wire_name(&r.value)
                {
                    self.diags.error(&r.pos, format!("root `{}` is not an XML element name", r.value));
                }
                self.message(path, xml_name, description, fields, require_one_of)
            }
            Some(MessageAst::Open { description, pos }) => {
                if description.is_none() {
                    let message = "an open message needs a `description` saying why it has no field table";
                    self.diags.error(pos, message);
                }
                self.push_message(path, which, description, MessageKind::Open)
            }
            // A missing `request`/`response` was reported by the reader.
            Some(MessageAst::Empty) | None => self.push_message(path, which, &None, MessageKind::Empty),
        }
    }

    fn push_message(&mut self, path: String, xml_name: &str, description: &Option<S>, kind: MessageKind) -> MessageId {
        let id = MessageId(self.messages.len() as u32);
        self.messages.push(MessageSchema {
            path: Str::Owned(path),
            xml_name: Str::Owned(xml_name.to_owned()),
            description: text(description),
            kind,
            fields: Seq::Owned(Vec::new()),
            require_one_of: Seq::Owned(Vec::new()),
        });
        id
    }

    fn message(
        &mut self,
        path: String,
        xml_name: String,
        description: &Option<S>,
        fields: &[FieldAst],
        require_one_of: &[Vec<S>],
    ) -> MessageId {
        // Reserved first, so a message's id precedes its children's.
        let id = self.push_message(path.clone(), &xml_name, description, MessageKind::Fields);
        let lowered: Vec<(FieldSchema, &FieldAst)> =
            fields.iter().filter_map(|f| Some((self.field(&path, f)?, f))).collect();
        self.siblings(&lowered);
        self.positional_aliases(&lowered);
        let schemas: Vec<FieldSchema> = lowered.into_iter().map(|(f, _)| f).collect();
        let groups = self.groups(&schemas, require_one_of);
        let message = &mut self.messages[id.0 as usize];
        message.fields = Seq::Owned(schemas);
        message.require_one_of = Seq::Owned(groups);
        id
    }

    fn field(&mut self, parent: &str, ast: &FieldAst) -> Option<FieldSchema> {
        let name = ast.name.as_ref()?;
        if !ident::is_wire_name(&name.value) {
            self.diags.error(&name.pos, format!("field name `{}` must be [A-Za-z_][A-Za-z0-9_]*", name.value));
        }
        let ty_text = ast.ty.as_ref()?;
        let spec = match parse_type(&ty_text.value) {
            Ok(spec) => spec,
            Err(message) => {
                self.diags.error(&ty_text.pos, message);
                TypeSpec::Scalar(FieldType::String { max_chars: None })
            }
        };
        let ty = match spec {
            TypeSpec::Scalar(ty) => {
                if let Some(children) = &ast.fields {
                    let what = ty.notation();
                    let message =
                        format!("`fields` given to `{}` of type {what}; only object and list have fields", name.value);
                    self.diags.error(children.first().map_or(&ast.pos, |c| &c.pos), message);
                }
                ty
            }
            TypeSpec::Object | TypeSpec::List => {
                let children = ast.fields.as_deref().unwrap_or_default();
                if children.is_empty() {
                    let message = format!("`{}` is a {} and needs `fields`", name.value, ty_text.value);
                    self.diags.error(&ty_text.pos, message);
                }
                let child = self.message(format!("{parent}.{}", name.value), name.value.clone(), &None, children, &[]);
                if matches!(spec, TypeSpec::List) { FieldType::List(child) } else { FieldType::Object(child) }
            }
        };
        let presence = self.presence(ast, name);
        let (dict, codes) = self.field_codes(ast, ty);
        Some(FieldSchema {
            name: Str::Owned(name.value.clone()),
            title: text(&ast.title),
            description: text(&ast.description),
            ty,
            presence,
            dict,
            codes: Seq::Owned(codes),
            format: self.format(ast, ty),
            also_formats: Seq::Borrowed(&[]),
            unit: self.unit(ast, ty),
            length_unit: self.field_length(ast, ty),
            first_of: opt(&ast.first_of),
            min: self.bound(&ast.min, ty),
            max: self.bound(&ast.max, ty),
            json: self.json(ast, ty),
            sensitive: ast.sensitive.as_ref().is_some_and(|s| s.value),
            aliases: self.aliases(ast),
            errata: self.erratum_refs(&ast.erratum),
            origin_kind: self.origin(ast),
            example: opt(&ast.example),
            origin: ast.pos.clone(),
        })
        .inspect(|f| self.check_bounds(f, ast))
    }

    fn presence(&mut self, ast: &FieldAst, name: &S) -> Presence {
        let required = ast.required.as_ref().is_some_and(|r| r.value);
        match &ast.required_when {
            Some(when) if required => {
                let message = format!("`{}` has both `required: true` and `required_when`", name.value);
                self.diags.error(&when.pos, message);
                Presence::Required
            }
            Some(when) => match parse_condition(&when.value) {
                Some((field, values)) => Presence::RequiredWhen(Condition {
                    field: Str::Owned(field),
                    values: Seq::Owned(values.into_iter().map(Str::Owned).collect()),
                }),
                None => {
                    let message =
                        format!("bad condition `{}` (expected `field = value` or `field in (a, b)`)", when.value);
                    self.diags.error(&when.pos, message);
                    Presence::Optional
                }
            },
            None if required => Presence::Required,
            None => Presence::Optional,
        }
    }

    fn field_codes(&mut self, ast: &FieldAst, ty: FieldType) -> (Option<DictRef>, Vec<CodeSchema>) {
        let name = ast.name.as_ref().map_or("", |n| n.value.as_str());
        let usable = ty.is_text() || matches!(ty, FieldType::Int | FieldType::Long);
        if (ast.dict.is_some() || ast.codes.is_some()) && !usable {
            let message = format!("`{name}` of type {} cannot take `dict` or `codes`", ty.notation());
            self.diags.error(&ast.pos, message);
        }
        let dict = ast.dict.as_ref().and_then(|d| self.dict_ref(d));
        let codes = ast.codes.as_ref().map(|c| self.codes(c, name)).unwrap_or_default();
        for variant in ast.codes.iter().flatten().filter_map(|c| c.variant.as_ref()) {
            let message = format!("`variant` `{}` on an inline code: inline codes have no Rust enum", variant.value);
            self.diags.error(&variant.pos, message);
        }
        if let Some(r) = dict {
            let dictionary = &self.dictionaries[r.dict.0 as usize];
            for extra in codes.iter().filter(|c| dictionary.lookup(r.table, &c.code).is_some()) {
                let message =
                    format!("extra code `{}` of `{name}` is already a code of `{}`", extra.code, dictionary.name);
                self.diags.error(&ast.pos, message);
            }
        }
        if ast.codes.as_ref().is_some_and(|c| c.is_empty()) {
            self.diags.error(&ast.pos, format!("`codes` of `{name}` is empty"));
        }
        (dict, codes)
    }

    fn format(&mut self, ast: &FieldAst, ty: FieldType) -> Option<TimeFormat> {
        let format = ast.format.as_ref()?;
        if !ty.is_text() {
            let message = format!("`format` applies to text fields, not to {}", ty.notation());
            self.diags.error(&format.pos, message);
            return None;
        }
        match TimeFormat::parse(&format.value) {
            Ok(parsed) => {
                let has = |t: TimeToken| parsed.tokens.contains(&t);
                if has(TimeToken::Minute) && !has(TimeToken::Hour) {
                    let message = format!(
                        "format `{}` has minutes (`mm`/`MI`) but no hour: a month is written `MM`",
                        format.value
                    );
                    self.diags.error(&format.pos, message);
                }
                // Every format writes ASCII only, so its width is both its characters and its bytes.
                let width = parsed.render(Default::default()).len() as u32;
                let max = match ty {
                    FieldType::String { max_chars } => max_chars,
                    FieldType::Char { max_bytes } => Some(max_bytes),
                    _ => None,
                };
                if let Some(max) = max.filter(|max| width > *max) {
                    let message = format!(
                        "format `{}` writes {width} characters, more than {} allows ({max})",
                        format.value,
                        ty.notation()
                    );
                    self.diags.error(&format.pos, message);
                }
                Some(parsed)
            }
            Err(e) => {
                self.diags.error(&format.pos, format!("format `{}`: {e}", format.value));
                None
            }
        }
    }

    fn unit(&mut self, ast: &FieldAst, ty: FieldType) -> Option<MoneyUnit> {
        let unit = ast.unit.as_ref()?;
        if !ty.is_number() && !ty.is_text() {
            let message = format!("`unit` applies to numbers and amounts sent as text, not to {}", ty.notation());
            self.diags.error(&unit.pos, message);
        }
        match unit.value.as_str() {
            "yuan" => Some(MoneyUnit::Yuan),
            "fen" => Some(MoneyUnit::Fen),
            other => {
                self.diags.error(&unit.pos, format!("unknown unit `{other}` (expected yuan or fen)"));
                None
            }
        }
    }

    fn bound(&mut self, bound: &Option<S>, ty: FieldType) -> Option<Str> {
        let b = bound.as_ref()?;
        if !ty.is_number() {
            self.diags.error(&b.pos, format!("`min`/`max` apply to numbers, not to {}", ty.notation()));
        } else if parse_decimal(&b.value).is_none() {
            self.diags.error(&b.pos, format!("bound `{}` is not a number", b.value));
        }
        Some(Str::Owned(b.value.clone()))
    }

    /// `characters`, `utf8-bytes` or `gbk-bytes`.
    pub(super) fn length_unit(&mut self, unit: &S) -> Option<LengthUnit> {
        let parsed = LengthUnit::parse(&unit.value);
        if parsed.is_none() {
            let known: Vec<&str> = LengthUnit::ALL.iter().map(|u| u.as_str()).collect();
            let message = format!("unknown length unit `{}` (expected {})", unit.value, known.join(", "));
            self.diags.error(&unit.pos, message);
        }
        parsed
    }

    /// The field's own unit, else the platform's, for a text field with a length; `None` keeps the type's own.
    fn field_length(&mut self, ast: &FieldAst, ty: FieldType) -> Option<LengthUnit> {
        let limited = matches!(ty, FieldType::String { max_chars: Some(_) } | FieldType::Char { .. });
        match &ast.length {
            Some(unit) if !limited => {
                let message = format!("`length` applies to string(N) and char(N), not to {}", ty.notation());
                self.diags.error(&unit.pos, message);
                None
            }
            Some(unit) => self.length_unit(unit),
            None if limited => self.length,
            None => None,
        }
    }

    /// `first_of: X` names a scalar sibling, other than the field itself, and the field is a scalar too.
    fn positional_aliases(&mut self, fields: &[(FieldSchema, &FieldAst)]) {
        for (field, ast) in fields {
            let Some(twice) = &ast.first_of else { continue };
            let scalar = |ty: FieldType| ty.is_text() || ty.is_number();
            let sibling = fields.iter().find(|(f, _)| f.name == twice.value && f.name != field.name);
            let message = match sibling {
                None => Some(format!("`first_of` of `{}` names `{}`, not a sibling field", field.name, twice.value)),
                Some((s, _)) if !scalar(s.ty) || !scalar(field.ty) => Some(format!(
                    "`first_of` pairs scalar fields; `{}` is {} and `{}` is {}",
                    field.name,
                    field.ty.notation(),
                    s.name,
                    s.ty.notation()
                )),
                Some(_) => None,
            };
            if let Some(message) = message {
                self.diags.error(&twice.pos, message);
            }
        }
    }

    fn check_bounds(&mut self, field: &FieldSchema, ast: &FieldAst) {
        let parse = |b: &Option<Str>| b.as_deref().and_then(parse_decimal);
        if let (Some(min), Some(max)) = (parse(&field.min), parse(&field.max))
            && min > max
        {
            let pos = ast.min.as_ref().map_or(&ast.pos, |m| &m.pos);
            self.diags.error(pos, format!("min {min} is greater than max {max}"));
        }
    }

    fn json(&mut self, ast: &FieldAst, ty: FieldType) -> JsonNumber {
        let Some(json) = &ast.json else {
            return JsonNumber::Number;
        };
        if !ty.is_number() {
            self.diags.error(&json.pos, format!("`json` applies to numbers, not to {}", ty.notation()));
        }
        match json.value.as_str() {
            "number" => JsonNumber::Number,
            "string" => JsonNumber::String,
            other => {
                self.diags.error(&json.pos, format!("unknown json `{other}` (expected number or string)"));
                JsonNumber::Number
            }
        }
    }

    fn aliases(&mut self, ast: &FieldAst) -> Seq<Str> {
        for alias in &ast.aliases {
            if !ident::is_wire_name(&alias.value) {
                self.diags.error(&alias.pos, format!("alias `{}` must be [A-Za-z_][A-Za-z0-9_]*", alias.value));
            }
        }
        texts(&ast.aliases)
    }

    fn origin(&mut self, ast: &FieldAst) -> Origin {
        match ast.origin.as_ref().map(|o| o.value.as_str()) {
            None | Some("table") => Origin::Table,
            Some("example") => Origin::Example,
            Some(other) => {
                let pos = &ast.origin.as_ref().map_or(&ast.pos, |o| &o.pos);
                self.diags.error(pos, format!("unknown origin `{other}` (expected table or example)"));
                Origin::Table
            }
        }
    }

    /// Names, aliases and Rust names distinct; conditions naming real siblings and their codes.
    fn siblings(&mut self, fields: &[(FieldSchema, &FieldAst)]) {
        let mut wire: BTreeMap<String, String> = BTreeMap::new();
        let mut rust: BTreeMap<String, String> = BTreeMap::new();
        for (field, ast) in fields {
            for spelling in std::iter::once(&field.name).chain(field.aliases.iter()) {
                if let Some(first) = wire.insert(spelling.to_string(), field.name.to_string()) {
                    let message = if first == *field.name {
                        format!("duplicate field `{spelling}`")
                    } else {
                        format!("field `{}` repeats `{spelling}`, already a name or alias of `{first}`", field.name)
                    };
                    self.diags.error(&field.origin, message);
                }
            }
            let rust_name = ident::field(&field.name);
            if let Some(first) = rust.insert(rust_name.clone(), field.name.to_string())
                && first != *field.name
            {
                let message = format!("field `{}` and `{first}` are both `{rust_name}` in Rust", field.name);
                self.diags.error(&field.origin, message);
            }
            if let Presence::RequiredWhen(condition) = &field.presence {
                let pos = ast.required_when.as_ref().map_or(&field.origin, |w| &w.pos);
                self.condition(condition, fields, pos);
            }
        }
    }

    fn condition(&mut self, condition: &Condition, fields: &[(FieldSchema, &FieldAst)], pos: &SourcePos) {
        let Some((sibling, _)) = fields.iter().find(|(f, _)| f.name == condition.field) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| &*f.name).collect();
            let message = format!(
                "`required_when` names `{}`, which is not a sibling field (siblings: {})",
                condition.field,
                names.join(", ")
            );
            self.diags.error(pos, message);
            return;
        };
        let dict_codes = sibling.dict.map(|r| self.dictionaries[r.dict.0 as usize].codes(r.table));
        let codes: Vec<String> =
            dict_codes.into_iter().flatten().chain(sibling.codes.iter()).map(|c| c.code.to_string()).collect();
        for value in condition.values.iter() {
            if !codes.is_empty() && !codes.iter().any(|c| c == &**value) {
                let message = format!(
                    "`required_when` value `{value}` is not a code of `{}` (codes: {})",
                    sibling.name,
                    codes.join(", ")
                );
                self.diags.error(pos, message);
            }
        }
    }

    fn groups(&mut self, fields: &[FieldSchema], groups: &[Vec<S>]) -> Vec<Seq<Str>> {
        for name in groups.iter().flatten() {
            if !fields.iter().any(|f| f.name == name.value) {
                let message = format!("`require_one_of` names `{}`, which is not a field of this message", name.value);
                self.diags.error(&name.pos, message);
            }
        }
        groups.iter().map(|g| texts(g)).collect()
    }
}
