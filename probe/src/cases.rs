//! The requests a probe sends to one interface, from its spec alone: valid ones (the examples, then each other
//! dictionary code of a field), and correctly signed ones that each break one rule of the request's payload. The
//! values come from the runtime's sample builder (the one the generic counterpart answers with); every break is
//! confirmed by the runtime's own validator before it is sent, so a case never claims a rule the spec lacks.

use hisgate_runtime::sample;
use hisgate_runtime::schema::{FieldSchema, FieldType, InterfaceSchema, JsonNumber, PlatformSchema, Presence};
use hisgate_runtime::validate::check;
use serde_json::{Map, Number, Value};

/// At most this many other codes of one field, and of one interface, are sent as valid variants.
const CODES_PER_FIELD: usize = 4;
const CODE_VARIANTS: usize = 12;

/// A payload to send and the rule it keeps or breaks.
#[derive(Debug, Clone)]
pub struct PayloadCase {
    pub check: String,
    /// The rule it breaks, or `None` for a valid request.
    pub breaks: Option<String>,
    pub payload: Value,
}

/// The interface's sample request: every field at its example, else a value its rules accept. `Err` when the
/// spec's own sample breaks its rules (a spec error the probe reports instead of sending).
pub fn sample(platform: &PlatformSchema, interface: &InterfaceSchema) -> Result<Value, String> {
    let mut value = sample::payload(platform, interface.request);
    let violations = check(platform, interface.request, &mut value);
    match violations.is_empty() {
        true => Ok(value),
        false => Err(format!("the spec's sample request breaks its own rules: {violations}")),
    }
}

/// Valid requests: the sample, then the sample with one field at another code of its dictionary.
pub fn valid(platform: &PlatformSchema, interface: &InterfaceSchema, sample: &Value) -> Vec<PayloadCase> {
    let mut cases = vec![PayloadCase { check: "valid: the examples".into(), breaks: None, payload: sample.clone() }];
    let fields = &platform.message(interface.request).fields;
    for field in fields.iter().filter(|f| f.has_codes() && f.ty.child().is_none()) {
        let used = sample.get(&*field.name).and_then(hisgate_runtime::validate::scalar_text);
        let others = field.accepted_codes(platform).filter(|c| Some(&*c.code) != used.as_deref());
        for code in others.take(CODES_PER_FIELD) {
            if cases.len() > CODE_VARIANTS {
                return cases;
            }
            let mut payload = sample.clone();
            let Some(holder) = payload.as_object_mut() else { continue };
            set(holder, field, &code.code);
            if check(platform, interface.request, &mut payload.clone()).is_empty() {
                let check = format!("valid: `{}` = {} ({})", field.name, code.code, code.label);
                cases.push(PayloadCase { check, breaks: None, payload });
            }
        }
    }
    cases
}

/// Where a field sits in a payload: the path to the object holding it (through a list, its first item), the
/// message it belongs to and the field.
struct Spot<'s> {
    parent: Vec<Step>,
    siblings: &'s [FieldSchema],
    field: &'s FieldSchema,
}

#[derive(Clone)]
enum Step {
    Key(String),
    First,
}

impl Spot<'_> {
    /// `user[0].id`: the field's path as the validator names it.
    fn name(&self) -> String {
        let mut out = String::new();
        for step in &self.parent {
            match step {
                Step::Key(k) if out.is_empty() => out.push_str(k),
                Step::Key(k) => out.push_str(&format!(".{k}")),
                Step::First => out.push_str("[0]"),
            }
        }
        if out.is_empty() { self.field.name.to_string() } else { format!("{out}.{}", self.field.name) }
    }

    fn holder<'v>(&self, payload: &'v mut Value) -> Option<&'v mut Map<String, Value>> {
        let mut at = payload;
        for step in &self.parent {
            at = match step {
                Step::Key(k) => at.get_mut(k.as_str())?,
                Step::First => at.get_mut(0)?,
            };
        }
        at.as_object_mut()
    }

    fn get(&self, payload: &Value) -> Option<String> {
        let mut copy = payload.clone();
        self.holder(&mut copy)?.get(&*self.field.name).and_then(hisgate_runtime::validate::scalar_text)
    }
}

/// Every field of the request, the top level first, then each object's and each list's (first item) below it.
fn spots<'s>(platform: &'s PlatformSchema, interface: &InterfaceSchema) -> Vec<Spot<'s>> {
    let mut out = Vec::new();
    let mut queue = vec![(Vec::new(), interface.request)];
    // A field the path carries is a segment of the URL: without it, or with another, it is another address.
    let carried = interface.path_fields();
    while !queue.is_empty() {
        let mut next = Vec::new();
        for (parent, id) in queue {
            let siblings = &platform.message(id).fields;
            for field in siblings.iter() {
                if parent.is_empty() && carried.contains(&&*field.name) {
                    continue;
                }
                out.push(Spot { parent: parent.clone(), siblings, field });
                let mut path = parent.clone();
                path.push(Step::Key(field.name.to_string()));
                match field.ty {
                    FieldType::Object(child) => next.push((path, child)),
                    FieldType::List(child) => next.push(([path, vec![Step::First]].concat(), child)),
                    _ => {}
                }
            }
        }
        queue = next;
    }
    out
}

/// Requests that each break one rule of the payload: the first field each rule applies to, the top level first.
pub fn breaks(platform: &PlatformSchema, interface: &InterfaceSchema, sample: &Value) -> Vec<PayloadCase> {
    let spots = spots(platform, interface);
    let mut cases = Vec::new();
    let mut first = |rule: &str, make: &dyn Fn(&Spot, &mut Value) -> Option<String>| {
        let made = spots.iter().find_map(|spot| {
            let mut payload = sample.clone();
            let check = make(spot, &mut payload)?;
            // Only what the runtime's own validator refuses is claimed as a broken rule.
            let broken = check_of(platform, interface, &payload);
            (!broken.is_empty()).then(|| PayloadCase { check, breaks: Some(format!("{rule}: {broken}")), payload })
        });
        cases.extend(made);
    };
    first("required", &|spot, payload| {
        (spot.field.presence == Presence::Required && spot.holder(payload)?.shift_remove(&*spot.field.name).is_some())
            .then(|| format!("missing required `{}`", spot.name()))
    });
    first("dictionary", &|spot, payload| {
        let f = spot.field;
        if !f.has_codes() || f.codes_open(platform) || f.ty.child().is_some() {
            return None;
        }
        let code = unknown_code(platform, f)?;
        set(spot.holder(payload)?, f, &code);
        Some(format!("unknown code `{}` = {code}", spot.name()))
    });
    first("length", &|spot, payload| {
        let (max, _) = spot.field.max_length()?;
        if spot.field.format.is_some() || spot.field.has_codes() {
            return None;
        }
        // ASCII counts one in every length unit: one character over in characters, UTF-8 and GBK alike.
        set(spot.holder(payload)?, spot.field, &"x".repeat(max as usize + 1));
        Some(format!("`{}` one over its length of {max}", spot.name()))
    });
    first("format", &|spot, payload| {
        let format = spot.field.format.as_ref()?;
        let shown = spot.get(sample)?;
        let broken: String = shown.chars().map(|c| if c.is_ascii_digit() { 'x' } else { c }).collect();
        set(spot.holder(payload)?, spot.field, &broken);
        Some(format!("`{}` not in its format {}", spot.name(), format.pattern))
    });
    first("required_when", &|spot, payload| {
        let Presence::RequiredWhen(condition) = &spot.field.presence else { return None };
        let trigger = condition.values.first()?;
        let sibling = spot.siblings.iter().find(|s| s.name == condition.field)?;
        set(spot.holder(payload)?, sibling, trigger);
        // The trigger alone must be valid: the break is the missing field, nothing else.
        if !check_of(platform, interface, payload).is_empty() {
            return None;
        }
        spot.holder(payload)?.shift_remove(&*spot.field.name)?;
        Some(format!("`{}` missing while `{}` = {trigger}", spot.name(), condition.field))
    });
    cases
}

fn check_of(platform: &PlatformSchema, interface: &InterfaceSchema, payload: &Value) -> String {
    let violations = check(platform, interface.request, &mut payload.clone());
    if violations.is_empty() { String::new() } else { violations.to_string() }
}

/// A code the field does not accept that fits its type and length: a number for a number, else letters.
fn unknown_code(platform: &PlatformSchema, field: &FieldSchema) -> Option<String> {
    let accepted: Vec<&str> = field.accepted_codes(platform).map(|c| &*c.code).collect();
    let fits = |code: &str| field.max_length().is_none_or(|(max, _)| code.len() <= max as usize);
    let candidates: Vec<String> = match field.ty.is_number() {
        true => (1..=6).map(|n| "9".repeat(n)).collect(),
        false => ["Z", "ZZ", "ZZZ", "Z9", "X"].into_iter().map(str::to_owned).collect(),
    };
    candidates.into_iter().find(|c| !accepted.contains(&c.as_str()) && fits(c))
}

/// Sets a field of `holder` to `text`, as a JSON number where the field is one on the wire.
fn set(holder: &mut Map<String, Value>, field: &FieldSchema, text: &str) {
    let number = matches!(field.ty, FieldType::Int | FieldType::Long | FieldType::Decimal { .. })
        && field.json == JsonNumber::Number;
    let value = match text.parse::<Number>() {
        Ok(n) if number => Value::Number(n),
        _ => Value::String(text.to_owned()),
    };
    holder.insert(field.name.to_string(), value);
}

/// `payload` with each business key (`keys:`) it carries at a value no earlier request had, ending in `unique`
/// (digits): a counterpart keeping exactly-once per key refuses the same key with another request, so each valid
/// write is about a business object of its own. A key with a format or codes, or whose new value would break a
/// rule, keeps its value.
pub fn fresh_keys(platform: &PlatformSchema, interface: &InterfaceSchema, payload: &mut Value, unique: &str) {
    for key in interface.keys.iter() {
        let mut message = platform.message(interface.request);
        let mut slot = Some(&mut *payload);
        let mut field = None;
        for step in key.split('.') {
            let Some(found) = message.fields.iter().find(|f| f.name == step) else {
                slot = None;
                break;
            };
            slot = slot.and_then(|v| v.get_mut(step));
            if let FieldType::Object(child) = found.ty {
                message = platform.message(child);
            }
            field = Some(found);
        }
        let (Some(slot), Some(field)) = (slot, field) else { continue };
        if field.format.is_some() || field.has_codes() || field.ty.child().is_some() {
            continue;
        }
        let Some(old) = hisgate_runtime::validate::scalar_text(slot) else { continue };
        let max = field.max_length().map_or(usize::MAX, |(n, _)| n as usize);
        let n = unique.len().min(max);
        let keep = old.chars().count().min(max).saturating_sub(n);
        let text: String = old.chars().take(keep).chain(unique[unique.len() - n..].chars()).collect();
        *slot = match (field.ty.is_number(), text.parse::<Number>()) {
            (true, Ok(number)) if field.json == JsonNumber::Number => Value::Number(number),
            _ => Value::String(text),
        };
    }
    if !check(platform, interface.request, &mut payload.clone()).is_empty() {
        // Never send a fresh key that breaks the rules: the sample's own is the lesser harm.
        *payload = sample::payload(platform, interface.request);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hisgate_generated::PLATFORMS;

    #[test]
    fn every_shipped_interface_has_valid_cases_and_each_break_breaks_its_rule() {
        let mut kinds = std::collections::BTreeSet::new();
        let mut nested = Vec::new();
        for platform in PLATFORMS {
            for interface in platform.interfaces.iter() {
                let sample = sample(platform, interface).unwrap_or_else(|e| panic!("{}: {e}", interface.name));
                for case in valid(platform, interface, &sample) {
                    assert!(
                        check_of(platform, interface, &case.payload).is_empty(),
                        "{}: {}",
                        interface.name,
                        case.check
                    );
                }
                for case in breaks(platform, interface, &sample) {
                    let rule = case.breaks.unwrap();
                    let (kind, _) = rule.split_once(": ").unwrap();
                    assert!(rule.contains(&format!(": {kind}")), "{}: {rule}", interface.name);
                    assert!(!check_of(platform, interface, &case.payload).is_empty());
                    kinds.insert(kind.to_owned());
                    if case.check.contains('.') || case.check.contains("[0]") {
                        nested.push(format!("{}: {}", interface.name, case.check));
                    }
                }
            }
        }
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["dictionary", "format", "length", "required", "required_when"]
        );
        // A rule only fields below the top level have is broken there (a list's first item, an object's field).
        assert!(nested.iter().any(|n| n.starts_with("GetPatientInfo: ") && n.contains("user[0].")), "{nested:#?}");
    }

    #[test]
    fn fresh_keys_differ_per_request_and_keep_the_rules() {
        let platform = PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
        let pay = platform.interface("Pay").unwrap();
        let sample = sample(platform, pay).unwrap();
        let (mut a, mut b) = (sample.clone(), sample.clone());
        fresh_keys(platform, pay, &mut a, "1764936000000001");
        fresh_keys(platform, pay, &mut b, "1764936000000002");
        assert_ne!(a["orderId"], b["orderId"]);
        assert_ne!(a["orderId"], sample["orderId"]);
        assert!(check_of(platform, pay, &a).is_empty() && check_of(platform, pay, &b).is_empty());
        // Only the keys change.
        let others = |v: &Value| {
            let mut v = v.clone();
            for key in pay.keys.iter() {
                v.as_object_mut().unwrap().shift_remove(&**key);
            }
            v
        };
        assert_eq!(others(&a), others(&sample));
    }
}
