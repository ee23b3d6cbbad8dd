//! The protocol against its old version: bindings, envelopes, credentials, and the signature and encryption
//! rules. A counterpart that signs, encrypts or wraps by the old rule fails against the new one, so every change
//! to a rule is breaking.

use super::{Change, Changes, Kind, Scope};
use hisgate_runtime::schema::{EnvelopeSchema, ProtocolSchema};

pub fn diff(old: Option<&ProtocolSchema>, new: Option<&ProtocolSchema>) -> Vec<Change> {
    let mut changes = Changes::new(Scope::Protocol);
    match (old, new) {
        (None, None) => {}
        (Some(_), None) => changes.push(
            Kind::Removed,
            "protocol",
            "",
            (Some("protocol.yaml".into()), None),
            true,
            "messages are no longer signed or wrapped",
        ),
        (None, Some(_)) => changes.push(
            Kind::Added,
            "protocol",
            "",
            (None, Some("protocol.yaml".into())),
            true,
            "messages must now be signed and wrapped",
        ),
        (Some(o), Some(n)) => protocol(&mut changes, o, n),
    }
    changes.out
}

fn protocol(changes: &mut Changes, o: &ProtocolSchema, n: &ProtocolSchema) {
    let (a, b) = (&o.signature, &n.signature);
    let reason = "counterparts signing by the old rule fail verification";
    changes.value("signature.field", &a.field, &b.field, true, reason);
    changes.value("signature.covers", &a.covers, &b.covers, true, reason);
    changes.value("signature.exclude", &a.exclude, &b.exclude, true, reason);
    changes.value("signature.empty", &a.drop_empty, &b.drop_empty, true, reason);
    changes.value("signature.sort", &a.sort, &b.sort, true, reason);
    changes.value("signature.pair", &a.pair, &b.pair, true, reason);
    changes.value("signature.join", &a.join, &b.join, true, reason);
    changes.value("signature.nested", &a.nested, &b.nested, true, reason);
    changes.value("signature.numbers", &a.numbers, &b.numbers, true, reason);
    changes.value("signature.prefix", &a.prefix, &b.prefix, true, reason);
    changes.value("signature.suffix", &a.suffix, &b.suffix, true, reason);
    changes.value("signature.digest", &a.digest, &b.digest, true, reason);
    changes.value("signature.order", &a.order, &b.order, true, reason);
    changes.value("signature.compare", &a.compare, &b.compare, true, reason);
    let reason = "counterparts encrypting by the old rule cannot be read";
    match (&o.encryption, &n.encryption) {
        (Some(a), Some(b)) => {
            changes.value("encryption.select", &a.select, &b.select, true, reason);
            for scheme in a.schemes.iter() {
                match b.schemes.iter().find(|s| s.name == scheme.name) {
                    None => changes.push(
                        Kind::Removed,
                        "encryption scheme",
                        &scheme.name,
                        (Some(scheme.name.to_string()), None),
                        true,
                        reason,
                    ),
                    Some(s) if s != scheme => {
                        let values = (Some(format!("{scheme:?}")), Some(format!("{s:?}")));
                        changes.push(Kind::Changed, "encryption scheme", &scheme.name, values, true, reason);
                    }
                    Some(_) => {}
                }
            }
            for scheme in b.schemes.iter().filter(|s| !a.schemes.iter().any(|o| o.name == s.name)) {
                let values = (None, Some(scheme.name.to_string()));
                changes.push(
                    Kind::Added,
                    "encryption scheme",
                    &scheme.name,
                    values,
                    false,
                    "one more scheme to choose",
                );
            }
        }
        (a, b) if a.is_some() != b.is_some() => changes.value("encryption", &a.is_some(), &b.is_some(), true, reason),
        _ => {}
    }
    envelope(changes, "request", &o.request, &n.request);
    envelope(changes, "response", &o.response, &n.response);
    for c in o.credentials.iter().filter(|c| n.credential(&c.name).is_none()) {
        changes.push(
            Kind::Removed,
            "credential",
            &c.name,
            (Some(c.name.to_string()), None),
            false,
            "no longer configured",
        );
    }
    for c in n.credentials.iter().filter(|c| o.credential(&c.name).is_none()) {
        changes.push(
            Kind::Added,
            "credential",
            &c.name,
            (None, Some(c.name.to_string())),
            true,
            "each party must configure it",
        );
    }
    for b in o.bindings.iter() {
        match n.bindings.iter().find(|n| n.name == b.name) {
            None => changes.push(
                Kind::Removed,
                "binding",
                &b.name,
                (Some(b.name.to_string()), None),
                true,
                "counterparts using it can no longer connect",
            ),
            Some(nb) => {
                let reason = "counterparts reach the interfaces differently";
                for (what, differs) in [
                    ("binding method", b.method != nb.method),
                    ("binding format", b.format != nb.format),
                    ("binding path", b.hospital_path != nb.hospital_path || b.platform_path != nb.platform_path),
                    ("binding soap", b.soap != nb.soap),
                ] {
                    if differs {
                        changes.push(
                            Kind::Changed,
                            what,
                            &b.name,
                            (Some(format!("{b:?}")), Some(format!("{nb:?}"))),
                            true,
                            reason,
                        );
                    }
                }
            }
        }
    }
    for b in n.bindings.iter().filter(|b| !o.bindings.iter().any(|o| o.name == b.name)) {
        changes.push(
            Kind::Added,
            "binding",
            &b.name,
            (None, Some(b.name.to_string())),
            false,
            "one more way to connect",
        );
    }
}

fn envelope(changes: &mut Changes, label: &str, o: &EnvelopeSchema, n: &EnvelopeSchema) {
    for f in o.fields.iter() {
        let path = format!("{label}.{}", f.name);
        let Some(g) = n.fields.iter().find(|g| g.name == f.name) else {
            let reason =
                if f.required { "a required envelope field is gone" } else { "an optional envelope field is gone" };
            changes.push(Kind::Removed, "envelope field", &path, (Some(f.name.to_string()), None), f.required, reason);
            continue;
        };
        for (what, differs) in [
            ("envelope field value", f.value != g.value),
            ("envelope field place", f.place != g.place),
            ("envelope field role", f.role != g.role),
            ("envelope field accepts", f.accepts != g.accepts),
            ("envelope field required", f.required != g.required),
        ] {
            if differs {
                let values = (Some(format!("{f:?}")), Some(format!("{g:?}")));
                changes.push(
                    Kind::Changed,
                    what,
                    &path,
                    values,
                    true,
                    "counterparts build or read the envelope differently",
                );
            }
        }
    }
    for g in n.fields.iter().filter(|g| !o.fields.iter().any(|f| f.name == g.name)) {
        let path = format!("{label}.{}", g.name);
        let reason = if g.required {
            "a required envelope field old counterparts do not send"
        } else {
            "an optional envelope field"
        };
        changes.push(Kind::Added, "envelope field", &path, (None, Some(g.name.to_string())), g.required, reason);
    }
    if o.payload != n.payload {
        let values = (Some(format!("{:?}", o.payload)), Some(format!("{:?}", n.payload)));
        changes.push(Kind::Changed, "payload placement", label, values, true, "the payload travels elsewhere");
    }
    if o.root != n.root {
        changes.push(
            Kind::Changed,
            "envelope root",
            label,
            (o.root.as_ref().map(|r| r.to_string()), n.root.as_ref().map(|r| r.to_string())),
            true,
            "the XML envelope is named differently",
        );
    }
}
