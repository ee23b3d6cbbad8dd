//! The spec-driven counterpart: any side of any platform, served from its spec alone. It is one [`Dispatch`] on
//! the runtime's router, so every request goes through the same inbound pipeline as the hand-written simulators'
//! (verify, decrypt, validate, refuse with the platform's codes, replay and freshness); what it answers comes, in
//! order, from the interface's `answers:` (first matching rule), else the fields' examples, else generated values
//! ([`hisgate_runtime::sample`]) — and every answer is checked against the response's own rules before it is sent.

mod sequence;
mod template;

#[cfg(test)]
pub(crate) use sequence::MIGRATIONS as SEQUENCE_MIGRATIONS;

use crate::{Options, Simulator, StartError};
use hisgate_runtime::sample;
use hisgate_runtime::schema::{AnswerSchema, InterfaceSchema, MessageKind, PlatformSchema, Side};
use hisgate_runtime::server::{BoxFuture, Context, Dispatch, Failure, Reply};
use hisgate_runtime::store::{Store, StoreError};
use hisgate_runtime::validate::{check, scalar_text};
use serde_json::{Map, Value};
use std::sync::Arc;
use template::Answering;

/// Whether `side` of `platform` provides anything to serve; checked before a store is opened for it.
pub fn servable(platform: &PlatformSchema, side: Side) -> Result<(), String> {
    match platform.interfaces.iter().any(|i| i.provider == side) {
        true => Ok(()),
        false => Err(format!(
            "`{}` declares no interface its {side} side provides: there is nothing to serve",
            platform.name
        )),
    }
}

/// Serves `side` of `platform` (the profile already merged in, where one is given) from its spec.
pub async fn start(platform: Arc<PlatformSchema>, side: Side, options: Options) -> Result<Simulator, StartError> {
    servable(&platform, side).map_err(StartError::Unavailable)?;
    options.store.migrate("hisgate.generic", sequence::MIGRATIONS).await?;
    let mut config = crate::server_config(&platform, &options);
    // `platform` is what is served, a profile already merged in: nothing to substitute.
    config.schema = None;
    let answering = Answering::new(config.utc_offset);
    let service = Generic(Arc::new(Shared { platform: platform.clone(), side, store: options.store, answering }));
    let router =
        hisgate_runtime::server::router(platform, side, Arc::new(service), config).map_err(StartError::Unavailable)?;
    Ok(Simulator { router, background: Vec::new() })
}

struct Generic(Arc<Shared>);

struct Shared {
    platform: Arc<PlatformSchema>,
    side: Side,
    /// Where `{seq}` counts (and the replay guard keeps its signatures).
    store: Store,
    answering: Answering,
}

impl Dispatch for Generic {
    fn dispatch(&self, interface: &str, payload: Value, context: Context) -> BoxFuture<Result<Reply, Failure>> {
        let shared = self.0.clone();
        let name = interface.to_owned();
        Box::pin(async move {
            let Some(interface) = shared.platform.interface(&name) else {
                return Err(Failure::Unsupported);
            };
            shared.answer(interface, &payload, &context).await.map(Reply::from)
        })
    }
}

impl Shared {
    async fn answer(&self, interface: &InterfaceSchema, request: &Value, context: &Context) -> Result<Value, Failure> {
        let platform = &*self.platform;
        let rule = interface.answers.iter().find(|rule| matches(rule, request));
        if let Some(rule) = rule
            && let Some(code) = rule.code.as_deref().filter(|code| !is_success(platform, code))
        {
            let message = rule.message.as_ref().map(|m| m.to_string());
            return Err(Failure::Business { code: code.to_owned(), message });
        }
        if platform.message(interface.response).kind == MessageKind::Empty {
            return Ok(Value::Object(Map::new()));
        }
        // The examples where the spec has them, generated values elsewhere; a rule's response over them.
        let mut value = sample::payload(platform, interface.response);
        let source = match rule.and_then(|r| r.response.as_deref().map(|json| (r, json))) {
            Some((rule, json)) => {
                let at = |e: String| Failure::internal(format!("the answer at {}: {e}", rule.origin));
                let template: Value = serde_json::from_str(json).map_err(|e| at(e.to_string()))?;
                // One number per answer, shared by every `{seq}` in it.
                let seq = match template::uses_seq(&template) {
                    true => Some(self.next(interface, context).await.map_err(|e| at(e.to_string()))?),
                    false => None,
                };
                let filled = self.answering.fill(&template, request, seq).map_err(at)?;
                overlay(&mut value, filled);
                format!("the answer at {}", rule.origin)
            }
            None => format!("the examples and generated values of `{}`", interface.name),
        };
        let violations = check(platform, interface.response, &mut value);
        if !violations.is_empty() {
            return Err(Failure::internal(format!("{source}: the answer breaks the response's rules: {violations}")));
        }
        Ok(value)
    }
}

impl Shared {
    /// The next `{seq}` of `interface`, in the request's exactly-once claim where it has one.
    async fn next(&self, interface: &InterfaceSchema, context: &Context) -> Result<i64, StoreError> {
        let (platform, side) = (&*self.platform.name, self.side.as_str());
        match context.effects.tx().await {
            Some(mut claimed) => sequence::next(&mut **claimed, platform, side, &interface.name).await,
            None => sequence::next(self.store.pool(), platform, side, &interface.name).await,
        }
    }
}

fn is_success(platform: &PlatformSchema, code: &str) -> bool {
    platform.return_codes.iter().any(|c| c.success && (c.code == code || c.aliases.iter().any(|a| a == code)))
}

/// Whether every condition of `rule` holds: the request's value at the path (any item, through lists) is one of
/// the listed values, compared as text (`1` and `"1"` alike).
fn matches(rule: &AnswerSchema, request: &Value) -> bool {
    rule.when.iter().all(|condition| {
        let mut found = Vec::new();
        values_at(request, &condition.field, &mut found);
        found.iter().any(|v| condition.values.iter().any(|wanted| wanted == v))
    })
}

fn values_at(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| values_at(item, path, out)),
        Value::Object(map) => {
            let (head, rest) = path.split_once('.').map_or((path, None), |(h, r)| (h, Some(r)));
            match (map.get(head), rest) {
                (Some(next), Some(rest)) => values_at(next, rest, out),
                (Some(found), None) => out.extend(scalar_text(found)),
                (None, _) => {}
            }
        }
        _ => {}
    }
}

/// `base` with `top`'s members written over it; objects merge member by member, anything else is replaced.
fn overlay(base: &mut Value, top: Value) {
    match (base, top) {
        (Value::Object(base), Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => overlay(existing, value),
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, top) => *base = top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_compare_text_through_objects_and_lists() {
        let rule = |field: &str, values: &[&'static str]| AnswerSchema {
            when: vec![hisgate_runtime::schema::AnswerCondition {
                field: field.to_owned().into(),
                values: values.iter().map(|v| (*v).into()).collect::<Vec<_>>().into(),
            }]
            .into(),
            code: None,
            message: None,
            response: None,
            origin: hisgate_runtime::schema::SourcePos::UNKNOWN,
        };
        let request = json!({"cardNo": "6217", "n": 1, "order": [{"id": "A"}, {"id": "B"}], "p": {"q": "张三"}});
        assert!(matches(&rule("cardNo", &["1", "6217"]), &request));
        assert!(!matches(&rule("cardNo", &["6218"]), &request));
        assert!(matches(&rule("n", &["1"]), &request));
        assert!(matches(&rule("order.id", &["B"]), &request));
        assert!(matches(&rule("p.q", &["张三"]), &request));
        assert!(!matches(&rule("missing", &["x"]), &request));
    }

    #[test]
    fn a_rule_overrides_member_by_member() {
        let mut base = json!({"a": "1", "o": {"x": "1", "y": "2"}, "l": [{"k": "1"}]});
        overlay(&mut base, json!({"o": {"y": "二"}, "l": [], "b": "3"}));
        assert_eq!(base, json!({"a": "1", "o": {"x": "1", "y": "二"}, "l": [], "b": "3"}));
    }
}
