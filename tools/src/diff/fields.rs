//! A message against its old version, field by field and into nested objects and lists.

use super::{Changes, Kind};
use hisgate_runtime::schema::{FieldSchema, FieldType, MessageId, PlatformSchema, Presence};

/// The direction a message travels, which decides whether a stricter or a looser rule breaks old counterparts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Request,
    Response,
}

impl Part {
    /// Whether a rule that became stricter (`true`) or looser breaks old counterparts, and why.
    fn verdict(self, stricter: bool) -> (bool, &'static str) {
        match (self, stricter) {
            (Part::Request, true) => (true, "stricter request: what old callers send may be rejected"),
            (Part::Request, false) => (false, "looser request: what old callers send is still accepted"),
            (Part::Response, true) => (false, "stricter response: old callers still accept it"),
            (Part::Response, false) => (true, "looser response: old callers may reject what they receive"),
        }
    }
}

/// Whether request and response fields of a platform use a dictionary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Use {
    pub request: bool,
    pub response: bool,
}

pub fn dictionary_use(platform: &PlatformSchema, name: &str) -> Use {
    fn walk(platform: &PlatformSchema, id: MessageId, name: &str) -> bool {
        platform.message(id).fields.iter().any(|f| {
            f.dict.is_some_and(|r| platform.dictionary(r.dict).name == name)
                || f.ty.child().is_some_and(|c| walk(platform, c, name))
        })
    }
    let mut use_ = Use::default();
    for interface in platform.interfaces.iter() {
        use_.request |= walk(platform, interface.request, name);
        use_.response |= walk(platform, interface.response, name);
    }
    use_
}

pub fn message(
    changes: &mut Changes,
    old_platform: &PlatformSchema,
    old: MessageId,
    new_platform: &PlatformSchema,
    new: MessageId,
    part: Part,
    prefix: &str,
) {
    let (o, n) = (old_platform.message(old), new_platform.message(new));
    if o.kind != n.kind {
        let values = (Some(format!("{:?}", o.kind)), Some(format!("{:?}", n.kind)));
        changes.push(Kind::Changed, "message kind", prefix, values, true, "the message is read differently");
    }
    if o.require_one_of != n.require_one_of {
        let show = |groups: &[hisgate_runtime::schema::Seq<hisgate_runtime::schema::Str>]| {
            Some(groups.iter().map(|g| g.join("|")).collect::<Vec<_>>().join("; "))
        };
        let (breaking, reason) = part.verdict(n.require_one_of.len() >= o.require_one_of.len());
        changes.push(
            Kind::Changed,
            "require one of",
            prefix,
            (show(&o.require_one_of), show(&n.require_one_of)),
            breaking,
            reason,
        );
    }
    for of in o.fields.iter() {
        let path = format!("{prefix}.{}", of.name);
        // A field renamed with its old name kept as an alias is the same field.
        let nf = n
            .fields
            .iter()
            .find(|f| f.name == of.name)
            .or_else(|| n.fields.iter().find(|f| f.aliases.contains(&of.name)));
        match nf {
            None => {
                let required = of.presence == Presence::Required;
                let reason = if required {
                    "a required field is gone: old receivers still need it"
                } else {
                    "an optional field is gone"
                };
                changes.push(Kind::Removed, "field", &path, (Some(summary(old_platform, of)), None), required, reason);
            }
            Some(nf) => field(changes, old_platform, of, new_platform, nf, part, &path),
        }
    }
    for nf in n.fields.iter().filter(|f| o.field(&f.name).is_none() && !f.aliases.iter().any(|a| o.field(a).is_some()))
    {
        let path = format!("{prefix}.{}", nf.name);
        let (breaking, reason) = match (&nf.presence, part) {
            (Presence::Optional, _) => (false, "an optional field: old counterparts may leave it out"),
            (_, Part::Request) => (true, "a required field: old callers do not send it"),
            (_, Part::Response) => (true, "a required field: old providers do not send it"),
        };
        changes.push(Kind::Added, "field", &path, (None, Some(summary(new_platform, nf))), breaking, reason);
    }
}

/// `char(32), required, dict idType`.
fn summary(platform: &PlatformSchema, field: &FieldSchema) -> String {
    let mut parts = vec![field.ty.notation(), presence(&field.presence)];
    if let Some(r) = field.dict {
        parts.push(format!("dict {}", platform.dictionary(r.dict).name));
    }
    if !field.title.is_empty() {
        parts.push(field.title.to_string());
    }
    parts.join(", ")
}

fn presence(presence: &Presence) -> String {
    match presence {
        Presence::Required => "required".into(),
        Presence::Optional => "optional".into(),
        Presence::RequiredWhen(c) => format!("required when {c}"),
    }
}

fn field(
    changes: &mut Changes,
    old_platform: &PlatformSchema,
    o: &FieldSchema,
    new_platform: &PlatformSchema,
    n: &FieldSchema,
    part: Part,
    path: &str,
) {
    let shown = |a: String, b: String| (Some(a), Some(b));
    if o.name != n.name {
        changes.push(
            Kind::Changed,
            "name",
            path,
            shown(o.name.to_string(), n.name.to_string()),
            false,
            "the old name is kept as an alias",
        );
    }
    match (o.ty, n.ty) {
        (FieldType::Object(a), FieldType::Object(b)) | (FieldType::List(a), FieldType::List(b)) => {
            message(changes, old_platform, a, new_platform, b, part, path);
        }
        (a, b) if std::mem::discriminant(&a) != std::mem::discriminant(&b) => {
            changes.push(
                Kind::Changed,
                "type",
                path,
                shown(a.notation(), b.notation()),
                true,
                "values of the old type may not fit",
            );
        }
        (a, b) if a != b => {
            let (breaking, reason) = part.verdict(narrower(a, b));
            changes.push(Kind::Changed, "length", path, shown(a.notation(), b.notation()), breaking, reason);
        }
        _ => {}
    }
    if o.presence != n.presence {
        let rank = |p: &Presence| match p {
            Presence::Optional => 0,
            Presence::RequiredWhen(_) => 1,
            Presence::Required => 2,
        };
        let (breaking, reason) = match rank(&n.presence).cmp(&rank(&o.presence)) {
            std::cmp::Ordering::Equal => (true, "required under another condition"),
            order => part.verdict(order == std::cmp::Ordering::Greater),
        };
        changes.push(
            Kind::Changed,
            "presence",
            path,
            shown(presence(&o.presence), presence(&n.presence)),
            breaking,
            reason,
        );
    }
    let dict_name = |p: &PlatformSchema, f: &FieldSchema| f.dict.map(|r| p.dictionary(r.dict).name.to_string());
    let (od, nd) = (dict_name(old_platform, o), dict_name(new_platform, n));
    if od != nd {
        let (breaking, reason) = match (&od, &nd) {
            (None, Some(_)) => part.verdict(true),
            (Some(_), None) => part.verdict(false),
            _ => (true, "another dictionary"),
        };
        changes.push(Kind::Changed, "dictionary", path, (od, nd), breaking, reason);
    }
    for code in o.codes.iter().filter(|c| !n.codes.iter().any(|d| d.code == c.code)) {
        let (breaking, reason) = part.verdict(true);
        changes.push(
            Kind::Removed,
            "code",
            &format!("{path}={}", code.code),
            (Some(code.label.to_string()), None),
            breaking,
            reason,
        );
    }
    for code in n.codes.iter().filter(|c| !o.codes.iter().any(|d| d.code == c.code)) {
        let (breaking, reason) = part.verdict(false);
        changes.push(
            Kind::Added,
            "code",
            &format!("{path}={}", code.code),
            (None, Some(code.label.to_string())),
            breaking,
            reason,
        );
    }
    let pattern = |f: &FieldSchema| f.format.as_ref().map(|t| t.pattern.to_string());
    if pattern(o) != pattern(n) {
        let (breaking, reason) = match (&o.format, &n.format) {
            (None, Some(_)) => part.verdict(true),
            (Some(_), None) => part.verdict(false),
            _ => (true, "another date/time format"),
        };
        changes.push(Kind::Changed, "format", path, (pattern(o), pattern(n)), breaking, reason);
    }
    for (what, a, b, stricter) in [
        ("min", &o.min, &n.min, n.min.is_some() && bound(&n.min) > bound(&o.min)),
        ("max", &o.max, &n.max, n.max.is_some() && (o.max.is_none() || bound(&n.max) < bound(&o.max))),
    ] {
        if a != b {
            let (breaking, reason) = part.verdict(stricter);
            changes.push(
                Kind::Changed,
                what,
                path,
                (a.as_ref().map(|v| v.to_string()), b.as_ref().map(|v| v.to_string())),
                breaking,
                reason,
            );
        }
    }
    if o.unit != n.unit {
        let values = (o.unit.map(|u| u.as_str().to_owned()), n.unit.map(|u| u.as_str().to_owned()));
        changes.push(Kind::Changed, "unit", path, values, true, "the same number means another amount");
    }
    if o.json != n.json {
        let values = shown(format!("{:?}", o.json), format!("{:?}", n.json));
        changes.push(Kind::Changed, "json number", path, values, true, "written differently in JSON");
    }
    for alias in o.aliases.iter().filter(|a| !n.aliases.contains(a) && **a != *n.name) {
        changes.push(
            Kind::Removed,
            "alias",
            path,
            (Some(alias.to_string()), None),
            true,
            "the spelling is no longer accepted",
        );
    }
    for alias in n.aliases.iter().filter(|a| !o.aliases.contains(a) && **a != *o.name) {
        changes.push(
            Kind::Added,
            "alias",
            path,
            (None, Some(alias.to_string())),
            false,
            "one more spelling accepted on input",
        );
    }
    if o.title != n.title {
        changes.push(
            Kind::Changed,
            "title",
            path,
            shown(o.title.to_string(), n.title.to_string()),
            false,
            "informative",
        );
    }
}

fn bound(value: &Option<hisgate_runtime::schema::Str>) -> Option<hisgate_runtime::Decimal> {
    value.as_deref().and_then(hisgate_runtime::validate::parse_decimal)
}

/// Whether `new` holds less than `old` (same kind of type).
fn narrower(old: FieldType, new: FieldType) -> bool {
    match (old, new) {
        (FieldType::String { max_chars: a }, FieldType::String { max_chars: b }) => match (a, b) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a,
            _ => false,
        },
        (FieldType::Char { max_bytes: a }, FieldType::Char { max_bytes: b }) => b < a,
        (FieldType::Decimal { precision: p, scale: s }, FieldType::Decimal { precision: q, scale: t }) => {
            q - t.min(q) < p - s.min(p) || t < s
        }
        _ => false,
    }
}
