//! `hisgate reconcile`: a platform's statement against the HIS ledger for one day. Argument parsing and output
//! only; reading, matching and reports live in hisgate-reconcile.

mod fetch;
mod journal;

use hisgate_reconcile::read::{self, Read};
use hisgate_reconcile::{Settings, Side, ledger_sql, matcher::Spill, reconcile, report};
use hisgate_runtime::schema::{
    Charset, Compression, Delimited, Meaning, MoneyUnit, Side as Issuer, SourcePos, StatementColumn, StatementFormat,
    StatementSchema, StatementSource, Str, TimeFormat,
};
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Mark a mismatch (its id in the store, as `reconcile` lists it) resolved, with a note.
    Resolve {
        id: i64,
        #[arg(long)]
        note: String,
        #[arg(long, default_value = DEFAULT_DB)]
        db: String,
    },
}

const DEFAULT_DB: &str = "sqlite://hisgate-reconcile.sqlite";

#[derive(clap::Args)]
struct RunArgs {
    /// The platform whose statement it is (a folder under --specs).
    #[arg(long, required = true)]
    platform: Option<String>,
    /// The day, YYYY-MM-DD.
    #[arg(long, required = true)]
    date: Option<chrono::NaiveDate>,
    /// The platform's statement for the day (delimited text, or JSON records for a `records` statement; gzip is
    /// read as such).
    #[arg(long, required_unless_present = "fetch", conflicts_with = "fetch")]
    statement: Option<PathBuf>,
    /// Fetch the statement from this base address through the interface statements.yaml names (DownloadStatement
    /// for shaanxi), with the request it declares; the file is kept in --out (or the store's folder).
    #[arg(long, value_name = "URL")]
    fetch: Option<String>,
    /// The binding of the --fetch call; by default the protocol's first.
    #[arg(long, requires = "fetch")]
    binding: Option<String>,
    #[command(flatten)]
    credentials: crate::inputs::Credentials,
    /// Which of the platform's statements (`name` in statements.yaml); the one issued by the platform by default.
    #[arg(long)]
    statement_name: Option<String>,
    /// The HIS ledger export (CSV; gzip is read as such).
    #[arg(long, required_unless_present = "his_db", conflicts_with = "his_db")]
    his: Option<PathBuf>,
    /// The HIS ledger from its database instead (`sqlite://…` or `postgres://…`), with --his-query.
    #[arg(long, value_name = "URL", requires = "his_query")]
    his_db: Option<String>,
    /// The query whose rows are the day's ledger; `{date}` in it is the day (YYYY-MM-DD). Its column names are
    /// the meanings (time, platform_order_id, …, amount in yuan, kind pay/refund) or those --his-map declares.
    #[arg(long, value_name = "SQL", requires = "his_db")]
    his_query: Option<String>,
    /// Where runs are kept: a re-run replaces its day, pending rows carry to the next day, `resolve` marks one.
    #[arg(long, default_value = DEFAULT_DB)]
    db: String,
    /// The ledger's column mapping (a statements.yaml with one file statement); without it, the CSV's header
    /// names the meanings (time, platform_order_id, hospital_order_id, …, amount in yuan, kind pay/refund).
    #[arg(long)]
    his_map: Option<PathBuf>,
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// Reports (mismatches.csv, report.html) go here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A one-sided row this many minutes before midnight is pending (存疑), not a mismatch.
    #[arg(long, default_value_t = 5)]
    window_minutes: i64,
    /// Partitions of the spill (0: from the input size).
    #[arg(long, default_value_t = 0)]
    partitions: usize,
    /// Stop at the first bad row instead of counting it.
    #[arg(long)]
    strict: bool,
    /// A `hisgate proxy` journal (`sqlite://…`, `postgres://…`): the third source. Each open mismatch is listed with
    /// the exchanges that passed through the proxy about its order (interface, return code, verdict, time), and
    /// mismatches.csv gets them in a `journal` file beside it.
    #[arg(long, value_name = "URL")]
    journal: Option<String>,
    /// The journal's PostgreSQL schema, as `hisgate proxy --journal-schema` wrote it.
    #[arg(long, requires = "journal")]
    journal_schema: Option<String>,
}

pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hisgate reconcile: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.action {
        Some(Action::Resolve { id, note, db }) => runtime.block_on(async {
            let store = hisgate_reconcile::store::open(&db).await.map_err(|e| e.to_string())?;
            match hisgate_reconcile::store::resolve(&store, id, &note).await.map_err(|e| e.to_string())? {
                true => {
                    println!("resolved {id}");
                    Ok(ExitCode::SUCCESS)
                }
                false => Err(format!("no unresolved mismatch {id} in {db}")),
            }
        }),
        None => go(args.run, &runtime),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hisgate reconcile: {e}");
            ExitCode::from(2)
        }
    }
}

fn go(args: RunArgs, runtime: &tokio::runtime::Runtime) -> Result<ExitCode, String> {
    let (Some(platform), Some(date)) = (args.platform.clone(), args.date) else {
        return Err("--platform and --date are required".into());
    };
    let day = date.to_string();
    let store = runtime.block_on(hisgate_reconcile::store::open(&args.db)).map_err(|e| format!("{}: {e}", args.db))?;
    let held =
        runtime.block_on(hisgate_reconcile::store::held_before(&store, &platform, &day)).map_err(|e| e.to_string())?;
    let dir = args.specs.join(&platform);
    let shown = format!("{}/{}", args.specs.display(), platform);
    let statements = hisgate_codegen::load_statements(&dir, &shown).map_err(|d| format!("\n{d}"))?;
    let statement = statements
        .iter()
        .find(|s| match &args.statement_name {
            Some(n) => s.name == n.as_str(),
            None => s.issuer == Issuer::Platform,
        })
        .ok_or_else(|| format!("{shown}/statements.yaml declares no such statement"))?;
    let statement_path = match (&args.statement, &args.fetch) {
        (Some(path), _) => path.clone(),
        (None, Some(url)) => {
            let ir = hisgate_codegen::load_platform(&dir, &shown).map_err(|d| format!("\n{d}"))?;
            let keep_in = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
            let how = fetch::Fetch {
                url,
                credentials: &args.credentials,
                binding: args.binding.clone(),
                day: date,
                keep_in: &keep_in,
            };
            let file = fetch::fetch(ir, statement, how, runtime)?;
            eprintln!("hisgate reconcile: fetched the statement into {}", file.display());
            file
        }
        (None, None) => return Err("give --statement FILE or --fetch URL".into()),
    };
    let mut his = match &args.his_map {
        Some(path) => hisgate_codegen::load_ledger_mapping(path).map_err(|d| format!("\n{d}"))?.remove(0),
        None => default_ledger(statement),
    };
    let spill = SpillDir(tempdir(&args)?);
    let spill_dir = spill.0.clone();
    let his_path = match (&args.his, &args.his_db, &args.his_query) {
        (Some(path), _, _) => path.clone(),
        (None, Some(url), Some(query)) => {
            let file = spill_dir.join("his-ledger.csv");
            let query = query.replace("{date}", &day);
            let rows = runtime.block_on(hisgate_reconcile::ledger_sql::export(url, &query, &file))?;
            eprintln!("hisgate reconcile: {rows} ledger rows from {}", crate::commands::serve::redact_url(url));
            // The rows arrive in the export's layout, whatever file layout a --his-map declares.
            if let StatementFormat::Delimited(d) = &mut his.format {
                (d.separator, d.quote, d.header) = (ledger_sql::SEPARATOR, Some(ledger_sql::QUOTE), true);
                (d.encoding, d.compression, d.value_prefix) = (Charset::Utf8, Compression::None, None);
            }
            file
        }
        _ => return Err("give --his FILE, or --his-db URL with --his-query SQL".into()),
    };
    let size = [&statement_path, &his_path].iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum::<u64>();
    // About 4 MiB of input per partition pair keeps one pair in memory small; at most 512 files open at once.
    let partitions = if args.partitions > 0 { args.partitions } else { (size / (4 << 20)).clamp(8, 512) as usize };
    let bar = indicatif::ProgressBar::new(size);
    if size < 32 << 20 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // The two sides are read and spilled at once, one thread each.
    let strict = args.strict;
    let (platform_side, his_side) = std::thread::scope(|scope| {
        let jobs =
            [(Side::Platform, statement, &statement_path), (Side::His, &his, &his_path)].map(|(side, st, path)| {
                let (bar, held, spill_dir) = (bar.clone(), &held, &spill_dir);
                scope.spawn(move || read_side(side, st, path, held, spill_dir, partitions, strict, &bar))
            });
        let [p, h] = jobs.map(|j| j.join().unwrap_or_else(|_| Err("a reader thread failed".into())));
        (p, h)
    });
    let (platform_rows, mut bad, mut bad_count) = platform_side?;
    let (his_rows, his_bad, his_bad_count) = his_side?;
    bad.extend(his_bad);
    bad_count += his_bad_count;
    bar.finish_and_clear();
    let settings = Settings {
        day: date,
        window: chrono::Duration::minutes(args.window_minutes),
        partitions,
        spill_dir: spill_dir.clone(),
    };
    let mut csv = match &args.out {
        Some(out) => {
            std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
            let mut f =
                std::io::BufWriter::new(std::fs::File::create(out.join("mismatches.csv")).map_err(|e| e.to_string())?);
            writeln!(f, "{}", report::CSV_HEADER).map_err(|e| e.to_string())?;
            Some(f)
        }
        None => None,
    };
    // The HTML shows the first 2,000 mismatches; the CSV has them all.
    let mut all = Vec::new();
    let outcome = reconcile(&settings, platform_rows, his_rows, |m| {
        if let Some(f) = csv.as_mut() {
            writeln!(f, "{}", report::csv_line(&m))?;
        }
        all.push(m);
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let open =
        runtime.block_on(hisgate_reconcile::store::save(&store, &platform, &day, &all)).map_err(|e| e.to_string())?;
    let items =
        runtime.block_on(hisgate_reconcile::store::items(&store, &platform, &day)).map_err(|e| e.to_string())?;
    let more = all.len().saturating_sub(2000) as u64;
    let shown = &all[..all.len().min(2000)];
    drop(spill);
    if let (Some(out), Some(mut f)) = (&args.out, csv) {
        f.flush().map_err(|e| e.to_string())?;
        let mut html =
            std::io::BufWriter::new(std::fs::File::create(out.join("report.html")).map_err(|e| e.to_string())?);
        let title = format!("{platform} 对账 {date}");
        report::html(&mut html, &title, &outcome, &bad, shown, more).map_err(|e| e.to_string())?;
    }
    for b in bad.iter().take(20) {
        eprintln!("bad row: {b}");
    }
    print!("{}", report::summary(&outcome, bad_count));
    let seen = match &args.journal {
        Some(url) => {
            let keys = items.iter().filter(|i| i.3 != "released").map(|i| i.2.clone()).take(2000).collect::<Vec<_>>();
            let seen = runtime.block_on(journal::seen(url, args.journal_schema.as_deref(), &keys))?;
            if let Some(out) = &args.out {
                journal::write_csv(&out.join("journal.csv"), &seen).map_err(|e| e.to_string())?;
            }
            seen
        }
        None => Default::default(),
    };
    for (id, class, key, status) in items.iter().filter(|i| i.3 != "released").take(50) {
        println!("  #{id} {class} {key} {status}");
        if args.journal.is_some() {
            println!("      journal: {}", journal::describe(seen.get(key).map(Vec::as_slice).unwrap_or_default()));
        }
    }
    println!("open (not resolved, not held): {open}  [store {}]", args.db);
    // A row that could not be read was not reconciled either: cron hears of it.
    Ok(if open > 0 || bad_count > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Reads one side into its spill: (partition files, the first bad rows, how many bad rows).
#[allow(clippy::too_many_arguments)]
fn read_side(
    side: Side,
    statement: &StatementSchema,
    path: &PathBuf,
    held: &[(Side, hisgate_reconcile::Rec)],
    spill_dir: &std::path::Path,
    partitions: usize,
    strict: bool,
    bar: &indicatif::ProgressBar,
) -> Result<(Vec<PathBuf>, Vec<String>, u64), String> {
    let mut bad: Vec<String> = Vec::new();
    let mut bad_count = 0u64;
    let mut spill = Spill::new(spill_dir, side, partitions).map_err(|e| e.to_string())?;
    // Yesterday's pending rows join today's sides.
    for (_, rec) in held.iter().filter(|(s, _)| *s == side) {
        spill.push(rec).map_err(|e| e.to_string())?;
    }
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let each = |r: Read| -> Result<(), String> {
        match r {
            Read::Row(rec) => spill.push(&rec).map_err(|e| e.to_string()),
            Read::Bad(b) if strict => Err(format!("{b} (--strict)")),
            Read::Bad(b) => {
                bad_count += 1;
                if bad.len() < 1000 {
                    bad.push(b.to_string());
                }
                Ok(())
            }
            Read::Ignored => Ok(()),
        }
    };
    match &statement.format {
        StatementFormat::Delimited(d) => {
            let input = read::decompressed(BufReader::new(bar.wrap_read(file)), d.compression)
                .map_err(|e| format!("{name}: {e}"))?;
            read::delimited(statement, input, &name, each)?;
        }
        StatementFormat::Records => {
            let value: serde_json::Value =
                serde_json::from_reader(BufReader::new(file)).map_err(|e| format!("{name}: {e}"))?;
            let field = match &statement.source {
                StatementSource::Interface { field, .. } => field.to_string(),
                StatementSource::File { .. } => String::new(),
            };
            let rows = match &value {
                serde_json::Value::Array(rows) => rows.clone(),
                serde_json::Value::Object(o) => o.get(&field).and_then(|v| v.as_array()).cloned().unwrap_or_default(),
                _ => return Err(format!("{name}: expected a JSON list of records or an object with `{field}`")),
            };
            read::records(statement, &rows, &name, each)?;
        }
    }
    let files = spill.finish().map_err(|e| e.to_string())?;
    Ok((files, bad, bad_count))
}

/// The spill folder, removed however the run ends.
struct SpillDir(PathBuf);

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(args: &RunArgs) -> Result<PathBuf, String> {
    let base = args.out.clone().unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!(".reconcile-spill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// A ledger CSV whose header names the meanings, amounts in yuan, kind `pay`/`refund`, matched on the statement's
/// own keys.
fn default_ledger(statement: &StatementSchema) -> StatementSchema {
    let pos = SourcePos { file: Str::Borrowed("--his"), line: 1, column: 1 };
    let columns = Meaning::ALL
        .into_iter()
        .map(|m| StatementColumn {
            meaning: m,
            names: vec![Str::Borrowed(m.as_str())].into(),
            format: (m == Meaning::Time).then(|| TimeFormat::parse("YYYY-MM-DD HH24:MI:SS").expect("a valid format")),
            unit: (m == Meaning::Amount).then_some(MoneyUnit::Yuan),
            pay: if m == Meaning::Kind { vec![Str::Borrowed("pay")].into() } else { Vec::new().into() },
            refund: if m == Meaning::Kind { vec![Str::Borrowed("refund")].into() } else { Vec::new().into() },
            origin: pos.clone(),
        })
        .collect::<Vec<_>>();
    StatementSchema {
        name: Str::Borrowed("his"),
        title: Str::Borrowed("HIS ledger"),
        section: None,
        description: Str::Borrowed(""),
        issuer: Issuer::Hospital,
        source: StatementSource::File { description: Str::Borrowed("--his") },
        format: StatementFormat::Delimited(Delimited {
            separator: ',',
            quote: Some('"'),
            header: true,
            comments: vec![Str::Borrowed("#")].into(),
            summary: Vec::new().into(),
            value_prefix: None,
            encoding: Charset::Utf8,
            compression: Compression::None,
        }),
        columns: columns.into(),
        key: statement.key,
        refund_key: statement.refund_key,
        origin: pos,
    }
}
