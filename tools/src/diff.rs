//! How a spec changed between two versions, IR against IR: interfaces added and removed, fields added, removed or
//! changed (type, length, presence, codes, format), dictionary codes, return codes, and the protocol's envelope,
//! signature and encryption rules. Each change says whether it is breaking: whether a counterpart built against
//! the old version can fail against the new one.
//!
//! The rule for a field follows the direction it travels: a request that becomes stricter rejects what old
//! callers send, and a response that becomes looser sends what old callers reject.

mod fields;
mod protocol;

use hisgate_runtime::schema::{DictionarySchema, PlatformSchema, ReturnCodeSchema};
use serde_json::{Value, json};
use std::fmt::Write;

/// Where a change is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Platform,
    Protocol,
    /// An interface, by name.
    Interface(String),
    /// A dictionary, by name.
    Dictionary(String),
    /// The platform's unified return codes.
    ReturnCodes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Changed => "changed",
        }
    }

    fn sign(self) -> char {
        match self {
            Kind::Added => '+',
            Kind::Removed => '-',
            Kind::Changed => '~',
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub scope: Scope,
    pub kind: Kind,
    /// What changed: `interface`, `field`, `type`, `length`, `presence`, `dictionary code`, `signature.digest`, ….
    pub what: String,
    /// Where inside the scope: `request.userName`, a code, a rule's attribute; empty for the scope itself.
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub breaking: bool,
    /// Why it is breaking, or why not.
    pub reason: String,
}

/// The changes of one platform, present in both versions or in one only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformDiff {
    pub platform: String,
    pub changes: Vec<Change>,
}

/// Collects changes under one scope.
pub(crate) struct Changes {
    scope: Scope,
    out: Vec<Change>,
}

impl Changes {
    fn new(scope: Scope) -> Changes {
        Changes { scope, out: Vec::new() }
    }

    pub(crate) fn push(
        &mut self,
        kind: Kind,
        what: &str,
        path: &str,
        (old, new): (Option<String>, Option<String>),
        breaking: bool,
        reason: &str,
    ) {
        self.out.push(Change {
            scope: self.scope.clone(),
            kind,
            what: what.into(),
            path: path.into(),
            old,
            new,
            breaking,
            reason: reason.into(),
        });
    }

    /// A value that changed from `old` to `new`, if it did.
    pub(crate) fn value<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &str,
        old: &T,
        new: &T,
        breaking: bool,
        reason: &str,
    ) {
        if old != new {
            let shown = (Some(format!("{old:?}")), Some(format!("{new:?}")));
            self.push(Kind::Changed, what, "", shown, breaking, reason);
        }
    }
}

/// Every change from `old` to `new` of one platform.
pub fn diff(old: &PlatformSchema, new: &PlatformSchema) -> PlatformDiff {
    let mut changes = Vec::new();
    let mut platform = Changes::new(Scope::Platform);
    for (what, a, b) in [("title", &old.title, &new.title), ("document", &old.document, &new.document)] {
        if a != b {
            platform.push(Kind::Changed, what, "", (Some(a.to_string()), Some(b.to_string())), false, "informative");
        }
    }
    let (old_errata, new_errata) = (ids(old.errata.iter().map(|e| &*e.id)), ids(new.errata.iter().map(|e| &*e.id)));
    for id in old_errata.iter().filter(|id| !new_errata.contains(id)) {
        platform.push(Kind::Removed, "erratum", id, (Some(id.clone()), None), false, "informative");
    }
    for id in new_errata.iter().filter(|id| !old_errata.contains(id)) {
        platform.push(Kind::Added, "erratum", id, (None, Some(id.clone())), false, "informative");
    }
    changes.extend(platform.out);
    changes.extend(protocol::diff(old.protocol.as_ref(), new.protocol.as_ref()));
    changes.extend(return_codes(Scope::ReturnCodes, &old.return_codes, &new.return_codes));
    changes.extend(interfaces(old, new));
    changes.extend(dictionaries(old, new));
    PlatformDiff { platform: new.name.to_string(), changes }
}

/// Pairs the platforms of two spec sets by name; a platform in one set only is one change.
pub fn diff_sets(old: &[PlatformSchema], new: &[PlatformSchema]) -> Vec<PlatformDiff> {
    let mut out = Vec::new();
    for o in old {
        match new.iter().find(|n| n.name == o.name) {
            Some(n) => out.push(diff(o, n)),
            None => out.push(whole(o, Kind::Removed, true, "every interface of the platform is gone")),
        }
    }
    for n in new.iter().filter(|n| !old.iter().any(|o| o.name == n.name)) {
        out.push(whole(n, Kind::Added, false, "a new platform"));
    }
    // A single folder on each side compares whatever the two are called.
    if let ([o], [n]) = (old, new) {
        if o.name != n.name {
            return vec![diff(o, n)];
        }
    }
    out
}

fn whole(platform: &PlatformSchema, kind: Kind, breaking: bool, reason: &str) -> PlatformDiff {
    let mut changes = Changes::new(Scope::Platform);
    let shown = Some(format!("{} ({})", platform.name, platform.title));
    let values = if kind == Kind::Added { (None, shown) } else { (shown, None) };
    changes.push(kind, "platform", "", values, breaking, reason);
    PlatformDiff { platform: platform.name.to_string(), changes: changes.out }
}

fn ids<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    names.map(str::to_owned).collect()
}

fn interfaces(old: &PlatformSchema, new: &PlatformSchema) -> Vec<Change> {
    let mut out = Vec::new();
    for o in old.interfaces.iter() {
        let mut changes = Changes::new(Scope::Interface(o.name.to_string()));
        let Some(n) = new.interface(&o.name) else {
            let shown = Some(format!("{} ({})", o.name, o.title));
            changes.push(Kind::Removed, "interface", "", (shown, None), true, "old callers still call it");
            out.extend(changes.out);
            continue;
        };
        changes.value("title", &o.title, &n.title, false, "informative");
        changes.value("provider", &o.provider, &n.provider, true, "the other side now serves it");
        changes.value("service", &o.service, &n.service, true, "old callers send the old name");
        changes.value("path", &o.path, &n.path, true, "old callers use the old address");
        if o.retry_safe != n.retry_safe {
            let (breaking, reason) = if o.retry_safe {
                (true, "clients that resend after a timeout may now repeat its effect")
            } else {
                (false, "resending after a timeout becomes safe")
            };
            changes.value("retry", &o.retry_safe, &n.retry_safe, breaking, reason);
        }
        let effect = "the wire is unchanged; `hisgate probe` calls a write only with --allow-writes";
        changes.value("effect", &o.effect.as_str(), &n.effect.as_str(), false, effect);
        fields::message(&mut changes, old, o.request, new, n.request, fields::Part::Request, "request");
        fields::message(&mut changes, old, o.response, new, n.response, fields::Part::Response, "response");
        out.extend(changes.out);
        out.extend(return_codes(Scope::Interface(o.name.to_string()), &o.return_codes, &n.return_codes));
    }
    for n in new.interfaces.iter().filter(|n| old.interface(&n.name).is_none()) {
        let mut changes = Changes::new(Scope::Interface(n.name.to_string()));
        let shown = Some(format!("{} ({})", n.name, n.title));
        changes.push(Kind::Added, "interface", "", (None, shown), false, "nothing calls it yet");
        out.extend(changes.out);
    }
    out
}

fn return_codes(scope: Scope, old: &[ReturnCodeSchema], new: &[ReturnCodeSchema]) -> Vec<Change> {
    let mut changes = Changes::new(scope);
    let show = |c: &ReturnCodeSchema| Some(format!("{} {}", c.code, c.message));
    for o in old {
        match new.iter().find(|n| n.code == o.code) {
            None => changes.push(Kind::Removed, "return code", &o.code, (show(o), None), false, "no longer sent"),
            Some(n) => {
                if o.success != n.success {
                    let values = (Some(o.success.to_string()), Some(n.success.to_string()));
                    changes.push(
                        Kind::Changed,
                        "return code success",
                        &o.code,
                        values,
                        true,
                        "old callers read the outcome wrongly",
                    );
                }
                if o.message != n.message {
                    changes.push(
                        Kind::Changed,
                        "return code message",
                        &o.code,
                        (show(o), show(n)),
                        false,
                        "informative",
                    );
                }
            }
        }
    }
    for n in new.iter().filter(|n| !old.iter().any(|o| o.code == n.code)) {
        let reason = "old callers treat an unknown code as a failure";
        changes.push(Kind::Added, "return code", &n.code, (None, show(n)), false, reason);
    }
    changes.out
}

fn dictionaries(old: &PlatformSchema, new: &PlatformSchema) -> Vec<Change> {
    let mut out = Vec::new();
    for o in old.dictionaries.iter() {
        let mut changes = Changes::new(Scope::Dictionary(o.name.to_string()));
        let Some(n) = new.dictionaries.iter().find(|n| n.name == o.name) else {
            let shown = Some(format!("{} ({})", o.name, o.title));
            changes.push(
                Kind::Removed,
                "dictionary",
                "",
                (shown, None),
                false,
                "its fields' changes are listed by interface",
            );
            out.extend(changes.out);
            continue;
        };
        let use_ = fields::dictionary_use(new, &n.name);
        changes.value("title", &o.title, &n.title, false, "informative");
        if o.open != n.open {
            let (breaking, reason) = if n.open {
                (use_.response, "responses may now carry codes old callers reject")
            } else {
                (use_.request, "requests with codes outside the table are now rejected")
            };
            changes.value("open", &o.open, &n.open, breaking, reason);
        }
        codes(&mut changes, o, n, use_);
        out.extend(changes.out);
    }
    for n in new.dictionaries.iter().filter(|n| !old.dictionaries.iter().any(|o| o.name == n.name)) {
        let mut changes = Changes::new(Scope::Dictionary(n.name.to_string()));
        let shown = Some(format!("{} ({})", n.name, n.title));
        changes.push(
            Kind::Added,
            "dictionary",
            "",
            (None, shown),
            false,
            "its fields' changes are listed by interface",
        );
        out.extend(changes.out);
    }
    out
}

/// Codes added and removed, table by table.
fn codes(changes: &mut Changes, old: &DictionarySchema, new: &DictionarySchema, use_: fields::Use) {
    for (t, table) in new.tables.iter().enumerate() {
        let old_table = old.tables.iter().find(|o| o.name == table.name).or(old.tables.get(t));
        let old_codes = old_table.map(|o| &*o.codes).unwrap_or_default();
        let prefix = table.name.as_deref().map(|n| format!("{n}.")).unwrap_or_default();
        for o in old_codes.iter() {
            match table.codes.iter().find(|n| n.code == o.code) {
                None => {
                    let reason =
                        if use_.request { "old senders may still send it" } else { "no request field uses it" };
                    let values = (Some(format!("{} {}", o.code, o.label)), None);
                    changes.push(
                        Kind::Removed,
                        "dictionary code",
                        &format!("{prefix}{}", o.code),
                        values,
                        use_.request,
                        reason,
                    );
                }
                Some(n) if n.label != o.label => {
                    let values = (Some(o.label.to_string()), Some(n.label.to_string()));
                    changes.push(
                        Kind::Changed,
                        "dictionary code label",
                        &format!("{prefix}{}", o.code),
                        values,
                        false,
                        "informative",
                    );
                }
                Some(_) => {}
            }
        }
        for n in table.codes.iter().filter(|n| !old_codes.iter().any(|o| o.code == n.code)) {
            let breaking = use_.response && !new.open;
            let reason = if breaking {
                "responses may carry a code old callers reject"
            } else {
                "old receivers never see it in a response"
            };
            let values = (None, Some(format!("{} {}", n.code, n.label)));
            changes.push(Kind::Added, "dictionary code", &format!("{prefix}{}", n.code), values, breaking, reason);
        }
    }
}

/// The changes as text, grouped by platform and by where they are.
pub fn text(diffs: &[PlatformDiff]) -> String {
    let mut out = String::new();
    for diff in diffs {
        let breaking = diff.changes.iter().filter(|c| c.breaking).count();
        let _ = writeln!(out, "{}: {} change(s), {breaking} breaking", diff.platform, diff.changes.len());
        let mut scope = None;
        for change in &diff.changes {
            if scope != Some(&change.scope) {
                let _ = writeln!(out, "  {}", scope_label(&change.scope));
                scope = Some(&change.scope);
            }
            let subject =
                if change.path.is_empty() { change.what.clone() } else { format!("{} {}", change.what, change.path) };
            let values = match (&change.old, &change.new) {
                (Some(o), Some(n)) => format!(": {o} → {n}"),
                (None, Some(n)) => format!(": {n}"),
                (Some(o), None) => format!(": {o}"),
                (None, None) => String::new(),
            };
            let verdict = if change.breaking { "BREAKING" } else { "compatible" };
            let _ = writeln!(out, "    {} {subject}{values}  [{verdict}: {}]", change.kind.sign(), change.reason);
        }
    }
    out
}

fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::Platform => "platform".into(),
        Scope::Protocol => "protocol".into(),
        Scope::Interface(name) => format!("interface {name}"),
        Scope::Dictionary(name) => format!("dictionary {name}"),
        Scope::ReturnCodes => "unified return codes".into(),
    }
}

/// The changes as JSON: `{"platforms":[{"platform":…,"changes":[…]}],"changes":N,"breaking":M}`.
pub fn json(diffs: &[PlatformDiff]) -> Value {
    let platforms: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let changes: Vec<Value> = d
                .changes
                .iter()
                .map(|c| {
                    let (scope, name) = match &c.scope {
                        Scope::Platform => ("platform", None),
                        Scope::Protocol => ("protocol", None),
                        Scope::Interface(n) => ("interface", Some(n)),
                        Scope::Dictionary(n) => ("dictionary", Some(n)),
                        Scope::ReturnCodes => ("return-codes", None),
                    };
                    json!({
                        "scope": scope, "name": name, "change": c.kind.as_str(), "what": c.what, "path": c.path,
                        "old": c.old, "new": c.new, "breaking": c.breaking, "reason": c.reason,
                    })
                })
                .collect();
            json!({ "platform": d.platform, "changes": changes })
        })
        .collect();
    let total: usize = diffs.iter().map(|d| d.changes.len()).sum();
    let breaking: usize = diffs.iter().flat_map(|d| &d.changes).filter(|c| c.breaking).count();
    json!({ "platforms": platforms, "changes": total, "breaking": breaking })
}
