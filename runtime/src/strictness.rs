//! Strict or lenient, per rule class: a server, client or proxy either refuses a payload that breaks a rule
//! (`strict`, the default) or accepts it and records the violation as a warning (`warn`) — in the log, in the
//! metrics (`hisgate_validation_warnings_total`), and beside the payload for whoever journals it. Which rules a
//! counterpart may break is chosen per run; what the counterpart does differently for good belongs in a profile,
//! which changes the schema itself.

use crate::{Rule, Violation, Violations};

/// The rule classes a run may relax. Type and range stay strict: a value that cannot be read as its type
/// cannot be handed on, and a bound is the document's own arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleClass {
    /// `required` and `require_one_of`.
    Required,
    /// `string(N)`/`char(N)` lengths and a decimal's digits.
    Length,
    /// Date/time formats.
    Format,
    /// Dictionary and inline code membership.
    Dictionary,
    RequiredWhen,
}

impl RuleClass {
    pub const ALL: [RuleClass; 5] =
        [RuleClass::Required, RuleClass::Length, RuleClass::Format, RuleClass::Dictionary, RuleClass::RequiredWhen];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleClass::Required => "required",
            RuleClass::Length => "length",
            RuleClass::Format => "format",
            RuleClass::Dictionary => "dictionary",
            RuleClass::RequiredWhen => "required-when",
        }
    }

    /// The class a broken rule belongs to; `None` for the rules that are always strict.
    pub fn of(rule: Rule) -> Option<RuleClass> {
        match rule {
            Rule::Required | Rule::OneOf => Some(RuleClass::Required),
            Rule::Length | Rule::Precision => Some(RuleClass::Length),
            Rule::Format => Some(RuleClass::Format),
            Rule::Dictionary => Some(RuleClass::Dictionary),
            Rule::RequiredWhen => Some(RuleClass::RequiredWhen),
            Rule::Type | Rule::Range => None,
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl std::str::FromStr for RuleClass {
    type Err = String;

    fn from_str(text: &str) -> Result<RuleClass, String> {
        let wanted = text.trim().replace('_', "-");
        RuleClass::ALL.into_iter().find(|c| c.as_str() == wanted).ok_or_else(|| {
            let known: Vec<&str> = RuleClass::ALL.iter().map(|c| c.as_str()).collect();
            format!("no rule class `{}` (known: {})", text.trim(), known.join(", "))
        })
    }
}

/// Which rule classes only warn. The default refuses everything, as the document asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Strictness {
    warn: u8,
}

impl Strictness {
    /// Every violation refused.
    pub const STRICT: Strictness = Strictness { warn: 0 };
    /// Every class that may warn, warns.
    pub const WARN: Strictness = Strictness { warn: 0b1_1111 };

    /// Warn for these classes, refuse the rest.
    pub fn warning(classes: impl IntoIterator<Item = RuleClass>) -> Strictness {
        Strictness { warn: classes.into_iter().fold(0, |bits, c| bits | c.bit()) }
    }

    /// `strict`, `warn`, or a list of classes that warn: `required,length`.
    pub fn parse(text: &str) -> Result<Strictness, String> {
        match text.trim() {
            "strict" | "" => Ok(Strictness::STRICT),
            "warn" => Ok(Strictness::WARN),
            list => {
                list.split(',').map(str::parse).collect::<Result<Vec<RuleClass>, String>>().map(Strictness::warning)
            }
        }
    }

    pub fn warns(self, class: RuleClass) -> bool {
        self.warn & class.bit() != 0
    }

    pub fn is_strict(self) -> bool {
        self.warn == 0
    }

    /// Splits violations into those refused and those only warned about, each in field order.
    pub fn split(self, violations: Violations) -> (Violations, Violations) {
        let (warned, refused): (Vec<Violation>, Vec<Violation>) =
            violations.0.into_iter().partition(|v| RuleClass::of(v.rule).is_some_and(|c| self.warns(c)));
        (Violations(refused), Violations(warned))
    }
}

impl std::fmt::Display for Strictness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let classes: Vec<&str> = RuleClass::ALL.into_iter().filter(|c| self.warns(*c)).map(RuleClass::as_str).collect();
        match classes.len() {
            0 => f.write_str("strict"),
            5 => f.write_str("warn"),
            _ => f.write_str(&classes.join(",")),
        }
    }
}

/// Which way a warned payload travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A request a server accepted.
    Request,
    /// A reply a client accepted.
    Reply,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Request => "request",
            Flow::Reply => "reply",
        }
    }
}

/// Records accepted violations: one log line each (field, rule and the redacted value, as a refusal would name
/// them) and the counter `hisgate_validation_warnings_total{platform, interface, flow, rule, field}`.
pub fn record(platform: &str, interface: &str, flow: Flow, warnings: &Violations) {
    for warning in warnings {
        tracing::warn!(
            platform, interface, flow = flow.as_str(), field = %warning.path, rule = %warning.rule,
            detail = %warning.detail, "accepted despite a violation"
        );
        let labels = [
            ("platform", platform.to_owned()),
            ("interface", interface.to_owned()),
            ("flow", flow.as_str().to_owned()),
            ("rule", warning.rule.as_str().to_owned()),
            // Indices dropped: one series per field, not per row of a list.
            ("field", without_indices(&warning.path)),
        ];
        metrics::counter!("hisgate_validation_warnings_total", &labels).increment(1);
    }
}

fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => skipping = true,
            ']' => skipping = false,
            c if !skipping => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(path: &str, rule: Rule) -> Violation {
        Violation { path: path.into(), rule, detail: String::new() }
    }

    #[test]
    fn parses_modes_and_lists() {
        assert!(Strictness::parse("strict").unwrap().is_strict());
        assert_eq!(Strictness::parse("warn").unwrap(), Strictness::WARN);
        let some = Strictness::parse("required,length").unwrap();
        assert!(some.warns(RuleClass::Required) && some.warns(RuleClass::Length));
        assert!(!some.warns(RuleClass::Format));
        assert_eq!(some.to_string(), "required,length");
        assert!(Strictness::parse("required_when").unwrap().warns(RuleClass::RequiredWhen));
        assert_eq!(
            Strictness::parse("lenght").unwrap_err(),
            "no rule class `lenght` (known: required, length, format, dictionary, required-when)"
        );
    }

    #[test]
    fn splits_by_class_and_keeps_type_and_range_strict() {
        let all = Violations(vec![
            violation("a", Rule::Required),
            violation("b", Rule::Type),
            violation("c", Rule::Length),
            violation("d", Rule::Range),
        ]);
        let (refused, warned) = Strictness::WARN.split(all.clone());
        assert_eq!(refused.keys(), ["b: type", "d: range"]);
        assert_eq!(warned.keys(), ["a: required", "c: length"]);
        let (refused, warned) = Strictness::STRICT.split(all);
        assert_eq!(refused.0.len(), 4);
        assert!(warned.is_empty());
    }

    #[test]
    fn metric_field_labels_drop_indices() {
        assert_eq!(without_indices("order[12].fee"), "order.fee");
    }
}
