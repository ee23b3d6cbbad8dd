//! A probe run's result: per interface the requests sent, those that passed and each finding with the request,
//! the reply and the rule, as JSON (serde), a text table and a self-contained HTML page (no script, no CDN:
//! hospital networks are often offline).

use crate::Options;
use hisgate_runtime::client::Exchange;
use hisgate_runtime::schema::InterfaceSchema;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub platform: String,
    pub side: String,
    pub url: String,
    pub bindings: Vec<String>,
    pub allow_writes: bool,
    pub sent: usize,
    pub passed: usize,
    pub findings: usize,
    pub interfaces: Vec<InterfaceReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterfaceReport {
    pub interface: String,
    pub title: String,
    pub effect: &'static str,
    /// Why it was not called at all.
    pub skipped: Option<String>,
    pub sent: usize,
    pub passed: usize,
    pub findings: Vec<Finding>,
    /// The checks passed, as `binding: check`.
    pub passed_checks: Vec<String>,
    /// Cases not sent and why (an attack that does not apply to a message).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub binding: String,
    pub check: String,
    /// The rule the spec states for this case.
    pub rule: String,
    /// What the counterpart did instead.
    pub finding: String,
    pub request: Shown,
    pub reply: Option<Shown>,
}

/// One HTTP message as sent or received.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub head: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Report {
    pub(crate) fn new(options: &Options, bindings: &[String]) -> Report {
        Report {
            platform: options.platform.name.to_string(),
            side: options.side.to_string(),
            url: options.url.clone(),
            bindings: bindings.to_vec(),
            allow_writes: options.allow_writes,
            sent: 0,
            passed: 0,
            findings: 0,
            interfaces: Vec::new(),
        }
    }

    pub(crate) fn total(&mut self) {
        self.sent = self.interfaces.iter().map(|i| i.sent).sum();
        self.passed = self.interfaces.iter().map(|i| i.passed).sum();
        self.findings = self.interfaces.iter().map(|i| i.findings.len()).sum();
    }

    /// Every secret credential's value, wherever a message carried it (a protocol that sends its token in a
    /// header), written as `{name}`: a report is shared, keys never are.
    pub(crate) fn redact(&mut self, secrets: &[(String, String)]) {
        let hide = |text: &mut String| {
            for (name, value) in secrets.iter().filter(|(_, v)| !v.is_empty()) {
                if text.contains(value.as_str()) {
                    *text = text.replace(value.as_str(), &format!("{{{name}}}"));
                }
            }
        };
        let findings = self.interfaces.iter_mut().flat_map(|i| i.findings.iter_mut());
        for shown in findings.flat_map(|f| std::iter::once(&mut f.request).chain(f.reply.as_mut())) {
            hide(&mut shown.head);
            hide(&mut shown.body);
            shown.headers.iter_mut().for_each(|(_, v)| hide(v));
        }
    }

    /// The conformance table as text, then each finding in short.
    pub fn table(&self) -> String {
        let width = self.interfaces.iter().map(|i| i.interface.len()).max().unwrap_or(9).max(9);
        let mut out = format!(
            "{} {} at {} ({}): {} sent, {} passed, {} finding(s)\n",
            self.platform,
            self.side,
            self.url,
            self.bindings.join(", "),
            self.sent,
            self.passed,
            self.findings
        );
        let _ = writeln!(out, "{:width$}  effect   sent  passed  findings", "interface");
        for i in &self.interfaces {
            let tail = i.skipped.as_deref().map(|s| format!("  skipped: {s}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{:width$}  {:6} {:5}  {:6}  {:8}{tail}",
                i.interface,
                i.effect,
                i.sent,
                i.passed,
                i.findings.len()
            );
        }
        for i in &self.interfaces {
            for note in &i.notes {
                let _ = writeln!(out, "note: {}: {note}", i.interface);
            }
            for f in &i.findings {
                let _ = writeln!(
                    out,
                    "finding: {} [{}] {}: {} (rule: {})",
                    i.interface, f.binding, f.check, f.finding, f.rule
                );
            }
        }
        out
    }

    /// The report as one HTML page with its styles inline.
    pub fn html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        );
        let _ = write!(
            out,
            "<title>hisgate probe: {} {}</title><style>{STYLE}</style></head><body>",
            e(&self.platform),
            e(&self.side)
        );
        let _ = write!(
            out,
            "<h1>hisgate probe: {} {}</h1><p>{} · bindings {} · writes {} · <b>{}</b> sent, <b>{}</b> passed, \
             <b class=\"{}\">{}</b> finding(s)</p>",
            e(&self.platform),
            e(&self.side),
            e(&self.url),
            e(&self.bindings.join(", ")),
            if self.allow_writes { "allowed" } else { "not called" },
            self.sent,
            self.passed,
            if self.findings > 0 { "bad" } else { "good" },
            self.findings
        );
        out.push_str("<table><thead><tr><th>interface</th><th>title</th><th>effect</th><th>sent</th><th>passed</th><th>findings</th></tr></thead><tbody>");
        for i in &self.interfaces {
            let findings = match (&i.skipped, i.findings.len()) {
                (Some(why), _) => format!("<td class=\"skip\">{}</td>", e(why)),
                (None, 0) => "<td class=\"good\">0</td>".into(),
                (None, n) => format!("<td class=\"bad\"><a href=\"#{}\">{n}</a></td>", anchor(&i.interface)),
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{findings}</tr>",
                e(&i.interface),
                e(&i.title),
                i.effect,
                i.sent,
                i.passed
            );
        }
        out.push_str("</tbody></table>");
        for i in self.interfaces.iter().filter(|i| !i.findings.is_empty() || !i.notes.is_empty()) {
            let _ = write!(out, "<h2 id=\"{}\">{} {}</h2>", anchor(&i.interface), e(&i.interface), e(&i.title));
            for f in &i.findings {
                let _ = write!(
                    out,
                    "<details><summary><b>{}</b> [{}]: {}</summary><p>rule: {}</p><h3>request</h3>{}<h3>reply</h3>{}</details>",
                    e(&f.check),
                    e(&f.binding),
                    e(&f.finding),
                    e(&f.rule),
                    message(Some(&f.request)),
                    message(f.reply.as_ref())
                );
            }
            if !i.notes.is_empty() {
                out.push_str("<ul class=\"notes\">");
                for note in &i.notes {
                    let _ = write!(out, "<li>{}</li>", e(note));
                }
                out.push_str("</ul>");
            }
        }
        out.push_str("</body></html>\n");
        out
    }
}

impl InterfaceReport {
    pub(crate) fn new(interface: &InterfaceSchema) -> InterfaceReport {
        InterfaceReport {
            interface: interface.name.to_string(),
            title: interface.title.to_string(),
            effect: interface.effect.as_str(),
            skipped: None,
            sent: 0,
            passed: 0,
            findings: Vec::new(),
            passed_checks: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn pass(&mut self, binding: &str, check: &str) {
        self.passed += 1;
        self.passed_checks.push(format!("{binding}: {check}"));
    }
}

impl Finding {
    pub(crate) fn new(binding: &str, check: &str, rule: &str, finding: &str, exchange: &Exchange) -> Finding {
        let (request, reply) = crate::shown(exchange);
        Finding {
            binding: binding.into(),
            check: check.into(),
            rule: rule.into(),
            finding: finding.into(),
            request,
            reply,
        }
    }
}

const STYLE: &str = "body{font:14px/1.5 system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.good{color:#176f2c}.bad{color:#b3261e;font-weight:bold}\
.skip{color:#777}pre{background:#f5f5f5;padding:.6em;white-space:pre-wrap;word-break:break-all}\
details{margin:.5em 0;border-left:3px solid #b3261e;padding-left:.6em}";

fn message(shown: Option<&Shown>) -> String {
    let Some(shown) = shown else { return "<p>no reply</p>".into() };
    let headers: String = shown.headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    format!("<pre>{}\n{}\n{}</pre>", e(&shown.head), e(&headers), e(&shown.body))
}

fn anchor(name: &str) -> String {
    let id: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("i-{id}")
}

/// HTML-escaped text.
fn e(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_a_report() {
        let shown =
            |text: &str| Shown { head: text.into(), headers: vec![("token".into(), text.into())], body: text.into() };
        let finding = Finding {
            binding: "json".into(),
            check: "c".into(),
            rule: "r".into(),
            finding: "f".into(),
            request: shown("a=1&key=S3CRET&b=<2>"),
            reply: Some(shown("S3CRET")),
        };
        let mut report = Report {
            platform: "p".into(),
            side: "hospital".into(),
            url: "http://127.0.0.1:1".into(),
            bindings: vec!["json".into()],
            allow_writes: false,
            sent: 1,
            passed: 0,
            findings: 1,
            interfaces: vec![InterfaceReport {
                interface: "患者查询".into(),
                title: "查询".into(),
                effect: "read",
                skipped: None,
                sent: 1,
                passed: 0,
                findings: vec![finding],
                passed_checks: Vec::new(),
                notes: Vec::new(),
            }],
        };
        report.redact(&[("key".into(), "S3CRET".into())]);
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("S3CRET") && json.contains("key={key}"), "{json}");
        let page = report.html();
        assert!(!page.contains("S3CRET") && page.contains("&lt;2&gt;") && page.contains("患者查询"));
        assert!(report.table().contains("finding: 患者查询 [json] c: f (rule: r)"));
    }
}
