//! `hisgate journal`: what a proxy recorded — list and search exchanges by interface, time, verdict and business
//! key, and show one with both decrypted payloads (redacted) and the signature diagnosis.

use hisgate_runtime::proxy::journal::{Filter, Journal};
use hisgate_runtime::proxy::record::{Exchange, Side, Verdict};
use std::process::ExitCode;
use std::time::Duration;

/// Where `hisgate proxy` records and `hisgate journal` reads when not told: a file in the current folder.
pub const DEFAULT_JOURNAL: &str = "sqlite://hisgate-journal.sqlite";

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// The exchanges the filters select, newest first.
    List(ListArgs),
    /// The exchanges about one business object: a key's value (order id, trade id, patient id).
    Search(SearchArgs),
    /// One exchange: both decrypted payloads (redacted), violations, and the diagnosis of a refused signature.
    Show(ShowArgs),
    /// The exchanges the filters select, oldest first, written as a scenario that replays them (`hisgate scenario
    /// run`): a regression test against a simulator or the real counterpart.
    Export(ExportArgs),
}

#[derive(clap::Args, Debug)]
pub struct Source {
    /// The journal: `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "HISGATE_JOURNAL", default_value = DEFAULT_JOURNAL)]
    journal: String,
    /// PostgreSQL only: the schema the journal's tables are in (as `hisgate proxy --journal-schema`).
    #[arg(long, value_name = "NAME")]
    journal_schema: Option<String>,
    /// JSON instead of text: one array of exchanges (list, search), one exchange (show).
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct Filters {
    /// Only this interface (`QueryRegister`).
    #[arg(long)]
    interface: Option<String>,
    /// From this time: `2026-12-05 09:00:00` (local time), `2026-12-05`, or an age (`15m`, `2h`, `7d` ago).
    #[arg(long, value_name = "WHEN", value_parser = when)]
    since: Option<i64>,
    /// Before this time, written as for `--since`.
    #[arg(long, value_name = "WHEN", value_parser = when)]
    until: Option<i64>,
    /// ok, business_error, invalid, signature_failed or upstream_error.
    #[arg(long, value_parser = verdict)]
    verdict: Option<Verdict>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 50)]
    limit: i64,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    filters: Filters,
    /// Only exchanges with a business key of this value.
    #[arg(long)]
    key: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    filters: Filters,
    /// The value (a sensitive key is journaled redacted, and found as the journal shows it).
    value: String,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    filters: Filters,
    /// Only exchanges with a business key of this value.
    #[arg(long)]
    key: Option<String>,
    /// The scenario file to write.
    #[arg(long, value_name = "FILE")]
    scenario: std::path::PathBuf,
    /// The scenario's title; by default one naming the journal and the time span.
    #[arg(long)]
    title: Option<String>,
    /// The platform's spec folder, where the journal's platform is not compiled in (as `scenario run --spec`).
    #[arg(long, value_name = "DIR")]
    spec: Option<std::path::PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    source: Source,
    /// The exchange's id, as `list` shows it.
    id: i64,
}

pub fn run(command: Command) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(execute(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(reason: String) -> ExitCode {
    eprintln!("hisgate journal: {reason}");
    ExitCode::FAILURE
}

async fn execute(command: Command) -> Result<(), String> {
    let (source, filters, key) = match &command {
        Command::List(args) => (&args.source, Some(&args.filters), args.key.clone()),
        Command::Search(args) => (&args.source, Some(&args.filters), Some(args.value.clone())),
        Command::Show(args) => (&args.source, None, None),
        Command::Export(args) => (&args.source, Some(&args.filters), args.key.clone()),
    };
    let shown = super::serve::redact_url(&source.journal);
    // Reading must not create an empty journal where a path was mistyped.
    if let Some(path) = source.journal.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p))
        && !std::path::Path::new(path).exists()
    {
        return Err(format!("no journal at {path} (hisgate proxy writes one there with --journal {shown})"));
    }
    let journal =
        Journal::open(&source.journal, source.journal_schema.as_deref()).await.map_err(|e| format!("{shown}: {e}"))?;
    if let Command::Show(args) = &command {
        let exchange = journal.get(args.id).await.map_err(|e| e.to_string())?;
        let exchange = exchange.ok_or_else(|| format!("no exchange {} in {shown}", args.id))?;
        if source.json {
            println!("{}", serde_json::to_string_pretty(&exchange).map_err(|e| e.to_string())?);
        } else {
            print!("{}", detail(&exchange));
        }
        return Ok(());
    }
    let filters = filters.expect("list and search have filters");
    let filter = Filter {
        interface: filters.interface.clone(),
        since_ms: filters.since,
        until_ms: filters.until,
        verdicts: filters.verdict.into_iter().collect(),
        key,
        limit: filters.limit,
    };
    let exchanges = journal.list(&filter).await.map_err(|e| e.to_string())?;
    if let Command::Export(args) = &command {
        return export(args, exchanges, &shown);
    }
    if source.json {
        println!("{}", serde_json::to_string(&exchanges).map_err(|e| e.to_string())?);
    } else {
        print!("{}", table(&exchanges));
    }
    Ok(())
}

/// Writes the selected exchanges (newest first from the journal) as a scenario, oldest first.
fn export(args: &ExportArgs, mut exchanges: Vec<Exchange>, shown: &str) -> Result<(), String> {
    exchanges.reverse();
    let first = exchanges.first().ok_or_else(|| format!("no exchange in {shown} matches the filters"))?;
    let name = first.platform.clone();
    if let Some(other) = exchanges.iter().find(|e| e.platform != name) {
        return Err(format!(
            "the selection holds {name} and {} exchanges: a scenario is one platform's (give --interface or --key)",
            other.platform
        ));
    }
    let platform = match &args.spec {
        Some(dir) => {
            let shown = dir.to_string_lossy().trim_end_matches('/').to_owned();
            let loaded = hisgate_codegen::load_platform(dir, &shown)
                .map_err(|d| format!("{shown}: the spec has {} error(s):\n{d}", d.len()))?;
            std::sync::Arc::new(loaded)
        }
        None => hisgate_generated::PLATFORMS
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.shared())
            .ok_or_else(|| format!("no compiled-in platform `{name}`: give its spec folder with --spec"))?,
    };
    if platform.name != name {
        return Err(format!("the journal's exchanges are {name}'s, the spec is {}'s", platform.name));
    }
    let last = exchanges.last().map_or(0, |e| e.at_ms);
    let title = args.title.clone().unwrap_or_else(|| {
        format!("{name}: {} exchanges recorded {} – {}", exchanges.len(), time(first.at_ms), time(last))
    });
    let exported = crate::scenario::export::scenario(&platform, &exchanges, &title, shown);
    if exported.steps == 0 {
        return Err(format!(
            "none of the {} exchanges can be replayed: {}",
            exchanges.len(),
            exported.skipped.join("; ")
        ));
    }
    std::fs::write(&args.scenario, &exported.yaml).map_err(|e| format!("{}: {e}", args.scenario.display()))?;
    for line in &exported.skipped {
        eprintln!("hisgate journal: left out {line}");
    }
    println!("{}: {} steps from {shown}", args.scenario.display(), exported.steps);
    Ok(())
}

fn table(exchanges: &[Exchange]) -> String {
    let name = |e: &Exchange| e.interface.clone().unwrap_or_else(|| "-".to_owned());
    let width = exchanges.iter().map(|e| name(e).chars().count()).max().unwrap_or(0).max("interface".len());
    let mut out = format!(
        "{:>6}  {:<23}  {:<width$}  {:<16}  {:>6}  {:<12}  {:>10}  keys\n",
        "id", "time", "interface", "verdict", "status", "code", "latency"
    );
    for e in exchanges {
        let keys: Vec<String> = e.keys.iter().map(|k| format!("{}={}", k.name, k.value)).collect();
        out.push_str(&format!(
            "{:>6}  {:<23}  {:<width$}  {:<16}  {:>6}  {:<12}  {:>7.1} ms  {}\n",
            e.id,
            time(e.at_ms),
            name(e),
            e.verdict.as_str(),
            e.status,
            e.code.as_deref().unwrap_or("-"),
            e.latency_us as f64 / 1000.0,
            keys.join(",")
        ));
    }
    out
}

fn detail(e: &Exchange) -> String {
    let mut out = format!("exchange {}  {}  {}\n", e.id, time(e.at_ms), e.platform);
    out.push_str(&format!(
        "  {} {}  →  HTTP {}  in {:.1} ms{}\n",
        e.method,
        e.target,
        e.status,
        e.latency_us as f64 / 1000.0,
        if e.forwarded { "" } else { "  (not forwarded)" }
    ));
    out.push_str(&format!(
        "  interface  {} ({} provides it, binding {})\n",
        e.interface.as_deref().unwrap_or("-"),
        e.provider.as_deref().unwrap_or("-"),
        e.binding.as_deref().unwrap_or("-")
    ));
    out.push_str(&format!("  verdict    {}\n", e.verdict.as_str()));
    if let Some(code) = &e.code {
        out.push_str(&format!("  code       {code} {}\n", e.message.as_deref().unwrap_or_default()));
    }
    if !e.keys.is_empty() {
        let keys: Vec<String> = e.keys.iter().map(|k| format!("{}={}", k.name, k.value)).collect();
        out.push_str(&format!("  keys       {}\n", keys.join(", ")));
    }
    if let Some(error) = &e.upstream_error {
        out.push_str(&format!("  upstream   {error}\n"));
    }
    out.push_str(&side("request", &e.request));
    out.push_str(&side("reply", &e.reply));
    out
}

fn side(name: &str, s: &Side) -> String {
    let mut out = format!("{name}\n  signature  {}\n", s.signature.as_str());
    if let Some(refused) = &s.refused {
        let code = if refused.code.is_empty() { String::new() } else { format!("{} ", refused.code) };
        out.push_str(&format!("  refused    {code}{}\n", refused.detail));
    }
    for v in &s.violations {
        out.push_str(&format!("  violation  {}: {}: {}\n", v.field, v.rule, v.detail));
    }
    for v in &s.warnings {
        out.push_str(&format!("  warning    {}: {}: {}\n", v.field, v.rule, v.detail));
    }
    if let Some(d) = &s.diagnosis {
        out.push_str(&format!("  diagnosis  received {} — the rule gives {}\n", d.expected, d.rule_sign));
        for (n, finding) in d.findings.iter().enumerate() {
            out.push_str(&format!("    {}. {}\n", n + 1, finding.variant));
            out.push_str(&format!("         canonical  {}\n", finding.canonical));
            out.push_str(&format!("         diff       {}\n", finding.diff.compact(40)));
        }
        if let Some(hint) = &d.key_differs {
            let keys: Vec<String> = hint.keys.iter().map(|k| format!("{}: {}", k.name, k.fingerprint)).collect();
            out.push_str(&format!(
                "    no variant reproduces it ({}): the key likely differs; {}\n",
                hint.shape,
                keys.join("; ")
            ));
        } else if d.findings.is_empty() {
            out.push_str(&format!("    no variant of the rule reproduces it ({} tried)\n", d.tried));
        }
    }
    if let Some(payload) = &s.payload {
        let text = serde_json::to_string_pretty(payload).unwrap_or_default();
        out.push_str("  payload\n");
        for line in text.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

/// Milliseconds since the epoch, in local time.
fn time(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| at_ms.to_string())
}

/// `30d`, `12h`, `15m`, `90s` or a number of seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], c),
        _ => (text, 's'),
    };
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("`{text}`: the unit is s, m, h or d")),
    };
    let n: u64 = number.trim().parse().map_err(|_| format!("`{text}` is not an age like 30d, 12h, 15m or 90s"))?;
    Ok(Duration::from_secs(n.saturating_mul(scale)))
}

/// A time (`2026-12-05 09:00:00` or `2026-12-05`, local) or an age ago (`15m`), as milliseconds since the epoch.
fn when(text: &str) -> Result<i64, String> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
    if let Some(naive) = naive {
        let local = chrono::Local
            .from_local_datetime(&naive)
            .earliest()
            .ok_or_else(|| format!("`{text}` does not exist here"))?;
        return Ok(local.timestamp_millis());
    }
    let age =
        duration(text).map_err(|_| format!("`{text}` is neither a time (2026-12-05 09:00:00) nor an age (15m)"))?;
    Ok(hisgate_runtime::store::now_millis() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
}

fn verdict(text: &str) -> Result<Verdict, String> {
    Verdict::parse(text).ok_or_else(|| {
        let known: Vec<&str> = Verdict::ALL.iter().map(|v| v.as_str()).collect();
        format!("`{text}` is not a verdict ({})", known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages() {
        assert_eq!(super::duration("30d").unwrap().as_secs(), 30 * 86_400);
        assert_eq!(super::duration("90").unwrap().as_secs(), 90);
        assert!(super::duration("3w").is_err());
        assert!(super::duration("d").is_err());
    }
}
