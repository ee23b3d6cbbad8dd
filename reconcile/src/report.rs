//! Reports: the mismatch CSV (one line per mismatch, both rows), an HTML page that opens offline (totals per
//! class and channel, money at stake, an inline SVG chart of the day, every mismatch with both rows) and the
//! summary printed on stdout.

use crate::matcher::{Class, Mismatch, Outcome};
use rust_decimal::Decimal;
use std::io::Write;

pub const CSV_HEADER: &str = "class,key,kind,refund_id,platform_amount,his_amount,at_stake,channel,platform_at,\
                              his_at,platform_row,his_row";

fn csv(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.into() }
}

pub fn csv_line(m: &Mismatch) -> String {
    let side = |r: &Option<crate::Rec>, f: fn(&crate::Rec) -> String| r.as_ref().map(f).unwrap_or_default();
    [
        m.class.as_str().to_owned(),
        m.key.clone(),
        m.kind.as_str().to_owned(),
        m.refund_id.clone(),
        side(&m.platform, |r| r.amount.to_string()),
        side(&m.his, |r| r.amount.to_string()),
        m.at_stake().to_string(),
        m.channel().to_owned(),
        side(&m.platform, |r| r.at.clone()),
        side(&m.his, |r| r.at.clone()),
        side(&m.platform, |r| r.raw.clone()),
        side(&m.his, |r| r.raw.clone()),
    ]
    .iter()
    .map(|v| csv(v))
    .collect::<Vec<_>>()
    .join(",")
}

pub fn summary(outcome: &Outcome, bad: u64) -> String {
    let mut out = format!("rows: platform {}, his {}; bad rows {bad}\n", outcome.rows[0], outcome.rows[1]);
    for class in Class::ALL {
        let n = outcome.counts.get(&class).copied().unwrap_or(0);
        let money: Decimal =
            outcome.by_channel.iter().filter(|((c, _), _)| *c == class).map(|(_, (_, amount))| *amount).sum();
        out.push_str(&format!("{:<20} {n:>10}  {money:>14}  {}\n", class.as_str(), class.title()));
    }
    out.push_str(&format!("unresolved: {}\n", outcome.unresolved()));
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Writes the HTML report; `mismatches` are read back from the CSV the run wrote (bounded by `limit` rows shown).
pub fn html(
    out: &mut impl Write,
    title: &str,
    outcome: &Outcome,
    bad: &[String],
    mismatches: &[Mismatch],
    more: u64,
) -> std::io::Result<()> {
    writeln!(
        out,
        "<!doctype html><html lang=\"zh\"><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:sans-serif;\
         margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}\
         .n{{text-align:right}}code{{font-size:90%}}</style><h1>{t}</h1>",
        t = html_escape(title)
    )?;
    writeln!(
        out,
        "<p>平台 {} 行，HIS {} 行，无法读取 {} 行；未解决 {}。</p>",
        outcome.rows[0],
        outcome.rows[1],
        bad.len(),
        outcome.unresolved()
    )?;
    writeln!(
        out,
        "<h2>按类别与渠道</h2><table><tr><th>类别</th><th>渠道</th><th>笔数</th><th>涉及金额（元）</th></tr>"
    )?;
    for ((class, channel), (n, amount)) in &outcome.by_channel {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=n>{n}</td><td class=n>{amount}</td></tr>",
            class.title(),
            html_escape(channel)
        )?;
    }
    writeln!(out, "</table><h2>全天分布（每小时笔数：绿为对平，红为差异）</h2>")?;
    let max = outcome.hours.iter().map(|(a, b)| a + b).max().unwrap_or(0).max(1) as f64;
    write!(out, "<svg width=\"520\" height=\"140\" xmlns=\"http://www.w3.org/2000/svg\">")?;
    for (hour, (ok, bad_n)) in outcome.hours.iter().enumerate() {
        let x = 10 + hour * 21;
        let h_ok = (*ok as f64 / max * 110.0).round();
        let h_bad = (*bad_n as f64 / max * 110.0).round();
        write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"18\" height=\"{h_ok}\" fill=\"#4a4\"/><rect x=\"{x}\" y=\"{}\" \
             width=\"18\" height=\"{h_bad}\" fill=\"#c33\"/><text x=\"{x}\" y=\"135\" font-size=\"9\">{hour}</text>",
            120.0 - h_ok,
            120.0 - h_ok - h_bad
        )?;
    }
    writeln!(
        out,
        "</svg><h2>差异明细</h2><table><tr><th>类别</th><th>键</th><th>类型</th><th>平台</th><th>HIS</th><th>涉及金额</th></tr>"
    )?;
    for m in mismatches {
        let side = |r: &Option<crate::Rec>| {
            r.as_ref().map_or("—".to_owned(), |r| {
                format!("{} 元 @ {}<br><code>{}</code>", r.amount, html_escape(&r.at), html_escape(&r.raw))
            })
        };
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td></tr>",
            m.class.title(),
            html_escape(&m.key),
            m.kind.as_str(),
            side(&m.platform),
            side(&m.his),
            m.at_stake()
        )?;
    }
    writeln!(out, "</table>")?;
    if more > 0 {
        writeln!(out, "<p>另有 {more} 条差异见 mismatches.csv。</p>")?;
    }
    if !bad.is_empty() {
        writeln!(out, "<h2>无法读取的行</h2><ul>")?;
        for b in bad {
            writeln!(out, "<li>{}</li>", html_escape(b))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</html>")
}
